#define _GNU_SOURCE
#include <string.h>
#include "CSearch.h"

long td_find(const void *haystack, size_t length, size_t from, const void *needle, size_t needle_length) {
    if (from > length) return -1;
    const char *base = (const char *)haystack;
    const void *hit = memmem(base + from, length - from, needle, needle_length);
    return hit ? (long)((const char *)hit - base) : -1;
}

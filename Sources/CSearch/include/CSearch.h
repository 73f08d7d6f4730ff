#ifndef CSEARCH_H
#define CSEARCH_H
#include <stddef.h>
/* memmem(3): Swift's Glibc module hides it (it needs _GNU_SOURCE). Returns the offset of the first
   match at or after `from`, or -1. */
long td_find(const void *haystack, size_t length, size_t from, const void *needle, size_t needle_length);
#endif

#include "CHeap.h"
#include <stdlib.h> /* first: it defines __GLIBC__ on glibc */
#if defined(__GLIBC__)
#include <malloc.h>

/* One malloc arena for the whole process, set before main (and before the Swift runtime, NIO or
   Dispatch start a thread). glibc otherwise gives threads arenas of their own, up to eight a core; each
   keeps what its thread freed, so an app with ten mostly idle threads holds megabytes of free memory
   across them. A terminal app allocates little and seldom from two threads at once, so the lock it now
   shares costs nothing measurable (scripts/perf.py keypress figures), and it keeps about 1 MiB less
   resident (README "Performance"). MALLOC_ARENA_MAX or GLIBC_TUNABLES in the environment still win. */
__attribute__((constructor)) static void td_one_arena(void) {
    if (getenv("MALLOC_ARENA_MAX") != NULL || getenv("GLIBC_TUNABLES") != NULL) return;
    mallopt(M_ARENA_MAX, 1);
    /* A fixed threshold: blocks of 128 KiB and more (a catalogue's text, a response body) get their own
       mapping and go back to the system when freed. By default glibc raises the threshold to the size of
       the largest block freed so far, so after the first catalogue such blocks land in the heap and leave
       holes there. */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
}

int td_release_free_memory(void) { return malloc_trim(0); }
#else
int td_release_free_memory(void) { return 0; }
#endif

#ifndef CHEAP_H
#define CHEAP_H
/* The C heap. Linking this module also limits glibc's malloc to one arena (see heap.c). */

/* malloc_trim(3) where the C library has it (glibc): gives the free pages inside malloc's arenas back to
   the system. Returns 1 if memory was released, 0 if not or where there is no such call. */
int td_release_free_memory(void);
#endif

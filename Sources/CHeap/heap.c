#include "CHeap.h"
#if defined(__GLIBC__)
#include <malloc.h>
int td_release_free_memory(void) { return malloc_trim(0); }
#else
int td_release_free_memory(void) { return 0; }
#endif

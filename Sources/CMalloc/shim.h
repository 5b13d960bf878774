// glibc's malloc tuning interface (mallopt, M_MMAP_THRESHOLD, M_TRIM_THRESHOLD) for HeapPolicy.
#include <malloc.h>

#include "process_hardening.h"
#include <sys/prctl.h>
#include <sys/resource.h>
#include <malloc.h>

// prctl is variadic, so Swift cannot call it: this is its one wrapper.
int kd_disable_core_dumps(void) {
    struct rlimit none = {0, 0};
    int a = setrlimit(RLIMIT_CORE, &none);
    int b = prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    return (a == 0 && b == 0) ? 0 : -1;
}

int kd_release_free_memory(void) {
    return malloc_trim(0);
}

int kd_return_large_blocks_promptly(void) {
    // 128 KiB, glibc's default, but fixed: the threshold no longer rises
    // after a large block is freed, so every large block stays mmapped and
    // goes back to the system the moment it is freed.
    return mallopt(M_MMAP_THRESHOLD, 128 * 1024) == 1 ? 0 : -1;
}

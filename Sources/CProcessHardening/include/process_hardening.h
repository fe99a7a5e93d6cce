#ifndef KEYDASH_PROCESS_HARDENING_H
#define KEYDASH_PROCESS_HARDENING_H

/// Makes the process non-dumpable (no core file, no ptrace by other processes
/// of the same user) and sets RLIMIT_CORE to 0. Returns 0 when both held.
int kd_disable_core_dumps(void);

/// Hands the allocator's free memory back to the system (malloc_trim, which
/// Swift's Glibc module does not offer). After a large list is replaced,
/// glibc keeps the old one's pages; without this, RSS ratchets up refresh
/// after refresh though nothing leaks.
int kd_release_free_memory(void);

/// Keeps every allocation of 128 KiB or more in its own mapping, returned to
/// the system when freed (mallopt M_MMAP_THRESHOLD, fixed). glibc otherwise
/// raises the threshold after the first large free, and a list's arrays then
/// come from the heap, where a refresh holding the old list and the new one
/// leaves a peak that stays resident.
int kd_return_large_blocks_promptly(void);

#endif

#ifndef KEYDASH_PROCESS_HARDENING_H
#define KEYDASH_PROCESS_HARDENING_H

/// Makes the process non-dumpable (no core file, no ptrace by other processes
/// of the same user) and sets RLIMIT_CORE to 0. Returns 0 when both held.
int kd_disable_core_dumps(void);

#endif

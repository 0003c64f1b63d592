/* policy_rules.c — the worker's system-call rules, one table, each row with
 * the reason it is there (STYLE.md 17). Follows the allowlist validated in
 * notes/kernel-sandbox-facts.md ("Minimal allowlist").
 *
 * Two filters, stacked:
 *
 *   base filter (WB_SCF_COMPILE)  installed by the sandbox before any untrusted
 *       byte is read. Default: deny (the supervisor's seccomp listener names
 *       the call and kills the worker), or allow for permissive policies.
 *       mmap/mprotect may make memory executable, never writable at once.
 *   run filter (WB_SCF_RUN)        stacked by the worker when compilation is
 *       over and the code is mapped and sealed, before wasm code runs. Default
 *       allow: it only narrows the base filter (the kernel applies the
 *       strictest answer of all filters). It forbids any new executable memory.
 *       Its denials are KILL_PROCESS: a stacked filter cannot have its own
 *       listener (one per filter chain), and a NOTIFY from a filter without
 *       one just returns ENOSYS.
 *
 * Syscall numbers are not written here: names are resolved by libseccomp in
 * sandbox/; `nr` is set only for calls newer than libseccomp 2.5 (mseal). */
#include <fcntl.h>
#include <errno.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "policy/policy.h"

/* Not in the 6.1 headers we build with. */
#define WB_NR_MSEAL 462

#define BASE   WB_SCF_COMPILE
#define RUN    WB_SCF_RUN

#define ALLOW(n, f, why) \
    { .name = n, .nr = -1, .action = WB_SC_ALLOW, .flags = (f), .reason = why }
#define ALLOW_IF(n, f, why, ...) \
    { .name = n, .nr = -1, .action = WB_SC_ALLOW, .flags = (f), .reason = why, \
      .nargs = sizeof((wb_sc_arg[]){ __VA_ARGS__ }) / sizeof(wb_sc_arg), .args = { __VA_ARGS__ } }
#define ERRNO_IF(n, e, f, why, ...) \
    { .name = n, .nr = -1, .action = WB_SC_ERRNO, .errnum = (e), .flags = (f), .reason = why, \
      .nargs = sizeof((wb_sc_arg[]){ __VA_ARGS__ }) / sizeof(wb_sc_arg), .args = { __VA_ARGS__ } }
#define ERRNO(n, e, f, why) \
    { .name = n, .nr = -1, .action = WB_SC_ERRNO, .errnum = (e), .flags = (f), .reason = why }
#define DENY(n, why) \
    { .name = n, .nr = -1, .action = WB_SC_DENY, .flags = BASE | WB_SCF_PERMISSIVE, .reason = why }
#define KILL_IF(n, why, ...) \
    { .name = n, .nr = -1, .action = WB_SC_KILL, .flags = RUN, .reason = why, \
      .nargs = sizeof((wb_sc_arg[]){ __VA_ARGS__ }) / sizeof(wb_sc_arg), .args = { __VA_ARGS__ } }

#define EQ(i, v, w_)      { .index = (i), .op = WB_ARG_EQ, .mask = ~0ull, .value = (v), .why = w_ }
#define MASK(i, m, v, w_) { .index = (i), .op = WB_ARG_MASKED_EQ, .mask = (m), .value = (v), .why = w_ }

#define WX (PROT_WRITE | PROT_EXEC)
#define MAP_TYPE_BITS (MAP_SHARED | MAP_PRIVATE) /* MAP_SHARED_VALIDATE is both */

static const wb_sc_rule rules[] = {
    /* -- Descriptors the worker holds: stdio, control, code, preopens -- */
    ALLOW("read", BASE, "read from granted descriptors"),
    ALLOW("write", BASE, "write to granted descriptors (stdout, files)"),
    ALLOW("readv", BASE, "WASI fd_read with several buffers"),
    ALLOW("writev", BASE, "WASI fd_write with several buffers"),
    ALLOW("pread64", BASE, "WASI fd_pread"),
    ALLOW("pwrite64", BASE, "WASI fd_pwrite"),
    ALLOW("preadv", BASE, "WASI fd_pread with several buffers"),
    ALLOW("pwritev", BASE, "WASI fd_pwrite with several buffers"),
    ALLOW("lseek", BASE, "WASI fd_seek / fd_tell"),
    ALLOW("close", BASE, "close descriptors"),
    ALLOW("dup3", BASE, "WASI fd_renumber"),
    ALLOW_IF("fcntl", BASE, "read descriptor flags", EQ(1, F_GETFD, "F_GETFD")),
    ALLOW_IF("fcntl", BASE, "set close-on-exec", EQ(1, F_SETFD, "F_SETFD")),
    ALLOW_IF("fcntl", BASE, "WASI fd_fdstat_get", EQ(1, F_GETFL, "F_GETFL")),
    ALLOW_IF("fcntl", BASE, "WASI fd_fdstat_set_flags (append, nonblock)",
             EQ(1, F_SETFL, "F_SETFL; not F_SETOWN/F_SETSIG (signals to others), "
                            "F_ADD_SEALS, leases or locks")),
    ALLOW("fstat", BASE, "WASI fd_filestat_get"),
    ALLOW("newfstatat", BASE, "WASI path_filestat_get below a preopen"),
    ALLOW("statx", BASE, "WASI path_filestat_get (glibc's stat)"),
    ALLOW("ftruncate", BASE, "WASI fd_filestat_set_size; RLIMIT_FSIZE bounds it"),
    ALLOW("fsync", BASE, "WASI fd_sync"),
    ALLOW("fdatasync", BASE, "WASI fd_datasync"),
    ALLOW("fadvise64", BASE, "WASI fd_advise"),
    ALLOW("fallocate", BASE, "WASI fd_allocate; RLIMIT_FSIZE bounds it"),
    ALLOW("getdents64", BASE, "WASI fd_readdir"),
    ALLOW("utimensat", BASE, "WASI fd/path_filestat_set_times"),
    ALLOW("openat2", BASE, "WASI path_open with RESOLVE_BENEATH below a preopen; "
                           "landlock and the empty root bound it"),
    ALLOW("mkdirat", BASE, "WASI path_create_directory"),
    ALLOW("unlinkat", BASE, "WASI path_unlink_file / path_remove_directory"),
    ALLOW("renameat2", BASE, "WASI path_rename"),
    ALLOW("symlinkat", BASE, "WASI path_symlink"),
    ALLOW("readlinkat", BASE, "WASI path_readlink"),
    ALLOW("linkat", BASE, "WASI path_link; landlock checks REFER"),
    ERRNO("openat", ENOSYS, BASE | WB_SCF_STRICT | WB_SCF_NO_SANITIZER,
          "fails with ENOSYS so callers use openat2 with RESOLVE_BENEATH"),
    ERRNO_IF("ioctl", ENOTTY, BASE | WB_SCF_STRICT,
             "isatty() answers no; every other ioctl (TIOCSTI, ...) is denied",
             MASK(1, 0xffffffffull, TCGETS, "TCGETS only; the kernel reads the command "
                                            "as 32 bits, so the high bits are masked")),

    /* -- Control socket to the supervisor -- */
    ALLOW_IF("sendmsg", BASE, "requests and results to the supervisor",
             EQ(0, WB_FD_CONTROL, "only the control socket")),
    ALLOW_IF("recvmsg", BASE, "answers and descriptors from the supervisor",
             EQ(0, WB_FD_CONTROL, "only the control socket")),

    /* -- Time, randomness, waiting -- */
    ALLOW("clock_gettime", BASE, "WASI clock_time_get (when the vDSO is not used)"),
    ALLOW("clock_getres", BASE, "WASI clock_res_get"),
    ALLOW("gettimeofday", BASE, "glibc time functions without the vDSO"),
    ALLOW("clock_nanosleep", BASE, "WASI poll_oneoff on clocks"),
    ALLOW("ppoll", BASE, "WASI poll_oneoff on descriptors"),
    ALLOW("getrandom", BASE, "WASI random_get"),
    ALLOW("sched_yield", BASE, "WASI sched_yield"),
    ALLOW("restart_syscall", BASE, "the kernel restarts an interrupted sleep"),

    /* -- Memory -- */
    ALLOW_IF("mmap", BASE, "heap and linear-memory reservations",
             MASK(2, PROT_EXEC, 0, "not executable"),
             MASK(3, MAP_TYPE_BITS, MAP_PRIVATE, "private only: shared anonymous memory "
                                                 "is not charged to RLIMIT_DATA")),
    ALLOW_IF("mmap", BASE, "JIT code: executable, never writable (W^X)",
             MASK(2, WX, PROT_EXEC, "executable without write"),
             MASK(3, MAP_TYPE_BITS, MAP_PRIVATE, "private only")),
    ALLOW_IF("mmap", BASE, "compiled code from the sealed code memfd (cache hit)",
             MASK(2, WX, PROT_EXEC, "executable without write; the memfd is sealed "
                                    "against writes anyway"),
             EQ(4, WB_FD_CODE, "only the code fd may be mapped shared")),
    ALLOW_IF("mprotect", BASE, "grow linear memory, guard pages",
             MASK(2, PROT_EXEC, 0, "not executable")),
    ALLOW_IF("mprotect", BASE, "publish JIT code: RW -> RX, never RWX",
             MASK(2, WX, PROT_EXEC, "executable without write")),
    ALLOW("munmap", BASE, "free memory"),
    ALLOW("mremap", BASE, "glibc realloc of large blocks; it cannot change protections"),
    ALLOW("madvise", BASE, "return freed pages; sealed code refuses DONTNEED"),
    ALLOW("brk", BASE, "malloc"),
    ALLOW_IF("seccomp", BASE, "stack the run-phase filter after compiling",
             EQ(0, SECCOMP_SET_MODE_FILTER, "only adding a filter, which can only narrow"),
             EQ(1, 0, "no flags: no listener, no TSYNC, no log changes")),
    { .name = "mseal", .nr = WB_NR_MSEAL, .action = WB_SC_ALLOW, .flags = BASE,
      .reason = "seal the code mapping (no munmap/mprotect/remap of it afterwards)" },

    /* -- Signals and exit -- */
    ALLOW("rt_sigreturn", BASE, "return from a trap handler"),
    ALLOW("rt_sigprocmask", BASE, "signal masks around traps (sigsetjmp with a mask)"),
    ALLOW("exit_group", BASE, "end the worker"),
    ALLOW("exit", BASE, "end a thread"),

    /* -- Sanitizer builds only (relaxed filter, WB_RULES_SANITIZER): what the
     * ASan/UBSan runtimes call from a running process -- */
    ALLOW("sigaltstack", BASE | WB_SCF_SANITIZER, "ASan: signal stack while unwinding"),
    ALLOW("openat", BASE | WB_SCF_SANITIZER, "ASan: /proc/self/maps for the stack bounds "
          "when unwinding a trap (landlock still confines it to /proc, read-only)"),
    ALLOW("rt_sigaction", BASE | WB_SCF_SANITIZER, "ASan: deadly-signal handling"),
    ALLOW("getpid", BASE | WB_SCF_SANITIZER, "ASan: report header"),
    ALLOW("gettid", BASE | WB_SCF_SANITIZER, "ASan: report header, locks"),
    ALLOW("sched_getaffinity", BASE | WB_SCF_SANITIZER, "sanitizer runtime start-up"),
    ALLOW("futex", BASE | WB_SCF_SANITIZER, "sanitizer internal locks"),
    ALLOW("getrlimit", BASE | WB_SCF_SANITIZER, "ASan: stack bounds"),
    ALLOW_IF("prlimit64", BASE | WB_SCF_SANITIZER, "ASan: stack bounds",
             EQ(2, 0, "reading only: no new limit")),

    /* -- Denied outright even by a default-allow (permissive) filter -- */
    DENY("ptrace", "tracing other processes"),
    DENY("process_vm_readv", "reading other processes' memory"),
    DENY("process_vm_writev", "writing other processes' memory"),
    DENY("pidfd_getfd", "stealing other processes' descriptors"),
    DENY("kcmp", "probing other processes' kernel objects"),
    DENY("kexec_load", "replacing the kernel"),
    DENY("kexec_file_load", "replacing the kernel"),
    DENY("init_module", "loading kernel code"),
    DENY("finit_module", "loading kernel code"),
    DENY("delete_module", "unloading kernel code"),
    DENY("bpf", "kernel programs (a large attack surface)"),
    DENY("perf_event_open", "kernel profiling (a large attack surface)"),
    DENY("userfaultfd", "stalling the kernel in page faults (exploit primitive)"),
    DENY("io_uring_setup", "io_uring operations bypass seccomp"),
    DENY("io_uring_enter", "io_uring operations bypass seccomp"),
    DENY("io_uring_register", "io_uring operations bypass seccomp"),
    DENY("mount", "changing the filesystem view"),
    DENY("umount2", "changing the filesystem view"),
    DENY("pivot_root", "changing the filesystem view"),
    DENY("chroot", "changing the filesystem view"),
    DENY("move_mount", "changing the filesystem view"),
    DENY("open_tree", "changing the filesystem view"),
    DENY("fsopen", "changing the filesystem view"),
    DENY("fsmount", "changing the filesystem view"),
    DENY("unshare", "new namespaces (user namespaces give capabilities)"),
    DENY("setns", "entering other namespaces"),
    DENY("keyctl", "kernel keyrings are shared across sandboxes"),
    DENY("add_key", "kernel keyrings are shared across sandboxes"),
    DENY("request_key", "kernel keyrings are shared across sandboxes"),
    DENY("personality", "READ_IMPLIES_EXEC and other ABI changes"),
    DENY("open_by_handle_at", "opening files by handle bypasses paths"),
    DENY("name_to_handle_at", "file handles"),
    DENY("reboot", "the machine"),
    DENY("swapon", "the machine"),
    DENY("swapoff", "the machine"),
    DENY("syslog", "the kernel log"),
    DENY("acct", "process accounting"),
    DENY("iopl", "I/O ports"),
    DENY("ioperm", "I/O ports"),
    { .name = "ioctl", .nr = -1, .action = WB_SC_DENY, .flags = BASE | WB_SCF_PERMISSIVE,
      .reason = "TIOCSTI pushes input into the terminal of the caller",
      .nargs = 1, .args = { MASK(1, 0xffffffffull, TIOCSTI, "the kernel reads the "
                                 "command as 32 bits: high bits must not hide it") } },

    /* -- Run phase (stacked, default allow): no new executable memory -- */
    KILL_IF("mprotect", "no new executable memory once wasm code runs",
            MASK(2, PROT_EXEC, PROT_EXEC, "any request for execute")),
    KILL_IF("mmap", "no new executable mapping once wasm code runs (the code is "
                    "mapped and sealed before)",
            MASK(2, PROT_EXEC, PROT_EXEC, "any request for execute")),
    KILL_IF("pkey_mprotect", "no new executable memory once wasm code runs",
            MASK(2, PROT_EXEC, PROT_EXEC, "any request for execute")),
};

wb_err wb_policy_rules(const wb_policy *p, wb_phase phase, unsigned opts,
                       const wb_sc_rule **out, size_t cap, size_t *n,
                       wb_sc_action *default_action)
{
    bool permissive = p->syscalls_permissive;
    size_t k = 0;

    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        const wb_sc_rule *r = &rules[i];
        uint32_t f = r->flags;

        if (!(f & (phase == WB_PHASE_RUN ? RUN : BASE)))
            continue;
        if ((f & WB_SCF_SANITIZER) && !(opts & WB_RULES_SANITIZER))
            continue;
        if ((f & WB_SCF_NO_SANITIZER) && (opts & WB_RULES_SANITIZER))
            continue;
        if (phase == WB_PHASE_COMPILE) {
            /* A default-allow filter keeps only denials (libseccomp refuses
             * rules whose action is the default one). */
            if (permissive && (r->action == WB_SC_ALLOW || (f & WB_SCF_STRICT)))
                continue;
            if (!permissive && (f & WB_SCF_PERMISSIVE))
                continue;
        } else if (r->action == WB_SC_ALLOW) {
            continue; /* the run filter is default-allow: listed for the base only */
        }
        if (k < cap)
            out[k] = r;
        k++;
    }
    *n = k;
    *default_action = phase == WB_PHASE_RUN || permissive ? WB_SC_ALLOW : WB_SC_DENY;
    return k <= cap ? WB_OK : WB_ERR_INTERNAL;
}

const char *wb_sc_action_name(wb_sc_action a)
{
    switch (a) {
    case WB_SC_ALLOW: return "allow";
    case WB_SC_ERRNO: return "errno";
    case WB_SC_DENY: return "deny";
    case WB_SC_KILL: return "kill";
    }
    return "?";
}

const char *wb_phase_name(wb_phase ph)
{
    return ph == WB_PHASE_RUN ? "run" : "compile";
}

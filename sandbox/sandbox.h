/* sandbox.h — confining a worker process. The only code of wasmbox that
 * calls prctl, seccomp, setrlimit, unshare, setns, mount, landlock.
 *
 *   supervisor, once:  wb_sandbox_probe()  what this process may apply
 *                      wb_sandbox_new()    per policy: BPF of both phases,
 *                                          the shared empty netns, grant fds
 *   supervisor, per worker: clone3(wb_sandbox_clone_flags()) then, with a
 *                      user namespace, wb_sandbox_write_idmaps(pid)
 *   worker (child):    wb_sandbox_child_early() right after clone3,
 *                      wb_sandbox_apply()      every layer, verified, in the
 *                                              order of kernel-sandbox-facts.md
 *                      ... compile, map and seal code ...
 *                      wb_sandbox_enter_run_phase()
 *
 * Child-side functions return errors (never exit); the caller _exits. */
#ifndef WB_SANDBOX_H
#define WB_SANDBOX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy/policy.h"
#include "wb_common.h"

/* Sanitizer builds need a relaxed worker filter (ASan's runtime calls more
 * than the allowlist; notes/kernel-sandbox-facts.md) and no RLIMIT_DATA
 * (ASan's shadow is a huge private writable mapping charged to it). On by
 * default when built with -fsanitize=address; -DWB_SANDBOX_RELAXED=0/1
 * overrides at build time. */
#ifndef WB_SANDBOX_RELAXED
#if defined(__SANITIZE_ADDRESS__)
#define WB_SANDBOX_RELAXED 1
#else
#define WB_SANDBOX_RELAXED 0
#endif
#endif

/* Worker uids when the supervisor is root: base + (supervisor pid & 0xffff)
 * * 16 + slot, so workers of different runs and slots never share a uid
 * (same-uid processes may signal each other). No passwd entry is needed. */
#ifndef WB_WORKER_UID_BASE
#define WB_WORKER_UID_BASE 0x10000000u
#endif

/* -- What this process can apply -- */

typedef struct wb_sandbox_probe {
    uint32_t available;                 /* WB_LAYER_BIT()s */
    char why[WB_LAYER__COUNT][128];     /* how it is applied, or why it cannot be */
    bool root;                          /* CAP_SYS_ADMIN in the initial user ns */
    bool userns;                        /* namespaces through a user namespace */
    bool notify;                        /* seccomp user notification works */
    int landlock_abi;                   /* 0: none */
} wb_sandbox_probe;

/* Probes by forking short-lived children that try each layer; takes about
 * a millisecond. Never fails: what does not work is marked missing. */
void wb_sandbox_probe_run(wb_sandbox_probe *out);

/* The quick answer for a root supervisor, without forking (saves about
 * 1.5 ms per run): layers that root can always apply are assumed, the rest
 * asked of the kernel in-process (close_range, seccomp actions, landlock
 * ABI). Every layer is still applied and verified in the worker, so a
 * wrong assumption fails closed (setup failure), and the caller may retry
 * with the full probe. Returns false (out untouched) when not root: then
 * only the full probe can tell. */
bool wb_sandbox_probe_fast(wb_sandbox_probe *out);

/* -- The pinned empty network namespace --
 *
 * Creating a network namespace costs the kernel about a millisecond of CPU,
 * more than everything else a confined start does. A root supervisor
 * therefore keeps the empty one its workers join beyond its own run: it
 * pins it with a bind mount at WB_NETNS_PIN (the way `ip netns add` does),
 * and later runs open the pin instead of creating one. The pin is used only
 * when its directory is root's and not writable by others, it is a network
 * namespace owned by our user namespace, and it has no interface but a
 * loopback that is down (checked by every worker after joining it, like a
 * fresh one). `umount WB_NETNS_PIN` drops it. The environment variable
 * WASMBOX_NETNS_PIN overrides the path; set to "" it disables pinning (a
 * fresh namespace per supervisor). Not used in user-namespace mode (a
 * worker's own user namespace cannot join it). */
#ifndef WB_NETNS_PIN
#define WB_NETNS_PIN "/run/wasmbox/netns"
#endif
/* The pin path in effect: "" when pinning is off. */
const char *wb_sandbox_netns_pin(void);

/* -- Prepared state, per policy -- */

typedef struct wb_sandbox wb_sandbox;

typedef struct wb_sandbox_opts {
    bool relaxed;          /* sanitizer filter and no RLIMIT_DATA (see above) */
    bool no_notify;        /* default action KILL_PROCESS even if notify works */
    uint32_t skip;         /* layers not to apply (debugging, valgrind) */
    bool fast_probe;       /* wb_supervisor_new: wb_sandbox_probe_fast if it can */
    bool defer_bpf;        /* wb_sandbox_new builds no BPF: wb_sandbox_build_bpf
                            * later (the supervisor does it while its first
                            * worker confines itself, and sends it over) */
} wb_sandbox_opts;
#define WB_SANDBOX_OPTS_DEFAULT { .relaxed = WB_SANDBOX_RELAXED }

/* Checks that every layer p requires is available (else
 * WB_ERR_SANDBOX_UNAVAILABLE, detail names the layer and why), builds both
 * seccomp programs, opens the granted directories (WB_ERR_NOT_FOUND / IO
 * with the path in d->detail) and creates the shared empty network
 * namespace. p and probe are copied or borrowed: p must outlive *out. */
wb_err wb_sandbox_new(const wb_policy *p, const wb_sandbox_probe *probe,
                      const wb_sandbox_opts *opts, wb_sandbox **out, wb_diag *d);
void wb_sandbox_free(wb_sandbox *s);

/* The seccomp programs of both phases. Supervisor side: build them (once;
 * a no-op when built or when seccomp is not applied), and serialize them
 * for a worker cloned before they existed. Worker side: adopt them into the
 * worker's own copy of the sandbox, before wb_sandbox_apply installs the
 * first. WB_SANDBOX_BPF_MAX bounds the serialized size. */
#define WB_SANDBOX_BPF_MAX (2u * (4u + 4096u * 8u))
wb_err wb_sandbox_build_bpf(wb_sandbox *s, wb_diag *d);
bool wb_sandbox_bpf_ready(const wb_sandbox *s);
size_t wb_sandbox_bpf_export(const wb_sandbox *s, void *buf, size_t size); /* 0: no room */
wb_err wb_sandbox_bpf_import(wb_sandbox *s, const void *buf, size_t size);

uint32_t wb_sandbox_layers(const wb_sandbox *s);    /* layers it will apply */
bool wb_sandbox_uses_notify(const wb_sandbox *s);   /* default action NOTIFY */
uint64_t wb_sandbox_clone_flags(const wb_sandbox *s); /* CLONE_NEW* for clone3 */
bool wb_sandbox_needs_idmaps(const wb_sandbox *s);
/* Supervisor side, user-namespace mode: maps root in the worker's user
 * namespace to the supervisor's own uid/gid (the only mapping an
 * unprivileged process may write). */
wb_err wb_sandbox_write_idmaps(const wb_sandbox *s, pid_t pid, wb_diag *d);

/* -- Worker side -- */

/* Descriptors the worker inherits from the supervisor, placed at fixed
 * numbers (policy.h): stdio 0-2, control WB_FD_CONTROL, code WB_FD_CODE
 * (-1: none), grants from WB_FD_PREOPEN. */
typedef struct wb_sandbox_fds {
    int stdio[3];
    int control;
    int code;
} wb_sandbox_fds;

/* Which layer failed and how, for the supervisor's message. */
typedef struct wb_sandbox_failure {
    int32_t layer;         /* wb_layer, or -1 before any layer */
    int32_t errnum;        /* errno of the failing call, 0 if a check failed */
    char what[96];         /* "pivot_root", "CapEff not 0", ... */
} wb_sandbox_failure;

/* First thing in the child: PR_SET_PDEATHSIG(SIGKILL); dumpable again when
 * the supervisor must write the id maps. */
wb_err wb_sandbox_child_early(const wb_sandbox *s, wb_sandbox_failure *f);

/* Applies every layer, verifying each. slot picks the worker uid.
 * before_seccomp (may be NULL) runs after every other layer and before
 * the filter: install sigaltstack and trap handlers there (sigaction is not
 * in the allowlist). On success *listener is the seccomp notify fd (or -1),
 * which the caller must hand to the supervisor and close at once: a worker
 * holding it could answer its own forbidden calls. *active gets the layers
 * applied. */
wb_err wb_sandbox_apply(const wb_sandbox *s, const wb_sandbox_fds *fds, unsigned slot,
                        void (*before_seccomp)(void *), void *arg, int *listener,
                        uint32_t *active, wb_sandbox_failure *f);

/* Stacks the run-phase filter: from now on no new executable memory. Call
 * after the code is mapped and sealed, before wasm code runs. */
wb_err wb_sandbox_enter_run_phase(const wb_sandbox *s);

#endif

/* supervisor.h — running a callback in a confined worker process and
 * turning the worker's end into wasmbox's exit status and message.
 *
 *   wb_supervise(policy, spec, &outcome)          the one call `run` needs
 *     = wb_supervisor_new   probe the kernel, check the policy's required
 *                           layers, build the BPF, open the grants
 *     + wb_supervisor_run   clone3(CLONE_PIDFD | namespaces) → the child
 *                           confines itself (sandbox/) → spec->fn runs in it;
 *                           meanwhile: seccomp listener (names a forbidden
 *                           call, kills through the pidfd), time limit,
 *                           SIGINT/TERM/HUP/QUIT forwarding, orphan reaping
 *                           when PID 1, the control socket
 *     + wb_outcome_exit_status / wb_outcome_message
 *
 * Inside the worker fn decodes, compiles, instantiates, then calls
 * wb_worker_enter_run_phase() before running wasm code. */
#ifndef WB_SUPERVISOR_H
#define WB_SUPERVISOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy/policy.h"
#include "sandbox/sandbox.h"
#include "wb_common.h"

/* How long a forwarded SIGINT/SIGTERM/SIGHUP/SIGQUIT may take to end the
 * worker before SIGKILL (a worker is PID 1 of its namespace: without a
 * handler it ignores them). */
#ifndef WB_SIGNAL_GRACE_MS
#define WB_SIGNAL_GRACE_MS 500
#endif
/* Longest time a worker may take to confine itself. */
#ifndef WB_SETUP_TIMEOUT_MS
#define WB_SETUP_TIMEOUT_MS 5000
#endif

/* What the worker's callback gets. */
typedef struct wb_worker_ctx {
    const wb_sandbox *sandbox;  /* for the run phase */
    const wb_policy *policy;    /* grants i is at fd WB_FD_PREOPEN + i */
    uint32_t active;            /* layers applied */
} wb_worker_ctx;

/* Runs confined; returns the worker's exit status (0-255). It may also end
 * with _exit. */
typedef int (*wb_worker_fn)(void *arg, const wb_worker_ctx *ctx);

typedef struct wb_worker_spec {
    wb_worker_fn fn;
    void *arg;                       /* borrowed; the worker sees a copy of memory */
    void (*before_seccomp)(void *);  /* e.g. trap handlers; may be NULL */
    int stdio[3];                    /* worker's 0,1,2; -1 = the supervisor's */
    int code_fd;                     /* sealed code memfd, or -1 */
    unsigned slot;                   /* worker slot (uid) */
    /* Called in the supervisor once the worker is confined (tests read
     * /proc/PID/status there); may be NULL. */
    void (*on_confined)(void *arg, pid_t pid);
    void *on_confined_arg;
} wb_worker_spec;

/* Stacks the run-phase filter (no new executable memory). Worker side. */
wb_err wb_worker_enter_run_phase(const wb_worker_ctx *ctx);

/* Worker side: tells the supervisor a resource limit stopped it (the
 * runtime's allocation failed under RLIMIT_DATA), so the run ends with
 * status 137 and the limit named. The worker should exit right after. */
typedef enum wb_limit_kind {
    WB_LIMIT_NONE = 0,
    WB_LIMIT_MEMORY,
    WB_LIMIT_CPU,
    WB_LIMIT_FILE_SIZE,
    WB_LIMIT_OUTPUT,
    WB_LIMIT_FUEL,
} wb_limit_kind;
void wb_worker_report_limit(wb_limit_kind which);

/* Worker side: hands the supervisor the formatted trap message (with its
 * backtrace) as data, to be printed by it. The supervisor treats it as
 * untrusted text: it keeps at most WB_TRAP_TEXT_MAX - 1 bytes, and only
 * printable ASCII, tab and newline (anything else becomes '?'). */
#define WB_TRAP_TEXT_MAX 4096u
void wb_worker_report_trap(const char *text);

/* Worker side: the address of the counter its compiled code compares with
 * the epoch deadline (the engine's epoch). At the time limit the supervisor
 * writes a huge value there (process_vm_writev into the worker: no thread
 * in the worker is needed), so wasm code traps "interrupted" with its
 * backtrace; SIGKILL follows after WB_TIMEOUT_GRACE_MS if it has not ended.
 * The address is untrusted: a wrong one only harms the worker itself. */
#ifndef WB_TIMEOUT_GRACE_MS
#define WB_TIMEOUT_GRACE_MS 50
#endif
void wb_worker_report_epoch(volatile uint64_t *epoch);

/* -- Outcome -- */

typedef enum wb_outcome_kind {
    WB_OUTCOME_EXITED,        /* code = the worker's exit status */
    WB_OUTCOME_VIOLATION,     /* forbidden syscall, named */
    WB_OUTCOME_SECCOMP_KILL,  /* SIGSYS from a kill rule: run-phase W^X, foreign ABI */
    WB_OUTCOME_LIMIT,         /* limit = which */
    WB_OUTCOME_TIMEOUT,
    WB_OUTCOME_SIGNALED,      /* code = forwarded signal */
    WB_OUTCOME_CRASHED,       /* code = signal */
    WB_OUTCOME_SETUP_FAILED,  /* failure says where */
    WB_OUTCOME_PROTOCOL,      /* the worker broke the control protocol */
} wb_outcome_kind;

typedef struct wb_outcome {
    wb_outcome_kind kind;
    int code;
    int syscall_nr;
    char syscall_name[32];
    wb_limit_kind limit;
    uint32_t active;                 /* layers the worker reported applied */
    wb_sandbox_failure failure;
    char policy[WB_POLICY_NAME_MAX + 1];
    uint64_t limit_value;            /* the limit's value, for the message */
    char trap[WB_TRAP_TEXT_MAX];     /* the worker's trap text, sanitized ("" if none) */
    uint32_t trap_len;
    uint64_t spawn_us;               /* clone3 → confined */
    uint64_t total_us;               /* clone3 → reaped */
} wb_outcome;

typedef struct wb_supervisor wb_supervisor;

/* p is borrowed and must outlive *out. opts may be NULL (defaults). */
wb_err wb_supervisor_new(const wb_policy *p, const wb_sandbox_opts *opts,
                         wb_supervisor **out, wb_diag *d);
void wb_supervisor_free(wb_supervisor *sv);
const wb_sandbox_probe *wb_supervisor_probe(const wb_supervisor *sv);
const wb_sandbox *wb_supervisor_sandbox(const wb_supervisor *sv);

/* Runs one worker to its end. Returns WB_OK with *out filled whenever a
 * worker was started (its end, good or bad, is in *out); an error only
 * when none could be. */
wb_err wb_supervisor_run(wb_supervisor *sv, const wb_worker_spec *spec, wb_outcome *out,
                         wb_diag *d);

/* new + run + free. */
wb_err wb_supervise(const wb_policy *p, const wb_worker_spec *spec, wb_outcome *out,
                    wb_diag *d);

/* wasmbox's exit status for an outcome (wb_exit.h). */
int wb_outcome_exit_status(const wb_outcome *o);
/* The one-line message for stderr without the "wasmbox: " prefix, or ""
 * when the worker simply exited. Returns buf. */
char *wb_outcome_message(const wb_outcome *o, char *buf, size_t size);

#endif

/* supervisor_outcome.c — a worker's end → wasmbox's exit status (wb_exit.h)
 * and its one-line message. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "supervisor/supervisor_int.h"
#include "wb_exit.h"

int wb_outcome_exit_status(const wb_outcome *o)
{
    switch (o->kind) {
    case WB_OUTCOME_EXITED: return o->code;
    case WB_OUTCOME_VIOLATION:
    case WB_OUTCOME_SECCOMP_KILL:
    case WB_OUTCOME_PROTOCOL: return WB_EXIT_VIOLATION;
    case WB_OUTCOME_LIMIT: return WB_EXIT_LIMIT;
    case WB_OUTCOME_TIMEOUT: return WB_EXIT_TIMEOUT;
    case WB_OUTCOME_SIGNALED: return 128 + o->code;
    case WB_OUTCOME_CRASHED:
    case WB_OUTCOME_SETUP_FAILED: return WB_EXIT_USAGE;
    }
    return WB_EXIT_USAGE;
}

static const char *limit_name(wb_limit_kind k)
{
    switch (k) {
    case WB_LIMIT_MEMORY: return "memory";
    case WB_LIMIT_CPU: return "cpu time";
    case WB_LIMIT_FILE_SIZE: return "file size";
    case WB_LIMIT_OUTPUT: return "output";
    case WB_LIMIT_FUEL: return "fuel";
    case WB_LIMIT_NONE: break;
    }
    return "resource";
}

char *wb_outcome_message(const wb_outcome *o, char *buf, size_t size)
{
    char v[32] = "";

    switch (o->kind) {
    case WB_OUTCOME_EXITED:
        snprintf(buf, size, "%s", "");
        break;
    case WB_OUTCOME_VIOLATION:
        snprintf(buf, size, "policy violation: worker attempted forbidden syscall %s (%d) "
                 "under policy %s", o->syscall_name, o->syscall_nr, o->policy);
        break;
    case WB_OUTCOME_SECCOMP_KILL:
        snprintf(buf, size, "policy violation: worker killed by the seccomp filter under "
                 "policy %s (new executable memory while running wasm code, or a "
                 "foreign system-call ABI)", o->policy);
        break;
    case WB_OUTCOME_PROTOCOL:
        snprintf(buf, size, "policy violation: worker broke the control protocol (%s)",
                 o->failure.what);
        break;
    case WB_OUTCOME_LIMIT:
        if (o->limit == WB_LIMIT_CPU || o->limit == WB_LIMIT_FUEL)
            o->limit == WB_LIMIT_CPU ? wb_policy_fmt_time(o->limit_value, v, sizeof v)
                                     : (void)snprintf(v, sizeof v, "%llu",
                                                      (unsigned long long)o->limit_value);
        else
            wb_policy_fmt_size(o->limit_value, v, sizeof v);
        if (o->limit == WB_LIMIT_MEMORY && o->code == SIGKILL)
            snprintf(buf, size, "resource limit: worker killed (SIGKILL), presumably by "
                     "the memory limit (%s)", v);
        else
            snprintf(buf, size, "resource limit: %s limit (%s) exceeded",
                     limit_name(o->limit), v);
        break;
    case WB_OUTCOME_TIMEOUT:
        snprintf(buf, size, "timed out after %s",
                 wb_policy_fmt_time(o->limit_value, v, sizeof v));
        break;
    case WB_OUTCOME_SIGNALED:
        snprintf(buf, size, "interrupted by SIG%s", sigabbrev_np(o->code) ?
                 sigabbrev_np(o->code) : "?");
        break;
    case WB_OUTCOME_CRASHED:
        snprintf(buf, size, "internal error: worker crashed with SIG%s",
                 sigabbrev_np(o->code) ? sigabbrev_np(o->code) : "?");
        break;
    case WB_OUTCOME_SETUP_FAILED:
        if (o->failure.layer >= 0)
            snprintf(buf, size, "sandbox: cannot apply layer %s: %s%s%s",
                     wb_layer_name((wb_layer)o->failure.layer), o->failure.what,
                     o->failure.errnum ? ": " : "",
                     o->failure.errnum ? strerror(o->failure.errnum) : "");
        else
            snprintf(buf, size, "sandbox: %s%s%s", o->failure.what,
                     o->failure.errnum ? ": " : "",
                     o->failure.errnum ? strerror(o->failure.errnum) : "");
        break;
    }
    return buf;
}

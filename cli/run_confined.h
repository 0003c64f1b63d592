/* run_confined.h — what cli/run.c needs from cli/run_confined.c: the
 * confinement options of `wasmbox run` (--policy, -v, --report) and the
 * hooks through which a confined worker runs wb_run_exec without opening
 * any path itself. */
#ifndef WB_CLI_RUN_CONFINED_H
#define WB_CLI_RUN_CONFINED_H

#include <stddef.h>
#include <stdint.h>

#include "wasmbox.h"

/* Set only inside a confined worker (NULL elsewhere). run.c then takes the
 * module bytes the supervisor read instead of reading o->module, dup()s
 * dir_fds[i] instead of opening o->dirs[i].host, leaves signal dispositions
 * alone (sigaction is not in the worker's allowlist), calls on_store() once
 * the store exists and the limits are set (before compiling), before_run()
 * after instantiation and before any wasm code runs (a non-negative result
 * is the exit status), compiles through compile(), and hands a formatted
 * trap to on_trap() instead of printing it. */
typedef struct wb_run_worker_hooks {
    const uint8_t *bytes;
    size_t size;
    const int *dir_fds;
    void (*on_store)(wb_engine *e, wb_store *s);  /* right after the limits start */
    bool timed;              /* the supervisor keeps a time limit (--timeout) */
    int (*before_run)(wb_engine *e, wb_store *s);
    void (*on_trap)(const char *module, const char *text);
    /* Compiles, or maps the cached code, through the supervisor's cache
     * handoff; drops the code fd before returning. */
    wb_err (*compile)(wb_engine *e, const uint8_t *bytes, size_t size, wb_compiled **out,
                      wb_diag *d);
} wb_run_worker_hooks;
extern const wb_run_worker_hooks *wb_run_hooks;

/* Runs o under its policy (--policy, default standard) in a confined
 * worker, or in this process with --policy none; prints the outcome's
 * message and the --report; returns the exit status (wb_exit.h, or the
 * module's own exit code). */
struct wb_run_opts;
int wb_run_confined(const struct wb_run_opts *o);

/* -v/--verbose was given. */
int wb_run_verbose(void);

/* Option lines for run --help. */
extern const char wb_run_confined_help[];

/* If argv[*i] is --policy, -v/--verbose or --report, records it, advances
 * *i past its value and returns -1; 125 after a usage message; 0 when it is
 * none of them. */
int wb_run_confined_option(int argc, char **argv, int *i);

#endif

/* run.h — `wasmbox run`: the parsed options and the run itself, kept apart
 * from argument parsing so that a confined worker can be handed the same
 * struct and call wb_run_exec. */
#ifndef WB_CLI_RUN_H
#define WB_CLI_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/tunables.h"

typedef struct wb_run_dir {
    char *host;             /* host directory (owned by the opts) */
    char *guest;            /* name the guest sees (owned by the opts) */
    bool read_only;
} wb_run_dir;

typedef struct wb_run_opts {
    const char *module;     /* path of the .wasm file (borrowed) */
    char **args;            /* arguments after MODULE (borrowed) */
    int nargs;
    wb_run_dir *dirs;       /* --dir / --dir-ro, in order (owned) */
    size_t ndirs;
    char **env;             /* "KEY=VALUE", final list after --inherit-env/--env (owned) */
    size_t nenv;
    int *inherit_fds;       /* --inherit-fd, in order (owned) */
    size_t ninherit;
    const char *invoke;     /* --invoke NAME, or NULL for _start */
    wb_cli_tunables tun;    /* -O, --opt-level, --timeout, --fuel, --max-memory,
                               --max-stack, --tunable: the config and limits */
} wb_run_opts;

/* Parses `run` arguments (argv[0] = "run"). Returns -1 when the run should
 * go ahead, else the exit status to return at once (help printed: 0; usage
 * error, message printed: 125). */
int wb_run_parse(int argc, char **argv, wb_run_opts *o);
void wb_run_opts_free(wb_run_opts *o);

/* Runs the module in this process; returns the exit status (wb_exit.h, or
 * the module's own exit code). */
int wb_run_exec(const wb_run_opts *o);

int wb_cmd_run(int argc, char **argv);

#endif

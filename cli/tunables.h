/* tunables.h — the options that shape compilation and limit a run
 * (--timeout, --fuel, --max-memory, --max-stack, --tunable, -O,
 * --opt-level), parsed into one wb_config plus the run's limits, and the
 * limits applied to a run: fuel, the epoch deadline, the watchdog, and the
 * timeout's report. Shared by the commands that compile or run modules. */
#ifndef WB_CLI_TUNABLES_H
#define WB_CLI_TUNABLES_H

#include <stdbool.h>
#include <stdint.h>

#include "wasmbox.h"

/* Grace period after the time limit before a run stuck outside wasm code
 * (a host call that does not poll) is ended anyway. */
#define WB_CLI_TIMEOUT_GRACE_NS (50u * 1000u * 1000u)

typedef struct wb_cli_tunables {
    const char *cmd;         /* "run": prefix of usage messages */
    wb_config *config;       /* owned */
    int opt_level;           /* highest -O/--opt-level seen, or -1 */
    uint64_t timeout_ns;     /* --timeout, 0 = none */
    char timeout_text[32];   /* as printed: "200ms", "5s", "2m" */
    bool has_fuel;           /* --fuel given */
    uint64_t fuel;
} wb_cli_tunables;

/* Option help lines, for the command's --help. */
extern const char wb_cli_tunables_help[];

/* Starts with the default config. 125 (message printed) if out of memory,
 * else -1. */
int wb_cli_tunables_init(wb_cli_tunables *t, const char *cmd);
void wb_cli_tunables_free(wb_cli_tunables *t);

/* If argv[*i] is one of these options ("--name VALUE" or "--name=VALUE"),
 * applies it, advances *i past its value and returns -1; returns 125 after
 * printing a usage error that names the option or key; returns 0 when
 * argv[*i] is not one of them. */
int wb_cli_tunables_option(wb_cli_tunables *t, int argc, char **argv, int *i);

/* Applies the limits to a run in store s of engine e, before anything of
 * the module runs (its start function included): the fuel, the epoch
 * deadline and the watchdog (*w, NULL without --timeout). If the run is
 * still stuck WB_CLI_TIMEOUT_GRACE_NS after the time limit, the watchdog
 * prints the timeout and exits the process with 124. Returns -1, or 125
 * with a message printed. */
int wb_cli_limits_start(const wb_cli_tunables *t, wb_engine *e, wb_store *s,
                        wb_watchdog **w);

/* The outcome of trap t under the limits: when the time limit ended the
 * run, prints "wasmbox: timed out after 5s" and the wasm backtrace and
 * returns 124; else -1 (an ordinary trap, the caller reports it). Stops
 * the watchdog first when the time limit fired, so nothing else prints. */
int wb_cli_limits_trap(const wb_cli_tunables *t, wb_watchdog **w, const wb_trap *trap);

/* Stops the watchdog (NULL is fine) once the run is over. */
void wb_cli_limits_stop(wb_watchdog **w);

int wb_cmd_config(int argc, char **argv);

#endif

/* main.c — the wasmbox command: dispatches subcommands, prints help. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

/* policy.c, sandbox_info.c (declarations belong in cli/cli.h) */
int wb_cmd_policy(int argc, char **argv);
int wb_cmd_sandbox_info(int argc, char **argv);
#include "cli/cache.h"
#include "cli/run.h"
#include "cli/tunables.h"

static const char usage_text[] =
    "usage: wasmbox COMMAND [OPTIONS] [ARGS...]\n"
    "\n"
    "wasmbox runs untrusted WebAssembly on x86-64 Linux, compiled to native code\n"
    "and confined by the kernel.\n"
    "\n"
    "Commands:\n"
    "  run MODULE [ARGS]   run a WebAssembly module with WASI (wasmbox run --help)\n"
    "  validate FILE...    decode and validate WebAssembly binaries\n"
    "  compile MODULE      compile into the code cache; print its key and size\n"
    "  cache stats|clean|dir  inspect or trim the code cache (wasmbox cache --help)\n"
    "  policy show NAME|FILE  print the effective policy and its syscall rules\n"
    "  policy check FILE...   validate policy files (wasmbox-policy(5))\n"
    "  sandbox-info        show which confinement layers this kernel allows\n"
    "  config [OPTIONS]    list every setting (tunables, limits, cache) with its\n"
    "                      default and meaning, and the configuration's cache key\n"
    "  compile MODULE      compile a module into the code cache\n"
    "  cache COMMAND       code cache: stats, clean, dir (wasmbox cache --help)\n"
    "\n"
    "Options:\n"
    "  -h, --help          show this help (wasmbox COMMAND --help for a command)\n"
    "  -V, --version       show the version\n"
    "\n"
    "Exit status:\n"
    "  0    success (for run: the module's own exit code passes through)\n"
    "  1    a command's own failure (policy check found problems, sandbox-info\n"
    "       could not run a preset)\n"
    "  124  time limit reached\n"
    "  125  usage error or internal error\n"
    "  126  invalid or malformed module\n"
    "  127  module file not found\n"
    "  134  wasm trap\n"
    "  137  killed by a resource limit of the policy\n"
    "  159  policy violation (forbidden system call)\n"
    "  128+N interrupted by signal N (SIGINT, SIGTERM, SIGHUP and SIGQUIT are\n"
    "       forwarded to the worker)\n"
    "\n"
    "Examples:\n"
    "  wasmbox run --dir . app.wasm input.txt\n"
    "  wasmbox run --policy strict -v app.wasm\n"
    "  wasmbox run --policy strict examples/hello.wasm\n"
    "  wasmbox validate app.wasm\n"
    "\n"
    "See wasmbox(1) and wasmbox-policy(5).\n";

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : NULL;

    if (!cmd) {
        fputs(usage_text, stderr);
        return WB_EXIT_USAGE;
    }
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        fputs(usage_text, stdout);
        return WB_EXIT_OK;
    }
    if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
        printf("wasmbox %s\n", WB_VERSION);
        return WB_EXIT_OK;
    }
    if (!strcmp(cmd, "run"))
        return wb_cmd_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "compile"))
        return wb_cmd_compile(argc - 1, argv + 1);
    if (!strcmp(cmd, "cache"))
        return wb_cmd_cache(argc - 1, argv + 1);
    if (!strcmp(cmd, "validate"))
        return wb_cmd_validate(argc - 1, argv + 1);
    if (!strcmp(cmd, "policy"))
        return wb_cmd_policy(argc - 1, argv + 1);
    if (!strcmp(cmd, "config"))
        return wb_cmd_config(argc - 1, argv + 1);
    if (!strcmp(cmd, "sandbox-info"))
        return wb_cmd_sandbox_info(argc - 1, argv + 1);
    wb_cli_error("unknown command '%s' (see wasmbox --help)", cmd);
    return WB_EXIT_USAGE;
}

/* main.c — the wasmbox command: dispatches subcommands, prints help. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const char usage_text[] =
    "usage: wasmbox COMMAND [OPTIONS] [ARGS...]\n"
    "\n"
    "wasmbox runs untrusted WebAssembly on x86-64 Linux, compiled to native code\n"
    "and confined by the kernel.\n"
    "\n"
    "Commands:\n"
    "  validate FILE...    decode and validate WebAssembly binaries\n"
    "\n"
    "Options:\n"
    "  -h, --help          show this help (wasmbox COMMAND --help for a command)\n"
    "  -V, --version       show the version\n"
    "\n"
    "Exit status:\n"
    "  0    success (for run: the module's own exit code passes through)\n"
    "  125  usage error or internal error\n"
    "  126  invalid or malformed module\n"
    "  127  module file not found\n"
    "\n"
    "Examples:\n"
    "  wasmbox validate app.wasm\n";

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
    if (!strcmp(cmd, "validate"))
        return wb_cmd_validate(argc - 1, argv + 1);
    wb_cli_error("unknown command '%s' (see wasmbox --help)", cmd);
    return WB_EXIT_USAGE;
}

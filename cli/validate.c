/* validate.c — `wasmbox validate FILE...`: decode and validate modules,
 * one line per bad file, nothing for good ones. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "wasm/wasm.h"

/* Worst outcome wins: a missing file (127) over an invalid one (126). */
static int worse(int a, int b)
{
    if (a == WB_EXIT_USAGE || b == WB_EXIT_USAGE)
        return WB_EXIT_USAGE;
    return a > b ? a : b;
}

static int validate_one(const char *path)
{
    uint8_t *bytes = NULL;
    size_t size = 0;
    int errnum = 0, status = WB_EXIT_OK;
    wb_module *m = NULL;
    wb_diag d = { 0 };
    char msg[320];
    wb_err err;

    err = wb_cli_read_file(path, &bytes, &size, &errnum);
    if (err == WB_ERR_NOT_FOUND) {
        wb_cli_error("%s: no such file", path);
        return WB_EXIT_NOT_FOUND;
    }
    if (err == WB_ERR_LIMIT_MODULE_SIZE) {
        wb_cli_error("%s: invalid module: larger than %u bytes", path, WB_MAX_MODULE_SIZE);
        return WB_EXIT_INVALID;
    }
    if (err != WB_OK) {
        wb_cli_error("%s: cannot read: %s", path,
                     errnum ? strerror(errnum) : wb_err_message(err));
        return WB_EXIT_USAGE;
    }
    err = wb_module_load(bytes, size, &m, &d);
    if (err != WB_OK) {
        wb_cli_error("%s: %s", path, wb_diag_format(&d, msg, sizeof msg));
        status = wb_err_class_of(err) == WB_CLASS_INTERNAL ? WB_EXIT_USAGE : WB_EXIT_INVALID;
    }
    wb_module_free(m);
    free(bytes);
    return status;
}

int wb_cmd_validate(int argc, char **argv)
{
    int status = WB_EXIT_OK, i = 1;

    if (i < argc && (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))) {
        printf("usage: wasmbox validate FILE...\n\n"
               "Decodes and validates each WebAssembly binary. Prints nothing and exits 0\n"
               "when every file is valid; otherwise prints one line per bad file and exits\n"
               "126 (invalid or malformed module), 127 (file not found) or 125 (other error).\n");
        return WB_EXIT_OK;
    }
    if (i < argc && !strcmp(argv[i], "--"))
        i++;
    else if (i < argc && argv[i][0] == '-' && argv[i][1]) {
        wb_cli_error("validate: unknown option '%s' (see wasmbox validate --help)", argv[i]);
        return WB_EXIT_USAGE;
    }
    if (i >= argc) {
        wb_cli_error("validate: no module given (usage: wasmbox validate FILE...)");
        return WB_EXIT_USAGE;
    }
    for (; i < argc; i++)
        status = worse(status, validate_one(argv[i]));
    return status;
}

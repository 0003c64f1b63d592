/* cli.h — the wasmbox command: subcommands, messages, file loading. */
#ifndef WB_CLI_H
#define WB_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "wasmbox.h"
#include "wb_common.h"
#include "wb_exit.h"

#define WB_VERSION WASMBOX_VERSION  /* one version, from wasmbox.h */

/* Prints "wasmbox: " + message + newline on stderr. */
void wb_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reads a whole file into a new malloc'd buffer (*out, caller frees).
 * Returns WB_OK, WB_ERR_NOT_FOUND, WB_ERR_IO (errno detail in *errnum) or
 * WB_ERR_LIMIT_MODULE_SIZE. */
wb_err wb_cli_read_file(const char *path, uint8_t **out, size_t *size, int *errnum);

int wb_cmd_validate(int argc, char **argv);

#endif

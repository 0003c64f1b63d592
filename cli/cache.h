/* cache.h (cli) — the code-cache commands and what `run` shares with them. */
#ifndef WB_CLI_CACHE_H
#define WB_CLI_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasmbox.h"

int wb_cmd_compile(int argc, char **argv);  /* wasmbox compile MODULE */
int wb_cmd_cache(int argc, char **argv);    /* wasmbox cache stats|clean|dir */

/* A wb_cache_warn_fn: prints "wasmbox: MSG" on stderr. */
void wb_cli_cache_warn(void *arg, const char *msg);

/* run's compile step in this process (--policy none): through the code
 * cache that e's config names (--no-cache, --cache-dir), warning on
 * stderr when the cache cannot be used, and about bad entries when
 * verbose. Errors are wb_compile's. */
wb_err wb_cli_cache_compile(wb_engine *e, const uint8_t *bytes, size_t size, bool verbose,
                            wb_compiled **out, wb_diag *d);

/* The lines of run --help about the cache. */
extern const char wb_cli_cache_run_help[];

#endif

/* cache.h (cli) — the code-cache commands and what `run` shares with them. */
#ifndef WB_CLI_CACHE_H
#define WB_CLI_CACHE_H

int wb_cmd_compile(int argc, char **argv);  /* wasmbox compile MODULE */
int wb_cmd_cache(int argc, char **argv);    /* wasmbox cache stats|clean|dir */

/* A wb_cache_warn_fn: prints "wasmbox: MSG" on stderr. */
void wb_cli_cache_warn(void *arg, const char *msg);

#endif

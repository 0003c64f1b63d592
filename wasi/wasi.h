/* wasi.h — WASI preview1 (wasi_snapshot_preview1) for wasmbox: a per-run
 * WASI context (arguments, environment, preopened directories, stdio) and
 * the host functions a module's imports are linked to.
 *
 * Ownership: host fds given in the config are borrowed (never closed by
 * wasmbox, also not when the guest closes them) and must stay open until
 * wb_wasi_free; strings are copied. A wb_wasi must outlive every store it
 * was linked into (free the store first). Not thread-safe.
 *
 * Host side: writing to a closed pipe or socket raises SIGPIPE unless the
 * embedder ignores it; with SIGPIPE ignored the guest sees ERRNO_PIPE. */
#ifndef WB_WASI_H
#define WB_WASI_H

#include <stdbool.h>
#include <stddef.h>

#include "wasmbox.h"

typedef struct wb_wasi wb_wasi;

typedef struct wb_wasi_preopen {
    int host_fd;            /* an open directory (O_RDONLY|O_DIRECTORY), borrowed */
    const char *guest_path; /* the name the guest sees: "/data", "." (copied) */
    bool read_only;         /* no write rights below it, read-only host fds */
} wb_wasi_preopen;

typedef struct wb_wasi_config {
    const char *const *argv; /* argv[0] is the program name the guest sees */
    size_t argc;
    const char *const *envp; /* "KEY=VALUE" strings */
    size_t envc;
    const wb_wasi_preopen *preopens; /* guest fds 3, 4, ... in this order */
    size_t npreopens;
    int stdio[3];            /* host fds for guest fds 0, 1, 2; -1 = closed */
    const int *inherit_fds;  /* more host fds (e.g. listening sockets), numbered
                                after the preopens; borrowed */
    size_t ninherit;
    /* Under a time limit (the caller's store has an epoch deadline): reads
     * and accepts that block on pipes, terminals and sockets first wait in
     * slices of WB_POLL_SLICE_NS watching the deadline, so they stop within
     * a slice of it (trap "interrupted", with the backtrace); that costs a
     * poll per read. Writes, and everything when this is off, block in the
     * system call and look at the deadline when a signal interrupts them
     * (EINTR: the watchdog's and the supervisor's SIGURG, sent every slice
     * once the time is up). poll_oneoff always watches it. */
    bool interruptible;
} wb_wasi_config;

/* Creates a WASI context from cfg (borrowed for the call). Errors:
 * WB_ERR_USAGE (bad fd, not a directory, sizes over 4 GiB; d->detail says
 * which), WB_ERR_NOMEM. */
wb_err wb_wasi_new(const wb_wasi_config *cfg, wb_wasi **out, wb_diag *d);
void wb_wasi_free(wb_wasi *w);

/* Fills imports[0..nimports) for the compiled module c, in its import
 * order, with host functions created in s. Every import must be a function
 * of "wasi_snapshot_preview1"; anything else, or an unknown WASI function,
 * is WB_ERR_UNKNOWN_IMPORT with "module::name ..." in d->detail. A wrong
 * function type is found by wb_instance_new (WB_ERR_INCOMPATIBLE_IMPORT).
 * nimports must be wb_compiled_import_count(c). */
wb_err wb_wasi_link(wb_wasi *w, wb_store *s, const wb_compiled *c, wb_extern *imports,
                    size_t nimports, wb_diag *d);

/* True when the guest's last write to its stderr (guest fd 2, while it is
 * the configured stdio[2]) did not end with a newline: a report printed
 * after the guest's output should start on a new line. */
bool wb_wasi_stderr_midline(const wb_wasi *w);

#endif

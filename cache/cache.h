/* cache.h — the code cache: compiled artifacts kept on disk, one file per
 * key, and shared between workers through sealed memfds (DESIGN.md, "Code
 * cache").
 *
 *   wb_cache_compile(engine, bytes)          the one call a runner needs
 *     key = wb_cache_key(config, bytes)      runtime/config_hash.c: module
 *                                            bytes, version, artifact format,
 *                                            every codegen setting, CPU features
 *     hit:  <dir>/<key>.wbc ─read─► decode + check ─► wb_compiled_load
 *           (the module is still decoded and validated; the JIT is skipped)
 *     miss or bad entry: wb_compile ─► encode ─► tmp file, fsync, rename
 *           ─► evict least recently used entries down to the budget
 *
 *   supervisor: wb_cache_lookup_shared ─► artifact + sealed code memfd
 *   worker:     wb_cache_load_shared(memfd at WB_FD_CODE) ─► wb_compiled
 *
 * Directory: the config's cache_dir (--cache-dir), else $WASMBOX_CACHE_DIR,
 * else $XDG_CACHE_HOME/wasmbox, else ~/.cache/wasmbox. Created 0700; one
 * that is group- or world-writable or owned by another user is refused.
 * Entries are opened with O_NOFOLLOW relative to the directory's fd, must
 * be regular files of ours; anything else is a bad entry. Recency: an
 * entry's mtime is set on every hit, and eviction (after each store)
 * removes the oldest mtimes first until the entries fit the budget.
 *
 * Trust: the directory is as trusted as its owner (the code bytes cannot
 * be verified). Entries are still treated as untrusted input: truncation,
 * bit flips, another format version, another key, lengths, offsets and
 * counts that do not fit are all detected (wb_cache_entry_decode and
 * wb_cache_artifact_check, fuzzed by tests/fuzz/fuzz_cache_entry.c) and
 * make the entry a miss, never a crash. */
#ifndef WB_CACHE_H
#define WB_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jit/jit.h"
#include "wasmbox.h"

#define WB_CACHE_KEY_SIZE 16
#define WB_CACHE_KEY_HEX  (2 * WB_CACHE_KEY_SIZE + 1)  /* with the NUL */
#define WB_CACHE_MAX_SIZE_DEFAULT (1ull << 30)        /* budget: 1 GiB */

/* -- Entries (cache_entry.c): pure, no I/O --
 *
 *   header, 64 bytes, little-endian:
 *   +0  magic "\x7fWBCODE\0"        +8  u32 format version, u32 header size
 *   +16 key (16 bytes)              +32 u64 compressed payload size
 *   +40 u64 payload size            +48 u64 XXH3-64 of the compressed payload
 *   +56 u64 XXH3-64 of bytes 0..55
 *   then the payload, zstd-compressed (one frame, with its size and its
 *   content checksum): the serialized artifact (cache_entry.c has its
 *   layout); never the module bytes. Every stored byte is covered by one
 *   of the two XXH3 checksums. */
#define WB_CACHE_ENTRY_VERSION 1
#define WB_CACHE_HEADER_SIZE   64
#ifndef WB_CACHE_MAX_PAYLOAD
#define WB_CACHE_MAX_PAYLOAD   (1ull << 30)  /* bytes of one decompressed payload */
#endif

/* Serializes a (borrowed) into a new entry for key (*out malloc'd). */
wb_err wb_cache_entry_encode(const uint8_t key[16], const wb_artifact *a, uint8_t **out,
                             size_t *size, wb_diag *d);
/* Parses an entry (untrusted bytes, borrowed) into a new artifact (*out,
 * wb_artifact_free) and checks it (wb_cache_artifact_check without a
 * module). key: the key it must carry, or NULL. WB_ERR_INTERNAL with the
 * reason in d->detail when anything does not fit; WB_ERR_NOMEM. */
wb_err wb_cache_entry_decode(const uint8_t *bytes, size_t size, const uint8_t key[16],
                             wb_artifact **out, wb_diag *d);
/* The checks an artifact from outside must pass before its code may run:
 * counts, offsets inside the code, sorted trap and call sites, trap
 * kinds, stack maps inside the artifact's slot table, the .eh_frame
 * table's bounds and shape (one CIE, one FDE per function covering it,
 * known CFA instructions, the zero terminator). code: the code blob
 * (a->code_size bytes), or NULL to skip the .eh_frame walk. m (may be
 * NULL): the module the artifact claims to be compiled from; adds the
 * function count, module offsets and each stack-map slot inside its
 * function's parameters or frame. A wb_artifact_check_fn (check_arg is
 * unused). */
wb_err wb_cache_artifact_check(const wb_artifact *a, const uint8_t *code,
                               const struct wb_module *m, void *check_arg, wb_diag *d);

/* -- The store (cache_store.c) -- */

typedef struct wb_cache wb_cache;

/* A one-line message ("code cache disabled: ..."), without prefix or
 * newline. */
typedef void (*wb_cache_warn_fn)(void *arg, const char *msg);

typedef struct wb_cache_opts {
    const char *dir;           /* NULL or "": the default (above) */
    uint64_t max_size;         /* budget in bytes; 0 = WB_CACHE_MAX_SIZE_DEFAULT */
    bool verbose;              /* also warn about bad entries (else only about
                                  a cache that cannot be used or written) */
    wb_cache_warn_fn warn;     /* NULL: silent */
    void *warn_arg;
} wb_cache_opts;

/* The cache settings of cfg as options (dir borrowed from cfg, max_size);
 * returns the cache setting (on or off). Other fields are left alone. */
bool wb_cache_opts_from_config(const wb_config *cfg, wb_cache_opts *o);

/* The directory the cache would use (explicit: "--cache-dir", may be NULL).
 * WB_ERR_USAGE when no directory can be named (no HOME) or it is too long. */
wb_err wb_cache_dir_resolve(const char *explicit_dir, char *buf, size_t size);

/* Opens (creating it 0700 with any missing parents) and checks the
 * directory. WB_ERR_IO (cannot create or open: read-only file system,
 * permissions) or WB_ERR_USAGE (unsafe: group/world-writable, another
 * owner, not a directory), the reason in d->detail. o is copied. */
wb_err wb_cache_open(const wb_cache_opts *o, wb_cache **out, wb_diag *d);
void wb_cache_close(wb_cache *c);
const char *wb_cache_path(const wb_cache *c);

/* The key as 32 lowercase hex digits. */
char *wb_cache_key_hex(const uint8_t key[16], char out[WB_CACHE_KEY_HEX]);

/* Looks key up. WB_OK: *out is the decoded and checked artifact (caller
 * frees) and the entry counts as used. WB_ERR_NOT_FOUND: no entry.
 * WB_ERR_INTERNAL: a bad entry (unreadable, truncated, corrupt, foreign,
 * a symlink, not ours), removed and warned about when verbose: a miss
 * too. WB_ERR_NOMEM. *entry_size (may be NULL) gets the entry's size on a
 * hit. */
wb_err wb_cache_get(wb_cache *c, const uint8_t key[16], wb_artifact **out, uint64_t *entry_size);

/* Stores a (borrowed) under key: written to a temporary file in the
 * directory, fsync'd, renamed into place, then least recently used
 * entries are evicted down to the budget. WB_OK; WB_ERR_IO when it could
 * not be written (read-only, full disk: warned once per cache object,
 * later puts do nothing); WB_ERR_LIMIT_MODULE_SIZE when the entry alone
 * is larger than the budget (not stored). *entry_size (may be NULL): bytes written. */
wb_err wb_cache_put(wb_cache *c, const uint8_t key[16], const wb_artifact *a,
                    uint64_t *entry_size);

/* Removes key's entry (absent is fine). */
wb_err wb_cache_remove(wb_cache *c, const uint8_t key[16]);

/* Counts one hit or miss in the directory's counters file (best effort). */
void wb_cache_count(wb_cache *c, bool hit);

typedef struct wb_cache_stats {
    uint64_t entries, bytes;   /* entries on disk and their total size */
    uint64_t budget;           /* the size budget */
    uint64_t hits, misses;     /* counted by runs since the last clean --all */
    uint64_t oldest, newest;   /* last-use times (Unix seconds), 0 when empty */
} wb_cache_stats;
wb_err wb_cache_stats_get(wb_cache *c, wb_cache_stats *out);

/* Evicts least recently used entries until the total fits the budget;
 * also removes temporary files abandoned more than an hour ago. */
wb_err wb_cache_evict(wb_cache *c);

/* Removes every entry (all; the counters too), or those not used for
 * older_than_s seconds; and abandoned temporary files. */
wb_err wb_cache_clean(wb_cache *c, bool all, uint64_t older_than_s, uint64_t *removed,
                      uint64_t *freed);

/* -- Sharing code (cache_share.c) -- */

/* A new memfd holding a->code (a->code_size bytes, then zeros up to a
 * page boundary, at least 4 of them), sealed against writes, resizing and
 * further seals: what the runtime maps read+exec in every worker.
 * Close-on-exec; caller closes. */
wb_err wb_cache_code_memfd(const wb_artifact *a, int *fd, wb_diag *d);

/* Worker side: publishes a (owned: freed on every path) for bytes with
 * its code mapped from code_fd (WB_FD_CODE in a confined worker), after
 * wb_cache_artifact_check against the decoded module. flags: WB_LOAD_SEAL
 * before a run phase. */
wb_err wb_cache_load_shared(wb_engine *e, const uint8_t *bytes, size_t size, wb_artifact *a,
                            int code_fd, unsigned flags, wb_compiled **out, wb_diag *d);

/* -- Compiling through the cache (cache_compile.c) -- */

typedef enum wb_cache_outcome {
    WB_CACHE_OFF = 0,          /* cache off in the config, or not usable */
    WB_CACHE_HIT,
    WB_CACHE_MISS,             /* compiled (and stored, if it could be) */
    WB_CACHE_BAD,              /* a bad entry was found, compiled, replaced */
} wb_cache_outcome;

typedef struct wb_cache_result {
    wb_cache_outcome outcome;
    uint8_t key[16];
    uint64_t entry_size;       /* bytes on disk (hit, or stored) */
    bool stored;
} wb_cache_result;

/* Compiles bytes for engine e through the cache its config names (cache,
 * cache_dir, cache_max_size): a hit skips the JIT; a miss compiles and
 * stores. A cache that cannot be used or written costs a one-line warning
 * (through o->warn) and nothing else. o (may be NULL) gives the
 * verbosity and the warning sink; o->dir and o->max_size are ignored
 * (the config's count). res (may be NULL) says what happened. Errors are
 * wb_compile's. */
wb_err wb_cache_compile(wb_engine *e, const uint8_t *bytes, size_t size,
                        const wb_cache_opts *o, wb_compiled **out, wb_cache_result *res,
                        wb_diag *d);

/* Supervisor side: looks bytes up under config cfg. WB_OK on a hit:
 * *a (owned) is the checked artifact, *code_fd a sealed memfd of its code
 * (hand it to the worker as spec.code_fd; close it afterwards).
 * WB_ERR_NOT_FOUND on a miss (or cache off/unusable: warned). */
wb_err wb_cache_lookup_shared(const wb_config *cfg, const uint8_t *bytes, size_t size,
                              const wb_cache_opts *o, wb_artifact **a, int *code_fd,
                              wb_cache_result *res, wb_diag *d);

#endif

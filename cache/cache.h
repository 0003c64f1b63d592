/* cache.h — the code cache: compiled artifacts kept on disk, one file per
 * key, whose code pages every process running the module maps and shares
 * (DESIGN.md, "Code cache").
 *
 *   wb_cache_compile(engine, bytes)          an in-process runner's one call
 *     key = wb_cache_key(config, bytes)      runtime/config_hash.c: module
 *                                            bytes, version, artifact format,
 *                                            every codegen setting, CPU features
 *     hit:  <dir>/<key>.wbc ─mmap, check─► tables decoded; the code is mapped
 *           from the entry file itself (read-only, then read+exec)
 *           (the module is still decoded and validated; the JIT is skipped)
 *     miss or bad entry: wb_compile ─► encode ─► tmp file, fsync, rename
 *           ─► evict least recently used entries down to the budget
 *
 *   confined run (the worker cannot reach the directory):
 *     supervisor: wb_cache_handoff_begin ─► hit: the entry's fd + its checked
 *                 tables; miss: a fresh temporary file in the directory
 *     worker:     wb_cache_handoff_load (fd at WB_FD_CODE) ─► hit: maps the
 *                 code from the fd; miss: compiles, writes the entry into
 *                 the fd before any wasm code runs, then drops the fd
 *     supervisor: wb_cache_handoff_end ─► checks what the worker wrote as
 *                 untrusted bytes, fsyncs and renames it into place
 *
 * Sharing: the code sits uncompressed at a page-aligned offset of the
 * entry, so all processes mapping it share the page cache's pages: with N
 * workers of one module, the code is in memory once (Pss = Rss / N).
 * Entries are replaced by rename, never written in place, so a mapped
 * entry never changes under a running worker.
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
 * be verified; the owner could also rewrite a mapped entry in place).
 * Entries are still treated as untrusted input: truncation, bit flips,
 * another format version, another key, lengths, offsets and counts that
 * do not fit are all detected (wb_cache_entry_parse and
 * wb_cache_artifact_check, fuzzed by tests/fuzz/fuzz_cache_entry.c) and
 * make the entry a miss, never a crash; a worker checks the code's XXH3
 * again on the pages it maps, before they become executable. */
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
 *   header, 128 bytes, little-endian:
 *   +0  magic "\x7fWBCODE\0"        +8  u32 format version, u32 header size
 *   +16 key (16 bytes)              +32 u64 compressed tables size
 *   +40 u64 tables size             +48 u64 XXH3-64 of the compressed tables
 *   +56 u64 code offset             +64 u64 code size
 *   +72 u64 XXH3-64 of the code     +80 u64 file size
 *   +88 zeros                       +120 u64 XXH3-64 of bytes 0..119
 *   then the tables (the serialized artifact without its code; layout in
 *   cache_entry.c), zstd-compressed (one frame, with its size and content
 *   checksum); zeros up to the code offset, the next multiple of
 *   WB_CACHE_CODE_ALIGN; the code, uncompressed; zeros up to the next
 *   multiple of WB_CACHE_CODE_ALIGN, at least 4 of them. Never the module
 *   bytes. Every stored byte is covered by a checksum or must be zero.
 *
 * Version 2: code stored uncompressed and mapped (version 1 compressed it
 * with the tables); also the runtime helper ids the code calls shifted
 * when GLOBAL_SET_REF was added. Bump it whenever the artifact's layout,
 * its meaning or what its code calls changes: entries of another version
 * are bad entries, recompiled and replaced. */
#define WB_CACHE_ENTRY_VERSION 2
#define WB_CACHE_HEADER_SIZE   128
#define WB_CACHE_CODE_ALIGN    4096u  /* x86-64 page: the code is mapped from the entry */
#ifndef WB_CACHE_MAX_PAYLOAD
#define WB_CACHE_MAX_PAYLOAD   (1ull << 30)  /* bytes of tables + code of one entry */
#endif

/* Serializes a (borrowed) into a new entry for key (*out malloc'd). */
wb_err wb_cache_entry_encode(const uint8_t key[16], const wb_artifact *a, uint8_t **out,
                             size_t *size, wb_diag *d);
/* Where an entry's code is: its offset in the entry (page-aligned) and
 * the XXH3-64 of its a->code_size bytes. */
typedef struct wb_cache_code_ref {
    uint64_t offset, hash;
} wb_cache_code_ref;
/* Parses an entry (untrusted bytes, borrowed, e.g. a mapping of the file)
 * into a new artifact (*out, wb_artifact_free) and checks it: every
 * header field, both checksums, the padding, the tables, and
 * wb_cache_artifact_check without a module. key: the key it must carry,
 * or NULL. copy_code: a->code gets a copy of the code; else a->code is
 * NULL and *ref (may be NULL) says where the code is. WB_ERR_INTERNAL
 * with the reason in d->detail when anything does not fit; WB_ERR_NOMEM. */
wb_err wb_cache_entry_parse(const uint8_t *bytes, size_t size, const uint8_t key[16],
                            bool copy_code, wb_artifact **out, wb_cache_code_ref *ref,
                            wb_diag *d);
/* wb_cache_entry_parse with copy_code. */
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

/* An entry's code, to be mapped from the entry file. */
typedef struct wb_cache_code {
    int fd;                    /* the entry, read-only, close-on-exec (owned) */
    wb_cache_code_ref ref;
} wb_cache_code;

/* wb_cache_get without copying the code: on WB_OK, (*out)->code is NULL
 * and *code holds the open entry and where its code is, for
 * wb_cache_load_file (the caller closes code->fd). */
wb_err wb_cache_get_mapped(wb_cache *c, const uint8_t key[16], wb_artifact **out,
                           wb_cache_code *code, uint64_t *entry_size);

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

/* Publishes a (owned: freed on every path) for bytes with its code mapped
 * from code_fd: a sealed memfd (wb_cache_code_memfd), after
 * wb_cache_artifact_check against the decoded module. flags:
 * WB_LOAD_SEAL before a run phase. */
wb_err wb_cache_load_shared(wb_engine *e, const uint8_t *bytes, size_t size, wb_artifact *a,
                            int code_fd, unsigned flags, wb_compiled **out, wb_diag *d);

/* The same with the code mapped from an entry file (fd: wb_cache_code.fd
 * or a copy of it in a worker) at ref->offset: the code's XXH3 is checked
 * on the mapped pages, then wb_cache_artifact_check against the module,
 * before the pages become executable. The fd stays the caller's. */
wb_err wb_cache_load_file(wb_engine *e, const uint8_t *bytes, size_t size, wb_artifact *a,
                          int fd, const wb_cache_code_ref *ref, unsigned flags,
                          wb_compiled **out, wb_diag *d);

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

/* -- A confined worker's cache (cache_handoff.c) --
 *
 * The supervisor opens the cache; the worker only ever sees one fd. */
typedef struct wb_cache_handoff {
    wb_cache_result res;       /* outcome (HIT, MISS, BAD; OFF: fd is -1), key */
    int fd;                    /* hit: the entry (read-only); miss: an empty
                                  temporary file for the worker's entry; or -1 */
    wb_artifact *a;            /* hit: the checked tables (owned, code NULL) */
    wb_cache_code_ref ref;     /* hit: where the code is */
    uint64_t store_max;        /* miss: the largest entry the worker may write */
    char tmp[96];              /* miss: the temporary file's name */
    wb_cache_opts o;           /* o.dir points to path */
    char path[4096];
} wb_cache_handoff;

/* Supervisor, before starting the worker: looks bytes up under cfg. Sets
 * *h (h->fd: hand it to the worker as its code fd). file_limit: the
 * worker's file-size limit (an entry larger than that is not written).
 * Never fails the run: a cache that cannot be used is warned about once
 * (o->warn) and h->res.outcome is WB_CACHE_OFF. */
void wb_cache_handoff_begin(const wb_config *cfg, const uint8_t *bytes, size_t size,
                            const wb_cache_opts *o, uint64_t file_limit,
                            wb_cache_handoff *h);

/* Worker, in place of wb_compile: maps the cached code (hit; a bad one is
 * compiled instead), or compiles and writes the entry into fd (miss).
 * fd: h->fd as the worker sees it (WB_FD_CODE). h is the worker's copy;
 * h->a is taken (set to NULL). The caller then drops fd before any wasm
 * code runs. Errors are wb_compile's. */
wb_err wb_cache_handoff_load(wb_engine *e, const uint8_t *bytes, size_t size,
                             wb_cache_handoff *h, int fd, unsigned flags, wb_compiled **out,
                             wb_diag *d);

/* Supervisor, after the worker ended: on a miss, checks the temporary
 * file as untrusted bytes (the whole entry, for this key), then fsyncs
 * and renames it into place (h->res.stored) and evicts down to the
 * budget; else removes it. Closes and frees everything. */
void wb_cache_handoff_end(wb_cache_handoff *h);

#endif

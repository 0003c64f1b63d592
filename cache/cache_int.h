/* cache_int.h — private to cache/: what its files share. */
#ifndef WB_CACHE_INT_H
#define WB_CACHE_INT_H

#include <limits.h>

#include "cache/cache.h"
#include "wasm/wasm.h"
#include "wb_limits.h"

/* Entry files: <32 hex digits of the key>.wbc; temporary files being
 * written: .tmp.<key hex>.<pid>.<n>, removed when abandoned. */
#define WB_CACHE_SUFFIX ".wbc"
#define WB_CACHE_TMP_PREFIX ".tmp."
#define WB_CACHE_COUNTERS "counters"           /* u64 hits, u64 misses (LE) */
#define WB_CACHE_TMP_STALE_S 3600              /* abandoned temporary files */
/* Name of an entry file: key hex + suffix + NUL. */
#define WB_CACHE_NAME_MAX (2 * WB_CACHE_KEY_SIZE + sizeof(WB_CACHE_SUFFIX))

struct wb_cache {
    int dirfd;                   /* every entry is reached relative to it */
    char path[PATH_MAX];
    wb_cache_opts o;             /* o.dir points to path */
    bool write_failed;           /* warned once; no more writes */
};

/* The tables half of wb_cache_entry_parse: a decompressed, checksummed
 * tables payload and the code (untrusted, borrowed) into a checked
 * artifact (code copied). Separate so that the fuzzer reaches the parser
 * without forging checksums. */
wb_err wb_cache_payload_decode(const uint8_t *payload, uint64_t size, const uint8_t *code,
                               uint32_t code_size, wb_artifact **out, wb_diag *d);

/* Bytes from an entry's code offset to its end, for code_size bytes of code. */
uint64_t wb_cache_code_span(uint64_t code_size);

/* Maps the open entry fd (regular file of ours, checked here) and parses
 * it (wb_cache_entry_parse; key may be NULL). WB_ERR_INTERNAL with the
 * reason in d->detail; WB_ERR_NOMEM. *file_size (may be NULL). */
wb_err wb_cache_parse_fd(int fd, const uint8_t key[16], bool copy_code, wb_artifact **out,
                         wb_cache_code_ref *ref, uint64_t *file_size, wb_diag *d);

/* The name of key's entry, and a fresh temporary file name for it. */
void wb_cache_entry_name(const uint8_t key[16], char name[WB_CACHE_NAME_MAX]);
void wb_cache_tmp_name(const uint8_t key[16], char *buf, size_t size);

/* The cache cannot be written: warns once per cache object; WB_ERR_IO. */
wb_err wb_cache_write_failed(wb_cache *c, int errnum);

/* Opens the cache cfg names (o: verbosity and warning sink, may be NULL),
 * or returns NULL: cache off, or unusable (warned about). */
wb_cache *wb_cache_open_for(const wb_config *cfg, const wb_cache_opts *o);

/* Sends "fmt..." to the warning sink (if any). */
void wb_cache_warn(const wb_cache *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

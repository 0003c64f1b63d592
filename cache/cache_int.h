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

/* The second half of wb_cache_entry_decode: a decompressed, checksummed
 * payload (untrusted, borrowed) into a checked artifact. Separate so that
 * the fuzzer reaches the parser without forging checksums. */
wb_err wb_cache_payload_decode(const uint8_t *payload, uint64_t size, wb_artifact **out,
                               wb_diag *d);

/* Sends "fmt..." to the warning sink (if any). */
void wb_cache_warn(const wb_cache *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

/* config_hash.c — the cache key: one 128-bit XXH3 hash over everything the
 * compiler reads besides the module, fed field by field by one function
 * (feed_config), so that code compiled under one config is never handed
 * to another. tests/unit/test_config.c flips every field and checks that
 * the key changes.
 *
 *   "wasmbox" version ─┐
 *   artifact format ───┤
 *   every tunable ─────┼──► XXH3-128 (streaming) ──► 16 bytes, canonical
 *   proposals ─────────┤                              (big-endian) order
 *   [module bytes] ────┘    (wb_cache_key only)
 */
#include <string.h>

#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack */
#include <xxhash.h>

#include "runtime/runtime_int.h"

/* Version of the compiled-artifact layout and meaning (wb_artifact, trap
 * kinds, vmctx offsets, calling convention): bump it with any change that
 * makes old code unusable, so the cache never hands it out. */
#define WB_ARTIFACT_FORMAT 1

/* Every field of wb_config is either fed into the key below or known to
 * matter only at run time. This mirror lists them all, classified; a field
 * added to wb_config changes its size and fails the assert until it is
 * classified here and, if it changes what the compiler produces or
 * accepts, fed in feed_config. (Tunables need nothing: the struct and the
 * feed are both generated from WB_TUNABLES.) */
struct wb_config_classified {
    wb_tunables tunables;        /* fed: every tunable */
    uint32_t proposals;          /* fed */
    uint64_t max_memory;         /* run time: a limit checked by memory.grow */
    bool cache;                  /* run time: where code comes from */
    uint64_t cache_max_size;     /* run time */
    char cache_dir[WB_CONFIG_PATH_MAX]; /* run time */
};
_Static_assert(sizeof(wb_config) == sizeof(struct wb_config_classified),
               "wb_config has a field config_hash.c does not know: classify it there "
               "(and feed it if it changes generated code)");
struct wb_tunables_listed {
    WB_TUNABLES(WB_TUNABLE_FIELD)
};
_Static_assert(sizeof(wb_tunables) == sizeof(struct wb_tunables_listed),
               "wb_tunables has a field outside WB_TUNABLES (jit.h): add it to the list");

/* One named value: the name (with its NUL, so names never run together)
 * and the value as 8 little-endian bytes. */
static void feed(XXH3_state_t *st, const char *name, uint64_t value)
{
    uint8_t le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (uint8_t)(value >> (8 * i));
    XXH3_128bits_update(st, name, strlen(name) + 1);
    XXH3_128bits_update(st, le, sizeof le);
}

static void feed_bytes(XXH3_state_t *st, const char *name, const void *p, size_t n)
{
    feed(st, name, n);
    if (n)
        XXH3_128bits_update(st, p, n);
}

/* THE list of what goes into the key. */
static void feed_config(XXH3_state_t *st, const wb_config *c)
{
    feed_bytes(st, "wasmbox", WASMBOX_VERSION, sizeof(WASMBOX_VERSION) - 1);
    feed(st, "artifact-format", WB_ARTIFACT_FORMAT);
#define WB_FEED_TUNABLE(type, name, kind, meaning) feed(st, #name, (uint64_t)c->tunables.name);
    WB_TUNABLES(WB_FEED_TUNABLE)
#undef WB_FEED_TUNABLE
    feed(st, "proposals", c->proposals);
    /* Not fed (run time only): max_memory, cache, cache_max_size, cache_dir. */
}

static void digest(XXH3_state_t *st, uint8_t out[16])
{
    XXH128_canonical_t canon;
    XXH128_canonicalFromHash(&canon, XXH3_128bits_digest(st));
    memcpy(out, canon.digest, 16);
}

void wb_config_hash(const wb_config *c, uint8_t out[16])
{
    XXH3_state_t st;
    XXH3_INITSTATE(&st);
    XXH3_128bits_reset(&st);
    feed_config(&st, c);
    digest(&st, out);
}

void wb_cache_key(const wb_config *c, const uint8_t *bytes, size_t size, uint8_t out[16])
{
    XXH3_state_t st;
    XXH3_INITSTATE(&st);
    XXH3_128bits_reset(&st);
    feed_config(&st, c);
    feed_bytes(&st, "module", bytes, size);
    digest(&st, out);
}

/* cache_entry.c — cache entries as bytes: serializing an artifact into a
 * compressed, checksummed entry, and parsing one back, treating every
 * byte as hostile (tests/fuzz/fuzz_cache_entry.c). Pure: no I/O.
 *
 *   artifact ──serialize──► tables ──zstd──┐
 *            └─ code (uncompressed) ───────┴─► [header][tables][pad][code][pad]
 *   entry ──header checks, XXH3 of header, tables and code, zero padding──►
 *         zstd (exact size, content checksum) ──► parse ──► check
 *
 * The code is stored uncompressed at a page-aligned offset so that every
 * process running the module maps the same page-cache pages (cache.h).
 *
 * The tables payload (little-endian; counts first, so every length is
 * known before anything is read):
 *
 *   +0   u32 code_size, eh_frame_offset, eh_frame_size, nfuncs
 *   +16  u32 ntraps, ncalls, nref_slots, ntunables
 *   +32  u64 tunables[ntunables]          (WB_TUNABLES order)
 *        u32 func_offsets[nfuncs + 1]
 *        traps[ntraps]    u32 code_offset, u32 wasm_offset, u16 kind, u16 0
 *        calls[ncalls]    u32 return_offset, wasm_offset, map_start, map_count
 *        i32 ref_slots[nref_slots]
 *
 * and its size is exactly what the counts say; code_size is the header's. */
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>
#include <zstd.h>

#include "cache/cache_int.h"

/* A field added to the artifact (or its site records) changes these
 * sizes: serialize it below, then bump WB_CACHE_ENTRY_VERSION. */
struct wb_artifact_serialized {
    uint8_t *code;
    uint32_t code_size, eh_frame_offset, eh_frame_size;
    uint32_t nfuncs; uint32_t *func_offsets;
    uint32_t ntraps; wb_trap_site *traps;
    uint32_t ncalls; wb_call_site *calls;
    uint32_t nref_slots; int32_t *ref_slots;
    wb_tunables tunables;
};
_Static_assert(sizeof(wb_artifact) == sizeof(struct wb_artifact_serialized),
               "wb_artifact changed: serialize the new field in cache_entry.c");
_Static_assert(sizeof(wb_trap_site) == 12 && sizeof(wb_call_site) == 16,
               "trap or call site records changed: update cache_entry.c");

static const uint8_t entry_magic[8] = { 0x7f, 'W', 'B', 'C', 'O', 'D', 'E', 0 };

#define NTUNABLES_OF(type, name, kind, meaning) +1
enum { NTUNABLES = 0 WB_TUNABLES(NTUNABLES_OF) };
#undef NTUNABLES_OF

#define PAYLOAD_FIXED 32u
#define PAGE WB_CACHE_CODE_ALIGN
#define ZSTD_LEVEL 3

/* -- Little-endian helpers -- */

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static uint64_t payload_size(uint32_t nfuncs, uint32_t ntraps, uint32_t ncalls,
                             uint32_t nref_slots)
{
    return PAYLOAD_FIXED + 8ull * NTUNABLES + 4ull * ((uint64_t)nfuncs + 1) + 12ull * ntraps +
           16ull * ncalls + 4ull * nref_slots;
}

static uint64_t page_up(uint64_t n)
{
    return (n + PAGE - 1) / PAGE * PAGE;
}

/* Bytes from the code offset to the end of the file: the code, then zeros
 * up to a page boundary, at least 4 of them (the .eh_frame terminator
 * when the table ends the blob). */
uint64_t wb_cache_code_span(uint64_t code_size)
{
    return page_up(code_size + 4);
}

/* -- Encoding -- */

static void serialize(const wb_artifact *a, uint8_t *p)
{
    put32(p + 0, a->code_size);
    put32(p + 4, a->eh_frame_offset);
    put32(p + 8, a->eh_frame_size);
    put32(p + 12, a->nfuncs);
    put32(p + 16, a->ntraps);
    put32(p + 20, a->ncalls);
    put32(p + 24, a->nref_slots);
    put32(p + 28, NTUNABLES);
    p += PAYLOAD_FIXED;
#define PUT_TUNABLE(type, name, kind, meaning) put64(p, (uint64_t)a->tunables.name), p += 8;
    WB_TUNABLES(PUT_TUNABLE)
#undef PUT_TUNABLE
    for (uint32_t i = 0; i <= a->nfuncs; i++, p += 4)
        put32(p, a->func_offsets[i]);
    for (uint32_t i = 0; i < a->ntraps; i++, p += 12) {
        put32(p, a->traps[i].code_offset);
        put32(p + 4, a->traps[i].wasm_offset);
        put32(p + 8, a->traps[i].kind);
    }
    for (uint32_t i = 0; i < a->ncalls; i++, p += 16) {
        put32(p, a->calls[i].return_offset);
        put32(p + 4, a->calls[i].wasm_offset);
        put32(p + 8, a->calls[i].map_start);
        put32(p + 12, a->calls[i].map_count);
    }
    for (uint32_t i = 0; i < a->nref_slots; i++, p += 4)
        put32(p, (uint32_t)a->ref_slots[i]);
}

wb_err wb_cache_entry_encode(const uint8_t key[16], const wb_artifact *a, uint8_t **out,
                             size_t *size, wb_diag *d)
{
    uint64_t psize = payload_size(a->nfuncs, a->ntraps, a->ncalls, a->nref_slots);
    uint64_t code_off, total;
    uint8_t *payload = NULL, *e = NULL;
    ZSTD_CCtx *cctx = NULL;
    size_t bound, zsize;
    wb_err err = WB_OK;

    *out = NULL;
    *size = 0;
    if (!a->func_offsets || (a->code_size && !a->code))
        return wb_diag_setf(d, WB_ERR_USAGE, NULL, 0, "artifact has no code to store");
    if (psize + a->code_size > WB_CACHE_MAX_PAYLOAD)
        return wb_diag_setf(d, WB_ERR_LIMIT_MODULE_SIZE, NULL, 0, "artifact too large");
    bound = ZSTD_compressBound((size_t)psize);
    if (!(payload = malloc((size_t)psize)) || !(cctx = ZSTD_createCCtx())) {
        err = wb_diag_set(d, WB_ERR_NOMEM, NULL, 0);
        goto out;
    }
    serialize(a, payload);
    /* The compressed tables go into a scratch buffer first: the code's
     * offset depends on their size. */
    if (!(e = malloc(WB_CACHE_HEADER_SIZE + bound))) {
        err = wb_diag_set(d, WB_ERR_NOMEM, NULL, 0);
        goto out;
    }
    /* zstd's own content checksum guards the decompressed bytes; ours
     * (below) the stored ones, before zstd ever sees them. */
    zsize = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, ZSTD_LEVEL);
    if (!ZSTD_isError(zsize))
        zsize = ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
    if (!ZSTD_isError(zsize))
        zsize = ZSTD_compress2(cctx, e + WB_CACHE_HEADER_SIZE, bound, payload, (size_t)psize);
    if (ZSTD_isError(zsize)) {
        err = wb_diag_setf(d, WB_ERR_INTERNAL, NULL, 0, "zstd: %s", ZSTD_getErrorName(zsize));
        goto out;
    }
    code_off = page_up(WB_CACHE_HEADER_SIZE + zsize);
    total = code_off + wb_cache_code_span(a->code_size);
    {
        uint8_t *grown = realloc(e, (size_t)total);
        if (!grown) {
            err = wb_diag_set(d, WB_ERR_NOMEM, NULL, 0);
            goto out;
        }
        e = grown;
    }
    memset(e, 0, WB_CACHE_HEADER_SIZE);
    memset(e + WB_CACHE_HEADER_SIZE + zsize, 0, (size_t)(total - WB_CACHE_HEADER_SIZE - zsize));
    if (a->code_size)
        memcpy(e + code_off, a->code, a->code_size);
    memcpy(e, entry_magic, 8);
    put32(e + 8, WB_CACHE_ENTRY_VERSION);
    put32(e + 12, WB_CACHE_HEADER_SIZE);
    memcpy(e + 16, key, 16);
    put64(e + 32, zsize);
    put64(e + 40, psize);
    put64(e + 48, XXH3_64bits(e + WB_CACHE_HEADER_SIZE, zsize));
    put64(e + 56, code_off);
    put64(e + 64, a->code_size);
    put64(e + 72, XXH3_64bits(e + code_off, a->code_size));
    put64(e + 80, total);
    put64(e + 120, XXH3_64bits(e, 120));
    *out = e;
    *size = (size_t)total;
    e = NULL;
out:
    ZSTD_freeCCtx(cctx);
    free(payload);
    free(e);
    return err;
}

/* -- Decoding -- */

static wb_err bad(wb_diag *d, const char *why)
{
    return wb_diag_setf(d, WB_ERR_INTERNAL, NULL, 0, "%s", why);
}

static bool all_zero(const uint8_t *p, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* Takes the counts and arrays out of a payload whose size matches them.
 * Nothing is trusted yet: wb_cache_artifact_check follows. */
static wb_err parse_payload(const uint8_t *p, uint64_t size, wb_artifact **out, wb_diag *d)
{
    wb_artifact *a;
    uint64_t v;

    if (size < PAYLOAD_FIXED)
        return bad(d, "payload shorter than its counts");
    if (get32(p + 28) != NTUNABLES)
        return bad(d, "payload from another set of tunables");
    if (payload_size(get32(p + 12), get32(p + 16), get32(p + 20), get32(p + 24)) != size)
        return bad(d, "payload size does not match its counts");
    if (!(a = calloc(1, sizeof *a)))
        return wb_diag_set(d, WB_ERR_NOMEM, NULL, 0);
    a->code_size = get32(p);
    a->eh_frame_offset = get32(p + 4);
    a->eh_frame_size = get32(p + 8);
    a->nfuncs = get32(p + 12);
    a->ntraps = get32(p + 16);
    a->ncalls = get32(p + 20);
    a->nref_slots = get32(p + 24);
    p += PAYLOAD_FIXED;
    /* Each tunable must survive the round trip through its own type. */
#define GET_TUNABLE(type, name, kind, meaning)                                 \
    v = get64(p), p += 8, a->tunables.name = (type)v;                          \
    if ((uint64_t)a->tunables.name != v) {                                     \
        wb_artifact_free(a);                                                   \
        return bad(d, "tunable " #name " out of range");                      \
    }
    WB_TUNABLES(GET_TUNABLE)
#undef GET_TUNABLE
    a->func_offsets = malloc(4 * ((size_t)a->nfuncs + 1));
    a->traps = malloc(12 * (size_t)a->ntraps + 1);
    a->calls = malloc(16 * (size_t)a->ncalls + 1);
    a->ref_slots = malloc(4 * (size_t)a->nref_slots + 1);
    if (!a->func_offsets || !a->traps || !a->calls || !a->ref_slots) {
        wb_artifact_free(a);
        return wb_diag_set(d, WB_ERR_NOMEM, NULL, 0);
    }
    for (uint32_t i = 0; i <= a->nfuncs; i++, p += 4)
        a->func_offsets[i] = get32(p);
    for (uint32_t i = 0; i < a->ntraps; i++, p += 12) {
        uint32_t kp = get32(p + 8);
        a->traps[i].code_offset = get32(p);
        a->traps[i].wasm_offset = get32(p + 4);
        a->traps[i].kind = (uint16_t)kp;
        a->traps[i].pad = (uint16_t)(kp >> 16);
    }
    for (uint32_t i = 0; i < a->ncalls; i++, p += 16) {
        a->calls[i].return_offset = get32(p);
        a->calls[i].wasm_offset = get32(p + 4);
        a->calls[i].map_start = get32(p + 8);
        a->calls[i].map_count = get32(p + 12);
    }
    for (uint32_t i = 0; i < a->nref_slots; i++, p += 4)
        a->ref_slots[i] = (int32_t)get32(p);
    *out = a;
    return WB_OK;
}

wb_err wb_cache_entry_parse(const uint8_t *bytes, size_t size, const uint8_t key[16],
                            bool copy_code, wb_artifact **out, wb_cache_code_ref *ref,
                            wb_diag *d)
{
    uint64_t zsize, psize, code_off, code_size, total;
    unsigned long long content;
    uint8_t *payload = NULL;
    wb_artifact *a = NULL;
    size_t got;
    wb_err err;

    *out = NULL;
    if (size < 12)
        return bad(d, "shorter than its header");
    if (memcmp(bytes, entry_magic, 8) != 0)
        return bad(d, "not a cache entry (magic)");
    /* Before the header's size and checksum, which differ between versions. */
    if (get32(bytes + 8) != WB_CACHE_ENTRY_VERSION)
        return bad(d, "another entry format version");
    if (size < WB_CACHE_HEADER_SIZE)
        return bad(d, "shorter than its header");
    if (get64(bytes + 120) != XXH3_64bits(bytes, 120))
        return bad(d, "header checksum mismatch");
    if (get32(bytes + 12) != WB_CACHE_HEADER_SIZE || !all_zero(bytes + 88, 32))
        return bad(d, "unexpected header size or fields");
    if (key && memcmp(bytes + 16, key, 16) != 0)
        return bad(d, "entry for another key");
    zsize = get64(bytes + 32);
    psize = get64(bytes + 40);
    code_off = get64(bytes + 56);
    code_size = get64(bytes + 64);
    total = get64(bytes + 80);
    if (total != size)
        return bad(d, "size does not match the entry (truncated?)");
    if (psize < PAYLOAD_FIXED || psize > WB_CACHE_MAX_PAYLOAD || code_size > UINT32_MAX ||
        zsize > size - WB_CACHE_HEADER_SIZE)
        return bad(d, "sizes out of range");
    if (code_off != page_up(WB_CACHE_HEADER_SIZE + zsize) || code_off > size ||
        size - code_off != wb_cache_code_span(code_size))
        return bad(d, "code not where the sizes put it");
    if (XXH3_64bits(bytes + WB_CACHE_HEADER_SIZE, (size_t)zsize) != get64(bytes + 48))
        return bad(d, "tables checksum mismatch");
    if (XXH3_64bits(bytes + code_off, (size_t)code_size) != get64(bytes + 72))
        return bad(d, "code checksum mismatch");
    if (!all_zero(bytes + WB_CACHE_HEADER_SIZE + zsize, code_off - WB_CACHE_HEADER_SIZE - zsize) ||
        !all_zero(bytes + code_off + code_size, size - code_off - code_size))
        return bad(d, "padding is not zero");
    content = ZSTD_getFrameContentSize(bytes + WB_CACHE_HEADER_SIZE, (size_t)zsize);
    if (content == ZSTD_CONTENTSIZE_ERROR || content == ZSTD_CONTENTSIZE_UNKNOWN ||
        content != psize)
        return bad(d, "compressed tables do not announce their size");
    if (!(payload = malloc((size_t)psize)))
        return wb_diag_set(d, WB_ERR_NOMEM, NULL, 0);
    got = ZSTD_decompress(payload, (size_t)psize, bytes + WB_CACHE_HEADER_SIZE, (size_t)zsize);
    if (ZSTD_isError(got) || got != psize) {
        err = bad(d, "compressed tables are corrupt");
        goto out;
    }
    if ((err = parse_payload(payload, psize, &a, d)) != WB_OK)
        goto out;
    if (a->code_size != code_size) {
        err = bad(d, "code size differs from the tables'");
        goto out;
    }
    if ((err = wb_cache_artifact_check(a, bytes + code_off, NULL, NULL, d)) != WB_OK)
        goto out;
    if (copy_code) {
        if (!(a->code = malloc((size_t)code_size + 1))) {
            err = wb_diag_set(d, WB_ERR_NOMEM, NULL, 0);
            goto out;
        }
        memcpy(a->code, bytes + code_off, (size_t)code_size);
    }
    if (ref) {
        ref->offset = code_off;
        ref->hash = get64(bytes + 72);
    }
    *out = a;
    a = NULL;
out:
    if (a)
        wb_artifact_free(a);
    free(payload);
    return err;
}

wb_err wb_cache_entry_decode(const uint8_t *bytes, size_t size, const uint8_t key[16],
                             wb_artifact **out, wb_diag *d)
{
    return wb_cache_entry_parse(bytes, size, key, true, out, NULL, d);
}

wb_err wb_cache_payload_decode(const uint8_t *payload, uint64_t size, const uint8_t *code,
                               uint32_t code_size, wb_artifact **out, wb_diag *d)
{
    wb_artifact *a = NULL;
    wb_err err;

    *out = NULL;
    if ((err = parse_payload(payload, size, &a, d)) != WB_OK)
        return err;
    if (a->code_size != code_size) {
        wb_artifact_free(a);
        return bad(d, "code size differs from the tables'");
    }
    if (!(a->code = malloc((size_t)code_size + 1))) {
        wb_artifact_free(a);
        return wb_diag_set(d, WB_ERR_NOMEM, NULL, 0);
    }
    if (code_size)
        memcpy(a->code, code, code_size);
    if ((err = wb_cache_artifact_check(a, a->code, NULL, NULL, d)) != WB_OK) {
        wb_artifact_free(a);
        return err;
    }
    *out = a;
    return WB_OK;
}

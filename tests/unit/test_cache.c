/* test_cache.c — the code cache's entries and store: a hit after a miss
 * runs the cached code; every codegen setting busts the key; entries
 * truncated at every length, bit-flipped, empty, from another format
 * version, for another key, for another module, replaced by a symlink, a
 * FIFO or another user's file are each detected, recompiled and replaced;
 * the artifact checks refuse out-of-bounds tables; the directory is
 * created 0700 and refused when unsafe; eviction keeps the budget and the
 * recently used entries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <xxhash.h>

#include "test_cache_harness.h"

static char *dir;

static int setup(void **state)
{
    (void)state;
    dir = tc_tmpdir();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tc_rm_rf(dir);
    free(dir);
    return 0;
}

/* Compiles tc_wasm through the cache of engine e; returns the outcome. */
static wb_cache_outcome compile_via_cache(wb_engine *e, const uint8_t *bytes, size_t size,
                                          wb_cache_result *res, tc_warnings *w)
{
    wb_cache_opts o = { .verbose = true, .warn = tc_warn, .warn_arg = w };
    wb_compiled *c = NULL;
    wb_cache_result r;
    wb_diag d = { 0 };
    assert_int_equal(wb_cache_compile(e, bytes, size, &o, &c, &r, &d), WB_OK);
    assert_true(tc_module_works(e, c));
    wb_compiled_free(c);
    if (res)
        *res = r;
    return r.outcome;
}

/* A fresh valid entry for tc_wasm under e's config; its bytes. */
static uint8_t *valid_entry(wb_engine *e, uint8_t key[16], size_t *size)
{
    char path[4096];
    wb_cache_result r;
    tc_warnings w = { 0 };
    wb_cache_outcome out = compile_via_cache(e, tc_wasm, sizeof tc_wasm, &r, &w);
    assert_true(out == WB_CACHE_MISS || out == WB_CACHE_HIT || out == WB_CACHE_BAD);
    memcpy(key, r.key, 16);
    tc_entry_path(dir, key, path, sizeof path);
    return tc_read(path, size);
}

/* The entry file replaced by `bytes`: the next compile finds it bad,
 * recompiles and replaces it, and the one after hits. */
static void expect_bad_then_replaced(wb_engine *e, const uint8_t key[16], const uint8_t *bytes,
                                     size_t size)
{
    char path[4096];
    tc_warnings w = { 0 };
    wb_cache_result r;
    tc_entry_path(dir, key, path, sizeof path);
    unlink(path);
    tc_write(path, bytes, size);
    assert_int_equal(compile_via_cache(e, tc_wasm, sizeof tc_wasm, &r, &w), WB_CACHE_BAD);
    assert_true(r.stored);
    assert_true(w.count >= 1);
    assert_non_null(strstr(w.last, "bad entry"));
    w.count = 0;
    assert_int_equal(compile_via_cache(e, tc_wasm, sizeof tc_wasm, &r, &w), WB_CACHE_HIT);
    assert_int_equal(w.count, 0);
}

/* -- Entries -- */

static void test_entry_roundtrip(void **state)
{
    wb_engine *e = wb_engine_new(NULL);
    wb_compiled *c = NULL;
    const wb_artifact *a;
    wb_artifact *b = NULL;
    uint8_t key[16] = { 1, 2, 3 }, other[16] = { 9 }, *bytes = NULL;
    size_t size = 0;
    wb_diag d = { 0 };
    (void)state;

    assert_int_equal(wb_compile(e, tc_wasm, sizeof tc_wasm, &c, &d), WB_OK);
    a = wb_compiled_artifact(c);
    assert_true(a->ncalls > 0 && a->ntraps > 0 && a->nref_slots > 0 && a->eh_frame_size > 0);
    assert_int_equal(wb_cache_entry_encode(key, a, &bytes, &size, &d), WB_OK);
    assert_int_equal(wb_cache_entry_decode(bytes, size, key, &b, &d), WB_OK);
    assert_int_equal(b->code_size, a->code_size);
    assert_memory_equal(b->code, a->code, a->code_size);
    assert_int_equal(b->eh_frame_offset, a->eh_frame_offset);
    assert_int_equal(b->eh_frame_size, a->eh_frame_size);
    assert_int_equal(b->nfuncs, a->nfuncs);
    assert_memory_equal(b->func_offsets, a->func_offsets, 4 * (a->nfuncs + 1));
    assert_int_equal(b->ntraps, a->ntraps);
    assert_memory_equal(b->traps, a->traps, sizeof(wb_trap_site) * a->ntraps);
    assert_int_equal(b->ncalls, a->ncalls);
    assert_memory_equal(b->calls, a->calls, sizeof(wb_call_site) * a->ncalls);
    assert_int_equal(b->nref_slots, a->nref_slots);
    assert_memory_equal(b->ref_slots, a->ref_slots, 4 * a->nref_slots);
#define SAME_TUNABLE(type, name, kind, meaning) assert_true(b->tunables.name == a->tunables.name);
    WB_TUNABLES(SAME_TUNABLE)
#undef SAME_TUNABLE
    wb_artifact_free(b);
    b = NULL;
    /* The key is checked when one is expected. */
    assert_int_equal(wb_cache_entry_decode(bytes, size, other, &b, &d), WB_ERR_INTERNAL);
    assert_null(b);
    assert_non_null(strstr(d.detail, "another key"));
    assert_int_equal(wb_cache_entry_decode(bytes, size, NULL, &b, &d), WB_OK);
    wb_artifact_free(b);
    free(bytes);
    wb_compiled_free(c);
    wb_engine_free(e);
}

/* Every truncation of an entry, every single-bit flip: detected. */
static void test_entry_truncated_and_flipped(void **state)
{
    wb_engine *e = wb_engine_new(NULL);
    wb_compiled *c = NULL;
    wb_artifact *b = NULL;
    uint8_t key[16] = { 7 }, *bytes = NULL;
    size_t size = 0, flips = 0;
    wb_diag d = { 0 };
    (void)state;

    assert_int_equal(wb_compile(e, tc_wasm, sizeof tc_wasm, &c, &d), WB_OK);
    assert_int_equal(wb_cache_entry_encode(key, wb_compiled_artifact(c), &bytes, &size, &d),
                     WB_OK);
    for (size_t n = 0; n < size; n++) {
        assert_int_equal(wb_cache_entry_decode(bytes, n, key, &b, &d), WB_ERR_INTERNAL);
        assert_null(b);
    }
    for (size_t i = 0; i < size; i++)
        for (int bit = 0; bit < 8; bit++) {
            bytes[i] ^= (uint8_t)(1u << bit);
            if (wb_cache_entry_decode(bytes, size, key, &b, &d) != WB_OK)
                flips++;
            wb_artifact_free(b);
            b = NULL;
            bytes[i] ^= (uint8_t)(1u << bit);
        }
    assert_int_equal(flips, size * 8);
    assert_int_equal(wb_cache_entry_decode(bytes, size, key, &b, &d), WB_OK);
    wb_artifact_free(b);
    free(bytes);
    wb_compiled_free(c);
    wb_engine_free(e);
}

/* Decoded artifact, then one field made to not fit: refused. */
static void test_artifact_check_refuses(void **state)
{
    wb_engine *e = wb_engine_new(NULL);
    wb_compiled *c = NULL;
    wb_artifact *a = NULL;
    wb_module *m = NULL;
    uint8_t key[16] = { 0 }, *bytes = NULL;
    size_t size = 0;
    wb_diag d = { 0 };
    (void)state;

    assert_int_equal(wb_compile(e, tc_wasm, sizeof tc_wasm, &c, &d), WB_OK);
    assert_int_equal(wb_cache_entry_encode(key, wb_compiled_artifact(c), &bytes, &size, &d),
                     WB_OK);
    assert_int_equal(wb_cache_entry_decode(bytes, size, key, &a, &d), WB_OK);
    assert_int_equal(wb_module_load(tc_wasm, sizeof tc_wasm, &m, &d), WB_OK);
    assert_int_equal(wb_cache_artifact_check(a, a->code, m, NULL, &d), WB_OK);

#define REFUSED(mutate, restore)                                                   \
    do {                                                                           \
        mutate;                                                                    \
        assert_int_equal(wb_cache_artifact_check(a, a->code, m, NULL, &d),         \
                         WB_ERR_INTERNAL);                                         \
        restore;                                                                   \
        assert_int_equal(wb_cache_artifact_check(a, a->code, m, NULL, &d), WB_OK); \
    } while (0)
    uint32_t u;
    int32_t s;
    uint16_t k;
    uint8_t byte;
    REFUSED(a->nfuncs--, a->nfuncs++);                               /* module's count */
    REFUSED((u = a->func_offsets[1], a->func_offsets[1] = a->func_offsets[2] + 1),
            a->func_offsets[1] = u);                                 /* order */
    REFUSED((u = a->func_offsets[a->nfuncs], a->func_offsets[a->nfuncs] = a->code_size + 1),
            a->func_offsets[a->nfuncs] = u);                         /* outside */
    REFUSED((u = a->eh_frame_size, a->eh_frame_size = a->code_size),
            a->eh_frame_size = u);                                   /* eh_frame outside */
    REFUSED((u = a->traps[0].code_offset, a->traps[0].code_offset = a->code_size),
            a->traps[0].code_offset = u);                            /* trap outside */
    REFUSED((k = a->traps[0].kind, a->traps[0].kind = WB_ERR_NOMEM),
            a->traps[0].kind = k);                                   /* not a trap kind */
    REFUSED((k = a->traps[0].kind, a->traps[0].kind = 0xffff), a->traps[0].kind = k);
    if (a->ntraps > 1)
        REFUSED((u = a->traps[1].code_offset, a->traps[1].code_offset = 0),
                a->traps[1].code_offset = u);                        /* unsorted */
    REFUSED((u = a->calls[0].map_start, a->calls[0].map_start = a->nref_slots + 1),
            a->calls[0].map_start = u);                              /* map outside table */
    REFUSED((u = a->calls[0].map_count, a->calls[0].map_count = UINT32_MAX),
            a->calls[0].map_count = u);
    REFUSED((u = a->calls[0].return_offset, a->calls[0].return_offset = a->code_size + 8),
            a->calls[0].return_offset = u);
    REFUSED((u = a->calls[0].wasm_offset, a->calls[0].wasm_offset = sizeof tc_wasm + 1),
            a->calls[0].wasm_offset = u);                            /* outside the module */
    REFUSED((s = a->ref_slots[0], a->ref_slots[0] = 8), a->ref_slots[0] = s); /* return addr */
    REFUSED((s = a->ref_slots[0], a->ref_slots[0] = -12), a->ref_slots[0] = s); /* unaligned */
    REFUSED((s = a->ref_slots[0], a->ref_slots[0] = -(1 << 30)), a->ref_slots[0] = s);
    REFUSED((s = a->ref_slots[0], a->ref_slots[0] = 16 + 8 * 5), a->ref_slots[0] = s);
    /* The unwind table: its CIE, an FDE's range, the terminator, an
     * unknown CFA instruction. */
    REFUSED((byte = a->code[a->eh_frame_offset + 9], a->code[a->eh_frame_offset + 9] = 'X'),
            a->code[a->eh_frame_offset + 9] = byte);
    {
        uint32_t cie_len = a->code[a->eh_frame_offset] | a->code[a->eh_frame_offset + 1] << 8;
        uint32_t fde = a->eh_frame_offset + 4 + cie_len, range = fde + 12;
        uint32_t last = a->eh_frame_offset + a->eh_frame_size - 4;
        REFUSED((byte = a->code[range], a->code[range] ^= 1), a->code[range] = byte);
        REFUSED((byte = a->code[fde + 17], a->code[fde + 17] = 0x2f),
                a->code[fde + 17] = byte);                           /* unknown opcode */
        REFUSED((byte = a->code[fde + 17], a->code[fde + 17] = 0x0b),
                a->code[fde + 17] = byte);                           /* unbalanced restore */
        REFUSED((byte = a->code[last], a->code[last] = 1), a->code[last] = byte);
    }
#undef REFUSED
    wb_module_free(m);
    wb_artifact_free(a);
    free(bytes);
    wb_compiled_free(c);
    wb_engine_free(e);
}

/* -- The store -- */

static void test_hit_after_miss(void **state)
{
    wb_engine *e = tc_engine(dir, 0);
    tc_warnings w = { 0 };
    wb_cache_result r1, r2;
    int entries, tmps;
    (void)state;

    assert_int_equal(compile_via_cache(e, tc_wasm, sizeof tc_wasm, &r1, &w), WB_CACHE_MISS);
    assert_true(r1.stored);
    assert_true(r1.entry_size > WB_CACHE_HEADER_SIZE);
    assert_int_equal(compile_via_cache(e, tc_wasm, sizeof tc_wasm, &r2, &w), WB_CACHE_HIT);
    assert_memory_equal(r1.key, r2.key, 16);
    assert_int_equal(r1.entry_size, r2.entry_size);
    assert_int_equal(w.count, 0);
    tc_count_files(dir, &entries, &tmps);
    assert_int_equal(entries, 1);
    assert_int_equal(tmps, 0);
    {
        wb_cache_opts o = { .dir = dir };
        wb_cache *c = NULL;
        wb_cache_stats st;
        assert_int_equal(wb_cache_open(&o, &c, NULL), WB_OK);
        assert_int_equal(wb_cache_stats_get(c, &st), WB_OK);
        assert_int_equal(st.entries, 1);
        assert_int_equal(st.bytes, r1.entry_size);
        assert_int_equal(st.hits, 1);
        assert_int_equal(st.misses, 1);
        wb_cache_close(c);
    }
    /* Cache off: neither looked up nor stored. */
    {
        wb_config *cfg = wb_config_new();
        wb_engine *off;
        wb_config_set_cache(cfg, false);
        wb_config_set_cache_dir(cfg, dir);
        off = wb_engine_new(cfg);
        assert_int_equal(compile_via_cache(off, tc_wasm, sizeof tc_wasm, NULL, &w),
                         WB_CACHE_OFF);
        wb_engine_free(off);
        wb_config_free(cfg);
    }
    wb_engine_free(e);
}

/* Each setting that changes generated code changes the key, so code
 * compiled under one value is never found under another (the same flip
 * as test_config.c, through the store). Run-time settings do not. */
static void test_every_codegen_setting_busts_key(void **state)
{
    wb_engine *e = tc_engine(dir, 0);
    const wb_config *base = wb_engine_config(e);
    wb_cache_opts o = { .dir = dir };
    wb_cache *cache = NULL;
    wb_artifact *a = NULL;
    uint8_t k0[16], k[16];
    wb_config *v = wb_config_new();
    int n = 0;
    (void)state;

    assert_int_equal(compile_via_cache(e, tc_wasm, sizeof tc_wasm, NULL, &(tc_warnings){ 0 }),
                     WB_CACHE_MISS);
    assert_int_equal(wb_cache_open(&o, &cache, NULL), WB_OK);
    wb_cache_key(base, tc_wasm, sizeof tc_wasm, k0);
    assert_int_equal(wb_cache_get(cache, k0, &a, NULL), WB_OK);
    wb_artifact_free(a);
#define FLIP(type, name, kind, meaning)                                          \
    *v = *base;                                                                 \
    v->tunables.name = (type)((uint64_t)v->tunables.name ^ 1);                  \
    wb_cache_key(v, tc_wasm, sizeof tc_wasm, k);                                \
    assert_memory_not_equal(k, k0, 16);                                         \
    assert_int_equal(wb_cache_get(cache, k, &a, NULL), WB_ERR_NOT_FOUND);       \
    n++;
    WB_TUNABLES(FLIP)
#undef FLIP
    assert_true(n >= 8);
    *v = *base;
    v->proposals ^= WB_PROPOSAL_SIMD;
    wb_cache_key(v, tc_wasm, sizeof tc_wasm, k);
    assert_memory_not_equal(k, k0, 16);
    /* -O and --opt-level 0 never share code. */
    *v = *base;
    wb_config_set_opt_level(v, 0);
    wb_cache_key(v, tc_wasm, sizeof tc_wasm, k);
    assert_memory_not_equal(k, k0, 16);
    /* The module bytes, one byte changed. */
    {
        size_t vs;
        uint8_t *var = tc_variant(1, &vs);
        wb_cache_key(base, var, vs, k);
        assert_memory_not_equal(k, k0, 16);
        free(var);
    }
    /* Run-time settings: same key. */
    *v = *base;
    wb_config_set_max_memory(v, 1 << 20);
    wb_config_set_cache_max_size(v, 12345);
    wb_config_set_cache_dir(v, "/elsewhere");
    wb_config_set_cache(v, false);
    wb_cache_key(v, tc_wasm, sizeof tc_wasm, k);
    assert_memory_equal(k, k0, 16);
    wb_config_free(v);
    wb_cache_close(cache);
    wb_engine_free(e);
}

static void test_truncated_entries_replaced(void **state)
{
    wb_engine *e = tc_engine(dir, 0);
    uint8_t key[16], *good;
    size_t size;
    (void)state;

    good = valid_entry(e, key, &size);
    assert_non_null(good);
    /* One length of each class: empty, inside the magic, inside the
     * version, inside the header, just short of the header checksum, the
     * header alone, inside the compressed tables, inside the padding
     * before the code, the code's first byte, inside the code, inside the
     * padding after it, one byte short; and one page too many. */
    uint64_t code_off = 0;
    for (int i = 0; i < 8; i++)
        code_off |= (uint64_t)good[56 + i] << (8 * i);
    assert_true(code_off >= WB_CACHE_CODE_ALIGN && code_off < size);
    size_t lens[] = { 0, 1, 7, 8, 10, 40, 119, 127, 128, 129, 140, code_off - 1, code_off,
                      code_off + 1, code_off + 100, size - 2, size - 1 };
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++)
        expect_bad_then_replaced(e, key, good, lens[i]);
    free(good);
    wb_engine_free(e);
}

static void test_flipped_entry_replaced(void **state)
{
    wb_engine *e = tc_engine(dir, 0);
    uint8_t key[16], *good;
    size_t size;
    (void)state;

    good = valid_entry(e, key, &size);
    /* magic, version, key, each size field, both checksums, the reserved
     * bytes, the header checksum, the tables, padding, code, padding. */
    size_t at[] = { 0, 9, 20, 33, 45, 50, 60, 66, 75, 83, 100, 121, 130, size / 2,
                    size - WB_CACHE_CODE_ALIGN, size - 1 };
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        good[at[i]] ^= 0x10;
        expect_bad_then_replaced(e, key, good, size);
        good[at[i]] ^= 0x10;
    }
    free(good);
    wb_engine_free(e);
}

/* Decoding bytes fails for the reason named. */
static void expect_refused_for(const uint8_t *bytes, size_t size, const uint8_t key[16],
                               const char *why)
{
    wb_artifact *a = NULL;
    wb_diag d = { 0 };
    assert_int_equal(wb_cache_entry_decode(bytes, size, key, &a, &d), WB_ERR_INTERNAL);
    assert_null(a);
    if (!strstr(d.detail, why))
        fail_msg("refused for \"%s\", expected \"%s\"", d.detail, why);
}

/* An entry written by the previous format (version 1: a 64-byte header
 * with its checksum at +56, code compressed with the tables; its code
 * calls runtime helpers by ids that have shifted since) is refused as
 * another version, recompiled and replaced. */
static void test_version1_entry_replaced(void **state)
{
    wb_engine *e = tc_engine(dir, 0);
    uint8_t key[16], *good, v1[4096] = { 0x7f, 'W', 'B', 'C', 'O', 'D', 'E', 0 };
    size_t size;
    uint64_t h;
    (void)state;

    assert_true(WB_CACHE_ENTRY_VERSION >= 2);
    good = valid_entry(e, key, &size);
    v1[8] = 1;                               /* version 1 */
    v1[12] = 64;                             /* its header size */
    memcpy(v1 + 16, key, 16);
    v1[32] = (uint8_t)(sizeof v1 - 64);      /* compressed payload size */
    v1[33] = (uint8_t)((sizeof v1 - 64) >> 8);
    h = XXH3_64bits(v1, 56);
    for (int i = 0; i < 8; i++)
        v1[56 + i] = (uint8_t)(h >> (8 * i));
    expect_refused_for(v1, sizeof v1, key, "another entry format version");
    expect_refused_for(v1, 64, key, "another entry format version");
    expect_bad_then_replaced(e, key, v1, sizeof v1);
    free(good);
    wb_engine_free(e);
}

/* Version and key fields changed with a correct header checksum: still
 * refused, for what they say. */
static void test_foreign_entries_replaced(void **state)
{
    wb_engine *e = tc_engine(dir, 0);
    uint8_t key[16], *good, *copy;
    size_t size;
    uint64_t h;
    (void)state;

    good = valid_entry(e, key, &size);
    copy = malloc(size);
    /* Another format version (a consistent header otherwise). */
    memcpy(copy, good, size);
    copy[8] = WB_CACHE_ENTRY_VERSION + 1;
    h = XXH3_64bits(copy, 120);
    for (int i = 0; i < 8; i++)
        copy[120 + i] = (uint8_t)(h >> (8 * i));
    expect_refused_for(copy, size, key, "another entry format version");
    expect_bad_then_replaced(e, key, copy, size);
    /* An entry naming another key. */
    memcpy(copy, good, size);
    copy[16] ^= 0xff;
    h = XXH3_64bits(copy, 120);
    for (int i = 0; i < 8; i++)
        copy[120 + i] = (uint8_t)(h >> (8 * i));
    expect_refused_for(copy, size, key, "another key");
    expect_bad_then_replaced(e, key, copy, size);
    free(copy);
    free(good);
    wb_engine_free(e);
}

/* A well-formed entry of another module (one function fewer) renamed and
 * re-keyed to look like ours: the runtime's check against the decoded
 * module refuses it before mapping it executable. */
static void test_entry_for_other_module_replaced(void **state)
{
    /* (module (func (export "f") (result i32) i32.const 1)) */
    static const uint8_t other[] = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00,
        0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00,
        0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x01, 0x0b,
    };
    wb_engine *e = tc_engine(dir, 0);
    wb_compiled *c = NULL;
    uint8_t key[16], *good, *foreign = NULL;
    size_t size, fsize = 0;
    wb_diag d = { 0 };
    (void)state;

    good = valid_entry(e, key, &size);
    assert_int_equal(wb_compile(e, other, sizeof other, &c, &d), WB_OK);
    assert_int_equal(wb_cache_entry_encode(key, wb_compiled_artifact(c), &foreign, &fsize, &d),
                     WB_OK);
    expect_bad_then_replaced(e, key, foreign, fsize);
    free(foreign);
    free(good);
    wb_compiled_free(c);
    wb_engine_free(e);
}

static void test_symlink_fifo_and_foreign_owner(void **state)
{
    wb_engine *e = tc_engine(dir, 0);
    uint8_t key[16], *good;
    size_t size;
    char path[4096], elsewhere[4096];
    tc_warnings w = { 0 };
    struct stat st;
    (void)state;

    good = valid_entry(e, key, &size);
    tc_entry_path(dir, key, path, sizeof path);
    /* A symlink to a perfectly valid entry: refused (O_NOFOLLOW). */
    snprintf(elsewhere, sizeof elsewhere, "%s.elsewhere", dir);
    tc_write(elsewhere, good, size);
    unlink(path);
    assert_int_equal(symlink(elsewhere, path), 0);
    assert_int_equal(compile_via_cache(e, tc_wasm, sizeof tc_wasm, NULL, &w), WB_CACHE_BAD);
    assert_non_null(strstr(w.last, "symbolic link"));
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));               /* replaced by a real entry */
    assert_int_equal(stat(elsewhere, &st), 0);      /* the target was left alone */
    unlink(elsewhere);
    /* A FIFO: refused without blocking. */
    unlink(path);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(compile_via_cache(e, tc_wasm, sizeof tc_wasm, NULL, &w), WB_CACHE_BAD);
    assert_int_equal(compile_via_cache(e, tc_wasm, sizeof tc_wasm, NULL, &w), WB_CACHE_HIT);
    /* Another user's file (we run as root in CI; skipped otherwise). */
    if (geteuid() == 0) {
        assert_int_equal(chown(path, 65534, 65534), 0);
        assert_int_equal(compile_via_cache(e, tc_wasm, sizeof tc_wasm, NULL, &w), WB_CACHE_BAD);
        assert_non_null(strstr(w.last, "another user"));
        assert_int_equal(compile_via_cache(e, tc_wasm, sizeof tc_wasm, NULL, &w), WB_CACHE_HIT);
    }
    free(good);
    wb_engine_free(e);
}

/* -- The directory -- */

static void test_directory_hygiene(void **state)
{
    char sub[4096];
    wb_cache_opts o = { 0 };
    wb_cache *c = NULL;
    wb_diag d = { 0 };
    struct stat st;
    tc_warnings w = { 0 };
    (void)state;

    /* Created 0700, with its missing parents. */
    snprintf(sub, sizeof sub, "%s/a/b/cache", dir);
    o.dir = sub;
    assert_int_equal(wb_cache_open(&o, &c, &d), WB_OK);
    assert_int_equal(stat(sub, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_string_equal(wb_cache_path(c), sub);
    wb_cache_close(c);
    /* Group- or world-writable: refused, and a run goes on without it. */
    chmod(sub, 0770);
    assert_int_equal(wb_cache_open(&o, &c, &d), WB_ERR_USAGE);
    assert_non_null(strstr(d.detail, "writable"));
    chmod(sub, 0703);
    assert_int_equal(wb_cache_open(&o, &c, &d), WB_ERR_USAGE);
    {
        wb_engine *e = tc_engine(sub, 0);
        assert_int_equal(compile_via_cache(e, tc_wasm, sizeof tc_wasm, NULL, &w), WB_CACHE_OFF);
        assert_int_equal(w.count, 1);
        assert_non_null(strstr(w.last, "code cache disabled"));
        wb_engine_free(e);
    }
    chmod(sub, 0700);
    /* Owned by someone else. */
    if (geteuid() == 0) {
        assert_int_equal(chown(sub, 65534, 65534), 0);
        assert_int_equal(wb_cache_open(&o, &c, &d), WB_ERR_USAGE);
        assert_non_null(strstr(d.detail, "owned by"));
        assert_int_equal(chown(sub, 0, 0), 0);
    }
    /* Not a directory. */
    snprintf(sub, sizeof sub, "%s/file", dir);
    tc_write(sub, (const uint8_t *)"x", 1);
    o.dir = sub;
    assert_int_equal(wb_cache_open(&o, &c, &d), WB_ERR_IO);
}

static void test_dir_resolution(void **state)
{
    char buf[4096];
    char *saved[3];
    const char *names[3] = { "WASMBOX_CACHE_DIR", "XDG_CACHE_HOME", "HOME" };
    (void)state;

    for (int i = 0; i < 3; i++)
        saved[i] = getenv(names[i]) ? strdup(getenv(names[i])) : NULL;
    setenv("WASMBOX_CACHE_DIR", "/w", 1);
    setenv("XDG_CACHE_HOME", "/x", 1);
    setenv("HOME", "/h", 1);
    assert_int_equal(wb_cache_dir_resolve("/explicit", buf, sizeof buf), WB_OK);
    assert_string_equal(buf, "/explicit");
    assert_int_equal(wb_cache_dir_resolve(NULL, buf, sizeof buf), WB_OK);
    assert_string_equal(buf, "/w");
    unsetenv("WASMBOX_CACHE_DIR");
    assert_int_equal(wb_cache_dir_resolve("", buf, sizeof buf), WB_OK);
    assert_string_equal(buf, "/x/wasmbox");
    setenv("XDG_CACHE_HOME", "relative", 1);        /* ignored, as XDG says */
    assert_int_equal(wb_cache_dir_resolve(NULL, buf, sizeof buf), WB_OK);
    assert_string_equal(buf, "/h/.cache/wasmbox");
    unsetenv("XDG_CACHE_HOME");
    assert_int_equal(wb_cache_dir_resolve(NULL, buf, sizeof buf), WB_OK);
    assert_string_equal(buf, "/h/.cache/wasmbox");
    assert_int_equal(wb_cache_dir_resolve(NULL, buf, 4), WB_ERR_USAGE);
    for (int i = 0; i < 3; i++) {
        if (saved[i])
            setenv(names[i], saved[i], 1);
        else
            unsetenv(names[i]);
        free(saved[i]);
    }
}

/* -- Eviction -- */

static void set_mtime(const char *dir_, const uint8_t key[16], time_t t)
{
    char path[4096];
    struct timeval tv[2] = { { t, 0 }, { t, 0 } };
    tc_entry_path(dir_, key, path, sizeof path);
    assert_int_equal(utimes(path, tv), 0);
}

static void test_eviction_keeps_budget_lru(void **state)
{
    wb_engine *e0 = tc_engine(dir, 0), *e;
    wb_cache_result r;
    uint8_t keys[8][16];
    uint64_t entry = 0, budget;
    int entries, tmps;
    time_t now = time(NULL);
    tc_warnings w = { 0 };
    (void)state;

    /* Size of one entry, then a budget for three and a half of them. */
    {
        size_t vs;
        uint8_t *v = tc_variant(100, &vs);
        compile_via_cache(e0, v, vs, &r, &w);
        entry = r.entry_size;
        free(v);
        wb_cache_opts o = { .dir = dir };
        wb_cache *c = NULL;
        uint64_t removed, freed;
        assert_int_equal(wb_cache_open(&o, &c, NULL), WB_OK);
        assert_int_equal(wb_cache_clean(c, true, 0, &removed, &freed), WB_OK);
        assert_int_equal(removed, 1);
        assert_int_equal(freed, entry);
        wb_cache_close(c);
    }
    budget = entry * 7 / 2;
    e = tc_engine(dir, budget);
    for (unsigned i = 0; i < 3; i++) {
        size_t vs;
        uint8_t *v = tc_variant(i, &vs);
        assert_int_equal(compile_via_cache(e, v, vs, &r, &w), WB_CACHE_MISS);
        assert_int_equal(r.entry_size, entry);   /* same code, same-length name */
        memcpy(keys[i], r.key, 16);
        set_mtime(dir, keys[i], now - 1000 + (time_t)i * 10);
        free(v);
    }
    /* Entry 0 is used again: it becomes the most recent. */
    {
        size_t vs;
        uint8_t *v = tc_variant(0, &vs);
        assert_int_equal(compile_via_cache(e, v, vs, &r, &w), WB_CACHE_HIT);
        free(v);
    }
    /* A fourth entry pushes the total past the budget: entry 1, the least
     * recently used, goes. */
    {
        size_t vs;
        uint8_t *v = tc_variant(3, &vs);
        assert_int_equal(compile_via_cache(e, v, vs, &r, &w), WB_CACHE_MISS);
        memcpy(keys[3], r.key, 16);
        free(v);
    }
    tc_count_files(dir, &entries, &tmps);
    assert_int_equal(entries, 3);
    {
        char path[4096];
        struct stat st;
        tc_entry_path(dir, keys[1], path, sizeof path);
        assert_int_not_equal(stat(path, &st), 0);
        for (int i = 0; i < 4; i++) {
            if (i == 1)
                continue;
            tc_entry_path(dir, keys[i], path, sizeof path);
            assert_int_equal(stat(path, &st), 0);
        }
    }
    /* Many more: the total never passes the budget. */
    for (unsigned i = 10; i < 20; i++) {
        size_t vs;
        uint8_t *v = tc_variant(i, &vs);
        wb_cache_opts o = { .dir = dir, .max_size = budget };
        wb_cache *c = NULL;
        wb_cache_stats st;
        compile_via_cache(e, v, vs, &r, &w);
        memcpy(keys[4], r.key, 16);
        free(v);
        assert_int_equal(wb_cache_open(&o, &c, NULL), WB_OK);
        assert_int_equal(wb_cache_stats_get(c, &st), WB_OK);
        assert_true(st.bytes <= budget);
        assert_int_equal(st.entries, 3);
        wb_cache_close(c);
    }
    /* An entry larger than the whole budget is not stored. */
    {
        wb_engine *tiny = tc_engine(dir, 100);
        assert_int_equal(compile_via_cache(tiny, tc_wasm, sizeof tc_wasm, &r, &w),
                         WB_CACHE_MISS);
        assert_false(r.stored);
        wb_engine_free(tiny);
    }
    /* clean --older-than: only what was not used for that long. */
    {
        wb_cache_opts o = { .dir = dir };
        wb_cache *c = NULL;
        uint64_t removed, freed;
        assert_int_equal(wb_cache_open(&o, &c, NULL), WB_OK);
        assert_int_equal(wb_cache_clean(c, false, 3600, &removed, &freed), WB_OK);
        assert_int_equal(removed, 0);
        set_mtime(dir, keys[4], now - 7200);
        assert_int_equal(wb_cache_clean(c, false, 3600, &removed, &freed), WB_OK);
        assert_int_equal(removed, 1);
        assert_int_equal(freed, entry);
        wb_cache_close(c);
    }
    wb_engine_free(e);
    wb_engine_free(e0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entry_roundtrip),
        cmocka_unit_test(test_entry_truncated_and_flipped),
        cmocka_unit_test(test_artifact_check_refuses),
        cmocka_unit_test_setup_teardown(test_hit_after_miss, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_codegen_setting_busts_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_entries_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flipped_entry_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_version1_entry_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_entries_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entry_for_other_module_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink_fifo_and_foreign_owner, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directory_hygiene, setup, teardown),
        cmocka_unit_test(test_dir_resolution),
        cmocka_unit_test_setup_teardown(test_eviction_keeps_budget_lru, setup, teardown),
    };
    tc_signals_capture();
    return cmocka_run_group_tests(tests, NULL, NULL);
}

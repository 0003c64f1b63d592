/* test_config.c — configs and the cache key: defaults, every setting by
 * name (parse, print, round trip, errors naming the key), the opt-level
 * setter, the config hash (every field that changes code changes the key,
 * byte by byte; run-time-only fields do not; -O differs from
 * --opt-level 0), and the memory limit (max-memory) at instantiation and
 * memory.grow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "runtime/runtime_int.h"

/*
(module $mem
  (memory (export "mem") 2)
  (func $grow (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func $size (export "size") (result i32) memory.size))
*/
static const uint8_t mem_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x02, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x03, 0x02, 0x00,
    0x01, 0x05, 0x03, 0x01, 0x00, 0x02, 0x07, 0x15, 0x03, 0x03, 0x6d, 0x65,
    0x6d, 0x02, 0x00, 0x04, 0x67, 0x72, 0x6f, 0x77, 0x00, 0x00, 0x04, 0x73,
    0x69, 0x7a, 0x65, 0x00, 0x01, 0x0a, 0x0d, 0x02, 0x06, 0x00, 0x20, 0x00,
    0x40, 0x00, 0x0b, 0x04, 0x00, 0x3f, 0x00, 0x0b, 0x00, 0x21, 0x04, 0x6e,
    0x61, 0x6d, 0x65, 0x00, 0x04, 0x03, 0x6d, 0x65, 0x6d, 0x01, 0x0d, 0x02,
    0x00, 0x04, 0x67, 0x72, 0x6f, 0x77, 0x01, 0x04, 0x73, 0x69, 0x7a, 0x65,
    0x02, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00,
};

/*
(module (memory 8))
*/
static const uint8_t mem8_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x05, 0x03, 0x01, 0x00,
    0x08, 0x00, 0x08, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x02, 0x01, 0x00,
};

static void key_of(const wb_config *c, uint8_t out[16])
{
    wb_config_hash(c, out);
}

static bool same_key(const wb_config *a, const wb_config *b)
{
    uint8_t ka[16], kb[16];
    key_of(a, ka);
    key_of(b, kb);
    return memcmp(ka, kb, 16) == 0;
}

/* -- Defaults -- */

static void test_defaults(void **state)
{
    wb_config *c = wb_config_new();
    wb_tunables t;
    (void)state;

    assert_non_null(c);
    wb_tunables_default(&t);
    assert_memory_equal(&c->tunables, &t, sizeof(t));
    assert_int_equal(c->tunables.opt_level, 2);
    assert_int_equal(c->proposals, WB_PROPOSALS_DEFAULT);
    assert_int_equal(c->max_memory, 0);
    assert_true(c->cache);
    assert_string_equal(c->cache_dir, "");
    assert_int_equal(wb_config_memory_limit_pages(c), WB_MAX_MEMORY_PAGES);
    wb_config_free(c);
}

/* The engine keeps its own copy: later changes to the config do not
 * reach it. */
static void test_engine_copies_config(void **state)
{
    wb_config *c = wb_config_new();
    wb_engine *e;
    (void)state;

    wb_config_set_epoch_interruption(c, true);
    wb_config_set_max_memory(c, 1 << 20);
    e = wb_engine_new(c);
    wb_config_set_epoch_interruption(c, false);
    assert_true(wb_engine_config(e)->tunables.epoch_interruption);
    assert_int_equal(wb_engine_config(e)->max_memory, 1 << 20);
    wb_config_free(c);
    wb_engine_free(e);
    e = wb_engine_new(NULL);
    assert_int_equal(wb_engine_config(e)->proposals, WB_PROPOSALS_DEFAULT);
    wb_engine_free(e);
    /* No engine for code this CPU could not run. */
    c = wb_config_new();
    c->tunables.cpu_features = wb_cpu_detect() | (1u << 31);
    assert_null(wb_engine_new(c));
    assert_int_equal(wb_config_set_cpu_features(c, "native"), WB_OK);
    e = wb_engine_new(c);
    assert_non_null(e);
    wb_engine_free(e);
    wb_config_free(c);
}

/* -- Typed setters -- */

static void test_typed_setters(void **state)
{
    wb_config *c = wb_config_new();
    (void)state;

    wb_config_set_opt_level(c, 0);
    assert_int_equal(c->tunables.opt_level, 0);
    wb_config_set_opt_level(c, 3); /* not a level: ignored */
    assert_int_equal(c->tunables.opt_level, 0);
    wb_config_set_opt_level(c, 's');
    assert_int_equal(c->tunables.opt_level, 's');
    wb_config_set_proposals(c, WB_PROPOSAL_SIMD);
    assert_int_equal(c->proposals, WB_PROPOSAL_SIMD);
    wb_config_set_memory_reservation(c, 1 << 20);
    wb_config_set_memory_guard(c, 2 << 20);
    wb_config_set_epoch_interruption(c, true);
    wb_config_set_fuel(c, true);
    wb_config_set_max_wasm_stack(c, 1 << 16);
    wb_config_set_debug_info(c, true);
    assert_int_equal(wb_config_set_cpu_features(c, "popcnt,bmi1"), WB_OK);
    assert_int_equal(wb_config_set_cpu_features(c, "avx9"), WB_ERR_USAGE);
    wb_config_set_max_memory(c, 3 * 65536 + 5);
    wb_config_set_cache(c, false);
    assert_int_equal(wb_config_set_cache_dir(c, "/tmp/cache"), WB_OK);
    wb_config_set_cache_max_size(c, 1 << 30);
    assert_int_equal(c->tunables.memory_reservation, 1 << 20);
    assert_int_equal(c->tunables.memory_guard, 2 << 20);
    assert_true(c->tunables.epoch_interruption);
    assert_true(c->tunables.fuel);
    assert_int_equal(c->tunables.max_wasm_stack, 1 << 16);
    assert_true(c->tunables.debug_info);
    assert_int_equal(c->tunables.cpu_features, WB_CPU_POPCNT | WB_CPU_BMI1);
    assert_int_equal(wb_config_memory_limit_pages(c), 3); /* whole pages */
    assert_false(c->cache);
    assert_string_equal(c->cache_dir, "/tmp/cache");
    assert_int_equal(c->cache_max_size, 1 << 30);
    wb_config_free(c);
}

/* -- Settings by name -- */

static void expect_set(wb_config *c, const char *key, const char *value, const char *shown)
{
    char buf[256];
    wb_diag d = { 0 };
    assert_int_equal(wb_config_set(c, key, value, &d), WB_OK);
    assert_int_equal(wb_config_get(c, key, buf, sizeof buf), WB_OK);
    assert_string_equal(buf, shown);
}

/* A bad value is WB_ERR_USAGE, names the key and says why. */
static void expect_bad(wb_config *c, const char *key, const char *value, const char *detail)
{
    wb_diag d = { 0 };
    wb_config before = *c;
    assert_int_equal(wb_config_set(c, key, value, &d), WB_ERR_USAGE);
    if (!strstr(d.detail, detail))
        fail_msg("detail '%s' lacks '%s'", d.detail, detail);
    assert_memory_equal(&before, c, sizeof before); /* nothing changed */
}

static void test_set_by_name(void **state)
{
    wb_config *c = wb_config_new();
    (void)state;

    expect_set(c, "opt-level", "0", "0");
    expect_set(c, "opt_level", "s", "s");
    expect_set(c, "memory-guard", "2GiB", "2GiB");
    assert_int_equal(c->tunables.memory_guard, 2ull << 30);
    expect_set(c, "memory_reservation", "65536", "64KiB");
    expect_set(c, "memory-reservation", "1000", "1000");
    expect_set(c, "memory-reservation", "3M", "3MiB");
    expect_set(c, "memory-reservation", "16kb", "16KiB");
    expect_set(c, "epoch-interruption", "yes", "true");
    expect_set(c, "epoch-interruption", "off", "false");
    expect_set(c, "fuel", "1", "true");
    expect_set(c, "max-wasm-stack", "1MiB", "1MiB");
    expect_set(c, "debug-info", "TRUE", "true");
    expect_set(c, "cpu-features", "none", "none");
    expect_set(c, "cpu-features", "lzcnt,popcnt", "popcnt,lzcnt");
    expect_set(c, "cpu-features", "+sse4.1,-lzcnt", "popcnt,sse4.1");
    expect_set(c, "proposals", "-simd", "mutable-globals,sign-extension,"
               "nontrapping-float-to-int,multi-value,bulk-memory,reference-types");
    expect_set(c, "proposals", "simd,bulk-memory", "bulk-memory,simd");
    expect_set(c, "proposals", "all", "mutable-globals,sign-extension,"
               "nontrapping-float-to-int,multi-value,bulk-memory,reference-types,simd");
    expect_set(c, "max-memory", "64MiB", "64MiB");
    assert_int_equal(wb_config_memory_limit_pages(c), 1024);
    expect_set(c, "cache", "false", "false");
    expect_set(c, "cache-dir", "/var/cache/wb", "/var/cache/wb");
    expect_set(c, "cache-max-size", "10GiB", "10GiB");

    expect_bad(c, "opt-level", "3", "opt-level: unknown level '3'");
    expect_bad(c, "opt-level", "", "opt-level: unknown level");
    expect_bad(c, "memory-guard", "abc", "memory-guard: invalid size 'abc'");
    expect_bad(c, "memory-guard", "-1", "memory-guard: invalid size");
    expect_bad(c, "memory-guard", "4X", "memory-guard: invalid size");
    expect_bad(c, "memory-guard", "99999999999999999999", "memory-guard: invalid size");
    expect_bad(c, "memory-guard", "20000000TiB", "memory-guard: invalid size");
    expect_bad(c, "max-wasm-stack", "4GiB", "max-wasm-stack: invalid size"); /* 32 bits */
    expect_bad(c, "fuel", "maybe", "fuel: invalid boolean 'maybe'");
    expect_bad(c, "cpu-features", "popcnt,avx9", "cpu-features: unknown CPU feature 'avx9'");
    expect_bad(c, "proposals", "threads", "proposals: unknown proposal 'threads'");
    expect_bad(c, "proposals", "simd,-bulk-memory", "give either names or +name/-name");
    expect_bad(c, "frobnicate", "1", "frobnicate: unknown setting");
    wb_config_free(c);
}

/* Every listed setting prints a value that reads back to the same
 * config, and every setting is listed once. */
static void test_every_key_round_trips(void **state)
{
    wb_config *c = wb_config_new(), *d = wb_config_new();
    wb_config_key k;
    size_t n = 0, ntunables = 0;
    (void)state;

#define COUNT(type, name, kind, meaning) ntunables++;
    WB_TUNABLES(COUNT)
#undef COUNT
    /* Something other than the defaults in each field. */
    c->tunables.opt_level = 0;
    c->tunables.memory_reservation = 3 << 20;
    c->tunables.memory_guard = 12345;
    c->tunables.epoch_interruption = true;
    c->tunables.fuel = true;
    c->tunables.max_wasm_stack = 70000;
    c->tunables.debug_info = true;
    c->tunables.cpu_features = WB_CPU_LZCNT;
    c->proposals = WB_PROPOSAL_SIMD | WB_PROPOSAL_MULTI_VALUE;
    c->max_memory = 5 << 16;
    c->cache = false;
    c->cache_max_size = 77;
    strcpy(c->cache_dir, "/x/y");
    for (size_t i = 0; wb_config_key_at(i, &k); i++, n++) {
        char buf[512];
        wb_diag dg = { 0 };
        assert_non_null(k.meaning);
        assert_non_null(k.kind);
        assert_null(strchr(k.name, '_'));
        assert_int_equal(wb_config_get(c, k.name, buf, sizeof buf), WB_OK);
        if (wb_config_set(d, k.name, buf, &dg) != WB_OK)
            fail_msg("%s = %s does not read back: %s", k.name, buf, dg.detail);
        for (size_t j = 0; j < i; j++) {
            wb_config_key other;
            wb_config_key_at(j, &other);
            assert_string_not_equal(other.name, k.name);
        }
    }
    assert_memory_equal(c, d, sizeof *c);
    /* The tunables, then proposals, max-memory and the three cache settings. */
    assert_int_equal(n, ntunables + 5);
    wb_config_free(c);
    wb_config_free(d);
}

/* -- The cache key -- */

/* Flips field `name` of the tunables (integers and booleans alike). */
#define FLIP_TUNABLE(type, name, kind, meaning) \
    { #name, offsetof(wb_config, tunables.name), sizeof(type) },

typedef struct field {
    const char *name;
    size_t offset, size;
} field;

/* Everything that must change the key: every tunable (from the same
 * list that defines them) and the config fields that shape code. */
static const field keyed[] = {
    WB_TUNABLES(FLIP_TUNABLE)
    { "proposals", offsetof(wb_config, proposals), sizeof(uint32_t) },
};
/* What must not: run-time settings. */
static const field unkeyed[] = {
    { "max_memory", offsetof(wb_config, max_memory), sizeof(uint64_t) },
    { "cache", offsetof(wb_config, cache), sizeof(bool) },
    { "cache_max_size", offsetof(wb_config, cache_max_size), sizeof(uint64_t) },
    { "cache_dir", offsetof(wb_config, cache_dir), WB_CONFIG_PATH_MAX },
};
/* The lists above name every field of wb_config: a field added to it
 * fails this until it is added to keyed[] (and fed in config_hash.c) or
 * to unkeyed[], and here. (Tunables are listed by WB_TUNABLES itself.) */
struct listed_config {
    wb_tunables tunables;
    uint32_t proposals;
    uint64_t max_memory;
    bool cache;
    uint64_t cache_max_size;
    char cache_dir[WB_CONFIG_PATH_MAX];
};
_Static_assert(sizeof(struct listed_config) == sizeof(wb_config),
               "wb_config has a field test_config.c does not flip: add it to keyed[] or unkeyed[]");
#define NKEYED (sizeof(keyed) / sizeof(keyed[0]))
#define NUNKEYED (sizeof(unkeyed) / sizeof(unkeyed[0]))

/* Each field flipped in turn gives a new key, distinct from every other
 * flip: every field is fed, under its own name. */
static void test_hash_every_field_changes_key(void **state)
{
    wb_config *base = wb_config_new();
    uint8_t keys[NKEYED + 1][16];
    (void)state;

    key_of(base, keys[NKEYED]);
    for (size_t i = 0; i < NKEYED; i++) {
        wb_config c = *base;
        ((uint8_t *)&c)[keyed[i].offset] ^= 1; /* a bool stays a bool */
        key_of(&c, keys[i]);
        if (memcmp(keys[i], keys[NKEYED], 16) == 0)
            fail_msg("flipping %s does not change the key", keyed[i].name);
        for (size_t j = 0; j < i; j++)
            if (memcmp(keys[i], keys[j], 16) == 0)
                fail_msg("flipping %s gives the key of flipping %s", keyed[i].name,
                         keyed[j].name);
    }
    wb_config_free(base);
}

/* Every byte of a keyed field matters (no field is fed truncated); no
 * byte of a run-time field does. Bools are 0 or 1: only their one byte. */
static void test_hash_byte_by_byte(void **state)
{
    wb_config *base = wb_config_new();
    (void)state;

    for (size_t i = 0; i < NKEYED; i++) {
        for (size_t b = 0; b < keyed[i].size; b++) {
            wb_config c = *base;
            ((uint8_t *)&c)[keyed[i].offset + b] ^= keyed[i].size == 1 ? 1 : 0x80;
            if (same_key(&c, base))
                fail_msg("byte %zu of %s does not reach the key", b, keyed[i].name);
        }
    }
    for (size_t i = 0; i < NUNKEYED; i++) {
        wb_config c = *base;
        memset((uint8_t *)&c + unkeyed[i].offset, unkeyed[i].size == 1 ? 0 : 0x5a,
               unkeyed[i].size == WB_CONFIG_PATH_MAX ? 10 : unkeyed[i].size);
        if (unkeyed[i].size == 1)
            ((uint8_t *)&c)[unkeyed[i].offset] ^= 1;
        if (!same_key(&c, base))
            fail_msg("%s changes the key but does not change generated code", unkeyed[i].name);
    }
    wb_config_free(base);
}

/* -O (level 2) and --opt-level 0 never share compiled code; nor do s and 2. */
static void test_hash_opt_levels_differ(void **state)
{
    wb_config *a = wb_config_new(), *b = wb_config_new(), *s = wb_config_new();
    (void)state;
    wb_config_set_opt_level(a, 2);
    wb_config_set_opt_level(b, 0);
    wb_config_set_opt_level(s, 's');
    assert_false(same_key(a, b));
    assert_false(same_key(a, s));
    wb_config_set_opt_level(b, 2);
    assert_true(same_key(a, b));
    wb_config_free(a);
    wb_config_free(b);
    wb_config_free(s);
}

/* The key of a module: its bytes and the config both count; a module
 * cannot collide with a config change by moving bytes between them. */
static void test_cache_key_module(void **state)
{
    wb_config *c = wb_config_new();
    uint8_t k1[16], k2[16], k3[16], k4[16];
    uint8_t other[sizeof mem_wasm];
    (void)state;

    memcpy(other, mem_wasm, sizeof other);
    other[sizeof other - 1] ^= 1;
    wb_cache_key(c, mem_wasm, sizeof mem_wasm, k1);
    wb_cache_key(c, other, sizeof other, k2);
    wb_cache_key(c, mem_wasm, sizeof mem_wasm - 1, k3);
    assert_memory_not_equal(k1, k2, 16);
    assert_memory_not_equal(k1, k3, 16);
    wb_config_set_fuel(c, true);
    wb_cache_key(c, mem_wasm, sizeof mem_wasm, k4);
    assert_memory_not_equal(k1, k4, 16);
    wb_cache_key(c, mem_wasm, sizeof mem_wasm, k2);
    assert_memory_equal(k4, k2, 16); /* deterministic */
    wb_config_hash(c, k3);
    assert_memory_not_equal(k3, k4, 16);
    wb_config_free(c);
}

/* -- The memory limit (max-memory) -- */

static wb_rt_func *export_func(wb_instance *i, const char *name)
{
    wb_extern ex;
    assert_true(wb_instance_export(i, name, strlen(name), &ex));
    assert_int_equal(ex.kind, WB_EXTERN_FUNC);
    return ex.of.func;
}

static int32_t call_i32(wb_store *s, wb_rt_func *f, int32_t arg, bool has_arg)
{
    wb_val a = { .type = WB_I32, .of.i32 = arg }, r;
    wb_trap *t = NULL;
    assert_int_equal(wb_func_call(s, f, &a, has_arg ? 1 : 0, &r, 1, &t), WB_OK);
    return r.of.i32;
}

static void test_max_memory_limits_grow(void **state)
{
    wb_config *c = wb_config_new();
    wb_engine *e;
    wb_store *s;
    wb_compiled *m8, *m;
    wb_rt_memory *host_mem;
    wb_instance *i = NULL;
    wb_rt_func *grow, *size;
    wb_diag d = { 0 };
    (void)state;

    assert_int_equal(wb_config_set(c, "max-memory", "4MiB", &d), WB_OK); /* 64 pages */
    e = wb_engine_new(c);
    s = wb_store_new(e);
    assert_int_equal(wb_compile(e, mem_wasm, sizeof mem_wasm, &m, &d), WB_OK);
    assert_int_equal(wb_instance_new(s, m, NULL, 0, &i, NULL, &d), WB_OK);
    grow = export_func(i, "grow");
    size = export_func(i, "size");
    assert_int_equal(call_i32(s, grow, 60, true), 2);
    assert_int_equal(call_i32(s, grow, 3, true), -1);     /* 65 > 64 */
    assert_int_equal(call_i32(s, size, 0, false), 62);
    assert_int_equal(call_i32(s, grow, 2, true), 62);     /* exactly 64 */
    assert_int_equal(call_i32(s, grow, 1, true), -1);
    assert_int_equal(call_i32(s, size, 0, false), 64);
    host_mem = wb_memory_new(s, 1, 0, false);
    assert_int_equal(wb_memory_grow(host_mem, 64), -1); /* host side too */
    assert_int_equal(wb_memory_grow(host_mem, 63), 1);
    wb_store_free(s);
    wb_compiled_free(m);
    wb_engine_free(e);

    /* A minimum above the limit does not instantiate. */
    wb_config_set_max_memory(c, 7 * 65536);
    e = wb_engine_new(c);
    s = wb_store_new(e);
    assert_int_equal(wb_compile(e, mem8_wasm, sizeof mem8_wasm, &m8, &d), WB_OK);
    assert_int_equal(wb_instance_new(s, m8, NULL, 0, &i, NULL, &d), WB_ERR_LIMIT_MEMORY);
    assert_null(wb_memory_new(s, 8, 0, false));
    assert_non_null(wb_memory_new(s, 7, 0, false));
    wb_store_free(s);
    wb_compiled_free(m8);
    wb_engine_free(e);
    wb_config_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_engine_copies_config),
        cmocka_unit_test(test_typed_setters),
        cmocka_unit_test(test_set_by_name),
        cmocka_unit_test(test_every_key_round_trips),
        cmocka_unit_test(test_hash_every_field_changes_key),
        cmocka_unit_test(test_hash_byte_by_byte),
        cmocka_unit_test(test_hash_opt_levels_differ),
        cmocka_unit_test(test_cache_key_module),
        cmocka_unit_test(test_max_memory_limits_grow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_arena.c — the module arena: alignment, independence of allocations
 * across chunks, large requests, zeroing, overflow and accounting. */
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wasm/wasm_int.h"

static void test_new_free(void **state)
{
    (void)state;
    wb_arena *a = wb_arena_new(0);

    assert_non_null(a);
    assert_int_equal(wb_arena_used(a), 0);
    wb_arena_free(a);
    wb_arena_free(NULL);
}

static void test_alignment(void **state)
{
    (void)state;
    wb_arena *a = wb_arena_new(0);

    for (size_t size = 0; size < 200; size++) {
        void *p = wb_arena_alloc(a, size);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
    }
    wb_arena_free(a);
}

/* Thousands of allocations over many chunks: each keeps its own contents,
 * so none overlaps another. */
static void test_allocations_independent(void **state)
{
    (void)state;
    enum { N = 5000 };
    static uint8_t *ptrs[N];
    wb_arena *a = wb_arena_new(0);

    for (size_t i = 0; i < N; i++) {
        size_t size = 1 + (i * 37) % 300;
        ptrs[i] = wb_arena_alloc(a, size);
        assert_non_null(ptrs[i]);
        memset(ptrs[i], (int)(i & 0xff), size);
    }
    for (size_t i = 0; i < N; i++) {
        size_t size = 1 + (i * 37) % 300;
        for (size_t k = 0; k < size; k++)
            assert_int_equal(ptrs[i][k], i & 0xff);
    }
    wb_arena_free(a);
}

static void test_zero_size_distinct(void **state)
{
    (void)state;
    wb_arena *a = wb_arena_new(0);
    void *p = wb_arena_alloc(a, 0), *q = wb_arena_alloc(a, 0);

    assert_non_null(p);
    assert_non_null(q);
    assert_ptr_not_equal(p, q);
    wb_arena_free(a);
}

static void test_zalloc_and_array(void **state)
{
    (void)state;
    wb_arena *a = wb_arena_new(0);
    uint32_t *v;
    uint8_t *z;

    /* dirty the first chunk, then get fresh zeroed memory */
    memset(wb_arena_alloc(a, 1000), 0xff, 1000);
    z = wb_arena_zalloc(a, 1000);
    assert_non_null(z);
    for (size_t i = 0; i < 1000; i++)
        assert_int_equal(z[i], 0);
    v = wb_arena_array(a, 100, sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < 100; i++)
        assert_int_equal(v[i], 0);
    /* n * size overflowing size_t, and absurd sizes, fail cleanly */
    assert_null(wb_arena_array(a, SIZE_MAX / 2, 4));
    assert_null(wb_arena_array(a, (size_t)1 << 40, (size_t)1 << 40));
    assert_null(wb_arena_alloc(a, SIZE_MAX));
    assert_null(wb_arena_alloc(a, SIZE_MAX - 8));
    /* and leave the arena usable */
    assert_non_null(wb_arena_alloc(a, 16));
    wb_arena_free(a);
}

/* A request larger than a chunk gets its own, and small requests keep
 * filling the current chunk afterwards rather than starting a new one. */
static void test_large_request(void **state)
{
    (void)state;
    wb_arena *a = wb_arena_new(0);
    uint8_t *small1, *big, *small2;
    size_t before;

    small1 = wb_arena_alloc(a, 64);
    before = wb_arena_reserved(a);
    big = wb_arena_alloc(a, (size_t)10 << 20);
    assert_non_null(big);
    memset(big, 0x5a, (size_t)10 << 20);
    assert_true(wb_arena_reserved(a) >= before + ((size_t)10 << 20));
    assert_true(wb_arena_reserved(a) < before + ((size_t)11 << 20));
    before = wb_arena_reserved(a);
    small2 = wb_arena_alloc(a, 64);
    assert_int_equal(wb_arena_reserved(a), before); /* same chunk as small1 */
    assert_true(small2 > small1 && small2 < small1 + 4096);
    assert_int_equal(big[((size_t)10 << 20) - 1], 0x5a);
    wb_arena_free(a);
}

/* Accounting: used is the payload; the reserve stays within a small factor
 * of it (chunks grow geometrically, so few mallocs for many entries). */
static void test_accounting(void **state)
{
    (void)state;
    wb_arena *a = wb_arena_new(0);
    size_t total = 0;

    for (unsigned i = 0; i < 100000; i++) {
        assert_non_null(wb_arena_alloc(a, 24));
        total += 24;
    }
    assert_int_equal(wb_arena_used(a), total);
    assert_true(wb_arena_reserved(a) >= total);
    assert_true(wb_arena_reserved(a) < 4 * total + (1 << 20));
    wb_arena_free(a);

    /* the hint sizes the first chunk: one small allocation reserves it */
    a = wb_arena_new(1 << 20);
    assert_non_null(wb_arena_alloc(a, 8));
    assert_true(wb_arena_reserved(a) >= (1 << 20));
    wb_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_free),
        cmocka_unit_test(test_alignment),
        cmocka_unit_test(test_allocations_independent),
        cmocka_unit_test(test_zero_size_distinct),
        cmocka_unit_test(test_zalloc_and_array),
        cmocka_unit_test(test_large_request),
        cmocka_unit_test(test_accounting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

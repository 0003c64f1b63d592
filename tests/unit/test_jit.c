/* test_jit.c — the baseline compiler, run: modules of test_jit_modules.h
 * compiled and executed through the test-only loader of
 * test_jit_harness.h (no runtime needed). Integer arithmetic with its
 * traps, control flow, calls, multi-value, memory, globals, tables and
 * references; expected values computed independently in C. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "tests/unit/test_jit_harness.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/test_jit_modules.h"

static th_inst *g;

static int setup_basic(void **state)
{
    (void)state;
    g = th_new(basic_wasm, sizeof basic_wasm, NULL);
    return g ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    th_free(g);
    g = NULL;
    return 0;
}

/* Result 0 of export f called with the given arguments; fails the test on
 * a trap. */
static uint64_t callv(const char *f, int n, ...)
{
    uint64_t args[16] = { 0 }, res[16] = { 0 };
    va_list ap;
    int rc;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        args[i] = va_arg(ap, uint64_t);
    va_end(ap);
    rc = th_call(g, f, args, res);
    if (rc != 0)
        fail_msg("%s trapped: %d (%s)", f, rc, rc > 0 ? wb_err_message((wb_err)rc) : "?");
    return res[0];
}
#define C0(f) callv(f, 0)
#define C1(f, a) callv(f, 1, (uint64_t)(a))
#define C2(f, a, b) callv(f, 2, (uint64_t)(a), (uint64_t)(b))
#define C3(f, a, b, c) callv(f, 3, (uint64_t)(a), (uint64_t)(b), (uint64_t)(c))
#define I32(x) ((uint32_t)(x))

static int trapv(const char *f, int n, ...)
{
    uint64_t args[16] = { 0 }, res[16];
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        args[i] = va_arg(ap, uint64_t);
    va_end(ap);
    return th_call(g, f, args, res);
}
#define T1(f, a) trapv(f, 1, (uint64_t)(a))
#define T2(f, a, b) trapv(f, 2, (uint64_t)(a), (uint64_t)(b))

/* -- Integer arithmetic -- */

static void test_add_sub_mul(void **state)
{
    (void)state;
    assert_int_equal(I32(C2("add", 2, 40)), 42);
    assert_int_equal(I32(C2("add", 0xffffffffu, 1)), 0);
    assert_int_equal(I32(C1("sub_imm", 5)), (uint32_t)(5 - 7));
    assert_int_equal(I32(C1("imm_sub", 5)), 2);
    assert_int_equal(I32(C2("mul", 0x10000, 0x10000)), 0);
    assert_int_equal(I32(C2("mul", (uint32_t)-3, 7)), (uint32_t)-21);
    assert_int_equal(I32(C1("mul_imm", 5)), (uint32_t)-15);
    assert_int_equal(C2("add64", 0x7fffffffffffffffull, 1), 0x8000000000000000ull);
    assert_int_equal(C2("mul64", 0x100000001ull, 0x100000001ull), 0x200000001ull);
    assert_int_equal(I32(C2("and", 0xf0f0, 0xff00)), 0xf000);
    assert_int_equal(I32(C2("or", 0xf0f0, 0x0f00)), 0xfff0);
    assert_int_equal(C2("xor64", 0xffff0000ffff0000ull, 0x0f0f0f0f0f0f0f0full),
                     0xf0f00f0ff0f00f0full);
    assert_int_equal(C1("big64", 1), 0x123456789abcdef1ull);
}

static void test_division(void **state)
{
    (void)state;
    assert_int_equal(I32(C2("div_s", (uint32_t)-7, 2)), (uint32_t)-3);
    assert_int_equal(I32(C2("div_u", (uint32_t)-7, 2)), 0x7ffffffcu);
    assert_int_equal(I32(C2("rem_s", (uint32_t)-7, 2)), (uint32_t)-1);
    assert_int_equal(I32(C2("rem_u", (uint32_t)-7, 2)), 1);
    assert_int_equal(I32(C2("rem_s", 0x80000000u, (uint32_t)-1)), 0);
    assert_int_equal(I32(C2("div_s", 5, (uint32_t)-1)), (uint32_t)-5);
    assert_int_equal(C2("div_s64", (uint64_t)-9, 4), (uint64_t)-2);
    assert_int_equal(C2("div_u64", (uint64_t)-1, 16), 0x0fffffffffffffffull);
    assert_int_equal(C2("rem_s64", (uint64_t)-9, 4), (uint64_t)-1);
    assert_int_equal(C2("rem_s64", 0x8000000000000000ull, (uint64_t)-1), 0);
    assert_int_equal(C2("rem_u64", (uint64_t)-1, 10), UINT64_MAX % 10);
    assert_int_equal(I32(C1("div_s_k", 9)), (uint32_t)-9);
    assert_int_equal(I32(C1("rem_s_k", 0x80000000u)), 0);
    assert_int_equal(I32(C1("div_u_k", 100)), 14);

    assert_int_equal(T2("div_s", 1, 0), WB_ERR_TRAP_DIV_ZERO);
    assert_int_equal(T2("div_u", 1, 0), WB_ERR_TRAP_DIV_ZERO);
    assert_int_equal(T2("rem_s", 1, 0), WB_ERR_TRAP_DIV_ZERO);
    assert_int_equal(T2("rem_u64", 1, 0), WB_ERR_TRAP_DIV_ZERO);
    assert_int_equal(T2("div_s", 0x80000000u, (uint32_t)-1), WB_ERR_TRAP_INT_OVERFLOW);
    assert_int_equal(T2("div_s64", 0x8000000000000000ull, (uint64_t)-1),
                     WB_ERR_TRAP_INT_OVERFLOW);
    assert_int_equal(T1("div_s_k", 0x80000000u), WB_ERR_TRAP_INT_OVERFLOW);
}

static uint32_t rotl32(uint32_t x, unsigned n) { n &= 31; return n ? (x << n) | (x >> (32 - n)) : x; }
static uint32_t rotr32(uint32_t x, unsigned n) { n &= 31; return n ? (x >> n) | (x << (32 - n)) : x; }
static uint64_t rotr64(uint64_t x, unsigned n) { n &= 63; return n ? (x >> n) | (x << (64 - n)) : x; }

static void test_shifts(void **state)
{
    (void)state;
    for (uint32_t n = 0; n < 70; n += 3) {
        uint32_t x = 0x87654321u;
        assert_int_equal(I32(C2("shl", x, n)), x << (n & 31));
        assert_int_equal(I32(C2("shr_u", x, n)), x >> (n & 31));
        assert_int_equal(I32(C2("shr_s", x, n)), (uint32_t)((int32_t)x >> (n & 31)));
        assert_int_equal(I32(C2("rotl", x, n)), rotl32(x, n));
        assert_int_equal(I32(C2("rotr", x, n)), rotr32(x, n));
        assert_int_equal(I32(C2("shift_cnt_first", n, x)), x << (n & 31));
        uint64_t y = 0x8765432112345678ull;
        assert_int_equal(C2("shl64", y, n), y << (n & 63));
        assert_int_equal(C2("shr_s64", y, n), (uint64_t)((int64_t)y >> (n & 63)));
        assert_int_equal(C2("rotr64", y, n), rotr64(y, n));
    }
    assert_int_equal(I32(C1("shl_k", 1)), 8);
}

static void test_bit_counts(void **state)
{
    static const uint64_t v[] = { 0, 1, 2, 0x80000000u, 0xffffffffu, 0x00f0f000u,
                                  0x8000000000000000ull, 0x00000001ffffffffull,
                                  0xffffffffffffffffull, 0x0123456789abcdefull };
    (void)state;
    for (unsigned i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint32_t x = (uint32_t)v[i];
        uint64_t y = v[i];
        assert_int_equal(I32(C1("clz", x)), x ? (uint32_t)__builtin_clz(x) : 32);
        assert_int_equal(I32(C1("ctz", x)), x ? (uint32_t)__builtin_ctz(x) : 32);
        assert_int_equal(I32(C1("popcnt", x)), (uint32_t)__builtin_popcount(x));
        assert_int_equal(C1("clz64", y), y ? (uint64_t)__builtin_clzll(y) : 64);
        assert_int_equal(C1("ctz64", y), y ? (uint64_t)__builtin_ctzll(y) : 64);
        assert_int_equal(C1("popcnt64", y), (uint64_t)__builtin_popcountll(y));
    }
}

static void test_extend_compare(void **state)
{
    (void)state;
    assert_int_equal(I32(C1("ext8", 0x180)), 0xffffff80u);
    assert_int_equal(I32(C1("ext8", 0x17f)), 0x7f);
    assert_int_equal(I32(C1("ext16", 0x18000)), 0xffff8000u);
    assert_int_equal(C1("ext8_64", 0xff), UINT64_MAX);
    assert_int_equal(C1("ext32_64", 0x80000000u), 0xffffffff80000000ull);
    assert_int_equal(I32(C1("eqz", 0)), 1);
    assert_int_equal(I32(C1("eqz", 5)), 0);
    assert_int_equal(I32(C1("eqz64", 0x100000000ull)), 0);
    assert_int_equal(I32(C1("eqz64", 0)), 1);
    assert_int_equal(I32(C2("lt_s", (uint32_t)-1, 0)), 1);
    assert_int_equal(I32(C2("lt_u", (uint32_t)-1, 0)), 0);
    assert_int_equal(I32(C2("ge_s64", (uint64_t)-1, 0)), 0);
    assert_int_equal(I32(C2("ge_s64", 3, 3)), 1);
    assert_int_equal(I32(C1("gt_u_k", 101)), 1);
    assert_int_equal(I32(C1("gt_u_k", 100)), 0);
    assert_int_equal(I32(C3("select", 1, 2, 0)), 2);
    assert_int_equal(I32(C3("select", 1, 2, 7)), 1);
    assert_int_equal(I32(C2("select_cmp", 3, 9)), 3);
    assert_int_equal(I32(C2("select_cmp", 9, 3)), 3);
    assert_int_equal(C3("select64", 1ull << 40, 2, 1), 1ull << 40);
}

/* -- Control flow and calls -- */

static void test_loops_recursion(void **state)
{
    (void)state;
    assert_int_equal(C1("fac", 0), 1);
    assert_int_equal(C1("fac", 20), 2432902008176640000ull);
    assert_int_equal(I32(C1("fib", 20)), 6765);
    assert_int_equal(I32(C1("sum_loop", 100)), 5050);
    assert_int_equal(I32(C1("if_else", 3)), 1);
    assert_int_equal(I32(C1("if_else", 0)), 2);
    assert_int_equal(I32(C1("if_noelse", 4)), 15);
    assert_int_equal(I32(C1("if_noelse", 3)), 5);
    assert_int_equal(I32(C1("nested_br", 1)), 2);
    assert_int_equal(I32(C1("nested_br", 0)), 4);
    assert_int_equal(I32(C1("dead_code", 9)), 9);
    assert_int_equal(I32(C1("return_mid", 1)), 77);
    assert_int_equal(I32(C1("return_mid", 0)), 88);
    assert_int_equal(C1("locals_many", (uint32_t)-4), (uint64_t)-4);
}

static void test_br_table(void **state)
{
    static const uint32_t small[] = { 10, 20, 30, 40, 40, 40 };
    static const uint32_t big[] = { 99, 106, 105, 104, 103, 102, 101, 100, 100, 100, 99, 99 };
    (void)state;
    for (uint32_t i = 0; i < 6; i++)
        assert_int_equal(I32(C1("br_table", i)), small[i]);
    assert_int_equal(I32(C1("br_table", 0xffffffffu)), 40);
    for (uint32_t i = 0; i < 12; i++)
        assert_int_equal(I32(C1("br_table_big", i)), big[i]);
    assert_int_equal(I32(C1("br_table_big", 0x80000000u)), 99);
}

static void test_multi_value(void **state)
{
    uint64_t args[2] = { 41, 0 }, res[4] = { 0 };
    (void)state;
    assert_int_equal(th_call(g, "multi", args, res), 0);
    assert_int_equal(I32(res[0]), 41);
    assert_int_equal(I32(res[1]), 42);
    assert_int_equal(res[2], 4100);
    args[0] = 1;
    args[1] = 2;
    assert_int_equal(th_call(g, "swap", args, res), 0);
    assert_int_equal(I32(res[0]), 2);
    assert_int_equal(I32(res[1]), 1);
    assert_int_equal(I32(C2("call_multi", 10, 3)), (uint32_t)(3 - 10));
    assert_int_equal(I32(C2("block_params", 10, 3)), 1007);
    assert_int_equal(I32(C1("block_multi_br", 1)), (uint32_t)(5 - 7));
    assert_int_equal(I32(C1("block_multi_br", 0)), (uint32_t)(1 - 2));
}

static void test_register_pressure(void **state)
{
    (void)state;
    /* x+1 + ... + (x+11) * (x+12) ... see the module: computed in C */
    for (uint32_t x = 0; x < 50; x += 7) {
        uint32_t v[17];
        for (int i = 1; i <= 16; i++)
            v[i] = x + (uint32_t)i;
        uint32_t t = v[15] / v[16];
        for (int i = 14; i >= 4; i--)
            t = v[i] + t;
        t = v[3] * t;
        t = v[2] - t;
        t = v[1] + t;
        assert_int_equal(I32(C1("many", x)), t);
    }
}

static void test_call_indirect(void **state)
{
    (void)state;
    assert_int_equal(I32(C2("call_ind", 0, 21)), 42);
    assert_int_equal(I32(C2("call_ind", 1, 9)), 81);
    assert_int_equal(T2("call_ind", 2, 1), WB_ERR_TRAP_UNINITIALIZED_ELEMENT);
    assert_int_equal(T2("call_ind", 4, 1), WB_ERR_TRAP_UNDEFINED_ELEMENT);
    assert_int_equal(T2("call_ind", 0xffffffffu, 1), WB_ERR_TRAP_UNDEFINED_ELEMENT);
    assert_int_equal(T1("call_ind_bad", 0), WB_ERR_TRAP_INDIRECT_CALL_TYPE);
}

static void test_traps(void **state)
{
    uint64_t res[2];
    (void)state;
    assert_int_equal(th_call(g, "unreachable", NULL, res), WB_ERR_TRAP_UNREACHABLE);
    assert_int_equal(T1("infinite", 0), WB_ERR_TRAP_STACK_EXHAUSTED);
    assert_int_equal(T1("load", 65536), WB_ERR_TRAP_MEMORY_OOB);
    assert_int_equal(T1("load", 65533), WB_ERR_TRAP_MEMORY_OOB);
    assert_int_equal(T1("load", 0xffffffffu), WB_ERR_TRAP_MEMORY_OOB);
    assert_int_equal(T1("load_big_off", 0x100), WB_ERR_TRAP_MEMORY_OOB);
    /* still usable after traps */
    assert_int_equal(I32(C2("add", 1, 2)), 3);
}

/* -- Memory, globals, tables -- */

static void test_memory(void **state)
{
    (void)state;
    assert_int_equal(C2("mem_rw", 16, 0x1122334455667788ull), 0x1122334455667788ull);
    assert_int_equal(I32(C1("load", 24)), 0x55667788u);
    assert_int_equal(I32(C1("load", 65532)), 0);
    assert_int_equal(I32(C1("mem_bytes", 0x1f0)), (uint32_t)(-16 + (0xf0 << 16)));
    assert_int_equal(C1("mem_16", 0x8001), 0xffffffffffff8001ull);
    assert_int_equal(C1("mem_32u", 0xfffffffeu), 0xfffffffeull + (uint64_t)-2);
    assert_int_equal(I32(C0("mem_size")), 1);
}

static void test_memory_grow(void **state)
{
    (void)state;
    assert_int_equal(I32(C1("grow", 0)), 1);
    assert_int_equal(I32(C1("grow", 1)), 1);
    assert_int_equal(I32(C0("mem_size")), 2);
    assert_int_equal(I32(C1("grow", 65536)), 0xffffffffu);
    /* 3x + old pages (2) + the value stored at 65540, x = 1 */
    assert_int_equal(I32(C1("grow_keep", 1)), 3 + 2 + 1);
    assert_int_equal(I32(C0("mem_size")), 3);
    assert_int_equal(I32(C1("load", 3 * 65536 - 4)), 0);
    assert_int_equal(T1("load", 3 * 65536 - 3), WB_ERR_TRAP_MEMORY_OOB);
}

/* The .eh_frame table lets libgcc's unwinder walk from a builtin through
 * the wasm frame into the entry shim and the C frames above it. */
static void test_unwind_through_wasm(void **state)
{
    bool in_wasm = false, in_shim = false;
    int after_shim = 0;
    (void)state;
    th_nbt = 0;
    assert_int_equal(I32(C1("grow", 0)), 3);
    for (int i = 0; i < th_nbt; i++) {
        const char *pc = th_bt[i];
        if ((const uint8_t *)pc >= g->code && (const uint8_t *)pc < g->code + g->a->code_size)
            in_wasm = true;
        else if (pc > (const char *)th_enter && pc <= th_enter_end)
            in_shim = true;
        else if (in_shim)
            after_shim++;
    }
    assert_true(in_wasm);
    assert_true(in_shim);
    assert_true(after_shim >= 2);
}

/* At a call, the stack map lists exactly the frame slots holding
 * externrefs: the externref parameter, the externref local and the two
 * externref entries of the value stack (not the i64 between them). */
static void test_stack_map(void **state)
{
    const uint64_t ref = 0xabcdef0012345678ull;
    int params = 0, locals = 0, slots = 0;
    (void)state;
    th_map_n = -2;
    assert_int_equal(C2("refs", ref, 0), ref);
    assert_int_equal(th_map_n, 4);
    for (int i = 0; i < th_map_n; i++) {
        assert_int_equal(th_map_vals[i], ref);
        if (th_map_slots[i] == 16)
            params++;
        else if (th_map_slots[i] == -24) /* declared local 1 */
            locals++;
        else if (th_map_slots[i] < -24)
            slots++;
    }
    assert_int_equal(params, 1);
    assert_int_equal(locals, 1);
    assert_int_equal(slots, 2);
}

static void test_globals_refs(void **state)
{
    (void)state;
    assert_int_equal(I32(C0("global_inc")), 11);
    assert_int_equal(I32(C0("global_inc")), 12);
    assert_int_equal(C1("global64", 7), 2);
    assert_int_equal(C1("global64", (uint64_t)-10), (uint64_t)-8);
    assert_int_equal(I32(C0("ref_null_is")), 1);
    assert_int_equal(I32(C0("ref_func_nonnull")), 0);
    assert_int_equal(I32(C0("table_size")), 4);
    assert_int_equal(I32(C2("table_get_call", 1, 5)), 25);
    assert_int_equal(I32(C2("table_get_call", 0, 5)), 10);
    assert_int_equal(T2("table_get_call", 7, 5), WB_ERR_TRAP_TABLE_OOB);
}

/* -- Artifact shape -- */

static void test_artifact(void **state)
{
    const wb_artifact *a = g->a;
    (void)state;
    assert_int_equal(a->nfuncs, g->m->ncodes);
    for (uint32_t i = 0; i < a->nfuncs; i++) {
        const uint8_t *p = a->code + a->func_offsets[i];
        assert_true(a->func_offsets[i] < a->func_offsets[i + 1]);
        assert_int_equal(p[0], 0x55); /* push rbp */
        assert_int_equal(wb_artifact_func_at(a, a->func_offsets[i]), i);
        assert_int_equal(wb_artifact_func_at(a, a->func_offsets[i + 1] - 1), i);
    }
    assert_int_equal(wb_artifact_func_at(a, a->func_offsets[a->nfuncs]), -1);
    for (uint32_t i = 1; i < a->ntraps; i++)
        assert_true(a->traps[i - 1].code_offset < a->traps[i].code_offset);
    for (uint32_t i = 0; i < a->ntraps; i++)
        assert_ptr_equal(wb_artifact_trap_at(a, a->traps[i].code_offset), &a->traps[i]);
    for (uint32_t i = 1; i < a->ncalls; i++)
        assert_true(a->calls[i - 1].return_offset < a->calls[i].return_offset);
    for (uint32_t i = 0; i < a->ncalls; i++)
        assert_ptr_equal(wb_artifact_call_at(a, a->calls[i].return_offset), &a->calls[i]);
    assert_null(wb_artifact_trap_at(a, 0));
}

/* A reservation + guard too small for index + offset: explicit checks
 * against the memory size, trapping through ud2 instead of a fault. */
static void test_explicit_bounds(void **state)
{
    wb_tunables t;
    th_inst *saved = g;
    (void)state;
    wb_tunables_default(&t);
    t.memory_reservation = 1u << 20;
    t.memory_guard = 1u << 16;
    g = th_new(basic_wasm, sizeof basic_wasm, &t);
    assert_non_null(g);
    assert_int_equal(C2("mem_rw", 16, 0x1122334455667788ull), 0x1122334455667788ull);
    assert_int_equal(I32(C1("load", 65532)), 0);
    assert_int_equal(T1("load", 65533), WB_ERR_TRAP_MEMORY_OOB);
    assert_int_equal(g->code[th_trap_off], 0x0f); /* ud2: the explicit check */
    assert_int_equal(g->code[th_trap_off + 1], 0x0b);
    assert_int_equal(T1("load", 0xffffffffu), WB_ERR_TRAP_MEMORY_OOB);
    assert_int_equal(T1("load_big_off", 0x100), WB_ERR_TRAP_MEMORY_OOB);
    assert_int_equal(g->code[th_trap_off], 0x0f);
    assert_int_equal(I32(C1("mem_bytes", 0x1f0)), (uint32_t)(-16 + (0xf0 << 16)));
    assert_int_equal(I32(C1("grow", 1)), 1);
    assert_int_equal(I32(C1("load", 65536 + 65532)), 0);
    assert_int_equal(T1("load", 2 * 65536), WB_ERR_TRAP_MEMORY_OOB);
    th_free(g);
    g = saved;
}

/* -- Interruption: fuel and epochs -- */

static void test_fuel(void **state)
{
    wb_tunables t;
    th_inst *saved = g;
    int64_t *fuel;
    (void)state;
    wb_tunables_default(&t);
    t.fuel = true;
    g = th_new(basic_wasm, sizeof basic_wasm, &t);
    assert_non_null(g);
    fuel = (int64_t *)(g->vmctx + WB_VMCTX_FUEL);

    *fuel = 1000000;
    th_fuel_calls = 0;
    assert_int_equal(I32(C1("sum_loop", 100)), 5050);
    assert_int_equal(th_fuel_calls, 0);
    /* at least the loop body's 8 instructions per iteration */
    assert_true(1000000 - *fuel >= 800);
    assert_true(1000000 - *fuel < 2000);

    *fuel = 0; /* every region runs dry: the slow path refuels a little */
    th_refuel = 5;
    assert_int_equal(I32(C1("sum_loop", 10)), 55);
    assert_true(th_fuel_calls >= 10);
    th_free(g);
    g = saved;
}

static void test_epoch(void **state)
{
    wb_tunables t;
    th_inst *saved = g;
    (void)state;
    wb_tunables_default(&t);
    t.epoch_interruption = true;
    g = th_new(basic_wasm, sizeof basic_wasm, &t);
    assert_non_null(g);

    th_epoch = 5;
    *(uint64_t *)(g->vmctx + WB_VMCTX_EPOCH_DEADLINE) = 100;
    th_epoch_calls = 0;
    assert_int_equal(I32(C1("sum_loop", 50)), 1275);
    assert_int_equal(th_epoch_calls, 0);

    /* deadline passed and never extended: entry plus every loop header */
    *(uint64_t *)(g->vmctx + WB_VMCTX_EPOCH_DEADLINE) = 5;
    th_refuel = 0;
    assert_int_equal(I32(C1("sum_loop", 50)), 1275);
    assert_int_equal(th_epoch_calls, 1 + 50);
    /* extended on the first call: only the entry check fires */
    th_epoch_calls = 0;
    th_refuel = 1;
    assert_int_equal(I32(C1("sum_loop", 50)), 1275);
    assert_int_equal(th_epoch_calls, 1);
    th_free(g);
    g = saved;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_sub_mul),
        cmocka_unit_test(test_division),
        cmocka_unit_test(test_shifts),
        cmocka_unit_test(test_bit_counts),
        cmocka_unit_test(test_extend_compare),
        cmocka_unit_test(test_loops_recursion),
        cmocka_unit_test(test_br_table),
        cmocka_unit_test(test_multi_value),
        cmocka_unit_test(test_register_pressure),
        cmocka_unit_test(test_call_indirect),
        cmocka_unit_test(test_traps),
        cmocka_unit_test(test_memory),
        cmocka_unit_test(test_memory_grow),
        cmocka_unit_test(test_unwind_through_wasm),
        cmocka_unit_test(test_stack_map),
        cmocka_unit_test(test_globals_refs),
        cmocka_unit_test(test_artifact),
        cmocka_unit_test(test_explicit_bounds),
        cmocka_unit_test(test_fuel),
        cmocka_unit_test(test_epoch),
    };
    return cmocka_run_group_tests(tests, setup_basic, teardown);
}

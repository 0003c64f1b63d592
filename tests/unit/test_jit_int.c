/* test_jit_int.c — integer binary operations and comparisons of the
 * baseline compiler against a C reference of the wasm semantics, through
 * every operand form the compiler distinguishes: both operands constant
 * (folded at compile time), one constant (immediate forms, both sides),
 * and both in registers. The module is built here, byte by byte: one
 * function per (operation, operands, form). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "tests/unit/test_jit_harness.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

/* -- The operations and their reference semantics -- */

typedef struct binop { const char *name; uint8_t op32, op64; } binop;

static const binop ops[] = {
    { "add", 0x6a, 0x7c }, { "sub", 0x6b, 0x7d }, { "mul", 0x6c, 0x7e },
    { "and", 0x71, 0x83 }, { "or", 0x72, 0x84 }, { "xor", 0x73, 0x85 },
    { "shl", 0x74, 0x86 }, { "shr_s", 0x75, 0x87 }, { "shr_u", 0x76, 0x88 },
    { "rotl", 0x77, 0x89 }, { "rotr", 0x78, 0x8a },
    { "eq", 0x46, 0x51 }, { "ne", 0x47, 0x52 }, { "lt_s", 0x48, 0x53 },
    { "lt_u", 0x49, 0x54 }, { "gt_s", 0x4a, 0x55 }, { "gt_u", 0x4b, 0x56 },
    { "le_s", 0x4c, 0x57 }, { "le_u", 0x4d, 0x58 }, { "ge_s", 0x4e, 0x59 },
    { "ge_u", 0x4f, 0x5a },
    { "div_u", 0x6e, 0x80 }, { "rem_s", 0x6f, 0x81 },
};
enum { NOPS = sizeof ops / sizeof ops[0], FIRST_CMP = 11, FIRST_DIV = 21 };

static const uint64_t vals[] = {
    0, 1, 3, 31, 33, 0x7fffffff, 0x80000000u, 0xffffffffu, 0x100000001ull,
    0x8000000000000000ull, 0xfffffffffffffffeull, 0x123456789abcdef0ull,
};
enum { NVALS = sizeof vals / sizeof vals[0] };

/* wasm semantics of op i at 32 or 64 bits; *trap set for a trapping pair. */
static uint64_t ref(unsigned i, bool w64, uint64_t a, uint64_t b, bool *trap)
{
    unsigned w = w64 ? 64 : 32, n = (unsigned)(b & (w - 1));
    uint64_t m = w64 ? UINT64_MAX : 0xffffffffu;
    int64_t sa = w64 ? (int64_t)a : (int32_t)(uint32_t)a;
    int64_t sb = w64 ? (int64_t)b : (int32_t)(uint32_t)b;
    a &= m;
    b &= m;
    *trap = false;
    switch (i) {
    case 0: return (a + b) & m;
    case 1: return (a - b) & m;
    case 2: return (a * b) & m;
    case 3: return a & b;
    case 4: return a | b;
    case 5: return a ^ b;
    case 6: return (a << n) & m;
    case 7: return (uint64_t)(sa >> n) & m;
    case 8: return a >> n;
    case 9: return n ? ((a << n) | (a >> (w - n))) & m : a;
    case 10: return n ? ((a >> n) | (a << (w - n))) & m : a;
    case 11: return a == b;
    case 12: return a != b;
    case 13: return sa < sb;
    case 14: return a < b;
    case 15: return sa > sb;
    case 16: return a > b;
    case 17: return sa <= sb;
    case 18: return a <= b;
    case 19: return sa >= sb;
    case 20: return a >= b;
    case 21:
        if (!b) { *trap = true; return 0; }
        return a / b;
    case 22:
        if (!b) { *trap = true; return 0; }
        if (sb == -1) return 0;
        return (uint64_t)(sa % sb) & m;
    }
    return 0;
}

/* -- A tiny module writer -- */

typedef struct wbuf { uint8_t *p; size_t n, cap; } wbuf;

static void put(wbuf *w, uint8_t v)
{
    if (w->n == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 4096;
        w->p = realloc(w->p, w->cap);
    }
    w->p[w->n++] = v;
}
static void put_u(wbuf *w, uint64_t v)
{
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        put(w, (uint8_t)(b | (v ? 0x80 : 0)));
    } while (v);
}
static void put_s(wbuf *w, int64_t v)
{
    for (;;) {
        uint8_t b = v & 0x7f;
        v >>= 7;
        if ((v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40))) {
            put(w, b);
            return;
        }
        put(w, b | 0x80);
    }
}
static void put_buf(wbuf *w, const wbuf *s)
{
    for (size_t i = 0; i < s->n; i++)
        put(w, s->p[i]);
}
static void section(wbuf *out, uint8_t id, wbuf *s)
{
    put(out, id);
    put_u(out, s->n);
    put_buf(out, s);
    s->n = 0;
}

/* Forms: 0 both constant, 1 lhs param + rhs constant, 2 lhs constant + rhs
 * param, 3 both params. Types: (i32 i32)->r, ... one per form and width. */
enum { NFORMS = 4 };

typedef struct fcase { unsigned op; bool w64; unsigned ai, bi, form; } fcase;

static fcase *cases;
static size_t ncases;
static wbuf module;
static th_inst *g;

/* type index of (form, w64, result i64?) */
static unsigned type_of(unsigned form, bool w64, bool r64)
{
    return (unsigned)(form * 4 + w64 * 2 + r64);
}

static void build(void)
{
    wbuf s = { 0 }, body = { 0 };
    static const uint8_t magic[] = { 0, 'a', 's', 'm', 1, 0, 0, 0 };

    cases = calloc((size_t)NOPS * 2 * NVALS * NVALS * NFORMS, sizeof *cases);
    for (unsigned op = 0; op < NOPS; op++)
        for (int w = 0; w < 2; w++)
            for (unsigned ai = 0; ai < NVALS; ai++)
                for (unsigned bi = 0; bi < NVALS; bi++)
                    for (unsigned f = 0; f < NFORMS; f++)
                        cases[ncases++] = (fcase){ op, w, ai, bi, f };

    for (size_t i = 0; i < sizeof magic; i++)
        put(&module, magic[i]);
    /* types: per form, width and result width */
    put_u(&s, NFORMS * 4);
    for (unsigned f = 0; f < NFORMS; f++)
        for (int w = 0; w < 2; w++)
            for (int r = 0; r < 2; r++) {
                uint8_t t = w ? 0x7e : 0x7f;
                unsigned np = f == 0 ? 0 : f == 3 ? 2 : 1;
                put(&s, 0x60);
                put_u(&s, np);
                for (unsigned k = 0; k < np; k++)
                    put(&s, t);
                put_u(&s, 1);
                put(&s, r ? 0x7e : 0x7f);
            }
    section(&module, 1, &s);
    put_u(&s, ncases);
    for (size_t i = 0; i < ncases; i++) {
        const fcase *k = &cases[i];
        bool r64 = k->w64 && (k->op < FIRST_CMP || k->op >= FIRST_DIV);
        put_u(&s, type_of(k->form, k->w64, r64));
    }
    section(&module, 3, &s);
    put_u(&s, ncases);
    for (size_t i = 0; i < ncases; i++) {
        char name[24];
        int n = snprintf(name, sizeof name, "f%zu", i);
        put_u(&s, (uint64_t)n);
        for (int j = 0; j < n; j++)
            put(&s, (uint8_t)name[j]);
        put(&s, 0);
        put_u(&s, i);
    }
    section(&module, 7, &s);
    put_u(&s, ncases);
    for (size_t i = 0; i < ncases; i++) {
        const fcase *k = &cases[i];
        uint8_t cst = k->w64 ? 0x42 : 0x41;
        int64_t a = k->w64 ? (int64_t)vals[k->ai] : (int32_t)(uint32_t)vals[k->ai];
        int64_t b = k->w64 ? (int64_t)vals[k->bi] : (int32_t)(uint32_t)vals[k->bi];
        body.n = 0;
        put(&body, 0); /* no locals */
        if (k->form == 0 || k->form == 2) {
            put(&body, cst);
            put_s(&body, a);
        } else {
            put(&body, 0x20);
            put(&body, 0);
        }
        if (k->form == 0 || k->form == 1) {
            put(&body, cst);
            put_s(&body, b);
        } else {
            put(&body, 0x20);
            put(&body, k->form == 3 ? 1 : 0);
        }
        put(&body, k->w64 ? ops[k->op].op64 : ops[k->op].op32);
        put(&body, 0x0b);
        put_u(&s, body.n);
        put_buf(&s, &body);
    }
    section(&module, 10, &s);
    free(s.p);
    free(body.p);
}

static int setup(void **state)
{
    (void)state;
    build();
    g = th_new(module.p, module.n, NULL);
    return g ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    th_free(g);
    free(module.p);
    free(cases);
    return 0;
}

static void test_binops_all_forms(void **state)
{
    unsigned failed = 0;
    (void)state;
    for (size_t i = 0; i < ncases; i++) {
        const fcase *k = &cases[i];
        uint64_t a = vals[k->ai], b = vals[k->bi], args[2] = { 0 }, res[2] = { 0 }, want;
        bool trap, r64 = k->w64 && (k->op < FIRST_CMP || k->op >= FIRST_DIV);
        int rc;
        if (!k->w64) {
            a = (uint32_t)a;
            b = (uint32_t)b;
        }
        want = ref(k->op, k->w64, a, b, &trap);
        switch (k->form) {
        case 1: args[0] = a; break;
        case 2: args[0] = b; break;
        case 3: args[0] = a; args[1] = b; break;
        default: break;
        }
        rc = th_call_func(g, (uint32_t)i, args, res);
        if (trap) {
            if (rc != WB_ERR_TRAP_DIV_ZERO) {
                fprintf(stderr, "    %s%s(%#llx, %#llx) form %u: rc %d, want a trap\n",
                        k->w64 ? "i64." : "i32.", ops[k->op].name, (unsigned long long)a,
                        (unsigned long long)b, k->form, rc);
                failed++;
            }
            continue;
        }
        if (!r64)
            res[0] = (uint32_t)res[0];
        if (rc != 0 || res[0] != want) {
            fprintf(stderr, "    %s%s(%#llx, %#llx) form %u: got %#llx rc %d, want %#llx\n",
                    k->w64 ? "i64." : "i32.", ops[k->op].name, (unsigned long long)a,
                    (unsigned long long)b, k->form, (unsigned long long)res[0], rc,
                    (unsigned long long)want);
            failed++;
        }
    }
    fprintf(stderr, "    %zu cases checked, %u failed\n", ncases, failed);
    assert_int_equal(failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binops_all_forms),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

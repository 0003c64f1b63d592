/* test_jit_golden.h — the golden rows of the x86-64 encoder
 * (tests/unit/x64_golden.h) as a table, for the tests that use them:
 * test_x64_enc.c checks each row byte for byte and against llvm-mc;
 * test_jit_spec.c runs the rows and the generated cases (x64_cases.h) with
 * coverage recording on (x64_enc.h) to learn which instruction forms they
 * cover, keyed like the forms the compiler emits. Include once per test
 * program. */
#ifndef WB_TEST_JIT_GOLDEN_H
#define WB_TEST_JIT_GOLDEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jit/x64_enc.h"
#include "tests/unit/x64_cases.h"

/* -- Shorthands of the golden rows (b: the buffer, L and F: labels) -- */
#define RR(op, sz, d, s)        x64_rr(b, X64_##op, X64_##sz, X64_##d, X64_##s)
#define RM(op, sz, d, m)        x64_rm(b, X64_##op, X64_##sz, X64_##d, m)
#define MR(op, sz, m, s)        x64_mr(b, X64_##op, X64_##sz, m, X64_##s)
#define RI(op, sz, d, i)        x64_ri(b, X64_##op, X64_##sz, X64_##d, i)
#define MI(op, sz, m, i)        x64_mi(b, X64_##op, X64_##sz, m, i)
#define R1(op, sz, r)           x64_r(b, X64_##op, X64_##sz, X64_##r)
#define M1(op, sz, m)           x64_m(b, X64_##op, X64_##sz, m)
#define RRI(op, sz, d, s, i)    x64_rri(b, X64_##op, X64_##sz, X64_##d, X64_##s, i)
#define RMI(op, sz, d, m, i)    x64_rmi(b, X64_##op, X64_##sz, X64_##d, m, i)
#define XX(op, d, s)            x64_xx(b, X64_##op, X64_##d, X64_##s)
#define XM(op, d, m)            x64_xm(b, X64_##op, X64_##d, m)
#define MX(op, m, s)            x64_mx(b, X64_##op, m, X64_##s)
#define XR(op, d, s)            x64_xr(b, X64_##op, X64_##d, X64_##s)
#define RX(op, d, s)            x64_rx(b, X64_##op, X64_##d, X64_##s)
#define RXM(op, d, m)           x64_rxm(b, X64_##op, X64_##d, m)
#define XXI(op, d, s, i)        x64_xxi(b, X64_##op, X64_##d, X64_##s, i)
#define XMI(op, d, m, i)        x64_xmi(b, X64_##op, X64_##d, m, i)
#define MEM(base, disp)         x64_mem_bd(X64_##base, disp)
#define SIB(base, i, sc, disp)  x64_mem_bisd(X64_##base, X64_##i, sc, disp)
#define IDX(i, sc, disp)        x64_mem_isd(X64_##i, sc, disp)
#define ABS(disp)               x64_mem_abs(disp)
#define RIPL(addend)            x64_mem_rip(L, addend)
#define RIPF(addend)            x64_mem_rip(F, addend)
#define RIPD(disp)              x64_mem_ripd(disp)

typedef struct golden {
    const char *call, *text;
    const uint8_t *bytes;
    size_t n;
} golden;

static const golden rows[] = {
#define ROW(call, text, ...)                                                 \
    { #call, text, (const uint8_t[]){ __VA_ARGS__ },                        \
      sizeof((const uint8_t[]){ __VA_ARGS__ }) },
#include "tests/unit/x64_golden.h"
#undef ROW
};
enum { NROWS = sizeof rows / sizeof rows[0] };

/* Runs the encoder call of row i on b. */
static void emit_row(x64_buf *b, size_t i, x64_label L, x64_label F)
{
    size_t k = 0;
#define ROW(call, text, ...)                                                 \
    if (i == k++) {                                                          \
        call;                                                                \
        return;                                                              \
    }
#include "tests/unit/x64_golden.h"
#undef ROW
    (void)L;
    (void)F;
}

/* The same, through the general encoders (x64_*_gen): what a call with
 * an operation not known at compile time runs (x64_enc.h). */
static void emit_row_gen(x64_buf *b, size_t i, x64_label L, x64_label F)
{
    size_t k = 0;
#define x64_rr x64_rr_gen
#define x64_rm x64_rm_gen
#define x64_mr x64_mr_gen
#define x64_ri x64_ri_gen
#define x64_mi x64_mi_gen
#define x64_mov_imm x64_mov_imm_gen
#define x64_xx x64_xx_gen
#define x64_xm x64_xm_gen
#define x64_mx x64_mx_gen
#define ROW(call, text, ...)                                                 \
    if (i == k++) {                                                          \
        call;                                                                \
        return;                                                              \
    }
#include "tests/unit/x64_golden.h"
#undef ROW
#undef x64_rr
#undef x64_rm
#undef x64_mr
#undef x64_ri
#undef x64_mi
#undef x64_mov_imm
#undef x64_xx
#undef x64_xm
#undef x64_mx
    (void)L;
    (void)F;
}

/* Encodes row i into b (reset first); the row's own labels are set up.
 * gen: through the general encoders. */
static void run_row_via(x64_buf *b, size_t i, bool gen)
{
    x64_label L, F;

    x64_buf_reset(b);
    L = x64_label_new(b);
    x64_label_bind(b, L);
    F = x64_label_new(b);
    if (gen)
        emit_row_gen(b, i, L, F);
    else
        emit_row(b, i, L, F);
}

static void run_row(x64_buf *b, size_t i)
{
    run_row_via(b, i, false);
}

/* Adds to cov the forms of every golden row and every generated case
 * (x64_cases.h); false if out of memory. */
static bool golden_forms(x64_cov *cov)
{
    xc_list l;
    x64_buf b;
    bool ok;

    x64_buf_init(&b);
    b.cov = cov;
    for (size_t i = 0; i < NROWS; i++)
        run_row(&b, i);
    memset(&l, 0, sizeof l);
    xc_generate(&l);
    for (size_t i = 0; i < l.n; i++)
        xc_emit(&b, &l.v[i], XC_GENERAL);
    x64_buf_free(&b);
    ok = !l.failed && !cov->failed;
    xc_free(&l);
    return ok;
}

#endif

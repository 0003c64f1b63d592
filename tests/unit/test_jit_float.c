/* test_jit_float.c — the baseline compiler's float arithmetic, comparisons
 * and conversions (jit/base_float.c, jit/base_conv.c), run natively.
 *
 * Each case compiles ONE wasm instruction with the real opcode-family
 * handler and the real value stack (base_stack.c) into a small SysV
 * function `void f(uint64_t *io)`: the operands come from io[0], io[1]
 * (as registers, frame slots or compile-time constants), the result goes
 * to io[0], and a trap (ud2 at a recorded trap site) is caught as SIGILL
 * and mapped to its kind. Results are compared with a reference model of
 * the wasm semantics, NaNs by class (canonical / arithmetic) since the
 * spec allows any NaN of the class. Every operation runs with and without
 * SSE4.1, and again with every allocatable register already taken by other
 * stack entries (which must survive). */
#define _GNU_SOURCE /* REG_RIP */
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <cmocka.h>

#include "jit/jit_int.h"

/* -- Bits -- */

static float f32_of(uint32_t b) { float f; memcpy(&f, &b, 4); return f; }
static double f64_of(uint64_t b) { double d; memcpy(&d, &b, 8); return d; }
static uint32_t bits32(float f) { uint32_t b; memcpy(&b, &f, 4); return b; }
static uint64_t bits64(double d) { uint64_t b; memcpy(&b, &d, 8); return b; }

static bool is_nan_bits(uint64_t b, bool wide)
{
    return wide ? (b & 0x7fffffffffffffffull) > 0x7ff0000000000000ull
                : (b & 0x7fffffffu) > 0x7f800000u;
}
static bool is_canonical_nan(uint64_t b, bool wide)
{
    return wide ? (b & 0x7fffffffffffffffull) == 0x7ff8000000000000ull
                : (b & 0x7fffffffu) == 0x7fc00000u;
}
static bool is_arith_nan(uint64_t b, bool wide)
{
    return is_nan_bits(b, wide) && (wide ? (b & 0x0008000000000000ull) : (b & 0x00400000u));
}

/* -- A one-instruction compiler around wb_ctx -- */

enum { OPND_REG, OPND_SLOT, OPND_CONST };
enum { IO_PRESSURE = 8, N_PRESS_X = 14, N_PRESS_G = 10 };
#define WASM_OFFSET 0x1234u

typedef struct jfn {
    uint8_t *mem;
    size_t size;
    wb_trap_site *traps;
    uint32_t ntraps;
} jfn;

static bool type_wide(uint8_t t) { return t == WB_I64 || t == WB_F64; }

/* Puts io[i] on the value stack as an entry of type t, in `mode`. */
static void push_operand(wb_ctx *c, uint8_t t, unsigned i, int mode, uint64_t k)
{
    x64_mem src = x64_mem_bd(X64_R15, 8 * (int32_t)i);
    if (mode == OPND_CONST) {
        int64_t enc = t == WB_I32 ? (int64_t)(int32_t)k : t == WB_F32 ? (int64_t)(uint32_t)k
                                                                        : (int64_t)k;
        wb_push_const(c, t, enc);
    } else if (mode == OPND_SLOT) {
        x64_rm(c->b, X64_MOV, X64_64, WB_SCRATCH_GPR, src);
        x64_mr(c->b, X64_MOV, X64_64, wb_slot_mem(c, c->nvs), WB_SCRATCH_GPR);
        wb_push_slots(c, 1, &t);
    } else if (wb_type_is_float(t)) {
        x64_xmm x = wb_alloc_xmm(c);
        x64_xm(c->b, t == WB_F32 ? X64_MOVSS : X64_MOVSD, x, src);
        wb_push_xmm(c, t, x);
    } else {
        x64_gpr r = wb_alloc_gpr(c);
        x64_rm(c->b, X64_MOV, type_wide(t) ? X64_64 : X64_32, r, src);
        wb_push_gpr(c, t, r);
    }
}

/* Pops the top entry (type t) and stores it to io[i]: 8 bytes for GPR
 * types (so an i32 must be zero-extended), 4 for f32 (upper half 0). */
static void pop_to_io(wb_ctx *c, uint8_t t, unsigned i)
{
    x64_mem dst = x64_mem_bd(X64_R15, 8 * (int32_t)i);
    if (wb_type_is_float(t)) {
        x64_xmm x = wb_pop_xmm(c);
        x64_mi(c->b, X64_MOV, X64_64, dst, 0);
        x64_mx(c->b, t == WB_F32 ? X64_MOVSS : X64_MOVSD, dst, x);
    } else {
        x64_gpr r = wb_pop_gpr(c);
        x64_mr(c->b, X64_MOV, X64_64, dst, r);
    }
    wb_release_held(c);
}

static const x64_gpr saved_gprs[] = { X64_RBX, X64_R12, X64_R13, X64_R14, X64_R15 };

/* Compiles `op` with operands in modes[] (consts[] for OPND_CONST).
 * pressure: first fill (nearly) every register with other entries. */
static void build(jfn *f, uint16_t op, const int *modes, const uint64_t *consts, bool sse41,
                  bool pressure)
{
    const wb_opinfo *info = &wb_opinfo_table[op];
    unsigned nparams = info->params[1] ? 2 : 1;
    wb_ctx c;
    x64_buf b;
    wb_instr in;
    wb_err err;
    uint8_t *code;
    uint32_t len;

    memset(&c, 0, sizeof c);
    x64_buf_init(&b);
    c.b = &b;
    c.cpu.sse41 = sse41;
    c.cpu.lzcnt = c.cpu.bmi1 = c.cpu.popcnt = true;
    c.spill_base = 8 * (int32_t)(sizeof saved_gprs / sizeof saved_gprs[0]);
    c.wasm_offset = WASM_OFFSET;
    wb_stack_reset(&c);

    /* push rbp; mov rbp, rsp; push callee-saved; sub rsp; r15 = io */
    x64_r(&b, X64_PUSH, X64_64, X64_RBP);
    x64_rr(&b, X64_MOV, X64_64, X64_RBP, X64_RSP);
    for (unsigned i = 0; i < sizeof saved_gprs / sizeof saved_gprs[0]; i++)
        x64_r(&b, X64_PUSH, X64_64, saved_gprs[i]);
    x64_ri(&b, X64_SUB, X64_64, X64_RSP, 8 + 512);
    x64_rr(&b, X64_MOV, X64_64, X64_R15, X64_RDI);

    if (pressure) {
        for (unsigned i = 0; i < N_PRESS_X; i++)
            push_operand(&c, WB_F64, IO_PRESSURE + i, OPND_REG, 0);
        for (unsigned i = 0; i < N_PRESS_G; i++)
            push_operand(&c, WB_I64, IO_PRESSURE + N_PRESS_X + i, OPND_REG, 0);
    }
    for (unsigned i = 0; i < nparams; i++)
        push_operand(&c, info->params[i], i, modes[i], consts[i]);
    wb_release_held(&c);

    memset(&in, 0, sizeof in);
    in.op = op;
    in.offset = WASM_OFFSET;
    if (op >= WB_OP_I32_WRAP_I64 && op <= WB_OP_F64_REINTERPRET_I64)
        err = wb_emit_conv(&c, &in);
    else if (op >= WB_OP_I32_TRUNC_SAT_F32_S && op <= WB_OP_I64_TRUNC_SAT_F64_U)
        err = wb_emit_conv(&c, &in);
    else
        err = wb_emit_float(&c, &in);
    assert_int_equal(err, WB_OK);
    wb_release_held(&c);
    assert_int_equal(c.nvs, (pressure ? N_PRESS_X + N_PRESS_G : 0) + 1);
    assert_int_equal(c.vs[c.nvs - 1].type, info->result);

    pop_to_io(&c, info->result, 0);
    if (pressure) {
        for (unsigned i = N_PRESS_G; i-- > 0;)
            pop_to_io(&c, WB_I64, IO_PRESSURE + N_PRESS_X + i);
        for (unsigned i = N_PRESS_X; i-- > 0;)
            pop_to_io(&c, WB_F64, IO_PRESSURE + i);
    }

    x64_rm(&b, X64_LEA, X64_64, X64_RSP, x64_mem_bd(X64_RBP, -c.spill_base));
    for (unsigned i = sizeof saved_gprs / sizeof saved_gprs[0]; i-- > 0;)
        x64_r(&b, X64_POP, X64_64, saved_gprs[i]);
    x64_r(&b, X64_POP, X64_64, X64_RBP);
    x64_ret(&b);
    wb_emit_trap_stubs(&c);
    assert_int_equal(c.err, WB_OK);
    assert_int_equal(x64_buf_finish(&b, NULL), WB_OK);

    code = x64_buf_take(&b, &len);
    assert_non_null(code);
    f->size = len;
    f->mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(f->mem != MAP_FAILED);
    memcpy(f->mem, code, len);
    assert_int_equal(mprotect(f->mem, len, PROT_READ | PROT_EXEC), 0);
    free(code);
    f->traps = c.traps;
    f->ntraps = c.ntraps;
    for (uint32_t i = 0; i < c.ntraps; i++)
        assert_int_equal(c.traps[i].wasm_offset, WASM_OFFSET);

    x64_buf_free(&b);
    free(c.vs);     /* the only records a one-instruction body allocates */
    free(c.stubs);
}

static void unbuild(jfn *f)
{
    munmap(f->mem, f->size);
    free(f->traps);
    memset(f, 0, sizeof *f);
}

/* -- Running: a trap is a SIGILL at a trap site -- */

static sigjmp_buf g_jmp;
static const jfn *g_fn;
static volatile int g_trap;

static void on_sigill(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    (void)sig;
    (void)si;
    g_trap = -1; /* a ud2 that is not a trap site */
    if (g_fn && pc >= (uintptr_t)g_fn->mem && pc < (uintptr_t)g_fn->mem + g_fn->size) {
        uint32_t off = (uint32_t)(pc - (uintptr_t)g_fn->mem);
        for (uint32_t i = 0; i < g_fn->ntraps; i++)
            if (g_fn->traps[i].code_offset == off)
                g_trap = g_fn->traps[i].kind;
    }
    siglongjmp(g_jmp, 1);
}

/* Runs f on io; returns 0, or the trap kind (-1: ud2 not a trap site).
 * The handler is installed per run: cmocka installs its own for SIGILL
 * around each test. */
static int run(const jfn *f, uint64_t *io)
{
    void (*fn)(uint64_t *) = (void (*)(uint64_t *))(void *)f->mem;
    struct sigaction sa, old;

    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigill;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGILL, &sa, &old), 0);
    g_fn = f;
    g_trap = 0;
    if (sigsetjmp(g_jmp, 1) == 0)
        fn(io);
    g_fn = NULL;
    sigaction(SIGILL, &old, NULL);
    return g_trap;
}

/* -- The reference model -- */

enum { EXACT, NAN_CANON, NAN_ARITH };
typedef struct expect {
    int trap;       /* 0 or WB_ERR_TRAP_* */
    int nan;        /* EXACT: bits; else the NaN class required */
    uint64_t bits;
} expect;

static expect ex_bits(uint64_t b) { return (expect){ 0, EXACT, b }; }
static expect ex_trap(int k) { return (expect){ k, EXACT, 0 }; }

/* The NaN a wasm operation must return when its result is a NaN:
 * canonical if every NaN operand is canonical, else any arithmetic NaN. */
static expect ex_nan(bool wide, int n, const uint64_t *in)
{
    for (int i = 0; i < n; i++)
        if (is_nan_bits(in[i], wide) && !is_canonical_nan(in[i], wide))
            return (expect){ 0, NAN_ARITH, 0 };
    return (expect){ 0, NAN_CANON, 0 };
}

/* Result of a float computation done natively: NaN -> the class. */
static expect ex_float(bool wide, uint64_t r, int n, const uint64_t *in)
{
    if (is_nan_bits(r, wide))
        return ex_nan(wide, n, in);
    return ex_bits(r);
}

static expect ref_f32(uint16_t op, uint32_t a, uint32_t b)
{
    float x = f32_of(a), y = f32_of(b);
    uint64_t in[2] = { a, b };
    switch (op) {
    case WB_OP_F32_ABS:      return ex_bits(a & 0x7fffffffu);
    case WB_OP_F32_NEG:      return ex_bits(a ^ 0x80000000u);
    case WB_OP_F32_COPYSIGN: return ex_bits((a & 0x7fffffffu) | (b & 0x80000000u));
    case WB_OP_F32_CEIL:     return ex_float(false, bits32(ceilf(x)), 1, in);
    case WB_OP_F32_FLOOR:    return ex_float(false, bits32(floorf(x)), 1, in);
    case WB_OP_F32_TRUNC:    return ex_float(false, bits32(truncf(x)), 1, in);
    case WB_OP_F32_NEAREST:  return ex_float(false, bits32(nearbyintf(x)), 1, in);
    case WB_OP_F32_SQRT:     return ex_float(false, bits32(sqrtf(x)), 1, in);
    case WB_OP_F32_ADD:      return ex_float(false, bits32(x + y), 2, in);
    case WB_OP_F32_SUB:      return ex_float(false, bits32(x - y), 2, in);
    case WB_OP_F32_MUL:      return ex_float(false, bits32(x * y), 2, in);
    case WB_OP_F32_DIV:      return ex_float(false, bits32(x / y), 2, in);
    case WB_OP_F32_MIN:
    case WB_OP_F32_MAX: {
        bool mx = op == WB_OP_F32_MAX;
        if (isnan(x) || isnan(y))
            return ex_nan(false, 2, in);
        if (x == 0 && y == 0)
            return ex_bits(mx ? (a & b) : (a | b));
        return ex_bits(bits32(mx ? (x > y ? x : y) : (x < y ? x : y)));
    }
    case WB_OP_F32_EQ:       return ex_bits(x == y);
    case WB_OP_F32_NE:       return ex_bits(x != y);
    case WB_OP_F32_LT:       return ex_bits(x < y);
    case WB_OP_F32_GT:       return ex_bits(x > y);
    case WB_OP_F32_LE:       return ex_bits(x <= y);
    case WB_OP_F32_GE:       return ex_bits(x >= y);
    }
    fail_msg("no f32 reference for %s", wb_opinfo_table[op].text);
    return ex_bits(0);
}

static expect ref_f64(uint16_t op, uint64_t a, uint64_t b)
{
    double x = f64_of(a), y = f64_of(b);
    uint64_t in[2] = { a, b };
    const uint64_t sign = 0x8000000000000000ull;
    switch (op) {
    case WB_OP_F64_ABS:      return ex_bits(a & ~sign);
    case WB_OP_F64_NEG:      return ex_bits(a ^ sign);
    case WB_OP_F64_COPYSIGN: return ex_bits((a & ~sign) | (b & sign));
    case WB_OP_F64_CEIL:     return ex_float(true, bits64(ceil(x)), 1, in);
    case WB_OP_F64_FLOOR:    return ex_float(true, bits64(floor(x)), 1, in);
    case WB_OP_F64_TRUNC:    return ex_float(true, bits64(trunc(x)), 1, in);
    case WB_OP_F64_NEAREST:  return ex_float(true, bits64(nearbyint(x)), 1, in);
    case WB_OP_F64_SQRT:     return ex_float(true, bits64(sqrt(x)), 1, in);
    case WB_OP_F64_ADD:      return ex_float(true, bits64(x + y), 2, in);
    case WB_OP_F64_SUB:      return ex_float(true, bits64(x - y), 2, in);
    case WB_OP_F64_MUL:      return ex_float(true, bits64(x * y), 2, in);
    case WB_OP_F64_DIV:      return ex_float(true, bits64(x / y), 2, in);
    case WB_OP_F64_MIN:
    case WB_OP_F64_MAX: {
        bool mx = op == WB_OP_F64_MAX;
        if (isnan(x) || isnan(y))
            return ex_nan(true, 2, in);
        if (x == 0 && y == 0)
            return ex_bits(mx ? (a & b) : (a | b));
        return ex_bits(bits64(mx ? (x > y ? x : y) : (x < y ? x : y)));
    }
    case WB_OP_F64_EQ:       return ex_bits(x == y);
    case WB_OP_F64_NE:       return ex_bits(x != y);
    case WB_OP_F64_LT:       return ex_bits(x < y);
    case WB_OP_F64_GT:       return ex_bits(x > y);
    case WB_OP_F64_LE:       return ex_bits(x <= y);
    case WB_OP_F64_GE:       return ex_bits(x >= y);
    }
    fail_msg("no f64 reference for %s", wb_opinfo_table[op].text);
    return ex_bits(0);
}

/* Float -> int truncation with the wasm range rules. v is the source value
 * (an f32 converts to double exactly). */
static expect ref_trunc(double v, bool dst64, bool sign, bool sat)
{
    const double two31 = 2147483648.0, two32 = 4294967296.0;
    const double two63 = 9223372036854775808.0, two64 = 18446744073709551616.0;
    double lo, hi;      /* exclusive bounds */
    if (isnan(v))
        return sat ? ex_bits(0) : ex_trap(WB_ERR_TRAP_BAD_CONVERSION);
    if (dst64) {
        lo = sign ? -two63 : -1.0;
        hi = sign ? two63 : two64;
        if (sign && v == -two63) /* the one valid value on the bound */
            return ex_bits((uint64_t)INT64_MIN);
    } else {
        lo = sign ? -two31 - 1.0 : -1.0;
        hi = sign ? two31 : two32;
    }
    if (!(v > lo && v < hi)) {
        if (!sat)
            return ex_trap(WB_ERR_TRAP_INT_OVERFLOW);
        if (v < 0)
            return ex_bits(sign ? (dst64 ? (uint64_t)INT64_MIN : 0x80000000u) : 0);
        return ex_bits(sign ? (dst64 ? (uint64_t)INT64_MAX : 0x7fffffffu)
                            : (dst64 ? UINT64_MAX : 0xffffffffu));
    }
    if (dst64)
        return ex_bits(sign ? (uint64_t)(int64_t)v : (uint64_t)v);
    return ex_bits(sign ? (uint32_t)(int32_t)v : (uint32_t)v);
}

static expect ref_conv(uint16_t op, uint64_t a)
{
    uint64_t in[1] = { a };
    float x = f32_of((uint32_t)a);
    double d = f64_of(a);
    switch (op) {
    case WB_OP_I32_WRAP_I64:        return ex_bits((uint32_t)a);
    case WB_OP_I64_EXTEND_I32_S:    return ex_bits((uint64_t)(int64_t)(int32_t)a);
    case WB_OP_I64_EXTEND_I32_U:    return ex_bits((uint32_t)a);
    case WB_OP_I32_TRUNC_F32_S:     return ref_trunc(x, false, true, false);
    case WB_OP_I32_TRUNC_F32_U:     return ref_trunc(x, false, false, false);
    case WB_OP_I32_TRUNC_F64_S:     return ref_trunc(d, false, true, false);
    case WB_OP_I32_TRUNC_F64_U:     return ref_trunc(d, false, false, false);
    case WB_OP_I64_TRUNC_F32_S:     return ref_trunc(x, true, true, false);
    case WB_OP_I64_TRUNC_F32_U:     return ref_trunc(x, true, false, false);
    case WB_OP_I64_TRUNC_F64_S:     return ref_trunc(d, true, true, false);
    case WB_OP_I64_TRUNC_F64_U:     return ref_trunc(d, true, false, false);
    case WB_OP_I32_TRUNC_SAT_F32_S: return ref_trunc(x, false, true, true);
    case WB_OP_I32_TRUNC_SAT_F32_U: return ref_trunc(x, false, false, true);
    case WB_OP_I32_TRUNC_SAT_F64_S: return ref_trunc(d, false, true, true);
    case WB_OP_I32_TRUNC_SAT_F64_U: return ref_trunc(d, false, false, true);
    case WB_OP_I64_TRUNC_SAT_F32_S: return ref_trunc(x, true, true, true);
    case WB_OP_I64_TRUNC_SAT_F32_U: return ref_trunc(x, true, false, true);
    case WB_OP_I64_TRUNC_SAT_F64_S: return ref_trunc(d, true, true, true);
    case WB_OP_I64_TRUNC_SAT_F64_U: return ref_trunc(d, true, false, true);
    case WB_OP_F32_CONVERT_I32_S:   return ex_bits(bits32((float)(int32_t)a));
    case WB_OP_F32_CONVERT_I32_U:   return ex_bits(bits32((float)(uint32_t)a));
    case WB_OP_F32_CONVERT_I64_S:   return ex_bits(bits32((float)(int64_t)a));
    case WB_OP_F32_CONVERT_I64_U:   return ex_bits(bits32((float)a));
    case WB_OP_F64_CONVERT_I32_S:   return ex_bits(bits64((double)(int32_t)a));
    case WB_OP_F64_CONVERT_I32_U:   return ex_bits(bits64((double)(uint32_t)a));
    case WB_OP_F64_CONVERT_I64_S:   return ex_bits(bits64((double)(int64_t)a));
    case WB_OP_F64_CONVERT_I64_U:   return ex_bits(bits64((double)a));
    case WB_OP_F32_DEMOTE_F64:
        if (isnan(d))
            return ex_nan(true, 1, in);
        return ex_bits(bits32((float)d));
    case WB_OP_F64_PROMOTE_F32: {
        uint64_t in32[1] = { (uint32_t)a };
        if (isnan(x))
            return ex_nan(false, 1, in32);
        return ex_bits(bits64((double)x));
    }
    case WB_OP_I32_REINTERPRET_F32: return ex_bits((uint32_t)a);
    case WB_OP_I64_REINTERPRET_F64: return ex_bits(a);
    case WB_OP_F32_REINTERPRET_I32: return ex_bits((uint32_t)a);
    case WB_OP_F64_REINTERPRET_I64: return ex_bits(a);
    }
    fail_msg("no conversion reference for %s", wb_opinfo_table[op].text);
    return ex_bits(0);
}

static expect reference(uint16_t op, uint64_t a, uint64_t b)
{
    const wb_opinfo *info = &wb_opinfo_table[op];
    if (info->params[0] == WB_F32 && (info->params[1] == WB_F32 || info->result == WB_F32))
        return ref_f32(op, (uint32_t)a, (uint32_t)b);
    if (info->params[0] == WB_F64 && (info->params[1] == WB_F64 || info->result == WB_F64))
        return ref_f64(op, a, b);
    return ref_conv(op, a);
}

/* -- Inputs -- */

static const uint32_t f32_special[] = {
    0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x007fffff, 0x807fffff,
    0x00800000, 0x80800000, 0x3f000000, 0xbf000000, 0x3f800000, 0xbf800000,
    0x3fc00000, 0xbfc00000, 0x40200000, 0xc0200000, 0x40600000, 0xc0600000,
    0x3f7fffff, 0xbf7fffff, 0x3f800001, 0x3fa00000, 0x3fe00000, 0xbfe00000,
    0x3eaaaaab, 0x40490fdb, 0xc0490fdb, 0x42f60000,
    0x4afffffe, 0x4affffff, 0xcaffffff, 0x4b000000, 0xcb000000, 0x4b000001,
    0x4b7fffff, 0x4b800000,
    0x4effffff, 0x4f000000, 0xceffffff, 0xcf000000, 0xcf000001,
    0x4f7fffff, 0x4f800000, 0x5effffff, 0x5f000000, 0xdeffffff, 0xdf000000,
    0xdf000001, 0x5f7fffff, 0x5f800000, 0x7f7fffff, 0xff7fffff,
    0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fa00000, 0xffa00000,
    0x7fc12345, 0xffc12345, 0x7f800001, 0x7fffffff,
};

static const uint64_t f64_special[] = {
    0x0000000000000000, 0x8000000000000000, 0x0000000000000001, 0x8000000000000001,
    0x000fffffffffffff, 0x800fffffffffffff, 0x0010000000000000, 0x8010000000000000,
    0x3fe0000000000000, 0xbfe0000000000000, 0x3ff0000000000000, 0xbff0000000000000,
    0x3ff8000000000000, 0xbff8000000000000, 0x4004000000000000, 0xc004000000000000,
    0x400c000000000000, 0xc00c000000000000, 0x3fefffffffffffff, 0xbfefffffffffffff,
    0x3feccccccccccccd, 0xbfeccccccccccccd, /* ±0.9 */
    0x3ff0000000000001, 0x3fd5555555555555, 0x400921fb54442d18, 0xc00921fb54442d18,
    0x432ffffffffffffe, 0x432fffffffffffff, 0xc32fffffffffffff, 0x4330000000000000,
    0xc330000000000000, 0x4330000000000001, 0x433fffffffffffff, 0x4340000000000000,
    0x41dfffffffc00000, 0x41dfffffffffffff, 0x41e0000000000000, /* 2^31-1, ~2^31, 2^31 */
    0xc1e0000000000000, 0xc1e00000001fffff, 0xc1e0000000200000, 0xc1e0000000000001,
    0x41efffffffe00000, 0x41efffffffffffff, 0x41f0000000000000, /* 2^32-1, ~2^32, 2^32 */
    0x43dfffffffffffff, 0x43e0000000000000, 0xc3dfffffffffffff, 0xc3e0000000000000,
    0xc3e0000000000001, 0x43efffffffffffff, 0x43f0000000000000,
    0x7fefffffffffffff, 0xffefffffffffffff, 0x7ff0000000000000, 0xfff0000000000000,
    0x7ff8000000000000, 0xfff8000000000000, 0x7ff4000000000000, 0xfff4000000000000,
    0x7ff8000000012345, 0xfff8000000012345, 0x7ff0000000000001, 0x7fffffffffffffff,
    0x3690000000000000, 0x47efffffe0000000, 0x47efffffefffffff, 0x47effffff0000000, /* demote */
    0x36a0000000000000, 0x369fffffffffffff,
};

static const uint64_t int_special[] = {
    0, 1, 2, 3, 0xffffffffffffffff, 0xfffffffffffffffe, 0x7fffffff, 0x80000000,
    0x80000001, 0xffffffff, 0xfffffffe, 0x7fffffffffffffff, 0x8000000000000000,
    0x8000000000000001, 0x01000001, 0x01000003, 0x7fffff80, 0x7fffffc0, 0xffffff80,
    0x00ffffff, 0x0020000000000001, 0x0020000000000003, 0x0020000020000001,
    0x8000008000000000, 0x8000008000000001, 0xfffffe8000000001, 0xfffffe8000000000,
    0x8000000000000400, 0x8000000000000401, 0xfffffffffffff400, 0xfffffffffffff401,
    0xfffffffffffffc00, 0xfffffffffffff800, 0x7ffffffffffffc00, 0x7ffffffffffffdff,
    0x7ffffffffffffe00, 0xffffff8000000000, 0xffffff7fffffffff, 0x123456789abcdef0,
    0xfedcba9876543210, 0x0000000100000001, 0xffffffff80000000,
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}

/* A random value of type t, biased towards interesting exponents. */
static uint64_t random_of(uint8_t t)
{
    uint64_t r = rnd();
    switch (t) {
    case WB_F32: {
        uint32_t exp = (uint32_t)(r >> 40) % 8 < 5 ? 118 + (uint32_t)(r >> 48) % 75 /* 2^-9..2^65 */
                                                   : (uint32_t)(r >> 48) & 0xff;
        return ((r >> 32) & 0x80000000u) | (exp << 23) | (r & 0x7fffff);
    }
    case WB_F64: {
        uint64_t exp = (r >> 20) % 8 < 5 ? 1014 + (r >> 52) % 75 : (r >> 52) & 0x7ff;
        return (rnd() & 0x800fffffffffffffull) | (exp << 52);
    }
    case WB_I32:
        return (uint32_t)(r >> (r & 31));
    default:
        return r >> (r & 63);
    }
}

/* Inputs for an operand of type t: the specials then n random ones. */
static uint64_t *inputs_of(uint8_t t, unsigned nrandom, unsigned *n)
{
    unsigned ns = t == WB_F32 ? COUNT(f32_special) : t == WB_F64 ? COUNT(f64_special)
                                                                  : COUNT(int_special);
    uint64_t *v = malloc(sizeof *v * (ns + nrandom));
    assert_non_null(v);
    for (unsigned i = 0; i < ns; i++)
        v[i] = t == WB_F32 ? f32_special[i] : t == WB_F64 ? f64_special[i]
                                                          : int_special[i];
    if (t == WB_I32)
        for (unsigned i = 0; i < ns; i++)
            v[i] = (uint32_t)v[i];
    for (unsigned i = 0; i < nrandom; i++)
        v[ns + i] = random_of(t);
    *n = ns + nrandom;
    return v;
}

/* -- Checking -- */

static unsigned g_checked, g_failed;

static bool matches(const expect *e, int trap, uint64_t got, uint8_t rtype)
{
    bool wide = type_wide(rtype);
    if (e->trap || trap)
        return e->trap == trap;
    if (rtype == WB_I32 || rtype == WB_F32) {
        if (got >> 32) /* i32 zero-extended, f32 stored as 4 bytes */
            return false;
    }
    switch (e->nan) {
    case NAN_CANON: return is_canonical_nan(got, wide);
    case NAN_ARITH: return is_arith_nan(got, wide);
    default:        return got == e->bits;
    }
}

static const char *mode_name(int m)
{
    return m == OPND_REG ? "reg" : m == OPND_SLOT ? "slot" : "const";
}

static void check_one(const jfn *f, uint16_t op, const int *modes, uint64_t a, uint64_t b,
                      bool sse41, bool pressure)
{
    const wb_opinfo *info = &wb_opinfo_table[op];
    uint64_t io[IO_PRESSURE + N_PRESS_X + N_PRESS_G];
    expect e = reference(op, a, b);
    int trap;

    memset(io, 0, sizeof io);
    io[0] = a;
    io[1] = b;
    for (unsigned i = 0; i < N_PRESS_X + N_PRESS_G; i++)
        io[IO_PRESSURE + i] = 0x4000000000000000ull + 0x1111 * (i + 1);
    trap = run(f, io);
    g_checked++;
    if (!matches(&e, trap, io[0], info->result)) {
        if (++g_failed <= 30)
            print_error("%s(%#llx, %#llx) [%s,%s%s%s]: got %s%#llx, want %s%#llx%s\n",
                        info->text, (unsigned long long)a, (unsigned long long)b,
                        mode_name(modes[0]), mode_name(modes[1]), sse41 ? "" : ",sse2",
                        pressure ? ",pressure" : "",
                        trap ? "trap " : "", trap ? (unsigned long long)trap : (unsigned long long)io[0],
                        e.trap ? "trap " : "", e.trap ? (unsigned long long)e.trap : (unsigned long long)e.bits,
                        e.nan == NAN_CANON ? " (canonical NaN)" : e.nan == NAN_ARITH ? " (arithmetic NaN)" : "");
    }
    if (pressure && !trap)
        for (unsigned i = 0; i < N_PRESS_X + N_PRESS_G; i++)
            if (io[IO_PRESSURE + i] != 0x4000000000000000ull + 0x1111 * (i + 1)) {
                if (++g_failed <= 30)
                    print_error("%s: stack entry %u clobbered\n", info->text, i);
                break;
            }
}

/* Runs op over all inputs (pairs for binary operations) with operands
 * in registers and slots, one compiled function per mode combination,
 * plus constant operands (one compile per value) for the specials. */
static void sweep(uint16_t op, unsigned nrandom, bool sse41, bool pressure)
{
    const wb_opinfo *info = &wb_opinfo_table[op];
    bool binary = info->params[1] != 0;
    unsigned na, nb = 1;
    uint64_t *va = inputs_of(info->params[0], nrandom, &na);
    uint64_t *vb = binary ? inputs_of(info->params[1], nrandom / 4, &nb) : NULL;
    static const int combos[][2] = {
        { OPND_REG, OPND_REG }, { OPND_SLOT, OPND_REG }, { OPND_REG, OPND_SLOT },
        { OPND_SLOT, OPND_SLOT },
    };

    for (unsigned m = 0; m < COUNT(combos); m++) {
        jfn f;
        uint64_t k[2] = { 0, 0 };
        if (!binary && combos[m][1] != OPND_REG)
            continue;
        build(&f, op, combos[m], k, sse41, pressure);
        for (unsigned i = 0; i < na; i++)
            for (unsigned j = 0; j < nb; j++)
                check_one(&f, op, combos[m], va[i], vb ? vb[j] : 0, sse41, pressure);
        unbuild(&f);
    }
    /* constants: each special as a constant operand: alone (unary), or
     * with the other operand from a register, or both constants */
    {
        unsigned ns = info->params[0] == WB_F32   ? COUNT(f32_special)
                      : info->params[0] == WB_F64 ? COUNT(f64_special)
                                                  : COUNT(int_special);
        static const int sides[][2] = {
            { OPND_CONST, OPND_REG }, { OPND_CONST, OPND_CONST }, { OPND_REG, OPND_CONST },
        };
        for (unsigned i = 0; i < ns; i++) {
            for (unsigned s = 0; s < (binary ? COUNT(sides) : 1); s++) {
                uint64_t k[2] = { va[i], va[(i * 7 + 3) % ns] };
                jfn f;
                build(&f, op, sides[s], k, sse41, pressure);
                if (sides[s][0] == OPND_CONST)
                    check_one(&f, op, sides[s], k[0], k[1], sse41, pressure);
                else
                    for (unsigned j = 0; j < na; j += 3)
                        check_one(&f, op, sides[s], va[j], k[1], sse41, pressure);
                unbuild(&f);
            }
        }
    }
    free(va);
    free(vb);
}

static void sweep_range(uint16_t first, uint16_t last, unsigned nrandom)
{
    g_checked = g_failed = 0;
    for (uint16_t op = first; op <= last; op++) {
        sweep(op, nrandom, true, false);
        sweep(op, nrandom / 4, false, false);
        sweep(op, 0, true, true);
    }
    print_message("    %u cases checked, %u failed\n", g_checked, g_failed);
    assert_int_equal(g_failed, 0);
}

/* -- Sweeps over every operation of the two families -- */

static void test_f32_compare(void **state) { (void)state; sweep_range(WB_OP_F32_EQ, WB_OP_F32_GE, 64); }
static void test_f64_compare(void **state) { (void)state; sweep_range(WB_OP_F64_EQ, WB_OP_F64_GE, 64); }
static void test_f32_unary(void **state) { (void)state; sweep_range(WB_OP_F32_ABS, WB_OP_F32_SQRT, 4000); }
static void test_f64_unary(void **state) { (void)state; sweep_range(WB_OP_F64_ABS, WB_OP_F64_SQRT, 4000); }
static void test_f32_binary(void **state) { (void)state; sweep_range(WB_OP_F32_ADD, WB_OP_F32_COPYSIGN, 64); }
static void test_f64_binary(void **state) { (void)state; sweep_range(WB_OP_F64_ADD, WB_OP_F64_COPYSIGN, 64); }
static void test_conversions(void **state)
{
    (void)state;
    sweep_range(WB_OP_I32_WRAP_I64, WB_OP_F64_REINTERPRET_I64, 4000);
}
static void test_trunc_sat(void **state)
{
    (void)state;
    sweep_range(WB_OP_I32_TRUNC_SAT_F32_S, WB_OP_I64_TRUNC_SAT_F64_U, 4000);
}

/* -- Explicit rows: the boundaries and NaN rules, written out -- */

typedef struct row {
    uint16_t op;
    uint64_t a, b;
    int trap;           /* expected trap kind, or 0 */
    int nan;            /* EXACT or a NaN class */
    uint64_t want;
} row;

#define OVF WB_ERR_TRAP_INT_OVERFLOW
#define BAD WB_ERR_TRAP_BAD_CONVERSION
#define V(op, a, want) { WB_OP_##op, a, 0, 0, EXACT, want }
#define V2(op, a, b, want) { WB_OP_##op, a, b, 0, EXACT, want }
#define T(op, a, kind) { WB_OP_##op, a, 0, kind, EXACT, 0 }
#define N2(op, a, b, cls) { WB_OP_##op, a, b, 0, cls, 0 }
#define N1(op, a, cls) { WB_OP_##op, a, 0, 0, cls, 0 }

static const row rows[] = {
    /* i32.trunc_f32_s: [-2^31, 2^31) */
    V(I32_TRUNC_F32_S, 0xcf000000, 0x80000000),          /* -2^31 */
    T(I32_TRUNC_F32_S, 0xcf000001, OVF),                 /* -2^31 - 256 */
    V(I32_TRUNC_F32_S, 0x4effffff, 2147483520),          /* 2^31 - 128 */
    T(I32_TRUNC_F32_S, 0x4f000000, OVF),                 /* 2^31 */
    V(I32_TRUNC_F32_S, 0xbf7fffff, 0),                   /* -0.99999994 */
    V(I32_TRUNC_F32_S, 0x80000000, 0),
    T(I32_TRUNC_F32_S, 0x7fc00000, BAD),
    T(I32_TRUNC_F32_S, 0xffa00000, BAD),
    T(I32_TRUNC_F32_S, 0x7f800000, OVF),
    T(I32_TRUNC_F32_S, 0xff800000, OVF),
    /* i32.trunc_f64_s: (-2^31-1, 2^31) */
    V(I32_TRUNC_F64_S, 0xc1e00000001fffff, 0x80000000),  /* -2147483648.9999998 */
    V(I32_TRUNC_F64_S, 0xc1e0000000000000, 0x80000000),  /* -2^31 */
    T(I32_TRUNC_F64_S, 0xc1e0000000200000, OVF),         /* -2^31 - 1 */
    V(I32_TRUNC_F64_S, 0x41dfffffffffffff, 0x7fffffff),  /* 2147483647.9999998 */
    T(I32_TRUNC_F64_S, 0x41e0000000000000, OVF),         /* 2^31 */
    T(I32_TRUNC_F64_S, 0x7ff8000000000000, BAD),
    T(I32_TRUNC_F64_S, 0x7ff0000000000000, OVF),
    /* i32.trunc_f32_u: (-1, 2^32) */
    V(I32_TRUNC_F32_U, 0xbf7fffff, 0),
    T(I32_TRUNC_F32_U, 0xbf800000, OVF),                 /* -1 */
    V(I32_TRUNC_F32_U, 0x4f7fffff, 4294967040u),         /* 2^32 - 256 */
    T(I32_TRUNC_F32_U, 0x4f800000, OVF),                 /* 2^32 */
    T(I32_TRUNC_F32_U, 0xffc00000, BAD),
    /* i32.trunc_f64_u: (-1, 2^32) */
    V(I32_TRUNC_F64_U, 0xbfeccccccccccccd, 0),           /* -0.9 */
    T(I32_TRUNC_F64_U, 0xbff0000000000000, OVF),
    V(I32_TRUNC_F64_U, 0x41efffffffffffff, 0xffffffff),  /* 4294967295.9999995 */
    T(I32_TRUNC_F64_U, 0x41f0000000000000, OVF),
    T(I32_TRUNC_F64_U, 0x7ff4000000000000, BAD),
    /* i64.trunc_f32_s: [-2^63, 2^63) */
    V(I64_TRUNC_F32_S, 0xdf000000, 0x8000000000000000),
    T(I64_TRUNC_F32_S, 0xdf000001, OVF),
    V(I64_TRUNC_F32_S, 0x5effffff, 0x7fffff8000000000),
    T(I64_TRUNC_F32_S, 0x5f000000, OVF),
    T(I64_TRUNC_F32_S, 0x7fc00000, BAD),
    /* i64.trunc_f64_s: [-2^63, 2^63) */
    V(I64_TRUNC_F64_S, 0xc3e0000000000000, 0x8000000000000000),
    T(I64_TRUNC_F64_S, 0xc3e0000000000001, OVF),
    V(I64_TRUNC_F64_S, 0x43dfffffffffffff, 0x7ffffffffffffc00),
    T(I64_TRUNC_F64_S, 0x43e0000000000000, OVF),
    T(I64_TRUNC_F64_S, 0xfff8000000000000, BAD),
    /* i64.trunc_f32_u: (-1, 2^64), the 2^63 split */
    V(I64_TRUNC_F32_U, 0xbf7fffff, 0),
    T(I64_TRUNC_F32_U, 0xbf800000, OVF),
    V(I64_TRUNC_F32_U, 0x5effffff, 0x7fffff8000000000),  /* 2^63 - 2^39 */
    V(I64_TRUNC_F32_U, 0x5f000000, 0x8000000000000000),  /* 2^63 */
    V(I64_TRUNC_F32_U, 0x5f7fffff, 0xffffff0000000000),  /* 2^64 - 2^40 */
    T(I64_TRUNC_F32_U, 0x5f800000, OVF),                 /* 2^64 */
    T(I64_TRUNC_F32_U, 0x7f800000, OVF),
    T(I64_TRUNC_F32_U, 0xff800000, OVF),
    T(I64_TRUNC_F32_U, 0x7fa00000, BAD),
    /* i64.trunc_f64_u: (-1, 2^64) */
    V(I64_TRUNC_F64_U, 0xbfeccccccccccccd, 0),
    T(I64_TRUNC_F64_U, 0xbff0000000000000, OVF),
    V(I64_TRUNC_F64_U, 0x43dfffffffffffff, 0x7ffffffffffffc00),
    V(I64_TRUNC_F64_U, 0x43e0000000000000, 0x8000000000000000),
    V(I64_TRUNC_F64_U, 0x43efffffffffffff, 0xfffffffffffff800),
    T(I64_TRUNC_F64_U, 0x43f0000000000000, OVF),
    T(I64_TRUNC_F64_U, 0xfff8000000000001, BAD),
    /* saturating: NaN -> 0, clamps */
    V(I32_TRUNC_SAT_F32_S, 0x7fc00000, 0),
    V(I32_TRUNC_SAT_F32_S, 0x4f000000, 0x7fffffff),
    V(I32_TRUNC_SAT_F32_S, 0xcf000001, 0x80000000),
    V(I32_TRUNC_SAT_F32_S, 0xff800000, 0x80000000),
    V(I32_TRUNC_SAT_F64_S, 0xc1e0000000200000, 0x80000000),
    V(I32_TRUNC_SAT_F64_S, 0x41e0000000000000, 0x7fffffff),
    V(I32_TRUNC_SAT_F64_S, 0xfff8000000000000, 0),
    V(I32_TRUNC_SAT_F32_U, 0xbf800000, 0),
    V(I32_TRUNC_SAT_F32_U, 0x4f800000, 0xffffffff),
    V(I32_TRUNC_SAT_F32_U, 0x7f800000, 0xffffffff),
    V(I32_TRUNC_SAT_F32_U, 0xffc00000, 0),
    V(I32_TRUNC_SAT_F64_U, 0x41f0000000000000, 0xffffffff),
    V(I32_TRUNC_SAT_F64_U, 0x5f80000000000000, 0xffffffff),
    V(I32_TRUNC_SAT_F64_U, 0xc3e0000000000000, 0),
    V(I64_TRUNC_SAT_F32_S, 0x5f000000, 0x7fffffffffffffff),
    V(I64_TRUNC_SAT_F32_S, 0xdf000000, 0x8000000000000000),
    V(I64_TRUNC_SAT_F32_S, 0xff800000, 0x8000000000000000),
    V(I64_TRUNC_SAT_F32_S, 0x7fa00000, 0),
    V(I64_TRUNC_SAT_F64_S, 0x43e0000000000000, 0x7fffffffffffffff),
    V(I64_TRUNC_SAT_F64_S, 0xc3e0000000000001, 0x8000000000000000),
    V(I64_TRUNC_SAT_F32_U, 0x5f800000, 0xffffffffffffffff),
    V(I64_TRUNC_SAT_F32_U, 0x5f7fffff, 0xffffff0000000000),
    V(I64_TRUNC_SAT_F32_U, 0xbf800000, 0),
    V(I64_TRUNC_SAT_F32_U, 0x7fc00000, 0),
    V(I64_TRUNC_SAT_F64_U, 0x43f0000000000000, 0xffffffffffffffff),
    V(I64_TRUNC_SAT_F64_U, 0x7ff0000000000000, 0xffffffffffffffff),
    V(I64_TRUNC_SAT_F64_U, 0x43e0000000000000, 0x8000000000000000),
    V(I64_TRUNC_SAT_F64_U, 0xfff0000000000000, 0),
    /* unsigned conversions near 2^63 / 2^64 (conversions.wast) */
    V(F32_CONVERT_I64_U, 0x8000008000000001, 0x5f000001),
    V(F32_CONVERT_I64_U, 0x8000008000000000, 0x5f000000), /* tie -> even */
    V(F32_CONVERT_I64_U, 0xfffffe8000000001, 0x5f7fffff),
    V(F32_CONVERT_I64_U, 0xfffffe8000000000, 0x5f7ffffe),
    V(F32_CONVERT_I64_U, 0xffffffffffffffff, 0x5f800000),
    V(F32_CONVERT_I64_U, 0x8000000000000000, 0x5f000000),
    V(F32_CONVERT_I64_U, 0x7fffffffffffffff, 0x5f000000),
    V(F64_CONVERT_I64_U, 0x8000000000000401, 0x43e0000000000001),
    V(F64_CONVERT_I64_U, 0x8000000000000400, 0x43e0000000000000), /* tie -> even */
    V(F64_CONVERT_I64_U, 0xfffffffffffff401, 0x43efffffffffffff),
    V(F64_CONVERT_I64_U, 0xfffffffffffffc00, 0x43f0000000000000),
    V(F64_CONVERT_I64_U, 0xffffffffffffffff, 0x43f0000000000000),
    V(F32_CONVERT_I32_U, 0xffffffff, 0x4f800000),
    V(F32_CONVERT_I32_U, 0x80000080, 0x4f000000),
    V(F32_CONVERT_I32_U, 0x80000081, 0x4f000001),
    V(F64_CONVERT_I32_U, 0xffffffff, 0x41efffffffe00000),
    V(F32_CONVERT_I32_S, 0x80000000, 0xcf000000),
    V(F32_CONVERT_I32_S, 0x01000001, 0x4b800000),         /* 16777217 -> even */
    V(F32_CONVERT_I64_S, 0x0020000020000001, 0x5a000001),
    V(F64_CONVERT_I64_S, 0x0020000000000001, 0x4340000000000000),
    /* NaN rules: sign ops touch only the sign bit */
    V(F32_NEG, 0x7fa00000, 0xffa00000),
    V(F32_NEG, 0xffc12345, 0x7fc12345),
    V(F32_ABS, 0xff800001, 0x7f800001),
    V2(F32_COPYSIGN, 0x7fa00000, 0x80000000, 0xffa00000),
    V(F64_NEG, 0x7ff4000000000000, 0xfff4000000000000),
    V(F64_ABS, 0xfff0000000000001, 0x7ff0000000000001),
    V2(F64_COPYSIGN, 0x3ff0000000000000, 0xfff8000000000000, 0xbff0000000000000),
    /* min/max */
    V2(F32_MIN, 0x80000000, 0x00000000, 0x80000000),
    V2(F32_MIN, 0x00000000, 0x80000000, 0x80000000),
    V2(F32_MAX, 0x80000000, 0x00000000, 0x00000000),
    V2(F32_MAX, 0x00000000, 0x80000000, 0x00000000),
    N2(F32_MIN, 0x7fc00000, 0x3f800000, NAN_CANON),
    N2(F32_MIN, 0x3f800000, 0xffc00000, NAN_CANON),
    N2(F32_MAX, 0x3f800000, 0x7fa00000, NAN_ARITH),
    N2(F32_MAX, 0xff800000, 0x7fc12345, NAN_ARITH),
    V2(F64_MIN, 0x8000000000000000, 0x0000000000000000, 0x8000000000000000),
    V2(F64_MAX, 0x8000000000000000, 0x0000000000000000, 0x0000000000000000),
    V2(F64_MIN, 0xfff0000000000000, 0x7ff0000000000000, 0xfff0000000000000),
    N2(F64_MIN, 0x7ff4000000000000, 0x3ff0000000000000, NAN_ARITH),
    N2(F64_MAX, 0x3ff0000000000000, 0xfff8000000000000, NAN_CANON),
    /* nearest: ties to even, sign kept */
    V(F32_NEAREST, 0x3f000000, 0x00000000),   /* 0.5 -> 0 */
    V(F32_NEAREST, 0xbf000000, 0x80000000),   /* -0.5 -> -0 */
    V(F32_NEAREST, 0x3fc00000, 0x40000000),   /* 1.5 -> 2 */
    V(F32_NEAREST, 0x40200000, 0x40000000),   /* 2.5 -> 2 */
    V(F32_NEAREST, 0xc0600000, 0xc0800000),   /* -3.5 -> -4 */
    V(F32_NEAREST, 0x4affffff, 0x4b000000),   /* 8388607.5 -> 8388608 */
    V(F32_NEAREST, 0x4afffffd, 0x4afffffc),   /* 8388606.5 -> 8388606 */
    V(F64_NEAREST, 0x3fe0000000000000, 0x0000000000000000),
    V(F64_NEAREST, 0xc004000000000000, 0xc000000000000000),   /* -2.5 -> -2 */
    V(F64_NEAREST, 0x432fffffffffffff, 0x4330000000000000),   /* 2^52 - 0.5 */
    V(F64_NEAREST, 0x432ffffffffffffd, 0x432ffffffffffffc),
    V(F32_CEIL, 0xbf000000, 0x80000000),      /* ceil(-0.5) = -0 */
    V(F32_FLOOR, 0x3f000000, 0x00000000),
    V(F32_FLOOR, 0xbf000000, 0xbf800000),
    V(F32_TRUNC, 0xbf7fffff, 0x80000000),
    V(F64_CEIL, 0xbfeccccccccccccd, 0x8000000000000000),
    V(F64_FLOOR, 0x8000000000000001, 0xbff0000000000000),
    V(F64_TRUNC, 0x432fffffffffffff, 0x432ffffffffffffe),
    N1(F32_NEAREST, 0x7fa00000, NAN_ARITH),
    N1(F32_CEIL, 0xffc00000, NAN_CANON),
    N1(F64_FLOOR, 0x7ff4000000000000, NAN_ARITH),
    N1(F64_TRUNC, 0x7ff8000000000000, NAN_CANON),
    /* comparisons with NaN */
    V2(F32_EQ, 0x7fc00000, 0x7fc00000, 0),
    V2(F32_NE, 0x7fc00000, 0x7fc00000, 1),
    V2(F32_LT, 0x7fc00000, 0x3f800000, 0),
    V2(F32_GE, 0x3f800000, 0x7fc00000, 0),
    V2(F32_EQ, 0x80000000, 0x00000000, 1),
    V2(F64_NE, 0x3ff0000000000000, 0x7ff8000000000000, 1),
    V2(F64_LE, 0x7ff8000000000000, 0x7ff8000000000000, 0),
    V2(F64_GT, 0x7ff0000000000000, 0x7fefffffffffffff, 1),
    /* demote/promote */
    V(F32_DEMOTE_F64, 0x47efffffefffffff, 0x7f7fffff),
    V(F32_DEMOTE_F64, 0x47effffff0000000, 0x7f800000),
    V(F32_DEMOTE_F64, 0x36a0000000000000, 0x00000001),
    V(F32_DEMOTE_F64, 0x3690000000000000, 0x00000000),        /* tie -> even 0 */
    N1(F32_DEMOTE_F64, 0x7ff8000000000000, NAN_CANON),
    N1(F32_DEMOTE_F64, 0x7ff4000000000000, NAN_ARITH),
    N1(F64_PROMOTE_F32, 0xffc00000, NAN_CANON),
    N1(F64_PROMOTE_F32, 0x7fa00000, NAN_ARITH),
    V(F64_PROMOTE_F32, 0x00000001, 0x36a0000000000000),
    /* integer width */
    V(I32_WRAP_I64, 0xfedcba9876543210, 0x76543210),
    V(I64_EXTEND_I32_S, 0x80000000, 0xffffffff80000000),
    V(I64_EXTEND_I32_U, 0x80000000, 0x0000000080000000),
};

static void test_rows(void **state)
{
    (void)state;
    g_checked = g_failed = 0;
    for (unsigned i = 0; i < COUNT(rows); i++) {
        const row *r = &rows[i];
        const wb_opinfo *info = &wb_opinfo_table[r->op];
        static const int modes_all[][2] = {
            { OPND_REG, OPND_REG }, { OPND_SLOT, OPND_SLOT }, { OPND_CONST, OPND_CONST },
            { OPND_REG, OPND_CONST }, { OPND_CONST, OPND_REG },
        };
        for (unsigned m = 0; m < COUNT(modes_all); m++) {
            for (int sse41 = 0; sse41 <= 1; sse41++) {
                uint64_t k[2] = { r->a, r->b };
                uint64_t io[IO_PRESSURE + N_PRESS_X + N_PRESS_G];
                expect e = { r->trap, r->nan, r->want };
                jfn f;
                int trap;
                if (!info->params[1] && m >= 3)
                    continue;
                build(&f, r->op, modes_all[m], k, sse41, false);
                memset(io, 0, sizeof io);
                io[0] = r->a;
                io[1] = r->b;
                trap = run(&f, io);
                g_checked++;
                if (!matches(&e, trap, io[0], info->result)) {
                    g_failed++;
                    print_error("row %u %s(%#llx, %#llx) [%s,%s%s]: got %s%#llx\n", i, info->text,
                                (unsigned long long)r->a, (unsigned long long)r->b,
                                mode_name(modes_all[m][0]), mode_name(modes_all[m][1]),
                                sse41 ? "" : ",sse2", trap ? "trap " : "",
                                trap ? (unsigned long long)trap : (unsigned long long)io[0]);
                }
                /* the model agrees with the row */
                {
                    expect m2 = reference(r->op, r->a, r->b);
                    if (m2.trap != e.trap || m2.nan != e.nan || (!e.nan && !e.trap && m2.bits != e.bits)) {
                        g_failed++;
                        print_error("row %u %s: reference model disagrees (%#llx)\n", i, info->text,
                                    (unsigned long long)m2.bits);
                    }
                }
                unbuild(&f);
            }
        }
    }
    print_message("    %u cases checked, %u failed\n", g_checked, g_failed);
    assert_int_equal(g_failed, 0);
}

/* A trap site's kind and wasm offset are recorded for every check; a
 * non-trapping conversion records none. */
static void test_trap_sites(void **state)
{
    (void)state;
    int modes[2] = { OPND_REG, OPND_REG };
    uint64_t k[2] = { 0, 0 };
    jfn f;

    build(&f, WB_OP_I64_TRUNC_F64_U, modes, k, true, false);
    assert_true(f.ntraps >= 2);
    unbuild(&f);
    build(&f, WB_OP_I64_TRUNC_SAT_F64_U, modes, k, true, false);
    assert_int_equal(f.ntraps, 0);
    unbuild(&f);
    build(&f, WB_OP_F64_NEAREST, modes, k, false, false);
    assert_int_equal(f.ntraps, 0);
    unbuild(&f);
}

/* -- Through the public API: wb_compile, wb_instance_new, wb_func_call -- */

/* The module of the public-API tests: one exported function per opcode of
 * the two families, named after it, and a few uses of their results.
 * Produced with `wat2wasm all.wat` from:
 *
 * (module
 *   (func (export "f32.eq") (param f32 f32) (result i32) (f32.eq (local.get 0) (local.get 1)))
 *   (func (export "f32.ne") (param f32 f32) (result i32) (f32.ne (local.get 0) (local.get 1)))
 *   (func (export "f32.lt") (param f32 f32) (result i32) (f32.lt (local.get 0) (local.get 1)))
 *   (func (export "f32.gt") (param f32 f32) (result i32) (f32.gt (local.get 0) (local.get 1)))
 *   (func (export "f32.le") (param f32 f32) (result i32) (f32.le (local.get 0) (local.get 1)))
 *   (func (export "f32.ge") (param f32 f32) (result i32) (f32.ge (local.get 0) (local.get 1)))
 *   (func (export "f64.eq") (param f64 f64) (result i32) (f64.eq (local.get 0) (local.get 1)))
 *   (func (export "f64.ne") (param f64 f64) (result i32) (f64.ne (local.get 0) (local.get 1)))
 *   (func (export "f64.lt") (param f64 f64) (result i32) (f64.lt (local.get 0) (local.get 1)))
 *   (func (export "f64.gt") (param f64 f64) (result i32) (f64.gt (local.get 0) (local.get 1)))
 *   (func (export "f64.le") (param f64 f64) (result i32) (f64.le (local.get 0) (local.get 1)))
 *   (func (export "f64.ge") (param f64 f64) (result i32) (f64.ge (local.get 0) (local.get 1)))
 *   (func (export "f32.abs") (param f32) (result f32) (f32.abs (local.get 0)))
 *   (func (export "f32.neg") (param f32) (result f32) (f32.neg (local.get 0)))
 *   (func (export "f32.ceil") (param f32) (result f32) (f32.ceil (local.get 0)))
 *   (func (export "f32.floor") (param f32) (result f32) (f32.floor (local.get 0)))
 *   (func (export "f32.trunc") (param f32) (result f32) (f32.trunc (local.get 0)))
 *   (func (export "f32.nearest") (param f32) (result f32) (f32.nearest (local.get 0)))
 *   (func (export "f32.sqrt") (param f32) (result f32) (f32.sqrt (local.get 0)))
 *   (func (export "f32.add") (param f32 f32) (result f32) (f32.add (local.get 0) (local.get 1)))
 *   (func (export "f32.sub") (param f32 f32) (result f32) (f32.sub (local.get 0) (local.get 1)))
 *   (func (export "f32.mul") (param f32 f32) (result f32) (f32.mul (local.get 0) (local.get 1)))
 *   (func (export "f32.div") (param f32 f32) (result f32) (f32.div (local.get 0) (local.get 1)))
 *   (func (export "f32.min") (param f32 f32) (result f32) (f32.min (local.get 0) (local.get 1)))
 *   (func (export "f32.max") (param f32 f32) (result f32) (f32.max (local.get 0) (local.get 1)))
 *   (func (export "f32.copysign") (param f32 f32) (result f32) (f32.copysign (local.get 0) (local.get 1)))
 *   (func (export "f64.abs") (param f64) (result f64) (f64.abs (local.get 0)))
 *   (func (export "f64.neg") (param f64) (result f64) (f64.neg (local.get 0)))
 *   (func (export "f64.ceil") (param f64) (result f64) (f64.ceil (local.get 0)))
 *   (func (export "f64.floor") (param f64) (result f64) (f64.floor (local.get 0)))
 *   (func (export "f64.trunc") (param f64) (result f64) (f64.trunc (local.get 0)))
 *   (func (export "f64.nearest") (param f64) (result f64) (f64.nearest (local.get 0)))
 *   (func (export "f64.sqrt") (param f64) (result f64) (f64.sqrt (local.get 0)))
 *   (func (export "f64.add") (param f64 f64) (result f64) (f64.add (local.get 0) (local.get 1)))
 *   (func (export "f64.sub") (param f64 f64) (result f64) (f64.sub (local.get 0) (local.get 1)))
 *   (func (export "f64.mul") (param f64 f64) (result f64) (f64.mul (local.get 0) (local.get 1)))
 *   (func (export "f64.div") (param f64 f64) (result f64) (f64.div (local.get 0) (local.get 1)))
 *   (func (export "f64.min") (param f64 f64) (result f64) (f64.min (local.get 0) (local.get 1)))
 *   (func (export "f64.max") (param f64 f64) (result f64) (f64.max (local.get 0) (local.get 1)))
 *   (func (export "f64.copysign") (param f64 f64) (result f64) (f64.copysign (local.get 0) (local.get 1)))
 *   (func (export "i32.wrap_i64") (param i64) (result i32) (i32.wrap_i64 (local.get 0)))
 *   (func (export "i32.trunc_f32_s") (param f32) (result i32) (i32.trunc_f32_s (local.get 0)))
 *   (func (export "i32.trunc_f32_u") (param f32) (result i32) (i32.trunc_f32_u (local.get 0)))
 *   (func (export "i32.trunc_f64_s") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
 *   (func (export "i32.trunc_f64_u") (param f64) (result i32) (i32.trunc_f64_u (local.get 0)))
 *   (func (export "i64.extend_i32_s") (param i32) (result i64) (i64.extend_i32_s (local.get 0)))
 *   (func (export "i64.extend_i32_u") (param i32) (result i64) (i64.extend_i32_u (local.get 0)))
 *   (func (export "i64.trunc_f32_s") (param f32) (result i64) (i64.trunc_f32_s (local.get 0)))
 *   (func (export "i64.trunc_f32_u") (param f32) (result i64) (i64.trunc_f32_u (local.get 0)))
 *   (func (export "i64.trunc_f64_s") (param f64) (result i64) (i64.trunc_f64_s (local.get 0)))
 *   (func (export "i64.trunc_f64_u") (param f64) (result i64) (i64.trunc_f64_u (local.get 0)))
 *   (func (export "f32.convert_i32_s") (param i32) (result f32) (f32.convert_i32_s (local.get 0)))
 *   (func (export "f32.convert_i32_u") (param i32) (result f32) (f32.convert_i32_u (local.get 0)))
 *   (func (export "f32.convert_i64_s") (param i64) (result f32) (f32.convert_i64_s (local.get 0)))
 *   (func (export "f32.convert_i64_u") (param i64) (result f32) (f32.convert_i64_u (local.get 0)))
 *   (func (export "f32.demote_f64") (param f64) (result f32) (f32.demote_f64 (local.get 0)))
 *   (func (export "f64.convert_i32_s") (param i32) (result f64) (f64.convert_i32_s (local.get 0)))
 *   (func (export "f64.convert_i32_u") (param i32) (result f64) (f64.convert_i32_u (local.get 0)))
 *   (func (export "f64.convert_i64_s") (param i64) (result f64) (f64.convert_i64_s (local.get 0)))
 *   (func (export "f64.convert_i64_u") (param i64) (result f64) (f64.convert_i64_u (local.get 0)))
 *   (func (export "f64.promote_f32") (param f32) (result f64) (f64.promote_f32 (local.get 0)))
 *   (func (export "i32.reinterpret_f32") (param f32) (result i32) (i32.reinterpret_f32 (local.get 0)))
 *   (func (export "i64.reinterpret_f64") (param f64) (result i64) (i64.reinterpret_f64 (local.get 0)))
 *   (func (export "f32.reinterpret_i32") (param i32) (result f32) (f32.reinterpret_i32 (local.get 0)))
 *   (func (export "f64.reinterpret_i64") (param i64) (result f64) (f64.reinterpret_i64 (local.get 0)))
 *   (func (export "i32.trunc_sat_f32_s") (param f32) (result i32) (i32.trunc_sat_f32_s (local.get 0)))
 *   (func (export "i32.trunc_sat_f32_u") (param f32) (result i32) (i32.trunc_sat_f32_u (local.get 0)))
 *   (func (export "i32.trunc_sat_f64_s") (param f64) (result i32) (i32.trunc_sat_f64_s (local.get 0)))
 *   (func (export "i32.trunc_sat_f64_u") (param f64) (result i32) (i32.trunc_sat_f64_u (local.get 0)))
 *   (func (export "i64.trunc_sat_f32_s") (param f32) (result i64) (i64.trunc_sat_f32_s (local.get 0)))
 *   (func (export "i64.trunc_sat_f32_u") (param f32) (result i64) (i64.trunc_sat_f32_u (local.get 0)))
 *   (func (export "i64.trunc_sat_f64_s") (param f64) (result i64) (i64.trunc_sat_f64_s (local.get 0)))
 *   (func (export "i64.trunc_sat_f64_u") (param f64) (result i64) (i64.trunc_sat_f64_u (local.get 0)))
 *   ;; conditions consumed by select, br_if and if
 *   (func (export "f64.lt/select") (param f64 f64) (result i32)
 *     (select (i32.const 10) (i32.const 20) (f64.lt (local.get 0) (local.get 1))))
 *   (func (export "f32.ge/br_if") (param f32 f32) (result i32)
 *     (block (br_if 0 (f32.ge (local.get 0) (local.get 1))) (return (i32.const 20)))
 *     (i32.const 10))
 *   (func (export "f32.eq/if") (param f32 f32) (result i32)
 *     (if (result i32) (f32.eq (local.get 0) (local.get 1))
 *       (then (i32.const 10)) (else (i32.const 20))))
 *   (func (export "f64.ne/eqz") (param f64 f64) (result i32)
 *     (i32.eqz (f64.ne (local.get 0) (local.get 1))))
 *   ;; values live across a trapping conversion and a min/max sequence
 *   (func (export "mix") (param f64 f32 i64) (result f64)
 *     (f64.add
 *       (f64.add (local.get 0) (f64.convert_i64_u (local.get 2)))
 *       (f64.add
 *         (f64.promote_f32 (f32.max (local.get 1) (f32.min (local.get 1) (f32.const -0))))
 *         (f64.convert_i32_s (i32.trunc_f64_s (f64.nearest (local.get 0)))))))
 * )
 */
static const uint8_t api_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x66, 0x13, 0x60, 0x02, 0x7d, 0x7d, 0x01,
    0x7f, 0x60, 0x02, 0x7c, 0x7c, 0x01, 0x7f, 0x60, 0x01, 0x7d, 0x01, 0x7d, 0x60, 0x02, 0x7d, 0x7d,
    0x01, 0x7d, 0x60, 0x01, 0x7c, 0x01, 0x7c, 0x60, 0x02, 0x7c, 0x7c, 0x01, 0x7c, 0x60, 0x01, 0x7e,
    0x01, 0x7f, 0x60, 0x01, 0x7d, 0x01, 0x7f, 0x60, 0x01, 0x7c, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01,
    0x7e, 0x60, 0x01, 0x7d, 0x01, 0x7e, 0x60, 0x01, 0x7c, 0x01, 0x7e, 0x60, 0x01, 0x7f, 0x01, 0x7d,
    0x60, 0x01, 0x7e, 0x01, 0x7d, 0x60, 0x01, 0x7c, 0x01, 0x7d, 0x60, 0x01, 0x7f, 0x01, 0x7c, 0x60,
    0x01, 0x7e, 0x01, 0x7c, 0x60, 0x01, 0x7d, 0x01, 0x7c, 0x60, 0x03, 0x7c, 0x7d, 0x7e, 0x01, 0x7c,
    0x03, 0x4f, 0x4e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x02,
    0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x04, 0x04, 0x04,
    0x04, 0x04, 0x04, 0x04, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x06, 0x07, 0x07, 0x08, 0x08,
    0x09, 0x09, 0x0a, 0x0a, 0x0b, 0x0b, 0x0c, 0x0c, 0x0d, 0x0d, 0x0e, 0x0f, 0x0f, 0x10, 0x10, 0x11,
    0x07, 0x0b, 0x0c, 0x10, 0x07, 0x07, 0x08, 0x08, 0x0a, 0x0a, 0x0b, 0x0b, 0x01, 0x00, 0x00, 0x01,
    0x12, 0x07, 0xf1, 0x08, 0x4e, 0x06, 0x66, 0x33, 0x32, 0x2e, 0x65, 0x71, 0x00, 0x00, 0x06, 0x66,
    0x33, 0x32, 0x2e, 0x6e, 0x65, 0x00, 0x01, 0x06, 0x66, 0x33, 0x32, 0x2e, 0x6c, 0x74, 0x00, 0x02,
    0x06, 0x66, 0x33, 0x32, 0x2e, 0x67, 0x74, 0x00, 0x03, 0x06, 0x66, 0x33, 0x32, 0x2e, 0x6c, 0x65,
    0x00, 0x04, 0x06, 0x66, 0x33, 0x32, 0x2e, 0x67, 0x65, 0x00, 0x05, 0x06, 0x66, 0x36, 0x34, 0x2e,
    0x65, 0x71, 0x00, 0x06, 0x06, 0x66, 0x36, 0x34, 0x2e, 0x6e, 0x65, 0x00, 0x07, 0x06, 0x66, 0x36,
    0x34, 0x2e, 0x6c, 0x74, 0x00, 0x08, 0x06, 0x66, 0x36, 0x34, 0x2e, 0x67, 0x74, 0x00, 0x09, 0x06,
    0x66, 0x36, 0x34, 0x2e, 0x6c, 0x65, 0x00, 0x0a, 0x06, 0x66, 0x36, 0x34, 0x2e, 0x67, 0x65, 0x00,
    0x0b, 0x07, 0x66, 0x33, 0x32, 0x2e, 0x61, 0x62, 0x73, 0x00, 0x0c, 0x07, 0x66, 0x33, 0x32, 0x2e,
    0x6e, 0x65, 0x67, 0x00, 0x0d, 0x08, 0x66, 0x33, 0x32, 0x2e, 0x63, 0x65, 0x69, 0x6c, 0x00, 0x0e,
    0x09, 0x66, 0x33, 0x32, 0x2e, 0x66, 0x6c, 0x6f, 0x6f, 0x72, 0x00, 0x0f, 0x09, 0x66, 0x33, 0x32,
    0x2e, 0x74, 0x72, 0x75, 0x6e, 0x63, 0x00, 0x10, 0x0b, 0x66, 0x33, 0x32, 0x2e, 0x6e, 0x65, 0x61,
    0x72, 0x65, 0x73, 0x74, 0x00, 0x11, 0x08, 0x66, 0x33, 0x32, 0x2e, 0x73, 0x71, 0x72, 0x74, 0x00,
    0x12, 0x07, 0x66, 0x33, 0x32, 0x2e, 0x61, 0x64, 0x64, 0x00, 0x13, 0x07, 0x66, 0x33, 0x32, 0x2e,
    0x73, 0x75, 0x62, 0x00, 0x14, 0x07, 0x66, 0x33, 0x32, 0x2e, 0x6d, 0x75, 0x6c, 0x00, 0x15, 0x07,
    0x66, 0x33, 0x32, 0x2e, 0x64, 0x69, 0x76, 0x00, 0x16, 0x07, 0x66, 0x33, 0x32, 0x2e, 0x6d, 0x69,
    0x6e, 0x00, 0x17, 0x07, 0x66, 0x33, 0x32, 0x2e, 0x6d, 0x61, 0x78, 0x00, 0x18, 0x0c, 0x66, 0x33,
    0x32, 0x2e, 0x63, 0x6f, 0x70, 0x79, 0x73, 0x69, 0x67, 0x6e, 0x00, 0x19, 0x07, 0x66, 0x36, 0x34,
    0x2e, 0x61, 0x62, 0x73, 0x00, 0x1a, 0x07, 0x66, 0x36, 0x34, 0x2e, 0x6e, 0x65, 0x67, 0x00, 0x1b,
    0x08, 0x66, 0x36, 0x34, 0x2e, 0x63, 0x65, 0x69, 0x6c, 0x00, 0x1c, 0x09, 0x66, 0x36, 0x34, 0x2e,
    0x66, 0x6c, 0x6f, 0x6f, 0x72, 0x00, 0x1d, 0x09, 0x66, 0x36, 0x34, 0x2e, 0x74, 0x72, 0x75, 0x6e,
    0x63, 0x00, 0x1e, 0x0b, 0x66, 0x36, 0x34, 0x2e, 0x6e, 0x65, 0x61, 0x72, 0x65, 0x73, 0x74, 0x00,
    0x1f, 0x08, 0x66, 0x36, 0x34, 0x2e, 0x73, 0x71, 0x72, 0x74, 0x00, 0x20, 0x07, 0x66, 0x36, 0x34,
    0x2e, 0x61, 0x64, 0x64, 0x00, 0x21, 0x07, 0x66, 0x36, 0x34, 0x2e, 0x73, 0x75, 0x62, 0x00, 0x22,
    0x07, 0x66, 0x36, 0x34, 0x2e, 0x6d, 0x75, 0x6c, 0x00, 0x23, 0x07, 0x66, 0x36, 0x34, 0x2e, 0x64,
    0x69, 0x76, 0x00, 0x24, 0x07, 0x66, 0x36, 0x34, 0x2e, 0x6d, 0x69, 0x6e, 0x00, 0x25, 0x07, 0x66,
    0x36, 0x34, 0x2e, 0x6d, 0x61, 0x78, 0x00, 0x26, 0x0c, 0x66, 0x36, 0x34, 0x2e, 0x63, 0x6f, 0x70,
    0x79, 0x73, 0x69, 0x67, 0x6e, 0x00, 0x27, 0x0c, 0x69, 0x33, 0x32, 0x2e, 0x77, 0x72, 0x61, 0x70,
    0x5f, 0x69, 0x36, 0x34, 0x00, 0x28, 0x0f, 0x69, 0x33, 0x32, 0x2e, 0x74, 0x72, 0x75, 0x6e, 0x63,
    0x5f, 0x66, 0x33, 0x32, 0x5f, 0x73, 0x00, 0x29, 0x0f, 0x69, 0x33, 0x32, 0x2e, 0x74, 0x72, 0x75,
    0x6e, 0x63, 0x5f, 0x66, 0x33, 0x32, 0x5f, 0x75, 0x00, 0x2a, 0x0f, 0x69, 0x33, 0x32, 0x2e, 0x74,
    0x72, 0x75, 0x6e, 0x63, 0x5f, 0x66, 0x36, 0x34, 0x5f, 0x73, 0x00, 0x2b, 0x0f, 0x69, 0x33, 0x32,
    0x2e, 0x74, 0x72, 0x75, 0x6e, 0x63, 0x5f, 0x66, 0x36, 0x34, 0x5f, 0x75, 0x00, 0x2c, 0x10, 0x69,
    0x36, 0x34, 0x2e, 0x65, 0x78, 0x74, 0x65, 0x6e, 0x64, 0x5f, 0x69, 0x33, 0x32, 0x5f, 0x73, 0x00,
    0x2d, 0x10, 0x69, 0x36, 0x34, 0x2e, 0x65, 0x78, 0x74, 0x65, 0x6e, 0x64, 0x5f, 0x69, 0x33, 0x32,
    0x5f, 0x75, 0x00, 0x2e, 0x0f, 0x69, 0x36, 0x34, 0x2e, 0x74, 0x72, 0x75, 0x6e, 0x63, 0x5f, 0x66,
    0x33, 0x32, 0x5f, 0x73, 0x00, 0x2f, 0x0f, 0x69, 0x36, 0x34, 0x2e, 0x74, 0x72, 0x75, 0x6e, 0x63,
    0x5f, 0x66, 0x33, 0x32, 0x5f, 0x75, 0x00, 0x30, 0x0f, 0x69, 0x36, 0x34, 0x2e, 0x74, 0x72, 0x75,
    0x6e, 0x63, 0x5f, 0x66, 0x36, 0x34, 0x5f, 0x73, 0x00, 0x31, 0x0f, 0x69, 0x36, 0x34, 0x2e, 0x74,
    0x72, 0x75, 0x6e, 0x63, 0x5f, 0x66, 0x36, 0x34, 0x5f, 0x75, 0x00, 0x32, 0x11, 0x66, 0x33, 0x32,
    0x2e, 0x63, 0x6f, 0x6e, 0x76, 0x65, 0x72, 0x74, 0x5f, 0x69, 0x33, 0x32, 0x5f, 0x73, 0x00, 0x33,
    0x11, 0x66, 0x33, 0x32, 0x2e, 0x63, 0x6f, 0x6e, 0x76, 0x65, 0x72, 0x74, 0x5f, 0x69, 0x33, 0x32,
    0x5f, 0x75, 0x00, 0x34, 0x11, 0x66, 0x33, 0x32, 0x2e, 0x63, 0x6f, 0x6e, 0x76, 0x65, 0x72, 0x74,
    0x5f, 0x69, 0x36, 0x34, 0x5f, 0x73, 0x00, 0x35, 0x11, 0x66, 0x33, 0x32, 0x2e, 0x63, 0x6f, 0x6e,
    0x76, 0x65, 0x72, 0x74, 0x5f, 0x69, 0x36, 0x34, 0x5f, 0x75, 0x00, 0x36, 0x0e, 0x66, 0x33, 0x32,
    0x2e, 0x64, 0x65, 0x6d, 0x6f, 0x74, 0x65, 0x5f, 0x66, 0x36, 0x34, 0x00, 0x37, 0x11, 0x66, 0x36,
    0x34, 0x2e, 0x63, 0x6f, 0x6e, 0x76, 0x65, 0x72, 0x74, 0x5f, 0x69, 0x33, 0x32, 0x5f, 0x73, 0x00,
    0x38, 0x11, 0x66, 0x36, 0x34, 0x2e, 0x63, 0x6f, 0x6e, 0x76, 0x65, 0x72, 0x74, 0x5f, 0x69, 0x33,
    0x32, 0x5f, 0x75, 0x00, 0x39, 0x11, 0x66, 0x36, 0x34, 0x2e, 0x63, 0x6f, 0x6e, 0x76, 0x65, 0x72,
    0x74, 0x5f, 0x69, 0x36, 0x34, 0x5f, 0x73, 0x00, 0x3a, 0x11, 0x66, 0x36, 0x34, 0x2e, 0x63, 0x6f,
    0x6e, 0x76, 0x65, 0x72, 0x74, 0x5f, 0x69, 0x36, 0x34, 0x5f, 0x75, 0x00, 0x3b, 0x0f, 0x66, 0x36,
    0x34, 0x2e, 0x70, 0x72, 0x6f, 0x6d, 0x6f, 0x74, 0x65, 0x5f, 0x66, 0x33, 0x32, 0x00, 0x3c, 0x13,
    0x69, 0x33, 0x32, 0x2e, 0x72, 0x65, 0x69, 0x6e, 0x74, 0x65, 0x72, 0x70, 0x72, 0x65, 0x74, 0x5f,
    0x66, 0x33, 0x32, 0x00, 0x3d, 0x13, 0x69, 0x36, 0x34, 0x2e, 0x72, 0x65, 0x69, 0x6e, 0x74, 0x65,
    0x72, 0x70, 0x72, 0x65, 0x74, 0x5f, 0x66, 0x36, 0x34, 0x00, 0x3e, 0x13, 0x66, 0x33, 0x32, 0x2e,
    0x72, 0x65, 0x69, 0x6e, 0x74, 0x65, 0x72, 0x70, 0x72, 0x65, 0x74, 0x5f, 0x69, 0x33, 0x32, 0x00,
    0x3f, 0x13, 0x66, 0x36, 0x34, 0x2e, 0x72, 0x65, 0x69, 0x6e, 0x74, 0x65, 0x72, 0x70, 0x72, 0x65,
    0x74, 0x5f, 0x69, 0x36, 0x34, 0x00, 0x40, 0x13, 0x69, 0x33, 0x32, 0x2e, 0x74, 0x72, 0x75, 0x6e,
    0x63, 0x5f, 0x73, 0x61, 0x74, 0x5f, 0x66, 0x33, 0x32, 0x5f, 0x73, 0x00, 0x41, 0x13, 0x69, 0x33,
    0x32, 0x2e, 0x74, 0x72, 0x75, 0x6e, 0x63, 0x5f, 0x73, 0x61, 0x74, 0x5f, 0x66, 0x33, 0x32, 0x5f,
    0x75, 0x00, 0x42, 0x13, 0x69, 0x33, 0x32, 0x2e, 0x74, 0x72, 0x75, 0x6e, 0x63, 0x5f, 0x73, 0x61,
    0x74, 0x5f, 0x66, 0x36, 0x34, 0x5f, 0x73, 0x00, 0x43, 0x13, 0x69, 0x33, 0x32, 0x2e, 0x74, 0x72,
    0x75, 0x6e, 0x63, 0x5f, 0x73, 0x61, 0x74, 0x5f, 0x66, 0x36, 0x34, 0x5f, 0x75, 0x00, 0x44, 0x13,
    0x69, 0x36, 0x34, 0x2e, 0x74, 0x72, 0x75, 0x6e, 0x63, 0x5f, 0x73, 0x61, 0x74, 0x5f, 0x66, 0x33,
    0x32, 0x5f, 0x73, 0x00, 0x45, 0x13, 0x69, 0x36, 0x34, 0x2e, 0x74, 0x72, 0x75, 0x6e, 0x63, 0x5f,
    0x73, 0x61, 0x74, 0x5f, 0x66, 0x33, 0x32, 0x5f, 0x75, 0x00, 0x46, 0x13, 0x69, 0x36, 0x34, 0x2e,
    0x74, 0x72, 0x75, 0x6e, 0x63, 0x5f, 0x73, 0x61, 0x74, 0x5f, 0x66, 0x36, 0x34, 0x5f, 0x73, 0x00,
    0x47, 0x13, 0x69, 0x36, 0x34, 0x2e, 0x74, 0x72, 0x75, 0x6e, 0x63, 0x5f, 0x73, 0x61, 0x74, 0x5f,
    0x66, 0x36, 0x34, 0x5f, 0x75, 0x00, 0x48, 0x0d, 0x66, 0x36, 0x34, 0x2e, 0x6c, 0x74, 0x2f, 0x73,
    0x65, 0x6c, 0x65, 0x63, 0x74, 0x00, 0x49, 0x0c, 0x66, 0x33, 0x32, 0x2e, 0x67, 0x65, 0x2f, 0x62,
    0x72, 0x5f, 0x69, 0x66, 0x00, 0x4a, 0x09, 0x66, 0x33, 0x32, 0x2e, 0x65, 0x71, 0x2f, 0x69, 0x66,
    0x00, 0x4b, 0x0a, 0x66, 0x36, 0x34, 0x2e, 0x6e, 0x65, 0x2f, 0x65, 0x71, 0x7a, 0x00, 0x4c, 0x03,
    0x6d, 0x69, 0x78, 0x00, 0x4d, 0x0a, 0xc7, 0x04, 0x4e, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x5b,
    0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x5c, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x5d,
    0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x5e, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x5f,
    0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x60, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x61,
    0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x62, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x63,
    0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x64, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x65,
    0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x66, 0x0b, 0x05, 0x00, 0x20, 0x00, 0x8b, 0x0b, 0x05,
    0x00, 0x20, 0x00, 0x8c, 0x0b, 0x05, 0x00, 0x20, 0x00, 0x8d, 0x0b, 0x05, 0x00, 0x20, 0x00, 0x8e,
    0x0b, 0x05, 0x00, 0x20, 0x00, 0x8f, 0x0b, 0x05, 0x00, 0x20, 0x00, 0x90, 0x0b, 0x05, 0x00, 0x20,
    0x00, 0x91, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x92, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20,
    0x01, 0x93, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x94, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20,
    0x01, 0x95, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x96, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20,
    0x01, 0x97, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x98, 0x0b, 0x05, 0x00, 0x20, 0x00, 0x99,
    0x0b, 0x05, 0x00, 0x20, 0x00, 0x9a, 0x0b, 0x05, 0x00, 0x20, 0x00, 0x9b, 0x0b, 0x05, 0x00, 0x20,
    0x00, 0x9c, 0x0b, 0x05, 0x00, 0x20, 0x00, 0x9d, 0x0b, 0x05, 0x00, 0x20, 0x00, 0x9e, 0x0b, 0x05,
    0x00, 0x20, 0x00, 0x9f, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0xa0, 0x0b, 0x07, 0x00, 0x20,
    0x00, 0x20, 0x01, 0xa1, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0xa2, 0x0b, 0x07, 0x00, 0x20,
    0x00, 0x20, 0x01, 0xa3, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0xa4, 0x0b, 0x07, 0x00, 0x20,
    0x00, 0x20, 0x01, 0xa5, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0xa6, 0x0b, 0x05, 0x00, 0x20,
    0x00, 0xa7, 0x0b, 0x05, 0x00, 0x20, 0x00, 0xa8, 0x0b, 0x05, 0x00, 0x20, 0x00, 0xa9, 0x0b, 0x05,
    0x00, 0x20, 0x00, 0xaa, 0x0b, 0x05, 0x00, 0x20, 0x00, 0xab, 0x0b, 0x05, 0x00, 0x20, 0x00, 0xac,
    0x0b, 0x05, 0x00, 0x20, 0x00, 0xad, 0x0b, 0x05, 0x00, 0x20, 0x00, 0xae, 0x0b, 0x05, 0x00, 0x20,
    0x00, 0xaf, 0x0b, 0x05, 0x00, 0x20, 0x00, 0xb0, 0x0b, 0x05, 0x00, 0x20, 0x00, 0xb1, 0x0b, 0x05,
    0x00, 0x20, 0x00, 0xb2, 0x0b, 0x05, 0x00, 0x20, 0x00, 0xb3, 0x0b, 0x05, 0x00, 0x20, 0x00, 0xb4,
    0x0b, 0x05, 0x00, 0x20, 0x00, 0xb5, 0x0b, 0x05, 0x00, 0x20, 0x00, 0xb6, 0x0b, 0x05, 0x00, 0x20,
    0x00, 0xb7, 0x0b, 0x05, 0x00, 0x20, 0x00, 0xb8, 0x0b, 0x05, 0x00, 0x20, 0x00, 0xb9, 0x0b, 0x05,
    0x00, 0x20, 0x00, 0xba, 0x0b, 0x05, 0x00, 0x20, 0x00, 0xbb, 0x0b, 0x05, 0x00, 0x20, 0x00, 0xbc,
    0x0b, 0x05, 0x00, 0x20, 0x00, 0xbd, 0x0b, 0x05, 0x00, 0x20, 0x00, 0xbe, 0x0b, 0x05, 0x00, 0x20,
    0x00, 0xbf, 0x0b, 0x06, 0x00, 0x20, 0x00, 0xfc, 0x00, 0x0b, 0x06, 0x00, 0x20, 0x00, 0xfc, 0x01,
    0x0b, 0x06, 0x00, 0x20, 0x00, 0xfc, 0x02, 0x0b, 0x06, 0x00, 0x20, 0x00, 0xfc, 0x03, 0x0b, 0x06,
    0x00, 0x20, 0x00, 0xfc, 0x04, 0x0b, 0x06, 0x00, 0x20, 0x00, 0xfc, 0x05, 0x0b, 0x06, 0x00, 0x20,
    0x00, 0xfc, 0x06, 0x0b, 0x06, 0x00, 0x20, 0x00, 0xfc, 0x07, 0x0b, 0x0c, 0x00, 0x41, 0x0a, 0x41,
    0x14, 0x20, 0x00, 0x20, 0x01, 0x63, 0x1b, 0x0b, 0x11, 0x00, 0x02, 0x40, 0x20, 0x00, 0x20, 0x01,
    0x60, 0x0d, 0x00, 0x41, 0x14, 0x0f, 0x0b, 0x41, 0x0a, 0x0b, 0x0f, 0x00, 0x20, 0x00, 0x20, 0x01,
    0x5b, 0x04, 0x7f, 0x41, 0x0a, 0x05, 0x41, 0x14, 0x0b, 0x0b, 0x08, 0x00, 0x20, 0x00, 0x20, 0x01,
    0x62, 0x45, 0x0b, 0x1b, 0x00, 0x20, 0x00, 0x20, 0x02, 0xba, 0xa0, 0x20, 0x01, 0x20, 0x01, 0x43,
    0x00, 0x00, 0x00, 0x80, 0x96, 0x97, 0xbb, 0x20, 0x00, 0x9e, 0xaa, 0xb7, 0xa0, 0xa0, 0x0b,
};

/* The runtime installs its trap handlers once per process, at the first
 * call; cmocka installs its own for SIGILL, SIGSEGV, ... around every test,
 * hiding the runtime's in later tests. main() captures the runtime's
 * handlers after one call and each API test puts them back. */
static const int rt_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE };
static struct sigaction rt_actions[4];
static bool rt_captured;

typedef struct api {
    wb_engine *e;
    wb_compiled *cm;
    wb_store *s;
    wb_instance *inst;
} api;

static void api_open(api *a)
{
    wb_diag d;
    wb_trap *trap = NULL;
    memset(a, 0, sizeof *a);
    memset(&d, 0, sizeof d);
    a->e = wb_engine_new(NULL);
    assert_non_null(a->e);
    assert_int_equal(wb_compile(a->e, api_wasm, sizeof api_wasm, &a->cm, &d), WB_OK);
    a->s = wb_store_new(a->e);
    assert_non_null(a->s);
    assert_int_equal(wb_instance_new(a->s, a->cm, NULL, 0, &a->inst, &trap, &d), WB_OK);
    if (rt_captured)
        for (unsigned i = 0; i < COUNT(rt_signals); i++)
            sigaction(rt_signals[i], &rt_actions[i], NULL);
}

static void api_close(api *a)
{
    wb_store_free(a->s);
    wb_compiled_free(a->cm);
    wb_engine_free(a->e);
}

static wb_rt_func *api_func(const api *a, const char *name)
{
    wb_extern x;
    if (!wb_instance_export(a->inst, name, strlen(name), &x) || x.kind != WB_EXTERN_FUNC)
        fail_msg("export %s missing", name);
    return x.of.func;
}

static wb_val api_val(uint8_t t, uint64_t bits)
{
    wb_val v;
    memset(&v, 0, sizeof v);
    v.type = t;
    switch (t) {
    case WB_I32: v.of.i32 = (int32_t)(uint32_t)bits; break;
    case WB_F32: v.of.f32 = (uint32_t)bits; break;
    case WB_I64: v.of.i64 = (int64_t)bits; break;
    default:     v.of.f64 = bits; break;
    }
    return v;
}

static uint64_t api_bits(const wb_val *v)
{
    switch (v->type) {
    case WB_I32: return (uint32_t)v->of.i32;
    case WB_F32: return v->of.f32;
    case WB_I64: return (uint64_t)v->of.i64;
    default:     return v->of.f64;
    }
}

/* Calls f with up to 3 operands; returns 0 or the trap kind, result in *r. */
static int api_call(const api *a, wb_rt_func *f, const uint8_t *types, unsigned n,
                    const uint64_t *in, wb_val *r)
{
    wb_val args[3];
    wb_trap *trap = NULL;
    wb_err err;
    int kind;
    for (unsigned i = 0; i < n; i++)
        args[i] = api_val(types[i], in[i]);
    memset(r, 0, sizeof *r);
    err = wb_func_call(a->s, f, args, n, r, 1, &trap);
    if (err == WB_OK)
        return 0;
    assert_int_equal(err, WB_ERR_TRAP);
    assert_non_null(trap);
    kind = (int)wb_trap_kind(trap);
    wb_trap_free(trap);
    return kind;
}

static void api_check(const api *a, uint16_t op, wb_rt_func *f, uint64_t x, uint64_t y,
                      const expect *want)
{
    const wb_opinfo *info = &wb_opinfo_table[op];
    uint8_t types[2] = { info->params[0], info->params[1] };
    uint64_t in[2] = { x, y };
    expect e = want ? *want : reference(op, x, y);
    wb_val r;
    int trap = api_call(a, f, types, info->params[1] ? 2 : 1, in, &r);
    g_checked++;
    if (!matches(&e, trap, trap ? 0 : api_bits(&r), info->result) && ++g_failed <= 30)
        print_error("api %s(%#llx, %#llx): got %s%#llx, want %s%#llx\n", info->text,
                    (unsigned long long)x, (unsigned long long)y, trap ? "trap " : "",
                    trap ? (unsigned long long)trap : (unsigned long long)api_bits(&r),
                    e.trap ? "trap " : "", e.trap ? (unsigned long long)e.trap : (unsigned long long)e.bits);
}

/* The module compiles through the compiler's own entry point too, with a
 * trap site for every trapping truncation check. */
static void test_api_module_compiles(void **state)
{
    (void)state;
    wb_module *m = NULL;
    wb_artifact *art = NULL;
    wb_tunables t;
    wb_diag d;
    memset(&d, 0, sizeof d);
    assert_int_equal(wb_module_load(api_wasm, sizeof api_wasm, &m, &d), WB_OK);
    wb_tunables_default(&t);
    t.opt_level = 0;
    assert_int_equal(wb_jit_compile(m, &t, &art, &d), WB_OK);
    assert_int_equal(art->nfuncs, m->ncodes);
    assert_true(art->ntraps >= 2 * 8);
    wb_artifact_free(art);
    wb_module_free(m);
}

static void api_range(const api *a, uint16_t first, uint16_t last)
{
    for (uint16_t op = first; op <= last; op++) {
        const wb_opinfo *info = &wb_opinfo_table[op];
        wb_rt_func *f = api_func(a, info->text);
        unsigned na, nb = 1;
        uint64_t *va = inputs_of(info->params[0], 256, &na);
        uint64_t *vb = info->params[1] ? inputs_of(info->params[1], 16, &nb) : NULL;
        for (unsigned i = 0; i < na; i++)
            for (unsigned j = 0; j < nb; j++)
                api_check(a, op, f, va[i], vb ? vb[j] : 0, NULL);
        free(va);
        free(vb);
    }
}

/* Every operation, with every special input (pairs for binary ones) and
 * random ones, and the explicit rows, called as compiled wasm functions. */
static void test_api_ops(void **state)
{
    (void)state;
    api a;
    api_open(&a);
    g_checked = g_failed = 0;
    api_range(&a, WB_OP_F32_EQ, WB_OP_F64_GE);
    api_range(&a, WB_OP_F32_ABS, WB_OP_F64_REINTERPRET_I64);
    api_range(&a, WB_OP_I32_TRUNC_SAT_F32_S, WB_OP_I64_TRUNC_SAT_F64_U);
    for (unsigned i = 0; i < COUNT(rows); i++) {
        expect e = { rows[i].trap, rows[i].nan, rows[i].want };
        api_check(&a, rows[i].op, api_func(&a, wb_opinfo_table[rows[i].op].text), rows[i].a,
                  rows[i].b, &e);
    }
    print_message("    %u calls checked, %u failed\n", g_checked, g_failed);
    api_close(&a);
    assert_int_equal(g_failed, 0);
}

/* Comparison results consumed as flags (select, br_if, if, i32.eqz), and
 * a function mixing families with values live across the checks. */
static void test_api_flag_consumers(void **state)
{
    (void)state;
    static const struct {
        const char *fn;
        uint8_t type;
        uint64_t x, y;
        bool want;      /* 10 when true, 20 when false (eqz: 1 / 0) */
    } cases[] = {
        { "f64.lt/select", WB_F64, 0x3ff0000000000000, 0x4000000000000000, true },
        { "f64.lt/select", WB_F64, 0x4000000000000000, 0x3ff0000000000000, false },
        { "f64.lt/select", WB_F64, 0x7ff8000000000000, 0x3ff0000000000000, false },
        { "f64.lt/select", WB_F64, 0x3ff0000000000000, 0x7ff8000000000000, false },
        { "f32.ge/br_if", WB_F32, 0x3f800000, 0x3f800000, true },
        { "f32.ge/br_if", WB_F32, 0x80000000, 0x00000000, true },
        { "f32.ge/br_if", WB_F32, 0x3f800000, 0x40000000, false },
        { "f32.ge/br_if", WB_F32, 0x7fc00000, 0x7fc00000, false },
        { "f32.eq/if", WB_F32, 0x80000000, 0x00000000, true },
        { "f32.eq/if", WB_F32, 0x7fc00000, 0x7fc00000, false },
        { "f32.eq/if", WB_F32, 0x3f800000, 0x3f800001, false },
        { "f64.ne/eqz", WB_F64, 0x7ff8000000000000, 0x7ff8000000000000, false },
        { "f64.ne/eqz", WB_F64, 0x3ff0000000000000, 0x3ff0000000000000, true },
        { "f64.ne/eqz", WB_F64, 0x8000000000000000, 0x0000000000000000, true },
    };
    api a;
    api_open(&a);
    for (unsigned i = 0; i < COUNT(cases); i++) {
        uint8_t types[2] = { cases[i].type, cases[i].type };
        uint64_t in[2] = { cases[i].x, cases[i].y };
        bool eqz = strstr(cases[i].fn, "eqz") != NULL;
        wb_val r;
        assert_int_equal(api_call(&a, api_func(&a, cases[i].fn), types, 2, in, &r), 0);
        if (eqz)
            assert_int_equal(r.of.i32, cases[i].want ? 1 : 0);
        else
            assert_int_equal(r.of.i32, cases[i].want ? 10 : 20);
    }
    {
        /* mix(x, y, z) = x + f64(u64 z) + f64(max(y, min(y, -0))) + f64(i32(nearest x)) */
        static const uint8_t types[3] = { WB_F64, WB_F32, WB_I64 };
        uint64_t in[3] = { bits64(2.5), bits32(1.5f), 5 };
        wb_val r;
        assert_int_equal(api_call(&a, api_func(&a, "mix"), types, 3, in, &r), 0);
        assert_int_equal(r.of.f64, bits64(11.0));
        in[2] = UINT64_MAX;
        assert_int_equal(api_call(&a, api_func(&a, "mix"), types, 3, in, &r), 0);
        assert_int_equal(r.of.f64, bits64((2.5 + 18446744073709551616.0) + (1.5 + 2.0)));
        in[1] = bits32(-0.0f);  /* max(-0, min(-0, -0)) = -0; -0 + 2 = 2 */
        in[2] = 0;
        assert_int_equal(api_call(&a, api_func(&a, "mix"), types, 3, in, &r), 0);
        assert_int_equal(r.of.f64, bits64(4.5));
        in[0] = bits64(3e9); /* nearest(3e9) does not fit an i32 */
        assert_int_equal(api_call(&a, api_func(&a, "mix"), types, 3, in, &r),
                         WB_ERR_TRAP_INT_OVERFLOW);
        in[0] = bits64(NAN);
        assert_int_equal(api_call(&a, api_func(&a, "mix"), types, 3, in, &r),
                         WB_ERR_TRAP_BAD_CONVERSION);
    }
    api_close(&a);
}

/* One call through the runtime, outside cmocka, then keep its handlers. */
static void capture_runtime_handlers(void)
{
    wb_engine *e = wb_engine_new(NULL);
    wb_compiled *cm = NULL;
    wb_store *s = NULL;
    wb_instance *inst = NULL;
    wb_trap *trap = NULL;
    wb_extern x;
    wb_val args[2], r;

    if (!e || wb_compile(e, api_wasm, sizeof api_wasm, &cm, NULL) != WB_OK)
        goto out;
    if (!(s = wb_store_new(e)) || wb_instance_new(s, cm, NULL, 0, &inst, &trap, NULL) != WB_OK)
        goto out;
    if (!wb_instance_export(inst, "f32.add", 7, &x))
        goto out;
    args[0] = api_val(WB_F32, 0);
    args[1] = api_val(WB_F32, 0);
    if (wb_func_call(s, x.of.func, args, 2, &r, 1, &trap) != WB_OK)
        goto out;
    for (unsigned i = 0; i < COUNT(rt_signals); i++)
        sigaction(rt_signals[i], NULL, &rt_actions[i]);
    rt_captured = true;
out:
    if (trap)
        wb_trap_free(trap);
    wb_store_free(s);
    wb_compiled_free(cm);
    wb_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trap_sites),
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_f32_compare),
        cmocka_unit_test(test_f64_compare),
        cmocka_unit_test(test_f32_unary),
        cmocka_unit_test(test_f64_unary),
        cmocka_unit_test(test_f32_binary),
        cmocka_unit_test(test_f64_binary),
        cmocka_unit_test(test_conversions),
        cmocka_unit_test(test_trunc_sat),
        cmocka_unit_test(test_api_module_compiles),
        cmocka_unit_test(test_api_ops),
        cmocka_unit_test(test_api_flag_consumers),
    };
    capture_runtime_handlers();
    return cmocka_run_group_tests(tests, NULL, NULL);
}

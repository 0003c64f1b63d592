/* base_float.c — f32/f64 arithmetic and comparisons for the baseline
 * compiler, with SSE2 (and SSE4.1 roundss/roundsd when the CPU has it).
 *
 * Values live in the low lane of an XMM register; the upper lanes are
 * garbage and never read by a scalar operation, so the bit masks below
 * (built in xmm15 with wb_xmm_const) may leave anything there.
 *
 * NaN rules (spec: nans{z1, z2}): every arithmetic result that is a NaN
 * must be quiet, and canonical when every NaN operand was canonical. SSE
 * arithmetic returns the first NaN operand quieted (payload kept) or the
 * default NaN 0xffc00000 (a canonical NaN) when none was a NaN, which is
 * exactly that. abs, neg and copysign are bit operations: they must not
 * touch a NaN's payload or quiet bit, so they never go through arithmetic. */
#include "jit/jit_int.h"

/* -- Constants (IEEE-754 bit patterns) -- */

#define F32_SIGN  0x80000000u
#define F32_ABS   0x7fffffffu
#define F64_SIGN  0x8000000000000000ull
#define F64_ABS   0x7fffffffffffffffull
#define F32_TWO23 0x4b000000u               /* 2^23: from here f32 has no fraction bits */
#define F64_TWO52 0x4330000000000000ull     /* 2^52: the same for f64 */
#define F32_ONE   0x3f800000u
#define F64_ONE   0x3ff0000000000000ull

/* The scalar SSE operations of one width. */
typedef struct flt_ops {
    uint8_t type;                   /* WB_F32 or WB_F64 */
    x64_sop add, sub, mul, div, sqrt, min, max, ucomi, round, and_, andn, or_, xor_;
    uint64_t sign, abs, magic, one; /* bit patterns of this width */
} flt_ops;

static const flt_ops f32_ops = {
    WB_F32, X64_ADDSS, X64_SUBSS, X64_MULSS, X64_DIVSS, X64_SQRTSS, X64_MINSS,
    X64_MAXSS, X64_UCOMISS, X64_ROUNDSS, X64_ANDPS, X64_ANDNPS, X64_ORPS, X64_XORPS,
    F32_SIGN, F32_ABS, F32_TWO23, F32_ONE,
};
static const flt_ops f64_ops = {
    WB_F64, X64_ADDSD, X64_SUBSD, X64_MULSD, X64_DIVSD, X64_SQRTSD, X64_MINSD,
    X64_MAXSD, X64_UCOMISD, X64_ROUNDSD, X64_ANDPD, X64_ANDNPD, X64_ORPD, X64_XORPD,
    F64_SIGN, F64_ABS, F64_TWO52, F64_ONE,
};

/* -- Bitwise: abs, neg, copysign -- */

/* op = abs (mask with ~sign) or neg (flip the sign). A constant operand is
 * folded: the operation is exact on the bits. */
static void emit_sign_op(wb_ctx *c, const flt_ops *o, bool neg)
{
    int64_t k;
    x64_xmm a;
    if (wb_peek_const(c, 0, &k)) {
        uint64_t bits = (uint64_t)k;
        wb_drop(c, 1);
        bits = neg ? bits ^ o->sign : bits & o->abs;
        wb_push_const(c, o->type, (int64_t)bits);
        return;
    }
    a = wb_pop_xmm(c);
    wb_xmm_const(c, WB_SCRATCH_XMM, neg ? o->sign : o->abs);
    x64_xx(c->b, neg ? o->xor_ : o->and_, a, WB_SCRATCH_XMM);
    wb_push_xmm(c, o->type, a);
}

/* copysign(a, b) = (a & ~sign) | (b & sign). */
static void emit_copysign(wb_ctx *c, const flt_ops *o)
{
    int64_t kb, ka;
    x64_xmm a, b;
    if (wb_peek_const(c, 0, &kb)) {
        bool neg = ((uint64_t)kb & o->sign) != 0;
        wb_drop(c, 1);
        if (wb_peek_const(c, 0, &ka)) {
            uint64_t bits = ((uint64_t)ka & o->abs) | (neg ? o->sign : 0);
            wb_drop(c, 1);
            wb_push_const(c, o->type, (int64_t)bits);
            return;
        }
        a = wb_pop_xmm(c);
        wb_xmm_const(c, WB_SCRATCH_XMM, o->abs);
        x64_xx(c->b, o->and_, a, WB_SCRATCH_XMM);
        if (neg) {
            wb_xmm_const(c, WB_SCRATCH_XMM, o->sign);
            x64_xx(c->b, o->or_, a, WB_SCRATCH_XMM);
        }
        wb_push_xmm(c, o->type, a);
        return;
    }
    b = wb_pop_xmm(c);
    a = wb_pop_xmm(c);
    wb_xmm_const(c, WB_SCRATCH_XMM, o->sign);
    x64_xx(c->b, o->and_, b, WB_SCRATCH_XMM);  /* b = sign of b */
    x64_xx(c->b, o->andn, WB_SCRATCH_XMM, a);  /* xmm15 = a without its sign */
    x64_xx(c->b, o->or_, b, WB_SCRATCH_XMM);
    wb_push_xmm(c, o->type, b);
}

/* -- Arithmetic -- */

static void emit_binop(wb_ctx *c, const flt_ops *o, x64_sop op)
{
    x64_xmm b = wb_pop_xmm(c);
    x64_xmm a = wb_pop_xmm(c);
    x64_xx(c->b, op, a, b);
    wb_push_xmm(c, o->type, a);
}

static void emit_sqrt(wb_ctx *c, const flt_ops *o)
{
    x64_xmm a = wb_pop_xmm(c);
    x64_xx(c->b, o->sqrt, a, a);
    wb_push_xmm(c, o->type, a);
}

/* wasm min/max differ from minss/maxss (which return the second operand
 * when either is a NaN or both are zeros):
 *   either operand NaN  -> a NaN: a + b gives a quiet one, canonical when
 *                          the NaN operands were
 *   equal (incl. ±0)    -> min: a | b (-0 wins), max: a & b (+0 wins);
 *                          for equal non-zero values both are a no-op
 *   otherwise           -> minss/maxss, now exact. */
static void emit_minmax(wb_ctx *c, const flt_ops *o, bool is_max)
{
    x64_xmm b = wb_pop_xmm(c);
    x64_xmm a = wb_pop_xmm(c);
    x64_label nan = x64_label_new(c->b), ne = x64_label_new(c->b);
    x64_label done = x64_label_new(c->b);

    x64_xx(c->b, o->ucomi, a, b);
    x64_jcc(c->b, X64_CC_P, nan, X64_JSHORT);
    x64_jcc(c->b, X64_CC_NE, ne, X64_JSHORT);
    x64_xx(c->b, is_max ? o->and_ : o->or_, a, b);
    x64_jmp(c->b, done, X64_JSHORT);
    x64_label_bind(c->b, nan);
    x64_xx(c->b, o->add, a, b);
    x64_jmp(c->b, done, X64_JSHORT);
    x64_label_bind(c->b, ne);
    x64_xx(c->b, is_max ? o->max : o->min, a, b);
    x64_label_bind(c->b, done);
    wb_push_xmm(c, o->type, a);
}

/* -- Rounding to an integral value: ceil, floor, trunc, nearest -- */

/* Without SSE4.1. For |x| < 2^p (p = 23 or 52, the fraction width),
 * (|x| + 2^p) - 2^p is |x| rounded to an integer in the current rounding
 * mode (round-to-nearest-even: wasm code never changes MXCSR), which is
 * `nearest` of the magnitude; the other modes adjust that by one. The
 * result takes x's sign, which is right for all four operations (each
 * returns a value of x's sign, or a zero of x's sign). |x| >= 2^p is
 * already integral (or infinite) and stays as is; a NaN is quieted with
 * x + x (an unchanged signalling NaN would not be an arithmetic NaN). */
static void emit_round_sse2(wb_ctx *c, const flt_ops *o, x64_xmm a, uint8_t mode)
{
    x64_xmm t = wb_alloc_xmm(c), k = wb_alloc_xmm(c);
    x64_label nan = x64_label_new(c->b), done = x64_label_new(c->b);
    x64_label skip = x64_label_new(c->b);

    wb_xmm_const(c, k, o->abs);
    x64_xx(c->b, X64_MOVAPS, t, a);
    x64_xx(c->b, o->and_, t, k);                     /* t = |x| */
    wb_xmm_const(c, k, o->magic);
    x64_xx(c->b, o->ucomi, t, k);
    x64_jcc(c->b, X64_CC_P, nan, X64_JNEAR);
    x64_jcc(c->b, X64_CC_AE, done, X64_JNEAR);
    x64_xx(c->b, o->add, t, k);
    x64_xx(c->b, o->sub, t, k);                      /* t = nearest(|x|) >= +0 */

    switch (mode) {
    case X64_ROUND_NEAREST:
        break;
    case X64_ROUND_TRUNC:                            /* toward zero on |x| */
        wb_xmm_const(c, k, o->abs);
        x64_xx(c->b, o->and_, k, a);                 /* k = |x| */
        x64_xx(c->b, o->ucomi, t, k);
        x64_jcc(c->b, X64_CC_BE, skip, X64_JSHORT);
        wb_xmm_const(c, k, o->one);
        x64_xx(c->b, o->sub, t, k);
        break;
    case X64_ROUND_FLOOR:
    case X64_ROUND_CEIL:                             /* on the signed value */
        wb_xmm_const(c, WB_SCRATCH_XMM, o->sign);
        x64_xx(c->b, X64_MOVAPS, k, WB_SCRATCH_XMM);
        x64_xx(c->b, o->and_, k, a);                 /* k = sign of x */
        x64_xx(c->b, o->or_, t, k);                  /* t = nearest(x) */
        x64_xx(c->b, o->ucomi, t, a);
        x64_jcc(c->b, mode == X64_ROUND_FLOOR ? X64_CC_BE : X64_CC_AE, skip, X64_JSHORT);
        wb_xmm_const(c, k, o->one);
        x64_xx(c->b, mode == X64_ROUND_FLOOR ? o->sub : o->add, t, k);
        break;
    }
    x64_label_bind(c->b, skip);
    /* a = (a & sign) | (t & ~sign) */
    wb_xmm_const(c, WB_SCRATCH_XMM, o->sign);
    x64_xx(c->b, X64_MOVAPS, k, WB_SCRATCH_XMM);
    x64_xx(c->b, o->andn, k, t);                     /* k = |t| */
    x64_xx(c->b, o->and_, a, WB_SCRATCH_XMM);
    x64_xx(c->b, o->or_, a, k);
    x64_jmp(c->b, done, X64_JSHORT);
    x64_label_bind(c->b, nan);
    x64_xx(c->b, o->add, a, a);
    x64_label_bind(c->b, done);
    wb_release_xmm(c, t);
    wb_release_xmm(c, k);
}

static void emit_round(wb_ctx *c, const flt_ops *o, uint8_t mode)
{
    x64_xmm a = wb_pop_xmm(c);
    if (c->cpu.sse41)
        x64_xxi(c->b, o->round, a, a, mode);  /* modes suppress the precision exception */
    else
        emit_round_sse2(c, o, a, mode);
    wb_push_xmm(c, o->type, a);
}

/* -- Comparisons --
 *
 * ucomis a, b: unordered ZF=PF=CF=1; a < b CF=1; a == b ZF=1; a > b none.
 * gt/ge are "above"/"above or equal" of (a, b), lt/le the same of (b, a):
 * both are false when unordered, so one condition code is enough. eq and
 * ne need ZF and PF together and are materialized here. */
static void emit_compare(wb_ctx *c, const flt_ops *o, int rel /* eq ne lt gt le ge */)
{
    x64_xmm b = wb_pop_xmm(c);
    x64_xmm a = wb_pop_xmm(c);
    x64_gpr r;

    switch (rel) {
    case 2: /* lt */
        x64_xx(c->b, o->ucomi, b, a);
        wb_push_cond(c, X64_CC_A);
        return;
    case 3: /* gt */
        x64_xx(c->b, o->ucomi, a, b);
        wb_push_cond(c, X64_CC_A);
        return;
    case 4: /* le */
        x64_xx(c->b, o->ucomi, b, a);
        wb_push_cond(c, X64_CC_AE);
        return;
    case 5: /* ge */
        x64_xx(c->b, o->ucomi, a, b);
        wb_push_cond(c, X64_CC_AE);
        return;
    }
    /* eq: r = ordered && ZF; ne: r = !ZF || unordered. */
    r = wb_alloc_gpr(c);
    x64_rr(c->b, X64_XOR, X64_32, r, r);
    x64_xx(c->b, o->ucomi, a, b);
    if (rel == 0) {
        x64_setcc(c->b, X64_CC_NP, r);
        x64_mov_imm(c->b, X64_32, WB_SCRATCH_GPR, 0);
        x64_cmov(c->b, X64_CC_NE, X64_32, r, WB_SCRATCH_GPR);
    } else {
        x64_setcc(c->b, X64_CC_NE, r);
        x64_mov_imm(c->b, X64_32, WB_SCRATCH_GPR, 1);
        x64_cmov(c->b, X64_CC_P, X64_32, r, WB_SCRATCH_GPR);
    }
    wb_push_gpr(c, WB_I32, r);
}

/* -- Dispatch -- */

/* The f64 rows of opcodes.def repeat the f32 rows in the same order, so an
 * f64 opcode is handled as its f32 twin with the f64 operations. */
_Static_assert(WB_OP_F64_GE - WB_OP_F64_EQ == WB_OP_F32_GE - WB_OP_F32_EQ &&
               WB_OP_F32_NE == WB_OP_F32_EQ + 1 && WB_OP_F32_LT == WB_OP_F32_EQ + 2 &&
               WB_OP_F32_GT == WB_OP_F32_EQ + 3 && WB_OP_F32_LE == WB_OP_F32_EQ + 4 &&
               WB_OP_F32_GE == WB_OP_F32_EQ + 5, "comparison rows out of order");
_Static_assert(WB_OP_F64_COPYSIGN - WB_OP_F64_ABS == WB_OP_F32_COPYSIGN - WB_OP_F32_ABS &&
               WB_OP_F64_SQRT - WB_OP_F64_ABS == WB_OP_F32_SQRT - WB_OP_F32_ABS &&
               WB_OP_F64_MIN - WB_OP_F64_ABS == WB_OP_F32_MIN - WB_OP_F32_ABS,
               "f32 and f64 arithmetic rows differ");

wb_err wb_emit_float(wb_ctx *c, const wb_instr *in)
{
    int op = in->op;
    const flt_ops *o = &f32_ops;

    if (op >= WB_OP_F64_EQ && op <= WB_OP_F64_GE) {
        o = &f64_ops;
        op -= WB_OP_F64_EQ - WB_OP_F32_EQ;
    } else if (op >= WB_OP_F64_ABS && op <= WB_OP_F64_COPYSIGN) {
        o = &f64_ops;
        op -= WB_OP_F64_ABS - WB_OP_F32_ABS;
    }
    switch (op) {
    case WB_OP_F32_EQ:
    case WB_OP_F32_NE:
    case WB_OP_F32_LT:
    case WB_OP_F32_GT:
    case WB_OP_F32_LE:
    case WB_OP_F32_GE:       emit_compare(c, o, op - WB_OP_F32_EQ); break;
    case WB_OP_F32_ABS:      emit_sign_op(c, o, false); break;
    case WB_OP_F32_NEG:      emit_sign_op(c, o, true); break;
    case WB_OP_F32_CEIL:     emit_round(c, o, X64_ROUND_CEIL); break;
    case WB_OP_F32_FLOOR:    emit_round(c, o, X64_ROUND_FLOOR); break;
    case WB_OP_F32_TRUNC:    emit_round(c, o, X64_ROUND_TRUNC); break;
    case WB_OP_F32_NEAREST:  emit_round(c, o, X64_ROUND_NEAREST); break;
    case WB_OP_F32_SQRT:     emit_sqrt(c, o); break;
    case WB_OP_F32_ADD:      emit_binop(c, o, o->add); break;
    case WB_OP_F32_SUB:      emit_binop(c, o, o->sub); break;
    case WB_OP_F32_MUL:      emit_binop(c, o, o->mul); break;
    case WB_OP_F32_DIV:      emit_binop(c, o, o->div); break;
    case WB_OP_F32_MIN:      emit_minmax(c, o, false); break;
    case WB_OP_F32_MAX:      emit_minmax(c, o, true); break;
    case WB_OP_F32_COPYSIGN: emit_copysign(c, o); break;
    default:
        return wb_fail(c, WB_ERR_INTERNAL, "not a float opcode");
    }
    return c->err;
}

/* base_conv.c — conversions between value types for the baseline compiler:
 * wrap/extend, int <-> float (trapping and saturating truncations),
 * demote/promote and reinterprets.
 *
 * cvttss2si/cvttsd2si return the "integer indefinite" value (INT_MIN of
 * the destination width) for NaN and for every out-of-range input, so each
 * truncation runs the hardware conversion first and only looks at the
 * input again when the result is that value or outside the target range:
 * the common case costs one compare and a not-taken branch. */
#include "jit/jit_int.h"

/* Float constants (IEEE-754 bits) at the truncation boundaries. */
#define F32_TWO63      0x5f000000u               /*  2^63 */
#define F64_TWO63      0x43e0000000000000ull     /*  2^63 */
#define F32_M_TWO31    0xcf000000u               /* -2^31 */
#define F64_M_TWO31    0xc1e0000000000000ull     /* -2^31 */
#define F64_M_TWO31_M1 0xc1e0000000200000ull     /* -2^31 - 1 */
#define F32_M_TWO63    0xdf000000u               /* -2^63 */
#define F64_M_TWO63    0xc3e0000000000000ull     /* -2^63 */

/* One float -> int truncation: source width, destination width, signedness. */
typedef struct trunc_kind {
    bool src64;     /* f64 source */
    bool dst64;     /* i64 result */
    bool sign;      /* _s */
} trunc_kind;

static x64_sop cvtt_op(bool src64, bool dst64)
{
    if (src64)
        return dst64 ? X64_CVTTSD2SI_Q : X64_CVTTSD2SI;
    return dst64 ? X64_CVTTSS2SI_Q : X64_CVTTSS2SI;
}

static x64_sop ucomi_op(bool src64) { return src64 ? X64_UCOMISD : X64_UCOMISS; }

/* -- Trapping truncations --
 *
 * Valid inputs (the truncated value must be representable):
 *   i32.trunc_f32_s  [-2^31, 2^31)        i32.trunc_f64_s  (-2^31-1, 2^31)
 *   i64.trunc_f32_s  [-2^63, 2^63)        i64.trunc_f64_s  [-2^63, 2^63)
 *   i32.trunc_f*_u   (-1, 2^32)           i64.trunc_f*_u   (-1, 2^64)
 * NaN traps with "invalid conversion to integer", anything else outside
 * with "integer overflow". */

/* Signed: the hardware result is exact inside the range; INT_MIN means
 * NaN, out of range, or an input that truncates to exactly INT_MIN. */
static void emit_trunc_s(wb_ctx *c, trunc_kind k, x64_xmm x, x64_gpr r)
{
    x64_size sz = k.dst64 ? X64_64 : X64_32;
    x64_sop ucomi = ucomi_op(k.src64);
    x64_label done = x64_label_new(c->b);

    x64_rx(c->b, cvtt_op(k.src64, k.dst64), r, x);
    x64_ri(c->b, X64_CMP, sz, r, 1);          /* overflows only for INT_MIN */
    x64_jcc(c->b, X64_CC_NO, done, X64_JSHORT);
    x64_xx(c->b, ucomi, x, x);
    wb_trap_if(c, X64_CC_P, WB_ERR_TRAP_BAD_CONVERSION);
    if (k.src64 && !k.dst64) {
        /* i32.trunc_f64_s: valid iff -2^31-1 < x <= -2^31 (x >= 2^31 is
         * the other way to get here) */
        wb_xmm_const(c, WB_SCRATCH_XMM, F64_M_TWO31_M1);
        x64_xx(c->b, ucomi, x, WB_SCRATCH_XMM);
        wb_trap_if(c, X64_CC_BE, WB_ERR_TRAP_INT_OVERFLOW);
        wb_xmm_const(c, WB_SCRATCH_XMM, F64_M_TWO31);
        x64_xx(c->b, ucomi, x, WB_SCRATCH_XMM);
        wb_trap_if(c, X64_CC_A, WB_ERR_TRAP_INT_OVERFLOW);
    } else {
        /* no float lies strictly between -2^N and the next one down that
         * still truncates to -2^N, so x must be exactly -2^N */
        uint64_t min = k.dst64 ? (k.src64 ? F64_M_TWO63 : F32_M_TWO63)
                               : F32_M_TWO31;
        wb_xmm_const(c, WB_SCRATCH_XMM, min);
        x64_xx(c->b, ucomi, x, WB_SCRATCH_XMM);
        wb_trap_if(c, X64_CC_NE, WB_ERR_TRAP_INT_OVERFLOW);
    }
    x64_label_bind(c->b, done);
}

/* Unsigned to i32: a 64-bit conversion is exact for every valid input
 * (results 0 .. 2^32-1); anything else lands outside that range. */
static void emit_trunc_u32(wb_ctx *c, trunc_kind k, x64_xmm x, x64_gpr r, bool sat)
{
    x64_label done = x64_label_new(c->b);

    x64_rx(c->b, cvtt_op(k.src64, true), r, x);
    x64_rr(c->b, X64_MOV, X64_32, WB_SCRATCH_GPR, r);
    x64_rr(c->b, X64_CMP, X64_64, WB_SCRATCH_GPR, r);
    x64_jcc(c->b, X64_CC_E, done, X64_JSHORT);
    if (sat) {
        /* x > 0 (too large) -> UINT32_MAX; x < 0 or NaN -> 0 */
        wb_xmm_const(c, WB_SCRATCH_XMM, 0);
        x64_xx(c->b, ucomi_op(k.src64), x, WB_SCRATCH_XMM);
        x64_mov_imm(c->b, X64_32, r, 0);
        x64_mov_imm(c->b, X64_32, WB_SCRATCH_GPR, UINT32_MAX);
        x64_cmov(c->b, X64_CC_A, X64_32, r, WB_SCRATCH_GPR);
    } else {
        x64_xx(c->b, ucomi_op(k.src64), x, x);
        wb_trap_if(c, X64_CC_P, WB_ERR_TRAP_BAD_CONVERSION);
        wb_trap_if(c, X64_CC_NP, WB_ERR_TRAP_INT_OVERFLOW); /* always taken */
    }
    x64_label_bind(c->b, done);
}

/* Unsigned to i64: below 2^63 the signed conversion is exact; from 2^63
 * on, convert x - 2^63 (exact: x is a multiple of its ulp >= 2^11) and set
 * bit 63 again. x is clobbered. */
static void emit_trunc_u64(wb_ctx *c, trunc_kind k, x64_xmm x, x64_gpr r, bool sat)
{
    x64_sop cvtt = cvtt_op(k.src64, true), ucomi = ucomi_op(k.src64);
    x64_label big = x64_label_new(c->b), done = x64_label_new(c->b);
    x64_label ovf = sat ? x64_label_new(c->b) : X64_NOLABEL;

    wb_xmm_const(c, WB_SCRATCH_XMM, k.src64 ? F64_TWO63 : F32_TWO63);
    x64_xx(c->b, ucomi, x, WB_SCRATCH_XMM);
    x64_jcc(c->b, X64_CC_AE, big, X64_JSHORT);  /* NaN sets CF: not taken */
    x64_rx(c->b, cvtt, r, x);
    x64_rr(c->b, X64_TEST, X64_64, r, r);
    x64_jcc(c->b, X64_CC_NS, done, X64_JSHORT);
    /* negative: x <= -1, or NaN */
    if (sat) {
        x64_mov_imm(c->b, X64_32, r, 0);
        x64_jmp(c->b, done, X64_JSHORT);
    } else {
        x64_xx(c->b, ucomi, x, x);
        wb_trap_if(c, X64_CC_P, WB_ERR_TRAP_BAD_CONVERSION);
        wb_trap_if(c, X64_CC_NP, WB_ERR_TRAP_INT_OVERFLOW); /* always taken */
    }

    x64_label_bind(c->b, big);
    x64_xx(c->b, k.src64 ? X64_SUBSD : X64_SUBSS, x, WB_SCRATCH_XMM);
    x64_rx(c->b, cvtt, r, x);
    x64_rr(c->b, X64_TEST, X64_64, r, r);       /* negative: x >= 2^64 */
    if (sat)
        x64_jcc(c->b, X64_CC_S, ovf, X64_JSHORT);
    else
        wb_trap_if(c, X64_CC_S, WB_ERR_TRAP_INT_OVERFLOW);
    x64_mov_imm(c->b, X64_64, WB_SCRATCH_GPR, 1ull << 63);
    x64_rr(c->b, X64_OR, X64_64, r, WB_SCRATCH_GPR);
    if (sat) {
        x64_jmp(c->b, done, X64_JSHORT);
        x64_label_bind(c->b, ovf);
        x64_mov_imm(c->b, X64_64, r, UINT64_MAX);
    }
    x64_label_bind(c->b, done);
}

/* Saturating signed: INT_MIN from the hardware is right for x <= -2^N;
 * x > 0 (too large) becomes INT_MAX and NaN 0. */
static void emit_trunc_sat_s(wb_ctx *c, trunc_kind k, x64_xmm x, x64_gpr r)
{
    x64_size sz = k.dst64 ? X64_64 : X64_32;
    x64_label done = x64_label_new(c->b);

    x64_rx(c->b, cvtt_op(k.src64, k.dst64), r, x);
    x64_ri(c->b, X64_CMP, sz, r, 1);
    x64_jcc(c->b, X64_CC_NO, done, X64_JSHORT);
    wb_xmm_const(c, WB_SCRATCH_XMM, 0);
    x64_xx(c->b, ucomi_op(k.src64), x, WB_SCRATCH_XMM);
    x64_mov_imm(c->b, sz, WB_SCRATCH_GPR, k.dst64 ? (uint64_t)INT64_MAX : (uint64_t)INT32_MAX);
    x64_cmov(c->b, X64_CC_A, sz, r, WB_SCRATCH_GPR);
    x64_mov_imm(c->b, X64_32, WB_SCRATCH_GPR, 0);
    x64_cmov(c->b, X64_CC_P, sz, r, WB_SCRATCH_GPR);
    x64_label_bind(c->b, done);
}

static void emit_trunc(wb_ctx *c, trunc_kind k, bool sat)
{
    x64_xmm x = wb_pop_xmm(c);
    x64_gpr r = wb_alloc_gpr(c);
    if (k.sign && sat)
        emit_trunc_sat_s(c, k, x, r);
    else if (k.sign)
        emit_trunc_s(c, k, x, r);
    else if (k.dst64)
        emit_trunc_u64(c, k, x, r, sat);
    else
        emit_trunc_u32(c, k, x, r, sat);
    wb_push_gpr(c, k.dst64 ? WB_I64 : WB_I32, r);
}

/* -- Integer to float -- */

/* src64: i64 source; sign: _s; dst64: f64 result. */
static void emit_convert(wb_ctx *c, bool src64, bool sign, bool dst64)
{
    x64_gpr r = wb_pop_gpr(c);
    x64_xmm x = wb_alloc_xmm(c);
    x64_sop cvt32 = dst64 ? X64_CVTSI2SD : X64_CVTSI2SS;
    x64_sop cvt64 = dst64 ? X64_CVTSI2SD_Q : X64_CVTSI2SS_Q;

    /* cvtsi2s* writes only the low lane: clear x to break the dependency */
    x64_xx(c->b, X64_XORPS, x, x);
    if (!src64 && sign) {
        x64_xr(c->b, cvt32, x, r);
    } else if (!src64) {
        /* u32: zero-extended, the 64-bit signed conversion is exact-rounded */
        x64_rr(c->b, X64_MOV, X64_32, r, r);
        x64_xr(c->b, cvt64, x, r);
    } else if (sign) {
        x64_xr(c->b, cvt64, x, r);
    } else {
        /* u64 >= 2^63: convert (r >> 1) | (r & 1) and double it. The low
         * bit kept as a sticky bit makes the halved value round the same
         * way as r would (it is far below the rounding position). */
        x64_label big = x64_label_new(c->b), done = x64_label_new(c->b);
        x64_rr(c->b, X64_TEST, X64_64, r, r);
        x64_jcc(c->b, X64_CC_S, big, X64_JSHORT);
        x64_xr(c->b, cvt64, x, r);
        x64_jmp(c->b, done, X64_JSHORT);
        x64_label_bind(c->b, big);
        x64_rr(c->b, X64_MOV, X64_64, WB_SCRATCH_GPR, r);
        x64_ri(c->b, X64_SHR, X64_64, WB_SCRATCH_GPR, 1);
        x64_ri(c->b, X64_AND, X64_32, r, 1);
        x64_rr(c->b, X64_OR, X64_64, WB_SCRATCH_GPR, r);
        x64_xr(c->b, cvt64, x, WB_SCRATCH_GPR);
        x64_xx(c->b, dst64 ? X64_ADDSD : X64_ADDSS, x, x);
        x64_label_bind(c->b, done);
    }
    wb_push_xmm(c, dst64 ? WB_F64 : WB_F32, x);
}

/* -- Integer width and reinterprets -- */

static void emit_wrap(wb_ctx *c)
{
    int64_t k;
    x64_gpr r;
    if (wb_peek_const(c, 0, &k)) {
        wb_drop(c, 1);
        wb_push_const(c, WB_I32, (int32_t)k);
        return;
    }
    r = wb_pop_gpr(c);
    x64_rr(c->b, X64_MOV, X64_32, r, r);
    wb_push_gpr(c, WB_I32, r);
}

static void emit_extend(wb_ctx *c, bool sign)
{
    int64_t k;
    x64_gpr r;
    if (wb_peek_const(c, 0, &k)) {      /* i32 constants are sign-extended */
        wb_drop(c, 1);
        wb_push_const(c, WB_I64, sign ? (int64_t)(int32_t)k : (int64_t)(uint32_t)k);
        return;
    }
    r = wb_pop_gpr(c);
    /* unsigned: the i32 is already zero-extended in its register (every
     * producer writes 32 bits), but a mov r32, r32 costs nothing and keeps
     * this correct even if one day a producer does not */
    x64_rr(c->b, sign ? X64_MOVSXD : X64_MOV, sign ? X64_64 : X64_32, r, r);
    wb_push_gpr(c, WB_I64, r);
}

/* i32 <-> f32, i64 <-> f64, bits unchanged. */
static void emit_reinterpret(wb_ctx *c, uint8_t from, uint8_t to)
{
    int64_t k;
    bool wide = from == WB_I64 || from == WB_F64;
    if (wb_peek_const(c, 0, &k)) {
        /* const encodings: i32 sign-extended, f32 zero-extended */
        wb_drop(c, 1);
        if (to == WB_I32)
            k = (int32_t)(uint32_t)k;
        else if (to == WB_F32)
            k = (uint32_t)k;
        wb_push_const(c, to, k);
        return;
    }
    if (wb_type_is_float(from)) {
        x64_xmm x = wb_pop_xmm(c);
        x64_gpr r = wb_alloc_gpr(c);
        x64_rx(c->b, wide ? X64_MOVQ : X64_MOVD, r, x);
        wb_push_gpr(c, to, r);
    } else {
        x64_gpr r = wb_pop_gpr(c);
        x64_xmm x = wb_alloc_xmm(c);
        x64_xr(c->b, wide ? X64_MOVQ : X64_MOVD, x, r);
        wb_push_xmm(c, to, x);
    }
}

/* f32.demote_f64 / f64.promote_f32: the hardware quiets a signalling NaN
 * and maps the canonical NaN to the canonical NaN, as the spec asks. */
static void emit_float_resize(wb_ctx *c, bool demote)
{
    x64_xmm x = wb_pop_xmm(c);
    x64_xx(c->b, demote ? X64_CVTSD2SS : X64_CVTSS2SD, x, x);
    wb_push_xmm(c, demote ? WB_F32 : WB_F64, x);
}

/* -- Dispatch -- */

wb_err wb_emit_conv(wb_ctx *c, const wb_instr *in)
{
    switch ((wb_opcode)in->op) {
    case WB_OP_I32_WRAP_I64:        emit_wrap(c); break;
    case WB_OP_I64_EXTEND_I32_S:    emit_extend(c, true); break;
    case WB_OP_I64_EXTEND_I32_U:    emit_extend(c, false); break;

    case WB_OP_I32_TRUNC_F32_S:     emit_trunc(c, (trunc_kind){ false, false, true }, false); break;
    case WB_OP_I32_TRUNC_F32_U:     emit_trunc(c, (trunc_kind){ false, false, false }, false); break;
    case WB_OP_I32_TRUNC_F64_S:     emit_trunc(c, (trunc_kind){ true, false, true }, false); break;
    case WB_OP_I32_TRUNC_F64_U:     emit_trunc(c, (trunc_kind){ true, false, false }, false); break;
    case WB_OP_I64_TRUNC_F32_S:     emit_trunc(c, (trunc_kind){ false, true, true }, false); break;
    case WB_OP_I64_TRUNC_F32_U:     emit_trunc(c, (trunc_kind){ false, true, false }, false); break;
    case WB_OP_I64_TRUNC_F64_S:     emit_trunc(c, (trunc_kind){ true, true, true }, false); break;
    case WB_OP_I64_TRUNC_F64_U:     emit_trunc(c, (trunc_kind){ true, true, false }, false); break;
    case WB_OP_I32_TRUNC_SAT_F32_S: emit_trunc(c, (trunc_kind){ false, false, true }, true); break;
    case WB_OP_I32_TRUNC_SAT_F32_U: emit_trunc(c, (trunc_kind){ false, false, false }, true); break;
    case WB_OP_I32_TRUNC_SAT_F64_S: emit_trunc(c, (trunc_kind){ true, false, true }, true); break;
    case WB_OP_I32_TRUNC_SAT_F64_U: emit_trunc(c, (trunc_kind){ true, false, false }, true); break;
    case WB_OP_I64_TRUNC_SAT_F32_S: emit_trunc(c, (trunc_kind){ false, true, true }, true); break;
    case WB_OP_I64_TRUNC_SAT_F32_U: emit_trunc(c, (trunc_kind){ false, true, false }, true); break;
    case WB_OP_I64_TRUNC_SAT_F64_S: emit_trunc(c, (trunc_kind){ true, true, true }, true); break;
    case WB_OP_I64_TRUNC_SAT_F64_U: emit_trunc(c, (trunc_kind){ true, true, false }, true); break;

    case WB_OP_F32_CONVERT_I32_S:   emit_convert(c, false, true, false); break;
    case WB_OP_F32_CONVERT_I32_U:   emit_convert(c, false, false, false); break;
    case WB_OP_F32_CONVERT_I64_S:   emit_convert(c, true, true, false); break;
    case WB_OP_F32_CONVERT_I64_U:   emit_convert(c, true, false, false); break;
    case WB_OP_F64_CONVERT_I32_S:   emit_convert(c, false, true, true); break;
    case WB_OP_F64_CONVERT_I32_U:   emit_convert(c, false, false, true); break;
    case WB_OP_F64_CONVERT_I64_S:   emit_convert(c, true, true, true); break;
    case WB_OP_F64_CONVERT_I64_U:   emit_convert(c, true, false, true); break;

    case WB_OP_F32_DEMOTE_F64:      emit_float_resize(c, true); break;
    case WB_OP_F64_PROMOTE_F32:     emit_float_resize(c, false); break;

    case WB_OP_I32_REINTERPRET_F32: emit_reinterpret(c, WB_F32, WB_I32); break;
    case WB_OP_I64_REINTERPRET_F64: emit_reinterpret(c, WB_F64, WB_I64); break;
    case WB_OP_F32_REINTERPRET_I32: emit_reinterpret(c, WB_I32, WB_F32); break;
    case WB_OP_F64_REINTERPRET_I64: emit_reinterpret(c, WB_I64, WB_F64); break;
    default:
        return wb_fail(c, WB_ERR_INTERNAL, "not a conversion opcode");
    }
    return c->err;
}

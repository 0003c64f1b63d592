/* base_int.c — baseline compilation of integer instructions: i32/i64
 * comparisons, arithmetic and bitwise operations, division with its traps,
 * shifts and rotates, bit counting and sign extension. */
#include "jit/jit_int.h"

/* -- Constant folding -- */

/* True, with both operands, when the top two entries are constants. */
static bool two_consts(const wb_ctx *c, uint64_t *a, uint64_t *b)
{
    int64_t ka, kb;
    if (!wb_peek_const(c, 0, &kb) || !wb_peek_const(c, 1, &ka))
        return false;
    *a = (uint64_t)ka;
    *b = (uint64_t)kb;
    return true;
}

/* Replaces the two constant operands by the constant result v. */
static void push_folded(wb_ctx *c, uint8_t type, uint64_t v)
{
    wb_drop(c, 2);
    wb_push_const(c, type, type == WB_I32 ? (int64_t)(int32_t)v : (int64_t)v);
}

/* a op b at width sz for the x86 operation op; false if not foldable. */
static bool fold_binop(x64_op op, x64_size sz, uint64_t a, uint64_t b, uint64_t *r)
{
    unsigned w = sz == X64_64 ? 64 : 32, n = (unsigned)(b & (w - 1));
    uint64_t mask = sz == X64_64 ? UINT64_MAX : 0xffffffffu;
    a &= mask;
    switch (op) {
    case X64_ADD: *r = a + b; break;
    case X64_SUB: *r = a - b; break;
    case X64_IMUL: *r = a * b; break;
    case X64_AND: *r = a & b; break;
    case X64_OR: *r = a | b; break;
    case X64_XOR: *r = a ^ b; break;
    case X64_SHL: *r = a << n; break;
    case X64_SHR: *r = a >> n; break;
    case X64_SAR:
        *r = sz == X64_64 ? (uint64_t)((int64_t)a >> n) : (uint64_t)((int32_t)(uint32_t)a >> n);
        break;
    case X64_ROL: *r = n ? (a << n) | (a >> (w - n)) : a; break;
    case X64_ROR: *r = n ? (a >> n) | (a << (w - n)) : a; break;
    default: return false;
    }
    *r &= mask;
    return true;
}

/* The truth of cc for the comparison a - b at width sz. */
static bool fold_cc(x64_cc cc, x64_size sz, uint64_t a, uint64_t b)
{
    int64_t sa = sz == X64_64 ? (int64_t)a : (int32_t)(uint32_t)a;
    int64_t sb = sz == X64_64 ? (int64_t)b : (int32_t)(uint32_t)b;
    uint64_t ua = sz == X64_64 ? a : (uint32_t)a, ub = sz == X64_64 ? b : (uint32_t)b;
    switch (cc) {
    case X64_CC_E: return ua == ub;
    case X64_CC_NE: return ua != ub;
    case X64_CC_L: return sa < sb;
    case X64_CC_B: return ua < ub;
    case X64_CC_G: return sa > sb;
    case X64_CC_A: return ua > ub;
    case X64_CC_LE: return sa <= sb;
    case X64_CC_BE: return ua <= ub;
    case X64_CC_GE: return sa >= sb;
    default: return ua >= ub; /* AE */
    }
}

/* -- Comparisons: leave a pending condition -- */

static x64_cc cmp_cc(unsigned rel)
{
    /* eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u */
    static const uint8_t cc[] = {
        X64_CC_E, X64_CC_NE, X64_CC_L, X64_CC_B, X64_CC_G,
        X64_CC_A, X64_CC_LE, X64_CC_BE, X64_CC_GE, X64_CC_AE,
    };
    return (x64_cc)cc[rel];
}

static void emit_compare(wb_ctx *c, x64_size sz, x64_cc cc)
{
    int32_t k;
    uint64_t ka, kb;
    if (two_consts(c, &ka, &kb)) {
        push_folded(c, WB_I32, fold_cc(cc, sz, ka, kb));
        return;
    }
    if (wb_peek_imm32(c, 0, &k)) {
        x64_gpr a;
        wb_drop(c, 1);
        a = wb_pop_gpr(c);
        x64_ri(c->b, X64_CMP, sz, a, k);
    } else {
        x64_gpr b = wb_pop_gpr(c), a = wb_pop_gpr(c);
        x64_rr(c->b, X64_CMP, sz, a, b);
    }
    wb_push_cond(c, cc);
}

/* -- Two-operand arithmetic -- */

static void emit_binop(wb_ctx *c, x64_op op, x64_size sz, bool commutative, uint8_t type)
{
    int32_t k;
    uint64_t ka, kb, v;
    x64_gpr a, b;
    if (two_consts(c, &ka, &kb) && fold_binop(op, sz, ka, kb, &v)) {
        push_folded(c, type, v);
        return;
    }
    if (wb_peek_imm32(c, 0, &k)) {
        wb_drop(c, 1);
        a = wb_pop_gpr(c);
    } else if (commutative && wb_peek_imm32(c, 1, &k)) {
        a = wb_pop_gpr(c);
        wb_drop(c, 1);
    } else {
        b = wb_pop_gpr(c);
        a = wb_pop_gpr(c);
        x64_rr(c->b, op, sz, a, b);
        wb_push_gpr(c, type, a);
        return;
    }
    if (op == X64_IMUL)
        x64_rri(c->b, X64_IMUL, sz, a, a, k);
    else
        x64_ri(c->b, op, sz, a, k);
    wb_push_gpr(c, type, a);
}

/* div_s, div_u, rem_s, rem_u: the checks the spec requires, then the
 * hardware division (which therefore never faults). */
static void emit_div(wb_ctx *c, x64_size sz, bool is_signed, bool is_rem, uint8_t type)
{
    int64_t kb = 0;
    bool bconst = wb_peek_const(c, 0, &kb);
    x64_gpr a, b;
    x64_label done = x64_label_new(c->b), normal = x64_label_new(c->b);

    wb_claim_gpr(c, X64_RAX);
    wb_claim_gpr(c, X64_RDX);
    b = wb_pop_gpr(c);
    a = wb_pop_gpr(c);
    x64_rr(c->b, X64_MOV, X64_64, X64_RAX, a);
    if (!bconst || kb == 0) {
        x64_rr(c->b, X64_TEST, sz, b, b);
        wb_trap_if(c, X64_CC_E, WB_ERR_TRAP_DIV_ZERO);
    }
    if (is_signed && (!bconst || kb == -1)) {
        /* b == -1: a / -1 = -a (overflow for the minimum), a % -1 = 0 */
        x64_ri(c->b, X64_CMP, sz, b, -1);
        x64_jcc(c->b, X64_CC_NE, normal, X64_JNEAR);
        if (is_rem) {
            x64_mov_imm(c->b, X64_32, X64_RDX, 0);
        } else {
            x64_r(c->b, X64_NEG, sz, X64_RAX);
            wb_trap_if(c, X64_CC_O, WB_ERR_TRAP_INT_OVERFLOW);
        }
        x64_jmp(c->b, done, X64_JNEAR);
    }
    x64_label_bind(c->b, normal);
    if (is_signed) {
        x64_cdq(c->b, sz);
        x64_r(c->b, X64_IDIV, sz, b);
    } else {
        x64_mov_imm(c->b, X64_32, X64_RDX, 0);
        x64_r(c->b, X64_DIV, sz, b);
    }
    x64_label_bind(c->b, done);
    if (is_rem) {
        wb_push_gpr(c, type, X64_RDX);
    } else {
        wb_push_gpr(c, type, X64_RAX);
    }
}

/* shl, shr_s, shr_u, rotl, rotr: the hardware masks the count exactly as
 * wasm does (mod 32 / mod 64). */
static void emit_shift(wb_ctx *c, x64_op op, x64_size sz, uint8_t type)
{
    int32_t k;
    uint64_t ka, kb, v;
    x64_gpr a;
    if (two_consts(c, &ka, &kb) && fold_binop(op, sz, ka, kb, &v)) {
        push_folded(c, type, v);
        return;
    }
    if (wb_peek_imm32(c, 0, &k)) {
        wb_drop(c, 1);
        a = wb_pop_gpr(c);
        x64_ri(c->b, op, sz, a, k & (sz == X64_64 ? 63 : 31));
    } else {
        wb_pop_gpr_to(c, X64_RCX);
        a = wb_pop_gpr(c);
        x64_rr(c->b, op, sz, a, X64_RCX);
    }
    wb_push_gpr(c, type, a);
}

/* -- Bit counting -- */

static void emit_clz(wb_ctx *c, x64_size sz, uint8_t type)
{
    x64_gpr a = wb_pop_gpr(c), r = wb_alloc_gpr(c);
    if (c->cpu.lzcnt) {
        x64_rr(c->b, X64_LZCNT, sz, r, a);
    } else {
        /* bsr gives the index of the highest set bit; for 0 take 2w-1 so
         * that the final xor with w-1 yields w */
        unsigned w = sz == X64_64 ? 64 : 32;
        x64_mov_imm(c->b, X64_32, WB_SCRATCH_GPR, 2 * w - 1);
        x64_rr(c->b, X64_BSR, sz, r, a);
        x64_cmov(c->b, X64_CC_E, sz, r, WB_SCRATCH_GPR);
        x64_ri(c->b, X64_XOR, sz, r, w - 1);
    }
    wb_push_gpr(c, type, r);
}

static void emit_ctz(wb_ctx *c, x64_size sz, uint8_t type)
{
    x64_gpr a = wb_pop_gpr(c), r = wb_alloc_gpr(c);
    if (c->cpu.bmi1) {
        x64_rr(c->b, X64_TZCNT, sz, r, a);
    } else {
        x64_mov_imm(c->b, X64_32, WB_SCRATCH_GPR, sz == X64_64 ? 64 : 32);
        x64_rr(c->b, X64_BSF, sz, r, a);
        x64_cmov(c->b, X64_CC_E, sz, r, WB_SCRATCH_GPR);
    }
    wb_push_gpr(c, type, r);
}

static void emit_popcnt(wb_ctx *c, x64_size sz, uint8_t type)
{
    x64_gpr a = wb_pop_gpr(c), t, m;
    bool q = sz == X64_64;
    if (c->cpu.popcnt) {
        x64_rr(c->b, X64_POPCNT, sz, a, a);
        wb_push_gpr(c, type, a);
        return;
    }
    /* SWAR: pairs, nibbles, bytes, then a multiply sums the bytes */
    t = wb_alloc_gpr(c);
    m = WB_SCRATCH_GPR;
    x64_rr(c->b, X64_MOV, sz, t, a);
    x64_ri(c->b, X64_SHR, sz, t, 1);
    x64_mov_imm(c->b, sz, m, q ? 0x5555555555555555ull : 0x55555555u);
    x64_rr(c->b, X64_AND, sz, t, m);
    x64_rr(c->b, X64_SUB, sz, a, t);
    x64_mov_imm(c->b, sz, m, q ? 0x3333333333333333ull : 0x33333333u);
    x64_rr(c->b, X64_MOV, sz, t, a);
    x64_rr(c->b, X64_AND, sz, t, m);
    x64_ri(c->b, X64_SHR, sz, a, 2);
    x64_rr(c->b, X64_AND, sz, a, m);
    x64_rr(c->b, X64_ADD, sz, a, t);
    x64_rr(c->b, X64_MOV, sz, t, a);
    x64_ri(c->b, X64_SHR, sz, t, 4);
    x64_rr(c->b, X64_ADD, sz, a, t);
    x64_mov_imm(c->b, sz, m, q ? 0x0f0f0f0f0f0f0f0full : 0x0f0f0f0fu);
    x64_rr(c->b, X64_AND, sz, a, m);
    x64_mov_imm(c->b, sz, m, q ? 0x0101010101010101ull : 0x01010101u);
    x64_rr(c->b, X64_IMUL, sz, a, m);
    x64_ri(c->b, X64_SHR, sz, a, q ? 56 : 24);
    wb_push_gpr(c, type, a);
}

static void emit_extend(wb_ctx *c, x64_op op, x64_size sz, uint8_t type)
{
    x64_gpr a = wb_pop_gpr(c);
    x64_rr(c->b, op, sz, a, a);
    wb_push_gpr(c, type, a);
}

/* -- Dispatch -- */

wb_err wb_emit_int(wb_ctx *c, const wb_instr *in)
{
    uint16_t op = in->op;

    if (op == WB_OP_I32_EQZ) {
        wb_push_cond(c, x64_cc_not(wb_pop_cc(c)));
        return WB_OK;
    }
    if (op == WB_OP_I64_EQZ) {
        x64_gpr a = wb_pop_gpr(c);
        x64_rr(c->b, X64_TEST, X64_64, a, a);
        wb_push_cond(c, X64_CC_E);
        return WB_OK;
    }
    if (op >= WB_OP_I32_EQ && op <= WB_OP_I32_GE_U) {
        emit_compare(c, X64_32, cmp_cc(op - WB_OP_I32_EQ));
        return WB_OK;
    }
    if (op >= WB_OP_I64_EQ && op <= WB_OP_I64_GE_U) {
        emit_compare(c, X64_64, cmp_cc(op - WB_OP_I64_EQ));
        return WB_OK;
    }

    bool i64 = (op >= WB_OP_I64_CLZ && op <= WB_OP_I64_ROTR) || op >= WB_OP_I64_EXTEND8_S;
    x64_size sz = i64 ? X64_64 : X64_32;
    uint8_t t = i64 ? WB_I64 : WB_I32;
    /* the i64 rows mirror the i32 rows */
    unsigned rel = i64 && op <= WB_OP_I64_ROTR ? op - WB_OP_I64_CLZ
                   : op <= WB_OP_I32_ROTR     ? op - WB_OP_I32_CLZ
                                              : 0;

    switch ((wb_opcode)op) {
    case WB_OP_I32_EXTEND8_S:  emit_extend(c, X64_MOVSX8, X64_32, WB_I32); return WB_OK;
    case WB_OP_I32_EXTEND16_S: emit_extend(c, X64_MOVSX16, X64_32, WB_I32); return WB_OK;
    case WB_OP_I64_EXTEND8_S:  emit_extend(c, X64_MOVSX8, X64_64, WB_I64); return WB_OK;
    case WB_OP_I64_EXTEND16_S: emit_extend(c, X64_MOVSX16, X64_64, WB_I64); return WB_OK;
    case WB_OP_I64_EXTEND32_S: emit_extend(c, X64_MOVSXD, X64_64, WB_I64); return WB_OK;
    default: break;
    }

    switch (rel) {
    case WB_OP_I32_CLZ - WB_OP_I32_CLZ:    emit_clz(c, sz, t); break;
    case WB_OP_I32_CTZ - WB_OP_I32_CLZ:    emit_ctz(c, sz, t); break;
    case WB_OP_I32_POPCNT - WB_OP_I32_CLZ: emit_popcnt(c, sz, t); break;
    case WB_OP_I32_ADD - WB_OP_I32_CLZ:    emit_binop(c, X64_ADD, sz, true, t); break;
    case WB_OP_I32_SUB - WB_OP_I32_CLZ:    emit_binop(c, X64_SUB, sz, false, t); break;
    case WB_OP_I32_MUL - WB_OP_I32_CLZ:    emit_binop(c, X64_IMUL, sz, true, t); break;
    case WB_OP_I32_DIV_S - WB_OP_I32_CLZ:  emit_div(c, sz, true, false, t); break;
    case WB_OP_I32_DIV_U - WB_OP_I32_CLZ:  emit_div(c, sz, false, false, t); break;
    case WB_OP_I32_REM_S - WB_OP_I32_CLZ:  emit_div(c, sz, true, true, t); break;
    case WB_OP_I32_REM_U - WB_OP_I32_CLZ:  emit_div(c, sz, false, true, t); break;
    case WB_OP_I32_AND - WB_OP_I32_CLZ:    emit_binop(c, X64_AND, sz, true, t); break;
    case WB_OP_I32_OR - WB_OP_I32_CLZ:     emit_binop(c, X64_OR, sz, true, t); break;
    case WB_OP_I32_XOR - WB_OP_I32_CLZ:    emit_binop(c, X64_XOR, sz, true, t); break;
    case WB_OP_I32_SHL - WB_OP_I32_CLZ:    emit_shift(c, X64_SHL, sz, t); break;
    case WB_OP_I32_SHR_S - WB_OP_I32_CLZ:  emit_shift(c, X64_SAR, sz, t); break;
    case WB_OP_I32_SHR_U - WB_OP_I32_CLZ:  emit_shift(c, X64_SHR, sz, t); break;
    case WB_OP_I32_ROTL - WB_OP_I32_CLZ:   emit_shift(c, X64_ROL, sz, t); break;
    case WB_OP_I32_ROTR - WB_OP_I32_CLZ:   emit_shift(c, X64_ROR, sz, t); break;
    default:
        return wb_fail(c, WB_ERR_INTERNAL, "not an integer instruction");
    }
    return WB_OK;
}

_Static_assert(WB_OP_I64_ROTR - WB_OP_I64_CLZ == WB_OP_I32_ROTR - WB_OP_I32_CLZ,
               "the i64 integer rows mirror the i32 rows");

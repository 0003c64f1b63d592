/* base_var.c — baseline compilation of constants, parametric instructions
 * (drop, select) and variables (locals in the frame, globals through the
 * vmctx globals array). */
#include "jit/jit_int.h"

static void local_get(wb_ctx *c, uint32_t i)
{
    uint8_t t = c->local_types[i];
    x64_mem src = wb_local_mem(c, i);
    if (wb_type_is_float(t)) {
        x64_xmm x = wb_alloc_xmm(c);
        x64_xm(c->b, t == WB_F32 ? X64_MOVSS : X64_MOVSD, x, src);
        wb_push_xmm(c, t, x);
    } else {
        x64_gpr r = wb_alloc_gpr(c);
        x64_rm(c->b, X64_MOV, wb_type_size(t), r, src);
        wb_push_gpr(c, t, r);
    }
}

/* Operand of global g's storage, with its address loaded into r11. */
static x64_mem global_mem(wb_ctx *c, uint32_t g)
{
    x64_rm(c->b, X64_MOV, X64_64, WB_SCRATCH_GPR,
           x64_mem_bd(WB_REG_VMCTX, (int32_t)(c->layout.globals + 8 * g)));
    return x64_mem_bd(WB_SCRATCH_GPR, 0);
}

static void global_get(wb_ctx *c, uint32_t g)
{
    uint8_t t = c->m->globals[g].type.type;
    if (t == WB_EXTERNREF) {
        /* The reference enters wasm code: cloned into the activations
         * table (deferred reference counting, base_ref.c). */
        wb_spill_regs(c);
        wb_claim_gpr(c, X64_RSI);
        x64_rm(c->b, X64_MOV, X64_64, X64_RSI, global_mem(c, g));
        wb_emit_externref_enter(c);
        wb_push_gpr(c, t, X64_RSI);
        return;
    }
    if (wb_type_is_float(t)) {
        x64_xmm x = wb_alloc_xmm(c);
        x64_xm(c->b, t == WB_F32 ? X64_MOVSS : X64_MOVSD, x, global_mem(c, g));
        wb_push_xmm(c, t, x);
    } else {
        x64_gpr r = wb_alloc_gpr(c);
        x64_rm(c->b, X64_MOV, wb_type_size(t), r, global_mem(c, g));
        wb_push_gpr(c, t, r);
    }
}

static void global_set(wb_ctx *c, uint32_t g)
{
    uint8_t t = c->m->globals[g].type.type;
    if (t == WB_EXTERNREF) {
        /* The global holds a count: the builtin adds one to the new value
         * and drops the old one's. */
        wb_pop_gpr_to(c, X64_RDX);
        wb_claim_gpr(c, X64_RSI);
        x64_rm(c->b, X64_MOV, X64_64, X64_RSI,
               x64_mem_bd(WB_REG_VMCTX, (int32_t)(c->layout.globals + 8 * g)));
        wb_call_builtin(c, WB_BUILTIN_GLOBAL_SET_REF);
        return;
    }
    if (wb_type_is_float(t)) {
        x64_xmm x = wb_pop_xmm(c);
        x64_mx(c->b, t == WB_F32 ? X64_MOVSS : X64_MOVSD, global_mem(c, g), x);
    } else {
        x64_gpr r = wb_pop_gpr(c);
        x64_mr(c->b, X64_MOV, wb_type_size(t), global_mem(c, g), r);
    }
}

static void emit_select(wb_ctx *c)
{
    x64_cc cc = wb_pop_cc(c);
    uint8_t t = wb_peek(c, 0)->type;
    /* the pops below emit moves only: the flags survive */
    if (wb_type_is_float(t)) {
        x64_xmm b = wb_pop_xmm(c), a = wb_pop_xmm(c);
        x64_label keep = x64_label_new(c->b);
        x64_jcc(c->b, cc, keep, X64_JAUTO);
        x64_xx(c->b, X64_MOVAPS, a, b);
        x64_label_bind(c->b, keep);
        wb_push_xmm(c, t, a);
    } else {
        x64_gpr b = wb_pop_gpr(c), a = wb_pop_gpr(c);
        x64_cmov(c->b, x64_cc_not(cc), wb_type_size(t), a, b);
        wb_push_gpr(c, t, a);
    }
}

wb_err wb_emit_var(wb_ctx *c, const wb_instr *in)
{
    switch ((wb_opcode)in->op) {
    case WB_OP_I32_CONST:
        wb_push_const(c, WB_I32, in->u.i32);
        break;
    case WB_OP_I64_CONST:
        wb_push_const(c, WB_I64, in->u.i64);
        break;
    case WB_OP_F32_CONST:
        wb_push_const(c, WB_F32, (int64_t)(uint64_t)in->u.f32);
        break;
    case WB_OP_F64_CONST:
        wb_push_const(c, WB_F64, (int64_t)in->u.f64);
        break;
    case WB_OP_DROP:
        wb_drop(c, 1);
        break;
    case WB_OP_SELECT:
    case WB_OP_SELECT_T:
        emit_select(c);
        break;
    case WB_OP_LOCAL_GET:
        local_get(c, in->u.index);
        break;
    case WB_OP_LOCAL_SET:
        wb_store_val(c, wb_peek(c, 0), wb_local_mem(c, in->u.index));
        wb_drop(c, 1);
        break;
    case WB_OP_LOCAL_TEE:
        wb_store_val(c, wb_peek(c, 0), wb_local_mem(c, in->u.index));
        break;
    case WB_OP_GLOBAL_GET:
        global_get(c, in->u.index);
        break;
    case WB_OP_GLOBAL_SET:
        global_set(c, in->u.index);
        break;
    default:
        return wb_fail(c, WB_ERR_INTERNAL, "not a variable instruction");
    }
    return WB_OK;
}

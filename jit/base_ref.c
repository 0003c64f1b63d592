/* base_ref.c — baseline compilation of reference types and tables:
 * ref.null/is_null/func, table.get/set (inline for funcref tables; through
 * builtins for externref tables, whose stores change reference counts),
 * table.size, and table.grow/fill/copy/init and elem.drop through builtins. */
#include "jit/jit_int.h"

static uint8_t table_elem(const wb_ctx *c, uint32_t t)
{
    return c->m->tables[t].type.elem;
}

/* Loads the wb_vm_table pointer of table t into r11. */
static void table_ptr(wb_ctx *c, uint32_t t)
{
    x64_rm(c->b, X64_MOV, X64_64, WB_SCRATCH_GPR,
           x64_mem_bd(WB_REG_VMCTX, (int32_t)(c->layout.tables + 8 * t)));
}

/* Bounds-checks index register idx against table t and leaves the
 * elements pointer in r11. */
static void table_elements(wb_ctx *c, uint32_t t, x64_gpr idx)
{
    table_ptr(c, t);
    x64_rm(c->b, X64_CMP, X64_32, idx, x64_mem_bd(WB_SCRATCH_GPR, WB_TABLE_SIZE));
    wb_trap_if(c, X64_CC_AE, WB_ERR_TRAP_TABLE_OOB);
    x64_rm(c->b, X64_MOV, X64_64, WB_SCRATCH_GPR,
           x64_mem_bd(WB_SCRATCH_GPR, WB_TABLE_ELEMENTS));
}

static void arg_imm(wb_ctx *c, x64_gpr r, uint32_t v)
{
    wb_claim_gpr(c, r);
    x64_mov_imm(c->b, X64_32, r, v);
}

static void push_result(wb_ctx *c, uint8_t type)
{
    wb_claim_gpr(c, X64_RAX);
    if (type == WB_I32) /* a u32 from C: the upper half of rax is undefined */
        x64_rr(c->b, X64_MOV, X64_32, X64_RAX, X64_RAX);
    wb_push_gpr(c, type, X64_RAX);
}

static void table_get(wb_ctx *c, uint32_t t)
{
    if (table_elem(c, t) == WB_FUNCREF) {
        x64_gpr idx = wb_pop_gpr(c);
        table_elements(c, t, idx);
        x64_rm(c->b, X64_MOV, X64_64, idx, x64_mem_bisd(WB_SCRATCH_GPR, idx, 8, 0));
        wb_push_gpr(c, WB_FUNCREF, idx);
        return;
    }
    /* the builtin also registers the reference entering wasm code */
    wb_pop_gpr_to(c, X64_RDX);
    arg_imm(c, X64_RSI, t);
    wb_call_builtin(c, WB_BUILTIN_TABLE_GET);
    push_result(c, WB_EXTERNREF);
}

static void table_set(wb_ctx *c, uint32_t t)
{
    if (table_elem(c, t) == WB_FUNCREF) {
        x64_gpr v = wb_pop_gpr(c), idx = wb_pop_gpr(c);
        table_elements(c, t, idx);
        x64_mr(c->b, X64_MOV, X64_64, x64_mem_bisd(WB_SCRATCH_GPR, idx, 8, 0), v);
        return;
    }
    wb_pop_gpr_to(c, X64_RCX); /* value */
    wb_pop_gpr_to(c, X64_RDX); /* index */
    arg_imm(c, X64_RSI, t);
    wb_call_builtin(c, WB_BUILTIN_TABLE_SET);
}

wb_err wb_emit_ref(wb_ctx *c, const wb_instr *in)
{
    switch ((wb_opcode)in->op) {
    case WB_OP_REF_NULL:
        wb_push_const(c, in->u.reftype, 0);
        return WB_OK;
    case WB_OP_REF_IS_NULL: {
        x64_gpr a = wb_pop_gpr(c);
        x64_rr(c->b, X64_TEST, X64_64, a, a);
        wb_push_cond(c, X64_CC_E);
        return WB_OK;
    }
    case WB_OP_REF_FUNC: {
        x64_gpr r = wb_alloc_gpr(c);
        x64_rm(c->b, X64_LEA, X64_64, r,
               x64_mem_bd(WB_REG_VMCTX, (int32_t)(c->layout.funcrefs +
                                                  sizeof(wb_vm_funcref) * in->u.index)));
        wb_push_gpr(c, WB_FUNCREF, r);
        return WB_OK;
    }
    case WB_OP_TABLE_GET:
        table_get(c, in->u.index);
        return WB_OK;
    case WB_OP_TABLE_SET:
        table_set(c, in->u.index);
        return WB_OK;
    case WB_OP_TABLE_SIZE: {
        x64_gpr r = wb_alloc_gpr(c);
        table_ptr(c, in->u.index);
        x64_rm(c->b, X64_MOV, X64_32, r, x64_mem_bd(WB_SCRATCH_GPR, WB_TABLE_SIZE));
        wb_push_gpr(c, WB_I32, r);
        return WB_OK;
    }
    case WB_OP_TABLE_GROW:
        wb_pop_gpr_to(c, X64_RCX); /* delta */
        wb_pop_gpr_to(c, X64_RDX); /* init */
        arg_imm(c, X64_RSI, in->u.index);
        wb_call_builtin(c, WB_BUILTIN_TABLE_GROW);
        push_result(c, WB_I32);
        return WB_OK;
    case WB_OP_TABLE_FILL:
        wb_pop_gpr_to(c, X64_R8);  /* len */
        wb_pop_gpr_to(c, X64_RCX); /* value */
        wb_pop_gpr_to(c, X64_RDX); /* dst */
        arg_imm(c, X64_RSI, in->u.index);
        wb_call_builtin(c, WB_BUILTIN_TABLE_FILL);
        return WB_OK;
    case WB_OP_TABLE_COPY:
        wb_pop_gpr_to(c, X64_R9);  /* len */
        wb_pop_gpr_to(c, X64_R8);  /* src */
        wb_pop_gpr_to(c, X64_RCX); /* dst */
        arg_imm(c, X64_RSI, in->u.copy.dst);
        arg_imm(c, X64_RDX, in->u.copy.src);
        wb_call_builtin(c, WB_BUILTIN_TABLE_COPY);
        return WB_OK;
    case WB_OP_TABLE_INIT:
        wb_pop_gpr_to(c, X64_R9);  /* len */
        wb_pop_gpr_to(c, X64_R8);  /* src */
        wb_pop_gpr_to(c, X64_RCX); /* dst */
        arg_imm(c, X64_RSI, in->u.init.idx);
        arg_imm(c, X64_RDX, in->u.init.seg);
        wb_call_builtin(c, WB_BUILTIN_TABLE_INIT);
        return WB_OK;
    case WB_OP_ELEM_DROP:
        arg_imm(c, X64_RSI, in->u.index);
        wb_call_builtin(c, WB_BUILTIN_ELEM_DROP);
        return WB_OK;
    default:
        return wb_fail(c, WB_ERR_INTERNAL, "not a table or reference instruction");
    }
}

/* base_ref.c — baseline compilation of reference types and tables:
 * ref.null/is_null/func, table.get (inline; an externref read is cloned
 * into the activations table), table.set (inline for funcref tables;
 * through a builtin for externref tables, whose stores change reference
 * counts), table.size, and table.grow/fill/copy/init and elem.drop through
 * builtins. */
#include "jit/jit_int.h"

/* -- Deferred reference counting: references entering wasm code --
 *
 *     test rsi, rsi ; je done                      null: nothing to count
 *     mov r11, [r15 + externrefs]
 *     mov eax, esi ; sub eax, 1                     slot index
 *     cmp eax, [r11 + nslots] ; jae slow            (never trust a handle)
 *     mov rdx, [r11 + act_next]
 *     cmp rdx, [r11 + act_end] ; jae slow           table full
 *     mov [rdx], rsi ; add rdx, 8 ; mov [r11 + act_next], rdx
 *     shl rax, 5 ; add rax, [r11 + slots] ; add qword [rax], 1
 *     jmp done
 *   slow:
 *     call EXTERNREF_ENTER (rsi) ; mov rsi, rax     may collect
 *   done: */
void wb_emit_externref_enter(wb_ctx *c)
{
    x64_buf *b = c->b;
    const x64_gpr heap = WB_SCRATCH_GPR;
    x64_label slow = x64_label_new(b), done = x64_label_new(b);

    wb_spill_regs(c); /* the slow path's call must find no register entry */
    wb_claim_gpr(c, X64_RAX);
    wb_claim_gpr(c, X64_RDX);
    x64_rr(b, X64_TEST, X64_64, X64_RSI, X64_RSI);
    x64_jcc(b, X64_CC_E, done, X64_JNEAR);
    x64_rm(b, X64_MOV, X64_64, heap, x64_mem_bd(WB_REG_VMCTX, WB_VMCTX_EXTERNREFS));
    x64_rr(b, X64_MOV, X64_32, X64_RAX, X64_RSI);
    x64_ri(b, X64_SUB, X64_32, X64_RAX, 1);
    x64_rm(b, X64_CMP, X64_32, X64_RAX, x64_mem_bd(heap, WB_EXTERNREFS_NSLOTS));
    x64_jcc(b, X64_CC_AE, slow, X64_JNEAR);
    x64_rm(b, X64_MOV, X64_64, X64_RDX, x64_mem_bd(heap, WB_EXTERNREFS_ACT_NEXT));
    x64_rm(b, X64_CMP, X64_64, X64_RDX, x64_mem_bd(heap, WB_EXTERNREFS_ACT_END));
    x64_jcc(b, X64_CC_AE, slow, X64_JNEAR);
    x64_mr(b, X64_MOV, X64_64, x64_mem_bd(X64_RDX, 0), X64_RSI);
    x64_ri(b, X64_ADD, X64_64, X64_RDX, 8);
    x64_mr(b, X64_MOV, X64_64, x64_mem_bd(heap, WB_EXTERNREFS_ACT_NEXT), X64_RDX);
    x64_ri(b, X64_SHL, X64_64, X64_RAX, WB_EXTERNREF_SLOT_SHIFT);
    x64_rm(b, X64_ADD, X64_64, X64_RAX, x64_mem_bd(heap, WB_EXTERNREFS_SLOTS));
    x64_mi(b, X64_ADD, X64_64, x64_mem_bd(X64_RAX, WB_EXTERNREF_SLOT_COUNT), 1);
    x64_jmp(b, done, X64_JNEAR);
    x64_label_bind(b, slow);
    wb_call_builtin(c, WB_BUILTIN_EXTERNREF_ENTER); /* releases every HELD register */
    wb_claim_gpr(c, X64_RSI);
    x64_rr(b, X64_MOV, X64_64, X64_RSI, X64_RAX);
    x64_label_bind(b, done);
    wb_release_gpr(c, X64_RAX);
    wb_release_gpr(c, X64_RDX);
}

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
    {
        x64_gpr idx = wb_pop_gpr(c);
        wb_spill_regs(c);
        table_elements(c, t, idx);
        if (idx != X64_RSI)
            wb_claim_gpr(c, X64_RSI);
        x64_rm(c->b, X64_MOV, X64_64, X64_RSI, x64_mem_bisd(WB_SCRATCH_GPR, idx, 8, 0));
        if (idx != X64_RSI)
            wb_release_gpr(c, idx);
        wb_emit_externref_enter(c);
        wb_push_gpr(c, WB_EXTERNREF, X64_RSI);
    }
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

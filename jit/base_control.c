/* base_control.c — baseline compilation of control flow: blocks, loops,
 * if/else, branches, br_table, return, unreachable, direct, imported and
 * indirect calls.
 *
 * Merge convention (jit_int.h): at every branch target the whole value
 * stack lives in its canonical frame slots. Entering a block spills the
 * stack; a branch copies its values into the target's slots and jumps. */
#include <stdlib.h>

#include "jit/jit_int.h"

static const uint8_t k_valtypes[] = {
    WB_I32, WB_I64, WB_F32, WB_F64, WB_V128, WB_FUNCREF, WB_EXTERNREF,
};

/* Parameter and result types of a block type. */
static void block_sig(const wb_ctx *c, const wb_instr *in, wb_ctrl *k)
{
    k->nparams = k->nresults = 0;
    k->params = k->results = NULL;
    if (in->u.block.kind == WB_BT_VAL) {
        for (unsigned i = 0; i < sizeof k_valtypes; i++)
            if (k_valtypes[i] == in->u.block.valtype)
                k->results = &k_valtypes[i];
        k->nresults = 1;
    } else if (in->u.block.kind == WB_BT_INDEX) {
        const wb_functype *ft = &c->m->types[in->u.block.index];
        k->nparams = ft->nparams;
        k->params = ft->types;
        k->nresults = ft->nresults;
        k->results = ft->types + ft->nparams;
    }
}

static wb_ctrl *push_ctrl(wb_ctx *c, uint8_t kind)
{
    wb_ctrl *k = wb_vec_push((void **)&c->ctrl, &c->nctrl, &c->cap_ctrl, sizeof *k);
    if (!k) {
        wb_fail(c, WB_ERR_NOMEM, "control stack");
        return NULL;
    }
    k->kind = kind;
    k->label = X64_NOLABEL;
    k->else_label = X64_NOLABEL;
    return k;
}

/* The rest of the current arm is dead: drop its values. */
static void set_unreachable(wb_ctx *c)
{
    wb_ctrl *k = &c->ctrl[c->nctrl - 1];
    wb_truncate(c, k->height);
    k->unreachable = true;
}

wb_err wb_control_begin(wb_ctx *c)
{
    wb_ctrl *k = push_ctrl(c, WB_CTRL_FUNC);
    if (!k)
        return c->err;
    k->height = 0;
    k->nresults = c->type->nresults;
    k->results = c->type->types + c->type->nparams;
    c->dead_depth = 0;
    return WB_OK;
}

/* -- Interruption -- */

/* The fast paths fall through: the jumps to the slow paths are forward
 * and not taken, the slow paths are out of line after the function body.
 *
 *   epoch:  cmp r13, [r12]; jbe slow     deadline <= epoch: call EPOCH_SLOW,
 *                                        reload r13, jump back
 *   fuel:   sub qword [r15+fuel], cost; js slow   (call FUEL_SLOW, back)
 *
 * r12 (epoch_ptr) and r13 (the deadline) are loaded at function entry and
 * r13 again after calls that may change the deadline (jit.h), so a loop
 * header costs one load and a fused compare-and-branch. */
void wb_epoch_check(wb_ctx *c)
{
    if (!c->t->epoch_interruption)
        return;
    x64_rm(c->b, X64_CMP, X64_64, WB_REG_DEADLINE, x64_mem_bd(WB_REG_EPOCH_PTR, 0));
    wb_call_builtin_cold(c, X64_CC_BE, WB_BUILTIN_EPOCH_SLOW);
}

/* Functions that host code or other modules can call: those whose index
 * appears outside function bodies (exports, element segments, global
 * initializers: the module's declared functions) and the start function.
 * Every other one is called only by this module's code. */
static bool entered_from_outside(const wb_ctx *c)
{
    uint32_t f = c->func_index;
    if (c->m->has_start && c->m->start == f)
        return true;
    return !c->m->declared_funcs || ((c->m->declared_funcs[f >> 3] >> (f & 7)) & 1);
}

void wb_epoch_entry(wb_ctx *c)
{
    if (!c->t->epoch_interruption)
        return;
    if (entered_from_outside(c)) {
        x64_rm(c->b, X64_MOV, X64_64, WB_REG_EPOCH_PTR,
               x64_mem_bd(WB_REG_VMCTX, WB_VMCTX_EPOCH_PTR));
        x64_rm(c->b, X64_MOV, X64_64, WB_REG_DEADLINE,
               x64_mem_bd(WB_REG_VMCTX, WB_VMCTX_EPOCH_DEADLINE));
    }
    wb_epoch_check(c);
}

void wb_fuel_close(wb_ctx *c)
{
    if (c->fuel_patch)
        x64_patch_u32(c->b, c->fuel_patch, c->fuel_count);
    c->fuel_patch = 0;
    c->fuel_count = 0;
}

void wb_fuel_region(wb_ctx *c)
{
    if (!c->t->fuel)
        return;
    wb_fuel_close(c);
    x64_mi(c->b, X64_SUB, X64_64, x64_mem_bd(WB_REG_VMCTX, WB_VMCTX_FUEL), 0x7fffff00);
    c->fuel_patch = x64_pos(c->b) - 4;
    wb_call_builtin_cold(c, X64_CC_S, WB_BUILTIN_FUEL_SLOW);
}

/* -- Returns -- */

/* Stores the function's results (the top entries) into the caller's
 * argument area. */
static void store_results(wb_ctx *c)
{
    uint32_t nr = c->type->nresults;
    for (uint32_t j = 0; j < nr; j++)
        wb_store_val(c, &c->vs[c->nvs - nr + j], x64_mem_bd(X64_RBP, 16 + 8 * (int32_t)j));
}

void wb_emit_return(wb_ctx *c)
{
    store_results(c);
    x64_jmp(c->b, c->ret_label, X64_JNEAR);
}

/* -- Branches -- */

static uint32_t branch_arity(const wb_ctrl *t)
{
    return t->kind == WB_CTRL_LOOP ? t->nparams : t->nresults;
}

/* True when taking a branch to t needs no moves: its values already sit in
 * the target's slots. */
static bool branch_in_place(const wb_ctx *c, const wb_ctrl *t)
{
    uint32_t n = branch_arity(t);
    if (c->nvs - n != t->height)
        return false;
    for (uint32_t i = t->height; i < c->nvs; i++)
        if (c->vs[i].loc != WB_LOC_SLOT)
            return false;
    return true;
}

/* The moves and jump of a branch to t, leaving the abstract stack as is. */
static void branch_to(wb_ctx *c, wb_ctrl *t)
{
    if (t->kind == WB_CTRL_FUNC) {
        wb_emit_return(c);
        return;
    }
    wb_move_to_slots(c, branch_arity(t), t->height);
    x64_jmp(c->b, t->label, X64_JAUTO);
}

static wb_ctrl *target(wb_ctx *c, uint32_t depth)
{
    return &c->ctrl[c->nctrl - 1 - depth];
}

static void emit_br_if(wb_ctx *c, uint32_t depth)
{
    x64_cc cc = wb_pop_cc(c);
    wb_ctrl *t = target(c, depth);
    x64_label skip;
    if (t->kind != WB_CTRL_FUNC && branch_in_place(c, t)) {
        x64_jcc(c->b, cc, t->label, X64_JAUTO);
        return;
    }
    skip = x64_label_new(c->b);
    x64_jcc(c->b, x64_cc_not(cc), skip, X64_JNEAR);
    branch_to(c, t);
    x64_label_bind(c->b, skip);
}

/* br_table: a compare chain for a few targets, else a jump table of
 * 32-bit offsets relative to the table. Each distinct target depth gets one
 * stub doing its moves (or the target label itself when none are needed). */
static void emit_br_table(wb_ctx *c, const wb_instr *in)
{
    uint32_t n = in->u.br_table.count, pos = in->u.br_table.first;
    x64_label *stub = NULL;
    bool *need = NULL;
    x64_gpr idx = wb_pop_gpr(c);
    uint32_t i;

    stub = malloc(sizeof *stub * c->nctrl);
    need = calloc(c->nctrl, sizeof *need);
    if (!stub || !need) {
        wb_fail(c, WB_ERR_NOMEM, "br_table");
        goto out;
    }
    for (i = 0; i < c->nctrl; i++)
        stub[i] = X64_NOLABEL;

    for (i = 0; i <= n; i++) {
        uint32_t d = i < n ? wb_br_table_next(c->m->bytes, &pos) : in->u.br_table.default_label;
        wb_ctrl *t = target(c, d);
        if (stub[d] != X64_NOLABEL)
            continue;
        if (t->kind != WB_CTRL_FUNC && branch_in_place(c, t)) {
            stub[d] = t->label;
        } else {
            stub[d] = x64_label_new(c->b);
            need[d] = true;
        }
    }

    pos = in->u.br_table.first;
    if (n <= 4) {
        for (i = 0; i < n; i++) {
            uint32_t d = wb_br_table_next(c->m->bytes, &pos);
            x64_ri(c->b, X64_CMP, X64_32, idx, (int32_t)i);
            x64_jcc(c->b, X64_CC_E, stub[d], X64_JAUTO);
        }
        x64_jmp(c->b, stub[in->u.br_table.default_label], X64_JAUTO);
    } else {
        x64_label table = x64_label_new(c->b);
        uint32_t origin;
        x64_ri(c->b, X64_CMP, X64_32, idx, (int64_t)n);
        x64_jcc(c->b, X64_CC_AE, stub[in->u.br_table.default_label], X64_JAUTO);
        x64_rm(c->b, X64_LEA, X64_64, WB_SCRATCH_GPR, x64_mem_rip(table, 0));
        x64_rm(c->b, X64_MOVSXD, X64_64, idx, x64_mem_bisd(WB_SCRATCH_GPR, idx, 4, 0));
        x64_rr(c->b, X64_ADD, X64_64, WB_SCRATCH_GPR, idx);
        x64_r(c->b, X64_JMP, X64_64, WB_SCRATCH_GPR);
        x64_align(c->b, 4);
        x64_label_bind(c->b, table);
        origin = x64_pos(c->b);
        for (i = 0; i < n; i++) {
            uint32_t d = wb_br_table_next(c->m->bytes, &pos);
            x64_d32_label(c->b, stub[d], origin);
        }
    }
    for (i = 0; i < c->nctrl; i++) {
        if (!need[i])
            continue;
        x64_label_bind(c->b, stub[i]);
        branch_to(c, target(c, i));
    }
out:
    free(stub);
    free(need);
}

/* -- Blocks -- */

static wb_err emit_block(wb_ctx *c, const wb_instr *in)
{
    wb_ctrl tmp = { 0 }, *k;
    x64_cc cc = X64_CC_NE;

    block_sig(c, in, &tmp);
    if (in->op == WB_OP_IF)
        cc = wb_pop_cc(c);
    wb_spill_all(c); /* moves only: the flags of `if` survive */
    if (!(k = push_ctrl(c, in->op == WB_OP_BLOCK ? WB_CTRL_BLOCK :
                           in->op == WB_OP_LOOP ? WB_CTRL_LOOP : WB_CTRL_IF)))
        return c->err;
    k->nparams = tmp.nparams;
    k->params = tmp.params;
    k->nresults = tmp.nresults;
    k->results = tmp.results;
    k->height = c->nvs - k->nparams;
    k->label = x64_label_new(c->b);
    if (in->op == WB_OP_LOOP) {
        x64_label_bind(c->b, k->label);
        wb_epoch_check(c);
        wb_fuel_region(c);
    } else if (in->op == WB_OP_IF) {
        k->else_label = x64_label_new(c->b);
        x64_jcc(c->b, x64_cc_not(cc), k->else_label, X64_JNEAR);
    }
    return WB_OK;
}

static wb_err emit_else(wb_ctx *c)
{
    wb_ctrl *k = &c->ctrl[c->nctrl - 1];
    if (!k->unreachable) {
        wb_move_to_slots(c, k->nresults, k->height);
        x64_jmp(c->b, k->label, X64_JNEAR);
    }
    x64_label_bind(c->b, k->else_label);
    k->else_label = X64_NOLABEL;
    wb_truncate(c, k->height);
    wb_push_slots(c, k->nparams, k->params);
    k->kind = WB_CTRL_ELSE;
    k->unreachable = false;
    wb_fuel_region(c);
    return WB_OK;
}

static wb_err emit_end(wb_ctx *c)
{
    wb_ctrl k = c->ctrl[c->nctrl - 1];

    if (k.kind == WB_CTRL_FUNC) {
        if (!k.unreachable)
            store_results(c);
        wb_truncate(c, 0);
        c->nctrl--;
        return WB_OK;
    }
    if (k.kind == WB_CTRL_LOOP) {
        c->nctrl--;
        if (k.unreachable)
            set_unreachable(c); /* nothing branches to a loop's end */
        return WB_OK;
    }
    if (!k.unreachable)
        wb_move_to_slots(c, k.nresults, k.height);
    if (k.else_label != X64_NOLABEL)
        x64_label_bind(c->b, k.else_label); /* if without else: params = results */
    x64_label_bind(c->b, k.label);
    wb_truncate(c, k.height);
    wb_push_slots(c, k.nresults, k.results);
    c->nctrl--;
    wb_fuel_region(c);
    return WB_OK;
}

/* -- Calls -- */

/* Writes the top np entries into the outgoing area and drops them, then
 * spills the rest of the stack (every register is clobbered by a call). */
static void call_args(wb_ctx *c, const wb_functype *ft)
{
    uint32_t np = ft->nparams, nr = ft->nresults;
    uint32_t area = 8 * (np > nr ? np : nr);
    area = (area + 15) & ~15u;
    if (area > c->out_area)
        c->out_area = area;
    for (uint32_t i = 0; i < np; i++)
        wb_store_val(c, &c->vs[c->nvs - np + i], x64_mem_bd(X64_RSP, 8 * (int32_t)i));
    wb_drop(c, np);
    wb_spill_regs(c);
}

/* After an import or indirect call: the callee ran with another vmctx,
 * or was host code that may have moved the epoch deadline (r12, the
 * engine's epoch_ptr, is the same for every instance and kept by host
 * code: SysV callee-saved). */
static void restore_context(wb_ctx *c)
{
    x64_rm(c->b, X64_MOV, X64_64, WB_REG_VMCTX, x64_mem_bd(X64_RBP, WB_FRAME_VMCTX));
    if (c->m->nmems)
        x64_rm(c->b, X64_MOV, X64_64, WB_REG_MEMBASE, x64_mem_bd(WB_REG_VMCTX, WB_VMCTX_MEM_BASE));
    if (c->t->epoch_interruption)
        x64_rm(c->b, X64_MOV, X64_64, WB_REG_DEADLINE,
               x64_mem_bd(WB_REG_VMCTX, WB_VMCTX_EPOCH_DEADLINE));
}

static void call_results(wb_ctx *c, const wb_functype *ft)
{
    const uint8_t *rt = ft->types + ft->nparams;
    wb_release_held(c); /* everything was clobbered by the call */
    for (uint32_t j = 0; j < ft->nresults; j++) {
        x64_mem src = x64_mem_bd(X64_RSP, 8 * (int32_t)j);
        if (wb_type_is_float(rt[j])) {
            x64_xmm x = wb_alloc_xmm(c);
            x64_xm(c->b, rt[j] == WB_F32 ? X64_MOVSS : X64_MOVSD, x, src);
            wb_push_xmm(c, rt[j], x);
        } else {
            x64_gpr r = wb_alloc_gpr(c);
            x64_rm(c->b, X64_MOV, wb_type_size(rt[j]), r, src);
            wb_push_gpr(c, rt[j], r);
        }
    }
}

static void emit_call(wb_ctx *c, uint32_t func)
{
    const wb_functype *ft = wb_func_type(c->m, func);
    call_args(c, ft);
    if (func < c->m->nfunc_imports) {
        int32_t at = (int32_t)(c->layout.func_imports + 16 * func);
        x64_rm(c->b, X64_MOV, X64_64, WB_SCRATCH_GPR, x64_mem_bd(WB_REG_VMCTX, at));
        x64_rm(c->b, X64_MOV, X64_64, WB_REG_VMCTX, x64_mem_bd(WB_REG_VMCTX, at + 8));
        x64_r(c->b, X64_CALL, X64_64, WB_SCRATCH_GPR);
        wb_record_call_site(c);
        restore_context(c);
    } else {
        x64_call(c->b, c->func_labels[func - c->m->nfunc_imports]);
        wb_record_call_site(c);
    }
    call_results(c, ft);
}

static void emit_call_indirect(wb_ctx *c, const wb_instr *in)
{
    uint32_t ti = in->u.call_indirect.type, table = in->u.call_indirect.table;
    const wb_functype *ft = &c->m->types[ti];
    x64_gpr idx = wb_pop_gpr(c);
    const x64_gpr f = WB_SCRATCH_GPR;

    call_args(c, ft);
    x64_rm(c->b, X64_MOV, X64_64, f,
           x64_mem_bd(WB_REG_VMCTX, (int32_t)(c->layout.tables + 8 * table)));
    x64_rm(c->b, X64_CMP, X64_32, idx, x64_mem_bd(f, WB_TABLE_SIZE));
    wb_trap_if(c, X64_CC_AE, WB_ERR_TRAP_UNDEFINED_ELEMENT);
    x64_rm(c->b, X64_MOV, X64_64, f, x64_mem_bd(f, WB_TABLE_ELEMENTS));
    x64_rm(c->b, X64_MOV, X64_64, f, x64_mem_bisd(f, idx, 8, 0));
    x64_rr(c->b, X64_TEST, X64_64, f, f);
    wb_trap_if(c, X64_CC_E, WB_ERR_TRAP_UNINITIALIZED_ELEMENT);
    x64_rm(c->b, X64_MOV, X64_32, idx,
           x64_mem_bd(WB_REG_VMCTX, (int32_t)(c->layout.type_ids + 4 * ti)));
    x64_rm(c->b, X64_CMP, X64_32, idx, x64_mem_bd(f, WB_FUNCREF_TYPE_ID));
    wb_trap_if(c, X64_CC_NE, WB_ERR_TRAP_INDIRECT_CALL_TYPE);
    x64_rm(c->b, X64_MOV, X64_64, WB_REG_VMCTX, x64_mem_bd(f, WB_FUNCREF_VMCTX));
    x64_m(c->b, X64_CALL, X64_64, x64_mem_bd(f, WB_FUNCREF_CODE));
    wb_record_call_site(c);
    restore_context(c);
    call_results(c, ft);
}

/* -- Dispatch -- */

wb_err wb_emit_control(wb_ctx *c, const wb_instr *in)
{
    switch ((wb_opcode)in->op) {
    case WB_OP_UNREACHABLE:
        wb_trap_now(c, WB_ERR_TRAP_UNREACHABLE);
        set_unreachable(c);
        return WB_OK;
    case WB_OP_NOP:
        return WB_OK;
    case WB_OP_BLOCK:
    case WB_OP_LOOP:
    case WB_OP_IF:
        return emit_block(c, in);
    case WB_OP_ELSE:
        return emit_else(c);
    case WB_OP_END:
        return emit_end(c);
    case WB_OP_BR:
        branch_to(c, target(c, in->u.index));
        set_unreachable(c);
        return WB_OK;
    case WB_OP_BR_IF:
        emit_br_if(c, in->u.index);
        return WB_OK;
    case WB_OP_BR_TABLE:
        emit_br_table(c, in);
        set_unreachable(c);
        return WB_OK;
    case WB_OP_RETURN:
        wb_emit_return(c);
        set_unreachable(c);
        return WB_OK;
    case WB_OP_CALL:
        emit_call(c, in->u.index);
        return WB_OK;
    case WB_OP_CALL_INDIRECT:
        emit_call_indirect(c, in);
        return WB_OK;
    default:
        return wb_fail(c, WB_ERR_INTERNAL, "not a control instruction");
    }
}

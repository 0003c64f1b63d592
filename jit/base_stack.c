/* base_stack.c — the baseline compiler's abstract value stack: constants,
 * registers and frame slots, register allocation with spilling, traps,
 * builtin calls and stack maps (API in jit_int.h). */
#include <stdlib.h>
#include <string.h>

#include "jit/jit_int.h"

/* -- Bookkeeping -- */

wb_err wb_fail(wb_ctx *c, wb_err err, const char *why)
{
    if (c->err == WB_OK) {
        c->err = err;
        wb_diag_setf(c->d, err, "code", c->wasm_offset, "%s", why);
    }
    return c->err;
}

void *wb_vec_push(void **arr, uint32_t *n, uint32_t *cap, size_t size)
{
    uint8_t *e;
    if (*n == *cap) {
        uint32_t nc = *cap ? *cap * 2 : 16;
        void *p;
        if (nc <= *cap)
            return NULL;
        p = realloc(*arr, (size_t)nc * size);
        if (!p)
            return NULL;
        *arr = p;
        *cap = nc;
    }
    e = (uint8_t *)*arr + (size_t)(*n)++ * size;
    memset(e, 0, size);
    return e;
}

void wb_stack_reset(wb_ctx *c)
{
    c->nvs = 0;
    c->max_vs = 0;
    c->nspilled = 0;
    c->gpr_held = c->xmm_held = 0;
    c->gpr_used = c->xmm_used = 0;
}

wb_vsval *wb_push_entry_slow(wb_ctx *c, uint8_t type, uint8_t loc)
{
    wb_vsval *e = wb_vec_push((void **)&c->vs, &c->nvs, &c->cap_vs, sizeof *e);
    if (!e) {
        wb_fail(c, WB_ERR_NOMEM, "value stack");
        return NULL;
    }
    e->type = type;
    e->loc = loc;
    if (c->nvs > c->max_vs)
        c->max_vs = c->nvs;
    return e;
}

/* -- Moves between locations -- */

static void load_gpr(wb_ctx *c, uint8_t type, x64_gpr r, x64_mem src)
{
    x64_rm(c->b, X64_MOV, wb_type_size(type), r, src);
}

/* (two calls, each with a constant operation: the encoder's inline path) */
static void load_xmm(wb_ctx *c, uint8_t type, x64_xmm x, x64_mem src)
{
    if (type == WB_F32)
        x64_xm(c->b, X64_MOVSS, x, src);
    else
        x64_xm(c->b, X64_MOVSD, x, src);
}

static void store_xmm(wb_ctx *c, uint8_t type, x64_mem dst, x64_xmm x)
{
    if (type == WB_F32)
        x64_mx(c->b, X64_MOVSS, dst, x);
    else
        x64_mx(c->b, X64_MOVSD, dst, x);
}

static void const_gpr(wb_ctx *c, uint8_t type, x64_gpr r, int64_t k)
{
    if (type == WB_I32)
        x64_mov_imm(c->b, X64_32, r, (uint32_t)k);
    else
        x64_mov_imm(c->b, X64_64, r, (uint64_t)k);
}

void wb_xmm_const(wb_ctx *c, x64_xmm dst, uint64_t bits)
{
    if (bits == 0) {
        x64_xx(c->b, X64_XORPS, dst, dst);
        return;
    }
    x64_mov_imm(c->b, X64_64, WB_SCRATCH_GPR, bits);
    x64_xr(c->b, X64_MOVQ, dst, WB_SCRATCH_GPR);
}

static bool same_mem(x64_mem a, x64_mem b)
{
    return a.base == b.base && a.index == b.index && a.scale == b.scale &&
           a.disp == b.disp && a.label == b.label;
}

void wb_store_val(wb_ctx *c, const wb_vsval *e, x64_mem dst)
{
    switch ((wb_loc)e->loc) {
    case WB_LOC_REG:
        if (wb_type_is_float(e->type))
            store_xmm(c, e->type, dst, (x64_xmm)e->reg);
        else
            x64_mr(c->b, X64_MOV, X64_64, dst, (x64_gpr)e->reg);
        return;
    case WB_LOC_CONST:
        if (e->type == WB_F32) {
            x64_mi(c->b, X64_MOV, X64_32, dst, (int32_t)(uint32_t)e->k);
        } else if (e->k >= INT32_MIN && e->k <= INT32_MAX) {
            x64_mi(c->b, X64_MOV, X64_64, dst, e->k);
        } else {
            x64_mov_imm(c->b, X64_64, WB_SCRATCH_GPR, (uint64_t)e->k);
            x64_mr(c->b, X64_MOV, X64_64, dst, WB_SCRATCH_GPR);
        }
        return;
    case WB_LOC_SLOT: {
        x64_mem src = wb_slot_mem(c, (uint32_t)(e - c->vs));
        if (same_mem(src, dst))
            return;
        x64_rm(c->b, X64_MOV, X64_64, WB_SCRATCH_GPR, src);
        x64_mr(c->b, X64_MOV, X64_64, dst, WB_SCRATCH_GPR);
        return;
    }
    case WB_LOC_COND:
        /* mov and setcc leave the flags alone */
        x64_mi(c->b, X64_MOV, X64_64, dst, 0);
        x64_setcc_m(c->b, (x64_cc)e->reg, dst);
        return;
    }
}

/* Moves entry idx (in a register) to its slot. */
static void spill_entry(wb_ctx *c, uint32_t idx)
{
    wb_vsval *e = &c->vs[idx];
    if (e->loc != WB_LOC_REG)
        return;
    wb_store_val(c, e, wb_slot_mem(c, idx));
    if (wb_type_is_float(e->type))
        wb_rs_xmm_free(c, e->reg);
    else
        wb_rs_gpr_free(c, e->reg);
    e->loc = WB_LOC_SLOT;
}

/* -- Allocation -- */

/* The register in `used` owned by the deepest stack entry (used last),
 * or -1. */
static int victim(const int32_t *owner, unsigned used)
{
    int best = -1;
    for (; used; used &= used - 1) {
        int r = __builtin_ctz(used);
        if (best < 0 || owner[r] < owner[best])
            best = r;
    }
    return best;
}

/* No register is free: spill the deepest register entry. */
x64_gpr wb_alloc_gpr_slow(wb_ctx *c)
{
    int r = wb_rs_free_gpr(c);
    if (r < 0) {
        r = victim(c->gpr_owner, c->gpr_used);
        if (r < 0) {
            wb_fail(c, WB_ERR_INTERNAL, "no allocatable GPR left");
            return X64_RAX;
        }
        spill_entry(c, (uint32_t)c->gpr_owner[r]);
    }
    wb_rs_gpr_hold(c, (unsigned)r);
    return (x64_gpr)r;
}

x64_xmm wb_alloc_xmm_slow(wb_ctx *c)
{
    int r = wb_rs_free_xmm(c);
    if (r < 0) {
        r = victim(c->xmm_owner, c->xmm_used);
        if (r < 0) {
            wb_fail(c, WB_ERR_INTERNAL, "no allocatable XMM left");
            return X64_XMM0;
        }
        spill_entry(c, (uint32_t)c->xmm_owner[r]);
    }
    wb_rs_xmm_hold(c, (unsigned)r);
    return (x64_xmm)r;
}

void wb_claim_gpr(wb_ctx *c, x64_gpr r)
{
    unsigned bit = 1u << r;
    if ((c->gpr_held & bit) || !(WB_ALLOC_GPRS & ~(unsigned)c->gpr_reserved & bit)) {
        wb_fail(c, WB_ERR_INTERNAL, "claiming a held or fixed register");
        return;
    }
    if (c->gpr_used & bit) {
        int32_t o = c->gpr_owner[r];
        int f = wb_rs_free_gpr(c);
        if (f >= 0) {
            x64_rr(c->b, X64_MOV, X64_64, (x64_gpr)f, r);
            c->vs[o].reg = (uint8_t)f;
            wb_rs_gpr_own(c, (unsigned)f, (uint32_t)o);
        } else {
            spill_entry(c, (uint32_t)o);
        }
    }
    wb_rs_gpr_hold(c, r);
}

void wb_release_gpr(wb_ctx *c, x64_gpr r)
{
    if ((c->gpr_held >> r) & 1)
        wb_rs_gpr_free(c, r);
}

void wb_release_xmm(wb_ctx *c, x64_xmm x)
{
    if ((c->xmm_held >> x) & 1)
        wb_rs_xmm_free(c, x);
}

/* -- Pushes -- */

void wb_push_reg_fail(wb_ctx *c)
{
    wb_fail(c, WB_ERR_INTERNAL, "pushing a register not held");
}

void wb_push_cond(wb_ctx *c, x64_cc cc)
{
    wb_vsval *e;
    wb_materialize_cond(c); /* at most one pending condition */
    c->nconds++;
    if ((e = wb_push_entry(c, WB_I32, WB_LOC_COND)))
        e->reg = (uint8_t)cc;
}

void wb_push_slots(wb_ctx *c, uint32_t n, const uint8_t *types)
{
    for (uint32_t i = 0; i < n; i++)
        wb_push_entry(c, types[i], WB_LOC_SLOT);
}

void wb_materialize_cond(wb_ctx *c)
{
    wb_vsval *e;
    x64_gpr r;
    if (c->nvs == 0 || c->vs[c->nvs - 1].loc != WB_LOC_COND)
        return;
    r = wb_alloc_gpr(c);
    e = &c->vs[c->nvs - 1];
    x64_setcc(c->b, (x64_cc)e->reg, r);
    x64_rr(c->b, X64_MOVZX8, X64_32, r, r);
    e->loc = WB_LOC_REG;
    e->reg = (uint8_t)r;
    wb_rs_gpr_own(c, r, c->nvs - 1);
}

/* -- Pops -- */

/* The top entry is not in a register (or the stack is empty). */
x64_gpr wb_pop_gpr_slow(wb_ctx *c)
{
    wb_vsval e;
    x64_gpr r;
    if (c->nvs == 0) {
        wb_fail(c, WB_ERR_INTERNAL, "pop from an empty value stack");
        return X64_RAX;
    }
    wb_materialize_cond(c);
    e = c->vs[c->nvs - 1];
    if (e.loc == WB_LOC_REG) {
        c->nvs--;
        if (c->nspilled > c->nvs)
            c->nspilled = c->nvs;
        wb_rs_gpr_hold(c, e.reg);
        return (x64_gpr)e.reg;
    }
    wb_pop_entry(c);
    r = wb_alloc_gpr(c);
    if (e.loc == WB_LOC_CONST)
        const_gpr(c, e.type, r, e.k);
    else
        load_gpr(c, e.type, r, wb_slot_mem(c, c->nvs));
    return r;
}

x64_xmm wb_pop_xmm_slow(wb_ctx *c)
{
    wb_vsval e;
    x64_xmm x;
    if (c->nvs == 0) {
        wb_fail(c, WB_ERR_INTERNAL, "pop from an empty value stack");
        return X64_XMM0;
    }
    e = c->vs[c->nvs - 1];
    if (e.loc == WB_LOC_REG) {
        c->nvs--;
        if (c->nspilled > c->nvs)
            c->nspilled = c->nvs;
        wb_rs_xmm_hold(c, e.reg);
        return (x64_xmm)e.reg;
    }
    wb_pop_entry(c);
    x = wb_alloc_xmm(c);
    if (e.loc == WB_LOC_CONST)
        wb_xmm_const(c, x, (uint64_t)e.k);
    else
        load_xmm(c, e.type, x, wb_slot_mem(c, c->nvs));
    return x;
}

void wb_pop_gpr_to(wb_ctx *c, x64_gpr r)
{
    wb_vsval e;
    if (c->nvs == 0) {
        wb_fail(c, WB_ERR_INTERNAL, "pop from an empty value stack");
        return;
    }
    wb_materialize_cond(c);
    e = c->vs[c->nvs - 1];
    if (e.loc == WB_LOC_REG && e.reg == r) {
        wb_pop_gpr(c);
        return;
    }
    wb_claim_gpr(c, r); /* may move or spill other entries, never the top's value */
    e = c->vs[c->nvs - 1];
    wb_pop_entry(c);
    if (e.loc == WB_LOC_REG)
        x64_rr(c->b, X64_MOV, X64_64, r, (x64_gpr)e.reg);
    else if (e.loc == WB_LOC_CONST)
        const_gpr(c, e.type, r, e.k);
    else
        load_gpr(c, e.type, r, wb_slot_mem(c, c->nvs));
}

x64_cc wb_pop_cc(wb_ctx *c)
{
    x64_gpr r;
    if (c->nvs && c->vs[c->nvs - 1].loc == WB_LOC_COND) {
        x64_cc cc = (x64_cc)c->vs[c->nvs - 1].reg;
        c->nvs--;
        if (c->nspilled > c->nvs)
            c->nspilled = c->nvs;
        return cc;
    }
    r = wb_pop_gpr(c);
    x64_rr(c->b, X64_TEST, X64_32, r, r);
    return X64_CC_NE;
}

void wb_truncate(wb_ctx *c, uint32_t h)
{
    while (c->nvs > h)
        wb_pop_entry(c);
}

/* -- Spilling -- */

void wb_spill_regs(wb_ctx *c)
{
    wb_materialize_cond(c);
    /* ascending register order (spill_entry clears the bit it spills) */
    while (c->gpr_used)
        spill_entry(c, (uint32_t)c->gpr_owner[__builtin_ctz(c->gpr_used)]);
    while (c->xmm_used)
        spill_entry(c, (uint32_t)c->xmm_owner[__builtin_ctz(c->xmm_used)]);
}

void wb_spill_all(wb_ctx *c)
{
    wb_spill_regs(c);
    for (uint32_t i = c->nspilled; i < c->nvs; i++) {
        wb_vsval *e = &c->vs[i];
        if (e->loc == WB_LOC_CONST) {
            wb_store_val(c, e, wb_slot_mem(c, i));
            e->loc = WB_LOC_SLOT;
        }
    }
    c->nspilled = c->nvs;
}

void wb_move_to_slots(wb_ctx *c, uint32_t n, uint32_t to)
{
    uint32_t from = c->nvs - n;
    /* Ascending order: a destination is always below every source still
     * to be read, so no source is overwritten before it is copied. */
    for (uint32_t i = 0; i < n; i++) {
        const wb_vsval *e = &c->vs[from + i];
        if (e->loc == WB_LOC_SLOT && from + i == to + i)
            continue;
        wb_store_val(c, e, wb_slot_mem(c, to + i));
    }
}

/* -- Traps -- */

static inline void add_trap(wb_ctx *c, uint32_t code_offset, uint32_t wasm_offset,
                            wb_err kind)
{
    wb_trap_site *t;
    if (__builtin_expect(c->ntraps < c->cap_traps, 1))
        t = &c->traps[c->ntraps++];
    else
        t = wb_vec_push((void **)&c->traps, &c->ntraps, &c->cap_traps, sizeof *t);
    if (!t) {
        wb_fail(c, WB_ERR_NOMEM, "trap table");
        return;
    }
    t->code_offset = code_offset;
    t->wasm_offset = wasm_offset;
    t->kind = (uint16_t)kind;
    t->pad = 0;
}

void wb_trap_if(wb_ctx *c, x64_cc cc, wb_err kind)
{
    wb_trap_stub *s = wb_vec_push((void **)&c->stubs, &c->nstubs, &c->cap_stubs, sizeof *s);
    if (!s) {
        wb_fail(c, WB_ERR_NOMEM, "trap stubs");
        return;
    }
    s->label = x64_label_new(c->b);
    s->wasm_offset = c->wasm_offset;
    s->kind = (uint16_t)kind;
    x64_jcc(c->b, cc, s->label, X64_JNEAR);
}

void wb_trap_now(wb_ctx *c, wb_err kind)
{
    add_trap(c, x64_pos(c->b), c->wasm_offset, kind);
    x64_ud2(c->b);
}

void wb_trap_site_here(wb_ctx *c, wb_err kind)
{
    add_trap(c, x64_pos(c->b), c->wasm_offset, kind);
}

/* Emitted by the driver after the function's epilogue. */
void wb_emit_trap_stubs(wb_ctx *c)
{
    for (uint32_t i = 0; i < c->nstubs; i++) {
        x64_label_bind(c->b, c->stubs[i].label);
        add_trap(c, x64_pos(c->b), c->stubs[i].wasm_offset, c->stubs[i].kind);
        x64_ud2(c->b);
    }
    c->nstubs = 0;
}

/* -- Calls -- */

/* Appends the stack map of the current frame (externref locals, then the
 * value-stack slots holding externrefs) to ref_slots: its first entry and
 * count. False when out of memory (error recorded). */
static bool record_stack_map(wb_ctx *c, uint32_t *start, uint32_t *count)
{
    *start = c->nref_slots;
    for (uint32_t i = 0; i < c->nref_locals; i++) {
        int32_t *p = wb_vec_push((void **)&c->ref_slots, &c->nref_slots,
                                 &c->cap_ref_slots, sizeof *p);
        if (!p)
            goto oom;
        *p = c->ref_locals[i];
    }
    for (uint32_t i = 0; i < c->nvs; i++) {
        int32_t *p;
        if (c->vs[i].type != WB_EXTERNREF || c->vs[i].loc != WB_LOC_SLOT)
            continue;
        if (!(p = wb_vec_push((void **)&c->ref_slots, &c->nref_slots, &c->cap_ref_slots,
                              sizeof *p)))
            goto oom;
        *p = wb_slot_mem(c, i).disp;
    }
    *count = c->nref_slots - *start;
    return true;
oom:
    wb_fail(c, WB_ERR_NOMEM, "stack maps");
    return false;
}

static void add_call_site(wb_ctx *c, uint32_t wasm_offset, uint32_t map_start,
                          uint32_t map_count)
{
    wb_call_site *s = wb_vec_push((void **)&c->calls, &c->ncalls, &c->cap_calls, sizeof *s);
    if (!s) {
        wb_fail(c, WB_ERR_NOMEM, "call sites");
        return;
    }
    s->return_offset = x64_pos(c->b);
    s->wasm_offset = wasm_offset;
    s->map_start = map_start;
    s->map_count = map_count;
}

void wb_record_call_site(wb_ctx *c)
{
    uint32_t start, count;
    if (record_stack_map(c, &start, &count))
        add_call_site(c, c->wasm_offset, start, count);
}

/* The call of builtin id: rdi = vmctx, exit_fp = rbp, through the table. */
static void call_builtin_raw(wb_ctx *c, wb_builtin id)
{
    x64_rr(c->b, X64_MOV, X64_64, X64_RDI, WB_REG_VMCTX);
    x64_mr(c->b, X64_MOV, X64_64, x64_mem_bd(WB_REG_VMCTX, WB_VMCTX_EXIT_FP), X64_RBP);
    x64_rm(c->b, X64_MOV, X64_64, WB_SCRATCH_GPR, x64_mem_bd(WB_REG_VMCTX, WB_VMCTX_BUILTINS));
    x64_m(c->b, X64_CALL, X64_64, x64_mem_bd(WB_SCRATCH_GPR, 8 * (int32_t)id));
}

void wb_call_builtin_cold(wb_ctx *c, x64_cc cc, wb_builtin id)
{
    wb_slow_call *s = wb_vec_push((void **)&c->slows, &c->nslows, &c->cap_slows, sizeof *s);
    if (!s) {
        wb_fail(c, WB_ERR_NOMEM, "slow paths");
        return;
    }
    s->stub = x64_label_new(c->b);
    s->resume = x64_label_new(c->b);
    s->wasm_offset = c->wasm_offset;
    s->builtin = (uint16_t)id;
    if (!record_stack_map(c, &s->map_start, &s->map_count))
        return;
    x64_jcc(c->b, cc, s->stub, X64_JNEAR);
    x64_label_bind(c->b, s->resume);
}

void wb_emit_slow_calls(wb_ctx *c)
{
    for (uint32_t i = 0; i < c->nslows; i++) {
        const wb_slow_call *s = &c->slows[i];
        x64_label_bind(c->b, s->stub);
        call_builtin_raw(c, (wb_builtin)s->builtin);
        add_call_site(c, s->wasm_offset, s->map_start, s->map_count);
        if (c->t->epoch_interruption) /* the deadline may have moved */
            x64_rm(c->b, X64_MOV, X64_64, WB_REG_DEADLINE,
                   x64_mem_bd(WB_REG_VMCTX, WB_VMCTX_EPOCH_DEADLINE));
        x64_jmp(c->b, s->resume, X64_JAUTO);
    }
    c->nslows = 0;
}

void wb_call_builtin(wb_ctx *c, wb_builtin id)
{
    wb_spill_regs(c);
    if ((c->gpr_held >> X64_RDI) & 1) {
        wb_fail(c, WB_ERR_INTERNAL, "rdi held across a builtin call");
        return;
    }
    call_builtin_raw(c, id);
    wb_record_call_site(c);
    wb_release_held(c);
    if (c->t->epoch_interruption) /* host code ran: the deadline may have moved */
        x64_rm(c->b, X64_MOV, X64_64, WB_REG_DEADLINE,
               x64_mem_bd(WB_REG_VMCTX, WB_VMCTX_EPOCH_DEADLINE));
}

/* builtins.c — the runtime functions compiled code calls through
 * vmctx->builtins (WB_BUILTINS of jit.h): bulk memory and table operations,
 * segment drops, growth, externref entry and the interruption slow paths,
 * with the spec's bounds semantics (check everything first, then write;
 * a failing check traps and writes nothing).
 *
 * A builtin that traps unwinds to the host entry: the backtrace starts at
 * its return address, in the wasm frame whose rbp the caller stored in
 * vmctx->exit_fp just before the call. Builtins are noinline so that
 * __builtin_return_address(0) is that return address. */
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime_int.h"

#define BUILTIN static __attribute__((noinline))

/* Traps from inside a builtin (a statement; never returns). */
#define BUILTIN_TRAP(vmctx, kind) \
    wb_trap_raise((kind), (uintptr_t)__builtin_return_address(0), (vmctx)->exit_fp, NULL, 0)

static wb_instance *inst_of(wb_vmctx *v)
{
    return (wb_instance *)v->instance;
}

/* -- Shared with instantiation -- */

wb_err wb_op_memory_init(wb_instance *inst, uint32_t seg, uint32_t dst, uint32_t src,
                         uint32_t len)
{
    const wb_data *d = &inst->module->datas[seg];
    wb_rt_memory *m = inst->module->nmems ? inst->mems[0] : NULL;
    uint64_t seglen = inst->data_dropped[seg] ? 0 : d->data_len;
    uint64_t memsize = m ? m->pages * WB_PAGE_SIZE : 0;

    if ((uint64_t)src + len > seglen || (uint64_t)dst + len > memsize)
        return WB_ERR_TRAP_MEMORY_OOB;
    if (len)
        memcpy(m->base + dst, inst->compiled->bytes + d->data_offset + src, len);
    return WB_OK;
}

wb_err wb_op_table_init(wb_instance *inst, uint32_t table, uint32_t seg, uint32_t dst,
                        uint32_t src, uint32_t len)
{
    const wb_elem_inst *e = &inst->elems[seg];
    wb_rt_table *t = inst->tables[table];

    if ((uint64_t)src + len > e->count || (uint64_t)dst + len > t->vm.size)
        return WB_ERR_TRAP_TABLE_OOB;
    if (t->elem_type == WB_EXTERNREF) {
        /* Segment items need no counts of their own: an externref item is
         * null or the value of an immutable imported global, alive as long
         * as the store. */
        wb_gc_heap *h = &inst->store->externs;
        wb_gc_hold(h);
        for (uint32_t i = 0; i < len; i++)
            wb_gc_assign(h, &t->vm.elements[dst + i], e->items[src + i]);
        wb_gc_unhold(h);
    } else if (len) {
        memcpy(t->vm.elements + dst, e->items + src, (size_t)len * sizeof(uint64_t));
    }
    return WB_OK;
}

/* -- Memory -- */

BUILTIN uint32_t builtin_memory_grow(wb_vmctx *v, uint32_t delta)
{
    int64_t old = wb_memory_grow((wb_rt_memory *)v->memory, delta);
    return old < 0 ? UINT32_MAX : (uint32_t)old;
}

BUILTIN void builtin_memory_fill(wb_vmctx *v, uint32_t dst, uint32_t val, uint32_t len)
{
    wb_rt_memory *m = v->memory;
    if ((uint64_t)dst + len > m->pages * WB_PAGE_SIZE)
        BUILTIN_TRAP(v, WB_ERR_TRAP_MEMORY_OOB);
    memset(m->base + dst, (int)(uint8_t)val, len);
}

BUILTIN void builtin_memory_copy(wb_vmctx *v, uint32_t dst, uint32_t src, uint32_t len)
{
    wb_rt_memory *m = v->memory;
    uint64_t size = m->pages * WB_PAGE_SIZE;
    if ((uint64_t)dst + len > size || (uint64_t)src + len > size)
        BUILTIN_TRAP(v, WB_ERR_TRAP_MEMORY_OOB);
    memmove(m->base + dst, m->base + src, len);
}

BUILTIN void builtin_memory_init(wb_vmctx *v, uint32_t seg, uint32_t dst, uint32_t src,
                                 uint32_t len)
{
    wb_err err = wb_op_memory_init(inst_of(v), seg, dst, src, len);
    if (err != WB_OK)
        BUILTIN_TRAP(v, err);
}

BUILTIN void builtin_data_drop(wb_vmctx *v, uint32_t seg)
{
    inst_of(v)->data_dropped[seg] = 1;
}

/* -- Tables (an externref element holds one count: DESIGN.md) -- */

static wb_gc_heap *heap_of(wb_vmctx *v)
{
    return &inst_of(v)->store->externs;
}

BUILTIN uint32_t builtin_table_grow(wb_vmctx *v, uint32_t table, uint64_t init,
                                    uint32_t delta)
{
    wb_rt_table *t = inst_of(v)->tables[table];
    bool ext = t->elem_type == WB_EXTERNREF;
    int64_t old;
    if (ext && init && !wb_gc_live(heap_of(v), init))
        init = 0; /* stale: null, never a dangling handle in the table */
    old = wb_table_grow_raw(t, delta, init);
    if (old < 0)
        return UINT32_MAX;
    if (ext && init)
        wb_gc_inc(heap_of(v), init, delta);
    return (uint32_t)old;
}

BUILTIN void builtin_table_fill(wb_vmctx *v, uint32_t table, uint32_t dst, uint64_t val,
                                uint32_t len)
{
    wb_rt_table *t = inst_of(v)->tables[table];
    if ((uint64_t)dst + len > t->vm.size)
        BUILTIN_TRAP(v, WB_ERR_TRAP_TABLE_OOB);
    if (t->elem_type == WB_EXTERNREF) {
        wb_gc_heap *h = heap_of(v);
        if (val && !wb_gc_inc(h, val, len))
            val = 0;
        wb_gc_hold(h); /* destructors after the loop: they may touch t */
        for (uint32_t i = 0; i < len; i++) {
            uint64_t old = t->vm.elements[dst + i];
            t->vm.elements[dst + i] = val;
            wb_gc_dec(h, old);
        }
        wb_gc_unhold(h);
        return;
    }
    for (uint32_t i = 0; i < len; i++)
        t->vm.elements[dst + i] = val;
}

BUILTIN void builtin_table_copy(wb_vmctx *v, uint32_t dst_table, uint32_t src_table,
                                uint32_t dst, uint32_t src, uint32_t len)
{
    wb_rt_table *d = inst_of(v)->tables[dst_table], *s = inst_of(v)->tables[src_table];
    if ((uint64_t)dst + len > d->vm.size || (uint64_t)src + len > s->vm.size)
        BUILTIN_TRAP(v, WB_ERR_TRAP_TABLE_OOB);
    if (d->elem_type == WB_EXTERNREF) {
        /* Element by element in memmove's order: a source is read before
         * any write can reach it. Every value holds a count until it is
         * overwritten, and destructors wait for the end. */
        wb_gc_heap *h = heap_of(v);
        wb_gc_hold(h);
        if (dst <= src)
            for (uint32_t i = 0; i < len; i++)
                wb_gc_assign(h, &d->vm.elements[dst + i], s->vm.elements[src + i]);
        else
            for (uint32_t i = len; i-- > 0;)
                wb_gc_assign(h, &d->vm.elements[dst + i], s->vm.elements[src + i]);
        wb_gc_unhold(h);
        return;
    }
    memmove(d->vm.elements + dst, s->vm.elements + src, (size_t)len * sizeof(uint64_t));
}

BUILTIN void builtin_table_init(wb_vmctx *v, uint32_t table, uint32_t seg, uint32_t dst,
                                uint32_t src, uint32_t len)
{
    wb_err err = wb_op_table_init(inst_of(v), table, seg, dst, src, len);
    if (err != WB_OK)
        BUILTIN_TRAP(v, err);
}

BUILTIN void builtin_elem_drop(wb_vmctx *v, uint32_t seg)
{
    wb_elem_inst *e = &inst_of(v)->elems[seg];
    free(e->items);
    e->items = NULL;
    e->count = 0;
}

/* A reference enters wasm code from a builtin called at return address pc:
 * cloned into the activations table, after a collection when it is full.
 * Returns r, or 0 when r is stale. */
static uint64_t enter_from_wasm(wb_vmctx *v, uint64_t r, uintptr_t pc)
{
    wb_store *s = inst_of(v)->store;
    if (!r || !wb_gc_inc(&s->externs, r, 1))
        return 0; /* counted first: the collection below does not see r */
    if (wb_gc_act_full(&s->externs))
        wb_externref_collect_at(s, pc, v->exit_fp);
    wb_gc_act_push(&s->externs, r);
    return r;
}

/* (The baseline compiler inlines table.get of externrefs; this is the
 * general path.) */
BUILTIN uint64_t builtin_table_get(wb_vmctx *v, uint32_t table, uint32_t index)
{
    wb_rt_table *t = inst_of(v)->tables[table];
    if (index >= t->vm.size)
        BUILTIN_TRAP(v, WB_ERR_TRAP_TABLE_OOB);
    if (t->elem_type == WB_EXTERNREF)
        return enter_from_wasm(v, t->vm.elements[index],
                               (uintptr_t)__builtin_return_address(0));
    return t->vm.elements[index];
}

BUILTIN void builtin_table_set(wb_vmctx *v, uint32_t table, uint32_t index, uint64_t val)
{
    wb_rt_table *t = inst_of(v)->tables[table];
    if (index >= t->vm.size)
        BUILTIN_TRAP(v, WB_ERR_TRAP_TABLE_OOB);
    if (t->elem_type == WB_EXTERNREF)
        wb_gc_assign(heap_of(v), &t->vm.elements[index], val);
    else
        t->vm.elements[index] = val;
}

/* -- References and interruption -- */

/* The slow path of the inline clone into the activations table (full). */
BUILTIN uint64_t builtin_externref_enter(wb_vmctx *v, uint64_t ref)
{
    return enter_from_wasm(v, ref, (uintptr_t)__builtin_return_address(0));
}

/* global.set of an externref global: storage is the global's cell. */
BUILTIN void builtin_global_set_ref(wb_vmctx *v, uint64_t *storage, uint64_t ref)
{
    wb_gc_assign(heap_of(v), storage, ref);
}

/* The epoch reached this vmctx's deadline: the store's deadline callback
 * (interrupt.c) may extend it and let the code go on; else it traps. */
BUILTIN void builtin_epoch_slow(wb_vmctx *v)
{
    wb_err kind = wb_interrupt_epoch_reached(inst_of(v)->store);
    if (kind != WB_OK)
        BUILTIN_TRAP(v, kind);
}

/* The fuel would go below zero: the region that charged it does not run.
 * The vmctx keeps the negative amount, so the store reports 0 left
 * (interrupt.c) and any further region traps too until fuel is set. */
BUILTIN void builtin_fuel_slow(wb_vmctx *v)
{
    BUILTIN_TRAP(v, WB_ERR_TRAP_OUT_OF_FUEL);
}

const void *const wb_builtin_table[WB_BUILTIN__COUNT] = {
    [WB_BUILTIN_MEMORY_GROW] = (const void *)builtin_memory_grow,
    [WB_BUILTIN_MEMORY_FILL] = (const void *)builtin_memory_fill,
    [WB_BUILTIN_MEMORY_COPY] = (const void *)builtin_memory_copy,
    [WB_BUILTIN_MEMORY_INIT] = (const void *)builtin_memory_init,
    [WB_BUILTIN_DATA_DROP] = (const void *)builtin_data_drop,
    [WB_BUILTIN_TABLE_GROW] = (const void *)builtin_table_grow,
    [WB_BUILTIN_TABLE_FILL] = (const void *)builtin_table_fill,
    [WB_BUILTIN_TABLE_COPY] = (const void *)builtin_table_copy,
    [WB_BUILTIN_TABLE_INIT] = (const void *)builtin_table_init,
    [WB_BUILTIN_ELEM_DROP] = (const void *)builtin_elem_drop,
    [WB_BUILTIN_TABLE_GET] = (const void *)builtin_table_get,
    [WB_BUILTIN_TABLE_SET] = (const void *)builtin_table_set,
    [WB_BUILTIN_EXTERNREF_ENTER] = (const void *)builtin_externref_enter,
    [WB_BUILTIN_GLOBAL_SET_REF] = (const void *)builtin_global_set_ref,
    [WB_BUILTIN_EPOCH_SLOW] = (const void *)builtin_epoch_slow,
    [WB_BUILTIN_FUEL_SLOW] = (const void *)builtin_fuel_slow,
};

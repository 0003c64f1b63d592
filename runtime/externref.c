/* externref.c — the store's externref table. An externref value is a
 * handle, (generation << 32) | (slot index + 1), never a host pointer: a
 * forged or stale handle can at worst name another live object of the same
 * store, never freed memory. 0 is null.
 *
 * Lifetime, for now: the host holds references with plain counting
 * (wb_externref_new gives one, clone/release add and drop). A reference that
 * becomes reachable from wasm code (an argument or result crossing into
 * wasm, a global or table element set by the host, the EXTERNREF_ENTER
 * builtin) is pinned and lives until the store is freed. The deferred
 * reference counting of DESIGN.md (activations table + stack maps) will
 * replace pinning; until then a long-running store accumulates every
 * reference it ever handed to wasm. */
#include <stdlib.h>

#include "runtime/runtime_int.h"

struct wb_extern_slot {
    void *data;
    void (*dtor)(void *);
    uint32_t gen;               /* bumped each time the slot is freed */
    uint32_t count;             /* host references */
    uint32_t next_free;         /* 1 + index of the next free slot, 0 = none */
    bool live;
    bool pinned;                /* reachable from wasm: kept until store free */
};

static wb_extern_slot *slot_of(wb_externs *x, wb_externref r)
{
    uint32_t idx = (uint32_t)r, gen = (uint32_t)(r >> 32);
    wb_extern_slot *sl;
    if (idx == 0 || idx > x->n)
        return NULL;
    sl = &x->slots[idx - 1];
    return sl->live && sl->gen == gen ? sl : NULL;
}

wb_externref wb_externref_new(wb_store *s, void *data, void (*dtor)(void *))
{
    wb_externs *x = &s->externs;
    uint32_t idx;
    wb_extern_slot *sl;

    if (x->free_head) {
        idx = x->free_head - 1;
        x->free_head = x->slots[idx].next_free;
    } else {
        if (x->n == UINT32_MAX - 1)
            return 0;
        if (x->n == x->cap) {
            uint32_t cap = x->cap ? (x->cap > UINT32_MAX / 2 ? UINT32_MAX - 1 : x->cap * 2) : 16;
            wb_extern_slot *ns = realloc(x->slots, (size_t)cap * sizeof(*ns));
            if (!ns)
                return 0;
            x->slots = ns;
            x->cap = cap;
        }
        idx = x->n++;
        x->slots[idx].gen = 1;
    }
    sl = &x->slots[idx];
    sl->data = data;
    sl->dtor = dtor;
    sl->count = 1;
    sl->next_free = 0;
    sl->live = true;
    sl->pinned = false;
    return ((uint64_t)sl->gen << 32) | (idx + 1);
}

void *wb_externref_data(wb_store *s, wb_externref r)
{
    wb_extern_slot *sl = slot_of(&s->externs, r);
    return sl ? sl->data : NULL;
}

wb_externref wb_externref_clone(wb_store *s, wb_externref r)
{
    wb_extern_slot *sl = slot_of(&s->externs, r);
    if (!sl)
        return 0;
    if (sl->count < UINT32_MAX)
        sl->count++;
    return r;
}

void wb_externref_release(wb_store *s, wb_externref r)
{
    wb_externs *x = &s->externs;
    wb_extern_slot *sl = slot_of(x, r);
    void *data;
    void (*dtor)(void *);
    uint32_t idx = (uint32_t)r - 1;

    if (!sl || sl->count == 0)
        return;
    if (--sl->count > 0 || sl->pinned)
        return;
    /* Free the slot before the destructor runs: it may create or release
     * other references (and so move the slots array). */
    data = sl->data;
    dtor = sl->dtor;
    sl->live = false;
    sl->data = NULL;
    sl->dtor = NULL;
    sl->gen = sl->gen == UINT32_MAX ? 1 : sl->gen + 1;
    sl->next_free = x->free_head;
    x->free_head = idx + 1;
    if (dtor)
        dtor(data);
}

void wb_externref_pin(wb_store *s, wb_externref r)
{
    wb_extern_slot *sl = slot_of(&s->externs, r);
    if (sl)
        sl->pinned = true;
}

void wb_externs_free(wb_externs *x)
{
    /* A destructor may not use the store (it is being freed), so the
     * array is stable during this loop. */
    for (uint32_t i = 0; i < x->n; i++) {
        wb_extern_slot *sl = &x->slots[i];
        if (sl->live && sl->dtor) {
            sl->live = false;
            sl->dtor(sl->data);
        }
    }
    free(x->slots);
    x->slots = NULL;
    x->n = x->cap = x->free_head = 0;
}

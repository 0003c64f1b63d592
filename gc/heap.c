/* heap.c — the externref table (slots addressed by handles, plain counts,
 * destruction deferred across wb_gc_hold) and the activations table's
 * storage. The collector is in collect.c; gc_int.h is what they share.
 *
 * Slot states, by `link`:
 *   WB_GC_LIVE     a live object: gen names it, count > 0
 *   1 + index/0    free (on the free list) or destroyed with its destructor
 *                  pending (on the dying list, during a hold)
 * A slot's generation changes when it stops being live, so every handle to
 * it goes stale at that moment, before any destructor runs. */
#include <stdlib.h>
#include <string.h>

#include "gc/gc_int.h"

_Static_assert(sizeof(wb_gc_slot) == 1u << WB_EXTERNREF_SLOT_SHIFT, "externref slot size");
_Static_assert(offsetof(wb_gc_slot, count) == WB_EXTERNREF_SLOT_COUNT, "externref count");

#define WB_GC_PENDING (UINT32_MAX - 1)  /* only inside wb_gc_free */

/* -- Handles -- */

wb_gc_slot *wb_gc_slot_of(const wb_gc_heap *h, uint64_t r)
{
    uint32_t idx = (uint32_t)r, gen = (uint32_t)(r >> 32);
    wb_gc_slot *sl;
    if (idx == 0 || idx > h->vm.nslots)
        return NULL;
    sl = &((wb_gc_slot *)h->vm.slots)[idx - 1];
    return sl->link == WB_GC_LIVE && sl->gen == gen ? sl : NULL;
}

bool wb_gc_live(const wb_gc_heap *h, uint64_t r)
{
    return wb_gc_slot_of(h, r) != NULL;
}

void *wb_gc_data(const wb_gc_heap *h, uint64_t r)
{
    wb_gc_slot *sl = wb_gc_slot_of(h, r);
    return sl ? sl->data : NULL;
}

uint64_t wb_gc_count(const wb_gc_heap *h, uint64_t r)
{
    wb_gc_slot *sl = wb_gc_slot_of(h, r);
    return sl ? sl->count : 0;
}

/* -- Creating and destroying -- */

static bool grow_slots(wb_gc_heap *h)
{
    uint32_t cap;
    wb_gc_slot *ns;
    if (h->cap >= WB_GC_MAX_SLOTS)
        return false;
    cap = h->cap ? (h->cap > WB_GC_MAX_SLOTS / 2 ? WB_GC_MAX_SLOTS : h->cap * 2) : 64;
    if (!(ns = realloc(h->vm.slots, (size_t)cap * sizeof(*ns))))
        return false;
    h->vm.slots = ns;
    h->cap = cap;
    return true;
}

uint64_t wb_gc_new(wb_gc_heap *h, void *data, void (*dtor)(void *))
{
    uint32_t idx;
    wb_gc_slot *sl;

    if (h->free_head) {
        idx = h->free_head - 1;
        h->free_head = ((wb_gc_slot *)h->vm.slots)[idx].link;
    } else {
        if (h->vm.nslots == h->cap && !grow_slots(h))
            return 0;
        idx = h->vm.nslots;
        ((wb_gc_slot *)h->vm.slots)[idx].gen = 1;
        h->vm.nslots = idx + 1;
    }
    sl = &((wb_gc_slot *)h->vm.slots)[idx];
    sl->count = 1;
    sl->data = data;
    sl->dtor = dtor;
    sl->link = WB_GC_LIVE;
    h->live++;
    h->created++;
    return ((uint64_t)sl->gen << 32) | (idx + 1);
}

/* Frees slot idx for reuse and runs the destructor (the slot array may
 * move while it runs). */
static void release_slot(wb_gc_heap *h, uint32_t idx)
{
    wb_gc_slot *sl = &((wb_gc_slot *)h->vm.slots)[idx];
    void *data = sl->data;
    void (*dtor)(void *) = sl->dtor;
    sl->data = NULL;
    sl->dtor = NULL;
    sl->count = 0;
    sl->link = h->free_head;
    h->free_head = idx + 1;
    if (dtor)
        dtor(data);
}

/* The object in slot idx is gone: stale handles now; destructor now or at
 * the end of the hold. */
static void destroy(wb_gc_heap *h, uint32_t idx)
{
    wb_gc_slot *sl = &((wb_gc_slot *)h->vm.slots)[idx];
    sl->gen = sl->gen == UINT32_MAX ? 1 : sl->gen + 1;
    h->live--;
    h->destroyed++;
    if (h->hold) {
        sl->link = h->dying_head;
        h->dying_head = idx + 1;
        return;
    }
    release_slot(h, idx);
}

bool wb_gc_inc(wb_gc_heap *h, uint64_t r, uint64_t n)
{
    wb_gc_slot *sl = wb_gc_slot_of(h, r);
    if (!sl)
        return false;
    sl->count += n;
    return true;
}

void wb_gc_dec(wb_gc_heap *h, uint64_t r)
{
    wb_gc_slot *sl = wb_gc_slot_of(h, r);
    if (!sl || sl->count == 0)
        return;
    if (--sl->count == 0)
        destroy(h, (uint32_t)r - 1);
}

uint64_t wb_gc_assign(wb_gc_heap *h, uint64_t *cell, uint64_t r)
{
    uint64_t old = *cell;
    if (r && !wb_gc_inc(h, r, 1))
        r = 0;
    *cell = r;
    wb_gc_dec(h, old); /* after the store: a destructor sees the new value */
    return r;
}

void wb_gc_hold(wb_gc_heap *h)
{
    h->hold++;
}

void wb_gc_unhold(wb_gc_heap *h)
{
    if (h->hold == 0 || --h->hold > 0)
        return;
    /* A destructor may destroy more objects (at once: no hold now) or hold
     * again (its own unhold then drains what it adds). */
    while (h->dying_head && h->hold == 0) {
        uint32_t idx = h->dying_head - 1;
        h->dying_head = ((wb_gc_slot *)h->vm.slots)[idx].link;
        release_slot(h, idx);
    }
}

/* -- The activations table -- */

size_t wb_gc_act_limit(const wb_gc_heap *h)
{
    return h->act_limit ? h->act_limit : WB_GC_ACT_LIMIT;
}

size_t wb_gc_act_count(const wb_gc_heap *h)
{
    return h->act ? (size_t)(h->vm.act_next - h->act) : 0;
}

bool wb_gc_act_full(const wb_gc_heap *h)
{
    return wb_gc_act_count(h) >= wb_gc_act_limit(h);
}

void wb_gc_act_bounds(wb_gc_heap *h, size_t n)
{
    size_t limit = wb_gc_act_limit(h);
    h->act_limit = limit;
    h->vm.act_next = h->act + n;
    /* compiled code writes below act_end: never past the allocation */
    h->vm.act_end = h->act + (limit < h->act_cap ? limit : h->act_cap);
}

void wb_gc_act_push(wb_gc_heap *h, uint64_t r)
{
    size_t n = wb_gc_act_count(h);
    if (n == h->act_cap) {
        size_t limit = wb_gc_act_limit(h);
        size_t cap = h->act_cap ? h->act_cap * 2 : limit;
        uint64_t *p;
        if (cap < limit)
            cap = limit;
        if (cap > SIZE_MAX / sizeof(*p) || !(p = realloc(h->act, cap * sizeof(*p))))
            return; /* the count stays: r lives until wb_gc_free */
        h->act = p;
        h->act_cap = cap;
    }
    h->act[n] = r;
    wb_gc_act_bounds(h, n + 1);
}

/* -- Teardown -- */

void wb_gc_free(wb_gc_heap *h)
{
    wb_gc_slot *sl;
    /* First make every handle stale, so that a destructor calling back
     * (wrongly) finds nothing; then run the destructors. */
    while (h->dying_head) {
        uint32_t idx = h->dying_head - 1;
        sl = &((wb_gc_slot *)h->vm.slots)[idx];
        h->dying_head = sl->link;
        sl->link = WB_GC_PENDING;
    }
    for (uint32_t i = 0; i < h->vm.nslots; i++) {
        sl = &((wb_gc_slot *)h->vm.slots)[i];
        if (sl->link == WB_GC_LIVE) {
            sl->gen++;
            sl->link = WB_GC_PENDING;
        }
    }
    for (uint32_t i = 0; i < h->vm.nslots; i++) {
        sl = &((wb_gc_slot *)h->vm.slots)[i];
        if (sl->link == WB_GC_PENDING) {
            void *data = sl->data;
            void (*dtor)(void *) = sl->dtor;
            sl->link = 0;
            if (dtor)
                dtor(data);
        }
    }
    free(h->vm.slots);
    free(h->act);
    free(h->spare);
    memset(h, 0, sizeof(*h));
}

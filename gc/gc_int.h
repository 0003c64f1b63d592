/* gc_int.h — private to gc/: the slot layout and the helpers heap.c and
 * collect.c share. */
#ifndef WB_GC_INT_H
#define WB_GC_INT_H

#include "gc/gc.h"

#define WB_GC_LIVE UINT32_MAX
#define WB_GC_MAX_SLOTS (UINT32_MAX - 2)   /* index + 1 fits in 32 bits */

/* One object. count first: compiled code increments it in place
 * (jit.h: WB_EXTERNREF_SLOT_COUNT, WB_EXTERNREF_SLOT_SHIFT). */
struct wb_gc_slot {
    uint64_t count;
    void *data;
    void (*dtor)(void *);
    uint32_t gen;           /* generation of the handles naming it */
    uint32_t link;          /* WB_GC_LIVE, or 1 + index of the next slot
                               of the free or dying list (0 = end) */
};

/* The live slot r names, or NULL. */
wb_gc_slot *wb_gc_slot_of(const wb_gc_heap *h, uint64_t r);
/* The activations table's current limit (WB_GC_ACT_LIMIT until set). */
size_t wb_gc_act_limit(const wb_gc_heap *h);
/* Sets act_next to entry n and act_end from the limit and capacity. */
void wb_gc_act_bounds(wb_gc_heap *h, size_t n);

#endif

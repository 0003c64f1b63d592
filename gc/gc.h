/* gc.h — externref objects and deferred reference counting (DESIGN.md):
 * the store's externref table (handle -> count, host data, destructor),
 * the activations table that compiled code appends to, and the collector
 * that rebuilds it from the stack maps of the suspended wasm frames.
 *
 * Who holds a count:
 *   the host            one per wb_gc_new / wb_gc_inc (plain counting)
 *   globals, tables     one per stored copy (wb_gc_assign)
 *   the activations     one per entry. Wasm frames hold no counts: locals,
 *   table               the value stack and wasm calls move references
 *                       freely. Every reference that enters wasm code
 *                       (host argument, host-call result, global.get,
 *                       table.get) is cloned into the activations table,
 *                       an over-approximation of what the frames hold.
 * A collection runs where every wasm frame is suspended at a call site
 * (a safe point): it reads each frame's stack map (jit.h: call-site return
 * offset -> rbp-relative slots holding externrefs), increments the precise
 * set it finds, decrements every old entry and makes the precise set the
 * new table. An object whose count reaches zero is destroyed: its handle
 * goes stale at once, its destructor runs then, or at the end of the
 * outermost wb_gc_hold section.
 *
 * A handle is (generation << 32) | (slot index + 1), never a pointer: a
 * forged or stale one names another live object or none (0 = null), and
 * the slot array is only reached through a bounds-checked index.
 *
 * One heap per store; not thread-safe. An all-zero heap is a valid empty
 * heap (memory is allocated on first use). */
#ifndef WB_GC_H
#define WB_GC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jit/jit.h"
#include "wb_common.h"

typedef struct wb_gc_slot wb_gc_slot;   /* 32 bytes, layout fixed by jit.h */

typedef struct wb_gc_heap {
    wb_vm_externrefs vm;    /* what compiled code reads: act_next/act_end,
                               slots (wb_gc_slot[cap]), nslots (in use) */
    uint32_t cap;           /* slots allocated */
    uint32_t free_head;     /* 1 + index of a free slot, 0 = none */
    uint32_t dying_head;    /* 1 + index of a destroyed slot whose
                               destructor waits for the end of a hold */
    uint32_t hold;          /* nesting depth of wb_gc_hold */
    bool collecting;
    uint64_t *act;          /* activations table: entries [act, vm.act_next) */
    size_t act_cap;         /* entries allocated */
    size_t act_limit;       /* a collection is due at this many entries */
    uint64_t *spare;        /* buffer the next precise set is built in */
    size_t spare_cap;
    /* statistics */
    uint64_t live, created, destroyed, collections;
} wb_gc_heap;

/* Destroys every object (destructors run; they must not use the heap) and
 * frees the memory. The heap is empty and usable afterwards. */
void wb_gc_free(wb_gc_heap *h);

/* -- Objects -- */

/* A new object with count 1 (the caller's); data is the host's, dtor (may
 * be NULL) is called once with it when the object is destroyed. 0 when
 * out of memory or out of handles. */
uint64_t wb_gc_new(wb_gc_heap *h, void *data, void (*dtor)(void *));
/* Whether r names a live object (false for 0 and stale handles). */
bool wb_gc_live(const wb_gc_heap *h, uint64_t r);
void *wb_gc_data(const wb_gc_heap *h, uint64_t r);     /* NULL unless live */
uint64_t wb_gc_count(const wb_gc_heap *h, uint64_t r); /* 0 unless live */
/* Adds n counts to r; false (nothing done) when r is null or stale. */
bool wb_gc_inc(wb_gc_heap *h, uint64_t r, uint64_t n);
/* Drops one count of r (nothing for null or stale r); destroys it at 0. */
void wb_gc_dec(wb_gc_heap *h, uint64_t r);
/* Stores r into *cell with counting: r + 1, the old value - 1. A stale r
 * is stored as null. Returns what was stored. */
uint64_t wb_gc_assign(wb_gc_heap *h, uint64_t *cell, uint64_t r);

/* Between wb_gc_hold and the matching wb_gc_unhold, no destructor runs:
 * objects whose count reaches zero are destroyed (stale handles) but their
 * destructors wait for the outermost wb_gc_unhold. For operations that
 * update many cells and must not see host code change them meanwhile. */
void wb_gc_hold(wb_gc_heap *h);
void wb_gc_unhold(wb_gc_heap *h);

/* -- The activations table -- */

/* Default number of entries after which compiled code calls the slow path
 * (EXTERNREF_ENTER), which collects. The limit doubles after a collection
 * that keeps more than half of it. */
#ifndef WB_GC_ACT_LIMIT
#define WB_GC_ACT_LIMIT 4096
#endif

/* Whether the table has reached its limit (a collection is due). */
bool wb_gc_act_full(const wb_gc_heap *h);
size_t wb_gc_act_count(const wb_gc_heap *h);
/* Appends r (whose count the caller already added for this entry),
 * growing the table past its limit if needed: never collects. Out of
 * memory, the count stays and r lives until wb_gc_free. */
void wb_gc_act_push(wb_gc_heap *h, uint64_t r);

/* -- Collection -- */

/* A run of wasm frames: the innermost one has frame pointer fp and is
 * suspended at the call whose return address is pc; each frame's caller
 * is found through the frame-pointer chain ([fp] = caller's fp, [fp+8] =
 * return address), until a return address is not in compiled code. */
typedef struct wb_gc_segment {
    uintptr_t pc, fp;
} wb_gc_segment;

/* The artifact whose code contains pc, with the address its code is
 * mapped at in *code_base; NULL when pc is not in the heap's wasm code. */
typedef const wb_artifact *(*wb_gc_code_fn)(void *ctx, uintptr_t pc, uintptr_t *code_base);

/* Collects: segs must be every run of wasm frames that can hold this
 * heap's references (borrowed). WB_OK; WB_ERR_USAGE when a collection is
 * already running; WB_ERR_INTERNAL when a frame is not at a recorded call
 * site; WB_ERR_NOMEM. On an error nothing changes. Destructors of the
 * objects it frees run before it returns (after a hold: at its end). */
wb_err wb_gc_collect(wb_gc_heap *h, const wb_gc_segment *segs, size_t nsegs,
                     wb_gc_code_fn code, void *ctx);

#endif

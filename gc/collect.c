/* collect.c — the collector of deferred reference counting: walks the wasm
 * frames of each segment through the frame-pointer chain, reads the slots
 * that the stack map of each frame's call site names, and replaces the
 * activations table with the precise set found.
 *
 *   segments ──► frame (pc, fp) ──► artifact call site at pc ──► stack map
 *            ──► [fp + off] for each off: live handles = the precise set,
 *                +1 each as found
 *   old table entries: -1 each (hold: destructors wait) ──► the precise set
 *   is the table ──► destructors run */
#include <stdlib.h>

#include "gc/gc_int.h"

/* Reads a word of a wasm frame. Not instrumented: wasm frames are written
 * by code ASan does not see. */
__attribute__((no_sanitize_address)) static uint64_t frame_word(uintptr_t addr)
{
    return *(const uint64_t *)addr;
}

/* Appends r to the spare buffer (the precise set being built). */
static bool spare_push(wb_gc_heap *h, size_t *n, uint64_t r)
{
    if (*n == h->spare_cap) {
        size_t cap = h->spare_cap ? h->spare_cap * 2 : wb_gc_act_limit(h);
        uint64_t *p;
        if (cap > SIZE_MAX / sizeof(*p) || !(p = realloc(h->spare, cap * sizeof(*p))))
            return false;
        h->spare = p;
        h->spare_cap = cap;
    }
    h->spare[(*n)++] = r;
    return true;
}

/* Adds the live references of the frames of one segment to the spare
 * buffer, with one count each (wb_gc_collect takes them back on failure). */
static wb_err scan_segment(wb_gc_heap *h, const wb_gc_segment *seg, wb_gc_code_fn code,
                           void *ctx, size_t *n)
{
    uintptr_t pc = seg->pc, fp = seg->fp, base;
    const wb_artifact *a;

    if (!code(ctx, pc, &base))
        return WB_ERR_INTERNAL; /* a segment starts in wasm code, always */
    while (fp && (a = code(ctx, pc, &base)) != NULL) {
        const wb_call_site *cs = wb_artifact_call_at(a, (uint32_t)(pc - base));
        uintptr_t next;
        if (!cs || (uint64_t)cs->map_start + cs->map_count > a->nref_slots)
            return WB_ERR_INTERNAL; /* not a safe point: its slots are unknown */
        for (uint32_t k = 0; k < cs->map_count; k++) {
            uint64_t r = frame_word(fp + (intptr_t)a->ref_slots[cs->map_start + k]);
            wb_gc_slot *sl;
            if (!r || !(sl = wb_gc_slot_of(h, r)))
                continue;
            if (!spare_push(h, n, r))
                return WB_ERR_NOMEM;
            sl->count++;
        }
        next = (uintptr_t)frame_word(fp);
        pc = (uintptr_t)frame_word(fp + 8);
        if (next <= fp)
            break; /* callers live at higher addresses: the chain ends */
        fp = next;
    }
    return WB_OK;
}

wb_err wb_gc_collect(wb_gc_heap *h, const wb_gc_segment *segs, size_t nsegs,
                     wb_gc_code_fn code, void *ctx)
{
    size_t n = 0, oldn, limit, old_cap;
    uint64_t *old;
    wb_err err = WB_OK;

    if (h->collecting)
        return WB_ERR_USAGE;
    h->collecting = true;
    for (size_t i = 0; i < nsegs && err == WB_OK; i++)
        err = scan_segment(h, &segs[i], code, ctx, &n);
    if (err != WB_OK)
        goto undo;

    /* The new table needs room for the precise set and the next entries:
     * double the limit while the survivors fill more than half of it. */
    limit = wb_gc_act_limit(h);
    while (n > limit / 2 && limit < SIZE_MAX / 16)
        limit *= 2;
    if (h->spare_cap < limit) {
        uint64_t *p = realloc(h->spare, limit * sizeof(*p));
        if (!p) {
            err = WB_ERR_NOMEM;
            goto undo;
        }
        h->spare = p;
        h->spare_cap = limit;
    }

    /* The precise set was incremented while it was found, before any old
     * entry is decremented: an object both sets hold never touches zero. */
    wb_gc_hold(h);
    old = h->act;
    old_cap = h->act_cap;
    oldn = wb_gc_act_count(h);
    h->act = h->spare;
    h->act_cap = h->spare_cap;
    h->act_limit = limit;
    wb_gc_act_bounds(h, n);
    h->spare = old;
    h->spare_cap = old_cap;
    for (size_t i = 0; i < oldn; i++)
        wb_gc_dec(h, old[i]);
    h->collections++;
    h->collecting = false;
    wb_gc_unhold(h); /* destructors run now (they may use the new table) */
    return WB_OK;
undo:
    for (size_t i = 0; i < n; i++) /* back to the counts before: never zero */
        wb_gc_dec(h, h->spare[i]);
    h->collecting = false;
    return err;
}

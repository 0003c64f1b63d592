/* externref.c — externrefs in the runtime: the public API over the store's
 * heap (gc/gc.h: handles, counts, the activations table, the collector),
 * the crossings between C and wasm code, and the root set a collection
 * needs: every run of wasm frames of the store on this thread.
 *
 * Runs of wasm frames. Wasm code runs inside activations (wb_invoke), the
 * innermost one on top. An activation's wasm frames are either running
 * (only the innermost's: a collection from its slow path names their
 * top, the builtin's return address and vmctx->exit_fp) or suspended in a
 * host function, recorded by the host-call dispatcher as a wb_host_exit.
 * An activation of the store that is neither (its wasm code is inside
 * some other runtime call that ran host code: a destructor, an epoch
 * callback) cannot be walked: no collection then, the table grows. */
#include <stdlib.h>

#include "runtime/runtime_int.h"

static __thread wb_host_exit *tls_exits;   /* innermost first */

/* -- The public API -- */

wb_externref wb_externref_new(wb_store *s, void *data, void (*dtor)(void *))
{
    return s ? wb_gc_new(&s->externs, data, dtor) : 0;
}

wb_externref wb_externref_new_transient(wb_store *s, void *data, void (*dtor)(void *))
{
    wb_externref r = wb_externref_new(s, data, dtor);
    if (r)
        wb_gc_act_push(&s->externs, r); /* the one count is the table's */
    return r;
}

void *wb_externref_data(wb_store *s, wb_externref r)
{
    return s ? wb_gc_data(&s->externs, r) : NULL;
}

wb_externref wb_externref_clone(wb_store *s, wb_externref r)
{
    return s && wb_gc_inc(&s->externs, r, 1) ? r : 0;
}

void wb_externref_release(wb_store *s, wb_externref r)
{
    if (s)
        wb_gc_dec(&s->externs, r);
}

uint64_t wb_externref_refcount(wb_store *s, wb_externref r)
{
    return s ? wb_gc_count(&s->externs, r) : 0;
}

void wb_externref_stats_get(wb_store *s, wb_externref_stats *out)
{
    const wb_gc_heap *h = &s->externs;
    out->live = h->live;
    out->created = h->created;
    out->destroyed = h->destroyed;
    out->collections = h->collections;
    out->activations = wb_gc_act_count(h);
}

void wb_externs_free(wb_externs *x)
{
    wb_gc_free(x);
}

/* -- Crossing into wasm code -- */

uint64_t wb_externref_enter(wb_store *s, uint64_t r)
{
    if (!r || !wb_gc_inc(&s->externs, r, 1))
        return 0;
    wb_gc_act_push(&s->externs, r);
    return r;
}

/* -- Roots -- */

typedef struct code_lookup {
    wb_store *store;
    const wb_compiled *last;    /* the last hit: frames come in runs */
} code_lookup;

static bool code_contains(const wb_compiled *c, uintptr_t pc)
{
    uintptr_t base = (uintptr_t)c->code;
    return c->code && pc >= base && pc - base < c->artifact->code_size;
}

/* wb_gc_code_fn: the store's compiled code containing pc. */
static const wb_artifact *code_of(void *ctx, uintptr_t pc, uintptr_t *code_base)
{
    code_lookup *l = ctx;
    const wb_compiled *c = l->last;
    if (!c || !code_contains(c, pc)) {
        c = NULL;
        for (wb_instance *i = l->store->instances; i; i = i->next) {
            if (code_contains(i->compiled, pc)) {
                c = i->compiled;
                break;
            }
        }
        if (!c)
            return NULL;
        l->last = c;
    }
    *code_base = (uintptr_t)c->code;
    return c->artifact;
}

/* Collects with every run of s's wasm frames on this thread: `inner` (may
 * be NULL) for the innermost activation, host exits for the others. */
static wb_err collect(wb_store *s, const wb_gc_segment *inner)
{
    wb_gc_segment small[16], *segs = small;
    wb_activation *top = wb_activation_current();
    code_lookup lookup = { .store = s };
    size_t n = 0, cap = inner != NULL;
    wb_err err = WB_OK;

    for (wb_host_exit *e = tls_exits; e; e = e->prev)
        cap += e->store == s;
    if (cap > sizeof(small) / sizeof(small[0]) && !(segs = malloc(cap * sizeof(*segs))))
        return WB_ERR_NOMEM;
    if (inner)
        segs[n++] = *inner;
    for (wb_host_exit *e = tls_exits; e; e = e->prev)
        if (e->store == s)
            segs[n++] = (wb_gc_segment){ .pc = e->pc, .fp = e->fp };
    /* Every activation of s must be one of those runs. */
    for (wb_activation *a = top; a && err == WB_OK; a = a->prev) {
        bool found = inner && a == top;
        if (a->store != s)
            continue;
        for (wb_host_exit *e = tls_exits; e && !found; e = e->prev)
            found = e->act == a;
        if (!found)
            err = WB_ERR_USAGE; /* frames we cannot walk: keep everything */
    }
    if (err == WB_OK)
        err = wb_gc_collect(&s->externs, segs, n, code_of, &lookup);
    if (segs != small)
        free(segs);
    return err;
}

wb_err wb_externref_collect(wb_store *s)
{
    return s ? collect(s, NULL) : WB_ERR_USAGE;
}

wb_err wb_externref_collect_at(wb_store *s, uintptr_t pc, uintptr_t fp)
{
    wb_gc_segment inner = { .pc = pc, .fp = fp };
    return collect(s, &inner);
}

void wb_externref_safepoint(wb_store *s)
{
    if (wb_gc_act_full(&s->externs))
        collect(s, NULL);
}

/* -- Host calls from wasm -- */

void wb_externref_host_exit_push(wb_store *s, wb_host_exit *e, uintptr_t fp, uintptr_t pc,
                                 const wb_val *args, uint32_t nargs)
{
    e->prev = tls_exits;
    e->store = s;
    e->act = wb_activation_current();
    e->pc = pc;
    e->fp = fp;
    tls_exits = e;
    for (uint32_t i = 0; i < nargs; i++)
        if (args[i].type == WB_EXTERNREF)
            wb_gc_inc(&s->externs, args[i].of.externref, 1);
    /* Wasm code that keeps calling the host might never reach the slow
     * path: collect here when the table is due. */
    if (wb_gc_act_full(&s->externs))
        collect(s, NULL);
}

void wb_externref_host_exit_pop(wb_store *s, wb_host_exit *e, const wb_val *args,
                                uint32_t nargs)
{
    tls_exits = e->prev;
    for (uint32_t i = 0; i < nargs; i++)
        if (args[i].type == WB_EXTERNREF)
            wb_gc_dec(&s->externs, args[i].of.externref);
}

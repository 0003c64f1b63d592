/* global.c — globals: 16 bytes of storage each, which compiled code reads
 * and writes in place through the vmctx's globals array. */
#include <stdlib.h>

#include "runtime/runtime_int.h"

static bool valid_valtype(uint8_t t)
{
    return t == WB_I32 || t == WB_I64 || t == WB_F32 || t == WB_F64 || t == WB_V128 ||
           t == WB_FUNCREF || t == WB_EXTERNREF;
}

wb_rt_global *wb_global_create(wb_store *s, uint8_t type, bool mut)
{
    wb_rt_global *g;
    if (!valid_valtype(type) || !(g = calloc(1, sizeof(*g))))
        return NULL;
    g->store = s;
    g->type = type;
    g->mut = mut;
    g->next = s->globals;
    s->globals = g;
    return g;
}

wb_rt_global *wb_global_new(wb_store *s, const wb_val *v, bool mutable_)
{
    wb_rt_global *g;
    if (!v || !valid_valtype(v->type) || !wb_val_fits(s, v, v->type))
        return NULL;
    if (!(g = wb_global_create(s, v->type, mutable_)))
        return NULL;
    if (v->type == WB_EXTERNREF) /* the global holds a count */
        wb_gc_assign(&s->externs, (uint64_t *)g->value, v->of.externref);
    else
        wb_val_store(s, v, g->value);
    return g;
}

void wb_global_get(const wb_rt_global *g, wb_val *out)
{
    wb_val_load(g->type, g->value, out);
}

wb_err wb_global_set(wb_rt_global *g, const wb_val *v)
{
    if (!g->mut || !v || !wb_val_fits(g->store, v, g->type))
        return WB_ERR_USAGE;
    if (g->type == WB_EXTERNREF) /* the global holds a count */
        wb_gc_assign(&g->store->externs, (uint64_t *)g->value, v->of.externref);
    else
        wb_val_store(g->store, v, g->value);
    return WB_OK;
}

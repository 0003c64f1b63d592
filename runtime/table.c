/* table.c — tables of references: an array of 8-byte elements (funcref
 * records or externref handles, 0 = null) that compiled code reads through
 * a wb_vm_table, grown by reallocation (code always reloads `elements`). */
#include <stdlib.h>

#include "runtime/runtime_int.h"

wb_err wb_table_create(wb_store *s, uint8_t elem_type, uint64_t min, uint64_t max,
                       bool has_max, uint64_t init, wb_rt_table **out)
{
    wb_rt_table *t;

    *out = NULL;
    if (!wb_is_reftype(elem_type) || (has_max && (max < min || max > UINT32_MAX)))
        return WB_ERR_USAGE;
    if (min > WB_MAX_TABLE_SIZE)
        return WB_ERR_LIMIT_TABLE_SIZE;
    if (!(t = calloc(1, sizeof(*t))))
        return WB_ERR_NOMEM;
    t->cap = min ? (uint32_t)min : 1;
    if (!(t->vm.elements = malloc((size_t)t->cap * sizeof(uint64_t)))) {
        free(t);
        return WB_ERR_NOMEM;
    }
    for (uint64_t i = 0; i < min; i++)
        t->vm.elements[i] = init;
    t->store = s;
    t->elem_type = elem_type;
    t->has_max = has_max;
    t->max = has_max ? (uint32_t)max : UINT32_MAX;
    t->vm.size = (uint32_t)min;
    t->vm.max = t->max;
    *out = t;
    return WB_OK;
}

void wb_table_destroy(wb_rt_table *t)
{
    if (!t)
        return;
    free(t->vm.elements);
    free(t);
}

int64_t wb_table_grow_raw(wb_rt_table *t, uint32_t delta, uint64_t init)
{
    uint64_t old = t->vm.size, n = old + delta;

    if (n > t->max || n > WB_MAX_TABLE_SIZE)
        return -1;
    if (n > t->cap) {
        uint64_t cap = (uint64_t)t->cap * 2;
        uint64_t *e;
        if (cap < n)
            cap = n;
        if (cap > WB_MAX_TABLE_SIZE)
            cap = WB_MAX_TABLE_SIZE;
        if (!(e = realloc(t->vm.elements, (size_t)cap * sizeof(*e))))
            return -1;
        t->vm.elements = e;
        t->cap = (uint32_t)cap;
    }
    for (uint64_t i = old; i < n; i++)
        t->vm.elements[i] = init;
    t->vm.size = (uint32_t)n;
    return (int64_t)old;
}

/* -- Public API -- */

/* The raw form of a host value destined for t, or false if it does not fit. */
static bool host_ref(wb_rt_table *t, const wb_val *v, uint64_t *raw)
{
    if (!v) {
        *raw = 0;
        return true;
    }
    if (!wb_val_fits(t->store, v, t->elem_type))
        return false;
    *raw = wb_ref_to_raw(t->store, v);
    if (t->elem_type == WB_EXTERNREF && *raw && !wb_gc_live(&t->store->externs, *raw))
        *raw = 0; /* stale: null */
    return true;
}

wb_rt_table *wb_table_new(wb_store *s, uint8_t elem_type, uint32_t min, uint32_t max,
                          bool has_max, const wb_val *init)
{
    wb_rt_table *t;
    uint64_t raw = 0;

    if (init && !wb_val_fits(s, init, elem_type))
        return NULL;
    if (init)
        raw = wb_ref_to_raw(s, init);
    if (elem_type == WB_EXTERNREF && raw && !wb_gc_live(&s->externs, raw))
        raw = 0; /* stale: null */
    if (wb_table_create(s, elem_type, min, max, has_max, raw, &t) != WB_OK)
        return NULL;
    if (elem_type == WB_EXTERNREF && raw) /* one count per element */
        wb_gc_inc(&s->externs, raw, min);
    t->next = s->tables;
    s->tables = t;
    return t;
}

uint32_t wb_table_size(const wb_rt_table *t)
{
    return t->vm.size;
}

bool wb_table_get(const wb_rt_table *t, uint32_t i, wb_val *out)
{
    if (i >= t->vm.size)
        return false;
    wb_ref_from_raw(t->elem_type, t->vm.elements[i], out);
    return true;
}

bool wb_table_set(wb_rt_table *t, uint32_t i, const wb_val *v)
{
    uint64_t raw;
    if (i >= t->vm.size || !v || !host_ref(t, v, &raw))
        return false;
    if (t->elem_type == WB_EXTERNREF) /* one count per element */
        wb_gc_assign(&t->store->externs, &t->vm.elements[i], raw);
    else
        t->vm.elements[i] = raw;
    return true;
}

int64_t wb_table_grow(wb_rt_table *t, uint32_t delta, const wb_val *init)
{
    uint64_t raw;
    int64_t old;
    if (!host_ref(t, init, &raw))
        return -1;
    old = wb_table_grow_raw(t, delta, raw);
    if (old >= 0 && t->elem_type == WB_EXTERNREF && raw) /* one count per element */
        wb_gc_inc(&t->store->externs, raw, delta);
    return old;
}

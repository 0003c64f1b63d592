/* store.c — stores (the owner of every runtime object until wb_store_free)
 * and the conversions between host values (wb_val) and the slots compiled
 * code uses for arguments, results, globals and table elements. */
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime_int.h"

/* -- Stores -- */

wb_store *wb_store_new(wb_engine *e)
{
    wb_store *s;
    if (!e || !(s = calloc(1, sizeof(*s))))
        return NULL;
    s->engine = e;
    return s;
}

static void host_func_free(wb_rt_func *f)
{
    if (f->env_free)
        f->env_free(f->env);
    free(f->owned_types);
    free(f);
}

void wb_store_free(wb_store *s)
{
    if (!s)
        return;
    /* Instances first: they point at everything below. */
    while (s->instances) {
        wb_instance *next = s->instances->next;
        wb_instance_destroy(s->instances);
        s->instances = next;
    }
    while (s->host_funcs) {
        wb_rt_func *next = s->host_funcs->next;
        host_func_free(s->host_funcs);
        s->host_funcs = next;
    }
    while (s->memories) {
        wb_rt_memory *next = s->memories->next;
        wb_memory_destroy(s->memories);
        s->memories = next;
    }
    while (s->tables) {
        wb_rt_table *next = s->tables->next;
        wb_table_destroy(s->tables);
        s->tables = next;
    }
    while (s->globals) {
        wb_rt_global *next = s->globals->next;
        free(s->globals);
        s->globals = next;
    }
    /* Last: destructors of externrefs may not touch the store any more. */
    wb_externs_free(&s->externs);
    free(s);
}

void wb_store_set_stack_limit(wb_store *s, uintptr_t limit)
{
    if (s->stack_limit == limit)
        return;
    s->stack_limit = limit;
    for (wb_instance *i = s->instances; i; i = i->next)
        i->vmctx->stack_limit = limit;
}

/* -- Values -- */

uint32_t wb_args_area_size(const uint8_t *params, uint32_t nparams,
                           const uint8_t *results, uint32_t nresults)
{
    uint64_t in = 0, out = 0, n;
    for (uint32_t i = 0; i < nparams; i++)
        in += wb_valtype_bytes(params[i]);
    for (uint32_t i = 0; i < nresults; i++)
        out += wb_valtype_bytes(results[i]);
    n = in > out ? in : out;
    return (uint32_t)((n + 15) & ~(uint64_t)15);
}

uint64_t wb_ref_to_raw(wb_store *s, const wb_val *v)
{
    (void)s;
    if (v->type == WB_FUNCREF)
        return v->of.funcref ? (uint64_t)(uintptr_t)v->of.funcref->ref : 0;
    return v->of.externref;
}

void wb_ref_from_raw(uint8_t type, uint64_t raw, wb_val *out)
{
    memset(out, 0, sizeof(*out));
    out->type = type;
    if (type == WB_FUNCREF)
        out->of.funcref = raw ? ((wb_vm_funcref *)(uintptr_t)raw)->owner : NULL;
    else
        out->of.externref = raw;
}

bool wb_val_fits(wb_store *s, const wb_val *v, uint8_t type)
{
    if (v->type != type)
        return false;
    if (type == WB_FUNCREF && v->of.funcref && v->of.funcref->store != s)
        return false;
    return true;
}

void wb_val_store(wb_store *s, const wb_val *v, uint8_t *slot)
{
    memset(slot, 0, wb_valtype_bytes(v->type));
    switch (v->type) {
    case WB_I32:
    case WB_F32:
        memcpy(slot, &v->of.i32, 4);
        break;
    case WB_I64:
    case WB_F64:
        memcpy(slot, &v->of.i64, 8);
        break;
    case WB_V128:
        memcpy(slot, v->of.v128, 16);
        break;
    case WB_FUNCREF:
    case WB_EXTERNREF: {
        uint64_t raw = wb_ref_to_raw(s, v);
        if (v->type == WB_EXTERNREF)
            raw = wb_externref_enter(s, raw); /* into the activations table */
        memcpy(slot, &raw, 8);
        break;
    }
    default:
        break;
    }
}

void wb_val_load(uint8_t type, const uint8_t *slot, wb_val *out)
{
    memset(out, 0, sizeof(*out));
    out->type = type;
    switch (type) {
    case WB_I32:
    case WB_F32:
        memcpy(&out->of.i32, slot, 4);
        break;
    case WB_I64:
    case WB_F64:
        memcpy(&out->of.i64, slot, 8);
        break;
    case WB_V128:
        memcpy(out->of.v128, slot, 16);
        break;
    case WB_FUNCREF:
    case WB_EXTERNREF: {
        uint64_t raw;
        memcpy(&raw, slot, 8);
        wb_ref_from_raw(type, raw, out);
        break;
    }
    default:
        break;
    }
}

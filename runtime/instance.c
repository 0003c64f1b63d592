/* instance.c — instantiation: type-checking imports (link errors name the
 * import), building the vmctx per wb_vmlayout, creating the module's own
 * tables, memories and globals, evaluating constant expressions, applying
 * element and data segments in the spec's order with its bounds checks,
 * running the start function; and export lookup. */
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime_int.h"
#include "wasm/wasm.h"

/* -- Link checks -- */

static wb_err link_error(wb_diag *d, wb_err err, const wb_import *im, const char *why)
{
    int ml = im->module.len > 40 ? 40 : (int)im->module.len;
    int nl = im->name.len > 40 ? 40 : (int)im->name.len;
    return wb_diag_setf(d, err, "import", 0, "%.*s::%.*s%s%s", ml, im->module.ptr, nl,
                        im->name.ptr, why ? ": " : "", why ? why : "");
}

/* Limits subtyping: the actual {min, max} must fit in the declared ones. */
static bool limits_match(uint64_t min, bool has_max, uint64_t max, const wb_limits *decl)
{
    if (min < decl->min)
        return false;
    return !decl->has_max || (has_max && max <= decl->max);
}

static wb_err check_import(wb_store *s, const wb_compiled *c, const wb_import *im,
                           const wb_extern *ex, wb_diag *d)
{
    const wb_module *m = c->module;
    switch (im->kind) {
    case WB_EXTERN_FUNC: {
        const wb_rt_func *f = ex->of.func;
        if (f->store != s)
            return link_error(d, WB_ERR_USAGE, im, "function of another store");
        if (f->type_id != c->type_ids[m->funcs[im->index].type])
            return link_error(d, WB_ERR_INCOMPATIBLE_IMPORT, im, "function type");
        return WB_OK;
    }
    case WB_EXTERN_TABLE: {
        const wb_rt_table *t = ex->of.table;
        const wb_tabletype *tt = &m->tables[im->index].type;
        if (t->store != s)
            return link_error(d, WB_ERR_USAGE, im, "table of another store");
        if (t->elem_type != tt->elem)
            return link_error(d, WB_ERR_INCOMPATIBLE_IMPORT, im, "element type");
        if (!limits_match(t->vm.size, t->has_max, t->max, &tt->lim))
            return link_error(d, WB_ERR_INCOMPATIBLE_IMPORT, im, "table limits");
        return WB_OK;
    }
    case WB_EXTERN_MEMORY: {
        const wb_rt_memory *mem = ex->of.memory;
        if (mem->store != s)
            return link_error(d, WB_ERR_USAGE, im, "memory of another store");
        if (!limits_match(mem->pages, mem->has_max, mem->max_pages,
                          &m->mems[im->index].type.lim))
            return link_error(d, WB_ERR_INCOMPATIBLE_IMPORT, im, "memory limits");
        return WB_OK;
    }
    case WB_EXTERN_GLOBAL: {
        const wb_rt_global *g = ex->of.global;
        const wb_globaltype *gt = &m->globals[im->index].type;
        if (g->store != s)
            return link_error(d, WB_ERR_USAGE, im, "global of another store");
        if (g->type != gt->type || g->mut != gt->mut)
            return link_error(d, WB_ERR_INCOMPATIBLE_IMPORT, im, "global type");
        return WB_OK;
    }
    default:
        return link_error(d, WB_ERR_INCOMPATIBLE_IMPORT, im, "kind");
    }
}

/* An entry with a NULL object counts as not provided: unknown import. */
static wb_err check_imports(wb_store *s, const wb_compiled *c, const wb_extern *imports,
                            size_t nimports, wb_diag *d)
{
    const wb_module *m = c->module;
    wb_err err;

    if (nimports > m->nimports || (nimports && !imports))
        return wb_diag_setf(d, WB_ERR_USAGE, "import", 0, "%zu imports given, %u declared",
                            nimports, m->nimports);
    for (uint32_t i = 0; i < m->nimports; i++) {
        const wb_import *im = &m->imports[i];
        if (i >= nimports || !imports[i].of.func)
            return link_error(d, WB_ERR_UNKNOWN_IMPORT, im, NULL);
        if (imports[i].kind != im->kind)
            return link_error(d, WB_ERR_INCOMPATIBLE_IMPORT, im, "kind");
        if ((err = check_import(s, c, im, &imports[i], d)) != WB_OK)
            return err;
    }
    return WB_OK;
}

/* -- Constant expressions -- */

/* Evaluates e into a 16-byte slot. Globals it reads are initialised. */
static wb_err eval_const(wb_instance *inst, const wb_const_expr *e, uint8_t *slot)
{
    wb_vm_funcref *refs = wb_vmctx_funcrefs(inst->vmctx, &inst->compiled->layout);
    uint64_t raw;

    memset(slot, 0, WB_GLOBAL_STORAGE);
    switch (e->op) {
    case WB_OP_I32_CONST:
    case WB_OP_F32_CONST:
        memcpy(slot, &e->u.i32, 4);
        return WB_OK;
    case WB_OP_I64_CONST:
    case WB_OP_F64_CONST:
        memcpy(slot, &e->u.i64, 8);
        return WB_OK;
    case WB_OP_V128_CONST:
        memcpy(slot, e->u.v128, 16);
        return WB_OK;
    case WB_OP_GLOBAL_GET:
        if (e->u.index >= inst->module->nglobals || !inst->globals[e->u.index])
            return WB_ERR_INTERNAL;
        memcpy(slot, inst->globals[e->u.index]->value, WB_GLOBAL_STORAGE);
        return WB_OK;
    case WB_OP_REF_NULL:
        return WB_OK;
    case WB_OP_REF_FUNC:
        if (e->u.index >= inst->module->nfuncs)
            return WB_ERR_INTERNAL;
        raw = (uint64_t)(uintptr_t)&refs[e->u.index];
        memcpy(slot, &raw, 8);
        return WB_OK;
    default:
        return WB_ERR_CONST_EXPR_REQUIRED; /* not pre-decoded: beyond 2.0 */
    }
}

static wb_err eval_offset(wb_instance *inst, const wb_const_expr *e, uint32_t *out)
{
    uint8_t slot[WB_GLOBAL_STORAGE];
    wb_err err = eval_const(inst, e, slot);
    memcpy(out, slot, 4);
    return err;
}

/* -- Building the instance -- */

static wb_err alloc_instance(wb_store *s, wb_compiled *c, wb_instance **out)
{
    const wb_module *m = c->module;
    size_t vmsize = ((size_t)c->layout.size + 63) & ~(size_t)63;
    wb_instance *inst = calloc(1, sizeof(*inst));

    *out = NULL;
    if (!inst)
        return WB_ERR_NOMEM;
    inst->store = s;
    inst->compiled = c;
    wb_compiled_retain(c);
    inst->module = m;
    inst->vmctx = aligned_alloc(64, vmsize < sizeof(wb_vmctx) ? sizeof(wb_vmctx) : vmsize);
    inst->funcs = calloc(m->ncodes + 1, sizeof(*inst->funcs));
    inst->func_objs = calloc(m->nfuncs + 1, sizeof(*inst->func_objs));
    inst->tables = calloc(m->ntables + 1, sizeof(*inst->tables));
    inst->mems = calloc(m->nmems + 1, sizeof(*inst->mems));
    inst->globals = calloc(m->nglobals + 1, sizeof(*inst->globals));
    inst->elems = calloc(m->nelems + 1, sizeof(*inst->elems));
    inst->data_dropped = calloc(m->ndatas + 1, 1);
    if (!inst->vmctx || !inst->funcs || !inst->func_objs || !inst->tables || !inst->mems ||
        !inst->globals || !inst->elems || !inst->data_dropped) {
        wb_instance_destroy(inst);
        return WB_ERR_NOMEM;
    }
    memset(inst->vmctx, 0, vmsize < sizeof(wb_vmctx) ? sizeof(wb_vmctx) : vmsize);
    inst->vmctx->instance = inst;
    inst->vmctx->epoch_ptr = &s->engine->epoch;
    wb_interrupt_init_vmctx(s, inst->vmctx); /* the store's deadline and fuel */
    inst->vmctx->builtins = wb_builtin_table;
    inst->vmctx->externrefs = &s->externs.vm;
    inst->vmctx->stack_limit = s->stack_limit;
    memcpy(wb_vmctx_type_ids(inst->vmctx, &c->layout), c->type_ids,
           (size_t)m->ntypes * sizeof(uint32_t));
    *out = inst;
    return WB_OK;
}

static void setup_funcs(wb_instance *inst, const wb_extern *imports)
{
    const wb_module *m = inst->module;
    const wb_compiled *c = inst->compiled;
    wb_vm_import *vi = wb_vmctx_func_imports(inst->vmctx, &c->layout);
    wb_vm_funcref *refs = wb_vmctx_funcrefs(inst->vmctx, &c->layout);

    for (uint32_t i = 0; i < m->nfuncs; i++) {
        const wb_func *fn = &m->funcs[i];
        wb_rt_func *f;
        if (fn->import >= 0) {
            f = imports[fn->import].of.func;
            vi[i] = (wb_vm_import){ .code = f->code, .vmctx = f->vmctx };
            refs[i] = *f->ref;
        } else {
            const wb_functype *t = &m->types[fn->type];
            uint32_t def = i - m->nfunc_imports;
            f = &inst->funcs[def];
            f->store = inst->store;
            f->type_id = c->type_ids[fn->type];
            f->nparams = t->nparams;
            f->nresults = t->nresults;
            f->params = t->types;
            f->results = t->types + t->nparams;
            f->code = wb_compiled_func_code(c, def);
            f->vmctx = inst->vmctx;
            f->instance = inst;
            f->index = i;
            f->ref = &refs[i];
            refs[i] = (wb_vm_funcref){ .code = f->code, .vmctx = inst->vmctx,
                                       .type_id = f->type_id, .owner = f };
        }
        inst->func_objs[i] = f;
    }
}

static wb_err setup_tables_memories(wb_instance *inst, const wb_extern *imports)
{
    const wb_module *m = inst->module;
    wb_store *s = inst->store;
    wb_vm_table **vt = wb_vmctx_tables(inst->vmctx, &inst->compiled->layout);
    wb_err err;

    for (uint32_t i = 0; i < m->ntables; i++) {
        const wb_table *tb = &m->tables[i];
        wb_rt_table *t;
        if (tb->import >= 0) {
            t = imports[tb->import].of.table;
        } else {
            if ((err = wb_table_create(s, tb->type.elem, tb->type.lim.min, tb->type.lim.max,
                                       tb->type.lim.has_max, 0, &t)) != WB_OK)
                return err;
            t->next = s->tables;
            s->tables = t;
        }
        inst->tables[i] = t;
        vt[i] = &t->vm;
    }
    for (uint32_t i = 0; i < m->nmems; i++) {
        const wb_memory *mb = &m->mems[i];
        wb_rt_memory *mem;
        if (mb->import >= 0) {
            mem = imports[mb->import].of.memory;
        } else {
            if ((err = wb_memory_create(s, mb->type.lim.min, mb->type.lim.max,
                                        mb->type.lim.has_max, &mem)) != WB_OK)
                return err;
            mem->next = s->memories;
            s->memories = mem;
        }
        inst->mems[i] = mem;
    }
    return WB_OK;
}

static wb_err setup_globals(wb_instance *inst, const wb_extern *imports)
{
    const wb_module *m = inst->module;
    void **vg = wb_vmctx_globals(inst->vmctx, &inst->compiled->layout);
    wb_err err;

    for (uint32_t i = 0; i < m->nglobals; i++) {
        const wb_global *gb = &m->globals[i];
        wb_rt_global *g;
        if (gb->import >= 0) {
            g = imports[gb->import].of.global;
        } else {
            if (!(g = wb_global_create(inst->store, gb->type.type, gb->type.mut)))
                return WB_ERR_NOMEM;
            if ((err = eval_const(inst, &gb->init, g->value)) != WB_OK)
                return err;
            if (gb->type.type == WB_EXTERNREF) /* the global's own count */
                wb_gc_inc(&inst->store->externs, *(uint64_t *)g->value, 1);
        }
        inst->globals[i] = g;
        vg[i] = g->value;
    }
    return WB_OK;
}

/* Evaluates the references of every element segment. */
static wb_err setup_elems(wb_instance *inst)
{
    const wb_module *m = inst->module;
    wb_vm_funcref *refs = wb_vmctx_funcrefs(inst->vmctx, &inst->compiled->layout);
    uint8_t slot[WB_GLOBAL_STORAGE];
    wb_err err;

    for (uint32_t i = 0; i < m->nelems; i++) {
        const wb_elem *e = &m->elems[i];
        wb_elem_inst *ei = &inst->elems[i];
        if (!(ei->items = calloc((size_t)e->count + 1, sizeof(uint64_t))))
            return WB_ERR_NOMEM;
        ei->count = e->count;
        for (uint32_t k = 0; k < e->count; k++) {
            if (e->funcs) {
                if (e->funcs[k] >= m->nfuncs)
                    return WB_ERR_INTERNAL;
                ei->items[k] = (uint64_t)(uintptr_t)&refs[e->funcs[k]];
            } else {
                if ((err = eval_const(inst, &e->exprs[k], slot)) != WB_OK)
                    return err;
                memcpy(&ei->items[k], slot, 8);
            }
        }
    }
    return WB_OK;
}

/* Active segments, in order: elements then data. A failing one traps after
 * the earlier ones took effect. */
static wb_err apply_segments(wb_instance *inst)
{
    const wb_module *m = inst->module;
    uint32_t off;
    wb_err err;

    for (uint32_t i = 0; i < m->nelems; i++) {
        const wb_elem *e = &m->elems[i];
        if (e->mode == WB_SEG_ACTIVE) {
            if ((err = eval_offset(inst, &e->offset, &off)) != WB_OK ||
                (err = wb_op_table_init(inst, e->table, i, off, 0, e->count)) != WB_OK)
                return err;
        }
        if (e->mode != WB_SEG_PASSIVE) { /* elem.drop */
            free(inst->elems[i].items);
            inst->elems[i].items = NULL;
            inst->elems[i].count = 0;
        }
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const wb_data *dt = &m->datas[i];
        if (dt->mode != WB_SEG_ACTIVE)
            continue;
        if ((err = eval_offset(inst, &dt->offset, &off)) != WB_OK ||
            (err = wb_op_memory_init(inst, i, off, 0, dt->data_len)) != WB_OK)
            return err;
        inst->data_dropped[i] = 1;
    }
    return WB_OK;
}

wb_err wb_instance_new(wb_store *s, const wb_compiled *cc, const wb_extern *imports,
                       size_t nimports, wb_instance **out, wb_trap **trap, wb_diag *d)
{
    wb_compiled *c = (wb_compiled *)cc; /* only its reference count changes */
    wb_instance *inst = NULL;
    wb_trap *t = NULL;
    wb_err err;

    *out = NULL;
    if (trap)
        *trap = NULL;
    if (!s || !c || c->engine != s->engine)
        return wb_diag_set(d, WB_ERR_USAGE, NULL, 0);
    if ((err = check_imports(s, c, imports, nimports, d)) != WB_OK)
        return err;
    if ((err = alloc_instance(s, c, &inst)) != WB_OK)
        return wb_diag_set(d, err, NULL, 0);
    setup_funcs(inst, imports);
    if ((err = setup_tables_memories(inst, imports)) != WB_OK ||
        (err = setup_globals(inst, imports)) != WB_OK || (err = setup_elems(inst)) != WB_OK ||
        (inst->module->nmems && (err = wb_memory_add_user(inst->mems[0], inst->vmctx)) != WB_OK)) {
        wb_instance_destroy(inst);
        return wb_diag_set(d, err, NULL, 0);
    }
    /* From here on the instance may be referenced from imported tables
     * and memories' users: it belongs to the store even if it traps. */
    inst->next = s->instances;
    s->instances = inst;
    if ((err = apply_segments(inst)) != WB_OK) {
        if (wb_err_class_of(err) != WB_CLASS_TRAP)
            return wb_diag_set(d, err, NULL, 0);
        if (!(t = wb_trap_new(err, NULL, 0)))
            return wb_diag_set(d, WB_ERR_NOMEM, NULL, 0);
        err = WB_ERR_TRAP;
        goto trapped;
    }
    if (c->module->has_start &&
        (err = wb_func_call(s, inst->func_objs[c->module->start], NULL, 0, NULL, 0, &t)) !=
            WB_OK) {
        if (err != WB_ERR_TRAP)
            return wb_diag_set(d, err, NULL, 0);
        goto trapped;
    }
    *out = inst;
    return WB_OK;
trapped:
    wb_diag_set(d, WB_ERR_TRAP, NULL, 0);
    if (trap)
        *trap = t;
    else
        wb_trap_free(t);
    return WB_ERR_TRAP;
}

void wb_instance_destroy(wb_instance *inst)
{
    if (!inst)
        return;
    if (inst->elems)
        for (uint32_t i = 0; i < inst->module->nelems; i++)
            free(inst->elems[i].items);
    free(inst->elems);
    free(inst->data_dropped);
    free(inst->globals);
    free(inst->mems);
    free(inst->tables);
    free(inst->func_objs);
    free(inst->funcs);
    free(inst->vmctx);
    wb_compiled_release(inst->compiled);
    free(inst);
}

/* -- Exports -- */

bool wb_instance_export(const wb_instance *inst, const char *name, size_t len,
                        wb_extern *out)
{
    const wb_module *m = inst->module;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const wb_export *ex = &m->exports[i];
        if (ex->name.len != len || (len && memcmp(ex->name.ptr, name, len) != 0))
            continue;
        out->kind = ex->kind;
        switch (ex->kind) {
        case WB_EXTERN_FUNC:
            out->of.func = inst->func_objs[ex->index];
            return true;
        case WB_EXTERN_TABLE:
            out->of.table = inst->tables[ex->index];
            return true;
        case WB_EXTERN_MEMORY:
            out->of.memory = inst->mems[ex->index];
            return true;
        case WB_EXTERN_GLOBAL:
            out->of.global = inst->globals[ex->index];
            return true;
        default:
            return false;
        }
    }
    return false;
}

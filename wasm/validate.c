/* validate.c — wb_module_validate: every definition of a decoded module
 * (imports, functions, tables, memories, globals and their constant
 * expressions, element and data segments, start, exports), then every
 * function body (validate_code.c).
 *
 * The order follows the spec interpreter, so that a module with several
 * faults reports the one the spec suite names: imports, function types,
 * tables, memories, globals, elements, data, bodies, start, exports, and
 * last the number of memories. A malformed body anywhere outranks any of
 * these (the spec decodes everything before it validates). */
#include <stdlib.h>
#include <string.h>

#include "wasm/validate_int.h"

/* Section ids, for locating definitions in the bytes (diagnostics). */
enum { SEC_IMPORT = 2, SEC_FUNCTION = 3, SEC_TABLE = 4, SEC_MEMORY = 5, SEC_START = 8 };

/* -- Offsets for diagnostics --
 *
 * The module keeps offsets only where the bytes were needed again (code,
 * constant expressions, segments); for the rest the section is found again
 * in the bytes, which only the error path pays for. The decoder has checked
 * the framing, but a hand-built module may have no bytes at all: every
 * lookup falls back to 0. */

/* Offset of the contents of section `id` (after its size), or 0. */
static size_t section_at(const wb_module *m, uint8_t id)
{
    wb_reader r = { .base = m->bytes, .pos = 8, .end = m->size, .section = NULL };

    if (!m->bytes || m->size < 8)
        return 0;
    while (r.pos < r.end) {
        uint8_t sid = m->bytes[r.pos++];
        uint32_t len;
        if (wb_read_u32(&r, &len, NULL) != WB_OK || len > r.end - r.pos)
            return 0;
        if (sid == id)
            return r.pos;
        r.pos += len;
    }
    return 0;
}

static bool skip_limits(wb_reader *r)
{
    uint8_t flag;
    uint32_t v;

    return wb_read_u8(r, &flag, NULL) == WB_OK && wb_read_u32(r, &v, NULL) == WB_OK &&
           (!(flag & 1) || wb_read_u32(r, &v, NULL) == WB_OK);
}

/* Offset of entry `index` of the function, table or memory section (the
 * only vectors whose entries are needed here and whose module structs do
 * not record where they came from), or of the section when lost. */
static size_t entry_at(const wb_module *m, uint8_t id, uint32_t index)
{
    size_t at = section_at(m, id);
    wb_reader r = { .base = m->bytes, .pos = at, .end = m->size, .section = NULL };
    uint32_t n, v;
    uint8_t b;

    if (!at || wb_read_u32(&r, &n, NULL) != WB_OK)
        return at;
    for (uint32_t i = 0; i < index && i < n; i++) {
        bool ok = id == SEC_FUNCTION ? wb_read_u32(&r, &v, NULL) == WB_OK
                : id == SEC_TABLE ? wb_read_u8(&r, &b, NULL) == WB_OK && skip_limits(&r)
                : skip_limits(&r);
        if (!ok)
            return at;
    }
    return r.pos;
}

/* Offset of a name inside the bytes (imports, exports), or 0. */
static size_t name_at(const wb_module *m, const wb_name *name)
{
    const uint8_t *p = (const uint8_t *)name->ptr;

    if (!m->bytes || !p || p < m->bytes || p > m->bytes + m->size)
        return 0;
    return (size_t)(p - m->bytes);
}

/* Where definition `index` of an index space with `nimported` imports came
 * from: its import, or entry index - nimported of its section. */
static size_t def_at(const wb_module *m, uint8_t kind, int32_t import, uint32_t index,
                     uint32_t nimported)
{
    static const uint8_t sec_of[4] = { SEC_FUNCTION, SEC_TABLE, SEC_MEMORY, 0 };

    if (import >= 0 && (uint32_t)import < m->nimports)
        return name_at(m, &m->imports[import].module);
    return entry_at(m, sec_of[kind], index - nimported);
}

/* -- Types and limits -- */

static wb_err check_limits(const wb_vstate *v, const wb_limits *lim, uint64_t range,
                           wb_err range_err, const char *sec, size_t at)
{
    if (lim->min > range || (lim->has_max && lim->max > range))
        return wb_diag_setf(v->d, range_err, sec, at, "limit %llu",
                            (unsigned long long)range);
    if (lim->has_max && lim->min > lim->max)
        return wb_diag_setf(v->d, WB_ERR_LIMITS_MIN_MAX, sec, at, "min %llu, max %llu",
                            (unsigned long long)lim->min, (unsigned long long)lim->max);
    return WB_OK;
}

static wb_err check_table_type(const wb_vstate *v, uint32_t i, const char *sec)
{
    const wb_table *t = &v->m->tables[i];

    return check_limits(v, &t->type.lim, UINT32_MAX, WB_ERR_TABLE_SIZE, sec,
                        def_at(v->m, WB_EXTERN_TABLE, t->import, i, v->m->ntable_imports));
}

static wb_err check_memory_type(const wb_vstate *v, uint32_t i, const char *sec)
{
    const wb_memory *mem = &v->m->mems[i];

    return check_limits(v, &mem->type.lim, WB_MAX_MEMORY_PAGES, WB_ERR_MEMORY_SIZE, sec,
                        def_at(v->m, WB_EXTERN_MEMORY, mem->import, i, v->m->nmem_imports));
}

static wb_err check_func_type(const wb_vstate *v, uint32_t i, const char *sec)
{
    const wb_func *f = &v->m->funcs[i];

    if (f->type < v->m->ntypes)
        return WB_OK;
    return wb_diag_setf(v->d, WB_ERR_UNKNOWN_TYPE, sec,
                        def_at(v->m, WB_EXTERN_FUNC, f->import, i, v->m->nfunc_imports),
                        "function %u: type %u", i, f->type);
}

/* Imports: their types (functions, tables, memories), in import order. */
static wb_err check_imports(const wb_vstate *v)
{
    const wb_module *m = v->m;
    wb_err err = WB_OK;

    for (uint32_t i = 0; i < m->nimports && err == WB_OK; i++) {
        const wb_import *im = &m->imports[i];
        switch (im->kind) {
        case WB_EXTERN_FUNC:
            if (im->index < m->nfunc_imports)
                err = check_func_type(v, im->index, "import");
            break;
        case WB_EXTERN_TABLE:
            if (im->index < m->ntable_imports)
                err = check_table_type(v, im->index, "import");
            break;
        case WB_EXTERN_MEMORY:
            if (im->index < m->nmem_imports)
                err = check_memory_type(v, im->index, "import");
            break;
        default:
            break;
        }
    }
    return err;
}

/* -- Constant expressions -- */

/* The type a constant instruction pushes; 0 for an instruction that is
 * not constant. In 2.0 global.get may read only imported, immutable
 * globals (the globals defined so far are not yet visible to
 * initializers, and element and data offsets see the same context). */
static wb_err const_instr(const wb_vstate *v, const wb_instr *in, const char *sec,
                          uint8_t *type)
{
    const wb_module *m = v->m;

    switch (in->op) {
    case WB_OP_I32_CONST: *type = WB_I32; return WB_OK;
    case WB_OP_I64_CONST: *type = WB_I64; return WB_OK;
    case WB_OP_F32_CONST: *type = WB_F32; return WB_OK;
    case WB_OP_F64_CONST: *type = WB_F64; return WB_OK;
    case WB_OP_V128_CONST: *type = WB_V128; return WB_OK;
    case WB_OP_REF_NULL: *type = in->u.reftype; return WB_OK;
    case WB_OP_REF_FUNC: *type = WB_FUNCREF; return WB_OK;
    case WB_OP_GLOBAL_GET:
        if (in->u.index >= m->nglobal_imports)
            return wb_diag_setf(v->d, WB_ERR_UNKNOWN_GLOBAL, sec, in->offset,
                                "global %u (constant expressions see only imported globals)",
                                in->u.index);
        if (m->globals[in->u.index].type.mut)
            return wb_diag_setf(v->d, WB_ERR_CONST_EXPR_REQUIRED, sec, in->offset,
                                "global %u is mutable", in->u.index);
        *type = m->globals[in->u.index].type.type;
        return WB_OK;
    }
    return wb_diag_setf(v->d, WB_ERR_CONST_EXPR_REQUIRED, sec, in->offset, "%s",
                        wb_opinfo_table[in->op].text);
}

/* A constant expression must be constant instructions only, then leave
 * exactly one value of type `want`. As the spec does, constness is checked
 * for every instruction before typing (ref.func of an unknown function is
 * a typing error). */
static wb_err check_const(const wb_vstate *v, const wb_const_expr *ce, uint8_t want,
                          const char *sec)
{
    const wb_module *m = v->m;
    wb_reader r = { .base = m->bytes, .pos = ce->offset,
                    .end = (size_t)ce->offset + ce->length, .section = sec };
    uint32_t nvals = 0, bad_func = 0, bad_func_at = 0;
    bool has_bad_func = false;
    uint8_t type = 0, t;
    wb_instr in;
    wb_err err;

    if (ce->op != WB_OP__COUNT) {
        /* Pre-decoded single instruction: nothing to read again. */
        in.op = ce->op;
        in.offset = ce->offset;
        if (ce->op == WB_OP_REF_NULL)
            in.u.reftype = ce->u.reftype;
        else
            in.u.index = ce->u.index;
        if ((err = const_instr(v, &in, sec, &type)) != WB_OK)
            return err;
        nvals = 1;
        if (ce->op == WB_OP_REF_FUNC && ce->u.index >= m->nfuncs) {
            has_bad_func = true;
            bad_func = ce->u.index;
            bad_func_at = ce->offset;
        }
    } else {
        for (;;) {
            if ((err = wb_read_instr(&r, &in, v->d)) != WB_OK)
                return err;
            if (in.op == WB_OP_END)
                break;
            if ((err = const_instr(v, &in, sec, &t)) != WB_OK)
                return err;
            if (in.op == WB_OP_REF_FUNC && in.u.index >= m->nfuncs && !has_bad_func) {
                has_bad_func = true;
                bad_func = in.u.index;
                bad_func_at = in.offset;
            }
            nvals++;
            type = t;
        }
    }
    if (has_bad_func)
        return wb_diag_setf(v->d, WB_ERR_UNKNOWN_FUNC, sec, bad_func_at, "function %u",
                            bad_func);
    if (nvals != 1 || type != want)
        return wb_diag_setf(v->d, WB_ERR_TYPE_MISMATCH, sec, ce->offset,
                            "constant expression: expected one %s, got %u values",
                            wb_valtype_name(want), nvals);
    return WB_OK;
}

/* -- Definitions -- */

static wb_err check_globals(const wb_vstate *v)
{
    const wb_module *m = v->m;
    wb_err err;

    for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++)
        if ((err = check_const(v, &m->globals[i].init, m->globals[i].type.type, "global")) !=
            WB_OK)
            return err;
    return WB_OK;
}

/* Element segments: the elements have the segment's type; an active
 * segment's table exists and holds that type, its offset is an i32. */
static wb_err check_elems(const wb_vstate *v)
{
    const wb_module *m = v->m;
    wb_err err;

    for (uint32_t i = 0; i < m->nelems; i++) {
        const wb_elem *e = &m->elems[i];
        for (uint32_t k = 0; k < e->count; k++) {
            if (e->exprs) {
                if ((err = check_const(v, &e->exprs[k], e->reftype, "element")) != WB_OK)
                    return err;
            } else if (e->funcs[k] >= m->nfuncs) {
                return wb_diag_setf(v->d, WB_ERR_UNKNOWN_FUNC, "element", e->offset_in_file,
                                    "segment %u: function %u", i, e->funcs[k]);
            }
        }
        if (e->mode != WB_SEG_ACTIVE)
            continue;
        if (e->table >= m->ntables)
            return wb_diag_setf(v->d, WB_ERR_UNKNOWN_TABLE, "element", e->offset_in_file,
                                "segment %u: table %u", i, e->table);
        if (m->tables[e->table].type.elem != e->reftype)
            return wb_diag_setf(v->d, WB_ERR_TYPE_MISMATCH, "element", e->offset_in_file,
                                "segment %u: %s elements for a %s table", i,
                                wb_valtype_name(e->reftype),
                                wb_valtype_name(m->tables[e->table].type.elem));
        if ((err = check_const(v, &e->offset, WB_I32, "element")) != WB_OK)
            return err;
    }
    return WB_OK;
}

static wb_err check_datas(const wb_vstate *v)
{
    const wb_module *m = v->m;
    wb_err err;

    for (uint32_t i = 0; i < m->ndatas; i++) {
        const wb_data *s = &m->datas[i];
        if (s->mode != WB_SEG_ACTIVE)
            continue;
        if (s->memory >= m->nmems)
            return wb_diag_setf(v->d, WB_ERR_UNKNOWN_MEMORY, "data", s->offset.offset,
                                "segment %u: memory %u", i, s->memory);
        if ((err = check_const(v, &s->offset, WB_I32, "data")) != WB_OK)
            return err;
    }
    return WB_OK;
}

static wb_err check_start(const wb_vstate *v)
{
    const wb_module *m = v->m;
    const wb_functype *ft;

    if (!m->has_start)
        return WB_OK;
    if (m->start >= m->nfuncs)
        return wb_diag_setf(v->d, WB_ERR_UNKNOWN_FUNC, "start", section_at(m, SEC_START),
                            "function %u", m->start);
    ft = wb_func_type(m, m->start);
    if (ft->nparams || ft->nresults)
        return wb_diag_setf(v->d, WB_ERR_START_FUNC, "start", section_at(m, SEC_START),
                            "function %u takes %u values and returns %u", m->start,
                            ft->nparams, ft->nresults);
    return WB_OK;
}

/* -- Exports -- */

typedef struct export_key { const char *ptr; uint32_t len, index; } export_key;

static int cmp_export_key(const void *pa, const void *pb)
{
    const export_key *a = pa, *b = pb;
    int c = memcmp(a->ptr, b->ptr, a->len < b->len ? a->len : b->len);

    if (c)
        return c;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* Index of the first export whose name an earlier export already has, or
 * nexports when names are unique (sorting: n log n for hostile counts). */
static wb_err first_duplicate(const wb_vstate *v, uint32_t *dup)
{
    const wb_module *m = v->m;
    export_key *keys;

    *dup = m->nexports;
    if (m->nexports < 2)
        return WB_OK;
    if (!(keys = malloc((size_t)m->nexports * sizeof *keys)))
        return wb_diag_set(v->d, WB_ERR_NOMEM, "export", 0);
    for (uint32_t i = 0; i < m->nexports; i++) {
        keys[i].ptr = m->exports[i].name.len ? m->exports[i].name.ptr : "";
        keys[i].len = m->exports[i].name.len;
        keys[i].index = i;
    }
    qsort(keys, m->nexports, sizeof *keys, cmp_export_key);
    /* Sorted by name, then index: the smallest index that follows an
     * equal name is the earliest duplicate. */
    for (uint32_t i = 1; i < m->nexports; i++)
        if (keys[i].len == keys[i - 1].len &&
            memcmp(keys[i].ptr, keys[i - 1].ptr, keys[i].len) == 0 && keys[i].index < *dup)
            *dup = keys[i].index;
    free(keys);
    return WB_OK;
}

static wb_err check_exports(const wb_vstate *v)
{
    static const wb_err unknown[4] = {
        WB_ERR_UNKNOWN_FUNC, WB_ERR_UNKNOWN_TABLE, WB_ERR_UNKNOWN_MEMORY, WB_ERR_UNKNOWN_GLOBAL,
    };
    const wb_module *m = v->m;
    uint32_t dup;
    wb_err err;

    if ((err = first_duplicate(v, &dup)) != WB_OK)
        return err;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const wb_export *ex = &m->exports[i];
        uint32_t count = ex->kind == WB_EXTERN_FUNC ? m->nfuncs
                       : ex->kind == WB_EXTERN_TABLE ? m->ntables
                       : ex->kind == WB_EXTERN_MEMORY ? m->nmems : m->nglobals;
        if (ex->kind > WB_EXTERN_GLOBAL)
            return wb_diag_setf(v->d, WB_ERR_INTERNAL, "export", name_at(m, &ex->name),
                                "export kind %u", ex->kind);
        if (ex->index >= count)
            return wb_diag_setf(v->d, unknown[ex->kind], "export", name_at(m, &ex->name),
                                "export %u: index %u", i, ex->index);
        if (i == dup)
            return wb_diag_setf(v->d, WB_ERR_DUPLICATE_EXPORT, "export",
                                name_at(m, &ex->name), "\"%.*s\"",
                                (int)(ex->name.len > 60 ? 60 : ex->name.len),
                                ex->name.len ? ex->name.ptr : "");
    }
    return WB_OK;
}

/* -- The module -- */

static wb_err validate(wb_vstate *v)
{
    const wb_module *m = v->m;
    wb_err err;

    if (m->ncodes != m->nfuncs - m->nfunc_imports)
        return wb_diag_setf(v->d, WB_ERR_FUNC_CODE_MISMATCH, "code", 0,
                            "%u functions, %u bodies", m->nfuncs - m->nfunc_imports,
                            m->ncodes);
    if ((err = check_imports(v)) != WB_OK)
        return err;
    for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++)
        if ((err = check_func_type(v, i, "function")) != WB_OK)
            return err;
    for (uint32_t i = m->ntable_imports; i < m->ntables; i++)
        if ((err = check_table_type(v, i, "table")) != WB_OK)
            return err;
    for (uint32_t i = m->nmem_imports; i < m->nmems; i++)
        if ((err = check_memory_type(v, i, "memory")) != WB_OK)
            return err;
    if ((err = check_globals(v)) != WB_OK)
        return err;
    if ((err = check_elems(v)) != WB_OK)
        return err;
    if ((err = check_datas(v)) != WB_OK)
        return err;
    for (uint32_t i = 0; i < m->ncodes; i++)
        if ((err = wb_validate_body(v, i)) != WB_OK)
            return err;
    if ((err = check_start(v)) != WB_OK)
        return err;
    if ((err = check_exports(v)) != WB_OK)
        return err;
    if (m->nmems > 1)
        return wb_diag_setf(v->d, WB_ERR_MULTIPLE_MEMORIES, "memory",
                            def_at(m, WB_EXTERN_MEMORY, m->mems[1].import, 1,
                                   m->nmem_imports),
                            "%u memories", m->nmems);
    return WB_OK;
}

wb_err wb_module_validate(const wb_module *m, wb_diag *d)
{
    wb_vstate v = { .m = m, .d = d };
    wb_err err = validate(&v);

    /* The spec decodes every body before validating anything: a malformed
     * body reports as malformed even when an earlier definition is also
     * invalid. Only the error path pays for the second reading. */
    if (err != WB_OK && (wb_err_class_of(err) == WB_CLASS_INVALID ||
                         wb_err_class_of(err) == WB_CLASS_LIMIT)) {
        wb_diag sd;
        wb_err serr = wb_scan_bodies(m, &sd);
        if (serr != WB_OK && wb_err_class_of(serr) == WB_CLASS_MALFORMED) {
            err = serr;
            if (d)
                *d = sd;
        }
    }
    wb_vstate_free(&v);
    return err;
}

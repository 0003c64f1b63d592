/* decode_sections.c — the type, import, function, table, memory, global,
 * export, start, data count and code sections, and the dispatch of every
 * known section id (segments: decode_segments.c).
 *
 * Each vector count is checked against the bytes left in its section
 * before anything is allocated for it; counts over wb_limits.h are LIMIT
 * errors reported at the count. */
#include <string.h>

#include "wasm/wasm_int.h"

/* Counts are checked against one byte per entry, not against each entry's
 * smallest encoding: that still bounds every allocation by the input size,
 * and keeps the spec interpreter's error order (an entry is read, and
 * found malformed, before the bytes for later ones are missed). */
enum { MIN_ENTRY = 1 };

/* -- Types, limits and other small readers -- */

static bool is_valtype(uint8_t b)
{
    return (b >= WB_V128 && b <= WB_I32) || b == WB_FUNCREF || b == WB_EXTERNREF;
}

/* The spec reads type bytes as 7-bit signed LEB128, so a byte with the
 * continuation bit is an over-long integer rather than an unknown type. */
static wb_err bad_type_byte(wb_reader *r, uint8_t b, wb_err err, wb_diag *d)
{
    return wb_diag_setf(d, (b & 0x80) ? WB_ERR_INT_TOO_LONG : err, r->section, r->pos,
                        "type byte 0x%02x", b);
}

static wb_err read_valtype(wb_reader *r, uint8_t *t, wb_diag *d)
{
    uint8_t b;

    if (r->pos >= r->end)
        return wb_diag_set(d, WB_ERR_UNEXPECTED_END, r->section, r->pos);
    b = r->base[r->pos];
    if (!is_valtype(b))
        return bad_type_byte(r, b, WB_ERR_MALFORMED_VALTYPE, d);
    r->pos++;
    *t = b;
    return WB_OK;
}

static wb_err read_reftype(wb_reader *r, uint8_t *t, wb_diag *d)
{
    uint8_t b;

    if (r->pos >= r->end)
        return wb_diag_set(d, WB_ERR_UNEXPECTED_END, r->section, r->pos);
    b = r->base[r->pos];
    if (!wb_is_reftype(b))
        return bad_type_byte(r, b, WB_ERR_MALFORMED_REFTYPE, d);
    r->pos++;
    *t = b;
    return WB_OK;
}

/* Limits: a flag byte (0: min, 1: min and max), then u32 values. Only 0
 * and 1 exist in 2.0; the spec reads the flag as a 1-bit LEB128, hence the
 * integer wordings for other values. Min > max and the memory page limit
 * are the validator's (INVALID); a table larger than this implementation
 * allows is a LIMIT error here, unless min > max makes it invalid anyway.
 * Only the initial size is limited: it is what instantiation allocates,
 * and the spec's own tests declare maximums of 2^32-1. */
static wb_err read_limits(wb_reader *r, wb_limits *lim, bool table, wb_diag *d)
{
    size_t at = r->pos;
    uint32_t min, max = 0;
    uint8_t flag;
    wb_err err;

    if ((err = wb_read_u8(r, &flag, d)) != WB_OK)
        return err;
    if (flag & 0x80)
        return wb_diag_set(d, WB_ERR_INT_TOO_LONG, r->section, at);
    if (flag > 1)
        return wb_diag_setf(d, WB_ERR_MALFORMED_LIMITS, r->section, at,
                            "limits flag 0x%02x", flag);
    if ((err = wb_decode_u32(r, &min, d)) != WB_OK)
        return err;
    if (flag && (err = wb_decode_u32(r, &max, d)) != WB_OK)
        return err;
    lim->min = min;
    lim->max = max;
    lim->has_max = flag == 1;
    lim->shared = false;
    if (table && min > WB_MAX_TABLE_SIZE && !(lim->has_max && min > max))
        return wb_diag_setf(d, WB_ERR_LIMIT_TABLE_SIZE, r->section, at,
                            "%u elements, limit %u", min, WB_MAX_TABLE_SIZE);
    return WB_OK;
}

static wb_err read_tabletype(wb_reader *r, wb_tabletype *tt, wb_diag *d)
{
    wb_err err = read_reftype(r, &tt->elem, d);

    if (err != WB_OK)
        return err;
    return read_limits(r, &tt->lim, true, d);
}

static wb_err read_globaltype(wb_reader *r, wb_globaltype *gt, wb_diag *d)
{
    size_t at;
    uint8_t mut;
    wb_err err;

    if ((err = read_valtype(r, &gt->type, d)) != WB_OK)
        return err;
    at = r->pos;
    if ((err = wb_read_u8(r, &mut, d)) != WB_OK)
        return err;
    if (mut > 1)
        return wb_diag_setf(d, WB_ERR_MALFORMED_MUTABILITY, r->section, at,
                            "mutability 0x%02x", mut);
    gt->mut = mut == 1;
    return WB_OK;
}

/* Grows an index-space array from its `have` imported entries to `total`,
 * keeping the imported ones in front. Not zeroed: callers set every field
 * of the new entries. */
static void *grow_space(wb_decoder *dc, const void *old, uint32_t have, uint32_t total,
                        size_t elem)
{
    void *p = wb_arena_alloc(dc->arena, (size_t)total * elem);

    if (p && have)
        memcpy(p, old, (size_t)have * elem);
    return p;
}

/* -- Type section -- */

static wb_err decode_types(wb_decoder *dc, wb_reader *r)
{
    wb_module *m = dc->m;
    wb_diag *d = dc->d;
    size_t at = r->pos;
    uint32_t n;
    wb_err err;

    if ((err = wb_decode_count(r, &n, MIN_ENTRY, d)) != WB_OK)
        return err;
    if (n > WB_MAX_TYPES)
        return wb_diag_setf(d, WB_ERR_LIMIT_TYPES, r->section, at,
                            "%u types, limit %u", n, WB_MAX_TYPES);
    m->types = wb_arena_array(dc->arena, n, sizeof *m->types);
    if (!m->types)
        return wb_diag_set(d, WB_ERR_NOMEM, r->section, at);
    for (uint32_t i = 0; i < n; i++) {
        wb_functype *ft = &m->types[i];
        const uint8_t *params;
        uint32_t np, nr;
        uint8_t *types;

        at = r->pos;
        if (at >= r->end)
            return wb_diag_set(d, WB_ERR_UNEXPECTED_END, r->section, at);
        if (r->base[at] != 0x60)
            return bad_type_byte(r, r->base[at], WB_ERR_MALFORMED_FUNCTYPE, d);
        r->pos++;
        at = r->pos;
        if ((err = wb_decode_count(r, &np, MIN_ENTRY, d)) != WB_OK)
            return err;
        if (np > WB_MAX_PARAMS)
            return wb_diag_setf(d, WB_ERR_LIMIT_PARAMS, r->section, at,
                                "%u parameters, limit %u", np, WB_MAX_PARAMS);
        /* Params are consecutive bytes: check them in place, copy them
         * next to the results once the result count is known. */
        params = r->base + r->pos;
        for (uint32_t k = 0; k < np; k++) {
            uint8_t t;
            if ((err = read_valtype(r, &t, d)) != WB_OK)
                return err;
        }
        at = r->pos;
        if ((err = wb_decode_count(r, &nr, MIN_ENTRY, d)) != WB_OK)
            return err;
        if (nr > WB_MAX_RESULTS)
            return wb_diag_setf(d, WB_ERR_LIMIT_RESULTS, r->section, at,
                                "%u results, limit %u", nr, WB_MAX_RESULTS);
        types = wb_arena_alloc(dc->arena, (size_t)np + nr);
        if (!types)
            return wb_diag_set(d, WB_ERR_NOMEM, r->section, at);
        memcpy(types, params, np);
        for (uint32_t k = 0; k < nr; k++)
            if ((err = read_valtype(r, &types[np + k], d)) != WB_OK)
                return err;
        ft->nparams = np;
        ft->nresults = nr;
        ft->types = types;
        m->ntypes = i + 1;
    }
    return WB_OK;
}

/* -- Import section -- */

/* An import's description until it is moved into its index space. */
typedef union import_desc {
    uint32_t type;
    wb_tabletype table;
    wb_memtype mem;
    wb_globaltype global;
} import_desc;

/* Builds the four index spaces holding just the imports; the definition
 * sections extend them. */
static wb_err import_spaces(wb_decoder *dc, wb_reader *r, const import_desc *desc,
                            const uint32_t counts[4])
{
    wb_module *m = dc->m;
    uint32_t next[4] = { 0, 0, 0, 0 };

    m->funcs = wb_arena_array(dc->arena, counts[WB_EXTERN_FUNC], sizeof *m->funcs);
    m->tables = wb_arena_array(dc->arena, counts[WB_EXTERN_TABLE], sizeof *m->tables);
    m->mems = wb_arena_array(dc->arena, counts[WB_EXTERN_MEMORY], sizeof *m->mems);
    m->globals = wb_arena_array(dc->arena, counts[WB_EXTERN_GLOBAL], sizeof *m->globals);
    if (!m->funcs || !m->tables || !m->mems || !m->globals)
        return wb_diag_set(dc->d, WB_ERR_NOMEM, r->section, r->pos);
    for (uint32_t i = 0; i < m->nimports; i++) {
        uint8_t kind = m->imports[i].kind;
        uint32_t k = next[kind]++;

        switch (kind) {
        case WB_EXTERN_FUNC:
            m->funcs[k].type = desc[i].type;
            m->funcs[k].import = (int32_t)i;
            break;
        case WB_EXTERN_TABLE:
            m->tables[k].type = desc[i].table;
            m->tables[k].import = (int32_t)i;
            break;
        case WB_EXTERN_MEMORY:
            m->mems[k].type = desc[i].mem;
            m->mems[k].import = (int32_t)i;
            break;
        default:
            m->globals[k].type = desc[i].global;
            m->globals[k].import = (int32_t)i;
            m->globals[k].init.op = WB_OP__COUNT;
            break;
        }
    }
    m->nfuncs = m->nfunc_imports = counts[WB_EXTERN_FUNC];
    m->ntables = m->ntable_imports = counts[WB_EXTERN_TABLE];
    m->nmems = m->nmem_imports = counts[WB_EXTERN_MEMORY];
    m->nglobals = m->nglobal_imports = counts[WB_EXTERN_GLOBAL];
    return WB_OK;
}

static wb_err decode_imports(wb_decoder *dc, wb_reader *r)
{
    wb_module *m = dc->m;
    wb_diag *d = dc->d;
    size_t at = r->pos;
    uint32_t n, counts[4] = { 0, 0, 0, 0 };
    import_desc *desc;
    wb_err err;

    if ((err = wb_decode_count(r, &n, MIN_ENTRY, d)) != WB_OK)
        return err;
    if (n > WB_MAX_IMPORTS)
        return wb_diag_setf(d, WB_ERR_LIMIT_IMPORTS, r->section, at,
                            "%u imports, limit %u", n, WB_MAX_IMPORTS);
    m->imports = wb_arena_array(dc->arena, n, sizeof *m->imports);
    desc = wb_arena_array(dc->arena, n, sizeof *desc);
    if (!m->imports || !desc)
        return wb_diag_set(d, WB_ERR_NOMEM, r->section, at);
    for (uint32_t i = 0; i < n; i++) {
        wb_import *im = &m->imports[i];
        uint8_t kind;

        if ((err = wb_decode_name(r, &im->module, d)) != WB_OK)
            return err;
        if ((err = wb_decode_name(r, &im->name, d)) != WB_OK)
            return err;
        at = r->pos;
        if ((err = wb_read_u8(r, &kind, d)) != WB_OK)
            return err;
        switch (kind) {
        case WB_EXTERN_FUNC:
            err = wb_decode_u32(r, &desc[i].type, d);
            break;
        case WB_EXTERN_TABLE:
            err = read_tabletype(r, &desc[i].table, d);
            break;
        case WB_EXTERN_MEMORY:
            err = read_limits(r, &desc[i].mem.lim, false, d);
            break;
        case WB_EXTERN_GLOBAL:
            err = read_globaltype(r, &desc[i].global, d);
            break;
        default:
            return wb_diag_setf(d, WB_ERR_MALFORMED_IMPORT_KIND, r->section, at,
                                "kind 0x%02x", kind);
        }
        if (err != WB_OK)
            return err;
        im->kind = kind;
        im->index = counts[kind]++;
        m->nimports = i + 1;
    }
    /* The definition sections check imports + definitions; these keep
     * their subtractions from wrapping when limits are configured small. */
    if (counts[WB_EXTERN_FUNC] > WB_MAX_FUNCS)
        return wb_diag_setf(d, WB_ERR_LIMIT_FUNCS, r->section, r->pos,
                            "%u functions, limit %u", counts[WB_EXTERN_FUNC], WB_MAX_FUNCS);
    if (counts[WB_EXTERN_TABLE] > WB_MAX_TABLES)
        return wb_diag_setf(d, WB_ERR_LIMIT_TABLES, r->section, r->pos,
                            "%u tables, limit %u", counts[WB_EXTERN_TABLE], WB_MAX_TABLES);
    if (counts[WB_EXTERN_MEMORY] > WB_MAX_MEMORIES)
        return wb_diag_setf(d, WB_ERR_LIMIT_MEMORIES, r->section, r->pos,
                            "%u memories, limit %u", counts[WB_EXTERN_MEMORY], WB_MAX_MEMORIES);
    if (counts[WB_EXTERN_GLOBAL] > WB_MAX_GLOBALS)
        return wb_diag_setf(d, WB_ERR_LIMIT_GLOBALS, r->section, r->pos,
                            "%u globals, limit %u", counts[WB_EXTERN_GLOBAL], WB_MAX_GLOBALS);
    return import_spaces(dc, r, desc, counts);
}

/* -- Function, table, memory, global sections -- */

static wb_err decode_functions(wb_decoder *dc, wb_reader *r)
{
    wb_module *m = dc->m;
    wb_diag *d = dc->d;
    size_t at = r->pos;
    uint32_t n;
    wb_func *funcs;
    wb_err err;

    if ((err = wb_decode_count(r, &n, MIN_ENTRY, d)) != WB_OK)
        return err;
    if (n > WB_MAX_FUNCS - m->nfunc_imports)
        return wb_diag_setf(d, WB_ERR_LIMIT_FUNCS, r->section, at, "%llu functions, limit %u",
                            (unsigned long long)n + m->nfunc_imports, WB_MAX_FUNCS);
    funcs = grow_space(dc, m->funcs, m->nfunc_imports, m->nfunc_imports + n, sizeof *funcs);
    if (!funcs)
        return wb_diag_set(d, WB_ERR_NOMEM, r->section, at);
    m->funcs = funcs;
    for (uint32_t i = 0; i < n; i++) {
        wb_func *f = &funcs[m->nfunc_imports + i];
        if ((err = wb_decode_u32(r, &f->type, d)) != WB_OK)
            return err;
        f->import = -1;
    }
    m->nfuncs = m->nfunc_imports + n;
    dc->nfunc_defs = n;
    return WB_OK;
}

static wb_err decode_tables(wb_decoder *dc, wb_reader *r)
{
    wb_module *m = dc->m;
    wb_diag *d = dc->d;
    size_t at = r->pos;
    uint32_t n;
    wb_table *tables;
    wb_err err;

    if ((err = wb_decode_count(r, &n, MIN_ENTRY, d)) != WB_OK)
        return err;
    if (n > WB_MAX_TABLES - m->ntable_imports)
        return wb_diag_setf(d, WB_ERR_LIMIT_TABLES, r->section, at, "%llu tables, limit %u",
                            (unsigned long long)n + m->ntable_imports, WB_MAX_TABLES);
    tables = grow_space(dc, m->tables, m->ntable_imports, m->ntable_imports + n,
                        sizeof *tables);
    if (!tables)
        return wb_diag_set(d, WB_ERR_NOMEM, r->section, at);
    m->tables = tables;
    for (uint32_t i = 0; i < n; i++) {
        wb_table *t = &tables[m->ntable_imports + i];
        if ((err = read_tabletype(r, &t->type, d)) != WB_OK)
            return err;
        t->import = -1;
        m->ntables = m->ntable_imports + i + 1;
    }
    return WB_OK;
}

static wb_err decode_memories(wb_decoder *dc, wb_reader *r)
{
    wb_module *m = dc->m;
    wb_diag *d = dc->d;
    size_t at = r->pos;
    uint32_t n;
    wb_memory *mems;
    wb_err err;

    /* 2.0 allows one memory, but that is the validator's rule ("multiple
     * memories" is INVALID); the decoder only bounds the work. */
    if ((err = wb_decode_count(r, &n, MIN_ENTRY, d)) != WB_OK)
        return err;
    if (n > WB_MAX_MEMORIES - m->nmem_imports)
        return wb_diag_setf(d, WB_ERR_LIMIT_MEMORIES, r->section, at, "%llu memories, limit %u",
                            (unsigned long long)n + m->nmem_imports, WB_MAX_MEMORIES);
    mems = grow_space(dc, m->mems, m->nmem_imports, m->nmem_imports + n, sizeof *mems);
    if (!mems)
        return wb_diag_set(d, WB_ERR_NOMEM, r->section, at);
    m->mems = mems;
    for (uint32_t i = 0; i < n; i++) {
        wb_memory *mem = &mems[m->nmem_imports + i];
        if ((err = read_limits(r, &mem->type.lim, false, d)) != WB_OK)
            return err;
        mem->import = -1;
        m->nmems = m->nmem_imports + i + 1;
    }
    return WB_OK;
}

static wb_err decode_globals(wb_decoder *dc, wb_reader *r)
{
    wb_module *m = dc->m;
    wb_diag *d = dc->d;
    size_t at = r->pos;
    uint32_t n;
    wb_global *globals;
    wb_err err;

    if ((err = wb_decode_count(r, &n, MIN_ENTRY, d)) != WB_OK)
        return err;
    if (n > WB_MAX_GLOBALS - m->nglobal_imports)
        return wb_diag_setf(d, WB_ERR_LIMIT_GLOBALS, r->section, at, "%llu globals, limit %u",
                            (unsigned long long)n + m->nglobal_imports, WB_MAX_GLOBALS);
    globals = grow_space(dc, m->globals, m->nglobal_imports, m->nglobal_imports + n,
                         sizeof *globals);
    if (!globals)
        return wb_diag_set(d, WB_ERR_NOMEM, r->section, at);
    m->globals = globals;
    for (uint32_t i = 0; i < n; i++) {
        wb_global *g = &globals[m->nglobal_imports + i];
        if ((err = read_globaltype(r, &g->type, d)) != WB_OK)
            return err;
        g->import = -1;
        if ((err = wb_decode_const_expr(dc, r, &g->init)) != WB_OK)
            return err;
        m->nglobals = m->nglobal_imports + i + 1;
    }
    return WB_OK;
}

/* -- Export, start and data count sections -- */

static wb_err decode_exports(wb_decoder *dc, wb_reader *r)
{
    wb_module *m = dc->m;
    wb_diag *d = dc->d;
    size_t at = r->pos;
    uint32_t n;
    wb_err err;

    if ((err = wb_decode_count(r, &n, MIN_ENTRY, d)) != WB_OK)
        return err;
    if (n > WB_MAX_EXPORTS)
        return wb_diag_setf(d, WB_ERR_LIMIT_EXPORTS, r->section, at,
                            "%u exports, limit %u", n, WB_MAX_EXPORTS);
    m->exports = wb_arena_alloc(dc->arena, (size_t)n * sizeof *m->exports);
    if (!m->exports)
        return wb_diag_set(d, WB_ERR_NOMEM, r->section, at);
    for (uint32_t i = 0; i < n; i++) {
        wb_export *ex = &m->exports[i];

        if ((err = wb_decode_name(r, &ex->name, d)) != WB_OK)
            return err;
        at = r->pos;
        if ((err = wb_read_u8(r, &ex->kind, d)) != WB_OK)
            return err;
        if (ex->kind > WB_EXTERN_GLOBAL)
            return wb_diag_setf(d, WB_ERR_MALFORMED_EXPORT_KIND, r->section, at,
                                "kind 0x%02x", ex->kind);
        if ((err = wb_decode_u32(r, &ex->index, d)) != WB_OK)
            return err;
        if (ex->kind == WB_EXTERN_FUNC)
            wb_decoder_declare_func(dc, ex->index);
        m->nexports = i + 1;
    }
    return WB_OK;
}

static wb_err decode_start(wb_decoder *dc, wb_reader *r)
{
    wb_err err = wb_decode_u32(r, &dc->m->start, dc->d);

    if (err == WB_OK)
        dc->m->has_start = true;
    return err;
}

static wb_err decode_data_count(wb_decoder *dc, wb_reader *r)
{
    size_t at = r->pos;
    uint32_t n;
    wb_err err = wb_decode_u32(r, &n, dc->d);

    if (err != WB_OK)
        return err;
    if (n > WB_MAX_DATA_SEGMENTS)
        return wb_diag_setf(dc->d, WB_ERR_LIMIT_DATAS, r->section, at,
                            "%u data segments, limit %u", n, WB_MAX_DATA_SEGMENTS);
    dc->m->has_data_count = true;
    dc->m->data_count = n;
    return WB_OK;
}

/* -- Code section -- */

/* One body: its size, then the local declarations; the instructions are
 * left for the validator, which reads them exactly once. */
static wb_err decode_body(wb_decoder *dc, wb_reader *r, wb_code *c, uint32_t func)
{
    wb_module *m = dc->m;
    wb_diag *d = dc->d;
    wb_reader br;
    size_t at = r->pos;
    uint64_t total = 0, params = 0;
    uint32_t size, ngroups;
    wb_local_group *groups = NULL;
    wb_err err;

    if ((err = wb_decode_u32(r, &size, d)) != WB_OK)
        return err;
    if (size > r->end - r->pos)
        return wb_diag_setf(d, WB_ERR_LENGTH_OOB, r->section, at,
                            "function %u: body of %u bytes, %zu left", func, size,
                            r->end - r->pos);
    if (size > WB_MAX_BODY_SIZE)
        return wb_diag_setf(d, WB_ERR_LIMIT_BODY_SIZE, r->section, at,
                            "function %u: %u bytes, limit %u", func, size,
                            WB_MAX_BODY_SIZE);
    br = *r;
    br.end = r->pos + size;
    c->offset = (uint32_t)br.pos;
    c->size = size;
    if ((err = wb_decode_count(&br, &ngroups, MIN_ENTRY, d)) != WB_OK)
        return err;
    if (ngroups && !(groups = wb_arena_alloc(dc->arena, (size_t)ngroups * sizeof *groups)))
        return wb_diag_set(d, WB_ERR_NOMEM, r->section, br.pos);
    for (uint32_t i = 0; i < ngroups; i++) {
        size_t gat = br.pos;
        if ((err = wb_decode_u32(&br, &groups[i].count, d)) != WB_OK)
            return err;
        if ((err = read_valtype(&br, &groups[i].type, d)) != WB_OK)
            return err;
        total += groups[i].count;
        if (total > UINT32_MAX)
            return wb_diag_setf(d, WB_ERR_TOO_MANY_LOCALS, r->section, gat,
                                "function %u", func);
    }
    /* The implementation limit counts params too. It is checked after
     * every group, so that the format's own "too many locals" wins when
     * both apply. An unknown type index is the validator's to report. */
    if (m->funcs[func].type < m->ntypes)
        params = m->types[m->funcs[func].type].nparams;
    if (total + params > WB_MAX_LOCALS)
        return wb_diag_setf(d, WB_ERR_LIMIT_LOCALS, r->section, at,
                            "function %u: %llu locals, limit %u", func,
                            (unsigned long long)(total + params), WB_MAX_LOCALS);
    c->expr_offset = (uint32_t)br.pos;
    c->nlocals = (uint32_t)total;
    c->ngroups = ngroups;
    c->groups = groups;
    r->pos = br.end;
    return WB_OK;
}

static wb_err decode_code(wb_decoder *dc, wb_reader *r)
{
    wb_module *m = dc->m;
    wb_diag *d = dc->d;
    size_t at = r->pos;
    uint32_t n;
    wb_err err;

    if ((err = wb_decode_count(r, &n, MIN_ENTRY, d)) != WB_OK)
        return err;
    if (n != dc->nfunc_defs)
        return wb_diag_setf(d, WB_ERR_FUNC_CODE_MISMATCH, r->section, at,
                            "%u functions, %u bodies", dc->nfunc_defs, n);
    /* Not zeroed: decode_body sets every field. */
    m->codes = wb_arena_alloc(dc->arena, (size_t)n * sizeof *m->codes);
    if (!m->codes)
        return wb_diag_set(d, WB_ERR_NOMEM, r->section, at);
    for (uint32_t i = 0; i < n; i++) {
        if ((err = decode_body(dc, r, &m->codes[i], m->nfunc_imports + i)) != WB_OK)
            return err;
        m->ncodes = i + 1;
    }
    return WB_OK;
}

/* -- Dispatch -- */

wb_err wb_decode_section(wb_decoder *dc, unsigned id, wb_reader *r)
{
    switch (id) {
    case WB_SEC_TYPE: return decode_types(dc, r);
    case WB_SEC_IMPORT: return decode_imports(dc, r);
    case WB_SEC_FUNCTION: return decode_functions(dc, r);
    case WB_SEC_TABLE: return decode_tables(dc, r);
    case WB_SEC_MEMORY: return decode_memories(dc, r);
    case WB_SEC_GLOBAL: return decode_globals(dc, r);
    case WB_SEC_EXPORT: return decode_exports(dc, r);
    case WB_SEC_START: return decode_start(dc, r);
    case WB_SEC_ELEMENT: return wb_decode_elem_section(dc, r);
    case WB_SEC_CODE: return decode_code(dc, r);
    case WB_SEC_DATA: return wb_decode_data_section(dc, r);
    case WB_SEC_DATA_COUNT: return decode_data_count(dc, r);
    }
    return wb_diag_setf(dc->d, WB_ERR_INTERNAL, r->section, r->pos, "section id %u", id);
}

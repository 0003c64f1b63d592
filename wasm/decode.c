/* decode.c — wb_module_decode: the header, section framing and order,
 * consistency between sections, custom sections and the "name" section.
 *
 *   bytes ─► header ─► for each section: id, size, order
 *                      ─► contents, reader bounded to the section
 *                         (decode_sections.c, decode_segments.c)
 *                      ─► size check
 *         ─► function/code and data count consistency
 *         ─► wb_module: arrays in the module arena, names and code
 *            borrowed from the input
 *
 * Nothing recurses, and every error names the section and byte offset. */
#include <stdlib.h>
#include <string.h>

#include "wasm/wasm_int.h"

/* Offsets into the module are stored as uint32_t (wasm.h). */
_Static_assert(WB_MAX_MODULE_SIZE <= UINT32_MAX, "module offsets must fit in 32 bits");

/* -- Sections -- */

static const char *const section_names[WB_SEC__COUNT] = {
    "custom", "type", "import", "function", "table", "memory", "global",
    "export", "start", "element", "code", "data", "data count",
};

/* Position of each id in the required order: the data count section (12)
 * came later to the format and sits between element (9) and code (10). */
static const uint8_t section_rank[WB_SEC__COUNT] = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10,
};

/* Once the function section is behind us every function index is known:
 * size the declared-functions bitmap (at least one byte, so it is never
 * NULL). Called before any section that can reference a function. */
static wb_err finish_spaces(wb_decoder *dc)
{
    wb_module *m = dc->m;

    if (dc->spaces_final)
        return WB_OK;
    m->declared_funcs = wb_arena_zalloc(dc->arena, ((size_t)m->nfuncs + 7) / 8 + 1);
    if (!m->declared_funcs)
        return wb_diag_set(dc->d, WB_ERR_NOMEM, NULL, 0);
    dc->spaces_final = true;
    return WB_OK;
}

/* -- The name section --
 *
 * Module name and function names, for diagnostics and backtraces. A
 * malformed name section is ignored, as the spec allows for custom
 * sections: it never fails a load, and is never read out of bounds. */

enum { NAME_MODULE = 0, NAME_FUNCTION = 1 };

static int cmp_indexed_name(const void *a, const void *b)
{
    const wb_indexed_name *x = a, *y = b;

    if (x->index != y->index)
        return x->index < y->index ? -1 : 1;
    /* Among duplicates the first in the section wins; names point into
     * the module bytes, so their addresses give section order. */
    if (x->name.ptr != y->name.ptr)
        return x->name.ptr < y->name.ptr ? -1 : 1;
    return 0;
}

/* Reads a name map (vec of index, name). Producers emit it sorted, as the
 * spec requires; anything else is sorted here, keeping the first of equal
 * indices, rather than losing every name of the module. */
static wb_err read_func_names(wb_decoder *dc, wb_reader *r, wb_indexed_name **out,
                              uint32_t *count)
{
    wb_indexed_name *names;
    uint32_t n, kept;
    bool sorted = true;
    wb_err err;

    /* An entry is at least an index byte and a length byte. */
    if ((err = wb_decode_count(r, &n, 2, NULL)) != WB_OK)
        return err;
    names = wb_arena_alloc(dc->arena, (size_t)n * sizeof *names);
    if (!names)
        return WB_ERR_NOMEM;
    for (uint32_t i = 0; i < n; i++) {
        if ((err = wb_decode_u32(r, &names[i].index, NULL)) != WB_OK)
            return err;
        if ((err = wb_decode_name(r, &names[i].name, NULL)) != WB_OK)
            return err;
        if (i > 0 && names[i].index <= names[i - 1].index)
            sorted = false;
    }
    kept = n;
    if (!sorted) {
        qsort(names, n, sizeof *names, cmp_indexed_name);
        kept = 0;
        for (uint32_t i = 0; i < n; i++)
            if (kept == 0 || names[i].index != names[kept - 1].index)
                names[kept++] = names[i];
    }
    *out = names;
    *count = kept;
    return WB_OK;
}

static void decode_name_section(wb_decoder *dc, const wb_reader *payload)
{
    wb_module *m = dc->m;
    wb_reader r = *payload;
    wb_indexed_name *names = NULL;
    wb_name module_name = { NULL, 0 };
    uint32_t nnames = 0;
    bool has_module_name = false;
    int last_id = -1;

    while (r.pos < r.end) {
        wb_reader sub;
        uint8_t id;
        uint32_t len;

        if (wb_read_u8(&r, &id, NULL) != WB_OK || wb_decode_u32(&r, &len, NULL) != WB_OK)
            return;
        if (len > r.end - r.pos || (int)id <= last_id)
            return;
        last_id = id;
        sub = r;
        sub.end = r.pos + len;
        r.pos = sub.end;
        if (id == NAME_MODULE) {
            if (wb_decode_name(&sub, &module_name, NULL) != WB_OK)
                return;
            has_module_name = true;
        } else if (id == NAME_FUNCTION) {
            if (read_func_names(dc, &sub, &names, &nnames) != WB_OK)
                return;
        } else {
            continue; /* local names and later extensions: not needed */
        }
        if (sub.pos != sub.end)
            return;
    }
    /* Only a name section that decoded completely is used. */
    m->has_module_name = has_module_name;
    m->module_name = module_name;
    m->func_names = names;
    m->nfunc_names = nnames;
}

/* -- Custom sections -- */

static wb_err decode_custom(wb_decoder *dc, wb_reader *r)
{
    wb_module *m = dc->m;
    wb_custom *c;
    wb_name name;
    wb_err err;

    if ((err = wb_decode_name(r, &name, dc->d)) != WB_OK)
        return err;
    if (m->ncustoms == dc->custom_cap) {
        /* Grown as sections arrive: their number is not declared anywhere,
         * and each one spends at least three bytes of input. */
        uint32_t cap = dc->custom_cap ? dc->custom_cap * 2 : 8;
        wb_custom *grown = wb_arena_array(dc->arena, cap, sizeof *grown);
        if (!grown)
            return wb_diag_set(dc->d, WB_ERR_NOMEM, r->section, r->pos);
        if (m->ncustoms)
            memcpy(grown, m->customs, (size_t)m->ncustoms * sizeof *grown);
        m->customs = grown;
        dc->custom_cap = cap;
    }
    c = &m->customs[m->ncustoms++];
    c->name = name;
    c->offset = (uint32_t)r->pos;
    c->len = (uint32_t)(r->end - r->pos);
    if (name.len == 4 && memcmp(name.ptr, "name", 4) == 0 && !m->has_module_name &&
        !m->nfunc_names)
        decode_name_section(dc, r);
    r->pos = r->end;
    return WB_OK;
}

/* -- The module -- */

static wb_err decode_header(const uint8_t *bytes, size_t size, wb_diag *d)
{
    static const uint8_t magic[4] = { 0x00, 0x61, 0x73, 0x6d };
    static const uint8_t version[4] = { 0x01, 0x00, 0x00, 0x00 };

    if (size > WB_MAX_MODULE_SIZE)
        return wb_diag_setf(d, WB_ERR_LIMIT_MODULE_SIZE, NULL, 0, "%zu bytes, limit %u",
                            size, WB_MAX_MODULE_SIZE);
    if (size < 4)
        return wb_diag_set(d, WB_ERR_UNEXPECTED_END, NULL, size);
    if (memcmp(bytes, magic, 4) != 0)
        return wb_diag_set(d, WB_ERR_MAGIC, NULL, 0);
    if (size < 8)
        return wb_diag_set(d, WB_ERR_UNEXPECTED_END, NULL, size);
    if (memcmp(bytes + 4, version, 4) != 0)
        return wb_diag_set(d, WB_ERR_VERSION, NULL, 4);
    return WB_OK;
}

static wb_err decode_sections(wb_decoder *dc, const uint8_t *bytes, size_t size)
{
    wb_module *m = dc->m;
    wb_diag *d = dc->d;
    wb_reader top = { .base = bytes, .pos = 8, .end = size, .section = NULL };
    unsigned last_rank = 0;
    bool has_code = false, has_data = false;
    wb_err err;

    while (top.pos < top.end) {
        size_t id_at = top.pos, size_at;
        uint32_t len;
        uint8_t id;
        wb_reader r;

        id = bytes[top.pos++];
        if (id >= WB_SEC__COUNT)
            return wb_diag_setf(d, WB_ERR_SECTION_ID, NULL, id_at, "id %u", id);
        top.section = section_names[id];
        size_at = top.pos;
        if ((err = wb_decode_u32(&top, &len, d)) != WB_OK)
            return err;
        if (len > top.end - top.pos)
            return wb_diag_setf(d, WB_ERR_LENGTH_OOB, section_names[id], size_at,
                                "section of %u bytes, %zu left", len, top.end - top.pos);
        if (id != WB_SEC_CUSTOM) {
            if (section_rank[id] <= last_rank)
                return wb_diag_setf(d, WB_ERR_SECTION_ORDER, section_names[id], id_at,
                                    "%s section out of order or repeated",
                                    section_names[id]);
            last_rank = section_rank[id];
            if (section_rank[id] > section_rank[WB_SEC_FUNCTION] &&
                (err = finish_spaces(dc)) != WB_OK)
                return err;
            has_code |= id == WB_SEC_CODE;
            has_data |= id == WB_SEC_DATA;
        }
        r.base = bytes;
        r.pos = top.pos;
        r.end = top.pos + len;
        r.section = section_names[id];
        err = id == WB_SEC_CUSTOM ? decode_custom(dc, &r) : wb_decode_section(dc, id, &r);
        if (err != WB_OK)
            return err;
        if (r.pos != r.end)
            return wb_diag_setf(d, WB_ERR_SECTION_SIZE, r.section, r.pos,
                                "%zu bytes left over", r.end - r.pos);
        top.pos = r.end;
    }
    if ((err = finish_spaces(dc)) != WB_OK)
        return err;
    if (!has_code && dc->nfunc_defs != 0)
        return wb_diag_setf(d, WB_ERR_FUNC_CODE_MISMATCH, NULL, size,
                            "%u functions, no code section", dc->nfunc_defs);
    if (m->has_data_count && !has_data && m->data_count != 0)
        return wb_diag_setf(d, WB_ERR_DATA_COUNT_MISMATCH, NULL, size,
                            "data count %u, no data section", m->data_count);
    return WB_OK;
}

wb_err wb_module_decode(const uint8_t *bytes, size_t size, wb_module **out, wb_diag *d)
{
    wb_decoder dc = { .d = d };
    wb_arena *arena = NULL;
    wb_module *m;
    wb_err err;

    *out = NULL;
    if ((err = decode_header(bytes, size, d)) != WB_OK)
        goto out;
    /* Decoded metadata is a fraction of the input (most of it is code,
     * which stays in place); a first chunk of size/8 avoids regrowing. */
    arena = wb_arena_new(size / 8);
    m = arena ? wb_arena_zalloc(arena, sizeof *m) : NULL;
    if (!m) {
        err = wb_diag_set(d, WB_ERR_NOMEM, NULL, 0);
        goto out;
    }
    m->arena = arena;
    m->bytes = bytes;
    m->size = size;
    dc.m = m;
    dc.arena = arena;
    if ((err = decode_sections(&dc, bytes, size)) != WB_OK)
        goto out;
    *out = m;
    arena = NULL;
out:
    wb_arena_free(arena);
    return err;
}

wb_err wb_module_load(const uint8_t *bytes, size_t size, wb_module **out, wb_diag *d)
{
    wb_module *m = NULL;
    wb_err err;

    *out = NULL;
    if ((err = wb_module_decode(bytes, size, &m, d)) != WB_OK)
        goto out;
    if ((err = wb_module_validate(m, d)) != WB_OK)
        goto out;
    *out = m;
    m = NULL;
out:
    wb_module_free(m);
    return err;
}

void wb_module_free(wb_module *m)
{
    /* The module itself lives in its arena. */
    if (m)
        wb_arena_free(m->arena);
}

const wb_name *wb_module_func_name(const wb_module *m, uint32_t index)
{
    uint32_t lo = 0, hi = m->nfunc_names;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (m->func_names[mid].index < index)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < m->nfunc_names && m->func_names[lo].index == index)
        return &m->func_names[lo].name;
    return NULL;
}

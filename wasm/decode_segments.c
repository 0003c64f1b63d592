/* decode_segments.c — constant expressions and the element and data
 * sections (every segment encoding of WebAssembly 2.0). */
#include <string.h>

#include "wasm/wasm_int.h"

/* -- Constant expressions -- */

/* Scans instructions up to the `end` that closes the expression. Which
 * instructions are allowed is a validation matter ("constant expression
 * required"), so anything well-formed is accepted here; block nesting is
 * tracked only so that an inner `end` does not cut the expression short. */
wb_err wb_decode_const_expr(wb_decoder *dc, wb_reader *r, wb_const_expr *ce)
{
    size_t start = r->pos;
    uint32_t depth = 0, ninstr = 0;
    wb_instr in, first;
    wb_err err;

    memset(ce, 0, sizeof *ce);
    ce->op = WB_OP__COUNT;
    memset(&first, 0, sizeof first);
    for (;;) {
        if ((err = wb_read_instr(r, &in, dc->d)) != WB_OK)
            return err;
        if (in.op == WB_OP_END) {
            if (depth == 0)
                break;
            depth--;
        } else if (in.op == WB_OP_BLOCK || in.op == WB_OP_LOOP || in.op == WB_OP_IF) {
            depth++;
        } else if (in.op == WB_OP_REF_FUNC) {
            wb_decoder_declare_func(dc, in.u.index);
        }
        if (ninstr++ == 0)
            first = in;
    }
    ce->offset = (uint32_t)start;
    ce->length = (uint32_t)(r->pos - start);
    if (ninstr != 1)
        return WB_OK;
    switch (first.op) {
    case WB_OP_I32_CONST: ce->u.i32 = first.u.i32; break;
    case WB_OP_I64_CONST: ce->u.i64 = first.u.i64; break;
    case WB_OP_F32_CONST: ce->u.f32 = first.u.f32; break;
    case WB_OP_F64_CONST: ce->u.f64 = first.u.f64; break;
    case WB_OP_V128_CONST: memcpy(ce->u.v128, first.u.v128, 16); break;
    case WB_OP_GLOBAL_GET:
    case WB_OP_REF_FUNC: ce->u.index = first.u.index; break;
    case WB_OP_REF_NULL: ce->u.reftype = first.u.reftype; break;
    default: return WB_OK;
    }
    ce->op = first.op;
    return WB_OK;
}

/* -- Element section -- */

/* The segment flags, a u32 from 0 to 7, are three bits:
 *   bit 0  passive or declarative (else active)
 *   bit 1  active: explicit table index; otherwise: declarative
 *          (and in both cases an element kind or type follows)
 *   bit 2  elements are expressions (else function indices) */
enum { ELEM_NOT_ACTIVE = 1, ELEM_TABLE_OR_DECL = 2, ELEM_EXPRS = 4 };

static wb_err decode_elem(wb_decoder *dc, wb_reader *r, wb_elem *e)
{
    wb_diag *d = dc->d;
    size_t at = r->pos;
    uint32_t flags, n;
    wb_err err;

    e->offset_in_file = (uint32_t)at;
    if ((err = wb_decode_u32(r, &flags, d)) != WB_OK)
        return err;
    if (flags > 7)
        return wb_diag_setf(d, WB_ERR_MALFORMED_ELEM_KIND, r->section, at,
                            "segment flags %u", flags);
    e->reftype = WB_FUNCREF;
    e->offset.op = WB_OP__COUNT;
    if (!(flags & ELEM_NOT_ACTIVE)) {
        e->mode = WB_SEG_ACTIVE;
        if ((flags & ELEM_TABLE_OR_DECL) &&
            (err = wb_decode_u32(r, &e->table, d)) != WB_OK)
            return err;
        if ((err = wb_decode_const_expr(dc, r, &e->offset)) != WB_OK)
            return err;
    } else {
        e->mode = (flags & ELEM_TABLE_OR_DECL) ? WB_SEG_DECLARATIVE : WB_SEG_PASSIVE;
    }
    if (flags & (ELEM_NOT_ACTIVE | ELEM_TABLE_OR_DECL)) {
        size_t kat = r->pos;
        uint8_t b;

        if ((err = wb_read_u8(r, &b, d)) != WB_OK)
            return err;
        if (flags & ELEM_EXPRS) {
            if (!wb_is_reftype(b))
                return wb_diag_setf(d, (b & 0x80) ? WB_ERR_INT_TOO_LONG
                                                  : WB_ERR_MALFORMED_REFTYPE,
                                    r->section, kat, "type 0x%02x", b);
            e->reftype = b;
        } else if (b != 0x00) {
            /* elemkind: 0x00 (funcref) is the only one there is. */
            return wb_diag_setf(d, WB_ERR_MALFORMED_ELEM_KIND, r->section, kat,
                                "element kind 0x%02x", b);
        }
    }
    at = r->pos;
    if ((err = wb_decode_count(r, &n, 1, d)) != WB_OK)
        return err;
    if (n > WB_MAX_TABLE_SIZE)
        return wb_diag_setf(d, WB_ERR_LIMIT_SEGMENT, r->section, at,
                            "%u elements, limit %u", n, WB_MAX_TABLE_SIZE);
    if (flags & ELEM_EXPRS) {
        /* Not zeroed: wb_decode_const_expr sets every field. */
        wb_const_expr *exprs = wb_arena_alloc(dc->arena, (size_t)n * sizeof *exprs);
        if (!exprs)
            return wb_diag_set(d, WB_ERR_NOMEM, r->section, at);
        for (uint32_t i = 0; i < n; i++)
            if ((err = wb_decode_const_expr(dc, r, &exprs[i])) != WB_OK)
                return err;
        e->exprs = exprs;
    } else {
        uint32_t *funcs = wb_arena_alloc(dc->arena, (size_t)n * sizeof *funcs);
        if (!funcs)
            return wb_diag_set(d, WB_ERR_NOMEM, r->section, at);
        for (uint32_t i = 0; i < n; i++) {
            if ((err = wb_decode_u32(r, &funcs[i], d)) != WB_OK)
                return err;
            wb_decoder_declare_func(dc, funcs[i]);
        }
        e->funcs = funcs;
    }
    e->count = n;
    return WB_OK;
}

wb_err wb_decode_elem_section(wb_decoder *dc, wb_reader *r)
{
    wb_module *m = dc->m;
    size_t at = r->pos;
    uint32_t n;
    wb_err err;

    if ((err = wb_decode_count(r, &n, 1, dc->d)) != WB_OK)
        return err;
    if (n > WB_MAX_ELEM_SEGMENTS)
        return wb_diag_setf(dc->d, WB_ERR_LIMIT_ELEMS, r->section, at,
                            "%u segments, limit %u", n, WB_MAX_ELEM_SEGMENTS);
    m->elems = wb_arena_array(dc->arena, n, sizeof *m->elems);
    if (!m->elems)
        return wb_diag_set(dc->d, WB_ERR_NOMEM, r->section, at);
    for (uint32_t i = 0; i < n; i++) {
        if ((err = decode_elem(dc, r, &m->elems[i])) != WB_OK)
            return err;
        m->nelems = i + 1;
    }
    return WB_OK;
}

/* -- Data section -- */

/* Flags: 0 active in memory 0, 1 passive, 2 active with a memory index.
 * A memory index other than 0 is well-formed; the validator reports it
 * ("unknown memory"). */
static wb_err decode_data(wb_decoder *dc, wb_reader *r, wb_data *s)
{
    wb_diag *d = dc->d;
    size_t at = r->pos;
    uint32_t flags, len;
    wb_err err;

    if ((err = wb_decode_u32(r, &flags, d)) != WB_OK)
        return err;
    if (flags > 2)
        return wb_diag_setf(d, WB_ERR_MALFORMED_DATA_KIND, r->section, at,
                            "segment flags %u", flags);
    s->offset.op = WB_OP__COUNT;
    if (flags == 1) {
        s->mode = WB_SEG_PASSIVE;
    } else {
        s->mode = WB_SEG_ACTIVE;
        if (flags == 2 && (err = wb_decode_u32(r, &s->memory, d)) != WB_OK)
            return err;
        if ((err = wb_decode_const_expr(dc, r, &s->offset)) != WB_OK)
            return err;
    }
    at = r->pos;
    if ((err = wb_decode_u32(r, &len, d)) != WB_OK)
        return err;
    if (len > r->end - r->pos)
        return wb_diag_setf(d, WB_ERR_UNEXPECTED_END, r->section, at,
                            "%u bytes declared, %zu left", len, r->end - r->pos);
    s->data_offset = (uint32_t)r->pos;
    s->data_len = len;
    r->pos += len;
    return WB_OK;
}

wb_err wb_decode_data_section(wb_decoder *dc, wb_reader *r)
{
    wb_module *m = dc->m;
    size_t at = r->pos;
    uint32_t n;
    wb_err err;

    if ((err = wb_decode_count(r, &n, 1, dc->d)) != WB_OK)
        return err;
    if (m->has_data_count && n != m->data_count)
        return wb_diag_setf(dc->d, WB_ERR_DATA_COUNT_MISMATCH, r->section, at,
                            "data count %u, %u segments", m->data_count, n);
    if (n > WB_MAX_DATA_SEGMENTS)
        return wb_diag_setf(dc->d, WB_ERR_LIMIT_DATAS, r->section, at,
                            "%u segments, limit %u", n, WB_MAX_DATA_SEGMENTS);
    m->datas = wb_arena_array(dc->arena, n, sizeof *m->datas);
    if (!m->datas)
        return wb_diag_set(dc->d, WB_ERR_NOMEM, r->section, at);
    for (uint32_t i = 0; i < n; i++) {
        if ((err = decode_data(dc, r, &m->datas[i])) != WB_OK)
            return err;
        m->ndatas = i + 1;
    }
    return WB_OK;
}

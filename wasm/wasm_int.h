/* wasm_int.h — declarations private to the wasm/ folder: the module arena
 * and the pieces the section decoder is split into. Nothing here is part of
 * the public API (wasm/wasm.h). */
#ifndef WB_WASM_INT_H
#define WB_WASM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm/wasm.h"

/* -- Module arena (arena.c) --
 *
 * A bump allocator holding every array of one decoded module, so a module
 * is freed with one call and decoding does no per-entry malloc. Chunks grow
 * geometrically; a request larger than the current chunk size gets a chunk
 * of its own. Under AddressSanitizer unused space is poisoned and every
 * allocation is followed by a red zone, so overruns between arrays are
 * caught. */

typedef struct wb_arena wb_arena;

/* Creates an empty arena whose first chunk holds about `hint` bytes (0 for
 * a default). Returns NULL when out of memory. Freed with wb_arena_free. */
wb_arena *wb_arena_new(size_t hint);

/* Frees the arena and everything allocated from it. NULL is allowed. */
void wb_arena_free(wb_arena *a);

/* Returns `size` bytes aligned for any object type, owned by the arena and
 * valid until wb_arena_free; NULL when out of memory. size 0 returns a
 * valid, unique pointer. Contents are unspecified. */
void *wb_arena_alloc(wb_arena *a, size_t size);

/* Same as wb_arena_alloc, zero-filled. */
void *wb_arena_zalloc(wb_arena *a, size_t size);

/* n elements of `size` bytes, zero-filled; NULL when out of memory or when
 * n * size overflows. */
void *wb_arena_array(wb_arena *a, size_t n, size_t size);

/* Bytes handed out so far (payload only, for statistics and tests). */
size_t wb_arena_used(const wb_arena *a);

/* Bytes obtained from malloc so far (chunks and their headers). */
size_t wb_arena_reserved(const wb_arena *a);

/* -- Section decoder internals (decode.c, decode_sections.c,
 *    decode_segments.c) -- */

enum wb_section_id {
    WB_SEC_CUSTOM = 0, WB_SEC_TYPE, WB_SEC_IMPORT, WB_SEC_FUNCTION, WB_SEC_TABLE,
    WB_SEC_MEMORY, WB_SEC_GLOBAL, WB_SEC_EXPORT, WB_SEC_START, WB_SEC_ELEMENT,
    WB_SEC_CODE, WB_SEC_DATA, WB_SEC_DATA_COUNT, WB_SEC__COUNT
};

/* State shared by the section decoders while one module is decoded. */
typedef struct wb_decoder {
    wb_module *m;            /* being built, in `arena` */
    wb_arena *arena;
    wb_diag *d;              /* borrowed, may be NULL */
    uint32_t nfunc_defs;     /* entries of the function section */
    bool spaces_final;       /* index spaces complete, declared_funcs set */
    uint32_t custom_cap;     /* capacity of m->customs */
} wb_decoder;

/* Decodes the contents of known section `id` (not custom), `r` bounded to
 * them; stops where the contents end or at the first error. The caller
 * checks that r->pos reached r->end. decode_sections.c. */
wb_err wb_decode_section(wb_decoder *dc, unsigned id, wb_reader *r);

/* Element and data sections, same contract (decode_segments.c). */
wb_err wb_decode_elem_section(wb_decoder *dc, wb_reader *r);
wb_err wb_decode_data_section(wb_decoder *dc, wb_reader *r);

/* Reads a constant expression at r->pos up to and including its final
 * `end` into *ce, pre-decoding a single-instruction expression, and marks
 * every ref.func it contains as declared. Only malformed bytes are errors. */
wb_err wb_decode_const_expr(wb_decoder *dc, wb_reader *r, wb_const_expr *ce);

/* Marks function `index` as referenced outside function bodies; indices
 * out of range are left for the validator to report. */
static inline void wb_decoder_declare_func(wb_decoder *dc, uint32_t index)
{
    if (index < dc->m->nfuncs)
        dc->m->declared_funcs[index >> 3] |= (uint8_t)(1u << (index & 7));
}

/* Reads a u32 LEB128. Encodings of up to three bytes (values below 2^21:
 * nearly every index, count and size) are decoded inline; they cannot be
 * over-long or too large for 32 bits. Everything else, errors included,
 * goes to wb_read_u32. */
static inline wb_err wb_decode_u32(wb_reader *r, uint32_t *v, wb_diag *d)
{
    const uint8_t *p = r->base + r->pos;
    size_t avail = r->end - r->pos;

    if (avail >= 1 && p[0] < 0x80) {
        *v = p[0];
        r->pos += 1;
        return WB_OK;
    }
    if (avail >= 2 && p[1] < 0x80) {
        *v = (uint32_t)(p[0] & 0x7f) | (uint32_t)p[1] << 7;
        r->pos += 2;
        return WB_OK;
    }
    if (avail >= 3 && p[1] >= 0x80 && p[2] < 0x80) {
        *v = (uint32_t)(p[0] & 0x7f) | (uint32_t)(p[1] & 0x7f) << 7 | (uint32_t)p[2] << 14;
        r->pos += 3;
        return WB_OK;
    }
    return wb_read_u32(r, v, d);
}

/* Reads a name. Pure ASCII, the usual case, is valid UTF-8 without
 * decoding; anything else (and every error) goes to wb_read_name, so the
 * result is always exactly wb_read_name's. */
static inline wb_err wb_decode_name(wb_reader *r, wb_name *name, wb_diag *d)
{
    size_t at = r->pos;
    uint32_t len;
    uint8_t high = 0;
    wb_err err;

    if ((err = wb_decode_u32(r, &len, d)) != WB_OK)
        return err;
    if (len <= r->end - r->pos && len <= WB_MAX_NAME) {
        const uint8_t *p = r->base + r->pos;
        for (uint32_t i = 0; i < len; i++)
            high |= p[i];
        if (high < 0x80) {
            name->ptr = (const char *)p;
            name->len = len;
            r->pos += len;
            return WB_OK;
        }
    }
    r->pos = at;
    return wb_read_name(r, name, d);
}

/* Reads a vector length and checks that the rest of the section can hold
 * that many entries of at least `min_size` bytes each, so a hostile count
 * never drives an allocation or a loop ahead of the bytes present. */
static inline wb_err wb_decode_count(wb_reader *r, uint32_t *n, size_t min_size,
                                     wb_diag *d)
{
    size_t at = r->pos;
    wb_err err;

    if ((err = wb_decode_u32(r, n, d)) != WB_OK)
        return err;
    if (*n > (r->end - r->pos) / min_size)
        return wb_diag_setf(d, WB_ERR_UNEXPECTED_END, r->section, at,
                            "%u entries declared, %zu bytes left", *n, r->end - r->pos);
    return WB_OK;
}

#endif

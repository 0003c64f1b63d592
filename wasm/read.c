/* read.c — bounded readers for the binary format: bytes, LEB128 integers
 * with the spec's exact over-long and overflow checks, and UTF-8 names. */
#include <string.h>

#include "wasm/wasm.h"

static inline wb_err fail(wb_reader *r, wb_err err, size_t at, wb_diag *d)
{
    return wb_diag_set(d, err, r->section, at);
}

wb_err wb_read_u8(wb_reader *r, uint8_t *v, wb_diag *d)
{
    if (r->pos >= r->end)
        return fail(r, WB_ERR_UNEXPECTED_END, r->pos, d);
    *v = r->base[r->pos++];
    return WB_OK;
}

/* Unsigned LEB128 of at most `bits` bits: at most ceil(bits/7) bytes, and
 * the unused high bits of the last byte must be zero. Over-long encodings
 * are "integer representation too long", set unused bits "integer too
 * large" (the spec interpreter's words). */
static wb_err read_uleb(wb_reader *r, unsigned bits, uint64_t *v, wb_diag *d)
{
    const uint8_t *p = r->base + r->pos;
    size_t avail = r->end - r->pos;
    unsigned maxbytes = (bits + 6) / 7;
    uint64_t result = 0;

    /* Fast path: one byte. */
    if (avail && p[0] < 0x80) {
        *v = p[0];
        r->pos++;
        return WB_OK;
    }
    for (unsigned i = 0; i < maxbytes; i++) {
        uint8_t b;
        if (i >= avail)
            return fail(r, WB_ERR_UNEXPECTED_END, r->pos + i, d);
        b = p[i];
        if (i == maxbytes - 1) {
            unsigned used = bits - 7 * i;  /* bits the last byte may carry */
            if (b & 0x80)
                return fail(r, WB_ERR_INT_TOO_LONG, r->pos + i, d);
            if (used < 7 && (b >> used) != 0)
                return fail(r, WB_ERR_INT_TOO_LARGE, r->pos + i, d);
        }
        result |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            r->pos += i + 1;
            *v = result;
            return WB_OK;
        }
    }
    /* unreachable: the last byte returns or fails above */
    return fail(r, WB_ERR_INT_TOO_LONG, r->pos, d);
}

/* Signed LEB128 of `bits` bits: in the last byte, the unused bits must be
 * a sign extension of the last used bit. */
static wb_err read_sleb(wb_reader *r, unsigned bits, int64_t *v, wb_diag *d)
{
    const uint8_t *p = r->base + r->pos;
    size_t avail = r->end - r->pos;
    unsigned maxbytes = (bits + 6) / 7;
    uint64_t result = 0;

    for (unsigned i = 0; i < maxbytes; i++) {
        uint8_t b;
        unsigned shift = 7 * i;
        if (i >= avail)
            return fail(r, WB_ERR_UNEXPECTED_END, r->pos + i, d);
        b = p[i];
        if (i == maxbytes - 1) {
            unsigned used = bits - shift;   /* 1..7 bits of payload */
            if (b & 0x80)
                return fail(r, WB_ERR_INT_TOO_LONG, r->pos + i, d);
            if (used < 7) {
                /* bits [used-1 .. 6] must all equal the sign bit */
                uint8_t hi = (uint8_t)(b & 0x7f) >> (used - 1);
                if (hi != 0 && hi != (0x7f >> (used - 1)))
                    return fail(r, WB_ERR_INT_TOO_LARGE, r->pos + i, d);
            }
        }
        result |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            shift += 7;
            if (shift < 64 && (b & 0x40))
                result |= ~(uint64_t)0 << shift;
            r->pos += i + 1;
            *v = (int64_t)result;
            return WB_OK;
        }
    }
    return fail(r, WB_ERR_INT_TOO_LONG, r->pos, d);
}

wb_err wb_read_u32(wb_reader *r, uint32_t *v, wb_diag *d)
{
    uint64_t x;
    wb_err err = read_uleb(r, 32, &x, d);
    if (err == WB_OK)
        *v = (uint32_t)x;
    return err;
}

wb_err wb_read_u64(wb_reader *r, uint64_t *v, wb_diag *d)
{
    return read_uleb(r, 64, v, d);
}

wb_err wb_read_s32(wb_reader *r, int32_t *v, wb_diag *d)
{
    int64_t x;
    wb_err err = read_sleb(r, 32, &x, d);
    if (err == WB_OK)
        *v = (int32_t)x;
    return err;
}

wb_err wb_read_s33(wb_reader *r, int64_t *v, wb_diag *d)
{
    return read_sleb(r, 33, v, d);
}

wb_err wb_read_s64(wb_reader *r, int64_t *v, wb_diag *d)
{
    return read_sleb(r, 64, v, d);
}

wb_err wb_read_bytes(wb_reader *r, size_t n, const uint8_t **p, wb_diag *d)
{
    if (n > r->end - r->pos)
        return fail(r, WB_ERR_UNEXPECTED_END, r->pos, d);
    *p = r->base + r->pos;
    r->pos += n;
    return WB_OK;
}

/* Strict UTF-8 (RFC 3629): no overlongs, no surrogates, nothing past
 * U+10FFFF. */
static bool utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        uint32_t cp, min;
        if ((c & 0xe0) == 0xc0) { len = 2; cp = c & 0x1f; min = 0x80; }
        else if ((c & 0xf0) == 0xe0) { len = 3; cp = c & 0x0f; min = 0x800; }
        else if ((c & 0xf8) == 0xf0) { len = 4; cp = c & 0x07; min = 0x10000; }
        else return false;
        if (len > n - i)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += len;
    }
    return true;
}

wb_err wb_read_name(wb_reader *r, wb_name *name, wb_diag *d)
{
    uint32_t len;
    size_t at = r->pos;
    const uint8_t *p;
    wb_err err;

    if ((err = wb_read_u32(r, &len, d)) != WB_OK)
        return err;
    if (len > r->end - r->pos)
        return fail(r, WB_ERR_UNEXPECTED_END, r->pos, d);
    if (len > WB_MAX_NAME)
        return fail(r, WB_ERR_LIMIT_NAME, at, d);
    p = r->base + r->pos;
    if (!utf8_valid(p, len))
        return fail(r, WB_ERR_UTF8, r->pos, d);
    r->pos += len;
    name->ptr = (const char *)p;
    name->len = len;
    return WB_OK;
}

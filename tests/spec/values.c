/* values.c — wast2json's typed values: arguments into wb_val, expected
 * results into patterns (exact bits, NaN classes, non-null references,
 * v128 lanes) and both into text for failure messages.
 *
 * wast2json writes every number as a decimal string: integers as their
 * unsigned bit pattern, floats as the decimal of their bit pattern, so
 * that NaN payloads and -0 survive. References are "null" or a number:
 * externref n is the host object spec_rt_externref(n). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "spec.h"

#define F32_SIGN 0x80000000u
#define F32_EXP 0x7f800000u
#define F32_QUIET 0x00400000u
#define F32_FRAC 0x007fffffu
#define F64_SIGN 0x8000000000000000ull
#define F64_EXP 0x7ff0000000000000ull
#define F64_QUIET 0x0008000000000000ull
#define F64_FRAC 0x000fffffffffffffull

/* -- Numbers -- */

/* A decimal string within max: either unsigned, or "-n" with n <= max/2+1
 * taken as two's complement (lenient: wast2json writes unsigned). */
static bool parse_bits(const char *t, uint64_t max, uint64_t *out)
{
    bool neg = false;
    uint64_t v = 0;

    if (!t || !*t)
        return false;
    if (*t == '-') {
        neg = true;
        t++;
    }
    if (!*t)
        return false;
    for (; *t; t++) {
        unsigned d = (unsigned)(*t - '0');
        if (d > 9 || v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > max / 2 + 1)
            return false;
        v = (0 - v) & max;
    }
    if (v > max)
        return false;
    *out = v;
    return true;
}

/* "i8" → 8, "i16" → 16, "i32" → WB_I32 ... ; 0 if unknown. Lane types use
 * the value-type codes, plus 8 and 16 for the two narrow integer lanes. */
static uint8_t lane_type_of(const char *t)
{
    if (!t)
        return 0;
    if (strcmp(t, "i8") == 0)
        return 8;
    if (strcmp(t, "i16") == 0)
        return 16;
    if (strcmp(t, "i32") == 0)
        return WB_I32;
    if (strcmp(t, "i64") == 0)
        return WB_I64;
    if (strcmp(t, "f32") == 0)
        return WB_F32;
    if (strcmp(t, "f64") == 0)
        return WB_F64;
    return 0;
}

static unsigned lane_bytes(uint8_t lt)
{
    switch (lt) {
    case 8: return 1;
    case 16: return 2;
    case WB_I32: case WB_F32: return 4;
    default: return 8;
    }
}

static uint8_t valtype_of(const char *t)
{
    static const struct { const char *name; uint8_t type; } types[] = {
        { "i32", WB_I32 }, { "i64", WB_I64 }, { "f32", WB_F32 }, { "f64", WB_F64 },
        { "v128", WB_V128 }, { "funcref", WB_FUNCREF }, { "externref", WB_EXTERNREF },
    };
    for (size_t i = 0; t && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(types[i].name, t) == 0)
            return types[i].type;
    return 0;
}

static const char *valtype_name(uint8_t t)
{
    switch (t) {
    case WB_I32: return "i32";
    case WB_I64: return "i64";
    case WB_F32: return "f32";
    case WB_F64: return "f64";
    case WB_V128: return "v128";
    case WB_FUNCREF: return "funcref";
    case WB_EXTERNREF: return "externref";
    default: return "?";
    }
}

/* A number, or a NaN class when nan_ok; the bits go to *bits. */
static bool parse_num(const char *t, uint64_t max, bool nan_ok, spec_want *want,
                      uint64_t *bits)
{
    *want = SPEC_WANT_EXACT;
    *bits = 0;
    if (t && nan_ok && strcmp(t, "nan:canonical") == 0) {
        *want = SPEC_WANT_NAN_CANONICAL;
        return true;
    }
    if (t && nan_ok && strcmp(t, "nan:arithmetic") == 0) {
        *want = SPEC_WANT_NAN_ARITHMETIC;
        return true;
    }
    return parse_bits(t, max, bits);
}

/* The 16 bytes of a v128 from its lane list; lane wants into e if given. */
static bool parse_v128(const wb_json *v, bool nan_ok, uint8_t out[16], spec_expect *e,
                       const char **why)
{
    uint8_t lt = lane_type_of(wb_json_str(wb_json_get(v, "lane_type")));
    const wb_json *lanes = wb_json_get(v, "value");
    unsigned nb, n;

    if (!lt) {
        *why = "v128 without a known lane_type";
        return false;
    }
    nb = lane_bytes(lt);
    n = 16 / nb;
    if (!lanes || lanes->kind != WB_JSON_ARRAY || lanes->len != n) {
        *why = "v128 value is not a list of the lane count";
        return false;
    }
    memset(out, 0, 16);
    for (unsigned i = 0; i < n; i++) {
        bool is_float = lt == WB_F32 || lt == WB_F64;
        uint64_t max = nb == 8 ? UINT64_MAX : (UINT64_C(1) << (nb * 8)) - 1;
        spec_want w;
        uint64_t bits;
        if (!parse_num(wb_json_str(wb_json_at(lanes, i)), max, nan_ok && is_float, &w,
                       &bits)) {
            *why = "malformed v128 lane";
            return false;
        }
        for (unsigned b = 0; b < nb; b++)   /* lanes are little-endian */
            out[i * nb + b] = (uint8_t)(bits >> (8 * b));
        if (e)
            e->lane_want[i] = w;
    }
    if (e) {
        e->lane_type = lt;
        e->nlanes = (uint8_t)n;
    }
    return true;
}

/* A reference: "null" or a number. */
static bool parse_ref(spec_rt *rt, uint8_t type, const char *t, bool expect, wb_val *out,
                      spec_want *want, const char **why)
{
    uint64_t n;

    *want = SPEC_WANT_EXACT;
    if (t && strcmp(t, "null") == 0)
        return true;                        /* out->of is zeroed */
    if (!parse_bits(t, UINT64_MAX, &n)) {
        *why = "malformed reference value";
        return false;
    }
    if (type == WB_FUNCREF) {
        /* The harness has no function to pass; as a result, any non-null
         * function is accepted. */
        if (!expect) {
            *why = "non-null funcref arguments are not supported";
            return false;
        }
        *want = SPEC_WANT_NONNULL;
        return true;
    }
    if (!rt || !(out->of.externref = spec_rt_externref(rt, n))) {
        *why = "cannot create an externref";
        return false;
    }
    return true;
}

static bool parse_value(spec_rt *rt, const wb_json *v, bool expect, spec_expect *e,
                        const char **why)
{
    uint8_t type = valtype_of(wb_json_str(wb_json_get(v, "type")));
    const char *text = wb_json_str(wb_json_get(v, "value"));
    wb_val *out = &e->val;
    uint64_t bits;

    memset(e, 0, sizeof *e);
    *why = NULL;
    out->type = type;
    switch (type) {
    case WB_I32:
    case WB_F32:
        if (!parse_num(text, UINT32_MAX, expect && type == WB_F32, &e->want, &bits))
            break;
        out->of.f32 = (uint32_t)bits;
        return true;
    case WB_I64:
    case WB_F64:
        if (!parse_num(text, UINT64_MAX, expect && type == WB_F64, &e->want, &bits))
            break;
        out->of.f64 = bits;
        return true;
    case WB_V128:
        return parse_v128(v, expect, out->of.v128, expect ? e : NULL, why);
    case WB_FUNCREF:
    case WB_EXTERNREF:
        return parse_ref(rt, type, text, expect, out, &e->want, why);
    default:
        *why = "unknown value type";
        return false;
    }
    *why = "malformed number";
    return false;
}

bool spec_val_parse(spec_rt *rt, const wb_json *v, wb_val *out, const char **why)
{
    spec_expect e;

    if (!parse_value(rt, v, false, &e, why))
        return false;
    *out = e.val;
    return true;
}

bool spec_expect_parse(spec_rt *rt, const wb_json *v, spec_expect *out, const char **why)
{
    return parse_value(rt, v, true, out, why);
}

/* -- Matching -- */

static bool f32_matches(spec_want w, uint32_t want, uint32_t got)
{
    switch (w) {
    case SPEC_WANT_NAN_CANONICAL:
        return (got & ~F32_SIGN) == (F32_EXP | F32_QUIET);
    case SPEC_WANT_NAN_ARITHMETIC:
        return (got & (F32_EXP | F32_QUIET)) == (F32_EXP | F32_QUIET);
    default:
        return got == want;
    }
}

static bool f64_matches(spec_want w, uint64_t want, uint64_t got)
{
    switch (w) {
    case SPEC_WANT_NAN_CANONICAL:
        return (got & ~F64_SIGN) == (F64_EXP | F64_QUIET);
    case SPEC_WANT_NAN_ARITHMETIC:
        return (got & (F64_EXP | F64_QUIET)) == (F64_EXP | F64_QUIET);
    default:
        return got == want;
    }
}

static uint64_t lane_get(const uint8_t v[16], unsigned nb, unsigned i)
{
    uint64_t x = 0;
    for (unsigned b = 0; b < nb; b++)
        x |= (uint64_t)v[i * nb + b] << (8 * b);
    return x;
}

bool spec_expect_match(const spec_expect *e, const wb_val *got)
{
    if (got->type != e->val.type)
        return false;
    switch (e->val.type) {
    case WB_I32:
        return (uint32_t)got->of.i32 == (uint32_t)e->val.of.i32;
    case WB_I64:
        return got->of.i64 == e->val.of.i64;
    case WB_F32:
        return f32_matches(e->want, e->val.of.f32, got->of.f32);
    case WB_F64:
        return f64_matches(e->want, e->val.of.f64, got->of.f64);
    case WB_FUNCREF:
        return e->want == SPEC_WANT_NONNULL ? got->of.funcref != NULL
                                            : got->of.funcref == e->val.of.funcref;
    case WB_EXTERNREF:
        return got->of.externref == e->val.of.externref;
    case WB_V128: {
        unsigned nb = lane_bytes(e->lane_type);
        for (unsigned i = 0; i < e->nlanes; i++) {
            uint64_t w = lane_get(e->val.of.v128, nb, i), g = lane_get(got->of.v128, nb, i);
            bool ok = e->lane_type == WB_F32   ? f32_matches(e->lane_want[i], (uint32_t)w,
                                                             (uint32_t)g)
                      : e->lane_type == WB_F64 ? f64_matches(e->lane_want[i], w, g)
                                               : w == g;
            if (!ok)
                return false;
        }
        return true;
    }
    default:
        return false;
    }
}

/* -- Text -- */

/* Appends to buf at *len, keeping the NUL; truncates quietly. */
static void append(char *buf, size_t size, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (*len >= size)
        return;
    va_start(ap, fmt);
    n = vsnprintf(buf + *len, size - *len, fmt, ap);
    va_end(ap);
    if (n > 0)
        *len = *len + (size_t)n < size ? *len + (size_t)n : size - 1;
}

static void format_nan_want(char *buf, size_t size, size_t *len, spec_want w)
{
    append(buf, size, len, "%s",
           w == SPEC_WANT_NAN_CANONICAL ? "nan:canonical" : "nan:arithmetic");
}

static void format_lanes(char *buf, size_t size, size_t *len, const uint8_t v[16],
                         uint8_t lt, const spec_want *wants)
{
    unsigned nb = lane_bytes(lt);
    const char *name = lt == 8 ? "i8" : lt == 16 ? "i16" : valtype_name(lt);

    append(buf, size, len, "%sx%u", name, 16 / nb);
    for (unsigned i = 0; i < 16 / nb; i++) {
        uint64_t x = lane_get(v, nb, i);
        append(buf, size, len, " ");
        if (wants && wants[i] != SPEC_WANT_EXACT)
            format_nan_want(buf, size, len, wants[i]);
        else
            append(buf, size, len, "0x%0*" PRIx64, (int)(nb * 2), x);
    }
}

/* e: the expectation being shown (its NaN classes), or NULL for a plain
 * value; lane_type: how to show a v128. */
static void format_val(const spec_rt *rt, const wb_val *v, const spec_expect *e,
                       uint8_t lane_type, char *buf, size_t size, size_t *len)
{
    spec_want want = e ? e->want : SPEC_WANT_EXACT;
    uint64_t n;

    append(buf, size, len, "%s:", valtype_name(v->type));
    switch (v->type) {
    case WB_I32:
        append(buf, size, len, "%" PRIu32, (uint32_t)v->of.i32);
        if (v->of.i32 < 0)
            append(buf, size, len, " (%" PRId32 ")", v->of.i32);
        break;
    case WB_I64:
        append(buf, size, len, "%" PRIu64, (uint64_t)v->of.i64);
        if (v->of.i64 < 0)
            append(buf, size, len, " (%" PRId64 ")", v->of.i64);
        break;
    case WB_F32: {
        float f;
        if (want != SPEC_WANT_EXACT) {
            format_nan_want(buf, size, len, want);
            break;
        }
        memcpy(&f, &v->of.f32, 4);
        append(buf, size, len, "%.9g (0x%08" PRIx32 ")", (double)f, v->of.f32);
        break;
    }
    case WB_F64: {
        double d;
        if (want != SPEC_WANT_EXACT) {
            format_nan_want(buf, size, len, want);
            break;
        }
        memcpy(&d, &v->of.f64, 8);
        append(buf, size, len, "%.17g (0x%016" PRIx64 ")", d, v->of.f64);
        break;
    }
    case WB_V128:
        format_lanes(buf, size, len, v->of.v128, lane_type ? lane_type : WB_I32,
                     e ? e->lane_want : NULL);
        break;
    case WB_FUNCREF:
        if (want == SPEC_WANT_NONNULL)
            append(buf, size, len, "non-null");
        else
            append(buf, size, len, "%s", v->of.funcref ? "non-null" : "null");
        break;
    case WB_EXTERNREF:
        if (!v->of.externref)
            append(buf, size, len, "null");
        else if (rt && spec_rt_externref_number(rt, v->of.externref, &n))
            append(buf, size, len, "%" PRIu64, n);
        else
            append(buf, size, len, "handle 0x%" PRIx64, (uint64_t)v->of.externref);
        break;
    default:
        append(buf, size, len, "(type 0x%02x)", v->type);
        break;
    }
}

char *spec_val_format(const spec_rt *rt, const wb_val *v, const spec_expect *like, char *buf,
                      size_t size)
{
    size_t len = 0;

    if (size)
        buf[0] = '\0';
    format_val(rt, v, NULL, like ? like->lane_type : 0, buf, size, &len);
    return buf;
}

char *spec_expect_format(const spec_rt *rt, const spec_expect *e, char *buf, size_t size)
{
    size_t len = 0;

    if (size)
        buf[0] = '\0';
    format_val(rt, &e->val, e, e->lane_type, buf, size, &len);
    return buf;
}

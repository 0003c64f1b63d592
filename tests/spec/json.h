/* json.h — a small, strict JSON (RFC 8259) parser for the spec runner: enough
 * for wast2json output, safe on hostile input.
 *
 * Strict means: exactly one value with only JSON whitespace around it; no
 * comments, trailing commas, single quotes, leading zeros, NaN/Infinity, raw
 * control characters in strings, invalid UTF-8, lone surrogates or duplicate
 * object keys. Safe means: no recursion (an explicit stack with a depth
 * limit), every count bounded by the input length, every failure reported as
 * (line, column, message) and never a crash or a leak.
 *
 * Numbers keep their source text; wb_json_int() converts integral ones.
 * Strings are decoded (escapes, \uXXXX with surrogate pairs) into UTF-8 that
 * may contain NUL bytes: use the length, or the trailing NUL when you know
 * there is none inside (wb_json_str() refuses such strings). */
#ifndef WB_SPEC_JSON_H
#define WB_SPEC_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum wb_json_kind {
    WB_JSON_NULL,
    WB_JSON_FALSE,
    WB_JSON_TRUE,
    WB_JSON_NUMBER,   /* u.text: the number as written, NUL-terminated */
    WB_JSON_STRING,   /* u.text: decoded UTF-8, NUL-terminated; len bytes */
    WB_JSON_ARRAY,    /* u.items[len] */
    WB_JSON_OBJECT,   /* u.members[len], in source order, keys unique */
} wb_json_kind;

typedef struct wb_json wb_json;
typedef struct wb_json_member wb_json_member;

struct wb_json {
    wb_json_kind kind;
    size_t len;       /* bytes of text, or number of items/members */
    union {
        const char *text;
        const wb_json *items;
        const wb_json_member *members;
    } u;
};

struct wb_json_member {
    const char *key;  /* decoded, NUL-terminated */
    size_t key_len;
    wb_json value;
};

/* A parsed document: every value, string and array lives in its arena and
 * is freed with it. Values are read-only. */
typedef struct wb_json_doc wb_json_doc;

/* Where and why parsing failed. line and column count from 1; column counts
 * bytes. msg is a static string. */
typedef struct wb_json_error {
    size_t offset, line, column;
    const char *msg;
} wb_json_error;

#define WB_JSON_DEFAULT_MAX_DEPTH 256u

/* Parses text[0..len) (borrowed for the call only; it need not be
 * NUL-terminated). max_depth bounds the nesting of arrays and objects
 * (0 = WB_JSON_DEFAULT_MAX_DEPTH). On success returns true and sets *out to a
 * new document the caller frees with wb_json_free. On failure returns false,
 * sets *out to NULL and fills err (may be NULL). */
bool wb_json_parse(const char *text, size_t len, unsigned max_depth,
                   wb_json_doc **out, wb_json_error *err);

/* The document's top-level value (owned by doc). */
const wb_json *wb_json_root(const wb_json_doc *doc);

/* Frees doc and every value in it; NULL is fine. */
void wb_json_free(wb_json_doc *doc);

/* -- Accessors: all accept NULL and wrong kinds, returning NULL / false. -- */

/* Member `key` of an object, or NULL. */
const wb_json *wb_json_get(const wb_json *obj, const char *key);

/* Item i of an array, or NULL. */
const wb_json *wb_json_at(const wb_json *arr, size_t i);

/* The text of a string without embedded NUL bytes, or NULL. */
const char *wb_json_str(const wb_json *v);

/* Whether v is a string equal to s. */
bool wb_json_str_is(const wb_json *v, const char *s);

/* An integral number (no fraction or exponent) within int64_t: true and
 * *out set; anything else (other kinds, 1.5, 1e3, overflow): false. */
bool wb_json_int(const wb_json *v, int64_t *out);

#endif

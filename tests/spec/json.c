/* json.c — a strict, non-recursive JSON parser for the spec runner (json.h).
 *
 *   text ──► scanner (whitespace, literals, numbers, strings) ──► values
 *                 │                                               │
 *   '[' '{' push a frame on an explicit stack; ',' appends the    │
 *   finished value to the top frame; ']' '}' copy the frame's     ▼
 *   children into the arena and pop, yielding one more value.   arena
 *
 * Nothing recurses, so nesting costs heap (bounded by max_depth), never C
 * stack. Every scan checks `p < end` before reading a byte. */
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* -- Arena: bump allocation in chunks, freed all at once -- */

typedef struct wb_json_chunk {
    struct wb_json_chunk *next;
    size_t size, used;
    max_align_t data[];
} wb_json_chunk;

struct wb_json_doc {
    wb_json_chunk *chunks;
    size_t next_size;     /* size of the next ordinary chunk; doubles */
    wb_json root;
};

#define ARENA_FIRST_CHUNK 4096u
#define ARENA_MAX_CHUNK   (1u << 20)
#define ALIGN_UP(n, a)    (((n) + (a) - 1) & ~((size_t)(a) - 1))

static void *arena_alloc(wb_json_doc *doc, size_t n)
{
    wb_json_chunk *c = doc->chunks;
    size_t want;

    if (n > SIZE_MAX / 2)
        return NULL;
    n = ALIGN_UP(n ? n : 1, _Alignof(max_align_t));
    if (c && c->size - c->used >= n) {
        void *p = (unsigned char *)c->data + c->used;
        c->used += n;
        return p;
    }
    want = n > doc->next_size ? n : doc->next_size;
    c = malloc(sizeof *c + want);
    if (!c)
        return NULL;
    c->size = want;
    c->used = n;
    if (doc->chunks && n > doc->next_size) {
        /* A big one-off block: keep bump-allocating from the current chunk. */
        c->next = doc->chunks->next;
        doc->chunks->next = c;
    } else {
        c->next = doc->chunks;
        doc->chunks = c;
        if (doc->next_size < ARENA_MAX_CHUNK)
            doc->next_size *= 2;
    }
    return c->data;
}

void wb_json_free(wb_json_doc *doc)
{
    if (!doc)
        return;
    for (wb_json_chunk *c = doc->chunks, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(doc);
}

const wb_json *wb_json_root(const wb_json_doc *doc)
{
    return doc ? &doc->root : NULL;
}

/* -- Parser state -- */

/* One open array or object. Its children accumulate in buf (kept across
 * uses of the same depth) and move to the arena when it closes. */
typedef struct frame {
    bool is_object;
    size_t open_offset;   /* of the '[' or '{', for diagnostics */
    unsigned char *buf;
    size_t cap, n;        /* bytes allocated, children stored */
    const char *key;      /* objects: the key of the value being parsed */
    size_t key_len;
} frame;

typedef struct parser {
    const char *text, *p, *end;
    wb_json_doc *doc;
    frame *frames;
    size_t nframes;       /* frames allocated (each may own a buf) */
    size_t depth;         /* frames in use */
    size_t max_depth;
    const char *err_msg;
    size_t err_offset;
} parser;

static bool syntax_error_at(parser *ps, const char *at, const char *msg)
{
    ps->err_msg = msg;
    ps->err_offset = (size_t)(at - ps->text);
    return false;
}

static bool syntax_error(parser *ps, const char *msg)
{
    return syntax_error_at(ps, ps->p, msg);
}

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end &&
           (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static char *arena_strndup(parser *ps, const char *s, size_t n)
{
    char *d = arena_alloc(ps->doc, n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* -- Scalars -- */

static bool parse_literal(parser *ps, const char *word, wb_json_kind kind, wb_json *v)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return syntax_error(ps, "invalid literal");
    ps->p += n;
    v->kind = kind;
    v->len = 0;
    v->u.text = NULL;
    return true;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool parse_number(parser *ps, wb_json *v)
{
    const char *start = ps->p;
    char *t;

    if (ps->p < ps->end && *ps->p == '-')
        ps->p++;
    if (ps->p == ps->end || !is_digit(*ps->p))
        return syntax_error(ps, "digit expected in number");
    if (*ps->p == '0') {
        ps->p++;
        if (ps->p < ps->end && is_digit(*ps->p))
            return syntax_error(ps, "leading zero in number");
    } else {
        while (ps->p < ps->end && is_digit(*ps->p))
            ps->p++;
    }
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        if (ps->p == ps->end || !is_digit(*ps->p))
            return syntax_error(ps, "digit expected after decimal point");
        while (ps->p < ps->end && is_digit(*ps->p))
            ps->p++;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
            ps->p++;
        if (ps->p == ps->end || !is_digit(*ps->p))
            return syntax_error(ps, "digit expected in exponent");
        while (ps->p < ps->end && is_digit(*ps->p))
            ps->p++;
    }
    if (!(t = arena_strndup(ps, start, (size_t)(ps->p - start))))
        return syntax_error_at(ps, start, "out of memory");
    v->kind = WB_JSON_NUMBER;
    v->len = (size_t)(ps->p - start);
    v->u.text = t;
    return true;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Reads the 4 hex digits after "\u" at p (bounded by q). */
static bool read_hex4(const char *p, const char *q, unsigned *out)
{
    unsigned v = 0;
    if (q - p < 4)
        return false;
    for (int i = 0; i < 4; i++) {
        int h = hex_value(p[i]);
        if (h < 0)
            return false;
        v = v << 4 | (unsigned)h;
    }
    *out = v;
    return true;
}

static size_t put_utf8(char *d, unsigned cp)
{
    if (cp < 0x80) {
        d[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (char)(0xc0 | cp >> 6);
        d[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (char)(0xe0 | cp >> 12);
        d[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        d[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    d[0] = (char)(0xf0 | cp >> 18);
    d[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    d[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    d[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Length of the well-formed UTF-8 sequence at s (bounded by q), or 0.
 * Rejects overlong forms, UTF-16 surrogates and code points > U+10FFFF. */
static size_t utf8_seq_len(const unsigned char *s, const unsigned char *q)
{
    unsigned char b = s[0], lo = 0x80, hi = 0xbf;
    size_t n;

    if (b >= 0xc2 && b <= 0xdf) n = 2;
    else if (b >= 0xe0 && b <= 0xef) n = 3;
    else if (b >= 0xf0 && b <= 0xf4) n = 4;
    else return 0;
    if (b == 0xe0) lo = 0xa0;
    else if (b == 0xed) hi = 0x9f;
    else if (b == 0xf0) lo = 0x90;
    else if (b == 0xf4) hi = 0x8f;
    if ((size_t)(q - s) < n)
        return 0;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return n;
}

/* Parses the string at ps->p (a '"') into a NUL-terminated arena copy. The
 * decoded form is never longer than the source, so one allocation of the
 * source length suffices. */
static bool parse_string(parser *ps, const char **out, size_t *out_len)
{
    const char *open = ps->p, *p = ps->p + 1, *q = p;
    char *d, *buf;

    while (q < ps->end && *q != '"') {
        if (*q == '\\' && ++q == ps->end)
            break;
        q++;
    }
    if (q >= ps->end)
        return syntax_error_at(ps, open, "unterminated string");
    if (!(buf = arena_alloc(ps->doc, (size_t)(q - p) + 1)))
        return syntax_error_at(ps, open, "out of memory");
    d = buf;
    while (p < q) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20)
            return syntax_error_at(ps, p, "control character in string");
        if (c >= 0x80) {
            size_t n = utf8_seq_len((const unsigned char *)p, (const unsigned char *)q);
            if (!n)
                return syntax_error_at(ps, p, "invalid UTF-8 in string");
            memcpy(d, p, n);
            d += n;
            p += n;
            continue;
        }
        if (c != '\\') {
            *d++ = (char)c;
            p++;
            continue;
        }
        /* An escape; the scan above guarantees a byte after the '\'. */
        const char *esc = p++;
        switch (*p++) {
        case '"': *d++ = '"'; break;
        case '\\': *d++ = '\\'; break;
        case '/': *d++ = '/'; break;
        case 'b': *d++ = '\b'; break;
        case 'f': *d++ = '\f'; break;
        case 'n': *d++ = '\n'; break;
        case 'r': *d++ = '\r'; break;
        case 't': *d++ = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (!read_hex4(p, q, &cp))
                return syntax_error_at(ps, esc, "invalid \\u escape");
            p += 4;
            if (cp >= 0xdc00 && cp <= 0xdfff)
                return syntax_error_at(ps, esc, "unpaired low surrogate in \\u escape");
            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (q - p < 2 || p[0] != '\\' || p[1] != 'u' ||
                    !read_hex4(p + 2, q, &lo) || lo < 0xdc00 || lo > 0xdfff)
                    return syntax_error_at(ps, esc, "unpaired high surrogate in \\u escape");
                p += 6;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
            d += put_utf8(d, cp);
            break;
        }
        default:
            return syntax_error_at(ps, esc, "invalid escape in string");
        }
    }
    *d = '\0';
    ps->p = q + 1;
    *out = buf;
    *out_len = (size_t)(d - buf);
    return true;
}

/* -- Containers -- */

static frame *push_frame(parser *ps, bool is_object)
{
    frame *f;

    if (ps->depth >= ps->max_depth) {
        syntax_error(ps, "nesting too deep");
        return NULL;
    }
    if (ps->depth == ps->nframes) {
        size_t n = ps->nframes ? ps->nframes * 2 : 16;
        frame *nf;
        if (n > ps->max_depth)
            n = ps->max_depth;
        if (!(nf = realloc(ps->frames, n * sizeof *nf))) {
            syntax_error(ps, "out of memory");
            return NULL;
        }
        memset(nf + ps->nframes, 0, (n - ps->nframes) * sizeof *nf);
        ps->frames = nf;
        ps->nframes = n;
    }
    f = &ps->frames[ps->depth++];
    f->is_object = is_object;
    f->open_offset = (size_t)(ps->p - ps->text);
    f->n = 0;
    f->key = NULL;
    f->key_len = 0;
    return f;
}

static bool frame_append(parser *ps, frame *f, const wb_json *v)
{
    size_t sz = f->is_object ? sizeof(wb_json_member) : sizeof(wb_json);
    if ((f->n + 1) * sz > f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16 * sz;
        unsigned char *nb;
        if (cap < f->cap || !(nb = realloc(f->buf, cap)))
            return syntax_error(ps, "out of memory");
        f->buf = nb;
        f->cap = cap;
    }
    if (f->is_object) {
        wb_json_member m = { .key = f->key, .key_len = f->key_len, .value = *v };
        memcpy(f->buf + f->n * sz, &m, sz);
    } else {
        memcpy(f->buf + f->n * sz, v, sz);
    }
    f->n++;
    return true;
}

static bool same_key(const wb_json_member *a, const wb_json_member *b)
{
    return a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0;
}

static int cmp_member_ptr(const void *pa, const void *pb)
{
    const wb_json_member *a = *(const wb_json_member *const *)pa;
    const wb_json_member *b = *(const wb_json_member *const *)pb;
    if (a->key_len != b->key_len)
        return a->key_len < b->key_len ? -1 : 1;
    return memcmp(a->key, b->key, a->key_len);
}

/* Whether an object's members have a repeated key: pairwise for small
 * objects, by sorting pointers for large ones (hostile inputs may hold
 * millions of keys; quadratic time would be a denial of service). */
static bool has_duplicate_key(parser *ps, const wb_json_member *m, size_t n, bool *dup)
{
    const wb_json_member **idx;

    *dup = false;
    if (n <= 16) {
        for (size_t i = 1; i < n; i++)
            for (size_t j = 0; j < i; j++)
                if (same_key(&m[i], &m[j]))
                    *dup = true;
        return true;
    }
    if (!(idx = malloc(n * sizeof *idx)))
        return syntax_error(ps, "out of memory");
    for (size_t i = 0; i < n; i++)
        idx[i] = &m[i];
    qsort(idx, n, sizeof *idx, cmp_member_ptr);
    for (size_t i = 1; i < n && !*dup; i++)
        if (same_key(idx[i - 1], idx[i]))
            *dup = true;
    free(idx);
    return true;
}

/* Closes the top frame into the value *v. */
static bool pop_frame(parser *ps, wb_json *v)
{
    frame *f = &ps->frames[ps->depth - 1];
    size_t sz = f->is_object ? sizeof(wb_json_member) : sizeof(wb_json);
    void *arr = NULL;

    if (f->n) {
        if (!(arr = arena_alloc(ps->doc, f->n * sz)))
            return syntax_error(ps, "out of memory");
        memcpy(arr, f->buf, f->n * sz);
    }
    if (f->is_object) {
        bool dup;
        if (!has_duplicate_key(ps, arr, f->n, &dup))
            return false;
        if (dup)
            return syntax_error_at(ps, ps->text + f->open_offset, "duplicate key in object");
        v->kind = WB_JSON_OBJECT;
        v->u.members = arr;
    } else {
        v->kind = WB_JSON_ARRAY;
        v->u.items = arr;
    }
    v->len = f->n;
    ps->depth--;
    return true;
}

/* Parses `"key" :` for the top frame (an object). */
static bool parse_key(parser *ps, frame *f)
{
    skip_ws(ps);
    if (ps->p == ps->end || *ps->p != '"')
        return syntax_error(ps, "string key expected");
    if (!parse_string(ps, &f->key, &f->key_len))
        return false;
    skip_ws(ps);
    if (ps->p == ps->end || *ps->p != ':')
        return syntax_error(ps, "':' expected after object key");
    ps->p++;
    return true;
}

/* Parses the start of a value. A scalar comes back complete in *v (and
 * *opened = false); '[' or '{' pushes a frame and, unless it closes at once
 * (then *v is the empty container), leaves the parser before its first
 * value with *opened = true. */
static bool parse_value_start(parser *ps, wb_json *v, bool *opened)
{
    frame *f;
    char c;

    *opened = false;
    skip_ws(ps);
    if (ps->p == ps->end)
        return syntax_error(ps, "unexpected end of input, value expected");
    c = *ps->p;
    switch (c) {
    case '[':
    case '{':
        if (!(f = push_frame(ps, c == '{')))
            return false;
        ps->p++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == (c == '{' ? '}' : ']')) {
            ps->p++;
            return pop_frame(ps, v);
        }
        if (c == '{' && !parse_key(ps, f))
            return false;
        *opened = true;
        return true;
    case '"':
        v->kind = WB_JSON_STRING;
        return parse_string(ps, &v->u.text, &v->len);
    case 't':
        return parse_literal(ps, "true", WB_JSON_TRUE, v);
    case 'f':
        return parse_literal(ps, "false", WB_JSON_FALSE, v);
    case 'n':
        return parse_literal(ps, "null", WB_JSON_NULL, v);
    default:
        if (c == '-' || is_digit(c))
            return parse_number(ps, v);
        return syntax_error(ps, "unexpected character, value expected");
    }
}

static bool parse_document(parser *ps)
{
    wb_json v;
    bool opened;

    for (;;) {
        if (!parse_value_start(ps, &v, &opened))
            return false;
        if (opened)
            continue;
        /* v is complete: attach it, closing every container that ends here,
         * until a ',' asks for the next value or the document ends. */
        for (;;) {
            frame *f;
            char c;

            if (ps->depth == 0) {
                ps->doc->root = v;
                skip_ws(ps);
                if (ps->p != ps->end)
                    return syntax_error(ps, "trailing characters after the value");
                return true;
            }
            f = &ps->frames[ps->depth - 1];
            if (!frame_append(ps, f, &v))
                return false;
            skip_ws(ps);
            if (ps->p == ps->end)
                return syntax_error(ps, f->is_object ? "unexpected end of input in object"
                                             : "unexpected end of input in array");
            c = *ps->p++;
            if (c == ',') {
                if (f->is_object && !parse_key(ps, f))
                    return false;
                break;
            }
            if (c == (f->is_object ? '}' : ']')) {
                if (!pop_frame(ps, &v))
                    return false;
                continue;
            }
            ps->p--;
            return syntax_error(ps, f->is_object ? "',' or '}' expected" : "',' or ']' expected");
        }
    }
}

bool wb_json_parse(const char *text, size_t len, unsigned max_depth,
                   wb_json_doc **out, wb_json_error *err)
{
    parser ps = {
        .text = text ? text : "", .p = text ? text : "",
        .max_depth = max_depth ? max_depth : WB_JSON_DEFAULT_MAX_DEPTH,
    };
    bool ok = false;

    *out = NULL;
    ps.end = ps.p;
    if (!text && len) {
        syntax_error(&ps, "no input");
        goto out;
    }
    ps.end = ps.text + len;
    if (!(ps.doc = calloc(1, sizeof *ps.doc))) {
        syntax_error(&ps, "out of memory");
        goto out;
    }
    ps.doc->next_size = ARENA_FIRST_CHUNK;
    ok = parse_document(&ps);

out:
    for (size_t i = 0; i < ps.nframes; i++)
        free(ps.frames[i].buf);
    free(ps.frames);
    if (ok) {
        *out = ps.doc;
    } else {
        wb_json_free(ps.doc);
        if (err) {
            err->msg = ps.err_msg;
            err->offset = ps.err_offset;
            err->line = 1;
            err->column = 1;
            for (size_t i = 0; i < ps.err_offset; i++) {
                if (ps.text[i] == '\n') {
                    err->line++;
                    err->column = 1;
                } else {
                    err->column++;
                }
            }
        }
    }
    return ok;
}

/* -- Accessors -- */

const wb_json *wb_json_get(const wb_json *obj, const char *key)
{
    size_t n;

    if (!obj || obj->kind != WB_JSON_OBJECT || !key)
        return NULL;
    n = strlen(key);
    for (size_t i = 0; i < obj->len; i++) {
        const wb_json_member *m = &obj->u.members[i];
        if (m->key_len == n && memcmp(m->key, key, n) == 0)
            return &m->value;
    }
    return NULL;
}

const wb_json *wb_json_at(const wb_json *arr, size_t i)
{
    if (!arr || arr->kind != WB_JSON_ARRAY || i >= arr->len)
        return NULL;
    return &arr->u.items[i];
}

const char *wb_json_str(const wb_json *v)
{
    if (!v || v->kind != WB_JSON_STRING || memchr(v->u.text, '\0', v->len))
        return NULL;
    return v->u.text;
}

bool wb_json_str_is(const wb_json *v, const char *s)
{
    return v && v->kind == WB_JSON_STRING && s && strlen(s) == v->len &&
           memcmp(v->u.text, s, v->len) == 0;
}

bool wb_json_int(const wb_json *v, int64_t *out)
{
    const char *s;
    bool neg = false;
    uint64_t mag = 0, limit;

    if (!v || v->kind != WB_JSON_NUMBER)
        return false;
    s = v->u.text;
    if (*s == '-') {
        neg = true;
        s++;
    }
    limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    if (!*s)
        return false;
    for (; *s; s++) {
        unsigned dgt;
        if (!is_digit(*s))
            return false;         /* fraction or exponent */
        dgt = (unsigned)(*s - '0');
        if (mag > (limit - dgt) / 10)
            return false;
        mag = mag * 10 + dgt;
    }
    if (neg)
        *out = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
    else
        *out = (int64_t)mag;
    return true;
}

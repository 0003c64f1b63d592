/* test_validate.c — the validator: small modules, built here byte by byte,
 * are valid or fail with the exact error code and byte offset. Every body
 * check runs twice, as written and with nops padded before the final end,
 * so that both the validator's fast path (which needs bytes ahead) and its
 * exact path see every instruction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "wasm/wasm.h"

/* -- Building modules -- */

#define BYTES(...) ((const uint8_t[]){ __VA_ARGS__ })
/* Sets a section's payload (the builder adds id and size). */
#define SEC(id, ...) .sec[id] = BYTES(__VA_ARGS__), .sec_len[id] = sizeof(BYTES(__VA_ARGS__))
/* Sets the instructions of function 0 (or 1), final end included. */
#define CODE(...) .code = BYTES(__VA_ARGS__), .code_len = sizeof(BYTES(__VA_ARGS__))
#define CODE2(...) .code2 = BYTES(__VA_ARGS__), .code2_len = sizeof(BYTES(__VA_ARGS__))
#define LOCALS(...) .locals = BYTES(__VA_ARGS__), .locals_len = sizeof(BYTES(__VA_ARGS__))

enum { S_TYPE = 1, S_IMPORT, S_FUNC, S_TABLE, S_MEMORY, S_GLOBAL, S_EXPORT, S_START,
       S_ELEM, S_CODE, S_DATA, S_DATACOUNT };

typedef struct fspec {
    const uint8_t *sec[13];     /* payloads by section id; type and function sections
                                 * default to one function of type [] -> [] */
    size_t sec_len[13];
    const uint8_t *locals;      /* locals vector of function 0 (default: none) */
    size_t locals_len;
    const uint8_t *code, *code2; /* bodies' instructions; code2 optional */
    size_t code_len, code2_len;
    const uint8_t *big;         /* a long generated body instead of code */
    size_t big_len;
} fspec;

typedef struct buf { uint8_t *p; size_t n, cap; } buf;

static void put(buf *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    if (n)
        memcpy(b->p + b->n, p, n);
    b->n += n;
}

static void put_u8(buf *b, uint8_t x)
{
    put(b, &x, 1);
}

static void put_leb(buf *b, uint32_t x)
{
    do {
        uint8_t c = x & 0x7f;
        x >>= 7;
        put_u8(b, c | (x ? 0x80 : 0));
    } while (x);
}

/* One body: size, locals, instructions; *at = module offset of the first
 * instruction. `pad` nops go before the final byte (the function's end). */
static void put_body(buf *m, const uint8_t *locals, size_t nl, const uint8_t *code,
                     size_t nc, size_t pad, size_t *at)
{
    buf body = { 0 };
    static const uint8_t no_locals[1] = { 0 };

    if (!locals) {
        locals = no_locals;
        nl = 1;
    }
    put(&body, locals, nl);
    put(&body, code, nc - 1);
    for (size_t i = 0; i < pad; i++)
        put_u8(&body, 0x01);
    put(&body, code + nc - 1, 1);
    put_leb(m, (uint32_t)body.n);
    *at = m->n + nl;
    put(m, body.p, body.n);
    free(body.p);
}

/* Section ids in the order the binary format wants them. */
static const uint8_t order[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 10, 11 };

typedef struct built {
    buf m;
    size_t sec_at[13];          /* module offset of each section's payload */
    size_t code_at, code2_at;   /* first instruction of each body */
} built;

static void build(const fspec *s, size_t pad, built *out)
{
    buf *m = &out->m;

    memset(out, 0, sizeof *out);
    static const uint8_t header[8] = { 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00 };

    put(m, header, sizeof header);
    for (size_t k = 0; k < sizeof order; k++) {
        uint8_t id = order[k];
        const uint8_t *p = s->sec[id];
        size_t n = s->sec_len[id];
        static const uint8_t one_type[] = { 0x01, 0x60, 0x00, 0x00 };
        static const uint8_t one_func[] = { 0x01, 0x00 }, two_funcs[] = { 0x02, 0x00, 0x00 };
        if (id == S_TYPE && !p) {
            p = one_type;
            n = sizeof one_type;
        }
        if (id == S_FUNC && !p && (s->code || s->big)) {
            p = s->code2 ? two_funcs : one_func;
            n = s->code2 ? sizeof two_funcs : sizeof one_func;
        }
        if (id == S_CODE && (s->code || s->big)) {
            buf c = { 0 };
            size_t base;
            put_u8(&c, s->code2 ? 2 : 1);
            if (s->big)
                put_body(&c, s->locals, s->locals_len, s->big, s->big_len, pad,
                         &out->code_at);
            else
                put_body(&c, s->locals, s->locals_len, s->code, s->code_len, pad,
                         &out->code_at);
            if (s->code2)
                put_body(&c, NULL, 0, s->code2, s->code2_len, pad, &out->code2_at);
            put_u8(m, S_CODE);
            put_leb(m, (uint32_t)c.n);
            base = m->n;
            out->sec_at[S_CODE] = base;
            out->code_at += base;
            out->code2_at += base;
            put(m, c.p, c.n);
            free(c.p);
            continue;
        }
        if (!p)
            continue;
        put_u8(m, id);
        put_leb(m, (uint32_t)n);
        out->sec_at[id] = m->n;
        put(m, p, n);
    }
}

/* Decodes (must succeed) and validates; fills *d. */
static wb_err load(const built *b, wb_diag *d)
{
    wb_module *mod = NULL;
    wb_err err = wb_module_decode(b->m.p, b->m.n, &mod, d);

    if (err != WB_OK)
        fail_msg("decode failed: %s at 0x%zx", wb_err_message(err), d->offset);
    memset(d, 0, sizeof *d);
    err = wb_module_validate(mod, d);
    wb_module_free(mod);
    return err;
}

#define PAD 20
#define AT_NONE ((size_t)-1)

/* Expects `want` at code offset `rel` of function `fn` (0 or 1), in both
 * the plain and the padded body; an error at the final end moves with the
 * padding. */
static void expect_fn_at(int line, const fspec *s, int fn, wb_err want, size_t rel)
{
    for (int pass = 0; pass < 2; pass++) {
        size_t pad = pass ? PAD : 0;
        size_t len = fn ? s->code2_len : s->big ? s->big_len : s->code_len;
        built b;
        wb_diag d;
        wb_err err;

        build(s, pad, &b);
        err = load(&b, &d);
        if (err != want)
            fail_msg("line %d, pass %d: expected \"%s\", got \"%s\" at 0x%zx (%s)", line,
                     pass, want ? wb_err_message(want) : "ok",
                     err ? wb_err_message(err) : "ok", d.offset, d.detail);
        if (want != WB_OK && rel != AT_NONE) {
            size_t at = (fn ? b.code2_at : b.code_at) + rel + (rel >= len - 1 ? pad : 0);
            if (d.offset != at)
                fail_msg("line %d, pass %d: %s at 0x%zx, expected 0x%zx (%s)", line, pass,
                         wb_err_message(err), d.offset, at, d.detail);
            assert_string_equal(d.section, "code");
        }
        free(b.m.p);
    }
}

static void expect_at(int line, const fspec *s, wb_err want, size_t rel)
{
    expect_fn_at(line, s, 0, want, rel);
}

/* The caller's line goes into failure messages. Variadic, because the
 * module is a compound literal full of commas:
 *   expect_fn(spec, function, error, offset in the body)
 *   expect(spec, error, offset in function 0)
 *   expect_ok(spec) */
#define expect_fn(...) expect_fn_at(__LINE__, __VA_ARGS__)
#define expect(...) expect_at(__LINE__, __VA_ARGS__)
#define expect_ok(...) expect_fn_at(__LINE__, __VA_ARGS__, 0, WB_OK, AT_NONE)

/* Module-level checks: error `want` in section `sec` at payload offset
 * `rel` of section `id`. */
static void expect_mod_at(int line, const fspec *s, wb_err want, const char *sec, uint8_t id,
                          size_t rel)
{
    built b;
    wb_diag d;
    wb_err err;

    build(s, 0, &b);
    err = load(&b, &d);
    if (err != want)
        fail_msg("line %d: expected \"%s\", got \"%s\" (%s)", line,
                 want ? wb_err_message(want) : "ok", err ? wb_err_message(err) : "ok",
                 d.detail);
    if (want != WB_OK) {
        assert_non_null(d.section);
        assert_string_equal(d.section, sec);
        if (id && d.offset != b.sec_at[id] + rel)
            fail_msg("line %d: %s at 0x%zx, expected 0x%zx (%s)", line, wb_err_message(err),
                     d.offset, b.sec_at[id] + rel, d.detail);
    }
    free(b.m.p);
}

/* expect_mod(spec, error, section name, section id, offset in its payload) */
#define expect_mod(...) expect_mod_at(__LINE__, __VA_ARGS__)

/* Common environments. */
#define T_I32_I32__I32 SEC(S_TYPE, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f)
#define T__I32 SEC(S_TYPE, 0x01, 0x60, 0x00, 0x01, 0x7f)
#define MEM1 SEC(S_MEMORY, 0x01, 0x00, 0x01)
#define V128_ZERO 0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0

/* -- Operand stack -- */

static void test_valid_arith(void **state)
{
    (void)state;
    /* (func (param i32 i32) (result i32) local.get 0 local.get 1 i32.add) */
    expect_ok(&(fspec){ T_I32_I32__I32, CODE(0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b) });
}

static void test_type_mismatch(void **state)
{
    (void)state;
    /* i32.const 0, f32.const 0, i32.add: f32 where i32 is wanted */
    expect(&(fspec){ T__I32, CODE(0x41, 0x00, 0x43, 0, 0, 0, 0, 0x6a, 0x0b) },
           WB_ERR_TYPE_MISMATCH, 7);
    /* i32.add on an empty stack */
    expect(&(fspec){ CODE(0x6a, 0x0b) }, WB_ERR_TYPE_MISMATCH, 0);
    /* a value left over at the end; a missing result */
    expect(&(fspec){ CODE(0x41, 0x00, 0x0b) }, WB_ERR_TYPE_MISMATCH, 2);
    expect(&(fspec){ T__I32, CODE(0x0b) }, WB_ERR_TYPE_MISMATCH, 0);
    expect(&(fspec){ T__I32, CODE(0x42, 0x00, 0x0b) }, WB_ERR_TYPE_MISMATCH, 2);
    /* store: value and address the wrong way round */
    expect(&(fspec){ MEM1, CODE(0x42, 0x00, 0x41, 0x00, 0x37, 0x03, 0x00, 0x0b) },
           WB_ERR_TYPE_MISMATCH, 4);
    expect_ok(&(fspec){ MEM1, CODE(0x41, 0x00, 0x42, 0x00, 0x37, 0x03, 0x00, 0x0b) });
}

static void test_polymorphic_stack(void **state)
{
    (void)state;
    /* unreachable, i32.add, drop: operands come from the polymorphic stack */
    expect_ok(&(fspec){ CODE(0x00, 0x6a, 0x1a, 0x0b) });
    /* ... but a known operand must still have the right type */
    expect(&(fspec){ CODE(0x00, 0x42, 0x00, 0x6a, 0x1a, 0x0b) }, WB_ERR_TYPE_MISMATCH, 3);
    /* unreachable satisfies a result; a value pushed after it still counts */
    expect_ok(&(fspec){ T__I32, CODE(0x00, 0x0b) });
    expect(&(fspec){ CODE(0x00, 0x41, 0x00, 0x0b) }, WB_ERR_TYPE_MISMATCH, 3);
    /* (block (result i32) i32.const 1 br 0 i32.add): after br anything goes */
    expect_ok(&(fspec){ T__I32, CODE(0x02, 0x7f, 0x41, 0x01, 0x0c, 0x00, 0x6a, 0x0b, 0x0b) });
    /* return makes the rest unreachable too; the frame's own values stay */
    expect_ok(&(fspec){ T__I32, CODE(0x41, 0x01, 0x0f, 0x1a, 0x1a, 0x0b) });
    expect(&(fspec){ T__I32, CODE(0x0f, 0x0b) }, WB_ERR_TYPE_MISMATCH, 0);
    /* unreachable in a block ends with the block: after it, the outer
     * frame is reachable again */
    expect(&(fspec){ CODE(0x02, 0x40, 0x00, 0x0b, 0x6a, 0x1a, 0x0b) }, WB_ERR_TYPE_MISMATCH,
           4);
}

static void test_select(void **state)
{
    (void)state;
    expect_ok(&(fspec){ CODE(0x41, 0x01, 0x41, 0x02, 0x41, 0x00, 0x1b, 0x1a, 0x0b) });
    /* untyped select on references */
    expect(&(fspec){ CODE(0xd0, 0x70, 0xd0, 0x70, 0x41, 0x00, 0x1b, 0x1a, 0x0b) },
           WB_ERR_TYPE_MISMATCH, 6);
    /* operands of two types */
    expect(&(fspec){ CODE(0x41, 0x01, 0x42, 0x02, 0x41, 0x00, 0x1b, 0x1a, 0x0b) },
           WB_ERR_TYPE_MISMATCH, 6);
    /* typed select takes references */
    expect_ok(&(fspec){ CODE(0xd0, 0x70, 0xd0, 0x70, 0x41, 0x00, 0x1c, 0x01, 0x70, 0x1a,
                             0x0b) });
    /* typed select with two types */
    expect(&(fspec){ CODE(0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0x1c, 0x02, 0x7f, 0x7f, 0x1a,
                          0x0b) },
           WB_ERR_INVALID_RESULT_ARITY, 6);
    /* unreachable: unknown operands are fine, a reference is not */
    expect_ok(&(fspec){ CODE(0x00, 0x1b, 0x1a, 0x0b) });
    expect(&(fspec){ CODE(0x00, 0xd0, 0x70, 0x1b, 0x1a, 0x0b) }, WB_ERR_TYPE_MISMATCH, 3);
    /* select's result takes the known operand's type */
    expect(&(fspec){ CODE(0x00, 0x42, 0x00, 0x41, 0x00, 0x1b, 0x6a, 0x0b) },
           WB_ERR_TYPE_MISMATCH, 6);
}

/* -- Control -- */

static void test_br_table(void **state)
{
    (void)state;
    /* (block (block (result i32) (br_table 0 1 (i32.const 0) (i32.const 0)))):
     * targets of different arity */
    expect(&(fspec){ CODE(0x02, 0x40, 0x02, 0x7f, 0x41, 0x00, 0x41, 0x00, 0x0e, 0x01, 0x00,
                          0x01, 0x0b, 0x0b, 0x0b) },
           WB_ERR_TYPE_MISMATCH, 8);
    /* (block (result i32) (block (result i64) (br_table 0 1 (i32.const 0)
     * (i32.const 0)))): same arity, other types */
    expect(&(fspec){ T__I32, CODE(0x02, 0x7f, 0x02, 0x7e, 0x41, 0x00, 0x41, 0x00, 0x0e, 0x01,
                                  0x00, 0x01, 0x0b, 0x1a, 0x41, 0x00, 0x0b, 0x0b) },
           WB_ERR_TYPE_MISMATCH, 8);
    /* unreached-valid.wast "meet-bottom": in unreachable code the targets
     * may have different types of one arity */
    expect_ok(&(fspec){ CODE(0x02, 0x7c, 0x02, 0x7d, 0x00, 0x41, 0x01, 0x0e, 0x02, 0x00,
                             0x01, 0x01, 0x0b, 0x1a, 0x44, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b,
                             0x1a, 0x0b) });
    /* ... but not different arities */
    expect(&(fspec){ CODE(0x02, 0x40, 0x02, 0x7d, 0x00, 0x41, 0x01, 0x0e, 0x01, 0x00, 0x01,
                          0x0b, 0x1a, 0x0b, 0x0b) },
           WB_ERR_TYPE_MISMATCH, 7);
    /* a known operand of the wrong type in unreachable code */
    expect(&(fspec){ CODE(0x02, 0x7f, 0x00, 0x42, 0x00, 0x41, 0x00, 0x0e, 0x00, 0x00, 0x0b,
                          0x1a, 0x0b) },
           WB_ERR_TYPE_MISMATCH, 7);
    /* unknown target, unknown default */
    expect(&(fspec){ CODE(0x41, 0x00, 0x0e, 0x01, 0x05, 0x00, 0x0b) }, WB_ERR_UNKNOWN_LABEL,
           2);
    expect(&(fspec){ CODE(0x41, 0x00, 0x0e, 0x01, 0x00, 0x01, 0x0b) }, WB_ERR_UNKNOWN_LABEL,
           2);
    /* many targets, one label: valid */
    expect_ok(&(fspec){ T__I32, CODE(0x41, 0x07, 0x41, 0x00, 0x0e, 0x08, 0, 0, 0, 0, 0, 0, 0,
                                     0, 0x00, 0x0b) });
}

static void test_labels_and_blocks(void **state)
{
    (void)state;
    expect(&(fspec){ CODE(0x0c, 0x01, 0x0b) }, WB_ERR_UNKNOWN_LABEL, 0);
    expect(&(fspec){ CODE(0x41, 0x00, 0x0d, 0x01, 0x0b) }, WB_ERR_UNKNOWN_LABEL, 2);
    expect_ok(&(fspec){ CODE(0x0c, 0x00, 0x0b) });
    /* br_if keeps the label's operands: (block (result i32) i32.const 1
     * i32.const 0 br_if 0) */
    expect_ok(&(fspec){ T__I32, CODE(0x02, 0x7f, 0x41, 0x01, 0x41, 0x00, 0x0d, 0x00, 0x0b,
                                     0x0b) });
    expect(&(fspec){ T__I32, CODE(0x02, 0x7f, 0x42, 0x01, 0x41, 0x00, 0x0d, 0x00, 0x0b,
                                  0x0b) },
           WB_ERR_TYPE_MISMATCH, 6);
    /* if without else must not change the types */
    expect_ok(&(fspec){ CODE(0x41, 0x01, 0x04, 0x40, 0x0b, 0x0b) });
    expect(&(fspec){ CODE(0x41, 0x01, 0x04, 0x7f, 0x41, 0x00, 0x0b, 0x1a, 0x0b) },
           WB_ERR_TYPE_MISMATCH, 6);
    expect_ok(&(fspec){ CODE(0x41, 0x01, 0x04, 0x7f, 0x41, 0x00, 0x05, 0x41, 0x01, 0x0b,
                             0x1a, 0x0b) });
    /* else branch with the wrong type; if without condition */
    expect(&(fspec){ CODE(0x41, 0x01, 0x04, 0x7f, 0x41, 0x00, 0x05, 0x42, 0x01, 0x0b, 0x1a,
                          0x0b) },
           WB_ERR_TYPE_MISMATCH, 9);
    expect(&(fspec){ CODE(0x04, 0x40, 0x0b, 0x0b) }, WB_ERR_TYPE_MISMATCH, 0);
    /* block with an unknown type index */
    expect(&(fspec){ CODE(0x02, 0x05, 0x0b, 0x0b) }, WB_ERR_UNKNOWN_TYPE, 0);
}

/* Types: 0 [] -> [i32], 1 [i32 i32] -> [i32], 2 [i32] -> []. */
#define T_MULTI SEC(S_TYPE, 0x03, 0x60, 0x00, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, \
                    0x60, 0x01, 0x7f, 0x00)

static void test_multi_value_blocks(void **state)
{
    (void)state;
    /* i32.const 1, i32.const 2, (block (type 1) i32.add) */
    expect_ok(&(fspec){ T_MULTI, CODE(0x41, 0x01, 0x41, 0x02, 0x02, 0x01, 0x6a, 0x0b, 0x0b) });
    expect(&(fspec){ T_MULTI, CODE(0x41, 0x01, 0x42, 0x02, 0x02, 0x01, 0x6a, 0x0b, 0x0b) },
           WB_ERR_TYPE_MISMATCH, 4);
    /* the block sees only its params: the i32 below is out of reach */
    expect(&(fspec){ T_MULTI, CODE(0x41, 0x01, 0x41, 0x02, 0x41, 0x03, 0x02, 0x01, 0x6a,
                                   0x6a, 0x0b, 0x0b) },
           WB_ERR_TYPE_MISMATCH, 9);
    /* a loop's label takes its params, a block's its results */
    expect(&(fspec){ T_MULTI, CODE(0x41, 0x00, 0x03, 0x02, 0x1a, 0x43, 0, 0, 0, 0, 0x0c, 0x00,
                                   0x0b, 0x41, 0x00, 0x0b) },
           WB_ERR_TYPE_MISMATCH, 10);
    expect_ok(&(fspec){ T_MULTI, CODE(0x41, 0x00, 0x02, 0x02, 0x1a, 0x43, 0, 0, 0, 0, 0x0c,
                                      0x00, 0x0b, 0x41, 0x00, 0x0b) });
    expect_ok(&(fspec){ T_MULTI, CODE(0x41, 0x00, 0x03, 0x02, 0x0c, 0x00, 0x0b, 0x41, 0x00,
                                      0x0b) });
    /* if with params: (if (type 1) (then i32.add) (else i32.sub)) */
    expect_ok(&(fspec){ T_MULTI, CODE(0x41, 0x01, 0x41, 0x02, 0x41, 0x00, 0x04, 0x01, 0x6a,
                                      0x05, 0x6b, 0x0b, 0x0b) });
}

static void test_deep_nesting(void **state)
{
    (void)state;
    size_t depths[] = { 5000, WB_MAX_NESTING, 20000, 100000 };

    for (size_t k = 0; k < sizeof depths / sizeof *depths; k++) {
        size_t depth = depths[k], n = 0;
        uint8_t *code = malloc(depth * 3 + 1);
        assert_non_null(code);
        for (size_t i = 0; i < depth; i++) {
            code[n++] = 0x02;
            code[n++] = 0x40;
        }
        for (size_t i = 0; i < depth; i++)
            code[n++] = 0x0b;
        code[n++] = 0x0b;
        fspec s = { .big = code, .big_len = n };
        if (depth <= WB_MAX_NESTING)
            expect_ok(&s);
        else
            expect(&s, WB_ERR_LIMIT_NESTING, 2 * WB_MAX_NESTING);
        free(code);
    }
}

static void test_operand_limit(void **state)
{
    (void)state;
    /* WB_MAX_OPERANDS values at once are fine, one more is not */
    for (size_t count = WB_MAX_OPERANDS; count <= WB_MAX_OPERANDS + 1; count++) {
        size_t n = 0;
        uint8_t *code = malloc(count * 3 + 1);
        assert_non_null(code);
        for (size_t i = 0; i < count; i++) {
            code[n++] = 0x41;
            code[n++] = 0x00;
        }
        for (size_t i = 0; i < count; i++)
            code[n++] = 0x1a;
        code[n++] = 0x0b;
        expect(&(fspec){ .big = code, .big_len = n },
               count > WB_MAX_OPERANDS ? WB_ERR_LIMIT_OPERANDS : WB_OK, AT_NONE);
        free(code);
    }
}

/* -- Variables, calls, references -- */

static void test_locals(void **state)
{
    (void)state;
    /* (param i32) (local i32) (local i64 i64) (local f32): index 4 is f32 */
#define T_P_I32 SEC(S_TYPE, 0x01, 0x60, 0x01, 0x7f, 0x00)
#define L_MIXED LOCALS(0x04, 0x01, 0x7f, 0x02, 0x7e, 0x00, 0x7c, 0x01, 0x7d)
    expect_ok(&(fspec){ T_P_I32, L_MIXED, CODE(0x20, 0x04, 0x8c, 0x1a, 0x0b) });
    expect(&(fspec){ T_P_I32, L_MIXED, CODE(0x20, 0x03, 0x8c, 0x1a, 0x0b) },
           WB_ERR_TYPE_MISMATCH, 2);
    expect_ok(&(fspec){ T_P_I32, L_MIXED, CODE(0x20, 0x00, 0x21, 0x01, 0x0b) });
    expect(&(fspec){ T_P_I32, L_MIXED, CODE(0x20, 0x02, 0x21, 0x00, 0x0b) },
           WB_ERR_TYPE_MISMATCH, 2);
    expect(&(fspec){ T_P_I32, L_MIXED, CODE(0x42, 0x00, 0x22, 0x03, 0x21, 0x01, 0x0b) },
           WB_ERR_TYPE_MISMATCH, 4);
    expect(&(fspec){ T_P_I32, L_MIXED, CODE(0x20, 0x05, 0x1a, 0x0b) }, WB_ERR_UNKNOWN_LOCAL, 0);
    expect(&(fspec){ T_P_I32, L_MIXED, CODE(0x41, 0x00, 0x21, 0x85, 0x01, 0x0b) },
           WB_ERR_UNKNOWN_LOCAL, 2);
    expect(&(fspec){ CODE(0x20, 0x00, 0x1a, 0x0b) }, WB_ERR_UNKNOWN_LOCAL, 0);
#undef L_MIXED
}

/* Global 0: immutable i32; global 1: mutable i32. */
#define G_TWO SEC(S_GLOBAL, 0x02, 0x7f, 0x00, 0x41, 0x00, 0x0b, 0x7f, 0x01, 0x41, 0x00, 0x0b)

static void test_globals(void **state)
{
    (void)state;
    expect_ok(&(fspec){ G_TWO, CODE(0x23, 0x00, 0x24, 0x01, 0x0b) });
    expect(&(fspec){ G_TWO, CODE(0x41, 0x00, 0x24, 0x00, 0x0b) }, WB_ERR_IMMUTABLE_GLOBAL, 2);
    expect(&(fspec){ G_TWO, CODE(0x42, 0x00, 0x24, 0x01, 0x0b) }, WB_ERR_TYPE_MISMATCH, 2);
    expect(&(fspec){ G_TWO, CODE(0x23, 0x02, 0x1a, 0x0b) }, WB_ERR_UNKNOWN_GLOBAL, 0);
}

static void test_calls(void **state)
{
    (void)state;
    expect(&(fspec){ CODE(0x10, 0x05, 0x0b) }, WB_ERR_UNKNOWN_FUNC, 0);
    expect_ok(&(fspec){ CODE(0x10, 0x00, 0x0b) });
    /* call of [i32] -> []: operand missing, then right */
    expect(&(fspec){ T_P_I32, CODE(0x10, 0x00, 0x0b) }, WB_ERR_TYPE_MISMATCH, 0);
    expect_ok(&(fspec){ T_P_I32, CODE(0x41, 0x00, 0x10, 0x00, 0x0b) });
    /* call_indirect: needs a funcref table and a known type */
    expect(&(fspec){ CODE(0x41, 0x00, 0x11, 0x00, 0x00, 0x0b) }, WB_ERR_UNKNOWN_TABLE, 2);
    expect(&(fspec){ SEC(S_TABLE, 0x01, 0x6f, 0x00, 0x00),
                     CODE(0x41, 0x00, 0x11, 0x00, 0x00, 0x0b) },
           WB_ERR_TYPE_MISMATCH, 2);
    expect(&(fspec){ SEC(S_TABLE, 0x01, 0x70, 0x00, 0x00),
                     CODE(0x41, 0x00, 0x11, 0x03, 0x00, 0x0b) },
           WB_ERR_UNKNOWN_TYPE, 2);
    expect_ok(&(fspec){ SEC(S_TABLE, 0x01, 0x70, 0x00, 0x00),
                        CODE(0x41, 0x00, 0x11, 0x00, 0x00, 0x0b) });
}

static void test_references(void **state)
{
    (void)state;
    /* ref.func needs a declaration outside the bodies */
    expect(&(fspec){ CODE(0xd2, 0x00, 0x1a, 0x0b) }, WB_ERR_UNDECLARED_FUNC_REF, 0);
    expect_ok(&(fspec){ SEC(S_EXPORT, 0x01, 0x01, 'f', 0x00, 0x00),
                        CODE(0xd2, 0x00, 0x1a, 0x0b) });
    expect(&(fspec){ CODE(0xd2, 0x01, 0x1a, 0x0b) }, WB_ERR_UNKNOWN_FUNC, 0);
    /* ref.is_null takes references only */
    expect_ok(&(fspec){ CODE(0xd0, 0x6f, 0xd1, 0x1a, 0x0b) });
    expect(&(fspec){ CODE(0x41, 0x00, 0xd1, 0x1a, 0x0b) }, WB_ERR_TYPE_MISMATCH, 2);
    /* tables: element types follow the table */
    expect_ok(&(fspec){ SEC(S_TABLE, 0x01, 0x6f, 0x00, 0x00),
                        CODE(0x41, 0x00, 0x25, 0x00, 0xd1, 0x1a, 0x0b) });
    expect(&(fspec){ SEC(S_TABLE, 0x01, 0x6f, 0x00, 0x00),
                     CODE(0x41, 0x00, 0xd0, 0x70, 0x26, 0x00, 0x0b) },
           WB_ERR_TYPE_MISMATCH, 4);
    expect(&(fspec){ CODE(0x41, 0x00, 0x25, 0x00, 0x1a, 0x0b) }, WB_ERR_UNKNOWN_TABLE, 2);
    /* table.copy between tables of different types; elem.drop of nothing */
    expect(&(fspec){ SEC(S_TABLE, 0x02, 0x70, 0x00, 0x00, 0x6f, 0x00, 0x00),
                     CODE(0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xfc, 0x0e, 0x00, 0x01, 0x0b) },
           WB_ERR_TYPE_MISMATCH, 6);
    expect(&(fspec){ CODE(0xfc, 0x0d, 0x00, 0x0b) }, WB_ERR_UNKNOWN_ELEM, 0);
}

/* -- Memory and SIMD -- */

static void test_memory(void **state)
{
    (void)state;
    expect_ok(&(fspec){ MEM1, CODE(0x41, 0x00, 0x28, 0x02, 0x00, 0x1a, 0x0b) });
    expect(&(fspec){ MEM1, CODE(0x41, 0x00, 0x28, 0x03, 0x00, 0x1a, 0x0b) },
           WB_ERR_ALIGNMENT, 2);
    expect(&(fspec){ MEM1, CODE(0x41, 0x00, 0x2d, 0x01, 0x00, 0x1a, 0x0b) },
           WB_ERR_ALIGNMENT, 2);
    expect(&(fspec){ CODE(0x41, 0x00, 0x28, 0x02, 0x00, 0x1a, 0x0b) }, WB_ERR_UNKNOWN_MEMORY,
           2);
    expect(&(fspec){ CODE(0x3f, 0x00, 0x1a, 0x0b) }, WB_ERR_UNKNOWN_MEMORY, 0);
    /* v128.load: natural alignment 16 */
    expect_ok(&(fspec){ MEM1, CODE(0x41, 0x00, 0xfd, 0x00, 0x04, 0x00, 0x1a, 0x0b) });
    expect(&(fspec){ MEM1, CODE(0x41, 0x00, 0xfd, 0x00, 0x05, 0x00, 0x1a, 0x0b) },
           WB_ERR_ALIGNMENT, 2);
}

static void test_simd_lanes(void **state)
{
    (void)state;
    /* i8x16.extract_lane_s 15 / 16 */
    expect_ok(&(fspec){ CODE(V128_ZERO, 0xfd, 0x15, 0x0f, 0x1a, 0x0b) });
    expect(&(fspec){ CODE(V128_ZERO, 0xfd, 0x15, 0x10, 0x1a, 0x0b) }, WB_ERR_INVALID_LANE, 18);
    /* f64x2.replace_lane 2 */
    expect(&(fspec){ CODE(V128_ZERO, 0x44, 0, 0, 0, 0, 0, 0, 0, 0, 0xfd, 0x22, 0x02, 0x1a,
                          0x0b) },
           WB_ERR_INVALID_LANE, 27);
    /* i8x16.shuffle with lane 32 */
    expect(&(fspec){ CODE(V128_ZERO, V128_ZERO, 0xfd, 0x0d, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
                          11, 12, 13, 14, 32, 0x1a, 0x0b) },
           WB_ERR_INVALID_LANE, 36);
    /* v128.load64_lane: lane < 2 */
    expect_ok(&(fspec){ MEM1, CODE(0x41, 0x00, V128_ZERO, 0xfd, 0x57, 0x03, 0x00, 0x01, 0x1a,
                                   0x0b) });
    expect(&(fspec){ MEM1, CODE(0x41, 0x00, V128_ZERO, 0xfd, 0x57, 0x03, 0x00, 0x02, 0x1a,
                                0x0b) },
           WB_ERR_INVALID_LANE, 20);
    /* i32x4.add on i32 operands */
    expect(&(fspec){ CODE(0x41, 0x00, 0x41, 0x00, 0xfd, 0xae, 0x01, 0x1a, 0x0b) },
           WB_ERR_TYPE_MISMATCH, 4);
}

static void test_data_count(void **state)
{
    (void)state;
    /* memory.init 0 with a data segment but no data count section:
     * malformed */
#define MEMINIT CODE(0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xfc, 0x08, 0x00, 0x00, 0x0b)
    expect(&(fspec){ MEM1, SEC(S_DATA, 0x01, 0x01, 0x00), MEMINIT },
           WB_ERR_DATA_COUNT_REQUIRED, 6);
    assert_int_equal(wb_err_class_of(WB_ERR_DATA_COUNT_REQUIRED), WB_CLASS_MALFORMED);
    expect_ok(&(fspec){ MEM1, SEC(S_DATACOUNT, 0x01), SEC(S_DATA, 0x01, 0x01, 0x00),
                        MEMINIT });
    /* no data at all: the segment is just unknown */
    expect(&(fspec){ MEM1, MEMINIT }, WB_ERR_UNKNOWN_DATA, 6);
    expect(&(fspec){ MEM1, SEC(S_DATACOUNT, 0x00), MEMINIT }, WB_ERR_UNKNOWN_DATA, 6);
    /* data.drop */
    expect(&(fspec){ MEM1, SEC(S_DATA, 0x01, 0x01, 0x00), CODE(0xfc, 0x09, 0x00, 0x0b) },
           WB_ERR_DATA_COUNT_REQUIRED, 0);
    expect(&(fspec){ MEM1, SEC(S_DATACOUNT, 0x01), SEC(S_DATA, 0x01, 0x01, 0x00),
                     CODE(0xfc, 0x09, 0x01, 0x0b) },
           WB_ERR_UNKNOWN_DATA, 0);
#undef MEMINIT
}

/* -- Body format -- */

static void test_body_format(void **state)
{
    (void)state;
    built b;
    wb_diag d;

    /* code after the function's end; no end at all; else outside if */
    build(&(fspec){ CODE(0x0b, 0x01) }, 0, &b);
    assert_int_equal(load(&b, &d), WB_ERR_SECTION_END);
    assert_int_equal(d.offset, b.code_at + 1);
    free(b.m.p);
    build(&(fspec){ CODE(0x01) }, 0, &b);
    assert_int_equal(load(&b, &d), WB_ERR_UNEXPECTED_END);
    free(b.m.p);
    /* ... where the next body's size byte (0x45, i32.eqz) could pass for
     * an instruction: the body ends at its size, not at its bytes */
    uint8_t next[0x44];
    memset(next, 0x01, sizeof next);
    next[sizeof next - 1] = 0x0b;
    build(&(fspec){ CODE(0x41, 0x00), .code2 = next, .code2_len = sizeof next }, 0, &b);
    assert_int_equal(load(&b, &d), WB_ERR_UNEXPECTED_END);
    assert_int_equal(d.offset, b.code_at + 2);
    free(b.m.p);
    expect(&(fspec){ CODE(0x05, 0x0b, 0x0b) }, WB_ERR_END_EXPECTED, 0);
    expect(&(fspec){ CODE(0x02, 0x40, 0x05, 0x0b, 0x0b) }, WB_ERR_END_EXPECTED, 2);
    /* illegal opcodes, also where the fast path reads */
    for (unsigned op = 0x06; op <= 0xff; op++) {
        wb_instr in;
        wb_reader r = { .base = BYTES((uint8_t)op, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                      0, 0),
                        .pos = 0, .end = 17, .section = "code" };
        if (op == 0xfc || op == 0xfd || wb_read_instr(&r, &in, &d) != WB_ERR_ILLEGAL_OPCODE)
            continue;
        expect(&(fspec){ CODE(0x01, (uint8_t)op, 0x0b) }, WB_ERR_ILLEGAL_OPCODE, 1);
    }
    /* a malformed body outranks an invalid one before it */
    expect(&(fspec){ CODE(0x6a, 0x0b), CODE2(0xff, 0x0b) }, WB_ERR_ILLEGAL_OPCODE, AT_NONE);
    expect_fn(&(fspec){ CODE(0x6a, 0x0b), CODE2(0xff, 0x0b) }, 1, WB_ERR_ILLEGAL_OPCODE, 0);
    /* ... and an invalid definition */
    expect_mod(&(fspec){ SEC(S_MEMORY, 0x01, 0x01, 0x02, 0x01), CODE(0x0b), CODE2(0xff, 0x0b) },
               WB_ERR_ILLEGAL_OPCODE, "code", 0, 0);
}

static void test_stacks_reused(void **state)
{
    (void)state;
    /* function 0 leaves a deep stack behind in the shared scratch; function
     * 1 must start from an empty one */
    size_t n = 0, count = 5000;
    uint8_t *code = malloc(count * 3 + 1);

    assert_non_null(code);
    for (size_t i = 0; i < count; i++) {
        code[n++] = 0x41;
        code[n++] = 0x00;
    }
    for (size_t i = 0; i < count; i++)
        code[n++] = 0x1a;
    code[n++] = 0x0b;
    expect_fn(&(fspec){ .big = code, .big_len = n, CODE2(0x6a, 0x0b) }, 1,
              WB_ERR_TYPE_MISMATCH, 0);
    expect_fn(&(fspec){ .big = code, .big_len = n, CODE2(0x0b) }, 1, WB_OK, AT_NONE);
    free(code);
}

/* -- Module level -- */

static void test_limits(void **state)
{
    (void)state;
    expect_mod(&(fspec){ SEC(S_MEMORY, 0x01, 0x01, 0x02, 0x01) }, WB_ERR_LIMITS_MIN_MAX,
               "memory", S_MEMORY, 1);
    expect_mod(&(fspec){ SEC(S_MEMORY, 0x01, 0x00, 0x81, 0x80, 0x04) }, WB_ERR_MEMORY_SIZE,
               "memory", S_MEMORY, 1);
    expect_mod(&(fspec){ SEC(S_MEMORY, 0x01, 0x01, 0x00, 0x81, 0x80, 0x04) },
               WB_ERR_MEMORY_SIZE, "memory", S_MEMORY, 1);
    expect_mod(&(fspec){ SEC(S_MEMORY, 0x01, 0x01, 0x00, 0x80, 0x80, 0x04) }, WB_OK, NULL, 0,
               0);
    expect_mod(&(fspec){ SEC(S_MEMORY, 0x02, 0x00, 0x00, 0x00, 0x00) },
               WB_ERR_MULTIPLE_MEMORIES, "memory", S_MEMORY, 3);
    expect_mod(&(fspec){ SEC(S_TABLE, 0x02, 0x70, 0x00, 0x00, 0x70, 0x01, 0x02, 0x01) },
               WB_ERR_LIMITS_MIN_MAX, "table", S_TABLE, 4);
    /* an imported memory too large */
    expect_mod(&(fspec){ SEC(S_IMPORT, 0x01, 0x01, 'm', 0x01, 'm', 0x02, 0x00, 0x81, 0x80,
                             0x04) },
               WB_ERR_MEMORY_SIZE, "import", S_IMPORT, 2);
}

static void test_const_exprs(void **state)
{
    (void)state;
    /* i32.add is not constant (2.0) */
    expect_mod(&(fspec){ SEC(S_GLOBAL, 0x01, 0x7f, 0x00, 0x41, 0x00, 0x41, 0x00, 0x6a,
                             0x0b) },
               WB_ERR_CONST_EXPR_REQUIRED, "global", S_GLOBAL, 7);
    /* wrong type, no value, two values */
    expect_mod(&(fspec){ SEC(S_GLOBAL, 0x01, 0x7f, 0x00, 0x42, 0x00, 0x0b) },
               WB_ERR_TYPE_MISMATCH, "global", S_GLOBAL, 3);
    expect_mod(&(fspec){ SEC(S_GLOBAL, 0x01, 0x7f, 0x00, 0x0b) }, WB_ERR_TYPE_MISMATCH,
               "global", S_GLOBAL, 3);
    expect_mod(&(fspec){ SEC(S_GLOBAL, 0x01, 0x7f, 0x00, 0x41, 0x00, 0x41, 0x00, 0x0b) },
               WB_ERR_TYPE_MISMATCH, "global", S_GLOBAL, 3);
    /* global.get: only imported, immutable globals */
    expect_mod(&(fspec){ SEC(S_GLOBAL, 0x02, 0x7f, 0x00, 0x41, 0x00, 0x0b, 0x7f, 0x00, 0x23,
                             0x00, 0x0b) },
               WB_ERR_UNKNOWN_GLOBAL, "global", S_GLOBAL, 8);
#define IMPORT_G(mut) SEC(S_IMPORT, 0x01, 0x01, 'm', 0x01, 'g', 0x03, 0x7f, mut)
    expect_mod(&(fspec){ IMPORT_G(0x01), SEC(S_GLOBAL, 0x01, 0x7f, 0x00, 0x23, 0x00, 0x0b) },
               WB_ERR_CONST_EXPR_REQUIRED, "global", S_GLOBAL, 3);
    expect_mod(&(fspec){ IMPORT_G(0x00), SEC(S_GLOBAL, 0x01, 0x7f, 0x00, 0x23, 0x00, 0x0b) },
               WB_OK, NULL, 0, 0);
    /* ... in data offsets too */
    expect_mod(&(fspec){ MEM1, SEC(S_GLOBAL, 0x01, 0x7f, 0x00, 0x41, 0x00, 0x0b),
                         SEC(S_DATA, 0x01, 0x00, 0x23, 0x00, 0x0b, 0x00) },
               WB_ERR_UNKNOWN_GLOBAL, "data", S_DATA, 2);
    expect_mod(&(fspec){ IMPORT_G(0x00), MEM1, SEC(S_DATA, 0x01, 0x00, 0x23, 0x00, 0x0b,
                                                   0x00) },
               WB_OK, NULL, 0, 0);
#undef IMPORT_G
    /* ref.func of an unknown function; ref.null of the wrong type */
    expect_mod(&(fspec){ SEC(S_GLOBAL, 0x01, 0x70, 0x00, 0xd2, 0x07, 0x0b) },
               WB_ERR_UNKNOWN_FUNC, "global", S_GLOBAL, 3);
    expect_mod(&(fspec){ SEC(S_GLOBAL, 0x01, 0x70, 0x00, 0xd0, 0x6f, 0x0b) },
               WB_ERR_TYPE_MISMATCH, "global", S_GLOBAL, 3);
}

static void test_segments(void **state)
{
    (void)state;
    /* active funcref segment into an externref table */
    expect_mod(&(fspec){ SEC(S_TABLE, 0x01, 0x6f, 0x00, 0x01),
                         SEC(S_ELEM, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x00), CODE(0x0b) },
               WB_ERR_TYPE_MISMATCH, "element", S_ELEM, 1);
    expect_mod(&(fspec){ SEC(S_TABLE, 0x01, 0x70, 0x00, 0x01),
                         SEC(S_ELEM, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x00), CODE(0x0b) },
               WB_OK, NULL, 0, 0);
    /* unknown table, unknown function, offset of the wrong type */
    expect_mod(&(fspec){ SEC(S_ELEM, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x00), CODE(0x0b) },
               WB_ERR_UNKNOWN_TABLE, "element", S_ELEM, 1);
    expect_mod(&(fspec){ SEC(S_TABLE, 0x01, 0x70, 0x00, 0x01),
                         SEC(S_ELEM, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x03), CODE(0x0b) },
               WB_ERR_UNKNOWN_FUNC, "element", S_ELEM, 1);
    expect_mod(&(fspec){ SEC(S_TABLE, 0x01, 0x70, 0x00, 0x01),
                         SEC(S_ELEM, 0x01, 0x00, 0x42, 0x00, 0x0b, 0x01, 0x00), CODE(0x0b) },
               WB_ERR_TYPE_MISMATCH, "element", S_ELEM, 2);
    /* passive externref segment of expressions: ref.null func is wrong */
    expect_mod(&(fspec){ SEC(S_ELEM, 0x01, 0x05, 0x6f, 0x01, 0xd0, 0x70, 0x0b) },
               WB_ERR_TYPE_MISMATCH, "element", S_ELEM, 4);
    expect_mod(&(fspec){ SEC(S_ELEM, 0x01, 0x05, 0x6f, 0x01, 0xd0, 0x6f, 0x0b) }, WB_OK, NULL,
               0, 0);
    /* data into a missing memory */
    expect_mod(&(fspec){ SEC(S_DATA, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x00) },
               WB_ERR_UNKNOWN_MEMORY, "data", S_DATA, 2);
}

static void test_exports_and_start(void **state)
{
    (void)state;
    expect_mod(&(fspec){ SEC(S_EXPORT, 0x03, 0x01, 'a', 0x00, 0x00, 0x01, 'b', 0x00, 0x00,
                             0x01, 'a', 0x00, 0x00),
                         CODE(0x0b) },
               WB_ERR_DUPLICATE_EXPORT, "export", S_EXPORT, 10);
    expect_mod(&(fspec){ SEC(S_EXPORT, 0x02, 0x01, 'a', 0x00, 0x00, 0x02, 'a', 'a', 0x00,
                             0x00),
                         CODE(0x0b) },
               WB_OK, NULL, 0, 0);
    expect_mod(&(fspec){ SEC(S_EXPORT, 0x01, 0x01, 'a', 0x00, 0x05), CODE(0x0b) },
               WB_ERR_UNKNOWN_FUNC, "export", S_EXPORT, 2);
    expect_mod(&(fspec){ SEC(S_EXPORT, 0x01, 0x01, 'a', 0x02, 0x00) }, WB_ERR_UNKNOWN_MEMORY,
               "export", S_EXPORT, 2);
    /* start: must exist and be [] -> [] */
    expect_mod(&(fspec){ SEC(S_START, 0x00), CODE(0x0b) }, WB_OK, NULL, 0, 0);
    expect_mod(&(fspec){ SEC(S_START, 0x01), CODE(0x0b) }, WB_ERR_UNKNOWN_FUNC, "start",
               S_START, 0);
    expect_mod(&(fspec){ T__I32, SEC(S_START, 0x00), CODE(0x41, 0x00, 0x0b) },
               WB_ERR_START_FUNC, "start", S_START, 0);
    /* a function of an unknown type */
    expect_mod(&(fspec){ SEC(S_FUNC, 0x01, 0x03), CODE(0x0b) }, WB_ERR_UNKNOWN_TYPE,
               "function", S_FUNC, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_arith),
        cmocka_unit_test(test_type_mismatch),
        cmocka_unit_test(test_polymorphic_stack),
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_br_table),
        cmocka_unit_test(test_labels_and_blocks),
        cmocka_unit_test(test_multi_value_blocks),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_operand_limit),
        cmocka_unit_test(test_locals),
        cmocka_unit_test(test_globals),
        cmocka_unit_test(test_calls),
        cmocka_unit_test(test_references),
        cmocka_unit_test(test_memory),
        cmocka_unit_test(test_simd_lanes),
        cmocka_unit_test(test_data_count),
        cmocka_unit_test(test_body_format),
        cmocka_unit_test(test_stacks_reused),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_const_exprs),
        cmocka_unit_test(test_segments),
        cmocka_unit_test(test_exports_and_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

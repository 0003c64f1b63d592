/* test_decode.c — the section decoder: every section and segment encoding,
 * the name section, and hostile input (truncation, bad LEB128, huge counts,
 * order, sizes, limits), each error checked for code, class and offset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "wasm/wasm.h"

#define HDR 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00
#define BYTES(...) ((const uint8_t[]){ __VA_ARGS__ })
#define NBYTES(...) sizeof((const uint8_t[]){ __VA_ARGS__ })

/* -- Helpers -- */

/* Decodes an exact-size heap copy, so AddressSanitizer sees any read past
 * the end of the input. */
static wb_err decode_copy(const uint8_t *b, size_t n, wb_module **m, wb_diag *d)
{
    uint8_t *copy = malloc(n ? n : 1);
    wb_err err;

    assert_non_null(copy);
    if (n)
        memcpy(copy, b, n);
    err = wb_module_decode(copy, n, m, d);
    /* The module borrows the copy: free it first. */
    wb_module_free(*m);
    *m = NULL;
    free(copy);
    return err;
}

static void expect_err_at(int line, const uint8_t *b, size_t n, wb_err want,
                          size_t off)
{
    wb_module *m = (wb_module *)&m; /* must be reset to NULL */
    wb_diag d;
    wb_err err;

    memset(&d, 0, sizeof d);
    err = wb_module_decode(b, n, &m, &d);
    if (err != want || d.err != want || d.offset != off || m != NULL) {
        print_error("line %d: want %s (%d) at %zu, got %s (%d) at %zu [%s]\n", line,
                    wb_err_message(want), want, off, wb_err_message(err), err,
                    d.offset, d.detail);
        wb_module_free(err == WB_OK ? m : NULL);
        fail();
    }
    /* Same result on an exact-size copy (out-of-bounds reads show up). */
    assert_int_equal(decode_copy(b, n, &m, &d), want);
}

#define EXPECT_ERR(want, off, ...) \
    expect_err_at(__LINE__, BYTES(__VA_ARGS__), NBYTES(__VA_ARGS__), (want), (off))

static wb_module *decode_ok(const uint8_t *b, size_t n)
{
    wb_module *m = NULL;
    wb_diag d;
    wb_err err;
    char buf[256];

    memset(&d, 0, sizeof d);
    err = wb_module_decode(b, n, &m, &d);
    if (err != WB_OK) {
        print_error("decode failed: %s\n", wb_diag_format(&d, buf, sizeof buf));
        fail();
    }
    assert_non_null(m);
    return m;
}

#define DECODE_OK(...) decode_ok(BYTES(__VA_ARGS__), NBYTES(__VA_ARGS__))

static bool declared(const wb_module *m, uint32_t i)
{
    return (m->declared_funcs[i / 8] >> (i % 8)) & 1;
}

static bool name_is(wb_name n, const char *s)
{
    return n.len == strlen(s) && memcmp(n.ptr, s, n.len) == 0;
}

/* A growable byte buffer for modules too large or too regular to write
 * out by hand. */
typedef struct bbuf { uint8_t *p; size_t n, cap; } bbuf;

static void bb_byte(bbuf *b, uint8_t v)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 256;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    b->p[b->n++] = v;
}

static void bb_bytes(bbuf *b, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        bb_byte(b, ((const uint8_t *)p)[i]);
}

static void bb_u32(bbuf *b, uint32_t v)
{
    do {
        uint8_t x = v & 0x7f;
        v >>= 7;
        bb_byte(b, v ? x | 0x80 : x);
    } while (v);
}

static void bb_str(bbuf *b, const char *s)
{
    bb_u32(b, (uint32_t)strlen(s));
    bb_bytes(b, s, strlen(s));
}

static void bb_header(bbuf *b)
{
    static const uint8_t h[] = { HDR };
    bb_bytes(b, h, sizeof h);
}

/* Appends section `id` with `content` as payload and empties content. */
static void bb_section(bbuf *mod, uint8_t id, bbuf *content)
{
    bb_byte(mod, id);
    bb_u32(mod, (uint32_t)content->n);
    bb_bytes(mod, content->p, content->n);
    content->n = 0;
}

static void bb_free(bbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

/* -- A module with every section (wat2wasm --debug-names output of the
 * text below; offsets cross-checked with wasm-objdump -h) --
 *
 * (module $full
 *   (type $t0 (func (param i32 i64) (result f32)))
 *   (type $t1 (func))
 *   (type $t2 (func (param v128 funcref externref) (result i32 i32)))
 *   (import "env" "f" (func $imp (type $t1)))
 *   (import "env" "tab" (table 1 10 funcref))
 *   (import "env" "mem" (memory 1 2))
 *   (import "env" "g" (global i32))
 *   (import "env" "gm" (global (mut i64)))
 *   (func $a (type $t0) (local i32 i32 f64) (f32.const 1))
 *   (func $b (type $t1))
 *   (func $c (type $t1) (ref.func $b) (drop) (data.drop 1))
 *   (table $t 2 externref)
 *   (global $g2 f32 (f32.const 1.5))
 *   (global $g3 funcref (ref.func $a))
 *   (global $g4 i32 (global.get 0))
 *   (export "a" (func $a)) (export "mem" (memory 0))
 *   (export "t" (table 1)) (export "g" (global $g2))
 *   (start $b)
 *   (elem (i32.const 0) func $b)
 *   (data (i32.const 16) "hi")
 *   (data "pass"))
 */
static const uint8_t full_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x12, 0x03, 0x60,
    0x02, 0x7f, 0x7e, 0x01, 0x7d, 0x60, 0x00, 0x00, 0x60, 0x03, 0x7b, 0x70,
    0x6f, 0x02, 0x7f, 0x7f, 0x02, 0x35, 0x05, 0x03, 0x65, 0x6e, 0x76, 0x01,
    0x66, 0x00, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x74, 0x61, 0x62, 0x01,
    0x70, 0x01, 0x01, 0x0a, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x6d, 0x65, 0x6d,
    0x02, 0x01, 0x01, 0x02, 0x03, 0x65, 0x6e, 0x76, 0x01, 0x67, 0x03, 0x7f,
    0x00, 0x03, 0x65, 0x6e, 0x76, 0x02, 0x67, 0x6d, 0x03, 0x7e, 0x01, 0x03,
    0x04, 0x03, 0x00, 0x01, 0x01, 0x04, 0x04, 0x01, 0x6f, 0x00, 0x02, 0x06,
    0x13, 0x03, 0x7d, 0x00, 0x43, 0x00, 0x00, 0xc0, 0x3f, 0x0b, 0x70, 0x00,
    0xd2, 0x01, 0x0b, 0x7f, 0x00, 0x23, 0x00, 0x0b, 0x07, 0x13, 0x04, 0x01,
    0x61, 0x00, 0x01, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x01, 0x74, 0x01,
    0x01, 0x01, 0x67, 0x03, 0x02, 0x08, 0x01, 0x02, 0x09, 0x07, 0x01, 0x00,
    0x41, 0x00, 0x0b, 0x01, 0x02, 0x0c, 0x01, 0x02, 0x0a, 0x19, 0x03, 0x0b,
    0x02, 0x02, 0x7f, 0x01, 0x7c, 0x43, 0x00, 0x00, 0x80, 0x3f, 0x0b, 0x02,
    0x00, 0x0b, 0x08, 0x00, 0xd2, 0x02, 0x1a, 0xfc, 0x09, 0x01, 0x0b, 0x0b,
    0x0e, 0x02, 0x00, 0x41, 0x10, 0x0b, 0x02, 0x68, 0x69, 0x01, 0x04, 0x70,
    0x61, 0x73, 0x73, 0x00, 0x4c, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x00, 0x05,
    0x04, 0x66, 0x75, 0x6c, 0x6c, 0x01, 0x0f, 0x04, 0x00, 0x03, 0x69, 0x6d,
    0x70, 0x01, 0x01, 0x61, 0x02, 0x01, 0x62, 0x03, 0x01, 0x63, 0x02, 0x09,
    0x04, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x04, 0x0d, 0x03,
    0x00, 0x02, 0x74, 0x30, 0x01, 0x02, 0x74, 0x31, 0x02, 0x02, 0x74, 0x32,
    0x05, 0x04, 0x01, 0x01, 0x01, 0x74, 0x07, 0x0d, 0x03, 0x02, 0x02, 0x67,
    0x32, 0x03, 0x02, 0x67, 0x33, 0x04, 0x02, 0x67, 0x34,
};

static void test_full_module_types_imports(void **state)
{
    (void)state;
    wb_module *m = decode_ok(full_wasm, sizeof full_wasm);

    assert_ptr_equal(m->bytes, full_wasm);
    assert_int_equal(m->size, 273);
    assert_int_equal(m->ntypes, 3);
    assert_int_equal(m->types[0].nparams, 2);
    assert_int_equal(m->types[0].nresults, 1);
    assert_memory_equal(m->types[0].types, BYTES(WB_I32, WB_I64, WB_F32), 3);
    assert_int_equal(m->types[1].nparams, 0);
    assert_int_equal(m->types[1].nresults, 0);
    assert_int_equal(m->types[2].nparams, 3);
    assert_int_equal(m->types[2].nresults, 2);
    assert_memory_equal(m->types[2].types,
                        BYTES(WB_V128, WB_FUNCREF, WB_EXTERNREF, WB_I32, WB_I32), 5);

    assert_int_equal(m->nimports, 5);
    assert_true(name_is(m->imports[0].module, "env"));
    assert_true(name_is(m->imports[0].name, "f"));
    assert_int_equal(m->imports[0].kind, WB_EXTERN_FUNC);
    assert_int_equal(m->imports[0].index, 0);
    assert_true(name_is(m->imports[1].name, "tab"));
    assert_int_equal(m->imports[1].kind, WB_EXTERN_TABLE);
    assert_true(name_is(m->imports[2].name, "mem"));
    assert_int_equal(m->imports[2].kind, WB_EXTERN_MEMORY);
    assert_int_equal(m->imports[3].kind, WB_EXTERN_GLOBAL);
    assert_int_equal(m->imports[3].index, 0);
    assert_true(name_is(m->imports[4].name, "gm"));
    assert_int_equal(m->imports[4].index, 1);

    /* Index spaces: imports first. */
    assert_int_equal(m->nfuncs, 4);
    assert_int_equal(m->nfunc_imports, 1);
    assert_int_equal(m->funcs[0].type, 1);
    assert_int_equal(m->funcs[0].import, 0);
    assert_int_equal(m->funcs[1].type, 0);
    assert_int_equal(m->funcs[1].import, -1);
    assert_int_equal(m->funcs[2].type, 1);
    assert_int_equal(m->funcs[3].type, 1);
    assert_ptr_equal(wb_func_type(m, 1), &m->types[0]);

    assert_int_equal(m->ntables, 2);
    assert_int_equal(m->ntable_imports, 1);
    assert_int_equal(m->tables[0].import, 1);
    assert_int_equal(m->tables[0].type.elem, WB_FUNCREF);
    assert_int_equal(m->tables[0].type.lim.min, 1);
    assert_true(m->tables[0].type.lim.has_max);
    assert_int_equal(m->tables[0].type.lim.max, 10);
    assert_int_equal(m->tables[1].import, -1);
    assert_int_equal(m->tables[1].type.elem, WB_EXTERNREF);
    assert_int_equal(m->tables[1].type.lim.min, 2);
    assert_false(m->tables[1].type.lim.has_max);

    assert_int_equal(m->nmems, 1);
    assert_int_equal(m->nmem_imports, 1);
    assert_int_equal(m->mems[0].import, 2);
    assert_int_equal(m->mems[0].type.lim.min, 1);
    assert_int_equal(m->mems[0].type.lim.max, 2);
    assert_true(m->mems[0].type.lim.has_max);
    assert_false(m->mems[0].type.lim.shared);
    wb_module_free(m);
}

static void test_full_module_globals_exports(void **state)
{
    (void)state;
    wb_module *m = decode_ok(full_wasm, sizeof full_wasm);

    assert_int_equal(m->nglobals, 5);
    assert_int_equal(m->nglobal_imports, 2);
    assert_int_equal(m->globals[0].import, 3);
    assert_int_equal(m->globals[0].type.type, WB_I32);
    assert_false(m->globals[0].type.mut);
    assert_int_equal(m->globals[1].import, 4);
    assert_int_equal(m->globals[1].type.type, WB_I64);
    assert_true(m->globals[1].type.mut);
    /* g2: f32.const 1.5 at 0x64, 6 bytes with its end */
    assert_int_equal(m->globals[2].import, -1);
    assert_int_equal(m->globals[2].type.type, WB_F32);
    assert_int_equal(m->globals[2].init.offset, 0x64);
    assert_int_equal(m->globals[2].init.length, 6);
    assert_int_equal(m->globals[2].init.op, WB_OP_F32_CONST);
    assert_int_equal(m->globals[2].init.u.f32, 0x3fc00000u);
    /* g3: ref.func 1 */
    assert_int_equal(m->globals[3].type.type, WB_FUNCREF);
    assert_int_equal(m->globals[3].init.offset, 0x6c);
    assert_int_equal(m->globals[3].init.length, 3);
    assert_int_equal(m->globals[3].init.op, WB_OP_REF_FUNC);
    assert_int_equal(m->globals[3].init.u.index, 1);
    /* g4: global.get 0 */
    assert_int_equal(m->globals[4].init.offset, 0x71);
    assert_int_equal(m->globals[4].init.op, WB_OP_GLOBAL_GET);
    assert_int_equal(m->globals[4].init.u.index, 0);

    assert_int_equal(m->nexports, 4);
    assert_true(name_is(m->exports[0].name, "a"));
    assert_int_equal(m->exports[0].kind, WB_EXTERN_FUNC);
    assert_int_equal(m->exports[0].index, 1);
    assert_true(name_is(m->exports[1].name, "mem"));
    assert_int_equal(m->exports[1].kind, WB_EXTERN_MEMORY);
    assert_int_equal(m->exports[2].kind, WB_EXTERN_TABLE);
    assert_int_equal(m->exports[2].index, 1);
    assert_int_equal(m->exports[3].kind, WB_EXTERN_GLOBAL);
    assert_int_equal(m->exports[3].index, 2);

    assert_true(m->has_start);
    assert_int_equal(m->start, 2);

    /* Declared: 1 (export, global init), 2 (element segment). Not 0, and
     * not 3 although the start function and a body mention functions. */
    assert_false(declared(m, 0));
    assert_true(declared(m, 1));
    assert_true(declared(m, 2));
    assert_false(declared(m, 3));
    wb_module_free(m);
}

static void test_full_module_code_data_names(void **state)
{
    (void)state;
    wb_module *m = decode_ok(full_wasm, sizeof full_wasm);

    assert_int_equal(m->nelems, 1);
    assert_int_equal(m->elems[0].mode, WB_SEG_ACTIVE);
    assert_int_equal(m->elems[0].table, 0);
    assert_int_equal(m->elems[0].offset_in_file, 0x8f);
    assert_int_equal(m->elems[0].offset.op, WB_OP_I32_CONST);
    assert_int_equal(m->elems[0].offset.u.i32, 0);
    assert_int_equal(m->elems[0].count, 1);
    assert_non_null(m->elems[0].funcs);
    assert_null(m->elems[0].exprs);
    assert_int_equal(m->elems[0].funcs[0], 2);

    assert_true(m->has_data_count);
    assert_int_equal(m->data_count, 2);

    assert_int_equal(m->ncodes, 3);
    assert_int_equal(m->codes[0].offset, 0x9c);
    assert_int_equal(m->codes[0].size, 11);
    assert_int_equal(m->codes[0].expr_offset, 0xa1);
    assert_int_equal(m->codes[0].nlocals, 3);
    assert_int_equal(m->codes[0].ngroups, 2);
    assert_int_equal(m->codes[0].groups[0].count, 2);
    assert_int_equal(m->codes[0].groups[0].type, WB_I32);
    assert_int_equal(m->codes[0].groups[1].count, 1);
    assert_int_equal(m->codes[0].groups[1].type, WB_F64);
    assert_int_equal(m->codes[1].offset, 0xa8);
    assert_int_equal(m->codes[1].size, 2);
    assert_int_equal(m->codes[1].expr_offset, 0xa9);
    assert_int_equal(m->codes[1].nlocals, 0);
    assert_int_equal(m->codes[1].ngroups, 0);
    assert_int_equal(m->codes[2].offset, 0xab);
    assert_int_equal(m->codes[2].size, 8);
    assert_int_equal(m->codes[2].expr_offset, 0xac);

    assert_int_equal(m->ndatas, 2);
    assert_int_equal(m->datas[0].mode, WB_SEG_ACTIVE);
    assert_int_equal(m->datas[0].memory, 0);
    assert_int_equal(m->datas[0].offset.offset, 0xb7);
    assert_int_equal(m->datas[0].offset.length, 3);
    assert_int_equal(m->datas[0].offset.op, WB_OP_I32_CONST);
    assert_int_equal(m->datas[0].offset.u.i32, 16);
    assert_int_equal(m->datas[0].data_offset, 0xbb);
    assert_int_equal(m->datas[0].data_len, 2);
    assert_memory_equal(m->bytes + m->datas[0].data_offset, "hi", 2);
    assert_int_equal(m->datas[1].mode, WB_SEG_PASSIVE);
    assert_int_equal(m->datas[1].data_offset, 0xbf);
    assert_int_equal(m->datas[1].data_len, 4);

    assert_int_equal(m->ncustoms, 1);
    assert_true(name_is(m->customs[0].name, "name"));
    assert_int_equal(m->customs[0].offset, 0xca);
    assert_int_equal(m->customs[0].len, 0x111 - 0xca);

    assert_true(m->has_module_name);
    assert_true(name_is(m->module_name, "full"));
    assert_int_equal(m->nfunc_names, 4);
    assert_true(name_is(*wb_module_func_name(m, 0), "imp"));
    assert_true(name_is(*wb_module_func_name(m, 1), "a"));
    assert_true(name_is(*wb_module_func_name(m, 3), "c"));
    assert_null(wb_module_func_name(m, 4));
    assert_null(wb_module_func_name(m, UINT32_MAX));
    wb_module_free(m);
}

/* Every prefix of the module is decoded (from an exact-size copy). Only
 * the prefixes that end where a section ends and leave a consistent module
 * may succeed; every other one must fail as malformed, at an offset inside
 * the prefix. */
static void test_truncation_every_prefix(void **state)
{
    (void)state;
    /* header only, after type, after import, after data (no name section) */
    static const size_t valid[] = { 8, 0x1c, 0x53, 0xc3, sizeof full_wasm };

    for (size_t len = 0; len <= sizeof full_wasm; len++) {
        uint8_t *copy = malloc(len ? len : 1);
        bool want_ok = false;
        wb_module *m = NULL;
        wb_diag d;
        wb_err err;

        assert_non_null(copy);
        memcpy(copy, full_wasm, len);
        for (size_t k = 0; k < sizeof valid / sizeof valid[0]; k++)
            want_ok |= valid[k] == len;
        memset(&d, 0, sizeof d);
        err = wb_module_decode(copy, len, &m, &d);
        if (want_ok != (err == WB_OK)) {
            print_error("prefix %zu: got %s at %zu\n", len, wb_err_message(err), d.offset);
            fail();
        }
        if (err != WB_OK) {
            assert_null(m);
            assert_int_equal(d.err, err);
            assert_int_equal(wb_err_class_of(err), WB_CLASS_MALFORMED);
            assert_true(d.offset <= len);
        }
        wb_module_free(m);
        free(copy);
    }
}

/* -- Element segments: all eight encodings --
 *
 * Offsets: type 0x08, function 0x0e, table 0x14, element 0x1d (count at
 * 0x1f, segments at 0x20 0x27 0x2b 0x33 0x37 0x42 0x48 0x52), code 0x58. */
static const uint8_t elem_wasm[] = {
    HDR,
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00,             /* type () -> () */
    0x03, 0x04, 0x03, 0x00, 0x00, 0x00,             /* 3 functions */
    0x04, 0x07, 0x02, 0x70, 0x00, 0x04, 0x6f, 0x00, 0x04, /* funcref 4, externref 4 */
    0x09, 0x39, 0x08,
    0x00, 0x41, 0x00, 0x0b, 0x02, 0x00, 0x01,       /* 0: active, funcs 0 1 */
    0x01, 0x00, 0x01, 0x02,                         /* 1: passive, elemkind, func 2 */
    0x02, 0x00, 0x41, 0x01, 0x0b, 0x00, 0x01, 0x00, /* 2: table 0, offset 1, func 0 */
    0x03, 0x00, 0x01, 0x01,                         /* 3: declarative, func 1 */
    0x04, 0x41, 0x02, 0x0b, 0x02, 0xd2, 0x00, 0x0b, 0xd0, 0x70, 0x0b, /* 4: exprs */
    0x05, 0x6f, 0x01, 0xd0, 0x6f, 0x0b,             /* 5: passive externref */
    0x06, 0x01, 0x41, 0x03, 0x0b, 0x6f, 0x01, 0xd0, 0x6f, 0x0b, /* 6: table 1 */
    0x07, 0x70, 0x01, 0xd2, 0x02, 0x0b,             /* 7: declarative funcref */
    0x0a, 0x0a, 0x03, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b,
};

static void test_elem_all_encodings(void **state)
{
    (void)state;
    wb_module *m = decode_ok(elem_wasm, sizeof elem_wasm);
    const wb_elem *e = m->elems;

    assert_int_equal(m->nelems, 8);
    /* 0 */
    assert_int_equal(e[0].offset_in_file, 0x20);
    assert_int_equal(e[0].mode, WB_SEG_ACTIVE);
    assert_int_equal(e[0].table, 0);
    assert_int_equal(e[0].reftype, WB_FUNCREF);
    assert_int_equal(e[0].offset.offset, 0x21);
    assert_int_equal(e[0].offset.length, 3);
    assert_int_equal(e[0].offset.op, WB_OP_I32_CONST);
    assert_int_equal(e[0].count, 2);
    assert_null(e[0].exprs);
    assert_int_equal(e[0].funcs[0], 0);
    assert_int_equal(e[0].funcs[1], 1);
    /* 1 */
    assert_int_equal(e[1].offset_in_file, 0x27);
    assert_int_equal(e[1].mode, WB_SEG_PASSIVE);
    assert_int_equal(e[1].reftype, WB_FUNCREF);
    assert_int_equal(e[1].count, 1);
    assert_int_equal(e[1].funcs[0], 2);
    /* 2 */
    assert_int_equal(e[2].offset_in_file, 0x2b);
    assert_int_equal(e[2].mode, WB_SEG_ACTIVE);
    assert_int_equal(e[2].table, 0);
    assert_int_equal(e[2].offset.u.i32, 1);
    assert_int_equal(e[2].count, 1);
    assert_int_equal(e[2].funcs[0], 0);
    /* 3 */
    assert_int_equal(e[3].offset_in_file, 0x33);
    assert_int_equal(e[3].mode, WB_SEG_DECLARATIVE);
    assert_int_equal(e[3].funcs[0], 1);
    /* 4 */
    assert_int_equal(e[4].offset_in_file, 0x37);
    assert_int_equal(e[4].mode, WB_SEG_ACTIVE);
    assert_int_equal(e[4].table, 0);
    assert_int_equal(e[4].reftype, WB_FUNCREF);
    assert_int_equal(e[4].offset.u.i32, 2);
    assert_int_equal(e[4].count, 2);
    assert_null(e[4].funcs);
    assert_int_equal(e[4].exprs[0].op, WB_OP_REF_FUNC);
    assert_int_equal(e[4].exprs[0].u.index, 0);
    assert_int_equal(e[4].exprs[0].offset, 0x3c);
    assert_int_equal(e[4].exprs[0].length, 3);
    assert_int_equal(e[4].exprs[1].op, WB_OP_REF_NULL);
    assert_int_equal(e[4].exprs[1].u.reftype, WB_FUNCREF);
    /* 5 */
    assert_int_equal(e[5].offset_in_file, 0x42);
    assert_int_equal(e[5].mode, WB_SEG_PASSIVE);
    assert_int_equal(e[5].reftype, WB_EXTERNREF);
    assert_int_equal(e[5].count, 1);
    assert_int_equal(e[5].exprs[0].u.reftype, WB_EXTERNREF);
    /* 6 */
    assert_int_equal(e[6].offset_in_file, 0x48);
    assert_int_equal(e[6].mode, WB_SEG_ACTIVE);
    assert_int_equal(e[6].table, 1);
    assert_int_equal(e[6].offset.u.i32, 3);
    assert_int_equal(e[6].reftype, WB_EXTERNREF);
    /* 7 */
    assert_int_equal(e[7].offset_in_file, 0x52);
    assert_int_equal(e[7].mode, WB_SEG_DECLARATIVE);
    assert_int_equal(e[7].reftype, WB_FUNCREF);
    assert_int_equal(e[7].exprs[0].u.index, 2);

    assert_true(declared(m, 0));
    assert_true(declared(m, 1));
    assert_true(declared(m, 2));
    assert_int_equal(m->ncodes, 3);
    wb_module_free(m);
}

static void test_declared_by_each_source(void **state)
{
    (void)state;
    /* Function 1 is named only by ref.func in a declarative segment of
     * expressions, function 2 only by an export, function 0 nowhere. */
    wb_module *m = DECODE_OK(HDR,
        0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
        0x03, 0x04, 0x03, 0x00, 0x00, 0x00,
        0x07, 0x05, 0x01, 0x01, 0x65, 0x00, 0x02,
        0x09, 0x07, 0x01, 0x07, 0x70, 0x01, 0xd2, 0x01, 0x0b,
        0x0a, 0x0a, 0x03, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b);
    assert_false(declared(m, 0));
    assert_true(declared(m, 1));
    assert_true(declared(m, 2));
    wb_module_free(m);
}

static void test_elem_errors(void **state)
{
    (void)state;
    /* flags 8 */
    EXPECT_ERR(WB_ERR_MALFORMED_ELEM_KIND, 11, HDR, 0x09, 0x02, 0x01, 0x08);
    /* elemkind other than 0x00 */
    EXPECT_ERR(WB_ERR_MALFORMED_ELEM_KIND, 12, HDR, 0x09, 0x04, 0x01, 0x01, 0x01, 0x00);
    /* reftype i32 in an expression segment (binary.wast) */
    EXPECT_ERR(WB_ERR_MALFORMED_REFTYPE, 12,
               HDR, 0x09, 0x07, 0x01, 0x05, 0x7f, 0x01, 0xd2, 0x00, 0x0b);
    /* illegal opcode in an element expression */
    EXPECT_ERR(WB_ERR_ILLEGAL_OPCODE, 14,
               HDR, 0x09, 0x07, 0x01, 0x05, 0x70, 0x01, 0xf3, 0x00, 0x0b);
    /* expression without end */
    EXPECT_ERR(WB_ERR_UNEXPECTED_END, 15,
               HDR, 0x09, 0x05, 0x01, 0x05, 0x70, 0x01, 0xd0);
    /* flags as an over-long LEB128: "\80\00" is fine, 6 bytes are not */
    EXPECT_ERR(WB_ERR_INT_TOO_LONG, 15,
               HDR, 0x09, 0x0a, 0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x41, 0x00, 0x0b);
}

/* -- Data segments -- */

static void test_data_segments(void **state)
{
    (void)state;
    wb_module *m = DECODE_OK(HDR,
        0x05, 0x03, 0x01, 0x00, 0x01,                   /* memory 1 */
        0x0b, 0x12, 0x03,                               /* data at 0x0d, count 0x0f */
        0x00, 0x41, 0x7f, 0x0b, 0x01, 0xaa,             /* active, i32.const -1 */
        0x01, 0x02, 0xbb, 0xcc,                         /* passive */
        0x82, 0x00, 0x01, 0x23, 0x00, 0x0b, 0x00);      /* mem 1 (invalid, well-formed) */

    assert_false(m->has_data_count);
    assert_int_equal(m->ndatas, 3);
    assert_int_equal(m->datas[0].mode, WB_SEG_ACTIVE);
    assert_int_equal(m->datas[0].memory, 0);
    assert_int_equal(m->datas[0].offset.op, WB_OP_I32_CONST);
    assert_int_equal(m->datas[0].offset.u.i32, -1);
    assert_int_equal(m->datas[0].data_offset, 0x15);
    assert_int_equal(m->datas[0].data_len, 1);
    assert_int_equal(m->datas[1].mode, WB_SEG_PASSIVE);
    assert_int_equal(m->datas[1].data_offset, 0x18);
    assert_int_equal(m->datas[1].data_len, 2);
    assert_int_equal(m->datas[2].mode, WB_SEG_ACTIVE);
    assert_int_equal(m->datas[2].memory, 1);
    assert_int_equal(m->datas[2].offset.op, WB_OP_GLOBAL_GET);
    assert_int_equal(m->datas[2].offset.offset, 0x1d);
    assert_int_equal(m->datas[2].data_len, 0);
    wb_module_free(m);
}

static void test_data_errors(void **state)
{
    (void)state;
    /* flags 3 */
    EXPECT_ERR(WB_ERR_MALFORMED_DATA_KIND, 11, HDR, 0x0b, 0x02, 0x01, 0x03);
    /* 7 bytes declared, 6 given (binary.wast) */
    EXPECT_ERR(WB_ERR_UNEXPECTED_END, 15,
               HDR, 0x0b, 0x0c, 0x01, 0x00, 0x41, 0x03, 0x0b, 0x07,
               0x61, 0x62, 0x63, 0x64, 0x65, 0x66);
    /* 5 declared, 6 given: the sixth is left over */
    EXPECT_ERR(WB_ERR_SECTION_SIZE, 21,
               HDR, 0x0b, 0x0c, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x05,
               0x61, 0x62, 0x63, 0x64, 0x65, 0x66);
    /* memory index as a 6-byte LEB128 (binary-leb128.wast) */
    EXPECT_ERR(WB_ERR_INT_TOO_LONG, 16,
               HDR, 0x0b, 0x0b, 0x01, 0x02, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00,
               0x41, 0x00, 0x0b, 0x00);
}

static void test_data_count(void **state)
{
    (void)state;
    wb_module *m = DECODE_OK(HDR, 0x0c, 0x01, 0x02,
                             0x0b, 0x05, 0x02, 0x01, 0x00, 0x01, 0x00);
    assert_true(m->has_data_count);
    assert_int_equal(m->data_count, 2);
    assert_int_equal(m->ndatas, 2);
    wb_module_free(m);

    /* fewer and more segments than declared */
    EXPECT_ERR(WB_ERR_DATA_COUNT_MISMATCH, 13,
               HDR, 0x0c, 0x01, 0x03, 0x0b, 0x05, 0x02, 0x01, 0x00, 0x01, 0x00);
    EXPECT_ERR(WB_ERR_DATA_COUNT_MISMATCH, 13,
               HDR, 0x0c, 0x01, 0x01, 0x0b, 0x05, 0x02, 0x01, 0x00, 0x01, 0x00);
    /* a count but no data section; zero is consistent with none */
    EXPECT_ERR(WB_ERR_DATA_COUNT_MISMATCH, 11, HDR, 0x0c, 0x01, 0x01);
    m = DECODE_OK(HDR, 0x0c, 0x01, 0x00);
    assert_true(m->has_data_count);
    assert_int_equal(m->ndatas, 0);
    wb_module_free(m);
    /* over the implementation limit */
    EXPECT_ERR(WB_ERR_LIMIT_DATAS, 10, HDR, 0x0c, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f);
}

/* -- Header and section framing -- */

static void test_header(void **state)
{
    (void)state;
    wb_module *m = DECODE_OK(HDR);

    assert_int_equal(m->ntypes, 0);
    assert_int_equal(m->nfuncs, 0);
    assert_int_equal(m->ncustoms, 0);
    assert_false(m->has_start);
    assert_false(m->has_module_name);
    assert_non_null(m->declared_funcs);
    wb_module_free(m);

    expect_err_at(__LINE__, BYTES(0), 0, WB_ERR_UNEXPECTED_END, 0);
    EXPECT_ERR(WB_ERR_UNEXPECTED_END, 1, 0x01);
    EXPECT_ERR(WB_ERR_UNEXPECTED_END, 3, 0x00, 0x61, 0x73);
    EXPECT_ERR(WB_ERR_MAGIC, 0, 0x61, 0x73, 0x6d, 0x00);
    EXPECT_ERR(WB_ERR_MAGIC, 0, 0xef, 0xbb, 0xbf, 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
    EXPECT_ERR(WB_ERR_UNEXPECTED_END, 7, 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00);
    EXPECT_ERR(WB_ERR_VERSION, 4, 0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x00, 0x00);
    EXPECT_ERR(WB_ERR_VERSION, 4, 0x00, 0x61, 0x73, 0x6d, 0x00, 0x00, 0x00, 0x01);
}

static void test_module_size_limit(void **state)
{
    (void)state;
    static const uint8_t b[16] = { HDR };
    wb_module *m = NULL;
    wb_diag d;

    /* Rejected on the size alone: no byte past the buffer is read. */
    assert_int_equal(wb_module_decode(b, (size_t)WB_MAX_MODULE_SIZE + 1, &m, &d),
                     WB_ERR_LIMIT_MODULE_SIZE);
    assert_int_equal(wb_err_class_of(d.err), WB_CLASS_LIMIT);
    assert_null(m);
}

static void test_section_ids(void **state)
{
    (void)state;
    EXPECT_ERR(WB_ERR_SECTION_ID, 8, HDR, 0x0d, 0x00);
    EXPECT_ERR(WB_ERR_SECTION_ID, 8, HDR, 0x7f, 0x00);
    EXPECT_ERR(WB_ERR_SECTION_ID, 8, HDR, 0x80, 0x00, 0x01, 0x00);
    EXPECT_ERR(WB_ERR_SECTION_ID, 8, HDR, 0xff, 0x00, 0x01, 0x00);
    /* a section id with no size */
    EXPECT_ERR(WB_ERR_UNEXPECTED_END, 9, HDR, 0x01);
    /* concatenated modules: "asm" read as a size (custom.wast) */
    EXPECT_ERR(WB_ERR_LENGTH_OOB, 9, HDR, HDR);
}

static void test_section_order(void **state)
{
    (void)state;
    wb_module *m;

    /* duplicate start (binary.wast) */
    EXPECT_ERR(WB_ERR_SECTION_ORDER, 21,
               HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
               0x08, 0x01, 0x00, 0x08, 0x01, 0x00, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b);
    /* duplicate type section */
    EXPECT_ERR(WB_ERR_SECTION_ORDER, 11, HDR, 0x01, 0x01, 0x00, 0x01, 0x01, 0x00);
    /* function after code */
    EXPECT_ERR(WB_ERR_SECTION_ORDER, 11, HDR, 0x0a, 0x01, 0x00, 0x03, 0x01, 0x00);
    /* data count after code, and before element */
    EXPECT_ERR(WB_ERR_SECTION_ORDER, 11, HDR, 0x0a, 0x01, 0x00, 0x0c, 0x01, 0x00);
    EXPECT_ERR(WB_ERR_SECTION_ORDER, 11, HDR, 0x0c, 0x01, 0x00, 0x09, 0x01, 0x00);
    /* data before code */
    EXPECT_ERR(WB_ERR_SECTION_ORDER, 11, HDR, 0x0b, 0x01, 0x00, 0x0a, 0x01, 0x00);

    /* every section in order, with custom sections around each
     * (custom.wast), and data count between element and code */
    m = DECODE_OK(HDR,
        0x00, 0x02, 0x01, 0x61,
        0x01, 0x01, 0x00, 0x00, 0x02, 0x01, 0x62,
        0x02, 0x01, 0x00, 0x03, 0x01, 0x00, 0x04, 0x01, 0x00, 0x05, 0x01, 0x00,
        0x06, 0x01, 0x00, 0x07, 0x01, 0x00, 0x09, 0x01, 0x00,
        0x00, 0x01, 0x00,
        0x0c, 0x01, 0x00, 0x0a, 0x01, 0x00, 0x0b, 0x01, 0x00,
        0x00, 0x03, 0x01, 0x63, 0x7a);
    assert_int_equal(m->ncustoms, 4);
    assert_true(name_is(m->customs[0].name, "a"));
    assert_int_equal(m->customs[0].len, 0);
    assert_true(name_is(m->customs[1].name, "b"));
    assert_true(name_is(m->customs[2].name, ""));
    assert_true(name_is(m->customs[3].name, "c"));
    assert_int_equal(m->customs[3].offset, 0x38);
    assert_int_equal(m->customs[3].len, 1);
    assert_int_equal(m->bytes[m->customs[3].offset], 0x7a);
    wb_module_free(m);
}

static void test_many_custom_sections(void **state)
{
    (void)state;
    bbuf b = { 0 }, c = { 0 };
    wb_module *m;

    bb_header(&b);
    for (unsigned i = 0; i < 100; i++) {
        char name[8];
        snprintf(name, sizeof name, "c%u", i);
        bb_str(&c, name);
        bb_byte(&c, (uint8_t)i);
        bb_section(&b, 0, &c);
    }
    m = decode_ok(b.p, b.n);
    assert_int_equal(m->ncustoms, 100);
    for (unsigned i = 0; i < 100; i++) {
        char name[8];
        snprintf(name, sizeof name, "c%u", i);
        assert_true(name_is(m->customs[i].name, name));
        assert_int_equal(m->customs[i].len, 1);
        assert_int_equal(m->bytes[m->customs[i].offset], i);
    }
    wb_module_free(m);
    bb_free(&b);
    bb_free(&c);
}

static void test_section_sizes(void **state)
{
    (void)state;
    /* 1 type declared, 2 given: section size covers both */
    EXPECT_ERR(WB_ERR_SECTION_SIZE, 14,
               HDR, 0x01, 0x07, 0x01, 0x60, 0x00, 0x00, 0x60, 0x00, 0x00);
    /* section larger than the module (binary.wast "length out of bounds") */
    EXPECT_ERR(WB_ERR_LENGTH_OOB, 9, HDR, 0x01, 0x07, 0x02, 0x60, 0x00, 0x00);
    /* custom section size past the end (custom.wast) */
    EXPECT_ERR(WB_ERR_LENGTH_OOB, 9, HDR, 0x00, 0x05, 0x01, 0x61);
    /* the entry runs past its section: reading stops at the section end */
    EXPECT_ERR(WB_ERR_UNEXPECTED_END, 12,
               HDR, 0x01, 0x03, 0x01, 0x60, 0x01, 0x7f, 0x00);
    /* 2 globals declared, 1 given */
    EXPECT_ERR(WB_ERR_UNEXPECTED_END, 16,
               HDR, 0x06, 0x06, 0x02, 0x7f, 0x00, 0x41, 0x00, 0x0b);
    /* custom section whose name does not fit (custom.wast) */
    EXPECT_ERR(WB_ERR_UNEXPECTED_END, 10, HDR, 0x00, 0x00);
    EXPECT_ERR(WB_ERR_UNEXPECTED_END, 10,
               HDR, 0x00, 0x00, 0x05, 0x01, 0x00, 0x07, 0x00, 0x00);
    /* section size as an over-long LEB128 (binary-leb128.wast) */
    EXPECT_ERR(WB_ERR_INT_TOO_LONG, 13,
               HDR, 0x00, 0x83, 0x80, 0x80, 0x80, 0x80, 0x00, 0x01, 0x31, 0x32);
    /* and with bits beyond 32 */
    EXPECT_ERR(WB_ERR_INT_TOO_LARGE, 13, HDR, 0x00, 0x80, 0x80, 0x80, 0x80, 0x10);
}

/* -- Individual sections: malformed encodings -- */

static void test_type_errors(void **state)
{
    (void)state;
    /* -0x20 as a 2-byte LEB128 (binary.wast) */
    EXPECT_ERR(WB_ERR_INT_TOO_LONG, 11, HDR, 0x01, 0x05, 0x01, 0xe0, 0x7f, 0x00, 0x00);
    EXPECT_ERR(WB_ERR_MALFORMED_FUNCTYPE, 11, HDR, 0x01, 0x04, 0x01, 0x61, 0x00, 0x00);
    /* param and result types */
    EXPECT_ERR(WB_ERR_MALFORMED_VALTYPE, 13, HDR, 0x01, 0x05, 0x01, 0x60, 0x01, 0x40, 0x00);
    EXPECT_ERR(WB_ERR_MALFORMED_VALTYPE, 14,
               HDR, 0x01, 0x06, 0x01, 0x60, 0x00, 0x01, 0x7a, 0x00);
    /* param count as an over-long LEB128 (binary-leb128.wast) */
    EXPECT_ERR(WB_ERR_INT_TOO_LONG, 16,
               HDR, 0x01, 0x0c, 0x01, 0x60, 0x82, 0x80, 0x80, 0x80, 0x80, 0x00,
               0x7f, 0x7e, 0x01, 0x7f);
}

static void test_import_errors(void **state)
{
    (void)state;
    EXPECT_ERR(WB_ERR_MALFORMED_IMPORT_KIND, 13, HDR, 0x02, 0x04, 0x01, 0x00, 0x00, 0x04);
    EXPECT_ERR(WB_ERR_MALFORMED_IMPORT_KIND, 13,
               HDR, 0x02, 0x05, 0x01, 0x00, 0x00, 0x80, 0x00);
    /* global import with mutability 2 (global.wast) */
    EXPECT_ERR(WB_ERR_MALFORMED_MUTABILITY, 15,
               HDR, 0x02, 0x06, 0x01, 0x00, 0x00, 0x03, 0x7f, 0x02);
    /* a name longer than the section */
    EXPECT_ERR(WB_ERR_UNEXPECTED_END, 12, HDR, 0x02, 0x03, 0x01, 0x05, 0x61);
    /* module-name length as an over-long LEB128 */
    EXPECT_ERR(WB_ERR_INT_TOO_LONG, 15,
               HDR, 0x02, 0x0a, 0x01, 0x81, 0x80, 0x80, 0x80, 0x80, 0x00, 0x61, 0x00, 0x00);
}

static void test_utf8_names(void **state)
{
    (void)state;
    /* import module and field names, export and custom section names */
    EXPECT_ERR(WB_ERR_UTF8, 12,
               HDR, 0x02, 0x07, 0x01, 0x01, 0xff, 0x01, 0x61, 0x00, 0x00);
    EXPECT_ERR(WB_ERR_UTF8, 14,
               HDR, 0x02, 0x08, 0x01, 0x01, 0x61, 0x02, 0xc0, 0x80, 0x00, 0x00);
    /* surrogate half U+D800 */
    EXPECT_ERR(WB_ERR_UTF8, 12,
               HDR, 0x07, 0x06, 0x01, 0x03, 0xed, 0xa0, 0x80, 0x00, 0x00);
    /* truncated sequence in a custom section name */
    EXPECT_ERR(WB_ERR_UTF8, 11, HDR, 0x00, 0x02, 0x01, 0xe2);
    /* valid multi-byte names are fine */
    wb_module *m = DECODE_OK(HDR, 0x00, 0x05, 0x04, 0xf0, 0x9f, 0x98, 0x80);
    assert_int_equal(m->customs[0].name.len, 4);
    wb_module_free(m);
}

static void test_limits_encoding(void **state)
{
    (void)state;
    wb_module *m;

    /* flag 2 and 0x81 (binary.wast) */
    EXPECT_ERR(WB_ERR_MALFORMED_LIMITS, 11, HDR, 0x05, 0x02, 0x01, 0x02);
    assert_int_equal(wb_err_class_of(WB_ERR_MALFORMED_LIMITS), WB_CLASS_MALFORMED);
    EXPECT_ERR(WB_ERR_MALFORMED_LIMITS, 12, HDR, 0x04, 0x04, 0x01, 0x70, 0x02, 0x00);
    EXPECT_ERR(WB_ERR_INT_TOO_LONG, 11, HDR, 0x05, 0x05, 0x01, 0x81, 0x00, 0x00, 0x00);
    EXPECT_ERR(WB_ERR_INT_TOO_LONG, 12,
               HDR, 0x04, 0x06, 0x01, 0x70, 0x81, 0x00, 0x00, 0x00);
    /* bad table element type */
    EXPECT_ERR(WB_ERR_MALFORMED_REFTYPE, 11, HDR, 0x04, 0x04, 0x01, 0x7f, 0x00, 0x00);
    /* minimum over-long and too large (binary-leb128.wast) */
    EXPECT_ERR(WB_ERR_INT_TOO_LONG, 16,
               HDR, 0x05, 0x08, 0x01, 0x00, 0x82, 0x80, 0x80, 0x80, 0x80, 0x00);
    EXPECT_ERR(WB_ERR_INT_TOO_LARGE, 16,
               HDR, 0x05, 0x07, 0x01, 0x00, 0x82, 0x80, 0x80, 0x80, 0x70);
    /* non-minimal but within 5 bytes is fine */
    m = DECODE_OK(HDR, 0x05, 0x07, 0x01, 0x00, 0x82, 0x80, 0x80, 0x80, 0x00);
    assert_int_equal(m->mems[0].type.lim.min, 2);
    wb_module_free(m);
    /* min > max and 65537 pages are the validator's: well-formed here */
    m = DECODE_OK(HDR, 0x05, 0x06, 0x01, 0x01, 0x02, 0x81, 0x80, 0x04);
    assert_int_equal(m->mems[0].type.lim.min, 2);
    assert_int_equal(m->mems[0].type.lim.max, 65537);
    wb_module_free(m);
}

static void test_table_size_limit(void **state)
{
    (void)state;
    bbuf b = { 0 }, c = { 0 };
    wb_module *m;

    /* max 0xffffffff is fine (table.wast); only the initial size is
     * allocated, so only it is limited */
    m = DECODE_OK(HDR, 0x04, 0x09, 0x01, 0x70, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f);
    assert_int_equal(m->tables[0].type.lim.max, 0xffffffffu);
    wb_module_free(m);

    /* one table, funcref, no maximum, min over and at the limit */
    for (uint32_t min = WB_MAX_TABLE_SIZE + 1; min >= WB_MAX_TABLE_SIZE; min--) {
        b.n = 0;
        bb_header(&b);
        bb_bytes(&c, BYTES(0x01, 0x70, 0x00), 3);
        bb_u32(&c, min);
        bb_section(&b, 4, &c);
        if (min > WB_MAX_TABLE_SIZE) {
            expect_err_at(__LINE__, b.p, b.n, WB_ERR_LIMIT_TABLE_SIZE, 12);
            continue;
        }
        m = decode_ok(b.p, b.n);
        assert_int_equal(m->tables[0].type.lim.min, WB_MAX_TABLE_SIZE);
        wb_module_free(m);
    }
    /* min > max is invalid, not a limit: left to the validator */
    m = DECODE_OK(HDR, 0x04, 0x09, 0x01, 0x70, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00);
    assert_int_equal(m->tables[0].type.lim.min, 0xffffffffu);
    wb_module_free(m);
    bb_free(&b);
    bb_free(&c);
}

static void test_global_and_export_errors(void **state)
{
    (void)state;
    wb_module *m;

    EXPECT_ERR(WB_ERR_MALFORMED_MUTABILITY, 12,
               HDR, 0x06, 0x06, 0x01, 0x7f, 0x02, 0x41, 0x00, 0x0b);
    EXPECT_ERR(WB_ERR_MALFORMED_MUTABILITY, 12,
               HDR, 0x06, 0x06, 0x01, 0x7f, 0xff, 0x41, 0x00, 0x0b);
    EXPECT_ERR(WB_ERR_MALFORMED_VALTYPE, 11,
               HDR, 0x06, 0x06, 0x01, 0x60, 0x00, 0x41, 0x00, 0x0b);
    /* i32.const with one byte too many, and with unused bits set */
    EXPECT_ERR(WB_ERR_INT_TOO_LONG, 18,
               HDR, 0x06, 0x0b, 0x01, 0x7f, 0x00, 0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x0b);
    EXPECT_ERR(WB_ERR_INT_TOO_LARGE, 18,
               HDR, 0x06, 0x0a, 0x01, 0x7f, 0x00, 0x41, 0x80, 0x80, 0x80, 0x80, 0x70, 0x0b);
    /* export kind 4 */
    EXPECT_ERR(WB_ERR_MALFORMED_EXPORT_KIND, 13, HDR, 0x07, 0x05, 0x01, 0x01, 0x61, 0x04, 0x00);
    /* exports of unknown functions are well-formed (and not declared) */
    m = DECODE_OK(HDR, 0x07, 0x05, 0x01, 0x01, 0x61, 0x00, 0x05);
    assert_int_equal(m->exports[0].index, 5);
    assert_int_equal(m->nfuncs, 0);
    wb_module_free(m);
}

/* Only malformed bytes are decode errors: an instruction that is not
 * constant, or several instructions, are for the validator. */
static void test_const_exprs(void **state)
{
    (void)state;
    wb_module *m = DECODE_OK(HDR,
        0x06, 0x25, 0x05,
        0x7f, 0x00, 0x41, 0x01, 0x41, 0x02, 0x6a, 0x0b,      /* i32.add: not constant */
        0x7f, 0x00, 0x02, 0x7f, 0x41, 0x01, 0x0b, 0x0b,      /* block ... end end */
        0x7e, 0x00, 0x42, 0x7f, 0x0b,                        /* i64.const -1 */
        0x7c, 0x00, 0x44, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x0b, /* f64.const 1 */
        0x6f, 0x00, 0x0b);                                   /* empty */

    assert_int_equal(m->nglobals, 5);
    assert_int_equal(m->globals[0].init.op, WB_OP__COUNT);
    assert_int_equal(m->globals[0].init.offset, 13);
    assert_int_equal(m->globals[0].init.length, 6);
    assert_int_equal(m->globals[1].init.op, WB_OP__COUNT);
    assert_int_equal(m->globals[1].init.offset, 21);
    assert_int_equal(m->globals[1].init.length, 6);
    assert_int_equal(m->globals[2].init.op, WB_OP_I64_CONST);
    assert_int_equal(m->globals[2].init.u.i64, -1);
    assert_int_equal(m->globals[3].init.op, WB_OP_F64_CONST);
    assert_int_equal(m->globals[3].init.u.f64, 0x3ff0000000000000ull);
    assert_int_equal(m->globals[4].init.op, WB_OP__COUNT);
    assert_int_equal(m->globals[4].init.length, 1);
    wb_module_free(m);

    /* v128.const is pre-decoded too */
    m = DECODE_OK(HDR, 0x06, 0x16, 0x01, 0x7b, 0x00, 0xfd, 0x0c,
                  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0x0b);
    assert_int_equal(m->globals[0].init.op, WB_OP_V128_CONST);
    assert_memory_equal(m->globals[0].init.u.v128,
                        BYTES(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16), 16);
    wb_module_free(m);

    /* a missing end runs into the section end */
    EXPECT_ERR(WB_ERR_UNEXPECTED_END, 14, HDR, 0x06, 0x04, 0x01, 0x7f, 0x00, 0x01);
    /* an illegal opcode */
    EXPECT_ERR(WB_ERR_ILLEGAL_OPCODE, 13, HDR, 0x06, 0x04, 0x01, 0x7f, 0x00, 0xff);
}

/* -- Function and code sections -- */

static void test_func_code_mismatch(void **state)
{
    (void)state;
    wb_module *m;

    /* functions without a code section */
    EXPECT_ERR(WB_ERR_FUNC_CODE_MISMATCH, 19,
               HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x03, 0x02, 0x00, 0x00);
    /* bodies without a function section */
    EXPECT_ERR(WB_ERR_FUNC_CODE_MISMATCH, 10, HDR, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b);
    /* 2 functions, 1 body; 1 function, 2 bodies */
    EXPECT_ERR(WB_ERR_FUNC_CODE_MISMATCH, 21,
               HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x03, 0x02, 0x00, 0x00,
               0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b);
    EXPECT_ERR(WB_ERR_FUNC_CODE_MISMATCH, 20,
               HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
               0x0a, 0x07, 0x02, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b);
    /* zero functions with no code section, and the reverse, are fine */
    m = DECODE_OK(HDR, 0x03, 0x01, 0x00);
    wb_module_free(m);
    m = DECODE_OK(HDR, 0x0a, 0x01, 0x00);
    wb_module_free(m);
}

static void test_code_bodies(void **state)
{
    (void)state;
    wb_module *m;

    /* body size past the section end */
    EXPECT_ERR(WB_ERR_LENGTH_OOB, 21,
               HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
               0x0a, 0x04, 0x01, 0x05, 0x00, 0x0b);
    /* an empty body has no room for its locals vector */
    EXPECT_ERR(WB_ERR_UNEXPECTED_END, 22,
               HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
               0x0a, 0x02, 0x01, 0x00);
    /* a local group running past its body (into the next body) */
    EXPECT_ERR(WB_ERR_UNEXPECTED_END, 25,
               HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x03, 0x02, 0x00, 0x00,
               0x0a, 0x06, 0x02, 0x02, 0x01, 0x01, 0x7f, 0x0b);
    /* bad local type */
    EXPECT_ERR(WB_ERR_MALFORMED_VALTYPE, 24,
               HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
               0x0a, 0x06, 0x01, 0x04, 0x01, 0x01, 0x40, 0x0b);
    /* local count 0x100000000 (binary.wast) */
    EXPECT_ERR(WB_ERR_INT_TOO_LARGE, 27,
               HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
               0x0a, 0x0c, 0x01, 0x0a, 0x02, 0x80, 0x80, 0x80, 0x80, 0x10, 0x7f, 0x02, 0x7e, 0x0b);
    /* a body with zero-count groups (binary.wast) */
    m = DECODE_OK(HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
                  0x0a, 0x0a, 0x01, 0x08, 0x03, 0x00, 0x7f, 0x00, 0x7e, 0x02, 0x7d, 0x0b);
    assert_int_equal(m->codes[0].ngroups, 3);
    assert_int_equal(m->codes[0].nlocals, 2);
    assert_int_equal(m->codes[0].groups[2].type, WB_F32);
    assert_int_equal(m->codes[0].offset, 22);
    assert_int_equal(m->codes[0].expr_offset, 29);
    wb_module_free(m);
    /* a body with a missing end is well-formed for the decoder: the
     * instructions are the validator's */
    m = DECODE_OK(HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
                  0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x01, 0x1a);
    assert_int_equal(m->codes[0].size, 4);
    wb_module_free(m);
}

static void test_too_many_locals(void **state)
{
    (void)state;
    /* 0xffffffff + 2 (binary.wast): malformed, not a limit */
    EXPECT_ERR(WB_ERR_TOO_MANY_LOCALS, 29,
               HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
               0x0a, 0x0c, 0x01, 0x0a, 0x02, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f, 0x02, 0x7e, 0x0b);
    /* 4 x 0x40000000: the first group alone is over WB_MAX_LOCALS, yet the
     * format error must win (the spec runner requires "malformed") */
    EXPECT_ERR(WB_ERR_TOO_MANY_LOCALS, 43,
               HDR, 0x01, 0x06, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x00, 0x03, 0x02, 0x01, 0x00,
               0x0a, 0x1c, 0x01, 0x1a, 0x04,
               0x80, 0x80, 0x80, 0x80, 0x04, 0x7f, 0x80, 0x80, 0x80, 0x80, 0x04, 0x7e,
               0x80, 0x80, 0x80, 0x80, 0x04, 0x7d, 0x80, 0x80, 0x80, 0x80, 0x04, 0x7c, 0x0b);
    assert_int_equal(wb_err_class_of(WB_ERR_TOO_MANY_LOCALS), WB_CLASS_MALFORMED);
}

/* Builds: type (param i32 x nparams), one function, one body declaring
 * `nlocals` i32 locals in one group. */
static void build_locals_module(bbuf *b, uint32_t nparams, uint32_t nlocals)
{
    bbuf c = { 0 }, body = { 0 };

    bb_header(b);
    bb_u32(&c, 1);
    bb_byte(&c, 0x60);
    bb_u32(&c, nparams);
    for (uint32_t i = 0; i < nparams; i++)
        bb_byte(&c, WB_I32);
    bb_u32(&c, 0);
    bb_section(b, 1, &c);
    bb_u32(&c, 1);
    bb_u32(&c, 0);
    bb_section(b, 3, &c);
    bb_u32(&body, 1);
    bb_u32(&body, nlocals);
    bb_byte(&body, WB_I32);
    bb_byte(&body, 0x0b);
    bb_u32(&c, 1);
    bb_u32(&c, (uint32_t)body.n);
    bb_bytes(&c, body.p, body.n);
    bb_section(b, 10, &c);
    bb_free(&c);
    bb_free(&body);
}

static void test_locals_limit(void **state)
{
    (void)state;
    bbuf b = { 0 };
    wb_module *m;
    wb_diag d;

    /* params count against the limit too */
    build_locals_module(&b, 2, WB_MAX_LOCALS - 2);
    m = decode_ok(b.p, b.n);
    assert_int_equal(m->codes[0].nlocals, WB_MAX_LOCALS - 2);
    wb_module_free(m);
    bb_free(&b);

    build_locals_module(&b, 2, WB_MAX_LOCALS - 1);
    assert_int_equal(wb_module_decode(b.p, b.n, &m, &d), WB_ERR_LIMIT_LOCALS);
    assert_int_equal(wb_err_class_of(d.err), WB_CLASS_LIMIT);
    assert_string_equal(d.section, "code");
    assert_int_equal(d.offset, 23); /* the body's size field */
    assert_null(m);
    bb_free(&b);
}

/* Large modules built here hit one implementation limit each, with every
 * byte present; the errors are LIMIT class, at the offending count. */
static void test_param_result_limits(void **state)
{
    (void)state;
    bbuf b = { 0 }, c = { 0 };

    bb_header(&b);
    bb_bytes(&c, BYTES(0x01, 0x60), 2);
    bb_u32(&c, WB_MAX_PARAMS + 1);
    for (uint32_t i = 0; i < WB_MAX_PARAMS + 1; i++)
        bb_byte(&c, WB_I64);
    bb_u32(&c, 0);
    bb_section(&b, 1, &c);
    /* id, 2-byte size, count, form: the param count at 13 */
    expect_err_at(__LINE__, b.p, b.n, WB_ERR_LIMIT_PARAMS, 13);
    b.n = 0;
    bb_header(&b);
    bb_bytes(&c, BYTES(0x01, 0x60, 0x00), 3);
    bb_u32(&c, WB_MAX_RESULTS + 1);
    for (uint32_t i = 0; i < WB_MAX_RESULTS + 1; i++)
        bb_byte(&c, WB_I64);
    bb_section(&b, 1, &c);
    expect_err_at(__LINE__, b.p, b.n, WB_ERR_LIMIT_RESULTS, 14);
    assert_int_equal(wb_err_class_of(WB_ERR_LIMIT_RESULTS), WB_CLASS_LIMIT);
    bb_free(&b);
    bb_free(&c);
}

static void test_count_limits(void **state)
{
    (void)state;
    bbuf b = { 0 }, c = { 0 };

    /* WB_MAX_TYPES + 1 empty function types (section size: 4 bytes) */
    bb_header(&b);
    bb_u32(&c, WB_MAX_TYPES + 1);
    for (uint32_t i = 0; i < WB_MAX_TYPES + 1; i++)
        bb_bytes(&c, BYTES(0x60, 0x00, 0x00), 3);
    bb_section(&b, 1, &c);
    expect_err_at(__LINE__, b.p, b.n, WB_ERR_LIMIT_TYPES, 13);
    b.n = 0;
    /* WB_MAX_EXPORTS + 1 exports (section size: 3 bytes) */
    bb_header(&b);
    bb_u32(&c, WB_MAX_EXPORTS + 1);
    for (uint32_t i = 0; i < WB_MAX_EXPORTS + 1; i++)
        bb_bytes(&c, BYTES(0x00, 0x00, 0x00), 3);
    bb_section(&b, 7, &c);
    expect_err_at(__LINE__, b.p, b.n, WB_ERR_LIMIT_EXPORTS, 12);
    b.n = 0;
    /* WB_MAX_FUNCS counts imported and defined functions together: one
     * import (offsets 8-16) and WB_MAX_FUNCS definitions */
    bb_header(&b);
    bb_bytes(&c, BYTES(0x01, 0x01, 0x6d, 0x01, 0x66, 0x00, 0x00), 7);
    bb_section(&b, 2, &c);
    bb_u32(&c, WB_MAX_FUNCS);
    for (uint32_t i = 0; i < WB_MAX_FUNCS; i++)
        bb_byte(&c, 0);
    bb_section(&b, 3, &c);
    expect_err_at(__LINE__, b.p, b.n, WB_ERR_LIMIT_FUNCS, 21);
    b.n = 0;
    /* an element segment longer than any table may be: one passive
     * segment, its count at 16 (after a 4-byte section size) */
    bb_header(&b);
    bb_bytes(&c, BYTES(0x01, 0x01, 0x00), 3);
    bb_u32(&c, WB_MAX_TABLE_SIZE + 1);
    for (uint32_t i = 0; i < WB_MAX_TABLE_SIZE + 1; i++)
        bb_byte(&c, 0);
    bb_section(&b, 9, &c);
    expect_err_at(__LINE__, b.p, b.n, WB_ERR_LIMIT_SEGMENT, 16);
    bb_free(&b);
    bb_free(&c);
}

static void test_body_size_limit(void **state)
{
    (void)state;
    bbuf b = { 0 }, c = { 0 };
    uint32_t size = WB_MAX_BODY_SIZE + 1;

    bb_header(&b);
    bb_bytes(&b, BYTES(0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00), 10);
    bb_u32(&c, 1);
    bb_u32(&c, size);
    bb_byte(&c, 0);                 /* no locals */
    for (uint32_t i = 1; i < size - 1; i++)
        bb_byte(&c, 0x01);          /* nop */
    bb_byte(&c, 0x0b);
    bb_section(&b, 10, &c);
    /* code id at 18, 4-byte section size, count: the body size at 24 */
    expect_err_at(__LINE__, b.p, b.n, WB_ERR_LIMIT_BODY_SIZE, 24);
    bb_free(&b);
    bb_free(&c);
}

/* A count far beyond the bytes present fails at the count, before any
 * allocation or loop sized by it, and quickly. */
static void test_huge_counts(void **state)
{
    (void)state;
    static const uint8_t ids[] = { 1, 2, 3, 4, 5, 6, 7, 9, 10, 11 };
    clock_t start = clock();

    for (size_t i = 0; i < sizeof ids; i++) {
        const uint8_t b[] = { HDR, ids[i], 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f };
        expect_err_at(__LINE__, b, sizeof b, WB_ERR_UNEXPECTED_END, 10);
    }
    /* nested counts: params, results, locals, element items, br_table-free
     * const expr vectors */
    EXPECT_ERR(WB_ERR_UNEXPECTED_END, 12,
               HDR, 0x01, 0x07, 0x01, 0x60, 0xff, 0xff, 0xff, 0xff, 0x0f);
    EXPECT_ERR(WB_ERR_UNEXPECTED_END, 13,
               HDR, 0x01, 0x08, 0x01, 0x60, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f);
    EXPECT_ERR(WB_ERR_UNEXPECTED_END, 22,
               HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
               0x0a, 0x08, 0x01, 0x06, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x0b);
    EXPECT_ERR(WB_ERR_UNEXPECTED_END, 13,
               HDR, 0x09, 0x07, 0x01, 0x01, 0x00, 0xff, 0xff, 0xff, 0x7f);
    EXPECT_ERR(WB_ERR_UNEXPECTED_END, 13,
               HDR, 0x09, 0x07, 0x01, 0x05, 0x70, 0xff, 0xff, 0xff, 0x7f);
    /* a data segment length */
    EXPECT_ERR(WB_ERR_UNEXPECTED_END, 12,
               HDR, 0x0b, 0x07, 0x01, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f);
    /* names (reported where the name's bytes would start) */
    EXPECT_ERR(WB_ERR_UNEXPECTED_END, 15, HDR, 0x00, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f);
    /* Dozens of decodes of counts near 2^32 would take seconds if anything
     * were sized or looped by the count. */
    assert_true((double)(clock() - start) / CLOCKS_PER_SEC < 1.0);
}

/* -- The name section -- */

static void test_name_section_unsorted(void **state)
{
    (void)state;
    bbuf b = { 0 }, c = { 0 }, sub = { 0 };
    wb_module *m;

    bb_header(&b);
    bb_bytes(&b, BYTES(0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x04, 0x03, 0x00, 0x00, 0x00,
                       0x0a, 0x0a, 0x03, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b),
             24);
    bb_str(&c, "name");
    bb_str(&sub, "mod");
    bb_section(&c, 0, &sub);            /* subsections are framed like sections */
    /* function names out of order, with a duplicate index */
    bb_u32(&sub, 4);
    bb_u32(&sub, 2);
    bb_str(&sub, "two");
    bb_u32(&sub, 0);
    bb_str(&sub, "zero");
    bb_u32(&sub, 2);
    bb_str(&sub, "dup");
    bb_u32(&sub, 1);
    bb_str(&sub, "one");
    bb_section(&c, 1, &sub);
    /* local names: skipped whatever they hold */
    bb_bytes(&c, BYTES(0x02, 0x03, 0xff, 0xff, 0xff), 5);
    bb_section(&b, 0, &c);

    m = decode_ok(b.p, b.n);
    assert_true(m->has_module_name);
    assert_true(name_is(m->module_name, "mod"));
    assert_int_equal(m->nfunc_names, 3);
    assert_int_equal(m->func_names[0].index, 0);
    assert_int_equal(m->func_names[1].index, 1);
    assert_int_equal(m->func_names[2].index, 2);
    assert_true(name_is(*wb_module_func_name(m, 0), "zero"));
    assert_true(name_is(*wb_module_func_name(m, 1), "one"));
    assert_true(name_is(*wb_module_func_name(m, 2), "two")); /* first wins */
    assert_null(wb_module_func_name(m, 3));
    wb_module_free(m);
    bb_free(&b);
    bb_free(&c);
    bb_free(&sub);
}

/* A malformed name section is ignored, never an error, and never read out
 * of bounds; the custom section itself is still recorded. */
static void test_name_section_malformed(void **state)
{
    (void)state;
    static const uint8_t bad[][12] = {
        { 0x01, 0x04, 0x01, 0x00, 0x04, 0x61 },         /* name length past subsection */
        { 0x00, 0x07, 0x03, 0x61 },                     /* subsection past section */
        { 0x01, 0x04, 0x01, 0x00, 0x01, 0xff },         /* bad UTF-8 */
        { 0x01, 0x02, 0x01, 0x00, 0x00, 0x01, 0x61 },   /* subsection shorter than its content */
        { 0x01, 0x05, 0x01, 0x00, 0x01, 0x61, 0x00 },   /* subsection longer than its content */
        { 0x01, 0x01, 0x00, 0x00, 0x01, 0x00 },         /* ids out of order (1 then 0) */
        { 0x01, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f },   /* huge name count */
        { 0x01, 0x01 },                                 /* truncated subsection */
        { 0x01, 0x80 },                                 /* truncated LEB128 */
    };
    static const uint8_t lens[] = { 6, 4, 6, 7, 7, 6, 7, 2, 2 };

    for (size_t i = 0; i < sizeof lens; i++) {
        bbuf b = { 0 }, c = { 0 };
        wb_module *m;

        bb_header(&b);
        bb_bytes(&b, BYTES(0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
                           0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b), 16);
        bb_str(&c, "name");
        bb_bytes(&c, bad[i], lens[i]);
        bb_section(&b, 0, &c);
        m = decode_ok(b.p, b.n);
        if (m->has_module_name || m->nfunc_names) {
            print_error("case %zu: name section not ignored\n", i);
            fail();
        }
        assert_int_equal(m->ncustoms, 1);
        assert_null(wb_module_func_name(m, 0));
        wb_module_free(m);
        /* and from an exact-size copy */
        assert_int_equal(decode_copy(b.p, b.n, &m, NULL), WB_OK);
        bb_free(&b);
        bb_free(&c);
    }
}

/* Decodes corrupted input: an error or a module, never a crash or an
 * out-of-bounds read, and an error is always a proper one. */
static void check_clean(const uint8_t *b, size_t n)
{
    wb_module *m = (wb_module *)&m;
    wb_diag d;
    wb_err err = wb_module_decode(b, n, &m, &d);

    if (err == WB_OK) {
        assert_non_null(m);
        wb_module_free(m);
        return;
    }
    assert_null(m);
    assert_int_equal(d.err, err);
    assert_true(d.offset <= n);
    assert_true(wb_err_class_of(err) == WB_CLASS_MALFORMED ||
                wb_err_class_of(err) == WB_CLASS_LIMIT);
}

/* Every byte of the full module set to a few telling values, then random
 * multi-byte corruption, insertion and deletion (fixed seed, so failures
 * reproduce). */
static void test_corruption(void **state)
{
    (void)state;
    static const uint8_t values[] = { 0x00, 0x01, 0x0b, 0x41, 0x7f, 0x80, 0xff };
    static const struct { const uint8_t *b; size_t n; } seeds[] = {
        { full_wasm, sizeof full_wasm },
        { elem_wasm, sizeof elem_wasm },
    };
    uint32_t rng = 12345;
    uint8_t *buf = malloc(sizeof full_wasm + 16);

    assert_non_null(buf);
    for (size_t i = 8; i < sizeof full_wasm; i++) {
        for (size_t v = 0; v < sizeof values; v++) {
            memcpy(buf, full_wasm, sizeof full_wasm);
            buf[i] = values[v];
            check_clean(buf, sizeof full_wasm);
        }
    }
    for (unsigned iter = 0; iter < 20000; iter++) {
        size_t which = iter % 2, n = seeds[which].n;

        memcpy(buf, seeds[which].b, n);
        for (unsigned k = 0; k < 1 + iter % 4; k++) {
            size_t at;
            rng = rng * 1103515245u + 12345u;
            at = 8 + (rng >> 8) % (n - 8);
            switch ((rng >> 4) % 3) {
            case 0: /* overwrite */
                buf[at] = (uint8_t)(rng >> 24);
                break;
            case 1: /* delete */
                memmove(buf + at, buf + at + 1, n - at - 1);
                n--;
                break;
            default: /* insert */
                if (n < sizeof full_wasm + 16) {
                    memmove(buf + at + 1, buf + at, n - at);
                    buf[at] = (uint8_t)(rng >> 24);
                    n++;
                }
                break;
            }
        }
        check_clean(buf, n);
    }
    free(buf);
}

static void test_name_length_limit(void **state)
{
    (void)state;
    bbuf b = { 0 }, c = { 0 };
    wb_module *m = NULL;
    wb_diag d;
    char *name = malloc(WB_MAX_NAME + 2);

    assert_non_null(name);
    memset(name, 'x', WB_MAX_NAME + 1);
    name[WB_MAX_NAME + 1] = '\0';
    bb_header(&b);
    bb_str(&c, name);
    bb_section(&b, 0, &c);
    assert_int_equal(wb_module_decode(b.p, b.n, &m, &d), WB_ERR_LIMIT_NAME);
    assert_int_equal(wb_err_class_of(d.err), WB_CLASS_LIMIT);
    assert_string_equal(d.section, "custom");
    assert_int_equal(d.offset, 12); /* after id and 3-byte size: the name's length */
    assert_null(m);
    b.n = 0;
    /* exactly the limit is fine */
    name[WB_MAX_NAME] = '\0';
    bb_header(&b);
    bb_str(&c, name);
    bb_section(&b, 0, &c);
    m = decode_ok(b.p, b.n);
    assert_int_equal(m->customs[0].name.len, WB_MAX_NAME);
    wb_module_free(m);
    free(name);
    bb_free(&b);
    bb_free(&c);
}

/* No diagnostics wanted, and freeing nothing. */
static void test_null_diag(void **state)
{
    (void)state;
    wb_module *m = (wb_module *)&m;

    assert_int_equal(wb_module_decode(BYTES(HDR, 0x01), 9, &m, NULL), WB_ERR_UNEXPECTED_END);
    assert_null(m);
    assert_int_equal(wb_module_decode(BYTES(HDR, 0x0d, 0x00), 10, &m, NULL), WB_ERR_SECTION_ID);
    assert_null(m);
    wb_module_free(NULL);
}

/* wb_module_load: decode then validate; either failure leaves no module. */
static void test_load(void **state)
{
    (void)state;
    wb_module *m = NULL;
    wb_diag d;

    assert_int_equal(wb_module_load(full_wasm, sizeof full_wasm, &m, &d), WB_OK);
    assert_non_null(m);
    assert_int_equal(m->ncodes, 3);
    wb_module_free(m);

    /* well-formed, but function 0 names type 1 of 1 */
    static const uint8_t bad_type[] = {
        HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x01,
        0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,
    };
    m = (wb_module *)&m;
    assert_int_equal(wb_module_load(bad_type, sizeof bad_type, &m, &d), WB_ERR_UNKNOWN_TYPE);
    assert_int_equal(wb_err_class_of(d.err), WB_CLASS_INVALID);
    assert_null(m);

    /* malformed: the decoder's error comes through */
    m = (wb_module *)&m;
    assert_int_equal(wb_module_load(BYTES(HDR, 0x0d, 0x00), 10, &m, &d), WB_ERR_SECTION_ID);
    assert_null(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_module_types_imports),
        cmocka_unit_test(test_full_module_globals_exports),
        cmocka_unit_test(test_full_module_code_data_names),
        cmocka_unit_test(test_truncation_every_prefix),
        cmocka_unit_test(test_elem_all_encodings),
        cmocka_unit_test(test_declared_by_each_source),
        cmocka_unit_test(test_elem_errors),
        cmocka_unit_test(test_data_segments),
        cmocka_unit_test(test_data_errors),
        cmocka_unit_test(test_data_count),
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_module_size_limit),
        cmocka_unit_test(test_section_ids),
        cmocka_unit_test(test_section_order),
        cmocka_unit_test(test_many_custom_sections),
        cmocka_unit_test(test_section_sizes),
        cmocka_unit_test(test_type_errors),
        cmocka_unit_test(test_import_errors),
        cmocka_unit_test(test_utf8_names),
        cmocka_unit_test(test_limits_encoding),
        cmocka_unit_test(test_table_size_limit),
        cmocka_unit_test(test_global_and_export_errors),
        cmocka_unit_test(test_const_exprs),
        cmocka_unit_test(test_func_code_mismatch),
        cmocka_unit_test(test_code_bodies),
        cmocka_unit_test(test_too_many_locals),
        cmocka_unit_test(test_locals_limit),
        cmocka_unit_test(test_param_result_limits),
        cmocka_unit_test(test_count_limits),
        cmocka_unit_test(test_body_size_limit),
        cmocka_unit_test(test_huge_counts),
        cmocka_unit_test(test_name_section_unsorted),
        cmocka_unit_test(test_name_section_malformed),
        cmocka_unit_test(test_corruption),
        cmocka_unit_test(test_name_length_limit),
        cmocka_unit_test(test_null_diag),
        cmocka_unit_test(test_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

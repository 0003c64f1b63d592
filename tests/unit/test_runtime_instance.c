/* test_runtime_instance.c — instantiation: link checks for every kind of
 * import (unknown, wrong kind, function signatures, table and memory
 * limits subtyping, global type and mutability), globals' initializers,
 * data and element segments in the spec's order (a failing segment traps
 * after the earlier ones took effect), start functions, exports, and
 * compile errors. Modules are wat2wasm output (text in each comment). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "runtime_test.h"

/* (module $link
 *   (import "env" "mem" (memory 1 2))
 *   (import "env" "tab" (table 2 10 funcref))
 *   (import "env" "g" (global i32))
 *   (import "env" "gm" (global (mut i64)))
 *   (global $a (export "a") i32 (global.get 0))
 *   (global $b (export "b") (mut f64) (f64.const 1.5))
 *   (global $c (export "c") externref (ref.null extern))
 *   (export "mem" (memory 0)) (export "tab" (table 0)) (export "gm" (global 1))
 *   (data (i32.const 8) "hello") (data (global.get 0) "xy") (data "passive"))
 *
 * (module $segtrap: imports "env" "mem" (memory 1);
 *   data (i32.const 0) "abc", (i32.const 65535) "de", (i32.const 10) "zz")
 *
 * (module $own (memory (export "m") 2 5) (table (export "t") 3 7 externref)
 *   (global (export "v") v128 (v128.const i32x4 1 2 3 4))
 *   (data (i32.const 131070) "ok"))
 *
 * (module $elemtrap (import "env" "tab" (table 3 funcref))
 *   (func $f (result i32) i32.const 42)
 *   (elem (i32.const 0) $f $f) (elem (i32.const 2) $f $f))
 *
 * (module $start (memory (export "m") 1)
 *   (func $s i32.const 0 i32.const 7 i32.store) (start $s))
 *
 * (module $starttrap (import "env" "mem" (memory 1)) (data (i32.const 0) "x")
 *   (func $s unreachable) (start $s))
 *
 * (module $funcimp (import "env" "f" (func (param i32) (result i64))))
 * (module $invalid (func (result i32) i64.const 1))   ;; --no-check */
static const uint8_t link_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x02, 0x2d, 0x04, 0x03,
  0x65, 0x6e, 0x76, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x01, 0x01, 0x02, 0x03,
  0x65, 0x6e, 0x76, 0x03, 0x74, 0x61, 0x62, 0x01, 0x70, 0x01, 0x02, 0x0a,
  0x03, 0x65, 0x6e, 0x76, 0x01, 0x67, 0x03, 0x7f, 0x00, 0x03, 0x65, 0x6e,
  0x76, 0x02, 0x67, 0x6d, 0x03, 0x7e, 0x01, 0x06, 0x17, 0x03, 0x7f, 0x00,
  0x23, 0x00, 0x0b, 0x7c, 0x01, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0xf8, 0x3f, 0x0b, 0x6f, 0x00, 0xd0, 0x6f, 0x0b, 0x07, 0x1e, 0x06, 0x01,
  0x61, 0x03, 0x02, 0x01, 0x62, 0x03, 0x03, 0x01, 0x63, 0x03, 0x04, 0x03,
  0x6d, 0x65, 0x6d, 0x02, 0x00, 0x03, 0x74, 0x61, 0x62, 0x01, 0x00, 0x02,
  0x67, 0x6d, 0x03, 0x01, 0x0b, 0x1b, 0x03, 0x00, 0x41, 0x08, 0x0b, 0x05,
  0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x00, 0x23, 0x00, 0x0b, 0x02, 0x78, 0x79,
  0x01, 0x07, 0x70, 0x61, 0x73, 0x73, 0x69, 0x76, 0x65, 0x00, 0x1b, 0x04,
  0x6e, 0x61, 0x6d, 0x65, 0x00, 0x05, 0x04, 0x6c, 0x69, 0x6e, 0x6b, 0x02,
  0x01, 0x00, 0x07, 0x0a, 0x03, 0x02, 0x01, 0x61, 0x03, 0x01, 0x62, 0x04,
  0x01, 0x63
};
static const uint8_t segtrap_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x02, 0x0c, 0x01, 0x03,
  0x65, 0x6e, 0x76, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x01, 0x0b, 0x19,
  0x03, 0x00, 0x41, 0x00, 0x0b, 0x03, 0x61, 0x62, 0x63, 0x00, 0x41, 0xff,
  0xff, 0x03, 0x0b, 0x02, 0x64, 0x65, 0x00, 0x41, 0x0a, 0x0b, 0x02, 0x7a,
  0x7a, 0x00, 0x08, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x02, 0x01, 0x00
};
static const uint8_t own_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x04, 0x05, 0x01, 0x6f,
  0x01, 0x03, 0x07, 0x05, 0x04, 0x01, 0x01, 0x02, 0x05, 0x06, 0x16, 0x01,
  0x7b, 0x00, 0xfd, 0x0c, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
  0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x0b, 0x07, 0x0d, 0x03,
  0x01, 0x6d, 0x02, 0x00, 0x01, 0x74, 0x01, 0x00, 0x01, 0x76, 0x03, 0x00,
  0x0b, 0x0a, 0x01, 0x00, 0x41, 0xfe, 0xff, 0x07, 0x0b, 0x02, 0x6f, 0x6b,
  0x00, 0x08, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x02, 0x01, 0x00
};
static const uint8_t elemtrap_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60,
  0x00, 0x01, 0x7f, 0x02, 0x0d, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x74,
  0x61, 0x62, 0x01, 0x70, 0x00, 0x03, 0x03, 0x02, 0x01, 0x00, 0x09, 0x0f,
  0x02, 0x00, 0x41, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x41, 0x02, 0x0b,
  0x02, 0x00, 0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x2a, 0x0b, 0x00,
  0x10, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01, 0x04, 0x01, 0x00, 0x01, 0x66,
  0x02, 0x03, 0x01, 0x00, 0x00
};
static const uint8_t start_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60,
  0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07,
  0x05, 0x01, 0x01, 0x6d, 0x02, 0x00, 0x08, 0x01, 0x00, 0x0a, 0x0b, 0x01,
  0x09, 0x00, 0x41, 0x00, 0x41, 0x07, 0x36, 0x02, 0x00, 0x0b, 0x00, 0x10,
  0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01, 0x04, 0x01, 0x00, 0x01, 0x73, 0x02,
  0x03, 0x01, 0x00, 0x00
};
static const uint8_t starttrap_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60,
  0x00, 0x00, 0x02, 0x0c, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x6d, 0x65,
  0x6d, 0x02, 0x00, 0x01, 0x03, 0x02, 0x01, 0x00, 0x08, 0x01, 0x00, 0x0a,
  0x05, 0x01, 0x03, 0x00, 0x00, 0x0b, 0x0b, 0x07, 0x01, 0x00, 0x41, 0x00,
  0x0b, 0x01, 0x78, 0x00, 0x10, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01, 0x04,
  0x01, 0x00, 0x01, 0x73, 0x02, 0x03, 0x01, 0x00, 0x00
};
static const uint8_t funcimp_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60,
  0x01, 0x7f, 0x01, 0x7e, 0x02, 0x09, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x01,
  0x66, 0x00, 0x00
};
static const uint8_t invalid_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60,
  0x00, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x06, 0x01, 0x04, 0x00,
  0x42, 0x01, 0x0b
};

typedef struct fixture {
    wb_engine *engine;
    wb_store *store;
    wb_compiled *compiled[8];
    int ncompiled;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    f->engine = wb_engine_new(NULL);
    f->store = wb_store_new(f->engine);
    *state = f;
    return f->engine && f->store ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    wb_store_free(f->store);
    for (int i = 0; i < f->ncompiled; i++)
        wb_compiled_free(f->compiled[i]);
    wb_engine_free(f->engine);
    free(f);
    return 0;
}

static wb_compiled *compile(fixture *f, const uint8_t *bytes, size_t size)
{
    wb_compiled *c = NULL;
    wb_diag d;
    char buf[256];
    wb_err err = wb_compile(f->engine, bytes, size, &c, &d);
    if (err != WB_OK)
        fail_msg("compile: %s", wb_diag_format(&d, buf, sizeof(buf)));
    f->compiled[f->ncompiled++] = c;
    return c;
}

#define COMPILE(f, name) compile((f), name##_wasm, sizeof(name##_wasm))

static wb_extern ext_memory(wb_rt_memory *m)
{
    return (wb_extern){ .kind = WB_EXTERN_MEMORY, .of.memory = m };
}
static wb_extern ext_table(wb_rt_table *t)
{
    return (wb_extern){ .kind = WB_EXTERN_TABLE, .of.table = t };
}
static wb_extern ext_global(wb_rt_global *g)
{
    return (wb_extern){ .kind = WB_EXTERN_GLOBAL, .of.global = g };
}

/* The four imports of $link, each replaceable. */
typedef struct link_imports {
    wb_extern e[4];
} link_imports;

static link_imports good_link_imports(wb_store *s)
{
    wb_val g = { .type = WB_I32, .of.i32 = 100 }, gm = { .type = WB_I64, .of.i64 = -1 };
    link_imports li;
    li.e[0] = ext_memory(wb_memory_new(s, 1, 2, true));
    li.e[1] = ext_table(wb_table_new(s, WB_FUNCREF, 2, 10, true, NULL));
    li.e[2] = ext_global(wb_global_new(s, &g, false));
    li.e[3] = ext_global(wb_global_new(s, &gm, true));
    return li;
}

static wb_err instantiate(fixture *f, wb_compiled *c, const wb_extern *imports, size_t n,
                   wb_instance **inst, wb_diag *d)
{
    wb_trap *t = NULL;
    wb_err err = wb_instance_new(f->store, c, imports, n, inst, &t, d);
    wb_trap_free(t);
    return err;
}

static void test_link_ok(void **state)
{
    fixture *f = *state;
    wb_compiled *c = COMPILE(f, link);
    link_imports li = good_link_imports(f->store);
    wb_instance *inst = NULL;
    wb_extern ex;
    wb_val v;
    wb_diag d;
    uint8_t *mem;

    assert_int_equal(instantiate(f, c, li.e, 4, &inst, &d), WB_OK);
    assert_non_null(inst);
    assert_true(wb_instance_export(inst, "a", 1, &ex));
    assert_int_equal(ex.kind, WB_EXTERN_GLOBAL);
    wb_global_get(ex.of.global, &v);
    assert_int_equal(v.type, WB_I32);
    assert_int_equal(v.of.i32, 100); /* global.get of the imported global */
    assert_true(wb_instance_export(inst, "b", 1, &ex));
    wb_global_get(ex.of.global, &v);
    assert_int_equal(v.of.f64, 0x3ff8000000000000ull); /* 1.5 */
    v.of.f64 = 0;
    assert_int_equal(wb_global_set(ex.of.global, &v), WB_OK);
    assert_true(wb_instance_export(inst, "c", 1, &ex));
    wb_global_get(ex.of.global, &v);
    assert_int_equal(v.type, WB_EXTERNREF);
    assert_int_equal(v.of.externref, 0);
    /* Imported objects are exported as themselves. */
    assert_true(wb_instance_export(inst, "mem", 3, &ex));
    assert_ptr_equal(ex.of.memory, li.e[0].of.memory);
    assert_true(wb_instance_export(inst, "tab", 3, &ex));
    assert_ptr_equal(ex.of.table, li.e[1].of.table);
    assert_true(wb_instance_export(inst, "gm", 2, &ex));
    assert_ptr_equal(ex.of.global, li.e[3].of.global);
    assert_false(wb_instance_export(inst, "passive", 7, &ex));
    assert_false(wb_instance_export(inst, "ab", 1, &ex) && ex.kind != WB_EXTERN_GLOBAL);
    assert_false(wb_instance_export(inst, "m", 1, &ex));
    /* Active data segments landed; the passive one did not. */
    mem = wb_memory_data(li.e[0].of.memory);
    assert_memory_equal(mem + 8, "hello", 5);
    assert_memory_equal(mem + 100, "xy", 2);
    assert_int_equal(mem[7], 0);
    assert_int_equal(mem[13], 0);
}

static void expect_link_error(fixture *f, wb_compiled *c, const wb_extern *imports, size_t n,
                              wb_err want, const char *detail)
{
    wb_instance *inst = (wb_instance *)1;
    wb_diag d;
    char buf[256];
    assert_int_equal(instantiate(f, c, imports, n, &inst, &d), want);
    assert_null(inst);
    assert_int_equal(d.err, want);
    assert_string_equal(d.detail, detail);
    assert_int_equal(wb_err_class_of(want), WB_CLASS_LINK);
    assert_non_null(strstr(wb_diag_format(&d, buf, sizeof(buf)), wb_err_message(want)));
}

static void test_link_unknown_import(void **state)
{
    fixture *f = *state;
    wb_compiled *c = COMPILE(f, link);
    link_imports li = good_link_imports(f->store);

    expect_link_error(f, c, NULL, 0, WB_ERR_UNKNOWN_IMPORT, "env::mem");
    expect_link_error(f, c, li.e, 2, WB_ERR_UNKNOWN_IMPORT, "env::g");
    li.e[3].of.global = NULL; /* an unresolved entry */
    expect_link_error(f, c, li.e, 4, WB_ERR_UNKNOWN_IMPORT, "env::gm");
}

static void test_link_memory_limits(void **state)
{
    fixture *f = *state;
    wb_compiled *c = COMPILE(f, link);
    link_imports li = good_link_imports(f->store);
    wb_rt_memory *grown = wb_memory_new(f->store, 0, 2, true);
    wb_instance *inst;
    wb_diag d;

    li.e[0] = ext_memory(wb_memory_new(f->store, 0, 2, true)); /* min too small */
    expect_link_error(f, c, li.e, 4, WB_ERR_INCOMPATIBLE_IMPORT, "env::mem: memory limits");
    li.e[0] = ext_memory(wb_memory_new(f->store, 1, 3, true)); /* max too large */
    expect_link_error(f, c, li.e, 4, WB_ERR_INCOMPATIBLE_IMPORT, "env::mem: memory limits");
    li.e[0] = ext_memory(wb_memory_new(f->store, 1, 0, false)); /* no max */
    expect_link_error(f, c, li.e, 4, WB_ERR_INCOMPATIBLE_IMPORT, "env::mem: memory limits");
    /* The current size counts, not the initial one. */
    li.e[0] = ext_memory(grown);
    expect_link_error(f, c, li.e, 4, WB_ERR_INCOMPATIBLE_IMPORT, "env::mem: memory limits");
    assert_int_equal(wb_memory_grow(grown, 1), 0);
    assert_int_equal(instantiate(f, c, li.e, 4, &inst, &d), WB_OK);
    li.e[0] = ext_memory(wb_memory_new(f->store, 2, 2, true)); /* larger min, same max */
    assert_int_equal(instantiate(f, c, li.e, 4, &inst, &d), WB_OK);
}

static void test_link_table_limits(void **state)
{
    fixture *f = *state;
    wb_compiled *c = COMPILE(f, link);
    link_imports li = good_link_imports(f->store);
    wb_instance *inst;
    wb_diag d;

    li.e[1] = ext_table(wb_table_new(f->store, WB_EXTERNREF, 2, 10, true, NULL));
    expect_link_error(f, c, li.e, 4, WB_ERR_INCOMPATIBLE_IMPORT, "env::tab: element type");
    li.e[1] = ext_table(wb_table_new(f->store, WB_FUNCREF, 1, 10, true, NULL));
    expect_link_error(f, c, li.e, 4, WB_ERR_INCOMPATIBLE_IMPORT, "env::tab: table limits");
    li.e[1] = ext_table(wb_table_new(f->store, WB_FUNCREF, 2, 11, true, NULL));
    expect_link_error(f, c, li.e, 4, WB_ERR_INCOMPATIBLE_IMPORT, "env::tab: table limits");
    li.e[1] = ext_table(wb_table_new(f->store, WB_FUNCREF, 2, 0, false, NULL));
    expect_link_error(f, c, li.e, 4, WB_ERR_INCOMPATIBLE_IMPORT, "env::tab: table limits");
    li.e[1] = ext_table(wb_table_new(f->store, WB_FUNCREF, 5, 5, true, NULL));
    assert_int_equal(instantiate(f, c, li.e, 4, &inst, &d), WB_OK);
}

static void test_link_global_types(void **state)
{
    fixture *f = *state;
    wb_compiled *c = COMPILE(f, link);
    link_imports li = good_link_imports(f->store);
    wb_val i32 = { .type = WB_I32, .of.i32 = 1 }, i64 = { .type = WB_I64, .of.i64 = 1 };

    li.e[2] = ext_global(wb_global_new(f->store, &i32, true)); /* mutable */
    expect_link_error(f, c, li.e, 4, WB_ERR_INCOMPATIBLE_IMPORT, "env::g: global type");
    li.e[2] = ext_global(wb_global_new(f->store, &i64, false)); /* i64 */
    expect_link_error(f, c, li.e, 4, WB_ERR_INCOMPATIBLE_IMPORT, "env::g: global type");
    li = good_link_imports(f->store);
    li.e[3] = ext_global(wb_global_new(f->store, &i64, false)); /* immutable */
    expect_link_error(f, c, li.e, 4, WB_ERR_INCOMPATIBLE_IMPORT, "env::gm: global type");
    /* A memory where a global is expected: the kind. */
    li = good_link_imports(f->store);
    li.e[2] = li.e[0];
    expect_link_error(f, c, li.e, 4, WB_ERR_INCOMPATIBLE_IMPORT, "env::g: kind");
}

static wb_err nop_host(wb_caller *c, void *env, const wb_val *args, wb_val *results)
{
    (void)c; (void)env; (void)args;
    results[0].of.i64 = 0;
    return WB_OK;
}

static void test_link_function_types(void **state)
{
    fixture *f = *state;
    wb_compiled *c = COMPILE(f, funcimp);
    const uint8_t i32[] = { WB_I32 }, i64[] = { WB_I64 };
    wb_extern e = { .kind = WB_EXTERN_FUNC };
    wb_instance *inst;
    wb_diag d;
    wb_store *other;

    e.of.func = wb_func_new_host(f->store, i64, 1, i64, 1, nop_host, NULL, NULL);
    expect_link_error(f, c, &e, 1, WB_ERR_INCOMPATIBLE_IMPORT, "env::f: function type");
    e.of.func = wb_func_new_host(f->store, i32, 1, i32, 1, nop_host, NULL, NULL);
    expect_link_error(f, c, &e, 1, WB_ERR_INCOMPATIBLE_IMPORT, "env::f: function type");
    e.of.func = wb_func_new_host(f->store, i32, 1, i64, 1, nop_host, NULL, NULL);
    assert_int_equal(instantiate(f, c, &e, 1, &inst, &d), WB_OK);
    /* Objects of another store are a usage error. */
    other = wb_store_new(f->engine);
    e.of.func = wb_func_new_host(other, i32, 1, i64, 1, nop_host, NULL, NULL);
    assert_int_equal(instantiate(f, c, &e, 1, &inst, &d), WB_ERR_USAGE);
    wb_store_free(other);
    /* More imports than declared. */
    e.of.func = wb_func_new_host(f->store, i32, 1, i64, 1, nop_host, NULL, NULL);
    {
        wb_extern two[2] = { e, e };
        assert_int_equal(instantiate(f, c, two, 2, &inst, &d), WB_ERR_USAGE);
    }
}

/* A module from another engine cannot be instantiated in this store. */
static void test_instance_other_engine(void **state)
{
    fixture *f = *state;
    wb_engine *e2 = wb_engine_new(NULL);
    wb_compiled *c = NULL;
    wb_instance *inst;
    wb_diag d;
    assert_int_equal(wb_compile(e2, start_wasm, sizeof(start_wasm), &c, &d), WB_OK);
    assert_int_equal(instantiate(f, c, NULL, 0, &inst, &d), WB_ERR_USAGE);
    wb_compiled_free(c);
    wb_engine_free(e2);
}

static void test_data_segment_trap_keeps_earlier(void **state)
{
    fixture *f = *state;
    wb_compiled *c = COMPILE(f, segtrap);
    wb_rt_memory *m = wb_memory_new(f->store, 1, 0, false);
    wb_extern e = ext_memory(m);
    wb_instance *inst = NULL;
    wb_trap *t = NULL;
    wb_diag d;
    uint8_t *mem = wb_memory_data(m);

    assert_int_equal(wb_instance_new(f->store, c, &e, 1, &inst, &t, &d), WB_ERR_TRAP);
    assert_null(inst);
    assert_non_null(t);
    assert_int_equal(wb_trap_kind(t), WB_ERR_TRAP_MEMORY_OOB);
    assert_string_equal(wb_trap_message(t), "out of bounds memory access");
    wb_trap_free(t);
    assert_memory_equal(mem, "abc", 3); /* the first segment took effect */
    assert_int_equal(mem[65535], 0);    /* the failing one wrote nothing */
    assert_int_equal(mem[10], 0);       /* the later one never ran */
    /* With a second page all three apply. */
    assert_int_equal(wb_memory_grow(m, 1), 1);
    assert_int_equal(wb_instance_new(f->store, c, &e, 1, &inst, &t, &d), WB_OK);
    assert_memory_equal(mem + 65535, "de", 2);
    assert_memory_equal(mem + 10, "zz", 2);
}

static void test_own_memory_table_global(void **state)
{
    fixture *f = *state;
    wb_compiled *c = COMPILE(f, own);
    wb_instance *inst = NULL;
    wb_extern ex;
    wb_val v;
    wb_diag d;

    assert_int_equal(instantiate(f, c, NULL, 0, &inst, &d), WB_OK);
    assert_true(wb_instance_export(inst, "m", 1, &ex));
    assert_int_equal(ex.kind, WB_EXTERN_MEMORY);
    assert_int_equal(wb_memory_size(ex.of.memory), 2 * 65536);
    assert_memory_equal(wb_memory_data(ex.of.memory) + 131070, "ok", 2);
    assert_int_equal(wb_memory_grow(ex.of.memory, 3), 2);
    assert_int_equal(wb_memory_grow(ex.of.memory, 1), -1);
    /* The vmctx follows the memory it owns. */
    assert_int_equal(inst->vmctx->mem_size, 5 * 65536);
    assert_ptr_equal(inst->vmctx->mem_base, wb_memory_data(ex.of.memory));
    assert_true(wb_instance_export(inst, "t", 1, &ex));
    assert_int_equal(wb_table_size(ex.of.table), 3);
    assert_int_equal(wb_table_grow(ex.of.table, 4, NULL), 3);
    assert_int_equal(wb_table_grow(ex.of.table, 1, NULL), -1);
    assert_true(wb_instance_export(inst, "v", 1, &ex));
    wb_global_get(ex.of.global, &v);
    assert_int_equal(v.type, WB_V128);
    assert_memory_equal(v.of.v128, ((const uint32_t[]){ 1, 2, 3, 4 }), 16);
}

static void test_elem_segment_trap_keeps_earlier(void **state)
{
    fixture *f = *state;
    wb_compiled *c = COMPILE(f, elemtrap);
    wb_rt_table *tab = wb_table_new(f->store, WB_FUNCREF, 3, 0, false, NULL);
    wb_extern e = ext_table(tab);
    wb_instance *inst = NULL;
    wb_trap *t = NULL;
    wb_diag d;
    wb_val v, r;

    rt_signals_apply();
    assert_int_equal(wb_instance_new(f->store, c, &e, 1, &inst, &t, &d), WB_ERR_TRAP);
    assert_int_equal(wb_trap_kind(t), WB_ERR_TRAP_TABLE_OOB);
    assert_string_equal(wb_trap_message(t), "out of bounds table access");
    wb_trap_free(t);
    assert_true(wb_table_get(tab, 2, &v));
    assert_null(v.of.funcref);
    assert_true(wb_table_get(tab, 0, &v));
    assert_non_null(v.of.funcref);
    /* The failed instance's function stays callable through the table. */
    assert_int_equal(wb_func_call(f->store, v.of.funcref, NULL, 0, &r, 1, &t), WB_OK);
    assert_int_equal(r.of.i32, 42);
    assert_true(wb_table_get(tab, 1, &r));
    assert_ptr_equal(r.of.funcref, v.of.funcref);
}

static void test_start_function(void **state)
{
    fixture *f = *state;
    wb_compiled *c = COMPILE(f, start);
    wb_instance *inst = NULL;
    wb_extern ex;
    wb_diag d;

    rt_signals_apply();
    assert_int_equal(instantiate(f, c, NULL, 0, &inst, &d), WB_OK);
    assert_true(wb_instance_export(inst, "m", 1, &ex));
    assert_int_equal(wb_memory_data(ex.of.memory)[0], 7);
}

static void test_start_function_traps(void **state)
{
    fixture *f = *state;
    wb_compiled *c = COMPILE(f, starttrap);
    wb_rt_memory *m = wb_memory_new(f->store, 1, 0, false);
    wb_extern e = ext_memory(m);
    wb_instance *inst = NULL;
    wb_trap *t = NULL;
    wb_diag d;
    wb_frame fr;

    rt_signals_apply();
    assert_int_equal(wb_instance_new(f->store, c, &e, 1, &inst, &t, &d), WB_ERR_TRAP);
    assert_null(inst);
    assert_int_equal(wb_trap_kind(t), WB_ERR_TRAP_UNREACHABLE);
    assert_int_equal(wb_trap_frame_count(t), 1);
    wb_trap_frame(t, 0, &fr);
    assert_int_equal(fr.func_index, 0);
    wb_trap_free(t);
    assert_int_equal(wb_memory_data(m)[0], 'x'); /* data before start */
}

static void test_compile_errors(void **state)
{
    fixture *f = *state;
    static const uint8_t junk[] = { 0x00, 0x61, 0x73, 0x6e, 0x01, 0, 0, 0 };
    wb_compiled *c = (wb_compiled *)1;
    wb_diag d;

    assert_int_equal(wb_compile(f->engine, junk, sizeof(junk), &c, &d), WB_ERR_MAGIC);
    assert_null(c);
    /* Truncated: a malformed-module error, the same in d. */
    {
        wb_err err = wb_compile(f->engine, link_wasm, 20, &c, &d);
        assert_int_equal(err, d.err);
        assert_int_equal(wb_err_class_of(err), WB_CLASS_MALFORMED);
    }
    assert_int_equal(wb_compile(f->engine, invalid_wasm, sizeof(invalid_wasm), &c, &d),
                     WB_ERR_TYPE_MISMATCH);
    assert_int_equal(wb_err_class_of(d.err), WB_CLASS_INVALID);
    assert_null(c);
    /* The compiled module keeps its own copy of the bytes. */
    {
        uint8_t copy[sizeof(start_wasm)];
        wb_instance *inst;
        memcpy(copy, start_wasm, sizeof(copy));
        c = compile(f, copy, sizeof(copy));
        memset(copy, 0xff, sizeof(copy));
        rt_signals_apply();
        assert_int_equal(instantiate(f, c, NULL, 0, &inst, &d), WB_OK);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_link_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(test_link_unknown_import, setup, teardown),
        cmocka_unit_test_setup_teardown(test_link_memory_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_link_table_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_link_global_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_link_function_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_instance_other_engine, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_segment_trap_keeps_earlier, setup, teardown),
        cmocka_unit_test_setup_teardown(test_own_memory_table_global, setup, teardown),
        cmocka_unit_test_setup_teardown(test_elem_segment_trap_keeps_earlier, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_function, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_function_traps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compile_errors, setup, teardown),
    };
    rt_signals_capture();
    return cmocka_run_group_tests(tests, NULL, NULL);
}

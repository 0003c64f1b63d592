/* test_runtime_e2e.c — the runtime with JIT-compiled modules: tables,
 * memories and globals shared between instances, call_indirect across
 * modules and into host functions, the bulk memory and table builtins
 * with their traps and backtraces, externrefs through wasm, and unwinding
 * through wasm frames with the registered .eh_frame.
 *
 * (module $lib
 *   (import "host" "twice" (func $twice (param i32) (result i32)))
 *   (memory (export "mem") 1 4) (table (export "tab") 4 funcref)
 *   (global (export "counter") (mut i32) (i32.const 0))
 *   (func $inc (export "inc") (param i32) (result i32) local.get 0 i32.const 1 i32.add)
 *   (func $neg (param i64) (result i64) i64.const 0 local.get 0 i64.sub)
 *   (elem (i32.const 0) $inc $neg $twice)
 *   (func $bump (export "bump") global.get 0 i32.const 1 i32.add global.set 0))
 *
 * (module $user   ;; imports lib's tab, mem, counter and inc
 *   (func $ci (export "ci") (param i32 i32) (result i32)
 *     local.get 1 local.get 0 call_indirect (type $i_i))
 *   grow, size, peek (i32.load8_u), get_counter, set_counter,
 *   (data $d "0123456789") fill, copy, init (memory.init $d @0x179), drop,
 *   (elem $e func $inc) tgrow, tsize, tinit (table.init @0x19c), tdrop,
 *   tcopy, tfill_null, tget, tset,
 *   (func $outer (export "outer") (param i32 i32 i32) ... call $init @0x1d8))
 *
 * (module $refs
 *   (import "host" "see" (func $see (param externref) (result externref)))
 *   (table $t (export "t") 2 externref) (global $g (export "g") (mut externref) ...)
 *   id, via_host (calls $see), stash (global.set + table.set), from_table, is_null)
 *
 * (module $unwind (import "host" "probe" (func $probe (result i32)))
 *   (func $inner (result i32) call $probe)
 *   (func (export "outer") (result i32) call $inner i32.const 1 i32.add)) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unwind.h>
#include <cmocka.h>

#include "runtime_test.h"

static const uint8_t lib_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0e, 0x03, 0x60,
  0x01, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7e, 0x01, 0x7e, 0x60, 0x00, 0x00,
  0x02, 0x0e, 0x01, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x05, 0x74, 0x77, 0x69,
  0x63, 0x65, 0x00, 0x00, 0x03, 0x04, 0x03, 0x00, 0x01, 0x02, 0x04, 0x04,
  0x01, 0x70, 0x00, 0x04, 0x05, 0x04, 0x01, 0x01, 0x01, 0x04, 0x06, 0x06,
  0x01, 0x7f, 0x01, 0x41, 0x00, 0x0b, 0x07, 0x24, 0x05, 0x03, 0x6d, 0x65,
  0x6d, 0x02, 0x00, 0x03, 0x74, 0x61, 0x62, 0x01, 0x00, 0x07, 0x63, 0x6f,
  0x75, 0x6e, 0x74, 0x65, 0x72, 0x03, 0x00, 0x03, 0x69, 0x6e, 0x63, 0x00,
  0x01, 0x04, 0x62, 0x75, 0x6d, 0x70, 0x00, 0x03, 0x09, 0x09, 0x01, 0x00,
  0x41, 0x00, 0x0b, 0x03, 0x01, 0x02, 0x00, 0x0a, 0x1b, 0x03, 0x07, 0x00,
  0x20, 0x00, 0x41, 0x01, 0x6a, 0x0b, 0x07, 0x00, 0x42, 0x00, 0x20, 0x00,
  0x7d, 0x0b, 0x09, 0x00, 0x23, 0x00, 0x41, 0x01, 0x6a, 0x24, 0x00, 0x0b,
  0x00, 0x30, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x00, 0x04, 0x03, 0x6c, 0x69,
  0x62, 0x01, 0x18, 0x04, 0x00, 0x05, 0x74, 0x77, 0x69, 0x63, 0x65, 0x01,
  0x03, 0x69, 0x6e, 0x63, 0x02, 0x03, 0x6e, 0x65, 0x67, 0x03, 0x04, 0x62,
  0x75, 0x6d, 0x70, 0x02, 0x09, 0x04, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00,
  0x03, 0x00
};
static const uint8_t user_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x2c, 0x09, 0x60,
  0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x00,
  0x01, 0x7f, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00,
  0x60, 0x00, 0x00, 0x60, 0x02, 0x7f, 0x7f, 0x00, 0x60, 0x01, 0x7f, 0x01,
  0x70, 0x60, 0x02, 0x7f, 0x70, 0x00, 0x02, 0x31, 0x04, 0x03, 0x6c, 0x69,
  0x62, 0x03, 0x74, 0x61, 0x62, 0x01, 0x70, 0x00, 0x04, 0x03, 0x6c, 0x69,
  0x62, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x01, 0x03, 0x6c, 0x69, 0x62,
  0x07, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x65, 0x72, 0x03, 0x7f, 0x01, 0x03,
  0x6c, 0x69, 0x62, 0x03, 0x69, 0x6e, 0x63, 0x00, 0x00, 0x03, 0x14, 0x13,
  0x01, 0x00, 0x02, 0x00, 0x02, 0x03, 0x04, 0x04, 0x04, 0x05, 0x00, 0x02,
  0x04, 0x05, 0x04, 0x06, 0x07, 0x08, 0x04, 0x07, 0x9e, 0x01, 0x13, 0x02,
  0x63, 0x69, 0x00, 0x01, 0x04, 0x67, 0x72, 0x6f, 0x77, 0x00, 0x02, 0x04,
  0x73, 0x69, 0x7a, 0x65, 0x00, 0x03, 0x04, 0x70, 0x65, 0x65, 0x6b, 0x00,
  0x04, 0x0b, 0x67, 0x65, 0x74, 0x5f, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x65,
  0x72, 0x00, 0x05, 0x0b, 0x73, 0x65, 0x74, 0x5f, 0x63, 0x6f, 0x75, 0x6e,
  0x74, 0x65, 0x72, 0x00, 0x06, 0x04, 0x66, 0x69, 0x6c, 0x6c, 0x00, 0x07,
  0x04, 0x63, 0x6f, 0x70, 0x79, 0x00, 0x08, 0x04, 0x69, 0x6e, 0x69, 0x74,
  0x00, 0x09, 0x04, 0x64, 0x72, 0x6f, 0x70, 0x00, 0x0a, 0x05, 0x74, 0x67,
  0x72, 0x6f, 0x77, 0x00, 0x0b, 0x05, 0x74, 0x73, 0x69, 0x7a, 0x65, 0x00,
  0x0c, 0x05, 0x74, 0x69, 0x6e, 0x69, 0x74, 0x00, 0x0d, 0x05, 0x74, 0x64,
  0x72, 0x6f, 0x70, 0x00, 0x0e, 0x05, 0x74, 0x63, 0x6f, 0x70, 0x79, 0x00,
  0x0f, 0x0a, 0x74, 0x66, 0x69, 0x6c, 0x6c, 0x5f, 0x6e, 0x75, 0x6c, 0x6c,
  0x00, 0x10, 0x04, 0x74, 0x67, 0x65, 0x74, 0x00, 0x11, 0x04, 0x74, 0x73,
  0x65, 0x74, 0x00, 0x12, 0x05, 0x6f, 0x75, 0x74, 0x65, 0x72, 0x00, 0x13,
  0x09, 0x05, 0x01, 0x01, 0x00, 0x01, 0x00, 0x0c, 0x01, 0x01, 0x0a, 0xae,
  0x01, 0x13, 0x09, 0x00, 0x20, 0x01, 0x20, 0x00, 0x11, 0x00, 0x00, 0x0b,
  0x06, 0x00, 0x20, 0x00, 0x40, 0x00, 0x0b, 0x04, 0x00, 0x3f, 0x00, 0x0b,
  0x07, 0x00, 0x20, 0x00, 0x2d, 0x00, 0x00, 0x0b, 0x04, 0x00, 0x23, 0x00,
  0x0b, 0x06, 0x00, 0x20, 0x00, 0x24, 0x00, 0x0b, 0x0b, 0x00, 0x20, 0x00,
  0x20, 0x01, 0x20, 0x02, 0xfc, 0x0b, 0x00, 0x0b, 0x0c, 0x00, 0x20, 0x00,
  0x20, 0x01, 0x20, 0x02, 0xfc, 0x0a, 0x00, 0x00, 0x0b, 0x0c, 0x00, 0x20,
  0x00, 0x20, 0x01, 0x20, 0x02, 0xfc, 0x08, 0x00, 0x00, 0x0b, 0x05, 0x00,
  0xfc, 0x09, 0x00, 0x0b, 0x09, 0x00, 0xd0, 0x70, 0x20, 0x00, 0xfc, 0x0f,
  0x00, 0x0b, 0x05, 0x00, 0xfc, 0x10, 0x00, 0x0b, 0x0c, 0x00, 0x20, 0x00,
  0x20, 0x01, 0x20, 0x02, 0xfc, 0x0c, 0x00, 0x00, 0x0b, 0x05, 0x00, 0xfc,
  0x0d, 0x00, 0x0b, 0x0c, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfc,
  0x0e, 0x00, 0x00, 0x0b, 0x0b, 0x00, 0x20, 0x00, 0xd0, 0x70, 0x20, 0x01,
  0xfc, 0x11, 0x00, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x25, 0x00, 0x0b, 0x08,
  0x00, 0x20, 0x00, 0x20, 0x01, 0x26, 0x00, 0x0b, 0x0a, 0x00, 0x20, 0x00,
  0x20, 0x01, 0x20, 0x02, 0x10, 0x09, 0x0b, 0x0b, 0x0d, 0x01, 0x01, 0x0a,
  0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x00, 0xd9,
  0x01, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x00, 0x05, 0x04, 0x75, 0x73, 0x65,
  0x72, 0x01, 0x8b, 0x01, 0x14, 0x00, 0x03, 0x69, 0x6e, 0x63, 0x01, 0x02,
  0x63, 0x69, 0x02, 0x04, 0x67, 0x72, 0x6f, 0x77, 0x03, 0x04, 0x73, 0x69,
  0x7a, 0x65, 0x04, 0x04, 0x70, 0x65, 0x65, 0x6b, 0x05, 0x0b, 0x67, 0x65,
  0x74, 0x5f, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x65, 0x72, 0x06, 0x0b, 0x73,
  0x65, 0x74, 0x5f, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x65, 0x72, 0x07, 0x04,
  0x66, 0x69, 0x6c, 0x6c, 0x08, 0x04, 0x63, 0x6f, 0x70, 0x79, 0x09, 0x04,
  0x69, 0x6e, 0x69, 0x74, 0x0a, 0x04, 0x64, 0x72, 0x6f, 0x70, 0x0b, 0x05,
  0x74, 0x67, 0x72, 0x6f, 0x77, 0x0c, 0x05, 0x74, 0x73, 0x69, 0x7a, 0x65,
  0x0d, 0x05, 0x74, 0x69, 0x6e, 0x69, 0x74, 0x0e, 0x05, 0x74, 0x64, 0x72,
  0x6f, 0x70, 0x0f, 0x05, 0x74, 0x63, 0x6f, 0x70, 0x79, 0x10, 0x05, 0x74,
  0x66, 0x69, 0x6c, 0x6c, 0x11, 0x04, 0x74, 0x67, 0x65, 0x74, 0x12, 0x04,
  0x74, 0x73, 0x65, 0x74, 0x13, 0x05, 0x6f, 0x75, 0x74, 0x65, 0x72, 0x02,
  0x29, 0x14, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x04, 0x00,
  0x05, 0x00, 0x06, 0x00, 0x07, 0x00, 0x08, 0x00, 0x09, 0x00, 0x0a, 0x00,
  0x0b, 0x00, 0x0c, 0x00, 0x0d, 0x00, 0x0e, 0x00, 0x0f, 0x00, 0x10, 0x00,
  0x11, 0x00, 0x12, 0x00, 0x13, 0x00, 0x04, 0x06, 0x01, 0x00, 0x03, 0x69,
  0x5f, 0x69, 0x08, 0x04, 0x01, 0x00, 0x01, 0x65, 0x09, 0x04, 0x01, 0x00,
  0x01, 0x64
};
static const uint8_t refs_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x13, 0x04, 0x60,
  0x01, 0x6f, 0x01, 0x6f, 0x60, 0x01, 0x6f, 0x00, 0x60, 0x00, 0x01, 0x6f,
  0x60, 0x01, 0x6f, 0x01, 0x7f, 0x02, 0x0c, 0x01, 0x04, 0x68, 0x6f, 0x73,
  0x74, 0x03, 0x73, 0x65, 0x65, 0x00, 0x00, 0x03, 0x06, 0x05, 0x00, 0x00,
  0x01, 0x02, 0x03, 0x04, 0x04, 0x01, 0x6f, 0x00, 0x02, 0x06, 0x06, 0x01,
  0x6f, 0x01, 0xd0, 0x6f, 0x0b, 0x07, 0x38, 0x07, 0x01, 0x74, 0x01, 0x00,
  0x01, 0x67, 0x03, 0x00, 0x02, 0x69, 0x64, 0x00, 0x01, 0x08, 0x76, 0x69,
  0x61, 0x5f, 0x68, 0x6f, 0x73, 0x74, 0x00, 0x02, 0x05, 0x73, 0x74, 0x61,
  0x73, 0x68, 0x00, 0x03, 0x0a, 0x66, 0x72, 0x6f, 0x6d, 0x5f, 0x74, 0x61,
  0x62, 0x6c, 0x65, 0x00, 0x04, 0x07, 0x69, 0x73, 0x5f, 0x6e, 0x75, 0x6c,
  0x6c, 0x00, 0x05, 0x0a, 0x27, 0x05, 0x04, 0x00, 0x20, 0x00, 0x0b, 0x06,
  0x00, 0x20, 0x00, 0x10, 0x00, 0x0b, 0x0c, 0x00, 0x20, 0x00, 0x24, 0x00,
  0x41, 0x01, 0x20, 0x00, 0x26, 0x00, 0x0b, 0x06, 0x00, 0x41, 0x01, 0x25,
  0x00, 0x0b, 0x05, 0x00, 0x20, 0x00, 0xd1, 0x0b, 0x00, 0x2f, 0x04, 0x6e,
  0x61, 0x6d, 0x65, 0x00, 0x05, 0x04, 0x72, 0x65, 0x66, 0x73, 0x01, 0x06,
  0x01, 0x00, 0x03, 0x73, 0x65, 0x65, 0x02, 0x0d, 0x06, 0x00, 0x00, 0x01,
  0x00, 0x02, 0x00, 0x03, 0x00, 0x04, 0x00, 0x05, 0x00, 0x05, 0x04, 0x01,
  0x00, 0x01, 0x74, 0x07, 0x04, 0x01, 0x00, 0x01, 0x67
};
static const uint8_t unwind_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60,
  0x00, 0x01, 0x7f, 0x02, 0x0e, 0x01, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x05,
  0x70, 0x72, 0x6f, 0x62, 0x65, 0x00, 0x00, 0x03, 0x03, 0x02, 0x00, 0x00,
  0x07, 0x09, 0x01, 0x05, 0x6f, 0x75, 0x74, 0x65, 0x72, 0x00, 0x02, 0x0a,
  0x0e, 0x02, 0x04, 0x00, 0x10, 0x00, 0x0b, 0x07, 0x00, 0x10, 0x01, 0x41,
  0x01, 0x6a, 0x0b, 0x00, 0x28, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x00, 0x07,
  0x06, 0x75, 0x6e, 0x77, 0x69, 0x6e, 0x64, 0x01, 0x0f, 0x02, 0x00, 0x05,
  0x70, 0x72, 0x6f, 0x62, 0x65, 0x01, 0x05, 0x69, 0x6e, 0x6e, 0x65, 0x72,
  0x02, 0x07, 0x03, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00
};

typedef struct fixture {
    wb_engine *engine;
    wb_store *store;
    wb_compiled *compiled[4];
    int ncompiled;
    wb_instance *lib, *user;
    wb_rt_func *twice;
} fixture;

static wb_compiled *compile(fixture *f, const uint8_t *bytes, size_t size)
{
    wb_compiled *c = NULL;
    wb_diag d;
    char buf[256];
    if (wb_compile(f->engine, bytes, size, &c, &d) != WB_OK)
        fail_msg("compile: %s", wb_diag_format(&d, buf, sizeof(buf)));
    f->compiled[f->ncompiled++] = c;
    return c;
}

static wb_instance *instantiate(fixture *f, wb_compiled *c, const wb_extern *imp, size_t n)
{
    wb_instance *inst = NULL;
    wb_trap *t = NULL;
    wb_diag d;
    char buf[256];
    if (wb_instance_new(f->store, c, imp, n, &inst, &t, &d) != WB_OK)
        fail_msg("instantiate: %s", wb_diag_format(&d, buf, sizeof(buf)));
    return inst;
}

static wb_extern export(wb_instance *inst, const char *name)
{
    wb_extern ex;
    memset(&ex, 0, sizeof(ex));
    assert_true(wb_instance_export(inst, name, strlen(name), &ex));
    return ex;
}

static wb_err twice(wb_caller *c, void *env, const wb_val *args, wb_val *results)
{
    (void)c; (void)env;
    results[0].of.i32 = args[0].of.i32 * 2;
    return WB_OK;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    const uint8_t i32[] = { WB_I32 };
    wb_extern imp[4];

    f->engine = wb_engine_new(NULL);
    f->store = wb_store_new(f->engine);
    *state = f;
    rt_signals_apply();
    f->twice = wb_func_new_host(f->store, i32, 1, i32, 1, twice, NULL, NULL);
    imp[0] = (wb_extern){ .kind = WB_EXTERN_FUNC, .of.func = f->twice };
    f->lib = instantiate(f, compile(f, lib_wasm, sizeof(lib_wasm)), imp, 1);
    imp[0] = export(f->lib, "tab");
    imp[1] = export(f->lib, "mem");
    imp[2] = export(f->lib, "counter");
    imp[3] = export(f->lib, "inc");
    f->user = instantiate(f, compile(f, user_wasm, sizeof(user_wasm)), imp, 4);
    return 0;
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

/* Calls inst.name with i32 arguments; returns the error, *r the first
 * i32 result, *t the trap (caller frees). */
static wb_err call_i32(fixture *f, wb_instance *inst, const char *name, int n, const int32_t *a,
                       int32_t *r, wb_trap **t)
{
    wb_rt_func *fn = export(inst, name).of.func;
    wb_val args[4], res[1];
    uint32_t nres;
    wb_err err;
    wb_rt_func_type(fn, NULL, NULL, NULL, &nres);
    for (int i = 0; i < n; i++)
        args[i] = (wb_val){ .type = WB_I32, .of.i32 = a[i] };
    err = wb_func_call(f->store, fn, args, (size_t)n, res, nres, t);
    if (err == WB_OK && nres && r)
        *r = res[0].of.i32;
    return err;
}

#define A(...) ((const int32_t[]){ __VA_ARGS__ })
#define NA(...) (int)(sizeof((const int32_t[]){ __VA_ARGS__ }) / sizeof(int32_t))
/* user.name(i32 args...) without a trap object; *r the first result. */
#define CALL(f, name, r, ...) \
    call_i32((f), (f)->user, (name), NA(__VA_ARGS__), A(__VA_ARGS__), (r), NULL)

/* Expects a trap of `kind` from user.name(args); frame 0's function and
 * offset are checked unless UINT32_MAX. */
static void expect_trap(fixture *f, const char *name, int n, const int32_t *a, wb_err kind,
                        uint32_t func, uint32_t offset)
{
    wb_trap *t = NULL;
    wb_frame fr;
    assert_int_equal(call_i32(f, f->user, name, n, a, NULL, &t), WB_ERR_TRAP);
    assert_non_null(t);
    assert_int_equal(wb_trap_kind(t), kind);
    assert_string_equal(wb_trap_message(t), wb_err_message(kind));
    if (func != UINT32_MAX) {
        assert_true(wb_trap_frame_count(t) >= 1);
        wb_trap_frame(t, 0, &fr);
        assert_int_equal(fr.func_index, func);
        if (offset != UINT32_MAX)
            assert_int_equal(fr.module_offset, offset);
        assert_string_equal(fr.module_name, "user");
    }
    wb_trap_free(t);
}

static void test_call_indirect_across_modules(void **state)
{
    fixture *f = *state;
    int32_t r = 0;

    rt_signals_apply();
    assert_int_equal(CALL(f, "ci", &r, 0, 5), WB_OK); /* lib's $inc */
    assert_int_equal(r, 6);
    assert_int_equal(CALL(f, "ci", &r, 2, 5), WB_OK); /* the host function */
    assert_int_equal(r, 10);
    expect_trap(f, "ci", 2, A(1, 5), WB_ERR_TRAP_INDIRECT_CALL_TYPE, 1, 0x134);
}

static void test_call_indirect_traps(void **state)
{
    fixture *f = *state;
    wb_trap *t = NULL;
    char buf[256];

    rt_signals_apply();
    assert_int_equal(call_i32(f, f->user, "ci", 2, A(1, 5), NULL, &t), WB_ERR_TRAP);
    assert_string_equal(wb_trap_message(t), "indirect call type mismatch");
    assert_non_null(strstr(wb_trap_format(t, buf, sizeof(buf)), " - user!ci\n"));
    wb_trap_free(t);
    assert_int_equal(call_i32(f, f->user, "ci", 2, A(3, 5), NULL, &t), WB_ERR_TRAP);
    assert_int_equal(wb_trap_kind(t), WB_ERR_TRAP_UNINITIALIZED_ELEMENT);
    wb_trap_free(t);
    assert_int_equal(call_i32(f, f->user, "ci", 2, A(4, 5), NULL, &t), WB_ERR_TRAP);
    assert_int_equal(wb_trap_kind(t), WB_ERR_TRAP_UNDEFINED_ELEMENT);
    wb_trap_free(t);
    assert_int_equal(call_i32(f, f->user, "ci", 2, A(-1, 5), NULL, &t), WB_ERR_TRAP);
    assert_int_equal(wb_trap_kind(t), WB_ERR_TRAP_UNDEFINED_ELEMENT);
    wb_trap_free(t);
}

static void test_shared_memory(void **state)
{
    fixture *f = *state;
    wb_rt_memory *m = export(f->lib, "mem").of.memory;
    int32_t r = 0;

    rt_signals_apply();
    assert_int_equal(CALL(f, "size", &r, ), WB_OK);
    assert_int_equal(r, 1);
    assert_int_equal(CALL(f, "grow", &r, 1), WB_OK);
    assert_int_equal(r, 1);
    assert_int_equal(wb_memory_size(m), 2 * 65536); /* seen by the host */
    assert_int_equal(f->lib->vmctx->mem_size, 2 * 65536); /* and by the owner */
    assert_int_equal(CALL(f, "size", &r, ), WB_OK);
    assert_int_equal(r, 2);
    wb_memory_data(m)[70000] = 9;
    assert_int_equal(CALL(f, "peek", &r, 70000), WB_OK);
    assert_int_equal(r, 9);
    assert_int_equal(wb_memory_grow(m, 2), 2); /* the host grows it */
    assert_int_equal(CALL(f, "size", &r, ), WB_OK);
    assert_int_equal(r, 4);
    assert_int_equal(CALL(f, "grow", &r, 1), WB_OK);
    assert_int_equal(r, -1); /* max 4 */
    assert_int_equal(CALL(f, "peek", &r, 4 * 65536 - 1), WB_OK);
    expect_trap(f, "peek", 1, A(4 * 65536), WB_ERR_TRAP_MEMORY_OOB, UINT32_MAX, 0);
}

static void test_shared_global(void **state)
{
    fixture *f = *state;
    wb_rt_global *g = export(f->lib, "counter").of.global;
    wb_val v;
    int32_t r = 0;

    rt_signals_apply();
    assert_int_equal(call_i32(f, f->lib, "bump", 0, NULL, NULL, NULL), WB_OK);
    assert_int_equal(CALL(f, "get_counter", &r, ), WB_OK);
    assert_int_equal(r, 1);
    assert_int_equal(CALL(f, "set_counter", NULL, 41), WB_OK);
    wb_global_get(g, &v);
    assert_int_equal(v.of.i32, 41);
    v.of.i32 = -3;
    assert_int_equal(wb_global_set(g, &v), WB_OK);
    assert_int_equal(CALL(f, "get_counter", &r, ), WB_OK);
    assert_int_equal(r, -3);
}

static void test_bulk_memory(void **state)
{
    fixture *f = *state;
    uint8_t *mem = wb_memory_data(export(f->lib, "mem").of.memory);

    rt_signals_apply();
    assert_int_equal(CALL(f, "init", NULL, 0, 2, 5), WB_OK);
    assert_memory_equal(mem, "23456", 5);
    assert_int_equal(CALL(f, "init", NULL, 65536 - 10, 0, 10), WB_OK);
    assert_memory_equal(mem + 65536 - 10, "0123456789", 10);
    /* Out of the segment, out of memory: trap, nothing written. */
    expect_trap(f, "init", 3, A(100, 6, 5), WB_ERR_TRAP_MEMORY_OOB, 9, 0x179);
    expect_trap(f, "init", 3, A(65536 - 4, 0, 5), WB_ERR_TRAP_MEMORY_OOB, 9, 0x179);
    assert_int_equal(mem[100], 0);
    assert_int_equal(mem[65535 - 3], '6');
    assert_int_equal(CALL(f, "init", NULL, 65536, 10, 0), WB_OK); /* empty at the ends */
    /* After data.drop the segment is empty. */
    assert_int_equal(CALL(f, "drop", NULL, ), WB_OK);
    assert_int_equal(CALL(f, "init", NULL, 0, 0, 0), WB_OK);
    expect_trap(f, "init", 3, A(0, 0, 1), WB_ERR_TRAP_MEMORY_OOB, 9, 0x179);
    /* fill and copy (overlapping both ways) */
    assert_int_equal(CALL(f, "fill", NULL, 200, 0x141, 4), WB_OK);
    assert_memory_equal(mem + 200, "AAAA", 4);
    assert_int_equal(mem[204], 0);
    expect_trap(f, "fill", 3, A(65530, 0, 7), WB_ERR_TRAP_MEMORY_OOB, 7, UINT32_MAX);
    assert_int_equal(mem[65530], '4'); /* untouched by the failed fill */
    assert_int_equal(CALL(f, "copy", NULL, 1, 0, 5), WB_OK);
    assert_memory_equal(mem, "223456", 6);
    assert_int_equal(CALL(f, "copy", NULL, 0, 1, 5), WB_OK);
    assert_memory_equal(mem, "234566", 6);
    expect_trap(f, "copy", 3, A(0, 65535, 2), WB_ERR_TRAP_MEMORY_OOB, 8, UINT32_MAX);
    expect_trap(f, "copy", 3, A(65535, 0, 2), WB_ERR_TRAP_MEMORY_OOB, 8, UINT32_MAX);
}

/* A trap raised by a builtin has the frames of the wasm callers. */
static void test_builtin_trap_backtrace(void **state)
{
    fixture *f = *state;
    wb_trap *t = NULL;
    wb_frame fr;
    char buf[256];

    rt_signals_apply();
    assert_int_equal(call_i32(f, f->user, "outer", 3, A(0, 11, 0), NULL, &t), WB_ERR_TRAP);
    assert_int_equal(wb_trap_frame_count(t), 2);
    wb_trap_frame(t, 0, &fr);
    assert_int_equal(fr.func_index, 9);
    assert_int_equal(fr.module_offset, 0x179);
    wb_trap_frame(t, 1, &fr);
    assert_int_equal(fr.func_index, 19);
    assert_int_equal(fr.module_offset, 0x1d8);
    assert_string_equal(wb_trap_format(t, buf, sizeof(buf)),
                        "wasm trap: out of bounds memory access\n"
                        "  0: 0x179 - user!init\n"
                        "  1: 0x1d8 - user!outer\n");
    wb_trap_free(t);
}

static void test_table_ops(void **state)
{
    fixture *f = *state;
    wb_rt_table *tab = export(f->lib, "tab").of.table;
    wb_rt_func *inc = export(f->lib, "inc").of.func;
    wb_val v, args[2], res;
    int32_t r = 0;

    rt_signals_apply();
    assert_int_equal(CALL(f, "tsize", &r, ), WB_OK);
    assert_int_equal(r, 4);
    assert_int_equal(CALL(f, "tgrow", &r, 2), WB_OK);
    assert_int_equal(r, 4);
    assert_int_equal(wb_table_size(tab), 6);
    assert_int_equal(CALL(f, "tinit", NULL, 4, 0, 1), WB_OK);
    assert_int_equal(CALL(f, "ci", &r, 4, 1), WB_OK);
    assert_int_equal(r, 2);
    /* The element is lib's $inc, the same object lib exports. */
    assert_true(wb_table_get(tab, 4, &v));
    assert_ptr_equal(v.of.funcref, inc);
    expect_trap(f, "tinit", 3, A(6, 0, 1), WB_ERR_TRAP_TABLE_OOB, 13, 0x19c);
    expect_trap(f, "tinit", 3, A(0, 1, 1), WB_ERR_TRAP_TABLE_OOB, 13, 0x19c);
    assert_int_equal(CALL(f, "tdrop", NULL, ), WB_OK);
    expect_trap(f, "tinit", 3, A(0, 0, 1), WB_ERR_TRAP_TABLE_OOB, 13, 0x19c);
    assert_int_equal(CALL(f, "tinit", NULL, 0, 0, 0), WB_OK);
    /* copy, fill, get, set */
    assert_int_equal(CALL(f, "tcopy", NULL, 3, 2, 2), WB_OK); /* [3]=twice [4]=null */
    assert_int_equal(CALL(f, "ci", &r, 3, 21), WB_OK);
    assert_int_equal(r, 42);
    expect_trap(f, "ci", 2, A(4, 1), WB_ERR_TRAP_UNINITIALIZED_ELEMENT, UINT32_MAX, 0);
    expect_trap(f, "tcopy", 3, A(5, 0, 2), WB_ERR_TRAP_TABLE_OOB, UINT32_MAX, 0);
    assert_int_equal(CALL(f, "tfill_null", NULL, 0, 2), WB_OK);
    expect_trap(f, "ci", 2, A(0, 1), WB_ERR_TRAP_UNINITIALIZED_ELEMENT, UINT32_MAX, 0);
    expect_trap(f, "tfill_null", 2, A(5, 2), WB_ERR_TRAP_TABLE_OOB, UINT32_MAX, 0);
    args[0] = (wb_val){ .type = WB_I32, .of.i32 = 3 };
    assert_int_equal(wb_func_call(f->store, export(f->user, "tget").of.func, args, 1, &res, 1,
                                  NULL),
                     WB_OK);
    assert_int_equal(res.type, WB_FUNCREF);
    assert_ptr_equal(res.of.funcref, f->twice);
    args[0].of.i32 = 5;
    args[1] = (wb_val){ .type = WB_FUNCREF, .of.funcref = inc };
    assert_int_equal(wb_func_call(f->store, export(f->user, "tset").of.func, args, 2, NULL, 0,
                                  NULL),
                     WB_OK);
    assert_int_equal(CALL(f, "ci", &r, 5, 9), WB_OK);
    assert_int_equal(r, 10);
    expect_trap(f, "tget", 1, A(6), WB_ERR_TRAP_TABLE_OOB, UINT32_MAX, 0);
    assert_int_equal(CALL(f, "tgrow", &r, 10000000), WB_OK);
    assert_int_equal(r, -1);
}

/* -- externref -- */

static int see_calls;
static wb_err see(wb_caller *c, void *env, const wb_val *args, wb_val *results)
{
    (void)env;
    see_calls++;
    if (wb_externref_data(wb_caller_store(c), args[0].of.externref) != &see_calls)
        return wb_caller_trap(c, "wrong externref");
    results[0] = args[0];
    return WB_OK;
}

static int ref_freed;
static void ref_dtor(void *p)
{
    (void)p;
    ref_freed++;
}

static void test_externref_through_wasm(void **state)
{
    fixture *f = *state;
    const uint8_t er[] = { WB_EXTERNREF };
    wb_extern imp = { .kind = WB_EXTERN_FUNC };
    wb_instance *refs;
    wb_externref r;
    wb_val a, res, v;

    rt_signals_apply();
    imp.of.func = wb_func_new_host(f->store, er, 1, er, 1, see, NULL, NULL);
    refs = instantiate(f, compile(f, refs_wasm, sizeof(refs_wasm)), &imp, 1);
    ref_freed = 0;
    r = wb_externref_new(f->store, &see_calls, ref_dtor);
    a = (wb_val){ .type = WB_EXTERNREF, .of.externref = r };
    assert_int_equal(wb_func_call(f->store, export(refs, "id").of.func, &a, 1, &res, 1, NULL),
                     WB_OK);
    assert_int_equal(res.type, WB_EXTERNREF);
    assert_int_equal(res.of.externref, r);
    assert_int_equal(wb_func_call(f->store, export(refs, "via_host").of.func, &a, 1, &res, 1,
                                  NULL),
                     WB_OK);
    assert_int_equal(see_calls, 1);
    assert_int_equal(res.of.externref, r);
    assert_int_equal(wb_func_call(f->store, export(refs, "stash").of.func, &a, 1, NULL, 0, NULL),
                     WB_OK);
    wb_global_get(export(refs, "g").of.global, &v);
    assert_int_equal(v.of.externref, r);
    assert_true(wb_table_get(export(refs, "t").of.table, 1, &v));
    assert_int_equal(v.of.externref, r);
    /* The host drops its reference: wasm still holds it. */
    wb_externref_release(f->store, r);
    assert_int_equal(ref_freed, 0);
    assert_int_equal(wb_func_call(f->store, export(refs, "from_table").of.func, NULL, 0, &res,
                                  1, NULL),
                     WB_OK);
    assert_ptr_equal(wb_externref_data(f->store, res.of.externref), &see_calls);
    a.of.externref = 0;
    assert_int_equal(wb_func_call(f->store, export(refs, "is_null").of.func, &a, 1, &res, 1,
                                  NULL),
                     WB_OK);
    assert_int_equal(res.of.i32, 1);
}

/* -- Unwinding through wasm frames -- */

typedef struct probe_state {
    uintptr_t code_lo, code_hi;
    int frames, wasm_frames, after_wasm;
} probe_state;

static _Unwind_Reason_Code probe_frame(struct _Unwind_Context *ctx, void *arg)
{
    probe_state *ps = arg;
    uintptr_t pc = _Unwind_GetIP(ctx);
    ps->frames++;
    if (pc >= ps->code_lo && pc < ps->code_hi)
        ps->wasm_frames++;
    else if (ps->wasm_frames)
        ps->after_wasm++;
    return ps->frames < 100 ? _URC_NO_REASON : _URC_END_OF_STACK;
}

static wb_err probe(wb_caller *c, void *env, const wb_val *args, wb_val *results)
{
    (void)c; (void)args;
    _Unwind_Backtrace(probe_frame, env);
    results[0].of.i32 = 1;
    return WB_OK;
}

static void test_unwind_through_wasm(void **state)
{
    fixture *f = *state;
    const uint8_t i32[] = { WB_I32 };
    probe_state ps = { 0 };
    wb_extern imp = { .kind = WB_EXTERN_FUNC };
    wb_compiled *c;
    wb_instance *inst;
    wb_val r;

    rt_signals_apply();
    imp.of.func = wb_func_new_host(f->store, NULL, 0, i32, 1, probe, &ps, NULL);
    c = compile(f, unwind_wasm, sizeof(unwind_wasm));
    assert_true(c->eh_registered);
    ps.code_lo = (uintptr_t)c->code;
    ps.code_hi = (uintptr_t)c->code + c->artifact->code_size;
    inst = instantiate(f, c, &imp, 1);
    assert_int_equal(wb_func_call(f->store, export(inst, "outer").of.func, NULL, 0, &r, 1, NULL),
                     WB_OK);
    assert_int_equal(r.of.i32, 2);
    /* Both wasm frames, then on through the entry trampoline to this
     * test, cmocka and main. */
    assert_int_equal(ps.wasm_frames, 2);
    assert_true(ps.after_wasm >= 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_call_indirect_across_modules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_indirect_traps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_global, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bulk_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_builtin_trap_backtrace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_ops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_externref_through_wasm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwind_through_wasm, setup, teardown),
    };
    rt_signals_capture();
    return cmocka_run_group_tests(tests, NULL, NULL);
}

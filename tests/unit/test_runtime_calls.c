/* test_runtime_calls.c — the host<->wasm machinery with hand-assembled
 * artifacts (so compiler bugs cannot hide runtime bugs): the entry
 * trampoline and the calling convention, traps by signal (ud2, guard-page
 * read, division, stack exhaustion) with backtraces, the host adapter,
 * host traps and exits, host -> wasm -> host -> wasm recursion, real
 * crashes staying crashes, and traps on several threads.
 *
 * The module (wat2wasm --debug-names of the text below; byte offsets are
 * the instructions' offsets in it):
 *
 *   (module $calls
 *     (type $ii_i (func (param i64 i64) (result i64)))
 *     (type $v (func))
 *     (type $i_i (func (param i64) (result i64)))
 *     (type $uu_u (func (param i32 i32) (result i32)))
 *     (import "env" "host" (func $host (type $i_i)))                      ;; 0
 *     (memory 1)
 *     (func $add (export "add") (type $ii_i)
 *       local.get 0 local.get 1 i64.add)                                  ;; 1
 *     (func $unreachable (export "unreachable") (type $v) unreachable)    ;; 2 @0x93
 *     (func $oob (export "oob") (type $v)
 *       i32.const 65536 i32.load drop)                                    ;; 3 load @0x9b
 *     (func $call_host (export "call_host") (type $i_i)
 *       local.get 0 call $host)                                           ;; 4 call @0xa4
 *     (func $nested (export "nested") (type $v) call $unreachable)        ;; 5 call @0xa9
 *     (func $recurse (export "recurse") (type $v) call $recurse)          ;; 6 @0xad, call @0xae
 *     (func $div (export "div") (type $uu_u)
 *       local.get 0 local.get 1 i32.div_u)                                ;; 7 div @0xb7
 *     (func $wild (export "wild") (type $v) nop))                         ;; 8
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <pthread.h>
#include <cmocka.h>

#include "runtime_test.h"
#include "wasm/wasm.h"

static const uint8_t calls_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x15, 0x04, 0x60,
  0x02, 0x7e, 0x7e, 0x01, 0x7e, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7e, 0x01,
  0x7e, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x02, 0x0c, 0x01, 0x03, 0x65,
  0x6e, 0x76, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x00, 0x02, 0x03, 0x09, 0x08,
  0x00, 0x01, 0x01, 0x02, 0x01, 0x01, 0x03, 0x01, 0x05, 0x03, 0x01, 0x00,
  0x01, 0x07, 0x47, 0x08, 0x03, 0x61, 0x64, 0x64, 0x00, 0x01, 0x0b, 0x75,
  0x6e, 0x72, 0x65, 0x61, 0x63, 0x68, 0x61, 0x62, 0x6c, 0x65, 0x00, 0x02,
  0x03, 0x6f, 0x6f, 0x62, 0x00, 0x03, 0x09, 0x63, 0x61, 0x6c, 0x6c, 0x5f,
  0x68, 0x6f, 0x73, 0x74, 0x00, 0x04, 0x06, 0x6e, 0x65, 0x73, 0x74, 0x65,
  0x64, 0x00, 0x05, 0x07, 0x72, 0x65, 0x63, 0x75, 0x72, 0x73, 0x65, 0x00,
  0x06, 0x03, 0x64, 0x69, 0x76, 0x00, 0x07, 0x04, 0x77, 0x69, 0x6c, 0x64,
  0x00, 0x08, 0x0a, 0x35, 0x08, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x7c,
  0x0b, 0x03, 0x00, 0x00, 0x0b, 0x0a, 0x00, 0x41, 0x80, 0x80, 0x04, 0x28,
  0x02, 0x00, 0x1a, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x10, 0x00, 0x0b, 0x04,
  0x00, 0x10, 0x02, 0x0b, 0x04, 0x00, 0x10, 0x06, 0x0b, 0x07, 0x00, 0x20,
  0x00, 0x20, 0x01, 0x6e, 0x0b, 0x03, 0x00, 0x01, 0x0b, 0x00, 0x80, 0x01,
  0x04, 0x6e, 0x61, 0x6d, 0x65, 0x00, 0x06, 0x05, 0x63, 0x61, 0x6c, 0x6c,
  0x73, 0x01, 0x45, 0x09, 0x00, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x01, 0x03,
  0x61, 0x64, 0x64, 0x02, 0x0b, 0x75, 0x6e, 0x72, 0x65, 0x61, 0x63, 0x68,
  0x61, 0x62, 0x6c, 0x65, 0x03, 0x03, 0x6f, 0x6f, 0x62, 0x04, 0x09, 0x63,
  0x61, 0x6c, 0x6c, 0x5f, 0x68, 0x6f, 0x73, 0x74, 0x05, 0x06, 0x6e, 0x65,
  0x73, 0x74, 0x65, 0x64, 0x06, 0x07, 0x72, 0x65, 0x63, 0x75, 0x72, 0x73,
  0x65, 0x07, 0x03, 0x64, 0x69, 0x76, 0x08, 0x04, 0x77, 0x69, 0x6c, 0x64,
  0x02, 0x13, 0x09, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x04,
  0x00, 0x05, 0x00, 0x06, 0x00, 0x07, 0x00, 0x08, 0x00, 0x04, 0x15, 0x04,
  0x00, 0x04, 0x69, 0x69, 0x5f, 0x69, 0x01, 0x01, 0x76, 0x02, 0x03, 0x69,
  0x5f, 0x69, 0x03, 0x04, 0x75, 0x75, 0x5f, 0x75
};

/* -- The artifact -- */

enum { DEF_ADD, DEF_UNREACHABLE, DEF_OOB, DEF_CALL_HOST, DEF_NESTED, DEF_RECURSE, DEF_DIV,
       DEF_WILD, NDEFS };

static wb_artifact *calls_artifact(void)
{
    wb_module *m;
    wb_vmlayout l;
    rt_art a;
    x64_buf *b = &a.b;
    x64_label ok;
    int32_t fi;

    if (wb_module_decode(calls_wasm, sizeof(calls_wasm), &m, NULL) != WB_OK)
        return NULL;
    wb_vmlayout_compute(m, &l);
    wb_module_free(m);
    fi = (int32_t)l.func_imports; /* import 0: the host function */
    rt_art_init(&a, NDEFS);

    /* add: [rbp+16] = [rbp+16] + [rbp+24] */
    rt_art_func(&a, DEF_ADD);
    x64_rm(b, X64_MOV, X64_64, X64_RAX, x64_mem_bd(X64_RBP, 16));
    x64_rm(b, X64_ADD, X64_64, X64_RAX, x64_mem_bd(X64_RBP, 24));
    x64_mr(b, X64_MOV, X64_64, x64_mem_bd(X64_RBP, 16), X64_RAX);
    rt_art_ret(&a);

    rt_art_func(&a, DEF_UNREACHABLE);
    rt_art_trap(&a, WB_ERR_TRAP_UNREACHABLE, 0x93);
    x64_ud2(b);

    /* oob: load 4 bytes at memory offset 65536 of a 1-page memory */
    rt_art_func(&a, DEF_OOB);
    x64_rm(b, X64_MOV, X64_64, X64_R14, x64_mem_bd(X64_R15, WB_VMCTX_MEM_BASE));
    rt_art_trap(&a, WB_ERR_TRAP_MEMORY_OOB, 0x9b);
    x64_rm(b, X64_MOV, X64_32, X64_RAX, x64_mem_bd(X64_R14, 65536));
    rt_art_ret(&a);

    /* call_host: args area of 16 bytes at [rsp], call through the import */
    rt_art_func(&a, DEF_CALL_HOST);
    x64_ri(b, X64_SUB, X64_64, X64_RSP, 16);
    x64_rm(b, X64_MOV, X64_64, X64_RAX, x64_mem_bd(X64_RBP, 16));
    x64_mr(b, X64_MOV, X64_64, x64_mem_bd(X64_RSP, 0), X64_RAX);
    x64_rm(b, X64_MOV, X64_64, X64_R11, x64_mem_bd(X64_R15, fi));
    x64_rm(b, X64_MOV, X64_64, X64_R15, x64_mem_bd(X64_R15, fi + 8));
    x64_r(b, X64_CALL, X64_64, X64_R11);
    rt_art_call_site(&a, 0xa4);
    x64_rm(b, X64_MOV, X64_64, X64_R15, x64_mem_bd(X64_RBP, -8));
    x64_rm(b, X64_MOV, X64_64, X64_RAX, x64_mem_bd(X64_RSP, 0));
    x64_mr(b, X64_MOV, X64_64, x64_mem_bd(X64_RBP, 16), X64_RAX);
    rt_art_ret(&a);

    rt_art_func(&a, DEF_NESTED);
    x64_call(b, a.labels[DEF_UNREACHABLE]);
    rt_art_call_site(&a, 0xa9);
    rt_art_ret(&a);

    /* recurse: the prologue stack check of jit.h, then call itself */
    rt_art_func(&a, DEF_RECURSE);
    ok = x64_label_new(b);
    x64_rm(b, X64_CMP, X64_64, X64_RSP, x64_mem_bd(X64_R15, WB_VMCTX_STACK_LIMIT));
    x64_jcc(b, X64_CC_AE, ok, X64_JAUTO);
    rt_art_trap(&a, WB_ERR_TRAP_STACK_EXHAUSTED, 0xad);
    x64_ud2(b);
    x64_label_bind(b, ok);
    x64_call(b, a.labels[DEF_RECURSE]);
    rt_art_call_site(&a, 0xae);
    rt_art_ret(&a);

    /* div: unsigned 32-bit division, faulting on zero */
    rt_art_func(&a, DEF_DIV);
    x64_rm(b, X64_MOV, X64_32, X64_RAX, x64_mem_bd(X64_RBP, 16));
    x64_rr(b, X64_XOR, X64_32, X64_RDX, X64_RDX);
    rt_art_trap(&a, WB_ERR_TRAP_DIV_ZERO, 0xb7);
    x64_m(b, X64_DIV, X64_32, x64_mem_bd(X64_RBP, 24));
    x64_mr(b, X64_MOV, X64_64, x64_mem_bd(X64_RBP, 16), X64_RAX);
    rt_art_ret(&a);

    /* wild: a fault where no trap can be (a compiler bug): a crash */
    rt_art_func(&a, DEF_WILD);
    x64_rr(b, X64_XOR, X64_32, X64_RAX, X64_RAX);
    x64_rm(b, X64_MOV, X64_64, X64_RAX, x64_mem_bd(X64_RAX, 0));
    rt_art_ret(&a);
    return rt_art_finish(&a);
}

/* -- The host function "env" "host": (i64) -> i64 -- */

typedef enum host_mode { H_ADD, H_RECURSE, H_TRAP, H_EXIT, H_INNER_TRAP, H_CRASH } host_mode;

typedef struct host_env {
    host_mode mode;
    wb_store *store;
    wb_instance *inst;
    int calls;
    bool saw_memory;
    bool limit_changed;         /* nested entries saw another stack limit */
    uintptr_t limit;            /* the stack limit seen by the first call */
} host_env;

static wb_rt_func *export_func(wb_instance *inst, const char *name)
{
    wb_extern ex;
    if (!wb_instance_export(inst, name, strlen(name), &ex) || ex.kind != WB_EXTERN_FUNC)
        return NULL;
    return ex.of.func;
}

static wb_err host_fn(wb_caller *caller, void *env_, const wb_val *args, wb_val *results)
{
    host_env *env = env_;
    int64_t x = args[0].of.i64;
    env->calls++;
    if (env->calls == 1)
        env->limit = env->inst->vmctx->stack_limit;
    else if (env->inst->vmctx->stack_limit != env->limit)
        env->limit_changed = true;
    env->saw_memory = wb_caller_memory(caller) != NULL &&
                      wb_caller_memory(caller) == env->inst->mems[0];
    switch (env->mode) {
    case H_ADD:
        results[0].of.i64 = x + 1000;
        return WB_OK;
    case H_RECURSE: {
        wb_val a = { .type = WB_I64, .of.i64 = x - 1 }, r;
        wb_trap *t = NULL;
        wb_err err;
        if (x == 0) {
            results[0].of.i64 = 100;
            return WB_OK;
        }
        err = wb_func_call(env->store, export_func(env->inst, "call_host"), &a, 1, &r, 1, &t);
        if (err != WB_OK) {
            wb_trap_free(t);
            return wb_caller_trap(caller, "nested call failed");
        }
        results[0].of.i64 = r.of.i64 + 1;
        return WB_OK;
    }
    case H_TRAP:
        return wb_caller_trap(caller, "boom");
    case H_EXIT:
        return wb_caller_exit(caller, 3);
    case H_INNER_TRAP: {
        wb_trap *t = NULL;
        wb_err err = wb_func_call(env->store, export_func(env->inst, "unreachable"), NULL, 0,
                                  NULL, 0, &t);
        bool ok = err == WB_ERR_TRAP && t && wb_trap_kind(t) == WB_ERR_TRAP_UNREACHABLE;
        wb_trap_free(t);
        results[0].of.i64 = ok ? 7 : -1;
        return WB_OK;
    }
    case H_CRASH:
        *(volatile int *)(uintptr_t)(16 * env->calls) = 1; /* a real bug */
        return WB_OK;
    }
    return WB_OK;
}

/* -- Fixture: engine, store, the compiled module and an instance -- */

typedef struct fixture {
    wb_engine *engine;
    wb_store *store;
    wb_compiled *compiled;
    wb_instance *inst;
    host_env env;
} fixture;

static wb_compiled *shared_compiled(wb_engine *e)
{
    wb_compiled *c = NULL;
    wb_diag d;
    wb_artifact *a = calls_artifact();
    if (!a || wb_compiled_from_artifact(e, calls_wasm, sizeof(calls_wasm), a, &c, &d) != WB_OK)
        return NULL;
    return c;
}

static wb_instance *instantiate(wb_store *s, wb_compiled *c, host_env *env)
{
    const uint8_t i64[] = { WB_I64 };
    wb_extern imp = { .kind = WB_EXTERN_FUNC };
    wb_instance *inst = NULL;
    wb_trap *t = NULL;
    wb_diag d;

    imp.of.func = wb_func_new_host(s, i64, 1, i64, 1, host_fn, env, NULL);
    if (!imp.of.func || wb_instance_new(s, c, &imp, 1, &inst, &t, &d) != WB_OK)
        return NULL;
    env->store = s;
    env->inst = inst;
    return inst;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    f->engine = wb_engine_new(NULL);
    f->store = wb_store_new(f->engine);
    f->compiled = shared_compiled(f->engine);
    if (!f->compiled)
        return -1;
    f->inst = instantiate(f->store, f->compiled, &f->env);
    if (!f->inst)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    wb_store_free(f->store);
    wb_compiled_free(f->compiled);
    wb_engine_free(f->engine);
    free(f);
    return 0;
}

/* Calls export `name` with up to two i64/i32 arguments. */
static wb_err call(fixture *f, const char *name, const wb_val *args, size_t nargs,
                   wb_val *results, size_t nresults, wb_trap **t)
{
    wb_rt_func *fn = export_func(f->inst, name);
    assert_non_null(fn);
    return wb_func_call(f->store, fn, args, nargs, results, nresults, t);
}

static void expect_frame(const wb_trap *t, size_t i, uint32_t func, uint32_t offset,
                         const char *name)
{
    wb_frame fr;
    assert_true(i < wb_trap_frame_count(t));
    wb_trap_frame(t, i, &fr);
    assert_int_equal(fr.func_index, func);
    assert_int_equal(fr.module_offset, offset);
    assert_string_equal(fr.func_name, name);
    assert_string_equal(fr.module_name, "calls");
}

/* -- Tests -- */

static void test_call_add(void **state)
{
    fixture *f = *state;
    wb_val args[2] = { { .type = WB_I64, .of.i64 = 40 }, { .type = WB_I64, .of.i64 = 2 } };
    wb_val r;
    wb_trap *t = NULL;

    rt_signals_apply();
    assert_int_equal(call(f, "add", args, 2, &r, 1, &t), WB_OK);
    assert_null(t);
    assert_int_equal(r.type, WB_I64);
    assert_int_equal(r.of.i64, 42);
    args[0].of.i64 = INT64_MAX;
    args[1].of.i64 = 1;
    assert_int_equal(call(f, "add", args, 2, &r, 1, &t), WB_OK);
    assert_int_equal(r.of.i64, INT64_MIN);
    /* Arity and types are checked before anything runs. */
    assert_int_equal(call(f, "add", args, 1, &r, 1, &t), WB_ERR_USAGE);
    assert_int_equal(call(f, "add", args, 2, &r, 0, &t), WB_ERR_USAGE);
    args[1].type = WB_I32;
    assert_int_equal(call(f, "add", args, 2, &r, 1, &t), WB_ERR_USAGE);
}

static void test_trap_unreachable(void **state)
{
    fixture *f = *state;
    wb_trap *t = NULL;
    char buf[256];

    rt_signals_apply();
    assert_int_equal(call(f, "unreachable", NULL, 0, NULL, 0, &t), WB_ERR_TRAP);
    assert_non_null(t);
    assert_int_equal(wb_trap_kind(t), WB_ERR_TRAP_UNREACHABLE);
    assert_string_equal(wb_trap_message(t), "unreachable");
    assert_int_equal(wb_trap_frame_count(t), 1);
    expect_frame(t, 0, 2, 0x93, "unreachable");
    assert_string_equal(wb_trap_format(t, buf, sizeof(buf)),
                        "wasm trap: unreachable\n  0: 0x93 - calls!unreachable\n");
    /* Truncation keeps the buffer terminated. */
    assert_string_equal(wb_trap_format(t, buf, 12), "wasm trap: ");
    wb_trap_free(t);
}

static void test_trap_backtrace_through_calls(void **state)
{
    fixture *f = *state;
    wb_trap *t = NULL;
    char buf[256];

    rt_signals_apply();
    assert_int_equal(call(f, "nested", NULL, 0, NULL, 0, &t), WB_ERR_TRAP);
    assert_int_equal(wb_trap_frame_count(t), 2);
    expect_frame(t, 0, 2, 0x93, "unreachable");
    expect_frame(t, 1, 5, 0xa9, "nested");
    assert_string_equal(wb_trap_format(t, buf, sizeof(buf)),
                        "wasm trap: unreachable\n"
                        "  0: 0x93 - calls!unreachable\n"
                        "  1: 0xa9 - calls!nested\n");
    wb_trap_free(t);
}

static void test_trap_guard_page(void **state)
{
    fixture *f = *state;
    wb_trap *t = NULL;

    rt_signals_apply();
    assert_int_equal(call(f, "oob", NULL, 0, NULL, 0, &t), WB_ERR_TRAP);
    assert_int_equal(wb_trap_kind(t), WB_ERR_TRAP_MEMORY_OOB);
    assert_string_equal(wb_trap_message(t), "out of bounds memory access");
    expect_frame(t, 0, 3, 0x9b, "oob");
    wb_trap_free(t);
    /* After memory.grow the same load is in bounds. */
    assert_int_equal(wb_memory_grow(f->inst->mems[0], 1), 1);
    assert_int_equal(call(f, "oob", NULL, 0, NULL, 0, &t), WB_OK);
    assert_null(t);
}

static void test_trap_divide(void **state)
{
    fixture *f = *state;
    wb_val args[2] = { { .type = WB_I32, .of.i32 = 7 }, { .type = WB_I32, .of.i32 = 2 } };
    wb_val r;
    wb_trap *t = NULL;

    rt_signals_apply();
    assert_int_equal(call(f, "div", args, 2, &r, 1, &t), WB_OK);
    assert_int_equal(r.type, WB_I32);
    assert_int_equal(r.of.i32, 3);
    args[1].of.i32 = 0;
    assert_int_equal(call(f, "div", args, 2, &r, 1, &t), WB_ERR_TRAP);
    assert_int_equal(wb_trap_kind(t), WB_ERR_TRAP_DIV_ZERO);
    assert_string_equal(wb_trap_message(t), "integer divide by zero");
    expect_frame(t, 0, 7, 0xb7, "div");
    wb_trap_free(t);
}

/* Deep recursion traps instead of overflowing the native stack, again and
 * again (the signal must not stay blocked after a trap). */
static void test_stack_exhausted(void **state)
{
    fixture *f = *state;
    wb_val args[2] = { { .type = WB_I64, .of.i64 = 1 }, { .type = WB_I64, .of.i64 = 2 } };
    wb_val r;

    rt_signals_apply();
    for (int i = 0; i < 3; i++) {
        wb_trap *t = NULL;
        assert_int_equal(call(f, "recurse", NULL, 0, NULL, 0, &t), WB_ERR_TRAP);
        assert_int_equal(wb_trap_kind(t), WB_ERR_TRAP_STACK_EXHAUSTED);
        assert_string_equal(wb_trap_message(t), "call stack exhausted");
        assert_int_equal(wb_trap_frame_count(t), WB_TRAP_MAX_FRAMES);
        expect_frame(t, 0, 6, 0xad, "recurse");
        expect_frame(t, 1, 6, 0xae, "recurse");
        wb_trap_free(t);
    }
    /* The limit was max_wasm_stack below the entry. */
    assert_true(f->inst->vmctx->stack_limit != 0);
    assert_true((uintptr_t)__builtin_frame_address(0) - f->inst->vmctx->stack_limit <=
                512u * 1024u + 4096u);
    assert_int_equal(call(f, "add", args, 2, &r, 1, NULL), WB_OK);
    assert_int_equal(r.of.i64, 3);
}

static void test_many_traps(void **state)
{
    fixture *f = *state;
    rt_signals_apply();
    for (int i = 0; i < 2000; i++) {
        wb_trap *t = NULL;
        assert_int_equal(call(f, i % 2 ? "oob" : "nested", NULL, 0, NULL, 0, &t), WB_ERR_TRAP);
        wb_trap_free(t);
    }
    assert_null(wb_activation_current());
}

static void test_host_import(void **state)
{
    fixture *f = *state;
    wb_val a = { .type = WB_I64, .of.i64 = 5 }, r;

    rt_signals_apply();
    f->env.mode = H_ADD;
    assert_int_equal(call(f, "call_host", &a, 1, &r, 1, NULL), WB_OK);
    assert_int_equal(r.of.i64, 1005);
    assert_int_equal(f->env.calls, 1);
    assert_true(f->env.saw_memory); /* wb_caller_memory: the caller's memory 0 */
}

static void test_host_recursion(void **state)
{
    fixture *f = *state;
    wb_val a = { .type = WB_I64, .of.i64 = 10 }, r;

    rt_signals_apply();
    f->env.mode = H_RECURSE;
    assert_int_equal(call(f, "call_host", &a, 1, &r, 1, NULL), WB_OK);
    assert_int_equal(r.of.i64, 110);
    assert_int_equal(f->env.calls, 11);
    assert_null(wb_activation_current());
    /* Nested entries keep the budget of the outermost one. */
    assert_false(f->env.limit_changed);
}

/* The limit is max_wasm_stack below the entry. */
static void test_stack_limit_follows_tunable(void **state)
{
    (void)state;
    wb_config *cfg = wb_config_new();
    wb_engine *e;
    wb_store *s;
    wb_compiled *c;
    wb_instance *inst;
    host_env env = { .mode = H_ADD };
    wb_trap *t = NULL;
    uintptr_t here = (uintptr_t)__builtin_frame_address(0), depth;

    rt_signals_apply();
    cfg->tunables.max_wasm_stack = 64 * 1024;
    e = wb_engine_new(cfg);
    wb_config_free(cfg);
    s = wb_store_new(e);
    c = shared_compiled(e);
    inst = instantiate(s, c, &env);
    assert_non_null(inst);
    assert_int_equal(wb_func_call(s, export_func(inst, "recurse"), NULL, 0, NULL, 0, &t),
                     WB_ERR_TRAP);
    assert_int_equal(wb_trap_kind(t), WB_ERR_TRAP_STACK_EXHAUSTED);
    wb_trap_free(t);
    depth = here - inst->vmctx->stack_limit;
    assert_true(depth >= 64 * 1024 && depth <= 64 * 1024 + 4096);
    wb_store_free(s);
    wb_compiled_free(c);
    wb_engine_free(e);
}

/* Many code blobs mapped and unmapped in any order: the registry keeps
 * finding the live ones, and only those. */
static void test_registry_many_modules(void **state)
{
    fixture *f = *state;
    wb_compiled *cs[24];
    wb_store *s = wb_store_new(f->engine);
    host_env env[3] = { { .mode = H_ADD }, { .mode = H_ADD }, { .mode = H_ADD } };
    wb_instance *inst[3];

    rt_signals_apply();
    for (int i = 0; i < 24; i++) {
        cs[i] = shared_compiled(f->engine);
        assert_non_null(cs[i]);
    }
    for (int i = 0; i < 24; i += 2) /* every other one, before use */
        wb_compiled_free(cs[i]);
    inst[0] = instantiate(s, cs[1], &env[0]);
    inst[1] = instantiate(s, cs[13], &env[1]);
    inst[2] = instantiate(s, cs[23], &env[2]);
    for (int i = 1; i < 24; i += 2) /* the instances keep theirs alive */
        wb_compiled_free(cs[i]);
    for (int k = 0; k < 3; k++) {
        wb_trap *t = NULL;
        assert_int_equal(wb_func_call(s, export_func(inst[k], "nested"), NULL, 0, NULL, 0, &t),
                         WB_ERR_TRAP);
        assert_int_equal(wb_trap_kind(t), WB_ERR_TRAP_UNREACHABLE);
        assert_int_equal(wb_trap_frame_count(t), 2);
        wb_trap_free(t);
    }
    wb_store_free(s);
}

static void test_host_trap(void **state)
{
    fixture *f = *state;
    wb_val a = { .type = WB_I64, .of.i64 = 1 }, r;
    wb_trap *t = NULL;
    char buf[256];

    rt_signals_apply();
    f->env.mode = H_TRAP;
    assert_int_equal(call(f, "call_host", &a, 1, &r, 1, &t), WB_ERR_TRAP);
    assert_int_equal(wb_trap_kind(t), WB_ERR_TRAP_HOST);
    assert_string_equal(wb_trap_message(t), "boom");
    assert_int_equal(wb_trap_frame_count(t), 1);
    expect_frame(t, 0, 4, 0xa4, "call_host");
    assert_string_equal(wb_trap_format(t, buf, sizeof(buf)),
                        "wasm trap: boom\n  0: 0xa4 - calls!call_host\n");
    wb_trap_free(t);
}

static void test_host_exit(void **state)
{
    fixture *f = *state;
    wb_val a = { .type = WB_I64, .of.i64 = 1 }, r;
    wb_trap *t = NULL;

    rt_signals_apply();
    f->env.mode = H_EXIT;
    assert_int_equal(call(f, "call_host", &a, 1, &r, 1, &t), WB_ERR_TRAP);
    assert_int_equal(wb_trap_kind(t), WB_ERR_EXIT);
    assert_int_equal(wb_trap_exit_code(t), 3);
    wb_trap_free(t);
}

/* A trap inside a nested call unwinds only to the nested entry. */
static void test_trap_inside_host_call(void **state)
{
    fixture *f = *state;
    wb_val a = { .type = WB_I64, .of.i64 = 1 }, r;

    rt_signals_apply();
    f->env.mode = H_INNER_TRAP;
    assert_int_equal(call(f, "call_host", &a, 1, &r, 1, NULL), WB_OK);
    assert_int_equal(r.of.i64, 7);
}

/* Host functions called from the host: no adapter, same results. */
static void test_host_called_directly(void **state)
{
    fixture *f = *state;
    wb_val a = { .type = WB_I64, .of.i64 = 1 }, r;
    wb_rt_func *h = f->inst->func_objs[0];
    wb_trap *t = NULL;

    rt_signals_apply();
    f->env.mode = H_ADD;
    assert_int_equal(wb_func_call(f->store, h, &a, 1, &r, 1, &t), WB_OK);
    assert_int_equal(r.of.i64, 1001);
    f->env.mode = H_TRAP;
    assert_int_equal(wb_func_call(f->store, h, &a, 1, &r, 1, &t), WB_ERR_TRAP);
    assert_int_equal(wb_trap_kind(t), WB_ERR_TRAP_HOST);
    assert_string_equal(wb_trap_message(t), "boom");
    assert_int_equal(wb_trap_frame_count(t), 0);
    wb_trap_free(t);
}

static void call_wild(void *arg)
{
    fixture *f = arg;
    call(f, "wild", NULL, 0, NULL, 0, NULL);
}

static void call_crashing_host(void *arg)
{
    fixture *f = arg;
    wb_val a = { .type = WB_I64, .of.i64 = 1 }, r;
    f->env.mode = H_CRASH;
    call(f, "call_host", &a, 1, &r, 1, NULL);
}

/* Faults that are not wasm traps stay crashes: in compiled code where no
 * trap can be, and in host code called from wasm. */
static void test_real_crashes_stay_crashes(void **state)
{
    fixture *f = *state;
    rt_signals_apply();
    assert_true(rt_child_crashes(call_wild, f));
    assert_true(rt_child_crashes(call_crashing_host, f));
}

/* Traps on several threads at once, each with its own store, sharing the
 * compiled code. */
typedef struct thread_arg {
    wb_engine *engine;
    wb_compiled *compiled;
    int ok;
} thread_arg;

static void *thread_main(void *p)
{
    thread_arg *ta = p;
    wb_store *s = wb_store_new(ta->engine);
    host_env env = { .mode = H_ADD };
    wb_instance *inst = instantiate(s, ta->compiled, &env);
    wb_val a = { .type = WB_I64, .of.i64 = 1 }, r;

    for (int i = 0; inst && i < 300; i++) {
        wb_trap *t = NULL;
        if (wb_func_call(s, export_func(inst, "recurse"), NULL, 0, NULL, 0, &t) ==
                WB_ERR_TRAP &&
            wb_trap_kind(t) == WB_ERR_TRAP_STACK_EXHAUSTED &&
            wb_func_call(s, export_func(inst, "call_host"), &a, 1, &r, 1, NULL) == WB_OK &&
            r.of.i64 == 1001)
            ta->ok++;
        wb_trap_free(t);
    }
    wb_store_free(s);
    return NULL;
}

static void test_threads(void **state)
{
    fixture *f = *state;
    pthread_t th[3];
    thread_arg ta[3];

    rt_signals_apply();
    for (int i = 0; i < 3; i++) {
        ta[i] = (thread_arg){ f->engine, f->compiled, 0 };
        assert_int_equal(pthread_create(&th[i], NULL, thread_main, &ta[i]), 0);
    }
    for (int i = 0; i < 3; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(ta[i].ok, 300);
    }
}

static void test_compiled_introspection(void **state)
{
    fixture *f = *state;
    wb_extern_desc d;
    assert_int_equal(wb_compiled_import_count(f->compiled), 1);
    wb_compiled_import(f->compiled, 0, &d);
    assert_int_equal(d.kind, WB_EXTERN_FUNC);
    assert_int_equal(d.module_len, 3);
    assert_memory_equal(d.module, "env", 3);
    assert_int_equal(d.name_len, 4);
    assert_memory_equal(d.name, "host", 4);
    assert_int_equal(wb_compiled_export_count(f->compiled), 8);
    wb_compiled_export(f->compiled, 3, &d);
    assert_int_equal(d.name_len, 9);
    assert_memory_equal(d.name, "call_host", 9);
    assert_null(d.module);
    /* The code is mapped read+exec, not writable. */
    assert_non_null(f->compiled->code);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_call_add, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trap_unreachable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trap_backtrace_through_calls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trap_guard_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trap_divide, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stack_exhausted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_traps, setup, teardown),
        cmocka_unit_test(test_stack_limit_follows_tunable),
        cmocka_unit_test_setup_teardown(test_registry_many_modules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_import, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_recursion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_trap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_exit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trap_inside_host_call, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_called_directly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_real_crashes_stay_crashes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compiled_introspection, setup, teardown),
    };
    rt_signals_capture();
    return cmocka_run_group_tests(tests, NULL, NULL);
}

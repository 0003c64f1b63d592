/* test_interrupt.c — stopping code: epoch deadlines at loop headers, in
 * deep recursion, in a start function and in a blocking host call (with
 * the watchdog driving the epoch, and the stop latency measured), the
 * deadline callback, fuel (exact costs of small functions, exhaustion at
 * the exact instruction count, several instances, refuelling), and the
 * watchdog's stop and its last resort. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "runtime_test.h"

/*
(module $intr
  (import "host" "block" (func $block (result i32)))
  (func $spin (export "spin") (loop $l (br $l)))
  (func $even (export "even") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 1))
      (else (call $odd (i32.sub (local.get 0) (i32.const 1))))))
  (func $odd (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (call $even (i32.sub (local.get 0) (i32.const 1))))))
  (func $recurse (export "recurse") (loop $l (drop (call $even (i32.const 3000))) (br $l)))
  (func $wait (export "wait") (result i32) (call $block)))
*/
static const uint8_t intr_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0d, 0x03, 0x60,
    0x00, 0x01, 0x7f, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x02,
    0x0e, 0x01, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x05, 0x62, 0x6c, 0x6f, 0x63,
    0x6b, 0x00, 0x00, 0x03, 0x06, 0x05, 0x01, 0x02, 0x02, 0x01, 0x00, 0x07,
    0x20, 0x04, 0x04, 0x73, 0x70, 0x69, 0x6e, 0x00, 0x01, 0x04, 0x65, 0x76,
    0x65, 0x6e, 0x00, 0x02, 0x07, 0x72, 0x65, 0x63, 0x75, 0x72, 0x73, 0x65,
    0x00, 0x04, 0x04, 0x77, 0x61, 0x69, 0x74, 0x00, 0x05, 0x0a, 0x42, 0x05,
    0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b, 0x12, 0x00, 0x20, 0x00,
    0x45, 0x04, 0x7f, 0x41, 0x01, 0x05, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x10,
    0x03, 0x0b, 0x0b, 0x12, 0x00, 0x20, 0x00, 0x45, 0x04, 0x7f, 0x41, 0x00,
    0x05, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, 0x02, 0x0b, 0x0b, 0x0d, 0x00,
    0x03, 0x40, 0x41, 0xb8, 0x17, 0x10, 0x02, 0x1a, 0x0c, 0x00, 0x0b, 0x0b,
    0x04, 0x00, 0x10, 0x00, 0x0b, 0x00, 0x45, 0x04, 0x6e, 0x61, 0x6d, 0x65,
    0x00, 0x05, 0x04, 0x69, 0x6e, 0x74, 0x72, 0x01, 0x28, 0x06, 0x00, 0x05,
    0x62, 0x6c, 0x6f, 0x63, 0x6b, 0x01, 0x04, 0x73, 0x70, 0x69, 0x6e, 0x02,
    0x04, 0x65, 0x76, 0x65, 0x6e, 0x03, 0x03, 0x6f, 0x64, 0x64, 0x04, 0x07,
    0x72, 0x65, 0x63, 0x75, 0x72, 0x73, 0x65, 0x05, 0x04, 0x77, 0x61, 0x69,
    0x74, 0x02, 0x0d, 0x06, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00,
    0x04, 0x00, 0x05, 0x00,
};

/*
(module $start
  (func $forever (loop $l (br $l)))
  (start $forever))
*/
static const uint8_t start_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60,
    0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x08, 0x01, 0x00, 0x0a, 0x09, 0x01,
    0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b, 0x00, 0x1e, 0x04, 0x6e,
    0x61, 0x6d, 0x65, 0x00, 0x06, 0x05, 0x73, 0x74, 0x61, 0x72, 0x74, 0x01,
    0x0a, 0x01, 0x00, 0x07, 0x66, 0x6f, 0x72, 0x65, 0x76, 0x65, 0x72, 0x02,
    0x03, 0x01, 0x00, 0x00,
};

/*
(module $fuel
  (func $add (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func $nops (export "nops") nop nop i32.const 1 drop)
  (func $call2 (export "call2") (result i32) i32.const 1 i32.const 2 call $add)
  (func $blk (export "blk") (result i32) (block (result i32) i32.const 5) i32.const 1 i32.add)
  (func $count (export "count") (param i32) (result i32)
    (loop $l (result i32)
      local.get 0 i32.const 1 i32.sub local.tee 0
      local.get 0 br_if $l))
  (func $count_tail (export "count_tail") (param i32) (result i32)
    (loop $l
      local.get 0 i32.const 1 i32.sub local.set 0
      local.get 0 br_if $l)
    local.get 0)
  (func $sel (export "sel") (param i32) (result i32)
    (if (result i32) (local.get 0) (then (i32.const 10)) (else (i32.const 20))))
  (func $early (export "early") (param i32) (result i32)
    (block $b (result i32)
      i32.const 7 local.get 0 br_if $b
      drop i32.const 8)))
*/
static const uint8_t fuel_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x13, 0x04, 0x60,
    0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00, 0x60, 0x00, 0x01, 0x7f,
    0x60, 0x01, 0x7f, 0x01, 0x7f, 0x03, 0x09, 0x08, 0x00, 0x01, 0x02, 0x02,
    0x03, 0x03, 0x03, 0x03, 0x07, 0x3f, 0x08, 0x03, 0x61, 0x64, 0x64, 0x00,
    0x00, 0x04, 0x6e, 0x6f, 0x70, 0x73, 0x00, 0x01, 0x05, 0x63, 0x61, 0x6c,
    0x6c, 0x32, 0x00, 0x02, 0x03, 0x62, 0x6c, 0x6b, 0x00, 0x03, 0x05, 0x63,
    0x6f, 0x75, 0x6e, 0x74, 0x00, 0x04, 0x0a, 0x63, 0x6f, 0x75, 0x6e, 0x74,
    0x5f, 0x74, 0x61, 0x69, 0x6c, 0x00, 0x05, 0x03, 0x73, 0x65, 0x6c, 0x00,
    0x06, 0x05, 0x65, 0x61, 0x72, 0x6c, 0x79, 0x00, 0x07, 0x0a, 0x65, 0x08,
    0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b, 0x07, 0x00, 0x01, 0x01,
    0x41, 0x01, 0x1a, 0x0b, 0x08, 0x00, 0x41, 0x01, 0x41, 0x02, 0x10, 0x00,
    0x0b, 0x0a, 0x00, 0x02, 0x7f, 0x41, 0x05, 0x0b, 0x41, 0x01, 0x6a, 0x0b,
    0x10, 0x00, 0x03, 0x7f, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x22, 0x00, 0x20,
    0x00, 0x0d, 0x00, 0x0b, 0x0b, 0x12, 0x00, 0x03, 0x40, 0x20, 0x00, 0x41,
    0x01, 0x6b, 0x21, 0x00, 0x20, 0x00, 0x0d, 0x00, 0x0b, 0x20, 0x00, 0x0b,
    0x0c, 0x00, 0x20, 0x00, 0x04, 0x7f, 0x41, 0x0a, 0x05, 0x41, 0x14, 0x0b,
    0x0b, 0x0e, 0x00, 0x02, 0x7f, 0x41, 0x07, 0x20, 0x00, 0x0d, 0x00, 0x1a,
    0x41, 0x08, 0x0b, 0x0b, 0x00, 0x58, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x00,
    0x05, 0x04, 0x66, 0x75, 0x65, 0x6c, 0x01, 0x37, 0x08, 0x00, 0x03, 0x61,
    0x64, 0x64, 0x01, 0x04, 0x6e, 0x6f, 0x70, 0x73, 0x02, 0x05, 0x63, 0x61,
    0x6c, 0x6c, 0x32, 0x03, 0x03, 0x62, 0x6c, 0x6b, 0x04, 0x05, 0x63, 0x6f,
    0x75, 0x6e, 0x74, 0x05, 0x0a, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x5f, 0x74,
    0x61, 0x69, 0x6c, 0x06, 0x03, 0x73, 0x65, 0x6c, 0x07, 0x05, 0x65, 0x61,
    0x72, 0x6c, 0x79, 0x02, 0x11, 0x08, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00,
    0x03, 0x00, 0x04, 0x00, 0x05, 0x00, 0x06, 0x00, 0x07, 0x00,
};

/* -- Helpers -- */

typedef struct env {
    wb_config *config;
    wb_engine *engine;
    wb_store *store;
    wb_compiled *compiled;
    wb_instance *inst;
} env;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void env_open(env *e, bool epoch, bool fuel)
{
    memset(e, 0, sizeof(*e));
    e->config = wb_config_new();
    wb_config_set_epoch_interruption(e->config, epoch);
    wb_config_set_fuel(e->config, fuel);
    e->engine = wb_engine_new(e->config);
    e->store = wb_store_new(e->engine);
    assert_non_null(e->store);
}

static void env_close(env *e)
{
    wb_store_free(e->store);
    wb_compiled_free(e->compiled);
    wb_engine_free(e->engine);
    wb_config_free(e->config);
}

static void compile(env *e, const uint8_t *bytes, size_t n)
{
    wb_diag d = { 0 };
    char buf[256];
    if (wb_compile(e->engine, bytes, n, &e->compiled, &d) != WB_OK)
        fail_msg("compile: %s", wb_diag_format(&d, buf, sizeof buf));
}

static wb_rt_func *func(wb_instance *i, const char *name)
{
    wb_extern ex;
    if (!wb_instance_export(i, name, strlen(name), &ex) || ex.kind != WB_EXTERN_FUNC)
        fail_msg("no export %s", name);
    return ex.of.func;
}

/* Calls name(args) and returns the trap (NULL when it returned). */
static wb_trap *call(env *e, const char *name, const wb_val *args, size_t nargs,
                     wb_val *results, size_t nresults)
{
    wb_trap *t = NULL;
    wb_err err = wb_func_call(e->store, func(e->inst, name), args, nargs, results, nresults, &t);
    assert_int_equal(err == WB_OK, t == NULL);
    return t;
}

static const char *frame_name(const wb_trap *t, size_t i)
{
    wb_frame f;
    wb_trap_frame(t, i, &f);
    return f.func_name ? f.func_name : "?";
}

/* -- The intr module's host import: blocks until the deadline -- */

static int block_pipe[2] = { -1, -1 };
static int64_t block_timeout_ns = -1;   /* for wb_caller_poll */
static int block_nready = -2;           /* what it reported */
static bool block_check_only;           /* wb_caller_check_deadline instead */
static bool block_read;                 /* a plain read(2), EINTR-aware */

static wb_err host_block(wb_caller *caller, void *envp, const wb_val *args, wb_val *results)
{
    struct pollfd p = { .fd = block_pipe[0], .events = POLLIN };
    wb_err err;
    (void)envp;
    (void)args;
    if (block_check_only) {
        err = wb_caller_check_deadline(caller);
    } else if (block_read) {
        char c;
        /* How a host call that blocks in a system call honours the
         * deadline: the watchdog's kick makes it return EINTR. */
        while (read(block_pipe[0], &c, 1) < 0 && errno == EINTR)
            if ((err = wb_caller_check_deadline(caller)) != WB_OK)
                return err;
        err = WB_OK;
    }
    else
        err = wb_caller_poll(caller, &p, 1, block_timeout_ns, &block_nready);
    results[0].of.i32 = block_nready;
    return err;
}

static void open_intr(env *e, bool epoch)
{
    static const uint8_t res[] = { WB_I32 };
    wb_extern imp;
    wb_trap *t = NULL;
    wb_diag d = { 0 };

    env_open(e, epoch, false);
    compile(e, intr_wasm, sizeof intr_wasm);
    imp.kind = WB_EXTERN_FUNC;
    imp.of.func = wb_func_new_host(e->store, NULL, 0, res, 1, host_block, NULL, NULL);
    assert_int_equal(wb_instance_new(e->store, e->compiled, &imp, 1, &e->inst, &t, &d), WB_OK);
}

static int setup_pipe(void **state)
{
    (void)state;
    block_timeout_ns = -1;
    block_nready = -2;
    block_check_only = false;
    block_read = false;
    return pipe(block_pipe);
}

static int teardown_pipe(void **state)
{
    (void)state;
    close(block_pipe[0]);
    close(block_pipe[1]);
    return 0;
}

/* Runs export name under a watchdog of timeout_ms and checks it stops
 * with "interrupted" in function `inner` (one of "a|b|c"), within the
 * latency bound.
 * Returns the stop latency (ns after the watchdog fired). */
#define WB_TEST_TIMEOUT_MS 30
#define WB_TEST_LATENCY_MS 100 /* generous: sanitizers, loaded machines */

static int64_t expect_timeout(env *e, const char *name, const wb_val *args, size_t nargs,
                              size_t nresults, const char *inner)
{
    wb_watchdog *w = NULL;
    wb_val results[1];
    wb_trap *t;
    int64_t start, elapsed;

    wb_store_set_epoch_deadline(e->store, 1);
    start = now_ns();
    assert_int_equal(wb_watchdog_start(e->engine, WB_TEST_TIMEOUT_MS * 1000000ull,
                                       10ull * 1000000000ull, NULL, NULL, &w), WB_OK);
    t = call(e, name, args, nargs, results, nresults);
    elapsed = now_ns() - start;
    assert_true(wb_watchdog_fired(w));
    wb_watchdog_stop(w);
    assert_non_null(t);
    assert_int_equal(wb_trap_kind(t), WB_ERR_TRAP_INTERRUPTED);
    assert_string_equal(wb_trap_message(t), "interrupted");
    assert_true(wb_trap_frame_count(t) >= 1);
    {
        const char *n = frame_name(t, 0), *p = strstr(inner, n);
        size_t len = strlen(n);
        if (!p || (p != inner && p[-1] != '|') || (p[len] != '\0' && p[len] != '|'))
            fail_msg("%s stopped in %s, not in %s", name, n, inner);
    }
    wb_trap_free(t);
    assert_true(elapsed >= WB_TEST_TIMEOUT_MS * 1000000ll);
    if (elapsed - WB_TEST_TIMEOUT_MS * 1000000ll > WB_TEST_LATENCY_MS * 1000000ll)
        fail_msg("%s stopped %.1f ms after the deadline", name,
                 (elapsed - WB_TEST_TIMEOUT_MS * 1000000ll) / 1e6);
    print_message("  %s: stopped %.2f ms after the deadline\n", name,
                  (elapsed - WB_TEST_TIMEOUT_MS * 1000000ll) / 1e6);
    return elapsed - WB_TEST_TIMEOUT_MS * 1000000ll;
}

/* -- Epochs -- */

/* The deadline callback: ticks = 0 asks to be called at every check. */
static int cb_calls, cb_stop_after;
static wb_err cb_result;
static wb_err deadline_cb(wb_store *s, void *envp, uint64_t *ticks)
{
    assert_ptr_equal(envp, &cb_calls);
    assert_non_null(s);
    if (++cb_calls >= cb_stop_after)
        return cb_result;
    *ticks = 0;
    return WB_OK;
}

/* (loop (br 0)) stops at its loop header. */
static void test_epoch_loop(void **state)
{
    env e;
    (void)state;
    rt_signals_apply();
    open_intr(&e, true);
    expect_timeout(&e, "spin", NULL, 0, 0, "spin");
    /* The deadline stays passed: the next call stops at once. */
    wb_trap *t = call(&e, "spin", NULL, 0, NULL, 0);
    assert_non_null(t);
    assert_int_equal(wb_trap_kind(t), WB_ERR_TRAP_INTERRUPTED);
    wb_trap_free(t);
    /* A new deadline lets finite code run again. */
    wb_store_set_epoch_deadline(e.store, 5);
    wb_val a = { .type = WB_I32, .of.i32 = 10 }, r;
    assert_null(call(&e, "even", &a, 1, &r, 1));
    assert_int_equal(r.of.i32, 1);
    env_close(&e);
}

/* Mutual recursion 3000 deep, forever: stops at a function entry (or the
 * loop header of recurse, when the deadline passes while returning),
 * with the whole chain in the backtrace. */
static void test_epoch_deep_recursion(void **state)
{
    env e;
    wb_trap *t;
    (void)state;
    rt_signals_apply();
    open_intr(&e, true);
    expect_timeout(&e, "recurse", NULL, 0, 0, "even|odd|recurse");
    /* Once more, stopped by a callback at the 500th check, 498 calls
     * deep: the backtrace keeps the innermost WB_TRAP_MAX_FRAMES. */
    wb_store_set_epoch_deadline_callback(e.store, deadline_cb, &cb_calls);
    cb_calls = 0;
    cb_stop_after = 500;
    cb_result = WB_ERR_TRAP_INTERRUPTED;
    wb_store_set_epoch_deadline(e.store, 0);
    t = call(&e, "recurse", NULL, 0, NULL, 0);
    assert_non_null(t);
    assert_int_equal(cb_calls, 500);
    assert_int_equal(wb_trap_frame_count(t), WB_TRAP_MAX_FRAMES);
    for (size_t i = 0; i < wb_trap_frame_count(t); i++) {
        const char *n = frame_name(t, i);
        if (strcmp(n, (i % 2) ? "even" : "odd") != 0) /* check 500 is odd's */
            fail_msg("frame %zu is %s", i, n);
    }
    wb_trap_free(t);
    env_close(&e);
}

/* A host call blocked in wb_caller_poll on a pipe nobody writes to. */
static void test_epoch_blocking_host_call(void **state)
{
    env e;
    (void)state;
    rt_signals_apply();
    open_intr(&e, true);
    int64_t lat = expect_timeout(&e, "wait", NULL, 0, 1, "wait");
    assert_true(lat < WB_POLL_SLICE_NS + WB_TEST_LATENCY_MS * 1000000ll);
    env_close(&e);
}

/* A host call blocked in read(2): the watchdog's SIGURG interrupts it. */
static void test_epoch_blocking_read(void **state)
{
    env e;
    (void)state;
    rt_signals_apply();
    open_intr(&e, true);
    block_read = true;
    int64_t lat = expect_timeout(&e, "wait", NULL, 0, 1, "wait");
    assert_true(lat < WB_TEST_LATENCY_MS * 1000000ll);
    env_close(&e);
}

/* The deadline of the store reaches a start function: set before the
 * instance exists. */
static void test_epoch_start_function(void **state)
{
    env e;
    wb_watchdog *w = NULL;
    wb_instance *i = NULL;
    wb_trap *t = NULL;
    wb_diag d = { 0 };
    int64_t start;
    (void)state;
    rt_signals_apply();
    env_open(&e, true, false);
    compile(&e, start_wasm, sizeof start_wasm);
    wb_store_set_epoch_deadline(e.store, 1);
    start = now_ns();
    assert_int_equal(wb_watchdog_start(e.engine, WB_TEST_TIMEOUT_MS * 1000000ull,
                                       10ull * 1000000000ull, NULL, NULL, &w), WB_OK);
    assert_int_equal(wb_instance_new(e.store, e.compiled, NULL, 0, &i, &t, &d), WB_ERR_TRAP);
    assert_true(now_ns() - start < (WB_TEST_TIMEOUT_MS + WB_TEST_LATENCY_MS) * 1000000ll);
    wb_watchdog_stop(w);
    assert_non_null(t);
    assert_int_equal(wb_trap_kind(t), WB_ERR_TRAP_INTERRUPTED);
    assert_string_equal(frame_name(t, 0), "forever");
    wb_trap_free(t);
    /* A deadline already passed: stopped at the first check. */
    t = NULL;
    wb_store_set_epoch_deadline(e.store, 0);
    assert_int_equal(wb_instance_new(e.store, e.compiled, NULL, 0, &i, &t, &d), WB_ERR_TRAP);
    assert_int_equal(wb_trap_kind(t), WB_ERR_TRAP_INTERRUPTED);
    wb_trap_free(t);
    env_close(&e);
}

/* Without a deadline, incrementing the epoch stops nothing. */
static void test_epoch_no_deadline(void **state)
{
    env e;
    wb_val a = { .type = WB_I32, .of.i32 = 1001 }, r;
    (void)state;
    rt_signals_apply();
    open_intr(&e, true);
    for (int k = 0; k < 1000; k++)
        wb_engine_increment_epoch(e.engine);
    assert_int_equal(wb_engine_epoch(e.engine), 1000);
    assert_null(call(&e, "even", &a, 1, &r, 1));
    assert_int_equal(r.of.i32, 0);
    /* A deadline ahead of the epoch does not stop it either. */
    wb_store_set_epoch_deadline(e.store, 1);
    assert_null(call(&e, "even", &a, 1, &r, 1));
    env_close(&e);
}

static void test_epoch_callback(void **state)
{
    env e;
    wb_trap *t;
    (void)state;
    rt_signals_apply();
    open_intr(&e, true);
    wb_store_set_epoch_deadline_callback(e.store, deadline_cb, &cb_calls);
    cb_calls = 0;
    cb_stop_after = 5;
    cb_result = WB_ERR_TRAP_INTERRUPTED;
    wb_store_set_epoch_deadline(e.store, 0);
    t = call(&e, "spin", NULL, 0, NULL, 0);
    assert_non_null(t);
    assert_int_equal(cb_calls, 5);
    assert_int_equal(wb_trap_kind(t), WB_ERR_TRAP_INTERRUPTED);
    wb_trap_free(t);
    /* Another trap code is the trap; any other code is "interrupted". */
    cb_calls = 0;
    cb_stop_after = 2;
    cb_result = WB_ERR_TRAP_UNREACHABLE;
    t = call(&e, "spin", NULL, 0, NULL, 0);
    assert_int_equal(wb_trap_kind(t), WB_ERR_TRAP_UNREACHABLE);
    wb_trap_free(t);
    cb_calls = 0;
    cb_result = WB_ERR_IO;
    t = call(&e, "spin", NULL, 0, NULL, 0);
    assert_int_equal(wb_trap_kind(t), WB_ERR_TRAP_INTERRUPTED);
    wb_trap_free(t);
    /* From a host call too: each call of wait checks at its entry (1, 3)
     * and in the host function (2, 4). */
    cb_calls = 0;
    cb_stop_after = 4;
    cb_result = WB_ERR_TRAP_INTERRUPTED;
    block_check_only = true;
    wb_val r;
    assert_null(call(&e, "wait", NULL, 0, &r, 1)); /* extended twice: ticks 0 */
    assert_int_equal(cb_calls, 2);
    t = call(&e, "wait", NULL, 0, &r, 1);
    assert_non_null(t);
    assert_int_equal(cb_calls, 4);
    assert_int_equal(wb_trap_kind(t), WB_ERR_TRAP_INTERRUPTED);
    assert_string_equal(frame_name(t, 0), "wait");
    wb_trap_free(t);
    env_close(&e);
}

/* wb_caller_poll without a deadline: a timeout, then data. */
static void test_poll_timeout_and_data(void **state)
{
    env e;
    wb_val r;
    int64_t start;
    (void)state;
    rt_signals_apply();
    open_intr(&e, true);
    block_timeout_ns = 20000000;
    start = now_ns();
    assert_null(call(&e, "wait", NULL, 0, &r, 1));
    assert_int_equal(r.of.i32, 0);
    assert_true(now_ns() - start >= 20000000);
    /* With a deadline ahead: sliced, but still a timeout at the end. */
    wb_store_set_epoch_deadline(e.store, 1);
    block_timeout_ns = 35000000;
    start = now_ns();
    assert_null(call(&e, "wait", NULL, 0, &r, 1));
    assert_int_equal(r.of.i32, 0);
    assert_true(now_ns() - start >= 35000000);
    block_timeout_ns = 0;
    assert_null(call(&e, "wait", NULL, 0, &r, 1));
    assert_int_equal(r.of.i32, 0);
    assert_int_equal(write(block_pipe[1], "x", 1), 1);
    block_timeout_ns = -1;
    assert_null(call(&e, "wait", NULL, 0, &r, 1));
    assert_int_equal(r.of.i32, 1);
    env_close(&e);
}

/* -- Fuel -- */

typedef struct fuel_case {
    const char *name;
    int32_t arg[2];
    int nargs;
    bool result;
    int32_t expect;
    uint64_t cost;      /* charged */
    uint64_t executed;  /* instructions run that cost 1 (documented gaps) */
} fuel_case;

/* Costs by the rule of wasmbox.h: 1 per instruction but nop, drop, block,
 * loop, end, else; charged per region. */
static const fuel_case fuel_cases[] = {
    /* local.get local.get i32.add */
    { "add", { 2, 3 }, 2, true, 5, 3, 3 },
    /* nop nop i32.const drop: only the const */
    { "nops", { 0 }, 0, false, 0, 1, 1 },
    /* i32.const i32.const call + add's 3 */
    { "call2", { 0 }, 0, true, 3, 6, 6 },
    /* block (i32.const) end i32.const i32.add */
    { "blk", { 0 }, 0, true, 6, 3, 3 },
    /* 6 per iteration, nothing after the loop */
    { "count", { 1 }, 1, true, 0, 6, 6 },
    { "count", { 10 }, 1, true, 0, 60, 60 },
    /* 6 per iteration + 1 after the loop, charged with each iteration */
    { "count_tail", { 1 }, 1, true, 0, 7, 7 },
    { "count_tail", { 10 }, 1, true, 0, 70, 61 },
    /* local.get if i32.const | else: i32.const */
    { "sel", { 1 }, 1, true, 10, 3, 3 },
    { "sel", { 0 }, 1, true, 20, 4, 3 },  /* the then-arm is charged too */
    /* i32.const local.get br_if [drop(free) i32.const] */
    { "early", { 0 }, 1, true, 8, 4, 4 },
    { "early", { 1 }, 1, true, 7, 4, 3 },  /* taken br_if: the rest is charged */
};
#define NFUEL (sizeof(fuel_cases) / sizeof(fuel_cases[0]))

static wb_trap *fuel_call(env *e, const fuel_case *c, wb_val *r)
{
    wb_val a[2] = { { .type = WB_I32, .of.i32 = c->arg[0] },
                    { .type = WB_I32, .of.i32 = c->arg[1] } };
    return call(e, c->name, a, (size_t)c->nargs, r, c->result ? 1 : 0);
}

static void open_fuel(env *e)
{
    wb_trap *t = NULL;
    wb_diag d = { 0 };
    env_open(e, false, true);
    compile(e, fuel_wasm, sizeof fuel_wasm);
    assert_int_equal(wb_instance_new(e->store, e->compiled, NULL, 0, &e->inst, &t, &d), WB_OK);
}

/* Each function consumes exactly its cost; with exactly that much fuel it
 * runs and leaves 0; with one less it traps and leaves 0. */
static void test_fuel_exact(void **state)
{
    env e;
    (void)state;
    rt_signals_apply();
    open_fuel(&e);
    for (size_t i = 0; i < NFUEL; i++) {
        const fuel_case *c = &fuel_cases[i];
        uint64_t left;
        wb_val r;
        wb_trap *t;

        assert_int_equal(wb_store_set_fuel(e.store, 1000), WB_OK);
        assert_null(fuel_call(&e, c, &r));
        if (c->result)
            assert_int_equal(r.of.i32, c->expect);
        assert_int_equal(wb_store_get_fuel(e.store, &left), WB_OK);
        if (1000 - left != c->cost)
            fail_msg("%s(%d): consumed %llu, expected %llu", c->name, c->arg[0],
                     (unsigned long long)(1000 - left), (unsigned long long)c->cost);

        assert_int_equal(wb_store_set_fuel(e.store, c->cost), WB_OK);
        assert_null(fuel_call(&e, c, &r));
        assert_int_equal(wb_store_get_fuel(e.store, &left), WB_OK);
        assert_int_equal(left, 0);

        assert_int_equal(wb_store_set_fuel(e.store, c->cost - 1), WB_OK);
        t = fuel_call(&e, c, &r);
        if (!t)
            fail_msg("%s(%d) ran on %llu fuel", c->name, c->arg[0],
                     (unsigned long long)(c->cost - 1));
        assert_int_equal(wb_trap_kind(t), WB_ERR_TRAP_OUT_OF_FUEL);
        assert_string_equal(wb_trap_message(t), "all fuel consumed");
        assert_string_equal(frame_name(t, 0), c->name[0] == 'c' && c->name[1] == 'a' ? "add"
                                                                                     : c->name);
        wb_trap_free(t);
        assert_int_equal(wb_store_get_fuel(e.store, &left), WB_OK);
        assert_int_equal(left, 0);
    }
    env_close(&e);
}

/* Where exhaustion stops a call: the frames and the instruction count. */
static void test_fuel_exhaustion_point(void **state)
{
    env e;
    wb_val r, a = { .type = WB_I32, .of.i32 = 10 };
    wb_trap *t;
    uint64_t left;
    (void)state;
    rt_signals_apply();
    open_fuel(&e);
    /* call2 pays its 3, add cannot pay its 3: add traps, called by call2. */
    wb_store_set_fuel(e.store, 5);
    t = call(&e, "call2", NULL, 0, &r, 1);
    assert_non_null(t);
    assert_int_equal(wb_trap_frame_count(t), 2);
    assert_string_equal(frame_name(t, 0), "add");
    assert_string_equal(frame_name(t, 1), "call2");
    wb_trap_free(t);
    /* 9 iterations of 6 (54) fit in 59: the 10th does not run. */
    wb_store_set_fuel(e.store, 59);
    t = call(&e, "count", &a, 1, &r, 1);
    assert_non_null(t);
    assert_int_equal(wb_trap_kind(t), WB_ERR_TRAP_OUT_OF_FUEL);
    wb_trap_free(t);
    /* Out of fuel stays out: every call traps until fuel is set. */
    t = call(&e, "nops", NULL, 0, NULL, 0);
    assert_non_null(t);
    wb_trap_free(t);
    assert_int_equal(wb_store_get_fuel(e.store, &left), WB_OK);
    assert_int_equal(left, 0);
    wb_store_set_fuel(e.store, 60);
    assert_null(call(&e, "count", &a, 1, &r, 1));
    env_close(&e);
}

/* Fuel is the store's: instances share it, new instances included. */
static void test_fuel_store_wide(void **state)
{
    env e;
    wb_instance *second = NULL;
    wb_trap *t = NULL;
    wb_diag d = { 0 };
    wb_val r, a[2] = { { .type = WB_I32, .of.i32 = 1 }, { .type = WB_I32, .of.i32 = 2 } };
    uint64_t left;
    (void)state;
    rt_signals_apply();
    open_fuel(&e);
    assert_int_equal(wb_store_set_fuel(e.store, 100), WB_OK);
    assert_int_equal(wb_instance_new(e.store, e.compiled, NULL, 0, &second, &t, &d), WB_OK);
    assert_null(call(&e, "add", a, 2, &r, 1));
    assert_int_equal(wb_func_call(e.store, func(second, "add"), a, 2, &r, 1, &t), WB_OK);
    assert_int_equal(wb_func_call(e.store, func(second, "call2"), NULL, 0, &r, 1, &t), WB_OK);
    assert_int_equal(wb_store_get_fuel(e.store, &left), WB_OK);
    assert_int_equal(left, 100 - 3 - 3 - 6);
    assert_int_equal(wb_store_get_fuel(e.store, &left), WB_OK); /* reading is free */
    assert_int_equal(left, 88);
    env_close(&e);
}

/* Fuel without the tunable is a usage error; fuel never set is unlimited. */
static void test_fuel_settings(void **state)
{
    env e;
    wb_val r;
    uint64_t left;
    (void)state;
    rt_signals_apply();
    env_open(&e, false, false);
    assert_int_equal(wb_store_set_fuel(e.store, 10), WB_ERR_USAGE);
    assert_int_equal(wb_store_get_fuel(e.store, &left), WB_ERR_USAGE);
    env_close(&e);
    open_fuel(&e);
    assert_null(call(&e, "call2", NULL, 0, &r, 1));
    assert_int_equal(wb_store_get_fuel(e.store, &left), WB_OK);
    assert_int_equal(left, (uint64_t)INT64_MAX - 6);
    assert_int_equal(wb_store_set_fuel(e.store, UINT64_MAX), WB_OK); /* saturates */
    assert_int_equal(wb_store_get_fuel(e.store, &left), WB_OK);
    assert_int_equal(left, (uint64_t)INT64_MAX);
    env_close(&e);
}

/* -- The watchdog -- */

static void test_watchdog_stop_before_firing(void **state)
{
    wb_engine *e = wb_engine_new(NULL);
    wb_watchdog *w = NULL;
    int64_t start = now_ns();
    (void)state;
    assert_int_equal(wb_watchdog_start(e, 10ull * 1000000000ull, 0, NULL, NULL, &w), WB_OK);
    wb_watchdog_stop(w);
    assert_true(now_ns() - start < 1000000000ll);
    assert_int_equal(wb_engine_epoch(e), 0);
    wb_watchdog_stop(NULL);
    wb_engine_free(e);
}

static pthread_mutex_t stuck_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t stuck_cond = PTHREAD_COND_INITIALIZER;
static int stuck_calls;

static void on_stuck(void *arg)
{
    pthread_mutex_lock(&stuck_lock);
    stuck_calls += *(int *)arg;
    pthread_cond_signal(&stuck_cond);
    pthread_mutex_unlock(&stuck_lock);
}

/* Not stopped within the grace period: the last resort runs, once. */
static void test_watchdog_stuck(void **state)
{
    wb_engine *e = wb_engine_new(NULL);
    wb_watchdog *w = NULL;
    int one = 1;
    int64_t start = now_ns();
    (void)state;
    stuck_calls = 0;
    assert_int_equal(wb_watchdog_start(e, 10000000, 20000000, on_stuck, &one, &w), WB_OK);
    pthread_mutex_lock(&stuck_lock);
    while (stuck_calls == 0)
        pthread_cond_wait(&stuck_cond, &stuck_lock);
    pthread_mutex_unlock(&stuck_lock);
    assert_true(now_ns() - start >= 30000000);
    assert_true(wb_watchdog_fired(w));
    assert_int_equal(wb_engine_epoch(e), 1);
    wb_watchdog_stop(w);
    assert_int_equal(stuck_calls, 1);
    wb_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_epoch_loop, setup_pipe, teardown_pipe),
        cmocka_unit_test_setup_teardown(test_epoch_deep_recursion, setup_pipe, teardown_pipe),
        cmocka_unit_test_setup_teardown(test_epoch_blocking_host_call, setup_pipe, teardown_pipe),
        cmocka_unit_test_setup_teardown(test_epoch_blocking_read, setup_pipe, teardown_pipe),
        cmocka_unit_test(test_epoch_start_function),
        cmocka_unit_test_setup_teardown(test_epoch_no_deadline, setup_pipe, teardown_pipe),
        cmocka_unit_test_setup_teardown(test_epoch_callback, setup_pipe, teardown_pipe),
        cmocka_unit_test_setup_teardown(test_poll_timeout_and_data, setup_pipe, teardown_pipe),
        cmocka_unit_test(test_fuel_exact),
        cmocka_unit_test(test_fuel_exhaustion_point),
        cmocka_unit_test(test_fuel_store_wide),
        cmocka_unit_test(test_fuel_settings),
        cmocka_unit_test(test_watchdog_stop_before_firing),
        cmocka_unit_test(test_watchdog_stuck),
    };
    rt_signals_capture();
    return cmocka_run_group_tests(tests, NULL, NULL);
}

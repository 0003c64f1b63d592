/* test_runtime_objects.c — runtime objects without compiled code: engine
 * signature ids, stores, linear memories (growth, limits, guard pages),
 * tables, globals and externrefs. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "runtime/runtime_int.h"

typedef struct fixture {
    wb_engine *engine;
    wb_store *store;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    f->engine = wb_engine_new(NULL);
    f->store = wb_store_new(f->engine);
    if (!f->engine || !f->store)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    wb_store_free(f->store);
    wb_engine_free(f->engine);
    free(f);
    return 0;
}

/* -- Engine -- */

static void test_sig_ids_are_canonical(void **state)
{
    fixture *f = *state;
    const uint8_t p1[] = { WB_I32, WB_I64 }, r1[] = { WB_F32 };
    const uint8_t p2[] = { WB_I32 }, r2[] = { WB_I64, WB_F32 };
    uint32_t a, b, c, d, e;

    assert_int_equal(wb_engine_sig_id(f->engine, p1, 2, r1, 1, &a), WB_OK);
    assert_int_equal(wb_engine_sig_id(f->engine, p1, 2, r1, 1, &b), WB_OK);
    assert_int_equal(a, b);
    assert_int_not_equal(a, 0);
    /* Same bytes split differently between params and results. */
    assert_int_equal(wb_engine_sig_id(f->engine, p2, 1, r2, 2, &c), WB_OK);
    assert_int_not_equal(a, c);
    assert_int_equal(wb_engine_sig_id(f->engine, NULL, 0, NULL, 0, &d), WB_OK);
    assert_int_not_equal(d, a);
    assert_int_not_equal(d, c);
    /* Many signatures: ids stay distinct and stable across rehashing. */
    for (uint32_t i = 0; i < 500; i++) {
        uint8_t p[3] = { (uint8_t)(0x7c + i % 4), (uint8_t)(0x7c + (i / 4) % 4),
                         (uint8_t)(0x7c + (i / 16) % 4) };
        uint32_t x, y;
        assert_int_equal(wb_engine_sig_id(f->engine, p, 3, p, (i / 64) % 4, &x), WB_OK);
        assert_int_equal(wb_engine_sig_id(f->engine, p, 3, p, (i / 64) % 4, &y), WB_OK);
        assert_int_equal(x, y);
    }
    assert_int_equal(wb_engine_sig_id(f->engine, p1, 2, r1, 1, &e), WB_OK);
    assert_int_equal(e, a);
}

static void test_config_opt_level(void **state)
{
    (void)state;
    wb_config *c = wb_config_new();
    wb_engine *e;
    assert_non_null(c);
    wb_config_set_opt_level(c, 0);
    assert_int_equal(c->tunables.opt_level, 0);
    wb_config_set_opt_level(c, 7); /* not a level: ignored */
    assert_int_equal(c->tunables.opt_level, 0);
    wb_config_set_opt_level(c, 's');
    e = wb_engine_new(c);
    wb_config_free(c); /* copied into the engine */
    assert_int_equal(e->config.tunables.opt_level, 's');
    assert_int_equal(e->config.tunables.memory_reservation, 1ull << 32);
    wb_engine_free(e);
}

/* -- Memories -- */

static void test_memory_grow_and_limits(void **state)
{
    fixture *f = *state;
    wb_rt_memory *m = wb_memory_new(f->store, 1, 3, true);
    uint8_t *base;

    assert_non_null(m);
    base = wb_memory_data(m);
    assert_int_equal(wb_memory_size(m), 65536);
    assert_int_equal(base[0], 0);
    base[65535] = 0xab;
    assert_int_equal(wb_memory_grow(m, 1), 1);
    assert_int_equal(wb_memory_size(m), 2 * 65536);
    assert_ptr_equal(wb_memory_data(m), base); /* the base never moves */
    assert_int_equal(base[65535], 0xab);
    assert_int_equal(base[65536], 0); /* new pages are zero */
    base[2 * 65536 - 1] = 1;
    assert_int_equal(wb_memory_grow(m, 2), -1); /* beyond max 3 */
    assert_int_equal(wb_memory_grow(m, 1), 2);
    assert_int_equal(wb_memory_grow(m, 0), 3);
    assert_int_equal(wb_memory_grow(m, 1), -1);
    assert_int_equal(wb_memory_size(m), 3 * 65536);
}

static void test_memory_unbounded(void **state)
{
    fixture *f = *state;
    wb_rt_memory *m = wb_memory_new(f->store, 0, 0, false);
    assert_non_null(m);
    assert_int_equal(wb_memory_size(m), 0);
    assert_non_null(wb_memory_data(m));
    assert_int_equal(wb_memory_grow(m, 100), 0);
    assert_int_equal(wb_memory_size(m), 100 * 65536);
    wb_memory_data(m)[100 * 65536 - 1] = 7;
    /* The address space for all 4 GiB is there, but 65536 pages is the
     * spec maximum: one more is too many. */
    assert_int_equal(wb_memory_grow(m, 65536 - 100 + 1), -1);
    assert_int_equal(wb_memory_grow(m, 0xffffffffu), -1);
}

static void test_memory_bad_limits(void **state)
{
    fixture *f = *state;
    assert_null(wb_memory_new(f->store, 2, 1, true));
    assert_null(wb_memory_new(f->store, 65537, 0, false));
    assert_null(wb_memory_new(f->store, 0, 65537, true));
    assert_non_null(wb_memory_new(f->store, 0, 65536, true));
}

/* A small reservation caps growth below the declared maximum. */
static void test_memory_reservation_caps_growth(void **state)
{
    (void)state;
    wb_config *c = wb_config_new();
    wb_engine *e;
    wb_store *s;
    wb_rt_memory *m;

    c->tunables.memory_reservation = 4 * 65536;
    c->tunables.memory_guard = 65536;
    e = wb_engine_new(c);
    s = wb_store_new(e);
    assert_null(wb_memory_new(s, 5, 0, false));
    m = wb_memory_new(s, 1, 0, false);
    assert_non_null(m);
    assert_int_equal(wb_memory_grow(m, 3), 1);
    assert_int_equal(wb_memory_grow(m, 1), -1);
    wb_store_free(s);
    wb_engine_free(e);
    wb_config_free(c);
}

/* Touching the byte after the accessible size (or the guard) faults. */
static void expect_fault(volatile uint8_t *p)
{
    pid_t pid = fork();
    int status;
    assert_true(pid >= 0);
    if (pid == 0) {
        /* Default actions: cmocka catches these signals during tests. */
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        (void)*p;
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    /* Killed by SIGSEGV, or (under ASan) reported and exited non-zero. */
    assert_false(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_memory_guard_faults(void **state)
{
    fixture *f = *state;
    wb_rt_memory *m = wb_memory_new(f->store, 1, 0, false);
    assert_non_null(m);
    expect_fault(wb_memory_data(m) + 65536);
    expect_fault(wb_memory_data(m) + (1ull << 32) + 100); /* in the guard */
    assert_int_equal(wb_memory_grow(m, 1), 1);
    wb_memory_data(m)[65536] = 1;                          /* now accessible */
    expect_fault(wb_memory_data(m) + 2 * 65536);
}

/* Memories cached in a vmctx follow growth. */
static void test_memory_users_follow_growth(void **state)
{
    fixture *f = *state;
    wb_rt_memory *m = wb_memory_new(f->store, 1, 0, false);
    wb_vmctx v1, v2;
    memset(&v1, 0, sizeof(v1));
    memset(&v2, 0, sizeof(v2));
    assert_int_equal(wb_memory_add_user(m, &v1), WB_OK);
    assert_int_equal(wb_memory_add_user(m, &v2), WB_OK);
    assert_ptr_equal(v1.mem_base, wb_memory_data(m));
    assert_int_equal(v1.mem_size, 65536);
    assert_ptr_equal(v2.memory, m);
    assert_int_equal(wb_memory_grow(m, 2), 1);
    assert_int_equal(v1.mem_size, 3 * 65536);
    assert_int_equal(v2.mem_size, 3 * 65536);
}

/* -- Tables -- */

static wb_err nop_host(wb_caller *c, void *env, const wb_val *args, wb_val *results)
{
    (void)c; (void)env; (void)args; (void)results;
    return WB_OK;
}

static void test_table_funcref(void **state)
{
    fixture *f = *state;
    const uint8_t i32[] = { WB_I32 };
    wb_rt_func *fn = wb_func_new_host(f->store, i32, 1, NULL, 0, nop_host, NULL, NULL);
    wb_rt_table *t = wb_table_new(f->store, WB_FUNCREF, 2, 4, true, NULL);
    wb_val v = { .type = WB_FUNCREF, .of.funcref = fn }, out;
    wb_val wrong = { .type = WB_EXTERNREF };

    assert_non_null(fn);
    assert_non_null(t);
    assert_int_equal(wb_table_size(t), 2);
    assert_true(wb_table_get(t, 1, &out));
    assert_int_equal(out.type, WB_FUNCREF);
    assert_null(out.of.funcref);
    assert_false(wb_table_get(t, 2, &out));
    assert_true(wb_table_set(t, 1, &v));
    assert_true(wb_table_get(t, 1, &out));
    assert_ptr_equal(out.of.funcref, fn);
    /* What compiled code sees: the function's record. */
    assert_ptr_equal((void *)(uintptr_t)t->vm.elements[1], fn->ref);
    assert_ptr_equal(fn->ref->owner, fn);
    assert_false(wb_table_set(t, 2, &v));
    assert_false(wb_table_set(t, 0, &wrong));
    assert_int_equal(wb_table_grow(t, 1, &v), 2);
    assert_true(wb_table_get(t, 2, &out));
    assert_ptr_equal(out.of.funcref, fn);
    assert_int_equal(wb_table_grow(t, 2, NULL), -1); /* beyond max 4 */
    assert_int_equal(wb_table_grow(t, 1, NULL), 3);
    assert_int_equal(wb_table_grow(t, 0, NULL), 4);
    assert_int_equal(t->vm.size, 4);
}

static void test_table_unbounded_and_limits(void **state)
{
    fixture *f = *state;
    wb_rt_table *t = wb_table_new(f->store, WB_EXTERNREF, 0, 0, false, NULL);
    wb_externref r = wb_externref_new(f->store, (void *)f, NULL);
    wb_val v = { .type = WB_EXTERNREF, .of.externref = r }, out;

    assert_non_null(t);
    assert_int_equal(t->vm.max, UINT32_MAX);
    assert_int_equal(wb_table_grow(t, 1000, &v), 0);
    assert_int_equal(wb_table_size(t), 1000);
    assert_true(wb_table_get(t, 999, &out));
    assert_int_equal(out.of.externref, r);
    assert_int_equal(wb_table_grow(t, WB_MAX_TABLE_SIZE, NULL), -1);
    assert_null(wb_table_new(f->store, WB_I32, 0, 0, false, NULL));
    assert_null(wb_table_new(f->store, WB_FUNCREF, 3, 2, true, NULL));
    assert_null(wb_table_new(f->store, WB_FUNCREF, WB_MAX_TABLE_SIZE + 1, 0, false, NULL));
    assert_null(wb_table_new(f->store, WB_FUNCREF, 0, 0, false, &v)); /* init type */
}

/* A function of another store cannot go into this store's table. */
static void test_table_rejects_foreign_func(void **state)
{
    fixture *f = *state;
    wb_store *other = wb_store_new(f->engine);
    wb_rt_func *fn = wb_func_new_host(other, NULL, 0, NULL, 0, nop_host, NULL, NULL);
    wb_rt_table *t = wb_table_new(f->store, WB_FUNCREF, 1, 1, true, NULL);
    wb_val v = { .type = WB_FUNCREF, .of.funcref = fn };
    assert_false(wb_table_set(t, 0, &v));
    wb_store_free(other);
}

/* -- Globals -- */

static void test_globals(void **state)
{
    fixture *f = *state;
    wb_val v = { .type = WB_I32, .of.i32 = -5 }, out;
    wb_val nan = { .type = WB_F64, .of.f64 = 0x7ff4000000000001ull };
    wb_val vec = { .type = WB_V128 };
    wb_rt_global *g = wb_global_new(f->store, &v, true);
    wb_rt_global *k = wb_global_new(f->store, &nan, false);
    wb_rt_global *w;

    assert_non_null(g);
    wb_global_get(g, &out);
    assert_int_equal(out.type, WB_I32);
    assert_int_equal(out.of.i32, -5);
    v.of.i32 = 42;
    assert_int_equal(wb_global_set(g, &v), WB_OK);
    wb_global_get(g, &out);
    assert_int_equal(out.of.i32, 42);
    /* In place, as compiled code reads it: low 4 bytes, rest zero. */
    assert_int_equal(*(int32_t *)g->value, 42);
    assert_int_equal(*(uint32_t *)(g->value + 4), 0);
    assert_int_equal(wb_global_set(g, &nan), WB_ERR_USAGE); /* type */
    assert_int_equal(wb_global_set(k, &nan), WB_ERR_USAGE); /* immutable */
    wb_global_get(k, &out);
    assert_int_equal(out.of.f64, 0x7ff4000000000001ull); /* NaN payload kept */
    for (int i = 0; i < 16; i++)
        vec.of.v128[i] = (uint8_t)(i * 3);
    w = wb_global_new(f->store, &vec, false);
    wb_global_get(w, &out);
    assert_memory_equal(out.of.v128, vec.of.v128, 16);
    v.type = 0x40;
    assert_null(wb_global_new(f->store, &v, true));
}

/* -- externref -- */

static int dtor_calls;
static void count_dtor(void *p)
{
    (void)p;
    dtor_calls++;
}

static void test_externref_counting(void **state)
{
    fixture *f = *state;
    int obj;
    wb_externref r, r2, r3;

    dtor_calls = 0;
    r = wb_externref_new(f->store, &obj, count_dtor);
    assert_int_not_equal(r, 0);
    assert_ptr_equal(wb_externref_data(f->store, r), &obj);
    assert_int_equal(wb_externref_clone(f->store, r), r);
    wb_externref_release(f->store, r);
    assert_int_equal(dtor_calls, 0);
    wb_externref_release(f->store, r);
    assert_int_equal(dtor_calls, 1);
    /* Stale: the handle names nothing, even after the slot is reused. */
    assert_null(wb_externref_data(f->store, r));
    r2 = wb_externref_new(f->store, &obj, count_dtor);
    assert_int_not_equal(r2, r);
    assert_null(wb_externref_data(f->store, r));
    assert_int_equal(wb_externref_clone(f->store, r), 0);
    wb_externref_release(f->store, r); /* stale: no effect */
    assert_ptr_equal(wb_externref_data(f->store, r2), &obj);
    /* Forged handles name nothing. */
    assert_null(wb_externref_data(f->store, 0));
    assert_null(wb_externref_data(f->store, 0xdeadbeef00000001ull));
    assert_null(wb_externref_data(f->store, 12345));
    /* Reachable from wasm (here: stored in a global): kept until the
     * store is freed, whatever the host does. */
    r3 = wb_externref_new(f->store, &obj, count_dtor);
    {
        wb_val v = { .type = WB_EXTERNREF, .of.externref = r3 };
        assert_non_null(wb_global_new(f->store, &v, true));
    }
    wb_externref_release(f->store, r3);
    assert_int_equal(dtor_calls, 1);
    assert_ptr_equal(wb_externref_data(f->store, r3), &obj);
}

static void test_externref_store_free_runs_dtors(void **state)
{
    fixture *f = *state;
    wb_store *s = wb_store_new(f->engine);
    int a, b;
    dtor_calls = 0;
    assert_int_not_equal(wb_externref_new(s, &a, count_dtor), 0);
    assert_int_not_equal(wb_externref_new(s, &b, count_dtor), 0);
    assert_int_not_equal(wb_externref_new(s, &b, NULL), 0);
    wb_store_free(s);
    assert_int_equal(dtor_calls, 2);
}

/* -- Host functions -- */

static int env_freed;
static void free_env(void *p)
{
    (void)p;
    env_freed++;
}

static void test_host_func_type_and_env(void **state)
{
    (void)state;
    wb_engine *e = wb_engine_new(NULL);
    wb_store *s = wb_store_new(e);
    const uint8_t p[] = { WB_I32, WB_F64 }, r[] = { WB_EXTERNREF };
    const uint8_t *tp, *tr;
    uint32_t np, nr;
    wb_rt_func *fn = wb_func_new_host(s, p, 2, r, 1, nop_host, (void *)1, free_env);
    wb_rt_func *fn2 = wb_func_new_host(s, p, 2, r, 1, nop_host, NULL, NULL);
    const uint8_t bad[] = { 0x40 };

    assert_non_null(fn);
    wb_rt_func_type(fn, &tp, &np, &tr, &nr);
    assert_int_equal(np, 2);
    assert_int_equal(nr, 1);
    assert_memory_equal(tp, p, 2);
    assert_int_equal(tr[0], WB_EXTERNREF);
    assert_int_equal(fn->type_id, fn2->type_id);
    assert_null(wb_func_new_host(s, bad, 1, NULL, 0, nop_host, NULL, NULL));
    assert_null(wb_func_new_host(s, NULL, 0, NULL, 0, NULL, NULL, NULL));
    env_freed = 0;
    wb_store_free(s);
    assert_int_equal(env_freed, 1);
    wb_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sig_ids_are_canonical, setup, teardown),
        cmocka_unit_test(test_config_opt_level),
        cmocka_unit_test_setup_teardown(test_memory_grow_and_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memory_unbounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memory_bad_limits, setup, teardown),
        cmocka_unit_test(test_memory_reservation_caps_growth),
        cmocka_unit_test_setup_teardown(test_memory_guard_faults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memory_users_follow_growth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_funcref, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_unbounded_and_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_rejects_foreign_func, setup, teardown),
        cmocka_unit_test_setup_teardown(test_globals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_externref_counting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_externref_store_free_runs_dtors, setup, teardown),
        cmocka_unit_test(test_host_func_type_and_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

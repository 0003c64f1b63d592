/* test_externref.c — externref lifetimes under deferred reference counting
 * (DESIGN.md), checked with destructor counters and exact reference
 * counts: references held only by wasm frames (locals, operand stack, host
 * call arguments) survive collections run in deep callees, from the host
 * or from compiled code's slow path, also across nested activations; they
 * die at the first collection after the frames are gone, returned or
 * trapped; globals and table elements (set, get, grow, fill, copy, init,
 * host API) hold exactly one count per copy; stale and forged handles are
 * null; the store's end destroys everything.
 *
 * (module $refs   ;; refs_wasm
 *   (import "host" "gc" (func $gc))            ;; the fixture's gc_host
 *   (import "host" "probe" (func $probe (param externref)))
 *   (global $g (export "g") (mut externref) (ref.null extern))
 *   (table $t (export "t") 4 64 externref)
 *   $deep n: recursion to depth n, then call $gc
 *   hold r depth -> r: r only in a declared local ($r cleared), $deep depth
 *   $churn k: k times (drop (global.get $g)): fills the activations table
 *   hold_churn r depth k -> r: like hold, with $churn k at the bottom
 *   on_stack r -> r: r only on the operand stack across (call $gc)
 *   probe_g: (call $probe (global.get $g))
 *   trap r depth: r in a local; each level does a global.get, the last
 *     one is unreachable
 *   set_g, get_g, tset i r, tget i, tgrow r n, tfill i r n, tcopy d s n,
 *   tsize, is_null r)
 *
 * (module $init   ;; init_wasm
 *   (import "host" "k" (global $k externref))
 *   (global $copy (export "copy") (mut externref) (global.get $k))
 *   (table $t (export "t") 4 externref)
 *   (elem $e externref (ref.null extern) (ref.null extern))
 *   tinit d s n: (table.init $t $e d s n); clear: (global.set $copy null)) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "runtime_test.h"

static const uint8_t refs_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x51, 0x10, 0x60,
  0x00, 0x00, 0x60, 0x01, 0x6f, 0x00, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x02,
  0x6f, 0x7f, 0x01, 0x6f, 0x60, 0x02, 0x7f, 0x7f, 0x00, 0x60, 0x03, 0x6f,
  0x7f, 0x7f, 0x01, 0x6f, 0x60, 0x01, 0x6f, 0x01, 0x6f, 0x60, 0x02, 0x6f,
  0x7f, 0x00, 0x60, 0x00, 0x01, 0x6f, 0x60, 0x02, 0x7f, 0x6f, 0x00, 0x60,
  0x01, 0x7f, 0x01, 0x6f, 0x60, 0x02, 0x6f, 0x7f, 0x01, 0x7f, 0x60, 0x03,
  0x7f, 0x6f, 0x7f, 0x00, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00, 0x60, 0x00,
  0x01, 0x7f, 0x60, 0x01, 0x6f, 0x01, 0x7f, 0x02, 0x18, 0x02, 0x04, 0x68,
  0x6f, 0x73, 0x74, 0x02, 0x67, 0x63, 0x00, 0x00, 0x04, 0x68, 0x6f, 0x73,
  0x74, 0x05, 0x70, 0x72, 0x6f, 0x62, 0x65, 0x00, 0x01, 0x03, 0x13, 0x12,
  0x02, 0x03, 0x02, 0x04, 0x05, 0x06, 0x00, 0x02, 0x07, 0x01, 0x08, 0x09,
  0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x04, 0x05, 0x01, 0x6f, 0x01, 0x04,
  0x40, 0x06, 0x06, 0x01, 0x6f, 0x01, 0xd0, 0x6f, 0x0b, 0x07, 0x81, 0x01,
  0x10, 0x01, 0x67, 0x03, 0x00, 0x01, 0x74, 0x01, 0x00, 0x04, 0x68, 0x6f,
  0x6c, 0x64, 0x00, 0x03, 0x0a, 0x68, 0x6f, 0x6c, 0x64, 0x5f, 0x63, 0x68,
  0x75, 0x72, 0x6e, 0x00, 0x06, 0x08, 0x6f, 0x6e, 0x5f, 0x73, 0x74, 0x61,
  0x63, 0x6b, 0x00, 0x07, 0x07, 0x70, 0x72, 0x6f, 0x62, 0x65, 0x5f, 0x67,
  0x00, 0x08, 0x04, 0x74, 0x72, 0x61, 0x70, 0x00, 0x0a, 0x05, 0x73, 0x65,
  0x74, 0x5f, 0x67, 0x00, 0x0b, 0x05, 0x67, 0x65, 0x74, 0x5f, 0x67, 0x00,
  0x0c, 0x04, 0x74, 0x73, 0x65, 0x74, 0x00, 0x0d, 0x04, 0x74, 0x67, 0x65,
  0x74, 0x00, 0x0e, 0x05, 0x74, 0x67, 0x72, 0x6f, 0x77, 0x00, 0x0f, 0x05,
  0x74, 0x66, 0x69, 0x6c, 0x6c, 0x00, 0x10, 0x05, 0x74, 0x63, 0x6f, 0x70,
  0x79, 0x00, 0x11, 0x05, 0x74, 0x73, 0x69, 0x7a, 0x65, 0x00, 0x12, 0x07,
  0x69, 0x73, 0x5f, 0x6e, 0x75, 0x6c, 0x6c, 0x00, 0x13, 0x0a, 0xe3, 0x01,
  0x12, 0x12, 0x00, 0x20, 0x00, 0x45, 0x04, 0x40, 0x10, 0x00, 0x0f, 0x0b,
  0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, 0x02, 0x0b, 0x12, 0x01, 0x01, 0x6f,
  0x20, 0x00, 0x21, 0x02, 0xd0, 0x6f, 0x21, 0x00, 0x20, 0x01, 0x10, 0x02,
  0x20, 0x02, 0x0b, 0x11, 0x00, 0x03, 0x40, 0x23, 0x00, 0x1a, 0x20, 0x00,
  0x41, 0x01, 0x6b, 0x22, 0x00, 0x0d, 0x00, 0x0b, 0x0b, 0x16, 0x00, 0x20,
  0x00, 0x45, 0x04, 0x40, 0x20, 0x01, 0x10, 0x04, 0x0f, 0x0b, 0x20, 0x00,
  0x41, 0x01, 0x6b, 0x20, 0x01, 0x10, 0x05, 0x0b, 0x14, 0x01, 0x01, 0x6f,
  0x20, 0x00, 0x21, 0x03, 0xd0, 0x6f, 0x21, 0x00, 0x20, 0x01, 0x20, 0x02,
  0x10, 0x05, 0x20, 0x03, 0x0b, 0x0a, 0x00, 0x20, 0x00, 0xd0, 0x6f, 0x21,
  0x00, 0x10, 0x00, 0x0b, 0x06, 0x00, 0x23, 0x00, 0x10, 0x01, 0x0b, 0x13,
  0x00, 0x23, 0x00, 0x1a, 0x20, 0x00, 0x45, 0x04, 0x40, 0x00, 0x0b, 0x20,
  0x00, 0x41, 0x01, 0x6b, 0x10, 0x09, 0x0b, 0x0c, 0x01, 0x01, 0x6f, 0x20,
  0x00, 0x21, 0x02, 0x20, 0x01, 0x10, 0x09, 0x0b, 0x06, 0x00, 0x20, 0x00,
  0x24, 0x00, 0x0b, 0x04, 0x00, 0x23, 0x00, 0x0b, 0x08, 0x00, 0x20, 0x00,
  0x20, 0x01, 0x26, 0x00, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x25, 0x00, 0x0b,
  0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0xfc, 0x0f, 0x00, 0x0b, 0x0b, 0x00,
  0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfc, 0x11, 0x00, 0x0b, 0x0c, 0x00,
  0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfc, 0x0e, 0x00, 0x00, 0x0b, 0x05,
  0x00, 0xfc, 0x10, 0x00, 0x0b, 0x05, 0x00, 0x20, 0x00, 0xd1, 0x0b,
};
static const uint8_t init_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x02, 0x60,
  0x03, 0x7f, 0x7f, 0x7f, 0x00, 0x60, 0x00, 0x00, 0x02, 0x0b, 0x01, 0x04,
  0x68, 0x6f, 0x73, 0x74, 0x01, 0x6b, 0x03, 0x6f, 0x00, 0x03, 0x03, 0x02,
  0x00, 0x01, 0x04, 0x04, 0x01, 0x6f, 0x00, 0x04, 0x06, 0x06, 0x01, 0x6f,
  0x01, 0x23, 0x00, 0x0b, 0x07, 0x1c, 0x04, 0x04, 0x63, 0x6f, 0x70, 0x79,
  0x03, 0x01, 0x01, 0x74, 0x01, 0x00, 0x05, 0x74, 0x69, 0x6e, 0x69, 0x74,
  0x00, 0x00, 0x05, 0x63, 0x6c, 0x65, 0x61, 0x72, 0x00, 0x01, 0x09, 0x0a,
  0x01, 0x05, 0x6f, 0x02, 0xd0, 0x6f, 0x0b, 0xd0, 0x6f, 0x0b, 0x0a, 0x15,
  0x02, 0x0c, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfc, 0x0c, 0x00,
  0x00, 0x0b, 0x06, 0x00, 0xd0, 0x6f, 0x24, 0x01, 0x0b,
};

/* -- Objects: each destructor run is counted -- */

#define NOBJS 16
typedef struct obj {
    int id;
    int dead;               /* destructor runs: must end at exactly 1 */
} obj;
static obj objs[NOBJS];

static void obj_dtor(void *p)
{
    ((obj *)p)->dead++;
}

/* -- Fixture -- */

enum gc_mode { GC_COLLECT, GC_REENTER, GC_NONE };

typedef struct fixture {
    wb_engine *engine;
    wb_store *store;
    wb_compiled *refs_c, *init_c;
    wb_instance *refs;
    /* what gc_host does */
    int mode;
    int gc_calls;
    wb_err gc_err;
    wb_externref release_in_gc;     /* released by gc_host first, if set */
    wb_externref watch;             /* must be alive whenever gc_host runs */
    int watch_dead_in_gc;           /* times it was found dead there */
    wb_externref inner;             /* GC_REENTER: passed to the inner call */
    uint64_t inner_collections;     /* collections the inner call ran */
    /* what probe_host saw */
    int probe_ok;
} fixture;

static fixture *cur;

static wb_extern export(wb_instance *inst, const char *name)
{
    wb_extern ex;
    memset(&ex, 0, sizeof(ex));
    assert_true(wb_instance_export(inst, name, strlen(name), &ex));
    return ex;
}

static wb_rt_func *fn(fixture *f, const char *name)
{
    return export(f->refs, name).of.func;
}

static wb_val ref(wb_externref r)
{
    return (wb_val){ .type = WB_EXTERNREF, .of.externref = r };
}

static wb_val i32(int32_t v)
{
    return (wb_val){ .type = WB_I32, .of.i32 = v };
}

static wb_externref new_obj(fixture *f, int i)
{
    objs[i] = (obj){ .id = i };
    return wb_externref_new(f->store, &objs[i], obj_dtor);
}

static uint64_t collections(fixture *f)
{
    wb_externref_stats st;
    wb_externref_stats_get(f->store, &st);
    return st.collections;
}

static void collect(fixture *f)
{
    assert_int_equal(wb_externref_collect(f->store), WB_OK);
}

static wb_err gc_host(wb_caller *c, void *env, const wb_val *args, wb_val *results)
{
    fixture *f = env;
    (void)c; (void)args; (void)results;
    f->gc_calls++;
    if (f->release_in_gc) {
        wb_externref_release(f->store, f->release_in_gc);
        f->release_in_gc = 0;
    }
    if (f->mode == GC_COLLECT) {
        f->gc_err = wb_externref_collect(f->store);
    } else if (f->mode == GC_REENTER) {
        /* a nested activation whose compiled code collects (slow path):
         * it must see the outer activation's frames too */
        wb_val a[3] = { ref(f->inner), i32(30), i32(3 * WB_GC_ACT_LIMIT) }, r;
        uint64_t before = collections(f);
        f->mode = GC_NONE;
        f->gc_err = wb_func_call(f->store, fn(f, "hold_churn"), a, 3, &r, 1, NULL);
        f->mode = GC_REENTER;
        f->inner_collections = collections(f) - before;
        if (f->gc_err == WB_OK && r.of.externref != f->inner)
            f->gc_err = WB_ERR_INTERNAL;
        wb_externref_release(f->store, r.of.externref);
    }
    if (f->watch && !wb_externref_data(f->store, f->watch))
        f->watch_dead_in_gc++;
    return WB_OK;
}

/* Clears the global the argument came from, collects, and checks that the
 * argument is still alive: a host function's arguments are held for the
 * call even when no wasm frame and no activation entry keeps them. */
static wb_err probe_host(wb_caller *c, void *env, const wb_val *args, wb_val *results)
{
    fixture *f = env;
    wb_val null = ref(0);
    obj *o;
    (void)c; (void)results;
    assert_int_equal(wb_global_set(export(f->refs, "g").of.global, &null), WB_OK);
    collect(f);
    collect(f);
    o = wb_externref_data(f->store, args[0].of.externref);
    f->probe_ok = o && o->dead == 0 && o->id == 3;
    return WB_OK;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    const uint8_t er[] = { WB_EXTERNREF };
    wb_extern imp[2];
    wb_trap *t = NULL;
    wb_diag d;

    memset(objs, 0, sizeof(objs));
    f->engine = wb_engine_new(NULL);
    f->store = wb_store_new(f->engine);
    if (wb_compile(f->engine, refs_wasm, sizeof(refs_wasm), &f->refs_c, &d) != WB_OK ||
        wb_compile(f->engine, init_wasm, sizeof(init_wasm), &f->init_c, &d) != WB_OK)
        return -1;
    imp[0] = (wb_extern){ .kind = WB_EXTERN_FUNC,
                          .of.func = wb_func_new_host(f->store, NULL, 0, NULL, 0, gc_host, f,
                                                      NULL) };
    imp[1] = (wb_extern){ .kind = WB_EXTERN_FUNC,
                          .of.func = wb_func_new_host(f->store, er, 1, NULL, 0, probe_host, f,
                                                      NULL) };
    if (wb_instance_new(f->store, f->refs_c, imp, 2, &f->refs, &t, &d) != WB_OK)
        return -1;
    cur = f;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    wb_store_free(f->store);
    wb_compiled_free(f->refs_c);
    wb_compiled_free(f->init_c);
    wb_engine_free(f->engine);
    free(f);
    /* the store's end destroyed every object exactly once */
    for (int i = 0; i < NOBJS; i++)
        if (objs[i].dead > 1)
            return -1;
    return 0;
}

/* Calls refs.name; the one result (if any) into *res. */
static wb_err call(fixture *f, const char *name, const wb_val *args, size_t nargs, wb_val *res)
{
    uint32_t nres;
    wb_rt_func *g = fn(f, name);
    wb_rt_func_type(g, NULL, NULL, NULL, &nres);
    return wb_func_call(f->store, g, args, nargs, res, nres, NULL);
}

/* -- References held by wasm frames only -- */

/* The reference lives in a declared local only; the host drops its own
 * reference and collects 200 calls further down. */
static void test_local_survives_collection_in_deep_callee(void **state)
{
    fixture *f = *state;
    wb_externref r = new_obj(f, 1);
    wb_val a[2] = { ref(r), i32(200) }, res;
    uint64_t before = collections(f);

    rt_signals_apply();
    f->mode = GC_COLLECT;
    f->release_in_gc = r;
    f->watch = r;
    assert_int_equal(call(f, "hold", a, 2, &res), WB_OK);
    assert_int_equal(f->gc_calls, 1);
    assert_int_equal(f->gc_err, WB_OK);
    assert_int_equal(f->watch_dead_in_gc, 0);
    assert_int_equal(collections(f), before + 1);
    assert_int_equal(res.of.externref, r);
    assert_ptr_equal(wb_externref_data(f->store, r), &objs[1]);
    /* the result is the host's; the activations table keeps r until the
     * next collection */
    assert_int_equal(wb_externref_refcount(f->store, r), 2);
    wb_externref_release(f->store, res.of.externref);
    assert_int_equal(objs[1].dead, 0);
    collect(f);
    assert_int_equal(objs[1].dead, 1);
    assert_null(wb_externref_data(f->store, r));
}

/* Compiled code fills the activations table (global.get in a loop, 40
 * calls down) and collects from its slow path; the reference is owned by
 * the activations table only (transient), so only the stack map of the
 * outermost frame keeps it alive. */
static void test_local_survives_slow_path_collections(void **state)
{
    fixture *f = *state;
    wb_externref g0 = new_obj(f, 2), r;
    wb_val a[3], res, gv = ref(g0);
    uint64_t before;

    rt_signals_apply();
    assert_int_equal(wb_global_set(export(f->refs, "g").of.global, &gv), WB_OK);
    collect(f);
    r = wb_externref_new_transient(f->store, &objs[1], obj_dtor);
    objs[1].id = 1;
    a[0] = ref(r);
    a[1] = i32(40);
    a[2] = i32(3 * WB_GC_ACT_LIMIT);
    before = collections(f);
    assert_int_equal(call(f, "hold_churn", a, 3, &res), WB_OK);
    assert_true(collections(f) - before >= 2);
    assert_int_equal(res.of.externref, r);
    assert_ptr_equal(wb_externref_data(f->store, r), &objs[1]);
    assert_int_equal(objs[1].dead, 0);
    wb_externref_release(f->store, res.of.externref);
    collect(f);
    assert_int_equal(objs[1].dead, 1);
    /* the global's value was cloned 3 * limit times: exactly the host's
     * and the global's counts are left */
    assert_int_equal(wb_externref_refcount(f->store, g0), 2);
    assert_int_equal(objs[2].dead, 0);
}

/* The reference is only on the operand stack (a spilled slot) across the
 * call that collects. */
static void test_operand_stack_survives_collection(void **state)
{
    fixture *f = *state;
    wb_externref r = new_obj(f, 1);
    wb_val a = ref(r), res;

    rt_signals_apply();
    f->mode = GC_COLLECT;
    f->release_in_gc = r;
    f->watch = r;
    assert_int_equal(call(f, "on_stack", &a, 1, &res), WB_OK);
    assert_int_equal(f->gc_err, WB_OK);
    assert_int_equal(f->watch_dead_in_gc, 0);
    assert_int_equal(res.of.externref, r);
    assert_int_equal(objs[1].dead, 0);
    wb_externref_release(f->store, res.of.externref);
    collect(f);
    assert_int_equal(objs[1].dead, 1);
}

/* A host function's argument, read from a global the host then clears,
 * survives collections during the call and dies as the call returns. */
static void test_host_argument_held_for_the_call(void **state)
{
    fixture *f = *state;
    wb_externref r = new_obj(f, 3);
    wb_val gv = ref(r);

    rt_signals_apply();
    assert_int_equal(wb_global_set(export(f->refs, "g").of.global, &gv), WB_OK);
    wb_externref_release(f->store, r);
    collect(f);
    assert_int_equal(call(f, "probe_g", NULL, 0, NULL), WB_OK);
    assert_true(f->probe_ok);
    assert_int_equal(objs[3].dead, 1);
}

/* A host function called from wasm calls into wasm again; the inner
 * activation's compiled code collects, and must find the outer
 * activation's frames through the host call. */
static void test_nested_activation_collections(void **state)
{
    fixture *f = *state;
    wb_externref g0 = new_obj(f, 2), outer = new_obj(f, 1);
    wb_val gv = ref(g0), a[2] = { ref(outer), i32(50) }, res;

    rt_signals_apply();
    assert_int_equal(wb_global_set(export(f->refs, "g").of.global, &gv), WB_OK);
    f->inner = new_obj(f, 4);
    f->mode = GC_REENTER;
    f->release_in_gc = outer;
    f->watch = outer;
    assert_int_equal(call(f, "hold", a, 2, &res), WB_OK);
    assert_int_equal(f->gc_calls, 1);
    assert_int_equal(f->gc_err, WB_OK);
    assert_true(f->inner_collections >= 2);
    assert_int_equal(f->watch_dead_in_gc, 0);
    assert_int_equal(res.of.externref, outer);
    assert_int_equal(objs[1].dead, 0);
    wb_externref_release(f->store, res.of.externref);
    wb_externref_release(f->store, f->inner);
    collect(f);
    assert_int_equal(objs[1].dead, 1);
    assert_int_equal(objs[4].dead, 1);
    assert_int_equal(wb_externref_refcount(f->store, g0), 2);
}

/* A trap 100 calls down abandons frames holding references: the next
 * collection drops everything they held. */
static void test_trap_leaks_nothing(void **state)
{
    fixture *f = *state;
    wb_externref g0 = new_obj(f, 2), r = new_obj(f, 1);
    wb_val gv = ref(g0), a[2] = { ref(r), i32(100) };
    wb_externref_stats st;
    wb_trap *t = NULL;

    rt_signals_apply();
    assert_int_equal(wb_global_set(export(f->refs, "g").of.global, &gv), WB_OK);
    collect(f);
    assert_int_equal(wb_func_call(f->store, fn(f, "trap"), a, 2, NULL, 0, &t), WB_ERR_TRAP);
    assert_int_equal(wb_trap_kind(t), WB_ERR_TRAP_UNREACHABLE);
    wb_trap_free(t);
    wb_externref_release(f->store, r);
    assert_int_equal(objs[1].dead, 0); /* the activations table has it */
    collect(f);
    assert_int_equal(objs[1].dead, 1);
    assert_int_equal(wb_externref_refcount(f->store, g0), 2);
    wb_externref_stats_get(f->store, &st);
    assert_int_equal(st.activations, 0);
    assert_int_equal(st.live, 1);
}

/* -- Globals and tables: one count per stored copy -- */

static void test_globals_count_exactly(void **state)
{
    fixture *f = *state;
    wb_rt_global *g = export(f->refs, "g").of.global, *own;
    wb_externref r = new_obj(f, 1), r2 = new_obj(f, 2);
    wb_val a = ref(r), res, v;

    rt_signals_apply();
    assert_int_equal(call(f, "set_g", &a, 1, NULL), WB_OK);
    collect(f);
    assert_int_equal(wb_externref_refcount(f->store, r), 2); /* host, global */
    wb_externref_release(f->store, r);
    collect(f);
    assert_int_equal(objs[1].dead, 0);
    assert_int_equal(wb_externref_refcount(f->store, r), 1);
    assert_int_equal(call(f, "get_g", NULL, 0, &res), WB_OK);
    assert_int_equal(res.of.externref, r);
    wb_externref_release(f->store, res.of.externref);
    collect(f);
    assert_int_equal(wb_externref_refcount(f->store, r), 1);
    wb_global_get(g, &v);
    assert_int_equal(v.of.externref, r);
    /* overwritten: the global's count was the last one */
    a = ref(0);
    assert_int_equal(call(f, "set_g", &a, 1, NULL), WB_OK);
    assert_int_equal(objs[1].dead, 1);

    /* the host API counts the same way */
    a = ref(r2);
    assert_int_equal(wb_global_set(g, &a), WB_OK);
    assert_non_null(own = wb_global_new(f->store, &a, false));
    assert_int_equal(wb_externref_refcount(f->store, r2), 3);
    wb_externref_release(f->store, r2);
    a = ref(0);
    assert_int_equal(wb_global_set(g, &a), WB_OK);
    assert_int_equal(wb_externref_refcount(f->store, r2), 1);
    assert_int_equal(objs[2].dead, 0);
    wb_global_get(own, &v);
    assert_ptr_equal(wb_externref_data(f->store, v.of.externref), &objs[2]);
}

/* Expects the table's elements to be `want` (n of them). */
static void expect_table(wb_rt_table *t, const wb_externref *want, uint32_t n)
{
    wb_val v;
    assert_int_equal(wb_table_size(t), n);
    for (uint32_t i = 0; i < n; i++) {
        assert_true(wb_table_get(t, i, &v));
        assert_int_equal(v.of.externref, want[i]);
    }
}

static void test_tables_count_exactly(void **state)
{
    fixture *f = *state;
    wb_rt_table *t = export(f->refs, "t").of.table, *own;
    wb_externref a = new_obj(f, 1), b = new_obj(f, 2);
    wb_val args[3], res;

    rt_signals_apply();
    /* grow by 5 with a: 5 counts */
    args[0] = ref(a);
    args[1] = i32(5);
    assert_int_equal(call(f, "tgrow", args, 2, &res), WB_OK);
    assert_int_equal(res.of.i32, 4);
    collect(f);
    assert_int_equal(wb_externref_refcount(f->store, a), 1 + 5);
    /* a failing grow (past the maximum, 64) counts nothing */
    args[1] = i32(100);
    assert_int_equal(call(f, "tgrow", args, 2, &res), WB_OK);
    assert_int_equal(res.of.i32, -1);
    collect(f);
    assert_int_equal(wb_externref_refcount(f->store, a), 1 + 5);
    /* fill [0, 6) with b: overwrites two a's */
    args[0] = i32(0);
    args[1] = ref(b);
    args[2] = i32(6);
    assert_int_equal(call(f, "tfill", args, 3, NULL), WB_OK);
    collect(f);
    assert_int_equal(wb_externref_refcount(f->store, a), 1 + 3);
    assert_int_equal(wb_externref_refcount(f->store, b), 1 + 6);
    /* overlapping copy upwards: [3, 9) <- [0, 6) */
    args[0] = i32(3);
    args[1] = i32(0);
    args[2] = i32(6);
    assert_int_equal(call(f, "tcopy", args, 3, NULL), WB_OK);
    collect(f);
    assert_int_equal(wb_externref_refcount(f->store, a), 1);
    assert_int_equal(wb_externref_refcount(f->store, b), 1 + 9);
    args[0] = i32(8);
    args[1] = ref(a);
    assert_int_equal(call(f, "tset", args, 2, NULL), WB_OK);
    /* overlapping copy downwards: [0, 2) <- [7, 9) */
    args[0] = i32(0);
    args[1] = i32(7);
    args[2] = i32(2);
    assert_int_equal(call(f, "tcopy", args, 3, NULL), WB_OK);
    args[0] = i32(1);
    assert_int_equal(call(f, "tget", args, 1, &res), WB_OK);
    assert_int_equal(res.of.externref, a);
    wb_externref_release(f->store, res.of.externref);
    collect(f);
    expect_table(t, (const wb_externref[]){ b, a, b, b, b, b, b, b, a }, 9);
    assert_int_equal(wb_externref_refcount(f->store, a), 1 + 2);
    assert_int_equal(wb_externref_refcount(f->store, b), 1 + 7);
    /* empty it: the host's counts are left, and then nothing */
    args[0] = i32(0);
    args[1] = ref(0);
    args[2] = i32(9);
    assert_int_equal(call(f, "tfill", args, 3, NULL), WB_OK);
    collect(f);
    assert_int_equal(wb_externref_refcount(f->store, a), 1);
    assert_int_equal(wb_externref_refcount(f->store, b), 1);
    wb_externref_release(f->store, a);
    assert_int_equal(objs[1].dead, 1);

    /* the host API: set, grow, new */
    args[0] = ref(b);
    assert_true(wb_table_set(t, 0, &args[0]));
    assert_int_equal(wb_table_grow(t, 2, &args[0]), 9);
    assert_non_null(own = wb_table_new(f->store, WB_EXTERNREF, 3, 10, true, &args[0]));
    assert_int_equal(wb_externref_refcount(f->store, b), 1 + 1 + 2 + 3);
    args[1] = ref(0);
    assert_true(wb_table_set(t, 0, &args[1]));
    assert_int_equal(wb_table_grow(own, 100, &args[0]), -1);
    assert_int_equal(wb_externref_refcount(f->store, b), 1 + 2 + 3);
    wb_externref_release(f->store, b);
    assert_int_equal(objs[2].dead, 0);
}

/* Module globals initialised from an imported global, and table.init from
 * a segment, count too. */
static void test_global_init_and_table_init_count(void **state)
{
    fixture *f = *state;
    wb_externref k = new_obj(f, 4);
    wb_val kv = ref(k), args[3];
    wb_extern imp = { .kind = WB_EXTERN_GLOBAL };
    wb_instance *init;
    wb_rt_table *t;
    wb_trap *trap = NULL;
    wb_diag d;

    rt_signals_apply();
    assert_non_null(imp.of.global = wb_global_new(f->store, &kv, false));
    assert_int_equal(wb_instance_new(f->store, f->init_c, &imp, 1, &init, &trap, &d), WB_OK);
    assert_int_equal(wb_externref_refcount(f->store, k), 3); /* host, k, copy */
    t = export(init, "t").of.table;
    for (uint32_t i = 0; i < 4; i++)
        assert_true(wb_table_set(t, i, &kv));
    assert_int_equal(wb_externref_refcount(f->store, k), 3 + 4);
    args[0] = i32(1);
    args[1] = i32(0);
    args[2] = i32(2);
    assert_int_equal(wb_func_call(f->store, export(init, "tinit").of.func, args, 3, NULL, 0,
                                  NULL),
                     WB_OK);
    expect_table(t, (const wb_externref[]){ k, 0, 0, k }, 4);
    assert_int_equal(wb_func_call(f->store, export(init, "clear").of.func, NULL, 0, NULL, 0,
                                  NULL),
                     WB_OK);
    collect(f);
    assert_int_equal(wb_externref_refcount(f->store, k), 1 + 1 + 2);
}

/* -- Handles -- */

static void test_stale_and_forged_handles_are_null(void **state)
{
    fixture *f = *state;
    wb_externref r = new_obj(f, 1), forged = 0x7fffffff00001234ull;
    wb_rt_table *t = export(f->refs, "t").of.table;
    wb_rt_global *g = export(f->refs, "g").of.global;
    wb_val a, res;

    rt_signals_apply();
    wb_externref_release(f->store, r);
    assert_int_equal(objs[1].dead, 1);
    assert_null(wb_externref_data(f->store, r));
    assert_int_equal(wb_externref_refcount(f->store, r), 0);
    assert_int_equal(wb_externref_clone(f->store, r), 0);
    wb_externref_release(f->store, r); /* nothing */
    wb_externref_release(f->store, forged);
    for (int i = 0; i < 3; i++) {
        wb_externref h = i == 0 ? r : i == 1 ? forged : (uint64_t)1 << 32;
        a = ref(h);
        assert_int_equal(call(f, "is_null", &a, 1, &res), WB_OK);
        assert_int_equal(res.of.i32, 1);
        assert_int_equal(call(f, "set_g", &a, 1, NULL), WB_OK);
        assert_true(wb_table_set(t, 0, &a));
        assert_true(wb_table_get(t, 0, &res));
        assert_int_equal(res.of.externref, 0);
        assert_int_equal(wb_global_set(g, &a), WB_OK);
        wb_global_get(g, &res);
        assert_int_equal(res.of.externref, 0);
    }
    /* a new object in the freed slot has another generation */
    assert_int_not_equal(new_obj(f, 2), r);
}

/* -- Transient references, refused collections, stats, the store's end -- */

static void test_transient_reference(void **state)
{
    fixture *f = *state;
    wb_externref r;
    wb_externref_stats st;
    wb_val args[2];

    rt_signals_apply();
    collect(f);
    r = wb_externref_new_transient(f->store, &objs[5], obj_dtor);
    assert_int_equal(wb_externref_refcount(f->store, r), 1);
    wb_externref_stats_get(f->store, &st);
    assert_int_equal(st.activations, 1);
    args[0] = i32(2);
    args[1] = ref(r);
    assert_int_equal(call(f, "tset", args, 2, NULL), WB_OK);
    collect(f);
    assert_int_equal(wb_externref_refcount(f->store, r), 1); /* the table's */
    assert_int_equal(objs[5].dead, 0);
    args[1] = ref(0);
    assert_int_equal(call(f, "tset", args, 2, NULL), WB_OK);
    assert_int_equal(objs[5].dead, 1);
}

static wb_err dtor_collect_err;
static void collecting_dtor(void *p)
{
    obj_dtor(p);
    dtor_collect_err = wb_externref_collect(cur->store);
}

/* A destructor run while wasm code is inside a builtin cannot collect
 * (those frames are not walkable from there); at top level it can. */
static void test_collection_refused_inside_runtime_calls(void **state)
{
    fixture *f = *state;
    wb_externref x = wb_externref_new(f->store, &objs[6], collecting_dtor);
    wb_val args[2] = { i32(0), ref(x) };

    rt_signals_apply();
    assert_int_equal(call(f, "tset", args, 2, NULL), WB_OK);
    collect(f);
    wb_externref_release(f->store, x);
    dtor_collect_err = WB_OK;
    args[1] = ref(0);
    assert_int_equal(call(f, "tset", args, 2, NULL), WB_OK);
    assert_int_equal(objs[6].dead, 1);
    assert_int_equal(dtor_collect_err, WB_ERR_USAGE);
    x = wb_externref_new(f->store, &objs[7], collecting_dtor);
    dtor_collect_err = WB_ERR_INTERNAL;
    wb_externref_release(f->store, x);
    assert_int_equal(objs[7].dead, 1);
    assert_int_equal(dtor_collect_err, WB_OK);
}

static void test_stats(void **state)
{
    fixture *f = *state;
    wb_externref_stats st;
    wb_externref r[4];

    rt_signals_apply();
    for (int i = 0; i < 4; i++)
        r[i] = new_obj(f, 8 + i);
    wb_externref_release(f->store, r[0]);
    wb_externref_stats_get(f->store, &st);
    assert_int_equal(st.created, 4);
    assert_int_equal(st.destroyed, 1);
    assert_int_equal(st.live, 3);
    assert_int_equal(st.collections, 0);
    collect(f);
    wb_externref_stats_get(f->store, &st);
    assert_int_equal(st.collections, 1);
    for (int i = 1; i < 4; i++)
        wb_externref_release(f->store, r[i]);
    wb_externref_stats_get(f->store, &st);
    assert_int_equal(st.live, 0);
    assert_int_equal(st.destroyed, 4);
}

/* Host-held, in globals (wasm's and the host's), in a table, in the
 * activations table only: wb_store_free destroys each exactly once. */
static void test_store_free_destroys_everything(void **state)
{
    fixture *f = *state;
    const uint8_t er[] = { WB_EXTERNREF };
    wb_store *s = wb_store_new(f->engine);
    wb_extern imp[2];
    wb_instance *inst;
    wb_val args[2], v;
    wb_externref r[5];
    wb_trap *t = NULL;
    wb_diag d;

    rt_signals_apply();
    imp[0] = (wb_extern){ .kind = WB_EXTERN_FUNC,
                          .of.func = wb_func_new_host(s, NULL, 0, NULL, 0, gc_host, f, NULL) };
    imp[1] = (wb_extern){ .kind = WB_EXTERN_FUNC,
                          .of.func = wb_func_new_host(s, er, 1, NULL, 0, probe_host, f, NULL) };
    assert_int_equal(wb_instance_new(s, f->refs_c, imp, 2, &inst, &t, &d), WB_OK);
    for (int i = 0; i < 4; i++) {
        objs[i] = (obj){ .id = i };
        r[i] = wb_externref_new(s, &objs[i], obj_dtor);
    }
    r[4] = wb_externref_new_transient(s, &objs[4], obj_dtor);
    args[0] = ref(r[1]);
    assert_int_equal(wb_func_call(s, export(inst, "set_g").of.func, args, 1, NULL, 0, NULL),
                     WB_OK);
    args[0] = i32(3);
    args[1] = ref(r[2]);
    assert_int_equal(wb_func_call(s, export(inst, "tset").of.func, args, 2, NULL, 0, NULL),
                     WB_OK);
    v = ref(r[3]);
    assert_non_null(wb_global_new(s, &v, true));
    for (int i = 1; i < 4; i++)
        wb_externref_release(s, r[i]);
    assert_int_equal(wb_externref_collect(s), WB_OK);
    for (int i = 0; i < 4; i++)
        assert_int_equal(objs[i].dead, 0);
    assert_int_equal(objs[4].dead, 1); /* transient, held by nothing */
    objs[4] = (obj){ .id = 4 };
    r[4] = wb_externref_new_transient(s, &objs[4], obj_dtor);
    wb_store_free(s);
    for (int i = 0; i < 5; i++)
        assert_int_equal(objs[i].dead, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_local_survives_collection_in_deep_callee, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_local_survives_slow_path_collections, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_operand_stack_survives_collection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_argument_held_for_the_call, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nested_activation_collections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trap_leaks_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_globals_count_exactly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tables_count_exactly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_global_init_and_table_init_count, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_and_forged_handles_are_null, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_transient_reference, setup, teardown),
        cmocka_unit_test_setup_teardown(test_collection_refused_inside_runtime_calls, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_free_destroys_everything, setup, teardown),
    };
    rt_signals_capture();
    return cmocka_run_group_tests(tests, NULL, NULL);
}


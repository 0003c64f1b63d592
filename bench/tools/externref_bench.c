/* externref_bench.c — the costs of deferred reference counting:
 *   1. an externref passed through a wasm call (argument and result)
 *      against an i64: wasm -> wasm calls in a loop, and host -> wasm calls
 *      (wb_func_call: the argument enters the activations table, the
 *      result is cloned for the host, which releases it);
 *   2. global.get of an externref (inline clone into the activations
 *      table, slow path and collections included) against an i64;
 *   3. a collection per live reference: a host function at the bottom of
 *      a recursion of D frames holding 8 externrefs each collects
 *      repeatedly; and per dead entry of the activations table.
 * Medians of RUNS (default 5) runs; nanoseconds.
 * usage: externref_bench [RUNS]
 *
 * (module
 *   (import "host" "collect" (func $collect (param i32)))  ;; collects n times
 *   (global $gr (mut externref)) (global $gi (mut i64))
 *   calls_ref r n -> r / calls_i64 v n -> v: n calls of (func (param T) (result T))
 *   gets_ref n / gets_i64 n: n global.gets, dropped
 *   set_gr r
 *   deep r depth times: depth + 1 frames each holding r in a parameter and
 *     7 locals; the last calls $collect times) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wasmbox.h"

static const uint8_t bench_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x25, 0x07, 0x60,
  0x01, 0x7f, 0x00, 0x60, 0x01, 0x6f, 0x01, 0x6f, 0x60, 0x01, 0x7e, 0x01,
  0x7e, 0x60, 0x02, 0x6f, 0x7f, 0x01, 0x6f, 0x60, 0x02, 0x7e, 0x7f, 0x01,
  0x7e, 0x60, 0x01, 0x6f, 0x00, 0x60, 0x03, 0x6f, 0x7f, 0x7f, 0x00, 0x02,
  0x10, 0x01, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x07, 0x63, 0x6f, 0x6c, 0x6c,
  0x65, 0x63, 0x74, 0x00, 0x00, 0x03, 0x09, 0x08, 0x01, 0x02, 0x03, 0x04,
  0x00, 0x00, 0x05, 0x06, 0x06, 0x0b, 0x02, 0x6f, 0x01, 0xd0, 0x6f, 0x0b,
  0x7e, 0x01, 0x42, 0x00, 0x0b, 0x07, 0x3f, 0x06, 0x09, 0x63, 0x61, 0x6c,
  0x6c, 0x73, 0x5f, 0x72, 0x65, 0x66, 0x00, 0x03, 0x09, 0x63, 0x61, 0x6c,
  0x6c, 0x73, 0x5f, 0x69, 0x36, 0x34, 0x00, 0x04, 0x08, 0x67, 0x65, 0x74,
  0x73, 0x5f, 0x72, 0x65, 0x66, 0x00, 0x05, 0x08, 0x67, 0x65, 0x74, 0x73,
  0x5f, 0x69, 0x36, 0x34, 0x00, 0x06, 0x06, 0x73, 0x65, 0x74, 0x5f, 0x67,
  0x72, 0x00, 0x07, 0x04, 0x64, 0x65, 0x65, 0x70, 0x00, 0x08, 0x0a, 0x9b,
  0x01, 0x08, 0x04, 0x00, 0x20, 0x00, 0x0b, 0x04, 0x00, 0x20, 0x00, 0x0b,
  0x16, 0x00, 0x03, 0x40, 0x20, 0x00, 0x10, 0x01, 0x21, 0x00, 0x20, 0x01,
  0x41, 0x01, 0x6b, 0x22, 0x01, 0x0d, 0x00, 0x0b, 0x20, 0x00, 0x0b, 0x16,
  0x00, 0x03, 0x40, 0x20, 0x00, 0x10, 0x02, 0x21, 0x00, 0x20, 0x01, 0x41,
  0x01, 0x6b, 0x22, 0x01, 0x0d, 0x00, 0x0b, 0x20, 0x00, 0x0b, 0x11, 0x00,
  0x03, 0x40, 0x23, 0x00, 0x1a, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x22, 0x00,
  0x0d, 0x00, 0x0b, 0x0b, 0x11, 0x00, 0x03, 0x40, 0x23, 0x01, 0x1a, 0x20,
  0x00, 0x41, 0x01, 0x6b, 0x22, 0x00, 0x0d, 0x00, 0x0b, 0x0b, 0x06, 0x00,
  0x20, 0x00, 0x24, 0x00, 0x0b, 0x36, 0x01, 0x07, 0x6f, 0x20, 0x00, 0x21,
  0x03, 0x20, 0x00, 0x21, 0x04, 0x20, 0x00, 0x21, 0x05, 0x20, 0x00, 0x21,
  0x06, 0x20, 0x00, 0x21, 0x07, 0x20, 0x00, 0x21, 0x08, 0x20, 0x00, 0x21,
  0x09, 0x20, 0x01, 0x45, 0x04, 0x40, 0x20, 0x02, 0x10, 0x00, 0x05, 0x20,
  0x00, 0x20, 0x01, 0x41, 0x01, 0x6b, 0x20, 0x02, 0x10, 0x08, 0x0b, 0x0b,
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp);
    return v[n / 2];
}

typedef struct bench {
    wb_store *store;
    wb_instance *inst;
    double collect_time;        /* seconds spent in the last $collect */
} bench;

static wb_err collect_host(wb_caller *c, void *env, const wb_val *args, wb_val *results)
{
    bench *b = env;
    double t0 = now();
    (void)c; (void)results;
    for (int32_t i = 0; i < args[0].of.i32; i++)
        if (wb_externref_collect(b->store) != WB_OK)
            return wb_caller_trap(c, "collection failed");
    b->collect_time = now() - t0;
    return WB_OK;
}

static wb_rt_func *fn(bench *b, const char *name)
{
    wb_extern ex;
    if (!wb_instance_export(b->inst, name, strlen(name), &ex)) {
        fprintf(stderr, "externref_bench: no export %s\n", name);
        exit(1);
    }
    return ex.of.func;
}

static void call(bench *b, const char *name, const wb_val *args, size_t nargs, wb_val *res,
                 size_t nres)
{
    if (wb_func_call(b->store, fn(b, name), args, nargs, res, nres, NULL) != WB_OK) {
        fprintf(stderr, "externref_bench: %s failed\n", name);
        exit(1);
    }
    for (size_t i = 0; i < nres; i++)
        if (res[i].type == WB_EXTERNREF)
            wb_externref_release(b->store, res[i].of.externref);
}

static wb_val ref(wb_externref r) { return (wb_val){ .type = WB_EXTERNREF, .of.externref = r }; }
static wb_val i32(int32_t v) { return (wb_val){ .type = WB_I32, .of.i32 = v }; }
static wb_val i64(int64_t v) { return (wb_val){ .type = WB_I64, .of.i64 = v }; }

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 5;
    const uint8_t i32t[] = { WB_I32 };
    enum { N_WASM = 20000000, N_HOST = 2000000, N_GETS = 20000000, N_DEAD = 4000 };
    static const int depths[] = { 10, 100, 1000, 2000 };
    bench b = { 0 };
    wb_engine *e = wb_engine_new(NULL);
    wb_compiled *c = NULL;
    wb_extern imp;
    wb_trap *t = NULL;
    wb_diag d;
    wb_externref obj;
    double *v, ref_ns, i64_ns;
    int dummy = 0;

    if (runs < 1 || !(v = calloc((size_t)runs, sizeof(*v))))
        return 2;
    b.store = wb_store_new(e);
    if (wb_compile(e, bench_wasm, sizeof(bench_wasm), &c, &d) != WB_OK)
        return 1;
    imp = (wb_extern){ .kind = WB_EXTERN_FUNC,
                       .of.func = wb_func_new_host(b.store, i32t, 1, NULL, 0, collect_host, &b,
                                                   NULL) };
    if (wb_instance_new(b.store, c, &imp, 1, &b.inst, &t, &d) != WB_OK)
        return 1;
    obj = wb_externref_new(b.store, &dummy, NULL);

    /* 1. calls */
    for (int r = 0; r < runs; r++) {
        wb_val a[2] = { ref(obj), i32(N_WASM) }, res;
        double t0 = now();
        call(&b, "calls_ref", a, 2, &res, 1);
        v[r] = (now() - t0) * 1e9 / N_WASM;
    }
    ref_ns = median(v, runs);
    for (int r = 0; r < runs; r++) {
        wb_val a[2] = { i64(42), i32(N_WASM) }, res;
        double t0 = now();
        call(&b, "calls_i64", a, 2, &res, 1);
        v[r] = (now() - t0) * 1e9 / N_WASM;
    }
    i64_ns = median(v, runs);
    printf("wasm -> wasm call passing and returning  externref %6.2f ns   i64 %6.2f ns   "
           "(%+.2f ns)\n", ref_ns, i64_ns, ref_ns - i64_ns);
    for (int r = 0; r < runs; r++) {
        wb_val a[2] = { ref(obj), i32(1) }, res;
        double t0 = now();
        for (int k = 0; k < N_HOST; k++)
            call(&b, "calls_ref", a, 2, &res, 1);
        v[r] = (now() - t0) * 1e9 / N_HOST;
    }
    ref_ns = median(v, runs);
    for (int r = 0; r < runs; r++) {
        wb_val a[2] = { i64(42), i32(1) }, res;
        double t0 = now();
        for (int k = 0; k < N_HOST; k++)
            call(&b, "calls_i64", a, 2, &res, 1);
        v[r] = (now() - t0) * 1e9 / N_HOST;
    }
    i64_ns = median(v, runs);
    printf("host -> wasm call (wb_func_call)          externref %6.2f ns   i64 %6.2f ns   "
           "(%+.2f ns)\n", ref_ns, i64_ns, ref_ns - i64_ns);

    /* 2. global.get */
    {
        wb_val a = ref(obj);
        call(&b, "set_gr", &a, 1, NULL, 0);
    }
    for (int r = 0; r < runs; r++) {
        wb_val a = i32(N_GETS);
        double t0 = now();
        call(&b, "gets_ref", &a, 1, NULL, 0);
        v[r] = (now() - t0) * 1e9 / N_GETS;
    }
    ref_ns = median(v, runs);
    for (int r = 0; r < runs; r++) {
        wb_val a = i32(N_GETS);
        double t0 = now();
        call(&b, "gets_i64", &a, 1, NULL, 0);
        v[r] = (now() - t0) * 1e9 / N_GETS;
    }
    i64_ns = median(v, runs);
    printf("global.get (collections included)         externref %6.2f ns   i64 %6.2f ns   "
           "(%+.2f ns)\n", ref_ns, i64_ns, ref_ns - i64_ns);

    /* 3. collections */
    for (size_t k = 0; k < sizeof(depths) / sizeof(depths[0]); k++) {
        int depth = depths[k], times = 200000 / depth;
        double live = 8.0 * (depth + 1);
        for (int r = 0; r < runs; r++) {
            wb_val a[3] = { ref(obj), i32(depth), i32(times) };
            call(&b, "deep", a, 3, NULL, 0);
            v[r] = b.collect_time * 1e9 / times;
        }
        ref_ns = median(v, runs);
        printf("collection, %5d frames, %6.0f live refs: %9.0f ns   %5.2f ns per live ref\n",
               depth + 1, live, ref_ns, ref_ns / live);
    }
    for (int r = 0; r < runs; r++) {
        double sum = 0;
        for (int k = 0; k < 100; k++) {
            wb_val a = i32(N_DEAD);
            double t0;
            call(&b, "gets_ref", &a, 1, NULL, 0);
            t0 = now();
            wb_externref_collect(b.store);
            sum += now() - t0;
        }
        v[r] = sum * 1e9 / (100.0 * N_DEAD);
    }
    printf("collection, no frames: %5.2f ns per dead activations-table entry\n",
           median(v, runs));

    wb_externref_release(b.store, obj);
    wb_store_free(b.store);
    wb_compiled_free(c);
    wb_engine_free(e);
    free(v);
    return 0;
}

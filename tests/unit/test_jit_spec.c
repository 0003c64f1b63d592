/* test_jit_spec.c — the baseline compiler over every module of the
 * non-SIMD spec scripts (every .wasm of build/spec, from wast2json): each module
 * that loads (decodes and validates) must compile, and its artifact must
 * hold together: functions in order inside the code, sorted trap and call
 * tables pointing inside their function, stack maps inside the ref-slot
 * array, and a well-formed .eh_frame (CIE, one FDE per function covering
 * exactly its code, zero terminator).
 *
 * Then the encoder's golden cases against what the compiler emits: every
 * module, and the benchmark programs and examples (build/bench), is
 * compiled again at every optimization level, under tunables that reach
 * every code path of the compiler (CPU features on and off, fuel and epoch
 * checks, explicit bounds checks), with the encoder recording each
 * instruction form it encodes (x64_enc.h); each of those forms must be
 * encoded by a golden row (tests/unit/x64_golden.h) or generated case
 * (tests/unit/x64_cases.h), keyed by running them with the same recording;
 * test_x64_enc checks those against llvm-mc. */
#define _GNU_SOURCE
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "jit/jit_int.h"
#include "wasm/wasm.h"

#include "tests/unit/test_jit_golden.h"

static const char *spec_dir(void)
{
    const char *d = getenv("WB_SPEC_DIR");
    return d ? d : "build/spec";
}

static uint8_t *read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    uint8_t *p = NULL;
    long len;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (p = malloc((size_t)len + 1)) && fread(p, 1, (size_t)len, f) == (size_t)len) {
        *n = (size_t)len;
    } else {
        free(p);
        p = NULL;
    }
    fclose(f);
    return p;
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Checks the artifact's invariants; returns a static reason or NULL. */
static const char *check_artifact(const wb_artifact *a, const wb_module *m)
{
    uint32_t code_end;
    if (a->nfuncs != m->ncodes)
        return "nfuncs";
    code_end = a->func_offsets[a->nfuncs];
    if (code_end > a->eh_frame_offset || a->eh_frame_offset + a->eh_frame_size != a->code_size)
        return "layout";
    for (uint32_t i = 0; i < a->nfuncs; i++) {
        if (a->func_offsets[i] >= a->func_offsets[i + 1])
            return "function order";
        if (a->code[a->func_offsets[i]] != 0x55)
            return "prologue";
    }
    for (uint32_t i = 0; i < a->ntraps; i++) {
        const wb_trap_site *t = &a->traps[i];
        if (i && a->traps[i - 1].code_offset >= t->code_offset)
            return "trap order";
        if (t->code_offset >= code_end || wb_artifact_func_at(a, t->code_offset) < 0)
            return "trap outside code";
        if (wb_err_class_of((wb_err)t->kind) != WB_CLASS_TRAP || t->kind == WB_ERR_TRAP)
            return "trap kind";
        if (t->wasm_offset >= m->size)
            return "trap wasm offset";
        if (wb_artifact_trap_at(a, t->code_offset) != t)
            return "trap lookup";
    }
    for (uint32_t i = 0; i < a->ncalls; i++) {
        const wb_call_site *c = &a->calls[i];
        if (i && a->calls[i - 1].return_offset >= c->return_offset)
            return "call order";
        if (c->return_offset > code_end || wb_artifact_func_at(a, c->return_offset - 1) < 0)
            return "call outside code";
        if (c->map_start + c->map_count > a->nref_slots || c->map_start + c->map_count < c->map_start)
            return "stack map range";
        if (wb_artifact_call_at(a, c->return_offset) != c)
            return "call lookup";
    }
    for (uint32_t i = 0; i < a->nref_slots; i++)
        if (a->ref_slots[i] == 0 || a->ref_slots[i] % 8 != 0 || a->ref_slots[i] == -8)
            return "ref slot";

    /* .eh_frame: CIE, then one FDE per function, then a zero terminator */
    {
        const uint8_t *p = a->code + a->eh_frame_offset, *end = p + a->eh_frame_size;
        uint32_t len = rd32(p), cie = a->eh_frame_offset;
        if (a->eh_frame_offset % 8 || len == 0 || len % 8 != 4 || rd32(p + 4) != 0 || p[8] != 1)
            return "CIE";
        if (memcmp(p + 9, "zR", 3) != 0)
            return "CIE augmentation";
        p += 4 + len;
        for (uint32_t i = 0; i < a->nfuncs; i++) {
            uint32_t at = (uint32_t)(p - a->code);
            int32_t pc_rel;
            if (p + 16 > end)
                return "FDE truncated";
            len = rd32(p);
            if (len == 0 || len % 8 != 4 || p + 4 + len > end)
                return "FDE length";
            if (rd32(p + 4) != at + 4 - cie)
                return "FDE CIE pointer";
            pc_rel = (int32_t)rd32(p + 8);
            if ((int64_t)at + 8 + pc_rel != a->func_offsets[i])
                return "FDE pc_begin";
            if (rd32(p + 12) != a->func_offsets[i + 1] - a->func_offsets[i])
                return "FDE pc_range";
            p += 4 + len;
        }
        if (p + 4 != end || rd32(p) != 0)
            return "eh_frame terminator";
    }
    return NULL;
}

/* Calls fn(name, module, arg) for every module of directory dir that
 * loads (assert_invalid / assert_malformed modules do not), SIMD ones
 * (simd*.wasm) left out; returns how many, or -1 without the directory. */
static int for_each_module_in(const char *dir_path,
                              void (*fn)(const char *, const wb_module *, void *), void *arg)
{
    DIR *dir = opendir(dir_path);
    struct dirent *de;
    int loaded = 0;

    if (!dir)
        return -1;
    while ((de = readdir(dir))) {
        size_t nl = strlen(de->d_name), n;
        char path[1024];
        uint8_t *bytes;
        wb_module *m = NULL;
        wb_diag d;

        if (nl < 6 || strcmp(de->d_name + nl - 5, ".wasm") != 0 ||
            strncmp(de->d_name, "simd", 4) == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir_path, de->d_name);
        if (!(bytes = read_file(path, &n)))
            continue;
        memset(&d, 0, sizeof d);
        if (wb_module_load(bytes, n, &m, &d) == WB_OK) {
            loaded++;
            fn(de->d_name, m, arg);
            wb_module_free(m);
        }
        free(bytes);
    }
    closedir(dir);
    return loaded;
}

static int for_each_module(void (*fn)(const char *, const wb_module *, void *), void *arg)
{
    return for_each_module_in(spec_dir(), fn, arg);
}

typedef struct compile_counts {
    unsigned compiled, failed;
} compile_counts;

static void compile_and_check(const char *name, const wb_module *m, void *arg)
{
    compile_counts *k = arg;
    wb_tunables t;
    wb_artifact *a = NULL;
    wb_diag d;
    const char *why;

    wb_tunables_default(&t);
    t.opt_level = 0;
    memset(&d, 0, sizeof d);
    if (wb_jit_compile(m, &t, &a, &d) != WB_OK) {
        char buf[256];
        fprintf(stderr, "    %s: %s\n", name, wb_diag_format(&d, buf, sizeof buf));
        k->failed++;
    } else if ((why = check_artifact(a, m)) != NULL) {
        fprintf(stderr, "    %s: artifact: %s\n", name, why);
        k->failed++;
    } else {
        k->compiled++;
    }
    wb_artifact_free(a);
}

static void test_spec_modules(void **state)
{
    compile_counts k = { 0, 0 };
    int loaded;
    (void)state;

    if ((loaded = for_each_module(compile_and_check, &k)) < 0) {
        fprintf(stderr, "    (no %s: skipped)\n", spec_dir());
        skip();
    }
    fprintf(stderr, "    %d modules loaded, %u compiled, %u failed\n", loaded, k.compiled,
            k.failed);
    assert_int_equal(k.failed, 0);
    assert_true(k.compiled > 0);
}

/* -- Every instruction form the compiler emits has a golden case --
 *
 * The compiler runs with the encoder recording the form of every
 * instruction (x64_enc.h: function, operation, size, encoding variant,
 * register classes, memory shape, immediate class) over the spec modules
 * and the benchmark programs, at every optimization level and under
 * tunables that reach every code path; each form must be one that a golden
 * row (x64_golden.h) or generated case (x64_cases.h) encodes, and those
 * are checked against llvm-mc by test_x64_enc. */

static const char *bench_dir(void)
{
    const char *d = getenv("WB_BENCH_DIR");
    return d ? d : "build/bench";
}

/* Tunables that together reach every code path of the compiler. */
enum { NCONFIGS = 3 };
static const int opt_levels[] = { 0, 1, 2, 's' };
enum { NLEVELS = sizeof opt_levels / sizeof opt_levels[0] };

static void config(wb_tunables *t, int i, int level)
{
    wb_tunables_default(t);
    t->opt_level = level;
    t->cpu_features = WB_CPU_POPCNT | WB_CPU_LZCNT | WB_CPU_BMI1 | WB_CPU_SSE41;
    if (i == 1) {               /* fallback sequences, interruption checks */
        t->cpu_features = 0;
        t->fuel = true;
        t->epoch_interruption = true;
    } else if (i == 2) {        /* explicit bounds checks */
        t->memory_reservation = 1u << 16;
        t->memory_guard = 0;
    }
}

typedef struct record {
    x64_cov emitted;            /* every form the compiler emitted */
    const x64_cov *golden;
    unsigned failed, missing, compiles;
} record;

static void compile_recording(const char *name, const wb_module *m, void *arg)
{
    record *r = arg;
    x64_cov mine = { 0 };
    x64_buf b;
    uint64_t *keys;
    uint32_t n;

    x64_buf_init(&b);
    b.cov = &mine;
    for (int l = 0; l < NLEVELS; l++) {
        for (int i = 0; i < NCONFIGS; i++) {
            wb_tunables t;
            wb_artifact *a = NULL;
            wb_diag d;

            config(&t, i, opt_levels[l]);
            memset(&d, 0, sizeof d);
            r->compiles++;
            if (wb_jit_compile_buf(m, &t, &b, &a, &d) != WB_OK) {
                char buf[256];
                fprintf(stderr, "    %s (-O%c, tunables %d): %s\n", name,
                        opt_levels[l] < 10 ? '0' + opt_levels[l] : opt_levels[l], i,
                        wb_diag_format(&d, buf, sizeof buf));
                r->failed++;
            }
            wb_artifact_free(a);
        }
    }
    x64_buf_free(&b);
    /* the forms this module brought, the ones without a golden case named */
    keys = x64_cov_sorted(&mine, &n);
    if (mine.n && !keys)
        r->emitted.failed = true;
    for (uint32_t i = 0; i < n; i++) {
        char fname[96];
        if (x64_cov_has(&r->emitted, keys[i]))
            continue;
        x64_cov_add(&r->emitted, keys[i]);
        if (x64_cov_has(r->golden, keys[i]))
            continue;
        if (++r->missing <= 200)
            fprintf(stderr, "    emitted without a golden case: %s (first by %s)\n",
                    x64_cov_name(keys[i], fname, sizeof fname), name);
    }
    r->emitted.failed |= mine.failed;
    free(keys);
    x64_cov_free(&mine);
}

static void test_emitted_forms_have_golden_cases(void **state)
{
    x64_cov golden = { 0 };
    record r = { .golden = &golden };
    char dir[1024];
    int spec, bench, examples;
    (void)state;

    assert_true(golden_forms(&golden));
    if ((spec = for_each_module(compile_recording, &r)) < 0) {
        x64_cov_free(&golden);
        printf("not run: emitted forms against the golden cases: no %s "
               "(make spec-json)\n", spec_dir());
        skip();
    }
    snprintf(dir, sizeof dir, "%s/wasm", bench_dir());
    if ((bench = for_each_module_in(dir, compile_recording, &r)) <= 0)
        printf("not run: forms of the benchmark programs: no modules in %s "
               "(make bench-programs)\n", dir);
    snprintf(dir, sizeof dir, "%s/examples/wasm", bench_dir());
    if ((examples = for_each_module_in(dir, compile_recording, &r)) <= 0)
        printf("not run: forms of the examples: no modules in %s "
               "(make bench-programs)\n", dir);
    if (getenv("WB_EMITTED_FORMS")) {       /* the list, for people */
        FILE *f = fopen(getenv("WB_EMITTED_FORMS"), "w");
        uint32_t n;
        uint64_t *keys = x64_cov_sorted(&r.emitted, &n);
        for (uint32_t i = 0; f && i < n; i++) {
            char fname[96];
            fprintf(f, "%s\n", x64_cov_name(keys[i], fname, sizeof fname));
        }
        if (f)
            fclose(f);
        free(keys);
    }
    fprintf(stderr, "    %d spec, %d benchmark and %d example modules, %u compilations "
            "(levels 0 1 2 s x %d tunables): %u instruction forms emitted, %u without a "
            "golden case (golden cases cover %u forms)\n",
            spec, bench > 0 ? bench : 0, examples > 0 ? examples : 0, r.compiles, NCONFIGS,
            r.emitted.n, r.missing, golden.n);
    assert_false(r.emitted.failed);
    assert_int_equal(r.failed, 0);
    assert_true(r.emitted.n > 0);
    assert_int_equal(r.missing, 0);
    x64_cov_free(&r.emitted);
    x64_cov_free(&golden);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_modules),
        cmocka_unit_test(test_emitted_forms_have_golden_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

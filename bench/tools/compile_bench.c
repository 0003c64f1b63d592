/* compile_bench.c — compile speed of the JIT: times decode+validate and
 * wb_jit_compile separately over repeated runs and reports MB/s of
 * code-section bytes (the sum of the function bodies).
 * usage: compile_bench FILE [RUNS] [OPT_LEVEL]
 * With RUNS = 1 it is also the "start-up plus compile" process that
 * bench/compile-speed.sh times end to end against node. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cli/cli.h"
#include "jit/jit.h"
#include "wasm/wasm.h"

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

int main(int argc, char **argv)
{
    uint8_t *bytes;
    size_t size, code_bytes = 0;
    int errnum, runs = argc > 2 ? atoi(argv[2]) : 9;
    wb_tunables t;
    double *tv, *tc;
    char msg[320];
    wb_diag d;

    if (argc < 2 || runs < 1) {
        fprintf(stderr, "usage: compile_bench FILE [RUNS] [OPT_LEVEL]\n");
        return 2;
    }
    if (wb_cli_read_file(argv[1], &bytes, &size, &errnum) != WB_OK) {
        fprintf(stderr, "compile_bench: cannot read %s\n", argv[1]);
        return 1;
    }
    wb_tunables_default(&t);
    t.opt_level = argc > 3 ? atoi(argv[3]) : 0;
    tv = calloc((size_t)runs, sizeof *tv);
    tc = calloc((size_t)runs, sizeof *tc);
    for (int i = 0; i < runs; i++) {
        wb_module *m;
        wb_artifact *a;
        double t0 = now(), t1;
        if (wb_module_load(bytes, size, &m, &d) != WB_OK) {
            fprintf(stderr, "compile_bench: %s\n", wb_diag_format(&d, msg, sizeof msg));
            return 1;
        }
        t1 = now();
        if (wb_jit_compile(m, &t, &a, &d) != WB_OK) {
            fprintf(stderr, "compile_bench: compile: %s\n", wb_diag_format(&d, msg, sizeof msg));
            return 1;
        }
        tc[i] = now() - t1;
        tv[i] = t1 - t0;
        if (i == 0)
            for (uint32_t k = 0; k < m->ncodes; k++)
                code_bytes += m->codes[k].size;
        wb_artifact_free(a);
        wb_module_free(m);
    }
    qsort(tv, (size_t)runs, sizeof *tv, cmp);
    qsort(tc, (size_t)runs, sizeof *tc, cmp);
    printf("compile: %s, %.2f MB of function bodies, median of %d: decode+validate %.1f ms, "
           "jit -O%d %.1f ms = %.0f MB/s (jit alone), %.0f MB/s (all)\n", argv[1],
           (double)code_bytes / 1e6, runs, tv[runs / 2] * 1e3, t.opt_level, tc[runs / 2] * 1e3,
           (double)code_bytes / 1e6 / tc[runs / 2],
           (double)code_bytes / 1e6 / (tc[runs / 2] + tv[runs / 2]));
    free(tv);
    free(tc);
    free(bytes);
    return 0;
}

/* validate_bench.c — decode+validate throughput: loads a module file and
 * times wb_module_load over repeated runs; prints the median in MB/s.
 * usage: validate_bench FILE [RUNS] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cli/cli.h"
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
    size_t size;
    int errnum, runs = argc > 2 ? atoi(argv[2]) : 15;
    double *t;

    if (argc < 2 || runs < 1) {
        fprintf(stderr, "usage: validate_bench FILE [RUNS]\n");
        return 2;
    }
    if (wb_cli_read_file(argv[1], &bytes, &size, &errnum) != WB_OK) {
        fprintf(stderr, "validate_bench: cannot read %s\n", argv[1]);
        return 1;
    }
    t = calloc((size_t)runs, sizeof *t);
    for (int i = 0; i < runs; i++) {
        wb_module *m;
        wb_diag d;
        char msg[320];
        double t0 = now();
        if (wb_module_load(bytes, size, &m, &d) != WB_OK) {
            fprintf(stderr, "validate_bench: %s\n", wb_diag_format(&d, msg, sizeof msg));
            return 1;
        }
        t[i] = now() - t0;
        wb_module_free(m);
    }
    qsort(t, (size_t)runs, sizeof *t, cmp);
    printf("decode+validate: %s, %.2f MB, median of %d runs %.2f ms, %.0f MB/s "
           "(min %.2f ms, max %.2f ms)\n", argv[1], (double)size / 1e6, runs,
           t[runs / 2] * 1e3, (double)size / 1e6 / t[runs / 2], t[0] * 1e3,
           t[runs - 1] * 1e3);
    free(t);
    free(bytes);
    return 0;
}

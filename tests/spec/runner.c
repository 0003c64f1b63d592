/* runner.c — main of spec-runner: runs wast2json scripts of the WebAssembly
 * spec suite against wasmbox.
 *
 *   spec-runner [-v] [--timeout SECONDS] [--no-fork] [--simd] [--only SCRIPT]...
 *               DIR|FILE.json...
 *
 * A directory means every *.json in it, in name order. Each script runs in
 * a forked child (isolate.c) unless --no-fork. Prints one line per script,
 * the failures per category, then the closing line "N passed, N failed,
 * N skipped" that tests/run-suites reads. Exit status: 0 when nothing
 * failed, 1 when something did, 2 on a usage error. */
#define _GNU_SOURCE /* asprintf */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "spec.h"

#define MAX_FAIL_LINES 50u
/* Seconds a script may run before its child is killed: the slowest script
 * takes under a second with the sanitizers; far below a CI job's limit. */
#define DEFAULT_TIMEOUT 60u

int spec_read_file(const char *path, char **data, size_t *size)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = 0;

    *data = NULL;
    *size = 0;
    if (!f)
        return errno ? errno : EIO;
    /* Read until EOF rather than trusting a size from stat: the file may be
     * a pipe, or change under us. */
    for (;;) {
        size_t got;
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            char *nb;
            if (cap > SPEC_MAX_FILE_SIZE) {
                rc = EFBIG;
                goto out;
            }
            if (ncap > (size_t)SPEC_MAX_FILE_SIZE + 1)
                ncap = (size_t)SPEC_MAX_FILE_SIZE + 1;
            if (!(nb = realloc(buf, ncap + 1))) {
                rc = ENOMEM;
                goto out;
            }
            buf = nb;
            cap = ncap;
        }
        got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        rc = EIO;
        goto out;
    }
    if (!buf && !(buf = malloc(1))) {
        rc = ENOMEM;
        goto out;
    }
    buf[len] = '\0';
    *data = buf;
    *size = len;
    buf = NULL;
out:
    free(buf);
    fclose(f);
    return rc;
}

/* -- Arguments -- */

typedef struct strvec {
    char **v;
    size_t n, cap;
} strvec;

static bool strvec_push(strvec *sv, char *s)   /* takes s */
{
    if (!s)
        return false;
    if (sv->n == sv->cap) {
        size_t cap = sv->cap ? sv->cap * 2 : 64;
        char **nv = realloc(sv->v, cap * sizeof *nv);
        if (!nv) {
            free(s);
            return false;
        }
        sv->v = nv;
        sv->cap = cap;
    }
    sv->v[sv->n++] = s;
    return true;
}

static void strvec_free(strvec *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
}

/* "dir/br_table.json", "br_table.wast", "br_table" → "br_table" (new). */
static char *script_name(const char *arg)
{
    const char *base = strrchr(arg, '/');
    size_t n;

    base = base ? base + 1 : arg;
    n = strlen(base);
    if (n > 5 && (strcmp(base + n - 5, ".json") == 0 || strcmp(base + n - 5, ".wast") == 0))
        n -= 5;
    return strndup(base, n);
}

static bool selected(const strvec *only, const char *path)
{
    char *name;
    bool hit = false;

    if (only->n == 0)
        return true;
    if (!(name = script_name(path)))
        return false;
    for (size_t i = 0; i < only->n && !hit; i++)
        hit = strcmp(only->v[i], name) == 0;
    free(name);
    return hit;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends dir's *.json files, sorted. Returns 0 or an errno value. */
static int list_dir(const char *dir, strvec *out)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t first = out->n;

    if (!d)
        return errno ? errno : EIO;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        char *path;
        if (n <= 5 || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        if (asprintf(&path, "%s/%s", dir, e->d_name) < 0 || !strvec_push(out, path)) {
            closedir(d);
            return ENOMEM;
        }
    }
    closedir(d);
    qsort(out->v + first, out->n - first, sizeof *out->v, cmp_str);
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: spec-runner [-v] [--timeout SECONDS] [--no-fork] [--simd]\n"
               "                   [--only SCRIPT]... DIR|FILE.json...\n"
               "  -v                 print every failure, every skip as not implemented\n"
               "                     and message differences\n"
               "  --timeout SECONDS  kill a script running longer (default %u, 0 = never)\n"
               "  --no-fork          run scripts in this process (for a debugger; a crash\n"
               "                     or a hang then stops the run)\n"
               "  --simd             execute simd_* scripts too (default: validation only)\n"
               "  --only SCRIPT      run only this script (br_table, br_table.wast, ...)\n",
            DEFAULT_TIMEOUT);
}

/* A decimal number of seconds, at most a day. */
static bool parse_seconds(const char *t, unsigned *out)
{
    unsigned long v = 0;

    if (!*t)
        return false;
    for (; *t; t++) {
        if (*t < '0' || *t > '9' || v > 86400)
            return false;
        v = v * 10 + (unsigned long)(*t - '0');
    }
    if (v > 86400)
        return false;
    *out = (unsigned)v;
    return true;
}

/* Options that take a value. */
static bool takes_value(const char *opt)
{
    return strcmp(opt, "--only") == 0 || strcmp(opt, "--timeout") == 0;
}

static void print_categories(const spec_runner *run)
{
    const spec_counts *t = &run->total;
    bool first = true;

    for (int i = 0; i < SPEC_CAT__COUNT; i++) {
        if (!t->by_cat[i])
            continue;
        printf("%s%s %lu", first ? "failures by category: " : ", ", spec_cat_words(i),
               t->by_cat[i]);
        first = false;
    }
    if (!first)
        putchar('\n');
    if (t->nyi)
        printf("not implemented (WB_ERR_UNSUPPORTED), counted as skipped: %lu%s\n", t->nyi,
               run->verbose ? "" : " (-v lists them)");
    if (t->out_of_scope)
        printf("not run: %lu execution commands of the SIMD scripts (validation only: the "
               "baseline tier compiles no v128)\n", t->out_of_scope);
}

int main(int argc, char **argv)
{
    spec_runner run = {
        .max_fail_lines = MAX_FAIL_LINES,
        .isolate = true,
        .timeout = DEFAULT_TIMEOUT,
        .report_fd = -1,
    };
    strvec only = { 0 }, scripts = { 0 };
    size_t ninputs = 0;
    int status = 2;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-v") == 0) {
            run.verbose = true;
        } else if (strcmp(argv[i], "--only") == 0) {
            if (++i == argc) {
                usage(stderr);
                goto out;
            }
            if (!strvec_push(&only, script_name(argv[i])))
                goto oom;
        } else if (strcmp(argv[i], "--timeout") == 0) {
            if (++i == argc || !parse_seconds(argv[i], &run.timeout)) {
                fprintf(stderr, "spec-runner: --timeout takes a number of seconds\n");
                usage(stderr);
                goto out;
            }
        } else if (strcmp(argv[i], "--no-fork") == 0) {
            run.isolate = false;
        } else if (strcmp(argv[i], "--simd") == 0) {
            run.simd = true;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            status = 0;
            goto out;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "spec-runner: unknown option %s\n", argv[i]);
            usage(stderr);
            goto out;
        }
    }

    /* Inputs: directories expand to their scripts; a missing input is a
     * failure (not a usage error), so that a suite run notices it. */
    for (int i = 1; i < argc; i++) {
        struct stat st;
        int rc;

        if (takes_value(argv[i])) {
            i++;
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1])
            continue;
        ninputs++;
        if (stat(argv[i], &st) != 0) {
            printf("FAIL %s: %s\n", argv[i], strerror(errno));
            run.total.failed++;
            run.total.by_cat[SPEC_CAT_SCRIPT]++;
        } else if (S_ISDIR(st.st_mode)) {
            if ((rc = list_dir(argv[i], &scripts)) != 0) {
                printf("FAIL %s: %s\n", argv[i], strerror(rc));
                run.total.failed++;
                run.total.by_cat[SPEC_CAT_SCRIPT]++;
            }
        } else if (!strvec_push(&scripts, strdup(argv[i]))) {
            goto oom;
        }
    }
    if (ninputs == 0) {
        usage(stderr);
        goto out;
    }

    size_t nrun = 0;
    for (size_t i = 0; i < scripts.n; i++) {
        if (!selected(&only, scripts.v[i]))
            continue;
        nrun++;
        if (run.isolate) {
            spec_run_isolated(&run, scripts.v[i]);
        } else {
            spec_counts c = { 0 };
            spec_run_script(&run, scripts.v[i], &c);
            spec_print_summary(&run, scripts.v[i], &c, NULL);
        }
    }
    if (nrun == 0 && run.total.failed == 0) {
        printf("FAIL no script to run%s\n", only.n ? " (nothing matches --only)" : "");
        run.total.failed++;
        run.total.by_cat[SPEC_CAT_SCRIPT]++;
    }
    if (run.fail_hidden)
        printf("(%lu more failures not shown; -v shows them all)\n", run.fail_hidden);
    print_categories(&run);
    printf("%lu passed, %lu failed, %lu skipped\n", run.total.passed,
           run.total.failed, run.total.skipped);
    status = run.total.failed ? 1 : 0;
    goto out;

oom:
    fprintf(stderr, "spec-runner: out of memory\n");
    status = 2;
out:
    strvec_free(&only);
    strvec_free(&scripts);
    return status;
}

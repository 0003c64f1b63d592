/* cache.c — `wasmbox compile MODULE` (compile into the code cache) and
 * `wasmbox cache stats|clean|dir`, plus the warning sink the commands
 * that compile through the cache share. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache/cache.h"
#include "cli/cache.h"
#include "cli/cli.h"
#include "cli/tunables.h"

static const char compile_help_head[] =
    "usage: wasmbox compile [OPTIONS] MODULE\n"
    "\n"
    "Compiles MODULE into the code cache (unless it is there already) and prints\n"
    "its cache key and the entry's size in bytes. A later `wasmbox run` with the\n"
    "same settings maps the cached code instead of compiling.\n"
    "\n"
    "Options:\n"
    "  --cache-dir DIR         the cache directory (default: $WASMBOX_CACHE_DIR,\n"
    "                          else $XDG_CACHE_HOME/wasmbox, else ~/.cache/wasmbox)\n"
    "  -v, --verbose           say why an entry was not used\n"
    "  -h, --help              show this help\n"
    "\n"
    "Compilation (the same settings as for run give the same key):\n";

static const char compile_help_tail[] =
    "\n"
    "Output: KEY SIZE compiled|cached   (cached: the entry was there already)\n"
    "\n"
    "Exit status: 0 success, 125 usage error or the cache cannot be written,\n"
    "126 invalid module, 127 module file not found.\n";

static const char cache_help[] =
    "usage: wasmbox cache COMMAND [OPTIONS]\n"
    "\n"
    "The code cache keeps compiled code, one file per module and configuration,\n"
    "so that runs map it instead of compiling; every worker running a module\n"
    "shares one copy of its code in memory. Entries used least recently are\n"
    "removed when the cache grows past its budget (setting cache-max-size,\n"
    "default 1GiB).\n"
    "\n"
    "Commands:\n"
    "  stats                   entries, size, budget, hits and misses\n"
    "  clean                   remove entries down to the budget\n"
    "  clean --all             remove every entry and the counters\n"
    "  clean --older-than D    remove entries not used for D (90s, 30m, 12h, 7d)\n"
    "  dir                     print the cache directory\n"
    "\n"
    "Options:\n"
    "  --cache-dir DIR         the cache directory (default: $WASMBOX_CACHE_DIR,\n"
    "                          else $XDG_CACHE_HOME/wasmbox, else ~/.cache/wasmbox)\n"
    "  --tunable cache-max-size=SIZE   the budget for clean\n"
    "  -h, --help              show this help\n";

/* -- Shared with run -- */

const char wb_cli_cache_run_help[] =
    "  --no-cache              neither use nor fill the code cache\n"
    "  --cache-dir DIR         the code cache directory (default: $WASMBOX_CACHE_DIR,\n"
    "                          else $XDG_CACHE_HOME/wasmbox, else ~/.cache/wasmbox);\n"
    "                          a run maps cached code instead of compiling, and every\n"
    "                          run of the module shares one copy of it in memory\n";

void wb_cli_cache_warn(void *arg, const char *msg)
{
    (void)arg;
    wb_cli_error("%s", msg);
}

wb_err wb_cli_cache_compile(wb_engine *e, const uint8_t *bytes, size_t size, bool verbose,
                            wb_compiled **out, wb_diag *d)
{
    wb_cache_opts co = { .warn = wb_cli_cache_warn, .verbose = verbose };
    return wb_cache_compile(e, bytes, size, &co, out, NULL, d);
}

static int usage(const char *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "wasmbox: %s: ", cmd);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see wasmbox %s --help)\n", cmd);
    return WB_EXIT_USAGE;
}

/* "--name VALUE" or "--name=VALUE": true and *val set when argv[*i] is
 * it (*val NULL when the value is missing). */
static bool opt_value(int argc, char **argv, int *i, const char *name, const char **val)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return false;
    if (argv[*i][n] == '=') {
        *val = argv[*i] + n + 1;
        return true;
    }
    if (argv[*i][n] != '\0')
        return false;
    *val = *i + 1 < argc ? argv[++*i] : NULL;
    return true;
}

static char *format_size(uint64_t b, char *buf, size_t size)
{
    static const char *units[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
    double v = (double)b;
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, size, "%" PRIu64 " bytes", b);
    else
        snprintf(buf, size, "%.1f %s", v, units[u]);
    return buf;
}

/* -- wasmbox compile -- */

int wb_cmd_compile(int argc, char **argv)
{
    wb_cli_tunables tun;
    wb_cache_opts co = { .warn = wb_cli_cache_warn };
    wb_cache_result res;
    const char *module = NULL, *val;
    wb_compiled *compiled = NULL;
    wb_engine *engine = NULL;
    uint8_t *bytes = NULL;
    size_t size = 0;
    char hex[WB_CACHE_KEY_HEX], msg[320];
    wb_diag d = { 0 };
    int status, errnum = 0, r;
    wb_err err;

    if ((status = wb_cli_tunables_init(&tun, "compile")) >= 0)
        return status;
    status = WB_EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(compile_help_head, stdout);
            fputs(wb_cli_tunables_help, stdout);
            fputs(compile_help_tail, stdout);
            status = WB_EXIT_OK;
            goto out;
        }
        if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            co.verbose = true;
        } else if (opt_value(argc, argv, &i, "--cache-dir", &val)) {
            if (!val || wb_config_set_cache_dir(tun.config, val) != WB_OK) {
                status = usage("compile", "%s needs a directory", a);
                goto out;
            }
        } else if (a[0] == '-' && a[1]) {
            if ((r = wb_cli_tunables_option(&tun, argc, argv, &i)) >= 0) {
                status = r ? r : usage("compile", "unknown option '%s'", a);
                goto out;
            }
        } else if (!module) {
            module = a;
        } else {
            status = usage("compile", "unexpected argument '%s'", a);
            goto out;
        }
    }
    if (!module) {
        status = usage("compile", "%s", "no module given");
        goto out;
    }
    err = wb_cli_read_file(module, &bytes, &size, &errnum);
    if (err == WB_ERR_NOT_FOUND) {
        wb_cli_error("%s: no such file", module);
        status = WB_EXIT_NOT_FOUND;
        goto out;
    }
    if (err != WB_OK) {
        wb_cli_error("%s: cannot read: %s", module,
                     errnum ? strerror(errnum) : wb_err_message(err));
        status = err == WB_ERR_LIMIT_MODULE_SIZE ? WB_EXIT_INVALID : WB_EXIT_USAGE;
        goto out;
    }
    wb_config_set_cache(tun.config, true);   /* compiling into the cache is the point */
    if (!(engine = wb_engine_new(tun.config))) {
        wb_cli_error("cannot create the engine");
        goto out;
    }
    if ((err = wb_cache_compile(engine, bytes, size, &co, &compiled, &res, &d)) != WB_OK) {
        wb_cli_error("%s: %s", module, wb_diag_format(&d, msg, sizeof msg));
        switch (wb_err_class_of(err)) {
        case WB_CLASS_MALFORMED: case WB_CLASS_INVALID: case WB_CLASS_LIMIT:
            status = WB_EXIT_INVALID;
            break;
        default:
            status = WB_EXIT_USAGE;
        }
        goto out;
    }
    if (res.outcome != WB_CACHE_HIT && !res.stored) {
        wb_cli_error("%s: compiled, but not stored in the code cache", module);
        goto out;
    }
    printf("%s %" PRIu64 " %s\n", wb_cache_key_hex(res.key, hex), res.entry_size,
           res.outcome == WB_CACHE_HIT ? "cached" : "compiled");
    status = WB_EXIT_OK;
out:
    wb_compiled_free(compiled);
    wb_engine_free(engine);
    free(bytes);
    wb_cli_tunables_free(&tun);
    return status;
}

/* -- wasmbox cache -- */

/* A duration for --older-than: a number and s, m, h or d (bare: seconds). */
static bool parse_age(const char *s, uint64_t *secs)
{
    char *end;
    unsigned long long v;
    uint64_t mul = 1;
    if (*s < '0' || *s > '9')
        return false;
    v = strtoull(s, &end, 10);
    if (!strcmp(end, "d"))
        mul = 86400;
    else if (!strcmp(end, "h"))
        mul = 3600;
    else if (!strcmp(end, "m"))
        mul = 60;
    else if (strcmp(end, "s") && *end)
        return false;
    if (v > UINT64_MAX / mul)
        return false;
    *secs = v * mul;
    return true;
}

static void print_time(const char *label, uint64_t t)
{
    char buf[64];
    time_t tt = (time_t)t;
    struct tm tm;
    if (!t || !localtime_r(&tt, &tm) || !strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm))
        snprintf(buf, sizeof buf, "-");
    printf("%-12s%s\n", label, buf);
}

int wb_cmd_cache(int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : NULL, *val;
    wb_cli_tunables tun;
    wb_cache_opts co = { .warn = wb_cli_cache_warn };
    wb_cache *c = NULL;
    bool all = false, has_age = false;
    uint64_t age = 0;
    char path[4096], b1[64], b2[64];
    wb_diag d = { 0 };
    int status, r;
    wb_err err;

    if (!sub) {
        fputs(cache_help, stderr);
        return WB_EXIT_USAGE;
    }
    if (!strcmp(sub, "-h") || !strcmp(sub, "--help") || !strcmp(sub, "help")) {
        fputs(cache_help, stdout);
        return WB_EXIT_OK;
    }
    if (strcmp(sub, "stats") && strcmp(sub, "clean") && strcmp(sub, "dir"))
        return usage("cache", "unknown command '%s'", sub);
    if ((status = wb_cli_tunables_init(&tun, "cache")) >= 0)
        return status;
    status = WB_EXIT_USAGE;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(cache_help, stdout);
            status = WB_EXIT_OK;
            goto out;
        }
        if (!strcmp(sub, "clean") && !strcmp(a, "--all")) {
            all = true;
        } else if (!strcmp(sub, "clean") && opt_value(argc, argv, &i, "--older-than", &val)) {
            if (!val || !parse_age(val, &age)) {
                status = usage("cache", "--older-than needs a duration such as 7d, not '%s'",
                               val ? val : "");
                goto out;
            }
            has_age = true;
        } else if (opt_value(argc, argv, &i, "--cache-dir", &val)) {
            if (!val || wb_config_set_cache_dir(tun.config, val) != WB_OK) {
                status = usage("cache", "%s needs a directory", a);
                goto out;
            }
        } else if ((r = wb_cli_tunables_option(&tun, argc, argv, &i)) >= 0) {
            status = r ? r : usage("cache", "unknown option '%s'", a);
            goto out;
        }
    }
    if (all && has_age) {
        status = usage("cache", "%s", "--all and --older-than exclude each other");
        goto out;
    }
    wb_cache_opts_from_config(tun.config, &co);
    if (!strcmp(sub, "dir")) {
        if (wb_cache_dir_resolve(co.dir, path, sizeof path) != WB_OK) {
            wb_cli_error("cache: no cache directory (set HOME or WASMBOX_CACHE_DIR)");
            goto out;
        }
        puts(path);
        status = WB_EXIT_OK;
        goto out;
    }
    if ((err = wb_cache_open(&co, &c, &d)) != WB_OK) {
        wb_cli_error("cache: %s", d.detail);
        goto out;
    }
    if (!strcmp(sub, "stats")) {
        wb_cache_stats st;
        if (wb_cache_stats_get(c, &st) != WB_OK) {
            wb_cli_error("cache: cannot read %s", wb_cache_path(c));
            goto out;
        }
        printf("%-12s%s\n", "directory", wb_cache_path(c));
        printf("%-12s%" PRIu64 "\n", "entries", st.entries);
        printf("%-12s%s (%" PRIu64 " bytes) of %s\n", "size", format_size(st.bytes, b1, sizeof b1),
               st.bytes, format_size(st.budget, b2, sizeof b2));
        printf("%-12s%" PRIu64 "\n", "hits", st.hits);
        printf("%-12s%" PRIu64 "\n", "misses", st.misses);
        print_time("oldest use", st.oldest);
        print_time("newest use", st.newest);
    } else {
        uint64_t removed = 0, freed = 0;
        wb_cache_stats before, after;
        if (all || has_age) {
            err = wb_cache_clean(c, all, age, &removed, &freed);
        } else {
            wb_cache_stats_get(c, &before);
            err = wb_cache_evict(c);
            wb_cache_stats_get(c, &after);
            removed = before.entries - after.entries;
            freed = before.bytes - after.bytes;
        }
        if (err != WB_OK) {
            wb_cli_error("cache: cannot clean %s completely", wb_cache_path(c));
            goto out;
        }
        printf("removed %" PRIu64 " entr%s, %s\n", removed, removed == 1 ? "y" : "ies",
               format_size(freed, b1, sizeof b1));
    }
    status = WB_EXIT_OK;
out:
    wb_cache_close(c);
    wb_cli_tunables_free(&tun);
    return status;
}

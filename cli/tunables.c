/* tunables.c — parsing the options that shape compilation and limit a run
 * into one wb_config (through wb_config_set, so names and value syntax are
 * the runtime's), applying the limits to a run, and reporting a timeout.
 *
 *   -O, --opt-level L     opt level; the highest given wins (0 < 1 < 2 < s)
 *   --timeout DURATION    epoch interruption + watchdog (500ms, 5s, 2m)
 *   --fuel N              fuel tunable + the store's fuel
 *   --max-memory SIZE     config max-memory (memory.grow returns -1 past it)
 *   --max-stack SIZE      tunable max-wasm-stack
 *   --tunable KEY=VALUE   any setting `wasmbox config` lists */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/tunables.h"

const char wb_cli_tunables_help[] =
    "  -O                      optimize: the same as --opt-level 2\n"
    "  --opt-level 0|1|2|s     0: baseline compiler; 1, 2, s: the optimizing tier's\n"
    "                          levels (default 2), which for now also compile with\n"
    "                          the baseline compiler; when several are given the\n"
    "                          highest wins: 0 < 1 < 2 < s\n"
    "  --timeout DURATION      stop the module after DURATION (500ms, 5s, 2m; a bare\n"
    "                          number is seconds): exit status 124\n"
    "  --fuel N                stop the module after N instructions (trap \"all fuel\n"
    "                          consumed\"); see wasmbox config for what costs what\n"
    "  --max-memory SIZE       limit each linear memory to SIZE (64MiB, 1GiB):\n"
    "                          memory.grow past it fails, a larger minimum does not\n"
    "                          instantiate\n"
    "  --max-stack SIZE        native stack wasm code may use (default 512KiB)\n"
    "  --tunable KEY=VALUE     set any setting `wasmbox config` lists\n";

/* -- Messages -- */

static int usage(const wb_cli_tunables *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int usage(const wb_cli_tunables *t, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "wasmbox: %s: ", t->cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see wasmbox %s --help)\n", t->cmd);
    return WB_EXIT_USAGE;
}

/* -- Setup -- */

int wb_cli_tunables_init(wb_cli_tunables *t, const char *cmd)
{
    memset(t, 0, sizeof(*t));
    t->cmd = cmd;
    t->opt_level = -1;
    if (!(t->config = wb_config_new())) {
        wb_cli_error("out of memory");
        return WB_EXIT_USAGE;
    }
    return -1;
}

void wb_cli_tunables_free(wb_cli_tunables *t)
{
    wb_config_free(t->config);
    t->config = NULL;
}

/* -- Values -- */

/* Rank of an opt level in "the highest wins": 0 < 1 < 2 < s. */
static int opt_rank(int level)
{
    return level == 's' ? 3 : level;
}

static int set_opt_level(wb_cli_tunables *t, const char *opt, const char *v)
{
    int level = !strcmp(v, "0") ? 0 : !strcmp(v, "1") ? 1 : !strcmp(v, "2") ? 2 :
                !strcmp(v, "s") ? 's' : -1;
    if (level < 0)
        return usage(t, "%s: unknown level '%s' (expected 0, 1, 2 or s)", opt, v);
    if (t->opt_level < 0 || opt_rank(level) > opt_rank(t->opt_level))
        t->opt_level = level;
    wb_config_set_opt_level(t->config, t->opt_level);
    return -1;
}

/* A duration: a decimal number (fraction allowed) and a unit ns, us, ms,
 * s, m or h; a bare number is seconds. */
static bool parse_duration(const char *s, uint64_t *ns)
{
    static const struct { const char *unit; uint64_t ns; } units[] = {
        { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 },
        { "m", 60000000000ull }, { "h", 3600000000000ull }, { "", 1000000000 },
    };
    uint64_t whole = 0, frac = 0, fdiv = 1;
    const char *p = s;

    if (*p < '0' || *p > '9')
        return false;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (whole > (UINT64_MAX - 9) / 10)
            return false;
        whole = whole * 10 + (uint64_t)(*p - '0');
    }
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++)
            if (fdiv < 1000000000ull) {
                frac = frac * 10 + (uint64_t)(*p - '0');
                fdiv *= 10;
            }
    }
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(p, units[i].unit) != 0)
            continue;
        if (whole > UINT64_MAX / units[i].ns / 2)
            return false;
        *ns = whole * units[i].ns + frac * units[i].ns / fdiv;
        return true;
    }
    return false;
}

/* "2m", "5s", "200ms", ... : the largest unit that divides the duration. */
static void format_duration(uint64_t ns, char *buf, size_t size)
{
    static const struct { const char *unit; uint64_t ns; } units[] = {
        { "h", 3600000000000ull }, { "m", 60000000000ull }, { "s", 1000000000 },
        { "ms", 1000000 }, { "us", 1000 },
    };
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (ns % units[i].ns == 0) {
            snprintf(buf, size, "%" PRIu64 "%s", ns / units[i].ns, units[i].unit);
            return;
        }
    }
    snprintf(buf, size, "%" PRIu64 "ns", ns);
}

static bool parse_count(const char *s, uint64_t *out)
{
    uint64_t n = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || n > (UINT64_MAX - 9) / 10)
            return false;
        n = n * 10 + (uint64_t)(*s - '0');
    }
    *out = n;
    return true;
}

/* wb_config_set, reporting a bad value under the name the user wrote
 * (opt: "--max-memory", or NULL for --tunable's KEY). */
static int set_key(wb_cli_tunables *t, const char *opt, const char *key, const char *value)
{
    wb_diag d = { 0 };
    const char *why;

    if (wb_config_set(t->config, key, value, &d) == WB_OK)
        return -1;
    /* d.detail is "KEY: reason". */
    why = strstr(d.detail, ": ");
    if (opt && why)
        return usage(t, "%s%s", opt, why);
    return usage(t, "--tunable %s", d.detail[0] ? d.detail : wb_err_message(d.err));
}

/* -- Options -- */

/* Matches "--name VALUE" and "--name=VALUE"; *val NULL when missing. */
static bool opt_value(int argc, char **argv, int *i, const char *name, const char **val)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    *val = NULL;
    if (strncmp(a, name, n) != 0 || (a[n] != '\0' && a[n] != '='))
        return false;
    if (a[n] == '=')
        *val = a + n + 1;
    else if (*i + 1 < argc)
        *val = argv[++*i];
    return true;
}

int wb_cli_tunables_option(wb_cli_tunables *t, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *v;

    if (!strcmp(a, "-O"))
        return set_opt_level(t, "-O", "2");
    if (opt_value(argc, argv, i, "--opt-level", &v))
        return v ? set_opt_level(t, "--opt-level", v) : usage(t, "--opt-level needs a value");
    if (opt_value(argc, argv, i, "--timeout", &v)) {
        uint64_t ns;
        if (!v)
            return usage(t, "--timeout needs a value");
        if (!parse_duration(v, &ns))
            return usage(t, "--timeout: invalid duration '%s' (expected e.g. 500ms, 5s, 2m)", v);
        if (ns == 0)
            return usage(t, "--timeout: the duration must be more than 0");
        t->timeout_ns = ns;
        format_duration(ns, t->timeout_text, sizeof(t->timeout_text));
        wb_config_set_epoch_interruption(t->config, true);
        return -1;
    }
    if (opt_value(argc, argv, i, "--fuel", &v)) {
        if (!v)
            return usage(t, "--fuel needs a value");
        if (!parse_count(v, &t->fuel) || t->fuel > INT64_MAX)
            return usage(t, "--fuel: invalid amount '%s' (expected a number of instructions)", v);
        t->has_fuel = true;
        wb_config_set_fuel(t->config, true);
        return -1;
    }
    if (opt_value(argc, argv, i, "--max-memory", &v))
        return v ? set_key(t, "--max-memory", "max-memory", v)
                 : usage(t, "--max-memory needs a value");
    if (opt_value(argc, argv, i, "--max-stack", &v))
        return v ? set_key(t, "--max-stack", "max-wasm-stack", v)
                 : usage(t, "--max-stack needs a value");
    if (opt_value(argc, argv, i, "--tunable", &v)) {
        const char *eq;
        char key[64];
        if (!v)
            return usage(t, "--tunable needs KEY=VALUE");
        if (!(eq = strchr(v, '=')) || eq == v || (size_t)(eq - v) >= sizeof(key))
            return usage(t, "--tunable: '%s' is not KEY=VALUE", v);
        memcpy(key, v, (size_t)(eq - v));
        key[eq - v] = '\0';
        if (!strcmp(key, "opt-level") || !strcmp(key, "opt_level"))
            return set_opt_level(t, "--tunable opt-level", eq + 1);
        return set_key(t, NULL, key, eq + 1);
    }
    return 0;
}

/* -- Limits of a run -- */

static void write_str(const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(2, s, n);
        if (w <= 0 && errno != EINTR)
            return;
        if (w > 0) {
            s += w;
            n -= (size_t)w;
        }
    }
}

/* The watchdog's last resort, on its own thread while the main thread is
 * stuck outside wasm code (perhaps holding stdio's locks: plain write). */
static void on_stuck(void *arg)
{
    const wb_cli_tunables *t = arg;
    write_str("wasmbox: timed out after ");
    write_str(t->timeout_text);
    write_str("\n  (no wasm backtrace: the module was stuck outside wasm code)\n");
    _exit(WB_EXIT_TIMEOUT);
}

int wb_cli_limits_start(const wb_cli_tunables *t, wb_engine *e, wb_store *s,
                        wb_watchdog **w)
{
    *w = NULL;
    if (t->has_fuel && wb_store_set_fuel(s, t->fuel) != WB_OK) {
        wb_cli_error("%s: cannot set the fuel", t->cmd);
        return WB_EXIT_USAGE;
    }
    if (t->timeout_ns == 0)
        return -1;
    wb_store_set_epoch_deadline(s, 1);
    if (wb_watchdog_start(e, t->timeout_ns, WB_CLI_TIMEOUT_GRACE_NS, on_stuck, (void *)t, w) !=
        WB_OK) {
        wb_cli_error("%s: cannot start the timer of --timeout", t->cmd);
        return WB_EXIT_USAGE;
    }
    return -1;
}

#define WB_CLI_MAX_FRAMES 20

int wb_cli_limits_trap(const wb_cli_tunables *t, wb_watchdog **w, const wb_trap *trap)
{
    size_t n;

    if (!*w || !wb_watchdog_fired(*w) || wb_trap_kind(trap) != WB_ERR_TRAP_INTERRUPTED)
        return -1;
    wb_cli_limits_stop(w);
    fprintf(stderr, "wasmbox: timed out after %s\n", t->timeout_text);
    n = wb_trap_frame_count(trap);
    for (size_t i = 0; i < n && i < WB_CLI_MAX_FRAMES; i++) {
        wb_frame f;
        wb_trap_frame(trap, i, &f);
        fprintf(stderr, "  %zu: 0x%x - %s!", i, f.module_offset,
                f.module_name ? f.module_name : "<unknown>");
        if (f.func_name)
            fprintf(stderr, "%s\n", f.func_name);
        else
            fprintf(stderr, "func[%u]\n", f.func_index);
    }
    if (n > WB_CLI_MAX_FRAMES)
        fprintf(stderr, "  ... %zu more frame%s\n", n - WB_CLI_MAX_FRAMES,
                n - WB_CLI_MAX_FRAMES == 1 ? "" : "s");
    return WB_EXIT_TIMEOUT;
}

void wb_cli_limits_stop(wb_watchdog **w)
{
    wb_watchdog_stop(*w);
    *w = NULL;
}

/* policy_preset.c — the presets, the policy object, value parsing and the
 * command-line setters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_int.h"

/* -- Layers -- */

static const char *const layer_names[WB_LAYER__COUNT] = {
#define WB_X(id, word, what) [WB_LAYER_##id] = word,
    WB_LAYERS(WB_X)
#undef WB_X
};
static const char *const layer_whats[WB_LAYER__COUNT] = {
#define WB_X(id, word, what) [WB_LAYER_##id] = what,
    WB_LAYERS(WB_X)
#undef WB_X
};

const char *wb_layer_name(wb_layer l)
{
    return (unsigned)l < WB_LAYER__COUNT ? layer_names[l] : "unknown";
}

const char *wb_layer_what(wb_layer l)
{
    return (unsigned)l < WB_LAYER__COUNT ? layer_whats[l] : "unknown";
}

int wb_layer_from_name(const char *word)
{
    for (unsigned i = 0; i < WB_LAYER__COUNT; i++)
        if (!strcmp(word, layer_names[i]))
            return (int)i;
    if (!strcmp(word, "fs-isolation"))
        return -2;
    return -1;
}

/* -- Presets -- */

const char *const wb_policy_presets[] = { "strict", "standard", "permissive", NULL };

/* What every confining preset insists on: without these a subverted worker
 * could gain privileges or make any system call (DESIGN.md, Confinement).
 * Namespaces, network and landlock are applied whenever the kernel allows
 * but are not required, so wasmbox still runs in containers that forbid
 * them; the filesystem is covered by either an empty root or landlock. */
#define REQUIRED_CONFINED                                                          \
    (WB_LAYER_BIT(WB_LAYER_FDS) | WB_LAYER_BIT(WB_LAYER_RLIMITS) |                 \
     WB_LAYER_BIT(WB_LAYER_CAPABILITIES) | WB_LAYER_BIT(WB_LAYER_NO_NEW_PRIVS) |   \
     WB_LAYER_BIT(WB_LAYER_SECCOMP) | WB_REQ_FS_ISOLATION)

#define MiB (1024ull * 1024ull)
#define GiB (1024ull * MiB)

static const struct preset {
    const char *name;
    wb_policy_limits limits;
    uint32_t required;
    bool permissive;
} presets[] = {
    /* strict: no files, tight limits (DESIGN.md, Policies). */
    { "strict", { .memory = 256 * MiB, .time_ms = 30000, .fuel = WB_UNLIMITED,
                  .file_size = 16 * MiB, .output = 64 * MiB, .open_files = 16 },
      REQUIRED_CONFINED, false },
    /* standard: strict plus --dir grants, room for real programs. */
    { "standard", { .memory = 1 * GiB, .time_ms = WB_UNLIMITED, .fuel = WB_UNLIMITED,
                    .file_size = 1 * GiB, .output = WB_UNLIMITED, .open_files = 64 },
      REQUIRED_CONFINED, false },
    /* permissive: trusted code while debugging; layers are still applied
     * where possible, none is required, and the syscall filter only denies
     * the dangerous calls. */
    { "permissive", { .memory = 4 * GiB, .time_ms = WB_UNLIMITED, .fuel = WB_UNLIMITED,
                      .file_size = WB_UNLIMITED, .output = WB_UNLIMITED,
                      .open_files = 256 },
      0, true },
};

bool wb_policy_apply_preset(wb_policy *p, const char *name)
{
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++) {
        if (strcmp(presets[i].name, name))
            continue;
        p->limits = presets[i].limits;
        p->required = presets[i].required;
        p->syscalls_permissive = presets[i].permissive;
        snprintf(p->base, sizeof p->base, "%s", presets[i].name);
        return true;
    }
    return false;
}

wb_policy *wb_policy_alloc(const char *name)
{
    wb_policy *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    snprintf(p->name, sizeof p->name, "%s", name);
    p->limits = (wb_policy_limits){ WB_UNLIMITED, WB_UNLIMITED, WB_UNLIMITED,
                                    WB_UNLIMITED, WB_UNLIMITED, 64 };
    return p;
}

wb_err wb_policy_preset(const char *name, wb_policy **out)
{
    wb_policy *p;

    *out = NULL;
    if (!(p = wb_policy_alloc(name)))
        return WB_ERR_NOMEM;
    if (!wb_policy_apply_preset(p, name)) {
        free(p);
        return WB_ERR_POLICY_UNKNOWN;
    }
    *out = p;
    return WB_OK;
}

void wb_policy_free(wb_policy *p)
{
    if (!p)
        return;
    for (unsigned i = 0; i < p->ngrants; i++) {
        free(p->grants[i].host);
        free(p->grants[i].guest);
    }
    for (unsigned i = 0; i < p->nenv; i++) {
        free(p->env[i].name);
        free(p->env[i].value);
    }
    free(p->env);
    free(p);
}

/* -- Values -- */

/* Decimal digits of s into *v; returns the first non-digit or NULL on
 * overflow / no digits. */
static const char *parse_u64(const char *s, uint64_t *v)
{
    uint64_t n = 0;
    const char *q = s;

    for (; *q >= '0' && *q <= '9'; q++) {
        if (n > (UINT64_MAX - (uint64_t)(*q - '0')) / 10)
            return NULL;
        n = n * 10 + (uint64_t)(*q - '0');
    }
    if (q == s)
        return NULL;
    *v = n;
    return q;
}

static bool is_unlimited(const char *s)
{
    return !strcmp(s, "unlimited") || !strcmp(s, "none");
}

const char *wb_policy_parse_size(const char *s, uint64_t *out)
{
    static const struct { const char *suffix; uint64_t mul; } units[] = {
        { "", 1 }, { "B", 1 },
        { "K", 1ull << 10 }, { "KiB", 1ull << 10 }, { "k", 1ull << 10 },
        { "M", 1ull << 20 }, { "MiB", 1ull << 20 },
        { "G", 1ull << 30 }, { "GiB", 1ull << 30 },
        { "T", 1ull << 40 }, { "TiB", 1ull << 40 },
    };
    uint64_t n;
    const char *rest;

    if (is_unlimited(s)) {
        *out = WB_UNLIMITED;
        return NULL;
    }
    if (!(rest = parse_u64(s, &n)))
        return "expected a size such as 4096, 64K, 256M, 2G or unlimited";
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(rest, units[i].suffix))
            continue;
        if (n > (UINT64_MAX - 1) / units[i].mul)
            return "size too large";
        *out = n * units[i].mul;
        return NULL;
    }
    return "unknown size unit (use K, M, G or T, powers of 1024)";
}

const char *wb_policy_parse_time(const char *s, uint64_t *out)
{
    static const struct { const char *suffix; uint64_t ms; } units[] = {
        { "", 1000 }, { "s", 1000 }, { "ms", 1 }, { "m", 60000 }, { "h", 3600000 },
    };
    uint64_t n;
    const char *rest;

    if (is_unlimited(s)) {
        *out = WB_UNLIMITED;
        return NULL;
    }
    if (!(rest = parse_u64(s, &n)))
        return "expected a duration such as 500ms, 10s, 2m, 1h or unlimited";
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(rest, units[i].suffix))
            continue;
        if (n > (UINT64_MAX - 1) / units[i].ms)
            return "duration too large";
        if (n == 0)
            return "duration must be greater than 0";
        *out = n * units[i].ms;
        return NULL;
    }
    return "unknown time unit (use ms, s, m or h)";
}

const char *wb_policy_parse_count(const char *s, uint64_t *out)
{
    uint64_t n;
    const char *rest;

    if (is_unlimited(s)) {
        *out = WB_UNLIMITED;
        return NULL;
    }
    if (!(rest = parse_u64(s, &n)) || *rest)
        return "expected a whole number or unlimited";
    if (n == UINT64_MAX)
        return "number too large";
    *out = n;
    return NULL;
}

/* Smallest memory limit: the worker's runtime, the compiler and a one-page
 * linear memory must fit. */
#define MIN_MEMORY (16 * MiB)
/* Ceiling of open-files: root here cannot raise NOFILE beyond 20000
 * (no CAP_SYS_RESOURCE, kernel-sandbox-facts.md). */
#define MAX_OPEN_FILES 16384u

const char *wb_policy_limit_set(wb_policy *p, const char *key, const char *value,
                                char *buf, size_t size)
{
    const char *msg;
    uint64_t v;

    if (!strcmp(key, "memory")) {
        if ((msg = wb_policy_parse_size(value, &v)))
            return msg;
        if (v < MIN_MEMORY)
            return "memory limit must be at least 16M";
        p->limits.memory = v;
    } else if (!strcmp(key, "time")) {
        if ((msg = wb_policy_parse_time(value, &v)))
            return msg;
        p->limits.time_ms = v;
    } else if (!strcmp(key, "fuel")) {
        if ((msg = wb_policy_parse_count(value, &v)))
            return msg;
        if (v == 0)
            return "fuel must be greater than 0 (or unlimited)";
        p->limits.fuel = v;
    } else if (!strcmp(key, "file-size")) {
        if ((msg = wb_policy_parse_size(value, &v)))
            return msg;
        p->limits.file_size = v;
    } else if (!strcmp(key, "output")) {
        if ((msg = wb_policy_parse_size(value, &v)))
            return msg;
        p->limits.output = v;
    } else if (!strcmp(key, "open-files")) {
        if ((msg = wb_policy_parse_count(value, &v)))
            return msg;
        if (v == 0 || v > MAX_OPEN_FILES) {
            snprintf(buf, size, "open-files must be between 1 and %u", MAX_OPEN_FILES);
            return buf;
        }
        p->limits.open_files = v;
    } else {
        snprintf(buf, size, "unknown limit '%.40s' (memory, time, fuel, file-size, "
                 "output, open-files)", key);
        return buf;
    }
    return NULL;
}

/* -- Names, grants, env -- */

bool wb_policy_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > WB_POLICY_NAME_MAX)
        return false;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.'))
            return false;
    return true;
}

/* Normalized copy of an absolute guest path: no empty, "." or ".."
 * components, no trailing slash. NULL with *why set when not acceptable. */
static char *normalize_guest(const char *g, const char **why)
{
    size_t n = strlen(g), o = 0;
    char *out;

    if (g[0] != '/') {
        *why = "guest path must be absolute";
        return NULL;
    }
    if (n > 1024) {
        *why = "guest path longer than 1024 bytes";
        return NULL;
    }
    if (!(out = malloc(n + 1))) {
        *why = "out of memory";
        return NULL;
    }
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && g[j] == '/')
            j++;
        i = j;
        while (j < n && g[j] != '/')
            j++;
        if (j == i)
            break;
        if ((j - i == 1 && g[i] == '.') || (j - i == 2 && g[i] == '.' && g[i + 1] == '.')) {
            free(out);
            *why = "guest path must not contain . or .. components";
            return NULL;
        }
        out[o++] = '/';
        memcpy(out + o, g + i, j - i);
        o += j - i;
        i = j;
    }
    if (o == 0) {
        free(out);
        *why = "guest path must not be / (the root is wasmbox's empty tmpfs)";
        return NULL;
    }
    out[o] = '\0';
    return out;
}

/* True when one path equals the other or lies below it. */
static bool overlaps(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), l = la < lb ? la : lb;
    if (strncmp(a, b, l))
        return false;
    return la == lb || (la < lb ? b[la] == '/' : a[lb] == '/');
}

const char *wb_policy_check_dir(const wb_policy *p, const char *host, const char *guest,
                                char **guest_out, char *buf, size_t size)
{
    const char *why = NULL;
    char *g;

    *guest_out = NULL;
    if (host[0] != '/')
        return "host path must be absolute";
    if (strlen(host) >= 4096)
        return "host path too long";
    if (p->ngrants >= WB_POLICY_MAX_GRANTS) {
        snprintf(buf, size, "too many dir grants (at most %u)", WB_POLICY_MAX_GRANTS);
        return buf;
    }
    if (!(g = normalize_guest(guest, &why)))
        return why;
    for (unsigned i = 0; i < p->ngrants; i++) {
        if (overlaps(p->grants[i].guest, g)) {
            /* Nested binds would create mount points inside another grant,
             * that is, directories on the host. */
            snprintf(buf, size, "guest path %.200s overlaps the grant of %.200s", g,
                     p->grants[i].guest);
            free(g);
            return buf;
        }
    }
    *guest_out = g;
    return NULL;
}

const char *wb_policy_check_env(const char *name, const char *value)
{
    if (!name[0])
        return "empty environment variable name";
    if (!((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z') ||
          name[0] == '_'))
        return "environment variable names start with a letter or _";
    for (const char *c = name; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
              (*c >= '0' && *c <= '9') || *c == '_'))
            return "environment variable names hold only letters, digits and _";
    if (strlen(name) > 255)
        return "environment variable name longer than 255 bytes";
    if (value && strlen(value) > 32768)
        return "environment variable value longer than 32768 bytes";
    return NULL;
}

int wb_policy_env_find(const wb_policy *p, const char *name)
{
    for (unsigned i = 0; i < p->nenv; i++)
        if (!strcmp(p->env[i].name, name))
            return (int)i;
    return -1;
}

/* -- Setters -- */

wb_err wb_policy_add_dir(wb_policy *p, const char *host, const char *guest, bool write,
                         wb_diag *d)
{
    char buf[160], *g = NULL, *h;
    const char *msg = wb_policy_check_dir(p, host, guest, &g, buf, sizeof buf);

    if (msg)
        return wb_diag_setf(d, WB_ERR_POLICY_VALUE, NULL, 0, "%s", msg);
    if (!(h = strdup(host))) {
        free(g);
        return wb_diag_set(d, WB_ERR_NOMEM, NULL, 0);
    }
    p->grants[p->ngrants++] = (wb_grant){ h, g, write };
    return WB_OK;
}

wb_err wb_policy_add_env(wb_policy *p, const char *name, const char *value, wb_diag *d)
{
    const char *msg = wb_policy_check_env(name, value);
    char *n, *v = NULL;
    int at;

    if (msg)
        return wb_diag_setf(d, WB_ERR_POLICY_VALUE, NULL, 0, "%s", msg);
    if (value && !(v = strdup(value)))
        return wb_diag_set(d, WB_ERR_NOMEM, NULL, 0);
    if ((at = wb_policy_env_find(p, name)) >= 0) { /* later settings win */
        free(p->env[at].value);
        p->env[at].value = v;
        return WB_OK;
    }
    if (p->nenv >= WB_POLICY_MAX_ENV) {
        free(v);
        return wb_diag_setf(d, WB_ERR_POLICY_VALUE, NULL, 0,
                            "too many environment variables (at most %u)", WB_POLICY_MAX_ENV);
    }
    if (!(n = strdup(name))) {
        free(v);
        return wb_diag_set(d, WB_ERR_NOMEM, NULL, 0);
    }
    if (!p->env && !(p->env = calloc(WB_POLICY_MAX_ENV, sizeof *p->env))) {
        free(n);
        free(v);
        return wb_diag_set(d, WB_ERR_NOMEM, NULL, 0);
    }
    p->env[p->nenv++] = (wb_env){ n, v };
    return WB_OK;
}

wb_err wb_policy_set_limit(wb_policy *p, const char *key, const char *value, wb_diag *d)
{
    char buf[128];
    const char *msg = wb_policy_limit_set(p, key, value, buf, sizeof buf);
    if (msg)
        return wb_diag_setf(d, WB_ERR_POLICY_VALUE, NULL, 0, "%s", msg);
    return WB_OK;
}

char *wb_policy_error_format(const char *file, const wb_policy_error *e, char *buf,
                             size_t size)
{
    snprintf(buf, size, "%s:%u: %s", file, e->line, e->msg);
    return buf;
}

/* -- Formatting -- */

char *wb_policy_fmt_size(uint64_t b, char *buf, size_t size)
{
    static const char units[] = "KMGT";
    int u = -1;

    if (b == WB_UNLIMITED) {
        snprintf(buf, size, "unlimited");
        return buf;
    }
    while (u < 3 && b && b % 1024 == 0) {
        b /= 1024;
        u++;
    }
    if (u < 0)
        snprintf(buf, size, "%llu", (unsigned long long)b);
    else
        snprintf(buf, size, "%llu%c", (unsigned long long)b, units[u]);
    return buf;
}

char *wb_policy_fmt_time(uint64_t ms, char *buf, size_t size)
{
    if (ms == WB_UNLIMITED)
        snprintf(buf, size, "unlimited");
    else if (ms % 3600000 == 0)
        snprintf(buf, size, "%lluh", (unsigned long long)(ms / 3600000));
    else if (ms % 60000 == 0)
        snprintf(buf, size, "%llum", (unsigned long long)(ms / 60000));
    else if (ms % 1000 == 0)
        snprintf(buf, size, "%llus", (unsigned long long)(ms / 1000));
    else
        snprintf(buf, size, "%llums", (unsigned long long)ms);
    return buf;
}

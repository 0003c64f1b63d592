/* config.c — configs: defaults, one setter per setting, and every setting
 * by name (wb_config_set / wb_config_get / wb_config_key_at), driven by the
 * tunables' X-macro of jit.h plus the rows of the settings that live beside
 * the tunables. The CLI's --tunable, --max-memory and `wasmbox config` go
 * through here, so names, parsing and listing exist once. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime_int.h"

#define WB_CACHE_MAX_SIZE_DEFAULT (1ull << 30)

/* -- Defaults and typed setters -- */

wb_config *wb_config_new(void)
{
    wb_config *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    wb_tunables_default(&c->tunables);
    c->proposals = WB_PROPOSALS_DEFAULT;
    c->max_memory = 0;
    c->cache = true;
    c->cache_max_size = WB_CACHE_MAX_SIZE_DEFAULT;
    return c;
}

void wb_config_free(wb_config *c)
{
    free(c);
}

static bool valid_opt_level(int level)
{
    return level == 0 || level == 1 || level == 2 || level == 's';
}

void wb_config_set_opt_level(wb_config *c, int level)
{
    if (valid_opt_level(level))
        c->tunables.opt_level = level;
}

void wb_config_set_proposals(wb_config *c, uint32_t proposals)
{
    c->proposals = proposals;
}

void wb_config_set_memory_reservation(wb_config *c, uint64_t bytes)
{
    c->tunables.memory_reservation = bytes;
}

void wb_config_set_memory_guard(wb_config *c, uint64_t bytes)
{
    c->tunables.memory_guard = bytes;
}

void wb_config_set_epoch_interruption(wb_config *c, bool on)
{
    c->tunables.epoch_interruption = on;
}

void wb_config_set_fuel(wb_config *c, bool on)
{
    c->tunables.fuel = on;
}

void wb_config_set_max_wasm_stack(wb_config *c, uint32_t bytes)
{
    c->tunables.max_wasm_stack = bytes;
}

void wb_config_set_debug_info(wb_config *c, bool on)
{
    c->tunables.debug_info = on;
}

void wb_config_set_max_memory(wb_config *c, uint64_t bytes)
{
    c->max_memory = bytes;
}

void wb_config_set_cache(wb_config *c, bool on)
{
    c->cache = on;
}

wb_err wb_config_set_cache_dir(wb_config *c, const char *dir)
{
    size_t n = dir ? strlen(dir) : 0;
    if (n >= sizeof(c->cache_dir))
        return WB_ERR_USAGE;
    memcpy(c->cache_dir, dir ? dir : "", n + 1);
    return WB_OK;
}

void wb_config_set_cache_max_size(wb_config *c, uint64_t bytes)
{
    c->cache_max_size = bytes;
}

uint64_t wb_config_memory_limit_pages(const wb_config *c)
{
    uint64_t pages = c->max_memory / WB_PAGE_SIZE;
    if (c->max_memory == 0 || pages > WB_MAX_MEMORY_PAGES)
        return WB_MAX_MEMORY_PAGES;
    return pages;
}

/* -- Settings by name -- */

typedef enum kind {
    KIND_OPT,         /* int: 0, 1, 2, 's' */
    KIND_SIZE,        /* uint32_t or uint64_t bytes */
    KIND_BOOL,        /* bool */
    KIND_CPU,         /* uint32_t WB_CPU_* */
    KIND_PROPOSALS,   /* uint32_t WB_PROPOSAL_* */
    KIND_PATH,        /* char[WB_CONFIG_PATH_MAX] */
} kind;

static const char *const kind_names[] = {
    [KIND_OPT] = "opt-level", [KIND_SIZE] = "size", [KIND_BOOL] = "bool",
    [KIND_CPU] = "cpu-features", [KIND_PROPOSALS] = "proposals", [KIND_PATH] = "path",
};

typedef struct setting {
    const char *name;       /* field name; users may write '-' for '_' */
    kind kind;
    bool code;              /* changes generated code */
    size_t offset, size;    /* of the field in wb_config */
    const char *meaning;
} setting;

#define TUNABLE_ROW(type, name, k, meaning) \
    { #name, KIND_##k, true, offsetof(wb_config, tunables.name), \
      sizeof(((wb_tunables *)0)->name), meaning },
#define CONFIG_ROW(name, k, code, meaning) \
    { #name, k, code, offsetof(wb_config, name), sizeof(((wb_config *)0)->name), meaning },

static const setting settings[] = {
    WB_TUNABLES(TUNABLE_ROW)
    CONFIG_ROW(proposals, KIND_PROPOSALS, true,
               "WebAssembly proposals accepted: all, none, a list, or +name/-name changes")
    CONFIG_ROW(max_memory, KIND_SIZE, false,
               "limit of each linear memory: memory.grow past it returns -1 (0 = none; --max-memory)")
    CONFIG_ROW(cache, KIND_BOOL, false, "keep compiled code in the code cache")
    CONFIG_ROW(cache_dir, KIND_PATH, false,
               "code cache directory (empty: $XDG_CACHE_HOME/wasmbox or ~/.cache/wasmbox)")
    CONFIG_ROW(cache_max_size, KIND_SIZE, false,
               "disk space the code cache may use before old entries are evicted")
};
#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

typedef struct flag_name {
    uint32_t bit;
    const char *name;
} flag_name;
#define NFLAGS(a) (sizeof(a) / sizeof((a)[0]))

static const flag_name cpu_names[] = {
#define CPU_ROW(name, bit, text) { WB_CPU_##name, text },
    WB_CPU_FEATURES(CPU_ROW)
#undef CPU_ROW
};
static const flag_name proposal_names[] = {
#define PROPOSAL_ROW(name, bit, text) { WB_PROPOSAL_##name, text },
    WB_PROPOSALS(PROPOSAL_ROW)
#undef PROPOSAL_ROW
};

/* Key comparison where '-' and '_' are the same. */
static bool key_equal(const char *field, const char *key)
{
    for (; *field && *key; field++, key++) {
        char a = *field == '_' ? '-' : *field, b = *key == '_' ? '-' : *key;
        if (a != b)
            return false;
    }
    return *field == *key;
}

static const setting *find_setting(const char *key)
{
    for (size_t i = 0; i < NSETTINGS; i++)
        if (key_equal(settings[i].name, key))
            return &settings[i];
    return NULL;
}

/* The name users see: the field name with '-' for '_'. */
typedef struct display { char s[32]; } display;
static display display_name(const setting *st)
{
    display d;
    size_t n = strlen(st->name);
    if (n >= sizeof(d.s))
        n = sizeof(d.s) - 1;
    for (size_t k = 0; k < n; k++)
        d.s[k] = st->name[k] == '_' ? '-' : st->name[k];
    d.s[n] = '\0';
    return d;
}

bool wb_config_key_at(size_t i, wb_config_key *out)
{
    if (i >= NSETTINGS)
        return false;
    memcpy(out->name, display_name(&settings[i]).s, sizeof(out->name));
    out->kind = kind_names[settings[i].kind];
    out->meaning = settings[i].meaning;
    out->code = settings[i].code;
    return true;
}

/* Parses a size: digits, then an optional unit K, M, G (also Ki/KiB,
 * KB, ...: powers of 1024) or B. */
static bool parse_size(const char *s, uint64_t *out)
{
    uint64_t n = 0, mul = 1;
    const char *p = s;

    if (!isdigit((unsigned char)*p))
        return false;
    for (; isdigit((unsigned char)*p); p++) {
        if (n > (UINT64_MAX - 9) / 10)
            return false;
        n = n * 10 + (uint64_t)(*p - '0');
    }
    switch (tolower((unsigned char)*p)) {
    case 'k': mul = 1ull << 10; p++; break;
    case 'm': mul = 1ull << 20; p++; break;
    case 'g': mul = 1ull << 30; p++; break;
    case 't': mul = 1ull << 40; p++; break;
    default: break;
    }
    if (mul != 1 && *p == 'i')
        p++;
    if (tolower((unsigned char)*p) == 'b')
        p++;
    if (*p != '\0' || (n && mul > UINT64_MAX / n))
        return false;
    *out = n * mul;
    return true;
}

static bool parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = { "true", "yes", "on", "1" };
    static const char *const no[] = { "false", "no", "off", "0" };
    for (size_t i = 0; i < 4; i++) {
        if (!strcasecmp(s, yes[i])) {
            *out = true;
            return true;
        }
        if (!strcasecmp(s, no[i])) {
            *out = false;
            return true;
        }
    }
    return false;
}

/* "all", "none", ["native"], a comma list of names (exactly that set), or
 * +name/-name items changing the current set. *bad names the first bad
 * item (a pointer into value, with its length in *badlen); *mixed is set
 * when it is a +/- change among plain names. */
static bool parse_flags(const char *value, const flag_name *names, size_t nnames,
                        uint32_t current, bool allow_native, uint32_t *out, const char **bad,
                        size_t *badlen, bool *mixed)
{
    uint32_t all = 0, set = current;
    bool absolute = false;
    const char *p = value;

    for (size_t i = 0; i < nnames; i++)
        all |= names[i].bit;
    if (!strcmp(value, "all")) {
        *out = all;
        return true;
    }
    if (!strcmp(value, "none") || !strcmp(value, "")) {
        *out = 0;
        return true;
    }
    if (allow_native && !strcmp(value, "native")) {
        *out = wb_cpu_detect();
        return true;
    }
    for (const char *q = value; *q; q++)
        if (*q != '+' && *q != '-' && (q == value || q[-1] == ','))
            absolute = true;
    if (absolute)
        set = 0;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char sign = (*p == '+' || *p == '-') ? *p : '+';
        const char *name = (*p == '+' || *p == '-') ? p + 1 : p;
        size_t nlen = len - (size_t)(name - p);
        size_t i;
        for (i = 0; i < nnames; i++)
            if (strlen(names[i].name) == nlen && !strncmp(names[i].name, name, nlen))
                break;
        if (i == nnames || (absolute && name != p)) {
            *bad = p;
            *badlen = len;
            *mixed = i < nnames;
            return false;
        }
        set = sign == '+' ? set | names[i].bit : set & ~names[i].bit;
        p += len;
        if (*p == ',')
            p++;
    }
    *out = set;
    return true;
}

static void store_uint(void *field, size_t size, uint64_t v)
{
    if (size == sizeof(uint32_t)) {
        uint32_t x = (uint32_t)v;
        memcpy(field, &x, sizeof x);
    } else {
        memcpy(field, &v, sizeof v);
    }
}

static uint64_t load_uint(const void *field, size_t size)
{
    if (size == sizeof(uint32_t)) {
        uint32_t x;
        memcpy(&x, field, sizeof x);
        return x;
    }
    uint64_t v;
    memcpy(&v, field, sizeof v);
    return v;
}

wb_err wb_config_set(wb_config *c, const char *key, const char *value, wb_diag *d)
{
    const setting *s = key ? find_setting(key) : NULL;
    void *field;
    const char *bad = NULL;
    size_t badlen = 0;
    uint64_t n;
    uint32_t flags;
    bool b;

    if (!s)
        return wb_diag_setf(d, WB_ERR_USAGE, NULL, 0, "%.40s: unknown setting (wasmbox config lists them)",
                            key ? key : "");
    if (!value)
        value = "";
    field = (uint8_t *)c + s->offset;
    switch (s->kind) {
    case KIND_OPT: {
        int level = !strcmp(value, "0") ? 0 : !strcmp(value, "1") ? 1 :
                    !strcmp(value, "2") ? 2 : !strcmp(value, "s") ? 's' : -1;
        if (level < 0)
            return wb_diag_setf(d, WB_ERR_USAGE, NULL, 0,
                                "%s: unknown level '%.40s' (expected 0, 1, 2 or s)",
                                display_name(s).s, value);
        memcpy(field, &level, sizeof level);
        return WB_OK;
    }
    case KIND_SIZE:
        if (!parse_size(value, &n) || (s->size == sizeof(uint32_t) && n > UINT32_MAX))
            return wb_diag_setf(d, WB_ERR_USAGE, NULL, 0,
                                "%s: invalid size '%.40s' (expected bytes: %s)",
                                display_name(s).s, value,
                                s->size == sizeof(uint32_t) ? "512KiB, 8MiB; below 4GiB"
                                                            : "65536, 64KiB, 4GiB");
        store_uint(field, s->size, n);
        return WB_OK;
    case KIND_BOOL:
        if (!parse_bool(value, &b))
            return wb_diag_setf(d, WB_ERR_USAGE, NULL, 0,
                                "%s: invalid boolean '%.40s' (expected true or false)",
                                display_name(s).s, value);
        memcpy(field, &b, sizeof b);
        return WB_OK;
    case KIND_CPU:
    case KIND_PROPOSALS: {
        bool cpu = s->kind == KIND_CPU, mixed = false;
        if (!parse_flags(value, cpu ? cpu_names : proposal_names,
                         cpu ? NFLAGS(cpu_names) : NFLAGS(proposal_names),
                         (uint32_t)load_uint(field, sizeof(uint32_t)), cpu, &flags, &bad,
                         &badlen, &mixed)) {
            int n = (int)(badlen > 40 ? 40 : badlen);
            if (mixed)
                return wb_diag_setf(d, WB_ERR_USAGE, NULL, 0,
                                    "%s: '%.*s': give either names or +name/-name changes",
                                    display_name(s).s, n, bad);
            return wb_diag_setf(d, WB_ERR_USAGE, NULL, 0, "%s: unknown %s '%.*s'",
                                display_name(s).s, cpu ? "CPU feature" : "proposal", n, bad);
        }
        store_uint(field, sizeof(uint32_t), flags);
        return WB_OK;
    }
    case KIND_PATH:
        if (strlen(value) >= s->size)
            return wb_diag_setf(d, WB_ERR_USAGE, NULL, 0, "%s: path too long", display_name(s).s);
        memcpy(field, value, strlen(value) + 1);
        return WB_OK;
    }
    return wb_diag_set(d, WB_ERR_INTERNAL, NULL, 0);
}

wb_err wb_config_set_cpu_features(wb_config *c, const char *features)
{
    return wb_config_set(c, "cpu-features", features, NULL);
}

/* Writes a size with the largest exact binary unit: 4GiB, 512KiB, 1000. */
static void format_size(uint64_t n, char *buf, size_t size)
{
    static const char *const units[] = { "TiB", "GiB", "MiB", "KiB" };
    for (int i = 0; i < 4; i++) {
        uint64_t u = 1ull << (10 * (4 - i));
        if (n && n % u == 0) {
            snprintf(buf, size, "%" PRIu64 "%s", n / u, units[i]);
            return;
        }
    }
    snprintf(buf, size, "%" PRIu64, n);
}

static void format_flags(uint32_t set, const flag_name *names, size_t nnames, char *buf,
                         size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < nnames; i++) {
        if (!(set & names[i].bit))
            continue;
        int n = snprintf(buf + len, size - len, "%s%s", len ? "," : "", names[i].name);
        if (n < 0 || (size_t)n >= size - len)
            return;
        len += (size_t)n;
    }
    if (len == 0)
        snprintf(buf, size, "none");
}

wb_err wb_config_get(const wb_config *c, const char *key, char *buf, size_t size)
{
    const setting *s = key ? find_setting(key) : NULL;
    const void *field;
    bool b;
    int level;

    if (!s || !buf || size == 0)
        return WB_ERR_USAGE;
    field = (const uint8_t *)c + s->offset;
    switch (s->kind) {
    case KIND_OPT:
        memcpy(&level, field, sizeof level);
        if (level == 's')
            snprintf(buf, size, "s");
        else
            snprintf(buf, size, "%d", level);
        break;
    case KIND_SIZE:
        format_size(load_uint(field, s->size), buf, size);
        break;
    case KIND_BOOL:
        memcpy(&b, field, sizeof b);
        snprintf(buf, size, "%s", b ? "true" : "false");
        break;
    case KIND_CPU:
        format_flags((uint32_t)load_uint(field, sizeof(uint32_t)), cpu_names,
                     NFLAGS(cpu_names), buf, size);
        break;
    case KIND_PROPOSALS:
        format_flags((uint32_t)load_uint(field, sizeof(uint32_t)), proposal_names,
                     NFLAGS(proposal_names), buf, size);
        break;
    case KIND_PATH:
        snprintf(buf, size, "%s", (const char *)field);
        break;
    }
    return WB_OK;
}

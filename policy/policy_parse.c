/* policy_parse.c — the policy-file language (man/wasmbox-policy.5), both
 * ways: text → wb_policy, and wb_policy → text that parses back.
 *
 *   line    := [word {blank word}] [# comment]
 *   word    := bare | "quoted"        bare: no blank, no " or #
 *   quoted  := " {char | \\ | \" | \n | \t} "
 *
 *   base strict|standard|permissive     first setting only (default standard)
 *   name NAME
 *   dir HOST GUEST [ro|rw]
 *   env NAME=VALUE | env NAME
 *   limit memory|time|fuel|file-size|output|open-files VALUE
 *   require LAYER...  /  optional LAYER...
 *
 * Every problem is recorded with its line and parsing goes on with the next
 * line, so `wasmbox policy check` shows all of them at once. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_int.h"

#define MAX_WORDS 16

typedef struct parser {
    wb_policy *p;
    wb_policy_errors *errs;
    wb_err first;
    unsigned line;
    bool seen_setting;        /* a line other than base was seen */
    unsigned env_line[WB_POLICY_MAX_ENV];
    bool name_set;
} parser;

static void perr(parser *ps, wb_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void perr(parser *ps, wb_err err, const char *fmt, ...)
{
    va_list ap;

    if (ps->first == WB_OK)
        ps->first = err;
    if (!ps->errs)
        return;
    if (ps->errs->count >= WB_POLICY_MAX_ERRORS) {
        ps->errs->dropped++;
        return;
    }
    wb_policy_error *e = &ps->errs->e[ps->errs->count++];
    e->line = ps->line;
    e->err = err;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
}

/* Splits one line (NUL-terminated, modified in place) into words. Quoted
 * words are unescaped in place. Returns the count, or -1 after reporting. */
static int split(parser *ps, char *s, char **words)
{
    int n = 0;

    for (;;) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s || *s == '#')
            return n;
        if (n == MAX_WORDS) {
            perr(ps, WB_ERR_POLICY_SYNTAX, "too many words on one line (at most %d)",
                 MAX_WORDS);
            return -1;
        }
        if (*s == '"') {
            char *o = ++s;
            words[n++] = o;
            for (;; s++) {
                if (!*s) {
                    perr(ps, WB_ERR_POLICY_SYNTAX, "unterminated quoted string");
                    return -1;
                }
                if (*s == '"')
                    break;
                if (*s == '\\') {
                    s++;
                    switch (*s) {
                    case '\\': *o++ = '\\'; break;
                    case '"': *o++ = '"'; break;
                    case 'n': *o++ = '\n'; break;
                    case 't': *o++ = '\t'; break;
                    default:
                        perr(ps, WB_ERR_POLICY_SYNTAX,
                             "unknown escape in quoted string (use \\\\, \\\", \\n or \\t)");
                        return -1;
                    }
                    continue;
                }
                *o++ = *s;
            }
            s++; /* past the closing quote */
            if (*s && *s != ' ' && *s != '\t' && *s != '#') {
                perr(ps, WB_ERR_POLICY_SYNTAX, "a quoted string must be followed by a blank");
                return -1;
            }
            *o = '\0';
            if (*s == '#')
                return n;
            if (*s)
                s++;
            continue;
        }
        words[n++] = s;
        while (*s && *s != ' ' && *s != '\t' && *s != '#') {
            if (*s == '"') {
                perr(ps, WB_ERR_POLICY_SYNTAX, "stray \" inside a word (quote the whole word)");
                return -1;
            }
            s++;
        }
        if (!*s)
            return n;
        if (*s == '#') {
            *s = '\0';
            return n;
        }
        *s++ = '\0';
    }
}

static bool arity(parser *ps, int n, int min, int max, const char *usage)
{
    if (n - 1 >= min && n - 1 <= max)
        return true;
    perr(ps, WB_ERR_POLICY_SYNTAX, "usage: %s", usage);
    return false;
}

static void key_base(parser *ps, int n, char **w)
{
    if (!arity(ps, n, 1, 1, "base strict|standard|permissive"))
        return;
    if (ps->seen_setting) {
        perr(ps, WB_ERR_POLICY_SYNTAX, "'base' must come before every other setting");
        return;
    }
    if (!wb_policy_apply_preset(ps->p, w[1]))
        perr(ps, WB_ERR_POLICY_VALUE, "unknown base policy '%.40s' (strict, standard, "
             "permissive)", w[1]);
}

static void key_name(parser *ps, int n, char **w)
{
    if (!arity(ps, n, 1, 1, "name NAME"))
        return;
    if (!wb_policy_name_ok(w[1])) {
        perr(ps, WB_ERR_POLICY_VALUE, "policy names are 1-%u letters, digits, '-', '_' "
             "or '.'", WB_POLICY_NAME_MAX);
        return;
    }
    snprintf(ps->p->name, sizeof ps->p->name, "%s", w[1]);
    ps->name_set = true;
}

static void key_dir(parser *ps, int n, char **w)
{
    char buf[160], *guest = NULL, *host;
    const char *msg;
    bool write = false;

    if (!arity(ps, n, 2, 3, "dir HOST GUEST [ro|rw]"))
        return;
    if (n == 4) {
        if (!strcmp(w[3], "rw"))
            write = true;
        else if (strcmp(w[3], "ro")) {
            perr(ps, WB_ERR_POLICY_VALUE, "access must be ro or rw, not '%.40s'", w[3]);
            return;
        }
    }
    if ((msg = wb_policy_check_dir(ps->p, w[1], w[2], &guest, buf, sizeof buf))) {
        perr(ps, WB_ERR_POLICY_VALUE, "%s", msg);
        return;
    }
    if (!(host = strdup(w[1]))) {
        free(guest);
        perr(ps, WB_ERR_NOMEM, "out of memory");
        return;
    }
    ps->p->grants[ps->p->ngrants++] = (wb_grant){ host, guest, write };
}

static void key_env(parser *ps, int n, char **w)
{
    char *eq, *value = NULL;
    const char *msg;
    wb_err err;
    int at;

    if (!arity(ps, n, 1, 1, "env NAME=VALUE (or env NAME to pass it through)"))
        return;
    if ((eq = strchr(w[1], '='))) {
        *eq = '\0';
        value = eq + 1;
    }
    if ((msg = wb_policy_check_env(w[1], value))) {
        perr(ps, WB_ERR_POLICY_VALUE, "%s", msg);
        return;
    }
    if ((at = wb_policy_env_find(ps->p, w[1])) >= 0) {
        perr(ps, WB_ERR_POLICY_VALUE, "environment variable %.60s already set on line %u",
             w[1], ps->env_line[at]);
        return;
    }
    if ((err = wb_policy_add_env(ps->p, w[1], value, NULL)) != WB_OK) {
        perr(ps, err, "%s", err == WB_ERR_NOMEM ? "out of memory"
                                                : "too many environment variables");
        return;
    }
    ps->env_line[ps->p->nenv - 1] = ps->line;
}

static void key_limit(parser *ps, int n, char **w)
{
    char buf[128];
    const char *msg;

    if (!arity(ps, n, 2, 2, "limit memory|time|fuel|file-size|output|open-files VALUE"))
        return;
    if ((msg = wb_policy_limit_set(ps->p, w[1], w[2], buf, sizeof buf)))
        perr(ps, strncmp(msg, "unknown limit", 13) ? WB_ERR_POLICY_VALUE
                                                   : WB_ERR_POLICY_UNKNOWN_KEY, "%s", msg);
}

static void key_layers(parser *ps, int n, char **w, bool require)
{
    if (n < 2) {
        perr(ps, WB_ERR_POLICY_SYNTAX, "usage: %s LAYER... (layers: see wasmbox-policy(5))",
             require ? "require" : "optional");
        return;
    }
    for (int i = 1; i < n; i++) {
        int l = wb_layer_from_name(w[i]);
        uint32_t bit;
        if (l == -1) {
            perr(ps, WB_ERR_POLICY_UNKNOWN_KEY, "unknown layer '%.40s'", w[i]);
            continue;
        }
        bit = l == -2 ? WB_REQ_FS_ISOLATION : WB_LAYER_BIT(l);
        if (require)
            ps->p->required |= bit;
        else
            ps->p->required &= ~bit;
    }
}

static void parse_line(parser *ps, char *s)
{
    char *w[MAX_WORDS];
    int n = split(ps, s, w);

    if (n <= 0)
        return;
    if (!strcmp(w[0], "base")) {
        key_base(ps, n, w);
        ps->seen_setting = true;
        return;
    }
    ps->seen_setting = true;
    if (!strcmp(w[0], "name"))
        key_name(ps, n, w);
    else if (!strcmp(w[0], "dir"))
        key_dir(ps, n, w);
    else if (!strcmp(w[0], "env"))
        key_env(ps, n, w);
    else if (!strcmp(w[0], "limit"))
        key_limit(ps, n, w);
    else if (!strcmp(w[0], "require"))
        key_layers(ps, n, w, true);
    else if (!strcmp(w[0], "optional"))
        key_layers(ps, n, w, false);
    else
        perr(ps, WB_ERR_POLICY_UNKNOWN_KEY, "unknown key '%.40s' (base, name, dir, env, "
             "limit, require, optional)", w[0]);
}

/* Default policy name: the file's base name without directories and
 * without a ".policy" suffix, if that is a valid name. */
static void default_name(wb_policy *p, const char *file)
{
    const char *b = strrchr(file, '/');
    char name[WB_POLICY_NAME_MAX + 1];
    size_t n;

    b = b ? b + 1 : file;
    n = strlen(b);
    if (n > 7 && !strcmp(b + n - 7, ".policy"))
        n -= 7;
    if (n > WB_POLICY_NAME_MAX)
        n = WB_POLICY_NAME_MAX;
    memcpy(name, b, n);
    name[n] = '\0';
    snprintf(p->name, sizeof p->name, "%s", wb_policy_name_ok(name) ? name : "file");
}

wb_err wb_policy_parse(const char *text, size_t len, const char *file, wb_policy **out,
                       wb_policy_errors *errs)
{
    parser ps = { 0 };
    char *line = NULL;
    size_t pos = 0;

    *out = NULL;
    if (errs)
        memset(errs, 0, sizeof *errs);
    ps.errs = errs;
    ps.line = 1;
    if (!(ps.p = wb_policy_alloc("file")) || !(line = malloc(WB_POLICY_MAX_LINE + 1))) {
        free(line);
        wb_policy_free(ps.p);
        return WB_ERR_NOMEM;
    }
    wb_policy_apply_preset(ps.p, WB_POLICY_DEFAULT);
    default_name(ps.p, file);
    if (len > WB_POLICY_MAX_SIZE) {
        ps.line = 0;
        perr(&ps, WB_ERR_POLICY_SYNTAX, "policy file larger than %u bytes",
             WB_POLICY_MAX_SIZE);
        goto out;
    }
    for (ps.line = 1; pos < len; ps.line++) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len, n = end - pos;

        if (n && text[end - 1] == '\r')
            n--;
        if (n > WB_POLICY_MAX_LINE) {
            perr(&ps, WB_ERR_POLICY_SYNTAX, "line longer than %u bytes", WB_POLICY_MAX_LINE);
        } else if (memchr(text + pos, '\0', n)) {
            perr(&ps, WB_ERR_POLICY_SYNTAX, "NUL byte in a policy file");
        } else {
            memcpy(line, text + pos, n);
            line[n] = '\0';
            parse_line(&ps, line);
        }
        pos = end + 1;
    }
out:
    free(line);
    if (ps.first != WB_OK) {
        wb_policy_free(ps.p);
        return ps.first;
    }
    *out = ps.p;
    return WB_OK;
}

/* -- Policy → text -- */

typedef struct outbuf {
    char *buf;
    size_t size, len;
} outbuf;

static void put(outbuf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(outbuf *o, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(o->len < o->size ? o->buf + o->len : NULL,
                  o->len < o->size ? o->size - o->len : 0, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n;
}

/* One word, quoted when it has to be. */
static void put_word(outbuf *o, const char *s)
{
    bool quote = !*s;

    for (const char *c = s; *c; c++)
        if (*c == ' ' || *c == '\t' || *c == '#' || *c == '"' || *c == '\\' || *c == '\n')
            quote = true;
    if (!quote) {
        put(o, "%s", s);
        return;
    }
    put(o, "\"");
    for (const char *c = s; *c; c++) {
        switch (*c) {
        case '"': put(o, "\\\""); break;
        case '\\': put(o, "\\\\"); break;
        case '\n': put(o, "\\n"); break;
        case '\t': put(o, "\\t"); break;
        default: put(o, "%c", *c);
        }
    }
    put(o, "\"");
}

static void put_layers(outbuf *o, const char *key, uint32_t set)
{
    put(o, "%s", key);
    for (unsigned l = 0; l < WB_LAYER__COUNT; l++)
        if (set & WB_LAYER_BIT(l))
            put(o, " %s", wb_layer_name((wb_layer)l));
    if (set & WB_REQ_FS_ISOLATION)
        put(o, " fs-isolation");
    put(o, "\n");
}

size_t wb_policy_to_text(const wb_policy *p, char *buf, size_t size)
{
    outbuf o = { buf, size, 0 };
    wb_policy base = { 0 };
    char v[32];

    if (size)
        buf[0] = '\0';
    wb_policy_apply_preset(&base, p->base[0] ? p->base : WB_POLICY_DEFAULT);
    put(&o, "base %s\n", base.base);
    put(&o, "name %s\n", p->name);
    put(&o, "limit memory %s\n", wb_policy_fmt_size(p->limits.memory, v, sizeof v));
    put(&o, "limit time %s\n", wb_policy_fmt_time(p->limits.time_ms, v, sizeof v));
    if (p->limits.fuel == WB_UNLIMITED)
        put(&o, "limit fuel unlimited\n");
    else
        put(&o, "limit fuel %llu\n", (unsigned long long)p->limits.fuel);
    put(&o, "limit file-size %s\n", wb_policy_fmt_size(p->limits.file_size, v, sizeof v));
    put(&o, "limit output %s\n", wb_policy_fmt_size(p->limits.output, v, sizeof v));
    put(&o, "limit open-files %llu\n", (unsigned long long)p->limits.open_files);
    if (base.required & ~p->required)
        put_layers(&o, "optional", base.required & ~p->required);
    if (p->required)
        put_layers(&o, "require", p->required);
    for (unsigned i = 0; i < p->ngrants; i++) {
        put(&o, "dir ");
        put_word(&o, p->grants[i].host);
        put(&o, " ");
        put_word(&o, p->grants[i].guest);
        put(&o, " %s\n", p->grants[i].write ? "rw" : "ro");
    }
    for (unsigned i = 0; i < p->nenv; i++) {
        put(&o, "env ");
        if (p->env[i].value) {
            size_t n = strlen(p->env[i].name) + strlen(p->env[i].value) + 2;
            char *kv = malloc(n);
            if (kv) {
                snprintf(kv, n, "%s=%s", p->env[i].name, p->env[i].value);
                put_word(&o, kv);
                free(kv);
            }
        } else {
            put_word(&o, p->env[i].name);
        }
        put(&o, "\n");
    }
    return o.len;
}

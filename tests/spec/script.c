/* script.c — runs one wast2json script: dispatches each command through the
 * command table and counts passes, failures and skips.
 *
 *   .json --parse--> commands --table--> handler --> pass / fail(category)
 *                                                    / skip / skip-as-NYI
 *
 * Validation commands (assert_malformed, assert_invalid) are judged here;
 * the commands that execute (module, register, action, assert_return,
 * assert_trap, assert_exhaustion, assert_unlinkable, assert_uninstantiable)
 * go to exec.c, which works only through wasmbox.h. Scripts run
 * validation-only (simd_*, until the compiler has v128) decode and validate
 * their modules and skip every execution command. Commands on the text
 * format (module_type "text") are not binary-runtime tests and are not
 * counted at all, as the spec suite's README says. */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/wasm.h"
#include "json.h"
#include "spec.h"

/* -- Counts and results -- */

const char *spec_cat_words(spec_cat c)
{
    static const char *const words[] = {
#define SPEC_CAT_WORDS(name, w) w,
        SPEC_CATEGORIES(SPEC_CAT_WORDS)
#undef SPEC_CAT_WORDS
    };
    return (unsigned)c < SPEC_CAT__COUNT ? words[c] : "?";
}

void spec_counts_add(spec_counts *to, const spec_counts *c)
{
    to->passed += c->passed;
    to->failed += c->failed;
    to->skipped += c->skipped;
    to->nyi += c->nyi;
    to->out_of_scope += c->out_of_scope;
    for (int i = 0; i < SPEC_CAT__COUNT; i++)
        to->by_cat[i] += c->by_cat[i];
}

void spec_pass(spec_script *s)
{
    s->counts.passed++;
}

void spec_skip(spec_script *s)
{
    s->counts.skipped++;
}

void spec_out_of_scope(spec_script *s)
{
    s->counts.out_of_scope++;
}

static void vprint_line(spec_runner *r, const char *tag, const char *script, int64_t line,
                        const char *cmd, const char *fmt, va_list ap)
{
    printf("%s %s.wast:%lld %s: ", tag, script, (long long)line, cmd ? cmd : "script");
    vprintf(fmt, ap);
    putchar('\n');
    /* In a child, a crash must not take buffered lines with it. */
    if (r->report_fd >= 0)
        fflush(stdout);
}

void spec_nyi(spec_script *s, const char *fmt, ...)
{
    va_list ap;

    s->counts.skipped++;
    s->counts.nyi++;
    if (!s->run->verbose)
        return;
    va_start(ap, fmt);
    vprint_line(s->run, "NYI", s->name, s->line, s->cmd_type, fmt, ap);
    va_end(ap);
}

/* Whether one more FAIL line fits the budget (counting the hidden ones). */
static bool fail_line_fits(spec_runner *r)
{
    if (!r->verbose && r->fail_lines >= r->max_fail_lines) {
        r->fail_hidden++;
        return false;
    }
    r->fail_lines++;
    return true;
}

void spec_fail(spec_script *s, spec_cat cat, const char *fmt, ...)
{
    va_list ap;

    s->counts.failed++;
    if ((unsigned)cat < SPEC_CAT__COUNT)
        s->counts.by_cat[cat]++;
    if (!fail_line_fits(s->run))
        return;
    va_start(ap, fmt);
    vprint_line(s->run, "FAIL", s->name, s->line, s->cmd_type, fmt, ap);
    va_end(ap);
}

void spec_fail_line(spec_runner *run, const char *script, int64_t line, const char *cmd,
                    const char *fmt, ...)
{
    va_list ap;

    if (!fail_line_fits(run))
        return;
    va_start(ap, fmt);
    vprint_line(run, "FAIL", script, line, cmd, fmt, ap);
    va_end(ap);
}

void spec_note(spec_script *s, const char *fmt, ...)
{
    va_list ap;

    if (!s->run->verbose)
        return;
    va_start(ap, fmt);
    vprint_line(s->run, "note", s->name, s->line, s->cmd_type, fmt, ap);
    va_end(ap);
}

/* -- Loading a command's module file -- */

typedef struct loaded {
    wb_err err;             /* result of decoding + validating (+ compiling) */
    char what[320];         /* when err != WB_OK: `malformed "unexpected end"
                               (code section at offset 0x1a: detail)` */
} loaded;

static const char *class_word(wb_err_class c)
{
    switch (c) {
    case WB_CLASS_MALFORMED: return "malformed";
    case WB_CLASS_INVALID: return "invalid";
    case WB_CLASS_LIMIT: return "implementation limit";
    default: return "other error";
    }
}

static void describe_error(loaded *l, const wb_diag *d)
{
    int n = snprintf(l->what, sizeof l->what, "%s \"%s\"",
                     class_word(wb_err_class_of(l->err)), wb_err_message(l->err));

    if (d->err != l->err || n < 0 || (size_t)n >= sizeof l->what)
        return;             /* no diagnostics for this error */
    snprintf(l->what + n, sizeof l->what - (size_t)n, " (%s%sat offset 0x%zx%s%s)",
             d->section ? d->section : "", d->section ? " section " : "",
             d->offset, d->detail[0] ? ": " : "", d->detail);
}

/* A module filename must name a file next to the script: wast2json writes
 * plain names, and anything else would read outside the suite. */
static bool plain_filename(const char *f)
{
    return f && *f && !strchr(f, '/') && strcmp(f, ".") != 0 && strcmp(f, "..") != 0;
}

bool spec_read_module(spec_script *s, const wb_json *cmd, char **bytes, size_t *size)
{
    const char *file = wb_json_str(wb_json_get(cmd, "filename"));
    char *path = NULL;
    int rc;

    *bytes = NULL;
    *size = 0;
    if (!plain_filename(file)) {
        spec_fail(s, SPEC_CAT_SCRIPT, "command has no valid \"filename\"");
        return false;
    }
    if (asprintf(&path, "%s/%s", s->dir, file) < 0) {
        spec_fail(s, SPEC_CAT_SCRIPT, "out of memory");
        return false;
    }
    if ((rc = spec_read_file(path, bytes, size)) != 0) {
        spec_fail(s, SPEC_CAT_SCRIPT, "cannot read module %s: %s", path, strerror(rc));
        free(path);
        return false;
    }
    free(path);
    return true;
}

/* Reads the command's module and decodes + validates it into *l (the
 * validator of wasm/, as the public API has no validate-only call). Returns
 * false after counting a failure when the file cannot be read (so the
 * caller only judges the load result). */
static bool load_module(spec_script *s, const wb_json *cmd, loaded *l)
{
    char *bytes = NULL;
    size_t size = 0;
    wb_module *m = NULL;
    wb_diag diag;

    if (!spec_read_module(s, cmd, &bytes, &size))
        return false;
    memset(&diag, 0, sizeof diag);
    l->err = wb_module_load((const uint8_t *)bytes, size, &m, &diag);
    l->what[0] = '\0';
    if (l->err != WB_OK)
        describe_error(l, &diag);
    wb_module_free(m);
    free(bytes);
    return true;
}

/* module_type: absent or "binary" → true; "text" → false (not counted);
 * anything else counts as a failure and returns false. */
static bool is_binary_command(spec_script *s, const wb_json *cmd)
{
    const wb_json *mt = wb_json_get(cmd, "module_type");

    if (!mt || wb_json_str_is(mt, "binary"))
        return true;
    if (!wb_json_str_is(mt, "text"))
        spec_fail(s, SPEC_CAT_SCRIPT, "unknown module_type");
    return false;
}

/* -- Command handlers -- */

typedef void spec_cmd_fn(spec_script *s, const wb_json *cmd);

/* (module ...): in validation-only scripts, must decode and validate;
 * elsewhere it is compiled and instantiated (exec.c). */
static void cmd_module(spec_script *s, const wb_json *cmd)
{
    loaded l;

    if (!is_binary_command(s, cmd))
        return;
    if (!s->validation_only) {
        spec_exec_module(s, cmd);
        return;
    }
    if (!load_module(s, cmd, &l))
        return;
    if (l.err != WB_OK) {
        spec_fail(s, SPEC_CAT_COMPILE, "valid module rejected: %s [%s]", l.what,
                  wb_json_str(wb_json_get(cmd, "filename")));
        return;
    }
    spec_pass(s);
}

/* assert_malformed / assert_invalid on a binary module: rejected, with an
 * error of class `want`. The message need only match in class; a different
 * wording is a note. Implementation limits are failures: the module is
 * within the spec's limits, so a limit here is ours. */
static void assert_rejected(spec_script *s, const wb_json *cmd, wb_err_class want)
{
    const char *text = wb_json_str(wb_json_get(cmd, "text"));
    const char *want_name = want == WB_CLASS_MALFORMED ? "malformed" : "invalid";
    wb_err_class got;
    loaded l;

    if (!is_binary_command(s, cmd))
        return;
    if (!text)
        text = "";
    if (!load_module(s, cmd, &l))
        return;
    if (l.err == WB_OK) {
        spec_fail(s, SPEC_CAT_REJECT, "expected %s \"%s\", module was accepted [%s]",
                  want_name, text, wb_json_str(wb_json_get(cmd, "filename")));
        return;
    }
    got = wb_err_class_of(l.err);
    if (got != want) {
        spec_fail(s, SPEC_CAT_REJECT, "expected %s \"%s\", got %s [%s]", want_name, text,
                  l.what, wb_json_str(wb_json_get(cmd, "filename")));
        return;
    }
    /* The spec interpreter's rule: the expected text is a prefix of the
     * actual message. */
    if (strncmp(wb_err_message(l.err), text, strlen(text)) != 0)
        spec_note(s, "right class, other message: expected \"%s\", got %s [%s]",
                  text, l.what, wb_json_str(wb_json_get(cmd, "filename")));
    spec_pass(s);
}

static void cmd_assert_malformed(spec_script *s, const wb_json *cmd)
{
    assert_rejected(s, cmd, WB_CLASS_MALFORMED);
}

static void cmd_assert_invalid(spec_script *s, const wb_json *cmd)
{
    assert_rejected(s, cmd, WB_CLASS_INVALID);
}

/* assert_unlinkable / assert_uninstantiable in validation-only scripts:
 * the module itself is valid (one unit); running it is skipped (one). */
static void assert_valid_then_skip(spec_script *s, const wb_json *cmd)
{
    loaded l;

    if (!is_binary_command(s, cmd))
        return;
    if (load_module(s, cmd, &l)) {
        if (l.err == WB_OK)
            spec_pass(s);
        else
            spec_fail(s, SPEC_CAT_COMPILE, "module should validate: %s [%s]", l.what,
                      wb_json_str(wb_json_get(cmd, "filename")));
    }
    spec_out_of_scope(s);
}

static void cmd_assert_unlinkable(spec_script *s, const wb_json *cmd)
{
    if (s->validation_only)
        assert_valid_then_skip(s, cmd);
    else if (is_binary_command(s, cmd))
        spec_exec_assert_unlinkable(s, cmd);
}

static void cmd_assert_uninstantiable(spec_script *s, const wb_json *cmd)
{
    if (s->validation_only)
        assert_valid_then_skip(s, cmd);
    else if (is_binary_command(s, cmd))
        spec_exec_assert_uninstantiable(s, cmd);
}

/* A command type this runner does not know (a newer wast2json): skipped,
 * with a note, so that it is seen rather than silently passed. */
static void cmd_unknown(spec_script *s, const wb_json *cmd)
{
    (void)cmd;
    spec_note(s, "unknown command type, skipped");
    spec_skip(s);
}

/* The command table. `runtime` marks commands that only execute code:
 * validation-only scripts skip them whatever their handler. */
static const struct spec_cmd {
    const char *type;
    spec_cmd_fn *run;
    bool runtime;
} spec_cmds[] = {
    { "module",                cmd_module,                      false },
    { "assert_malformed",      cmd_assert_malformed,            false },
    { "assert_invalid",        cmd_assert_invalid,              false },
    { "assert_unlinkable",     cmd_assert_unlinkable,           false },
    { "assert_uninstantiable", cmd_assert_uninstantiable,       false },
    { "register",              spec_exec_register,              true },
    { "action",                spec_exec_action,                true },
    { "assert_return",         spec_exec_assert_return,         true },
    { "assert_trap",           spec_exec_assert_trap,           true },
    { "assert_exhaustion",     spec_exec_assert_trap,           true },
};

static void run_command(spec_script *s, const wb_json *cmd)
{
    const wb_json *type = wb_json_get(cmd, "type");
    int64_t line = 0;

    s->cmd_type = NULL;
    s->line = wb_json_int(wb_json_get(cmd, "line"), &line) ? line : 0;
    if (!cmd || cmd->kind != WB_JSON_OBJECT || !wb_json_str(type)) {
        spec_fail(s, SPEC_CAT_SCRIPT, "command is not an object with a \"type\"");
        return;
    }
    s->cmd_type = wb_json_str(type);
    spec_progress(s);
    for (size_t i = 0; i < sizeof spec_cmds / sizeof spec_cmds[0]; i++) {
        if (strcmp(spec_cmds[i].type, s->cmd_type) != 0)
            continue;
        if (spec_cmds[i].runtime && s->validation_only)
            spec_out_of_scope(s);
        else
            spec_cmds[i].run(s, cmd);
        return;
    }
    cmd_unknown(s, cmd);
}

/* -- One script -- */

static void run_document(spec_script *s, const char *json_path)
{
    char *text = NULL;
    size_t size = 0;
    wb_json_doc *doc = NULL;
    wb_json_error jerr;
    const wb_json *cmds;
    int rc;

    if ((rc = spec_read_file(json_path, &text, &size)) != 0) {
        spec_fail(s, SPEC_CAT_SCRIPT, "cannot read %s: %s", json_path, strerror(rc));
        return;
    }
    if (!wb_json_parse(text, size, 0, &doc, &jerr)) {
        spec_fail(s, SPEC_CAT_SCRIPT, "%s:%zu:%zu: malformed JSON: %s", json_path,
                  jerr.line, jerr.column, jerr.msg);
        goto out;
    }
    cmds = wb_json_get(wb_json_root(doc), "commands");
    if (!cmds || cmds->kind != WB_JSON_ARRAY) {
        spec_fail(s, SPEC_CAT_SCRIPT, "%s: no \"commands\" array", json_path);
        goto out;
    }
    for (size_t i = 0; i < cmds->len; i++)
        run_command(s, wb_json_at(cmds, i));

out:
    wb_json_free(doc);
    free(text);
}

/* "dir/br_table.json" → "br_table" (new), or NULL. */
static char *name_of(const char *json_path)
{
    const char *base = strrchr(json_path, '/');
    size_t n;

    base = base ? base + 1 : json_path;
    n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".json") == 0)
        n -= 5;
    return strndup(base, n);
}

void spec_run_script(spec_runner *run, const char *json_path, spec_counts *out)
{
    const char *base = strrchr(json_path, '/');
    char *name = name_of(json_path), *dir;

    base = base ? base + 1 : json_path;
    if (base == json_path)
        dir = strdup(".");
    else if (base == json_path + 1)       /* "/x.json" */
        dir = strdup("/");
    else
        dir = strndup(json_path, (size_t)(base - json_path - 1));
    if (!name || !dir) {
        free(name);
        free(dir);
        spec_fail_line(run, json_path, 0, NULL, "out of memory");
        out->failed++;
        out->by_cat[SPEC_CAT_SCRIPT]++;
        return;
    }

    spec_script s = {
        .run = run,
        .name = name,
        .dir = dir,
        .validation_only = !run->simd && strncmp(name, "simd_", 5) == 0,
    };
    run_document(&s, json_path);
    s.line = 0;
    s.cmd_type = NULL;
    spec_rt_free(s.rt);
    s.rt = NULL;
    spec_counts_add(out, &s.counts);
    free(name);
    free(dir);
}

void spec_print_summary(spec_runner *run, const char *json_path, const spec_counts *c,
                        const char *extra)
{
    char *name = name_of(json_path);

    printf("  %s: %lu passed, %lu failed, %lu skipped", name ? name : json_path, c->passed,
           c->failed, c->skipped);
    if (c->nyi)
        printf(" (%lu not implemented)", c->nyi);
    if (extra)
        printf(" %s", extra);
    putchar('\n');
    spec_counts_add(&run->total, c);
    free(name);
}

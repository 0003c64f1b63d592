/* script.c — runs one wast2json script: dispatches each command through the
 * command table and counts passes, failures and skips.
 *
 * What is checked today: binary modules decode and validate ("module",
 * and the module of assert_unlinkable / assert_uninstantiable), and rejected
 * binaries are rejected with the right error class (assert_malformed,
 * assert_invalid). Commands that need the runtime go to cmd_not_yet and count
 * as skipped; adding execution means filling in their table rows. Commands on
 * the text format (module_type "text") are not binary-runtime tests and are
 * not counted at all, as the spec suite's README says. */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/wasm.h"
#include "json.h"
#include "spec.h"

/* -- Results -- */

void spec_pass(spec_script *s)
{
    s->counts.passed++;
}

void spec_skip(spec_script *s)
{
    s->counts.skipped++;
}

static void vprint_line(spec_script *s, const char *tag, const char *fmt, va_list ap)
{
    printf("%s %s.wast:%lld %s: ", tag, s->name, (long long)s->line,
           s->cmd_type ? s->cmd_type : "script");
    vprintf(fmt, ap);
    putchar('\n');
}

void spec_fail(spec_script *s, const char *fmt, ...)
{
    spec_runner *r = s->run;
    va_list ap;

    s->counts.failed++;
    if (!r->verbose && r->fail_lines >= r->max_fail_lines) {
        r->fail_hidden++;
        return;
    }
    r->fail_lines++;
    va_start(ap, fmt);
    vprint_line(s, "FAIL", fmt, ap);
    va_end(ap);
}

void spec_note(spec_script *s, const char *fmt, ...)
{
    va_list ap;

    if (!s->run->verbose)
        return;
    va_start(ap, fmt);
    vprint_line(s, "note", fmt, ap);
    va_end(ap);
}

/* -- Loading a command's module file -- */

typedef struct loaded {
    wb_err err;             /* result of wb_module_load */
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

/* Reads the command's "filename" and decodes + validates it into *l.
 * Returns false after counting a failure when the file cannot be read (so
 * the caller only judges the load result). */
static bool load_module(spec_script *s, const wb_json *cmd, loaded *l)
{
    const char *file = wb_json_str(wb_json_get(cmd, "filename"));
    char *path = NULL, *bytes = NULL;
    size_t size = 0;
    wb_module *m = NULL;
    wb_diag diag;
    int rc;

    if (!plain_filename(file)) {
        spec_fail(s, "command has no valid \"filename\"");
        return false;
    }
    if (asprintf(&path, "%s/%s", s->dir, file) < 0) {
        spec_fail(s, "out of memory");
        return false;
    }
    if ((rc = spec_read_file(path, &bytes, &size)) != 0) {
        spec_fail(s, "cannot read module %s: %s", path, strerror(rc));
        free(path);
        return false;
    }
    free(path);

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
        spec_fail(s, "unknown module_type");
    return false;
}

static bool set_owned(char **dst, const char *src)
{
    free(*dst);
    *dst = NULL;
    return !src || (*dst = strdup(src)) != NULL;
}

/* -- Command handlers -- */

typedef void spec_cmd_fn(spec_script *s, const wb_json *cmd);

/* (module ...): must decode and validate; becomes the current module. */
static void cmd_module(spec_script *s, const wb_json *cmd)
{
    loaded l;

    if (!is_binary_command(s, cmd))
        return;
    set_owned(&s->module_file, NULL);
    set_owned(&s->module_name, NULL);
    if (!load_module(s, cmd, &l))
        return;
    if (l.err != WB_OK) {
        spec_fail(s, "valid module rejected: %s [%s]", l.what,
                  wb_json_str(wb_json_get(cmd, "filename")));
        return;
    }
    if (!set_owned(&s->module_file, wb_json_str(wb_json_get(cmd, "filename"))) ||
        !set_owned(&s->module_name, wb_json_str(wb_json_get(cmd, "name")))) {
        spec_fail(s, "out of memory");
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
        spec_fail(s, "expected %s \"%s\", module was accepted [%s]", want_name, text,
                  wb_json_str(wb_json_get(cmd, "filename")));
        return;
    }
    got = wb_err_class_of(l.err);
    if (got != want) {
        spec_fail(s, "expected %s \"%s\", got %s [%s]", want_name, text, l.what,
                  wb_json_str(wb_json_get(cmd, "filename")));
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

/* assert_unlinkable / assert_uninstantiable: the module itself is valid
 * (one unit); linking or instantiating it needs the runtime (one skip). */
static void assert_valid_then_skip(spec_script *s, const wb_json *cmd)
{
    loaded l;

    if (!is_binary_command(s, cmd))
        return;
    if (load_module(s, cmd, &l)) {
        if (l.err == WB_OK)
            spec_pass(s);
        else
            spec_fail(s, "module should validate: %s [%s]", l.what,
                      wb_json_str(wb_json_get(cmd, "filename")));
    }
    spec_skip(s);
}

/* Commands that need the runtime: counted as not yet run. */
static void cmd_not_yet(spec_script *s, const wb_json *cmd)
{
    (void)cmd;
    spec_skip(s);
}

/* A command type this runner does not know (a newer wast2json): skipped,
 * with a note, so that it is seen rather than silently passed. */
static void cmd_unknown(spec_script *s, const wb_json *cmd)
{
    (void)cmd;
    spec_note(s, "unknown command type, skipped");
    spec_skip(s);
}

/* The command table. `runtime` marks commands that execute code: scripts
 * run validation-only (simd_*) skip them whatever their handler. */
static const struct spec_cmd {
    const char *type;
    spec_cmd_fn *run;
    bool runtime;
} spec_cmds[] = {
    { "module",                cmd_module,             false },
    { "assert_malformed",      cmd_assert_malformed,   false },
    { "assert_invalid",        cmd_assert_invalid,     false },
    { "assert_unlinkable",     assert_valid_then_skip, false },
    { "assert_uninstantiable", assert_valid_then_skip, false },
    { "register",              cmd_not_yet,            true },
    { "action",                cmd_not_yet,            true },
    { "assert_return",         cmd_not_yet,            true },
    { "assert_trap",           cmd_not_yet,            true },
    { "assert_exhaustion",     cmd_not_yet,            true },
};

static void run_command(spec_script *s, const wb_json *cmd)
{
    const wb_json *type = wb_json_get(cmd, "type");
    int64_t line = 0;

    s->cmd_type = NULL;
    s->line = wb_json_int(wb_json_get(cmd, "line"), &line) ? line : 0;
    if (!cmd || cmd->kind != WB_JSON_OBJECT || !wb_json_str(type)) {
        spec_fail(s, "command is not an object with a \"type\"");
        return;
    }
    s->cmd_type = wb_json_str(type);
    for (size_t i = 0; i < sizeof spec_cmds / sizeof spec_cmds[0]; i++) {
        if (strcmp(spec_cmds[i].type, s->cmd_type) != 0)
            continue;
        if (spec_cmds[i].runtime && s->validation_only)
            spec_skip(s);
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
        spec_fail(s, "cannot read %s: %s", json_path, strerror(rc));
        return;
    }
    if (!wb_json_parse(text, size, 0, &doc, &jerr)) {
        spec_fail(s, "%s:%zu:%zu: malformed JSON: %s", json_path, jerr.line,
                  jerr.column, jerr.msg);
        goto out;
    }
    cmds = wb_json_get(wb_json_root(doc), "commands");
    if (!cmds || cmds->kind != WB_JSON_ARRAY) {
        spec_fail(s, "%s: no \"commands\" array", json_path);
        goto out;
    }
    for (size_t i = 0; i < cmds->len; i++)
        run_command(s, wb_json_at(cmds, i));

out:
    wb_json_free(doc);
    free(text);
}

void spec_run_script(spec_runner *run, const char *json_path)
{
    const char *base = strrchr(json_path, '/');
    char *name, *dir;
    size_t n;

    base = base ? base + 1 : json_path;
    n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".json") == 0)
        n -= 5;
    name = strndup(base, n);
    dir = base == json_path ? strdup(".") : strndup(json_path, (size_t)(base - json_path - 1));
    if (!name || !dir) {
        free(name);
        free(dir);
        printf("FAIL %s: out of memory\n", json_path);
        run->total.failed++;
        return;
    }
    if (!*dir) {            /* "/x.json" */
        free(dir);
        dir = strdup("/");
    }

    spec_script s = {
        .run = run,
        .name = name,
        .dir = dir ? dir : ".",
        .validation_only = strncmp(name, "simd_", 5) == 0,
    };
    run_document(&s, json_path);

    printf("  %s: %lu passed, %lu failed, %lu skipped\n", s.name,
           s.counts.passed, s.counts.failed, s.counts.skipped);
    run->total.passed += s.counts.passed;
    run->total.failed += s.counts.failed;
    run->total.skipped += s.counts.skipped;
    free(s.module_file);
    free(s.module_name);
    free(name);
    free(dir);
}

/* exec.c — the commands that execute, through wasmbox.h only: one engine
 * and one store per script, the "spectest" host module, a registry of
 * named instances that imports resolve against, actions (invoke / get) and
 * the assertions on their outcome.
 *
 *   module ──wb_compile──> compiled ──imports by (module, name)──>
 *          wb_instance_new ──> current module [+ "$name"] ──register──> registry
 *
 * Every handler counts exactly one unit. When the runtime answers
 * WB_ERR_UNSUPPORTED (a compiler or runtime feature not written yet) the unit
 * is a skip counted as "not implemented", and so is every later command on
 * that module; any other failure of a module makes the commands on it
 * failures ("command on a module that failed"). */
#define _GNU_SOURCE /* strndup */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "spec.h"

/* -- Runtime state of one script -- */

/* The current module, or one named "$M" in the script. */
typedef struct module_slot {
    char *name;                 /* owned; NULL for the current module */
    wb_instance *inst;          /* NULL: the module failed */
    bool nyi;                   /* ... with WB_ERR_UNSUPPORTED somewhere */
    int64_t line;               /* of its module command */
} module_slot;

/* A register command. A module that was unavailable is registered too, so
 * that its importers count like the commands on it (not as link errors). */
typedef struct registered {
    char *as;                   /* owned: the import module name */
    wb_instance *inst;          /* NULL: the module failed */
    bool nyi;                   /* ... with WB_ERR_UNSUPPORTED somewhere */
    int64_t line;               /* of its module command */
} registered;

typedef struct extern_num {
    uint64_t n;
    wb_externref ref;
} extern_num;

typedef struct spectest_item {
    const char *name;
    wb_extern ext;
} spectest_item;

#define SPECTEST_MAX 16

struct spec_rt {
    wb_engine *engine;
    wb_store *store;
    wb_compiled **compiled;     /* every module compiled, freed after the store */
    size_t ncompiled, compiled_cap;
    spectest_item spectest[SPECTEST_MAX];
    size_t nspectest;
    registered *reg;            /* newest last; lookups search from the end */
    size_t nreg, reg_cap;
    module_slot *named;
    size_t nnamed, named_cap;
    module_slot current;
    bool have_current;
    extern_num *externs;
    size_t nexterns, externs_cap;
};

/* Makes room for one more element in *v (n used of *cap). */
static bool grow(void *vp, size_t *cap, size_t n, size_t elem)
{
    void **v = vp;
    size_t ncap;
    void *nv;

    if (n < *cap)
        return true;
    ncap = *cap ? *cap * 2 : 8;
    if (!(nv = realloc(*v, ncap * elem)))
        return false;
    *v = nv;
    *cap = ncap;
    return true;
}

/* -- The spectest module -- */

/* print*: the reference interpreter prints its arguments; the suite never
 * checks the output, so nothing is printed. */
static wb_err spectest_print(wb_caller *caller, void *env, const wb_val *args,
                             wb_val *results)
{
    (void)caller;
    (void)env;
    (void)args;
    (void)results;
    return WB_OK;
}

static bool spectest_add(spec_rt *rt, const char *name, uint8_t kind, void *obj)
{
    spectest_item *it;

    if (!obj || rt->nspectest == SPECTEST_MAX)
        return false;
    it = &rt->spectest[rt->nspectest++];
    it->name = name;
    it->ext.kind = kind;
    switch (kind) {
    case WB_EXTERN_FUNC: it->ext.of.func = obj; break;
    case WB_EXTERN_TABLE: it->ext.of.table = obj; break;
    case WB_EXTERN_MEMORY: it->ext.of.memory = obj; break;
    default: it->ext.of.global = obj; break;
    }
    return true;
}

static bool spectest_create(spec_rt *rt)
{
    static const struct {
        const char *name;
        uint8_t params[2];
        uint32_t nparams;
    } funcs[] = {
        { "print", { 0 }, 0 },
        { "print_i32", { WB_I32 }, 1 },
        { "print_i64", { WB_I64 }, 1 },
        { "print_f32", { WB_F32 }, 1 },
        { "print_f64", { WB_F64 }, 1 },
        { "print_i32_f32", { WB_I32, WB_F32 }, 2 },
        { "print_f64_f64", { WB_F64, WB_F64 }, 2 },
    };
    float f32 = 666.6f;
    double f64 = 666.6;
    wb_val g_i32 = { .type = WB_I32, .of.i32 = 666 };
    wb_val g_i64 = { .type = WB_I64, .of.i64 = 666 };
    wb_val g_f32 = { .type = WB_F32 }, g_f64 = { .type = WB_F64 };
    wb_val null_func = { .type = WB_FUNCREF, .of.funcref = NULL };
    wb_store *st = rt->store;

    memcpy(&g_f32.of.f32, &f32, 4);
    memcpy(&g_f64.of.f64, &f64, 8);
    for (size_t i = 0; i < sizeof funcs / sizeof funcs[0]; i++)
        if (!spectest_add(rt, funcs[i].name, WB_EXTERN_FUNC,
                          wb_func_new_host(st, funcs[i].params, funcs[i].nparams, NULL, 0,
                                           spectest_print, NULL, NULL)))
            return false;
    return spectest_add(rt, "global_i32", WB_EXTERN_GLOBAL, wb_global_new(st, &g_i32, false)) &&
           spectest_add(rt, "global_i64", WB_EXTERN_GLOBAL, wb_global_new(st, &g_i64, false)) &&
           spectest_add(rt, "global_f32", WB_EXTERN_GLOBAL, wb_global_new(st, &g_f32, false)) &&
           spectest_add(rt, "global_f64", WB_EXTERN_GLOBAL, wb_global_new(st, &g_f64, false)) &&
           spectest_add(rt, "table", WB_EXTERN_TABLE,
                        wb_table_new(st, WB_FUNCREF, 10, 20, true, &null_func)) &&
           spectest_add(rt, "memory", WB_EXTERN_MEMORY, wb_memory_new(st, 1, 2, true));
}

/* -- Creating and freeing the state -- */

void spec_rt_free(spec_rt *rt)
{
    if (!rt)
        return;
    /* Instances and store objects first, then the modules they were made
     * from, then the engine: the order wasmbox.h asks for. */
    wb_store_free(rt->store);
    for (size_t i = 0; i < rt->ncompiled; i++)
        wb_compiled_free(rt->compiled[i]);
    wb_engine_free(rt->engine);
    free(rt->compiled);
    for (size_t i = 0; i < rt->nreg; i++)
        free(rt->reg[i].as);
    free(rt->reg);
    for (size_t i = 0; i < rt->nnamed; i++)
        free(rt->named[i].name);
    free(rt->named);
    free(rt->externs);
    free(rt);
}

/* The script's state, created on first use. NULL after counting a failure. */
static spec_rt *rt_get(spec_script *s)
{
    spec_rt *rt;

    if (s->rt)
        return s->rt;
    if (!(rt = calloc(1, sizeof *rt))) {
        spec_fail(s, SPEC_CAT_SCRIPT, "out of memory");
        return NULL;
    }
    if (!(rt->engine = wb_engine_new(NULL)) || !(rt->store = wb_store_new(rt->engine))) {
        spec_fail(s, SPEC_CAT_SCRIPT, "cannot create the %s", rt->engine ? "store" : "engine");
        spec_rt_free(rt);
        return NULL;
    }
    if (!spectest_create(rt)) {
        spec_fail(s, SPEC_CAT_SCRIPT, "cannot create the spectest module");
        spec_rt_free(rt);
        return NULL;
    }
    s->rt = rt;
    return rt;
}

/* -- externrefs -- */

wb_externref spec_rt_externref(spec_rt *rt, uint64_t n)
{
    uint64_t *data;
    wb_externref r;

    for (size_t i = 0; i < rt->nexterns; i++)
        if (rt->externs[i].n == n)
            return rt->externs[i].ref;
    if (!grow(&rt->externs, &rt->externs_cap, rt->nexterns, sizeof *rt->externs))
        return 0;
    /* The object holds its number; the store frees it (which LeakSanitizer
     * checks: the destructor must run). */
    if (!(data = malloc(sizeof *data)))
        return 0;
    *data = n;
    if (!(r = wb_externref_new(rt->store, data, free))) {
        free(data);
        return 0;
    }
    rt->externs[rt->nexterns++] = (extern_num){ .n = n, .ref = r };
    return r;
}

bool spec_rt_externref_number(const spec_rt *rt, wb_externref r, uint64_t *n)
{
    for (size_t i = 0; i < rt->nexterns; i++) {
        if (rt->externs[i].ref == r) {
            *n = rt->externs[i].n;
            return true;
        }
    }
    return false;
}

/* -- Messages -- */

/* An error as text: the diagnostics when they describe err, else its
 * message. */
static const char *err_text(wb_err err, const wb_diag *d, char *buf, size_t size)
{
    if (d && d->err == err)
        return wb_diag_format(d, buf, size);
    snprintf(buf, size, "%s", wb_err_message(err));
    return buf;
}

static const char *trap_text(const wb_trap *t)
{
    const char *m = t ? wb_trap_message(t) : NULL;
    return m ? m : t ? wb_err_message(wb_trap_kind(t)) : "(no trap object)";
}

/* The reference interpreter's rule: the expected text is a prefix of the
 * actual message. One allowance: the interpreter names an element index in
 * some messages ("uninitialized element 2") that wasmbox's trap kinds do not
 * carry, so a message equal to the expected text minus " <digits>" passes. */
static bool message_matches(const char *got, const char *want)
{
    size_t n = strlen(want), g;

    if (!got)
        return false;
    if (strncmp(got, want, n) == 0)
        return true;
    g = strlen(got);
    if (g >= n || strncmp(got, want, g) != 0 || want[g] != ' ' || !want[g + 1])
        return false;
    for (const char *p = want + g + 1; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    return true;
}

static bool trap_matches(const wb_trap *t, const char *want)
{
    return message_matches(wb_trap_message(t), want) ||
           message_matches(wb_err_message(wb_trap_kind(t)), want);
}

/* Appends a name with non-printable bytes escaped (at most 80 of them). */
static size_t put_name(char *buf, size_t size, size_t len, const char *p, size_t n)
{
    for (size_t i = 0; i < n && i < 80 && len + 5 < size; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
            buf[len++] = (char)ch;
        else
            len += (size_t)snprintf(buf + len, size - len, "\\%02x", ch);
    }
    if (n > 80 && len + 4 < size) {
        memcpy(buf + len, "...", 3);
        len += 3;
    }
    buf[len] = '\0';
    return len;
}

/* -- Modules -- */

typedef enum outcome {
    OUT_OK,
    OUT_NYI,                    /* counted as a not-implemented skip */
    OUT_FAILED,                 /* counted as a failure */
} outcome;

/* Reads and compiles cmd's module; the compiled module is kept until the
 * script ends. Counts the command unless OUT_OK. */
static outcome compile_cmd(spec_script *s, spec_rt *rt, const wb_json *cmd, wb_compiled **out)
{
    const char *file = wb_json_str(wb_json_get(cmd, "filename"));
    char *bytes = NULL, msg[320];
    size_t size = 0;
    wb_compiled *c = NULL;
    wb_diag d;
    wb_err err;

    *out = NULL;
    if (!spec_read_module(s, cmd, &bytes, &size))
        return OUT_FAILED;
    if (!grow(&rt->compiled, &rt->compiled_cap, rt->ncompiled, sizeof *rt->compiled)) {
        free(bytes);
        spec_fail(s, SPEC_CAT_SCRIPT, "out of memory");
        return OUT_FAILED;
    }
    memset(&d, 0, sizeof d);
    err = wb_compile(rt->engine, (const uint8_t *)bytes, size, &c, &d);
    free(bytes);
    if (err == WB_ERR_UNSUPPORTED) {
        spec_nyi(s, "not compiled: %s [%s]", err_text(err, &d, msg, sizeof msg), file);
        return OUT_NYI;
    }
    if (err != WB_OK) {
        spec_fail(s, SPEC_CAT_COMPILE, "valid module rejected: %s [%s]",
                  err_text(err, &d, msg, sizeof msg), file);
        return OUT_FAILED;
    }
    rt->compiled[rt->ncompiled++] = c;
    *out = c;
    return OUT_OK;
}

static bool name_is(const char *name, const char *p, size_t n)
{
    return strlen(name) == n && memcmp(name, p, n) == 0;
}

/* Finds import im: registered instances (newest first), then spectest.
 * Not found: a null entry, which wb_instance_new reports as an unknown
 * import (the API has no other way to say "not provided"). Returns the
 * registration when it is of a module that failed, else NULL. */
static const registered *resolve_import(const spec_rt *rt, const wb_extern_desc *im,
                                        wb_extern *out)
{
    wb_extern ex;

    memset(out, 0, sizeof *out);
    out->kind = im->kind;
    for (size_t i = rt->nreg; i-- > 0;) {
        const registered *r = &rt->reg[i];
        if (!name_is(r->as, im->module, im->module_len))
            continue;
        if (!r->inst)
            return r;
        if (wb_instance_export(r->inst, im->name, im->name_len, &ex))
            *out = ex;
        return NULL;
    }
    if (!name_is("spectest", im->module, im->module_len))
        return NULL;
    for (size_t i = 0; i < rt->nspectest; i++) {
        if (name_is(rt->spectest[i].name, im->name, im->name_len)) {
            *out = rt->spectest[i].ext;
            break;
        }
    }
    return NULL;
}

/* Resolves c's imports and instantiates it (*trap: caller frees). An
 * import from a registered module that failed stops before the runtime:
 * the command is counted like one on that module and OUT_NYI or OUT_FAILED
 * is returned in *counted (else OUT_OK). */
static wb_err instantiate(spec_script *s, spec_rt *rt, const wb_compiled *c,
                          wb_instance **out, wb_trap **trap, wb_diag *d, outcome *counted)
{
    uint32_t n = wb_compiled_import_count(c);
    wb_extern *imports = calloc((size_t)n + 1, sizeof *imports);
    const registered *gone = NULL;
    wb_err err;

    *out = NULL;
    *trap = NULL;
    *counted = OUT_OK;
    memset(d, 0, sizeof *d);
    if (!imports)
        return WB_ERR_NOMEM;
    for (uint32_t i = 0; i < n && !gone; i++) {
        wb_extern_desc im;
        wb_compiled_import(c, i, &im);
        gone = resolve_import(rt, &im, &imports[i]);
    }
    if (gone) {
        free(imports);
        if (gone->nyi) {
            *counted = OUT_NYI;
            spec_nyi(s, "imports from \"%s\", whose module (line %lld) was not compiled or "
                     "instantiated", gone->as, (long long)gone->line);
        } else {
            *counted = OUT_FAILED;
            spec_fail(s, SPEC_CAT_NO_MODULE, "imports from \"%s\", whose module (line %lld) "
                      "failed", gone->as, (long long)gone->line);
        }
        return WB_ERR_UNKNOWN_IMPORT;
    }
    err = wb_instance_new(rt->store, c, imports, n, out, trap, d);
    free(imports);
    return err;
}

static module_slot *find_named(spec_rt *rt, const char *name)
{
    for (size_t i = 0; i < rt->nnamed; i++)
        if (strcmp(rt->named[i].name, name) == 0)
            return &rt->named[i];
    return NULL;
}

void spec_exec_module(spec_script *s, const wb_json *cmd)
{
    const char *file = wb_json_str(wb_json_get(cmd, "filename"));
    const char *name = wb_json_str(wb_json_get(cmd, "name"));
    spec_rt *rt = rt_get(s);
    module_slot *named = NULL;
    wb_compiled *c;
    wb_instance *inst = NULL;
    wb_trap *trap = NULL;
    wb_diag d;
    wb_err err;
    outcome oc;
    char msg[320];

    if (!rt)
        return;
    /* The slot first, so that a failure below still leaves it marked. */
    if (name && !(named = find_named(rt, name))) {
        char *copy = strdup(name);
        if (!copy || !grow(&rt->named, &rt->named_cap, rt->nnamed, sizeof *rt->named)) {
            free(copy);
            spec_fail(s, SPEC_CAT_SCRIPT, "out of memory");
            return;
        }
        named = &rt->named[rt->nnamed++];
        *named = (module_slot){ .name = copy };
    }
    if ((oc = compile_cmd(s, rt, cmd, &c)) == OUT_OK) {
        err = instantiate(s, rt, c, &inst, &trap, &d, &oc);
        if (oc != OUT_OK) {
            /* counted */
        } else if (err == WB_OK) {
            spec_pass(s);
        } else if (err == WB_ERR_UNSUPPORTED) {
            oc = OUT_NYI;
            spec_nyi(s, "not instantiated: %s [%s]", err_text(err, &d, msg, sizeof msg), file);
        } else if (err == WB_ERR_TRAP) {
            oc = OUT_FAILED;
            spec_fail(s, SPEC_CAT_INSTANTIATE, "instantiation trapped: \"%s\" [%s]",
                      trap_text(trap), file);
        } else {
            oc = OUT_FAILED;
            spec_fail(s, SPEC_CAT_INSTANTIATE, "instantiation failed: %s [%s]",
                      err_text(err, &d, msg, sizeof msg), file);
        }
        wb_trap_free(trap);
    }
    rt->current = (module_slot){ .inst = inst, .nyi = oc == OUT_NYI, .line = s->line };
    rt->have_current = true;
    if (named) {
        named->inst = rt->current.inst;
        named->nyi = rt->current.nyi;
        named->line = rt->current.line;
    }
}

/* The module an action or register names: "$name", or the current one.
 * NULL after counting the command. */
static module_slot *target_slot(spec_script *s, spec_rt *rt, const char *name)
{
    module_slot *m;

    if (name) {
        if (!(m = find_named(rt, name)))
            spec_fail(s, SPEC_CAT_SCRIPT, "no module named %s", name);
        return m;
    }
    if (rt->have_current)
        return &rt->current;
    spec_fail(s, SPEC_CAT_SCRIPT, "no module defined before this command");
    return NULL;
}

/* The instance of that module. NULL after counting the command. */
static wb_instance *target(spec_script *s, spec_rt *rt, const char *name)
{
    module_slot *m = target_slot(s, rt, name);

    if (!m)
        return NULL;
    if (m->inst)
        return m->inst;
    if (m->nyi)
        spec_nyi(s, "the module of line %lld was not compiled or instantiated",
                 (long long)m->line);
    else
        spec_fail(s, SPEC_CAT_NO_MODULE, "the module of line %lld failed", (long long)m->line);
    return NULL;
}

void spec_exec_register(spec_script *s, const wb_json *cmd)
{
    const char *as = wb_json_str(wb_json_get(cmd, "as"));
    const char *name = wb_json_str(wb_json_get(cmd, "name"));
    spec_rt *rt = rt_get(s);
    module_slot *m;
    char *copy;

    if (!rt)
        return;
    if (!as) {
        spec_fail(s, SPEC_CAT_SCRIPT, "register without \"as\"");
        return;
    }
    if (!(m = target_slot(s, rt, name)))
        return;
    if (!(copy = strdup(as)) || !grow(&rt->reg, &rt->reg_cap, rt->nreg, sizeof *rt->reg)) {
        free(copy);
        spec_fail(s, SPEC_CAT_SCRIPT, "out of memory");
        return;
    }
    rt->reg[rt->nreg++] =
        (registered){ .as = copy, .inst = m->inst, .nyi = m->nyi, .line = m->line };
    if (m->inst)
        spec_pass(s);
    else
        (void)target(s, rt, name);  /* counts it like any command on that module */
}

static void assert_instantiation(spec_script *s, const wb_json *cmd, bool link)
{
    const char *file = wb_json_str(wb_json_get(cmd, "filename"));
    const char *text = wb_json_str(wb_json_get(cmd, "text"));
    spec_cat cat = link ? SPEC_CAT_LINK : SPEC_CAT_UNINSTANTIABLE;
    const char *want = link ? "link error" : "trap";
    spec_rt *rt = rt_get(s);
    wb_compiled *c;
    wb_instance *inst;
    wb_trap *trap = NULL;
    wb_diag d;
    wb_err err;
    outcome counted;
    char msg[320];

    if (!rt || compile_cmd(s, rt, cmd, &c) != OUT_OK)
        return;
    if (!text)
        text = "";
    err = instantiate(s, rt, c, &inst, &trap, &d, &counted);
    if (counted != OUT_OK)
        ;                       /* counted */
    else if (err == WB_OK)
        spec_fail(s, cat, "expected %s \"%s\", module was instantiated [%s]", want, text, file);
    else if (err == WB_ERR_UNSUPPORTED)
        spec_nyi(s, "instantiation: %s [%s]", err_text(err, &d, msg, sizeof msg), file);
    else if (link && wb_err_class_of(err) == WB_CLASS_LINK &&
             message_matches(wb_err_message(err), text))
        spec_pass(s);
    else if (!link && err == WB_ERR_TRAP && trap && trap_matches(trap, text))
        spec_pass(s);
    else if (err == WB_ERR_TRAP)
        spec_fail(s, cat, "expected %s \"%s\", got trap \"%s\" [%s]", want, text,
                  trap_text(trap), file);
    else
        spec_fail(s, cat, "expected %s \"%s\", got %s [%s]", want, text,
                  err_text(err, &d, msg, sizeof msg), file);
    wb_trap_free(trap);
}

void spec_exec_assert_unlinkable(spec_script *s, const wb_json *cmd)
{
    assert_instantiation(s, cmd, true);
}

/* The spec (2.0): segments applied before a trapping one stay in effect in
 * shared tables and memories; the runtime does that, later commands check
 * it. The module does not become the current one. */
void spec_exec_assert_uninstantiable(spec_script *s, const wb_json *cmd)
{
    assert_instantiation(s, cmd, false);
}

/* -- Actions -- */

typedef struct action {
    wb_err err;                 /* WB_OK, WB_ERR_TRAP (trap set), or a call error */
    wb_trap *trap;
    wb_val *results;            /* [nresults] */
    uint32_t nresults;
    char what[512];             /* `invoke "f"(i32:1, i32:2)` for messages */
} action;

static void action_free(action *a)
{
    wb_trap_free(a->trap);
    free(a->results);
    a->trap = NULL;
    a->results = NULL;
}

/* Builds a->what: `invoke "name"` or `get "name"`, with $module. */
static void describe_action(action *a, const char *type, const wb_json *field, const char *mod)
{
    size_t len = (size_t)snprintf(a->what, sizeof a->what, "%s ", type);

    if (mod && len < sizeof a->what)
        len += (size_t)snprintf(a->what + len, sizeof a->what - len, "%s ", mod);
    if (len + 2 < sizeof a->what) {
        a->what[len++] = '"';
        len = put_name(a->what, sizeof a->what, len, field->u.text, field->len);
    }
    if (len + 2 < sizeof a->what) {
        a->what[len++] = '"';
        a->what[len] = '\0';
    }
}

/* Parses the arguments of an invoke into *vals (new, caller frees) and
 * appends them to a->what. false after counting the command. */
static bool parse_args(spec_script *s, spec_rt *rt, const wb_json *args, action *a,
                       wb_val **vals, size_t *n)
{
    size_t len = strlen(a->what);
    char buf[160];

    *n = args ? args->len : 0;
    if (args && args->kind != WB_JSON_ARRAY) {
        spec_fail(s, SPEC_CAT_SCRIPT, "%s: \"args\" is not a list", a->what);
        return false;
    }
    if (!(*vals = calloc(*n + 1, sizeof **vals))) {
        spec_fail(s, SPEC_CAT_SCRIPT, "out of memory");
        return false;
    }
    for (size_t i = 0; i < *n; i++) {
        const char *why;
        if (!spec_val_parse(rt, wb_json_at(args, i), &(*vals)[i], &why)) {
            spec_fail(s, SPEC_CAT_SCRIPT, "%s: argument %zu: %s", a->what, i, why);
            free(*vals);
            *vals = NULL;
            return false;
        }
        spec_val_format(rt, &(*vals)[i], NULL, buf, sizeof buf);
        if (len < sizeof a->what)
            len += (size_t)snprintf(a->what + len, sizeof a->what - len, "%s%s",
                                    i ? ", " : "(", buf);
    }
    if (len < sizeof a->what)
        snprintf(a->what + len, sizeof a->what - len, "%s", *n ? ")" : "()");
    return true;
}

/* Runs cmd's "action" into *a. false when the command was counted
 * already (a malformed action, a missing module or export, or WB_ERR_INTERNAL);
 * else the caller judges *a and frees it with action_free. */
static bool run_action(spec_script *s, const wb_json *cmd, action *a)
{
    const wb_json *act = wb_json_get(cmd, "action");
    const char *type = wb_json_str(wb_json_get(act, "type"));
    const wb_json *field = wb_json_get(act, "field");
    const char *mod = wb_json_str(wb_json_get(act, "module"));
    spec_rt *rt = rt_get(s);
    wb_instance *inst;
    wb_extern ex;
    wb_val *vals = NULL;
    size_t nargs = 0;

    memset(a, 0, sizeof *a);
    if (!rt)
        return false;
    if (!type || !field || field->kind != WB_JSON_STRING) {
        spec_fail(s, SPEC_CAT_SCRIPT, "malformed \"action\"");
        return false;
    }
    describe_action(a, type, field, mod);
    if (!(inst = target(s, rt, mod)))
        return false;
    if (!wb_instance_export(inst, field->u.text, field->len, &ex)) {
        spec_fail(s, SPEC_CAT_SCRIPT, "%s: no such export", a->what);
        return false;
    }
    if (strcmp(type, "get") == 0) {
        if (ex.kind != WB_EXTERN_GLOBAL) {
            spec_fail(s, SPEC_CAT_SCRIPT, "%s: the export is not a global", a->what);
            return false;
        }
        if (!(a->results = calloc(1, sizeof *a->results))) {
            spec_fail(s, SPEC_CAT_SCRIPT, "out of memory");
            return false;
        }
        wb_global_get(ex.of.global, &a->results[0]);
        a->nresults = 1;
        return true;
    }
    if (strcmp(type, "invoke") != 0) {
        spec_fail(s, SPEC_CAT_SCRIPT, "unknown action type \"%s\"", type);
        return false;
    }
    if (ex.kind != WB_EXTERN_FUNC) {
        spec_fail(s, SPEC_CAT_SCRIPT, "%s: the export is not a function", a->what);
        return false;
    }
    if (!parse_args(s, rt, wb_json_get(act, "args"), a, &vals, &nargs))
        return false;
    wb_rt_func_type(ex.of.func, NULL, NULL, NULL, &a->nresults);
    if (!(a->results = calloc((size_t)a->nresults + 1, sizeof *a->results))) {
        free(vals);
        spec_fail(s, SPEC_CAT_SCRIPT, "out of memory");
        return false;
    }
    a->err = wb_func_call(rt->store, ex.of.func, vals, nargs, a->results, a->nresults,
                          &a->trap);
    free(vals);
    if (a->err == WB_ERR_UNSUPPORTED) {
        spec_nyi(s, "%s: the call returned \"%s\"", a->what, wb_err_message(a->err));
        action_free(a);
        return false;
    }
    return true;
}

/* "(v1, v2)" of the results; like: the expectations, for v128 shapes. */
static char *format_results(const spec_rt *rt, const wb_val *v, size_t n,
                            const spec_expect *like, size_t nlike, char *buf, size_t size)
{
    size_t len = 0;
    char one[160];

    buf[0] = '\0';
    for (size_t i = 0; i < n && len < size; i++) {
        spec_val_format(rt, &v[i], i < nlike ? &like[i] : NULL, one, sizeof one);
        len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", one);
    }
    return buf;
}

static char *format_expected(const spec_rt *rt, const spec_expect *e, size_t n, char *buf,
                             size_t size)
{
    size_t len = 0;
    char one[160];

    buf[0] = '\0';
    for (size_t i = 0; i < n && len < size; i++) {
        spec_expect_format(rt, &e[i], one, sizeof one);
        len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", one);
    }
    return buf;
}

/* A call that neither returned nor trapped. */
static void call_error(spec_script *s, const action *a)
{
    spec_fail(s, SPEC_CAT_CALL_ERROR, "%s: the call failed: %s (%s)", a->what,
              wb_err_message(a->err), wb_err_class_name(wb_err_class_of(a->err)));
}

void spec_exec_action(spec_script *s, const wb_json *cmd)
{
    action a;

    if (!run_action(s, cmd, &a))
        return;
    if (a.err == WB_OK)
        spec_pass(s);
    else if (a.err == WB_ERR_TRAP)
        spec_fail(s, SPEC_CAT_UNEXPECTED_TRAP, "%s: trapped: \"%s\"", a.what,
                  trap_text(a.trap));
    else
        call_error(s, &a);
    action_free(&a);
}

void spec_exec_assert_return(spec_script *s, const wb_json *cmd)
{
    const wb_json *expected = wb_json_get(cmd, "expected");
    spec_expect *want = NULL;
    size_t nwant = expected ? expected->len : 0;
    char wbuf[1024], gbuf[1024];
    bool ok = true;
    action a;

    if (expected && expected->kind != WB_JSON_ARRAY) {
        spec_fail(s, SPEC_CAT_SCRIPT, "\"expected\" is not a list");
        return;
    }
    if (!run_action(s, cmd, &a))
        return;
    if (!(want = calloc(nwant + 1, sizeof *want))) {
        spec_fail(s, SPEC_CAT_SCRIPT, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < nwant; i++) {
        const char *why;
        if (!spec_expect_parse(s->rt, wb_json_at(expected, i), &want[i], &why)) {
            spec_fail(s, SPEC_CAT_SCRIPT, "%s: expected value %zu: %s", a.what, i, why);
            goto out;
        }
    }
    format_expected(s->rt, want, nwant, wbuf, sizeof wbuf);
    if (a.err == WB_ERR_TRAP) {
        spec_fail(s, SPEC_CAT_UNEXPECTED_TRAP, "%s: expected (%s), got trap \"%s\"", a.what,
                  wbuf, trap_text(a.trap));
        goto out;
    }
    if (a.err != WB_OK) {
        call_error(s, &a);
        goto out;
    }
    ok = a.nresults == nwant;
    for (size_t i = 0; ok && i < nwant; i++)
        ok = spec_expect_match(&want[i], &a.results[i]);
    if (ok)
        spec_pass(s);
    else
        spec_fail(s, SPEC_CAT_WRONG_RESULT, "%s: expected (%s), got (%s)", a.what, wbuf,
                  format_results(s->rt, a.results, a.nresults, want, nwant, gbuf,
                                 sizeof gbuf));
out:
    free(want);
    action_free(&a);
}

/* assert_trap and assert_exhaustion: the action must trap with the
 * expected message ("call stack exhausted" for exhaustion). */
void spec_exec_assert_trap(spec_script *s, const wb_json *cmd)
{
    const char *text = wb_json_str(wb_json_get(cmd, "text"));
    char buf[1024];
    action a;

    if (!text) {
        spec_fail(s, SPEC_CAT_SCRIPT, "no \"text\"");
        return;
    }
    if (!run_action(s, cmd, &a))
        return;
    if (a.err == WB_OK)
        spec_fail(s, SPEC_CAT_MISSING_TRAP, "%s: expected trap \"%s\", got (%s)", a.what, text,
                  format_results(s->rt, a.results, a.nresults, NULL, 0, buf, sizeof buf));
    else if (a.err != WB_ERR_TRAP || !a.trap)
        call_error(s, &a);
    else if (!trap_matches(a.trap, text))
        spec_fail(s, SPEC_CAT_WRONG_TRAP, "%s: expected trap \"%s\", got trap \"%s\"", a.what,
                  text, trap_text(a.trap));
    else
        spec_pass(s);
    action_free(&a);
}

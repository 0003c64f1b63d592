/* run.c — `wasmbox run [OPTIONS] MODULE [ARGS...]`: parses options into a
 * wb_run_opts, then (wb_run_exec) compiles the module, links its WASI
 * imports, instantiates it and runs _start or --invoke NAME, mapping the
 * outcome to an exit status (wb_exit.h). wb_cmd_run hands it to
 * cli/run_confined.c, which runs it in a confined worker (or, with --policy
 * none, here). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cache.h"
#include "cli/cli.h"
#include "cli/run.h"
#include "cli/run_confined.h"
#include "wasi/wasi.h"
#include "wasmbox.h"

extern char **environ;

static const char run_help_head[] =
    "usage: wasmbox run [OPTIONS] MODULE [ARGS...]\n"
    "\n"
    "Runs a WebAssembly module with WASI (wasi_snapshot_preview1): calls its _start\n"
    "function or, with --invoke, _initialize (if exported) and then NAME. ARGS are the\n"
    "program's arguments; its argv[0] is MODULE as written. Options come before MODULE;\n"
    "everything after it goes to the module.\n"
    "\n"
    "Options:\n"
    "  --dir HOST[::GUEST]     give the module the host directory HOST, read-write,\n"
    "                          under the name GUEST (default: HOST as written, so\n"
    "                          --dir . lets relative paths work)\n"
    "  --dir-ro HOST[::GUEST]  the same, read-only: no file or directory below it\n"
    "                          can be created, changed, renamed or removed\n"
    "  --env KEY=VALUE         set an environment variable (--env KEY copies KEY\n"
    "                          from the host environment, if it is set)\n"
    "  --inherit-env           pass the whole host environment (--env overrides)\n"
    "  --inherit-fd FD         pass the open host fd FD (e.g. a listening socket for\n"
    "                          sock_accept) as the next guest fd after the directories\n"
    "  --invoke NAME           call the export NAME with ARGS converted to its\n"
    "                          parameter types (integers, floats, nan, inf); print\n"
    "                          its results one per line\n"
    "  --                      end of options\n"
    "  -h, --help              show this help\n"
    "\n"
    "Compilation and limits:\n";

static const char run_help_tail[] =
    "\n"
    "The module sees no environment unless given one, and only the directories\n"
    "given. Paths are resolved by the kernel beneath those directories: \"..\",\n"
    "absolute paths and symbolic links cannot lead out of them. What the module\n"
    "creates there belongs to the user running wasmbox, and that user's file\n"
    "permissions apply (when confined, never root's capabilities). stdin, stdout\n"
    "and stderr are the module's (a closed one stays closed: EBADF).\n"
    "\n"
    "Exit status:\n"
    "  N    the module's own exit code: proc_exit(N) (modulo 256, as exit(3)),\n"
    "       0 when _start (or the --invoke function) returns\n"
    "  124  time limit reached (--timeout): \"wasmbox: timed out after 5s\" and the\n"
    "       wasm backtrace of where the module was (also when it was waiting in a\n"
    "       WASI call: reading stdin or a pipe, writing a full pipe, poll_oneoff)\n"
    "  125  usage error, unreadable file or directory, or internal error\n"
    "  126  invalid module, or instantiation failed (e.g. an import is missing)\n"
    "  127  module file not found\n"
    "  134  wasm trap (message and wasm backtrace on stderr)\n"
    "  A module's own exit codes pass through unchanged, so a module that exits\n"
    "  with 125, 126, 127 or 134 is indistinguishable by status from those outcomes;\n"
    "  wasmbox prints a \"wasmbox: ...\" line on stderr for its own outcomes only.\n"
    "\n"
    "Examples:\n"
    "  wasmbox run hello.wasm one two\n"
    "  wasmbox run --dir . --env HOME=/home/me fcopy.wasm in.txt out.txt .\n"
    "  wasmbox run --dir-ro /srv/data::/data --dir /tmp/out::/out app.wasm\n"
    "  wasmbox run --invoke add math.wasm 2 40\n"
    "  wasmbox run --timeout 5s --max-memory 256MiB untrusted.wasm\n"
    "  gzip -dc big.gz | wasmbox run filter.wasm > out.bin\n";

/* -- Options -- */

static int usage(const char *fmt, const char *arg)
{
    fputs("wasmbox: run: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (see wasmbox run --help)\n", stderr);
    return WB_EXIT_USAGE;
}

static bool grow(void **v, size_t n, size_t elem)
{
    void *p = realloc(*v, (n + 1) * elem);
    if (!p)
        return false;
    *v = p;
    return true;
}

/* HOST[::GUEST] */
static int add_dir(wb_run_opts *o, const char *spec, bool ro)
{
    const char *sep = strstr(spec, "::");
    wb_run_dir d = { .read_only = ro };

    if (!*spec || sep == spec || (sep && !sep[2]))
        return usage("bad directory '%s' (HOST or HOST::GUEST)", spec);
    d.host = sep ? strndup(spec, (size_t)(sep - spec)) : strdup(spec);
    d.guest = strdup(sep ? sep + 2 : spec);
    if (!d.host || !d.guest || !grow((void **)&o->dirs, o->ndirs, sizeof(*o->dirs))) {
        free(d.host);
        free(d.guest);
        return usage("%s", "out of memory");
    }
    o->dirs[o->ndirs++] = d;
    return -1;
}

static size_t key_len(const char *kv)
{
    const char *eq = strchr(kv, '=');
    return eq ? (size_t)(eq - kv) : strlen(kv);
}

/* Sets KEY=VALUE in o->env, replacing an earlier KEY. */
static int set_env(wb_run_opts *o, const char *kv)
{
    size_t kl = key_len(kv);
    char *copy = strdup(kv);

    if (!copy)
        return usage("%s", "out of memory");
    for (size_t i = 0; i < o->nenv; i++) {
        if (key_len(o->env[i]) == kl && !memcmp(o->env[i], kv, kl)) {
            free(o->env[i]);
            o->env[i] = copy;
            return -1;
        }
    }
    if (!grow((void **)&o->env, o->nenv, sizeof(*o->env))) {
        free(copy);
        return usage("%s", "out of memory");
    }
    o->env[o->nenv++] = copy;
    return -1;
}

static int add_env_opt(wb_run_opts *o, const char *arg)
{
    const char *host;
    if (!*arg || *arg == '=')
        return usage("bad environment variable '%s' (KEY=VALUE)", arg);
    if (strchr(arg, '='))
        return set_env(o, arg);
    if (!(host = getenv(arg)))
        return -1;   /* --env KEY with KEY unset on the host: nothing to pass */
    for (char **e = environ; e && *e; e++)
        if (key_len(*e) == strlen(arg) && !memcmp(*e, arg, strlen(arg)))
            return set_env(o, *e);
    return -1;
}

static int add_fd(wb_run_opts *o, const char *arg)
{
    char *end;
    long fd;
    errno = 0;
    fd = strtol(arg, &end, 10);
    if (errno || end == arg || *end || fd < 0 || fd > INT32_MAX)
        return usage("bad file descriptor '%s'", arg);
    if (fcntl((int)fd, F_GETFD) < 0)
        return usage("--inherit-fd %s: not an open file descriptor", arg);
    if (!grow((void **)&o->inherit_fds, o->ninherit, sizeof(*o->inherit_fds)))
        return usage("%s", "out of memory");
    o->inherit_fds[o->ninherit++] = (int)fd;
    return -1;
}

/* --inherit-env, wherever it was: the host's environment, in its order,
 * with what --env set replacing or following it. */
static int inherit_host_env(wb_run_opts *o)
{
    char **given = o->env;
    size_t ngiven = o->nenv;
    int r = -1;

    o->env = NULL;
    o->nenv = 0;
    for (char **e = environ; r < 0 && e && *e; e++)
        if (strchr(*e, '='))
            r = set_env(o, *e);
    for (size_t i = 0; r < 0 && i < ngiven; i++)
        r = set_env(o, given[i]);
    for (size_t i = 0; i < ngiven; i++)
        free(given[i]);
    free(given);
    return r;
}

/* Matches "--name VALUE" and "--name=VALUE"; advances *i over VALUE. */
static bool opt_value(int argc, char **argv, int *i, const char *name, const char **val,
                      bool *missing)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n) != 0)
        return false;
    if (a[n] == '=') {
        *val = a + n + 1;
        return true;
    }
    if (a[n] != '\0')
        return false;
    if (*i + 1 >= argc) {
        *missing = true;
        return true;
    }
    *val = argv[++*i];
    return true;
}

int wb_run_parse(int argc, char **argv, wb_run_opts *o)
{
    bool inherit_env = false;
    int i, r;

    memset(o, 0, sizeof(*o));
    if ((r = wb_cli_tunables_init(&o->tun, "run")) >= 0)
        return r;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *val = NULL;
        bool missing = false;

        if (a[0] != '-' || !a[1])
            break;
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(run_help_head, stdout);
            fputs(wb_cli_tunables_help, stdout);
            fputs(wb_cli_cache_run_help, stdout);
            fputs(wb_run_confined_help, stdout);
            fputs(run_help_tail, stdout);
            return WB_EXIT_OK;
        }
        if (!strcmp(a, "--inherit-env")) {
            inherit_env = true;
            continue;
        }
        if (!strcmp(a, "--no-cache")) {
            wb_config_set_cache(o->tun.config, false);
            continue;
        }
        if (opt_value(argc, argv, &i, "--dir-ro", &val, &missing))
            r = missing ? usage("%s needs a value", a) : add_dir(o, val, true);
        else if (opt_value(argc, argv, &i, "--dir", &val, &missing))
            r = missing ? usage("%s needs a value", a) : add_dir(o, val, false);
        else if (opt_value(argc, argv, &i, "--env", &val, &missing))
            r = missing ? usage("%s needs a value", a) : add_env_opt(o, val);
        else if (opt_value(argc, argv, &i, "--inherit-fd", &val, &missing))
            r = missing ? usage("%s needs a value", a) : add_fd(o, val);
        else if (opt_value(argc, argv, &i, "--cache-dir", &val, &missing))
            r = missing || !*val ? usage("%s needs a directory", a)
                : wb_config_set_cache_dir(o->tun.config, val) != WB_OK
                    ? usage("--cache-dir %s: path too long", val) : -1;
        else if (opt_value(argc, argv, &i, "--invoke", &val, &missing)) {
            r = missing ? usage("%s needs a value", a) : -1;
            o->invoke = val;
        } else if ((r = wb_cli_tunables_option(&o->tun, argc, argv, &i)) == 0 &&
                   (r = wb_run_confined_option(argc, argv, &i)) == 0)
            r = usage("unknown option '%s'", a);
        if (r >= 0)
            return r;
    }
    if (i >= argc)
        return usage("%s", "no module given (usage: wasmbox run [OPTIONS] MODULE [ARGS...])");
    if (inherit_env && (r = inherit_host_env(o)) >= 0)
        return r;
    o->module = argv[i];
    o->args = argv + i + 1;
    o->nargs = argc - i - 1;
    return -1;
}

void wb_run_opts_free(wb_run_opts *o)
{
    for (size_t i = 0; i < o->ndirs; i++) {
        free(o->dirs[i].host);
        free(o->dirs[i].guest);
    }
    for (size_t i = 0; i < o->nenv; i++)
        free(o->env[i]);
    free(o->dirs);
    free(o->env);
    free(o->inherit_fds);
    wb_cli_tunables_free(&o->tun);
    memset(o, 0, sizeof(*o));
}

/* -- Values for --invoke -- */

static const char *type_name(uint8_t t)
{
    switch (t) {
    case WB_I32: return "i32";
    case WB_I64: return "i64";
    case WB_F32: return "f32";
    case WB_F64: return "f64";
    case WB_V128: return "v128";
    case WB_FUNCREF: return "funcref";
    case WB_EXTERNREF: return "externref";
    default: return "?";
    }
}

/* Parses s as a value of type t: integers in decimal (or 0x hex), signed
 * or unsigned within the type's width; floats as strtod reads them,
 * including nan and inf. */
static bool parse_value(const char *s, uint8_t t, wb_val *v)
{
    char *end;
    errno = 0;
    v->type = t;
    switch (t) {
    case WB_I32:
    case WB_I64: {
        uint64_t max = t == WB_I32 ? UINT32_MAX : UINT64_MAX;
        int64_t min = t == WB_I32 ? INT32_MIN : INT64_MIN;
        uint64_t u;
        if (*s == '-') {
            long long x = strtoll(s, &end, 0);
            if (errno || end == s || *end || x < min)
                return false;
            u = (uint64_t)x;
        } else {
            unsigned long long x = strtoull(s, &end, 0);
            if (errno || end == s || *end || x > max)
                return false;
            u = x;
        }
        if (t == WB_I32)
            v->of.i32 = (int32_t)(uint32_t)u;
        else
            v->of.i64 = (int64_t)u;
        return true;
    }
    case WB_F32: {
        float f = strtof(s, &end);
        if (end == s || *end)
            return false;
        memcpy(&v->of.f32, &f, 4);
        return true;
    }
    case WB_F64: {
        double d = strtod(s, &end);
        if (end == s || *end)
            return false;
        memcpy(&v->of.f64, &d, 8);
        return true;
    }
    default:
        return false;
    }
}

/* Shortest decimal that reads back to the same float. */
static void print_float(double d, bool single)
{
    char buf[64];
    if (isnan(d)) {
        puts("nan");   /* the sign of a NaN result is not deterministic in wasm */
        return;
    }
    if (isinf(d)) {
        puts(d < 0 ? "-inf" : "inf");
        return;
    }
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, sizeof(buf), "%.*g", p, d);
        if (single ? strtof(buf, NULL) == (float)d : strtod(buf, NULL) == d)
            break;
    }
    puts(buf);
}

static void print_value(const wb_val *v)
{
    switch (v->type) {
    case WB_I32: printf("%" PRId32 "\n", v->of.i32); break;
    case WB_I64: printf("%" PRId64 "\n", v->of.i64); break;
    case WB_F32: {
        float f;
        memcpy(&f, &v->of.f32, 4);
        print_float(f, true);
        break;
    }
    case WB_F64: {
        double d;
        memcpy(&d, &v->of.f64, 8);
        print_float(d, false);
        break;
    }
    case WB_V128:
        printf("0x");
        for (int i = 15; i >= 0; i--)
            printf("%02x", v->of.v128[i]);
        printf("\n");
        break;
    case WB_FUNCREF: puts(v->of.funcref ? "funcref" : "null"); break;
    case WB_EXTERNREF: puts(v->of.externref ? "externref" : "null"); break;
    default: puts("?"); break;
    }
}

/* -- Running -- */

typedef struct run_state {
    const wb_run_opts *o;
    wb_engine *engine;
    wb_watchdog *watchdog;       /* --timeout; NULL once the run is over */
    wb_compiled *compiled;
    wb_store *store;
    wb_wasi *wasi;
    wb_instance *inst;
    uint8_t *bytes;
    int *dir_fds;
    wb_wasi_preopen *preopens;
    const char **argv;
    wb_extern *imports;
    wb_val *args, *results;
} run_state;

/* The status for a trap: the module's exit code, 124 with the timeout
 * printed, or 134 with the trap printed. Frees t. */
static int trap_status(run_state *st, wb_trap *t)
{
    const char *module = st->o->module;
    int status;
    /* A report starts on a line of its own, after the guest's "partial" */
    if (wb_trap_kind(t) != WB_ERR_EXIT && wb_wasi_stderr_midline(st->wasi)) {
        fputc('\n', stderr);
        fflush(stderr);
    }
    if ((status = wb_cli_limits_trap(&st->o->tun, &st->watchdog, t)) >= 0) {
        /* the time limit stopped it */
    } else if (wb_trap_kind(t) == WB_ERR_EXIT) {
        status = wb_trap_exit_code(t) & 0xff;
    } else {
        char *buf = malloc(16384);
        if (wb_run_hooks && buf) { /* confined: the supervisor prints it */
            wb_run_hooks->on_trap(module, wb_trap_format(t, buf, 16384));
            free(buf);
            wb_trap_free(t);
            return WB_EXIT_TRAP;
        }
        fprintf(stderr, "wasmbox: %s: ", module);
        fputs(buf ? wb_trap_format(t, buf, 16384) : wb_trap_message(t), stderr);
        if (!buf)
            fputc('\n', stderr);
        free(buf);
        status = WB_EXIT_TRAP;
    }
    wb_trap_free(t);
    return status;
}

static int status_of(wb_err err)
{
    switch (wb_err_class_of(err)) {
    case WB_CLASS_MALFORMED:
    case WB_CLASS_INVALID:
    case WB_CLASS_LIMIT:
    case WB_CLASS_LINK:
        return WB_EXIT_INVALID;
    default:
        return WB_EXIT_USAGE;
    }
}

/* Opens the --dir directories and builds the WASI context. */
static int setup_wasi(run_state *st)
{
    const wb_run_opts *o = st->o;
    wb_wasi_config wc = { .stdio = { -1, -1, -1 } };
    wb_diag d = { 0 };
    char msg[320];
    wb_err err;

    st->dir_fds = calloc(o->ndirs + 1, sizeof(int));
    st->preopens = calloc(o->ndirs + 1, sizeof(*st->preopens));
    st->argv = calloc((size_t)o->nargs + 1, sizeof(char *));
    if (!st->dir_fds || !st->preopens || !st->argv) {
        wb_cli_error("out of memory");
        return WB_EXIT_USAGE;
    }
    for (size_t i = 0; i < o->ndirs; i++)
        st->dir_fds[i] = -1;
    for (size_t i = 0; i < o->ndirs; i++) {
        int fd = wb_run_hooks ? wb_run_hooks->dir_fds[i] /* closed at the end: harmless */
                              : open(o->dirs[i].host, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
            wb_cli_error("%s %s: %s", o->dirs[i].read_only ? "--dir-ro" : "--dir",
                         o->dirs[i].host, strerror(errno));
            return WB_EXIT_USAGE;
        }
        st->dir_fds[i] = fd;
        st->preopens[i] = (wb_wasi_preopen){ .host_fd = fd, .guest_path = o->dirs[i].guest,
                                             .read_only = o->dirs[i].read_only };
    }
    st->argv[0] = o->module;
    for (int i = 0; i < o->nargs; i++)
        st->argv[i + 1] = o->args[i];
    /* A closed stream is closed for the guest too; so is the O_PATH
     * placeholder a confined worker holds in its place (sandbox_apply.c). */
    for (int i = 0; i < 3; i++) {
        int fl = fcntl(i, F_GETFL);
        wc.stdio[i] = fl >= 0 && !(fl & O_PATH) ? i : -1;
    }
    wc.argv = st->argv;
    wc.argc = (size_t)o->nargs + 1;
    wc.envp = (const char *const *)o->env;
    wc.envc = o->nenv;
    wc.preopens = st->preopens;
    wc.npreopens = o->ndirs;
    wc.inherit_fds = o->inherit_fds;
    wc.ninherit = o->ninherit;
    /* Under --timeout, blocked WASI calls watch the deadline in slices. */
    wc.interruptible = o->tun.timeout_ns != 0 || (wb_run_hooks && wb_run_hooks->timed);
    if ((err = wb_wasi_new(&wc, &st->wasi, &d)) != WB_OK) {
        wb_cli_error("cannot set up WASI: %s", wb_diag_format(&d, msg, sizeof(msg)));
        return WB_EXIT_USAGE;
    }
    return -1;
}

static int load_and_instantiate(run_state *st)
{
    const wb_run_opts *o = st->o;
    size_t size = 0, nimports;
    int errnum = 0, status;
    wb_trap *trap = NULL;
    wb_diag d = { 0 };
    char msg[320];
    wb_err err;

    if (wb_run_hooks) { /* confined: the supervisor read the file */
        size = wb_run_hooks->size;
        err = (st->bytes = malloc(size + 1)) ? WB_OK : WB_ERR_NOMEM;
        if (st->bytes)
            memcpy(st->bytes, wb_run_hooks->bytes, size);
    } else
        err = wb_cli_read_file(o->module, &st->bytes, &size, &errnum);
    if (err == WB_ERR_NOT_FOUND) {
        wb_cli_error("%s: no such file", o->module);
        return WB_EXIT_NOT_FOUND;
    }
    if (err == WB_ERR_LIMIT_MODULE_SIZE) {
        wb_cli_error("%s: invalid module: too large", o->module);
        return WB_EXIT_INVALID;
    }
    if (err != WB_OK) {
        wb_cli_error("%s: cannot read: %s", o->module,
                     errnum ? strerror(errnum) : wb_err_message(err));
        return WB_EXIT_USAGE;
    }
    if ((status = setup_wasi(st)) >= 0)
        return status;
    if (!(st->engine = wb_engine_new(o->tun.config))) {
        wb_cli_error("cannot create the engine");
        return WB_EXIT_USAGE;
    }
    if (!(st->store = wb_store_new(st->engine))) {
        wb_cli_error("cannot create a store");
        return WB_EXIT_USAGE;
    }
    /* The limits hold from here: compilation and the start function count. */
    if ((status = wb_cli_limits_start(&o->tun, st->engine, st->store, &st->watchdog)) >= 0)
        return status;
    if (wb_run_hooks)
        wb_run_hooks->on_store(st->engine, st->store); /* confined: the time limit */
    /* Through the code cache: the supervisor's handoff in a worker. */
    if (wb_run_hooks)
        err = wb_run_hooks->compile(st->engine, st->bytes, size, &st->compiled, &d);
    else
        err = wb_cli_cache_compile(st->engine, st->bytes, size, wb_run_verbose(),
                                   &st->compiled, &d);
    if (err != WB_OK) {
        wb_cli_error("%s: %s", o->module, wb_diag_format(&d, msg, sizeof(msg)));
        return status_of(err);
    }
    nimports = wb_compiled_import_count(st->compiled);
    if (!(st->imports = calloc(nimports + 1, sizeof(*st->imports)))) {
        wb_cli_error("out of memory");
        return WB_EXIT_USAGE;
    }
    if ((err = wb_wasi_link(st->wasi, st->store, st->compiled, st->imports, nimports, &d)) !=
            WB_OK ||
        (err = wb_instance_new(st->store, st->compiled, st->imports, nimports, &st->inst,
                               &trap, &d)) != WB_OK) {
        if (err == WB_ERR_TRAP && trap)
            return trap_status(st, trap);
        wb_cli_error("%s: cannot instantiate: %s", o->module,
                     wb_diag_format(&d, msg, sizeof(msg)));
        return status_of(err);
    }
    return -1;
}

/* Looks up an exported function; NULL if absent or not a function. */
static wb_rt_func *export_func(run_state *st, const char *name)
{
    wb_extern ex;
    if (!wb_instance_export(st->inst, name, strlen(name), &ex) || ex.kind != WB_EXTERN_FUNC)
        return NULL;
    return ex.of.func;
}

/* Calls f; with_args: with ARGS converted to its parameter types, printing
 * its results (the module's own output went straight to fd 1 before). */
static int call(run_state *st, wb_rt_func *f, const char *name, bool with_args)
{
    const uint8_t *pt, *rt;
    uint32_t np, nr;
    wb_trap *trap = NULL;
    wb_err err;

    wb_rt_func_type(f, &pt, &np, &rt, &nr);
    if (with_args && (uint32_t)st->o->nargs != np) {
        wb_cli_error("run: %s takes %u argument%s, %d given", name, np, np == 1 ? "" : "s",
                     st->o->nargs);
        return WB_EXIT_USAGE;
    }
    if (!with_args && np != 0) {
        wb_cli_error("%s: %s takes %u arguments", st->o->module, name, np);
        return WB_EXIT_INVALID;
    }
    free(st->args);
    free(st->results);
    st->args = calloc(np + 1, sizeof(wb_val));
    st->results = calloc(nr + 1, sizeof(wb_val));
    if (!st->args || !st->results) {
        wb_cli_error("out of memory");
        return WB_EXIT_USAGE;
    }
    for (uint32_t i = 0; i < np; i++) {
        if (!parse_value(st->o->args[i], pt[i], &st->args[i])) {
            wb_cli_error("run: %s: argument %u: '%s' is not a valid %s", name, i + 1,
                         st->o->args[i], type_name(pt[i]));
            return WB_EXIT_USAGE;
        }
    }
    err = wb_func_call(st->store, f, st->args, np, st->results, nr, &trap);
    if (err == WB_ERR_TRAP && trap)
        return trap_status(st, trap);
    if (err != WB_OK) {
        wb_cli_error("%s: calling %s: %s", st->o->module, name, wb_err_message(err));
        return WB_EXIT_USAGE;
    }
    if (with_args) {
        for (uint32_t j = 0; j < nr; j++)
            print_value(&st->results[j]);
        fflush(stdout);
    }
    return WB_EXIT_OK;
}

int wb_run_exec(const wb_run_opts *o)
{
    run_state st = { .o = o };
    wb_rt_func *f;
    int status;

    /* A write to a closed pipe is the guest's ERRNO_PIPE, not our death. */
    if (!wb_run_hooks)
        signal(SIGPIPE, SIG_IGN);
    if ((status = load_and_instantiate(&st)) >= 0)
        goto out;
    if (wb_run_hooks && (status = wb_run_hooks->before_run(st.engine, st.store)) >= 0)
        goto out;
    if (o->invoke) {
        if ((f = export_func(&st, "_initialize")) &&
            (status = call(&st, f, "_initialize", false)) != WB_EXIT_OK)
            goto out;
        if (!(f = export_func(&st, o->invoke))) {
            wb_cli_error("%s: no exported function '%s'", o->module, o->invoke);
            status = WB_EXIT_USAGE;
            goto out;
        }
        status = call(&st, f, o->invoke, true);
    } else {
        if (!(f = export_func(&st, "_start"))) {
            wb_cli_error("%s: no _start function (a library? call an export with --invoke "
                         "NAME)", o->module);
            status = WB_EXIT_USAGE;
            goto out;
        }
        status = call(&st, f, "_start", false);
    }
out:
    wb_cli_limits_stop(&st.watchdog); /* the run is over: nothing to time out */
    free(st.args);
    free(st.results);
    free(st.imports);
    wb_store_free(st.store);      /* before the WASI context its functions use */
    wb_wasi_free(st.wasi);
    wb_compiled_free(st.compiled);
    wb_engine_free(st.engine);
    for (size_t i = 0; st.dir_fds && i < o->ndirs; i++)
        if (st.dir_fds[i] >= 0)
            close(st.dir_fds[i]);
    free(st.dir_fds);
    free(st.preopens);
    free(st.argv);
    free(st.bytes);
    return status;
}

int wb_cmd_run(int argc, char **argv)
{
    wb_run_opts o;
    int status = wb_run_parse(argc, argv, &o);
    if (status < 0)
        status = wb_run_confined(&o);
    wb_run_opts_free(&o);
    return status;
}

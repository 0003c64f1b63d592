/* run_confined.c — `wasmbox run` under a policy: the supervisor side (read
 * the module, build the policy from --policy plus --dir/--env/--timeout,
 * start a confined worker, turn its end into the exit status, the message
 * and --report json) and the worker side (wb_run_exec on bytes and
 * preopened fds the supervisor handed over, the run-phase filter before
 * wasm code, the trap sent back as data). --policy none runs in this
 * process instead (debugging, and the start-up comparison). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cache/cache.h"
#include "cli/cache.h"
#include "cli/cli.h"
#include "cli/run.h"
#include "cli/run_confined.h"
#include "policy/policy.h"
#include "runtime/runtime_int.h" /* wb_thread_prepare: trap handlers before seccomp */
#include "supervisor/supervisor.h"
#include "wb_exit.h"

extern char **environ;

const wb_run_worker_hooks *wb_run_hooks;

const char wb_run_confined_help[] =
    "\n"
    "Confinement:\n"
    "  --policy NAME|FILE      run under a policy: strict, standard (the default),\n"
    "                          permissive, or a policy file (wasmbox-policy(5));\n"
    "                          --dir, --dir-ro, --env and --timeout add to it\n"
    "  --policy none           no confinement: run in this process (debugging)\n"
    "  -v, --verbose           print the confinement layers that are active\n"
    "  --report json[=FILE]    write one JSON object describing the run to stderr\n"
    "                          (or FILE): status, trap, violation, limit, times\n"
    "  A confined run also ends with 137 (a resource limit of the policy, named on\n"
    "  stderr), 159 (policy violation: \"wasmbox: policy violation: worker attempted\n"
    "  forbidden syscall NAME (NR) under policy P\") or 128+N (interrupted by\n"
    "  signal N: SIGINT, SIGTERM, SIGHUP and SIGQUIT are forwarded to the worker).\n";

static struct {
    const char *policy;
    int verbose;
    const char *report;      /* NULL, or where: "" = stderr, else a file */
} copts;

static int usage(const char *fmt, const char *arg)
{
    fputs("wasmbox: run: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (see wasmbox run --help)\n", stderr);
    return WB_EXIT_USAGE;
}

int wb_run_verbose(void)
{
    return copts.verbose;
}

int wb_run_confined_option(int argc, char **argv, int *i)
{
    const char *a = argv[*i], *val;

    if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
        copts.verbose++;
        return -1;
    }
    if (!strncmp(a, "--policy", 8) && (a[8] == '\0' || a[8] == '=')) {
        if (a[8] == '=')
            val = a + 9;
        else if (*i + 1 < argc)
            val = argv[++*i];
        else
            return usage("%s needs a value", a);
        if (!*val)
            return usage("%s", "--policy needs a name or a file");
        copts.policy = val;
        return -1;
    }
    if (!strncmp(a, "--report", 8) && (a[8] == '\0' || a[8] == '=')) {
        if (a[8] == '=')
            val = a + 9;
        else if (*i + 1 < argc)
            val = argv[++*i];
        else
            return usage("%s needs a value (json or json=FILE)", a);
        if (!strcmp(val, "json"))
            copts.report = "";
        else if (!strncmp(val, "json=", 5) && val[5])
            copts.report = val + 5;
        else
            return usage("bad report '%s' (json or json=FILE)", val);
        return -1;
    }
    return 0;
}

/* -- Worker side -- */

typedef struct run_ctx {
    wb_run_opts w;                   /* the worker's options */
    wb_run_worker_hooks hooks;
    int dir_fds[WB_POLICY_MAX_GRANTS];
    const wb_worker_ctx *ctx;        /* in the worker */
    wb_outcome o;
    const char *policy_name;
    uint32_t layers_wanted;
    int verbose;
    uint64_t timeout_ns;             /* --timeout: the worker arms the epoch */
    wb_cache_handoff cache;          /* the code cache: its fd is the worker's code fd */
} run_ctx;

static run_ctx *worker_rc;

/* Before the filter: the runtime's trap handlers and alternate stack
 * (sigaction and sigaltstack are not in the allowlist), and SIGPIPE
 * ignored (a write to a closed pipe is the guest's ERRNO_PIPE). */
static void on_kick(int sig)
{
    (void)sig;
}

static void worker_before_seccomp(void *arg)
{
    /* SIGURG from the supervisor at the time limit only interrupts a
     * blocking system call (EINTR: no SA_RESTART). */
    struct sigaction sa = { .sa_handler = on_kick };
    (void)arg;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGURG, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    wb_thread_prepare();
}

/* --timeout: the supervisor ends the epoch at the limit (see
 * wb_worker_report_epoch); compiled code checks it (the tunable is on), and
 * host calls see the deadline after the supervisor's SIGURG. */
static void worker_on_store(wb_engine *e, wb_store *s)
{
    if (worker_rc->timeout_ns) {
        wb_store_set_epoch_deadline(s, 1);
        wb_worker_report_epoch(&e->epoch);
    }
}

static int worker_before_run(wb_engine *e, wb_store *s)
{
    (void)e;
    (void)s;
    if (wb_worker_enter_run_phase(worker_rc->ctx) != WB_OK) {
        wb_cli_error("sandbox: cannot enter the run phase");
        return WB_EXIT_USAGE;
    }
    return -1;
}

/* The cached code (mapped from the entry: shared by every worker of the
 * module), or compiled and written back for the supervisor to store. The
 * code fd is dropped before any wasm code runs: the control socket takes
 * its number (nothing else may), or, without the fds layer, it is closed. */
static wb_err worker_compile(wb_engine *e, const uint8_t *bytes, size_t size,
                             wb_compiled **out, wb_diag *d)
{
    run_ctx *rc = worker_rc;
    bool fixed = rc->ctx->active & WB_LAYER_BIT(WB_LAYER_FDS);
    int fd = rc->cache.fd < 0 ? -1 : fixed ? WB_FD_CODE : rc->cache.fd;
    wb_err err = wb_cache_handoff_load(e, bytes, size, &rc->cache, fd, WB_LOAD_SEAL, out, d);

    if (fd >= 0 && (fixed ? dup3(WB_FD_CONTROL, WB_FD_CODE, O_CLOEXEC) < 0 : close(fd) != 0)) {
        wb_compiled_free(*out);
        *out = NULL;
        return wb_diag_setf(d, WB_ERR_INTERNAL, NULL, 0, "cannot drop the code fd");
    }
    return err;
}

static void worker_on_trap(const char *module, const char *text)
{
    char head[300];
    snprintf(head, sizeof head, "%s: ", module);
    wb_worker_report_trap(head);
    wb_worker_report_trap(text);
}

static int worker_main(void *arg, const wb_worker_ctx *ctx)
{
    run_ctx *rc = arg;
    int status;

    if (rc->w.ndirs && !(ctx->active & WB_LAYER_BIT(WB_LAYER_FDS))) {
        wb_cli_error("sandbox: granted directories need the fds layer");
        return WB_EXIT_USAGE;
    }
    worker_rc = rc;
    rc->ctx = ctx;
    wb_run_hooks = &rc->hooks;
    status = wb_run_exec(&rc->w);
    fflush(NULL);
    return status;
}

/* -- Supervisor side -- */

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void on_confined(void *arg, pid_t pid)
{
    run_ctx *rc = arg;
    const wb_outcome *o = &rc->o;

    if (!rc->verbose)
        return;
    fprintf(stderr, "wasmbox: policy %s: worker %d confined in %" PRIu64 " us; layers:",
            rc->policy_name, (int)pid, o->spawn_us);
    for (unsigned l = 0; l < WB_LAYER__COUNT; l++)
        if (o->active & WB_LAYER_BIT(l))
            fprintf(stderr, " %s", wb_layer_name((wb_layer)l));
    fputc('\n', stderr);
    for (unsigned l = 0; l < WB_LAYER__COUNT; l++)
        if (!(o->active & WB_LAYER_BIT(l)))
            fprintf(stderr, "wasmbox: layer %s not active\n", wb_layer_name((wb_layer)l));
}

/* A preset name or a policy file; NULL after printing why. */
static wb_policy *load_policy(const char *name)
{
    wb_policy_errors errs;
    wb_policy *p = NULL;
    uint8_t *text = NULL;
    size_t len = 0;
    int errnum = 0;
    char line[400];
    wb_err err;

    for (const char *const *ps = wb_policy_presets; *ps; ps++) {
        if (!strcmp(*ps, name)) {
            if (wb_policy_preset(name, &p) != WB_OK)
                wb_cli_error("policy %s: out of memory", name);
            return p;
        }
    }
    if (!strchr(name, '/') && !strchr(name, '.') && access(name, F_OK) != 0) {
        wb_cli_error("unknown policy '%s' (strict, standard, permissive, none, or a file)",
                     name);
        return NULL;
    }
    err = wb_cli_read_file(name, &text, &len, &errnum);
    if (err != WB_OK) {
        wb_cli_error("policy %s: %s", name, errnum ? strerror(errnum) : wb_err_message(err));
        return NULL;
    }
    if (wb_policy_parse((const char *)text, len, name, &p, &errs) != WB_OK) {
        for (unsigned i = 0; i < errs.count; i++)
            fprintf(stderr, "wasmbox: %s\n",
                    wb_policy_error_format(name, &errs.e[i], line, sizeof line));
        p = NULL;
    }
    free(text);
    return p;
}

/* The WASI environment: the policy's (a variable without a value takes the
 * host's), then --env/--inherit-env, which override. */
static char **merge_env(const wb_policy *p, const wb_run_opts *o, size_t *n)
{
    char **env = calloc(p->nenv + o->nenv + 1, sizeof *env);
    size_t k = 0;

    if (!env)
        return NULL;
    for (unsigned i = 0; i < p->nenv; i++) {
        const char *v = p->env[i].value ? p->env[i].value : getenv(p->env[i].name);
        bool overridden = false;
        if (!v)
            continue;
        for (size_t j = 0; j < o->nenv; j++)
            if (!strncmp(o->env[j], p->env[i].name, strlen(p->env[i].name)) &&
                o->env[j][strlen(p->env[i].name)] == '=')
                overridden = true;
        if (overridden)
            continue;
        if (asprintf(&env[k], "%s=%s", p->env[i].name, v) < 0) {
            env[k] = NULL;
            break;
        }
        k++;
    }
    for (size_t j = 0; j < o->nenv; j++)
        env[k++] = strdup(o->env[j]);
    *n = k;
    return env;
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c < 0x20 || c >= 0x7f)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

typedef struct run_report {
    const char *module, *policy, *meaning, *message;
    int status;
    bool confined;
    const wb_outcome *o;
    uint64_t wall_us, cpu_us, peak_kb;
} run_report;

static const char *meaning_of(const run_report *r)
{
    if (r->o) {
        switch (r->o->kind) {
        case WB_OUTCOME_EXITED:
            return r->o->trap_len ? "trap" : "exited";
        case WB_OUTCOME_VIOLATION:
        case WB_OUTCOME_SECCOMP_KILL:
        case WB_OUTCOME_PROTOCOL: return "policy violation";
        case WB_OUTCOME_LIMIT: return "resource limit";
        case WB_OUTCOME_TIMEOUT: return "timeout";
        case WB_OUTCOME_SIGNALED: return "interrupted";
        case WB_OUTCOME_CRASHED: return "internal error";
        case WB_OUTCOME_SETUP_FAILED: return "sandbox setup failed";
        }
    }
    switch (r->status) {
    case WB_EXIT_TIMEOUT: return "timeout";
    case WB_EXIT_TRAP: return "trap (or the module's exit code 134)";
    default: return "exited";
    }
}

static void write_report(const char *where, const run_report *r)
{
    FILE *f = *where ? fopen(where, "w") : stderr;
    const wb_outcome *o = r->o;
    static const char *const limits[] = { "none", "memory", "cpu", "file-size", "output",
                                          "fuel" };

    if (!f) {
        wb_cli_error("--report json=%s: %s", where, strerror(errno));
        return;
    }
    fputs("{\"module\":", f);
    json_str(f, r->module);
    fputs(",\"policy\":", f);
    json_str(f, r->policy);
    fprintf(f, ",\"confined\":%s,\"exit_status\":%d,\"meaning\":", r->confined ? "true" : "false",
            r->status);
    json_str(f, meaning_of(r));
    fputs(",\"message\":", f);
    if (r->message && *r->message)
        json_str(f, r->message);
    else
        fputs("null", f);
    fputs(",\"trap\":", f);
    if (o && o->trap_len) {
        /* first line: "MODULE: message"; the rest is the backtrace */
        const char *nl = strchr(o->trap, '\n');
        char first[512];
        snprintf(first, sizeof first, "%.*s", nl ? (int)(nl - o->trap) : (int)o->trap_len,
                 o->trap);
        fputs("{\"message\":", f);
        json_str(f, first);
        fputs(",\"backtrace\":[", f);
        for (int k = 0; nl && nl[1];) {
            const char *e = strchr(nl + 1, '\n');
            char line[512];
            snprintf(line, sizeof line, "%.*s", e ? (int)(e - nl - 1) : (int)strlen(nl + 1),
                     nl + 1);
            fputs(k++ ? "," : "", f);
            json_str(f, line);
            nl = e;
        }
        fputs("]}", f);
    } else {
        fputs("null", f);
    }
    fputs(",\"violation\":", f);
    if (o && o->kind == WB_OUTCOME_VIOLATION) {
        fputs("{\"syscall\":", f);
        json_str(f, o->syscall_name);
        fprintf(f, ",\"nr\":%d}", o->syscall_nr);
    } else if (o && o->kind == WB_OUTCOME_SECCOMP_KILL) {
        fputs("{\"syscall\":null,\"nr\":null}", f);
    } else {
        fputs("null", f);
    }
    fputs(",\"limit\":", f);
    if (o && o->kind == WB_OUTCOME_LIMIT && o->limit < sizeof limits / sizeof limits[0])
        fprintf(f, "{\"kind\":\"%s\",\"value\":%" PRIu64 "}", limits[o->limit], o->limit_value);
    else if (o && o->kind == WB_OUTCOME_TIMEOUT)
        fprintf(f, "{\"kind\":\"time\",\"value_ms\":%" PRIu64 "}", o->limit_value);
    else
        fputs("null", f);
    fprintf(f, ",\"wall_ms\":%.3f,\"cpu_ms\":%.3f,\"peak_memory_kb\":%" PRIu64,
            (double)r->wall_us / 1000.0, (double)r->cpu_us / 1000.0, r->peak_kb);
    if (o)
        fprintf(f, ",\"spawn_us\":%" PRIu64, o->spawn_us);
    /* Fuel is counted inside the worker; not reported back yet. */
    fputs(",\"fuel_used\":null}\n", f);
    if (f != stderr)
        fclose(f);
}

static uint64_t tv_us(struct timeval t)
{
    return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_usec;
}

static void usage_now(int who, uint64_t *cpu, uint64_t *peak)
{
    struct rusage ru;
    getrusage(who, &ru);
    *cpu = tv_us(ru.ru_utime) + tv_us(ru.ru_stime);
    *peak = (uint64_t)ru.ru_maxrss;
}

static int run_unconfined(const wb_run_opts *o)
{
    run_report r = { .module = o->module, .policy = "none" };
    uint64_t t0 = now_us(), cpu0, peak;
    int status;

    usage_now(RUSAGE_SELF, &cpu0, &peak);
    if (copts.verbose)
        fprintf(stderr, "wasmbox: policy none: no confinement, running in this process\n");
    status = wb_run_exec(o);
    if (copts.report) {
        r.status = status;
        r.wall_us = now_us() - t0;
        usage_now(RUSAGE_SELF, &r.cpu_us, &r.peak_kb);
        r.cpu_us -= cpu0;
        write_report(copts.report, &r);
    }
    return status;
}

int wb_run_confined(const wb_run_opts *o)
{
    const char *pname = copts.policy ? copts.policy : WB_POLICY_DEFAULT;
    wb_worker_spec spec = { .fn = worker_main, .stdio = { -1, -1, -1 }, .code_fd = -1,
                            .before_seccomp = worker_before_seccomp,
                            .on_confined = on_confined };
    run_report rep = { .module = o->module, .confined = true };
    wb_sandbox_opts sbopts = WB_SANDBOX_OPTS_DEFAULT;
    wb_supervisor *sv = NULL;
    wb_policy *p = NULL;
    run_ctx *rc = NULL;
    uint8_t *bytes = NULL;
    size_t size = 0;
    int errnum = 0, status = WB_EXIT_USAGE;
    uint64_t t0 = now_us(), cpu0, peak0;
    char msg[512], ebuf[320];
    bool trap_cut = false;
    wb_diag d = { 0 };
    wb_err err;

    if (!strcmp(pname, "none"))
        return run_unconfined(o);
    if (o->ninherit) {
        wb_cli_error("run: --inherit-fd needs --policy none (a confined worker gets only "
                     "stdio and its directories)");
        return WB_EXIT_USAGE;
    }
    if (!(p = load_policy(pname)))
        return WB_EXIT_USAGE;
    if (!(rc = calloc(1, sizeof *rc))) {
        wb_cli_error("out of memory");
        goto out;
    }
    for (size_t i = 0; i < o->ndirs; i++) {
        char real[PATH_MAX], guest[32];
        if (!realpath(o->dirs[i].host, real)) {
            wb_cli_error("%s %s: %s", o->dirs[i].read_only ? "--dir-ro" : "--dir",
                         o->dirs[i].host, strerror(errno));
            goto out;
        }
        /* Where the worker's empty root mounts it; the guest sees only the
         * WASI name (o->dirs[i].guest). */
        snprintf(guest, sizeof guest, "/dir%zu", i);
        if ((err = wb_policy_add_dir(p, real, guest, !o->dirs[i].read_only, &d)) != WB_OK) {
            wb_cli_error("%s %s: %s", o->dirs[i].read_only ? "--dir-ro" : "--dir",
                         o->dirs[i].host, wb_diag_format(&d, ebuf, sizeof ebuf));
            goto out;
        }
    }
    if (o->tun.timeout_ns)
        p->limits.time_ms = o->tun.timeout_ns / 1000000u ? o->tun.timeout_ns / 1000000u : 1;

    err = wb_cli_read_file(o->module, &bytes, &size, &errnum);
    if (err == WB_ERR_NOT_FOUND) {
        wb_cli_error("%s: no such file", o->module);
        status = WB_EXIT_NOT_FOUND;
        goto out;
    }
    if (err == WB_ERR_LIMIT_MODULE_SIZE) {
        wb_cli_error("%s: invalid module: too large", o->module);
        status = WB_EXIT_INVALID;
        goto out;
    }
    if (err != WB_OK) {
        wb_cli_error("%s: cannot read: %s", o->module,
                     errnum ? strerror(errnum) : wb_err_message(err));
        goto out;
    }

    /* The worker's options: every grant of the policy is a preopen, at
     * fd WB_FD_PREOPEN + i, named as the guest should see it. */
    rc->w = *o;
    rc->w.tun.timeout_ns = 0;   /* the supervisor keeps the time (no thread in a worker) */
    rc->timeout_ns = o->tun.timeout_ns;
    rc->w.ninherit = 0;
    rc->w.inherit_fds = NULL;
    if (!(rc->w.dirs = calloc(p->ngrants + 1, sizeof *rc->w.dirs)) ||
        !(rc->w.env = merge_env(p, o, &rc->w.nenv))) {
        wb_cli_error("out of memory");
        goto out;
    }
    rc->w.ndirs = p->ngrants;
    for (unsigned i = 0; i < p->ngrants; i++) {
        rc->w.dirs[i].host = p->grants[i].host;
        rc->w.dirs[i].guest = p->grants[i].guest;
        rc->w.dirs[i].read_only = !p->grants[i].write;
        rc->dir_fds[i] = WB_FD_PREOPEN + (int)i;
        for (size_t j = 0; j < o->ndirs; j++) {
            char g[32];
            snprintf(g, sizeof g, "/dir%zu", j);
            if (!strcmp(g, p->grants[i].guest))
                rc->w.dirs[i].guest = o->dirs[j].guest;
        }
    }
    rc->hooks = (wb_run_worker_hooks){ .bytes = bytes, .size = size, .dir_fds = rc->dir_fds,
                                       .on_store = worker_on_store,
                                       .timed = rc->timeout_ns != 0,
                                       .before_run = worker_before_run,
                                       .on_trap = worker_on_trap,
                                       .compile = worker_compile };
    {
        wb_cache_opts co = { .warn = wb_cli_cache_warn, .verbose = copts.verbose > 0 };
        wb_cache_handoff_begin(o->tun.config, bytes, size, &co, p->limits.file_size,
                               &rc->cache);
        spec.code_fd = rc->cache.fd;
    }
    rc->policy_name = p->name;
    rc->verbose = copts.verbose;
    spec.arg = rc;
    spec.on_confined_arg = rc;

    /* The fast probe first: a layer it wrongly assumed fails the worker's
     * setup before the module is touched, and then the full probe decides. */
    sbopts.fast_probe = true;
retry:
    if ((err = wb_supervisor_new(p, &sbopts, &sv, &d)) != WB_OK) {
        wb_cli_error("sandbox: %s", wb_diag_format(&d, ebuf, sizeof ebuf));
        status = err == WB_ERR_NOT_FOUND ? WB_EXIT_USAGE : WB_EXIT_USAGE;
        goto out;
    }
    fflush(NULL);   /* nothing buffered may be written twice */
    usage_now(RUSAGE_CHILDREN, &cpu0, &peak0);
    if ((err = wb_supervisor_run(sv, &spec, &rc->o, &d)) != WB_OK) {
        wb_cli_error("sandbox: cannot start a worker: %s", wb_diag_format(&d, ebuf, sizeof ebuf));
        goto out;
    }
    if (rc->o.kind == WB_OUTCOME_SETUP_FAILED && sbopts.fast_probe) {
        if (copts.verbose)
            fprintf(stderr, "wasmbox: %s; trying again with the full probe\n",
                    wb_outcome_message(&rc->o, msg, sizeof msg));
        wb_supervisor_free(sv);
        sv = NULL;
        sbopts.fast_probe = false;
        memset(&rc->o, 0, sizeof rc->o);
        goto retry;
    }
    rep.wall_us = now_us() - t0;
    usage_now(RUSAGE_CHILDREN, &rep.cpu_us, &rep.peak_kb);
    rep.cpu_us -= cpu0;

    status = wb_outcome_exit_status(&rc->o);
    msg[0] = '\0';
    if (rc->o.kind == WB_OUTCOME_TIMEOUT && o->tun.timeout_ns)
        snprintf(msg, sizeof msg, "timed out after %s", o->tun.timeout_text);
    else
        wb_outcome_message(&rc->o, msg, sizeof msg);
    if (rc->o.trap_len >= WB_TRAP_TEXT_MAX - 1) {
        /* cut short by the supervisor: keep whole lines, and say so */
        char *nl = strrchr(rc->o.trap, '\n');
        trap_cut = true;
        if (nl && nl > rc->o.trap) {
            nl[1] = '\0';
            rc->o.trap_len = (uint32_t)(nl + 1 - rc->o.trap);
        }
    }
    if (rc->o.kind == WB_OUTCOME_TIMEOUT && rc->o.trap_len) {
        /* the wasm backtrace of where it was: the trap text minus its first line */
        const char *bt = strchr(rc->o.trap, '\n');
        fprintf(stderr, "wasmbox: %s\n", msg);
        if (bt && bt[1]) {
            fputs(bt + 1, stderr);
            if (rc->o.trap[rc->o.trap_len - 1] != '\n')
                fputc('\n', stderr);
        }
        msg[0] = '\0';
    }
    if (rc->o.kind == WB_OUTCOME_EXITED && rc->o.trap_len) {
        fprintf(stderr, "wasmbox: %s", rc->o.trap);
        if (rc->o.trap[rc->o.trap_len - 1] != '\n')
            fputc('\n', stderr);
    }
    if (trap_cut && (rc->o.kind == WB_OUTCOME_TIMEOUT || rc->o.kind == WB_OUTCOME_EXITED))
        fprintf(stderr, "  ... (truncated at %u bytes)\n", WB_TRAP_TEXT_MAX);
    if (msg[0])
        fprintf(stderr, "wasmbox: %s\n", msg);
    if (copts.report) {
        rep.policy = p->name;
        rep.status = status;
        rep.o = &rc->o;
        rep.message = msg;
        write_report(copts.report, &rep);
    }
out:
    wb_supervisor_free(sv);
    if (rc) {
        wb_cache_handoff_end(&rc->cache);
        for (size_t i = 0; rc->w.env && i < rc->w.nenv; i++)
            free(rc->w.env[i]);
        free(rc->w.env);
        free(rc->w.dirs);
        free(rc);
    }
    free(bytes);
    wb_policy_free(p);
    return status;
}

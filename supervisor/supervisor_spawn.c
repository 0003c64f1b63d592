/* supervisor_spawn.c — starting a confined worker: clone3 with a pidfd and
 * the sandbox's namespace flags, the child's path to confinement, and the
 * control-socket messages both sides send. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "supervisor/supervisor_int.h"
#include "wb_exit.h"

uint64_t wb_sv_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int wb_ipc_send(int sock, wb_ipc_op op, const wb_ipc_msg *body, int fd)
{
    wb_ipc_msg m;
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } c;
    struct iovec iov;
    struct msghdr mh = { 0 };

    if (body)
        m = *body;
    else
        memset(&m, 0, sizeof m);
    m.op = op;
    m.flags = 0;
    m.len = sizeof m;
    m.pad = 0;
    iov.iov_base = &m;
    iov.iov_len = sizeof m;
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    if (fd >= 0) {
        struct cmsghdr *cm;
        memset(&c, 0, sizeof c);
        mh.msg_control = c.buf;
        mh.msg_controllen = sizeof c.buf;
        cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &fd, sizeof fd);
    }
    for (;;) {
        ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL);
        if (n == (ssize_t)sizeof m)
            return 0;
        if (n < 0 && errno == EINTR)
            continue;
        return -1;
    }
}

/* -- Worker side -- */

wb_err wb_worker_enter_run_phase(const wb_worker_ctx *ctx)
{
    return wb_sandbox_enter_run_phase(ctx->sandbox);
}

void wb_worker_report_limit(wb_limit_kind which)
{
    wb_ipc_msg m = { 0 };
    m.u.limit.which = (uint32_t)which;
    wb_ipc_send(WB_FD_CONTROL, WB_IPC_LIMIT, &m, -1);
}

void wb_worker_report_trap(const char *text)
{
    size_t len = strlen(text);
    for (size_t off = 0; off < len && off < WB_TRAP_TEXT_MAX; off += WB_IPC_TRAP_CHUNK) {
        wb_ipc_msg m = { 0 };
        size_t n = len - off < WB_IPC_TRAP_CHUNK ? len - off : WB_IPC_TRAP_CHUNK;
        m.u.trap.n = (uint32_t)n;
        memcpy(m.u.trap.text, text + off, n);
        if (wb_ipc_send(WB_FD_CONTROL, WB_IPC_TRAP, &m, -1) != 0)
            return;
    }
}

void wb_worker_report_epoch(volatile uint64_t *epoch)
{
    wb_ipc_msg m = { 0 };
    m.u.epoch.addr = (uint64_t)(uintptr_t)epoch;
    wb_ipc_send(WB_FD_CONTROL, WB_IPC_EPOCH, &m, -1);
}

/* Fail closed: tell the supervisor where, then exit (STYLE.md 10). */
static void __attribute__((noreturn))
child_fail(int sock, const wb_sandbox_failure *f)
{
    wb_ipc_msg m = { 0 };
    m.u.failed = *f;
    wb_ipc_send(sock, WB_IPC_SETUP_FAILED, &m, -1);
    _exit(WB_EXIT_USAGE);
}

/* Blocks until the supervisor says GO; any other answer or EOF (the
 * supervisor died) ends the child. */
static void child_wait_go(int sock)
{
    wb_ipc_msg m;
    ssize_t n;

    do
        n = recv(sock, &m, sizeof m, 0);
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof m || m.op != WB_IPC_GO || m.len != sizeof m)
        _exit(WB_EXIT_USAGE);
}

/* The worker is PID 1 of its namespace, and the kernel drops default-
 * action signals sent to a namespace init: SIGXFSZ/SIGXCPU need a handler
 * to end the worker. It only uses sendmsg (control fd) and exit_group, both
 * in the allowlist. What it reports only chooses our message. */
static void on_limit_signal(int sig)
{
    wb_worker_report_limit(sig == SIGXFSZ ? WB_LIMIT_FILE_SIZE : WB_LIMIT_CPU);
    _exit(WB_EXIT_LIMIT);
}

/* Just before the filter: the programs, if we were cloned before the
 * supervisor built them (its send_bpf), then the caller's hook. */
typedef struct child_hook {
    wb_supervisor *sv;
    const wb_worker_spec *spec;
    int sock;                    /* before the fds layer renumbered it */
} child_hook;

static void child_before_seccomp(void *arg)
{
    child_hook *h = arg;
    wb_sandbox_failure f = { .layer = WB_LAYER_SECCOMP };
    int sock = (wb_sandbox_layers(h->sv->sandbox) & WB_LAYER_BIT(WB_LAYER_FDS))
                   ? WB_FD_CONTROL : h->sock;

    if (!wb_sandbox_bpf_ready(h->sv->sandbox)) {
        wb_ipc_msg m;
        unsigned char *buf = malloc(WB_SANDBOX_BPF_MAX);
        ssize_t n;

        do
            n = recv(sock, &m, sizeof m, 0);
        while (n < 0 && errno == EINTR);
        if (n != (ssize_t)sizeof m || m.op != WB_IPC_BPF || m.len != sizeof m ||
            m.u.bpf.size == 0 || m.u.bpf.size > WB_SANDBOX_BPF_MAX || !buf) {
            snprintf(f.what, sizeof f.what, "no filter from the supervisor");
            child_fail(sock, &f);
        }
        do
            n = recv(sock, buf, m.u.bpf.size, MSG_TRUNC);
        while (n < 0 && errno == EINTR);
        if (n != (ssize_t)m.u.bpf.size ||
            wb_sandbox_bpf_import(h->sv->sandbox, buf, (size_t)n) != WB_OK) {
            snprintf(f.what, sizeof f.what, "bad filter from the supervisor");
            child_fail(sock, &f);
        }
        free(buf);
    }
    if (h->spec->before_seccomp)
        h->spec->before_seccomp(h->spec->arg);
}

static void __attribute__((noreturn))
child_main(wb_supervisor *sv, const wb_worker_spec *spec, int sock, const sigset_t *mask)
{
    child_hook hook = { sv, spec, sock };
    wb_sandbox_failure f = { .layer = -1 };
    wb_sandbox_fds fds;
    wb_worker_ctx ctx = { sv->sandbox, sv->policy, 0 };
    int listener = -1;

    struct sigaction sa = { .sa_handler = on_limit_signal };

    sigprocmask(SIG_SETMASK, mask, NULL);
    sigaction(SIGXFSZ, &sa, NULL);
    sigaction(SIGXCPU, &sa, NULL);
    for (int i = 0; i < 3; i++)
        fds.stdio[i] = spec->stdio[i] >= 0 ? spec->stdio[i] : i;
    fds.control = sock;
    fds.code = spec->code_fd;
    if (wb_sandbox_child_early(sv->sandbox, &f) != WB_OK)
        child_fail(sock, &f);
    if (wb_ipc_send(sock, WB_IPC_READY, NULL, -1) != 0)
        _exit(WB_EXIT_USAGE);
    child_wait_go(sock);
    if (wb_sandbox_apply(sv->sandbox, &fds, spec->slot, child_before_seccomp, &hook,
                         &listener, &ctx.active, &f) != WB_OK)
        child_fail(wb_sandbox_layers(sv->sandbox) & WB_LAYER_BIT(WB_LAYER_FDS) &&
                   f.layer > WB_LAYER_FDS ? WB_FD_CONTROL : sock, &f);
    sock = (wb_sandbox_layers(sv->sandbox) & WB_LAYER_BIT(WB_LAYER_FDS)) ? WB_FD_CONTROL : sock;
    {
        wb_ipc_msg m = { 0 };
        m.u.setup_ok.active = ctx.active;
        if (wb_ipc_send(sock, WB_IPC_SETUP_OK, &m, listener) != 0)
            _exit(WB_EXIT_USAGE);
    }
    /* Holding our own listener would let us answer our own forbidden
     * calls: it goes before anything else runs. */
    if (listener >= 0)
        close(listener);
    _exit(spec->fn(spec->arg, &ctx) & 0xff);
}

/* glibc caches the thread id in its thread descriptor, and a raw clone3
 * does not update it: in the worker it would still be the supervisor's
 * (another pid namespace), so pthread_getattr_np (the runtime's stack
 * bounds, ASan's unwinding) fails with ESRCH. Where that field is: the only
 * int equal to our tid near the start of the descriptor, or -1 when that
 * is ambiguous (then nothing is patched). */
static long glibc_tid_offset(void)
{
    pid_t tid = (pid_t)syscall(SYS_gettid), v;
    const unsigned char *self = (const unsigned char *)pthread_self();
    long found = -1;

    for (long off = 0; off + (long)sizeof v <= 2048; off += (long)sizeof v) {
        memcpy(&v, self + off, sizeof v);
        if (v == tid) {
            if (found >= 0)
                return -1;
            found = off;
        }
    }
    return found;
}

static void glibc_tid_fix(long off)
{
    pid_t tid = (pid_t)syscall(SYS_gettid);
    if (off >= 0)
        memcpy((unsigned char *)pthread_self() + off, &tid, sizeof tid);
}

/* -- Supervisor side -- */

wb_err wb_supervisor_new(const wb_policy *p, const wb_sandbox_opts *opts,
                         wb_supervisor **out, wb_diag *d)
{
    wb_sandbox_opts o = WB_SANDBOX_OPTS_DEFAULT;
    wb_supervisor *sv;
    wb_err err;

    *out = NULL;
    if (!(sv = calloc(1, sizeof *sv)))
        return wb_diag_set(d, WB_ERR_NOMEM, NULL, 0);
    sv->policy = p;
    if (opts)
        o = *opts;
    /* The BPF is built while the first worker confines itself (send_bpf). */
    o.defer_bpf = true;
    if (!o.fast_probe || !wb_sandbox_probe_fast(&sv->probe))
        wb_sandbox_probe_run(&sv->probe);
    if ((err = wb_sandbox_new(p, &sv->probe, &o, &sv->sandbox, d)) != WB_OK) {
        free(sv);
        return err;
    }
    *out = sv;
    return WB_OK;
}

void wb_supervisor_free(wb_supervisor *sv)
{
    if (!sv)
        return;
    wb_sandbox_free(sv->sandbox);
    free(sv);
}

const wb_sandbox_probe *wb_supervisor_probe(const wb_supervisor *sv)
{
    return &sv->probe;
}

const wb_sandbox *wb_supervisor_sandbox(const wb_supervisor *sv)
{
    return sv->sandbox;
}

wb_err wb_supervisor_run(wb_supervisor *sv, const wb_worker_spec *spec, wb_outcome *o,
                         wb_diag *d)
{
    struct clone_args ca = { 0 };
    sigset_t fwd, old;
    int sp[2], pidfd = -1;
    uint64_t t0;
    wb_err err;
    long pid, tid_off;

    memset(o, 0, sizeof *o);
    snprintf(o->policy, sizeof o->policy, "%s", sv->policy->name);
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) != 0)
        return wb_diag_setf(d, WB_ERR_SANDBOX_SPAWN, NULL, 0, "socketpair: %s",
                            strerror(errno));
    /* Blocked from before the clone, so a signal arriving while the worker
     * starts is forwarded, not lost; the child restores the old mask. */
    sigemptyset(&fwd);
    sigaddset(&fwd, SIGINT);
    sigaddset(&fwd, SIGTERM);
    sigaddset(&fwd, SIGHUP);
    sigaddset(&fwd, SIGQUIT);
    sigaddset(&fwd, SIGCHLD);
    sigprocmask(SIG_BLOCK, &fwd, &old);

    tid_off = glibc_tid_offset();
    ca.flags = CLONE_PIDFD | wb_sandbox_clone_flags(sv->sandbox);
    ca.pidfd = (uint64_t)(uintptr_t)&pidfd;
    ca.exit_signal = SIGCHLD;
    t0 = wb_sv_now_us();
    pid = syscall(SYS_clone3, &ca, sizeof ca);
    if (pid == 0) {
        glibc_tid_fix(tid_off);
        close(sp[0]);
        child_main(sv, spec, sp[1], &old);
    }
    close(sp[1]);
    if (pid < 0) {
        err = wb_diag_setf(d, WB_ERR_SANDBOX_SPAWN, NULL, 0, "clone3: %s", strerror(errno));
        close(sp[0]);
        sigprocmask(SIG_SETMASK, &old, NULL);
        return err;
    }
    err = wb_sv_watch(sv, spec, (pid_t)pid, pidfd, sp[0], t0, o, d);
    close(sp[0]);
    close(pidfd);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return err;
}

wb_err wb_supervise(const wb_policy *p, const wb_worker_spec *spec, wb_outcome *out,
                    wb_diag *d)
{
    wb_supervisor *sv;
    wb_err err;

    memset(out, 0, sizeof *out);
    if ((err = wb_supervisor_new(p, NULL, &sv, d)) != WB_OK)
        return err;
    err = wb_supervisor_run(sv, spec, out, d);
    wb_supervisor_free(sv);
    return err;
}

/* supervisor_wait.c — watching a worker: the control socket (table-
 * dispatched, every message treated as hostile), the seccomp listener that
 * names a forbidden call, signal forwarding, time limits, reaping (and
 * orphans when we are PID 1), then the outcome. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor/supervisor_int.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* States, as bits so the dispatch table can allow several. */
#define ST_START     0x1u  /* waiting for READY */
#define ST_CONFINING 0x2u  /* GO sent, waiting for SETUP_OK */
#define ST_RUNNING   0x4u  /* confined, fn running */
#define ST_DONE      0x8u  /* setup failed or protocol broken */

typedef struct watch {
    wb_supervisor *sv;
    const wb_worker_spec *spec;
    pid_t pid;
    int pidfd, sock, listener;
    unsigned state;
    uint64_t t0, deadline_us, kill_at_us;
    bool timed_out, violation, protocol, setup_failed, limit;
    bool send_bpf;               /* cloned before the BPF was built: send it */
    bool go_sent;
    uint64_t epoch_addr;         /* worker's epoch counter, or 0 */
    uint64_t kick_at_us;         /* next SIGURG after the epoch ended, or 0 */
    int forwarded;
    wb_outcome *o;
} watch;

static void kill_worker(watch *w)
{
    syscall(SYS_pidfd_send_signal, w->pidfd, SIGKILL, NULL, 0);
}

/* -- Control messages. Each handler's comment says why hostile input is
 * harmless there. -- */

static void fail_setup(watch *w, int layer, const char *what)
{
    w->setup_failed = true;
    w->o->failure.layer = layer;
    snprintf(w->o->failure.what, sizeof w->o->failure.what, "%.90s", what);
    w->state = ST_DONE;
    kill_worker(w);
}

/* The first worker of a supervisor confines itself while we build the
 * seccomp programs (wb_sandbox_opts.defer_bpf); it waits for them before
 * installing the filter. */
static void send_bpf(watch *w)
{
    wb_diag d = { 0 };
    wb_ipc_msg m = { 0 };
    unsigned char *buf;
    size_t n;

    if (wb_sandbox_build_bpf(w->sv->sandbox, &d) != WB_OK) {
        fail_setup(w, WB_LAYER_SECCOMP, d.detail);
        return;
    }
    if (!(buf = malloc(WB_SANDBOX_BPF_MAX))) {
        fail_setup(w, WB_LAYER_SECCOMP, "out of memory");
        return;
    }
    n = wb_sandbox_bpf_export(w->sv->sandbox, buf, WB_SANDBOX_BPF_MAX);
    m.u.bpf.size = (uint32_t)n;
    if (n == 0 || wb_ipc_send(w->sock, WB_IPC_BPF, &m, -1) != 0 ||
        send(w->sock, buf, n, MSG_NOSIGNAL) != (ssize_t)n)
        kill_worker(w);
    free(buf);
}

/* GO, then the programs if the worker has none. */
static void send_go(watch *w)
{
    w->go_sent = true;
    if (wb_ipc_send(w->sock, WB_IPC_GO, NULL, -1) != 0)
        kill_worker(w);
    else if (w->send_bpf)
        send_bpf(w);
}

/* No body is read. Writes the id maps (fixed text: our own uid/gid) and
 * sends GO, unless there are no maps to write: then GO went out before
 * READY came (wb_sv_watch), so the worker never waits for us here. */
static void on_ready(watch *w, const wb_ipc_msg *m, int fd)
{
    wb_diag d = { 0 };
    (void)m;
    (void)fd;
    if (wb_sandbox_needs_idmaps(w->sv->sandbox) &&
        wb_sandbox_write_idmaps(w->sv->sandbox, w->pid, &d) != WB_OK) {
        fail_setup(w, WB_LAYER_NAMESPACES, d.detail);
        return;
    }
    w->state = ST_CONFINING;
    if (!w->go_sent)
        send_go(w);
}

/* Reads /proc/PID/status and checks what the worker claims, so a lying
 * worker cannot make us believe it is confined. */
static bool verify_status(watch *w, uint32_t active, char *why, size_t size)
{
    char path[64], buf[4096];
    unsigned long long capeff = ~0ull;
    int nnp = -1, sc = -1, fd;
    char state = '?';
    ssize_t n;

    snprintf(path, sizeof path, "/proc/%d/status", (int)w->pid);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        int e = errno;
        siginfo_t si = { 0 };
        /* Already exited (see below; its /proc entry may be going). */
        if (waitid((idtype_t)P_PIDFD, (id_t)w->pidfd, &si,
                   WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == w->pid)
            return true;
        snprintf(why, size, "cannot open %s: %s", path, strerror(e));
        return false;
    }
    n = read(fd, buf, sizeof buf - 1);
    if (n <= 0) {
        snprintf(why, size, "cannot read %s: %s", path, n < 0 ? strerror(errno) : "empty");
        close(fd);
        return false;
    }
    close(fd);
    buf[n] = '\0';
    for (char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        sscanf(l, "CapEff: %llx", &capeff);
        sscanf(l, "NoNewPrivs: %d", &nnp);
        sscanf(l, "Seccomp: %d", &sc);
        sscanf(l, "State: %c", &state);
    }
    /* Already gone (it may break a rule right after SETUP_OK): a dead
     * process cannot be unconfined, and its fields are no longer kept. */
    if (state == 'Z' || state == 'X')
        return true;
    if ((active & WB_LAYER_BIT(WB_LAYER_CAPABILITIES)) && capeff != 0)
        snprintf(why, size, "CapEff is %llx, not 0", capeff);
    else if ((active & WB_LAYER_BIT(WB_LAYER_NO_NEW_PRIVS)) && nnp != 1)
        snprintf(why, size, "NoNewPrivs is %d, not 1", nnp);
    else if ((active & WB_LAYER_BIT(WB_LAYER_SECCOMP)) && sc != 2 && sc != 3)
        snprintf(why, size, "Seccomp is %d, not 2", sc); /* 3: killed by its filter */
    else
        return true;
    return false;
}

/* active is masked to known layers and must include every layer the
 * sandbox was asked to apply; the fd is kept only if the kernel says it is
 * a seccomp listener; /proc/PID/status must agree. */
static void on_setup_ok(watch *w, const wb_ipc_msg *m, int fd)
{
    uint32_t active = m->u.setup_ok.active & WB_LAYERS_ALL;
    uint32_t want = wb_sandbox_layers(w->sv->sandbox);
    uint64_t id = 0;
    char why[96];

    if ((active & want) != want) {
        w->protocol = true;
        snprintf(w->o->failure.what, sizeof w->o->failure.what,
                 "worker reported fewer layers than asked");
    } else if (wb_sandbox_uses_notify(w->sv->sandbox) &&
               (fd < 0 || ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0 ||
                errno != ENOENT)) {
        w->protocol = true;
        snprintf(w->o->failure.what, sizeof w->o->failure.what,
                 "worker sent no seccomp listener");
    } else if (!verify_status(w, active, why, sizeof why)) {
        w->setup_failed = true;
        w->o->failure.layer = -1;
        snprintf(w->o->failure.what, sizeof w->o->failure.what, "supervisor check: %.70s", why);
    } else {
        w->o->active = active;
        w->o->spawn_us = wb_sv_now_us() - w->t0;
        w->state = ST_RUNNING;
        if (fd >= 0 && wb_sandbox_uses_notify(w->sv->sandbox)) {
            w->listener = fd;
            fd = -1;
        }
        if (w->sv->policy->limits.time_ms != WB_UNLIMITED)
            w->deadline_us = wb_sv_now_us() + w->sv->policy->limits.time_ms * 1000u;
        else
            w->deadline_us = 0;
        if (w->spec->on_confined)
            w->spec->on_confined(w->spec->on_confined_arg, w->pid);
    }
    if (fd >= 0)
        close(fd);
    if (w->state != ST_RUNNING) {
        w->state = ST_DONE;
        kill_worker(w);
    }
}

/* layer is clamped, the text is NUL-terminated before use: both only go
 * into our message. */
static void on_setup_failed(watch *w, const wb_ipc_msg *m, int fd)
{
    (void)fd;
    w->setup_failed = true;
    w->o->failure = m->u.failed;
    w->o->failure.what[sizeof w->o->failure.what - 1] = '\0';
    if (w->o->failure.layer < -1 || w->o->failure.layer >= WB_LAYER__COUNT)
        w->o->failure.layer = -1;
    w->state = ST_DONE;
}

/* Only chooses our message and status for a run that is ending anyway: the
 * worker could exit with any status itself. */
static void on_limit(watch *w, const wb_ipc_msg *m, int fd)
{
    (void)fd;
    if (m->u.limit.which > WB_LIMIT_NONE && m->u.limit.which <= WB_LIMIT_FUEL) {
        w->limit = true;
        w->o->limit = (wb_limit_kind)m->u.limit.which;
    }
}

/* Untrusted text: n is clamped, the total is bounded, and every byte that
 * is not printable ASCII, tab or newline becomes '?' (no terminal escapes
 * reach our stderr). */
static void on_trap(watch *w, const wb_ipc_msg *m, int fd)
{
    wb_outcome *o = w->o;
    uint32_t n = m->u.trap.n < WB_IPC_TRAP_CHUNK ? m->u.trap.n : WB_IPC_TRAP_CHUNK;
    (void)fd;
    for (uint32_t i = 0; i < n && o->trap_len < WB_TRAP_TEXT_MAX - 1; i++) {
        unsigned char c = (unsigned char)m->u.trap.text[i];
        o->trap[o->trap_len++] = (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t'
                                     ? (char)c : '?';
    }
    o->trap[o->trap_len] = '\0';
}

/* Only an address in the worker: we write there once, at the time limit. */
static void on_epoch(watch *w, const wb_ipc_msg *m, int fd)
{
    (void)fd;
    w->epoch_addr = m->u.epoch.addr;
}

/* The time limit: end the epoch in the worker, so its wasm code traps with
 * a backtrace; false when that cannot be done (then: SIGKILL at once). */
static bool expire_epoch(watch *w)
{
    uint64_t v = UINT64_MAX / 2;
    struct iovec local = { &v, sizeof v };
    struct iovec remote = { (void *)(uintptr_t)w->epoch_addr, sizeof v };
    if (!w->epoch_addr)
        return false;
    return process_vm_writev(w->pid, &local, 1, &remote, 1, 0) == (ssize_t)sizeof v;
}

static const struct {
    wb_ipc_op op;
    unsigned states;
    void (*handler)(watch *, const wb_ipc_msg *, int fd);
} dispatch[] = {
    { WB_IPC_READY, ST_START, on_ready },
    { WB_IPC_SETUP_OK, ST_CONFINING, on_setup_ok },
    { WB_IPC_SETUP_FAILED, ST_START | ST_CONFINING, on_setup_failed },
    { WB_IPC_LIMIT, ST_RUNNING, on_limit },
    { WB_IPC_TRAP, ST_RUNNING, on_trap },
    { WB_IPC_EPOCH, ST_RUNNING, on_epoch },
};

/* Reads one message; false at EOF. */
static bool read_message(watch *w, bool nonblock)
{
    wb_ipc_msg m;
    union {
        char buf[CMSG_SPACE(sizeof(int) * 4)];
        struct cmsghdr align;
    } c;
    struct iovec iov = { &m, sizeof m };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf,
                         .msg_controllen = sizeof c.buf };
    int fds[4], nfds = 0;
    ssize_t n;

    /* ECONNRESET: the worker exited without reading all we sent (GO and
     * the programs go out before it asks, and a worker failing early
     * never reads them). The kernel reports that once, before the
     * messages still queued for us, such as its SETUP_FAILED: read on. */
    do
        n = recvmsg(w->sock, &mh, MSG_CMSG_CLOEXEC | (nonblock ? MSG_DONTWAIT : 0));
    while (n < 0 && (errno == EINTR || errno == ECONNRESET));
    if (n <= 0)
        return false;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
            continue;
        for (size_t k = 0; k < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int) && nfds < 4; k++)
            memcpy(&fds[nfds++], CMSG_DATA(cm) + k * sizeof(int), sizeof(int));
    }
    bool ok = n == (ssize_t)sizeof m && !(mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) &&
              m.len == sizeof m && m.flags == 0 && nfds <= 1;
    if (ok) {
        ok = false;
        for (size_t i = 0; i < sizeof dispatch / sizeof dispatch[0]; i++) {
            if (dispatch[i].op == m.op && (dispatch[i].states & w->state)) {
                dispatch[i].handler(w, &m, nfds ? fds[0] : -1);
                nfds = 0; /* the handler owns the fd */
                ok = true;
                break;
            }
        }
    }
    for (int i = 0; i < nfds; i++)
        close(fds[i]);
    if (!ok && w->state != ST_DONE) {
        w->protocol = true;
        snprintf(w->o->failure.what, sizeof w->o->failure.what,
                 "bad control message (op %u)", (unsigned)m.op);
        w->state = ST_DONE;
        kill_worker(w);
    }
    return true;
}

/* -- Seccomp listener: the kernel, not the worker, tells us the call -- */

static void on_notification(watch *w)
{
    struct seccomp_notif *req = NULL;
    struct seccomp_notif_resp *resp = NULL;

    if (seccomp_notify_alloc(&req, &resp) != 0)
        return;
    if (seccomp_notify_receive(w->listener, req) == 0 && !w->violation) {
        char *name = seccomp_syscall_resolve_num_arch(req->data.arch, req->data.nr);
        w->violation = true;
        w->o->syscall_nr = req->data.nr;
        snprintf(w->o->syscall_name, sizeof w->o->syscall_name, "%s", name ? name : "?");
        free(name);
        kill_worker(w);
    }
    seccomp_notify_free(req, resp);
}

/* -- Orphans: as PID 1 (a container entrypoint) every orphan of the
 * container is ours to reap. The worker itself is left for waitid on its
 * pidfd. -- */
static void reap_orphans(watch *w)
{
    for (;;) {
        siginfo_t si = { 0 };
        if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) != 0 || si.si_pid == 0 ||
            si.si_pid == w->pid)
            return;
        waitid(P_PID, (id_t)si.si_pid, &si, WEXITED);
    }
}

static void classify(watch *w, const siginfo_t *si)
{
    wb_outcome *o = w->o;
    const wb_policy_limits *l = &w->sv->policy->limits;

    if (w->protocol)
        o->kind = WB_OUTCOME_PROTOCOL;
    else if (w->setup_failed)
        o->kind = WB_OUTCOME_SETUP_FAILED;
    else if (w->violation)
        o->kind = WB_OUTCOME_VIOLATION;
    else if (w->timed_out) {
        o->kind = WB_OUTCOME_TIMEOUT;
        o->limit_value = l->time_ms;
    } else if (w->forwarded) {
        o->kind = WB_OUTCOME_SIGNALED;
        o->code = w->forwarded;
    } else if (w->limit) {
        o->kind = WB_OUTCOME_LIMIT;
    } else if (si->si_code == CLD_EXITED) {
        o->code = si->si_status;
        if (w->state != ST_RUNNING) {
            o->kind = WB_OUTCOME_SETUP_FAILED;
            o->failure.layer = -1;
            snprintf(o->failure.what, sizeof o->failure.what,
                     "worker exited during setup with status %d", si->si_status);
        } else {
            o->kind = WB_OUTCOME_EXITED;
        }
    } else {
        o->code = si->si_status;
        switch (si->si_status) {
        case SIGSYS: o->kind = WB_OUTCOME_SECCOMP_KILL; break;
        case SIGXCPU: o->kind = WB_OUTCOME_LIMIT; o->limit = WB_LIMIT_CPU; break;
        case SIGXFSZ: o->kind = WB_OUTCOME_LIMIT; o->limit = WB_LIMIT_FILE_SIZE; break;
        /* Not sent by us: the OOM killer of a memory cgroup. */
        case SIGKILL: o->kind = WB_OUTCOME_LIMIT; o->limit = WB_LIMIT_MEMORY; break;
        default: o->kind = WB_OUTCOME_CRASHED; break;
        }
    }
    if (o->kind == WB_OUTCOME_LIMIT) {
        switch (o->limit) {
        case WB_LIMIT_MEMORY: o->limit_value = l->memory; break;
        case WB_LIMIT_CPU: o->limit_value = l->time_ms; break;
        case WB_LIMIT_FILE_SIZE: o->limit_value = l->file_size; break;
        case WB_LIMIT_OUTPUT: o->limit_value = l->output; break;
        case WB_LIMIT_FUEL: o->limit_value = l->fuel; break;
        case WB_LIMIT_NONE: break;
        }
    }
}

wb_err wb_sv_watch(wb_supervisor *sv, const wb_worker_spec *spec, pid_t pid, int pidfd,
                   int sock, uint64_t t0_us, wb_outcome *o, wb_diag *d)
{
    watch w = { .sv = sv, .spec = spec, .pid = pid, .pidfd = pidfd, .sock = sock,
                .listener = -1, .state = ST_START, .t0 = t0_us, .o = o };
    bool sock_open = true, pid1 = getpid() == 1;
    siginfo_t si = { 0 };
    sigset_t fwd;
    int sfd;

    (void)d;
    w.send_bpf = !wb_sandbox_bpf_ready(sv->sandbox);
    if (!wb_sandbox_needs_idmaps(sv->sandbox))
        send_go(&w);
    sigemptyset(&fwd);
    sigaddset(&fwd, SIGINT);
    sigaddset(&fwd, SIGTERM);
    sigaddset(&fwd, SIGHUP);
    sigaddset(&fwd, SIGQUIT);
    sigaddset(&fwd, SIGCHLD);
    sfd = signalfd(-1, &fwd, SFD_CLOEXEC | SFD_NONBLOCK);
    w.deadline_us = t0_us + WB_SETUP_TIMEOUT_MS * 1000u;

    for (;;) {
        struct pollfd pf[4];
        int npf = 0, ip = -1, is = -1, il = -1, ig = -1, timeout = -1;
        uint64_t now = wb_sv_now_us(), next = 0;

        if (w.deadline_us)
            next = w.deadline_us;
        if (w.kill_at_us && (!next || w.kill_at_us < next))
            next = w.kill_at_us;
        if (w.kick_at_us && (!next || w.kick_at_us < next))
            next = w.kick_at_us;
        if (next)
            timeout = next > now ? (int)((next - now + 999) / 1000) : 0;
        pf[ip = npf++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
        if (sock_open)
            pf[is = npf++] = (struct pollfd){ .fd = sock, .events = POLLIN };
        if (w.listener >= 0)
            pf[il = npf++] = (struct pollfd){ .fd = w.listener, .events = POLLIN };
        if (sfd >= 0)
            pf[ig = npf++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
        if (poll(pf, (nfds_t)npf, timeout) < 0 && errno != EINTR)
            break;
        if (il >= 0 && pf[il].revents) {
            if (pf[il].revents & POLLIN)
                on_notification(&w);
            else { /* the worker's filter is gone: it has exited */
                close(w.listener);
                w.listener = -1;
            }
        }
        if (is >= 0 && pf[is].revents) {
            if (!(pf[is].revents & POLLIN) || !read_message(&w, false))
                sock_open = false;
        }
        if (ig >= 0 && (pf[ig].revents & POLLIN)) {
            struct signalfd_siginfo ssi;
            while (read(sfd, &ssi, sizeof ssi) == (ssize_t)sizeof ssi) {
                if (ssi.ssi_signo == SIGCHLD) {
                    if (pid1)
                        reap_orphans(&w);
                    continue;
                }
                /* Forward; a worker without a handler (PID 1 of its
                 * namespace ignores the signal) is killed after a grace. */
                w.forwarded = (int)ssi.ssi_signo;
                syscall(SYS_pidfd_send_signal, pidfd, (int)ssi.ssi_signo, NULL, 0);
                if (!w.kill_at_us)
                    w.kill_at_us = wb_sv_now_us() + WB_SIGNAL_GRACE_MS * 1000u;
            }
        }
        if (pf[ip].revents)
            break;
        now = wb_sv_now_us();
        if (w.deadline_us && now >= w.deadline_us) {
            if (w.state == ST_RUNNING) {
                w.timed_out = true;
                if (expire_epoch(&w)) {
                    w.deadline_us = 0;
                    w.kick_at_us = now;
                    if (!w.kill_at_us)
                        w.kill_at_us = now + WB_TIMEOUT_GRACE_MS * 1000u;
                    continue;
                }
            }
            else if (!w.setup_failed && !w.protocol) {
                w.setup_failed = true;
                w.o->failure.layer = -1;
                snprintf(w.o->failure.what, sizeof w.o->failure.what,
                         "worker not confined within %d ms", WB_SETUP_TIMEOUT_MS);
            }
            w.deadline_us = 0;
            kill_worker(&w);
        }
        /* Interrupts a host call blocked in a system call (the worker
         * handles SIGURG without SA_RESTART), every 10 ms of the grace: a
         * kick may land just before the call blocks. */
        if (w.kick_at_us && now >= w.kick_at_us) {
            syscall(SYS_pidfd_send_signal, pidfd, SIGURG, NULL, 0);
            w.kick_at_us = now + 10000u;
        }
        if (w.kill_at_us && now >= w.kill_at_us) {
            w.kill_at_us = 0;
            kill_worker(&w);
        }
    }
    /* Last words: what the worker sent right before exiting (SETUP_FAILED,
     * LIMIT, or even READY and SETUP_OK of a worker that confined itself
     * and ended before we looked: the loop reads one message per wake-up).
     * Read before reaping, while /proc/PID/status of the zombie is there
     * for on_setup_ok's check. */
    while (sock_open && read_message(&w, true))
        ;
    while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED) != 0 && errno == EINTR)
        ;
    if (w.listener >= 0)
        close(w.listener);
    if (sfd >= 0)
        close(sfd);
    if (pid1)
        reap_orphans(&w);
    o->total_us = wb_sv_now_us() - t0_us;
    classify(&w, &si);
    return WB_OK;
}

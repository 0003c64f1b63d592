/* sandbox_prepare.c — supervisor side: probing what the kernel lets this
 * process apply, and the per-policy preparation (BPF, shared empty netns,
 * granted directory fds, id maps of a worker's user namespace). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/sandbox_int.h"

wb_err wb_sbx_fail(wb_sandbox_failure *f, int layer, int errnum, const char *what)
{
    if (f) {
        f->layer = layer;
        f->errnum = errnum;
        snprintf(f->what, sizeof f->what, "%s", what);
    }
    return WB_ERR_SANDBOX_SETUP;
}

/* -- Probing -- */

/* Runs fn in a forked child; returns its result (0 ok, else an errno), or
 * 256 + signal when it died. */
static int in_child(int (*fn)(void *), void *arg)
{
    int st;
    pid_t pid = fork();

    if (pid < 0)
        return errno;
    if (pid == 0)
        _exit(fn(arg) & 0xff);
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return errno;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 256 + WTERMSIG(st);
}

#define NS_FLAGS (CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP)

/* Namespaces and a tmpfs mount inside them; arg: extra unshare flags.
 * Returns 0, an errno of unshare, or 200 + errno-ish for the mount step. */
static int try_namespaces(void *arg)
{
    int extra = *(int *)arg;
    if (unshare(NS_FLAGS | extra) != 0)
        return errno;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("wasmbox", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=16k") != 0)
        return 200;
    return 0;
}

static int try_netns(void *arg)
{
    int extra = *(int *)arg;
    return unshare(CLONE_NEWNET | extra) != 0 ? errno : 0;
}

static int try_nnp_seccomp(void *arg)
{
    /* A filter that allows everything, with a listener when asked. */
    struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    wb_bpf b = { &allow, 1 };
    bool notify = *(bool *)arg;
    int fd;

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return errno;
    if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
        return 201;
    fd = wb_sbx_install_bpf(&b, notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0);
    return fd < 0 ? errno : 0;
}

static int try_close_range(void *arg)
{
    (void)arg;
    return syscall(SYS_close_range, 1000000u, ~0u, 0) != 0 ? errno : 0;
}

static bool has_cap(cap_value_t c)
{
    cap_flag_value_t v = CAP_CLEAR;
    cap_t caps = cap_get_proc();
    if (caps) {
        cap_get_flag(caps, c, CAP_EFFECTIVE, &v);
        cap_free(caps);
    }
    return v == CAP_SET;
}

static void set_why(wb_sandbox_probe *p, wb_layer l, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void set_why(wb_sandbox_probe *p, wb_layer l, bool ok, const char *fmt, ...)
{
    va_list ap;
    if (ok)
        p->available |= WB_LAYER_BIT(l);
    va_start(ap, fmt);
    vsnprintf(p->why[l], sizeof p->why[l], fmt, ap);
    va_end(ap);
}

static const char *err_text(int r)
{
    static char buf[48];
    if (r >= 256) {
        snprintf(buf, sizeof buf, "probe killed by signal %d", r - 256);
        return buf;
    }
    if (r == 200)
        return "mounting a tmpfs failed";
    return strerror(r);
}

void wb_sandbox_probe_run(wb_sandbox_probe *out)
{
    int none = 0, user = CLONE_NEWUSER, r, r2;
    bool no = false, yes = true;

    memset(out, 0, sizeof *out);
    out->root = geteuid() == 0 && has_cap(CAP_SYS_ADMIN);

    r = in_child(try_namespaces, &none);
    if (r != 0 && !out->root) {
        r2 = in_child(try_namespaces, &user);
        if (r2 == 0) {
            out->userns = true;
            r = 0;
        }
    }
    set_why(out, WB_LAYER_NAMESPACES, r == 0, r == 0 ? (out->userns ?
            "via a user namespace (not root)" : "as root") : "unshare: %s", err_text(r));
    set_why(out, WB_LAYER_FILESYSTEM, r == 0, r == 0 ? "tmpfs root + bind mounts + pivot_root"
            : "needs a mount namespace: %s", err_text(r));

    r = in_child(try_netns, out->userns ? &user : &none);
    set_why(out, WB_LAYER_NETWORK, r == 0, r == 0 ? (out->userns ?
            "a new network namespace per worker" : "one shared empty network namespace")
            : "unshare(CLONE_NEWNET): %s", err_text(r));

    r = in_child(try_close_range, NULL);
    set_why(out, WB_LAYER_FDS, r == 0, r == 0 ? "fixed numbers + close_range"
            : "close_range: %s", err_text(r));
    set_why(out, WB_LAYER_RLIMITS, true, "setrlimit (lowering needs no privilege)");
    if (out->root || out->userns || !has_cap(CAP_SETPCAP))
        set_why(out, WB_LAYER_CAPABILITIES, true, out->root ?
                "drop all, lock securebits, unique uid/gid per worker" : out->userns ?
                "drop all inside the user namespace (same uid outside)" :
                "not root: no capabilities to drop");
    else
        set_why(out, WB_LAYER_CAPABILITIES, false, "capabilities without root or a user "
                "namespace cannot be dropped reliably");

    r = in_child(try_nnp_seccomp, &no);
    set_why(out, WB_LAYER_NO_NEW_PRIVS, r != 201 && r != EINVAL, "prctl(PR_SET_NO_NEW_PRIVS)");
    set_why(out, WB_LAYER_SECCOMP, r == 0, r == 0 ? "filter loaded" :
            "seccomp(SET_MODE_FILTER): %s", err_text(r));
    if (r == 0) {
        r = in_child(try_nnp_seccomp, &yes);
        out->notify = r == 0;
        if (out->notify)
            snprintf(out->why[WB_LAYER_SECCOMP], sizeof out->why[0],
                     "allowlist; forbidden calls named by the supervisor's listener");
        else
            snprintf(out->why[WB_LAYER_SECCOMP], sizeof out->why[0],
                     "allowlist; no user notification (%s): forbidden calls kill "
                     "without a name", err_text(r));
    }

    out->landlock_abi = wb_sbx_landlock_abi();
    if (out->landlock_abi >= 6)
        set_why(out, WB_LAYER_LANDLOCK, true, "ABI %d: granted dirs, no tcp, scoped "
                "signals and abstract sockets", out->landlock_abi);
    else if (out->landlock_abi >= 1)
        set_why(out, WB_LAYER_LANDLOCK, true, "ABI %d: granted dirs only (no scopes: "
                "ABI 6 needed)", out->landlock_abi);
    else
        set_why(out, WB_LAYER_LANDLOCK, false, "not supported by this kernel (or disabled)");
}

bool wb_sandbox_probe_fast(wb_sandbox_probe *out)
{
    static const char assumed[] = "as root (fast probe; verified in the worker)";
    unsigned action = SECCOMP_RET_USER_NOTIF;
    long r;

    if (geteuid() != 0 || !has_cap(CAP_SYS_ADMIN) || !has_cap(CAP_SETPCAP))
        return false;
    memset(out, 0, sizeof *out);
    out->root = true;
    set_why(out, WB_LAYER_NAMESPACES, true, "%s", assumed);
    set_why(out, WB_LAYER_FILESYSTEM, true, "tmpfs root + bind mounts + pivot_root, %s",
            assumed);
    set_why(out, WB_LAYER_NETWORK, true, "one shared empty network namespace, %s", assumed);
    r = syscall(SYS_close_range, 1000000u, ~0u, 0);
    set_why(out, WB_LAYER_FDS, r == 0, r == 0 ? "fixed numbers + close_range"
            : "close_range: %s", strerror(errno));
    set_why(out, WB_LAYER_RLIMITS, true, "setrlimit (lowering needs no privilege)");
    set_why(out, WB_LAYER_CAPABILITIES, true, "drop all, lock securebits, unique uid/gid "
            "per worker");
    r = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
    set_why(out, WB_LAYER_NO_NEW_PRIVS, r >= 0, "prctl(PR_SET_NO_NEW_PRIVS)");
    r = syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action);
    set_why(out, WB_LAYER_SECCOMP, r == 0 || errno == EOPNOTSUPP, "allowlist; %s",
            r == 0 ? "forbidden calls named by the supervisor's listener"
                   : "no user notification: forbidden calls kill without a name");
    out->notify = r == 0;
    out->landlock_abi = wb_sbx_landlock_abi();
    if (out->landlock_abi >= 6)
        set_why(out, WB_LAYER_LANDLOCK, true, "ABI %d: granted dirs, no tcp, scoped "
                "signals and abstract sockets", out->landlock_abi);
    else if (out->landlock_abi >= 1)
        set_why(out, WB_LAYER_LANDLOCK, true, "ABI %d: granted dirs only (no scopes: "
                "ABI 6 needed)", out->landlock_abi);
    else
        set_why(out, WB_LAYER_LANDLOCK, false, "not supported by this kernel (or disabled)");
    return true;
}

/* -- Preparation -- */

/* One empty network namespace for every worker: setns into it costs far
 * less than CLONE_NEWNET (~0.6 ms per worker). A helper child unshares it
 * and waits until we hold a fd. Started first and collected after the BPF
 * is built, so both take place at once. */
typedef struct netns_job {
    pid_t pid;
    int rd;
} netns_job;

static bool netns_start(netns_job *j)
{
    int p[2];

    j->pid = -1;
    j->rd = -1;
    if (pipe2(p, O_CLOEXEC) != 0)
        return false;
    if ((j->pid = fork()) < 0) {
        close(p[0]);
        close(p[1]);
        return false;
    }
    if (j->pid == 0) {
        char ok = unshare(CLONE_NEWNET) == 0 ? 'y' : 'n';
        if (write(p[1], &ok, 1) != 1)
            _exit(1);
        pause();
        _exit(0);
    }
    close(p[1]);
    j->rd = p[0];
    return true;
}

static int netns_finish(netns_job *j, wb_diag *d)
{
    int fd = -1, e = 0;
    char path[64], c;

    if (j->pid > 0 && read(j->rd, &c, 1) == 1 && c == 'y') {
        snprintf(path, sizeof path, "/proc/%d/ns/net", (int)j->pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        e = errno;
    }
    if (j->rd >= 0)
        close(j->rd);
    if (j->pid > 0) {
        kill(j->pid, SIGKILL);
        waitpid(j->pid, NULL, 0);
    }
    j->pid = -1;
    j->rd = -1;
    if (fd < 0)
        wb_diag_setf(d, WB_ERR_SANDBOX_SETUP, NULL, 0, "empty network namespace: %s",
                     strerror(e ? e : EPERM));
    return fd;
}

/* -- The pin (sandbox.h) -- */

const char *wb_sandbox_netns_pin(void)
{
    const char *e = getenv("WASMBOX_NETNS_PIN");
    if (!e)
        return WB_NETNS_PIN;
    return *e == '/' ? e : "";
}

/* The pin's directory may hold it: a real directory (not a symbolic link),
 * root's, writable by nobody else. Creates it (0700) when missing. */
static bool pin_dir_ok(const char *pin, bool create)
{
    char dir[256];
    struct stat st;
    char *slash;

    if (snprintf(dir, sizeof dir, "%s", pin) >= (int)sizeof dir || !(slash = strrchr(dir, '/')))
        return false;
    *slash = '\0';
    if (!*dir)
        return false;
    if (create && mkdir(dir, 0700) != 0 && errno != EEXIST)
        return false;
    return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == 0 &&
           !(st.st_mode & (S_IWGRP | S_IWOTH));
}

/* fd is a network namespace owned by our user namespace. */
static bool is_our_netns(int fd)
{
    struct statfs sf;
    struct stat a, b;
    int ufd;
    bool same;

    if (fstatfs(fd, &sf) != 0 || sf.f_type != NSFS_MAGIC ||
        ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET)
        return false;
    if ((ufd = ioctl(fd, NS_GET_USERNS)) < 0)
        return false;
    same = fstat(ufd, &a) == 0 && stat("/proc/self/ns/user", &b) == 0 &&
           a.st_ino == b.st_ino && a.st_dev == b.st_dev;
    close(ufd);
    return same;
}

/* The pinned namespace, or -1 (none yet, or not fit: then a fresh one). */
static int pin_open(const char *pin)
{
    int fd;

    if (!*pin || !pin_dir_ok(pin, false))
        return -1;
    if ((fd = open(pin, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        return -1;
    if (!is_our_netns(fd)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Pins the fresh namespace fd for later runs; failure only costs them
 * time. A file left from before a reboot (when /run is not a tmpfs) is
 * mounted over. */
static void pin_create(const char *pin, int fd)
{
    char src[64];
    int f;

    if (!*pin || !pin_dir_ok(pin, true))
        return;
    f = open(pin, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0400);
    if (f < 0)
        return;
    close(f);
    snprintf(src, sizeof src, "/proc/self/fd/%d", fd);
    if (mount(src, pin, NULL, MS_BIND, NULL) != 0)
        return;
    /* Nothing of it may propagate anywhere else. */
    mount(NULL, pin, NULL, MS_PRIVATE, NULL);
}

wb_err wb_sandbox_new(const wb_policy *p, const wb_sandbox_probe *probe,
                      const wb_sandbox_opts *opts, wb_sandbox **out, wb_diag *d)
{
    wb_sandbox_opts def = WB_SANDBOX_OPTS_DEFAULT;
    netns_job nj = { -1, -1 };
    const char *pin = "";
    wb_sandbox *s;
    wb_err err = WB_OK;

    *out = NULL;
    if (!(s = calloc(1, sizeof *s)))
        return wb_diag_set(d, WB_ERR_NOMEM, NULL, 0);
    s->policy = p;
    s->probe = *probe;
    s->opts = opts ? *opts : def;
    s->netns_fd = -1;
    s->sv_pid = getpid();
    for (unsigned i = 0; i < WB_POLICY_MAX_GRANTS; i++)
        s->grant_fds[i] = -1;
    s->layers = probe->available & ~s->opts.skip;
    if (!(s->layers & WB_LAYER_BIT(WB_LAYER_NAMESPACES)))
        s->layers &= ~WB_LAYER_BIT(WB_LAYER_FILESYSTEM);
    s->userns = probe->userns && (s->layers & WB_LAYER_BIT(WB_LAYER_NAMESPACES));
    s->notify = probe->notify && !s->opts.no_notify;

    for (unsigned l = 0; l < WB_LAYER__COUNT; l++) {
        if ((p->required & WB_LAYER_BIT(l)) && !(s->layers & WB_LAYER_BIT(l))) {
            err = wb_diag_setf(d, WB_ERR_SANDBOX_UNAVAILABLE, NULL, 0,
                               "policy %s requires layer %s: %s", p->name,
                               wb_layer_name((wb_layer)l),
                               (probe->available & WB_LAYER_BIT(l)) ? "disabled"
                                                                    : probe->why[l]);
            goto out;
        }
    }
    if ((p->required & WB_REQ_FS_ISOLATION) &&
        !(s->layers & (WB_LAYER_BIT(WB_LAYER_FILESYSTEM) | WB_LAYER_BIT(WB_LAYER_LANDLOCK)))) {
        err = wb_diag_setf(d, WB_ERR_SANDBOX_UNAVAILABLE, NULL, 0,
                           "policy %s requires fs-isolation (filesystem or landlock): "
                           "neither is available", p->name);
        goto out;
    }
    for (unsigned i = 0; i < p->ngrants; i++) {
        s->grant_fds[i] = open(p->grants[i].host, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s->grant_fds[i] < 0) {
            int e = errno;
            err = wb_diag_setf(d, e == ENOENT || e == ENOTDIR ? WB_ERR_NOT_FOUND : WB_ERR_IO,
                               NULL, 0, "granted directory %.80s: %s", p->grants[i].host,
                               strerror(e));
            goto out;
        }
    }
    if ((s->layers & WB_LAYER_BIT(WB_LAYER_NETWORK)) && !s->userns) {
        pin = wb_sandbox_netns_pin();
        if ((s->netns_fd = pin_open(pin)) >= 0) {
            s->netns_pinned = true;
        } else if (!netns_start(&nj)) {
            err = wb_diag_setf(d, WB_ERR_SANDBOX_SETUP, NULL, 0,
                               "empty network namespace: %s", strerror(errno));
            goto out;
        }
    }
    if (!s->opts.defer_bpf && (err = wb_sandbox_build_bpf(s, d)) != WB_OK)
        goto out;
    if (nj.pid > 0) {
        if ((s->netns_fd = netns_finish(&nj, d)) < 0) {
            err = WB_ERR_SANDBOX_SETUP;
            goto out;
        }
        pin_create(pin, s->netns_fd);
    }
    *out = s;
    s = NULL;
out:
    if (nj.pid > 0)
        netns_finish(&nj, NULL);
    wb_sandbox_free(s);
    return err;
}

wb_err wb_sandbox_build_bpf(wb_sandbox *s, wb_diag *d)
{
    wb_err err;

    if (wb_sandbox_bpf_ready(s))
        return WB_OK;
    for (unsigned ph = 0; ph < WB_PHASE__COUNT; ph++) {
        if ((err = wb_sbx_build_bpf(s->policy, (wb_phase)ph, s->notify, s->opts.relaxed,
                                    &s->bpf[ph], d)) != WB_OK) {
            for (unsigned k = 0; k <= ph; k++) {
                free(s->bpf[k].insns);
                s->bpf[k] = (wb_bpf){ 0 };
            }
            return err;
        }
    }
    return WB_OK;
}

bool wb_sandbox_bpf_ready(const wb_sandbox *s)
{
    if (!(s->layers & WB_LAYER_BIT(WB_LAYER_SECCOMP)))
        return true;
    for (unsigned ph = 0; ph < WB_PHASE__COUNT; ph++)
        if (!s->bpf[ph].insns || !s->bpf[ph].len)
            return false;
    return true;
}

/* Serialized: per phase a uint32 instruction count, then the instructions. */
size_t wb_sandbox_bpf_export(const wb_sandbox *s, void *buf, size_t size)
{
    unsigned char *o = buf;
    size_t off = 0;

    if (!wb_sandbox_bpf_ready(s) || !(s->layers & WB_LAYER_BIT(WB_LAYER_SECCOMP)))
        return 0;
    for (unsigned ph = 0; ph < WB_PHASE__COUNT; ph++) {
        uint32_t n = s->bpf[ph].len;
        size_t bytes = (size_t)n * sizeof *s->bpf[ph].insns;
        if (off + sizeof n + bytes > size)
            return 0;
        memcpy(o + off, &n, sizeof n);
        memcpy(o + off + sizeof n, s->bpf[ph].insns, bytes);
        off += sizeof n + bytes;
    }
    return off;
}

wb_err wb_sandbox_bpf_import(wb_sandbox *s, const void *buf, size_t size)
{
    const unsigned char *in = buf;
    wb_bpf got[WB_PHASE__COUNT] = { { 0 } };
    size_t off = 0;

    for (unsigned ph = 0; ph < WB_PHASE__COUNT; ph++) {
        uint32_t n;
        size_t bytes;
        if (off + sizeof n > size)
            goto bad;
        memcpy(&n, in + off, sizeof n);
        bytes = (size_t)n * sizeof *got[ph].insns;
        if (n == 0 || n > 4096 || off + sizeof n + bytes > size ||
            !(got[ph].insns = malloc(bytes)))
            goto bad;
        memcpy(got[ph].insns, in + off + sizeof n, bytes);
        got[ph].len = (unsigned short)n;
        off += sizeof n + bytes;
    }
    if (off != size)
        goto bad;
    for (unsigned ph = 0; ph < WB_PHASE__COUNT; ph++) {
        free(s->bpf[ph].insns);
        s->bpf[ph] = got[ph];
    }
    return WB_OK;
bad:
    for (unsigned ph = 0; ph < WB_PHASE__COUNT; ph++)
        free(got[ph].insns);
    return WB_ERR_SANDBOX_SETUP;
}

void wb_sandbox_free(wb_sandbox *s)
{
    if (!s)
        return;
    for (unsigned i = 0; i < WB_POLICY_MAX_GRANTS; i++)
        if (s->grant_fds[i] >= 0)
            close(s->grant_fds[i]);
    if (s->netns_fd >= 0)
        close(s->netns_fd);
    for (unsigned ph = 0; ph < WB_PHASE__COUNT; ph++)
        free(s->bpf[ph].insns);
    free(s);
}

uint32_t wb_sandbox_layers(const wb_sandbox *s)
{
    return s->layers;
}

bool wb_sandbox_uses_notify(const wb_sandbox *s)
{
    return (s->layers & WB_LAYER_BIT(WB_LAYER_SECCOMP)) && s->notify;
}

uint64_t wb_sandbox_clone_flags(const wb_sandbox *s)
{
    uint64_t f = 0;
    if (s->layers & WB_LAYER_BIT(WB_LAYER_NAMESPACES))
        f |= NS_FLAGS;
    if (s->userns) {
        f |= CLONE_NEWUSER;
        if (s->layers & WB_LAYER_BIT(WB_LAYER_NETWORK))
            f |= CLONE_NEWNET; /* a netns owned by another userns cannot be joined */
    }
    return f;
}

bool wb_sandbox_needs_idmaps(const wb_sandbox *s)
{
    return s->userns;
}

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC), e;
    ssize_t n;
    if (fd < 0)
        return errno;
    n = write(fd, text, strlen(text));
    e = errno;
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : (n < 0 ? e : EIO);
}

wb_err wb_sandbox_write_idmaps(const wb_sandbox *s, pid_t pid, wb_diag *d)
{
    char path[64], map[64];
    int e;

    (void)s;
    /* setgroups must be denied before an unprivileged gid_map write. */
    snprintf(path, sizeof path, "/proc/%d/setgroups", (int)pid);
    if ((e = write_file(path, "deny")) != 0)
        goto fail;
    snprintf(path, sizeof path, "/proc/%d/uid_map", (int)pid);
    snprintf(map, sizeof map, "0 %u 1\n", (unsigned)geteuid());
    if ((e = write_file(path, map)) != 0)
        goto fail;
    snprintf(path, sizeof path, "/proc/%d/gid_map", (int)pid);
    snprintf(map, sizeof map, "0 %u 1\n", (unsigned)getegid());
    if ((e = write_file(path, map)) != 0)
        goto fail;
    return WB_OK;
fail:
    return wb_diag_setf(d, WB_ERR_SANDBOX_SETUP, NULL, 0, "%s: %s", path, strerror(e));
}

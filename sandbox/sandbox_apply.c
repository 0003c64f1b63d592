/* sandbox_apply.c — worker side: every layer applied in the child, in the
 * order of notes/kernel-sandbox-facts.md, each checked after it is applied
 * (read back, die on a mismatch: STYLE.md 10):
 *
 *   network (setns) → empty root (tmpfs, binds, pivot_root) → fds →
 *   rlimits → capabilities + uid → no_new_privs → landlock →
 *   [caller's before_seccomp: trap handlers] → seccomp (base filter)
 *
 * Nothing here allocates after the filesystem step except libcap's small
 * cap_t objects; nothing exits: errors go back to the caller. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/magic.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/fsuid.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "sandbox/sandbox_int.h"

/* Where the new root is assembled before pivot_root. The granted dirs are
 * bound from fds opened by the supervisor, so hiding the host's /tmp under
 * this tmpfs hides no grant. */
#define NEWROOT "/tmp"

wb_err wb_sandbox_child_early(const wb_sandbox *s, wb_sandbox_failure *f)
{
    /* A dead supervisor must not leave a worker whose forbidden calls
     * would then just fail with ENOSYS instead of killing it. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
        return wb_sbx_fail(f, -1, errno, "PR_SET_PDEATHSIG");
    /* After a setuid the process is not dumpable and its /proc files are
     * root's: the supervisor could not write the id maps. */
    if (s->userns && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0)
        return wb_sbx_fail(f, -1, errno, "PR_SET_DUMPABLE");
    return WB_OK;
}

/* -- Network -- */

/* The namespace joined is empty: no interface but lo, and lo down. A pinned
 * one (sandbox.h) outlives runs, so someone could have changed it. */
static wb_err check_netns_empty(const wb_sandbox *s, wb_sandbox_failure *f)
{
    const int L = WB_LAYER_NETWORK;
    char buf[2048], what[160], hint[64] = "", *line, *save = NULL;
    struct ifreq ifr = { 0 };
    int fd, sk, n = 0;
    ssize_t len;

    if (s->netns_pinned)
        snprintf(hint, sizeof hint, " (pinned: umount %.40s)", wb_sandbox_netns_pin());
    if ((fd = open("/proc/self/net/dev", O_RDONLY | O_CLOEXEC)) < 0)
        return wb_sbx_fail(f, L, errno, "network check: /proc/self/net/dev");
    len = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (len <= 0)
        return wb_sbx_fail(f, L, len < 0 ? errno : 0, "network check: /proc/self/net/dev");
    buf[len] = '\0';
    for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *colon = strchr(line, ':');
        if (n++ < 2 || !colon)      /* two header lines */
            continue;
        *colon = '\0';
        line += strspn(line, " ");
        if (strcmp(line, "lo")) {
            snprintf(what, sizeof what, "network check: interface %.16s present%s", line,
                     hint);
            return wb_sbx_fail(f, L, 0, what);
        }
    }
    if ((sk = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
        return wb_sbx_fail(f, L, errno, "network check: socket");
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
    n = ioctl(sk, SIOCGIFFLAGS, &ifr);
    close(sk);
    if (n != 0)
        return wb_sbx_fail(f, L, errno, "network check: SIOCGIFFLAGS lo");
    if (ifr.ifr_flags & IFF_UP) {
        snprintf(what, sizeof what, "network check: lo is up%s", hint);
        return wb_sbx_fail(f, L, 0, what);
    }
    return WB_OK;
}

static wb_err apply_network(const wb_sandbox *s, wb_sandbox_failure *f)
{
    const int L = WB_LAYER_NETWORK;
    struct stat want, got;

    if (s->userns)
        return WB_OK; /* CLONE_NEWNET at clone time */
    if (setns(s->netns_fd, CLONE_NEWNET) != 0)
        return wb_sbx_fail(f, L, errno, "setns(empty netns)");
    if (fstat(s->netns_fd, &want) != 0 || stat("/proc/self/ns/net", &got) != 0)
        return wb_sbx_fail(f, L, errno, "stat netns");
    if (want.st_ino != got.st_ino || want.st_dev != got.st_dev)
        return wb_sbx_fail(f, L, 0, "network namespace check: not the empty one");
    return check_netns_empty(s, f);
}

/* -- Empty root -- */

/* Mount flags a remount must keep (locked in a user namespace). */
static unsigned long kept_flags(const char *path)
{
    struct statvfs sv;
    unsigned long fl = 0;

    if (statvfs(path, &sv) != 0)
        return 0;
    if (sv.f_flag & ST_NOSUID) fl |= MS_NOSUID;
    if (sv.f_flag & ST_NODEV) fl |= MS_NODEV;
    if (sv.f_flag & ST_NOEXEC) fl |= MS_NOEXEC;
    if (sv.f_flag & ST_NOATIME) fl |= MS_NOATIME;
    if (sv.f_flag & ST_NODIRATIME) fl |= MS_NODIRATIME;
    if (sv.f_flag & ST_RELATIME) fl |= MS_RELATIME;
    if (sv.f_flag & ST_RDONLY) fl |= MS_RDONLY;
    return fl;
}

/* mkdir -p of path (absolute) inside the tmpfs. */
static int mkdirs(char *path)
{
    for (char *c = path + 1;; c++) {
        if (*c == '/' || !*c) {
            char save = *c;
            *c = '\0';
            if (mkdir(path, 0755) != 0 && errno != EEXIST)
                return -1;
            *c = save;
            if (!save)
                return 0;
        }
    }
}

static wb_err apply_filesystem(const wb_sandbox *s, int *preopen, wb_sandbox_failure *f)
{
    const int L = WB_LAYER_FILESYSTEM;
    const unsigned long hard = MS_NOSUID | MS_NODEV | MS_NOEXEC;
    const wb_policy *p = s->policy;
    char path[1200], src[64];
    struct statfs sf;

    int src_fd[WB_POLICY_MAX_GRANTS];

    /* The supervisor's fds belong to its mount namespace, and mount(2)
     * binds only mounts of ours: reopen each grant here, and check it is
     * the very directory the supervisor opened (no swap in between). */
    for (unsigned i = 0; i < p->ngrants; i++) {
        struct stat a, b;
        src_fd[i] = open(p->grants[i].host, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (src_fd[i] < 0)
            return wb_sbx_fail(f, L, errno, "reopen of a granted dir");
        if (fstat(src_fd[i], &a) != 0 || fstat(s->grant_fds[i], &b) != 0 ||
            a.st_dev != b.st_dev || a.st_ino != b.st_ino)
            return wb_sbx_fail(f, L, 0, "check: a granted dir changed since it was opened");
    }
    /* Nothing we mount may propagate back to the host. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        return wb_sbx_fail(f, L, errno, "make / private");
    if (mount("wasmbox", NEWROOT, "tmpfs", hard, "size=64k,nr_inodes=256,mode=0755") != 0)
        return wb_sbx_fail(f, L, errno, "mount tmpfs");
    for (unsigned i = 0; i < p->ngrants; i++) {
        unsigned long fl;
        snprintf(path, sizeof path, NEWROOT "%s", p->grants[i].guest);
        snprintf(src, sizeof src, "/proc/self/fd/%d", src_fd[i]);
        if (mkdirs(path) != 0)
            return wb_sbx_fail(f, L, errno, "mkdir of a guest path");
        if (mount(src, path, NULL, MS_BIND | MS_REC, NULL) != 0)
            return wb_sbx_fail(f, L, errno, "bind mount of a granted dir");
        close(src_fd[i]);
        /* Nothing executable, no devices, no setuid through a grant; ro
         * unless granted rw. */
        fl = (kept_flags(path) & ~MS_RDONLY) | hard | (p->grants[i].write ? 0 : MS_RDONLY);
        if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | fl, NULL) != 0)
            return wb_sbx_fail(f, L, errno, "remount of a granted dir");
    }
    /* Sanitizer builds: ASan reads /proc/self/maps when a trap unwinds.
     * Only that file, bound read-only (no /proc/self/mem or fd/). */
    if (s->opts.relaxed) {
        int fd;
        if (mkdir(NEWROOT "/proc", 0555) != 0 || mkdir(NEWROOT "/proc/self", 0555) != 0 ||
            (fd = open(NEWROOT "/proc/self/maps", O_WRONLY | O_CREAT | O_CLOEXEC, 0444)) < 0)
            return wb_sbx_fail(f, L, errno, "relaxed: /proc/self/maps mount point");
        close(fd);
        if (mount("/proc/self/maps", NEWROOT "/proc/self/maps", NULL, MS_BIND, NULL) != 0 ||
            mount(NULL, NEWROOT "/proc/self/maps", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY |
                  hard | (kept_flags(NEWROOT "/proc/self/maps") & ~MS_RDONLY), NULL) != 0)
            return wb_sbx_fail(f, L, errno, "relaxed: bind /proc/self/maps");
    }
    if (chdir(NEWROOT) != 0)
        return wb_sbx_fail(f, L, errno, "chdir to the new root");
    /* pivot_root(".", "."): the old root ends up on top of the new one,
     * where it is detached at once; no directory for it is needed. */
    if (syscall(SYS_pivot_root, ".", ".") != 0)
        return wb_sbx_fail(f, L, errno, "pivot_root");
    if (umount2(".", MNT_DETACH) != 0)
        return wb_sbx_fail(f, L, errno, "detach the old root");
    if (chdir("/") != 0)
        return wb_sbx_fail(f, L, errno, "chdir /");
    if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | hard, NULL) != 0)
        return wb_sbx_fail(f, L, errno, "remount the root read-only");
    /* The worker's preopens come from the new mounts, so a ro grant is ro
     * through its descriptor too. */
    for (unsigned i = 0; i < p->ngrants; i++) {
        preopen[i] = open(p->grants[i].guest,
                          O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (preopen[i] < 0)
            return wb_sbx_fail(f, L, errno, "open of a guest dir");
        if (!p->grants[i].write) {
            struct statvfs sv;
            if (fstatvfs(preopen[i], &sv) != 0 || !(sv.f_flag & ST_RDONLY))
                return wb_sbx_fail(f, L, 0, "check: a ro grant is writable");
        }
    }
    /* Verify: root is our tmpfs, the host is gone, no /proc. */
    if (statfs("/", &sf) != 0 || sf.f_type != TMPFS_MAGIC)
        return wb_sbx_fail(f, L, 0, "check: / is not the empty tmpfs");
    if ((!s->opts.relaxed && access("/proc", F_OK) == 0) || access("/etc", F_OK) == 0)
        return wb_sbx_fail(f, L, 0, "check: host paths still visible");
    return WB_OK;
}

/* -- Descriptors -- */

#define FD_PARK 100 /* above every fixed number: WB_FD_PREOPEN + 32 grants */

static wb_err apply_fds(const wb_sandbox *s, const wb_sandbox_fds *fds, const int *preopen,
                        wb_sandbox_failure *f)
{
    const int L = WB_LAYER_FDS;
    unsigned n = s->policy->ngrants, total = WB_FD_PREOPEN + n;
    int src[WB_FD_PREOPEN + WB_POLICY_MAX_GRANTS], park[WB_FD_PREOPEN + WB_POLICY_MAX_GRANTS];

    /* A standard stream the supervisor has closed stays closed for the
     * guest, but its number must not be free (the next file opened would
     * become the worker's stdout): an O_PATH descriptor of the empty root
     * holds it; read and write on it fail with EBADF, and the WASI setup
     * sees it as closed. */
    for (int i = 0; i < 3; i++) {
        src[i] = fds->stdio[i];
        if (fcntl(src[i], F_GETFD) < 0 &&
            (src[i] = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
            return wb_sbx_fail(f, L, errno, "placeholder for a closed stdio fd");
    }
    src[WB_FD_CONTROL] = fds->control;
    /* The code fd number is never free: no file can take its place. */
    src[WB_FD_CODE] = fds->code >= 0 ? fds->code : fds->control;
    for (unsigned i = 0; i < n; i++)
        src[WB_FD_PREOPEN + i] = preopen[i];
    /* Park every source above the fixed range first, so no dup2 overwrites
     * a source still to be moved. */
    for (unsigned i = 0; i < total; i++)
        if ((park[i] = fcntl(src[i], F_DUPFD_CLOEXEC, FD_PARK)) < 0)
            return wb_sbx_fail(f, L, errno, "dup of an inherited fd");
    for (unsigned i = 0; i < total; i++)
        if (dup2(park[i], (int)i) != (int)i)
            return wb_sbx_fail(f, L, errno, "dup2 to a fixed fd");
    if (syscall(SYS_close_range, total, ~0u, 0) != 0)
        return wb_sbx_fail(f, L, errno, "close_range");
    for (unsigned i = 0; i < total; i++)
        if (fcntl((int)i, F_GETFD) < 0)
            return wb_sbx_fail(f, L, errno, "check: a fixed fd is not open");
    if (fcntl((int)total, F_GETFD) >= 0 || fcntl(FD_PARK, F_GETFD) >= 0)
        return wb_sbx_fail(f, L, 0, "check: an extra fd is still open");
    return WB_OK;
}

/* -- Resource limits -- */

static wb_err set_limit(int res, uint64_t v, const char *what, wb_sandbox_failure *f)
{
    struct rlimit cur, want, got;

    if (getrlimit(res, &cur) != 0)
        return wb_sbx_fail(f, WB_LAYER_RLIMITS, errno, what);
    want.rlim_cur = want.rlim_max = v == WB_UNLIMITED ? RLIM_INFINITY : (rlim_t)v;
    /* CPU: SIGXCPU at the soft limit (the worker reports it), SIGKILL one
     * second later. */
    if (res == RLIMIT_CPU && v != WB_UNLIMITED)
        want.rlim_max = (rlim_t)v + 1;
    /* Root without CAP_SYS_RESOURCE cannot raise a hard limit: keep the
     * lower one. */
    if (cur.rlim_max != RLIM_INFINITY &&
        (want.rlim_max == RLIM_INFINITY || want.rlim_max > cur.rlim_max))
        want.rlim_max = cur.rlim_max;
    if (want.rlim_cur > want.rlim_max)
        want.rlim_cur = want.rlim_max;
    if (setrlimit(res, &want) != 0)
        return wb_sbx_fail(f, WB_LAYER_RLIMITS, errno, what);
    if (getrlimit(res, &got) != 0 || got.rlim_cur != want.rlim_cur ||
        got.rlim_max != want.rlim_max)
        return wb_sbx_fail(f, WB_LAYER_RLIMITS, 0, what);
    return WB_OK;
}

static wb_err apply_rlimits(const wb_sandbox *s, wb_sandbox_failure *f)
{
    const wb_policy_limits *l = &s->policy->limits;
    wb_err err;

    /* Committed memory, not address space: linear memories reserve 4 GiB+
     * of PROT_NONE each, which RLIMIT_AS would count (never RLIMIT_AS). */
    if (!s->opts.relaxed && (err = set_limit(RLIMIT_DATA, l->memory, "RLIMIT_DATA", f)))
        return err;
    if ((err = set_limit(RLIMIT_NOFILE, WB_FD_PREOPEN + s->policy->ngrants + l->open_files,
                         "RLIMIT_NOFILE", f)) ||
        (err = set_limit(RLIMIT_CORE, 0, "RLIMIT_CORE", f)) ||
        (err = set_limit(RLIMIT_MEMLOCK, 0, "RLIMIT_MEMLOCK", f)) ||
        (err = set_limit(RLIMIT_FSIZE, l->file_size, "RLIMIT_FSIZE", f)))
        return err;
    /* CPU time as a backstop behind the supervisor's wall-clock limit. */
    if (l->time_ms != WB_UNLIMITED &&
        (err = set_limit(RLIMIT_CPU, l->time_ms / 1000 + 2, "RLIMIT_CPU", f)))
        return err;
    return WB_OK;
}

/* -- Capabilities, uid -- */

#define SECBITS_LOCKED 0xefu /* NOROOT, locked; NO_SETUID_FIXUP, locked (the
                              * uid switch keeps CAP_SETUID for setfsuid; every
                              * capability is dropped right after); KEEP_CAPS off,
                              * locked; NO_CAP_AMBIENT_RAISE, locked */

static wb_err apply_capabilities(const wb_sandbox *s, unsigned slot, wb_sandbox_failure *f)
{
    const int L = WB_LAYER_CAPABILITIES;
    bool privileged = s->probe.root || s->userns;
    uid_t uid = 0, ru, eu, su, fs_uid = getuid();
    gid_t gid = 0, rg, eg, sg, fs_gid = getgid();
    cap_t empty = NULL, now = NULL;
    wb_err err = WB_OK;
    int cmp;

    if (privileged) {
        for (cap_value_t c = 0; c < cap_max_bits(); c++)
            if (cap_drop_bound(c) != 0)
                return wb_sbx_fail(f, L, errno, "drop the bounding set");
        /* One call (libcap's cap_reset_ambient asks about each first). The
         * check is the empty permitted set below: the kernel keeps ambient
         * a subset of it. */
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
            return wb_sbx_fail(f, L, errno, "clear ambient capabilities");
        if (cap_set_secbits(SECBITS_LOCKED) != 0)
            return wb_sbx_fail(f, L, errno, "lock securebits");
        if (s->probe.root && !s->userns) {
            /* A uid of its own: same-uid processes may signal each other. */
            uid = WB_WORKER_UID_BASE + ((unsigned)s->sv_pid & 0xffffu) * 16u + slot % 16u;
            gid = uid;
        }
        if (setgroups(0, NULL) != 0 && !s->userns)
            return wb_sbx_fail(f, L, errno, "setgroups");
        if (setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0)
            return wb_sbx_fail(f, L, errno, "setresuid/setresgid");
        /* Files are the user's: with a uid of its own, the worker reaches
         * the granted directories with the supervisor's uid/gid as its
         * filesystem identity (what it creates is the user's; a directory
         * only its owner may write stays writable), without any
         * capability, so permissions still apply and landlock and the
         * empty root bound where. Signals and ptrace go by the worker's
         * own uid. (In a user namespace root inside is the user already.) */
        if (uid != 0) {
            setfsgid(fs_gid);
            setfsuid(fs_uid);
        } else {
            fs_uid = uid;
            fs_gid = gid;
        }
    }
    if (!(empty = cap_init()))
        return wb_sbx_fail(f, L, errno, "cap_init");
    if (cap_set_proc(empty) != 0) {
        err = wb_sbx_fail(f, L, errno, "cap_set_proc(empty)");
        goto out;
    }
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        err = wb_sbx_fail(f, L, errno, "PR_SET_DUMPABLE 0");
        goto out;
    }
    /* Read everything back. */
    if (!(now = cap_get_proc()) || (cmp = cap_compare(now, empty)) != 0) {
        err = wb_sbx_fail(f, L, 0, "check: capability sets not empty");
        goto out;
    }
    if (privileged) {
        for (cap_value_t c = 0; c < cap_max_bits(); c++)
            if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) != 0) {
                err = wb_sbx_fail(f, L, 0, "check: bounding set not empty");
                goto out;
            }
        if ((unsigned)prctl(PR_GET_SECUREBITS, 0, 0, 0, 0) != SECBITS_LOCKED) {
            err = wb_sbx_fail(f, L, 0, "check: securebits not locked");
            goto out;
        }
        if (getresuid(&ru, &eu, &su) != 0 || ru != uid || eu != uid || su != uid ||
            getresgid(&rg, &eg, &sg) != 0 || rg != gid || eg != gid || sg != gid) {
            err = wb_sbx_fail(f, L, 0, "check: uid/gid not switched");
            goto out;
        }
        if ((uid_t)setfsuid((uid_t)-1) != fs_uid || (gid_t)setfsgid((gid_t)-1) != fs_gid) {
            err = wb_sbx_fail(f, L, 0, "check: filesystem uid/gid not the user's");
            goto out;
        }
        if (uid != 0 && setuid(0) == 0) {
            err = wb_sbx_fail(f, L, 0, "check: setuid(0) succeeded");
            goto out;
        }
    }
    if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
        err = wb_sbx_fail(f, L, 0, "check: still dumpable");
out:
    cap_free(now);
    cap_free(empty);
    return err;
}

/* -- no_new_privs -- */

static wb_err apply_nnp(wb_sandbox_failure *f)
{
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return wb_sbx_fail(f, WB_LAYER_NO_NEW_PRIVS, errno, "PR_SET_NO_NEW_PRIVS");
    if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
        return wb_sbx_fail(f, WB_LAYER_NO_NEW_PRIVS, 0, "check: no_new_privs not set");
    return WB_OK;
}

/* -- All of them -- */

wb_err wb_sandbox_apply(const wb_sandbox *s, const wb_sandbox_fds *fds, unsigned slot,
                        void (*before_seccomp)(void *), void *arg, int *listener,
                        uint32_t *active, wb_sandbox_failure *f)
{
    int preopen[WB_POLICY_MAX_GRANTS];
    uint32_t on = s->layers, done = 0;
    wb_err err;

    *listener = -1;
    *active = 0;
    memcpy(preopen, s->grant_fds, sizeof preopen);
    if (on & WB_LAYER_BIT(WB_LAYER_NAMESPACES))
        done |= WB_LAYER_BIT(WB_LAYER_NAMESPACES); /* by clone3 */
    if ((on & WB_LAYER_BIT(WB_LAYER_NETWORK))) {
        if ((err = apply_network(s, f)))
            return err;
        done |= WB_LAYER_BIT(WB_LAYER_NETWORK);
    }
    if (on & WB_LAYER_BIT(WB_LAYER_FILESYSTEM)) {
        if ((err = apply_filesystem(s, preopen, f)))
            return err;
        done |= WB_LAYER_BIT(WB_LAYER_FILESYSTEM);
    }
    if (on & WB_LAYER_BIT(WB_LAYER_FDS)) {
        if ((err = apply_fds(s, fds, preopen, f)))
            return err;
        done |= WB_LAYER_BIT(WB_LAYER_FDS);
    }
    if (on & WB_LAYER_BIT(WB_LAYER_RLIMITS)) {
        if ((err = apply_rlimits(s, f)))
            return err;
        done |= WB_LAYER_BIT(WB_LAYER_RLIMITS);
    }
    if (on & WB_LAYER_BIT(WB_LAYER_CAPABILITIES)) {
        if ((err = apply_capabilities(s, slot, f)))
            return err;
        done |= WB_LAYER_BIT(WB_LAYER_CAPABILITIES);
    }
    if (on & WB_LAYER_BIT(WB_LAYER_NO_NEW_PRIVS)) {
        if ((err = apply_nnp(f)))
            return err;
        done |= WB_LAYER_BIT(WB_LAYER_NO_NEW_PRIVS);
    }
    if (on & WB_LAYER_BIT(WB_LAYER_LANDLOCK)) {
        if ((err = wb_sbx_apply_landlock(s, f)))
            return err;
        done |= WB_LAYER_BIT(WB_LAYER_LANDLOCK);
    }
    if (before_seccomp)
        before_seccomp(arg);
    if (on & WB_LAYER_BIT(WB_LAYER_SECCOMP)) {
        int fd;
        if (!(done & WB_LAYER_BIT(WB_LAYER_NO_NEW_PRIVS)) && !s->probe.root)
            return wb_sbx_fail(f, WB_LAYER_SECCOMP, EPERM, "seccomp needs no_new_privs");
        if (!wb_sandbox_bpf_ready(s))
            return wb_sbx_fail(f, WB_LAYER_SECCOMP, 0, "no filter (never received)");
        fd = wb_sbx_install_bpf(&s->bpf[WB_PHASE_COMPILE],
                                s->notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0);
        /* The kernel's answer is the check: prctl(PR_GET_SECCOMP) is not in
         * the allowlist, and the supervisor reads Seccomp: 2 from
         * /proc/PID/status anyway. */
        if (fd < 0)
            return wb_sbx_fail(f, WB_LAYER_SECCOMP, errno, "seccomp(SET_MODE_FILTER)");
        *listener = s->notify ? fd : -1;
        done |= WB_LAYER_BIT(WB_LAYER_SECCOMP);
    }
    *active = done;
    return WB_OK;
}

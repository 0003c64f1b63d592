/* test_sandbox_escape.c — escape tests: every probe of tests/sandbox/probes.h
 * runs as native code in a fully confined worker, once with a root
 * supervisor and once with a supervisor that setuid'd to 65534 first, and
 * must fail (errno) or get the worker killed; plus the supervisor's
 * outcomes: named violations, limits, timeouts, signals, exit codes. Each
 * test prints how the attempt was stopped. */
#include "tests/sandbox/probes.h"

#include <grp.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "wb_exit.h"

#define NOBODY 65534

/* -- Fixture: a directory tree every user can read -- */

static char root_dir[32], grant_dir[64], work_dir[64], secret[64];

static void put_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    fchmod(fd, mode);
    close(fd);
}

static int fixture_up(void **state)
{
    char p[256];
    (void)state;
    snprintf(root_dir, sizeof root_dir, "/tmp/wb-escape-XXXXXX");
    if (!mkdtemp(root_dir))
        return -1;
    chmod(root_dir, 0755);
    snprintf(grant_dir, sizeof grant_dir, "%s/grant", root_dir);
    snprintf(work_dir, sizeof work_dir, "%s/work", root_dir);
    snprintf(secret, sizeof secret, "%s/secret", root_dir);
    mkdir(grant_dir, 0777);
    chmod(grant_dir, 0777);
    put_file(secret, "secret", 0644);
    snprintf(p, sizeof p, "%s/file", grant_dir);
    put_file(p, "hello", 0666);
    snprintf(p, sizeof p, "%s/link-rel", grant_dir);
    symlink("../secret", p);
    snprintf(p, sizeof p, "%s/link-abs", grant_dir);
    symlink(secret, p);
    snprintf(p, sizeof p, "%s/link-etc", grant_dir);
    symlink("/etc/passwd", p);
    return 0;
}

static int fixture_down(void **state)
{
    char cmd[128];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* -- Policies -- */

enum { POL_STRICT, POL_RO, POL_RW, POL_LIMITS, POL_TIMEOUT };

static wb_policy *make_policy(int kind)
{
    char text[1024];
    wb_policy_errors errs;
    wb_policy *p = NULL;

    /* a fresh work dir per run, so the rw tests start empty */
    if (kind == POL_LIMITS || kind == POL_RW) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -m 0777 '%s' && chmod 0777 '%s'",
                 work_dir, work_dir, work_dir);
        if (system(cmd) != 0)
            return NULL;
        snprintf(text, sizeof text, "%s/file", work_dir);
        put_file(text, "hello", 0666);
    }
    switch (kind) {
    case POL_STRICT:
        wb_policy_preset("strict", &p);
        return p;
    case POL_RO:
        snprintf(text, sizeof text, "base standard\nname grant-ro\ndir %s /data ro\n", grant_dir);
        break;
    case POL_RW:
        snprintf(text, sizeof text, "base standard\nname grant-rw\ndir %s /data rw\n", work_dir);
        break;
    case POL_LIMITS:
        snprintf(text, sizeof text, "base standard\nname limits\ndir %s /data rw\n"
                 "limit memory 64M\nlimit open-files 16\nlimit file-size 1M\n", work_dir);
        break;
    case POL_TIMEOUT:
        snprintf(text, sizeof text, "base strict\nname quick\nlimit time 300ms\n");
        break;
    }
    if (wb_policy_parse(text, strlen(text), "test.policy", &p, &errs) != WB_OK)
        return NULL;
    return p;
}

/* -- Running one probe -- */

#define F_SIBLING  0x1u  /* start another confined worker first */
#define F_CODEFD   0x2u  /* hand a sealed code memfd to the worker */
#define F_STATUS   0x4u  /* read /proc/PID/status of the confined worker */
#define F_NO_RELAX 0x8u  /* meaningless with the relaxed sanitizer filter */

typedef struct result {
    wb_outcome o;
    wb_err err;
    int status_ok;          /* F_STATUS: 1 if CapEff 0, NoNewPrivs 1, Seccomp 2 */
    char status[160];
    char precondition[200]; /* non-empty: the uid 65534 setup was impossible */
} result;


static void read_status(void *arg, pid_t pid)
{
    char path[64], buf[4096];
    unsigned long long capeff = ~0ull;
    int nnp = -1, sc = -1, fd;
    ssize_t n;
    result *r = arg;

    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    if ((fd = open(path, O_RDONLY)) < 0)
        return;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return;
    buf[n] = '\0';
    for (char *l = buf; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        sscanf(l, "CapEff: %llx", &capeff);
        sscanf(l, "NoNewPrivs: %d", &nnp);
        sscanf(l, "Seccomp: %d", &sc);
    }
    snprintf(r->status, sizeof r->status, "CapEff %llx, NoNewPrivs %d, Seccomp %d",
             capeff, nnp, sc);
    r->status_ok = capeff == 0 && nnp == 1 && sc == 2;
}

static int sealed_memfd(void)
{
    static char page[4096];
    int fd = (int)syscall(SYS_memfd_create, "code", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0 || write(fd, page, sizeof page) != (ssize_t)sizeof page ||
        fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0)
        return -1;
    return fd;
}

static int long_sleep(void *a, const wb_worker_ctx *c)
{
    struct timespec ts = { 10, 0 };
    (void)a; (void)c;
    clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
    return 0;
}

static void report_pid(void *arg, pid_t pid)
{
    int fd = *(int *)arg;
    if (write(fd, &pid, sizeof pid) != sizeof pid)
        _exit(1);
}

/* A helper process supervising a sleeping worker; *sibling gets the
 * worker's pid. Killing the helper kills the worker (PDEATHSIG). */
static pid_t start_sibling(pid_t *sibling)
{
    int p[2];
    pid_t h;

    if (pipe(p) != 0)
        return -1;
    if ((h = fork()) == 0) {
        wb_policy *pol = make_policy(POL_STRICT);
        wb_worker_spec spec = { .fn = long_sleep, .stdio = { -1, -1, -1 }, .code_fd = -1,
                                .slot = 1, .on_confined = report_pid, .on_confined_arg = &p[1] };
        wb_outcome o;
        close(p[0]);
        wb_supervise(pol, &spec, &o, NULL);
        _exit(0);
    }
    close(p[1]);
    if (read(p[0], sibling, sizeof *sibling) != sizeof *sibling)
        *sibling = 0;
    close(p[0]);
    return h;
}

/* Runs fn under p (owned: freed here) in this process. */
static void run_with(wb_policy *p, wb_worker_fn fn, unsigned flags, result *r,
                     const wb_sandbox_opts *opts)
{
    static probe_env env;
    wb_worker_spec spec = { .fn = fn, .arg = &env, .stdio = { -1, -1, -1 }, .code_fd = -1 };
    wb_supervisor *sv = NULL;
    pid_t helper = 0;

    memset(r, 0, sizeof *r);
    memset(&env, 0, sizeof env);
    env.supervisor = getpid();
    snprintf(env.host_secret, sizeof env.host_secret, "%s", secret);
    if (!p) {
        r->err = WB_ERR_INTERNAL;
        return;
    }
    if (flags & F_CODEFD)
        spec.code_fd = sealed_memfd();
    if (flags & F_STATUS) {
        spec.on_confined = read_status;
        spec.on_confined_arg = r;
    }
    if (flags & F_SIBLING)
        helper = start_sibling(&env.sibling);
    if ((r->err = wb_supervisor_new(p, opts, &sv, NULL)) == WB_OK)
        r->err = wb_supervisor_run(sv, &spec, &r->o, NULL);
    if (helper > 0) {
        /* the sibling must have survived the attack */
        if (env.sibling <= 0 || kill(env.sibling, 0) != 0)
            r->o.kind = WB_OUTCOME_EXITED, r->o.code = P_ESCAPED;
        kill(helper, SIGKILL);
        waitpid(helper, NULL, 0);
    }
    if (spec.code_fd >= 0)
        close(spec.code_fd);
    wb_supervisor_free(sv);
    wb_policy_free(p);
}

static void run_here(int pol_kind, wb_worker_fn fn, unsigned flags, result *r,
                     const wb_sandbox_opts *opts)
{
    run_with(make_policy(pol_kind), fn, flags, r, opts);
}

/* -- A filesystem view uid 65534 can traverse --
 *
 * On our machines the host's / is mode 0700 root, so after setuid(65534)
 * no absolute path resolves: the supervisor could not read /proc/PID/status
 * or open its grants. The forked parent (still root) therefore builds a
 * private mount namespace: a 0755 tmpfs root holding bind mounts of what an
 * unprivileged supervisor needs, and pivot_roots into it before dropping
 * to 65534. The host is not changed. Returns NULL, or what failed (the
 * test then reports the precondition as impossible: it never skips). */

static const char *const view_dirs[] = { "/usr", "/lib", "/lib32", "/lib64", "/libx32",
                                         "/bin", "/sbin", "/etc", "/dev", "/proc", "/tmp" };

static const char *bind_into(const char *root, const char *path, char *why, size_t size)
{
    char dst[PATH_MAX], link[PATH_MAX];
    struct stat st;
    ssize_t n;

    if (lstat(path, &st) != 0)
        return NULL;                       /* absent on this host: nothing to bind */
    snprintf(dst, sizeof dst, "%s%s", root, path);
    for (char *c = dst + strlen(root) + 1; *c; c++) {   /* mkdir -p of the parents */
        if (*c != '/')
            continue;
        *c = '\0';
        mkdir(dst, 0755);
        *c = '/';
    }
    if (S_ISLNK(st.st_mode)) {             /* /lib -> usr/lib on merged-/usr hosts */
        if ((n = readlink(path, link, sizeof link - 1)) < 0)
            goto fail;
        link[n] = '\0';
        if (symlink(link, dst) != 0 && errno != EEXIST)
            goto fail;
        return NULL;
    }
    if (!S_ISDIR(st.st_mode) || (mkdir(dst, 0755) != 0 && errno != EEXIST) ||
        mount(path, dst, NULL, MS_BIND | MS_REC, NULL) != 0)
        goto fail;
    return NULL;
fail:
    snprintf(why, size, "bind %s: %s", path, strerror(errno));
    return why;
}

static const char *enter_private_root(char *why, size_t size)
{
    char nr[128], exe[PATH_MAX], cwd[PATH_MAX];
    const char *w;
    ssize_t n;

    snprintf(nr, sizeof nr, "%s/view", root_dir);
    if (unshare(CLONE_NEWNS) != 0)
        return snprintf(why, size, "unshare(CLONE_NEWNS): %s", strerror(errno)), why;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        return snprintf(why, size, "make / private: %s", strerror(errno)), why;
    if ((mkdir(nr, 0755) != 0 && errno != EEXIST) ||
        mount("wb-view", nr, "tmpfs", MS_NOSUID, "mode=0755,size=64k") != 0)
        return snprintf(why, size, "tmpfs root at %.80s: %s", nr, strerror(errno)), why;
    for (size_t i = 0; i < sizeof view_dirs / sizeof view_dirs[0]; i++)
        if ((w = bind_into(nr, view_dirs[i], why, size)))
            return w;
    /* the test binary's directory and the repository (cwd), wherever they are */
    if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) > 0) {
        exe[n] = '\0';
        *strrchr(exe, '/') = '\0';
        if (*exe && (w = bind_into(nr, exe, why, size)))
            return w;
    }
    if (getcwd(cwd, sizeof cwd) && strcmp(cwd, "/") && (w = bind_into(nr, cwd, why, size)))
        return w;
    if (chdir(nr) != 0 || syscall(SYS_pivot_root, ".", ".") != 0 ||
        umount2(".", MNT_DETACH) != 0)
        return snprintf(why, size, "pivot_root into %.80s: %s", nr, strerror(errno)), why;
    if (chdir(*cwd ? cwd : "/") != 0 && chdir("/") != 0)
        return snprintf(why, size, "chdir: %s", strerror(errno)), why;
    return NULL;
}

/* After the drop: what the unprivileged supervisor must be able to reach. */
static const char *check_nobody_view(char *why, size_t size)
{
    char p[128];
    snprintf(p, sizeof p, "/proc/%d/status", (int)getpid());
    if (access(p, R_OK) != 0)
        return snprintf(why, size, "uid %d cannot read %s: %s", NOBODY, p,
                        strerror(errno)), why;
    if (access(grant_dir, R_OK | X_OK) != 0)
        return snprintf(why, size, "uid %d cannot open %s: %s", NOBODY, grant_dir,
                        strerror(errno)), why;
    return NULL;
}

/* The same, from a forked parent that became uid 65534 first (the policy
 * and its directories are prepared as root before). */
static void run_as_nobody(int pol_kind, wb_worker_fn fn, unsigned flags, result *r)
{
    wb_policy *pol = make_policy(pol_kind);
    int p[2], st;
    pid_t pid;

    memset(r, 0, sizeof *r);
    assert_int_equal(pipe(p), 0);
    if ((pid = fork()) == 0) {
        result rr;
        const char *why;
        close(p[0]);
        memset(&rr, 0, sizeof rr);
        if ((why = enter_private_root(rr.precondition, sizeof rr.precondition)))
            goto pre;
        if (setgroups(0, NULL) != 0 || setresgid(NOBODY, NOBODY, NOBODY) != 0 ||
            setresuid(NOBODY, NOBODY, NOBODY) != 0) {
            snprintf(rr.precondition, sizeof rr.precondition, "setresuid(%d): %s", NOBODY,
                     strerror(errno));
            goto pre;
        }
        if (check_nobody_view(rr.precondition, sizeof rr.precondition))
            goto pre;
        run_with(pol, fn, flags, &rr, NULL);
        if (0) {
pre:
            rr.err = WB_ERR_INTERNAL;
        }
        if (write(p[1], &rr, sizeof rr) != sizeof rr)
            _exit(4);
        _exit(0);
    }
    close(p[1]);
    wb_policy_free(pol);
    if (read(p[0], r, sizeof *r) != sizeof *r)
        r->err = WB_ERR_INTERNAL;
    close(p[0]);
    waitpid(pid, &st, 0);
}

/* -- The probe table -- */

#define OK_BLOCKED 0x1u   /* the payload saw an expected errno */
#define OK_KILLED  0x2u   /* forbidden syscall named by the supervisor */
#define OK_SIGSYS  0x4u   /* killed by a KILL rule (run phase, foreign ABI) */
#define OK_LIMIT   0x8u   /* stopped by a resource limit */
#define OK_ZERO    0x10u  /* positive control: payload returned 0 */
#define DENY_ANY   (OK_BLOCKED | OK_KILLED | OK_SIGSYS)

typedef struct probe {
    const char *name;
    wb_worker_fn fn;
    int policy;
    unsigned ok;
    unsigned flags;
    const char *syscall;  /* when killed, the name the supervisor must report */
} probe;

static const probe probes[] = {
    { "grant_works", pr_grant_works, POL_RW, OK_ZERO, 0, NULL },
    { "wx_compile_works", pr_wx_compile_works, POL_STRICT, OK_ZERO, 0, NULL },
    { "status_confined", pr_sleep, POL_STRICT, OK_ZERO, F_STATUS, NULL },
    { "open_etc_passwd", pr_open_passwd, POL_STRICT, OK_BLOCKED, 0, NULL },
    { "dotdot_out_of_grant", pr_dotdot, POL_RO, OK_BLOCKED, 0, NULL },
    { "symlinks_out_of_grant", pr_symlink, POL_RO, OK_BLOCKED, 0, NULL },
    { "write_ro_grant", pr_write_ro, POL_RO, OK_BLOCKED, 0, NULL },
    { "proc_self_mem_and_fd", pr_proc_self, POL_STRICT, OK_BLOCKED, F_CODEFD, NULL },
    { "write_code_memfd", pr_code_memfd_write, POL_STRICT, OK_BLOCKED, F_CODEFD, NULL },
    { "socket_tcp", pr_socket_tcp, POL_STRICT, OK_KILLED, 0, "socket" },
    { "socket_udp", pr_socket_udp, POL_STRICT, OK_KILLED, 0, "socket" },
    { "socket_unix", pr_socket_unix, POL_STRICT, OK_KILLED, 0, "socket" },
    { "connect_abstract_to_supervisor", pr_connect_abstract, POL_STRICT, OK_KILLED, 0, "connect" },
    { "connect_tcp_loopback", pr_connect_tcp, POL_STRICT, OK_KILLED, 0, "connect" },
    { "execve", pr_execve, POL_STRICT, OK_KILLED, 0, "execve" },
    { "fork", pr_fork, POL_STRICT, OK_KILLED, 0, "fork" },
    { "clone", pr_clone, POL_STRICT, OK_KILLED, 0, "clone" },
    { "clone3", pr_clone3, POL_STRICT, OK_KILLED, 0, "clone3" },
    { "ptrace_supervisor", pr_ptrace_sv, POL_STRICT, OK_KILLED, 0, "ptrace" },
    { "kill_supervisor", pr_kill_sv, POL_STRICT, OK_KILLED, 0, "kill" },
    { "tgkill_supervisor", pr_tgkill_sv, POL_STRICT, OK_KILLED, 0, "tgkill" },
    { "pidfd_open_supervisor", pr_pidfd_open_sv, POL_STRICT, OK_KILLED, 0, "pidfd_open" },
    { "pidfd_send_signal", pr_pidfd_signal_sv, POL_STRICT, OK_KILLED, 0, "pidfd_send_signal" },
    { "kill_sibling_worker", pr_kill_sibling, POL_STRICT, OK_KILLED, F_SIBLING, "kill" },
    { "ptrace_sibling_worker", pr_ptrace_sibling, POL_STRICT, OK_KILLED, F_SIBLING, "ptrace" },
    { "process_vm_writev", pr_process_vm_writev, POL_STRICT, OK_KILLED, 0, "process_vm_writev" },
    { "mount", pr_mount, POL_STRICT, OK_KILLED, 0, "mount" },
    { "umount", pr_umount, POL_STRICT, OK_KILLED, 0, "umount2" },
    { "pivot_root", pr_pivot_root, POL_STRICT, OK_KILLED, 0, "pivot_root" },
    { "unshare", pr_unshare, POL_STRICT, OK_KILLED, 0, "unshare" },
    { "setns", pr_setns, POL_STRICT, OK_KILLED, 0, "setns" },
    { "chroot", pr_chroot, POL_STRICT, OK_KILLED, 0, "chroot" },
    { "setuid0", pr_setuid0, POL_STRICT, OK_KILLED, 0, "setuid" },
    { "capset", pr_capset, POL_STRICT, OK_KILLED, 0, "capset" },
    { "mprotect_sealed_code_writable", pr_mprotect_code_writable, POL_STRICT, OK_BLOCKED, 0, NULL },
    { "mprotect_rwx", pr_mprotect_rwx, POL_STRICT, OK_KILLED, 0, "mprotect" },
    { "mmap_rwx", pr_mmap_rwx, POL_STRICT, OK_KILLED, 0, "mmap" },
    { "mmap_shared_anon", pr_mmap_shared, POL_STRICT, OK_KILLED, 0, "mmap" },
    { "mprotect_rw_to_rx_run_phase", pr_mprotect_rw_rx_run, POL_STRICT, OK_SIGSYS, 0, NULL },
    { "mmap_rx_run_phase", pr_mmap_rx_run, POL_STRICT, OK_SIGSYS, 0, NULL },
    { "memfd_create", pr_memfd_create, POL_STRICT, OK_KILLED, 0, "memfd_create" },
    { "shm_open", pr_shm_open, POL_STRICT, OK_BLOCKED, 0, NULL },
    { "io_uring_setup", pr_io_uring, POL_STRICT, OK_KILLED, 0, "io_uring_setup" },
    { "bpf", pr_bpf, POL_STRICT, OK_KILLED, 0, "bpf" },
    { "userfaultfd", pr_userfaultfd, POL_STRICT, OK_KILLED, 0, "userfaultfd" },
    { "perf_event_open", pr_perf_event_open, POL_STRICT, OK_KILLED, 0, "perf_event_open" },
    { "keyctl", pr_keyctl, POL_STRICT, OK_KILLED, 0, "keyctl" },
    { "add_key", pr_add_key, POL_STRICT, OK_KILLED, 0, "add_key" },
    { "personality", pr_personality, POL_STRICT, OK_KILLED, 0, "personality" },
    { "kexec_load", pr_kexec_load, POL_STRICT, OK_KILLED, 0, "kexec_load" },
    { "init_module", pr_init_module, POL_STRICT, OK_KILLED, 0, "init_module" },
    { "ioctl_tiocsti", pr_tiocsti, POL_STRICT, OK_KILLED, 0, "ioctl" },
    { "ioctl_tiocsti_high_bits", pr_tiocsti_high, POL_STRICT, OK_KILLED, 0, "ioctl" },
    { "int80_i386_abi", pr_int80, POL_STRICT, OK_SIGSYS, 0, NULL },
    { "memory_beyond_limit", pr_memory, POL_LIMITS, OK_BLOCKED, F_NO_RELAX, NULL },
    { "fds_beyond_limit", pr_fds, POL_LIMITS, OK_BLOCKED, 0, NULL },
    { "write_beyond_fsize", pr_fsize, POL_LIMITS, OK_LIMIT, 0, NULL },
};
#define NPROBES (sizeof probes / sizeof probes[0])

typedef struct tcase {
    const probe *p;
    bool nobody;
} tcase;

static const char *how(const result *r, char *buf, size_t size)
{
    switch (r->o.kind) {
    case WB_OUTCOME_EXITED:
        snprintf(buf, size, r->o.code == P_BLOCKED ? "failed with an expected errno" :
                 r->o.code == 0 ? "worked (control)" : "payload returned %d", r->o.code);
        break;
    default:
        wb_outcome_message(&r->o, buf, size);
    }
    return buf;
}

static void test_probe(void **state)
{
    const tcase *tc = *state;
    const probe *p = tc->p;
    char msg[320];
    unsigned got = 0;
    result r;

    if ((p->flags & F_NO_RELAX) && WB_SANDBOX_RELAXED) {
        print_message("    %s: not run in a sanitizer build: the relaxed worker has no "
                      "RLIMIT_DATA (ASan's shadow memory would exceed it)\n", p->name);
        skip();
    }
    if (tc->nobody)
        run_as_nobody(p->policy, p->fn, p->flags, &r);
    else
        run_here(p->policy, p->fn, p->flags, &r, NULL);
    if (r.precondition[0])
        fail_msg("%s (uid %d): precondition impossible: %s", p->name, NOBODY, r.precondition);
    if (r.err != WB_OK)
        fail_msg("%s: no worker started: %s (0x%x)", p->name, wb_err_message(r.err), r.err);
    switch (r.o.kind) {
    case WB_OUTCOME_EXITED:
        got = r.o.code == P_BLOCKED ? OK_BLOCKED : r.o.code == 0 ? OK_ZERO : 0;
        break;
    case WB_OUTCOME_VIOLATION:
        got = OK_KILLED;
        if (p->syscall && strcmp(p->syscall, r.o.syscall_name))
            fail_msg("%s: killed for %s, expected %s", p->name, r.o.syscall_name, p->syscall);
        break;
    case WB_OUTCOME_SECCOMP_KILL: got = OK_SIGSYS; break;
    case WB_OUTCOME_LIMIT: got = OK_LIMIT; break;
    default: got = 0;
    }
    print_message("    %s (%s): %s\n", p->name, tc->nobody ? "uid 65534" : "root",
                  how(&r, msg, sizeof msg));
    if (p->flags & F_STATUS) {
        print_message("    /proc/PID/status: %s\n", r.status);
        assert_true(r.status_ok);
    }
    if (!(got & p->ok))
        fail_msg("%s not stopped as expected: %s", p->name, msg);
}

/* -- Outcomes: messages and exit statuses -- */

static int exits_7(void *a, const wb_worker_ctx *c)
{
    (void)a; (void)c;
    return 7;
}

static void test_violation_message(void **state)
{
    char msg[256];
    result r;
    (void)state;
    run_here(POL_STRICT, pr_forbidden_socket_named, 0, &r, NULL);
    assert_int_equal(r.o.kind, WB_OUTCOME_VIOLATION);
    assert_int_equal(wb_outcome_exit_status(&r.o), WB_EXIT_VIOLATION);
    assert_string_equal(wb_outcome_message(&r.o, msg, sizeof msg),
                        "policy violation: worker attempted forbidden syscall socket (41) "
                        "under policy strict");
}

static void test_fsize_limit_status(void **state)
{
    char msg[256];
    result r;
    (void)state;
    run_here(POL_LIMITS, pr_fsize, 0, &r, NULL);
    assert_int_equal(r.o.kind, WB_OUTCOME_LIMIT);
    assert_int_equal(wb_outcome_exit_status(&r.o), WB_EXIT_LIMIT);
    assert_string_equal(wb_outcome_message(&r.o, msg, sizeof msg),
                        "resource limit: file size limit (1M) exceeded");
}

static void test_timeout(void **state)
{
    char msg[256];
    result r;
    (void)state;
    run_here(POL_TIMEOUT, long_sleep, 0, &r, NULL);
    assert_int_equal(r.o.kind, WB_OUTCOME_TIMEOUT);
    assert_int_equal(wb_outcome_exit_status(&r.o), WB_EXIT_TIMEOUT);
    assert_string_equal(wb_outcome_message(&r.o, msg, sizeof msg),
                        "timed out after 300ms");
}

static void test_exit_code_passes_through(void **state)
{
    result r;
    (void)state;
    run_here(POL_STRICT, exits_7, 0, &r, NULL);
    assert_int_equal(r.o.kind, WB_OUTCOME_EXITED);
    assert_int_equal(wb_outcome_exit_status(&r.o), 7);
}

static void raise_term(void *arg, pid_t pid)
{
    (void)arg;
    (void)pid;
    kill(getpid(), SIGTERM); /* blocked: reaches the supervisor's signalfd */
}

static void test_sigterm_forwarded(void **state)
{
    wb_worker_spec spec = { .fn = long_sleep, .stdio = { -1, -1, -1 }, .code_fd = -1,
                            .on_confined = raise_term };
    wb_policy *p = make_policy(POL_STRICT);
    wb_outcome o;
    (void)state;
    assert_int_equal(wb_supervise(p, &spec, &o, NULL), WB_OK);
    assert_int_equal(o.kind, WB_OUTCOME_SIGNALED);
    assert_int_equal(wb_outcome_exit_status(&o), 128 + SIGTERM);
    wb_policy_free(p);
}

static void test_kill_mode_without_notify(void **state)
{
    wb_sandbox_opts opts = WB_SANDBOX_OPTS_DEFAULT;
    result r;
    (void)state;
    opts.no_notify = true;
    run_here(POL_STRICT, pr_socket_tcp, 0, &r, &opts);
    assert_int_equal(r.o.kind, WB_OUTCOME_SECCOMP_KILL);
    assert_int_equal(wb_outcome_exit_status(&r.o), WB_EXIT_VIOLATION);
}

static void test_required_layer_missing_refuses(void **state)
{
    wb_sandbox_opts opts = WB_SANDBOX_OPTS_DEFAULT;
    wb_policy *p = make_policy(POL_STRICT);
    wb_supervisor *sv = NULL;
    wb_diag d = { 0 };
    (void)state;
    opts.skip = WB_LAYER_BIT(WB_LAYER_SECCOMP);
    assert_int_equal(wb_supervisor_new(p, &opts, &sv, &d), WB_ERR_SANDBOX_UNAVAILABLE);
    assert_non_null(strstr(d.detail, "requires layer seccomp"));
    /* permissive requires nothing: it runs without seccomp */
    wb_policy_free(p);
    wb_policy_preset("permissive", &p);
    assert_int_equal(wb_supervisor_new(p, &opts, &sv, &d), WB_OK);
    wb_supervisor_free(sv);
    wb_policy_free(p);
}

static void test_missing_grant_dir(void **state)
{
    const char *text = "dir /nonexistent/wasmbox-x /data ro\n";
    wb_policy *p = NULL;
    wb_supervisor *sv = NULL;
    wb_diag d = { 0 };
    (void)state;
    assert_int_equal(wb_policy_parse(text, strlen(text), "t.policy", &p, NULL), WB_OK);
    assert_int_equal(wb_supervisor_new(p, NULL, &sv, &d), WB_ERR_NOT_FOUND);
    assert_non_null(strstr(d.detail, "/nonexistent/wasmbox-x"));
    wb_policy_free(p);
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Measured cost: a fully confined spawn vs fork+exit+wait. Prints only. */
static void test_spawn_cost(void **state)
{
    wb_policy *p = make_policy(POL_STRICT);
    wb_worker_spec spec = { .fn = exits_7, .stdio = { -1, -1, -1 }, .code_fd = -1 };
    wb_supervisor *sv = NULL;
    uint64_t t0, fork_us, conf_us, spawn_us = 0;
    const int n = 50;
    wb_outcome o;
    (void)state;

    t0 = now_us();
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(0);
        waitpid(pid, NULL, 0);
    }
    fork_us = (now_us() - t0) / n;
    assert_int_equal(wb_supervisor_new(p, NULL, &sv, NULL), WB_OK);
    t0 = now_us();
    for (int i = 0; i < n; i++) {
        assert_int_equal(wb_supervisor_run(sv, &spec, &o, NULL), WB_OK);
        assert_int_equal(o.code, 7);
        spawn_us += o.spawn_us;
    }
    conf_us = (now_us() - t0) / n;
    print_message("    spawn cost (mean of %d): fork+exit+wait %llu us; confined worker "
                  "(strict, all layers) clone3->confined %llu us, ->reaped %llu us\n", n,
                  (unsigned long long)fork_us, (unsigned long long)(spawn_us / n),
                  (unsigned long long)conf_us);
    wb_supervisor_free(sv);
    wb_policy_free(p);
}

int main(void)
{
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_violation_message),
        cmocka_unit_test(test_fsize_limit_status),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_exit_code_passes_through),
        cmocka_unit_test(test_sigterm_forwarded),
        cmocka_unit_test(test_kill_mode_without_notify),
        cmocka_unit_test(test_required_layer_missing_refuses),
        cmocka_unit_test(test_missing_grant_dir),
        cmocka_unit_test(test_spawn_cost),
    };
    size_t nfixed = sizeof fixed / sizeof fixed[0], n = nfixed + 2 * NPROBES;
    struct CMUnitTest *tests = calloc(n, sizeof *tests);
    tcase *cases = calloc(2 * NPROBES, sizeof *cases);
    char (*names)[80] = calloc(2 * NPROBES, sizeof *names);
    int rc;

    if (!tests || !cases || !names)
        return 1;
    if (geteuid() != 0) {
        printf("test_sandbox_escape: needs root (it also runs every probe as uid %d)\n",
               NOBODY);
        return 1;
    }
    memcpy(tests, fixed, sizeof fixed);
    for (size_t i = 0; i < 2 * NPROBES; i++) {
        cases[i].p = &probes[i % NPROBES];
        cases[i].nobody = i >= NPROBES;
        snprintf(names[i], sizeof names[i], "%s/%s", cases[i].nobody ? "nobody" : "root",
                 cases[i].p->name);
        tests[nfixed + i] = (struct CMUnitTest){ names[i], test_probe, NULL, NULL, &cases[i] };
    }
    rc = _cmocka_run_group_tests("sandbox_escape", tests, n, fixture_up, fixture_down);
    free(tests);
    free(cases);
    free(names);
    return rc;
}

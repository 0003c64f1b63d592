/* probes.h — escape attempts run as NATIVE code inside a fully confined
 * worker, as a subverted JIT or runtime would run them (STYLE.md 20). Each
 * payload tries one thing with harmless arguments and returns
 *   P_BLOCKED  the attempt failed with an expected errno,
 *   P_ESCAPED  it worked (a sandbox bug),
 *   P_ODD+n    it failed in an unexpected way;
 * or the worker is killed (forbidden syscall: named by the supervisor, or
 * SIGSYS, or a resource-limit signal). Test code only. */
#ifndef WB_TEST_PROBES_H
#define WB_TEST_PROBES_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>

#include "policy/policy.h"
#include "supervisor/supervisor.h"

#define P_BLOCKED 10
#define P_ESCAPED 20
#define P_ODD     30

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#define NR_MSEAL 462

/* What the payloads know about the outside, filled by the test parent
 * before the worker starts (the worker sees a copy). */
typedef struct probe_env {
    pid_t supervisor;      /* the supervising process */
    pid_t sibling;         /* another confined worker, or 0 */
    char host_secret[256]; /* a host file next to the grant */
} probe_env;

struct wb_open_how { uint64_t flags, mode, resolve; };

static int p_openat2(int dfd, const char *path, int flags)
{
    struct wb_open_how how = { (uint64_t)flags | O_CLOEXEC, 0, 0 };
    return (int)syscall(SYS_openat2, dfd, path, &how, sizeof how);
}

/* Blocked when rc failed with one of the listed errnos (0-terminated). */
static int verdict(long rc, ...)
{
    va_list ap;
    int e = errno, ok = 0, x;
    if (rc >= 0)
        return P_ESCAPED;
    va_start(ap, rc);
    while ((x = va_arg(ap, int)) != 0)
        if (x == e)
            ok = 1;
    va_end(ap);
    return ok ? P_BLOCKED : P_ODD + (e & 0x3f);
}
#define DENIED(rc) verdict((long)(rc), EPERM, EACCES, ENOSYS, ENOENT, EROFS, EXDEV, 0)

/* -- Filesystem -- */

static int pr_open_passwd(void *a, const wb_worker_ctx *c)
{
    (void)a; (void)c;
    int r1 = DENIED(open("/etc/passwd", O_RDONLY));
    int r2 = DENIED(p_openat2(AT_FDCWD, "/etc/passwd", O_RDONLY));
    return r1 != P_BLOCKED ? r1 : r2;
}

static int pr_dotdot(void *a, const wb_worker_ctx *c)
{
    (void)a; (void)c;
    int r1 = DENIED(p_openat2(WB_FD_PREOPEN, "../secret", O_RDONLY));
    int r2 = DENIED(p_openat2(WB_FD_PREOPEN, "../../../../etc/passwd", O_RDONLY));
    return r1 != P_BLOCKED ? r1 : r2;
}

static int pr_symlink(void *a, const wb_worker_ctx *c)
{
    (void)a; (void)c;
    int r1 = DENIED(p_openat2(WB_FD_PREOPEN, "link-rel", O_RDONLY));   /* -> ../secret */
    int r2 = DENIED(p_openat2(WB_FD_PREOPEN, "link-abs", O_RDONLY));   /* -> host secret */
    int r3 = DENIED(p_openat2(WB_FD_PREOPEN, "link-etc", O_RDONLY));   /* -> /etc/passwd */
    return r1 != P_BLOCKED ? r1 : r2 != P_BLOCKED ? r2 : r3;
}

static int pr_write_ro(void *a, const wb_worker_ctx *c)
{
    (void)a; (void)c;
    int r1 = DENIED(p_openat2(WB_FD_PREOPEN, "file", O_WRONLY));
    int r2 = DENIED(p_openat2(WB_FD_PREOPEN, "new", O_WRONLY | O_CREAT));
    int r3 = DENIED(mkdirat(WB_FD_PREOPEN, "newdir", 0755));
    return r1 != P_BLOCKED ? r1 : r2 != P_BLOCKED ? r2 : r3;
}

/* The grant itself must work, or the tests above prove nothing. */
static int pr_grant_works(void *a, const wb_worker_ctx *c)
{
    char buf[8];
    int fd;
    (void)a; (void)c;
    if ((fd = p_openat2(WB_FD_PREOPEN, "file", O_RDONLY)) < 0)
        return P_ODD + 1;
    if (read(fd, buf, sizeof buf) != 5 || memcmp(buf, "hello", 5))
        return P_ODD + 2;
    close(fd);
    if ((fd = p_openat2(WB_FD_PREOPEN, "created", O_WRONLY | O_CREAT)) < 0)
        return P_ODD + 3;
    if (write(fd, "ok", 2) != 2)
        return P_ODD + 4;
    close(fd);
    return 0;
}

static int pr_proc_self(void *a, const wb_worker_ctx *c)
{
    (void)a; (void)c;
    int r1 = DENIED(p_openat2(AT_FDCWD, "/proc/self/mem", O_RDWR));
    int r2 = DENIED(p_openat2(AT_FDCWD, "/proc/self/fd/4", O_RDWR));
    return r1 != P_BLOCKED ? r1 : r2;
}

static int pr_code_memfd_write(void *a, const wb_worker_ctx *c)
{
    (void)a; (void)c;
    int r1 = DENIED(pwrite(WB_FD_CODE, "x", 1, 0));
    int r2 = DENIED(ftruncate(WB_FD_CODE, 0));
    return r1 != P_BLOCKED ? r1 : r2;
}

/* -- Network -- */

static int pr_socket_tcp(void *a, const wb_worker_ctx *c)
{
    (void)a; (void)c;
    return DENIED(socket(AF_INET, SOCK_STREAM, 0));
}

static int pr_socket_udp(void *a, const wb_worker_ctx *c)
{
    (void)a; (void)c;
    return DENIED(socket(AF_INET, SOCK_DGRAM, 0));
}

static int pr_socket_unix(void *a, const wb_worker_ctx *c)
{
    (void)a; (void)c;
    return DENIED(socket(AF_UNIX, SOCK_STREAM, 0));
}

/* connect on a descriptor the worker has (the control socket) to an
 * abstract address of the supervisor, and to loopback TCP. */
static int pr_connect_abstract(void *a, const wb_worker_ctx *c)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    (void)a; (void)c;
    memcpy(sa.sun_path, "\0wasmbox-test", 13);
    return DENIED(connect(WB_FD_CONTROL, (struct sockaddr *)&sa,
                          offsetof(struct sockaddr_un, sun_path) + 13));
}

static int pr_connect_tcp(void *a, const wb_worker_ctx *c)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(9),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    (void)a; (void)c;
    return DENIED(connect(0, (struct sockaddr *)&sa, sizeof sa));
}

/* -- Processes -- */

static int pr_execve(void *a, const wb_worker_ctx *c)
{
    char *argv[] = { "/bin/true", NULL }, *envp[] = { NULL };
    (void)a; (void)c;
    return DENIED(execve("/bin/true", argv, envp));
}

static int pr_fork(void *a, const wb_worker_ctx *c)
{
    pid_t p;
    (void)a; (void)c;
    p = (pid_t)syscall(SYS_fork);
    if (p == 0)
        _exit(0);
    return DENIED(p);
}

static int pr_clone(void *a, const wb_worker_ctx *c)
{
    long p;
    (void)a; (void)c;
    p = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (p == 0)
        _exit(0);
    return DENIED(p);
}

static int pr_clone3(void *a, const wb_worker_ctx *c)
{
    struct clone_args ca = { .exit_signal = SIGCHLD };
    long p;
    (void)a; (void)c;
    p = syscall(SYS_clone3, &ca, sizeof ca);
    if (p == 0)
        _exit(0);
    return DENIED(p);
}

static int pr_ptrace_sv(void *a, const wb_worker_ctx *c)
{
    (void)c;
    return DENIED(syscall(SYS_ptrace, 16 /* PTRACE_ATTACH */, ((probe_env *)a)->supervisor, 0, 0));
}

static int pr_kill_sv(void *a, const wb_worker_ctx *c)
{
    (void)c;
    return DENIED(kill(((probe_env *)a)->supervisor, 0));
}

static int pr_tgkill_sv(void *a, const wb_worker_ctx *c)
{
    pid_t p = ((probe_env *)a)->supervisor;
    (void)c;
    return DENIED(syscall(SYS_tgkill, p, p, 0));
}

static int pr_pidfd_signal_sv(void *a, const wb_worker_ctx *c)
{
    (void)a; (void)c;
    /* Any pidfd: the worker cannot make one (pidfd_open is denied too). */
    return DENIED(syscall(SYS_pidfd_send_signal, 0, SIGKILL, NULL, 0));
}

static int pr_pidfd_open_sv(void *a, const wb_worker_ctx *c)
{
    (void)c;
    return DENIED(syscall(SYS_pidfd_open, ((probe_env *)a)->supervisor, 0));
}

static int pr_kill_sibling(void *a, const wb_worker_ctx *c)
{
    (void)c;
    return DENIED(kill(((probe_env *)a)->sibling, SIGKILL));
}

static int pr_ptrace_sibling(void *a, const wb_worker_ctx *c)
{
    (void)c;
    return DENIED(syscall(SYS_ptrace, 16, ((probe_env *)a)->sibling, 0, 0));
}

static int pr_process_vm_writev(void *a, const wb_worker_ctx *c)
{
    char b = 0;
    struct iovec l = { &b, 1 }, r = { (void *)0x1000, 1 };
    (void)c;
    return DENIED(process_vm_writev(((probe_env *)a)->supervisor, &l, 1, &r, 1, 0));
}

/* -- Namespaces, privileges -- */

static int pr_mount(void *a, const wb_worker_ctx *c)
{
    (void)a; (void)c;
    return DENIED(mount("none", "/", "tmpfs", 0, NULL));
}

static int pr_umount(void *a, const wb_worker_ctx *c)
{
    (void)a; (void)c;
    return DENIED(umount2("/", MNT_DETACH));
}

static int pr_pivot_root(void *a, const wb_worker_ctx *c)
{
    (void)a; (void)c;
    return DENIED(syscall(SYS_pivot_root, ".", "."));
}

static int pr_unshare(void *a, const wb_worker_ctx *c)
{
    (void)a; (void)c;
    return DENIED(unshare(CLONE_NEWUSER));
}

static int pr_setns(void *a, const wb_worker_ctx *c)
{
    (void)a; (void)c;
    return DENIED(setns(0, 0));
}

static int pr_chroot(void *a, const wb_worker_ctx *c)
{
    (void)a; (void)c;
    return DENIED(chroot("/"));
}

static int pr_setuid0(void *a, const wb_worker_ctx *c)
{
    (void)a; (void)c;
    return DENIED(syscall(SYS_setuid, 0));
}

static int pr_capset(void *a, const wb_worker_ctx *c)
{
    uint32_t hdr[2] = { 0x20080522, 0 }, data[6] = { ~0u, ~0u, ~0u, ~0u, ~0u, ~0u };
    (void)a; (void)c;
    return DENIED(syscall(SYS_capset, hdr, data));
}

/* -- Executable memory -- */

/* Compile phase: code mapped RX and sealed; run phase: make it writable. */
static int pr_mprotect_code_writable(void *a, const wb_worker_ctx *c)
{
    size_t n = 4096;
    uint8_t *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    (void)a;
    if (p == MAP_FAILED)
        return P_ODD + 1;
    p[0] = 0xc3; /* ret */
    if (mprotect(p, n, PROT_READ | PROT_EXEC) != 0)
        return P_ODD + 2;
    if (syscall(NR_MSEAL, p, n, 0) != 0)
        return P_ODD + 3;
    if (wb_worker_enter_run_phase(c) != WB_OK)
        return P_ODD + 4;
    return DENIED(mprotect(p, n, PROT_READ | PROT_WRITE));
}

static int pr_mprotect_rwx(void *a, const wb_worker_ctx *c)
{
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    (void)a; (void)c;
    if (p == MAP_FAILED)
        return P_ODD + 1;
    return DENIED(mprotect(p, 4096, PROT_READ | PROT_WRITE | PROT_EXEC));
}

static int pr_mmap_rwx(void *a, const wb_worker_ctx *c)
{
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    (void)a; (void)c;
    return DENIED(p == MAP_FAILED ? -1 : 0);
}

static int pr_mprotect_rw_rx_run(void *a, const wb_worker_ctx *c)
{
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    (void)a;
    if (p == MAP_FAILED || wb_worker_enter_run_phase(c) != WB_OK)
        return P_ODD + 1;
    return DENIED(mprotect(p, 4096, PROT_READ | PROT_EXEC));
}

static int pr_mmap_rx_run(void *a, const wb_worker_ctx *c)
{
    void *p;
    (void)a;
    if (wb_worker_enter_run_phase(c) != WB_OK)
        return P_ODD + 1;
    p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return DENIED(p == MAP_FAILED ? -1 : 0);
}

static int pr_mmap_shared(void *a, const wb_worker_ctx *c)
{
    void *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    (void)a; (void)c;
    return DENIED(p == MAP_FAILED ? -1 : 0);
}

/* The compile phase must still allow W^X code, or the tests above prove
 * nothing. */
static int pr_wx_compile_works(void *a, const wb_worker_ctx *c)
{
    uint8_t *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    (void)a; (void)c;
    if (p == MAP_FAILED)
        return P_ODD + 1;
    p[0] = 0xb8; p[1] = 42; p[2] = 0; p[3] = 0; p[4] = 0; p[5] = 0xc3; /* mov eax,42; ret */
    if (mprotect(p, 4096, PROT_READ | PROT_EXEC) != 0)
        return P_ODD + 2;
    return ((int (*)(void))(void *)p)() == 42 ? 0 : P_ODD + 3;
}

/* -- Kernel attack surface -- */

static int pr_memfd_create(void *a, const wb_worker_ctx *c)
{
    (void)a; (void)c;
    return DENIED(syscall(SYS_memfd_create, "x", 0));
}

static int pr_shm_open(void *a, const wb_worker_ctx *c)
{
    (void)a; (void)c;
    /* shm_open is open("/dev/shm/..."): there is no /dev/shm. */
    int r1 = DENIED(p_openat2(AT_FDCWD, "/dev/shm/wasmbox-x", O_RDWR | O_CREAT));
    int r2 = DENIED(open("/dev/shm/wasmbox-x", O_RDWR | O_CREAT, 0600));
    return r1 != P_BLOCKED ? r1 : r2;
}

#define RAW(fn, nr, ...) \
    static int fn(void *a, const wb_worker_ctx *c) \
    { (void)a; (void)c; return DENIED(syscall(nr, __VA_ARGS__)); }

RAW(pr_io_uring, SYS_io_uring_setup, 1, NULL)
RAW(pr_bpf, SYS_bpf, 0, NULL, 0)
RAW(pr_userfaultfd, SYS_userfaultfd, 0)
RAW(pr_perf_event_open, SYS_perf_event_open, NULL, 0, -1, -1, 0)
RAW(pr_keyctl, SYS_keyctl, 0, 0, 0, 0, 0)
RAW(pr_add_key, SYS_add_key, "user", "x", "y", 1, 0)
RAW(pr_personality, SYS_personality, 0x0400000 /* READ_IMPLIES_EXEC */)
RAW(pr_kexec_load, SYS_kexec_load, 0, 0, NULL, 0)
RAW(pr_init_module, SYS_init_module, NULL, 0, "")
RAW(pr_tiocsti, SYS_ioctl, 0, TIOCSTI, "x")
RAW(pr_tiocsti_high, SYS_ioctl, 0, 0xdead00000000ul | TIOCSTI, "x")

/* The i386 ABI: getpid (20) through int 0x80. */
static int pr_int80(void *a, const wb_worker_ctx *c)
{
    long rc = 20;
    (void)a; (void)c;
    __asm__ volatile("int $0x80" : "+a"(rc) : : "memory");
    return rc > 0 ? P_ESCAPED : P_BLOCKED;
}

/* -- Resource limits (the policy sets memory 64M, open-files 16,
 * file-size 1M) -- */

static int pr_memory(void *a, const wb_worker_ctx *c)
{
    size_t total = 0, step = 8u << 20;
    (void)a; (void)c;
    while (total < (1ull << 31)) {
        uint8_t *p = mmap(NULL, step, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return errno == ENOMEM && total <= (64u << 20) ? P_BLOCKED : P_ODD + 1;
        p[0] = 1;
        total += step;
    }
    return P_ESCAPED;
}

static int pr_fds(void *a, const wb_worker_ctx *c)
{
    (void)a; (void)c;
    for (int i = 0; i < 4096; i++)
        if (p_openat2(WB_FD_PREOPEN, ".", O_RDONLY) < 0)
            return errno == EMFILE && i <= 16 ? P_BLOCKED : P_ODD + 1;
    return P_ESCAPED;
}

static int pr_fsize(void *a, const wb_worker_ctx *c)
{
    static char buf[64 * 1024];
    int fd = p_openat2(WB_FD_PREOPEN, "big", O_WRONLY | O_CREAT | O_TRUNC);
    (void)a; (void)c;
    if (fd < 0)
        return P_ODD + 1;
    for (int i = 0; i < 64; i++) /* 4 MiB */
        if (write(fd, buf, sizeof buf) < 0)
            return errno == EFBIG ? P_BLOCKED : P_ODD + 2;
    return P_ESCAPED;
}

/* Sleeps so the supervisor can look at /proc/PID/status. */
static int pr_sleep(void *a, const wb_worker_ctx *c)
{
    struct timespec ts = { 0, 200 * 1000 * 1000 };
    (void)a; (void)c;
    clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
    return 0;
}

static int pr_forbidden_socket_named(void *a, const wb_worker_ctx *c)
{
    (void)a; (void)c;
    socket(AF_INET, SOCK_STREAM, 0);
    return P_ESCAPED;
}

#endif

/* test_wasi_harness.h — calling the WASI host functions directly, with a
 * fake guest memory (a plain buffer) and real temporary directories.
 *
 *   wt_setup()    a temp tree T/root (preopen fd 3, "/", read-write),
 *                 T/ro (preopen fd 4, "/ro", read-only), T/outside (never
 *                 granted; escape targets), a 64 KiB guest memory
 *   CALL(name, args...)   runs one WASI function, returns its errno
 *   wt_put_*, wt_get_*    guest memory at an address */
#ifndef WB_TEST_WASI_HARNESS_H
#define WB_TEST_WASI_HARNESS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi/wasi_int.h"

#define WT_MEM 65536u

typedef struct wt {
    wb_wasi *w;
    uint8_t *mem;
    uint64_t size;
    char top[64];           /* T */
    char root[80];          /* T/root */
    char ro[80];            /* T/ro */
    char outside[80];       /* T/outside */
    int rootfd, rofd, devnull;
    bool exiting;
    uint32_t exit_code;
} wt;

static wt T;

static uint16_t wt_call(const char *name, const uint64_t *args, size_t nargs)
{
    const wasi_fn *fn = wasi_fn_find(name, strlen(name));
    wb_val v[16];
    size_t n = 0;

    if (!fn) {
        fprintf(stderr, "no WASI function %s\n", name);
        abort();
    }
    for (const char *p = fn->sig; *p && *p != ':'; p++, n++) {
        if (n >= nargs) {
            fprintf(stderr, "%s: too few arguments\n", name);
            abort();
        }
        v[n].type = *p == 'I' ? WB_I64 : WB_I32;
        if (*p == 'I')
            v[n].of.i64 = (int64_t)args[n];
        else
            v[n].of.i32 = (int32_t)(uint32_t)args[n];
    }
    if (n != nargs) {
        fprintf(stderr, "%s: %zu arguments, signature %s\n", name, nargs, fn->sig);
        abort();
    }
    return wasi_invoke(T.w, fn, T.mem, T.size, v, &T.exiting, &T.exit_code);
}

#define CALL(name, ...)                                                                  \
    wt_call(name, (const uint64_t[]){ __VA_ARGS__ },                                     \
            sizeof((const uint64_t[]){ __VA_ARGS__ }) / sizeof(uint64_t))
#define CALL0(name) wt_call(name, NULL, 0)

/* Guest memory access. */
static inline void wt_put32(uint32_t a, uint32_t v) { memcpy(T.mem + a, &v, 4); }
static inline void wt_put64(uint32_t a, uint64_t v) { memcpy(T.mem + a, &v, 8); }
static inline uint32_t wt_get32(uint32_t a) { uint32_t v; memcpy(&v, T.mem + a, 4); return v; }
static inline uint64_t wt_get64(uint32_t a) { uint64_t v; memcpy(&v, T.mem + a, 8); return v; }
static inline uint16_t wt_get16(uint32_t a) { uint16_t v; memcpy(&v, T.mem + a, 2); return v; }
/* Puts a string (no NUL) at a; returns its length. */
static inline uint32_t wt_str(uint32_t a, const char *s)
{
    size_t n = strlen(s);
    memcpy(T.mem + a, s, n);
    return (uint32_t)n;
}
/* One iovec {buf, len} at a. */
static inline void wt_iov(uint32_t a, uint32_t buf, uint32_t len)
{
    wt_put32(a, buf);
    wt_put32(a + 4, len);
}

/* Path under T/root etc. */
static inline const char *wt_path(const char *base, const char *rel)
{
    static char buf[4][600];
    static int k;
    k = (k + 1) & 3;
    snprintf(buf[k], sizeof(buf[k]), "%s/%s", base, rel);
    return buf[k];
}

static inline void wt_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        abort();
    fputs(text, f);
    fclose(f);
}

static inline bool wt_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Rights standard wasi-libc asks for when opening for reading/writing. */
#define WT_R_READ (WASI_RIGHT_FD_READ | WASI_RIGHT_FD_SEEK | WASI_RIGHT_FD_TELL |          \
                   WASI_RIGHT_FD_FILESTAT_GET | WASI_RIGHT_FD_READDIR)
#define WT_R_RW   (WT_R_READ | WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_FILESTAT_SET_SIZE |       \
                   WASI_RIGHT_FD_ALLOCATE | WASI_RIGHT_FD_DATASYNC | WASI_RIGHT_FD_SYNC |    \
                   WASI_RIGHT_FD_FILESTAT_SET_TIMES | WASI_RIGHT_FD_ADVISE |                 \
                   WASI_RIGHT_FD_FDSTAT_SET_FLAGS | WASI_RIGHT_POLL_FD_READWRITE)

/* path_open(dirfd, path) with oflags and rights; the new fd in *fd. Uses
 * guest memory at 60000.. for the path and result. */
static inline uint16_t wt_open(uint32_t dirfd, uint32_t lookup, const char *path,
                               uint32_t oflags, uint64_t base, uint32_t fdflags, uint32_t *fd)
{
    uint32_t len = wt_str(60000, path);
    uint16_t e = CALL("path_open", dirfd, lookup, 60000, len, oflags, base, base, fdflags,
                      64000);
    if (fd)
        *fd = e ? UINT32_MAX : wt_get32(64000);
    return e;
}

/* A path op taking (fd, path, len): path at 60000. */
static inline uint16_t wt_path_op(const char *fn, uint32_t dirfd, const char *path)
{
    uint32_t len = wt_str(60000, path);
    return CALL(fn, dirfd, 60000, len);
}

static int wt_rm(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    chmod(p, 0700);
    return remove(p);
}

static int wt_setup(void **state)
{
    (void)state;
    memset(&T, 0, sizeof(T));
    snprintf(T.top, sizeof(T.top), "/tmp/wb-wasi-test.XXXXXX");
    if (!mkdtemp(T.top))
        return -1;
    snprintf(T.root, sizeof(T.root), "%s/root", T.top);
    snprintf(T.ro, sizeof(T.ro), "%s/ro", T.top);
    snprintf(T.outside, sizeof(T.outside), "%s/outside", T.top);
    if (mkdir(T.root, 0777) || mkdir(T.ro, 0777) || mkdir(T.outside, 0777))
        return -1;
    wt_write_file(wt_path(T.outside, "secret"), "secret\n");
    wt_write_file(wt_path(T.ro, "data.txt"), "read only\n");
    mkdir(wt_path(T.ro, "sub"), 0777);
    T.rootfd = open(T.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    T.rofd = open(T.ro, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    T.devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    T.mem = calloc(1, WT_MEM);
    T.size = WT_MEM;
    if (T.rootfd < 0 || T.rofd < 0 || T.devnull < 0 || !T.mem)
        return -1;
    {
        static const char *const argv[] = { "prog", "one", "two words" };
        static const char *const envp[] = { "A=1", "EMPTY=" };
        wb_wasi_preopen pre[2] = {
            { .host_fd = T.rootfd, .guest_path = "/", .read_only = false },
            { .host_fd = T.rofd, .guest_path = "/ro", .read_only = true },
        };
        wb_wasi_config cfg = { .argv = argv, .argc = 3, .envp = envp, .envc = 2,
                               .preopens = pre, .npreopens = 2,
                               .stdio = { T.devnull, T.devnull, T.devnull } };
        wb_diag d = { 0 };
        if (wb_wasi_new(&cfg, &T.w, &d) != WB_OK) {
            fprintf(stderr, "wb_wasi_new: %s\n", d.detail);
            return -1;
        }
    }
    return 0;
}

static int wt_teardown(void **state)
{
    (void)state;
    wb_wasi_free(T.w);   /* borrowed fds stay open: closed here */
    close(T.devnull);
    close(T.rootfd);
    close(T.rofd);
    free(T.mem);
    nftw(T.top, wt_rm, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

#define WT_TEST(f) cmocka_unit_test_setup_teardown(f, wt_setup, wt_teardown)

#endif

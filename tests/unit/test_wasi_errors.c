/* test_wasi_errors.c — the error cases every fd-taking WASI function
 * shares, swept over one table: a closed or never-opened fd is EBADF; an
 * fd without the right the function needs (each right on its own,
 * dropped with fd_fdstat_set_rights) is ENOTCAPABLE; every guest pointer
 * out of bounds is EFAULT. None of these errors has a side effect: the
 * directory, the file and the fd table are the same afterwards. The
 * results of successful calls and the function-specific errors are in
 * test_wasi.c, test_wasi_path.c and the programs of tests/wasi. */
#define _GNU_SOURCE
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "test_wasi_harness.h"

#define E(name) WASI_ERRNO_##name

/* Guest memory used by the rows (WT_MEM is 64 KiB). */
#define M_PATH   1000u   /* "f.txt" */
#define M_PATH2  1100u   /* "new" */
#define M_IOV    2000u   /* one iovec -> M_BUF, 16 bytes */
#define M_OUT    4000u   /* results */
#define M_OUT2   4100u
#define M_BUF    5000u
#define BAD_PTR  0xfffffff0u

/* Argument kinds in a row. */
enum { LIT, SUBJ, PTR };

/* Which fd a row is about. */
enum { FILE_FD, DIR_FD, SOCK_FD };

typedef struct row {
    const char *fn;
    int subject;
    uint64_t need;              /* rights it needs (each is tried alone) */
    int nargs;
    uint8_t kind[9];
    uint64_t val[9];            /* LIT: the value; PTR: a good address */
} row;

#define R(fn, subj, need, ...) { fn, subj, need, sizeof((uint64_t[]){ __VA_ARGS__ }) / 8, \
                                 { 0 }, { __VA_ARGS__ } }

/* The rows: kinds are filled by set_kinds from the markers below. */
#define S_ 0xfeedf00dull         /* the subject fd */
#define P_(a) (0xabc0000000000000ull | (a))   /* a good pointer */

static row rows[] = {
    R("fd_advise", FILE_FD, WASI_RIGHT_FD_ADVISE, S_, 0, 10, 0),
    R("fd_allocate", FILE_FD, WASI_RIGHT_FD_ALLOCATE, S_, 0, 10),
    R("fd_close", FILE_FD, 0, S_),
    R("fd_datasync", FILE_FD, WASI_RIGHT_FD_DATASYNC, S_),
    R("fd_fdstat_get", FILE_FD, 0, S_, P_(M_OUT)),
    R("fd_fdstat_set_flags", FILE_FD, WASI_RIGHT_FD_FDSTAT_SET_FLAGS, S_, 0),
    R("fd_fdstat_set_rights", FILE_FD, 0, S_, 0, 0),
    R("fd_filestat_get", FILE_FD, WASI_RIGHT_FD_FILESTAT_GET, S_, P_(M_OUT)),
    R("fd_filestat_set_size", FILE_FD, WASI_RIGHT_FD_FILESTAT_SET_SIZE, S_, 10),
    R("fd_filestat_set_times", FILE_FD, WASI_RIGHT_FD_FILESTAT_SET_TIMES, S_, 0, 0,
      WASI_FSTFLAG_MTIM_NOW),
    R("fd_pread", FILE_FD, WASI_RIGHT_FD_READ | WASI_RIGHT_FD_SEEK, S_, P_(M_IOV), 1, 0,
      P_(M_OUT)),
    R("fd_prestat_get", DIR_FD, 0, S_, P_(M_OUT)),
    R("fd_prestat_dir_name", DIR_FD, 0, S_, P_(M_BUF), 8),
    R("fd_pwrite", FILE_FD, WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_SEEK, S_, P_(M_IOV), 1, 0,
      P_(M_OUT)),
    R("fd_read", FILE_FD, WASI_RIGHT_FD_READ, S_, P_(M_IOV), 1, P_(M_OUT)),
    R("fd_readdir", DIR_FD, WASI_RIGHT_FD_READDIR, S_, P_(M_BUF), 100, 0, P_(M_OUT)),
    R("fd_seek", FILE_FD, WASI_RIGHT_FD_SEEK, S_, 1, WASI_WHENCE_SET, P_(M_OUT)),
    R("fd_sync", FILE_FD, WASI_RIGHT_FD_SYNC, S_),
    R("fd_tell", FILE_FD, WASI_RIGHT_FD_TELL, S_, P_(M_OUT)),
    R("fd_write", FILE_FD, WASI_RIGHT_FD_WRITE, S_, P_(M_IOV), 1, P_(M_OUT)),
    R("path_create_directory", DIR_FD, WASI_RIGHT_PATH_CREATE_DIRECTORY, S_, P_(M_PATH2), 3),
    R("path_filestat_get", DIR_FD, WASI_RIGHT_PATH_FILESTAT_GET, S_, 0, P_(M_PATH), 5,
      P_(M_OUT)),
    R("path_filestat_set_times", DIR_FD, WASI_RIGHT_PATH_FILESTAT_SET_TIMES, S_, 0, P_(M_PATH),
      5, 0, 0, WASI_FSTFLAG_MTIM_NOW),
    R("path_link", DIR_FD, WASI_RIGHT_PATH_LINK_SOURCE | WASI_RIGHT_PATH_LINK_TARGET, S_, 0,
      P_(M_PATH), 5, S_, P_(M_PATH2), 3),
    R("path_open", DIR_FD, WASI_RIGHT_PATH_OPEN | WASI_RIGHT_PATH_CREATE_FILE, S_, 0,
      P_(M_PATH2), 3, WASI_OFLAG_CREAT, WASI_RIGHT_FD_READ, 0, 0, P_(M_OUT)),
    R("path_readlink", DIR_FD, WASI_RIGHT_PATH_READLINK, S_, P_(M_PATH), 5, P_(M_BUF), 64,
      P_(M_OUT)),
    R("path_remove_directory", DIR_FD, WASI_RIGHT_PATH_REMOVE_DIRECTORY, S_, P_(M_PATH2), 3),
    R("path_rename", DIR_FD, WASI_RIGHT_PATH_RENAME_SOURCE | WASI_RIGHT_PATH_RENAME_TARGET, S_,
      P_(M_PATH), 5, S_, P_(M_PATH2), 3),
    R("path_symlink", DIR_FD, WASI_RIGHT_PATH_SYMLINK, P_(M_PATH), 5, S_, P_(M_PATH2), 3),
    R("path_unlink_file", DIR_FD, WASI_RIGHT_PATH_UNLINK_FILE, S_, P_(M_PATH), 5),
    R("sock_accept", SOCK_FD, WASI_RIGHT_SOCK_ACCEPT, S_, 0, P_(M_OUT)),
    R("sock_recv", SOCK_FD, WASI_RIGHT_FD_READ, S_, P_(M_IOV), 1, 0, P_(M_OUT), P_(M_OUT2)),
    R("sock_send", SOCK_FD, WASI_RIGHT_FD_WRITE, S_, P_(M_IOV), 1, 0, P_(M_OUT)),
    R("sock_shutdown", SOCK_FD, WASI_RIGHT_SOCK_SHUTDOWN, S_, WASI_SDFLAG_WR),
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

static void set_kinds(row *r)
{
    for (int i = 0; i < r->nargs; i++) {
        if (r->val[i] == S_) {
            r->kind[i] = SUBJ;
        } else if ((r->val[i] & 0xfff0000000000000ull) == 0xabc0000000000000ull) {
            r->kind[i] = PTR;
            r->val[i] &= 0xffffffffull;
        }
    }
}

/* Calls row r with the subject fd, pointer `bad` (an index, -1: none)
 * replaced by an out-of-bounds one. */
static uint16_t call_row(const row *r, uint32_t subject, int bad)
{
    const wasi_fn *fn = wasi_fn_find(r->fn, strlen(r->fn));
    uint64_t a[9];
    wb_val v[9];
    int k = 0;

    assert_non_null(fn);
    for (int i = 0; i < r->nargs; i++)
        a[i] = r->kind[i] == SUBJ ? subject : i == bad ? BAD_PTR : r->val[i];
    for (const char *p = fn->sig; *p && *p != ':'; p++, k++) {
        assert_true(k < r->nargs);
        v[k].type = *p == 'I' ? WB_I64 : WB_I32;
        if (*p == 'I')
            v[k].of.i64 = (int64_t)a[k];
        else
            v[k].of.i32 = (int32_t)(uint32_t)a[k];
    }
    assert_int_equal(k, r->nargs);
    return wasi_invoke(T.w, fn, T.mem, T.size, v, &T.exiting, &T.exit_code);
}

/* What must not change: the names in root/ (with sizes), the file's
 * contents, and how many guest fds are open. */
typedef struct snap {
    char names[2048];
    char text[64];
    uint32_t nopen;
} snap;

static void take(snap *s)
{
    DIR *d = opendir(T.root);
    struct dirent *de;
    FILE *f;
    size_t n;

    memset(s, 0, sizeof(*s));
    assert_non_null(d);
    while ((de = readdir(d))) {
        struct stat st;
        char one[300];
        lstat(wt_path(T.root, de->d_name), &st);
        snprintf(one, sizeof(one), "%s:%lld ", de->d_name, (long long)st.st_size);
        /* readdir order is stable for an unchanged directory */
        strncat(s->names, one, sizeof(s->names) - strlen(s->names) - 1);
    }
    closedir(d);
    assert_non_null(f = fopen(wt_path(T.root, "f.txt"), "r"));
    n = fread(s->text, 1, sizeof(s->text) - 1, f);
    s->text[n] = '\0';
    fclose(f);
    for (uint32_t i = 0; i < T.w->cap; i++)
        s->nopen += T.w->fds[i].host >= 0;
}

static void same(const snap *a, const snap *b, const char *what, const char *fn)
{
    if (strcmp(a->names, b->names) || strcmp(a->text, b->text) || a->nopen != b->nopen) {
        fail_msg("%s: %s changed something: [%s] -> [%s], [%s] -> [%s], %u -> %u fds", fn,
                 what, a->names, b->names, a->text, b->text, a->nopen, b->nopen);
    }
}

static int sock_peer = -1;

/* A fresh fd of the row's kind with every right the kind can have. */
static uint32_t open_subject(int kind)
{
    uint32_t fd;
    if (kind == FILE_FD) {
        assert_int_equal(wt_open(3, 0, "f.txt", 0, WASI_RIGHTS_FILE, 0, &fd), 0);
    } else if (kind == DIR_FD) {
        uint32_t len = wt_str(60000, ".");
        assert_int_equal(CALL("path_open", 3, 0, 60000, len, WASI_OFLAG_DIRECTORY,
                              WASI_RIGHTS_DIR, WASI_RIGHTS_DIR | WASI_RIGHTS_FILE, 0, 64000),
                         0);
        fd = wt_get32(64000);
    } else {
        int sv[2];
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        if (sock_peer >= 0)
            close(sock_peer);
        sock_peer = sv[1];
        assert_int_equal(wasi_fd_install(T.w, sv[0], WASI_FILETYPE_SOCKET_STREAM,
                                         WASI_RIGHTS_SOCK, 0, false, &fd),
                         0);
    }
    return fd;
}

static void prepare(void)
{
    wt_write_file(wt_path(T.root, "f.txt"), "contents\n");
    wt_str(M_PATH, "f.txt");
    wt_str(M_PATH2, "new");
    wt_iov(M_IOV, M_BUF, 16);
    for (size_t i = 0; i < NROWS; i++)
        set_kinds(&rows[i]);
}

/* EBADF: an fd number never opened, the largest one, and one just closed. */
static void test_badf(void **state)
{
    (void)state;
    prepare();
    for (size_t i = 0; i < NROWS; i++) {
        const row *r = &rows[i];
        uint32_t closed = open_subject(r->subject);
        snap a, b;
        assert_int_equal(CALL("fd_close", closed), 0);
        take(&a);
        if (call_row(r, 99, -1) != E(BADF))
            fail_msg("%s on fd 99: not BADF", r->fn);
        if (call_row(r, UINT32_MAX, -1) != E(BADF))
            fail_msg("%s on fd 0xffffffff: not BADF", r->fn);
        if (call_row(r, closed, -1) != E(BADF))
            fail_msg("%s on a closed fd: not BADF", r->fn);
        take(&b);
        same(&a, &b, "EBADF", r->fn);
    }
    /* fd_renumber: either side. */
    assert_int_equal(CALL("fd_renumber", 99, 1), E(BADF));
    assert_int_equal(CALL("fd_renumber", 1, 99), E(BADF));
    /* fd_prestat_*: an open fd that is not a preopen. */
    {
        uint32_t f = open_subject(FILE_FD);
        assert_int_equal(CALL("fd_prestat_get", f, M_OUT), E(BADF));
        assert_int_equal(CALL("fd_prestat_dir_name", f, M_BUF, 8), E(BADF));
    }
}

/* ENOTCAPABLE: each right the function needs, dropped alone. */
static void test_notcapable(void **state)
{
    (void)state;
    prepare();
    for (size_t i = 0; i < NROWS; i++) {
        const row *r = &rows[i];
        for (int bit = 0; bit < 64; bit++) {
            uint64_t right = UINT64_C(1) << bit;
            uint32_t fd;
            snap a, b;
            if (!(r->need & right))
                continue;
            fd = open_subject(r->subject);
            assert_int_equal(CALL("fd_fdstat_get", fd, M_OUT), 0);
            assert_int_equal(CALL("fd_fdstat_set_rights", fd, wt_get64(M_OUT + 8) & ~right,
                                  wt_get64(M_OUT + 16)),
                             0);
            take(&a);
            if (call_row(r, fd, -1) != E(NOTCAPABLE))
                fail_msg("%s without right bit %d: not NOTCAPABLE", r->fn, bit);
            take(&b);
            same(&a, &b, "ENOTCAPABLE", r->fn);
            assert_int_equal(CALL("fd_close", fd), 0);
        }
    }
    /* fd_fdstat_set_rights: rights only shrink. */
    {
        uint32_t fd = open_subject(FILE_FD);
        assert_int_equal(CALL("fd_fdstat_set_rights", fd, WASI_RIGHT_FD_READ, 0), 0);
        assert_int_equal(CALL("fd_fdstat_set_rights", fd, WASI_RIGHT_FD_READ |
                              WASI_RIGHT_FD_WRITE, 0), E(NOTCAPABLE));
        assert_int_equal(CALL("fd_fdstat_set_rights", fd, WASI_RIGHT_FD_READ,
                              WASI_RIGHT_FD_READ), E(NOTCAPABLE));
    }
}

/* EFAULT: each pointer argument out of bounds, the others good. */
static void test_fault(void **state)
{
    (void)state;
    prepare();
    for (size_t i = 0; i < NROWS; i++) {
        const row *r = &rows[i];
        for (int p = 0; p < r->nargs; p++) {
            uint32_t fd;
            snap a, b;
            if (r->kind[p] != PTR)
                continue;
            fd = open_subject(r->subject);
            take(&a);
            if (call_row(r, fd, p) != E(FAULT))
                fail_msg("%s with argument %d out of bounds: not FAULT", r->fn, p);
            take(&b);
            same(&a, &b, "EFAULT", r->fn);
            assert_int_equal(CALL("fd_close", fd), 0);
        }
    }
    /* A good pointer whose iovec points out of bounds. */
    {
        uint32_t fd = open_subject(FILE_FD);
        wt_iov(M_IOV, WT_MEM - 4, 16);
        assert_int_equal(CALL("fd_read", fd, M_IOV, 1, M_OUT), E(FAULT));
        assert_int_equal(CALL("fd_write", fd, M_IOV, 1, M_OUT), E(FAULT));
        assert_int_equal(CALL("fd_pwrite", fd, M_IOV, 1, 0, M_OUT), E(FAULT));
        assert_int_equal(CALL("fd_pread", fd, M_IOV, 1, 0, M_OUT), E(FAULT));
        wt_iov(M_IOV, M_BUF, 16);
    }
}

/* poll_oneoff: an fd subscription on a bad fd or one without
 * POLL_FD_READWRITE reports the error in its event, for that
 * subscription only. */
static void test_poll_fd_errors(void **state)
{
    uint32_t fd;
    (void)state;
    prepare();
    fd = open_subject(FILE_FD);
    assert_int_equal(CALL("fd_fdstat_set_rights", fd, WASI_RIGHT_FD_READ, 0), 0);
    memset(T.mem + 10000, 0, 3 * WASI_SUBSCRIPTION_SIZE);
    for (uint32_t i = 0; i < 2; i++) {
        uint8_t *s = T.mem + 10000 + i * WASI_SUBSCRIPTION_SIZE;
        wt_put64(10000 + i * WASI_SUBSCRIPTION_SIZE, 100 + i);   /* userdata */
        s[8] = WASI_EVENTTYPE_FD_READ;
        wt_put32(10000 + i * WASI_SUBSCRIPTION_SIZE + 16, i == 0 ? 99 : fd);
    }
    assert_int_equal(CALL("poll_oneoff", 10000, 20000, 2, M_OUT), 0);
    assert_int_equal(wt_get32(M_OUT), 2);
    assert_int_equal(wt_get64(20000), 100);
    assert_int_equal(wt_get16(20000 + 8), E(BADF));
    assert_int_equal(wt_get64(20000 + WASI_EVENT_SIZE), 101);
    assert_int_equal(wt_get16(20000 + WASI_EVENT_SIZE + 8), E(NOTCAPABLE));
}

/* Function-specific errors the other suites leave out. */
static void test_specific_errors(void **state)
{
    uint32_t file, dir;
    (void)state;
    prepare();
    file = open_subject(FILE_FD);
    dir = open_subject(DIR_FD);
    /* A path function on a file fd (even one given every right): ENOTDIR. */
    T.w->fds[file].base |= WASI_RIGHTS_DIR;
    T.w->fds[file].inheriting |= WASI_RIGHTS_DIR | WASI_RIGHTS_FILE;
    for (size_t i = 0; i < NROWS; i++) {
        snap a, b;
        if (strncmp(rows[i].fn, "path_", 5) != 0)
            continue;
        take(&a);
        if (call_row(&rows[i], file, -1) != E(NOTDIR))
            fail_msg("%s on a file fd: not NOTDIR", rows[i].fn);
        take(&b);
        same(&a, &b, "ENOTDIR", rows[i].fn);
    }
    /* Unknown lookup flags: EINVAL, nothing done. */
    assert_int_equal(CALL("path_filestat_get", dir, 2, M_PATH, 5, M_OUT), E(INVAL));
    assert_int_equal(CALL("path_filestat_set_times", dir, 2, M_PATH, 5, 0, 0,
                          WASI_FSTFLAG_MTIM_NOW), E(INVAL));
    assert_int_equal(CALL("path_link", dir, 2, M_PATH, 5, dir, M_PATH2, 3), E(INVAL));
    assert_int_equal(CALL("path_open", dir, 2, M_PATH, 5, 0, WASI_RIGHT_FD_READ, 0, 0, M_OUT),
                     E(INVAL));
    assert_false(wt_exists(wt_path(T.root, "new")));
    /* Offsets beyond off_t: EINVAL. */
    assert_int_equal(CALL("fd_pwrite", file, M_IOV, 1, (uint64_t)1 << 63, M_OUT), E(INVAL));
    assert_int_equal(CALL("fd_advise", file, (uint64_t)1 << 63, 1, 0), E(INVAL));
    /* A socket function on a file with the socket rights: ENOTSOCK. */
    T.w->fds[file].base |= WASI_RIGHTS_SOCK;
    assert_int_equal(CALL("sock_accept", file, 0, M_OUT), E(NOTSOCK));
    assert_int_equal(CALL("sock_recv", file, M_IOV, 1, 0, M_OUT, M_OUT2), E(NOTSOCK));
    assert_int_equal(CALL("sock_send", file, M_IOV, 1, 0, M_OUT), E(NOTSOCK));
    assert_int_equal(CALL("sock_shutdown", file, WASI_SDFLAG_WR), E(NOTSOCK));
    /* Reading or writing a directory fd (given the rights): EISDIR. */
    T.w->fds[dir].base |= WASI_RIGHT_FD_READ | WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_SEEK;
    assert_int_equal(CALL("fd_read", dir, M_IOV, 1, M_OUT), E(ISDIR));
    assert_int_equal(CALL("fd_write", dir, M_IOV, 1, M_OUT), E(ISDIR));
    assert_int_equal(CALL("fd_pread", dir, M_IOV, 1, 0, M_OUT), E(ISDIR));
    assert_int_equal(CALL("fd_pwrite", dir, M_IOV, 1, 0, M_OUT), E(ISDIR));
    /* Empty paths: ENOENT for every name operation. */
    assert_int_equal(CALL("path_create_directory", dir, M_PATH, 0), E(NOENT));
    assert_int_equal(CALL("path_remove_directory", dir, M_PATH, 0), E(NOENT));
    assert_int_equal(CALL("path_unlink_file", dir, M_PATH, 0), E(NOENT));
    assert_int_equal(CALL("path_symlink", M_PATH, 5, dir, M_PATH, 0), E(NOENT));
    assert_int_equal(CALL("path_readlink", dir, M_PATH, 0, M_BUF, 64, M_OUT), E(NOENT));
    assert_int_equal(CALL("path_rename", dir, M_PATH, 0, dir, M_PATH2, 3), E(NOENT));
    assert_int_equal(CALL("path_link", dir, 0, M_PATH, 0, dir, M_PATH2, 3), E(NOENT));
    assert_int_equal(CALL("path_open", dir, 0, M_PATH, 0, 0, WASI_RIGHT_FD_READ, 0, 0, M_OUT),
                     E(NOENT));
    assert_int_equal(CALL("path_filestat_get", dir, 0, M_PATH, 0, M_OUT), E(NOENT));
}

/* An empty read of a pipe with nothing in it returns 0 at once (no wait). */
static void test_empty_read_no_wait(void **state)
{
    int p[2];
    uint32_t fd;
    (void)state;
    assert_int_equal(pipe(p), 0);
    assert_int_equal(wasi_fd_install(T.w, p[0], WASI_FILETYPE_UNKNOWN, WASI_RIGHTS_FILE, 0,
                                     false, &fd),
                     0);
    wt_iov(M_IOV, M_BUF, 0);
    assert_int_equal(CALL("fd_read", fd, M_IOV, 1, M_OUT), 0);
    assert_int_equal(wt_get32(M_OUT), 0);
    assert_int_equal(CALL("fd_read", fd, M_IOV, 0, M_OUT), 0);
    assert_int_equal(wt_get32(M_OUT), 0);
    close(p[1]);
}

/* wb_wasi_stderr_midline: the last byte the guest wrote to its fd 2. */
static void test_stderr_midline(void **state)
{
    (void)state;
    assert_false(wb_wasi_stderr_midline(T.w));
    wt_str(M_BUF, "ab\ncd");
    wt_iov(M_IOV, M_BUF, 3);              /* "ab\n" */
    wt_iov(M_IOV + 8, M_BUF + 3, 2);      /* "cd" */
    assert_int_equal(CALL("fd_write", 2, M_IOV, 1, M_OUT), 0);
    assert_false(wb_wasi_stderr_midline(T.w));
    assert_int_equal(CALL("fd_write", 2, M_IOV, 2, M_OUT), 0);
    assert_true(wb_wasi_stderr_midline(T.w));
    /* stdout does not count, even on the same host file */
    assert_int_equal(CALL("fd_write", 1, M_IOV, 1, M_OUT), 0);
    assert_true(wb_wasi_stderr_midline(T.w));
    assert_int_equal(CALL("fd_write", 2, M_IOV, 1, M_OUT), 0);
    assert_false(wb_wasi_stderr_midline(T.w));
    assert_false(wb_wasi_stderr_midline(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        WT_TEST(test_badf),
        WT_TEST(test_notcapable),
        WT_TEST(test_fault),
        WT_TEST(test_poll_fd_errors),
        WT_TEST(test_specific_errors),
        WT_TEST(test_stderr_midline),
        WT_TEST(test_empty_read_no_wait),
    };
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    if (sock_peer >= 0)
        close(sock_peer);
    return r;
}

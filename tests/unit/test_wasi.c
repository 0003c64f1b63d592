/* test_wasi.c — WASI host functions called directly with a fake guest
 * memory: the errno table, bounds checks, the fd table and rights, file
 * I/O, clocks, poll_oneoff, sockets, proc_*, and linking a module. Paths,
 * escapes and readdir are in test_wasi_path.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <cmocka.h>

#include "test_wasi_harness.h"

#define E(name) WASI_ERRNO_##name

/* -- errno table -- */

static void test_errno_table(void **state)
{
    (void)state;
    assert_int_equal(wasi_errno(ENOENT), 44);
    assert_int_equal(wasi_errno(EACCES), 2);
    assert_int_equal(wasi_errno(EXDEV), 75);
    assert_int_equal(wasi_errno(EAGAIN), 6);
    assert_int_equal(wasi_errno(EWOULDBLOCK), 6);
    assert_int_equal(wasi_errno(ENOTSUP), 58);
    assert_int_equal(wasi_errno(EOPNOTSUPP), 58);
    assert_int_equal(wasi_errno(ENOTEMPTY), 55);
    assert_int_equal(wasi_errno(ELOOP), 32);
    assert_int_equal(wasi_errno(ENAMETOOLONG), 37);
    assert_int_equal(wasi_errno(EPIPE), 64);
    assert_int_equal(wasi_errno(ESPIPE), 70);
    assert_int_equal(wasi_errno(0), E(IO));
    assert_int_equal(wasi_errno(-1), E(IO));
    assert_int_equal(wasi_errno(EHWPOISON), E(IO));   /* no WASI equivalent */
    assert_int_equal(wasi_errno(100000), E(IO));
    assert_string_equal(wasi_errno_name(76), "NOTCAPABLE");
    assert_string_equal(wasi_errno_name(0), "SUCCESS");
    /* Every row maps back to itself. */
    for (int h = 1; h < 134; h++) {
        uint16_t w = wasi_errno(h);
        assert_true(w <= 76);
        assert_string_not_equal(wasi_errno_name(w), "?");
    }
}

/* -- args and environ -- */

static void test_args_environ(void **state)
{
    (void)state;
    assert_int_equal(CALL("args_sizes_get", 100, 104), 0);
    assert_int_equal(wt_get32(100), 3);
    assert_int_equal(wt_get32(104), sizeof("prog") + sizeof("one") + sizeof("two words"));
    assert_int_equal(CALL("args_get", 200, 300), 0);
    assert_int_equal(wt_get32(200), 300);
    assert_string_equal((char *)T.mem + wt_get32(200), "prog");
    assert_string_equal((char *)T.mem + wt_get32(204), "one");
    assert_string_equal((char *)T.mem + wt_get32(208), "two words");

    assert_int_equal(CALL("environ_sizes_get", 100, 104), 0);
    assert_int_equal(wt_get32(100), 2);
    assert_int_equal(wt_get32(104), sizeof("A=1") + sizeof("EMPTY="));
    assert_int_equal(CALL("environ_get", 400, 500), 0);
    assert_string_equal((char *)T.mem + wt_get32(400), "A=1");
    assert_string_equal((char *)T.mem + wt_get32(404), "EMPTY=");

    /* Bounds: the vector, the buffer, the size results. */
    assert_int_equal(CALL("args_get", WT_MEM - 8, 300), E(FAULT));     /* 3 pointers: 12 */
    assert_int_equal(CALL("args_get", 200, WT_MEM - 10), E(FAULT));    /* 18 bytes */
    assert_int_equal(CALL("args_get", 0xfffffffc, 300), E(FAULT));
    assert_int_equal(CALL("args_sizes_get", WT_MEM - 2, 104), E(FAULT));
    assert_int_equal(CALL("args_sizes_get", 100, 0xffffffff), E(FAULT));
    assert_int_equal(CALL("environ_get", 400, WT_MEM - 1), E(FAULT));
    assert_int_equal(CALL("environ_sizes_get", 100, WT_MEM), E(FAULT));
    /* Exactly at the end is fine. */
    assert_int_equal(CALL("args_get", WT_MEM - 12, WT_MEM - 19), 0);
}

static void test_no_memory(void **state)
{
    /* A module without memory: every pointer is out of bounds. */
    uint8_t *mem = T.mem;
    (void)state;
    T.mem = NULL;
    assert_int_equal(CALL("args_sizes_get", 0, 0), E(FAULT));
    assert_int_equal(CALL("fd_write", 1, 0, 0, 0), E(FAULT));
    assert_int_equal(CALL("random_get", 0, 0), 0);   /* zero bytes at 0: in bounds */
    assert_int_equal(CALL("fd_close", 1), 0);
    T.mem = mem;
}

/* -- Bounds checks on I/O -- */

static void test_write_bounds(void **state)
{
    uint32_t fd;
    struct stat st;
    (void)state;
    assert_int_equal(wt_open(3, 0, "f.txt", WASI_OFLAG_CREAT, WT_R_RW, 0, &fd), 0);
    wt_str(1000, "hello");
    wt_iov(100, 1000, 5);
    /* nwritten out of bounds: nothing is written. */
    assert_int_equal(CALL("fd_write", fd, 100, 1, WT_MEM - 3), E(FAULT));
    /* iovec array out of bounds, or overflowing 32 bits. */
    assert_int_equal(CALL("fd_write", fd, WT_MEM - 4, 1, 200), E(FAULT));
    assert_int_equal(CALL("fd_write", fd, 100, 0x20000000, 200), E(FAULT));
    assert_int_equal(CALL("fd_write", fd, 0xfffffff8, 2, 200), E(FAULT));
    /* A buffer out of bounds, even after a good one. */
    wt_iov(108, WT_MEM - 2, 3);
    assert_int_equal(CALL("fd_write", fd, 100, 2, 200), E(FAULT));
    wt_iov(108, 0xffffffff, 2);
    assert_int_equal(CALL("fd_write", fd, 100, 2, 200), E(FAULT));
    assert_int_equal(fstat(T.w->fds[fd].host, &st), 0);
    assert_int_equal(st.st_size, 0);
    /* A buffer ending exactly at the end of memory is fine. */
    memcpy(T.mem + WT_MEM - 3, "abc", 3);
    wt_iov(108, WT_MEM - 3, 3);
    assert_int_equal(CALL("fd_write", fd, 100, 2, 200), 0);
    assert_int_equal(wt_get32(200), 8);
    /* Reads: same checks, and a read into the last bytes. */
    assert_int_equal(CALL("fd_seek", fd, 0, WASI_WHENCE_SET, 208), 0);
    wt_iov(100, WT_MEM - 4, 4);
    assert_int_equal(CALL("fd_read", fd, 100, 1, 200), 0);
    assert_int_equal(wt_get32(200), 4);
    assert_memory_equal(T.mem + WT_MEM - 4, "hell", 4);
    wt_iov(100, WT_MEM - 4, 5);
    assert_int_equal(CALL("fd_read", fd, 100, 1, 200), E(FAULT));
    assert_int_equal(CALL("fd_pread", fd, 100, 1, 0, 200), E(FAULT));
    assert_int_equal(CALL("fd_pwrite", fd, 100, 1, 0, 200), E(FAULT));
    /* Zero iovecs: zero bytes. */
    assert_int_equal(CALL("fd_write", fd, 100, 0, 200), 0);
    assert_int_equal(wt_get32(200), 0);
    /* Many iovecs (more than one host batch): a legal short write. */
    for (uint32_t i = 0; i < 300; i++)
        wt_iov(2000 + i * 8, 1000, 1);
    assert_int_equal(CALL("fd_write", fd, 2000, 300, 200), 0);
    assert_true(wt_get32(200) >= 1 && wt_get32(200) <= 300);
    /* Other result pointers. */
    assert_int_equal(CALL("fd_seek", fd, 0, 0, WT_MEM - 7), E(FAULT));
    assert_int_equal(CALL("fd_tell", fd, WT_MEM - 7), E(FAULT));
    assert_int_equal(CALL("fd_fdstat_get", fd, WT_MEM - 23), E(FAULT));
    assert_int_equal(CALL("fd_filestat_get", fd, WT_MEM - 63), E(FAULT));
    assert_int_equal(CALL("fd_prestat_get", 3, WT_MEM - 7), E(FAULT));
    assert_int_equal(CALL("fd_prestat_dir_name", 3, WT_MEM - 1, 2), E(FAULT));
    assert_int_equal(CALL("random_get", WT_MEM - 4, 5), E(FAULT));
    assert_int_equal(CALL("random_get", 0xffffffff, 0xffffffff), E(FAULT));
    assert_int_equal(CALL("clock_time_get", 0, 0, WT_MEM - 4), E(FAULT));
    assert_int_equal(CALL("clock_res_get", 1, 0xfffffffc), E(FAULT));
}

/* -- The fd table -- */

static void test_bad_fds(void **state)
{
    static const char *const fd_fns[] = {
        "fd_close", "fd_datasync", "fd_sync",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(fd_fns) / sizeof(fd_fns[0]); i++) {
        assert_int_equal(CALL(fd_fns[i], 5), E(BADF));
        assert_int_equal(CALL(fd_fns[i], 0xffffffff), E(BADF));
        assert_int_equal(CALL(fd_fns[i], 100000), E(BADF));
    }
    wt_iov(100, 1000, 4);
    assert_int_equal(CALL("fd_write", 9, 100, 1, 200), E(BADF));
    assert_int_equal(CALL("fd_read", 0x80000000, 100, 1, 200), E(BADF));
    assert_int_equal(CALL("fd_pread", 9, 100, 1, 0, 200), E(BADF));
    assert_int_equal(CALL("fd_pwrite", 9, 100, 1, 0, 200), E(BADF));
    assert_int_equal(CALL("fd_seek", 9, 0, 0, 200), E(BADF));
    assert_int_equal(CALL("fd_tell", 9, 200), E(BADF));
    assert_int_equal(CALL("fd_fdstat_get", 9, 200), E(BADF));
    assert_int_equal(CALL("fd_fdstat_set_flags", 9, 0), E(BADF));
    assert_int_equal(CALL("fd_fdstat_set_rights", 9, 0, 0), E(BADF));
    assert_int_equal(CALL("fd_filestat_get", 9, 200), E(BADF));
    assert_int_equal(CALL("fd_filestat_set_size", 9, 0), E(BADF));
    assert_int_equal(CALL("fd_filestat_set_times", 9, 0, 0, 0), E(BADF));
    assert_int_equal(CALL("fd_advise", 9, 0, 0, 0), E(BADF));
    assert_int_equal(CALL("fd_allocate", 9, 0, 1), E(BADF));
    assert_int_equal(CALL("fd_readdir", 9, 1000, 100, 0, 200), E(BADF));
    assert_int_equal(CALL("fd_renumber", 9, 1), E(BADF));
    assert_int_equal(CALL("fd_renumber", 1, 9), E(BADF));
    assert_int_equal(CALL("fd_prestat_get", 9, 200), E(BADF));
    assert_int_equal(CALL("fd_prestat_dir_name", 9, 1000, 10), E(BADF));
    assert_int_equal(wt_path_op("path_create_directory", 9, "x"), E(BADF));
    assert_int_equal(CALL("sock_shutdown", 9, 3), E(BADF));
    /* Not a preopen: BADF too (the end of wasi-libc's preopen scan). */
    assert_int_equal(CALL("fd_prestat_get", 0, 200), E(BADF));
    assert_int_equal(CALL("fd_prestat_get", 5, 200), E(BADF));
}

static void test_prestat(void **state)
{
    (void)state;
    assert_int_equal(CALL("fd_prestat_get", 3, 200), 0);
    assert_int_equal(T.mem[200], WASI_PREOPENTYPE_DIR);
    assert_int_equal(wt_get32(204), 1);
    assert_int_equal(CALL("fd_prestat_dir_name", 3, 1000, 1), 0);
    assert_memory_equal(T.mem + 1000, "/", 1);
    assert_int_equal(CALL("fd_prestat_get", 4, 200), 0);
    assert_int_equal(wt_get32(204), 3);
    assert_int_equal(CALL("fd_prestat_dir_name", 4, 1000, 2), E(NAMETOOLONG));
    memset(T.mem + 1000, 'x', 8);
    assert_int_equal(CALL("fd_prestat_dir_name", 4, 1000, 8), 0);
    assert_memory_equal(T.mem + 1000, "/roxxxxx", 8);   /* no NUL written */
}

static void test_close_and_lowest_fd(void **state)
{
    uint32_t a, b, c;
    (void)state;
    assert_int_equal(wt_open(3, 0, "a", WASI_OFLAG_CREAT, WT_R_RW, 0, &a), 0);
    assert_int_equal(wt_open(3, 0, "b", WASI_OFLAG_CREAT, WT_R_RW, 0, &b), 0);
    assert_int_equal(a, 5);
    assert_int_equal(b, 6);
    assert_int_equal(CALL("fd_close", a), 0);
    assert_int_equal(CALL("fd_close", a), E(BADF));
    assert_int_equal(wt_open(3, 0, "c", WASI_OFLAG_CREAT, WT_R_RW, 0, &c), 0);
    assert_int_equal(c, 5);   /* lowest free */
    /* Closing stdio frees its slot (the host fd is borrowed: stays open). */
    assert_int_equal(CALL("fd_close", 1), 0);
    assert_true(fcntl(T.devnull, F_GETFD) >= 0);
    assert_int_equal(wt_open(3, 0, "d", WASI_OFLAG_CREAT, WT_R_RW, 0, &c), 0);
    assert_int_equal(c, 1);
    /* A preopen can be closed; its name is gone with it. */
    assert_int_equal(CALL("fd_close", 4), 0);
    assert_int_equal(CALL("fd_prestat_get", 4, 200), E(BADF));
    assert_true(fcntl(T.rofd, F_GETFD) >= 0);
}

static void test_renumber(void **state)
{
    uint32_t a, b;
    (void)state;
    assert_int_equal(wt_open(3, 0, "a", WASI_OFLAG_CREAT, WT_R_RW, 0, &a), 0);
    assert_int_equal(wt_open(3, 0, "b", WASI_OFLAG_CREAT, WT_R_RW, 0, &b), 0);
    wt_str(1000, "A");
    wt_iov(100, 1000, 1);
    assert_int_equal(CALL("fd_renumber", a, a), 0);
    assert_int_equal(CALL("fd_renumber", a, b), 0);
    assert_int_equal(CALL("fd_write", a, 100, 1, 200), E(BADF));
    assert_int_equal(CALL("fd_write", b, 100, 1, 200), 0);   /* writes to "a" */
    {
        struct stat st;
        assert_int_equal(stat(wt_path(T.root, "a"), &st), 0);
        assert_int_equal(st.st_size, 1);
        assert_int_equal(stat(wt_path(T.root, "b"), &st), 0);
        assert_int_equal(st.st_size, 0);
    }
    /* Onto stdout. */
    assert_int_equal(CALL("fd_renumber", b, 1), 0);
    assert_int_equal(CALL("fd_fdstat_get", b, 200), E(BADF));
    assert_int_equal(CALL("fd_write", 1, 100, 1, 200), 0);
}

static void test_stdio_rights(void **state)
{
    (void)state;
    /* /dev/null: a character device, no seek or tell (isatty logic). */
    assert_int_equal(CALL("fd_fdstat_get", 1, 200), 0);
    assert_int_equal(T.mem[200], WASI_FILETYPE_CHARACTER_DEVICE);
    assert_true(wt_get64(208) & WASI_RIGHT_FD_WRITE);
    assert_true(wt_get64(208) & WASI_RIGHT_FD_READ);
    assert_false(wt_get64(208) & WASI_RIGHT_FD_SEEK);
    assert_false(wt_get64(208) & WASI_RIGHT_FD_TELL);
    assert_int_equal(CALL("fd_seek", 1, 0, WASI_WHENCE_CUR, 300), E(NOTCAPABLE));
    assert_int_equal(CALL("fd_tell", 1, 300), E(NOTCAPABLE));
}

/* -- Rights -- */

static void test_rights(void **state)
{
    uint32_t fd, len;
    (void)state;
    /* Preopen rights. */
    assert_int_equal(CALL("fd_fdstat_get", 3, 200), 0);
    assert_int_equal(T.mem[200], WASI_FILETYPE_DIRECTORY);
    assert_int_equal(wt_get64(208), WASI_RIGHTS_DIR);
    assert_int_equal(wt_get64(216), WASI_RIGHTS_DIR | WASI_RIGHTS_FILE);
    /* Open read-only: writing is not a right of the fd. */
    wt_write_file(wt_path(T.root, "r.txt"), "abc");
    assert_int_equal(wt_open(3, 0, "r.txt", 0, WT_R_READ, 0, &fd), 0);
    wt_iov(100, 1000, 3);
    assert_int_equal(CALL("fd_write", fd, 100, 1, 200), E(NOTCAPABLE));
    assert_int_equal(CALL("fd_read", fd, 100, 1, 200), 0);
    assert_int_equal(wt_get32(200), 3);
    /* A file gets file rights only; inheriting is empty. */
    assert_int_equal(CALL("fd_fdstat_get", fd, 200), 0);
    assert_int_equal(T.mem[200], WASI_FILETYPE_REGULAR_FILE);
    assert_int_equal(wt_get64(208), WT_R_READ & WASI_RIGHTS_FILE);
    assert_int_equal(wt_get64(216), 0);
    /* Shrinking works, growing does not. */
    assert_int_equal(CALL("fd_fdstat_set_rights", fd, WASI_RIGHT_FD_SEEK, 0), 0);
    assert_int_equal(CALL("fd_read", fd, 100, 1, 200), E(NOTCAPABLE));
    assert_int_equal(CALL("fd_fdstat_set_rights", fd, WASI_RIGHT_FD_SEEK | WASI_RIGHT_FD_READ, 0),
                     E(NOTCAPABLE));
    assert_int_equal(CALL("fd_fdstat_set_rights", fd, WASI_RIGHT_FD_SEEK, 1), E(NOTCAPABLE));
    assert_int_equal(CALL("fd_seek", fd, 0, WASI_WHENCE_SET, 200), 0);
    assert_int_equal(CALL("fd_tell", fd, 200), E(NOTCAPABLE));
    /* seek(0, CUR) is a tell: needs FD_TELL only. */
    assert_int_equal(CALL("fd_seek", fd, 0, WASI_WHENCE_CUR, 200), E(NOTCAPABLE));
    assert_int_equal(CALL("fd_filestat_get", fd, 200), E(NOTCAPABLE));
    /* A directory with fewer rights hands out fewer rights. */
    assert_int_equal(wt_path_op("path_create_directory", 3, "d"), 0);
    assert_int_equal(wt_open(3, 0, "d", WASI_OFLAG_DIRECTORY,
                             WASI_RIGHT_PATH_OPEN | WASI_RIGHT_FD_READDIR, 0, &fd),
                     0);
    /* inheriting == base here (wt_open passes base for both) */
    assert_int_equal(CALL("fd_fdstat_get", fd, 200), 0);
    assert_int_equal(wt_get64(216), WASI_RIGHT_PATH_OPEN | WASI_RIGHT_FD_READDIR);
    len = wt_str(60000, "x");
    assert_int_equal(CALL("path_open", fd, 0, 60000, len, WASI_OFLAG_CREAT, 0, 0, 0, 64000),
                     E(NOTCAPABLE));   /* no PATH_CREATE_FILE */
    wt_write_file(wt_path(T.root, "d/y"), "y");
    len = wt_str(60000, "y");
    assert_int_equal(CALL("path_open", fd, 0, 60000, len, 0, WASI_RIGHT_FD_READ, 0, 0, 64000),
                     E(NOTCAPABLE));   /* FD_READ not inheritable */
    assert_int_equal(CALL("path_open", fd, 0, 60000, len, 0, 0, WASI_RIGHT_FD_READDIR, 0,
                          64000),
                     0);               /* within inheriting */
    /* Sync flags need the sync rights. */
    assert_int_equal(CALL("path_open", fd, 0, 60000, len, 0, 0, 0, WASI_FDFLAG_DSYNC, 64000),
                     E(NOTCAPABLE));
    assert_int_equal(CALL("path_open", fd, 0, 60000, len, 0, 0, 0, WASI_FDFLAG_SYNC, 64000),
                     E(NOTCAPABLE));
    /* Path ops on a file fd. */
    assert_int_equal(wt_open(3, 0, "r.txt", 0, WT_R_READ | WASI_RIGHT_PATH_OPEN, 0, &fd), 0);
    assert_int_equal(wt_open(fd, 0, "x", 0, 0, 0, NULL), E(NOTCAPABLE));
}

/* -- File I/O -- */

static void test_file_io(void **state)
{
    uint32_t fd;
    struct stat st;
    (void)state;
    assert_int_equal(wt_open(3, 0, "io.txt", WASI_OFLAG_CREAT | WASI_OFLAG_EXCL, WT_R_RW, 0, &fd),
                     0);
    wt_str(1000, "0123456789");
    wt_iov(100, 1000, 4);
    wt_iov(108, 1004, 6);
    assert_int_equal(CALL("fd_write", fd, 100, 2, 200), 0);
    assert_int_equal(wt_get32(200), 10);
    assert_int_equal(CALL("fd_tell", fd, 200), 0);
    assert_int_equal(wt_get64(200), 10);
    /* pwrite leaves the position alone. */
    wt_str(1100, "AB");
    wt_iov(100, 1100, 2);
    assert_int_equal(CALL("fd_pwrite", fd, 100, 1, 3, 200), 0);
    assert_int_equal(CALL("fd_tell", fd, 200), 0);
    assert_int_equal(wt_get64(200), 10);
    /* pread. */
    wt_iov(100, 1200, 5);
    assert_int_equal(CALL("fd_pread", fd, 100, 1, 1, 200), 0);
    assert_int_equal(wt_get32(200), 5);
    assert_memory_equal(T.mem + 1200, "12AB5", 5);
    assert_int_equal(CALL("fd_pread", fd, 100, 1, (uint64_t)1 << 63, 200), E(INVAL));
    /* seek: set, cur, end, bad whence, before start. */
    assert_int_equal(CALL("fd_seek", fd, 2, WASI_WHENCE_SET, 200), 0);
    assert_int_equal(wt_get64(200), 2);
    assert_int_equal(CALL("fd_seek", fd, 3, WASI_WHENCE_CUR, 200), 0);
    assert_int_equal(wt_get64(200), 5);
    assert_int_equal(CALL("fd_seek", fd, (uint64_t)-1, WASI_WHENCE_END, 200), 0);
    assert_int_equal(wt_get64(200), 9);
    assert_int_equal(CALL("fd_seek", fd, 0, 3, 200), E(INVAL));
    assert_int_equal(CALL("fd_seek", fd, (uint64_t)-100, WASI_WHENCE_SET, 200), E(INVAL));
    wt_iov(100, 1200, 10);
    assert_int_equal(CALL("fd_read", fd, 100, 1, 200), 0);
    assert_int_equal(wt_get32(200), 1);
    assert_int_equal(CALL("fd_read", fd, 100, 1, 200), 0);
    assert_int_equal(wt_get32(200), 0);   /* EOF */
    /* filestat, set_size, set_times. */
    assert_int_equal(CALL("fd_filestat_get", fd, 300), 0);
    assert_int_equal(T.mem[316], WASI_FILETYPE_REGULAR_FILE);
    assert_int_equal(wt_get64(332), 10);
    assert_int_equal(wt_get64(324), 1);   /* nlink */
    assert_int_equal(CALL("fd_filestat_set_size", fd, 4), 0);
    assert_int_equal(CALL("fd_filestat_set_size", fd, (uint64_t)1 << 63), E(INVAL));
    assert_int_equal(CALL("fd_filestat_set_times", fd, 1000000000ull * 5 + 7, 1000000000ull * 9,
                          WASI_FSTFLAG_ATIM | WASI_FSTFLAG_MTIM),
                     0);
    assert_int_equal(fstat(T.w->fds[fd].host, &st), 0);
    assert_int_equal(st.st_size, 4);
    assert_int_equal(st.st_atim.tv_sec, 5);
    assert_int_equal(st.st_atim.tv_nsec, 7);
    assert_int_equal(st.st_mtim.tv_sec, 9);
    assert_int_equal(CALL("fd_filestat_set_times", fd, 0, 0,
                          WASI_FSTFLAG_ATIM | WASI_FSTFLAG_ATIM_NOW),
                     E(INVAL));
    assert_int_equal(CALL("fd_filestat_set_times", fd, 0, 0, 0x10), E(INVAL));
    assert_int_equal(CALL("fd_filestat_set_times", fd, 0, 0, WASI_FSTFLAG_MTIM_NOW), 0);
    assert_int_equal(fstat(T.w->fds[fd].host, &st), 0);
    assert_int_equal(st.st_atim.tv_sec, 5);   /* omitted: unchanged */
    assert_true(st.st_mtim.tv_sec > 1000000000);
    /* advise, allocate, sync. */
    assert_int_equal(CALL("fd_advise", fd, 0, 100, WASI_ADVICE_SEQUENTIAL), 0);
    assert_int_equal(CALL("fd_advise", fd, 0, 100, 6), E(INVAL));
    assert_int_equal(CALL("fd_allocate", fd, 0, 4096), 0);
    assert_int_equal(fstat(T.w->fds[fd].host, &st), 0);
    assert_int_equal(st.st_size, 4096);
    assert_int_equal(CALL("fd_allocate", fd, (uint64_t)1 << 63, 1), E(INVAL));
    assert_int_equal(CALL("fd_allocate", fd, INT64_MAX, 2), E(FBIG));
    assert_int_equal(CALL("fd_datasync", fd), 0);
    assert_int_equal(CALL("fd_sync", fd), 0);
    /* Append mode through set_flags; fdstat shows it. */
    assert_int_equal(CALL("fd_fdstat_set_flags", fd, WASI_FDFLAG_APPEND), 0);
    assert_int_equal(CALL("fd_fdstat_get", fd, 300), 0);
    assert_int_equal(wt_get16(302), WASI_FDFLAG_APPEND);
    assert_int_equal(CALL("fd_seek", fd, 0, WASI_WHENCE_SET, 200), 0);
    wt_iov(100, 1000, 1);
    assert_int_equal(CALL("fd_write", fd, 100, 1, 200), 0);
    assert_int_equal(fstat(T.w->fds[fd].host, &st), 0);
    assert_int_equal(st.st_size, 4097);
    assert_int_equal(CALL("fd_fdstat_set_flags", fd, 0x20), E(INVAL));
    assert_int_equal(CALL("fd_fdstat_set_flags", fd, WASI_FDFLAG_NONBLOCK), 0);
    assert_int_equal(CALL("fd_fdstat_get", fd, 300), 0);
    assert_int_equal(wt_get16(302), WASI_FDFLAG_NONBLOCK);
    /* EXCL on an existing file. */
    assert_int_equal(wt_open(3, 0, "io.txt", WASI_OFLAG_CREAT | WASI_OFLAG_EXCL, WT_R_RW, 0, NULL),
                     E(EXIST));
    /* TRUNC. */
    assert_int_equal(wt_open(3, 0, "io.txt", WASI_OFLAG_TRUNC, WT_R_RW, 0, &fd), 0);
    assert_int_equal(stat(wt_path(T.root, "io.txt"), &st), 0);
    assert_int_equal(st.st_size, 0);
    /* Open flags that the host keeps: SYNC/DSYNC/RSYNC show in fdstat. */
    assert_int_equal(wt_open(3, 0, "io.txt", 0, WT_R_RW, WASI_FDFLAG_SYNC | WASI_FDFLAG_RSYNC,
                             &fd),
                     0);
    assert_int_equal(CALL("fd_fdstat_get", fd, 300), 0);
    assert_int_equal(wt_get16(302), WASI_FDFLAG_SYNC | WASI_FDFLAG_RSYNC);
    assert_int_equal(wt_open(3, 0, "io.txt", 0, WT_R_RW, WASI_FDFLAG_DSYNC | WASI_FDFLAG_APPEND,
                             &fd),
                     0);
    assert_int_equal(CALL("fd_fdstat_get", fd, 300), 0);
    assert_int_equal(wt_get16(302), WASI_FDFLAG_DSYNC | WASI_FDFLAG_APPEND);
    /* Bad flags. */
    assert_int_equal(wt_open(3, 0, "io.txt", 0x10, WT_R_RW, 0, NULL), E(INVAL));
    assert_int_equal(wt_open(3, 0, "io.txt", 0, WT_R_RW, 0x20, NULL), E(INVAL));
    assert_int_equal(wt_open(3, 2, "io.txt", 0, WT_R_RW, 0, NULL), E(INVAL));
}

static void test_pipe_io(void **state)
{
    int p[2];
    uint32_t fd;
    (void)state;
    /* A pipe as stdin: no seek, ESPIPE-free because no right. */
    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], "xyz", 3), 3);
    close(p[1]);
    T.w->fds[0] = (wasi_fd){ .host = p[0], .owned = true, .type = wasi_filetype_of_fd(p[0]),
                             .base = WASI_RIGHTS_FILE };
    fd = 0;
    assert_int_equal(CALL("fd_seek", fd, 1, WASI_WHENCE_SET, 200), E(SPIPE));
    assert_int_equal(CALL("fd_pread", fd, 100, 0, 0, 200), E(SPIPE));
    wt_iov(100, 1000, 10);
    assert_int_equal(CALL("fd_read", fd, 100, 1, 200), 0);
    assert_int_equal(wt_get32(200), 3);
    assert_int_equal(CALL("fd_read", fd, 100, 1, 200), 0);
    assert_int_equal(wt_get32(200), 0);
    assert_int_equal(CALL("fd_fdstat_get", fd, 300), 0);
    assert_int_equal(T.mem[300], WASI_FILETYPE_UNKNOWN);   /* a FIFO */
}

/* -- Clocks, random, sched_yield, proc -- */

static void test_clocks(void **state)
{
    struct timespec now;
    (void)state;
    for (uint32_t id = 0; id < 4; id++) {
        assert_int_equal(CALL("clock_res_get", id, 200), 0);
        assert_true(wt_get64(200) > 0 && wt_get64(200) <= 1000000);
        assert_int_equal(CALL("clock_time_get", id, 1, 208), 0);
    }
    assert_int_equal(CALL("clock_res_get", 4, 200), E(INVAL));
    assert_int_equal(CALL("clock_time_get", 0xffffffff, 0, 200), E(INVAL));
    clock_gettime(CLOCK_REALTIME, &now);
    assert_int_equal(CALL("clock_time_get", WASI_CLOCK_REALTIME, 0, 200), 0);
    assert_true(wt_get64(200) / 1000000000u - (uint64_t)now.tv_sec <= 1);
    assert_int_equal(CALL("clock_time_get", WASI_CLOCK_MONOTONIC, 0, 200), 0);
    assert_int_equal(CALL("clock_time_get", WASI_CLOCK_MONOTONIC, 0, 208), 0);
    assert_true(wt_get64(208) >= wt_get64(200));
}

static void test_random_yield_proc(void **state)
{
    int nonzero = 0;
    (void)state;
    memset(T.mem + 1000, 0, 4096);
    assert_int_equal(CALL("random_get", 1000, 4096), 0);
    for (int i = 0; i < 4096; i++)
        nonzero += T.mem[1000 + i] != 0;
    assert_true(nonzero > 3000);
    assert_int_equal(CALL("random_get", WT_MEM, 0), 0);
    assert_int_equal(CALL0("sched_yield"), 0);
    assert_int_equal(CALL("proc_raise", 9), E(NOTSUP));
    assert_false(T.exiting);
    CALL("proc_exit", 0xffffff07);
    assert_true(T.exiting);
    assert_int_equal(T.exit_code, 0xffffff07);
}

/* -- poll_oneoff -- */

static void sub_clock(uint32_t at, uint64_t userdata, uint32_t id, uint64_t timeout, uint16_t flags)
{
    memset(T.mem + at, 0, WASI_SUBSCRIPTION_SIZE);
    wt_put64(at, userdata);
    T.mem[at + 8] = WASI_EVENTTYPE_CLOCK;
    wt_put32(at + 16, id);
    wt_put64(at + 24, timeout);
    memcpy(T.mem + at + 40, &flags, 2);
}

static void sub_fd(uint32_t at, uint64_t userdata, uint8_t type, uint32_t fd)
{
    memset(T.mem + at, 0, WASI_SUBSCRIPTION_SIZE);
    wt_put64(at, userdata);
    T.mem[at + 8] = type;
    wt_put32(at + 16, fd);
}

static uint64_t mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void test_poll(void **state)
{
    uint64_t t0;
    int p[2];
    uint32_t fd;
    (void)state;
    /* A relative clock: sleeps about that long. */
    sub_clock(1000, 42, WASI_CLOCK_MONOTONIC, 20000000, 0);
    t0 = mono_ns();
    assert_int_equal(CALL("poll_oneoff", 1000, 2000, 1, 100), 0);
    assert_true(mono_ns() - t0 >= 20000000);
    assert_int_equal(wt_get32(100), 1);
    assert_int_equal(wt_get64(2000), 42);
    assert_int_equal(wt_get16(2008), 0);
    assert_int_equal(T.mem[2010], WASI_EVENTTYPE_CLOCK);
    /* Absolute clocks: monotonic and realtime, in the past: at once. */
    sub_clock(1000, 1, WASI_CLOCK_MONOTONIC, mono_ns() + 10000000, WASI_SUBCLOCK_ABSTIME);
    t0 = mono_ns();
    assert_int_equal(CALL("poll_oneoff", 1000, 2000, 1, 100), 0);
    assert_true(mono_ns() - t0 >= 9000000);
    sub_clock(1000, 2, WASI_CLOCK_REALTIME, 1, WASI_SUBCLOCK_ABSTIME);
    assert_int_equal(CALL("poll_oneoff", 1000, 2000, 1, 100), 0);
    assert_int_equal(wt_get32(100), 1);
    assert_int_equal(wt_get64(2000), 2);
    /* Two clocks: only the earlier fires. */
    sub_clock(1000, 10, WASI_CLOCK_MONOTONIC, 5000000000ull, 0);
    sub_clock(1048, 11, WASI_CLOCK_MONOTONIC, 1000000, 0);
    assert_int_equal(CALL("poll_oneoff", 1000, 2000, 2, 100), 0);
    assert_int_equal(wt_get32(100), 1);
    assert_int_equal(wt_get64(2000), 11);
    /* Bad clock id and CPU clocks: error events, no wait. */
    sub_clock(1000, 20, 7, 5000000000ull, 0);
    sub_clock(1048, 21, WASI_CLOCK_PROCESS_CPUTIME, 5000000000ull, 0);
    assert_int_equal(CALL("poll_oneoff", 1000, 2000, 2, 100), 0);
    assert_int_equal(wt_get32(100), 2);
    assert_int_equal(wt_get16(2008), E(INVAL));
    assert_int_equal(wt_get16(2040), E(NOTSUP));
    /* fds: a pipe with data is readable; an empty one is not; a bad fd is
     * an error event; the write end is writable. */
    assert_int_equal(pipe(p), 0);
    assert_int_equal(wasi_fd_install(T.w, p[0], WASI_FILETYPE_UNKNOWN, WASI_RIGHTS_FILE, 0, false,
                                     &fd),
                     0);
    sub_fd(1000, 30, WASI_EVENTTYPE_FD_READ, fd);
    sub_clock(1048, 31, WASI_CLOCK_MONOTONIC, 30000000, 0);
    assert_int_equal(CALL("poll_oneoff", 1000, 2000, 2, 100), 0);
    assert_int_equal(wt_get32(100), 1);
    assert_int_equal(wt_get64(2000), 31);   /* timed out */
    assert_int_equal(write(p[1], "hi", 2), 2);
    assert_int_equal(CALL("poll_oneoff", 1000, 2000, 2, 100), 0);
    assert_int_equal(wt_get32(100), 1);
    assert_int_equal(wt_get64(2000), 30);
    assert_int_equal(T.mem[2010], WASI_EVENTTYPE_FD_READ);
    close(p[1]);
    assert_int_equal(CALL("poll_oneoff", 1000, 2000, 1, 100), 0);
    assert_int_equal(wt_get16(2024), WASI_EVENT_FD_READWRITE_HANGUP);   /* writer gone */
    sub_fd(1000, 40, WASI_EVENTTYPE_FD_WRITE, 1);
    sub_fd(1048, 41, WASI_EVENTTYPE_FD_READ, 77);
    assert_int_equal(CALL("poll_oneoff", 1000, 2000, 2, 100), 0);
    assert_int_equal(wt_get32(100), 2);
    assert_int_equal(wt_get64(2000), 40);
    assert_int_equal(wt_get16(2008), 0);
    assert_int_equal(T.mem[2010], WASI_EVENTTYPE_FD_WRITE);
    assert_int_equal(wt_get64(2032), 41);
    assert_int_equal(wt_get16(2040), E(BADF));
    /* A regular file is always ready; nbytes is what is left to read. */
    wt_write_file(wt_path(T.root, "p.txt"), "12345");
    assert_int_equal(wt_open(3, 0, "p.txt", 0, WT_R_READ | WASI_RIGHT_POLL_FD_READWRITE, 0, &fd),
                     0);
    sub_fd(1000, 50, WASI_EVENTTYPE_FD_READ, fd);
    assert_int_equal(CALL("poll_oneoff", 1000, 2000, 1, 100), 0);
    assert_int_equal(wt_get32(100), 1);
    assert_int_equal(wt_get64(2016), 5);
    /* Without the poll right: NOTCAPABLE event. */
    assert_int_equal(wt_open(3, 0, "p.txt", 0, WT_R_READ, 0, &fd), 0);
    sub_fd(1000, 51, WASI_EVENTTYPE_FD_READ, fd);
    assert_int_equal(CALL("poll_oneoff", 1000, 2000, 1, 100), 0);
    assert_int_equal(wt_get16(2008), E(NOTCAPABLE));
    /* Errors of the call itself. */
    assert_int_equal(CALL("poll_oneoff", 1000, 2000, 0, 100), E(INVAL));
    T.mem[1008] = 3;
    assert_int_equal(CALL("poll_oneoff", 1000, 2000, 1, 100), E(INVAL));
    assert_int_equal(CALL("poll_oneoff", WT_MEM - 40, 2000, 1, 100), E(FAULT));
    assert_int_equal(CALL("poll_oneoff", 1000, WT_MEM - 31, 1, 100), E(FAULT));
    assert_int_equal(CALL("poll_oneoff", 1000, 2000, 1, WT_MEM - 3), E(FAULT));
    assert_int_equal(CALL("poll_oneoff", 1000, 2000, 2000, 100), E(FAULT));
    assert_int_equal(CALL("poll_oneoff", 0, 0, 0xffffffff, 100), E(INVAL));
    /* in and out may be the same memory. */
    sub_clock(1000, 60, WASI_CLOCK_MONOTONIC, 0, 0);
    assert_int_equal(CALL("poll_oneoff", 1000, 1000, 1, 100), 0);
    assert_int_equal(wt_get64(1000), 60);
}

/* -- Sockets -- */

static void test_sockets(void **state)
{
    int sv[2], lst, cl;
    uint32_t sfd, lfd, afd;
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    (void)state;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    assert_int_equal(wasi_fd_install(T.w, sv[0], wasi_filetype_of_fd(sv[0]), WASI_RIGHTS_SOCK, 0,
                                     false, &sfd),
                     0);
    assert_int_equal(T.w->fds[sfd].type, WASI_FILETYPE_SOCKET_STREAM);
    /* send: flags must be 0; uses the first non-empty buffer. */
    wt_str(1000, "ping");
    wt_iov(100, 1000, 0);
    wt_iov(108, 1000, 4);
    assert_int_equal(CALL("sock_send", sfd, 100, 2, 0, 200), 0);
    assert_int_equal(wt_get32(200), 4);
    assert_int_equal(CALL("sock_send", sfd, 100, 2, 1, 200), E(INVAL));
    assert_int_equal(CALL("sock_send", sfd, 100, 2, 0, WT_MEM), E(FAULT));
    {
        char buf[8];
        assert_int_equal(read(sv[1], buf, sizeof(buf)), 4);
        assert_memory_equal(buf, "ping", 4);
    }
    assert_int_equal(write(sv[1], "pong!", 5), 5);
    wt_iov(100, 1100, 16);
    assert_int_equal(CALL("sock_recv", sfd, 100, 1, WASI_RIFLAG_RECV_PEEK, 200, 204), 0);
    assert_int_equal(wt_get32(200), 5);
    assert_int_equal(CALL("sock_recv", sfd, 100, 1, 0, 200, 204), 0);
    assert_int_equal(wt_get32(200), 5);
    assert_int_equal(wt_get16(204), 0);
    assert_memory_equal(T.mem + 1100, "pong!", 5);
    assert_int_equal(CALL("sock_recv", sfd, 100, 1, 4, 200, 204), E(INVAL));
    assert_int_equal(CALL("sock_recv", sfd, 100, 1, 0, 200, WT_MEM - 1), E(FAULT));
    /* shutdown. */
    assert_int_equal(CALL("sock_shutdown", sfd, 0), E(INVAL));
    assert_int_equal(CALL("sock_shutdown", sfd, 4), E(INVAL));
    assert_int_equal(CALL("sock_shutdown", sfd, WASI_SDFLAG_WR), 0);
    {
        char buf[4];
        assert_int_equal(read(sv[1], buf, sizeof(buf)), 0);   /* EOF */
    }
    assert_int_equal(CALL("sock_send", sfd, 100, 1, 0, 200), E(PIPE));
    /* Not a socket. */
    assert_int_equal(CALL("sock_shutdown", 1, WASI_SDFLAG_WR), E(NOTCAPABLE));
    T.w->fds[1].base |= WASI_RIGHT_SOCK_SHUTDOWN;
    assert_int_equal(CALL("sock_shutdown", 1, WASI_SDFLAG_WR), E(NOTSOCK));
    assert_int_equal(CALL("sock_recv", 1, 100, 1, 0, 200, 204), E(NOTSOCK));
    assert_int_equal(CALL("sock_send", 1, 100, 1, 0, 200), E(NOTSOCK));
    close(sv[1]);

    /* accept on a listening socket. */
    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/sock", T.top);
    lst = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(lst >= 0);
    assert_int_equal(bind(lst, (struct sockaddr *)&addr, sizeof(addr)), 0);
    assert_int_equal(listen(lst, 4), 0);
    assert_int_equal(wasi_fd_install(T.w, lst, WASI_FILETYPE_SOCKET_STREAM, WASI_RIGHTS_SOCK, 0,
                                     false, &lfd),
                     0);
    assert_int_equal(CALL("sock_accept", lfd, 0, WT_MEM - 2), E(FAULT));
    assert_int_equal(CALL("sock_accept", lfd, 1, 200), E(INVAL));
    assert_int_equal(CALL("fd_fdstat_set_flags", lfd, WASI_FDFLAG_NONBLOCK), 0);
    assert_int_equal(CALL("sock_accept", lfd, 0, 200), E(AGAIN));
    assert_int_equal(CALL("fd_fdstat_set_flags", lfd, 0), 0);
    cl = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_int_equal(connect(cl, (struct sockaddr *)&addr, sizeof(addr)), 0);
    assert_int_equal(CALL("sock_accept", lfd, 0, 200), 0);
    afd = wt_get32(200);
    assert_int_equal(CALL("fd_fdstat_get", afd, 300), 0);
    assert_int_equal(T.mem[300], WASI_FILETYPE_SOCKET_STREAM);
    assert_false(wt_get64(308) & WASI_RIGHT_SOCK_ACCEPT);
    assert_int_equal(write(cl, "x", 1), 1);
    wt_iov(100, 1100, 4);
    assert_int_equal(CALL("fd_read", afd, 100, 1, 200), 0);
    assert_int_equal(wt_get32(200), 1);
    assert_int_equal(CALL("fd_filestat_get", afd, 400), 0);
    assert_int_equal(T.mem[416], WASI_FILETYPE_SOCKET_STREAM);
    close(cl);
}

/* -- The function table and linking -- */

static void test_table(void **state)
{
    (void)state;
    assert_int_equal(wasi_nfns, 46);
    for (uint32_t i = 0; i < wasi_nfns; i++) {
        const char *colon = strchr(wasi_fns[i].sig, ':');
        assert_non_null(colon);
        assert_ptr_equal(wasi_fn_find(wasi_fns[i].name, strlen(wasi_fns[i].name)), &wasi_fns[i]);
        assert_true(strlen(colon + 1) <= 1);
    }
    assert_null(wasi_fn_find("fd_writ", 7));
    assert_null(wasi_fn_find("fd_writex", 9));
    assert_string_equal(wasi_fn_find("path_open", 9)->sig, "iiiiiIIii:i");
    assert_string_equal(wasi_fn_find("proc_exit", 9)->sig, "i:");
}

/* (module (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
 *         (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
 *         (memory (export "memory") 1)) */
static const uint8_t mod_ok[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0d, 0x02, 0x60, 0x04, 0x7f,
    0x7f, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x00, 0x02, 0x46, 0x02, 0x16, 0x77,
    0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70,
    0x72, 0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x08, 0x66, 0x64, 0x5f, 0x77, 0x72, 0x69,
    0x74, 0x65, 0x00, 0x00, 0x16, 0x77, 0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70,
    0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x09,
    0x70, 0x72, 0x6f, 0x63, 0x5f, 0x65, 0x78, 0x69, 0x74, 0x00, 0x01, 0x05, 0x03, 0x01,
    0x00, 0x01, 0x07, 0x0a, 0x01, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00,
};

/* Builds a one-import module: (import MODULE NAME (func (param i32))). */
static size_t one_import(uint8_t *out, const char *module, const char *name)
{
    size_t n = 0, ml = strlen(module), nl = strlen(name);
    static const uint8_t head[] = { 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
                                    0x01, 0x05, 0x01, 0x60, 0x01, 0x7f, 0x00 };
    memcpy(out, head, sizeof(head));
    n = sizeof(head);
    out[n++] = 0x02;
    out[n++] = (uint8_t)(1 + 1 + ml + 1 + nl + 2);
    out[n++] = 1;
    out[n++] = (uint8_t)ml;
    memcpy(out + n, module, ml);
    n += ml;
    out[n++] = (uint8_t)nl;
    memcpy(out + n, name, nl);
    n += nl;
    out[n++] = 0x00;
    out[n++] = 0x00;
    return n;
}

static void test_link(void **state)
{
    wb_engine *e = wb_engine_new(NULL);
    wb_store *s = wb_store_new(e);
    wb_compiled *c = NULL;
    wb_instance *inst = NULL;
    wb_trap *trap = NULL;
    wb_extern imports[2];
    wb_diag d = { 0 };
    uint8_t buf[128];
    size_t n;
    (void)state;

    assert_int_equal(wb_compile(e, mod_ok, sizeof(mod_ok), &c, &d), WB_OK);
    assert_int_equal(wb_wasi_link(T.w, s, c, imports, 2, &d), WB_OK);
    assert_int_equal(imports[0].kind, WB_EXTERN_FUNC);
    assert_int_equal(wb_instance_new(s, c, imports, 2, &inst, &trap, &d), WB_OK);
    assert_int_equal(wb_wasi_link(T.w, s, c, imports, 1, &d), WB_ERR_USAGE);
    wb_compiled_free(c);

    n = one_import(buf, "env", "f");
    assert_int_equal(wb_compile(e, buf, n, &c, &d), WB_OK);
    assert_int_equal(wb_wasi_link(T.w, s, c, imports, 1, &d), WB_ERR_UNKNOWN_IMPORT);
    assert_non_null(strstr(d.detail, "env::f: not a WASI import"));
    wb_compiled_free(c);

    n = one_import(buf, "wasi_snapshot_preview1", "fd_frob");
    assert_int_equal(wb_compile(e, buf, n, &c, &d), WB_OK);
    assert_int_equal(wb_wasi_link(T.w, s, c, imports, 1, &d), WB_ERR_UNKNOWN_IMPORT);
    assert_non_null(strstr(d.detail, "wasi_snapshot_preview1::fd_frob: unknown WASI function"));
    wb_compiled_free(c);

    /* A known function with the wrong type: the runtime's link check. */
    n = one_import(buf, "wasi_snapshot_preview1", "fd_close");
    assert_int_equal(wb_compile(e, buf, n, &c, &d), WB_OK);
    assert_int_equal(wb_wasi_link(T.w, s, c, imports, 1, &d), WB_OK);
    if (wb_instance_new(s, c, imports, 1, &inst, &trap, &d) != WB_ERR_INCOMPATIBLE_IMPORT)
        fail_msg("expected an incompatible import, got: %s", d.detail);
    assert_non_null(strstr(d.detail, "fd_close"));
    wb_compiled_free(c);
    wb_store_free(s);
    wb_engine_free(e);
}

/* -- Config -- */

static void test_config_errors(void **state)
{
    wb_wasi *w = NULL;
    wb_diag d = { 0 };
    wb_wasi_preopen bad = { .host_fd = T.devnull, .guest_path = "/x" };
    wb_wasi_config cfg = { .stdio = { -1, -1, -1 }, .preopens = &bad, .npreopens = 1 };
    (void)state;
    assert_int_equal(wb_wasi_new(&cfg, &w, &d), WB_ERR_USAGE);
    assert_non_null(strstr(d.detail, "not an open directory"));
    bad.host_fd = T.rootfd;
    bad.guest_path = "";
    assert_int_equal(wb_wasi_new(&cfg, &w, &d), WB_ERR_USAGE);
    cfg.npreopens = 0;
    cfg.stdio[0] = 1000;   /* not open */
    assert_int_equal(wb_wasi_new(&cfg, &w, &d), WB_ERR_USAGE);
    cfg.stdio[0] = -1;
    assert_int_equal(wb_wasi_new(&cfg, &w, &d), WB_OK);
    /* Closed stdio slots are BADF. */
    {
        wb_wasi *saved = T.w;
        T.w = w;
        assert_int_equal(CALL("fd_fdstat_get", 0, 200), E(BADF));
        assert_int_equal(CALL("args_sizes_get", 100, 104), 0);
        assert_int_equal(wt_get32(100), 0);
        assert_int_equal(wt_get32(104), 0);
        assert_int_equal(CALL("args_get", 100, 104), 0);
        T.w = saved;
    }
    wb_wasi_free(w);
    wb_wasi_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errno_table),
        WT_TEST(test_args_environ),
        WT_TEST(test_no_memory),
        WT_TEST(test_write_bounds),
        WT_TEST(test_bad_fds),
        WT_TEST(test_prestat),
        WT_TEST(test_close_and_lowest_fd),
        WT_TEST(test_renumber),
        WT_TEST(test_stdio_rights),
        WT_TEST(test_rights),
        WT_TEST(test_file_io),
        WT_TEST(test_pipe_io),
        WT_TEST(test_clocks),
        WT_TEST(test_random_yield_proc),
        WT_TEST(test_poll),
        WT_TEST(test_sockets),
        WT_TEST(test_table),
        WT_TEST(test_link),
        WT_TEST(test_config_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* fileio — every fd_* function on files the test creates under fd 3 ("."),
 * with their errors: read/write (plain, positional, vectored), seek/tell,
 * fdstat (flags, rights), filestat (size, times), advise, allocate, sync,
 * renumber, close; bad fds and bad pointers. Also stdio fdstat. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasitest.h"

static char buf[64];

static __wasi_size_t wr(__wasi_fd_t fd, const char *s)
{
    __wasi_ciovec_t iov = { (const uint8_t *)s, strlen(s) };
    __wasi_size_t n = 0;
    wt_show("  write", __wasi_fd_write(fd, &iov, 1, &n));
    return n;
}

static void rd(__wasi_fd_t fd, size_t len)
{
    __wasi_iovec_t iov = { (uint8_t *)buf, len };
    __wasi_size_t n = 0;
    __wasi_errno_t e = __wasi_fd_read(fd, &iov, 1, &n);
    printf("  read %zu: %s [%.*s]\n", len, wt_err(e), (int)n, buf);
}

static void filestat(__wasi_fd_t fd)
{
    __wasi_filestat_t st;
    __wasi_errno_t e = __wasi_fd_filestat_get(fd, &st);
    printf("  filestat: %s type=%u size=%llu nlink=%llu\n", wt_err(e), st.filetype,
           (unsigned long long)st.size, (unsigned long long)st.nlink);
}

int main(void)
{
    __wasi_fd_t fd, fd2, ro;
    __wasi_filesize_t pos;
    __wasi_fdstat_t fs;
    __wasi_filestat_t st;
    __wasi_size_t n;

    puts("create:");
    SHOW(wt_open(3, 0, "f.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, WT_RW, 0, &fd));
    SHOW(wt_open(3, 0, "f.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, WT_RW, 0, &fd2));
    printf("  new fd is 5: %s\n", fd == 5 ? "yes" : "no");
    {
        __wasi_ciovec_t iov[3] = { { (const uint8_t *)"0123", 4 }, { (const uint8_t *)"", 0 },
                                   { (const uint8_t *)"456789", 6 } };
        SHOW(__wasi_fd_write(fd, iov, 3, &n));
        printf("  vectored write: %u bytes\n", (unsigned)n);
    }
    puts("seek and tell:");
    SHOW(__wasi_fd_tell(fd, &pos));
    printf("  pos %llu\n", (unsigned long long)pos);
    SHOW(__wasi_fd_seek(fd, 2, __WASI_WHENCE_SET, &pos));
    SHOW(__wasi_fd_seek(fd, 3, __WASI_WHENCE_CUR, &pos));
    printf("  pos %llu\n", (unsigned long long)pos);
    SHOW(__wasi_fd_seek(fd, -1, __WASI_WHENCE_END, &pos));
    printf("  pos %llu\n", (unsigned long long)pos);
    SHOW(__wasi_fd_seek(fd, -100, __WASI_WHENCE_SET, &pos));
    SHOW(__wasi_fd_seek(fd, 0, 3, &pos));
    rd(fd, 10);
    rd(fd, 10);
    puts("positional:");
    {
        __wasi_ciovec_t iov = { (const uint8_t *)"AB", 2 };
        __wasi_iovec_t riov[2] = { { (uint8_t *)buf, 3 }, { (uint8_t *)buf + 3, 3 } };
        SHOW(__wasi_fd_pwrite(fd, &iov, 1, 3, &n));
        SHOW(__wasi_fd_pread(fd, riov, 2, 1, &n));
        printf("  pread: [%.*s]\n", (int)n, buf);
        SHOW(__wasi_fd_tell(fd, &pos));
        printf("  pos unchanged: %llu\n", (unsigned long long)pos);
        SHOW(__wasi_fd_pread(fd, riov, 2, 100, &n));
        printf("  pread past the end: %u bytes\n", (unsigned)n);
    }
    puts("filestat:");
    filestat(fd);
    SHOW(__wasi_fd_filestat_set_size(fd, 4));
    filestat(fd);
    SHOW(__wasi_fd_filestat_set_size(fd, 100));
    filestat(fd);
    SHOW(__wasi_fd_filestat_set_times(fd, 5000000007ull, 9000000000ull,
                                      __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
    __wasi_fd_filestat_get(fd, &st);
    printf("  atim=%llu mtim=%llu\n", (unsigned long long)st.atim, (unsigned long long)st.mtim);
    SHOW(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW));
    SHOW(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    __wasi_fd_filestat_get(fd, &st);
    printf("  atim kept=%s mtim now=%s\n", st.atim == 5000000007ull ? "yes" : "no",
           st.mtim > 1577836800000000000ull ? "yes" : "no");
    puts("advise, allocate, sync:");
    SHOW(__wasi_fd_advise(fd, 0, 10, __WASI_ADVICE_SEQUENTIAL));
    SHOW(__wasi_fd_advise(fd, 0, 10, 9));
    SHOW(__wasi_fd_allocate(fd, 0, 1000));
    filestat(fd);
    SHOW(__wasi_fd_datasync(fd));
    SHOW(__wasi_fd_sync(fd));
    puts("fdstat and flags:");
    SHOW(__wasi_fd_fdstat_get(fd, &fs));
    printf("  type=%u flags=%u\n", fs.fs_filetype, fs.fs_flags);
    SHOW(__wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND));
    __wasi_fd_fdstat_get(fd, &fs);
    printf("  flags=%u\n", fs.fs_flags);
    __wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos);
    wr(fd, "tail");
    filestat(fd);
    SHOW(__wasi_fd_fdstat_set_flags(fd, 0x100));
    SHOW(__wasi_fd_fdstat_set_flags(fd, 0));
    puts("rights:");
    SHOW(__wasi_fd_fdstat_set_rights(fd, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK, 0));
    wr(fd, "x");
    SHOW(__wasi_fd_fdstat_set_rights(fd, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0));
    SHOW(__wasi_fd_tell(fd, &pos));
    SHOW(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos));
    __wasi_fd_fdstat_get(fd, &fs);
    printf("  rights now 0x%llx\n", (unsigned long long)fs.fs_rights_base);
    SHOW(wt_open(3, 0, "f.txt", 0, __WASI_RIGHTS_FD_READ, 0, &ro));
    wr(ro, "no");
    puts("open flags:");
    SHOW(wt_open(3, 0, "f.txt", __WASI_OFLAGS_TRUNC, WT_RW, 0, &fd2));
    filestat(fd2);
    SHOW(wt_open(3, 0, "f.txt", __WASI_OFLAGS_DIRECTORY, WT_READ, 0, &fd2));
    SHOW(wt_open(3, 0, "missing", 0, WT_READ, 0, &fd2));
    SHOW(wt_open(3, 0, "f.txt", 0, WT_RW, __WASI_FDFLAGS_SYNC, &fd2));
    __wasi_fd_fdstat_get(fd2, &fs);
    printf("  sync flags=%u\n", fs.fs_flags);
    SHOW(wt_open(3, 0, "f.txt", 0, WT_RW, __WASI_FDFLAGS_DSYNC, &fd2));
    __wasi_fd_fdstat_get(fd2, &fs);
    printf("  dsync flags=%u\n", fs.fs_flags);
    SHOW(wt_open(3, 0, "f.txt", 0x10, WT_RW, 0, &fd2));
    puts("renumber and close:");
    SHOW(wt_open(3, 0, "g.txt", __WASI_OFLAGS_CREAT, WT_RW, 0, &fd2));
    SHOW(__wasi_fd_renumber(fd2, fd));
    wr(fd, "G");
    SHOW(__wasi_fd_close(fd2));
    SHOW(__wasi_fd_renumber(fd, 77));
    SHOW(__wasi_fd_renumber(77, fd));
    SHOW(__wasi_fd_close(fd));
    SHOW(__wasi_fd_close(fd));
    SHOW(__wasi_fd_close(-1));
    puts("bad fds:");
    SHOW(__wasi_fd_tell(42, &pos));
    SHOW(__wasi_fd_filestat_get(42, &st));
    SHOW(__wasi_fd_fdstat_get(42, &fs));
    SHOW(__wasi_fd_sync(42));
    SHOW(__wasi_fd_readdir(42, (uint8_t *)buf, 10, 0, &n));
    puts("bad pointers:");
    SHOW(wt_open(3, 0, "g.txt", 0, WT_RW, 0, &fd));
    {
        __wasi_ciovec_t bad = { WT_BAD_PTR, 4 };
        SHOW(__wasi_fd_write(fd, &bad, 1, &n));
        SHOW(__wasi_fd_write(fd, WT_BAD_PTR, 1, &n));
        SHOW(__wasi_fd_read(fd, WT_BAD_PTR, 1, &n));
        SHOW(__wasi_fd_fdstat_get(fd, WT_BAD_PTR));
        SHOW(__wasi_fd_filestat_get(fd, WT_BAD_PTR));
        SHOW(__wasi_fd_tell(fd, WT_BAD_PTR));
        SHOW(wt_raw_open(3, 0, 0xfffffff0u, 4, 0, 0, 0, 0, WT_P(&fd2)));
        SHOW(wt_raw_open(3, 0, WT_P("g.txt"), 5, 0, 0, 0, 0, 0xfffffffeu));
    }
    puts("libc:");
    {
        FILE *f = fopen("h.txt", "w+");
        struct stat sb;
        printf("  fopen: %s\n", f ? "ok" : strerror(errno));
        fprintf(f, "line %d\n", 1);
        rewind(f);
        printf("  fgets: %s", fgets(buf, sizeof(buf), f));
        fclose(f);
        printf("  stat size: %d %lld\n", stat("h.txt", &sb), (long long)sb.st_size);
        printf("  open missing: %d %s\n", open("nope", O_RDONLY), strerror(errno));
        printf("  isatty(1): %d\n", isatty(1));
    }
    puts("stdio:");
    for (__wasi_fd_t i = 0; i < 3; i++) {
        __wasi_fd_fdstat_get(i, &fs);
        printf("  fd %d: type=%u seek=%s\n", i, fs.fs_filetype,
               fs.fs_rights_base & __WASI_RIGHTS_FD_SEEK ? "yes" : "no");
    }
    return 0;
}

/* paths — every path_* function under fd 3 (".") with its errors:
 * create/remove directories, unlink, rename, link, symlink, readlink
 * (truncation), filestat (follow or not), set_times, trailing slashes,
 * "." and "..", bad strings; then the same through libc. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasitest.h"

static __wasi_filestat_t st;
static char buf[64];

static void pstat(__wasi_lookupflags_t lk, const char *p)
{
    __wasi_errno_t e = __wasi_path_filestat_get(3, lk, p, &st);
    printf("stat %s%s: %s", p, lk ? " (follow)" : "", wt_err(e));
    if (!e)
        printf(" type=%u size=%llu nlink=%llu", st.filetype, (unsigned long long)st.size,
               (unsigned long long)st.nlink);
    printf("\n");
}

static void readlink_(const char *p, size_t len)
{
    __wasi_size_t n = 0;
    __wasi_errno_t e = __wasi_path_readlink(3, p, (uint8_t *)buf, len, &n);
    printf("readlink %s (%zu): %s [%.*s]\n", p, len, wt_err(e), (int)n, buf);
}

static void mkfile(const char *p, const char *text)
{
    __wasi_fd_t fd;
    __wasi_ciovec_t iov = { (const uint8_t *)text, strlen(text) };
    __wasi_size_t n;
    if (wt_open(3, 0, p, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, WT_RW, 0, &fd) == 0) {
        (void)__wasi_fd_write(fd, &iov, 1, &n);
        (void)__wasi_fd_close(fd);
    }
}

int main(void)
{
    __wasi_fd_t fd;

    puts("-- directories");
    SHOW(__wasi_path_create_directory(3, "a"));
    SHOW(__wasi_path_create_directory(3, "a"));
    SHOW(__wasi_path_create_directory(3, "a/b/"));
    SHOW(__wasi_path_create_directory(3, "nope/b"));
    SHOW(__wasi_path_create_directory(3, ""));
    SHOW(__wasi_path_create_directory(3, "."));
    SHOW(__wasi_path_remove_directory(3, "a"));
    SHOW(__wasi_path_remove_directory(3, "a/b/"));
    SHOW(__wasi_path_remove_directory(3, "."));
    SHOW(__wasi_path_remove_directory(3, "missing"));
    mkfile("f", "12345");
    SHOW(__wasi_path_remove_directory(3, "f"));
    puts("-- unlink");
    SHOW(__wasi_path_unlink_file(3, "a"));
    SHOW(__wasi_path_unlink_file(3, "f/"));
    SHOW(__wasi_path_unlink_file(3, "missing"));
    mkfile("gone", "x");
    SHOW(__wasi_path_unlink_file(3, "gone"));
    puts("-- filestat");
    pstat(0, "f");
    pstat(0, "a");
    pstat(0, ".");
    pstat(0, "f/");
    pstat(0, "missing");
    SHOW(__wasi_path_filestat_get(3, 0, "f", WT_BAD_PTR));
    puts("-- symlinks");
    SHOW(__wasi_path_symlink("f", 3, "lf"));
    SHOW(__wasi_path_symlink("f", 3, "lf"));
    SHOW(__wasi_path_symlink("a/long/target/name", 3, "l2"));
    SHOW(__wasi_path_symlink("missing", 3, "dangling"));
    pstat(0, "lf");
    pstat(__WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "lf");
    pstat(__WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "dangling");
    readlink_("lf", sizeof(buf));
    readlink_("l2", 6);
    readlink_("f", sizeof(buf));
    readlink_("missing", sizeof(buf));
    SHOW(wt_open(3, 0, "lf", 0, WT_READ, 0, &fd));
    SHOW(wt_open(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "lf", 0, WT_READ, 0, &fd));
    SHOW(__wasi_path_unlink_file(3, "dangling"));
    puts("-- set_times");
    SHOW(__wasi_path_filestat_set_times(3, 0, "f", 0, 77000000000ull, __WASI_FSTFLAGS_MTIM));
    pstat(0, "f");
    printf("mtim=%llu\n", (unsigned long long)st.mtim);
    SHOW(__wasi_path_filestat_set_times(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "lf", 0,
                                        88000000000ull, __WASI_FSTFLAGS_MTIM));
    __wasi_path_filestat_get(3, 0, "f", &st);
    printf("mtim through link=%llu\n", (unsigned long long)st.mtim);
    SHOW(__wasi_path_filestat_set_times(3, 0, "f", 0, 0,
                                        __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_MTIM_NOW));
    SHOW(__wasi_path_filestat_set_times(3, 0, "missing", 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    puts("-- rename");
    SHOW(__wasi_path_rename(3, "f", 3, "g"));
    pstat(0, "f");
    SHOW(__wasi_path_rename(3, "g", 3, "a"));
    SHOW(__wasi_path_rename(3, "missing", 3, "x"));
    SHOW(__wasi_path_rename(3, "a", 3, "a/inside"));
    SHOW(__wasi_path_rename(3, "g/", 3, "h"));
    mkfile("a/x", "x");
    SHOW(__wasi_path_create_directory(3, "e"));
    SHOW(__wasi_path_rename(3, "e", 3, "a"));
    SHOW(__wasi_path_rename(3, "e", 3, "e2"));
    mkfile("over", "over");
    SHOW(__wasi_path_rename(3, "over", 3, "g"));
    pstat(0, "g");
    puts("-- link");
    SHOW(__wasi_path_link(3, 0, "g", 3, "g2"));
    pstat(0, "g");
    SHOW(__wasi_path_link(3, 0, "g", 3, "g2"));
    SHOW(__wasi_path_link(3, 0, "a", 3, "a2"));
    SHOW(__wasi_path_link(3, 0, "missing", 3, "m2"));
    SHOW(__wasi_path_link(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "lf", 3, "viafollow"));
    SHOW(__wasi_path_symlink("g", 3, "lg"));
    SHOW(__wasi_path_link(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "lg", 3, "viafollow"));
    pstat(0, "viafollow");
    SHOW(__wasi_path_link(3, 0, "lg", 3, "linkcopy"));
    pstat(0, "linkcopy");
    puts("-- bad strings");
    SHOW(__wasi_path_create_directory(3, "a\xff"));
    SHOW(__wasi_path_create_directory(3, "\xc3\xa9t\xc3\xa9"));
    pstat(0, "\xc3\xa9t\xc3\xa9");
    SHOW(wt_raw_mkdir(3, 0xfffffff0u, 4));
    SHOW(wt_raw_mkdir(3, WT_P("abc"), 0xffffffffu));
    SHOW(wt_raw_mkdir(3, WT_P("a\0b"), 3));
    {
        static char longname[5000];
        memset(longname, 'n', sizeof(longname) - 1);
        SHOW(__wasi_path_create_directory(3, longname));
        longname[300] = 0;
        SHOW(__wasi_path_create_directory(3, longname));
    }
    puts("-- libc");
    printf("mkdir: %d\n", mkdir("c", 0777));
    printf("mkdir again: %d %s\n", mkdir("c", 0777), strerror(errno));
    printf("rename: %d\n", rename("g2", "c/g3"));
    printf("unlink: %d\n", unlink("c/g3"));
    printf("rmdir: %d\n", rmdir("c"));
    printf("rmdir non-empty: %d %s\n", rmdir("a"), strerror(errno));
    printf("symlink: %d\n", symlink("g", "s"));
    {
        ssize_t n = readlink("s", buf, sizeof(buf));
        printf("readlink: %d [%.*s]\n", (int)n, (int)(n > 0 ? n : 0), buf);
    }
    printf("link: %d\n", link("g", "g4"));
    printf("access: %d\n", access("g4", F_OK));
    printf("truncate: %d\n", truncate("g4", 2));
    {
        struct stat sb;
        printf("lstat s: %d link=%d\n", lstat("s", &sb), S_ISLNK(sb.st_mode));
        printf("stat s: %d size=%lld\n", stat("s", &sb), (long long)sb.st_size);
    }
    printf("chdir: %d\n", chdir("a"));
    printf("open relative after chdir: %d\n", open("x", O_RDONLY) >= 0);
    return 0;
}

/* escape — nothing leaves the preopens. The runner prepares, around the
 * test's directory "." (fd 3, read-write):
 *   ../outside/secret            a file that must stay unreachable
 *   rel_out -> ../outside/secret, abs_out -> /abs/path/outside/secret,
 *   root_link -> /, chain1 -> chain2 -> sub/../chain3 -> ../outside
 *   sub/in.txt, good -> sub/in.txt, sub/up -> ../sub/in.txt (inside)
 *   fd 4 "ro": a read-only preopen holding data.txt and dir/
 * Every attempt prints its errno; the runner then checks that outside/ and
 * ro/ are unchanged. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasitest.h"

#define FOLLOW __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW

static void try_open(__wasi_fd_t dir, __wasi_lookupflags_t lk, const char *p, __wasi_oflags_t of,
                     __wasi_rights_t r)
{
    __wasi_fd_t fd;
    __wasi_errno_t e = wt_open(dir, lk, p, of, r, 0, &fd);
    printf("open %d:%s%s%s: %s\n", dir, p, lk ? " (follow)" : "",
           of & __WASI_OFLAGS_CREAT ? " (create)" : "", wt_err(e));
    if (!e)
        __wasi_fd_close(fd);
}

static void libc_open(const char *p, int flags)
{
    int fd = open(p, flags, 0666);
    printf("libc open %s: %s\n", p, fd >= 0 ? "ok" : strerror(errno));
    if (fd >= 0)
        close(fd);
}

int main(void)
{
    static const char *const out[] = {
        "..", "../outside/secret", "sub/../../outside/secret", "/etc/passwd", "/", "//etc",
        "rel_out", "abs_out", "root_link/etc/passwd", "chain1/secret", "chain1", "./../outside",
        "sub/./../../outside/secret",
    };
    __wasi_filestat_t st;
    __wasi_size_t n;
    char buf[256];

    puts("-- .., absolute paths, symlinks out, chains");
    for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++)
        try_open(3, FOLLOW, out[i], 0, WT_READ);
    try_open(3, FOLLOW, "rel_out", __WASI_OFLAGS_CREAT, WT_RW);
    try_open(3, FOLLOW, "../outside/new", __WASI_OFLAGS_CREAT, WT_RW);
    try_open(3, 0, "rel_out", 0, WT_READ);
    puts("-- inside links work");
    try_open(3, FOLLOW, "good", 0, WT_READ);
    try_open(3, FOLLOW, "sub/up", 0, WT_READ);
    try_open(3, 0, "sub/../sub/in.txt", 0, WT_READ);
    puts("-- name operations");
    SHOW(__wasi_path_create_directory(3, "../outside/d"));
    SHOW(__wasi_path_create_directory(3, "chain1/d"));
    SHOW(__wasi_path_create_directory(3, "/tmp/wasmbox-escape"));
    SHOW(__wasi_path_unlink_file(3, "../outside/secret"));
    SHOW(__wasi_path_unlink_file(3, "chain3/secret"));
    SHOW(__wasi_path_remove_directory(3, ".."));
    SHOW(__wasi_path_remove_directory(3, "root_link/tmp"));
    SHOW(__wasi_path_rename(3, "sub/in.txt", 3, "../outside/stolen"));
    SHOW(__wasi_path_rename(3, "../outside/secret", 3, "got"));
    SHOW(__wasi_path_rename(3, "sub/in.txt", 3, "chain3/stolen"));
    SHOW(__wasi_path_symlink("x", 3, "../outside/ln"));
    SHOW(__wasi_path_link(3, 0, "sub/in.txt", 3, "../outside/hard"));
    SHOW(__wasi_path_link(3, 0, "../outside/secret", 3, "hard"));
    SHOW(__wasi_path_link(3, FOLLOW, "rel_out", 3, "hard"));
    SHOW(__wasi_path_link(3, FOLLOW, "abs_out", 3, "hard"));
    SHOW(__wasi_path_filestat_get(3, 0, "..", &st));
    SHOW(__wasi_path_filestat_get(3, FOLLOW, "chain1", &st));
    SHOW(__wasi_path_filestat_get(3, 0, "rel_out", &st));
    SHOW(__wasi_path_filestat_set_times(3, 0, "..", 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    SHOW(__wasi_path_filestat_set_times(3, FOLLOW, "rel_out", 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    SHOW(__wasi_path_readlink(3, "root_link/", (uint8_t *)buf, sizeof(buf), &n));
    SHOW(__wasi_path_readlink(3, "..", (uint8_t *)buf, sizeof(buf), &n));
    puts("-- symlinks the guest makes");
    SHOW(__wasi_path_symlink("/etc/passwd", 3, "g_abs"));
    SHOW(__wasi_path_symlink("../outside/secret", 3, "g_rel"));
    SHOW(__wasi_path_symlink("g_hop2", 3, "g_hop1"));
    SHOW(__wasi_path_symlink("g_rel", 3, "g_hop2"));
    SHOW(__wasi_path_create_directory(3, "gd"));
    SHOW(__wasi_path_symlink("../..", 3, "gd/up2"));
    try_open(3, FOLLOW, "g_abs", 0, WT_READ);
    try_open(3, FOLLOW, "g_rel", 0, WT_READ);
    try_open(3, FOLLOW, "g_hop1", 0, WT_READ);
    try_open(3, 0, "gd/up2/outside/secret", 0, WT_READ);
    try_open(3, FOLLOW, "gd/up2/outside/new", __WASI_OFLAGS_CREAT, WT_RW);
    SHOW(__wasi_path_create_directory(3, "gd/up2/outside/x"));
    puts("-- a directory fd opened below");
    {
        __wasi_fd_t sub;
        SHOW(wt_open(3, 0, "sub", __WASI_OFLAGS_DIRECTORY, WT_READ | __WASI_RIGHTS_PATH_OPEN, 0,
                     &sub));
        try_open(sub, 0, "../good", 0, WT_READ);
        try_open(sub, 0, "/in.txt", 0, WT_READ);
        try_open(sub, 0, "in.txt", 0, WT_READ);
    }
    puts("-- read-only preopen (fd 4)");
    try_open(4, 0, "data.txt", 0, WT_READ);
    try_open(4, 0, "data.txt", 0, WT_RW);
    try_open(4, 0, "data.txt", 0, __WASI_RIGHTS_FD_WRITE);
    try_open(4, 0, "new", __WASI_OFLAGS_CREAT, WT_READ);
    try_open(4, 0, "data.txt", __WASI_OFLAGS_TRUNC, WT_READ);
    try_open(4, 0, "dir", __WASI_OFLAGS_DIRECTORY, WT_RW | __WASI_RIGHTS_PATH_CREATE_FILE);
    SHOW(__wasi_path_create_directory(4, "x"));
    SHOW(__wasi_path_unlink_file(4, "data.txt"));
    SHOW(__wasi_path_remove_directory(4, "dir"));
    SHOW(__wasi_path_rename(4, "data.txt", 4, "moved"));
    SHOW(__wasi_path_rename(4, "data.txt", 3, "moved"));
    SHOW(__wasi_path_rename(3, "good", 4, "in"));
    SHOW(__wasi_path_link(4, 0, "data.txt", 3, "hard"));
    SHOW(__wasi_path_symlink("x", 4, "ln"));
    SHOW(__wasi_path_filestat_set_times(4, 0, "data.txt", 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    {
        __wasi_fd_t fd;
        __wasi_ciovec_t iov = { (const uint8_t *)"X", 1 };
        __wasi_fdstat_t fs;
        if (wt_open(4, 0, "data.txt", 0, WT_READ, 0, &fd) == 0) {
            SHOW(__wasi_fd_write(fd, &iov, 1, &n));
            SHOW(__wasi_fd_pwrite(fd, &iov, 1, 0, &n));
            SHOW(__wasi_fd_filestat_set_size(fd, 0));
            SHOW(__wasi_fd_allocate(fd, 0, 10));
            SHOW(__wasi_fd_fdstat_set_rights(fd, WT_RW, 0));
        }
        __wasi_fd_fdstat_get(4, &fs);
        printf("ro preopen rights: base 0x%llx inheriting 0x%llx\n",
               (unsigned long long)fs.fs_rights_base, (unsigned long long)fs.fs_rights_inheriting);
        SHOW(__wasi_fd_fdstat_set_rights(4, fs.fs_rights_base | __WASI_RIGHTS_PATH_CREATE_FILE,
                                         fs.fs_rights_inheriting));
    }
    puts("-- libc");
    libc_open("../outside/secret", O_RDONLY);
    libc_open("/etc/passwd", O_RDONLY);
    libc_open("rel_out", O_RDONLY);
    libc_open("ro/data.txt", O_RDONLY);
    libc_open("ro/data.txt", O_WRONLY);
    libc_open("ro/new", O_WRONLY | O_CREAT);
    printf("libc mkdir ro/x: %s\n", mkdir("ro/x", 0777) ? strerror(errno) : "ok");
    printf("libc unlink ro/data.txt: %s\n", unlink("ro/data.txt") ? strerror(errno) : "ok");
    return 0;
}

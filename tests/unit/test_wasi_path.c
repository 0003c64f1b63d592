/* test_wasi_path.c — path functions with real temporary directories:
 * resolution beneath the preopen (.., absolute paths, symlinks out, chains,
 * guest-made symlinks, trailing slashes), every path_* function with its
 * errors, read-only preopens, and fd_readdir cookies. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_wasi_harness.h"

#define E(name) WASI_ERRNO_##name

/* path_filestat_get into 300; returns errno. */
static uint16_t pstat(uint32_t fd, uint32_t lookup, const char *path)
{
    uint32_t len = wt_str(60000, path);
    return CALL("path_filestat_get", fd, lookup, 60000, len, 300);
}

/* Two-path ops: old at 60000, new at 62000. */
static uint16_t prename(uint32_t ofd, const char *o, uint32_t nfd, const char *n)
{
    uint32_t ol = wt_str(60000, o), nl = wt_str(62000, n);
    return CALL("path_rename", ofd, 60000, ol, nfd, 62000, nl);
}

static uint16_t plink(uint32_t ofd, uint32_t lookup, const char *o, uint32_t nfd, const char *n)
{
    uint32_t ol = wt_str(60000, o), nl = wt_str(62000, n);
    return CALL("path_link", ofd, lookup, 60000, ol, nfd, 62000, nl);
}

static uint16_t psymlink(const char *target, uint32_t fd, const char *n)
{
    uint32_t ol = wt_str(60000, target), nl = wt_str(62000, n);
    return CALL("path_symlink", 60000, ol, fd, 62000, nl);
}

/* readlink into 1000 (len bytes); *used gets bufused. */
static uint16_t preadlink(uint32_t fd, const char *path, uint32_t len, uint32_t *used)
{
    uint32_t pl = wt_str(60000, path);
    uint16_t e = CALL("path_readlink", fd, 60000, pl, 1000, len, 200);
    *used = e ? 0 : wt_get32(200);
    return e;
}

static uint16_t ptimes(uint32_t fd, uint32_t lookup, const char *path, uint64_t mtim)
{
    uint32_t len = wt_str(60000, path);
    return CALL("path_filestat_set_times", fd, lookup, 60000, len, 0, mtim, WASI_FSTFLAG_MTIM);
}

/* A tree with links out of the preopen, made by the host. */
static void make_escape_links(void)
{
    char abs[200];
    snprintf(abs, sizeof(abs), "%s/secret", T.outside);
    mkdir(wt_path(T.root, "sub"), 0777);
    wt_write_file(wt_path(T.root, "sub/in.txt"), "inside\n");
    assert_int_equal(symlink("../outside/secret", wt_path(T.root, "rel_out")), 0);
    assert_int_equal(symlink(abs, wt_path(T.root, "abs_out")), 0);
    assert_int_equal(symlink("/", wt_path(T.root, "root_link")), 0);
    assert_int_equal(symlink("chain2", wt_path(T.root, "chain1")), 0);
    assert_int_equal(symlink("sub/../chain3", wt_path(T.root, "chain2")), 0);
    assert_int_equal(symlink("../outside", wt_path(T.root, "chain3")), 0);
    assert_int_equal(symlink("sub/in.txt", wt_path(T.root, "good")), 0);
    assert_int_equal(symlink("../sub/in.txt", wt_path(T.root, "sub/up_good")), 0);
    assert_int_equal(symlink("loop", wt_path(T.root, "loop")), 0);
}

static void test_escapes_open(void **state)
{
    static const char *const escapes[] = {
        "..", "../outside/secret", "sub/../../outside/secret", "/etc/passwd", "/",
        "//etc", "rel_out", "abs_out", "root_link/etc/passwd", "chain1/secret", "chain1",
        "sub/../..", "./../outside", "sub/./../../outside/secret",
    };
    uint32_t fd;
    (void)state;
    make_escape_links();
    for (size_t i = 0; i < sizeof(escapes) / sizeof(escapes[0]); i++) {
        uint16_t e = wt_open(3, WASI_LOOKUP_SYMLINK_FOLLOW, escapes[i], 0, WT_R_READ, 0, &fd);
        if (e != E(NOTCAPABLE))
            fail_msg("open %s: %s, expected NOTCAPABLE", escapes[i], wasi_errno_name(e));
        e = pstat(3, WASI_LOOKUP_SYMLINK_FOLLOW, escapes[i]);
        if (e != E(NOTCAPABLE))
            fail_msg("stat %s: %s, expected NOTCAPABLE", escapes[i], wasi_errno_name(e));
    }
    /* Creating through an escaping link does not create anything outside. */
    assert_int_equal(symlink("../outside/new", wt_path(T.root, "dangling_out")), 0);
    assert_int_equal(wt_open(3, WASI_LOOKUP_SYMLINK_FOLLOW, "dangling_out", WASI_OFLAG_CREAT,
                             WT_R_RW, 0, &fd),
                     E(NOTCAPABLE));
    assert_false(wt_exists(wt_path(T.outside, "new")));
    assert_int_equal(wt_open(3, WASI_LOOKUP_SYMLINK_FOLLOW, "../outside/new", WASI_OFLAG_CREAT,
                             WT_R_RW, 0, &fd),
                     E(NOTCAPABLE));
    assert_false(wt_exists(wt_path(T.outside, "new")));
    /* Links that stay inside work, also through "..". */
    assert_int_equal(wt_open(3, WASI_LOOKUP_SYMLINK_FOLLOW, "good", 0, WT_R_READ, 0, &fd), 0);
    assert_int_equal(wt_open(3, WASI_LOOKUP_SYMLINK_FOLLOW, "sub/up_good", 0, WT_R_READ, 0, &fd),
                     0);
    assert_int_equal(wt_open(3, 0, "sub/../sub/in.txt", 0, WT_R_READ, 0, &fd), 0);
    /* Without SYMLINK_FOLLOW a final symlink is ELOOP; stat sees the link. */
    assert_int_equal(wt_open(3, 0, "good", 0, WT_R_READ, 0, &fd), E(LOOP));
    assert_int_equal(wt_open(3, 0, "rel_out", 0, WT_R_READ, 0, &fd), E(LOOP));
    assert_int_equal(pstat(3, 0, "rel_out"), 0);
    assert_int_equal(T.mem[316], WASI_FILETYPE_SYMBOLIC_LINK);
    assert_int_equal(pstat(3, WASI_LOOKUP_SYMLINK_FOLLOW, "good"), 0);
    assert_int_equal(T.mem[316], WASI_FILETYPE_REGULAR_FILE);
    assert_int_equal(wt_get64(332), 7);
    assert_int_equal(wt_open(3, WASI_LOOKUP_SYMLINK_FOLLOW, "loop", 0, WT_R_READ, 0, &fd),
                     E(LOOP));
    /* Absolute and escaping paths through a directory opened inside. */
    assert_int_equal(wt_open(3, 0, "sub", WASI_OFLAG_DIRECTORY, WASI_RIGHTS_DIR_READ, 0, &fd), 0);
    assert_int_equal(wt_open(fd, 0, "../sub/in.txt", 0, 0, 0, NULL), E(NOTCAPABLE));
    assert_int_equal(wt_open(fd, 0, "in.txt", 0, 0, 0, NULL), 0);
    assert_int_equal(wt_open(fd, 0, "/in.txt", 0, 0, 0, NULL), E(NOTCAPABLE));
}

static void test_escapes_name_ops(void **state)
{
    struct stat before, after;
    uint32_t used;
    (void)state;
    make_escape_links();
    assert_int_equal(stat(T.outside, &before), 0);
    /* Creating, removing and renaming beyond the preopen. */
    assert_int_equal(wt_path_op("path_create_directory", 3, "../outside/d"), E(NOTCAPABLE));
    assert_int_equal(wt_path_op("path_create_directory", 3, "chain1/d"), E(NOTCAPABLE));
    assert_int_equal(wt_path_op("path_create_directory", 3, "/tmp/x"), E(NOTCAPABLE));
    assert_int_equal(wt_path_op("path_unlink_file", 3, "../outside/secret"), E(NOTCAPABLE));
    assert_int_equal(wt_path_op("path_unlink_file", 3, "rel_out/"), E(NOTDIR));
    assert_int_equal(wt_path_op("path_unlink_file", 3, "chain3/secret"), E(NOTCAPABLE));
    assert_int_equal(wt_path_op("path_remove_directory", 3, ".."), E(NOTEMPTY));
    assert_int_equal(wt_path_op("path_remove_directory", 3, "/"), E(NOTCAPABLE));
    assert_int_equal(wt_path_op("path_remove_directory", 3, "root_link/tmp"), E(NOTCAPABLE));
    assert_int_equal(prename(3, "sub/in.txt", 3, "../outside/stolen"), E(NOTCAPABLE));
    assert_int_equal(prename(3, "../outside/secret", 3, "got"), E(NOTCAPABLE));
    assert_int_equal(prename(3, "sub/in.txt", 3, "chain3/stolen"), E(NOTCAPABLE));
    assert_int_equal(psymlink("x", 3, "../outside/ln"), E(NOTCAPABLE));
    assert_int_equal(plink(3, 0, "sub/in.txt", 3, "../outside/hard"), E(NOTCAPABLE));
    assert_int_equal(plink(3, 0, "../outside/secret", 3, "hard"), E(NOTCAPABLE));
    /* Hard-linking through a symlink that points out: followed beneath. */
    assert_int_equal(plink(3, WASI_LOOKUP_SYMLINK_FOLLOW, "rel_out", 3, "hard"), E(NOTCAPABLE));
    assert_int_equal(plink(3, WASI_LOOKUP_SYMLINK_FOLLOW, "abs_out", 3, "hard"), E(NOTCAPABLE));
    assert_false(wt_exists(wt_path(T.root, "hard")));
    /* ... but the link itself can be hard-linked (it stays a link). */
    assert_int_equal(plink(3, 0, "rel_out", 3, "hard"), 0);
    assert_int_equal(pstat(3, 0, "hard"), 0);
    assert_int_equal(T.mem[316], WASI_FILETYPE_SYMBOLIC_LINK);
    /* Linking an inside file through an inside link: works. */
    assert_int_equal(plink(3, WASI_LOOKUP_SYMLINK_FOLLOW, "good", 3, "hard2"), 0);
    assert_int_equal(pstat(3, 0, "hard2"), 0);
    assert_int_equal(T.mem[316], WASI_FILETYPE_REGULAR_FILE);
    assert_int_equal(wt_get64(324), 2);   /* nlink */
    /* Timestamps and stat of what lies outside. */
    assert_int_equal(ptimes(3, 0, "..", 12345), E(NOTCAPABLE));
    assert_int_equal(ptimes(3, WASI_LOOKUP_SYMLINK_FOLLOW, "rel_out", 12345), E(NOTCAPABLE));
    assert_int_equal(ptimes(3, WASI_LOOKUP_SYMLINK_FOLLOW, "chain1", 12345), E(NOTCAPABLE));
    assert_int_equal(pstat(3, 0, ".."), E(NOTCAPABLE));
    assert_int_equal(pstat(3, 0, "sub/../.."), E(NOTCAPABLE));
    /* readlink shows the target, but following is beneath. */
    assert_int_equal(preadlink(3, "abs_out", 200, &used), 0);
    assert_int_equal(used, strlen(T.outside) + strlen("/secret"));
    assert_int_equal(preadlink(3, "root_link/", 200, &used), E(NOTCAPABLE));
    assert_int_equal(preadlink(3, "..", 200, &used), E(NOTCAPABLE));
    assert_int_equal(preadlink(3, "chain3/", 200, &used), E(NOTCAPABLE));
    assert_int_equal(preadlink(3, "sub/", 200, &used), E(INVAL));
    /* Nothing outside changed. */
    assert_int_equal(stat(T.outside, &after), 0);
    assert_int_equal(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
    assert_int_equal(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
    assert_true(wt_exists(wt_path(T.outside, "secret")));
    assert_false(wt_exists(wt_path(T.outside, "d")));
    assert_false(wt_exists(wt_path(T.outside, "stolen")));
    assert_false(wt_exists(wt_path(T.outside, "ln")));
    assert_false(wt_exists(wt_path(T.outside, "hard")));
}

static void test_guest_made_symlinks(void **state)
{
    uint32_t fd;
    (void)state;
    /* The guest may write any target; following it stays beneath. */
    assert_int_equal(psymlink("/etc/passwd", 3, "g_abs"), 0);
    assert_int_equal(psymlink("../outside/secret", 3, "g_rel"), 0);
    assert_int_equal(psymlink("g_hop2", 3, "g_hop1"), 0);
    assert_int_equal(psymlink("g_rel", 3, "g_hop2"), 0);
    assert_int_equal(wt_path_op("path_create_directory", 3, "gd"), 0);
    assert_int_equal(psymlink("../..", 3, "gd/up2"), 0);
    assert_int_equal(wt_open(3, WASI_LOOKUP_SYMLINK_FOLLOW, "g_abs", 0, WT_R_READ, 0, &fd),
                     E(NOTCAPABLE));
    assert_int_equal(wt_open(3, WASI_LOOKUP_SYMLINK_FOLLOW, "g_rel", 0, WT_R_READ, 0, &fd),
                     E(NOTCAPABLE));
    assert_int_equal(wt_open(3, WASI_LOOKUP_SYMLINK_FOLLOW, "g_hop1", 0, WT_R_READ, 0, &fd),
                     E(NOTCAPABLE));
    assert_int_equal(wt_open(3, 0, "gd/up2/outside/secret", 0, WT_R_READ, 0, &fd),
                     E(NOTCAPABLE));
    assert_int_equal(wt_path_op("path_create_directory", 3, "gd/up2/outside/x"), E(NOTCAPABLE));
    assert_int_equal(psymlink("x", 3, "g_hop1/../y"), E(NOTCAPABLE));
    /* Swapping a directory for a link between calls changes nothing: each
     * call resolves again beneath. */
    assert_int_equal(wt_path_op("path_create_directory", 3, "swap"), 0);
    assert_int_equal(wt_open(3, 0, "swap", WASI_OFLAG_DIRECTORY, WASI_RIGHTS_DIR, 0, &fd), 0);
    assert_int_equal(wt_path_op("path_remove_directory", 3, "swap"), 0);
    assert_int_equal(psymlink("../outside", 3, "swap"), 0);
    assert_int_equal(wt_open(3, WASI_LOOKUP_SYMLINK_FOLLOW, "swap/secret", 0, WT_R_READ, 0, NULL),
                     E(NOTCAPABLE));
    /* The fd opened before the swap still names the removed directory:
     * nothing can be created there (the kernel refuses). */
    assert_int_not_equal(wt_open(fd, 0, "new", WASI_OFLAG_CREAT, WT_R_RW, 0, NULL), 0);
    assert_false(wt_exists(wt_path(T.outside, "new")));
}

static void test_path_functions(void **state)
{
    uint32_t used, fd;
    struct stat st;
    (void)state;
    /* mkdir / rmdir */
    assert_int_equal(wt_path_op("path_create_directory", 3, "a"), 0);
    assert_int_equal(wt_path_op("path_create_directory", 3, "a"), E(EXIST));
    assert_int_equal(wt_path_op("path_create_directory", 3, "a/b/"), 0);
    assert_int_equal(wt_path_op("path_create_directory", 3, "nope/b"), E(NOENT));
    assert_int_equal(wt_path_op("path_create_directory", 3, ""), E(NOENT));
    assert_int_equal(wt_path_op("path_create_directory", 3, "."), E(EXIST));
    assert_int_equal(wt_path_op("path_remove_directory", 3, "a"), E(NOTEMPTY));
    assert_int_equal(wt_path_op("path_remove_directory", 3, "a/b/"), 0);
    assert_int_equal(wt_path_op("path_remove_directory", 3, "."), E(INVAL));
    wt_write_file(wt_path(T.root, "f"), "12345");
    assert_int_equal(wt_path_op("path_remove_directory", 3, "f"), E(NOTDIR));
    assert_int_equal(wt_path_op("path_remove_directory", 3, "missing"), E(NOENT));
    /* unlink */
    assert_int_equal(wt_path_op("path_unlink_file", 3, "a"), E(ISDIR));
    assert_int_equal(wt_path_op("path_unlink_file", 3, "f/"), E(NOTDIR));
    assert_int_equal(wt_path_op("path_unlink_file", 3, "missing"), E(NOENT));
    assert_int_equal(wt_path_op("path_unlink_file", 3, "a/"), E(ISDIR));
    /* filestat */
    assert_int_equal(pstat(3, 0, "f"), 0);
    assert_int_equal(T.mem[316], WASI_FILETYPE_REGULAR_FILE);
    assert_int_equal(wt_get64(332), 5);
    assert_int_equal(stat(wt_path(T.root, "f"), &st), 0);
    assert_int_equal(wt_get64(308), st.st_ino);
    assert_int_equal(wt_get64(300), st.st_dev);
    assert_int_equal(pstat(3, 0, "a"), 0);
    assert_int_equal(T.mem[316], WASI_FILETYPE_DIRECTORY);
    assert_int_equal(pstat(3, 0, "."), 0);
    assert_int_equal(pstat(3, 0, "f/"), E(NOTDIR));
    assert_int_equal(pstat(3, 0, "missing"), E(NOENT));
    assert_int_equal(pstat(3, 2, "f"), E(INVAL));
    assert_int_equal(CALL("path_filestat_get", 3, 0, 60000, 1, WT_MEM - 10), E(FAULT));
    /* set_times: on the file, and on a link itself (no follow). */
    assert_int_equal(ptimes(3, 0, "f", 1000000000ull * 77), 0);
    assert_int_equal(stat(wt_path(T.root, "f"), &st), 0);
    assert_int_equal(st.st_mtim.tv_sec, 77);
    assert_int_equal(psymlink("f", 3, "lf"), 0);
    assert_int_equal(ptimes(3, WASI_LOOKUP_SYMLINK_FOLLOW, "lf", 1000000000ull * 88), 0);
    assert_int_equal(stat(wt_path(T.root, "f"), &st), 0);
    assert_int_equal(st.st_mtim.tv_sec, 88);
    assert_int_equal(ptimes(3, 0, "lf", 1000000000ull * 99), 0);
    assert_int_equal(stat(wt_path(T.root, "f"), &st), 0);
    assert_int_equal(st.st_mtim.tv_sec, 88);
    assert_int_equal(lstat(wt_path(T.root, "lf"), &st), 0);
    assert_int_equal(st.st_mtim.tv_sec, 99);
    {
        uint32_t len = wt_str(60000, "f");
        assert_int_equal(CALL("path_filestat_set_times", 3, 0, 60000, len, 0, 0,
                              WASI_FSTFLAG_MTIM | WASI_FSTFLAG_MTIM_NOW),
                         E(INVAL));
    }
    /* symlink / readlink */
    assert_int_equal(psymlink("f", 3, "lf"), E(EXIST));
    assert_int_equal(psymlink("", 3, "empty"), E(NOENT));
    assert_int_equal(preadlink(3, "lf", 100, &used), 0);
    assert_int_equal(used, 1);
    assert_memory_equal(T.mem + 1000, "f", 1);
    assert_int_equal(psymlink("a/long/target", 3, "l2"), 0);
    assert_int_equal(preadlink(3, "l2", 4, &used), 0);   /* truncated */
    assert_int_equal(used, 4);
    assert_memory_equal(T.mem + 1000, "a/lo", 4);
    assert_int_equal(preadlink(3, "l2", 0, &used), 0);
    assert_int_equal(used, 0);
    assert_int_equal(preadlink(3, "f", 100, &used), E(INVAL));
    assert_int_equal(preadlink(3, "missing", 100, &used), E(NOENT));
    {
        uint32_t len = wt_str(60000, "lf");
        assert_int_equal(CALL("path_readlink", 3, 60000, len, WT_MEM - 2, 4, 200), E(FAULT));
        assert_int_equal(CALL("path_readlink", 3, 60000, len, 1000, 4, WT_MEM), E(FAULT));
    }
    /* rename */
    assert_int_equal(prename(3, "f", 3, "g"), 0);
    assert_false(wt_exists(wt_path(T.root, "f")));
    assert_int_equal(prename(3, "g", 3, "a"), E(ISDIR));
    assert_int_equal(prename(3, "missing", 3, "x"), E(NOENT));
    assert_int_equal(prename(3, "a", 3, "a/inside"), E(INVAL));
    assert_int_equal(prename(3, "g/", 3, "h"), E(NOTDIR));
    assert_int_equal(prename(3, "..", 3, "h"), E(BUSY));
    assert_int_equal(prename(3, "g", 3, "."), E(BUSY));
    wt_write_file(wt_path(T.root, "a/x"), "x");
    assert_int_equal(prename(3, "g", 3, "a/"), E(NOTDIR));   /* a file cannot end in '/' */
    assert_int_equal(prename(3, "g", 3, "a"), E(ISDIR));
    assert_int_equal(wt_path_op("path_create_directory", 3, "e"), 0);
    assert_int_equal(prename(3, "e", 3, "a"), E(NOTEMPTY));
    /* link */
    assert_int_equal(plink(3, 0, "g", 3, "g2"), 0);
    assert_int_equal(pstat(3, 0, "g"), 0);
    assert_int_equal(wt_get64(324), 2);
    assert_int_equal(plink(3, 0, "g", 3, "g2"), E(EXIST));
    assert_int_equal(plink(3, 0, "a", 3, "a2"), E(PERM));
    assert_int_equal(plink(3, 0, "a/", 3, "a2"), E(PERM));
    assert_int_equal(plink(3, 0, "g/", 3, "a2"), E(NOTDIR));
    assert_int_equal(plink(3, 0, ".", 3, "a2"), E(PERM));
    assert_int_equal(plink(3, 4, "g", 3, "g3"), E(INVAL));
    /* Between two directory fds. */
    assert_int_equal(wt_open(3, 0, "a", WASI_OFLAG_DIRECTORY, WASI_RIGHTS_DIR, 0, &fd), 0);
    assert_int_equal(prename(3, "g2", fd, "moved"), 0);
    assert_true(wt_exists(wt_path(T.root, "a/moved")));
    assert_int_equal(plink(fd, 0, "moved", 3, "back"), 0);
    assert_true(wt_exists(wt_path(T.root, "back")));
    /* Path arguments: bounds, NUL, UTF-8, length. */
    assert_int_equal(CALL("path_create_directory", 3, WT_MEM - 1, 2), E(FAULT));
    assert_int_equal(CALL("path_create_directory", 3, 0xffffffff, 1), E(FAULT));
    memcpy(T.mem + 60000, "a\0b", 3);
    assert_int_equal(CALL("path_create_directory", 3, 60000, 3), E(INVAL));
    memcpy(T.mem + 60000, "\xff\xfe", 2);
    assert_int_equal(CALL("path_create_directory", 3, 60000, 2), E(ILSEQ));
    memcpy(T.mem + 60000, "\xc3\xa9t\xc3\xa9", 6);   /* "été" */
    assert_int_equal(CALL("path_create_directory", 3, 60000, 5), 0);
    memcpy(T.mem + 60000, "\xed\xa0\x80", 3);   /* a surrogate */
    assert_int_equal(CALL("path_create_directory", 3, 60000, 3), E(ILSEQ));
    memset(T.mem + 50000, 'a', 5000);
    assert_int_equal(CALL("path_create_directory", 3, 50000, 4097), E(NAMETOOLONG));
    assert_int_equal(CALL("path_create_directory", 3, 50000, 300), E(NAMETOOLONG));  /* host */
    /* Path ops on a non-directory fd. */
    assert_int_equal(wt_open(3, 0, "back", 0, WT_R_READ | WASI_RIGHTS_DIR, 0, &fd), 0);
    assert_int_equal(wt_path_op("path_create_directory", fd, "x"), E(NOTCAPABLE));
    T.w->fds[fd].base |= WASI_RIGHT_PATH_CREATE_DIRECTORY;
    assert_int_equal(wt_path_op("path_create_directory", fd, "x"), E(NOTDIR));
}

static void test_open_flags(void **state)
{
    uint32_t fd;
    (void)state;
    wt_write_file(wt_path(T.root, "f"), "abc");
    mkdir(wt_path(T.root, "d"), 0777);
    assert_int_equal(wt_open(3, 0, "f", WASI_OFLAG_DIRECTORY, WT_R_READ, 0, &fd), E(NOTDIR));
    assert_int_equal(wt_open(3, 0, "f/", 0, WT_R_READ, 0, &fd), E(NOTDIR));
    assert_int_equal(wt_open(3, 0, "d", 0, WT_R_RW, 0, &fd), E(ISDIR));
    assert_int_equal(wt_open(3, 0, "d", WASI_OFLAG_CREAT | WASI_OFLAG_DIRECTORY, WT_R_READ, 0,
                             &fd),
                     E(INVAL));
    assert_int_equal(wt_open(3, 0, "missing", 0, WT_R_READ, 0, &fd), E(NOENT));
    assert_int_equal(wt_open(3, 0, "missing/", WASI_OFLAG_CREAT, WT_R_RW, 0, &fd), E(ISDIR));
    assert_int_equal(wt_open(3, 0, "", 0, WT_R_READ, 0, &fd), E(NOENT));
    assert_int_equal(wt_open(3, 0, "d", 0, WT_R_READ, 0, &fd), 0);
    assert_int_equal(CALL("fd_fdstat_get", fd, 300), 0);
    assert_int_equal(T.mem[300], WASI_FILETYPE_DIRECTORY);
    assert_false(wt_get64(308) & WASI_RIGHT_FD_READ);   /* narrowed to directory rights */
    assert_true(wt_get64(308) & WASI_RIGHT_FD_READDIR);
    wt_iov(100, 1000, 4);
    assert_int_equal(CALL("fd_read", fd, 100, 1, 200), E(NOTCAPABLE));
    /* O_TRUNC|O_CREAT|O_EXCL on a new file, then write-only. */
    assert_int_equal(wt_open(3, 0, "new",
                             WASI_OFLAG_CREAT | WASI_OFLAG_EXCL | WASI_OFLAG_TRUNC,
                             WASI_RIGHT_FD_WRITE, 0, &fd),
                     0);
    assert_int_equal(CALL("fd_read", fd, 100, 1, 200), E(NOTCAPABLE));
    wt_str(1000, "data");
    assert_int_equal(CALL("fd_write", fd, 100, 1, 200), 0);
    assert_int_equal(CALL("fd_fdstat_get", fd, 300), 0);
    assert_int_equal(wt_get64(308), WASI_RIGHT_FD_WRITE);
    /* The host fd is write-only (no FD_READ asked): a pread is refused by
     * the host too once the right is granted by mistake. */
    T.w->fds[fd].base |= WASI_RIGHT_FD_READ;
    assert_int_equal(CALL("fd_read", fd, 100, 1, 200), E(BADF));
    /* path_open result pointer checked before anything is created. */
    {
        uint32_t len = wt_str(60000, "ghost");
        assert_int_equal(CALL("path_open", 3, 0, 60000, len, WASI_OFLAG_CREAT, WT_R_RW, 0, 0,
                              WT_MEM - 3),
                         E(FAULT));
        assert_false(wt_exists(wt_path(T.root, "ghost")));
    }
}

static void test_readonly_preopen(void **state)
{
    uint32_t fd, used;
    struct stat st;
    (void)state;
    /* Rights. */
    assert_int_equal(CALL("fd_fdstat_get", 4, 200), 0);
    assert_int_equal(wt_get64(208), WASI_RIGHTS_DIR_READ);
    assert_int_equal(wt_get64(216) & (WASI_RIGHTS_DIR_WRITE | WASI_RIGHTS_FILE_WRITE), 0);
    /* Reading works. */
    assert_int_equal(wt_open(4, 0, "data.txt", 0, WT_R_READ, 0, &fd), 0);
    wt_iov(100, 1000, 20);
    assert_int_equal(CALL("fd_read", fd, 100, 1, 200), 0);
    assert_int_equal(wt_get32(200), 10);
    assert_int_equal(pstat(4, 0, "data.txt"), 0);
    /* Every write is refused. */
    assert_int_equal(CALL("fd_write", fd, 100, 1, 200), E(NOTCAPABLE));
    assert_int_equal(CALL("fd_filestat_set_size", fd, 0), E(NOTCAPABLE));
    assert_int_equal(CALL("fd_filestat_set_times", fd, 0, 0, WASI_FSTFLAG_MTIM_NOW),
                     E(NOTCAPABLE));
    assert_int_equal(CALL("fd_allocate", fd, 0, 100), E(NOTCAPABLE));
    assert_int_equal(CALL("fd_pwrite", fd, 100, 1, 0, 200), E(NOTCAPABLE));
    assert_int_equal(wt_open(4, 0, "data.txt", 0, WT_R_RW, 0, &fd), E(NOTCAPABLE));
    assert_int_equal(wt_open(4, 0, "data.txt", 0, WASI_RIGHT_FD_WRITE, 0, &fd), E(NOTCAPABLE));
    assert_int_equal(wt_open(4, 0, "new", WASI_OFLAG_CREAT, WT_R_READ, 0, &fd), E(NOTCAPABLE));
    assert_int_equal(wt_open(4, 0, "data.txt", WASI_OFLAG_TRUNC, WT_R_READ, 0, &fd),
                     E(NOTCAPABLE));
    assert_int_equal(wt_path_op("path_create_directory", 4, "x"), E(NOTCAPABLE));
    assert_int_equal(wt_path_op("path_unlink_file", 4, "data.txt"), E(NOTCAPABLE));
    assert_int_equal(wt_path_op("path_remove_directory", 4, "sub"), E(NOTCAPABLE));
    assert_int_equal(prename(4, "data.txt", 4, "moved"), E(NOTCAPABLE));
    assert_int_equal(prename(4, "data.txt", 3, "moved"), E(NOTCAPABLE));   /* out of ro */
    assert_int_equal(prename(3, ".", 4, "in"), E(NOTCAPABLE));            /* into ro */
    assert_int_equal(plink(4, 0, "data.txt", 3, "hard"), E(NOTCAPABLE));   /* would be writable */
    assert_int_equal(psymlink("x", 4, "ln"), E(NOTCAPABLE));
    assert_int_equal(ptimes(4, 0, "data.txt", 5), E(NOTCAPABLE));
    assert_int_equal(preadlink(4, "data.txt", 10, &used), E(INVAL));   /* reading is fine */
    /* A directory opened below inherits read-only-ness; asking for more
     * than the directory may give is refused, so nothing below can write. */
    assert_int_equal(wt_open(4, 0, "sub", WASI_OFLAG_DIRECTORY, WASI_RIGHTS_DIR, 0, &fd),
                     E(NOTCAPABLE));
    assert_int_equal(wt_open(4, 0, "sub", WASI_OFLAG_DIRECTORY, WASI_RIGHTS_DIR_READ, 0, &fd), 0);
    assert_true(T.w->fds[fd].ro);
    assert_int_equal(wt_open(fd, 0, "f", WASI_OFLAG_CREAT, 0, 0, NULL), E(NOTCAPABLE));
    assert_int_equal(wt_path_op("path_create_directory", fd, "x"), E(NOTCAPABLE));
    /* Even with rights forced into the table, the host fds are read-only. */
    assert_int_equal(wt_open(4, 0, "data.txt", 0, WT_R_READ, 0, &fd), 0);
    T.w->fds[fd].base |= WASI_RIGHT_FD_WRITE;
    wt_str(1000, "X");
    wt_iov(100, 1000, 1);
    assert_int_equal(CALL("fd_write", fd, 100, 1, 200), E(BADF));
    assert_int_equal(stat(wt_path(T.ro, "data.txt"), &st), 0);
    assert_int_equal(st.st_size, 10);
    assert_false(wt_exists(wt_path(T.ro, "x")));
    assert_false(wt_exists(wt_path(T.root, "hard")));
}

/* -- fd_readdir -- */

typedef struct rd_entry {
    char name[64];
    uint64_t next;
    uint8_t type;
} rd_entry;

/* Reads the whole directory with buffers of bufsize bytes, following the
 * cookies as wasi-libc does; returns the count. */
static int read_all(uint32_t fd, uint32_t bufsize, rd_entry *out, int max)
{
    uint64_t cookie = 0;
    int n = 0;
    for (;;) {
        uint32_t used, off = 0;
        assert_int_equal(CALL("fd_readdir", fd, 10000, bufsize, cookie, 200), 0);
        used = wt_get32(200);
        while (off + WASI_DIRENT_SIZE <= used) {
            uint32_t namlen = wt_get32(10000 + off + 16);
            if (off + WASI_DIRENT_SIZE + namlen > used)
                break;   /* cut short: ask again from this entry's cookie */
            assert_true(n < max);
            assert_true(namlen < sizeof(out[n].name));
            memcpy(out[n].name, T.mem + 10000 + off + WASI_DIRENT_SIZE, namlen);
            out[n].name[namlen] = '\0';
            out[n].next = wt_get64(10000 + off);
            out[n].type = T.mem[10000 + off + 20];
            cookie = out[n].next;
            off += WASI_DIRENT_SIZE + namlen;
            n++;
        }
        if (used < bufsize)
            return n;
        assert_true(off > 0);   /* progress: the buffer holds one entry */
    }
}

static int find(const rd_entry *e, int n, const char *name)
{
    int hits = 0;
    for (int i = 0; i < n; i++)
        hits += !strcmp(e[i].name, name);
    return hits;
}

static void test_readdir(void **state)
{
    static rd_entry all[200], small[200], again[200];
    uint32_t fd;
    int n, m;
    char name[64];
    (void)state;
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof(name), "file-%03d-with-a-longer-name", i);
        wt_write_file(wt_path(T.root, name), "x");
    }
    mkdir(wt_path(T.root, "dir"), 0777);
    assert_int_equal(symlink("file-000-with-a-longer-name", wt_path(T.root, "link")), 0);
    assert_int_equal(wt_open(3, 0, ".", WASI_OFLAG_DIRECTORY, WASI_RIGHTS_DIR_READ, 0, &fd), 0);

    n = read_all(fd, 4096, all, 200);
    assert_int_equal(n, 104);   /* . .. 100 files dir link */
    assert_int_equal(find(all, n, "."), 1);
    assert_int_equal(find(all, n, ".."), 1);
    assert_int_equal(find(all, n, "file-042-with-a-longer-name"), 1);
    for (int i = 0; i < n; i++) {
        if (!strcmp(all[i].name, "dir"))
            assert_int_equal(all[i].type, WASI_FILETYPE_DIRECTORY);
        else if (!strcmp(all[i].name, "link"))
            assert_int_equal(all[i].type, WASI_FILETYPE_SYMBOLIC_LINK);
        else if (strncmp(all[i].name, "file-", 5) == 0)
            assert_int_equal(all[i].type, WASI_FILETYPE_REGULAR_FILE);
    }
    /* Cookies are small and distinct (wasi-libc's telldir is a 32-bit
     * long), whatever the host's offsets are (ext4: 63-bit hashes). */
    for (int i = 0; i < n; i++) {
        assert_true(all[i].next > 0 && all[i].next <= (uint64_t)n);
        for (int j = 0; j < i; j++)
            assert_true(all[i].next != all[j].next);
    }
    /* Tiny buffers (one entry at a time, cut short): the same sequence. */
    m = read_all(fd, 60, small, 200);
    assert_int_equal(m, n);
    for (int i = 0; i < n; i++) {
        assert_string_equal(small[i].name, all[i].name);
        assert_int_equal(small[i].next, all[i].next);
    }
    /* Resuming from any cookie gives the entry after it, every time. */
    for (int i = 0; i + 1 < n; i += 7) {
        for (int rep = 0; rep < 2; rep++) {
            assert_int_equal(CALL("fd_readdir", fd, 10000, 200, all[i].next, 200), 0);
            assert_true(wt_get32(200) >= WASI_DIRENT_SIZE);
            assert_int_equal(wt_get32(10016), strlen(all[i + 1].name));
            assert_memory_equal(T.mem + 10000 + WASI_DIRENT_SIZE, all[i + 1].name,
                                strlen(all[i + 1].name));
        }
    }
    /* The last cookie: nothing more. */
    assert_int_equal(CALL("fd_readdir", fd, 10000, 200, all[n - 1].next, 200), 0);
    assert_int_equal(wt_get32(200), 0);
    /* A buffer smaller than a header: filled completely, cut short. */
    assert_int_equal(CALL("fd_readdir", fd, 10000, 10, 0, 200), 0);
    assert_int_equal(wt_get32(200), 10);
    assert_int_equal(CALL("fd_readdir", fd, 10000, 0, 0, 200), 0);
    assert_int_equal(wt_get32(200), 0);
    /* Removing entries does not disturb the cookies of the others. */
    assert_int_equal(wt_path_op("path_unlink_file", 3, all[50].name), 0);
    m = read_all(fd, 4096, again, 200);
    assert_int_equal(m, n - 1);
    assert_int_equal(CALL("fd_readdir", fd, 10000, 200, all[60].next, 200), 0);
    assert_memory_equal(T.mem + 10000 + WASI_DIRENT_SIZE, all[61].name, strlen(all[61].name));
    /* Errors. */
    assert_int_equal(CALL("fd_readdir", fd, WT_MEM - 10, 20, 0, 200), E(FAULT));
    assert_int_equal(CALL("fd_readdir", fd, 10000, 20, 0, WT_MEM - 2), E(FAULT));
    assert_int_equal(CALL("fd_readdir", fd, 10000, 20, (uint64_t)1 << 63, 200), E(INVAL));
    /* A cookie this fd never handed out. */
    assert_int_equal(CALL("fd_readdir", fd, 10000, 20, (uint64_t)n + 50, 200), E(INVAL));
    assert_int_equal(CALL("fd_readdir", 1, 10000, 20, 0, 200), E(NOTCAPABLE));
    {
        uint32_t ffd;
        assert_int_equal(wt_open(3, 0, "dir/../link", 0, 0, 0, &ffd), E(LOOP));
        assert_int_equal(wt_open(3, 0, "file-001-with-a-longer-name", 0, WASI_RIGHT_FD_READDIR,
                                 0, &ffd),
                         0);
        assert_int_equal(CALL("fd_readdir", ffd, 10000, 20, 0, 200), E(NOTCAPABLE));
        T.w->fds[ffd].base |= WASI_RIGHT_FD_READDIR;
        assert_int_equal(CALL("fd_readdir", ffd, 10000, 20, 0, 200), E(NOTDIR));
    }
    /* The preopen itself can be listed. */
    assert_int_equal(CALL("fd_readdir", 3, 10000, 4096, 0, 200), 0);
    assert_true(wt_get32(200) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        WT_TEST(test_escapes_open),
        WT_TEST(test_escapes_name_ops),
        WT_TEST(test_guest_made_symlinks),
        WT_TEST(test_path_functions),
        WT_TEST(test_open_flags),
        WT_TEST(test_readonly_preopen),
        WT_TEST(test_readdir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

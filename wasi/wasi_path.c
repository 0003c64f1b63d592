/* wasi_path.c — the path_* functions and the one way paths are resolved.
 *
 * Nothing here inspects a path to decide whether it escapes: the kernel
 * does, atomically, with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)
 * relative to the guest's directory fd. That refuses "..", absolute paths
 * and symlinks (chains included, and ones the guest made) that would leave
 * the directory, whatever races with renames. Two shapes of operation:
 *
 *   entry ops (open, stat, set times): openat2 the whole path, with
 *     O_NOFOLLOW when a final symlink must not be followed, then act on
 *     the fd (fstat, utimensat(fd, "", AT_EMPTY_PATH));
 *   name ops (mkdir, unlink, rmdir, rename, link, symlink, readlink):
 *     openat2 the directory part (O_PATH|O_DIRECTORY), then the *at call
 *     on that fd with the final name, which contains no '/' except
 *     trailing ones and is never followed by those calls. The two calls
 *     that could follow it (readlinkat and linkat, through a trailing '/'
 *     or a "."/".." name) resolve the whole path beneath first.
 *
 * An escape attempt is ERRNO_NOTCAPABLE (openat2's EXDEV). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wasi/wasi_int.h"

/* A guest path copied to the host and NUL-terminated. */
typedef struct wasi_path {
    char s[WB_WASI_PATH_MAX + 1];
    uint32_t len;
} wasi_path;

static bool utf8_ok(const uint8_t *s, uint32_t n)
{
    uint32_t i = 0;
    while (i < n) {
        uint8_t b = s[i];
        uint32_t need, cp;
        if (b < 0x80) {
            i++;
            continue;
        }
        if (b >= 0xc2 && b <= 0xdf)
            need = 1, cp = b & 0x1f;
        else if (b >= 0xe0 && b <= 0xef)
            need = 2, cp = b & 0x0f;
        else if (b >= 0xf0 && b <= 0xf4)
            need = 3, cp = b & 0x07;
        else
            return false;
        if (n - i <= need)
            return false;
        for (uint32_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if ((need == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (need == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return false;
        i += need + 1;
    }
    return true;
}

/* Copies the guest string [ptr, ptr+len): ERRNO_FAULT out of bounds,
 * NAMETOOLONG over WB_WASI_PATH_MAX, INVAL with a NUL inside, ILSEQ if
 * not UTF-8. */
static uint16_t path_copy(wasi_call *c, uint32_t ptr, uint32_t len, wasi_path *p)
{
    if (!wasi_mem_ok(c, ptr, len))
        return WASI_ERRNO_FAULT;
    if (len > WB_WASI_PATH_MAX)
        return WASI_ERRNO_NAMETOOLONG;
    if (memchr(wasi_mem(c, ptr), '\0', len))
        return WASI_ERRNO_INVAL;
    if (!utf8_ok(wasi_mem(c, ptr), len))
        return WASI_ERRNO_ILSEQ;
    memcpy(p->s, wasi_mem(c, ptr), len);
    p->s[len] = '\0';
    p->len = len;
    return WASI_ERRNO_SUCCESS;
}

/* openat2 beneath dirfd. EAGAIN means a concurrent rename raced with the
 * kernel's ".." check: try again, a bounded number of times. */
static int open_beneath(int dirfd, const char *path, int flags, mode_t mode)
{
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC),
        .mode = (flags & O_CREAT) ? mode : 0,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
    };
    for (int tries = 0;; tries++) {
        int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
        if (fd >= 0 || errno != EAGAIN || tries == 32)
            return fd;
    }
}

/* errno of a resolution: EXDEV is the kernel refusing to leave dirfd. */
static uint16_t resolve_errno(int e)
{
    return e == EXDEV ? WASI_ERRNO_NOTCAPABLE : wasi_errno(e);
}

/* The directory fd of a path op: must be a directory with `need`. */
static uint16_t dir_get(wasi_call *c, uint32_t fd, uint64_t need, wasi_fd **out)
{
    uint16_t e = wasi_fd_get(c->w, fd, need, out);
    if (!e && (*out)->type != WASI_FILETYPE_DIRECTORY)
        return WASI_ERRNO_NOTDIR;
    return e;
}

/* A resolved parent: fd for the *at call (owned if own) and final name. */
typedef struct wasi_parent {
    int fd;
    bool own;
    const char *name;
} wasi_parent;

static void parent_close(wasi_parent *pp)
{
    if (pp->own)
        close(pp->fd);
}

/* Splits p into its directory part and final name (with any trailing
 * slashes), and opens the directory part beneath dirfd. */
static uint16_t parent_open(int dirfd, wasi_path *p, wasi_parent *pp)
{
    uint32_t end = p->len, start;
    char saved;
    int fd;

    *pp = (wasi_parent){ .fd = -1 };
    if (p->len == 0)
        return WASI_ERRNO_NOENT;
    while (end > 0 && p->s[end - 1] == '/')
        end--;
    if (end == 0)
        return WASI_ERRNO_NOTCAPABLE;  /* "/": the root is outside every preopen */
    start = end;
    while (start > 0 && p->s[start - 1] != '/')
        start--;
    pp->name = p->s + start;
    if (start == 0) {
        pp->fd = dirfd;
        return WASI_ERRNO_SUCCESS;
    }
    saved = p->s[start];
    p->s[start] = '\0';
    fd = open_beneath(dirfd, p->s, O_PATH | O_DIRECTORY, 0);
    p->s[start] = saved;
    if (fd < 0)
        return resolve_errno(errno);
    pp->fd = fd;
    pp->own = true;
    return WASI_ERRNO_SUCCESS;
}

/* True if the final name could make readlinkat/linkat follow something:
 * a trailing slash, ".", "..". */
static bool name_follows(const char *name)
{
    size_t n = strlen(name);
    return name[n - 1] == '/' || !strcmp(name, ".") || !strcmp(name, "..");
}

/* -- Entry ops -- */

uint16_t wb_wasi_path_open(wasi_call *c, const wb_val *a)
{
    uint32_t fd = wasi_arg32(a, 0), dirflags = wasi_arg32(a, 1), oflags = wasi_arg32(a, 4);
    uint64_t base = wasi_arg64(a, 5), inh = wasi_arg64(a, 6);
    uint32_t fdflags = wasi_arg32(a, 7), ret = wasi_arg32(a, 8), guest;
    uint64_t need = WASI_RIGHT_PATH_OPEN, need_inh = base | inh;
    bool rd, wr;
    int flags = O_NOCTTY, h;
    wasi_path p;
    wasi_fd *dir;
    struct stat st;
    uint8_t type;
    uint16_t e;

    if (!wasi_mem_ok(c, ret, 4))
        return WASI_ERRNO_FAULT;
    if ((e = path_copy(c, wasi_arg32(a, 2), wasi_arg32(a, 3), &p)))
        return e;
    if (oflags & WASI_OFLAG_CREAT)
        need |= WASI_RIGHT_PATH_CREATE_FILE;
    if (oflags & WASI_OFLAG_TRUNC)
        need |= WASI_RIGHT_PATH_FILESTAT_SET_SIZE;
    if (fdflags & WASI_FDFLAG_DSYNC)
        need_inh |= WASI_RIGHT_FD_DATASYNC;
    if (fdflags & (WASI_FDFLAG_RSYNC | WASI_FDFLAG_SYNC))
        need_inh |= WASI_RIGHT_FD_SYNC;
    if ((e = dir_get(c, fd, need, &dir)))
        return e;
    if ((oflags & ~WASI_OFLAGS_ALL) || (fdflags & ~WASI_FDFLAGS_ALL) ||
        (dirflags & ~WASI_LOOKUP_SYMLINK_FOLLOW))
        return WASI_ERRNO_INVAL;
    /* The new fd's rights must be ones this directory may hand out. */
    if (need_inh & ~dir->inheriting)
        return WASI_ERRNO_NOTCAPABLE;

    rd = base & (WASI_RIGHT_FD_READ | WASI_RIGHT_FD_READDIR);
    wr = base & (WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_ALLOCATE | WASI_RIGHT_FD_FILESTAT_SET_SIZE);
    if (dir->ro && (wr || (oflags & (WASI_OFLAG_CREAT | WASI_OFLAG_TRUNC))))
        return WASI_ERRNO_NOTCAPABLE;   /* unreachable through rights; kept as a second lock */
    flags |= wr ? (rd ? O_RDWR : O_WRONLY) : O_RDONLY;
    if (oflags & WASI_OFLAG_CREAT)
        flags |= O_CREAT;
    if (oflags & WASI_OFLAG_EXCL)
        flags |= O_EXCL;
    if (oflags & WASI_OFLAG_TRUNC)
        flags |= O_TRUNC;
    if (oflags & WASI_OFLAG_DIRECTORY)
        flags |= O_DIRECTORY;
    if (!(dirflags & WASI_LOOKUP_SYMLINK_FOLLOW))
        flags |= O_NOFOLLOW;
    if (fdflags & WASI_FDFLAG_APPEND)
        flags |= O_APPEND;
    if (fdflags & WASI_FDFLAG_NONBLOCK)
        flags |= O_NONBLOCK;
    if (fdflags & WASI_FDFLAG_DSYNC)
        flags |= O_DSYNC;
    if (fdflags & (WASI_FDFLAG_RSYNC | WASI_FDFLAG_SYNC))
        flags |= O_SYNC;

    if ((h = open_beneath(dir->host, p.s, flags, 0666)) < 0)
        return resolve_errno(errno);
    if (fstat(h, &st) != 0) {
        e = wasi_errno(errno);
        close(h);
        return e;
    }
    type = wasi_filetype_of_mode(st.st_mode);
    /* Fewer rights than asked where they cannot apply (witx allows it). */
    if (type == WASI_FILETYPE_DIRECTORY) {
        base &= WASI_RIGHTS_DIR;
    } else {
        base &= WASI_RIGHTS_FILE;
        if (type != WASI_FILETYPE_REGULAR_FILE && type != WASI_FILETYPE_BLOCK_DEVICE)
            base &= ~(uint64_t)(WASI_RIGHT_FD_SEEK | WASI_RIGHT_FD_TELL);
        inh = 0;
    }
    if ((e = wasi_fd_install(c->w, h, type, base, inh, dir->ro, &guest)))
        return e;
    c->w->fds[guest].rsync = fdflags & WASI_FDFLAG_RSYNC;
    wasi_put32(wasi_mem(c, ret), guest);
    return WASI_ERRNO_SUCCESS;
}

/* Opens the whole path as O_PATH beneath the directory fd. */
static uint16_t entry_open(wasi_call *c, uint32_t fd, uint64_t need, uint32_t lookup,
                           uint32_t ptr, uint32_t len, int *out)
{
    wasi_path p;
    wasi_fd *dir;
    uint16_t e;
    int h;

    if ((e = path_copy(c, ptr, len, &p)) || (e = dir_get(c, fd, need, &dir)))
        return e;
    if (lookup & ~WASI_LOOKUP_SYMLINK_FOLLOW)
        return WASI_ERRNO_INVAL;
    h = open_beneath(dir->host, p.s,
                     O_PATH | ((lookup & WASI_LOOKUP_SYMLINK_FOLLOW) ? 0 : O_NOFOLLOW), 0);
    if (h < 0)
        return resolve_errno(errno);
    *out = h;
    return WASI_ERRNO_SUCCESS;
}

uint16_t wb_wasi_path_filestat_get(wasi_call *c, const wb_val *a)
{
    uint32_t ret = wasi_arg32(a, 4);
    struct stat st;
    uint16_t e;
    int h;

    if (!wasi_mem_ok(c, ret, WASI_FILESTAT_SIZE))
        return WASI_ERRNO_FAULT;
    if ((e = entry_open(c, wasi_arg32(a, 0), WASI_RIGHT_PATH_FILESTAT_GET, wasi_arg32(a, 1),
                        wasi_arg32(a, 2), wasi_arg32(a, 3), &h)))
        return e;
    e = fstat(h, &st) == 0 ? WASI_ERRNO_SUCCESS : wasi_errno(errno);
    close(h);
    if (!e)
        wasi_put_filestat(wasi_mem(c, ret), &st);
    return e;
}

uint16_t wb_wasi_path_filestat_set_times(wasi_call *c, const wb_val *a)
{
    struct timespec ts[2];
    uint16_t e;
    int h;

    if ((e = wasi_times(wasi_arg64(a, 4), wasi_arg64(a, 5), wasi_arg32(a, 6), ts)))
        return e;
    if ((e = entry_open(c, wasi_arg32(a, 0), WASI_RIGHT_PATH_FILESTAT_SET_TIMES,
                        wasi_arg32(a, 1), wasi_arg32(a, 2), wasi_arg32(a, 3), &h)))
        return e;
    e = utimensat(h, "", ts, AT_EMPTY_PATH) == 0 ? WASI_ERRNO_SUCCESS : wasi_errno(errno);
    close(h);
    return e;
}

/* -- Name ops -- */

/* Copies the path, checks the directory fd, opens the parent. */
static uint16_t name_begin(wasi_call *c, uint32_t fd, uint64_t need, uint32_t ptr,
                           uint32_t len, wasi_path *p, wasi_fd **dir, wasi_parent *pp)
{
    uint16_t e;
    *pp = (wasi_parent){ .fd = -1 };
    if ((e = path_copy(c, ptr, len, p)) || (e = dir_get(c, fd, need, dir)))
        return e;
    return parent_open((*dir)->host, p, pp);
}

static uint16_t name_op_result(int r, wasi_parent *pp)
{
    uint16_t e = r == 0 ? WASI_ERRNO_SUCCESS : wasi_errno(errno);
    parent_close(pp);
    return e;
}

uint16_t wb_wasi_path_create_directory(wasi_call *c, const wb_val *a)
{
    wasi_path p;
    wasi_fd *dir;
    wasi_parent pp;
    uint16_t e;

    if ((e = name_begin(c, wasi_arg32(a, 0), WASI_RIGHT_PATH_CREATE_DIRECTORY,
                        wasi_arg32(a, 1), wasi_arg32(a, 2), &p, &dir, &pp)))
        return e;
    return name_op_result(mkdirat(pp.fd, pp.name, 0777), &pp);
}

uint16_t wb_wasi_path_remove_directory(wasi_call *c, const wb_val *a)
{
    wasi_path p;
    wasi_fd *dir;
    wasi_parent pp;
    uint16_t e;

    if ((e = name_begin(c, wasi_arg32(a, 0), WASI_RIGHT_PATH_REMOVE_DIRECTORY,
                        wasi_arg32(a, 1), wasi_arg32(a, 2), &p, &dir, &pp)))
        return e;
    return name_op_result(unlinkat(pp.fd, pp.name, AT_REMOVEDIR), &pp);
}

uint16_t wb_wasi_path_unlink_file(wasi_call *c, const wb_val *a)
{
    wasi_path p;
    wasi_fd *dir;
    wasi_parent pp;
    uint16_t e;

    if ((e = name_begin(c, wasi_arg32(a, 0), WASI_RIGHT_PATH_UNLINK_FILE, wasi_arg32(a, 1),
                        wasi_arg32(a, 2), &p, &dir, &pp)))
        return e;
    return name_op_result(unlinkat(pp.fd, pp.name, 0), &pp);
}

/* The target is stored as given: it is only ever resolved beneath a
 * preopen, so an absolute or escaping target is harmless (and useless). */
uint16_t wb_wasi_path_symlink(wasi_call *c, const wb_val *a)
{
    wasi_path target, p;
    wasi_fd *dir;
    wasi_parent pp;
    uint16_t e;

    if ((e = path_copy(c, wasi_arg32(a, 0), wasi_arg32(a, 1), &target)))
        return e;
    if ((e = name_begin(c, wasi_arg32(a, 2), WASI_RIGHT_PATH_SYMLINK, wasi_arg32(a, 3),
                        wasi_arg32(a, 4), &p, &dir, &pp)))
        return e;
    return name_op_result(symlinkat(target.s, pp.fd, pp.name), &pp);
}

uint16_t wb_wasi_path_readlink(wasi_call *c, const wb_val *a)
{
    uint32_t buf = wasi_arg32(a, 3), len = wasi_arg32(a, 4), ret = wasi_arg32(a, 5);
    char link[WB_WASI_PATH_MAX];
    wasi_path p;
    wasi_fd *dir;
    wasi_parent pp;
    ssize_t n;
    uint16_t e;
    int h;

    if (!wasi_mem_ok(c, buf, len) || !wasi_mem_ok(c, ret, 4))
        return WASI_ERRNO_FAULT;
    if ((e = name_begin(c, wasi_arg32(a, 0), WASI_RIGHT_PATH_READLINK, wasi_arg32(a, 1),
                        wasi_arg32(a, 2), &p, &dir, &pp)))
        return e;
    if (name_follows(pp.name)) {
        /* readlinkat would follow: resolve beneath instead. What it names
         * after following is never a symlink. */
        parent_close(&pp);
        if ((h = open_beneath(dir->host, p.s, O_PATH, 0)) < 0)
            return resolve_errno(errno);
        close(h);
        return WASI_ERRNO_INVAL;
    }
    n = readlinkat(pp.fd, pp.name, link, sizeof(link));
    e = n < 0 ? wasi_errno(errno) : WASI_ERRNO_SUCCESS;
    parent_close(&pp);
    if (e)
        return e;
    if ((uint64_t)n > len)
        n = len;   /* truncated, as readlink(2) does */
    memcpy(wasi_mem(c, buf), link, (size_t)n);
    wasi_put32(wasi_mem(c, ret), (uint32_t)n);
    return WASI_ERRNO_SUCCESS;
}

uint16_t wb_wasi_path_rename(wasi_call *c, const wb_val *a)
{
    wasi_path op, np;
    wasi_fd *odir, *ndir;
    wasi_parent opp, npp;
    uint16_t e;
    int r;

    if ((e = name_begin(c, wasi_arg32(a, 0), WASI_RIGHT_PATH_RENAME_SOURCE, wasi_arg32(a, 1),
                        wasi_arg32(a, 2), &op, &odir, &opp)))
        return e;
    if ((e = name_begin(c, wasi_arg32(a, 3), WASI_RIGHT_PATH_RENAME_TARGET, wasi_arg32(a, 4),
                        wasi_arg32(a, 5), &np, &ndir, &npp))) {
        parent_close(&opp);
        return e;
    }
    r = (int)syscall(SYS_renameat2, opp.fd, opp.name, npp.fd, npp.name, 0);
    e = r == 0 ? WASI_ERRNO_SUCCESS : wasi_errno(errno);
    parent_close(&opp);
    parent_close(&npp);
    return e;
}

/* With SYMLINK_FOLLOW the source is resolved beneath its directory and
 * linked through its fd (linkat AT_EMPTY_PATH), never by the kernel
 * following the name on its own. */
uint16_t wb_wasi_path_link(wasi_call *c, const wb_val *a)
{
    uint32_t lookup = wasi_arg32(a, 1);
    wasi_path op, np;
    wasi_fd *odir, *ndir;
    wasi_parent opp, npp;
    uint16_t e;
    int r, h = -1;

    if ((e = name_begin(c, wasi_arg32(a, 0), WASI_RIGHT_PATH_LINK_SOURCE, wasi_arg32(a, 2),
                        wasi_arg32(a, 3), &op, &odir, &opp)))
        return e;
    if ((e = name_begin(c, wasi_arg32(a, 4), WASI_RIGHT_PATH_LINK_TARGET, wasi_arg32(a, 5),
                        wasi_arg32(a, 6), &np, &ndir, &npp))) {
        parent_close(&opp);
        return e;
    }
    if (lookup & ~WASI_LOOKUP_SYMLINK_FOLLOW) {
        e = WASI_ERRNO_INVAL;
        goto out;
    }
    if ((lookup & WASI_LOOKUP_SYMLINK_FOLLOW) || name_follows(opp.name)) {
        int fl = O_PATH | ((lookup & WASI_LOOKUP_SYMLINK_FOLLOW) ? 0 : O_NOFOLLOW);
        if ((h = open_beneath(odir->host, op.s, fl, 0)) < 0) {
            e = resolve_errno(errno);
            goto out;
        }
        r = linkat(h, "", npp.fd, npp.name, AT_EMPTY_PATH);
    } else {
        r = linkat(opp.fd, opp.name, npp.fd, npp.name, 0);
    }
    e = r == 0 ? WASI_ERRNO_SUCCESS : wasi_errno(errno);
out:
    if (h >= 0)
        close(h);
    parent_close(&opp);
    parent_close(&npp);
    return e;
}

/* wasi_fd.c — functions on an open fd: reading and writing (plain,
 * positional, vectored), seeking, flags and rights, filestat, advice and
 * allocation, syncing, closing and renumbering, preopen names, and reading
 * directories with stable cookies. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "wasi/wasi_int.h"

/* Host iovecs per call: a fixed array, whatever the guest asks for (more
 * buffers than this give a short read or write, which the guest handles). */
#define IOV_BATCH 256
_Static_assert(IOV_BATCH <= WB_WASI_MAX_IOVS, "iovec batch");

/* Checks the guest iovec array and every buffer in it, and fills iov with
 * the first non-empty ones (at most IOV_BATCH). */
static uint16_t iovs_decode(wasi_call *c, uint32_t ptr, uint32_t count, struct iovec *iov,
                            int *n)
{
    int k = 0;
    if (!wasi_mem_array_ok(c, ptr, count, WASI_IOVEC_SIZE))
        return WASI_ERRNO_FAULT;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *p = wasi_mem(c, ptr + (uint64_t)i * WASI_IOVEC_SIZE);
        uint32_t buf = wasi_get32(p), len = wasi_get32(p + 4);
        if (!wasi_mem_ok(c, buf, len))
            return WASI_ERRNO_FAULT;
        if (len && k < IOV_BATCH)
            iov[k++] = (struct iovec){ .iov_base = wasi_mem(c, buf), .iov_len = len };
    }
    *n = k;
    return WASI_ERRNO_SUCCESS;
}

/* One vectored transfer: read or write, at the current position (pos < 0)
 * or at pos. Retries on EINTR. */
static uint16_t transfer(wasi_call *c, const wb_val *a, bool write, bool positional)
{
    uint32_t fd = wasi_arg32(a, 0), iovp = wasi_arg32(a, 1), n = wasi_arg32(a, 2);
    uint32_t ret = positional ? wasi_arg32(a, 4) : wasi_arg32(a, 3);
    uint64_t pos = positional ? wasi_arg64(a, 3) : 0;
    uint64_t need = write ? WASI_RIGHT_FD_WRITE : WASI_RIGHT_FD_READ;
    struct iovec iov[IOV_BATCH];
    wasi_fd *f;
    ssize_t r;
    uint16_t e;
    int k;

    if ((e = iovs_decode(c, iovp, n, iov, &k)) || !wasi_mem_ok(c, ret, 4))
        return e ? e : WASI_ERRNO_FAULT;
    if ((e = wasi_fd_get(c->w, fd, need | (positional ? WASI_RIGHT_FD_SEEK : 0), &f)))
        return e;
    if (positional && pos > INT64_MAX)
        return WASI_ERRNO_INVAL;
    if (f->type == WASI_FILETYPE_DIRECTORY)
        return WASI_ERRNO_ISDIR;
    /* Reading pipes, terminals and sockets under a time limit: wait in
     * slices that watch it, then read. A signal that interrupts the
     * transfer (the time limit's SIGURG) looks at the deadline before
     * trying again: that is what stops a write blocked on a full pipe (a
     * poll before every write would cost more than the write). */
    if (!positional && k && !write && (e = wasi_wait_fd(c, f, POLLIN)))
        return e;
    for (;;) {
        if (positional)
            r = write ? pwritev(f->host, iov, k, (off_t)pos) : preadv(f->host, iov, k, (off_t)pos);
        else
            r = write ? writev(f->host, iov, k) : readv(f->host, iov, k);
        if (r >= 0 || errno != EINTR)
            break;
        if ((e = wasi_check(c)) || (!positional && k && !write && (e = wasi_wait_fd(c, f, POLLIN))))
            return e;
    }
    if (r < 0)
        return wasi_errno(errno);
    if (write && r > 0 && fd == 2 && f->host == c->w->stderr_host && f->host >= 0) {
        /* the last byte written: for reports that follow the guest's output */
        size_t left = (size_t)r;
        for (int i = 0; i < k; i++) {
            if (left <= iov[i].iov_len) {
                c->w->stderr_midline = ((const uint8_t *)iov[i].iov_base)[left - 1] != '\n';
                break;
            }
            left -= iov[i].iov_len;
        }
    }
    wasi_put32(wasi_mem(c, ret), (uint32_t)r);
    return WASI_ERRNO_SUCCESS;
}

uint16_t wb_wasi_fd_read(wasi_call *c, const wb_val *a) { return transfer(c, a, false, false); }
uint16_t wb_wasi_fd_write(wasi_call *c, const wb_val *a) { return transfer(c, a, true, false); }
uint16_t wb_wasi_fd_pread(wasi_call *c, const wb_val *a) { return transfer(c, a, false, true); }
uint16_t wb_wasi_fd_pwrite(wasi_call *c, const wb_val *a) { return transfer(c, a, true, true); }

uint16_t wb_wasi_fd_seek(wasi_call *c, const wb_val *a)
{
    uint32_t fd = wasi_arg32(a, 0), whence = wasi_arg32(a, 2), ret = wasi_arg32(a, 3);
    int64_t off = (int64_t)wasi_arg64(a, 1);
    /* Asking where we are is a tell, not a seek. */
    uint64_t need = off == 0 && whence == WASI_WHENCE_CUR ? WASI_RIGHT_FD_TELL
                                                           : WASI_RIGHT_FD_SEEK;
    int hw;
    wasi_fd *f;
    off_t r;
    uint16_t e;

    if (!wasi_mem_ok(c, ret, 8))
        return WASI_ERRNO_FAULT;
    if ((e = wasi_fd_get(c->w, fd, need, &f)))
        return e;
    switch (whence) {
    case WASI_WHENCE_SET: hw = SEEK_SET; break;
    case WASI_WHENCE_CUR: hw = SEEK_CUR; break;
    case WASI_WHENCE_END: hw = SEEK_END; break;
    default: return WASI_ERRNO_INVAL;
    }
    if ((r = lseek(f->host, (off_t)off, hw)) < 0)
        return wasi_errno(errno);
    wasi_put64(wasi_mem(c, ret), (uint64_t)r);
    return WASI_ERRNO_SUCCESS;
}

uint16_t wb_wasi_fd_tell(wasi_call *c, const wb_val *a)
{
    uint32_t ret = wasi_arg32(a, 1);
    wasi_fd *f;
    off_t r;
    uint16_t e;

    if (!wasi_mem_ok(c, ret, 8))
        return WASI_ERRNO_FAULT;
    if ((e = wasi_fd_get(c->w, wasi_arg32(a, 0), WASI_RIGHT_FD_TELL, &f)))
        return e;
    if ((r = lseek(f->host, 0, SEEK_CUR)) < 0)
        return wasi_errno(errno);
    wasi_put64(wasi_mem(c, ret), (uint64_t)r);
    return WASI_ERRNO_SUCCESS;
}

/* -- Closing and renumbering -- */

uint16_t wb_wasi_fd_close(wasi_call *c, const wb_val *a)
{
    wasi_fd *f;
    uint16_t e;
    if ((e = wasi_fd_get(c->w, wasi_arg32(a, 0), 0, &f)))
        return e;
    wasi_fd_release(f);
    return WASI_ERRNO_SUCCESS;
}

/* Moves `from` onto `to`, closing what `to` held. Both must be open. */
uint16_t wb_wasi_fd_renumber(wasi_call *c, const wb_val *a)
{
    wasi_fd *from, *to;
    uint16_t e;
    if ((e = wasi_fd_get(c->w, wasi_arg32(a, 0), 0, &from)) ||
        (e = wasi_fd_get(c->w, wasi_arg32(a, 1), 0, &to)))
        return e;
    if (from == to)
        return WASI_ERRNO_SUCCESS;
    wasi_fd_release(to);
    *to = *from;
    *from = (wasi_fd){ .host = -1 };
    return WASI_ERRNO_SUCCESS;
}

/* -- fdstat -- */

uint16_t wb_wasi_fd_fdstat_get(wasi_call *c, const wb_val *a)
{
    uint32_t ret = wasi_arg32(a, 1);
    uint16_t flags = 0, e;
    wasi_fd *f;
    uint8_t *p;
    int fl;

    if (!wasi_mem_ok(c, ret, WASI_FDSTAT_SIZE))
        return WASI_ERRNO_FAULT;
    if ((e = wasi_fd_get(c->w, wasi_arg32(a, 0), 0, &f)))
        return e;
    if ((fl = fcntl(f->host, F_GETFL)) < 0)
        return wasi_errno(errno);
    if (fl & O_APPEND)
        flags |= WASI_FDFLAG_APPEND;
    if (fl & O_NONBLOCK)
        flags |= WASI_FDFLAG_NONBLOCK;
    if ((fl & O_SYNC) == O_SYNC)
        flags |= WASI_FDFLAG_SYNC | (f->rsync ? WASI_FDFLAG_RSYNC : 0);
    else if (fl & O_DSYNC)
        flags |= WASI_FDFLAG_DSYNC;
    p = wasi_mem(c, ret);
    memset(p, 0, WASI_FDSTAT_SIZE);
    wasi_put8(p, f->type);
    wasi_put16(p + 2, flags);
    wasi_put64(p + 8, f->base);
    wasi_put64(p + 16, f->inheriting);
    return WASI_ERRNO_SUCCESS;
}

/* APPEND and NONBLOCK can change; the sync flags are fixed at open (as
 * with fcntl(F_SETFL) on Linux, a request to change them is ignored). */
uint16_t wb_wasi_fd_fdstat_set_flags(wasi_call *c, const wb_val *a)
{
    uint32_t flags = wasi_arg32(a, 1);
    wasi_fd *f;
    uint16_t e;
    int fl;

    if ((e = wasi_fd_get(c->w, wasi_arg32(a, 0), WASI_RIGHT_FD_FDSTAT_SET_FLAGS, &f)))
        return e;
    if (flags & ~WASI_FDFLAGS_ALL)
        return WASI_ERRNO_INVAL;
    if ((fl = fcntl(f->host, F_GETFL)) < 0)
        return wasi_errno(errno);
    fl &= ~(O_APPEND | O_NONBLOCK);
    if (flags & WASI_FDFLAG_APPEND)
        fl |= O_APPEND;
    if (flags & WASI_FDFLAG_NONBLOCK)
        fl |= O_NONBLOCK;
    if (fcntl(f->host, F_SETFL, fl) < 0)
        return wasi_errno(errno);
    return WASI_ERRNO_SUCCESS;
}

/* Rights only shrink. */
uint16_t wb_wasi_fd_fdstat_set_rights(wasi_call *c, const wb_val *a)
{
    uint64_t base = wasi_arg64(a, 1), inh = wasi_arg64(a, 2);
    wasi_fd *f;
    uint16_t e;

    if ((e = wasi_fd_get(c->w, wasi_arg32(a, 0), 0, &f)))
        return e;
    if ((base & ~f->base) || (inh & ~f->inheriting))
        return WASI_ERRNO_NOTCAPABLE;
    f->base = base;
    f->inheriting = inh;
    return WASI_ERRNO_SUCCESS;
}

/* -- filestat -- */

uint16_t wb_wasi_fd_filestat_get(wasi_call *c, const wb_val *a)
{
    uint32_t ret = wasi_arg32(a, 1);
    struct stat st;
    wasi_fd *f;
    uint16_t e;

    if (!wasi_mem_ok(c, ret, WASI_FILESTAT_SIZE))
        return WASI_ERRNO_FAULT;
    if ((e = wasi_fd_get(c->w, wasi_arg32(a, 0), WASI_RIGHT_FD_FILESTAT_GET, &f)))
        return e;
    if (fstat(f->host, &st) != 0)
        return wasi_errno(errno);
    wasi_put_filestat(wasi_mem(c, ret), &st);
    if (S_ISSOCK(st.st_mode))
        wasi_put8(wasi_mem(c, ret) + 16, f->type);   /* stream or datagram */
    return WASI_ERRNO_SUCCESS;
}

uint16_t wb_wasi_fd_filestat_set_size(wasi_call *c, const wb_val *a)
{
    uint64_t size = wasi_arg64(a, 1);
    wasi_fd *f;
    uint16_t e;

    if ((e = wasi_fd_get(c->w, wasi_arg32(a, 0), WASI_RIGHT_FD_FILESTAT_SET_SIZE, &f)))
        return e;
    if (size > INT64_MAX)
        return WASI_ERRNO_INVAL;
    if (ftruncate(f->host, (off_t)size) != 0)
        return wasi_errno(errno);
    return WASI_ERRNO_SUCCESS;
}

uint16_t wb_wasi_fd_filestat_set_times(wasi_call *c, const wb_val *a)
{
    struct timespec ts[2];
    wasi_fd *f;
    uint16_t e;

    if ((e = wasi_fd_get(c->w, wasi_arg32(a, 0), WASI_RIGHT_FD_FILESTAT_SET_TIMES, &f)))
        return e;
    if ((e = wasi_times(wasi_arg64(a, 1), wasi_arg64(a, 2), wasi_arg32(a, 3), ts)))
        return e;
    if (utimensat(f->host, "", ts, AT_EMPTY_PATH) != 0)
        return wasi_errno(errno);
    return WASI_ERRNO_SUCCESS;
}

/* -- Advice, allocation, syncing -- */

uint16_t wb_wasi_fd_advise(wasi_call *c, const wb_val *a)
{
    uint64_t off = wasi_arg64(a, 1), len = wasi_arg64(a, 2);
    uint32_t advice = wasi_arg32(a, 3);
    static const int host_advice[] = {
        [WASI_ADVICE_NORMAL] = POSIX_FADV_NORMAL,     [WASI_ADVICE_SEQUENTIAL] = POSIX_FADV_SEQUENTIAL,
        [WASI_ADVICE_RANDOM] = POSIX_FADV_RANDOM,     [WASI_ADVICE_WILLNEED] = POSIX_FADV_WILLNEED,
        [WASI_ADVICE_DONTNEED] = POSIX_FADV_DONTNEED, [WASI_ADVICE_NOREUSE] = POSIX_FADV_NOREUSE,
    };
    wasi_fd *f;
    uint16_t e;
    int r;

    if ((e = wasi_fd_get(c->w, wasi_arg32(a, 0), WASI_RIGHT_FD_ADVISE, &f)))
        return e;
    if (advice > WASI_ADVICE_NOREUSE || off > INT64_MAX || len > INT64_MAX)
        return WASI_ERRNO_INVAL;
    if ((r = posix_fadvise(f->host, (off_t)off, (off_t)len, host_advice[advice])) != 0)
        return wasi_errno(r);
    return WASI_ERRNO_SUCCESS;
}

uint16_t wb_wasi_fd_allocate(wasi_call *c, const wb_val *a)
{
    uint64_t off = wasi_arg64(a, 1), len = wasi_arg64(a, 2);
    wasi_fd *f;
    uint16_t e;

    if ((e = wasi_fd_get(c->w, wasi_arg32(a, 0), WASI_RIGHT_FD_ALLOCATE, &f)))
        return e;
    if (off > INT64_MAX || len > INT64_MAX)
        return WASI_ERRNO_INVAL;
    if (off + len > INT64_MAX)
        return WASI_ERRNO_FBIG;
    if (f->type == WASI_FILETYPE_DIRECTORY)
        return WASI_ERRNO_BADF;
    if (fallocate(f->host, 0, (off_t)off, (off_t)len) != 0)
        return wasi_errno(errno);
    return WASI_ERRNO_SUCCESS;
}

uint16_t wb_wasi_fd_datasync(wasi_call *c, const wb_val *a)
{
    wasi_fd *f;
    uint16_t e;
    if ((e = wasi_fd_get(c->w, wasi_arg32(a, 0), WASI_RIGHT_FD_DATASYNC, &f)))
        return e;
    return fdatasync(f->host) == 0 ? WASI_ERRNO_SUCCESS : wasi_errno(errno);
}

uint16_t wb_wasi_fd_sync(wasi_call *c, const wb_val *a)
{
    wasi_fd *f;
    uint16_t e;
    if ((e = wasi_fd_get(c->w, wasi_arg32(a, 0), WASI_RIGHT_FD_SYNC, &f)))
        return e;
    return fsync(f->host) == 0 ? WASI_ERRNO_SUCCESS : wasi_errno(errno);
}

/* -- Preopens -- */

uint16_t wb_wasi_fd_prestat_get(wasi_call *c, const wb_val *a)
{
    uint32_t ret = wasi_arg32(a, 1);
    wasi_fd *f;
    uint16_t e;

    if (!wasi_mem_ok(c, ret, WASI_PRESTAT_SIZE))
        return WASI_ERRNO_FAULT;
    if ((e = wasi_fd_get(c->w, wasi_arg32(a, 0), 0, &f)))
        return e;
    if (!f->preopen)
        return WASI_ERRNO_BADF;   /* what wasi-libc's preopen scan stops at */
    memset(wasi_mem(c, ret), 0, WASI_PRESTAT_SIZE);
    wasi_put8(wasi_mem(c, ret), WASI_PREOPENTYPE_DIR);
    wasi_put32(wasi_mem(c, ret) + 4, f->preopen_len);
    return WASI_ERRNO_SUCCESS;
}

uint16_t wb_wasi_fd_prestat_dir_name(wasi_call *c, const wb_val *a)
{
    uint32_t buf = wasi_arg32(a, 1), len = wasi_arg32(a, 2);
    wasi_fd *f;
    uint16_t e;

    if (!wasi_mem_ok(c, buf, len))
        return WASI_ERRNO_FAULT;
    if ((e = wasi_fd_get(c->w, wasi_arg32(a, 0), 0, &f)))
        return e;
    if (!f->preopen)
        return WASI_ERRNO_BADF;
    if (len < f->preopen_len)
        return WASI_ERRNO_NAMETOOLONG;
    memcpy(wasi_mem(c, buf), f->preopen, f->preopen_len);
    return WASI_ERRNO_SUCCESS;
}

/* -- Directories --
 * A cookie names a position in the directory: 0 is the start, n > 0 the
 * host offset (d_off of getdents64) of the n-th distinct position this fd
 * has handed out. The host's offsets stay valid while the directory is
 * open, whatever is added or removed (ext4 uses 63-bit name hashes, tmpfs
 * indexes), and lseek() goes back to any of them, so every call starts
 * exactly where its cookie says; the same entry always gets the same
 * cookie. Small numbers instead of the host offsets themselves because
 * wasi-libc's telldir() returns a 32-bit long. */

typedef struct wasi_dircookies {
    uint64_t *off;      /* off[n]: host offset of cookie n (off[0] = 0) */
    uint32_t n, cap;    /* cookies in use (with 0), allocated */
    uint32_t *slot;     /* hash of host offset -> cookie, 0 = empty */
    uint32_t nslots;    /* a power of two, at least twice n */
} wasi_dircookies;

void wasi_dircookies_free(wasi_dircookies *dc)
{
    if (!dc)
        return;
    free(dc->off);
    free(dc->slot);
    free(dc);
}

static uint32_t off_hash(uint64_t off, uint32_t nslots)
{
    off ^= off >> 33;
    off *= UINT64_C(0xff51afd7ed558ccd);
    off ^= off >> 33;
    return (uint32_t)off & (nslots - 1);
}

static void slot_put(wasi_dircookies *dc, uint32_t cookie)
{
    uint32_t h = off_hash(dc->off[cookie], dc->nslots);
    while (dc->slot[h])
        h = (h + 1) & (dc->nslots - 1);
    dc->slot[h] = cookie;
}

/* The cookie of host offset off, made if new: 0 when out of memory or
 * over WB_WASI_MAX_DIRCOOKIES. */
static uint32_t cookie_of(wasi_fd *f, uint64_t off)
{
    wasi_dircookies *dc = f->cookies;
    uint32_t h;

    if (!dc) {
        if (!(dc = f->cookies = calloc(1, sizeof(*dc))))
            return 0;
        dc->n = 1;   /* cookie 0: the start */
    }
    if (dc->nslots) {
        for (h = off_hash(off, dc->nslots); dc->slot[h]; h = (h + 1) & (dc->nslots - 1))
            if (dc->off[dc->slot[h]] == off)
                return dc->slot[h];
    }
    if (dc->n >= WB_WASI_MAX_DIRCOOKIES)
        return 0;
    if (dc->n >= dc->cap) {
        uint32_t cap = dc->cap ? dc->cap * 2 : 64;
        uint64_t *no = realloc(dc->off, (size_t)cap * sizeof(*no));
        if (!no)
            return 0;
        no[0] = 0;
        dc->off = no;
        dc->cap = cap;
    }
    if ((uint64_t)(dc->n + 1) * 2 > dc->nslots) {
        uint32_t ns = dc->nslots ? dc->nslots * 2 : 128;
        uint32_t *sl = calloc(ns, sizeof(*sl));
        if (!sl)
            return 0;
        free(dc->slot);
        dc->slot = sl;
        dc->nslots = ns;
        for (uint32_t k = 1; k < dc->n; k++)
            slot_put(dc, k);
    }
    dc->off[dc->n] = off;
    slot_put(dc, dc->n);
    return dc->n++;
}

static uint8_t dirent_type(int dirfd, const struct dirent64 *d)
{
    struct stat st;
    switch (d->d_type) {
    case DT_BLK: return WASI_FILETYPE_BLOCK_DEVICE;
    case DT_CHR: return WASI_FILETYPE_CHARACTER_DEVICE;
    case DT_DIR: return WASI_FILETYPE_DIRECTORY;
    case DT_REG: return WASI_FILETYPE_REGULAR_FILE;
    case DT_LNK: return WASI_FILETYPE_SYMBOLIC_LINK;
    case DT_SOCK: return WASI_FILETYPE_SOCKET_STREAM;
    case DT_UNKNOWN:
        if (fstatat(dirfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
            return wasi_filetype_of_mode(st.st_mode);
        return WASI_FILETYPE_UNKNOWN;
    default: return WASI_FILETYPE_UNKNOWN;
    }
}

uint16_t wb_wasi_fd_readdir(wasi_call *c, const wb_val *a)
{
    uint32_t buf = wasi_arg32(a, 1), len = wasi_arg32(a, 2), ret = wasi_arg32(a, 4);
    uint64_t cookie = wasi_arg64(a, 3), start;
    uint32_t used = 0;
    uint8_t *out;
    wasi_fd *f;
    uint16_t e;

    if (!wasi_mem_ok(c, buf, len) || !wasi_mem_ok(c, ret, 4))
        return WASI_ERRNO_FAULT;
    if ((e = wasi_fd_get(c->w, wasi_arg32(a, 0), WASI_RIGHT_FD_READDIR, &f)))
        return e;
    if (f->type != WASI_FILETYPE_DIRECTORY)
        return WASI_ERRNO_NOTDIR;
    if (cookie == 0)
        start = 0;
    else if (f->cookies && cookie < f->cookies->n)
        start = f->cookies->off[cookie];
    else
        return WASI_ERRNO_INVAL;   /* never handed out by this fd */
    if (lseek(f->host, (off_t)start, SEEK_SET) < 0)
        return wasi_errno(errno);
    out = wasi_mem(c, buf);
    while (used < len) {
        ssize_t n = getdents64(f->host, c->w->dirbuf, WB_WASI_DIRBUF);
        if (n < 0)
            return wasi_errno(errno);
        if (n == 0)
            break;
        for (ssize_t off = 0; off < n && used < len;) {
            const struct dirent64 *d = (const struct dirent64 *)(c->w->dirbuf + off);
            uint32_t namlen = (uint32_t)strlen(d->d_name), part, next;
            uint8_t hdr[WASI_DIRENT_SIZE] = { 0 };

            if (!(next = cookie_of(f, (uint64_t)d->d_off)))
                return WASI_ERRNO_NOMEM;
            wasi_put64(hdr, next);
            wasi_put64(hdr + 8, (uint64_t)d->d_ino);
            wasi_put32(hdr + 16, namlen);
            wasi_put8(hdr + 20, dirent_type(f->host, d));
            /* The last entry is cut short when the buffer ends: the guest
             * sees bufused == buf_len and asks again from a cookie. */
            part = len - used < WASI_DIRENT_SIZE ? len - used : WASI_DIRENT_SIZE;
            memcpy(out + used, hdr, part);
            used += part;
            part = len - used < namlen ? len - used : namlen;
            memcpy(out + used, d->d_name, part);
            used += part;
            off += d->d_reclen;
        }
    }
    wasi_put32(wasi_mem(c, ret), used);
    return WASI_ERRNO_SUCCESS;
}

/* wasi_table.c — the WASI context: creating it from a config (arguments,
 * environment, stdio, preopens, inherited fds), the per-instance fd table
 * that maps guest fds to host fds with their rights, and the file-type,
 * filestat and timestamp conversions shared by the fd and path functions. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wasi/wasi_int.h"

/* -- File types, filestat, timestamps -- */

uint8_t wasi_filetype_of_mode(unsigned mode)
{
    switch (mode & S_IFMT) {
    case S_IFBLK: return WASI_FILETYPE_BLOCK_DEVICE;
    case S_IFCHR: return WASI_FILETYPE_CHARACTER_DEVICE;
    case S_IFDIR: return WASI_FILETYPE_DIRECTORY;
    case S_IFREG: return WASI_FILETYPE_REGULAR_FILE;
    case S_IFLNK: return WASI_FILETYPE_SYMBOLIC_LINK;
    case S_IFSOCK: return WASI_FILETYPE_SOCKET_STREAM;
    default: return WASI_FILETYPE_UNKNOWN;   /* FIFOs: preview1 has no type for them */
    }
}

uint8_t wasi_filetype_of_fd(int host)
{
    struct stat st;
    int type = 0;
    socklen_t len = sizeof(type);

    if (fstat(host, &st) != 0)
        return WASI_FILETYPE_UNKNOWN;
    if (S_ISSOCK(st.st_mode) && getsockopt(host, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
        type == SOCK_DGRAM)
        return WASI_FILETYPE_SOCKET_DGRAM;
    return wasi_filetype_of_mode(st.st_mode);
}

static uint64_t ts_ns(const struct timespec *t)
{
    if (t->tv_sec < 0)
        return 0;
    return (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_nsec;
}

void wasi_put_filestat(uint8_t *p, const struct stat *st)
{
    memset(p, 0, WASI_FILESTAT_SIZE);
    wasi_put64(p + 0, (uint64_t)st->st_dev);
    wasi_put64(p + 8, (uint64_t)st->st_ino);
    wasi_put8(p + 16, wasi_filetype_of_mode(st->st_mode));
    wasi_put64(p + 24, (uint64_t)st->st_nlink);
    wasi_put64(p + 32, (uint64_t)st->st_size);
    wasi_put64(p + 40, ts_ns(&st->st_atim));
    wasi_put64(p + 48, ts_ns(&st->st_mtim));
    wasi_put64(p + 56, ts_ns(&st->st_ctim));
}

static void ns_ts(uint64_t ns, struct timespec *t)
{
    t->tv_sec = (time_t)(ns / 1000000000u);
    t->tv_nsec = (long)(ns % 1000000000u);
}

uint16_t wasi_times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2])
{
    if (fst & ~(uint32_t)(WASI_FSTFLAG_ATIM | WASI_FSTFLAG_ATIM_NOW | WASI_FSTFLAG_MTIM |
                          WASI_FSTFLAG_MTIM_NOW))
        return WASI_ERRNO_INVAL;
    if (((fst & WASI_FSTFLAG_ATIM) && (fst & WASI_FSTFLAG_ATIM_NOW)) ||
        ((fst & WASI_FSTFLAG_MTIM) && (fst & WASI_FSTFLAG_MTIM_NOW)))
        return WASI_ERRNO_INVAL;
    ts[0] = (struct timespec){ .tv_nsec = UTIME_OMIT };
    ts[1] = (struct timespec){ .tv_nsec = UTIME_OMIT };
    if (fst & WASI_FSTFLAG_ATIM_NOW)
        ts[0].tv_nsec = UTIME_NOW;
    else if (fst & WASI_FSTFLAG_ATIM)
        ns_ts(atim, &ts[0]);
    if (fst & WASI_FSTFLAG_MTIM_NOW)
        ts[1].tv_nsec = UTIME_NOW;
    else if (fst & WASI_FSTFLAG_MTIM)
        ns_ts(mtim, &ts[1]);
    return WASI_ERRNO_SUCCESS;
}

/* -- The fd table -- */

uint16_t wasi_fd_get(wb_wasi *w, uint32_t fd, uint64_t need, wasi_fd **out)
{
    wasi_fd *f;
    if (fd >= w->cap || w->fds[fd].host < 0)
        return WASI_ERRNO_BADF;
    f = &w->fds[fd];
    if ((f->base & need) != need)
        return WASI_ERRNO_NOTCAPABLE;
    *out = f;
    return WASI_ERRNO_SUCCESS;
}

static bool table_grow(wb_wasi *w, uint32_t want)
{
    uint32_t cap = w->cap ? w->cap : 16;
    wasi_fd *nf;
    while (cap < want)
        cap *= 2;
    if (cap > WB_WASI_MAX_FDS)
        cap = WB_WASI_MAX_FDS;
    if (cap < want)
        return false;
    if (cap == w->cap)
        return true;
    if (!(nf = realloc(w->fds, (size_t)cap * sizeof(*nf))))
        return false;
    for (uint32_t i = w->cap; i < cap; i++)
        nf[i] = (wasi_fd){ .host = -1 };
    w->fds = nf;
    w->cap = cap;
    return true;
}

/* The lowest free slot (growing the table), or -1. */
static int64_t free_slot(wb_wasi *w)
{
    uint32_t i;
    for (i = 0; i < w->cap; i++)
        if (w->fds[i].host < 0)
            return i;
    if (!table_grow(w, w->cap + 1))
        return -1;
    return i;
}

uint16_t wasi_fd_install(wb_wasi *w, int host, uint8_t type, uint64_t base,
                         uint64_t inheriting, bool ro, uint32_t *guest)
{
    int64_t slot = free_slot(w);
    if (slot < 0) {
        close(host);
        return WASI_ERRNO_MFILE;
    }
    if (ro) {
        base &= WASI_RIGHTS_RO_MASK;
        inheriting &= WASI_RIGHTS_RO_MASK;
    }
    w->fds[slot] = (wasi_fd){ .host = host, .owned = true, .ro = ro, .type = type,
                              .base = base, .inheriting = inheriting };
    *guest = (uint32_t)slot;
    return WASI_ERRNO_SUCCESS;
}

void wasi_fd_release(wasi_fd *f)
{
    if (f->owned && f->host >= 0)
        close(f->host);
    free(f->preopen);
    wasi_dircookies_free(f->cookies);
    *f = (wasi_fd){ .host = -1 };
}

/* -- Creating a context -- */

/* Rights of a host fd we were given (stdio, inherited): by type and by the
 * access mode it was opened with. */
static uint64_t host_fd_rights(int host, uint8_t type)
{
    int fl = fcntl(host, F_GETFL);
    int acc = fl < 0 ? O_RDONLY : (fl & O_ACCMODE);
    uint64_t r;

    switch (type) {
    case WASI_FILETYPE_REGULAR_FILE:
    case WASI_FILETYPE_BLOCK_DEVICE:
        r = WASI_RIGHTS_FILE;
        break;
    case WASI_FILETYPE_SOCKET_STREAM:
    case WASI_FILETYPE_SOCKET_DGRAM:
        return WASI_RIGHTS_SOCK;
    case WASI_FILETYPE_DIRECTORY:
        return WASI_RIGHT_FD_FILESTAT_GET;
    default:
        /* Terminals and pipes: no seek or tell (wasi-libc's isatty() tests
         * for exactly that on a character device). */
        r = WASI_RIGHTS_FILE & ~(uint64_t)(WASI_RIGHT_FD_SEEK | WASI_RIGHT_FD_TELL |
                                           WASI_RIGHT_FD_ALLOCATE | WASI_RIGHT_FD_ADVISE);
        break;
    }
    if (acc == O_WRONLY)
        r &= ~WASI_RIGHTS_FILE_READ;
    if (acc == O_RDONLY)
        r &= ~WASI_RIGHTS_FILE_WRITE;
    return r;
}

/* Copies n strings into one buffer of NUL-terminated strings. */
static wb_err pack_strings(const char *const *v, size_t n, const char *what, char **out,
                           uint32_t *count, uint32_t *size, wb_diag *d)
{
    uint64_t total = 0;
    char *buf, *p;

    if (n > UINT32_MAX || (n && !v))
        return wb_diag_setf(d, WB_ERR_USAGE, NULL, 0, "%s: bad list", what);
    for (size_t i = 0; i < n; i++) {
        if (!v[i])
            return wb_diag_setf(d, WB_ERR_USAGE, NULL, 0, "%s: NULL string", what);
        total += strlen(v[i]) + 1;
        if (total > UINT32_MAX)
            return wb_diag_setf(d, WB_ERR_USAGE, NULL, 0, "%s: larger than 4 GiB", what);
    }
    if (!(buf = malloc(total ? total : 1)))
        return WB_ERR_NOMEM;
    p = buf;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(v[i]) + 1;
        memcpy(p, v[i], l);
        p += l;
    }
    *out = buf;
    *count = (uint32_t)n;
    *size = (uint32_t)total;
    return WB_OK;
}

/* Adds a borrowed host fd at slot `slot`. */
static wb_err add_borrowed(wb_wasi *w, uint32_t slot, int host, wb_diag *d)
{
    uint8_t type;
    if (host < 0)
        return WB_OK;
    if (fcntl(host, F_GETFD) < 0)
        return wb_diag_setf(d, WB_ERR_USAGE, NULL, 0, "host fd %d is not open", host);
    type = wasi_filetype_of_fd(host);
    w->fds[slot] = (wasi_fd){ .host = host, .owned = false, .type = type,
                              .base = host_fd_rights(host, type) };
    return WB_OK;
}

wb_err wb_wasi_new(const wb_wasi_config *cfg, wb_wasi **out, wb_diag *d)
{
    wb_wasi *w;
    wb_err err;
    uint64_t nslots;

    *out = NULL;
    if (!cfg || (cfg->npreopens && !cfg->preopens) || (cfg->ninherit && !cfg->inherit_fds))
        return wb_diag_setf(d, WB_ERR_USAGE, NULL, 0, "bad WASI configuration");
    nslots = 3 + (uint64_t)cfg->npreopens + cfg->ninherit;
    if (nslots > WB_WASI_MAX_FDS)
        return wb_diag_setf(d, WB_ERR_USAGE, NULL, 0, "more than %u fds", WB_WASI_MAX_FDS);
    if (!(w = calloc(1, sizeof(*w))))
        return WB_ERR_NOMEM;
    if ((err = pack_strings(cfg->argv, cfg->argc, "arguments", &w->args, &w->argc,
                            &w->args_size, d)) != WB_OK ||
        (err = pack_strings(cfg->envp, cfg->envc, "environment", &w->env, &w->envc,
                            &w->env_size, d)) != WB_OK)
        goto fail;
    err = WB_ERR_NOMEM;
    if (!table_grow(w, (uint32_t)nslots) || !(w->dirbuf = malloc(WB_WASI_DIRBUF)))
        goto fail;
    for (uint32_t i = 0; i < 3; i++)
        if ((err = add_borrowed(w, i, cfg->stdio[i], d)) != WB_OK)
            goto fail;
    w->stderr_host = cfg->stdio[2];
    w->interruptible = cfg->interruptible;
    for (size_t i = 0; i < cfg->npreopens; i++) {
        const wb_wasi_preopen *p = &cfg->preopens[i];
        wasi_fd *f = &w->fds[3 + i];
        struct stat st;
        size_t len = p->guest_path ? strlen(p->guest_path) : 0;

        if (!len || len > WB_WASI_PATH_MAX) {
            err = wb_diag_setf(d, WB_ERR_USAGE, NULL, 0, "preopen %zu: bad guest path", i);
            goto fail;
        }
        if (fstat(p->host_fd, &st) != 0 || !S_ISDIR(st.st_mode)) {
            err = wb_diag_setf(d, WB_ERR_USAGE, NULL, 0,
                               "preopen %s: host fd %d is not an open directory",
                               p->guest_path, p->host_fd);
            goto fail;
        }
        *f = (wasi_fd){ .host = p->host_fd, .owned = false, .ro = p->read_only,
                        .type = WASI_FILETYPE_DIRECTORY,
                        .base = p->read_only ? WASI_RIGHTS_DIR_READ : WASI_RIGHTS_DIR,
                        .inheriting = p->read_only ? WASI_RIGHTS_RO_MASK
                                                   : WASI_RIGHTS_DIR | WASI_RIGHTS_FILE,
                        .preopen_len = (uint32_t)len };
        if (!(f->preopen = strdup(p->guest_path))) {
            err = WB_ERR_NOMEM;
            goto fail;
        }
    }
    for (size_t i = 0; i < cfg->ninherit; i++) {
        if (cfg->inherit_fds[i] < 0) {
            err = wb_diag_setf(d, WB_ERR_USAGE, NULL, 0, "inherited fd %d", cfg->inherit_fds[i]);
            goto fail;
        }
        if ((err = add_borrowed(w, (uint32_t)(3 + cfg->npreopens + i), cfg->inherit_fds[i],
                                d)) != WB_OK)
            goto fail;
    }
    *out = w;
    return WB_OK;
fail:
    wb_wasi_free(w);
    return err;
}

bool wb_wasi_stderr_midline(const wb_wasi *w)
{
    return w && w->stderr_midline;
}

void wb_wasi_free(wb_wasi *w)
{
    if (!w)
        return;
    for (uint32_t i = 0; i < w->cap; i++)
        wasi_fd_release(&w->fds[i]);
    free(w->fds);
    free(w->args);
    free(w->env);
    free(w->dirbuf);
    free(w->poll_scratch);
    free(w->bindings);
    free(w);
}

/* cache_store.c — the cache directory: finding and checking it, reading,
 * writing and removing entries, recency and eviction, counters, stats
 * and cleaning.
 *
 * Safety: the directory is opened once and checked (a directory, ours,
 * not group- or world-writable); every entry is then reached with openat
 * on that fd and O_NOFOLLOW, and must be a regular file of ours: a symlink
 * or anything else planted under an entry's name is a bad entry. Writers
 * never show a partial entry: tmp file (O_EXCL) → write → fsync →
 * renameat → fsync of the directory. Readers and eviction race only with
 * renames and unlinks, which they tolerate.
 *
 * Recency (documented choice): the mtime of an entry is its last use; a
 * hit sets it (futimens), so eviction removes the oldest mtimes first
 * until the entries' sizes (st_size) fit the budget. No index file to
 * keep consistent; atime is not used (relatime/noatime mounts). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache/cache_int.h"

/* -- Messages -- */

void wb_cache_warn(const wb_cache *c, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    if (!c->o.warn)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->o.warn(c->o.warn_arg, msg);
}

/* -- The directory -- */

wb_err wb_cache_dir_resolve(const char *explicit_dir, char *buf, size_t size)
{
    const char *e;
    int n;

    if (explicit_dir && *explicit_dir) {
        n = snprintf(buf, size, "%s", explicit_dir);
    } else if ((e = getenv("WASMBOX_CACHE_DIR")) && *e) {
        n = snprintf(buf, size, "%s", e);
    } else if ((e = getenv("XDG_CACHE_HOME")) && e[0] == '/') {
        n = snprintf(buf, size, "%s/wasmbox", e); /* relative values are invalid (XDG) */
    } else {
        const char *home = getenv("HOME");
        if (!home || !*home) {
            struct passwd *pw = getpwuid(geteuid());
            home = pw ? pw->pw_dir : NULL;
        }
        if (!home || !*home)
            return WB_ERR_USAGE;
        n = snprintf(buf, size, "%s/.cache/wasmbox", home);
    }
    return n < 0 || (size_t)n >= size ? WB_ERR_USAGE : WB_OK;
}

/* mkdir -p with mode 0700 for what it creates. */
static int mkdir_p(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int r = mkdir(path, 0700);
        *p = '/';
        if (r != 0 && errno != EEXIST)
            return -1;
    }
    return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

wb_err wb_cache_open(const wb_cache_opts *o, wb_cache **out, wb_diag *d)
{
    wb_cache *c;
    struct stat st;
    wb_err err;

    *out = NULL;
    if (!(c = calloc(1, sizeof *c)))
        return wb_diag_set(d, WB_ERR_NOMEM, NULL, 0);
    c->dirfd = -1;
    c->o = *o;
    if (!c->o.max_size)
        c->o.max_size = WB_CACHE_MAX_SIZE_DEFAULT;
    if (wb_cache_dir_resolve(o->dir, c->path, sizeof c->path) != WB_OK) {
        err = wb_diag_setf(d, WB_ERR_USAGE, NULL, 0, "no cache directory (set HOME or "
                                                     "WASMBOX_CACHE_DIR)");
        goto fail;
    }
    c->o.dir = c->path;
    if (mkdir_p(c->path) != 0) {
        err = wb_diag_setf(d, WB_ERR_IO, NULL, 0, "cannot create %s: %s", c->path,
                           strerror(errno));
        goto fail;
    }
    c->dirfd = open(c->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (c->dirfd < 0 || fstat(c->dirfd, &st) != 0) {
        err = wb_diag_setf(d, WB_ERR_IO, NULL, 0, "cannot open %s: %s", c->path,
                           strerror(errno));
        goto fail;
    }
    /* Anyone else who can write here could plant code we would run. */
    if (st.st_uid != geteuid()) {
        err = wb_diag_setf(d, WB_ERR_USAGE, NULL, 0, "%s is owned by uid %u, not by us",
                           c->path, (unsigned)st.st_uid);
        goto fail;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        err = wb_diag_setf(d, WB_ERR_USAGE, NULL, 0,
                           "%s is writable by group or others (mode %03o)", c->path,
                           (unsigned)(st.st_mode & 0777));
        goto fail;
    }
    *out = c;
    return WB_OK;
fail:
    wb_cache_close(c);
    return err;
}

void wb_cache_close(wb_cache *c)
{
    if (!c)
        return;
    if (c->dirfd >= 0)
        close(c->dirfd);
    free(c);
}

const char *wb_cache_path(const wb_cache *c)
{
    return c->path;
}

char *wb_cache_key_hex(const uint8_t key[16], char out[WB_CACHE_KEY_HEX])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < WB_CACHE_KEY_SIZE; i++) {
        out[2 * i] = hex[key[i] >> 4];
        out[2 * i + 1] = hex[key[i] & 15];
    }
    out[2 * WB_CACHE_KEY_SIZE] = '\0';
    return out;
}

void wb_cache_entry_name(const uint8_t key[16], char name[WB_CACHE_NAME_MAX])
{
    char hex[WB_CACHE_KEY_HEX];
    snprintf(name, WB_CACHE_NAME_MAX, "%s%s", wb_cache_key_hex(key, hex), WB_CACHE_SUFFIX);
}

void wb_cache_tmp_name(const uint8_t key[16], char *buf, size_t size)
{
    static unsigned seq;
    char hex[WB_CACHE_KEY_HEX];
    snprintf(buf, size, "%s%s.%ld.%u", WB_CACHE_TMP_PREFIX, wb_cache_key_hex(key, hex),
             (long)getpid(), __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
}

static bool is_entry_name(const char *n)
{
    size_t len = strlen(n);
    if (len != 2 * WB_CACHE_KEY_SIZE + strlen(WB_CACHE_SUFFIX) ||
        strcmp(n + 2 * WB_CACHE_KEY_SIZE, WB_CACHE_SUFFIX) != 0)
        return false;
    for (int i = 0; i < 2 * WB_CACHE_KEY_SIZE; i++)
        if (!((n[i] >= '0' && n[i] <= '9') || (n[i] >= 'a' && n[i] <= 'f')))
            return false;
    return true;
}

static bool is_tmp_name(const char *n)
{
    return strncmp(n, WB_CACHE_TMP_PREFIX, strlen(WB_CACHE_TMP_PREFIX)) == 0;
}

/* -- Reading -- */

wb_err wb_cache_parse_fd(int fd, const uint8_t key[16], bool copy_code, wb_artifact **out,
                         wb_cache_code_ref *ref, uint64_t *file_size, wb_diag *d)
{
    struct stat st;
    void *map;
    wb_err err;

    *out = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return wb_diag_setf(d, WB_ERR_INTERNAL, NULL, 0, "not a regular file");
    if (st.st_uid != geteuid())
        return wb_diag_setf(d, WB_ERR_INTERNAL, NULL, 0, "owned by another user");
    if ((uint64_t)st.st_size < WB_CACHE_HEADER_SIZE)
        return wb_diag_setf(d, WB_ERR_INTERNAL, NULL, 0, "shorter than its header");
    if ((uint64_t)st.st_size > WB_CACHE_MAX_PAYLOAD + (WB_CACHE_MAX_PAYLOAD >> 4))
        return wb_diag_setf(d, WB_ERR_INTERNAL, NULL, 0, "too large");
    /* A mapping, not a copy: the code pages it reads are the ones every
     * run maps. Entries are replaced by rename, never truncated in place. */
    map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED)
        return wb_diag_setf(d, errno == ENOMEM ? WB_ERR_NOMEM : WB_ERR_INTERNAL, NULL, 0,
                            "cannot map: %s", strerror(errno));
    err = wb_cache_entry_parse(map, (size_t)st.st_size, key, copy_code, out, ref, d);
    munmap(map, (size_t)st.st_size);
    if (err == WB_OK && file_size)
        *file_size = (uint64_t)st.st_size;
    return err;
}

/* A bad entry: say why (verbose), remove it so that the next store
 * replaces it cleanly. */
static wb_err bad_entry(wb_cache *c, const char *name, const char *why)
{
    if (c->o.verbose)
        wb_cache_warn(c, "code cache: bad entry %s: %s; recompiling", name, why);
    unlinkat(c->dirfd, name, 0);
    return WB_ERR_INTERNAL;
}

/* Opens key's entry: the fd, WB_ERR_NOT_FOUND, or a bad entry (removed). */
static wb_err open_entry(wb_cache *c, const char *name, int *fd)
{
    /* O_NONBLOCK: a FIFO planted under the name must not block us. */
    *fd = openat(c->dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (*fd >= 0)
        return WB_OK;
    if (errno == ENOENT)
        return WB_ERR_NOT_FOUND;
    if (errno == ELOOP)
        return bad_entry(c, name, "a symbolic link");
    /* Out of descriptors, permissions, ...: a miss, the entry may be fine. */
    if (c->o.verbose)
        wb_cache_warn(c, "code cache: cannot open entry %s: %s", name, strerror(errno));
    return WB_ERR_NOT_FOUND;
}

static wb_err get_entry(wb_cache *c, const uint8_t key[16], wb_artifact **out,
                        wb_cache_code *code, uint64_t *entry_size)
{
    char name[WB_CACHE_NAME_MAX];
    wb_cache_code_ref ref = { 0 };
    uint64_t fsize = 0;
    wb_diag d = { 0 };
    wb_err err;
    int fd;

    *out = NULL;
    wb_cache_entry_name(key, name);
    if ((err = open_entry(c, name, &fd)) != WB_OK)
        return err;
    err = wb_cache_parse_fd(fd, key, code == NULL, out, &ref, &fsize, &d);
    if (err == WB_OK) {
        futimens(fd, NULL);           /* last use, for eviction; best effort */
        if (entry_size)
            *entry_size = fsize;
        if (code) {
            code->fd = fd;
            code->ref = ref;
            return WB_OK;
        }
    }
    close(fd);
    if (err == WB_ERR_NOMEM)
        return err;
    if (err != WB_OK)
        return bad_entry(c, name, d.detail);
    return WB_OK;
}

wb_err wb_cache_get(wb_cache *c, const uint8_t key[16], wb_artifact **out, uint64_t *entry_size)
{
    return get_entry(c, key, out, NULL, entry_size);
}

wb_err wb_cache_get_mapped(wb_cache *c, const uint8_t key[16], wb_artifact **out,
                           wb_cache_code *code, uint64_t *entry_size)
{
    code->fd = -1;
    return get_entry(c, key, out, code, entry_size);
}

wb_err wb_cache_remove(wb_cache *c, const uint8_t key[16])
{
    char name[WB_CACHE_NAME_MAX];
    wb_cache_entry_name(key, name);
    if (unlinkat(c->dirfd, name, 0) != 0 && errno != ENOENT)
        return WB_ERR_IO;
    return WB_OK;
}

/* -- Writing -- */

static bool write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = ENOSPC;
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* The cache cannot be written (read-only, full, quota, permissions): say
 * so once; this cache object stops trying. */
wb_err wb_cache_write_failed(wb_cache *c, int errnum)
{
    if (!c->write_failed)
        wb_cache_warn(c, "code cache: cannot write to %s: %s; running without caching",
                      c->path, strerror(errnum));
    c->write_failed = true;
    return WB_ERR_IO;
}

wb_err wb_cache_put(wb_cache *c, const uint8_t key[16], const wb_artifact *a,
                    uint64_t *entry_size)
{
    char name[WB_CACHE_NAME_MAX], tmp[WB_CACHE_NAME_MAX + 64];
    uint8_t *bytes = NULL;
    size_t size = 0;
    wb_diag d = { 0 };
    wb_err err;
    int fd, errnum;

    if (c->write_failed)
        return WB_ERR_IO;
    if ((err = wb_cache_entry_encode(key, a, &bytes, &size, &d)) != WB_OK) {
        if (c->o.verbose)
            wb_cache_warn(c, "code cache: not stored: %s", d.detail);
        return err;
    }
    if (size > c->o.max_size) {
        if (c->o.verbose)
            wb_cache_warn(c, "code cache: not stored: the entry (%zu bytes) is larger than "
                          "the budget", size);
        free(bytes);
        return WB_ERR_LIMIT_MODULE_SIZE;
    }
    wb_cache_entry_name(key, name);
    wb_cache_tmp_name(key, tmp, sizeof tmp);
    fd = openat(c->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        free(bytes);
        return wb_cache_write_failed(c, errno);
    }
    if (!write_all(fd, bytes, size) || fsync(fd) != 0) {
        errnum = errno;
        close(fd);
        unlinkat(c->dirfd, tmp, 0);
        free(bytes);
        return wb_cache_write_failed(c, errnum);
    }
    free(bytes);
    if (close(fd) != 0 || renameat(c->dirfd, tmp, c->dirfd, name) != 0) {
        errnum = errno;
        unlinkat(c->dirfd, tmp, 0);
        return wb_cache_write_failed(c, errnum);
    }
    fsync(c->dirfd);                  /* the rename survives a crash */
    if (entry_size)
        *entry_size = size;
    wb_cache_evict(c);
    return WB_OK;
}

/* -- Counters -- */

void wb_cache_count(wb_cache *c, bool hit)
{
    uint8_t b[16] = { 0 };
    uint64_t v[2] = { 0, 0 };
    int fd = openat(c->dirfd, WB_CACHE_COUNTERS, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
                    0600);
    if (fd < 0)
        return;
    if (flock(fd, LOCK_EX) == 0) {
        if (pread(fd, b, sizeof b, 0) == (ssize_t)sizeof b)
            for (int i = 0; i < 16; i++)
                v[i / 8] |= (uint64_t)b[i] << (8 * (i % 8));
        v[hit ? 0 : 1]++;
        for (int i = 0; i < 16; i++)
            b[i] = (uint8_t)(v[i / 8] >> (8 * (i % 8)));
        if (pwrite(fd, b, sizeof b, 0) != (ssize_t)sizeof b) {
            /* best effort: counters are informational */
        }
    }
    close(fd);
}

static void read_counters(wb_cache *c, uint64_t *hits, uint64_t *misses)
{
    uint8_t b[16];
    int fd = openat(c->dirfd, WB_CACHE_COUNTERS, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    *hits = *misses = 0;
    if (fd < 0)
        return;
    if (pread(fd, b, sizeof b, 0) == (ssize_t)sizeof b)
        for (int i = 0; i < 16; i++)
            *(i < 8 ? hits : misses) |= (uint64_t)b[i] << (8 * (i % 8));
    close(fd);
}

/* -- Scanning: stats, eviction, cleaning -- */

typedef struct scanned {
    char name[WB_CACHE_NAME_MAX];
    uint64_t size;
    struct timespec mtime;
} scanned;

typedef struct scan {
    scanned *v;
    size_t n, cap;
    uint64_t bytes;
} scan;

/* Lists the entries (regular files with entry names; anything else with
 * such a name is removed: it could only be planted) and removes temporary
 * files older than stale_s seconds (0: all of them). */
static wb_err scan_dir(wb_cache *c, scan *s, uint64_t stale_s)
{
    struct timespec now;
    struct dirent *de;
    struct stat st;
    DIR *dir;
    int fd;

    memset(s, 0, sizeof *s);
    clock_gettime(CLOCK_REALTIME, &now);
    if ((fd = openat(c->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return WB_ERR_IO;
    if (!(dir = fdopendir(fd))) {
        close(fd);
        return WB_ERR_IO;
    }
    while ((de = readdir(dir)) != NULL) {
        if (is_tmp_name(de->d_name)) {
            if (fstatat(c->dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                (stale_s == 0 || now.tv_sec - st.st_mtim.tv_sec > (time_t)stale_s))
                unlinkat(c->dirfd, de->d_name, 0);
            continue;
        }
        if (!is_entry_name(de->d_name) ||
            fstatat(c->dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (!S_ISREG(st.st_mode)) {
            unlinkat(c->dirfd, de->d_name, 0);
            continue;
        }
        if (s->n == s->cap) {
            size_t cap = s->cap ? 2 * s->cap : 64;
            scanned *v = realloc(s->v, cap * sizeof *v);
            if (!v) {
                closedir(dir);
                free(s->v);
                s->v = NULL;
                return WB_ERR_NOMEM;
            }
            s->v = v;
            s->cap = cap;
        }
        /* is_entry_name fixed the length: it fits with its NUL */
        size_t len = strlen(de->d_name);
        memcpy(s->v[s->n].name, de->d_name, len + 1 <= sizeof s->v[s->n].name
                                                 ? len + 1 : sizeof s->v[s->n].name);
        s->v[s->n].name[sizeof s->v[s->n].name - 1] = '\0';
        s->v[s->n].size = (uint64_t)st.st_size;
        s->v[s->n].mtime = st.st_mtim;
        s->bytes += (uint64_t)st.st_size;
        s->n++;
    }
    closedir(dir);
    return WB_OK;
}

static int by_mtime(const void *x, const void *y)
{
    const scanned *a = x, *b = y;
    if (a->mtime.tv_sec != b->mtime.tv_sec)
        return a->mtime.tv_sec < b->mtime.tv_sec ? -1 : 1;
    if (a->mtime.tv_nsec != b->mtime.tv_nsec)
        return a->mtime.tv_nsec < b->mtime.tv_nsec ? -1 : 1;
    return strcmp(a->name, b->name);
}

wb_err wb_cache_evict(wb_cache *c)
{
    scan s;
    wb_err err;

    if ((err = scan_dir(c, &s, WB_CACHE_TMP_STALE_S)) != WB_OK)
        return err;
    if (s.bytes > c->o.max_size) {
        qsort(s.v, s.n, sizeof *s.v, by_mtime);
        for (size_t i = 0; i < s.n && s.bytes > c->o.max_size; i++)
            if (unlinkat(c->dirfd, s.v[i].name, 0) == 0 || errno == ENOENT)
                s.bytes -= s.v[i].size;
    }
    free(s.v);
    return WB_OK;
}

wb_err wb_cache_stats_get(wb_cache *c, wb_cache_stats *out)
{
    scan s;
    wb_err err;

    memset(out, 0, sizeof *out);
    if ((err = scan_dir(c, &s, WB_CACHE_TMP_STALE_S)) != WB_OK)
        return err;
    out->entries = s.n;
    out->bytes = s.bytes;
    out->budget = c->o.max_size;
    for (size_t i = 0; i < s.n; i++) {
        uint64_t t = (uint64_t)s.v[i].mtime.tv_sec;
        if (!out->oldest || t < out->oldest)
            out->oldest = t;
        if (t > out->newest)
            out->newest = t;
    }
    read_counters(c, &out->hits, &out->misses);
    free(s.v);
    return WB_OK;
}

wb_err wb_cache_clean(wb_cache *c, bool all, uint64_t older_than_s, uint64_t *removed,
                      uint64_t *freed)
{
    struct timespec now;
    scan s;
    wb_err err;

    *removed = *freed = 0;
    clock_gettime(CLOCK_REALTIME, &now);
    if ((err = scan_dir(c, &s, all ? 0 : WB_CACHE_TMP_STALE_S)) != WB_OK)
        return err;
    for (size_t i = 0; i < s.n; i++) {
        if (!all && (uint64_t)(now.tv_sec - s.v[i].mtime.tv_sec) < older_than_s)
            continue;
        if (unlinkat(c->dirfd, s.v[i].name, 0) != 0 && errno != ENOENT) {
            err = WB_ERR_IO;
            continue;
        }
        (*removed)++;
        *freed += s.v[i].size;
    }
    if (all && unlinkat(c->dirfd, WB_CACHE_COUNTERS, 0) != 0 && errno != ENOENT)
        err = WB_ERR_IO;
    free(s.v);
    return err;
}

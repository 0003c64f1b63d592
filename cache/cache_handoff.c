/* cache_handoff.c — the code cache of a confined run. The worker can
 * reach neither the cache directory nor any path: the supervisor opens
 * the cache and hands the worker one descriptor.
 *
 *   hit:  the entry itself, read-only; the worker maps the code from it
 *         (so every worker of the module shares its pages) after checking
 *         the mapped bytes against the checksum the supervisor read
 *   miss: an empty temporary file in the directory; the worker compiles,
 *         writes the entry into it and drops the descriptor before any
 *         wasm code runs; after the worker's end the supervisor parses the
 *         file as untrusted bytes (whole entry, this key) and renames it
 *         into place, or removes it
 *
 * The supervisor closes the directory before the worker starts (a worker
 * without the fds layer keeps every inherited descriptor) and opens it
 * again, with its checks, at the end. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/cache_int.h"

void wb_cache_handoff_begin(const wb_config *cfg, const uint8_t *bytes, size_t size,
                            const wb_cache_opts *o, uint64_t file_limit, wb_cache_handoff *h)
{
    wb_cache_code code = { .fd = -1 };
    wb_artifact *a = NULL;
    wb_cache *c;
    wb_err err;

    memset(h, 0, sizeof *h);
    h->fd = -1;
    h->res.outcome = WB_CACHE_OFF;
    wb_cache_key(cfg, bytes, size, h->res.key);
    if (!(c = wb_cache_open_for(cfg, o)))
        return;
    h->o = c->o;
    snprintf(h->path, sizeof h->path, "%s", c->path);
    h->o.dir = h->path;
    err = wb_cache_get_mapped(c, h->res.key, &a, &code, &h->res.entry_size);
    if (err == WB_OK) {
        h->res.outcome = WB_CACHE_HIT;
        h->fd = code.fd;
        h->a = a;
        h->ref = code.ref;
        wb_cache_count(c, true);
    } else if (err != WB_ERR_NOMEM) {
        h->res.outcome = err == WB_ERR_NOT_FOUND ? WB_CACHE_MISS : WB_CACHE_BAD;
        h->res.entry_size = 0;
        wb_cache_count(c, false);
        h->store_max = c->o.max_size < file_limit ? c->o.max_size : file_limit;
        wb_cache_tmp_name(h->res.key, h->tmp, sizeof h->tmp);
        h->fd = openat(c->dirfd, h->tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                       0600);
        if (h->fd < 0) {
            wb_cache_write_failed(c, errno);   /* read-only, full, ...: warned */
            h->tmp[0] = '\0';
        }
    }
    wb_cache_close(c);
}

/* Writes the entry for the compiled module into fd (best effort: the
 * supervisor checks whatever is there). */
static void store_into(const wb_cache_handoff *h, int fd, const wb_compiled *compiled)
{
    uint8_t *e = NULL;
    size_t size = 0, done = 0;
    wb_diag d = { 0 };

    if (wb_cache_entry_encode(h->res.key, wb_compiled_artifact(compiled), &e, &size, &d) != WB_OK)
        return;
    if (size <= h->store_max) {
        while (done < size) {
            ssize_t n = pwrite(fd, e + done, size - done, (off_t)done);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            done += (size_t)n;
        }
    }
    free(e);
}

wb_err wb_cache_handoff_load(wb_engine *e, const uint8_t *bytes, size_t size,
                             wb_cache_handoff *h, int fd, unsigned flags, wb_compiled **out,
                             wb_diag *d)
{
    wb_artifact *a = h->a;
    wb_diag ld = { 0 };
    wb_err err;

    *out = NULL;
    h->a = NULL;
    if (h->res.outcome == WB_CACHE_HIT && a && fd >= 0) {
        err = wb_cache_load_file(e, bytes, size, a, fd, &h->ref, flags, out, &ld);
        if (err == WB_OK || err == WB_ERR_NOMEM) {
            if (err != WB_OK)
                wb_diag_set(d, err, NULL, 0);
            return err;
        }
        /* Changed since the supervisor read it, or not for this module:
         * compile (the supervisor replaces it next time it is bad). */
        h->res.outcome = WB_CACHE_BAD;
        fd = -1;
    } else if (a) {
        wb_artifact_free(a);
    }
    if ((err = wb_compile(e, bytes, size, out, d)) != WB_OK)
        return err;
    if (h->res.outcome != WB_CACHE_HIT && h->res.outcome != WB_CACHE_OFF && fd >= 0 &&
        h->tmp[0])
        store_into(h, fd, *out);
    return WB_OK;
}

void wb_cache_handoff_end(wb_cache_handoff *h)
{
    char name[WB_CACHE_NAME_MAX];
    wb_artifact *a = NULL;
    wb_cache *c = NULL;
    wb_diag d = { 0 };
    struct stat st;

    if (h->a)
        wb_artifact_free(h->a);
    h->a = NULL;
    if (h->res.outcome == WB_CACHE_OFF || h->fd < 0)
        goto out;
    if (h->res.outcome == WB_CACHE_HIT || !h->tmp[0])
        goto out;
    if (wb_cache_open(&h->o, &c, &d) != WB_OK)
        goto out;                        /* the tmp file goes when it is stale */
    if (fstat(h->fd, &st) != 0 || st.st_size == 0) {
        unlinkat(c->dirfd, h->tmp, 0);   /* nothing written: the run ended early */
        goto out;
    }
    /* Written by the worker: untrusted like any entry. */
    if (wb_cache_parse_fd(h->fd, h->res.key, false, &a, NULL, NULL, &d) != WB_OK) {
        if (c->o.verbose)
            wb_cache_warn(c, "code cache: the worker's entry was refused: %s", d.detail);
        unlinkat(c->dirfd, h->tmp, 0);
        goto out;
    }
    wb_artifact_free(a);
    wb_cache_entry_name(h->res.key, name);
    if (fsync(h->fd) != 0 || renameat(c->dirfd, h->tmp, c->dirfd, name) != 0) {
        int errnum = errno;
        unlinkat(c->dirfd, h->tmp, 0);
        wb_cache_write_failed(c, errnum);
        goto out;
    }
    fsync(c->dirfd);                     /* the rename survives a crash */
    h->res.stored = true;
    h->res.entry_size = (uint64_t)st.st_size;
    wb_cache_evict(c);
out:
    if (h->fd >= 0)
        close(h->fd);
    h->fd = -1;
    h->tmp[0] = '\0';
    wb_cache_close(c);
}

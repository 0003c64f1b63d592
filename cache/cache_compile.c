/* cache_compile.c — compiling through the cache: the one call of an
 * in-process runner (wb_cache_compile). The cache never makes a run fail:
 * a cache that cannot be used costs a warning, a bad entry a recompile. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cache/cache_int.h"
#include "runtime/runtime_int.h" /* the config's cache settings */

bool wb_cache_opts_from_config(const wb_config *cfg, wb_cache_opts *o)
{
    o->dir = cfg->cache_dir;
    o->max_size = cfg->cache_max_size;
    return cfg->cache;
}

/* Opens the cache cfg names, or returns NULL (cache off; or unusable,
 * which is warned about). */
wb_cache *wb_cache_open_for(const wb_config *cfg, const wb_cache_opts *o)
{
    wb_cache_opts co = { 0 };
    wb_cache *c = NULL;
    wb_diag d = { 0 };

    if (o)
        co = *o;
    if (!wb_cache_opts_from_config(cfg, &co))
        return NULL;
    if (wb_cache_open(&co, &c, &d) != WB_OK) {
        if (co.warn) {
            char msg[400];
            snprintf(msg, sizeof msg, "code cache disabled: %s", d.detail);
            co.warn(co.warn_arg, msg);
        }
        return NULL;
    }
    return c;
}

wb_err wb_cache_compile(wb_engine *e, const uint8_t *bytes, size_t size,
                        const wb_cache_opts *o, wb_compiled **out, wb_cache_result *res,
                        wb_diag *d)
{
    const wb_config *cfg = wb_engine_config(e);
    wb_cache_result r = { .outcome = WB_CACHE_OFF };
    char hex[WB_CACHE_KEY_HEX];
    wb_artifact *a = NULL;
    wb_cache_code code;
    wb_diag ld = { 0 };
    wb_cache *c;
    wb_err err;

    *out = NULL;
    wb_cache_key(cfg, bytes, size, r.key);
    if (!(c = wb_cache_open_for(cfg, o))) {
        err = wb_compile(e, bytes, size, out, d);
        goto out;
    }
    err = wb_cache_get_mapped(c, r.key, &a, &code, &r.entry_size);
    if (err == WB_OK) {
        /* Checked against the decoded module before anything is mapped
         * executable; one that does not fit is a bad entry. */
        err = wb_cache_load_file(e, bytes, size, a, code.fd, &code.ref, 0, out, &ld);
        close(code.fd);
        if (err == WB_OK) {
            r.outcome = WB_CACHE_HIT;
            wb_cache_count(c, true);
            goto out;
        }
        if (err == WB_ERR_NOMEM) {
            wb_diag_set(d, err, NULL, 0);
            goto out;
        }
        if (c->o.verbose)
            wb_cache_warn(c, "code cache: bad entry %s%s: %s; recompiling",
                          wb_cache_key_hex(r.key, hex), WB_CACHE_SUFFIX, ld.detail);
        wb_cache_remove(c, r.key);
        r.entry_size = 0;
        err = WB_ERR_INTERNAL;
    }
    if (err == WB_ERR_NOMEM) {
        wb_diag_set(d, err, NULL, 0);
        goto out;
    }
    r.outcome = err == WB_ERR_NOT_FOUND ? WB_CACHE_MISS : WB_CACHE_BAD;
    wb_cache_count(c, false);
    if ((err = wb_compile(e, bytes, size, out, d)) != WB_OK)
        goto out;
    r.stored = wb_cache_put(c, r.key, wb_compiled_artifact(*out), &r.entry_size) == WB_OK;
out:
    wb_cache_close(c);
    if (res)
        *res = r;
    return err;
}

/* engine.c — engines (a config's copy, the epoch counter) and the
 * engine-wide table of canonical function signatures that gives every
 * signature one id, so call_indirect compares two integers even across
 * modules and host functions. Configs: config.c; the epoch: interrupt.c. */
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime_int.h"

/* -- Signatures -- */

struct wb_sig {
    uint32_t nparams, nresults;
    uint8_t *types;          /* owned: params then results */
    uint32_t hash;
};

static uint32_t sig_hash(const uint8_t *params, uint32_t np, const uint8_t *results,
                         uint32_t nr)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    h = (h ^ np) * 16777619u;
    h = (h ^ nr) * 16777619u;
    for (uint32_t i = 0; i < np; i++)
        h = (h ^ params[i]) * 16777619u;
    for (uint32_t i = 0; i < nr; i++)
        h = (h ^ results[i]) * 16777619u;
    return h;
}

static bool sig_equal(const wb_sig *s, const uint8_t *params, uint32_t np,
                      const uint8_t *results, uint32_t nr)
{
    return s->nparams == np && s->nresults == nr &&
           (np == 0 || memcmp(s->types, params, np) == 0) &&
           (nr == 0 || memcmp(s->types + np, results, nr) == 0);
}

/* Doubles the hash index (kept at most half full). Called with the lock held. */
static wb_err sig_rehash(wb_engine *e)
{
    uint32_t n = e->nslots ? e->nslots * 2 : 64;
    uint32_t *slots = calloc(n, sizeof(*slots));
    if (!slots)
        return WB_ERR_NOMEM;
    for (uint32_t id = 1; id <= e->nsigs; id++) {
        uint32_t i = e->sigs[id - 1].hash & (n - 1);
        while (slots[i])
            i = (i + 1) & (n - 1);
        slots[i] = id;
    }
    free(e->slots);
    e->slots = slots;
    e->nslots = n;
    return WB_OK;
}

wb_err wb_engine_sig_id(wb_engine *e, const uint8_t *params, uint32_t np,
                        const uint8_t *results, uint32_t nr, uint32_t *id)
{
    uint32_t h = sig_hash(params, np, results, nr), i;
    wb_err err = WB_OK;
    wb_sig *sig;

    pthread_mutex_lock(&e->lock);
    if ((e->nsigs + 1) * 2 > e->nslots && (err = sig_rehash(e)) != WB_OK)
        goto out;
    for (i = h & (e->nslots - 1); e->slots[i]; i = (i + 1) & (e->nslots - 1)) {
        sig = &e->sigs[e->slots[i] - 1];
        if (sig->hash == h && sig_equal(sig, params, np, results, nr)) {
            *id = e->slots[i];
            goto out;
        }
    }
    if (e->nsigs == UINT32_MAX - 1) {
        err = WB_ERR_LIMIT_TYPES;
        goto out;
    }
    if (e->nsigs == e->sigs_cap) {
        uint32_t cap = e->sigs_cap ? e->sigs_cap * 2 : 32;
        wb_sig *ns = realloc(e->sigs, (size_t)cap * sizeof(*ns));
        if (!ns) {
            err = WB_ERR_NOMEM;
            goto out;
        }
        e->sigs = ns;
        e->sigs_cap = cap;
    }
    sig = &e->sigs[e->nsigs];
    sig->types = malloc((size_t)np + nr + 1);
    if (!sig->types) {
        err = WB_ERR_NOMEM;
        goto out;
    }
    if (np)
        memcpy(sig->types, params, np);
    if (nr)
        memcpy(sig->types + np, results, nr);
    sig->nparams = np;
    sig->nresults = nr;
    sig->hash = h;
    e->nsigs++;
    e->slots[i] = e->nsigs;
    *id = e->nsigs;
out:
    pthread_mutex_unlock(&e->lock);
    return err;
}

/* -- Engine -- */

wb_engine *wb_engine_new(const wb_config *c)
{
    wb_engine *e;
    /* Code using a feature this CPU lacks would die of SIGILL: refuse. */
    if (c && (c->tunables.cpu_features & ~wb_cpu_detect()) != 0)
        return NULL;
    if (!(e = calloc(1, sizeof(*e))))
        return NULL;
    if (c) {
        e->config = *c;
    } else {
        wb_config *d = wb_config_new();
        if (!d) {
            free(e);
            return NULL;
        }
        e->config = *d;
        wb_config_free(d);
    }
    if (pthread_mutex_init(&e->lock, NULL) != 0) {
        free(e);
        return NULL;
    }
    return e;
}

void wb_engine_free(wb_engine *e)
{
    if (!e)
        return;
    for (uint32_t i = 0; i < e->nsigs; i++)
        free(e->sigs[i].types);
    free(e->sigs);
    free(e->slots);
    pthread_mutex_destroy(&e->lock);
    free(e);
}

const wb_config *wb_engine_config(const wb_engine *e)
{
    return &e->config;
}

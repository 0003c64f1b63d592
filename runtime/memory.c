/* memory.c — linear memories: one PROT_NONE|MAP_NORESERVE reservation of
 * tunables.memory_reservation + memory_guard bytes per memory, whose first
 * pages are made readable and writable as the memory grows. The base never
 * moves, and any access past the accessible size lands in PROT_NONE pages,
 * which is how compiled code gets its bounds checks for free. */
#include <stdlib.h>
#include <sys/mman.h>

#include "runtime/runtime_int.h"

#define WB_OS_PAGE 4096u

static uint64_t round_up(uint64_t n, uint64_t to)
{
    return (n + to - 1) / to * to;
}

wb_err wb_memory_create(wb_store *s, uint64_t min, uint64_t max, bool has_max,
                        wb_rt_memory **out)
{
    const wb_tunables *t = &s->engine->config.tunables;
    uint64_t reservation, guard;
    wb_rt_memory *m = NULL;
    wb_err err;
    void *p;

    *out = NULL;
    if (min > WB_MAX_MEMORY_PAGES || (has_max && (max > WB_MAX_MEMORY_PAGES || max < min)))
        return WB_ERR_USAGE;
    reservation = round_up(t->memory_reservation, WB_PAGE_SIZE);
    guard = round_up(t->memory_guard, WB_OS_PAGE);
    if (reservation > (uint64_t)WB_MAX_MEMORY_PAGES * WB_PAGE_SIZE)
        reservation = (uint64_t)WB_MAX_MEMORY_PAGES * WB_PAGE_SIZE;
    if (min * WB_PAGE_SIZE > reservation)
        return WB_ERR_NOMEM; /* the reservation cannot hold the minimum */
    if (min > wb_config_memory_limit_pages(&s->engine->config))
        return WB_ERR_LIMIT_MEMORY; /* above the configured limit (--max-memory) */
    if (!(m = calloc(1, sizeof(*m))))
        return WB_ERR_NOMEM;
    m->store = s;
    m->pages = min;
    m->has_max = has_max;
    m->max_pages = has_max ? max : WB_MAX_MEMORY_PAGES;
    m->limit_pages = reservation / WB_PAGE_SIZE;
    if (m->limit_pages > wb_config_memory_limit_pages(&s->engine->config))
        m->limit_pages = wb_config_memory_limit_pages(&s->engine->config);
    m->mapped = reservation + guard;
    if (m->mapped == 0)
        m->mapped = WB_OS_PAGE; /* a base to point at, even for nothing */
    /* Address space only: NORESERVE keeps the reservation out of the
     * commit charge; pages are committed by mprotect as the memory grows. */
    p = mmap(NULL, m->mapped, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        err = WB_ERR_NOMEM;
        goto fail;
    }
    m->base = p;
    if (min && mprotect(m->base, min * WB_PAGE_SIZE, PROT_READ | PROT_WRITE) != 0) {
        err = WB_ERR_NOMEM;
        goto fail;
    }
    *out = m;
    return WB_OK;
fail:
    if (m->base)
        munmap(m->base, m->mapped);
    free(m);
    return err;
}

void wb_memory_destroy(wb_rt_memory *m)
{
    if (!m)
        return;
    munmap(m->base, m->mapped);
    free(m->users);
    free(m);
}

wb_err wb_memory_add_user(wb_rt_memory *m, wb_vmctx *v)
{
    if (m->nusers == m->users_cap) {
        uint32_t cap = m->users_cap ? m->users_cap * 2 : 4;
        wb_vmctx **u = realloc(m->users, (size_t)cap * sizeof(*u));
        if (!u)
            return WB_ERR_NOMEM;
        m->users = u;
        m->users_cap = cap;
    }
    m->users[m->nusers++] = v;
    v->mem_base = m->base;
    v->mem_size = m->pages * WB_PAGE_SIZE;
    v->memory = m;
    return WB_OK;
}

int64_t wb_memory_grow(wb_rt_memory *m, uint32_t delta)
{
    uint64_t old = m->pages, n = old + delta;

    if (n > m->max_pages || n > m->limit_pages)
        return -1;
    if (delta && mprotect(m->base + old * WB_PAGE_SIZE, (uint64_t)delta * WB_PAGE_SIZE,
                          PROT_READ | PROT_WRITE) != 0)
        return -1; /* out of commit charge (RLIMIT_DATA, overcommit) */
    m->pages = n;
    for (uint32_t i = 0; i < m->nusers; i++)
        m->users[i]->mem_size = n * WB_PAGE_SIZE;
    return (int64_t)old;
}

/* -- Public API -- */

wb_rt_memory *wb_memory_new(wb_store *s, uint32_t min_pages, uint32_t max_pages,
                            bool has_max)
{
    wb_rt_memory *m;
    if (wb_memory_create(s, min_pages, max_pages, has_max, &m) != WB_OK)
        return NULL;
    m->next = s->memories;
    s->memories = m;
    return m;
}

uint8_t *wb_memory_data(wb_rt_memory *m)
{
    return m->base;
}

uint64_t wb_memory_size(const wb_rt_memory *m)
{
    return m->pages * WB_PAGE_SIZE;
}

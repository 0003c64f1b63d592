/* arena.c — the bump allocator that owns every array of a decoded module. */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/wasm_int.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define ARENA_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define ARENA_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
/* A poisoned gap after each allocation turns an overrun of one array into
 * a report instead of a silent write into the next one. */
#define ARENA_REDZONE 16u
#else
#define ARENA_POISON(p, n) ((void)(p), (void)(n))
#define ARENA_UNPOISON(p, n) ((void)(p), (void)(n))
#define ARENA_REDZONE 0u
#endif

#define ARENA_ALIGN ((size_t)alignof(max_align_t))
#define ARENA_MIN_CHUNK ((size_t)4096)
/* Chunks stop doubling here: big modules then cost one malloc per 4 MiB,
 * and a module that fails early never touched most of a huge chunk. */
#define ARENA_MAX_CHUNK ((size_t)4 << 20)

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t size;               /* usable bytes in data[] */
    size_t used;
    alignas(max_align_t) unsigned char data[];
} arena_chunk;

struct wb_arena {
    arena_chunk *head;         /* the chunk being filled; others follow */
    size_t next_size;          /* size of the next regular chunk */
    size_t used;               /* payload handed out */
    size_t reserved;           /* bytes obtained from malloc */
};

static size_t round_up(size_t n, size_t align)
{
    return (n + align - 1) & ~(align - 1);
}

/* Links a new chunk of at least `size` usable bytes. A dedicated chunk (for
 * one large request) goes behind the head so the head keeps filling. */
static arena_chunk *chunk_new(wb_arena *a, size_t size, bool dedicated)
{
    arena_chunk *c;

    if (size > SIZE_MAX - sizeof *c)
        return NULL;
    c = malloc(sizeof *c + size);
    if (!c)
        return NULL;
    c->size = size;
    c->used = 0;
    ARENA_POISON(c->data, size);
    a->reserved += sizeof *c + size;
    if (dedicated && a->head) {
        c->next = a->head->next;
        a->head->next = c;
    } else {
        c->next = a->head;
        a->head = c;
    }
    return c;
}

wb_arena *wb_arena_new(size_t hint)
{
    wb_arena *a = calloc(1, sizeof *a);

    if (!a)
        return NULL;
    if (hint < ARENA_MIN_CHUNK)
        hint = ARENA_MIN_CHUNK;
    if (hint > ARENA_MAX_CHUNK)
        hint = ARENA_MAX_CHUNK;
    a->next_size = round_up(hint, ARENA_ALIGN);
    a->reserved = sizeof *a;
    return a;
}

void wb_arena_free(wb_arena *a)
{
    arena_chunk *c, *next;

    if (!a)
        return;
    for (c = a->head; c; c = next) {
        next = c->next;
        /* free() must not trip over the poison it is handed back. */
        ARENA_UNPOISON(c->data, c->size);
        free(c);
    }
    free(a);
}

void *wb_arena_alloc(wb_arena *a, size_t size)
{
    arena_chunk *c = a->head;
    size_t need;
    void *p;

    if (size > SIZE_MAX / 2)
        return NULL;
    need = round_up(size + ARENA_REDZONE, ARENA_ALIGN);
    if (need == 0)
        need = ARENA_ALIGN; /* distinct pointers for size-0 requests */
    if (!c || c->size - c->used < need) {
        if (need > a->next_size / 2) {
            /* Large request: its own chunk, sized exactly. */
            c = chunk_new(a, need, true);
        } else {
            c = chunk_new(a, a->next_size, false);
            if (a->next_size < ARENA_MAX_CHUNK)
                a->next_size *= 2;
        }
        if (!c)
            return NULL;
    }
    p = c->data + c->used;
    c->used += need;
    a->used += size;
    ARENA_UNPOISON(p, size);
    return p;
}

void *wb_arena_zalloc(wb_arena *a, size_t size)
{
    void *p = wb_arena_alloc(a, size);

    if (p)
        memset(p, 0, size);
    return p;
}

void *wb_arena_array(wb_arena *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    return wb_arena_zalloc(a, n * size);
}

size_t wb_arena_used(const wb_arena *a)
{
    return a->used;
}

size_t wb_arena_reserved(const wb_arena *a)
{
    return a->reserved;
}

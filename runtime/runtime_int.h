/* runtime_int.h — private to runtime/: the objects behind the opaque handles
 * of wasmbox.h, activations and the code registry the signal handler reads,
 * and the helpers the runtime's files share. */
#ifndef WB_RUNTIME_INT_H
#define WB_RUNTIME_INT_H

#include <setjmp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "wasmbox.h"
#include "gc/gc.h"
#include "jit/jit.h"
#include "runtime/vmctx.h"

#define WB_PAGE_SIZE 65536u

/* -- Config (config.c, config_hash.c), engine, signatures (engine.c) -- */

#define WB_CONFIG_PATH_MAX 4096

/* Copied by value into an engine: no pointers. A new field must also be
 * classified in config_hash.c (fed into the cache key, or listed as
 * run-time only); a _Static_assert there fails until it is. */
struct wb_config {
    wb_tunables tunables;        /* everything that shapes generated code */
    uint32_t proposals;          /* WB_PROPOSAL_* accepted (cache key) */
    uint64_t max_memory;         /* bytes one linear memory may reach; 0 = no limit */
    bool cache;                  /* use the code cache */
    uint64_t cache_max_size;     /* bytes the cache may use on disk */
    char cache_dir[WB_CONFIG_PATH_MAX]; /* "" = $XDG_CACHE_HOME/wasmbox */
};

/* Pages one memory may reach under c's max_memory (WB_MAX_MEMORY_PAGES
 * when unlimited). */
uint64_t wb_config_memory_limit_pages(const wb_config *c);

typedef struct wb_sig wb_sig;
struct wb_engine {
    wb_config config;
    uint64_t epoch;             /* read by compiled code through epoch_ptr */
    pthread_mutex_t lock;       /* guards the signature table below */
    wb_sig *sigs;               /* canonical signatures; id = index + 1 */
    uint32_t nsigs, sigs_cap;
    uint32_t *slots;            /* open-addressing hash: 0 empty, else id */
    uint32_t nslots;
};

/* The engine-wide id of the signature params -> results (1-based; 0 is
 * never a valid id). Thread-safe. */
wb_err wb_engine_sig_id(wb_engine *e, const uint8_t *params, uint32_t nparams,
                        const uint8_t *results, uint32_t nresults, uint32_t *id);

/* -- externrefs (externref.c; the heap and its collector are gc/) --
 *
 * A store's externrefs live in its wb_gc_heap (zeroed with the store, its
 * vm part reachable from every vmctx, freed by wb_externs_free). Where the
 * counts change (DESIGN.md, deferred reference counting):
 *   - a reference entering wasm code from C (call arguments, host-call
 *     results): wb_externref_enter, a clone into the activations table;
 *   - stored in a global, table or element cell: wb_gc_assign (stale = null);
 *   - handed to the host (wb_func_call results): a clone the host releases;
 *   - locals, the value stack and wasm calls: never. */
typedef wb_gc_heap wb_externs;

void wb_externs_free(wb_externs *x);  /* runs every remaining destructor */
/* r enters wasm code from C: cloned into the activations table (never
 * collects). Returns r, or 0 when r is stale: it enters as null. */
uint64_t wb_externref_enter(wb_store *s, uint64_t r);
/* The host is about to call into wasm: collects if the activations table
 * is due (a safe point: no wasm frame of this call exists yet). */
void wb_externref_safepoint(wb_store *s);
/* Collection from compiled code's slow path: the innermost wasm frame is
 * suspended at the call returning to pc, with frame pointer fp. */
wb_err wb_externref_collect_at(wb_store *s, uintptr_t pc, uintptr_t fp);

/* Wasm code called a host function: while it runs, the calling wasm frames
 * are suspended at (pc = return address, fp = caller's rbp), where a
 * collection finds them; its externref arguments (in the caller's argument
 * area, which no stack map covers) are held for the call. Push after
 * loading the arguments, pop after storing the results and before raising
 * a trap. One list per thread, innermost first. */
typedef struct wb_host_exit {
    struct wb_host_exit *prev;
    wb_store *store;
    struct wb_activation *act;   /* the activation the wasm caller runs in */
    uintptr_t pc, fp;
} wb_host_exit;
void wb_externref_host_exit_push(wb_store *s, wb_host_exit *e, uintptr_t fp, uintptr_t pc,
                                 const wb_val *args, uint32_t nargs);
void wb_externref_host_exit_pop(wb_store *s, wb_host_exit *e, const wb_val *args,
                                uint32_t nargs);

/* -- Store (store.c) -- */

struct wb_store {
    wb_engine *engine;
    struct wb_instance *instances;   /* lists, newest first, all owned */
    wb_rt_func *host_funcs;
    wb_rt_memory *memories;
    wb_rt_table *tables;
    wb_rt_global *globals;
    wb_externs externs;
    uintptr_t stack_limit;           /* value in every vmctx of the store */
    /* Interruption (interrupt.c): the store-wide values every instance's
     * vmctx copies. */
    bool has_epoch_deadline;         /* else: never interrupted */
    uint64_t epoch_deadline;         /* engine epoch at which code traps */
    wb_epoch_deadline_fn deadline_fn;/* may extend the deadline, or NULL */
    void *deadline_env;
    bool has_fuel;                   /* else: INT64_MAX in every vmctx */
    int64_t fuel;                    /* every vmctx's fuel at the last sync */
};

/* Sets stack_limit in the vmctx of every instance of s (when it changed). */
void wb_store_set_stack_limit(wb_store *s, uintptr_t limit);
/* Gives a new instance's vmctx the store's epoch deadline and fuel. */
void wb_interrupt_init_vmctx(wb_store *s, wb_vmctx *v);
/* The epoch slow path: WB_OK when execution may go on (the deadline was
 * not reached, or the store's callback extended it), else the trap kind. */
wb_err wb_interrupt_epoch_reached(wb_store *s);

/* -- Functions -- */

struct wb_rt_func {
    wb_store *store;
    uint32_t type_id;                /* engine-wide signature id */
    uint32_t nparams, nresults;
    const uint8_t *params, *results; /* module arena, or owned_types */
    wb_vm_funcref *ref;              /* canonical record (tables, ref.func) */
    const void *code;                /* how wasm calls it: body or host adapter */
    void *vmctx;                     /* r15 for code: a vmctx or this record */
    struct wb_instance *instance;    /* wasm functions: defining instance */
    uint32_t index;                  /* wasm functions: function index */
    /* host functions only */
    wb_host_fn host;
    void *env;
    void (*env_free)(void *);
    uint8_t *owned_types;
    wb_vm_funcref own_ref;
    wb_rt_func *next;                /* store's host-function list */
};

/* -- Values -- */

static inline uint32_t wb_valtype_bytes(uint8_t t) { return t == WB_V128 ? 16 : 8; }

/* Bytes of the args/results area of a call (jit.h): max of both, rounded
 * up to 16. */
uint32_t wb_args_area_size(const uint8_t *params, uint32_t nparams,
                           const uint8_t *results, uint32_t nresults);

/* A reference value as compiled code holds it (8 bytes) and back. The
 * value must belong to s (checked by the callers that take host values). */
uint64_t wb_ref_to_raw(wb_store *s, const wb_val *v);
void wb_ref_from_raw(uint8_t type, uint64_t raw, wb_val *out);
/* Whether v has type `type` and, for references, belongs to s. */
bool wb_val_fits(wb_store *s, const wb_val *v, uint8_t type);
/* Writes v into slot (8 or 16 bytes) / reads a value of `type` from it.
 * wb_val_store is for values entering wasm code: an externref is cloned
 * into the activations table (wb_externref_enter). */
void wb_val_store(wb_store *s, const wb_val *v, uint8_t *slot);
void wb_val_load(uint8_t type, const uint8_t *slot, wb_val *out);

/* -- Memories (memory.c) -- */

struct wb_rt_memory {
    wb_store *store;
    uint8_t *base;               /* reservation + guard, never moves */
    size_t mapped;               /* bytes mapped at base */
    uint64_t pages;              /* accessible pages */
    uint64_t max_pages;          /* declared maximum, or 65536 */
    bool has_max;
    uint64_t limit_pages;        /* pages the reservation can hold */
    wb_vmctx **users;            /* vmctxs caching base/size (memory 0 users) */
    uint32_t nusers, users_cap;
    wb_rt_memory *next;
};

wb_err wb_memory_create(wb_store *s, uint64_t min, uint64_t max, bool has_max,
                        wb_rt_memory **out);
void wb_memory_destroy(wb_rt_memory *m);
/* Records a vmctx whose mem_base/mem_size follow m (and fills them). */
wb_err wb_memory_add_user(wb_rt_memory *m, wb_vmctx *v);

/* -- Tables (table.c) -- */

struct wb_rt_table {
    wb_store *store;
    uint8_t elem_type;
    bool has_max;
    uint32_t max;                /* declared maximum (if has_max) */
    uint32_t cap;                /* elements allocated */
    wb_vm_table vm;              /* what compiled code reads */
    wb_rt_table *next;
};

wb_err wb_table_create(wb_store *s, uint8_t elem_type, uint64_t min, uint64_t max,
                       bool has_max, uint64_t init, wb_rt_table **out);
void wb_table_destroy(wb_rt_table *t);
/* table.grow on raw values: old size, or -1. */
int64_t wb_table_grow_raw(wb_rt_table *t, uint32_t delta, uint64_t init);

/* -- Globals (global.c) -- */

struct wb_rt_global {
    wb_store *store;
    uint8_t type;
    bool mut;
    _Alignas(16) uint8_t value[WB_GLOBAL_STORAGE];
    wb_rt_global *next;
};

wb_rt_global *wb_global_create(wb_store *s, uint8_t type, bool mut);

/* -- Compiled modules (compiled.c) -- */

struct wb_compiled {
    wb_engine *engine;
    uint32_t refs;               /* atomic: the user's + one per instance */
    uint8_t *bytes;              /* owned copy; the module borrows it */
    size_t size;
    wb_module *module;
    wb_artifact *artifact;
    uint8_t *code;               /* mapped read+exec */
    size_t map_size;
    bool registered, eh_registered;
    uint32_t *type_ids;          /* [ntypes] engine signature ids */
    wb_vmlayout layout;
};

/* Publishes a compiled module: copies bytes, decodes and validates them,
 * compiles with the JIT unless `a` is given, maps the code and registers
 * it. `a` (may be NULL) is owned: freed on every path. */
wb_err wb_compiled_from_artifact(wb_engine *e, const uint8_t *bytes, size_t size,
                                 wb_artifact *a, wb_compiled **out, wb_diag *d);
void wb_compiled_retain(wb_compiled *c);
void wb_compiled_release(wb_compiled *c);
static inline const void *wb_compiled_func_code(const wb_compiled *c, uint32_t defined)
{
    return c->code + c->artifact->func_offsets[defined];
}

/* -- Instances (instance.c) -- */

typedef struct wb_elem_inst {
    uint64_t *items;             /* raw references; NULL once dropped */
    uint32_t count;
} wb_elem_inst;

struct wb_instance {
    wb_store *store;
    wb_compiled *compiled;       /* one reference held */
    const wb_module *module;
    wb_vmctx *vmctx;
    wb_rt_func *funcs;           /* [nfuncs - nfunc_imports] defined functions */
    wb_rt_func **func_objs;      /* [nfuncs] every function index */
    wb_rt_table **tables;        /* [ntables] */
    wb_rt_memory **mems;         /* [nmems] */
    wb_rt_global **globals;      /* [nglobals] */
    wb_elem_inst *elems;         /* [nelems] */
    uint8_t *data_dropped;       /* [ndatas] */
    struct wb_instance *next;
};

void wb_instance_destroy(wb_instance *inst);

/* -- Code registry and activations (trap.c) -- */

/* Registers [start, end) as compiled code of c, so faults there become
 * traps. Thread-safe; the signal handler reads without locking. */
wb_err wb_code_register(uintptr_t start, uintptr_t end, const wb_compiled *c);
void wb_code_unregister(uintptr_t start);

#ifndef WB_TRAP_MAX_FRAMES
#define WB_TRAP_MAX_FRAMES 256   /* wasm frames kept in a backtrace */
#endif

typedef struct wb_raw_frame {
    uintptr_t pc;
    const wb_compiled *compiled;
} wb_raw_frame;

/* One host->wasm entry, on the host's C stack. The innermost one of the
 * thread is where traps unwind to. */
typedef struct wb_activation {
    sigjmp_buf env;
    struct wb_activation *prev;
    wb_store *store;
    uintptr_t stack_limit;
    /* The trap, filled by whoever raises it. */
    wb_err kind;
    int exit_code;
    char *message;               /* malloc'd (host traps), or NULL */
    bool pc0_faulted;            /* frames[0].pc faulted (else: a return address) */
    uint32_t nframes;
    wb_raw_frame frames[WB_TRAP_MAX_FRAMES];
} wb_activation;

/* Sets up this thread for running wasm (alternate signal stack, stack
 * bounds) and the process's signal handlers, once. */
wb_err wb_thread_prepare(void);
wb_activation *wb_activation_current(void);
void wb_activation_push(wb_activation *a);
void wb_activation_pop(wb_activation *a);
/* The stack limit for a new outermost activation: rsp - max_wasm_stack,
 * never below the thread's stack end plus a reserve for host code. */
uintptr_t wb_thread_stack_limit(uintptr_t sp, uint32_t max_wasm_stack);

/* Raises a trap from C code called by wasm (builtins, host functions):
 * records kind and the wasm frames from (pc, fp), where pc is a return
 * address into wasm code and fp the frame pointer of that wasm frame, then
 * unwinds to the innermost activation. message is owned (may be NULL). */
__attribute__((noreturn)) void wb_trap_raise(wb_err kind, uintptr_t pc, uintptr_t fp,
                                             char *message, int exit_code);

/* Trap objects. kind is a WB_ERR_TRAP_* code or WB_ERR_EXIT;
 * message (owned, may be NULL: the kind's message). NULL when out of
 * memory. */
wb_trap *wb_trap_new(wb_err kind, char *message, int exit_code);
/* Builds the trap an activation recorded; takes its message. */
wb_trap *wb_trap_from_activation(wb_activation *a);

/* -- Calls (call.c, host.c) -- */

/* Runs `code` with r15 = vmctx on the args area (area_size bytes,
 * params in, results out) inside a new activation of s. */
wb_err wb_invoke(wb_store *s, const void *code, void *vmctx, uint8_t *area,
                 uint32_t area_size, wb_trap **trap);

/* The wasm->host adapter: the `code` of every host function record. */
void wb_host_adapter(void);
/* Calls host function f from the host (no wasm frame in between); a trap
 * it reports becomes *trap (caller frees). */
wb_err wb_host_call(wb_store *s, wb_rt_func *f, const wb_val *args, wb_val *results,
                    wb_trap **trap);

/* -- Builtins (builtins.c) -- */

extern const void *const wb_builtin_table[WB_BUILTIN__COUNT];

/* The spec's table.init / memory.init on instance state; WB_OK or the
 * trap kind (nothing written on a trap). Used by builtins and by
 * instantiation. */
wb_err wb_op_table_init(wb_instance *inst, uint32_t table, uint32_t seg, uint32_t dst,
                        uint32_t src, uint32_t len);
wb_err wb_op_memory_init(wb_instance *inst, uint32_t seg, uint32_t dst, uint32_t src,
                         uint32_t len);

#endif

/* wasmbox.h — the public C API: engine and config, compiling modules,
 * stores and instances, calls with typed values, host functions, traps,
 * memories, tables, globals.
 *
 * Ownership in one sentence: everything created from a store (instances,
 * host functions, memories, tables, globals, externrefs) lives until the
 * store is freed; engines, configs, compiled modules and traps are freed by
 * their own _free call. Pointers passed in are borrowed for the call only,
 * unless a comment says otherwise. Not thread-safe per store. */
#ifndef WASMBOX_H
#define WASMBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wb_common.h"

/* -- Value types (their binary-format codes) -- */

typedef enum wb_valtype {
    WB_I32 = 0x7f,
    WB_I64 = 0x7e,
    WB_F32 = 0x7d,
    WB_F64 = 0x7c,
    WB_V128 = 0x7b,
    WB_FUNCREF = 0x70,
    WB_EXTERNREF = 0x6f,
} wb_valtype;

typedef enum wb_extern_kind {
    WB_EXTERN_FUNC = 0,
    WB_EXTERN_TABLE = 1,
    WB_EXTERN_MEMORY = 2,
    WB_EXTERN_GLOBAL = 3,
} wb_extern_kind;

/* -- Opaque objects -- */

typedef struct wb_config wb_config;     /* settings; copied into an engine */
typedef struct wb_engine wb_engine;     /* compiler + settings, shared by stores */
typedef struct wb_compiled wb_compiled; /* a validated, compiled module */
typedef struct wb_store wb_store;       /* owns all runtime objects */
typedef struct wb_instance wb_instance;
typedef struct wb_rt_func wb_rt_func;   /* a function: wasm export or host */
typedef struct wb_rt_table wb_rt_table;
typedef struct wb_rt_memory wb_rt_memory;
typedef struct wb_rt_global wb_rt_global;
typedef struct wb_trap wb_trap;
typedef struct wb_caller wb_caller;     /* context handed to host functions */

/* An externref: a handle (index + generation) into the store's externref
 * table, never a host pointer; 0 is null. */
typedef uint64_t wb_externref;

/* A value. Floats are carried as raw bits so NaN payloads survive. */
typedef struct wb_val {
    uint8_t type;                  /* wb_valtype */
    union {
        int32_t i32;
        int64_t i64;
        uint32_t f32;              /* IEEE-754 bits */
        uint64_t f64;              /* IEEE-754 bits */
        uint8_t v128[16];
        wb_rt_func *funcref;       /* NULL = null */
        wb_externref externref;    /* 0 = null */
    } of;
} wb_val;

typedef struct wb_extern {
    uint8_t kind;                  /* wb_extern_kind */
    union {
        wb_rt_func *func;
        wb_rt_table *table;
        wb_rt_memory *memory;
        wb_rt_global *global;
    } of;
} wb_extern;

/* -- Config and engine --
 *
 * A config holds the opt level, the enabled proposals, the tunables (every
 * knob that changes generated code: memory reservation and guard, epoch
 * interruption, fuel, wasm stack size, debug info, CPU features), the
 * memory limit and the code-cache settings. `wasmbox config` lists every
 * setting with its default and meaning. */

#define WASMBOX_VERSION "0.1.0"

wb_config *wb_config_new(void);                   /* defaults; NULL if OOM */
void wb_config_free(wb_config *c);
void wb_config_set_opt_level(wb_config *c, int level); /* 0, 1, 2, 's'; others ignored */

/* WebAssembly proposals a config accepts, X(NAME, bit, "name"). The
 * default is WebAssembly 2.0: all of them. (The validator does not consult
 * the set yet: it is recorded, and part of the cache key.) */
#define WB_PROPOSALS(X) \
    X(MUTABLE_GLOBALS,  0, "mutable-globals") \
    X(SIGN_EXTENSION,   1, "sign-extension") \
    X(SAT_FLOAT_TO_INT, 2, "nontrapping-float-to-int") \
    X(MULTI_VALUE,      3, "multi-value") \
    X(BULK_MEMORY,      4, "bulk-memory") \
    X(REFERENCE_TYPES,  5, "reference-types") \
    X(SIMD,             6, "simd")
#define WB_PROPOSAL_BIT(name, bit, text) WB_PROPOSAL_##name = 1u << (bit),
enum { WB_PROPOSALS(WB_PROPOSAL_BIT) };
#undef WB_PROPOSAL_BIT
#define WB_PROPOSALS_DEFAULT 0x7fu

/* One setter per setting. Sizes are bytes. */
void wb_config_set_proposals(wb_config *c, uint32_t proposals);      /* WB_PROPOSAL_* */
void wb_config_set_memory_reservation(wb_config *c, uint64_t bytes); /* per 32-bit memory */
void wb_config_set_memory_guard(wb_config *c, uint64_t bytes);
void wb_config_set_epoch_interruption(wb_config *c, bool on);
void wb_config_set_fuel(wb_config *c, bool on);   /* charge fuel (amount: wb_store_set_fuel) */
void wb_config_set_max_wasm_stack(wb_config *c, uint32_t bytes);
void wb_config_set_debug_info(wb_config *c, bool on);
/* "native" (this CPU's), "none", or a comma list: popcnt,lzcnt,bmi1,sse4.1.
 * WB_ERR_USAGE on an unknown name. */
wb_err wb_config_set_cpu_features(wb_config *c, const char *features);
/* Limit of each linear memory: instantiation fails when a memory's minimum
 * is above it, memory.grow past it returns -1. 0 = no limit (the default). */
void wb_config_set_max_memory(wb_config *c, uint64_t bytes);
void wb_config_set_cache(wb_config *c, bool on);
wb_err wb_config_set_cache_dir(wb_config *c, const char *dir); /* copied; "" = default */
void wb_config_set_cache_max_size(wb_config *c, uint64_t bytes);

/* Every setting by name, as `--tunable KEY=VALUE` writes it: keys are the
 * names `wasmbox config` lists ('-' and '_' are the same); values are
 * booleans (true/false, yes/no, on/off, 1/0), sizes (4096, 64KiB, 2M,
 * 4GiB: K/M/G and Ki/Mi/Gi are powers of 1024), opt levels (0, 1, 2, s),
 * feature lists. WB_ERR_USAGE for an unknown key or a bad value, with the
 * reason in d->detail. */
wb_err wb_config_set(wb_config *c, const char *key, const char *value, wb_diag *d);
/* The value of a setting as text (NUL-terminated, truncated to size). */
wb_err wb_config_get(const wb_config *c, const char *key, char *buf, size_t size);
typedef struct wb_config_key {
    char name[32];          /* "memory-guard" */
    const char *kind;       /* "size", "bool", "opt-level", "cpu-features", ... */
    const char *meaning;    /* one line */
    bool code;              /* changes generated code: part of the cache key */
} wb_config_key;
/* The i-th setting (i = 0, 1, ... until it returns false). */
bool wb_config_key_at(size_t i, wb_config_key *out);

/* The cache key of code compiled under c: XXH3-128 over the wasmbox
 * version, the artifact format version and every setting that changes
 * generated code (opt level, proposals, every tunable, CPU features
 * included), fed field by field. wb_cache_key adds the module's bytes. */
void wb_config_hash(const wb_config *c, uint8_t out[16]);
void wb_cache_key(const wb_config *c, const uint8_t *bytes, size_t size, uint8_t out[16]);

/* c copied; c NULL = defaults. NULL when out of memory, or when c asks
 * for CPU features this CPU lacks (its code could not run here). */
wb_engine *wb_engine_new(const wb_config *c);
void wb_engine_free(wb_engine *e);                /* after every store and module */
const wb_config *wb_engine_config(const wb_engine *e); /* the engine's copy */

/* -- Compiling -- */

/* Decodes, validates and compiles `bytes` (borrowed for the call; the
 * compiled module keeps its own copy). */
wb_err wb_compile(wb_engine *e, const uint8_t *bytes, size_t size, wb_compiled **out,
                  wb_diag *d);
void wb_compiled_free(wb_compiled *c);

/* -- Compiled code from elsewhere (the code cache, cache/) --
 *
 * An artifact (jit/jit.h) produced by an earlier compilation of the same
 * bytes under the same config. The bytes are still decoded and validated
 * (that gives the module); only the JIT is skipped. The artifact is
 * untrusted: after decoding, and before any of its code is executable,
 * check(a, code, module, check_arg, d) must return WB_OK, where code is
 * the mapped (readable) code blob of a->code_size bytes; the runtime also
 * refuses an artifact whose function count or tunables differ from the
 * module's and engine's. */
struct wb_artifact;
struct wb_module;
typedef wb_err (*wb_artifact_check_fn)(const struct wb_artifact *a, const uint8_t *code,
                                       const struct wb_module *m, void *check_arg,
                                       wb_diag *d);
/* mseal the code mapping (a worker that will run hostile code): no
 * munmap, mprotect or remap of it afterwards; freeing the module then
 * leaves the mapping in place until the process ends. Ignored by kernels
 * without mseal. */
#define WB_LOAD_SEAL 1u
/* code_fd is a regular file (a code-cache entry), not a sealed memfd: it
 * is mapped the same way, from code_offset (page-aligned); nothing stops
 * its owner from changing it, so check must verify the mapped code. */
#define WB_LOAD_FILE 2u
/* Publishes `a` (owned: freed on every path) for `bytes` (copied) without
 * compiling. code_fd < 0: the code is a->code, copied into private
 * memory. code_fd >= 0: the code is the first a->code_size bytes of that
 * memfd, which must be sealed (F_SEAL_WRITE|F_SEAL_GROW|F_SEAL_SHRINK) and
 * at least a->code_size + 4 bytes long; it is mapped (private, read-only,
 * then read+exec: its pages stay shared with every process mapping the
 * same memfd) and a->code is not used. The fd stays the caller's. Errors:
 * the module's own, WB_ERR_USAGE, WB_ERR_NOMEM, or WB_ERR_INTERNAL with
 * the reason in d->detail (the artifact does not fit). */
wb_err wb_compiled_load(wb_engine *e, const uint8_t *bytes, size_t size, struct wb_artifact *a,
                        int code_fd, unsigned flags, wb_artifact_check_fn check,
                        void *check_arg, wb_compiled **out, wb_diag *d);
/* The same with the code at code_offset of code_fd (a multiple of the page
 * size; the fd must hold whole pages from there past the code + 4 bytes). */
wb_err wb_compiled_load_at(wb_engine *e, const uint8_t *bytes, size_t size,
                           struct wb_artifact *a, int code_fd, uint64_t code_offset,
                           unsigned flags, wb_artifact_check_fn check, void *check_arg,
                           wb_compiled **out, wb_diag *d);
/* The artifact c runs (borrowed from c), e.g. to store it in the cache.
 * Its code pointer is NULL when the code came from a memfd. */
const struct wb_artifact *wb_compiled_artifact(const wb_compiled *c);

/* Imports and exports of a compiled module, in module order. Strings are
 * owned by the compiled module (not NUL-terminated: use the lengths). */
typedef struct wb_extern_desc {
    const char *module; size_t module_len; /* imports only */
    const char *name; size_t name_len;
    uint8_t kind;                          /* wb_extern_kind */
} wb_extern_desc;
uint32_t wb_compiled_import_count(const wb_compiled *c);
void wb_compiled_import(const wb_compiled *c, uint32_t i, wb_extern_desc *out);
uint32_t wb_compiled_export_count(const wb_compiled *c);
void wb_compiled_export(const wb_compiled *c, uint32_t i, wb_extern_desc *out);

/* -- Stores -- */

wb_store *wb_store_new(wb_engine *e);
void wb_store_free(wb_store *s);                  /* frees everything it owns */

/* -- Traps -- */

/* A trap: kind (a WB_ERR_TRAP_* code or WB_ERR_EXIT), message and the wasm
 * backtrace, innermost frame first. */
wb_err wb_trap_kind(const wb_trap *t);
const char *wb_trap_message(const wb_trap *t);     /* "integer divide by zero" */
int wb_trap_exit_code(const wb_trap *t);           /* for WB_ERR_EXIT (proc_exit) */
size_t wb_trap_frame_count(const wb_trap *t);
typedef struct wb_frame {
    uint32_t func_index;           /* in the module's function index space */
    const char *func_name;         /* from the name section, or NULL */
    uint32_t module_offset;        /* byte offset of the instruction in the module */
    const char *module_name;       /* name section's module name, or NULL */
} wb_frame;
void wb_trap_frame(const wb_trap *t, size_t i, wb_frame *out);
/* Writes "wasm trap: <message>\n  0: 0x1a2 - <module>!<func>\n..." */
char *wb_trap_format(const wb_trap *t, char *buf, size_t size);
void wb_trap_free(wb_trap *t);

/* -- Instances -- */

/* Instantiates `c` in `s` with `imports` given in the module's import order
 * (borrowed). Runs the start function. On a trap during initialisation or
 * start, returns WB_ERR_TRAP with *trap set (caller frees). Link errors
 * (WB_ERR_UNKNOWN_IMPORT, WB_ERR_INCOMPATIBLE_IMPORT) name the import in
 * d->detail. */
wb_err wb_instance_new(wb_store *s, const wb_compiled *c, const wb_extern *imports,
                       size_t nimports, wb_instance **out, wb_trap **trap, wb_diag *d);

/* Looks up an export by name; false if absent. */
bool wb_instance_export(const wb_instance *inst, const char *name, size_t len,
                        wb_extern *out);

/* -- Functions -- */

/* Calls f. args/results are checked against f's type (WB_ERR_USAGE on a
 * count or type mismatch). A trap returns WB_ERR_TRAP with *trap set. */
wb_err wb_func_call(wb_store *s, wb_rt_func *f, const wb_val *args, size_t nargs,
                    wb_val *results, size_t nresults, wb_trap **trap);

void wb_rt_func_type(const wb_rt_func *f, const uint8_t **params, uint32_t *nparams,
                     const uint8_t **results, uint32_t *nresults);

/* A host function. Returns WB_OK, or a trap code (WB_ERR_TRAP_HOST with a
 * message set through wb_caller_trap, or WB_ERR_EXIT via wb_caller_exit),
 * which unwinds the wasm stack. */
typedef wb_err (*wb_host_fn)(wb_caller *caller, void *env, const wb_val *args,
                             wb_val *results);

/* Creates a host function owned by the store. env is handed to fn on each
 * call and, if env_free is set, freed with it when the store is freed. */
wb_rt_func *wb_func_new_host(wb_store *s, const uint8_t *params, uint32_t nparams,
                             const uint8_t *results, uint32_t nresults, wb_host_fn fn,
                             void *env, void (*env_free)(void *));

/* Memory of the calling instance (its memory 0), or NULL. */
wb_rt_memory *wb_caller_memory(wb_caller *caller);
wb_store *wb_caller_store(wb_caller *caller);
wb_err wb_caller_trap(wb_caller *caller, const char *message); /* returns WB_ERR_TRAP_HOST */
wb_err wb_caller_exit(wb_caller *caller, int code);             /* returns WB_ERR_EXIT */

/* -- Interruption: epochs, deadlines and fuel --
 *
 * Epochs (tunable epoch_interruption). An engine has an epoch counter;
 * each store has a deadline. Compiled code compares the two at every
 * function entry and loop header (two loads and a compare while the
 * deadline is ahead); once the epoch reaches the deadline the call traps
 * with "interrupted" (WB_ERR_TRAP_INTERRUPTED), unless the store's
 * deadline callback lets it go on. Host calls that block honour the
 * deadline through wb_caller_poll / wb_caller_check_deadline. Without a
 * deadline (the default) a store is never interrupted.
 *
 * Fuel (tunable fuel). Each store has an amount of fuel (unlimited until
 * set). Executing an instruction costs 1, except nop, drop, block, loop,
 * end and else, which cost 0. Fuel is charged ahead, per region of
 * straight-line code: a region starts at function entry, at each loop
 * header, at each else, and after the end of each block and if; the
 * whole region's cost is subtracted when it is entered. When the fuel
 * would drop below zero the region does not run: the call traps with "all
 * fuel consumed" (WB_ERR_TRAP_OUT_OF_FUEL) and wb_store_get_fuel reports
 * 0. Unreachable code (after br, br_table, return, unreachable) is free.
 * So running exactly N instructions needs exactly N fuel, with these
 * over-charges: the instructions of an if's then-arm are charged with the
 * code before the if, and those after a loop's end with the loop's body
 * (every iteration); instructions after a taken br_if are charged too.
 *
 * Several instances in one store each count their fuel in their own
 * context, reconciled into the store's amount at wb_store_set_fuel /
 * wb_store_get_fuel. */

/* Adds one to the engine's epoch. Thread-safe and async-signal-safe: call
 * it from a timer thread or a signal handler. */
void wb_engine_increment_epoch(wb_engine *e);
uint64_t wb_engine_epoch(const wb_engine *e);

/* Code running in s traps once the engine's epoch reaches its current
 * value + ticks (saturating). Applies to instances created later too. */
void wb_store_set_epoch_deadline(wb_store *s, uint64_t ticks);

/* Called (on the thread running wasm) when the epoch reaches s's deadline.
 * Return WB_OK with *ticks set to go on with the deadline at epoch +
 * *ticks, or a trap code (WB_ERR_TRAP_INTERRUPTED) to stop; any other code
 * traps as "interrupted". env is borrowed. fn = NULL removes it. */
typedef wb_err (*wb_epoch_deadline_fn)(wb_store *s, void *env, uint64_t *ticks);
void wb_store_set_epoch_deadline_callback(wb_store *s, wb_epoch_deadline_fn fn, void *env);

/* Fuel of s (amounts above INT64_MAX are INT64_MAX). WB_ERR_USAGE when the
 * engine's config does not have the fuel tunable on. */
wb_err wb_store_set_fuel(wb_store *s, uint64_t fuel);
wb_err wb_store_get_fuel(wb_store *s, uint64_t *fuel);

/* For host functions that block or run long: WB_OK while the calling
 * store's deadline is ahead (or the deadline callback extended it), else
 * WB_ERR_TRAP_INTERRUPTED, which the host function returns as its result
 * so that the call traps "interrupted" with the wasm backtrace. */
wb_err wb_caller_check_deadline(wb_caller *caller);

/* poll(2) that honours the calling store's epoch deadline: waits for
 * events on fds[0..nfds) (nfds may be 0: an interruptible sleep) for at
 * most timeout_ns (-1: no limit). Returns WB_OK with *nready = the number
 * of fds with events (0: timeout), WB_ERR_TRAP_INTERRUPTED when the
 * deadline was reached meanwhile (return it from the host function), or
 * WB_ERR_IO with errno set. With a deadline set it looks at the epoch at
 * least every WB_POLL_SLICE_NS, so it stops within that much of the epoch
 * reaching the deadline, whoever increments the epoch. EINTR is retried. */
#define WB_POLL_SLICE_NS 10000000 /* 10 ms */
struct pollfd;
wb_err wb_caller_poll(wb_caller *caller, struct pollfd *fds, size_t nfds, int64_t timeout_ns,
                      int *nready);

/* A watchdog thread for time limits: timeout_ns after wb_watchdog_start it
 * increments e's epoch once (stores with a deadline of 1 tick then trap
 * "interrupted"). During the following grace_ns it sends SIGURG every
 * WB_POLL_SLICE_NS to the thread that started it (the one meant to run
 * wasm), when SIGURG has its default disposition: wasmbox then installs a
 * no-op handler without SA_RESTART, so a host call blocked in a system
 * call gets EINTR (and should then call wb_caller_check_deadline). If the
 * watchdog is still not stopped after grace_ns (the code is stuck outside
 * wasm), it calls on_stuck(arg) from its own thread: the embedder's last
 * resort (the CLI reports the timeout and _exits). The watchdog blocks
 * every signal. Stop it (joins the thread) before freeing e. */
typedef struct wb_watchdog wb_watchdog;
wb_err wb_watchdog_start(wb_engine *e, uint64_t timeout_ns, uint64_t grace_ns,
                         void (*on_stuck)(void *arg), void *arg, wb_watchdog **out);
bool wb_watchdog_fired(const wb_watchdog *w);    /* the epoch was incremented */
void wb_watchdog_stop(wb_watchdog *w);           /* joins and frees; NULL is fine */

/* -- Memories, tables, globals -- */

wb_rt_memory *wb_memory_new(wb_store *s, uint32_t min_pages, uint32_t max_pages,
                            bool has_max);
uint8_t *wb_memory_data(wb_rt_memory *m);         /* base; never moves */
uint64_t wb_memory_size(const wb_rt_memory *m);   /* in bytes */
/* Grows by delta pages; returns the old size in pages, or -1. */
int64_t wb_memory_grow(wb_rt_memory *m, uint32_t delta);

wb_rt_table *wb_table_new(wb_store *s, uint8_t elem_type, uint32_t min, uint32_t max,
                          bool has_max, const wb_val *init);
uint32_t wb_table_size(const wb_rt_table *t);
bool wb_table_get(const wb_rt_table *t, uint32_t i, wb_val *out);
bool wb_table_set(wb_rt_table *t, uint32_t i, const wb_val *v);
int64_t wb_table_grow(wb_rt_table *t, uint32_t delta, const wb_val *init);

wb_rt_global *wb_global_new(wb_store *s, const wb_val *v, bool mutable_);
void wb_global_get(const wb_rt_global *g, wb_val *out);
wb_err wb_global_set(wb_rt_global *g, const wb_val *v); /* WB_ERR_USAGE if immutable/type */

/* -- externref -- */

/* Creates an externref holding `data` (borrowed; dtor, if set, is called
 * once when the last reference is gone or the store is freed). */
wb_externref wb_externref_new(wb_store *s, void *data, void (*dtor)(void *));
void *wb_externref_data(wb_store *s, wb_externref r);  /* NULL for null/stale */
/* Host-side counting: wb_externref_new returns one reference; clone adds
 * one (returns r, or 0 if r is null/stale), release drops one. The object
 * is destroyed (its handle goes stale, its destructor runs) when no one
 * holds it: not the host, no global or table element, no wasm frame.
 *
 * Deferred reference counting: globals and table elements hold one
 * reference each (global.set, table.set/fill/grow/copy/init and the host
 * API count). Wasm frames hold none: a reference entering wasm code (call
 * argument, host function result, global.get, table.get) is recorded in
 * the store's activations table, which keeps it alive until a collection
 * finds that no wasm frame holds it any more. Collections run when that
 * table fills up, when wasm calls a host function or the host calls wasm
 * while it is full, on request (wb_externref_collect), and the store's
 * end destroys everything. So an object that only wasm frames held is
 * destroyed by the first collection after the frames are gone (returned
 * or trapped), not at once.
 *
 * Who owns what crosses the boundary: arguments of wb_func_call and the
 * results a host function writes are borrowed (the callee side takes its
 * own reference); results of wb_func_call are new references the caller
 * releases; arguments a host function receives are borrowed for the call;
 * wb_global_get / wb_table_get return borrowed handles (valid while
 * stored). A stale handle passed in counts as null. */
wb_externref wb_externref_clone(wb_store *s, wb_externref r);
void wb_externref_release(wb_store *s, wb_externref r);

/* An externref that belongs to wasm code from birth: it is recorded in the
 * activations table instead of being owned by the host, and lives until a
 * collection finds no wasm frame, global or table holding it. For host
 * functions that return fresh objects to wasm; the host must not keep the
 * handle (any later collection, e.g. one run by the next wb_func_call, may
 * destroy it). 0 when out of memory. */
wb_externref wb_externref_new_transient(wb_store *s, void *data, void (*dtor)(void *));

/* Runs a collection now. WB_OK; WB_ERR_USAGE when the wasm frames of s
 * cannot all be walked from here (called from a destructor or another
 * callback made while wasm code was inside a runtime call, or during a
 * collection): nothing is collected then. */
wb_err wb_externref_collect(wb_store *s);

/* Introspection (tests, benchmarks, diagnostics). */
typedef struct wb_externref_stats {
    uint64_t live;          /* objects alive */
    uint64_t created;       /* objects created since the store was made */
    uint64_t destroyed;     /* objects destroyed (destructor run or due) */
    uint64_t collections;   /* collections run */
    uint64_t activations;   /* entries in the activations table */
} wb_externref_stats;
void wb_externref_stats_get(wb_store *s, wb_externref_stats *out);
/* The number of references to r (host, globals, table elements,
 * activations table entries); 0 for null or stale r. */
uint64_t wb_externref_refcount(wb_store *s, wb_externref r);

#endif

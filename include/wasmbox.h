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

/* -- Config and engine -- */

wb_config *wb_config_new(void);                   /* defaults; NULL if OOM */
void wb_config_free(wb_config *c);
void wb_config_set_opt_level(wb_config *c, int level); /* 0, 1, 2, 's' */

wb_engine *wb_engine_new(const wb_config *c);     /* c copied; NULL = defaults */
void wb_engine_free(wb_engine *e);                /* after every store and module */

/* -- Compiling -- */

/* Decodes, validates and compiles `bytes` (borrowed for the call; the
 * compiled module keeps its own copy). */
wb_err wb_compile(wb_engine *e, const uint8_t *bytes, size_t size, wb_compiled **out,
                  wb_diag *d);
void wb_compiled_free(wb_compiled *c);

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
 * is destroyed when the host holds none and wasm code could never reach it;
 * a reference that became reachable from wasm (argument, result, global,
 * table) lives until the store is freed, for now. */
wb_externref wb_externref_clone(wb_store *s, wb_externref r);
void wb_externref_release(wb_store *s, wb_externref r);

#endif

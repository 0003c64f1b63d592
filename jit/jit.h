/* jit.h — translating a validated module to x86-64: the tunables that shape
 * code, the compiled artifact, the instance-context (vmctx) layout that code
 * and runtime share, the calling convention and the runtime builtins that
 * compiled code calls. Pure: writes code into memory it allocates with
 * malloc and never maps anything executable (the runtime does that).
 *
 * Pipeline (baseline tier, --opt-level 0):
 *
 *   wb_module ──► per function: single pass over the body (wb_read_instr)
 *                 value stack kept in registers/constants, spilled at calls
 *                 and merges ──► x64_enc ──► code blob + sites
 *             ──► artifact: [code of all functions][eh_frame]
 *                 + function offsets, trap sites, call sites, stack maps
 */
#ifndef WB_JIT_H
#define WB_JIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm/wasm.h"

/* -- Tunables: every knob that changes generated code --
 *
 * One list, WB_TUNABLES, defines the fields of wb_tunables and drives
 * everything else that must see every field: the cache key
 * (runtime/config_hash.c feeds each field), the generic setter and the
 * `wasmbox config` listing (runtime/config.c), and the test that flips
 * each field and checks that the key changes (tests/unit/test_config.c).
 * A new knob is one new row here; its default goes in
 * wb_tunables_default.
 *
 *   X(type, name, kind, "meaning")
 *   kind: how the value is written by users (runtime/config.c parses it)
 *     OPT   0, 1, 2 or s (stored as 0, 1, 2, 's')
 *     SIZE  bytes, with an optional K/Ki/KiB, M/MiB, G/GiB suffix
 *     BOOL  true/false, yes/no, on/off, 1/0
 *     CPU   "native", "none" or a comma list of WB_CPU_FEATURES names
 */
#define WB_TUNABLES(X) \
    X(int,      opt_level,          OPT,  "optimization level: 0 baseline compiler; 1, 2, s optimizing (2 = -O; levels above 0 use the baseline compiler for now)") \
    X(uint64_t, memory_reservation, SIZE, "address space reserved per 32-bit linear memory; memory cannot grow past it") \
    X(uint64_t, memory_guard,       SIZE, "inaccessible guard region after each memory's reservation (with the reservation: 8 GiB needs no bounds checks)") \
    X(bool,     epoch_interruption, BOOL, "check the engine epoch against the store's deadline at every function entry and loop header (--timeout)") \
    X(bool,     fuel,               BOOL, "charge fuel for every instruction executed, in blocks (--fuel)") \
    X(uint32_t, max_wasm_stack,     SIZE, "native stack wasm code may use before it traps with \"call stack exhausted\" (--max-stack)") \
    X(bool,     debug_info,         BOOL, "keep extra debug metadata in compiled code") \
    X(uint32_t, cpu_features,       CPU,  "CPU features generated code may use (native = those of this CPU)")

#define WB_TUNABLE_FIELD(type, name, kind, meaning) type name;
typedef struct wb_tunables {
    WB_TUNABLES(WB_TUNABLE_FIELD)
} wb_tunables;

/* CPU features beyond baseline x86-64 that generated code may use. They
 * are part of the tunables so that they reach the cache key: code compiled
 * with lzcnt must never be handed to a CPU without it.
 *   X(NAME, bit, "name users write") */
#define WB_CPU_FEATURES(X) \
    X(POPCNT, 0, "popcnt") \
    X(LZCNT,  1, "lzcnt")   /* ABM */ \
    X(BMI1,   2, "bmi1")    /* tzcnt */ \
    X(SSE41,  3, "sse4.1")  /* roundss/roundsd */

#define WB_CPU_FEATURE_BIT(name, bit, text) WB_CPU_##name = 1u << (bit),
enum { WB_CPU_FEATURES(WB_CPU_FEATURE_BIT) };
#undef WB_CPU_FEATURE_BIT

/* Features of the CPU this process runs on (cpuid). */
uint32_t wb_cpu_detect(void);

/* Defaults: opt level 2, 4 GiB + 4 GiB guard (no bounds checks), no epoch,
 * no fuel, 512 KiB wasm stack, no debug info, cpu_features = wb_cpu_detect(). */
void wb_tunables_default(wb_tunables *t);

/* -- The instance context (vmctx) --
 *
 * Compiled code reaches everything outside its own blob through the vmctx
 * pointer held in r15: memory base, globals, tables, imported functions,
 * function references, type ids and runtime builtins. The fixed header
 * below is at offset 0; the per-module arrays follow at offsets computed by
 * wb_vmlayout_compute from the module alone, so the compiler (which emits
 * the offsets) and the runtime (which allocates and fills the vmctx) agree
 * by construction. runtime/vmctx.h mirrors the header as a struct and ties
 * it to these constants with _Static_assert.
 *
 *   offset  field
 *   0       uint8_t  *mem_base        memory 0 base (NULL when no memory)
 *   8       uint64_t  mem_size        memory 0 accessible bytes
 *   16      uintptr_t stack_limit     lowest rsp wasm code may reach
 *   24      void     *instance        runtime's instance object
 *   32      const uint64_t *epoch_ptr engine epoch counter (epoch tunable)
 *   40      uint64_t  epoch_deadline
 *   48      int64_t   fuel            remaining fuel (fuel tunable)
 *   56      void     *memory          runtime's memory 0 object (builtins)
 *   64      const void *const *builtins  table of wb_builtin addresses
 *   72      uintptr_t exit_fp         rbp of the wasm frame that last called a
 *                                     builtin (stored just before the call), so
 *                                     a trap raised in C code can walk the wasm
 *                                     frames: pc = the builtin's return address
 *   80      wb_vm_externrefs *externrefs  the store's externref heap
 *                                     (deferred reference counting, below)
 *   88..127 reserved
 *   128     ... per-module arrays (wb_vmlayout)
 */
#define WB_VMCTX_MEM_BASE       0
#define WB_VMCTX_MEM_SIZE       8
#define WB_VMCTX_STACK_LIMIT    16
#define WB_VMCTX_INSTANCE       24
#define WB_VMCTX_EPOCH_PTR      32
#define WB_VMCTX_EPOCH_DEADLINE 40
#define WB_VMCTX_FUEL           48
#define WB_VMCTX_MEMORY         56
#define WB_VMCTX_BUILTINS       64
#define WB_VMCTX_EXIT_FP        72
#define WB_VMCTX_EXTERNREFS     80
#define WB_VMCTX_HEADER_SIZE    128

/* An imported function as the caller sees it: call `code` with r15 set to
 * `vmctx` (another instance's vmctx, or a host-function record). */
typedef struct wb_vm_import {
    const void *code;
    void *vmctx;
} wb_vm_import;

/* A function reference (funcref) as stored in tables and produced by
 * ref.func: what call_indirect needs. A null funcref is a NULL pointer.
 * Records live in the vmctx of the instance that defines or imports the
 * function; `owner` is the runtime's wb_rt_func for the host API. */
typedef struct wb_vm_funcref {
    const void *code;
    void *vmctx;
    uint32_t type_id;           /* engine-wide canonical signature id */
    uint32_t pad;
    void *owner;
} wb_vm_funcref;
#define WB_FUNCREF_CODE     0
#define WB_FUNCREF_VMCTX    8
#define WB_FUNCREF_TYPE_ID  16

/* A table as compiled code sees it. Elements are 8 bytes: funcref
 * pointers (wb_vm_funcref *) or externref handles; 0 is null. */
typedef struct wb_vm_table {
    uint64_t *elements;
    uint32_t size;
    uint32_t max;               /* UINT32_MAX when unbounded */
} wb_vm_table;
#define WB_TABLE_ELEMENTS   0
#define WB_TABLE_SIZE       8

/* The store's externref heap as compiled code sees it (deferred reference
 * counting, DESIGN.md; gc/ owns it). An externref is a handle
 * (generation << 32) | (slot index + 1); the slot's count is the 64-bit
 * word at slots + (index << WB_EXTERNREF_SLOT_SHIFT). A reference entering
 * wasm code (global.get, table.get) is cloned into the activations table:
 * count + 1 and one entry appended at act_next, inline while
 * act_next < act_end and index < nslots, else through EXTERNREF_ENTER. */
typedef struct wb_vm_externrefs {
    uint64_t *act_next;         /* next free entry of the activations table */
    uint64_t *act_end;          /* at or past it: EXTERNREF_ENTER (collects) */
    void *slots;                /* slot array; moves when it grows */
    uint32_t nslots;            /* slots in use: valid indices are below */
    uint32_t pad;
} wb_vm_externrefs;
#define WB_EXTERNREFS_ACT_NEXT   0
#define WB_EXTERNREFS_ACT_END    8
#define WB_EXTERNREFS_SLOTS      16
#define WB_EXTERNREFS_NSLOTS     24
#define WB_EXTERNREF_SLOT_SHIFT  5      /* 32-byte slots */
#define WB_EXTERNREF_SLOT_COUNT  0      /* uint64_t count at this offset */

/* Offsets of the per-module arrays in a vmctx. */
typedef struct wb_vmlayout {
    uint32_t type_ids;      /* uint32_t[ntypes]: canonical signature id per type index */
    uint32_t func_imports;  /* wb_vm_import[nfunc_imports] */
    uint32_t tables;        /* wb_vm_table *[ntables] (own or imported) */
    uint32_t globals;       /* void *[nglobals]: storage of each global (16 bytes) */
    uint32_t funcrefs;      /* wb_vm_funcref[nfuncs]: one per function index */
    uint32_t size;          /* total vmctx bytes */
} wb_vmlayout;

void wb_vmlayout_compute(const wb_module *m, wb_vmlayout *out);

/* -- Calling convention (every tier; the host trampolines rely on it) --
 *
 * - r15 holds the callee's vmctx at entry; r14 is the memory base, loaded
 *   from the vmctx by each function after its prologue and by the caller
 *   after each call. With epoch interruption on, r12 holds the engine's
 *   epoch_ptr and r13 the epoch deadline in all wasm code: a function that
 *   can be entered from outside the module's code (exported, in an element
 *   segment or a global initializer, or the start function) loads both
 *   after its prologue, other functions get them from their caller, and
 *   r13 is reloaded after every call that may run host code (imports,
 *   indirect calls, builtins); r12 is the same in every instance of an
 *   engine and host code keeps both (SysV callee-saved). A check is then
 *   `cmp r13, [r12]; jbe slow`. Every other register is caller-saved
 *   inside wasm code; the host entry trampoline saves the
 *   SysV callee-saved ones.
 * - Arguments and results travel through memory: the caller reserves an
 *   area at [rsp] of max(param bytes, result bytes) rounded up to 16, with
 *   rsp 16-byte aligned at the call. Parameter i lives at the sum of the
 *   sizes of parameters before it (8 bytes per value, 16 for v128, no
 *   padding). The callee reads its parameters there ([rbp+16+off]) and,
 *   before returning, writes result j at the same kind of offset. f32/i32
 *   occupy the low 4 bytes of their slot.
 * - Frames: push rbp; mov rbp, rsp; the vmctx is stored at [rbp-8]. The
 *   frame-pointer chain is always intact, so backtraces, the externref
 *   collector and profilers can walk wasm frames.
 * - Prologue stack check: after `sub rsp, frame`, if rsp < stack_limit the
 *   function traps with "call stack exhausted". The runtime sets
 *   stack_limit with headroom for builtins and host calls below it.
 * - A callee may overwrite its parameters' slots in the caller's area.
 * - Builtin results are zero-extended from eax (u32) or in rax (u64).
 * - func_offsets[nfuncs] is the end of the last function's code, before
 *   the padding and the .eh_frame table.
 * - Traps: explicit checks branch to a `ud2` whose offset is a trap site;
 *   memory accesses fault in the guard region (their offsets are trap sites
 *   too). The signal handler maps the faulting PC to the kind.
 */

/* -- Runtime builtins called from compiled code --
 *
 * SysV ABI, first argument the caller's vmctx, rsp 16-aligned. Builtins
 * that trap never return (they unwind to the host entry). The compiler
 * calls them through vmctx->builtins[id]; the runtime fills the table.
 * Signatures (u32 values zero-extended; index arguments are wasm i32):
 */
#define WB_BUILTINS(X) \
    X(MEMORY_GROW,  "uint32_t (vmctx, uint32_t delta_pages) -> old pages or -1") \
    X(MEMORY_FILL,  "void (vmctx, uint32_t dst, uint32_t val, uint32_t len)") \
    X(MEMORY_COPY,  "void (vmctx, uint32_t dst, uint32_t src, uint32_t len)") \
    X(MEMORY_INIT,  "void (vmctx, uint32_t seg, uint32_t dst, uint32_t src, uint32_t len)") \
    X(DATA_DROP,    "void (vmctx, uint32_t seg)") \
    X(TABLE_GROW,   "uint32_t (vmctx, uint32_t table, uint64_t init, uint32_t delta) -> old size or -1") \
    X(TABLE_FILL,   "void (vmctx, uint32_t table, uint32_t dst, uint64_t val, uint32_t len)") \
    X(TABLE_COPY,   "void (vmctx, uint32_t dst_table, uint32_t src_table, uint32_t dst, uint32_t src, uint32_t len)") \
    X(TABLE_INIT,   "void (vmctx, uint32_t table, uint32_t seg, uint32_t dst, uint32_t src, uint32_t len)") \
    X(ELEM_DROP,    "void (vmctx, uint32_t seg)") \
    X(TABLE_GET,    "uint64_t (vmctx, uint32_t table, uint32_t index)") \
    X(TABLE_SET,    "void (vmctx, uint32_t table, uint32_t index, uint64_t val)") \
    X(EXTERNREF_ENTER, "uint64_t (vmctx, uint64_t ref) -> ref, or 0 if stale: ref enters wasm code (slow path: the activations table is full; may collect)") \
    X(GLOBAL_SET_REF, "void (vmctx, uint64_t *storage, uint64_t ref): global.set of an externref (counts)") \
    X(EPOCH_SLOW,   "void (vmctx): epoch deadline reached") \
    X(FUEL_SLOW,    "void (vmctx): fuel exhausted")

typedef enum wb_builtin {
#define WB_BUILTIN_ENUM(name, sig) WB_BUILTIN_##name,
    WB_BUILTINS(WB_BUILTIN_ENUM)
#undef WB_BUILTIN_ENUM
    WB_BUILTIN__COUNT
} wb_builtin;

/* -- The artifact -- */

/* A point in compiled code where a trap can happen. */
typedef struct wb_trap_site {
    uint32_t code_offset;   /* of the faulting/ud2 instruction */
    uint32_t wasm_offset;   /* module offset of the wasm instruction */
    uint16_t kind;          /* wb_err: WB_ERR_TRAP_* */
    uint16_t pad;
} wb_trap_site;

/* A call in compiled code (to wasm, an import, or a builtin): where a
 * stack walk finds this frame suspended. */
typedef struct wb_call_site {
    uint32_t return_offset; /* code offset just after the call */
    uint32_t wasm_offset;
    uint32_t map_start;     /* stack map: ref_slots[map_start .. +map_count] */
    uint32_t map_count;
} wb_call_site;

typedef struct wb_artifact {
    uint8_t *code;          /* malloc'd: functions, then the .eh_frame table */
    uint32_t code_size;     /* whole blob, eh_frame included */
    uint32_t eh_frame_offset, eh_frame_size;

    uint32_t nfuncs;        /* defined functions (module order) */
    uint32_t *func_offsets; /* [nfuncs + 1]: start of each, then end of code */

    uint32_t ntraps;        wb_trap_site *traps;  /* sorted by code_offset */
    uint32_t ncalls;        wb_call_site *calls;  /* sorted by return_offset */
    /* Stack maps: rbp-relative byte offsets of the frame slots that hold
     * externrefs at a call site (live locals and value-stack entries). */
    uint32_t nref_slots;    int32_t *ref_slots;

    wb_tunables tunables;   /* what the code was compiled for */
} wb_artifact;

/* Compiles every defined function of a validated module. */
wb_err wb_jit_compile(const wb_module *m, const wb_tunables *t, wb_artifact **out,
                      wb_diag *d);
void wb_artifact_free(wb_artifact *a);

/* Lookups used by the signal handler and stack walkers (binary search). */
const wb_trap_site *wb_artifact_trap_at(const wb_artifact *a, uint32_t code_offset);
const wb_call_site *wb_artifact_call_at(const wb_artifact *a, uint32_t return_offset);
/* Defined-function index containing code_offset, or -1. */
int64_t wb_artifact_func_at(const wb_artifact *a, uint32_t code_offset);

#endif

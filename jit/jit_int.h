/* jit_int.h — private API of the baseline compiler: the per-function
 * compiler context, the abstract value stack with its register allocator,
 * traps, builtin calls, and the entry point of each opcode-family file.
 *
 *   compile.c      driver: per function, prologue/epilogue, dispatch by
 *                  opcode family, artifact assembly, lookups
 *   base_stack.c   value stack + register allocation (this header's API)
 *   base_control.c blocks, branches, br_table, calls, return, unreachable
 *   base_var.c     constants, drop, select, locals, globals
 *   base_int.c     integer arithmetic, comparisons, sign extension
 *   base_float.c   float arithmetic and comparisons
 *   base_conv.c    conversions between types (trapping and saturating)
 *   base_mem.c     loads, stores, memory.size/grow, bulk memory
 *   base_ref.c     tables and reference types
 *   eh_frame.c     the .eh_frame unwind table
 *
 * How an opcode-family file compiles one instruction (example: i32.add):
 *
 *     int32_t k;
 *     if (wb_peek_imm32(c, 0, &k)) {          // rhs constant: fold it
 *         wb_drop(c, 1);
 *         x64_gpr a = wb_pop_gpr(c);
 *         x64_ri(c->b, X64_ADD, X64_32, a, k);
 *         wb_push_gpr(c, WB_I32, a);
 *     } else {
 *         x64_gpr b = wb_pop_gpr(c);            // top of stack first
 *         x64_gpr a = wb_pop_gpr(c);
 *         x64_rr(c->b, X64_ADD, X64_32, a, b);
 *         wb_push_gpr(c, WB_I32, a);            // b is released after the op
 *     }
 *
 * Validation has already run, so handlers never check operand types. */
#ifndef WB_JIT_INT_H
#define WB_JIT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "jit/jit.h"
#include "jit/x64_enc.h"
#include "wasm/wasm.h"

/* -- Fixed registers --
 *
 * r15 vmctx, r14 memory base, rbp frame pointer, rsp stack pointer: never
 * allocated. r11 and xmm15 are scratch registers: an opcode handler may use
 * them freely between calls into this API, but EVERY wb_* function below
 * may clobber them (materializing constants, slot-to-slot moves). Every
 * other register is allocatable (but r12 and r13 with epoch interruption
 * on: c->gpr_reserved); all are caller-saved inside wasm code. */
#define WB_REG_VMCTX    X64_R15
#define WB_REG_MEMBASE  X64_R14
#define WB_SCRATCH_GPR  X64_R11
#define WB_SCRATCH_XMM  X64_XMM15
#define WB_ALLOC_GPRS                                                          \
    (X64_BIT(X64_RAX) | X64_BIT(X64_RCX) | X64_BIT(X64_RDX) |                  \
     X64_BIT(X64_RBX) | X64_BIT(X64_RSI) | X64_BIT(X64_RDI) |                  \
     X64_BIT(X64_R8) | X64_BIT(X64_R9) | X64_BIT(X64_R10) |                    \
     X64_BIT(X64_R12) | X64_BIT(X64_R13))
#define WB_ALLOC_XMMS 0x7fffu /* xmm0-xmm14 */
/* With epoch interruption on, two more fixed registers (jit.h): */
#define WB_REG_EPOCH_PTR X64_R12    /* the engine's epoch counter */
#define WB_REG_DEADLINE  X64_R13    /* vmctx epoch_deadline, kept current */
#define WB_EPOCH_GPRS (X64_BIT(WB_REG_EPOCH_PTR) | X64_BIT(WB_REG_DEADLINE))

/* -- Frame layout --
 *
 *   [rbp+16+off]  parameter i / result j (caller's argument area, jit.h)
 *   [rbp+8]       return address
 *   [rbp]         caller's rbp
 *   [rbp-8]       vmctx (WB_FRAME_VMCTX)
 *   [rbp-16-8k]   declared local k (8 bytes each, zeroed by the prologue)
 *   below         one 8-byte canonical slot per value-stack position:
 *                 position i lives at rbp - c->spill_base - 8*(i+1)
 *   [rsp..]       outgoing argument/result area of calls (c->out_area bytes)
 *
 * The frame size is patched into the prologue when the function ends, so
 * the number of slots is the maximum stack depth reached. rsp is 16-byte
 * aligned everywhere in the body (nothing is pushed after the prologue).
 *
 * Value representation: i32 values in GPRs are always zero-extended to
 * 64 bits (every producer uses a 32-bit operation); i64 and references fill
 * the GPR; f32/f64 live in the low lane of an XMM. Slots and locals are
 * read with the type's size (4 bytes for i32/f32), so their upper bytes
 * do not matter. funcref = wb_vm_funcref pointer, externref = handle;
 * 0 is null for both. */
#define WB_FRAME_VMCTX (-8)

/* -- Value stack entries -- */

typedef enum wb_loc {
    WB_LOC_SLOT,    /* in its canonical frame slot */
    WB_LOC_REG,     /* in register .reg (class from the type) */
    WB_LOC_CONST,   /* constant .k, not materialized anywhere */
    WB_LOC_COND,    /* i32 = the CPU flags satisfy .cc (top entry only; see
                       wb_push_cond) */
} wb_loc;

typedef struct wb_vsval {
    uint8_t type;   /* wb_valtype: I32, I64, F32, F64, FUNCREF, EXTERNREF */
    uint8_t loc;    /* wb_loc */
    uint8_t reg;    /* x64_gpr or x64_xmm (WB_LOC_REG), x64_cc (WB_LOC_COND) */
    uint8_t pad;
    /* WB_LOC_CONST: i32 sign-extended to 64 bits, i64 as is, f32 bits
     * zero-extended, f64 bits, references 0 (null). */
    int64_t k;
} wb_vsval;

static inline bool wb_type_is_float(uint8_t t) { return t == WB_F32 || t == WB_F64; }
/* Operand size of a GPR-class type: 4 for i32, 8 for i64 and references. */
static inline x64_size wb_type_size(uint8_t t)
{
    return t == WB_I32 || t == WB_F32 ? X64_32 : X64_64;
}

/* -- Control stack -- */

typedef enum wb_ctrl_kind {
    WB_CTRL_FUNC,   /* the function body; a branch to it is a return */
    WB_CTRL_BLOCK,
    WB_CTRL_LOOP,
    WB_CTRL_IF,     /* the then arm */
    WB_CTRL_ELSE,   /* the else arm */
} wb_ctrl_kind;

/* Merge convention: at every branch target (block end, loop header, else
 * arm, function return) all value-stack entries are in their canonical
 * slots, the branch values at positions height .. height+arity-1. Entering
 * a block spills the whole stack, so entries below a block's height stay
 * in their slots for the whole block. */
typedef struct wb_ctrl {
    uint8_t kind;           /* wb_ctrl_kind */
    bool unreachable;       /* the rest of this arm is dead code */
    uint32_t height;        /* value-stack height below the block's params */
    uint32_t nparams, nresults;
    const uint8_t *params, *results; /* types (module arena or static) */
    x64_label label;        /* branch target: loop header or block end */
    x64_label else_label;   /* IF: start of the else arm; else X64_NOLABEL */
} wb_ctrl;

/* A pending out-of-line trap: `label: ud2` emitted after the function body,
 * recorded as a trap site with the wasm offset of the checking instruction. */
typedef struct wb_trap_stub {
    x64_label label;
    uint32_t wasm_offset;
    uint16_t kind;
} wb_trap_stub;

/* A pending out-of-line builtin call (wb_call_builtin_cold): `stub: call
 * builtin; jmp resume` emitted after the function body, recorded as a call
 * site with the stack map taken where the check was. */
typedef struct wb_slow_call {
    x64_label stub, resume;
    uint32_t wasm_offset;
    uint32_t map_start, map_count;  /* in the module's ref_slots */
    uint16_t builtin;               /* wb_builtin */
} wb_slow_call;

/* CPU features the generated code may use (cpuid, read once per compile). */
typedef struct wb_cpu {
    bool lzcnt;     /* ABM/LZCNT */
    bool bmi1;      /* TZCNT */
    bool popcnt;
    bool sse41;     /* roundss/roundsd */
} wb_cpu;

/* -- The compiler context: one per wb_jit_compile, reset per function -- */

typedef struct wb_ctx {
    /* module-wide, borrowed for the compile */
    const wb_module *m;
    const wb_tunables *t;
    wb_vmlayout layout;
    wb_cpu cpu;
    wb_diag *d;
    x64_buf *b;             /* the module's one code buffer (owned by compile.c) */
    x64_label *func_labels; /* [ncodes]: start of each defined function */

    /* module-wide records, appended while compiling (owned, malloc'ed) */
    wb_trap_site *traps;    uint32_t ntraps, cap_traps;
    wb_call_site *calls;    uint32_t ncalls, cap_calls;
    int32_t *ref_slots;     uint32_t nref_slots, cap_ref_slots;

    wb_err err;             /* first error; handlers set it via wb_fail */

    /* the function being compiled */
    uint32_t func_index;    /* in the module's function index space */
    uint32_t def_index;     /* among defined functions */
    const wb_functype *type;
    uint32_t nlocals;       /* params + declared locals */
    uint8_t *local_types;   /* [nlocals] (owned) */
    int32_t *local_offsets; /* [nlocals]: rbp-relative (owned) */
    int32_t spill_base;     /* see the frame layout */
    uint32_t out_area;      /* bytes of outgoing argument area needed */
    uint32_t frame_patch;   /* code offset of the prologue's frame-size imm32 */
    uint32_t func_start;    /* code offset of the function */
    uint32_t wasm_offset;   /* of the instruction being compiled */
    x64_label ret_label;    /* the one epilogue (results already stored) */
    uint32_t epilogue;      /* code offset of its mov rsp, rbp (for eh_frame) */
    uint32_t fuel_patch;    /* imm32 of the open fuel region's charge, or 0 */
    uint32_t fuel_count;    /* instructions charged to that region so far */

    wb_vsval *vs;           uint32_t nvs, cap_vs, max_vs;
    uint32_t nspilled;      /* entries [0, nspilled) are all in their slots */
    int32_t *ref_locals;    /* rbp offsets of the externref locals (owned) */
    uint32_t nref_locals;
    wb_ctrl *ctrl;          uint32_t nctrl, cap_ctrl;
    uint32_t dead_depth;    /* blocks opened inside unreachable code */
    wb_trap_stub *stubs;    uint32_t nstubs, cap_stubs;
    wb_slow_call *slows;    uint32_t nslows, cap_slows;

    /* register state as bitmasks (bit r = register r): HELD registers, and
     * registers owned by a stack entry (used); an allocatable register in
     * neither is FREE */
    uint16_t gpr_held, xmm_held;
    uint16_t gpr_used, xmm_used;
    /* the vs index of the entry living in each used register (meaningless
     * for the others) */
    int32_t gpr_owner[X64_NUM_GPRS];
    int32_t xmm_owner[X64_NUM_XMMS];
    uint16_t gpr_reserved;  /* of WB_ALLOC_GPRS, not allocatable in this
                               compile: WB_EPOCH_GPRS with epoch
                               interruption, else none */
    uint32_t cap_locals;    /* entries allocated in local_types,
                               local_offsets and ref_locals (reused) */
    uint32_t nconds;        /* wb_push_cond calls so far (the driver looks
                               for a pending condition only after one) */
} wb_ctx;

/* Records the first error (code, detail) of the compile; later calls are
 * ignored. Returns the code recorded. */
wb_err wb_fail(wb_ctx *c, wb_err err, const char *why);

/* -- The value stack and registers (base_stack.c) --
 *
 * Each wasm stack entry is a constant, a register or a frame slot. A
 * register is FREE, owned by exactly one stack entry, or HELD by the
 * instruction being compiled. Pops hand out HELD registers that the
 * handler owns exclusively and may overwrite; pushes give a HELD register
 * to the stack. Whatever is still HELD when a handler returns is released
 * by the driver, so temporaries need no explicit release.
 *
 * None of these functions changes EFLAGS (they emit only mov, movzx,
 * movss/movsd/movq and xorps), so a handler may compare, then pop or
 * allocate, then use the flags. They may clobber r11 and xmm15 and may
 * spill stack entries to free a register. Registers are taken from the
 * allocatable sets above; when none is free, the deepest register entry is
 * spilled to its slot. */

/* Pops the top entry (i32, i64 or reference) into a HELD GPR. */
static inline x64_gpr wb_pop_gpr(wb_ctx *c);
/* Pops the top entry (f32 or f64) into a HELD XMM. */
static inline x64_xmm wb_pop_xmm(wb_ctx *c);
/* Pops the top entry into GPR r (HELD afterwards). If another stack entry
 * lives in r it is moved away first; r must not be HELD already. */
void wb_pop_gpr_to(wb_ctx *c, x64_gpr r);

/* A free register, HELD (spills a stack entry if none is free). */
static inline x64_gpr wb_alloc_gpr(wb_ctx *c);
static inline x64_xmm wb_alloc_xmm(wb_ctx *c);
/* Makes register r HELD: a stack entry living there is moved to another
 * register or spilled. r must not be HELD already (e.g. rax/rdx for div,
 * rcx for shifts: claim them before popping operands elsewhere). */
void wb_claim_gpr(wb_ctx *c, x64_gpr r);
/* Releases a HELD register early (optional: the driver releases all). */
void wb_release_gpr(wb_ctx *c, x64_gpr r);
void wb_release_xmm(wb_ctx *c, x64_xmm x);

/* Pushes a HELD register as the new top entry of type `type` (ownership
 * passes to the stack). */
static inline void wb_push_gpr(wb_ctx *c, uint8_t type, x64_gpr r);
static inline void wb_push_xmm(wb_ctx *c, uint8_t type, x64_xmm x);
/* Pushes a constant (encoding of .k above: i32 sign-extended, f32/f64 raw
 * bits, references 0). */
static inline void wb_push_const(wb_ctx *c, uint8_t type, int64_t k);
/* Pushes an i32 that is 1 when the flags just set satisfy cc, else 0.
 * The driver materializes it (setcc) before the next instruction unless
 * that instruction consumes it directly (br_if, if, select, i32.eqz), so
 * a handler must push it last, after emitting the flag-setting compare. */
void wb_push_cond(wb_ctx *c, x64_cc cc);
/* If the top entry is a pending condition, turns it into a register. */
void wb_materialize_cond(wb_ctx *c);
/* Pops an i32 condition for a branch or cmov: returns the cc that is true
 * when the value is non-zero, after emitting the test if needed (a pending
 * condition needs none). The flags hold it until the next instruction that
 * changes them; the pops and allocations above keep them. */
x64_cc wb_pop_cc(wb_ctx *c);

/* Entry at depth d (0 = top), read-only. */
static inline const wb_vsval *wb_peek(const wb_ctx *c, uint32_t d)
{
    return &c->vs[c->nvs - 1 - d];
}
/* True, with the value in *k, if the entry at depth d is a constant. */
static inline bool wb_peek_const(const wb_ctx *c, uint32_t d, int64_t *k)
{
    const wb_vsval *e;
    if (d >= c->nvs)
        return false;
    e = wb_peek(c, d);
    if (e->loc != WB_LOC_CONST)
        return false;
    *k = e->k;
    return true;
}
/* True, with the value in *imm, if the entry at depth d is an integer
 * constant usable as a sign-extended imm32 of an operation of its type
 * (every i32 constant; i64 constants in [-2^31, 2^31)). */
static inline bool wb_peek_imm32(const wb_ctx *c, uint32_t d, int32_t *imm)
{
    const wb_vsval *e;
    if (d >= c->nvs)
        return false;
    e = wb_peek(c, d);
    if (e->loc != WB_LOC_CONST || (e->type != WB_I32 && e->type != WB_I64))
        return false;
    if (e->type == WB_I64 && (e->k < INT32_MIN || e->k > INT32_MAX))
        return false;
    *imm = (int32_t)e->k;
    return true;
}
/* Discards the top n entries, freeing their registers. */
static inline void wb_drop(wb_ctx *c, uint32_t n);

/* Stores every register and condition entry to its slot (constants stay),
 * as needed before a call: afterwards no allocatable register holds a
 * stack value. HELD registers are untouched. */
void wb_spill_regs(wb_ctx *c);
/* Stores every entry (constants too) to its canonical slot: the state of
 * a merge point. */
void wb_spill_all(wb_ctx *c);
/* Frame operand of value-stack position i (0 = bottom). */
static inline x64_mem wb_slot_mem(const wb_ctx *c, uint32_t i)
{
    return x64_mem_bd(X64_RBP, -(int32_t)(c->spill_base + 8 * (int32_t)(i + 1)));
}
/* Frame operand of local i. */
static inline x64_mem wb_local_mem(const wb_ctx *c, uint32_t i)
{
    return x64_mem_bd(X64_RBP, c->local_offsets[i]);
}
/* Stores entry e (any location) to memory operand dst, using r11/xmm15 if
 * needed; e is not changed. Writes 8 bytes for GPR types and f64, 4 for f32. */
void wb_store_val(wb_ctx *c, const wb_vsval *e, x64_mem dst);
/* Loads bits into dst (xorps for 0, else through r11). */
void wb_xmm_const(wb_ctx *c, x64_xmm dst, uint64_t bits);

/* -- Traps -- */

/* jcc to an out-of-line `ud2` trap site of `kind` (WB_ERR_TRAP_*) at the
 * current wasm offset. */
void wb_trap_if(wb_ctx *c, x64_cc cc, wb_err kind);
/* ud2 here, as a trap site of `kind`. */
void wb_trap_now(wb_ctx *c, wb_err kind);
/* Records the next instruction to be emitted (at the current code offset)
 * as a trap site of `kind`: for memory accesses that may fault. */
void wb_trap_site_here(wb_ctx *c, wb_err kind);

/* -- Calls out of the function (base_stack.c) -- */

/* Calls runtime builtin `id` (SysV ABI). Before the call the arguments
 * after the vmctx must be in rsi, rdx, rcx, r8, r9 (in that order) as HELD
 * registers (wb_pop_gpr_to, or wb_claim_gpr + mov); rdi must not be HELD.
 * Spills the stack's registers, sets rdi = vmctx, stores rbp to
 * vmctx->exit_fp, calls through vmctx->builtins and records a call site.
 * Afterwards every HELD register is released (clobbered); a result is in
 * rax: wb_claim_gpr(c, X64_RAX) then push it. */
void wb_call_builtin(wb_ctx *c, wb_builtin id);
/* Records a call site whose return address is the current code offset,
 * with the stack map of the current frame (externref locals and slots). */
void wb_record_call_site(wb_ctx *c);
/* A check's slow path out of line: `jcc cc, stub` here (not taken on the
 * fast path, which falls through), and after the function body `stub:
 * call builtin id; jmp back`, a call site with the stack map of this
 * point. For checks where no register holds a stack value (loop headers,
 * function entry, block ends): the builtin clobbers every register. */
void wb_call_builtin_cold(wb_ctx *c, x64_cc cc, wb_builtin id);
/* Emits the pending out-of-line builtin calls (after the epilogue). */
void wb_emit_slow_calls(wb_ctx *c);

/* -- Driver hooks used by the families (compile.c / base_stack.c) -- */

/* Resets the register state and value stack for a new function. */
void wb_stack_reset(wb_ctx *c);
/* Releases every HELD register (after each instruction). */
static inline void wb_release_held(wb_ctx *c)
{
    c->gpr_held = c->xmm_held = 0;
}
/* Pushes n entries of the given types as slot entries (block params and
 * results at a merge point). */
void wb_push_slots(wb_ctx *c, uint32_t n, const uint8_t *types);
/* Emits the pending out-of-line trap stubs (after the epilogue). */
void wb_emit_trap_stubs(wb_ctx *c);
/* Drops entries down to height h. */
void wb_truncate(wb_ctx *c, uint32_t h);

/* Copies the top n entries into the canonical slots of positions
 * to .. to+n-1 (to <= nvs - n) without changing the abstract stack: the
 * moves of a branch. */
void wb_move_to_slots(wb_ctx *c, uint32_t n, uint32_t to);

/* -- Opcode families: each compiles one instruction of its family --
 *
 * Which family owns which opcode (wasm/opcodes.def order):
 *   control  UNREACHABLE..CALL_INDIRECT (0x00-0x11), RETURN
 *   var      DROP, SELECT, SELECT_T, LOCAL_*, GLOBAL_*, I32/I64/F32/F64_CONST
 *   mem      I32_LOAD..I64_STORE32, MEMORY_SIZE, MEMORY_GROW,
 *            MEMORY_INIT, DATA_DROP, MEMORY_COPY, MEMORY_FILL
 *   int      I32_EQZ..I64_GE_U, I32_CLZ..I64_ROTR, I32_EXTEND8_S..I64_EXTEND32_S
 *   float    F32_EQ..F64_GE (comparisons), F32_ABS..F64_COPYSIGN
 *   conv     I32_WRAP_I64..F64_REINTERPRET_I64 (0xa7-0xbf),
 *            I32_TRUNC_SAT_F32_S..I64_TRUNC_SAT_F64_U (0xfc 0-7)
 *   ref      TABLE_GET, TABLE_SET, REF_NULL, REF_IS_NULL, REF_FUNC,
 *            TABLE_INIT, ELEM_DROP, TABLE_COPY, TABLE_GROW, TABLE_SIZE, TABLE_FILL
 * A handler returns WB_OK, or an error for an opcode it does not handle
 * (WB_ERR_INTERNAL via wb_fail). Code is emitted into c->b; the current
 * instruction's module offset is c->wasm_offset. */
wb_err wb_emit_control(wb_ctx *c, const wb_instr *in);
wb_err wb_emit_var(wb_ctx *c, const wb_instr *in);
wb_err wb_emit_mem(wb_ctx *c, const wb_instr *in);
wb_err wb_emit_int(wb_ctx *c, const wb_instr *in);
wb_err wb_emit_float(wb_ctx *c, const wb_instr *in);
wb_err wb_emit_conv(wb_ctx *c, const wb_instr *in);
wb_err wb_emit_ref(wb_ctx *c, const wb_instr *in);

/* base_ref.c: an externref enters wasm code (global.get, table.get), so it
 * is cloned into the store's activations table (deferred reference
 * counting, jit.h's wb_vm_externrefs): count + 1 and a bump-allocated
 * entry inline, the EXTERNREF_ENTER builtin when the table is full (it may
 * collect: the call site's stack map describes the frame). Expects the
 * reference in RSI, HELD, and every stack entry spilled (wb_spill_regs);
 * claims RAX and RDX. Leaves the reference (0 if it was stale) in RSI,
 * HELD; RAX and RDX are free again. */
void wb_emit_externref_enter(wb_ctx *c);

/* base_control.c: the function-level control frame and the end of a body. */
wb_err wb_control_begin(wb_ctx *c);
/* Emits `return` (results to the caller's area, epilogue). */
void wb_emit_return(wb_ctx *c);
/* With epoch interruption on: compares the engine epoch with the deadline
 * and calls the EPOCH_SLOW builtin when reached (loop headers; the stack
 * must hold no registers that matter, as there). */
void wb_epoch_check(wb_ctx *c);
/* The same at function entry, after loading r12 and r13 (jit.h) if the
 * function can be entered from outside the module's code. */
void wb_epoch_entry(wb_ctx *c);
/* With fuel on: closes the current fuel region (patching its charge) and
 * opens one here: `sub [vmctx+fuel], cost; jns ok; call FUEL_SLOW`. Called
 * where straight-line code starts (function entry, loop headers, block
 * ends, else), where the stack is all in slots. */
void wb_fuel_region(wb_ctx *c);
/* Closes the open fuel region (end of function). */
void wb_fuel_close(wb_ctx *c);

/* -- The driver (compile.c) -- */

/* wb_jit_compile into the caller's empty buffer b, whose limit and
 * coverage set (x64_enc.h) apply: the tests record there every
 * instruction form the compiler emits. The artifact takes the code; b is
 * left empty (x64_buf_reset) but keeps its other storage, so it can be
 * reused; the caller frees it. */
wb_err wb_jit_compile_buf(const wb_module *m, const wb_tunables *t, x64_buf *b,
                          wb_artifact **out, wb_diag *d);

/* -- Unwind info (eh_frame.c) -- */

/* Appends to b, at its current (8-aligned) end, one .eh_frame table: one
 * CIE and one FDE for each function [offs[i], offs[i+1]) of the prologue
 * every function starts with (push rbp; mov rbp, rsp), then a zero
 * terminator. epi[i] is the code offset of function i's epilogue (its one
 * epilogue; remember/restore state around it), or 0 for none. All
 * addresses are pc-relative. */
void wb_eh_frame_emit(x64_buf *b, uint32_t nfuncs, const uint32_t *offs,
                      const uint32_t *epi);

/* -- Small growable arrays -- */

/* Makes room for one more element of `size` bytes in *arr (n used, *cap
 * allocated); returns a pointer to the new element (zeroed) or NULL when
 * out of memory. *n is incremented. */
void *wb_vec_push(void **arr, uint32_t *n, uint32_t *cap, size_t size);

/* -- Inline fast paths of the value-stack API --
 *
 * The calls made for nearly every instruction, inline; their uncommon
 * cases are the *_slow functions of base_stack.c. The register state (the
 * masks and owner arrays of wb_ctx) changes only through the wb_rs_*
 * helpers, which keep them in step. */

static inline void wb_rs_gpr_free(wb_ctx *c, unsigned r)
{
    c->gpr_held &= (uint16_t)~(1u << r);
    c->gpr_used &= (uint16_t)~(1u << r);
}
static inline void wb_rs_gpr_hold(wb_ctx *c, unsigned r)
{
    c->gpr_held |= (uint16_t)(1u << r);
    c->gpr_used &= (uint16_t)~(1u << r);
}
static inline void wb_rs_gpr_own(wb_ctx *c, unsigned r, uint32_t idx)
{
    c->gpr_owner[r] = (int32_t)idx;
    c->gpr_used |= (uint16_t)(1u << r);
    c->gpr_held &= (uint16_t)~(1u << r);
}
static inline void wb_rs_xmm_free(wb_ctx *c, unsigned r)
{
    c->xmm_held &= (uint16_t)~(1u << r);
    c->xmm_used &= (uint16_t)~(1u << r);
}
static inline void wb_rs_xmm_hold(wb_ctx *c, unsigned r)
{
    c->xmm_held |= (uint16_t)(1u << r);
    c->xmm_used &= (uint16_t)~(1u << r);
}
static inline void wb_rs_xmm_own(wb_ctx *c, unsigned r, uint32_t idx)
{
    c->xmm_owner[r] = (int32_t)idx;
    c->xmm_used |= (uint16_t)(1u << r);
    c->xmm_held &= (uint16_t)~(1u << r);
}

/* GPR allocation order, one register number per nibble, first in the
 * lowest: rbx r12 r13 r10 r9 r8 rax rdi rsi rdx rcx. Registers with a
 * fixed role in some instruction (rcx: shift counts, rdx/rax: division,
 * rdi/rsi: builtin arguments) come last so that claiming them rarely has
 * to move anything. */
#define WB_GPR_ORDER 0x1267089ADC3ull

/* The first free allocatable GPR in allocation order, or -1. */
static inline int wb_rs_free_gpr(const wb_ctx *c)
{
    unsigned f = WB_ALLOC_GPRS & ~(unsigned)(c->gpr_held | c->gpr_used | c->gpr_reserved);
    uint64_t o = WB_GPR_ORDER;
    if (__builtin_expect(f == 0, 0))
        return -1;
    while (!((f >> (o & 15)) & 1))
        o >>= 4;
    return (int)(o & 15);
}
static inline int wb_rs_free_xmm(const wb_ctx *c)
{
    unsigned f = WB_ALLOC_XMMS & ~(unsigned)(c->xmm_held | c->xmm_used);
    return f ? __builtin_ctz(f) : -1;
}

wb_vsval *wb_push_entry_slow(wb_ctx *c, uint8_t type, uint8_t loc);
x64_gpr wb_pop_gpr_slow(wb_ctx *c);
x64_xmm wb_pop_xmm_slow(wb_ctx *c);
x64_gpr wb_alloc_gpr_slow(wb_ctx *c);
x64_xmm wb_alloc_xmm_slow(wb_ctx *c);
void wb_push_reg_fail(wb_ctx *c);

/* A new top entry with only type and loc set (NULL when out of memory,
 * error recorded). */
static inline wb_vsval *wb_push_entry(wb_ctx *c, uint8_t type, uint8_t loc)
{
    wb_vsval *e;
    if (__builtin_expect(c->nvs == c->cap_vs, 0))
        return wb_push_entry_slow(c, type, loc);
    e = &c->vs[c->nvs++];
    e->type = type;
    e->loc = loc;
    if (c->nvs > c->max_vs)
        c->max_vs = c->nvs;
    return e;
}

/* Removes the top entry (its register, if any, becomes FREE). */
static inline void wb_pop_entry(wb_ctx *c)
{
    const wb_vsval *e = &c->vs[c->nvs - 1];
    if (e->loc == WB_LOC_REG) {
        if (wb_type_is_float(e->type))
            wb_rs_xmm_free(c, e->reg);
        else
            wb_rs_gpr_free(c, e->reg);
    }
    c->nvs--;
    if (c->nspilled > c->nvs)
        c->nspilled = c->nvs;
}

static inline x64_gpr wb_pop_gpr(wb_ctx *c)
{
    const wb_vsval *e;
    if (__builtin_expect(c->nvs == 0, 0))
        return wb_pop_gpr_slow(c);
    e = &c->vs[c->nvs - 1];
    if (e->loc != WB_LOC_REG)
        return wb_pop_gpr_slow(c);
    c->nvs--;
    if (c->nspilled > c->nvs)
        c->nspilled = c->nvs;
    wb_rs_gpr_hold(c, e->reg);
    return (x64_gpr)e->reg;
}

static inline x64_xmm wb_pop_xmm(wb_ctx *c)
{
    const wb_vsval *e;
    if (__builtin_expect(c->nvs == 0, 0))
        return wb_pop_xmm_slow(c);
    e = &c->vs[c->nvs - 1];
    if (e->loc != WB_LOC_REG)
        return wb_pop_xmm_slow(c);
    c->nvs--;
    if (c->nspilled > c->nvs)
        c->nspilled = c->nvs;
    wb_rs_xmm_hold(c, e->reg);
    return (x64_xmm)e->reg;
}

static inline x64_gpr wb_alloc_gpr(wb_ctx *c)
{
    int r = wb_rs_free_gpr(c);
    if (__builtin_expect(r < 0, 0))
        return wb_alloc_gpr_slow(c);
    wb_rs_gpr_hold(c, (unsigned)r);
    return (x64_gpr)r;
}

static inline x64_xmm wb_alloc_xmm(wb_ctx *c)
{
    int r = wb_rs_free_xmm(c);
    if (__builtin_expect(r < 0, 0))
        return wb_alloc_xmm_slow(c);
    wb_rs_xmm_hold(c, (unsigned)r);
    return (x64_xmm)r;
}

static inline void wb_push_gpr(wb_ctx *c, uint8_t type, x64_gpr r)
{
    wb_vsval *e;
    if (__builtin_expect((unsigned)r >= 16 || !((c->gpr_held >> r) & 1), 0)) {
        wb_push_reg_fail(c);
        return;
    }
    if (!(e = wb_push_entry(c, type, WB_LOC_REG)))
        return;
    e->reg = (uint8_t)r;
    wb_rs_gpr_own(c, r, c->nvs - 1);
}

static inline void wb_push_xmm(wb_ctx *c, uint8_t type, x64_xmm x)
{
    wb_vsval *e;
    if (__builtin_expect((unsigned)x >= 16 || !((c->xmm_held >> x) & 1), 0)) {
        wb_push_reg_fail(c);
        return;
    }
    if (!(e = wb_push_entry(c, type, WB_LOC_REG)))
        return;
    e->reg = (uint8_t)x;
    wb_rs_xmm_own(c, x, c->nvs - 1);
}

static inline void wb_push_const(wb_ctx *c, uint8_t type, int64_t k)
{
    wb_vsval *e = wb_push_entry(c, type, WB_LOC_CONST);
    if (e)
        e->k = k;
}

static inline void wb_drop(wb_ctx *c, uint32_t n)
{
    while (n-- && c->nvs)
        wb_pop_entry(c);
}

#endif

/* compile.c — the baseline compiler's driver: compiles every defined
 * function of a validated module into one position-independent code blob
 * and assembles the artifact (function offsets, trap sites, call sites and
 * stack maps, .eh_frame); plus the artifact lookups and the tunables.
 *
 *   wb_jit_compile
 *     for each defined function ──► prologue (frame, stack check, r14,
 *        zeroed locals, epoch check)
 *        ──► for each instruction (wb_read_instr): skip dead code, or
 *            dispatch to its opcode family (base_*.c), which pops/pushes
 *            the abstract value stack (base_stack.c) and emits x86-64
 *        ──► epilogue, out-of-line trap stubs, frame size patched in
 *     ──► [code][pad][.eh_frame] + sorted trap/call tables ──► wb_artifact
 */
#include <cpuid.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "jit/jit_int.h"

/* -- Tunables -- */

void wb_tunables_default(wb_tunables *t)
{
    memset(t, 0, sizeof *t);
    t->opt_level = 2;
    t->memory_reservation = 1ull << 32;
    t->memory_guard = 1ull << 32;
    t->epoch_interruption = false;
    t->fuel = false;
    t->max_wasm_stack = 512u * 1024u;
    t->debug_info = false;
    t->cpu_features = wb_cpu_detect();
}

/* -- CPU features -- */

uint32_t wb_cpu_detect(void)
{
    unsigned a, b, c, d;
    uint32_t f = 0;
    if (__get_cpuid(1, &a, &b, &c, &d)) {
        f |= ((c >> 23) & 1) ? WB_CPU_POPCNT : 0;
        f |= ((c >> 19) & 1) ? WB_CPU_SSE41 : 0;
    }
    if (__get_cpuid(0x80000001u, &a, &b, &c, &d))
        f |= ((c >> 5) & 1) ? WB_CPU_LZCNT : 0;
    if (__get_cpuid_max(0, NULL) >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        f |= ((b >> 3) & 1) ? WB_CPU_BMI1 : 0;
    }
    return f;
}

/* The features the code may use: what the tunables allow. (A cache entry
 * compiled for other features has another key, so no run-time check of
 * the CPU is needed here.) */
static void cpu_from_tunables(wb_cpu *cpu, uint32_t f)
{
    memset(cpu, 0, sizeof *cpu);
    cpu->popcnt = (f & WB_CPU_POPCNT) != 0;
    cpu->lzcnt = (f & WB_CPU_LZCNT) != 0;
    cpu->bmi1 = (f & WB_CPU_BMI1) != 0;
    cpu->sse41 = (f & WB_CPU_SSE41) != 0;
}

/* -- Dispatch -- */

/* Opcode families, in the order the dispatch tests them (most frequent
 * first in compiled code). */
typedef enum family {
    FAM_NONE, FAM_VAR, FAM_INT, FAM_CONTROL, FAM_MEM, FAM_CONV, FAM_FLOAT, FAM_REF,
} family;

static family family_of(uint16_t op)
{
    const wb_opinfo *oi = &wb_opinfo_table[op];
    if (oi->prefix == 0xfd)
        return FAM_NONE; /* SIMD: not in the baseline */
    if (op <= WB_OP_CALL_INDIRECT || op == WB_OP_RETURN)
        return FAM_CONTROL;
    switch ((wb_opcode)op) {
    case WB_OP_DROP: case WB_OP_SELECT: case WB_OP_SELECT_T:
    case WB_OP_LOCAL_GET: case WB_OP_LOCAL_SET: case WB_OP_LOCAL_TEE:
    case WB_OP_GLOBAL_GET: case WB_OP_GLOBAL_SET:
    case WB_OP_I32_CONST: case WB_OP_I64_CONST: case WB_OP_F32_CONST: case WB_OP_F64_CONST:
        return FAM_VAR;
    case WB_OP_MEMORY_SIZE: case WB_OP_MEMORY_GROW: case WB_OP_MEMORY_INIT:
    case WB_OP_DATA_DROP: case WB_OP_MEMORY_COPY: case WB_OP_MEMORY_FILL:
        return FAM_MEM;
    case WB_OP_TABLE_GET: case WB_OP_TABLE_SET: case WB_OP_REF_NULL: case WB_OP_REF_IS_NULL:
    case WB_OP_REF_FUNC: case WB_OP_TABLE_INIT: case WB_OP_ELEM_DROP: case WB_OP_TABLE_COPY:
    case WB_OP_TABLE_GROW: case WB_OP_TABLE_SIZE: case WB_OP_TABLE_FILL:
        return FAM_REF;
    default:
        break;
    }
    if (op >= WB_OP_I32_LOAD && op <= WB_OP_I64_STORE32)
        return FAM_MEM;
    if ((op >= WB_OP_I32_EQZ && op <= WB_OP_I64_GE_U) ||
        (op >= WB_OP_I32_CLZ && op <= WB_OP_I64_ROTR) ||
        (op >= WB_OP_I32_EXTEND8_S && op <= WB_OP_I64_EXTEND32_S))
        return FAM_INT;
    if ((op >= WB_OP_F32_EQ && op <= WB_OP_F64_GE) ||
        (op >= WB_OP_F32_ABS && op <= WB_OP_F64_COPYSIGN))
        return FAM_FLOAT;
    if ((op >= WB_OP_I32_WRAP_I64 && op <= WB_OP_F64_REINTERPRET_I64) ||
        (op >= WB_OP_I32_TRUNC_SAT_F32_S && op <= WB_OP_I64_TRUNC_SAT_F64_U))
        return FAM_CONV;
    return FAM_NONE;
}

/* Instructions that consume a pending condition (wb_push_cond) directly. */
static bool takes_cond(uint16_t op)
{
    return op == WB_OP_BR_IF || op == WB_OP_IF || op == WB_OP_SELECT ||
           op == WB_OP_SELECT_T || op == WB_OP_I32_EQZ;
}

/* Instructions that cost no fuel: they compile to no work of their own. */
static bool free_of_fuel(uint16_t op)
{
    return op == WB_OP_NOP || op == WB_OP_DROP || op == WB_OP_BLOCK || op == WB_OP_LOOP ||
           op == WB_OP_END || op == WB_OP_ELSE;
}

/* How the fast reader decodes the immediates of a one-byte opcode. */
typedef enum decode {
    DEC_SLOW,       /* anything else: wb_read_instr */
    DEC_INDEX,      /* u32: local, global, label, function, table */
    DEC_NONE,
    DEC_S32,        /* i32.const */
    DEC_MEM,        /* memarg: align, offset */
    DEC_BLOCK,      /* block type: empty or a value type (an index: slow) */
    DEC_S64,        /* i64.const */
    DEC_F32,
    DEC_F64,
    DEC_ZERO,       /* memory.size/grow: a zero byte */
} decode;

static decode decode_of(uint8_t imm)
{
    switch ((wb_imm_kind)imm) {
    case WB_IMM_LABEL: case WB_IMM_FUNC: case WB_IMM_LOCAL: case WB_IMM_GLOBAL:
    case WB_IMM_TABLE:
        return DEC_INDEX;
    case WB_IMM_NONE: return DEC_NONE;
    case WB_IMM_I32CONST: return DEC_S32;
    case WB_IMM_I64CONST: return DEC_S64;
    case WB_IMM_F32CONST: return DEC_F32;
    case WB_IMM_F64CONST: return DEC_F64;
    case WB_IMM_MEM8: case WB_IMM_MEM16: case WB_IMM_MEM32: case WB_IMM_MEM64:
        return DEC_MEM;
    case WB_IMM_BLOCKTYPE: return DEC_BLOCK;
    case WB_IMM_MEMIDX: return DEC_ZERO;
    default: return DEC_SLOW;
    }
}

/* The per-opcode facts above as tables, built once per wb_jit_compile
 * (on its stack) so that the loop over instructions does one lookup. */
enum { OPF_TAKES_COND = 1, OPF_NO_FUEL = 2, OPF_VAR_FAST = 4 };

/* family and decode are one-hot (1 << value) so that the tests below
 * stay conditional branches: as equality tests gcc turns them into a jump
 * table, an indirect jump per instruction, which predictors do badly on. */
typedef struct opfacts {
    uint8_t family;     /* 1 << family */
    uint8_t flags;      /* OPF_* */
    uint16_t decode;    /* 1 << decode (one-byte opcodes) */
    uint16_t op;        /* wb_opcode (one-byte opcodes) */
} opfacts;
#define BIT(x) (1u << (x))

typedef struct driver {
    opfacts ops[WB_OP__COUNT];
    opfacts byte[256];  /* by first byte; .op = WB_OP__COUNT: not one-byte */
} driver;

static void driver_init(driver *dv)
{
    for (unsigned i = 0; i < 256; i++)
        dv->byte[i] = (opfacts){ .family = BIT(FAM_NONE), .decode = BIT(DEC_SLOW),
                                 .op = WB_OP__COUNT };
    for (unsigned op = 0; op < WB_OP__COUNT; op++) {
        const wb_opinfo *oi = &wb_opinfo_table[op];
        opfacts *f = &dv->ops[op];
        f->family = (uint8_t)BIT(family_of((uint16_t)op));
        f->flags = (uint8_t)((takes_cond((uint16_t)op) ? OPF_TAKES_COND : 0) |
                             (free_of_fuel((uint16_t)op) ? OPF_NO_FUEL : 0) |
                             (op == WB_OP_LOCAL_GET || op == WB_OP_LOCAL_SET ||
                              op == WB_OP_I32_CONST ? OPF_VAR_FAST : 0));
        f->decode = (uint16_t)BIT(decode_of(oi->imm));
        f->op = (uint16_t)op;
        if (oi->prefix == 0 && oi->code < 256)
            dv->byte[oi->code] = *f;
    }
}

/* One instruction to its family (fam: 1 << family). Tests rather than a
 * table of function pointers: an indirect call per instruction is a
 * branch predictors do badly on; these conditional ones they learn. */
static inline wb_err dispatch(wb_ctx *c, unsigned fam, const wb_instr *in)
{
    if (fam & BIT(FAM_VAR))
        return wb_emit_var(c, in);
    if (fam & BIT(FAM_INT))
        return wb_emit_int(c, in);
    if (fam & BIT(FAM_CONTROL))
        return wb_emit_control(c, in);
    if (fam & BIT(FAM_MEM))
        return wb_emit_mem(c, in);
    if (fam & BIT(FAM_CONV))
        return wb_emit_conv(c, in);
    if (fam & BIT(FAM_FLOAT))
        return wb_emit_float(c, in);
    return wb_emit_ref(c, in);
}

/* The commonest instructions in their commonest cases, inline in the
 * driver's loop (false: not such a case, wb_emit_var compiles it): an
 * i32.const, an integer local.get, a local.set of an integer register or
 * of a constant. */
static inline bool var_fast(wb_ctx *c, const wb_instr *in)
{
    if (in->op == WB_OP_I32_CONST) {
        wb_push_const(c, WB_I32, in->u.i32);
        return true;
    }
    if (in->op == WB_OP_LOCAL_GET) {
        uint8_t t = c->local_types[in->u.index];
        x64_gpr r;
        if (wb_type_is_float(t))
            return false;
        r = wb_alloc_gpr(c);
        x64_rm(c->b, X64_MOV, wb_type_size(t), r, wb_local_mem(c, in->u.index));
        wb_push_gpr(c, t, r);
        return true;
    }
    /* local.set: as wb_store_val, for a register or an imm32 constant */
    if (c->nvs) {
        const wb_vsval *e = &c->vs[c->nvs - 1];
        if (e->loc == WB_LOC_REG && !wb_type_is_float(e->type)) {
            x64_mr(c->b, X64_MOV, X64_64, wb_local_mem(c, in->u.index), (x64_gpr)e->reg);
            wb_pop_entry(c);
            return true;
        }
        if (e->loc == WB_LOC_CONST && e->type != WB_F32 && e->k >= INT32_MIN &&
            e->k <= INT32_MAX) {
            x64_mi(c->b, X64_MOV, X64_64, wb_local_mem(c, in->u.index), e->k);
            wb_pop_entry(c);
            return true;
        }
    }
    return false;
}

/* -- Reading a validated body --
 *
 * The validator has read every body with wb_read_instr, so the encodings
 * are known well formed. The common one-byte instructions are decoded
 * here without the reader's checks (anything else goes through
 * wb_read_instr); fast_end, READ_MARGIN bytes before the end of the
 * module, keeps even a malformed body from making them read outside the
 * module's bytes. */
enum { READ_MARGIN = 24 };

static inline uint32_t leb_u32(const uint8_t **pp)
{
    const uint8_t *p = *pp;
    uint32_t v = *p++;
    if (v >= 0x80) {
        unsigned sh = 7;
        uint32_t b;
        v &= 0x7f;
        do {
            b = *p++;
            v |= (b & 0x7f) << sh;
            sh += 7;
        } while ((b & 0x80) && sh < 35);
    }
    *pp = p;
    return v;
}

static inline int64_t leb_s64(const uint8_t **pp)
{
    const uint8_t *p = *pp;
    uint64_t v = 0;
    unsigned sh = 0;
    uint8_t b;
    do {
        b = *p++;
        v |= (uint64_t)(b & 0x7f) << sh;
        sh += 7;
    } while ((b & 0x80) && sh < 70);
    if (sh < 64 && (b & 0x40))
        v |= ~(uint64_t)0 << sh;
    *pp = p;
    return (int64_t)v;
}

static inline bool is_valtype_byte(uint8_t b)
{
    return (b >= WB_V128 && b <= WB_I32) || b == WB_FUNCREF || b == WB_EXTERNREF;
}

/* Reads the instruction at r->pos into *in; returns its facts, or NULL
 * with the error in *err. */
static inline const opfacts *next_instr(const driver *dv, wb_reader *r, size_t fast_end,
                                        wb_instr *in, wb_err *err, wb_diag *d)
{
    const uint8_t *p = r->base + r->pos;
    const opfacts *f;
    unsigned dec;

    if (__builtin_expect(r->pos >= fast_end, 0))
        goto slow;
    f = &dv->byte[*p];
    dec = f->decode;
    in->offset = (uint32_t)r->pos;
    in->op = f->op;
    p++;
    /* most frequent first (clang -O0 and -O1 output) */
    if (dec & BIT(DEC_INDEX)) {
        in->u.index = leb_u32(&p);
    } else if (dec & BIT(DEC_NONE)) {
    } else if (dec & BIT(DEC_S32)) {
        in->u.i32 = (int32_t)leb_s64(&p);
    } else if (dec & BIT(DEC_MEM)) {
        in->u.mem.align = leb_u32(&p);
        in->u.mem.offset = leb_u32(&p);
        in->u.mem.mem = 0;
        in->u.mem.lane = 0;
    } else if (dec & BIT(DEC_BLOCK)) {
        if (*p == 0x40) {
            in->u.block.kind = WB_BT_EMPTY;
        } else if (is_valtype_byte(*p)) {
            in->u.block.kind = WB_BT_VAL;
            in->u.block.valtype = *p;
        } else {
            goto slow;                      /* a type index */
        }
        p++;
    } else if (dec & BIT(DEC_S64)) {
        in->u.i64 = leb_s64(&p);
    } else if (dec & BIT(DEC_F32)) {
        memcpy(&in->u.f32, p, 4);
        p += 4;
    } else if (dec & BIT(DEC_F64)) {
        memcpy(&in->u.f64, p, 8);
        p += 8;
    } else if (dec & BIT(DEC_ZERO)) {
        in->u.index = 0;
        p++;
    } else {
        goto slow;
    }
    r->pos = (size_t)(p - r->base);
    return f;
slow:
    if ((*err = wb_read_instr(r, in, d)) != WB_OK)
        return NULL;
    return &dv->ops[in->op];
}

/* -- One function -- */

/* Grows the per-function local arrays to n entries (kept across
 * functions: only a function with more locals than any before allocates). */
static wb_err reserve_locals(wb_ctx *c, uint32_t n)
{
    uint32_t cap = c->cap_locals ? c->cap_locals : 64;
    uint8_t *t;
    int32_t *o, *r;

    if (n <= c->cap_locals)
        return WB_OK;
    while (cap < n)
        cap = cap > UINT32_MAX / 2 ? n : cap * 2;
    t = realloc(c->local_types, cap);
    if (t)
        c->local_types = t;
    o = realloc(c->local_offsets, sizeof *o * cap);
    if (o)
        c->local_offsets = o;
    r = realloc(c->ref_locals, sizeof *r * cap);
    if (r)
        c->ref_locals = r;
    if (!t || !o || !r)
        return wb_fail(c, WB_ERR_NOMEM, "locals");
    c->cap_locals = cap;
    return WB_OK;
}

static wb_err setup_locals(wb_ctx *c, const wb_code *code)
{
    const wb_functype *ft = c->type;
    uint32_t n = ft->nparams + code->nlocals, k = 0;
    int32_t off = 16;

    if ((uint64_t)ft->nparams + code->nlocals > UINT32_MAX)
        return wb_fail(c, WB_ERR_LIMIT_OPERANDS, "too many locals");
    if (reserve_locals(c, n) != WB_OK)
        return c->err;
    c->nref_locals = 0;
    for (uint32_t i = 0; i < ft->nparams; i++, k++) {
        c->local_types[k] = ft->types[i];
        c->local_offsets[k] = off;
        off += 8;
    }
    for (uint32_t g = 0; g < code->ngroups; g++)
        for (uint32_t j = 0; j < code->groups[g].count; j++, k++) {
            c->local_types[k] = code->groups[g].type;
            c->local_offsets[k] = -16 - 8 * (int32_t)(k - ft->nparams);
        }
    c->nlocals = n;
    for (uint32_t i = 0; i < n; i++) {
        if (c->local_types[i] == WB_V128)
            return wb_fail(c, WB_ERR_UNSUPPORTED, "v128 is not supported by the baseline compiler");
        if (c->local_types[i] == WB_EXTERNREF)
            c->ref_locals[c->nref_locals++] = c->local_offsets[i];
    }
    for (uint32_t i = 0; i < ft->nparams + ft->nresults; i++)
        if (ft->types[i] == WB_V128)
            return wb_fail(c, WB_ERR_UNSUPPORTED, "v128 is not supported by the baseline compiler");
    c->spill_base = 8 + 8 * (int32_t)code->nlocals;
    return WB_OK;
}

/*   push rbp; mov rbp, rsp; push r15        frame chain, vmctx at [rbp-8]
 *   sub rsp, FRAME-8                        patched at the end
 *   cmp rsp, [r15+stack_limit]; jb trap     "call stack exhausted"
 *   mov r14, [r15+mem_base]                 if the module has a memory
 *   zero the declared locals; epoch check */
static void prologue(wb_ctx *c, const wb_code *code)
{
    x64_buf *b = c->b;
    uint32_t n = code->nlocals;

    x64_r(b, X64_PUSH, X64_64, X64_RBP);
    x64_rr(b, X64_MOV, X64_64, X64_RBP, X64_RSP);
    x64_r(b, X64_PUSH, X64_64, WB_REG_VMCTX);
    x64_ri(b, X64_SUB, X64_64, X64_RSP, 0x7fffff00); /* imm32 form, patched */
    c->frame_patch = x64_pos(b) - 4;
    x64_rm(b, X64_CMP, X64_64, X64_RSP, x64_mem_bd(WB_REG_VMCTX, WB_VMCTX_STACK_LIMIT));
    wb_trap_if(c, X64_CC_B, WB_ERR_TRAP_STACK_EXHAUSTED);
    if (c->m->nmems)
        x64_rm(b, X64_MOV, X64_64, WB_REG_MEMBASE, x64_mem_bd(WB_REG_VMCTX, WB_VMCTX_MEM_BASE));
    if (n <= 8) {
        for (uint32_t k = 0; k < n; k++)
            x64_mi(b, X64_MOV, X64_64, x64_mem_bd(X64_RBP, -16 - 8 * (int32_t)k), 0);
    } else {
        /* rdi = lowest local; store 0 at [rdi + rcx*8 - 8] for rcx = n..1 */
        x64_label loop = x64_label_new(b);
        x64_rm(b, X64_LEA, X64_64, X64_RDI, x64_mem_bd(X64_RBP, -8 - 8 * (int32_t)n));
        x64_mov_imm(b, X64_32, X64_RCX, n);
        x64_mov_imm(b, X64_32, X64_RAX, 0);
        x64_label_bind(b, loop);
        x64_mr(b, X64_MOV, X64_64, x64_mem_bisd(X64_RDI, X64_RCX, 8, -8), X64_RAX);
        x64_ri(b, X64_SUB, X64_32, X64_RCX, 1);
        x64_jcc(b, X64_CC_NE, loop, X64_JAUTO);
    }
    wb_epoch_entry(c);
    wb_fuel_region(c);
}

static wb_err compile_body(wb_ctx *c, const driver *dv, const wb_code *code)
{
    wb_reader r = { .base = c->m->bytes, .pos = code->expr_offset,
                    .end = (size_t)code->offset + code->size, .section = "code" };
    size_t fast_end = c->m->size > READ_MARGIN ? c->m->size - READ_MARGIN : 0;
    wb_instr in;
    wb_err err = WB_OK;
    bool dead = false;          /* the innermost control frame's unreachable */
    uint32_t conds = c->nconds; /* wb_push_cond calls seen */

    if ((err = wb_control_begin(c)) != WB_OK)
        return err;
    /* Only control instructions change the control stack, and a pending
     * condition can only come from the instruction just compiled: both
     * are looked at again only when they may have changed. */
    while (c->nctrl > 0) {
        const opfacts *f;
        if (!(f = next_instr(dv, &r, fast_end, &in, &err, c->d)))
            return err;
        c->wasm_offset = in.offset;
        if (dead) {
            if (in.op == WB_OP_BLOCK || in.op == WB_OP_LOOP || in.op == WB_OP_IF) {
                c->dead_depth++;
                continue;
            }
            if ((in.op == WB_OP_ELSE || in.op == WB_OP_END) && c->dead_depth > 0) {
                if (in.op == WB_OP_END)
                    c->dead_depth--;
                continue;
            }
            if (in.op != WB_OP_ELSE && in.op != WB_OP_END)
                continue;
        }
        if (f->family & BIT(FAM_NONE))
            return wb_diag_setf(c->d, WB_ERR_INTERNAL, "code", in.offset,
                                "%s is not supported by the baseline compiler",
                                wb_opinfo_table[in.op].text);
        if (c->nconds != conds) {
            conds = c->nconds;
            if (!(f->flags & OPF_TAKES_COND) && c->nvs && c->vs[c->nvs - 1].loc == WB_LOC_COND)
                wb_materialize_cond(c);
        }
        if (!(f->flags & OPF_NO_FUEL))
            c->fuel_count++;
        if (!((f->flags & OPF_VAR_FAST) && var_fast(c, &in)) &&
            (err = dispatch(c, f->family, &in)) != WB_OK)
            return err;
        wb_release_held(c);
        if (c->err != WB_OK)
            return c->err;
        if ((f->family & BIT(FAM_CONTROL)) && c->nctrl > 0)
            dead = c->ctrl[c->nctrl - 1].unreachable;
    }
    return WB_OK;
}

static wb_err compile_function(wb_ctx *c, const driver *dv, uint32_t def)
{
    const wb_code *code = &c->m->codes[def];
    wb_err err;
    uint32_t frame;

    c->def_index = def;
    c->func_index = c->m->nfunc_imports + def;
    c->type = wb_func_type(c->m, c->func_index);
    c->out_area = 0;
    c->nctrl = 0;
    c->nstubs = 0;
    c->nslows = 0;
    c->func_start = x64_pos(c->b);
    c->wasm_offset = code->offset;
    c->ret_label = x64_label_new(c->b);
    c->fuel_patch = 0;
    c->fuel_count = 0;
    wb_stack_reset(c);
    if ((err = setup_locals(c, code)) != WB_OK)
        return err;

    prologue(c, code);
    if ((err = compile_body(c, dv, code)) != WB_OK)
        return err;
    wb_fuel_close(c);
    x64_label_bind(c->b, c->ret_label);
    c->epilogue = x64_pos(c->b);
    x64_rr(c->b, X64_MOV, X64_64, X64_RSP, X64_RBP); /* leave */
    x64_r(c->b, X64_POP, X64_64, X64_RBP);
    x64_ret(c->b);
    wb_emit_trap_stubs(c);
    wb_emit_slow_calls(c);

    frame = (uint32_t)c->spill_base + 8 * c->max_vs + c->out_area;
    if (frame > INT32_MAX - 16)
        return wb_fail(c, WB_ERR_LIMIT_OPERANDS, "frame too large");
    frame = (frame + 15) & ~15u;
    x64_patch_u32(c->b, c->frame_patch, frame - 8);
    return c->err;
}

/* -- The artifact -- */

/* Code reserved up front per byte of function bodies and per function:
 * the baseline emits about 2.1-2.7 bytes per body byte on clang -O0/-O1
 * output, and each function has a prologue, epilogue, padding and a
 * 40-byte .eh_frame entry. More is grown as needed; the rest is returned
 * when the code is taken. */
enum { CODE_PER_BYTE = 3, CODE_PER_FUNC = 96 };

/* A large code buffer is written once, front to back: with transparent
 * huge pages allowed (madvise mode), one fault maps 2 MiB instead of 4 KiB,
 * which saves most of the kernel's share of compiling a big module (page
 * faults and their zeroing, then the unmap). A hint: failure is harmless. */
static void advise_huge(const x64_buf *b)
{
    enum { HUGE = 2u << 20 };
    uintptr_t lo = ((uintptr_t)b->code + HUGE - 1) & ~(uintptr_t)(HUGE - 1);
    uintptr_t hi = ((uintptr_t)b->code + b->cap) & ~(uintptr_t)(HUGE - 1);
    if (b->code && hi > lo)
        madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
}

static int cmp_trap(const void *a, const void *b)
{
    const wb_trap_site *x = a, *y = b;
    return (x->code_offset > y->code_offset) - (x->code_offset < y->code_offset);
}

/* Trap sites are recorded in code order (a function's body, then its
 * out-of-line stubs after the epilogue, functions in order), so the table
 * is normally sorted already: sort only if it is not. */
static void sort_traps(wb_trap_site *t, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++)
        if (t[i - 1].code_offset > t[i].code_offset) {
            qsort(t, n, sizeof *t, cmp_trap);
            return;
        }
}

static void ctx_free(wb_ctx *c)
{
    free(c->func_labels);
    free(c->traps);
    free(c->calls);
    free(c->ref_slots);
    free(c->local_types);
    free(c->local_offsets);
    free(c->ref_locals);
    free(c->vs);
    free(c->ctrl);
    free(c->stubs);
    free(c->slows);
}

wb_err wb_jit_compile(const wb_module *m, const wb_tunables *t, wb_artifact **out,
                      wb_diag *d)
{
    x64_buf buf;
    wb_err err;

    x64_buf_init(&buf);
    err = wb_jit_compile_buf(m, t, &buf, out, d);
    x64_buf_free(&buf);
    return err;
}

wb_err wb_jit_compile_buf(const wb_module *m, const wb_tunables *t, x64_buf *b,
                          wb_artifact **out, wb_diag *d)
{
    wb_ctx c;
    driver dv;
    wb_artifact *a = NULL;
    uint32_t *offs = NULL, *epi = NULL, n = m->ncodes, len = 0;
    uint64_t body_bytes = 0;
    wb_err err = WB_OK;

    *out = NULL;
    memset(&c, 0, sizeof c);
    c.m = m;
    c.t = t;
    c.d = d;
    c.b = b;
    c.gpr_reserved = t->epoch_interruption ? WB_EPOCH_GPRS : 0;
    wb_vmlayout_compute(m, &c.layout);
    cpu_from_tunables(&c.cpu, t->cpu_features);
    driver_init(&dv);

    offs = calloc((size_t)n + 1, sizeof *offs);
    epi = calloc((size_t)n + 1, sizeof *epi);
    c.func_labels = calloc((size_t)n + 1, sizeof *c.func_labels);
    a = calloc(1, sizeof *a);
    if (!offs || !epi || !c.func_labels || !a) {
        err = wb_diag_set(d, WB_ERR_NOMEM, "code", 0);
        goto out;
    }
    /* One allocation for the code in the common case: room for
     * CODE_PER_BYTE bytes of code per body byte, plus the fixed cost of
     * each function (prologue, epilogue, alignment, .eh_frame entry). */
    for (uint32_t i = 0; i < n; i++)
        body_bytes += m->codes[i].size;
    body_bytes = body_bytes * CODE_PER_BYTE + (uint64_t)n * CODE_PER_FUNC + 4096;
    x64_buf_reserve(b, body_bytes < b->limit ? (uint32_t)body_bytes : b->limit);
    advise_huge(b);
    for (uint32_t i = 0; i < n; i++)
        c.func_labels[i] = x64_label_new(b);

    for (uint32_t i = 0; i < n; i++) {
        x64_align(b, 16);
        offs[i] = x64_pos(b);
        x64_label_bind(b, c.func_labels[i]);
        if ((err = compile_function(&c, &dv, i)) != WB_OK)
            goto out;
        epi[i] = c.epilogue;
    }
    offs[n] = x64_pos(b);
    x64_align(b, 8);
    a->eh_frame_offset = x64_pos(b);
    wb_eh_frame_emit(b, n, offs, epi);
    a->eh_frame_size = x64_pos(b) - a->eh_frame_offset;
    if ((err = x64_buf_finish(b, d)) != WB_OK)
        goto out;
    a->code = x64_buf_take(b, &len);
    if (!a->code) {
        err = wb_diag_set(d, WB_ERR_NOMEM, "code", 0);
        goto out;
    }
    a->code_size = len;

    sort_traps(c.traps, c.ntraps);
    a->nfuncs = n;
    a->func_offsets = offs;
    offs = NULL;
    a->ntraps = c.ntraps;
    a->traps = c.traps;
    c.traps = NULL;
    a->ncalls = c.ncalls;
    a->calls = c.calls;
    c.calls = NULL;
    a->nref_slots = c.nref_slots;
    a->ref_slots = c.ref_slots;
    c.ref_slots = NULL;
    a->tunables = *t;
    *out = a;
    a = NULL;
out:
    wb_artifact_free(a);
    free(offs);
    free(epi);
    ctx_free(&c);
    x64_buf_reset(b);
    return err;
}

void wb_artifact_free(wb_artifact *a)
{
    if (!a)
        return;
    free(a->code);
    free(a->func_offsets);
    free(a->traps);
    free(a->calls);
    free(a->ref_slots);
    free(a);
}

/* -- Lookups (binary search) -- */

const wb_trap_site *wb_artifact_trap_at(const wb_artifact *a, uint32_t code_offset)
{
    uint32_t lo = 0, hi = a->ntraps;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (a->traps[mid].code_offset < code_offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < a->ntraps && a->traps[lo].code_offset == code_offset ? &a->traps[lo] : NULL;
}

const wb_call_site *wb_artifact_call_at(const wb_artifact *a, uint32_t return_offset)
{
    uint32_t lo = 0, hi = a->ncalls;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (a->calls[mid].return_offset < return_offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < a->ncalls && a->calls[lo].return_offset == return_offset ? &a->calls[lo]
                                                                         : NULL;
}

int64_t wb_artifact_func_at(const wb_artifact *a, uint32_t code_offset)
{
    uint32_t lo = 0, hi = a->nfuncs;
    if (a->nfuncs == 0 || code_offset < a->func_offsets[0] ||
        code_offset >= a->func_offsets[a->nfuncs])
        return -1;
    /* last i with func_offsets[i] <= code_offset */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (a->func_offsets[mid] <= code_offset)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

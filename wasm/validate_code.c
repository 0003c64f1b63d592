/* validate_code.c — validation of function bodies: the operand and control
 * stacks of the spec's validation algorithm (its appendix), driven by the
 * opcode table; only the rows marked special are handled by hand.
 *
 *   bytes ─► fast path: the common instructions in their common encodings,
 *     │      checked against the top of the stack in one step (fast_step,
 *     │      fast_ctrl); anything unusual, including every error, falls through
 *     └────► wb_read_instr ─► generic row: check immediates, pop P3..P1, push R
 *                          └► special row: control, variables, calls, refs, ...
 *
 * The fast path decides nothing the exact path would decide differently:
 * it accepts only what the exact path accepts, and hands everything else
 * over from the instruction's first byte.
 *
 * Both stacks live on the heap (wb_vstate), bounded by WB_MAX_OPERANDS and
 * WB_MAX_NESTING, and nothing recurses, so no input can exhaust the C stack.
 * The operand stack is one byte per value: its type, or WB_VT_UNKNOWN for a
 * value the polymorphic stack of unreachable code left open. */
#include <stdlib.h>
#include <string.h>

#include "wasm/validate_int.h"

#define SEC "code"

/* Each value type at its own index, so that a block type of one result can
 * point at its type the way a function type points at its array. */
static const uint8_t vt_self[256] = {
    [WB_I32] = WB_I32, [WB_I64] = WB_I64, [WB_F32] = WB_F32, [WB_F64] = WB_F64,
    [WB_V128] = WB_V128, [WB_FUNCREF] = WB_FUNCREF, [WB_EXTERNREF] = WB_EXTERNREF,
};
static const uint8_t no_types[1];

/* One-byte opcodes by their byte (opcode + 1; 0 for an illegal byte), for
 * the validator's fast reader. Expanded from the one opcode table, the way
 * instr.c expands it; prefixed rows land above 255 and are not used. */
#define KEY(pfx, cd) ((pfx) == 0 ? (cd) : (pfx) == 0xfc ? 256 + (cd) : 512 + (cd))
static const uint16_t byte_ops[768] = {
#define WB_OP(id, pfx, cd, txt, im, p1, p2, p3, r) [KEY(pfx, cd)] = WB_OP_##id + 1,
#include "wasm/opcodes.def"
#undef WB_OP
};
#undef KEY

/* Stack effects of one-byte generic rows, packed for the fast path: the
 * top four operand types, read as one little-endian word (the top at bits
 * 24-31), must equal `pat` under `mask`; then `npop` are replaced by `res`
 * (0: none). The fast path takes rows without immediates and memory
 * accesses (`align1`: 1 + log2 of the access size). Every other byte,
 * illegal ones included, has the zero entry, fast = false. Expanded from
 * the one opcode table, so they cannot disagree with wb_opinfo_table. */
typedef struct fast_sig { uint32_t pat, mask; bool fast; uint8_t npop, res, align1; } fast_sig;
#define NO 0
#define SP WB_SPECIAL
#define I32 WB_I32
#define I64 WB_I64
#define F32 WB_F32
#define F64 WB_F64
#define V128 WB_V128
#define NPOP(p1, p2, p3) ((p3) ? 3 : (p2) ? 2 : (p1) ? 1 : 0)
#define PAT(p1, p2, p3) \
    ((p3) ? (uint32_t)(p1) << 8 | (uint32_t)(p2) << 16 | (uint32_t)(p3) << 24 \
     : (p2) ? (uint32_t)(p1) << 16 | (uint32_t)(p2) << 24 : (uint32_t)(p1) << 24)
#define MASK(p1, p2, p3) \
    ((p3) ? 0xffffff00u : (p2) ? 0xffff0000u : (p1) ? 0xff000000u : 0)
#define ALIGN1(im) \
    (WB_IMM_##im == WB_IMM_MEM8 ? 1 : WB_IMM_##im == WB_IMM_MEM16 ? 2 \
     : WB_IMM_##im == WB_IMM_MEM32 ? 3 : WB_IMM_##im == WB_IMM_MEM64 ? 4 : 0)
#define FAST(pfx, im, p1) \
    ((pfx) == 0 && (p1) != SP && (WB_IMM_##im == WB_IMM_NONE || ALIGN1(im) != 0))
#define KEY(pfx, cd) ((pfx) == 0 ? (cd) : (pfx) == 0xfc ? 256 + (cd) : 512 + (cd))
static const fast_sig fast_sigs[768] = {
#define WB_OP(id, pfx, cd, txt, im, p1, p2, p3, r) \
    [KEY(pfx, cd)] = { PAT(p1, p2, p3), MASK(p1, p2, p3), FAST(pfx, im, p1), \
                       NPOP(p1, p2, p3), r, ALIGN1(im) },
#include "wasm/opcodes.def"
#undef WB_OP
};
#undef KEY
#undef FAST
#undef ALIGN1
#undef MASK
#undef PAT
#undef NPOP
#undef NO
#undef SP
#undef I32
#undef I64
#undef F32
#undef F64
#undef V128

/* Immediate kinds that name something of the module or a lane, and so need
 * checking; the others (none, constants) are valid once read. */
static const bool imm_checked[WB_IMM_TABLECOPY + 1] = {
    [WB_IMM_TABLE] = true, [WB_IMM_MEMIDX] = true,
    [WB_IMM_MEM8] = true, [WB_IMM_MEM16] = true, [WB_IMM_MEM32] = true,
    [WB_IMM_MEM64] = true, [WB_IMM_MEM128] = true,
    [WB_IMM_MEMLANE8] = true, [WB_IMM_MEMLANE16] = true, [WB_IMM_MEMLANE32] = true,
    [WB_IMM_MEMLANE64] = true,
    [WB_IMM_SHUFFLE] = true,
    [WB_IMM_LANE2] = true, [WB_IMM_LANE4] = true, [WB_IMM_LANE8] = true,
    [WB_IMM_LANE16] = true,
    [WB_IMM_DATA] = true, [WB_IMM_ELEM] = true, [WB_IMM_MEMINIT] = true,
    [WB_IMM_MEMCOPY] = true, [WB_IMM_TABLEINIT] = true, [WB_IMM_TABLECOPY] = true,
};

/* The body being validated. */
typedef struct wb_vbody {
    wb_vstate *v;
    const wb_module *m;
    const wb_functype *ft;
    uint32_t nlocals;       /* params + declared locals */
    uint32_t ncached;       /* of them in v->local_cache */
    wb_reader r;
} wb_vbody;

static const char *type_name(uint8_t t)
{
    return t == WB_VT_UNKNOWN ? "unknown" : t == 0 ? "nothing" : wb_valtype_name(t);
}

static wb_err mismatch(const wb_vbody *b, const wb_instr *in)
{
    return wb_diag_setf(b->v->d, WB_ERR_TYPE_MISMATCH, SEC, in->offset, "%s",
                        wb_opinfo_table[in->op].text);
}

/* -- Stacks -- */

/* Bytes kept below the operand stack, so that the fast path can read the
 * top four entries with one load even when fewer are there (the bytes it
 * must not look at are masked off). */
#define VALS_PAD 4

void wb_vstate_free(wb_vstate *v)
{
    if (v->vals)
        free(v->vals - VALS_PAD);
    free(v->ctrls);
    free(v->locals);
    v->vals = NULL;
    v->ctrls = NULL;
    v->locals = NULL;
    v->vals_cap = v->ctrls_cap = v->locals_cap = 0;
}

/* Makes room for `need` more operands. Between instructions the stack
 * holds at most WB_MAX_OPERANDS values plus the one free slot every
 * instruction starts with, so growing past that is the limit error. */
static wb_err grow_vals(wb_vstate *v, uint32_t need, size_t at)
{
    uint64_t want = (uint64_t)v->nvals + need, cap = v->vals_cap ? v->vals_cap : 1024;
    uint8_t *p;

    if (want > (uint64_t)WB_MAX_OPERANDS + 1)
        return wb_diag_setf(v->d, WB_ERR_LIMIT_OPERANDS, SEC, at, "limit %u",
                            WB_MAX_OPERANDS);
    while (cap < want)
        cap *= 2;
    if (cap > (uint64_t)WB_MAX_OPERANDS + 1)
        cap = (uint64_t)WB_MAX_OPERANDS + 1;
    if (!(p = realloc(v->vals ? v->vals - VALS_PAD : NULL, cap + VALS_PAD)))
        return wb_diag_set(v->d, WB_ERR_NOMEM, SEC, at);
    if (!v->vals)
        memset(p, 0, VALS_PAD);
    v->vals = p + VALS_PAD;
    v->vals_cap = (uint32_t)cap;
    return WB_OK;
}

static inline wb_err reserve(wb_vstate *v, uint32_t need, size_t at)
{
    if (need <= v->vals_cap - v->nvals)
        return WB_OK;
    return grow_vals(v, need, at);
}

static inline wb_vctrl *top(wb_vstate *v)
{
    return &v->ctrls[v->nctrls - 1];
}

/* Pops `n` operands that must have `types` (the last one first). Returns
 * false on a mismatch. Below the frame's height, unreachable code pops
 * unknown values, which match anything. */
static bool pop_vals(wb_vstate *v, const uint8_t *types, uint32_t n)
{
    const wb_vctrl *c = top(v);

    while (n--) {
        uint8_t t;
        if (v->nvals == c->height)
            return c->unreachable;
        t = v->vals[--v->nvals];
        if (t != types[n] && t != WB_VT_UNKNOWN)
            return false;
    }
    return true;
}

/* Pops one operand of type `want`; false on a mismatch. */
static inline bool pop_val(wb_vstate *v, uint8_t want)
{
    return pop_vals(v, &vt_self[want], 1);
}

/* Pops one operand of any type into *t (WB_VT_UNKNOWN in unreachable code
 * below the frame); false when there is none. */
static inline bool pop_any(wb_vstate *v, uint8_t *t)
{
    const wb_vctrl *c = top(v);

    if (v->nvals == c->height) {
        *t = WB_VT_UNKNOWN;
        return c->unreachable;
    }
    *t = v->vals[--v->nvals];
    return true;
}

/* Whether the top operands could be popped as `types` (br_table checks
 * each target this way without changing the stack: popping and pushing
 * back what was popped would leave it as it is). */
static bool match_vals(const wb_vstate *v, const uint8_t *types, uint32_t n)
{
    const wb_vctrl *c = &v->ctrls[v->nctrls - 1];
    uint32_t avail = v->nvals - c->height;

    if (n > avail && !c->unreachable)
        return false;
    for (uint32_t i = 0; i < n && i < avail; i++) {
        uint8_t t = v->vals[v->nvals - 1 - i];
        if (t != types[n - 1 - i] && t != WB_VT_UNKNOWN)
            return false;
    }
    return true;
}

static wb_err push_vals(wb_vstate *v, const uint8_t *types, uint32_t n, uint32_t at)
{
    wb_err err;

    if (n == 0) /* types may then be NULL */
        return WB_OK;
    if ((err = reserve(v, n, at)) != WB_OK)
        return err;
    memcpy(v->vals + v->nvals, types, n);
    v->nvals += n;
    return WB_OK;
}

static inline wb_err push_val(wb_vstate *v, uint8_t t, uint32_t at)
{
    wb_err err = reserve(v, 1, at);

    if (err == WB_OK)
        v->vals[v->nvals++] = t;
    return err;
}

/* Opens a frame of `kind` whose params are already popped, and pushes the
 * params again inside it. */
static wb_err push_ctrl(wb_vstate *v, uint8_t kind, const uint8_t *types, uint32_t np,
                        uint32_t nr, uint32_t at)
{
    wb_vctrl *c;

    if (v->nctrls == v->ctrls_cap) {
        /* The function's own frame comes on top of WB_MAX_NESTING blocks. */
        uint32_t cap = v->ctrls_cap ? v->ctrls_cap * 2 : 64;
        wb_vctrl *p;
        if (v->nctrls > WB_MAX_NESTING)
            return wb_diag_setf(v->d, WB_ERR_LIMIT_NESTING, SEC, at, "limit %u",
                                WB_MAX_NESTING);
        if (cap > WB_MAX_NESTING + 1)
            cap = WB_MAX_NESTING + 1;
        if (!(p = realloc(v->ctrls, (size_t)cap * sizeof *p)))
            return wb_diag_set(v->d, WB_ERR_NOMEM, SEC, at);
        v->ctrls = p;
        v->ctrls_cap = cap;
    }
    c = &v->ctrls[v->nctrls++];
    c->types = types;
    c->nparams = np;
    c->nresults = nr;
    c->height = v->nvals;
    c->br_mark = 0;
    c->kind = kind;
    c->unreachable = false;
    return push_vals(v, types, np, at);
}

/* Checks that the top frame ends with exactly its results on the stack
 * (the caller then drops the frame). */
static bool end_frame(wb_vstate *v)
{
    const wb_vctrl *c = top(v);

    return pop_vals(v, c->types + c->nparams, c->nresults) && v->nvals == c->height;
}

static void set_unreachable(wb_vstate *v)
{
    wb_vctrl *c = top(v);

    v->nvals = c->height;
    c->unreachable = true;
}

/* A label's types: a loop is entered again with its params, every other
 * frame is left with its results. */
static inline const uint8_t *label_types(const wb_vctrl *c, uint32_t *n)
{
    if (c->kind == WB_VC_LOOP) {
        *n = c->nparams;
        return c->types;
    }
    *n = c->nresults;
    return c->types + c->nparams;
}

/* -- Module lookups -- */

static wb_err block_sig(const wb_vbody *b, const wb_instr *in, const uint8_t **types,
                        uint32_t *np, uint32_t *nr)
{
    const wb_module *m = b->m;

    switch (in->u.block.kind) {
    case WB_BT_EMPTY:
        *types = no_types;
        *np = *nr = 0;
        return WB_OK;
    case WB_BT_VAL:
        *types = &vt_self[in->u.block.valtype];
        *np = 0;
        *nr = 1;
        return WB_OK;
    }
    if (in->u.block.index >= m->ntypes)
        return wb_diag_setf(b->v->d, WB_ERR_UNKNOWN_TYPE, SEC, in->offset, "type %u",
                            in->u.block.index);
    *types = m->types[in->u.block.index].types;
    *np = m->types[in->u.block.index].nparams;
    *nr = m->types[in->u.block.index].nresults;
    if (!*types)
        *types = no_types;
    return WB_OK;
}

/* Builds the runs of declared locals of body `code`, merging neighbours
 * of one type, so that a lookup is a binary search over a few entries. */
static wb_err setup_locals(wb_vbody *b, const wb_code *code)
{
    wb_vstate *v = b->v;
    uint64_t total = 0;
    uint32_t n = 0;

    if (code->ngroups > v->locals_cap) {
        wb_vlocals *p = realloc(v->locals, (size_t)code->ngroups * sizeof *p);
        if (!p)
            return wb_diag_set(v->d, WB_ERR_NOMEM, SEC, code->offset);
        v->locals = p;
        v->locals_cap = code->ngroups;
    }
    for (uint32_t i = 0; i < code->ngroups; i++) {
        const wb_local_group *g = &code->groups[i];
        if (!g->count)
            continue;
        total += g->count;
        if (total + b->ft->nparams > WB_MAX_LOCALS)
            return wb_diag_setf(v->d, WB_ERR_LIMIT_LOCALS, SEC, code->offset,
                                "limit %u", WB_MAX_LOCALS);
        if (n && v->locals[n - 1].type == g->type) {
            v->locals[n - 1].end = (uint32_t)total;
        } else {
            v->locals[n].end = (uint32_t)total;
            v->locals[n].type = g->type;
            n++;
        }
    }
    v->nlocal_runs = n;
    b->nlocals = b->ft->nparams + (uint32_t)total;
    b->ncached = b->nlocals < WB_VLOCAL_CACHE ? b->nlocals : WB_VLOCAL_CACHE;
    /* The cache: params, then each run up to the cache's end. */
    n = b->ft->nparams < b->ncached ? b->ft->nparams : b->ncached;
    memcpy(v->local_cache, b->ft->types, n);
    for (uint32_t r = 0; n < b->ncached; r++) {
        uint32_t end = b->ft->nparams + v->locals[r].end;
        if (end > b->ncached)
            end = b->ncached;
        memset(v->local_cache + n, v->locals[r].type, end - n);
        n = end;
    }
    return WB_OK;
}

/* Type of local `idx`, or 0 when there is no such local. */
static inline uint8_t local_type(const wb_vbody *b, uint32_t idx)
{
    const wb_vlocals *runs = b->v->locals;
    uint32_t lo = 0, hi = b->v->nlocal_runs;

    if (idx < b->ncached)
        return b->v->local_cache[idx];
    if (idx < b->ft->nparams)
        return b->ft->types[idx];
    if (idx >= b->nlocals)
        return 0;
    idx -= b->ft->nparams;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (runs[mid].end <= idx)
            lo = mid + 1;
        else
            hi = mid;
    }
    return runs[lo].type;
}

static wb_err need_memory(const wb_vbody *b, uint32_t idx, uint32_t at)
{
    if (idx < b->m->nmems)
        return WB_OK;
    return wb_diag_setf(b->v->d, WB_ERR_UNKNOWN_MEMORY, SEC, at, "memory %u", idx);
}

static wb_err need_table(const wb_vbody *b, uint32_t idx, uint32_t at)
{
    if (idx < b->m->ntables)
        return WB_OK;
    return wb_diag_setf(b->v->d, WB_ERR_UNKNOWN_TABLE, SEC, at, "table %u", idx);
}

static wb_err need_elem(const wb_vbody *b, uint32_t idx, uint32_t at)
{
    if (idx < b->m->nelems)
        return WB_OK;
    return wb_diag_setf(b->v->d, WB_ERR_UNKNOWN_ELEM, SEC, at, "elem segment %u", idx);
}

/* memory.init and data.drop without a data count section are a format
 * error in the spec (the count is what lets a one-pass reader check data
 * indices before the data section). Reported so only when the module has
 * data segments: with none at all, the index is simply unknown, which is
 * what the spec suite expects of the binaries wat2wasm writes for such
 * modules (it omits an empty data count section). */
static bool data_count_missing(const wb_module *m)
{
    return !m->has_data_count && m->ndatas > 0;
}

static wb_err need_data(const wb_vbody *b, uint32_t idx, uint32_t at)
{
    const wb_module *m = b->m;

    if (data_count_missing(m))
        return wb_diag_set(b->v->d, WB_ERR_DATA_COUNT_REQUIRED, SEC, at);
    if (idx < (m->has_data_count ? m->data_count : m->ndatas))
        return WB_OK;
    return wb_diag_setf(b->v->d, WB_ERR_UNKNOWN_DATA, SEC, at, "data segment %u", idx);
}

static wb_err need_lane(const wb_vbody *b, uint32_t lane, uint32_t count, uint32_t at)
{
    if (lane < count)
        return WB_OK;
    return wb_diag_setf(b->v->d, WB_ERR_INVALID_LANE, SEC, at, "lane %u of %u", lane,
                        count);
}

/* Memory access: the memory exists and 2^align is at most the access size
 * (2^natural bytes). */
static wb_err check_memarg(const wb_vbody *b, const wb_instr *in, uint32_t natural)
{
    wb_err err = need_memory(b, in->u.mem.mem, in->offset);

    if (err != WB_OK)
        return err;
    if (in->u.mem.align > natural)
        return wb_diag_setf(b->v->d, WB_ERR_ALIGNMENT, SEC, in->offset,
                            "%s: align 2^%u, natural 2^%u", wb_opinfo_table[in->op].text,
                            in->u.mem.align, natural);
    return WB_OK;
}

/* Element types of tables `dst` and `src` (or of elem segment `src` for
 * table.init) must be equal. */
static wb_err same_reftype(const wb_vbody *b, const wb_instr *in, uint8_t dst, uint8_t src)
{
    if (dst == src)
        return WB_OK;
    return wb_diag_setf(b->v->d, WB_ERR_TYPE_MISMATCH, SEC, in->offset,
                        "%s: %s into %s", wb_opinfo_table[in->op].text,
                        wb_valtype_name(src), wb_valtype_name(dst));
}

/* The immediates of a generic row: every index names something that
 * exists, every lane is in range. */
static wb_err check_imm(const wb_vbody *b, const wb_instr *in)
{
    const wb_module *m = b->m;
    uint32_t at = in->offset;
    wb_err err;

    switch ((wb_imm_kind)wb_opinfo_table[in->op].imm) {
    case WB_IMM_TABLE:
        return need_table(b, in->u.index, at);
    case WB_IMM_MEMIDX:
        return need_memory(b, in->u.index, at);
    case WB_IMM_MEM8: return check_memarg(b, in, 0);
    case WB_IMM_MEM16: return check_memarg(b, in, 1);
    case WB_IMM_MEM32: return check_memarg(b, in, 2);
    case WB_IMM_MEM64: return check_memarg(b, in, 3);
    case WB_IMM_MEM128: return check_memarg(b, in, 4);
    case WB_IMM_MEMLANE8:
        if ((err = check_memarg(b, in, 0)) != WB_OK)
            return err;
        return need_lane(b, in->u.mem.lane, 16, at);
    case WB_IMM_MEMLANE16:
        if ((err = check_memarg(b, in, 1)) != WB_OK)
            return err;
        return need_lane(b, in->u.mem.lane, 8, at);
    case WB_IMM_MEMLANE32:
        if ((err = check_memarg(b, in, 2)) != WB_OK)
            return err;
        return need_lane(b, in->u.mem.lane, 4, at);
    case WB_IMM_MEMLANE64:
        if ((err = check_memarg(b, in, 3)) != WB_OK)
            return err;
        return need_lane(b, in->u.mem.lane, 2, at);
    case WB_IMM_SHUFFLE:
        for (unsigned i = 0; i < 16; i++)
            if ((err = need_lane(b, in->u.v128[i], 32, at)) != WB_OK)
                return err;
        return WB_OK;
    case WB_IMM_LANE2: return need_lane(b, in->u.lane, 2, at);
    case WB_IMM_LANE4: return need_lane(b, in->u.lane, 4, at);
    case WB_IMM_LANE8: return need_lane(b, in->u.lane, 8, at);
    case WB_IMM_LANE16: return need_lane(b, in->u.lane, 16, at);
    case WB_IMM_DATA:
        return need_data(b, in->u.index, at);
    case WB_IMM_ELEM:
        return need_elem(b, in->u.index, at);
    case WB_IMM_MEMINIT:
        if (data_count_missing(m)) /* a format error: outranks the others */
            return need_data(b, in->u.init.seg, at);
        if ((err = need_memory(b, in->u.init.idx, at)) != WB_OK)
            return err;
        return need_data(b, in->u.init.seg, at);
    case WB_IMM_MEMCOPY:
        if ((err = need_memory(b, in->u.copy.dst, at)) != WB_OK)
            return err;
        return need_memory(b, in->u.copy.src, at);
    case WB_IMM_TABLEINIT:
        if ((err = need_table(b, in->u.init.idx, at)) != WB_OK)
            return err;
        if ((err = need_elem(b, in->u.init.seg, at)) != WB_OK)
            return err;
        return same_reftype(b, in, m->tables[in->u.init.idx].type.elem,
                            m->elems[in->u.init.seg].reftype);
    case WB_IMM_TABLECOPY:
        if ((err = need_table(b, in->u.copy.dst, at)) != WB_OK)
            return err;
        if ((err = need_table(b, in->u.copy.src, at)) != WB_OK)
            return err;
        return same_reftype(b, in, m->tables[in->u.copy.dst].type.elem,
                            m->tables[in->u.copy.src].type.elem);
    default:
        return WB_OK;
    }
}

/* -- Special instructions -- */

static wb_err do_block(wb_vbody *b, const wb_instr *in)
{
    wb_vstate *v = b->v;
    const uint8_t *types = no_types;
    uint32_t np = 0, nr = 0;
    uint8_t kind = in->op == WB_OP_BLOCK ? WB_VC_BLOCK
                 : in->op == WB_OP_LOOP ? WB_VC_LOOP : WB_VC_IF;
    wb_err err;

    if ((err = block_sig(b, in, &types, &np, &nr)) != WB_OK)
        return err;
    if (kind == WB_VC_IF && !pop_val(v, WB_I32))
        return mismatch(b, in);
    if (!pop_vals(v, types, np))
        return mismatch(b, in);
    return push_ctrl(v, kind, types, np, nr, in->offset);
}

static wb_err do_else(wb_vbody *b, const wb_instr *in)
{
    wb_vstate *v = b->v;
    wb_vctrl *c = top(v);

    /* The spec's binary format only has an else inside an if: anywhere
     * else the reader expected the end of a block. */
    if (c->kind != WB_VC_IF)
        return wb_diag_setf(v->d, WB_ERR_END_EXPECTED, SEC, in->offset,
                            "else without matching if");
    if (!end_frame(v))
        return mismatch(b, in);
    c->kind = WB_VC_ELSE;
    c->unreachable = false;
    c->br_mark = 0;
    return push_vals(v, c->types, c->nparams, in->offset);
}

/* `end`: closes the top frame; *done when it was the function's. */
static wb_err do_end(wb_vbody *b, const wb_instr *in, bool *done)
{
    wb_vstate *v = b->v;
    wb_vctrl c = *top(v);

    if (!end_frame(v))
        return mismatch(b, in);
    /* An if without else has an empty else, which turns the params into
     * the results: they must be the same types. */
    if (c.kind == WB_VC_IF &&
        (c.nparams != c.nresults ||
         (c.nparams && memcmp(c.types, c.types + c.nparams, c.nparams) != 0)))
        return mismatch(b, in);
    v->nctrls--;
    if (v->nctrls == 0) {
        *done = true;
        if (b->r.pos != b->r.end)
            return wb_diag_setf(v->d, WB_ERR_SECTION_END, SEC, b->r.pos,
                                "%zu bytes after the function's end", b->r.end - b->r.pos);
        return WB_OK;
    }
    return push_vals(v, c.types + c.nparams, c.nresults, in->offset);
}

static wb_err get_label(const wb_vbody *b, uint32_t depth, uint32_t at, wb_vctrl **c)
{
    wb_vstate *v = b->v;

    if (depth >= v->nctrls)
        return wb_diag_setf(v->d, WB_ERR_UNKNOWN_LABEL, SEC, at, "label %u", depth);
    *c = &v->ctrls[v->nctrls - 1 - depth];
    return WB_OK;
}

static wb_err do_br(wb_vbody *b, const wb_instr *in)
{
    wb_vstate *v = b->v;
    const uint8_t *types;
    uint32_t n;
    wb_vctrl *c = NULL;
    wb_err err;

    if ((err = get_label(b, in->u.index, in->offset, &c)) != WB_OK)
        return err;
    types = label_types(c, &n);
    if (in->op == WB_OP_BR_IF) {
        if (!pop_val(v, WB_I32) || !pop_vals(v, types, n))
            return mismatch(b, in);
        return push_vals(v, types, n, in->offset);
    }
    if (!pop_vals(v, types, n))
        return mismatch(b, in);
    set_unreachable(v);
    return WB_OK;
}

/* br_table: every target has the default's arity, and the operands match
 * each target's types. Stacks do not change between targets, so a label
 * reached again by the same br_table is not checked again (br_mark): work
 * stays bounded by nesting × arity, not targets × arity. */
static wb_err do_br_table(wb_vbody *b, const wb_instr *in)
{
    wb_vstate *v = b->v;
    uint32_t pos = in->u.br_table.first, mark = in->offset + 1, arity, n;
    const uint8_t *types;
    wb_vctrl *c = NULL;
    wb_err err;

    if (!pop_val(v, WB_I32))
        return mismatch(b, in);
    if ((err = get_label(b, in->u.br_table.default_label, in->offset, &c)) != WB_OK)
        return err;
    types = label_types(c, &arity);
    for (uint32_t i = 0; i < in->u.br_table.count; i++) {
        uint32_t depth = wb_br_table_next(b->m->bytes, &pos);
        wb_vctrl *t = NULL;
        const uint8_t *tt;
        if ((err = get_label(b, depth, in->offset, &t)) != WB_OK)
            return err;
        if (t->br_mark == mark)
            continue;
        t->br_mark = mark;
        tt = label_types(t, &n);
        if (n != arity)
            return wb_diag_setf(v->d, WB_ERR_TYPE_MISMATCH, SEC, in->offset,
                                "br_table: label %u has %u values, default %u", depth, n,
                                arity);
        if (!match_vals(v, tt, n))
            return mismatch(b, in);
    }
    if (!pop_vals(v, types, arity))
        return mismatch(b, in);
    set_unreachable(v);
    return WB_OK;
}

static wb_err do_call(wb_vbody *b, const wb_instr *in, const wb_functype *ft)
{
    if (!pop_vals(b->v, ft->types, ft->nparams))
        return mismatch(b, in);
    return push_vals(b->v, ft->types + ft->nparams, ft->nresults, in->offset);
}

static wb_err do_call_indirect(wb_vbody *b, const wb_instr *in)
{
    const wb_module *m = b->m;
    uint32_t table = in->u.call_indirect.table, type = in->u.call_indirect.type;
    wb_err err;

    if ((err = need_table(b, table, in->offset)) != WB_OK)
        return err;
    if (type >= m->ntypes)
        return wb_diag_setf(b->v->d, WB_ERR_UNKNOWN_TYPE, SEC, in->offset, "type %u", type);
    if (m->tables[table].type.elem != WB_FUNCREF)
        return wb_diag_setf(b->v->d, WB_ERR_TYPE_MISMATCH, SEC, in->offset,
                            "call_indirect: table %u is not a funcref table", table);
    if (!pop_val(b->v, WB_I32))
        return mismatch(b, in);
    return do_call(b, in, &m->types[type]);
}

static inline bool is_num(uint8_t t)
{
    return (t >= WB_F64 && t <= WB_I32) || t == WB_VT_UNKNOWN;
}

static inline bool is_vec(uint8_t t)
{
    return t == WB_V128 || t == WB_VT_UNKNOWN;
}

/* Untyped select takes two numbers or two vectors of one type; typed
 * select (one type, any) is the only way to select references. */
static wb_err do_select(wb_vbody *b, const wb_instr *in)
{
    wb_vstate *v = b->v;
    uint8_t t1, t2;

    if (in->op == WB_OP_SELECT_T) {
        uint8_t t = in->u.select.type;
        if (in->u.select.count != 1)
            return wb_diag_setf(v->d, WB_ERR_INVALID_RESULT_ARITY, SEC, in->offset,
                                "select with %u types", in->u.select.count);
        if (!pop_val(v, WB_I32) || !pop_val(v, t) || !pop_val(v, t))
            return mismatch(b, in);
        return push_val(v, t, in->offset);
    }
    if (!pop_val(v, WB_I32) || !pop_any(v, &t1) || !pop_any(v, &t2))
        return mismatch(b, in);
    if (!((is_num(t1) && is_num(t2)) || (is_vec(t1) && is_vec(t2))) ||
        (t1 != t2 && t1 != WB_VT_UNKNOWN && t2 != WB_VT_UNKNOWN))
        return wb_diag_setf(v->d, WB_ERR_TYPE_MISMATCH, SEC, in->offset,
                            "select: %s and %s", type_name(t2), type_name(t1));
    return push_val(v, t1 == WB_VT_UNKNOWN ? t2 : t1, in->offset);
}

static wb_err do_local(wb_vbody *b, const wb_instr *in)
{
    wb_vstate *v = b->v;
    uint8_t t = local_type(b, in->u.index);

    if (!t)
        return wb_diag_setf(v->d, WB_ERR_UNKNOWN_LOCAL, SEC, in->offset, "local %u",
                            in->u.index);
    if (in->op == WB_OP_LOCAL_GET)
        return push_val(v, t, in->offset);
    if (!pop_val(v, t))
        return mismatch(b, in);
    if (in->op == WB_OP_LOCAL_TEE)
        return push_val(v, t, in->offset);
    return WB_OK;
}

static wb_err do_global(wb_vbody *b, const wb_instr *in)
{
    const wb_module *m = b->m;
    wb_vstate *v = b->v;
    const wb_global *g;

    if (in->u.index >= m->nglobals)
        return wb_diag_setf(v->d, WB_ERR_UNKNOWN_GLOBAL, SEC, in->offset, "global %u",
                            in->u.index);
    g = &m->globals[in->u.index];
    if (in->op == WB_OP_GLOBAL_GET)
        return push_val(v, g->type.type, in->offset);
    if (!g->type.mut)
        return wb_diag_setf(v->d, WB_ERR_IMMUTABLE_GLOBAL, SEC, in->offset, "global %u",
                            in->u.index);
    if (!pop_val(v, g->type.type))
        return mismatch(b, in);
    return WB_OK;
}

/* table.get / set / grow / fill: operand types follow the table's. */
static wb_err do_table(wb_vbody *b, const wb_instr *in)
{
    wb_vstate *v = b->v;
    uint8_t t;
    bool ok;
    wb_err err;

    if ((err = need_table(b, in->u.index, in->offset)) != WB_OK)
        return err;
    t = b->m->tables[in->u.index].type.elem;
    switch (in->op) {
    case WB_OP_TABLE_GET:
        if (!pop_val(v, WB_I32))
            return mismatch(b, in);
        return push_val(v, t, in->offset);
    case WB_OP_TABLE_SET:
        ok = pop_val(v, t) && pop_val(v, WB_I32);
        break;
    case WB_OP_TABLE_GROW:
        if (!pop_val(v, WB_I32) || !pop_val(v, t))
            return mismatch(b, in);
        return push_val(v, WB_I32, in->offset);
    default: /* table.fill */
        ok = pop_val(v, WB_I32) && pop_val(v, t) && pop_val(v, WB_I32);
        break;
    }
    return ok ? WB_OK : mismatch(b, in);
}

static wb_err do_ref(wb_vbody *b, const wb_instr *in)
{
    wb_vstate *v = b->v;
    const wb_module *m = b->m;
    uint32_t f = in->u.index;
    uint8_t t;

    switch (in->op) {
    case WB_OP_REF_NULL:
        return push_val(v, in->u.reftype, in->offset);
    case WB_OP_REF_IS_NULL:
        if (!pop_any(v, &t) || !(wb_is_reftype(t) || t == WB_VT_UNKNOWN))
            return mismatch(b, in);
        return push_val(v, WB_I32, in->offset);
    default: /* ref.func */
        if (f >= m->nfuncs)
            return wb_diag_setf(v->d, WB_ERR_UNKNOWN_FUNC, SEC, in->offset, "function %u", f);
        if (!m->declared_funcs || !(m->declared_funcs[f >> 3] & (1u << (f & 7))))
            return wb_diag_setf(v->d, WB_ERR_UNDECLARED_FUNC_REF, SEC, in->offset,
                                "function %u", f);
        return push_val(v, WB_FUNCREF, in->offset);
    }
}

/* Every row whose params[0] is WB_SPECIAL. */
static wb_err special(wb_vbody *b, const wb_instr *in, bool *done)
{
    wb_vstate *v = b->v;
    uint8_t t;

    switch (in->op) {
    case WB_OP_UNREACHABLE:
        set_unreachable(v);
        return WB_OK;
    case WB_OP_BLOCK:
    case WB_OP_LOOP:
    case WB_OP_IF:
        return do_block(b, in);
    case WB_OP_ELSE:
        return do_else(b, in);
    case WB_OP_END:
        return do_end(b, in, done);
    case WB_OP_BR:
    case WB_OP_BR_IF:
        return do_br(b, in);
    case WB_OP_BR_TABLE:
        return do_br_table(b, in);
    case WB_OP_RETURN:
        if (!pop_vals(v, v->ctrls[0].types, v->ctrls[0].nresults))
            return mismatch(b, in);
        set_unreachable(v);
        return WB_OK;
    case WB_OP_CALL:
        if (in->u.index >= b->m->nfuncs)
            return wb_diag_setf(v->d, WB_ERR_UNKNOWN_FUNC, SEC, in->offset, "function %u",
                                in->u.index);
        return do_call(b, in, wb_func_type(b->m, in->u.index));
    case WB_OP_CALL_INDIRECT:
        return do_call_indirect(b, in);
    case WB_OP_DROP:
        return pop_any(v, &t) ? WB_OK : mismatch(b, in);
    case WB_OP_SELECT:
    case WB_OP_SELECT_T:
        return do_select(b, in);
    case WB_OP_LOCAL_GET:
    case WB_OP_LOCAL_SET:
    case WB_OP_LOCAL_TEE:
        return do_local(b, in);
    case WB_OP_GLOBAL_GET:
    case WB_OP_GLOBAL_SET:
        return do_global(b, in);
    case WB_OP_TABLE_GET:
    case WB_OP_TABLE_SET:
    case WB_OP_TABLE_GROW:
    case WB_OP_TABLE_FILL:
        return do_table(b, in);
    case WB_OP_REF_NULL:
    case WB_OP_REF_IS_NULL:
    case WB_OP_REF_FUNC:
        return do_ref(b, in);
    }
    return wb_diag_setf(v->d, WB_ERR_INTERNAL, SEC, in->offset, "%s has no validation rule",
                        wb_opinfo_table[in->op].text);
}

/* -- Fast reader -- */

/* Bytes the fast paths may read ahead: they run only while the module
 * has that many left, and use what they read only once it is known to lie
 * within the body. Closer to the end, wb_read_instr reads everything. */
#define FAST_WINDOW 16

/* Length of a LEB128 of at most four bytes, or 0 for a longer one. Any
 * such encoding is a valid u32, s32 or s64 (28 bits), so only the fifth
 * byte and beyond need the exact checks of read.c. */
static inline size_t short_leb(const uint8_t *p)
{
    return p[0] < 0x80 ? 1 : p[1] < 0x80 ? 2 : p[2] < 0x80 ? 3 : p[3] < 0x80 ? 4 : 0;
}

/* A u32 LEB128 of at most four bytes; false for a longer one. */
static inline bool short_u32(const uint8_t *p, uint32_t *v, size_t *len)
{
    size_t n = short_leb(p);
    uint32_t x = 0;

    if (!n)
        return false;
    for (size_t i = 0; i < n; i++)
        x |= (uint32_t)(p[i] & 0x7f) << (7 * i);
    *v = x;
    *len = n;
    return true;
}

/* Reads the instruction at r->pos when it is one of the common shapes: a
 * one-byte opcode whose immediates are short LEB128s, a block type byte,
 * or fixed-size constants. Returns false, leaving r alone, for anything
 * else (longer encodings, prefixed opcodes, malformed bytes, immediates
 * running past the body), which wb_read_instr then reads with its exact
 * checks. The validator needs no constant's value, but they are filled in
 * all the same. Same window as the other fast paths. */
static inline bool fast_read(wb_reader *r, wb_instr *in)
{
    const uint8_t *p = r->base + r->pos;
    uint16_t e;
    size_t len = 1, n;
    uint32_t x;

    if (r->end <= r->pos || (e = byte_ops[p[0]]) == 0)
        return false;
    in->op = (uint16_t)(e - 1);
    switch ((wb_imm_kind)wb_opinfo_table[in->op].imm) {
    case WB_IMM_NONE:
        break;
    case WB_IMM_LOCAL:
    case WB_IMM_GLOBAL:
    case WB_IMM_LABEL:
    case WB_IMM_FUNC:
        if (!short_u32(p + 1, &in->u.index, &n))
            return false;
        len += n;
        break;
    case WB_IMM_I32CONST:
    case WB_IMM_I64CONST:
        if (p[1] >= 0x80)
            return false;
        in->u.i64 = (int64_t)(int8_t)(uint8_t)(p[1] << 1) >> 1;
        if (in->op == WB_OP_I32_CONST)
            in->u.i32 = (int32_t)in->u.i64;
        len = 2;
        break;
    case WB_IMM_F32CONST:
        memcpy(&in->u.f32, p + 1, 4);
        len = 5;
        break;
    case WB_IMM_F64CONST:
        memcpy(&in->u.f64, p + 1, 8);
        len = 9;
        break;
    case WB_IMM_BLOCKTYPE:
        if (p[1] == 0x40) {
            in->u.block.kind = WB_BT_EMPTY;
        } else if (vt_self[p[1]]) {
            in->u.block.kind = WB_BT_VAL;
            in->u.block.valtype = p[1];
        } else {
            return false;
        }
        len = 2;
        break;
    case WB_IMM_MEM8:
    case WB_IMM_MEM16:
    case WB_IMM_MEM32:
    case WB_IMM_MEM64:
        if (p[1] >= 0x80 || !short_u32(p + 2, &x, &n))
            return false;
        in->u.mem.align = p[1];
        in->u.mem.offset = x;
        in->u.mem.mem = 0;
        in->u.mem.lane = 0;
        len = 2 + n;
        break;
    case WB_IMM_MEMIDX:
        if (p[1] != 0)
            return false;
        in->u.index = 0;
        len = 2;
        break;
    default:
        return false;
    }
    if (len > r->end - r->pos)
        return false;
    in->offset = (uint32_t)r->pos;
    r->pos += len;
    return true;
}

/* -- One body -- */

/* The common instructions in their common encodings, checked against the
 * top of the stack in one step. Returns the bytes consumed, or 0 to send
 * the instruction down the exact path, which also reports any error. The
 * caller guarantees FAST_WINDOW readable bytes at p; what is read is used
 * only once it is known to lie within the `avail` bytes left in the body. */
static inline size_t fast_step(const wb_vbody *b, const uint8_t *p, size_t avail,
                               uint8_t *vals, uint32_t *np, uint32_t height)
{
    uint32_t n = *np, idx;
    const fast_sig *s;
    size_t len;
    uint32_t top4;
    uint8_t t;

    switch (p[0]) {
    case 0x20: /* local.get */
        if (!short_u32(p + 1, &idx, &len) || len >= avail || !(t = local_type(b, idx)))
            return 0;
        vals[n] = t;
        *np = n + 1;
        return 1 + len;
    case 0x21: /* local.set */
    case 0x22: /* local.tee */
        if (!short_u32(p + 1, &idx, &len) || len >= avail || n == height ||
            !(t = local_type(b, idx)) || vals[n - 1] != t)
            return 0;
        *np = n - (p[0] == 0x21);
        return 1 + len;
    case 0x41: /* i32.const */
    case 0x42: /* i64.const */
        if (!(len = short_leb(p + 1)) || len >= avail)
            return 0;
        vals[n] = p[0] == 0x41 ? WB_I32 : WB_I64;
        *np = n + 1;
        return 1 + len;
    }
    s = &fast_sigs[p[0]];
    if (!s->fast || n - height < s->npop)
        return 0;
    len = 1;
    if (s->align1) {
        /* memory 0, align byte, offset of up to four bytes */
        if (!b->m->nmems || p[1] >= s->align1 || !(len = short_leb(p + 2)) ||
            (len += 2) > avail)
            return 0;
    }
    memcpy(&top4, vals + n - 4, 4);
    if ((top4 & s->mask) != s->pat)
        return 0;
    n -= s->npop;
    vals[n] = s->res;
    *np = n + (s->res != 0);
    return len;
}

/* Block structure in its common forms: block and loop without params,
 * end with exactly the results in place, br_if whose operands already are
 * the label's types. Here a frame's results stay where they are on the
 * stack: popping and pushing them back would change nothing. Returns the
 * bytes consumed or 0, like fast_step. */
static inline size_t fast_ctrl(wb_vstate *v, const uint8_t *p, size_t avail,
                               const uint8_t *vals, uint32_t *np, uint32_t *height,
                               bool *unreach)
{
    uint32_t n = *np, depth, nl;
    const uint8_t *types;
    wb_vctrl *c;
    size_t len;

    switch (p[0]) {
    case 0x02: /* block */
    case 0x03: /* loop */
        if (avail < 2 || v->nctrls == v->ctrls_cap || (p[1] != 0x40 && !vt_self[p[1]]))
            return 0;
        c = &v->ctrls[v->nctrls++];
        c->types = p[1] == 0x40 ? no_types : &vt_self[p[1]];
        c->nparams = 0;
        c->nresults = p[1] != 0x40;
        c->height = n;
        c->br_mark = 0;
        c->kind = p[0] == 0x02 ? WB_VC_BLOCK : WB_VC_LOOP;
        c->unreachable = false;
        *height = n;
        *unreach = false;
        return 2;
    case 0x0b: /* end, not the function's */
        c = &v->ctrls[v->nctrls - 1];
        if (v->nctrls < 2 || *unreach || c->nparams || n - *height != c->nresults ||
            (c->kind == WB_VC_IF && c->nresults) ||
            (c->nresults && memcmp(vals + *height, c->types, c->nresults) != 0))
            return 0;
        v->nctrls--;
        *height = c[-1].height;
        *unreach = c[-1].unreachable;
        return 1;
    case 0x0d: /* br_if */
        if (!short_u32(p + 1, &depth, &len) || len >= avail || depth >= v->nctrls ||
            n == *height || vals[n - 1] != WB_I32)
            return 0;
        c = &v->ctrls[v->nctrls - 1 - depth];
        types = label_types(c, &nl);
        if (n - 1 - *height < nl || (nl && memcmp(vals + n - 1 - nl, types, nl) != 0))
            return 0;
        *np = n - 1;
        return 1 + len;
    }
    return 0;
}

wb_err wb_validate_body(wb_vstate *v, uint32_t code)
{
    const wb_module *m = v->m;
    const wb_code *c = &m->codes[code];
    wb_vbody b = {
        .v = v, .m = m, .ft = wb_func_type(m, m->nfunc_imports + code),
        .r = { .base = m->bytes, .pos = c->expr_offset, .end = (size_t)c->offset + c->size,
               .section = SEC },
    };
    /* The hot state lives in locals, written back to v around the calls
     * that use it: stores through the byte stack would otherwise force
     * every field of v to be reloaded. Every instruction starts with room
     * for one more operand. */
    uint8_t *vals;
    uint32_t n, cap, height;
    bool unreach, done = false;
    /* Positions up to here have FAST_WINDOW bytes of module after them. */
    size_t fast_end = m->size >= FAST_WINDOW ? m->size - FAST_WINDOW : 0;
    wb_err err;

    if ((err = setup_locals(&b, c)) != WB_OK)
        return err;
    v->nvals = 0;
    v->nctrls = 0;
    if ((err = push_ctrl(v, WB_VC_FUNC, b.ft->types + b.ft->nparams, 0, b.ft->nresults,
                         c->expr_offset)) != WB_OK)
        return err;
    if ((err = reserve(v, 1, c->expr_offset)) != WB_OK)
        return err;
    vals = v->vals;
    n = 0;
    cap = v->vals_cap;
    height = 0;
    unreach = false;
    while (!done) {
        const wb_opinfo *oi;
        wb_instr in;
        uint8_t sig[4], t;
        size_t pos = b.r.pos;

        if (n == cap) {
            v->nvals = n;
            if ((err = grow_vals(v, 1, pos)) != WB_OK)
                return err;
            vals = v->vals;
            cap = v->vals_cap;
        }
        /* The fast loop: common instructions, on a position in a register.
         * Each step pushes at most one operand. */
        while (pos < b.r.end && pos <= fast_end) {
            const uint8_t *p = m->bytes + pos;
            size_t avail = b.r.end - pos, len;
            if ((len = fast_step(&b, p, avail, vals, &n, height)) == 0 &&
                (len = fast_ctrl(v, p, avail, vals, &n, &height, &unreach)) == 0)
                break;
            pos += len;
            if (n == cap)
                break;
        }
        b.r.pos = pos;
        if (n == cap)
            continue;
        /* The exact path, one instruction. */
        if (!(pos <= fast_end && fast_read(&b.r, &in)) &&
            (err = wb_read_instr(&b.r, &in, v->d)) != WB_OK)
            return err;
        oi = &wb_opinfo_table[in.op];
        if (oi->params[0] != WB_SPECIAL) {
            if (imm_checked[oi->imm] && (err = check_imm(&b, &in)) != WB_OK)
                return err;
            memcpy(sig, oi->params, 3);
            sig[3] = oi->result;
        } else if (in.op >= WB_OP_LOCAL_GET && in.op <= WB_OP_LOCAL_TEE &&
                   (t = local_type(&b, in.u.index)) != 0) {
            sig[0] = in.op == WB_OP_LOCAL_GET ? 0 : t;
            sig[1] = sig[2] = 0;
            sig[3] = in.op == WB_OP_LOCAL_SET ? 0 : t;
        } else {
            v->nvals = n;
            if ((err = special(&b, &in, &done)) != WB_OK)
                return err;
            if (done)
                break;
            vals = v->vals;
            n = v->nvals;
            cap = v->vals_cap;
            height = top(v)->height;
            unreach = top(v)->unreachable;
            continue;
        }
        for (int k = 2; k >= 0; k--) {
            uint8_t want = sig[k], got;
            if (!want)
                continue;
            if (n == height) {
                if (unreach)
                    continue;
                got = 0;
            } else {
                got = vals[--n];
                if (got == want || got == WB_VT_UNKNOWN)
                    continue;
            }
            return wb_diag_setf(v->d, WB_ERR_TYPE_MISMATCH, SEC, in.offset,
                                "%s: expected %s, got %s", oi->text,
                                wb_valtype_name(want), type_name(got));
        }
        if (sig[3])
            vals[n++] = sig[3];
    }
    return WB_OK;
}

/* -- Format-only scan -- */

/* Block structure of one body: what kind each open block is, so that an
 * `else` outside an if and code after the final `end` are found. */
static wb_err scan_body(const wb_module *m, const wb_code *c, uint8_t **kinds,
                        size_t *cap, wb_diag *d)
{
    wb_reader r = { .base = m->bytes, .pos = c->expr_offset,
                    .end = (size_t)c->offset + c->size, .section = SEC };
    size_t depth = 0;
    wb_instr in;
    wb_err err;

    for (;;) {
        if ((err = wb_read_instr(&r, &in, d)) != WB_OK)
            return err;
        switch (in.op) {
        case WB_OP_BLOCK:
        case WB_OP_LOOP:
        case WB_OP_IF:
            if (depth == *cap) {
                size_t ncap = *cap ? *cap * 2 : 256;
                uint8_t *p = realloc(*kinds, ncap);
                if (!p)
                    return wb_diag_set(d, WB_ERR_NOMEM, SEC, in.offset);
                *kinds = p;
                *cap = ncap;
            }
            (*kinds)[depth++] = in.op == WB_OP_IF ? WB_VC_IF : WB_VC_BLOCK;
            break;
        case WB_OP_ELSE:
            if (depth == 0 || (*kinds)[depth - 1] != WB_VC_IF)
                return wb_diag_setf(d, WB_ERR_END_EXPECTED, SEC, in.offset,
                                    "else without matching if");
            (*kinds)[depth - 1] = WB_VC_ELSE;
            break;
        case WB_OP_END:
            if (depth == 0) {
                if (r.pos != r.end)
                    return wb_diag_setf(d, WB_ERR_SECTION_END, SEC, r.pos,
                                        "%zu bytes after the function's end", r.end - r.pos);
                return WB_OK;
            }
            depth--;
            break;
        case WB_OP_MEMORY_INIT:
        case WB_OP_DATA_DROP:
            if (data_count_missing(m))
                return wb_diag_set(d, WB_ERR_DATA_COUNT_REQUIRED, SEC, in.offset);
            break;
        default:
            break;
        }
    }
}

wb_err wb_scan_bodies(const wb_module *m, wb_diag *d)
{
    uint8_t *kinds = NULL;
    size_t cap = 0;
    wb_err err = WB_OK;

    for (uint32_t i = 0; i < m->ncodes; i++)
        if ((err = scan_body(m, &m->codes[i], &kinds, &cap, d)) != WB_OK)
            goto out;
out:
    free(kinds);
    return err;
}

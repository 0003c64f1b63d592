/* cache_check.c — what an artifact from outside (a cache entry, a memfd
 * handed to a worker) must satisfy before its code is made executable:
 * every count, offset and index the runtime, the trap handler, the
 * externref collector and the unwinder will follow stays inside the
 * artifact, and, given the module, matches it. The code bytes themselves
 * cannot be verified: the directory they come from is trusted as far as
 * its owner is (cache.h). Pure; fuzzed with the entry parser. */
#include <string.h>

#include "cache/cache_int.h"

static wb_err bad(wb_diag *d, const char *what, uint64_t index)
{
    return wb_diag_setf(d, WB_ERR_INTERNAL, NULL, 0, "artifact: %s (%llu)", what,
                        (unsigned long long)index);
}

/* -- The .eh_frame table --
 *
 * What jit/eh_frame.c emits and libgcc's unwinder will parse: one CIE
 * (version 1, "zR", code alignment 1, data alignment -8, return address
 * column 16, FDE pointers pc-relative sdata4), then one FDE per function,
 * in order, each covering exactly its function, then a zero word. CFA
 * programs may use only the instructions the JIT emits, with registers
 * the unwinder knows and remember/restore balanced (an unbalanced
 * restore_state makes libgcc follow a NULL pointer). */

typedef struct eh_cursor {
    const uint8_t *p;
    uint32_t pos, end;      /* offsets in the code blob */
    bool ok;
} eh_cursor;

static uint8_t eh_u8(eh_cursor *c)
{
    if (c->pos >= c->end) {
        c->ok = false;
        return 0;
    }
    return c->p[c->pos++];
}

static uint32_t eh_u32(eh_cursor *c)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)eh_u8(c) << (8 * i);
    return v;
}

/* LEB128 of at most 5 bytes (32 bits). */
static uint64_t eh_leb(eh_cursor *c, bool is_signed)
{
    uint64_t v = 0;
    unsigned shift = 0;
    uint8_t b;
    do {
        b = eh_u8(c);
        v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (shift > 35) {
            c->ok = false;
            return 0;
        }
    } while ((b & 0x80) && c->ok);
    if (is_signed && shift < 64 && (b & 0x40))
        v |= ~0ull << shift;
    return v;
}

#define DW_REG_MAX 16   /* rax..r15 and the return address column */

/* A CFA program up to c->end. */
static bool eh_program(eh_cursor *c)
{
    unsigned depth = 0;
    while (c->ok && c->pos < c->end) {
        uint8_t op = eh_u8(c);
        switch (op & 0xc0) {
        case 0x40:                          /* advance_loc */
            continue;
        case 0x80:                          /* offset reg, uleb */
            if ((op & 0x3f) > DW_REG_MAX)
                return false;
            eh_leb(c, false);
            continue;
        case 0xc0:                          /* restore reg */
            if ((op & 0x3f) > DW_REG_MAX)
                return false;
            continue;
        }
        switch (op) {
        case 0x00:                          /* nop */
            break;
        case 0x02: eh_u8(c); break;         /* advance_loc1 */
        case 0x03: eh_u8(c); eh_u8(c); break; /* advance_loc2 */
        case 0x04: eh_u32(c); break;        /* advance_loc4 */
        case 0x0c:                          /* def_cfa reg, off */
            if (eh_leb(c, false) > DW_REG_MAX)
                return false;
            eh_leb(c, false);
            break;
        case 0x0d:                          /* def_cfa_register */
            if (eh_leb(c, false) > DW_REG_MAX)
                return false;
            break;
        case 0x0e:                          /* def_cfa_offset */
            eh_leb(c, false);
            break;
        case 0x0a:                          /* remember_state */
            if (++depth > 8)
                return false;
            break;
        case 0x0b:                          /* restore_state */
            if (depth == 0)
                return false;
            depth--;
            break;
        default:
            return false;
        }
    }
    return c->ok;
}

static wb_err check_eh_frame(const wb_artifact *a, const uint8_t *code, wb_diag *d)
{
    uint32_t start = a->eh_frame_offset, end = start + a->eh_frame_size, cie = start;
    eh_cursor c = { .p = code, .pos = start, .end = end, .ok = true };
    uint32_t len, entry_end;

    if (a->eh_frame_size == 0)
        return WB_OK;                       /* no unwind info: nothing registered */
    /* The CIE. */
    len = eh_u32(&c);
    if (!c.ok || len < 16 || len == 0xffffffffu || len > end - c.pos)
        return bad(d, "eh_frame: bad CIE length", len);
    entry_end = c.pos + len;
    c.end = entry_end;
    if (eh_u32(&c) != 0 || eh_u8(&c) != 1 || eh_u8(&c) != 'z' || eh_u8(&c) != 'R' ||
        eh_u8(&c) != 0 || eh_leb(&c, false) != 1 || (int64_t)eh_leb(&c, true) != -8 ||
        eh_u8(&c) != 16 || eh_leb(&c, false) != 1 || eh_u8(&c) != 0x1b || !eh_program(&c))
        return bad(d, "eh_frame: unexpected CIE", start);
    c.pos = entry_end;
    c.end = end;
    /* One FDE per function, in order. */
    for (uint32_t i = 0; i < a->nfuncs; i++) {
        uint32_t at = c.pos, field;
        int32_t rel;
        len = eh_u32(&c);
        if (!c.ok || len < 12 || len == 0xffffffffu || len > end - c.pos)
            return bad(d, "eh_frame: bad FDE length", i);
        entry_end = c.pos + len;
        c.end = entry_end;
        field = c.pos;
        if (eh_u32(&c) != field - cie)
            return bad(d, "eh_frame: FDE does not name the CIE", i);
        field = c.pos;
        rel = (int32_t)eh_u32(&c);
        if ((int64_t)field + rel != a->func_offsets[i] ||
            eh_u32(&c) != a->func_offsets[i + 1] - a->func_offsets[i])
            return bad(d, "eh_frame: FDE does not cover its function", i);
        if (eh_leb(&c, false) != 0 || !eh_program(&c))
            return bad(d, "eh_frame: unexpected FDE instructions", i);
        c.pos = entry_end;
        c.end = end;
        (void)at;
    }
    if (end - c.pos != 4 || eh_u32(&c) != 0)
        return bad(d, "eh_frame: not terminated after the last function", a->nfuncs);
    return WB_OK;
}

/* -- Tables -- */

static bool is_trap_kind(uint32_t kind)
{
    return kind < WB_ERR__COUNT && kind != WB_ERR_TRAP &&
           wb_err_class_of((wb_err)kind) == WB_CLASS_TRAP;
}

/* Defined function holding a call's return address (a call is never the
 * first byte of a function, and may end it). */
static uint32_t func_of_return(const wb_artifact *a, uint32_t ret)
{
    uint32_t lo = 0, hi = a->nfuncs;
    while (hi - lo > 1) {                   /* last i with offs[i] < ret */
        uint32_t mid = lo + (hi - lo) / 2;
        if (a->func_offsets[mid] < ret)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* A stack-map slot of a call site in defined function f: a parameter in
 * the caller's argument area [rbp+16, rbp+16+8*nparams) or a frame slot
 * below the saved rbp and vmctx, never deeper than the function's locals
 * plus one slot per byte of its body (the deepest operand stack it can
 * have); 8-byte aligned. */
static bool slot_fits(const struct wb_module *m, uint32_t f, int32_t off)
{
    const wb_code *code = &m->codes[f];
    const wb_functype *t = wb_func_type(m, m->nfunc_imports + f);
    int64_t deepest = 16 + 8 * ((int64_t)code->nlocals + code->size + 1);
    if (off % 8 != 0)
        return false;
    if (off >= 16)
        return off < 16 + 8 * (int64_t)t->nparams;
    return off <= -16 && -(int64_t)off <= deepest;
}

wb_err wb_cache_artifact_check(const wb_artifact *a, const uint8_t *code,
                               const struct wb_module *m, void *check_arg, wb_diag *d)
{
    uint32_t code_end;
    wb_err err;

    (void)check_arg;
    if (!a->func_offsets || (a->ntraps && !a->traps) || (a->ncalls && !a->calls) ||
        (a->nref_slots && !a->ref_slots))
        return bad(d, "missing tables", 0);
    if (a->nfuncs > WB_MAX_FUNCS)
        return bad(d, "too many functions", a->nfuncs);
    if (m && a->nfuncs != m->ncodes)
        return bad(d, "function count differs from the module", a->nfuncs);
    /* Functions: ascending, inside the code, before the unwind table. */
    for (uint32_t i = 0; i < a->nfuncs; i++)
        if (a->func_offsets[i] > a->func_offsets[i + 1])
            return bad(d, "function offsets out of order", i);
    code_end = a->func_offsets[a->nfuncs];
    if ((uint64_t)a->eh_frame_offset + a->eh_frame_size > a->code_size)
        return bad(d, "eh_frame outside the code", a->eh_frame_offset);
    if (code_end > a->code_size || (a->eh_frame_size && code_end > a->eh_frame_offset))
        return bad(d, "functions outside the code", code_end);
    /* Trap sites: sorted, inside a function, a known trap kind. */
    for (uint32_t i = 0; i < a->ntraps; i++) {
        const wb_trap_site *t = &a->traps[i];
        if (i && t->code_offset < a->traps[i - 1].code_offset)
            return bad(d, "trap sites out of order", i);
        if (t->code_offset >= code_end || t->code_offset < a->func_offsets[0])
            return bad(d, "trap site outside the functions", i);
        if (!is_trap_kind(t->kind) || t->pad != 0)
            return bad(d, "unknown trap kind", t->kind);
        if (m && t->wasm_offset > m->size)
            return bad(d, "trap site outside the module", i);
    }
    /* Call sites: sorted, returning inside a function, stack maps inside
     * the slot table (and, with the module, inside the function's frame). */
    for (uint32_t i = 0; i < a->ncalls; i++) {
        const wb_call_site *s = &a->calls[i];
        if (i && s->return_offset < a->calls[i - 1].return_offset)
            return bad(d, "call sites out of order", i);
        if (a->nfuncs == 0 || s->return_offset <= a->func_offsets[0] ||
            s->return_offset > code_end)
            return bad(d, "call site outside the functions", i);
        if ((uint64_t)s->map_start + s->map_count > a->nref_slots)
            return bad(d, "stack map outside the slot table", i);
        if (m && s->wasm_offset > m->size)
            return bad(d, "call site outside the module", i);
        if (m) {
            uint32_t f = func_of_return(a, s->return_offset);
            for (uint32_t k = 0; k < s->map_count; k++)
                if (!slot_fits(m, f, a->ref_slots[s->map_start + k]))
                    return bad(d, "stack-map slot outside its frame", i);
        }
    }
    for (uint32_t i = 0; i < a->nref_slots; i++) {
        int32_t off = a->ref_slots[i];
        if (off % 8 != 0 || (off > -16 && off < 16))
            return bad(d, "stack-map slot not a frame slot", i);
    }
    if (code && (err = check_eh_frame(a, code, d)) != WB_OK)
        return err;
    return WB_OK;
}

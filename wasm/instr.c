/* instr.c — the opcode table expanded into lookup tables, and the one
 * instruction reader that decoder, validator and compilers share. */
#include <stdio.h>
#include <string.h>

#include "wasm/wasm.h"

/* -- The opcode table -- */

#define NO 0
#define SP WB_SPECIAL
#define I32 WB_I32
#define I64 WB_I64
#define F32 WB_F32
#define F64 WB_F64
#define V128 WB_V128

const wb_opinfo wb_opinfo_table[WB_OP__COUNT] = {
#define WB_OP(id, pfx, cd, txt, im, p1, p2, p3, r) \
    [WB_OP_##id] = { .text = txt, .prefix = pfx, .code = cd, .imm = WB_IMM_##im, \
                     .params = { p1, p2, p3 }, .result = r },
#include "wasm/opcodes.def"
#undef WB_OP
};

/* Opcode bytes → opcode + 1 (0 = illegal). One-byte opcodes at [code],
 * 0xfc-prefixed at [256 + code], 0xfd-prefixed at [512 + code]. */
#define KEY(pfx, cd) ((pfx) == 0 ? (cd) : (pfx) == 0xfc ? 256 + (cd) : 512 + (cd))
static const uint16_t op_lookup[768] = {
#define WB_OP(id, pfx, cd, txt, im, p1, p2, p3, r) [KEY(pfx, cd)] = WB_OP_##id + 1,
#include "wasm/opcodes.def"
#undef WB_OP
};

#undef NO
#undef SP
#undef I32
#undef I64
#undef F32
#undef F64
#undef V128

const char *wb_valtype_name(uint8_t t)
{
    switch (t) {
    case WB_I32: return "i32";
    case WB_I64: return "i64";
    case WB_F32: return "f32";
    case WB_F64: return "f64";
    case WB_V128: return "v128";
    case WB_FUNCREF: return "funcref";
    case WB_EXTERNREF: return "externref";
    }
    return "?";
}

static bool is_valtype(uint8_t b)
{
    return (b >= WB_V128 && b <= WB_I32) || b == WB_FUNCREF || b == WB_EXTERNREF;
}

/* -- Reading one instruction -- */

static wb_err read_zero(wb_reader *r, uint32_t *v, wb_diag *d)
{
    uint8_t b;
    size_t at = r->pos;
    wb_err err = wb_read_u8(r, &b, d);
    if (err != WB_OK)
        return err;
    if (b != 0)
        return wb_diag_set(d, WB_ERR_ZERO_BYTE, r->section, at);
    *v = 0;
    return WB_OK;
}

static wb_err read_memarg(wb_reader *r, wb_instr *in, wb_diag *d)
{
    wb_err err;
    uint32_t off;
    if ((err = wb_read_u32(r, &in->u.mem.align, d)) != WB_OK)
        return err;
    if ((err = wb_read_u32(r, &off, d)) != WB_OK)
        return err;
    in->u.mem.offset = off;
    in->u.mem.mem = 0;
    in->u.mem.lane = 0;
    return WB_OK;
}

static wb_err read_fixed(wb_reader *r, void *dst, size_t n, wb_diag *d)
{
    const uint8_t *p;
    wb_err err = wb_read_bytes(r, n, &p, d);
    if (err == WB_OK)
        memcpy(dst, p, n);
    return err;
}

wb_err wb_read_instr(wb_reader *r, wb_instr *in, wb_diag *d)
{
    size_t at = r->pos;
    uint8_t b;
    unsigned key;
    wb_err err;

    in->offset = (uint32_t)at;
    if ((err = wb_read_u8(r, &b, d)) != WB_OK)
        return err;
    if (b == 0xfc || b == 0xfd) {
        uint32_t sub;
        if ((err = wb_read_u32(r, &sub, d)) != WB_OK)
            return err;
        if (sub >= 256)
            return wb_diag_set(d, WB_ERR_ILLEGAL_OPCODE, r->section, at);
        key = (b == 0xfc ? 256u : 512u) + sub;
    } else {
        key = b;
    }
    if (!op_lookup[key])
        return wb_diag_set(d, WB_ERR_ILLEGAL_OPCODE, r->section, at);
    in->op = (uint16_t)(op_lookup[key] - 1);

    switch ((wb_imm_kind)wb_opinfo_table[in->op].imm) {
    case WB_IMM_NONE:
        return WB_OK;
    case WB_IMM_BLOCKTYPE: {
        int64_t v;
        if (r->pos >= r->end)
            return wb_diag_set(d, WB_ERR_UNEXPECTED_END, r->section, r->pos);
        b = r->base[r->pos];
        if (b == 0x40) {
            r->pos++;
            in->u.block.kind = WB_BT_EMPTY;
            return WB_OK;
        }
        if (is_valtype(b)) {
            r->pos++;
            in->u.block.kind = WB_BT_VAL;
            in->u.block.valtype = b;
            return WB_OK;
        }
        at = r->pos;
        if ((err = wb_read_s33(r, &v, d)) != WB_OK)
            return err;
        if (v < 0)
            return wb_diag_set(d, WB_ERR_MALFORMED_VALTYPE, r->section, at);
        in->u.block.kind = WB_BT_INDEX;
        in->u.block.index = (uint32_t)v;
        return WB_OK;
    }
    case WB_IMM_LABEL:
    case WB_IMM_FUNC:
    case WB_IMM_LOCAL:
    case WB_IMM_GLOBAL:
    case WB_IMM_TABLE:
    case WB_IMM_DATA:
    case WB_IMM_ELEM:
        return wb_read_u32(r, &in->u.index, d);
    case WB_IMM_MEMIDX:
        return read_zero(r, &in->u.index, d);
    case WB_IMM_BR_TABLE: {
        uint32_t n, t;
        if ((err = wb_read_u32(r, &n, d)) != WB_OK)
            return err;
        /* Each target takes at least one byte: refuse counts the bytes
         * cannot hold before looping over them. */
        if (n > r->end - r->pos)
            return wb_diag_set(d, WB_ERR_UNEXPECTED_END, r->section, r->pos);
        if (n > WB_MAX_BR_TABLE)
            return wb_diag_set(d, WB_ERR_LIMIT_BR_TABLE, r->section, at);
        in->u.br_table.count = n;
        in->u.br_table.first = (uint32_t)r->pos;
        for (uint32_t i = 0; i < n; i++)
            if ((err = wb_read_u32(r, &t, d)) != WB_OK)
                return err;
        return wb_read_u32(r, &in->u.br_table.default_label, d);
    }
    case WB_IMM_CALL_INDIRECT:
        if ((err = wb_read_u32(r, &in->u.call_indirect.type, d)) != WB_OK)
            return err;
        return wb_read_u32(r, &in->u.call_indirect.table, d);
    case WB_IMM_SELECT_T: {
        uint32_t n;
        if ((err = wb_read_u32(r, &n, d)) != WB_OK)
            return err;
        if (n > r->end - r->pos)
            return wb_diag_set(d, WB_ERR_UNEXPECTED_END, r->section, r->pos);
        in->u.select.count = n;
        in->u.select.type = 0;
        for (uint32_t i = 0; i < n; i++) {
            at = r->pos;
            if ((err = wb_read_u8(r, &b, d)) != WB_OK)
                return err;
            if (!is_valtype(b))
                return wb_diag_set(d, WB_ERR_MALFORMED_VALTYPE, r->section, at);
            if (i == 0)
                in->u.select.type = b;
        }
        return WB_OK;
    }
    case WB_IMM_MEM8:
    case WB_IMM_MEM16:
    case WB_IMM_MEM32:
    case WB_IMM_MEM64:
    case WB_IMM_MEM128:
        return read_memarg(r, in, d);
    case WB_IMM_MEMLANE8:
    case WB_IMM_MEMLANE16:
    case WB_IMM_MEMLANE32:
    case WB_IMM_MEMLANE64:
        if ((err = read_memarg(r, in, d)) != WB_OK)
            return err;
        return wb_read_u8(r, &in->u.mem.lane, d);
    case WB_IMM_I32CONST:
        return wb_read_s32(r, &in->u.i32, d);
    case WB_IMM_I64CONST:
        return wb_read_s64(r, &in->u.i64, d);
    case WB_IMM_F32CONST:
        return read_fixed(r, &in->u.f32, 4, d);
    case WB_IMM_F64CONST:
        return read_fixed(r, &in->u.f64, 8, d);
    case WB_IMM_V128CONST:
    case WB_IMM_SHUFFLE:
        return read_fixed(r, in->u.v128, 16, d);
    case WB_IMM_LANE2:
    case WB_IMM_LANE4:
    case WB_IMM_LANE8:
    case WB_IMM_LANE16:
        return wb_read_u8(r, &in->u.lane, d);
    case WB_IMM_REFTYPE:
        at = r->pos;
        if ((err = wb_read_u8(r, &in->u.reftype, d)) != WB_OK)
            return err;
        if (!wb_is_reftype(in->u.reftype))
            return wb_diag_set(d, WB_ERR_MALFORMED_REFTYPE, r->section, at);
        return WB_OK;
    case WB_IMM_MEMINIT:
        if ((err = wb_read_u32(r, &in->u.init.seg, d)) != WB_OK)
            return err;
        return read_zero(r, &in->u.init.idx, d);
    case WB_IMM_MEMCOPY:
        if ((err = read_zero(r, &in->u.copy.dst, d)) != WB_OK)
            return err;
        return read_zero(r, &in->u.copy.src, d);
    case WB_IMM_TABLEINIT:
        if ((err = wb_read_u32(r, &in->u.init.seg, d)) != WB_OK)
            return err;
        return wb_read_u32(r, &in->u.init.idx, d);
    case WB_IMM_TABLECOPY:
        if ((err = wb_read_u32(r, &in->u.copy.dst, d)) != WB_OK)
            return err;
        return wb_read_u32(r, &in->u.copy.src, d);
    }
    return wb_diag_set(d, WB_ERR_INTERNAL, r->section, at);
}

uint32_t wb_br_table_next(const uint8_t *base, uint32_t *pos)
{
    uint32_t v = 0;
    unsigned shift = 0;
    uint8_t b;
    do {
        b = base[(*pos)++];
        v |= (uint32_t)(b & 0x7f) << shift;
        shift += 7;
    } while ((b & 0x80) && shift < 35);
    return v;
}

/* -- Formatting -- */

char *wb_instr_format(const wb_instr *in, char *buf, size_t size)
{
    const wb_opinfo *oi = &wb_opinfo_table[in->op];
    int n = snprintf(buf, size, "%s", oi->text);
    size_t rest = (n >= 0 && (size_t)n < size) ? size - (size_t)n : 0;
    char *p = buf + (size - rest);

    if (!rest)
        return buf;
    switch ((wb_imm_kind)oi->imm) {
    case WB_IMM_BLOCKTYPE:
        if (in->u.block.kind == WB_BT_VAL)
            snprintf(p, rest, " (result %s)", wb_valtype_name(in->u.block.valtype));
        else if (in->u.block.kind == WB_BT_INDEX)
            snprintf(p, rest, " (type %u)", in->u.block.index);
        break;
    case WB_IMM_LABEL: case WB_IMM_FUNC: case WB_IMM_LOCAL: case WB_IMM_GLOBAL:
    case WB_IMM_TABLE: case WB_IMM_DATA: case WB_IMM_ELEM:
        snprintf(p, rest, " %u", in->u.index);
        break;
    case WB_IMM_BR_TABLE:
        snprintf(p, rest, " [%u targets] %u", in->u.br_table.count,
                 in->u.br_table.default_label);
        break;
    case WB_IMM_CALL_INDIRECT:
        snprintf(p, rest, " %u (type %u)", in->u.call_indirect.table,
                 in->u.call_indirect.type);
        break;
    case WB_IMM_SELECT_T:
        snprintf(p, rest, " (result %s)", wb_valtype_name(in->u.select.type));
        break;
    case WB_IMM_MEM8: case WB_IMM_MEM16: case WB_IMM_MEM32: case WB_IMM_MEM64:
    case WB_IMM_MEM128:
        snprintf(p, rest, " offset=%llu align=%u",
                 (unsigned long long)in->u.mem.offset, 1u << (in->u.mem.align & 31));
        break;
    case WB_IMM_MEMLANE8: case WB_IMM_MEMLANE16: case WB_IMM_MEMLANE32:
    case WB_IMM_MEMLANE64:
        snprintf(p, rest, " offset=%llu align=%u %u",
                 (unsigned long long)in->u.mem.offset, 1u << (in->u.mem.align & 31),
                 in->u.mem.lane);
        break;
    case WB_IMM_I32CONST:
        snprintf(p, rest, " %d", in->u.i32);
        break;
    case WB_IMM_I64CONST:
        snprintf(p, rest, " %lld", (long long)in->u.i64);
        break;
    case WB_IMM_F32CONST:
        snprintf(p, rest, " 0x%08x", in->u.f32);
        break;
    case WB_IMM_F64CONST:
        snprintf(p, rest, " 0x%016llx", (unsigned long long)in->u.f64);
        break;
    case WB_IMM_LANE2: case WB_IMM_LANE4: case WB_IMM_LANE8: case WB_IMM_LANE16:
        snprintf(p, rest, " %u", in->u.lane);
        break;
    case WB_IMM_REFTYPE:
        snprintf(p, rest, " %s", in->u.reftype == WB_FUNCREF ? "func" : "extern");
        break;
    case WB_IMM_MEMINIT: case WB_IMM_TABLEINIT:
        snprintf(p, rest, " %u %u", in->u.init.idx, in->u.init.seg);
        break;
    case WB_IMM_TABLECOPY:
        snprintf(p, rest, " %u %u", in->u.copy.dst, in->u.copy.src);
        break;
    default:
        break;
    }
    return buf;
}

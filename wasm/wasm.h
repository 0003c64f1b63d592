/* wasm.h — the WebAssembly binary format: decoding bytes into a module
 * description, validating it, and reading instructions. Pure: no syscalls,
 * no mapping of memory; everything hostile input can reach is bounded by
 * wb_limits.h. */
#ifndef WB_WASM_H
#define WB_WASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasmbox.h"
#include "wb_common.h"
#include "wb_limits.h"

/* -- Opcodes (from opcodes.def) -- */

typedef enum wb_opcode {
#define WB_OP(id, pfx, code, text, imm, p1, p2, p3, r) WB_OP_##id,
#include "wasm/opcodes.def"
#undef WB_OP
    WB_OP__COUNT
} wb_opcode;

typedef enum wb_imm_kind {
    WB_IMM_NONE,
    WB_IMM_BLOCKTYPE,     /* u.block */
    WB_IMM_LABEL,         /* u.index: relative depth */
    WB_IMM_BR_TABLE,      /* u.br_table */
    WB_IMM_FUNC,          /* u.index: function index */
    WB_IMM_CALL_INDIRECT, /* u.call_indirect */
    WB_IMM_SELECT_T,      /* u.select */
    WB_IMM_LOCAL,         /* u.index */
    WB_IMM_GLOBAL,        /* u.index */
    WB_IMM_TABLE,         /* u.index: table index */
    WB_IMM_MEMIDX,        /* u.index: memory index (a zero byte in 2.0) */
    WB_IMM_MEM8, WB_IMM_MEM16, WB_IMM_MEM32, WB_IMM_MEM64, WB_IMM_MEM128, /* u.mem */
    WB_IMM_MEMLANE8, WB_IMM_MEMLANE16, WB_IMM_MEMLANE32, WB_IMM_MEMLANE64, /* u.mem + lane */
    WB_IMM_I32CONST, WB_IMM_I64CONST, WB_IMM_F32CONST, WB_IMM_F64CONST,
    WB_IMM_V128CONST,     /* u.v128 */
    WB_IMM_SHUFFLE,       /* u.v128: 16 lane indices */
    WB_IMM_LANE2, WB_IMM_LANE4, WB_IMM_LANE8, WB_IMM_LANE16, /* u.lane */
    WB_IMM_REFTYPE,       /* u.reftype */
    WB_IMM_DATA,          /* u.index: data segment */
    WB_IMM_ELEM,          /* u.index: element segment */
    WB_IMM_MEMINIT,       /* u.init: seg = data segment, idx = memory */
    WB_IMM_MEMCOPY,       /* u.copy: dst, src memories */
    WB_IMM_TABLEINIT,     /* u.init: seg = elem segment, idx = table */
    WB_IMM_TABLECOPY,     /* u.copy: dst, src tables */
} wb_imm_kind;

/* Static facts about one opcode, from opcodes.def. */
typedef struct wb_opinfo {
    const char *text;     /* "i32.add" */
    uint8_t prefix;       /* 0, 0xfc, 0xfd */
    uint32_t code;
    uint8_t imm;          /* wb_imm_kind */
    uint8_t params[3];    /* wb_valtype or 0 (none); WB_SPECIAL in params[0] */
    uint8_t result;       /* wb_valtype or 0 */
} wb_opinfo;

#define WB_SPECIAL 0xff   /* params[0] of an instruction handled by hand */

extern const wb_opinfo wb_opinfo_table[WB_OP__COUNT];

/* -- Types -- */

/* wb_valtype and wb_extern_kind come from wasmbox.h. */

static inline bool wb_is_reftype(uint8_t t) { return t == WB_FUNCREF || t == WB_EXTERNREF; }
const char *wb_valtype_name(uint8_t t); /* "i32", ..., "?" for anything else */

typedef struct wb_functype {
    uint32_t nparams, nresults;
    const uint8_t *types;   /* nparams params then nresults results (module arena) */
} wb_functype;

typedef struct wb_limits {
    uint64_t min, max;
    bool has_max;
    bool shared;            /* memories only (threads); always false in 2.0 */
} wb_limits;

typedef struct wb_tabletype { uint8_t elem; wb_limits lim; } wb_tabletype;
typedef struct wb_memtype { wb_limits lim; } wb_memtype;
typedef struct wb_globaltype { uint8_t type; bool mut; } wb_globaltype;

/* A name inside the module bytes (borrowed, not NUL-terminated, valid UTF-8). */
typedef struct wb_name { const char *ptr; uint32_t len; } wb_name;

/* A constant expression. The decoder records its byte range (up to and
 * including the final `end`); the validator checks it. When the expression
 * is a single instruction (all that 2.0 allows), `op` and `u` hold it
 * pre-decoded so instantiation needs no re-parsing; else op = WB_OP__COUNT. */
typedef struct wb_const_expr {
    uint32_t offset, length;
    uint16_t op;            /* WB_OP_I32_CONST, ..._GLOBAL_GET, _REF_NULL, _REF_FUNC, _V128_CONST */
    union {
        int32_t i32;
        int64_t i64;
        uint32_t f32;       /* raw bits */
        uint64_t f64;       /* raw bits */
        uint8_t v128[16];
        uint32_t index;     /* global.get, ref.func */
        uint8_t reftype;    /* ref.null */
    } u;
} wb_const_expr;

/* -- The module -- */

typedef struct wb_import {
    wb_name module, name;
    uint8_t kind;           /* wb_extern_kind */
    uint32_t index;         /* index in the kind's index space */
} wb_import;

typedef struct wb_export {
    wb_name name;
    uint8_t kind;           /* wb_extern_kind */
    uint32_t index;
} wb_export;

typedef struct wb_func {
    uint32_t type;          /* type index */
    int32_t import;         /* index into imports[], or -1 for a defined function */
} wb_func;

typedef struct wb_table { wb_tabletype type; int32_t import; } wb_table;
typedef struct wb_memory { wb_memtype type; int32_t import; } wb_memory;
typedef struct wb_global {
    wb_globaltype type;
    int32_t import;         /* -1 when defined here; then init is set */
    wb_const_expr init;
} wb_global;

typedef struct wb_local_group { uint32_t count; uint8_t type; } wb_local_group;

/* One function body of the code section. */
typedef struct wb_code {
    uint32_t offset;        /* first byte of the body (its locals vector) */
    uint32_t size;          /* body size as declared */
    uint32_t expr_offset;   /* first instruction */
    uint32_t nlocals;       /* declared locals, params excluded */
    uint32_t ngroups;
    const wb_local_group *groups;
} wb_code;

typedef enum wb_seg_mode { WB_SEG_ACTIVE, WB_SEG_PASSIVE, WB_SEG_DECLARATIVE } wb_seg_mode;

typedef struct wb_elem {
    uint8_t mode;           /* wb_seg_mode */
    uint8_t reftype;        /* WB_FUNCREF or WB_EXTERNREF */
    uint32_t table;         /* active only */
    wb_const_expr offset;   /* active only */
    uint32_t count;
    /* Exactly one of these is set: plain function indices (encodings 0-3),
     * or one constant expression per element (encodings 4-7). */
    const uint32_t *funcs;
    const wb_const_expr *exprs;
    uint32_t offset_in_file; /* the segment's first byte, for diagnostics */
} wb_elem;

typedef struct wb_data {
    uint8_t mode;           /* WB_SEG_ACTIVE or WB_SEG_PASSIVE */
    uint32_t memory;        /* active only */
    wb_const_expr offset;   /* active only */
    uint32_t data_offset, data_len; /* the bytes, within the module */
} wb_data;

typedef struct wb_indexed_name { uint32_t index; wb_name name; } wb_indexed_name;

typedef struct wb_custom { wb_name name; uint32_t offset, len; } wb_custom;

/* The decoded module. All arrays live in the module's arena and are freed
 * with wb_module_free. `bytes` is borrowed: the caller keeps the input alive
 * and unchanged for the module's lifetime (names and code point into it). */
typedef struct wb_module {
    const uint8_t *bytes;
    size_t size;

    uint32_t ntypes;        wb_functype *types;
    uint32_t nimports;      wb_import *imports;
    /* Index spaces: imported entries first, then defined ones. */
    uint32_t nfuncs, nfunc_imports;     wb_func *funcs;
    uint32_t ntables, ntable_imports;   wb_table *tables;
    uint32_t nmems, nmem_imports;       wb_memory *mems;
    uint32_t nglobals, nglobal_imports; wb_global *globals;
    uint32_t nexports;      wb_export *exports;
    bool has_start;         uint32_t start;
    uint32_t nelems;        wb_elem *elems;
    bool has_data_count;    uint32_t data_count;
    uint32_t ncodes;        wb_code *codes;     /* ncodes == nfuncs - nfunc_imports */
    uint32_t ndatas;        wb_data *datas;
    uint32_t ncustoms;      wb_custom *customs;

    /* name section (if present and well-formed; a bad name section is
     * ignored, as the spec says custom sections may be) */
    bool has_module_name;   wb_name module_name;
    uint32_t nfunc_names;   wb_indexed_name *func_names; /* sorted by index */

    /* Functions whose index appears outside function bodies (exports,
     * element segments, global initializers): the only ones ref.func may
     * name inside a body. Bit i set = function i declared. */
    uint8_t *declared_funcs; /* (nfuncs + 7) / 8 bytes */

    struct wb_arena *arena;
} wb_module;

/* Decodes `bytes` (borrowed, see wb_module) into a new module. Checks the
 * binary format only; call wb_module_validate before using the module.
 * On error returns the code, fills d (may be NULL) and sets *out to NULL. */
wb_err wb_module_decode(const uint8_t *bytes, size_t size, wb_module **out, wb_diag *d);

/* Validates every definition and function body of a decoded module.
 * Reports malformed bodies (bad opcodes, LEB128) as MALFORMED errors. */
wb_err wb_module_validate(const wb_module *m, wb_diag *d);

/* Decode + validate in one call. */
wb_err wb_module_load(const uint8_t *bytes, size_t size, wb_module **out, wb_diag *d);

void wb_module_free(wb_module *m);

/* Name of function `index` from the name section, or NULL. */
const wb_name *wb_module_func_name(const wb_module *m, uint32_t index);

/* Type of function `index` (must be < nfuncs). */
static inline const wb_functype *wb_func_type(const wb_module *m, uint32_t index)
{
    return &m->types[m->funcs[index].type];
}

/* -- Reading bytes -- */

/* A cursor over the module bytes. Positions are offsets from `base` (the
 * start of the module), so every diagnostic names a module offset. */
typedef struct wb_reader {
    const uint8_t *base;
    size_t pos, end;
    const char *section;    /* static name for diagnostics: "type", "code", ... */
} wb_reader;

wb_err wb_read_u8(wb_reader *r, uint8_t *v, wb_diag *d);
wb_err wb_read_u32(wb_reader *r, uint32_t *v, wb_diag *d);   /* LEB128, exact checks */
wb_err wb_read_s32(wb_reader *r, int32_t *v, wb_diag *d);
wb_err wb_read_s33(wb_reader *r, int64_t *v, wb_diag *d);
wb_err wb_read_s64(wb_reader *r, int64_t *v, wb_diag *d);
wb_err wb_read_u64(wb_reader *r, uint64_t *v, wb_diag *d);
wb_err wb_read_bytes(wb_reader *r, size_t n, const uint8_t **p, wb_diag *d);
wb_err wb_read_name(wb_reader *r, wb_name *name, wb_diag *d); /* length + UTF-8 check */

/* -- Instructions -- */

typedef enum wb_blocktype_kind { WB_BT_EMPTY, WB_BT_VAL, WB_BT_INDEX } wb_blocktype_kind;

typedef struct wb_instr {
    uint16_t op;            /* wb_opcode */
    uint32_t offset;        /* module offset of the opcode's first byte */
    union {
        struct { uint8_t kind; uint8_t valtype; uint32_t index; } block;
        uint32_t index;
        struct { uint32_t type, table; } call_indirect;
        /* Targets are re-read with wb_br_table_next from `first`; the
         * reader has already checked their encoding. */
        struct { uint32_t count; uint32_t first; uint32_t default_label; } br_table;
        struct { uint32_t align; uint32_t mem; uint64_t offset; uint8_t lane; } mem;
        struct { uint32_t count; uint8_t type; } select; /* count types, first kept */
        int32_t i32;
        int64_t i64;
        uint32_t f32;
        uint64_t f64;
        uint8_t v128[16];
        uint8_t lane;
        uint8_t reftype;
        struct { uint32_t seg, idx; } init;
        struct { uint32_t dst, src; } copy;
    } u;
} wb_instr;

/* Reads one instruction and its immediates at r->pos. Malformed encodings
 * (unknown opcode, bad LEB128, non-zero reserved byte, bad value type) are
 * MALFORMED errors. Does not check indices against the module. */
wb_err wb_read_instr(wb_reader *r, wb_instr *in, wb_diag *d);

/* Returns the br_table target at *pos and advances it (targets of an
 * instruction already read by wb_read_instr, so they are known valid). */
uint32_t wb_br_table_next(const uint8_t *base, uint32_t *pos);

/* Writes "i32.add", "i32.load offset=4 align=2", ... for diagnostics and
 * disassembly; returns buf. */
char *wb_instr_format(const wb_instr *in, char *buf, size_t size);

#endif

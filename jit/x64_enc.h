/* x64_enc.h — the x86-64 machine-code encoder: instructions by operand form
 * into a growable byte buffer, labels with fix-ups. Knows nothing of wasm.
 *
 * Forms: r = GPR, m = memory operand, i = immediate, x = XMM register.
 *   x64_rr(b, X64_ADD, X64_32, X64_RAX, X64_RCX)      add eax, ecx
 *   x64_rm(b, X64_MOV, X64_64, X64_RAX, x64_mem_bd(X64_RSP, 8))
 *                                                     mov rax, [rsp+8]
 * Errors (invalid operand combination, allocation failure, rel8 out of
 * range, label misuse) never crash and are not returned per call: the
 * first one is recorded in the buffer (the faulty instruction is dropped)
 * and x64_buf_finish() reports it, so a compiler checks once per function.
 * The buffer is plain malloc'ed memory: the encoder never maps memory or
 * makes it executable. */
#ifndef WB_X64_ENC_H
#define WB_X64_ENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wb_common.h"
#include "jit/x64_regs.h"

/* Operand size in bytes. */
typedef enum x64_size { X64_8 = 1, X64_16 = 2, X64_32 = 4, X64_64 = 8 } x64_size;

/* Condition codes, as encoded in jcc/setcc/cmovcc; cc ^ 1 negates. */
typedef enum x64_cc {
    X64_CC_O,  X64_CC_NO, X64_CC_B,  X64_CC_AE, X64_CC_E,  X64_CC_NE,
    X64_CC_BE, X64_CC_A,  X64_CC_S,  X64_CC_NS, X64_CC_P,  X64_CC_NP,
    X64_CC_L,  X64_CC_GE, X64_CC_LE, X64_CC_G,
} x64_cc;
static inline x64_cc x64_cc_not(x64_cc cc) { return (x64_cc)(cc ^ 1); }

/* -- Integer operations --
 * _(NAME, "mnemonic", flags, rm, mr, i32, i8, ax, o, un, digit)
 *   rm    opcode of "op r, r/m"            mr  opcode of "op r/m, r"
 *   i32   "op r/m, imm16/32" (/digit)      i8  "op r/m, imm8" (/digit)
 *   ax    "op eax, imm32" short form       o   register in the opcode: "op r"
 *   un    one-operand "op r/m" (/digit)    digit  the ModRM.reg extension
 * 0 means the form does not exist. Opcodes are their bytes in order:
 * 0xF30FBD is F3 0F BD, a mandatory prefix first.
 * flags: B   byte forms exist at opcode - 1 (not for i8: 83 has none)
 *        SH  shift: i8 always (C1); by 1 at +0x10 (D1), by cl at +0x12 (D3)
 *        RRI i32/i8 are "op r, r/m, imm" (imul)
 *        S8  the r/m operand is a byte (movzx/movsx from 8 bits)
 *        D64 64-bit operand without REX.W, no other size (push, pop, ...)
 *        W64 64-bit operand only, with REX.W (movsxd)
 *        N16 32- and 64-bit operands only (movzx/movsx from 16 bits)
 *        MO  rm takes memory only (lea)
 *        RMRR reg-reg uses rm (ModRM.reg = destination) instead of mr */
#define X64_OP_LIST(_)                                                                 \
    /* NAME   mnemonic  flags  rm        mr    i32   i8    ax    o       un    digit */ \
    _(ADD,     "add",     B,    0x03,     0x01, 0x81, 0x83, 0x05, 0,      0,    0)     \
    _(OR,      "or",      B,    0x0B,     0x09, 0x81, 0x83, 0x0D, 0,      0,    1)     \
    _(ADC,     "adc",     B,    0x13,     0x11, 0x81, 0x83, 0x15, 0,      0,    2)     \
    _(SBB,     "sbb",     B,    0x1B,     0x19, 0x81, 0x83, 0x1D, 0,      0,    3)     \
    _(AND,     "and",     B,    0x23,     0x21, 0x81, 0x83, 0x25, 0,      0,    4)     \
    _(SUB,     "sub",     B,    0x2B,     0x29, 0x81, 0x83, 0x2D, 0,      0,    5)     \
    _(XOR,     "xor",     B,    0x33,     0x31, 0x81, 0x83, 0x35, 0,      0,    6)     \
    _(CMP,     "cmp",     B,    0x3B,     0x39, 0x81, 0x83, 0x3D, 0,      0,    7)     \
    _(MOV,     "mov",     B,    0x8B,     0x89, 0xC7, 0,    0,    0xB8,   0,    0)     \
    _(TEST,    "test",    B,    0x85,     0x85, 0xF7, 0,    0xA9, 0,      0,    0)     \
    _(XCHG,    "xchg",    B|RMRR, 0x87,   0x87, 0,    0,    0,    0x90,   0,    0)     \
    _(LEA,     "lea",     MO,   0x8D,     0,    0,    0,    0,    0,      0,    0)     \
    _(IMUL,    "imul",    RRI,  0x0FAF,   0,    0x69, 0x6B, 0,    0,      0xF7, 5)     \
    _(MOVZX8,  "movzx",   S8,   0x0FB6,   0,    0,    0,    0,    0,      0,    0)     \
    _(MOVZX16, "movzx",   N16,  0x0FB7,   0,    0,    0,    0,    0,      0,    0)     \
    _(MOVSX8,  "movsx",   S8,   0x0FBE,   0,    0,    0,    0,    0,      0,    0)     \
    _(MOVSX16, "movsx",   N16,  0x0FBF,   0,    0,    0,    0,    0,      0,    0)     \
    _(MOVSXD,  "movsxd",  W64,  0x63,     0,    0,    0,    0,    0,      0,    0)     \
    _(LZCNT,   "lzcnt",   0,    0xF30FBD, 0,    0,    0,    0,    0,      0,    0)     \
    _(TZCNT,   "tzcnt",   0,    0xF30FBC, 0,    0,    0,    0,    0,      0,    0)     \
    _(POPCNT,  "popcnt",  0,    0xF30FB8, 0,    0,    0,    0,    0,      0,    0)     \
    _(BSR,     "bsr",     0,    0x0FBD,   0,    0,    0,    0,    0,      0,    0)     \
    _(BSF,     "bsf",     0,    0x0FBC,   0,    0,    0,    0,    0,      0,    0)     \
    _(ROL,     "rol",     B|SH, 0,        0,    0,    0xC1, 0,    0,      0,    0)     \
    _(ROR,     "ror",     B|SH, 0,        0,    0,    0xC1, 0,    0,      0,    1)     \
    _(RCL,     "rcl",     B|SH, 0,        0,    0,    0xC1, 0,    0,      0,    2)     \
    _(RCR,     "rcr",     B|SH, 0,        0,    0,    0xC1, 0,    0,      0,    3)     \
    _(SHL,     "shl",     B|SH, 0,        0,    0,    0xC1, 0,    0,      0,    4)     \
    _(SHR,     "shr",     B|SH, 0,        0,    0,    0xC1, 0,    0,      0,    5)     \
    _(SAR,     "sar",     B|SH, 0,        0,    0,    0xC1, 0,    0,      0,    7)     \
    _(NOT,     "not",     B,    0,        0,    0,    0,    0,    0,      0xF7, 2)     \
    _(NEG,     "neg",     B,    0,        0,    0,    0,    0,    0,      0xF7, 3)     \
    _(MUL,     "mul",     B,    0,        0,    0,    0,    0,    0,      0xF7, 4)     \
    _(DIV,     "div",     B,    0,        0,    0,    0,    0,    0,      0xF7, 6)     \
    _(IDIV,    "idiv",    B,    0,        0,    0,    0,    0,    0,      0xF7, 7)     \
    _(INC,     "inc",     B,    0,        0,    0,    0,    0,    0,      0xFF, 0)     \
    _(DEC,     "dec",     B,    0,        0,    0,    0,    0,    0,      0xFF, 1)     \
    _(BSWAP,   "bswap",   0,    0,        0,    0,    0,    0,    0x0FC8, 0,    0)     \
    _(PUSH,    "push",    D64,  0,        0,    0,    0,    0,    0x50,   0xFF, 6)     \
    _(POP,     "pop",     D64,  0,        0,    0,    0,    0,    0x58,   0x8F, 0)     \
    _(CALL,    "call",    D64,  0,        0,    0,    0,    0,    0,      0xFF, 2)     \
    _(JMP,     "jmp",     D64,  0,        0,    0,    0,    0,    0,      0xFF, 4)

typedef enum x64_op {
#define X64_OP_ENUM(name, mn, f, rm, mr, i32, i8, ax, o, un, d) X64_##name,
    X64_OP_LIST(X64_OP_ENUM)
#undef X64_OP_ENUM
    X64_OP__COUNT
} x64_op;

/* -- SSE operations --
 * _(NAME, "mnemonic", flags, xm, mx, xr, rx)
 *   xm  "op x, x/m" (loads, arithmetic)   mx  "op m, x" (stores)
 *   xr  "op x, r/m" with a GPR source     rx  "op r, x/m" with a GPR destination
 * 0x48 in an opcode marks where REX.W goes: 0xF2480F2A is F2 REX.W 0F 2A.
 * flags: I   takes an imm8 (x64_xxi, x64_xmi)
 *        NX  xm takes memory only (no x, x form)
 *        RV  rx keeps the XMM in ModRM.reg and the GPR in r/m (movd, movq)
 *        RO  rx takes an XMM register only (movmskps: no memory form) */
#define X64_SOP_LIST(_)                                                                  \
    /* NAME        mnemonic      flags  xm          mx        xr          rx */          \
    _(MOVSS,       "movss",      0,     0xF30F10,   0xF30F11, 0,          0)            \
    _(MOVSD,       "movsd",      0,     0xF20F10,   0xF20F11, 0,          0)            \
    _(MOVAPS,      "movaps",     0,     0x0F28,     0x0F29,   0,          0)            \
    _(MOVUPS,      "movups",     0,     0x0F10,     0x0F11,   0,          0)            \
    _(MOVAPD,      "movapd",     0,     0x660F28,   0x660F29, 0,          0)            \
    _(MOVDQA,      "movdqa",     0,     0x660F6F,   0x660F7F, 0,          0)            \
    _(MOVDQU,      "movdqu",     0,     0xF30F6F,   0xF30F7F, 0,          0)            \
    _(MOVD,        "movd",       NX|RV, 0x660F6E,   0x660F7E, 0x660F6E,   0x660F7E)     \
    _(MOVQ,        "movq",       RV,    0xF30F7E,   0x660FD6, 0x66480F6E, 0x66480F7E)   \
    _(ADDSS,       "addss",      0,     0xF30F58,   0,        0,          0)            \
    _(ADDSD,       "addsd",      0,     0xF20F58,   0,        0,          0)            \
    _(SUBSS,       "subss",      0,     0xF30F5C,   0,        0,          0)            \
    _(SUBSD,       "subsd",      0,     0xF20F5C,   0,        0,          0)            \
    _(MULSS,       "mulss",      0,     0xF30F59,   0,        0,          0)            \
    _(MULSD,       "mulsd",      0,     0xF20F59,   0,        0,          0)            \
    _(DIVSS,       "divss",      0,     0xF30F5E,   0,        0,          0)            \
    _(DIVSD,       "divsd",      0,     0xF20F5E,   0,        0,          0)            \
    _(SQRTSS,      "sqrtss",     0,     0xF30F51,   0,        0,          0)            \
    _(SQRTSD,      "sqrtsd",     0,     0xF20F51,   0,        0,          0)            \
    _(MINSS,       "minss",      0,     0xF30F5D,   0,        0,          0)            \
    _(MINSD,       "minsd",      0,     0xF20F5D,   0,        0,          0)            \
    _(MAXSS,       "maxss",      0,     0xF30F5F,   0,        0,          0)            \
    _(MAXSD,       "maxsd",      0,     0xF20F5F,   0,        0,          0)            \
    _(ROUNDSS,     "roundss",    I,     0x660F3A0A, 0,        0,          0)            \
    _(ROUNDSD,     "roundsd",    I,     0x660F3A0B, 0,        0,          0)            \
    _(CVTSS2SD,    "cvtss2sd",   0,     0xF30F5A,   0,        0,          0)            \
    _(CVTSD2SS,    "cvtsd2ss",   0,     0xF20F5A,   0,        0,          0)            \
    _(CVTSI2SS,    "cvtsi2ss",   NX,    0xF30F2A,   0,        0xF30F2A,   0)            \
    _(CVTSI2SS_Q,  "cvtsi2ss",   NX,    0xF3480F2A, 0,        0xF3480F2A, 0)            \
    _(CVTSI2SD,    "cvtsi2sd",   NX,    0xF20F2A,   0,        0xF20F2A,   0)            \
    _(CVTSI2SD_Q,  "cvtsi2sd",   NX,    0xF2480F2A, 0,        0xF2480F2A, 0)            \
    _(CVTTSS2SI,   "cvttss2si",  0,     0,          0,        0,          0xF30F2C)     \
    _(CVTTSS2SI_Q, "cvttss2si",  0,     0,          0,        0,          0xF3480F2C)   \
    _(CVTTSD2SI,   "cvttsd2si",  0,     0,          0,        0,          0xF20F2C)     \
    _(CVTTSD2SI_Q, "cvttsd2si",  0,     0,          0,        0,          0xF2480F2C)   \
    _(UCOMISS,     "ucomiss",    0,     0x0F2E,     0,        0,          0)            \
    _(UCOMISD,     "ucomisd",    0,     0x660F2E,   0,        0,          0)            \
    _(COMISS,      "comiss",     0,     0x0F2F,     0,        0,          0)            \
    _(COMISD,      "comisd",     0,     0x660F2F,   0,        0,          0)            \
    _(ANDPS,       "andps",      0,     0x0F54,     0,        0,          0)            \
    _(ANDPD,       "andpd",      0,     0x660F54,   0,        0,          0)            \
    _(ANDNPS,      "andnps",     0,     0x0F55,     0,        0,          0)            \
    _(ANDNPD,      "andnpd",     0,     0x660F55,   0,        0,          0)            \
    _(ORPS,        "orps",       0,     0x0F56,     0,        0,          0)            \
    _(ORPD,        "orpd",       0,     0x660F56,   0,        0,          0)            \
    _(XORPS,       "xorps",      0,     0x0F57,     0,        0,          0)            \
    _(XORPD,       "xorpd",      0,     0x660F57,   0,        0,          0)            \
    _(CMPSS,       "cmpss",      I,     0xF30FC2,   0,        0,          0)            \
    _(CMPSD,       "cmpsd",      I,     0xF20FC2,   0,        0,          0)            \
    _(MOVMSKPS,    "movmskps",   RO,    0,          0,        0,          0x0F50)       \
    _(MOVMSKPD,    "movmskpd",   RO,    0,          0,        0,          0x660F50)     \
    _(PXOR,        "pxor",       0,     0x660FEF,   0,        0,          0)            \
    _(PAND,        "pand",       0,     0x660FDB,   0,        0,          0)            \
    _(PANDN,       "pandn",      0,     0x660FDF,   0,        0,          0)            \
    _(POR,         "por",        0,     0x660FEB,   0,        0,          0)            \
    _(PADDD,       "paddd",      0,     0x660FFE,   0,        0,          0)            \
    _(PSUBD,       "psubd",      0,     0x660FFA,   0,        0,          0)            \
    _(PADDQ,       "paddq",      0,     0x660FD4,   0,        0,          0)            \
    _(PSUBQ,       "psubq",      0,     0x660FFB,   0,        0,          0)            \
    _(PCMPEQD,     "pcmpeqd",    0,     0x660F76,   0,        0,          0)            \
    _(PSHUFD,      "pshufd",     I,     0x660F70,   0,        0,          0)

typedef enum x64_sop {
#define X64_SOP_ENUM(name, mn, f, xm, mx, xr, rx) X64_##name,
    X64_SOP_LIST(X64_SOP_ENUM)
#undef X64_SOP_ENUM
    X64_SOP__COUNT
} x64_sop;

/* roundss/roundsd immediates (round to nearest even, down, up, toward zero),
 * with "suppress precision exception" (bit 3) as wasm wants. */
enum { X64_ROUND_NEAREST = 8, X64_ROUND_FLOOR = 9, X64_ROUND_CEIL = 10,
       X64_ROUND_TRUNC = 11 };
/* cmpss/cmpsd predicates. */
enum { X64_CMP_EQ, X64_CMP_LT, X64_CMP_LE, X64_CMP_UNORD, X64_CMP_NEQ,
       X64_CMP_NLT, X64_CMP_NLE, X64_CMP_ORD };

/* Mnemonic of an operation, for dumps ("add", "cvttsd2si"). */
const char *x64_op_name(x64_op op);
const char *x64_sop_name(x64_sop op);

/* -- Labels and memory operands -- */
typedef uint32_t x64_label;          /* index into the buffer's labels */
#define X64_NOLABEL UINT32_MAX

/* [base + index*(1<<scale) + disp]; base X64_RIP means [rip + disp32], to
 * label + disp when label is set; base/index X64_NOREG mean none. */
typedef struct x64_mem {
    uint8_t base, index, scale;
    int32_t disp;
    x64_label label;
} x64_mem;

_Static_assert(offsetof(x64_mem, disp) == 4 && sizeof(x64_mem) == 12, "x64_mem layout");

static inline uint8_t x64_scale_log2(unsigned scale)
{
    return scale == 1 ? 0 : scale == 2 ? 1 : scale == 4 ? 2 : scale == 8 ? 3 : 0xff;
}
/* Builds the first eight bytes as one integer: gcc then passes the operand
 * in registers instead of assembling it on the stack with narrow stores
 * and reading it back wide (a store-forwarding stall per instruction). */
static inline x64_mem x64_mem_make(unsigned base, unsigned index, unsigned scale_log2,
                                   int32_t disp, x64_label label)
{
    x64_mem m;
    uint64_t w = (uint64_t)(base & 0xff) | (uint64_t)(index & 0xff) << 8 |
                 (uint64_t)(scale_log2 & 0xff) << 16 | (uint64_t)(uint32_t)disp << 32;
    memcpy(&m, &w, 8);
    m.label = label;
    return m;
}
/* [base + disp] */
static inline x64_mem x64_mem_bd(x64_gpr base, int32_t disp)
{
    return x64_mem_make(base, X64_NOREG, 0, disp, X64_NOLABEL);
}
/* [base + index*scale + disp]; scale is 1, 2, 4 or 8; index is never rsp */
static inline x64_mem x64_mem_bisd(x64_gpr base, x64_gpr index, unsigned scale, int32_t disp)
{
    return x64_mem_make(base, index, x64_scale_log2(scale), disp, X64_NOLABEL);
}
/* [index*scale + disp32] (no base) */
static inline x64_mem x64_mem_isd(x64_gpr index, unsigned scale, int32_t disp)
{
    return x64_mem_make(X64_NOREG, index, x64_scale_log2(scale), disp, X64_NOLABEL);
}
/* [disp32] (absolute, sign-extended) */
static inline x64_mem x64_mem_abs(int32_t disp)
{
    return x64_mem_make(X64_NOREG, X64_NOREG, 0, disp, X64_NOLABEL);
}
/* [rip + label + addend]: patched when the label is bound */
static inline x64_mem x64_mem_rip(x64_label label, int32_t addend)
{
    return x64_mem_make(X64_RIP, X64_NOREG, 0, addend, label);
}
/* [rip + disp32] with a raw displacement from the end of the instruction */
static inline x64_mem x64_mem_ripd(int32_t disp)
{
    return x64_mem_make(X64_RIP, X64_NOREG, 0, disp, X64_NOLABEL);
}

/* -- Coverage of instruction forms --
 *
 * A buffer whose `cov` points to an x64_cov set adds to it one key for each
 * instruction it encodes: its instruction form. A form is what decides the
 * shape of the encoding:
 *   - the encoder function (x64_form) and the operation (x64_op or
 *     x64_sop; the condition of jcc/setcc/cmovcc; the length of a nop);
 *   - the operand size;
 *   - the encoding chosen where there is a choice (x64_variant);
 *   - the class of each register operand: 0-7, 8-15 (REX.R/B), or a byte
 *     register 4-7 (spl..dil: a REX prefix with no bit set);
 *   - the shape of a memory operand: base none/rip/register, the base's
 *     low bits rsp/r12 (a SIB) or rbp/r13 (no mod 00: a disp8 0) or other,
 *     REX.B, index none/0-7/8-15 and its scale, displacement 0/8/32 bits;
 *   - the class of an immediate (X64_IMM_*), by value against the sizes.
 * Data (x64_bytes, x64_d32...) is not recorded. Recording turns the fast
 * paths off, so a normal build pays one test of `cov` per instruction.
 * The encoder's golden tests record their cases the same way, so that a
 * test can check that every form a compiler emitted has a golden case. */
#define X64_FORM_LIST(_)                                                       \
    _(RR, "rr") _(RM, "rm") _(MR, "mr") _(RI, "ri") _(MI, "mi") _(R, "r")       \
    _(M, "m") _(RRI, "rri") _(RMI, "rmi") _(RI64, "ri64") _(SETCC, "setcc")    \
    _(SETCC_M, "setcc_m") _(CMOV, "cmov") _(CMOV_M, "cmov_m") _(CDQ, "cdq")    \
    _(RET, "ret") _(INT3, "int3") _(UD2, "ud2") _(JMP, "jmp") _(JCC, "jcc")    \
    _(CALL, "call") _(NOP, "nop") _(XX, "xx") _(XM, "xm") _(MX, "mx")          \
    _(XR, "xr") _(RX, "rx") _(RXM, "rxm") _(XXI, "xxi") _(XMI, "xmi")

typedef enum x64_form {
#define X64_FORM_ENUM(name, text) X64_FORM_##name,
    X64_FORM_LIST(X64_FORM_ENUM)
#undef X64_FORM_ENUM
    X64_FORM__COUNT
} x64_form;

/* The encoding chosen among those of one form. */
typedef enum x64_variant {
    X64_VAR_ONE,    /* the form has one encoding */
    X64_VAR_8,      /* imm8 (83 /d ib, C1, 6B), or a rel8 jump */
    X64_VAR_32,     /* imm16/32 (81 /d id, C7, 69), or a rel32 jump/call */
    X64_VAR_SHORT,  /* register in the opcode (B8+r, 50+r, 90+r, 0F C8+r),
                       op eax, imm (05), or a shift by 1 (D1) */
} x64_variant;

/* Register classes (X64_COV_KEY). */
enum { X64_REG_NONE, X64_REG_LO, X64_REG_BYTE, X64_REG_HI };

/* Immediate classes: v as given, for an operand of sz bytes whose
 * immediate field has b = 8, 16 or 32 bits (32 for 64-bit operands). */
enum {
    X64_IMM_NONE,
    X64_IMM_S8POS,   /* 0 <= v <= 127 */
    X64_IMM_S8NEG,   /* -128 <= v < 0 */
    X64_IMM_POS,     /* 127 < v < 2^(b-1) */
    X64_IMM_NEG,     /* -2^(b-1) <= v < -128 */
    X64_IMM_WRAP8,   /* 2^(b-1) <= v < 2^b, and v sign-extended from b bits fits imm8 */
    X64_IMM_WRAP,    /* 2^(b-1) <= v < 2^b otherwise */
    X64_IMM_WIDE,    /* none of these (a 64-bit immediate) */
};

/* Key of a form: bits 0-1 first register operand, 2-3 second (in the
 * order of the encoder's arguments; X64_REG_*), 4-15 memory shape
 * (x64_cov_mem_shape, 0: none), 16-18 immediate class, 19-20 variant,
 * 21-22 size index (0: 1 byte or none, 1: 2, 2: 4, 3: 8 bytes), 23-29
 * operation, 30-34 form. */
#define X64_COV_KEY(form, op, szi, var, shape)                                  \
    ((uint64_t)(form) << 30 | (uint64_t)(op) << 23 | (uint64_t)(szi) << 21 |   \
     (uint64_t)(var) << 19 | (uint64_t)(shape))
#define X64_COV_SHAPE(r1, r2, mem, imm) \
    ((uint32_t)(r1) | (uint32_t)(r2) << 2 | (uint32_t)(mem) << 4 | (uint32_t)(imm) << 16)

/* A set of keys (open addressing); zero-initialized is empty. */
typedef struct x64_cov {
    uint64_t *slot;      /* key + 1, or 0 for a free slot */
    uint32_t cap, n;
    bool failed;         /* a key could not be added (out of memory) */
} x64_cov;

void x64_cov_add(x64_cov *c, uint64_t key);
bool x64_cov_has(const x64_cov *c, uint64_t key);
void x64_cov_free(x64_cov *c);
/* The keys in increasing order (malloc'ed, *n of them), NULL if none or
 * out of memory. */
uint64_t *x64_cov_sorted(const x64_cov *c, uint32_t *n);
/* 12-bit shape of a memory operand, as the key holds it. */
uint32_t x64_cov_mem_shape(x64_mem m);
/* Class of immediate v for an operand of sz bytes (X64_IMM_*). */
unsigned x64_cov_imm_class(unsigned sz, int64_t v);
/* "rm add 32 r:lo m:[b.hi + i.lo*4 + d8]", "jcc ne rel32", "xm movss
 * r:hi m:[rsp]": the form of key k, for messages; returns buf. */
char *x64_cov_name(uint64_t k, char *buf, size_t size);

/* -- The buffer -- */
typedef struct x64_labinfo x64_labinfo; /* private to x64_enc.c */
typedef struct x64_fixup x64_fixup;

typedef struct x64_buf {
    uint8_t *code;       /* owned: malloc'ed bytes [0, len) */
    uint32_t len, cap;
    uint32_t limit;      /* maximum len; growing past it is an error */
    wb_err err;          /* first error, WB_OK if none */
    const char *why;     /* static detail of err */
    uint32_t err_pos;    /* code offset where err happened */
    bool full;           /* code cannot grow: instructions go to scratch */
    /* labels and pending references (private) */
    x64_labinfo *labels;
    uint32_t nlabels, caplabels;
    x64_fixup *fixups;
    uint32_t nfixups, capfixups, freefix;
    uint32_t npending;   /* labels referenced and not bound yet */
    x64_label rip_label; /* RIP-relative label of the instruction being encoded */
    uint32_t rip_at;     /* its disp32 slot */
    int32_t rip_addend;
    uint8_t scratch[32]; /* target of instructions once code cannot grow */
    x64_cov *cov;        /* optional coverage set (borrowed), or NULL */
} x64_buf;

#define X64_MAX_INSN 15u
#define X64_DEFAULT_LIMIT (1u << 30) /* bytes of code in one buffer */

/* Initializes an empty buffer (no allocation yet, no coverage). */
void x64_buf_init(x64_buf *b);
/* Frees the code and label storage; b may be re-initialized. */
void x64_buf_free(x64_buf *b);
/* Empties b (code, labels, error) keeping its storage, limit and
 * coverage set for reuse. */
void x64_buf_reset(x64_buf *b);
/* Makes room for n more bytes of code at once (a hint: growth stays
 * automatic; failure is recorded as any other). */
void x64_buf_reserve(x64_buf *b, uint32_t n);
/* WB_OK, or the first error recorded (WB_ERR_NOMEM, WB_ERR_INTERNAL), or
 * WB_ERR_INTERNAL if a referenced label was never bound; detail into d. */
wb_err x64_buf_finish(const x64_buf *b, wb_diag *d);
/* Hands the code over to the caller (who frees it with free()) and empties
 * b. Returns NULL if the buffer has an error or is empty. */
uint8_t *x64_buf_take(x64_buf *b, uint32_t *len);

/* Current code offset. */
static inline uint32_t x64_pos(const x64_buf *b) { return b->len; }

/* -- Labels -- */
/* A new unbound label (X64_NOLABEL and an error on allocation failure). */
x64_label x64_label_new(x64_buf *b);
/* Binds l at the current offset and patches every pending reference. */
void x64_label_bind(x64_buf *b, x64_label l);
/* Offset of a bound label, or -1 when unbound (or invalid). */
int64_t x64_label_pos(const x64_buf *b, x64_label l);
/* Number of labels referenced but not bound yet. */
uint32_t x64_labels_unbound(const x64_buf *b);
/* Data: 4 bytes holding pos(l) - origin, patched when l is bound
 * (jump tables relative to their own start). */
void x64_d32_label(x64_buf *b, x64_label l, uint32_t origin);

/* -- Raw bytes and patching -- */
void x64_bytes(x64_buf *b, const void *src, uint32_t n);   /* data, copied */
void x64_d32(x64_buf *b, uint32_t v);                      /* .long v */
void x64_d64(x64_buf *b, uint64_t v);                      /* .quad v */
/* Writes target - (at + 4) as rel32 at offset at (of a disp32/rel32 slot
 * whose instruction ends at at + 4). */
void x64_patch_rel32(x64_buf *b, uint32_t at, uint32_t target);
void x64_patch_u32(x64_buf *b, uint32_t at, uint32_t v);
void x64_patch_u8(x64_buf *b, uint32_t at, uint8_t v);
/* Multi-byte nops: n bytes of padding, the fewest instructions. */
void x64_nop(x64_buf *b, uint32_t n);
/* Pads with nops up to a multiple of align (a power of two). */
void x64_align(x64_buf *b, uint32_t align);

/* -- Integer instructions (sz: operand size; see X64_OP_LIST) --
 * x64_rr, x64_rm, x64_mr, x64_ri, x64_mi and x64_mov_imm are inline (at
 * the end of this header) over the general encoders x64_*_gen. */
static inline void x64_rr(x64_buf *b, x64_op op, x64_size sz, x64_gpr dst, x64_gpr src); /* op r, r (shifts: src rcx means cl) */
static inline void x64_rm(x64_buf *b, x64_op op, x64_size sz, x64_gpr dst, x64_mem src); /* op r, [base+index*s+disp] */
static inline void x64_mr(x64_buf *b, x64_op op, x64_size sz, x64_mem dst, x64_gpr src); /* op [base+index*s+disp], r */
static inline void x64_ri(x64_buf *b, x64_op op, x64_size sz, x64_gpr dst, int64_t imm); /* op r, imm8/16/32 (imul: op r, r, imm) */
static inline void x64_mi(x64_buf *b, x64_op op, x64_size sz, x64_mem dst, int64_t imm); /* op [m], imm8/16/32 */
void x64_rr_gen(x64_buf *b, x64_op op, x64_size sz, x64_gpr dst, x64_gpr src);
void x64_rm_gen(x64_buf *b, x64_op op, x64_size sz, x64_gpr dst, x64_mem src);
void x64_mr_gen(x64_buf *b, x64_op op, x64_size sz, x64_mem dst, x64_gpr src);
void x64_ri_gen(x64_buf *b, x64_op op, x64_size sz, x64_gpr dst, int64_t imm);
void x64_mi_gen(x64_buf *b, x64_op op, x64_size sz, x64_mem dst, int64_t imm);
void x64_r(x64_buf *b, x64_op op, x64_size sz, x64_gpr r);                   /* op r */
void x64_m(x64_buf *b, x64_op op, x64_size sz, x64_mem m);                   /* op [m] */
void x64_rri(x64_buf *b, x64_op op, x64_size sz, x64_gpr dst, x64_gpr src, int32_t imm); /* imul r, r, imm */
void x64_rmi(x64_buf *b, x64_op op, x64_size sz, x64_gpr dst, x64_mem src, int32_t imm); /* imul r, [m], imm */
void x64_ri64(x64_buf *b, x64_gpr dst, uint64_t imm);        /* mov r64, imm64 (movabs, always 10 bytes) */
/* mov r, imm: the shortest form, flags kept (never xor); imm is truncated
 * to sz; for 64 bits: mov r32 (zero-extends), else sign-extended imm32,
 * else movabs. */
static inline void x64_mov_imm(x64_buf *b, x64_size sz, x64_gpr dst, uint64_t imm);
void x64_mov_imm_gen(x64_buf *b, x64_size sz, x64_gpr dst, uint64_t imm);
void x64_setcc(x64_buf *b, x64_cc cc, x64_gpr dst);          /* setcc r8 */
void x64_setcc_m(x64_buf *b, x64_cc cc, x64_mem dst);        /* setcc byte [m] */
void x64_cmov(x64_buf *b, x64_cc cc, x64_size sz, x64_gpr dst, x64_gpr src);   /* cmovcc r, r */
void x64_cmov_m(x64_buf *b, x64_cc cc, x64_size sz, x64_gpr dst, x64_mem src); /* cmovcc r, [m] */
void x64_cdq(x64_buf *b, x64_size sz);   /* cwd/cdq/cqo: sign of ax/eax/rax into dx/edx/rdx */
void x64_ret(x64_buf *b);                /* ret */
void x64_int3(x64_buf *b);               /* int3 */
void x64_ud2(x64_buf *b);                /* ud2 */

/* -- Jumps and calls to labels --
 * X64_JAUTO: rel8 when the label is bound and in range, else rel32.
 * X64_JSHORT: rel8 always (an error if the distance does not fit).
 * X64_JNEAR: rel32 always. */
typedef enum x64_jsize { X64_JAUTO, X64_JSHORT, X64_JNEAR } x64_jsize;
void x64_jmp(x64_buf *b, x64_label l, x64_jsize js);             /* jmp L */
void x64_jcc(x64_buf *b, x64_cc cc, x64_label l, x64_jsize js);  /* jcc L */
void x64_call(x64_buf *b, x64_label l);                          /* call L (rel32) */

/* -- SSE instructions (see X64_SOP_LIST) -- */
static inline void x64_xx(x64_buf *b, x64_sop op, x64_xmm dst, x64_xmm src); /* op x, x */
static inline void x64_xm(x64_buf *b, x64_sop op, x64_xmm dst, x64_mem src); /* op x, [m] */
static inline void x64_mx(x64_buf *b, x64_sop op, x64_mem dst, x64_xmm src); /* op [m], x */
void x64_xx_gen(x64_buf *b, x64_sop op, x64_xmm dst, x64_xmm src);
void x64_xm_gen(x64_buf *b, x64_sop op, x64_xmm dst, x64_mem src);
void x64_mx_gen(x64_buf *b, x64_sop op, x64_mem dst, x64_xmm src);
void x64_xr(x64_buf *b, x64_sop op, x64_xmm dst, x64_gpr src);      /* op x, r32/r64 */
void x64_rx(x64_buf *b, x64_sop op, x64_gpr dst, x64_xmm src);      /* op r32/r64, x */
void x64_rxm(x64_buf *b, x64_sop op, x64_gpr dst, x64_mem src);     /* op r32/r64, [m] */
void x64_xxi(x64_buf *b, x64_sop op, x64_xmm dst, x64_xmm src, uint8_t imm); /* op x, x, imm8 */
void x64_xmi(x64_buf *b, x64_sop op, x64_xmm dst, x64_mem src, uint8_t imm); /* op x, [m], imm8 */

/* -- Inline fast paths --
 *
 * Nearly every instruction a baseline compiler emits is a 32/64-bit
 * operation, named by a constant, on registers and [base + disp]
 * operands. Those are encoded here, inline, with the opcode known at
 * compile time; anything else (another size, prefixes, a SIB, rip or
 * label operand, no room in the buffer, a full or failed buffer, coverage
 * recording on) goes to the general encoders of x64_enc.c, which give the
 * same bytes (the golden tests check both: rows run with and without
 * coverage recording). */

#define X64_INLINE static inline __attribute__((always_inline))

/* Flags of the X64_OP_LIST / X64_SOP_LIST rows (see there). */
enum { X64_F_B = 1, X64_F_SH = 2, X64_F_RRI = 4, X64_F_S8 = 8, X64_F_D64 = 16,
       X64_F_RMRR = 32, X64_F_I = 64, X64_F_NX = 128, X64_F_RV = 256, X64_F_W64 = 512,
       X64_F_N16 = 1024, X64_F_MO = 2048, X64_F_RO = 4096 };

enum { X64_COL_F, X64_COL_RM, X64_COL_MR, X64_COL_I32, X64_COL_I8, X64_COL_AX,
       X64_COL_DIGIT };
#define B    X64_F_B
#define SH   X64_F_SH
#define RRI  X64_F_RRI
#define S8   X64_F_S8
#define D64  X64_F_D64
#define RMRR X64_F_RMRR
#define W64  X64_F_W64
#define N16  X64_F_N16
#define MO   X64_F_MO
/* Column col of operation op's row: folds to a constant when both are. */
X64_INLINE uint32_t x64_op_col(x64_op op, unsigned col)
{
    switch (op) {
#define X64_OP_CASE(name, mn, f, rm, mr, i32, i8, ax, o, un, d) \
    case X64_##name: {                                                          \
        const uint32_t v[] = { f, rm, mr, i32, i8, ax, d };                     \
        return v[col];                                                          \
    }
    X64_OP_LIST(X64_OP_CASE)
#undef X64_OP_CASE
    default:
        return 0;
    }
}
#undef B
#undef SH
#undef RRI
#undef S8
#undef D64
#undef RMRR
#undef W64
#undef N16
#undef MO

enum { X64_SCOL_F, X64_SCOL_XM, X64_SCOL_MX };
#define I  X64_F_I
#define NX X64_F_NX
#define RV X64_F_RV
#define RO X64_F_RO
/* Column col of SSE operation op's row (X64_SOP_LIST). */
X64_INLINE uint32_t x64_sop_col(x64_sop op, unsigned col)
{
    switch (op) {
#define X64_SOP_CASE(name, mn, f, xm, mx, xr, rx)                               \
    case X64_##name: {                                                          \
        const uint32_t v[] = { f, xm, mx };                                     \
        return v[col];                                                          \
    }
    X64_SOP_LIST(X64_SOP_CASE)
#undef X64_SOP_CASE
    default:
        return 0;
    }
}
#undef I
#undef NX
#undef RV
#undef RO

/* Room for one instruction, and nothing else to do than writing it. */
X64_INLINE bool x64_fast_room(const x64_buf *b)
{
    return b->cap - b->len > X64_MAX_INSN && !b->cov && !b->full;
}
/* opc is one byte or 0F xx (no mandatory prefix). */
X64_INLINE bool x64_fast_opc(uint32_t opc)
{
    return opc && (opc <= 0xFF || (opc >> 8) == 0x0F);
}
/* m is [base + disp] with base neither rsp/r12 (SIB) nor rip. */
X64_INLINE bool x64_fast_mem(x64_mem m)
{
    return m.base < 16 && (m.base & 7) != 4 && m.index == X64_NOREG && m.label == X64_NOLABEL;
}
/* [REX] [0F] opcode */
X64_INLINE uint8_t *x64_fast_op(uint8_t *p, unsigned rex, uint32_t opc)
{
    if (rex)
        *p++ = (uint8_t)(0x40 | rex);
    if (opc > 0xFF)
        *p++ = 0x0F;
    *p++ = (uint8_t)opc;
    return p;
}
/* ModRM and displacement of [base + disp] (x64_fast_mem). */
X64_INLINE uint8_t *x64_fast_modrm_mem(uint8_t *p, unsigned reg, unsigned base, int32_t d)
{
    unsigned mr = (reg & 7) << 3 | (base & 7);
    if (d == 0 && (base & 7) != 5) {
        *p++ = (uint8_t)mr;
    } else if (d >= -128 && d <= 127) {
        p[0] = (uint8_t)(0x40 | mr);
        p[1] = (uint8_t)d;
        p += 2;
    } else {
        uint32_t v = (uint32_t)d;
        *p++ = (uint8_t)(0x80 | mr);
        memcpy(p, &v, 4);
        p += 4;
    }
    return p;
}
X64_INLINE bool x64_fast_size(x64_size sz)
{
    return sz == X64_32 || sz == X64_64;
}
/* sz is a fast size the row with flags f has (not D64: no REX.W). */
X64_INLINE bool x64_fast_size_f(uint32_t f, x64_size sz)
{
    return !(f & X64_F_D64) && (sz == X64_64 || (sz == X64_32 && !(f & X64_F_W64)));
}
X64_INLINE unsigned x64_fast_w(x64_size sz)
{
    return sz == X64_64 ? 8u : 0u;
}

/* op reg, [m] or op [m], reg with opcode opc; false if not a fast case. */
X64_INLINE bool x64_fast_reg_mem(x64_buf *b, uint32_t opc, uint32_t f, x64_size sz,
                                    unsigned reg, x64_mem m)
{
    uint8_t *p;
    if (!(x64_fast_opc(opc) && x64_fast_size_f(f, sz) && reg < 16 &&
          x64_fast_mem(m) && x64_fast_room(b)))
        return false;
    p = b->code + b->len;
    p = x64_fast_op(p, x64_fast_w(sz) | (reg & 8) >> 1 | (m.base & 8) >> 3, opc);
    p = x64_fast_modrm_mem(p, reg, m.base, m.disp);
    b->len = (uint32_t)(p - b->code);
    return true;
}

/* op rm, reg (ModRM.reg = reg, register-direct r/m) with opcode opc. */
X64_INLINE bool x64_fast_reg_reg(x64_buf *b, uint32_t opc, uint32_t f, x64_size sz,
                                    unsigned reg, unsigned rm)
{
    uint8_t *p;
    if (!(x64_fast_opc(opc) && x64_fast_size_f(f, sz) && (reg | rm) < 16 &&
          x64_fast_room(b)))
        return false;
    p = b->code + b->len;
    p = x64_fast_op(p, x64_fast_w(sz) | (reg & 8) >> 1 | (rm & 8) >> 3, opc);
    *p++ = (uint8_t)(0xC0 | (reg & 7) << 3 | (rm & 7));
    b->len = (uint32_t)(p - b->code);
    return true;
}

/* op r/m, imm with the row's i8 (83 /d ib) or i32 (81 /d id, C7 /0 id)
 * opcode: register r, or memory m when mem. */
X64_INLINE bool x64_fast_imm(x64_buf *b, uint32_t f, uint32_t i8, uint32_t i32,
                                uint32_t ax, unsigned digit, x64_size sz, unsigned r,
                                bool mem, x64_mem m, int64_t imm)
{
    uint8_t *p;
    unsigned rm = mem ? m.base : r;
    bool short8;

    if (!(!(f & (X64_F_SH | X64_F_RRI | X64_F_D64)) && x64_fast_size(sz) &&
          (mem ? x64_fast_mem(m) : r < 16) && x64_fast_room(b)))
        return false;
    if (sz == X64_64 ? imm < INT32_MIN || imm > INT32_MAX : imm < INT32_MIN || imm > UINT32_MAX)
        return false;
    imm = (int32_t)imm;
    short8 = i8 && imm >= -128 && imm <= 127;
    if (!short8 && (!i32 || (ax && !mem && r == 0)))
        return false;                       /* 05 id: op eax, imm32 */
    p = b->code + b->len;
    p = x64_fast_op(p, x64_fast_w(sz) | (rm & 8) >> 3, short8 ? i8 : i32);
    if (mem)
        p = x64_fast_modrm_mem(p, digit, m.base, m.disp);
    else
        *p++ = (uint8_t)(0xC0 | digit << 3 | (r & 7));
    if (short8) {
        *p++ = (uint8_t)imm;
    } else {
        uint32_t v = (uint32_t)imm;
        memcpy(p, &v, 4);
        p += 4;
    }
    b->len = (uint32_t)(p - b->code);
    return true;
}

X64_INLINE void x64_rm(x64_buf *b, x64_op op, x64_size sz, x64_gpr dst, x64_mem src)
{
    if (__builtin_constant_p(op) &&
        x64_fast_reg_mem(b, x64_op_col(op, X64_COL_RM), x64_op_col(op, X64_COL_F), sz, dst, src))
        return;
    x64_rm_gen(b, op, sz, dst, src);
}

X64_INLINE void x64_mr(x64_buf *b, x64_op op, x64_size sz, x64_mem dst, x64_gpr src)
{
    if (__builtin_constant_p(op) && !(x64_op_col(op, X64_COL_F) & X64_F_SH) &&
        x64_fast_reg_mem(b, x64_op_col(op, X64_COL_MR), x64_op_col(op, X64_COL_F), sz, src, dst))
        return;
    x64_mr_gen(b, op, sz, dst, src);
}

X64_INLINE void x64_rr(x64_buf *b, x64_op op, x64_size sz, x64_gpr dst, x64_gpr src)
{
    if (__builtin_constant_p(op)) {
        uint32_t f = x64_op_col(op, X64_COL_F), mr = x64_op_col(op, X64_COL_MR);
        uint32_t rm = x64_op_col(op, X64_COL_RM);
        if (!(f & (X64_F_SH | X64_F_RMRR | X64_F_MO)) &&
            (mr ? x64_fast_reg_reg(b, mr, f, sz, src, dst)
                : !(f & X64_F_S8) && x64_fast_reg_reg(b, rm, f, sz, dst, src)))
            return;
    }
    x64_rr_gen(b, op, sz, dst, src);
}

X64_INLINE void x64_ri(x64_buf *b, x64_op op, x64_size sz, x64_gpr dst, int64_t imm)
{
    if (__builtin_constant_p(op) && op != X64_MOV &&
        x64_fast_imm(b, x64_op_col(op, X64_COL_F), x64_op_col(op, X64_COL_I8),
                     x64_op_col(op, X64_COL_I32), x64_op_col(op, X64_COL_AX),
                     x64_op_col(op, X64_COL_DIGIT), sz, dst, false, x64_mem_abs(0), imm))
        return;
    x64_ri_gen(b, op, sz, dst, imm);
}

X64_INLINE void x64_mi(x64_buf *b, x64_op op, x64_size sz, x64_mem dst, int64_t imm)
{
    if (__builtin_constant_p(op) &&
        x64_fast_imm(b, x64_op_col(op, X64_COL_F), x64_op_col(op, X64_COL_I8),
                     x64_op_col(op, X64_COL_I32), x64_op_col(op, X64_COL_AX),
                     x64_op_col(op, X64_COL_DIGIT), sz, 0, true, dst, imm))
        return;
    x64_mi_gen(b, op, sz, dst, imm);
}

/* An SSE opcode [66|F2|F3] 0F xx (no REX.W, no three-byte map). */
X64_INLINE bool x64_fast_sse_opc(uint32_t opc)
{
    uint32_t pp = opc >> 16;
    return opc <= 0xFFFFFF && ((opc >> 8) & 0xFF) == 0x0F &&
           (pp == 0 || pp == 0x66 || pp == 0xF2 || pp == 0xF3);
}
X64_INLINE uint8_t *x64_fast_sse_op(uint8_t *p, unsigned rex, uint32_t opc)
{
    if (opc >> 16)
        *p++ = (uint8_t)(opc >> 16);
    if (rex)
        *p++ = (uint8_t)(0x40 | rex);
    p[0] = 0x0F;
    p[1] = (uint8_t)opc;
    return p + 2;
}

X64_INLINE void x64_xm(x64_buf *b, x64_sop op, x64_xmm dst, x64_mem src)
{
    if (__builtin_constant_p(op)) {
        uint32_t opc = x64_sop_col(op, X64_SCOL_XM), f = x64_sop_col(op, X64_SCOL_F);
        if (x64_fast_sse_opc(opc) && !(f & X64_F_I) && (unsigned)dst < 16 &&
            x64_fast_mem(src) && x64_fast_room(b)) {
            uint8_t *p = b->code + b->len;
            p = x64_fast_sse_op(p, (dst & 8) >> 1 | (src.base & 8) >> 3, opc);
            p = x64_fast_modrm_mem(p, dst, src.base, src.disp);
            b->len = (uint32_t)(p - b->code);
            return;
        }
    }
    x64_xm_gen(b, op, dst, src);
}

X64_INLINE void x64_mx(x64_buf *b, x64_sop op, x64_mem dst, x64_xmm src)
{
    if (__builtin_constant_p(op)) {
        uint32_t opc = x64_sop_col(op, X64_SCOL_MX), f = x64_sop_col(op, X64_SCOL_F);
        if (x64_fast_sse_opc(opc) && !(f & X64_F_I) && (unsigned)src < 16 &&
            x64_fast_mem(dst) && x64_fast_room(b)) {
            uint8_t *p = b->code + b->len;
            p = x64_fast_sse_op(p, (src & 8) >> 1 | (dst.base & 8) >> 3, opc);
            p = x64_fast_modrm_mem(p, src, dst.base, dst.disp);
            b->len = (uint32_t)(p - b->code);
            return;
        }
    }
    x64_mx_gen(b, op, dst, src);
}

X64_INLINE void x64_xx(x64_buf *b, x64_sop op, x64_xmm dst, x64_xmm src)
{
    if (__builtin_constant_p(op)) {
        uint32_t opc = x64_sop_col(op, X64_SCOL_XM), f = x64_sop_col(op, X64_SCOL_F);
        if (x64_fast_sse_opc(opc) && !(f & (X64_F_I | X64_F_NX)) &&
            ((unsigned)dst | (unsigned)src) < 16 && x64_fast_room(b)) {
            uint8_t *p = b->code + b->len;
            p = x64_fast_sse_op(p, (dst & 8) >> 1 | (src & 8) >> 3, opc);
            *p++ = (uint8_t)(0xC0 | (dst & 7) << 3 | (src & 7));
            b->len = (uint32_t)(p - b->code);
            return;
        }
    }
    x64_xx_gen(b, op, dst, src);
}

/* mov r32, imm32 (B8+r id, zero-extending) when imm fits 32 bits unsigned
 * and sz is 32 or 64; else the general encoder. */
X64_INLINE void x64_mov_imm(x64_buf *b, x64_size sz, x64_gpr dst, uint64_t imm)
{
    if ((sz == X64_32 || (sz == X64_64 && imm <= UINT32_MAX)) && (unsigned)dst < 16 &&
        x64_fast_room(b)) {
        uint8_t *p = b->code + b->len;
        uint32_t v = (uint32_t)imm;
        if (dst & 8)
            *p++ = 0x41;
        *p++ = (uint8_t)(0xB8 + (dst & 7));
        memcpy(p, &v, 4);
        b->len = (uint32_t)(p + 4 - b->code);
        return;
    }
    x64_mov_imm_gen(b, sz, dst, imm);
}

#endif

/* x64_regs.h — x86-64 registers (one X-macro each for GPRs and XMMs, with
 * hardware encodings and names) and the System V AMD64 ABI register sets. */
#ifndef WB_X64_REGS_H
#define WB_X64_REGS_H

#include <stdint.h>

/* -- General-purpose registers --
 * _(NAME, encoding, 64-bit name, 32-bit name, 16-bit name, 8-bit name)
 * Encodings 8-15 need REX.R/X/B; byte registers 4-7 (spl, bpl, sil, dil)
 * need a REX prefix to be told apart from ah, ch, dh, bh, which this backend
 * never uses. */
#define X64_GPR_LIST(_) \
    _(RAX,  0, "rax", "eax",  "ax",   "al")   \
    _(RCX,  1, "rcx", "ecx",  "cx",   "cl")   \
    _(RDX,  2, "rdx", "edx",  "dx",   "dl")   \
    _(RBX,  3, "rbx", "ebx",  "bx",   "bl")   \
    _(RSP,  4, "rsp", "esp",  "sp",   "spl")  \
    _(RBP,  5, "rbp", "ebp",  "bp",   "bpl")  \
    _(RSI,  6, "rsi", "esi",  "si",   "sil")  \
    _(RDI,  7, "rdi", "edi",  "di",   "dil")  \
    _(R8,   8, "r8",  "r8d",  "r8w",  "r8b")  \
    _(R9,   9, "r9",  "r9d",  "r9w",  "r9b")  \
    _(R10, 10, "r10", "r10d", "r10w", "r10b") \
    _(R11, 11, "r11", "r11d", "r11w", "r11b") \
    _(R12, 12, "r12", "r12d", "r12w", "r12b") \
    _(R13, 13, "r13", "r13d", "r13w", "r13b") \
    _(R14, 14, "r14", "r14d", "r14w", "r14b") \
    _(R15, 15, "r15", "r15d", "r15w", "r15b")

/* -- SSE registers -- _(NAME, encoding, name) */
#define X64_XMM_LIST(_) \
    _(XMM0,   0, "xmm0")  _(XMM1,   1, "xmm1")  _(XMM2,   2, "xmm2")  \
    _(XMM3,   3, "xmm3")  _(XMM4,   4, "xmm4")  _(XMM5,   5, "xmm5")  \
    _(XMM6,   6, "xmm6")  _(XMM7,   7, "xmm7")  _(XMM8,   8, "xmm8")  \
    _(XMM9,   9, "xmm9")  _(XMM10, 10, "xmm10") _(XMM11, 11, "xmm11") \
    _(XMM12, 12, "xmm12") _(XMM13, 13, "xmm13") _(XMM14, 14, "xmm14") \
    _(XMM15, 15, "xmm15")

typedef enum x64_gpr {
#define X64_GPR_ENUM(name, enc, n64, n32, n16, n8) X64_##name = enc,
    X64_GPR_LIST(X64_GPR_ENUM)
#undef X64_GPR_ENUM
    X64_RIP = 16,   /* only as the base of a memory operand */
    X64_NOREG = 17, /* no base / no index in a memory operand */
} x64_gpr;

typedef enum x64_xmm {
#define X64_XMM_ENUM(name, enc, n) X64_##name = enc,
    X64_XMM_LIST(X64_XMM_ENUM)
#undef X64_XMM_ENUM
} x64_xmm;

enum { X64_NUM_GPRS = 16, X64_NUM_XMMS = 16 };

/* Name of GPR r at operand size sz (1, 2, 4 or 8 bytes); "?" if invalid. */
static inline const char *x64_gpr_name(x64_gpr r, unsigned sz)
{
    static const char *const names[4][X64_NUM_GPRS] = {
#define X64_GPR_N8(name, enc, n64, n32, n16, n8) n8,
#define X64_GPR_N16(name, enc, n64, n32, n16, n8) n16,
#define X64_GPR_N32(name, enc, n64, n32, n16, n8) n32,
#define X64_GPR_N64(name, enc, n64, n32, n16, n8) n64,
        { X64_GPR_LIST(X64_GPR_N8) },  { X64_GPR_LIST(X64_GPR_N16) },
        { X64_GPR_LIST(X64_GPR_N32) }, { X64_GPR_LIST(X64_GPR_N64) },
#undef X64_GPR_N8
#undef X64_GPR_N16
#undef X64_GPR_N32
#undef X64_GPR_N64
    };
    unsigned row = sz == 1 ? 0 : sz == 2 ? 1 : sz == 4 ? 2 : sz == 8 ? 3 : 4;
    if (row > 3 || (unsigned)r >= X64_NUM_GPRS)
        return "?";
    return names[row][r];
}

static inline const char *x64_xmm_name(x64_xmm x)
{
    static const char *const names[X64_NUM_XMMS] = {
#define X64_XMM_N(name, enc, n) n,
        X64_XMM_LIST(X64_XMM_N)
#undef X64_XMM_N
    };
    return (unsigned)x < X64_NUM_XMMS ? names[x] : "?";
}

/* -- System V AMD64 ABI register sets --
 * Sets are bitmasks with bit n for register encoding n. */
#define X64_BIT(r) (1u << (r))

/* Integer and float arguments, in order. */
enum { X64_SYSV_NUM_ARG_GPRS = 6, X64_SYSV_NUM_ARG_XMMS = 8 };
static inline x64_gpr x64_sysv_arg_gpr(unsigned i) /* i < 6 */
{
    static const uint8_t regs[X64_SYSV_NUM_ARG_GPRS] = {
        X64_RDI, X64_RSI, X64_RDX, X64_RCX, X64_R8, X64_R9,
    };
    return (x64_gpr)regs[i];
}
static inline x64_xmm x64_sysv_arg_xmm(unsigned i) /* i < 8 */
{
    return (x64_xmm)i;
}

#define X64_SYSV_ARG_GPRS                                                    \
    (X64_BIT(X64_RDI) | X64_BIT(X64_RSI) | X64_BIT(X64_RDX) |                \
     X64_BIT(X64_RCX) | X64_BIT(X64_R8) | X64_BIT(X64_R9))
#define X64_SYSV_ARG_XMMS 0x00ffu                      /* xmm0-xmm7 */
#define X64_SYSV_RET_GPRS (X64_BIT(X64_RAX) | X64_BIT(X64_RDX))
#define X64_SYSV_RET_XMMS (X64_BIT(X64_XMM0) | X64_BIT(X64_XMM1))

/* Preserved across calls (the callee saves them). */
#define X64_SYSV_CALLEE_SAVED_GPRS                                           \
    (X64_BIT(X64_RBX) | X64_BIT(X64_RBP) | X64_BIT(X64_R12) |                \
     X64_BIT(X64_R13) | X64_BIT(X64_R14) | X64_BIT(X64_R15))
#define X64_SYSV_CALLEE_SAVED_XMMS 0x0000u             /* none */

/* Clobbered by calls (the caller saves them). rsp is in neither set. */
#define X64_SYSV_CALLER_SAVED_GPRS                                           \
    (X64_BIT(X64_RAX) | X64_BIT(X64_RCX) | X64_BIT(X64_RDX) |                \
     X64_BIT(X64_RSI) | X64_BIT(X64_RDI) | X64_BIT(X64_R8) |                 \
     X64_BIT(X64_R9) | X64_BIT(X64_R10) | X64_BIT(X64_R11))
#define X64_SYSV_CALLER_SAVED_XMMS 0xffffu             /* xmm0-xmm15 */

#define X64_ALL_GPRS 0xffffu
#define X64_ALL_XMMS 0xffffu

_Static_assert((X64_SYSV_CALLEE_SAVED_GPRS & X64_SYSV_CALLER_SAVED_GPRS) == 0,
               "a register is either callee- or caller-saved");
_Static_assert((X64_SYSV_CALLEE_SAVED_GPRS | X64_SYSV_CALLER_SAVED_GPRS |
                X64_BIT(X64_RSP)) == X64_ALL_GPRS,
               "every GPR but rsp is callee- or caller-saved");

#endif

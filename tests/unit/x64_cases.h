/* x64_cases.h — generated golden cases of the x86-64 encoder: every
 * encoder entry point, with every operation and operand size of the tables,
 * crossed with every operand shape that changes the encoding (x64_enc.h,
 * "Coverage of instruction forms"):
 *   - registers: every GPR/XMM where the form has no memory operand; with
 *     one, a register of each class (0-3, 4-7, 8-15), rotating which;
 *   - memory: base none / rip / rip + label (backward and forward) /
 *     register, the base one of rsp, r12, rbp, r13 or another of 0-7 or
 *     8-15; no index or an index of 0-7 or 8-15 with each scale; no
 *     displacement, disp8 or disp32 (values rotating through the edges
 *     -128, 127, 128, -129, INT32_MIN, INT32_MAX...);
 *   - immediates: one of each class (X64_IMM_*) for the operand size, and
 *     1 (shifts by 1 have their own opcode);
 *   - jumps: backward and forward labels, with each x64_jsize.
 * (One gap, on purpose: no [disp32] operand for call and jmp, whose Intel
 * text llvm-mc reads as a direct call or jump to that address.)
 * Each case carries the Intel-syntax text of the instruction it must
 * encode; the expected bytes are llvm-mc's (test_x64_enc.c assembles every
 * text in one run), never written down here. A case the encoder rejects
 * (an operation without that form or size) is dropped: only what it
 * accepts has to agree with llvm-mc.
 *
 * Include once per test program, after jit/x64_enc.h. */
#ifndef WB_X64_CASES_H
#define WB_X64_CASES_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jit/x64_enc.h"

/* The encoder entry points. */
#define XC_FN_LIST(_)                                                          \
    _(RR, "x64_rr") _(RM, "x64_rm") _(MR, "x64_mr") _(RI, "x64_ri")            \
    _(MI, "x64_mi") _(R, "x64_r") _(M, "x64_m") _(RRI, "x64_rri")              \
    _(RMI, "x64_rmi") _(RI64, "x64_ri64") _(MOV_IMM, "x64_mov_imm")            \
    _(SETCC, "x64_setcc") _(SETCC_M, "x64_setcc_m") _(CMOV, "x64_cmov")        \
    _(CMOV_M, "x64_cmov_m") _(CDQ, "x64_cdq") _(RET, "x64_ret")                \
    _(INT3, "x64_int3") _(UD2, "x64_ud2") _(JMP, "x64_jmp") _(JCC, "x64_jcc")  \
    _(CALL, "x64_call") _(NOP, "x64_nop") _(XX, "x64_xx") _(XM, "x64_xm")      \
    _(MX, "x64_mx") _(XR, "x64_xr") _(RX, "x64_rx") _(RXM, "x64_rxm")          \
    _(XXI, "x64_xxi") _(XMI, "x64_xmi")

typedef enum xc_fn {
#define XC_FN_ENUM(name, text) XC_##name,
    XC_FN_LIST(XC_FN_ENUM)
#undef XC_FN_ENUM
    XC__COUNT
} xc_fn;

static const char *const xc_fn_names[XC__COUNT] = {
#define XC_FN_NAME(name, text) text,
    XC_FN_LIST(XC_FN_NAME)
#undef XC_FN_NAME
};

/* One case. Labels: the buffer is fresh, label 0 (L) is bound at offset 0
 * before the instruction, label 1 (F) after it; m.label and lab name them. */
typedef struct xcase {
    uint8_t fn, op, sz;  /* xc_fn; x64_op, x64_sop, condition or nop length; bytes */
    uint8_t r1, r2;      /* register operands, in argument order */
    uint8_t lab, js;     /* jumps: label (0 L, 1 F) and x64_jsize */
    x64_mem m;
    int64_t imm;
} xcase;

typedef struct xc_list {
    xcase *v;
    size_t n, cap;
    bool failed;         /* out of memory */
    unsigned rot;        /* rotation of representatives */
    size_t tried;        /* cases generated, rejected ones included */
    x64_buf b;           /* where cases are tried */
} xc_list;

/* How a case is emitted: the inline encoders with a constant operation,
 * or the general ones. */
enum { XC_INLINE, XC_GENERAL };
static void xc_emit(x64_buf *b, const xcase *c, int how);

/* Keeps case c if the encoder accepts it. */
static void xc_push(xc_list *l, xcase c)
{
    l->tried++;
    xc_emit(&l->b, &c, XC_GENERAL);
    if (x64_buf_finish(&l->b, NULL) != WB_OK)
        return;
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 4096;
        xcase *n = realloc(l->v, ncap * sizeof *n);
        if (!n) {
            l->failed = true;
            return;
        }
        l->v = n;
        l->cap = ncap;
    }
    l->v[l->n++] = c;
}

/* -- Emitting a case -- */

/* Calls of the inline encoders with the operation as a constant, as the
 * compiler makes them (x64_enc.h: the inline fast paths). */
static void xc_rr_inline(x64_buf *b, x64_op op, x64_size sz, x64_gpr d, x64_gpr s)
{
    switch (op) {
#define XC_CASE(name, ...) case X64_##name: x64_rr(b, X64_##name, sz, d, s); return;
    X64_OP_LIST(XC_CASE)
#undef XC_CASE
    default: x64_rr(b, op, sz, d, s);
    }
}
static void xc_rm_inline(x64_buf *b, x64_op op, x64_size sz, x64_gpr d, x64_mem m)
{
    switch (op) {
#define XC_CASE(name, ...) case X64_##name: x64_rm(b, X64_##name, sz, d, m); return;
    X64_OP_LIST(XC_CASE)
#undef XC_CASE
    default: x64_rm(b, op, sz, d, m);
    }
}
static void xc_mr_inline(x64_buf *b, x64_op op, x64_size sz, x64_mem m, x64_gpr s)
{
    switch (op) {
#define XC_CASE(name, ...) case X64_##name: x64_mr(b, X64_##name, sz, m, s); return;
    X64_OP_LIST(XC_CASE)
#undef XC_CASE
    default: x64_mr(b, op, sz, m, s);
    }
}
static void xc_ri_inline(x64_buf *b, x64_op op, x64_size sz, x64_gpr d, int64_t imm)
{
    switch (op) {
#define XC_CASE(name, ...) case X64_##name: x64_ri(b, X64_##name, sz, d, imm); return;
    X64_OP_LIST(XC_CASE)
#undef XC_CASE
    default: x64_ri(b, op, sz, d, imm);
    }
}
static void xc_mi_inline(x64_buf *b, x64_op op, x64_size sz, x64_mem m, int64_t imm)
{
    switch (op) {
#define XC_CASE(name, ...) case X64_##name: x64_mi(b, X64_##name, sz, m, imm); return;
    X64_OP_LIST(XC_CASE)
#undef XC_CASE
    default: x64_mi(b, op, sz, m, imm);
    }
}
static void xc_xx_inline(x64_buf *b, x64_sop op, x64_xmm d, x64_xmm s)
{
    switch (op) {
#define XC_CASE(name, ...) case X64_##name: x64_xx(b, X64_##name, d, s); return;
    X64_SOP_LIST(XC_CASE)
#undef XC_CASE
    default: x64_xx(b, op, d, s);
    }
}
static void xc_xm_inline(x64_buf *b, x64_sop op, x64_xmm d, x64_mem m)
{
    switch (op) {
#define XC_CASE(name, ...) case X64_##name: x64_xm(b, X64_##name, d, m); return;
    X64_SOP_LIST(XC_CASE)
#undef XC_CASE
    default: x64_xm(b, op, d, m);
    }
}
static void xc_mx_inline(x64_buf *b, x64_sop op, x64_mem m, x64_xmm s)
{
    switch (op) {
#define XC_CASE(name, ...) case X64_##name: x64_mx(b, X64_##name, m, s); return;
    X64_SOP_LIST(XC_CASE)
#undef XC_CASE
    default: x64_mx(b, op, m, s);
    }
}

/* Encodes case c into b (reset first) through the inline encoders with a
 * constant operation, or the general ones (x64_*_gen). Recording, when
 * b->cov is set, goes through the general encoders either way. */
static void xc_emit(x64_buf *b, const xcase *c, int how)
{
    x64_size sz = (x64_size)c->sz;
    x64_gpr g1 = (x64_gpr)c->r1, g2 = (x64_gpr)c->r2;
    x64_xmm x1 = (x64_xmm)c->r1, x2 = (x64_xmm)c->r2;
    bool inl = how == XC_INLINE;
    x64_label L, F;

    x64_buf_reset(b);
    L = x64_label_new(b);
    x64_label_bind(b, L);
    F = x64_label_new(b);
    switch ((xc_fn)c->fn) {
    case XC_RR:
        inl ? xc_rr_inline(b, c->op, sz, g1, g2) : x64_rr_gen(b, c->op, sz, g1, g2);
        break;
    case XC_RM:
        inl ? xc_rm_inline(b, c->op, sz, g1, c->m) : x64_rm_gen(b, c->op, sz, g1, c->m);
        break;
    case XC_MR:
        inl ? xc_mr_inline(b, c->op, sz, c->m, g1) : x64_mr_gen(b, c->op, sz, c->m, g1);
        break;
    case XC_RI:
        inl ? xc_ri_inline(b, c->op, sz, g1, c->imm) : x64_ri_gen(b, c->op, sz, g1, c->imm);
        break;
    case XC_MI:
        inl ? xc_mi_inline(b, c->op, sz, c->m, c->imm) : x64_mi_gen(b, c->op, sz, c->m, c->imm);
        break;
    case XC_R: x64_r(b, c->op, sz, g1); break;
    case XC_M: x64_m(b, c->op, sz, c->m); break;
    case XC_RRI: x64_rri(b, c->op, sz, g1, g2, (int32_t)c->imm); break;
    case XC_RMI: x64_rmi(b, c->op, sz, g1, c->m, (int32_t)c->imm); break;
    case XC_RI64: x64_ri64(b, g1, (uint64_t)c->imm); break;
    case XC_MOV_IMM:
        inl ? x64_mov_imm(b, sz, g1, (uint64_t)c->imm)
            : x64_mov_imm_gen(b, sz, g1, (uint64_t)c->imm);
        break;
    case XC_SETCC: x64_setcc(b, c->op, g1); break;
    case XC_SETCC_M: x64_setcc_m(b, c->op, c->m); break;
    case XC_CMOV: x64_cmov(b, c->op, sz, g1, g2); break;
    case XC_CMOV_M: x64_cmov_m(b, c->op, sz, g1, c->m); break;
    case XC_CDQ: x64_cdq(b, sz); break;
    case XC_RET: x64_ret(b); break;
    case XC_INT3: x64_int3(b); break;
    case XC_UD2: x64_ud2(b); break;
    case XC_JMP: x64_jmp(b, c->lab ? F : L, (x64_jsize)c->js); break;
    case XC_JCC: x64_jcc(b, c->op, c->lab ? F : L, (x64_jsize)c->js); break;
    case XC_CALL: x64_call(b, c->lab ? F : L); break;
    case XC_NOP: x64_nop(b, c->op); break;
    case XC_XX: inl ? xc_xx_inline(b, c->op, x1, x2) : x64_xx_gen(b, c->op, x1, x2); break;
    case XC_XM: inl ? xc_xm_inline(b, c->op, x1, c->m) : x64_xm_gen(b, c->op, x1, c->m); break;
    case XC_MX: inl ? xc_mx_inline(b, c->op, c->m, x1) : x64_mx_gen(b, c->op, c->m, x1); break;
    case XC_XR: x64_xr(b, c->op, x1, g2); break;
    case XC_RX: x64_rx(b, c->op, g1, x2); break;
    case XC_RXM: x64_rxm(b, c->op, g1, c->m); break;
    case XC_XXI: x64_xxi(b, c->op, x1, x2, (uint8_t)c->imm); break;
    case XC_XMI: x64_xmi(b, c->op, x1, c->m, (uint8_t)c->imm); break;
    case XC__COUNT: break;
    }
    x64_label_bind(b, F);
}

/* -- The text of a case (Intel syntax, as llvm-mc reads it) -- */

static const char *const xc_cc[16] = {
    "o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g",
};

static const char *xc_ptr(unsigned sz)
{
    return sz == 1 ? "byte ptr " : sz == 2 ? "word ptr " : sz == 4 ? "dword ptr "
         : sz == 8 ? "qword ptr " : "xmmword ptr ";
}

/* Bytes of the memory operand of SSE operation op. */
static unsigned xc_sse_msize(x64_sop op)
{
    switch (op) {
    case X64_MOVSS: case X64_MOVD: case X64_ADDSS: case X64_SUBSS: case X64_MULSS:
    case X64_DIVSS: case X64_SQRTSS: case X64_MINSS: case X64_MAXSS: case X64_ROUNDSS:
    case X64_CVTSS2SD: case X64_CVTSI2SS: case X64_CVTSI2SD: case X64_CVTTSS2SI:
    case X64_CVTTSS2SI_Q: case X64_UCOMISS: case X64_COMISS: case X64_CMPSS:
        return 4;
    case X64_MOVSD: case X64_MOVQ: case X64_ADDSD: case X64_SUBSD: case X64_MULSD:
    case X64_DIVSD: case X64_SQRTSD: case X64_MINSD: case X64_MAXSD: case X64_ROUNDSD:
    case X64_CVTSD2SS: case X64_CVTSI2SS_Q: case X64_CVTSI2SD_Q: case X64_CVTTSD2SI:
    case X64_CVTTSD2SI_Q: case X64_UCOMISD: case X64_COMISD: case X64_CMPSD:
        return 8;
    default:
        return 16;
    }
}

/* Bytes of the GPR operand of SSE operation op (movq, the _Q forms: 8). */
static unsigned xc_sse_gsize(x64_sop op)
{
    return op == X64_MOVQ || op == X64_CVTSI2SS_Q || op == X64_CVTSI2SD_Q ||
                   op == X64_CVTTSS2SI_Q || op == X64_CVTTSD2SI_Q
               ? 8
               : 4;
}

/* " + 8", " - 129", "" for 0 unless always. */
static int xc_disp(char *p, size_t n, int64_t d, bool always)
{
    if (d == 0 && !always)
        return snprintf(p, n, "%s", "");
    return snprintf(p, n, " %c %" PRId64, d < 0 ? '-' : '+', d < 0 ? -d : d);
}

/* "[r12 + 4*rbp - 8]" into p; i is the case's number (labels .LcI, .LfI). */
static void xc_mem_text(char *p, size_t n, x64_mem m, size_t i)
{
    char d[32], idx[24] = "";

    if (m.index < 16)
        snprintf(idx, sizeof idx, "%u*%s", 1u << m.scale, x64_gpr_name(m.index, 8));
    if (m.base == X64_RIP && m.label != X64_NOLABEL) {
        xc_disp(d, sizeof d, m.disp, false);
        snprintf(p, n, "[rip + .L%c%zu%s]", m.label ? 'f' : 'c', i, d);
    } else if (m.base == X64_RIP) {
        xc_disp(d, sizeof d, m.disp, true);
        snprintf(p, n, "[rip%s]", d);
    } else if (m.base >= 16 && m.index >= 16) {
        snprintf(p, n, "[%" PRId32 "]", m.disp);
    } else if (m.base >= 16) {
        xc_disp(d, sizeof d, m.disp, true);
        snprintf(p, n, "[%s%s]", idx, d);
    } else {
        xc_disp(d, sizeof d, m.disp, false);
        snprintf(p, n, "[%s%s%s%s]", x64_gpr_name(m.base, 8), *idx ? " + " : "", idx, d);
    }
}

/* The instruction text of case c (number i) into p. */
static __attribute__((unused)) void xc_text(char *p, size_t n, const xcase *c, size_t i)
{
    x64_op op = (x64_op)c->op;
    x64_sop sop = (x64_sop)c->op;
    unsigned sz = c->sz;
    const char *mn = c->fn >= XC_XX ? x64_sop_name(sop) : x64_op_name(op);
    const char *r1 = x64_gpr_name(c->r1, sz), *r2 = x64_gpr_name(c->r2, sz);
    const char *x1 = x64_xmm_name(c->r1), *x2 = x64_xmm_name(c->r2);
    bool shift = op == X64_ROL || op == X64_ROR || op == X64_RCL || op == X64_RCR ||
                 op == X64_SHL || op == X64_SHR || op == X64_SAR;
    unsigned srcsz = op == X64_MOVZX8 || op == X64_MOVSX8 ? 1
                   : op == X64_MOVZX16 || op == X64_MOVSX16 ? 2
                   : op == X64_MOVSXD ? 4 : sz;
    char m[96], lab[32];
    const char *ptr;

    xc_mem_text(m, sizeof m, c->m, i);
    snprintf(lab, sizeof lab, ".L%c%zu", c->lab ? 'f' : 'c', i);
    ptr = op == X64_LEA ? "" : xc_ptr(srcsz);
    switch ((xc_fn)c->fn) {
    case XC_RR:
        if (shift)
            snprintf(p, n, "%s %s, cl", mn, r1);
        else
            snprintf(p, n, "%s %s, %s", mn, r1, x64_gpr_name(c->r2, srcsz));
        return;
    case XC_RM: snprintf(p, n, "%s %s, %s%s", mn, r1, ptr, m); return;
    case XC_MR:
        if (shift)
            snprintf(p, n, "%s %s%s, cl", mn, xc_ptr(sz), m);
        else
            snprintf(p, n, "%s %s%s, %s", mn, xc_ptr(sz), m, r1);
        return;
    case XC_RI:
        if (op == X64_IMUL)
            snprintf(p, n, "imul %s, %s, %" PRId64, r1, r1, c->imm);
        else
            snprintf(p, n, "%s %s, %" PRId64,
                     op == X64_MOV && sz == 8 && (c->imm < INT32_MIN || c->imm > INT32_MAX)
                         ? "movabs" : mn, r1, c->imm);
        return;
    case XC_MI: snprintf(p, n, "%s %s%s, %" PRId64, mn, xc_ptr(sz), m, c->imm); return;
    case XC_R: snprintf(p, n, "%s %s", mn, r1); return;
    case XC_M: snprintf(p, n, "%s %s%s", mn, xc_ptr(sz), m); return;
    case XC_RRI: snprintf(p, n, "imul %s, %s, %" PRId64, r1, r2, c->imm); return;
    case XC_RMI: snprintf(p, n, "imul %s, %s%s, %" PRId64, r1, xc_ptr(sz), m, c->imm); return;
    case XC_RI64: snprintf(p, n, "movabs %s, %" PRId64, r1, c->imm); return;
    case XC_MOV_IMM: {
        /* the documented choice: the value truncated to sz; for 64 bits
         * mov r32 when it fits 32 bits unsigned, else the sign-extended
         * imm32, else movabs */
        uint64_t v = (uint64_t)c->imm;
        if (sz < 8)
            snprintf(p, n, "mov %s, %" PRIu64, r1, v & (((uint64_t)1 << (8 * sz)) - 1));
        else if (v <= UINT32_MAX)
            snprintf(p, n, "mov %s, %" PRIu64, x64_gpr_name(c->r1, 4), v);
        else
            snprintf(p, n, "%s %s, %" PRId64,
                     c->imm >= INT32_MIN && c->imm <= INT32_MAX ? "mov" : "movabs", r1, c->imm);
        return;
    }
    case XC_SETCC: snprintf(p, n, "set%s %s", xc_cc[c->op & 15], x64_gpr_name(c->r1, 1)); return;
    case XC_SETCC_M: snprintf(p, n, "set%s byte ptr %s", xc_cc[c->op & 15], m); return;
    case XC_CMOV: snprintf(p, n, "cmov%s %s, %s", xc_cc[c->op & 15], r1, r2); return;
    case XC_CMOV_M:
        snprintf(p, n, "cmov%s %s, %s%s", xc_cc[c->op & 15], r1, xc_ptr(sz), m);
        return;
    case XC_CDQ: snprintf(p, n, "%s", sz == 2 ? "cwd" : sz == 4 ? "cdq" : "cqo"); return;
    case XC_RET: snprintf(p, n, "ret"); return;
    case XC_INT3: snprintf(p, n, "int3"); return;
    case XC_UD2: snprintf(p, n, "ud2"); return;
    case XC_JMP:
    case XC_JCC: {
        /* rel32 when asked, or automatic towards a label not bound yet */
        bool near = c->js == X64_JNEAR || (c->js == X64_JAUTO && c->lab);
        char j[8];
        snprintf(j, sizeof j, "j%s", c->fn == XC_JMP ? "mp" : xc_cc[c->op & 15]);
        snprintf(p, n, "%s%s %s", near ? "{disp32} " : "", j, lab);
        return;
    }
    case XC_CALL: snprintf(p, n, "call %s", lab); return;
    case XC_NOP: {
        static const char *const nops[10] = {
            "", "nop", "xchg ax, ax", "nop dword ptr [rax]", "{disp8} nop dword ptr [rax]",
            "{disp8} nop dword ptr [rax + rax]", "{disp8} nop word ptr [rax + rax]",
            "{disp32} nop dword ptr [rax]", "{disp32} nop dword ptr [rax + rax]",
            "{disp32} nop word ptr [rax + rax]",
        };
        snprintf(p, n, "%s", nops[c->op < 10 ? c->op : 0]);
        return;
    }
    case XC_XX: snprintf(p, n, "%s %s, %s", mn, x1, x2); return;
    case XC_XM: snprintf(p, n, "%s %s, %s%s", mn, x1, xc_ptr(xc_sse_msize(sop)), m); return;
    case XC_MX: snprintf(p, n, "%s %s%s, %s", mn, xc_ptr(xc_sse_msize(sop)), m, x1); return;
    case XC_XR: snprintf(p, n, "%s %s, %s", mn, x1, x64_gpr_name(c->r2, xc_sse_gsize(sop))); return;
    case XC_RX: snprintf(p, n, "%s %s, %s", mn, x64_gpr_name(c->r1, xc_sse_gsize(sop)), x2); return;
    case XC_RXM:
        snprintf(p, n, "%s %s, %s%s", mn, x64_gpr_name(c->r1, xc_sse_gsize(sop)),
                 xc_ptr(xc_sse_msize(sop)), m);
        return;
    case XC_XXI: snprintf(p, n, "%s %s, %s, %" PRId64, mn, x1, x2, c->imm); return;
    case XC_XMI:
        snprintf(p, n, "%s %s, %s%s, %" PRId64, mn, x1, xc_ptr(xc_sse_msize(sop)), m, c->imm);
        return;
    case XC__COUNT: break;
    }
    snprintf(p, n, "?");
}

/* -- Generating the cases -- */

/* A register of class k (0: 0-3, 1: 4-7, 2: 8-15), rotating. */
static uint8_t xc_reg(xc_list *l, unsigned k)
{
    unsigned r = l->rot++;
    return (uint8_t)(k == 0 ? r % 4 : k == 1 ? 4 + r % 4 : 8 + r % 8);
}

static int32_t xc_pick(xc_list *l, const int32_t *v, size_t n)
{
    return v[l->rot++ % n];
}

enum { XC_MAXMEM = 256 };

/* Every memory shape, with rotating representatives; returns how many. */
static size_t xc_mems(xc_list *l, x64_mem *out)
{
    static const int32_t d8[] = { 1, -1, 127, -128, 8, -8, 64 };
    static const int32_t d32[] = { 128, -129, 4096, INT32_MAX, INT32_MIN, -4096, 0x12345 };
    static const uint8_t lo_other[] = { 0, 1, 2, 3, 6, 7 };
    static const uint8_t hi_other[] = { 8, 9, 10, 11, 14, 15 };
    static const uint8_t lo_index[] = { 0, 1, 2, 3, 5, 6, 7 };   /* never rsp */
    size_t n = 0;

    for (unsigned base = 0; base < 6; base++) {
        for (unsigned ix = 0; ix < 9; ix++) {
            for (unsigned dc = 0; dc < 3; dc++) {
                unsigned r = l->rot++;
                uint8_t b = base == 0 ? lo_other[r % 6] : base == 1 ? hi_other[r % 6]
                          : base == 2 ? X64_RSP : base == 3 ? X64_R12
                          : base == 4 ? X64_RBP : X64_R13;
                int32_t d = dc == 0 ? 0 : dc == 1 ? xc_pick(l, d8, 7) : xc_pick(l, d32, 7);
                if (ix == 0)
                    out[n++] = x64_mem_bd(b, d);
                else
                    out[n++] = x64_mem_bisd(b, ix <= 4 ? lo_index[r % 7] : 8 + r % 8,
                                            1u << ((ix - 1) % 4), d);
            }
        }
    }
    for (unsigned ix = 1; ix < 9; ix++) {             /* [index*s + disp32] */
        unsigned r = l->rot++;
        out[n++] = x64_mem_isd(ix <= 4 ? lo_index[r % 7] : 8 + r % 8, 1u << ((ix - 1) % 4),
                               r % 3 == 0 ? 0 : r % 3 == 1 ? xc_pick(l, d8, 7)
                                                         : xc_pick(l, d32, 7));
    }
    out[n++] = x64_mem_abs(xc_pick(l, d32, 7));
    out[n++] = x64_mem_ripd(xc_pick(l, d32, 7));
    out[n++] = x64_mem_rip(0, 0);                    /* backward label */
    out[n++] = x64_mem_rip(1, xc_pick(l, d8, 7));    /* forward label + addend */
    return n;
}

/* Immediates of each class for an operand of sz bytes (X64_IMM_*), and 1;
 * returns how many. */
static size_t xc_imms(xc_list *l, unsigned sz, int64_t *out)
{
    static const int32_t s8pos[] = { 0, 5, 127, 64, 2, 100 };
    static const int32_t s8neg[] = { -1, -128, -5, -100, -2 };
    static const int64_t pos[3][4] = { { 128, 255, 32767, 4096 },
                                       { 128, 4096, INT32_MAX, 0x12345 },
                                       { 128, 4096, INT32_MAX, 0x12345 } };
    static const int64_t neg[3][4] = { { -129, -32768, -4096, -200 },
                                       { -129, INT32_MIN, -4096, -0x12345 },
                                       { -129, INT32_MIN, -4096, -0x12345 } };
    static const int64_t wrap8[4][3] = { { 128, 255, 200 },
                                         { 65535, 65408, 65500 },
                                         { 0xFFFFFFFF, 0xFFFFFF80, 0xFFFFFFF0 },
                                         { 0, 0, 0 } };
    static const int64_t wrap[4][3] = { { 0, 0, 0 },
                                        { 32768, 65407, 40000 },
                                        { 0x80000000, 0xFFFFFF7F, 0xC0000000 },
                                        { 0, 0, 0 } };
    static const int64_t wide[4][4] = {
        { 256, -129, 1000, -1000 },
        { 65536, -32769, 0x123456, -0x123456 },
        { 0x100000000, -0x80000001ll, 0x100000005, INT64_MIN },
        { 0x80000000, 0xFFFFFFFF, 0x100000000, INT64_MIN },
    };
    static const int64_t wide64[] = { INT64_MAX, -0x80000001ll, 0x123456789ABCDEF0,
                                      -0x123456789ll };
    unsigned k = sz == 1 ? 0 : sz == 2 ? 1 : sz == 4 ? 2 : 3;
    unsigned r = l->rot++;
    size_t n = 0;

    out[n++] = 1;
    out[n++] = s8pos[r % 6];
    out[n++] = s8neg[r % 5];
    if (k > 0) {
        out[n++] = pos[k - 1][r % 4];
        out[n++] = neg[k - 1][r % 4];
    }
    if (k < 3)
        out[n++] = wrap8[k][r % 3];
    if (k == 1 || k == 2)
        out[n++] = wrap[k][r % 3];
    out[n++] = wide[k][r % 4];
    if (k == 3)
        out[n++] = wide64[r % 4];
    return n;
}

/* Generates every case the encoder accepts into l (zeroed first). */
static void xc_generate(xc_list *l)
{
    static const unsigned sizes[4] = { 1, 2, 4, 8 };
    x64_mem mems[XC_MAXMEM];
    int64_t imms[16];
    size_t nm, ni;
    xcase c;

    x64_buf_init(&l->b);
#define FOR_OPS(o) for (unsigned o = 0; o < X64_OP__COUNT; o++)
#define FOR_SOPS(o) for (unsigned o = 0; o < X64_SOP__COUNT; o++)
#define FOR_SIZES(s) for (unsigned s##i = 0, s; s##i < 4 && (s = sizes[s##i], 1); s##i++)
#define FOR_REGS(r) for (unsigned r = 0; r < 16; r++)
#define FOR_MEMS(m) for (size_t m##i = 0; m##i < nm; m##i++)
#define FOR_IMMS(v) for (size_t v##i = 0; v##i < ni; v##i++)
#define CASE(...) (c = (xcase){ __VA_ARGS__ }, xc_push(l, c))
    /* integer operations */
    FOR_OPS(op) {
        uint32_t f = x64_op_col(op, X64_COL_F);
        bool has_imm = x64_op_col(op, X64_COL_I8) || x64_op_col(op, X64_COL_I32);
        FOR_SIZES(sz) {
            FOR_REGS(a) FOR_REGS(bb) CASE(.fn = XC_RR, .op = op, .sz = sz, .r1 = a, .r2 = bb);
            FOR_REGS(a) CASE(.fn = XC_R, .op = op, .sz = sz, .r1 = a);
            for (unsigned k = 0; k < 3; k++) {
                uint8_t a = xc_reg(l, k);
                nm = xc_mems(l, mems);
                FOR_MEMS(m) {
                    CASE(.fn = XC_RM, .op = op, .sz = sz, .r1 = a, .m = mems[mi]);
                    CASE(.fn = XC_MR, .op = op, .sz = sz, .r1 = a, .m = mems[mi]);
                    if (f & X64_F_RRI) {
                        ni = xc_imms(l, sz, imms);
                        FOR_IMMS(v) if (imms[vi] >= INT32_MIN && imms[vi] <= INT32_MAX)
                            CASE(.fn = XC_RMI, .op = op, .sz = sz, .r1 = a, .m = mems[mi],
                                 .imm = imms[vi]);
                    }
                }
            }
            nm = xc_mems(l, mems);
            /* llvm-mc reads "call qword ptr [4096]" as call 4096 (rel32):
             * no absolute operand for call and jmp */
            FOR_MEMS(m) if (!((op == X64_CALL || op == X64_JMP) && mems[mi].base == X64_NOREG &&
                              mems[mi].index == X64_NOREG))
                CASE(.fn = XC_M, .op = op, .sz = sz, .m = mems[mi]);
            if (!has_imm)
                continue;
            FOR_REGS(a) {
                ni = xc_imms(l, sz, imms);
                FOR_IMMS(v) CASE(.fn = XC_RI, .op = op, .sz = sz, .r1 = a, .imm = imms[vi]);
            }
            FOR_MEMS(m) {
                ni = xc_imms(l, sz, imms);
                FOR_IMMS(v) CASE(.fn = XC_MI, .op = op, .sz = sz, .m = mems[mi], .imm = imms[vi]);
            }
            if (f & X64_F_RRI) {
                FOR_REGS(a) FOR_REGS(bb) {
                    ni = xc_imms(l, sz, imms);
                    FOR_IMMS(v) if (imms[vi] >= INT32_MIN && imms[vi] <= INT32_MAX)
                        CASE(.fn = XC_RRI, .op = op, .sz = sz, .r1 = a, .r2 = bb, .imm = imms[vi]);
                }
            }
        }
    }
    FOR_SIZES(sz) FOR_REGS(a) {
        ni = xc_imms(l, sz, imms);
        FOR_IMMS(v) CASE(.fn = XC_MOV_IMM, .sz = sz, .r1 = a, .imm = imms[vi]);
    }
    FOR_REGS(a) {
        ni = xc_imms(l, 8, imms);
        FOR_IMMS(v) CASE(.fn = XC_RI64, .sz = 8, .r1 = a, .imm = imms[vi]);
    }
    /* conditions */
    for (unsigned cc = 0; cc < 16; cc++) {
        FOR_REGS(a) CASE(.fn = XC_SETCC, .op = cc, .r1 = a);
        nm = xc_mems(l, mems);
        FOR_MEMS(m) CASE(.fn = XC_SETCC_M, .op = cc, .m = mems[mi]);
        FOR_SIZES(sz) {
            FOR_REGS(a) FOR_REGS(bb) CASE(.fn = XC_CMOV, .op = cc, .sz = sz, .r1 = a, .r2 = bb);
            for (unsigned k = 0; k < 3; k++) {
                uint8_t a = xc_reg(l, k);
                nm = xc_mems(l, mems);
                FOR_MEMS(m) CASE(.fn = XC_CMOV_M, .op = cc, .sz = sz, .r1 = a, .m = mems[mi]);
            }
        }
        for (unsigned lab = 0; lab < 2; lab++)
            for (unsigned js = X64_JAUTO; js <= X64_JNEAR; js++) {
                CASE(.fn = XC_JCC, .op = cc, .lab = lab, .js = js);
                if (cc == 0)
                    CASE(.fn = XC_JMP, .lab = lab, .js = js);
            }
    }
    /* no operands, or labels */
    FOR_SIZES(sz) CASE(.fn = XC_CDQ, .sz = sz);
    CASE(.fn = XC_RET);
    CASE(.fn = XC_INT3);
    CASE(.fn = XC_UD2);
    CASE(.fn = XC_CALL, .lab = 0);
    CASE(.fn = XC_CALL, .lab = 1);
    for (unsigned len = 1; len <= 9; len++)
        CASE(.fn = XC_NOP, .op = len);
    /* SSE */
    FOR_SOPS(op) {
        bool im = x64_sop_col(op, X64_SCOL_F) & X64_F_I;
        FOR_REGS(a) FOR_REGS(bb) {
            unsigned r = l->rot++;
            CASE(.fn = XC_XX, .op = op, .r1 = a, .r2 = bb);
            CASE(.fn = XC_XR, .op = op, .r1 = a, .r2 = bb);
            CASE(.fn = XC_RX, .op = op, .r1 = a, .r2 = bb);
            if (im) {                           /* imm8: 0-127 and 128-255 */
                CASE(.fn = XC_XXI, .op = op, .r1 = a, .r2 = bb, .imm = r % 12);
                CASE(.fn = XC_XXI, .op = op, .r1 = a, .r2 = bb, .imm = 128 + r % 128);
            }
        }
        for (unsigned k = 0; k < 3; k++) {
            uint8_t a = xc_reg(l, k), x = a;
            nm = xc_mems(l, mems);
            FOR_MEMS(m) {
                CASE(.fn = XC_RXM, .op = op, .r1 = a, .m = mems[mi]);
                if (k == 1)
                    continue;       /* XMM classes: 0-7 and 8-15 */
                CASE(.fn = XC_XM, .op = op, .r1 = x, .m = mems[mi]);
                CASE(.fn = XC_MX, .op = op, .r1 = x, .m = mems[mi]);
                if (im) {
                    CASE(.fn = XC_XMI, .op = op, .r1 = x, .m = mems[mi], .imm = mi % 12);
                    CASE(.fn = XC_XMI, .op = op, .r1 = x, .m = mems[mi], .imm = 128 + mi % 128);
                }
            }
        }
    }
#undef FOR_OPS
#undef FOR_SOPS
#undef FOR_SIZES
#undef FOR_REGS
#undef FOR_MEMS
#undef FOR_IMMS
#undef CASE
    x64_buf_free(&l->b);
}

static void xc_free(xc_list *l)
{
    free(l->v);
    memset(l, 0, sizeof *l);
}

#endif

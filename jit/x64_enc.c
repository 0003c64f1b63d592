/* x64_enc.c — the x86-64 encoder: buffer growth, labels and fix-ups,
 * ModRM/SIB operands, and every instruction form of x64_enc.h.
 *
 * One instruction is written as
 *
 *   [66] [F2/F3] [REX 0100WRXB] opcode... ModRM [SIB] [disp8/32] [imm]
 *    |      |                              mod reg rm  scale index base
 *   o16  mandatory
 *
 * straight into the buffer: begin() guarantees X64_MAX_INSN free bytes,
 * end() commits the new length. When the buffer cannot grow, begin()
 * hands out a scratch area instead, so encoders never test for failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jit/x64_enc.h"

#define UNBOUND UINT32_MAX
#define NOFIX   UINT32_MAX

struct x64_labinfo {
    uint32_t pos;  /* bound offset or UNBOUND */
    uint32_t head; /* first pending fix-up or NOFIX */
    bool used;     /* referenced at least once */
};

/* A pending reference: at `at`, `size` bytes become pos(label) + addend -
 * origin once the label is bound. */
struct x64_fixup {
    uint32_t at, origin, next;
    int32_t addend;
    uint8_t size;
};

/* -- Operation tables (from X64_OP_LIST / X64_SOP_LIST) -- */
enum { F_B = X64_F_B, F_SH = X64_F_SH, F_RRI = X64_F_RRI, F_S8 = X64_F_S8,
       F_D64 = X64_F_D64, F_RMRR = X64_F_RMRR, F_I = X64_F_I, F_NX = X64_F_NX,
       F_W64 = X64_F_W64, F_N16 = X64_F_N16, F_MO = X64_F_MO, F_RO = X64_F_RO,
       F_RV = X64_F_RV };

typedef struct opdesc {
    const char *name;
    uint16_t f;
    uint16_t sizes;    /* bit n set: operand size n (1, 2, 4, 8) is encodable */
    uint32_t rm, mr;
    uint8_t i32, i8, ax;
    uint16_t o;
    uint8_t un, digit;
} opdesc;

typedef struct sopdesc {
    const char *name;
    uint16_t f;
    uint32_t xm, mx, xr, rx;
} sopdesc;

#define B    F_B
#define SH   F_SH
#define RRI  F_RRI
#define S8   F_S8
#define D64  F_D64
#define RMRR F_RMRR
#define I    F_I
#define NX   F_NX
#define RV   F_RV
#define W64  F_W64
#define N16  F_N16
#define MO   F_MO
#define RO   F_RO
/* D64, W64: 64 bits only; N16: 32 and 64; B: every size; else 16, 32, 64 */
#define SIZES(f) ((f) & (F_D64 | F_W64) ? 1u << 8 : (f) & F_N16 ? 0x110u \
                  : (f) & F_B ? 0x116u : 0x114u)
static const opdesc ops[X64_OP__COUNT] = {
#define X(name, mn, f, rm, mr, i32, i8, ax, o, un, d) \
    [X64_##name] = { mn, f, SIZES(f), rm, mr, i32, i8, ax, o, un, d },
    X64_OP_LIST(X)
#undef X
};
static const sopdesc sops[X64_SOP__COUNT] = {
#define X(name, mn, f, xm, mx, xr, rx) [X64_##name] = { mn, f, xm, mx, xr, rx },
    X64_SOP_LIST(X)
#undef X
};
#undef B
#undef SH
#undef RRI
#undef S8
#undef D64
#undef RMRR
#undef I
#undef NX
#undef RV
#undef W64
#undef N16
#undef MO
#undef RO

const char *x64_op_name(x64_op op)
{
    return (unsigned)op < X64_OP__COUNT ? ops[op].name : "?";
}

const char *x64_sop_name(x64_sop op)
{
    return (unsigned)op < X64_SOP__COUNT ? sops[op].name : "?";
}

/* -- Coverage of instruction forms (x64_enc.h) -- */

static const char *const form_names[X64_FORM__COUNT] = {
#define X(name, text) [X64_FORM_##name] = text,
    X64_FORM_LIST(X)
#undef X
};

static const char *const cc_names[16] = {
    "o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g",
};

static inline uint64_t cov_hash(uint64_t k)
{
    k ^= k >> 29;
    k *= 0xbf58476d1ce4e5b9ull;
    k ^= k >> 32;
    return k;
}

/* The slot of key + 1 = v, or the free slot where it goes. */
static uint32_t cov_find(const x64_cov *c, uint64_t v)
{
    uint32_t i = (uint32_t)cov_hash(v) & (c->cap - 1);
    while (c->slot[i] && c->slot[i] != v)
        i = (i + 1) & (c->cap - 1);
    return i;
}

void x64_cov_add(x64_cov *c, uint64_t key)
{
    uint64_t v = key + 1;

    if (c->cap && c->slot[cov_find(c, v)] == v)
        return;
    if ((uint64_t)(c->n + 1) * 2 > c->cap) {
        uint32_t ncap = c->cap ? c->cap * 2 : 1024;
        uint64_t *n = ncap > (1u << 30) ? NULL : calloc(ncap, sizeof *n);
        x64_cov old = *c;
        if (!n) {
            c->failed = true;
            return;
        }
        c->slot = n;
        c->cap = ncap;
        for (uint32_t i = 0; i < old.cap; i++)
            if (old.slot[i])
                c->slot[cov_find(c, old.slot[i])] = old.slot[i];
        free(old.slot);
    }
    c->slot[cov_find(c, v)] = v;
    c->n++;
}

bool x64_cov_has(const x64_cov *c, uint64_t key)
{
    return c->cap && c->slot[cov_find(c, key + 1)] == key + 1;
}

void x64_cov_free(x64_cov *c)
{
    free(c->slot);
    memset(c, 0, sizeof *c);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

uint64_t *x64_cov_sorted(const x64_cov *c, uint32_t *n)
{
    uint64_t *out;
    uint32_t k = 0;

    *n = 0;
    if (!c->n || !(out = malloc((size_t)c->n * sizeof *out)))
        return NULL;
    for (uint32_t i = 0; i < c->cap; i++)
        if (c->slot[i])
            out[k++] = c->slot[i] - 1;
    qsort(out, k, sizeof *out, cmp_u64);
    *n = k;
    return out;
}

static inline bool fits8(int64_t v) { return v >= -128 && v <= 127; }
static inline bool fits32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

/* Memory shape: bits 0-2 kind (1 [base...], 2 [index*s + disp32], 3
 * [disp32], 4 [rip + disp32], 5 [rip + label]), 3-4 base low bits (0
 * other, 1 rsp/r12, 2 rbp/r13), 5 base 8-15, 6-7 index (X64_REG_LO/HI or
 * 0), 8-9 scale, 10-11 displacement (0: none, 1: disp8, 2: disp32). */
uint32_t x64_cov_mem_shape(x64_mem m)
{
    uint32_t kind, bc = 0, bh = 0, ix = 0, sc = 0, dc = 2;

    if (m.base == X64_RIP) {
        kind = m.label != X64_NOLABEL ? 5 : 4;
    } else if (m.base >= 16) {
        kind = m.index == X64_NOREG ? 3 : 2;
    } else {
        kind = 1;
        bc = (m.base & 7) == 4 ? 1 : (m.base & 7) == 5 ? 2 : 0;
        bh = m.base >> 3;
        dc = m.disp == 0 ? 0 : fits8(m.disp) ? 1 : 2;
    }
    if (kind <= 3 && m.index < 16) {
        ix = m.index & 8 ? X64_REG_HI : X64_REG_LO;
        sc = m.scale & 3;
    }
    return kind | bc << 3 | bh << 5 | ix << 6 | sc << 8 | dc << 10;
}

unsigned x64_cov_imm_class(unsigned sz, int64_t v)
{
    unsigned bits = sz == 1 ? 8 : sz == 2 ? 16 : 32;
    int64_t half = (int64_t)1 << (bits - 1);

    if (fits8(v))
        return v >= 0 ? X64_IMM_S8POS : X64_IMM_S8NEG;
    if (v >= -half && v < half)
        return v >= 0 ? X64_IMM_POS : X64_IMM_NEG;
    if (sz != 8 && v >= half && v < 2 * half)
        return fits8(v - 2 * half) ? X64_IMM_WRAP8 : X64_IMM_WRAP;
    return X64_IMM_WIDE;
}

/* Register class of r; byte: r is a byte register. */
static inline unsigned reg_class(unsigned r, bool byte)
{
    return r & 8 ? X64_REG_HI : byte && r >= 4 ? X64_REG_BYTE : X64_REG_LO;
}

static void name_mem(char *buf, size_t size, uint32_t s)
{
    static const char *const bases[2][3] = { { "b.lo", "rsp", "rbp" },
                                             { "b.hi", "r12", "r13" } };
    static const char *const disps[3] = { "", " + d8", " + d32" };
    unsigned kind = s & 7, bc = (s >> 3) & 3, bh = (s >> 5) & 1, ix = (s >> 6) & 3;
    unsigned sc = (s >> 8) & 3, dc = (s >> 10) & 3;
    char idx[16] = "";

    if (ix)
        snprintf(idx, sizeof idx, "i.%s*%u", ix == X64_REG_HI ? "hi" : "lo", 1u << sc);
    if (kind == 1)
        snprintf(buf, size, "[%s%s%s%s]", bases[bh][bc < 3 ? bc : 0], ix ? " + " : "", idx,
                 disps[dc < 3 ? dc : 0]);
    else if (kind == 2)
        snprintf(buf, size, "[%s + d32]", idx);
    else if (kind == 3)
        snprintf(buf, size, "[d32]");
    else if (kind == 4)
        snprintf(buf, size, "[rip + d32]");
    else if (kind == 5)
        snprintf(buf, size, "[rip + label]");
    else
        snprintf(buf, size, "[?]");
}

char *x64_cov_name(uint64_t k, char *buf, size_t size)
{
    static const char *const rnames[4] = { "", "lo", "byte", "hi" };
    static const char *const inames[8] = { "",     "s8+", "s8-", "pos",
                                            "neg", "wrap8", "wrap", "wide" };
    static const char *const vnames[2][4] = {
        { "", " imm8", " imm32", " short" },
        { "", " rel8", " rel32", " short" },
    };
    unsigned r1 = k & 3, r2 = (k >> 2) & 3, mem = (k >> 4) & 0xfff, imm = (k >> 16) & 7;
    unsigned v = (k >> 19) & 3, szi = (k >> 21) & 3, op = (k >> 23) & 127;
    uint64_t f = k >> 30;
    bool sse = f >= X64_FORM_XX, jump = f == X64_FORM_JMP || f == X64_FORM_JCC ||
                                        f == X64_FORM_CALL;
    bool ccop = f == X64_FORM_JCC || f == X64_FORM_SETCC || f == X64_FORM_SETCC_M ||
                f == X64_FORM_CMOV || f == X64_FORM_CMOV_M;
    char opname[16], sizes[8] = "", regs[16] = "", mems[48] = "", imms[16] = "";
    const char *on;

    if (f >= X64_FORM__COUNT) {
        snprintf(buf, size, "?");
        return buf;
    }
    if (ccop)
        on = op < 16 ? cc_names[op] : "?";
    else if (f == X64_FORM_NOP)
        on = (snprintf(opname, sizeof opname, "%u", op), opname);
    else if (f == X64_FORM_CDQ || f == X64_FORM_RET || f == X64_FORM_INT3 ||
             f == X64_FORM_UD2 || f == X64_FORM_JMP || f == X64_FORM_CALL)
        on = "";
    else
        on = sse ? x64_sop_name((x64_sop)op) : x64_op_name((x64_op)op);
    if (!(sse || f == X64_FORM_NOP || f == X64_FORM_RET || f == X64_FORM_INT3 ||
          f == X64_FORM_UD2 || jump || f == X64_FORM_SETCC || f == X64_FORM_SETCC_M))
        snprintf(sizes, sizeof sizes, " %u", 8u << szi);
    if (r1 || r2)
        snprintf(regs, sizeof regs, " r:%s%s%s", rnames[r1], r2 ? "," : "", rnames[r2]);
    if (mem) {
        char m[40];
        name_mem(m, sizeof m, mem);
        snprintf(mems, sizeof mems, " m:%s", m);
    }
    if (imm)
        snprintf(imms, sizeof imms, " i:%s", inames[imm]);
    snprintf(buf, size, "%s%s%s%s%s%s%s%s", form_names[f], *on ? " " : "", on, sizes,
             vnames[jump][v], regs, mems, imms);
    return buf;
}

/* Records form (f, op, operand size sz in bytes or 0, variant v, shape);
 * shape is evaluated only while recording. */
#define COV(b, f, op, sz, v, shape)                                             \
    do {                                                                        \
        if (__builtin_expect((b)->cov != NULL, 0))                              \
            cov_record(b, f, op, sz, v, (shape));                               \
    } while (0)

static __attribute__((cold, noinline)) void cov_record(x64_buf *b, x64_form f, unsigned op,
                                                       unsigned sz, x64_variant v,
                                                       uint32_t shape)
{
    x64_cov_add(b->cov, X64_COV_KEY(f, op, sz ? __builtin_ctz(sz) & 3 : 0, v, shape));
}

/* Shapes: registers (byte: a byte register), memory m (or none if NULL),
 * immediate. */
static inline uint32_t mem_shape(const x64_mem *m)
{
    return m ? x64_cov_mem_shape(*m) : 0;
}
#define SH_R(r1, b1) X64_COV_SHAPE(reg_class(r1, b1), 0, 0, 0)
#define SH_RR(r1, b1, r2, b2) X64_COV_SHAPE(reg_class(r1, b1), reg_class(r2, b2), 0, 0)
#define SH_RM(r1, b1, m) X64_COV_SHAPE(reg_class(r1, b1), 0, mem_shape(m), 0)
#define SH_M(m) X64_COV_SHAPE(0, 0, mem_shape(m), 0)
/* op r/m, imm: register r (a byte register if byte) or memory m */
#define SH_IMM(r, byte, m, sz, imm)                                             \
    X64_COV_SHAPE((m) ? 0 : reg_class(r, byte), 0, mem_shape(m), x64_cov_imm_class(sz, imm))
/* op r, r/m, imm */
#define SH_RRI(dst, src, m, sz, imm)                                            \
    X64_COV_SHAPE(reg_class(dst, false), (m) ? 0 : reg_class(src, false), mem_shape(m), \
                  x64_cov_imm_class(sz, imm))

/* -- Errors and growth -- */

/* Records the first error; the encoder keeps going so that callers check
 * once, at x64_buf_finish(). */
static void fail(x64_buf *b, wb_err err, const char *why)
{
    if (b->err == WB_OK) {
        b->err = err;
        b->why = why;
        b->err_pos = b->len;
    }
}

static void bad(x64_buf *b, const char *why)
{
    fail(b, WB_ERR_INTERNAL, why);
}

/* Makes room for need more bytes; false (and the buffer full for good)
 * when the limit is reached or realloc fails. */
static bool grow(x64_buf *b, uint32_t need)
{
    uint64_t want = (uint64_t)b->len + need, ncap;
    uint8_t *n;

    if (b->full)
        return false;
    if (want > b->limit) {
        b->full = true;
        fail(b, WB_ERR_NOMEM, "code size limit reached");
        return false;
    }
    ncap = b->cap ? (uint64_t)b->cap * 2 : 4096;
    while (ncap < want)
        ncap *= 2;
    if (ncap > b->limit)
        ncap = b->limit;
    n = realloc(b->code, ncap);
    if (!n) {
        b->full = true;
        fail(b, WB_ERR_NOMEM, "cannot grow the code buffer");
        return false;
    }
    b->code = n;
    b->cap = (uint32_t)ncap;
    return true;
}

static inline uint8_t *begin(x64_buf *b)
{
    if (__builtin_expect(b->cap - b->len < X64_MAX_INSN + 1, 0) &&
        !grow(b, X64_MAX_INSN + 1))
        return b->scratch;
    return b->code + b->len;
}

static void rip_ref(x64_buf *b);

static inline void end(x64_buf *b, uint8_t *p)
{
    if (b->full) {
        b->rip_label = X64_NOLABEL;
        return;
    }
    b->len = (uint32_t)(p - b->code);
    if (b->rip_label != X64_NOLABEL)
        rip_ref(b);
}

static inline uint8_t *put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
    return p + 4;
}

static inline uint8_t *put16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, 2);
    return p + 2;
}

/* -- Buffer -- */

void x64_buf_init(x64_buf *b)
{
    memset(b, 0, sizeof *b);
    b->limit = X64_DEFAULT_LIMIT;
    b->freefix = NOFIX;
    b->rip_label = X64_NOLABEL;
}

void x64_buf_free(x64_buf *b)
{
    free(b->code);
    free(b->labels);
    free(b->fixups);
    x64_buf_init(b);
}

void x64_buf_reserve(x64_buf *b, uint32_t n)
{
    if (b->cap - b->len < n)
        grow(b, n);
}

void x64_buf_reset(x64_buf *b)
{
    b->len = 0;
    b->err = WB_OK;
    b->why = NULL;
    b->err_pos = 0;
    b->full = false;
    b->nlabels = 0;
    b->nfixups = 0;
    b->freefix = NOFIX;
    b->rip_label = X64_NOLABEL;
    b->npending = 0;
}

wb_err x64_buf_finish(const x64_buf *b, wb_diag *d)
{
    if (b->err != WB_OK)
        return wb_diag_setf(d, b->err, NULL, b->err_pos, "x64 encoder: %s", b->why);
    for (uint32_t i = 0; b->npending && i < b->nlabels; i++)
        if (b->labels[i].used && b->labels[i].pos == UNBOUND)
            return wb_diag_setf(d, WB_ERR_INTERNAL, NULL, b->len,
                                "x64 encoder: label %u referenced but never bound", i);
    return WB_OK;
}

uint8_t *x64_buf_take(x64_buf *b, uint32_t *len)
{
    uint8_t *code = b->code;

    if (x64_buf_finish(b, NULL) != WB_OK || b->len == 0)
        return NULL;
    if (b->cap - b->len >= 4096) {          /* give back what was reserved */
        uint8_t *p = realloc(code, b->len);
        if (p)
            code = p;
    }
    *len = b->len;
    b->code = NULL;
    b->cap = 0;
    x64_buf_reset(b);
    return code;
}

/* -- Labels and fix-ups -- */

/* Writes value v into the size-byte slot at `at`, checking its range. */
static void put_rel(x64_buf *b, uint32_t at, unsigned size, int64_t v)
{
    if ((uint64_t)at + size > b->len) {
        bad(b, "fix-up outside the code");
        return;
    }
    if (size == 1) {
        if (!fits8(v)) {
            bad(b, "rel8 jump out of range");
            return;
        }
        b->code[at] = (uint8_t)v;
    } else {
        if (!fits32(v)) {
            bad(b, "rel32 out of range");
            return;
        }
        put32(b->code + at, (uint32_t)(int32_t)v);
    }
}

static x64_labinfo *label_get(x64_buf *b, x64_label l)
{
    if (l >= b->nlabels) {
        bad(b, "unknown label");
        return NULL;
    }
    return &b->labels[l];
}

static uint32_t fix_alloc(x64_buf *b)
{
    uint32_t f = b->freefix;

    if (f != NOFIX) {
        b->freefix = b->fixups[f].next;
        return f;
    }
    if (b->nfixups == b->capfixups) {
        uint32_t ncap = b->capfixups ? b->capfixups * 2 : 64;
        x64_fixup *n = ncap > UINT32_MAX / 2 ? NULL
                                             : realloc(b->fixups, (size_t)ncap * sizeof *n);
        if (!n) {
            fail(b, WB_ERR_NOMEM, "cannot grow the fix-up list");
            return NOFIX;
        }
        b->fixups = n;
        b->capfixups = ncap;
    }
    return b->nfixups++;
}

/* A reference to l from the size-byte slot at `at`: patched now if l is
 * bound, else queued on l. Nothing is recorded once the buffer is full. */
static void use_label(x64_buf *b, x64_label l, uint32_t at, unsigned size,
                      uint32_t origin, int32_t addend)
{
    x64_labinfo *li = label_get(b, l);
    uint32_t f;

    if (!li || b->full)
        return;
    if (!li->used && li->pos == UNBOUND)
        b->npending++;
    li->used = true;
    if (li->pos != UNBOUND) {
        put_rel(b, at, size, (int64_t)li->pos + addend - origin);
        return;
    }
    if ((f = fix_alloc(b)) == NOFIX)
        return;
    b->fixups[f] = (x64_fixup){ .at = at, .origin = origin, .next = li->head,
                                .addend = addend, .size = (uint8_t)size };
    li->head = f;
}

/* The RIP-relative operand of the instruction just ended: its disp32 is
 * relative to the end of the instruction, after any immediate. */
static void rip_ref(x64_buf *b)
{
    x64_label l = b->rip_label;

    b->rip_label = X64_NOLABEL;
    use_label(b, l, b->rip_at, 4, b->len, b->rip_addend);
}

x64_label x64_label_new(x64_buf *b)
{
    if (b->nlabels == b->caplabels) {
        uint32_t ncap = b->caplabels ? b->caplabels * 2 : 32;
        x64_labinfo *n = ncap > UINT32_MAX / 2 ? NULL
                                               : realloc(b->labels, (size_t)ncap * sizeof *n);
        if (!n) {
            fail(b, WB_ERR_NOMEM, "cannot grow the label list");
            return X64_NOLABEL;
        }
        b->labels = n;
        b->caplabels = ncap;
    }
    b->labels[b->nlabels] = (x64_labinfo){ .pos = UNBOUND, .head = NOFIX, .used = false };
    return b->nlabels++;
}

void x64_label_bind(x64_buf *b, x64_label l)
{
    x64_labinfo *li = label_get(b, l);
    uint32_t f, next;

    if (!li)
        return;
    if (li->pos != UNBOUND) {
        bad(b, "label bound twice");
        return;
    }
    li->pos = b->len;
    if (li->used)
        b->npending--;
    for (f = li->head; f != NOFIX; f = next) {
        x64_fixup *fx = &b->fixups[f];
        next = fx->next;
        put_rel(b, fx->at, fx->size, (int64_t)li->pos + fx->addend - fx->origin);
        fx->next = b->freefix;
        b->freefix = f;
    }
    li->head = NOFIX;
}

int64_t x64_label_pos(const x64_buf *b, x64_label l)
{
    if (l >= b->nlabels || b->labels[l].pos == UNBOUND)
        return -1;
    return b->labels[l].pos;
}

uint32_t x64_labels_unbound(const x64_buf *b)
{
    return b->npending;
}

void x64_d32_label(x64_buf *b, x64_label l, uint32_t origin)
{
    x64_d32(b, 0);
    if (!b->full)
        use_label(b, l, b->len - 4, 4, origin, 0);
}

/* -- Raw bytes and patching -- */

void x64_bytes(x64_buf *b, const void *src, uint32_t n)
{
    if (b->full || (b->cap - b->len < n && !grow(b, n)))
        return;
    if (n)
        memcpy(b->code + b->len, src, n);
    b->len += n;
}

void x64_d32(x64_buf *b, uint32_t v)
{
    x64_bytes(b, &v, 4);
}

void x64_d64(x64_buf *b, uint64_t v)
{
    x64_bytes(b, &v, 8);
}

void x64_patch_rel32(x64_buf *b, uint32_t at, uint32_t target)
{
    put_rel(b, at, 4, (int64_t)target - ((int64_t)at + 4));
}

void x64_patch_u32(x64_buf *b, uint32_t at, uint32_t v)
{
    if ((uint64_t)at + 4 > b->len) {
        bad(b, "patch outside the code");
        return;
    }
    put32(b->code + at, v);
}

void x64_patch_u8(x64_buf *b, uint32_t at, uint8_t v)
{
    if (at >= b->len) {
        bad(b, "patch outside the code");
        return;
    }
    b->code[at] = v;
}

void x64_nop(x64_buf *b, uint32_t n)
{
    /* The recommended forms (Intel SDM "NOP"): 1 to 9 bytes. */
    static const uint8_t nops[9][9] = {
        { 0x90 },
        { 0x66, 0x90 },
        { 0x0F, 0x1F, 0x00 },                                   /* nop [rax] */
        { 0x0F, 0x1F, 0x40, 0x00 },                             /* nop [rax+0] */
        { 0x0F, 0x1F, 0x44, 0x00, 0x00 },                       /* nop [rax+rax+0] */
        { 0x66, 0x0F, 0x1F, 0x44, 0x00, 0x00 },
        { 0x0F, 0x1F, 0x80, 0x00, 0x00, 0x00, 0x00 },           /* nop [rax+disp32] */
        { 0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 },
        { 0x66, 0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 },
    };
    while (n > 0) {
        uint32_t k = n < 9 ? n : 9;
        uint8_t *p = begin(b);
        memcpy(p, nops[k - 1], k);
        COV(b, X64_FORM_NOP, k, 0, X64_VAR_ONE, 0);
        end(b, p + k);
        n -= k;
    }
}

void x64_align(x64_buf *b, uint32_t align)
{
    if (align == 0 || (align & (align - 1)) != 0) {
        bad(b, "alignment is not a power of two");
        return;
    }
    x64_nop(b, (0u - b->len) & (align - 1));
}

/* -- Operand encoding -- */

static inline bool gpr_ok(unsigned r) { return r < 16; }

static inline bool mem_ok(const x64_mem *m)
{
    /* the common [base + disp] first */
    if (m->base < 16 && m->index == X64_NOREG && m->label == X64_NOLABEL)
        return true;
    if (m->scale > 3)
        return false;
    if (m->base == X64_RIP)
        return m->index == X64_NOREG;
    if (m->label != X64_NOLABEL)
        return false;
    if (!gpr_ok(m->base) && m->base != X64_NOREG)
        return false;
    return m->index == X64_NOREG || (gpr_ok(m->index) && m->index != X64_RSP);
}

/* Prefixes, REX and opcode bytes. opc holds the bytes in order, leading
 * 66/F2/F3 are mandatory prefixes and 0x48 stands for REX.W (X64_SOP_LIST).
 * rex: the W R X B bits; force: emit REX even if empty (byte regs 4-7). */
static inline uint8_t *emit_opc(uint8_t *p, uint32_t opc, unsigned rex, bool force, bool o16)
{
    int sh;

    if (o16)
        *p++ = 0x66;
    if (opc <= 0xFF) {                      /* one opcode byte, no prefix */
        if (rex || force)
            *p++ = (uint8_t)(0x40 | rex);
        *p++ = (uint8_t)opc;
        return p;
    }
    if ((opc >> 8) == 0x0F) {               /* 0F xx */
        if (rex || force)
            *p++ = (uint8_t)(0x40 | rex);
        p[0] = 0x0F;
        p[1] = (uint8_t)opc;
        return p + 2;
    }
    sh = opc > 0xFFFFFF ? 24 : opc > 0xFFFF ? 16 : 8;
    for (; sh > 0; sh -= 8) {
        unsigned c = (opc >> sh) & 0xFF;
        if (c == 0x66 || c == 0xF2 || c == 0xF3)
            *p++ = (uint8_t)c;
        else if (c == 0x48)
            rex |= 8;
        else
            break;
    }
    if (rex || force)
        *p++ = (uint8_t)(0x40 | rex);
    for (; sh >= 0; sh -= 8)
        *p++ = (uint8_t)(opc >> sh);
    return p;
}

/* ModRM, SIB and displacement of a memory operand with ModRM.reg = reg.
 * A label reference is completed by end(), when the length is known. */
static uint8_t *emit_mem_slow(x64_buf *b, uint8_t *p, unsigned reg, const x64_mem *m)
{
    unsigned base = m->base, idx = m->index, mod;
    int32_t d = m->disp;

    reg = (reg & 7) << 3;
    if (base == X64_RIP) {                  /* [rip+disp32]: mod 00, rm 101 */
        *p++ = (uint8_t)(reg | 5);
        if (m->label != X64_NOLABEL) {
            b->rip_label = m->label;
            b->rip_addend = d;
            b->rip_at = b->full ? 0 : (uint32_t)(p - b->code);
            d = 0;
        }
        return put32(p, (uint32_t)d);
    }
    if (base == X64_NOREG) {                /* [index*s+disp32]: SIB base 101 */
        *p++ = (uint8_t)(reg | 4);
        *p++ = (uint8_t)(m->scale << 6 | (idx == X64_NOREG ? 4 : idx & 7) << 3 | 5);
        return put32(p, (uint32_t)d);
    }
    /* rbp/r13 (rm 101) with mod 00 would mean rip/disp32: give them a disp8 */
    mod = d == 0 && (base & 7) != 5 ? 0x00 : fits8(d) ? 0x40 : 0x80;
    if (idx == X64_NOREG && (base & 7) != 4) {
        *p++ = (uint8_t)(mod | reg | (base & 7));
    } else {                                /* rsp/r12 (rm 100) need a SIB */
        *p++ = (uint8_t)(mod | reg | 4);
        *p++ = (uint8_t)(m->scale << 6 | (idx == X64_NOREG ? 4 : idx & 7) << 3 | (base & 7));
    }
    if (mod == 0x40)
        *p++ = (uint8_t)d;
    else if (mod == 0x80)
        p = put32(p, (uint32_t)d);
    return p;
}

/* The same, inline for the common [base + disp] with base neither rsp/r12
 * (which need a SIB) nor rip. */
static inline __attribute__((always_inline)) uint8_t *emit_mem(x64_buf *b, uint8_t *p,
                                                               unsigned reg,
                                                               const x64_mem *m)
{
    unsigned base = m->base;
    int32_t d = m->disp;

    if (__builtin_expect(base >= 16 || m->index != X64_NOREG || (base & 7) == 4, 0))
        return emit_mem_slow(b, p, reg, m);
    reg = (reg & 7) << 3 | (base & 7);
    if (d == 0 && (base & 7) != 5) {
        *p++ = (uint8_t)reg;
    } else if (fits8(d)) {
        p[0] = (uint8_t)(0x40 | reg);
        p[1] = (uint8_t)d;
        p += 2;
    } else {
        *p++ = (uint8_t)(0x80 | reg);
        p = put32(p, (uint32_t)d);
    }
    return p;
}

/* One ModRM instruction: r/m is register rm, or memory m when m != NULL. */
static inline __attribute__((always_inline)) uint8_t *enc(x64_buf *b, uint8_t *p, uint32_t opc, bool w, bool o16,
                           bool force, unsigned reg, unsigned rm, const x64_mem *m)
{
    unsigned rex = (w ? 8u : 0u) | (reg & 8) >> 1;

    if (m) {
        if (m->index < 16)
            rex |= (m->index & 8) >> 2;
        if (m->base < 16)
            rex |= (m->base & 8) >> 3;
        p = emit_opc(p, opc, rex, force, o16);
        return emit_mem(b, p, reg, m);
    }
    rex |= (rm & 8) >> 3;
    p = emit_opc(p, opc, rex, force, o16);
    *p++ = (uint8_t)(0xC0 | (reg & 7) << 3 | (rm & 7));
    return p;
}

/* Byte registers 4-7 are spl, bpl, sil, dil only with a REX prefix. */
static inline bool byte_rex(unsigned r) { return r >= 4 && r < 8; }

static uint8_t *put_imm(uint8_t *p, x64_size sz, int64_t v)
{
    if (sz == X64_8) {
        *p++ = (uint8_t)v;
        return p;
    }
    if (sz == X64_16)
        return put16(p, (uint16_t)v);
    return put32(p, (uint32_t)v);
}

/* The immediate fits the operand size (as signed or unsigned; 64-bit
 * operands take a sign-extended imm32). */
static bool imm_ok(x64_size sz, int64_t v)
{
    switch (sz) {
    case X64_8:  return v >= INT8_MIN && v <= UINT8_MAX;
    case X64_16: return v >= INT16_MIN && v <= UINT16_MAX;
    case X64_32: return v >= INT32_MIN && v <= UINT32_MAX;
    case X64_64: return fits32(v);
    }
    return false;
}

/* v as the CPU sees it after sign extension from the operand size. */
static int64_t imm_sext(x64_size sz, int64_t v)
{
    return sz == X64_8 ? (int8_t)v : sz == X64_16 ? (int16_t)v
         : sz == X64_32 ? (int32_t)v : v;
}

/* Checks op and size; returns the descriptor or NULL (error recorded). */
static inline const opdesc *op_get(x64_buf *b, x64_op op, x64_size sz)
{
    const opdesc *d;

    if ((unsigned)op >= X64_OP__COUNT) {
        bad(b, "unknown operation");
        return NULL;
    }
    d = &ops[op];
    if (__builtin_expect((unsigned)sz < 16 && ((d->sizes >> sz) & 1), 1))
        return d;
    if (sz != X64_8 && sz != X64_16 && sz != X64_32 && sz != X64_64)
        bad(b, "invalid operand size");
    else
        bad(b, "operand size not encodable for this operation");
    return NULL;
}

/* The opcode for size sz: byte forms sit at opcode - 1. */
static inline uint32_t szop(const opdesc *d, uint32_t opc, x64_size sz)
{
    return sz == X64_8 && (d->f & F_B) ? opc - 1 : opc;
}

static inline bool rexw(const opdesc *d, x64_size sz)
{
    return sz == X64_64 && !(d->f & F_D64);
}

/* -- Fast paths for operations not known at compile time (x64_enc.h has
 * the inline ones and the helpers) -- */

static inline bool fast_imm(x64_buf *b, const opdesc *d, x64_size sz, unsigned r,
                            bool mem, x64_mem m, int64_t imm)
{
    return x64_fast_imm(b, d->f, d->i8, d->i32, d->ax, d->digit, sz, r, mem, m, imm);
}

/* -- Integer instructions -- */

/* op r, r (shifts: src rcx means cl) */
void x64_rr_gen(x64_buf *b, x64_op op, x64_size sz, x64_gpr dst, x64_gpr src)
{
    const opdesc *d;
    bool w, o16 = sz == X64_16, byte = sz == X64_8;
    uint8_t *p;

    if ((unsigned)op < X64_OP__COUNT) {
        d = &ops[op];
        if (!(d->f & (F_SH | F_RMRR | F_MO)) &&
            (d->mr ? x64_fast_reg_reg(b, d->mr, d->f, sz, src, dst)
                   : !(d->f & F_S8) && x64_fast_reg_reg(b, d->rm, d->f, sz, dst, src)))
            return;
    }
    if (!(d = op_get(b, op, sz)))
        return;
    if (!gpr_ok(dst) || !gpr_ok(src)) {
        bad(b, "invalid register");
        return;
    }
    w = rexw(d, sz);
    p = begin(b);
    if (d->f & F_SH) {
        if (src != X64_RCX) {
            bad(b, "shift count register must be cl");
            return;
        }
        p = enc(b, p, szop(d, d->i8 + 0x12u, sz), w, o16, byte && byte_rex(dst),
                d->digit, dst, NULL);
    } else if (op == X64_XCHG && !byte && (dst == X64_RAX || src == X64_RAX) &&
               !(sz == X64_32 && dst == src)) {
        /* xchg eax, r: 90+r (but xchg eax, eax must zero-extend: 87 C0;
         * xchg rax, rax is a nop: 90, as assemblers write it) */
        unsigned r = dst == X64_RAX ? src : dst;
        p = emit_opc(p, d->o + (r & 7), (w && r != X64_RAX ? 8u : 0u) | (r & 8) >> 3, false,
                     o16);
        COV(b, X64_FORM_RR, op, sz, X64_VAR_SHORT, SH_RR(dst, false, src, false));
        end(b, p);
        return;
    } else if (d->mr && !(d->f & F_RMRR)) {
        p = enc(b, p, szop(d, d->mr, sz), w, o16, byte && (byte_rex(dst) || byte_rex(src)),
                src, dst, NULL);
    } else if (d->rm && !(d->f & F_MO)) {
        bool force = (byte && (byte_rex(dst) || byte_rex(src))) ||
                     ((d->f & F_S8) && byte_rex(src));
        p = enc(b, p, szop(d, d->rm, sz), w, o16, force, dst, src, NULL);
    } else {
        bad(b, "no reg, reg form for this operation");
        return;
    }
    COV(b, X64_FORM_RR, op, sz, X64_VAR_ONE,
        SH_RR(dst, byte, src, byte || (d->f & F_S8)));
    end(b, p);
}

/* op r, [base+index*s+disp] */
void x64_rm_gen(x64_buf *b, x64_op op, x64_size sz, x64_gpr dst, x64_mem src)
{
    const opdesc *d;
    uint8_t *p;

    if ((unsigned)op < X64_OP__COUNT && x64_fast_reg_mem(b, ops[op].rm, ops[op].f, sz, dst, src))
        return;
    if (!(d = op_get(b, op, sz)))
        return;
    if (!gpr_ok(dst) || !mem_ok(&src)) {
        bad(b, "invalid operand");
        return;
    }
    if (!d->rm) {
        bad(b, "no reg, mem form for this operation");
        return;
    }
    p = begin(b);
    p = enc(b, p, szop(d, d->rm, sz), rexw(d, sz), sz == X64_16,
            sz == X64_8 && byte_rex(dst), dst, 0, &src);
    COV(b, X64_FORM_RM, op, sz, X64_VAR_ONE, SH_RM(dst, sz == X64_8, &src));
    end(b, p);
}

/* op [base+index*s+disp], r (shifts: src rcx means cl) */
void x64_mr_gen(x64_buf *b, x64_op op, x64_size sz, x64_mem dst, x64_gpr src)
{
    const opdesc *d;
    uint8_t *p;

    if ((unsigned)op < X64_OP__COUNT && !(ops[op].f & F_SH) &&
        x64_fast_reg_mem(b, ops[op].mr, ops[op].f, sz, src, dst))
        return;
    if (!(d = op_get(b, op, sz)))
        return;
    if (!gpr_ok(src) || !mem_ok(&dst)) {
        bad(b, "invalid operand");
        return;
    }
    p = begin(b);
    if (d->f & F_SH) {
        if (src != X64_RCX) {
            bad(b, "shift count register must be cl");
            return;
        }
        p = enc(b, p, szop(d, d->i8 + 0x12u, sz), rexw(d, sz), sz == X64_16, false,
                d->digit, 0, &dst);
    } else if (d->mr) {
        p = enc(b, p, szop(d, d->mr, sz), rexw(d, sz), sz == X64_16,
                sz == X64_8 && byte_rex(src), src, 0, &dst);
    } else {
        bad(b, "no mem, reg form for this operation");
        return;
    }
    COV(b, X64_FORM_MR, op, sz, X64_VAR_ONE, SH_RM(src, sz == X64_8, &dst));
    end(b, p);
}

/* The immediate forms shared by x64_ri and x64_mi: r/m is register r or
 * memory m. */
static void enc_imm(x64_buf *b, const opdesc *d, x64_size sz, unsigned r,
                    const x64_mem *m, int64_t imm)
{
    bool w = rexw(d, sz), o16 = sz == X64_16, byte = sz == X64_8;
    bool force = !m && byte && byte_rex(r);
    x64_form form = m ? X64_FORM_MI : X64_FORM_RI;
    unsigned op = (unsigned)(d - ops);
    int64_t raw;
    uint8_t *p;

    if (d->f & F_SH) {                      /* shl r/m, imm8 (D1: by 1) */
        if (imm < 0 || imm > 255) {
            bad(b, "shift count out of range");
            return;
        }
        p = begin(b);
        if (imm == 1) {
            p = enc(b, p, szop(d, d->i8 + 0x10u, sz), w, o16, force, d->digit, r, m);
            COV(b, form, op, sz, X64_VAR_SHORT, SH_IMM(r, byte, m, sz, imm));
        } else {
            p = enc(b, p, szop(d, d->i8, sz), w, o16, force, d->digit, r, m);
            *p++ = (uint8_t)imm;
            COV(b, form, op, sz, X64_VAR_8, SH_IMM(r, byte, m, sz, imm));
        }
        end(b, p);
        return;
    }
    if (!imm_ok(sz, imm)) {
        bad(b, "immediate does not fit the operand size");
        return;
    }
    raw = imm;
    imm = imm_sext(sz, imm);
    p = begin(b);
    if (d->i8 && !byte && fits8(imm)) {     /* 83 /d ib */
        p = enc(b, p, d->i8, w, o16, force, d->digit, r, m);
        *p++ = (uint8_t)imm;
        COV(b, form, op, sz, X64_VAR_8, SH_IMM(r, byte, m, sz, raw));
    } else if (d->ax && !m && r == X64_RAX) { /* 05 id: op eax, imm32 */
        p = emit_opc(p, szop(d, d->ax, sz), w ? 8u : 0u, false, o16);
        p = put_imm(p, sz, imm);
        COV(b, form, op, sz, X64_VAR_SHORT, SH_IMM(r, byte, m, sz, raw));
    } else if (d->i32) {                    /* 81 /d id */
        p = enc(b, p, szop(d, d->i32, sz), w, o16, force, d->digit, r, m);
        p = put_imm(p, sz, imm);
        COV(b, form, op, sz, X64_VAR_32, SH_IMM(r, byte, m, sz, raw));
    } else {
        bad(b, "no immediate form for this operation");
        return;
    }
    end(b, p);
}

/* op r, imm8/16/32; mov r64 takes any imm64; imul r, imm is imul r, r, imm */
void x64_ri_gen(x64_buf *b, x64_op op, x64_size sz, x64_gpr dst, int64_t imm)
{
    const opdesc *d;

    if ((unsigned)op < X64_OP__COUNT && op != X64_MOV &&
        fast_imm(b, &ops[op], sz, dst, false, x64_mem_abs(0), imm))
        return;
    if (!(d = op_get(b, op, sz)))
        return;
    if (!gpr_ok(dst)) {
        bad(b, "invalid register");
        return;
    }
    if (op == X64_MOV && !(sz == X64_64 && fits32(imm))) {
        uint8_t *p;
        if (sz != X64_64 && !imm_ok(sz, imm)) {
            bad(b, "immediate does not fit the operand size");
            return;
        }
        /* B8+r: mov r, imm16/32/64 (B0+r for bytes) */
        p = begin(b);
        p = emit_opc(p, (sz == X64_8 ? 0xB0u : 0xB8u) + (dst & 7),
                     (sz == X64_64 ? 8u : 0u) | (dst & 8) >> 3,
                     sz == X64_8 && byte_rex(dst), sz == X64_16);
        if (sz == X64_64) {
            uint64_t v = (uint64_t)imm;
            memcpy(p, &v, 8);
            p += 8;
        } else {
            p = put_imm(p, sz, imm);
        }
        COV(b, X64_FORM_RI, op, sz, X64_VAR_SHORT, SH_IMM(dst, sz == X64_8, NULL, sz, imm));
        end(b, p);
        return;
    }
    if (d->f & F_RRI) {
        if (!imm_ok(sz, imm))
            bad(b, "immediate does not fit the operand size");
        else
            x64_rri(b, op, sz, dst, dst, (int32_t)imm_sext(sz, imm));
        return;
    }
    enc_imm(b, d, sz, dst, NULL, imm);
}

/* op [m], imm8/16/32 */
void x64_mi_gen(x64_buf *b, x64_op op, x64_size sz, x64_mem dst, int64_t imm)
{
    const opdesc *d;

    if ((unsigned)op < X64_OP__COUNT && fast_imm(b, &ops[op], sz, 0, true, dst, imm))
        return;
    if (!(d = op_get(b, op, sz)))
        return;
    if (!mem_ok(&dst)) {
        bad(b, "invalid memory operand");
        return;
    }
    if (d->f & F_RRI) {
        bad(b, "no mem, imm form for this operation");
        return;
    }
    enc_imm(b, d, sz, 0, &dst, imm);
}

/* op r: one-operand forms (not, neg, mul, div, inc, push, bswap, call r...) */
void x64_r(x64_buf *b, x64_op op, x64_size sz, x64_gpr r)
{
    const opdesc *d = op_get(b, op, sz);
    uint8_t *p;

    if (!d)
        return;
    if (!gpr_ok(r)) {
        bad(b, "invalid register");
        return;
    }
    if (d->o && op != X64_MOV && op != X64_XCHG) { /* 50+r push, 0F C8+r bswap */
        if (sz < X64_32) {
            bad(b, "operand size not encodable for this operation");
            return;
        }
        p = begin(b);
        p = emit_opc(p, d->o + (r & 7), (rexw(d, sz) ? 8u : 0u) | (r & 8) >> 3, false, false);
        COV(b, X64_FORM_R, op, sz, X64_VAR_SHORT, SH_R(r, false));
    } else if (d->un) {                     /* F7 /d */
        p = begin(b);
        p = enc(b, p, szop(d, d->un, sz), rexw(d, sz), sz == X64_16,
                sz == X64_8 && byte_rex(r), d->digit, r, NULL);
        COV(b, X64_FORM_R, op, sz, X64_VAR_ONE, SH_R(r, sz == X64_8));
    } else {
        bad(b, "no one-register form for this operation");
        return;
    }
    end(b, p);
}

/* op [m]: one-operand forms on memory */
void x64_m(x64_buf *b, x64_op op, x64_size sz, x64_mem m)
{
    const opdesc *d = op_get(b, op, sz);
    uint8_t *p;

    if (!d)
        return;
    if (!mem_ok(&m)) {
        bad(b, "invalid memory operand");
        return;
    }
    if (!d->un) {
        bad(b, "no one-memory form for this operation");
        return;
    }
    p = begin(b);
    p = enc(b, p, szop(d, d->un, sz), rexw(d, sz), sz == X64_16, false, d->digit, 0, &m);
    COV(b, X64_FORM_M, op, sz, X64_VAR_ONE, SH_M(&m));
    end(b, p);
}

static void enc_rri(x64_buf *b, x64_op op, x64_size sz, unsigned dst, unsigned src,
                    const x64_mem *m, int32_t imm)
{
    const opdesc *d = op_get(b, op, sz);
    uint8_t *p;

    if (!d)
        return;
    if (!(d->f & F_RRI) || !gpr_ok(dst) || (!m && !gpr_ok(src)) || (m && !mem_ok(m)) ||
        (sz == X64_16 && (imm < INT16_MIN || imm > UINT16_MAX))) {
        bad(b, "invalid operands for op r, r/m, imm");
        return;
    }
    p = begin(b);
    if (fits8(imm_sext(sz, imm))) {         /* 6B /r ib */
        p = enc(b, p, d->i8, rexw(d, sz), sz == X64_16, false, dst, src, m);
        *p++ = (uint8_t)imm;
        COV(b, m ? X64_FORM_RMI : X64_FORM_RRI, op, sz, X64_VAR_8, SH_RRI(dst, src, m, sz, imm));
    } else {                                /* 69 /r iw/id */
        p = enc(b, p, d->i32, rexw(d, sz), sz == X64_16, false, dst, src, m);
        p = put_imm(p, sz, imm);
        COV(b, m ? X64_FORM_RMI : X64_FORM_RRI, op, sz, X64_VAR_32, SH_RRI(dst, src, m, sz, imm));
    }
    end(b, p);
}

/* imul r, r, imm8/32 */
void x64_rri(x64_buf *b, x64_op op, x64_size sz, x64_gpr dst, x64_gpr src, int32_t imm)
{
    enc_rri(b, op, sz, dst, src, NULL, imm);
}

/* imul r, [m], imm8/32 */
void x64_rmi(x64_buf *b, x64_op op, x64_size sz, x64_gpr dst, x64_mem src, int32_t imm)
{
    enc_rri(b, op, sz, dst, 0, &src, imm);
}

/* mov r64, imm64 (movabs: always 10 bytes, e.g. to be patched) */
void x64_ri64(x64_buf *b, x64_gpr dst, uint64_t imm)
{
    uint8_t *p;

    if (!gpr_ok(dst)) {
        bad(b, "invalid register");
        return;
    }
    p = begin(b);
    p = emit_opc(p, 0xB8u + (dst & 7), 8u | (dst & 8) >> 3, false, false);
    memcpy(p, &imm, 8);
    COV(b, X64_FORM_RI64, X64_MOV, X64_64, X64_VAR_ONE,
        SH_IMM(dst, false, NULL, X64_64, (int64_t)imm));
    end(b, p + 8);
}

/* mov r, imm: the shortest form that keeps the flags (never xor) */
void x64_mov_imm_gen(x64_buf *b, x64_size sz, x64_gpr dst, uint64_t imm)
{
    if (sz != X64_64)
        x64_ri(b, X64_MOV, sz, dst, (int64_t)imm_sext(sz, (int64_t)imm));
    else if (imm <= UINT32_MAX)             /* mov r32 zero-extends */
        x64_ri(b, X64_MOV, X64_32, dst, (int64_t)imm);
    else if (fits32((int64_t)imm))          /* REX.W C7: sign-extended imm32 */
        x64_ri(b, X64_MOV, X64_64, dst, (int64_t)imm);
    else
        x64_ri64(b, dst, imm);
}

/* setcc r8 */
void x64_setcc(x64_buf *b, x64_cc cc, x64_gpr dst)
{
    uint8_t *p;

    if ((unsigned)cc > 15 || !gpr_ok(dst)) {
        bad(b, "invalid operand");
        return;
    }
    p = begin(b);
    p = enc(b, p, 0x0F90u + cc, false, false, byte_rex(dst), 0, dst, NULL);
    COV(b, X64_FORM_SETCC, cc, 0, X64_VAR_ONE, SH_R(dst, true));
    end(b, p);
}

/* setcc byte [m] */
void x64_setcc_m(x64_buf *b, x64_cc cc, x64_mem dst)
{
    uint8_t *p;

    if ((unsigned)cc > 15 || !mem_ok(&dst)) {
        bad(b, "invalid operand");
        return;
    }
    p = begin(b);
    p = enc(b, p, 0x0F90u + cc, false, false, false, 0, 0, &dst);
    COV(b, X64_FORM_SETCC_M, cc, 0, X64_VAR_ONE, SH_M(&dst));
    end(b, p);
}

static void enc_cmov(x64_buf *b, x64_cc cc, x64_size sz, unsigned dst, unsigned src,
                     const x64_mem *m)
{
    uint8_t *p;

    if ((unsigned)cc > 15 || !gpr_ok(dst) || (!m && !gpr_ok(src)) || (m && !mem_ok(m)) ||
        (sz != X64_16 && sz != X64_32 && sz != X64_64)) {
        bad(b, "invalid operands for cmovcc");
        return;
    }
    p = begin(b);
    p = enc(b, p, 0x0F40u + cc, sz == X64_64, sz == X64_16, false, dst, src, m);
    COV(b, m ? X64_FORM_CMOV_M : X64_FORM_CMOV, cc, sz, X64_VAR_ONE,
        m ? SH_RM(dst, false, m) : SH_RR(dst, false, src, false));
    end(b, p);
}

/* cmovcc r, r */
void x64_cmov(x64_buf *b, x64_cc cc, x64_size sz, x64_gpr dst, x64_gpr src)
{
    enc_cmov(b, cc, sz, dst, src, NULL);
}

/* cmovcc r, [m] */
void x64_cmov_m(x64_buf *b, x64_cc cc, x64_size sz, x64_gpr dst, x64_mem src)
{
    enc_cmov(b, cc, sz, dst, 0, &src);
}

/* Instructions without operands: up to 2 bytes, first byte first. */
static void enc_fixed(x64_buf *b, x64_form f, unsigned sz, unsigned n, uint8_t b0,
                      uint8_t b1)
{
    uint8_t *p = begin(b);

    p[0] = b0;
    p[1] = b1;
    COV(b, f, 0, sz, X64_VAR_ONE, 0);
    end(b, p + n);
}

/* cwd / cdq / cqo */
void x64_cdq(x64_buf *b, x64_size sz)
{
    if (sz == X64_16)
        enc_fixed(b, X64_FORM_CDQ, sz, 2, 0x66, 0x99);
    else if (sz == X64_32)
        enc_fixed(b, X64_FORM_CDQ, sz, 1, 0x99, 0);
    else if (sz == X64_64)
        enc_fixed(b, X64_FORM_CDQ, sz, 2, 0x48, 0x99);
    else
        bad(b, "invalid operand size");
}

void x64_ret(x64_buf *b) { enc_fixed(b, X64_FORM_RET, 0, 1, 0xC3, 0); }    /* ret */
void x64_int3(x64_buf *b) { enc_fixed(b, X64_FORM_INT3, 0, 1, 0xCC, 0); }  /* int3 */
void x64_ud2(x64_buf *b) { enc_fixed(b, X64_FORM_UD2, 0, 2, 0x0F, 0x0B); } /* ud2 */

/* -- Jumps and calls to labels -- */

/* short: op8 rel8; near: op32 (1 or 2 bytes) rel32. */
static void enc_jump(x64_buf *b, x64_form f, unsigned op, x64_label l, x64_jsize js,
                     uint8_t op8, uint16_t op32)
{
    int64_t pos = x64_label_pos(b, l);
    unsigned n32 = op32 > 0xFF ? 2 : 1;
    uint8_t *p;

    if (l >= b->nlabels) {
        bad(b, "unknown label");
        return;
    }
    p = begin(b);
    if (js == X64_JSHORT || (js == X64_JAUTO && pos >= 0 && fits8(pos - ((int64_t)b->len + 2)))) {
        p[0] = op8;
        p[1] = 0;
        COV(b, f, op, 0, X64_VAR_8, 0);
        end(b, p + 2);
        use_label(b, l, b->len - 1, 1, b->len, 0);
        return;
    }
    if (n32 == 2)
        *p++ = (uint8_t)(op32 >> 8);
    *p++ = (uint8_t)op32;
    p = put32(p, 0);
    COV(b, f, op, 0, X64_VAR_32, 0);
    end(b, p);
    use_label(b, l, b->len - 4, 4, b->len, 0);
}

/* jmp L */
void x64_jmp(x64_buf *b, x64_label l, x64_jsize js)
{
    enc_jump(b, X64_FORM_JMP, 0, l, js, 0xEB, 0xE9);
}

/* jcc L */
void x64_jcc(x64_buf *b, x64_cc cc, x64_label l, x64_jsize js)
{
    if ((unsigned)cc > 15) {
        bad(b, "invalid condition");
        return;
    }
    enc_jump(b, X64_FORM_JCC, cc, l, js, (uint8_t)(0x70 + cc), (uint16_t)(0x0F80 + cc));
}

/* call L (rel32) */
void x64_call(x64_buf *b, x64_label l)
{
    enc_jump(b, X64_FORM_CALL, 0, l, X64_JNEAR, 0, 0xE8);
}

/* -- SSE instructions -- */

static const sopdesc *sop_get(x64_buf *b, x64_sop op)
{
    if ((unsigned)op >= X64_SOP__COUNT) {
        bad(b, "unknown operation");
        return NULL;
    }
    return &sops[op];
}

/* One SSE instruction with opcode opc (0: form missing), ModRM.reg = reg,
 * r/m = register rm or memory m, and an imm8 when the op takes one.
 * swapped: the encoder's arguments are rm, reg (movd r32, xmm). */
static void enc_sse(x64_buf *b, x64_form f, const sopdesc *d, uint32_t opc, unsigned reg,
                    unsigned rm, const x64_mem *m, bool has_imm, uint8_t imm, bool swapped)
{
    uint8_t *p;

    if (!d)
        return;
    if (!opc || has_imm != !!(d->f & F_I)) {
        bad(b, "operand form not encodable for this operation");
        return;
    }
    if (reg >= 16 || (m ? !mem_ok(m) : rm >= 16)) {
        bad(b, "invalid operand");
        return;
    }
    p = begin(b);
    p = enc(b, p, opc, false, false, false, reg, rm, m);
    if (has_imm)
        *p++ = imm;
    COV(b, f, (unsigned)(d - sops), 0, X64_VAR_ONE,
        m ? X64_COV_SHAPE(reg_class(reg, false), 0, x64_cov_mem_shape(*m),
                          has_imm ? x64_cov_imm_class(1, imm) : 0)
          : X64_COV_SHAPE(reg_class(swapped ? rm : reg, false),
                          reg_class(swapped ? reg : rm, false), 0,
                          has_imm ? x64_cov_imm_class(1, imm) : 0));
    end(b, p);
}

/* op x, x */
void x64_xx_gen(x64_buf *b, x64_sop op, x64_xmm dst, x64_xmm src)
{
    const sopdesc *d = sop_get(b, op);
    enc_sse(b, X64_FORM_XX, d, d && !(d->f & F_NX) ? d->xm : 0, dst, src, NULL, false, 0, false);
}

/* op x, [m] */
void x64_xm_gen(x64_buf *b, x64_sop op, x64_xmm dst, x64_mem src)
{
    const sopdesc *d = sop_get(b, op);
    enc_sse(b, X64_FORM_XM, d, d ? d->xm : 0, dst, 0, &src, false, 0, false);
}

/* op [m], x */
void x64_mx_gen(x64_buf *b, x64_sop op, x64_mem dst, x64_xmm src)
{
    const sopdesc *d = sop_get(b, op);
    enc_sse(b, X64_FORM_MX, d, d ? d->mx : 0, src, 0, &dst, false, 0, false);
}

/* op x, r32/r64 */
void x64_xr(x64_buf *b, x64_sop op, x64_xmm dst, x64_gpr src)
{
    const sopdesc *d = sop_get(b, op);
    enc_sse(b, X64_FORM_XR, d, d ? d->xr : 0, dst, src, NULL, false, 0, false);
}

/* op r32/r64, x */
void x64_rx(x64_buf *b, x64_sop op, x64_gpr dst, x64_xmm src)
{
    const sopdesc *d = sop_get(b, op);
    if (d && (d->f & F_RV))                 /* movd r/m32, xmm: xmm in reg */
        enc_sse(b, X64_FORM_RX, d, d->rx, src, dst, NULL, false, 0, true);
    else
        enc_sse(b, X64_FORM_RX, d, d ? d->rx : 0, dst, src, NULL, false, 0, false);
}

/* op r32/r64, [m] */
void x64_rxm(x64_buf *b, x64_sop op, x64_gpr dst, x64_mem src)
{
    const sopdesc *d = sop_get(b, op);
    enc_sse(b, X64_FORM_RXM, d, d && !(d->f & (F_RV | F_RO)) ? d->rx : 0, dst, 0, &src, false,
            0, false);
}

/* op x, x, imm8 */
void x64_xxi(x64_buf *b, x64_sop op, x64_xmm dst, x64_xmm src, uint8_t imm)
{
    const sopdesc *d = sop_get(b, op);
    enc_sse(b, X64_FORM_XXI, d, d && !(d->f & F_NX) ? d->xm : 0, dst, src, NULL, true, imm, false);
}

/* op x, [m], imm8 */
void x64_xmi(x64_buf *b, x64_sop op, x64_xmm dst, x64_mem src, uint8_t imm)
{
    const sopdesc *d = sop_get(b, op);
    enc_sse(b, X64_FORM_XMI, d, d ? d->xm : 0, dst, 0, &src, true, imm, false);
}

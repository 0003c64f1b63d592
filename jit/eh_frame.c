/* eh_frame.c — unwind information for compiled code: one .eh_frame table
 * (a shared CIE, one FDE per function, a zero terminator) appended to the
 * code blob. Addresses are pc-relative (DW_EH_PE_pcrel | sdata4), so the
 * table stays valid wherever the blob is mapped and can be registered as
 * is (__register_frame) for libunwind, gdb and perf.
 *
 * Every function starts `push rbp; mov rbp, rsp` and has one epilogue
 * `mov rsp, rbp; pop rbp; ret` (compile.c), which is all the CFA rules
 * below describe:
 *   entry           CFA = rsp+8, ra at CFA-8          (CIE)
 *   after push rbp  CFA = rsp+16, rbp at CFA-16
 *   after mov       CFA = rbp+16                      (the whole body)
 *   epilogue        remember; rsp+16; rsp+8; restore  (then trap stubs) */
#include <string.h>

#include "jit/jit_int.h"

enum {
    CFA_ADVANCE_LOC = 0x40, CFA_OFFSET = 0x80, CFA_RESTORE = 0xc0,
    CFA_ADVANCE_LOC1 = 0x02, CFA_ADVANCE_LOC2 = 0x03, CFA_ADVANCE_LOC4 = 0x04,
    CFA_DEF_CFA = 0x0c, CFA_DEF_CFA_REGISTER = 0x0d, CFA_DEF_CFA_OFFSET = 0x0e,
    CFA_REMEMBER_STATE = 0x0a, CFA_RESTORE_STATE = 0x0b, CFA_NOP = 0x00,
    DW_RSP = 7, DW_RBP = 6, DW_RA = 16,
    PE_PCREL_SDATA4 = 0x1b,
    PUSH_RBP_LEN = 1, MOV_RBP_RSP_LEN = 3, MOV_RSP_RBP_LEN = 3, POP_RBP_LEN = 1,
};

/* A small byte builder on the stack (entries here are tiny). */
typedef struct ent { uint8_t p[64]; uint32_t n; } ent;

static inline void put(ent *e, uint8_t v)
{
    if (e->n < sizeof e->p)
        e->p[e->n++] = v;
}

static inline void put32(ent *e, uint32_t v)
{
    if (e->n + 4 <= sizeof e->p) {
        memcpy(e->p + e->n, &v, 4);
        e->n += 4;
    }
}

static inline void advance(ent *e, uint32_t delta)
{
    if (delta == 0)
        return;
    if (delta < 64) {
        put(e, (uint8_t)(CFA_ADVANCE_LOC | delta));
    } else if (delta < 256) {
        put(e, CFA_ADVANCE_LOC1);
        put(e, (uint8_t)delta);
    } else if (delta < 65536) {
        put(e, CFA_ADVANCE_LOC2);
        put(e, (uint8_t)delta);
        put(e, (uint8_t)(delta >> 8));
    } else {
        put(e, CFA_ADVANCE_LOC4);
        put32(e, delta);
    }
}

/* Pads to a multiple of 8 bytes (length field included) and writes the
 * entry with its length. */
static void flush(x64_buf *b, ent *e)
{
    while ((e->n + 4) % 8)
        put(e, CFA_NOP);
    x64_d32(b, e->n);
    x64_bytes(b, e->p, e->n);
}

void wb_eh_frame_emit(x64_buf *b, uint32_t nfuncs, const uint32_t *offs,
                      const uint32_t *epi)
{
    uint32_t cie = x64_pos(b);
    ent e;

    memset(&e, 0, sizeof e);
    put32(&e, 0);                  /* CIE id */
    put(&e, 1);                    /* version */
    put(&e, 'z');
    put(&e, 'R');
    put(&e, 0);
    put(&e, 1);                    /* code alignment */
    put(&e, 0x78);                 /* data alignment -8 */
    put(&e, DW_RA);                /* return address column */
    put(&e, 1);                    /* augmentation data length */
    put(&e, PE_PCREL_SDATA4);      /* FDE pointer encoding */
    put(&e, CFA_DEF_CFA);
    put(&e, DW_RSP);
    put(&e, 8);
    put(&e, CFA_OFFSET | DW_RA);
    put(&e, 1);
    flush(b, &e);

    for (uint32_t i = 0; i < nfuncs; i++) {
        uint32_t start = offs[i], end = offs[i + 1], at = x64_pos(b) + 4;
        uint32_t pc = start + PUSH_RBP_LEN + MOV_RBP_RSP_LEN;
        e.n = 0;
        put32(&e, at - cie);                 /* CIE pointer */
        put32(&e, start - (at + 4));         /* pc_begin, relative to its field */
        put32(&e, end - start);              /* pc_range */
        put(&e, 0);                          /* augmentation data length */
        advance(&e, PUSH_RBP_LEN);
        put(&e, CFA_DEF_CFA_OFFSET);
        put(&e, 16);
        put(&e, CFA_OFFSET | DW_RBP);
        put(&e, 2);
        advance(&e, MOV_RBP_RSP_LEN);
        put(&e, CFA_DEF_CFA_REGISTER);
        put(&e, DW_RBP);
        if (epi && epi[i] >= pc && epi[i] < end) {
            advance(&e, epi[i] - pc);
            put(&e, CFA_REMEMBER_STATE);
            advance(&e, MOV_RSP_RBP_LEN);
            put(&e, CFA_DEF_CFA);
            put(&e, DW_RSP);
            put(&e, 16);
            advance(&e, POP_RBP_LEN);
            put(&e, CFA_DEF_CFA_OFFSET);
            put(&e, 8);
            put(&e, CFA_RESTORE | DW_RBP);
            advance(&e, 1);                  /* ret */
            put(&e, CFA_RESTORE_STATE);
        }
        flush(b, &e);
    }
    x64_d32(b, 0);                           /* terminator */
}

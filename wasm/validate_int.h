/* validate_int.h — private to the validator: the state one
 * wb_module_validate call shares between validate.c (module level) and
 * validate_code.c (function bodies). */
#ifndef WB_VALIDATE_INT_H
#define WB_VALIDATE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "wasm/wasm.h"

/* The operand-stack type of a value whose type the polymorphic stack left
 * open (after unreachable, br, br_table, return). Not a binary type code
 * and not 0, which the opcode table uses for "no operand". */
#define WB_VT_UNKNOWN 0x01

/* One entry of the control stack. Its label types are its params (loop) or
 * its results (everything else). */
typedef struct wb_vctrl {
    const uint8_t *types;   /* nparams params, then nresults results (borrowed) */
    uint32_t nparams, nresults;
    uint32_t height;        /* operand stack height below the frame */
    uint32_t br_mark;       /* 1 + offset of the last br_table that checked this label */
    uint8_t kind;           /* wb_vctrl_kind */
    bool unreachable;       /* the rest of the frame is stack-polymorphic */
} wb_vctrl;

enum wb_vctrl_kind { WB_VC_FUNC, WB_VC_BLOCK, WB_VC_LOOP, WB_VC_IF, WB_VC_ELSE };

/* How many locals (params first) a body's lookup table holds directly;
 * the rest are found by binary search over the runs. */
#define WB_VLOCAL_CACHE 256

/* A run of declared locals of one type: indices below `end` (counted from
 * the first declared local) and not below the previous group's end. */
typedef struct wb_vlocals { uint32_t end; uint8_t type; } wb_vlocals;

/* Scratch of one validation call: allocated on first use, grown on demand,
 * reused for every function body, freed by wb_vstate_free. */
typedef struct wb_vstate {
    const wb_module *m;     /* borrowed */
    wb_diag *d;             /* borrowed, may be NULL */

    uint8_t *vals;          /* operand stack: value types or WB_VT_UNKNOWN */
    uint32_t nvals, vals_cap;
    wb_vctrl *ctrls;        /* control stack; ctrls[0] is the function */
    uint32_t nctrls, ctrls_cap;
    wb_vlocals *locals;     /* declared locals of the current body, merged runs */
    uint32_t nlocal_runs, locals_cap;
    /* Types of the first locals (params included) of the current body:
     * most accesses are answered here without a search. */
    uint8_t local_cache[WB_VLOCAL_CACHE];
} wb_vstate;

/* Frees the scratch of v (v itself belongs to the caller). */
void wb_vstate_free(wb_vstate *v);

/* Validates body `code` (index into m->codes) against the module, whose
 * definitions (types of functions, tables, memories, globals) are already
 * known to be valid. validate_code.c. */
wb_err wb_validate_body(wb_vstate *v, uint32_t code);

/* Reads every function body only for its binary format (opcodes,
 * immediates, block structure, the data count rule) and returns the first
 * MALFORMED error, or WB_OK. The spec decodes a whole module before it
 * validates anything, so a malformed body outranks an invalid definition
 * found earlier; wb_module_validate calls this before reporting one. */
wb_err wb_scan_bodies(const wb_module *m, wb_diag *d);

#endif

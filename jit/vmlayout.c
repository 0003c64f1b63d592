/* vmlayout.c — offsets of the per-module arrays of an instance context
 * (vmctx), computed from the module alone so that the compiler, which
 * emits them as displacements, and the runtime, which allocates and fills
 * the vmctx, agree by construction (layout in jit.h).
 *
 *   0    fixed header (WB_VMCTX_HEADER_SIZE bytes)
 *   128  type_ids      uint32_t[ntypes]
 *        func_imports  wb_vm_import[nfunc_imports]    8-aligned
 *        tables        wb_vm_table *[ntables]
 *        globals       void *[nglobals]
 *        funcrefs      wb_vm_funcref[nfuncs]
 *        size
 *
 * The module limits (wb_limits.h) keep every offset far below 2^31, so
 * they fit the signed 32-bit displacements of the generated code. */
#include "jit/jit.h"

_Static_assert(sizeof(wb_vm_import) == 16, "wb_vm_import is two pointers");
_Static_assert(sizeof(wb_vm_funcref) == 32, "wb_vm_funcref layout");
_Static_assert(sizeof(wb_vm_table) == 16, "wb_vm_table layout");

static uint64_t align8(uint64_t v) { return (v + 7) & ~(uint64_t)7; }

void wb_vmlayout_compute(const wb_module *m, wb_vmlayout *out)
{
    uint64_t off = WB_VMCTX_HEADER_SIZE;

    out->type_ids = (uint32_t)off;
    off = align8(off + 4ull * m->ntypes);
    out->func_imports = (uint32_t)off;
    off += sizeof(wb_vm_import) * (uint64_t)m->nfunc_imports;
    out->tables = (uint32_t)off;
    off += 8ull * m->ntables;
    out->globals = (uint32_t)off;
    off += 8ull * m->nglobals;
    out->funcrefs = (uint32_t)off;
    off += sizeof(wb_vm_funcref) * (uint64_t)m->nfuncs;
    out->size = (uint32_t)align8(off);
}

/* vmctx.h — the instance context (vmctx) as the runtime sees it: the fixed
 * header of jit.h as a C struct, tied to the WB_VMCTX_* constants the
 * compiler emits by _Static_assert, and typed accessors for the per-module
 * arrays placed by wb_vmlayout_compute.
 *
 *   +0    mem_base        +8   mem_size        +16  stack_limit
 *   +24   instance        +32  epoch_ptr       +40  epoch_deadline
 *   +48   fuel            +56  memory          +64  builtins
 *   +72   exit_fp         +80  externrefs      +88..+127 reserved
 *   +128  type_ids[] | func_imports[] | tables[] | globals[] | funcrefs[]
 *         (offsets from wb_vmlayout, computed from the module alone)
 */
#ifndef WB_RUNTIME_VMCTX_H
#define WB_RUNTIME_VMCTX_H

#include <stddef.h>
#include <stdint.h>

#include "jit/jit.h"

typedef struct wb_vmctx {
    uint8_t *mem_base;              /* memory 0 base, NULL without memory */
    uint64_t mem_size;              /* memory 0 accessible bytes */
    uintptr_t stack_limit;          /* lowest rsp wasm code may reach */
    void *instance;                 /* struct wb_instance * */
    const uint64_t *epoch_ptr;      /* the engine's epoch counter */
    uint64_t epoch_deadline;
    int64_t fuel;
    void *memory;                   /* struct wb_rt_memory * of memory 0 */
    const void *const *builtins;    /* wb_builtin -> C function */
    uintptr_t exit_fp;              /* rbp of the wasm frame calling a builtin */
    wb_vm_externrefs *externrefs;   /* the store's externref heap (gc/) */
    uint8_t reserved[WB_VMCTX_HEADER_SIZE - 88];
} wb_vmctx;

#define WB_VMCTX_CHECK(field, off) \
    _Static_assert(offsetof(wb_vmctx, field) == (off), "vmctx field " #field " moved")
WB_VMCTX_CHECK(mem_base, WB_VMCTX_MEM_BASE);
WB_VMCTX_CHECK(mem_size, WB_VMCTX_MEM_SIZE);
WB_VMCTX_CHECK(stack_limit, WB_VMCTX_STACK_LIMIT);
WB_VMCTX_CHECK(instance, WB_VMCTX_INSTANCE);
WB_VMCTX_CHECK(epoch_ptr, WB_VMCTX_EPOCH_PTR);
WB_VMCTX_CHECK(epoch_deadline, WB_VMCTX_EPOCH_DEADLINE);
WB_VMCTX_CHECK(fuel, WB_VMCTX_FUEL);
WB_VMCTX_CHECK(memory, WB_VMCTX_MEMORY);
WB_VMCTX_CHECK(builtins, WB_VMCTX_BUILTINS);
WB_VMCTX_CHECK(exit_fp, WB_VMCTX_EXIT_FP);
WB_VMCTX_CHECK(externrefs, WB_VMCTX_EXTERNREFS);
#undef WB_VMCTX_CHECK
_Static_assert(sizeof(wb_vmctx) == WB_VMCTX_HEADER_SIZE, "vmctx header size");

/* The records compiled code dereferences directly. */
_Static_assert(offsetof(wb_vm_funcref, code) == WB_FUNCREF_CODE, "funcref code");
_Static_assert(offsetof(wb_vm_funcref, vmctx) == WB_FUNCREF_VMCTX, "funcref vmctx");
_Static_assert(offsetof(wb_vm_funcref, type_id) == WB_FUNCREF_TYPE_ID, "funcref type id");
_Static_assert(offsetof(wb_vm_table, elements) == WB_TABLE_ELEMENTS, "table elements");
_Static_assert(offsetof(wb_vm_table, size) == WB_TABLE_SIZE, "table size");
_Static_assert(sizeof(wb_vm_import) == 16, "vm import record");
_Static_assert(offsetof(wb_vm_externrefs, act_next) == WB_EXTERNREFS_ACT_NEXT, "act next");
_Static_assert(offsetof(wb_vm_externrefs, act_end) == WB_EXTERNREFS_ACT_END, "act end");
_Static_assert(offsetof(wb_vm_externrefs, slots) == WB_EXTERNREFS_SLOTS, "externref slots");
_Static_assert(offsetof(wb_vm_externrefs, nslots) == WB_EXTERNREFS_NSLOTS, "externref nslots");

/* Storage of one global: 16 bytes, enough for a v128; scalars in the low
 * bytes, references as their 8-byte representation. */
#define WB_GLOBAL_STORAGE 16

/* -- Per-module arrays (layout from wb_vmlayout_compute) -- */

static inline uint32_t *wb_vmctx_type_ids(wb_vmctx *v, const wb_vmlayout *l)
{
    return (uint32_t *)((uint8_t *)v + l->type_ids);
}

static inline wb_vm_import *wb_vmctx_func_imports(wb_vmctx *v, const wb_vmlayout *l)
{
    return (wb_vm_import *)((uint8_t *)v + l->func_imports);
}

static inline wb_vm_table **wb_vmctx_tables(wb_vmctx *v, const wb_vmlayout *l)
{
    return (wb_vm_table **)((uint8_t *)v + l->tables);
}

static inline void **wb_vmctx_globals(wb_vmctx *v, const wb_vmlayout *l)
{
    return (void **)((uint8_t *)v + l->globals);
}

static inline wb_vm_funcref *wb_vmctx_funcrefs(wb_vmctx *v, const wb_vmlayout *l)
{
    return (wb_vm_funcref *)((uint8_t *)v + l->funcrefs);
}

#endif

/* test_jit_harness.h — a test-only mini loader for compiled artifacts, so
 * the baseline compiler's output can run before (and independently of) the
 * runtime: maps the code RW, copies it, flips it to RX; builds a zeroed
 * vmctx laid out by wb_vmlayout_compute with memory 0 (4 GiB reservation +
 * 4 GiB guard), tables, globals, funcrefs and a few builtins; calls a
 * function through a hand-written entry shim that follows jit.h's calling
 * convention; and turns SIGILL/SIGSEGV/SIGFPE at a trap site into the trap
 * kind. Single-threaded, for tests only. */
#ifndef WB_TEST_JIT_HARNESS_H
#define WB_TEST_JIT_HARNESS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <execinfo.h>
#include <ucontext.h>

#include "jit/jit.h"
#include "wasm/wasm.h"

/* -- The entry shim --
 * th_enter(code, vmctx, slots, n): copies n 8-byte slots to a 16-aligned
 * area at [rsp], sets r15 = vmctx, calls code, copies the area back. Saves
 * and restores every SysV callee-saved register (wasm code clobbers them). */
void th_enter(const void *code, void *vmctx, uint64_t *slots, uint64_t n);
/* The unwind table of compiled code, as the runtime registers it. */
void __register_frame(void *begin);
void __deregister_frame(void *begin);
__asm__(".text\n"
        ".globl th_enter\n"
        ".type th_enter, @function\n"
        "th_enter:\n"
        "  .cfi_startproc\n"
        "  push %rbp\n"
        "  .cfi_def_cfa_offset 16\n"
        "  .cfi_offset %rbp, -16\n"
        "  mov %rsp, %rbp\n"
        "  .cfi_def_cfa_register %rbp\n"
        "  push %rbx\n"
        "  push %r12\n"
        "  push %r13\n"
        "  push %r14\n"
        "  push %r15\n"
        "  .cfi_offset %rbx, -24\n"
        "  .cfi_offset %r12, -32\n"
        "  .cfi_offset %r13, -40\n"
        "  .cfi_offset %r14, -48\n"
        "  .cfi_offset %r15, -56\n"
        "  push %rdx\n"          /* [rbp-48] slots: wasm code clobbers r12/r13 */
        "  push %rcx\n"          /* [rbp-56] n */
        "  mov %rdx, %r12\n"
        "  mov %rcx, %r13\n"
        "  lea 15(,%rcx,8), %rax\n"
        "  and $-16, %rax\n"
        "  sub %rax, %rsp\n"
        "  and $-16, %rsp\n"
        "  xor %ecx, %ecx\n"
        "1: cmp %r13, %rcx\n"
        "  jae 2f\n"
        "  mov (%r12,%rcx,8), %rax\n"
        "  mov %rax, (%rsp,%rcx,8)\n"
        "  inc %rcx\n"
        "  jmp 1b\n"
        "2: mov %rsi, %r15\n"
        "  call *%rdi\n"
        "  mov -48(%rbp), %r12\n"
        "  mov -56(%rbp), %r13\n"
        "  xor %ecx, %ecx\n"
        "3: cmp %r13, %rcx\n"
        "  jae 4f\n"
        "  mov (%rsp,%rcx,8), %rax\n"
        "  mov %rax, (%r12,%rcx,8)\n"
        "  inc %rcx\n"
        "  jmp 3b\n"
        "4: lea -40(%rbp), %rsp\n"
        "  pop %r15\n"
        "  pop %r14\n"
        "  pop %r13\n"
        "  pop %r12\n"
        "  pop %rbx\n"
        "  pop %rbp\n"
        "  .cfi_def_cfa %rsp, 8\n"
        "  ret\n"
        "  .cfi_endproc\n"
        ".globl th_enter_end\n"
        "th_enter_end:\n"
        ".size th_enter, .-th_enter\n");
extern const char th_enter_end[];

#define TH_MEM_RESERVE (8ull << 30)

typedef struct th_inst {
    wb_module *m;
    wb_artifact *a;
    uint8_t *code;          /* RX mapping of a->code */
    size_t code_map;
    uint8_t *vmctx;
    wb_vmlayout lay;
    uint8_t *mem;           /* memory 0 reservation or NULL */
    uint64_t mem_pages;
    uint64_t mem_max_pages;
    wb_vm_table *tables;
    uint8_t *globals;       /* 16 bytes each */
    const void *builtins[WB_BUILTIN__COUNT];
    int unexpected_builtin; /* id + 1 of a builtin the harness lacks */
} th_inst;

/* The instance of the call in progress (builtins and the signal handler). */
static th_inst *th_cur;
static sigjmp_buf th_jmp;
static volatile int th_trap_kind;      /* wb_err of the trap, -1 = no site */
static volatile uint32_t th_trap_off;

static void th_handler(int sig, siginfo_t *si, void *uc_)
{
    ucontext_t *uc = uc_;
    uint8_t *pc = (uint8_t *)uc->uc_mcontext.gregs[REG_RIP];
    (void)si;
    if (th_cur && pc >= th_cur->code && pc < th_cur->code + th_cur->a->code_size) {
        const wb_trap_site *t = wb_artifact_trap_at(th_cur->a, (uint32_t)(pc - th_cur->code));
        th_trap_off = (uint32_t)(pc - th_cur->code);
        th_trap_kind = t ? t->kind : -1;
        siglongjmp(th_jmp, 1);
    }
    signal(sig, SIG_DFL); /* a real crash: let it happen */
}

/* Installs the trap handlers (every call: cmocka installs its own signal
 * handlers around each test) and saves the previous ones into old[]. */
static const int th_sigs[4] = { SIGILL, SIGSEGV, SIGBUS, SIGFPE };

static void th_signals(struct sigaction old[4])
{
    static uint8_t altstack[1 << 16];
    struct sigaction sa;
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack };
    sigaltstack(&ss, NULL);
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = th_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 4; i++)
        sigaction(th_sigs[i], &sa, &old[i]);
}

static void th_signals_restore(const struct sigaction old[4])
{
    for (int i = 0; i < 4; i++)
        sigaction(th_sigs[i], &old[i], NULL);
}

/* -- Builtins -- */

/* Return addresses seen by the unwinder (libgcc, through .eh_frame) from
 * inside the last memory.grow builtin. */
static void *th_bt[64];
static int th_nbt;

/* What the stack map of the calling frame said at the last memory.grow:
 * its rbp-relative slots and the values they held. */
static int32_t th_map_slots[16];
static uint64_t th_map_vals[16];
static int th_map_n;                /* -1: no call site at the return address */

static void th_snapshot_map(th_inst *I, const uint8_t *ret, uintptr_t fp)
{
    const wb_call_site *cs = wb_artifact_call_at(I->a, (uint32_t)(ret - I->code));
    th_map_n = -1;
    if (!cs)
        return;
    th_map_n = 0;
    for (uint32_t i = 0; i < cs->map_count && i < 16; i++) {
        int32_t off = I->a->ref_slots[cs->map_start + i];
        th_map_slots[th_map_n] = off;
        th_map_vals[th_map_n++] = *(const uint64_t *)(fp + off);
    }
}

static __attribute__((noinline)) uint32_t th_memory_grow(void *vmctx, uint32_t delta)
{
    th_inst *I = th_cur;
    uint64_t old = I->mem_pages;
    th_nbt = backtrace(th_bt, 64);
    th_snapshot_map(I, __builtin_return_address(0),
                    *(uintptr_t *)((uint8_t *)vmctx + WB_VMCTX_EXIT_FP));
    if (old + delta > I->mem_max_pages)
        return UINT32_MAX;
    if (delta && mprotect(I->mem + old * 65536, (uint64_t)delta * 65536,
                          PROT_READ | PROT_WRITE) != 0)
        return UINT32_MAX;
    I->mem_pages = old + delta;
    *(uint64_t *)(I->vmctx + WB_VMCTX_MEM_SIZE) = I->mem_pages * 65536;
    return (uint32_t)old;
}

static void th_memory_fill(void *vmctx, uint32_t dst, uint32_t val, uint32_t len)
{
    (void)vmctx;
    memset(th_cur->mem + dst, (int)val, len);
}

/* Fuel and epoch slow paths: count the calls; refuel / extend the
 * deadline by th_refuel (0 = never extend: the deadline stays passed). */
static int th_fuel_calls, th_epoch_calls;
static int64_t th_refuel;
static uint64_t th_epoch;

static void th_fuel_slow(void *vmctx)
{
    th_fuel_calls++;
    *(int64_t *)((uint8_t *)vmctx + WB_VMCTX_FUEL) += th_refuel;
}

static void th_epoch_slow(void *vmctx)
{
    th_epoch_calls++;
    *(uint64_t *)((uint8_t *)vmctx + WB_VMCTX_EPOCH_DEADLINE) = th_epoch + (uint64_t)th_refuel;
}

#define TH_UNEXPECTED(id)                                                     \
    static void th_unexpected_##id(void) { th_cur->unexpected_builtin = id + 1; }
TH_UNEXPECTED(0) /* placeholder for every other builtin */

static uint32_t th_type_id(const wb_module *m, uint32_t t)
{
    const wb_functype *a = &m->types[t];
    for (uint32_t j = 0; j < t; j++) {
        const wb_functype *b = &m->types[j];
        if (a->nparams == b->nparams && a->nresults == b->nresults &&
            !memcmp(a->types, b->types, a->nparams + a->nresults))
            return j;
    }
    return t;
}

static uint64_t th_const(th_inst *I, const wb_const_expr *e)
{
    wb_vm_funcref *fr = (wb_vm_funcref *)(I->vmctx + I->lay.funcrefs);
    switch (e->op) {
    case WB_OP_I32_CONST: return (uint32_t)e->u.i32;
    case WB_OP_I64_CONST: return (uint64_t)e->u.i64;
    case WB_OP_F32_CONST: return e->u.f32;
    case WB_OP_F64_CONST: return e->u.f64;
    case WB_OP_REF_FUNC: return (uint64_t)(uintptr_t)&fr[e->u.index];
    default: return 0;
    }
}

/* Loads, validates and compiles `bytes` (kept borrowed by the module) and
 * instantiates it without imports. NULL on any failure (printed). */
static th_inst *th_new(const uint8_t *bytes, size_t n, const wb_tunables *tun)
{
    th_inst *I = calloc(1, sizeof *I);
    wb_tunables t;
    wb_diag d;
    wb_err err;
    char buf[256];

    memset(&d, 0, sizeof d);
    if (tun)
        t = *tun;
    else
        wb_tunables_default(&t);
    if ((err = wb_module_load(bytes, n, &I->m, &d)) != WB_OK ||
        (err = wb_jit_compile(I->m, &t, &I->a, &d)) != WB_OK) {
        fprintf(stderr, "th_new: %s\n", wb_diag_format(&d, buf, sizeof buf));
        return NULL;
    }
    if (I->m->nimports) {
        fprintf(stderr, "th_new: imports are not supported by the harness\n");
        return NULL;
    }
    I->code_map = (I->a->code_size + 4095) & ~(size_t)4095;
    I->code = mmap(NULL, I->code_map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    memcpy(I->code, I->a->code, I->a->code_size);
    mprotect(I->code, I->code_map, PROT_READ | PROT_EXEC);
    __register_frame(I->code + I->a->eh_frame_offset);

    wb_vmlayout_compute(I->m, &I->lay);
    I->vmctx = aligned_alloc(64, (I->lay.size + 63) & ~63u);
    memset(I->vmctx, 0, I->lay.size);
    *(uintptr_t *)(I->vmctx + WB_VMCTX_STACK_LIMIT) =
        (uintptr_t)__builtin_frame_address(0) - 256 * 1024;
    for (unsigned i = 0; i < WB_BUILTIN__COUNT; i++)
        I->builtins[i] = (const void *)th_unexpected_0;
    I->builtins[WB_BUILTIN_MEMORY_GROW] = (const void *)th_memory_grow;
    I->builtins[WB_BUILTIN_MEMORY_FILL] = (const void *)th_memory_fill;
    I->builtins[WB_BUILTIN_FUEL_SLOW] = (const void *)th_fuel_slow;
    I->builtins[WB_BUILTIN_EPOCH_SLOW] = (const void *)th_epoch_slow;
    *(const uint64_t **)(I->vmctx + WB_VMCTX_EPOCH_PTR) = &th_epoch;
    *(const void **)(I->vmctx + WB_VMCTX_BUILTINS) = I->builtins;

    if (I->m->nmems) {
        const wb_limits *l = &I->m->mems[0].type.lim;
        I->mem = mmap(NULL, TH_MEM_RESERVE, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        I->mem_pages = l->min;
        I->mem_max_pages = l->has_max ? l->max : 65536;
        if (l->min)
            mprotect(I->mem, l->min * 65536, PROT_READ | PROT_WRITE);
        *(uint8_t **)(I->vmctx + WB_VMCTX_MEM_BASE) = I->mem;
        *(uint64_t *)(I->vmctx + WB_VMCTX_MEM_SIZE) = l->min * 65536;
        for (uint32_t i = 0; i < I->m->ndatas; i++) {
            const wb_data *dd = &I->m->datas[i];
            if (dd->mode == WB_SEG_ACTIVE)
                memcpy(I->mem + (uint32_t)th_const(I, &dd->offset), bytes + dd->data_offset,
                       dd->data_len);
        }
    }
    for (uint32_t i = 0; i < I->m->ntypes; i++)
        ((uint32_t *)(I->vmctx + I->lay.type_ids))[i] = th_type_id(I->m, i);
    for (uint32_t i = 0; i < I->m->nfuncs; i++) {
        wb_vm_funcref *fr = (wb_vm_funcref *)(I->vmctx + I->lay.funcrefs) + i;
        fr->code = I->code + I->a->func_offsets[i];
        fr->vmctx = I->vmctx;
        fr->type_id = th_type_id(I->m, I->m->funcs[i].type);
    }
    I->tables = calloc(I->m->ntables + 1, sizeof *I->tables);
    for (uint32_t i = 0; i < I->m->ntables; i++) {
        const wb_limits *l = &I->m->tables[i].type.lim;
        I->tables[i].elements = calloc(l->min + 1, 8);
        I->tables[i].size = (uint32_t)l->min;
        I->tables[i].max = l->has_max ? (uint32_t)l->max : UINT32_MAX;
        ((wb_vm_table **)(I->vmctx + I->lay.tables))[i] = &I->tables[i];
    }
    for (uint32_t i = 0; i < I->m->nelems; i++) {
        const wb_elem *e = &I->m->elems[i];
        uint32_t off;
        if (e->mode != WB_SEG_ACTIVE)
            continue;
        off = (uint32_t)th_const(I, &e->offset);
        for (uint32_t j = 0; j < e->count; j++)
            I->tables[e->table].elements[off + j] =
                e->funcs ? (uint64_t)(uintptr_t)((wb_vm_funcref *)(I->vmctx + I->lay.funcrefs) +
                                                 e->funcs[j])
                         : th_const(I, &e->exprs[j]);
    }
    I->globals = calloc(I->m->nglobals + 1, 16);
    for (uint32_t i = 0; i < I->m->nglobals; i++) {
        uint64_t v = th_const(I, &I->m->globals[i].init);
        memcpy(I->globals + 16 * i, &v, 8);
        ((void **)(I->vmctx + I->lay.globals))[i] = I->globals + 16 * i;
    }
    return I;
}

static void th_free(th_inst *I)
{
    if (!I)
        return;
    for (uint32_t i = 0; I->tables && i < I->m->ntables; i++)
        free(I->tables[i].elements);
    free(I->tables);
    free(I->globals);
    if (I->mem)
        munmap(I->mem, TH_MEM_RESERVE);
    free(I->vmctx);
    if (I->code) {
        __deregister_frame(I->code + I->a->eh_frame_offset);
        munmap(I->code, I->code_map);
    }
    wb_artifact_free(I->a);
    wb_module_free(I->m);
    free(I);
}

/* Function index of export `name`, or -1. */
static inline int64_t th_export(const th_inst *I, const char *name)
{
    for (uint32_t i = 0; i < I->m->nexports; i++) {
        const wb_export *e = &I->m->exports[i];
        if (e->kind == WB_EXTERN_FUNC && e->name.len == strlen(name) &&
            !memcmp(e->name.ptr, name, e->name.len))
            return e->index;
    }
    return -1;
}

/* th_enter under a sigsetjmp that a trap returns to. */
static __attribute__((noinline)) void th_run(const void *code, void *vmctx, uint64_t *slots,
                                             uint64_t n)
{
    if (sigsetjmp(th_jmp, 1) == 0)
        th_enter(code, vmctx, slots, n);
}

/* Calls function f (module index) with args (one 8-byte slot each); results into res.
 * Returns 0, or the trap kind (wb_err), or -1 for a fault outside a trap
 * site, or -2 when the export is missing. */
static int th_call_func(th_inst *I, uint32_t f, const uint64_t *args, uint64_t *res)
{
    const wb_functype *ft;
    uint64_t slots[64] = { 0 };
    struct sigaction old[4];
    uint32_t n;
    if (f < I->m->nfunc_imports || f >= I->m->nfuncs)
        return -2;
    ft = wb_func_type(I->m, f);
    n = ft->nparams > ft->nresults ? ft->nparams : ft->nresults;
    n = n < 2 ? 2 : n;
    if (ft->nparams)
        memcpy(slots, args, 8 * ft->nparams);
    th_cur = I;
    th_trap_kind = 0;
    th_signals(old);
    th_run(I->code + I->a->func_offsets[f - I->m->nfunc_imports], I->vmctx, slots, n);
    th_signals_restore(old);
    th_cur = NULL;
    if (th_trap_kind)
        return th_trap_kind;
    if (ft->nresults)
        memcpy(res, slots, 8 * ft->nresults);
    return 0;
}

/* The same, for export `name`. */
static inline int th_call(th_inst *I, const char *name, const uint64_t *args, uint64_t *res)
{
    int64_t f = th_export(I, name);
    return f < 0 ? -2 : th_call_func(I, (uint32_t)f, args, res);
}

#endif

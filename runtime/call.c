/* call.c — calling wasm from the host: the entry trampoline (SysV C ->
 * wasm calling convention of jit.h), activations around it, and
 * wb_func_call with its argument and result checks.
 *
 * Entry trampoline frame (grows down), rsp 16-aligned at the call:
 *
 *   [rbp+8]   return address into wb_invoke's helper
 *   [rbp]     saved rbp
 *   [rbp-8]   vmctx   (where a wasm frame keeps its vmctx)
 *   [rbp-16]  rbx, [rbp-24] r12, [rbp-32] r13, [rbp-40] r14, [rbp-48] r15
 *   [rbp-56]  host args area pointer, [rbp-64] area size
 *   [rsp]     copy of the args area (area size bytes, multiple of 16)
 */
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime_int.h"

/* wb_enter_wasm(code, vmctx, area, area_size): copies the area onto the
 * stack, calls code with r15 = vmctx, copies the area back. */
void wb_enter_wasm(const void *code, void *vmctx, uint8_t *area, uint64_t area_size);

__asm__(
    ".text\n"
    ".p2align 4\n"
    ".globl wb_enter_wasm\n"
    ".hidden wb_enter_wasm\n"
    ".type wb_enter_wasm, @function\n"
    "wb_enter_wasm:\n"
    ".cfi_startproc\n"
    ".intel_syntax noprefix\n"
    "    push rbp\n"
    ".cfi_def_cfa_offset 16\n"
    ".cfi_offset rbp, -16\n"
    "    mov rbp, rsp\n"
    ".cfi_def_cfa_register rbp\n"
    "    push rsi\n"
    "    push rbx\n"
    ".cfi_offset rbx, -32\n"
    "    push r12\n"
    ".cfi_offset r12, -40\n"
    "    push r13\n"
    ".cfi_offset r13, -48\n"
    "    push r14\n"
    ".cfi_offset r14, -56\n"
    "    push r15\n"
    ".cfi_offset r15, -64\n"
    "    push rdx\n"
    "    push rcx\n"
    "    mov r12, rdi\n"
    "    mov r15, rsi\n"
    "    sub rsp, rcx\n"
    "    mov rsi, rdx\n"
    "    mov rdi, rsp\n"
    "    cld\n"
    "    rep movsb\n"
    "    call r12\n"
    "    cld\n"
    "    mov rcx, [rbp-64]\n"
    "    mov rdi, [rbp-56]\n"
    "    mov rsi, rsp\n"
    "    rep movsb\n"
    "    lea rsp, [rbp-48]\n"
    "    pop r15\n"
    "    pop r14\n"
    "    pop r13\n"
    "    pop r12\n"
    "    pop rbx\n"
    "    leave\n"
    ".cfi_def_cfa rsp, 8\n"
    "    ret\n"
    ".att_syntax prefix\n"
    ".cfi_endproc\n"
    ".size wb_enter_wasm, .-wb_enter_wasm\n");

/* The one place a trap lands: returns 0 when code returned, 1 when a trap
 * unwound to here. Nothing but `a` is used after the jump. */
static __attribute__((noinline)) int enter(wb_activation *a, const void *code, void *vmctx,
                                           uint8_t *area, uint32_t area_size)
{
    if (sigsetjmp(a->env, 0) != 0)
        return 1;
    wb_enter_wasm(code, vmctx, area, area_size);
    return 0;
}

wb_err wb_invoke(wb_store *s, const void *code, void *vmctx, uint8_t *area,
                 uint32_t area_size, wb_trap **trap)
{
    wb_activation *prev, act;
    wb_err err;

    *trap = NULL;
    if ((err = wb_thread_prepare()) != WB_OK)
        return err;
    memset(&act, 0, offsetof(wb_activation, frames));
    act.store = s;
    /* Nested entries (host -> wasm -> host -> wasm) share the budget of
     * the outermost one on this thread. */
    prev = wb_activation_current();
    act.stack_limit = prev ? prev->stack_limit
                           : wb_thread_stack_limit((uintptr_t)__builtin_frame_address(0),
                                                   s->engine->config.tunables.max_wasm_stack);
    wb_store_set_stack_limit(s, act.stack_limit);
    wb_activation_push(&act);
    if (enter(&act, code, vmctx, area, area_size) == 0) {
        wb_activation_pop(&act);
        return WB_OK;
    }
    wb_activation_pop(&act);
    if (!(*trap = wb_trap_from_activation(&act)))
        return WB_ERR_NOMEM;
    return WB_ERR_TRAP;
}

wb_err wb_func_call(wb_store *s, wb_rt_func *f, const wb_val *args, size_t nargs,
                    wb_val *results, size_t nresults, wb_trap **trap)
{
    uint8_t small[256], *area = small;
    uint32_t size, off;
    wb_trap *t = NULL;
    wb_err err;

    if (trap)
        *trap = NULL;
    if (!s || !f || f->store != s || nargs != f->nparams || nresults != f->nresults ||
        (nargs && !args) || (nresults && !results))
        return WB_ERR_USAGE;
    for (size_t i = 0; i < nargs; i++)
        if (!wb_val_fits(s, &args[i], f->params[i]))
            return WB_ERR_USAGE;
    if (f->host) {
        err = wb_host_call(s, f, args, results, &t);
        goto out;
    }
    wb_externref_safepoint(s); /* before arguments enter the activations table */
    size = wb_args_area_size(f->params, f->nparams, f->results, f->nresults);
    if (size > sizeof(small) && !(area = calloc(1, size)))
        return WB_ERR_NOMEM;
    off = 0;
    for (size_t i = 0; i < nargs; i++) {
        wb_val_store(s, &args[i], area + off);
        off += wb_valtype_bytes(args[i].type);
    }
    if ((err = wb_invoke(s, f->code, f->vmctx, area, size, &t)) == WB_OK) {
        off = 0;
        for (size_t j = 0; j < nresults; j++) {
            wb_val_load(f->results[j], area + off, &results[j]);
            off += wb_valtype_bytes(f->results[j]);
        }
    }
    if (area != small)
        free(area);
out:
    for (size_t j = 0; err == WB_OK && j < nresults; j++)
        if (results[j].type == WB_EXTERNREF) /* a reference the caller owns */
            results[j].of.externref = wb_externref_clone(s, results[j].of.externref);
    if (trap)
        *trap = t;
    else
        wb_trap_free(t);
    return err;
}

void wb_rt_func_type(const wb_rt_func *f, const uint8_t **params, uint32_t *nparams,
                     const uint8_t **results, uint32_t *nresults)
{
    if (params)
        *params = f->params;
    if (nparams)
        *nparams = f->nparams;
    if (results)
        *results = f->results;
    if (nresults)
        *nresults = f->nresults;
}

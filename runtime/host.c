/* host.c — host functions: creating them, the wasm->host adapter that
 * compiled code reaches through wb_vm_import {code = adapter, vmctx = the
 * function's record}, the C dispatcher behind it, and the wb_caller API.
 *
 * Adapter frame, entered by `call` from wasm with r15 = the wb_rt_func:
 *
 *   [rbp+16]  the caller's args/results area
 *   [rbp+8]   return address into the wasm caller
 *   [rbp]     the wasm caller's rbp (its vmctx at [that rbp - 8])
 */
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime_int.h"

struct wb_caller {
    wb_store *store;
    wb_instance *instance;      /* the calling instance; NULL from the host */
    char *message;              /* wb_caller_trap's message (owned) */
    int exit_code;
};

/* Called by the adapter; hidden so the adapter's call needs no PLT. */
__attribute__((visibility("hidden"))) void wb_host_dispatch(wb_rt_func *f, uint8_t *area,
                                                            uintptr_t caller_fp,
                                                            uintptr_t ret_pc);

__asm__(
    ".text\n"
    ".p2align 4\n"
    ".globl wb_host_adapter\n"
    ".hidden wb_host_adapter\n"
    ".type wb_host_adapter, @function\n"
    "wb_host_adapter:\n"
    ".cfi_startproc\n"
    ".intel_syntax noprefix\n"
    "    push rbp\n"
    ".cfi_def_cfa_offset 16\n"
    ".cfi_offset rbp, -16\n"
    "    mov rbp, rsp\n"
    ".cfi_def_cfa_register rbp\n"
    "    mov rdi, r15\n"
    "    lea rsi, [rbp+16]\n"
    "    mov rdx, [rbp]\n"
    "    mov rcx, [rbp+8]\n"
    "    call wb_host_dispatch\n"
    "    mov r15, [rbp]\n"
    "    mov r15, [r15-8]\n" /* the caller's vmctx back in r15 */
    "    pop rbp\n"
    ".cfi_def_cfa rsp, 8\n"
    "    ret\n"
    ".att_syntax prefix\n"
    ".cfi_endproc\n"
    ".size wb_host_adapter, .-wb_host_adapter\n");

/* The trap kind a host function's error code stands for. */
static wb_err host_trap_kind(wb_err err)
{
    if (err == WB_ERR_EXIT)
        return WB_ERR_EXIT;
    if (wb_err_class_of(err) == WB_CLASS_TRAP && err != WB_ERR_TRAP)
        return err;
    return WB_ERR_TRAP_HOST;
}

/* Runs f on args; on success checks the results' types. */
static wb_err host_run(wb_rt_func *f, wb_caller *caller, const wb_val *args,
                       wb_val *results)
{
    wb_err err;
    for (uint32_t j = 0; j < f->nresults; j++) {
        memset(&results[j], 0, sizeof(results[j]));
        results[j].type = f->results[j];
    }
    if ((err = f->host(caller, f->env, args, results)) != WB_OK)
        return err;
    for (uint32_t j = 0; j < f->nresults; j++) {
        if (!wb_val_fits(caller->store, &results[j], f->results[j])) {
            free(caller->message);
            caller->message = strdup("host function returned a value of the wrong type");
            return WB_ERR_TRAP_HOST;
        }
    }
    return WB_OK;
}

/* Reads the vmctx a wasm frame keeps at [fp-8] (not instrumented: wasm
 * frames are invisible to ASan). */
__attribute__((no_sanitize_address)) static wb_vmctx *caller_vmctx(uintptr_t fp)
{
    return *(wb_vmctx **)(fp - 8);
}

void wb_host_dispatch(wb_rt_func *f, uint8_t *area, uintptr_t caller_fp, uintptr_t ret_pc)
{
    wb_val small[2][16], *args = small[0], *results = small[1];
    wb_caller caller = { .store = f->store };
    wb_vmctx *cv = caller_vmctx(caller_fp);
    wb_host_exit hexit;
    uint32_t off = 0;
    wb_err err;

    caller.instance = cv ? cv->instance : NULL;
    if (f->nparams > 16 || f->nresults > 16) {
        args = calloc((size_t)f->nparams + 1, sizeof(wb_val));
        results = calloc((size_t)f->nresults + 1, sizeof(wb_val));
        if (!args || !results) {
            err = WB_ERR_NOMEM;
            caller.message = strdup("out of memory calling a host function");
            goto out;
        }
    }
    for (uint32_t i = 0; i < f->nparams; i++) {
        wb_val_load(f->params[i], area + off, &args[i]);
        off += wb_valtype_bytes(f->params[i]);
    }
    /* the wasm caller's frames stay walkable, its externref args held */
    wb_externref_host_exit_push(f->store, &hexit, caller_fp, ret_pc, args, f->nparams);
    if ((err = host_run(f, &caller, args, results)) == WB_OK) {
        off = 0;
        for (uint32_t j = 0; j < f->nresults; j++) {
            wb_val_store(f->store, &results[j], area + off);
            off += wb_valtype_bytes(f->results[j]);
        }
    }
    wb_externref_host_exit_pop(f->store, &hexit, args, f->nparams);
out:
    if (args != small[0]) {
        free(args);
        free(results);
    }
    if (err != WB_OK)
        wb_trap_raise(host_trap_kind(err), ret_pc, caller_fp, caller.message,
                      caller.exit_code);
    free(caller.message);
}

wb_err wb_host_call(wb_store *s, wb_rt_func *f, const wb_val *args, wb_val *results,
                    wb_trap **trap)
{
    wb_caller caller = { .store = s };
    wb_err err;

    *trap = NULL;
    if ((err = host_run(f, &caller, args, results)) == WB_OK) {
        free(caller.message);
        return WB_OK;
    }
    if (!(*trap = wb_trap_new(host_trap_kind(err), caller.message, caller.exit_code)))
        return WB_ERR_NOMEM;
    return WB_ERR_TRAP;
}

/* -- Creating host functions -- */

static bool valid_types(const uint8_t *t, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (t[i] != WB_I32 && t[i] != WB_I64 && t[i] != WB_F32 && t[i] != WB_F64 &&
            t[i] != WB_V128 && t[i] != WB_FUNCREF && t[i] != WB_EXTERNREF)
            return false;
    return true;
}

wb_rt_func *wb_func_new_host(wb_store *s, const uint8_t *params, uint32_t nparams,
                             const uint8_t *results, uint32_t nresults, wb_host_fn fn,
                             void *env, void (*env_free)(void *))
{
    wb_rt_func *f = NULL;
    uint32_t id;

    if (!s || !fn || nparams > WB_MAX_PARAMS || nresults > WB_MAX_RESULTS ||
        (nparams && !params) || (nresults && !results) || !valid_types(params, nparams) ||
        !valid_types(results, nresults))
        return NULL;
    if (wb_engine_sig_id(s->engine, params, nparams, results, nresults, &id) != WB_OK)
        return NULL;
    if (!(f = calloc(1, sizeof(*f))) ||
        !(f->owned_types = malloc((size_t)nparams + nresults + 1))) {
        free(f);
        return NULL;
    }
    if (nparams)
        memcpy(f->owned_types, params, nparams);
    if (nresults)
        memcpy(f->owned_types + nparams, results, nresults);
    f->store = s;
    f->type_id = id;
    f->nparams = nparams;
    f->nresults = nresults;
    f->params = f->owned_types;
    f->results = f->owned_types + nparams;
    f->host = fn;
    f->env = env;
    f->env_free = env_free;
    f->code = (const void *)wb_host_adapter;
    f->vmctx = f;
    f->own_ref = (wb_vm_funcref){ .code = f->code, .vmctx = f, .type_id = id, .owner = f };
    f->ref = &f->own_ref;
    f->next = s->host_funcs;
    s->host_funcs = f;
    return f;
}

/* -- The caller API -- */

wb_rt_memory *wb_caller_memory(wb_caller *caller)
{
    wb_instance *i = caller->instance;
    return i && i->module->nmems ? i->mems[0] : NULL;
}

wb_store *wb_caller_store(wb_caller *caller)
{
    return caller->store;
}

wb_err wb_caller_trap(wb_caller *caller, const char *message)
{
    free(caller->message);
    caller->message = message ? strdup(message) : NULL;
    return WB_ERR_TRAP_HOST;
}

wb_err wb_caller_exit(wb_caller *caller, int code)
{
    caller->exit_code = code;
    return WB_ERR_EXIT;
}

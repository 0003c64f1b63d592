/* wasi_link.c — the one table of WASI functions (name, signature string,
 * implementation), the host function every import becomes, and linking a
 * compiled module's imports against the table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasi/wasi_int.h"

#define WASI_MODULE "wasi_snapshot_preview1"

const wasi_fn wasi_fns[] = {
#define WASI_ROW(name, sig) { #name, sig, wb_wasi_##name },
    WASI_FUNCS(WASI_ROW)
#undef WASI_ROW
};
const uint32_t wasi_nfns = sizeof(wasi_fns) / sizeof(wasi_fns[0]);

/* The env of one host function: which row, which context. */
struct wasi_binding {
    wb_wasi *w;
    const wasi_fn *fn;
};

const wasi_fn *wasi_fn_find(const char *name, size_t len)
{
    for (uint32_t i = 0; i < wasi_nfns; i++)
        if (strlen(wasi_fns[i].name) == len && !memcmp(wasi_fns[i].name, name, len))
            return &wasi_fns[i];
    return NULL;
}

uint16_t wasi_invoke(wb_wasi *w, const wasi_fn *fn, uint8_t *mem, uint64_t size,
                     const wb_val *args, bool *exiting, uint32_t *exit_code)
{
    wasi_call c = { .w = w, .mem = mem, .size = mem ? size : 0 };
    uint16_t e = fn->impl(&c, args);
    *exiting = c.exiting;
    *exit_code = c.exit_code;
    return e;
}

/* The host function behind every WASI import. A bad guest pointer is
 * ERRNO_FAULT, never a trap; only proc_exit (wb_caller_exit) and a wait cut
 * short by the store's deadline (WB_ERR_TRAP_INTERRUPTED) unwind. */
static wb_err wasi_host(wb_caller *caller, void *env, const wb_val *args, wb_val *results)
{
    const struct wasi_binding *b = env;
    wb_rt_memory *m = wb_caller_memory(caller);
    wasi_call c = { .w = b->w, .caller = caller, .mem = m ? wb_memory_data(m) : NULL,
                    .size = m ? wb_memory_size(m) : 0 };
    uint16_t e = b->fn->impl(&c, args);

    if (c.trap)
        return c.trap;   /* the time limit: traps "interrupted", with the backtrace */
    if (c.exiting)
        return wb_caller_exit(caller, (int)c.exit_code);
    if (b->fn->sig[strlen(b->fn->sig) - 1] == 'i')
        results[0].of.i32 = e;
    return WB_OK;
}

/* Parses "ii:i" into value types. */
static void parse_sig(const char *sig, uint8_t *params, uint32_t *np, uint8_t *results,
                      uint32_t *nr)
{
    uint8_t *t = params;
    uint32_t *n = np;
    *np = *nr = 0;
    for (const char *p = sig; *p; p++) {
        if (*p == ':') {
            t = results;
            n = nr;
            continue;
        }
        t[(*n)++] = *p == 'I' ? WB_I64 : WB_I32;
    }
}

static wb_err link_error(wb_diag *d, const wb_extern_desc *im, const char *why)
{
    int ml = im->module_len > 40 ? 40 : (int)im->module_len;
    int nl = im->name_len > 40 ? 40 : (int)im->name_len;
    return wb_diag_setf(d, WB_ERR_UNKNOWN_IMPORT, "import", 0, "%.*s::%.*s: %s", ml,
                        im->module, nl, im->name, why);
}

wb_err wb_wasi_link(wb_wasi *w, wb_store *s, const wb_compiled *c, wb_extern *imports,
                    size_t nimports, wb_diag *d)
{
    wb_rt_func **made;
    wb_err err = WB_OK;
    uint32_t n = wb_compiled_import_count(c);

    if (nimports != n || (n && !imports))
        return wb_diag_setf(d, WB_ERR_USAGE, "import", 0, "%zu imports given, %u declared",
                            nimports, n);
    if (!w->bindings) {
        struct wasi_binding *b = calloc(wasi_nfns, sizeof(*b));
        if (!b)
            return WB_ERR_NOMEM;
        for (uint32_t i = 0; i < wasi_nfns; i++)
            b[i] = (struct wasi_binding){ .w = w, .fn = &wasi_fns[i] };
        w->bindings = b;
    }
    /* One host function per WASI function, shared by repeated imports. */
    if (!(made = calloc(wasi_nfns, sizeof(*made))))
        return WB_ERR_NOMEM;
    for (uint32_t i = 0; i < n; i++) {
        wb_extern_desc im;
        const wasi_fn *fn;
        uint32_t k;

        wb_compiled_import(c, i, &im);
        if (im.module_len != strlen(WASI_MODULE) ||
            memcmp(im.module, WASI_MODULE, im.module_len) != 0) {
            err = link_error(d, &im, "not a WASI import (only " WASI_MODULE " is provided)");
            goto out;
        }
        if (!(fn = wasi_fn_find(im.name, im.name_len))) {
            err = link_error(d, &im, "unknown WASI function");
            goto out;
        }
        if (im.kind != WB_EXTERN_FUNC) {
            err = link_error(d, &im, "WASI provides a function here");
            goto out;
        }
        k = (uint32_t)(fn - wasi_fns);
        if (!made[k]) {
            uint8_t params[16], results[1];
            uint32_t np, nr;
            parse_sig(fn->sig, params, &np, results, &nr);
            made[k] = wb_func_new_host(s, params, np, results, nr, wasi_host,
                                       &((struct wasi_binding *)w->bindings)[k], NULL);
            if (!made[k]) {
                err = WB_ERR_NOMEM;
                goto out;
            }
        }
        imports[i] = (wb_extern){ .kind = WB_EXTERN_FUNC, .of.func = made[k] };
    }
out:
    free(made);
    return err;
}

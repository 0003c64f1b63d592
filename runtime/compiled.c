/* compiled.c — compiled modules: decode + validate + JIT, then publish the
 * artifact's code (mapped writable, filled, then read+exec: W^X, never
 * both), register it with the trap handler and its .eh_frame with the
 * unwinder (libgcc's __register_frame, so gdb, perf and _Unwind_Backtrace
 * walk through wasm frames), and answer imports/exports questions.
 *
 *   bytes --copy--> module (borrows the copy) --wb_jit_compile--> artifact
 *         --mmap RW, memcpy, mprotect RX--> code --register--> callable
 *
 * An artifact compiled earlier (the code cache) skips the JIT: its code is
 * copied the same way, or mapped from a sealed memfd that many workers
 * share (mmap R, private: the pages stay the memfd's; checked; mprotect
 * RX; optionally mseal'ed). Such an artifact is untrusted: the caller's
 * check function sees it with the decoded module before anything is
 * executable. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/runtime_int.h"
#include "wasm/wasm.h"

/* libgcc's unwinder registry: begin is the first CIE of an .eh_frame
 * table ending with a zero length word. */
extern void __register_frame(void *begin);
extern void __deregister_frame(void *begin);

static size_t os_page(void)
{
    long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? (size_t)p : 4096;
}

/* The artifact must describe this module and stay inside its blob. */
static wb_err artifact_check(const wb_artifact *a, const wb_module *m, int code_fd, wb_diag *d)
{
    const char *why = NULL;
    if (a->nfuncs != m->ncodes)
        why = "function count differs from the module";
    else if (!a->func_offsets)
        why = "no function offsets";
    else if (a->code_size && !a->code && code_fd < 0)
        why = "no code";
    else if ((uint64_t)a->eh_frame_offset + a->eh_frame_size > a->code_size)
        why = "eh_frame outside the code";
    else {
        for (uint32_t i = 0; i < a->nfuncs && !why; i++)
            if (a->func_offsets[i] > a->func_offsets[i + 1])
                why = "function offsets out of order";
        if (!why && a->func_offsets[a->nfuncs] > a->code_size)
            why = "function offsets outside the code";
    }
    if (why)
        return wb_diag_setf(d, WB_ERR_INTERNAL, NULL, 0, "artifact: %s", why);
    return WB_OK;
}

static wb_err intern_types(wb_compiled *c)
{
    const wb_module *m = c->module;
    wb_err err;
    if (!(c->type_ids = calloc(m->ntypes + 1, sizeof(uint32_t))))
        return WB_ERR_NOMEM;
    for (uint32_t i = 0; i < m->ntypes; i++) {
        const wb_functype *t = &m->types[i];
        if ((err = wb_engine_sig_id(c->engine, t->types, t->nparams, t->types + t->nparams,
                                    t->nresults, &c->type_ids[i])) != WB_OK)
            return err;
    }
    return WB_OK;
}

#ifndef F_SEAL_SEAL /* kernel headers older than the seals */
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034
#define F_SEAL_SEAL 0x0001
#define F_SEAL_SHRINK 0x0002
#define F_SEAL_GROW 0x0004
#define F_SEAL_WRITE 0x0008
#endif
#define WB_NR_MSEAL 462 /* no glibc wrapper, not in the 6.1 headers */

/* How a compiled module gets its code (wb_compiled_load). */
typedef struct code_source {
    int fd;                       /* sealed memfd or file holding the code, or -1: a->code */
    uint64_t offset;              /* where the code starts in fd (page-aligned) */
    unsigned flags;               /* WB_LOAD_* */
    wb_artifact_check_fn check;   /* untrusted artifact: checked before RX; or NULL */
    void *check_arg;
} code_source;

/* Maps the code, not yet executable: a private writable copy of a->code,
 * or a private read-only view of the memfd or file, whose pages stay
 * shared with every other process mapping it. A memfd must be sealed
 * against writes and resizing, so what is checked below is what will run;
 * a file (WB_LOAD_FILE: a cache entry, replaced only by rename) is as
 * stable as its owner keeps it, and the check function verifies the
 * bytes mapped. */
static wb_err map_code(wb_compiled *c, const code_source *src, wb_diag *d)
{
    const wb_artifact *a = c->artifact;
    int want = F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK, seals;
    struct stat st;
    void *p;

    /* Four more bytes: a zero terminator after an .eh_frame at the end. */
    c->map_size = ((size_t)a->code_size + 4 + os_page() - 1) / os_page() * os_page();
    if (src->fd < 0) {
        p = mmap(NULL, c->map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p != MAP_FAILED)
            memcpy(p, a->code, a->code_size);
    } else {
        if (src->flags & WB_LOAD_FILE) {
            if (fstat(src->fd, &st) != 0 || !S_ISREG(st.st_mode) || src->offset % os_page())
                return wb_diag_setf(d, WB_ERR_INTERNAL, NULL, 0,
                                    "code fd: not a regular file at a page offset");
        } else if ((seals = fcntl(src->fd, F_GET_SEALS)) < 0 || (seals & want) != want) {
            return wb_diag_setf(d, WB_ERR_INTERNAL, NULL, 0, "code fd: not sealed (seals %#x)",
                                seals < 0 ? 0 : seals);
        } else if (fstat(src->fd, &st) != 0) {
            return wb_diag_setf(d, WB_ERR_INTERNAL, NULL, 0, "code fd: %s", strerror(errno));
        }
        /* Every mapped page must exist: a page past the end would fault. */
        if ((uint64_t)st.st_size < src->offset ||
            (uint64_t)st.st_size - src->offset < (uint64_t)c->map_size)
            return wb_diag_setf(d, WB_ERR_INTERNAL, NULL, 0, "code fd: smaller than the code");
        p = mmap(NULL, c->map_size, PROT_READ, MAP_PRIVATE, src->fd, (off_t)src->offset);
    }
    if (p == MAP_FAILED) {
        c->map_size = 0;
        return wb_diag_set(d, WB_ERR_NOMEM, NULL, 0);
    }
    c->code = p;
    return WB_OK;
}

/* Maps the code, checks it (untrusted artifacts), makes it read+exec and
 * registers it. */
static wb_err publish_code(wb_compiled *c, const code_source *src, wb_diag *d)
{
    const wb_artifact *a = c->artifact;
    uint32_t eh_end = a->eh_frame_offset + a->eh_frame_size;
    wb_err err;

    if (a->code_size == 0)
        return src->check ? src->check(a, NULL, c->module, src->check_arg, d) : WB_OK;
    if ((err = map_code(c, src, d)) != WB_OK)
        return err;
    if (src->check && (err = src->check(a, c->code, c->module, src->check_arg, d)) != WB_OK)
        return err;
    if (mprotect(c->code, c->map_size, PROT_READ | PROT_EXEC) != 0)
        return wb_diag_set(d, WB_ERR_INTERNAL, NULL, 0);
    /* A worker about to run hostile code: nothing may unmap, remap or
     * re-protect its code any more (compiled_destroy's munmap then fails
     * harmlessly; the process keeps the code to its end). A kernel
     * without mseal (before 6.10) leaves it to the run-phase filter. */
    if ((src->flags & WB_LOAD_SEAL) && syscall(WB_NR_MSEAL, c->code, c->map_size, 0) != 0 &&
        errno != ENOSYS)
        return wb_diag_setf(d, WB_ERR_INTERNAL, NULL, 0, "mseal: %s", strerror(errno));
    if ((err = wb_code_register((uintptr_t)c->code,
                                (uintptr_t)c->code + a->func_offsets[a->nfuncs], c)) != WB_OK)
        return wb_diag_set(d, err, NULL, 0);
    c->registered = true;
    /* Register unwind info only when the table is terminated: by the
     * compiler, or by our padding when it ends the blob. */
    if (a->eh_frame_size >= 4 &&
        (eh_end == a->code_size || memcmp(c->code + eh_end - 4, "\0\0\0\0", 4) == 0)) {
        __register_frame(c->code + a->eh_frame_offset);
        c->eh_registered = true;
    }
    return WB_OK;
}

static void compiled_destroy(wb_compiled *c)
{
    if (c->eh_registered)
        __deregister_frame(c->code + c->artifact->eh_frame_offset);
    if (c->registered)
        wb_code_unregister((uintptr_t)c->code);
    if (c->code)
        munmap(c->code, c->map_size);
    if (c->artifact)
        wb_artifact_free(c->artifact);
    wb_module_free(c->module);
    free(c->type_ids);
    free(c->bytes);
    free(c);
}

/* Tunables the artifact was compiled for must be the engine's, field by
 * field (padding is not compared). */
static bool same_tunables(const wb_tunables *x, const wb_tunables *y)
{
#define WB_SAME_TUNABLE(type, name, kind, meaning) if (x->name != y->name) return false;
    WB_TUNABLES(WB_SAME_TUNABLE)
#undef WB_SAME_TUNABLE
    return true;
}

static wb_err compiled_new(wb_engine *e, const uint8_t *bytes, size_t size, wb_artifact *a,
                           const code_source *src, wb_compiled **out, wb_diag *d)
{
    wb_compiled *c = NULL;
    wb_err err;

    *out = NULL;
    if (!e || (!bytes && size)) {
        err = wb_diag_set(d, WB_ERR_USAGE, NULL, 0);
        goto fail;
    }
    if (!(c = calloc(1, sizeof(*c))) || !(c->bytes = malloc(size ? size : 1))) {
        err = wb_diag_set(d, WB_ERR_NOMEM, NULL, 0);
        goto fail;
    }
    c->engine = e;
    c->refs = 1;
    c->size = size;
    if (size)
        memcpy(c->bytes, bytes, size);
    if ((err = wb_module_load(c->bytes, size, &c->module, d)) != WB_OK)
        goto fail;
    if (!a && (err = wb_jit_compile(c->module, &e->config.tunables, &a, d)) != WB_OK)
        goto fail;
    c->artifact = a;
    a = NULL;
    if ((err = artifact_check(c->artifact, c->module, src->fd, d)) != WB_OK)
        goto fail;
    if (src->check && !same_tunables(&c->artifact->tunables, &e->config.tunables)) {
        err = wb_diag_setf(d, WB_ERR_INTERNAL, NULL, 0,
                           "artifact: compiled for other tunables than the engine's");
        goto fail;
    }
    if ((err = intern_types(c)) != WB_OK) {
        wb_diag_set(d, err, NULL, 0);
        goto fail;
    }
    if ((err = publish_code(c, src, d)) != WB_OK)
        goto fail;
    wb_vmlayout_compute(c->module, &c->layout);
    *out = c;
    return WB_OK;
fail:
    if (a)
        wb_artifact_free(a);
    if (c)
        compiled_destroy(c);
    return err;
}

wb_err wb_compiled_from_artifact(wb_engine *e, const uint8_t *bytes, size_t size,
                                 wb_artifact *a, wb_compiled **out, wb_diag *d)
{
    const code_source src = { .fd = -1 };
    return compiled_new(e, bytes, size, a, &src, out, d);
}

wb_err wb_compiled_load(wb_engine *e, const uint8_t *bytes, size_t size, wb_artifact *a,
                        int code_fd, unsigned flags, wb_artifact_check_fn check,
                        void *check_arg, wb_compiled **out, wb_diag *d)
{
    return wb_compiled_load_at(e, bytes, size, a, code_fd, 0, flags, check, check_arg, out, d);
}

wb_err wb_compiled_load_at(wb_engine *e, const uint8_t *bytes, size_t size, wb_artifact *a,
                           int code_fd, uint64_t code_offset, unsigned flags,
                           wb_artifact_check_fn check, void *check_arg, wb_compiled **out,
                           wb_diag *d)
{
    const code_source src = { .fd = code_fd, .offset = code_offset, .flags = flags,
                              .check = check, .check_arg = check_arg };
    *out = NULL;
    if (!a || !check || (code_fd < 0 && a->code_size && !a->code)) {
        wb_artifact_free(a);
        return wb_diag_set(d, WB_ERR_USAGE, NULL, 0);
    }
    return compiled_new(e, bytes, size, a, &src, out, d);
}

const wb_artifact *wb_compiled_artifact(const wb_compiled *c)
{
    return c->artifact;
}

wb_err wb_compile(wb_engine *e, const uint8_t *bytes, size_t size, wb_compiled **out,
                  wb_diag *d)
{
    return wb_compiled_from_artifact(e, bytes, size, NULL, out, d);
}

void wb_compiled_retain(wb_compiled *c)
{
    __atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
}

void wb_compiled_release(wb_compiled *c)
{
    if (c && __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) == 0)
        compiled_destroy(c);
}

void wb_compiled_free(wb_compiled *c)
{
    wb_compiled_release(c);
}

/* -- Imports and exports -- */

uint32_t wb_compiled_import_count(const wb_compiled *c)
{
    return c->module->nimports;
}

void wb_compiled_import(const wb_compiled *c, uint32_t i, wb_extern_desc *out)
{
    const wb_import *im;
    memset(out, 0, sizeof(*out));
    if (i >= c->module->nimports)
        return;
    im = &c->module->imports[i];
    out->module = im->module.ptr;
    out->module_len = im->module.len;
    out->name = im->name.ptr;
    out->name_len = im->name.len;
    out->kind = im->kind;
}

uint32_t wb_compiled_export_count(const wb_compiled *c)
{
    return c->module->nexports;
}

void wb_compiled_export(const wb_compiled *c, uint32_t i, wb_extern_desc *out)
{
    const wb_export *ex;
    memset(out, 0, sizeof(*out));
    if (i >= c->module->nexports)
        return;
    ex = &c->module->exports[i];
    out->name = ex->name.ptr;
    out->name_len = ex->name.len;
    out->kind = ex->kind;
}

/* test_cache_harness.h — helpers of the code-cache tests: a test module,
 * temporary cache directories, engines that use them, calling exports,
 * and a warning sink that counts. */
#ifndef WB_TEST_CACHE_HARNESS_H
#define WB_TEST_CACHE_HARNESS_H

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/cache.h"
#include "runtime/runtime_int.h"

/*
(module
  (func $add (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func $div (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func $call (export "call") (param i32) (result i32) local.get 0 i32.const 40 call $add)
  (func $keep (export "keep") (param externref) (result externref) (local externref)
    local.get 0 local.set 1 i32.const 1 i32.const 2 call $add drop local.get 1)
  (func $fact (export "fact") (param i64) (result i64)
    local.get 0 i64.eqz
    if (result i64) i64.const 1
    else local.get 0 local.get 0 i64.const 1 i64.sub call $fact i64.mul end))
*/
static const uint8_t tc_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x16, 0x04, 0x60,
    0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x01,
    0x6f, 0x01, 0x6f, 0x60, 0x01, 0x7e, 0x01, 0x7e, 0x03, 0x06, 0x05, 0x00,
    0x00, 0x01, 0x02, 0x03, 0x07, 0x22, 0x05, 0x03, 0x61, 0x64, 0x64, 0x00,
    0x00, 0x03, 0x64, 0x69, 0x76, 0x00, 0x01, 0x04, 0x63, 0x61, 0x6c, 0x6c,
    0x00, 0x02, 0x04, 0x6b, 0x65, 0x65, 0x70, 0x00, 0x03, 0x04, 0x66, 0x61,
    0x63, 0x74, 0x00, 0x04, 0x0a, 0x42, 0x05, 0x07, 0x00, 0x20, 0x00, 0x20,
    0x01, 0x6a, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6d, 0x0b, 0x08,
    0x00, 0x20, 0x00, 0x41, 0x28, 0x10, 0x00, 0x0b, 0x11, 0x01, 0x01, 0x6f,
    0x20, 0x00, 0x21, 0x01, 0x41, 0x01, 0x41, 0x02, 0x10, 0x00, 0x1a, 0x20,
    0x01, 0x0b, 0x15, 0x00, 0x20, 0x00, 0x50, 0x04, 0x7e, 0x42, 0x01, 0x05,
    0x20, 0x00, 0x20, 0x00, 0x42, 0x01, 0x7d, 0x10, 0x04, 0x7e, 0x0b, 0x0b,
};

/* The test module plus a custom section naming `n`: another module (and
 * key) with the same code. *size gets its size; caller frees. */
static inline uint8_t *tc_variant(unsigned n, size_t *size)
{
    char name[16];
    int len = snprintf(name, sizeof name, "v%u", n);
    uint8_t *b = malloc(sizeof tc_wasm + 3 + (size_t)len);
    memcpy(b, tc_wasm, sizeof tc_wasm);
    b[sizeof tc_wasm] = 0;                  /* custom section */
    b[sizeof tc_wasm + 1] = (uint8_t)(len + 1);
    b[sizeof tc_wasm + 2] = (uint8_t)len;
    memcpy(b + sizeof tc_wasm + 3, name, (size_t)len);
    *size = sizeof tc_wasm + 3 + (size_t)len;
    return b;
}

/* -- Directories -- */

static inline char *tc_tmpdir(void)
{
    char *p = strdup("/tmp/wb-cache-test.XXXXXX");
    if (!p || !mkdtemp(p))
        abort();
    chmod(p, 0700);
    return p;
}

static inline void tc_rm_rf(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    char sub[8192];
    if (d) {
        while ((e = readdir(d)) != NULL) {
            struct stat st;
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            if ((size_t)snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) >= sizeof sub)
                continue;
            if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
                tc_rm_rf(sub);
            else
                unlink(sub);
        }
        closedir(d);
    }
    rmdir(path);
}

/* Entries (*.wbc) and temporary files in dir. */
static inline void tc_count_files(const char *dir, int *entries, int *tmps)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    *entries = *tmps = 0;
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n > 4 && !strcmp(e->d_name + n - 4, ".wbc"))
            (*entries)++;
        else if (!strncmp(e->d_name, ".tmp.", 5))
            (*tmps)++;
    }
    closedir(d);
}

static inline void tc_entry_path(const char *dir, const uint8_t key[16], char *buf, size_t n)
{
    char hex[WB_CACHE_KEY_HEX];
    snprintf(buf, n, "%s/%s.wbc", dir, wb_cache_key_hex(key, hex));
}

static inline uint8_t *tc_read(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *b;
    long n;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = malloc((size_t)n + 1);
    if (fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return b;
}

static inline void tc_write(const char *path, const uint8_t *b, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || (n && write(fd, b, n) != (ssize_t)n))
        abort();
    close(fd);
}

/* -- Signals --
 * cmocka puts its own SIGSEGV/SIGILL/SIGFPE/SIGBUS handlers around every
 * test (without SA_ONSTACK/SA_NODEFER); calls re-apply the runtime's,
 * captured once in main (tc_signals_capture after wb_thread_prepare). */
static const int tc_sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE };
static struct sigaction tc_saved[4];

static inline void tc_signals_capture(void)
{
    if (wb_thread_prepare() != WB_OK)
        abort();
    for (int i = 0; i < 4; i++)
        sigaction(tc_sigs[i], NULL, &tc_saved[i]);
}

static inline void tc_signals_apply(void)
{
    for (int i = 0; i < 4; i++)
        sigaction(tc_sigs[i], &tc_saved[i], NULL);
}

/* -- Engines and calls -- */

static inline wb_engine *tc_engine(const char *dir, uint64_t budget)
{
    wb_config *c = wb_config_new();
    wb_engine *e;
    wb_config_set_cache(c, true);
    if (wb_config_set_cache_dir(c, dir) != WB_OK)
        abort();
    if (budget)
        wb_config_set_cache_max_size(c, budget);
    e = wb_engine_new(c);
    wb_config_free(c);
    return e;
}

typedef struct tc_warnings {
    int count;
    char last[512];
} tc_warnings;

static inline void tc_warn(void *arg, const char *msg)
{
    tc_warnings *w = arg;
    w->count++;
    snprintf(w->last, sizeof w->last, "%s", msg);
}

/* Calls export `name` of c with i32/i64 arguments in a fresh store.
 * Returns WB_OK or the trap kind; *out = result 0 (as i64). */
static inline wb_err tc_call(wb_engine *e, wb_compiled *c, const char *name, const wb_val *args,
                             size_t nargs, int64_t *out)
{
    wb_store *s = wb_store_new(e);
    wb_instance *inst = NULL;
    wb_trap *trap = NULL;
    wb_extern ex;
    wb_val res[1];
    wb_err err;

    if (!s)
        return WB_ERR_NOMEM;
    tc_signals_apply();
    if ((err = wb_instance_new(s, c, NULL, 0, &inst, &trap, NULL)) != WB_OK)
        goto out;
    if (!wb_instance_export(inst, name, strlen(name), &ex) || ex.kind != WB_EXTERN_FUNC) {
        err = WB_ERR_UNKNOWN_IMPORT;
        goto out;
    }
    err = wb_func_call(s, ex.of.func, args, nargs, res, 1, &trap);
    if (err == WB_ERR_TRAP && trap)
        err = wb_trap_kind(trap);
    else if (err == WB_OK)
        *out = res[0].type == WB_I64 ? res[0].of.i64 : res[0].of.i32;
out:
    wb_trap_free(trap);
    wb_store_free(s);
    return err;
}

static inline wb_val tc_i32(int32_t v)
{
    wb_val x = { .type = WB_I32 };
    x.of.i32 = v;
    return x;
}

static inline wb_val tc_i64(int64_t v)
{
    wb_val x = { .type = WB_I64 };
    x.of.i64 = v;
    return x;
}

/* A module compiled through the cache gives the right answers and traps. */
static inline bool tc_module_works(wb_engine *e, wb_compiled *c)
{
    wb_val a2[2] = { tc_i32(40), tc_i32(2) }, z2[2] = { tc_i32(1), tc_i32(0) };
    wb_val a1[1] = { tc_i32(2) }, f1[1] = { tc_i64(10) };
    int64_t r = 0;
    return tc_call(e, c, "add", a2, 2, &r) == WB_OK && r == 42 &&
           tc_call(e, c, "call", a1, 1, &r) == WB_OK && r == 42 &&
           tc_call(e, c, "fact", f1, 1, &r) == WB_OK && r == 3628800 &&
           tc_call(e, c, "div", z2, 2, &r) == WB_ERR_TRAP_DIV_ZERO;
}

#endif

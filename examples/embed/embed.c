/* embed.c — wasmbox as a library: compile a module, give it a host
 * function, call its exports, handle traps, bound a call with fuel.
 *
 *   cc -std=gnu11 -Iinclude examples/embed/embed.c build/libwasmbox.a \
 *      $(pkg-config --libs libseccomp libcap libunwind libzstd libxxhash) -lm
 *   wat2wasm examples/embed/guest.wat -o guest.wasm
 *   ./embed guest.wasm
 *
 * Exit status: 0 when every step behaved as shown in the comments, 1 when
 * something went wrong (a message on stderr), 2 on a usage error. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasmbox.h"

static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
        *size = (size_t)n;
    } else {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

/* host.report(i32 i, i64 sum): prints; env counts the calls. */
static wb_err report(wb_caller *caller, void *env, const wb_val *args, wb_val *results)
{
    (void)caller;
    (void)results;
    (*(int *)env)++;
    printf("  report: i = %" PRId32 ", sum = %" PRId64 "\n", args[0].of.i32, args[1].of.i64);
    return WB_OK;
}

static wb_rt_func *export_func(wb_instance *inst, const char *name)
{
    wb_extern ex;
    if (!wb_instance_export(inst, name, strlen(name), &ex) || ex.kind != WB_EXTERN_FUNC)
        return NULL;
    return ex.of.func;
}

/* Prints a trap like wasmbox run does: message, then the wasm backtrace. */
static void print_trap(wb_trap *trap)
{
    char text[1024];
    fputs(wb_trap_format(trap, text, sizeof text), stdout);
}

int main(int argc, char **argv)
{
    wb_config *config = NULL;
    wb_engine *engine = NULL;
    wb_compiled *module = NULL;
    wb_store *store = NULL;
    wb_instance *inst = NULL;
    wb_trap *trap = NULL;
    wb_diag diag = { 0 };
    char msg[256];
    uint8_t *bytes;
    size_t size = 0;
    int reports = 0, status = 1;
    wb_err err;

    if (argc != 2) {
        fprintf(stderr, "usage: %s GUEST.wasm\n", argv[0]);
        return 2;
    }
    if (!(bytes = read_file(argv[1], &size))) {
        fprintf(stderr, "embed: %s: cannot read\n", argv[1]);
        return 1;
    }

    /* 1. A config (fuel on, so calls can be bounded), an engine, the module. */
    if (!(config = wb_config_new()))
        goto oom;
    wb_config_set_fuel(config, true);
    if (!(engine = wb_engine_new(config)))
        goto oom;
    if ((err = wb_compile(engine, bytes, size, &module, &diag)) != WB_OK) {
        fprintf(stderr, "embed: %s: %s\n", argv[1], wb_diag_format(&diag, msg, sizeof msg));
        goto out;
    }

    /* 2. A store, the host function for the import, an instance. */
    wb_extern_desc want;
    if (wb_compiled_import_count(module) != 1 ||
        (wb_compiled_import(module, 0, &want), want.kind != WB_EXTERN_FUNC)) {
        fprintf(stderr, "embed: %s: the guest must import one function, host.report\n",
                argv[1]);
        goto out;
    }
    if (!(store = wb_store_new(engine)))
        goto oom;
    static const uint8_t report_params[] = { WB_I32, WB_I64 };
    wb_extern import = { .kind = WB_EXTERN_FUNC };
    if (!(import.of.func = wb_func_new_host(store, report_params, 2, NULL, 0, report, &reports,
                                            NULL)))
        goto oom;
    if ((err = wb_instance_new(store, module, &import, 1, &inst, &trap, &diag)) != WB_OK) {
        if (trap)
            print_trap(trap);
        else
            fprintf(stderr, "embed: %s: %s\n", argv[1], wb_diag_format(&diag, msg, sizeof msg));
        goto out;
    }
    wb_rt_func *sum_to = export_func(inst, "sum_to");
    wb_rt_func *average = export_func(inst, "average");
    if (!sum_to || !average) {
        fprintf(stderr, "embed: %s: exports sum_to and average missing\n", argv[1]);
        goto out;
    }

    /* 3. A call with results: sum_to(100, 25) reports 4 times, returns 5050. */
    wb_val args[2] = { { .type = WB_I32, .of.i32 = 100 }, { .type = WB_I32, .of.i32 = 25 } };
    wb_val result;
    wb_store_set_fuel(store, UINT64_MAX);
    printf("sum_to(100):\n");
    if ((err = wb_func_call(store, sum_to, args, 2, &result, 1, &trap)) != WB_OK) {
        print_trap(trap);
        goto out;
    }
    printf("  = %" PRId64 " (%d reports)\n", result.of.i64, reports);

    /* 4. A trap: average(7, 0) divides by zero two frames down. */
    args[0].of.i32 = 7;
    args[1].of.i32 = 0;
    printf("average(7, 0):\n  ");
    err = wb_func_call(store, average, args, 2, &result, 1, &trap);
    if (err != WB_ERR_TRAP || wb_trap_kind(trap) != WB_ERR_TRAP_DIV_ZERO) {
        fprintf(stderr, "embed: average(7, 0) did not trap with a division by zero\n");
        goto out;
    }
    print_trap(trap);
    wb_trap_free(trap);
    trap = NULL;

    /* 5. The store is still usable after a trap; fuel bounds a long call. */
    uint64_t left;
    args[0].of.i32 = 2000000000;
    args[1].of.i32 = 0;
    wb_store_set_fuel(store, 1000000);
    printf("sum_to(2000000000) with 1000000 fuel:\n  ");
    err = wb_func_call(store, sum_to, args, 2, &result, 1, &trap);
    if (err != WB_ERR_TRAP || wb_trap_kind(trap) != WB_ERR_TRAP_OUT_OF_FUEL) {
        fprintf(stderr, "embed: the long call was not stopped by fuel\n");
        goto out;
    }
    printf("%s\n", wb_trap_message(trap));
    wb_store_get_fuel(store, &left);
    printf("  fuel left: %" PRIu64 "\n", left);
    status = 0;
    goto out;

oom:
    fprintf(stderr, "embed: out of memory\n");
out:
    wb_trap_free(trap);
    wb_store_free(store);   /* instances, host functions: everything it owns */
    wb_compiled_free(module);
    wb_engine_free(engine);
    wb_config_free(config);
    free(bytes);
    return status;
}

/* args_env — arguments and environment: libc's view, the raw sizes, and
 * bad pointers (ERRNO_FAULT, never a crash).
 * Run: args_env.wasm "a b" "" ü --env A=1 --env EMPTY= --env B=x=y */
#include <stdlib.h>

#include "wasitest.h"

extern char **environ;

int main(int argc, char **argv)
{
    __wasi_size_t n, size;

    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d]=[%s]\n", i, argv[i]);
    for (char **e = environ; *e; e++)
        printf("env [%s]\n", *e);
    printf("getenv B=[%s] missing=%s\n", getenv("B"), getenv("NOPE") ? "set" : "unset");
    SHOW(__wasi_args_sizes_get(&n, &size));
    printf("args: %u strings, %u bytes after argv[0]\n", (unsigned)n,
           (unsigned)(size - strlen(argv[0]) - 1));
    SHOW(__wasi_environ_sizes_get(&n, &size));
    printf("environ: %u strings, %u bytes\n", (unsigned)n, (unsigned)size);
    SHOW(__wasi_args_sizes_get(WT_BAD_PTR, &size));
    SHOW(__wasi_args_sizes_get(&n, WT_BAD_PTR));
    SHOW(__wasi_args_get(WT_BAD_PTR, (uint8_t *)&size));
    {
        static uint8_t *ptrs[16];
        SHOW(__wasi_args_get(ptrs, WT_BAD_PTR));
        SHOW(__wasi_environ_get(ptrs, WT_BAD_PTR));
        SHOW(__wasi_environ_get(WT_BAD_PTR, (uint8_t *)ptrs));
    }
    SHOW(__wasi_environ_sizes_get(WT_BAD_PTR, WT_BAD_PTR));
    return 0;
}

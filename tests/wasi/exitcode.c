/* exitcode — how a run ends:
 *   exitcode exit N     exit(N) (proc_exit)
 *   exitcode return N   return N from main
 *   exitcode trap       an unreachable instruction
 *   exitcode abort      abort() (wasi-libc: a trap)
 *   exitcode deep N     recursion N frames deep, then trap
 *   exitcode partial    "partial" on stderr, no newline, then trap */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) static int deep(int n)
{
    if (n == 0)
        __builtin_trap();
    return deep(n - 1) + 1;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    int n = argc > 2 ? atoi(argv[2]) : 0;
    printf("mode %s\n", mode);
    fflush(stdout);
    if (!strcmp(mode, "exit"))
        exit(n);
    if (!strcmp(mode, "return"))
        return n;
    if (!strcmp(mode, "trap"))
        __builtin_trap();
    if (!strcmp(mode, "abort"))
        abort();
    if (!strcmp(mode, "deep"))
        return deep(n);
    if (!strcmp(mode, "partial")) {
        fputs("partial", stderr);
        fflush(stderr);
        __builtin_trap();
    }
    return 0;
}

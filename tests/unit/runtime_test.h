/* runtime_test.h — helpers of the runtime's unit tests: keeping the
 * runtime's trap handlers installed under cmocka, running code in a child
 * that must crash, and building small artifacts by hand with the encoder. */
#ifndef WB_RUNTIME_TEST_H
#define WB_RUNTIME_TEST_H

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jit/x64_enc.h"
#include "runtime/runtime_int.h"

/* -- Signals --
 * cmocka replaces the SIGSEGV/SIGILL/SIGFPE/SIGBUS handlers around every
 * test and restores them with signal(), which drops SA_ONSTACK and
 * SA_NODEFER. Tests that run wasm therefore put the runtime's handlers
 * back first: rt_signals_capture() once in main, before cmocka runs
 * anything; rt_signals_apply() at the top of such a test. */
static const int rt_sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE };
static struct sigaction rt_saved[4];

static inline void rt_signals_capture(void)
{
    if (wb_thread_prepare() != WB_OK)
        abort();
    for (int i = 0; i < 4; i++)
        sigaction(rt_sigs[i], NULL, &rt_saved[i]);
}

static inline void rt_signals_apply(void)
{
    for (int i = 0; i < 4; i++)
        sigaction(rt_sigs[i], &rt_saved[i], NULL);
}

/* Runs fn(arg) in a child; true if the child died of a signal (or, under
 * ASan, reported and exited non-zero) instead of exiting 0. */
static inline bool rt_child_crashes(void (*fn)(void *), void *arg)
{
    int status;
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, 2); /* the crash report is expected */
        fn(arg);
        _exit(0);
    }
    if (waitpid(pid, &status, 0) != pid)
        return false;
    return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* -- Hand-made artifacts -- */

#define RT_MAX_FUNCS 32
#define RT_MAX_SITES 64

typedef struct rt_art {
    x64_buf b;
    uint32_t nfuncs;
    uint32_t offs[RT_MAX_FUNCS + 1];
    x64_label labels[RT_MAX_FUNCS];
    uint32_t ntraps, ncalls;
    wb_trap_site traps[RT_MAX_SITES];
    wb_call_site calls[RT_MAX_SITES];
} rt_art;

static inline void rt_art_init(rt_art *a, uint32_t nfuncs)
{
    memset(a, 0, sizeof(*a));
    x64_buf_init(&a->b);
    for (uint32_t i = 0; i < nfuncs; i++)
        a->labels[i] = x64_label_new(&a->b);
}

/* Starts defined function `def` with the standard frame:
 * push rbp; mov rbp, rsp; push r15; sub rsp, 8 (rsp 16-aligned). */
static inline void rt_art_func(rt_art *a, uint32_t def)
{
    x64_align(&a->b, 16);
    a->offs[def] = x64_pos(&a->b);
    if (def + 1 > a->nfuncs)
        a->nfuncs = def + 1;
    x64_label_bind(&a->b, a->labels[def]);
    x64_r(&a->b, X64_PUSH, X64_64, X64_RBP);
    x64_rr(&a->b, X64_MOV, X64_64, X64_RBP, X64_RSP);
    x64_r(&a->b, X64_PUSH, X64_64, X64_R15);
    x64_ri(&a->b, X64_SUB, X64_64, X64_RSP, 8);
}

/* leave; ret */
static inline void rt_art_ret(rt_art *a)
{
    x64_rr(&a->b, X64_MOV, X64_64, X64_RSP, X64_RBP);
    x64_r(&a->b, X64_POP, X64_64, X64_RBP);
    x64_ret(&a->b);
}

/* The next instruction can trap with `kind`. */
static inline void rt_art_trap(rt_art *a, wb_err kind, uint32_t wasm_offset)
{
    a->traps[a->ntraps++] = (wb_trap_site){ .code_offset = x64_pos(&a->b),
                                            .wasm_offset = wasm_offset,
                                            .kind = (uint16_t)kind };
}

/* The previous instruction was a call. */
static inline void rt_art_call_site(rt_art *a, uint32_t wasm_offset)
{
    a->calls[a->ncalls++] = (wb_call_site){ .return_offset = x64_pos(&a->b),
                                            .wasm_offset = wasm_offset };
}

static inline void *rt_dup(const void *p, size_t n)
{
    void *q = malloc(n ? n : 1);
    if (q && n)
        memcpy(q, p, n);
    return q;
}

/* The artifact (malloc'd as wb_artifact_free expects); NULL on error. */
static inline wb_artifact *rt_art_finish(rt_art *a)
{
    wb_artifact *art = calloc(1, sizeof(*art));
    uint32_t len = 0;
    a->offs[a->nfuncs] = x64_pos(&a->b);
    if (!art || x64_buf_finish(&a->b, NULL) != WB_OK)
        return NULL;
    art->nfuncs = a->nfuncs;
    art->code = x64_buf_take(&a->b, &len);
    art->code_size = len;
    art->eh_frame_offset = len;
    art->func_offsets = rt_dup(a->offs, sizeof(uint32_t) * (a->nfuncs + 1));
    art->ntraps = a->ntraps;
    art->traps = rt_dup(a->traps, sizeof(wb_trap_site) * a->ntraps);
    art->ncalls = a->ncalls;
    art->calls = rt_dup(a->calls, sizeof(wb_call_site) * a->ncalls);
    wb_tunables_default(&art->tunables);
    x64_buf_free(&a->b);
    return art;
}

/* An artifact for a module without functions. */
static inline wb_artifact *rt_empty_artifact(void)
{
    wb_artifact *art = calloc(1, sizeof(*art));
    art->func_offsets = calloc(1, sizeof(uint32_t));
    wb_tunables_default(&art->tunables);
    return art;
}

#endif

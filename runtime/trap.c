/* trap.c — wasm traps delivered by signals: the registry of compiled-code
 * ranges, the SIGSEGV/SIGBUS/SIGILL/SIGFPE handler, activations (host->wasm
 * entries the handler unwinds to), frame-chain walking, raising traps from
 * C code called by wasm, and trap objects (kind, message, backtrace mapped
 * to function indices and module offsets, wasmtime-like text form).
 *
 * Process-global state, all of it inherent to signal handling:
 *   - the code registry (an immutable snapshot behind an atomic pointer,
 *     replaced under a mutex by writers; the handler never locks),
 *   - the previous signal actions (to hand real crashes back to them),
 *   - per thread: the current activation, the alternate signal stack and
 *     the thread's stack bounds.
 *
 * Handlers use SA_ONSTACK|SA_SIGINFO|SA_NODEFER and recover with
 * siglongjmp to a sigsetjmp(env, 0): no signal mask to restore, so trap
 * delivery makes no system call (kernel-sandbox-facts.md; ASan builds do
 * make some, which is fine without seccomp). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "runtime/runtime_int.h"
#include "wasm/wasm.h"

/* Stack kept free below the wasm stack limit for host functions and
 * builtins that wasm code calls when it is at its deepest. */
#define WB_HOST_STACK_RESERVE (64u * 1024u)
#define WB_ALTSTACK_SIZE (128u * 1024u)

/* -- Code registry -- */

typedef struct wb_code_range {
    uintptr_t start, end;
    const wb_compiled *compiled;
} wb_code_range;

typedef struct wb_code_snapshot {
    struct wb_code_snapshot *retired_next;
    uint32_t n;
    wb_code_range r[];              /* sorted by start, disjoint */
} wb_code_snapshot;

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static wb_code_snapshot *registry;      /* atomic; NULL = empty */
static unsigned registry_readers;       /* atomic: lookups in progress */
static wb_code_snapshot *registry_retired; /* under the lock */

static void reader_enter(void)
{
    __atomic_add_fetch(&registry_readers, 1, __ATOMIC_SEQ_CST);
}

static void reader_exit(void)
{
    __atomic_sub_fetch(&registry_readers, 1, __ATOMIC_SEQ_CST);
}

/* Between reader_enter and reader_exit. Async-signal-safe. */
static const wb_code_range *registry_lookup(uintptr_t pc)
{
    const wb_code_snapshot *s = __atomic_load_n(&registry, __ATOMIC_SEQ_CST);
    uint32_t lo = 0, hi;
    if (!s)
        return NULL;
    hi = s->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (pc < s->r[mid].start)
            hi = mid;
        else if (pc >= s->r[mid].end)
            lo = mid + 1;
        else
            return &s->r[mid];
    }
    return NULL;
}

/* Publishes next (may be NULL) and frees what no reader can still see.
 * Called with registry_lock held. */
static void registry_publish(wb_code_snapshot *next)
{
    wb_code_snapshot *old = __atomic_exchange_n(&registry, next, __ATOMIC_SEQ_CST);
    if (old) {
        old->retired_next = registry_retired;
        registry_retired = old;
    }
    /* A reader that entered before the exchange may hold an old snapshot;
     * once the count is zero, every later reader sees `next`. */
    if (__atomic_load_n(&registry_readers, __ATOMIC_SEQ_CST) == 0) {
        while (registry_retired) {
            wb_code_snapshot *r = registry_retired;
            registry_retired = r->retired_next;
            free(r);
        }
    }
}

wb_err wb_code_register(uintptr_t start, uintptr_t end, const wb_compiled *c)
{
    wb_code_snapshot *cur, *next;
    uint32_t n, i, j;
    wb_err err = WB_OK;

    pthread_mutex_lock(&registry_lock);
    cur = __atomic_load_n(&registry, __ATOMIC_SEQ_CST);
    n = cur ? cur->n : 0;
    if (!(next = malloc(sizeof(*next) + (size_t)(n + 1) * sizeof(wb_code_range)))) {
        err = WB_ERR_NOMEM;
        goto out;
    }
    next->retired_next = NULL;
    next->n = n + 1;
    for (i = 0, j = 0; i < n && cur->r[i].start < start; i++)
        next->r[j++] = cur->r[i];
    next->r[j++] = (wb_code_range){ start, end, c };
    for (; i < n; i++)
        next->r[j++] = cur->r[i];
    registry_publish(next);
out:
    pthread_mutex_unlock(&registry_lock);
    return err;
}

void wb_code_unregister(uintptr_t start)
{
    wb_code_snapshot *cur, *next = NULL;
    uint32_t i, j;

    pthread_mutex_lock(&registry_lock);
    cur = __atomic_load_n(&registry, __ATOMIC_SEQ_CST);
    if (!cur)
        goto out;
    if (cur->n > 1) {
        /* On allocation failure, keep the stale range: a fault there can
         * only come from code that is no longer mapped, i.e. never. */
        if (!(next = malloc(sizeof(*next) + (size_t)(cur->n - 1) * sizeof(wb_code_range))))
            goto out;
        next->retired_next = NULL;
        for (i = 0, j = 0; i < cur->n; i++)
            if (cur->r[i].start != start && j < cur->n - 1)
                next->r[j++] = cur->r[i];
        next->n = j;
    }
    registry_publish(next);
out:
    pthread_mutex_unlock(&registry_lock);
}

/* -- Per-thread state -- */

static __thread wb_activation *tls_activation;
static __thread bool tls_prepared;
static __thread uintptr_t tls_stack_lo, tls_stack_hi;

static pthread_once_t signals_once = PTHREAD_ONCE_INIT;
static wb_err signals_err;
static pthread_key_t altstack_key;

static const int wb_trap_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE };
#define WB_NSIGNALS (sizeof(wb_trap_signals) / sizeof(wb_trap_signals[0]))
static struct sigaction prev_actions[WB_NSIGNALS];

wb_activation *wb_activation_current(void)
{
    return tls_activation;
}

void wb_activation_push(wb_activation *a)
{
    a->prev = tls_activation;
    tls_activation = a;
}

void wb_activation_pop(wb_activation *a)
{
    tls_activation = a->prev;
}

uintptr_t wb_thread_stack_limit(uintptr_t sp, uint32_t max_wasm_stack)
{
    uintptr_t limit = sp > max_wasm_stack ? sp - max_wasm_stack : 0;
    uintptr_t floor = tls_stack_lo ? tls_stack_lo + WB_HOST_STACK_RESERVE : 0;
    return limit < floor ? floor : limit;
}

/* -- Frame walking -- */

/* Reads a word of a wasm frame. Not instrumented: the wasm stack is
 * written by code ASan does not see, below frames it may have poisoned. */
__attribute__((no_sanitize_address)) static uintptr_t frame_word(uintptr_t addr)
{
    return *(const uintptr_t *)addr;
}

/* Records the frames from (pc, fp), pc inside range r, following the
 * frame-pointer chain while return addresses are in compiled code.
 * Between reader_enter and reader_exit; async-signal-safe. */
static void walk_frames(wb_activation *a, uintptr_t pc, uintptr_t fp, const wb_code_range *r)
{
    a->nframes = 0;
    while (r && a->nframes < WB_TRAP_MAX_FRAMES) {
        uintptr_t ret, next;
        a->frames[a->nframes].pc = pc;
        a->frames[a->nframes].compiled = r->compiled;
        a->nframes++;
        if ((fp & 7) != 0 || fp < tls_stack_lo || fp + 16 > tls_stack_hi)
            break;
        ret = frame_word(fp + 8);
        next = frame_word(fp);
        if (next <= fp)
            break;
        r = registry_lookup(ret);
        pc = ret;
        fp = next;
    }
}

__attribute__((noreturn)) void wb_trap_raise(wb_err kind, uintptr_t pc, uintptr_t fp,
                                             char *message, int exit_code)
{
    wb_activation *a = tls_activation;
    if (!a)
        __builtin_trap(); /* only wasm calls builtins and host adapters */
    a->kind = kind;
    a->message = message;
    a->exit_code = exit_code;
    a->pc0_faulted = false;
    reader_enter();
    walk_frames(a, pc, fp, registry_lookup(pc));
    reader_exit();
    siglongjmp(a->env, 1);
}

/* -- Signal handler -- */

static void signal_handler(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    uintptr_t fp = (uintptr_t)uc->uc_mcontext.gregs[REG_RBP];
    wb_activation *a = tls_activation;
    int saved_errno = errno;

    if (a) {
        const wb_code_range *r;
        const wb_trap_site *site = NULL;
        reader_enter();
        if ((r = registry_lookup(pc)) != NULL)
            site = wb_artifact_trap_at(r->compiled->artifact, (uint32_t)(pc - r->start));
        if (site) {
            a->kind = (wb_err)site->kind;
            a->message = NULL;
            a->exit_code = 0;
            walk_frames(a, pc, fp, r);
            a->pc0_faulted = true;
            reader_exit();
            siglongjmp(a->env, 1);
        }
        reader_exit();
    }
    /* Not a wasm trap (a fault in host code, or in compiled code where no
     * trap can be): a real crash. Hand the signal back to whoever had it
     * before us; a hardware fault recurs when we return, a signal sent by
     * someone is raised again. */
    for (size_t i = 0; i < WB_NSIGNALS; i++)
        if (wb_trap_signals[i] == sig)
            sigaction(sig, &prev_actions[i], NULL);
    errno = saved_errno;
    if (si->si_code <= 0)
        raise(sig);
}

static void altstack_release(void *p)
{
    stack_t ss = { .ss_flags = SS_DISABLE };
    sigaltstack(&ss, NULL);
    munmap(p, WB_ALTSTACK_SIZE);
}

static void signals_install(void)
{
    struct sigaction sa;

    if (pthread_key_create(&altstack_key, altstack_release) != 0) {
        signals_err = WB_ERR_NOMEM;
        return;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = signal_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < WB_NSIGNALS; i++)
        if (sigaction(wb_trap_signals[i], &sa, &prev_actions[i]) != 0)
            signals_err = WB_ERR_INTERNAL;
}

/* An alternate signal stack for this thread, unless it has one big enough:
 * a trap on stack exhaustion must not need the exhausted stack. */
static wb_err prepare_altstack(void)
{
    stack_t old, ss;
    void *p;

    if (sigaltstack(NULL, &old) == 0 && !(old.ss_flags & SS_DISABLE) &&
        old.ss_size >= WB_ALTSTACK_SIZE / 2)
        return WB_OK;
    p = mmap(NULL, WB_ALTSTACK_SIZE, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (p == MAP_FAILED)
        return WB_ERR_NOMEM;
    ss.ss_sp = p;
    ss.ss_size = WB_ALTSTACK_SIZE;
    ss.ss_flags = 0;
    if (sigaltstack(&ss, NULL) != 0) {
        munmap(p, WB_ALTSTACK_SIZE);
        return WB_ERR_INTERNAL;
    }
    pthread_setspecific(altstack_key, p); /* unmapped at thread exit */
    return WB_OK;
}

static void prepare_stack_bounds(void)
{
    pthread_attr_t attr;
    void *addr;
    size_t size;

    tls_stack_lo = 0;
    tls_stack_hi = UINTPTR_MAX;
    if (pthread_getattr_np(pthread_self(), &attr) != 0)
        return;
    if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
        tls_stack_lo = (uintptr_t)addr;
        tls_stack_hi = (uintptr_t)addr + size;
    }
    pthread_attr_destroy(&attr);
}

wb_err wb_thread_prepare(void)
{
    wb_err err;
    if (tls_prepared)
        return WB_OK;
    pthread_once(&signals_once, signals_install);
    if (signals_err != WB_OK)
        return signals_err;
    if ((err = prepare_altstack()) != WB_OK)
        return err;
    prepare_stack_bounds();
    tls_prepared = true;
    return WB_OK;
}

/* -- Trap objects -- */

struct wb_trap {
    wb_err kind;
    int exit_code;
    char *message;          /* owned, or NULL: the kind's message */
    size_t nframes;
    wb_frame *frames;
    char *names;            /* owned storage of the frames' names */
};

wb_trap *wb_trap_new(wb_err kind, char *message, int exit_code)
{
    wb_trap *t = calloc(1, sizeof(*t));
    if (!t) {
        free(message);
        return NULL;
    }
    t->kind = kind;
    t->message = message;
    t->exit_code = exit_code;
    return t;
}

/* What one raw frame means in the module. */
typedef struct frame_info {
    uint32_t func_index;
    uint32_t module_offset;
    const wb_name *func_name, *module_name;
} frame_info;

static void frame_resolve(const wb_raw_frame *rf, bool faulted, frame_info *fi)
{
    const wb_compiled *c = rf->compiled;
    const wb_module *m = c->module;
    const wb_artifact *a = c->artifact;
    uint32_t off = (uint32_t)(rf->pc - (uintptr_t)c->code);
    int64_t defined;

    memset(fi, 0, sizeof(*fi));
    fi->func_index = UINT32_MAX;
    /* A return address may be the first byte after its function. */
    defined = wb_artifact_func_at(a, faulted || off == 0 ? off : off - 1);
    if (defined >= 0 && (uint64_t)defined < m->ncodes) {
        fi->func_index = m->nfunc_imports + (uint32_t)defined;
        fi->func_name = wb_module_func_name(m, fi->func_index);
        fi->module_offset = m->codes[defined].offset;
    }
    if (faulted) {
        const wb_trap_site *s = wb_artifact_trap_at(a, off);
        if (s)
            fi->module_offset = s->wasm_offset;
    } else {
        const wb_call_site *s = wb_artifact_call_at(a, off);
        if (s)
            fi->module_offset = s->wasm_offset;
    }
    if (m->has_module_name)
        fi->module_name = &m->module_name;
}

static char *copy_name(char **dst, const wb_name *n)
{
    char *s = *dst;
    if (!n)
        return NULL;
    memcpy(s, n->ptr, n->len);
    s[n->len] = '\0';
    *dst += n->len + 1;
    return s;
}

wb_trap *wb_trap_from_activation(wb_activation *a)
{
    wb_trap *t = wb_trap_new(a->kind, a->message, a->exit_code);
    frame_info *fi = NULL;
    size_t bytes = 0;
    char *p;

    a->message = NULL;
    if (!t || a->nframes == 0)
        return t;
    if (!(fi = calloc(a->nframes, sizeof(*fi))))
        goto out;
    for (uint32_t i = 0; i < a->nframes; i++) {
        frame_resolve(&a->frames[i], i == 0 && a->pc0_faulted, &fi[i]);
        bytes += (fi[i].func_name ? fi[i].func_name->len + 1 : 0) +
                 (fi[i].module_name ? fi[i].module_name->len + 1 : 0);
    }
    t->frames = calloc(a->nframes, sizeof(*t->frames));
    t->names = malloc(bytes + 1);
    if (!t->frames || !t->names) {
        /* Keep the trap, without a backtrace. */
        free(t->frames);
        free(t->names);
        t->frames = NULL;
        t->names = NULL;
        goto out;
    }
    p = t->names;
    for (uint32_t i = 0; i < a->nframes; i++) {
        t->frames[i].func_index = fi[i].func_index;
        t->frames[i].module_offset = fi[i].module_offset;
        t->frames[i].func_name = copy_name(&p, fi[i].func_name);
        t->frames[i].module_name = copy_name(&p, fi[i].module_name);
    }
    t->nframes = a->nframes;
out:
    free(fi);
    return t;
}

wb_err wb_trap_kind(const wb_trap *t)
{
    return t->kind;
}

const char *wb_trap_message(const wb_trap *t)
{
    return t->message ? t->message : wb_err_message(t->kind);
}

int wb_trap_exit_code(const wb_trap *t)
{
    return t->exit_code;
}

size_t wb_trap_frame_count(const wb_trap *t)
{
    return t->nframes;
}

void wb_trap_frame(const wb_trap *t, size_t i, wb_frame *out)
{
    if (i < t->nframes)
        *out = t->frames[i];
    else
        memset(out, 0, sizeof(*out));
}

/* Appends to buf[*len..size), keeping it NUL-terminated when truncated. */
static void append(char *buf, size_t size, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
    va_list ap;
    int n;
    if (*len >= size)
        return;
    va_start(ap, fmt);
    n = vsnprintf(buf + *len, size - *len, fmt, ap);
    va_end(ap);
    if (n > 0)
        *len = *len + (size_t)n < size ? *len + (size_t)n : size - 1;
}

char *wb_trap_format(const wb_trap *t, char *buf, size_t size)
{
    size_t len = 0;
    if (!buf || size == 0)
        return buf;
    buf[0] = '\0';
    append(buf, size, &len, "wasm trap: %s\n", wb_trap_message(t));
    for (size_t i = 0; i < t->nframes; i++) {
        const wb_frame *f = &t->frames[i];
        const char *mod = f->module_name ? f->module_name : "<unknown>";
        if (f->func_name)
            append(buf, size, &len, "  %zu: 0x%x - %s!%s\n", i, f->module_offset, mod,
                   f->func_name);
        else
            append(buf, size, &len, "  %zu: 0x%x - %s!func[%u]\n", i, f->module_offset, mod,
                   f->func_index);
    }
    return buf;
}

void wb_trap_free(wb_trap *t)
{
    if (!t)
        return;
    free(t->message);
    free(t->frames);
    free(t->names);
    free(t);
}

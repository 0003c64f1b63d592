/* interrupt.c — stopping code that runs too long: the engine's epoch, each
 * store's epoch deadline and deadline callback, fuel, the helpers with
 * which blocking host calls honour the deadline, and the watchdog thread
 * behind time limits (--timeout).
 *
 *   watchdog thread ──(timeout)──► epoch += 1 ──► compiled code: at the next
 *   (or any caller of               function entry / loop header epoch >=
 *   wb_engine_increment_epoch)      deadline ──► EPOCH_SLOW builtin ──►
 *                                   wb_interrupt_epoch_reached: callback
 *                                   extends, or trap "interrupted"
 *                   ──(grace)──► still running? on_stuck (the CLI exits)
 *
 * Deadline and fuel are store-wide values that compiled code reads from
 * each instance's vmctx (epoch_deadline, fuel): the store keeps the value
 * and writes it into every vmctx of its instances (and new instances copy
 * it in wb_interrupt_init_vmctx). The time limit lives here alone, so that
 * moving it to the supervisor (the epoch in a shared page) changes this
 * file only. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runtime/runtime_int.h"

/* -- Epochs and deadlines -- */

void wb_engine_increment_epoch(wb_engine *e)
{
    __atomic_add_fetch(&e->epoch, 1, __ATOMIC_RELAXED);
}

uint64_t wb_engine_epoch(const wb_engine *e)
{
    return __atomic_load_n(&e->epoch, __ATOMIC_RELAXED);
}

static uint64_t vm_deadline(const wb_store *s)
{
    return s->has_epoch_deadline ? s->epoch_deadline : UINT64_MAX;
}

static int64_t vm_fuel(const wb_store *s)
{
    return s->has_fuel ? s->fuel : INT64_MAX;
}

void wb_interrupt_init_vmctx(wb_store *s, wb_vmctx *v)
{
    v->epoch_deadline = vm_deadline(s);
    v->fuel = vm_fuel(s);
}

static void apply_deadline(wb_store *s)
{
    uint64_t d = vm_deadline(s);
    for (wb_instance *i = s->instances; i; i = i->next)
        i->vmctx->epoch_deadline = d;
}

void wb_store_set_epoch_deadline(wb_store *s, uint64_t ticks)
{
    uint64_t now = wb_engine_epoch(s->engine);
    s->epoch_deadline = now > UINT64_MAX - ticks ? UINT64_MAX : now + ticks;
    s->has_epoch_deadline = true;
    apply_deadline(s);
}

void wb_store_set_epoch_deadline_callback(wb_store *s, wb_epoch_deadline_fn fn, void *env)
{
    s->deadline_fn = fn;
    s->deadline_env = env;
}

wb_err wb_interrupt_epoch_reached(wb_store *s)
{
    uint64_t ticks = 0;
    wb_err err;

    if (!s->has_epoch_deadline || wb_engine_epoch(s->engine) < s->epoch_deadline) {
        apply_deadline(s); /* a vmctx was behind the store: catch up */
        return WB_OK;
    }
    if (!s->deadline_fn)
        return WB_ERR_TRAP_INTERRUPTED;
    if ((err = s->deadline_fn(s, s->deadline_env, &ticks)) == WB_OK) {
        wb_store_set_epoch_deadline(s, ticks);
        return WB_OK;
    }
    if (wb_err_class_of(err) == WB_CLASS_TRAP && err != WB_ERR_TRAP)
        return err;
    return WB_ERR_TRAP_INTERRUPTED;
}

/* -- Fuel -- */

/* Folds what every instance spent since the last sync into the store's
 * amount and hands the rest to every instance again. Returns it; negative
 * (-1) once a region could not be paid for. */
static int64_t fuel_sync(wb_store *s)
{
    int64_t base = vm_fuel(s), left = base;

    for (wb_instance *i = s->instances; i; i = i->next) {
        int64_t spent;
        if (__builtin_sub_overflow(base, i->vmctx->fuel, &spent))
            spent = INT64_MAX;
        if (spent > 0 && (__builtin_sub_overflow(left, spent, &left) || left < 0))
            left = -1;
    }
    s->fuel = left;
    s->has_fuel = true;
    for (wb_instance *i = s->instances; i; i = i->next)
        i->vmctx->fuel = left;
    return left;
}

wb_err wb_store_set_fuel(wb_store *s, uint64_t fuel)
{
    if (!s->engine->config.tunables.fuel)
        return WB_ERR_USAGE;
    s->fuel = fuel > INT64_MAX ? INT64_MAX : (int64_t)fuel;
    s->has_fuel = true;
    for (wb_instance *i = s->instances; i; i = i->next)
        i->vmctx->fuel = s->fuel;
    return WB_OK;
}

wb_err wb_store_get_fuel(wb_store *s, uint64_t *fuel)
{
    int64_t left;
    if (!s->engine->config.tunables.fuel)
        return WB_ERR_USAGE;
    left = fuel_sync(s);
    *fuel = left < 0 ? 0 : (uint64_t)left;
    return WB_OK;
}

/* -- Host calls that block -- */

static wb_err check_deadline(wb_store *s)
{
    if (s->has_epoch_deadline && wb_engine_epoch(s->engine) >= s->epoch_deadline)
        return wb_interrupt_epoch_reached(s);
    return WB_OK;
}

wb_err wb_caller_check_deadline(wb_caller *caller)
{
    return check_deadline(wb_caller_store(caller));
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

wb_err wb_caller_poll(wb_caller *caller, struct pollfd *fds, size_t nfds, int64_t timeout_ns,
                      int *nready)
{
    wb_store *s = wb_caller_store(caller);
    int64_t start = now_ns();
    wb_err err;

    *nready = 0;
    for (;;) {
        int64_t wait = timeout_ns;
        struct timespec ts;
        int n;

        if ((err = check_deadline(s)) != WB_OK)
            return err;
        if (timeout_ns >= 0 && (wait = timeout_ns - (now_ns() - start)) < 0)
            wait = 0;
        /* With a deadline, look at the epoch again every slice: whoever
         * increments it (a thread, a signal handler, the supervisor
         * through shared memory) need not know that we wait. */
        if (s->has_epoch_deadline && (wait < 0 || wait > WB_POLL_SLICE_NS))
            wait = WB_POLL_SLICE_NS;
        ts.tv_sec = wait / 1000000000;
        ts.tv_nsec = wait % 1000000000;
        n = ppoll(fds, (nfds_t)nfds, wait < 0 ? NULL : &ts, NULL);
        if (n > 0) {
            *nready = n;
            return WB_OK;
        }
        if (n < 0 && errno != EINTR)
            return WB_ERR_IO;
        if (timeout_ns >= 0 && now_ns() - start >= timeout_ns)
            return WB_OK; /* timed out */
    }
}

/* -- The watchdog -- */

struct wb_watchdog {
    wb_engine *engine;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;         /* CLOCK_MONOTONIC */
    bool stop;                   /* under lock */
    bool fired;                  /* atomic */
    struct timespec expires;     /* when the epoch is incremented */
    uint64_t grace_ns;
    pthread_t runner;            /* the thread that started it: runs wasm */
    bool kick;                   /* SIGURG interrupts the runner's syscalls */
    void (*on_stuck)(void *);
    void *arg;
};

static void timespec_add(struct timespec *t, uint64_t ns)
{
    uint64_t sum = (uint64_t)t->tv_nsec + ns % 1000000000u;
    t->tv_sec += (time_t)(ns / 1000000000u + sum / 1000000000u);
    t->tv_nsec = (long)(sum % 1000000000u);
}

/* Waits until `at` or a stop; true if the time came. Called with lock. */
static bool wait_until(wb_watchdog *w, const struct timespec *at)
{
    while (!w->stop)
        if (pthread_cond_timedwait(&w->cond, &w->lock, at) == ETIMEDOUT)
            return !w->stop;
    return false;
}

static bool before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static void *watchdog_main(void *arg)
{
    wb_watchdog *w = arg;
    struct timespec at = w->expires, end;

    pthread_mutex_lock(&w->lock);
    if (wait_until(w, &at)) {
        wb_engine_increment_epoch(w->engine);
        __atomic_store_n(&w->fired, true, __ATOMIC_RELEASE);
        end = at;
        timespec_add(&end, w->grace_ns);
        /* During the grace period, interrupt the runner's blocking system
         * call every slice (a kick may land just before the call starts):
         * host code that sees EINTR checks the deadline and traps. */
        for (;;) {
            if (w->kick)
                pthread_kill(w->runner, SIGURG);
            timespec_add(&at, WB_POLL_SLICE_NS);
            if (!before(&at, &end))
                at = end;
            if (!wait_until(w, &at))
                break;              /* stopped: the run is over */
            if (!before(&at, &end)) {
                if (w->on_stuck) {
                    pthread_mutex_unlock(&w->lock);
                    w->on_stuck(w->arg);
                    return NULL;
                }
                break;
            }
        }
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* SIGURG is ignored by default; with this handler, installed without
 * SA_RESTART, it only makes a blocking system call return EINTR. */
static void kick_handler(int sig)
{
    (void)sig;
}

/* Installs kick_handler unless someone else handles SIGURG. */
static bool kick_prepare(void)
{
    struct sigaction sa, old;
    if (sigaction(SIGURG, NULL, &old) != 0)
        return false;
    if (old.sa_handler == kick_handler)
        return true;
    if ((old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL)
        return false;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = kick_handler;
    sigemptyset(&sa.sa_mask);
    return sigaction(SIGURG, &sa, NULL) == 0;
}

wb_err wb_watchdog_start(wb_engine *e, uint64_t timeout_ns, uint64_t grace_ns,
                         void (*on_stuck)(void *arg), void *arg, wb_watchdog **out)
{
    wb_watchdog *w = calloc(1, sizeof(*w));
    pthread_condattr_t ca;
    sigset_t all, old;
    int rc;

    *out = NULL;
    if (!w)
        return WB_ERR_NOMEM;
    w->engine = e;
    w->grace_ns = grace_ns;
    w->on_stuck = on_stuck;
    w->arg = arg;
    w->runner = pthread_self();
    w->kick = kick_prepare();
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    if (pthread_mutex_init(&w->lock, NULL) != 0 || pthread_cond_init(&w->cond, &ca) != 0) {
        pthread_condattr_destroy(&ca);
        free(w);
        return WB_ERR_NOMEM;
    }
    pthread_condattr_destroy(&ca);
    clock_gettime(CLOCK_MONOTONIC, &w->expires);
    timespec_add(&w->expires, timeout_ns);
    /* Signals for the process (SIGINT, SIGTERM, SIGPIPE) must not land on
     * the watchdog: it starts with all of them blocked. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&w->thread, NULL, watchdog_main, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        pthread_cond_destroy(&w->cond);
        pthread_mutex_destroy(&w->lock);
        free(w);
        return WB_ERR_NOMEM;
    }
    *out = w;
    return WB_OK;
}

bool wb_watchdog_fired(const wb_watchdog *w)
{
    return w && __atomic_load_n(&w->fired, __ATOMIC_ACQUIRE);
}

void wb_watchdog_stop(wb_watchdog *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stop = true;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

/* wasi_clock.c — clocks, randomness and waiting: clock_res_get,
 * clock_time_get, random_get, sched_yield, poll_oneoff. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wasi/wasi_int.h"

static bool host_clock(uint32_t id, clockid_t *out)
{
    switch (id) {
    case WASI_CLOCK_REALTIME: *out = CLOCK_REALTIME; return true;
    case WASI_CLOCK_MONOTONIC: *out = CLOCK_MONOTONIC; return true;
    case WASI_CLOCK_PROCESS_CPUTIME: *out = CLOCK_PROCESS_CPUTIME_ID; return true;
    case WASI_CLOCK_THREAD_CPUTIME: *out = CLOCK_THREAD_CPUTIME_ID; return true;
    default: return false;
    }
}

static uint64_t ts_to_ns(const struct timespec *t)
{
    if (t->tv_sec < 0)
        return 0;
    return (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_nsec;
}

static uint64_t now_ns(clockid_t id)
{
    struct timespec t;
    if (clock_gettime(id, &t) != 0)
        return 0;
    return ts_to_ns(&t);
}

uint16_t wb_wasi_clock_res_get(wasi_call *c, const wb_val *a)
{
    uint32_t ret = wasi_arg32(a, 1);
    clockid_t id;
    struct timespec t;

    if (!host_clock(wasi_arg32(a, 0), &id))
        return WASI_ERRNO_INVAL;
    if (!wasi_mem_ok(c, ret, 8))
        return WASI_ERRNO_FAULT;
    if (clock_getres(id, &t) != 0)
        return wasi_errno(errno);
    wasi_put64(wasi_mem(c, ret), ts_to_ns(&t));
    return WASI_ERRNO_SUCCESS;
}

/* The precision argument (a[1]) is a hint; the host clock is exact enough. */
uint16_t wb_wasi_clock_time_get(wasi_call *c, const wb_val *a)
{
    uint32_t ret = wasi_arg32(a, 2);
    clockid_t id;
    struct timespec t;

    if (!host_clock(wasi_arg32(a, 0), &id))
        return WASI_ERRNO_INVAL;
    if (!wasi_mem_ok(c, ret, 8))
        return WASI_ERRNO_FAULT;
    if (clock_gettime(id, &t) != 0)
        return wasi_errno(errno);
    wasi_put64(wasi_mem(c, ret), ts_to_ns(&t));
    return WASI_ERRNO_SUCCESS;
}

uint16_t wb_wasi_random_get(wasi_call *c, const wb_val *a)
{
    uint32_t buf = wasi_arg32(a, 0), len = wasi_arg32(a, 1);
    uint32_t done = 0;

    if (!wasi_mem_ok(c, buf, len))
        return WASI_ERRNO_FAULT;
    while (done < len) {
        ssize_t n = getrandom(wasi_mem(c, (uint64_t)buf + done), len - done, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return wasi_errno(errno);
        }
        done += (uint32_t)n;
    }
    return WASI_ERRNO_SUCCESS;
}

uint16_t wb_wasi_sched_yield(wasi_call *c, const wb_val *a)
{
    (void)c;
    (void)a;
    sched_yield();
    return WASI_ERRNO_SUCCESS;
}

/* -- Waiting -- */

uint16_t wasi_poll(wasi_call *c, struct pollfd *fds, uint32_t n, int64_t timeout_ns,
                   int *nready)
{
    wb_err err;

    if (c->caller) {
        err = wb_caller_poll(c->caller, fds, n, timeout_ns, nready);
        if (err == WB_OK)
            return WASI_ERRNO_SUCCESS;
        if (err == WB_ERR_IO)
            return wasi_errno(errno);
        c->trap = err;
        return WASI_ERRNO_INTR;
    }
    for (;;) {   /* no store (unit tests): a plain ppoll */
        struct timespec ts = { .tv_sec = timeout_ns / 1000000000,
                               .tv_nsec = timeout_ns % 1000000000 };
        int r = ppoll(fds, (nfds_t)n, timeout_ns < 0 ? NULL : &ts, NULL);
        if (r >= 0) {
            *nready = r;
            return WASI_ERRNO_SUCCESS;
        }
        if (errno != EINTR)
            return wasi_errno(errno);
    }
}

uint16_t wasi_wait_fd(wasi_call *c, const wasi_fd *f, short events)
{
    struct pollfd p = { .fd = f->host, .events = events };
    int fl, n;
    uint16_t e;

    if (!c->w->interruptible || !c->caller || f->type == WASI_FILETYPE_REGULAR_FILE ||
        f->type == WASI_FILETYPE_DIRECTORY || f->type == WASI_FILETYPE_BLOCK_DEVICE)
        return WASI_ERRNO_SUCCESS;
    if ((fl = fcntl(f->host, F_GETFL)) < 0 || (fl & O_NONBLOCK))
        return WASI_ERRNO_SUCCESS;   /* the call itself answers (EBADF, EAGAIN) */
    do {
        if ((e = wasi_poll(c, &p, 1, -1, &n)))
            return e;
    } while (n == 0);
    return WASI_ERRNO_SUCCESS;
}

uint16_t wasi_check(wasi_call *c)
{
    wb_err err;
    if (!c->caller || (err = wb_caller_check_deadline(c->caller)) == WB_OK)
        return WASI_ERRNO_SUCCESS;
    c->trap = err;
    return WASI_ERRNO_INTR;
}

/* -- poll_oneoff -- */

/* One subscription, decoded. */
typedef struct poll_sub {
    uint64_t userdata;
    uint64_t deadline;      /* clock: CLOCK_MONOTONIC ns */
    uint32_t pfd;           /* fd: index into the pollfd array */
    uint16_t error;         /* decided before waiting (bad fd, bad clock) */
    uint8_t type;           /* WASI_EVENTTYPE_* */
    bool is_file;           /* regular file: always ready, nbytes from size */
    int host;
} poll_sub;

static bool scratch(wb_wasi *w, size_t size)
{
    void *p;
    if (size <= w->poll_scratch_size)
        return true;
    if (!(p = realloc(w->poll_scratch, size)))
        return false;
    w->poll_scratch = p;
    w->poll_scratch_size = size;
    return true;
}

/* Decodes a clock subscription at p into s (deadline on CLOCK_MONOTONIC). */
static void decode_clock(const uint8_t *p, poll_sub *s, uint64_t mono_now)
{
    uint32_t id = wasi_get32(p + 16);
    uint64_t timeout = wasi_get64(p + 24);
    uint16_t flags = wasi_get16(p + 40);
    clockid_t hid;

    s->type = WASI_EVENTTYPE_CLOCK;
    if (!host_clock(id, &hid) || (flags & ~WASI_SUBCLOCK_ABSTIME)) {
        s->error = WASI_ERRNO_INVAL;
        return;
    }
    if (id == WASI_CLOCK_PROCESS_CPUTIME || id == WASI_CLOCK_THREAD_CPUTIME) {
        s->error = WASI_ERRNO_NOTSUP;   /* no way to sleep on CPU time */
        return;
    }
    if (flags & WASI_SUBCLOCK_ABSTIME) {
        if (id == WASI_CLOCK_MONOTONIC) {
            s->deadline = timeout;
            return;
        }
        uint64_t rt = now_ns(CLOCK_REALTIME);
        timeout = timeout > rt ? timeout - rt : 0;
    }
    s->deadline = mono_now + timeout < mono_now ? UINT64_MAX : mono_now + timeout;
}

uint16_t wb_wasi_poll_oneoff(wasi_call *c, const wb_val *a)
{
    uint32_t in = wasi_arg32(a, 0), out = wasi_arg32(a, 1), n = wasi_arg32(a, 2);
    uint32_t ret = wasi_arg32(a, 3), npfd = 0, nev = 0;
    uint64_t mono = now_ns(CLOCK_MONOTONIC), earliest = UINT64_MAX;
    bool ready = false;
    struct pollfd *pfds;
    poll_sub *subs;

    if (n == 0 || n > WB_WASI_MAX_POLL)
        return WASI_ERRNO_INVAL;
    if (!wasi_mem_array_ok(c, in, n, WASI_SUBSCRIPTION_SIZE) ||
        !wasi_mem_array_ok(c, out, n, WASI_EVENT_SIZE) || !wasi_mem_ok(c, ret, 4))
        return WASI_ERRNO_FAULT;
    if (!scratch(c->w, (size_t)n * (sizeof(poll_sub) + sizeof(struct pollfd))))
        return WASI_ERRNO_NOMEM;
    subs = c->w->poll_scratch;
    pfds = (struct pollfd *)(subs + n);

    /* Decode everything before writing any event: in and out may overlap. */
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *p = wasi_mem(c, in + (uint64_t)i * WASI_SUBSCRIPTION_SIZE);
        poll_sub *s = &subs[i];
        wasi_fd *f;

        *s = (poll_sub){ .userdata = wasi_get64(p), .type = p[8] };
        switch (p[8]) {
        case WASI_EVENTTYPE_CLOCK:
            decode_clock(p, s, mono);
            if (!s->error && s->deadline < earliest)
                earliest = s->deadline;
            break;
        case WASI_EVENTTYPE_FD_READ:
        case WASI_EVENTTYPE_FD_WRITE:
            s->error = wasi_fd_get(c->w, wasi_get32(p + 16), WASI_RIGHT_POLL_FD_READWRITE, &f);
            if (s->error)
                break;
            s->host = f->host;
            s->is_file = f->type == WASI_FILETYPE_REGULAR_FILE;
            s->pfd = npfd;
            pfds[npfd++] = (struct pollfd){
                .fd = f->host, .events = p[8] == WASI_EVENTTYPE_FD_READ ? POLLIN : POLLOUT };
            break;
        default:
            return WASI_ERRNO_INVAL;
        }
        if (s->error)
            ready = true;
    }

    /* Wait until an fd is ready, an error is pending or the earliest clock
     * fires (or the store's deadline: a trap); an early wake-up waits again
     * for the rest. */
    for (;;) {
        int64_t left = -1;
        int r;
        uint16_t e;

        if (ready || earliest != UINT64_MAX) {
            uint64_t l = ready || earliest <= mono ? 0 : earliest - mono;
            left = l > INT64_MAX ? INT64_MAX : (int64_t)l;
        }
        if ((e = wasi_poll(c, npfd ? pfds : NULL, npfd, left, &r)))
            return e;
        mono = now_ns(CLOCK_MONOTONIC);
        if (r > 0 || ready || mono >= earliest)
            break;
    }

    for (uint32_t i = 0; i < n; i++) {
        poll_sub *s = &subs[i];
        uint8_t *e = wasi_mem(c, out + (uint64_t)nev * WASI_EVENT_SIZE);
        uint64_t nbytes = 0;
        uint16_t flags = 0, error = s->error;

        if (!error && s->type == WASI_EVENTTYPE_CLOCK) {
            if (mono < s->deadline)
                continue;
        } else if (!error) {
            short re = pfds[s->pfd].revents;
            if (!re)
                continue;
            if (re & POLLNVAL)
                error = WASI_ERRNO_BADF;
            if (re & POLLHUP)
                flags |= WASI_EVENT_FD_READWRITE_HANGUP;
            if (s->is_file && s->type == WASI_EVENTTYPE_FD_READ) {
                struct stat st;
                off_t pos = lseek(s->host, 0, SEEK_CUR);
                if (fstat(s->host, &st) == 0 && pos >= 0 && st.st_size > pos)
                    nbytes = (uint64_t)(st.st_size - pos);
            }
        }
        memset(e, 0, WASI_EVENT_SIZE);
        wasi_put64(e, s->userdata);
        wasi_put16(e + 8, error);
        wasi_put8(e + 10, s->type);
        wasi_put64(e + 16, nbytes);
        wasi_put16(e + 24, flags);
        nev++;
    }
    wasi_put32(wasi_mem(c, ret), nev);
    return WASI_ERRNO_SUCCESS;
}

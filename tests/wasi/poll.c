/* poll — poll_oneoff: relative and absolute clocks, fd subscriptions
 * (stdout writable, a file readable, a bad fd), and its errors. */
#include "wasitest.h"

static __wasi_subscription_t subs[4];
static __wasi_event_t ev[4];

static void clock_sub(int i, uint64_t ud, __wasi_clockid_t id, uint64_t timeout, int abs)
{
    memset(&subs[i], 0, sizeof(subs[i]));
    subs[i].userdata = ud;
    subs[i].u.tag = __WASI_EVENTTYPE_CLOCK;
    subs[i].u.u.clock.id = id;
    subs[i].u.u.clock.timeout = timeout;
    subs[i].u.u.clock.flags = abs ? __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME : 0;
}

static void fd_sub(int i, uint64_t ud, __wasi_eventtype_t type, __wasi_fd_t fd)
{
    memset(&subs[i], 0, sizeof(subs[i]));
    subs[i].userdata = ud;
    subs[i].u.tag = type;
    subs[i].u.u.fd_read.file_descriptor = fd;
}

static void show_events(const char *what, __wasi_errno_t e, __wasi_size_t n)
{
    printf("%s: %s, %u event(s)", what, wt_err(e), e ? 0 : (unsigned)n);
    for (__wasi_size_t i = 0; !e && i < n; i++)
        printf(" [ud=%llu type=%u err=%s]", (unsigned long long)ev[i].userdata, ev[i].type,
               wt_err(ev[i].error));
    printf("\n");
}

static uint64_t now(__wasi_clockid_t id)
{
    __wasi_timestamp_t t = 0;
    (void)__wasi_clock_time_get(id, 0, &t);
    return t;
}

int main(void)
{
    __wasi_size_t n = 0;
    __wasi_errno_t e;
    __wasi_fd_t fd;
    uint64_t t0;

    clock_sub(0, 1, __WASI_CLOCKID_MONOTONIC, 30000000, 0);
    t0 = now(__WASI_CLOCKID_MONOTONIC);
    e = __wasi_poll_oneoff(subs, ev, 1, &n);
    show_events("relative 30ms", e, n);
    printf("slept at least 30ms: %s\n", now(__WASI_CLOCKID_MONOTONIC) - t0 >= 30000000 ? "yes" : "no");

    clock_sub(0, 2, __WASI_CLOCKID_MONOTONIC, now(__WASI_CLOCKID_MONOTONIC) + 20000000, 1);
    t0 = now(__WASI_CLOCKID_MONOTONIC);
    e = __wasi_poll_oneoff(subs, ev, 1, &n);
    show_events("absolute monotonic +20ms", e, n);
    printf("slept at least 19ms: %s\n", now(__WASI_CLOCKID_MONOTONIC) - t0 >= 19000000 ? "yes" : "no");

    clock_sub(0, 3, __WASI_CLOCKID_REALTIME, now(__WASI_CLOCKID_REALTIME) + 10000000, 1);
    e = __wasi_poll_oneoff(subs, ev, 1, &n);
    show_events("absolute realtime +10ms", e, n);
    clock_sub(0, 4, __WASI_CLOCKID_REALTIME, 1000, 1);
    e = __wasi_poll_oneoff(subs, ev, 1, &n);
    show_events("absolute realtime in the past", e, n);

    clock_sub(0, 5, __WASI_CLOCKID_MONOTONIC, 5000000000ull, 0);
    clock_sub(1, 6, __WASI_CLOCKID_MONOTONIC, 1000000, 0);
    e = __wasi_poll_oneoff(subs, ev, 2, &n);
    show_events("two clocks, the shorter fires", e, n);

    fd_sub(0, 7, __WASI_EVENTTYPE_FD_WRITE, 1);
    clock_sub(1, 8, __WASI_CLOCKID_MONOTONIC, 5000000000ull, 0);
    e = __wasi_poll_oneoff(subs, ev, 2, &n);
    show_events("stdout writable", e, n);

    if (wt_open(3, 0, "data.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, WT_RW, 0, &fd) == 0) {
        __wasi_ciovec_t iov = { (const uint8_t *)"12345", 5 };
        __wasi_size_t nw;
        (void)__wasi_fd_write(fd, &iov, 1, &nw);
        (void)__wasi_fd_seek(fd, 1, __WASI_WHENCE_SET, &(__wasi_filesize_t){ 0 });
        fd_sub(0, 9, __WASI_EVENTTYPE_FD_READ, fd);
        e = __wasi_poll_oneoff(subs, ev, 1, &n);
        show_events("file readable", e, n);
        printf("file nbytes: %llu\n", (unsigned long long)ev[0].fd_readwrite.nbytes);
    }

    fd_sub(0, 10, __WASI_EVENTTYPE_FD_READ, 99);
    clock_sub(1, 11, __WASI_CLOCKID_MONOTONIC, 5000000000ull, 0);
    e = __wasi_poll_oneoff(subs, ev, 2, &n);
    show_events("bad fd", e, n);

    e = __wasi_poll_oneoff(subs, ev, 0, &n);
    show_events("no subscriptions", e, n);
    e = __wasi_poll_oneoff(WT_BAD_PTR, ev, 1, &n);
    show_events("subscriptions out of bounds", e, n);
    e = __wasi_poll_oneoff(subs, WT_BAD_PTR, 1, &n);
    show_events("events out of bounds", e, n);
    clock_sub(0, 12, __WASI_CLOCKID_MONOTONIC, 0, 0);
    e = __wasi_poll_oneoff(subs, ev, 1, WT_BAD_PTR);
    show_events("count out of bounds", e, n);
    subs[0].u.tag = 7;
    e = __wasi_poll_oneoff(subs, ev, 1, &n);
    show_events("unknown event type", e, n);
    return 0;
}

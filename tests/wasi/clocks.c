/* clocks — clock_res_get / clock_time_get for the four clocks, bad ids and
 * pointers; random_get; sched_yield. Prints properties, not values. */
#include <time.h>

#include "wasitest.h"

int main(void)
{
    static const char *const names[] = { "realtime", "monotonic", "process", "thread" };
    __wasi_timestamp_t t, t2, res;
    uint8_t buf[256];
    int nonzero = 0;
    volatile uint64_t spin = 0;

    for (__wasi_clockid_t id = 0; id < 4; id++) {
        __wasi_errno_t e1 = __wasi_clock_res_get(id, &res);
        __wasi_errno_t e2 = __wasi_clock_time_get(id, 1, &t);
        printf("%s: res %s %s, time %s\n", names[id], wt_err(e1),
               res > 0 && res <= 1000000 ? "in (0, 1ms]" : "odd", wt_err(e2));
    }
    __wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 0, &t);
    printf("realtime after 2020: %s\n", t / 1000000000u > 1577836800u ? "yes" : "no");
    __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 0, &t);
    __wasi_clock_time_get(__WASI_CLOCKID_PROCESS_CPUTIME_ID, 0, &res);
    for (int i = 0; i < 3000000; i++)
        spin += i;
    if (spin == 1)
        puts("never");
    __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 0, &t2);
    printf("monotonic advances: %s\n", t2 > t ? "yes" : "no");
    __wasi_clock_time_get(__WASI_CLOCKID_PROCESS_CPUTIME_ID, 0, &t);
    printf("cpu time advances: %s\n", t > res ? "yes" : "no");
    printf("libc clock_gettime(MONOTONIC): %d\n",
           clock_gettime(CLOCK_MONOTONIC, &(struct timespec){ 0 }));
    SHOW(__wasi_clock_res_get(4, &res));
    SHOW(__wasi_clock_time_get(99, 0, &t));
    SHOW(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 0, WT_BAD_PTR));
    SHOW(__wasi_clock_res_get(__WASI_CLOCKID_MONOTONIC, WT_BAD_PTR));

    memset(buf, 0, sizeof(buf));
    SHOW(__wasi_random_get(buf, sizeof(buf)));
    for (size_t i = 0; i < sizeof(buf); i++)
        nonzero += buf[i] != 0;
    printf("random bytes nonzero: %s\n", nonzero > 200 ? "most" : "few");
    SHOW(__wasi_random_get(buf, 0));
    SHOW(__wasi_random_get(WT_BAD_PTR, 16));
    SHOW(__wasi_sched_yield());
    return 0;
}

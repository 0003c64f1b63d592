/* rss.c — run one command and record its wall time, CPU time and peak RSS:
 * the benchmark runner's stopwatch, so that a fresh machine needs neither
 * time(1) (not installed by default on Debian) nor python.
 *
 *   rss [-o FILE] [--] CMD [ARGS...]
 *
 * Runs CMD with the same stdin, stdout and stderr, waits for it, and appends
 * one line to FILE (default: stderr):
 *
 *   wall=SECONDS cpu=SECONDS rss_kb=KB status=N
 *
 * wall is CLOCK_MONOTONIC from fork to the end of the wait; cpu is user +
 * system time of CMD and of every descendant it waited for (compiler threads
 * of node included); rss_kb is the largest peak resident set size among CMD
 * and those descendants (getrusage RUSAGE_CHILDREN: this process has no
 * other child). status is CMD's exit code, 128 + N for a signal N, 127 when
 * CMD could not be executed. rss exits with that same status, and with 125
 * for its own usage errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double tv_sec(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6;
}

int main(int argc, char **argv)
{
    const char *outpath = NULL;
    int i = 1, st, status;
    struct rusage ru;
    double t0, t1;
    pid_t pid;
    FILE *out;

    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--")) {
            i++;
            break;
        }
        if (!strcmp(argv[i], "-o") && i + 1 < argc) {
            outpath = argv[++i];
            continue;
        }
        fprintf(stderr, "usage: rss [-o FILE] [--] CMD [ARGS...]\n");
        return 125;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: rss [-o FILE] [--] CMD [ARGS...]\n");
        return 125;
    }

    t0 = now();
    pid = fork();
    if (pid < 0) {
        fprintf(stderr, "rss: fork: %s\n", strerror(errno));
        return 125;
    }
    if (pid == 0) {
        execvp(argv[i], argv + i);
        fprintf(stderr, "rss: %s: %s\n", argv[i], strerror(errno));
        _exit(127);
    }
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) {
            fprintf(stderr, "rss: waitpid: %s\n", strerror(errno));
            return 125;
        }
    }
    t1 = now();
    getrusage(RUSAGE_CHILDREN, &ru);
    status = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 125;

    out = outpath ? fopen(outpath, "a") : stderr;
    if (!out) {
        fprintf(stderr, "rss: %s: %s\n", outpath, strerror(errno));
        return 125;
    }
    fprintf(out, "wall=%.6f cpu=%.6f rss_kb=%ld status=%d\n", t1 - t0,
            tv_sec(ru.ru_utime) + tv_sec(ru.ru_stime), ru.ru_maxrss, status);
    if (outpath)
        fclose(out);
    return status;
}

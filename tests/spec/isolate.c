/* isolate.c — one forked child per script, so that a crash (a JIT bug
 * faulting outside wasm code) or a hang fails that script and the rest of
 * the suite still runs.
 *
 *   parent                                     child
 *   fork ────────────────────────────────────> spec_run_script
 *   poll(pipe, deadline) <── progress record ── before each command
 *                        <── done record ────── at the end; exit(0)
 *   waitpid: exit 0 after "done" → the child's counts
 *            a signal, no "done", a non-zero exit, the deadline
 *            → the counts so far + 1 failure naming the last command
 *
 * Records are fixed-shape, smaller than PIPE_BUF (so each write is atomic)
 * and checked by magic before use. The child prints its own FAIL lines,
 * flushed one by one; the parent prints the summary line. The child ends
 * with exit(), not _exit(), so that LeakSanitizer checks it: a leak report
 * makes the exit status non-zero, which counts as a failure. */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spec.h"

#define SPEC_RECORD_MAGIC 0x57425350u /* "WBSP" */

typedef struct spec_record {
    uint32_t magic;
    uint32_t done;              /* 1 in the last record */
    int64_t line;               /* progress: the command about to run */
    char cmd[32];               /* its type, truncated */
    spec_counts counts;         /* of the script so far */
    unsigned long fail_lines, fail_hidden; /* the run's FAIL-line budget */
} spec_record;

_Static_assert(sizeof(spec_record) <= PIPE_BUF, "records must be written atomically");

static bool write_all(int fd, const void *p, size_t n)
{
    const char *b = p;
    while (n > 0) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        b += w;
        n -= (size_t)w;
    }
    return true;
}

static void send_record(spec_runner *run, bool done, int64_t line, const char *cmd,
                        const spec_counts *c)
{
    spec_record r;

    memset(&r, 0, sizeof r);
    r.magic = SPEC_RECORD_MAGIC;
    r.done = done;
    r.line = line;
    if (cmd)
        snprintf(r.cmd, sizeof r.cmd, "%s", cmd);
    r.counts = *c;
    r.fail_lines = run->fail_lines;
    r.fail_hidden = run->fail_hidden;
    /* A failed write means the parent is gone: nothing to report to. */
    (void)write_all(run->report_fd, &r, sizeof r);
}

void spec_progress(spec_script *s)
{
    if (s->run->report_fd >= 0)
        send_record(s->run, false, s->line, s->cmd_type, &s->counts);
}

static __attribute__((noreturn)) void child_main(spec_runner *run, const char *json_path,
                                                 int fd, pid_t parent)
{
    spec_counts c;

    /* A child must not outlive the runner (killed by CI, or by SIGPIPE
     * when its output is cut short): nobody would stop a hang then. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
        _exit(127);
    memset(&c, 0, sizeof c);
    run->report_fd = fd;
    spec_run_script(run, json_path, &c);
    send_record(run, true, 0, NULL, &c);
    close(fd);
    fflush(stdout);
    exit(0);
}

/* -- The parent side -- */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef struct watch {
    spec_record last;           /* the newest record */
    bool have, done, timed_out, bad;
} watch;

/* Reads records until EOF, a malformed record or the deadline (0 = none). */
static void watch_child(int fd, unsigned timeout, watch *w)
{
    int64_t deadline = timeout ? now_ms() + (int64_t)timeout * 1000 : 0;
    char buf[64 * sizeof(spec_record)];
    size_t have = 0;

    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int wait_ms = -1, rc;
        ssize_t n;

        if (deadline) {
            int64_t left = deadline - now_ms();
            if (left <= 0) {
                w->timed_out = true;
                return;
            }
            wait_ms = left > INT_MAX ? INT_MAX : (int)left;
        }
        rc = poll(&p, 1, wait_ms);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0)
            return;
        if (rc == 0)
            continue;           /* the deadline check above ends it */
        n = read(fd, buf + have, sizeof buf - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;             /* EOF: the child exited or died */
        have += (size_t)n;
        size_t off = 0;
        for (; have - off >= sizeof(spec_record); off += sizeof(spec_record)) {
            spec_record r;
            memcpy(&r, buf + off, sizeof r);
            if (r.magic != SPEC_RECORD_MAGIC) {
                w->bad = true;
                return;
            }
            r.cmd[sizeof r.cmd - 1] = '\0';
            w->last = r;
            w->have = true;
            w->done = r.done != 0;
        }
        memmove(buf, buf + off, have - off);
        have -= off;
    }
}

/* "dir/br_table.json" → "br_table" into buf. */
static const char *short_name(const char *json_path, char *buf, size_t size)
{
    const char *base = strrchr(json_path, '/');
    size_t n;

    base = base ? base + 1 : json_path;
    n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".json") == 0)
        n -= 5;
    snprintf(buf, size, "%.*s", (int)n, base);
    return buf;
}

void spec_run_isolated(spec_runner *run, const char *json_path)
{
    char name[256], extra[160];
    pid_t self = getpid();
    spec_counts c;
    watch w;
    int fds[2], status = 0;
    pid_t pid;

    memset(&c, 0, sizeof c);
    memset(&w, 0, sizeof w);
    short_name(json_path, name, sizeof name);
    if (pipe2(fds, O_CLOEXEC) != 0) {
        spec_fail_line(run, name, 0, NULL, "pipe: %s", strerror(errno));
        goto failed;
    }
    /* Nothing buffered may be printed twice. */
    fflush(stdout);
    fflush(stderr);
    if ((pid = fork()) < 0) {
        spec_fail_line(run, name, 0, NULL, "fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        goto failed;
    }
    if (pid == 0) {
        close(fds[0]);
        child_main(run, json_path, fds[1], self);
    }
    close(fds[1]);
    watch_child(fds[0], run->timeout, &w);
    if (w.timed_out || w.bad)
        kill(pid, SIGKILL);
    close(fds[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;

    if (w.have) {
        c = w.last.counts;
        run->fail_lines = w.last.fail_lines;
        run->fail_hidden = w.last.fail_hidden;
    }
    if (w.done && !w.timed_out && !w.bad && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        spec_print_summary(run, json_path, &c, NULL);
        return;
    }

    /* Something went wrong: one more failure, named after the command
     * the child was running (the last progress record). */
    int64_t line = w.have && !w.done ? w.last.line : 0;
    const char *cmd = w.have && !w.done ? w.last.cmd : NULL;
    spec_cat cat = w.timed_out ? SPEC_CAT_TIMEOUT : SPEC_CAT_CRASH;

    if (w.timed_out)
        snprintf(extra, sizeof extra, "timed out after %u s", run->timeout);
    else if (w.bad)
        snprintf(extra, sizeof extra, "sent a malformed progress record");
    else if (WIFSIGNALED(status))
        snprintf(extra, sizeof extra, "crashed: signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else if (WIFEXITED(status) && w.done)
        snprintf(extra, sizeof extra,
                 "exited with status %d after its last command (a sanitizer report?)",
                 WEXITSTATUS(status));
    else if (WIFEXITED(status))
        snprintf(extra, sizeof extra, "exited with status %d without a result",
                 WEXITSTATUS(status));
    else
        snprintf(extra, sizeof extra, "ended abnormally (status 0x%x)", (unsigned)status);
    spec_fail_line(run, name, line, cmd, "%s", extra);
    c.failed++;
    c.by_cat[cat]++;
    spec_print_summary(run, json_path, &c, w.timed_out ? "(timed out)" : "(crashed)");
    return;

failed:
    c.failed++;
    c.by_cat[SPEC_CAT_CRASH]++;
    spec_print_summary(run, json_path, &c, NULL);
}

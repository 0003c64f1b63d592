/* test_cache_share.c — sharing compiled code and using the cache from
 * several processes: the code memfd is sealed (no write, resize or
 * reseal) and a worker maps it read+exec; unsealed or short memfds are
 * refused; a sealed mapping (WB_LOAD_SEAL) cannot be unmapped or made
 * writable; 4 processes that got the memfd over a unix socket share its
 * pages (Pss < Rss); 4 processes that each look the module up map the
 * entry file and share its pages; code changed after parsing is refused;
 * the confined run's handoff (miss: the worker's entry stored; hit: code
 * mapped; bad worker output refused; cache off); 8 processes compiling the same module at once all
 * succeed and leave one valid entry; a read-only or full cache directory
 * still runs, with one warning. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "test_cache_harness.h"

static char *dir;

static int setup(void **state)
{
    (void)state;
    dir = tc_tmpdir();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tc_rm_rf(dir);
    free(dir);
    return 0;
}

/* An owned copy of c's artifact (an entry round trip). */
static wb_artifact *artifact_copy(const wb_compiled *c)
{
    uint8_t key[16] = { 0 }, *bytes = NULL;
    wb_artifact *a = NULL;
    size_t size = 0;
    if (wb_cache_entry_encode(key, wb_compiled_artifact(c), &bytes, &size, NULL) != WB_OK ||
        wb_cache_entry_decode(bytes, size, key, &a, NULL) != WB_OK)
        abort();
    free(bytes);
    return a;
}

static wb_compiled *compile_plain(wb_engine *e)
{
    wb_compiled *c = NULL;
    if (wb_compile(e, tc_wasm, sizeof tc_wasm, &c, NULL) != WB_OK)
        abort();
    return c;
}

/* -- The memfd -- */

static void test_memfd_sealed_and_mapped(void **state)
{
    wb_engine *e = wb_engine_new(NULL);
    wb_compiled *c = compile_plain(e), *s = NULL;
    wb_artifact *a = artifact_copy(c);
    uint8_t byte = 0x90;
    wb_diag d = { 0 };
    int fd = -1, seals;
    (void)state;

    assert_int_equal(wb_cache_code_memfd(a, &fd, &d), WB_OK);
    seals = fcntl(fd, F_GET_SEALS);
    assert_int_equal(seals, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
    assert_int_equal(pwrite(fd, &byte, 1, 0), -1);
    assert_int_equal(errno, EPERM);
    assert_int_equal(ftruncate(fd, 0), -1);
    assert_int_equal(ftruncate(fd, 1 << 20), -1);
    assert_true(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED);
    assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE), -1);
    /* The runtime maps it: the code works, its pages are the memfd's. */
    free(a->code);
    a->code = NULL;                    /* only the memfd has the code now */
    assert_int_equal(wb_cache_load_shared(e, tc_wasm, sizeof tc_wasm, a, fd, 0, &s, &d), WB_OK);
    assert_true(tc_module_works(e, s));
    assert_null(wb_compiled_artifact(s)->code);
    wb_compiled_free(s);
    close(fd);
    wb_compiled_free(c);
    wb_engine_free(e);
}

static void test_unsealed_or_short_memfd_refused(void **state)
{
    wb_engine *e = wb_engine_new(NULL);
    wb_compiled *c = compile_plain(e), *s = NULL;
    const wb_artifact *orig = wb_compiled_artifact(c);
    wb_diag d = { 0 };
    int fd;
    (void)state;

    /* Not sealed: it could change after the checks. */
    fd = memfd_create("t", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    assert_int_equal(pwrite(fd, orig->code, orig->code_size, 0), (ssize_t)orig->code_size);
    assert_int_equal(ftruncate(fd, 1 << 16), 0);
    assert_int_equal(wb_cache_load_shared(e, tc_wasm, sizeof tc_wasm, artifact_copy(c), fd, 0,
                                          &s, &d), WB_ERR_INTERNAL);
    assert_non_null(strstr(d.detail, "not sealed"));
    assert_null(s);
    close(fd);
    /* Sealed but shorter than the code. */
    fd = memfd_create("t", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    assert_int_equal(pwrite(fd, orig->code, 16, 0), 16);
    assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK), 0);
    assert_int_equal(wb_cache_load_shared(e, tc_wasm, sizeof tc_wasm, artifact_copy(c), fd, 0,
                                          &s, &d), WB_ERR_INTERNAL);
    assert_non_null(strstr(d.detail, "smaller"));
    close(fd);
    /* Sealed, but the code differs from the artifact's unwind table. */
    {
        wb_artifact *a = artifact_copy(c);
        a->code[a->eh_frame_offset + 9] ^= 0xff;
        assert_int_equal(wb_cache_code_memfd(a, &fd, &d), WB_OK);
        assert_int_equal(wb_cache_load_shared(e, tc_wasm, sizeof tc_wasm, a, fd, 0, &s, &d),
                         WB_ERR_INTERNAL);
        assert_non_null(strstr(d.detail, "eh_frame"));
        close(fd);
    }
    /* Compiled for other tunables than the engine's. */
    {
        wb_artifact *a = artifact_copy(c);
        a->tunables.fuel = !a->tunables.fuel;
        assert_int_equal(wb_cache_code_memfd(a, &fd, &d), WB_OK);
        assert_int_equal(wb_cache_load_shared(e, tc_wasm, sizeof tc_wasm, a, fd, 0, &s, &d),
                         WB_ERR_INTERNAL);
        assert_non_null(strstr(d.detail, "tunables"));
        close(fd);
    }
    wb_compiled_free(c);
    wb_engine_free(e);
}

/* In a child (the mapping stays to the process's end). */
static void test_sealed_mapping_stays(void **state)
{
    pid_t pid;
    int status;
    (void)state;

    if ((pid = fork()) == 0) {
        wb_engine *e = wb_engine_new(NULL);
        wb_compiled *c = compile_plain(e), *s = NULL;
        wb_artifact *a = artifact_copy(c);
        int fd = -1;
        if (wb_cache_code_memfd(a, &fd, NULL) != WB_OK ||
            wb_cache_load_shared(e, tc_wasm, sizeof tc_wasm, a, fd, WB_LOAD_SEAL, &s, NULL) !=
                WB_OK)
            _exit(2);
        if (!tc_module_works(e, s))
            _exit(3);
        if (munmap(s->code, s->map_size) == 0 || errno != EPERM)
            _exit(4);
        if (mprotect(s->code, s->map_size, PROT_READ | PROT_WRITE) == 0 || errno != EPERM)
            _exit(5);
        if (!tc_module_works(e, s))
            _exit(6);
        wb_compiled_free(s);       /* its munmap fails harmlessly */
        _exit(0);
    }
    assert_true(pid > 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* -- Several processes -- */

static int send_fd(int sock, int fd)
{
    char data = 'c', ctrl[CMSG_SPACE(sizeof(int))] = { 0 };
    struct iovec iov = { &data, 1 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctrl,
                          .msg_controllen = sizeof ctrl };
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof fd);
    return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
    char data, ctrl[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { &data, 1 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctrl,
                          .msg_controllen = sizeof ctrl };
    struct cmsghdr *cm;
    int fd = -1;
    if (recvmsg(sock, &msg, 0) != 1 || !(cm = CMSG_FIRSTHDR(&msg)) ||
        cm->cmsg_type != SCM_RIGHTS)
        return -1;
    memcpy(&fd, CMSG_DATA(cm), sizeof fd);
    return fd;
}

/* Rss and Pss (kB) of the mapping starting at addr in /proc/pid/smaps. */
static bool smaps_of(pid_t pid, uintptr_t addr, unsigned long *rss, unsigned long *pss)
{
    char path[64], line[512];
    bool in = false, found = false;
    FILE *f;
    snprintf(path, sizeof path, "/proc/%d/smaps", (int)pid);
    if (!(f = fopen(path, "r")))
        return false;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
            in = lo == addr;
            continue;
        }
        if (in && sscanf(line, "Rss: %lu kB", rss) == 1)
            found = true;
        if (in)
            sscanf(line, "Pss: %lu kB", pss);
    }
    fclose(f);
    return found;
}

#define NSHARE 4

/* The code mapping at addr[i] of each of the NSHARE processes: resident,
 * and charged as a share of one physical copy (Pss about Rss / NSHARE). */
static void assert_code_shared(const pid_t *pids, const uintptr_t *addr, const char *what)
{
    for (int i = 0; i < NSHARE; i++) {
        unsigned long rss = 0, pss = 0;
        assert_true(smaps_of(pids[i], addr[i], &rss, &pss));
        print_message("process %d: %s Rss %lu kB, Pss %lu kB\n", i, what, rss, pss);
        assert_true(rss > 0);
        assert_true(pss * NSHARE <= rss + NSHARE);
    }
}

/* Lets the NSHARE processes go and checks that each exited with 0. */
static void release_all(int socks[NSHARE][2], const pid_t *pids)
{
    int status;
    for (int i = 0; i < NSHARE; i++) {
        assert_int_equal(write(socks[i][0], "g", 1), 1);
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        close(socks[i][0]);
    }
}

static void test_code_pages_shared_between_processes(void **state)
{
    wb_engine *e = wb_engine_new(NULL);
    wb_compiled *c = compile_plain(e);
    wb_artifact *a = artifact_copy(c);
    int fd = -1, socks[NSHARE][2];
    pid_t pids[NSHARE];
    uintptr_t addr[NSHARE];
    (void)state;

    assert_int_equal(wb_cache_code_memfd(a, &fd, NULL), WB_OK);
    for (int i = 0; i < NSHARE; i++) {
        assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, socks[i]), 0);
        if ((pids[i] = fork()) == 0) {
            /* A worker: gets the memfd over the socket, maps it, runs the
             * code, says where the code is, waits to be looked at. */
            wb_compiled *s = NULL;
            char go;
            int code_fd;
            close(fd);
            close(socks[i][0]);
            if ((code_fd = recv_fd(socks[i][1])) < 0 ||
                wb_cache_load_shared(e, tc_wasm, sizeof tc_wasm, artifact_copy(c), code_fd,
                                     WB_LOAD_SEAL, &s, NULL) != WB_OK ||
                !tc_module_works(e, s))
                _exit(2);
            uintptr_t at = (uintptr_t)s->code;
            if (write(socks[i][1], &at, sizeof at) != sizeof at ||
                read(socks[i][1], &go, 1) != 1)
                _exit(3);
            _exit(0);
        }
        close(socks[i][1]);
        assert_int_equal(send_fd(socks[i][0], fd), 0);
    }
    for (int i = 0; i < NSHARE; i++)
        assert_int_equal(read(socks[i][0], &addr[i], sizeof addr[i]), sizeof addr[i]);
    assert_code_shared(pids, addr, "code");
    release_all(socks, pids);
    close(fd);
    wb_artifact_free(a);
    wb_compiled_free(c);
    wb_engine_free(e);
}

/* -- Sharing through the entry file -- */

/* The start of the mapping holding addr in /proc/pid/maps, and whether it
 * is a mapping of a cache entry (*.wbc). */
static bool mapping_of(pid_t pid, uintptr_t addr, uintptr_t *start, bool *entry)
{
    char path[64], line[4352];
    FILE *f;
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    if (!(f = fopen(path, "r")))
        return false;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && addr >= lo && addr < hi) {
            *start = lo;
            *entry = strstr(line, ".wbc") != NULL;
            fclose(f);
            return true;
        }
    }
    fclose(f);
    return false;
}

/* NSHARE processes that each look the module up on their own (no fd
 * passing, as separate `wasmbox run`s do) map the same entry file: its
 * code pages are in memory once. */
static void test_entry_pages_shared_between_processes(void **state)
{
    int socks[NSHARE][2];
    pid_t pids[NSHARE];
    uintptr_t addr[NSHARE];
    wb_cache_result r;
    (void)state;

    {
        wb_engine *e = tc_engine(dir, 0);
        wb_compiled *c = NULL;
        assert_int_equal(wb_cache_compile(e, tc_wasm, sizeof tc_wasm, NULL, &c, &r, NULL), WB_OK);
        assert_int_equal(r.outcome, WB_CACHE_MISS);
        wb_compiled_free(c);
        wb_engine_free(e);
    }
    for (int i = 0; i < NSHARE; i++) {
        assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, socks[i]), 0);
        if ((pids[i] = fork()) == 0) {
            wb_engine *e = tc_engine(dir, 0);
            wb_compiled *c = NULL;
            char go;
            close(socks[i][0]);
            if (wb_cache_compile(e, tc_wasm, sizeof tc_wasm, NULL, &c, &r, NULL) != WB_OK ||
                r.outcome != WB_CACHE_HIT || !tc_module_works(e, c))
                _exit(2);
            uintptr_t at = (uintptr_t)c->code;
            if (write(socks[i][1], &at, sizeof at) != sizeof at ||
                read(socks[i][1], &go, 1) != 1)
                _exit(3);
            _exit(0);
        }
        close(socks[i][1]);
    }
    for (int i = 0; i < NSHARE; i++)
        assert_int_equal(read(socks[i][0], &addr[i], sizeof addr[i]), sizeof addr[i]);
    for (int i = 0; i < NSHARE; i++) {
        uintptr_t start = 0;
        bool entry = false;
        assert_true(mapping_of(pids[i], addr[i], &start, &entry));
        assert_true(entry);                 /* mapped from the entry file */
        assert_int_equal(start, addr[i]);
    }
    assert_code_shared(pids, addr, "entry code");
    release_all(socks, pids);
}

/* An entry whose code changes after it was parsed (the owner rewrote it
 * in place): the checksum on the mapped pages refuses it. */
static void test_entry_changed_after_parse_refused(void **state)
{
    wb_engine *e = tc_engine(dir, 0);
    wb_compiled *c = NULL;
    wb_artifact *a = NULL;
    wb_cache_code code;
    wb_cache_result r;
    wb_cache *cache = NULL;
    wb_cache_opts o = { .dir = dir };
    wb_diag d = { 0 };
    uint8_t x;
    (void)state;

    assert_int_equal(wb_cache_compile(e, tc_wasm, sizeof tc_wasm, NULL, &c, &r, NULL), WB_OK);
    wb_compiled_free(c);
    c = NULL;
    assert_int_equal(wb_cache_open(&o, &cache, &d), WB_OK);
    assert_int_equal(wb_cache_get_mapped(cache, r.key, &a, &code, NULL), WB_OK);
    assert_null(a->code);
    assert_true(code.fd >= 0 && code.ref.offset % WB_CACHE_CODE_ALIGN == 0);
    {
        int wfd;
        char path[4096];
        tc_entry_path(dir, r.key, path, sizeof path);
        assert_true((wfd = open(path, O_RDWR)) >= 0);
        assert_int_equal(pread(wfd, &x, 1, (off_t)code.ref.offset + 1), 1);
        x ^= 1;
        assert_int_equal(pwrite(wfd, &x, 1, (off_t)code.ref.offset + 1), 1);
        close(wfd);
    }
    assert_int_equal(wb_cache_load_file(e, tc_wasm, sizeof tc_wasm, a, code.fd, &code.ref, 0,
                                        &c, &d), WB_ERR_INTERNAL);
    assert_null(c);
    assert_non_null(strstr(d.detail, "checksum"));
    close(code.fd);
    wb_cache_close(cache);
    wb_engine_free(e);
}

/* -- The confined run's handoff (the worker is a forked child) -- */

static wb_config *handoff_config(bool on)
{
    wb_config *cfg = wb_config_new();
    wb_config_set_cache(cfg, on);
    if (wb_config_set_cache_dir(cfg, dir) != WB_OK)
        abort();
    return cfg;
}

/* A worker: loads through the handoff, runs the module, drops the fd.
 * Exit status 0 when the module works. */
static int handoff_worker(const wb_config *cfg, wb_cache_handoff *h)
{
    pid_t pid = fork();
    int status;
    if (pid == 0) {
        wb_engine *e = wb_engine_new(cfg);
        wb_compiled *c = NULL;
        if (wb_cache_handoff_load(e, tc_wasm, sizeof tc_wasm, h, h->fd, 0, &c, NULL) != WB_OK)
            _exit(2);
        if (h->fd >= 0)
            close(h->fd);
        _exit(tc_module_works(e, c) ? 0 : 3);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

static void test_handoff_miss_then_hit(void **state)
{
    wb_config *cfg = handoff_config(true);
    tc_warnings w = { 0 };
    wb_cache_opts o = { .warn = tc_warn, .warn_arg = &w, .verbose = true };
    wb_cache_handoff h;
    int entries, tmps;
    (void)state;

    wb_cache_handoff_begin(cfg, tc_wasm, sizeof tc_wasm, &o, UINT64_MAX, &h);
    assert_int_equal(h.res.outcome, WB_CACHE_MISS);
    assert_true(h.fd >= 0);
    tc_count_files(dir, &entries, &tmps);
    assert_true(entries == 0 && tmps == 1);
    assert_int_equal(handoff_worker(cfg, &h), 0);
    wb_cache_handoff_end(&h);
    assert_true(h.res.stored);
    tc_count_files(dir, &entries, &tmps);
    assert_true(entries == 1 && tmps == 0);

    wb_cache_handoff_begin(cfg, tc_wasm, sizeof tc_wasm, &o, UINT64_MAX, &h);
    assert_int_equal(h.res.outcome, WB_CACHE_HIT);
    assert_true(h.fd >= 0 && h.a && !h.a->code);
    assert_int_equal(handoff_worker(cfg, &h), 0);
    wb_cache_handoff_end(&h);
    assert_int_equal(w.count, 0);
    wb_config_free(cfg);
}

/* What a worker leaves in the temporary file is untrusted: nothing,
 * garbage, an entry for another key, or a truncated entry are all
 * removed; an entry over the worker's file-size limit is not written. */
static void test_handoff_refuses_bad_worker_output(void **state)
{
    wb_config *cfg = handoff_config(true);
    tc_warnings w = { 0 };
    wb_cache_opts o = { .warn = tc_warn, .warn_arg = &w, .verbose = true };
    wb_cache_handoff h;
    uint8_t other[16] = { 1 }, *e = NULL;
    size_t size = 0;
    int entries, tmps;
    (void)state;

    {
        wb_engine *eng = wb_engine_new(cfg);
        wb_compiled *c = compile_plain(eng);
        assert_int_equal(wb_cache_entry_encode(other, wb_compiled_artifact(c), &e, &size, NULL),
                         WB_OK);
        wb_compiled_free(c);
        wb_engine_free(eng);
    }
    for (int kind = 0; kind < 5; kind++) {
        wb_cache_handoff_begin(cfg, tc_wasm, sizeof tc_wasm, &o, kind == 4 ? 1000 : UINT64_MAX,
                               &h);
        assert_int_equal(h.res.outcome, WB_CACHE_MISS);
        if (kind == 1)
            assert_int_equal(write(h.fd, "garbage", 7), 7);
        if (kind == 2)
            assert_int_equal(write(h.fd, e, size), (ssize_t)size);   /* another key */
        if (kind == 3) {
            /* the right key, cut short */
            wb_engine *eng = wb_engine_new(cfg);
            wb_compiled *c = compile_plain(eng);
            uint8_t *mine = NULL;
            size_t msize = 0;
            assert_int_equal(wb_cache_entry_encode(h.res.key, wb_compiled_artifact(c), &mine,
                                                   &msize, NULL), WB_OK);
            assert_int_equal(write(h.fd, mine, msize - 1), (ssize_t)(msize - 1));
            free(mine);
            wb_compiled_free(c);
            wb_engine_free(eng);
        }
        if (kind == 4)
            assert_int_equal(handoff_worker(cfg, &h), 0);   /* runs; writes nothing */
        wb_cache_handoff_end(&h);
        assert_false(h.res.stored);
        tc_count_files(dir, &entries, &tmps);
        assert_int_equal(entries, 0);
        assert_int_equal(tmps, 0);
    }
    assert_true(w.count >= 3);          /* the refusals, said under verbose */
    assert_non_null(strstr(w.last, "refused"));
    free(e);
    wb_config_free(cfg);
}

/* A cache turned off: no fd, and the worker compiles. */
static void test_handoff_off(void **state)
{
    wb_config *cfg = handoff_config(false);
    wb_cache_handoff h;
    int entries, tmps;
    (void)state;

    wb_cache_handoff_begin(cfg, tc_wasm, sizeof tc_wasm, NULL, UINT64_MAX, &h);
    assert_int_equal(h.res.outcome, WB_CACHE_OFF);
    assert_int_equal(h.fd, -1);
    assert_int_equal(handoff_worker(cfg, &h), 0);
    wb_cache_handoff_end(&h);
    tc_count_files(dir, &entries, &tmps);
    assert_true(entries == 0 && tmps == 0);
    wb_config_free(cfg);
}

#define NCONCURRENT 8

static void test_concurrent_compiles_leave_one_entry(void **state)
{
    int gate[2], status, entries, tmps;
    pid_t pids[NCONCURRENT];
    wb_cache_result r;
    (void)state;

    assert_int_equal(pipe(gate), 0);
    for (int i = 0; i < NCONCURRENT; i++) {
        if ((pids[i] = fork()) == 0) {
            wb_engine *e = tc_engine(dir, 0);
            wb_compiled *c = NULL;
            char go;
            close(gate[1]);
            if (read(gate[0], &go, 1) != 0)   /* all start when the gate closes */
                _exit(2);
            if (wb_cache_compile(e, tc_wasm, sizeof tc_wasm, NULL, &c, &r, NULL) != WB_OK)
                _exit(3);
            if (r.outcome != WB_CACHE_MISS && r.outcome != WB_CACHE_HIT)
                _exit(4);
            _exit(tc_module_works(e, c) ? 0 : 5);
        }
        assert_true(pids[i] > 0);
    }
    close(gate[0]);
    close(gate[1]);
    for (int i = 0; i < NCONCURRENT; i++) {
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    tc_count_files(dir, &entries, &tmps);
    assert_int_equal(entries, 1);
    assert_int_equal(tmps, 0);
    {
        wb_engine *e = tc_engine(dir, 0);
        wb_compiled *c = NULL;
        assert_int_equal(wb_cache_compile(e, tc_wasm, sizeof tc_wasm, NULL, &c, &r, NULL), WB_OK);
        assert_int_equal(r.outcome, WB_CACHE_HIT);
        assert_true(tc_module_works(e, c));
        wb_compiled_free(c);
        wb_engine_free(e);
    }
}

/* -- Read-only and full file systems (a private mount namespace) -- */

/* Runs fn in a child with its own mount namespace and a small tmpfs on
 * dir; skips when the kernel or our privileges do not allow it. */
static void in_mount_ns(int (*fn)(const char *), const char *opts)
{
    int p[2], status;
    char why = 0;
    pid_t pid;

    assert_int_equal(pipe(p), 0);
    if ((pid = fork()) == 0) {
        close(p[0]);
        if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
            mount("tmpfs", dir, "tmpfs", 0, opts) != 0 || chmod(dir, 0700) != 0) {
            why = 's';
            if (write(p[1], &why, 1) != 1)
                _exit(9);
            _exit(0);
        }
        close(p[1]);
        _exit(fn(dir));
    }
    close(p[1]);
    if (read(p[0], &why, 1) != 1)
        why = 0;
    close(p[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (why == 's')
        skip();
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static int readonly_child(const char *d)
{
    wb_cache_opts o = { .verbose = true, .warn = tc_warn };
    tc_warnings w = { 0 };
    wb_cache_result r;
    wb_compiled *c = NULL;
    wb_engine *e = tc_engine(d, 0);
    char sub[4096];
    size_t vs;
    uint8_t *v = tc_variant(5, &vs);

    o.warn_arg = &w;
    /* An entry stored while writable... */
    if (wb_cache_compile(e, tc_wasm, sizeof tc_wasm, &o, &c, &r, NULL) != WB_OK ||
        r.outcome != WB_CACHE_MISS || !r.stored)
        return 2;
    wb_compiled_free(c);
    if (mount(NULL, d, NULL, MS_REMOUNT | MS_RDONLY, NULL) != 0)
        return 3;
    /* ... is still a hit once read-only. */
    if (wb_cache_compile(e, tc_wasm, sizeof tc_wasm, &o, &c, &r, NULL) != WB_OK ||
        r.outcome != WB_CACHE_HIT || !tc_module_works(e, c) || w.count != 0)
        return 4;
    wb_compiled_free(c);
    /* A miss compiles and runs; storing fails with one line. */
    if (wb_cache_compile(e, v, vs, &o, &c, &r, NULL) != WB_OK || r.outcome != WB_CACHE_MISS ||
        r.stored || !tc_module_works(e, c) || w.count != 1 || !strstr(w.last, "Read-only"))
        return 5;
    wb_compiled_free(c);
    wb_engine_free(e);
    /* A directory that cannot be created: the cache is off, one line. */
    snprintf(sub, sizeof sub, "%s/new", d);
    e = tc_engine(sub, 0);
    w.count = 0;
    if (wb_cache_compile(e, v, vs, &o, &c, &r, NULL) != WB_OK || r.outcome != WB_CACHE_OFF ||
        !tc_module_works(e, c) || w.count != 1 || !strstr(w.last, "disabled"))
        return 6;
    wb_compiled_free(c);
    wb_engine_free(e);
    free(v);
    return 0;
}

static void test_readonly_cache_dir_still_runs(void **state)
{
    (void)state;
    in_mount_ns(readonly_child, "size=1m,mode=0700");
}

static int full_child(const char *d)
{
    wb_cache_opts o = { .verbose = true, .warn = tc_warn };
    tc_warnings w = { 0 };
    wb_cache_result r;
    wb_compiled *c = NULL;
    wb_engine *e = tc_engine(d, 0);
    char filler[4096];
    static char block[4096];
    int fd, entries, tmps;

    o.warn_arg = &w;
    /* Fill the file system. */
    snprintf(filler, sizeof filler, "%s/filler", d);
    fd = open(filler, O_WRONLY | O_CREAT, 0600);
    while (write(fd, block, sizeof block) > 0)
        ;
    close(fd);
    if (wb_cache_compile(e, tc_wasm, sizeof tc_wasm, &o, &c, &r, NULL) != WB_OK ||
        r.outcome != WB_CACHE_MISS || r.stored || !tc_module_works(e, c) || w.count != 1 ||
        !strstr(w.last, "No space"))
        return 2;
    wb_compiled_free(c);
    tc_count_files(d, &entries, &tmps);
    if (entries != 0 || tmps != 0)
        return 3;                      /* nothing half-written is left */
    /* Room again: the next run stores. */
    unlink(filler);
    if (wb_cache_compile(e, tc_wasm, sizeof tc_wasm, &o, &c, &r, NULL) != WB_OK ||
        r.outcome != WB_CACHE_MISS || !r.stored)
        return 4;
    wb_compiled_free(c);
    wb_engine_free(e);
    return 0;
}

static void test_full_disk_still_runs(void **state)
{
    (void)state;
    in_mount_ns(full_child, "size=64k,mode=0700");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memfd_sealed_and_mapped),
        cmocka_unit_test(test_unsealed_or_short_memfd_refused),
        cmocka_unit_test(test_sealed_mapping_stays),
        cmocka_unit_test(test_code_pages_shared_between_processes),
        cmocka_unit_test_setup_teardown(test_entry_pages_shared_between_processes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_entry_changed_after_parse_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_handoff_miss_then_hit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handoff_refuses_bad_worker_output, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_handoff_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_compiles_leave_one_entry, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_readonly_cache_dir_still_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_disk_still_runs, setup, teardown),
    };
    tc_signals_capture();
    return cmocka_run_group_tests(tests, NULL, NULL);
}

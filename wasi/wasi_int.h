/* wasi_int.h — private to wasi/: the WASI context and its fd table, the
 * call context every host function receives, guest-memory access, and the
 * one table of WASI functions with their signatures.
 *
 * The recipe of every WASI function (STYLE.md 15): decode arguments;
 * bounds-check every guest pointer and length in 64-bit arithmetic
 * (wasi_mem_ok) before any side effect; translate the guest fd through the
 * per-instance table (wasi_fd_get: guest fds are never host fds); never
 * size host stack arrays from guest values; map host errno through one
 * table (wasi_errno). */
#ifndef WB_WASI_INT_H
#define WB_WASI_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "wasi/wasi.h"
#include "wasi/wasi_abi.h"

/* -- Limits (override with -D) -- */
#ifndef WB_WASI_MAX_FDS
#define WB_WASI_MAX_FDS    4096u     /* guest fd table entries */
#endif
#ifndef WB_WASI_PATH_MAX
#define WB_WASI_PATH_MAX   4096u     /* bytes of one guest path */
#endif
#ifndef WB_WASI_MAX_IOVS
#define WB_WASI_MAX_IOVS   1024u     /* iovecs used per read/write (more: short I/O) */
#endif
#ifndef WB_WASI_MAX_POLL
#define WB_WASI_MAX_POLL   65536u    /* subscriptions in one poll_oneoff */
#endif
#define WB_WASI_DIRBUF     32768u    /* getdents64 scratch buffer */
#ifndef WB_WASI_MAX_DIRCOOKIES
#define WB_WASI_MAX_DIRCOOKIES (1u << 22) /* distinct entries fd_readdir names per fd */
#endif

/* -- Rights sets -- */
#define WASI_RIGHTS_FILE_COMMON                                                           \
    (WASI_RIGHT_FD_SEEK | WASI_RIGHT_FD_TELL | WASI_RIGHT_FD_ADVISE |                     \
     WASI_RIGHT_FD_FILESTAT_GET | WASI_RIGHT_FD_FDSTAT_SET_FLAGS |                        \
     WASI_RIGHT_POLL_FD_READWRITE | WASI_RIGHT_FD_SYNC)
#define WASI_RIGHTS_FILE_READ  WASI_RIGHT_FD_READ
#define WASI_RIGHTS_FILE_WRITE                                                            \
    (WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_DATASYNC | WASI_RIGHT_FD_ALLOCATE |              \
     WASI_RIGHT_FD_FILESTAT_SET_SIZE | WASI_RIGHT_FD_FILESTAT_SET_TIMES)
#define WASI_RIGHTS_FILE                                                                  \
    (WASI_RIGHTS_FILE_COMMON | WASI_RIGHTS_FILE_READ | WASI_RIGHTS_FILE_WRITE)
#define WASI_RIGHTS_DIR_READ                                                              \
    (WASI_RIGHT_PATH_OPEN | WASI_RIGHT_FD_READDIR | WASI_RIGHT_PATH_READLINK |            \
     WASI_RIGHT_PATH_FILESTAT_GET | WASI_RIGHT_FD_FILESTAT_GET |                          \
     WASI_RIGHT_FD_FDSTAT_SET_FLAGS | WASI_RIGHT_FD_SYNC | WASI_RIGHT_FD_ADVISE)
/* Everything that changes a directory or what is below it. LINK_SOURCE and
 * RENAME_SOURCE are here too: a hard link or a move out of a read-only
 * tree would make its files writable elsewhere. */
#define WASI_RIGHTS_DIR_WRITE                                                             \
    (WASI_RIGHT_PATH_CREATE_DIRECTORY | WASI_RIGHT_PATH_CREATE_FILE |                     \
     WASI_RIGHT_PATH_LINK_SOURCE | WASI_RIGHT_PATH_LINK_TARGET |                          \
     WASI_RIGHT_PATH_RENAME_SOURCE | WASI_RIGHT_PATH_RENAME_TARGET |                      \
     WASI_RIGHT_PATH_FILESTAT_SET_SIZE | WASI_RIGHT_PATH_FILESTAT_SET_TIMES |             \
     WASI_RIGHT_FD_FILESTAT_SET_TIMES | WASI_RIGHT_PATH_SYMLINK |                         \
     WASI_RIGHT_PATH_REMOVE_DIRECTORY | WASI_RIGHT_PATH_UNLINK_FILE |                     \
     WASI_RIGHT_FD_DATASYNC)
#define WASI_RIGHTS_DIR (WASI_RIGHTS_DIR_READ | WASI_RIGHTS_DIR_WRITE)
#define WASI_RIGHTS_SOCK                                                                  \
    (WASI_RIGHT_FD_READ | WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_FDSTAT_SET_FLAGS |          \
     WASI_RIGHT_FD_FILESTAT_GET | WASI_RIGHT_POLL_FD_READWRITE |                          \
     WASI_RIGHT_SOCK_SHUTDOWN | WASI_RIGHT_SOCK_ACCEPT)
/* What a read-only tree may ever hold: no right that writes. */
#define WASI_RIGHTS_RO_MASK                                                               \
    (WASI_RIGHTS_DIR_READ | WASI_RIGHTS_FILE_COMMON | WASI_RIGHTS_FILE_READ)

/* -- The fd table -- */

typedef struct wasi_fd {
    int host;               /* host fd; -1 = free slot */
    bool owned;             /* opened by us: closed on fd_close (config fds are borrowed) */
    bool ro;                /* below a read-only preopen: never writable */
    bool rsync;             /* RSYNC requested (Linux folds it into O_SYNC) */
    uint8_t type;           /* WASI_FILETYPE_* */
    uint64_t base;          /* rights for operations on this fd */
    uint64_t inheriting;    /* rights for fds opened through it */
    char *preopen;          /* guest name of a preopen (owned), else NULL */
    uint32_t preopen_len;
    struct wasi_dircookies *cookies; /* fd_readdir's cookie table (owned), or NULL */
} wasi_fd;

typedef struct wasi_fn wasi_fn;

struct wb_wasi {
    wasi_fd *fds;           /* owned */
    uint32_t nfds;          /* slots in use: highest open fd + 1 */
    uint32_t cap;
    char *args;             /* argc NUL-terminated strings, back to back (owned) */
    uint32_t argc, args_size;
    char *env;              /* envc "K=V\0" strings (owned) */
    uint32_t envc, env_size;
    uint8_t *dirbuf;        /* WB_WASI_DIRBUF bytes for getdents64 (owned) */
    void *poll_scratch;     /* grown by poll_oneoff (owned) */
    size_t poll_scratch_size;
    struct wasi_binding *bindings; /* one per table row: env of its host function */
    int stderr_host;        /* the configured stdio[2] (-1: none) */
    bool interruptible;     /* wb_wasi_config.interruptible */
    bool stderr_midline;    /* its last byte written by the guest was not '\n' */
};

/* What a host function sees: the context and the caller's memory. */
typedef struct wasi_call {
    wb_wasi *w;
    wb_caller *caller;      /* the calling store (deadlines); NULL in unit tests */
    uint8_t *mem;           /* guest memory base; NULL if the module has none */
    uint64_t size;          /* guest memory size in bytes */
    bool exiting;           /* set by proc_exit */
    uint32_t exit_code;
    wb_err trap;            /* set by a wait the store's deadline cut short */
} wasi_call;

/* -- Guest memory: every access goes through these -- */

/* True if [ptr, ptr+len) lies inside guest memory (no overflow: 64-bit). */
static inline bool wasi_mem_ok(const wasi_call *c, uint64_t ptr, uint64_t len)
{
    return ptr <= c->size && len <= c->size - ptr;
}
/* Checked: count elements of elem bytes each at ptr. */
static inline bool wasi_mem_array_ok(const wasi_call *c, uint64_t ptr, uint64_t count,
                                     uint64_t elem)
{
    return count <= (UINT64_C(1) << 32) && wasi_mem_ok(c, ptr, count * elem);
}
static inline uint8_t *wasi_mem(const wasi_call *c, uint64_t ptr) { return c->mem + ptr; }

/* Little-endian loads and stores (x86-64 is little-endian; memcpy keeps
 * unaligned guest addresses defined). Callers check bounds first. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "little-endian host");
static inline void wasi_put8(uint8_t *p, uint8_t v) { *p = v; }
static inline void wasi_put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void wasi_put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void wasi_put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static inline uint16_t wasi_get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t wasi_get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t wasi_get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* Arguments as the witx types: wasm i32 -> u32, i64 -> u64. */
static inline uint32_t wasi_arg32(const wb_val *a, int i) { return (uint32_t)a[i].of.i32; }
static inline uint64_t wasi_arg64(const wb_val *a, int i) { return (uint64_t)a[i].of.i64; }

/* -- Shared helpers -- */

/* wasi_errno.c: the host errno -> WASI errno table (unknown: ERRNO_IO). */
uint16_t wasi_errno(int host_errno);
const char *wasi_errno_name(uint16_t e);  /* "NOTCAPABLE"; for tests and messages */

/* wasi_table.c: looks up guest fd `fd` with rights `need` (all of them in
 * its base rights): ERRNO_BADF if not open, ERRNO_NOTCAPABLE if missing. */
uint16_t wasi_fd_get(wb_wasi *w, uint32_t fd, uint64_t need, wasi_fd **out);
/* Installs an owned host fd in the lowest free slot; *guest gets its
 * number. ERRNO_MFILE when the table is full (host fd closed then). */
uint16_t wasi_fd_install(wb_wasi *w, int host, uint8_t type, uint64_t base,
                         uint64_t inheriting, bool ro, uint32_t *guest);
void wasi_fd_release(wasi_fd *f);         /* closes if owned, frees the slot */
void wasi_dircookies_free(struct wasi_dircookies *dc);   /* wasi_fd.c */
/* The WASI file type of a host file. */
uint8_t wasi_filetype_of_mode(unsigned mode);
uint8_t wasi_filetype_of_fd(int host);
/* Fills a 64-byte filestat at p from struct stat. */
void wasi_put_filestat(uint8_t *p, const struct stat *st);
/* Timestamps: ns since the epoch -> timespec per fst_flags; ERRNO_INVAL
 * for ATIM with ATIM_NOW (or MTIM with MTIM_NOW) or unknown bits. */
uint16_t wasi_times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2]);

/* wasi_clock.c: waiting that honours the calling store's deadline (the
 * time limit): the wait looks at it every WB_POLL_SLICE_NS and on a signal,
 * so a guest blocked on stdin, a pipe or a socket is stopped like a loop,
 * with its wasm backtrace. Both return a WASI errno; when the deadline is
 * reached they set c->trap (WB_ERR_TRAP_INTERRUPTED), which the host
 * function returns, and give WASI_ERRNO_INTR (never seen by the guest).
 * wasi_poll is ppoll with timeout_ns (-1: none), *nready as ppoll's.
 * wasi_wait_fd, before a transfer that may block: when the context is
 * interruptible, waits until the host fd of f has `events` (POLLIN,
 * POLLOUT) or an error or hangup, for the kinds of files whose I/O can
 * block (pipes, terminals, sockets; not regular files, directories or
 * block devices, nor fds in non-blocking mode); else returns at once.
 * wasi_check, after EINTR: the deadline, without waiting. */
struct pollfd;
uint16_t wasi_poll(wasi_call *c, struct pollfd *fds, uint32_t n, int64_t timeout_ns,
                   int *nready);
uint16_t wasi_wait_fd(wasi_call *c, const wasi_fd *f, short events);
uint16_t wasi_check(wasi_call *c);

/* -- The function table: X(name, "params:results"), i = i32, I = i64 -- */
#define WASI_FUNCS(X)                                                                    \
    X(args_get, "ii:i")                X(args_sizes_get, "ii:i")                          \
    X(environ_get, "ii:i")             X(environ_sizes_get, "ii:i")                       \
    X(clock_res_get, "ii:i")           X(clock_time_get, "iIi:i")                         \
    X(fd_advise, "iIIi:i")             X(fd_allocate, "iII:i")                            \
    X(fd_close, "i:i")                 X(fd_datasync, "i:i")                              \
    X(fd_fdstat_get, "ii:i")           X(fd_fdstat_set_flags, "ii:i")                     \
    X(fd_fdstat_set_rights, "iII:i")   X(fd_filestat_get, "ii:i")                         \
    X(fd_filestat_set_size, "iI:i")    X(fd_filestat_set_times, "iIIi:i")                 \
    X(fd_pread, "iiiIi:i")             X(fd_prestat_get, "ii:i")                          \
    X(fd_prestat_dir_name, "iii:i")    X(fd_pwrite, "iiiIi:i")                            \
    X(fd_read, "iiii:i")               X(fd_readdir, "iiiIi:i")                           \
    X(fd_renumber, "ii:i")             X(fd_seek, "iIii:i")                               \
    X(fd_sync, "i:i")                  X(fd_tell, "ii:i")                                 \
    X(fd_write, "iiii:i")              X(path_create_directory, "iii:i")                  \
    X(path_filestat_get, "iiiii:i")    X(path_filestat_set_times, "iiiiIIi:i")            \
    X(path_link, "iiiiiii:i")          X(path_open, "iiiiiIIii:i")                        \
    X(path_readlink, "iiiiii:i")       X(path_remove_directory, "iii:i")                  \
    X(path_rename, "iiiiii:i")         X(path_symlink, "iiiii:i")                         \
    X(path_unlink_file, "iii:i")       X(poll_oneoff, "iiii:i")                           \
    X(proc_exit, "i:")                 X(proc_raise, "i:i")                               \
    X(sched_yield, ":i")               X(random_get, "ii:i")                              \
    X(sock_accept, "iii:i")            X(sock_recv, "iiiiii:i")                           \
    X(sock_send, "iiiii:i")            X(sock_shutdown, "ii:i")

/* Each returns the WASI errno (ignored for functions without a result). */
typedef uint16_t (*wasi_impl)(wasi_call *c, const wb_val *a);
#define WASI_DECLARE(name, sig) uint16_t wb_wasi_##name(wasi_call *c, const wb_val *a);
WASI_FUNCS(WASI_DECLARE)
#undef WASI_DECLARE

struct wasi_fn {
    const char *name;
    const char *sig;
    wasi_impl impl;
};

/* wasi_link.c: the table, a lookup by name (NULL if unknown), and the call
 * every host function makes: runs fn with memory [mem, mem+size). */
extern const wasi_fn wasi_fns[];
extern const uint32_t wasi_nfns;
const wasi_fn *wasi_fn_find(const char *name, size_t len);
uint16_t wasi_invoke(wb_wasi *w, const wasi_fn *fn, uint8_t *mem, uint64_t size,
                     const wb_val *args, bool *exiting, uint32_t *exit_code);

#endif

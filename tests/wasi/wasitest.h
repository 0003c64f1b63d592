/* wasitest.h — helpers of the WASI test programs (built with clang
 * --target=wasm32-wasi): print the outcome of a raw WASI call as one line,
 * "what: ERRNO" or "what: ok", so the runner can compare outputs exactly.
 *
 * Preopens in every test: fd 3 is ".", the test's own directory (read-
 * write); some tests also get fd 4, "ro", read-only. */
#ifndef WASITEST_H
#define WASITEST_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

static const char *const wt_errnames[] = {
    "ok", "2BIG", "ACCES", "ADDRINUSE", "ADDRNOTAVAIL", "AFNOSUPPORT", "AGAIN", "ALREADY",
    "BADF", "BADMSG", "BUSY", "CANCELED", "CHILD", "CONNABORTED", "CONNREFUSED",
    "CONNRESET", "DEADLK", "DESTADDRREQ", "DOM", "DQUOT", "EXIST", "FAULT", "FBIG",
    "HOSTUNREACH", "IDRM", "ILSEQ", "INPROGRESS", "INTR", "INVAL", "IO", "ISCONN", "ISDIR",
    "LOOP", "MFILE", "MLINK", "MSGSIZE", "MULTIHOP", "NAMETOOLONG", "NETDOWN", "NETRESET",
    "NETUNREACH", "NFILE", "NOBUFS", "NODEV", "NOENT", "NOEXEC", "NOLCK", "NOLINK", "NOMEM",
    "NOMSG", "NOPROTOOPT", "NOSPC", "NOSYS", "NOTCONN", "NOTDIR", "NOTEMPTY",
    "NOTRECOVERABLE", "NOTSOCK", "NOTSUP", "NOTTY", "NXIO", "OVERFLOW", "OWNERDEAD", "PERM",
    "PIPE", "PROTO", "PROTONOSUPPORT", "PROTOTYPE", "RANGE", "ROFS", "SPIPE", "SRCH", "STALE",
    "TIMEDOUT", "TXTBSY", "XDEV", "NOTCAPABLE",
};

static inline const char *wt_err(unsigned e)
{
    return e < sizeof(wt_errnames) / sizeof(wt_errnames[0]) ? wt_errnames[e] : "?";
}

/* Prints "what: ERRNO" and returns e. */
static inline unsigned wt_show(const char *what, unsigned e)
{
    printf("%s: %s\n", what, wt_err(e));
    return e;
}

#define SHOW(expr) wt_show(#expr, (expr))

/* Raw calls with guest strings (length from strlen). */
static inline __wasi_errno_t wt_open(__wasi_fd_t dir, __wasi_lookupflags_t lk, const char *p,
                                     __wasi_oflags_t of, __wasi_rights_t base,
                                     __wasi_fdflags_t ff, __wasi_fd_t *fd)
{
    return __wasi_path_open(dir, lk, p, of, base, base, ff, fd);
}

/* Rights wasi-libc asks for when reading / reading and writing. */
#define WT_READ (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL | \
                 __WASI_RIGHTS_FD_FILESTAT_GET | __WASI_RIGHTS_FD_READDIR |              \
                 __WASI_RIGHTS_POLL_FD_READWRITE)
#define WT_RW (WT_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_FILESTAT_SET_SIZE |    \
               __WASI_RIGHTS_FD_ALLOCATE | __WASI_RIGHTS_FD_DATASYNC | __WASI_RIGHTS_FD_SYNC | \
               __WASI_RIGHTS_FD_FILESTAT_SET_TIMES | __WASI_RIGHTS_FD_ADVISE |           \
               __WASI_RIGHTS_FD_FDSTAT_SET_FLAGS)

/* Raw imports taking (pointer, length) for strings, for bad strings that
 * the wasi-libc wrappers (which call strlen) cannot pass. */
__attribute__((import_module("wasi_snapshot_preview1"), import_name("path_create_directory")))
uint16_t wt_raw_mkdir(uint32_t fd, uint32_t path, uint32_t len);
__attribute__((import_module("wasi_snapshot_preview1"), import_name("path_open")))
uint16_t wt_raw_open(uint32_t fd, uint32_t lookup, uint32_t path, uint32_t len, uint32_t oflags,
                     uint64_t base, uint64_t inheriting, uint32_t fdflags, uint32_t ret);
#define WT_P(x) ((uint32_t)(uintptr_t)(x))

/* A guest pointer past the end of memory (and one that wraps in 32 bits). */
#define WT_BAD_PTR ((void *)(uintptr_t)0xfffffff0u)

#endif

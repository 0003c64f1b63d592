/* wasi_abi.h — the wasi_snapshot_preview1 ABI as the guest sees it: codes,
 * flags, rights, and the byte layout of every structure in guest memory
 * (little-endian, offsets from the witx definitions). Private to wasi/. */
#ifndef WB_WASI_ABI_H
#define WB_WASI_ABI_H

#include <errno.h>
#include <stdint.h>

/* -- errno: the one table. X(NAME, wasi code, host errno) --
 * A negative host errno means none (each a distinct value, so the table
 * can expand into a switch). Host errnos without a row map to
 * WASI_ERRNO_IO (wasi_errno.c). */
#define WASI_ERRNOS(X)                                                                   \
    X(SUCCESS, 0, -1)           X(2BIG, 1, E2BIG)           X(ACCES, 2, EACCES)         \
    X(ADDRINUSE, 3, EADDRINUSE) X(ADDRNOTAVAIL, 4, EADDRNOTAVAIL)                       \
    X(AFNOSUPPORT, 5, EAFNOSUPPORT) X(AGAIN, 6, EAGAIN)     X(ALREADY, 7, EALREADY)     \
    X(BADF, 8, EBADF)           X(BADMSG, 9, EBADMSG)       X(BUSY, 10, EBUSY)          \
    X(CANCELED, 11, ECANCELED)  X(CHILD, 12, ECHILD)        X(CONNABORTED, 13, ECONNABORTED) \
    X(CONNREFUSED, 14, ECONNREFUSED) X(CONNRESET, 15, ECONNRESET)                       \
    X(DEADLK, 16, EDEADLK)      X(DESTADDRREQ, 17, EDESTADDRREQ) X(DOM, 18, EDOM)       \
    X(DQUOT, 19, EDQUOT)        X(EXIST, 20, EEXIST)        X(FAULT, 21, EFAULT)        \
    X(FBIG, 22, EFBIG)          X(HOSTUNREACH, 23, EHOSTUNREACH) X(IDRM, 24, EIDRM)     \
    X(ILSEQ, 25, EILSEQ)        X(INPROGRESS, 26, EINPROGRESS) X(INTR, 27, EINTR)       \
    X(INVAL, 28, EINVAL)        X(IO, 29, EIO)              X(ISCONN, 30, EISCONN)      \
    X(ISDIR, 31, EISDIR)        X(LOOP, 32, ELOOP)          X(MFILE, 33, EMFILE)        \
    X(MLINK, 34, EMLINK)        X(MSGSIZE, 35, EMSGSIZE)    X(MULTIHOP, 36, EMULTIHOP)  \
    X(NAMETOOLONG, 37, ENAMETOOLONG) X(NETDOWN, 38, ENETDOWN) X(NETRESET, 39, ENETRESET) \
    X(NETUNREACH, 40, ENETUNREACH) X(NFILE, 41, ENFILE)     X(NOBUFS, 42, ENOBUFS)      \
    X(NODEV, 43, ENODEV)        X(NOENT, 44, ENOENT)        X(NOEXEC, 45, ENOEXEC)      \
    X(NOLCK, 46, ENOLCK)        X(NOLINK, 47, ENOLINK)      X(NOMEM, 48, ENOMEM)        \
    X(NOMSG, 49, ENOMSG)        X(NOPROTOOPT, 50, ENOPROTOOPT) X(NOSPC, 51, ENOSPC)     \
    X(NOSYS, 52, ENOSYS)        X(NOTCONN, 53, ENOTCONN)    X(NOTDIR, 54, ENOTDIR)      \
    X(NOTEMPTY, 55, ENOTEMPTY)  X(NOTRECOVERABLE, 56, ENOTRECOVERABLE)                  \
    X(NOTSOCK, 57, ENOTSOCK)    X(NOTSUP, 58, EOPNOTSUPP)   X(NOTTY, 59, ENOTTY)        \
    X(NXIO, 60, ENXIO)          X(OVERFLOW, 61, EOVERFLOW)  X(OWNERDEAD, 62, EOWNERDEAD) \
    X(PERM, 63, EPERM)          X(PIPE, 64, EPIPE)          X(PROTO, 65, EPROTO)        \
    X(PROTONOSUPPORT, 66, EPROTONOSUPPORT) X(PROTOTYPE, 67, EPROTOTYPE)                 \
    X(RANGE, 68, ERANGE)        X(ROFS, 69, EROFS)          X(SPIPE, 70, ESPIPE)        \
    X(SRCH, 71, ESRCH)          X(STALE, 72, ESTALE)        X(TIMEDOUT, 73, ETIMEDOUT)  \
    X(TXTBSY, 74, ETXTBSY)      X(XDEV, 75, EXDEV)          X(NOTCAPABLE, 76, -2)

enum {
#define WASI_ERRNO_ENUM(name, code, host) WASI_ERRNO_##name = code,
    WASI_ERRNOS(WASI_ERRNO_ENUM)
#undef WASI_ERRNO_ENUM
};

/* -- Rights (u64) -- */
#define WASI_RIGHT_FD_DATASYNC             (UINT64_C(1) << 0)
#define WASI_RIGHT_FD_READ                 (UINT64_C(1) << 1)
#define WASI_RIGHT_FD_SEEK                 (UINT64_C(1) << 2)
#define WASI_RIGHT_FD_FDSTAT_SET_FLAGS     (UINT64_C(1) << 3)
#define WASI_RIGHT_FD_SYNC                 (UINT64_C(1) << 4)
#define WASI_RIGHT_FD_TELL                 (UINT64_C(1) << 5)
#define WASI_RIGHT_FD_WRITE                (UINT64_C(1) << 6)
#define WASI_RIGHT_FD_ADVISE               (UINT64_C(1) << 7)
#define WASI_RIGHT_FD_ALLOCATE             (UINT64_C(1) << 8)
#define WASI_RIGHT_PATH_CREATE_DIRECTORY   (UINT64_C(1) << 9)
#define WASI_RIGHT_PATH_CREATE_FILE        (UINT64_C(1) << 10)
#define WASI_RIGHT_PATH_LINK_SOURCE        (UINT64_C(1) << 11)
#define WASI_RIGHT_PATH_LINK_TARGET        (UINT64_C(1) << 12)
#define WASI_RIGHT_PATH_OPEN               (UINT64_C(1) << 13)
#define WASI_RIGHT_FD_READDIR              (UINT64_C(1) << 14)
#define WASI_RIGHT_PATH_READLINK           (UINT64_C(1) << 15)
#define WASI_RIGHT_PATH_RENAME_SOURCE      (UINT64_C(1) << 16)
#define WASI_RIGHT_PATH_RENAME_TARGET      (UINT64_C(1) << 17)
#define WASI_RIGHT_PATH_FILESTAT_GET       (UINT64_C(1) << 18)
#define WASI_RIGHT_PATH_FILESTAT_SET_SIZE  (UINT64_C(1) << 19)
#define WASI_RIGHT_PATH_FILESTAT_SET_TIMES (UINT64_C(1) << 20)
#define WASI_RIGHT_FD_FILESTAT_GET         (UINT64_C(1) << 21)
#define WASI_RIGHT_FD_FILESTAT_SET_SIZE    (UINT64_C(1) << 22)
#define WASI_RIGHT_FD_FILESTAT_SET_TIMES   (UINT64_C(1) << 23)
#define WASI_RIGHT_PATH_SYMLINK            (UINT64_C(1) << 24)
#define WASI_RIGHT_PATH_REMOVE_DIRECTORY   (UINT64_C(1) << 25)
#define WASI_RIGHT_PATH_UNLINK_FILE        (UINT64_C(1) << 26)
#define WASI_RIGHT_POLL_FD_READWRITE       (UINT64_C(1) << 27)
#define WASI_RIGHT_SOCK_SHUTDOWN           (UINT64_C(1) << 28)
#define WASI_RIGHT_SOCK_ACCEPT             (UINT64_C(1) << 29)
#define WASI_RIGHTS_ALL                    ((UINT64_C(1) << 30) - 1)

/* -- Small enums and flags -- */
#define WASI_CLOCK_REALTIME          0
#define WASI_CLOCK_MONOTONIC         1
#define WASI_CLOCK_PROCESS_CPUTIME   2
#define WASI_CLOCK_THREAD_CPUTIME    3

#define WASI_FILETYPE_UNKNOWN        0
#define WASI_FILETYPE_BLOCK_DEVICE   1
#define WASI_FILETYPE_CHARACTER_DEVICE 2
#define WASI_FILETYPE_DIRECTORY      3
#define WASI_FILETYPE_REGULAR_FILE   4
#define WASI_FILETYPE_SOCKET_DGRAM   5
#define WASI_FILETYPE_SOCKET_STREAM  6
#define WASI_FILETYPE_SYMBOLIC_LINK  7

#define WASI_WHENCE_SET 0
#define WASI_WHENCE_CUR 1
#define WASI_WHENCE_END 2

#define WASI_ADVICE_NORMAL     0
#define WASI_ADVICE_SEQUENTIAL 1
#define WASI_ADVICE_RANDOM     2
#define WASI_ADVICE_WILLNEED   3
#define WASI_ADVICE_DONTNEED   4
#define WASI_ADVICE_NOREUSE    5

#define WASI_FDFLAG_APPEND   (1u << 0)
#define WASI_FDFLAG_DSYNC    (1u << 1)
#define WASI_FDFLAG_NONBLOCK (1u << 2)
#define WASI_FDFLAG_RSYNC    (1u << 3)
#define WASI_FDFLAG_SYNC     (1u << 4)
#define WASI_FDFLAGS_ALL     0x1fu

#define WASI_FSTFLAG_ATIM     (1u << 0)
#define WASI_FSTFLAG_ATIM_NOW (1u << 1)
#define WASI_FSTFLAG_MTIM     (1u << 2)
#define WASI_FSTFLAG_MTIM_NOW (1u << 3)

#define WASI_LOOKUP_SYMLINK_FOLLOW (1u << 0)

#define WASI_OFLAG_CREAT     (1u << 0)
#define WASI_OFLAG_DIRECTORY (1u << 1)
#define WASI_OFLAG_EXCL      (1u << 2)
#define WASI_OFLAG_TRUNC     (1u << 3)
#define WASI_OFLAGS_ALL      0xfu

#define WASI_EVENTTYPE_CLOCK    0
#define WASI_EVENTTYPE_FD_READ  1
#define WASI_EVENTTYPE_FD_WRITE 2
#define WASI_EVENT_FD_READWRITE_HANGUP (1u << 0)
#define WASI_SUBCLOCK_ABSTIME  (1u << 0)

#define WASI_RIFLAG_RECV_PEEK    (1u << 0)
#define WASI_RIFLAG_RECV_WAITALL (1u << 1)
#define WASI_SDFLAG_RD (1u << 0)
#define WASI_SDFLAG_WR (1u << 1)

#define WASI_PREOPENTYPE_DIR 0

/* -- Layouts in guest memory (byte offsets) --
 *
 * iovec / ciovec (8):      buf u32 @0, buf_len u32 @4
 * dirent (24, name after): d_next u64 @0, d_ino u64 @8, d_namlen u32 @16,
 *                          d_type u8 @20
 * fdstat (24):             fs_filetype u8 @0, fs_flags u16 @2,
 *                          fs_rights_base u64 @8, fs_rights_inheriting u64 @16
 * filestat (64):           dev @0, ino @8, filetype u8 @16, nlink @24,
 *                          size @32, atim @40, mtim @48, ctim @56 (u64s)
 * prestat (8):             tag u8 @0, pr_name_len u32 @4
 * subscription (48):       userdata u64 @0, tag u8 @8, then at @16 either
 *                          clock {id u32 @16, timeout u64 @24, precision
 *                          u64 @32, flags u16 @40} or fd {fd u32 @16}
 * event (32):              userdata u64 @0, error u16 @8, type u8 @10,
 *                          nbytes u64 @16, flags u16 @24 */
#define WASI_IOVEC_SIZE        8
#define WASI_DIRENT_SIZE       24
#define WASI_FDSTAT_SIZE       24
#define WASI_FILESTAT_SIZE     64
#define WASI_PRESTAT_SIZE      8
#define WASI_SUBSCRIPTION_SIZE 48
#define WASI_EVENT_SIZE        32

#endif

/* wasi_sock.c — sockets the guest was given (inherited fds): sock_accept,
 * sock_recv, sock_send, sock_shutdown. Only accept4, recvfrom, sendto and
 * shutdown are used (the worker's allowlist for granted sockets). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wasi/wasi_int.h"

static bool is_socket(const wasi_fd *f)
{
    return f->type == WASI_FILETYPE_SOCKET_STREAM || f->type == WASI_FILETYPE_SOCKET_DGRAM;
}

uint16_t wb_wasi_sock_accept(wasi_call *c, const wb_val *a)
{
    uint32_t flags = wasi_arg32(a, 1), ret = wasi_arg32(a, 2), guest;
    wasi_fd *f;
    uint16_t e;
    int h;

    if (!wasi_mem_ok(c, ret, 4))
        return WASI_ERRNO_FAULT;
    if ((e = wasi_fd_get(c->w, wasi_arg32(a, 0), WASI_RIGHT_SOCK_ACCEPT, &f)))
        return e;
    if (flags & ~WASI_FDFLAG_NONBLOCK)
        return WASI_ERRNO_INVAL;
    if (!is_socket(f))
        return WASI_ERRNO_NOTSOCK;
    do {
        if ((e = wasi_wait_fd(c, f, POLLIN)))
            return e;
        h = accept4(f->host, NULL, NULL,
                    SOCK_CLOEXEC | ((flags & WASI_FDFLAG_NONBLOCK) ? SOCK_NONBLOCK : 0));
    } while (h < 0 && errno == EINTR && !(e = wasi_check(c)));
    if (e)
        return e;
    if (h < 0)
        return wasi_errno(errno);
    if ((e = wasi_fd_install(c->w, h, f->type,
                             WASI_RIGHTS_SOCK & ~(uint64_t)WASI_RIGHT_SOCK_ACCEPT, 0, false,
                             &guest)))
        return e;
    wasi_put32(wasi_mem(c, ret), guest);
    return WASI_ERRNO_SUCCESS;
}

/* The first non-empty buffer of a guest iovec array, after checking all
 * of them (recvfrom/sendto take one buffer: fewer bytes is a legal short
 * transfer). */
static uint16_t first_buffer(wasi_call *c, uint32_t ptr, uint32_t count, uint8_t **buf,
                             uint32_t *len)
{
    *buf = NULL;
    *len = 0;
    if (!wasi_mem_array_ok(c, ptr, count, WASI_IOVEC_SIZE))
        return WASI_ERRNO_FAULT;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *p = wasi_mem(c, ptr + (uint64_t)i * WASI_IOVEC_SIZE);
        uint32_t b = wasi_get32(p), l = wasi_get32(p + 4);
        if (!wasi_mem_ok(c, b, l))
            return WASI_ERRNO_FAULT;
        if (l && !*buf) {
            *buf = wasi_mem(c, b);
            *len = l;
        }
    }
    return WASI_ERRNO_SUCCESS;
}

uint16_t wb_wasi_sock_recv(wasi_call *c, const wb_val *a)
{
    uint32_t riflags = wasi_arg32(a, 3), ret = wasi_arg32(a, 4), ret_flags = wasi_arg32(a, 5);
    uint32_t len;
    uint8_t *buf;
    wasi_fd *f;
    ssize_t n;
    uint16_t e;
    int fl = 0;

    if ((e = first_buffer(c, wasi_arg32(a, 1), wasi_arg32(a, 2), &buf, &len)))
        return e;
    if (!wasi_mem_ok(c, ret, 4) || !wasi_mem_ok(c, ret_flags, 2))
        return WASI_ERRNO_FAULT;
    if ((e = wasi_fd_get(c->w, wasi_arg32(a, 0), WASI_RIGHT_FD_READ, &f)))
        return e;
    if (riflags & ~(uint32_t)(WASI_RIFLAG_RECV_PEEK | WASI_RIFLAG_RECV_WAITALL))
        return WASI_ERRNO_INVAL;
    if (!is_socket(f))
        return WASI_ERRNO_NOTSOCK;
    if (riflags & WASI_RIFLAG_RECV_PEEK)
        fl |= MSG_PEEK;
    if (riflags & WASI_RIFLAG_RECV_WAITALL)
        fl |= MSG_WAITALL;
    do {
        if ((e = wasi_wait_fd(c, f, POLLIN)))
            return e;
        n = recvfrom(f->host, buf, len, fl, NULL, NULL);
    } while (n < 0 && errno == EINTR && !(e = wasi_check(c)));
    if (e)
        return e;
    if (n < 0)
        return wasi_errno(errno);
    wasi_put32(wasi_mem(c, ret), (uint32_t)n);
    wasi_put16(wasi_mem(c, ret_flags), 0);
    return WASI_ERRNO_SUCCESS;
}

uint16_t wb_wasi_sock_send(wasi_call *c, const wb_val *a)
{
    uint32_t siflags = wasi_arg32(a, 3), ret = wasi_arg32(a, 4), len;
    uint8_t *buf;
    wasi_fd *f;
    ssize_t n;
    uint16_t e;

    if ((e = first_buffer(c, wasi_arg32(a, 1), wasi_arg32(a, 2), &buf, &len)))
        return e;
    if (!wasi_mem_ok(c, ret, 4))
        return WASI_ERRNO_FAULT;
    if ((e = wasi_fd_get(c->w, wasi_arg32(a, 0), WASI_RIGHT_FD_WRITE, &f)))
        return e;
    if (siflags != 0)
        return WASI_ERRNO_INVAL;   /* preview1 defines no send flags */
    if (!is_socket(f))
        return WASI_ERRNO_NOTSOCK;
    /* MSG_NOSIGNAL: a closed peer is ERRNO_PIPE, never SIGPIPE. */
    do {
        n = sendto(f->host, buf, len, MSG_NOSIGNAL, NULL, 0);
    } while (n < 0 && errno == EINTR && !(e = wasi_check(c)));
    if (e)
        return e;
    if (n < 0)
        return wasi_errno(errno);
    wasi_put32(wasi_mem(c, ret), (uint32_t)n);
    return WASI_ERRNO_SUCCESS;
}

uint16_t wb_wasi_sock_shutdown(wasi_call *c, const wb_val *a)
{
    uint32_t how = wasi_arg32(a, 1);
    wasi_fd *f;
    uint16_t e;
    int h;

    if ((e = wasi_fd_get(c->w, wasi_arg32(a, 0), WASI_RIGHT_SOCK_SHUTDOWN, &f)))
        return e;
    switch (how) {
    case WASI_SDFLAG_RD: h = SHUT_RD; break;
    case WASI_SDFLAG_WR: h = SHUT_WR; break;
    case WASI_SDFLAG_RD | WASI_SDFLAG_WR: h = SHUT_RDWR; break;
    default: return WASI_ERRNO_INVAL;
    }
    if (!is_socket(f))
        return WASI_ERRNO_NOTSOCK;
    return shutdown(f->host, h) == 0 ? WASI_ERRNO_SUCCESS : wasi_errno(errno);
}

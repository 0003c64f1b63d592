/* sock — sockets given to the guest: fd 3 is a listening socket
 * (wasmbox run --inherit-fd). Accepts one connection, receives a message
 * (peeking first), answers, shuts the write side down. */
#include "wasitest.h"

int main(void)
{
    __wasi_fd_t c;
    __wasi_fdstat_t fs;
    __wasi_size_t n = 0;
    __wasi_roflags_t ro = 0;
    static char buf[64];
    __wasi_iovec_t iov = { (uint8_t *)buf, sizeof(buf) - 1 };
    __wasi_ciovec_t out[2] = { { (const uint8_t *)"", 0 }, { (const uint8_t *)"reply\n", 6 } };

    SHOW(__wasi_fd_fdstat_get(3, &fs));
    printf("fd 3 type=%u accept=%s\n", fs.fs_filetype,
           fs.fs_rights_base & __WASI_RIGHTS_SOCK_ACCEPT ? "yes" : "no");
    SHOW(__wasi_sock_accept(3, 0x10, &c));
    SHOW(__wasi_sock_accept(3, 0, WT_BAD_PTR));
    SHOW(__wasi_sock_accept(1, 0, &c));
    SHOW(__wasi_sock_accept(3, 0, &c));
    SHOW(__wasi_sock_recv(c, &iov, 1, __WASI_RIFLAGS_RECV_PEEK | __WASI_RIFLAGS_RECV_WAITALL, &n,
                          &ro));
    printf("peeked %u bytes: %.*s", (unsigned)n, (int)n, buf);
    SHOW(__wasi_sock_recv(c, &iov, 1, 0, &n, &ro));
    printf("received %u bytes: %.*s", (unsigned)n, (int)n, buf);
    SHOW(__wasi_sock_recv(c, &iov, 1, 8, &n, &ro));
    SHOW(__wasi_sock_send(c, out, 2, 0, &n));
    printf("sent %u bytes\n", (unsigned)n);
    SHOW(__wasi_sock_send(c, out, 2, 1, &n));
    SHOW(__wasi_sock_shutdown(c, 0));
    SHOW(__wasi_sock_shutdown(c, __WASI_SDFLAGS_WR));
    SHOW(__wasi_sock_send(c, out, 2, 0, &n));
    SHOW(__wasi_sock_shutdown(1, __WASI_SDFLAGS_WR));
    SHOW(__wasi_sock_recv(42, &iov, 1, 0, &n, &ro));
    SHOW(__wasi_fd_close(c));
    return 0;
}

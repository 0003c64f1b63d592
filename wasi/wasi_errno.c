/* wasi_errno.c — host errno to WASI errno, generated from the one table in
 * wasi_abi.h (WASI_ERRNOS). */
#include <errno.h>

#include "wasi/wasi_int.h"

uint16_t wasi_errno(int host_errno)
{
    if (host_errno <= 0)
        return WASI_ERRNO_IO;
    switch (host_errno) {
#define WASI_ERRNO_CASE(name, code, host)                                                \
    case host:                                                                           \
        return code;
        WASI_ERRNOS(WASI_ERRNO_CASE)
#undef WASI_ERRNO_CASE
    }
    return WASI_ERRNO_IO;
}

const char *wasi_errno_name(uint16_t e)
{
    switch (e) {
#define WASI_ERRNO_CASE(name, code, host)                                                \
    case code:                                                                           \
        return #name;
        WASI_ERRNOS(WASI_ERRNO_CASE)
#undef WASI_ERRNO_CASE
    }
    return "?";
}

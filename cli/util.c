/* util.c — messages and whole-file reading for the wasmbox command. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "wb_limits.h"

void wb_cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("wasmbox: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

wb_err wb_cli_read_file(const char *path, uint8_t **out, size_t *size, int *errnum)
{
    wb_err err = WB_OK;
    uint8_t *buf = NULL;
    size_t cap = 0, len = 0;
    struct stat st;
    int fd;

    *out = NULL;
    *size = 0;
    *errnum = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *errnum = errno;
        return errno == ENOENT || errno == ENOTDIR ? WB_ERR_NOT_FOUND : WB_ERR_IO;
    }
    if (fstat(fd, &st) != 0) {
        *errnum = errno;
        err = WB_ERR_IO;
        goto out;
    }
    if (S_ISDIR(st.st_mode)) {
        *errnum = EISDIR;
        err = WB_ERR_IO;
        goto out;
    }
    /* The size from fstat is a hint only: pipes report 0 and files can
     * change while being read, so read until EOF with a hard cap. */
    cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1 : 65536;
    if (cap > (size_t)WB_MAX_MODULE_SIZE + 1)
        cap = (size_t)WB_MAX_MODULE_SIZE + 1;
    if (!(buf = malloc(cap))) {
        err = WB_ERR_NOMEM;
        goto out;
    }
    for (;;) {
        ssize_t n;
        if (len == cap) {
            uint8_t *nb;
            if (len > WB_MAX_MODULE_SIZE) {
                err = WB_ERR_LIMIT_MODULE_SIZE;
                goto out;
            }
            cap = cap > WB_MAX_MODULE_SIZE / 2 ? (size_t)WB_MAX_MODULE_SIZE + 1 : cap * 2;
            if (!(nb = realloc(buf, cap))) {
                err = WB_ERR_NOMEM;
                goto out;
            }
            buf = nb;
        }
        n = read(fd, buf + len, cap - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            *errnum = errno;
            err = WB_ERR_IO;
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (len > WB_MAX_MODULE_SIZE) {
        err = WB_ERR_LIMIT_MODULE_SIZE;
        goto out;
    }
    *out = buf;
    *size = len;
    buf = NULL;
out:
    free(buf);
    close(fd);
    return err;
}

/* cache_share.c — one physical copy of compiled code for every process
 * running a module: the code is mapped from the entry file (its page
 * cache pages are shared by all; wb_cache_load_file), or, for an embedder
 * without a cache directory, from a memfd that is then sealed (no writes,
 * no resizing, no more seals) and passed around, so a process that maps it
 * can neither change it for the others nor make it change under its own
 * checks. The runtime maps either read-only, checks it, then makes it
 * executable (wb_compiled_load_at). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xxhash.h>

#include "cache/cache_int.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010u   /* Linux 6.3; missing from the 6.1 headers */
#endif

wb_err wb_cache_code_memfd(const wb_artifact *a, int *out, wb_diag *d)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t size, done = 0;
    int fd;

    *out = -1;
    if (a->code_size && !a->code)
        return wb_diag_setf(d, WB_ERR_USAGE, NULL, 0, "artifact has no code");
    if (page <= 0)
        page = 4096;
    /* At least 4 zero bytes after the code: the .eh_frame terminator when
     * the table ends the blob (the runtime relies on it). */
    size = ((size_t)a->code_size + 4 + (size_t)page - 1) / (size_t)page * (size_t)page;
    /* Executable on purpose (vm.memfd_noexec may make MFD_EXEC required);
     * kernels before 6.3 do not know the flag. */
    fd = memfd_create("wasmbox-code", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (fd < 0 && errno == EINVAL)
        fd = memfd_create("wasmbox-code", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return wb_diag_setf(d, WB_ERR_IO, NULL, 0, "memfd_create: %s", strerror(errno));
    if (ftruncate(fd, (off_t)size) != 0)
        goto fail;
    while (done < a->code_size) {
        ssize_t n = pwrite(fd, a->code + done, a->code_size - done, (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto fail;
        done += (size_t)n;
    }
    /* No writable mapping exists (pwrite only), so F_SEAL_WRITE cannot
     * fail with EBUSY. */
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0)
        goto fail;
    *out = fd;
    return WB_OK;
fail:
    wb_diag_setf(d, WB_ERR_IO, NULL, 0, "code memfd: %s", strerror(errno));
    close(fd);
    return WB_ERR_IO;
}

wb_err wb_cache_load_shared(wb_engine *e, const uint8_t *bytes, size_t size, wb_artifact *a,
                            int code_fd, unsigned flags, wb_compiled **out, wb_diag *d)
{
    return wb_compiled_load(e, bytes, size, a, code_fd, flags, wb_cache_artifact_check, NULL,
                            out, d);
}

/* The code of an entry file, mapped: its XXH3 first (the bytes may have
 * changed since the entry was parsed), then the artifact checks. */
static wb_err check_file_code(const wb_artifact *a, const uint8_t *code,
                              const struct wb_module *m, void *arg, wb_diag *d)
{
    const wb_cache_code_ref *ref = arg;
    if (a->code_size && (!code || XXH3_64bits(code, a->code_size) != ref->hash))
        return wb_diag_setf(d, WB_ERR_INTERNAL, NULL, 0, "code checksum mismatch");
    return wb_cache_artifact_check(a, code, m, NULL, d);
}

wb_err wb_cache_load_file(wb_engine *e, const uint8_t *bytes, size_t size, wb_artifact *a,
                          int fd, const wb_cache_code_ref *ref, unsigned flags,
                          wb_compiled **out, wb_diag *d)
{
    wb_cache_code_ref r = *ref;
    return wb_compiled_load_at(e, bytes, size, a, fd, r.offset, flags | WB_LOAD_FILE,
                               check_file_code, &r, out, d);
}

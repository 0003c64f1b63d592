/* sandbox_landlock.c — the landlock layer: the worker may reach only the
 * granted directories (one path_beneath rule per preopened dir fd, ro or
 * rw), no TCP, no signals or abstract unix sockets outside its domain. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "sandbox/sandbox_int.h"

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

int wb_sbx_landlock_abi(void)
{
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
                       WB_LANDLOCK_CREATE_RULESET_VERSION);
    return abi < 0 ? 0 : (int)abi;
}

/* Filesystem rights this ABI knows. */
static uint64_t fs_rights(int abi)
{
    uint64_t r = (WB_LL_FS_MAKE_SYM << 1) - 1; /* ABI 1: bits 0-12 */
    if (abi >= 2)
        r |= WB_LL_FS_REFER;
    if (abi >= 3)
        r |= WB_LL_FS_TRUNCATE;
    if (abi >= 5)
        r |= WB_LL_FS_IOCTL_DEV;
    return r;
}

#define RIGHTS_RO (WB_LL_FS_READ_FILE | WB_LL_FS_READ_DIR)
/* No EXECUTE (nothing may be run), no device, socket or fifo nodes. */
#define RIGHTS_RW (RIGHTS_RO | WB_LL_FS_WRITE_FILE | WB_LL_FS_REMOVE_DIR |      \
                   WB_LL_FS_REMOVE_FILE | WB_LL_FS_MAKE_DIR | WB_LL_FS_MAKE_REG | \
                   WB_LL_FS_MAKE_SYM | WB_LL_FS_REFER | WB_LL_FS_TRUNCATE)

wb_err wb_sbx_apply_landlock(const wb_sandbox *s, wb_sandbox_failure *f)
{
    const int L = WB_LAYER_LANDLOCK;
    int abi = s->probe.landlock_abi, rfd, probe;
    uint64_t handled = fs_rights(abi);
    struct wb_landlock_ruleset_attr attr = { .handled_access_fs = handled };
    size_t attr_size = sizeof attr.handled_access_fs;

    if (abi >= 4) {
        attr.handled_access_net = WB_LL_NET_BIND_TCP | WB_LL_NET_CONNECT_TCP;
        attr_size = offsetof(struct wb_landlock_ruleset_attr, scoped);
    }
    if (abi >= 6) {
        attr.scoped = WB_LL_SCOPE_ABSTRACT_UNIX_SOCKET | WB_LL_SCOPE_SIGNAL;
        attr_size = sizeof attr;
    }
    if ((rfd = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0)) < 0)
        return wb_sbx_fail(f, L, errno, "landlock_create_ruleset");
    for (unsigned i = 0; i < s->policy->ngrants; i++) {
        struct wb_landlock_path_beneath_attr pb = {
            .allowed_access = (s->policy->grants[i].write ? RIGHTS_RW : RIGHTS_RO) & handled,
            .parent_fd = WB_FD_PREOPEN + (int)i,
        };
        if (syscall(SYS_landlock_add_rule, rfd, WB_LANDLOCK_RULE_PATH_BENEATH, &pb, 0) != 0) {
            int e = errno;
            close(rfd);
            return wb_sbx_fail(f, L, e, "landlock_add_rule");
        }
    }
    if (s->opts.relaxed && (s->layers & WB_LAYER_BIT(WB_LAYER_FILESYSTEM))) {
        /* sanitizer builds: /proc read-only (see sandbox_apply.c) */
        struct wb_landlock_path_beneath_attr pb = { .allowed_access = RIGHTS_RO & handled };
        int e = 0;
        if ((pb.parent_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0 ||
            syscall(SYS_landlock_add_rule, rfd, WB_LANDLOCK_RULE_PATH_BENEATH, &pb, 0) != 0)
            e = errno;
        if (pb.parent_fd >= 0)
            close(pb.parent_fd);
        if (e) {
            close(rfd);
            return wb_sbx_fail(f, L, e, "landlock_add_rule /proc (relaxed)");
        }
    }
    if (syscall(SYS_landlock_restrict_self, rfd, 0) != 0) {
        int e = errno;
        close(rfd);
        return wb_sbx_fail(f, L, e, "landlock_restrict_self");
    }
    close(rfd);
    /* Verify: the root directory is covered by no rule, so reading it must
     * now be refused. */
    probe = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (probe >= 0) {
        close(probe);
        return wb_sbx_fail(f, L, 0, "landlock check: / is still readable");
    }
    if (errno != EACCES)
        return wb_sbx_fail(f, L, errno, "landlock check: open / did not give EACCES");
    return WB_OK;
}

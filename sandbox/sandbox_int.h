/* sandbox_int.h — private to sandbox/: the prepared state, kernel constants
 * our 6.1 headers lack, and the per-layer helpers. */
#ifndef WB_SANDBOX_INT_H
#define WB_SANDBOX_INT_H

#include <linux/filter.h>
#include <stdint.h>
#include <sys/syscall.h>

#include "sandbox/sandbox.h"

/* -- Constants newer than linux-libc-dev 6.1 -- */
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_GET_ACTION_AVAIL
#define SECCOMP_GET_ACTION_AVAIL 2
#endif
#ifndef SECCOMP_RET_USER_NOTIF
#define SECCOMP_RET_USER_NOTIF 0x7fc00000U
#endif

/* Landlock ABI 6 structures: the 6.1 header lacks handled_access_net and
 * scoped. */
struct wb_landlock_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};
struct wb_landlock_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));
#define WB_LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#define WB_LANDLOCK_RULE_PATH_BENEATH 1
#define WB_LL_FS_EXECUTE      (1ULL << 0)
#define WB_LL_FS_WRITE_FILE   (1ULL << 1)
#define WB_LL_FS_READ_FILE    (1ULL << 2)
#define WB_LL_FS_READ_DIR     (1ULL << 3)
#define WB_LL_FS_REMOVE_DIR   (1ULL << 4)
#define WB_LL_FS_REMOVE_FILE  (1ULL << 5)
#define WB_LL_FS_MAKE_CHAR    (1ULL << 6)
#define WB_LL_FS_MAKE_DIR     (1ULL << 7)
#define WB_LL_FS_MAKE_REG     (1ULL << 8)
#define WB_LL_FS_MAKE_SOCK    (1ULL << 9)
#define WB_LL_FS_MAKE_FIFO    (1ULL << 10)
#define WB_LL_FS_MAKE_BLOCK   (1ULL << 11)
#define WB_LL_FS_MAKE_SYM     (1ULL << 12)
#define WB_LL_FS_REFER        (1ULL << 13)   /* ABI 2 */
#define WB_LL_FS_TRUNCATE     (1ULL << 14)   /* ABI 3 */
#define WB_LL_FS_IOCTL_DEV    (1ULL << 15)   /* ABI 5 */
#define WB_LL_NET_BIND_TCP    (1ULL << 0)    /* ABI 4 */
#define WB_LL_NET_CONNECT_TCP (1ULL << 1)
#define WB_LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0) /* ABI 6 */
#define WB_LL_SCOPE_SIGNAL    (1ULL << 1)

/* -- Prepared state -- */

typedef struct wb_bpf {
    struct sock_filter *insns;   /* owned */
    unsigned short len;
} wb_bpf;

struct wb_sandbox {
    const wb_policy *policy;     /* borrowed */
    wb_sandbox_probe probe;
    wb_sandbox_opts opts;
    uint32_t layers;             /* layers to apply */
    bool notify;                 /* base filter default NOTIFY */
    bool userns;                 /* clone with CLONE_NEWUSER */
    int netns_fd;                /* shared empty netns (root), or -1 */
    bool netns_pinned;           /* netns_fd came from the pin (wb_sandbox_netns_pin) */
    pid_t sv_pid;                /* the supervisor, for worker uids */
    int grant_fds[WB_POLICY_MAX_GRANTS]; /* O_DIRECTORY fds of the host dirs */
    wb_bpf bpf[WB_PHASE__COUNT];
};

/* Fills f and returns WB_ERR_SANDBOX_SETUP. */
wb_err wb_sbx_fail(wb_sandbox_failure *f, int layer, int errnum, const char *what);

/* sandbox_seccomp.c */
wb_err wb_sbx_build_bpf(const wb_policy *p, wb_phase phase, bool notify, bool relaxed,
                        wb_bpf *out, wb_diag *d);
int wb_sbx_install_bpf(const wb_bpf *b, unsigned flags);   /* fd/0 or -1 + errno */

/* sandbox_landlock.c */
int wb_sbx_landlock_abi(void);                             /* 0 when missing */
wb_err wb_sbx_apply_landlock(const wb_sandbox *s, wb_sandbox_failure *f);

#endif

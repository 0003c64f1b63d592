/* supervisor_int.h — private to supervisor/: the control-socket messages
 * and the supervisor object.
 *
 * Control messages are fixed-shape (STYLE.md 16): every message is exactly
 * one wb_ipc_msg on a SOCK_SEQPACKET socket:
 *
 *   +--------+--------+--------+------------------------------+
 *   | op u32 |flags u32| len u32| body (union, fixed size)     |
 *   +--------+--------+--------+------------------------------+
 *
 * The supervisor checks len == sizeof(wb_ipc_msg), flags == 0 and that op
 * is allowed in the current state before looking at the body; anything
 * else ends the worker as a protocol violation. */
#ifndef WB_SUPERVISOR_INT_H
#define WB_SUPERVISOR_INT_H

#include "supervisor/supervisor.h"

typedef enum wb_ipc_op {
    WB_IPC_READY = 1,      /* worker → sv: early setup done, waiting for GO */
    WB_IPC_GO,             /* sv → worker: id maps written, confine yourself */
    WB_IPC_SETUP_OK,       /* worker → sv: confined; SCM_RIGHTS: listener fd */
    WB_IPC_SETUP_FAILED,   /* worker → sv: a layer failed */
    WB_IPC_LIMIT,          /* worker → sv: a resource limit stopped it */
    WB_IPC_TRAP,           /* worker → sv: a piece of the formatted trap (text) */
    WB_IPC_EPOCH,          /* worker → sv: where its engine's epoch counter is */
    WB_IPC_BPF,            /* sv → worker: the seccomp programs follow, as one
                            * record of u.bpf.size bytes (wb_sandbox_bpf_export),
                            * when the worker was cloned before they were built */
    WB_IPC__COUNT
} wb_ipc_op;

#define WB_IPC_TRAP_CHUNK 1000u

typedef struct wb_ipc_msg {
    uint32_t op;
    uint32_t flags;
    uint32_t len;
    uint32_t pad;
    union {
        struct { uint32_t active; } setup_ok;
        wb_sandbox_failure failed;
        struct { uint32_t which; } limit;
        struct { uint64_t addr; } epoch;
        struct { uint32_t size; } bpf;
        struct { uint32_t n; char text[WB_IPC_TRAP_CHUNK]; } trap;
    } u;
} wb_ipc_msg;

struct wb_supervisor {
    const wb_policy *policy;      /* borrowed */
    wb_sandbox_probe probe;
    wb_sandbox *sandbox;          /* owned */
};

/* supervisor_wait.c */
wb_err wb_sv_watch(wb_supervisor *sv, const wb_worker_spec *spec, pid_t pid, int pidfd,
                   int sock, uint64_t t0_us, wb_outcome *o, wb_diag *d);
uint64_t wb_sv_now_us(void);

/* Sends one message, with an optional fd (-1: none). 0 or -1 + errno. */
int wb_ipc_send(int sock, wb_ipc_op op, const wb_ipc_msg *body, int fd);

#endif

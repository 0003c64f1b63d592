/* sandbox_seccomp.c — policy rules → BPF with libseccomp (in the
 * supervisor, once per policy), and installing it in the worker.
 *
 *   wb_policy_rules() --libseccomp--> ctx --export_bpf(memfd)--> sock_filter[]
 *        (pure)                                   (supervisor)       |
 *                                  worker: seccomp(SET_MODE_FILTER) <-+
 *
 * Building in the supervisor saves ~60-70 us per worker and keeps libseccomp
 * (which allocates) out of the confined child. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/sandbox_int.h"

static uint32_t action_of(wb_sc_action a, int errnum, bool notify)
{
    switch (a) {
    case WB_SC_ALLOW: return SCMP_ACT_ALLOW;
    case WB_SC_ERRNO: return SCMP_ACT_ERRNO((uint16_t)errnum);
    case WB_SC_DENY: return notify ? SCMP_ACT_NOTIFY : SCMP_ACT_KILL_PROCESS;
    case WB_SC_KILL: return SCMP_ACT_KILL_PROCESS;
    }
    return SCMP_ACT_KILL_PROCESS;
}

/* The exported program, read back from a memfd into a new buffer. */
static wb_err export_bpf(scmp_filter_ctx ctx, wb_bpf *out, wb_diag *d)
{
    wb_err err = WB_OK;
    struct stat st;
    int fd, rc;

    if ((fd = memfd_create("wasmbox-bpf", MFD_CLOEXEC)) < 0)
        return wb_diag_setf(d, WB_ERR_SANDBOX_SETUP, NULL, 0, "memfd_create: %s",
                            strerror(errno));
    if ((rc = seccomp_export_bpf(ctx, fd)) != 0) {
        err = wb_diag_setf(d, WB_ERR_SANDBOX_SETUP, NULL, 0, "seccomp_export_bpf: %s",
                           strerror(-rc));
        goto out;
    }
    if (fstat(fd, &st) != 0 || st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) ||
        st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS) {
        err = wb_diag_setf(d, WB_ERR_SANDBOX_SETUP, NULL, 0, "bad BPF program size");
        goto out;
    }
    if (!(out->insns = malloc((size_t)st.st_size))) {
        err = wb_diag_set(d, WB_ERR_NOMEM, NULL, 0);
        goto out;
    }
    if (pread(fd, out->insns, (size_t)st.st_size, 0) != st.st_size) {
        free(out->insns);
        out->insns = NULL;
        err = wb_diag_setf(d, WB_ERR_SANDBOX_SETUP, NULL, 0, "reading BPF: %s",
                           strerror(errno));
        goto out;
    }
    out->len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
out:
    close(fd);
    return err;
}

wb_err wb_sbx_build_bpf(const wb_policy *p, wb_phase phase, bool notify, bool relaxed,
                        wb_bpf *out, wb_diag *d)
{
    const wb_sc_rule *rules[WB_SC_MAX_RULES];
    wb_sc_action def;
    scmp_filter_ctx ctx;
    wb_err err = WB_OK;
    size_t n;
    int rc;

    memset(out, 0, sizeof *out);
    if ((err = wb_policy_rules(p, phase, relaxed ? WB_RULES_SANITIZER : 0, rules,
                               WB_SC_MAX_RULES, &n, &def)) != WB_OK)
        return wb_diag_setf(d, err, NULL, 0, "too many seccomp rules");
    if (!(ctx = seccomp_init(action_of(def, 0, notify))))
        return wb_diag_set(d, WB_ERR_NOMEM, NULL, 0);
    /* A foreign ABI (int 0x80, x32) would bypass every rule: kill the whole
     * process, not only the thread (libseccomp's default). */
    if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) != 0 ||
        (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) != 0) {
        err = wb_diag_setf(d, WB_ERR_SANDBOX_SETUP, NULL, 0, "seccomp_attr_set: %s",
                           strerror(-rc));
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const wb_sc_rule *r = rules[i];
        struct scmp_arg_cmp cmp[WB_SC_MAX_ARGS];
        int nr = seccomp_syscall_resolve_name(r->name);

        if (nr == __NR_SCMP_ERROR)
            nr = r->nr;
        if (nr < 0) {
            err = wb_diag_setf(d, WB_ERR_SANDBOX_SETUP, NULL, 0, "unknown syscall %s",
                               r->name);
            goto out;
        }
        for (unsigned a = 0; a < r->nargs; a++) {
            cmp[a] = (struct scmp_arg_cmp){
                .arg = r->args[a].index,
                .op = r->args[a].op == WB_ARG_MASKED_EQ ? SCMP_CMP_MASKED_EQ : SCMP_CMP_EQ,
                .datum_a = r->args[a].op == WB_ARG_MASKED_EQ ? r->args[a].mask
                                                              : r->args[a].value,
                .datum_b = r->args[a].op == WB_ARG_MASKED_EQ ? r->args[a].value : 0,
            };
        }
        rc = seccomp_rule_add_exact_array(ctx, action_of(r->action, r->errnum, notify), nr,
                                          r->nargs, cmp);
        if (rc != 0) {
            err = wb_diag_setf(d, WB_ERR_SANDBOX_SETUP, NULL, 0,
                               "seccomp rule for %s: %s", r->name, strerror(-rc));
            goto out;
        }
    }
    err = export_bpf(ctx, out, d);
out:
    seccomp_release(ctx);
    return err;
}

int wb_sbx_install_bpf(const wb_bpf *b, unsigned flags)
{
    struct sock_fprog prog = { .len = b->len, .filter = b->insns };
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

wb_err wb_sandbox_enter_run_phase(const wb_sandbox *s)
{
    if (!(s->layers & WB_LAYER_BIT(WB_LAYER_SECCOMP)))
        return WB_OK;
    /* flags 0: the only form the base filter allows (no second listener). */
    if (wb_sbx_install_bpf(&s->bpf[WB_PHASE_RUN], 0) != 0)
        return WB_ERR_SANDBOX_SETUP;
    return WB_OK;
}

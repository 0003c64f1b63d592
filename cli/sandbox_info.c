/* sandbox_info.c — `wasmbox sandbox-info`: which confinement layers this
 * process can apply, which a real worker ends up with, and why any is
 * missing. */
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cli/cli.h"
#include "policy/policy.h"
#include "sandbox/sandbox.h"
#include "supervisor/supervisor.h"

int wb_cmd_sandbox_info(int argc, char **argv);

static int noop_worker(void *arg, const wb_worker_ctx *ctx)
{
    (void)arg;
    return wb_worker_enter_run_phase(ctx) == WB_OK ? 0 : 1;
}

int wb_cmd_sandbox_info(int argc, char **argv)
{
    wb_sandbox_probe probe;
    wb_outcome o;
    int status = WB_EXIT_OK;

    if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        printf("usage: wasmbox sandbox-info\n\n"
               "Probes which confinement layers the kernel lets this process apply,\n"
               "starts one confined worker under each preset, and prints the layers it\n"
               "got and why any is missing. Exit status 0, or 1 when a preset cannot run.\n");
        return WB_EXIT_OK;
    }
    if (argc > 1) {
        wb_cli_error("sandbox-info: takes no arguments");
        return WB_EXIT_USAGE;
    }
    wb_sandbox_probe_run(&probe);
    printf("running as uid %u%s%s\n", (unsigned)geteuid(),
           probe.root ? " with CAP_SYS_ADMIN" : "",
           probe.userns ? " (namespaces through a user namespace)" : "");
    printf("seccomp user notification: %s; landlock ABI: %d%s\n\n",
           probe.notify ? "yes" : "no", probe.landlock_abi,
           WB_SANDBOX_RELAXED ? "; sanitizer build (relaxed worker filter)" : "");
    printf("%-14s %-10s %s\n", "layer", "state", "how, or why not");
    for (unsigned l = 0; l < WB_LAYER__COUNT; l++)
        printf("%-14s %-10s %s\n", wb_layer_name((wb_layer)l),
               probe.available & WB_LAYER_BIT(l) ? "available" : "MISSING", probe.why[l]);
    printf("\n");
    if (probe.root && !probe.userns) {
        const char *pin = wb_sandbox_netns_pin();
        struct statfs sf;
        if (!*pin)
            printf("network namespace pin: off (WASMBOX_NETNS_PIN is empty)\n\n");
        else
            printf("network namespace pin: %s (%s)\n\n", pin,
                   statfs(pin, &sf) == 0 && sf.f_type == NSFS_MAGIC
                       ? "pinned" : "not pinned yet: the next confined run pins it");
    }
    for (const char *const *name = wb_policy_presets; *name; name++) {
        wb_supervisor *sv = NULL;
        wb_policy *p = NULL;
        wb_diag d = { 0 };
        wb_worker_spec spec = { .fn = noop_worker, .stdio = { -1, -1, -1 }, .code_fd = -1 };
        char msg[256];

        if (wb_policy_preset(*name, &p) != WB_OK)
            continue;
        if (wb_supervisor_new(p, NULL, &sv, &d) != WB_OK) {
            printf("policy %-10s cannot run: %s\n", *name, d.detail);
            status = WB_EXIT_FAILURE;
        } else if (wb_supervisor_run(sv, &spec, &o, &d) != WB_OK ||
                   wb_outcome_exit_status(&o) != 0) {
            printf("policy %-10s worker failed: %s\n", *name,
                   o.kind != WB_OUTCOME_EXITED ? wb_outcome_message(&o, msg, sizeof msg)
                                               : d.detail);
            status = WB_EXIT_FAILURE;
        } else {
            printf("policy %-10s worker confined in %llu us; active:", *name,
                   (unsigned long long)o.spawn_us);
            for (unsigned l = 0; l < WB_LAYER__COUNT; l++)
                if (o.active & WB_LAYER_BIT(l))
                    printf(" %s", wb_layer_name((wb_layer)l));
            printf("\n");
        }
        wb_supervisor_free(sv);
        wb_policy_free(p);
    }
    return status;
}

/* policy.c — `wasmbox policy show NAME|FILE` and `wasmbox policy check
 * FILE...`: print the effective policy (a valid policy file, followed by the
 * syscall rules as comments, one reason per line) or validate files. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "policy/policy.h"
#include "sandbox/sandbox.h"

int wb_cmd_policy(int argc, char **argv);

static const char policy_usage[] =
    "usage: wasmbox policy show NAME|FILE\n"
    "       wasmbox policy check FILE...\n"
    "\n"
    "show   prints the effective policy: a preset (strict, standard, permissive)\n"
    "       or a policy file, as policy-file text followed by the system-call\n"
    "       rules of both worker phases with the reason for each.\n"
    "check  validates policy files: nothing and exit 0 when all are valid, one\n"
    "       FILE:LINE: message line per problem and exit 1 otherwise.\n"
    "\n"
    "Exit status: 0 ok, 1 invalid policy, 125 usage error or unreadable file.\n"
    "The language is described in wasmbox-policy(5).\n";

static bool is_preset(const char *s)
{
    for (const char *const *p = wb_policy_presets; *p; p++)
        if (!strcmp(*p, s))
            return true;
    return false;
}

/* Loads a preset or a file; prints messages; returns an exit status. */
static int load(const char *what, wb_policy **out)
{
    wb_policy_errors *errs;
    uint8_t *text = NULL;
    size_t size = 0;
    int errnum = 0, status = WB_EXIT_OK;
    char msg[320];
    wb_err err;

    *out = NULL;
    if (is_preset(what) && (err = wb_policy_preset(what, out)) == WB_OK)
        return WB_EXIT_OK;
    err = wb_cli_read_file(what, &text, &size, &errnum);
    if (err == WB_ERR_NOT_FOUND && !strchr(what, '/') && !strchr(what, '.')) {
        wb_cli_error("policy: unknown policy '%s' (presets: strict, standard, permissive; "
                     "or a file)", what);
        return WB_EXIT_USAGE;
    }
    if (err != WB_OK) {
        wb_cli_error("policy: %s: %s", what,
                     errnum ? strerror(errnum) : wb_err_message(err));
        return WB_EXIT_USAGE;
    }
    if (!(errs = malloc(sizeof *errs))) {
        free(text);
        wb_cli_error("policy: out of memory");
        return WB_EXIT_USAGE;
    }
    if (wb_policy_parse((const char *)text, size, what, out, errs) != WB_OK) {
        for (unsigned i = 0; i < errs->count; i++)
            fprintf(stderr, "%s\n", wb_policy_error_format(what, &errs->e[i], msg, sizeof msg));
        if (errs->dropped)
            fprintf(stderr, "%s: %u more problems not shown\n", what, errs->dropped);
        status = errs->count && errs->e[0].err == WB_ERR_NOMEM ? WB_EXIT_USAGE
                                                               : WB_EXIT_FAILURE;
    }
    free(errs);
    free(text);
    return status;
}

static void print_rule(const wb_sc_rule *r)
{
    char act[24];

    if (r->action == WB_SC_ERRNO)
        snprintf(act, sizeof act, "errno %s", strerrorname_np(r->errnum) ?
                 strerrorname_np(r->errnum) : "?");
    else
        snprintf(act, sizeof act, "%s", wb_sc_action_name((wb_sc_action)r->action));
    printf("#   %-12s %-18s %s\n", act, r->name, r->reason);
    for (unsigned a = 0; a < r->nargs; a++) {
        const wb_sc_arg *g = &r->args[a];
        if (g->op == WB_ARG_MASKED_EQ)
            printf("#   %-12s %-18s   if arg%u & %#llx == %#llx: %s\n", "", "", g->index,
                   (unsigned long long)g->mask, (unsigned long long)g->value, g->why);
        else
            printf("#   %-12s %-18s   if arg%u == %#llx: %s\n", "", "", g->index,
                   (unsigned long long)g->value, g->why);
    }
}

static void print_phase(const wb_policy *p, wb_phase ph, unsigned opts)
{
    const wb_sc_rule *rules[WB_SC_MAX_RULES];
    wb_sc_action def;
    size_t n;

    wb_policy_rules(p, ph, opts, rules, WB_SC_MAX_RULES, &n, &def);
    if (ph == WB_PHASE_COMPILE)
        printf("#\n# Base filter (installed before any untrusted byte is read; "
               "compile phase):\n#   default: %s\n",
               def == WB_SC_DENY ? "deny: the supervisor names the call, the worker is "
                                   "killed (status 159)"
                                 : "allow (permissive policy: only the calls below are "
                                   "denied)");
    else
        printf("#\n# Run-phase filter (stacked after compiling, before wasm code runs; "
               "it only narrows the base filter):\n#   default: allow\n");
    for (size_t i = 0; i < n && i < WB_SC_MAX_RULES; i++)
        print_rule(rules[i]);
}

static int cmd_show(const char *what)
{
    wb_policy *p;
    size_t need;
    char *text;
    int status;

    if ((status = load(what, &p)) != WB_EXIT_OK)
        return status;
    need = wb_policy_to_text(p, NULL, 0) + 1;
    if (!(text = malloc(need))) {
        wb_policy_free(p);
        wb_cli_error("policy: out of memory");
        return WB_EXIT_USAGE;
    }
    wb_policy_to_text(p, text, need);
    printf("# Effective policy %s (%s)\n", p->name, is_preset(what) ? "preset" : what);
    fputs(text, stdout);
    printf("#\n# Worker descriptors: 0-2 stdio, %d control socket, %d code memfd, "
           "granted dirs from %d.\n", WB_FD_CONTROL, WB_FD_CODE, WB_FD_PREOPEN);
    print_phase(p, WB_PHASE_COMPILE, WB_SANDBOX_RELAXED ? WB_RULES_SANITIZER : 0);
    print_phase(p, WB_PHASE_RUN, 0);
    if (WB_SANDBOX_RELAXED)
        printf("#\n# This is a sanitizer build: the relaxed filter above includes the "
               "sanitizer-only rules and RLIMIT_DATA is not set.\n");
    free(text);
    wb_policy_free(p);
    return WB_EXIT_OK;
}

static int cmd_check(int argc, char **argv)
{
    int status = WB_EXIT_OK;

    if (argc < 1) {
        wb_cli_error("policy check: no file given (usage: wasmbox policy check FILE...)");
        return WB_EXIT_USAGE;
    }
    for (int i = 0; i < argc; i++) {
        wb_policy *p = NULL;
        wb_policy_errors *errs = malloc(sizeof *errs);
        uint8_t *text = NULL;
        size_t size;
        int errnum = 0;
        char msg[320];
        wb_err err;

        if (!errs) {
            wb_cli_error("policy: out of memory");
            return WB_EXIT_USAGE;
        }
        err = wb_cli_read_file(argv[i], &text, &size, &errnum);
        if (err != WB_OK) {
            wb_cli_error("policy check: %s: %s", argv[i],
                         errnum ? strerror(errnum) : wb_err_message(err));
            free(errs);
            return WB_EXIT_USAGE;
        }
        if (wb_policy_parse((const char *)text, size, argv[i], &p, errs) != WB_OK) {
            for (unsigned k = 0; k < errs->count; k++)
                fprintf(stderr, "%s\n",
                        wb_policy_error_format(argv[i], &errs->e[k], msg, sizeof msg));
            if (errs->dropped)
                fprintf(stderr, "%s: %u more problems not shown\n", argv[i], errs->dropped);
            status = WB_EXIT_FAILURE;
        }
        wb_policy_free(p);
        free(errs);
        free(text);
    }
    return status;
}

int wb_cmd_policy(int argc, char **argv)
{
    if (argc < 2) {
        fputs(policy_usage, stderr);
        return WB_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fputs(policy_usage, stdout);
        return WB_EXIT_OK;
    }
    if (!strcmp(argv[1], "show")) {
        if (argc != 3 || argv[2][0] == '-') {
            wb_cli_error("policy show: expects one preset name or file "
                         "(usage: wasmbox policy show NAME|FILE)");
            return WB_EXIT_USAGE;
        }
        return cmd_show(argv[2]);
    }
    if (!strcmp(argv[1], "check"))
        return cmd_check(argc - 2, argv + 2);
    wb_cli_error("policy: unknown subcommand '%s' (show, check)", argv[1]);
    return WB_EXIT_USAGE;
}

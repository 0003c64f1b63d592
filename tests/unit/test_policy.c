/* test_policy.c — presets, the policy-file parser (errors with line
 * numbers), the text round trip, setters and the syscall rule lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "policy/policy.h"

static wb_policy *parse_ok(const char *text)
{
    wb_policy_errors errs;
    wb_policy *p = NULL;
    wb_err err = wb_policy_parse(text, strlen(text), "t.policy", &p, &errs);
    if (err != WB_OK)
        fail_msg("parse failed: line %u: %s", errs.e[0].line, errs.e[0].msg);
    assert_int_equal(errs.count, 0);
    return p;
}

/* Parses text that must fail; returns the first error formatted. */
static const char *parse_bad(const char *text, wb_err want, unsigned *count)
{
    static char buf[300];
    wb_policy_errors errs;
    wb_policy *p = (wb_policy *)1;

    assert_int_equal(wb_policy_parse(text, strlen(text), "t.policy", &p, &errs), want);
    assert_null(p);
    assert_true(errs.count >= 1);
    if (count)
        *count = errs.count;
    return wb_policy_error_format("t.policy", &errs.e[0], buf, sizeof buf);
}

static void test_presets(void **state)
{
    wb_policy *p;
    (void)state;
    assert_int_equal(wb_policy_preset("strict", &p), WB_OK);
    assert_string_equal(p->name, "strict");
    assert_int_equal(p->ngrants, 0);
    assert_int_equal(p->nenv, 0);
    assert_true(p->required & WB_LAYER_BIT(WB_LAYER_SECCOMP));
    assert_true(p->required & WB_LAYER_BIT(WB_LAYER_NO_NEW_PRIVS));
    assert_true(p->required & WB_LAYER_BIT(WB_LAYER_CAPABILITIES));
    assert_true(p->required & WB_REQ_FS_ISOLATION);
    assert_int_equal(p->limits.memory, 256u << 20);
    assert_int_equal(p->limits.time_ms, 30000);
    wb_policy_free(p);
    assert_int_equal(wb_policy_preset("permissive", &p), WB_OK);
    assert_int_equal(p->required, 0);
    assert_true(p->syscalls_permissive);
    wb_policy_free(p);
    assert_int_equal(wb_policy_preset("nope", &p), WB_ERR_POLICY_UNKNOWN);
    assert_null(p);
}

static void test_full_file(void **state)
{
    const char *text =
        "# a comment\n"
        "base strict\n"
        "name ci-build   # trailing comment\n"
        "dir /srv/in /in ro\n"
        "dir \"/srv/with space\" /out/ rw\n"
        "env LANG=C.UTF-8\n"
        "env \"MSG=a # not a comment\"\n"
        "env HOME\n"
        "limit memory 512M\n"
        "limit time 2m\n"
        "limit fuel 1000000\n"
        "limit file-size 1G\n"
        "limit output unlimited\n"
        "limit open-files 100\n"
        "require landlock namespaces\r\n"
        "optional fds\n";
    wb_policy *p = parse_ok(text);
    (void)state;
    assert_string_equal(p->name, "ci-build");
    assert_string_equal(p->base, "strict");
    assert_int_equal(p->ngrants, 2);
    assert_string_equal(p->grants[0].host, "/srv/in");
    assert_string_equal(p->grants[0].guest, "/in");
    assert_false(p->grants[0].write);
    assert_string_equal(p->grants[1].host, "/srv/with space");
    assert_string_equal(p->grants[1].guest, "/out");
    assert_true(p->grants[1].write);
    assert_int_equal(p->nenv, 3);
    assert_string_equal(p->env[0].value, "C.UTF-8");
    assert_string_equal(p->env[1].value, "a # not a comment");
    assert_null(p->env[2].value);
    assert_int_equal(p->limits.memory, 512u << 20);
    assert_int_equal(p->limits.time_ms, 120000);
    assert_int_equal(p->limits.fuel, 1000000);
    assert_int_equal(p->limits.file_size, 1u << 30);
    assert_true(p->limits.output == WB_UNLIMITED);
    assert_int_equal(p->limits.open_files, 100);
    assert_true(p->required & WB_LAYER_BIT(WB_LAYER_LANDLOCK));
    assert_true(p->required & WB_LAYER_BIT(WB_LAYER_NAMESPACES));
    assert_false(p->required & WB_LAYER_BIT(WB_LAYER_FDS));
    wb_policy_free(p);
}

static void test_defaults_to_standard_named_after_file(void **state)
{
    wb_policy_errors errs;
    wb_policy *p = NULL;
    (void)state;
    assert_int_equal(wb_policy_parse("", 0, "/etc/wasmbox/web.policy", &p, &errs), WB_OK);
    assert_string_equal(p->base, "standard");
    assert_string_equal(p->name, "web");
    wb_policy_free(p);
}

static void test_unknown_key_has_line(void **state)
{
    (void)state;
    assert_string_equal(parse_bad("base strict\n\nfrobnicate 1\n", WB_ERR_POLICY_UNKNOWN_KEY, NULL),
                        "t.policy:3: unknown key 'frobnicate' (base, name, dir, env, limit, "
                        "require, optional)");
}

static void test_every_error_reported(void **state)
{
    unsigned n = 0;
    (void)state;
    parse_bad("nope\nlimit memory 12Q\ndir rel /x\nrequire magic\nlimit speed 3\n",
              WB_ERR_POLICY_UNKNOWN_KEY, &n);
    assert_int_equal(n, 5);
}

static void test_errors(void **state)
{
    (void)state;
    assert_string_equal(parse_bad("dir /a\n", WB_ERR_POLICY_SYNTAX, NULL),
                        "t.policy:1: usage: dir HOST GUEST [ro|rw]");
    assert_string_equal(parse_bad("dir a /x\n", WB_ERR_POLICY_VALUE, NULL),
                        "t.policy:1: host path must be absolute");
    assert_string_equal(parse_bad("dir /a x\n", WB_ERR_POLICY_VALUE, NULL),
                        "t.policy:1: guest path must be absolute");
    assert_string_equal(parse_bad("dir /a /x/../y\n", WB_ERR_POLICY_VALUE, NULL),
                        "t.policy:1: guest path must not contain . or .. components");
    assert_string_equal(parse_bad("dir /a //\n", WB_ERR_POLICY_VALUE, NULL),
                        "t.policy:1: guest path must not be / (the root is wasmbox's "
                        "empty tmpfs)");
    assert_string_equal(parse_bad("dir /a /x\ndir /b /x/y rw\n", WB_ERR_POLICY_VALUE, NULL),
                        "t.policy:2: guest path /x/y overlaps the grant of /x");
    assert_string_equal(parse_bad("dir /a /x rx\n", WB_ERR_POLICY_VALUE, NULL),
                        "t.policy:1: access must be ro or rw, not 'rx'");
    assert_string_equal(parse_bad("name x\nbase strict\n", WB_ERR_POLICY_SYNTAX, NULL),
                        "t.policy:2: 'base' must come before every other setting");
    assert_string_equal(parse_bad("limit memory 1M\n", WB_ERR_POLICY_VALUE, NULL),
                        "t.policy:1: memory limit must be at least 16M");
    assert_string_equal(parse_bad("limit time 0\n", WB_ERR_POLICY_VALUE, NULL),
                        "t.policy:1: duration must be greater than 0");
    assert_string_equal(parse_bad("limit memory 99999999999999999999\n", WB_ERR_POLICY_VALUE,
                                  NULL),
                        "t.policy:1: expected a size such as 4096, 64K, 256M, 2G or unlimited");
    assert_string_equal(parse_bad("limit memory 20000000T\n", WB_ERR_POLICY_VALUE, NULL),
                        "t.policy:1: size too large");
    assert_string_equal(parse_bad("env 1X=y\n", WB_ERR_POLICY_VALUE, NULL),
                        "t.policy:1: environment variable names start with a letter or _");
    assert_string_equal(parse_bad("env A=1\nenv A=2\n", WB_ERR_POLICY_VALUE, NULL),
                        "t.policy:2: environment variable A already set on line 1");
    assert_string_equal(parse_bad("env \"A=1\n", WB_ERR_POLICY_SYNTAX, NULL),
                        "t.policy:1: unterminated quoted string");
    assert_string_equal(parse_bad("env \"A=\\q\"\n", WB_ERR_POLICY_SYNTAX, NULL),
                        "t.policy:1: unknown escape in quoted string (use \\\\, \\\", \\n or \\t)");
    assert_string_equal(parse_bad("require magic\n", WB_ERR_POLICY_UNKNOWN_KEY, NULL),
                        "t.policy:1: unknown layer 'magic'");
    assert_string_equal(parse_bad("name bad/name\n", WB_ERR_POLICY_VALUE, NULL),
                        "t.policy:1: policy names are 1-63 letters, digits, '-', '_' or '.'");
    assert_string_equal(parse_bad("base nope\n", WB_ERR_POLICY_VALUE, NULL),
                        "t.policy:1: unknown base policy 'nope' (strict, standard, permissive)");
}

static void test_nul_and_long_lines(void **state)
{
    char big[WB_POLICY_MAX_LINE + 20];
    wb_policy_errors errs;
    wb_policy *p;
    (void)state;
    assert_int_equal(wb_policy_parse("name a\0b\n", 9, "t", &p, &errs), WB_ERR_POLICY_SYNTAX);
    assert_string_equal(errs.e[0].msg, "NUL byte in a policy file");
    memset(big, 'a', sizeof big);
    big[0] = '#';
    assert_int_equal(wb_policy_parse(big, sizeof big, "t", &p, &errs), WB_ERR_POLICY_SYNTAX);
    assert_int_equal(errs.e[0].line, 1);
}

static void test_many_errors_are_capped(void **state)
{
    size_t n = (WB_POLICY_MAX_ERRORS + 10) * 2;
    char *text = malloc(n + 1);
    wb_policy_errors errs;
    wb_policy *p;
    (void)state;
    for (size_t i = 0; i < n; i += 2)
        memcpy(text + i, "x\n", 2);
    text[n] = '\0';
    assert_int_equal(wb_policy_parse(text, n, "t", &p, &errs), WB_ERR_POLICY_UNKNOWN_KEY);
    assert_int_equal(errs.count, WB_POLICY_MAX_ERRORS);
    assert_int_equal(errs.dropped, 10);
    free(text);
}

/* show's text parses back into the same policy. */
static void test_round_trip(void **state)
{
    const char *text = "base standard\nname rt\ndir \"/h/a b\" /g rw\ndir /x /y\n"
                       "env \"Q=say \\\"hi\\\"\\n\"\nenv PATH\nlimit memory 300M\n"
                       "limit time 1500ms\nlimit fuel 77\noptional seccomp\nrequire landlock\n";
    wb_policy *a = parse_ok(text), *b;
    char buf[2048], buf2[2048];
    (void)state;
    wb_policy_to_text(a, buf, sizeof buf);
    b = parse_ok(buf);
    wb_policy_to_text(b, buf2, sizeof buf2);
    assert_string_equal(buf, buf2);
    assert_int_equal(a->required, b->required);
    assert_int_equal(a->limits.time_ms, 1500);
    assert_memory_equal(&a->limits, &b->limits, sizeof a->limits);
    assert_string_equal(b->env[0].value, "say \"hi\"\n");
    assert_string_equal(b->grants[0].host, "/h/a b");
    assert_false(b->required & WB_LAYER_BIT(WB_LAYER_SECCOMP));
    wb_policy_free(a);
    wb_policy_free(b);
    /* presets too */
    for (const char *const *n = wb_policy_presets; *n; n++) {
        wb_policy_preset(*n, &a);
        wb_policy_to_text(a, buf, sizeof buf);
        b = parse_ok(buf);
        assert_int_equal(a->required, b->required);
        assert_memory_equal(&a->limits, &b->limits, sizeof a->limits);
        assert_int_equal(a->syscalls_permissive, b->syscalls_permissive);
        wb_policy_free(a);
        wb_policy_free(b);
    }
}

static void test_setters(void **state)
{
    wb_policy *p;
    wb_diag d = { 0 };
    (void)state;
    wb_policy_preset("standard", &p);
    assert_int_equal(wb_policy_add_dir(p, "/tmp", "/data", true, &d), WB_OK);
    assert_int_equal(wb_policy_add_dir(p, "/tmp", "/data/sub", false, &d), WB_ERR_POLICY_VALUE);
    assert_string_equal(d.detail, "guest path /data/sub overlaps the grant of /data");
    assert_int_equal(wb_policy_add_env(p, "A", "1", &d), WB_OK);
    assert_int_equal(wb_policy_add_env(p, "A", "2", &d), WB_OK); /* later wins */
    assert_int_equal(p->nenv, 1);
    assert_string_equal(p->env[0].value, "2");
    assert_int_equal(wb_policy_set_limit(p, "memory", "2G", &d), WB_OK);
    assert_int_equal(p->limits.memory, 2ull << 30);
    assert_int_equal(wb_policy_set_limit(p, "colour", "2", &d), WB_ERR_POLICY_VALUE);
    for (unsigned i = 1; i < WB_POLICY_MAX_GRANTS; i++) {
        char g[32];
        snprintf(g, sizeof g, "/g%u", i);
        assert_int_equal(wb_policy_add_dir(p, "/tmp", g, false, &d), WB_OK);
    }
    assert_int_equal(wb_policy_add_dir(p, "/tmp", "/one-too-many", false, &d),
                     WB_ERR_POLICY_VALUE);
    wb_policy_free(p);
}

static bool has_rule(const wb_sc_rule **r, size_t n, const char *name, wb_sc_action a)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(r[i]->name, name) && r[i]->action == a)
            return true;
    return false;
}

static void test_rules(void **state)
{
    const wb_sc_rule *r[WB_SC_MAX_RULES];
    wb_sc_action def;
    wb_policy *p;
    size_t n;
    (void)state;

    wb_policy_preset("strict", &p);
    assert_int_equal(wb_policy_rules(p, WB_PHASE_COMPILE, 0, r, WB_SC_MAX_RULES, &n, &def), WB_OK);
    assert_int_equal(def, WB_SC_DENY);
    assert_true(has_rule(r, n, "read", WB_SC_ALLOW));
    assert_true(has_rule(r, n, "openat", WB_SC_ERRNO));
    assert_false(has_rule(r, n, "socket", WB_SC_ALLOW));
    assert_false(has_rule(r, n, "sigaltstack", WB_SC_ALLOW)); /* sanitizer only */
    for (size_t i = 0; i < n; i++) {
        assert_non_null(r[i]->reason);
        assert_true(r[i]->reason[0] != '\0');
        for (unsigned a = 0; a < r[i]->nargs; a++)
            assert_non_null(r[i]->args[a].why); /* STYLE.md 17 */
        /* W^X: no mmap/mprotect allow rule may admit WRITE|EXEC */
        if (r[i]->action == WB_SC_ALLOW &&
            (!strcmp(r[i]->name, "mmap") || !strcmp(r[i]->name, "mprotect"))) {
            bool wx_checked = false;
            for (unsigned a = 0; a < r[i]->nargs; a++)
                if (r[i]->args[a].index == 2 && r[i]->args[a].op == WB_ARG_MASKED_EQ &&
                    (r[i]->args[a].mask & 0x4) && r[i]->args[a].value != 0x6 &&
                    !((r[i]->args[a].value & 0x2) && (r[i]->args[a].value & 0x4)))
                    wx_checked = true;
            assert_true(wx_checked);
        }
    }
    assert_int_equal(wb_policy_rules(p, WB_PHASE_COMPILE, WB_RULES_SANITIZER, r,
                                     WB_SC_MAX_RULES, &n, &def), WB_OK);
    assert_true(has_rule(r, n, "sigaltstack", WB_SC_ALLOW));
    assert_int_equal(wb_policy_rules(p, WB_PHASE_RUN, 0, r, WB_SC_MAX_RULES, &n, &def), WB_OK);
    assert_int_equal(def, WB_SC_ALLOW);
    assert_true(has_rule(r, n, "mprotect", WB_SC_KILL));
    assert_true(has_rule(r, n, "mmap", WB_SC_KILL));
    for (size_t i = 0; i < n; i++)
        assert_int_equal(r[i]->action, WB_SC_KILL);
    /* capacity too small is reported */
    assert_int_equal(wb_policy_rules(p, WB_PHASE_COMPILE, 0, r, 2, &n, &def), WB_ERR_INTERNAL);
    assert_true(n > 2);
    wb_policy_free(p);

    wb_policy_preset("permissive", &p);
    assert_int_equal(wb_policy_rules(p, WB_PHASE_COMPILE, 0, r, WB_SC_MAX_RULES, &n, &def), WB_OK);
    assert_int_equal(def, WB_SC_ALLOW);
    assert_true(has_rule(r, n, "ptrace", WB_SC_DENY));
    assert_true(has_rule(r, n, "io_uring_setup", WB_SC_DENY));
    assert_true(has_rule(r, n, "ioctl", WB_SC_DENY)); /* TIOCSTI */
    for (size_t i = 0; i < n; i++)
        assert_true(r[i]->action != WB_SC_ALLOW);
    wb_policy_free(p);
}

static void test_layer_names(void **state)
{
    (void)state;
    for (unsigned l = 0; l < WB_LAYER__COUNT; l++)
        assert_int_equal(wb_layer_from_name(wb_layer_name((wb_layer)l)), (int)l);
    assert_int_equal(wb_layer_from_name("fs-isolation"), -2);
    assert_int_equal(wb_layer_from_name("x"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_presets),
        cmocka_unit_test(test_full_file),
        cmocka_unit_test(test_defaults_to_standard_named_after_file),
        cmocka_unit_test(test_unknown_key_has_line),
        cmocka_unit_test(test_every_error_reported),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_nul_and_long_lines),
        cmocka_unit_test(test_many_errors_are_capped),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_setters),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_layer_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* fuzz_policy.c — libFuzzer target: the policy-file parser on arbitrary
 * bytes, then everything a consumer does with the result (text round trip,
 * rule lists). Any crash, leak, sanitizer report or hang is a bug; parse
 * errors are normal. A policy that parses must print as text that parses
 * back to the same text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static wb_policy_errors errs;
    const wb_sc_rule *rules[WB_SC_MAX_RULES];
    wb_policy *p = NULL, *q = NULL;
    wb_sc_action def;
    char buf[320], *t1, *t2;
    size_t n, need;

    if (wb_policy_parse((const char *)data, size, "fuzz.policy", &p, &errs) != WB_OK) {
        for (unsigned i = 0; i < errs.count; i++)
            wb_policy_error_format("fuzz.policy", &errs.e[i], buf, sizeof buf);
        return 0;
    }
    for (int ph = 0; ph < WB_PHASE__COUNT; ph++)
        if (wb_policy_rules(p, (wb_phase)ph, WB_RULES_SANITIZER, rules, WB_SC_MAX_RULES, &n,
                            &def) != WB_OK)
            abort();
    need = wb_policy_to_text(p, NULL, 0) + 1;
    t1 = malloc(need);
    wb_policy_to_text(p, t1, need);
    if (wb_policy_parse(t1, strlen(t1), "fuzz.policy", &q, &errs) != WB_OK)
        abort(); /* show printed something check would reject */
    need = wb_policy_to_text(q, NULL, 0) + 1;
    t2 = malloc(need);
    wb_policy_to_text(q, t2, need);
    if (strcmp(t1, t2))
        abort();
    free(t1);
    free(t2);
    wb_policy_free(q);
    wb_policy_free(p);
    return 0;
}

/* policy_int.h — private to policy/: value parsers and validators shared by
 * the file parser and the command-line setters. Each validator returns NULL
 * when the value is fine, else a static or buf-formatted message. */
#ifndef WB_POLICY_INT_H
#define WB_POLICY_INT_H

#include "policy/policy.h"

/* An empty policy (no grants, no env, all limits unlimited, nothing
 * required) named name. NULL when out of memory. */
wb_policy *wb_policy_alloc(const char *name);

/* Copies preset `name` over p (limits, required, base, syscall mode; not
 * grants or env). Returns false when name is not a preset. */
bool wb_policy_apply_preset(wb_policy *p, const char *name);

/* Values: "256M", "1GiB", "4096", "unlimited"; "10s", "500ms", "2m", "1h". */
const char *wb_policy_parse_size(const char *s, uint64_t *out);
const char *wb_policy_parse_time(const char *s, uint64_t *out);
const char *wb_policy_parse_count(const char *s, uint64_t *out);

/* Checks one limit value and stores it; msg in buf on error. */
const char *wb_policy_limit_set(wb_policy *p, const char *key, const char *value,
                                char *buf, size_t size);

/* Grant and env checks; msg in buf on error. guest_out gets the normalized
 * guest path (caller frees) on success. */
const char *wb_policy_check_dir(const wb_policy *p, const char *host, const char *guest,
                                char **guest_out, char *buf, size_t size);
const char *wb_policy_check_env(const char *name, const char *value);
bool wb_policy_name_ok(const char *name);

/* Index of env `name` in p->env, or -1. */
int wb_policy_env_find(const wb_policy *p, const char *name);

#endif

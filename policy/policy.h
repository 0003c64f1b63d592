/* policy.h — presets and policy files → one compiled policy (grants, env,
 * limits, required sandbox layers) and the seccomp rule list of each worker
 * phase. Pure: no system calls, no global state; the text language is
 * documented in man/wasmbox-policy.5. sandbox/ turns the rules into BPF. */
#ifndef WB_POLICY_H
#define WB_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wb_common.h"

/* -- Limits of the language (overridable like wb_limits.h) -- */
#ifndef WB_POLICY_MAX_SIZE
#define WB_POLICY_MAX_SIZE    (256u * 1024u) /* bytes of one policy file */
#endif
#ifndef WB_POLICY_MAX_LINE
#define WB_POLICY_MAX_LINE    4096u          /* bytes of one line */
#endif
#ifndef WB_POLICY_MAX_GRANTS
#define WB_POLICY_MAX_GRANTS  32u            /* dir lines (each is an fd in the worker) */
#endif
#ifndef WB_POLICY_MAX_ENV
#define WB_POLICY_MAX_ENV     256u
#endif
#ifndef WB_POLICY_MAX_ERRORS
#define WB_POLICY_MAX_ERRORS  32u            /* messages kept by one parse */
#endif
#define WB_POLICY_NAME_MAX    63u

/* -- Fixed descriptor layout inside a confined worker. The seccomp rules
 * name these numbers (sendmsg only on the control fd, shared executable
 * mmap only of the code fd), so the sandbox moves every inherited fd to
 * them. Compare whole 64-bit arguments for equality only: the kernel reads
 * fds as 32 bits, so a "not equal" test could be dodged with high bits. -- */
#define WB_FD_CONTROL  3   /* SOCK_SEQPACKET to the supervisor */
#define WB_FD_CODE     4   /* sealed code memfd, when there is one */
#define WB_FD_PREOPEN  5   /* first granted directory; grant i is 5 + i */

/* -- Sandbox layers. A policy requires a set of them; the sandbox applies
 * every layer the kernel allows and refuses to run when a required one is
 * missing. Names are the words of the `require` key. -- */
#define WB_LAYERS(X) \
    X(NAMESPACES,   "namespaces",   "new mount, pid, ipc, uts and cgroup namespaces") \
    X(NETWORK,      "network",      "an empty network namespace") \
    X(FILESYSTEM,   "filesystem",   "an empty root: tmpfs + granted dirs, no /proc") \
    X(FDS,          "fds",          "only stdio, control, code and granted fds open") \
    X(RLIMITS,      "rlimits",      "memory, file-size, fd, core and cpu limits") \
    X(CAPABILITIES, "capabilities", "no capabilities, locked securebits, own uid") \
    X(NO_NEW_PRIVS, "no-new-privs", "no_new_privs set") \
    X(LANDLOCK,     "landlock",     "landlock: granted dirs only, no tcp, scoped") \
    X(SECCOMP,      "seccomp",      "seccomp allowlist; other calls end the worker")

typedef enum wb_layer {
#define WB_X(id, word, what) WB_LAYER_##id,
    WB_LAYERS(WB_X)
#undef WB_X
    WB_LAYER__COUNT
} wb_layer;

#define WB_LAYER_BIT(l)  (1u << (l))
#define WB_LAYERS_ALL    ((1u << WB_LAYER__COUNT) - 1u)
/* Pseudo-requirement: the filesystem is confined by an empty root OR by
 * landlock (either alone stops openat2 of absolute paths). */
#define WB_REQ_FS_ISOLATION (1u << 31)

const char *wb_layer_name(wb_layer l);   /* "seccomp"; never NULL */
const char *wb_layer_what(wb_layer l);   /* one-line description */
/* Layer word → layer; returns -1 when unknown ("fs-isolation" gives -2,
 * meaning WB_REQ_FS_ISOLATION). */
int wb_layer_from_name(const char *word);

/* -- The compiled policy -- */
#define WB_UNLIMITED UINT64_MAX

typedef struct wb_grant {
    char *host;    /* owned; absolute host path */
    char *guest;   /* owned; absolute, normalized guest path, not "/" */
    bool write;    /* rw; false = ro */
} wb_grant;

typedef struct wb_env {
    char *name;    /* owned */
    char *value;   /* owned; NULL = pass the supervisor's value through */
} wb_env;

typedef struct wb_policy_limits {
    uint64_t memory;      /* bytes of committed memory (RLIMIT_DATA) */
    uint64_t time_ms;     /* wall-clock time of one run */
    uint64_t fuel;        /* wasm fuel units; WB_UNLIMITED = fuel off */
    uint64_t file_size;   /* bytes of any file written (RLIMIT_FSIZE) */
    uint64_t output;      /* bytes written to stdout+stderr */
    uint64_t open_files;  /* descriptors (RLIMIT_NOFILE), besides the fixed ones */
} wb_policy_limits;

typedef struct wb_policy {
    char name[WB_POLICY_NAME_MAX + 1]; /* shown in messages: "strict", file name */
    char base[16];                     /* preset it started from */
    wb_grant grants[WB_POLICY_MAX_GRANTS];
    unsigned ngrants;
    wb_env *env;                       /* owned array of nenv */
    unsigned nenv;
    wb_policy_limits limits;
    uint32_t required;                 /* WB_LAYER_BIT()s | WB_REQ_FS_ISOLATION */
    bool syscalls_permissive;          /* default allow + denylist (permissive) */
} wb_policy;

/* One message of a parse, "FILE:LINE: msg" when formatted. */
typedef struct wb_policy_error {
    unsigned line;
    wb_err err;
    char msg[192];
} wb_policy_error;

typedef struct wb_policy_errors {
    unsigned count;       /* messages kept */
    unsigned dropped;     /* messages beyond WB_POLICY_MAX_ERRORS */
    wb_policy_error e[WB_POLICY_MAX_ERRORS];
} wb_policy_errors;

/* Preset names, NULL-terminated: "strict", "standard", "permissive". */
extern const char *const wb_policy_presets[];
#define WB_POLICY_DEFAULT "standard"

/* A new policy from a preset. *out is owned by the caller (wb_policy_free).
 * WB_ERR_POLICY_UNKNOWN when name is not a preset. */
wb_err wb_policy_preset(const char *name, wb_policy **out);

/* Parses a policy file's text (borrowed, need not be NUL-terminated).
 * file names the source in messages and gives the default policy name.
 * On success *out is a new policy (caller frees) and errs->count == 0; on
 * failure *out is NULL and errs (may be NULL) holds every problem found,
 * in line order. Returns the first error's code. */
wb_err wb_policy_parse(const char *text, size_t len, const char *file,
                       wb_policy **out, wb_policy_errors *errs);

void wb_policy_free(wb_policy *p);

/* Setters used by `run` for command-line overrides; strings are copied.
 * Each validates like the parser, detail into d (may be NULL). */
wb_err wb_policy_add_dir(wb_policy *p, const char *host, const char *guest, bool write,
                         wb_diag *d);
wb_err wb_policy_add_env(wb_policy *p, const char *name, const char *value, wb_diag *d);
/* key: "memory", "time", "fuel", "file-size", "output", "open-files";
 * value in the file syntax ("256M", "10s", "unlimited"). */
wb_err wb_policy_set_limit(wb_policy *p, const char *key, const char *value, wb_diag *d);

/* "FILE:LINE: message" into buf (always NUL-terminated); returns buf. */
char *wb_policy_error_format(const char *file, const wb_policy_error *e, char *buf,
                             size_t size);

/* Writes the policy as policy-file text (a file that parses back to the
 * same policy) into buf; returns the length it needs (like snprintf). */
size_t wb_policy_to_text(const wb_policy *p, char *buf, size_t size);

/* Formats a size (bytes) or a duration (ms) in the file syntax. */
char *wb_policy_fmt_size(uint64_t bytes, char *buf, size_t size);
char *wb_policy_fmt_time(uint64_t ms, char *buf, size_t size);

/* -- Seccomp rules -- */

typedef enum wb_phase {
    WB_PHASE_COMPILE = 0,  /* may create executable memory, never writable too */
    WB_PHASE_RUN = 1,      /* no new executable memory (stacked filter) */
    WB_PHASE__COUNT
} wb_phase;

typedef enum wb_sc_action {
    WB_SC_ALLOW,   /* the call runs */
    WB_SC_ERRNO,   /* the call fails with errnum, the worker goes on */
    WB_SC_DENY,    /* a policy violation: reported by name, worker killed */
    WB_SC_KILL,    /* worker killed by the kernel (run-phase filter: it has no
                    * listener of its own, see policy_rules.c) */
} wb_sc_action;

typedef enum wb_sc_op {
    WB_ARG_EQ,          /* arg == value */
    WB_ARG_MASKED_EQ,   /* (arg & mask) == value */
} wb_sc_op;

typedef struct wb_sc_arg {
    uint8_t index;      /* 0..5 */
    uint8_t op;         /* wb_sc_op */
    uint64_t mask;
    uint64_t value;
    const char *why;    /* why this argument is checked */
} wb_sc_arg;

#define WB_SC_MAX_ARGS 3

typedef struct wb_sc_rule {
    const char *name;   /* syscall name as libseccomp spells it */
    int nr;             /* x86-64 number when libseccomp may not know the
                         * name (newer than 2.5), else -1 */
    uint8_t action;     /* wb_sc_action */
    uint8_t nargs;
    int errnum;         /* for WB_SC_ERRNO */
    uint32_t flags;     /* WB_SCF_* */
    wb_sc_arg args[WB_SC_MAX_ARGS];
    const char *reason; /* why the worker needs it (or why it is denied) */
} wb_sc_rule;

#define WB_SCF_COMPILE    0x01u  /* in the compile-phase filter */
#define WB_SCF_RUN        0x02u  /* in the run-phase filter */
#define WB_SCF_SANITIZER  0x04u  /* only with WB_RULES_SANITIZER */
#define WB_SCF_PERMISSIVE 0x08u  /* only for a default-allow (permissive) filter */
#define WB_SCF_STRICT     0x10u  /* only for a default-deny filter */
#define WB_SCF_NO_SANITIZER 0x20u /* left out with WB_RULES_SANITIZER */

/* Options of wb_policy_rules. */
#define WB_RULES_SANITIZER 0x1u  /* add what ASan/UBSan runtimes call (relaxed
                                  * filter for sanitizer builds) */

/* Fills out[] (capacity cap) with the rules of one phase, in table order;
 * *n gets the count (it may exceed cap: then nothing past cap is written and
 * the call returns WB_ERR_INTERNAL). *default_action gets the action for
 * every call no rule matches. Pointers are static. */
wb_err wb_policy_rules(const wb_policy *p, wb_phase phase, unsigned opts,
                       const wb_sc_rule **out, size_t cap, size_t *n,
                       wb_sc_action *default_action);
#define WB_SC_MAX_RULES 160u

const char *wb_sc_action_name(wb_sc_action a); /* "allow", "errno", "deny", "kill" */
const char *wb_phase_name(wb_phase ph);        /* "compile", "run" */

#endif

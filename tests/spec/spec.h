/* spec.h — the spec-suite runner: shared state of runner.c (arguments, files,
 * totals), isolate.c (one forked child per script), script.c (running one
 * wast2json script, command by command), exec.c (the commands that execute
 * through wasmbox.h) and values.c (wast2json's typed values). */
#ifndef WB_SPEC_H
#define WB_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasmbox.h"
#include "json.h"

/* -- Counts -- */

/* Why a command failed: the closing summary counts failures per category so
 * that compiler and runtime developers see where to look.
 * X(NAME, "words") */
#define SPEC_CATEGORIES(X)                                                          \
    X(WRONG_RESULT, "wrong result")                                                 \
    X(UNEXPECTED_TRAP, "unexpected trap")                                           \
    X(MISSING_TRAP, "missing trap")                                                 \
    X(WRONG_TRAP, "wrong trap message")                                             \
    X(CALL_ERROR, "call failed without a trap")                                     \
    X(COMPILE, "valid module not compiled")                                         \
    X(INSTANTIATE, "module not instantiated")                                       \
    X(LINK, "assert_unlinkable wrong")                                              \
    X(UNINSTANTIABLE, "assert_uninstantiable wrong")                                \
    X(REJECT, "assert_malformed/assert_invalid wrong")                              \
    X(NO_MODULE, "command on a module that failed")                                 \
    X(SCRIPT, "script or harness problem")                                          \
    X(CRASH, "script crashed")                                                      \
    X(TIMEOUT, "script timed out")

typedef enum spec_cat {
#define SPEC_CAT_ENUM(name, words) SPEC_CAT_##name,
    SPEC_CATEGORIES(SPEC_CAT_ENUM)
#undef SPEC_CAT_ENUM
    SPEC_CAT__COUNT
} spec_cat;

const char *spec_cat_words(spec_cat c);

typedef struct spec_counts {
    unsigned long passed, failed, skipped;
    unsigned long nyi;                     /* of skipped: WB_ERR_UNSUPPORTED */
    /* Execution commands of validation-only scripts (simd_*: the baseline
     * tier compiles no v128). Outside the scope of the suite as the
     * project defines it today, so neither passed, failed nor skipped, but
     * always printed. */
    unsigned long out_of_scope;
    unsigned long by_cat[SPEC_CAT__COUNT]; /* of failed */
} spec_counts;

void spec_counts_add(spec_counts *to, const spec_counts *c);

/* -- The run -- */

/* Options, totals and the failure-line budget. */
typedef struct spec_runner {
    bool verbose;               /* -v: every failure and skip-as-NYI, plus notes */
    bool isolate;               /* one forked child per script (default) */
    bool simd;                  /* --simd: execute simd_* scripts too */
    unsigned timeout;           /* seconds per script, 0 = none (isolate only) */
    unsigned long max_fail_lines; /* without -v: FAIL lines printed at most */
    unsigned long fail_lines;   /* FAIL lines printed so far */
    unsigned long fail_hidden;  /* failures beyond the budget */
    int report_fd;              /* in a child: where progress goes, else -1 */
    spec_counts total;
} spec_runner;

typedef struct spec_rt spec_rt; /* exec.c: engine, store, instances */

/* One script being run. */
typedef struct spec_script {
    spec_runner *run;
    const char *name;           /* "br_table" */
    const char *dir;            /* directory of the .json and its modules */
    bool validation_only;       /* simd_*: execution commands stay skipped */
    spec_counts counts;

    /* The command being run, for messages. */
    int64_t line;
    const char *cmd_type;

    spec_rt *rt;                /* created by the first command that needs it */
} spec_script;

/* -- Results of a command (script.c); each call counts one unit. -- */

void spec_pass(spec_script *s);
void spec_skip(spec_script *s);
/* An execution command of a validation-only script (see out_of_scope). */
void spec_out_of_scope(spec_script *s);
/* Counts a skip because the runtime answered WB_ERR_INTERNAL (not
 * implemented yet); printed as "NYI ..." with -v. */
void spec_nyi(spec_script *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Counts a failure of category cat and prints "FAIL <script>.wast:<line>
 * <type>: <reason>" (all of them with -v, else within the run's budget). */
void spec_fail(spec_script *s, spec_cat cat, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A remark that changes no count, printed only with -v. */
void spec_note(spec_script *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints a FAIL line on behalf of a script that cannot (it crashed),
 * within the budget; counts nothing. */
void spec_fail_line(spec_runner *run, const char *script, int64_t line, const char *cmd,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Runs the script at json_path (borrowed) in this process and adds its
 * counts to *out. Never exits: every problem is a failure. Reports progress
 * through run->report_fd when set. */
void spec_run_script(spec_runner *run, const char *json_path, spec_counts *out);

/* Prints "  <name>: N passed, N failed, N skipped[ (...)]" for json_path
 * and adds c to run->total. extra (may be NULL) is appended. */
void spec_print_summary(spec_runner *run, const char *json_path, const spec_counts *c,
                        const char *extra);

/* Reads the module file named by cmd's "filename" (next to the script)
 * into a new buffer (caller frees). Returns false after counting a failure. */
bool spec_read_module(spec_script *s, const wb_json *cmd, char **bytes, size_t *size);

/* -- One child per script (isolate.c) -- */

/* Runs the script in a forked child (watchdog: run->timeout), prints its
 * summary and adds its counts; a crash or a timeout is one failure. */
void spec_run_isolated(spec_runner *run, const char *json_path);
/* In a child: sends the counts so far and the command about to run. */
void spec_progress(spec_script *s);

/* -- Commands that execute (exec.c) -- */

void spec_rt_free(spec_rt *rt);
void spec_exec_module(spec_script *s, const wb_json *cmd);
void spec_exec_register(spec_script *s, const wb_json *cmd);
void spec_exec_action(spec_script *s, const wb_json *cmd);
void spec_exec_assert_return(spec_script *s, const wb_json *cmd);
void spec_exec_assert_trap(spec_script *s, const wb_json *cmd); /* and exhaustion */
void spec_exec_assert_unlinkable(spec_script *s, const wb_json *cmd);
void spec_exec_assert_uninstantiable(spec_script *s, const wb_json *cmd);

/* The host externref standing for wast's (ref.extern n): created once per
 * number and kept until the store is freed; 0 when out of memory. */
wb_externref spec_rt_externref(spec_rt *rt, uint64_t n);
/* The number of a host externref made by spec_rt_externref, if it is one. */
bool spec_rt_externref_number(const spec_rt *rt, wb_externref r, uint64_t *n);

/* -- Typed values (values.c) -- */

/* What a wast2json value {"type": ..., "value": ...} expects of a result. */
typedef enum spec_want {
    SPEC_WANT_EXACT,            /* these bits */
    SPEC_WANT_NAN_CANONICAL,    /* the canonical NaN, either sign */
    SPEC_WANT_NAN_ARITHMETIC,   /* any NaN with the quiet bit set */
    SPEC_WANT_NONNULL,          /* a non-null funcref */
} spec_want;

typedef struct spec_expect {
    wb_val val;                 /* type, and the bits for EXACT */
    spec_want want;             /* scalars */
    uint8_t lane_type;          /* v128: WB_I32 ... or 8 / 16 for i8 / i16 */
    uint8_t nlanes;
    spec_want lane_want[16];
} spec_expect;

/* Parses an argument value. false with *why (static) when malformed;
 * needs rt only for externrefs. */
bool spec_val_parse(spec_rt *rt, const wb_json *v, wb_val *out, const char **why);
/* Parses an expected result. */
bool spec_expect_parse(spec_rt *rt, const wb_json *v, spec_expect *out, const char **why);
/* Whether got satisfies e. */
bool spec_expect_match(const spec_expect *e, const wb_val *got);
/* Human-readable forms for messages: "i32:4294967295", "f32:nan:canonical",
 * "externref:1". Always NUL-terminated; return buf. like (may be NULL): the
 * expectation v is compared with, for the v128 lane shape. */
char *spec_val_format(const spec_rt *rt, const wb_val *v, const spec_expect *like, char *buf,
                      size_t size);
char *spec_expect_format(const spec_rt *rt, const spec_expect *e, char *buf, size_t size);

/* -- Files (runner.c) -- */

#define SPEC_MAX_FILE_SIZE (256u * 1024u * 1024u)

/* Reads the whole file at path into a new malloc'd buffer (NUL-terminated,
 * *size excludes the NUL; caller frees). Returns 0, or an errno value
 * (EFBIG when larger than SPEC_MAX_FILE_SIZE). */
int spec_read_file(const char *path, char **data, size_t *size);

#endif

/* spec.h — the spec-suite runner: shared state of runner.c (arguments, files,
 * output) and script.c (running one wast2json script, command by command). */
#ifndef WB_SPEC_H
#define WB_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct spec_counts {
    unsigned long passed, failed, skipped;
} spec_counts;

/* The whole run: options, totals and the failure-line budget. */
typedef struct spec_runner {
    bool verbose;               /* -v: every failure, plus notes */
    unsigned long max_fail_lines; /* without -v: FAIL lines printed at most */
    unsigned long fail_lines;   /* FAIL lines printed so far */
    unsigned long fail_hidden;  /* failures beyond the budget */
    spec_counts total;
} spec_runner;

/* One script being run. Later, the runtime's state (instances, registered
 * modules) joins the current-module fields here. */
typedef struct spec_script {
    spec_runner *run;
    const char *name;           /* "br_table" */
    const char *dir;            /* directory of the .json and its modules */
    bool validation_only;       /* simd_*: execution commands stay skipped */
    spec_counts counts;

    /* The command being run, for messages. */
    int64_t line;
    const char *cmd_type;

    /* The last module defined by a "module" command (owned), and its
     * optional $name (owned); NULL when none. */
    char *module_file;
    char *module_name;
} spec_script;

/* -- Results of a command (script.c); each call counts one unit. -- */

void spec_pass(spec_script *s);
void spec_skip(spec_script *s);
/* Counts a failure and prints "FAIL <script>.wast:<line> <type>: <reason>"
 * (all of them with -v, else within the run's budget). */
void spec_fail(spec_script *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A remark that changes no count, printed only with -v. */
void spec_note(spec_script *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Runs the script at json_path (borrowed) and prints its summary line;
 * adds its counts to run->total. Never exits: every problem is a failure. */
void spec_run_script(spec_runner *run, const char *json_path);

/* -- Files (runner.c) -- */

#define SPEC_MAX_FILE_SIZE (256u * 1024u * 1024u)

/* Reads the whole file at path into a new malloc'd buffer (NUL-terminated,
 * *size excludes the NUL; caller frees). Returns 0, or an errno value
 * (EFBIG when larger than SPEC_MAX_FILE_SIZE). */
int spec_read_file(const char *path, char **data, size_t *size);

#endif

/* wb_common.h — error codes, error classes and diagnostics shared by every
 * wasmbox module. Functions return wb_err (0 = WB_OK); detail goes into an
 * optional wb_diag out-parameter. */
#ifndef WB_COMMON_H
#define WB_COMMON_H

#include <stddef.h>
#include <stdint.h>

typedef enum wb_err {
    WB_OK = 0,
#define WB_ERR(name, cls, msg) WB_ERR_##name,
#include "wb_errors.def"
#undef WB_ERR
    WB_ERR__COUNT
} wb_err;

typedef enum wb_err_class {
    WB_CLASS_NONE = 0,
    WB_CLASS_MALFORMED,
    WB_CLASS_INVALID,
    WB_CLASS_LIMIT,
    WB_CLASS_IO,
    WB_CLASS_USAGE,
    WB_CLASS_INTERNAL,
    WB_CLASS_LINK,      /* instantiation: imports do not match */
    WB_CLASS_TRAP,      /* a wasm trap */
    WB_CLASS_EXIT,      /* the module asked to exit (proc_exit) */
} wb_err_class;

/* Where and why something failed. All fields are filled by the function
 * that first detects the error; callers only read them. */
typedef struct wb_diag {
    wb_err err;
    const char *section;  /* static string: "type", "code", ... or NULL */
    size_t offset;        /* byte offset in the input */
    char detail[128];     /* optional extra words ("function 3", "limit 50000") */
} wb_diag;

/* Static message and class of an error code; never NULL. */
const char *wb_err_message(wb_err err);
wb_err_class wb_err_class_of(wb_err err);
const char *wb_err_class_name(wb_err_class cls); /* "malformed module", ... */

/* Records err at (section, offset) into d (may be NULL); returns err, so
 * callers write `return wb_diag_set(d, WB_ERR_X, "code", off);`. */
wb_err wb_diag_set(wb_diag *d, wb_err err, const char *section, size_t offset);
/* Same, with printf-style detail. */
wb_err wb_diag_setf(wb_diag *d, wb_err err, const char *section, size_t offset,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Formats "<class>: <section> section at offset 0x1a2: <message>[ (<detail>)]"
 * into buf (always NUL-terminated). Returns buf. */
char *wb_diag_format(const wb_diag *d, char *buf, size_t size);

#endif

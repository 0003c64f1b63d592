/* wb_common.c — error messages, classes and diagnostics (from wb_errors.def). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wb_common.h"

static const char *const err_messages[WB_ERR__COUNT] = {
    [WB_OK] = "ok",
#define WB_ERR(name, cls, msg) [WB_ERR_##name] = msg,
#include "wb_errors.def"
#undef WB_ERR
};

static const unsigned char err_classes[WB_ERR__COUNT] = {
    [WB_OK] = WB_CLASS_NONE,
#define WB_ERR(name, cls, msg) [WB_ERR_##name] = WB_CLASS_##cls,
#include "wb_errors.def"
#undef WB_ERR
};

const char *wb_err_message(wb_err err)
{
    if ((unsigned)err >= WB_ERR__COUNT)
        return "unknown error";
    return err_messages[err];
}

wb_err_class wb_err_class_of(wb_err err)
{
    if ((unsigned)err >= WB_ERR__COUNT)
        return WB_CLASS_INTERNAL;
    return (wb_err_class)err_classes[err];
}

const char *wb_err_class_name(wb_err_class cls)
{
    switch (cls) {
    case WB_CLASS_NONE: return "ok";
    case WB_CLASS_MALFORMED: return "malformed module";
    case WB_CLASS_INVALID: return "invalid module";
    case WB_CLASS_LIMIT: return "invalid module";
    case WB_CLASS_IO: return "i/o error";
    case WB_CLASS_USAGE: return "usage error";
    case WB_CLASS_INTERNAL: return "internal error";
    case WB_CLASS_LINK: return "link error";
    case WB_CLASS_TRAP: return "wasm trap";
    case WB_CLASS_EXIT: return "exit";
    }
    return "error";
}

wb_err wb_diag_set(wb_diag *d, wb_err err, const char *section, size_t offset)
{
    if (d) {
        d->err = err;
        d->section = section;
        d->offset = offset;
        d->detail[0] = '\0';
    }
    return err;
}

wb_err wb_diag_setf(wb_diag *d, wb_err err, const char *section, size_t offset,
                    const char *fmt, ...)
{
    if (d) {
        va_list ap;
        wb_diag_set(d, err, section, offset);
        va_start(ap, fmt);
        vsnprintf(d->detail, sizeof d->detail, fmt, ap);
        va_end(ap);
    }
    return err;
}

char *wb_diag_format(const wb_diag *d, char *buf, size_t size)
{
    const char *cls = wb_err_class_name(wb_err_class_of(d->err));
    int n;

    if (d->section)
        n = snprintf(buf, size, "%s: %s section at offset 0x%zx: %s", cls,
                     d->section, d->offset, wb_err_message(d->err));
    else
        n = snprintf(buf, size, "%s: at offset 0x%zx: %s", cls, d->offset,
                     wb_err_message(d->err));
    if (d->detail[0] && n >= 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, " (%s)", d->detail);
    return buf;
}

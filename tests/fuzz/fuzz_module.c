/* fuzz_module.c — libFuzzer target: decode + validate arbitrary bytes.
 * Any crash, leak, sanitizer report or hang is a bug; errors are normal. */
#include <stddef.h>
#include <stdint.h>

#include "wasm/wasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wb_module *m = NULL;
    wb_diag d;
    char buf[320];

    if (wb_module_load(data, size, &m, &d) != WB_OK) {
        wb_diag_format(&d, buf, sizeof buf); /* exercise the message path */
        return 0;
    }
    /* Walk what a consumer walks, so bad pointers in the result show up. */
    for (uint32_t i = 0; i < m->nfuncs; i++)
        (void)wb_module_func_name(m, i);
    wb_module_free(m);
    return 0;
}

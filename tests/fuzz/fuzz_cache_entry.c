/* fuzz_cache_entry.c — libFuzzer target: the code-cache entry parser on
 * arbitrary bytes (cache/cache_entry.c, cache/cache_check.c). The first
 * byte picks what the rest is:
 *   'P'   u32 n, then n bytes of decompressed tables, then the code
 *         (reaches the artifact parser and checks without forging
 *         checksums)
 *   else  a whole entry file (header, checksums, zstd, padding), parsed
 *         both with the code copied and in place (as a mapping is)
 * An artifact that passes is then checked against a small module, and
 * walked the way the runtime walks it. Any crash, leak, sanitizer report
 * or hang is a bug; refusals are normal. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "cache/cache_int.h"

/* (module (func (export "f") (param externref i32) (result i32)
 *   (local externref) local.get 1) (func) (func)) -- three functions */
static const uint8_t small_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x02, 0x60, 0x02, 0x6f,
    0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00, 0x03, 0x04, 0x03, 0x00, 0x01, 0x01, 0x07, 0x05,
    0x01, 0x01, 0x66, 0x00, 0x00, 0x0a, 0x0e, 0x03, 0x06, 0x01, 0x01, 0x6f, 0x20, 0x01,
    0x0b, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static wb_module *m;
    wb_artifact *a = NULL;
    wb_diag d;
    volatile uint64_t sink = 0;

    if (!m && wb_module_load(small_wasm, sizeof small_wasm, &m, NULL) != WB_OK)
        abort();
    if (size == 0)
        return 0;
    if (data[0] == 'P') {
        uint32_t n;
        if (size < 5)
            return 0;
        n = (uint32_t)data[1] | (uint32_t)data[2] << 8 | (uint32_t)data[3] << 16 |
            (uint32_t)data[4] << 24;
        if (n > size - 5)
            return 0;
        if (wb_cache_payload_decode(data + 5, n, data + 5 + n, (uint32_t)(size - 5 - n), &a,
                                    &d) != WB_OK)
            return 0;
    } else {
        wb_cache_code_ref ref;
        wb_err in_place = wb_cache_entry_parse(data + 1, size - 1, NULL, false, &a, &ref, &d);
        wb_artifact_free(a);
        a = NULL;
        if (wb_cache_entry_decode(data + 1, size - 1, NULL, &a, &d) != WB_OK) {
            if (in_place == WB_OK)
                abort();                    /* the two parses must agree */
            return 0;
        }
        if (in_place != WB_OK || ref.offset % WB_CACHE_CODE_ALIGN || ref.offset > size - 1)
            abort();
    }
    /* What the trap handler, the collector and the unwinder read. */
    for (uint32_t i = 0; i < a->ntraps; i++)
        sink += a->code[a->traps[i].code_offset];
    for (uint32_t i = 0; i < a->ncalls; i++)
        for (uint32_t k = 0; k < a->calls[i].map_count; k++)
            sink += (uint64_t)a->ref_slots[a->calls[i].map_start + k];
    for (uint32_t i = 0; i < a->nfuncs; i++)
        sink += wb_artifact_func_at(a, a->func_offsets[i]) >= 0;
    (void)wb_cache_artifact_check(a, a->code, m, NULL, &d);
    (void)sink;
    wb_artifact_free(a);
    return 0;
}

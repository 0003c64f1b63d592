/* test_read.c — LEB128, byte and name readers: exact boundaries of every
 * encoding rule in the binary format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "wasm/wasm.h"

#define R(...) ((const uint8_t[]){ __VA_ARGS__ })
#define RD(bytes) (wb_reader){ .base = bytes, .pos = 0, .end = sizeof(bytes), .section = "test" }

static wb_err u32_of(const uint8_t *b, size_t n, uint32_t *v, size_t *used)
{
    wb_reader r = { .base = b, .pos = 0, .end = n, .section = "test" };
    wb_diag d;
    wb_err err = wb_read_u32(&r, v, &d);
    *used = r.pos;
    return err;
}

static void test_u32_values(void **state)
{
    (void)state;
    uint32_t v;
    size_t used;
    assert_int_equal(u32_of(R(0x00), 1, &v, &used), WB_OK);
    assert_int_equal(v, 0); assert_int_equal(used, 1);
    assert_int_equal(u32_of(R(0x7f), 1, &v, &used), WB_OK);
    assert_int_equal(v, 127);
    assert_int_equal(u32_of(R(0x80, 0x01), 2, &v, &used), WB_OK);
    assert_int_equal(v, 128); assert_int_equal(used, 2);
    /* over-long but within 5 bytes is allowed */
    assert_int_equal(u32_of(R(0x80, 0x80, 0x80, 0x80, 0x00), 5, &v, &used), WB_OK);
    assert_int_equal(v, 0); assert_int_equal(used, 5);
    assert_int_equal(u32_of(R(0xff, 0xff, 0xff, 0xff, 0x0f), 5, &v, &used), WB_OK);
    assert_int_equal(v, 0xffffffffu);
    assert_int_equal(u32_of(R(0xe5, 0x8e, 0x26), 3, &v, &used), WB_OK);
    assert_int_equal(v, 624485);
}

static void test_u32_errors(void **state)
{
    (void)state;
    uint32_t v;
    size_t used;
    /* sixth byte: too long */
    assert_int_equal(u32_of(R(0x80, 0x80, 0x80, 0x80, 0x80, 0x00), 6, &v, &used),
                     WB_ERR_INT_TOO_LONG);
    /* fifth byte with bits above 32 set: too large */
    assert_int_equal(u32_of(R(0xff, 0xff, 0xff, 0xff, 0x1f), 5, &v, &used),
                     WB_ERR_INT_TOO_LARGE);
    assert_int_equal(u32_of(R(0x80, 0x80, 0x80, 0x80, 0x70), 5, &v, &used),
                     WB_ERR_INT_TOO_LARGE);
    /* truncated */
    assert_int_equal(u32_of(R(0x80, 0x80), 2, &v, &used), WB_ERR_UNEXPECTED_END);
    assert_int_equal(u32_of(R(0), 0, &v, &used), WB_ERR_UNEXPECTED_END);
}

static wb_err s32_of(const uint8_t *b, size_t n, int32_t *v)
{
    wb_reader r = { .base = b, .pos = 0, .end = n, .section = "test" };
    return wb_read_s32(&r, v, NULL);
}

static wb_err s64_of(const uint8_t *b, size_t n, int64_t *v)
{
    wb_reader r = { .base = b, .pos = 0, .end = n, .section = "test" };
    return wb_read_s64(&r, v, NULL);
}

static void test_s32(void **state)
{
    (void)state;
    int32_t v;
    assert_int_equal(s32_of(R(0x7f), 1, &v), WB_OK); assert_int_equal(v, -1);
    assert_int_equal(s32_of(R(0x3f), 1, &v), WB_OK); assert_int_equal(v, 63);
    assert_int_equal(s32_of(R(0x40), 1, &v), WB_OK); assert_int_equal(v, -64);
    assert_int_equal(s32_of(R(0x80, 0x7f), 2, &v), WB_OK); assert_int_equal(v, -128);
    assert_int_equal(s32_of(R(0x80, 0x80, 0x80, 0x80, 0x78), 5, &v), WB_OK);
    assert_int_equal(v, INT32_MIN);
    assert_int_equal(s32_of(R(0xff, 0xff, 0xff, 0xff, 0x07), 5, &v), WB_OK);
    assert_int_equal(v, INT32_MAX);
    /* last byte's unused bits must sign-extend bit 31 */
    assert_int_equal(s32_of(R(0xff, 0xff, 0xff, 0xff, 0x0f), 5, &v), WB_ERR_INT_TOO_LARGE);
    assert_int_equal(s32_of(R(0x80, 0x80, 0x80, 0x80, 0x70), 5, &v), WB_ERR_INT_TOO_LARGE);
    assert_int_equal(s32_of(R(0xff, 0xff, 0xff, 0xff, 0x7f), 5, &v), WB_OK);
    assert_int_equal(v, -1);
    assert_int_equal(s32_of(R(0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), 6, &v),
                     WB_ERR_INT_TOO_LONG);
}

static void test_s64(void **state)
{
    (void)state;
    int64_t v;
    assert_int_equal(s64_of(R(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f),
                            10, &v), WB_OK);
    assert_true(v == INT64_MIN);
    assert_int_equal(s64_of(R(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00),
                            10, &v), WB_OK);
    assert_true(v == INT64_MAX);
    /* tenth byte carries one bit; the rest must match it */
    assert_int_equal(s64_of(R(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
                            10, &v), WB_ERR_INT_TOO_LARGE);
    assert_int_equal(s64_of(R(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00),
                            11, &v), WB_ERR_INT_TOO_LONG);
}

static void test_s33(void **state)
{
    (void)state;
    int64_t v;
    wb_reader r = RD(R(0xff, 0xff, 0xff, 0xff, 0x0f));
    assert_int_equal(wb_read_s33(&r, &v, NULL), WB_OK);
    assert_true(v == 0xffffffffLL);
    wb_reader r2 = RD(R(0xff, 0xff, 0xff, 0xff, 0x7f));
    assert_int_equal(wb_read_s33(&r2, &v, NULL), WB_OK);
    assert_true(v == -1);
    wb_reader r3 = RD(R(0xff, 0xff, 0xff, 0xff, 0x2f));
    assert_int_equal(wb_read_s33(&r3, &v, NULL), WB_ERR_INT_TOO_LARGE);
    wb_reader r4 = RD(R(0xff, 0xff, 0xff, 0xff, 0x1f)); /* sign bit set, bits 5-6 clear */
    assert_int_equal(wb_read_s33(&r4, &v, NULL), WB_ERR_INT_TOO_LARGE);
}

static wb_err name_of(const uint8_t *b, size_t n, wb_diag *d)
{
    wb_reader r = { .base = b, .pos = 0, .end = n, .section = "import" };
    wb_name nm;
    return wb_read_name(&r, &nm, d);
}

static void test_names(void **state)
{
    (void)state;
    wb_diag d;
    assert_int_equal(name_of(R(3, 'a', 'b', 'c'), 4, &d), WB_OK);
    assert_int_equal(name_of(R(2, 0xc3, 0xa9), 3, &d), WB_OK);            /* é */
    assert_int_equal(name_of(R(4, 0xf0, 0x9f, 0x98, 0x80), 5, &d), WB_OK); /* U+1F600 */
    assert_int_equal(name_of(R(2, 0xc0, 0x80), 3, &d), WB_ERR_UTF8);      /* overlong NUL */
    assert_int_equal(name_of(R(3, 0xed, 0xa0, 0x80), 4, &d), WB_ERR_UTF8); /* surrogate */
    assert_int_equal(name_of(R(4, 0xf4, 0x90, 0x80, 0x80), 5, &d), WB_ERR_UTF8); /* > 10FFFF */
    assert_int_equal(name_of(R(1, 0x80), 2, &d), WB_ERR_UTF8);            /* lone continuation */
    assert_int_equal(name_of(R(2, 0xe2, 0x82), 3, &d), WB_ERR_UTF8);      /* truncated seq */
    assert_int_equal(name_of(R(5, 'a'), 2, &d), WB_ERR_UNEXPECTED_END);
    assert_string_equal(d.section, "import");
    assert_int_equal(d.offset, 1);
}

static void test_bytes(void **state)
{
    (void)state;
    const uint8_t *p;
    wb_reader r = RD(R(1, 2, 3));
    assert_int_equal(wb_read_bytes(&r, 2, &p, NULL), WB_OK);
    assert_int_equal(p[1], 2);
    assert_int_equal(wb_read_bytes(&r, 2, &p, NULL), WB_ERR_UNEXPECTED_END);
    assert_int_equal(wb_read_bytes(&r, SIZE_MAX, &p, NULL), WB_ERR_UNEXPECTED_END);
    assert_int_equal(r.pos, 2);
}

static void test_diag_format(void **state)
{
    (void)state;
    wb_diag d;
    char buf[256];
    wb_diag_set(&d, WB_ERR_TYPE_MISMATCH, "code", 0x1a2);
    assert_string_equal(wb_diag_format(&d, buf, sizeof buf),
                        "invalid module: code section at offset 0x1a2: type mismatch");
    wb_diag_setf(&d, WB_ERR_INT_TOO_LONG, "type", 9, "function %d", 3);
    assert_string_equal(wb_diag_format(&d, buf, sizeof buf),
                        "malformed module: type section at offset 0x9: "
                        "integer representation too long (function 3)");
    assert_int_equal(wb_err_class_of(WB_ERR_LIMIT_LOCALS), WB_CLASS_LIMIT);
    assert_string_equal(wb_err_message((wb_err)99999), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_u32_values),
        cmocka_unit_test(test_u32_errors),
        cmocka_unit_test(test_s32),
        cmocka_unit_test(test_s64),
        cmocka_unit_test(test_s33),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_diag_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

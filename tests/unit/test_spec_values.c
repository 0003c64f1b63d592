/* test_spec_values.c — the spec runner's typed values (tests/spec/values.c):
 * wast2json's decimal bit patterns, the two NaN classes, v128 lanes,
 * references, and malformed values rejected with a reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* Test-only code outside libwasmbox.a, compiled in (as test_spec_json). */
#include "tests/spec/json.c"
#include "tests/spec/values.c"

/* -- Stand-ins for exec.c: externref n is the handle 1000 + n. -- */

wb_externref spec_rt_externref(spec_rt *rt, uint64_t n)
{
    (void)rt;
    return 1000 + n;
}

bool spec_rt_externref_number(const spec_rt *rt, wb_externref r, uint64_t *n)
{
    (void)rt;
    if (r < 1000)
        return false;
    *n = r - 1000;
    return true;
}

/* A non-NULL stand-in: values.c only hands it to the functions above. */
#define RT ((spec_rt *)(uintptr_t)1)

static wb_json_doc *doc;

static const wb_json *json(const char *text)
{
    wb_json_error err;
    wb_json_free(doc);
    doc = NULL;
    if (!wb_json_parse(text, strlen(text), 0, &doc, &err))
        fail_msg("bad test JSON at %zu: %s: %s", err.column, err.msg, text);
    return wb_json_root(doc);
}

static int teardown(void **state)
{
    (void)state;
    wb_json_free(doc);
    doc = NULL;
    return 0;
}

static wb_val arg(const char *text)
{
    const char *why = NULL;
    wb_val v;
    if (!spec_val_parse(RT, json(text), &v, &why))
        fail_msg("argument rejected (%s): %s", why, text);
    return v;
}

static bool matches(const char *expected, wb_val got)
{
    const char *why = NULL;
    spec_expect e;
    if (!spec_expect_parse(RT, json(expected), &e, &why))
        fail_msg("expectation rejected (%s): %s", why, expected);
    return spec_expect_match(&e, &got);
}

static wb_val f32(uint32_t bits)
{
    return (wb_val){ .type = WB_F32, .of.f32 = bits };
}

static wb_val f64(uint64_t bits)
{
    return (wb_val){ .type = WB_F64, .of.f64 = bits };
}

/* -- Numbers -- */

static void test_integers_are_unsigned_bit_patterns(void **state)
{
    (void)state;
    assert_int_equal(arg("{\"type\": \"i32\", \"value\": \"4294967295\"}").of.i32, -1);
    assert_int_equal(arg("{\"type\": \"i32\", \"value\": \"2147483648\"}").of.i32, INT32_MIN);
    assert_true(arg("{\"type\": \"i64\", \"value\": \"18446744073709551615\"}").of.i64 == -1);
    assert_int_equal(arg("{\"type\": \"i32\", \"value\": \"-1\"}").of.i32, -1);
    assert_int_equal(arg("{\"type\": \"i32\", \"value\": \"0\"}").type, WB_I32);
}

static void test_floats_keep_their_bits(void **state)
{
    (void)state;
    /* -0 and a signalling NaN with a payload survive. */
    assert_int_equal(arg("{\"type\": \"f32\", \"value\": \"2147483648\"}").of.f32, 0x80000000u);
    assert_int_equal(arg("{\"type\": \"f32\", \"value\": \"2139095041\"}").of.f32, 0x7f800001u);
    assert_true(arg("{\"type\": \"f64\", \"value\": \"9221120237041090561\"}").of.f64 ==
                0x7ff8000000000001ull);
    assert_true(matches("{\"type\": \"f32\", \"value\": \"2147483648\"}", f32(0x80000000u)));
    assert_false(matches("{\"type\": \"f32\", \"value\": \"2147483648\"}", f32(0)));
}

static void test_out_of_range_and_malformed_numbers_are_rejected(void **state)
{
    static const char *const bad[] = {
        "{\"type\": \"i32\", \"value\": \"4294967296\"}",
        "{\"type\": \"i32\", \"value\": \"-2147483649\"}",
        "{\"type\": \"i64\", \"value\": \"18446744073709551616\"}",
        "{\"type\": \"i32\", \"value\": \"\"}",
        "{\"type\": \"i32\", \"value\": \"12a\"}",
        "{\"type\": \"i32\", \"value\": \"-\"}",
        "{\"type\": \"i32\"}",
        "{\"type\": \"i32\", \"value\": 5}",
        "{\"type\": \"f32\", \"value\": \"nan:canonical\"}", /* not as an argument */
        "{\"type\": \"i33\", \"value\": \"0\"}",
        "{\"value\": \"0\"}",
    };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *why = NULL;
        wb_val v;
        if (spec_val_parse(RT, json(bad[i]), &v, &why))
            fail_msg("accepted: %s", bad[i]);
        assert_non_null(why);
    }
}

/* -- NaN classes -- */

static void test_canonical_nan_is_exactly_quiet_with_zero_payload(void **state)
{
    const char *c32 = "{\"type\": \"f32\", \"value\": \"nan:canonical\"}";
    const char *c64 = "{\"type\": \"f64\", \"value\": \"nan:canonical\"}";
    (void)state;
    assert_true(matches(c32, f32(0x7fc00000u)));
    assert_true(matches(c32, f32(0xffc00000u)));    /* either sign */
    assert_false(matches(c32, f32(0x7fc00001u)));   /* payload */
    assert_false(matches(c32, f32(0x7fa00000u)));   /* signalling */
    assert_false(matches(c32, f32(0x7f800000u)));   /* infinity */
    assert_true(matches(c64, f64(0x7ff8000000000000ull)));
    assert_true(matches(c64, f64(0xfff8000000000000ull)));
    assert_false(matches(c64, f64(0x7ff8000000000001ull)));
    assert_false(matches(c64, f64(0x7ff4000000000000ull)));
}

static void test_arithmetic_nan_is_any_quiet_nan(void **state)
{
    const char *a32 = "{\"type\": \"f32\", \"value\": \"nan:arithmetic\"}";
    const char *a64 = "{\"type\": \"f64\", \"value\": \"nan:arithmetic\"}";
    (void)state;
    assert_true(matches(a32, f32(0x7fc00000u)));
    assert_true(matches(a32, f32(0xffc00001u)));
    assert_false(matches(a32, f32(0x7f800001u)));   /* signalling */
    assert_false(matches(a32, f32(0x3f800000u)));   /* 1.0 */
    assert_true(matches(a64, f64(0xfff8000000000123ull)));
    assert_false(matches(a64, f64(0x7ff0000000000001ull)));
    /* The type must match too. */
    assert_false(matches(a64, f32(0x7fc00000u)));
}

/* -- v128 -- */

static void test_v128_lanes_are_little_endian(void **state)
{
    wb_val v;
    (void)state;
    v = arg("{\"type\": \"v128\", \"lane_type\": \"i16\", \"value\": [\"1\", \"65535\", \"0\","
            " \"0\", \"0\", \"0\", \"0\", \"258\"]}");
    assert_int_equal(v.type, WB_V128);
    assert_int_equal(v.of.v128[0], 1);
    assert_int_equal(v.of.v128[1], 0);
    assert_int_equal(v.of.v128[2], 0xff);
    assert_int_equal(v.of.v128[3], 0xff);
    assert_int_equal(v.of.v128[14], 2);
    assert_int_equal(v.of.v128[15], 1);
    /* The same bits match whatever lane shape the expectation uses. */
    assert_true(matches("{\"type\": \"v128\", \"lane_type\": \"i16\", \"value\": [\"1\","
                        " \"65535\", \"0\", \"0\", \"0\", \"0\", \"0\", \"258\"]}", v));
    assert_true(matches("{\"type\": \"v128\", \"lane_type\": \"i64\", \"value\":"
                        " [\"4294901761\", \"72620543991349248\"]}", v));
}

static void test_v128_float_lanes_take_nan_classes(void **state)
{
    const char *want = "{\"type\": \"v128\", \"lane_type\": \"f32\", \"value\":"
                       " [\"nan:canonical\", \"nan:arithmetic\", \"0\", \"1065353216\"]}";
    wb_val v = { .type = WB_V128 };
    uint32_t lanes[4] = { 0xffc00000u, 0x7fc12345u, 0, 0x3f800000u };
    (void)state;
    memcpy(v.of.v128, lanes, 16);
    assert_true(matches(want, v));
    lanes[0] = 0x7fc00001u;                          /* not canonical */
    memcpy(v.of.v128, lanes, 16);
    assert_false(matches(want, v));
}

static void test_malformed_v128_is_rejected(void **state)
{
    static const char *const bad[] = {
        "{\"type\": \"v128\", \"lane_type\": \"i32\", \"value\": [\"0\", \"0\", \"0\"]}",
        "{\"type\": \"v128\", \"lane_type\": \"i8\", \"value\": [\"256\", \"0\", \"0\", \"0\","
        " \"0\", \"0\", \"0\", \"0\", \"0\", \"0\", \"0\", \"0\", \"0\", \"0\", \"0\", \"0\"]}",
        "{\"type\": \"v128\", \"lane_type\": \"i128\", \"value\": [\"0\"]}",
        "{\"type\": \"v128\", \"value\": [\"0\", \"0\", \"0\", \"0\"]}",
    };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *why = NULL;
        spec_expect e;
        if (spec_expect_parse(RT, json(bad[i]), &e, &why))
            fail_msg("accepted: %s", bad[i]);
        assert_non_null(why);
    }
}

/* -- References -- */

static void test_references(void **state)
{
    wb_val null_ext = { .type = WB_EXTERNREF }, null_func = { .type = WB_FUNCREF };
    wb_val some_func = { .type = WB_FUNCREF, .of.funcref = (wb_rt_func *)(uintptr_t)8 };
    const char *why = NULL;
    wb_val v;
    (void)state;
    v = arg("{\"type\": \"externref\", \"value\": \"3\"}");
    assert_true(v.of.externref == 1003);
    assert_true(matches("{\"type\": \"externref\", \"value\": \"3\"}", v));
    assert_false(matches("{\"type\": \"externref\", \"value\": \"4\"}", v));
    assert_false(matches("{\"type\": \"externref\", \"value\": \"null\"}", v));
    assert_true(matches("{\"type\": \"externref\", \"value\": \"null\"}", null_ext));
    assert_true(matches("{\"type\": \"funcref\", \"value\": \"null\"}", null_func));
    assert_false(matches("{\"type\": \"funcref\", \"value\": \"null\"}", some_func));
    assert_true(matches("{\"type\": \"funcref\", \"value\": \"0\"}", some_func));
    assert_false(matches("{\"type\": \"funcref\", \"value\": \"0\"}", null_func));
    /* A null externref is not a null funcref. */
    assert_false(matches("{\"type\": \"funcref\", \"value\": \"null\"}", null_ext));
    /* The harness cannot pass a function it does not have. */
    assert_false(spec_val_parse(RT, json("{\"type\": \"funcref\", \"value\": \"0\"}"), &v, &why));
    assert_non_null(why);
}

/* -- Text -- */

static void test_formats(void **state)
{
    char buf[160];
    const char *why = NULL;
    spec_expect e;
    wb_val v = { .type = WB_I32, .of.i32 = -1 };
    (void)state;
    assert_string_equal(spec_val_format(RT, &v, NULL, buf, sizeof buf), "i32:4294967295 (-1)");
    v = f32(0x3f800000u);
    assert_string_equal(spec_val_format(RT, &v, NULL, buf, sizeof buf), "f32:1 (0x3f800000)");
    v = (wb_val){ .type = WB_EXTERNREF, .of.externref = 1002 };
    assert_string_equal(spec_val_format(RT, &v, NULL, buf, sizeof buf), "externref:2");
    assert_true(spec_expect_parse(RT, json("{\"type\": \"f64\", \"value\": \"nan:arithmetic\"}"),
                                  &e, &why));
    assert_string_equal(spec_expect_format(RT, &e, buf, sizeof buf), "f64:nan:arithmetic");
    /* Truncation keeps a terminated string. */
    v = f64(0x7ff8000000000001ull);
    spec_val_format(RT, &v, NULL, buf, 8);
    assert_int_equal(strlen(buf), 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_integers_are_unsigned_bit_patterns, teardown),
        cmocka_unit_test_teardown(test_floats_keep_their_bits, teardown),
        cmocka_unit_test_teardown(test_out_of_range_and_malformed_numbers_are_rejected, teardown),
        cmocka_unit_test_teardown(test_canonical_nan_is_exactly_quiet_with_zero_payload, teardown),
        cmocka_unit_test_teardown(test_arithmetic_nan_is_any_quiet_nan, teardown),
        cmocka_unit_test_teardown(test_v128_lanes_are_little_endian, teardown),
        cmocka_unit_test_teardown(test_v128_float_lanes_take_nan_classes, teardown),
        cmocka_unit_test_teardown(test_malformed_v128_is_rejected, teardown),
        cmocka_unit_test_teardown(test_references, teardown),
        cmocka_unit_test_teardown(test_formats, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_spec_json.c — the spec runner's JSON parser (tests/spec/json.c):
 * wast2json documents, every escape, integer conversion, and malformed or
 * hostile input (each rejected with a position, never a crash or a leak). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* The parser is test-only code outside libwasmbox.a; the unit-test rule
 * builds one source file, so it is compiled in here. */
#include "tests/spec/json.c"

static wb_json_doc *parse_ok(const char *s)
{
    wb_json_doc *doc = NULL;
    wb_json_error err = { 0 };
    bool ok = wb_json_parse(s, strlen(s), 0, &doc, &err);
    if (!ok)
        print_error("unexpected parse error at %zu:%zu: %s\n  input: %s\n",
                    err.line, err.column, err.msg, s);
    assert_true(ok);
    assert_non_null(doc);
    return doc;
}

/* Parses n bytes that must be rejected; returns the error. */
static wb_json_error parse_bad_n(const char *s, size_t n, unsigned max_depth)
{
    wb_json_doc *doc = (wb_json_doc *)1;
    wb_json_error err = { 0 };
    bool ok = wb_json_parse(s, n, max_depth, &doc, &err);
    if (ok)
        print_error("accepted malformed input: %.*s\n", (int)n, s);
    assert_false(ok);
    assert_null(doc);
    assert_non_null(err.msg);
    assert_true(err.offset <= n);
    assert_true(err.line >= 1);
    assert_true(err.column >= 1);
    return err;
}

static wb_json_error parse_bad(const char *s)
{
    return parse_bad_n(s, strlen(s), 0);
}

/* -- Well-formed documents -- */

static void test_wast2json_document(void **state)
{
    (void)state;
    static const char text[] =
        "{\"source_filename\": \"../shared/spec/core/br_table.wast\",\n"
        " \"commands\": [\n"
        "  {\"type\": \"module\", \"line\": 3, \"filename\": \"br_table.0.wasm\"}, \n"
        "  {\"type\": \"assert_return\", \"line\": 1261, \"action\": {\"type\": \"invoke\", "
        "\"field\": \"type-i32-value\", \"args\": []}, \"expected\": [{\"type\": \"i32\", "
        "\"value\": \"1\"}]}, \n"
        "  {\"type\": \"assert_invalid\", \"line\": 1400, \"filename\": \"br_table.1.wasm\", "
        "\"text\": \"type mismatch\", \"module_type\": \"binary\"}]}\n";
    wb_json_doc *doc = parse_ok(text);
    const wb_json *root = wb_json_root(doc), *cmds, *c, *exp;
    int64_t line;

    assert_int_equal(root->kind, WB_JSON_OBJECT);
    assert_int_equal(root->len, 2);
    assert_string_equal(wb_json_str(wb_json_get(root, "source_filename")),
                        "../shared/spec/core/br_table.wast");
    cmds = wb_json_get(root, "commands");
    assert_non_null(cmds);
    assert_int_equal(cmds->kind, WB_JSON_ARRAY);
    assert_int_equal(cmds->len, 3);

    c = wb_json_at(cmds, 0);
    assert_true(wb_json_str_is(wb_json_get(c, "type"), "module"));
    assert_true(wb_json_int(wb_json_get(c, "line"), &line));
    assert_int_equal(line, 3);
    assert_null(wb_json_get(c, "module_type"));

    c = wb_json_at(cmds, 1);
    assert_int_equal(wb_json_get(wb_json_get(c, "action"), "args")->len, 0);
    exp = wb_json_at(wb_json_get(c, "expected"), 0);
    assert_string_equal(wb_json_str(wb_json_get(exp, "value")), "1");

    c = wb_json_at(cmds, 2);
    assert_string_equal(wb_json_str(wb_json_get(c, "text")), "type mismatch");
    assert_true(wb_json_str_is(wb_json_get(c, "module_type"), "binary"));
    assert_null(wb_json_at(cmds, 3));
    wb_json_free(doc);
}

static void test_scalars(void **state)
{
    (void)state;
    wb_json_doc *doc = parse_ok(" [true, false, null, 0, -0, 12, -7.25, 1e3, 2E-2, 0.5e+1, \"\"] ");
    const wb_json *a = wb_json_root(doc);
    static const char *const nums[] = { "0", "-0", "12", "-7.25", "1e3", "2E-2", "0.5e+1" };

    assert_int_equal(a->len, 11);
    assert_int_equal(wb_json_at(a, 0)->kind, WB_JSON_TRUE);
    assert_int_equal(wb_json_at(a, 1)->kind, WB_JSON_FALSE);
    assert_int_equal(wb_json_at(a, 2)->kind, WB_JSON_NULL);
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(wb_json_at(a, 3 + i)->kind, WB_JSON_NUMBER);
        assert_string_equal(wb_json_at(a, 3 + i)->u.text, nums[i]);
    }
    assert_string_equal(wb_json_str(wb_json_at(a, 10)), "");
    wb_json_free(doc);

    /* Scalars at the top level, and empty containers. */
    doc = parse_ok("42");
    assert_int_equal(wb_json_root(doc)->kind, WB_JSON_NUMBER);
    wb_json_free(doc);
    doc = parse_ok("{}");
    assert_int_equal(wb_json_root(doc)->kind, WB_JSON_OBJECT);
    assert_int_equal(wb_json_root(doc)->len, 0);
    wb_json_free(doc);
    doc = parse_ok("[ [ ], { }, [[]] ]");
    assert_int_equal(wb_json_root(doc)->len, 3);
    assert_int_equal(wb_json_at(wb_json_at(wb_json_root(doc), 2), 0)->len, 0);
    wb_json_free(doc);
}

static void test_int_conversion(void **state)
{
    (void)state;
    wb_json_doc *doc = parse_ok("[0, -0, 9223372036854775807, -9223372036854775808,"
                                " 9223372036854775808, -9223372036854775809,"
                                " 1.0, 1e3, 123456789012345678901234567890, \"5\"]");
    const wb_json *a = wb_json_root(doc);
    int64_t v = 99;

    assert_true(wb_json_int(wb_json_at(a, 0), &v));
    assert_int_equal(v, 0);
    assert_true(wb_json_int(wb_json_at(a, 1), &v));
    assert_int_equal(v, 0);
    assert_true(wb_json_int(wb_json_at(a, 2), &v));
    assert_true(v == INT64_MAX);
    assert_true(wb_json_int(wb_json_at(a, 3), &v));
    assert_true(v == INT64_MIN);
    v = 7;
    for (size_t i = 4; i < 10; i++)
        assert_false(wb_json_int(wb_json_at(a, i), &v));
    assert_int_equal(v, 7);
    assert_false(wb_json_int(NULL, &v));
    wb_json_free(doc);
}

static void test_string_escapes(void **state)
{
    (void)state;
    wb_json_doc *doc = parse_ok(
        "[\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\", \"\\u0041\\u00e9\\u20AC\","
        " \"\\ud83d\\ude00\", \"x\\u0000y\", \"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\","
        " \"\\uffff\\uD800\\uDC00\\uDBFF\\uDFFF\"]");
    const wb_json *a = wb_json_root(doc), *nul;

    assert_string_equal(wb_json_str(wb_json_at(a, 0)), "a\"b\\c/d\be\ff\ng\rh\ti");
    assert_string_equal(wb_json_str(wb_json_at(a, 1)), "A\xc3\xa9\xe2\x82\xac");
    assert_string_equal(wb_json_str(wb_json_at(a, 2)), "\xf0\x9f\x98\x80");
    nul = wb_json_at(a, 3);
    assert_int_equal(nul->kind, WB_JSON_STRING);
    assert_int_equal(nul->len, 3);
    assert_memory_equal(nul->u.text, "x\0y", 3);
    assert_null(wb_json_str(nul));            /* embedded NUL: not a C string */
    assert_false(wb_json_str_is(nul, "x"));
    assert_string_equal(wb_json_str(wb_json_at(a, 4)), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    assert_string_equal(wb_json_str(wb_json_at(a, 5)),
                        "\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf");
    wb_json_free(doc);

    /* Keys are decoded too. */
    doc = parse_ok("{\"\\u0061b\": 1, \"\\n\": 2}");
    assert_non_null(wb_json_get(wb_json_root(doc), "ab"));
    assert_non_null(wb_json_get(wb_json_root(doc), "\n"));
    assert_null(wb_json_get(wb_json_root(doc), "a"));
    wb_json_free(doc);
}

static void test_accessors_wrong_kinds(void **state)
{
    (void)state;
    wb_json_doc *doc = parse_ok("{\"n\": 1, \"s\": \"x\", \"a\": [1]}");
    const wb_json *o = wb_json_root(doc);
    int64_t v;

    assert_null(wb_json_get(NULL, "n"));
    assert_null(wb_json_get(wb_json_get(o, "a"), "n"));    /* array, not object */
    assert_null(wb_json_at(o, 0));                          /* object, not array */
    assert_null(wb_json_at(wb_json_get(o, "a"), 1));
    assert_null(wb_json_str(wb_json_get(o, "n")));
    assert_false(wb_json_int(wb_json_get(o, "s"), &v));
    assert_false(wb_json_str_is(wb_json_get(o, "n"), "1"));
    assert_null(wb_json_root(NULL));
    wb_json_free(NULL);
    wb_json_free(doc);
}

/* The parser reads exactly len bytes: input need not be NUL-terminated. */
static void test_length_bounded(void **state)
{
    (void)state;
    static const char buf[] = { '[', '1', ']', 'x', 'y' };
    static const char str[] = { '"', 'a', 'b' };
    wb_json_doc *doc = NULL;
    wb_json_error err;

    assert_true(wb_json_parse(buf, 3, 0, &doc, &err));
    assert_int_equal(wb_json_root(doc)->len, 1);
    wb_json_free(doc);
    parse_bad_n(buf, 5, 0);
    parse_bad_n(str, sizeof str, 0);           /* string runs off the end */
    parse_bad_n("", 0, 0);
    assert_false(wb_json_parse(NULL, 0, 0, &doc, NULL));
    assert_false(wb_json_parse(NULL, 3, 0, &doc, &err));
    assert_null(doc);
}

/* -- Malformed input -- */

static void test_malformed_syntax(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", " ", "\n\t\r ", "[", "]", "{", "}", "[1,]", "[,1]", "[1 2]", "[1,,2]",
        "{\"a\":1,}", "{\"a\" 1}", "{\"a\":}", "{a:1}", "{'a':1}", "{1:2}", "{\"a\"}",
        "{\"a\":1 \"b\":2}", "[1,2", "{\"a\":1", "[1}", "{\"a\":1]", "[1] 2", "1 2",
        "[1]]", "{}}", "/* c */ 1", "1 // c", "tru", "nul", "fals", "True", "NULL",
        "trueish", "NaN", "Infinity", "-Infinity", "undefined",
        "01", "-01", "00", "-", "--1", "+1", "1.", ".5", "1.e3", "1e", "1e+", "1E-",
        "0x10", "1_000", "\xef\xbb\xbf" "1", "'a'",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        parse_bad(bad[i]);
    /* A NUL byte is not whitespace. */
    parse_bad_n("[1\0]", 4, 0);
    parse_bad_n("1\0", 2, 0);
}

static void test_malformed_strings(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\"abc", "\"", "\"\\", "\"\\\"", "\"a\\x\"", "\"\\a\"", "\"\\'\"", "\"\\U0041\"",
        "\"\\u12\"", "\"\\u12G4\"", "\"\\u\"", "\"\\u 123\"",
        "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\\ud800x\"",
        "\"\\ud800\\\"", "\"\\ud800\\ud800\"", "\"\\udbff\\ue000\"",
        "\"a\tb\"", "\"a\nb\"", "\"\x01\"", "\"\x1f\"",
        "\"\xff\"", "\"\x80\"", "\"\xc0\xaf\"", "\"\xc1\xbf\"", "\"\xe0\x80\xaf\"",
        "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "\"\xf5\x80\x80\x80\"",
        "\"\xe2\x82\"", "\"\xe2\x82\"\"", "\"\xf0\x9f\x98\"", "\"\xc3\"",
        "{\"a\xff\": 1}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        parse_bad(bad[i]);
    parse_bad_n("\"a\0b\"", 5, 0);          /* raw NUL in a string */
}

static void test_duplicate_keys(void **state)
{
    (void)state;
    char buf[32 * 1000 + 16];
    size_t n = 0;
    wb_json_doc *doc;

    parse_bad("{\"a\":1,\"a\":2}");
    parse_bad("{\"a\":1,\"b\":{\"x\":1,\"x\":1}}");
    parse_bad("{\"\\u0061\":1,\"a\":2}");    /* equal after decoding */
    doc = parse_ok("{\"a\":1,\"b\":{\"a\":1},\"ab\":3,\"a\\u0000\":4}");
    wb_json_free(doc);

    /* Large objects take the sorting path. */
    buf[n++] = '{';
    for (int i = 0; i < 1000; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s\"k%d\":%d", i ? "," : "", i, i);
    buf[n++] = '}';
    buf[n] = '\0';
    doc = parse_ok(buf);
    assert_int_equal(wb_json_root(doc)->len, 1000);
    {
        int64_t v;
        assert_string_equal(wb_json_root(doc)->u.members[999].key, "k999");
        assert_true(wb_json_int(wb_json_get(wb_json_root(doc), "k999"), &v));
        assert_int_equal(v, 999);
    }
    wb_json_free(doc);
    memcpy(buf + n - 1, ",\"k500\":0}", 11);
    parse_bad(buf);
}

static void test_error_position(void **state)
{
    (void)state;
    wb_json_error e = parse_bad("{\n  \"a\": tru\n}");
    assert_int_equal(e.line, 2);
    assert_int_equal(e.column, 8);
    assert_int_equal(e.offset, 9);
    e = parse_bad("[1,\n2,\n\"x\\q\"]");
    assert_int_equal(e.line, 3);
    assert_int_equal(e.column, 3);
    e = parse_bad("[1, 2");
    assert_int_equal(e.line, 1);
    assert_int_equal(e.column, 6);
    e = parse_bad("{\"a\":1,\"a\":2}");        /* at the object */
    assert_int_equal(e.column, 1);
}

/* -- Hostile input -- */

static void test_deep_nesting(void **state)
{
    (void)state;
    enum { DEEP = 1000000 };
    char *s = malloc(2 * DEEP + 1);
    wb_json_doc *doc = NULL;
    wb_json_error e;

    assert_non_null(s);
    memset(s, '[', DEEP);
    memset(s + DEEP, ']', DEEP);
    s[2 * DEEP] = '\0';
    e = parse_bad(s);                         /* no stack overflow */
    assert_string_equal(e.msg, "nesting too deep");
    assert_int_equal(e.offset, WB_JSON_DEFAULT_MAX_DEPTH);

    /* Exactly the limit is fine; one more is not. */
    assert_true(wb_json_parse(s + DEEP - 3, 6, 3, &doc, &e));
    wb_json_free(doc);
    parse_bad_n(s + DEEP - 4, 8, 3);
    assert_true(wb_json_parse(s + DEEP - 256, 512, 0, &doc, &e));
    wb_json_free(doc);

    /* Deep objects, a large max_depth, and an unclosed deep document. */
    for (size_t i = 0; i < 1000; i++)
        memcpy(s + 6 * i, "{\"a\":[", 6);
    parse_bad_n(s, 6000, 5000);
    for (size_t i = 0; i < 1000; i++)
        memcpy(s + 6000 + 2 * i, "]}", 2);
    assert_true(wb_json_parse(s, 8000, 5000, &doc, &e));
    wb_json_free(doc);
    free(s);
}

static void test_large_array(void **state)
{
    (void)state;
    enum { N = 200000 };
    char *s = malloc(2 * N + 2);
    wb_json_doc *doc = NULL;
    wb_json_error e;

    assert_non_null(s);
    s[0] = '[';
    for (size_t i = 0; i < N; i++) {
        s[1 + 2 * i] = (char)('0' + i % 10);
        s[2 + 2 * i] = ',';
    }
    s[2 * N] = ']';
    assert_true(wb_json_parse(s, 2 * N + 1, 0, &doc, &e));
    assert_int_equal(wb_json_root(doc)->len, N);
    assert_string_equal(wb_json_at(wb_json_root(doc), N - 1)->u.text, "9");
    wb_json_free(doc);
    free(s);
}

/* Every strict prefix of a document that is an object is malformed, and
 * every single-byte corruption is either rejected or parsed cleanly (ASan
 * and LeakSanitizer watch for the rest). */
static void test_truncations_and_mutations(void **state)
{
    (void)state;
    static const char text[] =
        "{\"commands\": [{\"type\": \"module\", \"line\": 3, \"filename\": \"a.0.wasm\"},"
        " {\"t\": [true, false, null, -1.5e-3, \"\\u00e9\\ud83d\\ude00\\n\xc3\xa9\"]}]}";
    static const char subst[] = "{}[]\",:\\u0-e.tfn \x80\xff\xc3";
    size_t n = sizeof text - 1;
    char buf[sizeof text];
    wb_json_doc *doc = NULL;
    wb_json_error e;

    for (size_t len = 0; len < n; len++)
        parse_bad_n(text, len, 0);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < sizeof subst - 1; j++) {
            memcpy(buf, text, n);
            buf[i] = subst[j];
            if (wb_json_parse(buf, n, 0, &doc, &e))
                wb_json_free(doc);
            else
                assert_null(doc);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wast2json_document),
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_int_conversion),
        cmocka_unit_test(test_string_escapes),
        cmocka_unit_test(test_accessors_wrong_kinds),
        cmocka_unit_test(test_length_bounded),
        cmocka_unit_test(test_malformed_syntax),
        cmocka_unit_test(test_malformed_strings),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_error_position),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_large_array),
        cmocka_unit_test(test_truncations_and_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

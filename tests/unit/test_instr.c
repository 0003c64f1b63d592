/* test_instr.c — the opcode table and the instruction reader: every opcode
 * decodes back from its own encoding; immediates are read exactly; malformed
 * encodings are rejected with the spec's error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wasm/wasm.h"

#define R(...) ((const uint8_t[]){ __VA_ARGS__ })

static wb_err read1(const uint8_t *b, size_t n, wb_instr *in, size_t *used)
{
    wb_reader r = { .base = b, .pos = 0, .end = n, .section = "code" };
    wb_diag d;
    wb_err err = wb_read_instr(&r, in, &d);
    if (used)
        *used = r.pos;
    return err;
}

/* Immediate bytes that are valid for each kind (enough for any operand). */
static size_t imm_bytes(uint8_t kind, uint8_t *out)
{
    switch ((wb_imm_kind)kind) {
    case WB_IMM_NONE: return 0;
    case WB_IMM_BLOCKTYPE: out[0] = 0x40; return 1;
    case WB_IMM_BR_TABLE: out[0] = 1; out[1] = 0; out[2] = 0; return 3;
    case WB_IMM_CALL_INDIRECT: case WB_IMM_MEMINIT: case WB_IMM_MEMCOPY:
    case WB_IMM_TABLEINIT: case WB_IMM_TABLECOPY:
        out[0] = 0; out[1] = 0; return 2;
    case WB_IMM_SELECT_T: out[0] = 1; out[1] = WB_I32; return 2;
    case WB_IMM_MEM8: case WB_IMM_MEM16: case WB_IMM_MEM32: case WB_IMM_MEM64:
    case WB_IMM_MEM128:
        out[0] = 0; out[1] = 0; return 2;
    case WB_IMM_MEMLANE8: case WB_IMM_MEMLANE16: case WB_IMM_MEMLANE32:
    case WB_IMM_MEMLANE64:
        out[0] = 0; out[1] = 0; out[2] = 0; return 3;
    case WB_IMM_F32CONST: memset(out, 0, 4); return 4;
    case WB_IMM_F64CONST: memset(out, 0, 8); return 8;
    case WB_IMM_V128CONST: case WB_IMM_SHUFFLE: memset(out, 0, 16); return 16;
    case WB_IMM_REFTYPE: out[0] = WB_FUNCREF; return 1;
    default: out[0] = 0; return 1; /* one LEB/byte */
    }
}

static void test_every_opcode_roundtrips(void **state)
{
    (void)state;
    unsigned counts[3] = { 0, 0, 0 };
    for (unsigned op = 0; op < WB_OP__COUNT; op++) {
        const wb_opinfo *oi = &wb_opinfo_table[op];
        uint8_t buf[40];
        size_t n = 0, used;
        wb_instr in;
        assert_non_null(oi->text);
        if (oi->prefix) {
            buf[n++] = oi->prefix;
            uint32_t c = oi->code;   /* LEB128 */
            do {
                uint8_t b = c & 0x7f;
                c >>= 7;
                buf[n++] = b | (c ? 0x80 : 0);
            } while (c);
        } else {
            buf[n++] = (uint8_t)oi->code;
        }
        n += imm_bytes(oi->imm, buf + n);
        assert_int_equal(read1(buf, n, &in, &used), WB_OK);
        assert_int_equal(in.op, op);
        assert_int_equal(used, n);
        counts[oi->prefix == 0 ? 0 : oi->prefix == 0xfc ? 1 : 2]++;
    }
    /* WebAssembly 2.0: 18 0xfc opcodes, 236 SIMD opcodes. */
    assert_int_equal(counts[1], 18);
    assert_int_equal(counts[2], 236);
    assert_string_equal(wb_opinfo_table[WB_OP_I32_ADD].text, "i32.add");
    assert_int_equal(wb_opinfo_table[WB_OP_I32_ADD].params[0], WB_I32);
    assert_int_equal(wb_opinfo_table[WB_OP_F64_STORE].params[1], WB_F64);
    assert_int_equal(wb_opinfo_table[WB_OP_I8X16_SHUFFLE].prefix, 0xfd);
}

static void test_illegal_opcodes(void **state)
{
    (void)state;
    wb_instr in;
    assert_int_equal(read1(R(0x06), 1, &in, NULL), WB_ERR_ILLEGAL_OPCODE);
    assert_int_equal(read1(R(0xff), 1, &in, NULL), WB_ERR_ILLEGAL_OPCODE);
    assert_int_equal(read1(R(0xfc, 18), 2, &in, NULL), WB_ERR_ILLEGAL_OPCODE);
    assert_int_equal(read1(R(0xfd, 154, 1), 3, &in, NULL), WB_ERR_ILLEGAL_OPCODE);
    assert_int_equal(read1(R(0xfc, 0x80, 0x02), 3, &in, NULL), WB_ERR_ILLEGAL_OPCODE);
    /* 0xfc prefix with a padded but valid sub-opcode */
    assert_int_equal(read1(R(0xfc, 0x80, 0x00), 3, &in, NULL), WB_OK);
    assert_int_equal(in.op, WB_OP_I32_TRUNC_SAT_F32_S);
    assert_int_equal(read1(R(0xfc), 1, &in, NULL), WB_ERR_UNEXPECTED_END);
}

static void test_immediates(void **state)
{
    (void)state;
    wb_instr in;
    size_t used;
    assert_int_equal(read1(R(0x41, 0x7f), 2, &in, NULL), WB_OK);
    assert_int_equal(in.u.i32, -1);
    assert_int_equal(read1(R(0x42, 0x80, 0x7f), 3, &in, NULL), WB_OK);
    assert_true(in.u.i64 == -128);
    assert_int_equal(read1(R(0x43, 0x00, 0x00, 0x80, 0x3f), 5, &in, NULL), WB_OK);
    assert_int_equal(in.u.f32, 0x3f800000u);
    assert_int_equal(read1(R(0x28, 0x02, 0x90, 0x4e), 4, &in, NULL), WB_OK);
    assert_int_equal(in.u.mem.align, 2);
    assert_int_equal(in.u.mem.offset, 10000);
    /* block types */
    assert_int_equal(read1(R(0x02, 0x7e), 2, &in, NULL), WB_OK);
    assert_int_equal(in.u.block.kind, WB_BT_VAL);
    assert_int_equal(in.u.block.valtype, WB_I64);
    assert_int_equal(read1(R(0x03, 0x05), 2, &in, NULL), WB_OK);
    assert_int_equal(in.u.block.kind, WB_BT_INDEX);
    assert_int_equal(in.u.block.index, 5);
    assert_int_equal(read1(R(0x04, 0x40), 2, &in, NULL), WB_OK);
    assert_int_equal(in.u.block.kind, WB_BT_EMPTY);
    assert_int_equal(read1(R(0x02, 0x60), 2, &in, NULL), WB_ERR_MALFORMED_VALTYPE);
    /* br_table: targets re-read */
    const uint8_t bt[] = { 0x0e, 3, 1, 0x80, 0x01, 2, 7 };
    assert_int_equal(read1(bt, sizeof bt, &in, &used), WB_OK);
    assert_int_equal(used, sizeof bt);
    assert_int_equal(in.u.br_table.count, 3);
    assert_int_equal(in.u.br_table.default_label, 7);
    uint32_t pos = in.u.br_table.first;
    assert_int_equal(wb_br_table_next(bt, &pos), 1);
    assert_int_equal(wb_br_table_next(bt, &pos), 128);
    assert_int_equal(wb_br_table_next(bt, &pos), 2);
    /* a huge target count with no bytes behind it fails at once */
    assert_int_equal(read1(R(0x0e, 0xff, 0xff, 0xff, 0xff, 0x0f), 6, &in, NULL),
                     WB_ERR_UNEXPECTED_END);
    /* reserved zero bytes */
    assert_int_equal(read1(R(0x40, 0x00), 2, &in, NULL), WB_OK);
    assert_int_equal(read1(R(0x40, 0x01), 2, &in, NULL), WB_ERR_ZERO_BYTE);
    assert_int_equal(read1(R(0x3f, 0x80, 0x00), 3, &in, NULL), WB_ERR_ZERO_BYTE);
    assert_int_equal(read1(R(0xfc, 10, 0, 1), 4, &in, NULL), WB_ERR_ZERO_BYTE);
    /* reference types */
    assert_int_equal(read1(R(0xd0, 0x6f), 2, &in, NULL), WB_OK);
    assert_int_equal(in.u.reftype, WB_EXTERNREF);
    assert_int_equal(read1(R(0xd0, 0x7f), 2, &in, NULL), WB_ERR_MALFORMED_REFTYPE);
    /* typed select */
    assert_int_equal(read1(R(0x1c, 2, 0x7f, 0x7c), 4, &in, NULL), WB_OK);
    assert_int_equal(in.u.select.count, 2);
    assert_int_equal(in.u.select.type, WB_I32);
    assert_int_equal(read1(R(0x1c, 1, 0x40), 3, &in, NULL), WB_ERR_MALFORMED_VALTYPE);
    /* SIMD lane and shuffle */
    assert_int_equal(read1(R(0xfd, 21, 15), 3, &in, NULL), WB_OK);
    assert_int_equal(in.op, WB_OP_I8X16_EXTRACT_LANE_S);
    assert_int_equal(in.u.lane, 15);
    assert_int_equal(read1(R(0xfd, 84, 0, 8, 3), 5, &in, NULL), WB_OK);
    assert_int_equal(in.u.mem.offset, 8);
    assert_int_equal(in.u.mem.lane, 3);
    /* truncated immediates */
    assert_int_equal(read1(R(0x44, 0, 0, 0), 4, &in, NULL), WB_ERR_UNEXPECTED_END);
    assert_int_equal(read1(R(0xfd, 12, 1, 2), 4, &in, NULL), WB_ERR_UNEXPECTED_END);
}

static void test_format(void **state)
{
    (void)state;
    wb_instr in;
    char buf[80];
    assert_int_equal(read1(R(0x28, 0x02, 0x04), 3, &in, NULL), WB_OK);
    assert_string_equal(wb_instr_format(&in, buf, sizeof buf), "i32.load offset=4 align=4");
    assert_int_equal(read1(R(0x41, 0x2a), 2, &in, NULL), WB_OK);
    assert_string_equal(wb_instr_format(&in, buf, sizeof buf), "i32.const 42");
    /* a tiny buffer truncates, never overflows */
    assert_string_equal(wb_instr_format(&in, buf, 4), "i32");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_opcode_roundtrips),
        cmocka_unit_test(test_illegal_opcodes),
        cmocka_unit_test(test_immediates),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

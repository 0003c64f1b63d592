/* base_mem.c — baseline compilation of linear-memory instructions: loads
 * and stores (r14 + zero-extended i32 address + offset, no bounds check
 * while the reservation and guard region cover every address a 32-bit
 * index and offset can form), memory.size, and memory.grow and the bulk
 * operations through runtime builtins. */
#include "jit/jit_int.h"

/* How one load or store instruction accesses memory. */
typedef struct access {
    uint8_t bytes;      /* 1, 2, 4 or 8 */
    uint8_t type;       /* value type loaded or stored */
    bool sign;          /* sign-extending load */
} access;

static access access_of(uint16_t op)
{
    switch ((wb_opcode)op) {
    case WB_OP_I32_LOAD: case WB_OP_I32_STORE:   return (access){ 4, WB_I32, false };
    case WB_OP_I64_LOAD: case WB_OP_I64_STORE:   return (access){ 8, WB_I64, false };
    case WB_OP_F32_LOAD: case WB_OP_F32_STORE:   return (access){ 4, WB_F32, false };
    case WB_OP_F64_LOAD: case WB_OP_F64_STORE:   return (access){ 8, WB_F64, false };
    case WB_OP_I32_LOAD8_S:                      return (access){ 1, WB_I32, true };
    case WB_OP_I32_LOAD8_U: case WB_OP_I32_STORE8: return (access){ 1, WB_I32, false };
    case WB_OP_I32_LOAD16_S:                     return (access){ 2, WB_I32, true };
    case WB_OP_I32_LOAD16_U: case WB_OP_I32_STORE16: return (access){ 2, WB_I32, false };
    case WB_OP_I64_LOAD8_S:                      return (access){ 1, WB_I64, true };
    case WB_OP_I64_LOAD8_U: case WB_OP_I64_STORE8: return (access){ 1, WB_I64, false };
    case WB_OP_I64_LOAD16_S:                     return (access){ 2, WB_I64, true };
    case WB_OP_I64_LOAD16_U: case WB_OP_I64_STORE16: return (access){ 2, WB_I64, false };
    case WB_OP_I64_LOAD32_S:                     return (access){ 4, WB_I64, true };
    case WB_OP_I64_LOAD32_U: case WB_OP_I64_STORE32: return (access){ 4, WB_I64, false };
    default:                                     return (access){ 0, 0, false };
    }
}

/* Pops the address and returns the memory operand of [addr + offset].
 * Uses r11 when the offset does not fit a displacement. Adds an explicit
 * bounds check ("out of bounds memory access") when the tunables leave
 * less address space than the largest index + offset + size. The access
 * itself must follow immediately (the caller marks it a trap site). */
static x64_mem address(wb_ctx *c, uint64_t offset, unsigned bytes)
{
    uint64_t span = c->t->memory_reservation + c->t->memory_guard;
    bool check = 0xffffffffull + offset + bytes > span;
    int64_t k;
    x64_gpr a;

    if (!check && wb_peek_const(c, 0, &k) && (uint32_t)k + offset <= INT32_MAX) {
        wb_drop(c, 1);
        return x64_mem_bd(WB_REG_MEMBASE, (int32_t)((uint32_t)k + offset));
    }
    a = wb_pop_gpr(c); /* an i32: zero-extended */
    if (check) {
        x64_mov_imm(c->b, X64_64, WB_SCRATCH_GPR, offset + bytes);
        x64_rr(c->b, X64_ADD, X64_64, WB_SCRATCH_GPR, a);
        x64_rm(c->b, X64_CMP, X64_64, WB_SCRATCH_GPR,
               x64_mem_bd(WB_REG_VMCTX, WB_VMCTX_MEM_SIZE));
        wb_trap_if(c, X64_CC_A, WB_ERR_TRAP_MEMORY_OOB);
        return x64_mem_bisd(WB_REG_MEMBASE, WB_SCRATCH_GPR, 1, -(int32_t)bytes);
    }
    if (offset <= INT32_MAX)
        return x64_mem_bisd(WB_REG_MEMBASE, a, 1, (int32_t)offset);
    x64_mov_imm(c->b, X64_64, WB_SCRATCH_GPR, offset);
    x64_rr(c->b, X64_ADD, X64_64, WB_SCRATCH_GPR, a);
    return x64_mem_bisd(WB_REG_MEMBASE, WB_SCRATCH_GPR, 1, 0);
}

static void emit_load(wb_ctx *c, const wb_instr *in)
{
    access ac = access_of(in->op);
    x64_mem m = address(c, in->u.mem.offset, ac.bytes);

    if (wb_type_is_float(ac.type)) {
        x64_xmm x = wb_alloc_xmm(c);
        wb_trap_site_here(c, WB_ERR_TRAP_MEMORY_OOB);
        x64_xm(c->b, ac.type == WB_F32 ? X64_MOVSS : X64_MOVSD, x, m);
        wb_push_xmm(c, ac.type, x);
        return;
    }
    x64_gpr r = wb_alloc_gpr(c); /* moves only: m (r11 or a held reg) survives */
    wb_trap_site_here(c, WB_ERR_TRAP_MEMORY_OOB);
    switch (ac.bytes) {
    case 1:
        x64_rm(c->b, ac.sign ? X64_MOVSX8 : X64_MOVZX8, ac.sign && ac.type == WB_I64 ? X64_64 : X64_32, r, m);
        break;
    case 2:
        x64_rm(c->b, ac.sign ? X64_MOVSX16 : X64_MOVZX16, ac.sign && ac.type == WB_I64 ? X64_64 : X64_32, r, m);
        break;
    case 4:
        if (ac.sign)
            x64_rm(c->b, X64_MOVSXD, X64_64, r, m);
        else
            x64_rm(c->b, X64_MOV, X64_32, r, m);
        break;
    default:
        x64_rm(c->b, X64_MOV, X64_64, r, m);
        break;
    }
    wb_push_gpr(c, ac.type, r);
}

static void emit_store(wb_ctx *c, const wb_instr *in)
{
    access ac = access_of(in->op);
    int64_t k;
    x64_mem m;

    if (wb_type_is_float(ac.type)) {
        x64_xmm x = wb_pop_xmm(c);
        m = address(c, in->u.mem.offset, ac.bytes);
        wb_trap_site_here(c, WB_ERR_TRAP_MEMORY_OOB);
        x64_mx(c->b, ac.type == WB_F32 ? X64_MOVSS : X64_MOVSD, m, x);
        return;
    }
    if (wb_peek_const(c, 0, &k) && (ac.bytes < 8 || (k >= INT32_MIN && k <= INT32_MAX))) {
        wb_drop(c, 1);
        m = address(c, in->u.mem.offset, ac.bytes);
        wb_trap_site_here(c, WB_ERR_TRAP_MEMORY_OOB);
        x64_mi(c->b, X64_MOV, (x64_size)ac.bytes,  m,
               ac.bytes == 1 ? (int8_t)k : ac.bytes == 2 ? (int16_t)k : (int32_t)k);
        return;
    }
    x64_gpr v = wb_pop_gpr(c);
    m = address(c, in->u.mem.offset, ac.bytes);
    wb_trap_site_here(c, WB_ERR_TRAP_MEMORY_OOB);
    x64_mr(c->b, X64_MOV, (x64_size)ac.bytes, m, v);
}

/* A u32 immediate argument of a builtin in register r. */
static void arg_imm(wb_ctx *c, x64_gpr r, uint32_t v)
{
    wb_claim_gpr(c, r);
    x64_mov_imm(c->b, X64_32, r, v);
}

/* Pushes the u32 a builtin returned (the upper half of rax is undefined). */
static void push_u32_result(wb_ctx *c)
{
    wb_claim_gpr(c, X64_RAX);
    x64_rr(c->b, X64_MOV, X64_32, X64_RAX, X64_RAX);
    wb_push_gpr(c, WB_I32, X64_RAX);
}

wb_err wb_emit_mem(wb_ctx *c, const wb_instr *in)
{
    uint16_t op = in->op;
    if (op >= WB_OP_I32_LOAD && op <= WB_OP_I64_LOAD32_U) {
        emit_load(c, in);
        return WB_OK;
    }
    if (op >= WB_OP_I32_STORE && op <= WB_OP_I64_STORE32) {
        emit_store(c, in);
        return WB_OK;
    }
    switch ((wb_opcode)op) {
    case WB_OP_MEMORY_SIZE: {
        x64_gpr r = wb_alloc_gpr(c);
        x64_rm(c->b, X64_MOV, X64_64, r, x64_mem_bd(WB_REG_VMCTX, WB_VMCTX_MEM_SIZE));
        x64_ri(c->b, X64_SHR, X64_64, r, 16);
        wb_push_gpr(c, WB_I32, r);
        return WB_OK;
    }
    case WB_OP_MEMORY_GROW:
        wb_pop_gpr_to(c, X64_RSI);
        wb_call_builtin(c, WB_BUILTIN_MEMORY_GROW);
        push_u32_result(c);
        return WB_OK;
    case WB_OP_MEMORY_FILL:
        wb_pop_gpr_to(c, X64_RCX); /* len */
        wb_pop_gpr_to(c, X64_RDX); /* val */
        wb_pop_gpr_to(c, X64_RSI); /* dst */
        wb_call_builtin(c, WB_BUILTIN_MEMORY_FILL);
        return WB_OK;
    case WB_OP_MEMORY_COPY:
        wb_pop_gpr_to(c, X64_RCX); /* len */
        wb_pop_gpr_to(c, X64_RDX); /* src */
        wb_pop_gpr_to(c, X64_RSI); /* dst */
        wb_call_builtin(c, WB_BUILTIN_MEMORY_COPY);
        return WB_OK;
    case WB_OP_MEMORY_INIT:
        wb_pop_gpr_to(c, X64_R8);  /* len */
        wb_pop_gpr_to(c, X64_RCX); /* src */
        wb_pop_gpr_to(c, X64_RDX); /* dst */
        arg_imm(c, X64_RSI, in->u.init.seg);
        wb_call_builtin(c, WB_BUILTIN_MEMORY_INIT);
        return WB_OK;
    case WB_OP_DATA_DROP:
        arg_imm(c, X64_RSI, in->u.index);
        wb_call_builtin(c, WB_BUILTIN_DATA_DROP);
        return WB_OK;
    default:
        return wb_fail(c, WB_ERR_INTERNAL, "not a memory instruction");
    }
}

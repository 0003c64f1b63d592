/* interp — a register-machine bytecode interpreter running a generated program.
 *
 *   interp [scale]     scale = loop iterations of the generated program, in
 *                      units of 20000 (at most 200000)
 *
 * A pseudo-random program is generated: a main loop whose body is a mix of
 * ALU operations, loads and stores to a small data memory, data-dependent
 * forward branches and calls to generated subroutines. The interpreter is a
 * switch-dispatch loop over 8 32-bit registers. Prints one line:
 * "interp: checksum <hex>" (a hash of the final registers and memory and of
 * the number of instructions executed).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME "interp"
#define DEFAULT_SCALE 180 /* about 1 s natively (gcc -O2) */
#define ITERS_PER_UNIT 20000u
#define NREGS 8
#define LOOP_REG 7       /* the loop counter; generated code never writes it */
#define MEM_WORDS 256
#define BODY_LEN 96
#define NSUBS 6
#define SUB_LEN 24
#define MAX_CODE (4 + BODY_LEN + NSUBS * (SUB_LEN + 1) + 8)
#define CALL_DEPTH 16

enum op {
	OP_HALT, OP_LI, OP_MOV, OP_ADD, OP_SUB, OP_MUL, OP_AND, OP_OR, OP_XOR,
	OP_ADDI, OP_SHLI, OP_SHRI, OP_ROTLI, OP_LOAD, OP_STORE,
	OP_JLT, OP_JEQ, OP_JBIT, OP_JMP, OP_DECJNZ, OP_CALL, OP_RET,
	OP_COUNT
};

struct insn {
	uint8_t op, d, s, t;  /* opcode, destination, sources */
	uint32_t imm;         /* immediate or jump/call target */
};

static struct insn code[MAX_CODE];
static uint32_t ncode;
static uint32_t mem[MEM_WORDS];

static uint64_t rng_state = 0x5851F42D4C957F2Du;

static uint64_t rng_next(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static uint32_t rng_below(uint32_t n)
{
	return (uint32_t)((rng_next() >> 32) % n);
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0xFF51AFD7ED558CCDu;
	h ^= h >> 32;
	return h;
}

static int parse_scale(int argc, char **argv, int def)
{
	char *end;
	long v;

	if (argc < 2)
		return def;
	v = strtol(argv[1], &end, 10);
	if (argc > 2 || end == argv[1] || *end != '\0' || v < 1 || v > 1000000) {
		fprintf(stderr, "usage: %s [scale]  (scale: 1..1000000, default %d)\n",
		        argv[0], def);
		exit(2);
	}
	return (int)v;
}

static void emit(uint8_t op, uint8_t d, uint8_t s, uint8_t t, uint32_t imm)
{
	struct insn *i = &code[ncode++];
	i->op = op;
	i->d = d;
	i->s = s;
	i->t = t;
	i->imm = imm;
}

/* One random instruction at position `pc` of a block that ends (with its
 * DECJNZ or RET) at `end`. Writes only registers 0..6. Branches go forward,
 * at most to `end`; calls only when allowed (the main body). */
static void gen_insn(uint32_t pc, uint32_t end, int allow_calls, const uint32_t *subs)
{
	uint8_t d = (uint8_t)rng_below(LOOP_REG), s = (uint8_t)rng_below(NREGS);
	uint8_t t = (uint8_t)rng_below(NREGS);
	uint32_t r = rng_below(100);
	uint32_t target = pc + 1 + rng_below(end - pc < 6 ? end - pc : 6);

	if (r < 8)
		emit(OP_LI, d, 0, 0, (uint32_t)rng_next());
	else if (r < 12)
		emit(OP_MOV, d, s, 0, 0);
	else if (r < 22)
		emit(OP_ADD, d, s, t, 0);
	else if (r < 28)
		emit(OP_SUB, d, s, t, 0);
	else if (r < 33)
		emit(OP_MUL, d, s, t, 0);
	else if (r < 37)
		emit(OP_AND, d, s, t, 0);
	else if (r < 41)
		emit(OP_OR, d, s, t, 0);
	else if (r < 49)
		emit(OP_XOR, d, s, t, 0);
	else if (r < 56)
		emit(OP_ADDI, d, s, 0, (uint32_t)rng_next());
	else if (r < 59)
		emit(OP_SHLI, d, s, 0, rng_below(32));
	else if (r < 62)
		emit(OP_SHRI, d, s, 0, rng_below(32));
	else if (r < 67)
		emit(OP_ROTLI, d, s, 0, 1 + rng_below(31));
	else if (r < 74)
		emit(OP_LOAD, d, s, 0, rng_below(MEM_WORDS));
	else if (r < 80)
		emit(OP_STORE, 0, s, t, rng_below(MEM_WORDS));
	else if (r < 85)
		emit(OP_JLT, 0, s, t, target);
	else if (r < 88)
		emit(OP_JEQ, 0, s, t, target);
	else if (r < 93)
		emit(OP_JBIT, 0, s, (uint8_t)rng_below(32), target);
	else if (r < 94)
		emit(OP_JMP, 0, 0, 0, target);
	else if (allow_calls)
		emit(OP_CALL, 0, 0, 0, subs[rng_below(NSUBS)]);
	else
		emit(OP_XOR, d, s, t, 0);
}

static uint32_t generate(uint32_t iters)
{
	uint32_t subs[NSUBS];
	uint32_t loop, body_end, start;

	/* Subroutines are placed after the main program; compute their
	 * addresses first: main = LI x8, loop body, DECJNZ, HALT. */
	start = NREGS + BODY_LEN + 2;
	for (int k = 0; k < NSUBS; k++)
		subs[k] = start + (uint32_t)k * (SUB_LEN + 1);

	ncode = 0;
	for (uint8_t r = 0; r < LOOP_REG; r++)
		emit(OP_LI, r, 0, 0, (uint32_t)rng_next());
	emit(OP_LI, LOOP_REG, 0, 0, iters);
	loop = ncode;
	body_end = loop + BODY_LEN;
	for (uint32_t pc = loop; pc < body_end; pc++)
		gen_insn(pc, body_end, 1, subs);
	emit(OP_DECJNZ, LOOP_REG, 0, 0, loop);
	emit(OP_HALT, 0, 0, 0, 0);
	for (int k = 0; k < NSUBS; k++) {
		uint32_t end = subs[k] + SUB_LEN;
		for (uint32_t pc = subs[k]; pc < end; pc++)
			gen_insn(pc, end, 0, subs);
		emit(OP_RET, 0, 0, 0, 0);
	}
	return ncode;
}

/* Runs from pc 0 to HALT; returns the number of instructions executed, or
 * UINT64_MAX on a malformed program. */
static uint64_t run(uint32_t reg[NREGS])
{
	uint32_t stack[CALL_DEPTH];
	uint32_t sp = 0, pc = 0;
	uint64_t steps = 0;

	for (;;) {
		const struct insn *i = &code[pc++];
		steps++;
		switch (i->op) {
		case OP_HALT:
			return steps;
		case OP_LI:
			reg[i->d] = i->imm;
			break;
		case OP_MOV:
			reg[i->d] = reg[i->s];
			break;
		case OP_ADD:
			reg[i->d] = reg[i->s] + reg[i->t];
			break;
		case OP_SUB:
			reg[i->d] = reg[i->s] - reg[i->t];
			break;
		case OP_MUL:
			reg[i->d] = reg[i->s] * reg[i->t];
			break;
		case OP_AND:
			reg[i->d] = reg[i->s] & reg[i->t];
			break;
		case OP_OR:
			reg[i->d] = reg[i->s] | reg[i->t];
			break;
		case OP_XOR:
			reg[i->d] = reg[i->s] ^ reg[i->t];
			break;
		case OP_ADDI:
			reg[i->d] = reg[i->s] + i->imm;
			break;
		case OP_SHLI:
			reg[i->d] = reg[i->s] << (i->imm & 31);
			break;
		case OP_SHRI:
			reg[i->d] = reg[i->s] >> (i->imm & 31);
			break;
		case OP_ROTLI: {
			uint32_t n = i->imm & 31, x = reg[i->s];
			reg[i->d] = n ? (x << n) | (x >> (32 - n)) : x;
			break;
		}
		case OP_LOAD:
			reg[i->d] = mem[(reg[i->s] + i->imm) % MEM_WORDS];
			break;
		case OP_STORE:
			mem[(reg[i->s] + i->imm) % MEM_WORDS] = reg[i->t];
			break;
		case OP_JLT:
			if (reg[i->s] < reg[i->t])
				pc = i->imm;
			break;
		case OP_JEQ:
			if ((reg[i->s] & 0xff) == (reg[i->t] & 0xff))
				pc = i->imm;
			break;
		case OP_JBIT:
			if (reg[i->s] >> i->t & 1)
				pc = i->imm;
			break;
		case OP_JMP:
			pc = i->imm;
			break;
		case OP_DECJNZ:
			if (--reg[i->d] != 0)
				pc = i->imm;
			break;
		case OP_CALL:
			if (sp == CALL_DEPTH)
				return UINT64_MAX;
			stack[sp++] = pc;
			pc = i->imm;
			break;
		case OP_RET:
			if (sp == 0)
				return UINT64_MAX;
			pc = stack[--sp];
			break;
		default:
			return UINT64_MAX;
		}
	}
}

int main(int argc, char **argv)
{
	int scale = parse_scale(argc, argv, DEFAULT_SCALE);
	uint32_t reg[NREGS];
	uint64_t steps, h = 0;

	if (scale > 200000) { /* the loop counter is a 32-bit register */
		fprintf(stderr, "%s: scale at most 200000\n", NAME);
		return 2;
	}

	for (uint32_t k = 0; k < MEM_WORDS; k++)
		mem[k] = (uint32_t)rng_next();
	generate((uint32_t)scale * ITERS_PER_UNIT);
	memset(reg, 0, sizeof reg);
	steps = run(reg);
	if (steps == UINT64_MAX) {
		fprintf(stderr, "%s: malformed program\n", NAME);
		return 1;
	}
	h = mix(h, steps);
	for (int r = 0; r < NREGS; r++)
		h = mix(h, reg[r]);
	for (int k = 0; k < MEM_WORDS; k++)
		h = mix(h, mem[k]);
	printf("%s: checksum %016" PRIx64 "\n", NAME, h);
	return 0;
}

/* dispatch — indirect calls through a table of function pointers.
 *
 *   dispatch [scale]   scale = number of rounds of 4 million indirect calls
 *
 * A "program" of pseudo-random operation indices drives two kinds of
 * indirect calls: a flat table of 16 operations on a 64-bit accumulator, and
 * objects with a small virtual-method table (three shape kinds, integer
 * geometry). Call targets change unpredictably, so the calls go through the
 * table (call_indirect in wasm). Prints one line:
 * "dispatch: checksum <hex>".
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NAME "dispatch"
#define DEFAULT_SCALE 28 /* about 1 s natively (gcc -O2) */
#define PROG_LEN 4096u
#define CALLS_PER_ROUND (4u << 20)
#define NSHAPES 1024u

typedef uint64_t (*op_fn)(uint64_t acc, uint64_t x);

static uint64_t op_add(uint64_t a, uint64_t x) { return a + x; }
static uint64_t op_sub(uint64_t a, uint64_t x) { return a - x; }
static uint64_t op_xor(uint64_t a, uint64_t x) { return a ^ x; }
static uint64_t op_mul(uint64_t a, uint64_t x) { return a * (x | 1); }
static uint64_t op_rotl(uint64_t a, uint64_t x)
{
	unsigned n = (unsigned)(x & 63);
	return n ? (a << n) | (a >> (64 - n)) : a;
}
static uint64_t op_shr_xor(uint64_t a, uint64_t x) { return a ^ (a >> (x & 31)); }
static uint64_t op_and_not(uint64_t a, uint64_t x) { return a & ~(x & 0xFF); }
static uint64_t op_or(uint64_t a, uint64_t x) { return a | (x & 0x10001); }
static uint64_t op_neg(uint64_t a, uint64_t x) { return (0 - a) + (x & 7); }
static uint64_t op_swap(uint64_t a, uint64_t x) { return (a << 32 | a >> 32) + x; }
static uint64_t op_div(uint64_t a, uint64_t x) { return a / ((x & 0xFFFF) | 1) + a; }
static uint64_t op_mod(uint64_t a, uint64_t x) { return a + a % ((x & 0xFFF) + 3); }
static uint64_t op_min(uint64_t a, uint64_t x) { return a < x ? a + 1 : x ^ a; }
static uint64_t op_max(uint64_t a, uint64_t x) { return a > x ? a - 1 : x + a; }
static uint64_t op_mix(uint64_t a, uint64_t x)
{
	a ^= x;
	a *= 0x9E3779B97F4A7C15u;
	return a ^ (a >> 29);
}
static uint64_t op_bswap(uint64_t a, uint64_t x)
{
	uint64_t r = 0;
	for (int i = 0; i < 8; i++) {
		r = r << 8 | (a & 0xFF);
		a >>= 8;
	}
	return r + x;
}

static const op_fn ops[16] = {
	op_add, op_sub, op_xor, op_mul, op_rotl, op_shr_xor, op_and_not, op_or,
	op_neg, op_swap, op_div, op_mod, op_min, op_max, op_mix, op_bswap,
};

/* ---- shapes with a vtable ---- */

struct shape;
struct shape_vtbl {
	int64_t (*area2)(const struct shape *); /* twice the area */
	int64_t (*perimeter_sq)(const struct shape *);
	void (*scale)(struct shape *, int32_t);
};

struct shape {
	const struct shape_vtbl *vt;
	int32_t a, b, c;
};

static int64_t rect_area2(const struct shape *s) { return 2 * (int64_t)s->a * s->b; }
static int64_t rect_perim(const struct shape *s)
{
	int64_t p = 2 * ((int64_t)s->a + s->b);
	return p * p;
}
static void rect_scale(struct shape *s, int32_t k)
{
	s->a = (s->a * k) % 1000 + 1;
	s->b = (s->b + k) % 1000 + 1;
}

static int64_t tri_area2(const struct shape *s) { return (int64_t)s->a * s->c; }
static int64_t tri_perim(const struct shape *s)
{
	int64_t p = (int64_t)s->a + s->b + s->c;
	return p * p;
}
static void tri_scale(struct shape *s, int32_t k)
{
	s->a = (s->a + k) % 1000 + 1;
	s->c = (s->c * k) % 1000 + 1;
}

static int64_t circle_area2(const struct shape *s)
{
	/* 2 * 355/113 * r^2, in integers */
	return 710 * (int64_t)s->a * s->a / 113;
}
static int64_t circle_perim(const struct shape *s)
{
	int64_t p = 710 * (int64_t)s->a / 113;
	return p * p;
}
static void circle_scale(struct shape *s, int32_t k)
{
	s->a = (s->a * k + 7) % 1000 + 1;
}

static const struct shape_vtbl rect_vt = { rect_area2, rect_perim, rect_scale };
static const struct shape_vtbl tri_vt = { tri_area2, tri_perim, tri_scale };
static const struct shape_vtbl circle_vt = { circle_area2, circle_perim, circle_scale };

static uint64_t rng_state = 0xD6E8FEB86659FD93u;

static uint64_t rng_next(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
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

static uint8_t prog[PROG_LEN];
static uint64_t operand[PROG_LEN];
static struct shape shapes[NSHAPES];

int main(int argc, char **argv)
{
	int scale = parse_scale(argc, argv, DEFAULT_SCALE);
	uint64_t acc = 1, h = 0;
	uint64_t geo = 0; /* unsigned: wraps, never overflows */

	for (uint32_t i = 0; i < PROG_LEN; i++) {
		prog[i] = (uint8_t)(rng_next() >> 60);
		operand[i] = rng_next();
	}
	for (uint32_t i = 0; i < NSHAPES; i++) {
		uint64_t r = rng_next();
		static const struct shape_vtbl *const kinds[3] = { &rect_vt, &tri_vt, &circle_vt };
		shapes[i].vt = kinds[r % 3];
		shapes[i].a = (int32_t)(r >> 8 & 511) + 1;
		shapes[i].b = (int32_t)(r >> 20 & 511) + 1;
		shapes[i].c = (int32_t)(r >> 32 & 511) + 1;
	}

	for (int r = 0; r < scale; r++) {
		/* 3/4 of the calls: the flat operation table. */
		for (uint32_t n = 0; n < CALLS_PER_ROUND / 4 * 3; n++) {
			uint32_t i = (n + (uint32_t)r * 7) % PROG_LEN;
			acc = ops[prog[i]](acc, operand[i] + n);
		}
		/* 1/4: virtual calls on shapes, three methods each. */
		for (uint32_t n = 0; n < CALLS_PER_ROUND / 4 / 3; n++) {
			struct shape *s = &shapes[(n * 37 + (uint32_t)r) % NSHAPES];
			geo += (uint64_t)s->vt->area2(s);
			geo ^= (uint64_t)s->vt->perimeter_sq(s);
			s->vt->scale(s, (int32_t)(n & 15) + 2);
		}
		h = mix(h, acc);
		h = mix(h, geo);
	}
	printf("%s: checksum %016" PRIx64 "\n", NAME, h);
	return 0;
}

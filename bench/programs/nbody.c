/* nbody — gravitational n-body simulation (symplectic Euler, softened).
 *
 *   nbody [scale]      scale = number of 2000-step blocks for 40 bodies
 *
 * Bodies get pseudo-random masses, positions and velocities. Each step
 * accumulates pairwise accelerations (with sqrt, which IEEE 754 rounds
 * exactly), then updates velocities and positions. The total energy is
 * computed at the end. Only +, -, *, / and sqrt are used, in a fixed order,
 * so results are bit-identical across targets. Prints one line:
 * "nbody: checksum <hex>".
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME "nbody"
#define DEFAULT_SCALE 150 /* about 1 s natively (gcc -O2) */
#define NBODIES 40
#define STEPS_PER_UNIT 2000
#define DT 0.001
#define SOFTENING2 0.0001

struct body {
	double x, y, z;
	double vx, vy, vz;
	double m;
};

static uint64_t rng_state = 0xD1B54A32D192ED03u;

static uint64_t rng_next(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

/* Uniform in [-1, 1). */
static double rng_signed_unit(void)
{
	return (double)(rng_next() >> 11) * 0x1.0p-52 - 1.0;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0xFF51AFD7ED558CCDu;
	h ^= h >> 32;
	return h;
}

static uint64_t bits_of(double d)
{
	uint64_t u;
	memcpy(&u, &d, sizeof u);
	return u;
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

static struct body bodies[NBODIES];
static double ax[NBODIES], ay[NBODIES], az[NBODIES];

static void step(void)
{
	for (int i = 0; i < NBODIES; i++)
		ax[i] = ay[i] = az[i] = 0.0;
	for (int i = 0; i < NBODIES; i++) {
		struct body *bi = &bodies[i];
		for (int j = i + 1; j < NBODIES; j++) {
			struct body *bj = &bodies[j];
			double dx = bi->x - bj->x;
			double dy = bi->y - bj->y;
			double dz = bi->z - bj->z;
			double d2 = dx * dx + dy * dy + dz * dz + SOFTENING2;
			double inv = 1.0 / (d2 * sqrt(d2));
			double fi = bj->m * inv, fj = bi->m * inv;
			ax[i] -= dx * fi;
			ay[i] -= dy * fi;
			az[i] -= dz * fi;
			ax[j] += dx * fj;
			ay[j] += dy * fj;
			az[j] += dz * fj;
		}
	}
	for (int i = 0; i < NBODIES; i++) {
		struct body *b = &bodies[i];
		b->vx += DT * ax[i];
		b->vy += DT * ay[i];
		b->vz += DT * az[i];
		b->x += DT * b->vx;
		b->y += DT * b->vy;
		b->z += DT * b->vz;
	}
}

static double energy(void)
{
	double e = 0.0;

	for (int i = 0; i < NBODIES; i++) {
		struct body *bi = &bodies[i];
		e += 0.5 * bi->m * (bi->vx * bi->vx + bi->vy * bi->vy + bi->vz * bi->vz);
		for (int j = i + 1; j < NBODIES; j++) {
			struct body *bj = &bodies[j];
			double dx = bi->x - bj->x, dy = bi->y - bj->y, dz = bi->z - bj->z;
			e -= bi->m * bj->m / sqrt(dx * dx + dy * dy + dz * dz + SOFTENING2);
		}
	}
	return e;
}

int main(int argc, char **argv)
{
	int scale = parse_scale(argc, argv, DEFAULT_SCALE);
	uint64_t h = 0;

	for (int i = 0; i < NBODIES; i++) {
		bodies[i].x = 10.0 * rng_signed_unit();
		bodies[i].y = 10.0 * rng_signed_unit();
		bodies[i].z = 10.0 * rng_signed_unit();
		bodies[i].vx = 0.5 * rng_signed_unit();
		bodies[i].vy = 0.5 * rng_signed_unit();
		bodies[i].vz = 0.5 * rng_signed_unit();
		bodies[i].m = 1.0 + rng_signed_unit() * 0.5;
	}
	h = mix(h, bits_of(energy()));

	for (int u = 0; u < scale; u++) {
		for (int s = 0; s < STEPS_PER_UNIT; s++)
			step();
		h = mix(h, bits_of(bodies[u % NBODIES].x));
	}
	for (int i = 0; i < NBODIES; i++) {
		h = mix(h, bits_of(bodies[i].x));
		h = mix(h, bits_of(bodies[i].vy));
	}
	h = mix(h, bits_of(energy()));

	printf("%s: checksum %016" PRIx64 "\n", NAME, h);
	return 0;
}

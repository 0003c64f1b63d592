/* jacobi — 5-point Jacobi relaxation on a 2-D grid of doubles.
 *
 *   jacobi [scale]     scale = number of 20-sweep blocks on a 512x512 grid
 *
 * The boundary holds pseudo-random "temperatures"; every sweep replaces each
 * interior point by the mean of its four neighbours. Only IEEE-exact
 * operations are used in a fixed order, so results are bit-identical across
 * targets. Prints one line: "jacobi: checksum <hex>".
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME "jacobi"
#define DEFAULT_SCALE 600 /* about 1 s natively (gcc -O2) */
#define N 512
#define SWEEPS_PER_UNIT 20

static uint64_t rng_state = 0x2545F4914F6CDD1Du;

static uint64_t rng_next(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

/* Uniform in [0, 1). */
static double rng_unit(void)
{
	return (double)(rng_next() >> 11) * 0x1.0p-53;
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

static double grid_a[N][N], grid_b[N][N];

static void sweep(double (*restrict dst)[N], double (*restrict src)[N])
{
	for (int i = 1; i < N - 1; i++)
		for (int j = 1; j < N - 1; j++)
			dst[i][j] = 0.25 * ((src[i - 1][j] + src[i + 1][j]) +
			                    (src[i][j - 1] + src[i][j + 1]));
}

int main(int argc, char **argv)
{
	int scale = parse_scale(argc, argv, DEFAULT_SCALE);
	double (*cur)[N] = grid_a, (*nxt)[N] = grid_b;
	uint64_t h = 0;

	for (int k = 0; k < N; k++) {
		double t0 = 100.0 * rng_unit(), t1 = 100.0 * rng_unit();
		double t2 = 100.0 * rng_unit(), t3 = 100.0 * rng_unit();
		grid_a[0][k] = grid_b[0][k] = t0;
		grid_a[N - 1][k] = grid_b[N - 1][k] = t1;
		grid_a[k][0] = grid_b[k][0] = t2;
		grid_a[k][N - 1] = grid_b[k][N - 1] = t3;
	}

	for (int u = 0; u < scale; u++) {
		for (int s = 0; s < SWEEPS_PER_UNIT; s++) {
			double (*t)[N];
			sweep(nxt, cur);
			t = cur;
			cur = nxt;
			nxt = t;
		}
		h = mix(h, bits_of(cur[N / 2][(u * 31) % (N - 2) + 1]));
	}
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			h = mix(h, bits_of(cur[i][j]));

	printf("%s: checksum %016" PRIx64 "\n", NAME, h);
	return 0;
}

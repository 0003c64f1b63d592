/* matmul — dense double-precision matrix multiply (i-k-j loop order).
 *
 *   matmul [scale]     scale = number of 256x256 products
 *
 * Each round multiplies A by B into C, folds a sample of C into the
 * checksum and feeds one row of C back into A, so no round can be skipped.
 * Every element is computed in the same order on every target, and only
 * IEEE-exact operations (+, *) are used, so the bit patterns of the results
 * are identical natively (gcc -ffp-contract=off) and in wasm. Prints one line:
 * "matmul: checksum <hex>".
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME "matmul"
#define DEFAULT_SCALE 300 /* about 1 s natively (gcc -O2) */
#define N 256

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint64_t rng_next(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

/* Uniform in [-1, 1): 53 random bits, converted exactly. */
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

static double A[N][N], B[N][N], C[N][N];

static void multiply(void)
{
	for (int i = 0; i < N; i++) {
		for (int j = 0; j < N; j++)
			C[i][j] = 0.0;
		for (int k = 0; k < N; k++) {
			double a = A[i][k];
			for (int j = 0; j < N; j++)
				C[i][j] += a * B[k][j];
		}
	}
}

int main(int argc, char **argv)
{
	int scale = parse_scale(argc, argv, DEFAULT_SCALE);
	uint64_t h = 0;

	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			A[i][j] = rng_signed_unit();
			B[i][j] = rng_signed_unit();
		}

	for (int r = 0; r < scale; r++) {
		int row = r % N;

		multiply();
		for (int j = 0; j < N; j += 17)
			h = mix(h, bits_of(C[(row * 7 + j) % N][j]));
		/* Feed a scaled row of C back into A (values stay bounded). */
		for (int j = 0; j < N; j++)
			A[row][j] = C[row][j] * 0.0625;
	}
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			h = mix(h, bits_of(C[i][j]));

	printf("%s: checksum %016" PRIx64 "\n", NAME, h);
	return 0;
}

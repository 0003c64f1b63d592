/* fib — doubly recursive Fibonacci: call and return overhead.
 *
 *   fib [scale]        scale = number of rounds; round r computes
 *                      fib(24 + r % 5) recursively (about 300 000 calls)
 *
 * The argument varies per round, so rounds cannot be folded together, and
 * the recursive results are checked against an iterative loop. Prints one
 * line: "fib: checksum <hex>".
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NAME "fib"
#define DEFAULT_SCALE 7000 /* about 1 s natively (gcc -O2) */

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

static uint32_t fib(uint32_t n)
{
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static uint32_t fib_iter(uint32_t n)
{
	uint32_t a = 0, b = 1;
	while (n--) {
		uint32_t t = a + b;
		a = b;
		b = t;
	}
	return a;
}

int main(int argc, char **argv)
{
	int scale = parse_scale(argc, argv, DEFAULT_SCALE);
	uint64_t h = 0;

	for (int r = 0; r < scale; r++) {
		uint32_t n = 24 + (uint32_t)r % 5;
		uint32_t v = fib(n);
		if (v != fib_iter(n)) {
			fprintf(stderr, "%s: fib(%u) = %u is wrong\n", NAME, n, v);
			return 1;
		}
		h = mix(h, v + (uint32_t)r);
	}
	printf("%s: checksum %016" PRIx64 "\n", NAME, h);
	return 0;
}

/* sieve — sieve of Eratosthenes over odd numbers, one bit per number.
 *
 *   sieve [scale]      scale = number of sieves
 *
 * Each round sieves the odd numbers below a limit near 8 million (the limit
 * varies per round) in a bit array of 64-bit words, then counts the primes
 * with a population count and sums a sample of them. Prints one line:
 * "sieve: checksum <hex>".
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME "sieve"
#define DEFAULT_SCALE 220 /* about 1 s natively (gcc -O2) */
#define BASE_LIMIT 8000000u

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

/* Population count without builtins, so both compilers see the same code. */
static unsigned popcount64(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555u);
	x = (x & 0x3333333333333333u) + ((x >> 2) & 0x3333333333333333u);
	x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Fu;
	return (unsigned)((x * 0x0101010101010101u) >> 56);
}

/* Bit i of `composite` stands for the odd number 2*i+1. Returns the number of
 * primes below `limit` and stores a hash of every 1000th prime in *sample. */
static uint32_t sieve(uint64_t *composite, uint32_t limit, uint64_t *sample)
{
	uint32_t nbits = limit / 2;          /* odd numbers 1, 3, ..., < limit */
	uint32_t nwords = (nbits + 63) / 64;
	uint32_t count = 0, seen = 0;
	uint64_t s = 0;

	memset(composite, 0, (size_t)nwords * sizeof *composite);
	composite[0] |= 1;                    /* 1 is not prime */
	for (uint32_t i = 1;; i++) {
		uint32_t p = 2 * i + 1;
		if ((uint64_t)p * p >= limit)
			break;
		if (composite[i >> 6] >> (i & 63) & 1)
			continue;
		for (uint32_t j = (p * p) / 2; j < nbits; j += p)
			composite[j >> 6] |= (uint64_t)1 << (j & 63);
	}
	/* Bits past nbits in the last word are not numbers: mark them. */
	if (nbits & 63)
		composite[nwords - 1] |= ~(uint64_t)0 << (nbits & 63);
	for (uint32_t w = 0; w < nwords; w++) {
		uint64_t primes = ~composite[w];
		count += popcount64(primes);
		while (primes) {
			/* lowest set bit, found without builtins */
			uint64_t low = primes & (0 - primes);
			if (++seen % 1000 == 0) {
				uint32_t bit = 0;
				for (uint64_t t = low; t > 1; t >>= 1)
					bit++;
				s = mix(s, 2 * (w * 64 + bit) + 1);
			}
			primes ^= low;
		}
	}
	*sample = s;
	return count + (limit > 2); /* the prime 2 */
}

int main(int argc, char **argv)
{
	int scale = parse_scale(argc, argv, DEFAULT_SCALE);
	uint32_t max_limit = BASE_LIMIT + 64 * 1024;
	uint64_t *bits = malloc(((size_t)max_limit / 2 / 64 + 1) * sizeof *bits);
	uint64_t h = 0, sample;

	if (bits == NULL) {
		fprintf(stderr, "%s: out of memory\n", NAME);
		return 1;
	}
	/* pi(10^6) = 78498: a correctness check before the timed rounds. */
	if (sieve(bits, 1000000, &sample) != 78498) {
		fprintf(stderr, "%s: wrong prime count below 10^6\n", NAME);
		return 1;
	}
	for (int u = 0; u < scale; u++) {
		uint32_t limit = BASE_LIMIT + (uint32_t)u * 7919u % (64 * 1024);
		uint32_t n = sieve(bits, limit, &sample);
		h = mix(h, n);
		h = mix(h, sample);
	}
	printf("%s: checksum %016" PRIx64 "\n", NAME, h);
	free(bits);
	return 0;
}

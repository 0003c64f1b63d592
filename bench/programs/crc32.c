/* crc32 — CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320), slicing-by-8.
 *
 *   crc32 [scale]      scale = number of 4 MiB passes
 *
 * Builds the eight lookup tables, checks the check value of "123456789" and
 * that the bytewise and slicing-by-8 loops agree, then runs the slicing loop
 * over a generated buffer; the CRC of each pass seeds a small rewrite of the
 * buffer so passes cannot be skipped. Prints one line:
 * "crc32: checksum <hex>".
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME "crc32"
#define DEFAULT_SCALE 600 /* about 1 s natively (gcc -O2) */
#define BUF_SIZE (4u << 20)

static uint32_t table[8][256];

static void make_tables(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
		table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xff];
}

static uint32_t crc_bytewise(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	while (n--)
		crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

static uint32_t crc_slice8(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	while (n >= 8) {
		/* Assemble little-endian words byte by byte: no alignment or
		 * endianness assumptions. */
		uint32_t lo = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		              (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 |
		              (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
		lo ^= crc;
		crc = table[7][lo & 0xff] ^ table[6][(lo >> 8) & 0xff] ^
		      table[5][(lo >> 16) & 0xff] ^ table[4][lo >> 24] ^
		      table[3][hi & 0xff] ^ table[2][(hi >> 8) & 0xff] ^
		      table[1][(hi >> 16) & 0xff] ^ table[0][hi >> 24];
		p += 8;
		n -= 8;
	}
	while (n--)
		crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

static uint64_t rng_state = 0xBF58476D1CE4E5B9u;

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

int main(int argc, char **argv)
{
	int scale = parse_scale(argc, argv, DEFAULT_SCALE);
	uint8_t *buf = malloc(BUF_SIZE);
	uint64_t h = 0;
	uint32_t crc = 0;

	if (buf == NULL) {
		fprintf(stderr, "%s: out of memory\n", NAME);
		return 1;
	}
	make_tables();
	if (crc_bytewise(0, (const uint8_t *)"123456789", 9) != 0xCBF43926u ||
	    crc_slice8(0, (const uint8_t *)"123456789", 9) != 0xCBF43926u) {
		fprintf(stderr, "%s: check value mismatch\n", NAME);
		return 1;
	}
	for (uint32_t i = 0; i < BUF_SIZE; i += 8) {
		uint64_t r = rng_next();
		for (int k = 0; k < 8; k++)
			buf[i + k] = (uint8_t)(r >> (8 * k));
	}
	/* Odd lengths and offsets: both loops must agree. */
	for (uint32_t off = 0; off < 8; off++) {
		uint32_t len = 65536 + off * 3;
		if (crc_bytewise(off, buf + off, len) != crc_slice8(off, buf + off, len)) {
			fprintf(stderr, "%s: bytewise and slicing-by-8 disagree\n", NAME);
			return 1;
		}
	}
	for (int u = 0; u < scale; u++) {
		uint32_t pos = crc % (BUF_SIZE - 4);
		buf[pos] ^= (uint8_t)crc;
		buf[pos + 1] ^= (uint8_t)(crc >> 8);
		crc = crc_slice8(crc, buf + (u & 7), BUF_SIZE - (u & 7));
		h = mix(h, crc);
	}
	printf("%s: checksum %016" PRIx64 "\n", NAME, h);
	free(buf);
	return 0;
}

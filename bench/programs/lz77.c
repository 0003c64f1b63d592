/* lz77 — an LZ77-family compressor and decompressor with a round-trip check.
 *
 *   lz77 [scale]       scale = number of 1 MiB blocks compressed and
 *                      decompressed
 *
 * Compressor: hash chains over a 64 KiB window (hash of 4 bytes, chain depth
 * 48, lazy matching one byte ahead). Format (byte-oriented, LZ4-like): a
 * sequence of tokens; token = (literal count << 4) | (match length - 4), each
 * nibble extended by 255-bytes when it is 15, then the literals, then a
 * 16-bit little-endian offset. The last sequence has literals only. Input:
 * generated text of words from a pseudo-random vocabulary, numbers and
 * noise. Every block is decompressed and compared with the input. Prints one
 * line: "lz77: checksum <hex>" (over the compressed bytes and sizes).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME "lz77"
#define DEFAULT_SCALE 30 /* about 1 s natively (gcc -O2) */
#define BLOCK (1u << 20)
#define WINDOW (1u << 16)
#define MIN_MATCH 4
#define MAX_MATCH 1024
#define HASH_BITS 15
#define CHAIN_DEPTH 48
#define NO_POS 0xFFFFFFFFu

static uint64_t rng_state = 0x9FB21C651E98DF25u;

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

/* ---- input ---- */

#define NWORDS 512
static char vocab[NWORDS][12];
static uint8_t vocab_len[NWORDS];

static void make_vocab(void)
{
	for (int w = 0; w < NWORDS; w++) {
		uint32_t n = 2 + rng_below(9);
		for (uint32_t k = 0; k < n; k++)
			vocab[w][k] = (char)('a' + rng_below(26));
		vocab_len[w] = (uint8_t)n;
	}
}

static void gen_block(uint8_t *buf, uint32_t n)
{
	uint32_t i = 0;

	while (i < n) {
		uint32_t r = rng_below(100);
		if (r < 80) {
			/* Skewed word choice: low indices are frequent. */
			uint32_t w = rng_below(NWORDS);
			w = w * w / NWORDS;
			for (uint32_t k = 0; k < vocab_len[w] && i < n; k++)
				buf[i++] = (uint8_t)vocab[w][k];
		} else if (r < 90) {
			uint32_t v = rng_below(100000);
			do {
				if (i < n)
					buf[i++] = (uint8_t)('0' + v % 10);
				v /= 10;
			} while (v);
		} else if (r < 95) {
			buf[i++] = (uint8_t)rng_next();
		} else if (i < n) {
			buf[i++] = '\n';
		}
		if (i < n)
			buf[i++] = ' ';
	}
}

/* ---- compressor ---- */

static uint32_t head[1u << HASH_BITS];
static uint32_t chain[WINDOW];

static uint32_t hash4(const uint8_t *p)
{
	uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	             (uint32_t)p[3] << 24;
	return (v * 2654435761u) >> (32 - HASH_BITS);
}

static void insert_pos(const uint8_t *in, uint32_t pos)
{
	uint32_t h = hash4(in + pos);
	chain[pos & (WINDOW - 1)] = head[h];
	head[h] = pos;
}

/* Longest match for position pos (needs pos + MIN_MATCH <= n). */
static uint32_t find_match(const uint8_t *in, uint32_t n, uint32_t pos,
                           uint32_t *offset)
{
	uint32_t best = 0, cand = head[hash4(in + pos)];
	uint32_t limit = n - pos < MAX_MATCH ? n - pos : MAX_MATCH;

	for (int depth = 0; depth < CHAIN_DEPTH && cand != NO_POS; depth++) {
		uint32_t len = 0;
		if (pos - cand > WINDOW - 1)
			break;
		if (in[cand + best] == in[pos + best]) {
			while (len < limit && in[cand + len] == in[pos + len])
				len++;
			if (len > best) {
				best = len;
				*offset = pos - cand;
				if (len == limit)
					break;
			}
		}
		cand = chain[cand & (WINDOW - 1)];
	}
	return best >= MIN_MATCH ? best : 0;
}

static uint8_t *put_len(uint8_t *o, uint32_t extra)
{
	while (extra >= 255) {
		*o++ = 255;
		extra -= 255;
	}
	*o++ = (uint8_t)extra;
	return o;
}

static uint8_t *put_sequence(uint8_t *o, const uint8_t *lit, uint32_t nlit,
                             uint32_t mlen, uint32_t offset)
{
	uint32_t ml = mlen ? mlen - MIN_MATCH : 0;
	*o++ = (uint8_t)((nlit < 15 ? nlit : 15) << 4 | (ml < 15 ? ml : 15));
	if (nlit >= 15)
		o = put_len(o, nlit - 15);
	memcpy(o, lit, nlit);
	o += nlit;
	if (mlen) {
		*o++ = (uint8_t)offset;
		*o++ = (uint8_t)(offset >> 8);
		if (ml >= 15)
			o = put_len(o, ml - 15);
	}
	return o;
}

/* Returns the compressed size. `out` needs n + n/255 + 16 bytes. */
static uint32_t compress(const uint8_t *in, uint32_t n, uint8_t *out)
{
	uint8_t *o = out;
	uint32_t pos = 0, lit_start = 0;

	memset(head, 0xFF, sizeof head);
	while (pos + MIN_MATCH <= n) {
		uint32_t off = 0, len = find_match(in, n, pos, &off);
		if (len && pos + 1 + MIN_MATCH <= n) {
			/* Lazy: prefer a longer match starting one byte later. */
			uint32_t off2 = 0, len2;
			insert_pos(in, pos);
			len2 = find_match(in, n, pos + 1, &off2);
			if (len2 > len + 1) {
				pos++;
				len = len2;
				off = off2;
			} else {
				/* pos is already in the chains */
				o = put_sequence(o, in + lit_start, pos - lit_start, len, off);
				for (uint32_t k = 1; k < len && pos + k + MIN_MATCH <= n; k++)
					insert_pos(in, pos + k);
				pos += len;
				lit_start = pos;
				continue;
			}
		}
		if (len) {
			o = put_sequence(o, in + lit_start, pos - lit_start, len, off);
			for (uint32_t k = 0; k < len && pos + k + MIN_MATCH <= n; k++)
				insert_pos(in, pos + k);
			pos += len;
			lit_start = pos;
		} else {
			insert_pos(in, pos);
			pos++;
		}
	}
	o = put_sequence(o, in + lit_start, n - lit_start, 0, 0);
	return (uint32_t)(o - out);
}

/* ---- decompressor ---- */

/* Returns the decompressed size, or UINT32_MAX on malformed input. */
static uint32_t decompress(const uint8_t *in, uint32_t n, uint8_t *out, uint32_t cap)
{
	const uint8_t *p = in, *end = in + n;
	uint32_t o = 0;

	while (p < end) {
		uint32_t tok = *p++, nlit = tok >> 4, ml = tok & 15, off;
		if (nlit == 15) {
			uint8_t b;
			do {
				if (p == end)
					return UINT32_MAX;
				b = *p++;
				nlit += b;
			} while (b == 255);
		}
		if (nlit > (uint32_t)(end - p) || nlit > cap - o)
			return UINT32_MAX;
		memcpy(out + o, p, nlit);
		p += nlit;
		o += nlit;
		if (p == end)
			break;             /* last sequence: literals only */
		if (end - p < 2)
			return UINT32_MAX;
		off = (uint32_t)p[0] | (uint32_t)p[1] << 8;
		p += 2;
		if (ml == 15) {
			uint8_t b;
			do {
				if (p == end)
					return UINT32_MAX;
				b = *p++;
				ml += b;
			} while (b == 255);
		}
		ml += MIN_MATCH;
		if (off == 0 || off > o || ml > cap - o)
			return UINT32_MAX;
		/* Byte by byte: overlapping copies are how runs are encoded. */
		for (uint32_t k = 0; k < ml; k++, o++)
			out[o] = out[o - off];
	}
	return o;
}

int main(int argc, char **argv)
{
	int scale = parse_scale(argc, argv, DEFAULT_SCALE);
	uint8_t *in = malloc(BLOCK);
	uint8_t *comp = malloc(BLOCK + BLOCK / 255 + 16);
	uint8_t *back = malloc(BLOCK);
	uint64_t h = 0, total_in = 0, total_out = 0;

	if (in == NULL || comp == NULL || back == NULL) {
		fprintf(stderr, "%s: out of memory\n", NAME);
		return 1;
	}
	make_vocab();
	for (int u = 0; u < scale; u++) {
		/* Block sizes vary a little; every 8th block is incompressible-ish
		 * noise at the end. */
		uint32_t n = BLOCK - rng_below(4096);
		uint32_t clen, dlen;

		gen_block(in, n);
		if (u % 8 == 7)
			for (uint32_t i = n - n / 8; i < n; i++)
				in[i] = (uint8_t)rng_next();
		clen = compress(in, n, comp);
		dlen = decompress(comp, clen, back, BLOCK);
		if (dlen != n || memcmp(in, back, n) != 0) {
			fprintf(stderr, "%s: round trip failed in block %d\n", NAME, u);
			return 1;
		}
		total_in += n;
		total_out += clen;
		for (uint32_t i = 0; i + 8 <= clen; i += 8) {
			uint64_t w;
			memcpy(&w, comp + i, 8);
			h = mix(h, w);
		}
		h = mix(h, clen);
	}
	h = mix(h, total_in);
	h = mix(h, total_out);
	printf("%s: checksum %016" PRIx64 "\n", NAME, h);
	free(in);
	free(comp);
	free(back);
	return 0;
}

/* bintrees — allocate, walk and free many binary trees.
 *
 *   bintrees [scale]   scale = number of rounds; each round builds and frees
 *                      about 2.4 million nodes with malloc/free
 *
 * A long-lived tree of depth 16 stays allocated throughout. Each round
 * builds 2^(20-d) short-lived trees of depth d for d = 4, 8, 12, 16, checks
 * every one with a recursive walk, and frees it. Nodes carry a value so that
 * the walk computes more than a count. Prints one line:
 * "bintrees: checksum <hex>".
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NAME "bintrees"
#define DEFAULT_SCALE 5 /* about 1 s natively (gcc -O2) */
#define LONG_LIVED_DEPTH 16
#define ROUND_BITS 20

struct node {
	struct node *left, *right;
	uint32_t value;
};

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

static struct node *build(uint32_t depth, uint32_t value)
{
	struct node *n = malloc(sizeof *n);

	if (n == NULL) {
		fprintf(stderr, "%s: out of memory\n", NAME);
		exit(1);
	}
	n->value = value;
	if (depth == 0) {
		n->left = n->right = NULL;
	} else {
		n->left = build(depth - 1, value * 2 + 1);
		n->right = build(depth - 1, value * 2 + 2);
	}
	return n;
}

/* Number of nodes in the low 32 bits, a value digest in the high bits. */
static uint64_t check(const struct node *n)
{
	uint64_t c;

	if (n->left == NULL)
		return (uint64_t)n->value << 32 | 1;
	c = check(n->left) + check(n->right);
	return c + ((uint64_t)(n->value ^ (uint32_t)c) << 32) + 1;
}

static void destroy(struct node *n)
{
	if (n->left != NULL) {
		destroy(n->left);
		destroy(n->right);
	}
	free(n);
}

int main(int argc, char **argv)
{
	int scale = parse_scale(argc, argv, DEFAULT_SCALE);
	struct node *long_lived = build(LONG_LIVED_DEPTH, 1);
	uint64_t h = 0;

	for (int r = 0; r < scale; r++) {
		for (uint32_t d = 4; d <= 16; d += 4) {
			uint32_t trees = 1u << (ROUND_BITS - d);
			uint64_t sum = 0;
			for (uint32_t t = 0; t < trees; t++) {
				struct node *tree = build(d, t + (uint32_t)r);
				uint64_t c = check(tree);
				if ((uint32_t)c != (2u << d) - 1) {
					fprintf(stderr, "%s: wrong node count\n", NAME);
					return 1;
				}
				sum += c;
				destroy(tree);
			}
			h = mix(h, sum);
		}
		h = mix(h, check(long_lived));
	}
	destroy(long_lived);
	printf("%s: checksum %016" PRIx64 "\n", NAME, h);
	return 0;
}

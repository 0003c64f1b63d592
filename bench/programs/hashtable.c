/* hashtable — open-addressing hash table: inserts, lookups, deletes.
 *
 *   hashtable [scale]  scale = number of rounds of 1 000 000 operations
 *
 * Linear probing over a power-of-two table of 64-bit keys and values, with
 * backward-shift deletion (no tombstones) and doubling at 3/4 load. Keys come
 * from a bounded key space, so lookups and deletes hit about half the time.
 * Every round ends by shrinking the live set with a sweep of deletes. Prints
 * one line: "hashtable: checksum <hex>".
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME "hashtable"
#define DEFAULT_SCALE 22 /* about 1 s natively (gcc -O2) */
#define OPS_PER_ROUND 1000000u
#define KEY_SPACE (1u << 19)

struct slot {
	uint64_t key;   /* 0 = empty */
	uint64_t value;
};

struct table {
	struct slot *slots;
	uint32_t mask;  /* capacity - 1 */
	uint32_t count;
};

static uint64_t rng_state = 0xC2B2AE3D27D4EB4Fu;

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

static uint32_t hash_key(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xFF51AFD7ED558CCDu;
	k ^= k >> 33;
	k *= 0xC4CEB9FE1A85EC53u;
	k ^= k >> 33;
	return (uint32_t)k;
}

static struct slot *alloc_slots(uint32_t n)
{
	struct slot *s = calloc(n, sizeof *s);
	if (s == NULL) {
		fprintf(stderr, "%s: out of memory\n", NAME);
		exit(1);
	}
	return s;
}

static void table_init(struct table *t, uint32_t capacity)
{
	t->slots = alloc_slots(capacity);
	t->mask = capacity - 1;
	t->count = 0;
}

static void table_insert(struct table *t, uint64_t key, uint64_t value);

static void table_grow(struct table *t)
{
	struct slot *old = t->slots;
	uint32_t old_cap = t->mask + 1;

	table_init(t, old_cap * 2);
	for (uint32_t i = 0; i < old_cap; i++)
		if (old[i].key != 0)
			table_insert(t, old[i].key, old[i].value);
	free(old);
}

/* Inserts or replaces. */
static void table_insert(struct table *t, uint64_t key, uint64_t value)
{
	uint32_t i;

	if ((t->count + 1) * 4 > (t->mask + 1) * 3)
		table_grow(t);
	for (i = hash_key(key) & t->mask;; i = (i + 1) & t->mask) {
		if (t->slots[i].key == key) {
			t->slots[i].value = value;
			return;
		}
		if (t->slots[i].key == 0) {
			t->slots[i].key = key;
			t->slots[i].value = value;
			t->count++;
			return;
		}
	}
}

static struct slot *table_find(struct table *t, uint64_t key)
{
	for (uint32_t i = hash_key(key) & t->mask;; i = (i + 1) & t->mask) {
		if (t->slots[i].key == key)
			return &t->slots[i];
		if (t->slots[i].key == 0)
			return NULL;
	}
}

/* Removes `key` if present; returns 1 if it was. Later entries of the probe
 * run are shifted back so that no lookup path is broken. */
static int table_delete(struct table *t, uint64_t key)
{
	struct slot *s = table_find(t, key);
	uint32_t hole, i;

	if (s == NULL)
		return 0;
	hole = (uint32_t)(s - t->slots);
	for (i = (hole + 1) & t->mask; t->slots[i].key != 0; i = (i + 1) & t->mask) {
		uint32_t home = hash_key(t->slots[i].key) & t->mask;
		/* Move slot i into the hole unless its home lies cyclically in
		 * (hole, i]. */
		if (((i - home) & t->mask) >= ((i - hole) & t->mask)) {
			t->slots[hole] = t->slots[i];
			hole = i;
		}
	}
	t->slots[hole].key = 0;
	t->slots[hole].value = 0;
	t->count--;
	return 1;
}

int main(int argc, char **argv)
{
	int scale = parse_scale(argc, argv, DEFAULT_SCALE);
	struct table t;
	uint64_t h = 0, hits = 0, misses = 0, deleted = 0, sum = 0;

	table_init(&t, 1024);
	for (int u = 0; u < scale; u++) {
		for (uint32_t n = 0; n < OPS_PER_ROUND; n++) {
			uint64_t r = rng_next();
			/* Keys are nonzero and spread over 64 bits. */
			uint64_t key = ((r >> 20) % KEY_SPACE + 1) * 0x9E3779B97F4A7C15u;
			uint32_t op = (uint32_t)r & 15;

			if (op < 7) {
				table_insert(&t, key, r);
			} else if (op < 13) {
				struct slot *s = table_find(&t, key);
				if (s != NULL) {
					hits++;
					sum += s->value;
				} else {
					misses++;
				}
			} else {
				deleted += (uint64_t)table_delete(&t, key);
			}
		}
		/* Sweep: delete every live key whose value has a given bit pattern,
		 * scanning the key space (not the slots). */
		for (uint32_t k = 1 + (uint32_t)u % 7; k <= KEY_SPACE; k += 7) {
			uint64_t key = (uint64_t)k * 0x9E3779B97F4A7C15u;
			struct slot *s = table_find(&t, key);
			if (s != NULL && (s->value & 3) == 0)
				deleted += (uint64_t)table_delete(&t, key);
		}
		h = mix(h, t.count);
		h = mix(h, sum);
	}
	/* Order-independent digest of the final contents, and a count check. */
	{
		uint64_t content = 0;
		uint32_t live = 0;
		for (uint32_t i = 0; i <= t.mask; i++)
			if (t.slots[i].key != 0) {
				content += mix(t.slots[i].key, t.slots[i].value);
				live++;
				if (table_find(&t, t.slots[i].key) != &t.slots[i]) {
					fprintf(stderr, "%s: table inconsistent\n", NAME);
					return 1;
				}
			}
		if (live != t.count) {
			fprintf(stderr, "%s: count mismatch\n", NAME);
			return 1;
		}
		h = mix(h, content);
	}
	h = mix(h, hits);
	h = mix(h, misses);
	h = mix(h, deleted);
	printf("%s: checksum %016" PRIx64 "\n", NAME, h);
	free(t.slots);
	return 0;
}

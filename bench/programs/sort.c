/* sort — quicksort and merge sort of pseudo-random 64-bit keys.
 *
 *   sort [scale]       scale = number of rounds; each round sorts 250 000
 *                      fresh keys twice (quicksort, then merge sort)
 *
 * Quicksort: median-of-three, insertion sort below 16 elements, recursion on
 * the smaller part only. Merge sort: top-down with one scratch buffer,
 * records of (key, original index), so it must be stable. Both results are
 * checked (sorted, equal keys, stability) and hashed. Prints one line:
 * "sort: checksum <hex>".
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME "sort"
#define DEFAULT_SCALE 35 /* about 1 s natively (gcc -O2) */
#define COUNT 250000u
#define SMALL 16

struct rec {
	uint32_t key;   /* few distinct-ish keys: stability matters */
	uint32_t index;
};

static uint64_t rng_state = 0x853C49E6748FEA9Bu;

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

/* ---- quicksort on uint64_t ---- */

static void insertion_sort(uint64_t *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint64_t v = a[i];
		size_t j = i;
		while (j > 0 && a[j - 1] > v) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = v;
	}
}

static void swap64(uint64_t *a, uint64_t *b)
{
	uint64_t t = *a;
	*a = *b;
	*b = t;
}

static void quicksort(uint64_t *a, size_t n)
{
	while (n > SMALL) {
		size_t mid = n / 2, i, j;
		uint64_t pivot;

		/* Median of three into a[mid], with a[0] <= a[mid] <= a[n-1]. */
		if (a[mid] < a[0])
			swap64(&a[mid], &a[0]);
		if (a[n - 1] < a[0])
			swap64(&a[n - 1], &a[0]);
		if (a[n - 1] < a[mid])
			swap64(&a[n - 1], &a[mid]);
		pivot = a[mid];

		/* Hoare partition; a[0] and a[n-1] act as sentinels. */
		i = 0;
		j = n - 1;
		for (;;) {
			do
				i++;
			while (a[i] < pivot);
			do
				j--;
			while (a[j] > pivot);
			if (i >= j)
				break;
			swap64(&a[i], &a[j]);
		}
		/* [0, j] <= pivot <= [j+1, n). Recurse on the smaller side. */
		if (j + 1 < n - (j + 1)) {
			quicksort(a, j + 1);
			a += j + 1;
			n -= j + 1;
		} else {
			quicksort(a + j + 1, n - (j + 1));
			n = j + 1;
		}
	}
	insertion_sort(a, n);
}

/* ---- merge sort on records (stable) ---- */

static void merge_sort(struct rec *a, struct rec *tmp, size_t n)
{
	size_t mid = n / 2, i, j, k;

	if (n < SMALL) {
		for (i = 1; i < n; i++) {
			struct rec v = a[i];
			j = i;
			while (j > 0 && a[j - 1].key > v.key) {
				a[j] = a[j - 1];
				j--;
			}
			a[j] = v;
		}
		return;
	}
	merge_sort(a, tmp, mid);
	merge_sort(a + mid, tmp, n - mid);
	if (a[mid - 1].key <= a[mid].key)
		return;
	memcpy(tmp, a, mid * sizeof *a);
	i = 0;
	j = mid;
	k = 0;
	while (i < mid && j < n)
		a[k++] = tmp[i].key <= a[j].key ? tmp[i++] : a[j++];
	while (i < mid)
		a[k++] = tmp[i++];
}

int main(int argc, char **argv)
{
	int scale = parse_scale(argc, argv, DEFAULT_SCALE);
	uint64_t *keys = malloc(COUNT * sizeof *keys);
	struct rec *recs = malloc(COUNT * sizeof *recs);
	struct rec *tmp = malloc((COUNT / 2 + 1) * sizeof *tmp);
	uint64_t h = 0;

	if (keys == NULL || recs == NULL || tmp == NULL) {
		fprintf(stderr, "%s: out of memory\n", NAME);
		return 1;
	}
	for (int u = 0; u < scale; u++) {
		/* Every fourth round is nearly sorted, to vary the branch profile. */
		int nearly = u % 4 == 3;
		uint32_t key_mask = u % 2 ? 0xFFFFu : 0xFFFFFFFFu;

		for (uint32_t i = 0; i < COUNT; i++) {
			uint64_t r = rng_next();
			keys[i] = nearly ? (uint64_t)i << 20 | (r & 0xFFFFF) << 4 : r;
			recs[i].key = (uint32_t)(r >> 32) & key_mask;
			recs[i].index = i;
		}
		if (nearly)
			for (uint32_t k = 0; k < COUNT / 100; k++) {
				uint64_t x = rng_next() % COUNT;
				uint64_t y = rng_next() % COUNT;
				swap64(&keys[x], &keys[y]);
			}

		quicksort(keys, COUNT);
		merge_sort(recs, tmp, COUNT);

		for (uint32_t i = 1; i < COUNT; i++) {
			if (keys[i - 1] > keys[i] || recs[i - 1].key > recs[i].key ||
			    (recs[i - 1].key == recs[i].key &&
			     recs[i - 1].index > recs[i].index)) {
				fprintf(stderr, "%s: not sorted at %u in round %d\n",
				        NAME, i, u);
				return 1;
			}
		}
		for (uint32_t i = 0; i < COUNT; i += 997) {
			h = mix(h, keys[i]);
			h = mix(h, (uint64_t)recs[i].key << 32 | recs[i].index);
		}
	}
	printf("%s: checksum %016" PRIx64 "\n", NAME, h);
	free(keys);
	free(recs);
	free(tmp);
	return 0;
}

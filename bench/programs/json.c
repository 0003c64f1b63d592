/* json — generate, parse into a tree, walk and free JSON documents.
 *
 *   json [scale]       scale = number of ~256 KiB documents
 *
 * Each document is pseudo-random JSON: nested objects and arrays, strings
 * with escapes (\" \\ \n \t \uXXXX), integers, decimals with exponents,
 * true/false/null. The parser builds a tree of malloc'd nodes (numbers are
 * kept as decimal mantissa and exponent: no floating-point conversion), the
 * walker hashes it and looks keys up, then the tree is freed. Prints one
 * line: "json: checksum <hex>".
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME "json"
#define DEFAULT_SCALE 280 /* about 1 s natively (gcc -O2) */
#define DOC_BYTES (256u * 1024u)
#define MAX_DEPTH 7
#define PARSE_DEPTH_LIMIT 64

static uint64_t rng_state = 0xE7037ED1A0B428DBu;

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

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL) {
		fprintf(stderr, "%s: out of memory\n", NAME);
		exit(1);
	}
	return p;
}

/* ---- generator ---- */

struct text {
	char *buf;
	size_t len, cap;
};

static void put(struct text *t, char c)
{
	t->buf[t->len++] = c;
}

static void puts_(struct text *t, const char *s)
{
	while (*s)
		t->buf[t->len++] = *s++;
}

static void put_ws(struct text *t)
{
	uint32_t r = rng_below(16);
	if (r == 0)
		put(t, '\n');
	else if (r < 4)
		put(t, ' ');
}

static void put_uint(struct text *t, uint64_t v)
{
	char d[24];
	int n = 0;
	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		put(t, d[--n]);
}

static const char *const words[] = {
	"id", "name", "value", "items", "type", "kind", "size", "tags", "x", "y",
	"children", "parent", "enabled", "count", "label", "data",
};

static void gen_string(struct text *t, int key)
{
	static const char hex[] = "0123456789abcdef";

	put(t, '"');
	if (key && rng_below(4) != 0) {
		puts_(t, words[rng_below(sizeof words / sizeof words[0])]);
	} else {
		uint32_t n = rng_below(key ? 10 : 24);
		for (uint32_t i = 0; i < n; i++) {
			uint32_t r = rng_below(40);
			if (r == 0)
				puts_(t, "\\\"");
			else if (r == 1)
				puts_(t, "\\\\");
			else if (r == 2)
				puts_(t, "\\n");
			else if (r == 3)
				puts_(t, "\\t");
			else if (r == 4) {
				uint32_t cp = 1 + rng_below(0x7ff);
				puts_(t, "\\u");
				put(t, hex[cp >> 12 & 15]);
				put(t, hex[cp >> 8 & 15]);
				put(t, hex[cp >> 4 & 15]);
				put(t, hex[cp & 15]);
			} else {
				put(t, (char)(' ' + 1 + rng_below(94)));
				if (t->buf[t->len - 1] == '"' || t->buf[t->len - 1] == '\\')
					t->buf[t->len - 1] = '_';
			}
		}
	}
	put(t, '"');
}

static void gen_value(struct text *t, int depth);

static void gen_container(struct text *t, int depth, int object)
{
	uint32_t n = rng_below(object ? 7 : 9);

	put(t, object ? '{' : '[');
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			put(t, ',');
		put_ws(t);
		if (object) {
			gen_string(t, 1);
			put_ws(t);
			put(t, ':');
			put_ws(t);
		}
		gen_value(t, depth - 1);
		put_ws(t);
	}
	put(t, object ? '}' : ']');
}

static void gen_value(struct text *t, int depth)
{
	uint32_t r = rng_below(depth > 0 ? 20 : 12);

	if (r < 3) {
		uint64_t v = rng_next();

		v >>= rng_below(64); /* own statement: fixed call order */
		if (rng_below(3) == 0)
			put(t, '-');
		put_uint(t, v);
	} else if (r < 5) {
		if (rng_below(2))
			put(t, '-');
		put_uint(t, rng_below(100000));
		put(t, '.');
		put_uint(t, rng_below(1000000));
		if (rng_below(2)) {
			put(t, rng_below(2) ? 'e' : 'E');
			if (rng_below(2))
				put(t, rng_below(2) ? '-' : '+');
			put_uint(t, rng_below(300));
		}
	} else if (r < 9) {
		gen_string(t, 0);
	} else if (r < 10) {
		puts_(t, "true");
	} else if (r < 11) {
		puts_(t, "false");
	} else if (r < 12) {
		puts_(t, "null");
	} else if (r < 16) {
		gen_container(t, depth, 1);
	} else {
		gen_container(t, depth, 0);
	}
}

/* A top-level array of values until the document is about DOC_BYTES. Each
 * element of depth <= MAX_DEPTH is far below the 64 KiB of headroom. */
static void gen_doc(struct text *t)
{
	t->len = 0;
	put(t, '[');
	for (int first = 1; t->len + 65536 < t->cap; first = 0) {
		if (!first)
			put(t, ',');
		put_ws(t);
		gen_container(t, MAX_DEPTH, (int)rng_below(2));
	}
	put(t, ']');
	put(t, '\n');
	t->buf[t->len] = '\0';
}

/* ---- tree and parser ---- */

enum kind { J_NULL, J_FALSE, J_TRUE, J_NUMBER, J_STRING, J_ARRAY, J_OBJECT };

struct node {
	enum kind kind;
	struct node *next;       /* next element / member in the parent */
	char *key;               /* member name (objects only), NUL-terminated */
	uint32_t key_len;
	union {
		struct {
			uint64_t mantissa; /* decimal digits, wrapping past 19 */
			int32_t exp10;
			int negative;
		} num;
		struct {
			char *s;
			uint32_t len;
		} str;
		struct {
			struct node *first;
			uint32_t count;
		} list;
	} u;
};

struct parser {
	const char *p;
	int error;
	uint32_t depth;
};

static void skip_ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\t' || *ps->p == '\r')
		ps->p++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parses a string literal at ps->p (which is '"'); returns a malloc'd,
 * NUL-terminated UTF-8 copy and its length, or NULL on error. */
static char *parse_string(struct parser *ps, uint32_t *len_out)
{
	const char *p = ps->p + 1, *q;
	size_t cap = 0;
	char *out;
	uint32_t n = 0;

	/* The unescaped string is never longer than the literal. */
	for (q = p; *q && *q != '"'; q++)
		if (*q == '\\' && q[1])
			q++;
	if (*q != '"') {
		ps->error = 1;
		return NULL;
	}
	cap = (size_t)(q - p) + 1;
	out = xmalloc(cap);
	while (*p != '"') {
		char c = *p++;
		if ((unsigned char)c < 0x20) {
			ps->error = 1;
			free(out);
			return NULL;
		}
		if (c != '\\') {
			out[n++] = c;
			continue;
		}
		c = *p++;
		switch (c) {
		case '"': out[n++] = '"'; break;
		case '\\': out[n++] = '\\'; break;
		case '/': out[n++] = '/'; break;
		case 'b': out[n++] = '\b'; break;
		case 'f': out[n++] = '\f'; break;
		case 'n': out[n++] = '\n'; break;
		case 'r': out[n++] = '\r'; break;
		case 't': out[n++] = '\t'; break;
		case 'u': {
			uint32_t cp = 0;
			for (int k = 0; k < 4; k++) {
				int d = hexval(p[k]);
				if (d < 0) {
					ps->error = 1;
					free(out);
					return NULL;
				}
				cp = cp << 4 | (uint32_t)d;
			}
			p += 4;
			/* BMP code point to UTF-8 (surrogates kept as-is). \uXXXX
			 * is 6 bytes of input and at most 3 of output. */
			if (cp < 0x80) {
				out[n++] = (char)cp;
			} else if (cp < 0x800) {
				out[n++] = (char)(0xC0 | cp >> 6);
				out[n++] = (char)(0x80 | (cp & 0x3F));
			} else {
				out[n++] = (char)(0xE0 | cp >> 12);
				out[n++] = (char)(0x80 | (cp >> 6 & 0x3F));
				out[n++] = (char)(0x80 | (cp & 0x3F));
			}
			break;
		}
		default:
			ps->error = 1;
			free(out);
			return NULL;
		}
	}
	out[n] = '\0';
	ps->p = p + 1;
	*len_out = n;
	return out;
}

static int parse_number(struct parser *ps, struct node *nd)
{
	const char *p = ps->p;
	uint64_t m = 0;
	int32_t exp10 = 0, e = 0, eneg = 0;

	nd->u.num.negative = 0;
	if (*p == '-') {
		nd->u.num.negative = 1;
		p++;
	}
	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9')
		m = m * 10 + (uint64_t)(*p++ - '0');
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9') {
			m = m * 10 + (uint64_t)(*p++ - '0');
			exp10--;
		}
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			eneg = *p++ == '-';
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9') {
			if (e < 100000)
				e = e * 10 + (*p - '0');
			p++;
		}
	}
	nd->u.num.mantissa = m;
	nd->u.num.exp10 = exp10 + (eneg ? -e : e);
	ps->p = p;
	return 0;
}

static void free_tree(struct node *nd);

static struct node *parse_value(struct parser *ps)
{
	struct node *nd = xmalloc(sizeof *nd);
	struct node **tail;

	memset(nd, 0, sizeof *nd);
	skip_ws(ps);
	switch (*ps->p) {
	case '{':
	case '[': {
		int object = *ps->p == '{';
		char close = object ? '}' : ']';

		if (++ps->depth > PARSE_DEPTH_LIMIT)
			goto fail;
		nd->kind = object ? J_OBJECT : J_ARRAY;
		ps->p++;
		skip_ws(ps);
		tail = &nd->u.list.first;
		if (*ps->p == close) {
			ps->p++;
			ps->depth--;
			break;
		}
		for (;;) {
			char *key = NULL;
			uint32_t key_len = 0;
			struct node *child;

			if (object) {
				skip_ws(ps);
				if (*ps->p != '"' || (key = parse_string(ps, &key_len)) == NULL)
					goto fail;
				skip_ws(ps);
				if (*ps->p != ':') {
					free(key);
					goto fail;
				}
				ps->p++;
			}
			child = parse_value(ps);
			if (child == NULL) {
				free(key);
				goto fail;
			}
			child->key = key;
			child->key_len = key_len;
			*tail = child;
			tail = &child->next;
			nd->u.list.count++;
			skip_ws(ps);
			if (*ps->p == ',') {
				ps->p++;
				continue;
			}
			if (*ps->p == close) {
				ps->p++;
				break;
			}
			goto fail;
		}
		ps->depth--;
		break;
	}
	case '"':
		nd->kind = J_STRING;
		nd->u.str.s = parse_string(ps, &nd->u.str.len);
		if (nd->u.str.s == NULL)
			goto fail;
		break;
	case 't':
		if (strncmp(ps->p, "true", 4) != 0)
			goto fail;
		nd->kind = J_TRUE;
		ps->p += 4;
		break;
	case 'f':
		if (strncmp(ps->p, "false", 5) != 0)
			goto fail;
		nd->kind = J_FALSE;
		ps->p += 5;
		break;
	case 'n':
		if (strncmp(ps->p, "null", 4) != 0)
			goto fail;
		nd->kind = J_NULL;
		ps->p += 4;
		break;
	default:
		nd->kind = J_NUMBER;
		if (parse_number(ps, nd) != 0)
			goto fail;
		break;
	}
	return nd;
fail:
	ps->error = 1;
	free_tree(nd);
	return NULL;
}

static void free_tree(struct node *nd)
{
	while (nd != NULL) {
		struct node *next = nd->next;
		if (nd->kind == J_ARRAY || nd->kind == J_OBJECT)
			free_tree(nd->u.list.first);
		else if (nd->kind == J_STRING)
			free(nd->u.str.s);
		free(nd->key);
		free(nd);
		nd = next;
	}
}

/* ---- walker ---- */

static uint64_t hash_bytes(uint64_t h, const char *s, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001B3u;
	return h;
}

struct stats {
	uint64_t nodes, strings, numbers, found;
};

/* Last member named `key` in an object, as a JSON lookup would find it. */
static const struct node *lookup(const struct node *obj, const char *key)
{
	const struct node *hit = NULL;
	size_t n = strlen(key);
	for (const struct node *c = obj->u.list.first; c; c = c->next)
		if (c->key_len == n && memcmp(c->key, key, n) == 0)
			hit = c;
	return hit;
}

static uint64_t walk(const struct node *nd, struct stats *st)
{
	uint64_t h = (uint64_t)nd->kind * 0x9E3779B97F4A7C15u;

	st->nodes++;
	if (nd->key)
		h = hash_bytes(h, nd->key, nd->key_len);
	switch (nd->kind) {
	case J_NUMBER:
		st->numbers++;
		h = mix(h, nd->u.num.mantissa);
		h = mix(h, (uint64_t)(uint32_t)nd->u.num.exp10 << 1 | (uint64_t)nd->u.num.negative);
		break;
	case J_STRING:
		st->strings++;
		h = hash_bytes(h, nd->u.str.s, nd->u.str.len);
		break;
	case J_OBJECT: {
		const struct node *id = lookup(nd, "id");
		if (id != NULL) {
			st->found++;
			h = mix(h, (uint64_t)id->kind);
		}
	}
	/* fall through */
	case J_ARRAY:
		h = mix(h, nd->u.list.count);
		for (const struct node *c = nd->u.list.first; c; c = c->next)
			h = mix(h, walk(c, st));
		break;
	default:
		break;
	}
	return h;
}

int main(int argc, char **argv)
{
	int scale = parse_scale(argc, argv, DEFAULT_SCALE);
	struct text t;
	struct stats st;
	uint64_t h = 0;

	t.cap = DOC_BYTES;
	t.buf = xmalloc(t.cap + 1);
	memset(&st, 0, sizeof st);

	/* A fixed document checks escapes and structure. */
	{
		static const char doc[] =
			"{\"a\\\"b\": [1, -2.5e+3, \"x\\u00e9\\n\", true, null],"
			" \"id\": {\"id\": false}}";
		struct parser ps = { doc, 0, 0 };
		struct node *root = parse_value(&ps);
		const struct node *a;
		if (root == NULL || root->kind != J_OBJECT || root->u.list.count != 2 ||
		    (a = root->u.list.first)->key_len != 3 || a->u.list.count != 5 ||
		    a->u.list.first->next->u.num.exp10 != 2 ||
		    a->u.list.first->next->next->u.str.len != 4 ||
		    lookup(root, "id")->kind != J_OBJECT) {
			fprintf(stderr, "%s: self-test failed\n", NAME);
			return 1;
		}
		free_tree(root);
	}

	for (int u = 0; u < scale; u++) {
		struct parser ps;
		struct node *root;

		gen_doc(&t);
		ps.p = t.buf;
		ps.error = 0;
		ps.depth = 0;
		root = parse_value(&ps);
		skip_ws(&ps);
		if (root == NULL || *ps.p != '\0') {
			fprintf(stderr, "%s: parse error at offset %zu of document %d\n",
			        NAME, (size_t)(ps.p - t.buf), u);
			return 1;
		}
		h = mix(h, walk(root, &st));
		free_tree(root);
	}
	h = mix(h, st.nodes);
	h = mix(h, st.strings);
	h = mix(h, st.numbers);
	h = mix(h, st.found);
	printf("%s: checksum %016" PRIx64 "\n", NAME, h);
	free(t.buf);
	return 0;
}

/* exprparse — tokenizer and recursive-descent parser for generated
 * arithmetic expressions.
 *
 *   exprparse [scale]  scale = number of 256 KiB batches of expressions
 *
 * Each batch is a text of random expressions, one per line: decimal and hex
 * literals, variables a..z, unary - and ~, binary + - * / % & | ^ << >>,
 * comparisons, parentheses and random white space. The parser evaluates with
 * 64-bit wrap-around arithmetic (x / 0 and x % 0 are defined as 0, shift
 * counts are taken mod 64) and assignments "v = expr" update the variables.
 * Prints one line: "exprparse: checksum <hex>".
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME "exprparse"
#define DEFAULT_SCALE 360 /* about 1 s natively (gcc -O2) */
#define BATCH_BYTES (256u * 1024u)
#define MAX_DEPTH 10

/* ---- generated text ---- */

static uint64_t rng_state = 0xA0761D6478BD642Fu;

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

struct text {
	char *buf;
	size_t len, cap;
};

static void put_char(struct text *t, char c)
{
	t->buf[t->len++] = c;
}

static void put_str(struct text *t, const char *s)
{
	while (*s)
		t->buf[t->len++] = *s++;
}

static void put_space(struct text *t)
{
	uint32_t r = rng_below(8);
	if (r < 3)
		put_char(t, ' ');
	else if (r == 3)
		put_str(t, "  ");
	else if (r == 4)
		put_char(t, '\t');
}

static void put_number(struct text *t)
{
	char digits[24];
	int n = 0;
	uint64_t v = rng_next();

	v >>= rng_below(8) * 8; /* separate statement: fixed call order */

	if (rng_below(4) == 0) {
		static const char hex[] = "0123456789abcdef";
		do {
			digits[n++] = hex[v & 15];
			v >>= 4;
		} while (v && n < 16);
		put_str(t, "0x");
	} else {
		v %= 10000000000000000000u;
		do {
			digits[n++] = (char)('0' + v % 10);
			v /= 10;
		} while (v);
	}
	while (n)
		put_char(t, digits[--n]);
}

static const char *const binops[] = {
	"+", "+", "-", "-", "*", "*", "/", "%", "&", "|", "^", "<<", ">>",
	"<", ">", "==", "!=", "<=", ">=",
};

/* Callers keep at least 8 KiB of room: one expression is far smaller. */
static void gen_expr(struct text *t, int depth)
{
	uint32_t r = rng_below(10);

	put_space(t);
	if (depth == 0 || r < 3) {
		if (rng_below(3) == 0)
			put_char(t, (char)('a' + rng_below(26)));
		else
			put_number(t);
	} else if (r < 4) {
		put_char(t, rng_below(2) ? '-' : '~');
		gen_expr(t, depth - 1);
	} else if (r < 6) {
		put_char(t, '(');
		gen_expr(t, depth - 1);
		put_space(t);
		put_char(t, ')');
	} else {
		gen_expr(t, depth - 1);
		put_space(t);
		put_str(t, binops[rng_below(sizeof binops / sizeof binops[0])]);
		gen_expr(t, depth - 1);
	}
	put_space(t);
}

static void gen_batch(struct text *t)
{
	t->len = 0;
	while (t->len + 8192 < t->cap) {
		if (rng_below(3) == 0) {
			put_char(t, (char)('a' + rng_below(26)));
			put_space(t);
			put_char(t, '=');
		}
		gen_expr(t, 1 + rng_below(MAX_DEPTH));
		put_char(t, '\n');
	}
	t->buf[t->len] = '\0';
}

/* ---- tokenizer ---- */

enum tok {
	T_END, T_NEWLINE, T_NUM, T_VAR, T_LPAREN, T_RPAREN, T_ASSIGN,
	T_PLUS, T_MINUS, T_STAR, T_SLASH, T_PERCENT, T_AMP, T_PIPE, T_CARET,
	T_TILDE, T_SHL, T_SHR, T_LT, T_GT, T_LE, T_GE, T_EQ, T_NE, T_BAD
};

struct lexer {
	const char *p;
	enum tok tok;
	uint64_t num; /* T_NUM value, T_VAR index */
};

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void next(struct lexer *lx)
{
	const char *p = lx->p;

	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
	switch (*p) {
	case '\0':
		lx->tok = T_END;
		lx->p = p;
		return;
	case '\n': lx->tok = T_NEWLINE; p++; break;
	case '(': lx->tok = T_LPAREN; p++; break;
	case ')': lx->tok = T_RPAREN; p++; break;
	case '+': lx->tok = T_PLUS; p++; break;
	case '-': lx->tok = T_MINUS; p++; break;
	case '*': lx->tok = T_STAR; p++; break;
	case '/': lx->tok = T_SLASH; p++; break;
	case '%': lx->tok = T_PERCENT; p++; break;
	case '&': lx->tok = T_AMP; p++; break;
	case '|': lx->tok = T_PIPE; p++; break;
	case '^': lx->tok = T_CARET; p++; break;
	case '~': lx->tok = T_TILDE; p++; break;
	case '<':
		if (p[1] == '<') { lx->tok = T_SHL; p += 2; }
		else if (p[1] == '=') { lx->tok = T_LE; p += 2; }
		else { lx->tok = T_LT; p++; }
		break;
	case '>':
		if (p[1] == '>') { lx->tok = T_SHR; p += 2; }
		else if (p[1] == '=') { lx->tok = T_GE; p += 2; }
		else { lx->tok = T_GT; p++; }
		break;
	case '=':
		if (p[1] == '=') { lx->tok = T_EQ; p += 2; }
		else { lx->tok = T_ASSIGN; p++; }
		break;
	case '!':
		if (p[1] == '=') { lx->tok = T_NE; p += 2; }
		else { lx->tok = T_BAD; p++; }
		break;
	default:
		if (*p >= '0' && *p <= '9') {
			uint64_t v = 0;
			if (p[0] == '0' && p[1] == 'x') {
				int d;
				p += 2;
				while ((d = hex_digit(*p)) >= 0) {
					v = v << 4 | (uint64_t)d;
					p++;
				}
			} else {
				while (*p >= '0' && *p <= '9')
					v = v * 10 + (uint64_t)(*p++ - '0');
			}
			lx->tok = T_NUM;
			lx->num = v;
		} else if (*p >= 'a' && *p <= 'z') {
			lx->tok = T_VAR;
			lx->num = (uint64_t)(*p++ - 'a');
		} else {
			lx->tok = T_BAD;
			p++;
		}
	}
	lx->p = p;
}

/* ---- parser / evaluator ----
 * Precedence, lowest first: comparisons; | ; ^ ; & ; << >> ; + - ; * / % ;
 * unary. Errors set *err and make the rest of the line's value 0. */

struct parser {
	struct lexer lx;
	uint64_t vars[26];
	int err;
};

static uint64_t parse_cmp(struct parser *ps);

static uint64_t parse_unary(struct parser *ps)
{
	struct lexer *lx = &ps->lx;
	uint64_t v;

	switch (lx->tok) {
	case T_NUM:
		v = lx->num;
		next(lx);
		return v;
	case T_VAR:
		v = ps->vars[lx->num];
		next(lx);
		return v;
	case T_MINUS:
		next(lx);
		return 0 - parse_unary(ps);
	case T_TILDE:
		next(lx);
		return ~parse_unary(ps);
	case T_LPAREN:
		next(lx);
		v = parse_cmp(ps);
		if (lx->tok != T_RPAREN) {
			ps->err = 1;
			return 0;
		}
		next(lx);
		return v;
	default:
		ps->err = 1;
		return 0;
	}
}

static uint64_t parse_mul(struct parser *ps)
{
	uint64_t v = parse_unary(ps);
	for (;;) {
		enum tok op = ps->lx.tok;
		uint64_t r;
		if (op != T_STAR && op != T_SLASH && op != T_PERCENT)
			return v;
		next(&ps->lx);
		r = parse_unary(ps);
		if (op == T_STAR)
			v *= r;
		else if (op == T_SLASH)
			v = r ? v / r : 0;
		else
			v = r ? v % r : 0;
	}
}

static uint64_t parse_add(struct parser *ps)
{
	uint64_t v = parse_mul(ps);
	for (;;) {
		enum tok op = ps->lx.tok;
		if (op != T_PLUS && op != T_MINUS)
			return v;
		next(&ps->lx);
		if (op == T_PLUS)
			v += parse_mul(ps);
		else
			v -= parse_mul(ps);
	}
}

static uint64_t parse_shift(struct parser *ps)
{
	uint64_t v = parse_add(ps);
	for (;;) {
		enum tok op = ps->lx.tok;
		uint64_t r;
		if (op != T_SHL && op != T_SHR)
			return v;
		next(&ps->lx);
		r = parse_add(ps) & 63;
		v = op == T_SHL ? v << r : v >> r;
	}
}

static uint64_t parse_and(struct parser *ps)
{
	uint64_t v = parse_shift(ps);
	while (ps->lx.tok == T_AMP) {
		next(&ps->lx);
		v &= parse_shift(ps);
	}
	return v;
}

static uint64_t parse_xor(struct parser *ps)
{
	uint64_t v = parse_and(ps);
	while (ps->lx.tok == T_CARET) {
		next(&ps->lx);
		v ^= parse_and(ps);
	}
	return v;
}

static uint64_t parse_or(struct parser *ps)
{
	uint64_t v = parse_xor(ps);
	while (ps->lx.tok == T_PIPE) {
		next(&ps->lx);
		v |= parse_xor(ps);
	}
	return v;
}

static uint64_t parse_cmp(struct parser *ps)
{
	uint64_t v = parse_or(ps);
	for (;;) {
		enum tok op = ps->lx.tok;
		uint64_t r;
		if (op < T_LT || op > T_NE)
			return v;
		next(&ps->lx);
		r = parse_or(ps);
		switch (op) {
		case T_LT: v = v < r; break;
		case T_GT: v = v > r; break;
		case T_LE: v = v <= r; break;
		case T_GE: v = v >= r; break;
		case T_EQ: v = v == r; break;
		default:   v = v != r; break;
		}
	}
}

/* One line: [var =] expr NEWLINE. Returns the value (0 on a syntax error,
 * after skipping to the end of the line). */
static uint64_t parse_line(struct parser *ps, int *assigned)
{
	struct lexer *lx = &ps->lx;
	int target = -1;
	uint64_t v;

	*assigned = 0;
	if (lx->tok == T_VAR) {
		struct lexer save = *lx;
		next(lx);
		if (lx->tok == T_ASSIGN) {
			target = (int)save.num;
			next(lx);
		} else {
			*lx = save;
		}
	}
	ps->err = 0;
	v = parse_cmp(ps);
	if (lx->tok != T_NEWLINE && lx->tok != T_END)
		ps->err = 1;
	while (lx->tok != T_NEWLINE && lx->tok != T_END)
		next(lx);
	if (lx->tok == T_NEWLINE)
		next(lx);
	if (ps->err)
		return 0;
	if (target >= 0) {
		ps->vars[target] = v;
		*assigned = 1;
	}
	return v;
}

int main(int argc, char **argv)
{
	int scale = parse_scale(argc, argv, DEFAULT_SCALE);
	struct text t;
	struct parser ps;
	uint64_t h = 0, lines = 0, errors = 0, assigns = 0;

	t.cap = BATCH_BYTES;
	t.buf = malloc(t.cap + 1);
	if (t.buf == NULL) {
		fprintf(stderr, "%s: out of memory\n", NAME);
		return 1;
	}
	memset(&ps, 0, sizeof ps);
	for (int k = 0; k < 26; k++)
		ps.vars[k] = (uint64_t)k * 0x9E3779B97F4A7C15u;

	/* A fixed line with a known value checks precedence and associativity. */
	t.len = 0;
	put_str(&t, "1 + 2 * 3 - 4 / 2 - 1 << 2 | 0x10 ^ 3 & ~0 == 0x13\n");
	t.buf[t.len] = '\0';
	ps.lx.p = t.buf;
	next(&ps.lx);
	{
		int a;
		/* ((1+6-2-1) << 2) | (0x10 ^ (3 & ~0)) == 0x13: 16 | 19 == 19 -> 1 */
		if (parse_line(&ps, &a) != 1 || ps.err) {
			fprintf(stderr, "%s: self-test failed\n", NAME);
			return 1;
		}
	}

	for (int u = 0; u < scale; u++) {
		gen_batch(&t);
		ps.lx.p = t.buf;
		next(&ps.lx);
		while (ps.lx.tok != T_END) {
			int a;
			uint64_t v = parse_line(&ps, &a);
			lines++;
			errors += (uint64_t)ps.err;
			assigns += (uint64_t)a;
			h = mix(h, v);
		}
	}
	h = mix(h, lines);
	h = mix(h, errors);
	h = mix(h, assigns);
	for (int k = 0; k < 26; k++)
		h = mix(h, ps.vars[k]);
	printf("%s: checksum %016" PRIx64 "\n", NAME, h);
	free(t.buf);
	return 0;
}

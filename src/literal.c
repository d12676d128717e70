/* literal.c - see literal.h.
 *
 * A small recursive-descent reader of PCRE2 syntax that computes, for each
 * sub-pattern, two facts: `exact`, the finite set of strings it can match
 * (when small), and `req`, a set of strings one of which every match must
 * contain. Concatenation multiplies exact sets and keeps the better `req`;
 * alternation unites them; optional parts give nothing. Anything this
 * reader does not understand (recursion, conditionals, verbs) makes the
 * whole extraction fail, never guess. */
#include "literal.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAXSTR 64

struct set {
	int valid, n;
	char *s[LIT_MAX_SET];
	size_t len[LIT_MAX_SET];
	unsigned char ci[LIT_MAX_SET];
};

struct info {
	struct set exact, req;
};

struct parser {
	const char *p;
	int caseless, extended, bail, depth;
};

static void
set_free(struct set *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->s[i]);
	s->n = 0;
	s->valid = 0;
}

static void
info_free(struct info *in)
{
	set_free(&in->exact);
	set_free(&in->req);
}

static int
set_add(struct set *s, const char *str, size_t n, int ci)
{
	for (int i = 0; i < s->n; i++)
		if (s->len[i] == n && !memcmp(s->s[i], str, n)) {
			s->ci[i] |= (unsigned char)ci;
			return 0;
		}
	if (s->n == LIT_MAX_SET)
		return -1;
	s->s[s->n] = xstrndup(str, n);
	s->len[s->n] = n;
	s->ci[s->n] = (unsigned char)ci;
	s->n++;
	return 0;
}

static void
set_copy(struct set *dst, const struct set *src)
{
	*dst = (struct set){ .valid = src->valid };
	for (int i = 0; i < src->n; i++)
		set_add(dst, src->s[i], src->len[i], src->ci[i]);
}

static size_t
set_minlen(const struct set *s)
{
	size_t m = (size_t)-1;
	if (!s->valid || s->n == 0)
		return 0;
	for (int i = 0; i < s->n; i++)
		if (s->len[i] < m)
			m = s->len[i];
	return m;
}

/* Words so common in logs that a literal made of one of them finds
 * candidates on a large share of lines. */
static int
common_word(const char *s, size_t n)
{
	static const char *const words[] = { "level", "status", "error",
		"exit", "code", "info", "warn", "debug", "time", "with", "from",
		"true", "false", "null", "http", "request", "response", "user",
		"failed", "returned", "message", "msg", "data", "type", "name",
		"value", "line", "file", "main", "the", "and", "for", NULL };
	while (n && (*s == ' ' || *s == '\t' || *s == ':' || *s == '=')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == ':' || s[n - 1] == '='))
		n--;
	/* a piece of a common word hits wherever the word does */
	for (int i = 0; words[i]; i++) {
		size_t wl = strlen(words[i]);
		for (size_t off = 0; n && off + n <= wl; off++)
			if (!strncasecmp(s, words[i] + off, n))
				return 1;
	}
	return 0;
}

/* How selective a requirement is, in tenths: the shortest string counts,
 * common words count less, and every doubling of the set costs half a
 * byte (each string is one more way to hit). 0 for no requirement. */
static int
set_score(const struct set *s)
{
	int m = 1 << 20, bits = 0;
	if (!s->valid || s->n == 0)
		return 0;
	for (int i = 0; i < s->n; i++) {
		int v = (int)(s->len[i] > 64 ? 64 : s->len[i]) * 10;
		if (common_word(s->s[i], s->len[i]))
			v -= 30;
		if (v < m)
			m = v;
	}
	for (int n = s->n; n > 1; n >>= 1)
		bits++;
	m -= bits * 5;
	return m > 0 ? m : 1;
}

/* keep in *a the better of a and b as a requirement; frees the other */
static void
req_best(struct set *a, struct set *b)
{
	int sa = set_score(a), sb = set_score(b);
	if (sb > sa || (sb == sa && sb && b->n < a->n)) {
		set_free(a);
		*a = *b;
	} else {
		set_free(b);
	}
	*b = (struct set){ 0 };
}

/* a requirement from an exact set: valid when no string is empty */
static void
req_from_exact(struct info *in)
{
	struct set r = { 0 };
	if (!in->exact.valid)
		return;
	for (int i = 0; i < in->exact.n; i++)
		if (in->exact.len[i] == 0)
			return;
	set_copy(&r, &in->exact);
	req_best(&in->req, &r);
}

static struct info
info_exact(const char *s, size_t n, int ci)
{
	struct info in = { 0 };
	in.exact.valid = 1;
	set_add(&in.exact, s, n, ci);
	req_from_exact(&in);
	return in;
}

static struct info
info_unknown(void)
{
	return (struct info){ 0 };
}

static struct info
concat(struct info a, struct info b)
{
	struct info r = { 0 };

	if (a.exact.valid && b.exact.valid &&
	    a.exact.n * b.exact.n <= LIT_MAX_SET) {
		int toolong = 0;
		r.exact.valid = 1;
		for (int i = 0; i < a.exact.n; i++)
			for (int j = 0; j < b.exact.n; j++) {
				size_t n = a.exact.len[i] + b.exact.len[j];
				char *t = xmalloc(n + 1);
				memcpy(t, a.exact.s[i], a.exact.len[i]);
				memcpy(t + a.exact.len[i], b.exact.s[j], b.exact.len[j]);
				if (n > MAXSTR) {
					n = MAXSTR;
					toolong = 1;
				}
				set_add(&r.exact, t, n, a.exact.ci[i] | b.exact.ci[j]);
				free(t);
			}
		if (toolong) {
			/* prefixes are still required substrings, no longer exact */
			struct set req = r.exact;
			r.exact = (struct set){ 0 };
			for (int i = 0; i < req.n; i++)
				if (req.len[i] == 0)
					req.valid = 0;
			req_best(&r.req, &req);
		}
	}
	req_from_exact(&r);
	req_best(&r.req, &a.req);
	req_best(&r.req, &b.req);
	info_free(&a);
	info_free(&b);
	return r;
}

static struct info
alternate(struct info a, struct info b)
{
	struct info r = { 0 };

	if (a.exact.valid && b.exact.valid &&
	    a.exact.n + b.exact.n <= LIT_MAX_SET) {
		set_copy(&r.exact, &a.exact);
		for (int i = 0; i < b.exact.n; i++)
			set_add(&r.exact, b.exact.s[i], b.exact.len[i], b.exact.ci[i]);
	}
	if (a.req.valid && b.req.valid && a.req.n + b.req.n <= LIT_MAX_SET) {
		set_copy(&r.req, &a.req);
		for (int i = 0; i < b.req.n; i++)
			set_add(&r.req, b.req.s[i], b.req.len[i], b.req.ci[i]);
	}
	req_from_exact(&r);
	info_free(&a);
	info_free(&b);
	return r;
}

static struct info parse_alt(struct parser *p);

static int parse_bound(struct parser *p, long *min, long *max);

static void
skip_space(struct parser *p)
{
	if (!p->extended)
		return;
	for (;;) {
		while (*p->p == ' ' || *p->p == '\t' || *p->p == '\n' ||
		    *p->p == '\r' || *p->p == '\f' || *p->p == '\v')
			p->p++;
		if (*p->p != '#')
			return;
		while (*p->p && *p->p != '\n')
			p->p++;
	}
}

static size_t
utf8_put(unsigned long cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Length of the UTF-8 character at s (1 for stray bytes). */
static size_t
char_len(const char *s)
{
	unsigned char c = (unsigned char)*s;
	size_t n = c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	for (size_t i = 1; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			return 1;
	return n;
}

/* An escape outside a class; fills *lit (up to 4 bytes) and returns its
 * length, 0 for a zero-width assertion, -1 for a class or unknown. */
static int
parse_escape(struct parser *p, char *lit)
{
	char c = *p->p++;
	unsigned long cp;
	char *end;

	switch (c) {
	case '\0':
		p->p--;
		p->bail = 1;
		return -1;
	case 'b': case 'B': case 'A': case 'z': case 'Z': case 'G': case 'K':
		return 0;
	case 'N':
		/* \N is "not a newline"; \N{U+hh} names a character */
		if (*p->p == '{') {
			while (*p->p && *p->p != '}')
				p->p++;
			if (*p->p)
				p->p++;
		}
		return -1;
	case 'd': case 'D': case 'w': case 'W': case 's': case 'S': case 'h':
	case 'H': case 'v': case 'V': case 'R': case 'X': case 'C':
		return -1;
	case 'p': case 'P':
		if (*p->p == '{') {
			while (*p->p && *p->p != '}')
				p->p++;
			if (*p->p)
				p->p++;
		} else if (*p->p) {
			p->p++;
		}
		return -1;
	case 't': lit[0] = '\t'; return 1;
	case 'n': lit[0] = '\n'; return 1;
	case 'r': lit[0] = '\r'; return 1;
	case 'f': lit[0] = '\f'; return 1;
	case 'e': lit[0] = 0x1b; return 1;
	case 'a': lit[0] = 0x07; return 1;
	case 'x':
		if (*p->p == '{') {
			cp = strtoul(p->p + 1, &end, 16);
			if (*end != '}' || end == p->p + 1) {
				p->bail = 1;
				return -1;
			}
			p->p = end + 1;
		} else {
			char h[3] = { 0 };
			int k = 0;
			while (k < 2 && strchr("0123456789abcdefABCDEF", *p->p) &&
			    *p->p)
				h[k++] = *p->p++;
			cp = strtoul(h, NULL, 16);
		}
		if (cp == 0 || cp > 0x10ffff)
			return -1;
		return (int)utf8_put(cp, lit);
	case 'c':
		/* \cX: a control character named by the next character */
		if (*p->p)
			p->p++;
		return -1;
	case 'g': case 'k': case 'o':
		/* backreferences and octal: skip their argument */
		if (*p->p == '-' || *p->p == '+')
			p->p++;
		if (*p->p == '{' || *p->p == '<' || *p->p == '\'') {
			char close = *p->p == '{' ? '}' : *p->p == '<' ? '>' : '\'';
			while (*p->p && *p->p != close)
				p->p++;
			if (*p->p)
				p->p++;
		} else if (*p->p) {
			p->p++;
		}
		return -1;
	default:
		if (c >= '0' && c <= '9') {
			while (*p->p >= '0' && *p->p <= '9')
				p->p++;
			return -1;
		}
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			/* an escape we do not know: be safe */
			p->bail = 1;
			return -1;
		}
		lit[0] = c;
		return 1;
	}
}

/* A character class: exact only for a short list of plain characters. */
static struct info
parse_class(struct parser *p)
{
	struct info in = { 0 };
	int simple = 1, first = 1;

	in.exact.valid = 1;
	if (*p->p == '^') {
		simple = 0;
		p->p++;
	}
	for (;;) {
		char c = *p->p;
		if (c == '\0') {
			p->bail = 1;
			break;
		}
		if (c == ']' && !first) {
			p->p++;
			break;
		}
		first = 0;
		if (c == '[' && p->p[1] == ':') {
			const char *e = strstr(p->p + 2, ":]");
			if (!e) {
				p->bail = 1;
				break;
			}
			p->p = e + 2;
			simple = 0;
			continue;
		}
		if (c == '\\') {
			char lit[4];
			p->p++;
			char e = *p->p;
			if (strchr("dDwWsShHvVpPNRX", e) || e == 'x' || e == 'o' ||
			    (e >= '0' && e <= '9') || e == 'Q' || e == 'E' || e == 'c') {
				if (e == 'p' || e == 'P' || e == 'x' || e == 'o' ||
				    e == 'c') {
					int n = parse_escape(p, lit);
					(void)n;
				} else if (e == 'Q' || e == 'E') {
					p->bail = 1; /* quoting inside a class: not ours */
					break;
				} else if (e) {
					p->p++;
				}
				simple = 0;
				continue;
			}
			int n = parse_escape(p, lit);
			if (n <= 0) {
				simple = 0;
				continue;
			}
			if (simple && set_add(&in.exact, lit, (size_t)n, p->caseless))
				simple = 0;
			continue;
		}
		size_t cl = char_len(p->p);
		if (p->caseless && (unsigned char)*p->p >= 0x80)
			simple = 0; /* Unicode folding: not ours */
		if (p->p[cl] == '-' && p->p[cl + 1] != ']') {
			simple = 0; /* a range */
			p->p += cl + 1;
			continue;
		}
		if (simple && set_add(&in.exact, p->p, cl, p->caseless))
			simple = 0;
		p->p += cl;
	}
	if (!simple || in.exact.n > 8)
		info_free(&in);
	else
		req_from_exact(&in);
	return in;
}

/* (?...) constructs after the "(?" */
static struct info
parse_special_group(struct parser *p, int *flags_only)
{
	const char *s = p->p;
	struct info in;

	*flags_only = 0;
	if (*s == ':' || *s == '|' || *s == '>') {
		p->p++;
		return parse_alt(p);
	}
	if (*s == '<' && s[1] != '=' && s[1] != '!') {
		const char *e = strchr(s, '>');
		if (!e) {
			p->bail = 1;
			return info_unknown();
		}
		p->p = e + 1;
		return parse_alt(p);
	}
	if (*s == 'P' && s[1] == '<') {
		const char *e = strchr(s, '>');
		if (!e) {
			p->bail = 1;
			return info_unknown();
		}
		p->p = e + 1;
		return parse_alt(p);
	}
	if (*s == '\'') {
		const char *e = strchr(s + 1, '\'');
		if (!e) {
			p->bail = 1;
			return info_unknown();
		}
		p->p = e + 1;
		return parse_alt(p);
	}
	if (*s == '=' || *s == '!' || (*s == '<' && (s[1] == '=' || s[1] == '!'))) {
		p->p += *s == '<' ? 2 : 1;
		in = parse_alt(p);
		info_free(&in);
		return info_exact("", 0, 0);
	}
	if (*s == '#') {
		while (*p->p && *p->p != ')')
			p->p++;
		return info_exact("", 0, 0);
	}
	/* inline flags: (?i) (?-i) (?i: ...) (?^) */
	int on = 1, ci = p->caseless, ext = p->extended;
	while (*p->p && *p->p != ')' && *p->p != ':') {
		char c = *p->p++;
		if (c == '-')
			on = 0;
		else if (c == '^')
			ci = ext = 0;
		else if (c == 'i')
			ci = on;
		else if (c == 'x')
			ext = on;
		else if (!strchr("msnUJ", c)) {
			p->bail = 1;
			return info_unknown();
		}
	}
	if (*p->p == ')') {
		p->caseless = ci;
		p->extended = ext;
		*flags_only = 1;
		return info_exact("", 0, 0);
	}
	if (*p->p == ':') {
		int sci = p->caseless, sext = p->extended;
		p->p++;
		p->caseless = ci;
		p->extended = ext;
		in = parse_alt(p);
		p->caseless = sci;
		p->extended = sext;
		return in;
	}
	p->bail = 1;
	return info_unknown();
}

/* Skip blanks (with x) and what PCRE2 ignores: a \E that ends no \Q and
 * an empty \Q\E. A quantifier after them repeats the atom before (found
 * by tests/fuzz/fuzz_literal: "MA\E?" was taken to require "MA"). */
static void
skip_noop(struct parser *p)
{
	for (;;) {
		skip_space(p);
		if (p->p[0] == '\\' && p->p[1] == 'E')
			p->p += 2;
		else if (!strncmp(p->p, "\\Q\\E", 4))
			p->p += 4;
		else
			return;
	}
}

/* Does a quantifier come next (after what skip_noop skips)? */
static int
quantifier_next(struct parser *p)
{
	struct parser q = *p;
	long min, max;

	skip_noop(&q);
	if (*q.p == '*' || *q.p == '+' || *q.p == '?' ||
	    (*q.p == '{' && parse_bound(&q, &min, &max)))
		return 1;
	p->bail |= q.bail;     /* a brace PCRE2 versions read differently */
	return 0;
}

static struct info
parse_atom(struct parser *p)
{
	char lit[4];
	char c = *p->p;

	if (c == '(') {
		p->p++;
		if (*p->p == '*') {
			p->bail = 1;
			return info_unknown();
		}
		if (++p->depth > 200) {
			p->bail = 1;
			return info_unknown();
		}
		struct info in;
		int sci = p->caseless, sext = p->extended;
		if (*p->p == '?') {
			p->p++;
			int flags_only;
			in = parse_special_group(p, &flags_only);
			if (flags_only) {
				/* (?i) applies to the rest of the enclosing group */
				p->p++;
				p->depth--;
				return in;
			}
		} else {
			in = parse_alt(p);
		}
		p->caseless = sci;
		p->extended = sext;
		p->depth--;
		if (*p->p != ')') {
			p->bail = 1;
			return in;
		}
		p->p++;
		return in;
	}
	if (c == '[') {
		p->p++;
		return parse_class(p);
	}
	if (c == '.') {
		p->p++;
		return info_unknown();
	}
	if (c == '^' || c == '$') {
		p->p++;
		return info_exact("", 0, 0);
	}
	if (c == '\\') {
		p->p++;
		if (*p->p == 'Q') {
			const char *s = ++p->p;
			const char *e = strstr(s, "\\E");
			size_t n = e ? (size_t)(e - s) : strlen(s);
			p->p = s + n + (e ? 2 : 0);
			/* a quantifier after \Qab\E repeats only the b: not ours */
			if (n > char_len(s) && quantifier_next(p))
				p->bail = 1;
			return info_exact(s, n, p->caseless);
		}
		if (*p->p == 'E') {
			p->p++;
			return info_exact("", 0, 0);
		}
		int n = parse_escape(p, lit);
		if (n < 0 || (p->caseless && n > 0 && (unsigned char)lit[0] >= 0x80))
			return info_unknown();
		return info_exact(lit, (size_t)n, p->caseless && n > 0);
	}
	size_t cl = char_len(p->p);
	p->p += cl;
	/* the prefilter folds ASCII case only; PCRE2 folds Unicode */
	if (p->caseless && (unsigned char)p->p[-(long)cl] >= 0x80)
		return info_unknown();
	return info_exact(p->p - cl, cl, p->caseless);
}

/* The digits at *e as a number (stuck at 100000: PCRE2 refuses more than
 * 65535), *e moved past them. */
static long
count(const char **e)
{
	long v = 0;

	for (; **e >= '0' && **e <= '9'; (*e)++)
		if (v < 100000)
			v = v * 10 + (**e - '0');
	return v;
}

static int
parse_bound(struct parser *p, long *min, long *max)
{
	/* {n} {n,} {n,m}, digits only; anything else is a literal '{'. Not
	 * strtol's syntax: "{-4}" and "{+4}" are literals (found by
	 * tests/fuzz/fuzz_literal: "}{-4}" was dropped as a quantifier).
	 * PCRE2 10.43 and later also read "{,m}" and blanks inside as a
	 * quantifier, where 10.42 sees literals: such a brace gives up on
	 * literals, so the prefilter is right with either. */
	const char *s = p->p + 1, *e;
	int digits = 0, commas = 0, other = 0;
	for (e = s; *e && *e != '}'; e++) {
		if (*e >= '0' && *e <= '9')
			digits++;
		else if (*e == ',')
			commas++;
		else if (*e == ' ' || *e == '\t')
			other++;
		else
			return 0;
	}
	if (*e != '}' || !digits || commas > 1)
		return 0;
	if (other || *s == ',') {
		p->bail = 1;
		return 0;
	}
	e = s;
	*min = *max = count(&e);
	if (*e == ',') {
		e++;
		*max = *e == '}' ? -1 : count(&e);
	}
	p->p = e + 1;
	return 1;
}

static struct info
parse_quantified(struct parser *p)
{
	struct info in = parse_atom(p);
	long min, max;

	skip_noop(p);
	for (;;) {
		char c = *p->p;
		if (c == '*' || c == '?' || c == '+') {
			p->p++;
			min = c == '+' ? 1 : 0;
			max = c == '?' ? 1 : -1;
		} else if (c == '{' && parse_bound(p, &min, &max)) {
			/* parsed */
		} else {
			return in;
		}
		if (*p->p == '?' || *p->p == '+')
			p->p++;
		if (min == 0) {
			if (max == 1 && in.exact.valid) {
				struct info r = { 0 };
				set_copy(&r.exact, &in.exact);
				if (set_add(&r.exact, "", 0, 0))
					set_free(&r.exact); /* no room: not exact */
				info_free(&in);
				in = r;
			} else {
				info_free(&in);
				in = info_unknown();
			}
			set_free(&in.req);
		} else if (min == max && min <= 4 && in.exact.valid) {
			struct info r = info_exact("", 0, 0);
			for (long k = 0; k < min; k++) {
				struct info c2 = { 0 };
				set_copy(&c2.exact, &in.exact);
				set_copy(&c2.req, &in.req);
				r = concat(r, c2);
			}
			info_free(&in);
			in = r;
		} else {
			set_free(&in.exact);
		}
		skip_noop(p);
	}
}

/* A concatenation keeps a run of exact pieces (so "panic: " is one string
 * even after a "\\S+"), and the best requirement of the runs and of the
 * inexact pieces between them. */
static struct info
parse_concat(struct parser *p)
{
	struct info run = info_exact("", 0, 0), r = { 0 };
	struct set best = { 0 };
	int all_exact = 1;

	for (;;) {
		skip_noop(p);
		if (p->bail || !*p->p || *p->p == '|' || *p->p == ')')
			break;
		struct info e = parse_quantified(p);
		if (e.exact.valid) {
			run = concat(run, e);
			if (run.exact.valid)
				continue;
		} else {
			req_best(&best, &e.req);
			info_free(&e);
		}
		/* the run ends here: keep what it requires, start again */
		all_exact = 0;
		req_best(&best, &run.req);
		info_free(&run);
		run = info_exact("", 0, 0);
	}
	if (all_exact) {
		r = run;
		req_best(&r.req, &best);
		return r;
	}
	req_best(&best, &run.req);
	info_free(&run);
	r.req = best;
	return r;
}

static struct info
parse_alt(struct parser *p)
{
	struct info acc = parse_concat(p);

	while (!p->bail && *p->p == '|') {
		p->p++;
		acc = alternate(acc, parse_concat(p));
	}
	return acc;
}

int
lit_extract(const char *pattern, int flags_caseless, struct litset *out)
{
	struct parser p = { .p = pattern, .caseless = flags_caseless };
	struct info in;

	memset(out, 0, sizeof *out);
	in = parse_alt(&p);
	if (p.bail || *p.p || !in.req.valid || set_minlen(&in.req) < LIT_MIN_LEN) {
		info_free(&in);
		return -1;
	}
	/* a string that contains another is redundant: the shorter one hits */
	for (int i = 0; i < in.req.n; i++)
		for (int j = 0; j < in.req.n; j++) {
			if (i == j || !in.req.s[i] || !in.req.s[j] ||
			    in.req.len[j] > in.req.len[i] ||
			    (in.req.len[j] == in.req.len[i] && j > i) ||
			    (in.req.ci[i] && !in.req.ci[j]))
				continue;
			if (in.req.ci[j] ? strcasestr(in.req.s[i], in.req.s[j]) != NULL :
			    memmem(in.req.s[i], in.req.len[i], in.req.s[j],
			    in.req.len[j]) != NULL) {
				free(in.req.s[i]);
				in.req.s[i] = NULL;
				break;
			}
		}
	int k = 0;
	for (int i = 0; i < in.req.n; i++) {
		if (!in.req.s[i])
			continue;
		in.req.s[k] = in.req.s[i];
		in.req.len[k] = in.req.len[i];
		in.req.ci[k] = in.req.ci[i];
		k++;
	}
	in.req.n = k;
	/* lines hold no newline: a pattern that needs one never matches */
	for (int i = 0; i < in.req.n; i++)
		if (memchr(in.req.s[i], '\n', in.req.len[i])) {
			info_free(&in);
			return -2;
		}
	for (int i = 0; i < in.req.n; i++) {
		out->v[i].s = in.req.s[i];
		out->v[i].n = in.req.len[i];
		out->v[i].caseless = in.req.ci[i];
		in.req.s[i] = NULL;
	}
	out->n = in.req.n;
	in.req.n = 0;
	info_free(&in);
	return 0;
}

void
lit_free(struct litset *ls)
{
	for (int i = 0; i < ls->n; i++)
		free(ls->v[i].s);
	ls->n = 0;
}

/* json.c - see json.h. */
#include "json.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* Length of a valid UTF-8 sequence at s (max n bytes), or 0 if invalid. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned min;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

size_t
js_utf8_cut(const char *s, size_t n)
{
	size_t i = n;
	int k = 0;

	while (i > 0 && k < 3 && ((unsigned char)s[i - 1] & 0xc0) == 0x80) {
		i--;
		k++;
	}
	/* four continuation bytes or more end no character: stray, keep them
	 * (the writers replace them) */
	if (i == 0 || (unsigned char)s[i - 1] < 0x80 ||
	    ((unsigned char)s[i - 1] & 0xc0) == 0x80)
		return n;
	/* s[i-1] leads the last sequence: keep it only when it is whole */
	return utf8_seq((const unsigned char *)s + i - 1, n - (i - 1)) ? n
	    : i - 1;
}

void
js_utf8_fix(struct sbuf *b)
{
	const unsigned char *u = (const unsigned char *)b->s;
	size_t i = 0, n = b->len;
	struct sbuf o;

	while (i < n && u[i] < 0x80)
		i++;
	for (size_t k = i; k < n;) {
		size_t len = u[k] < 0x80 ? 1 : utf8_seq(u + k, n - k);
		if (!len)
			goto fix;
		k += len;
	}
	return;
fix:
	sbuf_init(&o);
	sbuf_add(&o, b->s, i);
	while (i < n) {
		size_t len = u[i] < 0x80 ? 1 : utf8_seq(u + i, n - i);
		if (len) {
			sbuf_add(&o, b->s + i, len);
			i += len;
		} else {
			sbuf_add(&o, "\xef\xbf\xbd", 3);
			i++;
		}
	}
	sbuf_release(b);
	*b = o;
}

/* Are all 8 bytes printable ASCII other than '"' and '\\'? (may say no
 * when the answer is yes, never the reverse) */
static int
plain8(const unsigned char *p)
{
	const uint64_t ones = 0x0101010101010101ULL, high = ones << 7;
	uint64_t v, q, e;

	memcpy(&v, p, 8);
	q = v ^ (ones * '"');
	e = v ^ (ones * '\\');
	return (((v - ones * 0x20) & ~v) | ((q - ones) & ~q) |
	    ((e - ones) & ~e) | v) & high ? 0 : 1;
}

void
js_str(struct sbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0;

	sbuf_addc(b, '"');
	while (i < n) {
		while (i + 8 <= n && plain8(u + i)) {
			i += 8;
			run += 8;
		}
		if (i >= n)
			break;
		unsigned char c = u[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			run++;
			i++;
			continue;
		}
		if (run) {
			sbuf_add(b, s + i - run, run);
			run = 0;
		}
		if (c >= 0x80) {
			size_t len = utf8_seq(u + i, n - i);
			if (len) {
				sbuf_add(b, s + i, len);
				i += len;
			} else {
				sbuf_adds(b, "\\ufffd");
				i++;
			}
			continue;
		}
		switch (c) {
		case '"': sbuf_adds(b, "\\\""); break;
		case '\\': sbuf_adds(b, "\\\\"); break;
		case '\n': sbuf_adds(b, "\\n"); break;
		case '\r': sbuf_adds(b, "\\r"); break;
		case '\t': sbuf_adds(b, "\\t"); break;
		default: {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			sbuf_add(b, e, 6);
		}
		}
		i++;
	}
	if (run)
		sbuf_add(b, s + i - run, run);
	sbuf_addc(b, '"');
}

void
js_strz(struct sbuf *b, const char *s)
{
	js_str(b, s, strlen(s));
}

void
js_key(struct sbuf *b, const char *key)
{
	if (b->len && b->s[b->len - 1] != '{' && b->s[b->len - 1] != '[')
		sbuf_addc(b, ',');
	js_strz(b, key);
	sbuf_addc(b, ':');
}

void
js_member_str(struct sbuf *b, const char *key, const char *value,
    int skip_empty)
{
	if (skip_empty && (!value || !*value))
		return;
	js_key(b, key);
	js_strz(b, value ? value : "");
}

void
js_member_int(struct sbuf *b, const char *key, long long v)
{
	js_key(b, key);
	sbuf_addf(b, "%lld", v);
}

const struct cJSON *
js_get(const struct cJSON *obj, const char *path)
{
	char key[64];
	const char *p = path;

	while (obj && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof key || !cJSON_IsObject(obj))
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		obj = cJSON_GetObjectItemCaseSensitive(obj, key);
		p += n + (dot ? 1 : 0);
	}
	return obj;
}

const char *
js_get_str(const struct cJSON *obj, const char *path)
{
	const cJSON *it = js_get(obj, path);
	return cJSON_IsString(it) ? it->valuestring : NULL;
}

int64_t
js_int(const cJSON *v, int64_t lo, int64_t hi, int64_t dflt)
{
	double d;

	if (!cJSON_IsNumber(v))
		return dflt;
	d = v->valuedouble;
	if (d != d)
		return dflt;
	/* (double)hi may round up past hi: compare, then cast below it */
	if (d <= (double)lo)
		return lo;
	if (d >= (double)hi)
		return hi;
	return (int64_t)d;
}

/* cJSON recurses per nesting level; its own limit (1000) is too deep for
 * our stack budget under sanitizers, so reject deep input first. */
#define JS_MAX_DEPTH 64

/* The UTF-16 code unit of the escape \uXXXX at s[i], or -1. */
static long
u_escape(const char *s, size_t n, size_t i)
{
	long v = 0;

	if (i + 6 > n || s[i] != '\\' || s[i + 1] != 'u')
		return -1;
	for (size_t k = i + 2; k < i + 6; k++) {
		int c = (unsigned char)s[k];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
		    c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

static struct cJSON *parse(const char *s, size_t n, const char **why,
    int flat);

/* The text to change, copied from s[0..n) on first use. */
static char *
copy(char **fixed, const char *s, size_t n)
{
	if (!*fixed) {
		*fixed = xmalloc(n);
		memcpy(*fixed, s, n);
	}
	return *fixed;
}

struct cJSON *
js_parse(const char *s, size_t n)
{
	const char *why;

	return parse(s, n, &why, 0);
}

struct cJSON *
js_parse_why(const char *s, size_t n, const char **why)
{
	return parse(s, n, why, 0);
}

struct cJSON *
js_parse_flat(const char *s, size_t n)
{
	const char *why;

	return parse(s, n, &why, 1);
}

static struct cJSON *
parse(const char *s, size_t n, const char **why, int flat)
{
	int depth = 0, instr = 0;
	size_t deep = 0;        /* flat: where the too deep container began */
	char *fixed = NULL;
	struct cJSON *o;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (instr) {
			if (c == '\\') {
				/* An unpaired surrogate (\ud800; Python's
				 * json.dumps writes them) made cJSON refuse
				 * the whole record: a crash lost for one
				 * character. It becomes U+FFFD, as invalid
				 * UTF-8 does (tests/t/hostile-json.t). */
				long u = u_escape(s, n, i), lo = -1;
				if (u >= 0xd800 && u <= 0xdbff)
					lo = u_escape(s, n, i + 6);
				if (lo >= 0xdc00 && lo <= 0xdfff) {
					i += 11;
					continue;
				}
				/* In an app's log line (flat), \u0000 would
				 * end the C string and the rest of the message
				 * with it. Elsewhere it stays: a patch or a
				 * path with a NUL must be seen cut (and
				 * refused), not changed. */
				if ((u >= 0xd800 && u <= 0xdfff) || (u == 0 &&
				    flat)) {
					memcpy(copy(&fixed, s, n) + i, "\\ufffd", 6);
					i += 5;
					continue;
				}
				i++;
			} else if (c == '"') {
				instr = 0;
			}
			continue;
		}
		if (c == '"')
			instr = 1;
		else if (c == '{' || c == '[') {
			if (++depth == JS_MAX_DEPTH + 1 && flat) {
				deep = i;
			} else if (depth > JS_MAX_DEPTH && !flat) {
				free(fixed);
				*why = "nested deeper than 64 levels";
				return NULL;
			}
		} else if (c == '}' || c == ']') {
			if (depth-- == JS_MAX_DEPTH + 1 && flat) {
				/* the container becomes an empty one of its kind */
				memset(copy(&fixed, s, n) + deep + 1, ' ', i - deep);
				fixed[i] = s[deep] == '{' ? '}' : ']';
			}
		}
	}
	if (depth > JS_MAX_DEPTH) {
		/* flat, and never closed: not JSON, and cJSON would recurse
		 * as deep as it goes */
		free(fixed);
		*why = "nested deeper than 64 levels";
		return NULL;
	}
	if (fixed)
		s = fixed;
	/* one value and nothing but blanks after it: `{...} more text` is a
	 * line of text, not a record */
	const char *end = NULL;
	o = cJSON_ParseWithLengthOpts(s, n, &end, 0);
	*why = o ? NULL : "not valid JSON";
	for (; o && end && end < s + n; end++)
		if (*end != ' ' && *end != '\t' && *end != '\r' && *end != '\n') {
			cJSON_Delete(o);
			o = NULL;
			*why = "text after the JSON value";
		}
	free(fixed);
	return o;
}

/* natsjson.c - see natsjson.h. A small recursive-descent reader over the
 * bytes; strings are unescaped straight into the record's fields. Depth is
 * capped, so hostile input cannot exhaust the stack. */
#include "natsjson.h"
#include "json.h"
#include "logrec.h"
#include "timefmt.h"

#include <stdint.h>
#include <string.h>

#define MAXDEPTH 16

struct nj {
	const char *p, *end;
	struct logrec *r;
	int have_msg, have_fly;
	unsigned seen;      /* fields and objects met (SEEN_*) */
	char ts[64];
};

enum field { F_NONE, F_PROVIDER, F_INSTANCE, F_NAME, F_REGION, F_LEVEL,
	F_MESSAGE, F_TIMESTAMP };

/* cJSON finds the first of duplicate members, so only the first of each
 * wanted field and of each object on the way to one counts; later ones
 * are skipped like unknown members. */
#define SEEN_FIELD(f) (1u << (f))
#define SEEN_PATH(p) (1u << (8 + (p)))

static void
ws(struct nj *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' ||
	    *j->p == '\r'))
		j->p++;
}

static int
hex4(const char *p, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

static void
put_utf8(struct sbuf *b, unsigned cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	sbuf_add(b, u, n);
}

/* Read a string at j->p (the opening quote) into b (NULL: skip it). */
static int
string(struct nj *j, struct sbuf *b)
{
	const char *p = j->p + 1, *run = p;

	if (j->p >= j->end || *j->p != '"')
		return -1;
	for (;;) {
		/* the common case: a run of plain bytes, 8 at a time */
		const uint64_t ones = 0x0101010101010101ULL, high = ones << 7;
		while (j->end - p >= 8) {
			uint64_t v, q, e;
			memcpy(&v, p, 8);
			q = v ^ (ones * '"');
			e = v ^ (ones * '\\');
			if ((((v - ones * 0x20) & ~v) | ((q - ones) & ~q) |
			    ((e - ones) & ~e)) & high & ~(v & high))
				break;
			p += 8;
		}
		while (p < j->end && *p != '"' && *p != '\\' &&
		    (unsigned char)*p >= 0x20)
			p++;
		if (p >= j->end || (unsigned char)*p < 0x20)
			return -1;
		if (b && p > run)
			sbuf_add(b, run, (size_t)(p - run));
		if (*p == '"')
			break;
		/* an escape */
		if (p + 1 >= j->end)
			return -1;
		char c = p[1], o;
		p += 2;
		switch (c) {
		case '"': o = '"'; break;
		case '\\': o = '\\'; break;
		case '/': o = '/'; break;
		case 'b': o = '\b'; break;
		case 'f': o = '\f'; break;
		case 'n': o = '\n'; break;
		case 'r': o = '\r'; break;
		case 't': o = '\t'; break;
		case 'u': {
			unsigned cp, lo;
			if (j->end - p < 4 || hex4(p, &cp) < 0)
				return -1;
			p += 4;
			if (cp >= 0xd800 && cp <= 0xdbff && j->end - p >= 6 &&
			    p[0] == '\\' && p[1] == 'u' && hex4(p + 2, &lo) == 0 &&
			    lo >= 0xdc00 && lo <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			} else if (cp >= 0xd800 && cp <= 0xdfff) {
				return -1;      /* a lone surrogate: let cJSON judge */
			} else if (cp == 0) {
				/* cJSON's strings end at a NUL: let it judge */
				return -1;
			}
			if (b)
				put_utf8(b, cp);
			run = p;
			continue;
		}
		default: return -1;
		}
		if (b)
			sbuf_addc(b, o);
		run = p;
	}
	j->p = p + 1;
	return 0;
}

static int value(struct nj *j, int depth, int path);

/* Skip a run of digits; returns how many. */
static size_t
digits(struct nj *j)
{
	const char *s = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return (size_t)(j->p - s);
}

/* Member names we care about, by the path leading to them. */
enum path { P_TOP, P_EVENT, P_FLY, P_APP, P_LOG, P_OTHER };

static int
key_is(const char *k, size_t n, const char *w)
{
	return strlen(w) == n && !memcmp(k, w, n);
}

static int
object(struct nj *j, int depth, int path)
{
	if (depth > MAXDEPTH)
		return -1;
	j->p++;         /* '{' */
	ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		return 0;
	}
	for (;;) {
		ws(j);
		const char *k = j->p + 1;
		if (string(j, NULL) < 0)
			return -1;
		size_t kn = (size_t)(j->p - 1 - k);
		/* keys are matched as written: a key with an escape might be
		 * one we want ("mess\u0061ge"), so let cJSON judge */
		if (memchr(k, '\\', kn))
			return -1;
		ws(j);
		if (j->p >= j->end || *j->p != ':')
			return -1;
		j->p++;
		ws(j);
		int sub = P_OTHER, field = F_NONE;
		switch (path) {
		case P_TOP:
			if (key_is(k, kn, "type"))
				return -1;      /* a selfheal record */
			sub = key_is(k, kn, "event") ? P_EVENT : key_is(k, kn, "fly") ?
			    P_FLY : key_is(k, kn, "log") ? P_LOG : P_OTHER;
			field = key_is(k, kn, "message") ? F_MESSAGE :
			    key_is(k, kn, "timestamp") ? F_TIMESTAMP : F_NONE;
			if (sub == P_FLY)
				j->have_fly = 1;
			break;
		case P_EVENT:
			field = key_is(k, kn, "provider") ? F_PROVIDER : F_NONE;
			break;
		case P_FLY:
			sub = key_is(k, kn, "app") ? P_APP : P_OTHER;
			field = key_is(k, kn, "region") ? F_REGION : F_NONE;
			break;
		case P_APP:
			field = key_is(k, kn, "instance") ? F_INSTANCE :
			    key_is(k, kn, "name") ? F_NAME : F_NONE;
			break;
		case P_LOG:
			field = key_is(k, kn, "level") ? F_LEVEL : F_NONE;
			break;
		}
		if (sub != P_OTHER) {
			if (j->seen & SEEN_PATH(sub))
				sub = P_OTHER;
			j->seen |= SEEN_PATH(sub);
		}
		if (field != F_NONE) {
			if (j->seen & SEEN_FIELD(field))
				field = F_NONE;
			j->seen |= SEEN_FIELD(field);
		}
		if (field != F_NONE) {
			if (value(j, depth + 1, -field) < 0)
				return -1;
		} else if (value(j, depth + 1, sub) < 0) {
			return -1;
		}
		ws(j);
		if (j->p >= j->end)
			return -1;
		if (*j->p == ',') {
			j->p++;
			continue;
		}
		if (*j->p == '}') {
			j->p++;
			return 0;
		}
		return -1;
	}
}

static void
copy_field(struct logrec *r, int field, const struct sbuf *b)
{
	char *dst;
	size_t cap;

	switch (field) {
	case F_PROVIDER: dst = r->provider; cap = sizeof r->provider; break;
	case F_INSTANCE: dst = r->instance; cap = sizeof r->instance; break;
	case F_NAME: dst = r->app; cap = sizeof r->app; break;
	case F_REGION: dst = r->region; cap = sizeof r->region; break;
	case F_LEVEL: dst = r->level; cap = sizeof r->level; break;
	default: return;
	}
	if (!dst[0])
		sh_copy(dst, cap, b->s ? b->s : "", b->len);
}

/* path < 0: a wanted string field (-field); else the object's path. */
static int
value(struct nj *j, int depth, int path)
{
	if (j->p >= j->end || depth > MAXDEPTH)
		return -1;
	char c = *j->p;
	if (path < 0) {
		int field = -path;
		static struct sbuf tmp;     /* fly-tail has one decoding thread */
		if (c != '"')
			return -1;          /* lr_from_json would ignore it */
		if (field == F_MESSAGE) {
			if (j->have_msg)
				return string(j, NULL);
			j->have_msg = 1;
			return string(j, &j->r->msg);
		}
		sbuf_reset(&tmp);
		if (string(j, &tmp) < 0)
			return -1;
		if (field == F_TIMESTAMP) {
			if (!j->ts[0])
				sh_copy(j->ts, sizeof j->ts, tmp.s ? tmp.s : "", tmp.len);
		} else {
			copy_field(j->r, field, &tmp);
		}
		return 0;
	}
	if (c == '{')
		return object(j, depth, path);
	if (c == '"')
		return string(j, NULL);
	if (c == '[') {
		j->p++;
		ws(j);
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			return 0;
		}
		for (;;) {
			ws(j);
			if (value(j, depth + 1, P_OTHER) < 0)
				return -1;
			ws(j);
			if (j->p < j->end && *j->p == ',') {
				j->p++;
				continue;
			}
			if (j->p < j->end && *j->p == ']') {
				j->p++;
				return 0;
			}
			return -1;
		}
	}
	/* literals, and numbers as JSON writes them (a subset of what cJSON
	 * takes; "-fly" or "1true" were taken here before, found by
	 * tests/fuzz/fuzz_natsjson) */
	static const char *const lit[] = { "true", "false", "null" };
	for (int i = 0; i < 3; i++) {
		size_t n = strlen(lit[i]);
		if ((size_t)(j->end - j->p) >= n && !memcmp(j->p, lit[i], n)) {
			j->p += n;
			return 0;
		}
	}
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p >= j->end || *j->p < '0' || *j->p > '9')
		return -1;
	if (*j->p == '0')
		j->p++;
	else
		digits(j);
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (!digits(j))
			return -1;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (!digits(j))
			return -1;
	}
	return 0;
}

int
nj_decode(struct logrec *r, const char *s, size_t n)
{
	struct nj j = { s, s + n, r, 0, 0, 0, "" };

	lr_clear(r);
	/* lr_decode skips only blanks before the '{' (a leading newline was
	 * skipped here) */
	while (j.p < j.end && (*j.p == ' ' || *j.p == '\t'))
		j.p++;
	if (j.p >= j.end || *j.p != '{')
		return -1;
	if (object(&j, 0, P_TOP) < 0)
		return -1;
	ws(&j);
	if (j.p != j.end || !j.have_msg || !j.have_fly)
		return -1;
	r->kind = LR_NATS;
	/* as lr_from_json's set_msg: no trailing newline, no colours */
	while (r->msg.len && (r->msg.s[r->msg.len - 1] == '\n' ||
	    r->msg.s[r->msg.len - 1] == '\r'))
		r->msg.len--;
	if (!r->msg.s)
		sbuf_add(&r->msg, "", 0);
	r->msg.len = sh_strip_ansi(r->msg.s, r->msg.len);
	r->msg.s[r->msg.len] = '\0';
	/* as lr_decode: invalid UTF-8 becomes U+FFFD in the message (found by
	 * tests/fuzz/fuzz_natsjson: raw bytes were kept, so the text output
	 * and the message length differed from lr_decode's) */
	js_utf8_fix(&r->msg);
	if (j.ts[0] && sh_time_parse(j.ts, strlen(j.ts), &r->ts, &r->ts_prec) < 0)
		r->ts = 0;
	memcpy(r->source, "nats", 5);
	return 0;
}

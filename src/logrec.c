/* logrec.c - decode a log line in any of the forms selfheal meets, and
 * print it as a `log` record. The `fly logs` text grammar follows
 * shared/reference/fly-platform.md section 2:
 *
 *   [error.message="..." ]TS PROVIDER[INSTANCE] REGION [LEVEL][ ]FIELDS MSG
 *
 * Tolerated on purpose: ANSI colour codes anywhere; a missing space after
 * [level] (current flyctl) or one (legacy flyctl); timestamps with or
 * without fraction and zone; bare provider or bare instance; the
 * error.message prefix, which replaces the message. */
#include "logrec.h"
#include "json.h"
#include "timefmt.h"

#include <cjson/cJSON.h>
#include <string.h>

void
lr_init(struct logrec *r)
{
	memset(r, 0, sizeof *r);
	sbuf_init(&r->msg);
}

void
lr_release(struct logrec *r)
{
	sbuf_release(&r->msg);
}

void
lr_clear(struct logrec *r)
{
	struct sbuf m = r->msg;
	int raw = r->raw;
	memset(r, 0, sizeof *r);
	r->msg = m;
	r->raw = raw;
	sbuf_reset(&r->msg);
}

void
sh_copy(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		n = js_utf8_cut(s, cap - 1);
	memcpy(dst, s, n);
	dst[n] = '\0';
}

size_t
sh_strip_ansi(char *s, size_t n)
{
	size_t i = 0, o = 0;
	char *esc = memchr(s, 0x1b, n);

	if (!esc)
		return n;
	i = o = (size_t)(esc - s);
	while (i < n) {
		if (s[i] != 0x1b) {
			s[o++] = s[i++];
			continue;
		}
		if (i + 1 < n && s[i + 1] == '[') {
			/* CSI: parameters and intermediates, then a final byte */
			i += 2;
			while (i < n && (unsigned char)s[i] >= 0x20 &&
			    (unsigned char)s[i] <= 0x3f)
				i++;
			while (i < n && (unsigned char)s[i] >= 0x20 &&
			    (unsigned char)s[i] <= 0x2f)
				i++;
			if (i < n && (unsigned char)s[i] >= 0x40 &&
			    (unsigned char)s[i] <= 0x7e)
				i++;
		} else if (i + 1 < n && s[i + 1] == ']') {
			/* OSC: up to BEL or ST */
			i += 2;
			while (i < n && s[i] != 0x07 &&
			    !(s[i] == 0x1b && i + 1 < n && s[i + 1] == '\\'))
				i++;
			i += i < n && s[i] == 0x07 ? 1 : i < n ? 2 : 0;
		} else {
			i += i + 1 < n ? 2 : 1;
		}
	}
	return o;
}

static int
is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return 0;
	}
	return n > 0;
}

static int
is_word(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return n > 0;
}

/* The fields flyctl prints before a proxy message, in its order: numbers
 * bare (`error.code=%d`), strings quoted (`request.id="%s"`). */
static const struct {
	const char *name;
	int number;
} fly_fields[] = {
	{ "error.code", 1 }, { "request.method", 0 }, { "request.url", 0 },
	{ "request.id", 0 }, { "response.status", 1 },
};

int
lr_fly_field_number(const char *name)
{
	for (size_t f = 0; f < sizeof fly_fields / sizeof *fly_fields; f++)
		if (!strcmp(name, fly_fields[f].name))
			return fly_fields[f].number;
	return 0;
}

/* Parse the fields as flyctl prints them, each followed by a blank (or
 * the end); returns the bytes used. Anything else is the message, so a
 * line printed again by flytext_log reads back the same (found by
 * tests/fuzz/fuzz_logrec: "request.id=0?" read as a field, then printed
 * quoted). */
static size_t
parse_fields(struct logrec *r, const char *s, size_t n)
{
	size_t i = 0;

	for (size_t f = 0; f < sizeof fly_fields / sizeof *fly_fields; f++) {
		size_t kl = strlen(fly_fields[f].name);
		if (n - i <= kl + 1 || memcmp(s + i, fly_fields[f].name, kl) ||
		    s[i + kl] != '=')
			continue;
		size_t v = i + kl + 1, e, vs, ve;
		if (!fly_fields[f].number) {
			const char *q = s[v] == '"' ? memchr(s + v + 1, '"',
			    n - v - 1) : NULL;
			if (!q)
				break;
			e = (size_t)(q - s) + 1;
			vs = v + 1;
			ve = e - 1;
		} else {
			e = v;
			while (e < n && s[e] >= '0' && s[e] <= '9')
				e++;
			if (e == v)
				break;
			vs = v;
			ve = e;
		}
		if (e < n && s[e] != ' ')
			break;
		if (r->nmeta < LR_META_MAX) {
			sh_copy(r->meta_key[r->nmeta], sizeof r->meta_key[0],
			    fly_fields[f].name, kl);
			sh_copy(r->meta_val[r->nmeta], sizeof r->meta_val[0],
			    s + vs, ve - vs);
			r->nmeta++;
		}
		i = e;
		if (i < n)
			i++;
	}
	return i;
}

int
lr_parse_flytext(struct logrec *r, const char *line, size_t n)
{
	const char *s = line, *errmsg = NULL;
	size_t i = 0, errlen = 0;
	int used;

	if (n > 15 && !memcmp(s, "error.message=\"", 15)) {
		/* the quoted text ends at `" ` followed by the timestamp */
		for (size_t k = 15; k + 2 < n; k++) {
			if (s[k] == '"' && s[k + 1] == ' ' && s[k + 2] >= '0' &&
			    s[k + 2] <= '9') {
				errmsg = s + 15;
				errlen = k - 15;
				i = k + 2;
				break;
			}
		}
		if (!errmsg)
			return 0;
	}
	used = sh_time_parse(s + i, n - i, &r->ts, &r->ts_prec);
	if (used < 0 || i + (size_t)used >= n || s[i + (size_t)used] != ' ')
		return 0;
	/* legacy flyctl printed no zone and a space after [level]; current
	 * flyctl prints "Z" and the message right after [level], so a message
	 * that starts with a blank (init's " INFO ...") keeps it */
	int legacy = s[i + (size_t)used - 1] >= '0' && s[i + (size_t)used - 1] <= '9';
	i += (size_t)used + 1;

	/* PROVIDER[INSTANCE] or PROVIDER or INSTANCE */
	const char *tok = s + i;
	const char *sp = memchr(tok, ' ', n - i);
	if (!sp)
		return 0;
	size_t tl = (size_t)(sp - tok);
	const char *br = memchr(tok, '[', tl);
	if (br) {
		size_t pl = (size_t)(br - tok);
		if (tok[tl - 1] != ']' || tl - pl < 2 || (pl && !is_word(tok, pl)) ||
		    !is_word(br + 1, tl - pl - 2))
			return 0;
		sh_copy(r->provider, sizeof r->provider, tok, pl);
		sh_copy(r->instance, sizeof r->instance, br + 1, tl - pl - 2);
	} else if (is_hex(tok, tl) && (tl == 8 || tl == 14)) {
		sh_copy(r->instance, sizeof r->instance, tok, tl);
	} else if (is_word(tok, tl) && tl < sizeof r->provider) {
		sh_copy(r->provider, sizeof r->provider, tok, tl);
	} else {
		return 0;
	}
	i += tl + 1;

	/* REGION */
	tok = s + i;
	sp = memchr(tok, ' ', n - i);
	if (!sp)
		return 0;
	tl = (size_t)(sp - tok);
	if (tl < 2 || tl > 8 || !is_word(tok, tl))
		return 0;
	sh_copy(r->region, sizeof r->region, tok, tl);
	i += tl + 1;

	/* [LEVEL] */
	if (i >= n || s[i] != '[')
		return 0;
	const char *rb = memchr(s + i, ']', n - i < 12 ? n - i : 12);
	if (!rb || !is_word(s + i + 1, (size_t)(rb - s) - i - 1))
		return 0;
	sh_copy(r->level, sizeof r->level, s + i + 1, (size_t)(rb - s) - i - 1);
	i = (size_t)(rb - s) + 1;
	if (legacy && i < n && s[i] == ' ')
		i++;
	i += parse_fields(r, s + i, n - i);

	r->kind = LR_FLYTEXT;
	sh_copy(r->source, sizeof r->source, "text", 4);
	if (errmsg)
		sbuf_add(&r->msg, errmsg, errlen);
	else
		sbuf_add(&r->msg, s + i, n - i);
	return 1;
}

static void
copy_str(char *dst, size_t cap, const char *v)
{
	if (v)
		sh_copy(dst, cap, v, strlen(v));
}

static void
set_ts(struct logrec *r, const char *v)
{
	if (v && sh_time_parse(v, strlen(v), &r->ts, &r->ts_prec) < 0)
		r->ts = 0;
}

static void
set_msg(struct logrec *r, const char *v)
{
	size_t n = strlen(v);
	/* Docker's json-file keeps the newline; a log line has none */
	while (n && (v[n - 1] == '\n' || v[n - 1] == '\r'))
		n--;
	sbuf_add(&r->msg, v, n);
	r->msg.len = sh_strip_ansi(r->msg.s, r->msg.len);
	r->msg.s[r->msg.len] = '\0';
}

static int from_json(struct logrec *r, const cJSON *o);

int
lr_from_json(struct logrec *r, const cJSON *o)
{
	int rc = from_json(r, o);
	js_utf8_fix(&r->msg);
	if (!r->msg.s)
		sbuf_add(&r->msg, "", 0);
	return rc;
}

static int
from_json(struct logrec *r, const cJSON *o)
{
	const char *v;

	if ((v = js_get_str(o, "type")) != NULL && (!r->raw ||
	    !strcmp(v, "log") || !strcmp(v, "gap"))) {
		copy_str(r->rtype, sizeof r->rtype, v);
		if (strcmp(v, "log") != 0) {
			r->kind = LR_RECORD;
			return 0;
		}
		r->kind = LR_LOG;
		set_ts(r, js_get_str(o, "ts"));
		copy_str(r->app, sizeof r->app, js_get_str(o, "app"));
		copy_str(r->region, sizeof r->region, js_get_str(o, "region"));
		copy_str(r->instance, sizeof r->instance, js_get_str(o, "instance"));
		copy_str(r->provider, sizeof r->provider, js_get_str(o, "provider"));
		copy_str(r->level, sizeof r->level, js_get_str(o, "level"));
		copy_str(r->source, sizeof r->source, js_get_str(o, "source"));
		v = js_get_str(o, "msg");
		set_msg(r, v ? v : "");
		r->truncated = cJSON_IsTrue(js_get(o, "truncated"));
		return 0;
	}
	if ((v = js_get_str(o, "message")) != NULL && js_get(o, "fly")) {
		r->kind = LR_NATS;
		set_msg(r, v);
		set_ts(r, js_get_str(o, "timestamp"));
		copy_str(r->app, sizeof r->app, js_get_str(o, "fly.app.name"));
		copy_str(r->instance, sizeof r->instance,
		    js_get_str(o, "fly.app.instance"));
		copy_str(r->region, sizeof r->region, js_get_str(o, "fly.region"));
		copy_str(r->provider, sizeof r->provider,
		    js_get_str(o, "event.provider"));
		copy_str(r->level, sizeof r->level, js_get_str(o, "log.level"));
		copy_str(r->source, sizeof r->source, "nats");
		return 0;
	}
	if ((v = js_get_str(o, "message")) != NULL && js_get(o, "timestamp") &&
	    (js_get(o, "instance") || js_get(o, "region") || js_get(o, "meta"))) {
		const char *p;
		r->kind = LR_FLYJSON;
		set_msg(r, v);
		set_ts(r, js_get_str(o, "timestamp"));
		copy_str(r->instance, sizeof r->instance, js_get_str(o, "instance"));
		copy_str(r->region, sizeof r->region, js_get_str(o, "region"));
		copy_str(r->level, sizeof r->level, js_get_str(o, "level"));
		/* flyctl prints Go field names; the HTTP API lower case */
		p = js_get_str(o, "meta.Event.Provider");
		if (!p)
			p = js_get_str(o, "meta.event.provider");
		copy_str(r->provider, sizeof r->provider, p);
		p = js_get_str(o, "meta.Error.Message");
		if (!p)
			p = js_get_str(o, "meta.error.message");
		if (p && *p && !*v) {
			sbuf_reset(&r->msg);
			set_msg(r, p);
		}
		copy_str(r->source, sizeof r->source, "json");
		return 0;
	}
	v = js_get_str(o, "message");
	if (!v)
		v = js_get_str(o, "msg");
	if (!v)
		v = js_get_str(o, "log");
	if (!v)
		return -1;
	r->kind = LR_JSON;
	set_msg(r, v);
	const char *t = js_get_str(o, "timestamp");
	if (!t)
		t = js_get_str(o, "time");
	if (!t)
		t = js_get_str(o, "ts");
	if (!t)
		t = js_get_str(o, "@timestamp");
	set_ts(r, t);
	copy_str(r->level, sizeof r->level, js_get_str(o, "level"));
	copy_str(r->source, sizeof r->source, "json");
	return 0;
}

static void decode(struct logrec *r, const char *line, size_t n);

void
lr_decode(struct logrec *r, const char *line, size_t n)
{
	decode(r, line, n);
	js_utf8_fix(&r->msg);
	if (!r->msg.s)
		sbuf_add(&r->msg, "", 0);
}

static void
decode(struct logrec *r, const char *line, size_t n)
{
	size_t i = 0;

	lr_clear(r);
	/* a byte order mark (a file's first line): cJSON skips it, so the
	 * other stages took such a line for JSON and we took it for text */
	if (n >= 3 && !memcmp(line, "\xef\xbb\xbf", 3)) {
		line += 3;
		n -= 3;
	}
	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i < n && line[i] == '{') {
		cJSON *o = js_parse_flat(line + i, n - i);
		if (o && cJSON_IsObject(o)) {
			int rc = from_json(r, o);
			cJSON_Delete(o);
			if (rc == 0)
				return;
			lr_clear(r);
		} else {
			cJSON_Delete(o);
		}
	}
	/* text: strip colours, then try the `fly logs` grammar */
	sbuf_add(&r->msg, line, n);
	r->msg.len = sh_strip_ansi(r->msg.s, r->msg.len);
	r->msg.s[r->msg.len] = '\0';
	if (r->msg.len && r->msg.s[r->msg.len - 1] == '\r')
		r->msg.s[--r->msg.len] = '\0';
	{
		struct sbuf text = r->msg;
		sbuf_init(&r->msg);
		if (lr_parse_flytext(r, text.s, text.len)) {
			sbuf_release(&text);
			return;
		}
		sbuf_release(&r->msg);
		lr_clear(r);
		r->msg = text;
	}
	r->kind = LR_TEXT;
	sh_copy(r->source, sizeof r->source, "text", 4);
	/* a leading timestamp, then an optional CRI "stdout F " */
	int used = sh_time_parse(r->msg.s, r->msg.len, &r->ts, &r->ts_prec);
	if (used > 0 && (size_t)used < r->msg.len && r->msg.s[used] == ' ') {
		size_t k = (size_t)used + 1;
		const char *m = r->msg.s + k;
		size_t rest = r->msg.len - k;
		if (rest >= 9 && (!memcmp(m, "stdout ", 7) ||
		    !memcmp(m, "stderr ", 7)) && (m[7] == 'F' || m[7] == 'P') &&
		    m[8] == ' ')
			k += 9;
		memmove(r->msg.s, r->msg.s + k, r->msg.len - k);
		r->msg.len -= k;
		r->msg.s[r->msg.len] = '\0';
	} else {
		r->ts = 0;
	}
}

void
lr_to_json(const struct logrec *r, struct sbuf *out)
{
	char ts[40];

	sbuf_adds(out, "{\"type\":\"log\"");
	if (r->ts) {
		sh_time_format(r->ts, r->ts_prec, ts);
		js_member_str(out, "ts", ts, 1);
	}
	js_member_str(out, "app", r->app, 1);
	js_member_str(out, "region", r->region, 1);
	js_member_str(out, "instance", r->instance, 1);
	js_member_str(out, "provider", r->provider, 1);
	js_member_str(out, "level", r->level, 1);
	js_key(out, "msg");
	js_str(out, r->msg.s ? r->msg.s : "", r->msg.len);
	if (r->nmeta) {
		js_key(out, "meta");
		sbuf_addc(out, '{');
		for (int k = 0; k < r->nmeta; k++)
			js_member_str(out, r->meta_key[k], r->meta_val[k], 0);
		sbuf_addc(out, '}');
	}
	js_member_str(out, "source", r->source, 1);
	if (r->truncated)
		sbuf_adds(out, ",\"truncated\":true");
	sbuf_addc(out, '}');
}

/* flytext.c - see flytext.h. */
#include "flytext.h"
#include "logrec.h"
#include "timefmt.h"

#include <string.h>

static void
add_clean(struct sbuf *b, const char *s, size_t n)
{
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			sbuf_add(b, s + i - run, run);
			run = 0;
			sbuf_addc(b, '?');
			continue;
		}
		run++;
	}
	sbuf_add(b, s + n - run, run);
}

static int
bare_instance(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return !s[n] && (n == 8 || n == 14);
}

static void
colored(struct sbuf *b, const char *code, const char *s, int color)
{
	if (color)
		sbuf_adds(b, code);
	add_clean(b, s, strlen(s));
	if (color)
		sbuf_adds(b, "\033[0m");
}

static const char *
level_color(const char *l)
{
	if (!strcmp(l, "error") || !strcmp(l, "fatal"))
		return "\033[31m";
	if (!strcmp(l, "warn") || !strcmp(l, "warning"))
		return "\033[33m";
	return "\033[34m";
}

static void
stamp(struct sbuf *b, int64_t ns, int color)
{
	char ts[40];

	/* RFC 3339 at second precision, as Go's time.RFC3339 prints */
	sh_time_format(ns - ((ns % 1000000000LL) + 1000000000LL) % 1000000000LL,
	    0, ts);
	colored(b, "\033[2m", ts, color);
}

void
flytext_log(const struct logrec *r, struct sbuf *b, int color)
{
	if (r->ts) {
		stamp(b, r->ts, color);
		sbuf_addc(b, ' ');
	}
	add_clean(b, r->provider, strlen(r->provider));
	if (r->instance[0]) {
		/* flyctl prints a bare instance when there is no provider, but
		 * a bare token reads back as an instance only when it looks
		 * like one (8 or 14 hex digits); any other keeps its brackets,
		 * so the line parses back (found by tests/fuzz/fuzz_logrec:
		 * "[x]" printed as "x", a provider) */
		int br = r->provider[0] || !bare_instance(r->instance);
		if (br)
			sbuf_addc(b, '[');
		add_clean(b, r->instance, strlen(r->instance));
		if (br)
			sbuf_addc(b, ']');
	}
	if (r->provider[0] || r->instance[0])
		sbuf_addc(b, ' ');
	if (r->region[0]) {
		colored(b, "\033[32m", r->region, color);
		sbuf_addc(b, ' ');
	}
	const char *lvl = r->level[0] ? r->level : "info";
	sbuf_addc(b, '[');
	colored(b, level_color(lvl), lvl, color);
	sbuf_addc(b, ']');
	for (int k = 0; k < r->nmeta; k++) {
		/* as flyctl prints them (and as logrec reads them back) */
		const char *v = r->meta_val[k];
		int bare = lr_fly_field_number(r->meta_key[k]) && *v &&
		    strspn(v, "0123456789") == strlen(v);
		add_clean(b, r->meta_key[k], strlen(r->meta_key[k]));
		sbuf_adds(b, bare ? "=" : "=\"");
		add_clean(b, v, strlen(v));
		sbuf_adds(b, bare ? " " : "\" ");
	}
	add_clean(b, r->msg.s ? r->msg.s : "", r->msg.len);
}

void
flytext_gap(int64_t from_ns, int64_t to_ns, const char *app,
    const char *reason, int filled, struct sbuf *b, int color)
{
	char f[40], t[40];

	sh_time_format(from_ns, 3, f);
	sh_time_format(to_ns, 3, t);
	stamp(b, sh_time_now(), color);
	sbuf_adds(b, " fly-tail ");
	sbuf_addc(b, '[');
	colored(b, level_color(filled ? "info" : "warn"), filled ? "info" :
	    "warn", color);
	sbuf_addc(b, ']');
	sbuf_addf(b, "%s %s to %s", filled ? "gap back-filled from" :
	    "lines may be missing from", f, t);
	if (app && *app) {
		sbuf_adds(b, " for ");
		add_clean(b, app, strlen(app));
	}
	sbuf_adds(b, ": ");
	add_clean(b, reason, strlen(reason));
}

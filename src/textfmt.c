/* textfmt.c - see textfmt.h. */
#include "textfmt.h"
#include "json.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
tf_want_color(void)
{
	const char *nc = getenv("NO_COLOR");
	return isatty(1) && !(nc && *nc);
}

static void
add_clean(struct sbuf *b, const char *s, size_t max)
{
	size_t n = 0;
	for (; s && *s && n < max; s++, n++)
		sbuf_addc(b, (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
	if (s && *s)
		sbuf_adds(b, "…");
}

static void
field(struct sbuf *b, const cJSON *r, const char *key, const char *color,
    int on)
{
	const char *v = js_get_str(r, key);
	if (!v || !*v)
		return;
	if (b->len)
		sbuf_addc(b, ' ');
	if (on)
		sbuf_adds(b, color);
	add_clean(b, v, 200);
	if (on)
		sbuf_adds(b, "\033[0m");
}

void
tf_line(const cJSON *r, struct sbuf *b, int color)
{
	const char *type = js_get_str(r, "type");
	const char *sev = js_get_str(r, "severity");
	const char *sevcol = sev && !strcmp(sev, "critical") ? "\033[1;31m" :
	    sev && !strcmp(sev, "error") ? "\033[31m" : "\033[33m";

	field(b, r, "ts", "\033[2m", color);
	if (type && !strcmp(type, "log")) {
		const char *app = js_get_str(r, "app"), *inst = js_get_str(r, "instance");
		sbuf_addf(b, "%s%s", b->len ? " " : "", js_get_str(r, "provider") ?
		    js_get_str(r, "provider") : "app");
		if (inst && *inst) {
			sbuf_addc(b, '[');
			add_clean(b, inst, 64);
			sbuf_addc(b, ']');
		}
		(void)app;
		field(b, r, "region", "\033[32m", color);
		sbuf_adds(b, " [");
		add_clean(b, js_get_str(r, "level") ? js_get_str(r, "level") : "info",
		    16);
		sbuf_adds(b, "] ");
		add_clean(b, js_get_str(r, "msg"), 4096);
		return;
	}
	if (type && !strcmp(type, "crash")) {
		const cJSON *lines = js_get(r, "lines");
		const char *app = js_get_str(r, "app");
		const char *inst = js_get_str(r, "instance");
		if (b->len)
			sbuf_addc(b, ' ');
		add_clean(b, app && *app ? app : "-", 64);
		if (inst && *inst) {
			sbuf_addc(b, '/');
			add_clean(b, inst, 64);
		}
		sbuf_addc(b, ' ');
		if (color)
			sbuf_adds(b, sevcol);
		add_clean(b, js_get_str(r, "category"), 20);
		if (color)
			sbuf_adds(b, "\033[0m");
		field(b, r, "rule", "", 0);
		sbuf_adds(b, ": ");
		add_clean(b, js_get_str(r, "title"), 160);
		if (cJSON_GetArraySize(lines) > 1)
			sbuf_addf(b, " (%d lines)", cJSON_GetArraySize(lines));
		field(b, r, "fingerprint", "\033[2m", color);
		return;
	}
	if (type && !strcmp(type, "action")) {
		const char *st = js_get_str(r, "status");
		const char *col = !st ? "" : !strcmp(st, "applied") ? "\033[32m" :
		    !strcmp(st, "failed") || !strcmp(st, "denied") ? "\033[31m" :
		    !strcmp(st, "dry-run") ? "\033[36m" : "\033[2m";
		field(b, r, "app", "", 0);
		if (js_get_str(r, "machine")) {
			sbuf_addc(b, '/');
			add_clean(b, js_get_str(r, "machine"), 64);
		}
		field(b, r, "action", "\033[1m", color);
		field(b, r, "status", col, color);
		sbuf_adds(b, ": ");
		add_clean(b, js_get_str(r, "reason"), 300);
		return;
	}
	if (b->len)
		sbuf_addc(b, ' ');
	add_clean(b, type ? type : "record", 32);
	char *s = cJSON_PrintUnformatted(r);
	if (s) {
		sbuf_addc(b, ' ');
		add_clean(b, s, 400);
		cJSON_free(s);
	}
}

void
tf_print(const cJSON *rec, int color)
{
	struct sbuf t;

	sbuf_init(&t);
	tf_line(rec, &t, color);
	sbuf_addc(&t, '\n');
	sh_out_line(t.s, t.len);
	sbuf_release(&t);
}

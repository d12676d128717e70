/* report.c - see report.h. */
#include "report.h"
#include "fsutil.h"
#include "json.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <string.h>

static const char *
str(const cJSON *o, const char *k)
{
	const char *s = js_get_str(o, k);
	return s ? s : "";
}

/* Inline text: one line, HTML and table syntax escaped. */
static void
inline_text(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': sbuf_adds(b, "&lt;"); break;
		case '>': sbuf_adds(b, "&gt;"); break;
		case '&': sbuf_adds(b, "&amp;"); break;
		case '|': sbuf_adds(b, "\\|"); break;
		case '`': sbuf_adds(b, "\\`"); break;
		case '\n': case '\r': case '\t': sbuf_addc(b, ' '); break;
		default:
			sbuf_addc(b, (unsigned char)*s < 0x20 || *s == 0x7f ? '?' :
			    *s);
		}
	}
}

/* Prose (root cause, patch body): lines kept, HTML escaped. */
static void
prose(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': sbuf_adds(b, "&lt;"); break;
		case '>': sbuf_adds(b, "&gt;"); break;
		case '&': sbuf_adds(b, "&amp;"); break;
		case '\r': break;
		default:
			sbuf_addc(b, (unsigned char)*s < 0x20 && *s != '\n' &&
			    *s != '\t' ? '?' : *s);
		}
	}
}

void
rp_fence(struct sbuf *b, const char *lang, const char *s)
{
	int run = 0, max = 0;

	for (const char *p = s; *p; p++) {
		run = *p == '`' ? run + 1 : 0;
		if (run > max)
			max = run;
	}
	int n = max >= 3 ? max + 1 : 3;
	for (int i = 0; i < n; i++)
		sbuf_addc(b, '`');
	sbuf_adds(b, lang);
	sbuf_addc(b, '\n');
	for (const char *p = s; *p; p++)
		sbuf_addc(b, (unsigned char)*p < 0x20 && *p != '\n' && *p != '\t' ?
		    '?' : *p);
	if (*s && s[strlen(s) - 1] != '\n')
		sbuf_addc(b, '\n');
	for (int i = 0; i < n; i++)
		sbuf_addc(b, '`');
	sbuf_addc(b, '\n');
}

void
rp_title(const cJSON *d, size_t max, struct sbuf *out)
{
	struct sbuf t;
	const char *app = str(d, "app");

	sbuf_init(&t);
	/* "shop: …" unless the summary names the app already */
	if (*app && !strstr(str(d, "summary"), app))
		sbuf_addf(&t, "%s: ", app);
	sbuf_adds(&t, *str(d, "summary") ? str(d, "summary") : str(d, "title"));
	for (size_t i = 0; i < t.len; i++)
		if ((unsigned char)t.s[i] < 0x20)
			t.s[i] = ' ';
	if (t.len > max)
		t.len = js_utf8_cut(t.s, max);
	sbuf_add(out, t.s, t.len);
	sbuf_release(&t);
}

static void
actions_md(struct sbuf *b, const cJSON *acts)
{
	int i = 0;

	for (const cJSON *a = acts ? acts->child : NULL; a; a = a->next) {
		const cJSON *mem = js_get(a, "memory_mb");
		sbuf_addf(b, "%d. `", ++i);
		inline_text(b, str(a, "action"));
		sbuf_addc(b, '`');
		if (*str(a, "machine")) {
			sbuf_adds(b, " on machine `");
			inline_text(b, str(a, "machine"));
			sbuf_addc(b, '`');
		}
		if (cJSON_IsNumber(mem))
			sbuf_addf(b, " (memory %.0f MB)", mem->valuedouble);
		if (*str(a, "reason")) {
			sbuf_adds(b, ": ");
			inline_text(b, str(a, "reason"));
		}
		sbuf_addc(b, '\n');
	}
	if (!i)
		sbuf_adds(b, "None proposed.\n");
}

void
rp_records(const cJSON *recs, struct sbuf *b)
{
	int i = 0;

	for (const cJSON *r = recs ? recs->child : NULL; r; r = r->next) {
		if (!cJSON_IsObject(r))
			continue;
		sbuf_adds(b, "- **");
		inline_text(b, *str(r, "status") ? str(r, "status") : "?");
		sbuf_adds(b, "** `");
		inline_text(b, *str(r, "action") ? str(r, "action") : "?");
		sbuf_addc(b, '`');
		if (*str(r, "machine")) {
			sbuf_adds(b, " on machine `");
			inline_text(b, str(r, "machine"));
			sbuf_addc(b, '`');
		}
		if (*str(r, "ts")) {
			sbuf_adds(b, " at ");
			inline_text(b, str(r, "ts"));
		}
		if (*str(r, "reason")) {
			sbuf_adds(b, ": ");
			inline_text(b, str(r, "reason"));
		}
		sbuf_addc(b, '\n');
		i++;
	}
	if (!i)
		sbuf_adds(b, "None yet.\n");
}

void
rp_markdown(const cJSON *d, struct sbuf *b)
{
	rp_markdown_ex(d, NULL, b);
}

void
rp_markdown_ex(const cJSON *d, const struct rp_extra *x, struct sbuf *b)
{
	const cJSON *ev = js_get(d, "evidence"), *tl = js_get(d, "timeline");
	const cJSON *patch = js_get(d, "patch"), *notes = js_get(d, "notes");
	const cJSON *occ = js_get(d, "occurrences"), *conf = js_get(d,
	    "confidence"), *inst = js_get(d, "instances");
	const cJSON *usage = js_get(d, "usage");
	struct sbuf t;

	sbuf_init(&t);
	rp_title(d, 200, &t);
	if (x && x->marker) {
		sbuf_adds(b, x->marker);
		sbuf_addc(b, '\n');
	}
	sbuf_adds(b, "# ");
	inline_text(b, t.s);
	sbuf_adds(b, "\n\n");
	sbuf_release(&t);

	sbuf_adds(b, "| incident | app | category | occurrences | machines | "
	    "confidence | diagnosed by |\n|---|---|---|---|---|---|---|\n| `");
	inline_text(b, str(d, "incident"));
	sbuf_adds(b, "` | `");
	inline_text(b, str(d, "app"));
	sbuf_adds(b, "` | ");
	inline_text(b, str(d, "category"));
	sbuf_addf(b, " | %.0f | %d | ", cJSON_IsNumber(occ) ? occ->valuedouble :
	    0, cJSON_GetArraySize(inst));
	if (cJSON_IsNumber(conf))
		sbuf_addf(b, "%.2f", conf->valuedouble);
	sbuf_adds(b, " | ");
	inline_text(b, str(d, "backend"));
	if (cJSON_IsTrue(js_get(d, "cached")))
		sbuf_adds(b, " (cached)");
	sbuf_adds(b, " |\n\n");
	if (x) {
		const cJSON *p = js_get(usage, "prompt_tokens"), *c = js_get(usage,
		    "completion_tokens");
		sbuf_adds(b, "Diagnosed by `");
		inline_text(b, *str(d, "backend") ? str(d, "backend") : "unknown");
		sbuf_addf(b, "`%s, %.0f prompt + %.0f completion tokens spent.\n\n",
		    cJSON_IsTrue(js_get(d, "cached")) ? " (cached diagnosis)" : "",
		    cJSON_IsNumber(p) ? p->valuedouble : 0, cJSON_IsNumber(c) ?
		    c->valuedouble : 0);
		if (x->preface && *x->preface) {
			sbuf_adds(b, x->preface);
			sbuf_adds(b, "\n\n");
		}
	}
	sbuf_adds(b, "## Summary\n\n");
	inline_text(b, str(d, "summary"));
	sbuf_adds(b, "\n\n## Root cause\n\n");
	prose(b, str(d, "root_cause"));
	sbuf_adds(b, "\n\n## Evidence\n\n");
	if (cJSON_GetArraySize(ev) > 0) {
		struct sbuf e;
		sbuf_init(&e);
		for (const cJSON *l = ev->child; l; l = l->next)
			if (cJSON_IsString(l))
				sbuf_addf(&e, "%s\n", l->valuestring);
		rp_fence(b, "text", e.s ? e.s : "");
		sbuf_release(&e);
	} else {
		sbuf_adds(b, "None quoted.\n");
	}
	sbuf_adds(b, "\n## Timeline\n\n");
	sbuf_adds(b, "- first crash: ");
	inline_text(b, str(d, "first_ts"));
	sbuf_adds(b, "\n- last crash: ");
	inline_text(b, str(d, "last_ts"));
	sbuf_addc(b, '\n');
	if (cJSON_GetArraySize(tl) > 0) {
		sbuf_adds(b, "\n| machine | crashes | first | last |\n"
		    "|---|---|---|---|\n");
		for (const cJSON *r = tl->child; r; r = r->next) {
			const cJSON *c = js_get(r, "count");
			sbuf_adds(b, "| `");
			inline_text(b, str(r, "instance"));
			sbuf_addf(b, "` | %.0f | ", cJSON_IsNumber(c) ? c->valuedouble :
			    0);
			inline_text(b, str(r, "first_ts"));
			sbuf_adds(b, " | ");
			inline_text(b, str(r, "last_ts"));
			sbuf_adds(b, " |\n");
		}
	}
	sbuf_adds(b, "\n## Actions\n\n");
	actions_md(b, js_get(d, "actions"));
	if (x) {
		sbuf_adds(b, "\n## Repair actions taken or refused\n\n");
		rp_records(x->records, b);
	}
	if (cJSON_IsObject(patch)) {
		sbuf_adds(b, "\n## Patch\n\n**");
		inline_text(b, str(patch, "title"));
		sbuf_adds(b, "**\n\n");
		if (*str(patch, "body")) {
			prose(b, str(patch, "body"));
			sbuf_adds(b, "\n\n");
		}
		if (x && x->omit_diff)
			sbuf_adds(b, "The diff is this pull request's change.\n");
		else
			rp_fence(b, "diff", str(patch, "diff"));
	}
	if (x && x->testing && *x->testing) {
		sbuf_adds(b, "\n## How to test the fix\n\n");
		sbuf_adds(b, x->testing);
		if (b->len && b->s[b->len - 1] != '\n')
			sbuf_addc(b, '\n');
	}
	if (cJSON_GetArraySize(notes) > 0) {
		sbuf_adds(b, "\n## Notes\n\n");
		for (const cJSON *n = notes->child; n; n = n->next)
			if (cJSON_IsString(n)) {
				sbuf_adds(b, "- ");
				inline_text(b, n->valuestring);
				sbuf_addc(b, '\n');
			}
	}
	sbuf_adds(b, "\n---\nFingerprint `");
	inline_text(b, str(d, "fingerprint"));
	sbuf_adds(b, "`");
	if (*str(d, "rule")) {
		sbuf_adds(b, ", crash rule `");
		inline_text(b, str(d, "rule"));
		sbuf_adds(b, "`");
	}
	if (usage) {
		const cJSON *p = js_get(usage, "prompt_tokens"), *c = js_get(usage,
		    "completion_tokens");
		if (cJSON_IsNumber(p) && cJSON_IsNumber(c) && p->valuedouble +
		    c->valuedouble > 0)
			sbuf_addf(b, ", %.0f + %.0f tokens", p->valuedouble,
			    c->valuedouble);
	}
	sbuf_adds(b, ". Written by selfheal diagnose; review before acting.\n");
}

static void
plain(struct sbuf *b, const char *s, size_t max)
{
	size_t n = 0;
	for (; *s && n < max; s++, n++)
		sbuf_addc(b, (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
	if (*s)
		sbuf_adds(b, "…");
}

void
rp_text(const cJSON *d, struct sbuf *b)
{
	const cJSON *occ = js_get(d, "occurrences"), *inst = js_get(d,
	    "instances");

	plain(b, str(d, "first_ts"), 40);
	sbuf_addc(b, ' ');
	plain(b, *str(d, "app") ? str(d, "app") : "-", 64);
	sbuf_addc(b, ' ');
	plain(b, str(d, "incident"), 24);
	sbuf_addc(b, ' ');
	plain(b, str(d, "category"), 20);
	sbuf_addf(b, " x%.0f on %d machine%s: ", cJSON_IsNumber(occ) ?
	    occ->valuedouble : 0, cJSON_GetArraySize(inst),
	    cJSON_GetArraySize(inst) == 1 ? "" : "s");
	plain(b, str(d, "summary"), 300);
	sbuf_adds(b, " [");
	plain(b, str(d, "backend"), 80);
	if (cJSON_IsTrue(js_get(d, "cached")))
		sbuf_adds(b, ", cached");
	sbuf_addc(b, ']');
	for (const cJSON *a = js_get(d, "actions") ? js_get(d, "actions")->child
	    : NULL; a; a = a->next) {
		sbuf_adds(b, "\n  -> ");
		plain(b, str(a, "action"), 40);
		if (*str(a, "machine")) {
			sbuf_addc(b, ' ');
			plain(b, str(a, "machine"), 64);
		}
		if (*str(a, "reason")) {
			sbuf_adds(b, ": ");
			plain(b, str(a, "reason"), 200);
		}
	}
}

int
rp_write(const char *dir, const char *id, const char *rec, size_t n)
{
	cJSON *d = js_parse(rec, n);
	struct sbuf md, name;
	int rc, e;

	sbuf_init(&md);
	sbuf_init(&name);
	rp_markdown(d, &md);
	sbuf_addf(&name, "%s.md", id);
	rc = fs_write_atomic(dir, name.s, md.s, md.len, 0644);
	e = errno;
	sbuf_release(&md);
	sbuf_release(&name);
	cJSON_Delete(d);
	errno = e;
	return rc;
}

/* notify.c - see notify.h. The message body reuses report.h's title; the
 * rest is mrkdwn (Slack has no headings or tables). */
#include "notify.h"
#include "json.h"
#include "jsonout.h"
#include "report.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int
nt_init(struct notifier *n, const char *url, struct sbuf *err)
{
	memset(n, 0, sizeof *n);
	n->tries = 3;
	if (!url || !*url)
		return 0;
	if (strncasecmp(url, "https://", 8) && strncasecmp(url, "http://", 7)) {
		sbuf_adds(err, "notify URL: not an http(s) URL");
		return -1;
	}
	if (http_client_init(&n->http, NULL, "remediate/" SELFHEAL_VERSION
	    " (selfheal)") < 0) {
		sbuf_adds(err, "notify: cannot initialize libcurl");
		return -1;
	}
	n->http.timeout_ms = 15000;
	n->url = xstrdup(url);
	return 0;
}

void
nt_release(struct notifier *n)
{
	if (n->url) {
		http_client_release(&n->http);
		explicit_bzero(n->url, strlen(n->url));
		free(n->url);
	}
	memset(n, 0, sizeof *n);
}

int
nt_configured(const struct notifier *n)
{
	return n->url != NULL;
}

int
nt_post(struct notifier *n, const char *payload, struct sbuf *err)
{
	struct http_req q = { .method = "POST", .url = n->url, .body = payload,
		.body_len = strlen(payload), .once = 1 };
	struct http_resp r;
	struct backoff b;
	int rc = -1;
	char detail[300];

	if (!n->url) {
		sbuf_adds(err, "no webhook configured (--notify-url or "
		    "SELFHEAL_NOTIFY_URL)");
		return -1;
	}
	http_resp_init(&r);
	backoff_init(&b, 1000, 8000, 20);
	for (int i = 0; i < n->tries; i++) {
		rc = http_do(&n->http, &q, &r);
		if (http_verdict(rc, &r) != HTTP_RETRY || i + 1 == n->tries)
			break;
		/* a post that went out with no answer may have been delivered:
		 * a second message is worse than a lost one, which the action
		 * record says failed (the audit log keeps it) */
		if (http_unanswered(&r))
			break;
		if (http_sleep_ms(http_retry_delay(&r, &b, 30000)) < 0)
			break;
	}
	if (http_verdict(rc, &r) == HTTP_OK) {
		n->sent++;
		http_resp_release(&r);
		return 0;
	}
	n->failed++;
	/* http_error_text quotes the body (Slack's code), never the URL */
	sbuf_addf(err, "webhook: %s%s", http_error_text(&r, detail,
	    sizeof detail), http_unanswered(&r) ? " (the message may have "
	    "been delivered; not sent again)" : "");
	http_resp_release(&r);
	return -1;
}

void
nt_escape(struct sbuf *out, const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n > max)
		n = js_utf8_cut(s, max);
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': sbuf_adds(out, "&amp;"); break;
		case '<': sbuf_adds(out, "&lt;"); break;
		case '>': sbuf_adds(out, "&gt;"); break;
		case '\r': break;
		default:
			sbuf_addc(out, (unsigned char)s[i] < 0x20 && s[i] != '\n' ?
			    ' ' : s[i]);
		}
	}
	if (n < strlen(s))
		sbuf_adds(out, "…");
}

static void
payload(const char *fallback, cJSON *blocks, struct sbuf *out)
{
	cJSON *p = cJSON_CreateObject();

	cJSON_AddStringToObject(p, "text", fallback);
	if (blocks)
		cJSON_AddItemToObject(p, "blocks", blocks);
	jo_tree(out, p);
	cJSON_Delete(p);
}

void
nt_text_payload(const char *text, struct sbuf *out)
{
	struct sbuf t;

	sbuf_init(&t);
	nt_escape(&t, text, 3000);
	payload(t.s ? t.s : "", NULL, out);
	sbuf_release(&t);
}

static void
section(cJSON *blocks, const char *mrkdwn)
{
	cJSON *b = cJSON_CreateObject(), *t = cJSON_CreateObject();

	cJSON_AddStringToObject(b, "type", "section");
	cJSON_AddStringToObject(t, "type", "mrkdwn");
	cJSON_AddStringToObject(t, "text", mrkdwn);
	cJSON_AddItemToObject(b, "text", t);
	cJSON_AddItemToArray(blocks, b);
}

static const char *
s_or(const cJSON *o, const char *k, const char *dflt)
{
	const char *v = js_get_str(o, k);
	return v && *v ? v : dflt;
}

void
nt_incident_payload(const char *headline, const cJSON *diag,
    const cJSON *records, const char *extra, struct sbuf *out)
{
	cJSON *blocks = cJSON_CreateArray(), *h, *ht;
	struct sbuf title, t, fb;
	const cJSON *r;

	sbuf_init(&title);
	sbuf_init(&t);
	sbuf_init(&fb);
	if (diag)
		rp_title(diag, 120, &title);
	else
		sbuf_adds(&title, "remediate");
	sbuf_add(&title, "", 0);

	h = cJSON_CreateObject();
	ht = cJSON_CreateObject();
	cJSON_AddStringToObject(h, "type", "header");
	cJSON_AddStringToObject(ht, "type", "plain_text");
	sbuf_addf(&fb, "%s: %s", headline, title.s);
	if (fb.len > 150)
		fb.len = js_utf8_cut(fb.s, 150), fb.s[fb.len] = '\0';
	cJSON_AddStringToObject(ht, "text", fb.s);
	cJSON_AddItemToObject(h, "text", ht);
	cJSON_AddItemToArray(blocks, h);

	if (diag) {
		const cJSON *occ = js_get(diag, "occurrences");
		sbuf_adds(&t, "*Summary:* ");
		nt_escape(&t, s_or(diag, "summary", "-"), 600);
		sbuf_adds(&t, "\n*Root cause:* ");
		nt_escape(&t, s_or(diag, "root_cause", "unknown"), 1500);
		sbuf_adds(&t, "\n*App:* `");
		nt_escape(&t, s_or(diag, "app", "-"), 64);
		sbuf_adds(&t, "`  *Category:* ");
		nt_escape(&t, s_or(diag, "category", "-"), 32);
		if (cJSON_IsNumber(occ))
			sbuf_addf(&t, "  *Occurrences:* %.0f", occ->valuedouble);
		section(blocks, t.s);
		sbuf_reset(&t);
	}
	int na = 0;
	cJSON_ArrayForEach(r, records) {
		const char *st = s_or(r, "status", "?");
		if (!na++)
			sbuf_adds(&t, "*Actions:*");
		sbuf_adds(&t, "\n• ");
		sbuf_adds(&t, !strcmp(st, "applied") ? "applied" :
		    !strcmp(st, "dry-run") ? "would apply (dry run)" :
		    !strcmp(st, "denied") ? "refused" : st);
		sbuf_adds(&t, " `");
		nt_escape(&t, s_or(r, "action", "?"), 32);
		sbuf_adds(&t, "`");
		if (js_get_str(r, "machine")) {
			sbuf_adds(&t, " on `");
			nt_escape(&t, js_get_str(r, "machine"), 48);
			sbuf_adds(&t, "`");
		}
		sbuf_adds(&t, ": ");
		nt_escape(&t, s_or(r, "reason", ""), 300);
		if (t.len > 2600) {
			sbuf_adds(&t, "\n• …");
			break;
		}
	}
	if (na)
		section(blocks, t.s);
	sbuf_reset(&t);
	if (extra && *extra) {
		nt_escape(&t, extra, 2000);
		section(blocks, t.s);
		sbuf_reset(&t);
	}
	if (diag) {
		cJSON *c = cJSON_CreateObject(), *els = cJSON_CreateArray();
		cJSON *e = cJSON_CreateObject();
		sbuf_adds(&t, "incident `");
		nt_escape(&t, s_or(diag, "incident", "-"), 64);
		sbuf_adds(&t, "` · fingerprint `");
		nt_escape(&t, s_or(diag, "fingerprint", "-"), 64);
		sbuf_adds(&t, "` · diagnosed by ");
		nt_escape(&t, s_or(diag, "backend", "-"), 64);
		cJSON_AddStringToObject(c, "type", "context");
		cJSON_AddStringToObject(e, "type", "mrkdwn");
		cJSON_AddStringToObject(e, "text", t.s);
		cJSON_AddItemToArray(els, e);
		cJSON_AddItemToObject(c, "elements", els);
		cJSON_AddItemToArray(blocks, c);
	}
	sbuf_reset(&fb);
	sbuf_addf(&fb, "%s: ", headline);
	nt_escape(&fb, title.s, 200);
	payload(fb.s, blocks, out);
	sbuf_release(&title);
	sbuf_release(&t);
	sbuf_release(&fb);
}

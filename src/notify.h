/* notify.h - messages for people through a Slack-compatible incoming
 * webhook (--notify-url or SELFHEAL_NOTIFY_URL; protocols.md section 5):
 * POST {"text": fallback, "blocks": [...]} as JSON, success is any 2xx
 * (Slack answers 200 "ok"), 429 and 5xx are retried after Retry-After or
 * a backoff, other answers are final.
 *
 * The URL is a credential: it never appears in a message or a record.
 * Log and LLM text is escaped for mrkdwn (&, <, >), so a crash line cannot
 * ping @channel or forge a link.
 *
 * Ownership: struct notifier owns its HTTP client and URL copy (wiped on
 * release); payload builders append to the caller's sbuf. */
#ifndef SH_NOTIFY_H
#define SH_NOTIFY_H

#include "http.h"

struct cJSON;

struct notifier {
	struct http_client http;
	char *url;              /* NULL: no webhook configured */
	int tries;              /* default 3 */
	unsigned long sent, failed;
};

/* url NULL or empty: a notifier that is not configured. Returns 0, or -1
 * (not http(s), or curl unusable) with err filled. */
int nt_init(struct notifier *n, const char *url, struct sbuf *err);
void nt_release(struct notifier *n);
int nt_configured(const struct notifier *n);

/* nt_post sends payload (JSON). Returns 0, or -1 with a reason (status
 * and Slack's error code, never the URL) in err. */
int nt_post(struct notifier *n, const char *payload, struct sbuf *err);

/* A plain message (the notify verb). */
void nt_text_payload(const char *text, struct sbuf *out);

/* An incident message: headline (e.g. "needs a human"), the diagnosis
 * (summary, root cause, counts; may be NULL) and the action records
 * decided for it so far (applied and refused; may be NULL), plus extra
 * lines (may be NULL). */
void nt_incident_payload(const char *headline, const struct cJSON *diag,
    const struct cJSON *records, const char *extra, struct sbuf *out);

/* Escape s for mrkdwn into out (at most max bytes of s). */
void nt_escape(struct sbuf *out, const char *s, size_t max);

#endif

/* http.h - a small HTTP client over libcurl, shared by the programs that
 * talk to Fly's APIs (fly-tail, remediate) and to LLM and GitHub endpoints
 * (diagnose): one reusable connection per client, connect and total
 * timeouts, a cap on the response body, the status and the headers that
 * matter (Retry-After, a request id), and the retry policy helpers: which
 * answers are worth retrying, exponential backoff, Retry-After.
 *
 * Nothing here prints or exits. Redirects are not followed (an
 * Authorization header must never travel to another host), only http and
 * https are allowed, and curl's verbose output is never enabled, so the
 * Authorization value cannot leak through this module.
 *
 * Ownership: a struct http_client owns its curl handle and a copy of the
 * Authorization header, wiped on release; a struct http_resp owns its
 * body; http_do resets the response it is given. */
#ifndef SH_HTTP_H
#define SH_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define HTTP_DEFAULT_BODY_CAP (8u << 20)

struct http_client {
	void *curl;                 /* CURL *, created on first use */
	char *auth_header;          /* "Authorization: ..." or NULL */
	long connect_timeout_ms;    /* default 10 s */
	long timeout_ms;            /* whole request; default 30 s */
	size_t body_cap;            /* default HTTP_DEFAULT_BODY_CAP */
	char user_agent[64];
	int stop_on_signal;         /* abort a transfer when sh_stop is set */
};

struct http_resp {
	long status;                /* 0 when no response arrived */
	struct sbuf body;           /* NUL-terminated, at most body_cap bytes */
	int too_big;                /* the body was cut at the cap */
	int64_t retry_after_ms;     /* from retry-after-ms, else Retry-After;
	                               -1 when absent */
	char request_id[96];        /* fly-request-id or x-request-id */
	char err[256];              /* why there was no usable response */
	int should_retry;           /* x-should-retry: 1 true, 0 false, -1 absent */
	int sent;                   /* the request went out (0: the connection
	                               failed first), so the server may have
	                               acted on it even without an answer */
	int ra_ms;                  /* internal: retry-after-ms was seen */
	long rl_remaining;          /* x-ratelimit-remaining; -1 when absent */
	int64_t rl_reset;           /* x-ratelimit-reset (epoch seconds); -1 */
	char link_next[1024];       /* the rel="next" URL of a Link header
	                               (pagination), or "" */
};

/* http_global_init calls curl_global_init once; http_client_init calls it
 * too. Returns 0 or -1. */
int http_global_init(void);

/* http_client_init prepares c; auth_header is a complete header line
 * ("Authorization: Bearer x") or NULL. Returns 0 or -1 (curl missing). */
int http_client_init(struct http_client *c, const char *auth_header,
    const char *user_agent);
void http_client_release(struct http_client *c);

void http_resp_init(struct http_resp *r);
void http_resp_release(struct http_resp *r);

struct http_req {
	const char *method;         /* NULL: GET */
	const char *url;
	/* extra "Name: value" lines, NULL-ended; an "Accept:" line here
	 * replaces the default "Accept: application/json" */
	const char *const *headers;
	const char *body;           /* NULL: no body */
	size_t body_len;
	const char *content_type;   /* with a body; NULL: application/json */
	long timeout_ms;            /* 0: the client's */
	int once;                   /* a change that must not be sent twice:
	                               on a fresh connection, which libcurl
	                               never re-sends on by itself (it does
	                               on a reused one that dies unanswered) */
};

/* http_do performs one request and fills r. Returns 0 when a whole
 * response arrived, whatever its status; -1 on a transport failure or a
 * body beyond the cap (r->err says which; r->status is the status seen,
 * or 0). */
int http_do(struct http_client *c, const struct http_req *q,
    struct http_resp *r);

enum http_verdict {
	HTTP_OK,        /* 2xx */
	HTTP_RETRY,     /* transport error, 408, 425, 429, 5xx */
	HTTP_FATAL,     /* any other status: retrying will not help */
};
/* A response's "x-should-retry: true|false" (LLM APIs) overrides the
 * status. */
enum http_verdict http_verdict(int rc, const struct http_resp *r);

/* http_unanswered: the request went out and no response came back (cut
 * off, timed out), so the server may have acted on it: a change must not
 * be sent again. */
int http_unanswered(const struct http_resp *r);

/* http_reason: the reason phrase of an HTTP status ("Not Found"), or ""
 * for one we do not name. */
const char *http_reason(long status);

/* http_error_text writes a one-line description of a failed answer for
 * messages: the status and reason, plus the "error" or "message" member
 * of a JSON error body, else the start of the body (control characters
 * replaced). Returns out. */
char *http_error_text(const struct http_resp *r, char *out, size_t n);

/* Exponential backoff: each call to backoff_next returns the current delay
 * and doubles it up to max; jitter (percent, 0..50) spreads it downward. */
struct backoff {
	int64_t min_ms, max_ms, cur_ms;
	int jitter;
	uint64_t rng;
};
void backoff_init(struct backoff *b, int64_t min_ms, int64_t max_ms,
    int jitter);
int64_t backoff_next(struct backoff *b);
void backoff_reset(struct backoff *b);

/* http_retry_delay: the server's Retry-After when present (at most cap_ms;
 * the backoff still advances), else backoff_next(b). */
int64_t http_retry_delay(const struct http_resp *r, struct backoff *b,
    int64_t cap_ms);

/* Parse a Retry-After value (delta-seconds, fractions tolerated, or an
 * HTTP-date) into ms from now; returns -1 when it is neither. */
int64_t http_parse_retry_after(const char *v);

/* Sleep ms milliseconds, waking early when sh_stop is set; returns 0, or
 * -1 when stopped. */
int http_sleep_ms(int64_t ms);

/* http_do_retry repeats http_do while the verdict is HTTP_RETRY, at most
 * `tries` attempts in all, sleeping http_retry_delay(r, b, max) between
 * them. Returns what the last http_do returned. */
int http_do_retry(struct http_client *c, const struct http_req *q,
    struct http_resp *r, int tries, struct backoff *b);

/* Append s percent-encoded for a path segment or query value (everything
 * but RFC 3986 unreserved characters is encoded). */
void http_add_escaped(struct sbuf *b, const char *s);

#endif

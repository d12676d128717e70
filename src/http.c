/* http.c - see http.h. One easy handle per client keeps the connection
 * (and TLS session) alive between polls, which matters when fly-tail asks
 * the log API every 64 ms. */
#include "http.h"
#include "json.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static int global_ok;

static void
global_init(void)
{
	global_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

int
http_global_init(void)
{
	pthread_once(&global_once, global_init);
	return global_ok ? 0 : -1;
}

int
http_client_init(struct http_client *c, const char *auth_header,
    const char *user_agent)
{
	memset(c, 0, sizeof *c);
	if (http_global_init() < 0)
		return -1;
	c->curl = curl_easy_init();
	if (!c->curl)
		return -1;
	c->auth_header = auth_header ? xstrdup(auth_header) : NULL;
	c->connect_timeout_ms = 10000;
	c->timeout_ms = 30000;
	c->body_cap = HTTP_DEFAULT_BODY_CAP;
	snprintf(c->user_agent, sizeof c->user_agent, "%s",
	    user_agent ? user_agent : "selfheal/" SELFHEAL_VERSION);
	return 0;
}

void
http_client_release(struct http_client *c)
{
	if (c->curl)
		curl_easy_cleanup(c->curl);
	if (c->auth_header) {
		explicit_bzero(c->auth_header, strlen(c->auth_header));
		free(c->auth_header);
	}
	memset(c, 0, sizeof *c);
}

void
http_resp_init(struct http_resp *r)
{
	memset(r, 0, sizeof *r);
	sbuf_init(&r->body);
	r->retry_after_ms = -1;
	r->should_retry = -1;
	r->rl_remaining = -1;
	r->rl_reset = -1;
}

void
http_resp_release(struct http_resp *r)
{
	sbuf_release(&r->body);
	http_resp_init(r);
}

struct wctx {
	struct http_resp *r;
	size_t cap;
};

static size_t
on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct wctx *w = arg;
	size_t n = size * nmemb;

	if (w->r->body.len + n > w->cap) {
		/* keep what fits so an error body can still be quoted */
		sbuf_add(&w->r->body, p, w->cap - w->r->body.len);
		w->r->too_big = 1;
		return 0;
	}
	sbuf_add(&w->r->body, p, n);
	return n;
}

static void
trim_value(const char *v, size_t n, char *out, size_t cap)
{
	while (n && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, v, n);
	out[n] = '\0';
}

/* The URL of the rel="next" member of a Link header (RFC 8288), as
 * GitHub paginates: <https://...?page=2>; rel="next", <...>; rel="last".
 * A URL too long for out is dropped rather than cut. */
static void
link_next(const char *v, size_t n, char *out, size_t cap)
{
	const char *end = v + n;

	while (v < end) {
		const char *lt = memchr(v, '<', (size_t)(end - v)), *gt, *comma;
		if (!lt || !(gt = memchr(lt, '>', (size_t)(end - lt))))
			return;
		comma = memchr(gt, ',', (size_t)(end - gt));
		const char *pend = comma ? comma : end;
		/* the parameters between '>' and the next ',' */
		for (const char *q = gt; q + 8 <= pend; q++)
			if ((q + 10 <= pend && !strncasecmp(q, "rel=\"next\"", 10)) ||
			    (!strncasecmp(q, "rel=next", 8) && (q + 8 == pend ||
			    q[8] == ';' || q[8] == ' ' || q[8] == '\r'))) {
				size_t len = (size_t)(gt - lt - 1);
				if (len < cap) {
					memcpy(out, lt + 1, len);
					out[len] = '\0';
				}
				return;
			}
		v = comma ? comma + 1 : end;
	}
}

static size_t
on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct http_resp *r = arg;
	size_t n = size * nmemb;
	char val[128];

	if (n > 15 && !strncasecmp(p, "retry-after-ms:", 15)) {
		/* non-standard, in milliseconds (LLM APIs); wins over Retry-After */
		char *end;
		trim_value(p + 15, n - 15, val, sizeof val);
		double ms = strtod(val, &end);
		if (end != val && !*end && ms >= 0 && ms < 864e5) {
			r->retry_after_ms = (int64_t)ms;
			r->ra_ms = 1;
		}
	} else if (n > 12 && !strncasecmp(p, "retry-after:", 12)) {
		trim_value(p + 12, n - 12, val, sizeof val);
		if (!r->ra_ms)
			r->retry_after_ms = http_parse_retry_after(val);
	} else if (n > 15 && !strncasecmp(p, "x-should-retry:", 15)) {
		trim_value(p + 15, n - 15, val, sizeof val);
		r->should_retry = !strcasecmp(val, "true") ? 1 :
		    !strcasecmp(val, "false") ? 0 : -1;
	} else if (n > 15 && !strncasecmp(p, "fly-request-id:", 15)) {
		trim_value(p + 15, n - 15, r->request_id, sizeof r->request_id);
	} else if (n > 13 && !strncasecmp(p, "x-request-id:", 13) &&
	    !r->request_id[0]) {
		trim_value(p + 13, n - 13, r->request_id, sizeof r->request_id);
	} else if (n > 22 && !strncasecmp(p, "x-ratelimit-remaining:", 22)) {
		char *end;
		trim_value(p + 22, n - 22, val, sizeof val);
		long v = strtol(val, &end, 10);
		if (end != val && !*end && v >= 0)
			r->rl_remaining = v;
	} else if (n > 18 && !strncasecmp(p, "x-ratelimit-reset:", 18)) {
		char *end;
		trim_value(p + 18, n - 18, val, sizeof val);
		long long v = strtoll(val, &end, 10);
		if (end != val && !*end && v >= 0)
			r->rl_reset = (int64_t)v;
	} else if (n > 5 && !strncasecmp(p, "link:", 5)) {
		link_next(p + 5, n - 5, r->link_next, sizeof r->link_next);
	} else if (n > 5 && !strncmp(p, "HTTP/", 5)) {
		/* a new response (after 100 Continue): forget the old headers */
		r->retry_after_ms = -1;
		r->ra_ms = 0;
		r->should_retry = -1;
		r->request_id[0] = '\0';
		r->rl_remaining = -1;
		r->rl_reset = -1;
		r->link_next[0] = '\0';
	}
	for (size_t i = 0; i < strlen(r->request_id); i++)
		if ((unsigned char)r->request_id[i] < 0x20)
			r->request_id[i] = '?';
	return n;
}

static int
on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	(void)arg, (void)dt, (void)dn, (void)ut, (void)un;
	return sh_stop ? 1 : 0;
}

int
http_do(struct http_client *c, const struct http_req *q, struct http_resp *r)
{
	CURL *h = c->curl;
	struct curl_slist *hl = NULL, *t;
	struct wctx w = { r, c->body_cap ? c->body_cap : HTTP_DEFAULT_BODY_CAP };
	char ebuf[CURL_ERROR_SIZE] = "";
	char ctype[160];
	const char *method = q->method ? q->method : "GET";
	CURLcode cc;
	int rc = 0;

	sbuf_release(&r->body);
	http_resp_init(r);
	if (!h) {
		snprintf(r->err, sizeof r->err, "HTTP client not initialized");
		return -1;
	}
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, q->url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS);
#endif
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, q->timeout_ms ? q->timeout_ms :
	    c->timeout_ms);
	curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &w);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	if (c->stop_on_signal) {
		curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	}
	int accept = 0;
	for (const char *const *e = q->headers; e && *e; e++)
		accept |= !strncasecmp(*e, "accept:", 7);
	if (!accept)
		hl = curl_slist_append(hl, "Accept: application/json");
	if (c->auth_header)
		hl = (t = curl_slist_append(hl, c->auth_header)) ? t : hl;
	for (const char *const *e = q->headers; e && *e; e++)
		hl = (t = curl_slist_append(hl, *e)) ? t : hl;
	if (q->body) {
		snprintf(ctype, sizeof ctype, "Content-Type: %s",
		    q->content_type ? q->content_type : "application/json");
		hl = (t = curl_slist_append(hl, ctype)) ? t : hl;
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, q->body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)q->body_len);
		/* no "Expect: 100-continue" round trip */
		hl = (t = curl_slist_append(hl, "Expect:")) ? t : hl;
	}
	if (strcmp(method, "GET") && strcmp(method, "POST"))
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	else if (!strcmp(method, "POST") && !q->body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	if (q->once)
		curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);

	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	long reqsize = 0;
	curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &reqsize);
	r->sent = reqsize > 0;
	if (r->too_big) {
		snprintf(r->err, sizeof r->err,
		    "response body larger than %zu bytes", w.cap);
		rc = -1;
	} else if (cc != CURLE_OK) {
		snprintf(r->err, sizeof r->err, "%s", ebuf[0] ? ebuf :
		    curl_easy_strerror(cc));
		r->status = 0;
		rc = -1;
	}
	/* the handle keeps pointers to our header list and error buffer */
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(hl);
	return rc;
}

int
http_unanswered(const struct http_resp *r)
{
	return r->status == 0 && r->sent;
}

enum http_verdict
http_verdict(int rc, const struct http_resp *r)
{
	if (rc < 0 || r->status == 0)
		return r->too_big && r->status >= 200 && r->status < 300 ?
		    HTTP_FATAL : HTTP_RETRY;
	if (r->status >= 200 && r->status < 300)
		return HTTP_OK;
	if (r->should_retry >= 0)
		return r->should_retry ? HTTP_RETRY : HTTP_FATAL;
	if (r->status == 408 || r->status == 425 || r->status == 429 ||
	    r->status >= 500)
		return HTTP_RETRY;
	return HTTP_FATAL;
}

const char *
http_reason(long s)
{
	switch (s) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 412: return "Precondition Failed";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "";
	}
}

char *
http_error_text(const struct http_resp *r, char *out, size_t n)
{
	const char *detail = NULL;
	char body[160];
	cJSON *j = NULL;
	size_t len;

	if (r->status == 0) {
		snprintf(out, n, "%s", r->err[0] ? r->err : "no response");
		return out;
	}
	if (r->body.len && r->body.s[0] == '{')
		j = js_parse(r->body.s, r->body.len);
	if (j) {
		detail = js_get_str(j, "error");
		if (!detail)
			detail = js_get_str(j, "message");
	}
	if (!detail && r->body.len) {
		len = r->body.len < sizeof body - 1 ? r->body.len : sizeof body - 1;
		len = js_utf8_cut(r->body.s, len);
		memcpy(body, r->body.s, len);
		body[len] = '\0';
		detail = body;
	}
	snprintf(out, n, "HTTP %ld%s%s%s%s", r->status, http_reason(r->status)[0] ?
	    " " : "", http_reason(r->status), detail && *detail ? ": " : "",
	    detail ? detail : "");
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	cJSON_Delete(j);
	return out;
}

void
backoff_init(struct backoff *b, int64_t min_ms, int64_t max_ms, int jitter)
{
	b->min_ms = min_ms > 0 ? min_ms : 1;
	b->max_ms = max_ms >= b->min_ms ? max_ms : b->min_ms;
	b->cur_ms = b->min_ms;
	b->jitter = jitter < 0 ? 0 : jitter > 50 ? 50 : jitter;
	b->rng = (uint64_t)sh_now_mono_ms() * 0x9e3779b97f4a7c15ULL + 1;
}

void
backoff_reset(struct backoff *b)
{
	b->cur_ms = b->min_ms;
}

int64_t
backoff_next(struct backoff *b)
{
	int64_t d = b->cur_ms;

	if (b->cur_ms < b->max_ms)
		b->cur_ms = b->cur_ms * 2 > b->max_ms ? b->max_ms : b->cur_ms * 2;
	if (b->jitter) {
		b->rng ^= b->rng << 13;
		b->rng ^= b->rng >> 7;
		b->rng ^= b->rng << 17;
		d -= (int64_t)(b->rng % (uint64_t)(d * b->jitter / 100 + 1));
	}
	return d;
}

int64_t
http_parse_retry_after(const char *v)
{
	char *end;
	long long s;

	if (!v || !*v)
		return -1;
	if (*v >= '0' && *v <= '9') {
		errno = 0;
		s = strtoll(v, &end, 10);
		if (errno || s > 86400LL * 365)
			return -1;
		if (*end == '.') {
			/* fractions of a second (tolerated, as the LLM SDKs do) */
			double f = strtod(v, &end);
			if (*end)
				return -1;
			return (int64_t)(f * 1000);
		}
		if (*end)
			return -1;
		return (int64_t)s * 1000;
	}
	time_t t = curl_getdate(v, NULL);
	if (t == (time_t)-1)
		return -1;
	time_t now = time(NULL);
	return t > now ? (int64_t)(t - now) * 1000 : 0;
}

int64_t
http_retry_delay(const struct http_resp *r, struct backoff *b, int64_t cap_ms)
{
	int64_t d = backoff_next(b);

	if (r && r->retry_after_ms >= 0)
		d = r->retry_after_ms > cap_ms ? cap_ms : r->retry_after_ms;
	return d;
}

int
http_sleep_ms(int64_t ms)
{
	struct timespec ts;
	int64_t end = sh_now_mono_ms() + ms;

	while (!sh_stop) {
		int64_t left = end - sh_now_mono_ms();
		if (left <= 0)
			return 0;
		if (left > 100)
			left = 100;
		ts.tv_sec = (time_t)(left / 1000);
		ts.tv_nsec = (long)(left % 1000) * 1000000L;
		nanosleep(&ts, NULL);
	}
	return -1;
}

int
http_do_retry(struct http_client *c, const struct http_req *q,
    struct http_resp *r, int tries, struct backoff *b)
{
	int rc = -1;

	for (int i = 0; i < tries; i++) {
		rc = http_do(c, q, r);
		if (http_verdict(rc, r) != HTTP_RETRY || i + 1 == tries)
			break;
		if (http_sleep_ms(http_retry_delay(r, b, b->max_ms)) < 0)
			break;
	}
	return rc;
}

void
http_add_escaped(struct sbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
		    c == '~') {
			sbuf_addc(b, c);
		} else {
			sbuf_addc(b, '%');
			sbuf_addc(b, hex[c >> 4]);
			sbuf_addc(b, hex[c & 15]);
		}
	}
}

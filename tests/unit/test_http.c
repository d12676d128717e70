/* test_http.c - the HTTP client's policy helpers (no network). */
#include "unit.h"
#include "http.h"

#include <string.h>

int
main(void)
{
	struct backoff b;
	struct http_resp r;
	struct sbuf s;
	char e[200];

	backoff_init(&b, 64, 4096, 0);
	int64_t seq[8];
	for (int i = 0; i < 8; i++)
		seq[i] = backoff_next(&b);
	T_OK(seq[0] == 64 && seq[1] == 128 && seq[5] == 2048 && seq[6] == 4096 &&
	    seq[7] == 4096, "64 ms doubling to 4096 ms, as flyctl");
	backoff_reset(&b);
	T_OK(backoff_next(&b) == 64, "reset");
	backoff_init(&b, 1000, 60000, 20);
	int64_t d = backoff_next(&b);
	T_OK(d > 790 && d <= 1000, "jitter only shortens (%lld)", (long long)d);

	T_OK(http_parse_retry_after("3") == 3000, "Retry-After seconds");
	T_OK(http_parse_retry_after("0") == 0, "Retry-After 0");
	T_OK(http_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0,
	    "a date in the past: now");
	T_OK(http_parse_retry_after("soon") == -1, "garbage");

	http_resp_init(&r);
	r.status = 429;
	r.retry_after_ms = 2000;
	backoff_init(&b, 100, 1000, 0);
	T_OK(http_retry_delay(&r, &b, 60000) == 2000, "Retry-After wins");
	r.retry_after_ms = 900000;
	T_OK(http_retry_delay(&r, &b, 60000) == 60000, "capped");
	r.retry_after_ms = -1;
	T_OK(http_retry_delay(&r, &b, 60000) == 400, "else the backoff (advanced)");

	T_OK(http_verdict(0, &r) == HTTP_RETRY, "429 retry");
	r.status = 503;
	T_OK(http_verdict(0, &r) == HTTP_RETRY, "5xx retry");
	r.status = 408;
	T_OK(http_verdict(0, &r) == HTTP_RETRY, "408 retry");
	r.status = 401;
	T_OK(http_verdict(0, &r) == HTTP_FATAL, "401 fatal");
	r.status = 404;
	T_OK(http_verdict(0, &r) == HTTP_FATAL, "404 fatal");
	r.status = 204;
	T_OK(http_verdict(0, &r) == HTTP_OK, "2xx ok");
	r.status = 0;
	T_OK(http_verdict(-1, &r) == HTTP_RETRY, "transport errors retry");

	r.status = 401;
	sbuf_adds(&r.body, "{\"error\":\"Authenticate: token validation error\"}");
	T_STR(http_error_text(&r, e, sizeof e),
	    "HTTP 401 Unauthorized: Authenticate: token validation error",
	    "error text from a JSON body");
	sbuf_reset(&r.body);
	sbuf_adds(&r.body, "<html>\nbad\tgateway</html>");
	r.status = 502;
	T_STR(http_error_text(&r, e, sizeof e), "HTTP 502 Bad Gateway: <html> bad gateway</html>",
	    "other bodies quoted, control characters replaced");
	http_resp_release(&r);

	sbuf_init(&s);
	http_add_escaped(&s, "a b/c?d=é~_.-");
	T_STR(s.s, "a%20b%2Fc%3Fd%3D%C3%A9~_.-", "percent-encoding");
	sbuf_release(&s);

	struct http_client c;
	T_OK(http_client_init(&c, "Authorization: Bearer x", NULL) == 0, "client");
	struct http_req q = { .url = "http://127.0.0.1:1/", .timeout_ms = 2000 };
	http_resp_init(&r);
	T_OK(http_do(&c, &q, &r) == -1 && r.status == 0 && r.err[0],
	    "a refused connection is a transport error: %s", r.err);
	q.url = "file:///etc/passwd";
	T_OK(http_do(&c, &q, &r) == -1, "only http and https");
	http_resp_release(&r);
	http_client_release(&c);
	return t_done();
}

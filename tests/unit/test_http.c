/* test_http.c - the HTTP client's policy helpers, and a change that must
 * not be sent twice, against a loopback server that drops a kept-alive
 * connection unanswered (libcurl re-sends on such a connection by
 * itself; .once must prevent that). */
#include "unit.h"
#include "http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The server: the first request gets a 200 on a kept-alive connection;
 * every later one is read, counted and its connection closed unanswered.
 * It stops when told or after 5 s. */
struct dropper {
	int lfd, stop;
	int requests;              /* requests seen after the first */
	pthread_mutex_t mu;
};

static void *
dropper_run(void *arg)
{
	struct dropper *d = arg;
	struct pollfd p[8];
	int n = 1, first = 1;

	p[0].fd = d->lfd;
	p[0].events = POLLIN;
	for (int ticks = 0; ticks < 500; ticks++) {
		pthread_mutex_lock(&d->mu);
		int stop = d->stop;
		pthread_mutex_unlock(&d->mu);
		if (stop)
			break;
		if (poll(p, (nfds_t)n, 10) <= 0)
			continue;
		if ((p[0].revents & POLLIN) && n < 8) {
			p[n].fd = accept(d->lfd, NULL, NULL);
			p[n].events = POLLIN;
			p[n].revents = 0;
			if (p[n].fd >= 0)
				n++;
		}
		for (int i = 1; i < n; i++) {
			char buf[4096];
			if (!(p[i].revents & (POLLIN | POLLHUP)))
				continue;
			ssize_t k = read(p[i].fd, buf, sizeof buf);
			if (k > 0 && first) {
				static const char ok[] = "HTTP/1.1 200 OK\r\n"
				    "Content-Type: application/json\r\n"
				    "Content-Length: 2\r\n\r\n{}";
				first = 0;
				if (write(p[i].fd, ok, sizeof ok - 1) < 0)
					break;
				continue;
			}
			if (k > 0) {
				pthread_mutex_lock(&d->mu);
				d->requests++;
				pthread_mutex_unlock(&d->mu);
			}
			close(p[i].fd);
			p[i--] = p[--n];
		}
	}
	for (int i = 1; i < n; i++)
		close(p[i].fd);
	return NULL;
}

/* A GET that keeps a connection alive, then a POST on it (or, with once,
 * on a fresh one) that the server drops. Returns how many times the POST
 * reached the server; *sent and *rc tell what the client saw. */
static int
post_dropped(int once, int *rc, int *sent)
{
	struct dropper d = { .lfd = socket(AF_INET, SOCK_STREAM, 0) };
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof a;
	pthread_t th;
	char url[64];
	struct http_client c;
	struct http_resp r;

	pthread_mutex_init(&d.mu, NULL);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (d.lfd < 0 || bind(d.lfd, (struct sockaddr *)&a, sizeof a) < 0 ||
	    listen(d.lfd, 8) < 0 || getsockname(d.lfd, (struct sockaddr *)&a,
	    &al) < 0)
		return -1;
	snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/x", ntohs(a.sin_port));
	pthread_create(&th, NULL, dropper_run, &d);
	http_client_init(&c, NULL, NULL);
	http_resp_init(&r);
	struct http_req get = { .url = url, .timeout_ms = 3000 };
	struct http_req post = { .method = "POST", .url = url, .body = "{}",
		.body_len = 2, .timeout_ms = 3000, .once = once };
	if (http_do(&c, &get, &r) != 0 || r.status != 200)
		*rc = -2;
	else
		*rc = http_do(&c, &post, &r);
	*sent = r.sent;
	usleep(200000);         /* a re-send, if any, has arrived by now */
	pthread_mutex_lock(&d.mu);
	d.stop = 1;
	pthread_mutex_unlock(&d.mu);
	pthread_join(th, NULL);
	http_resp_release(&r);
	http_client_release(&c);
	close(d.lfd);
	pthread_mutex_destroy(&d.mu);
	return d.requests;
}

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

	/* the reason for .once: without it libcurl sends the POST again on
	 * a new connection when the kept-alive one dies unanswered */
	int rc, sent, got = post_dropped(0, &rc, &sent);
	T_OK(got == 2, "without once, a dropped kept-alive POST reached the "
	    "server %d times (libcurl re-sent it)", got);
	got = post_dropped(1, &rc, &sent);
	T_OK(got == 1, "with once, the POST reached the server %d time(s)", got);
	T_OK(rc == -1 && sent == 1, "with once, the caller sees a transport "
	    "error after the request went out (rc %d, sent %d)", rc, sent);
	return t_done();
}

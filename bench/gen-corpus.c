/*
 * gen-corpus: write a large, realistic Fly.io log corpus for benchmarks.
 *
 *   cc -O2 -o /tmp/gen-corpus bench/gen-corpus.c
 *   gen-corpus [--format text|nats] [--size 1G] [--seed N] [--instances N]
 *              [--long-lines] [--long-every SIZE] [--manifest FILE] OUT
 *
 * text: `fly logs` current format (shared/reference/fly-platform.md §2.2):
 *   2026-11-28T03:45:13Z app[148ed193b95e89] iad [info]message
 * nats: Fly's NATS log JSON (§1.5), one object per line:
 *   {"event":{"provider":"app"},"fly":{"app":{"instance":"…","name":"shop"},
 *    "region":"iad"},"host":"0ad1","log":{"level":"info"},"message":"…",
 *    "timestamp":"2026-11-28T03:45:13.123456789Z"}
 *
 * Ordinary traffic of many apps and instances (Go, Python, JVM, Node.js,
 * Ruby), interleaved, 40–300 bytes a line, with rare multi-line crashes
 * (about 0.2 % of the lines): Go panics with goroutine dumps, Python
 * tracebacks, Java traces with `\tat` frames and `Caused by:`, kernel OOM
 * kills with Fly init's lines, Node.js heap OOM and uncaught errors, proxy
 * "instance refused connection" bursts, restart loops ending in "max
 * restart count". Benign look-alikes (HTTP 500s, "0 errors", retries,
 * clean exits, "PCI: Fatal" boot noise) are mixed in too.
 *
 * --long-lines adds a ~10 MiB line every --long-every bytes (default 64M,
 * first one after 4 MiB), some inside a crash, to check memory bounds.
 * --manifest writes one line per crash: line number, timestamp, app,
 * instance, kind.
 *
 * Output is a pure function of the options (same seed, same bytes).
 * Sizes take K, M, G suffixes (powers of 1024). Needs only libc.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------ random */

static uint64_t rng_s[4];

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* xoshiro256** */
static inline uint64_t rnd(void)
{
	uint64_t r = rotl(rng_s[1] * 5, 7) * 9, t = rng_s[1] << 17;
	rng_s[2] ^= rng_s[0];
	rng_s[3] ^= rng_s[1];
	rng_s[1] ^= rng_s[2];
	rng_s[0] ^= rng_s[3];
	rng_s[2] ^= t;
	rng_s[3] = rotl(rng_s[3], 45);
	return r;
}

/* uniform in [0, n) */
static inline uint32_t rn(uint32_t n) { return (uint32_t)(((rnd() >> 32) * (uint64_t)n) >> 32); }
/* uniform in [a, b] */
static inline uint32_t rr(uint32_t a, uint32_t b) { return a + rn(b - a + 1); }
/* true with probability p/1000 */
static inline int pm(uint32_t p) { return rn(1000) < p; }

#define PICK(arr) (arr[rn(sizeof(arr) / sizeof(arr[0]))])

/* ------------------------------------------------------------ output */

#define OBUF (4u << 20)
static char *obuf;
static size_t olen;
static int ofd;
static uint64_t total_bytes, total_lines;

static void oflush(void)
{
	size_t off = 0;
	while (off < olen) {
		ssize_t w = write(ofd, obuf + off, olen - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			perror("gen-corpus: write");
			exit(1);
		}
		off += (size_t)w;
	}
	total_bytes += olen;
	olen = 0;
}

static inline void oreserve(size_t n)
{
	if (olen + n > OBUF)
		oflush();
}

static inline void oput(const char *s, size_t n)
{
	oreserve(n);
	memcpy(obuf + olen, s, n);
	olen += n;
}

static inline void oputs(const char *s) { oput(s, strlen(s)); }

static unsigned char jesc[256]; /* 0: copy, 1: two-char escape, 2: \u00XX */

static void jesc_init(void)
{
	for (int c = 0; c < 0x20; c++)
		jesc[c] = 2;
	jesc['\t'] = jesc['\n'] = jesc['\r'] = jesc['\b'] = jesc['\f'] = 1;
	jesc['"'] = jesc['\\'] = 1;
}

/* JSON-escaped copy of s into the output buffer */
static void oput_json(const char *s, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	while (n) {
		size_t chunk = n > 65536 ? 65536 : n;
		oreserve(chunk * 6);
		char *d = obuf + olen;
		const unsigned char *p = (const unsigned char *)s, *e = p + chunk;
		while (p < e) {
			const unsigned char *q = p;
			while (q < e && !jesc[*q])
				q++;
			memcpy(d, p, (size_t)(q - p));
			d += q - p;
			if (q == e) {
				p = q;
				break;
			}
			unsigned char c = *q;
			if (jesc[c] == 1) {
				*d++ = '\\';
				*d++ = c == '\t' ? 't' : c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\b' ? 'b' : c == '\f' ? 'f' : (char)c;
			} else {
				memcpy(d, "\\u00", 4);
				d[4] = hx[c >> 4];
				d[5] = hx[c & 15];
				d += 6;
			}
			p = q + 1;
		}
		olen = (size_t)(d - obuf);
		s += chunk;
		n -= chunk;
	}
}

/* ------------------------------------------------------------ message builder */

#define MSGMAX 65536
static char msg[MSGMAX];
static size_t ml;

static inline void ms(const char *s)
{
	size_t n = strlen(s);
	if (ml + n >= MSGMAX)
		n = MSGMAX - 1 - ml;
	memcpy(msg + ml, s, n);
	ml += n;
}

static inline void mc(char c)
{
	if (ml < MSGMAX - 1)
		msg[ml++] = c;
}

static void mu(uint64_t v)
{
	char t[24];
	int i = 0;
	do
		t[i++] = (char)('0' + v % 10);
	while (v /= 10);
	while (i)
		mc(t[--i]);
}

/* zero-padded to w digits */
static void muz(uint64_t v, int w)
{
	char t[24];
	int i = 0;
	do
		t[i++] = (char)('0' + v % 10);
	while (v /= 10);
	while (i < w)
		t[i++] = '0';
	while (i)
		mc(t[--i]);
}

/* space-padded to w characters */
static void mus(uint64_t v, int w)
{
	char t[24];
	int i = 0;
	do
		t[i++] = (char)('0' + v % 10);
	while (v /= 10);
	while (i < w)
		t[i++] = ' ';
	while (i)
		mc(t[--i]);
}

static void mhex(uint64_t v, int digits)
{
	static const char hx[] = "0123456789abcdef";
	for (int i = digits - 1; i >= 0; i--)
		mc(hx[(v >> (4 * i)) & 15]);
}

/* v/1000 with 3 decimals, e.g. 12345 -> "12.345" */
static void mfix3(uint64_t v)
{
	mu(v / 1000);
	mc('.');
	muz(v % 1000, 3);
}

static void mfix1(uint64_t v)
{
	mu(v / 10);
	mc('.');
	mc((char)('0' + v % 10));
}

/* a duration from a rough log-normal: mostly ms, some µs and s */
static void mdur_go(void)
{
	uint32_t k = rn(100);
	if (k < 5) {
		mfix1(rr(600, 9999));
		ms("µs");
	} else if (k < 97) {
		uint32_t v = rr(300, 30000);
		if (pm(300))
			v = rr(1000, 250000);
		mfix3(v);
		ms("ms");
	} else {
		mfix3(rr(1000, 4500));
		mc('s');
	}
}

static uint32_t ms_small(void) { return pm(100) ? rr(100, 2500) : rr(1, 90); }

/* ------------------------------------------------------------ time */

static const uint64_t BASE_EPOCH = 1795824000ULL; /* 2026-11-28T00:00:00Z */
static uint64_t now_ns;                          /* since BASE_EPOCH */
static char tsec_txt[32];                        /* "2026-11-28T03:45:13" */
static uint64_t tsec_cached = UINT64_MAX;

static void civil(int64_t days, int *y, unsigned *m, unsigned *d)
{
	days += 719468;
	int64_t era = (days >= 0 ? days : days - 146096) / 146097;
	unsigned doe = (unsigned)(days - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yy + (*m <= 2));
}

static const char *tsec(void)
{
	uint64_t s = BASE_EPOCH + now_ns / 1000000000ULL;
	if (s != tsec_cached) {
		int y;
		unsigned mo, d;
		civil((int64_t)(s / 86400), &y, &mo, &d);
		unsigned sod = (unsigned)(s % 86400);
		snprintf(tsec_txt, sizeof tsec_txt, "%04d-%02u-%02uT%02u:%02u:%02u", y, mo, d, sod / 3600, sod / 60 % 60, sod % 60);
		tsec_cached = s;
	}
	return tsec_txt;
}

/* the app's own timestamp prefixes */
static void m_golog_ts(void) /* 2026/11/28 03:45:13 */
{
	const char *t = tsec();
	char b[20];
	memcpy(b, t, 19);
	b[4] = b[7] = '/';
	b[10] = ' ';
	for (int i = 0; i < 19; i++)
		mc(b[i]);
}

static void m_iso_ms(void) /* 2026-11-28T03:45:13.123Z */
{
	ms(tsec());
	mc('.');
	muz(now_ns / 1000000 % 1000, 3);
	mc('Z');
}

static void m_py_ts(void) /* 2026-11-28 03:45:13,123 */
{
	const char *t = tsec();
	for (int i = 0; i < 19; i++)
		mc(i == 10 ? ' ' : t[i]);
	mc(',');
	muz(now_ns / 1000000 % 1000, 3);
}

static void m_hms_ms(void) /* 03:45:13.123 */
{
	const char *t = tsec();
	for (int i = 11; i < 19; i++)
		mc(t[i]);
	mc('.');
	muz(now_ns / 1000000 % 1000, 3);
}

static void m_epoch_ms(void) { mu((BASE_EPOCH * 1000) + now_ns / 1000000); }

static void m_ruby_ts(void) /* 2026-11-28T03:45:13.123456 */
{
	ms(tsec());
	mc('.');
	muz(now_ns / 1000 % 1000000, 6);
}

/* ------------------------------------------------------------ world */

enum { P_GO, P_PY, P_JAVA, P_NODE, P_RUBY, NPERSONA };
enum { PROV_APP, PROV_PROXY, PROV_RUNNER };
enum { LV_INFO, LV_WARN, LV_ERROR };
static const char *prov_name[] = {"app", "proxy", "runner"};
static const char *lv_name[] = {"info", "warn", "error"};

struct app {
	char name[32];
	int persona;
	int port;
	const char *cmd;
	const char *user;
	const char *bin;
};

struct inst {
	char id[16];
	char host[8];
	const char *region;
	int app;
	int busy;         /* in an active crash */
	uint32_t pid;     /* main child pid */
	uint64_t boot_ns; /* for kernel uptime */
	char ip6[48];
};

static struct app *apps;
static int napps;
static struct inst *insts;
static int ninst;

static const char *regions[] = {"iad", "ord", "sjc", "lax", "dfw", "ewr", "yyz", "gru", "lhr", "ams",
				"fra", "cdg", "waw", "mad", "arn", "nrt", "sin", "syd", "hkg", "bom", "jnb", "sea"};
static const char *app_names[] = {"shop", "api", "worker", "billing", "auth", "search", "media", "notify",
				  "ledger", "gateway", "catalog", "checkout", "inventory", "reports", "chat",
				  "webhooks", "scheduler", "images", "accounts", "ingest"};

static void make_world(int n)
{
	ninst = n;
	napps = n / 6;
	if (napps < 1)
		napps = 1;
	apps = calloc((size_t)napps, sizeof *apps);
	insts = calloc((size_t)ninst, sizeof *insts);
	if (!apps || !insts) {
		perror("gen-corpus");
		exit(1);
	}
	int nn = (int)(sizeof app_names / sizeof app_names[0]);
	for (int a = 0; a < napps; a++) {
		struct app *A = &apps[a];
		if (a < nn)
			snprintf(A->name, sizeof A->name, "%s", app_names[a]);
		else
			snprintf(A->name, sizeof A->name, "%s-%d", app_names[a % nn], a / nn + 1);
		A->persona = (int)rn(NPERSONA);
		A->port = PICK(((int[]){8080, 8080, 8080, 3000, 4000, 5000, 8000}));
		switch (A->persona) {
		case P_GO:
			A->cmd = "/app/server";
			A->user = "nobody";
			A->bin = "server";
			break;
		case P_PY:
			A->cmd = pm(500) ? "/app/.venv/bin/python -m api" : "gunicorn -b 0.0.0.0:8000 -w 2 app.wsgi:application";
			A->user = "app";
			A->bin = "python";
			break;
		case P_JAVA:
			A->cmd = "/opt/java/openjdk/bin/java -XX:MaxRAMPercentage=75 -jar /app/app.jar";
			A->user = "app";
			A->bin = "java";
			break;
		case P_NODE:
			A->cmd = "docker-entrypoint.sh node dist/server.js";
			A->user = "node";
			A->bin = "node";
			break;
		default:
			A->cmd = "./bin/rails server";
			A->user = "rails";
			A->bin = "ruby";
			break;
		}
	}
	for (int i = 0; i < ninst; i++) {
		struct inst *I = &insts[i];
		uint64_t v = rnd();
		static const char hx[] = "0123456789abcdef";
		for (int k = 0; k < 14; k++)
			I->id[k] = hx[(v >> (4 * k)) & 15];
		v = rnd();
		for (int k = 0; k < 4; k++)
			I->host[k] = hx[(v >> (4 * k)) & 15];
		I->app = i < napps ? i : (int)rn((uint32_t)napps);
		/* an app lives in 1-3 regions: derive from its index */
		I->region = regions[(I->app * 7 + (int)rn(1 + (uint32_t)(I->app % 3))) % (int)(sizeof regions / sizeof regions[0])];
		I->pid = rr(300, 700);
		I->boot_ns = 0;
		snprintf(I->ip6, sizeof I->ip6, "fdaa:0:%x:a7b:%x:%x:%x:2", rr(0x1000, 0xffff), rr(1, 0xfff), rr(0x1000, 0xffff), rr(0x1000, 0xffff));
	}
}

/* ------------------------------------------------------------ line output */

static int fmt_nats;

static void emit_prefix(const struct inst *I, int prov, int lv)
{
	const struct app *A = &apps[I->app];
	if (!fmt_nats) {
		oreserve(128);
		char *d = obuf + olen;
		memcpy(d, tsec(), 19);
		d += 19;
		*d++ = 'Z';
		*d++ = ' ';
		size_t n = strlen(prov_name[prov]);
		memcpy(d, prov_name[prov], n);
		d += n;
		*d++ = '[';
		memcpy(d, I->id, 14);
		d += 14;
		*d++ = ']';
		*d++ = ' ';
		memcpy(d, I->region, 3);
		d += 3;
		*d++ = ' ';
		*d++ = '[';
		n = strlen(lv_name[lv]);
		memcpy(d, lv_name[lv], n);
		d += n;
		*d++ = ']';
		olen = (size_t)(d - obuf);
	} else {
		oputs("{\"event\":{\"provider\":\"");
		oputs(prov_name[prov]);
		oputs("\"},\"fly\":{\"app\":{\"instance\":\"");
		oput(I->id, 14);
		oputs("\",\"name\":\"");
		oputs(A->name);
		oputs("\"},\"region\":\"");
		oput(I->region, 3);
		oputs("\"},\"host\":\"");
		oput(prov == PROV_PROXY ? "7c3e" : I->host, 4);
		oputs("\",\"log\":{\"level\":\"");
		oputs(lv_name[lv]);
		oputs("\"},\"message\":\"");
	}
}

static void emit_suffix(void)
{
	if (!fmt_nats) {
		oput("\n", 1);
	} else {
		char t[64];
		memcpy(t, "\",\"timestamp\":\"", 15);
		memcpy(t + 15, tsec(), 19);
		size_t p = 34;
		t[p++] = '.';
		uint64_t ns = now_ns % 1000000000ULL;
		for (int i = 8; i >= 0; i--) {
			t[p + (size_t)i] = (char)('0' + ns % 10);
			ns /= 10;
		}
		p += 9;
		memcpy(t + p, "Z\"}\n", 4);
		p += 4;
		oput(t, p);
	}
	total_lines++;
}

static void emit_body(const char *s, size_t n)
{
	if (fmt_nats)
		oput_json(s, n);
	else
		oput(s, n);
}

static void emit(const struct inst *I, int prov, int lv, const char *s, size_t n)
{
	emit_prefix(I, prov, lv);
	emit_body(s, n);
	emit_suffix();
}

static void advance_time(void)
{
	now_ns += rn(400000) + 1;
}

/* ------------------------------------------------------------ vocabulary */

static const char *http_paths[] = {"/", "/products", "/products/%d", "/products/%d/reviews?page=%p", "/cart",
				   "/cart/items", "/checkout", "/api/v1/orders", "/api/v1/orders/%d",
				   "/api/v1/accounts/acct_%h", "/api/search?q=%q&limit=24", "/static/app.%h.js",
				   "/static/app.%h.css", "/favicon.ico", "/login", "/logout", "/account/orders",
				   "/healthz", "/v1/invoices/%d.pdf", "/v1/webhooks/stripe", "/graphql",
				   "/api/v2/feed?cursor=%h&limit=50", "/images/%h/thumb_320.webp", "/robots.txt"};
static const char *queries[] = {"rain+jacket", "wool+socks", "trail+runners", "tent", "headlamp", "merino", "stove+fuel",
				"dry+bag", "usb-c+cable", "espresso", "standing+desk", "monitor+arm"};
static const char *methods[] = {"GET", "GET", "GET", "GET", "GET", "GET", "POST", "POST", "PUT", "PATCH", "DELETE", "HEAD"};
static const char *uas[] = {
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
	"curl/8.5.0", "Go-http-client/2.0", "python-requests/2.32.3", "Consul Health Check", "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
	"Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0"};
static const char *words[] = {"cart", "order", "invoice", "user", "session", "token", "cache", "price", "stock", "email",
			      "report", "upload", "thumbnail", "search", "feed", "webhook", "payment", "refund", "coupon", "sku"};
static const char *names[] = {"ana", "bo", "chen", "dmitri", "eve", "farah", "gus", "hana", "ivan", "jun", "kofi", "lena"};

static int status_pick(void)
{
	uint32_t k = rn(1000);
	if (k < 780)
		return 200;
	if (k < 830)
		return 304;
	if (k < 870)
		return 201;
	if (k < 905)
		return 302;
	if (k < 950)
		return 404;
	if (k < 970)
		return 204;
	if (k < 985)
		return 401;
	if (k < 994)
		return 422;
	if (k < 998)
		return 503;
	return 500;
}

static const char *reason(int st)
{
	switch (st) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 401: return "Unauthorized";
	case 404: return "Not Found";
	case 422: return "Unprocessable Entity";
	case 500: return "Internal Server Error";
	default: return "Service Unavailable";
	}
}

static const char *cur_path; /* chosen by m_method() */

/* an HTTP method, and the path m_path() will print: assets and probes are GET */
static void m_method(void)
{
	cur_path = PICK(http_paths);
	if (cur_path[1] == 0 || !strncmp(cur_path, "/static", 7) || !strncmp(cur_path, "/healthz", 8) ||
	    !strncmp(cur_path, "/images", 7) || !strncmp(cur_path, "/favicon", 8) || !strncmp(cur_path, "/robots", 7))
		ms("GET");
	else if (!strncmp(cur_path, "/v1/webhooks", 12) || !strcmp(cur_path, "/checkout") || !strcmp(cur_path, "/login") ||
		 !strcmp(cur_path, "/graphql"))
		ms("POST");
	else
		ms(PICK(methods));
}

static void m_path(void)
{
	const char *p = cur_path ? cur_path : PICK(http_paths);
	cur_path = NULL;
	for (; *p; p++) {
		if (*p != '%') {
			mc(*p);
			continue;
		}
		p++;
		switch (*p) {
		case 'd': mu(rr(1000, 99999)); break;
		case 'p': mu(rr(1, 9)); break;
		case 'h': mhex(rnd(), (int)rr(6, 10)); break;
		case 'q': ms(PICK(queries)); break;
		}
	}
}

static void m_ip4(void)
{
	ms("172.16.");
	mu(rn(10));
	mc('.');
	mu(rr(2, 254));
}

static void m_ipport(void)
{
	m_ip4();
	mc(':');
	mu(rr(32768, 60999));
}

static void m_sql(void)
{
	switch (rn(6)) {
	case 0:
		ms("SELECT id, sku, name, price_cents FROM products WHERE category_id = $1 ORDER BY rank DESC LIMIT ");
		mu(rr(10, 50));
		break;
	case 1:
		ms("SELECT o.id, o.total_cents, o.state FROM orders o WHERE o.account_id = $1 AND o.created_at > $2");
		break;
	case 2:
		ms("UPDATE carts SET updated_at = now(), item_count = item_count + 1 WHERE id = $1");
		break;
	case 3:
		ms("INSERT INTO events (kind, subject_id, payload) VALUES ($1, $2, $3) RETURNING id");
		break;
	case 4:
		ms("SELECT \"users\".* FROM \"users\" WHERE \"users\".\"id\" = $1 LIMIT $2");
		break;
	default:
		ms("DELETE FROM sessions WHERE expires_at < now() - interval '1 day'");
		break;
	}
}

/* ------------------------------------------------------------ ordinary lines */

static int ord_line(struct inst *I, int *prov, int *lv)
{
	const struct app *A = &apps[I->app];
	*prov = PROV_APP;
	*lv = LV_INFO;
	ml = 0;
	uint32_t k = rn(1000);

	if (k < 12) { /* proxy platform lines */
		*prov = PROV_PROXY;
		switch (rn(5)) {
		case 0:
			ms("waiting for machine to be reachable on 0.0.0.0:");
			mu((uint64_t)A->port);
			ms(" (waited ");
			mu(rn(3));
			mc('.');
			muz(rn(1000000), 6);
			ms("s so far)");
			break;
		case 1:
			ms("machine became reachable in ");
			mu(rr(1, 2500));
			mc('.');
			muz(rn(1000000), 6);
			ms("ms");
			break;
		case 2:
			ms("Starting machine");
			break;
		case 3:
			ms("Downscaling app ");
			ms(A->name);
			ms(" in region ");
			ms(I->region);
			ms(" from 2 machines to 1 machines. Automatically stopping machine ");
			ms(I->id);
			break;
		default:
			ms("App ");
			ms(A->name);
			ms(" has excess capacity, autostopping machine ");
			ms(I->id);
			ms(". 1 out of 2 machines left running (region=");
			ms(I->region);
			ms(", process group=app)");
			break;
		}
		return 1;
	}
	if (k < 16) { /* benign platform look-alikes */
		switch (rn(6)) {
		case 0:
			mc('[');
			mus(0, 5);
			mc('.');
			muz(rr(40000, 70000), 6);
			ms("] PCI: Fatal: No config space access function found");
			break;
		case 1:
			ms(" INFO Main child exited normally with code: 0");
			break;
		case 2:
			ms(" INFO Starting init (commit: 15238e9)...");
			break;
		case 3:
			ms(" INFO Preparing to run: `");
			ms(A->cmd);
			ms("` as ");
			ms(A->user);
			break;
		case 4:
			*prov = PROV_RUNNER;
			ms(pm(500) ? "machine exited with exit code 0, not restarting" : "Configuring firecracker");
			break;
		default:
			ms(" WARN could not unmount /rootfs: EINVAL: Invalid argument");
			break;
		}
		return 1;
	}
	if (k < 24) { /* app-level look-alikes: retries, 0 errors, handled errors */
		switch (rn(5)) {
		case 0:
			ms("retrying connection to redis (attempt ");
			mu(rr(1, 4));
			ms("/5): dial tcp [");
			ms(I->ip6);
			ms("]:6379: i/o timeout");
			break;
		case 1:
			ms("batch ");
			mu(rr(1000, 99999));
			ms(" done: ");
			mu(rr(1, 900));
			ms(" items, 0 errors, 0 failures");
			break;
		case 2:
			ms("level=ERROR msg=\"payment declined\" code=card_declined order=ORD-");
			mu(rr(10000, 99999));
			break;
		case 3:
			ms("WARN upstream error, will retry: Exception: timeout after 5000ms (attempt 2/3)");
			break;
		default:
			ms("job ");
			mu(rr(10000, 99999));
			ms(" failed with HTTP 500 from https://hooks.example.com/");
			ms(PICK(names));
			ms(", rescheduled");
			break;
		}
		return 1;
	}

	int st = status_pick();
	switch (A->persona) {
	case P_GO:
		if (k < 600) { /* chi-style access log */
			m_golog_ts();
			ms(" \"");
			m_method();
			ms(" http://");
			ms(A->name);
			ms(".fly.dev");
			m_path();
			ms(" HTTP/1.1\" from ");
			m_ipport();
			ms(" - ");
			mu((uint64_t)st);
			mc(' ');
			mu(st == 204 || st == 304 ? 0 : rr(19, 90000));
			ms("B in ");
			mdur_go();
		} else if (k < 800) { /* slog */
			ms("time=");
			m_iso_ms();
			ms(pm(300) ? " level=DEBUG" : " level=INFO");
			ms(" msg=\"");
			ms(PICK(words));
			ms(pm(500) ? " refreshed\"" : " processed\"");
			ms(" id=");
			mu(rr(1000, 9999999));
			ms(" dur=");
			mdur_go();
			if (pm(400)) {
				ms(" user=");
				ms(PICK(names));
				ms("@example.com");
			}
		} else { /* sql timing */
			ms("time=");
			m_iso_ms();
			ms(" level=DEBUG msg=sql query=\"");
			m_sql();
			ms("\" rows=");
			mu(rn(60));
			ms(" dur=");
			mdur_go();
		}
		break;
	case P_PY:
		if (k < 550) { /* uvicorn access */
			ms("INFO:     ");
			m_ipport();
			ms(" - \"");
			m_method();
			mc(' ');
			m_path();
			ms(" HTTP/1.1\" ");
			mu((uint64_t)st);
			mc(' ');
			ms(reason(st));
		} else if (k < 750) {
			m_py_ts();
			ms(pm(200) ? " DEBUG " : " INFO ");
			ms("app.");
			ms(PICK(words));
			ms(": ");
			ms(PICK(words));
			ms(" id=");
			mu(rr(1000, 999999));
			ms(" handled in ");
			mfix1(rr(5, 4000));
			ms("ms for user '");
			ms(PICK(names));
			mc('\'');
		} else if (k < 850) { /* tab separated */
			ms("metrics\trps=");
			mfix1(rr(50, 900));
			ms("\tp50_ms=");
			mfix1(rr(40, 200));
			ms("\tp99_ms=");
			mfix1(rr(300, 2500));
			ms("\terrors=0\tworkers=");
			mu(rr(2, 8));
		} else {
			m_py_ts();
			ms(" INFO sqlalchemy.engine.Engine: [cached since ");
			mfix1(rr(1, 9000));
			ms("s ago] ");
			m_sql();
		}
		break;
	case P_JAVA:
		if (k < 500) {
			m_hms_ms();
			ms(" [http-nio-8080-exec-");
			mu(rr(1, 20));
			ms("] INFO  c.a.api.");
			ms(pm(500) ? "OrderController" : "AccountController");
			ms(" - ");
			ms(PICK(words));
			mc(' ');
			mu(rr(10000, 99999));
			ms(" updated total=");
			mu(rr(1, 999));
			ms(".");
			muz(rn(100), 2);
			ms(" currency=\"EUR\" took=");
			mu(ms_small());
			ms("ms");
		} else if (k < 700) {
			ms("Hibernate: select o1_0.id,o1_0.account_id,o1_0.state,o1_0.total from orders o1_0 where o1_0.account_id=? and o1_0.state in (?,?) offset ? rows fetch first ? rows only");
		} else if (k < 850) {
			m_ip4();
			ms(" - - [28/Nov/2026:");
			const char *t = tsec();
			for (int i = 11; i < 19; i++)
				mc(t[i]);
			ms(" +0000] \"");
			m_method();
			mc(' ');
			m_path();
			ms(" HTTP/1.1\" ");
			mu((uint64_t)st);
			mc(' ');
			mu(rr(0, 60000));
			ms(" \"-\" \"");
			ms(PICK(uas));
			mc('"');
		} else {
			m_hms_ms();
			ms(" [scheduler-1] DEBUG c.z.hikari.pool.HikariPool - HikariPool-1 - Pool stats (total=10, active=");
			uint32_t a = rn(11);
			mu(a);
			ms(", idle=");
			mu(10 - a);
			ms(", waiting=0)");
		}
		break;
	case P_NODE:
		if (k < 550) { /* pino */
			ms("{\"level\":30,\"time\":");
			m_epoch_ms();
			ms(",\"pid\":");
			mu(I->pid);
			ms(",\"hostname\":\"");
			ms(I->id);
			ms("\",\"req\":{\"id\":");
			mu(rr(1, 9999999));
			ms(",\"method\":\"");
			m_method();
			ms("\",\"url\":\"");
			m_path();
			ms("\"},\"res\":{\"statusCode\":");
			mu((uint64_t)st);
			ms("},\"responseTime\":");
			mu(ms_small());
			ms(",\"msg\":\"request completed\"}");
		} else if (k < 800) { /* morgan */
			m_method();
			mc(' ');
			m_path();
			mc(' ');
			mu((uint64_t)st);
			mc(' ');
			mfix3(rr(300, 900000));
			ms(" ms - ");
			mu(rr(2, 90000));
		} else {
			ms("{\"level\":");
			ms(pm(200) ? "20" : "30");
			ms(",\"time\":");
			m_epoch_ms();
			ms(",\"msg\":\"");
			ms(PICK(words));
			ms(" job done\",\"jobId\":\"");
			mhex(rnd(), 12);
			ms("\",\"tookMs\":");
			mu(ms_small());
			mc('}');
		}
		break;
	default: /* ruby */
		if (k < 450) {
			ms("I, [");
			m_ruby_ts();
			ms(" #");
			mu(I->pid);
			ms("]  INFO -- : [");
			mhex(rnd(), 8);
			mc('-');
			mhex(rnd(), 4);
			ms("] Started ");
			m_method();
			ms(" \"");
			m_path();
			ms("\" for ");
			m_ip4();
			ms(" at ");
			const char *t = tsec();
			for (int i = 0; i < 19; i++)
				mc(i == 10 ? ' ' : t[i]);
			ms(" +0000");
		} else if (k < 750) {
			ms("I, [");
			m_ruby_ts();
			ms(" #");
			mu(I->pid);
			ms("]  INFO -- : Completed ");
			mu((uint64_t)st);
			mc(' ');
			ms(reason(st));
			ms(" in ");
			mu(ms_small());
			ms("ms (Views: ");
			mfix1(rr(1, 900));
			ms("ms | ActiveRecord: ");
			mfix1(rr(1, 300));
			ms("ms | Allocations: ");
			mu(rr(900, 60000));
			mc(')');
		} else {
			ms("D, [");
			m_ruby_ts();
			ms(" #");
			mu(I->pid);
			ms("] DEBUG -- :   Product Load (");
			mfix1(rr(1, 90));
			ms("ms)  SELECT \"products\".* FROM \"products\" WHERE \"products\".\"id\" = $1 LIMIT $2  [[\"id\", ");
			mu(rr(1, 99999));
			ms("], [\"LIMIT\", 1]]");
		}
		break;
	}
	return 1;
}

/* ------------------------------------------------------------ crashes */

#define CL_MAX 128
#define CA_MAX 24576

struct cline {
	uint8_t prov, lv;
	uint32_t off, len;
	int big; /* a --long-lines monster: generated when emitted */
};

struct crash {
	int inst, kind;
	int n, next;
	struct cline l[CL_MAX];
	char arena[CA_MAX];
	size_t used;
};

#define ACTIVE_MAX 8
static struct crash crashes[ACTIVE_MAX];
static int nactive;
static uint64_t crash_lines, ncrash[16];
static FILE *manifest;
static const char *kind_name[] = {"go.panic", "go.fatal", "python.traceback", "java.exception", "oom.kill",
				  "node.heap-oom", "node.uncaught", "proxy.refused", "restart-loop", "long-line-crash"};
enum { K_GOPANIC, K_GOFATAL, K_PY, K_JAVA, K_OOM, K_NODEOOM, K_NODEERR, K_REFUSED, K_LOOP, K_LONG, NKIND };

static struct crash *cur;

static void cl_push(int prov, int lv)
{
	if (cur->n >= CL_MAX || cur->used + ml > CA_MAX)
		return;
	struct cline *c = &cur->l[cur->n++];
	c->prov = (uint8_t)prov;
	c->lv = (uint8_t)lv;
	c->off = (uint32_t)cur->used;
	c->len = (uint32_t)ml;
	c->big = 0;
	memcpy(cur->arena + cur->used, msg, ml);
	cur->used += ml;
	ml = 0;
}

#define APP_LINE() cl_push(PROV_APP, LV_INFO)

static void m_kts(uint64_t up_ns)
{
	mc('[');
	mus(up_ns / 1000000000ULL, 5);
	mc('.');
	muz(up_ns / 1000 % 1000000, 6);
	mc(']');
}

static uint64_t last_up_ns; /* kernel uptime of the crash's previous kernel line, if any */

static void c_exit_seq(struct inst *I, int code, const char *sig, int oom)
{
	ml = 0;
	if (sig) {
		ms(" INFO Main child exited with signal (with signal '");
		ms(sig);
		ms("', core dumped? false)");
	} else {
		ms(" INFO Main child exited normally with code: ");
		mu((uint64_t)code);
	}
	APP_LINE();
	if (oom) {
		ms(" INFO Process appears to have been OOM killed!");
		APP_LINE();
	}
	ms(" INFO Starting clean up.");
	APP_LINE();
	ms(" WARN hallpass exited, pid: ");
	mu(rr(300, 320));
	ms(", status: signal: 15 (SIGTERM)");
	APP_LINE();
	m_kts(last_up_ns ? last_up_ns + rr(300, 2500) * 1000000ULL : rr(1, 3000) * 1000000000ULL + rn(1000000000));
	last_up_ns = 0;
	ms(" reboot: Restarting system");
	APP_LINE();
	ms("machine did not have a restart policy, defaulting to restart");
	cl_push(PROV_RUNNER, LV_INFO);
	(void)I;
}

static void c_boot(struct inst *I)
{
	const struct app *A = &apps[I->app];
	m_kts(rr(45000, 70000) * 1000ULL);
	ms(" PCI: Fatal: No config space access function found");
	APP_LINE();
	ms(" INFO Starting init (commit: 15238e9)...");
	APP_LINE();
	ms(" INFO Preparing to run: `");
	ms(A->cmd);
	ms("` as ");
	ms(A->user);
	APP_LINE();
	ms(" INFO [fly api proxy] listening at /.fly/api");
	APP_LINE();
}

static const char *go_pkgs[] = {"internal/pricing", "internal/cart", "internal/api", "internal/store", "internal/worker", "pkg/feed", "internal/auth"};
static const char *go_funcs[] = {"(*Sync).apply", "(*Handler).ServeHTTP", "(*Store).Get", "decodeItems", "(*Worker).run", "(*Cache).evict", "parseToken", "(*Queue).pop"};
static const char *go_panics[] = {
	"runtime error: index out of range [%d] with length %d",
	"runtime error: invalid memory address or nil pointer dereference",
	"assignment to entry in nil map",
	"runtime error: slice bounds out of range [:%d] with capacity %d",
	"interface conversion: interface {} is nil, not string",
	"send on closed channel",
};

static void m_fmt2(const char *f)
{
	for (; *f; f++) {
		if (f[0] == '%' && f[1] == 'd') {
			mu(rr(1, 64));
			f++;
		} else
			mc(*f);
	}
}

static void m_goframe(const struct app *A, int user)
{
	if (user) {
		ms("github.com/acme/");
		ms(A->name);
		mc('/');
		const char *pkg = PICK(go_pkgs);
		ms(pkg);
		mc('.');
		ms(PICK(go_funcs));
		ms("(0xc000");
		mhex(rnd(), 6);
		ms(", {0xc000");
		mhex(rnd(), 6);
		ms(", 0x");
		mhex(rn(16), 1);
		ms("})");
		APP_LINE();
		ms("\t/app/");
		ms(pkg);
		mc('/');
		ms(PICK(words));
		ms(".go:");
		mu(rr(10, 900));
		ms(" +0x");
		mhex(rr(0x10, 0xfff), 3);
		APP_LINE();
	} else {
		static const char *rt[][2] = {
			{"net/http.(*conn).serve(0xc0000f2360, {0x9a5a38, 0xc0000a6d80})", "\t/usr/local/go/src/net/http/server.go:2039 +0x5e8"},
			{"net/http.serverHandler.ServeHTTP({0xc0001b4a80?}, {0x9a4c20?, 0xc0002d81c0?}, 0xc0001f6300?)", "\t/usr/local/go/src/net/http/server.go:3137 +0x8e"},
			{"database/sql.(*DB).connectionOpener(0xc0001ca0d0, {0xb4d6a8, 0xc0000a00a0})", "\t/usr/local/go/src/database/sql/sql.go:1246 +0x87"},
			{"internal/poll.runtime_pollWait(0x7f3c2a1e8eb0, 0x72)", "\t/usr/local/go/src/runtime/netpoll.go:345 +0x85"},
			{"sync.(*WaitGroup).Wait(0xc000012345?)", "\t/usr/local/go/src/sync/waitgroup.go:118 +0x74"},
		};
		int i = (int)rn(5);
		ms(rt[i][0]);
		APP_LINE();
		ms(rt[i][1]);
		APP_LINE();
	}
}

static void c_gopanic(struct inst *I, int fatal)
{
	const struct app *A = &apps[I->app];
	ml = 0;
	if (fatal) {
		ms(PICK(((const char *[]){"fatal error: concurrent map writes", "fatal error: concurrent map read and map write", "fatal error: all goroutines are asleep - deadlock!"})));
		APP_LINE();
	} else {
		const char *what = PICK(go_panics);
		ms("panic: ");
		m_fmt2(what);
		APP_LINE();
		if (strstr(what, "nil pointer")) {
			ms("[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x");
			mhex(rr(0x400000, 0xffffff), 6);
			mc(']');
			APP_LINE();
		}
	}
	APP_LINE(); /* empty line */
	int ngor = pm(400) ? (int)rr(2, 4) : 1;
	for (int g = 0; g < ngor; g++) {
		ms("goroutine ");
		mu(g == 0 ? rr(5, 900) : rr(1, 900));
		ms(g == 0 ? " [running]:" : PICK(((const char *[]){" [IO wait]:", " [select]:", " [chan receive]:", " [semacquire]:"})));
		APP_LINE();
		int nf = (int)rr(2, 7);
		for (int f = 0; f < nf; f++)
			m_goframe(A, f < 2 || pm(500));
		ms("created by ");
		ms(pm(500) ? "main.main in goroutine 1" : "net/http.(*Server).Serve in goroutine 1");
		APP_LINE();
		ms("\t/usr/local/go/src/net/http/server.go:3285 +0x4b4");
		APP_LINE();
		if (g + 1 < ngor)
			APP_LINE();
	}
	c_exit_seq(I, 2, NULL, 0);
}

static const char *py_files[] = {"/app/api/views.py", "/app/api/models.py", "/app/api/settings.py", "/app/worker/tasks.py",
				 "/usr/local/lib/python3.12/site-packages/django/core/handlers/base.py",
				 "/usr/local/lib/python3.12/site-packages/sqlalchemy/engine/base.py", "/app/api/serializers.py"};
static const char *py_funcs[] = {"handler", "get_queryset", "<module>", "run", "_execute_context", "validate", "dispatch", "inner"};
static const char *py_excs[] = {"KeyError: 'DATABASE_URL'", "AttributeError: 'NoneType' object has no attribute 'id'",
				"ValueError: invalid literal for int() with base 10: 'abc'",
				"sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server at \"db.internal\" (fdaa::3), port 5432 failed: Connection refused",
				"TypeError: unsupported operand type(s) for +: 'int' and 'str'",
				"ModuleNotFoundError: No module named 'pydantic_settings'",
				"django.db.utils.ProgrammingError: relation \"orders_order\" does not exist"};

static void c_python(struct inst *I)
{
	int in_server = pm(500);
	ml = 0;
	if (in_server) {
		ms("ERROR:    Exception in ASGI application");
		APP_LINE();
	}
	ms("Traceback (most recent call last):");
	APP_LINE();
	int nf = (int)rr(2, 7);
	for (int f = 0; f < nf; f++) {
		ms("  File \"");
		ms(PICK(py_files));
		ms("\", line ");
		mu(rr(3, 900));
		ms(", in ");
		ms(PICK(py_funcs));
		APP_LINE();
		ms("    ");
		ms(PICK(((const char *[]){"response = handler(request, *args, **kwargs)", "return self.session.execute(stmt)", "DATABASE_URL = os.environ[\"DATABASE_URL\"]", "user = User.objects.get(pk=user_id)", "total += item[\"price\"]", "self._handle_dbapi_exception(e, statement, parameters, cursor, context)"})));
		APP_LINE();
	}
	ms(PICK(py_excs));
	APP_LINE();
	if (!in_server)
		c_exit_seq(I, 1, NULL, 0);
}

static const char *java_frames[] = {
	"com.acme.api.OrderService.create(OrderService.kt:%d)", "com.acme.api.OrderController.post(OrderController.kt:%d)",
	"org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:%d)",
	"jakarta.servlet.http.HttpServlet.service(HttpServlet.java:%d)",
	"org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:%d)",
	"com.fasterxml.jackson.databind.ObjectMapper.readValue(ObjectMapper.java:%d)",
	"org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:%d)",
	"com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:%d)",
	"java.base/java.lang.Thread.run(Thread.java:%d)", "com.acme.worker.JobRunner.execute(JobRunner.kt:%d)"};
static const char *java_excs[] = {
	"java.lang.IllegalStateException: job %d failed permanently",
	"java.lang.NullPointerException: Cannot invoke \"String.length()\" because \"name\" is null",
	"org.springframework.dao.DataAccessResourceFailureException: unable to obtain connection",
	"java.lang.OutOfMemoryError: Java heap space",
	"com.fasterxml.jackson.databind.exc.MismatchedInputException: Cannot deserialize value of type `java.math.BigDecimal` from Object value",
	"java.net.ConnectException: Connection refused"};

static void c_java(struct inst *I)
{
	int main_thread = pm(500);
	ml = 0;
	if (main_thread)
		ms("Exception in thread \"main\" ");
	else {
		m_hms_ms();
		ms(" [http-nio-8080-exec-");
		mu(rr(1, 20));
		ms("] ERROR o.a.c.c.C.[.[.[/].[dispatcherServlet] - Servlet.service() for servlet [dispatcherServlet] threw exception");
		APP_LINE();
	}
	m_fmt2(PICK(java_excs));
	APP_LINE();
	int ncause = (int)rn(3);
	for (int c = 0; c <= ncause; c++) {
		if (c > 0) {
			ms("Caused by: ");
			m_fmt2(PICK(java_excs));
			APP_LINE();
		}
		int nf = (int)rr(3, 12);
		for (int f = 0; f < nf; f++) {
			ms("\tat ");
			m_fmt2(PICK(java_frames));
			APP_LINE();
		}
		if (c > 0) {
			ms("\t... ");
			mu(rr(2, 40));
			ms(" more");
			APP_LINE();
		}
	}
	if (main_thread)
		c_exit_seq(I, 1, NULL, 0);
}

static void c_oom(struct inst *I)
{
	const struct app *A = &apps[I->app];
	ml = 0;
	last_up_ns = rr(30, 90000) * 1000000000ULL + rn(1000000000);
	m_kts(last_up_ns);
	ms(" Out of memory: Killed process ");
	mu(I->pid);
	ms(" (");
	ms(A->bin);
	ms(") total-vm:");
	mu(rr(400000, 4000000));
	ms("kB, anon-rss:");
	mu(rr(180000, 2000000));
	ms("kB, file-rss:");
	mu(rn(9000));
	ms("kB, shmem-rss:0kB, UID:");
	ms(A->persona == P_GO ? "65534" : "1000");
	ms(" pgtables:");
	mu(rr(500, 5000));
	ms("kB oom_score_adj:0");
	APP_LINE();
	c_exit_seq(I, 0, "SIGKILL", 1);
}

static void c_nodeoom(struct inst *I)
{
	ml = 0;
	APP_LINE();
	ms("<--- Last few GCs --->");
	APP_LINE();
	APP_LINE();
	for (int i = 0; i < 2; i++) {
		mc('[');
		mu(I->pid);
		ms(":0x6a2f3c0]   ");
		mu(rr(10000, 900000));
		ms(" ms: Mark-Compact ");
		mfix1(rr(4000, 20000));
		ms(" (");
		mfix1(rr(4000, 20000));
		ms(") -> ");
		mfix1(rr(4000, 20000));
		ms(" MB, ");
		mfix3(rr(100000, 2000000));
		ms(" / 0.00 ms  (average mu = 0.112, current mu = 0.021) allocation failure; scavenge might not succeed");
		APP_LINE();
	}
	APP_LINE();
	APP_LINE();
	ms("<--- JS stacktrace --->");
	APP_LINE();
	APP_LINE();
	ms("FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory");
	APP_LINE();
	ms("----- Native stack trace -----");
	APP_LINE();
	APP_LINE();
	static const char *nf[] = {"node::OOMErrorHandler(char const*, v8::OOMDetails const&) [node]",
				   "v8::Utils::ReportOOMFailure(v8::internal::Isolate*, char const*, v8::OOMDetails const&) [node]",
				   "v8::internal::V8::FatalProcessOutOfMemory(v8::internal::Isolate*, char const*, v8::OOMDetails const&) [node]",
				   " [node]",
				   "v8::internal::Heap::CollectGarbage(v8::internal::AllocationSpace, v8::internal::GarbageCollectionReason, v8::GCCallbackFlags) [node]"};
	for (int i = 0; i < 5; i++) {
		mc(' ');
		mu((uint64_t)i + 1);
		ms(": 0x");
		mhex(rr(0xa00000, 0x1fffff0), 7);
		mc(' ');
		ms(nf[i]);
		APP_LINE();
	}
	c_exit_seq(I, 0, "SIGABRT", 0);
}

static void c_nodeerr(struct inst *I)
{
	ml = 0;
	ms("/app/dist/routes/");
	ms(PICK(words));
	ms(".js:");
	mu(rr(10, 400));
	APP_LINE();
	ms("    throw err;");
	APP_LINE();
	ms("    ^");
	APP_LINE();
	APP_LINE();
	ms(PICK(((const char *[]){"TypeError: Cannot read properties of undefined (reading 'id')", "Error: connect ECONNREFUSED 127.0.0.1:5432", "ReferenceError: fetchUser is not defined", "SyntaxError: Unexpected token '<', \"<!DOCTYPE \"... is not valid JSON"})));
	APP_LINE();
	int n = (int)rr(3, 8);
	for (int i = 0; i < n; i++) {
		ms("    at ");
		ms(PICK(((const char *[]){"handler", "Layer.handle [as handle_request]", "next", "processTicksAndRejections", "async Promise.all (index 0)", "Object.<anonymous>"})));
		ms(" (/app/dist/");
		ms(PICK(words));
		ms(".js:");
		mu(rr(1, 500));
		mc(':');
		mu(rr(1, 80));
		mc(')');
		APP_LINE();
	}
	APP_LINE();
	ms("Node.js v20.18.1");
	APP_LINE();
	c_exit_seq(I, 1, NULL, 0);
}

static void c_refused(struct inst *I)
{
	const struct app *A = &apps[I->app];
	int n = (int)rr(2, 6);
	ml = 0;
	for (int i = 0; i < n; i++) {
		if (pm(300))
			ms("[PC01] ");
		ms("instance refused connection. is your app listening on 0.0.0.0:");
		mu((uint64_t)A->port);
		ms("? make sure it is not only listening on 127.0.0.1 (hint: look at your startup logs, servers often print the address they are listening on)");
		cl_push(PROV_PROXY, LV_ERROR);
	}
	(void)I;
}

static void c_loop(struct inst *I)
{
	int n = (int)rr(2, 4);
	ml = 0;
	for (int i = 0; i < n; i++) {
		c_boot(I);
		ms("Error: failed to start: dial tcp [");
		ms(I->ip6);
		ms("]:5432: connect: connection refused");
		APP_LINE();
		c_exit_seq(I, 1, NULL, 0);
	}
	ms(pm(500) ? "machine has reached its max restart count (10)" : "machine has reached its max restart count of 10");
	cl_push(PROV_RUNNER, LV_INFO);
}

static void c_longcrash(struct inst *I)
{
	ml = 0;
	ms("Traceback (most recent call last):");
	APP_LINE();
	ms("  File \"/app/api/ingest.py\", line 88, in handle_batch");
	APP_LINE();
	ms("    payload = parse(body)");
	APP_LINE();
	ms("ValueError: could not parse payload: ");
	APP_LINE();
	cur->l[cur->n - 1].big = 2; /* message continues with ~10 MiB */
	c_exit_seq(I, 1, NULL, 0);
}

static void start_crash(int ii, int kind)
{
	struct inst *I = &insts[ii];
	cur = &crashes[nactive++];
	cur->inst = ii;
	cur->n = cur->next = 0;
	cur->used = 0;
	I->busy = 1;
	switch (kind) {
	case K_GOPANIC: c_gopanic(I, 0); break;
	case K_GOFATAL: c_gopanic(I, 1); break;
	case K_PY: c_python(I); break;
	case K_JAVA: c_java(I); break;
	case K_OOM: c_oom(I); break;
	case K_NODEOOM: c_nodeoom(I); break;
	case K_NODEERR: c_nodeerr(I); break;
	case K_REFUSED: c_refused(I); break;
	case K_LOOP: c_loop(I); break;
	default: c_longcrash(I); break;
	}
	cur->kind = kind;
	ncrash[kind]++;
}

static int pick_kind(const struct inst *I)
{
	uint32_t k = rn(100);
	if (k < 8)
		return K_OOM;
	if (k < 13)
		return K_REFUSED;
	if (k < 16)
		return K_LOOP;
	switch (apps[I->app].persona) {
	case P_GO: return k < 80 ? K_GOPANIC : K_GOFATAL;
	case P_PY: return K_PY;
	case P_JAVA: return K_JAVA;
	case P_NODE: return k < 55 ? K_NODEOOM : K_NODEERR;
	default: return k < 60 ? K_OOM : K_REFUSED;
	}
}

/* ------------------------------------------------------------ long lines */

static void emit_long_body(uint64_t target)
{
	/* JSON-ish dump or base64-ish blob, generated in chunks */
	static char chunk[65536];
	int kind = (int)rn(2);
	uint64_t done = 0;
	while (done < target) {
		size_t n = 0;
		while (n < sizeof chunk - 256) {
			if (kind == 0) {
				ml = 0;
				ms("{\"sku\":\"SKU-");
				muz(rn(100000), 5);
				ms("\",\"qty\":");
				mu(rr(1, 9));
				ms(",\"price_cents\":");
				mu(rr(99, 99999));
				ms(",\"note\":\"");
				ms(PICK(words));
				ms("\"},");
			} else {
				static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
				ml = 0;
				for (int i = 0; i < 64; i++)
					mc(b64[rnd() & 63]);
			}
			memcpy(chunk + n, msg, ml);
			n += ml;
		}
		if (done + n > target)
			n = (size_t)(target - done);
		emit_body(chunk, n);
		done += n;
	}
}

static void emit_long_line(struct inst *I, uint64_t target)
{
	emit_prefix(I, PROV_APP, LV_INFO);
	emit_body("DEBUG request body: [", 21);
	emit_long_body(target);
	emit_body("]", 1);
	emit_suffix();
}

/* ------------------------------------------------------------ main */

static uint64_t parse_size(const char *s)
{
	char *e;
	double v = strtod(s, &e);
	uint64_t m = 1;
	switch (*e) {
	case 'k': case 'K': m = 1ULL << 10; e++; break;
	case 'm': case 'M': m = 1ULL << 20; e++; break;
	case 'g': case 'G': m = 1ULL << 30; e++; break;
	case 't': case 'T': m = 1ULL << 40; e++; break;
	}
	if (*e == 'i' || *e == 'B')
		e++;
	if (*e == 'B')
		e++;
	if (v <= 0 || *e) {
		fprintf(stderr, "gen-corpus: bad size '%s'\n", s);
		exit(2);
	}
	return (uint64_t)(v * (double)m);
}

static void usage(void)
{
	fputs("usage: gen-corpus [--format text|nats] [--size 1G] [--seed N] [--instances N]\n"
	      "                  [--long-lines] [--long-every SIZE] [--manifest FILE] OUT\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	uint64_t size = 1ULL << 30, seed = 1, long_every = 64ULL << 20, long_size = 10ULL << 20;
	int ninstances = 200, long_lines = 0;
	const char *out = NULL, *man = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--format") && v) {
			if (!strcmp(v, "text"))
				fmt_nats = 0;
			else if (!strcmp(v, "nats") || !strcmp(v, "ndjson") || !strcmp(v, "json"))
				fmt_nats = 1;
			else
				usage();
			i++;
		} else if (!strcmp(a, "--size") && v) {
			size = parse_size(v);
			i++;
		} else if (!strcmp(a, "--seed") && v) {
			seed = strtoull(v, NULL, 10);
			i++;
		} else if (!strcmp(a, "--instances") && v) {
			ninstances = atoi(v);
			if (ninstances < 1 || ninstances > 10000000)
				usage();
			i++;
		} else if (!strcmp(a, "--long-lines")) {
			long_lines = 1;
		} else if (!strcmp(a, "--long-every") && v) {
			long_every = parse_size(v);
			i++;
		} else if (!strcmp(a, "--manifest") && v) {
			man = v;
			i++;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage();
		} else if (a[0] == '-' && a[1]) {
			usage();
		} else if (!out) {
			out = a;
		} else
			usage();
	}
	if (!out)
		usage();

	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		rng_s[i] = splitmix(&x);
	jesc_init();
	obuf = malloc(OBUF);
	if (!obuf) {
		perror("gen-corpus");
		return 1;
	}
	ofd = !strcmp(out, "-") ? 1 : open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (ofd < 0) {
		fprintf(stderr, "gen-corpus: %s: %s\n", out, strerror(errno));
		return 1;
	}
	if (man && !(manifest = fopen(man, "w"))) {
		fprintf(stderr, "gen-corpus: %s: %s\n", man, strerror(errno));
		return 1;
	}

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);

	make_world(ninstances);
	now_ns = 3 * 3600ULL * 1000000000ULL + 40 * 60ULL * 1000000000ULL; /* 03:40:00 */

	uint64_t next_long = 4ULL << 20;
	/* about 1 crash start per 7000 ordinary lines: ~0.2 % crash lines */
	const uint32_t crash_one_in = 7000;

	while (total_bytes + olen < size) {
		advance_time();
		if (long_lines && total_bytes + olen >= next_long) {
			next_long += long_every;
			int ii = (int)rn((uint32_t)ninst);
			if (!insts[ii].busy && nactive < ACTIVE_MAX && pm(333)) {
				start_crash(ii, K_LONG);
			} else {
				emit_long_line(&insts[ii], long_size);
				continue;
			}
		}
		if (nactive && rn(100) < 35) {
			int c = (int)rn((uint32_t)nactive);
			struct crash *C = &crashes[c];
			struct cline *L = &C->l[C->next++];
			struct inst *I = &insts[C->inst];
			if (manifest && C->next == 1)
				fprintf(manifest, "%llu\t%s.%09lluZ\t%s\t%s\t%s\n", (unsigned long long)total_lines + 1, tsec(),
					(unsigned long long)(now_ns % 1000000000ULL), apps[I->app].name, I->id, kind_name[C->kind]);
			emit_prefix(I, L->prov, L->lv);
			emit_body(C->arena + L->off, L->len);
			if (L->big)
				emit_long_body(long_size);
			emit_suffix();
			crash_lines++;
			if (C->next >= C->n) {
				I->busy = 0;
				crashes[c] = crashes[--nactive];
			}
			continue;
		}
		int ii = (int)rn((uint32_t)ninst);
		for (int tries = 0; insts[ii].busy && tries < 8; tries++)
			ii = (int)rn((uint32_t)ninst);
		if (insts[ii].busy)
			continue;
		if (nactive < ACTIVE_MAX && rn(crash_one_in) == 0) {
			start_crash(ii, pick_kind(&insts[ii]));
			continue;
		}
		int prov, lv;
		ord_line(&insts[ii], &prov, &lv);
		emit(&insts[ii], prov, lv, msg, ml);
	}
	oflush();
	if (ofd != 1)
		close(ofd);
	if (manifest)
		fclose(manifest);

	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	fprintf(stderr, "gen-corpus: %s: %llu bytes, %llu lines, %llu crash lines (%.3f%%), %.2fs (%.0f MB/s)\n", out,
		(unsigned long long)total_bytes, (unsigned long long)total_lines, (unsigned long long)crash_lines,
		total_lines ? 100.0 * (double)crash_lines / (double)total_lines : 0.0, secs,
		secs > 0 ? (double)total_bytes / 1e6 / secs : 0.0);
	fprintf(stderr, "gen-corpus: crashes:");
	for (int k = 0; k < NKIND; k++)
		if (ncrash[k])
			fprintf(stderr, " %s=%llu", kind_name[k], (unsigned long long)ncrash[k]);
	fputc('\n', stderr);
	return 0;
}

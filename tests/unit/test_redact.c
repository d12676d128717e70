/* redact.c - unit tests for src/redact.c: real-format (fake) secrets of
 * every built-in kind are replaced with the right pseudonym, pseudonyms are
 * stable per key and differ between keys, redaction is idempotent, PEM
 * blocks spanning lines are covered, user patterns work, and ordinary log
 * lines are left alone (the false-redaction rate is measured on
 * tests/data/benign.log and contrib/samples and printed).
 *
 * Every fake secret holds "ZQX", so a leak is a simple substring test. */
#include "redact.h"
#include "fsutil.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
	const char *kind, *line;
} samples[] = {
	{ "fly-token", "curl -H 'Authorization: FlyV1 fm2_lJPECAAAAAAAAMgtxBBYZQXfakeTokenAbCdEf0123456789==,fm2_lJPETGhpcyBpcyBub3QgYSByZWFsIHRva2VuZQX=' https://api.machines.dev/v1/apps" },
	{ "fly-macaroon", "FLY_API_TOKEN=fo1_ZQXabcdefghijklmnopqrstuvwx0123456789_-AB" },
	{ "fly-macaroon", "using token fm1r_ZQXaBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 for deploy" },
	{ "bearer", "GET /v1/orders Authorization: Bearer ZQXabc123def456ghi789jkl0" },
	{ "github-token", "git clone https://x-access-token:ghs_ZQXa1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q@github.com/acme/shop" },
	{ "github-token", "export GITHUB_TOKEN=ghp_ZQX1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7" },
	{ "github-token", "token github_pat_11ABCDEFG0ZQX1234567890_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ012" },
	{ "slack-token", "slack: posting with xoxb-123456789012-1234567890123-ZQXabcdefghijklmnopqrst" },
	{ "slack-webhook", "notify: POST https://hooks.slack.com/services/T0ZQX0000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX failed: 404" },
	{ "aws-access-key", "botocore: using AKIAZQXEXAMPLE123456 in us-east-1" },
	{ "aws-secret-key", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYZQXEXAMPLE" },
	{ "aws-secret-key", "{\"AWS_SECRET_ACCESS_KEY\": \"ZQXalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKY\"}" },
	{ "gcp-private-key", "{\"type\": \"service_account\", \"private_key_id\": \"abc\", \"private_key\": \"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCZQX\\n-----END PRIVATE KEY-----\\n\", \"client_email\": \"x@y.iam.gserviceaccount.com\"}" },
	{ "gcp-api-key", "maps: key=AIzaSyZQX0123456789abcdefghijklmnopqrst rejected" },
	{ "stripe-key", "stripe.api_key = 'sk_live_ZQX51H8abcdefghijklmnopqrstuv'" },
	{ "stripe-key", "restricted rk_live_ZQX51H8abcdefghijklmnop in use" },
	{ "openai-key", "OPENAI_API_KEY=sk-proj-ZQXabcdefghijklmnopqrstuvwxyz0123456789_-ABCDEF" },
	{ "openai-key", "openai.error.AuthenticationError: Incorrect API key provided: sk-ZQXabcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ" },
	{ "anthropic-key", "x-api-key: sk-ant-api03-ZQXabcdefghijklmnopqrstuvwxyz0123456789-_abcdefAA" },
	{ "jwt", "auth: rejected eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IlpRWCJ9.ZQXsignaturepartabcdef123456 (expired)" },
	{ "private-key", "key: -----BEGIN RSA PRIVATE KEY-----MIIEowIBAAKCAQEAZQXabc-----END RSA PRIVATE KEY-----" },
	{ "url-password", "connecting to postgres://shop:ZQXpassw0rd@db.internal:5432/shop" },
	{ "url-password", "redis: dial redis://:ZQXredisPw9@cache.internal:6379/0 failed" },
	{ "password", "login attempt password=ZQXhunter2 user=bob" },
	{ "password", "{\"user\":\"bob\",\"password\":\"ZQX correct horse\"}" },
	{ "password", "DB_PASSWORD=ZQXs3cret" },
	{ "password", "password: ZQXpw1234" },
	{ "secret", "client_secret=ZQXabcdef123&grant_type=client_credentials" },
	{ "token", "GET /reset?token=ZQX8f7a6b5c&user=3" },
	{ "api-key", "X-Api-Key: ZQXk3y-9f8e7d6c" },
	{ "api-key", "api_key=ZQXabcdef" },
	{ "acme-key", "license acme-ZQX0123456789abcdef0123456789abcdef ok" },
};

/* Lines of a file; returns how many were changed by redaction. */
static int
measure(struct redactor *rx, const char *path, int *lines, int show)
{
	size_t n;
	char *s = fs_read_file(path, 64 << 20, &n);
	int changed = 0;

	*lines = 0;
	if (!s)
		return -1;
	for (char *p = s; p < s + n;) {
		char *e = memchr(p, '\n', (size_t)(s + n - p));
		size_t len = e ? (size_t)(e - p) : (size_t)(s + n - p);
		struct sbuf o;
		sbuf_init(&o);
		if (rx_text(rx, p, len, &o, NULL) > 0) {
			changed++;
			if (show)
				printf("# changed: %s\n", o.s);
		}
		sbuf_release(&o);
		(*lines)++;
		p += len + 1;
	}
	free(s);
	return changed;
}

int
main(void)
{
	unsigned char k1[RX_KEYLEN] = "0123456789abcdef";
	unsigned char k2[RX_KEYLEN] = "fedcba9876543210";
	struct redactor *rx = rx_new(k1), *rx2 = rx_new(k2);
	struct sbuf err, o;
	char *a, *b, *c;
	int st;

	sbuf_init(&err);
	T_OK(rx_add(rx, "acme-key", "\\bacme-[A-Za-z0-9]{35}\\b", &err) == 0,
	    "user pattern added");
	T_OK(rx_add(rx, "Bad Kind", "x", &err) < 0, "bad kind refused");
	T_OK(rx_add(rx, "ok", "(unclosed", &err) < 0, "bad pattern refused");

	for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
		char want[64];
		a = rx_dup(rx, samples[i].line, NULL);
		snprintf(want, sizeof want, "[REDACTED:%s:", samples[i].kind);
		T_OK(!strstr(a, "ZQX") && strstr(a, want), "%s: %s", samples[i].kind,
		    a);
		b = rx_dup(rx, a, NULL);
		T_STR(b, a, "%s: redacting again changes nothing", samples[i].kind);
		free(a);
		free(b);
	}

	/* stable per key, different across keys, different secrets differ */
	a = rx_dup(rx, "token ghp_ZQX1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7", NULL);
	b = rx_dup(rx, "again ghp_ZQX1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7", NULL);
	c = rx_dup(rx2, "again ghp_ZQX1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7", NULL);
	T_STR(strchr(a, '['), strchr(b, '['), "same secret, same pseudonym");
	T_OK(strcmp(strchr(b, '['), strchr(c, '[')) != 0,
	    "another key, another pseudonym");
	free(a);
	free(b);
	free(c);
	a = rx_dup(rx, "ghp_ZQX1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P8", NULL);
	b = rx_dup(rx, "ghp_ZQX1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7", NULL);
	T_OK(strcmp(a, b) != 0, "different secrets, different pseudonyms");
	free(a);
	free(b);

	/* a PEM block over several lines (a crash's lines array) */
	const char *pem[] = { "loading key", "-----BEGIN EC PRIVATE KEY-----",
		"MHcCAQEEIZQXabcdefghijklmnopqrstuvwxyz0123456789", "oAoGCCqGSM49ZQX",
		"-----END EC PRIVATE KEY----- done", "next line" };
	st = 0;
	int leaks = 0;
	sbuf_init(&o);
	for (int i = 0; i < 6; i++) {
		sbuf_reset(&o);
		rx_text(rx, pem[i], strlen(pem[i]), &o, &st);
		leaks += strstr(o.s, "ZQX") != NULL;
		if (i == 4)
			T_OK(strstr(o.s, " done") != NULL, "text after END kept: %s",
			    o.s);
		if (i == 5)
			T_STR(o.s, "next line", "block state ends after END");
	}
	T_OK(leaks == 0 && st == 0, "multi-line PEM block redacted");
	sbuf_release(&o);

	/* ordinary lines stay */
	const char *keep[] = {
		"token: expired", "missing secret: DATABASE_URL",
		"commit 3f786850e387550fdab836ed7e6dc881de23001b",
		"GET /api/v1/tokens 200 12ms", "password authentication failed for "
		"user \"shop\"", "http://shop.fly.dev:8080/checkout?id=42",
		"sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		"max_tokens=800", "session 8b1a9953c4611296a827abf8c47804d7 refreshed",
	};
	for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
		a = rx_dup(rx, keep[i], NULL);
		T_STR(a, keep[i], "kept: %s", keep[i]);
		free(a);
	}

	/* the false-redaction rate on ordinary logs */
	const char *files[] = { "tests/data/diagnose/benign-redact.log",
		"tests/data/benign.log", "contrib/samples/shop.log",
		"contrib/samples/api.ndjson", "contrib/samples/worker.log" };
	int total = 0, changed = 0;
	for (int i = 0; i < 5; i++) {
		int lines, ch = measure(rx, files[i], &lines, 1);
		T_OK(ch >= 0, "read %s", files[i]);
		if (ch < 0)
			continue;
		printf("# %s: %d of %d lines changed\n", files[i], ch, lines);
		total += lines;
		changed += ch;
	}
	printf("# false redactions: %d of %d ordinary lines (%.2f%%)\n", changed,
	    total, total ? 100.0 * changed / total : 0);
	T_OK(changed == 0, "no false redactions on %d lines", total);

	/* a bare "[REDACTED:" in a log line is not a pseudonym: what follows
	 * is still redacted (fuzz_redact found it hiding the secrets after
	 * it), and redacting the result again still changes nothing */
	{
		static const char *const fake[] = {
			"password=Q[REDACTED:,TOKEN=ZQXtok3n99",
			"oops [REDACTED: then DB_PASSWORD=ZQXs3cret",
			"[REDACTED:x:12345] password=ZQXhunter2",
			"password=[REDACTED:ZQXhunter2",
			/* the key name starts inside a Stripe key: its value is a
			 * secret too, also after the key is replaced */
			"sk_live_52H8abbdkqrstuUB_TOKEN=ZQXg0a",
			/* a URL password only once the token in it is replaced */
			"is://:,fm2_lJPEyBZQXub3n1/aPw9@",
		};
		for (size_t i = 0; i < sizeof fake / sizeof *fake; i++) {
			a = rx_dup(rx, fake[i], NULL);
			b = rx_dup(rx, a, NULL);
			T_OK(!strstr(a, "ZQX"), "fuzz_redact's finds: redacted (%s)", a);
			T_STR(b, a, "fuzz_redact's finds: redacting again changes "
			    "nothing");
			free(a);
			free(b);
		}
	}

	/* the key file: created 0600 once, then reused */
	char dir[] = "/tmp/redact-key-XXXXXX";
	unsigned char f1[RX_KEYLEN], f2[RX_KEYLEN];
	struct stat;
	T_OK(mkdtemp(dir) != NULL, "temp dir");
	T_OK(rx_load_key(dir, f1, &err) == 0, "key created");
	T_OK(rx_load_key(dir, f2, &err) == 0 && !memcmp(f1, f2, RX_KEYLEN),
	    "key reused");
	char path[64];
	snprintf(path, sizeof path, "%s/redact.key", dir);
	T_OK(access(path, R_OK) == 0, "key file exists");
	unlink(path);
	rmdir(dir);

	sbuf_release(&err);
	rx_free(rx);
	rx_free(rx2);
	return t_done();
}

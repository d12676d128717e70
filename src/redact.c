/* redact.c - see redact.h.
 *
 * All patterns are tried from the current position; the match whose
 * secret starts first wins, ties going to the pattern listed first (so a
 * specific kind such as github-token beats the generic bearer one). Text
 * already inside a "[REDACTED:...]" pseudonym is skipped, so redacting
 * twice changes nothing. */
#include "redact.h"
#include "fsutil.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define RX_MATCH_LIMIT 100000
#define RX_DEPTH_LIMIT 1000
#define RX_MAX_PATTERNS 256

struct rxpat {
	char kind[33];
	pcre2_code *code;
	pcre2_match_data *md;
	int pem;                 /* a PEM block that may stay open */
	/* per-text search cache */
	size_t ms, me, ss, se;   /* match and secret spans */
	int state;               /* 0 unknown, 1 found, 2 none after `from` */
	size_t from;
};

struct redactor {
	unsigned char key[RX_KEYLEN];
	struct rxpat *p;
	int n;
	pcre2_match_context *mctx;
	unsigned long count, limit_hits;
};

/* Key words of the key=value forms (PCRE2, lower case, used with (?i)). */
#define K_PASSWORD "[a-z0-9_]*pass(?:word|wd)|[a-z0-9]+_pass"
#define K_SECRET "[a-z0-9_]*secret(?:_?key(?:_base)?|_access_key)?"
#define K_TOKEN "[a-z0-9_]*token|x-auth-token"
#define K_APIKEY "[a-z0-9_]*api[_-]?key|x-api-key|apikey"
/* placeholders are not secrets: token=***, api_key=none */
#define PLACEHOLDER \
	"(?!(?i:none|null|nil|true|false|undefined|redacted|hidden|masked|" \
	"empty|unset|changeme|x+|\\*+)(?:[\\s\"'&,;<>]|$))"
/* one of our pseudonyms: a value already redacted (a bare "[REDACTED:"
 * is not one: the text after it is still scanned) */
#define PSEUDONYM "\\[REDACTED:[^\\]\\s]+:[0-9a-f]{6}\\]"
/* value after `key=` (optionally quoted), after `"key": "`, or after a bare
 * `key: ` where the value must look machine-made (a digit, + / =, or
 * mixed case) so that "token: expired" and "secret: DATABASE_URL" stay */
#define KV(k) \
	"(?<![A-Za-z0-9_])(?i:" k ")(?:\\s*=\\s*[\"']?|[\"']\\s*[:=]\\s*[\"'])" \
	"(?!" PSEUDONYM ")" PLACEHOLDER "([^\\s\"'&,;<>]{3,})"
#define KVBARE(k) \
	"(?<![A-Za-z0-9_])(?i:" k ")\\s*:\\s+(?!" PSEUDONYM ")" \
	"(?=[^\\s\"'&,;]*[0-9+/=]|[^\\s\"'&,;]*[a-z][^\\s\"'&,;]*[A-Z]|" \
	"[^\\s\"'&,;]*[A-Z][^\\s\"'&,;]*[a-z])([^\\s\"'&,;<>]{8,})"

static const struct {
	const char *kind, *re;
} builtin[] = {
	{ "gcp-private-key",
	  "\"private_key\"\\s*:\\s*\"(-----BEGIN[^\"]{16,})\"" },
	{ "private-key",
	  "-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:[\\s\\S]*?"
	  "-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|[\\s\\S]*)" },
	{ "gcp-key-id", "\"private_key_id\"\\s*:\\s*\"([0-9a-f]{40})\"" },
	{ "fly-token", "\\bFlyV1\\s+[A-Za-z0-9+/=_,.-]{16,}" },
	{ "fly-macaroon",
	  "\\bf[mo][12][ar]?_[A-Za-z0-9+/=_-]{16,}"
	  "(?:,f[mo][12][ar]?_[A-Za-z0-9+/=_-]{16,})*" },
	{ "anthropic-key", "\\bsk-ant-[A-Za-z0-9_-]{20,}" },
	{ "openai-key",
	  "\\bsk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,}"
	  "|\\bsk-[A-Za-z0-9]{32,}(?![A-Za-z0-9_-])" },
	{ "stripe-key",
	  "\\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|\\bwhsec_[A-Za-z0-9]{24,}" },
	{ "github-token",
	  "\\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}(?![A-Za-z0-9_])"
	  "|\\bgithub_pat_[A-Za-z0-9_]{20,}" },
	{ "slack-token", "\\bxox[abposre]-[A-Za-z0-9-]{10,}|\\bxapp-[0-9]-[A-Za-z0-9-]{10,}" },
	{ "slack-webhook", "hooks\\.slack\\.com/(services/[A-Za-z0-9_/-]{16,})" },
	{ "aws-access-key",
	  "\\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}"
	  "(?![A-Za-z0-9])" },
	{ "aws-secret-key",
	  "(?i:aws_?secret_?access_?key|aws_?secret_?key|secret_?access_?key)"
	  "[\"']?\\s*[:=]\\s*[\"']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])" },
	{ "gcp-api-key", "\\bAIza[0-9A-Za-z_-]{35}" },
	{ "jwt",
	  "\\beyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{16,}" },
	{ "bearer", "\\b(?i:bearer)\\s+([A-Za-z0-9._~+/-]{16,}=*)"
	  "(?![A-Za-z0-9._~+/=-])" },
	{ "basic-auth",
	  "(?i)\\bauthorization[\"']?\\s*[:=]\\s*[\"']?(?:basic|token)\\s+"
	  "([A-Za-z0-9._~+/=-]{8,})" },
	{ "url-password",
	  "\\b[A-Za-z][A-Za-z0-9+.-]{1,20}://[^/\\s:@\"'<>]*:([^/\\s@\"'<>]+)@" },
	{ "password", KV(K_PASSWORD) },
	{ "secret", KV(K_SECRET) },
	{ "token", KV(K_TOKEN) },
	{ "api-key", KV(K_APIKEY) },
	{ "password", KVBARE(K_PASSWORD) },
	{ "secret", KVBARE(K_SECRET) },
	{ "token", KVBARE(K_TOKEN) },
	{ "api-key", KVBARE(K_APIKEY) },
};

/* SipHash-2-4 (Aumasson, Bernstein), 64-bit output. */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do { \
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
} while (0)

static uint64_t
le64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

uint64_t
rx_siphash(const unsigned char *key, const void *data, size_t n)
{
	const unsigned char *p = data;
	uint64_t k0 = le64(key), k1 = le64(key + 8);
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
	uint64_t b = (uint64_t)n << 56, m;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		m = le64(p + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; i + j < n; j++)
		b |= (uint64_t)p[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

struct redactor *
rx_new(const unsigned char *key)
{
	struct redactor *rx = xcalloc(1, sizeof *rx);
	struct sbuf err;

	memcpy(rx->key, key, RX_KEYLEN);
	rx->mctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(rx->mctx, RX_MATCH_LIMIT);
	pcre2_set_depth_limit(rx->mctx, RX_DEPTH_LIMIT);
	sbuf_init(&err);
	for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++)
		if (rx_add(rx, builtin[i].kind, builtin[i].re, &err)) {
			/* a bug: the built-in patterns are tested */
			sbuf_release(&err);
			rx_free(rx);
			return NULL;
		}
	/* builtin[1] is the PEM block, which may continue on the next line */
	rx->p[1].pem = 1;
	sbuf_release(&err);
	return rx;
}

void
rx_free(struct redactor *rx)
{
	if (!rx)
		return;
	for (int i = 0; i < rx->n; i++) {
		pcre2_code_free(rx->p[i].code);
		pcre2_match_data_free(rx->p[i].md);
	}
	free(rx->p);
	pcre2_match_context_free(rx->mctx);
	free(rx);
}

int
rx_add(struct redactor *rx, const char *kind, const char *re,
    struct sbuf *err)
{
	size_t kl = strlen(kind), off;
	int ec;
	pcre2_code *code;

	if (kl == 0 || kl > 32 || strspn(kind, "abcdefghijklmnopqrstuvwxyz"
	    "0123456789-") != kl) {
		sbuf_addf(err, "bad kind '%s' (want [a-z0-9-]{1,32})", kind);
		return -1;
	}
	if (rx->n >= RX_MAX_PATTERNS) {
		sbuf_addf(err, "too many patterns (at most %d)", RX_MAX_PATTERNS);
		return -1;
	}
	code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, 0, &ec, &off,
	    NULL);
	if (!code) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(ec, msg, sizeof msg);
		sbuf_addf(err, "bad pattern: %s at offset %zu", (char *)msg, off);
		return -1;
	}
	(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	rx->p = xrealloc(rx->p, (size_t)(rx->n + 1) * sizeof *rx->p);
	struct rxpat *p = &rx->p[rx->n++];
	memset(p, 0, sizeof *p);
	memcpy(p->kind, kind, kl + 1);
	p->code = code;
	p->md = pcre2_match_data_create_from_pattern(code, NULL);
	return 0;
}

int
rx_add_file(struct redactor *rx, const char *path, struct sbuf *err)
{
	size_t n;
	char *buf = fs_read_file(path, 1 << 20, &n), *line, *save = NULL;
	int lineno = 0;

	if (!buf) {
		sbuf_addf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (line = strtok_r(buf, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		/* strtok_r skips empty lines, so count them from the offsets */
		lineno = 1;
		for (char *q = buf; q < line; q++)
			lineno += *q == '\n' || *q == '\0';
		line[strcspn(line, "\r")] = '\0';
		char *s = line + strspn(line, " \t");
		if (!*s || *s == '#')
			continue;
		size_t kl = strcspn(s, " \t");
		char *re = s + kl + strspn(s + kl, " \t");
		if (!s[kl] || !*re) {
			sbuf_addf(err, "%s:%d: want 'kind pattern'", path, lineno);
			free(buf);
			return -1;
		}
		s[kl] = '\0';
		struct sbuf e;
		sbuf_init(&e);
		if (rx_add(rx, s, re, &e)) {
			sbuf_addf(err, "%s:%d: %s", path, lineno, e.s);
			sbuf_release(&e);
			free(buf);
			return -1;
		}
		sbuf_release(&e);
	}
	free(buf);
	return 0;
}

static void
pseudonym(struct redactor *rx, const char *kind, const char *s, size_t n,
    struct sbuf *out)
{
	uint64_t h = rx_siphash(rx->key, s, n);
	sbuf_addf(out, "[REDACTED:%s:%06llx]", kind,
	    (unsigned long long)(h >> 40));
	rx->count++;
}

/* The length of the pseudonym "[REDACTED:KIND:hhhhhh]" at s[j], or 0
 * when there is none. Only a whole one counts: a bare "[REDACTED:" in a
 * log line hid the secrets after it (found by tests/fuzz/fuzz_redact:
 * "password=Q[REDACTED:,TOKEN=IT7" kept the token). */
static size_t
pseudonym_at(const char *s, size_t n, size_t j)
{
	size_t k = j + 10;

	if (n - j < 10 || memcmp(s + j, "[REDACTED:", 10))
		return 0;
	while (k < n && k - j < 64 && s[k] != ']' && s[k] != ' ' &&
	    s[k] != '\t' && s[k] != '\n' && s[k] != '\r')
		k++;
	if (k >= n || s[k] != ']' || k - j < 10 + 1 + 7 || s[k - 7] != ':')
		return 0;
	for (size_t h = k - 6; h < k; h++)
		if (!((s[h] >= '0' && s[h] <= '9') || (s[h] >= 'a' && s[h] <= 'f')))
			return 0;
	return k + 1 - j;
}

/* Is position i of s[0..n) inside a "[REDACTED:...]" pseudonym? */
static int
in_pseudonym(const char *s, size_t n, size_t i)
{
	size_t lo = i > 64 ? i - 64 : 0;

	for (size_t j = i; j-- > lo;) {
		if (s[j] == ']')
			return 0;
		if (s[j] == '[') {
			size_t l = pseudonym_at(s, n, j);
			return l && i < j + l;
		}
	}
	return 0;
}

/* Find pattern p's next match at or after `from`; 1 found, 0 none, -1
 * match limit. */
static int
find(struct redactor *rx, struct rxpat *p, const char *s, size_t n,
    size_t from)
{
	for (;;) {
		int rc = pcre2_match(p->code, (PCRE2_SPTR)s, n, from, 0, p->md,
		    rx->mctx);
		if (rc == PCRE2_ERROR_NOMATCH)
			return 0;
		if (rc < 0)
			return -1;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(p->md);
		p->ms = ov[0];
		p->me = ov[1];
		if (rc > 1 && ov[2] != PCRE2_UNSET) {
			p->ss = ov[2];
			p->se = ov[3];
		} else {
			p->ss = ov[0];
			p->se = ov[1];
		}
		if (p->se > p->ss && !in_pseudonym(s, n, p->ss) &&
		    !pseudonym_at(s, n, p->ss))
			return 1;
		from = p->me > from ? p->me : from + 1;
		if (from > n)
			return 0;
	}
}

static int
one_pass(struct redactor *rx, const char *s, size_t n, struct sbuf *out,
    int *state)
{
	size_t pos = 0, start = out->len;
	unsigned long before = rx->count;

	/* an open PEM block from the previous line: everything up to its END
	 * line (or the whole text) is key material */
	if (state && *state) {
		const char *end = memmem(s, n, "-----END", 8);
		const char *close = end ? memmem(end, n - (size_t)(end - s),
		    "KEY", 3) : NULL;
		const char *dash = close ? memmem(close, n - (size_t)(close - s),
		    "-----", 5) : NULL;
		if (!dash) {
			pseudonym(rx, "private-key", s, n, out);
			return (int)(rx->count - before);
		}
		pos = (size_t)(dash + 5 - s);
		pseudonym(rx, "private-key", s, pos, out);
		*state = 0;
	}
	for (int i = 0; i < rx->n; i++)
		rx->p[i].state = 0;
	while (pos < n) {
		struct rxpat *best = NULL;
		for (int i = 0; i < rx->n; i++) {
			struct rxpat *p = &rx->p[i];
			if (p->state == 2)
				continue;
			/* a match whose secret lies after pos still stands, also
			 * when its context (a key name) held the secret just
			 * replaced: searching again from pos would miss it (found
			 * by tests/fuzz/fuzz_redact: "sk_live_...UB_TOKEN=g0a"
			 * kept g0a, the key's start being inside the Stripe key) */
			if (p->state == 0 || p->ss < pos) {
				int rc = find(rx, p, s, n, pos);
				if (rc < 0) {
					/* fail closed: nothing of this text leaves */
					rx->limit_hits++;
					out->len = start;
					sbuf_add(out, "", 0);
					pseudonym(rx, "unscannable", s, n, out);
					return (int)(rx->count - before);
				}
				p->state = rc ? 1 : 2;
				if (!rc)
					continue;
			}
			if (!best || p->ss < best->ss)
				best = p;
		}
		if (!best)
			break;
		sbuf_add(out, s + pos, best->ss - pos);
		pseudonym(rx, best->kind, s + best->ss, best->se - best->ss, out);
		if (best->pem && state && !memmem(s + best->ms, best->me - best->ms,
		    "-----END", 8))
			*state = 1;
		pos = best->se;
		if (best->me > pos && best->se == best->me)
			pos = best->me;
	}
	if (pos < n)
		sbuf_add(out, s + pos, n - pos);
	else
		sbuf_add(out, "", 0);
	return (int)(rx->count - before);
}

/* A replacement can let another pattern match around it: "is://:ab,fm2_
 * x/y@" holds no URL password (no '/' in one) until the Fly token in it
 * becomes a pseudonym. So the result is scanned again until nothing more
 * is found (a few times at most), and redacting it again replaces
 * nothing (found by tests/fuzz/fuzz_redact). Text without secrets is
 * scanned once. */
int
rx_text(struct redactor *rx, const char *s, size_t n, struct sbuf *out,
    int *state)
{
	size_t start = out->len;
	int total = one_pass(rx, s, n, out, state);

	for (int k = 0, c = total; c > 0 && k < 4; k++) {
		struct sbuf again;
		sbuf_init(&again);
		c = one_pass(rx, out->s + start, out->len - start, &again, NULL);
		if (c > 0) {
			out->len = start;
			sbuf_add(out, again.s, again.len);
			total += c;
		}
		sbuf_release(&again);
	}
	return total;
}

char *
rx_dup(struct redactor *rx, const char *s, int *state)
{
	struct sbuf b;
	sbuf_init(&b);
	rx_text(rx, s, strlen(s), &b, state);
	return b.s;
}

unsigned long
rx_count(const struct redactor *rx)
{
	return rx->count;
}

unsigned long
rx_limit_hits(const struct redactor *rx)
{
	return rx->limit_hits;
}

static int
unhex(const char *s, unsigned char *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v = 0;
		for (int k = 0; k < 2; k++) {
			char c = s[2 * i + k];
			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (unsigned)(c - 'a' + 10);
			else
				return -1;
		}
		out[i] = (unsigned char)v;
	}
	return 0;
}

int
rx_load_key(const char *dir, unsigned char *key, struct sbuf *err)
{
	struct sbuf path;
	unsigned char raw[32];
	char hex[66];
	size_t n;
	char *s;
	int rc = -1;

	sbuf_init(&path);
	sbuf_addf(&path, "%s/redact.key", dir);
	if (fs_mkdirs(dir) < 0) {
		sbuf_addf(err, "%s: %s", dir, strerror(errno));
		goto out;
	}
	if ((s = fs_read_file(path.s, 4096, &n))) {
		if (n < 2 * RX_KEYLEN || unhex(s, key, RX_KEYLEN))
			sbuf_addf(err, "%s: not a key (want 64 hex digits)", path.s);
		else
			rc = 0;
		free(s);
		goto out;
	}
	if (errno != ENOENT) {
		sbuf_addf(err, "%s: %s", path.s, strerror(errno));
		goto out;
	}
	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
		sbuf_addf(err, "getrandom: %s", strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	hex[64] = '\n';
	/* O_EXCL via link-free path: write atomically; a concurrent first
	 * start may replace it once, before any pseudonym was published */
	if (fs_write_atomic(dir, "redact.key", hex, 65, 0600) < 0) {
		sbuf_addf(err, "%s: %s", path.s, strerror(errno));
		goto out;
	}
	memcpy(key, raw, RX_KEYLEN);
	rc = 0;
out:
	sbuf_release(&path);
	return rc;
}

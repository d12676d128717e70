/* token.c - see token.h. The token is a secret that crosses three
 * boundaries (an HTTP header, a NATS CONNECT, stderr), so it is normalized
 * once here and every message can be passed through tok_redact. */
#include "token.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct token *tok_global;

static void
wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void
tok_release(struct token *t)
{
	wipe_free(t->bare);
	wipe_free(t->auth);
	wipe_free(t->header);
	memset(t, 0, sizeof *t);
}

static int
has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static int
is_macaroon(const char *s)
{
	return has_prefix(s, "fm1r_") || has_prefix(s, "fm1a_") ||
	    has_prefix(s, "fm2_");
}

int
tok_set(struct token *t, const char *s)
{
	size_t n;
	int scheme_flyv1 = 0;

	memset(t, 0, sizeof *t);
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	if (!strncmp(s, "FlyV1 ", 6)) {
		scheme_flyv1 = 1;
		s += 6;
	} else if (!strncmp(s, "Bearer ", 7)) {
		s += 7;
	}
	while (*s == ' ')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
	    s[n - 1] == '\n'))
		n--;
	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			return -1;
	t->bare = xstrndup(s, n);
	t->kind = scheme_flyv1 || is_macaroon(t->bare) ? TOK_MACAROON :
	    TOK_BEARER;
	size_t an = n + 8;
	t->auth = xmalloc(an);
	snprintf(t->auth, an, "%s %s", t->kind == TOK_MACAROON ? "FlyV1" :
	    "Bearer", t->bare);
	an = strlen(t->auth) + 16;
	t->header = xmalloc(an);
	snprintf(t->header, an, "Authorization: %s", t->auth);
	return 0;
}

int
tok_load(struct token *t, const char *file, char *err, size_t errlen)
{
	char buf[8192];
	const char *src = NULL;

	memset(t, 0, sizeof *t);
	if (file) {
		FILE *f = fopen(file, "r");
		if (!f) {
			snprintf(err, errlen, "%s: %s", file, strerror(errno));
			return -1;
		}
		if (!fgets(buf, sizeof buf, f))
			buf[0] = '\0';
		fclose(f);
		if (tok_set(t, buf) < 0) {
			explicit_bzero(buf, sizeof buf);
			snprintf(err, errlen, "%s: no usable token on the first line",
			    file);
			return -1;
		}
		explicit_bzero(buf, sizeof buf);
		return 1;
	}
	if ((src = getenv("FLY_API_TOKEN")) == NULL || !*src)
		src = getenv("FLY_ACCESS_TOKEN");
	if (!src || !*src)
		return 0;
	if (tok_set(t, src) < 0) {
		snprintf(err, errlen, "the token in the environment is not usable"
		    " (empty, or blanks or control characters inside)");
		return -1;
	}
	return 1;
}

static const char REPL[] = "[REDACTED]";
#define REPL_LEN (sizeof REPL - 1)

/* Replace s[at..at+len) of a buffer of *n bytes; returns the length of the
 * replacement so the caller can skip it. */
static size_t
replace(char *s, size_t *n, size_t at, size_t len)
{
	if (len < REPL_LEN) {
		memset(s + at, '*', len);
		return len;
	}
	memcpy(s + at, REPL, REPL_LEN);
	memmove(s + at + REPL_LEN, s + at + len, *n - at - len);
	*n -= len - REPL_LEN;
	return REPL_LEN;
}

static void
redact_literal(char *s, size_t *n, const char *p, size_t pl, int cut)
{
	size_t i = 0;

	if (pl < 4)
		return;
	while (i + pl <= *n) {
		char *hit = memmem(s + i, *n - i, p, pl);
		if (!hit)
			break;
		size_t at = (size_t)(hit - s);
		i = at + replace(s, n, at, pl);
	}
	/* a message cut in the middle of the token */
	for (size_t k = !cut ? 0 : pl - 1 < *n ? pl - 1 : *n; k >= 6; k--) {
		if (!memcmp(s + *n - k, p, k)) {
			replace(s, n, *n - k, k);
			break;
		}
	}
}

static int
tokchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '+' ||
	    c == '/' || c == '=';
}

static void
redact_patterns(char *s, size_t *n)
{
	static const char *const pfx[] = { "fm1r_", "fm1a_", "fm2_", "fo1_" };
	size_t i = 0;

	while (i < *n) {
		char *f = memchr(s + i, 'f', *n - i);
		if (!f)
			break;
		size_t at = (size_t)(f - s), pl = 0;
		for (size_t k = 0; k < sizeof pfx / sizeof *pfx; k++) {
			size_t l = strlen(pfx[k]);
			if (*n - at >= l && !memcmp(s + at, pfx[k], l)) {
				pl = l;
				break;
			}
		}
		if (!pl) {
			i = at + 1;
			continue;
		}
		size_t e = at + pl;
		while (e < *n && tokchar(s[e]))
			e++;
		if (e - at - pl < 8) {
			i = e;
			continue;
		}
		i = at + replace(s, n, at, e - at);
	}
}

static size_t
redact_own(const struct token *t, char *s, size_t n, int cut)
{
	if (t && t->bare) {
		const char *p = t->bare;
		redact_literal(s, &n, p, strlen(p), cut);
		while (strchr(p, ',')) {
			const char *c = strchr(p, ',');
			if (c > p)
				redact_literal(s, &n, p, (size_t)(c - p), cut);
			p = c + 1;
		}
		if (p != t->bare && *p)
			redact_literal(s, &n, p, strlen(p), cut);
	}
	return n;
}

size_t
tok_redact(const struct token *t, char *s, size_t n)
{
	n = redact_own(t, s, n, 1);
	redact_patterns(s, &n);
	return n;
}

size_t
tok_redact_own(const struct token *t, char *s, size_t n)
{
	return redact_own(t, s, n, 0);
}

size_t
tok_msg_filter(char *s, size_t n)
{
	return tok_redact(tok_global, s, n);
}

/* test_token.c - token kinds, header forms, redaction. */
#include "unit.h"
#include "token.h"

#include <stdlib.h>
#include <string.h>

static char buf[512];

static const char *
red(const struct token *t, const char *s)
{
	size_t n = strlen(s);
	memcpy(buf, s, n);
	n = tok_redact(t, buf, n);
	buf[n] = '\0';
	return buf;
}

int
main(void)
{
	struct token t;

	T_OK(tok_set(&t, "fm2_abc\n") == 0 && t.kind == TOK_MACAROON, "fm2_ is a macaroon");
	T_STR(t.auth, "FlyV1 fm2_abc", "FlyV1 scheme");
	T_STR(t.bare, "fm2_abc", "bare form for NATS");
	T_STR(t.header, "Authorization: FlyV1 fm2_abc", "header line");
	tok_release(&t);
	T_OK(tok_set(&t, "FlyV1 fm1r_a,fm2_b") == 0, "FlyV1 prefix accepted");
	T_STR(t.bare, "fm1r_a,fm2_b", "the NATS password loses the scheme");
	T_STR(t.auth, "FlyV1 fm1r_a,fm2_b", "the header keeps it");
	tok_release(&t);
	tok_set(&t, "fm1a_x");
	T_STR(t.auth, "FlyV1 fm1a_x", "fm1a_ is a macaroon");
	tok_release(&t);
	tok_set(&t, "fo1_oauth");
	T_STR(t.auth, "Bearer fo1_oauth", "fo1_ is Bearer");
	tok_release(&t);
	tok_set(&t, "Bearer opaque123");
	T_STR(t.auth, "Bearer opaque123", "a Bearer prefix is kept as Bearer");
	tok_release(&t);
	T_OK(tok_set(&t, "  \n") < 0, "blank is refused");
	T_OK(tok_set(&t, "fm2_a b") < 0, "inner blanks are refused");

	tok_set(&t, "fm2_SuperSecretValue123,fm2_OtherPart456789");
	T_STR(red(&t, "token fm2_SuperSecretValue123,fm2_OtherPart456789 bad"),
	    "token [REDACTED] bad", "the whole token");
	T_STR(red(&t, "x=fm2_OtherPart456789"), "x=[REDACTED]", "one of its parts");
	T_STR(red(&t, "cut: fm2_SuperSec"), "cut: [REDACTED]",
	    "a prefix cut off at the end of a message");
	T_STR(red(NULL, "Authorization: FlyV1 fm2_lkjsdf98sdfLKJ/+=x other"),
	    "Authorization: FlyV1 [REDACTED] other", "any Fly-looking token");
	T_STR(red(NULL, "fm2_ is a prefix"), "fm2_ is a prefix", "a bare prefix stays");
	T_STR(red(NULL, "nothing here"), "nothing here", "plain text stays");
	size_t n = strlen("a fm2_SuperSecretValue123 b");
	memcpy(buf, "a fm2_SuperSecretValue123 b", n);
	n = tok_redact_own(&t, buf, n);
	buf[n] = '\0';
	T_STR(buf, "a [REDACTED] b", "tok_redact_own");
	tok_release(&t);
	T_OK(t.bare == NULL, "released");

	setenv("FLY_API_TOKEN", "fm2_fromenv", 1);
	char err[128];
	T_OK(tok_load(&t, NULL, err, sizeof err) == 1 && !strcmp(t.bare, "fm2_fromenv"),
	    "FLY_API_TOKEN");
	tok_release(&t);
	unsetenv("FLY_API_TOKEN");
	setenv("FLY_ACCESS_TOKEN", "fo1_acc", 1);
	T_OK(tok_load(&t, NULL, err, sizeof err) == 1 && t.kind == TOK_BEARER,
	    "FLY_ACCESS_TOKEN");
	tok_release(&t);
	unsetenv("FLY_ACCESS_TOKEN");
	T_OK(tok_load(&t, NULL, err, sizeof err) == 0, "no token configured");
	T_OK(tok_load(&t, "/nonexistent/tok", err, sizeof err) == -1 &&
	    strstr(err, "/nonexistent/tok"), "a missing token file: %s", err);
	return t_done();
}

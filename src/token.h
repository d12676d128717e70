/* token.h - a Fly API token: where it comes from, the forms each endpoint
 * wants, and keeping it out of every byte we print.
 *
 * Fly tokens are macaroons (fm1r_, fm1a_, fm2_; `fly tokens create` prints
 * them as "FlyV1 fm2_...", possibly several joined by commas) or OAuth and
 * personal tokens (fo1_..., or older opaque strings). HTTP wants
 * "Authorization: FlyV1 <macaroons>" for macaroons and "Bearer <token>"
 * otherwise (fly-go tokens.go); NATS wants the macaroons without the
 * "FlyV1 " scheme as the password (flyctl logs/nats.go).
 *
 * Ownership: a struct token owns three strings; tok_release wipes them
 * (explicit_bzero) before freeing. Nothing here prints. */
#ifndef SH_TOKEN_H
#define SH_TOKEN_H

#include <stddef.h>

enum tok_kind {
	TOK_NONE,
	TOK_MACAROON,   /* fm1r_, fm1a_, fm2_, or given as "FlyV1 ..." */
	TOK_BEARER,     /* anything else */
};

struct token {
	enum tok_kind kind;
	char *bare;     /* without a "FlyV1 "/"Bearer " scheme: NATS password */
	char *auth;     /* the Authorization header value */
	char *header;   /* "Authorization: <auth>" for curl */
};

/* tok_set takes a token string (surrounding blanks and newlines are
 * ignored); returns 0, or -1 when it is empty or holds control characters
 * or blanks inside (which would corrupt a header). */
int tok_set(struct token *t, const char *s);

/* tok_load reads the token from `file` when not NULL (only its first line
 * counts), else from $FLY_API_TOKEN, else $FLY_ACCESS_TOKEN. Returns 1 when
 * a token was loaded, 0 when none was configured, -1 on error with a
 * message (never containing the token) in err. */
int tok_load(struct token *t, const char *file, char *err, size_t errlen);

void tok_release(struct token *t);

/* tok_redact replaces, in s[0..n), every occurrence of the token (whole or
 * any of its comma-separated parts), every string that looks like a Fly
 * token (fm1r_/fm1a_/fm2_/fo1_ followed by token characters), and a
 * token prefix of 6 or more bytes cut off at the very end of s (a message
 * truncated mid-token), with "[REDACTED]" or as many '*'. t may be NULL
 * (patterns only). Returns the new length, never more than n; s is not
 * NUL-terminated by this call. */
size_t tok_redact(const struct token *t, char *s, size_t n);

/* tok_redact_own replaces only whole occurrences of the token itself (or
 * one of its parts): cheap enough for every log line written. */
size_t tok_redact_own(const struct token *t, char *s, size_t n);

/* The process-wide token that tok_msg_filter redacts (for
 * sh_set_msg_filter); set by the program once it has loaded it. */
extern const struct token *tok_global;
size_t tok_msg_filter(char *s, size_t n);

#endif

/* redact.h - find secrets in log text and replace each with a stable,
 * keyed pseudonym "[REDACTED:kind:1a2b3c]" before anything leaves the
 * machine (diagnose's prompts, tool results, evidence and reports).
 *
 * The pseudonym is the first 24 bits of SipHash-2-4 of the secret under a
 * per-deployment key (rx_load_key), so the same secret gives the same
 * pseudonym across incidents and restarts, and nothing reversible is left.
 * Built-in kinds are listed in docs/diagnose.md; user patterns come from a
 * file (rx_add_file). Patterns are PCRE2 under match limits; when a limit
 * is hit the whole text is replaced (fail closed).
 *
 * Ownership: a struct redactor owns its patterns; rx_free releases them.
 * Output is appended to a caller's sbuf; rx_dup returns malloc'd text. */
#ifndef SH_REDACT_H
#define SH_REDACT_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define RX_KEYLEN 16

struct redactor;

/* A redactor with the built-in patterns, keyed by key[RX_KEYLEN]; NULL
 * only if a built-in pattern does not compile (a bug). */
struct redactor *rx_new(const unsigned char *key);
void rx_free(struct redactor *rx);

/* Add one pattern: kind is [a-z0-9-]{1,32}; when the pattern has a capture
 * group 1, only that group is replaced. Returns 0, or -1 with a message in
 * err. */
int rx_add(struct redactor *rx, const char *kind, const char *pattern,
    struct sbuf *err);

/* Load user patterns: one "kind PATTERN" per line ('#' comments, blank
 * lines ignored; the kind is the first word, the rest of the line the
 * PCRE2 pattern). Returns 0, or -1 with "file:line: message" in err. */
int rx_add_file(struct redactor *rx, const char *path, struct sbuf *err);

/* rx_text appends s[0..n) to out with every secret replaced and returns
 * the number replaced. *state carries a PEM private-key block that began
 * without ending across calls for consecutive lines (start it at 0; NULL
 * when the text stands alone). */
int rx_text(struct redactor *rx, const char *s, size_t n, struct sbuf *out,
    int *state);
/* rx_dup returns a malloc'd redacted copy of the NUL-terminated s. */
char *rx_dup(struct redactor *rx, const char *s, int *state);

/* Secrets replaced so far, and how many texts hit a match limit. */
unsigned long rx_count(const struct redactor *rx);
unsigned long rx_limit_hits(const struct redactor *rx);

/* rx_load_key reads the key from DIR/redact.key, creating DIR (0700) and
 * the file (0600, random) on first use. Returns 0, or -1 with a message in
 * err. */
int rx_load_key(const char *dir, unsigned char *key, struct sbuf *err);

/* SipHash-2-4 of p[0..n) under a 16-byte key. */
uint64_t rx_siphash(const unsigned char *key, const void *p, size_t n);

#endif

/* flytext.h - records as `fly logs` prints them, for people (fly-tail
 * --format text):
 *
 *   2024-10-07T11:37:16Z app[2865134a394268] cdg [info]message
 *
 * (flyctl internal/render/logs.go: seconds precision, no space after the
 * level), optionally coloured like flyctl does (faint time, green region,
 * coloured level). Control characters in the message are replaced, so
 * log text cannot drive the terminal. The output parses back with
 * lr_parse_flytext.
 *
 * Ownership: both functions append to a caller's buffer. */
#ifndef SH_FLYTEXT_H
#define SH_FLYTEXT_H

#include <stdint.h>

#include "util.h"

struct logrec;

void flytext_log(const struct logrec *r, struct sbuf *out, int color);

/* A gap, as a line of the same shape from provider "fly-tail". */
void flytext_gap(int64_t from_ns, int64_t to_ns, const char *app,
    const char *reason, int filled, struct sbuf *out, int color);

#endif

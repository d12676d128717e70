/* natsjson.h - a fast decoder for the one JSON shape fly-tail sees most:
 * Fly's NATS log message (shared/reference/fly-platform.md section 1.5),
 *
 *   {"event":{"provider":"app"},"fly":{"app":{"instance":"…","name":"…"},
 *    "region":"…"},"host":"…","log":{"level":"info"},"message":"…",
 *    "timestamp":"…"}
 *
 * in one pass, without building a tree or allocating (cJSON costs several
 * allocations a message, which is most of fly-tail's time at 100k
 * messages a second). Members may come in any order; unknown members are
 * skipped. The result is what lr_decode gives for the same text (kind
 * LR_NATS, source "nats", the message without a trailing newline and with
 * ANSI sequences stripped). Anything else - another shape, a type
 * mismatch, a selfheal record, broken JSON - is left to lr_decode.
 *
 * Ownership: fills the caller's record like lr_decode. */
#ifndef SH_NATSJSON_H
#define SH_NATSJSON_H

#include <stddef.h>

struct logrec;

/* Returns 0 when s[0..n) was decoded into r, -1 when the caller must use
 * lr_decode (r is then unspecified). */
int nj_decode(struct logrec *r, const char *s, size_t n);

#endif

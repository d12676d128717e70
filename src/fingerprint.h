/* fingerprint.h - stable crash identity.
 *
 * fp_normalize rewrites text so that what varies between two occurrences of
 * the same crash disappears: UUIDs, hex addresses and ids, timestamps,
 * numbers (and so line numbers, ports, pids, sizes), and temporary paths.
 * The fingerprint hashes the rule name, the normalized title and the first
 * three normalized stack frames. See docs/fingerprint.md. */
#ifndef SH_FINGERPRINT_H
#define SH_FINGERPRINT_H

#include <stddef.h>

#include "util.h"

void fp_normalize(const char *s, size_t n, struct sbuf *out);

/* fp_compute writes "f_" and 16 hex digits into out (19 bytes). */
void fp_compute(const char *rule, const char *title, size_t tlen,
    const char *const *frames, const size_t *flens, int nframes, char *out);

#endif

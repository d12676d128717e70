/* timefmt.h - RFC 3339 timestamps as nanoseconds since the Unix epoch.
 * Nothing here allocates. */
#ifndef SH_TIMEFMT_H
#define SH_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* sh_time_parse reads a timestamp at the start of s[0..n): an RFC 3339 date
 * and time ("2026-11-28T03:45:13.123456789Z", "+02:00" offsets), a space
 * instead of the "T", or no zone at all (taken as UTC, as flyctl's legacy
 * format prints). On success it stores the time in *ns, the number of
 * fraction digits in *prec (0..9; may be NULL) and returns the bytes used;
 * it returns -1 when s does not start with such a timestamp, or names a
 * year outside 1700..2200 (nanoseconds since 1970 fit in 64 bits). */
int sh_time_parse(const char *s, size_t n, int64_t *ns, int *prec);

/* sh_time_format writes ns as RFC 3339 UTC with 0, 3, 6 or 9 fraction digits
 * (prec rounded up to one of those) into out, which must hold 40 bytes;
 * returns the length. */
int sh_time_format(int64_t ns, int prec, char *out);

/* sh_time_apart: is later more than ms milliseconds after earlier (both
 * ns)? Without overflow: times of years 1700..2200 are far enough apart
 * that later - earlier does not fit in 64 bits, and ms * 1000000 may not
 * either (found by tests/fuzz/fuzz_scan). */
int sh_time_apart(int64_t later, int64_t earlier, int64_t ms);

/* The current wall-clock time in nanoseconds. */
int64_t sh_time_now(void);

#endif

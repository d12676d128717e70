/* test_timefmt - RFC 3339 parsing and formatting: absolute values
 * (computed independently with Python's datetime), offsets, the leap
 * second, precision, bad input, and round trips over random times. */
#include <stdint.h>
#include <stdlib.h>

#include "timefmt.h"
#include "unit.h"

#define S 1000000000LL

static void
parses(const char *s, int64_t want, int wprec, int wused)
{
	int64_t ns = 12345;
	int prec = -1;
	int used = sh_time_parse(s, strlen(s), &ns, &prec);
	int ok = used == wused && ns == want && prec == wprec;
	T_OK(ok, "parse '%s'", s);
	if (!ok)
		printf("#   got used %d ns %lld prec %d; want %d %lld %d\n", used,
		    (long long)ns, prec, wused, (long long)want, wprec);
}

static void
rejects(const char *s, size_t n)
{
	int64_t ns = 0;
	T_OK(sh_time_parse(s, n, &ns, NULL) == -1, "reject '%.*s'", (int)n, s);
}

static void
formats(int64_t ns, int prec, const char *want)
{
	char out[40];
	int n = sh_time_format(ns, prec, out);
	T_STR(out, want, "format %lld prec %d", (long long)ns, prec);
	T_OK(n == (int)strlen(want), "format returns the length %d", n);
}

static uint64_t rng = 88172645463325252ULL;

int
main(void)
{
	/* absolute values */
	parses("1970-01-01T00:00:00Z", 0, 0, 20);
	parses("2026-11-28T03:45:13Z", 1795837513 * S, 0, 20);
	parses("2026-11-28T03:45:13Z app[148ed193b95e89]", 1795837513 * S, 0, 20);
	parses("2000-02-29T23:59:59Z", 951868799 * S, 0, 20);
	parses("2024-02-29T12:00:00Z", 1709208000 * S, 0, 20);
	parses("2026-12-31T23:59:59Z", 1798761599 * S, 0, 20);
	parses("2027-01-01T00:00:00Z", 1798761600 * S, 0, 20);
	parses("2100-03-01T00:00:00Z", 4107542400 * S, 0, 20);
	parses("1969-12-31T23:59:59Z", -1 * S, 0, 20);
	parses("1900-01-01T00:00:00Z", -2208988800LL * S, 0, 20);
	parses("1700-01-01T00:00:00Z", -8520336000LL * S, 0, 20);
	parses("2200-12-31T23:59:59Z", 7289654399LL * S, 0, 20);
	/* separators and case */
	parses("2026-11-28 03:45:13Z", 1795837513 * S, 0, 20);
	parses("2026-11-28t03:45:13z", 1795837513 * S, 0, 20);
	/* no zone: UTC (legacy flyctl) */
	parses("2022-07-24T23:50:49.829 app[fa31a9e5]",
	    1658706649 * S + 829000000, 3, 23);
	/* offsets */
	parses("2026-11-28T05:45:13+02:00", 1795837513 * S, 0, 25);
	parses("2026-11-28T01:45:13-02:00", 1795837513 * S, 0, 25);
	parses("2026-11-28T09:15:13.5+05:30", 1795837513 * S + 500000000, 1, 27);
	parses("2026-11-28T03:45:13-00:00", 1795837513 * S, 0, 25);
	parses("2026-11-28T00:15:13-03:30", 1795837513 * S, 0, 25);
	/* an offset without a colon is not an offset: 19 bytes used, UTC */
	parses("2026-11-28T03:45:13+0200", 1795837513 * S, 0, 19);
	/* offsets across midnight and the year */
	parses("2027-01-01T01:00:00+01:00", 1798761600 * S, 0, 25);
	/* the leap second: 23:59:60 is the next day's first second */
	parses("2016-12-31T23:59:60Z", 1483228800LL * S, 0, 20);
	/* fractions: precision and digits */
	parses("2026-11-28T03:45:13.1Z", 1795837513 * S + 100000000, 1, 22);
	parses("2026-11-28T03:45:13.123Z", 1795837513 * S + 123000000, 3, 24);
	parses("2026-11-28T03:45:13.123456Z", 1795837513 * S + 123456000, 6, 27);
	parses("2026-11-28T03:50:01.690402037Z", 1795837801 * S + 690402037, 9, 30);
	/* more than 9 digits: kept to nanoseconds, all consumed */
	parses("2026-11-28T03:45:13.123456789999Z", 1795837513 * S + 123456789, 9,
	    33);
	/* Python logging's comma */
	parses("2026-11-28 03:50:06,196 INFO", 1795837806 * S + 196000000, 3, 23);

	/* rejected */
	rejects("1699-12-31T23:59:59Z", 20);
	rejects("2201-01-01T00:00:00Z", 20);
	rejects("2026-13-01T00:00:00Z", 20);
	rejects("2026-00-01T00:00:00Z", 20);
	rejects("2026-11-00T00:00:00Z", 20);
	rejects("2026-11-32T00:00:00Z", 20);
	rejects("2026-11-28T24:00:00Z", 20);
	rejects("2026-11-28T23:60:00Z", 20);
	rejects("2026-11-28T23:59:61Z", 20);
	rejects("2026-11-28T03:45", 16);
	rejects("2026-11-28T03:45:13.Z", 21);
	rejects("2026/11/28 03:45:13", 19);
	rejects("2026-11-28X03:45:13Z", 20);
	rejects("20261128T034513Z", 16);
	rejects("hello world, not a time", 23);
	rejects("", 0);
	/* n is respected: the buffer ends before the seconds */
	rejects("2026-11-28T03:45:13Z", 18);
	{
		int64_t ns;
		int prec;
		T_OK(sh_time_parse("2026-11-28T03:45:13.123Z", 21, &ns, &prec) == 21 &&
		    prec == 1 && ns == 1795837513 * S + 100000000,
		    "a fraction cut by n is read as far as n");
	}

	/* formatting */
	formats(0, 0, "1970-01-01T00:00:00Z");
	formats(1795837513 * S, 0, "2026-11-28T03:45:13Z");
	formats(1795837513 * S + 123000000, 3, "2026-11-28T03:45:13.123Z");
	formats(1795837513 * S + 123000000, 0, "2026-11-28T03:45:13Z");
	formats(1795837513 * S + 100000000, 1, "2026-11-28T03:45:13.100Z");
	formats(1795837513 * S + 120000000, 2, "2026-11-28T03:45:13.120Z");
	formats(1795837513 * S + 123400000, 4, "2026-11-28T03:45:13.123400Z");
	formats(1795837513 * S + 123456000, 6, "2026-11-28T03:45:13.123456Z");
	formats(1795837513 * S + 123456700, 7, "2026-11-28T03:45:13.123456700Z");
	formats(1795837801 * S + 690402037, 9, "2026-11-28T03:50:01.690402037Z");
	/* digits beyond the precision are cut, not rounded */
	formats(1795837513 * S + 999999999, 3, "2026-11-28T03:45:13.999Z");
	formats(-1, 9, "1969-12-31T23:59:59.999999999Z");
	formats(-1 * S, 0, "1969-12-31T23:59:59Z");
	formats(951868799 * S, 0, "2000-02-29T23:59:59Z");
	formats(4107542400 * S, 0, "2100-03-01T00:00:00Z");
	formats(9223372036LL * S + 854775807, 9, "2262-04-11T23:47:16.854775807Z");
	formats(-9223372036LL * S - 854775808, 9, "1677-09-21T00:12:43.145224192Z");
	formats(1483228800LL * S, 0, "2017-01-01T00:00:00Z");

	/* round trips over random times, 1700..2200 (what the parser takes) */
	{
		int bad9 = 0, bad3 = 0, bad0 = 0;
		for (int i = 0; i < 20000; i++) {
			int64_t secs = -8520336000LL + (int64_t)(t_xorshift(&rng) %
			    (uint64_t)(7289654399LL + 8520336000LL));
			int64_t ns = secs * S + (int64_t)(t_xorshift(&rng) % (uint64_t)S), back;
			char out[40];
			int prec;
			int n = sh_time_format(ns, 9, out);
			if (sh_time_parse(out, (size_t)n, &back, &prec) != n ||
			    back != ns || prec != 9)
				bad9++;
			n = sh_time_format(ns, 3, out);
			if (sh_time_parse(out, (size_t)n, &back, &prec) != n ||
			    back != secs * S + (ns - secs * S) / 1000000 * 1000000 ||
			    prec != 3)
				bad3++;
			n = sh_time_format(ns, 0, out);
			if (sh_time_parse(out, (size_t)n, &back, &prec) != n ||
			    back != secs * S || prec != 0 || n != 20)
				bad0++;
		}
		T_OK(bad9 == 0, "20000 random times round-trip with 9 digits");
		T_OK(bad3 == 0, "20000 random times round-trip with 3 digits");
		T_OK(bad0 == 0, "20000 random times round-trip with whole seconds");
	}
	{
		int64_t a = sh_time_now();
		T_OK(a > 1700000000LL * S && a < 4102444800LL * S,
		    "sh_time_now is a plausible wall-clock time");
	}
	/* sh_time_apart: the years 1700 and 2200 are more than 2^63 ns apart
	 * (fuzz_scan found the plain subtraction overflowing) */
	{
		int64_t a, b;
		sh_time_parse("2200-01-01T00:00:00Z", 20, &a, NULL);
		sh_time_parse("1700-01-01T00:00:00Z", 20, &b, NULL);
		T_OK(sh_time_apart(a, b, 1000), "2200 is more than 1 s after 1700");
		T_OK(!sh_time_apart(b, a, 1000), "1700 is not after 2200");
		T_OK(!sh_time_apart(a, b, INT64_C(1000000000000000)),
		    "nor 1e15 ms (a rule's largest gap) after it");
		T_OK(sh_time_apart(2000000001, 0, 2000) &&
		    !sh_time_apart(2000000000, 0, 2000), "2 s: strictly more");
	}
	{
		/* beyond int64 nanoseconds (1677..2262): hostile input must be
		 * refused or clamped, never overflow (UBSan aborts on that, so
		 * this comes last) */
		int64_t ns = 0;
		char out[40];
		int used = sh_time_parse("9999-12-31T23:59:59Z", 20, &ns, NULL);
		if (used > 0)
			sh_time_format(ns, 0, out);
		T_OK(used == -1 || (ns > 0 && !strncmp(out, "22", 2)),
		    "year 9999 is refused or clamped, not wrapped (used %d, %lld)",
		    used, (long long)ns);
		used = sh_time_parse("0001-01-01T00:00:00Z", 20, &ns, NULL);
		if (used > 0)
			sh_time_format(ns, 0, out);
		T_OK(used == -1 || (ns < 0 && !strncmp(out, "1", 1)),
		    "year 1 is refused or clamped, not wrapped");
	}
	return t_done();
}

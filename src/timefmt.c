/* timefmt.c - parse and print RFC 3339 timestamps without libc's time zone
 * machinery (timegm is not C11, and logs are UTC anyway). */
#include "timefmt.h"

#include <stdio.h>
#include <time.h>

/* days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant) */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yy + (*m <= 2));
}

static int
digits(const char *s, size_t n, size_t at, int count, int *out)
{
	int v = 0;
	if (at + (size_t)count > n)
		return -1;
	for (int i = 0; i < count; i++) {
		char c = s[at + i];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*out = v;
	return 0;
}

int
sh_time_parse(const char *s, size_t n, int64_t *ns, int *prec)
{
	int Y, M, D, h, mi, sec, oh = 0, om = 0;
	size_t i;
	int64_t frac = 0;
	int nd = 0;
	int sign = 0;

	if (digits(s, n, 0, 4, &Y) || n < 19 || s[4] != '-' ||
	    digits(s, n, 5, 2, &M) || s[7] != '-' || digits(s, n, 8, 2, &D) ||
	    (s[10] != 'T' && s[10] != ' ' && s[10] != 't') ||
	    digits(s, n, 11, 2, &h) || s[13] != ':' ||
	    digits(s, n, 14, 2, &mi) || s[16] != ':' ||
	    digits(s, n, 17, 2, &sec))
		return -1;
	/* nanoseconds in an int64_t reach from 1677 to 2262 */
	if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || mi > 59 ||
	    sec > 60 || Y < 1700 || Y > 2200)
		return -1;
	i = 19;
	if (i < n && (s[i] == '.' || s[i] == ',')) {
		i++;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			if (nd < 9) {
				frac = frac * 10 + (s[i] - '0');
				nd++;
			}
			i++;
		}
		if (nd == 0)
			return -1;
	}
	for (int k = nd; k < 9; k++)
		frac *= 10;
	if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i < n && (s[i] == '+' || s[i] == '-') && i + 6 <= n &&
	    s[i + 3] == ':' && !digits(s, n, i + 1, 2, &oh) &&
	    !digits(s, n, i + 4, 2, &om)) {
		sign = s[i] == '+' ? 1 : -1;
		i += 6;
	}
	int64_t t = days_from_civil(Y, (unsigned)M, (unsigned)D) * 86400 +
	    h * 3600 + mi * 60 + sec;
	t -= sign * (oh * 3600 + om * 60);
	*ns = t * 1000000000LL + frac;
	if (prec)
		*prec = nd;
	return (int)i;
}

int
sh_time_format(int64_t ns, int prec, char *out)
{
	int64_t secs = ns / 1000000000LL;
	int64_t frac = ns % 1000000000LL;
	if (frac < 0) {
		frac += 1000000000LL;
		secs--;
	}
	int64_t days = secs / 86400, rem = secs % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	int y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	int n;
	if (y >= 0 && y <= 9999) {
		/* digits by hand: this runs for every record fly-tail writes */
		int v[6] = { y, (int)m, (int)d, (int)(rem / 3600),
			(int)(rem / 60 % 60), (int)(rem % 60) };
		static const char sep[] = "--T::";
		char *o = out;
		*o++ = (char)('0' + y / 1000);
		*o++ = (char)('0' + y / 100 % 10);
		*o++ = (char)('0' + y / 10 % 10);
		*o++ = (char)('0' + y % 10);
		for (int i = 1; i < 6; i++) {
			*o++ = sep[i - 1];
			*o++ = (char)('0' + v[i] / 10);
			*o++ = (char)('0' + v[i] % 10);
		}
		n = (int)(o - out);
	} else {
		n = snprintf(out, 40, "%04d-%02u-%02uT%02d:%02d:%02d", y, m, d,
		    (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
	}
	if (prec > 0) {
		int p = prec <= 3 ? 3 : prec <= 6 ? 6 : 9;
		int64_t f = frac;
		for (int k = 9; k > p; k--)
			f /= 10;
		out[n++] = '.';
		for (int k = p - 1; k >= 0; k--) {
			out[n + k] = (char)('0' + f % 10);
			f /= 10;
		}
		n += p;
	}
	out[n++] = 'Z';
	out[n] = '\0';
	return n;
}

int
sh_time_apart(int64_t later, int64_t earlier, int64_t ms)
{
	if (later <= earlier)
		return 0;
	if (ms < 0)
		return 1;
	/* the difference is below 2^64 ns, about 1.8e13 ms */
	if ((uint64_t)ms >= UINT64_MAX / 1000000u)
		return 0;
	return (uint64_t)later - (uint64_t)earlier > (uint64_t)ms * 1000000u;
}

int64_t
sh_time_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

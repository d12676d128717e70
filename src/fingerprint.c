/* fingerprint.c - see fingerprint.h. One left-to-right pass; each token
 * class is tried at a word boundary, longest first. */
#include "fingerprint.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int
ishex(int c)
{
	return isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* 8-4-4-4-12 */
static size_t
uuid_len(const char *s, size_t n)
{
	static const int groups[] = { 8, 4, 4, 4, 12 };
	size_t i = 0;
	for (int g = 0; g < 5; g++) {
		for (int k = 0; k < groups[g]; k++, i++)
			if (i >= n || !ishex((unsigned char)s[i]))
				return 0;
		if (g < 4) {
			if (i >= n || s[i] != '-')
				return 0;
			i++;
		}
	}
	return i;
}

static size_t
word_len(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_'))
		i++;
	return i;
}

/* An IPv6 address: hex groups joined by colons, at least three groups
 * (or a "::"), e.g. fdaa:0:3e2a:a7b:5b:8e01:4c77:2 */
static size_t
ipv6_len(const char *s, size_t n)
{
	size_t i = 0;
	int groups = 0, colons = 0, dbl = 0;

	while (i < n) {
		size_t g = 0;
		while (i + g < n && g < 5 && ishex((unsigned char)s[i + g]))
			g++;
		if (g > 4)
			return 0;
		if (g)
			groups++;
		i += g;
		if (i < n && s[i] == ':') {
			colons++;
			if (i + 1 < n && s[i + 1] == ':') {
				dbl = 1;
				colons++;
				i++;
			}
			i++;
			continue;
		}
		break;
	}
	if (colons < 2 || (groups < 4 && !dbl) || (i && s[i - 1] == ':' &&
	    !(i >= 2 && s[i - 2] == ':')))
		return 0;
	/* "dead::beef" is a C++ or Rust path, "fe80::1" an address */
	for (size_t k = 0; k < i; k++)
		if (isdigit((unsigned char)s[k]))
			return i;
	return 0;
}

void
fp_normalize(const char *s, size_t n, struct sbuf *out)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		int boundary = i == 0 || !(isalnum((unsigned char)s[i - 1]) ||
		    s[i - 1] == '_');
		size_t k;

		if (isspace(c)) {
			/* blank runs (padding such as "[   41.7]") count as one */
			while (i < n && isspace((unsigned char)s[i]))
				i++;
			sbuf_addc(out, ' ');
			continue;
		}
		if (boundary && (ishex(c) || c == ':') &&
		    (k = ipv6_len(s + i, n - i)) > 0) {
			sbuf_adds(out, "<ip6>");
			i += k;
			continue;
		}

		if (boundary && (k = uuid_len(s + i, n - i)) > 0) {
			sbuf_adds(out, "<uuid>");
			i += k;
			continue;
		}
		if (boundary && c == '0' && i + 2 < n && (s[i + 1] == 'x' ||
		    s[i + 1] == 'X') && ishex((unsigned char)s[i + 2])) {
			k = 2;
			while (i + k < n && ishex((unsigned char)s[i + k]))
				k++;
			sbuf_adds(out, "0x?");
			i += k;
			continue;
		}
		if (boundary && isalnum(c)) {
			/* a word: all hex with a digit and 8+ long is an id or hash */
			size_t w = word_len(s + i, n - i);
			int allhex = 1, digit = 0;
			for (size_t j = 0; j < w; j++) {
				if (!ishex((unsigned char)s[i + j]))
					allhex = 0;
				if (isdigit((unsigned char)s[i + j]))
					digit = 1;
			}
			if (allhex && digit && w >= 8) {
				sbuf_adds(out, "<hex>");
				i += w;
				continue;
			}
		}
		if (isdigit(c)) {
			/* numbers, with their fraction: 12, 3.5, 2026-11-28 is N-N-N */
			while (i < n && (isdigit((unsigned char)s[i]) ||
			    (s[i] == '.' && i + 1 < n && isdigit((unsigned char)s[i + 1]))))
				i++;
			sbuf_addc(out, 'N');
			continue;
		}
		if (c == '/' && n - i >= 5 && (!strncmp(s + i, "/tmp/", 5) ||
		    (n - i >= 9 && !strncmp(s + i, "/var/tmp/", 9)))) {
			size_t pre = s[i + 1] == 't' ? 5 : 9;
			sbuf_add(out, s + i, pre);
			sbuf_adds(out, "<tmp>");
			i += pre;
			while (i < n && !isspace((unsigned char)s[i]) && s[i] != '\'' &&
			    s[i] != '"' && s[i] != ':' && s[i] != ')')
				i++;
			continue;
		}
		sbuf_addc(out, c);
		i++;
	}
}

void
fp_compute(const char *rule, const char *title, size_t tlen,
    const char *const *frames, const size_t *flens, int nframes, char *out)
{
	struct sbuf b;
	uint64_t h = SH_FNV_INIT;

	sbuf_init(&b);
	h = sh_fnv1a(h, rule, strlen(rule) + 1);
	fp_normalize(title, tlen, &b);
	h = sh_fnv1a(h, b.s ? b.s : "", b.len + 1);
	for (int i = 0; i < nframes; i++) {
		sbuf_reset(&b);
		fp_normalize(frames[i], flens[i], &b);
		h = sh_fnv1a(h, b.s ? b.s : "", b.len + 1);
	}
	sbuf_release(&b);
	snprintf(out, 19, "f_%016llx", (unsigned long long)h);
}

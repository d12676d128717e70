/* test_prefilter - the multi-literal prefilter: Hyperscan (when built with
 * it) and the portable matcher (pf_compile(pf, 1, ...)) must report the
 * same hits as a brute-force search, on random buffers with random
 * literal sets, caseless literals included. */
#include <stdint.h>
#include <stdlib.h>

#include "prefilter.h"
#include "unit.h"

static uint64_t rng = 0x2545f4914f6cdd1dULL;

struct tlit {
	char s[16];
	size_t n;
	int ci;
	uint32_t id;
};

static int
hit_cmp(const void *a, const void *b)
{
	const struct pf_hit *x = a, *y = b;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int
fold(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* every (end, id) of every literal, as a sorted array */
static size_t
brute(const struct tlit *l, int nl, const char *buf, size_t n,
    struct pf_hit *out, size_t max)
{
	size_t k = 0;
	for (int j = 0; j < nl; j++)
		for (size_t i = 0; i + l[j].n <= n; i++) {
			size_t m = 0;
			for (; m < l[j].n; m++) {
				int a = (unsigned char)buf[i + m], b = (unsigned char)l[j].s[m];
				if (l[j].ci ? fold(a) != fold(b) : a != b)
					break;
			}
			if (m == l[j].n && k < max)
				out[k++] = (struct pf_hit){ (uint32_t)(i + l[j].n), l[j].id };
		}
	qsort(out, k, sizeof *out, hit_cmp);
	return k;
}

static struct pf *
build(const struct tlit *l, int nl, int portable)
{
	char err[256] = "";
	struct pf *pf = pf_new();
	for (int j = 0; j < nl; j++)
		pf_add(pf, l[j].s, l[j].n, l[j].ci, l[j].id);
	if (pf_compile(pf, portable, err, sizeof err)) {
		printf("# pf_compile: %s\n", err);
		pf_free(pf);
		return NULL;
	}
	return pf;
}

static int
same(const struct pf_hit *a, size_t na, const struct pf_hit *b, size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (a[i].end != b[i].end || a[i].id != b[i].id)
			return 0;
	return 1;
}

static int
ascending(const struct pf_hit *h, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (h[i].end < h[i - 1].end)
			return 0;
	return 1;
}

int
main(void)
{
	/* a small alphabet so that literals hit often; both cases, bytes
	 * above 0x7f, NUL and other controls in the buffers */
	static const char alpha[] = "abcABC\"\\:. \t\x01\xc3\xa9\x80\xff";
	enum { BUFMAX = 4096, HMAX = 200000 };
	struct pf_hit *hb = malloc(HMAX * sizeof *hb), *hh = malloc(HMAX * sizeof *hh),
	    *hp = malloc(HMAX * sizeof *hp);
	char *buf = malloc(BUFMAX);
	int rounds = 300, bad_h = 0, bad_p = 0, unsorted = 0, more_bad = 0;
	size_t total = 0;

	{
		struct tlit one = { "abc", 3, 0, 7 };
		struct pf *p = build(&one, 1, 1);
		T_OK(p && pf_count(p) == 1 && !strcmp(pf_engine(p), "portable"),
		    "pf_compile(pf, 1, ...) uses the portable matcher");
		pf_free(p);
		p = build(&one, 1, 0);
#ifdef HAVE_HYPERSCAN
		T_OK(p && !strcmp(pf_engine(p), "hyperscan"),
		    "pf_compile(pf, 0, ...) uses Hyperscan when built with it");
#else
		T_OK(p && !strcmp(pf_engine(p), "portable"),
		    "pf_compile(pf, 0, ...) uses the portable matcher without Hyperscan");
#endif
		pf_free(p);
	}

	for (int r = 0; r < rounds; r++) {
		struct tlit lits[64];
		int nl = 1 + (int)(t_rnd32(&rng) % 64);
		for (int j = 0; j < nl; j++) {
			lits[j].n = 2 + t_rnd32(&rng) % 5;
			for (size_t k = 0; k < lits[j].n; k++) {
				char c = alpha[t_rnd32(&rng) % (sizeof alpha - 1)];
				/* no '\n' (API) and no NUL (never produced by
				 * lit_extract) in literals */
				lits[j].s[k] = c == '\x01' ? 'b' : c;
			}
			lits[j].s[lits[j].n] = '\0';
			lits[j].ci = (int)(t_rnd32(&rng) % 3 == 0);
			/* some literals share an id, as a pattern's do */
			lits[j].id = t_rnd32(&rng) % 3 == 0 && j ? lits[j - 1].id : (uint32_t)j;
		}
		size_t n = t_rnd32(&rng) % BUFMAX;
		for (size_t i = 0; i < n; i++)
			buf[i] = t_rnd32(&rng) % 50 == 0 ? '\n' : t_rnd32(&rng) % 97 == 0 ? '\0' :
			    alpha[t_rnd32(&rng) % (sizeof alpha - 1)];
		/* plant some literals, with their case flipped when caseless */
		for (int k = 0; k < 8 && n > 16; k++) {
			const struct tlit *l = &lits[t_rnd32(&rng) % (unsigned)nl];
			size_t at = t_rnd32(&rng) % (n - l->n);
			for (size_t m = 0; m < l->n; m++) {
				char c = l->s[m];
				if (l->ci && (c | 32) >= 'a' && (c | 32) <= 'z' && (t_rnd32(&rng) & 1))
					c ^= 32;
				buf[at + m] = c;
			}
		}
		size_t nb = brute(lits, nl, buf, n, hb, HMAX);
		struct pf *ph = build(lits, nl, 0), *pp = build(lits, nl, 1);
		if (!ph || !pp) {
			T_OK(0, "round %d: both engines compile", r);
			pf_free(ph);
			pf_free(pp);
			continue;
		}
		int mh = 0, mp = 0;
		size_t nh = pf_scan(ph, buf, n, hh, HMAX, &mh);
		size_t np = pf_scan(pp, buf, n, hp, HMAX, &mp);
		if (!ascending(hh, nh) || !ascending(hp, np))
			unsorted++;
		if (mh || mp)
			more_bad++;
		qsort(hh, nh, sizeof *hh, hit_cmp);
		qsort(hp, np, sizeof *hp, hit_cmp);
		if (!same(hb, nb, hh, nh) && !bad_h++)
			printf("# round %d: default engine %zu hits, brute force %zu\n",
			    r, nh, nb);
		if (!same(hb, nb, hp, np) && !bad_p++)
			printf("# round %d: portable %zu hits, brute force %zu\n", r, np,
			    nb);
		total += nb;
		pf_free(ph);
		pf_free(pp);
	}
	T_OK(total > 1000, "random rounds produced %zu hits to compare", total);
	T_OK(bad_h == 0, "default engine: hits equal brute force (%d bad rounds)",
	    bad_h);
	T_OK(bad_p == 0, "portable engine: hits equal brute force (%d bad rounds)",
	    bad_p);
	T_OK(unsorted == 0, "both engines report hits ascending by end offset");
	T_OK(more_bad == 0, "no *more with a large enough hit array");

	/* caseless: only ASCII letters fold, in both engines */
	{
		struct tlit l[] = { { "PaNiC: ", 7, 1, 1 }, { "Error", 5, 0, 2 },
			{ "\xc3\xa9t\xc3\xa9", 5, 1, 3 } };
		const char *s = "panic: x PANIC: y error Error \xc3\x89T\xc3\x89 "
		    "\xc3\xa9T\xc3\xa9";
		for (int portable = 0; portable < 2; portable++) {
			struct pf *pf = build(l, 3, portable);
			int more = 0;
			size_t nh = pf ? pf_scan(pf, s, strlen(s), hh, HMAX, &more) : 0;
			int n1 = 0, n2 = 0, n3 = 0;
			for (size_t i = 0; i < nh; i++) {
				n1 += hh[i].id == 1;
				n2 += hh[i].id == 2;
				n3 += hh[i].id == 3;
			}
			if (!(n1 == 2 && n2 == 1 && n3 == 1))
				printf("#   got %d %d %d\n", n1, n2, n3);
			T_OK(n1 == 2 && n2 == 1 && n3 == 1,
			    "%s: caseless 'PaNiC: ' hits twice, 'Error' once, "
			    "'\xc3\xa9t\xc3\xa9' once", portable ? "portable" : "default");
			pf_free(pf);
		}
	}

	/* overlapping and repeated matches are all reported */
	{
		struct tlit l[] = { { "aa", 2, 0, 1 }, { "aaa", 3, 0, 2 } };
		for (int portable = 0; portable < 2; portable++) {
			struct pf *pf = build(l, 2, portable);
			int more = 0;
			size_t nh = pf ? pf_scan(pf, "aaaa", 4, hh, HMAX, &more) : 0;
			T_OK(nh == 5, "%s: 'aa' and 'aaa' in 'aaaa' give 3 + 2 hits (%zu)",
			    portable ? "portable" : "default", nh);
			pf_free(pf);
		}
	}

	/* a full hit array: both engines set *more and store the first max
	 * hits by end offset, as prefilter.h promises */
	{
		struct tlit l[] = { { "abcdefgh", 8, 0, 1 }, { "cd", 2, 0, 2 },
			{ "ef", 2, 0, 3 } };
		const char *s = "abcdefgh xy";
		for (int portable = 0; portable < 2; portable++) {
			struct pf *pf = build(l, 3, portable);
			int more = 0;
			size_t nh = pf ? pf_scan(pf, s, strlen(s), hh, 2, &more) : 0;
			T_OK(nh == 2 && more, "%s: max 2 of 3 hits stores 2 and sets *more",
			    portable ? "portable" : "default");
			T_OK(nh == 2 && hh[0].end == 4 && hh[0].id == 2 &&
			    hh[1].end == 6 && hh[1].id == 3,
			    "%s: the stored hits are the first two by end (4:cd, 6:ef)",
			    portable ? "portable" : "default");
			if (nh == 2 && !(hh[0].end == 4 && hh[1].end == 6))
				printf("#   got %u:%u %u:%u\n", hh[0].end, hh[0].id,
				    hh[1].end, hh[1].id);
			pf_free(pf);
		}
	}

	/* errors: a literal with a newline, or of one byte */
	{
		char err[128] = "";
		struct pf *pf = pf_new();
		pf_add(pf, "a\nb", 3, 0, 1);
		T_OK(pf_compile(pf, 1, err, sizeof err) == -1 && err[0],
		    "a literal with a newline is refused with a message");
		pf_free(pf);
		pf = pf_new();
		pf_add(pf, "a", 1, 0, 1);
		err[0] = '\0';
		T_OK(pf_compile(pf, 0, err, sizeof err) == -1 && err[0],
		    "a one-byte literal is refused with a message");
		pf_free(pf);
	}

	/* a big buffer: hits far apart and at the very end */
	{
		size_t n = 8u << 20;
		char *big = malloc(n);
		memset(big, 'q', n);
		memcpy(big + 12345, "needle", 6);
		memcpy(big + n - 6, "needle", 6);
		struct tlit l[] = { { "needle", 6, 0, 9 } };
		for (int portable = 0; portable < 2; portable++) {
			struct pf *pf = build(l, 1, portable);
			int more = 0;
			size_t nh = pf ? pf_scan(pf, big, n, hh, HMAX, &more) : 0;
			T_OK(nh == 2 && hh[0].end == 12351 && hh[1].end == n,
			    "%s: two hits in 8 MiB, the last one at the very end",
			    portable ? "portable" : "default");
			pf_free(pf);
		}
		free(big);
	}
	free(hb);
	free(hh);
	free(hp);
	free(buf);
	return t_done();
}

/* prefilter.c - see prefilter.h.
 *
 * The portable matcher buckets the literals by their first two bytes (case
 * folded) and walks the buffer once, checking the bucket at each position:
 * simple, and fine for a few hundred literals; Hyperscan's literal mode
 * (Teddy/FDR) is several times faster and is used where it exists. */
#include "prefilter.h"
#include "util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifdef HAVE_HYPERSCAN
#include <hs.h>
#endif

struct plit {
	char *s;
	size_t n;
	int ci;
	uint32_t id;
};

struct pf {
	struct plit *lits;
	int n, cap;
	int portable;
	/* portable matcher: literal indices by folded first two bytes */
	int *bucket_start;   /* 65537 entries */
	int *bucket_lits;
	size_t minlen;
#ifdef HAVE_HYPERSCAN
	hs_database_t *db;
	hs_scratch_t *scratch;
#endif
};

struct pf *
pf_new(void)
{
	return xcalloc(1, sizeof(struct pf));
}

void
pf_free(struct pf *pf)
{
	if (!pf)
		return;
	for (int i = 0; i < pf->n; i++)
		free(pf->lits[i].s);
	free(pf->lits);
	free(pf->bucket_start);
	free(pf->bucket_lits);
#ifdef HAVE_HYPERSCAN
	if (pf->scratch)
		hs_free_scratch(pf->scratch);
	if (pf->db)
		hs_free_database(pf->db);
#endif
	free(pf);
}

void
pf_add(struct pf *pf, const char *lit, size_t n, int caseless, uint32_t id)
{
	if (pf->n == pf->cap) {
		pf->cap = pf->cap ? pf->cap * 2 : 64;
		pf->lits = xrealloc(pf->lits, (size_t)pf->cap * sizeof *pf->lits);
	}
	pf->lits[pf->n++] = (struct plit){ xstrndup(lit, n), n, caseless, id };
}

int
pf_count(const struct pf *pf)
{
	return pf->n;
}

const char *
pf_engine(const struct pf *pf)
{
	return pf->portable ? "portable" : "hyperscan";
}

static unsigned
fold2(const unsigned char *s)
{
	return (unsigned)tolower(s[0]) << 8 | (unsigned)tolower(s[1]);
}

static int
compile_portable(struct pf *pf)
{
	int *count = xcalloc(65537, sizeof *count);

	pf->portable = 1;
	pf->minlen = (size_t)-1;
	for (int i = 0; i < pf->n; i++) {
		if (pf->lits[i].n < pf->minlen)
			pf->minlen = pf->lits[i].n;
		if (pf->lits[i].n >= 2)
			count[fold2((unsigned char *)pf->lits[i].s) + 1]++;
	}
	for (int b = 1; b <= 65536; b++)
		count[b] += count[b - 1];
	pf->bucket_start = count;
	pf->bucket_lits = xcalloc((size_t)pf->n + 1, sizeof(int));
	int *fill = xcalloc(65536, sizeof *fill);
	for (int i = 0; i < pf->n; i++) {
		if (pf->lits[i].n < 2)
			continue;
		unsigned b = fold2((unsigned char *)pf->lits[i].s);
		pf->bucket_lits[count[b] + fill[b]++] = i;
	}
	free(fill);
	return 0;
}

int
pf_compile(struct pf *pf, int force_portable, char *err, size_t errlen)
{
	for (int i = 0; i < pf->n; i++)
		if (pf->lits[i].n < 2 || memchr(pf->lits[i].s, '\n', pf->lits[i].n)) {
			snprintf(err, errlen, "literal %d unusable", i);
			return -1;
		}
#ifdef HAVE_HYPERSCAN
	if (!force_portable && pf->n > 0) {
		const char **exprs = xcalloc((size_t)pf->n, sizeof *exprs);
		unsigned *flags = xcalloc((size_t)pf->n, sizeof *flags);
		unsigned *ids = xcalloc((size_t)pf->n, sizeof *ids);
		size_t *lens = xcalloc((size_t)pf->n, sizeof *lens);
		hs_compile_error_t *ce = NULL;
		for (int i = 0; i < pf->n; i++) {
			exprs[i] = pf->lits[i].s;
			lens[i] = pf->lits[i].n;
			flags[i] = pf->lits[i].ci ? HS_FLAG_CASELESS : 0;
			ids[i] = (unsigned)i;
		}
		hs_error_t rc = hs_compile_lit_multi(exprs, flags, ids, lens,
		    (unsigned)pf->n, HS_MODE_BLOCK, NULL, &pf->db, &ce);
		free(exprs);
		free(flags);
		free(ids);
		free(lens);
		if (rc != HS_SUCCESS) {
			snprintf(err, errlen, "hyperscan: %s",
			    ce && ce->message ? ce->message : "compile failed");
			if (ce)
				hs_free_compile_error(ce);
			return -1;
		}
		if (hs_alloc_scratch(pf->db, &pf->scratch) != HS_SUCCESS) {
			snprintf(err, errlen, "hyperscan: cannot allocate scratch");
			return -1;
		}
		return 0;
	}
#else
	(void)force_portable;
	(void)err;
	(void)errlen;
#endif
	return compile_portable(pf);
}

struct collect {
	struct pf *pf;
	struct pf_hit *hits;
	size_t n, max;
	int more;
};

static int
add_hit(struct collect *c, size_t end, uint32_t id)
{
	if (c->n == c->max) {
		c->more = 1;
		return 1;
	}
	c->hits[c->n].end = (uint32_t)end;
	c->hits[c->n].id = id;
	c->n++;
	return 0;
}

#ifdef HAVE_HYPERSCAN
static int
on_hs_match(unsigned id, unsigned long long from, unsigned long long to,
    unsigned flags, void *ctx)
{
	struct collect *c = ctx;
	(void)from;
	(void)flags;
	return add_hit(c, (size_t)to, c->pf->lits[id].id);
}
#endif

/* Sift helpers for a max-heap of hits keyed by end offset. */
static void
heap_down(struct pf_hit *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && h[l].end > h[m].end)
			m = l;
		if (r < n && h[r].end > h[m].end)
			m = r;
		if (m == i)
			return;
		struct pf_hit t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* The bucket walk finds hits by start. Until the array is full they are
 * simply stored; from then on it is a max-heap by end, so that a hit ending
 * earlier than the latest kept one replaces it, and the walk stops once no
 * hit to come (starting at i, ending at i + minlen or later) can end
 * earlier than the latest kept. */
static size_t
scan_portable(struct pf *pf, const char *buf, size_t n, struct collect *c)
{
	const unsigned char *u = (const unsigned char *)buf;
	int heap = 0;

	if (pf->n == 0 || n < 2 || c->max == 0)
		return 0;
	for (size_t i = 0; i + 1 < n; i++) {
		if (heap && i + pf->minlen > c->hits[0].end)
			break;
		unsigned b = fold2(u + i);
		for (int k = pf->bucket_start[b]; k < pf->bucket_start[b + 1]; k++) {
			struct plit *l = &pf->lits[pf->bucket_lits[k]];
			if (i + l->n > n)
				continue;
			if (l->ci ? strncasecmp(buf + i, l->s, l->n) :
			    memcmp(buf + i, l->s, l->n))
				continue;
			uint32_t end = (uint32_t)(i + l->n);
			if (c->n < c->max) {
				c->hits[c->n].end = end;
				c->hits[c->n].id = l->id;
				c->n++;
				continue;
			}
			if (!heap) {
				for (size_t h = c->n / 2; h-- > 0;)
					heap_down(c->hits, c->n, h);
				heap = 1;
			}
			c->more = 1;
			if (end < c->hits[0].end) {
				c->hits[0].end = end;
				c->hits[0].id = l->id;
				heap_down(c->hits, c->n, 0);
			}
		}
	}
	return c->n;
}

static int
hit_cmp(const void *a, const void *b)
{
	const struct pf_hit *x = a, *y = b;
	return x->end < y->end ? -1 : x->end > y->end;
}

size_t
pf_scan(struct pf *pf, const char *buf, size_t n, struct pf_hit *hits,
    size_t max, int *more)
{
	struct collect c = { pf, hits, 0, max, 0 };

#ifdef HAVE_HYPERSCAN
	if (!pf->portable) {
		if (pf->db)
			hs_scan(pf->db, buf, (unsigned)n, 0, pf->scratch,
			    on_hs_match, &c);
		*more = c.more;
		return c.n;
	}
#endif
	scan_portable(pf, buf, n, &c);
	/* the bucket walk reports by start; callers want end order */
	qsort(hits, c.n, sizeof *hits, hit_cmp);
	*more = c.more;
	return c.n;
}

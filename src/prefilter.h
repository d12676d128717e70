/* prefilter.h - find many literals in a buffer in one pass.
 *
 * With Hyperscan (x86-64) the literals are compiled into one literal-mode
 * database; elsewhere a portable matcher does the same job more slowly.
 * Matches are reported as (end offset, id) pairs in ascending end order.
 *
 * Ownership: pf_new returns an object freed with pf_free; literals are
 * copied by pf_add. */
#ifndef SH_PREFILTER_H
#define SH_PREFILTER_H

#include <stddef.h>
#include <stdint.h>

struct pf;

struct pf_hit {
	uint32_t end;   /* offset just past the match */
	uint32_t id;
};

struct pf *pf_new(void);
void pf_free(struct pf *pf);
/* Literals must not contain '\n'. */
void pf_add(struct pf *pf, const char *lit, size_t n, int caseless,
    uint32_t id);
/* Returns 0, or -1 with a message in err. force_portable: skip Hyperscan. */
int pf_compile(struct pf *pf, int force_portable, char *err, size_t errlen);
int pf_count(const struct pf *pf);
const char *pf_engine(const struct pf *pf);

/* pf_scan finds the literals in buf[0..n) and stores up to max hits in
 * hits, ascending by end offset. It returns the number stored; when there
 * were more than max it stores the first max and sets *more. n must be
 * under 4 GiB. */
size_t pf_scan(struct pf *pf, const char *buf, size_t n, struct pf_hit *hits,
    size_t max, int *more);

#endif

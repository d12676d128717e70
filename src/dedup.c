/* dedup.c - see dedup.h. The ring slot of an entry doubles as its node in
 * the hash chains; a chain link is only trusted when the slot it points to
 * still carries the sequence number it had when linked, so evicting the
 * oldest line needs no unlinking. */
#include "dedup.h"
#include "logrec.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

struct slot {
	uint64_t key;
	int64_t ts;
	uint32_t seq;        /* 0: empty (wraps after 4e9 lines; see below) */
	uint32_t next;       /* previous entry in the same bucket, slot + 1 */
	uint32_t next_seq;   /* its seq when linked */
	int32_t prec;
};

struct dedup {
	struct slot *ring;
	size_t cap, head, count;
	size_t pending;      /* newest slots noted but not yet in the index */
	int64_t max_checked; /* newest time of a line that came through dd_check */
	uint64_t *bucket;    /* (seq << 32) | (slot + 1) of the newest entry */
	size_t nbuckets;
	uint32_t seq;
};

struct dedup *
dd_new(size_t cap)
{
	struct dedup *d = xcalloc(1, sizeof *d);

	if (cap < 16)
		cap = 16;
	if (cap > (1u << 30))
		cap = 1u << 30;
	d->cap = cap;
	d->ring = xcalloc(cap, sizeof *d->ring);
	d->nbuckets = 1;
	while (d->nbuckets < cap * 2)
		d->nbuckets <<= 1;
	d->bucket = xcalloc(d->nbuckets, sizeof *d->bucket);
	return d;
}

void
dd_free(struct dedup *d)
{
	if (!d)
		return;
	free(d->ring);
	free(d->bucket);
	free(d);
}

/* A word-at-a-time hash (multiply and fold): it runs on every line. */
static uint64_t
mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	uint64_t w;

	while (n >= 8) {
		memcpy(&w, c, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
		c += 8;
		n -= 8;
	}
	w = 0;
	memcpy(&w, c, n);
	h = (h ^ w ^ ((uint64_t)n << 56)) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 31);
}

uint64_t
dd_key(const struct logrec *r)
{
	uint64_t h = 0x243f6a8885a308d3ULL;

	h = mix(h, r->app, strlen(r->app) + 1);
	h = mix(h, r->instance, strlen(r->instance) + 1);
	h = mix(h, r->msg.s ? r->msg.s : "", r->msg.len);
	/* finalize (murmur3 fmix64) so low bits index buckets well */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static int64_t
unit(int prec)
{
	int64_t u = 1;
	for (int i = prec; i < 9; i++)
		u *= 10;
	return u;
}

static int
same_time(int64_t a, int pa, int64_t b, int pb)
{
	int64_t u = unit(pa < pb ? pa : pb);
	int64_t qa = a / u, qb = b / u;
	if (a == b)
		return 1;
	return qa - qb >= -1 && qa - qb <= 1;
}

static int
lookup(struct dedup *d, uint64_t key, int64_t ts, int prec)
{
	size_t b = (size_t)key & (d->nbuckets - 1);
	uint32_t idx = (uint32_t)d->bucket[b];
	uint32_t want = (uint32_t)(d->bucket[b] >> 32);

	/* a chain ends where a slot was reused (its seq moved on); seq wraps
	 * after 2^32 lines, far beyond any ring, and 0 is never used */
	while (idx) {
		struct slot *s = &d->ring[idx - 1];
		if (s->seq != want)
			break;
		if (s->key == key && same_time(s->ts, s->prec, ts, prec))
			return 1;
		idx = s->next;
		want = s->next_seq;
	}
	return 0;
}

static void
link_slot(struct dedup *d, size_t pos)
{
	struct slot *s = &d->ring[pos];
	size_t b = (size_t)s->key & (d->nbuckets - 1);

	s->next = (uint32_t)d->bucket[b];
	s->next_seq = (uint32_t)(d->bucket[b] >> 32);
	d->bucket[b] = (uint64_t)s->seq << 32 | (uint32_t)(pos + 1);
}

/* Put noted slots into the index, oldest first (chains run newest first). */
static void
catch_up(struct dedup *d)
{
	for (size_t k = d->pending; k > 0; k--)
		link_slot(d, (d->head + d->cap - k) % d->cap);
	d->pending = 0;
}

static size_t
append(struct dedup *d, uint64_t key, int64_t ts, int prec)
{
	size_t pos = d->head;
	struct slot *s = &d->ring[pos];

	if (s->seq == 0)
		d->count++;
	if (++d->seq == 0)
		d->seq = 1;
	s->key = key;
	s->ts = ts;
	s->prec = prec;
	s->seq = d->seq;
	d->head = (d->head + 1) % d->cap;
	return pos;
}

static int
clamp(int prec)
{
	return prec < 0 ? 0 : prec > 9 ? 9 : prec;
}

int
dd_check(struct dedup *d, uint64_t key, int64_t ts, int prec)
{
	prec = clamp(prec);
	catch_up(d);
	if (lookup(d, key, ts, prec))
		return 1;
	link_slot(d, append(d, key, ts, prec));
	if (ts > d->max_checked)
		d->max_checked = ts;
	return 0;
}

int
dd_note(struct dedup *d, uint64_t key, int64_t ts, int prec)
{
	prec = clamp(prec);
	/* within a second of a checked line: it may be that line again */
	if (ts <= d->max_checked + 1000000000LL) {
		catch_up(d);
		if (lookup(d, key, ts, prec))
			return 1;
		link_slot(d, append(d, key, ts, prec));
		return 0;
	}
	append(d, key, ts, prec);
	if (d->pending < d->cap)
		d->pending++;
	return 0;
}

size_t
dd_count(const struct dedup *d)
{
	return d->count;
}

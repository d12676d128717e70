/* reader.c - see reader.h. The ring of blocks is what lets crashgrep scan
 * megabytes at a time and still look back for a crash's context without
 * keeping a copy of every line. */
#include "reader.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NBLOCKS 4
#define MINREAD (64u << 10)

struct block {
	char *buf;
	size_t start, end;   /* whole lines handed out from this block */
	uint64_t seq;        /* 0: never used */
};

struct reader {
	int fd;
	const char *name;
	size_t linecap, bsize;
	struct block blk[NBLOCKS];
	int nblk;            /* blocks in the ring: NBLOCKS, or 2 for streams */
	int cur;
	uint64_t seq;
	size_t pos, len;     /* unconsumed data in the current block */
	int eof, skipping, fresh;
	uint64_t consumed;
	unsigned long truncated;
	/* rd_line state */
	const char *lp, *lend;
	int ltrunc;
};

static struct reader *
open_ring(int fd, const char *name, size_t linecap, int stream)
{
	struct reader *r = xcalloc(1, sizeof *r);

	if (linecap == 0)
		linecap = RD_DEFAULT_LINECAP;
	if (linecap > RD_MAX_LINECAP)
		linecap = RD_MAX_LINECAP;
	r->fd = fd;
	r->name = name;
	r->linecap = linecap;
	/* blocks of four line caps (4 MiB by default), never under 256 KiB;
	 * a stream's two blocks need only hold a line and a read */
	r->nblk = stream ? 2 : NBLOCKS;
	r->bsize = stream ? linecap + MINREAD : linecap * 4;
	if (r->bsize < (256u << 10))
		r->bsize = 256u << 10;
	if (r->bsize < linecap + MINREAD)
		r->bsize = linecap + MINREAD;
	r->blk[0].buf = xmalloc(r->bsize);
	r->blk[0].seq = ++r->seq;
	return r;
}

struct reader *
rd_open(int fd, const char *name, size_t linecap)
{
	return open_ring(fd, name, linecap, 0);
}

struct reader *
rd_open_stream(int fd, const char *name, size_t linecap)
{
	return open_ring(fd, name, linecap, 1);
}

void
rd_free(struct reader *r)
{
	if (!r)
		return;
	for (int i = 0; i < NBLOCKS; i++)
		free(r->blk[i].buf);
	free(r);
}

const char *
rd_name(const struct reader *r)
{
	return r->name;
}

uint64_t
rd_offset(const struct reader *r)
{
	return r->consumed;
}

unsigned long
rd_truncated(const struct reader *r)
{
	return r->truncated;
}

size_t
rd_linecap(const struct reader *r)
{
	return r->linecap;
}

/* Move to the next block, carrying the unconsumed partial line along. */
static void
next_block(struct reader *r)
{
	struct block *old = &r->blk[r->cur];
	int nx = (r->cur + 1) % r->nblk;
	struct block *b = &r->blk[nx];
	size_t part = r->len - r->pos;

	if (!b->buf)
		b->buf = xmalloc(r->bsize);
	memcpy(b->buf, old->buf + r->pos, part);
	b->start = b->end = 0;
	b->seq = ++r->seq;
	r->cur = nx;
	r->pos = 0;
	r->len = part;
	r->fresh = 0;
}

int
rd_chunk(struct reader *r, struct rd_chunk *c, int timeout_ms)
{
	for (;;) {
		struct block *b = &r->blk[r->cur];

		if (r->skipping && r->pos < r->len) {
			char *nl = memchr(b->buf + r->pos, '\n', r->len - r->pos);
			size_t upto = nl ? (size_t)(nl - b->buf) + 1 : r->len;
			r->consumed += upto - r->pos;
			r->pos = upto;
			if (nl)
				r->skipping = 0;
			continue;
		}
		if (r->pos < r->len) {
			char *base = b->buf + r->pos;
			char *last = memrchr(base, '\n', r->len - r->pos);
			if (last) {
				c->p = base;
				c->n = (size_t)(last - base) + 1;
				c->truncated = c->nonl = 0;
				c->off = r->consumed;
				if (b->end != r->pos)
					b->start = r->pos;
				r->pos += c->n;
				b->end = r->pos;
				r->consumed += c->n;
				return RD_OK;
			}
			/* more than the cap without a newline: the line is longer.
			 * Exactly the cap may still end with the next byte read
			 * (found by tests/fuzz/fuzz_reader: a line of exactly the
			 * cap was cut when its newline came in a later read, or
			 * when it was the last line, and whole otherwise). There
			 * is room: a block holds a cap and MINREAD more. */
			if (r->len - r->pos > r->linecap) {
				c->p = base;
				c->n = r->linecap;
				c->truncated = 1;
				c->nonl = 0;
				c->off = r->consumed;
				r->truncated++;
				r->consumed += r->len - r->pos;
				r->pos = r->len;
				r->skipping = 1;
				/* keep the cut line intact: continue in a new block */
				r->fresh = 1;
				return RD_OK;
			}
		}
		if (r->eof) {
			if (r->pos < r->len) {
				c->p = b->buf + r->pos;
				c->n = r->len - r->pos;
				c->truncated = 0;
				c->nonl = 1;
				c->off = r->consumed;
				r->consumed += c->n;
				r->pos = r->len;
				return RD_OK;
			}
			return RD_EOF;
		}
		/* a stream never looks back: with everything handed out, read
		 * to the start of the block again, so that a slow stream keeps
		 * touching the same few pages instead of making the whole ring
		 * resident over hours (bench/soak.sh) */
		if (r->nblk == 2 && r->pos == r->len && !r->fresh) {
			r->pos = r->len = 0;
			b->start = b->end = 0;
		}
		if (r->fresh || r->bsize - r->len < MINREAD)
			next_block(r);
		b = &r->blk[r->cur];
		sh_out_flush();
		/* waiting for input while our reader is gone would keep a
		 * stage alive that can never write again: watch stdout too */
		int out = r->fd == 0 ? sh_out_watch_fd() : -1;
		if (timeout_ms >= 0 || out >= 0) {
			struct pollfd pfd[2] = { { .fd = r->fd, .events = POLLIN },
				{ .fd = out, .events = 0 } };
			int pr = poll(pfd, out >= 0 ? 2 : 1, timeout_ms);
			if (pr > 0 && (pfd[1].revents & POLLERR))
				sh_out_reader_gone();
			if (pr == 0)
				return RD_TIMEOUT;
			if (pr < 0) {
				if (errno == EINTR) {
					if (sh_stop)
						return RD_STOP;
					continue;
				}
				return RD_ERR;
			}
		}
		ssize_t n = read(r->fd, b->buf + r->len, r->bsize - r->len);
		if (n < 0) {
			if (errno == EINTR) {
				if (sh_stop)
					return RD_STOP;
				continue;
			}
			return RD_ERR;
		}
		if (n == 0)
			r->eof = 1;
		r->len += (size_t)n;
	}
}

int
rd_line(struct reader *r, const char **line, size_t *n, int *truncated,
    int timeout_ms)
{
	if (r->lp >= r->lend) {
		struct rd_chunk c;
		int rc = rd_chunk(r, &c, timeout_ms);
		if (rc != RD_OK)
			return rc;
		r->lp = c.p;
		r->lend = c.p + c.n;
		r->ltrunc = c.truncated;
	}
	if (r->ltrunc) {
		*line = r->lp;
		*n = (size_t)(r->lend - r->lp);
		*truncated = 1;
		r->lp = r->lend;
		return RD_OK;
	}
	const char *nl = memchr(r->lp, '\n', (size_t)(r->lend - r->lp));
	const char *e = nl ? nl : r->lend;
	*line = r->lp;
	*n = (size_t)(e - r->lp);
	*truncated = 0;
	if (*n > r->linecap) {
		*n = r->linecap;
		*truncated = 1;
		r->truncated++;
	}
	r->lp = nl ? nl + 1 : r->lend;
	return RD_OK;
}

int
rd_regions(struct reader *r, const char *upto, struct rd_region *out, int max)
{
	int k = 0;
	uint64_t want = r->blk[r->cur].seq;

	for (int i = 0; i < r->nblk && k < max; i++) {
		struct block *b = &r->blk[(r->cur - i + r->nblk) % r->nblk];
		if (!b->buf || b->seq == 0 || b->seq != want - (uint64_t)i)
			break;
		const char *s = b->buf + b->start, *e = b->buf + b->end;
		if (i == 0 && upto >= s && upto <= e)
			e = upto;
		if (e > s) {
			out[k].p = s;
			out[k].n = (size_t)(e - s);
			k++;
		}
	}
	return k;
}

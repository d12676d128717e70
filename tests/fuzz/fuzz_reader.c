/* fuzz_reader - the bounded line reader (reader.c) on a live stream: the
 * input goes through a pipe in pieces of random sizes, read with timeout
 * 0 between pieces (as fly-tail and crashgrep read a live stream) and to
 * EOF at the end; tiny line caps, and the input repeated so the ring of
 * blocks turns over. Then the lines go where fly-tail sends them: the
 * `fly logs --json` object splitter (jsonstream.c), as lineinput.c feeds
 * it, with the real object test (lr_from_json).
 *
 * Input: a selector byte (bits 0-1: line cap 1, 16, 100 or 4096; bit 2:
 * rd_chunk instead of rd_line; bit 3: a 64-byte object buffer instead of
 * 1 MiB; bits 4-7: the body repeated 1 to 16 times, at most 1 MiB), a
 * seed byte for the piece sizes, then the body.
 *
 * Invariants: whatever the pieces, the reader hands out exactly the
 * stream's lines, in order, each cut at the cap and marked truncated
 * when (and only when) it is longer than the cap; chunk offsets are
 * stream offsets; the regions before a line are the stream's bytes just
 * before it (while no line was cut). The splitter loses no byte other
 * than blanks between objects, never buffers past its cap, and hands out
 * only objects that parse. No crash, no leak, no hang. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "jsonstream.h"
#include "logrec.h"
#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { \
	fprintf(stderr, "fuzz_reader: %s:%d: %s\n", __FILE__, __LINE__, #c); \
	abort(); } } while (0)

struct run {
	const char *stream;
	size_t total, pos;          /* the reference: next line starts at pos */
	size_t cap;
	int chunks;
	struct reader *rd;
	struct jstream js;
	struct logrec lr;
	struct sbuf in, out;        /* non-blank bytes fed to / out of jss */
	size_t jcap;
};

static int
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void
nonblank(struct sbuf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!blank(s[i]))
			sbuf_addc(b, s[i]);
}

static int
on_object(void *arg, const char *s, size_t n)
{
	struct run *r = arg;
	cJSON *o = js_parse(s, n);
	int rc = -1;

	CHECK(n <= r->jcap);
	/* from a '{' to where the brackets balance ("{\n]" too: it does not
	 * parse and goes back to the line function) */
	CHECK(n >= 2 && s[0] == '{' && (s[n - 1] == '}' || s[n - 1] == ']'));
	lr_clear(&r->lr);
	if (o && cJSON_IsObject(o) && lr_from_json(&r->lr, o) == 0) {
		nonblank(&r->out, s, n);
		rc = 0;
	}
	cJSON_Delete(o);
	return rc;
}

static void
on_line(void *arg, const char *s, size_t n)
{
	struct run *r = arg;

	nonblank(&r->out, s, n);
}

/* One line from the reader: is it the stream's next line? Then on to the
 * splitter, as li_line does. */
static void
got_line(struct run *r, const char *s, size_t n, int truncated)
{
	const char *p = r->stream + r->pos;
	size_t left = r->total - r->pos;
	const char *nl;
	size_t len;

	CHECK(r->pos < r->total);
	nl = memchr(p, '\n', left);
	len = nl ? (size_t)(nl - p) : left;
	CHECK(n == (len > r->cap ? r->cap : len));
	CHECK(!memcmp(s, p, n));
	if (!!truncated != (len > r->cap))
		fprintf(stderr, "fuzz_reader: a line of %zu bytes (cap %zu) came "
		    "%s\n", len, r->cap, truncated ? "truncated" : "whole");
	CHECK(!!truncated == (len > r->cap));
	r->pos += len + (nl ? 1 : 0);

	nonblank(&r->in, s, n);
	if (truncated) {
		jss_flush(&r->js);
		on_line(r, s, n);
	} else {
		jss_feed(&r->js, s, n);
	}
}

/* The regions before a line at stream offset off are the stream's bytes
 * just before it, whole lines. */
static void
check_regions(struct run *r, const char *upto, size_t off)
{
	struct rd_region reg[8];
	int nreg = rd_regions(r->rd, upto, reg, 8);
	size_t t = 0;

	CHECK(nreg >= 0 && nreg <= 8);
	for (int k = 0; k < nreg; k++)
		t += reg[k].n;
	if (rd_truncated(r->rd))
		return;     /* a cut line is in no region: they have a gap */
	CHECK(t <= off);
	size_t at = off - t;
	CHECK(at == 0 || r->stream[at - 1] == '\n');
	for (int k = nreg - 1; k >= 0; k--) {
		CHECK(reg[k].n > 0 && !memcmp(reg[k].p, r->stream + at, reg[k].n));
		at += reg[k].n;
	}
	CHECK(at == off);
}

static void
got_chunk(struct run *r, const struct rd_chunk *c)
{
	CHECK(c->off == r->pos);
	CHECK(c->n > 0);
	/* (comparing up to 1 MiB each time: not at every chunk) */
	if (r->chunks < 64 || r->chunks % 64 == 0)
		check_regions(r, c->p, (size_t)c->off);
	r->chunks++;
	if (c->truncated) {
		CHECK(c->n == r->cap);
		got_line(r, c->p, c->n, 1);
		return;
	}
	CHECK(c->nonl ? c->p[c->n - 1] != '\n' : c->p[c->n - 1] == '\n');
	for (const char *p = c->p, *end = c->p + c->n; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		size_t n = (size_t)(e - p);
		got_line(r, p, n > r->cap ? r->cap : n, n > r->cap);
		p = nl ? nl + 1 : end;
	}
}

/* Read what there is (timeout 0) or (wait) everything to EOF. */
static int
drain(struct run *r, int chunked, int wait)
{
	for (;;) {
		int rc;
		if (chunked) {
			struct rd_chunk c;
			rc = rd_chunk(r->rd, &c, wait ? -1 : 0);
			if (rc == RD_OK)
				got_chunk(r, &c);
		} else {
			const char *s;
			size_t n;
			int cut;
			rc = rd_line(r->rd, &s, &n, &cut, wait ? -1 : 0);
			if (rc == RD_OK)
				got_line(r, s, n, cut);
		}
		if (rc == RD_OK)
			continue;
		CHECK(rc == RD_EOF || (rc == RD_TIMEOUT && !wait));
		return rc;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t caps[] = { 1, 16, 100, 4096 };
	struct run r;
	uint64_t rng;
	int fds[2], sel, chunked, reps;
	char *stream;

	if (size < 2)
		return 0;
	sel = data[0];
	rng = 0x9e3779b97f4a7c15ULL * (data[1] + 1);
	data += 2;
	size -= 2;
	chunked = (sel >> 2) & 1;
	reps = 1 + (sel >> 4);
	if (size == 0)
		reps = 1;
	while (reps > 1 && size * (size_t)reps > (1u << 20))
		reps--;
	stream = malloc(size * (size_t)reps + 1);
	CHECK(stream);
	for (int i = 0; i < reps; i++)
		memcpy(stream + size * (size_t)i, data, size);

	memset(&r, 0, sizeof r);
	r.stream = stream;
	r.total = size * (size_t)reps;
	r.cap = caps[sel & 3];
	r.jcap = sel & 8 ? 64 : 1u << 20;
	sbuf_init(&r.in);
	sbuf_init(&r.out);
	lr_init(&r.lr);
	jss_init(&r.js, r.jcap, on_object, on_line, &r);

	CHECK(pipe2(fds, O_CLOEXEC) == 0);
	CHECK(fcntl(fds[1], F_SETFL, O_NONBLOCK) == 0);
	/* the low bit of the seed byte picks the two-block stream ring */
	r.rd = (rng & 0x100) ? rd_open_stream(fds[0], "<fuzz>", r.cap) :
	    rd_open(fds[0], "<fuzz>", r.cap);
	for (size_t off = 0; off < r.total;) {
		size_t piece;
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		switch (rng % 8) {
		case 0: case 1: case 2: case 3: piece = 1 + (rng >> 8) % 16; break;
		case 4: case 5: case 6: piece = 1 + (rng >> 8) % 4096; break;
		default: piece = 1 + (rng >> 8) % 65536; break;
		}
		if (piece > r.total - off)
			piece = r.total - off;
		ssize_t w = write(fds[1], stream + off, piece);
		if (w < 0) {
			CHECK(errno == EAGAIN);
			CHECK(drain(&r, chunked, 0) == RD_TIMEOUT);
			continue;
		}
		off += (size_t)w;
		CHECK(drain(&r, chunked, 0) == RD_TIMEOUT);
	}
	close(fds[1]);
	CHECK(drain(&r, chunked, 1) == RD_EOF);
	CHECK(r.pos == r.total);
	CHECK(rd_offset(r.rd) == r.total);
	jss_flush(&r.js);

	/* nothing lost but blanks */
	CHECK(r.in.len == r.out.len && (!r.in.len || !memcmp(r.in.s, r.out.s,
	    r.in.len)));

	rd_free(r.rd);
	close(fds[0]);
	jss_release(&r.js);
	lr_release(&r.lr);
	sbuf_release(&r.in);
	sbuf_release(&r.out);
	free(stream);
	return 0;
}

/* reader.h - a bounded line reader over a file descriptor.
 *
 * Input is read into a small ring of large blocks (4 x four line caps,
 * 4 x 4 MiB by default) and handed out in chunks of whole lines, so a
 * caller can scan a chunk in one pass and look at lines only around hits.
 * A line longer than the cap that does not fit a block is handed out alone,
 * cut at the cap, with `truncated` set; the rest of it is skipped. Lines
 * over the cap inside a chunk are the caller's to cut (rd_line does). Chunks stay valid until the block they sit in is reused, which is
 * at least until the next rd_chunk call; earlier blocks can be walked
 * backwards (rd_regions) to find context before a line.
 *
 * Before each read(2) the reader flushes stdout (sh_out_flush), so output is
 * batched under load and immediate when the input is idle.
 *
 * Ownership: rd_open returns a reader the caller frees with rd_free; it does
 * not close the descriptor. */
#ifndef SH_READER_H
#define SH_READER_H

#include <stddef.h>
#include <stdint.h>

#define RD_DEFAULT_LINECAP (1u << 20)
#define RD_MAX_LINECAP (256u << 20)

struct rd_chunk {
	const char *p;     /* first byte */
	size_t n;          /* bytes, including the newlines */
	int truncated;     /* a single line cut at the cap (no newline) */
	int nonl;          /* the last line has no newline (end of input) */
	uint64_t off;      /* byte offset of p in the stream */
};

struct rd_region {
	const char *p;
	size_t n;
};

struct reader;

struct reader *rd_open(int fd, const char *name, size_t linecap);
/* rd_open_stream: for readers that only take lines one by one and never
 * look back (no rd_regions): two blocks of a line cap each, not four of
 * four, so a 4 MiB cap costs about 8 MiB instead of 64 at most. A line
 * stays valid until the next call. */
struct reader *rd_open_stream(int fd, const char *name, size_t linecap);
void rd_free(struct reader *r);

enum {
	RD_EOF = 0,
	RD_OK = 1,
	RD_ERR = -1,       /* read error; errno set */
	RD_TIMEOUT = -2,   /* nothing arrived within timeout_ms */
	RD_STOP = -3,      /* interrupted and sh_stop is set */
};

/* rd_chunk fills *c with the next run of whole lines. timeout_ms < 0 waits
 * for ever; otherwise RD_TIMEOUT is returned when no complete line arrived
 * in time (data read meanwhile is kept). */
int rd_chunk(struct reader *r, struct rd_chunk *c, int timeout_ms);

/* rd_line hands out one line at a time (without its newline) from the
 * chunks; same return values. A line longer than the cap is cut there and
 * *truncated is set. */
int rd_line(struct reader *r, const char **line, size_t *n, int *truncated,
    int timeout_ms);

/* rd_regions stores, newest first, up to max regions of whole lines read
 * before `upto` (a pointer into the current chunk) and returns how many. */
int rd_regions(struct reader *r, const char *upto, struct rd_region *out,
    int max);

const char *rd_name(const struct reader *r);
/* bytes consumed so far, lines cut at the cap so far */
uint64_t rd_offset(const struct reader *r);
unsigned long rd_truncated(const struct reader *r);
size_t rd_linecap(const struct reader *r);

#endif

/* test_reader - the bounded line reader: lines split across reads (a pipe
 * fed in pieces by a child), the last line without a newline, an overlong
 * line cut once at the cap with the rest skipped (whether it arrives in
 * pieces or in one read), timeouts, and rd_regions handing back the
 * earlier lines exactly. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reader.h"
#include "unit.h"

struct piece {
	const char *s;
	size_t n;        /* 0: strlen */
	int repeat;      /* write it this many times */
	int pause_ms;    /* before writing */
};

/* A child writes the pieces into a pipe; returns the read end. */
static int
feed(const struct piece *p, int np, pid_t *pid)
{
	int fd[2];
	if (pipe(fd))
		return -1;
	*pid = fork();
	if (*pid == 0) {
		close(fd[0]);
		for (int i = 0; i < np; i++) {
			if (p[i].pause_ms)
				usleep((useconds_t)p[i].pause_ms * 1000);
			size_t n = p[i].n ? p[i].n : strlen(p[i].s);
			for (int k = 0; k < (p[i].repeat ? p[i].repeat : 1); k++)
				if (write(fd[1], p[i].s, n) != (ssize_t)n)
					_exit(1);
		}
		_exit(0);
	}
	close(fd[1]);
	return fd[0];
}

static void
reap(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
}

struct got {
	char line[8][2048];
	size_t len[8];
	int trunc[8];
	int n, rc;
};

static void
read_all(struct reader *r, struct got *g, int timeout_ms)
{
	const char *l;
	size_t n;
	int t, rc;

	memset(g, 0, sizeof *g);
	while ((rc = rd_line(r, &l, &n, &t, timeout_ms)) == RD_OK ||
	    rc == RD_TIMEOUT) {
		if (rc == RD_TIMEOUT)
			continue;
		if (g->n < 8) {
			memcpy(g->line[g->n], l, n < 2047 ? n : 2047);
			g->len[g->n] = n;
			g->trunc[g->n] = t;
		}
		g->n++;
	}
	g->rc = rc;
}

static int
all_x(const char *s, size_t n)
{
	for (size_t i = 0; i < n && i < 2047; i++)
		if (s[i] != 'x')
			return 0;
	return 1;
}

static void
split_reads(void)
{
	static const struct piece p[] = {
		{ "alpha\nbra", 0, 0, 0 }, { "vo\ncha", 0, 0, 20 },
		{ "rlie", 0, 0, 20 }, { "\n", 0, 0, 20 }, { "\n", 0, 0, 0 },
		{ "delta", 0, 0, 20 },
	};
	pid_t pid;
	int fd = feed(p, 6, &pid);
	struct reader *r = rd_open(fd, "<pipe>", 0);
	struct got g;
	read_all(r, &g, -1);
	T_OK(g.n == 5, "split reads: 5 lines (%d)", g.n);
	T_STR(g.line[0], "alpha", "split reads: line 1");
	T_STR(g.line[1], "bravo", "split reads: line 2 joined across reads");
	T_STR(g.line[2], "charlie", "split reads: line 3 joined across 3 reads");
	T_OK(g.len[3] == 0, "split reads: an empty line");
	T_STR(g.line[4], "delta", "split reads: the last line without a newline");
	T_OK(g.rc == RD_EOF, "split reads: ends with RD_EOF");
	T_OK(rd_offset(r) == 26, "split reads: 26 bytes consumed (%llu)",
	    (unsigned long long)rd_offset(r));
	T_OK(rd_truncated(r) == 0, "split reads: nothing truncated");
	T_STR(rd_name(r), "<pipe>", "rd_name");
	rd_free(r);
	close(fd);
	reap(pid);
}

static void
chunks_are_whole_lines(void)
{
	static const struct piece p[] = {
		{ "one\ntw", 0, 0, 0 }, { "o\nthree\nfo", 0, 0, 20 },
		{ "ur", 0, 0, 20 },
	};
	pid_t pid;
	int fd = feed(p, 3, &pid);
	struct reader *r = rd_open(fd, "<pipe>", 0);
	struct rd_chunk c;
	int ok = 1, n = 0, nonl = 0;
	char all[64] = "";
	while (rd_chunk(r, &c, -1) == RD_OK) {
		if (!c.nonl && (c.n == 0 || c.p[c.n - 1] != '\n'))
			ok = 0;
		nonl += c.nonl;
		strncat(all, c.p, c.n);
		n++;
	}
	T_OK(ok, "rd_chunk: every chunk but the last ends with a newline");
	T_OK(nonl == 1, "rd_chunk: the last chunk is marked nonl");
	T_STR(all, "one\ntwo\nthree\nfour", "rd_chunk: chunks add up to the input");
	rd_free(r);
	close(fd);
	reap(pid);
}

static void
empty_input(void)
{
	int fd[2];
	if (pipe(fd))
		return;
	close(fd[1]);
	struct reader *r = rd_open(fd[0], "<empty>", 0);
	struct got g;
	read_all(r, &g, -1);
	T_OK(g.n == 0 && g.rc == RD_EOF, "empty input: RD_EOF at once");
	rd_free(r);
	close(fd[0]);
}

static void
overlong_in_pieces(void)
{
	static const struct piece p[] = {
		{ "first\n", 0, 0, 0 },
		{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 0, 100, 5 },
		{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 0, 100, 20 },
		{ "yyyy\nafter\n", 0, 0, 20 },
	};
	pid_t pid;
	int fd = feed(p, 4, &pid);
	struct reader *r = rd_open(fd, "<pipe>", 1024);
	struct got g;
	read_all(r, &g, -1);
	T_OK(g.n == 3, "overlong, in pieces: 3 lines (%d)", g.n);
	T_STR(g.line[0], "first", "overlong, in pieces: the line before");
	T_OK(g.len[1] == 1024 && g.trunc[1] && all_x(g.line[1], g.len[1]),
	    "overlong, in pieces: cut at the cap (%zu bytes), marked truncated",
	    g.len[1]);
	T_STR(g.line[2], "after", "overlong, in pieces: the rest skipped, the "
	    "next line intact");
	T_OK(rd_truncated(r) == 1, "overlong, in pieces: truncated once (%lu)",
	    rd_truncated(r));
	T_OK(rd_offset(r) == 6 + 10000 + 5 + 6, "overlong: every byte consumed");
	rd_free(r);
	close(fd);
	reap(pid);
}

static void
overlong_at_once(void)
{
	/* the whole line with its newline arrives in a single read */
	static char buf[12000];
	size_t k = 0;
	memcpy(buf, "first\n", 6);
	k = 6;
	memset(buf + k, 'x', 5000);
	k += 5000;
	memcpy(buf + k, "\nafter\n", 7);
	k += 7;
	struct piece p[] = { { buf, k, 0, 0 } };
	pid_t pid;
	int fd = feed(p, 1, &pid);
	usleep(50000); /* let it all reach the pipe */
	struct reader *r = rd_open(fd, "<pipe>", 1024);
	struct got g;
	read_all(r, &g, -1);
	T_OK(g.n == 3 && g.len[1] == 1024 && g.trunc[1] &&
	    rd_truncated(r) == 1,
	    "overlong, in one read: cut at the 1024-byte cap too (got %zu bytes, "
	    "truncated %d)", g.len[1], g.trunc[1]);
	T_STR(g.line[2], "after", "overlong, in one read: the next line intact");
	rd_free(r);
	close(fd);
	reap(pid);

	/* the same from a regular file */
	char path[] = "/tmp/test_reader.XXXXXX";
	int f = mkstemp(path);
	if (write(f, buf, k) != (ssize_t)k)
		T_OK(0, "write temp file");
	lseek(f, 0, SEEK_SET);
	r = rd_open(f, path, 1024);
	read_all(r, &g, -1);
	T_OK(g.n == 3 && g.len[1] == 1024 && g.trunc[1],
	    "overlong, regular file: cut at the 1024-byte cap (got %zu bytes)",
	    g.len[1]);
	rd_free(r);
	close(f);
	unlink(path);
}

static void
overlong_at_eof(void)
{
	static const struct piece p[] = {
		{ "ok\n", 0, 0, 0 },
		{ "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", 0, 60, 10 },
	};
	pid_t pid;
	int fd = feed(p, 2, &pid);
	struct reader *r = rd_open(fd, "<pipe>", 1024);
	struct got g;
	read_all(r, &g, -1);
	T_OK(g.n == 2 && g.len[1] == 1024 && g.trunc[1] && rd_truncated(r) == 1,
	    "overlong last line without a newline: cut once (%d lines, %zu bytes)",
	    g.n, g.len[1]);
	rd_free(r);
	close(fd);
	reap(pid);
}

static void
exactly_the_cap(void)
{
	/* a line of exactly the cap is whole, however it arrives: its
	 * newline in a later read, or no newline at the end (fuzz_reader) */
	static const struct piece p[] = {
		{ "0123456789abcdef", 0, 0, 0 }, { "\n", 0, 0, 30 },
		{ "0123456789abcdef\n0123456789abcdef", 0, 0, 30 },
	};
	pid_t pid;
	int fd = feed(p, 3, &pid);
	struct reader *r = rd_open(fd, "<pipe>", 16);
	struct got g;
	read_all(r, &g, 0);
	T_OK(g.n == 3 && g.rc == RD_EOF, "exactly the cap: 3 lines (%d)", g.n);
	T_OK(g.len[0] == 16 && !g.trunc[0] && g.len[1] == 16 && !g.trunc[1] &&
	    g.len[2] == 16 && !g.trunc[2] && rd_truncated(r) == 0,
	    "exactly the cap: none truncated (%d %d %d)", g.trunc[0], g.trunc[1],
	    g.trunc[2]);
	rd_free(r);
	close(fd);
	reap(pid);
}

static void
timeouts(void)
{
	static const struct piece p[] = {
		{ "par", 0, 0, 0 }, { "tial\nnext\n", 0, 0, 300 },
	};
	pid_t pid;
	int fd = feed(p, 2, &pid);
	struct reader *r = rd_open(fd, "<pipe>", 0);
	const char *l;
	size_t n;
	int t, rc, timeouts = 0;
	while ((rc = rd_line(r, &l, &n, &t, 50)) == RD_TIMEOUT)
		timeouts++;
	T_OK(timeouts >= 2, "a half line and a quiet writer: RD_TIMEOUT (%d)",
	    timeouts);
	T_OK(rc == RD_OK && n == 7 && !memcmp(l, "partial", 7),
	    "data read before a timeout is kept");
	rc = rd_line(r, &l, &n, &t, 50);
	T_OK(rc == RD_OK && n == 4 && !memcmp(l, "next", 4), "then the next line");
	rd_free(r);
	close(fd);
	reap(pid);
}

/* ~22 MB of numbered lines through the ring of 4 MiB blocks: every line
 * intact, and rd_regions gives exactly the bytes before a line. */
static void
many_blocks_and_regions(void)
{
	size_t cap = 23u << 20, k = 0;
	char *in = malloc(cap);
	int lines = 0;
	while (k + 200 < cap - 1000) {
		/* lengths vary so that lines straddle block ends */
		int extra = (lines * 37) % 150;
		k += (size_t)sprintf(in + k, "line %08d %.*s\n", lines, extra,
		    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghij"
		    "klmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrs"
		    "tuvwxyzabcdefghijklmnopqrstuvwxyz");
		lines++;
	}
	char path[] = "/tmp/test_reader.XXXXXX";
	int f = mkstemp(path);
	if (write(f, in, k) != (ssize_t)k)
		T_OK(0, "write temp file");
	lseek(f, 0, SEEK_SET);
	struct reader *r = rd_open(f, path, 0);
	const char *l;
	size_t n, off = 0;
	int t, rc, bad = 0, seen = 0, checked = 0, regbad = 0, far = 0;
	while ((rc = rd_line(r, &l, &n, &t, -1)) == RD_OK) {
		if (n >= k - off || memcmp(l, in + off, n) || in[off + n] != '\n' ||
		    t)
			bad++;
		if (seen % 9973 == 0 || seen == lines - 1) {
			struct rd_region reg[8];
			int nr = rd_regions(r, l, reg, 8);
			size_t total = 0;
			/* newest first: walk back from the line */
			size_t end = off;
			for (int i = 0; i < nr; i++) {
				if (reg[i].n > end ||
				    memcmp(reg[i].p, in + end - reg[i].n, reg[i].n))
					regbad++;
				else
					end -= reg[i].n;
				total += reg[i].n;
			}
			if (seen > 0 && (nr == 0 || total == 0))
				regbad++;
			if (total > (8u << 20))
				far++;
			checked++;
		}
		off += n + 1;
		seen++;
	}
	T_OK(rc == RD_EOF && seen == lines && bad == 0,
	    "%d lines through the block ring, all intact (%d seen, %d bad)", lines,
	    seen, bad);
	T_OK(checked > 10 && regbad == 0,
	    "rd_regions at %d places gives exactly the earlier bytes", checked);
	T_OK(far > 0, "rd_regions reaches back across blocks (over 8 MiB)");
	rd_free(r);
	close(f);
	unlink(path);
	free(in);
}

/* The stream ring (two blocks of one cap and a read): ~3 MB of lines of
 * every length around a 1 KiB cap, through many block changes; every line
 * intact or cut at the cap exactly when longer. */
static void
stream_ring(void)
{
	size_t cap = 3u << 20, k = 0;
	char *in = malloc(cap);
	int lines = 0;
	while (k + 2000 < cap) {
		int len = 12 + (lines * 97) % 1100;     /* up to 1111 bytes */
		k += (size_t)sprintf(in + k, "%010d ", lines);
		for (int i = 11; i < len; i++)
			in[k++] = (char)('a' + (lines + i) % 26);
		in[k++] = '\n';
		lines++;
	}
	char path[] = "/tmp/test_reader.XXXXXX";
	int f = mkstemp(path);
	if (write(f, in, k) != (ssize_t)k)
		T_OK(0, "write temp file");
	lseek(f, 0, SEEK_SET);
	struct reader *r = rd_open_stream(f, path, 1024);
	const char *l;
	size_t n, off = 0;
	int t, rc, bad = 0, seen = 0, cut = 0;
	while ((rc = rd_line(r, &l, &n, &t, -1)) == RD_OK) {
		const char *nl = memchr(in + off, '\n', k - off);
		size_t want = (size_t)(nl - (in + off));
		if (want > 1024 ? n != 1024 || !t : n != want || t)
			bad++;
		if (memcmp(l, in + off, n))
			bad++;
		cut += t;
		off += want + 1;
		seen++;
	}
	T_OK(rc == RD_EOF && seen == lines && bad == 0 && cut > 100,
	    "stream ring: %d lines, all intact or cut at the cap (%d seen, "
	    "%d bad, %d cut)", lines, seen, bad, cut);
	T_OK(rd_offset(r) == k, "stream ring: every byte consumed");
	rd_free(r);
	close(f);
	unlink(path);
	free(in);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	split_reads();
	chunks_are_whole_lines();
	empty_input();
	overlong_in_pieces();
	overlong_at_once();
	overlong_at_eof();
	exactly_the_cap();
	timeouts();
	many_blocks_and_regions();
	stream_ring();
	return t_done();
}

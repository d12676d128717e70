/* follow.c - see follow.h. Polling stat(2) rather than inotify keeps this
 * portable and correct on network file systems; 200 ms of latency is
 * nothing next to how logs are read. */
#include "follow.h"
#include "statefile.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READSZ (64u << 10)
#define NNOTES 8

struct follow {
	char *path;
	int fd;
	int opened_once, gone, from_end;
	dev_t dev;
	ino_t ino;
	off_t off;              /* bytes read from the current file */
	char *buf;
	size_t size, len;       /* buffer size; bytes of a partial line held */
	size_t linecap;
	int skipping;           /* discarding the rest of a cut line */
	enum fw_note notes[NNOTES];
	int nnotes;
	uint64_t rdev, rino, roff;  /* a position to resume at, if any */
	int resume;
};

static void
note(struct follow *f, enum fw_note n)
{
	if (f->nnotes < NNOTES)
		f->notes[f->nnotes++] = n;
}

enum fw_note
fw_note(struct follow *f)
{
	if (!f->nnotes)
		return FW_NONE;
	enum fw_note n = f->notes[0];
	memmove(f->notes, f->notes + 1, (size_t)(--f->nnotes) * sizeof *f->notes);
	return n;
}

const char *
fw_path(const struct follow *f)
{
	return f->path;
}

struct follow *
fw_open(const char *path, size_t linecap, int from_end)
{
	struct follow *f = xcalloc(1, sizeof *f);

	f->path = xstrdup(path);
	f->fd = -1;
	f->linecap = linecap ? linecap : (1u << 20);
	f->size = f->linecap + READSZ;
	f->buf = xmalloc(f->size);
	f->from_end = from_end;
	return f;
}

void
fw_free(struct follow *f)
{
	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	free(f->buf);
	free(f->path);
	free(f);
}

void
fw_position(const struct follow *f, uint64_t *dev, uint64_t *ino,
    uint64_t *off)
{
	*dev = (uint64_t)f->dev;
	*ino = (uint64_t)f->ino;
	*off = f->fd >= 0 ? (uint64_t)f->off - f->len : 0;
}

void
fw_resume(struct follow *f, uint64_t dev, uint64_t ino, uint64_t off)
{
	f->rdev = dev;
	f->rino = ino;
	f->roff = off;
	f->resume = 1;
}

static int
try_open(struct follow *f, enum fw_note kind)
{
	struct stat st;
	int fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		close(fd);
		errno = EISDIR;
		return -1;
	}
	f->fd = fd;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->off = 0;
	f->len = 0;
	f->skipping = 0;
	if (f->resume && (uint64_t)st.st_dev == f->rdev &&
	    (uint64_t)st.st_ino == f->rino && (off_t)f->roff <= st.st_size &&
	    S_ISREG(st.st_mode)) {
		f->off = lseek(fd, (off_t)f->roff, SEEK_SET);
	} else if (!f->opened_once && f->from_end && S_ISREG(st.st_mode)) {
		f->off = lseek(fd, 0, SEEK_END);
	}
	if (f->off < 0)
		f->off = 0;
	f->resume = 0;
	f->opened_once = 1;
	f->gone = 0;
	note(f, kind);
	return 0;
}

/* Hand out the whole lines in buf[0..len), keep the partial one. */
static int
split(struct follow *f, size_t from, fw_line_fn fn, void *arg)
{
	size_t start = 0;
	int lines = 0;
	char *p = f->buf, *nl;

	while ((nl = memchr(p + from, '\n', f->len - from)) != NULL) {
		size_t e = (size_t)(nl - p);
		if (f->skipping)
			f->skipping = 0;
		else {
			int cut = e - start > f->linecap;
			fn(arg, p + start, cut ? f->linecap : e - start, cut);
			lines++;
		}
		start = from = e + 1;
	}
	if (f->skipping) {
		f->len = 0;
		return lines;
	}
	if (f->len - start >= f->linecap) {
		fn(arg, p + start, f->linecap, 1);
		lines++;
		f->skipping = 1;
		f->len = 0;
		return lines;
	}
	memmove(p, p + start, f->len - start);
	f->len -= start;
	return lines;
}

static void
flush_partial(struct follow *f, fw_line_fn fn, void *arg)
{
	if (f->len && !f->skipping)
		fn(arg, f->buf, f->len, 0);
	f->len = 0;
	f->skipping = 0;
}

void
fw_finish(struct follow *f, fw_line_fn fn, void *arg)
{
	flush_partial(f, fn, arg);
}

int
fw_poll(struct follow *f, size_t budget, fw_line_fn fn, void *arg)
{
	struct stat st, cur;
	int lines = 0;
	size_t got = 0;

	if (f->fd < 0 && try_open(f, FW_OPENED) < 0)
		return 0;
	for (;;) {
		ssize_t n = read(f->fd, f->buf + f->len, f->size - f->len);
		if (n < 0) {
			if (errno == EINTR && !sh_stop)
				continue;
			if (errno == EAGAIN)
				break;
			return -1;
		}
		if (n == 0)
			break;
		size_t from = f->len;
		f->len += (size_t)n;
		f->off += n;
		lines += split(f, from, fn, arg);
		got += (size_t)n;
		if (budget && got >= budget)
			return lines;
	}
	/* at the end of what is there: has the name moved on? */
	if (stat(f->path, &st) < 0) {
		if (!f->gone) {
			f->gone = 1;
			note(f, FW_GONE);
		}
		return lines;
	}
	if (st.st_dev != f->dev || st.st_ino != f->ino) {
		flush_partial(f, fn, arg);
		close(f->fd);
		f->fd = -1;
		if (try_open(f, FW_ROTATED) == 0) {
			int more = fw_poll(f, budget, fn, arg);
			return more < 0 ? -1 : lines + more;
		}
		return lines;
	}
	f->gone = 0;
	if (fstat(f->fd, &cur) == 0 && S_ISREG(cur.st_mode) &&
	    cur.st_size < f->off) {
		lseek(f->fd, 0, SEEK_SET);
		f->off = 0;
		f->len = 0;
		f->skipping = 0;
		note(f, FW_TRUNCATED);
		int more = fw_poll(f, budget, fn, arg);
		return more < 0 ? -1 : lines + more;
	}
	return lines;
}

static void
state_name(const struct follow *f, struct sbuf *n)
{
	sbuf_adds(n, "follow-");
	sf_safe_name(f->path, n);
}

int
fw_load(struct follow *f, const char *dir)
{
	struct sbuf n, v;
	unsigned long long d, ino, off;
	int rc;

	sbuf_init(&n);
	sbuf_init(&v);
	state_name(f, &n);
	rc = sf_read(dir, n.s, &v, 4096);
	if (rc > 0 && sscanf(v.s, "%llu %llu %llu", &d, &ino, &off) == 3)
		fw_resume(f, d, ino, off);
	sbuf_release(&n);
	sbuf_release(&v);
	return rc < 0 ? -1 : 0;
}

int
fw_save(const struct follow *f, const char *dir)
{
	struct sbuf n, v;
	uint64_t d, ino, off;
	int rc;

	sbuf_init(&n);
	sbuf_init(&v);
	state_name(f, &n);
	fw_position(f, &d, &ino, &off);
	sbuf_addf(&v, "%llu %llu %llu\n", (unsigned long long)d,
	    (unsigned long long)ino, (unsigned long long)off);
	rc = f->fd >= 0 ? sf_write(dir, n.s, v.s, v.len) : 0;
	sbuf_release(&n);
	sbuf_release(&v);
	return rc;
}

const char *
fw_note_text(enum fw_note n)
{
	switch (n) {
	case FW_OPENED: return "following";
	case FW_ROTATED: return "rotated; following the new file";
	case FW_TRUNCATED: return "truncated; reading from the start";
	case FW_GONE: return "removed; waiting for it to come back";
	default: return "";
	}
}

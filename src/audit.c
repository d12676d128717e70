/* audit.c - see audit.h. */
#include "audit.h"
#include "json.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

struct audit {
	int fd;           /* -1: no log */
	int failed;
	char *path;
};

struct audit *
au_open(const char *path, struct sbuf *err)
{
	struct audit *a = xcalloc(1, sizeof *a);
	struct stat st;
	char last;

	a->fd = -1;
	if (!path)
		return a;
	a->path = xstrdup(path);
	a->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (a->fd < 0 || fstat(a->fd, &st) < 0) {
		sbuf_addf(err, "%s: %s", path, strerror(errno));
		au_close(a);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		/* fsync means nothing on a pipe or terminal: refuse */
		sbuf_addf(err, "%s: not a regular file", path);
		au_close(a);
		return NULL;
	}
	if (st.st_size > 0) {
		int rfd = open(path, O_RDONLY | O_CLOEXEC);
		if (rfd >= 0 && pread(rfd, &last, 1, st.st_size - 1) == 1 &&
		    last != '\n') {
			flock(a->fd, LOCK_EX);
			if (write(a->fd, "\n", 1) != 1 || fsync(a->fd) < 0) {
				sbuf_addf(err, "%s: %s", path, strerror(errno));
				close(rfd);
				au_close(a);
				return NULL;
			}
			flock(a->fd, LOCK_UN);
		}
		if (rfd >= 0)
			close(rfd);
	}
	return a;
}

void
au_close(struct audit *a)
{
	if (!a)
		return;
	if (a->fd >= 0)
		close(a->fd);
	free(a->path);
	free(a);
}

/* fallocate(2) without changing the file size: the appended line will
 * land in blocks that exist already. Returns 0 or an errno value. */
static int
reserve_blocks(int fd, off_t at, size_t n)
{
	int r;

	do
		r = fallocate(fd, FALLOC_FL_KEEP_SIZE, at, (off_t)n);
	while (r < 0 && errno == EINTR);
	return r < 0 ? errno : 0;
}

int
au_ok(const struct audit *a)
{
	return !a->failed;
}

int
au_write(struct audit *a, const char *line, size_t n, struct sbuf *err)
{
	ssize_t w;

	if (a->failed) {
		sbuf_addf(err, "%s: an earlier write failed", a->path);
		return -1;
	}
	if (a->fd < 0)
		return 0;
	while (flock(a->fd, LOCK_EX) < 0 && errno == EINTR)
		;
	/* one write: O_APPEND keeps a whole line together */
	do
		w = write(a->fd, line, n);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)n || fsync(a->fd) < 0) {
		int e = w < 0 || w == (ssize_t)n ? errno : ENOSPC;
		if (w > 0 && w < (ssize_t)n) {
			/* close the torn line so later readers see whole lines */
			if (write(a->fd, "\n", 1) < 0)
				(void)0;
		}
		flock(a->fd, LOCK_UN);
		a->failed = 1;
		sbuf_addf(err, "%s: %s", a->path, strerror(e));
		return -1;
	}
	flock(a->fd, LOCK_UN);
	return 0;
}

int
au_reserve(struct audit *a, size_t n, struct sbuf *err)
{
	struct stat st;
	struct rlimit rl;
	struct statvfs vf;
	int e = 0;

	if (a->failed) {
		sbuf_addf(err, "%s: an earlier write failed", a->path);
		return -1;
	}
	if (a->fd < 0)
		return 0;
	if (fstat(a->fd, &st) < 0) {
		e = errno;
	} else if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur !=
	    RLIM_INFINITY && (unsigned long long)st.st_size + n >
	    (unsigned long long)rl.rlim_cur) {
		/* the write would get EFBIG (SIGXFSZ is ignored) */
		e = EFBIG;
	} else {
		e = reserve_blocks(a->fd, st.st_size, n);
		/* no fallocate here (NFS, some FUSE): look at the free space */
		if (e == EOPNOTSUPP || e == ENOSYS)
			e = fstatvfs(a->fd, &vf) == 0 && (unsigned long long)
			    vf.f_bavail * vf.f_frsize < n ? ENOSPC : 0;
	}
	if (e) {
		a->failed = 1;
		sbuf_addf(err, "%s: %s", a->path, strerror(e));
		return -1;
	}
	return 0;
}

int
au_has_id(const struct audit *a, const char *id)
{
	char needle[160];
	struct stat st;
	off_t from;
	char *buf;
	ssize_t n;
	int fd, found = 0;

	if (!a->path || !*id)
		return 0;
	snprintf(needle, sizeof needle, "\"id\":\"%s\"", id);
	fd = open(a->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0) {
		from = st.st_size > (4 << 20) ? st.st_size - (4 << 20) : 0;
		buf = xmalloc((size_t)(st.st_size - from) + 1);
		n = pread(fd, buf, (size_t)(st.st_size - from), from);
		/* only a whole record counts: a line cut by a crash may hold the
		 * id without the outcome */
		for (const char *p = buf, *end = buf + (n > 0 ? n : 0); p < end &&
		    !found;) {
			const char *hit = memmem(p, (size_t)(end - p), needle,
			    strlen(needle));
			if (!hit)
				break;
			const char *ls = memrchr(buf, '\n', (size_t)(hit - buf));
			const char *le = memchr(hit, '\n', (size_t)(end - hit));
			ls = ls ? ls + 1 : buf;
			if (le) {
				cJSON *r = js_parse(ls, (size_t)(le - ls));
				const char *rid = js_get_str(r, "id");
				found = rid && !strcmp(rid, id);
				cJSON_Delete(r);
			}
			p = le ? le + 1 : end;
		}
		free(buf);
	}
	close(fd);
	return found;
}

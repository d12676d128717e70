/* statefile.c - see statefile.h. */
#include "statefile.h"
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Missing parents are created too (mode 0700, as diagnose and remediate
 * make their state directories): `--state ~/.local/state/selfheal` must
 * work on a fresh account, where ~/.local/state does not exist yet. */
int
sf_dir(const char *dir)
{
	return fs_mkdirs(dir);
}

static void
path(struct sbuf *p, const char *dir, const char *name, const char *ext)
{
	sbuf_reset(p);
	sbuf_addf(p, "%s/%s%s", dir, name, ext);
}

int
sf_read(const char *dir, const char *name, struct sbuf *b, size_t cap)
{
	struct sbuf p;
	char buf[16384];
	ssize_t n;
	int fd;

	sbuf_init(&p);
	path(&p, dir, name, "");
	fd = open(p.s, O_RDONLY | O_CLOEXEC);
	sbuf_release(&p);
	sbuf_reset(b);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		if (b->len + (size_t)n > cap) {
			close(fd);
			errno = EFBIG;
			return -1;
		}
		sbuf_add(b, buf, (size_t)n);
	}
	int e = errno;
	close(fd);
	if (n < 0) {
		errno = e;
		return -1;
	}
	if (!b->s)
		sbuf_add(b, "", 0);
	return 1;
}

int
sf_write(const char *dir, const char *name, const char *s, size_t n)
{
	struct sbuf tmp, dst;
	int fd, rc = -1, e = 0;

	sbuf_init(&tmp);
	sbuf_init(&dst);
	path(&tmp, dir, name, ".tmp");
	path(&dst, dir, name, "");
	fd = open(tmp.s, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		size_t off = 0;
		while (off < n) {
			ssize_t w = write(fd, s + off, n - off);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			off += (size_t)w;
		}
		if (off == n && fsync(fd) == 0) {
			if (close(fd) == 0 && rename(tmp.s, dst.s) == 0)
				rc = 0;
			fd = -1;
		}
		e = errno;
		if (fd >= 0)
			close(fd);
		if (rc < 0)
			unlink(tmp.s);
	} else {
		e = errno;
	}
	sbuf_release(&tmp);
	sbuf_release(&dst);
	if (rc < 0)
		errno = e;
	return rc;
}

void
sf_set_aside(const char *dir, const char *name)
{
	struct sbuf a, b;

	sbuf_init(&a);
	sbuf_init(&b);
	path(&a, dir, name, "");
	path(&b, dir, name, ".bad");
	rename(a.s, b.s);
	sbuf_release(&a);
	sbuf_release(&b);
}

void
sf_safe_name(const char *s, struct sbuf *out)
{
	int changed = 0;

	for (const char *p = s; *p; p++) {
		char c = *p;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    (c == '.' && p != s)) {
			sbuf_addc(out, c);
		} else {
			sbuf_addc(out, '_');
			changed = 1;
		}
	}
	if (changed || !*s)
		sbuf_addf(out, "-%08llx", (unsigned long long)(sh_fnv1a(
		    SH_FNV_INIT, s, strlen(s)) & 0xffffffffULL));
}

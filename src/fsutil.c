/* fsutil.c - see fsutil.h. The rename dance follows the usual rule: data
 * reaches the disk (fsync of the file) before the name points at it
 * (rename), and the name change itself is made durable (fsync of the
 * directory). */
#include "fsutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
fs_mkdirs(const char *path)
{
	char *p = xstrdup(path);
	int rc = 0;

	for (char *s = p + 1; ; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			rc = -1;
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	if (rc == 0) {
		struct stat st;
		if (stat(path, &st) < 0)
			rc = -1;
		else if (!S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			rc = -1;
		}
	}
	int e = errno;
	free(p);
	errno = e;
	return rc;
}

int
fs_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
fs_write_atomic(const char *dir, const char *name, const void *data,
    size_t n, int mode)
{
	struct sbuf tmp, dst;
	int fd, rc = -1, e;

	sbuf_init(&tmp);
	sbuf_init(&dst);
	sbuf_addf(&tmp, "%s/.tmp.%s.%ld", dir, name, (long)getpid());
	sbuf_addf(&dst, "%s/%s", dir, name);
	fd = open(tmp.s, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    mode);
	if (fd < 0)
		goto out;
	if (write_all(fd, data, n) < 0 || fsync(fd) < 0) {
		e = errno;
		close(fd);
		unlink(tmp.s);
		errno = e;
		goto out;
	}
	if (close(fd) < 0 || rename(tmp.s, dst.s) < 0) {
		e = errno;
		unlink(tmp.s);
		errno = e;
		goto out;
	}
	rc = fs_fsync_dir(dir);
out:
	e = errno;
	sbuf_release(&tmp);
	sbuf_release(&dst);
	errno = e;
	return rc;
}

int
fs_remove_durable(const char *dir, const char *name)
{
	struct sbuf p;
	int rc;

	sbuf_init(&p);
	sbuf_addf(&p, "%s/%s", dir, name);
	rc = unlink(p.s);
	if (rc < 0 && errno == ENOENT)
		rc = 0;
	sbuf_release(&p);
	if (rc == 0)
		rc = fs_fsync_dir(dir);
	return rc;
}

char *
fs_read_file(const char *path, size_t max, size_t *n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct sbuf b;
	char buf[8192];
	int e;

	if (fd < 0)
		return NULL;
	sbuf_init(&b);
	sbuf_add(&b, "", 0);
	for (;;) {
		ssize_t r = read(fd, buf, sizeof buf);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (r == 0)
			break;
		if (b.len + (size_t)r > max) {
			errno = EFBIG;
			goto fail;
		}
		sbuf_add(&b, buf, (size_t)r);
	}
	close(fd);
	if (n)
		*n = b.len;
	return b.s;
fail:
	e = errno;
	close(fd);
	sbuf_release(&b);
	errno = e;
	return NULL;
}

char *
fs_state_dir(void)
{
	const char *x = getenv("XDG_STATE_HOME"), *h = getenv("HOME");
	struct sbuf b;

	sbuf_init(&b);
	if (x && *x == '/')
		sbuf_addf(&b, "%s/selfheal", x);
	else if (h && *h == '/')
		sbuf_addf(&b, "%s/.local/state/selfheal", h);
	else
		sbuf_addf(&b, "/tmp/selfheal-%ld", (long)getuid());
	return b.s;
}

char *
fs_sibling_exe(const char *name)
{
	char self[PATH_MAX];
	size_t room = sizeof self - strlen(name) - 1;
	ssize_t n = readlink("/proc/self/exe", self, room);
	char *slash;

	if (n <= 0 || (size_t)n >= room)
		return NULL;
	self[n] = '\0';
	if (!(slash = strrchr(self, '/')))
		return NULL;
	strcpy(slash + 1, name);
	return access(self, X_OK) == 0 ? xstrdup(self) : NULL;
}

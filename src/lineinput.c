/* lineinput.c - see lineinput.h. */
#include "lineinput.h"
#include "json.h"
#include "logsink.h"
#include "reader.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static void
on_line(void *arg, const char *s, size_t n)
{
	struct lineinput *li = arg;

	lr_decode(&li->lr, s, n);
	if (li->lr.kind == LR_RECORD)
		ls_raw(li->sink, s, n);
	else
		ls_log(li->sink, &li->lr, NULL, 0);
}

static int
on_object(void *arg, const char *s, size_t n)
{
	struct lineinput *li = arg;
	cJSON *o = js_parse_flat(s, n);
	int rc = -1;

	lr_clear(&li->lr);
	if (o && cJSON_IsObject(o) && lr_from_json(&li->lr, o) == 0) {
		rc = 0;
		if (li->lr.kind == LR_RECORD) {
			char *c = cJSON_PrintUnformatted(o);
			if (c)
				ls_raw(li->sink, c, strlen(c));
			cJSON_free(c);
		} else {
			ls_log(li->sink, &li->lr, NULL, 0);
		}
	}
	cJSON_Delete(o);
	return rc;
}

void
li_init(struct lineinput *li, struct logsink *sink, size_t cap)
{
	memset(li, 0, sizeof *li);
	li->sink = sink;
	li->cap = cap;
	li->fd = -1;
	lr_init(&li->lr);
	jss_init(&li->js, cap, on_object, on_line, li);
}

void
li_release(struct lineinput *li)
{
	if (li->rd) {
		rd_free(li->rd);
		if (li->fd > 0)
			close(li->fd);
	}
	jss_release(&li->js);
	lr_release(&li->lr);
}

void
li_line(struct lineinput *li, const char *s, size_t n, int truncated)
{
	if (!truncated) {
		jss_feed(&li->js, s, n);
		return;
	}
	li->cut++;
	jss_flush(&li->js);
	lr_decode(&li->lr, s, n);
	li->lr.truncated = 1;
	ls_log(li->sink, &li->lr, NULL, 0);
}

void
li_flush(struct lineinput *li)
{
	jss_flush(&li->js);
}

int
li_pending(const struct lineinput *li)
{
	return jss_pending(&li->js);
}

static void
next_file(struct lineinput *li)
{
	li->fd = -1;
	while (li->fidx < li->nfiles) {
		const char *name = li->files[li->fidx++];
		int std = !strcmp(name, "-");
		li->fd = std ? 0 : open(name, O_RDONLY | O_CLOEXEC);
		if (li->fd < 0) {
			sh_warn("%s: %s", name, strerror(errno));
			li->missing++;
			continue;
		}
		li->rd = rd_open_stream(li->fd, std ? "<stdin>" : name, li->cap);
		/* a named file is an app's log: no records pass through */
		li->lr.raw = !std;
		return;
	}
}

void
li_files(struct lineinput *li, char **files, int n)
{
	li->files = files;
	li->nfiles = n;
	li->fidx = 0;
	next_file(li);
}

int
li_fd(const struct lineinput *li)
{
	return li->rd ? li->fd : -1;
}

void
li_read(struct lineinput *li)
{
	const char *s;
	size_t n;
	int cut, rc;

	if (!li->rd)
		return;
	while ((rc = rd_line(li->rd, &s, &n, &cut, 0)) == RD_OK && !sh_stop) {
		if (cut)
			sh_warn("%s: line longer than %zu bytes; truncated",
			    rd_name(li->rd), li->cap);
		li_line(li, s, n, cut);
	}
	if (rc == RD_OK || rc == RD_TIMEOUT || rc == RD_STOP)
		return;
	if (rc == RD_ERR)
		sh_warn("%s: read error: %s", rd_name(li->rd), strerror(errno));
	li_flush(li);
	rd_free(li->rd);
	li->rd = NULL;
	if (li->fd > 0)
		close(li->fd);
	next_file(li);
}

/* jsonstream.c - see jsonstream.h. */
#include "jsonstream.h"

#include <string.h>

#define JSS_MAXLINES 10000

void
jss_init(struct jstream *s, size_t cap, jss_obj_fn obj, jss_line_fn line,
    void *arg)
{
	memset(s, 0, sizeof *s);
	sbuf_init(&s->buf);
	s->cap = cap ? cap : (1u << 20);
	s->maxlines = JSS_MAXLINES;
	s->obj = obj;
	s->line = line;
	s->arg = arg;
}

void
jss_release(struct jstream *s)
{
	sbuf_release(&s->buf);
}

int
jss_pending(const struct jstream *s)
{
	return s->active;
}

static void
reset(struct jstream *s)
{
	sbuf_reset(&s->buf);
	s->active = 0;
	s->depth = s->instr = s->esc = 0;
	s->lines = 0;
}

/* Hand the buffered lines out one by one. */
static void
replay(struct jstream *s, const char *p, size_t n)
{
	const char *end = p + n;

	s->fallbacks++;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		s->line(s->arg, p, (size_t)(e - p));
		p = nl ? nl + 1 : end;
	}
}

void
jss_flush(struct jstream *s)
{
	if (!s->active)
		return;
	/* the buffer is reused by the callbacks' callers: copy out first */
	struct sbuf b = s->buf;
	sbuf_init(&s->buf);
	reset(s);
	replay(s, b.s, b.len);
	sbuf_release(&b);
}

/* Scan p[0..n) continuing the brace state; returns the offset just after
 * the byte that closed the outermost object, or n when still open. */
static size_t
scan(struct jstream *s, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (s->instr) {
			if (s->esc)
				s->esc = 0;
			else if (c == '\\')
				s->esc = 1;
			else if (c == '"')
				s->instr = 0;
			continue;
		}
		if (c == '"')
			s->instr = 1;
		else if (c == '{' || c == '[')
			s->depth++;
		else if (c == '}' || c == ']') {
			if (--s->depth <= 0)
				return i + 1;
		}
	}
	return n;
}

static size_t
skip_blank(const char *p, size_t n, size_t i)
{
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
		i++;
	return i;
}

/* Could this line open a multi-line object? "{" alone, or "{" followed by
 * a quoted key. */
static int
opens_object(const char *p, size_t n, size_t i)
{
	if (i >= n || p[i] != '{')
		return 0;
	i = skip_blank(p, n, i + 1);
	return i == n || p[i] == '"';
}

static void
complete(struct jstream *s, const char *text, size_t n)
{
	s->objects++;
	if (s->obj(s->arg, text, n) < 0)
		replay(s, text, n);
}

void
jss_feed(struct jstream *s, const char *line, size_t n)
{
	size_t i = 0;

	if (!s->active) {
		i = skip_blank(line, n, 0);
		/* (a line longer than the cap is not split or buffered: no
		 * object handed out is ever longer than the cap) */
		if (!opens_object(line, n, i) || n - i > s->cap) {
			s->line(s->arg, line, n);
			return;
		}
		/* one line holding whole objects: the common NDJSON case */
		size_t end = scan(s, line + i, n - i);
		if (s->depth <= 0 && !s->instr) {
			size_t rest = skip_blank(line, n, i + end);
			if (rest == n) {
				s->depth = 0;
				s->line(s->arg, line, n);
				return;
			}
			if (line[rest] != '{') {
				/* "{...} trailing text": not ours */
				s->depth = s->instr = s->esc = 0;
				s->line(s->arg, line, n);
				return;
			}
			/* "{...}{...": split them */
			s->depth = s->instr = s->esc = 0;
			complete(s, line + i, end);
			jss_feed(s, line + rest, n - rest);
			return;
		}
		s->active = 1;
		s->lines = 1;
		sbuf_add(&s->buf, line + i, n - i);
		return;
	}
	if (s->buf.len + n + 1 > s->cap || ++s->lines > s->maxlines) {
		jss_flush(s);
		jss_feed(s, line, n);
		return;
	}
	size_t end = scan(s, line, n);
	sbuf_addc(&s->buf, '\n');
	if (end == n && (s->depth > 0 || s->instr)) {
		sbuf_add(&s->buf, line, n);
		return;
	}
	sbuf_add(&s->buf, line, end);
	struct sbuf b = s->buf;
	sbuf_init(&s->buf);
	reset(s);
	complete(s, b.s, b.len);
	sbuf_release(&b);
	size_t rest = skip_blank(line, n, end);
	if (rest < n)
		jss_feed(s, line + rest, n - rest);
}

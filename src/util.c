/* util.c - the small things every selfheal program needs: allocation that
 * cannot fail silently, messages that cannot be hijacked by log text,
 * exit codes, signal flags and careful writes to stdout. */
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *sh_progname = "selfheal";
volatile sig_atomic_t sh_stop;
int sh_progress_shown;

static void
on_stop(int sig)
{
	(void)sig;
	sh_stop = 1;
}

void
sh_init(const char *argv0)
{
	struct sigaction sa;
	const char *p;

	if (argv0 && *argv0) {
		p = strrchr(argv0, '/');
		sh_progname = p ? p + 1 : argv0;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	/* past a file size limit (ulimit -f) a write fails with EFBIG, which
	 * the spool and the audit log report, instead of killing us */
	sigaction(SIGXFSZ, &sa, NULL);
	/* no SA_RESTART: a blocking read returns EINTR so the loop sees sh_stop */
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static _Noreturn void
oom(size_t n)
{
	sh_die(SH_EX_OSERR, "out of memory allocating %zu bytes", n);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *
xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);
	if (!p)
		oom(n * m);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static size_t (*msg_filter)(char *, size_t);

void
sh_set_msg_filter(size_t (*filter)(char *s, size_t n))
{
	msg_filter = filter;
}

/* Write a message with control characters replaced by '?', so that text
 * from logs cannot move the cursor or change colours on a terminal. */
static void
vmsg(const char *fmt, va_list ap)
{
	char buf[1024];
	int n;

	n = vsnprintf(buf, sizeof buf, fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof buf)
		n = sizeof buf - 1;
	if (msg_filter) {
		size_t m = msg_filter(buf, (size_t)n);
		if (m < (size_t)n)
			n = (int)m;
	}
	for (int i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = '?';
	fflush(stdout);
	if (sh_progress_shown) {
		/* a progress line is on the terminal: clear it first */
		fputs("\r\033[K", stderr);
		sh_progress_shown = 0;
	}
	fprintf(stderr, "%s: %.*s\n", sh_progname, n, buf);
}

void
sh_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void
sh_die(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	exit(code);
}

void
sh_warn_limited(struct sh_ratelimit *rl, const char *fmt, ...)
{
	va_list ap;
	unsigned long limit = rl->limit ? rl->limit : 10;

	rl->seen++;
	if (rl->seen > limit + 1)
		return;
	if (rl->seen == limit + 1) {
		sh_warn("further messages of this kind suppressed");
		return;
	}
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

static _Noreturn void
die_pipe(void)
{
	/* as git's check_pipe(): die of SIGPIPE so the shell sees 141 */
	signal(SIGPIPE, SIG_DFL);
	raise(SIGPIPE);
	_exit(141);
}

void
sh_out_reader_gone(void)
{
	die_pipe();
}

static int out_fifo = -1;        /* -1: not watched */

void
sh_out_watch(void)
{
	struct stat st;

	out_fifo = fstat(1, &st) == 0 && S_ISFIFO(st.st_mode);
}

int
sh_out_watch_fd(void)
{
	return out_fifo > 0 ? 1 : -1;
}

void
sh_out_check_reader(void)
{
	struct pollfd p = { .fd = 1, .events = 0 };

	if (sh_out_watch_fd() == 1 && poll(&p, 1, 0) == 1 &&
	    (p.revents & POLLERR))
		die_pipe();
}

static void
check_out(void)
{
	if (errno == EPIPE)
		die_pipe();
	sh_die(SH_EX_IOERR, "write error on stdout: %s", strerror(errno));
}

void
sh_out_line(const char *s, size_t n)
{
	errno = 0;
	if (fwrite(s, 1, n, stdout) != n)
		check_out();
}

void
sh_out_flush(void)
{
	errno = 0;
	if (fflush(stdout) == EOF)
		check_out();
}

int
sh_out_close(void)
{
	errno = 0;
	if (fflush(stdout) == EOF || ferror(stdout))
		check_out();
	if (fclose(stdout) == EOF)
		check_out();
	return 0;
}

int
sh_parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int
sh_parse_duration_ms(const char *s, int64_t *out)
{
	char *end;
	double v;
	double mul = 1000;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -1;
	if (!strcmp(end, "ms"))
		mul = 1;
	else if (!strcmp(end, "s") || !*end)
		mul = 1000;
	else if (!strcmp(end, "m"))
		mul = 60000;
	else if (!strcmp(end, "h"))
		mul = 3600000;
	else
		return -1;
	if (v * mul > 1e15)
		return -1;
	*out = (int64_t)(v * mul);
	return 0;
}

int64_t
sh_now_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t
sh_fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

void
sbuf_init(struct sbuf *b)
{
	b->s = NULL;
	b->len = b->cap = 0;
}

void
sbuf_release(struct sbuf *b)
{
	free(b->s);
	sbuf_init(b);
}

void
sbuf_reset(struct sbuf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

static void
sbuf_grow(struct sbuf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	b->s = xrealloc(b->s, cap);
	b->cap = cap;
}

void
sbuf_add(struct sbuf *b, const void *p, size_t n)
{
	if (b->len + n >= b->cap)
		sbuf_grow(b, n);
	if (n)
		memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
sbuf_addc(struct sbuf *b, int c)
{
	if (b->len + 1 >= b->cap)
		sbuf_grow(b, 1);
	b->s[b->len++] = (char)c;
	b->s[b->len] = '\0';
}

void
sbuf_adds(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

void
sbuf_addf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sbuf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

int
sh_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

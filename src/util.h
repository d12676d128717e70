/* util.h - memory, messages, exit codes, signals and stdout for every program.
 *
 * Ownership: x*alloc return memory the caller frees; they never return NULL
 * (they exit 71 on exhaustion, the only place src/ exits besides sh_die). */
#ifndef SH_UTIL_H
#define SH_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <signal.h>

/* Exit codes, as in sysexits(3) (STYLE.md section 3). */
enum sh_exit {
	SH_EX_OK = 0,
	SH_EX_NONE = 1,        /* nothing selected, only with -e */
	SH_EX_USAGE = 64,
	SH_EX_DATAERR = 65,
	SH_EX_NOINPUT = 66,
	SH_EX_UNAVAILABLE = 69,
	SH_EX_SOFTWARE = 70,
	SH_EX_OSERR = 71,
	SH_EX_IOERR = 74,
	SH_EX_TEMPFAIL = 75,
	SH_EX_CONFIG = 78,
};

extern const char *sh_progname;

/* sh_init sets the program name, ignores SIGPIPE (so EPIPE is seen as an
 * error from write) and installs SIGINT/SIGTERM handlers that set
 * sh_stop. */
void sh_init(const char *argv0);
extern volatile sig_atomic_t sh_stop;
/* Set while a progress line (no newline) is on stderr; messages clear it. */
extern int sh_progress_shown;

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Messages on stderr: "prog: text". Control characters in the formatted
 * text are replaced, so log data can never drive the terminal. */
void sh_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void sh_die(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* sh_warn_limited warns at most `limit` times per key (a small counter the
 * caller owns), then once more to say further ones are suppressed. */
struct sh_ratelimit {
	unsigned long seen;
	unsigned long limit;
};
void sh_warn_limited(struct sh_ratelimit *rl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* sh_set_msg_filter installs a function that rewrites every message in
 * place before it is printed (fly-tail redacts its API token with it); it
 * returns the new length, which must not exceed n. NULL removes it. */
void sh_set_msg_filter(size_t (*filter)(char *s, size_t n));

/* Output: one record = one fwrite of a whole line. On EPIPE the process
 * dies of SIGPIPE quietly (exit 141 to the shell); any other write error
 * exits 74. sh_out_flush flushes stdout (called before blocking reads). */
void sh_out_line(const char *s, size_t n);
void sh_out_flush(void);
/* sh_out_close flushes and closes stdout; returns 0 or exits 74/141. */
int sh_out_close(void);
/* The reader of our output may go away while we wait for input, and we
 * would learn it only at the next write, which for a source or a filter
 * that drops most of its input may never come. A program that wants to
 * end as soon as it is gone calls sh_out_watch(): then sh_out_watch_fd is
 * 1 when stdout is a pipe (add it to a poll set with no events: POLLERR
 * means no reader is left), else -1, and the shared reader watches it
 * while it waits; sh_out_check_reader polls it at once. Both end the
 * process as EPIPE does (quietly, 141) when the reader is gone. (diagnose
 * does not watch: what it reads meanwhile goes to its spool, for the next
 * run, and it ends at its next write.) */
void sh_out_watch(void);
int sh_out_watch_fd(void);
void sh_out_check_reader(void);
_Noreturn void sh_out_reader_gone(void);

/* Parse an integer option in [lo, hi]; returns 0 or -1. */
int sh_parse_long(const char *s, long lo, long hi, long *out);

/* Is s[0..n) only blanks (space, tab, CR), or empty? s need not be
 * NUL-terminated. */
int sh_blank(const char *s, size_t n);
/* Parse a duration: "250ms", "2s", "5m", "1h" or bare seconds, into ms. */
int sh_parse_duration_ms(const char *s, int64_t *out);

/* Monotonic clock in milliseconds. */
int64_t sh_now_mono_ms(void);

/* 64-bit FNV-1a over a byte string, continuing from h (start with
 * SH_FNV_INIT). */
#define SH_FNV_INIT 0xcbf29ce484222325ULL
uint64_t sh_fnv1a(uint64_t h, const void *p, size_t n);

/* Growable byte buffer, always NUL-terminated. */
struct sbuf {
	char *s;
	size_t len, cap;
};
void sbuf_init(struct sbuf *b);
void sbuf_release(struct sbuf *b);
void sbuf_reset(struct sbuf *b);
void sbuf_add(struct sbuf *b, const void *p, size_t n);
void sbuf_addc(struct sbuf *b, int c);
void sbuf_adds(struct sbuf *b, const char *s);
void sbuf_addf(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif

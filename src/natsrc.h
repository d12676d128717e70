/* natsrc.h - Fly's log stream over NATS (the way fly-log-shipper and
 * `fly logs` get live logs; shared/reference/fly-platform.md section 1),
 * made safe to build a pipeline on:
 *
 * - it reconnects forever, with a growing delay (100 ms doubling to 5 s,
 *   jittered), also when the first connection fails;
 * - it notices what core NATS silently loses and says so: the time spent
 *   disconnected (from the disconnect to the reconnect), messages dropped
 *   because the consumer was slow, by us or by the client library; each
 *   becomes an NS_GAP item in the stream, where it happened, so the
 *   program can back-fill it from the HTTP log API or write a `gap`
 *   record;
 * - memory is bounded: the queue between the client's delivery threads and
 *   the program holds at most pending_msgs messages and pending_bytes
 *   bytes; past that, messages are dropped and counted.
 *
 * With one subject (one app, or the whole organization) the subscription
 * is synchronous: the program's thread takes messages with ns_drain
 * (natsSubscription_NextMsg), one hand-over from the client's reader
 * thread, which matters at 100k+ messages a second. With several subjects
 * the client library's delivery threads queue messages for ns_drain.
 * Either way a single thread owns stdout. ns_fd is readable whenever
 * something is queued (with several subjects: messages; always: the
 * connection events), so the program can poll it with other sources.
 *
 * Ownership: ns_open returns a source the caller frees with ns_close. The
 * item passed to the callback (its message and text) is valid only during
 * the call. Nothing here prints. */
#ifndef SH_NATSRC_H
#define SH_NATSRC_H

#include <stddef.h>
#include <stdint.h>

struct ns_opts {
	const char *url;            /* one URL or a comma-separated list */
	const char *user;           /* NULL: anonymous */
	const char *password;
	const char *queue;          /* queue group, or NULL */
	const char *const *subjects;
	int nsubjects;
	int pending_msgs;           /* default 65536 */
	int64_t pending_bytes;      /* default 64 MiB */
	int64_t ping_ms;            /* default 10 s (3 missed pings = dead) */
	const char *name;           /* client name shown by the server */
};

enum ns_kind {
	NS_MSG,     /* a message: subject, data, len */
	NS_GAP,     /* lines may be missing between from_ns and to_ns */
	NS_NOTE,    /* something worth a warning: text */
	NS_FATAL,   /* the source cannot go on: text (authorization, ...) */
};

struct ns_item {
	enum ns_kind kind;
	const char *subject;
	const char *data;
	int len;
	int64_t from_ns, to_ns;     /* wall clock */
	unsigned long dropped;      /* messages known lost (NS_GAP), or 0 */
	const char *text;           /* NS_GAP reason, NS_NOTE, NS_FATAL */
};

typedef void (*ns_fn)(void *arg, const struct ns_item *it);

struct natsrc;

/* ns_open connects (or starts retrying in the background when the server
 * cannot be reached) and subscribes. Returns 0, or -1 with a message in
 * err; *fatal is set when retrying cannot help (authorization refused, bad
 * URL or subject). */
int ns_open(struct natsrc **out, const struct ns_opts *o, char *err,
    size_t errlen, int *fatal);

/* Readable (POLLIN) while items are queued. */
int ns_fd(const struct natsrc *s);

/* ns_drain hands out up to max items, in arrival order: queued events,
 * then messages. When ns_sync is true it waits up to wait_ms for the
 * first message (flushing stdout before it blocks); otherwise it does not
 * wait (poll ns_fd). Returns how many. */
int ns_drain(struct natsrc *s, int wait_ms, int max, ns_fn fn, void *arg);
int ns_sync(const struct natsrc *s);

/* Connected now? And the wall-clock time (ns) the last message arrived
 * (or the connection was made, if later); 0 before either. */
int ns_connected(const struct natsrc *s);
int64_t ns_last_rx(const struct natsrc *s);

/* ns_gap_open: when disconnected now, store since when and return 1. */
int ns_gap_open(const struct natsrc *s, int64_t *from_ns);

/* Drop and recreate the subscriptions (after a silent stall). Returns 0
 * or -1 with err. */
int ns_resubscribe(struct natsrc *s, char *err, size_t errlen);

struct ns_stats {
	unsigned long received, dropped, reconnects;
};
void ns_stats(const struct natsrc *s, struct ns_stats *st);

void ns_close(struct natsrc *s);

/* ns_url_ok: is every comma-separated URL nats://host[:port] or
 * tls://...? (libnats would retry a bad one for ever.) */
int ns_url_ok(const char *url);

struct logrec;

/* ns_decode decodes an NS_MSG into r (lr_decode), fills app, region and
 * instance from the subject where the body lacks them and sets source
 * "nats". Returns NULL for a Fly log object or a selfheal record (r->kind
 * is LR_RECORD for another stage's record: pass it through), else why the
 * message is malformed ("not JSON", "bad JSON", "not a Fly log object");
 * its body is then the message text. */
const char *ns_decode(const struct ns_item *it, struct logrec *r);

/* ns_subject builds "logs.<app|*>.<region|*>.<instance|*>" into out.
 * Returns 0, or -1 when a part is not a valid subject token (empty parts
 * mean "*"). */
int ns_subject(char *out, size_t n, const char *app, const char *region,
    const char *instance);

#endif

/* natsrc.c - see natsrc.h. The libnats callbacks (messages, disconnect,
 * reconnect, errors) only append to one mutex-protected ring; all the
 * deciding happens on the program's thread in ns_drain. The eventfd is
 * written only when the ring goes from empty to non-empty, so a busy
 * stream costs no system call per message. */
#include "natsrc.h"
#include "logrec.h"
#include "natsjson.h"
#include "timefmt.h"
#include "util.h"

#include <errno.h>
#include <nats/nats.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define CTL_SLACK 64
#define TEXT_MAX 240

struct qitem {
	enum ns_kind kind;
	natsMsg *msg;
	int64_t from_ns, to_ns;
	unsigned long dropped;
	char *text;
};

/* Messages handed out, destroyed together: natsMsg_Destroy passes each to
 * libnats' collector thread and wakes it when it is idle, so destroying
 * them one by one costs a thread wake-up per message. Kept across drains;
 * destroyed when full and before the program blocks. */
struct spent {
	natsMsg *m[1024];
	int n;
};

struct natsrc {
	natsOptions *opts;
	struct spent spent;
	natsConnection *nc;
	natsSubscription **subs;
	char **subjects;
	int nsubs;
	char *queue;
	char *url;            /* for messages while not connected */
	int efd;
	int sync;               /* one subject: read it with NextMsg */
	int failed;             /* NextMsg failed for good: said once */

	pthread_mutex_t mu;
	struct qitem *ring;
	size_t cap, head, count, nmsgs;
	size_t maxmsgs;
	int64_t bytes, maxbytes;
	/* drops not yet reported */
	unsigned long dropped;
	int64_t drop_from, drop_to;
	/* connection state */
	int connected;
	int64_t down_since;     /* wall ns; 0 when up */
	int64_t last_rx;
	unsigned long received, total_dropped, reconnects;
	int64_t lib_dropped;    /* libnats' count, as last seen */
	int64_t lib_checked;    /* wall ns of that look */
	uint64_t rng;
};

static void
push(struct natsrc *s, const struct qitem *it)
{
	int was_empty = s->count == 0;
	s->ring[(s->head + s->count) % s->cap] = *it;
	s->count++;
	if (was_empty) {
		uint64_t one = 1;
		ssize_t w = write(s->efd, &one, sizeof one);
		(void)w;
	}
}

/* Control items always fit: the ring has CTL_SLACK beyond maxmsgs. */
static void
push_ctl(struct natsrc *s, enum ns_kind kind, int64_t from, int64_t to,
    unsigned long dropped, const char *text)
{
	struct qitem it = { kind, NULL, from, to, dropped,
		text ? xstrndup(text, strnlen(text, TEXT_MAX)) : NULL };
	if (s->count >= s->cap) {
		free(it.text);
		return;
	}
	push(s, &it);
}

static void
flush_drops(struct natsrc *s)
{
	if (!s->dropped)
		return;
	push_ctl(s, NS_GAP, s->drop_from, s->drop_to, s->dropped,
	    "slow consumer: messages dropped");
	s->dropped = 0;
}

static void
on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *arg)
{
	struct natsrc *s = arg;
	int len = natsMsg_GetDataLength(msg);
	int64_t now = sh_time_now();

	(void)nc;
	(void)sub;
	pthread_mutex_lock(&s->mu);
	s->last_rx = now;
	if (s->nmsgs >= s->maxmsgs || s->bytes + len > s->maxbytes ||
	    s->count + 2 > s->cap) {
		if (!s->dropped)
			s->drop_from = now;
		s->drop_to = now;
		s->dropped++;
		s->total_dropped++;
		pthread_mutex_unlock(&s->mu);
		natsMsg_Destroy(msg);
		return;
	}
	flush_drops(s);
	struct qitem it = { NS_MSG, msg, 0, 0, 0, NULL };
	push(s, &it);
	s->nmsgs++;
	s->bytes += len;
	s->received++;
	pthread_mutex_unlock(&s->mu);
}

static void
last_error(natsConnection *nc, char *buf, size_t n)
{
	const char *t = NULL;
	natsStatus st = natsConnection_GetLastError(nc, &t);
	snprintf(buf, n, "%s", t && *t ? t : st != NATS_OK ?
	    natsStatus_GetText(st) : "connection lost");
}

static void
on_disconnected(natsConnection *nc, void *arg)
{
	struct natsrc *s = arg;
	char buf[160], note[200];

	last_error(nc, buf, sizeof buf);
	snprintf(note, sizeof note, "disconnected (%s); reconnecting", buf);
	pthread_mutex_lock(&s->mu);
	if (s->connected) {
		s->connected = 0;
		if (!s->down_since)
			s->down_since = sh_time_now();
		push_ctl(s, NS_NOTE, 0, 0, 0, note);
	}
	pthread_mutex_unlock(&s->mu);
}

static void
on_up(struct natsrc *s, const char *why)
{
	int64_t now = sh_time_now();

	pthread_mutex_lock(&s->mu);
	s->connected = 1;
	if (s->down_since) {
		flush_drops(s);
		push_ctl(s, NS_GAP, s->down_since, now, 0, why);
		s->down_since = 0;
	}
	if (s->last_rx < now)
		s->last_rx = now;
	pthread_mutex_unlock(&s->mu);
}

static void
on_reconnected(natsConnection *nc, void *arg)
{
	struct natsrc *s = arg;
	(void)nc;
	pthread_mutex_lock(&s->mu);
	s->reconnects++;
	push_ctl(s, NS_NOTE, 0, 0, 0, "reconnected");
	pthread_mutex_unlock(&s->mu);
	on_up(s, "nats disconnected");
}

static void
on_connected(natsConnection *nc, void *arg)
{
	struct natsrc *s = arg;
	(void)nc;
	pthread_mutex_lock(&s->mu);
	push_ctl(s, NS_NOTE, 0, 0, 0, "connected");
	pthread_mutex_unlock(&s->mu);
	on_up(s, "nats not reachable at start");
}

static void
on_closed(natsConnection *nc, void *arg)
{
	struct natsrc *s = arg;
	char buf[160], note[200];

	last_error(nc, buf, sizeof buf);
	snprintf(note, sizeof note, "connection closed: %s", buf);
	pthread_mutex_lock(&s->mu);
	if (s->nc)      /* not during ns_close */
		push_ctl(s, NS_FATAL, 0, 0, 0, note);
	pthread_mutex_unlock(&s->mu);
}

static void
on_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *arg)
{
	struct natsrc *s = arg;
	char buf[160], note[240];
	const char *subj = sub ? natsSubscription_GetSubject(sub) : NULL;

	if (err == NATS_SLOW_CONSUMER)
		return;     /* counted through natsSubscription_GetDropped */
	last_error(nc, buf, sizeof buf);
	snprintf(note, sizeof note, "%s%s%s%s", subj ? "subscription to \"" : "",
	    subj ? subj : "", subj ? "\": " : "", buf);
	pthread_mutex_lock(&s->mu);
	push_ctl(s, err == NATS_NOT_PERMITTED || strstr(buf, "Permissions") ?
	    NS_FATAL : NS_NOTE, 0, 0, 0, note);
	pthread_mutex_unlock(&s->mu);
}

static int64_t
reconnect_delay(natsConnection *nc, int attempts, void *arg)
{
	struct natsrc *s = arg;
	int64_t d = 100;

	(void)nc;
	/* a server that never answers must not mean silence: say so now and
	 * then (every 20 attempts, about every 100 s once backed off) */
	if (attempts > 0 && attempts % 20 == 0) {
		char note[240];
		pthread_mutex_lock(&s->mu);
		if (!s->connected) {
			snprintf(note, sizeof note, "%s: still not connected "
			    "after %d attempts; retrying", s->url, attempts);
			push_ctl(s, NS_NOTE, 0, 0, 0, note);
		}
		pthread_mutex_unlock(&s->mu);
	}
	for (int i = 1; i < attempts && d < 5000; i++)
		d *= 2;
	if (d > 5000)
		d = 5000;
	s->rng = s->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return d - (int64_t)((s->rng >> 33) % (uint64_t)(d / 5 + 1));
}

static int
subscribe(struct natsrc *s, char *err, size_t errlen)
{
	for (int i = 0; i < s->nsubs; i++) {
		natsStatus st = s->sync ? (s->queue ?
		    natsConnection_QueueSubscribeSync(&s->subs[i], s->nc,
		    s->subjects[i], s->queue) :
		    natsConnection_SubscribeSync(&s->subs[i], s->nc,
		    s->subjects[i])) : s->queue ?
		    natsConnection_QueueSubscribe(&s->subs[i], s->nc,
		    s->subjects[i], s->queue, on_msg, s) :
		    natsConnection_Subscribe(&s->subs[i], s->nc, s->subjects[i],
		    on_msg, s);
		if (st == NATS_OK)
			st = natsSubscription_SetPendingLimits(s->subs[i],
			    (int)s->maxmsgs, (int)(s->maxbytes > 0x7fffffff ?
			    0x7fffffff : s->maxbytes));
		if (st != NATS_OK) {
			snprintf(err, errlen, "subscribe \"%s\": %s", s->subjects[i],
			    natsStatus_GetText(st));
			return -1;
		}
	}
	return 0;
}

int
ns_open(struct natsrc **out, const struct ns_opts *o, char *err,
    size_t errlen, int *fatal)
{
	struct natsrc *s = xcalloc(1, sizeof *s);
	natsStatus st;
	const char *why = NULL;

	*out = NULL;
	*fatal = 0;
	pthread_mutex_init(&s->mu, NULL);
	s->maxmsgs = o->pending_msgs > 0 ? (size_t)o->pending_msgs : 65536;
	s->maxbytes = o->pending_bytes > 0 ? o->pending_bytes : (64 << 20);
	s->cap = s->maxmsgs + CTL_SLACK;
	s->ring = xcalloc(s->cap, sizeof *s->ring);
	s->nsubs = o->nsubjects;
	s->sync = o->nsubjects == 1;
	s->subs = xcalloc((size_t)s->nsubs + 1, sizeof *s->subs);
	s->subjects = xcalloc((size_t)s->nsubs + 1, sizeof *s->subjects);
	for (int i = 0; i < s->nsubs; i++)
		s->subjects[i] = xstrdup(o->subjects[i]);
	s->queue = o->queue ? xstrdup(o->queue) : NULL;
	s->url = xstrdup(o->url);
	s->rng = (uint64_t)sh_time_now();
	s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->efd < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		ns_close(s);
		return -1;
	}

	if ((st = natsOptions_Create(&s->opts)) != NATS_OK)
		why = "options";
	else if ((st = natsOptions_SetURL(s->opts, o->url)) != NATS_OK) {
		why = "URL";
		*fatal = 1;
	}
	if (!why && o->user)
		st = natsOptions_SetUserInfo(s->opts, o->user,
		    o->password ? o->password : "");
	if (!why && st == NATS_OK) {
		natsOptions_SetName(s->opts, o->name ? o->name : "fly-tail");
		natsOptions_SetTimeout(s->opts, 5000);
		natsOptions_SetPingInterval(s->opts, o->ping_ms > 0 ?
		    o->ping_ms : 10000);
		natsOptions_SetMaxPingsOut(s->opts, 3);
		natsOptions_SetAllowReconnect(s->opts, true);
		natsOptions_SetMaxReconnect(s->opts, -1);
		natsOptions_SetCustomReconnectDelay(s->opts, reconnect_delay, s);
		natsOptions_SetReconnectJitter(s->opts, 0, 0);
		natsOptions_SetRetryOnFailedConnect(s->opts, true, on_connected, s);
		natsOptions_SetDisconnectedCB(s->opts, on_disconnected, s);
		natsOptions_SetReconnectedCB(s->opts, on_reconnected, s);
		natsOptions_SetClosedCB(s->opts, on_closed, s);
		natsOptions_SetErrorHandler(s->opts, on_error, s);
		natsOptions_SetNoEcho(s->opts, true);
		natsOptions_SetMaxPendingMsgs(s->opts, (int)s->maxmsgs);
		/* fewer, larger reads from the socket on a busy stream */
		natsOptions_SetIOBufSize(s->opts, 256 << 10);
	}
	if (why || st != NATS_OK) {
		snprintf(err, errlen, "%s: %s", why ? why : "options",
		    natsStatus_GetText(st));
		ns_close(s);
		return -1;
	}
	int64_t t0 = sh_time_now();
	st = natsConnection_Connect(&s->nc, s->opts);
	if (st == NATS_NOT_YET_CONNECTED) {
		char buf[160];
		last_error(s->nc, buf, sizeof buf);
		if (strstr(buf, "Authorization") || strstr(buf, "Authentication") ||
		    strstr(buf, "authorization")) {
			snprintf(err, errlen, "%s: %s", o->url, buf);
			*fatal = 1;
			ns_close(s);
			return -1;
		}
		char note[240];
		/* libnats keeps no error text for a refused first connect */
		if (!strcmp(buf, "connection lost"))
			snprintf(buf, sizeof buf, "no server answered");
		snprintf(note, sizeof note, "%s: %s; retrying in the background",
		    o->url, buf);
		pthread_mutex_lock(&s->mu);
		if (!s->connected && !s->down_since)
			s->down_since = t0;
		if (!s->connected)
			push_ctl(s, NS_NOTE, 0, 0, 0, note);
		pthread_mutex_unlock(&s->mu);
	} else if (st == NATS_OK) {
		pthread_mutex_lock(&s->mu);
		s->connected = 1;
		s->last_rx = sh_time_now();
		pthread_mutex_unlock(&s->mu);
	} else {
		snprintf(err, errlen, "%s: %s", o->url, natsStatus_GetText(st));
		*fatal = st == NATS_CONNECTION_AUTH_FAILED ||
		    st == NATS_NOT_PERMITTED || st == NATS_INVALID_ARG;
		ns_close(s);
		return -1;
	}
	if (subscribe(s, err, errlen) < 0) {
		*fatal = 1;
		ns_close(s);
		return -1;
	}
	/* the server has our subscriptions once it answered a PING */
	if (st == NATS_OK)
		natsConnection_FlushTimeout(s->nc, 2000);
	*out = s;
	return 0;
}

int
ns_fd(const struct natsrc *s)
{
	return s->efd;
}

/* libnats drops on its side when its own pending limits are hit (before
 * our callback sees the messages): report the growth as a gap. */
static void
check_lib_drops(struct natsrc *s)
{
	int64_t total = 0, d;

	for (int i = 0; i < s->nsubs; i++)
		if (s->subs[i] && natsSubscription_GetDropped(s->subs[i], &d) ==
		    NATS_OK)
			total += d;
	int64_t now = sh_time_now(), since = s->lib_checked ? s->lib_checked : now;
	s->lib_checked = now;
	if (total > s->lib_dropped) {
		pthread_mutex_lock(&s->mu);
		s->total_dropped += (unsigned long)(total - s->lib_dropped);
		push_ctl(s, NS_GAP, since, now,
		    (unsigned long)(total - s->lib_dropped),
		    "slow consumer: messages dropped by the NATS client");
		pthread_mutex_unlock(&s->mu);
		s->lib_dropped = total;
	}
}


static void
spent_flush(struct spent *sp)
{
	for (int i = 0; i < sp->n; i++)
		natsMsg_Destroy(sp->m[i]);
	sp->n = 0;
}

static void
deliver(natsMsg *m, ns_fn fn, void *arg, struct spent *sp)
{
	struct ns_item x = { NS_MSG, natsMsg_GetSubject(m), natsMsg_GetData(m),
		natsMsg_GetDataLength(m), 0, 0, 0, NULL };
	fn(arg, &x);
	if (sp->n == (int)(sizeof sp->m / sizeof *sp->m))
		spent_flush(sp);
	sp->m[sp->n++] = m;
}

/* The synchronous subscription: wait up to wait_ms for the first message
 * (flushing stdout first, as the shared reader does before it blocks),
 * then take what is there without waiting. When a burst seems over, nap
 * a quarter millisecond once before believing it: under load that turns
 * one wake-up per message (libnats signals a waiting reader for each)
 * into one per hundred. */
static int
drain_sync(struct natsrc *s, int wait_ms, int max, ns_fn fn, void *arg)
{
	natsSubscription *sub = s->subs[0];
	natsMsg *m = NULL;
	struct spent *sp = &s->spent;
	int done = 0, napped = 0;

	while (done < max && sub && !sh_stop) {
		natsStatus st = natsSubscription_NextMsg(&m, sub, 0);
		if (st == NATS_TIMEOUT) {
			if (done && !napped) {
				napped = 1;
				nanosleep(&(struct timespec){ 0, 250000 }, NULL);
				continue;
			}
			if (done || wait_ms <= 0)
				break;
			spent_flush(sp);
			sh_out_flush();
			st = natsSubscription_NextMsg(&m, sub, wait_ms);
			wait_ms = 0;
			if (st == NATS_TIMEOUT)
				break;
		}
		if (st == NATS_SLOW_CONSUMER) {
			check_lib_drops(s);
			continue;
		}
		if (st != NATS_OK) {
			if (!s->failed++) {
				char note[160];
				snprintf(note, sizeof note, "subscription \"%s\": %s",
				    s->subjects[0], natsStatus_GetText(st));
				pthread_mutex_lock(&s->mu);
				push_ctl(s, NS_FATAL, 0, 0, 0, note);
				pthread_mutex_unlock(&s->mu);
			}
			break;
		}
		napped = 0;
		deliver(m, fn, arg, sp);
		done++;
	}
	if (done) {
		pthread_mutex_lock(&s->mu);
		s->last_rx = sh_time_now();
		s->received += (unsigned long)done;
		pthread_mutex_unlock(&s->mu);
	}
	return done;
}

int
ns_drain(struct natsrc *s, int wait_ms, int max, ns_fn fn, void *arg)
{
	struct qitem batch[256];
	int done = 0;
	uint64_t v;

	if (read(s->efd, &v, sizeof v) < 0 && errno != EAGAIN)
		return 0;
	check_lib_drops(s);
	while (done < max) {
		int n = 0;
		pthread_mutex_lock(&s->mu);
		if (!s->count)
			flush_drops(s);
		while (s->count && n < (int)(sizeof batch / sizeof *batch) &&
		    done + n < max) {
			struct qitem *it = &s->ring[s->head];
			batch[n++] = *it;
			s->head = (s->head + 1) % s->cap;
			s->count--;
			if (it->kind == NS_MSG) {
				s->nmsgs--;
				s->bytes -= natsMsg_GetDataLength(it->msg);
			}
		}
		pthread_mutex_unlock(&s->mu);
		if (!n)
			break;
		for (int i = 0; i < n; i++) {
			if (batch[i].msg) {
				deliver(batch[i].msg, fn, arg, &s->spent);
				continue;
			}
			struct ns_item x = { batch[i].kind, NULL, NULL, 0,
				batch[i].from_ns, batch[i].to_ns, batch[i].dropped,
				batch[i].text };
			fn(arg, &x);
			free(batch[i].text);
		}
		done += n;
	}
	/* the caller polls next: may block */
	if (!s->sync)
		spent_flush(&s->spent);
	/* stay readable while items are left */
	pthread_mutex_lock(&s->mu);
	if (s->count) {
		uint64_t one = 1;
		ssize_t w = write(s->efd, &one, sizeof one);
		(void)w;
	}
	pthread_mutex_unlock(&s->mu);
	if (s->sync && done < max && !sh_stop)
		done += drain_sync(s, done ? 0 : wait_ms, max - done, fn, arg);
	return done;
}

int
ns_sync(const struct natsrc *s)
{
	return s->sync;
}

int
ns_connected(const struct natsrc *s)
{
	struct natsrc *m = (struct natsrc *)s;
	pthread_mutex_lock(&m->mu);
	int c = s->connected;
	pthread_mutex_unlock(&m->mu);
	return c;
}

int64_t
ns_last_rx(const struct natsrc *s)
{
	struct natsrc *m = (struct natsrc *)s;
	pthread_mutex_lock(&m->mu);
	int64_t t = s->last_rx;
	pthread_mutex_unlock(&m->mu);
	return t;
}

int
ns_gap_open(const struct natsrc *s, int64_t *from_ns)
{
	struct natsrc *m = (struct natsrc *)s;
	pthread_mutex_lock(&m->mu);
	int open = s->down_since != 0;
	*from_ns = s->down_since;
	pthread_mutex_unlock(&m->mu);
	return open;
}

int
ns_resubscribe(struct natsrc *s, char *err, size_t errlen)
{
	for (int i = 0; i < s->nsubs; i++) {
		if (s->subs[i]) {
			natsSubscription_Unsubscribe(s->subs[i]);
			natsSubscription_Destroy(s->subs[i]);
			s->subs[i] = NULL;
		}
	}
	s->lib_dropped = 0;
	return subscribe(s, err, errlen);
}

void
ns_stats(const struct natsrc *s, struct ns_stats *st)
{
	struct natsrc *m = (struct natsrc *)s;
	pthread_mutex_lock(&m->mu);
	st->received = s->received;
	st->dropped = s->total_dropped;
	st->reconnects = s->reconnects;
	pthread_mutex_unlock(&m->mu);
}

void
ns_close(struct natsrc *s)
{
	if (!s)
		return;
	natsConnection *nc = s->nc;
	pthread_mutex_lock(&s->mu);
	s->nc = NULL;
	pthread_mutex_unlock(&s->mu);
	for (int i = 0; i < s->nsubs; i++)
		if (s->subs[i])
			natsSubscription_Unsubscribe(s->subs[i]);
	if (nc)
		natsConnection_Close(nc);
	for (int i = 0; i < s->nsubs; i++)
		natsSubscription_Destroy(s->subs[i]);
	natsConnection_Destroy(nc);
	natsOptions_Destroy(s->opts);
	spent_flush(&s->spent);
	/* wait for libnats' threads (callbacks may still be running on s),
	 * which also lets leak checkers see a clean exit */
	nats_CloseAndWait(2000);
	while (s->count) {
		struct qitem *it = &s->ring[s->head];
		natsMsg_Destroy(it->msg);
		free(it->text);
		s->head = (s->head + 1) % s->cap;
		s->count--;
	}
	for (int i = 0; i < s->nsubs; i++)
		free(s->subjects[i]);
	free(s->ring);
	free(s->subs);
	free(s->subjects);
	free(s->queue);
	free(s->url);
	if (s->efd >= 0)
		close(s->efd);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static int
token_ok(const char *t)
{
	if (!*t)
		return 0;
	for (; *t; t++) {
		unsigned char c = (unsigned char)*t;
		if (c <= ' ' || c == '.' || c == '*' || c == '>' || c == 0x7f)
			return 0;
	}
	return 1;
}

int
ns_subject(char *out, size_t n, const char *app, const char *region,
    const char *instance)
{
	const char *p[3] = { app, region, instance };

	for (int i = 0; i < 3; i++) {
		if (!p[i] || !*p[i])
			p[i] = "*";
		else if (!token_ok(p[i]))
			return -1;
	}
	if ((size_t)snprintf(out, n, "logs.%s.%s.%s", p[0], p[1], p[2]) >= n)
		return -1;
	return 0;
}

const char *
ns_decode(const struct ns_item *it, struct logrec *r)
{
	const char *subj = it->subject, *why = NULL;
	const char *p[3] = { NULL, NULL, NULL };
	size_t l[3] = { 0, 0, 0 };

	if (nj_decode(r, it->data, (size_t)it->len) < 0)
		lr_decode(r, it->data, (size_t)it->len);
	if (r->kind == LR_RECORD)
		return NULL;
	if (r->kind != LR_NATS && r->kind != LR_LOG)
		why = r->kind != LR_TEXT ? "not a Fly log object" : it->len &&
		    it->data[0] == '{' ? "bad JSON" : "not JSON";
	/* logs.<app>.<region>.<instance> */
	if (subj && !strncmp(subj, "logs.", 5)) {
		const char *q = subj + 5;
		for (int i = 0; i < 3 && *q; i++) {
			const char *d = i < 2 ? strchr(q, '.') : NULL;
			p[i] = q;
			l[i] = d ? (size_t)(d - q) : strlen(q);
			if (!d)
				break;
			q = d + 1;
		}
	}
	if (!r->app[0] && p[0])
		sh_copy(r->app, sizeof r->app, p[0], l[0]);
	if (!r->region[0] && p[1])
		sh_copy(r->region, sizeof r->region, p[1], l[1]);
	if (!r->instance[0] && p[2])
		sh_copy(r->instance, sizeof r->instance, p[2], l[2]);
	if (r->kind != LR_LOG || !r->source[0])
		sh_copy(r->source, sizeof r->source, "nats", 4);
	return why;
}

int
ns_url_ok(const char *url)
{
	const char *p = url;

	for (;;) {
		size_t n = strcspn(p, ",");
		const char *h = !strncmp(p, "nats://", 7) ? p + 7 :
		    !strncmp(p, "tls://", 6) ? p + 6 : NULL;
		if (!h || (size_t)(h - p) >= n)
			return 0;
		for (const char *c = h; c < p + n; c++)
			if ((unsigned char)*c <= ' ')
				return 0;
		if (!p[n])
			return 1;
		p += n + 1;
	}
}

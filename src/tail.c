/* tail.c - see tail.h. One thread does everything: it waits in the NATS
 * subscription (or in poll(2) when there are several subjects or other
 * descriptors), and between messages runs what is due: log API pages,
 * machine event polls, followed files, gap back-fills, the stall check and
 * state saves. */
#include "tail.h"
#include "backfill.h"
#include "dedup.h"
#include "flyapi.h"
#include "follow.h"
#include "lineinput.h"
#include "logrec.h"
#include "logsink.h"
#include "mevents.h"
#include "natsrc.h"
#include "timefmt.h"
#include "token.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXAPPS TAIL_MAXAPPS
#define MAXFOLLOW TAIL_MAXFOLLOW
#define SAVE_MS 5000

struct tail {
	/* the options, copied */
	const char *const *apps, *region, *instance, *org, *url, *queue;
	const char *state;
	const char *const *follow;
	char **files;
	int napps, nfollow, nfiles, nats, api, events, verbose, status;
	int64_t since, replay, stall_ms, events_ms, ev_due, saved;
	long pending;
	size_t linecap;
	const struct token *tok;
	/* the sources and where lines go */
	struct flyapi fa;
	struct natsrc *ns;
	struct fa_tail apitail[MAXAPPS];
	struct mev *mev[MAXAPPS];
	struct follow *fw[MAXFOLLOW];
	struct logsink sink;
	struct lineinput in;
	struct backfill bf;
	struct logrec lr;
	struct sh_ratelimit rl_bad, rl_api;
};

static int
api_entry(void *arg, struct logrec *r)
{
	return ls_log(arg, r, NULL, LS_CHECK);
}

static void
ev_entry(void *arg, struct logrec *r, const struct cJSON *event)
{
	ls_log(arg, r, event, LS_ONCE);
}

static void
fw_line(void *arg, const char *s, size_t n, int cut)
{
	struct lineinput *li = arg;
	int raw = li->lr.raw;

	li->lr.raw = 1;         /* a followed file is an app's log */
	li_line(li, s, n, cut);
	li->lr.raw = raw;
}

static void
on_nats(void *arg, const struct ns_item *it)
{
	struct tail *f = arg;
	const char *why;

	switch (it->kind) {
	case NS_NOTE:
		sh_warn("nats: %s", it->text);
		return;
	case NS_FATAL:
		sh_warn("nats: %s", it->text);
		f->status = SH_EX_UNAVAILABLE;
		sh_stop = 1;
		return;
	case NS_GAP:
		bf_add(&f->bf, it->from_ns, it->to_ns, it->dropped, it->text);
		return;
	case NS_MSG:
		break;
	}
	if ((why = ns_decode(it, &f->lr)) != NULL)
		sh_warn_limited(&f->rl_bad, "nats: %s: malformed message (%s); "
		    "passed on as text", it->subject, why);
	if (f->lr.kind == LR_RECORD) {
		ls_raw(&f->sink, it->data, (size_t)it->len);
		return;
	}
	if (!f->napps)
		bf_seen(&f->bf, f->lr.app);
	ls_log(&f->sink, &f->lr, NULL, LS_LIVE);
}

static void
trace(void *arg, const char *url, const struct http_resp *r)
{
	char e[300];
	(void)arg;
	sh_warn("GET %s: %s", url, r->status >= 200 && r->status < 300 ?
	    "HTTP 200" : http_error_text(r, e, sizeof e));
}

/* What a restart needs: log API cursors and followed files' positions. */
static void
save_state(struct tail *f, int force)
{
	if (!f->state || (!force && sh_now_mono_ms() - f->saved < SAVE_MS))
		return;
	f->saved = sh_now_mono_ms();
	for (int i = 0; f->api && i < f->napps; i++)
		if (fa_tail_save(&f->apitail[i], f->state) < 0)
			sh_warn("%s: %s", f->state, strerror(errno));
	for (int i = 0; i < f->nfollow; i++)
		if (fw_save(f->fw[i], f->state) < 0)
			sh_warn("%s: %s", f->state, strerror(errno));
}

static int
fatal_api(struct tail *f, const char *what, const struct fa_err *e)
{
	if (e->verdict != HTTP_FATAL) {
		sh_warn_limited(&f->rl_api, "%s: %s; retrying", what, e->text);
		return 0;
	}
	sh_warn("%s: %s%s", what, e->text, e->status == 401 || e->status == 403 ?
	    " (check FLY_API_TOKEN or --token-file)" : e->status == 404 ?
	    " (is the app name right?)" : "");
	f->status = SH_EX_UNAVAILABLE;
	sh_stop = 1;
	return 1;
}

static void
tick(struct tail *f, int64_t now)
{
	struct fa_err e;
	char err[256];

	for (int i = 0; f->api && i < f->napps && !sh_stop; i++)
		if (fa_tail_step(&f->fa, &f->apitail[i], now, &f->lr, api_entry,
		    &f->sink, &e) < 0 && fatal_api(f, "log API", &e))
			return;
	for (int i = 0; f->events && now >= f->ev_due && i < f->napps; i++) {
		if (mev_poll(f->mev[i], &f->fa, &f->lr, ev_entry, &f->sink, &e) < 0) {
			if (fatal_api(f, "machines API", &e))
				return;
		} else if (e.text[0]) {
			sh_warn("%s", e.text);
		}
	}
	if (f->events && now >= f->ev_due)
		f->ev_due = now + f->events_ms;
	for (int i = 0; i < f->nfollow; i++) {
		if (fw_poll(f->fw[i], 4u << 20, fw_line, &f->in) < 0)
			sh_warn("%s: %s", fw_path(f->fw[i]), strerror(errno));
		for (enum fw_note k; (k = fw_note(f->fw[i])) != FW_NONE;)
			if (k != FW_OPENED || f->verbose)
				sh_warn("%s: %s", fw_path(f->fw[i]), fw_note_text(k));
	}
	/* a quiet stream must not keep us alive after our reader left
	 * (`fly-tail | head`): we would learn it only at the next line */
	sh_out_check_reader();
	bf_run(&f->bf, now);
	if (f->ns && ns_connected(f->ns) &&
	    bf_stall(&f->bf, ns_last_rx(f->ns), f->stall_ms, now) &&
	    ns_resubscribe(f->ns, err, sizeof err) < 0)
		sh_warn("nats: %s", err);
	save_state(f, 0);
}

void
tail_run(struct tail *f)
{
	while (!sh_stop) {
		int64_t now = sh_now_mono_ms(), t = 1000;
		struct pollfd p[2];
		int np = 0, in = li_fd(&f->in);

		for (int i = 0; f->api && i < f->napps; i++)
			t = f->apitail[i].due - now < t ? f->apitail[i].due - now : t;
		if (f->events && f->ev_due - now < t)
			t = f->ev_due - now;
		if (f->nfollow && t > 200)
			t = 200;
		if (bf_due(&f->bf) - now < t)
			t = bf_due(&f->bf) - now;
		if (t < 0)
			t = 0;
		if (f->ns && ns_sync(f->ns)) {
			/* NATS waits in NextMsg; other input is looked at between */
			if (in >= 0 && poll(&(struct pollfd){ .fd = in,
			    .events = POLLIN }, 1, 0) > 0)
				li_read(&f->in);
			ns_drain(f->ns, in >= 0 && t > 50 ? 50 : t > 250 ? 250 : (int)t,
			    4096, on_nats, f);
			tick(f, sh_now_mono_ms());
			continue;
		}
		if (f->ns)
			p[np++] = (struct pollfd){ .fd = ns_fd(f->ns), .events = POLLIN };
		if (in >= 0)
			p[np++] = (struct pollfd){ .fd = in, .events = POLLIN };
		else if (!f->ns && !f->api && !f->events && !f->nfollow)
			break;      /* inputs done and nothing live */
		sh_out_flush();
		if (poll(p, (nfds_t)np, (int)t) < 0 && errno != EINTR) {
			sh_warn("poll: %s", strerror(errno));
			f->status = SH_EX_OSERR;
			break;
		}
		for (int i = 0; i < np; i++) {
			if (!p[i].revents)
				continue;
			if (f->ns && p[i].fd == ns_fd(f->ns))
				ns_drain(f->ns, 0, 4096, on_nats, f);
			else
				li_read(&f->in);
		}
		tick(f, sh_now_mono_ms());
	}
}

static int
start(struct tail *f, char *err, size_t errlen)
{
	char *subjects[MAXAPPS];
	int fatal = 0, n = f->napps ? f->napps : 1, code = 0;

	for (int i = 0; i < f->napps; i++) {
		fa_tail_init(&f->apitail[i], f->apps[i], f->region, f->instance,
		    f->since);
		switch (f->state ? fa_tail_load(&f->apitail[i], f->state) : 0) {
		case -1:
			sh_warn("%s: %s", f->state, strerror(errno));
			break;
		case 1:
			/* what the next stages held when we stopped is gone with
			 * them: write the last moments again (--replay) */
			if (f->replay)
				fa_tail_rewind(&f->apitail[i], f->replay);
			break;
		}
		struct mev_opts mo = { f->apps[i], f->region, f->instance, f->state,
			f->since / 1000000 };
		if (f->events && !(f->mev[i] = mev_new(&mo, err, errlen)))
			return SH_EX_CONFIG;
	}
	for (int i = 0; i < f->nfollow; i++) {
		f->fw[i] = fw_open(f->follow[i], f->linecap, 0);
		if (f->state && fw_load(f->fw[i], f->state) < 0)
			sh_warn("%s: %s", f->state, strerror(errno));
	}
	li_files(&f->in, f->files, f->nfiles);
	if (!f->nats)
		return 0;
	/* flyctl drops the region filter when a machine is named */
	for (int i = 0; i < n; i++) {
		subjects[i] = xmalloc(256);
		if (!f->napps && !f->region && !f->instance)
			snprintf(subjects[i], 256, "logs.>");
		else if (ns_subject(subjects[i], 256, f->napps ? f->apps[i] : NULL,
		    f->instance ? NULL : f->region, f->instance) < 0) {
			snprintf(err, errlen, "bad --region or --instance");
			code = SH_EX_USAGE;
		}
	}
	struct ns_opts o = { f->url, f->tok ? f->org : NULL,
		f->tok ? f->tok->bare : NULL,
		f->queue, (const char *const *)subjects, n, (int)f->pending,
		f->pending * 1024 > (64 << 20) ? f->pending * 1024 : 64 << 20, 0,
		"fly-tail" };
	if (f->verbose && !code)
		sh_warn("nats: %s as %s, subject %s%s%s", f->url, f->tok ?
		    f->org : "anonymous", subjects[0], n > 1 ? " ..." : "",
		    f->queue ? ", in a queue group" : "");
	char why[400];
	if (!code && ns_open(&f->ns, &o, why, sizeof why, &fatal) < 0) {
		snprintf(err, errlen, "nats: %s", why);
		code = fatal ? SH_EX_UNAVAILABLE : SH_EX_TEMPFAIL;
	}
	/* when not connected, natsrc has said so (always, not just -v) */
	if (f->verbose && !code && ns_connected(f->ns))
		sh_warn("nats: subscribed");
	for (int i = 0; i < n; i++)
		free(subjects[i]);
	return code;
}

struct tail *
tail_open(const struct tail_opts *o, int *code, char *err, size_t errlen)
{
	struct tail *f = xcalloc(1, sizeof *f);

	f->apps = o->apps;
	f->napps = o->napps < MAXAPPS ? o->napps : MAXAPPS;
	f->region = o->instance ? NULL : o->region;
	f->instance = o->instance;
	f->org = o->org ? o->org : "personal";
	f->url = o->nats_url;
	f->queue = o->queue;
	f->state = o->state;
	f->follow = o->follow;
	f->nfollow = o->nfollow < MAXFOLLOW ? o->nfollow : MAXFOLLOW;
	f->files = o->files;
	f->nfiles = o->nfiles;
	f->nats = o->nats;
	f->api = o->api;
	f->events = o->events;
	f->verbose = o->verbose;
	f->since = o->since_ns;
	f->replay = o->replay_ns;
	f->stall_ms = o->stall_ms;
	f->events_ms = o->events_ms;
	f->pending = o->pending;
	f->linecap = o->linecap;
	f->tok = o->tok && o->tok->bare ? o->tok : NULL;
	*code = 0;
	if ((f->api || f->events || (f->nats && f->tok && f->napps)) &&
	    fa_init(&f->fa, o->api_url, o->machines_url, f->tok) < 0) {
		snprintf(err, errlen, "cannot initialize libcurl");
		*code = SH_EX_OSERR;
	}
	if (f->verbose)
		f->fa.trace = trace;
	ls_init(&f->sink);
	f->sink.apps = f->apps;
	f->sink.napps = f->napps;
	f->sink.region = f->region;
	f->sink.instance = f->instance;
	f->sink.linecap = f->linecap;
	f->sink.text = o->text;
	f->sink.color = o->color;
	f->sink.tok = f->tok;
	/* lines can arrive twice only when the log API backs NATS up */
	if (f->fa.logs_url)
		f->sink.dd = dd_new((size_t)o->window);
	f->rl_bad.limit = 100;
	lr_init(&f->lr);
	li_init(&f->in, &f->sink, f->linecap);
	bf_init(&f->bf, f->fa.logs_url ? &f->fa : NULL, &f->sink, &f->lr, f->apps,
	    f->napps, f->region, f->instance);
	if (!*code)
		*code = start(f, err, errlen);
	if (*code) {
		tail_close(f);
		return NULL;
	}
	return f;
}

int
tail_close(struct tail *f)
{
	int64_t from;
	int status;

	if (f->ns && ns_gap_open(f->ns, &from))
		bf_report(&f->bf, from, sh_time_now(), "nats disconnected at exit");
	if (f->bf.n)
		bf_report(&f->bf, f->bf.q[0].from, f->bf.q[f->bf.n - 1].to,
		    "gap not back-filled: stopped first");
	for (int i = 0; i < f->nfollow; i++)
		if (f->fw[i])
			fw_finish(f->fw[i], fw_line, &f->in);
	li_flush(&f->in);
	save_state(f, 1);
	if (f->verbose) {
		struct ns_stats st = { 0, 0, 0 };
		sh_warn("%lu lines written, %lu duplicates skipped, %lu gaps",
		    f->sink.written, f->sink.dups, f->bf.gaps);
		if (f->ns && (ns_stats(f->ns, &st), 1))
			sh_warn("nats: %lu received, %lu dropped, %lu reconnects",
			    st.received, st.dropped, st.reconnects);
	}
	ns_close(f->ns);
	for (int i = 0; i < f->napps; i++)
		mev_free(f->mev[i]);
	for (int i = 0; i < f->nfollow; i++)
		fw_free(f->fw[i]);
	if (f->fa.logs_url)
		fa_release(&f->fa);
	dd_free(f->sink.dd);
	li_release(&f->in);
	lr_release(&f->lr);
	ls_release(&f->sink);
	status = f->status ? f->status : f->in.missing ? SH_EX_NOINPUT : 0;
	free(f);
	return status;
}

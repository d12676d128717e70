/* scan.c - crashgrep's engine: read a stream in big chunks, find the
 * rules' literals in one pass, decode and match only the lines that hold
 * one (and lines of instances with an open crash), feed them to the
 * assembler, and write records to stdout.
 *
 * The raw input is never decoded line by line on the fast path: the
 * prefilter's hits name the candidate lines; between hits, open crashes are
 * served by searching for their instance ids; context comes from the
 * reader's earlier blocks. */
#include "scan.h"
#include "assemble.h"
#include "logrec.h"
#include "prefilter.h"
#include "reader.h"
#include "json.h"
#include "textfmt.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PIECE (1u << 20)
#define MAXHITS 65536

struct scanner {
	struct ruleset *rs;
	struct assembler *as;
	struct reader *rd;
	struct logrec lr, clr;
	struct sbuf out;
	struct pf_hit *hits;
	uint32_t *cand, *seen, stamp;
	unsigned long *hitcount;  /* --stats: candidate lines per pattern */
	uint64_t ctx_scanned;     /* bytes searched for context, in all */
	const char *app;
	const char *cur;          /* the line being processed */
	uint64_t chunk_off;
	const char *chunk_p;
	size_t linecap;
	struct sh_ratelimit longwarn;
	int all, text, color, stats, progress;
	unsigned long decoded, candidates, skipped_open, passed;
};

/* Write one record line; --format text renders it for people. */
static void
out_record(struct scanner *g, const char *rec, size_t n)
{
	cJSON *o;

	if (!g->text) {
		sh_out_line(rec, n);
		return;
	}
	if (!(o = cJSON_ParseWithLength(rec, n)))
		return;
	tf_print(o, g->color);
	cJSON_Delete(o);
}

static void
emit(void *arg, const char *rec, size_t n)
{
	out_record(arg, rec, n);
}

/* Is the line [s, e) of the stream of r? Stores its message if so. */
static int
same_stream(struct scanner *g, const struct logrec *r, const char *s,
    const char *e)
{
	lr_decode(&g->clr, s, (size_t)(e - s));
	if (g->clr.kind == LR_RECORD)
		return 0;
	if (!g->clr.app[0] && g->app)
		sh_copy(g->clr.app, sizeof g->clr.app, g->app, strlen(g->app));
	return !strcmp(g->clr.instance, r->instance) &&
	    !strcmp(g->clr.app, r->app);
}

/* Context: the last max lines of r's stream before the current line, from
 * the reader's earlier blocks. With an instance id, windows of growing size
 * (64 KiB to 1 MiB) before the line are searched for the id as bytes and
 * only lines holding it are decoded; without one, the lines just before are
 * taken. The bytes searched are budgeted (twice the input read plus 32 MiB
 * in all), so a storm of crashes from instances never seen before costs
 * linear time: past the budget, only 64 KiB are searched per crash. */
#define CTX_WIN_MIN (64u << 10)
#define CTX_WIN_MAX (1u << 20)
static int
context(void *arg, const struct logrec *r, char **lines, size_t *lens, int max)
{
	struct scanner *g = arg;
	struct rd_region reg[8];
	int nreg = rd_regions(g->rd, g->cur, reg, 8), found = 0;
	size_t il = strlen(r->instance);
	uint64_t budget = 2 * (g->chunk_off + (uint64_t)(g->cur - g->chunk_p)) +
	    (32u << 20);
	size_t limit = g->ctx_scanned > budget ? CTX_WIN_MIN : CTX_WIN_MAX;
	size_t searched = 0;

	for (int k = 0; k < nreg && found < max && searched < limit; k++) {
		const char *p = reg[k].p, *end = p + reg[k].n;
		size_t win = CTX_WIN_MIN;
		while (end > p && found < max && searched < limit) {
			const char *from = (size_t)(end - p) > win ? end - win : p;
			if (from > p) {
				const char *nl = memchr(from, '\n', (size_t)(end - from));
				from = nl ? nl + 1 : end;
			}
			if (from == end) {
				/* the line before end is longer than the
				 * window (a line of 1 to 4 line caps fits a
				 * block): without this the loop made no
				 * progress and spun for ever, deaf to SIGTERM
				 * (tests/t/hostile-scale.t). Widen the
				 * window; past the widest, look no further. */
				if (win < CTX_WIN_MAX) {
					win *= 4;
					continue;
				}
				k = nreg;
				break;
			}
			searched += (size_t)(end - from);
			/* the matching lines of [from, end); keep the last 64 */
			const char *starts[64], *ends[64];
			int cnt = 0;
			const char *q = from;
			while (q < end) {
				const char *hit = il ? memmem(q, (size_t)(end - q),
				    r->instance, il) : q;
				if (!hit)
					break;
				const char *ls = hit > q ?
				    memrchr(q, '\n', (size_t)(hit - q)) : NULL;
				ls = ls ? ls + 1 : q;
				const char *le = memchr(hit, '\n', (size_t)(end - hit));
				if (!le)
					le = end;
				starts[cnt % 64] = ls;
				ends[cnt % 64] = le;
				cnt++;
				q = le + 1;
			}
			int avail = cnt < 64 ? cnt : 64;
			for (int i = 0; i < avail && found < max; i++) {
				int idx = (cnt - 1 - i) % 64;
				if (!same_stream(g, r, starts[idx], ends[idx]))
					continue;
				lines[found] = xstrndup(g->clr.msg.s, g->clr.msg.len);
				lens[found++] = g->clr.msg.len;
			}
			if (cnt > 64 && found < max) {
				/* older matches than the 64 kept: look at them next */
				end = starts[(cnt - 64) % 64];
				continue;
			}
			end = from;
			if (win < CTX_WIN_MAX)
				win *= 4;
		}
	}
	g->ctx_scanned += searched;
	/* found newest first; records want oldest first */
	for (int i = 0; i < found / 2; i++) {
		char *t = lines[i];
		size_t tl = lens[i];
		lines[i] = lines[found - 1 - i];
		lens[i] = lens[found - 1 - i];
		lines[found - 1 - i] = t;
		lens[found - 1 - i] = tl;
	}
	return found;
}

static void
process_line(struct scanner *g, const char *s, size_t n, int truncated,
    const uint32_t *cand, int ncand)
{
	struct logrec *r = &g->lr;

	uint64_t pos = g->chunk_off + (uint64_t)(s - g->chunk_p);

	g->cur = s;
	g->decoded++;
	if (n > g->linecap) {
		/* a long line whose newline came in the same read */
		n = js_utf8_cut(s, g->linecap);
		if (!truncated)
			sh_warn_limited(&g->longwarn, "%s: line at byte %llu longer "
			    "than %zu bytes; truncated", rd_name(g->rd),
			    (unsigned long long)pos, g->linecap);
		truncated = 1;
	}
	lr_decode(r, s, n);
	if (r->kind == LR_RECORD) {
		/* another stage's record: forward it untouched */
		if (g->text) {
			out_record(g, s, n);
		} else {
			sh_out_line(s, n);
			sh_out_line("\n", 1);
		}
		g->passed++;
		return;
	}
	if (truncated)
		r->truncated = 1;
	if (!r->app[0] && g->app)
		sh_copy(r->app, sizeof r->app, g->app, strlen(g->app));
	if (g->all) {
		if (r->kind == LR_LOG && !truncated && !g->text) {
			/* a log record already: keep the fields we do not know */
			sh_out_line(s, n);
			sh_out_line("\n", 1);
		} else {
			sbuf_reset(&g->out);
			lr_to_json(r, &g->out);
			sbuf_addc(&g->out, '\n');
			out_record(g, g->out.s, g->out.len);
		}
	}
	asm_line(g->as, r, cand, ncand, pos);
}

/* Lines no literal hit: only an open crash of their stream cares. Rather
 * than look at each line, search the run for the open crashes' instance
 * ids and visit only the lines holding one (crashes of lines without an
 * instance want every line). */
static void
skip_lines(struct scanner *g, const char *p, const char *end)
{
	static const uint32_t none[1];

	while (p < end && asm_open_count(g->as)) {
		const char *next = NULL;
		int n = asm_open_count(g->as);
		if (n > 8) {
			/* a storm of open crashes: one search per instance would cost
			 * more than decoding each line once */
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *e = nl ? nl : end;
			g->skipped_open++;
			process_line(g, p, (size_t)(e - p), 0, none, 0);
			p = e + 1;
			continue;
		}
		for (int i = 0; i < n; i++) {
			const char *inst = asm_open_instance(g->as, i);
			size_t il = strlen(inst);
			const char *q = il ? memmem(p, (size_t)(end - p), inst, il) : p;
			if (q && (!next || q < next))
				next = q;
			if (next == p)
				break;
		}
		if (!next)
			return;
		const char *ls = next > p ? memrchr(p, '\n', (size_t)(next - p)) : NULL;
		ls = ls ? ls + 1 : p;
		const char *le = memchr(next, '\n', (size_t)(end - next));
		if (!le)
			le = end;
		g->skipped_open++;
		process_line(g, ls, (size_t)(le - ls), 0, none, 0);
		p = le + 1;
	}
}

static void
every_line(struct scanner *g, const char *p, const char *end)
{
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		process_line(g, p, (size_t)(e - p), 0, NULL, 0);
		p = e + 1;
	}
}

/* One line-aligned piece: scan for literals, then visit hit lines. */
static void
scan_piece(struct scanner *g, const char *p, const char *end)
{
	int more;
	size_t nh = pf_scan(g->rs->pf, p, (size_t)(end - p), g->hits, MAXHITS,
	    &more);
	const char *pos = p;

	if (more) {
		/* too many hits to hold: stop before the last hit's line and go
		 * again from there (a line with more hits than that is tried
		 * against every rule) */
		const char *last = p + g->hits[nh - 1].end - 1;
		const char *ls = memrchr(p, '\n', (size_t)(last - p));
		ls = ls ? ls + 1 : p;
		if (ls == p) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *e = nl ? nl : end;
			process_line(g, p, (size_t)(e - p), 0, NULL, 0);
			if (e < end)
				scan_piece(g, e + 1, end);
			return;
		}
		while (nh && p + g->hits[nh - 1].end > ls)
			nh--;
		scan_piece(g, p, ls);
		scan_piece(g, ls, end);
		return;
	}
	for (size_t i = 0; i < nh;) {
		const char *hend = p + g->hits[i].end;
		if (hend <= pos) {
			i++;
			continue;
		}
		const char *ls = memrchr(pos, '\n', (size_t)(hend - 1 - pos));
		ls = ls ? ls + 1 : pos;
		const char *le = memchr(hend, '\n', (size_t)(end - hend));
		if (!le)
			le = end;
		int ncand = 0, record = 0;
		g->stamp++;
		for (; i < nh && p + g->hits[i].end <= le; i++) {
			uint32_t id = g->hits[i].id;
			if (id == RS_ID_TYPE) {
				/* `"type"`, blanks, `:`, blanks, then is it "log"? */
				const char *v = p + g->hits[i].end;
				while (v < le && (*v == ' ' || *v == '\t'))
					v++;
				if (v < le && *v == ':')
					v++;
				while (v < le && (*v == ' ' || *v == '\t'))
					v++;
				if (le - v < 5 || memcmp(v, "\"log\"", 5))
					record = 1;
				continue;
			}
			if (g->seen[id] != g->stamp) {
				g->seen[id] = g->stamp;
				g->cand[ncand++] = id;
				if (g->hitcount)
					g->hitcount[id]++;
			}
		}
		skip_lines(g, pos, ls);
		g->candidates++;
		if (ncand || record ||
		    (asm_open_count(g->as) && asm_wants(g->as, ls, (size_t)(le - ls))))
			process_line(g, ls, (size_t)(le - ls), 0, g->cand, ncand);
		pos = le + 1;
	}
	if (pos < end)
		skip_lines(g, pos, end);
}

static void
process_chunk(struct scanner *g, const struct rd_chunk *c)
{
	const char *p = c->p, *end = c->p + c->n;

	g->chunk_p = c->p;
	g->chunk_off = c->off;
	if (c->truncated) {
		sh_warn_limited(&g->longwarn, "%s: line at byte %llu longer than "
		    "%zu bytes; truncated", rd_name(g->rd),
		    (unsigned long long)g->chunk_off, g->linecap);
		process_line(g, c->p, c->n, 1, NULL, 0);
		return;
	}
	if (g->all || g->rs->nunfiltered) {
		every_line(g, p, end);
		return;
	}
	while (p < end) {
		const char *pend = end;
		if ((size_t)(end - p) > PIECE) {
			const char *nl = memrchr(p, '\n', PIECE);
			if (!nl)
				nl = memchr(p + PIECE, '\n', (size_t)(end - p - PIECE));
			pend = nl ? nl + 1 : end;
		}
		scan_piece(g, p, pend);
		p = pend;
	}
}

/* The progress line: rewritten in place on a terminal. */
static void
progress(struct scanner *g, const char *name, uint64_t bytes,
    uint64_t lines, int64_t ms)
{
	double secs = ms > 0 ? ms / 1000.0 : 0.001;
	char shown[64];
	size_t n = 0;

	/* the name is the user's, but keep control bytes off the terminal */
	for (const char *q = name; *q && n < sizeof shown - 1; q++)
		shown[n++] = (unsigned char)*q < 0x20 ? '?' : *q;
	shown[n] = '\0';
	fprintf(stderr, "\r%s: %s: %.1f MB, %.2fM lines (%.0fk lines/s, "
	    "%.0f MB/s), %lu crashes\033[K", sh_progname, shown, bytes / 1e6,
	    lines / 1e6, lines / secs / 1e3, bytes / secs / 1e6,
	    asm_emitted(g->as));
	fflush(stderr);
	sh_progress_shown = 1;
}

int
scan_fd(struct scanner *g, int fd, const char *name)
{
	struct stat st;
	int live = fstat(fd, &st) == 0 && !S_ISREG(st.st_mode);
	struct rd_chunk c;
	int rc;

	/* a file named on the command line is a log, stdin is the pipeline
	 * (records of other stages pass through only there) */
	g->lr.raw = g->clr.raw = fd != 0;

	int64_t t0 = sh_now_mono_ms(), shown = t0 - 250;
	uint64_t lines = 0;

	g->rd = rd_open(fd, name, g->linecap);
	for (;;) {
		int timeout = -1;
		if (live && asm_open_count(g->as))
			timeout = asm_next_timeout(g->as, sh_now_mono_ms());
		rc = rd_chunk(g->rd, &c, timeout);
		if (rc == RD_TIMEOUT) {
			asm_flush_idle(g->as, sh_now_mono_ms());
			continue;
		}
		if (rc != RD_OK)
			break;
		process_chunk(g, &c);
		if (g->progress) {
			/* counting lines costs a pass; only people watching pay it */
			for (const char *q = c.p, *e = c.p + c.n;
			    (q = memchr(q, '\n', (size_t)(e - q))) != NULL; q++)
				lines++;
			int64_t now = sh_now_mono_ms();
			if (now - shown >= 250) {
				shown = now;
				progress(g, name, c.off + c.n, lines, now - t0);
			}
		}
		/* on a busy live stream the input never goes quiet: close crashes
		 * whose own instance has */
		if (live && asm_open_count(g->as))
			asm_flush_idle(g->as, sh_now_mono_ms());
		if (sh_stop)
			break;
	}
	if (g->progress && sh_progress_shown) {
		fputs("\r\033[K", stderr);
		sh_progress_shown = 0;
	}
	if (rc == RD_ERR)
		sh_warn("%s: read error: %s", name, strerror(errno));
	asm_flush_all(g->as);
	rd_free(g->rd);
	g->rd = NULL;
	return rc == RD_ERR ? -1 : 0;
}

/* --stats: the patterns whose literals sent the most lines to PCRE2, the
 * first place to look when a rule set is slow. */
static void
top_patterns(struct scanner *g, FILE *f)
{
	for (int k = 0; k < 10; k++) {
		int best = -1;
		for (int id = 0; id < g->rs->nmp; id++)
			if (g->hitcount[id] && (best < 0 ||
			    g->hitcount[id] > g->hitcount[best]))
				best = id;
		if (best < 0)
			break;
		const struct rule *r = g->rs->r[g->rs->mp[best].rule];
		const struct pattern *p = &r->pats[PK_MATCH][g->rs->mp[best].pat];
		fprintf(f, "%s: %10lu hit lines  %s:%d %s\n", sh_progname,
		    g->hitcount[best], r->file, p->line, r->name);
		g->hitcount[best] = 0;
	}
}

struct scanner *
scan_new(struct ruleset *rs, const struct scan_opts *o)
{
	struct scanner *g = xcalloc(1, sizeof *g);

	g->rs = rs;
	g->app = o->app;
	g->all = o->all;
	g->text = o->text;
	g->color = o->color;
	g->stats = o->stats;
	g->progress = o->progress;
	g->linecap = o->linecap ? o->linecap : RD_DEFAULT_LINECAP;
	g->longwarn.limit = 5;
	g->hits = xmalloc(MAXHITS * sizeof *g->hits);
	g->cand = xmalloc(((size_t)rs->nmp + 1) * sizeof *g->cand);
	g->seen = xcalloc((size_t)rs->nmp + 1, sizeof *g->seen);
	if (g->stats)
		g->hitcount = xcalloc((size_t)rs->nmp + 1, sizeof *g->hitcount);
	lr_init(&g->lr);
	lr_init(&g->clr);
	sbuf_init(&g->out);
	g->as = asm_new(rs, &o->asm_opts, emit, context, g);
	return g;
}

void
scan_free(struct scanner *g)
{
	if (!g)
		return;
	asm_free(g->as);
	lr_release(&g->lr);
	lr_release(&g->clr);
	sbuf_release(&g->out);
	free(g->hits);
	free(g->cand);
	free(g->seen);
	free(g->hitcount);
	free(g);
}

unsigned long
scan_crashes(const struct scanner *g)
{
	return asm_emitted(g->as);
}

void
scan_stats(struct scanner *g, FILE *f)
{
	if (g->hitcount)
		top_patterns(g, f);
	fprintf(f, "%s: %lu crashes (%lu closed early: too many open); %lu hit "
	    "lines, %lu lines decoded, %lu lines checked for open crashes, %lu "
	    "records passed through; prefilter %s, %d literals\n", sh_progname,
	    asm_emitted(g->as), asm_evicted(g->as), g->candidates, g->decoded,
	    g->skipped_open, g->passed, pf_engine(g->rs->pf),
	    pf_count(g->rs->pf));
}

/* patchcheck.c - see patchcheck.h. The parser follows git's apply.c where
 * it matters for safety: a hunk is exactly as long as its header says (so
 * a removed line that reads "--- a/x" is content, not a header), a
 * `--- `/`+++ ` pair outside a hunk starts a file, and every other line
 * outside hunks is ignored as git ignores it. Whatever names a header can
 * give are all collected and all checked.
 *
 * Tolerated on purpose: text before the first header (an LLM's prose),
 * CR before LF, an empty line as a context line (GNU diff does that),
 * a tab and a timestamp after a name (traditional diffs). */
#include "patchcheck.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define MAX_NAME 1024
#define MAX_DEPTH 64
#define MAX_HUNK_LINES 10000000L
#define MAX_PATHS 2048          /* names kept; more is refused */
#define MAX_SPLITS 32           /* readings of an ambiguous diff --git line */

void
pc_patch_init(struct pc_patch *p)
{
	memset(p, 0, sizeof *p);
}

void
pc_patch_release(struct pc_patch *p)
{
	for (int i = 0; i < p->nfiles; i++) {
		free(p->files[i].old_path);
		free(p->files[i].new_path);
	}
	free(p->files);
	for (int i = 0; i < p->npaths; i++)
		free(p->paths[i]);
	free(p->paths);
	pc_patch_init(p);
}

/* A path for a message: quoted, control characters replaced, cut. */
static void
quote_path(struct sbuf *b, const char *s)
{
	size_t n = 0;

	sbuf_addc(b, '"');
	for (; *s && n < 200; s++, n++)
		sbuf_addc(b, (unsigned char)*s < 0x20 || *s == 0x7f || *s == '"' ?
		    '?' : *s);
	if (*s)
		sbuf_adds(b, "...");
	sbuf_addc(b, '"');
}

/* ---- globs ---- */

struct gm {
	long steps;
};

/* One bracket class at *pp against c; advances *pp past it. Returns 1
 * match, 0 no match, -1 not a class (an unclosed '[' is a literal). */
static int
gm_class(const char **pp, char c)
{
	const char *p = *pp + 1;
	int neg = 0, hit = 0;

	if (*p == '!' || *p == '^') {
		neg = 1;
		p++;
	}
	const char *start = p;
	while (*p && (*p != ']' || p == start)) {
		char lo = *p++, hi;
		if (lo == '\\' && *p)
			lo = *p++;
		hi = lo;
		if (*p == '-' && p[1] && p[1] != ']') {
			p++;
			hi = *p++;
			if (hi == '\\' && *p)
				hi = *p++;
		}
		if (c >= lo && c <= hi)
			hit = 1;
	}
	if (*p != ']')
		return -1;
	*pp = p + 1;
	return hit != neg;
}

static int
gm_match(struct gm *g, const char *p, const char *s)
{
	while (*p) {
		if (++g->steps > 200000)
			return -1;
		if (p[0] == '*' && p[1] == '*') {
			const char *rest = p + 2;
			int slash = *rest == '/';
			if (slash)
				rest++;
			if (!*rest)
				return 1;
			for (const char *t = s;; t++) {
				if (!slash || t == s || t[-1] == '/') {
					int r = gm_match(g, rest, t);
					if (r)
						return r;
				}
				if (!*t)
					break;
			}
			return 0;
		}
		if (*p == '*') {
			p++;
			for (const char *t = s;; t++) {
				int r = gm_match(g, p, t);
				if (r)
					return r;
				if (!*t || *t == '/')
					break;
			}
			return 0;
		}
		if (!*s)
			return 0;
		if (*p == '?') {
			if (*s == '/')
				return 0;
			p++;
			s++;
			continue;
		}
		if (*p == '[') {
			const char *q = p;
			int r = *s == '/' ? 0 : gm_class(&q, *s);
			if (r == 0)
				return 0;
			if (r == 1) {
				p = q;
				s++;
				continue;
			}
			/* an unclosed '[': a literal */
		}
		if (*p == '\\' && p[1])
			p++;
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	return *s == '\0';
}

int
pc_glob_match(const char *pattern, const char *path)
{
	struct gm g = { 0 };
	char pat[MAX_NAME + 2], comp[MAX_NAME + 1];
	size_t pl = strlen(pattern), n = strlen(path);
	int dir = 0, r;

	if (pl == 0 || pl > MAX_NAME || n > MAX_NAME)
		return n > MAX_NAME ? -1 : 0;
	memcpy(pat, pattern, pl + 1);
	while (pl > 1 && pat[pl - 1] == '/') {
		pat[--pl] = '\0';
		dir = 1;
	}
	if (!strchr(pat, '/')) {
		/* any component (only directories when dir) */
		const char *c = path;
		for (;;) {
			const char *e = strchr(c, '/');
			size_t k = e ? (size_t)(e - c) : strlen(c);
			if (e || !dir) {
				memcpy(comp, c, k);
				comp[k] = '\0';
				if ((r = gm_match(&g, pat, comp)) != 0)
					return r;
			}
			if (!e)
				return 0;
			c = e + 1;
		}
	}
	/* anchored: the whole path or a directory prefix of it */
	const char *ap = pat[0] == '/' ? pat + 1 : pat;
	if (!dir && (r = gm_match(&g, ap, path)) != 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (path[i] != '/')
			continue;
		memcpy(comp, path, i);
		comp[i] = '\0';
		if ((r = gm_match(&g, ap, comp)) != 0)
			return r;
	}
	return 0;
}

/* ---- the built-in rules ---- */

/* Directories of CI systems (any depth, any case). */
static const char *const ci_dirs[] = {
	".github", ".circleci", ".buildkite", ".gitlab", ".woodpecker",
	".gitea", ".forgejo", ".azure-pipelines", ".tekton", ".semaphore",
	".drone", ".harness", NULL,
};

/* CI files (base names, any case; Jenkinsfile* is matched apart). */
static const char *const ci_files[] = {
	".gitlab-ci.yml", ".gitlab-ci.yaml", "azure-pipelines.yml",
	"azure-pipelines.yaml", ".travis.yml", ".travis.yaml",
	"bitbucket-pipelines.yml", "bitbucket-pipelines.yaml", ".drone.yml",
	".drone.yaml", ".drone.jsonnet", ".drone.star", ".woodpecker.yml",
	".woodpecker.yaml", "appveyor.yml", ".appveyor.yml", ".cirrus.yml",
	".cirrus.star", "cloudbuild.yaml", "cloudbuild.yml", "buildspec.yml",
	"buildspec.yaml", "codefresh.yml", "wercker.yml", ".gitpod.yml",
	"bitrise.yml", "codemagic.yaml", ".pre-commit-config.yaml", NULL,
};

/* Dependency lock files (base names, any case). */
static const char *const lock_files[] = {
	"package-lock.json", "npm-shrinkwrap.json", "yarn.lock",
	"pnpm-lock.yaml", "bun.lockb", "bun.lock", "deno.lock", "Cargo.lock",
	"go.sum", "go.work.sum", "Gemfile.lock", "gems.locked", "poetry.lock",
	"Pipfile.lock", "pdm.lock", "uv.lock", "pixi.lock", "composer.lock",
	"mix.lock", "rebar.lock", "pubspec.lock", "Podfile.lock",
	"Package.resolved", "packages.lock.json", "paket.lock",
	"gradle.lockfile", "flake.lock", "shard.lock", "stack.yaml.lock",
	"cabal.project.freeze", "conan.lock", "Manifest.toml", "renv.lock",
	"MODULE.bazel.lock", "vcpkg-configuration.json", NULL,
};

static int
in_list(const char *const *l, const char *s, size_t n)
{
	for (; *l; l++)
		if (strlen(*l) == n && !strncasecmp(*l, s, n))
			return 1;
	return 0;
}

/* The syntax of a repository-relative name. */
static const char *
syntax_reason(const char *path)
{
	size_t n = strlen(path);
	int depth = 0;

	if (n == 0)
		return "an empty file name";
	if (path[0] == '/')
		return "an absolute path: outside the repository";
	if (n > MAX_NAME)
		return "a file name longer than 1024 bytes";
	for (const char *s = path; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return "control characters in a file name";
		if (*s == '\\')
			return "a backslash in a file name";
	}
	for (const char *c = path;; depth++) {
		const char *e = strchr(c, '/');
		size_t k = e ? (size_t)(e - c) : strlen(c);
		if (k == 0)
			return "an empty path component";
		if (k == 2 && c[0] == '.' && c[1] == '.')
			return "a \"..\" component: outside the repository";
		if (k == 1 && c[0] == '.')
			return "a \".\" component";
		if (!e)
			break;
		c = e + 1;
	}
	if (depth >= MAX_DEPTH)
		return "a path deeper than 64 directories";
	return NULL;
}

static const char *
builtin_reason(const char *path)
{
	const char *c = path, *base = strrchr(path, '/');
	size_t bl;

	base = base ? base + 1 : path;
	bl = strlen(base);
	for (;;) {
		const char *e = strchr(c, '/');
		size_t k = e ? (size_t)(e - c) : strlen(c);
		if (k == 4 && !strncasecmp(c, ".git", 4))
			return "git's own files (.git) are never patched";
		if (k == 7 && !strncasecmp(c, ".github", 7))
			return "CI configuration (.github/) is never patched: a pushed "
			    "branch runs it";
		if (e && in_list(ci_dirs, c, k))
			return "CI configuration is never patched: a pushed branch runs "
			    "it";
		if (!e)
			break;
		c = e + 1;
	}
	if (in_list(ci_files, base, bl) || in_list(ci_dirs, base, bl) ||
	    !strncasecmp(base, "Jenkinsfile", 11) || (bl > 12 &&
	    !strcasecmp(base + bl - 12, ".jenkinsfile")))
		return "CI configuration is never patched: a pushed branch runs it";
	if (in_list(lock_files, base, bl))
		return "dependency lock files are never patched";
	if (!strcasecmp(base, ".gitmodules"))
		return "submodule configuration (.gitmodules) is never patched";
	return NULL;
}

const char *
pc_path_reason(const char *path, const struct pc_rules *r)
{
	const char *why;

	if ((why = syntax_reason(path)) || (why = builtin_reason(path)))
		return why;
	if (r && r->deny)
		for (const char *const *g = r->deny; *g; g++)
			if (pc_glob_match(*g, path) != 0)
				return "the policy's deny-paths refuse it";
	if (r && r->allow && r->allow[0]) {
		for (const char *const *g = r->allow; *g; g++)
			if (pc_glob_match(*g, path) == 1)
				return NULL;
		return "the policy's allow-paths do not include it";
	}
	return NULL;
}

/* ---- parsing ---- */

struct line {
	const char *s;
	size_t n;               /* without "\n" and a "\r" before it */
};

struct parser {
	const char *buf, *end, *pos;
	long lineno;
	struct pc_patch *p;
	int cur_idx;                /* files move when the array grows */
	int names;                  /* the current file had ---/+++ */
	struct sbuf *why;
};

static int
next_line(struct parser *ps, struct line *l)
{
	const char *e;

	if (ps->pos >= ps->end)
		return 0;
	e = memchr(ps->pos, '\n', (size_t)(ps->end - ps->pos));
	l->s = ps->pos;
	l->n = e ? (size_t)(e - ps->pos) : (size_t)(ps->end - ps->pos);
	ps->pos = e ? e + 1 : ps->end;
	if (l->n && l->s[l->n - 1] == '\r')
		l->n--;
	ps->lineno++;
	return 1;
}

static int
peek_line(struct parser *ps, struct line *l)
{
	const char *pos = ps->pos;
	long ln = ps->lineno;
	int r = next_line(ps, l);

	ps->pos = pos;
	ps->lineno = ln;
	return r;
}

static int
starts(const struct line *l, const char *pre)
{
	size_t k = strlen(pre);
	return l->n >= k && !memcmp(l->s, pre, k);
}

static struct pc_file *
cur(struct parser *ps)
{
	return ps->cur_idx >= 0 ? &ps->p->files[ps->cur_idx] : NULL;
}

static struct pc_file *
new_file(struct parser *ps)
{
	struct pc_patch *p = ps->p;

	p->files = xrealloc(p->files, (size_t)(p->nfiles + 1) * sizeof *p->files);
	memset(&p->files[p->nfiles], 0, sizeof *p->files);
	ps->cur_idx = p->nfiles++;
	ps->names = 0;
	return cur(ps);
}

static void
add_path(struct pc_patch *p, const char *s)
{
	if (p->npaths > MAX_PATHS)
		return;     /* pc_parse refuses the patch */
	for (int i = 0; i < p->npaths; i++)
		if (!strcmp(p->paths[i], s))
			return;
	p->paths = xrealloc(p->paths, (size_t)(p->npaths + 1) * sizeof *p->paths);
	p->paths[p->npaths++] = xstrdup(s);
}

/* Unquote a C-style quoted name (git's quote_c_style) starting at s[0]
 * == '"'. Returns the bytes consumed, or 0 when malformed. */
static size_t
unquote(const char *s, size_t n, struct sbuf *out)
{
	size_t i = 1;

	while (i < n && s[i] != '"') {
		char c = s[i++];
		if (c != '\\') {
			sbuf_addc(out, c);
			continue;
		}
		if (i >= n)
			return 0;
		c = s[i++];
		switch (c) {
		case 'a': sbuf_addc(out, '\a'); break;
		case 'b': sbuf_addc(out, '\b'); break;
		case 't': sbuf_addc(out, '\t'); break;
		case 'n': sbuf_addc(out, '\n'); break;
		case 'v': sbuf_addc(out, '\v'); break;
		case 'f': sbuf_addc(out, '\f'); break;
		case 'r': sbuf_addc(out, '\r'); break;
		case '"': case '\\': sbuf_addc(out, c); break;
		default:
			if (c >= '0' && c <= '3' && i + 1 < n && s[i] >= '0' &&
			    s[i] <= '7' && s[i + 1] >= '0' && s[i + 1] <= '7') {
				int v = (c - '0') * 64 + (s[i] - '0') * 8 + (s[i + 1] - '0');
				i += 2;
				/* a NUL would end the name early: keep it visible */
				sbuf_addc(out, v ? v : 0x7f);
			} else {
				return 0;
			}
		}
	}
	if (i >= n)
		return 0;
	return i + 1;
}

enum { NAME_OK, NAME_DEVNULL, NAME_BAD };

/* A name from a header: quoted or not; strip the first component when
 * prefixed (-p1, as git apply does by default). A name that starts with
 * '/' stays absolute so the path rules refuse it. */
static int
take_name(const char *s, size_t n, int prefixed, struct sbuf *out)
{
	struct sbuf raw;
	int rc = NAME_OK;

	sbuf_init(&raw);
	if (n && s[0] == '"') {
		if (!unquote(s, n, &raw)) {
			sbuf_release(&raw);
			return NAME_BAD;
		}
	} else {
		const char *tab = memchr(s, '\t', n);
		if (tab)
			n = (size_t)(tab - s);
		while (n && (s[n - 1] == ' '))
			n--;
		sbuf_add(&raw, s, n);
	}
	if (!raw.len) {
		rc = NAME_BAD;
	} else if (!strcmp(raw.s, "/dev/null")) {
		rc = NAME_DEVNULL;
	} else if (!prefixed || raw.s[0] == '/') {
		sbuf_add(out, raw.s, raw.len);
	} else {
		char *slash = memchr(raw.s, '/', raw.len);
		if (!slash)
			rc = NAME_BAD;
		else
			sbuf_adds(out, slash + 1);
	}
	sbuf_release(&raw);
	return rc;
}

static int
malformed(struct parser *ps, const char *what)
{
	sbuf_addf(ps->why, "the patch is not a unified diff git can apply: %s "
	    "(line %ld)", what, ps->lineno);
	return PC_MALFORMED;
}

/* `diff --git a/X b/Y`: the names, however the line splits. */
static int
git_header(struct parser *ps, const struct line *l)
{
	const char *s = l->s + 11;
	size_t n = l->n - 11;
	struct pc_file *f = new_file(ps);
	struct sbuf a, b;
	int ra, rb;

	sbuf_init(&a);
	sbuf_init(&b);
	if (n && s[0] == '"') {
		size_t k = unquote(s, n, &b);
		sbuf_reset(&b);
		if (!k || k >= n || s[k] != ' ')
			goto bad;
		ra = take_name(s, k, 1, &a);
		rb = take_name(s + k + 1, n - k - 1, 1, &b);
		if (ra != NAME_OK || rb != NAME_OK)
			goto bad;
	} else {
		const char *q = memchr(s, '"', n);
		if (q && q > s && q[-1] == ' ') {
			ra = take_name(s, (size_t)(q - s - 1), 1, &a);
			rb = take_name(q, n - (size_t)(q - s), 1, &b);
			if (ra != NAME_OK || rb != NAME_OK)
				goto bad;
		} else if (n % 2 == 1 && s[n / 2] == ' ' &&
		    (ra = take_name(s, n / 2, 1, &a)) == NAME_OK &&
		    (rb = take_name(s + n / 2 + 1, n / 2, 1, &b)) == NAME_OK &&
		    !strcmp(a.s, b.s)) {
			/* the usual case: the same name twice */
		} else {
			/* a rename with spaces: every way the line can split */
			int any = 0, spaces = 0;
			for (size_t i = 0; i < n; i++)
				spaces += s[i] == ' ';
			if (spaces > MAX_SPLITS) {
				sbuf_release(&a);
				sbuf_release(&b);
				return malformed(ps, "a diff --git line with too many "
				    "spaces to tell its names apart");
			}
			for (size_t i = 1; i + 1 < n; i++) {
				if (s[i] != ' ')
					continue;
				sbuf_reset(&a);
				sbuf_reset(&b);
				if (take_name(s, i, 1, &a) == NAME_OK &&
				    take_name(s + i + 1, n - i - 1, 1, &b) == NAME_OK) {
					add_path(ps->p, a.s);
					add_path(ps->p, b.s);
					any = 1;
				}
			}
			sbuf_release(&a);
			sbuf_release(&b);
			return any ? PC_OK : malformed(ps, "a diff --git line without "
			    "two names");
		}
	}
	add_path(ps->p, a.s);
	add_path(ps->p, b.s);
	f->old_path = xstrdup(a.s);
	f->new_path = xstrdup(b.s);
	sbuf_release(&a);
	sbuf_release(&b);
	return PC_OK;
bad:
	sbuf_release(&a);
	sbuf_release(&b);
	return malformed(ps, "a diff --git line without two names");
}

static int
mode_of(const struct line *l, size_t skip, unsigned *mode)
{
	char buf[16];
	size_t k = l->n - skip;
	char *end;

	if (k == 0 || k >= sizeof buf)
		return -1;
	memcpy(buf, l->s + skip, k);
	buf[k] = '\0';
	unsigned long v = strtoul(buf, &end, 8);
	if (*end && *end != ' ')
		return -1;
	*mode = (unsigned)v;
	return 0;
}

/* rename from/to, copy from/to: names without a prefix. */
static int
extra_name(struct parser *ps, const struct line *l, size_t skip, int old)
{
	struct pc_file *f = cur(ps);
	struct sbuf n;
	int r;

	sbuf_init(&n);
	r = take_name(l->s + skip, l->n - skip, 0, &n);
	if (r != NAME_OK) {
		sbuf_release(&n);
		return malformed(ps, "a rename or copy line without a name");
	}
	add_path(ps->p, n.s);
	char **slot = old ? &f->old_path : &f->new_path;
	free(*slot);
	*slot = xstrdup(n.s);
	sbuf_release(&n);
	return PC_OK;
}

/* A number at *s, within end (the diff need not be NUL-terminated). */
static int
parse_num(const char **s, const char *end, long *v)
{
	const char *p = *s;

	*v = 0;
	if (p >= end || *p < '0' || *p > '9')
		return -1;
	while (p < end && *p >= '0' && *p <= '9') {
		*v = *v * 10 + (*p++ - '0');
		if (*v > MAX_HUNK_LINES)
			return -1;
	}
	*s = p;
	return 0;
}

static int
parse_range(const char **s, const char *end, long *start, long *count)
{
	if (parse_num(s, end, start) < 0)
		return -1;
	*count = 1;
	if (*s < end && **s == ',') {
		(*s)++;
		if (parse_num(s, end, count) < 0)
			return -1;
	}
	return 0;
}

static int
hunk(struct parser *ps, const struct line *l)
{
	const char *s = l->s + 3, *end = l->s + l->n;
	long os, oc, ns, nc;
	struct pc_file *f = cur(ps);
	struct line h;
	char what[96];

	if (!f || !ps->names)
		return malformed(ps, "a hunk without a file header");
	if (s >= end || *s != '-')
		return malformed(ps, "a bad hunk header");
	s++;
	if (parse_range(&s, end, &os, &oc) < 0 || s + 2 > end || s[0] != ' ' ||
	    s[1] != '+')
		return malformed(ps, "a bad hunk header");
	s += 2;
	if (parse_range(&s, end, &ns, &nc) < 0 || s + 3 > end ||
	    memcmp(s, " @@", 3))
		return malformed(ps, "a bad hunk header");
	f->hunks++;
	ps->p->hunks++;
	while (oc > 0 || nc > 0) {
		if (!next_line(ps, &h)) {
			snprintf(what, sizeof what, "hunk %d ends before its header's "
			    "line counts", f->hunks);
			return malformed(ps, what);
		}
		char c = h.n ? h.s[0] : ' ';
		if (c == ' ') {
			oc--;
			nc--;
		} else if (c == '-') {
			oc--;
			f->removed++;
		} else if (c == '+') {
			nc--;
			f->added++;
		} else if (c == '\\') {
			continue;
		} else {
			snprintf(what, sizeof what, "hunk %d is shorter than its header "
			    "says", f->hunks);
			return malformed(ps, what);
		}
		if (oc < 0 || nc < 0) {
			snprintf(what, sizeof what, "hunk %d is longer than its header "
			    "says", f->hunks);
			return malformed(ps, what);
		}
	}
	/* "\ No newline at end of file" after the last line */
	if (peek_line(ps, &h) && h.n && h.s[0] == '\\')
		next_line(ps, &h);
	return PC_OK;
}

int
pc_parse(const char *diff, size_t n, const struct pc_rules *r,
    struct pc_patch *p, struct sbuf *why)
{
	size_t cap = r && r->max_bytes ? r->max_bytes : PC_DEFAULT_MAX_BYTES;
	struct parser ps = { diff, diff + n, diff, 0, p, -1, 0, why };
	struct line l, l2;
	int rc = PC_OK;

	p->bytes = n;
	if (n > cap) {
		sbuf_addf(why, "the patch is %zu bytes, more than the cap of %zu",
		    n, cap);
		return PC_DENIED;
	}
	if (memchr(diff, '\0', n)) {
		sbuf_adds(why, "the patch contains NUL bytes (binary content)");
		return PC_DENIED;
	}
	while (rc == PC_OK && p->npaths <= MAX_PATHS && next_line(&ps, &l)) {
		struct pc_file *f = cur(&ps);
		if (starts(&l, "diff --git ")) {
			rc = git_header(&ps, &l);
		} else if (starts(&l, "diff --cc ") || starts(&l, "diff --combined ")) {
			rc = malformed(&ps, "a combined (merge) diff");
		} else if (starts(&l, "--- ") && peek_line(&ps, &l2) &&
		    starts(&l2, "+++ ")) {
			struct sbuf a, b;
			int ra, rb;
			next_line(&ps, &l2);
			/* a new file unless this completes a git header */
			if (!f || ps.names || f->hunks || f->binary)
				f = new_file(&ps);
			sbuf_init(&a);
			sbuf_init(&b);
			ra = take_name(l.s + 4, l.n - 4, 1, &a);
			rb = take_name(l2.s + 4, l2.n - 4, 1, &b);
			if (ra == NAME_BAD || rb == NAME_BAD ||
			    (ra == NAME_DEVNULL && rb == NAME_DEVNULL)) {
				rc = malformed(&ps, "a ---/+++ line without a/ and b/ "
				    "prefixes");
			} else {
				if (ra == NAME_OK)
					add_path(p, a.s);
				if (rb == NAME_OK)
					add_path(p, b.s);
				free(f->old_path);
				free(f->new_path);
				f->old_path = ra == NAME_OK ? xstrdup(a.s) : NULL;
				f->new_path = rb == NAME_OK ? xstrdup(b.s) : NULL;
				ps.names = 1;
			}
			sbuf_release(&a);
			sbuf_release(&b);
		} else if (starts(&l, "@@ ")) {
			rc = hunk(&ps, &l);
		} else if (starts(&l, "GIT binary patch") ||
		    (starts(&l, "Binary files ") && l.n > 7 &&
		    !memcmp(l.s + l.n - 7, " differ", 7))) {
			if (!f)
				f = new_file(&ps);
			f->binary = 1;
		} else if (f && !ps.names && !f->hunks) {
			/* git's extended header lines */
			if (starts(&l, "old mode "))
				rc = mode_of(&l, 9, &f->old_mode) < 0 ?
				    malformed(&ps, "a bad mode") : PC_OK;
			else if (starts(&l, "new mode "))
				rc = mode_of(&l, 9, &f->new_mode) < 0 ?
				    malformed(&ps, "a bad mode") : PC_OK;
			else if (starts(&l, "new file mode "))
				rc = mode_of(&l, 14, &f->new_mode) < 0 ?
				    malformed(&ps, "a bad mode") : PC_OK;
			else if (starts(&l, "deleted file mode "))
				rc = mode_of(&l, 18, &f->old_mode) < 0 ?
				    malformed(&ps, "a bad mode") : PC_OK;
			else if (starts(&l, "index ") && memchr(l.s, ' ', l.n) &&
			    l.n > 6) {
				/* "index abc..def 100644": the mode of both sides */
				const char *sp = memchr(l.s + 6, ' ', l.n - 6);
				if (sp) {
					struct line m = { sp + 1, l.n - (size_t)(sp + 1 - l.s) };
					unsigned md;
					if (mode_of(&m, 0, &md) == 0) {
						if (!f->old_mode)
							f->old_mode = md;
						if (!f->new_mode)
							f->new_mode = md;
					}
				}
			} else if (starts(&l, "rename from ")) {
				f->rename = 1;
				rc = extra_name(&ps, &l, 12, 1);
			} else if (starts(&l, "rename to ")) {
				f->rename = 1;
				rc = extra_name(&ps, &l, 10, 0);
			} else if (starts(&l, "copy from ")) {
				f->copy = 1;
				rc = extra_name(&ps, &l, 10, 1);
			} else if (starts(&l, "copy to ")) {
				f->copy = 1;
				rc = extra_name(&ps, &l, 8, 0);
			}
			/* similarity index and the rest: nothing to check */
		}
		/* anything else outside a hunk: ignored, as git does */
	}
	if (rc != PC_OK)
		return rc;
	if (p->npaths > MAX_PATHS) {
		sbuf_addf(why, "the patch names more than %d files", MAX_PATHS);
		return PC_DENIED;
	}
	if (p->nfiles == 0)
		return malformed(&ps, "no file header (diff --git or ---/+++)");
	for (int i = 0; i < p->nfiles; i++) {
		p->added += p->files[i].added;
		p->removed += p->files[i].removed;
	}
	return PC_OK;
}

/* A mode a patch may set: plain files only. */
static const char *
mode_reason(unsigned m)
{
	if (!m || m == 0100644 || m == 0100755 || m == 0100664)
		return NULL;
	if (m == 0120000)
		return "a symbolic link (mode 120000) is never created or changed";
	if (m == 0160000)
		return "a submodule (mode 160000) is never created or changed";
	return "an unusual file mode";
}

int
pc_check(const struct pc_patch *p, const struct pc_rules *r,
    struct sbuf *why)
{
	int max_files = r && r->max_files ? r->max_files : PC_DEFAULT_MAX_FILES;
	long max_lines = r && r->max_lines ? r->max_lines : PC_DEFAULT_MAX_LINES;
	const char *w;

	for (int i = 0; i < p->npaths; i++)
		if ((w = pc_path_reason(p->paths[i], r))) {
			sbuf_adds(why, "the patch touches ");
			quote_path(why, p->paths[i]);
			sbuf_addf(why, ": %s", w);
			return PC_DENIED;
		}
	for (int i = 0; i < p->nfiles; i++) {
		const struct pc_file *f = &p->files[i];
		const char *name = f->new_path ? f->new_path : f->old_path ?
		    f->old_path : "?";
		if (f->binary) {
			sbuf_adds(why, "binary patch for ");
			quote_path(why, name);
			sbuf_adds(why, ": binary patches are never applied");
			return PC_DENIED;
		}
		if ((w = mode_reason(f->old_mode)) || (w = mode_reason(f->new_mode))) {
			sbuf_adds(why, "the patch gives ");
			quote_path(why, name);
			sbuf_addf(why, " mode %06o/%06o: %s", f->old_mode, f->new_mode, w);
			return PC_DENIED;
		}
	}
	if (p->nfiles > max_files) {
		sbuf_addf(why, "the patch touches %d files, more than the cap of %d",
		    p->nfiles, max_files);
		return PC_DENIED;
	}
	if (p->added + p->removed > max_lines) {
		sbuf_addf(why, "the patch changes %ld lines, more than the cap of "
		    "%ld", p->added + p->removed, max_lines);
		return PC_DENIED;
	}
	return PC_OK;
}

int
pc_validate(const char *diff, size_t n, const struct pc_rules *r,
    struct pc_patch *p, struct sbuf *why)
{
	int rc = pc_parse(diff, n, r, p, why);
	return rc != PC_OK ? rc : pc_check(p, r, why);
}

int
pc_check_tree(const struct pc_patch *p, const char *root, struct sbuf *why)
{
	struct sbuf at;
	struct stat st;
	int rc = PC_OK;

	sbuf_init(&at);
	for (int i = 0; i < p->npaths && rc == PC_OK; i++) {
		const char *path = p->paths[i], *c = path;
		if (syntax_reason(path)) {
			/* pc_check refuses these; never lstat outside root */
			sbuf_adds(why, "the patch touches ");
			quote_path(why, path);
			sbuf_addf(why, ": %s", syntax_reason(path));
			rc = PC_DENIED;
			break;
		}
		sbuf_reset(&at);
		sbuf_adds(&at, root);
		for (;;) {
			const char *e = strchr(c, '/');
			size_t k = e ? (size_t)(e - c) : strlen(c);
			sbuf_addc(&at, '/');
			sbuf_add(&at, c, k);
			if (lstat(at.s, &st) < 0)
				break;  /* missing: created by the patch, nothing beyond */
			if (S_ISLNK(st.st_mode)) {
				sbuf_adds(why, "the patch touches ");
				quote_path(why, path);
				if (e) {
					sbuf_adds(why, " through the symbolic link ");
					quote_path(why, at.s + strlen(root) + 1);
					sbuf_adds(why, ": it could lead outside the repository");
				} else {
					sbuf_adds(why, ", a symbolic link: links are never "
					    "patched");
				}
				rc = PC_DENIED;
				break;
			}
			if (!e)
				break;
			if (!S_ISDIR(st.st_mode))
				break;  /* git apply will refuse it */
			c = e + 1;
		}
	}
	sbuf_release(&at);
	return rc;
}

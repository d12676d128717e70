/* config.c - see config.h. The file is parsed once into a list of entries
 * (section, key, value, line); a program then asks for its words. The
 * parser is strict on purpose, since a configuration that is silently
 * half-read is worse than one that stops the program: unknown sections,
 * keys outside a section, bad quoting, control characters and overlong
 * lines are errors with the line number. The words are "--key=value" in
 * one argv element, so a value that starts with '-' cannot be taken for
 * an option, and nothing is ever given to a shell.
 *
 * Tolerated on purpose: CRLF line ends, a UTF-8 byte order mark on the
 * first line, blanks around section names and around '=', a section that
 * appears twice (its entries add up in file order). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const sections[] = {
	"global", "fly-tail", "crashgrep", "diagnose", "remediate", NULL,
};

/* Options that make no sense in a file (they stop the program, or name
 * the file itself). */
static const char *const denied[] = { "config", "help", "version", NULL };

/* Environment variables that stand for an option: when one is set (and not
 * empty) the file's value of the option is left out, so the program sees
 * no option and falls back to the variable as it does without a file.
 * section NULL means any program with that option. */
static const struct {
	const char *section, *key, *env[3];
} env_over[] = {
	{ NULL, "token-file", { "FLY_API_TOKEN", "FLY_ACCESS_TOKEN", NULL } },
	{ "diagnose", "model", { "SELFHEAL_LLM_MODEL", NULL, NULL } },
	{ "remediate", "machines-url", { "SELFHEAL_MACHINES_URL",
		"FLY_FLAPS_BASE_URL", NULL } },
	{ "remediate", "notify-url", { "SELFHEAL_NOTIFY_URL", NULL, NULL } },
};

/* A key is secret when one of its '-'-separated words ends like one of
 * these ("llm-key", "api-key", "apikey", "github-token", "password"); not
 * the plurals, which count things ("max-tokens"). */
static const char *const secret_words[] = {
	"token", "key", "password", "passwd", "passphrase", "secret",
	"credential", "credentials", NULL,
};

/* Values that are secrets whatever their key: Fly tokens, LLM and GitHub
 * keys, Slack tokens and webhook URLs, AWS access keys, PEM blocks, bearer
 * headers. */
static const struct {
	const char *prefix;
	size_t minlen;          /* so that an app named "sk-shop" is no key */
} secret_prefixes[] = {
	{ "FlyV1 ", 0 }, { "fm1r_", 0 }, { "fm1a_", 0 }, { "fm2_", 0 },
	{ "fo1_", 0 }, { "sk-", 32 }, { "ghp_", 0 }, { "gho_", 0 },
	{ "ghs_", 0 }, { "github_pat_", 0 }, { "xoxb-", 0 }, { "xoxp-", 0 },
	{ "AKIA", 20 }, { "-----BEGIN", 0 }, { "Bearer ", 0 },
	{ "bearer ", 0 }, { "https://hooks.slack.com/services/", 0 },
	{ "https://discord.com/api/webhooks/", 0 },
};

void
cfg_init(struct cfg *c)
{
	memset(c, 0, sizeof *c);
}

void
cfg_release(struct cfg *c)
{
	for (int i = 0; i < c->n; i++) {
		free(c->e[i].section);
		free(c->e[i].key);
		free(c->e[i].value);
	}
	free(c->e);
	free(c->path);
	cfg_init(c);
}

void
cfg_words_release(struct cfg_words *w)
{
	for (int i = 0; i < w->n; i++)
		free(w->v[i]);
	free(w->v);
	w->v = NULL;
	w->n = 0;
}

static int
in_list(const char *const *l, const char *s, size_t n)
{
	for (; *l; l++)
		if (strlen(*l) == n && !memcmp(*l, s, n))
			return 1;
	return 0;
}

static int
ends_with(const char *s, size_t n, const char *suf)
{
	size_t m = strlen(suf);
	return n >= m && !memcmp(s + n - m, suf, m);
}

int
cfg_is_secret_key(const char *key)
{
	size_t n = strlen(key);

	if (ends_with(key, n, "-file"))
		return 0;
	for (const char *w = key; *w;) {
		size_t l = strcspn(w, "-");
		for (const char *const *s = secret_words; *s; s++)
			if (ends_with(w, l, *s))
				return 1;
		w += l;
		if (*w == '-')
			w++;
	}
	return 0;
}

/* Where a secret belongs instead; the programs read these variables. */
static const char *
secret_hint(const char *section, const char *key)
{
	if (strstr(key, "notify") || strstr(key, "webhook"))
		return "set SELFHEAL_NOTIFY_URL in the environment";
	if (strstr(key, "llm") || (!strcmp(section, "diagnose") &&
	    !strstr(key, "token")))
		return "set SELFHEAL_LLM_KEY (or OPENAI_API_KEY, "
		    "ANTHROPIC_API_KEY) in the environment";
	if (strstr(key, "token") && !strstr(key, "github"))
		return "set FLY_API_TOKEN in the environment, or name a file "
		    "of mode 0600 with 'token-file = PATH'";
	return "pass it in the environment, or in a file of mode 0600 named by "
	    "the program's '*-file' option";
}

/* A password in the userinfo of a URL ("nats://user:pw@host"). */
static int
url_has_password(const char *v)
{
	for (const char *p = strstr(v, "://"); p; p = strstr(p, "://")) {
		p += 3;
		size_t auth = strcspn(p, "/?#");
		const char *at = NULL;
		for (size_t i = 0; i < auth; i++)
			if (p[i] == '@')
				at = p + i;
		if (at && memchr(p, ':', (size_t)(at - p)))
			return 1;
	}
	return 0;
}

static int
secret_value(const char *v)
{
	while (*v == ' ' || *v == '\t')
		v++;
	size_t n = strcspn(v, " \t");
	for (size_t i = 0; i < sizeof secret_prefixes /
	    sizeof secret_prefixes[0]; i++) {
		const char *p = secret_prefixes[i].prefix;
		if (!strncmp(v, p, strlen(p)) && (strchr(p, ' ') ||
		    n >= secret_prefixes[i].minlen))
			return 1;
	}
	return 0;
}

static int
bad(struct sbuf *err, const char *path, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
bad(struct sbuf *err, const char *path, int line, const char *fmt, ...)
{
	va_list ap;

	sbuf_addf(err, "%s:%d: ", path, line);
	va_start(ap, fmt);
	char buf[1024];
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	sbuf_adds(err, buf);
	return -1;
}

static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

static int
is_keychar(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* The value after '=': p[0..n) with leading blanks gone. Quoted values
 * keep their blanks; "..." knows \" and \\, '...' nothing. */
static int
parse_value(const char *p, size_t n, struct sbuf *v, const char **why)
{
	size_t i = 0;

	if (n && (p[0] == '"' || p[0] == '\'')) {
		char q = p[0];
		for (i = 1; i < n && p[i] != q; i++) {
			if (q == '"' && p[i] == '\\') {
				if (++i >= n)
					break;
				if (p[i] != '"' && p[i] != '\\') {
					*why = "unknown escape in a \"quoted\" "
					    "value (only \\\" and \\\\)";
					return -1;
				}
			}
			sbuf_addc(v, p[i]);
		}
		if (i >= n) {
			*why = "unterminated quoted value";
			return -1;
		}
		for (i++; i < n && is_blank(p[i]); i++)
			;
		if (i < n && p[i] != '#') {
			*why = "text after the closing quote";
			return -1;
		}
		return 0;
	}
	/* unquoted: up to a '#' that follows a blank, trailing blanks cut */
	for (i = 0; i < n; i++)
		if (p[i] == '#' && (i == 0 || is_blank(p[i - 1])))
			break;
	while (i > 0 && is_blank(p[i - 1]))
		i--;
	sbuf_add(v, p, i);
	return 0;
}

static int
parse_line(struct cfg *c, const char *path, int line, const char *p,
    size_t n, char **section, struct sbuf *err)
{
	struct sbuf v;
	const char *why = NULL;
	size_t i = 0, k;

	for (size_t j = 0; j < n; j++) {
		unsigned char ch = (unsigned char)p[j];
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return bad(err, path, line, "control character 0x%02x",
			    ch);
	}
	while (i < n && is_blank(p[i]))
		i++;
	if (i == n || p[i] == '#')
		return 0;
	if (p[i] == '[') {
		const char *e = memchr(p + i, ']', n - i);
		if (!e)
			return bad(err, path, line, "missing ']'");
		size_t a = i + 1, b = (size_t)(e - p);
		while (a < b && is_blank(p[a]))
			a++;
		while (b > a && is_blank(p[b - 1]))
			b--;
		int sl = (int)(b - a > 64 ? 64 : b - a);
		if (!in_list(sections, p + a, b - a))
			return bad(err, path, line, "unknown section '[%.*s]' "
			    "(sections: global, fly-tail, crashgrep, diagnose, "
			    "remediate)", sl, p + a);
		for (i = (size_t)(e - p) + 1; i < n && is_blank(p[i]); i++)
			;
		if (i < n && p[i] != '#')
			return bad(err, path, line, "text after ']'");
		free(*section);
		*section = xstrndup(p + a, b - a);
		return 0;
	}
	for (k = i; k < n && (is_keychar(p[k]) || (p[k] >= 'A' &&
	    p[k] <= 'Z')); k++)
		if (p[k] >= 'A' && p[k] <= 'Z')
			return bad(err, path, line, "keys are lowercase option "
			    "names");
	if (k == i || p[i] == '-')
		return bad(err, path, line, "expected a key (an option name "
		    "such as 'app' or 'llm-url'), a [section] or a # comment");
	if (k < n && p[k] == '_')
		return bad(err, path, line, "option names use '-', not '_'");
	if (k - i > 64)
		return bad(err, path, line, "key too long");
	const char *key = p + i;
	size_t kl = k - i;
	for (i = k; i < n && is_blank(p[i]); i++)
		;
	if (i < n && p[i] != '=' && p[i] != '#')
		return bad(err, path, line, "expected '=' after '%.*s'",
		    (int)kl, key);
	if (!*section)
		return bad(err, path, line, "'%.*s' is outside a section: put "
		    "it under [global] or a program's [section]", (int)kl, key);
	if (in_list(denied, key, kl))
		return bad(err, path, line, "'%.*s' cannot be set in the "
		    "configuration file", (int)kl, key);

	int isbare = !(i < n && p[i] == '=');
	sbuf_init(&v);
	sbuf_adds(&v, "");
	if (!isbare) {
		for (i++; i < n && is_blank(p[i]); i++)
			;
		if (parse_value(p + i, n - i, &v, &why) < 0) {
			sbuf_release(&v);
			return bad(err, path, line, "%s", why);
		}
	}

	char *kcopy = xstrndup(key, kl);
	int rc = 0;
	if (cfg_is_secret_key(kcopy))
		rc = bad(err, path, line, "'%s' looks like a secret, and "
		    "secrets may not be in the configuration file: %s", kcopy,
		    secret_hint(*section, kcopy));
	else if (url_has_password(v.s))
		rc = bad(err, path, line, "'%s': the URL holds a password, and "
		    "secrets may not be in the configuration file: pass it in "
		    "the environment or a '*-file' option", kcopy);
	else if (secret_value(v.s))
		rc = bad(err, path, line, "'%s': the value looks like a token "
		    "or key, and secrets may not be in the configuration "
		    "file: %s", kcopy, secret_hint(*section, kcopy));
	if (rc < 0) {
		free(kcopy);
		sbuf_release(&v);
		return -1;
	}
	c->e = xrealloc(c->e, (size_t)(c->n + 1) * sizeof *c->e);
	c->e[c->n++] = (struct cfg_ent){ .section = xstrdup(*section),
		.key = kcopy, .value = v.s, .line = line, .bare = isbare };
	return 0;
}

int
cfg_parse(struct cfg *c, const char *path, const char *text, size_t len,
    struct sbuf *err)
{
	char *section = NULL;
	int line = 0, rc = 0;
	size_t off = 0;

	if (!c->path)
		c->path = xstrdup(path);
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		off = 3;
	while (off < len) {
		const char *p = text + off, *nl = memchr(p, '\n', len - off);
		size_t n = nl ? (size_t)(nl - p) : len - off;
		off += n + (nl != NULL);
		line++;
		if (n && p[n - 1] == '\r')
			n--;
		if (n > CFG_MAXLINE) {
			rc = bad(err, path, line, "line longer than %d bytes",
			    CFG_MAXLINE);
			break;
		}
		if (memchr(p, '\0', n)) {
			rc = bad(err, path, line, "NUL byte");
			break;
		}
		if ((rc = parse_line(c, path, line, p, n, &section, err)) < 0)
			break;
	}
	free(section);
	return rc;
}

int
cfg_load(struct cfg *c, const char *path, int must_exist, struct sbuf *err,
    int *code)
{
	struct stat st;
	char *buf;
	size_t len = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	*code = SH_EX_NOINPUT;
	if (fd < 0) {
		if (errno == ENOENT && !must_exist)
			return 0;
		sbuf_addf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	int e = fstat(fd, &st) < 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
	if (e) {
		sbuf_addf(err, "%s: %s", path, strerror(e));
		close(fd);
		return -1;
	}
	/* whoever may write the file may make remediate act: refuse it */
	if (S_ISREG(st.st_mode) && (st.st_mode & S_IWOTH)) {
		sbuf_addf(err, "%s: every user may write to it; refusing it "
		    "(chmod o-w)", path);
		*code = SH_EX_CONFIG;
		close(fd);
		return -1;
	}
	buf = xmalloc(CFG_MAXSIZE + 1);
	while ((r = read(fd, buf + len, CFG_MAXSIZE + 1 - len)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			sbuf_addf(err, "%s: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return -1;
		}
		len += (size_t)r;
		if (len > CFG_MAXSIZE) {
			sbuf_addf(err, "%s: larger than %u bytes", path,
			    CFG_MAXSIZE);
			*code = SH_EX_CONFIG;
			free(buf);
			close(fd);
			return -1;
		}
	}
	close(fd);
	*code = SH_EX_CONFIG;
	int rc = cfg_parse(c, path, buf, len, err);
	free(buf);
	return rc < 0 ? -1 : 1;
}

static const struct option *
find_opt(const struct option *opts, const char *name, size_t n)
{
	for (; opts && opts->name; opts++)
		if (strlen(opts->name) == n && !memcmp(opts->name, name, n))
			return opts;
	return NULL;
}

static int
env_overrides(const char *section, const char *key)
{
	for (size_t i = 0; i < sizeof env_over / sizeof env_over[0]; i++) {
		if (strcmp(env_over[i].key, key) || (env_over[i].section &&
		    strcmp(env_over[i].section, section)))
			continue;
		for (int j = 0; j < 3 && env_over[i].env[j]; j++) {
			const char *v = getenv(env_over[i].env[j]);
			if (v && *v)
				return 1;
		}
	}
	return 0;
}

/* -1 bad, 0 false, 1 true */
static int
switch_value(const char *v)
{
	static const char *const yes[] = { "true", "yes", "on", "1", NULL };
	static const char *const no[] = { "false", "no", "off", "0", NULL };
	if (in_list(yes, v, strlen(v)))
		return 1;
	if (in_list(no, v, strlen(v)))
		return 0;
	return -1;
}

static void
add_word(struct cfg_words *w, char *s)
{
	w->v = xrealloc(w->v, (size_t)(w->n + 1) * sizeof *w->v);
	w->v[w->n++] = s;
}

static int
one_entry(const struct cfg *c, const struct cfg_ent *e, const char *section,
    const struct option *opts, unsigned flags, struct cfg_words *out,
    struct sbuf *warn, struct sbuf *err)
{
	int global = !strcmp(e->section, "global");
	const struct option *o = find_opt(opts, e->key, strlen(e->key));
	struct sbuf w;

	if (!o) {
		if (global || (flags & CFG_SKIP_UNKNOWN))
			return 0;
		return bad(err, c->path, e->line, "%s has no option '--%s'",
		    section, e->key);
	}
	if (env_overrides(section, e->key))
		return 0;
	sbuf_init(&w);
	switch (o->has_arg) {
	case no_argument:
		switch (e->bare ? 1 : switch_value(e->value)) {
		case 1:
			sbuf_addf(&w, "--%s", e->key);
			break;
		case 0:
			break;
		default:
			sbuf_release(&w);
			return bad(err, c->path, e->line, "'%s' is a switch: "
			    "its value is true or false", e->key);
		}
		break;
	case optional_argument:
		sbuf_addf(&w, *e->value ? "--%s=%s" : "--%s", e->key, e->value);
		break;
	default:
		if (e->bare) {
			sbuf_release(&w);
			return bad(err, c->path, e->line, "'%s' needs a value: "
			    "'%s = VALUE'", e->key, e->key);
		}
		sbuf_addf(&w, "--%s=%s", e->key, e->value);
		break;
	}
	if (!w.len) {
		sbuf_release(&w);
		return 0;
	}
	add_word(out, w.s);

	struct stat st;
	size_t kl = strlen(e->key);
	if (ends_with(e->key, kl, "-file") && *e->value &&
	    stat(e->value, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & S_IROTH))
		sbuf_addf(warn, "%s:%d: '%s' (%s) may be read by every user: "
		    "chmod o-r it\n", c->path, e->line, e->value, e->key);
	return 0;
}

int
cfg_args(const struct cfg *c, const char *section, const struct option *opts,
    unsigned flags, struct cfg_words *out, struct sbuf *warn,
    struct sbuf *err)
{
	out->v = NULL;
	out->n = 0;
	/* [global] first, so the program's own section comes later and wins */
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < c->n; i++) {
			const struct cfg_ent *e = &c->e[i];
			if (strcmp(e->section, pass ? section : "global") ||
			    (pass && !strcmp(section, "global")))
				continue;
			if (one_entry(c, e, section, opts, flags, out, warn,
			    err) < 0) {
				cfg_words_release(out);
				return -1;
			}
		}
	}
	return 0;
}

/* Does the long option "--name..." (name[0..n)) take its argument from the
 * next word? Exact names first, then a unique prefix, as getopt_long. */
static int
long_takes_next(const struct option *opts, const char *name, size_t n)
{
	const struct option *o = find_opt(opts, name, n), *hit = NULL;
	int hits = 0;

	if (!o) {
		for (const struct option *p = opts; p && p->name; p++)
			if (!strncmp(p->name, name, n)) {
				hit = p;
				hits++;
			}
		if (hits == 1)
			o = hit;
	}
	return o && o->has_arg == required_argument;
}

static void
drop_words(int *argc, char **argv, int at, int k)
{
	memmove(argv + at, argv + at + k, (size_t)(*argc - at - k + 1) *
	    sizeof *argv);
	*argc -= k;
	argv[*argc] = NULL;
}

int
cfg_take_config(int *argc, char **argv, const char *optstring,
    const struct option *opts, const char **path)
{
	int found = 0;

	if (optstring && (*optstring == '+' || *optstring == '-'))
		optstring++;
	for (int i = 1; i < *argc;) {
		const char *a = argv[i];
		if (!strcmp(a, "--"))
			break;
		if (!strncmp(a, "--", 2)) {
			size_t n = strcspn(a + 2, "=");
			if (n == 6 && !strncmp(a + 2, "config", 6)) {
				if (a[8] == '=') {
					*path = a + 9;
					drop_words(argc, argv, i, 1);
					found++;
					continue;
				}
				if (i + 1 >= *argc)
					break;
				*path = argv[i + 1];
				drop_words(argc, argv, i, 2);
				found++;
				continue;
			}
			i += 1 + (!a[2 + n] && long_takes_next(opts, a + 2, n));
			continue;
		}
		if (a[0] == '-' && a[1]) {
			int skip = 0;
			for (const char *s = a + 1; *s; s++) {
				const char *o = optstring && *s != ':' ?
				    strchr(optstring, *s) : NULL;
				if (o && o[1] == ':') {
					/* "-rFILE", "-r FILE"; "::" only
					 * takes an attached argument */
					skip = !s[1] && o[2] != ':';
					break;
				}
			}
			i += 1 + skip;
			continue;
		}
		i++;
	}
	return found;
}

static char **kept_argv;
static struct cfg_words kept_words;

void
cfg_argv_release(void)
{
	free(kept_argv);
	kept_argv = NULL;
	cfg_words_release(&kept_words);
}

void
cfg_argv_flags(int *argc, char ***argv, const char *section,
    const char *optstring, const struct option *opts, unsigned flags)
{
	const char *path = NULL, *env = getenv("SELFHEAL_CONFIG");
	int must = 1, code, n = 0;
	struct cfg c;
	struct sbuf err, warn;

	cfg_take_config(argc, *argv, optstring, opts, &path);
	if (!path && env && *env)
		path = env;
	if (!path) {
		path = SELFHEAL_CONFIG_PATH;
		must = 0;
	}
	cfg_init(&c);
	sbuf_init(&err);
	sbuf_init(&warn);
	if (cfg_load(&c, path, must, &err, &code) < 0)
		sh_die(code, "%s", err.s);
	cfg_argv_release();
	if (cfg_args(&c, section, opts, flags, &kept_words, &warn, &err) < 0)
		sh_die(SH_EX_CONFIG, "%s", err.s);
	for (char *s = warn.s, *nl; s && *s; s = nl + 1) {
		nl = strchr(s, '\n');
		*nl = '\0';
		sh_warn("%s", s);
	}
	cfg_release(&c);
	sbuf_release(&err);
	sbuf_release(&warn);

	kept_argv = xmalloc((size_t)(*argc + kept_words.n + 1) *
	    sizeof *kept_argv);
	kept_argv[n++] = (*argv)[0];
	for (int i = 0; i < kept_words.n; i++)
		kept_argv[n++] = kept_words.v[i];
	for (int i = 1; i < *argc; i++)
		kept_argv[n++] = (*argv)[i];
	kept_argv[n] = NULL;
	*argc = n;
	*argv = kept_argv;
}

void
cfg_argv(int *argc, char ***argv, const char *section, const char *optstring,
    const struct option *opts)
{
	cfg_argv_flags(argc, argv, section, optstring, opts, 0);
}

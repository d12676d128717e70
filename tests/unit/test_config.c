/* test_config - the configuration file: syntax (sections, comments,
 * quoting, switches, repeated keys), errors with their line numbers, the
 * secrets rules, the words a section becomes for getopt, precedence
 * (flags > environment > file > defaults, checked through a real
 * getopt_long loop), --config and $SELFHEAL_CONFIG, exit codes of
 * cfg_argv (in a child) and the warning on world-readable *-file files. */
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "unit.h"

static char tmpdir[] = "/tmp/selfheal-cfg.XXXXXX";

/* a program's option table, as a cmd/ file declares it */
static const char optstr[] = "aB:hl:r:";
static const struct option opts[] = {
	{ "all", no_argument, NULL, 'a' },
	{ "app", required_argument, NULL, 1 },
	{ "color", optional_argument, NULL, 2 },
	{ "context", required_argument, NULL, 'B' },
	{ "format", required_argument, NULL, 3 },
	{ "help", no_argument, NULL, 'h' },
	{ "max-line", required_argument, NULL, 'l' },
	{ "model", required_argument, NULL, 4 },
	{ "rules", required_argument, NULL, 'r' },
	{ "token-file", required_argument, NULL, 5 },
	{ NULL, 0, NULL, 0 },
};

static int
parse(struct cfg *c, const char *text, struct sbuf *err)
{
	cfg_init(c);
	sbuf_reset(err);
	return cfg_parse(c, "t.conf", text, strlen(text), err);
}

/* the error message of a bad text, "" when it parses */
static const char *
error_of(const char *text)
{
	static struct sbuf err;
	struct cfg c;
	if (!err.s)
		sbuf_init(&err);
	int rc = parse(&c, text, &err);
	cfg_release(&c);
	return rc < 0 ? err.s : "";
}

static void
refused(const char *text, const char *want, const char *what)
{
	const char *got = error_of(text);
	int ok = strstr(got, want) != NULL;
	T_OK(ok, "%s: refused", what);
	if (!ok)
		printf("#   got:  '%s'\n#   want: '...%s...'\n", got, want);
}

/* the words of a section, joined by '|'; "ERR: message" on error */
static char *
words(const char *text, const char *section, unsigned flags, char **warnout)
{
	struct cfg c;
	struct cfg_words w;
	struct sbuf err, warn, out;

	sbuf_init(&err);
	sbuf_init(&warn);
	sbuf_init(&out);
	if (parse(&c, text, &err) < 0)
		sbuf_addf(&out, "PARSE: %s", err.s);
	else if (cfg_args(&c, section, opts, flags, &w, &warn, &err) < 0)
		sbuf_addf(&out, "ERR: %s", err.s);
	else {
		for (int i = 0; i < w.n; i++)
			sbuf_addf(&out, "%s%s", i ? "|" : "", w.v[i]);
		cfg_words_release(&w);
	}
	cfg_release(&c);
	sbuf_release(&err);
	if (!out.s)
		sbuf_adds(&out, "");
	if (!warn.s)
		sbuf_adds(&warn, "");
	if (warnout)
		*warnout = warn.s;
	else
		sbuf_release(&warn);
	return out.s;
}

static void
words_are(const char *text, const char *section, const char *want,
    const char *what)
{
	char *got = words(text, section, 0, NULL);
	T_STR(got, want, "%s", what);
	free(got);
}

static char *
write_file(const char *name, const char *text, int mode)
{
	struct sbuf p;
	sbuf_init(&p);
	sbuf_addf(&p, "%s/%s", tmpdir, name);
	FILE *f = fopen(p.s, "w");
	fputs(text, f);
	fclose(f);
	chmod(p.s, (mode_t)mode);
	return p.s;
}

/* What a program's getopt loop ends up with after cfg_argv. */
struct seen {
	int all, context, nrules;
	const char *app, *format, *model, *tokfile, *rules[8];
	char **rest;
	int nrest;
};

static void
run_getopt(int argc, char **argv, const char *section, struct seen *s)
{
	int ch;

	memset(s, 0, sizeof *s);
	s->context = 20;
	cfg_argv(&argc, &argv, section, optstr, opts);
	optind = 0;
	while ((ch = getopt_long(argc, argv, optstr, opts, NULL)) != -1) {
		switch (ch) {
		case 'a': s->all = 1; break;
		case 'B': s->context = atoi(optarg); break;
		case 'r':
			if (s->nrules < 8)
				s->rules[s->nrules++] = optarg;
			break;
		case 1: s->app = optarg; break;
		case 3: s->format = optarg; break;
		case 4: s->model = optarg; break;
		case 5: s->tokfile = optarg; break;
		default: break;
		}
	}
	s->rest = argv + optind;
	s->nrest = argc - optind;
	/* the program's environment fallback, as diagnose does it */
	if (!s->model)
		s->model = getenv("SELFHEAL_LLM_MODEL");
}

/* Run cfg_argv in a child; returns its exit status, stderr in *msg. */
static int
child(char **argv, int argc, const char *section, char **msg)
{
	int fd[2], st;
	char buf[4096];
	ssize_t n, len = 0;

	if (pipe(fd) < 0)
		return -1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(fd[0]);
		dup2(fd[1], 2);
		cfg_argv(&argc, &argv, section, optstr, opts);
		fflush(stderr);
		_exit(0);
	}
	close(fd[1]);
	while ((n = read(fd[0], buf + len, sizeof buf - 1 - (size_t)len)) > 0)
		len += n;
	buf[len] = '\0';
	close(fd[0]);
	waitpid(pid, &st, 0);
	*msg = xstrdup(buf);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void
test_syntax(void)
{
	struct cfg c;
	struct sbuf err;

	sbuf_init(&err);
	const char *t =
	    "# selfheal.conf\n"
	    "\n"
	    "[global]\n"
	    "app = shop   # trailing comment\n"
	    "   [ crashgrep ]   # blanks inside brackets\n"
	    "rules=/etc/selfheal/rules.d\n"
	    "rules = /srv/more.rules\n"
	    "context = \"  7  \"\n"
	    "all\n"
	    "format = 'a # b'\n"
	    "[diagnose]\r\n"
	    "llm-url = http://127.0.0.1:8080/v1#frag\r\n"
	    "model = \"say \\\"hi\\\" \\\\ \"\n"
	    "app =\n"
	    "[crashgrep]\n"
	    "max-line = 65536";
	T_OK(parse(&c, t, &err) == 0, "a file with every construct parses");
	T_OK(c.n == 10, "10 entries (got %d)", c.n);
	if (c.n == 10) {
		T_STR(c.e[0].section, "global", "[global]");
		T_STR(c.e[0].value, "shop", "blank then # starts a comment");
		T_OK(c.e[0].line == 4, "line numbers are 1-based");
		T_STR(c.e[1].section, "crashgrep", "blanks inside [ ] ignored");
		T_STR(c.e[1].value, "/etc/selfheal/rules.d", "no blanks");
		T_STR(c.e[2].key, "rules", "a key may repeat");
		T_STR(c.e[3].value, "  7  ", "\"quoted\" keeps its blanks");
		T_STR(c.e[4].key, "all", "a bare key");
		T_OK(c.e[4].bare && !*c.e[4].value, "a bare key");
		T_STR(c.e[5].value, "a # b", "'single quotes' keep #");
		T_STR(c.e[6].value, "http://127.0.0.1:8080/v1#frag",
		    "# without a blank before it is data; CRLF accepted");
		T_STR(c.e[7].value, "say \"hi\" \\ ", "\\\" and \\\\ escapes");
		T_STR(c.e[8].value, "", "an empty value");
		T_STR(c.e[9].section, "crashgrep", "a section may come back");
		T_STR(c.e[9].value, "65536", "the last line needs no newline");
		T_OK(c.e[9].line == 16, "line of the last entry");
	}
	cfg_release(&c);

	T_OK(parse(&c, "\xef\xbb\xbf[global]\napp = x\n", &err) == 0 &&
	    c.n == 1, "a UTF-8 BOM is skipped");
	cfg_release(&c);
	T_OK(parse(&c, "", &err) == 0 && c.n == 0, "an empty file");
	cfg_release(&c);
	T_OK(parse(&c, "# only\n  # comments\n\n", &err) == 0 && c.n == 0,
	    "only comments");
	cfg_release(&c);
	sbuf_release(&err);
}

static void
test_errors(void)
{
	T_STR(error_of("[global]\napp = a\n[crashgrap]\n"),
	    "t.conf:3: unknown section '[crashgrap]' (sections: global, "
	    "fly-tail, crashgrep, diagnose, remediate)", "unknown section");
	T_STR(error_of("# x\napp = shop\n"), "t.conf:2: 'app' is outside a "
	    "section: put it under [global] or a program's [section]",
	    "key before any section");
	T_STR(error_of("[global\n"), "t.conf:1: missing ']'", "missing ]");
	T_STR(error_of("[global] x\n"), "t.conf:1: text after ']'",
	    "text after ]");
	T_STR(error_of("[global]\n\napp = \"shop\n"),
	    "t.conf:3: unterminated quoted value", "unterminated \"");
	T_STR(error_of("[global]\napp = 'shop\n"),
	    "t.conf:2: unterminated quoted value", "unterminated '");
	T_STR(error_of("[global]\napp = \"shop\\\n"),
	    "t.conf:2: unterminated quoted value", "backslash at the end");
	T_STR(error_of("[global]\napp = \"shop\" x\n"),
	    "t.conf:2: text after the closing quote", "text after a quote");
	T_STR(error_of("[global]\napp = \"a\\nb\"\n"), "t.conf:2: unknown "
	    "escape in a \"quoted\" value (only \\\" and \\\\)", "bad escape");
	T_STR(error_of("[global]\napp shop\n"), "t.conf:2: expected '=' after "
	    "'app'", "missing =");
	T_STR(error_of("[global]\nmax_line = 9\n"), "t.conf:2: option names "
	    "use '-', not '_'", "underscore in a key");
	T_STR(error_of("[global]\nApp = shop\n"), "t.conf:2: keys are "
	    "lowercase option names", "uppercase key");
	T_STR(error_of("[global]\n--app = shop\n"), "t.conf:2: expected a key "
	    "(an option name such as 'app' or 'llm-url'), a [section] or a # "
	    "comment", "a key with dashes in front");
	T_STR(error_of("[global]\n= shop\n"), "t.conf:2: expected a key (an "
	    "option name such as 'app' or 'llm-url'), a [section] or a # "
	    "comment", "no key");
	T_STR(error_of("[global]\napp = a\x1b[31m\n"),
	    "t.conf:2: control character 0x1b", "control character");
	T_STR(error_of("[global]\nhelp = true\n"), "t.conf:2: 'help' cannot "
	    "be set in the configuration file", "help refused");
	T_STR(error_of("[crashgrep]\nconfig = /x\n"), "t.conf:2: 'config' "
	    "cannot be set in the configuration file", "config refused");

	struct cfg c;
	struct sbuf err;
	char nul[] = "[global]\napp = a\0b\n";
	sbuf_init(&err);
	cfg_init(&c);
	T_OK(cfg_parse(&c, "t.conf", nul, sizeof nul - 1, &err) < 0 &&
	    !strcmp(err.s, "t.conf:2: NUL byte"), "NUL byte refused");
	cfg_release(&c);

	struct sbuf big;
	sbuf_init(&big);
	sbuf_adds(&big, "[global]\n# ok\napp = ");
	for (int i = 0; i < CFG_MAXLINE; i++)
		sbuf_addc(&big, 'x');
	T_STR(error_of(big.s), "t.conf:3: line longer than 4096 bytes",
	    "an overlong line");
	sbuf_release(&big);
	sbuf_release(&err);
}

static void
test_secrets(void)
{
	refused("[fly-tail]\napp = shop\ntoken = FlyV1 fm2_abc\n",
	    "t.conf:3: 'token' looks like a secret, and secrets may not be in "
	    "the configuration file: set FLY_API_TOKEN in the environment, or "
	    "name a file of mode 0600 with 'token-file = PATH'", "token");
	refused("[diagnose]\nllm-key = x\n", "t.conf:2: 'llm-key' looks like a "
	    "secret, and secrets may not be in the configuration file: set "
	    "SELFHEAL_LLM_KEY", "llm-key");
	refused("[diagnose]\napi-key = x\n", "SELFHEAL_LLM_KEY", "api-key");
	refused("[global]\napikey = x\n", "'apikey' looks like a secret",
	    "apikey");
	refused("[remediate]\ngithub-token = x\n", "'github-token' looks like "
	    "a secret, and secrets may not be in the configuration file: pass "
	    "it in the environment, or in a file of mode 0600 named by the "
	    "program's '*-file' option", "github-token");
	refused("[remediate]\nwebhook-secret = x\n", "t.conf:2: "
	    "'webhook-secret' looks like a secret", "webhook-secret");
	refused("[global]\npassword = x\n", "'password' looks like a secret",
	    "password");
	refused("[global]\n\n\ndb-password = x\n", "t.conf:4: 'db-password'",
	    "a secret word inside a key");
	refused("[fly-tail]\nnats = nats://personal:fm2_xyz@[fdaa::3]:4223\n",
	    "t.conf:2: 'nats': the URL holds a password, and secrets may not "
	    "be in the configuration file", "password in a URL");
	refused("[diagnose]\nllm-url = https://u:p@127.0.0.1/v1\n",
	    "'llm-url': the URL holds a password", "password in an http URL");
	refused("[remediate]\nheader = Bearer abc\n", "'header': the value "
	    "looks like a token or key", "bearer header under another key");
	refused("[global]\napp = FlyV1 fm2_xyz\n", "the value looks like a "
	    "token or key", "a Fly token under another key");
	refused("[diagnose]\nmodel = "
	    "sk-proj-0123456789abcdefghijklmnopqrstuvwxyz\n",
	    "the value looks like a token or key", "an OpenAI key as a value");
	refused("[remediate]\nnotify-url = https://hooks.slack.com/services/"
	    "T0/B0/abc\n", "t.conf:2: 'notify-url': the value looks like a "
	    "token or key, and secrets may not be in the configuration file: "
	    "set SELFHEAL_NOTIFY_URL in the environment", "a Slack webhook");
	T_STR(error_of("[fly-tail]\ntoken-file = /run/secrets/fly\n"), "",
	    "token-file is allowed");
	T_STR(error_of("[global]\napp = sk-shop\n"), "", "an app named sk-shop "
	    "is no key");
	T_STR(error_of("[diagnose]\nllm-url = http://user@127.0.0.1:8080/v1\n"),
	    "", "a URL with a user but no password is allowed");
	T_STR(error_of("[diagnose]\nllm-url = http://127.0.0.1:8080/a:b@c\n"),
	    "", "':' and '@' in the path are no password");
	T_OK(cfg_is_secret_key("token") && cfg_is_secret_key("fly-api-token") &&
	    cfg_is_secret_key("ssh-key") && !cfg_is_secret_key("token-file") &&
	    !cfg_is_secret_key("llm-key-file") && !cfg_is_secret_key("keep") &&
	    !cfg_is_secret_key("app") && !cfg_is_secret_key("max-tokens") &&
	    !cfg_is_secret_key("budget-tokens"), "cfg_is_secret_key");
}

static void
test_words(void)
{
	const char *t =
	    "[crashgrep]\n"
	    "rules = /a.rules\n"
	    "app = cg\n"
	    "[global]\n"
	    "app = shop\n"
	    "window = 5s\n"            /* not crashgrep's: skipped */
	    "[crashgrep]\n"
	    "rules = /b.rules\n"
	    "all = yes\n"
	    "context = -1\n"
	    "color\n"
	    "[diagnose]\n"
	    "model = m1\n";
	words_are(t, "crashgrep", "--app=shop|--rules=/a.rules|--app=cg|"
	    "--rules=/b.rules|--all|--context=-1|--color",
	    "[global] first, then the section in file order; repeats repeat");
	words_are(t, "diagnose", "--app=shop|--model=m1",
	    "another section; [global] keys it lacks are skipped");
	words_are(t, "fly-tail", "--app=shop", "a section not in the file");
	words_are("[crashgrep]\nall = false\ncolor = always\n", "crashgrep",
	    "--color=always", "switch false: no word; optional argument");
	words_are("[crashgrep]\nall = off\nall = 0\nall = no\nall = on\n"
	    "all = 1\nall = true\n", "crashgrep", "--all|--all|--all",
	    "switch spellings");
	words_are("[crashgrep]\ncolor =\n", "crashgrep", "--color",
	    "optional argument, empty value");
	words_are("[crashgrep]\napp =\n", "crashgrep", "--app=",
	    "required argument, empty value is passed");
	words_are("[crashgrep]\napp = -rf\n", "crashgrep", "--app=-rf",
	    "a value starting with '-' stays a value");
	words_are("[crashgrep]\n\napp\n", "crashgrep", "ERR: t.conf:3: 'app' "
	    "needs a value: 'app = VALUE'", "a bare key for an option with an "
	    "argument");
	words_are("[crashgrep]\nall = maybe\n", "crashgrep", "ERR: t.conf:2: "
	    "'all' is a switch: its value is true or false", "bad switch");
	words_are("[global]\napp = x\n[crashgrep]\n\nwindow = 5s\n",
	    "crashgrep", "ERR: t.conf:5: crashgrep has no option '--window'",
	    "unknown key in the program's section, with its line");
	char *got = words("[crashgrep]\nwindow = 5s\napp = x\n", "crashgrep",
	    CFG_SKIP_UNKNOWN, NULL);
	T_STR(got, "--app=x", "CFG_SKIP_UNKNOWN skips it");
	free(got);
}

static void
test_env(void)
{
	const char *t = "[global]\ntoken-file = /nonexistent/fly\n"
	    "[diagnose]\nmodel = from-file\n";

	unsetenv("FLY_API_TOKEN");
	unsetenv("FLY_ACCESS_TOKEN");
	unsetenv("SELFHEAL_LLM_MODEL");
	words_are(t, "diagnose", "--token-file=/nonexistent/fly|"
	    "--model=from-file", "no environment: the file's values");
	setenv("SELFHEAL_LLM_MODEL", "from-env", 1);
	words_are(t, "diagnose", "--token-file=/nonexistent/fly",
	    "SELFHEAL_LLM_MODEL set: the file's model is left out");
	words_are("[crashgrep]\nmodel = m\n", "crashgrep", "--model=m",
	    "SELFHEAL_LLM_MODEL is diagnose's only");
	setenv("SELFHEAL_LLM_MODEL", "", 1);
	words_are(t, "diagnose", "--token-file=/nonexistent/fly|"
	    "--model=from-file", "an empty variable counts as unset");
	unsetenv("SELFHEAL_LLM_MODEL");
	setenv("FLY_ACCESS_TOKEN", "x", 1);
	words_are(t, "diagnose", "--model=from-file",
	    "FLY_ACCESS_TOKEN set: the file's token-file is left out");
	unsetenv("FLY_ACCESS_TOKEN");
	setenv("FLY_API_TOKEN", "x", 1);
	words_are(t, "fly-tail", "", "FLY_API_TOKEN set: the same");
	unsetenv("FLY_API_TOKEN");
}

static void
test_precedence(void)
{
	struct seen s;
	char *conf = write_file("p.conf",
	    "[global]\napp = file-app\n"
	    "[crashgrep]\ncontext = 5\nrules = /file.rules\nall = true\n"
	    "[diagnose]\nmodel = file-model\n", 0644);
	char *av[16];

	unsetenv("SELFHEAL_LLM_MODEL");
	unsetenv("SELFHEAL_CONFIG");
	av[0] = "prog";
	av[1] = "--config";
	av[2] = conf;
	av[3] = "in.log";
	av[4] = NULL;
	run_getopt(4, av, "crashgrep", &s);
	T_STR(s.app, "file-app", "file: [global] value");
	T_OK(s.context == 5, "file: section value (got %d)", s.context);
	T_OK(s.all == 1, "file: switch");
	T_OK(s.nrules == 1 && !strcmp(s.rules[0], "/file.rules"),
	    "file: repeatable option");
	T_OK(s.nrest == 1 && !strcmp(s.rest[0], "in.log"),
	    "operands stay, --config is gone");

	av[0] = "prog";
	av[1] = "--app=flag-app";
	av[2] = "-B";
	av[3] = "9";
	av[4] = "-r";
	av[5] = "/flag.rules";
	av[6] = "--config";
	av[7] = conf;
	av[8] = NULL;
	run_getopt(8, av, "crashgrep", &s);
	T_STR(s.app, "flag-app", "flag beats file (long option)");
	T_OK(s.context == 9, "flag beats file (short option)");
	T_OK(s.nrules == 2 && !strcmp(s.rules[0], "/file.rules") &&
	    !strcmp(s.rules[1], "/flag.rules"),
	    "repeatable: the file's first, then the flags'");
	T_OK(s.nrest == 0, "no operands");

	av[0] = "prog";
	av[1] = NULL;
	setenv("SELFHEAL_CONFIG", conf, 1);
	run_getopt(1, av, "diagnose", &s);
	T_STR(s.model, "file-model", "$SELFHEAL_CONFIG names the file");
	setenv("SELFHEAL_LLM_MODEL", "env-model", 1);
	run_getopt(1, av, "diagnose", &s);
	T_STR(s.model, "env-model", "environment beats file");
	av[1] = "--model";
	av[2] = "flag-model";
	av[3] = NULL;
	run_getopt(3, av, "diagnose", &s);
	T_STR(s.model, "flag-model", "flag beats environment");
	unsetenv("SELFHEAL_LLM_MODEL");
	av[1] = NULL;
	char *empty = write_file("empty.conf", "", 0644);
	av[1] = "--config";
	av[2] = empty;
	av[3] = NULL;
	run_getopt(3, av, "diagnose", &s);
	T_OK(s.model == NULL && s.app == NULL, "--config beats "
	    "$SELFHEAL_CONFIG; no file value: defaults");
	av[1] = NULL;
	setenv("SELFHEAL_CONFIG", "/dev/null", 1);
	run_getopt(1, av, "crashgrep", &s);
	T_OK(s.app == NULL && s.context == 20, "SELFHEAL_CONFIG=/dev/null: "
	    "no file, defaults");
	unsetenv("SELFHEAL_CONFIG");
	cfg_argv_release();
	free(conf);
	free(empty);
}

static void
test_take_config(void)
{
	const char *path;
	char *av[12];
	int ac, n;

#define ARGV(...) do { \
	char *a_[] = { __VA_ARGS__, NULL }; \
	ac = 0; \
	for (; a_[ac]; ac++) av[ac] = a_[ac]; \
	av[ac] = NULL; \
	path = NULL; \
} while (0)
	ARGV("p", "-a", "--config", "x.conf", "f");
	n = cfg_take_config(&ac, av, optstr, opts, &path);
	T_OK(n == 1 && ac == 3 && !strcmp(av[1], "-a") && !strcmp(av[2], "f") &&
	    !av[3] && path && !strcmp(path, "x.conf"), "--config FILE");
	ARGV("p", "--config=y.conf");
	n = cfg_take_config(&ac, av, optstr, opts, &path);
	T_OK(n == 1 && ac == 1 && path && !strcmp(path, "y.conf"),
	    "--config=FILE");
	ARGV("p", "--config", "a", "--config=b");
	n = cfg_take_config(&ac, av, optstr, opts, &path);
	T_OK(n == 2 && ac == 1 && !strcmp(path, "b"), "the last one wins");
	ARGV("p", "-r", "--config", "x");
	n = cfg_take_config(&ac, av, optstr, opts, &path);
	T_OK(n == 0 && ac == 4 && !path, "'-r --config': an argument");
	ARGV("p", "-aB", "--config", "x");
	n = cfg_take_config(&ac, av, optstr, opts, &path);
	T_OK(n == 0 && ac == 4, "'-aB --config': an argument after a cluster");
	ARGV("p", "-aB5", "--config", "x");
	n = cfg_take_config(&ac, av, optstr, opts, &path);
	T_OK(n == 1 && ac == 2 && !strcmp(path, "x"), "'-aB5': attached");
	ARGV("p", "--rules", "--config", "x");
	n = cfg_take_config(&ac, av, optstr, opts, &path);
	T_OK(n == 0 && ac == 4, "'--rules --config': an argument");
	ARGV("p", "--rul", "--config", "x");
	n = cfg_take_config(&ac, av, optstr, opts, &path);
	T_OK(n == 0 && ac == 4, "'--rul --config': abbreviation, an argument");
	ARGV("p", "--rules=r", "--config", "x");
	n = cfg_take_config(&ac, av, optstr, opts, &path);
	T_OK(n == 1 && ac == 2, "'--rules=r --config x'");
	ARGV("p", "--", "--config", "x");
	n = cfg_take_config(&ac, av, optstr, opts, &path);
	T_OK(n == 0 && ac == 4, "after '--': an operand");
	ARGV("p", "f", "--config", "x", "g");
	n = cfg_take_config(&ac, av, optstr, opts, &path);
	T_OK(n == 1 && ac == 3 && !strcmp(av[2], "g"), "after an operand "
	    "(getopt permutes)");
	ARGV("p", "-a", "--config");
	n = cfg_take_config(&ac, av, optstr, opts, &path);
	T_OK(n == 0 && ac == 3 && !path, "a final --config without FILE stays "
	    "for getopt to refuse");
#undef ARGV
}

static void
test_exits(void)
{
	char *msg, *av[4];
	int rc;
	char *bad = write_file("bad.conf", "[global]\napp = shop\n"
	    "[crashgrep]\nnope = 1\n", 0644);
	char *secret = write_file("secret.conf", "# x\n[fly-tail]\n"
	    "token = abc\n", 0644);
	char *ww = write_file("ww.conf", "[global]\n", 0666);

	unsetenv("SELFHEAL_CONFIG");
	av[0] = "prog";
	av[1] = "--config";
	av[2] = bad;
	av[3] = NULL;
	rc = child(av, 3, "crashgrep", &msg);
	T_OK(rc == 78, "unknown option: exit 78 (got %d)", rc);
	struct sbuf want;
	sbuf_init(&want);
	sbuf_addf(&want, "test_config: %s:4: crashgrep has no option "
	    "'--nope'\n", bad);
	T_STR(msg, want.s, "message: program: file:line: problem");
	free(msg);
	rc = child(av, 3, "diagnose", &msg);
	T_OK(rc == 0 && !*msg, "another program does not read that section");
	free(msg);

	av[2] = secret;
	rc = child(av, 3, "crashgrep", &msg);
	T_OK(rc == 78, "a secret in any section: exit 78 for every program");
	sbuf_reset(&want);
	sbuf_addf(&want, "%s:3: 'token' looks like a secret", secret);
	T_OK(strstr(msg, want.s) != NULL, "the message names its line");
	free(msg);

	av[2] = "/nonexistent/selfheal.conf";
	rc = child(av, 3, "crashgrep", &msg);
	T_OK(rc == 66, "a missing --config file: exit 66 (got %d)", rc);
	T_STR(msg, "test_config: /nonexistent/selfheal.conf: No such file or "
	    "directory\n", "message names the file");
	free(msg);
	setenv("SELFHEAL_CONFIG", "/nonexistent/selfheal.conf", 1);
	rc = child(av, 1, "crashgrep", &msg);
	T_OK(rc == 66, "a missing $SELFHEAL_CONFIG file: exit 66 (got %d)", rc);
	free(msg);
	unsetenv("SELFHEAL_CONFIG");

	av[2] = tmpdir;
	rc = child(av, 3, "crashgrep", &msg);
	T_OK(rc == 66 && strstr(msg, "Is a directory"), "a directory: 66");
	free(msg);

	av[2] = ww;
	rc = child(av, 3, "crashgrep", &msg);
	T_OK(rc == 78 && strstr(msg, "every user may write to it"),
	    "a world-writable file: 78 (got %d)", rc);
	free(msg);

	if (geteuid() != 0) {
		char *ro = write_file("unreadable.conf", "[global]\n", 0);
		av[2] = ro;
		rc = child(av, 3, "crashgrep", &msg);
		T_OK(rc == 66, "an unreadable file: 66");
		free(msg);
		free(ro);
	} else
		T_OK(1, "# SKIP an unreadable file (running as root)");
	sbuf_release(&want);
	free(bad);
	free(secret);
	free(ww);
}

static void
test_permissions(void)
{
	char *tok = write_file("fly-token", "FlyV1 x\n", 0644);
	char *warn, *got, *msg;
	struct sbuf t, want;

	unsetenv("FLY_API_TOKEN");
	unsetenv("FLY_ACCESS_TOKEN");
	sbuf_init(&t);
	sbuf_init(&want);
	sbuf_addf(&t, "[global]\n# the token\ntoken-file = %s\n", tok);
	sbuf_addf(&want, "t.conf:3: '%s' (token-file) may be read by every "
	    "user: chmod o-r it\n", tok);
	got = words(t.s, "fly-tail", 0, &warn);
	T_STR(warn, want.s, "a world-readable *-file: a warning with its line");
	free(got);
	free(warn);
	chmod(tok, 0600);
	got = words(t.s, "fly-tail", 0, &warn);
	T_STR(warn, "", "mode 0600: no warning");
	free(got);
	free(warn);
	chmod(tok, 0640);
	got = words(t.s, "fly-tail", 0, &warn);
	T_STR(warn, "", "mode 0640: no warning");
	free(got);
	free(warn);

	/* through cfg_argv: the warning on stderr, the program goes on */
	chmod(tok, 0604);
	sbuf_reset(&t);
	sbuf_addf(&t, "[fly-tail]\ntoken-file = %s\n", tok);
	char *conf = write_file("perm.conf", t.s, 0644);
	char *av[] = { "prog", "--config", conf, NULL };
	int rc = child(av, 3, "fly-tail", &msg);
	sbuf_reset(&want);
	sbuf_addf(&want, "test_config: %s:2: '%s' (token-file) may be read by "
	    "every user: chmod o-r it\n", conf, tok);
	T_OK(rc == 0, "a warning does not stop the program");
	T_STR(msg, want.s, "the warning on stderr");
	free(msg);
	free(conf);
	free(tok);
	sbuf_release(&t);
	sbuf_release(&want);
}

/* contrib/selfheal.conf parses, and so does every commented-out key in
 * it ("#key = value" lines) once uncommented (tests/t/contrib.t checks
 * the keys against the programs' options). Run from the checkout's top. */
static void
test_example(void)
{
	struct cfg c;
	struct sbuf err, un;
	int code;
	FILE *f = fopen("contrib/selfheal.conf", "r");
	char line[CFG_MAXLINE + 2];

	if (!f) {
		T_OK(1, "# SKIP contrib/selfheal.conf: not run from the top");
		return;
	}
	cfg_init(&c);
	sbuf_init(&err);
	sbuf_init(&un);
	T_OK(cfg_load(&c, "contrib/selfheal.conf", 1, &err, &code) == 1,
	    "contrib/selfheal.conf loads %s", err.s ? err.s : "");
	T_OK(c.n == 0, "contrib/selfheal.conf: everything is commented out");
	cfg_release(&c);
	int n = 0;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#' && line[1] >= 'a' && line[1] <= 'z') {
			sbuf_adds(&un, line + 1);
			n++;
		} else
			sbuf_adds(&un, line);
	}
	fclose(f);
	sbuf_reset(&err);
	T_OK(cfg_parse(&c, "uncommented", un.s, un.len, &err) == 0 && c.n == n,
	    "contrib/selfheal.conf uncommented: %d keys parse %s", n,
	    err.s ? err.s : "");
	cfg_release(&c);
	sbuf_release(&un);
	sbuf_release(&err);
}

int
main(void)
{
	sh_init("test_config");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_syntax();
	test_errors();
	test_secrets();
	test_words();
	test_env();
	test_precedence();
	test_take_config();
	test_exits();
	test_permissions();
	test_example();

	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return t_done();
}

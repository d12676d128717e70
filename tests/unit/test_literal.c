/* test_literal - lit_extract: the required literals of PCRE2 patterns.
 *
 * Two kinds of test: exact expectations for many patterns (what the
 * prefilter will search for), and a property test: for every pattern and
 * many crafted and random subjects, whenever PCRE2 matches, at least one
 * extracted literal occurs in the subject (ASCII case folding for caseless
 * literals, as the prefilter does). A violation means crashgrep would
 * silently miss crashes. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <strings.h>

#include "literal.h"
#include "unit.h"

static int
has(const struct litset *ls, const char *s, int caseless)
{
	for (int i = 0; i < ls->n; i++)
		if (ls->v[i].n == strlen(s) && !memcmp(ls->v[i].s, s, ls->v[i].n) &&
		    (caseless < 0 || ls->v[i].caseless == caseless))
			return 1;
	return 0;
}

static void
show(const struct litset *ls)
{
	printf("#   set (%d):", ls->n);
	for (int i = 0; i < ls->n; i++)
		printf(" [%.*s]%s", (int)ls->v[i].n, ls->v[i].s,
		    ls->v[i].caseless ? "/i" : "");
	printf("\n");
}

/* expect exactly the given literals (NULL-terminated), any order */
static void
expect(const char *pat, int ci_flag, int caseless, const char *const *want)
{
	struct litset ls;
	int rc = lit_extract(pat, ci_flag, &ls), n = 0, ok = rc == 0;

	for (; want[n]; n++)
		if (!has(&ls, want[n], caseless))
			ok = 0;
	if (ls.n != n)
		ok = 0;
	T_OK(ok, "lit_extract(%s) gives %d literal(s), first '%s'", pat, n,
	    want[0]);
	if (!ok)
		show(&ls);
	lit_free(&ls);
}

#define EXPECT(pat, ...) do { \
	static const char *const w_[] = { __VA_ARGS__, NULL }; \
	expect(pat, 0, 0, w_); \
} while (0)
#define EXPECT_CI(pat, ...) do { \
	static const char *const w_[] = { __VA_ARGS__, NULL }; \
	expect(pat, 0, 1, w_); \
} while (0)

static void
none(const char *pat, const char *why)
{
	struct litset ls;
	int rc = lit_extract(pat, 0, &ls);
	T_OK(rc == -1 && ls.n == 0, "lit_extract(%s) gives none: %s", pat, why);
	if (rc != -1)
		show(&ls);
	lit_free(&ls);
}

/* ---- the property ---- */

static int
lit_in(const struct lit *l, const char *s, size_t n)
{
	if (l->n > n)
		return 0;
	for (size_t i = 0; i + l->n <= n; i++) {
		if (l->caseless) {
			size_t k = 0;
			for (; k < l->n; k++) {
				unsigned char a = (unsigned char)s[i + k];
				unsigned char b = (unsigned char)l->s[k];
				if (a >= 'A' && a <= 'Z')
					a += 32;
				if (b >= 'A' && b <= 'Z')
					b += 32;
				if (a != b)
					break;
			}
			if (k == l->n)
				return 1;
		} else if (!memcmp(s + i, l->s, l->n)) {
			return 1;
		}
	}
	return 0;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

struct pcase {
	const char *pat;
	const char *subjects[8];   /* crafted; most match */
};

/* Patterns in the style of real rules, plus tricky constructs. */
static const struct pcase cases[] = {
	{ "^panic: (?<title>.+)$", { "panic: boom", "panic: runtime error" } },
	{ "^fatal error: (?<title>.+)$", { "fatal error: concurrent map writes" } },
	{ "Out of memory(?: \\([\\w ]+\\))?: Kill(?:ed)? process (?<pid>\\d+) \\((?<process>[^)]*)\\)",
	  { "[  321.2] Out of memory: Killed process 476 (shop) total-vm",
	    "Out of memory (oom_kill_allocating_task): Kill process 1 (x)" } },
	{ "^Exception in thread \"(?<thread>[^\"]+)\" (?<title>.+)$",
	  { "Exception in thread \"main\" java.lang.Error: x" } },
	{ "File \"(?<file>[^\"]+)\", line (?<line>\\d+)",
	  { "  File \"/app/x.py\", line 12, in <module>" } },
	{ "(?i)instance refused connection", { "INSTANCE REFUSED CONNECTION",
	    "Instance Refused Connection. is your app" } },
	{ "(?i:fatal) error", { "FATAL error", "Fatal error" } },
	{ "[Ee]rror: (?:ENOSPC|EMFILE)", { "Error: ENOSPC", "error: EMFILE" } },
	{ "colou?r (?:red|green)", { "color red", "colour green" } },
	{ "(?:foo|ba)r+baz", { "foorrbaz", "barbaz" } },
	{ "abc(?:defghi)?jk", { "abcjk", "abcdefghijk" } },
	{ "\\bsegfault at [0-9a-f]+ ip [0-9a-f]+ sp ", { "segfault at 0 ip 7f sp x" } },
	{ "\\Qa.b*c(\\E\\d+", { "a.b*c(12" } },
	{ "(?<=user )admin(?!istrator)", { "user admin", "user admin!" } },
	{ "(?x) panic \\  here  # a comment", { "panic here" } },
	{ "(?#comment)abort\\(\\)", { "abort()" } },
	{ "\\x41BC\\x{263a}", { "ABC\xe2\x98\xba" } },
	{ "\\tat com\\.acme\\.", { "\tat com.acme.X" } },
	{ "(?:abc){2}x", { "abcabcx" } },
	{ "a+?bcd|efg*h", { "aabcd", "efh", "efggh" } },
	{ "(?i)(?:SIG(?:SEGV|ABRT|BUS))", { "sigsegv", "SigAbrt", "SIGBUS" } },
	{ "[[:digit:]]+ errors? detected", { "3 errors detected", "1 error detected" } },
	{ "(?|(?<a>xyzw)|(?<a>uvwx))q", { "xyzwq", "uvwxq" } },
	{ "(?>atomic)+ group", { "atomicatomic group" } },
	{ "(a)\\1bcd", { "aabcd" } },
	{ "x(?:y|z)*wvu", { "xwvu", "xyzyzwvu" } },
	{ "(?s)begin.*end", { "begin\nend", "beginend" } },
	{ "(?i)k[a]ll", { "KALL", "kAlL" } },
	/* not in C's tolower: PCRE2 (UTF) folds non-ASCII letters too */
	{ "(?i)\xc3\xa9" "chec", { "\xc3\x89" "CHEC de connexion",
	    "\xc3\xa9" "chec" } },
	/* \N{U+hh} is a character in UTF mode, not "{U+...}" */
	{ "\\N{U+0041}BCD", { "ABCD" } },
	/* an optional group of 32 alternatives may still match nothing */
	{ "(?:a0|a1|a2|a3|a4|a5|a6|a7|a8|a9|b0|b1|b2|b3|b4|b5|b6|b7|b8|b9|"
	  "c0|c1|c2|c3|c4|c5|c6|c7|c8|c9|d0|d1)?xyz", { "xyz", "d1xyz" } },
	{ "(?:ab|cd|ef|gh|ij|kl|mn|op|qr|st|uv|wx|yz|AB|CD|EF|GH)?(?:12|34)?zzz",
	  { "zzz", "ab34zzz" } },
	/* PCRE2 ignores a stray \E: the quantifier after it repeats the atom
	 * before (fuzz_literal found "MA\E?" taken to require "MA") */
	{ "A?M?MA\\E?MA?xyz", { "AMMxyz", "MMAxyz" } },
	{ "abcd\\E?efg", { "abcefg" } },
	{ "abcd\\Q\\E+efg", { "abcdddefg" } },
	{ "\\Qabc\\E{2}xyz", { "abccxyz" } },
};

static void
mutate(char *s, size_t *n, size_t cap)
{
	static const char alpha[] = "abcdefxyzABCXYZ0123 :\"()[]\t.-_\\";
	int k = (int)(t_rnd32(&rng) % 4);
	switch (k) {
	case 0: /* insert at the front or back */
		if (*n + 1 < cap) {
			if (t_rnd32(&rng) & 1) {
				memmove(s + 1, s, *n);
				s[0] = alpha[t_rnd32(&rng) % (sizeof alpha - 1)];
			} else {
				s[*n] = alpha[t_rnd32(&rng) % (sizeof alpha - 1)];
			}
			(*n)++;
		}
		break;
	case 1: /* flip the case of one ASCII letter */
		if (*n) {
			size_t i = t_rnd32(&rng) % *n;
			if ((s[i] | 32) >= 'a' && (s[i] | 32) <= 'z')
				s[i] ^= 32;
		}
		break;
	case 2: /* delete one byte */
		if (*n) {
			size_t i = t_rnd32(&rng) % *n;
			memmove(s + i, s + i + 1, *n - i - 1);
			(*n)--;
		}
		break;
	default: /* replace one byte */
		if (*n)
			s[t_rnd32(&rng) % *n] = alpha[t_rnd32(&rng) % (sizeof alpha - 1)];
	}
}

static void
property(void)
{
	int ncases = (int)(sizeof cases / sizeof *cases);
	for (int c = 0; c < ncases; c++) {
		const char *pat = cases[c].pat;
		int ec, matched = 0, bad = 0;
		PCRE2_SIZE off;
		pcre2_code *code = pcre2_compile((PCRE2_SPTR)pat,
		    PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
		    &ec, &off, NULL);
		if (!code) {
			T_OK(0, "pattern %s compiles (error %d at %zu)", pat, ec,
			    (size_t)off);
			continue;
		}
		pcre2_match_data *md = pcre2_match_data_create_from_pattern(code,
		    NULL);
		uint32_t opts = 0;
		pcre2_pattern_info(code, PCRE2_INFO_ALLOPTIONS, &opts);
		struct litset ls;
		int rc = lit_extract(pat, (opts & PCRE2_CASELESS) != 0, &ls);
		char badsub[200] = "";

		for (int s = 0; s < 8 && cases[c].subjects[s]; s++) {
			char buf[256];
			size_t n = strlen(cases[c].subjects[s]);
			memcpy(buf, cases[c].subjects[s], n);
			/* the crafted subject itself, then 200 mutations of it */
			for (int round = 0; round <= 200; round++) {
				if (round)
					mutate(buf, &n, sizeof buf - 1);
				if (pcre2_match(code, (PCRE2_SPTR)buf, n, 0, 0, md,
				    NULL) < 0)
					continue;
				matched++;
				if (rc != 0)
					continue; /* no literal: always tried */
				int found = 0;
				for (int i = 0; i < ls.n && !found; i++)
					found = lit_in(&ls.v[i], buf, n);
				if (!found && !bad++)
					snprintf(badsub, sizeof badsub, "%.*s", (int)n, buf);
			}
		}
		T_OK(matched > 0, "property: %s matched some subjects (%d)", pat,
		    matched);
		T_OK(bad == 0, "property: every PCRE2 match of %s holds a literal",
		    pat);
		if (bad) {
			printf("#   %d subject(s) without a literal, e.g. '%s'\n", bad,
			    badsub);
			show(&ls);
		}
		lit_free(&ls);
		pcre2_match_data_free(md);
		pcre2_code_free(code);
	}
}

/* Random subjects against random small patterns built from pieces. */
static void
random_property(void)
{
	static const char *const pieces[] = { "abc", "xyz", "(?:ab|cd)", "\\d+",
		"[xy]", "q?", "(?:err|fail)", ".", "(?i:oK)", "\\s*", "(?:abc)?",
		"[^a]", "z{2}", "(?:mn|op)+", "\\.", "a*", "(?i)cat" };
	static const char alpha[] = "abcdxyzqmnopKkOoeErRfFiIlLtT0123 .";
	int bad = 0, matches = 0;
	char badpat[256] = "", badsub[64] = "";

	for (int t = 0; t < 400; t++) {
		char pat[256] = "";
		int np = 2 + (int)(t_rnd32(&rng) % 4);
		for (int i = 0; i < np; i++) {
			strcat(pat, pieces[t_rnd32(&rng) % (sizeof pieces / sizeof *pieces)]);
			if (t_rnd32(&rng) % 7 == 0 && i + 1 < np)
				strcat(pat, "|");
		}
		int ec;
		PCRE2_SIZE off;
		pcre2_code *code = pcre2_compile((PCRE2_SPTR)pat,
		    PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
		    &ec, &off, NULL);
		if (!code)
			continue;
		pcre2_match_data *md = pcre2_match_data_create_from_pattern(code,
		    NULL);
		struct litset ls;
		int rc = lit_extract(pat, 0, &ls);
		for (int s = 0; s < 300 && rc == 0; s++) {
			char sub[40];
			size_t n = 1 + t_rnd32(&rng) % 30;
			for (size_t i = 0; i < n; i++)
				sub[i] = alpha[t_rnd32(&rng) % (sizeof alpha - 1)];
			/* plant a literal now and then so that matches happen */
			if (ls.n && (t_rnd32(&rng) & 1)) {
				const struct lit *l = &ls.v[t_rnd32(&rng) % (unsigned)ls.n];
				if (l->n < n) {
					size_t at = t_rnd32(&rng) % (n - l->n + 1);
					memcpy(sub + at, l->s, l->n);
				}
			}
			if (pcre2_match(code, (PCRE2_SPTR)sub, n, 0, 0, md, NULL) < 0)
				continue;
			matches++;
			int found = 0;
			for (int i = 0; i < ls.n && !found; i++)
				found = lit_in(&ls.v[i], sub, n);
			if (!found && !bad++) {
				snprintf(badpat, sizeof badpat, "%s", pat);
				snprintf(badsub, sizeof badsub, "%.*s", (int)n, sub);
			}
		}
		lit_free(&ls);
		pcre2_match_data_free(md);
		pcre2_code_free(code);
	}
	T_OK(matches > 100, "random patterns: %d matches tried", matches);
	T_OK(bad == 0, "random patterns: every match holds a literal");
	if (bad)
		printf("#   %d failures, e.g. /%s/ on '%s'\n", bad, badpat, badsub);
}

int
main(void)
{
	/* required literals */
	EXPECT("^panic: (?<title>.+)$", "panic: ");
	EXPECT("^fatal error: (?<title>.+)$", "fatal error: ");
	EXPECT("Killed process \\d+", "Killed process ");
	EXPECT("\\d+ errors? detected", " error detected", " errors detected");
	EXPECT("foo|barbaz", "foo", "barbaz");
	EXPECT("(?:foo|ba)r", "foor", "bar");
	EXPECT("colou?r", "color", "colour");
	EXPECT("\\[signal SIGSEGV\\]", "[signal SIGSEGV]");
	EXPECT("a\\.b\\.c", "a.b.c");
	EXPECT("\\x41BC", "ABC");
	EXPECT("\\x{263a}ok", "\xe2\x98\xbaok");
	EXPECT("\\tat com\\.", "\tat com.");
	EXPECT("\\Qa.b*c(\\E\\d", "a.b*c(");
	EXPECT("\\Q[x]+\\E", "[x]+");
	EXPECT("abcd\\E?e", "abce", "abcde");
	EXPECT("abc\\Edef", "abcdef");
	EXPECT("(?:abc){2}", "abcabc");
	EXPECT("(?:abc)+", "abc");
	/* a brace that is no quantifier is text: not strtol's syntax */
	EXPECT("]-4}{-4}4", "]-4}{-4}4");
	EXPECT("abc{x}d", "abc{x}d");
	/* the brace of {n,} is the quantifier's, not a literal after it */
	{
		static const char *const subj[] = { "abcdefgghijklm",
			"abcdefggggghijklm", "abcdefgghi" "jklm and more", NULL };
		const char *pats[] = { "abcdefg{2,}hijklm", "abcdefg{2,5}hijklm",
			"abcdefg{2}hijklm", NULL };
		for (int k = 0; pats[k]; k++) {
			struct litset ls;
			int rc = lit_extract(pats[k], 0, &ls), bad = 0;
			for (int j = 0; rc == 0 && subj[j]; j++) {
				int any = 0;
				if (k == 2 && j == 1)
					continue;       /* {2}: not five g's */
				for (int i = 0; i < ls.n; i++)
					any |= memmem(subj[j], strlen(subj[j]), ls.v[i].s,
					    ls.v[i].n) != NULL;
				bad += !any;
			}
			T_OK(rc == 0 && ls.n > 0 && bad == 0, "lit_extract(%s): every "
			    "subject it matches holds a literal (%d missed)", pats[k],
			    bad);
			if (rc == 0)
				lit_free(&ls);
		}
	}
	EXPECT("x*abc", "abc");
	EXPECT("a+?bcd", "bcd");
	EXPECT("(?<=user )admin(?!istrator)", "admin");
	EXPECT("(?=abc)abcdef", "abcdef");
	EXPECT("(?#a comment)abort", "abort");
	EXPECT("(?x) panic \\  here  # a comment", "panic here");
	EXPECT("(?<name>abc)def", "abcdef");
	EXPECT("(?P<name>abc)def", "abcdef");
	EXPECT("(?'name'abc)def", "abcdef");
	EXPECT("(?>abc)def", "abcdef");
	/* alternation: every branch needs one */
	EXPECT("(?:SIGSEGV|SIGBUS|SIGABRT)", "SIGSEGV", "SIGBUS", "SIGABRT");
	EXPECT("Exit(?:ed)? with (?:code|status) 137", "Exit with code 137",
	    "Exited with code 137", "Exit with status 137",
	    "Exited with status 137");
	/* classes */
	EXPECT("[Ee]rror", "Error", "error");
	EXPECT("Segmentation[ ]fault", "Segmentation fault");
	EXPECT("[^x]abc", "abc");
	EXPECT("[a-z]+foo", "foo");
	EXPECT("[[:alpha:]]bar", "bar");
	EXPECT("[\\d]xyz", "xyz");
	/* a long literal is kept as a usable prefix */
	{
		struct litset ls;
		const char *p = "0123456789012345678901234567890123456789"
		    "0123456789012345678901234567890123456789";
		int rc = lit_extract(p, 0, &ls);
		T_OK(rc == 0 && ls.n == 1 && ls.v[0].n >= LIT_MIN_LEN &&
		    !memcmp(ls.v[0].s, p, ls.v[0].n),
		    "an 80-byte literal gives a prefix of itself");
		lit_free(&ls);
	}
	/* caseless */
	EXPECT_CI("(?i)out of memory", "out of memory");
	EXPECT_CI("(?i:Fatal) error", "Fatal error");
	{
		static const char *const w[] = { "panic: ", NULL };
		expect("panic: ", 1, 1, w); /* compiled caseless by the caller */
	}
	{
		struct litset ls;
		int rc = lit_extract("(?i)abc(?-i)DEF", 0, &ls);
		T_OK(rc == 0 && ls.n == 1 && ls.v[0].caseless,
		    "(?i) then (?-i): the joined literal is caseless");
		lit_free(&ls);
		rc = lit_extract("abcdef", 0, &ls);
		T_OK(rc == 0 && ls.n == 1 && !ls.v[0].caseless,
		    "no (?i): the literal is case-sensitive");
		lit_free(&ls);
		rc = lit_extract("(?:(?i)abc)DEF", 0, &ls);
		T_OK(rc == 0 && ls.n >= 1 && has(&ls, "abcDEF", 1),
		    "(?i) inside a group still marks what it covers caseless");
		lit_free(&ls);
	}
	/* nothing usable */
	none("(?:abcdef)?", "an optional group");
	none("x(?:abcdef)?y", "an optional group between single bytes");
	none("(?:abcdef)*", "a starred group");
	none("ab", "too short");
	none("abcdef{,3}", "{,3}: a quantifier from PCRE2 10.43, text before");
	none("abcdef{ 3}", "a blank in braces: read differently by versions");
	none("a|bcd", "one branch too short");
	none("foo|\\d+", "one branch without a literal");
	none("abc|", "an empty branch");
	none("\\d+\\s+\\w+", "classes only");
	none(".*", "dot star");
	none("(?!nope)yes+", "a lookahead, then only two fixed bytes");
	none("(?=abcdef)", "a lookahead alone");
	none("(?<=abcdef)x", "a lookbehind alone");
	/* unsupported constructs fail safely */
	none("(?R)abc", "recursion");
	none("(?(1)abc|def)", "a conditional");
	none("(*UTF)abcdef", "a verb");
	none("(?C1)abcdef", "a callout");
	none("(?P=name)abcdef", "a named backreference");
	none("(abc", "an unclosed group");
	none("[abc", "an unclosed class");
	none("abc\\", "a trailing backslash");
	none("abc\\q", "an unknown escape");
	none("\\x{zz}abc", "a bad \\x{}");
	{
		struct litset ls;
		int rc = lit_extract("(a)\\1bcd", 0, &ls);
		T_OK(rc == 0 && ls.n == 1 && has(&ls, "bcd", 0),
		    "a backreference contributes nothing, the rest still counts");
		lit_free(&ls);
	}
	{
		/* deep nesting: bail or succeed, but never crash */
		char deep[2048];
		size_t k = 0;
		for (int i = 0; i < 400; i++)
			deep[k++] = '(';
		memcpy(deep + k, "abc", 3);
		k += 3;
		for (int i = 0; i < 400; i++)
			deep[k++] = ')';
		deep[k] = '\0';
		struct litset ls;
		int rc = lit_extract(deep, 0, &ls);
		T_OK(rc == -1 || (ls.n == 1 && has(&ls, "abc", 0)),
		    "400 nested groups are handled safely");
		lit_free(&ls);
	}
	{
		/* lit_free twice and on an empty set is harmless */
		struct litset ls;
		lit_extract("nothing here at all", 0, &ls);
		lit_free(&ls);
		lit_free(&ls);
		T_OK(ls.n == 0, "lit_free leaves an empty set");
	}
	property();
	random_property();
	return t_done();
}

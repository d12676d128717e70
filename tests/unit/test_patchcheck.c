/* test_patchcheck.c - the diff validator: parsing, the built-in refusals,
 * globs, caps and the symlink check (in a temporary directory). */
#include "unit.h"
#include "patchcheck.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char ok_diff[] =
    "Here is the fix:\n"
    "diff --git a/main.go b/main.go\n"
    "index 1111111..2222222 100644\n"
    "--- a/main.go\n"
    "+++ b/main.go\n"
    "@@ -1,3 +1,4 @@\n"
    " package main\n"
    "-func f() {}\n"
    "+func f() {\n"
    "+}\n"
    "\n"
    "\\ No newline at end of file\n";

static int
verdict(const char *diff, const struct pc_rules *r, char *why, size_t n)
{
	struct pc_patch p;
	struct sbuf w;
	int rc;

	pc_patch_init(&p);
	sbuf_init(&w);
	rc = pc_validate(diff, strlen(diff), r, &p, &w);
	snprintf(why, n, "%s", w.s ? w.s : "");
	sbuf_release(&w);
	pc_patch_release(&p);
	return rc;
}

static char *
one_file(const char *path)
{
	static char buf[4096];
	snprintf(buf, sizeof buf, "diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n"
	    "@@ -1 +1 @@\n-a\n+b\n", path, path, path, path);
	return buf;
}

int
main(void)
{
	struct pc_patch p;
	struct sbuf w;
	char why[1024];
	struct pc_rules r;

	/* parsing */
	pc_patch_init(&p);
	sbuf_init(&w);
	T_OK(pc_validate(ok_diff, strlen(ok_diff), NULL, &p, &w) == PC_OK,
	    "a plain git diff with prose before it passes: %s", w.s ? w.s : "");
	T_OK(p.nfiles == 1 && p.added == 2 && p.removed == 1 && p.hunks == 1,
	    "one file, +2 -1 (empty line is context)");
	T_STR(p.files[0].new_path, "main.go", "a/ b/ prefixes stripped");
	pc_patch_release(&p);

	static const char two[] =
	    "--- a/src/x.py\t2024-01-01 00:00:00\n+++ b/src/x.py\t2024-01-02\n"
	    "@@ -1,2 +1,2 @@\n-a\n+b\n c\n"
	    "--- /dev/null\n+++ b/src/new.py\n@@ -0,0 +1 @@\n+x\n";
	pc_patch_init(&p);
	T_OK(pc_validate(two, strlen(two), NULL, &p, &w) == PC_OK &&
	    p.nfiles == 2 && !p.files[1].old_path &&
	    !strcmp(p.files[1].new_path, "src/new.py"),
	    "traditional headers, timestamps, /dev/null");
	pc_patch_release(&p);

	/* a removed line that looks like a header is content */
	static const char tricky[] =
	    "--- a/notes.txt\n+++ b/notes.txt\n@@ -1,3 +1,1 @@\n"
	    "--- a/../../etc/passwd\n"
	    "-+++ b/../../etc/passwd\n"
	    " ok\n";
	T_OK(verdict(tricky, NULL, why, sizeof why) == PC_OK,
	    "header-like lines inside a hunk are content: %s", why);
	/* ... but the same outside a counted hunk is a header */
	static const char tricky2[] =
	    "--- a/notes.txt\n+++ b/notes.txt\n@@ -1,1 +1,1 @@\n-a\n+b\n"
	    "--- a/../../etc/passwd\n+++ b/../../etc/passwd\n@@ -1 +1 @@\n-r\n+x\n";
	T_OK(verdict(tricky2, NULL, why, sizeof why) == PC_DENIED &&
	    strstr(why, "outside the repository"), "a second file after the hunk "
	    "is seen: %s", why);

	T_OK(verdict("@@ -1 +1 @@\n-a\n+b\n", NULL, why, sizeof why) ==
	    PC_MALFORMED, "a hunk without a file header is malformed: %s", why);
	T_OK(verdict("--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n-a\n+b\n", NULL, why,
	    sizeof why) == PC_MALFORMED && strstr(why, "hunk 1"),
	    "a short hunk is malformed: %s", why);
	T_OK(verdict("just prose, no diff\n", NULL, why, sizeof why) ==
	    PC_MALFORMED, "no file at all is malformed");

	/* outside the repository */
	T_OK(verdict(one_file("../../etc/passwd"), NULL, why, sizeof why) ==
	    PC_DENIED && strstr(why, "\"..\""), "traversal: %s", why);
	T_OK(verdict("--- /etc/passwd\n+++ /etc/passwd\n@@ -1 +1 @@\n-a\n+b\n",
	    NULL, why, sizeof why) == PC_DENIED && strstr(why, "absolute"),
	    "absolute names: %s", why);
	T_OK(verdict(one_file("/etc/passwd"), NULL, why, sizeof why) == PC_DENIED
	    && strstr(why, "absolute"), "a//etc/passwd: %s", why);
	T_OK(verdict(one_file("src/./x"), NULL, why, sizeof why) == PC_DENIED,
	    "a . component");
	T_OK(verdict(one_file(".git/config"), NULL, why, sizeof why) ==
	    PC_DENIED && strstr(why, ".git"), ".git/config: %s", why);
	T_OK(verdict(one_file("sub/.GIT/hooks/pre-commit"), NULL, why,
	    sizeof why) == PC_DENIED, ".GIT anywhere, any case");
	T_OK(verdict("diff --git \"a/x\\n\" \"b/x\\n\"\n--- \"a/x\\n\"\n"
	    "+++ \"b/x\\n\"\n@@ -1 +1 @@\n-a\n+b\n", NULL, why, sizeof why) ==
	    PC_DENIED && strstr(why, "control"), "quoted names are unquoted: %s",
	    why);
	T_OK(verdict("diff --git a/ok.txt b/ok.txt\nrename from ok.txt\n"
	    "rename to ../../x\n", NULL, why, sizeof why) == PC_DENIED,
	    "rename lines are checked: %s", why);
	T_OK(verdict("diff --git a/a b c b/a b c\n--- a/a b c\n+++ b/a b c\n"
	    "@@ -1 +1 @@\n-a\n+b\n", NULL, why, sizeof why) == PC_OK,
	    "names with spaces: %s", why);
	T_OK(verdict("diff --git a/x b/../y\nsimilarity index 90%\n", NULL, why,
	    sizeof why) == PC_DENIED, "an asymmetric git line: every reading is "
	    "checked: %s", why);

	/* CI, lock files, binaries, symlinks */
	T_OK(verdict(one_file(".github/workflows/x.yml"), NULL, why, sizeof why)
	    == PC_DENIED && strstr(why, ".github"), ".github: %s", why);
	static const char *const ci[] = { ".gitlab-ci.yml", ".circleci/config.yml",
		"Jenkinsfile", "ci/Jenkinsfile.release", "azure-pipelines.yml",
		".travis.yml", ".buildkite/pipeline.yml", "bitbucket-pipelines.yml",
		".drone.yml", NULL };
	int all = 1;
	for (int i = 0; ci[i]; i++)
		all &= verdict(one_file(ci[i]), NULL, why, sizeof why) == PC_DENIED;
	T_OK(all, "every CI file is refused");
	static const char *const locks[] = { "package-lock.json", "web/yarn.lock",
		"pnpm-lock.yaml", "Cargo.lock", "go.sum", "Gemfile.lock",
		"poetry.lock", "composer.lock", "mix.lock", NULL };
	all = 1;
	for (int i = 0; locks[i]; i++)
		all &= verdict(one_file(locks[i]), NULL, why, sizeof why) ==
		    PC_DENIED && strstr(why, "lock") != NULL;
	T_OK(all, "every lock file is refused");
	T_OK(verdict("diff --git a/logo.png b/logo.png\nindex 1..2 100644\n"
	    "GIT binary patch\nliteral 5\nMcmZ?wbhEHb\n\n", NULL, why, sizeof why)
	    == PC_DENIED && strstr(why, "binary"), "GIT binary patch: %s", why);
	T_OK(verdict("diff --git a/a.bin b/a.bin\nBinary files a/a.bin and "
	    "b/a.bin differ\n", NULL, why, sizeof why) == PC_DENIED,
	    "Binary files ... differ");
	T_OK(verdict("diff --git a/l b/l\nnew file mode 120000\n--- /dev/null\n"
	    "+++ b/l\n@@ -0,0 +1 @@\n+/etc\n", NULL, why, sizeof why) ==
	    PC_DENIED && strstr(why, "symbolic"), "creating a symlink: %s", why);
	T_OK(verdict("diff --git a/m b/m\nnew file mode 160000\n", NULL, why,
	    sizeof why) == PC_DENIED && strstr(why, "submodule"), "a gitlink");
	static const char nul[] = "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\0\n+b\n";
	pc_patch_init(&p);
	sbuf_reset(&w);
	T_OK(pc_parse(nul, sizeof nul - 1, NULL, &p, &w) == PC_DENIED &&
	    strstr(w.s, "NUL"), "NUL bytes: %s", w.s);
	pc_patch_release(&p);

	/* caps */
	memset(&r, 0, sizeof r);
	r.max_bytes = 100;
	T_OK(verdict(ok_diff, &r, why, sizeof why) == PC_DENIED &&
	    strstr(why, "cap"), "byte cap: %s", why);
	struct sbuf big;
	sbuf_init(&big);
	sbuf_adds(&big, "--- a/x\n+++ b/x\n@@ -1,6000 +1,6000 @@\n");
	for (int i = 0; i < 6000; i++)
		sbuf_adds(&big, "-a = 1 # a line long enough to make this huge\n"
		    "+b = 2 # a line long enough to make this huge\n");
	memset(&r, 0, sizeof r);
	r.max_bytes = 4 << 20;
	T_OK(verdict(big.s, &r, why, sizeof why) == PC_DENIED &&
	    strstr(why, "lines"), "line cap: %s", why);
	T_OK(verdict(big.s, NULL, why, sizeof why) == PC_DENIED &&
	    strstr(why, "bytes"), "the default byte cap (256 KiB) is checked "
	    "before parsing: %s", why);
	sbuf_release(&big);
	sbuf_init(&big);
	for (int i = 0; i < 3000; i++)
		sbuf_addf(&big, "--- a/f%d\n+++ b/f%d\n", i, i);
	T_OK(verdict(big.s, NULL, why, sizeof why) == PC_DENIED &&
	    strstr(why, "more than 2048 files"), "many file headers: %s", why);
	sbuf_reset(&big);
	sbuf_adds(&big, "diff --git a/x");
	for (int i = 0; i < 100000; i++)
		sbuf_adds(&big, " b");
	sbuf_addc(&big, '\n');
	int64_t t0 = sh_now_mono_ms();
	T_OK(verdict(big.s, NULL, why, sizeof why) == PC_MALFORMED &&
	    sh_now_mono_ms() - t0 < 1000, "a git line with many spaces is not "
	    "read every way: %s", why);
	sbuf_release(&big);

	/* policy globs */
	const char *deny[] = { "docs/**", "*.sql", "secrets/", NULL };
	const char *allow[] = { "src/**", "*.go", NULL };
	memset(&r, 0, sizeof r);
	r.deny = deny;
	T_OK(verdict(one_file("docs/a/b.md"), &r, why, sizeof why) == PC_DENIED &&
	    strstr(why, "deny-paths"), "deny docs/**: %s", why);
	T_OK(verdict(one_file("db/m/001.sql"), &r, why, sizeof why) == PC_DENIED,
	    "deny *.sql at any depth");
	T_OK(verdict(one_file("x/secrets/k"), &r, why, sizeof why) == PC_DENIED,
	    "deny a directory name");
	T_OK(verdict(one_file("secrets"), &r, why, sizeof why) == PC_OK,
	    "a file named like a denied directory");
	r.deny = NULL;
	r.allow = allow;
	T_OK(verdict(one_file("src/a/b.c"), &r, why, sizeof why) == PC_OK,
	    "allow src/**");
	T_OK(verdict(one_file("cmd/main.go"), &r, why, sizeof why) == PC_OK,
	    "allow *.go");
	T_OK(verdict(one_file("README.md"), &r, why, sizeof why) == PC_DENIED &&
	    strstr(why, "allow-paths"), "not in allow-paths: %s", why);
	const char *all_allow[] = { "**", NULL };
	r.allow = all_allow;
	T_OK(verdict(one_file(".github/workflows/x.yml"), &r, why, sizeof why) ==
	    PC_DENIED, "allow ** does not lift the built-in refusals");

	T_OK(pc_glob_match("a/*/c", "a/b/c") == 1 && pc_glob_match("a/*/c",
	    "a/b/x/c") == 0 && pc_glob_match("a/**/c", "a/b/x/c") == 1 &&
	    pc_glob_match("a/**/c", "a/c") == 1, "* and **");
	T_OK(pc_glob_match("[a-c]?.txt", "b1.txt") == 1 && pc_glob_match(
	    "[!a-c]?.txt", "b1.txt") == 0 && pc_glob_match("\\*.txt", "*.txt") ==
	    1, "classes and escapes");
	T_OK(pc_glob_match("src", "src/x/y") == 1 && pc_glob_match("src/x",
	    "src/x/y") == 1 && pc_glob_match("/src/x", "a/src/x") == 0,
	    "bare names match components, anchored ones prefixes");
	T_OK(pc_glob_match("*a*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") != 1, "backtracking is bounded");

	/* symlinks in the tree */
	char dir[] = "/tmp/selfheal-pc-XXXXXX", path[300];
	T_OK(mkdtemp(dir) != NULL, "temporary directory");
	snprintf(path, sizeof path, "%s/src", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/evil", dir);
	T_OK(symlink("/etc", path) == 0, "a link to /etc");
	snprintf(path, sizeof path, "%s/src/l", dir);
	T_OK(symlink("../README", path) == 0, "a link to a file");
	pc_patch_init(&p);
	sbuf_reset(&w);
	pc_validate(one_file("evil/passwd"), strlen(one_file("evil/passwd")),
	    NULL, &p, &w);
	T_OK(pc_check_tree(&p, dir, &w) == PC_DENIED && strstr(w.s,
	    "through the symbolic link \"evil\""), "a path through a symlink: %s",
	    w.s);
	pc_patch_release(&p);
	pc_patch_init(&p);
	sbuf_reset(&w);
	pc_validate(one_file("src/l"), strlen(one_file("src/l")), NULL, &p, &w);
	T_OK(pc_check_tree(&p, dir, &w) == PC_DENIED && strstr(w.s,
	    "a symbolic link"), "a symlink itself: %s", w.s);
	pc_patch_release(&p);
	pc_patch_init(&p);
	sbuf_reset(&w);
	pc_validate(one_file("src/new/dir/x.c"), strlen(one_file(
	    "src/new/dir/x.c")), NULL, &p, &w);
	T_OK(pc_check_tree(&p, dir, &w) == PC_OK, "new directories are fine");
	pc_patch_release(&p);
	snprintf(path, sizeof path, "%s/evil", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/src/l", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/src", dir);
	rmdir(path);
	rmdir(dir);
	sbuf_release(&w);
	return t_done();
}

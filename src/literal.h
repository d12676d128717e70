/* literal.h - required literals of a PCRE2 pattern, for the prefilter.
 *
 * lit_extract finds a set of fixed strings such that every match of the
 * pattern contains at least one of them (a disjunction). crashgrep finds
 * those strings in the raw input in one pass and runs PCRE2 only on lines
 * that contain one. The analysis is conservative: constructs it does not
 * understand contribute nothing, so the set may be weaker than ideal but
 * is never wrong. A set whose shortest string is under LIT_MIN_LEN bytes is
 * reported as unusable.
 *
 * Ownership: a struct litset owns its strings; free with lit_free. */
#ifndef SH_LITERAL_H
#define SH_LITERAL_H

#include <stddef.h>

#define LIT_MIN_LEN 3
#define LIT_MAX_SET 32

struct lit {
	char *s;
	size_t n;
	int caseless;
};

struct litset {
	int n;
	struct lit v[LIT_MAX_SET];
};

/* Returns 0 and fills *out when a usable set was found, -1 otherwise (out
 * is then empty), and -2 when every match needs a newline (so the pattern
 * can never match a line). flags_caseless: compiled caseless. */
int lit_extract(const char *pattern, int flags_caseless, struct litset *out);
void lit_free(struct litset *ls);

#endif

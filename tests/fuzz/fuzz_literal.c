/* fuzz_literal - the prefilter's promise: when lit_extract gives literals
 * for a pattern, every subject the pattern matches contains one of them.
 * Input: pattern, a NUL byte, subject. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "literal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
contains(const char *s, size_t n, const struct lit *l)
{
	for (size_t i = 0; i + l->n <= n; i++)
		if (l->caseless ? !strncasecmp(s + i, l->s, l->n) :
		    !memcmp(s + i, l->s, l->n))
			return 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nul = memchr(data, 0, size);
	struct litset ls;
	pcre2_code *code;
	pcre2_match_data *md;
	pcre2_match_context *mc;
	int ec, rc;
	PCRE2_SIZE off;

	if (!nul || (size_t)(nul - (const char *)data) > 200)
		return 0;
	const char *pat = (const char *)data;
	const char *subj = nul + 1;
	size_t sn = size - (size_t)(subj - (const char *)data);
	code = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_NEVER_BACKSLASH_C, &ec,
	    &off, NULL);
	if (!code)
		return 0;
	uint32_t opts = 0;
	pcre2_pattern_info(code, PCRE2_INFO_ALLOPTIONS, &opts);
	if (lit_extract(pat, (opts & PCRE2_CASELESS) != 0, &ls) == 0) {
		md = pcre2_match_data_create_from_pattern(code, NULL);
		mc = pcre2_match_context_create(NULL);
		pcre2_set_match_limit(mc, 10000);
		pcre2_set_depth_limit(mc, 200);
		rc = pcre2_match(code, (PCRE2_SPTR)subj, sn, 0, 0, md, mc);
		if (rc >= 0) {
			int any = 0;
			for (int i = 0; i < ls.n && !any; i++)
				any = contains(subj, sn, &ls.v[i]);
			if (!any)
				abort();
		}
		pcre2_match_context_free(mc);
		pcre2_match_data_free(md);
		lit_free(&ls);
	}
	pcre2_code_free(code);
	return 0;
}

/* fuzz_patchcheck - the diff validator on any bytes: no crash, no leak,
 * and its promise: a patch it accepts names no path that the path rules
 * refuse (every name any header gives was checked). The input's first
 * line, when it starts with "#glob ", is also matched as a glob against
 * every path. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "patchcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pc_patch p;
	struct sbuf why;
	char glob[256] = "";
	const char *s = (const char *)data;

	if (size > 6 && !memcmp(s, "#glob ", 6)) {
		const char *nl = memchr(s, '\n', size);
		size_t n = nl ? (size_t)(nl - s) - 6 : size - 6;
		if (n < sizeof glob && !memchr(s + 6, 0, n)) {
			memcpy(glob, s + 6, n);
			glob[n] = '\0';
		}
	}
	pc_patch_init(&p);
	sbuf_init(&why);
	int rc = pc_validate(s, size, NULL, &p, &why);
	if (rc == PC_OK) {
		for (int i = 0; i < p.npaths; i++)
			if (pc_path_reason(p.paths[i], NULL))
				abort();
		if (p.nfiles < 1)
			abort();
	} else if (!why.len) {
		abort();    /* a refusal always says why */
	}
	for (int i = 0; i < p.npaths && glob[0]; i++)
		pc_glob_match(glob, p.paths[i]);
	pc_patch_release(&p);
	sbuf_release(&why);
	return 0;
}

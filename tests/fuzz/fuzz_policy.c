/* fuzz_policy - any policy text either parses or is refused with a
 * message; a parsed policy describes every app without trouble. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct sbuf err, out;
	struct policy *p;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	sbuf_init(&err);
	sbuf_init(&out);
	p = pol_parse(text, "<fuzz>", &err);
	if (p) {
		for (int i = 0; i < p->napps; i++)
			pol_describe(&p->apps[i], &out);
		pol_free(p);
	} else if (err.len == 0) {
		abort(); /* refused without saying why */
	}
	sbuf_release(&err);
	sbuf_release(&out);
	free(text);
	return 0;
}

/* fuzz_logrec - any line decodes, and the log record it gives is JSON that
 * cJSON reads back with the same message. A `fly logs` text line, printed
 * again as fly-tail --format text prints it (flytext_log), parses back as
 * one, and printing that gives the same text (flytext.h's promise). */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flytext.h"
#include "json.h"
#include "logrec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct logrec r;
	struct sbuf out;
	cJSON *o;

	lr_init(&r);
	sbuf_init(&out);
	lr_decode(&r, (const char *)data, size);
	lr_to_json(&r, &out);
	o = cJSON_ParseWithLength(out.s, out.len);
	if (!o)
		abort();
	if (!cJSON_IsString(cJSON_GetObjectItem(o, "msg")))
		abort();
	cJSON_Delete(o);

	/* (a time of exactly 0 means "none" to flytext_log: not printed) */
	if (r.kind == LR_FLYTEXT && r.ts) {
		struct logrec back;
		struct sbuf once, twice;
		lr_init(&back);
		sbuf_init(&once);
		sbuf_init(&twice);
		flytext_log(&r, &once, 0);
		if (!lr_parse_flytext(&back, once.s, once.len)) {
			fprintf(stderr, "fuzz_logrec: does not parse back: %s\n",
			    once.s);
			abort();
		}
		flytext_log(&back, &twice, 0);
		if (once.len != twice.len || memcmp(once.s, twice.s, once.len)) {
			fprintf(stderr, "fuzz_logrec: printed: %s\nfuzz_logrec: "
			    "again:   %s\n", once.s, twice.s);
			abort();
		}
		sbuf_release(&once);
		sbuf_release(&twice);
		lr_release(&back);
	}
	sbuf_release(&out);
	lr_release(&r);
	return 0;
}

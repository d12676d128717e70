/* fuzz_json - js_str turns any bytes into a JSON string that parses, and
 * valid UTF-8 without NUL comes back unchanged. The input as JSON text:
 * js_parse_flat reads whatever js_parse reads, to the same tree (but
 * for \u0000, which it reads as U+FFFD), and what it reads on top has no
 * container deeper than 65 levels. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
depth(const cJSON *o)
{
	int d = 0;

	for (const cJSON *c = o ? o->child : NULL; c; c = c->next) {
		int k = depth(c);
		if (k > d)
			d = k;
	}
	return o && (cJSON_IsArray(o) || cJSON_IsObject(o)) ? d + 1 : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbuf b;
	cJSON *o;
	size_t cut;

	sbuf_init(&b);
	js_str(&b, (const char *)data, size);
	o = cJSON_ParseWithLength(b.s, b.len);
	if (!o || !cJSON_IsString(o))
		abort();
	/* without invalid sequences or NULs the text survives */
	if (!memchr(data, 0, size) && !strstr(b.s, "\\ufffd") &&
	    strcmp(o->valuestring, "") != 0 &&
	    (strlen(o->valuestring) != size || memcmp(o->valuestring, data, size)))
		abort();
	cut = js_utf8_cut((const char *)data, size);
	if (cut > size)
		abort();
	cJSON_Delete(o);
	sbuf_release(&b);

	cJSON *strict = js_parse((const char *)data, size);
	cJSON *flat = js_parse_flat((const char *)data, size);
	/* (printed, not cJSON_Compare: with a key twice it is not reflexive;
	 * \u0000 is where they differ on purpose) */
	if (strict && !memmem(data, size, "\\u0000", 6)) {
		char *ps = cJSON_PrintUnformatted(strict);
		char *pf = flat ? cJSON_PrintUnformatted(flat) : NULL;
		if (!pf || !ps || strcmp(ps, pf))
			abort();
		cJSON_free(ps);
		cJSON_free(pf);
	}
	if (flat && !strict && depth(flat) > 65)
		abort();
	cJSON_Delete(strict);
	cJSON_Delete(flat);
	return 0;
}

/* jsonout.h - write a cJSON tree as one line of JSON through the safe
 * writers of json.h: strings are re-validated (invalid UTF-8 becomes
 * U+FFFD, control characters are escaped), integers print without a
 * fraction, member order is kept. Used for records built from text that
 * came from logs or an LLM, where cJSON's printer would copy bad bytes.
 *
 * Ownership: nothing is taken; output is appended to the caller's sbuf. */
#ifndef SH_JSONOUT_H
#define SH_JSONOUT_H

#include "util.h"

struct cJSON;

void jo_tree(struct sbuf *b, const struct cJSON *item);

/* jo_extract finds the JSON object in an LLM's answer: the text itself,
 * or inside a ``` fence, or from the first '{' to the last '}'. Returns a
 * tree to free with cJSON_Delete, or NULL. */
struct cJSON *jo_extract(const char *s, size_t n);

#endif

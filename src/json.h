/* json.h - writing JSON text safely and reading fields out of cJSON trees.
 *
 * The writers append to a struct sbuf; they turn invalid UTF-8 into U+FFFD
 * and escape every control character, so any byte string from a log becomes
 * valid JSON. The readers return pointers into the cJSON tree (owned by it). */
#ifndef SH_JSON_H
#define SH_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct cJSON;

/* Append s[0..n) as a quoted JSON string. */
void js_str(struct sbuf *b, const char *s, size_t n);
void js_strz(struct sbuf *b, const char *s);
/* Append `,"key":` (no comma when the buffer ends with '{'). */
void js_key(struct sbuf *b, const char *key);
/* Append `"key":"value"` as a member; skipped when value is empty and
 * skip_empty is set. */
void js_member_str(struct sbuf *b, const char *key, const char *value,
    int skip_empty);
void js_member_int(struct sbuf *b, const char *key, long long v);

/* Length of the longest prefix of s[0..n) that is valid UTF-8 without
 * cutting a character (used when truncating). */
size_t js_utf8_cut(const char *s, size_t n);

/* js_utf8_fix replaces each invalid UTF-8 sequence in b with U+FFFD, so
 * that PCRE2 sees whole characters and `.` can cross a bad byte. */
void js_utf8_fix(struct sbuf *b);

/* js_get follows a dotted path of object members ("fly.app.name") and
 * returns the item, or NULL. js_get_str returns its string value or NULL.
 */
const struct cJSON *js_get(const struct cJSON *obj, const char *path);
const char *js_get_str(const struct cJSON *obj, const char *path);

/* js_int is the number v as an integer, clamped to [lo, hi] (dflt when v
 * is not a number). cJSON keeps numbers as doubles, and converting one
 * outside the integer's range is undefined behaviour: 1e300 from an API
 * answer or an MCP client must not reach a plain cast (found with the
 * tests/fuzz targets). */
int64_t js_int(const struct cJSON *v, int64_t lo, int64_t hi, int64_t dflt);

/* js_parse parses s[0..n) (need not be NUL-terminated) with a nesting cap;
 * an unpaired surrogate escape (\ud800) becomes U+FFFD instead of failing
 * the whole value. Returns a tree to free with cJSON_Delete, or NULL. */
struct cJSON *js_parse(const char *s, size_t n);
/* js_parse_why is js_parse that also says, when it fails, why in a few
 * words ("nested deeper than 64 levels", "not valid JSON", "text after
 * the JSON value") for a message. */
struct cJSON *js_parse_why(const char *s, size_t n, const char **why);
/* js_parse_flat is js_parse for an application's own JSON log lines, where
 * losing the line would lose the crash in its message: an array or object
 * nested deeper than the cap is read as an empty one instead of failing
 * the whole value. */
struct cJSON *js_parse_flat(const char *s, size_t n);

#endif

/* test_json - js_str turns any byte string into a valid JSON string:
 * every control character escaped, invalid UTF-8 as U+FFFD (one per bad
 * byte), valid multi-byte characters kept; the output always parses with
 * cJSON to the expected text. js_utf8_cut never cuts a character. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>

#include "json.h"
#include "unit.h"

static uint64_t rng = 0x853c49e6748fea9bULL;

/* Length of a valid UTF-8 sequence at s (at most n bytes), 0 if invalid:
 * an independent reference (RFC 3629 table 4). */
static size_t
ref_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	if (c < 0x80)
		return 1;
	struct { unsigned lo, hi, lo2, hi2; size_t len; } t[] = {
		{ 0xc2, 0xdf, 0x80, 0xbf, 2 }, { 0xe0, 0xe0, 0xa0, 0xbf, 3 },
		{ 0xe1, 0xec, 0x80, 0xbf, 3 }, { 0xed, 0xed, 0x80, 0x9f, 3 },
		{ 0xee, 0xef, 0x80, 0xbf, 3 }, { 0xf0, 0xf0, 0x90, 0xbf, 4 },
		{ 0xf1, 0xf3, 0x80, 0xbf, 4 }, { 0xf4, 0xf4, 0x80, 0x8f, 4 },
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		if (c < t[i].lo || c > t[i].hi)
			continue;
		if (n < t[i].len || s[1] < t[i].lo2 || s[1] > t[i].hi2)
			return 0;
		for (size_t k = 2; k < t[i].len; k++)
			if (s[k] < 0x80 || s[k] > 0xbf)
				return 0;
		return t[i].len;
	}
	return 0;
}

/* what the JSON string should decode to: bad bytes become U+FFFD */
static size_t
expected(const char *s, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		size_t l = ref_seq((const unsigned char *)s + i, n - i);
		if (!l) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		} else {
			memcpy(out + o, s + i, l);
			o += l;
			i += l;
		}
	}
	return o;
}

/* js_str(s) wrapped in an array parses, and decodes to `want` (cJSON
 * cannot hold a NUL in a string, so NUL-free input only). */
static int
roundtrip(const char *s, size_t n, const char *want, size_t wn, char *why,
    size_t whylen)
{
	struct sbuf b;
	sbuf_init(&b);
	sbuf_addc(&b, '[');
	js_str(&b, s, n);
	sbuf_addc(&b, ']');
	int ok = 1;
	for (size_t i = 0; i < b.len; i++)
		if ((unsigned char)b.s[i] < 0x20) {
			snprintf(why, whylen, "raw control byte 0x%02x in output",
			    (unsigned char)b.s[i]);
			ok = 0;
		}
	cJSON *o = cJSON_ParseWithLength(b.s, b.len);
	const cJSON *it = cJSON_GetArrayItem(o, 0);
	if (!o || !cJSON_IsString(it)) {
		snprintf(why, whylen, "does not parse: %.60s", b.s);
		ok = 0;
	} else if (want && (strlen(it->valuestring) != wn ||
	    memcmp(it->valuestring, want, wn))) {
		snprintf(why, whylen, "decodes to other text");
		ok = 0;
	}
	cJSON_Delete(o);
	sbuf_release(&b);
	return ok;
}

static struct sbuf strbuf;

static const char *
str(const char *s, size_t n)
{
	sbuf_reset(&strbuf);
	js_str(&strbuf, s, n);
	return strbuf.s;
}

int
main(void)
{
	char why[128];

	/* every control character */
	{
		int bad = 0;
		for (int c = 1; c < 0x20; c++) {
			char s[3] = { 'a', (char)c, 'b' };
			if (!roundtrip(s, 3, s, 3, why, sizeof why))
				bad++;
		}
		T_OK(bad == 0, "each control character 0x01-0x1f round-trips");
		T_STR(str("\0", 1), "\"\\u0000\"", "NUL is \\u0000");
		T_STR(str("\x1f\x7f", 2), "\"\\u001f\x7f\"", "0x1f escaped, DEL as is");
		T_STR(str("a\"b\\c\n\r\t", 8), "\"a\\\"b\\\\c\\n\\r\\t\"",
		    "quote, backslash and the short escapes");
		T_STR(str("\b\f", 2), "\"\\u0008\\u000c\"", "backspace and form feed");
		T_STR(str("", 0), "\"\"", "the empty string");
		T_STR(str("</script>", 9), "\"</script>\"", "ordinary text unchanged");
	}
	/* UTF-8 */
	T_STR(str("caf\xc3\xa9 \xe2\x98\xba \xf0\x9f\x98\x80 \xc2\xb5s", 18),
	    "\"caf\xc3\xa9 \xe2\x98\xba \xf0\x9f\x98\x80 \xc2\xb5s\"",
	    "valid 2-, 3- and 4-byte characters are kept as they are");
	T_STR(str("\xff", 1), "\"\\ufffd\"", "0xff is U+FFFD");
	T_STR(str("\xc3", 1), "\"\\ufffd\"", "a cut 2-byte character is U+FFFD");
	T_STR(str("\xe2\x98", 2), "\"\\ufffd\\ufffd\"",
	    "a cut 3-byte character: one U+FFFD per byte");
	T_STR(str("\xc0\x80", 2), "\"\\ufffd\\ufffd\"", "an overlong NUL");
	T_STR(str("\xe0\x80\xaf", 3), "\"\\ufffd\\ufffd\\ufffd\"",
	    "an overlong 3-byte form");
	T_STR(str("\xed\xa0\x80", 3), "\"\\ufffd\\ufffd\\ufffd\"",
	    "a UTF-16 surrogate");
	T_STR(str("\xf4\x90\x80\x80", 4), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"",
	    "above U+10FFFF");
	T_STR(str("\x80x", 2), "\"\\ufffdx\"", "a stray continuation byte");
	T_STR(str("\xc3\xa9\xa9", 3), "\"\xc3\xa9\\ufffd\"",
	    "a character then a stray continuation byte");

	/* random bytes: always parses, always the expected text */
	{
		int bad = 0;
		char s[64], want[64 * 3], first[128] = "";
		for (int t = 0; t < 20000; t++) {
			size_t n = t_rnd32(&rng) % sizeof s;
			for (size_t i = 0; i < n; i++) {
				unsigned r = t_rnd32(&rng);
				/* bias to the interesting bytes */
				s[i] = (char)(r % 3 == 0 ? 0x80 + (r >> 8) % 0x80 :
				    r % 3 == 1 ? (r >> 8) % 0x20 : (r >> 8) % 256);
				if (s[i] == 0)
					s[i] = 1;
			}
			size_t wn = expected(s, n, want);
			if (!roundtrip(s, n, want, wn, why, sizeof why) && !bad++)
				snprintf(first, sizeof first, "%s", why);
		}
		T_OK(bad == 0, "20000 random byte strings give valid, exact JSON");
		if (bad)
			printf("#   %d bad, first: %s\n", bad, first);
	}

	/* js_key, members */
	{
		struct sbuf b;
		sbuf_init(&b);
		sbuf_addc(&b, '{');
		js_member_str(&b, "a", "x\"y", 0);
		js_member_str(&b, "empty", "", 1);
		js_member_str(&b, "b", "", 0);
		js_member_int(&b, "n", -42);
		js_key(&b, "arr");
		sbuf_addc(&b, '[');
		js_strz(&b, "\x01");
		sbuf_adds(&b, "]}");
		T_STR(b.s, "{\"a\":\"x\\\"y\",\"b\":\"\",\"n\":-42,\"arr\":[\"\\u0001\"]}",
		    "members: commas, skipped empties, numbers");
		cJSON *o = cJSON_Parse(b.s);
		T_OK(o != NULL, "members: the object parses");
		cJSON_Delete(o);
		sbuf_release(&b);
	}

	/* js_utf8_cut never cuts a character */
	{
		const char *s = "a\xc3\xa9\xe2\x98\xba\xf0\x9f\x98\x80z";
		static const size_t want[] = { 0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10, 11 };
		int bad = 0;
		for (size_t n = 0; n <= 11; n++)
			if (js_utf8_cut(s, n) != want[n]) {
				printf("#   cut at %zu: got %zu want %zu\n", n,
				    js_utf8_cut(s, n), want[n]);
				bad++;
			}
		T_OK(bad == 0, "cutting valid UTF-8 at every byte backs off to a "
		    "character boundary");
	}
	{
		/* property over random bytes: no complete, valid character of
		 * s[0..n) straddles the cut, and the cut removes at most an
		 * incomplete last character when s[0..n) is valid */
		int bad = 0;
		char s[48], ex[64] = "";
		for (int t = 0; t < 50000; t++) {
			size_t n = 1 + t_rnd32(&rng) % sizeof s;
			for (size_t i = 0; i < n; i++) {
				unsigned r = t_rnd32(&rng);
				s[i] = (char)(r % 2 ? 0x80 + (r >> 8) % 0x80 : (r >> 8) % 256);
			}
			size_t m = js_utf8_cut(s, n);
			int fail = m > n, valid = 1;
			for (size_t i = 0; i < n;) {
				size_t l = ref_seq((const unsigned char *)s + i, n - i);
				if (!l && n - i >= 4)
					valid = 0;
				i += l ? l : 1;
			}
			if (valid && m + 3 < n)
				fail = 1;
			for (size_t i = 0; i < n && !fail;) {
				size_t l = ref_seq((const unsigned char *)s + i, n - i);
				if (l > 1 && i < m && i + l > m)
					fail = 1;
				i += l ? l : 1;
			}
			if (fail && !bad++) {
				size_t k = 0;
				for (size_t i = 0; i < n && k + 4 < sizeof ex; i++)
					k += (size_t)snprintf(ex + k, sizeof ex - k, "%02x",
					    (unsigned char)s[i]);
				printf("#   cut(%s, %zu) = %zu\n", ex, n, m);
			}
		}
		T_OK(bad == 0, "50000 random byte strings: the cut never splits a "
		    "character");
	}
	T_OK(js_utf8_cut("\xc3\xa9\x80\x80\x80\x80", 6) >= 2,
	    "a character followed by four stray continuation bytes is kept");

	/* js_get / js_get_str / js_parse */
	{
		const char *t = "{\"fly\":{\"app\":{\"name\":\"shop\",\"n\":1}},"
		    "\"a.b\":\"dotted\"}";
		cJSON *o = js_parse(t, strlen(t));
		T_STR(js_get_str(o, "fly.app.name"), "shop", "js_get_str follows a path");
		T_OK(js_get_str(o, "fly.app.n") == NULL, "a number is not a string");
		T_OK(js_get(o, "fly.app.nope") == NULL, "a missing member is NULL");
		T_OK(js_get(o, "fly.app.name.deeper") == NULL,
		    "a path through a string is NULL");
		cJSON_Delete(o);
		char deep[300];
		memset(deep, '[', 200);
		memset(deep + 200, ']', 100);
		T_OK(js_parse(deep, 300) == NULL, "js_parse refuses deep nesting");
		const char *q = "{\"m\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
		    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"\"}";
		o = js_parse(q, strlen(q));
		T_OK(o != NULL, "brackets inside strings do not count as nesting");
		cJSON_Delete(o);
		o = js_parse("{\"a\":1}garbage", 7);
		T_OK(o != NULL, "js_parse honours the length");
		cJSON_Delete(o);
		/* unpaired surrogates: U+FFFD, not a lost record */
		static const char *const lone[][2] = {
			{ "{\"t\":\"a\\ud800b\"}", "a\xef\xbf\xbd" "b" },
			{ "{\"t\":\"\\udfff\"}", "\xef\xbf\xbd" },
			{ "{\"t\":\"\\udc00\\ud800\"}", "\xef\xbf\xbd\xef\xbf\xbd" },
			{ "{\"t\":\"\\ud800\\u0041\"}", "\xef\xbf\xbd" "A" },
			{ "{\"t\":\"x\\ud800\"}", "x\xef\xbf\xbd" },
			{ "{\"t\":\"\\ud83d\\ude00\"}", "\xf0\x9f\x98\x80" },
			{ "{\"t\":\"\\\\ud800\"}", "\\ud800" },
			{ "{\"t\":\"\\uD800\"}", "\xef\xbf\xbd" },
		};
		for (size_t i = 0; i < sizeof lone / sizeof lone[0]; i++) {
			o = js_parse(lone[i][0], strlen(lone[i][0]));
			T_STR(js_get_str(o, "t"), lone[i][1], "unpaired surrogates "
			    "become U+FFFD: %s", lone[i][0]);
			cJSON_Delete(o);
		}
		o = js_parse("{\"t\":\"\\ud800\"}x", 13);
		T_OK(o == NULL, "a fixed copy still refuses trailing text");
		const char cut[] = "{\"t\":\"\\ud8";
		o = js_parse(cut, sizeof cut - 1);
		T_OK(o == NULL, "a cut escape at the end is read within the length");
	}
	/* js_int: numbers of any size, clamped, never a plain cast */
	{
		const char *t = "{\"big\":1e300,\"neg\":-1e300,\"n\":42.9,"
		    "\"m\":-7,\"s\":\"12\",\"max\":9223372036854775807}";
		cJSON *o = js_parse(t, strlen(t));
		T_OK(js_int(js_get(o, "big"), 0, 100, -1) == 100, "js_int: 1e300 is hi");
		T_OK(js_int(js_get(o, "neg"), -5, 100, -1) == -5, "js_int: -1e300 is lo");
		T_OK(js_int(js_get(o, "n"), 0, 100, -1) == 42, "js_int: 42.9 is 42");
		T_OK(js_int(js_get(o, "m"), -100, 100, 0) == -7, "js_int: -7");
		T_OK(js_int(js_get(o, "s"), 0, 100, -1) == -1,
		    "js_int: a string is not a number");
		T_OK(js_int(js_get(o, "nope"), 0, 100, 9) == 9, "js_int: missing");
		T_OK(js_int(js_get(o, "max"), INT64_MIN, INT64_MAX, 0) == INT64_MAX,
		    "js_int: 2^63 (as a double) is INT64_MAX");
		cJSON_Delete(o);
	}
	/* \u0000 would end the C string: in an app's log line the rest of
	 * the message is kept; elsewhere the value is seen cut */
	{
		const char *t = "{\"m\":\"a\\u0000panic: x\",\"k\":\"\\\\u0000\"}";
		cJSON *o = js_parse_flat(t, strlen(t));
		T_STR(js_get_str(o, "m"), "a\xef\xbf\xbdpanic: x",
		    "js_parse_flat: \\u0000 becomes U+FFFD, the rest kept");
		T_STR(js_get_str(o, "k"), "\\u0000", "an escaped backslash "
		    "before u0000 is left alone");
		cJSON_Delete(o);
		o = js_parse(t, strlen(t));
		T_STR(js_get_str(o, "m"), "a", "js_parse: the value is seen cut "
		    "at \\u0000 (a patch with a NUL is refused, not changed)");
		cJSON_Delete(o);
	}
	/* js_parse_flat: deeper than the cap reads as empty; strict js_parse
	 * and js_parse_why refuse and say why */
	{
		struct sbuf t;
		const char *whyp = NULL;
		sbuf_init(&t);
		sbuf_adds(&t, "{\"msg\":\"panic: x [[[\",\"a\":");
		for (int i = 0; i < 70; i++)
			sbuf_adds(&t, i % 2 ? "{\"k\":" : "[");
		sbuf_adds(&t, "\"]]\"");
		for (int i = 69; i >= 0; i--)
			sbuf_adds(&t, i % 2 ? "}" : "]");
		sbuf_adds(&t, ",\"b\":[{\"k\":1}],\"c\":");
		for (int i = 0; i < 100; i++)
			sbuf_addc(&t, '[');
		for (int i = 0; i < 100; i++)
			sbuf_addc(&t, ']');
		sbuf_adds(&t, "}");
		T_OK(js_parse_why(t.s, t.len, &whyp) == NULL && whyp &&
		    !strcmp(whyp, "nested deeper than 64 levels"),
		    "js_parse_why: too deep, and says so (%s)", whyp ? whyp : "-");
		cJSON *o = js_parse_flat(t.s, t.len);
		T_OK(o != NULL, "js_parse_flat reads it");
		T_STR(js_get_str(o, "msg"), "panic: x [[[", "the message, brackets "
		    "in strings not counted");
		const cJSON *a = js_get(o, "a");
		int d = 0;
		while (a && (cJSON_IsArray(a) || cJSON_IsObject(a)) && a->child) {
			a = a->child;
			d++;
		}
		T_OK(d == 63 && a && cJSON_IsObject(a) && !a->child,
		    "the deep part: 63 levels kept, then an empty object (%d)", d);
		T_OK(cJSON_IsArray(js_get(o, "b")) && cJSON_IsArray(js_get(o, "c")),
		    "shallow members kept, a second deep one emptied too");
		cJSON_Delete(o);
		sbuf_reset(&t);
		for (int i = 0; i < 80; i++)
			sbuf_addc(&t, '[');
		T_OK(js_parse_flat(t.s, t.len) == NULL,
		    "js_parse_flat: deep and never closed is refused");
		sbuf_release(&t);
	}
	sbuf_release(&strbuf);
	return t_done();
}

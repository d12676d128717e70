/* jsonout.c - see jsonout.h. */
#include "jsonout.h"
#include "json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

void
jo_tree(struct sbuf *b, const cJSON *it)
{
	if (!it) {
		sbuf_adds(b, "null");
		return;
	}
	if (cJSON_IsObject(it) || cJSON_IsArray(it)) {
		int obj = cJSON_IsObject(it);
		sbuf_addc(b, obj ? '{' : '[');
		for (const cJSON *c = it->child; c; c = c->next) {
			if (c != it->child)
				sbuf_addc(b, ',');
			if (obj) {
				js_strz(b, c->string ? c->string : "");
				sbuf_addc(b, ':');
			}
			jo_tree(b, c);
		}
		sbuf_addc(b, obj ? '}' : ']');
	} else if (cJSON_IsString(it)) {
		js_strz(b, it->valuestring ? it->valuestring : "");
	} else if (cJSON_IsNumber(it)) {
		double d = it->valuedouble;
		if (!isfinite(d))
			sbuf_adds(b, "null");
		else if (d == floor(d) && fabs(d) < 9e15)
			sbuf_addf(b, "%.0f", d);
		else
			sbuf_addf(b, "%.6g", d);
	} else if (cJSON_IsBool(it)) {
		sbuf_adds(b, cJSON_IsTrue(it) ? "true" : "false");
	} else {
		sbuf_adds(b, "null");
	}
}

static cJSON *
try_obj(const char *s, size_t n)
{
	cJSON *j;

	while (n && (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t')) {
		s++;
		n--;
	}
	if (!n || *s != '{')
		return NULL;
	j = js_parse(s, n);
	if (j && !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

cJSON *
jo_extract(const char *s, size_t n)
{
	cJSON *j;
	const char *f, *a, *z;

	if (!s)
		return NULL;
	if ((j = try_obj(s, n)))
		return j;
	if ((f = memmem(s, n, "```", 3))) {
		const char *body = memchr(f, '\n', n - (size_t)(f - s));
		const char *end = body ? memmem(body, n - (size_t)(body - s), "```",
		    3) : NULL;
		if (body && end && (j = try_obj(body + 1, (size_t)(end - body - 1))))
			return j;
	}
	a = memchr(s, '{', n);
	z = NULL;
	for (const char *p = s + n; p > s; p--)
		if (p[-1] == '}') {
			z = p;
			break;
		}
	if (a && z && z > a)
		return try_obj(a, (size_t)(z - a));
	return NULL;
}

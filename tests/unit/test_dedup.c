/* test_dedup.c - the de-dup window: matches across precisions, forgets
 * the oldest, keeps identical messages at different times apart. */
#include "unit.h"
#include "dedup.h"
#include "logrec.h"

#include <stdint.h>

static uint64_t
key(struct logrec *r, const char *app, const char *inst, const char *msg)
{
	lr_clear(r);
	snprintf(r->app, sizeof r->app, "%s", app);
	snprintf(r->instance, sizeof r->instance, "%s", inst);
	sbuf_adds(&r->msg, msg);
	return dd_key(r);
}

int
main(void)
{
	struct logrec r;
	struct dedup *d = dd_new(64);
	int64_t t = 1795842593337581317LL;

	lr_init(&r);
	uint64_t a = key(&r, "shop", "148ed193b95e89", "panic: boom");
	uint64_t b = key(&r, "shop", "148ed193b95e89", "panic: boom!");
	uint64_t c = key(&r, "cart", "148ed193b95e89", "panic: boom");
	T_OK(a != b && a != c, "app and message are part of the key");
	T_OK(!dd_check(d, a, t, 9), "a new line is new");
	T_OK(dd_check(d, a, t, 9), "the same line again is a duplicate");
	T_OK(!dd_check(d, a, t + 1000000000, 9), "the same text a second later is new");
	T_OK(dd_check(d, a, t - t % 1000000, 3), "same time given in milliseconds matches");
	T_OK(dd_check(d, a, t - t % 1000000 + 1000000, 3),
	    "one millisecond off at millisecond precision matches (rounding)");
	T_OK(!dd_check(d, a, t + 5000000, 3), "five milliseconds off does not");
	T_OK(!dd_check(d, b, t, 9), "another message is new");
	T_OK(dd_count(d) == 4, "four lines held (%zu)", dd_count(d));
	for (int i = 0; i < 100; i++) {
		char m[32];
		snprintf(m, sizeof m, "filler %d", i);
		dd_check(d, key(&r, "shop", "x", m), t + i, 9);
	}
	T_OK(dd_count(d) == 64, "bounded at its capacity");
	T_OK(!dd_check(d, a, t, 9), "the oldest lines are forgotten");
	T_OK(dd_check(d, key(&r, "shop", "x", "filler 99"), t + 99, 9),
	    "the newest are kept");
	dd_free(d);

	/* a live source: noted lines are found by a later check, and a live
	 * line is checked only when about as old as a checked one */
	d = dd_new(64);
	uint64_t n1 = key(&r, "shop", "i", "live one"), n2 = key(&r, "shop", "i", "live two");
	T_OK(!dd_note(d, n1, t, 9), "a live line is new");
	T_OK(!dd_note(d, n1, t + 5, 9), "live lines are not checked against each other");
	T_OK(dd_check(d, n1, t, 9), "a checked line finds a noted one");
	T_OK(!dd_check(d, n2, t + 2000000000LL, 9), "a new API line");
	T_OK(dd_note(d, n2, t + 2000000000LL, 9), "the same line live afterwards is a duplicate");
	T_OK(!dd_note(d, n2, t + 9000000000LL, 9), "a live line well after the API's is not checked");
	dd_free(d);
	lr_release(&r);
	return t_done();
}

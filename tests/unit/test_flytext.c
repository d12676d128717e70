/* test_flytext.c - --format text prints what lr_parse_flytext reads. */
#include "unit.h"
#include "flytext.h"
#include "logrec.h"

#include <string.h>

int
main(void)
{
	struct logrec r, back;
	struct sbuf b;
	const char *line = "2024-10-07T11:37:16Z app[2865134a394268] cdg "
	    "[info][  258.930660] Out of memory: Killed process 476 (beam.smp)";

	lr_init(&r);
	lr_init(&back);
	sbuf_init(&b);
	lr_decode(&r, line, strlen(line));
	flytext_log(&r, &b, 0);
	T_STR(b.s, line, "a fly logs line prints back the same");
	lr_decode(&back, b.s, b.len);
	T_OK(back.kind == LR_FLYTEXT && !strcmp(back.instance, r.instance),
	    "and parses again");
	sbuf_reset(&b);
	lr_decode(&r, "2022-07-24T23:50:49.829 app[fa31a9e5] ord [info] Making backup",
	    62);
	flytext_log(&r, &b, 0);
	T_STR(b.s, "2022-07-24T23:50:49Z app[fa31a9e5] ord [info]Making backup",
	    "legacy input, current output (seconds, no space)");
	sbuf_reset(&b);
	lr_clear(&r);
	sbuf_adds(&r.msg, "bell\a esc\033[31m red");
	flytext_log(&r, &b, 0);
	T_STR(b.s, "[info]bell? esc?[31m red", "control characters replaced");
	/* no provider: a machine id prints bare, like flyctl; anything else
	 * keeps its brackets so that it reads back as the instance */
	sbuf_reset(&b);
	lr_decode(&r, "2024-10-07T11:37:16Z [web-1] cdg [info]x", 40);
	flytext_log(&r, &b, 0);
	T_STR(b.s, "2024-10-07T11:37:16Z [web-1] cdg [info]x",
	    "an instance that is not a machine id keeps its brackets");
	lr_decode(&back, b.s, b.len);
	T_OK(back.kind == LR_FLYTEXT && !strcmp(back.instance, "web-1") &&
	    !back.provider[0], "and reads back as the instance");
	sbuf_reset(&b);
	lr_decode(&r, "2024-10-07T11:37:16Z 2865134a394268 cdg [info]x", 47);
	flytext_log(&r, &b, 0);
	T_STR(b.s, "2024-10-07T11:37:16Z 2865134a394268 cdg [info]x",
	    "a machine id without a provider prints bare");
	sbuf_reset(&b);
	lr_decode(&r, line, strlen(line));
	flytext_log(&r, &b, 1);
	T_OK(strstr(b.s, "\033[2m2024-10-07T11:37:16Z\033[0m") &&
	    strstr(b.s, "\033[32mcdg\033[0m"), "colours like flyctl");
	sbuf_release(&b);
	lr_release(&r);
	lr_release(&back);
	return t_done();
}

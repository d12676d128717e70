/* test_policy - remediate's policy files: the documented format, app
 * sections inheriting from defaults, the built-in safe policy, and every
 * kind of mistake refused with its line. */
#include <string.h>

#include "policy.h"
#include "unit.h"

#define BIT(a) (1u << (a))

static struct policy *
parse(const char *text, struct sbuf *err)
{
	sbuf_reset(err);
	return pol_parse(text, "p", err);
}

static void
bad(const char *text, const char *want)
{
	struct sbuf err;
	struct policy *p;

	sbuf_init(&err);
	p = parse(text, &err);
	T_OK(!p && err.s && strstr(err.s, want), "refused: %s (%s)", want,
	    err.s ? err.s : "(accepted)");
	pol_free(p);
	sbuf_release(&err);
}

int
main(void)
{
	struct sbuf err, d;
	struct policy *p;
	const struct pol_app *a;

	sbuf_init(&err);
	sbuf_init(&d);

	/* the built-in policy: any app, restart/start/notify, rest escalates */
	p = pol_default();
	T_OK(p != NULL, "built-in policy parses");
	a = pol_app(p, "anything");
	T_OK(a && !strcmp(a->name, "*"), "built-in: any app");
	T_OK(a->allow == (BIT(ACT_RESTART) | BIT(ACT_START) | BIT(ACT_NOTIFY)),
	    "built-in: restart, start, notify allowed");
	T_OK(a->escalate == (BIT(ACT_MEMORY) | BIT(ACT_ROLLBACK) | BIT(ACT_PR) |
	    BIT(ACT_ISSUE)), "built-in: everything else escalates");
	T_OK(a->nrate == 3 && a->breaker_n == 3 && a->breaker_ms == 3600000 &&
	    a->machines_max == 1 && !a->undo && !a->targets_app,
	    "built-in: rates, breaker, caps");
	pol_free(p);

	/* sections, inheritance, comments */
	p = parse("# a policy\n"
	    "app shop   # trailing comment\n"
	    "    allow machine.memory\n"
	    "    memory-max 4096\n"
	    "    rate machine.memory 1/24h machine\n"
	    "\n"
	    "defaults\n"
	    "\tallow machine.restart notify\n"
	    "\tescalate app.rollback\n"
	    "\trate * 5/1h app\n"
	    "\tcooldown machine.restart 10m\n"
	    "\tmemory-step +512\n"
	    "\tbreaker 2/30m\n"
	    "\tundo yes\n"
	    "\ttargets app\n"
	    "\tmin-confidence 0.4\n"
	    "app *\n", &err);
	T_OK(p != NULL, "parses (%s)", err.s ? err.s : "");
	a = pol_app(p, "shop");
	T_OK(a && !strcmp(a->name, "shop"), "own section found");
	T_OK(a->allow == BIT(ACT_MEMORY), "an app's allow replaces the defaults'");
	T_OK(a->escalate == BIT(ACT_ROLLBACK), "escalate inherited");
	T_OK(a->memory_max == 4096 && a->memory_add == 512, "memory: own max, "
	    "inherited step");
	T_OK(a->nrate == 2 && a->rate[0].action == -1 && a->rate[0].per_app &&
	    a->rate[1].action == ACT_MEMORY && a->rate[1].window_ms == 86400000,
	    "rate lines add to the defaults'");
	T_OK(a->ncooldown == 1 && a->cooldown[0].ms == 600000, "cooldown inherited");
	T_OK(a->breaker_n == 2 && a->breaker_ms == 1800000, "breaker inherited");
	T_OK(a->undo && a->targets_app && a->min_confidence > 0.39,
	    "undo, targets, min-confidence inherited");
	a = pol_app(p, "cart");
	T_OK(a && !strcmp(a->name, "*"), "other apps: the * section");
	T_OK(a->allow == (BIT(ACT_RESTART) | BIT(ACT_NOTIFY)), "* has the defaults");
	pol_describe(a, &d);
	T_OK(d.s && strstr(d.s, "rate           * 5/1h app\n") &&
	    strstr(d.s, "memory-step    +512\n"), "describe writes the format back");
	pol_free(p);

	/* no "*": an app without a section is not in the policy */
	p = parse("app shop\n    allow machine.restart\n", &err);
	T_OK(p && pol_app(p, "shop") && !pol_app(p, "other"),
	    "only named apps are in the policy");
	a = pol_app(p, "shop");
	T_OK(a->escalate & BIT(ACT_MEMORY), "unlisted repairs escalate by default");
	T_OK(!(a->allow & BIT(ACT_NOTIFY)) && !(a->escalate & BIT(ACT_NOTIFY)),
	    "notify not listed: denied");
	pol_free(p);
	p = parse("app shop\n    escalate none\n    allow none\n", &err);
	T_OK(p && pol_app(p, "shop")->allow == 0 &&
	    pol_app(p, "shop")->escalate == 0, "none empties a list");
	pol_free(p);

	/* mistakes */
	bad("app shop\n    allow machine.reboot\n", "p:2: unknown action \"machine.reboot\"");
	bad("app shop\n    alow machine.restart\n", "p:2: unknown key \"alow\"");
	bad("    allow machine.restart\n", "p:1: \"allow\" outside a defaults or app section");
	bad("app shop\napp shop\n", "p:2: a second section for app \"shop\"");
	bad("defaults\ndefaults\n", "p:2: a second defaults section");
	bad("app shop\n    rate machine.restart 3/1week machine\n", "p:2: bad duration \"1week\"");
	bad("app shop\n    rate machine.restart 3/1h host\n", "per \"machine\" or \"app\"");
	bad("app shop\n    rate machine.restart 3 machine\n", "want COUNT/WINDOW");
	bad("app shop\n    memory-max 100\n", "must be an integer from 256 to 131072");
	bad("app shop\n    memory-step 10x\n", "memory-step: want +MB");
	bad("app shop\n    undo maybe\n", "undo: want yes or no");
	bad("app shop\n    allow escalate\n", "escalate is always allowed");
	bad("app shop\n    min-confidence 2\n", "min-confidence: want 0 to 1");
	bad("app\n", "app: want one app name");
	bad("app shop\n    cooldown machine.restart\n", "cooldown: want ACTION|* DURATION");

	T_OK(act_parse("machine.memory") == ACT_MEMORY && act_parse("x") < 0,
	    "act_parse");
	T_OK(act_is_repair(ACT_ROLLBACK) && !act_is_repair(ACT_NOTIFY) &&
	    !act_is_repair(ACT_PR), "repairs are the Machines API actions");

	sbuf_release(&err);
	sbuf_release(&d);
	return t_done();
}

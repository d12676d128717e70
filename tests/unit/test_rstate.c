/* test_rstate - remediate's memory and judgement of machines: the state
 * file (windows, done keys, claims of dead processes, survival across a
 * reopen, refusing a corrupt file), the audit log (a torn last line
 * closed, ids found), and the reading of Fly machines (flyd's restart
 * loop, checks, the previous image, memory limits). */
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "fleet.h"
#include "policy.h"
#include "rstate.h"
#include "unit.h"

static void
write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	fputs(s, f);
	fclose(f);
}

static char *
read_all(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	return buf;
}

static void
test_state(const char *dir)
{
	struct sbuf err;
	struct rstate *s;
	int64_t now = rst_now();
	cJSON *rec = cJSON_Parse("{\"type\":\"action\",\"id\":\"a_1\"}"), *stale;
	char path[512];

	sbuf_init(&err);
	s = rst_open(dir, &err);
	T_OK(s != NULL, "state opens (%s)", err.s ? err.s : "");
	rst_lock(s, &err);
	rst_add_event(s, now - 7200000, "shop", "m1", ACT_RESTART, "f_1", "i_0",
	    "a_0", NULL);
	rst_add_event(s, now - 1000, "shop", "m1", ACT_RESTART, "f_1", "i_1",
	    "a_1", NULL);
	rst_add_event(s, now - 500, "shop", "m2", ACT_MEMORY, "f_2", "i_2", "a_2",
	    NULL);
	rst_add_event(s, now - 400, "shop", "", ACT_ESCALATE, "f_1", "i_1", "a_3",
	    NULL);
	rst_mark_done(s, "i_1|machine.restart|m1", "applied", now);
	rst_claim(s, "i_3|machine.start|m3", rec);
	T_OK(rst_unlock(s, &err) == 0, "saved");
	rst_close(s);

	s = rst_open(dir, &err);
	rst_lock(s, &err);
	T_OK(rst_count(s, ACT_RESTART, "shop", "m1", now - 3600000) == 1,
	    "window: one restart of m1 in the last hour");
	T_OK(rst_count(s, ACT_RESTART, "shop", "m1", 0) == 2, "two in all");
	T_OK(rst_count(s, -1, "shop", NULL, now - 3600000) == 2,
	    "any repair on the app: restart and memory (not the escalation)");
	T_OK(rst_count(s, -1, "cart", NULL, 0) == 0, "other apps apart");
	T_OK(rst_last(s, ACT_RESTART, "shop", "m1") == now - 1000, "last");
	T_OK(rst_count_fp(s, "shop", "f_1", 0, 0) == 2 &&
	    rst_count_fp(s, "shop", "f_1", 1, 0) == 1, "by fingerprint");
	T_OK(rst_last_fp(s, "shop", "f_1", 0) &&
	    !strcmp(cJSON_GetObjectItem(rst_last_fp(s, "shop", "f_1", 0),
	    "id")->valuestring, "a_1"), "newest unverified repair of f_1");
	rst_set_verified(s, "a_1", "healed");
	T_OK(!strcmp(cJSON_GetObjectItem(rst_last_fp(s, "shop", "f_1", 0),
	    "id")->valuestring, "a_0"), "verified events are skipped");
	{
		char seen[4][48];
		T_OK(rst_incident_machines(s, "i_2", seen, 4) == 1 &&
		    !strcmp(seen[0], "m2"), "machines of an incident");
	}
	T_OK(rst_done(s, "i_1|machine.restart|m1") &&
	    !rst_done(s, "i_1|machine.restart|m2"), "done keys survive a reopen");
	/* the claim's process (this one) is alive, but its pid is ours: a
	 * claim with our own pid at startup is a dead predecessor's */
	stale = rst_take_stale(s);
	T_OK(cJSON_GetArraySize(stale) == 1, "stale claims taken");
	T_OK(!strcmp(cJSON_GetObjectItem(cJSON_GetArrayItem(stale, 0),
	    "x_key")->valuestring, "i_3|machine.start|m3"), "with their key");
	cJSON_Delete(stale);
	T_OK(rst_take_stale(s) == NULL, "and gone");
	rst_unlock(s, &err);
	rst_close(s);

	/* a corrupt file: refused, not reset */
	snprintf(path, sizeof path, "%s/remediate.json", dir);
	write_file(path, "{\"version\":1,\"events\":");
	sbuf_reset(&err);
	s = rst_open(dir, &err);
	T_OK(!s && err.s && strstr(err.s, "not a remediate state file"),
	    "a corrupt state file is refused");
	rst_close(s);
	/* memory only */
	s = rst_open(NULL, &err);
	T_OK(s && rst_lock(s, &err) == 0 && rst_count(s, -1, "shop", NULL, 0) == 0,
	    "no directory: state in memory");
	rst_close(s);
	cJSON_Delete(rec);
	sbuf_release(&err);
}

static void
test_audit(const char *dir)
{
	struct sbuf err;
	struct audit *a;
	char path[512];

	sbuf_init(&err);
	snprintf(path, sizeof path, "%s/audit", dir);
	write_file(path, "{\"id\":\"a_1\"}\n{\"id\":\"a_2\",\"sta");
	a = au_open(path, &err);
	T_OK(a != NULL, "audit log opens");
	T_OK(au_write(a, "{\"id\":\"a_3\"}\n", 13, &err) == 0, "a record appended");
	T_STR(read_all(path), "{\"id\":\"a_1\"}\n{\"id\":\"a_2\",\"sta\n{\"id\":\"a_3\"}\n",
	    "the torn line was closed first");
	T_OK(au_has_id(a, "a_3") && au_has_id(a, "a_1") && !au_has_id(a, "a_9"),
	    "ids found");
	T_OK(!au_has_id(a, "a_2"), "an id in a torn line does not count");
	au_close(a);
	a = au_open("/dev/null", &err);
	T_OK(!a, "not a regular file: refused");
	a = au_open(NULL, &err);
	T_OK(a && au_write(a, "x\n", 2, &err) == 0, "no log: accepted and dropped");
	au_close(a);
	sbuf_release(&err);
}

static void
test_fleet(void)
{
	int64_t now = 1800000000000LL;
	char buf[2048];
	cJSON *m;
	struct fl_exit x;
	int total, pass, fail;

	snprintf(buf, sizeof buf, "{\"state\":\"started\",\"config\":{\"restart\":"
	    "{\"policy\":\"on-failure\",\"max_retries\":5}},\"events\":["
	    "{\"type\":\"exit\",\"timestamp\":%lld,\"request\":{\"exit_event\":"
	    "{\"exit_code\":1,\"restarting\":false},\"restart_count\":1}},"
	    "{\"type\":\"start\",\"timestamp\":%lld},"
	    "{\"type\":\"exit\",\"timestamp\":%lld,\"request\":{\"MonitorEvent\":"
	    "{\"exit_event\":{\"exit_code\":137,\"oom_killed\":true,"
	    "\"restarting\":true}},\"restart_count\":3}}],"
	    "\"checks\":[{\"status\":\"passing\"},{\"status\":\"critical\"}]}",
	    (long long)(now - 200000), (long long)(now - 1000),
	    (long long)(now - 60000));
	m = cJSON_Parse(buf);
	fl_last_exit(m, &x);
	T_OK(x.have && x.exit_code == 137 && x.oom && x.restarting &&
	    x.restart_count == 3 && x.max_retries == 5,
	    "the newest exit event, in either order, from MonitorEvent");
	T_OK(fl_flyd_restarting(&x, now), "flyd still restarting (3 of 5)");
	T_OK(!fl_flyd_restarting(&x, now + 400000), "not after five minutes");
	x.restart_count = 5;
	T_OK(!fl_flyd_restarting(&x, now), "not at the max");
	T_OK(!fl_checks(m, &total, &pass, &fail) && total == 2 && pass == 1 &&
	    fail == 1, "checks: one critical");
	cJSON_Delete(m);
	m = cJSON_Parse("{\"config\":{\"restart\":{\"policy\":\"always\"}}}");
	fl_last_exit(m, &x);
	T_OK(!x.have && x.max_retries == -1, "always: no max");
	cJSON_Delete(m);

	m = cJSON_Parse("[{\"version\":\"01J0000000000000000000041\","
	    "\"user_config\":{\"image\":\"img:41\"}},"
	    "{\"version\":\"01J0000000000000000000043\",\"user_config\":{\"image\":"
	    "\"img:43\"}},{\"version\":\"01J0000000000000000000042\","
	    "\"user_config\":{\"image\":\"img:42\"}}]");
	T_STR(fl_previous_image(m, "img:43"), "img:42", "previous image: the "
	    "newest other one");
	T_STR(fl_previous_image(m, "img:99"), "img:43", "current unknown: newest");
	T_OK(fl_ran_image(m, "img:41") && !fl_ran_image(m, "evil:1"), "ran image");
	cJSON_Delete(m);
	T_OK(fl_memory_max("shared", 2) == 4096 &&
	    fl_memory_max("performance", 1) == 8192 && fl_memory_max(NULL, 0) ==
	    2048, "Fly's memory limits per CPU");
}

int
main(void)
{
	char dir[] = "/tmp/test_rstate.XXXXXX";

	if (!mkdtemp(dir))
		return 1;
	test_state(dir);
	test_audit(dir);
	test_fleet();
	{
		char cmd[600];
		snprintf(cmd, sizeof cmd, "%s/remediate.json", dir);
		unlink(cmd);
		snprintf(cmd, sizeof cmd, "%s/remediate.lock", dir);
		unlink(cmd);
		snprintf(cmd, sizeof cmd, "%s/audit", dir);
		unlink(cmd);
		rmdir(dir);
	}
	return t_done();
}

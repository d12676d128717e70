/* test_mevents.c - messages for machine exit events. */
#include "unit.h"
#include "json.h"
#include "mevents.h"

#include <cjson/cJSON.h>
#include <string.h>

static const char *
msg(const char *json, int *failure)
{
	static char out[256];
	cJSON *ev = js_parse(json, strlen(json));
	mev_exit_message("148ed193b95e89", ev, out, sizeof out, failure);
	cJSON_Delete(ev);
	return out;
}

int
main(void)
{
	int f;

	T_STR(msg("{\"type\":\"exit\",\"request\":{\"exit_event\":{\"exit_code\":137,"
	    "\"oom_killed\":true,\"requested_stop\":false,\"restarting\":true,"
	    "\"signal\":-1},\"restart_count\":3}}", &f),
	    "machine 148ed193b95e89 exited with code 137 (oom killed), restart 3",
	    "OOM, restarting");
	T_OK(f, "a failure");
	T_STR(msg("{\"type\":\"exit\",\"request\":{\"exit_event\":{\"exit_code\":127,"
	    "\"exited_at\":1653047897299,\"guest_exit_code\":0,\"guest_signal\":-1,"
	    "\"oom_killed\":false,\"requested_stop\":false,\"restarting\":false,"
	    "\"signal\":-1},\"restart_count\":0}}", &f),
	    "machine 148ed193b95e89 exited with code 127, not restarting",
	    "the docs' example: not restarting");
	T_STR(msg("{\"type\":\"exit\",\"request\":{\"exit_event\":{\"exit_code\":0,"
	    "\"requested_stop\":true,\"restarting\":false,\"signal\":15}}}", &f),
	    "machine 148ed193b95e89 exited with code 0 (signal 15 SIGTERM, stop requested)",
	    "a requested stop");
	T_OK(!f, "not a failure");
	T_STR(msg("{\"type\":\"exit\",\"request\":{\"MonitorEvent\":{\"exit_event\":"
	    "{\"exit_code\":139,\"guest_signal\":11,\"restarting\":true}},"
	    "\"restart_count\":1}}", &f),
	    "machine 148ed193b95e89 exited with code 139 (signal 11 SIGSEGV), restart 1",
	    "MonitorEvent form, guest signal");
	T_STR(msg("{\"type\":\"exit\",\"status\":\"stopped\"}", &f),
	    "machine 148ed193b95e89 exited, status stopped", "no exit_event");
	return t_done();
}

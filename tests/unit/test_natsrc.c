/* test_natsrc.c - subjects, URLs, decoding a message (no server). */
#include "unit.h"
#include "logrec.h"
#include "natsrc.h"

#include <string.h>

int
main(void)
{
	char s[128];
	struct logrec r;
	struct ns_item it = { NS_MSG, NULL, NULL, 0, 0, 0, 0, NULL };

	T_OK(ns_subject(s, sizeof s, "shop", "iad", "148ed193b95e89") == 0 &&
	    !strcmp(s, "logs.shop.iad.148ed193b95e89"), "full subject");
	T_OK(ns_subject(s, sizeof s, "shop", NULL, "") == 0 &&
	    !strcmp(s, "logs.shop.*.*"), "wildcards for what is not given: %s", s);
	T_OK(ns_subject(s, sizeof s, "sh.op", NULL, NULL) < 0, "a dot is refused");
	T_OK(ns_subject(s, sizeof s, ">", NULL, NULL) < 0, "wildcards are refused");
	T_OK(ns_subject(s, sizeof s, "a b", NULL, NULL) < 0, "blanks are refused");
	T_OK(ns_url_ok("nats://[fdaa::3]:4223"), "the default URL");
	T_OK(ns_url_ok("nats://a:4222,nats://b:4222"), "a list");
	T_OK(!ns_url_ok("http://x"), "http is not NATS");
	T_OK(!ns_url_ok("nats://a,x"), "every URL is checked");

	lr_init(&r);
	it.subject = "logs.shop.iad.0e286551c30586";
	it.data = "{\"event\":{\"provider\":\"runner\"},\"fly\":{\"app\":{\"instance\":"
	    "\"0e286551c30586\",\"name\":\"shop\"},\"region\":\"iad\"},\"host\":\"0ad1\","
	    "\"log\":{\"level\":\"info\"},\"message\":\"machine exited with exit code 0, "
	    "not restarting\",\"timestamp\":\"2022-09-27T20:34:39.660159411Z\"}";
	it.len = (int)strlen(it.data);
	T_OK(ns_decode(&it, &r) == NULL, "Fly NATS JSON");
	T_STR(r.provider, "runner", "provider");
	T_STR(r.source, "nats", "source");
	T_OK(r.ts_prec == 9, "nanoseconds");
	it.data = "plain words";
	it.len = (int)strlen(it.data);
	T_STR(ns_decode(&it, &r), "not JSON", "malformed: not JSON");
	T_STR(r.app, "shop", "app from the subject");
	T_STR(r.region, "iad", "region from the subject");
	T_STR(r.instance, "0e286551c30586", "instance from the subject");
	T_STR(r.msg.s, "plain words", "the body is the message");
	it.data = "{\"message\": \"cut";
	it.len = (int)strlen(it.data);
	T_STR(ns_decode(&it, &r), "bad JSON", "malformed: bad JSON");
	it.data = "{\"msg\":\"x\",\"level\":\"warn\"}";
	it.len = (int)strlen(it.data);
	T_STR(ns_decode(&it, &r), "not a Fly log object", "malformed: other JSON");
	it.data = "{\"type\":\"crash\",\"id\":\"c_1\"}";
	it.len = (int)strlen(it.data);
	T_OK(ns_decode(&it, &r) == NULL && r.kind == LR_RECORD, "another stage's record");
	lr_release(&r);
	return t_done();
}

#!/bin/bash
# notify and escalate through a Slack-compatible webhook (a local fake
# that records each payload): what is sent, escaping, retries, failures,
# and the webhook URL never showing up anywhere.
. "$TOP/tests/lib.sh"
. "$TOP/tests/lib-fly.sh"
. "$TOP/tests/t/remediate-lib.sh"
rm_start_api || exit 1
rm_start_hook || exit 1
fleet
ctl "/_ctl/patch?app=shop&machine=$M1" '{"checks":[{"name":"http","status":"critical"}]}'
P=$(policy p 'app shop
    allow machine.restart notify
    escalate machine.memory')
hooks() { grep -c . "$HOOK_LOG" | tr -d ' '; }
payload() { tail -n 1 "$HOOK_LOG" | jget "$1"; }

A="[{\"action\":\"machine.restart\",\"machine\":\"$M1\"},{\"action\":\"notify\"},{\"action\":\"machine.memory\",\"machine\":\"$M1\"}]"
SUMMARY='panic in shop <!channel> & <https://evil|click>' diag i_n1 shop f_00000000000000a1 "\"$M1\"" "$A" >"$T_TMP/in"

# dry-run: nothing posted
rm_run --policy "$P" --notify-url "$HOOK_URL" <"$T_TMP/in" >"$T_TMP/out" 2>/dev/null
is "$(jget 'r["action"] + " " + r["status"]' <"$T_TMP/out" | tr '\n' ',')" \
	"machine.restart dry-run,notify dry-run,escalate dry-run," "dry-run: notify and escalate would be sent"
is "$(hooks)" 0 "nothing posted"

# applied: the restart, then one notification, then one escalation
rm_run --policy "$P" --notify-url "$HOOK_URL" --apply <"$T_TMP/in" >"$T_TMP/out" 2>"$T_TMP/err"
is "$(jget 'r["action"] + " " + r["status"]' <"$T_TMP/out" | tr '\n' ',')" \
	"machine.restart applied,notify applied,escalate applied," "applied: restart, notify, escalate"
is "$(hooks)" 2 "two messages"
N1=$(head -1 "$HOOK_LOG")
is "$(printf '%s' "$N1" | jget '(r["content_type"], r["path"])')" '["application/json", "/services/T000/B000/XXXXsecretXXXX"]' "JSON to the webhook path"
is "$(printf '%s' "$N1" | jget '[b["type"] for b in r["body"]["blocks"]]')" '["header", "section", "section", "context"]' "blocks: header, summary, actions, context"
like "$(printf '%s' "$N1" | jget 'r["body"]["blocks"][0]["text"]["text"]')" "^Incident: panic in shop" "header: the incident's title (report.h)"
like "$(printf '%s' "$N1" | jget 'r["body"]["blocks"][2]["text"]["text"]')" "applied .machine.restart. on .$M1.: restarted machine $M1" "the actions applied"
like "$(printf '%s' "$N1" | jget 'r["body"]["blocks"][1]["text"]["text"]')" '&lt;!channel&gt; &amp; &lt;https://evil\|click&gt;' "log text escaped for mrkdwn"
like "$(printf '%s' "$N1" | jget 'r["body"]["text"]')" "^Incident: panic in shop &lt;!channel&gt;" "a fallback text, escaped"
like "$(printf '%s' "$N1" | jget 'r["body"]["blocks"][3]["elements"][0]["text"]')" "incident .i_n1. · fingerprint .f_00000000000000a1. · diagnosed by rules" "context: incident, fingerprint, backend"
like "$(payload 'r["body"]["blocks"][0]["text"]["text"]')" "^Needs a human: panic in shop" "the escalation"
like "$(payload 'r["body"]["blocks"][3]["text"]["text"]')" "machine.memory $M1: the policy says a human decides" "with the reason"

# replay: nothing posted twice
rm_run --policy "$P" --notify-url "$HOOK_URL" --apply <"$T_TMP/in" >"$T_TMP/out" 2>/dev/null
is "$(jget 'r["action"] + " " + r["status"]' <"$T_TMP/out" | tr '\n' ',')" \
	"machine.restart skipped,notify skipped,escalate skipped," "replay: all skipped"
is "$(hooks)" 2 "no new message"

# the notify verb, from the environment; retried on 429
ctl_hook() { python3 -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST")).read()' "$HOOK_BASE/_ctl/mode" "$1"; }
ctl_hook '{"mode":"429","count":1}'
SELFHEAL_NOTIFY_URL=$HOOK_URL rm_run notify --app shop --text 'deploy <@U123> done' --apply --policy "$P" >"$T_TMP/out"
ok $? "notify --apply: exit 0"
is "$(tail -n 2 "$HOOK_LOG" | jget 'r["mode"]' | tr '\n' ' ')" "429 ok " "429, then sent again"
is "$(payload 'r["body"]')" '{"text": "deploy &lt;@U123&gt; done"}' "the text, escaped"

# a post that went out and got no answer is not sent again (Slack may
# have it); a refused connection is tried again
N=$(hooks)
ctl_hook '{"mode":"drop","count":1}'
SELFHEAL_NOTIFY_URL=$HOOK_URL rm_run notify --app shop --text 'once only' --apply --policy "$P" >"$T_TMP/out" 2>"$T_TMP/err"
is $? 69 "no answer: the notify fails (69)"
is "$(($(hooks) - N))" 1 "no answer: posted once, not again"
like "$(jget 'r["reason"]' <"$T_TMP/out")" 'webhook: .*\(the message may have been delivered; not sent again\)' "no answer: the reason says why it was not sent again"

# failures: a 400 is final; the URL appears nowhere
ctl_hook '{"mode":"400","count":1}'
diag i_n2 shop f_00000000000000a2 "\"$M1\"" '[{"action":"notify"}]' |
	rm_run --policy "$P" --notify-url "$HOOK_URL" --apply >"$T_TMP/out" 2>"$T_TMP/err"
is "$(jget 'r["status"] + ": " + r["reason"]' <"$T_TMP/out")" "failed: webhook: HTTP 400 Bad Request: invalid_payload" "400: failed, with Slack's code"
if grep -q XXXXsecretXXXX "$T_TMP/out" "$T_TMP/err" "$AUDIT" "$STATE/remediate.json"; then
	ok 1 "the webhook URL is not in records, messages or state"
else
	ok 0 "the webhook URL is not in records, messages or state"
fi
# no webhook: notify skipped, escalate stands as a record
diag i_n3 shop f_00000000000000a3 "\"$M1\"" "[{\"action\":\"notify\"},{\"action\":\"escalate\",\"reason\":\"disk corrupt\"}]" |
	rm_run --policy "$P" --apply >"$T_TMP/out" 2>/dev/null
is "$(jget 'r["action"] + " " + r["status"]' <"$T_TMP/out" | tr '\n' ',')" "notify skipped,escalate skipped," "no webhook: skipped"
like "$(jget 'r["reason"]' <"$T_TMP/out" | tail -1)" "proposed by the diagnosis: disk corrupt" "the proposed escalation's reason"
"$BIN/remediate" notify --text hi --notify-url 'ftp://x' >/dev/null 2>&1
is $? 64 "a webhook URL that is not http(s): 64"
done_testing

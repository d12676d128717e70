#!/bin/bash
# The configuration file reaches crashgrep and diagnose: their sections (and
# [global]) apply, the command line overrides them, SELFHEAL_CONFIG names
# the file, and a bad file stops the program with file:line (78).
. "$TOP/tests/lib.sh"
cd "${T_TMP:?lib.sh not loaded}" || exit 1
S=$TOP/contrib/samples/shop.log
cat >sh.conf <<'CONF'
# test configuration
[crashgrep]
app = fromconf
format = text
[diagnose]
window = 30s
[fly-tail]
app = tailed
[remediate]
format = text
CONF
out=$("$BIN/crashgrep" --config sh.conf "$S" | head -1)
like "$out" '^2026-11-28T03:45:13Z fromconf/148ed193b95e89 panic go\.panic' \
	"crashgrep: app and format from [crashgrep]"
out=$("$BIN/crashgrep" --config sh.conf --format json --app flag "$S" | jget 'r["app"]' | sort -u)
is "$out" "flag" "crashgrep: the command line overrides the file"
out=$(SELFHEAL_CONFIG=sh.conf "$BIN/crashgrep" "$S" | head -1)
like "$out" 'fromconf/' "crashgrep: SELFHEAL_CONFIG names the file"
"$BIN/crashgrep" --app shop "$S" >crashes.ndjson
n=$("$BIN/diagnose" --config sh.conf --state st <crashes.ndjson | jget 'r["occurrences"]' | awk '{s += $1} END {print s}')
is "$n" "$(wc -l <crashes.ndjson | tr -d ' ')" "diagnose: reads [diagnose]; every crash is in an incident"
out=$(head -1 "$S" | "$BIN/fly-tail" --config sh.conf - | jget 'r["app"]')
is "$out" "tailed" "fly-tail: app from [fly-tail]"
printf '{"type":"action","ts":"2026-11-28T03:49:00Z","incident":"i_1","action":"notify","app":"shop","status":"skipped","reason":"r"}\n' |
	"$BIN/remediate" --config sh.conf --state st2 --policy /dev/null >/dev/null 2>err
ok $? "remediate: reads [remediate] (a record of another type passes)"
printf '[crashgrep]\nno-such-option = 1\n' >bad.conf
"$BIN/crashgrep" --config bad.conf "$S" >/dev/null 2>err
is "$?" 78 "a bad file: exit 78"
like "$(cat err)" 'bad\.conf:2:' "a bad file: the message names file:line"
printf '[diagnose]\nllm-key = sk-abc\n' >secret.conf
"$BIN/diagnose" --config secret.conf </dev/null >/dev/null 2>err
is "$?" 78 "a secret in the file is refused"
done_testing

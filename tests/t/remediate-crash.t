#!/bin/bash
# kill -9 in the middle of a repair: the audit log still accounts for
# every change sent to Fly, and replaying the stream acts on nothing twice.
. "$TOP/tests/lib.sh"
. "$TOP/tests/lib-fly.sh"
. "$TOP/tests/t/remediate-lib.sh"
rm_start_api || exit 1
fleet
P=$(policy p 'app shop
    allow machine.restart')
d1=$(diag i_k1 shop f_00000000000000a1 "\"$M1\"" "[{\"action\":\"machine.restart\",\"machine\":\"$M1\"}]")
d2=$(diag i_k2 shop f_00000000000000a2 "\"$M2\"" "[{\"action\":\"machine.restart\",\"machine\":\"$M2\"}]")
d3=$(diag i_k3 shop f_00000000000000a3 "\"$M3\"" "[{\"action\":\"machine.restart\",\"machine\":\"$M3\"}]")

# the restart of M2 hangs in the server for 1.5 s: remediate is killed then
ctl /_ctl/fail "{\"path\":\"/v1/apps/shop/machines/$M2/restart\",\"delay\":1.5,\"count\":1}"
mkfifo "$T_TMP/fifo"
# not through a shell function: $! must be remediate itself
"$BIN/remediate" --machines-url "$API_URL" --state "$STATE" --audit "$AUDIT" \
	--policy "$P" --apply <"$T_TMP/fifo" >"$T_TMP/out1" 2>"$T_TMP/err1" &
RPID=$!
exec 3>"$T_TMP/fifo"
printf '%s\n' "$d1" >&3
wait_grep "$AUDIT" '"status":"applied"' 5
ok $? "the first restart is applied and in the audit log"
printf '%s\n' "$d2" >&3
wait_grep "$API_LOG" "\"POST\", \"path\": \"/v1/apps/shop/machines/$M2/lease\"" 5
ok $? "the second one took the lease"
sleep 0.3
{ kill -9 "$RPID"; wait "$RPID"; } 2>/dev/null
exec 3>&-
is "$(grep -c . "$AUDIT")" 1 "killed: one record in the audit log so far"
python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
print(len(s["claims"]))' "$STATE/remediate.json" >"$T_TMP/claims"
is "$(cat "$T_TMP/claims")" 1 "and one claim in the state: the restart in flight"
sleep 1.5
is "$(mutations | grep -c "/$M2/restart")" 1 "the server did get that restart"

# the whole stream again, plus one more diagnosis
printf '%s\n%s\n%s\n' "$d1" "$d2" "$d3" | rm_run --policy "$P" --apply >"$T_TMP/out2" 2>"$T_TMP/err2"
ok $? "restarted: exit 0"
is "$(jget 'r["incident"] + " " + r["status"]' <"$T_TMP/out2" | tr '\n' ',')" \
	"i_k2 failed,i_k1 skipped,i_k2 skipped,i_k3 applied," "the interrupted one is recorded, nothing acts twice"
like "$(head -1 "$T_TMP/out2" | jget 'r["reason"]')" "^interrupted: remediate stopped while carrying out this action; its outcome is unknown and it is not repeated" "says what happened"
is "$(mutations | grep -c /restart)" 3 "one restart per machine in all"
for m in $M1 $M2 $M3; do
	n=$(mutations | grep -c "/$m/restart")
	a=$(jget 'r["status"] if r["machine"] == "'"$m"'" and r["status"] in ("applied", "failed") else None' <"$AUDIT" | wc -l | tr -d ' ')
	[ "$n" = "$a" ] || echo "machine $m: $n restarts sent, $a in the audit log"
done >"$T_TMP/mismatch"
is "$(cat "$T_TMP/mismatch")" "" "the audit log accounts for every restart sent"
is "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["claims"]))' "$STATE/remediate.json")" 0 "no claim left"
python3 -c '
import json, sys
for l in open(sys.argv[1]):
    json.loads(l)' "$AUDIT"
ok $? "every audit line is whole JSON"

# killed after the record reached the log but before the state said so:
# the claim's id is found in the log and no second record is written
S2=$T_TMP/st2
mkdir -p "$S2"
printf '{"version":1,"events":[],"done":{},"claims":{"i_z|machine.restart|%s":{"t":%s,"pid":999999999,"record":{"type":"action","ts":"x","incident":"i_z","action":"machine.restart","app":"shop","machine":"%s","status":"failed","reason":"interrupted","id":"a_00000000000000zz"}}}}\n' "$M1" "$NOW" "$M1" >"$S2/remediate.json"
printf '{"type":"action","incident":"i_z","action":"machine.restart","status":"applied","id":"a_00000000000000zz"}\n' >"$T_TMP/audit2"
diag i_z shop f_00000000000000a9 "\"$M1\"" "[{\"action\":\"machine.restart\",\"machine\":\"$M1\"}]" |
	"$BIN/remediate" --machines-url "$API_URL" --state "$S2" --audit "$T_TMP/audit2" --policy "$P" --apply >"$T_TMP/out3" 2>/dev/null
is "$(jget 'r["status"]' <"$T_TMP/audit2" | tr '\n' ' ')" "applied skipped " "the outcome already logged is not written again; the replay skips"

# a torn last line (a crash mid-write) is closed before the next record
printf '{"type":"action","incident":"i_t","sta' >"$T_TMP/audit3"
diag i_t2 shop f_00000000000000b9 "\"$M1\"" "[{\"action\":\"machine.restart\",\"machine\":\"$M1\"}]" |
	"$BIN/remediate" --machines-url "$API_URL" --state "$T_TMP/st3" --audit "$T_TMP/audit3" >/dev/null 2>&1
is "$(sed -n 2p "$T_TMP/audit3" | jget 'r["incident"]')" i_t2 "the next record starts on a line of its own"

# the audit log fills up mid-stream (a file size limit): before each
# change remediate makes sure its record will fit; the first that would
# not is not carried out (nothing is sent), remediate stops (74) and says
# so; the next run carries out the rest
S4=$T_TMP/st4
A4=$T_TMP/audit4
e1=$(diag i_e1 shop f_00000000000000c1 "\"$M1\"" "[{\"action\":\"machine.restart\",\"machine\":\"$M1\"}]")
e2=$(diag i_e2 shop f_00000000000000c2 "\"$M3\"" "[{\"action\":\"machine.restart\",\"machine\":\"$M3\"}]")
e3=$(diag i_e3 shop f_00000000000000c3 "\"$M1\"" "[{\"action\":\"machine.restart\",\"machine\":\"$M1\"}]")
# 4096 bytes allowed: room for the first record and its reserve, not for
# the second's
head -c 1200 /dev/zero | tr '\0' x >"$A4"
echo >>"$A4"
N=$(api_lines)
printf '%s\n%s\n%s\n' "$e1" "$e2" "$e3" | (
	ulimit -f 4
	exec "$BIN/remediate" --machines-url "$API_URL" --state "$S4" --audit "$A4" \
		--policy "$P" --apply
) 2>"$T_TMP/err4" | cat >"$T_TMP/out4"
is "${PIPESTATUS[1]}" 74 "the audit log cannot take a record: 74"
like "$(cat "$T_TMP/err4")" "audit4: File too large: no room for the record of machine\.restart on machine $M3, so it was not done: stopped; nothing more is done" "says so"
is "$(mutations $((N + 1)) | grep -c /restart)" 1 "the repairs after it are not acted on either"
is "$(mutations $((N + 1)) | grep -c "/$M3/")" 0 "nothing was sent for the refused one"
printf '%s\n%s\n%s\n' "$e1" "$e2" "$e3" |
	"$BIN/remediate" --machines-url "$API_URL" --state "$S4" --audit "$A4" --policy "$P" --apply >/dev/null 2>&1
is "$(mutations $((N + 1)) | grep -c /restart)" 3 "after a restart: the other two"
is "$(python3 -c '
import json, sys
out = []
for l in list(open(sys.argv[1]))[1:]:
    try:
        r = json.loads(l)
        out.append(r["incident"] + " " + r["status"])
    except ValueError:
        out.append("(torn)")
print(",".join(out))' "$A4")" \
	"i_e1 applied,i_e1 skipped,i_e2 applied,i_e3 applied" \
	"no torn record, nothing interrupted, nothing twice"

# a corrupt state file: fail closed
echo '{"version":1,"events":[' >"$T_TMP/st3/remediate.json"
echo "$d1" | "$BIN/remediate" --machines-url "$API_URL" --state "$T_TMP/st3" --audit "$T_TMP/audit3" --apply >/dev/null 2>"$T_TMP/err"
is $? 74 "a corrupt state file: 74"
like "$(cat "$T_TMP/err")" "not a remediate state file" "says so"
done_testing

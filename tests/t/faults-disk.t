#!/bin/bash
# A full disk under the whole pipeline: fly-tail (nats-server) | crashgrep
# | diagnose | remediate --apply, with diagnose's spool and remediate's
# audit log on a 1 MiB tmpfs that is then filled (where mount is not
# allowed: a file size limit, RLIMIT_FSIZE, set on the running stage).
#   diagnose: says so in one line, holds incidents in memory up to its
#   bound (64; past it the oldest is diagnosed at once), keeps diagnosing,
#   and spools what it holds once space is back;
#   remediate: sends no change it could not record: it stops (74) before
#   the request and says why; after space is back the repair is done once.
. "$TOP/tests/lib.sh"
. "$TOP/tests/lib-fly.sh"
. "$TOP/tests/t/remediate-lib.sh"
. "$TOP/tests/t/faults-lib.sh"
cd "${T_TMP:?}" || exit 1

FULL=$T_TMP/full
mkdir -p "$FULL"
# FAULT_NO_MOUNT=1 tries the file size limit where mount would work
if [ -z "${FAULT_NO_MOUNT:-}" ] && mount -t tmpfs -o size=1m,mode=0700 tmpfs "$FULL" 2>"$T_TMP/mount.err"; then
	MODE=tmpfs
	trap 'for p in $T_PIDS; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; umount -l "$FULL"; t_cleanup' EXIT
else
	MODE=fsize
	command -v prlimit >/dev/null || { echo "# prlimit (util-linux) is missing"; exit 1; }
fi
echo "# full disk: $MODE $(cat "$T_TMP/mount.err" 2>/dev/null)"
# full_on PID / full_off PID: no room left for PID's writes, and back
full_on() {
	if [ "$MODE" = tmpfs ]; then
		dd if=/dev/zero of="$FULL/fill" bs=4k 2>/dev/null
	else
		prlimit --pid "$1" --fsize=512:unlimited
	fi
}
full_off() {
	if [ "$MODE" = tmpfs ]; then
		rm -f "$FULL/fill"
	else
		prlimit --pid "$1" --fsize=unlimited:unlimited
	fi
}
start_nats || exit 1
rm_start_api --app shop || exit 1
fault_fleet 4

# --- diagnose: 100 distinct crashes while its spool cannot be written -----
# stdout through cat: a file size limit would apply to a file there too
mkfifo "$T_TMP/a1" "$T_TMP/a2" "$T_TMP/a3"
"$BIN/fly-tail" --nats "$NATS_URL" -a shop --stall 0 -v >"$T_TMP/a1" 2>"$T_TMP/a.ft.err" &
FT=$!
"$BIN/crashgrep" --no-builtin -r "$FRULES" <"$T_TMP/a1" >"$T_TMP/a2" 2>"$T_TMP/a.cg.err" &
CG=$!
"$BIN/diagnose" --state "$FULL/dg" --window 20s <"$T_TMP/a2" >"$T_TMP/a3" 2>"$T_TMP/a.dg.err" &
DG=$!
cat <"$T_TMP/a3" >"$T_TMP/a.out" &
T_PIDS="$T_PIDS $FT $CG $DG"
wait_grep "$T_TMP/a.ft.err" subscribed 10
wait_until '[ -s "$FULL/dg/redact.key" ]' 5
full_on "$DG"
mapfile -t msgs < <(python3 -c 'print("\n".join("--msg=FAULT x%s%s failed" % (chr(97 + i // 26), chr(97 + i % 26)) for i in range(100)))')
$PUB --url "$NATS_URL" --app shop --instance-id "$(mid 1)" "${msgs[@]}"
wait_until '[ "$(grep -c "\"type\":\"diagnosis\"" "$T_TMP/a.out")" -ge 36 ]' 15
sleep 1.5       # two more spool retries: nothing else may happen
is "$(grep -c '"type":"diagnosis"' "$T_TMP/a.out")" 36 \
	"100 incidents, the spool full: 64 held in memory, the 36 oldest diagnosed at once"
is "$(jget 'r["title"]' <"$T_TMP/a.out" | tr '\n' ' ')" \
	"$(python3 -c 'print("".join("x%s%s failed " % (chr(97 + i // 26), chr(97 + i % 26)) for i in range(36)))')" \
	"the oldest ones, in order"
is "$(wc -l <"$T_TMP/a.dg.err" | tr -d ' ')" 1 "one line on stderr about it"
like "$(cat "$T_TMP/a.dg.err")" "^diagnose: spool $FULL/dg/spool/i_[0-9a-f]{16}\.json: (No space left on device|File too large): holding incidents in memory only \(at most 64; past that the oldest is diagnosed early\) until the spool can be written; a kill would lose them$" \
	"naming the spool, the error and the bound"
is "$(ls "$FULL/dg/spool" | wc -l | tr -d ' ')" 0 "nothing in the spool"
t0=$(date +%s%N)
full_off "$DG"
wait_grep "$T_TMP/a.dg.err" "writable again" 5
ok $? "space is back: it says so"
wait_until '[ "$(ls "$FULL/dg/spool" | wc -l)" -eq 64 ]' 5
ok $? "and the 64 incidents held in memory are in the spool"
echo "# spool writable again: the 64 held incidents on disk $((($(date +%s%N) - t0) / 1000000)) ms later"
kill -TERM "$FT"
pl_wait "$FT" 10
pl_wait "$DG" 20
is "$PL_RC" 0 "at end of input: exit 0"
is "$(jget 'r["title"]' <"$T_TMP/a.out" | sort | uniq -c | awk '$1 != 1' | wc -l | tr -d ' '):$(grep -c '"type":"diagnosis"' "$T_TMP/a.out")" \
	"0:100" "each of the 100 incidents diagnosed once"
is "$(ls "$FULL/dg/spool" | wc -l | tr -d ' ')" 0 "the spool is empty"
is "$(wc -l <"$T_TMP/a.dg.err" | tr -d ' ')" 2 "two lines on stderr in all"

# --- remediate: its audit log on the full disk ---------------------------
rm -rf "$FULL/dg"
mkdir -p "$FULL/rm"
pipeline() { # the whole pipeline, remediate's audit log on $FULL
	mkfifo "$T_TMP/b1.$1" "$T_TMP/b2.$1" "$T_TMP/b3.$1" "$T_TMP/b4.$1"
	"$BIN/fly-tail" --nats "$NATS_URL" --api --api-url "$API_URL" -a shop \
		--state "$T_TMP/ft" --since "$FSTART" --replay 5s --stall 0 -v \
		>"$T_TMP/b1.$1" 2>>"$T_TMP/b.ft.err" &
	FT=$!
	"$BIN/crashgrep" --no-builtin -r "$FRULES" <"$T_TMP/b1.$1" >"$T_TMP/b2.$1" &
	CG=$!
	"$BIN/diagnose" --state "$T_TMP/dg" --window 200ms <"$T_TMP/b2.$1" >"$T_TMP/b3.$1" 2>/dev/null &
	DG=$!
	"$BIN/remediate" --machines-url "$API_URL" --state "$T_TMP/rmstate" \
		--audit "$FULL/rm/audit" --policy "$FPOLICY" --apply <"$T_TMP/b3.$1" \
		>"$T_TMP/b4.$1" 2>"$T_TMP/b.err.$1" &
	RM=$!
	cat <"$T_TMP/b4.$1" >>"$T_TMP/b.out" &
	T_PIDS="$T_PIDS $FT $CG $DG $RM"
	wait_until "[ \"\$(grep -c subscribed \"$T_TMP/b.ft.err\")\" -ge $1 ]" 10
}
# the disk is full when the pipeline starts (where there is no tmpfs, a
# file size limit is put on remediate)
[ "$MODE" = tmpfs ] && full_on
pipeline 1
[ "$MODE" = fsize ] && full_on "$RM"
N=$(api_lines)
publish 2 >/dev/null
pl_wait "$RM" 10
is "$PL_RC" 74 "the audit log cannot take the record: remediate stops with 74"
like "$(cat "$T_TMP/b.err.1")" "^remediate: $FULL/rm/audit: (No space left on device|File too large): no room for the record of machine\.restart on machine $(mid 2), so it was not done: stopped; nothing more is done" \
	"and says why, naming the audit log and the repair not done"
is "$(mutations $((N + 1)))" "" "no change reached the Machines API"
# the rest of the pipeline is stopped as a supervisor would
kill -TERM "$FT"
for p in $FT $CG $DG; do pl_wait "$p" 10; echo "$PL_RC"; done >"$T_TMP/b.rc"
like "$(tr '\n' ' ' <"$T_TMP/b.rc")" "^((0|141) ){3}$" "fly-tail, crashgrep, diagnose end with 0 or 141"
[ "$MODE" = tmpfs ] && full_off
pipeline 2
wait_grep "$FULL/rm/audit" "\"machine\":\"$(mid 2)\"" 15
ok $? "space is back, the pipeline restarted (fly-tail --replay): the repair is decided"
kill -TERM "$FT"
pl_wait "$RM" 20
is "$PL_RC" 0 "and remediate ends with 0"
is "$(jget 'r["machine"] + " " + r["status"] if r["action"] == "machine.restart" and r["status"] != "skipped" else None' <"$FULL/rm/audit" | tr '\n' ',')" \
	"$(mid 2) applied," "the audit log: the repair once, applied"
is "$(mutations | grep -c /restart)" 1 "one restart reached the Machines API"

# both the state and the audit log on the full disk: the same refusal
mkdir -p "$FULL/rm2"
d3=$(diag i_full3 shop f_00000000000000f3 "\"$(mid 3)\"" "[{\"action\":\"machine.restart\",\"machine\":\"$(mid 3)\"}]")
[ "$MODE" = tmpfs ] && full_on
N=$(api_lines)
echo "$d3" | (
	[ "$MODE" = fsize ] && ulimit -f 1
	exec "$BIN/remediate" --machines-url "$API_URL" --state "$FULL/rm2" \
		--audit "$FULL/rm2/audit" --policy "$FPOLICY" --apply 2>"$T_TMP/c.err"
) | cat >"$T_TMP/c.out"
is "${PIPESTATUS[1]}" 74 "state and audit log on the full disk: 74"
like "$(cat "$T_TMP/c.err")" "^remediate: $FULL/rm2/audit: (No space left on device|File too large): no room for the record of machine\.restart on machine $(mid 3), so it was not done" \
	"the audit log is named"
is "$(mutations $((N + 1)))" "" "no change reached the Machines API"
[ "$MODE" = tmpfs ] && full_off
done_testing

#!/bin/bash
# SIGPIPE and EPIPE on every stage of the whole pipeline, in one place:
#   fly-tail (a real nats-server) | crashgrep | diagnose | remediate --apply
# cut after each stage by `head -c 100`. STYLE.md: a stage whose reader
# went away ends with 141 and says nothing. fly-tail (a source) and
# crashgrep (which drops most lines, so its next write may never come)
# end as soon as their reader is gone; diagnose and remediate at their
# next write (diagnose spools what it reads meanwhile, remediate records
# what it does): so the whole pipeline unwinds with at most one more
# crash per such stage. And each stage with its stdout on /dev/full says
# one line and ends with 74, without losing what its --state holds.
. "$TOP/tests/lib.sh"
. "$TOP/tests/lib-fly.sh"
. "$TOP/tests/t/remediate-lib.sh"
. "$TOP/tests/t/faults-lib.sh"
cd "${T_TMP:?}" || exit 1

start_nats || exit 1
rm_start_api --app shop || exit 1
fault_fleet 12
names=(fly-tail crashgrep diagnose remediate)

# cut N: the first N stages, then head -c 100; publish until head has
# its 100 bytes; then every stage must end, quietly, with 141; another
# crash is published while some are left after 2 s (at most WANT)
cut() {
	local n=$1 want=$2 f=$T_TMP/cut$1 pids=() i k=$(($1 * 3 - 2)) more=0
	mkfifo "$f.0" "$f.1" "$f.2" "$f.3"
	"$BIN/fly-tail" --nats "$NATS_URL" -a shop --stall 0 >"$f.0" 2>"$f.err0" &
	pids+=($!)
	[ "$n" -ge 2 ] && { "$BIN/crashgrep" --no-builtin -r "$FRULES" <"$f.0" >"$f.1" 2>"$f.err1" & pids+=($!); }
	[ "$n" -ge 3 ] && { "$BIN/diagnose" --state "$f.dg" --window 100ms <"$f.1" >"$f.2" 2>"$f.err2" & pids+=($!); }
	[ "$n" -ge 4 ] && { "$BIN/remediate" --machines-url "$API_URL" --state "$f.st" \
		--audit "$f.audit" --policy "$FPOLICY" --apply <"$f.2" >"$f.3" 2>"$f.err3" & pids+=($!); }
	head -c 100 <"$f.$((n - 1))" >"$f.head" &
	local hp=$!
	# fly-tail subscribes in the background: publish until head is done
	for i in 1 2 3 4 5 6 7 8 9 10; do
		publish $((k + i % 3)) >/dev/null 2>&1
		kill -0 "$hp" 2>/dev/null || break
		sleep 0.3
	done
	wait "$hp"
	t0=$(date +%s%N)
	alive() { for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
	while ! wait_until '! alive' 2 && [ $more -lt 4 ]; do
		more=$((more + 1))
		publish $((k + 2 + more)) >/dev/null 2>&1
	done
	for i in $(seq 0 $((n - 1))); do
		pl_wait "${pids[$i]}" 5
		echo "${names[$i]}:$PL_RC"
	done >"$f.rc"
	ms=$((($(date +%s%N) - t0) / 1000000))
	is "$(wc -c <"$f.head" | tr -d ' ')" 100 "| head -c 100 after ${names[$((n - 1))]}: head got its 100 bytes"
	is "$(tr '\n' ' ' <"$f.rc")" "$(for i in $(seq 0 $((n - 1))); do printf '%s:141 ' "${names[$i]}"; done)" \
		"every stage up to ${names[$((n - 1))]} ends with 141 (SIGPIPE)"
	is "$(cat "$f".err*)" "" "and says nothing"
	ok "$([ "$more" -le "$want" ]; echo $?)" "with at most $want more crash(es) published after head left ($more)"
	echo "# cut after ${names[$((n - 1))]}: all $n stages ended ${ms} ms after head, $more more crash(es) needed"
}
cut 1 0
cut 2 0
cut 3 1
cut 4 2

# --- stdout on /dev/full ----------------------------------------------------
"$BIN/fly-tail" --nats "$NATS_URL" -a shop --stall 0 >/dev/full 2>"$T_TMP/full.err0" &
fp=$!
for i in 1 2 3 4 5 6 7 8 9 10; do
	publish 1 >/dev/null 2>&1
	kill -0 "$fp" 2>/dev/null || break
	sleep 0.3
done
pl_wait "$fp" 5
is "$PL_RC" 74 "fly-tail >/dev/full: 74"
like "$(cat "$T_TMP/full.err0")" '^fly-tail: write error on stdout: No space left on device$' "fly-tail >/dev/full: one line naming the error"

crash_lines() { # the log records of scenarios $@, as fly-tail writes them
	for k in "$@"; do
		printf '{"type":"log","ts":"2026-11-28T03:45:1%d.000Z","app":"shop","region":"iad","instance":"%s","msg":"FAULT %s failed"}\n' \
			"$k" "$(mid "$k")" "$(word "$k")"
	done
}
crash_lines 1 2 | "$BIN/crashgrep" --no-builtin -r "$FRULES" >/dev/full 2>"$T_TMP/full.err1"
is "$?" 74 "crashgrep >/dev/full: 74"
like "$(cat "$T_TMP/full.err1")" '^crashgrep: write error on stdout: No space left on device$' "crashgrep >/dev/full: one line"

crash_lines 4 5 | "$BIN/crashgrep" --no-builtin -r "$FRULES" >"$T_TMP/crashes"
"$BIN/diagnose" --state "$T_TMP/dgfull" <"$T_TMP/crashes" >/dev/full 2>"$T_TMP/full.err2"
is "$?" 74 "diagnose >/dev/full: 74"
like "$(cat "$T_TMP/full.err2")" '^diagnose: write error on stdout: No space left on device$' "diagnose >/dev/full: one line"
is "$(ls "$T_TMP/dgfull/spool" | wc -l | tr -d ' ')" 2 "the two incidents stay in the spool"
"$BIN/diagnose" --state "$T_TMP/dgfull" </dev/null >"$T_TMP/diags" 2>"$T_TMP/err"
is "$(jget 'r["title"]' <"$T_TMP/diags" | tr '\n' ' ')" "$(word 4) failed $(word 5) failed " "and the next run diagnoses them"

N=$(api_lines)
head -1 "$T_TMP/diags" | "$BIN/remediate" --machines-url "$API_URL" --state "$T_TMP/rmfull" \
	--audit "$T_TMP/rmfull.audit" --policy "$FPOLICY" --apply >/dev/full 2>"$T_TMP/full.err3"
is "$?" 74 "remediate --apply >/dev/full: 74"
like "$(cat "$T_TMP/full.err3")" '^remediate: write error on stdout: No space left on device$' "remediate >/dev/full: one line"
is "$(jget 'r["status"] + " " + r["machine"]' <"$T_TMP/rmfull.audit")" "applied $(mid 4)" "the repair is in the audit log"
head -1 "$T_TMP/diags" | "$BIN/remediate" --machines-url "$API_URL" --state "$T_TMP/rmfull" \
	--audit "$T_TMP/rmfull.audit" --policy "$FPOLICY" --apply >/dev/null 2>&1
is "$(mutations $((N + 1)) | grep -c /restart)" 1 "and a second run does not repeat it"
done_testing

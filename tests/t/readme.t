#!/bin/bash
# Every command in README.md runs here, so the README cannot rot (issue 7).
# tests/readme.py extracts them by the convention stated at the top of
# README.md's source (indented blocks are commands; `<!-- not a command -->`
# and `<!-- file: NAME -->` mark the others) and says what each one's
# output must hold; this script builds a sandbox in which they work offline
# and on loopback only, runs them, and checks:
#
#   - a scratch working directory W with the checkout's contrib/ and rules/
#     (symbolic links) and the README's file blocks (app.log, shop.rules);
#     `make` lines run in the checkout (make demo with DEMO_DIR in the
#     sandbox; make install with DESTDIR in the sandbox and a copy of the
#     object tree, so the checkout's build is not touched; both use bin/,
#     so the run for the sanitizer build skips them); `make check` is not
#     run: this test is part of it (reported as a skip);
#   - a scratch HOME: ~/src/shop is a git checkout of a small Go app whose
#     `origin` is a bare repository in the sandbox; each command gets its
#     own XDG_STATE_HOME, as on a fresh machine;
#   - PATH: the programs under test ($BIN), then tests/stub/fly (flyctl's
#     stand-in: `fly logs -a shop` prints contrib/samples/shop.log, the
#     deployment commands are checked against each other);
#   - SELFHEAL_CONFIG: a configuration file (docs/config.md) pointing
#     fly-tail's log API and Machines API and remediate's Machines API at
#     tests/server/flyapi.py (the samples' machines), diagnose at
#     tests/server/llm.py (its answer proposes a patch to ~/src/shop), and
#     remediate at tests/server/github.py (acme/shop, the bare remote);
#     fly-tail polls machine events every second (instead of 15 s), so an
#     exit fed in shows within the test's time;
#   - environment: FLY_API_TOKEN, OPENAI_API_KEY and ANTHROPIC_API_KEY
#     (the fake LLM's key), GITHUB_TOKEN, SELFHEAL_NOTIFY_URL
#     (tests/server/webhook.py);
#   - two rewrites of a command's text: fly-tail reading NATS (no --api,
#     -F or file) gets `--nats URL` of a local nats-server, standing for
#     the default nats://[fdaa::3]:4223 of Fly's private network (not
#     `nats =` in the configuration: a NATS URL given in any way makes
#     fly-tail subscribe beside files and the log API too, and
#     `fly logs -a shop | fly-tail --app shop -` would never end); and
#     http://127.0.0.1:11434 (Ollama's address) becomes the fake LLM's.
#
# Commands that run until stopped (fly-tail live, -F) start first, side by
# side; they are fed (a Go panic from the shop sample published on NATS, a
# line posted to the log API, a machine exit event, a line appended to the
# followed file), must still be running after FOLLOW_SECS, and once
# stopped (SIGTERM to fly-tail, the rest drain) must exit 0 with what was
# fed in at the end of their pipeline. The others run one after another
# meanwhile and must exit 0, every stage of a pipeline (pipefail).
. "$TOP/tests/lib.sh"
cd "${T_TMP:?lib.sh not loaded}" || exit 1
. "$TOP/tests/lib-fly.sh"
# servers are started with "$PY" itself, never through a shell function,
# so that $! is theirs and the cleanup stops them
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
unset SELFHEAL_LLM_KEY SELFHEAL_LLM_MODEL SELFHEAL_MACHINES_URL \
	FLY_FLAPS_BASE_URL SELFHEAL_NOTIFY_URL FLY_ACCESS_TOKEN XDG_STATE_HOME \
	XDG_CONFIG_HOME GIT_DIR GIT_WORK_TREE
# long enough for a crash fed in to close its incident (diagnose's window,
# 10 s of quiet on a live stream) and reach remediate
FOLLOW_SECS=20
is_san "$BIN/crashgrep" && FOLLOW_SECS=26
M1=148ed193b95e89
M2=e784e677f26d58
M3=91857e2fc03d68

# --- the commands
X=$T_TMP/x
python3 "$TOP/tests/readme.py" "$TOP/README.md" "$X" 2>extract.err
is "$?" 0 "README.md: every code block follows the convention at its top"
sed 's/^/# /' extract.err
[ -s "$X/index" ] || { done_testing; exit 1; }

# --- the working directory and HOME
W=$T_TMP/w
H=$T_TMP/home
REMOTE=$T_TMP/remote/shop.git
mkdir -p "$W" "$H/src" "$T_TMP/remote" "$T_TMP/state"
ln -s "$TOP/contrib" "$W/contrib"
ln -s "$TOP/rules" "$W/rules"
cp "$X"/files/* "$W/" 2>/dev/null
export HOME=$H
git config --global user.name "Shop Developer"
git config --global user.email dev@shop.test
git config --global init.defaultBranch main
git init -q --bare "$REMOTE"
S=$H/src/shop
mkdir -p "$S/internal/pricing"
printf 'module github.com/acme/shop\n\ngo 1.22\n' >"$S/go.mod"
cat >"$S/internal/pricing/sync.go" <<'EOF'
package pricing

// Sync applies a price list to the catalog.
type Sync struct{ prices []int }

func (s *Sync) apply(i int) int {
	return s.prices[i]
}
EOF
(cd "$S" && git init -q && git add -A && git commit -q -m "shop" &&
	git remote add origin "$REMOTE" && git push -q origin main) ||
	{ echo "# cannot make ~/src/shop"; exit 1; }
# the fix the fake LLM proposes: a bounds check
sed 's/^\treturn s.prices\[i\]$/\tif i < 0 || i >= len(s.prices) {\n\t\treturn 0\n\t}\n\treturn s.prices[i]/' \
	"$S/internal/pricing/sync.go" >sync.go.new
(cd "$S" && diff -u internal/pricing/sync.go "$T_TMP/sync.go.new" |
	sed -e '1s|^--- .*|--- a/internal/pricing/sync.go|' \
	    -e '2s|^+++ .*|+++ b/internal/pricing/sync.go|') >fix.diff

# --- the stand-ins
NATS_MON=$(free_port)   # its monitoring port: who subscribed
start_nats -m "$NATS_MON" || exit 1
start_flyapi || exit 1
fleet() { # fleet [EXTRA-EVENT-ON-M2]: the samples' machines (as make demo has them)
	python3 - "$API_URL" "${1:-}" <<'EOF'
import json, sys, urllib.request
api, extra = sys.argv[1], sys.argv[2]
def m(mid, state, app, events=None):
    return {"id": mid, "name": app + "-" + mid[:4], "state": state, "region": "iad",
            "instance_id": "01INST" + mid, "version": "01VER" + mid,
            "config": {"image": "registry.fly.io/%s:deployment-42" % app,
                       "guest": {"cpu_kind": "shared", "cpus": 1, "memory_mb": 256},
                       "restart": {"policy": "on-failure", "max_retries": 10}},
            "events": events or [], "checks": [{"name": "http", "status": "passing"}]}
def exit_ev(i, ts, code, oom, restarting, count):
    return {"id": "ev%d" % i, "type": "exit", "status": "stopped", "source": "flyd",
            "timestamp": ts, "request": {"exit_event": {"exit_code": code,
            "oom_killed": oom, "requested_stop": False, "restarting": restarting},
            "restart_count": count}}
m2ev = [exit_ev(2, -1, 137, True, True, 1)] if extra else []
fleet = {"shop": [m("148ed193b95e89", "started", "shop"),
                  m("e784e677f26d58", "started", "shop", m2ev),
                  m("91857e2fc03d68", "stopped", "shop",
                    [exit_ev(1, 1795837961000, 1, False, False, 10)])],
         "worker": [m("683d92dce34dd8", "started", "worker"),
                    m("4d891de5a23e87", "started", "worker"),
                    m("1781e56c4d3e08", "started", "worker")]}
for app, ms in fleet.items():
    r = urllib.request.Request(api + "/_ctl/machines?app=" + app,
                               data=json.dumps(ms).encode(), method="POST")
    urllib.request.urlopen(r).read()
EOF
}
fleet || exit 1
# the log API knows the app by its lines: one from ten minutes ago
ctl "/_ctl/logs?app=shop" "[{\"timestamp\": -600000, \"message\": \"GET /healthz 200\", \"instance\": \"$M1\", \"region\": \"iad\"}]"
LLM_KEY=sk-readme-ZQX0123456789abcdefghijklmnopqrstuvwx
python3 - "$T_TMP/fix.diff" >llm.json <<'EOF'
import json, sys
diff = open(sys.argv[1]).read()
print(json.dumps({"default": {"json": {
    "summary": "index out of range in the pricing sync",
    "root_cause": "Sync.apply indexes the price list without a bounds check.",
    "confidence": 0.8, "category": "panic",
    "evidence": ["panic: runtime error: index out of range [5] with length 3"],
    "actions": [{"action": "machine.restart", "reason": "serve again"},
                {"action": "github.pr", "reason": "check the index"}],
    "patch": {"title": "pricing: check the index in Sync.apply",
              "body": "Return 0 for an index outside the price list.",
              "diff": diff}}}}))
EOF
"$PY" "$TOP/tests/server/llm.py" --port-file llm.port --log llm.log \
	--script llm.json --key "$LLM_KEY" >/dev/null 2>llm.err &
T_PIDS="$T_PIDS $!"
GH_TOKEN=ghp_READMEfake0123456789abcdefghijklmnopq
"$PY" "$TOP/tests/server/github.py" --port-file gh.port --log gh.log \
	--token "$GH_TOKEN" --repo acme/shop --git-dir "$REMOTE" >/dev/null 2>gh.err &
T_PIDS="$T_PIDS $!"
"$PY" "$TOP/tests/server/webhook.py" --port-file hook.port --log hook.log \
	>/dev/null 2>hook.err &
T_PIDS="$T_PIDS $!"
for f in llm.port gh.port hook.port; do
	i=0
	while [ ! -s "$f" ]; do
		i=$((i + 1)); [ $i -gt 200 ] && { echo "# no $f"; exit 1; }
		sleep 0.05
	done
done
LLM_BASE=http://127.0.0.1:$(cat llm.port)
GH_URL=http://127.0.0.1:$(cat gh.port)
HOOK_URL=http://127.0.0.1:$(cat hook.port)/services/T000/B000/readme

cat >selfheal.conf <<EOF
# the sandbox of tests/t/readme.t: every service a stand-in on loopback
[fly-tail]
api-url = $API_URL
machines-url = $API_URL
events-interval = 1s

[diagnose]
llm-url = $LLM_BASE/v1

[remediate]
machines-url = $API_URL
github-url = $GH_URL
github-repo = acme/shop
EOF
chmod 644 selfheal.conf
export SELFHEAL_CONFIG=$T_TMP/selfheal.conf
export PATH="$BIN:$TOP/tests/stub:$PATH"
export OPENAI_API_KEY=$LLM_KEY ANTHROPIC_API_KEY=$LLM_KEY GITHUB_TOKEN=$GH_TOKEN
export SELFHEAL_NOTIFY_URL=$HOOK_URL
export DEMO_DIR=$T_TMP/demo DESTDIR=$T_TMP/dest
export W REMOTE FLEET="$M1,$M2,$M3"

# the command as run: the two rewrites (see the top)
run_text() { # run_text N MODE
	t=$(cat "$X/$1.cmd")
	[ "$2" = nats ] && t=${t/fly-tail/fly-tail --nats $NATS_URL}
	# pipefail: every stage of a pipeline must end well, not only the last
	printf 'set -o pipefail\n%s\n' "${t//http:\/\/127.0.0.1:11434/$LLM_BASE}"
}
name() { # the command on one line, for the test's name
	tr '\n' ' ' <"$X/$1.cmd" | sed 's/\\ / /g' | tr -s ' ' | sed 's/ $//'
}
# verdict N WANT-RC FILE CHECKS: one test: exit status, then every check
verdict() {
	n=$1 want=$2 out=$3
	shift 3
	rc=$(cat "$n.rc")
	why=
	[ "$rc" = "$want" ] || why="exit status $rc, want $want"
	if [ -z "$why" ]; then
		why=$(python3 "$TOP/tests/readme.py" check "$out" "$@") ||
			[ -n "$why" ] || why="checks $*: the checker failed"
	fi
	line=$(cut -f2 "$X/index" | sed -n "${n}p")
	T_N=$((T_N + 1))
	if [ -z "$why" ]; then
		echo "ok $T_N - README.md:$line: $(name "$n")"
	else
		echo "not ok $T_N - README.md:$line: $(name "$n")"
		T_FAIL=$((T_FAIL + 1))
		echo "#   $why"
		sed 's/^/#   stderr: /' "$n.err" | tail -n 8
	fi
}

# --- 1. the commands that run until stopped, side by side
nats_n=0
while IFS="$(printf '\t')" read -r n line mode feeds out checks; do
	[ "$mode" = follow ] || continue
	case ",$feeds," in *,nats,*) nats_n=$((nats_n + 1)); rw=nats ;; *) rw=- ;; esac
	run_text "$n" "$rw" >"$n.run"
	mkdir -p "$T_TMP/state/$n"
	(cd "$W" && XDG_STATE_HOME=$T_TMP/state/$n exec bash "$T_TMP/$n.run" \
		>"$T_TMP/$n.out" 2>"$T_TMP/$n.err" </dev/null) &
	echo $! >"$n.pid"
	T_PIDS="$T_PIDS $!"
done <"$X/index"
t_follow=$(date +%s)

# feed them: a Go panic from the shop sample on NATS once every fly-tail
# on NATS subscribed (nats-server's monitoring port says), a line to the
# log API and an exit event of M2 once fly-tail --api had its first look
subscribed() {
	python3 - "$NATS_MON" <<'EOF'
import json, sys, urllib.request
c = json.load(urllib.request.urlopen("http://127.0.0.1:%s/connz?subs=1" % sys.argv[1]))
print(sum(1 for x in c.get("connections", [])
          if any(s.startswith("logs.shop") for s in x.get("subscriptions_list", []))))
EOF
}
i=0
while [ "$(subscribed 2>/dev/null || echo 0)" -lt "$nats_n" ]; do
	i=$((i + 1)); [ $i -gt 400 ] && { echo "# fly-tail did not subscribe"; break; }
	sleep 0.05
done
export FED_NATS=$M1
python3 - "$NATS_URL" "$TOP/contrib/samples/shop.log" 74 110 <<'EOF'
import json, re, sys
sys.path.insert(0, sys.argv[2].rsplit("/contrib/", 1)[0] + "/tests")
from natspub import Nats, ts_now
nc = Nats(sys.argv[1])
lines = open(sys.argv[2]).read().split("\n")[int(sys.argv[3]) - 1:int(sys.argv[4])]
for l in lines:
    m = re.match(r"^\S+ (\w+)\[(\w+)\] (\w+) \[(\w+)\](.*)$", l)
    prov, inst, reg, lvl, msg = m.groups()
    body = {"event": {"provider": prov}, "fly": {"app": {"instance": inst, "name": "shop"},
            "region": reg}, "host": "0ad1", "log": {"level": lvl}, "message": msg,
            "timestamp": ts_now()}
    nc.pub("logs.shop.%s.%s" % (reg, inst), json.dumps(body))
nc.close()
EOF
export FED_FILE_APP_LOG="appended by tests/t/readme.t"
echo "2026-11-28T04:13:00Z GET /healthz 200 1ms ($FED_FILE_APP_LOG)" >>"$W/app.log"
sleep 1.5
export FED_API="posted to the log API by tests/t/readme.t" FED_EVENTS=$M2
ctl "/_ctl/logs?app=shop" "[{\"timestamp\": -1, \"message\": \"$FED_API\", \"instance\": \"$M1\", \"region\": \"iad\"}]"
fleet with-exit

# --- 2. the others, one after another
while IFS="$(printf '\t')" read -r n line mode feeds out checks; do
	case $mode in
	follow) continue ;;
	covered)
		T_N=$((T_N + 1))
		echo "ok $T_N - README.md:$line: $(name "$n") # SKIP this test is part of make check"
		continue ;;
	make)
		# make demo and make install use the checkout's bin/ whatever
		# BIN is: the run of this test for bin/ covers them
		if [ "$(cd "$BIN" && pwd)" != "$(cd "$TOP/bin" && pwd)" ]; then
			T_N=$((T_N + 1))
			echo "ok $T_N - README.md:$line: $(name "$n") # SKIP it uses bin/, not $BIN: the run for bin/ covers it"
			continue
		fi ;;
	esac
	run_text "$n" - >"$n.run"
	mkdir -p "$T_TMP/state/$n"
	if [ "$mode" = make ]; then
		# make install: a copy of the object tree (as tests/t/install.t)
		mkdir -p obj objbin
		for d in src cmd libselfheal.a sharedir.stamp; do
			[ -e "$TOP/build/$d" ] && [ ! -e "obj/$d" ] && cp -a "$TOP/build/$d" obj/
		done
		[ -e objbin/crashgrep ] || cp -a "$TOP/bin/." objbin/
		(cd "$TOP" && O=$T_TMP/obj B=$T_TMP/objbin XDG_STATE_HOME=$T_TMP/state/$n \
			timeout 120 bash "$T_TMP/$n.run" >"$T_TMP/$n.out" 2>"$T_TMP/$n.err" </dev/null
		 echo $? >"$T_TMP/$n.rc")
	else
		(cd "$W" && XDG_STATE_HOME=$T_TMP/state/$n timeout 60 bash "$T_TMP/$n.run" \
			>"$T_TMP/$n.out" 2>"$T_TMP/$n.err" </dev/null; echo $? >"$T_TMP/$n.rc")
	fi
	f=$T_TMP/$n.out
	[ "$out" != - ] && f=$W/$out
	# shellcheck disable=SC2086
	verdict "$n" 0 "$f" $checks
done <"$X/index"

# --- 3. the followers: at the deadline each must still be running; it is
# then stopped as contrib/selfheal-pipeline and supervisors stop it:
# SIGTERM to fly-tail alone, the stages after it drain their input and end,
# and the pipeline must exit 0 (pipefail: every stage). (Not timeout(1):
# its SIGTERM to the whole process group twice left the sanitizer build's
# diagnose and remediate spinning in LeakSanitizer's check at exit.)
left=$((FOLLOW_SECS - ($(date +%s) - t_follow)))
[ "$left" -gt 0 ] && sleep "$left"
while IFS="$(printf '\t')" read -r n line mode feeds out checks; do
	[ "$mode" = follow ] || continue
	pid=$(cat "$n.pid")
	if ! kill -0 "$pid" 2>/dev/null; then
		wait "$pid"
		echo "ended by itself with status $? before ${FOLLOW_SECS}s" >"$n.rc"
	else
		ft=$(ps -o pid=,comm= --ppid "$pid" | awk '$2 == "fly-tail" { print $1 }')
		[ "$(ps -o comm= -p "$pid")" = fly-tail ] && ft=$pid
		[ -n "$ft" ] && kill -TERM $ft
		# 20 s to drain (polled here: no watchdog subshell, which a
		# kill right after its fork could catch still running our traps)
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 400 ]; do
			i=$((i + 1))
			sleep 0.05
			[ -n "$(ps -o stat= -p "$pid" | grep Z)" ] && break
		done
		kill -0 "$pid" 2>/dev/null && [ $i -ge 400 ] && kill -KILL "$pid"
		wait "$pid"
		echo $? >"$n.rc"
		[ -n "$ft" ] || echo "no fly-tail process to stop" >"$n.rc"
	fi
	# reaped: its number may be reused, so the cleanup must not kill it
	T_PIDS=$(echo " $T_PIDS " | sed "s/ $pid / /")
	# shellcheck disable=SC2086
	verdict "$n" 0 "$T_TMP/$n.out" $checks
done <"$X/index"

# the token of the sandbox's Fly never shows
no_token "$T_TMP"/*.out "$T_TMP"/*.err
ok $? "no output shows the Fly token"
done_testing

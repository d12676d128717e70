# lib.sh - TAP helpers for tests/t/*.t (sourced; POSIX sh).
# Environment from tests/run.sh: BIN (programs), TOP (checkout).
: "${BIN:?run via tests/run.sh or set BIN}" "${TOP:?}"
export SELFHEAL_RULES="${SELFHEAL_RULES:-$TOP/rules}"
T_N=0
T_FAIL=0
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/selfheal-t.XXXXXX")
T_PIDS=
# kill only what is still ours: a pid that ended may have been reused by
# another test running in parallel (tests/run.sh runs several at once)
t_mine() {
	ps -e -o pid= -o ppid= | awk -v root=$$ '{ par[$1] = $2 }
	END { for (p in par) { q = p; n = 0
		while (q > 1 && n++ < 64) { if (q == root) { print p; break }
			q = par[q] } } }' | tr '\n' ' '
}
t_cleanup() {
	_mine=" $(t_mine) "
	for p in $T_PIDS; do
		case $_mine in *" $p "*) kill "$p" 2>/dev/null ;; esac
	done
	wait 2>/dev/null
	rm -rf "$T_TMP"
}
trap t_cleanup EXIT
trap 'exit 1' INT TERM
plan() { echo "1..$1"; }
ok() { # ok COND-EXIT-CODE DESCRIPTION
	T_N=$((T_N + 1))
	if [ "$1" -eq 0 ]; then echo "ok $T_N - $2"; else
		echo "not ok $T_N - $2"; T_FAIL=$((T_FAIL + 1)); fi
}
is() { # is GOT WANT DESCRIPTION
	T_N=$((T_N + 1))
	if [ "$1" = "$2" ]; then echo "ok $T_N - $3"; else
		echo "not ok $T_N - $3"; echo "#   got:  '$1'"; echo "#   want: '$2'"
		T_FAIL=$((T_FAIL + 1)); fi
}
like() { # like GOT ERE DESCRIPTION
	T_N=$((T_N + 1))
	if printf '%s' "$1" | grep -Eq -- "$2"; then echo "ok $T_N - $3"; else
		echo "not ok $T_N - $3"; echo "#   got:  '$(printf '%s' "$1" | head -c 400)'"
		echo "#   want: /$2/"; T_FAIL=$((T_FAIL + 1)); fi
}
done_testing() { echo "1..$T_N"; [ "$T_FAIL" -eq 0 ]; }
# jq-less field extraction: python3 is a test dependency
jget() { # jget FILTER-EXPR < ndjson : evaluate a python expression per record r
	python3 -c '
import json, sys
expr = sys.argv[1]
for line in sys.stdin:
    line = line.strip()
    if not line: continue
    r = json.loads(line)
    v = eval(expr, {"r": r})
    if v is None: continue
    print(v if isinstance(v, str) else json.dumps(v))
' "$1"
}
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# start_nats: starts nats-server on a free loopback port; sets NATS_URL
start_nats() {
	NATS_PORT=$(free_port)
	nats-server -a 127.0.0.1 -p "$NATS_PORT" "$@" >"$T_TMP/nats.log" 2>&1 &
	NATS_PID=$!
	T_PIDS="$T_PIDS $NATS_PID"
	NATS_URL="nats://127.0.0.1:$NATS_PORT"
	i=0
	while ! (echo >"/dev/tcp/127.0.0.1/$NATS_PORT") 2>/dev/null; do
		i=$((i + 1)); [ $i -gt 100 ] && { echo "# nats-server did not start"; return 1; }
		sleep 0.05
	done
}

# wait_port FILE WHAT: wait (5 s at most) for a fake server to write its
# port to FILE; says "WHAT did not start" and fails otherwise
wait_port() {
	_i=0
	while [ ! -s "$1" ]; do
		_i=$((_i + 1))
		[ $_i -gt 250 ] && { echo "# $2 did not start"; return 1; }
		sleep 0.02
	done
}
# start_github TOKEN GIT-DIR: the fake GitHub (tests/server/github.py) for
# acme/shop with GIT-DIR as its remote, logging to gh.log in the current
# directory; sets GH to its URL
start_github() {
	python3 "$TOP/tests/server/github.py" --port-file gh.port --log gh.log \
		--token "$1" --repo acme/shop --git-dir "$2" >/dev/null 2>gh.err &
	T_PIDS="$T_PIDS $!"
	wait_port gh.port github.py || return 1
	GH="http://127.0.0.1:$(cat gh.port)"
}
# is_san PROG: is PROG built with AddressSanitizer (RSS is not comparable)?
is_san() { ldd "$1" 2>/dev/null | grep -q libasan; }
# run_rss OUT ERR IN CMD...: run CMD with IN on stdin, stdout to OUT,
# stderr to ERR; prints "exit-status peak-rss-kb"
run_rss() {
	python3 - "$@" <<'EOF'
import resource, subprocess, sys
out, err, inp = sys.argv[1:4]
with open(inp, 'rb') as i, open(out, 'wb') as o, open(err, 'wb') as e:
    rc = subprocess.call(sys.argv[4:], stdin=i, stdout=o, stderr=e)
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
EOF
}

#!/bin/sh
# fly-tail-nats.sh - NATS ingestion speed: messages per second from a
# loopback nats-server through fly-tail into NDJSON on stdout (counted by
# a reader on the pipe), next to a plain libnats subscriber that only
# counts (bench/natscount.c). The publisher (bench/natspub.c) sends N
# Fly-format messages (about 260 bytes, 50 machines, 4 regions) on
# logs.shop.<region>.<machine> as fast as the server takes them.
#
# Each round runs the plain subscriber, fly-tail, and fly-tail with a
# token (the back-fill armed, so every line goes through the de-dup
# window); rates are from the first message to the Nth. The rounds are
# interleaved so that load from elsewhere hits all three alike; the
# median of the rounds is reported, with fly-tail as a share of plain.
# Target: at least 70 %.
#
#   bench/fly-tail-nats.sh [N [ROUNDS]]      (default 500000 5)
#
# Needs nats-server and libnats-dev; builds into build/bench. Loopback only.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-500000}
ROUNDS=${2:-5}
B=$TOP/build/bench
FT=${FLY_TAIL:-$TOP/bin/fly-tail}
mkdir -p "$B"
CC=${CC:-cc}
for p in natscount natspub; do
	if [ ! -x "$B/$p" ] || [ "$TOP/bench/$p.c" -nt "$B/$p" ]; then
		# shellcheck disable=SC2046
		$CC -O2 -o "$B/$p" "$TOP/bench/$p.c" $(pkg-config --cflags --libs libnats)
	fi
done
[ -x "$FT" ] || (cd "$TOP" && make --no-print-directory bin/fly-tail >/dev/null)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/fly-tail-bench.XXXXXX")
NATS_PID=
cleanup() {
	[ -n "$NATS_PID" ] && kill "$NATS_PID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# a slow reader must not be cut off by the server during the run
printf 'listen: 127.0.0.1:%s\nmax_pending: 2GB\nwrite_deadline: "60s"\n' "$PORT" >"$TMP/nats.conf"
nats-server -c "$TMP/nats.conf" >"$TMP/nats.log" 2>&1 &
NATS_PID=$!
URL=nats://127.0.0.1:$PORT
i=0
until python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT)).close()" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 100 ] && { echo "nats-server did not start" >&2; exit 1; }
	sleep 0.05
done

rate() { sed -n 's/.*: \([0-9]*\) msgs\/s$/\1/p' "$1"; }

# plain subscriber
run_plain() {
	"$B/natscount" "$URL" 'logs.shop.>' "$N" >"$TMP/plain.out" &
	c=$!
	sleep 0.5
	"$B/natspub" "$URL" "$N" 2>/dev/null
	wait $c || true
	rate "$TMP/plain.out"
}

# fly-tail into a counting reader; $1: extra environment (token or not)
run_ft() {
	rm -f "$TMP/ft.out"
	(env $1 "$FT" --nats "$URL" -a shop --stall 0 --pending "$N" -v \
		--api-url http://127.0.0.1:9 2>"$TMP/ft.err" |
		"$B/natscount" - "$N" >"$TMP/ft.out") &
	i=0
	until grep -q subscribed "$TMP/ft.err" 2>/dev/null; do
		i=$((i + 1)); [ $i -gt 100 ] && break
		sleep 0.05
	done
	"$B/natspub" "$URL" "$N" 2>/dev/null
	i=0
	until [ -s "$TMP/ft.out" ]; do
		i=$((i + 1)); [ $i -gt 600 ] && break
		sleep 0.1
	done
	pkill -TERM -f "fly-tail --nats $URL" 2>/dev/null || true
	wait 2>/dev/null || true
	if grep -q "dropped" "$TMP/ft.err" && ! grep -q " 0 dropped" "$TMP/ft.err"; then
		echo "fly-tail dropped messages: $(grep dropped "$TMP/ft.err")" >&2
	fi
	rate "$TMP/ft.out"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

echo "fly-tail NATS ingestion: $N messages a round, $ROUNDS rounds, $(nproc) CPUs"
: >"$TMP/p"; : >"$TMP/f"; : >"$TMP/d"; : >"$TMP/rf"; : >"$TMP/rd"
r=1
while [ $r -le "$ROUNDS" ]; do
	p=$(run_plain)
	f=$(run_ft "FLY_API_TOKEN=")
	d=$(run_ft "FLY_API_TOKEN=fm2_benchtoken")
	p=${p:-0}; f=${f:-0}; d=${d:-0}
	printf 'round %d: plain %s  fly-tail %s (%s%%)  fly-tail+dedup %s (%s%%) msgs/s\n' \
		"$r" "$p" "$f" "$(awk "BEGIN { printf \"%.0f\", $p ? 100 * $f / $p : 0 }")" \
		"$d" "$(awk "BEGIN { printf \"%.0f\", $p ? 100 * $d / $p : 0 }")"
	echo "$p" >>"$TMP/p"; echo "$f" >>"$TMP/f"; echo "$d" >>"$TMP/d"
	awk "BEGIN { printf \"%.0f\\n\", $p ? 100 * $f / $p : 0 }" >>"$TMP/rf"
	awk "BEGIN { printf \"%.0f\\n\", $p ? 100 * $d / $p : 0 }" >>"$TMP/rd"
	r=$((r + 1))
done
P=$(median <"$TMP/p"); F=$(median <"$TMP/f"); D=$(median <"$TMP/d")
printf 'median rates: plain %s msgs/s, fly-tail %s msgs/s, fly-tail+dedup %s msgs/s\n' "$P" "$F" "$D"
# rounds are interleaved, so a round's ratio compares runs under the same
# load from elsewhere: the median ratio is the figure to quote
printf 'median of per-round ratios: fly-tail %s%%, fly-tail+dedup %s%% of plain (target 70%%)\n' \
	"$(median <"$TMP/rf")" "$(median <"$TMP/rd")"

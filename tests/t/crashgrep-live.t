#!/bin/bash
# crashgrep on a live stream: a crash record comes out within about a
# second of the crash's last line while the writer keeps the pipe open
# (idle, or busy with other machines' lines), at once when the next line
# of the same machine closes it, and on SIGTERM before exiting 0.
. "${TOP:?}/tests/lib.sh" || exit 1
R="$TOP/tests/data/rules"
cd "${T_TMP:?}" || exit 1

# live.py MODE [crashgrep options]: feed a Go panic through a pipe slowly
# and report, in seconds after the crash's last line, when its record came
# out: "delay=S lines=N rc=RC err=BYTES"
cat >live.py <<'EOF'
import json, os, select, signal, subprocess, sys, time
mode, opts = sys.argv[1], sys.argv[2:]
p = subprocess.Popen([os.environ['BIN'] + '/crashgrep'] + opts,
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE)
A, B = '148ed193b95e89', 'e784e677f26d58'
def w(inst, msg):
    t = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())
    p.stdin.write(('%s app[%s] iad [info]%s\n' % (t, inst, msg)).encode())
    p.stdin.flush()
for i in range(3):
    w(A, '2026/11/28 03:45:1%d handled request %d' % (i, i))
crash = ['panic: live and slow', '', 'goroutine 1 [running]:',
         'main.main()', '\t/app/main.go:7 +0x1d']
early = None
for l in crash:
    w(A, l)
    r, _, _ = select.select([p.stdout], [], [], 0.15)
    if r and early is None:
        early = time.monotonic()
end = time.monotonic()
if mode == 'next-line':
    w(A, '2026/11/28 03:45:20 back to normal')
    end = time.monotonic()
if mode == 'sigterm':
    time.sleep(0.2)
    p.send_signal(signal.SIGTERM)
delay, rec = None, None
deadline = end + 5
while time.monotonic() < deadline:
    if mode == 'busy':
        w(B, '2026/11/28 03:45:20 busy traffic from another machine')
    r, _, _ = select.select([p.stdout], [], [], 0.2)
    if r:
        line = p.stdout.readline()
        if line:
            delay = time.monotonic() - end
            rec = json.loads(line)
        break
rc = None
if mode == 'sigterm':
    try:
        rc = p.wait(timeout=2)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = 'hung'
else:
    p.stdin.close()
    rc = p.wait(timeout=10)
err = p.stderr.read()
print('delay=%s lines=%s rc=%s err=%d early=%s' % (
    'none' if delay is None else '%.2f' % delay,
    len(rec['lines']) if rec else 0, rc, len(err),
    'yes' if early is not None else 'no'))
EOF
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
under() { python3 -c "import sys; sys.exit(0 if '$1' != 'none' and float('$1') < $2 else 1)"; }
export BIN

res=$(python3 live.py idle --no-builtin -r "$R")
under "$(field "$res" delay)" 2.5
ok $? "idle writer keeping the pipe open: the record within ~2 s ($res)"
is "$(field "$res" lines)" 5 "idle writer: the crash is whole"
is "$(field "$res" early)" no "idle writer: nothing comes out while the crash is still growing"
is "$(field "$res" rc)" 0 "idle writer: exit 0 at the end"

res=$(python3 live.py busy --no-builtin -r "$R")
under "$(field "$res" delay)" 2.5
ok $? "other machines still logging: the record within ~2 s ($res)"
is "$(field "$res" lines)" 5 "other machines still logging: the crash is whole"

res=$(python3 live.py next-line --no-builtin -r "$R")
under "$(field "$res" delay)" 0.8
ok $? "the next line of the machine closes it: the record at once ($res)"

res=$(python3 live.py idle --idle 300ms --no-builtin -r "$R")
under "$(field "$res" delay)" 1.0
ok $? "--idle 300ms: the record within 1 s ($res)"

res=$(python3 live.py sigterm --no-builtin -r "$R")
is "$(field "$res" rc)" 0 "SIGTERM with a crash open: exit 0 ($res)"
is "$(field "$res" lines)" 5 "SIGTERM with a crash open: the crash is written first"
is "$(field "$res" err)" 0 "SIGTERM: nothing on stderr"

# a FIFO given as a file, written by a shell with pauses
mkfifo fifo
(
	for l in 'panic: through a fifo' '' 'goroutine 1 [running]:' 'main.main()'; do
		printf '%s app[148ed193b95e89] iad [info]%s\n' \
			"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$l"
		sleep 0.1
	done
	date +%s.%N >wrote
	sleep 2.5
) >fifo &
T_PIDS="$T_PIDS $!"
"$BIN/crashgrep" --no-builtin -r "$R" fifo 2>err | {
	IFS= read -r line
	date +%s.%N >seen
	printf '%s\n' "$line" >rec
	cat >/dev/null
}
d=$(python3 -c "print('%.2f' % (float(open('seen').read()) - float(open('wrote').read())))")
under "$d" 2.5
ok $? "a FIFO file argument: the record ${d}s after the crash, writer still there"
is "$(jget 'len(r["lines"])' <rec)" 4 "a FIFO file argument: the crash is whole"
done_testing

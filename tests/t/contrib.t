#!/bin/bash
# contrib/ stays usable: the systemd units verify, the scripts parse and
# selfheal-pipeline behaves (drains on SIGTERM, reports the failed stage,
# passes file names without a shell), the TOML files parse and hang
# together, the example configuration names real options, and every jq
# example of docs/jq.md gives the output the page shows, on records made
# from the bundled samples (the examples are read from the page, so it
# cannot rot).
. "${TOP:?}/tests/lib.sh" || exit 1
C="$TOP/contrib"
cd "${T_TMP:?}" || exit 1

need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	echo "not ok - $1 is missing (mk/deps.sh check installs it)"
	exit 1
}
need jq
need systemd-analyze
need python3

# --- systemd units: verify (the ExecStart path made to exist here)
mkdir units
for u in "$C"/systemd/*.service "$C"/systemd/*.timer; do
	sed "s|/usr/local/bin/selfheal-pipeline|$C/selfheal-pipeline|" "$u" \
		>"units/$(basename "$u")"
done
(cd units && systemd-analyze verify --man=no ./*.service ./*.timer) \
	>verify.out 2>&1
rc=$?
is "$rc" 0 "systemd-analyze verify: exit 0"
is "$(cat verify.out)" "" "systemd-analyze verify: no warning"
for k in DynamicUser=yes ProtectSystem=strict StateDirectory=selfheal \
	NoNewPrivileges=yes PrivateTmp=yes ProtectHome=yes \
	'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' \
	SystemCallFilter=@system-service CapabilityBoundingSet= \
	Restart=on-failure; do
	grep -qx "$k" "$C/systemd/selfheal.service"
	ok $? "selfheal.service: $k"
done
grep -qx 'Unit=selfheal-scan.service' "$C/systemd/selfheal-scan.timer"
ok $? "the timer starts selfheal-scan.service"

# --- shell scripts parse (sh -n; dash too, the strictest /bin/sh here)
scripts=$(grep -rlE '^#!/bin/sh' "$C" | sort)
n=0
for s in $scripts; do
	n=$((n + 1))
	err=$(sh -n "$s" 2>&1)
	is "$?:$err" "0:" "sh -n ${s#"$TOP"/}"
	if command -v dash >/dev/null; then
		dash -n "$s" 2>/dev/null
		ok $? "dash -n ${s#"$TOP"/}"
	fi
done
ok $([ "$n" -ge 10 ]; echo $?) "$n shell scripts found in contrib/"
for s in selfheal-pipeline s6/run s6/log/run runit/run runit/log/run; do
	[ -x "$C/$s" ]
	ok $? "contrib/$s is executable"
done

# --- selfheal-pipeline with stand-in programs
mkdir stub
cat >stub/fly-tail <<'EOF'
#!/bin/sh
trap 'echo "fly-tail: stopped" >&2; exit 0' TERM
[ -n "${STUB_TOK:-}" ] && printf '%s' "${FLY_API_TOKEN:-unset}" >"$STUB_TOK"
i=0
while [ "$i" -lt 3 ]; do echo "line $i"; i=$((i + 1)); done
[ -n "${FT_RC:-}" ] && exit "$FT_RC"
while :; do sleep 0.05; done
EOF
cat >stub/crashgrep <<'EOF'
#!/bin/sh
printf '%s\n' "$@" >"$STUB_ARGS"
[ -n "${CG_RC:-}" ] && exit "$CG_RC"
if [ "${1:-}" = -- ]; then shift; cat -- "$@"; else cat; fi
EOF
printf '#!/bin/sh\nwhile IFS= read -r l; do printf "d: %%s\\n" "$l"; done\n' \
	>stub/diagnose
printf '#!/bin/sh\ncat\n' >stub/remediate
chmod +x stub/*
export SELFHEAL_BIN="$T_TMP/stub" STUB_ARGS="$T_TMP/args"

"$C/selfheal-pipeline" >live.out 2>live.err &
pid=$!
for _ in $(seq 100); do [ "$(wc -l <live.out)" -ge 3 ] && break; sleep 0.05; done
kill -TERM "$pid"
wait "$pid"
is "$?" 0 "pipeline: SIGTERM is a normal stop (exit 0)"
is "$(cat live.out)" "$(printf 'd: line 0\nd: line 1\nd: line 2')" \
	"pipeline: every line went through all the stages"
like "$(cat live.err)" "fly-tail: stopped" "pipeline: the stop went to fly-tail"

FT_RC=75 "$C/selfheal-pipeline" >/dev/null 2>&1
is "$?" 75 "pipeline: fly-tail failing (75) is the pipeline's status"
CG_RC=78 "$C/selfheal-pipeline" >/dev/null 2>&1
is "$?" 78 "pipeline: a reader failing (78) wins over fly-tail's SIGPIPE"

mkdir drop
printf 'one\n' >'drop/a $(touch pwned) `touch pwned2`;.log'
printf 'two\n' >'-n.log'
"$C/selfheal-pipeline" scan drop ./-n.log >scan.out 2>scan.err
is "$?" 0 "scan: exit 0"
is "$(cat scan.out)" "$(printf 'd: one\nd: two')" "scan: the files' lines"
is "$(cat args)" "$(printf -- '--\ndrop/a $(touch pwned) `touch pwned2`;.log\n./-n.log')" \
	"scan: crashgrep gets -- and the file names, verbatim"
ok $([ ! -e pwned ] && [ ! -e pwned2 ] && [ ! -e drop/pwned ]; echo $?) \
	"scan: nothing in a file name was run"
mkdir creds
printf 'tok-from-cred\n' >creds/FLY_API_TOKEN
env -u FLY_API_TOKEN CREDENTIALS_DIRECTORY="$T_TMP/creds" STUB_TOK="$T_TMP/tok" \
	FT_RC=0 "$C/selfheal-pipeline" >/dev/null 2>&1
is "$(cat tok)" tok-from-cred "a systemd credential FLY_API_TOKEN becomes the variable"
FLY_API_TOKEN=from-env CREDENTIALS_DIRECTORY="$T_TMP/creds" STUB_TOK="$T_TMP/tok" \
	FT_RC=0 "$C/selfheal-pipeline" >/dev/null 2>&1
is "$(cat tok)" from-env "an environment variable beats the credential"
"$C/selfheal-pipeline" bogus >/dev/null 2>&1
is "$?" 64 "pipeline: a bad argument is a usage error"
unset SELFHEAL_BIN STUB_ARGS

# --- TOML and the other configurations
for f in fly.toml vector.toml vector-ship.toml; do
	python3 - "$C/$f" <<'EOF'
import sys, tomllib
d = tomllib.load(open(sys.argv[1], "rb"))
if "sources" in d:  # vector: every input names a source or a transform
    known = set(d.get("sources", {})) | set(d.get("transforms", {}))
    for name, t in d.get("transforms", {}).items():
        for r in t.get("route", {}):
            known.add(name + "." + r)
    for kind in ("transforms", "sinks"):
        for name, c in d.get(kind, {}).items():
            for i in c["inputs"]:
                assert i in known, f"{kind}.{name}: unknown input {i}"
else:  # fly.toml: no public service, a config file, a restart policy
    assert "http_service" not in d and "services" not in d
    assert d["files"][0]["guest_path"] == "/etc/selfheal/selfheal.conf"
    assert d["restart"][0]["policy"] == "on-failure"
    assert d["build"]["dockerfile"] == "contrib/Dockerfile"
EOF
	ok $? "contrib/$f parses and hangs together"
done
python3 - "$C/fluent-bit.conf" <<'EOF'
import re, sys
sec = None
secs = []
for n, l in enumerate(open(sys.argv[1]), 1):
    if not l.strip() or l.lstrip().startswith("#"):
        continue
    m = re.match(r"^\[(SERVICE|INPUT|FILTER|OUTPUT|PARSER)\]\s*$", l)
    if m:
        secs.append((m.group(1), {}))
        continue
    m = re.match(r"^    (\S+)\s+(\S.*)$", l)
    assert m and secs, f"line {n}: {l!r}"
    secs[-1][1][m.group(1).lower()] = m.group(2)
for s, kv in secs:
    if s != "SERVICE":
        assert "name" in kv, s
    if s in ("FILTER", "OUTPUT"):
        assert "match" in kv, s
out = [kv for s, kv in secs if s == "OUTPUT"]
assert out[0]["name"] == "stdout" and out[0]["format"] == "json_lines"
EOF
ok $? "contrib/fluent-bit.conf: sections, names and matches"
job=$(grep -vE '^(#|$|[A-Z_]+=)' "$C/cron/selfheal")
like "$job" '^[0-9*/,-]+ [0-9*/,-]+ [0-9*/,-]+ [0-9*/,-]+ [0-9*/,-]+ [a-z]+ ' \
	"cron: five time fields, a user, a command"
ok $(printf '%s' "$job" | grep -q '%'; [ $? -ne 0 ]; echo $?) "cron: no %"

# --- Dockerfile: read carefully, since it cannot be built here
D="$C/Dockerfile"
is "$(grep -c '^FROM debian:bookworm-slim' "$D")" 2 \
	"Dockerfile: two stages on debian:bookworm-slim"
like "$(grep '^USER' "$D")" '^USER selfheal' "Dockerfile: runs as a user"
like "$(cat "$D")" 'make install PREFIX=/usr/local DESTDIR=/out' \
	"Dockerfile: make install into /out"
for f in $(grep -oE 'contrib/[A-Za-z0-9._/-]*[A-Za-z0-9]' "$D" | sort -u); do
	[ -e "$TOP/$f" ]
	ok $? "Dockerfile: $f exists"
done
pkgs=$(sed -n '/^FROM debian:bookworm-slim$/,$p' "$D" |
	grep -oE '\blib[a-z0-9.+-]+[0-9]\b' | sort -u)
# the runtime libraries are what the -dev packages this build needs pull
# in, so dpkg knows them whether or not apt has package lists
for p in $pkgs; do
	case $p in libhyperscan*) [ "$(dpkg --print-architecture)" = amd64 ] || continue ;; esac
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'
	ok $? "Dockerfile: runtime package $p is a Debian package (installed here)"
done

# --- the example configuration names real options
python3 - "$C/selfheal.conf" "$TOP/cmd" <<'EOF' >conf.out
import os, re, sys
opts = {}
for p in ("fly-tail", "crashgrep", "diagnose", "remediate"):
    f = os.path.join(sys.argv[2], p + ".c")
    if os.path.exists(f):
        opts[p] = set(re.findall(r'\{ "([a-z0-9-]+)", (?:no|required|optional)_argument',
                                 open(f).read()))
sec = None
for l in open(sys.argv[1]):
    m = re.match(r"^\[([a-z-]+)\]", l)
    if m:
        sec = m.group(1)
        continue
    m = re.match(r"^#?([a-z][a-z0-9-]*)( = |$)", l.rstrip("\n"))
    if not m or l.startswith("# "):
        continue
    k = m.group(1)
    progs = list(opts) if sec == "global" else [sec]
    for p in progs:
        if p in opts and k not in opts[p]:
            print(f"[{sec}] {k}: {p} has no --{k}")
EOF
is "$(cat conf.out)" "" "contrib/selfheal.conf: every key is an option"

# --- docs/jq.md: run every example on the samples
mkdir jq && ln -s "$C" jq/contrib
python3 - "$TOP/docs/jq.md" "$T_TMP/ex" <<'EOF'
import os, re, sys
os.makedirs(sys.argv[2])
src = open(sys.argv[1]).read()
blocks = list(re.finditer(r"```(\w*)\n(.*?)```\n", src, flags=re.S))
n = 0
for i, b in enumerate(blocks):
    if b.group(1) != "sh":
        continue
    n += 1
    nxt = blocks[i + 1] if i + 1 < len(blocks) else None
    # an output block right after (blank lines only between) makes it an
    # example; otherwise it is a setup step that must succeed
    example = (nxt and nxt.group(1) == "text" and
               src[b.end():nxt.start()].strip() == "")
    p = os.path.join(sys.argv[2], "%03d" % n)
    open(p + ".cmd", "w").write(b.group(2))
    if example:
        open(p + ".want", "w").write(nxt.group(2))
EOF
export PATH="$BIN:$PATH"
nex=0
for c in "$T_TMP"/ex/*.cmd; do
	w=${c%.cmd}.want
	first=$(head -n 1 "$c")
	(cd jq && bash "$c") >"$T_TMP/ex.out" 2>"$T_TMP/ex.err"
	rc=$?
	if [ -f "$w" ]; then
		nex=$((nex + 1))
		cmp -s "$T_TMP/ex.out" "$w"
		ok $? "jq.md: $first"
		cmp -s "$T_TMP/ex.out" "$w" ||
			diff "$w" "$T_TMP/ex.out" | head -n 20 | sed 's/^/#   /'
	else
		is "$rc:$(cat "$T_TMP/ex.err")" "0:" "jq.md setup: $first"
	fi
done
ok $([ "$nex" -ge 25 ]; echo $?) "jq.md: $nex examples checked"
grep -q '"type"' "$T_TMP/jq/crashes.ndjson"
ok $? "jq.md: the sample records exist"

done_testing

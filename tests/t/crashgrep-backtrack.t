#!/bin/bash
# A user rule with catastrophic backtracking (^LOOP (a+)+$ on 'aaaa...b')
# costs one line and a warning, never the stream: the match limit stops
# it, later crashes are still found, and warnings are rate-limited.
. "${TOP:?}/tests/lib.sh" || exit 1
R="$TOP/tests/data/rules"
cd "${T_TMP:?}" || exit 1

cat >evil.rules <<'EOF'
# evil.rules: exponential backtracking on purpose.

rule t.evil
    category  panic
    severity  error
    match     ^LOOP (a+)+$
    continue  ^(x+x+)+$
    cause     A test rule that backtracks.
    actions   notify
    example   LOOP aaaa
    nomatch   LOOP aaab
EOF
FLY='2026-11-28T03:45:13Z app[148ed193b95e89] iad [info]'
python3 - <<'EOF' >evil.log
pre = '2026-11-28T03:45:%02dZ app[148ed193b95e89] iad [info]'
print(pre % 10 + 'LOOP ' + 'a' * 40 + 'b')
print(pre % 11 + 'fatal error: after one evil line')
print(pre % 12 + 'LOOP aaaa')
print(pre % 12 + 'x' * 40 + 'z')
print(pre % 13 + 'fatal error: after the evil continuation')
EOF
start=$(date +%s.%N)
timeout 60 "$BIN/crashgrep" --no-builtin -r evil.rules -r "$R" evil.log >out 2>err
rc=$?
secs=$(python3 -c "print('%.1f' % ($(date +%s.%N) - $start))")
is "$rc" 0 "catastrophic backtracking: exit 0"
ok $(python3 -c "import sys; sys.exit(0 if $secs < 10 else 1)"; echo $?) \
	"catastrophic backtracking: done in ${secs}s"
is "$(jget 'r["rule"] + ": " + r["title"]' <out | tr '\n' '|')" \
	"t.go-fatal: after one evil line|t.evil: LOOP aaaa|t.go-fatal: after the evil continuation|" \
	"catastrophic backtracking: the stream goes on, the crashes around it are found"
is "$(jget 'len(r["lines"])' <out | sed -n 2p)" 1 \
	"a continuation that hits the limit does not join the crash"
like "$(sed -n 1p err)" '^crashgrep: .*LOOP.*(match limit|limit)' \
	"catastrophic backtracking: a warning naming the pattern"
is "$(wc -l <err | tr -d ' ')" 2 "catastrophic backtracking: one warning per line that hit it"

# many such lines: the warnings are rate-limited
python3 - <<'EOF' >many.log
pre = '2026-11-28T03:46:%02dZ app[148ed193b95e89] iad [info]'
for i in range(200):
    print(pre % (i % 60) + 'LOOP ' + 'a' * 30 + 'b')
print(pre % 59 + 'panic: the last line')
EOF
timeout 120 "$BIN/crashgrep" --no-builtin -r evil.rules -r "$R" many.log >out 2>err
is "$?" 0 "200 evil lines: exit 0"
is "$(jget 'r["title"]' <out)" "the last line" "200 evil lines: the crash after them is found"
n=$(wc -l <err | tr -d ' ')
ok $((n < 2 || n > 12)) "200 evil lines: warnings are rate-limited ($n lines)"
like "$(tail -1 err)" 'suppress' "200 evil lines: the last warning says the rest are suppressed"

# a pattern whose backtracking stack grows with the line (the JIT stack or
# depth limit, not the match limit): a 600 KB line costs that line only
cat >deep.rules <<'EOF'
# deep.rules: a stack as deep as the line.

rule t.deep
    category  panic
    severity  error
    match     ^DEEP ((a)|b)+$
    cause     A test rule that needs a deep stack.
    actions   notify
    example   DEEP abab
    nomatch   DEEP abc
EOF
python3 - <<'EOF' >deep.log
pre = '2026-11-28T03:47:%02dZ app[148ed193b95e89] iad [info]'
print(pre % 1 + 'DEEP ' + 'ab' * 300000)
print(pre % 2 + 'DEEP abab')
print(pre % 3 + 'fatal error: after the deep line')
EOF
timeout 60 "$BIN/crashgrep" --no-builtin -r deep.rules -r "$R" deep.log >out 2>err
is "$?" 0 "stack limit: exit 0"
is "$(jget 'r["rule"] + ": " + r["title"]' <out | tr '\n' '|')" \
	"t.deep: DEEP abab|t.go-fatal: after the deep line|" \
	"stack limit: the long line is no match, the short one after it is"
like "$(cat err)" "^crashgrep: pattern '\\^DEEP .*' hit the match limit on a 600005-byte line; treated as no match$" \
	"stack limit: one warning naming the pattern and the line's size"

# an evil rule listed first does not hide a line from the rules after it
cat >evil2.rules <<'EOF'
# evil2.rules: backtracks on the lines go.panic matches.

rule t.evil2
    category  panic
    severity  error
    match     ^panic: (x+x+)+z$
    cause     A test rule that backtracks.
    actions   notify
    example   panic: xxz
    nomatch   panic: xxzz
EOF
python3 - <<'EOF' >evil2.log
pre = '2026-11-28T03:48:%02dZ app[148ed193b95e89] iad [info]'
for i in range(3):
    print(pre % i + 'panic: ' + 'x' * 40 + 'zz')
EOF
timeout 60 "$BIN/crashgrep" --no-builtin -r evil2.rules -r "$R" evil2.log >out 2>err
is "$("$BIN/crashgrep" --no-builtin -r evil2.rules -r "$R" --list |
	awk '$1 == "t.evil2" { e = NR } $1 == "t.go-panic" { g = NR } END { print e < g }')" \
	1 "evil rule first: it is tried before go-panic"
is "$(jget 'r["rule"]' <out | sort | uniq -c | tr -s ' ')" " 3 t.go-panic" \
	"evil rule first: the lines it gives up on are still go-panic crashes"
is "$(grep -c 'hit the match limit' err)" 3 "evil rule first: a warning for each line it gave up on"
done_testing

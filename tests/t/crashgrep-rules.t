#!/bin/bash
# Where rules come from and how they combine (docs/rules.md): built-in
# discovery, a user file replacing the built-in file of the same name, a
# rule replacing the one of the same name in place, -r DIR, priority,
# exclude, title; and rule errors with file:line and exit 78.
. "${TOP:?}/tests/lib.sh" || exit 1
cd "${T_TMP:?}" || exit 1
# leaks on the fatal-error and --list paths are reported by the data cases
# (tests/cases/crashgrep/012-018); here only the behaviour counts
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

# rule NAME CATEGORY PRIORITY MATCH [extra lines...]: a valid stanza
rule() {
	printf 'rule %s\n    category  %s\n    severity  error\n    priority  %s\n' "$1" "$2" "$3"
	printf '    match     %s\n' "$4"
	shift 4
	for l in "$@"; do printf '    %s\n' "$l"; done
	printf '    cause     A test rule.\n    actions   notify\n'
	printf '    example   %s\n    nomatch   nothing to see\n\n' "${EXAMPLE:-boom}"
}
mkdir builtin user
{ EXAMPLE='alpha boom' rule t.alpha panic 50 '^alpha (?<title>.+)$'
  EXAMPLE='shared boom' rule t.shared panic 50 '^shared (?<title>.+)$'; } >builtin/a.rules
EXAMPLE='beta boom' rule t.beta exit 50 '^beta (?<title>.+)$' >builtin/b.rules
EXAMPLE='gamma boom' rule t.gamma oom 50 '^gamma (?<title>.+)$' >user/a.rules
export SELFHEAL_RULES="$T_TMP/builtin"
list() { "$BIN/crashgrep" "$@" --list 2>/dev/null | awk '{print $1, $NF}' | sed "s|$T_TMP/||" | tr '\n' ' '; }

is "$(list)" "t.alpha builtin/a.rules:1 t.shared builtin/a.rules:11 t.beta builtin/b.rules:1 " \
	"SELFHEAL_RULES: the built-in files, in name order"
is "$(list -r user/a.rules)" "t.beta builtin/b.rules:1 t.gamma user/a.rules:1 " \
	"a user file named like a built-in file replaces it"
EXAMPLE='shared boom' rule t.shared signal 50 '^shared (?<title>.+)$' >user/override.rules
is "$(list -r user/override.rules)" \
	"t.alpha builtin/a.rules:1 t.shared user/override.rules:1 t.beta builtin/b.rules:1 " \
	"a rule named like a built-in rule replaces it in place"
printf 'shared thing\n' | "$BIN/crashgrep" -r user/override.rules >out 2>err
is "$(jget 'r["category"]' <out)" signal "the replacing rule is the one used"
cp user/a.rules user/c.rules
sed 's/t.gamma/t.delta/; s/gamma/delta/g' user/a.rules >user/b.rules
echo 'not a rule file' >user/notes.txt
cp user/a.rules user/.hidden.rules
is "$(list --no-builtin -r user | tr ' ' '\n' | grep -c '^t\.')" 3 \
	"-r DIR: the *.rules files only, a later t.gamma replacing the earlier"
is "$(list --no-builtin -r user)" \
	"t.gamma user/c.rules:1 t.delta user/b.rules:1 t.shared user/override.rules:1 " \
	"-r DIR: files in name order (a, b, c, override); c's t.gamma replaces a's in place"

# discovery from the program's directory: <dir>/../rules
mkdir -p inst/bin
cp "$BIN/crashgrep" inst/bin/
ln -s "$T_TMP/builtin" inst/rules
is "$(env -u SELFHEAL_RULES inst/bin/crashgrep --list 2>&1 | awk '{print $1}' | tr '\n' ' ')" \
	"t.alpha t.shared t.beta " "no SELFHEAL_RULES: <program dir>/../rules is found"
rm inst/rules
mkdir -p inst/share/selfheal
ln -s "$T_TMP/builtin" inst/share/selfheal/rules
is "$(env -u SELFHEAL_RULES inst/bin/crashgrep --list 2>&1 | awk '{print $1}' | tr '\n' ' ')" \
	"t.alpha t.shared t.beta " "no SELFHEAL_RULES: <program dir>/../share/selfheal/rules is found"

# priority, exclude, title
{ EXAMPLE='job failed: timeout' rule t.generic exit 50 'failed: (?<title>.+)$'
  EXAMPLE='job failed: disk full' rule t.disk resource 10 'failed: disk full' 'exclude   \(ignored\)'
  EXAMPLE='BEGIN job' rule t.block panic 50 '^BEGIN (?<title>.+)$' 'continue  ^  ' \
	'title     ^  reason: (?<title>.+)$'; } >order.rules
printf '%s\n' 'job failed: disk full' 'job failed: disk full (ignored)' 'BEGIN job' \
	'  reason: first' '  step 2' '  reason: the last one' '  step 3' 'after' |
	"$BIN/crashgrep" --no-builtin -r order.rules >out 2>err
is "$(jget 'r["rule"] + " " + r["title"]' <out | tr '\n' '|')" \
	"t.disk job failed: disk full|t.generic disk full (ignored)|t.block the last one|" \
	"priority first, exclude passes the line on, title from the last title line"
is "$(jget 'len(r["lines"])' <out | tail -1)" 6 "the block crash holds its 6 lines"
"$BIN/crashgrep" --no-builtin -r order.rules --test >out 2>err
is "$?" 0 "these rules pass --test"

# errors: exit 78 and file:line
bad() { # bad DESCRIPTION FILE-CONTENT-LINES...
	d=$1; shift
	printf '%s\n' "$@" >bad.rules
	"$BIN/crashgrep" --no-builtin -r bad.rules </dev/null >out 2>err
	rc=$?
	is "$rc" 78 "$d: exit 78"
	like "$(cat err)" '^crashgrep: bad\.rules:[0-9]+: ' "$d: the message names file:line ($(head -c 120 err))"
}
L='    '
bad "a newline escape in a pattern" "rule t.nl" "${L}category  panic" "${L}severity  error" \
	"${L}match     ^first line\\nsecond line" "${L}cause     x" "${L}actions   notify" \
	"${L}example   first line" "${L}nomatch   x"
like "$(cat err)" 'bad\.rules:4:' "a newline escape in a pattern: the pattern's line"
bad "an unknown key" "rule t.k" "${L}category  panic" "${L}severity  error" \
	"${L}colour    red"
like "$(cat err)" "bad\\.rules:4: unknown key 'colour'" "an unknown key: named"
bad "an unknown action" "rule t.a" "${L}category  panic" "${L}severity  error" \
	"${L}match     boom" "${L}cause     x" "${L}actions   machine.restart machine.destroy"
like "$(cat err)" "machine\\.destroy" "an unknown action: named"
bad "a missing cause" "rule t.c" "${L}category  panic" "${L}severity  error" \
	"${L}match     boom" "${L}actions   notify" "${L}example   boom" "${L}nomatch   x"
like "$(cat err)" "missing 'cause'" "a missing cause: named"
bad "a bad rule name" "rule T.Upper" "${L}category  panic"
bad "a key outside a rule" "${L}category  panic"
bad "a bad gap" "rule t.g" "${L}category  panic" "${L}severity  error" "${L}gap       soon"
bad "max-lines out of range" "rule t.m" "${L}category  panic" "${L}severity  error" \
	"${L}max-lines 0"
bad "a bad exclude pattern" "rule t.e" "${L}category  panic" "${L}severity  error" \
	"${L}match     boom" "${L}exclude   (unclosed"
like "$(cat err)" 'bad\.rules:5: bad pattern: missing closing parenthesis' \
	"a bad exclude pattern: PCRE2's message"
bad "a bad continue pattern" "rule t.f" "${L}category  panic" "${L}severity  error" \
	"${L}match     boom" "${L}continue  [z-a]"
like "$(cat err)" 'bad\.rules:5: bad pattern: range out of order' \
	"a bad continue pattern: PCRE2's message"
done_testing

#!/bin/bash
# Every option a program takes is documented: each long option of the
# getopt tables in cmd/*.c (and each remediate verb parameter, from
# `remediate tools --format markdown`) appears in the program's manual
# page; each option the manual page names exists; and the manual pages
# pass mandoc -Tlint -Wwarning. Run against the sources, so an option
# added without its documentation fails here.
. "${TOP:?}/tests/lib.sh" || exit 1
cd "${T_TMP:?}" || exit 1

# long options of a getopt table: { "name", xxx_argument, ...
src_opts() {
	grep -o '{ "[a-z][a-z0-9-]*", *\(no\|required\|optional\)_argument' \
		"$TOP/cmd/$1.c" | sed 's/{ "\([^"]*\)".*/\1/' | sort -u
}
# options a manual page names: "Fl -name" or "Fl Fl name"
man_opts() {
	grep -o 'Fl \(Fl \|-\)[a-z][a-z0-9-]*' "$TOP/man/$1.1" |
		sed 's/^Fl Fl //; s/^Fl -//' | sort -u
}

for p in crashgrep fly-tail diagnose remediate; do
	# --config is read by cfg_argv (src/config.c) before getopt
	{ src_opts "$p"; echo config; } >"$p.src"
	man_opts "$p" >"$p.man"
	[ "$p" = remediate ] && "$BIN/remediate" tools --format markdown |
		grep -o '`--[a-z][a-z0-9-]*' | sed 's/^`--//' | sort -u >>"$p.src"
	sort -u -o "$p.src" "$p.src"
	ok $(($(wc -l <"$p.src") < 5)) "$p: $(wc -l <"$p.src" | tr -d ' ') options read from the sources"
	is "$(comm -23 "$p.src" "$p.man" | tr '\n' ' ')" "" \
		"$p: every option is in man/$p.1"
	is "$(comm -13 "$p.src" "$p.man" | tr '\n' ' ')" "" \
		"$p: man/$p.1 names no option $p lacks"
	mandoc -Tlint -Wwarning "$TOP/man/$p.1" >lint 2>&1
	is "$?:$(cat lint)" "0:" "man/$p.1: mandoc -Tlint -Wwarning clean"
done
done_testing

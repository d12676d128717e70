#!/bin/bash
# make install / make uninstall: into a temporary PREFIX (no DESTDIR) the
# programs, manual pages, rules and docs land where they should; the
# installed crashgrep finds its rules without SELFHEAL_RULES, from another
# directory, and even when moved away from them (the compiled-in
# $(PREFIX)/share/selfheal/rules); the pages format; a DESTDIR install
# stays inside DESTDIR; uninstall leaves no file behind. The build goes to
# a copy of the object tree, so the checkout's bin/ is not touched.
. "${TOP:?}/tests/lib.sh" || exit 1
cd "${T_TMP:?}" || exit 1
P="$T_TMP/prefix"
O="$T_TMP/obj"
B="$T_TMP/bin"

# start from the checkout's objects: only what PREFIX changes is rebuilt
mkdir -p "$O" "$B"
for d in src cmd tests libselfheal.a sharedir.stamp; do
	[ -e "$TOP/build/$d" ] && cp -a "$TOP/build/$d" "$O/"
done
[ -d "$TOP/bin" ] && cp -a "$TOP/bin/." "$B/"
mk() { make -s -C "$TOP" O="$O" B="$B" "$@"; }

mk install PREFIX="$P" >make.out 2>&1
is "$?" 0 "make install PREFIX=tmp: exit 0"
sed 's/^/# /' make.out | head -n 20

progs=$(cd "$TOP/cmd" && ls ./*.c | sed 's|^\./||; s|\.c$||')
for p in $progs; do
	[ -x "$P/bin/$p" ]
	ok $? "installed: bin/$p"
done
n_rules=$(ls "$TOP"/rules/*.rules | wc -l)
is "$(ls "$P"/share/selfheal/rules/*.rules 2>/dev/null | wc -l)" "$n_rules" \
	"installed: the $n_rules rule files in share/selfheal/rules"
for m in "$TOP"/man/*.[157]; do
	s=${m##*.}
	cmp -s "$m" "$P/share/man/man$s/$(basename "$m")"
	ok $? "installed: share/man/man$s/$(basename "$m")"
done
for f in README.md records.md config.md jq.md contrib/selfheal.conf \
	contrib/selfheal-pipeline contrib/systemd/selfheal.service; do
	[ -f "$P/share/doc/selfheal/$f" ]
	ok $? "installed: share/doc/selfheal/$f"
done
is "$(stat -c %a "$P/bin/crashgrep")" 755 "programs are mode 755"
is "$(stat -c %a "$P/share/selfheal/rules/go.rules")" 644 "rules are mode 644"

# --- the installed crashgrep, from elsewhere, without SELFHEAL_RULES
cd / || exit 1
v=$(env -u SELFHEAL_RULES "$P/bin/crashgrep" --version)
like "$v" '^crashgrep [0-9]+\.[0-9]+\.[0-9]+$' "crashgrep --version: $v"
env -u SELFHEAL_RULES "$P/bin/crashgrep" --list >"$T_TMP/list" 2>"$T_TMP/err"
is "$?" 0 "crashgrep --list without SELFHEAL_RULES: exit 0"
"$BIN/crashgrep" --list >"$T_TMP/list.checkout" 2>/dev/null
is "$(wc -l <"$T_TMP/list")" "$(wc -l <"$T_TMP/list.checkout")" \
	"crashgrep --list: as many rules as the checkout's"
dirs() { # the directories of the rule files in a --list output
	sed 's/.*  \(.*\):[0-9]*$/\1/' "$1" | xargs -n 1 dirname |
		xargs -n 1 realpath -m | sort -u
}
is "$(dirs "$T_TMP/list")" "$P/share/selfheal/rules" \
	"crashgrep --list: every rule from PREFIX/share/selfheal/rules"
n=$(env -u SELFHEAL_RULES "$P/bin/crashgrep" --app shop \
	"$TOP/contrib/samples/shop.log" | wc -l)
is "$n" "$("$BIN/crashgrep" --app shop "$TOP/contrib/samples/shop.log" | wc -l)" \
	"the installed crashgrep finds the sample's $n crashes"
# moved where no ../share or ../rules is: the compiled-in directory
mkdir -p "$T_TMP/moved/x"
cp "$P/bin/crashgrep" "$T_TMP/moved/x/crashgrep"
env -u SELFHEAL_RULES "$T_TMP/moved/x/crashgrep" --list >"$T_TMP/list.moved" 2>&1
is "$?" 0 "a moved crashgrep: exit 0"
is "$(dirs "$T_TMP/list.moved")" "$P/share/selfheal/rules" \
	"a moved crashgrep uses the compiled-in rules directory"
is "$(wc -l <"$T_TMP/list.moved")" "$(wc -l <"$T_TMP/list")" \
	"a moved crashgrep: all the rules"
cd "$T_TMP" || exit 1

# --- the pages format
if command -v mandoc >/dev/null; then
	for m in "$P"/share/man/man*/*; do
		out=$(mandoc -Tascii "$m" 2>&1 | sed 's/.\x08//g')
		like "$out" '^NAME$' "mandoc $(basename "$m")"
	done
fi
out=$(MANPAGER=cat PAGER=cat man -l "$P/share/man/man1/crashgrep.1" 2>&1)
like "$out" 'crashgrep' "man -l crashgrep.1"
is "$(man -M "$P/share/man" -w crashgrep 2>/dev/null)" \
	"$P/share/man/man1/crashgrep.1" "man -M PREFIX/share/man finds crashgrep(1)"
is "$(man -M "$P/share/man" -w 5 selfheal.conf 2>/dev/null)" \
	"$P/share/man/man5/selfheal.conf.5" "man -M finds selfheal.conf(5)"

# --- uninstall leaves nothing
mk uninstall PREFIX="$P" >make.out 2>&1
is "$?" 0 "make uninstall: exit 0"
is "$(find "$P" ! -type d | head -n 5)" "" "uninstall: no file is left"
ok $([ ! -e "$P/share/selfheal" ] && [ ! -e "$P/share/doc/selfheal" ]; echo $?) \
	"uninstall: share/selfheal and share/doc/selfheal are gone"

# --- DESTDIR: staged under DESTDIR, compiled for PREFIX
S="$T_TMP/stage"
mk install PREFIX=/usr DESTDIR="$S" >make.out 2>&1
is "$?" 0 "make install PREFIX=/usr DESTDIR=tmp: exit 0"
is "$(cd "$S" && find . -mindepth 1 -maxdepth 1)" "./usr" "DESTDIR: only usr/ in it"
[ -x "$S/usr/bin/crashgrep" ] && [ -f "$S/usr/share/selfheal/rules/go.rules" ] &&
	[ -f "$S/usr/share/man/man1/crashgrep.1" ] &&
	[ -f "$S/usr/share/doc/selfheal/records.md" ]
ok $? "DESTDIR: programs, rules, pages, docs under DESTDIR/usr"
grep -aq '/usr/share/selfheal/rules' "$S/usr/bin/crashgrep"
ok $? "DESTDIR: compiled for /usr/share/selfheal/rules"
env -u SELFHEAL_RULES "$S/usr/bin/crashgrep" --list >/dev/null 2>&1
is "$?" 0 "DESTDIR: the staged crashgrep finds its rules beside it"
mk uninstall PREFIX=/usr DESTDIR="$S" >make.out 2>&1
is "$?" 0 "make uninstall DESTDIR=tmp: exit 0"
is "$(find "$S" ! -type d | head -n 5)" "" "DESTDIR uninstall: no file is left"

done_testing

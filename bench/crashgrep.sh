#!/usr/bin/env bash
# bench/crashgrep.sh - crashgrep throughput against cat, grep -E and rg.
#
#   bench/crashgrep.sh            # BENCH_SIZE=1G by default
#   BENCH_SIZE=64M bench/crashgrep.sh
#
# Builds bench/gen-corpus.c into /tmp, generates (once per set of
# parameters) a Fly text corpus and a Fly NATS NDJSON corpus in
# $BENCH_DIR, derives a grep -E and an rg pattern set from the `match`
# lines of rules/*.rules, and times, best of $BENCH_RUNS with a warm page
# cache: cat, grep -E -c -f, rg -j1 --no-mmap -c -f and bin/crashgrep.
# Then measures crashgrep's peak RSS (/usr/bin/time -v), also on a corpus
# of 10000 instances with 10 MiB lines. See bench/README.md.
#
# Environment (all optional):
#   BENCH_SIZE       corpus size, K/M/G suffixes (default 1G)
#   BENCH_SEED       generator seed (default 1)
#   BENCH_INSTANCES  instances in the corpus (default 200)
#   BENCH_RUNS       runs per tool, the best is kept (default 3)
#   BENCH_LONG_SIZE  size of the long-line memory corpus, 0 to skip (default 256M)
#   BENCH_DIR        work directory (default /tmp/selfheal-bench)
#   BENCH_RULES      rules directory (default rules/ of this checkout); when
#                    set, crashgrep gets it as SELFHEAL_RULES too
#   BENCH_STRICT     1: exit 1 when a target is missed
#   CRASHGREP        crashgrep binary (default bin/crashgrep, built with make)
#   CRASHGREP_ARGS   extra arguments for crashgrep
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${BENCH_DIR:-/tmp/selfheal-bench}
SIZE=${BENCH_SIZE:-1G}
SEED=${BENCH_SEED:-1}
INSTANCES=${BENCH_INSTANCES:-200}
RUNS=${BENCH_RUNS:-3}
LONG_SIZE=${BENCH_LONG_SIZE:-256M}
RULES=${BENCH_RULES:-$ROOT/rules}
[ -n "${BENCH_RULES:-}" ] && export SELFHEAL_RULES="$BENCH_RULES"
STRICT=${BENCH_STRICT:-0}
GEN=/tmp/gen-corpus
CG=${CRASHGREP:-$ROOT/bin/crashgrep}
read -r -a CG_ARGS <<<"${CRASHGREP_ARGS:-}"

mkdir -p "$DIR"
RESULTS=$DIR/results.txt
: >"$RESULTS"
say() { printf '%s\n' "$*" | tee -a "$RESULTS"; }
warn() { printf 'bench: %s\n' "$*" >&2; }

# ------------------------------------------------------------ tools

missing=
command -v cc >/dev/null || missing="$missing gcc"
command -v perl >/dev/null || missing="$missing perl"
command -v rg >/dev/null || missing="$missing ripgrep"
[ -x /usr/bin/time ] || missing="$missing time"
if [ -n "$missing" ]; then
	warn "missing:$missing; trying to install"
	if [ -x "$ROOT/mk/deps.sh" ]; then
		"$ROOT/mk/deps.sh" bench || true
	elif [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
		apt-get update -qq && apt-get install -y -qq $missing || true
	fi
fi
command -v cc >/dev/null || { warn "no C compiler"; exit 1; }
command -v perl >/dev/null || { warn "perl is needed to convert the patterns"; exit 1; }
HAVE_RG=1
command -v rg >/dev/null || { HAVE_RG=0; warn "rg not found: its rows are skipped"; }
HAVE_TIME=1
[ -x /usr/bin/time ] || { HAVE_TIME=0; warn "/usr/bin/time not found: no RSS figures"; }

# generator
if [ ! -x "$GEN" ] || [ "$ROOT/bench/gen-corpus.c" -nt "$GEN" ]; then
	cc -O2 -o "$GEN" "$ROOT/bench/gen-corpus.c"
fi

# crashgrep: let make decide whether it is up to date
HAVE_CG=1
if [ -z "${CRASHGREP:-}" ] && [ -f "$ROOT/Makefile" ]; then
	if ! make -s -C "$ROOT" bin/crashgrep >"$DIR/make.log" 2>&1; then
		warn "make bin/crashgrep failed (see $DIR/make.log)"
	fi
fi
[ -x "$CG" ] || { HAVE_CG=0; warn "$CG not built: crashgrep rows are skipped"; }

# ------------------------------------------------------------ corpora

# gen FILE FORMAT SIZE INSTANCES [extra gen-corpus options]
gen() {
	local file=$1 format=$2 size=$3 inst=$4
	shift 4
	local params
	params="format=$format size=$size seed=$SEED instances=$inst $* gen=$(cksum <"$ROOT/bench/gen-corpus.c")"
	if [ -s "$file" ] && [ -f "$file.params" ] && [ "$(cat "$file.params")" = "$params" ]; then
		return 0
	fi
	rm -f "$file" "$file.params"
	"$GEN" --format "$format" --size "$size" --seed "$SEED" --instances "$inst" "$@" "$file" 2>&1 | sed 's/^/  /' >&2
	printf '%s\n' "$params" >"$file.params"
}

TXT=$DIR/corpus.txt
NDJ=$DIR/corpus.ndjson
gen "$TXT" text "$SIZE" "$INSTANCES" --manifest "$TXT.manifest"
gen "$NDJ" nats "$SIZE" "$INSTANCES" --manifest "$NDJ.manifest"

# ------------------------------------------------------------ patterns

PCRE=$DIR/patterns.pcre
ERE=$DIR/patterns.ere
RGP=$DIR/patterns.rg
CONV=$DIR/convert-patterns.pl
: >"$PCRE"
shopt -s nullglob
rule_files=("$RULES"/*.rules)
shopt -u nullglob
for f in "${rule_files[@]}"; do
	sed -n 's/^[[:space:]]*match[[:space:]][[:space:]]*//p' "$f" | sed 's/[[:space:]]*$//' >>"$PCRE"
done
npcre=$(grep -c . "$PCRE" || true)
[ "$npcre" -gt 0 ] || warn "no match patterns found in $RULES/*.rules"

cat >"$CONV" <<'PERL'
#!/usr/bin/perl
# convert-patterns.pl ere|rg < PCRE2 patterns > patterns for grep -E or rg
# (written by bench/crashgrep.sh; skipped patterns go to stderr as
# "SKIP<tab>reason<tab>pattern")
use strict;
use warnings;

my $mode = shift @ARGV or die "usage: convert-patterns.pl ere|rg\n";
my $ere  = $mode eq 'ere';

# ASCII classes, as PCRE2 reads \d \s \w without UCP
my %cls_ere = (d => '0-9', s => '[:space:]', w => '[:alnum:]_');
my %cls_rg  = (d => '0-9', s => '\t\n\x0B\f\r ', w => '0-9A-Za-z_');
my $cls = $ere ? \%cls_ere : \%cls_rg;

# characters that stay escaped outside a class
my $meta_ere = quotemeta('.[]()*+?{}|^$\\');
my $meta_rg  = quotemeta('.[]()*+?{}|^$\\#&-~');

sub convert {
	my ($p) = @_;
	my @c = split //, $p;
	my $n = @c;
	my $o = '';
	my $ci = 0;
	my $i = 0;
	my $start = 1;    # at the start of the pattern, a group or a branch

	# leading inline flags
	if ($p =~ /^\(\?([a-z]+)\)/) {
		my $f = $1;
		return (undef, "inline flags (?$f)") if $f =~ /[^i]/;
		if ($ere) { $ci = 1 } else { $o .= "(?$f)" }
		$i = length("(?$f)");
	}
	while ($i < $n) {
		my $ch = $c[$i];
		if ($ch eq '^') {
			return (undef, 'inner ^') unless $start;
			$i++;
			next;
		}
		if ($ch eq '$') {
			my $nx = $i + 1 < $n ? $c[$i + 1] : '';
			return (undef, 'inner $') unless $nx eq '' || $nx eq ')' || $nx eq '|';
			$i++;
			next;
		}
		$start = 0;
		if ($ch eq '\\') {
			my $e = $c[$i + 1] // return (undef, 'trailing backslash');
			$i += 2;
			if ($e =~ /^[dsw]$/) { $o .= '[' . $cls->{$e} . ']'; next }
			if ($e =~ /^[DSW]$/) { $o .= '[^' . $cls->{lc $e} . ']'; next }
			if ($e eq 't') { $o .= "\t"; next }
			if ($e eq 'b' || $e eq 'B') {
				# PCRE2 without UCP has an ASCII \b; Rust's Unicode \b would also
				# push rg 13 off its DFA (100x slower), so say ASCII explicitly
				$o .= $ere ? "\\$e" : "(?-u:\\$e)";
				next;
			}
			if ($e eq 'x') {
				my $hex;
				if (join('', @c[$i .. $n - 1]) =~ /^\{([0-9a-fA-F]+)\}/) { $hex = $1; $i += length($1) + 2 }
				elsif (join('', @c[$i .. $n - 1]) =~ /^([0-9a-fA-F]{2})/) { $hex = $1; $i += 2 }
				else { return (undef, 'bad \\x') }
				my $v = hex $hex;
				return (undef, 'non-printable \\x') if $v < 0x20 && $v != 9 || $v > 0x7e;
				my $lit = chr $v;
				$o .= $lit =~ /[$meta_ere]/ ? "\\$lit" : $lit;
				next;
			}
			if (!$ere && ($e eq 'p' || $e eq 'P') && join('', @c[$i .. $n - 1]) =~ /^(\{\^?\w+\}|[A-Z])/) {
				$o .= "\\$e$1";    # rg knows Unicode properties
				$i += length $1;
				next;
			}
			if ($e =~ /^[A-Za-z0-9]$/) {
				return (undef, "escape \\$e");    # \p \h \R \K \Q \A \z \1 \g \k …
			}
			# escaped punctuation: keep it escaped only where the engine wants that
			my $meta = $ere ? $meta_ere : $meta_rg;
			$o .= $e =~ /[$meta]/ ? "\\$e" : $e;
			next;
		}
		if ($ch eq '[') {
			my ($cl, $len, $why) = class_at(\@c, $i, $ci);
			return (undef, $why) unless defined $cl;
			$o .= $cl;
			$i += $len;
			next;
		}
		if ($ch eq '(') {
			my $rest = join '', @c[$i .. $n - 1];
			if ($rest =~ /^\(\?(?:P?<[A-Za-z_]\w*>|'[A-Za-z_]\w*')/) {
				$o .= '(';
				$i += length $&;
			} elsif ($rest =~ /^\(\?:/) {
				$o .= $ere ? '(' : '(?:';
				$i += 3;
			} elsif ($rest =~ /^\(\?(<?[=!]|>|\||\(|R|\d|[a-z-]*[:)])/) {
				return (undef, "group (?$1");
			} else {
				$o .= '(';
				$i++;
			}
			$start = 1;
			next;
		}
		if ($ch eq '|') { $o .= '|'; $i++; $start = 1; next }
		if ($ch eq '*' || $ch eq '+' || $ch eq '?' || $ch eq '}') {
			$o .= $ch;
			$i++;
			if ($i < $n && $c[$i] eq '+') { return (undef, 'possessive quantifier') }
			$i++ if $i < $n && $c[$i] eq '?' && $ere;    # lazy: same set of matching lines
			next;
		}
		if ($ch eq '{') {
			my $rest = join '', @c[$i .. $n - 1];
			if ($rest =~ /^\{\d+(,\d*)?\}/) {
				$o .= $&;
				$i += length $&;
				if ($i < $n && $c[$i] eq '+') { return (undef, 'possessive quantifier') }
				$i++ if $i < $n && $c[$i] eq '?' && $ere;
			} else {
				$o .= '\\{';    # a literal brace in PCRE
				$i++;
			}
			next;
		}
		if ($ere && $ci && $ch =~ /[A-Za-z]/) { $o .= '[' . lc($ch) . uc($ch) . ']'; $i++; next }
		$o .= $ch;
		$i++;
	}
	return (undef, 'empty after dropping anchors') if $o eq '' || $o eq '(?i)';
	return ($o, undef);
}

# a [...] class starting at $i; returns (text, length, reason)
sub class_at {
	my ($c, $i, $ci) = @_;
	my $n = @$c;
	my $j = $i + 1;
	my $neg = 0;
	if ($j < $n && $c->[$j] eq '^') { $neg = 1; $j++ }
	my @items;    # strings for the output, in order
	my ($rbr, $dash, $caret) = (0, 0, 0);
	my $first = 1;
	while (1) {
		return (undef, 0, 'unterminated class') if $j >= $n;
		my $ch = $c->[$j];
		if ($ch eq ']' && !$first) { $j++; last }
		$first = 0;
		if ($ch eq '[' && $j + 1 < $n && $c->[$j + 1] eq ':') {
			my $rest = join '', @$c[$j .. $n - 1];
			return (undef, 0, 'bad POSIX class') unless $rest =~ /^\[:\^?[a-z]+:\]/;
			return (undef, 0, 'negated POSIX class') if $& =~ /\^/;
			push @items, $&;
			$j += length $&;
			next;
		}
		if ($ch eq '\\') {
			my $e = $c->[$j + 1] // return (undef, 0, 'trailing backslash');
			$j += 2;
			if ($e =~ /^[dsw]$/) { push @items, $cls->{$e}; next }
			return (undef, 0, "class escape \\$e") if $e =~ /^[A-Za-z0-9]$/ && $e ne 't';
			$e = "\t" if $e eq 't';
			if ($e eq ']') { $rbr = 1; next }
			if ($e eq '-') { $dash = 1; next }
			if ($e eq '^') { $caret = 1; next }
			push @items, lit($e);
			next;
		}
		if ($ch eq ']') { $rbr = 1; $j++; next }    # ']' first in the class
		if ($ch eq '-' && ($j + 1 >= $n || $c->[$j + 1] eq ']' || !@items)) { $dash = 1; $j++; next }
		if ($ch eq '^') { $caret = 1; $j++; next }
		if ($ch eq '-' && @items) {    # a range: previous item - next char
			my $hi = $c->[$j + 1];
			if ($hi eq '\\') { $hi = $c->[$j + 2]; $j++ }
			$items[-1] .= '-' . lit($hi);
			$j += 2;
			next;
		}
		push @items, lit($ch);
		$j++;
	}
	my $body = join '', @items;
	if ($ci) {
		my $u = $body;
		$u =~ s/(\[:[a-z]+:\])|([A-Za-z])/defined $1 ? '' : ($2 eq lc $2 ? uc $2 : lc $2)/ge;
		$body .= $u if $u =~ /[A-Za-z]/;
	}
	my $lbr = $body =~ s/\x00LBR//g ? '[' : '';
	$body .= $lbr;
	my $out;
	if ($ere) {
		$out = '[' . ($neg ? '^' : '') . ($rbr ? ']' : '') . $body . ($caret ? '^' : '') . ($dash ? '-' : '') . ']';
		# a lone '^' class, or one starting with '^' when not negated
		if (!$neg && !$rbr && $body eq '' && $caret && !$dash) { $out = '\\^' }
		elsif (!$neg && !$rbr && $body eq '' && $caret) { $out = '[-^]' }
	} else {
		$out = '[' . ($neg ? '^' : '') . ($rbr ? '\\]' : '') . $body . ($caret ? '\\^' : '') . ($dash ? '\\-' : '') . ']';
	}
	return ($out, $j - $i, undef);
}

# one literal class member, escaped as the engine needs inside [...]
sub lit {
	my ($ch) = @_;
	return "\x00LBR" if $ere && $ch eq '[';    # moved to the end: "[." / "[=" / "[:" would start a POSIX item
	return $ch if $ere;    # POSIX brackets: backslash is literal, handled by the caller's placement
	return "\\$ch" if $ch =~ /[\\\[\]\^\-&~]/;
	return $ch;
}

while (my $line = <STDIN>) {
	chomp $line;
	next if $line eq '';
	my ($out, $why) = convert($line);
	if (defined $out) { print "$out\n" }
	else { print STDERR "SKIP\t$why\t$line\n" }
}
PERL

# convert MODE OUT: keep the patterns the engine compiles and that cannot
# match an empty line (those would count every line)
convert() {
	local mode=$1 out=$2 skipped=$DIR/patterns.$1.skipped
	: >"$out"
	perl "$CONV" "$mode" <"$PCRE" 2>"$skipped" | while IFS= read -r p; do
		local rc=0
		if [ "$mode" = ere ]; then
			printf '\n' | grep -E -q -e "$p" 2>/dev/null || rc=$?
		else
			printf '\n' | rg -q -e "$p" 2>/dev/null || rc=$?
		fi
		case $rc in
		0) printf 'SKIP\tmatches the empty line\t%s\n' "$p" >>"$skipped" ;;
		1) printf '%s\n' "$p" >>"$out" ;;
		*) printf 'SKIP\trejected by the engine\t%s\n' "$p" >>"$skipped" ;;
		esac
	done
}
convert ere "$ERE"
[ "$HAVE_RG" = 1 ] && convert rg "$RGP"

# ------------------------------------------------------------ timing

now_us() {
	if [ -n "${EPOCHREALTIME:-}" ]; then
		local t=$EPOCHREALTIME
		echo "${t/./}"
	else
		echo $(($(date +%s%N) / 1000))
	fi
}

run_cat() { cat -- "$1" >/dev/null; }
run_grep() { grep -E -c -f "$ERE" -- "$1" >"$DIR/out.grep" || [ $? -eq 1 ]; }
run_rg() { rg -j1 --no-mmap -c -f "$RGP" -- "$1" >"$DIR/out.rg" || [ $? -eq 1 ]; }
run_cg() { "$CG" "${CG_ARGS[@]}" <"$1" >/dev/null; }

# best FUNC FILE -> best wall time in microseconds, or "fail"
best() {
	local fn=$1 file=$2 b= t0 t1 d r
	for ((r = 0; r < RUNS; r++)); do
		t0=$(now_us)
		if ! "$fn" "$file"; then
			echo fail
			return 0
		fi
		t1=$(now_us)
		d=$((t1 - t0))
		if [ -z "$b" ] || [ "$d" -lt "$b" ]; then b=$d; fi
	done
	echo "$b"
}

# peak RSS in kB of one crashgrep run ("fail" when it fails); its output goes to $2
rss_kb() {
	local file=$1 out=$2 tf=$DIR/time.txt
	if [ "$HAVE_TIME" = 0 ]; then
		"$CG" "${CG_ARGS[@]}" <"$file" >"$out" || { echo fail; return 0; }
		echo 0
		return 0
	fi
	/usr/bin/time -v -o "$tf" "$CG" "${CG_ARGS[@]}" <"$file" >"$out" || { echo fail; return 0; }
	sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$tf"
}

fsec() { awk -v u="$1" 'BEGIN { printf "%.3f", u / 1e6 }'; }
fmbs() { awk -v u="$1" -v b="$2" 'BEGIN { printf "%.1f", (u > 0 ? b / u : 0) }'; } # bytes/µs = MB/s
fratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
fmib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

declare -A T    # T[kind.tool] = µs
declare -A RSS  # RSS[kind] = kB

bench_file() {
	local kind=$1 file=$2 bytes lines
	bytes=$(stat -c %s "$file")
	lines=$(wc -l <"$file")
	cat -- "$file" >/dev/null # warm the page cache
	say ""
	say "== $kind: $file, $(fmib $((bytes / 1024))) MiB, $lines lines (best of $RUNS, warm cache)"
	say "$(printf '%-40s %9s %9s %8s  %s' tool seconds MB/s 'vs rg' output)"
	local tools=(cat grep)
	[ "$HAVE_RG" = 1 ] && tools+=(rg)
	[ "$HAVE_CG" = 1 ] && tools+=(cg)
	local t
	for t in "${tools[@]}"; do
		T[$kind.$t]=$(best "run_$t" "$file")
	done
	if [ "$HAVE_CG" = 1 ]; then
		RSS[$kind]=$(rss_kb "$file" "$DIR/out.crashgrep.$kind")
	fi
	local rg=${T[$kind.rg]:-}
	for t in "${tools[@]}"; do
		local us=${T[$kind.$t]} name out=
		case $t in
		cat) name="cat > /dev/null" ;;
		grep)
			name="grep -E -c -f ($(grep -c . "$ERE") patterns)"
			out="$(cat "$DIR/out.grep" 2>/dev/null) lines"
			;;
		rg)
			name="rg -j1 --no-mmap -c -f ($(grep -c . "$RGP") patterns)"
			out="$(cat "$DIR/out.rg" 2>/dev/null || echo 0) lines"
			;;
		cg)
			name="bin/crashgrep > /dev/null"
			out="$(wc -l <"$DIR/out.crashgrep.$kind") records ($(wc -l <"$file.manifest") crashes planted), peak RSS $(fmib "${RSS[$kind]:-0}") MiB"
			[ "${RSS[$kind]:-}" = fail ] && out="(the RSS run failed)"
			;;
		esac
		if [ "$us" = fail ]; then
			say "$(printf '%-40s %9s' "$name" FAILED)"
			continue
		fi
		local vs=-
		[ -n "$rg" ] && [ "$rg" != fail ] && vs="$(fratio "$rg" "$us")x"
		say "$(printf '%-40s %9s %9s %8s  %s' "$name" "$(fsec "$us")" "$(fmbs "$us" "$bytes")" "$vs" "$out")"
	done
}

say "selfheal crashgrep benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
say "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | sed -n 1p), $(uname -sr)"
rgv="rg: none"
[ "$HAVE_RG" = 1 ] && rgv=$(rg --version | sed -n 1p)
say "tools: $(grep --version | sed -n 1p); $rgv"
[ "$HAVE_CG" = 1 ] && say "crashgrep: $CG; checkout $(cd "$ROOT" && git describe --always --dirty 2>/dev/null || echo "?")"
say "corpus: BENCH_SIZE=$SIZE BENCH_SEED=$SEED BENCH_INSTANCES=$INSTANCES; grep runs with LC_ALL=C"
say "patterns: $npcre match lines from ${#rule_files[@]} rule files in $RULES"
for m in ere rg; do
	[ "$m" = rg ] && [ "$HAVE_RG" = 0 ] && continue
	f=$DIR/patterns.$m.skipped
	n=$(grep -c . "$f" || true)
	say "  $([ "$m" = ere ] && echo 'grep -E' || echo 'rg     '): $(grep -c . "$([ "$m" = ere ] && echo "$ERE" || echo "$RGP")") used, $n skipped$([ "$n" -gt 0 ] && printf ' (%s)' "$(cut -f2 "$f" | sort | uniq -c | sed 's/^ *//' | paste -sd, - | sed 's/,/, /g')")"
done

bench_file text "$TXT"
bench_file ndjson "$NDJ"

# ------------------------------------------------------------ memory: long lines, many instances

if [ "$HAVE_CG" = 1 ] && [ "$LONG_SIZE" != 0 ]; then
	LTXT=$DIR/corpus-long.txt
	LNDJ=$DIR/corpus-long.ndjson
	gen "$LTXT" text "$LONG_SIZE" 10000 --long-lines
	gen "$LNDJ" nats "$LONG_SIZE" 10000 --long-lines
	say ""
	say "== memory: 10000 instances, a 10 MiB line every 64 MiB ($LONG_SIZE each)"
	for kind in long-text long-ndjson; do
		f=$LTXT
		[ "$kind" = long-ndjson ] && f=$LNDJ
		cat -- "$f" >/dev/null
		t0=$(now_us)
		RSS[$kind]=$(rss_kb "$f" "$DIR/out.crashgrep.$kind")
		t1=$(now_us)
		if [ "${RSS[$kind]}" = fail ]; then
			say "$(printf '%-40s %9s' "bin/crashgrep < $(basename "$f")" FAILED)"
			continue
		fi
		say "$(printf '%-40s %9s s  peak RSS %s MiB, %s records' "bin/crashgrep < $(basename "$f")" "$(fsec $((t1 - t0)))" "$(fmib "${RSS[$kind]:-0}")" "$(wc -l <"$DIR/out.crashgrep.$kind")")"
	done
fi

# ------------------------------------------------------------ targets

if [ "$HAVE_CG" = 1 ]; then
	miss=0
	say ""
	say "== targets"
	check() { # label value verdict
		say "$(printf '  %-44s %12s  %s' "$1" "$2" "$3")"
		[ "$3" = PASS ] || miss=1
	}
	if [ "$HAVE_RG" = 1 ] && [ "${T[text.cg]}" != fail ] && [ "${T[text.rg]}" != fail ]; then
		r=$(fratio "${T[text.rg]}" "${T[text.cg]}")
		check "crashgrep >= 2x rg -j1 --no-mmap (text)" "${r}x" "$(awk -v r="$r" 'BEGIN { print (r >= 2 ? "PASS" : "MISS") }')"
		r=$(fratio "${T[ndjson.rg]}" "${T[ndjson.cg]}")
		say "$(printf '  %-44s %12s  %s' "(crashgrep vs rg on ndjson, for information)" "${r}x" "")"
	fi
	if [ "${T[text.cg]}" != fail ] && [ "${T[ndjson.cg]}" != fail ]; then
		r=$(fratio "${T[ndjson.cg]}" "${T[text.cg]}")
		check "NDJSON time <= 1.5x text time" "${r}x" "$(awk -v r="$r" 'BEGIN { print (r <= 1.5 ? "PASS" : "MISS") }')"
	fi
	if [ "$HAVE_TIME" = 1 ]; then
		for k in text ndjson long-text long-ndjson; do
			[ -n "${RSS[$k]:-}" ] || continue
			[ "${RSS[$k]}" = fail ] && { check "crashgrep ran ($k)" failed MISS; continue; }
			check "peak RSS < 50 MB ($k)" "$(fmib "${RSS[$k]}") MiB" "$(awk -v k="${RSS[$k]}" 'BEGIN { print (k * 1024 < 50e6 ? "PASS" : "MISS") }')"
		done
	fi
	say ""
	say "results: $RESULTS"
	[ "$STRICT" = 1 ] && [ "$miss" = 1 ] && exit 1
fi
exit 0

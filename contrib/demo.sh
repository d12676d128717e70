#!/bin/sh
# demo.sh - run the pipeline, as far as it exists, on the bundled sample
# logs, offline, and show a person what happened. Records are kept in
# $DEMO_DIR (default /tmp/selfheal-demo) for a closer look.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN="$TOP/bin"
S="$TOP/contrib/samples"
OUT=${DEMO_DIR:-/tmp/selfheal-demo}
mkdir -p "$OUT"
export SELFHEAL_RULES="$TOP/rules"

say() { printf '\n== %s\n' "$*"; }

say "crashgrep: $(ls "$TOP"/rules/*.rules | wc -l) rule files, $("$BIN/crashgrep" --list | wc -l) rules; checking their examples"
"$BIN/crashgrep" --test

for f in shop.log:shop worker.log:worker api.ndjson:api; do
	file=${f%%:*}
	app=${f#*:}
	say "crashgrep --app $app contrib/samples/$file ($(wc -l <"$S/$file") lines)"
	"$BIN/crashgrep" --app "$app" "$S/$file" >"$OUT/$app.crashes.ndjson"
	"$BIN/crashgrep" --format text <"$OUT/$app.crashes.ndjson"
done

say "summary"
cat "$OUT"/*.crashes.ndjson | python3 -c '
import json, sys, collections
c = collections.Counter()
for l in sys.stdin:
    r = json.loads(l)
    c[(r["app"], r["category"], r["rule"], r["fingerprint"])] += 1
for (app, cat, rule, fp), n in sorted(c.items()):
    print(f"{n:4d} x {app:7s} {cat:13s} {rule:28s} {fp}")
' 2>/dev/null || wc -l "$OUT"/*.crashes.ndjson
printf '\ncrash records: %s/*.crashes.ndjson (inspect with jq, or crashgrep --format text <file)\n' "$OUT"

if [ -x "$BIN/diagnose" ]; then
	say "diagnose: incidents, offline (rules backend); reports in $OUT/reports"
	cat "$OUT"/*.crashes.ndjson |
		env -u OPENAI_API_KEY -u ANTHROPIC_API_KEY -u SELFHEAL_LLM_KEY \
		"$BIN/diagnose" --state "$OUT/state" --report "$OUT/reports" \
		>"$OUT/diagnoses.ndjson"
	"$BIN/diagnose" --state "$OUT/state" --format text <"$OUT/diagnoses.ndjson" 2>/dev/null ||
		cat "$OUT/diagnoses.ndjson"
	printf '\ndiagnosis records: %s/diagnoses.ndjson; Markdown: %s/reports/\n' "$OUT" "$OUT"
fi

# diagnose against a fake Anthropic Messages server: headers, tool_use and
# tool_result blocks, the system prompt, 529/429 retries, backend choice.
. "$TOP/tests/lib.sh"
. "$TOP/tests/t/diagnose-lib.sh"
D="$BIN/diagnose"
M=148ed193b95e89

python3 - "$M" >"$T_TMP/script.json" <<'EOF'
import json, sys
m = sys.argv[1]
final = {"summary": "index out of range in pricing sync", "root_cause": "no bounds check",
         "confidence": 0.7, "category": "panic", "evidence": ["panic: runtime error"],
         "actions": [{"action": "machine.restart", "machine": m, "reason": "serve again"}]}
print(json.dumps({"steps": [
  {"status": 529, "message": "Overloaded", "headers": {"retry-after-ms": "50"}},
  {"tool_calls": [{"name": "machines", "arguments": {}},
                  {"name": "events", "arguments": {"machine": m}}]},
  {"status": 429, "message": "rate limited", "headers": {"retry-after": "0.2"}},
  {"content": "Here is the diagnosis:\n" + json.dumps(final)}]}))
EOF
start_llm "$T_TMP/script.json"
ANTHROPIC_API_KEY=$LLM_KEY "$D" --state "$T_TMP/s1" --llm-url "$LLM_BASE" \
	--backend anthropic --model fake-model --remediate "$FAKE_REMEDIATE" <"$PANIC" >"$T_TMP/out" 2>"$T_TMP/err"
is $? 0 "exit 0"
is "$(jget 'r["backend"]' <"$T_TMP/out")" "anthropic:fake-model" "backend anthropic:MODEL"
is "$(jget 'r["summary"]' <"$T_TMP/out")" "index out of range in pricing sync" "answer taken from text around the JSON"
is "$(requests 'r["path"] + " " + str(r["status"])' | tr '\n' '|')" \
	"/v1/messages 529|/v1/messages 200|/v1/messages 429|/v1/messages 200|" "POST /v1/messages; 529 and 429 retried"
is "$(requests 'r["headers"].get("x-api-key") == "'"$LLM_KEY"'" and r["headers"].get("anthropic-version") == "2023-06-01" and "authorization" not in r["headers"]' | sort -u)" \
	true "x-api-key and anthropic-version headers, no Authorization"
is "$(requests 'int("system" in r["body"] and all(m["role"] in ("user", "assistant") for m in r["body"]["messages"]))' | sort -u)" \
	1 "system prompt top-level, roles user/assistant only"
is "$(requests 'r["body"]["max_tokens"]' | sort -u)" 2048 "max_tokens sent"
is "$(requests '",".join(t["name"] for t in r["body"]["tools"])' | sort -u)" \
	"machines,status,events,releases" "tools offered with input_schema"
is "$(requests 'int(all("input_schema" in t for t in r["body"]["tools"]))' | sort -u)" 1 "tools have input_schema"
last=$(requests 'json.dumps(r["body"]["messages"])' | tail -1)
like "$last" '"type": "tool_use", "id": "toolu_[0-9]+", "name": "machines"' "assistant tool_use echoed"
like "$last" '"type": "tool_result", "tool_use_id": "toolu_[0-9]+", "content": "\[\{' "tool_result blocks in the next user message"
like "$last" '\\"type\\": \\"exit\\"' "events result went back"
is "$(jget 'r["usage"]["prompt_tokens"] > 0 and r["usage"]["completion_tokens"] > 0' <"$T_TMP/out")" true "usage from input/output tokens"
like "$(tail -1 "$T_TMP/err")" 'by anthropic:fake-model.*3 LLM requests|4 LLM requests \(2 retried\)' "summary on stderr"
stop_llm

# backend selection (nothing is sent: the budget cannot fit a request)
sel() {
	env -u SELFHEAL_LLM_KEY "$@" "$D" --state "$T_TMP/sel" --budget-tokens 1 <"$PANIC" 2>&1 >/dev/null |
		sed -n 's/^diagnose: i_[0-9a-f]*: \([a-z]*:[^:]*\): .*/\1/p'
}
is "$(sel env ANTHROPIC_API_KEY=k)" "anthropic:claude-sonnet-4-5" "only ANTHROPIC_API_KEY: anthropic"
is "$(sel env OPENAI_API_KEY=k ANTHROPIC_API_KEY=k)" "openai:gpt-4.1-mini" "an OpenAI key: openai"
is "$(env ANTHROPIC_API_KEY=k "$D" --state "$T_TMP/sel" --budget-tokens 1 --llm-url http://127.0.0.1:9 <"$PANIC" 2>&1 >/dev/null | sed -n 's/^diagnose: i_[0-9a-f]*: \([a-z]*\):.*/\1/p')" \
	openai "--llm-url: openai"
is "$(env SELFHEAL_LLM_MODEL=m1 ANTHROPIC_API_KEY=k "$D" --state "$T_TMP/sel" --budget-tokens 1 <"$PANIC" 2>&1 >/dev/null | sed -n 's/^diagnose: i_[0-9a-f]*: \([a-z]*:[^:]*\):.*/\1/p')" \
	anthropic:m1 "SELFHEAL_LLM_MODEL sets the default model"
"$D" --state "$T_TMP/sel" <"$PANIC" >"$T_TMP/out" 2>"$T_TMP/err"
is "$(jget 'r["backend"]' <"$T_TMP/out"):$(cat "$T_TMP/err")" "rules:" "no key, no URL: rules, quietly"

# key precedence
start_llm "$(script_file plain '{"default":{"content":"{}"}}')"
SELFHEAL_LLM_KEY=$LLM_KEY ANTHROPIC_API_KEY=other "$D" --state "$T_TMP/s2" --backend anthropic \
	--llm-url "$LLM_BASE/v1" --model fake-model <"$PANIC" >"$T_TMP/out" 2>"$T_TMP/err"
is "$(requests 'r["path"] + " " + str(r["status"])' | sed -n 1p)" "/v1/messages 200" \
	"--backend anthropic; a base ending in /v1 works; SELFHEAL_LLM_KEY wins"
ANTHROPIC_API_KEY=$LLM_KEY "$D" --state "$T_TMP/s3" --llm-url "$LLM_BASE" --backend anthropic \
	--model other-model <"$PANIC" >"$T_TMP/out" 2>"$T_TMP/err"
is "$(requests 'r["status"]' | tail -1)" 404 "unknown model: 404, not retried"
is "$(jget 'r["backend"]' <"$T_TMP/out")" rules "unknown model: rules answer"
stop_llm

done_testing

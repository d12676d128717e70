#!/bin/bash
# remediate mcp: scripted JSON-RPC sessions over stdio (protocols.md 3).
. "$TOP/tests/lib.sh"
. "$TOP/tests/lib-fly.sh"
. "$TOP/tests/t/remediate-lib.sh"
rm_start_api || exit 1
fleet

# session FILE [args]: run remediate mcp with FILE on stdin; the answers
# in $T_TMP/mcp.out, stderr in $T_TMP/mcp.err, exit status in MCP_RC
session() {
	in=$1
	shift
	timeout 20 "$BIN/remediate" mcp --machines-url "$API_URL" --state "$STATE" \
		--audit "$AUDIT" "$@" <"$in" >"$T_TMP/mcp.out" 2>"$T_TMP/mcp.err"
	MCP_RC=$?
}
# answer ID EXPR: evaluate EXPR on the answer with that id
answer() {
	python3 -c '
import json, sys
want = json.loads(sys.argv[1])
for l in open(sys.argv[3]):
    r = json.loads(l)
    if r.get("id") == want:
        v = eval(sys.argv[2], {"r": r, "json": json})
        print(v if isinstance(v, str) else json.dumps(v))
' "$1" "$2" "$T_TMP/mcp.out"
}

INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"test","version":"1"}}}'
cat >"$T_TMP/s1" <<EOF
{"jsonrpc":"2.0","id":0,"method":"ping"}
{"jsonrpc":"2.0","id":"early","method":"tools/list"}
$INIT
{"jsonrpc":"2.0","method":"notifications/initialized"}
{"jsonrpc":"2.0","id":2,"method":"tools/list"}
{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"machines","arguments":{"app":"shop"}}}
{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"status","arguments":{"app":"shop","machine":"$M1"}}}
{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"status","arguments":{"app":"shop","machine":"$MX"}}}
{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"status","arguments":{"app":"shop"}}}
{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"status","arguments":{"app":"shop","machine":"../x"}}}
{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"rm_rf","arguments":{}}}
{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"restart","arguments":{"app":"shop","machine":"$M1"}}}
{"jsonrpc":"2.0","id":10,"method":"prompts/list"}
{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":3}}
this is not json
[{"jsonrpc":"2.0","id":11,"method":"ping"}]
{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"events","arguments":"app=shop"}}
{"jsonrpc":"2.0","id":13,"method":"tools/list","params":{"cursor":"abc"}}
{"jsonrpc":"2.0","id":14,"method":"tools/call","params":{"name":"events","arguments":{"app":"shop","machine":"$M1","limit":500}}}
{"jsonrpc":"1.0","id":15,"method":"ping"}
{"jsonrpc":"2.0","id":16,"method":"tools/call","params":{"name":"releases","arguments":{"app":"shop"}}}
EOF
N=$(api_lines)
session "$T_TMP/s1"
is "$MCP_RC" 0 "exit 0 at EOF"
is "$(python3 -c '
import json, sys
n = 0
for l in open(sys.argv[1]):
    r = json.loads(l); assert r["jsonrpc"] == "2.0"; n += 1
print(n)' "$T_TMP/mcp.out")" 19 "19 answers, all JSON-RPC: none for notifications"
is "$(answer 0 'r["result"]')" '{}' "ping before initialize"
is "$(answer '"early"' 'r["error"]["code"]')" -32600 "other requests before initialize: -32600"
is "$(answer 1 '(r["result"]["protocolVersion"], r["result"]["capabilities"], r["result"]["serverInfo"]["name"])')" \
	'["2025-11-25", {"tools": {"listChanged": false}}, "remediate"]' "initialize: 2025-11-25, tools capability"
is "$(answer 2 '[t["name"] for t in r["result"]["tools"]]')" '["machines", "status", "events", "releases"]' \
	"without --apply: only the read-only tools"
is "$(answer 2 'all(t["annotations"]["readOnlyHint"] and t["inputSchema"]["type"] == "object" for t in r["result"]["tools"])')" \
	true "readOnlyHint, object schemas"
is "$(answer 2 '"nextCursor" in r["result"]')" false "one page"
is "$(answer 3 '(r["result"]["isError"], [m["id"] for m in r["result"]["structuredContent"]["machines"]])')" \
	"[false, [\"$M1\", \"$M2\", \"$M3\"]]" "machines: structuredContent"
is "$(answer 3 'json.loads(r["result"]["content"][0]["text"]) == r["result"]["structuredContent"]["machines"]')" true \
	"the same JSON as text content"
is "$(answer 4 '(r["result"]["isError"], r["result"]["structuredContent"]["id"], r["result"]["structuredContent"]["state"])')" \
	"[false, \"$M1\", \"started\"]" "status: an object"
is "$(answer 5 '(r["result"]["isError"], r["result"]["content"][0]["text"])')" \
	"[true, \"machine $MX not found in app shop\"]" "a machine of another app: isError with the reason"
is "$(answer 6 '(r["result"]["isError"], r["result"]["content"][0]["text"])')" \
	'[true, "status needs \"machine\""]' "missing argument: isError"
is "$(answer 7 'r["result"]["isError"]')" true "bad machine id: isError"
is "$(answer 8 '(r["error"]["code"], r["error"]["message"])')" '[-32602, "Unknown tool: rm_rf"]' "unknown tool: -32602"
like "$(answer 9 '(r["result"]["isError"], r["result"]["content"][0]["text"])')" \
	'^\[true, "restart changes machines; this server is read-only' "a mutating tool without --apply: isError"
is "$(answer 10 'r["error"]["code"]')" -32601 "unknown method: -32601"
is "$(answer null 'r["error"]["code"]' | tr '\n' ' ')" "-32700 -32600 " "garbage: -32700 with id null; a batch: -32600"
is "$(answer 12 'r["error"]["code"]')" -32602 "arguments not an object: -32602"
is "$(answer 13 'r["error"]["code"]')" -32602 "a cursor we never gave: -32602"
is "$(answer 14 '(r["result"]["isError"], r["result"]["content"][0]["text"])')" \
	'[true, "\"limit\" must be an integer from 1 to 50"]' "out of range: isError"
is "$(answer 15 'r["error"]["code"]')" -32600 "jsonrpc 1.0: -32600"
is "$(answer 16 'r["result"]["structuredContent"]["releases"][0]["current"]')" true "releases"
is "$(mutations $((N + 1)))" "" "no mutating request"
is "$(cat "$T_TMP/mcp.err")" "" "nothing on stderr"

# versions: an older one is echoed, an unknown one gets the latest
printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' \
	'{"jsonrpc":"2.0","id":2,"method":"initialize","params":{"protocolVersion":"2099-01-01","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' \
	'{"jsonrpc":"2.0","id":3,"method":"initialize","params":{"protocolVersion":"2024-11-05"}}' >"$T_TMP/s2"
session "$T_TMP/s2"
is "$(answer 1 'r["result"]["protocolVersion"]')" 2025-03-26 "2025-03-26 is echoed"
is "$(answer 2 'r["result"]["protocolVersion"]')" 2025-11-25 "an unknown version: the latest"
is "$(answer 3 'r["result"]["protocolVersion"]')" 2024-11-05 "2024-11-05 is echoed"

# --apply: the mutating tools, under the policy and into the audit log
P=$(policy p 'app shop
    allow machine.restart notify
    escalate machine.memory')
cat >"$T_TMP/s3" <<EOF
$INIT
{"jsonrpc":"2.0","id":2,"method":"tools/list"}
{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"restart","arguments":{"app":"shop","machine":"$M2","signal":"SIGTERM"}}}
{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"memory","arguments":{"app":"shop","machine":"$M2","mb":1024}}}
{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"restart","arguments":{"app":"other","machine":"$MX"}}}
{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"restart","arguments":{"app":"shop","machine":"$M2","signal":"SIGSTOP"}}}
EOF
N=$(api_lines)
A0=$(cat "$AUDIT" 2>/dev/null | wc -l | tr -d " ")
session "$T_TMP/s3" --apply --policy "$P"
is "$(answer 2 '{t["name"]: [t["annotations"][k] for k in ("readOnlyHint", "destructiveHint", "idempotentHint")] for t in r["result"]["tools"] if not t["annotations"]["readOnlyHint"]}')" \
	'{"restart": [false, true, false], "start": [false, false, true], "memory": [false, true, true], "rollback": [false, true, false], "notify": [false, false, false]}' \
	"with --apply: the mutating tools, annotated truthfully"
is "$(answer 3 '(r["result"]["isError"], r["result"]["structuredContent"]["status"], r["result"]["structuredContent"]["source"])')" \
	'[false, "applied", "mcp"]' "restart applied"
like "$(answer 4 '(r["result"]["isError"], r["result"]["structuredContent"]["status"], r["result"]["structuredContent"]["reason"])')" \
	'^\[true, "denied", "policy: this action needs a human' "memory: the policy escalates it, so the tool call is refused"
like "$(answer 5 'r["result"]["structuredContent"]["reason"]')" 'app "other" is not in the policy' "another app: denied"
is "$(answer 6 '(r["result"]["isError"], r["result"]["content"][0]["text"][:24])')" \
	'[true, "\"signal\" must be one of:"]' "a signal not offered: isError"
is "$(mutations $((N + 1)))" "POST /v1/apps/shop/machines/$M2/lease
POST /v1/apps/shop/machines/$M2/restart?signal=SIGTERM
DELETE /v1/apps/shop/machines/$M2/lease" "only the allowed restart reached the API"
is "$(tail -n +$((A0 + 1)) "$AUDIT" | jget 'r["source"] + " " + r["status"]' | tr '\n' ',')" \
	"mcp applied,mcp denied,mcp denied," "the audit log has the MCP decisions"
done_testing

/* mcp.h - `remediate mcp`: the verbs as an MCP server on stdio
 * (protocols.md section 3): JSON-RPC 2.0, one message per line, only
 * MCP messages on stdout, diagnostics on stderr, exit on EOF.
 *
 * Lifecycle of the legacy era: `initialize` negotiates the protocol
 * version (2024-11-05, 2025-03-26, 2025-06-18, 2025-11-25: a supported
 * request is echoed, anything else gets 2025-11-25), `ping` works at any
 * time, other requests before `initialize` get -32600. `tools/list` gives
 * the verb table's MCP tools (mutating ones only when serving with
 * --apply) with readOnlyHint/destructiveHint/idempotentHint set from it;
 * `tools/call` runs a verb under the same policy, state and audit log as
 * the command line. Bad tool arguments are a result with isError (so a
 * model can correct itself); an unknown tool or malformed params -32602;
 * an unknown method -32601; unparsable JSON -32700 with id null; batches
 * -32600. Notifications are never answered.
 *
 * Ownership: borrows the engine and the reader. */
#ifndef SH_MCP_H
#define SH_MCP_H

struct engine;
struct reader;

/* mcp_serve answers requests from rd until EOF or a stop signal. Returns
 * an exit code (0; 74 when the audit log failed). */
int mcp_serve(struct engine *en, struct reader *rd, int apply);

#endif

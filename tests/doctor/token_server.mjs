// The official TypeScript SDK's Streamable HTTP server behind a token
// check, for the doctor test: 401 with WWW-Authenticate unless the
// request carries "Authorization: Bearer <token>" (token from the
// environment variable MCP_TEST_TOKEN).
// usage: MCP_TEST_TOKEN=... node token_server.mjs HOST PORT
import http from "node:http";
import { randomUUID } from "node:crypto";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from
  "@modelcontextprotocol/sdk/server/streamableHttp.js";

const [host, port] = process.argv.slice(2);
const want = "Bearer " + process.env.MCP_TEST_TOKEN;
const transports = new Map();

function readBody(req) {
  return new Promise((resolve) => {
    let data = "";
    req.on("data", (c) => { data += c; });
    req.on("end", () => {
      try { resolve(data ? JSON.parse(data) : undefined); }
      catch { resolve(undefined); }
    });
  });
}

const srv = http.createServer(async (req, res) => {
  const url = new URL(req.url, "http://x");
  if (req.headers["authorization"] !== want) {
    res.writeHead(401, { "WWW-Authenticate": 'Bearer realm="mcp"',
                         "Content-Type": "application/json" });
    res.end('{"error":"unauthorized"}');
    return;
  }
  if (url.pathname !== "/mcp") {
    res.writeHead(404).end("Not Found");
    return;
  }
  const body = req.method === "POST" ? await readBody(req) : undefined;
  const sid = req.headers["mcp-session-id"];
  let t = sid ? transports.get(sid) : undefined;
  if (!t) {
    t = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => transports.set(id, t),
    });
    const s = new McpServer({ name: "mcpdiag-token-server",
                              version: "1.0.0" });
    s.tool("echo", "echo", async () => ({
      content: [{ type: "text", text: "ok" }] }));
    await s.connect(t);
  }
  await t.handleRequest(req, res, body);
});
srv.listen(Number(port), host, () => {
  console.log("ready");
});

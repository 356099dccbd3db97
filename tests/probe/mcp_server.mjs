// A tiny MCP server on the official TypeScript SDK, for the probe tests.
// usage: node mcp_server.mjs MODE HOST PORT
//   streamable  Streamable HTTP at /mcp (stateful, with sessions)
//   sse         the legacy HTTP+SSE transport only: GET /sse, POST /messages
//   hostcheck   Streamable HTTP with DNS-rebinding protection that allows
//               only the Host "allowed.invalid" (answers 403 otherwise)
//   auth        Streamable HTTP at /mcp behind a bearer-token check, as
//               the MCP authorization spec has it: 401 with
//               WWW-Authenticate: Bearer resource_metadata=..., and the
//               protected-resource metadata (RFC 9728) at
//               /.well-known/oauth-protected-resource/mcp
import http from "node:http";
import { randomUUID } from "node:crypto";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from
  "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";

const [mode, host, port] = process.argv.slice(2);

function newServer() {
  const s = new McpServer({ name: "mcpdiag-test-server", version: "1.2.3" });
  s.tool("echo", "echo the text back", async () => ({
    content: [{ type: "text", text: "ok" }],
  }));
  return s;
}

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

const transports = new Map();
const sse = new Map();

const srv = http.createServer(async (req, res) => {
  const url = new URL(req.url, "http://x");
  if (mode === "auth") {
    const base = `http://${req.headers.host}`;
    if (req.method === "GET" &&
        url.pathname === "/.well-known/oauth-protected-resource/mcp") {
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({ resource: `${base}/mcp`,
                         authorization_servers: ["https://auth.example.com/"],
                         bearer_methods_supported: ["header"] }));
      return;
    }
    if (url.pathname === "/mcp" &&
        req.headers.authorization !== "Bearer test-token-123") {
      res.writeHead(401, {
        "www-authenticate": "Bearer error=\"invalid_token\", " +
          `resource_metadata="${base}/.well-known/oauth-protected-resource/mcp"`,
        "content-type": "application/json",
      }).end(JSON.stringify({ error: "invalid_token",
                              error_description: "Missing bearer token" }));
      return;
    }
  }
  if (mode === "sse") {
    if (req.method === "GET" && url.pathname === "/sse") {
      const t = new SSEServerTransport("/messages", res);
      sse.set(t.sessionId, t);
      res.on("close", () => sse.delete(t.sessionId));
      await newServer().connect(t);
      return;
    }
    if (req.method === "POST" && url.pathname === "/messages") {
      const t = sse.get(url.searchParams.get("sessionId"));
      if (!t) { res.writeHead(404).end("no session"); return; }
      await t.handlePostMessage(req, res);
      return;
    }
    res.writeHead(404).end("Not Found");
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
    const opts = { sessionIdGenerator: () => randomUUID(),
                   onsessioninitialized: (id) => transports.set(id, t) };
    if (mode === "hostcheck") {
      opts.enableDnsRebindingProtection = true;
      opts.allowedHosts = ["allowed.invalid"];
    }
    t = new StreamableHTTPServerTransport(opts);
    await newServer().connect(t);
  }
  await t.handleRequest(req, res, body);
});
srv.listen(Number(port), host, () => {
  console.error(`mcp_server ${mode} on ${host}:${port}`);
});

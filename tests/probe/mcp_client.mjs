// The official TypeScript SDK client (Streamable HTTP over Node's fetch),
// for the probe tests: connect, list the tools, exit 0; any failure
// exits 1 with the error on stderr. Bounded: 5 s at most.
// usage: node mcp_client.mjs URL
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from
  "@modelcontextprotocol/sdk/client/streamableHttp.js";

const timer = setTimeout(() => {
  console.error("mcp_client: no answer within 5 s");
  process.exit(1);
}, 5000);
try {
  const client = new Client({ name: "mcpdiag-test-client", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(process.argv[2])));
  const tools = await client.listTools();
  console.log(`mcp_client: ok, ${tools.tools.length} tools`);
  await client.close();
  clearTimeout(timer);
  process.exit(0);
} catch (e) {
  console.error(`mcp_client: ${e && e.cause ? e.cause.code || e.cause : e}`);
  process.exit(1);
}

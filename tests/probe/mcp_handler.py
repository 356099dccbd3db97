"""A small MCP server's request handler, shared by the test servers that
need one (tls_server.py) and the hosted CI's probe checks
(.github/scripts/probe_check.py):

  GET /health   200 {"ok": true}
  POST /mcp     an MCP InitializeResult (application/json), 202 for
                notifications, a JSON-RPC error for other methods
  else          404
"""
import http.server
import json


def handler(server_name, protocol_version="2025-11-25"):
    """A BaseHTTPRequestHandler class whose InitializeResult names
    server_name and protocol_version."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, body, ctype="application/json"):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == "/health":
                self.reply(200, b'{"ok": true}')
            else:
                self.reply(404, b"Not Found", "text/plain")

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            try:
                msg = json.loads(self.rfile.read(n))
            except ValueError:
                msg = {}
            if not isinstance(msg, dict):
                msg = {}
            if self.path != "/mcp":
                self.reply(404, b"Not Found", "text/plain")
            elif msg.get("method") == "initialize":
                self.reply(200, json.dumps({
                    "jsonrpc": "2.0", "id": msg.get("id"),
                    "result": {"protocolVersion": protocol_version,
                               "capabilities": {},
                               "serverInfo": {"name": server_name,
                                              "version": "0.1"}}}).encode())
            elif "id" not in msg:
                self.reply(202, b"")
            else:
                self.reply(200, json.dumps({
                    "jsonrpc": "2.0", "id": msg.get("id"),
                    "error": {"code": -32601,
                              "message": "Method not found"}}).encode())

    return Handler

#!/usr/bin/env python3
"""An HTTPS server for the probe tests (TLS on a port clients may take
for plain HTTP, with a certificate they do not trust).

usage: tls_server.py HOST PORT CERT KEY
  GET /health   200 {"ok": true}
  POST /mcp     an MCP InitializeResult (application/json), 202 for
                notifications
  else          404
The TLS handshake runs in each connection's thread, so a client that
speaks plain HTTP (or nothing) does not block the others.
"""
import http.server
import json
import socket
import socketserver
import ssl
import sys

host, port, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], \
    sys.argv[4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)


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
        if self.path != "/mcp":
            self.reply(404, b"Not Found", "text/plain")
        elif msg.get("method") == "initialize":
            self.reply(200, json.dumps({
                "jsonrpc": "2.0", "id": msg.get("id"),
                "result": {"protocolVersion": "2025-11-25",
                           "capabilities": {},
                           "serverInfo": {"name": "tls-test-server",
                                          "version": "0.1"}}}).encode())
        elif "id" not in msg:
            self.reply(202, b"")
        else:
            self.reply(200, json.dumps({
                "jsonrpc": "2.0", "id": msg.get("id"),
                "error": {"code": -32601, "message": "Method not found"}
            }).encode())


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    address_family = socket.AF_INET6 if ":" in host else socket.AF_INET

    def finish_request(self, request, client_address):
        request.settimeout(30)
        try:
            tls = ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            # A plain-HTTP client: OpenSSL saw "GET ..." and gave up.
            return
        self.RequestHandlerClass(tls, client_address, self)


Server((host, port), Handler).serve_forever()

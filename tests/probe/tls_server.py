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
import socket
import socketserver
import ssl
import sys

import mcp_handler  # beside this file

host, port, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], \
    sys.argv[4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)


Handler = mcp_handler.handler("tls-test-server")


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

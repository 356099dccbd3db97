#!/usr/bin/env python3
"""Misbehaving TCP servers for the probe tests.

usage: servers.py MODE HOST PORT [BACKLOG]
  silent   accepts, reads, never answers
  reset    accepts, reads the request, closes with RST (SO_LINGER 0)
  http     a plain HTTP server that is not MCP (HTML 404 everywhere, 200 /)
  listen   listens with backlog BACKLOG (default 1) and never accepts
  banner   speaks first, and not HTTP (an SSH-style banner), then closes
  slowfirst  as http, but the first request gets no answer (a server
           busy when the first request comes; connections that send
           nothing, as probe's connect stage, do not count)
  hostcheck  the Python MCP SDK's DNS-rebinding check: /mcp answers
           421 "Invalid Host header" (text/plain) to any Host but
           mcp.example.com; other paths 404 "Not Found"
"""
import socket
import struct
import sys
import threading
import time

mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
if fam == socket.AF_INET6:
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s.bind((host, port))
s.listen(int(sys.argv[4]) if len(sys.argv) > 4 else
         1 if mode == "listen" else 64)
print(f"servers.py {mode} on {host}:{port}", file=sys.stderr, flush=True)

if mode == "listen":
    time.sleep(3600)


answered_one = threading.Event()


def serve(c):
    try:
        c.settimeout(30)
        if mode == "banner":
            c.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
        data = c.recv(65536)
        if mode == "banner":
            c.sendall(b"Protocol mismatch.\r\n")
        elif mode == "silent" or (mode == "slowfirst" and data and
                                  not answered_one.is_set()):
            answered_one.set()
            time.sleep(60)
        elif mode == "reset":
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
        elif mode == "hostcheck":
            # mcp.server.transport_security: Response("Invalid Host
            # header", status_code=421) before the transport sees it.
            head = data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
            path = head[0].split(b" ")[1] if b" " in head[0] else b"/"
            host = b""
            for h in head[1:]:
                k, _, v = h.partition(b":")
                if k.strip().lower() == b"host":
                    host = v.strip()
            if path.startswith(b"/mcp") and host != b"mcp.example.com":
                status, body = b"421 Misdirected Request", \
                    b"Invalid Host header"
            else:
                status, body = b"404 Not Found", b"Not Found"
            c.sendall(b"HTTP/1.1 " + status + b"\r\ncontent-type: "
                      b"text/plain; charset=utf-8\r\ncontent-length: " +
                      str(len(body)).encode() +
                      b"\r\nConnection: close\r\n\r\n" + body)
        elif mode in ("http", "slowfirst"):
            first = data.split(b"\r\n", 1)[0]
            if first.startswith(b"GET / "):
                body = b"<html><body>hello</body></html>"
                status = b"200 OK"
            else:
                body = b"<html><body>Cannot find that</body></html>"
                status = b"404 Not Found"
            c.sendall(b"HTTP/1.1 " + status + b"\r\nContent-Type: text/html"
                      b"\r\nContent-Length: " + str(len(body)).encode() +
                      b"\r\nConnection: close\r\n\r\n" + body)
    except OSError:
        pass
    finally:
        c.close()


while True:
    conn, _ = s.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()

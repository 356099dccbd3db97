#!/usr/bin/env python3
"""Misbehaving TCP servers for the probe tests.

usage: servers.py MODE HOST PORT
  silent   accepts, reads, never answers
  reset    accepts, reads the request, closes with RST (SO_LINGER 0)
  http     a plain HTTP server that is not MCP (HTML 404 everywhere, 200 /)
  listen   listens with backlog 1 and never accepts
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
s.listen(1 if mode == "listen" else 64)
print(f"servers.py {mode} on {host}:{port}", file=sys.stderr, flush=True)

if mode == "listen":
    time.sleep(3600)


def serve(c):
    try:
        c.settimeout(30)
        data = c.recv(65536)
        if mode == "silent":
            time.sleep(60)
        elif mode == "reset":
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
        elif mode == "http":
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

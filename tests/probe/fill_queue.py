#!/usr/bin/env python3
"""Fill a listener's accept queue and hold the connections.

usage: fill_queue.py HOST PORT N READYFILE
Waits until HOST:PORT takes a connection (that is the first of the N),
opens the other N-1 without waiting for them, then writes READYFILE and
holds every socket until killed. The server must never accept: each
held connection stays in its accept queue.
"""
import socket
import sys
import time

host, port, n, ready = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    sys.argv[4]
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
held = []
end = time.time() + 10
while True:
    s = socket.socket(fam, socket.SOCK_STREAM)
    try:
        s.settimeout(0.2)
        s.connect((host, port))
        held.append(s)
        break
    except OSError:
        s.close()
        if time.time() > end:
            sys.exit("fill_queue.py: %s:%d never took a connection" %
                     (host, port))
        time.sleep(0.05)
for _ in range(n - 1):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.connect((host, port))
    except BlockingIOError:
        pass
    held.append(s)
# Loopback completes a handshake within microseconds; give the kernel a
# moment anyway before saying the queue is as full as it will get.
time.sleep(0.3)
with open(ready, "w") as f:
    f.write("%d\n" % len(held))
time.sleep(3600)

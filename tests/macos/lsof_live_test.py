#!/usr/bin/env python3
"""The lsof -F parser of the macOS backend (platform/macos/parse_lsof.c)
against the real lsof: Debian's lsof prints the same field output as
macOS's. A python listener on loopback ports, lsof asked about them, the
parser's answer compared with what was started.

    lsof_live_test.py PARSER-BINARY
"""
import os
import shutil
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from mcpdtest import check, finish, skip  # noqa: E402

LISTENER = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
s.listen(8)
ports = [str(s.getsockname()[1])]
try:
    s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s6.bind(("::1", int(ports[0])))
    s6.listen(8)
    ports.append("v6")
except OSError:
    pass
print(" ".join(ports), flush=True)
sys.stdin.read()
"""


def parse(binary, lsof_args):
    """lsof's field output through the parser: its lines, split."""
    out = subprocess.run(["lsof"] + lsof_args, capture_output=True,
                         timeout=30).stdout
    r = subprocess.run([binary, "--lsof"], input=out, capture_output=True,
                       timeout=30)
    lines = r.stdout.decode().splitlines()
    return out, [l.split(" ") for l in lines if not l.startswith("bad ")], \
        [l for l in lines if l.startswith("bad ")]


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    binary = sys.argv[1]
    if shutil.which("lsof") is None:
        skip("lsof is not installed (tests/install-deps.sh installs it)")
    srv = subprocess.Popen([sys.executable, "-c", LISTENER],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        # The listener prints its port once it is listening.
        words = srv.stdout.readline().decode().split()
        if not words:
            skip("the python listener could not start")
        port = int(words[0])
        has_v6 = "v6" in words
        with open("/proc/%d/comm" % srv.pid) as f:
            comm = f.read().strip()
        raw, socks, bad = parse(binary, ["-nP", "-iTCP:%d" % port,
                                         "-sTCP:LISTEN", "-F", "pcuLftPnT"])
        check("parser read every line", bad == ["bad 0"], bad)
        mine = [s for s in socks if s[0] == str(srv.pid)]
        v4 = [s for s in mine if s[3] == "4"]
        check("one IPv4 listener of the python pid", len(v4) == 1,
              raw.decode(errors="replace"))
        if v4:
            pid, uid, command, fam, addr, lport, state = v4[0]
            check("command is the process's comm", command == comm,
                  "%r != %r" % (command, comm))
            check("uid is ours", uid == str(os.getuid()), uid)
            check("address and port", addr == "127.0.0.1" and
                  lport == str(port), "%s %s" % (addr, lport))
            check("state LISTEN", state == "LISTEN", state)
        if has_v6:
            v6 = [s for s in mine if s[3] == "6"]
            check("the [::1] listener", len(v6) == 1 and v6[0][4] == "::1"
                  and v6[0][5] == str(port), v6)
        check("nothing but our listeners", len(socks) == len(mine), socks)
        # A connection to it: both ends, one named by "->".
        c = socket.create_connection(("127.0.0.1", port), timeout=5)
        try:
            raw, socks, bad = parse(binary, ["-nP", "-a", "-p",
                                             str(os.getpid()),
                                             "-iTCP:%d" % port, "-F",
                                             "pcuLftPnT"])
            est = [s for s in socks if s[6] == "ESTABLISHED"]
            check("our connected socket, with its own port",
                  len(est) == 1 and est[0][0] == str(os.getpid()) and
                  est[0][5] == str(c.getsockname()[1]),
                  raw.decode(errors="replace"))
        finally:
            c.close()
    finally:
        srv.stdin.close()
        srv.wait(timeout=10)
    finish()


if __name__ == "__main__":
    main()

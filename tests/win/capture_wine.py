#!/usr/bin/env python3
"""capture on Windows, with real traffic: mcpdiag.exe runs under wine in
a network namespace and captures its loopback through a wpcap.dll in
System32\\Npcap, where it loads Npcap's. Npcap's driver cannot run
under wine; wine's own wpcap.dll (the WinPcap API over the host's
libpcap) can, so the test puts that one there: the .exe goes through
the same run-time loading, adapter naming (wine names an adapter by its
Linux name, as Windows by "Ethernet"), non-blocking reads, -w writer and
COMMAND runner a user's Npcap would meet. What differs is below the
API: Npcap's loopback adapter and its driver.

Each situation is captured natively too, in the same namespace: the
wire verdicts and the cause must be the same, and the .exe's -w file
must give the same verdicts under the native analyze. Elevated (wine
runs programs as an administrator), COMMAND must get a token without
Administrators.

usage: capture_wine.py WINE_RUN WIN_EXE NATIVE_MCPDIAG TOKEN_CHECK_EXE
                       WINEPREFIX
Exits 77 (skipped) with the reason without root, namespaces, wine or
a native build.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import mcpdtest  # noqa: E402
import winetest  # noqa: E402
from mcpdtest import check, finish, skip  # noqa: E402

WINE_RUN, WIN_EXE, NATIVE, TOKEN_CHECK, PREFIX = sys.argv[1:6]
TMP = tempfile.mkdtemp(prefix="mcpd-wcap-")
ENV = dict(os.environ, LC_ALL="C", NO_COLOR="1", WINEPREFIX=PREFIX)

HTTP_OK = r'''
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
print("ready", flush=True)
while True:
    c, _ = s.accept(); c.recv(65536)
    body = b'{"jsonrpc":"2.0","id":1,"result":{}}'
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
              + body)
    c.close()
'''


def capture(ns, native, args, tag):
    """capture --json -w FILE ARGS in ns, natively or under wine:
    (exit status, document or None, stderr, the -w file)."""
    pcap = os.path.join(TMP, "%s-%s.pcap" % (tag, "native" if native
                                             else "wine"))
    if native:
        cmd = [NATIVE, "capture", "-i", "lo", "-w", pcap]
    else:
        cmd = [WINE_RUN, WIN_EXE, "capture", "-i", "lo", "-w",
               "Z:" + pcap.replace("/", "\\")]
    p = ns.run(*(cmd + ["--json"] + args), env=ENV, timeout=120)
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        doc = None
    return p.returncode, doc, p.stderr.decode(errors="replace"), pcap


def verdicts(doc):
    return sorted(c["verdict"] for c in doc["connections"]) if doc else None


def cause(doc):
    return doc["diagnosis"]["cause"] if doc else None


def analyze(pcap):
    p = subprocess.run([NATIVE, "analyze", "--json", pcap],
                       capture_output=True)
    try:
        return json.loads(p.stdout)
    except ValueError:
        return None


def both(ns, name, args, want_verdicts):
    """The same situation natively and under wine."""
    nrc, ndoc, nerr, _ = capture(ns, True, args, name)
    wrc, wdoc, werr, wpcap = capture(ns, False, args, name)
    check("%s: native capture gives %s" % (name, want_verdicts),
          verdicts(ndoc) == want_verdicts, "rc=%d %r %s" %
          (nrc, verdicts(ndoc), nerr[-400:]))
    check("%s: the .exe gives the native verdicts" % name,
          verdicts(wdoc) == verdicts(ndoc),
          "rc=%d %r %s" % (wrc, verdicts(wdoc), werr[-600:]))
    check("%s: and the native cause (%s)" % (name, cause(ndoc)),
          cause(wdoc) == cause(ndoc), "%r" % cause(wdoc))
    check("%s: and the native exit status (%d)" % (name, nrc), wrc == nrc,
          "rc=%d" % wrc)
    adoc = analyze(wpcap)
    check("%s: the .exe's -w file gives its verdicts under analyze" % name,
          verdicts(adoc) == verdicts(wdoc), "%r" % verdicts(adoc))
    return wdoc, werr


def main():
    if os.geteuid() != 0:
        skip("needs root (network namespaces)")
    if not shutil.which("ip") or not shutil.which("wineserver"):
        skip("needs ip (iproute2) and wine")
    if not os.access(NATIVE, os.X_OK):
        skip("no native mcpdiag at %r to compare with" % NATIVE)
    winetest.wine_stop(ENV)
    with mcpdtest.Netns("wcap") as ns:
        winetest.boot_with_wpcap(ns, WINE_RUN, ENV, PREFIX)
        try:
            run_cases(ns)
        finally:
            winetest.wine_stop(ENV)
    shutil.rmtree(TMP, ignore_errors=True)
    finish()


def run_cases(ns):
    both(ns, "nothing listens", ["127.0.0.1:3009"], ["REFUSED"])

    path = os.path.join(TMP, "http_ok.py")
    with open(path, "w") as f:
        f.write(HTTP_OK)
    ns.start([sys.executable, path, "3000"], ready_line=True)
    both(ns, "a server that answers", ["127.0.0.1:3000"], ["CLOSED"])

    r = ns.run("iptables", "-A", "INPUT", "-p", "tcp", "--dport", "3001",
               "-j", "DROP")
    if r.returncode != 0:
        check("iptables DROP rule in the namespace", False, r.stderr)
    else:
        wdoc, _ = both(ns, "an iptables DROP", ["--timeout", "2",
                                               "127.0.0.1:3001"],
                       ["TIMEOUT"])

    # No such adapter: one line naming where to look, exit 3.
    p = ns.run(WINE_RUN, WIN_EXE, "capture", "-i", "no-such-adapter",
               "127.0.0.1:3009", env=ENV, timeout=60)
    err = p.stderr.decode(errors="replace").strip().splitlines()
    check("an adapter that does not exist: exit 3, one line",
          p.returncode == 3 and len(err) == 1 and "no adapter" in err[0] and
          "ipconfig" in err[0], "rc=%d %r" % (p.returncode, err))

    # COMMAND, from an elevated mcpdiag: same user, no Administrators.
    direct = ns.run(WINE_RUN, TOKEN_CHECK, env=ENV, timeout=60)
    out = direct.stdout.decode(errors="replace")
    if "admins=1" not in out:
        print("note: wine runs programs without Administrators here (%s): "
              "the restricted token is not exercised" % out.strip())
    else:
        rc, doc, err, _ = capture(ns, False, ["127.0.0.1:3009", "--",
                                              TOKEN_CHECK], "token")
        check("COMMAND of an elevated capture runs without Administrators",
              "admins=0" in err and "exited with status 0" in err,
              "rc=%d %s" % (rc, err[-600:]))


if __name__ == "__main__":
    main()

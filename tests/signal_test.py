#!/usr/bin/env python3
"""Signals leave a valid pcap and a complete report (issue 5, item 6).

analyze (any user):
  - SIGINT and SIGTERM while `mcpdiag analyze FILE --jsonl` reads a
    ~300 MB capture made by tests/bench/gen_capture at test time: exactly
    one stderr line "mcpdiag: interrupted after N packets; the report
    covers them" with N below the file's packet count (it really was cut
    short), a summary object that parses, summary.connections equal to
    the connection records printed, stats.packets == N, and the exit
    status of SPEC for what was seen (1 when a failure verdict is in the
    report, else 0), never 3: an interruption is not a damaged file.
  - the same with SIGINT while it reads the capture from a pipe on
    standard input and is blocked in read().
capture (root, network namespace; skipped otherwise):
  - SIGINT and SIGTERM during `mcpdiag capture 3000 --passive --json -w
    FILE` while a client loops requests against a server in the
    namespace: exit 0/1 per SPEC, one JSON document with the summary,
    the stop message on stderr, `tcpdump -r FILE` reads the file without
    error and counts exactly stats.packets packets, and `analyze FILE`
    gives the same verdicts.

usage: signal_test.py MCPDIAG GEN_CAPTURE
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import mcpdtest
from mcpdtest import check

EXE = None
TMP = None
HEALTHY = ("ESTABLISHED", "CLOSED")


class Reader(threading.Thread):
    """Drains a pipe; remembers when the first byte came."""

    def __init__(self, f):
        super().__init__(daemon=True)
        self.f = f
        self.data = b""
        self.first = threading.Event()
        self.start()

    def run(self):
        while True:
            b = self.f.read1(1 << 16) if hasattr(self.f, "read1") else \
                self.f.read(1 << 16)
            if not b:
                break
            self.data += b
            self.first.set()
        self.first.set()


def parse_jsonl(out):
    records, summary, bad = 0, None, 0
    failing = 0
    for line in out.splitlines():
        try:
            d = json.loads(line)
        except ValueError:
            bad += 1
            continue
        if d.get("type") == "connection":
            records += 1
            if d["verdict"] not in HEALTHY:
                failing += 1
        elif d.get("type") == "summary":
            summary = d
    return records, summary, bad, failing


def check_interrupted(label, rc, out, err, total_packets):
    records, summary, bad, failing = parse_jsonl(out)
    lines = [x for x in err.decode(errors="replace").splitlines()
             if x.strip()]
    n = None
    if len(lines) >= 1 and lines[0].startswith("mcpdiag: interrupted after"):
        try:
            n = int(lines[0].split()[3])
        except (IndexError, ValueError):
            pass
    check("%s: one stderr line 'interrupted after N packets'" % label,
          len(lines) == 1 and n is not None, repr(lines))
    check("%s: cut short (N=%s < %d packets in the file)" %
          (label, n, total_packets), n is not None and 0 < n < total_packets)
    ok = summary is not None and bad == 0 and \
        summary["summary"]["connections"] == records and records > 0 and \
        summary["stats"]["packets"] == n
    check("%s: complete report: summary parses, %d records == "
          "summary.connections, stats.packets == N" % (label, records), ok,
          "bad=%d summary=%s" % (bad, json.dumps(summary)[:400]
                                 if summary else None))
    want = 1 if failing or (summary and summary["diagnosis"]["cause"]
                            != "ok") else 0
    check("%s: exit %d per SPEC for what was seen (got %d)" %
          (label, want, rc), rc == want)


def analyze_file(path, total_packets, sig):
    """Interrupt analyze reading a file; retried if it finished first."""
    label = "analyze FILE, %s" % signal.Signals(sig).name
    for attempt in range(3):
        p = subprocess.Popen([EXE, "analyze", path, "--jsonl"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out = Reader(p.stdout)
        out.first.wait(30)         # the handler is set before any output
        p.send_signal(sig)
        err = p.stderr.read()
        rc = p.wait(60)
        out.join(60)
        if b"interrupted" in err or attempt == 2:
            break
        print("  (%s finished before the signal; again)" % label)
    check_interrupted(label, rc, out.data, err, total_packets)


def analyze_stdin(path, total_packets):
    """Interrupt analyze while it waits in read() on an idle pipe."""
    label = "analyze - (pipe), SIGINT while blocked in read()"
    with open(path, "rb") as f:
        head = f.read(30 << 20)
    p = subprocess.Popen([EXE, "analyze", "-", "--jsonl"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    out = Reader(p.stdout)
    p.stdin.write(head)
    p.stdin.flush()
    time.sleep(1.0)                # it has read all of it and waits
    p.send_signal(signal.SIGINT)
    try:
        rc = p.wait(30)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
        check(label + ": stops without more input", False, "hung")
    try:
        p.stdin.close()
    except BrokenPipeError:
        pass
    out.join(60)
    check_interrupted(label, rc, out.data, p.stderr.read(), total_packets)


# ---- capture -------------------------------------------------------------

SERVER = r'''
import socket, sys, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 3000)); s.listen(128)
print("ready", flush=True)
def serve(c):
    c.recv(65536)
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close"
              b"\r\n\r\n{}")
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
'''

CLIENT = r'''
import socket, time
while True:
    try:
        c = socket.create_connection(("127.0.0.1", 3000), timeout=2)
        c.sendall(b"POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                  b"\r\n{}")
        c.recv(65536); c.close()
    except OSError:
        pass
    time.sleep(0.005)
'''


def capture_signal(sig):
    label = "capture --passive -w, %s" % signal.Signals(sig).name
    ns = "mcpd-sig-%d-%d" % (os.getpid(), sig)
    pcap = os.path.join(TMP, "cap-%d.pcap" % sig)
    procs = []
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", ns, "ip", "link", "set", "lo",
                        "up"], check=True)
        for name, code in (("srv.py", SERVER), ("cli.py", CLIENT)):
            with open(os.path.join(TMP, name), "w") as f:
                f.write(code)
        srv = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable,
                                os.path.join(TMP, "srv.py")],
                               stdout=subprocess.PIPE)
        procs.append(srv)
        srv.stdout.readline()
        # `ip netns exec` execs mcpdiag: the pid is mcpdiag's own.
        cap = subprocess.Popen(["ip", "netns", "exec", ns, EXE, "capture",
                                "3000", "--passive", "--json", "-w", pcap],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=dict(os.environ, LC_ALL="C",
                                        NO_COLOR="1"))
        procs.append(cap)
        out = Reader(cap.stdout)
        errline = cap.stderr.readline()      # "mcpdiag capture on lo ..."
        cli = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable,
                                os.path.join(TMP, "cli.py")])
        procs.append(cli)
        time.sleep(1.5)
        cap.send_signal(sig)                 # traffic still flowing
        try:
            rc = cap.wait(30)
        except subprocess.TimeoutExpired:
            cap.kill()
            rc = cap.wait()
            check(label + ": stops", False, "hung")
        err = (errline + cap.stderr.read()).decode(errors="replace")
        out.join(30)
        try:
            doc = json.loads(out.data)
        except ValueError:
            doc = None
        check(label + ": one complete JSON report with the summary",
              doc is not None and "summary" in doc and
              doc["summary"]["connections"] == len(doc["connections"]) > 0,
              "rc=%d out=%r err=%r" % (rc, out.data[-300:], err[-500:]))
        if doc is None:
            return
        want = 0 if doc["diagnosis"]["cause"] == "ok" else 1
        check("%s: exit %d per SPEC (got %d), stop reported on stderr" %
              (label, want, rc), rc == want and
              "stopped; the report covers everything captured" in err, err)
        t = subprocess.run(["tcpdump", "-nn", "-r", pcap],
                           capture_output=True)
        count = len(t.stdout.splitlines())
        npk = doc["stats"]["packets"]
        check("%s: tcpdump -r reads the file (%d packets == stats.packets "
              "%d)" % (label, count, npk), t.returncode == 0 and
              count == npk and npk > 0, t.stderr.decode()[-300:])
        a = subprocess.run([EXE, "analyze", pcap, "--json"],
                           capture_output=True)
        try:
            adoc = json.loads(a.stdout)
        except ValueError:
            adoc = None
        check(label + ": analyze of the file gives the same verdicts",
              adoc is not None and adoc["summary"] == doc["summary"],
              "%s vs %s" % (adoc and adoc["summary"], doc["summary"]))
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.kill()
            p.wait()
        subprocess.run(["ip", "netns", "del", ns])


def main():
    global EXE, TMP
    EXE = os.path.abspath(sys.argv[1])
    gen = os.path.abspath(sys.argv[2])
    TMP = tempfile.mkdtemp(prefix="mcpd-sig-")
    try:
        big = os.path.join(TMP, "big.pcap")
        g = subprocess.run([gen, big, "--target-bytes", "300000000",
                            "--connections", "60000", "--quiet"],
                           capture_output=True, check=True)
        total = json.loads(g.stdout)["packets"]
        print("  generated %s: %d bytes, %d packets" %
              (big, os.path.getsize(big), total))
        analyze_file(big, total, signal.SIGINT)
        analyze_file(big, total, signal.SIGTERM)
        analyze_stdin(big, total)
        os.unlink(big)
        if os.geteuid() != 0:
            print("SKIP capture signals: need root (network namespaces)")
        elif subprocess.run(["ip", "netns", "list"],
                            capture_output=True).returncode != 0:
            print("SKIP capture signals: no 'ip netns' here")
        else:
            capture_signal(signal.SIGINT)
            capture_signal(signal.SIGTERM)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    mcpdtest.finish()


if __name__ == "__main__":
    main()

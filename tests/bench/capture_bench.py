#!/usr/bin/env python3
"""Capture benchmark (not a test): as root, in a network namespace.

1. Flood: RATE connect attempts a second (default 10000) to a closed
   loopback port for SECONDS (default 10) while `mcpdiag capture
   --passive --jsonl` watches. Reports the kernel's drop counters, the
   connections seen, and the CPU mcpdiag used.
2. Latency: 200 single refused connects, 20 ms apart, on an idle
   machine: the time from the RST's capture timestamp to the moment the
   verdict line reaches a reader of mcpdiag's output (p50, p99, max).

usage: capture_bench.py MCPDIAG [RATE] [SECONDS]
"""
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def netns(name):
    subprocess.run(["ip", "netns", "add", name], check=True)
    subprocess.run(["ip", "netns", "exec", name, "ip", "link", "set", "lo",
                    "up"], check=True)


def run_capture(exe, ns, seconds, extra_client):
    """Start capture; run extra_client(); return (records, arrival times,
    summary, cpu seconds)."""
    p = subprocess.Popen(["ip", "netns", "exec", ns, exe, "capture", "3000",
                          "--passive", "--duration", str(seconds), "--jsonl",
                          "-q"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, bufsize=0)
    lines = []
    errs = []

    def reader():
        for line in p.stdout:
            lines.append((time.time(), line))

    def err_reader():
        # Drained too: a full stderr pipe would stall mcpdiag.
        errs.append(p.stderr.read())
    t = threading.Thread(target=reader)
    t.start()
    te = threading.Thread(target=err_reader)
    te.start()
    time.sleep(1.0)          # capture open and filtering
    extra_client()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p.wait()
    t.join()
    te.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime -
                                               before.ru_stime)
    recs = [(ts, json.loads(l)) for ts, l in lines if l.strip()]
    summary = recs[-1][1] if recs else {}
    return recs, summary, cpu, b"".join(errs).decode()


def main():
    exe = os.path.abspath(sys.argv[1])
    rate = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    secs = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    if os.geteuid() != 0:
        sys.exit("capture_bench: needs root")
    work = tempfile.mkdtemp(prefix="mcpd-capbench-")
    flood = os.path.join(work, "connflood")
    subprocess.run(["cc", "-O2", "-Wall", "-Wextra", "-Werror", "-o", flood,
                    os.path.join(HERE, "connflood.c")], check=True)
    ns = "mcpd-capbench-%d" % os.getpid()
    netns(ns)
    try:
        def do_flood():
            r = subprocess.run(["ip", "netns", "exec", ns, flood, "3000",
                                str(rate), str(secs)], capture_output=True)
            print("flood:", r.stdout.decode().strip())
        recs, summary, cpu, err = run_capture(exe, ns, secs + 4, do_flood)
        st = summary.get("stats", {})
        conns = summary.get("summary", {}).get("connections")
        print("| metric | value |\n|---|---:|")
        print("| attempts | %d (%d/s for %d s) |" % (rate * secs, rate, secs))
        print("| connections reported | %s |" % conns)
        print("| packets received by libpcap | %s |" % st.get(
            "pcap_received"))
        print("| kernel drops (ps_drop) | %s |" % st.get("pcap_drop"))
        print("| interface drops | %s |" % st.get("pcap_ifdrop"))
        print("| mcpdiag CPU | %.2f s over %d s |" % (cpu, secs + 4))
        if err.strip():
            print("stderr:", err.strip()[:300])

        # Single connects, 20 ms apart, from inside the namespace.
        code = ("import socket,time\n"
                "for _ in range(200):\n"
                " s=socket.socket()\n"
                " try: s.connect(('127.0.0.1',3000))\n"
                " except OSError: pass\n"
                " s.close(); time.sleep(0.02)\n")

        def do_latency():
            subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-c",
                            code], check=True)
        recs, summary, cpu, err = run_capture(exe, ns, 8, do_latency)
        lat = sorted((ts - float(r["end"])) * 1000 for ts, r in recs
                     if r.get("type") == "connection" and
                     r["verdict"] == "REFUSED")
        if lat:
            def pct(q):
                return lat[min(len(lat) - 1, int(q * len(lat)))]
            print("| RST on the wire -> REFUSED line read (%d samples) | "
                  "p50 %.2f ms, p99 %.2f ms, max %.2f ms |" %
                  (len(lat), pct(0.5), pct(0.99), lat[-1]))
    finally:
        subprocess.run(["ip", "netns", "del", ns])


if __name__ == "__main__":
    main()

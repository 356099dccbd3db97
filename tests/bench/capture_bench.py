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
import re
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


def run_capture_to_file(exe, ns, seconds, extra_client, path, extra=()):
    """Flood phase: records go to a file, as a user would keep them (a
    slow reader on a pipe would hold mcpdiag back, and that would be the
    reader's drops, not mcpdiag's). mcpdiag's own CPU time comes from
    /usr/bin/time around it."""
    timing = path + ".time"
    with open(path, "wb") as out:
        p = subprocess.Popen(["ip", "netns", "exec", ns, "/usr/bin/time",
                              "-f", "%U %S", "-o", timing, exe, "capture",
                              "3000", "--passive", "--duration",
                              str(seconds), "--jsonl", "-q"] + list(extra),
                             stdout=out, stderr=subprocess.PIPE)
        time.sleep(1.0)
        extra_client()
        err = p.communicate()[1].decode()
    with open(timing) as f:
        # "Command exited with non-zero status 1" may come first: exit 1
        # means problems were found, which a flood of refusals is.
        u, sy = f.read().strip().splitlines()[-1].split()[:2]
    with open(path) as f:
        lines = [json.loads(x) for x in f if x.strip()]
    return lines[-1] if lines else {}, float(u) + float(sy), err


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
            subprocess.run(["ip", "netns", "exec", ns, flood, "3000",
                            str(rate), str(secs)], capture_output=True)
        print("| witness | attempts | flood took | connections reported | "
              "kernel drops (ps_drop) | interface drops | witness events "
              "lost | mcpdiag CPU |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for label, extra in (("on", ()), ("off", ("--no-witness",))):
            took = []

            def timed_flood():
                t0 = time.time()
                do_flood()
                took.append(time.time() - t0)
            summary, cpu, err = run_capture_to_file(
                exe, ns, secs + 4, timed_flood,
                os.path.join(work, "flood.jsonl"), extra)
            st = summary.get("stats", {})
            lost = "n/a"
            if label == "on":
                m = re.search(r"warning: (\d+) kernel events were lost", err)
                lost = m.group(1) if m else "0"
            print("| %s | %d (%d/s) | %.1f s | %s | %s | %s | %s | %.2f s |"
                  % (label, rate * secs, rate, took[0] if took else 0,
                     summary.get("summary", {}).get("connections"),
                     st.get("pcap_drop"), st.get("pcap_ifdrop"), lost, cpu))
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

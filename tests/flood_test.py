#!/usr/bin/env python3
"""Floods: memory stays bounded, every connection is reported exactly once,
and evictions are counted (issue 5, item 4).

Captures are generated at test time by tests/flood_gen.c into a temporary
directory (nothing large is committed) and read by
`mcpdiag analyze FILE --jsonl`:

  syn 1M / syn 2M   distinct unanswered SYNs, 10 us apart: all of them are
                    still inside the 65 s handshake timeout, so past the
                    150 000 cap the tracker must evict.
  open 500k         500 000 complete handshakes, never closed: 500 000
                    connections open at once at the end of the capture.
  open 500k with --max-flows 600000: nothing evicted; gives the memory
                    cost of one connection.

Asserted for each run:
  - summary.connections == number of SYNs in the file, and the JSONL
    stream holds exactly one record per 4-tuple (a bitmap over the
    generator's connection index: no duplicate, none missing);
  - stats.evicted == connections - max_flows when the cap is exceeded
    (> 0), == 0 otherwise, and equals the records marked "evicted": true;
  - peak RSS of the mcpdiag process (getrusage of the child, wait4) under
    RSS_CAP_MIB with the default --max-flows 150000, and the same for
    1 M and 2 M SYNs (memory does not grow with the file);
  - the CPU time of 2 M SYNs against 1 M is printed (best of 3 runs of
    `analyze -q`; measured 1.9x, a quadratic tracker would give ~4x) but
    not asserted: load beside the test moves it, and timing belongs to
    tests/bench/flood_bench.sh.

Under sanitizers (--sanitized) the sizes are halved and the RSS bounds
are reported, not asserted (ASan's shadow memory and quarantine are not
mcpdiag's memory).

usage: flood_test.py MCPDIAG FLOOD_GEN [--sanitized] [--syn N] [--open N]
"""
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import mcpdtest
from mcpdtest import check

# Documented cap: with the default --max-flows 150000 mcpdiag's peak RSS
# stays under 80 MiB whatever the capture (measured: 69 MiB, RelWithDebInfo,
# 2-core VM; ~350 bytes per connection held plus ~16 MiB of buffers, the
# read-ahead ring keeping 384 payload bytes of each packet).
RSS_CAP_MIB = 80
DEFAULT_MAX_FLOWS = 150000
PORTS_PER_ADDR = 50000          # as in flood_gen.c


REC = re.compile(rb'^\{"type":"connection","client":\{"addr":"10\.(\d+)\.'
                 rb'(\d+)\.(\d+)","port":(\d+)\}.*"verdict":"([A-Z_]+)"'
                 rb'.*"evicted":(true|false)')


def run_analyze(exe, path, n, args=()):
    """Run analyze --jsonl; returns (rc, summary, rusage, wall, per-record
    tallies). Every record is checked against the bitmap of 4-tuples."""
    seen = bytearray(n)
    dup = bad = records = evicted_marked = 0
    verdicts = {}
    summary = None
    t0 = time.monotonic()
    p = subprocess.Popen([exe, "analyze", path, "--jsonl"] + list(args),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=dict(os.environ, LC_ALL="C", NO_COLOR="1"))
    for line in p.stdout:
        if line.startswith(b'{"type":"connection"'):
            records += 1
            m = REC.match(line)
            if not m:
                bad += 1
                continue
            a, b, c, port = (int(x) for x in m.group(1, 2, 3, 4))
            i = (((a << 16) | (b << 8) | c) - 1) * PORTS_PER_ADDR + \
                port - 10000
            if not 0 <= i < n:
                bad += 1
            elif seen[i]:
                dup += 1
            else:
                seen[i] = 1
            v = m.group(5).decode()
            verdicts[v] = verdicts.get(v, 0) + 1
            if m.group(6) == b"true":
                evicted_marked += 1
        else:
            try:
                doc = json.loads(line)
            except ValueError:
                bad += 1
                continue
            if doc.get("type") == "summary":
                summary = doc
    err = p.stderr.read().decode(errors="replace")
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - t0
    missing = n - sum(seen)
    return dict(rc=p.returncode, err=err, summary=summary, ru=ru, wall=wall,
                records=records, dup=dup, bad=bad, missing=missing,
                verdicts=verdicts, evicted_marked=evicted_marked)


def cpu_quiet(exe, path):
    """CPU seconds (user+sys) of `analyze FILE -q` with output discarded."""
    p = subprocess.Popen([exe, "analyze", path, "-q"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, ru = os.wait4(p.pid, 0)
    p.returncode = 0
    return ru.ru_utime + ru.ru_stime


def rss_mib(r):
    return r["ru"].ru_maxrss / 1024.0     # Linux: KiB


def cpu_s(r):
    return r["ru"].ru_utime + r["ru"].ru_stime


def check_run(label, r, n, verdict, max_flows, rc_ok):
    s = r["summary"] or {}
    st = s.get("stats", {})
    print("  %s: %d connections, wall %.2f s, cpu %.2f s, peak RSS %.1f MiB,"
          " evicted %s" % (label, n, r["wall"], cpu_s(r), rss_mib(r),
                           st.get("evicted")))
    check("%s: exit %s, one summary, stderr empty" % (label, rc_ok),
          r["rc"] == rc_ok and r["summary"] is not None and not r["err"],
          "rc=%d err=%r" % (r["rc"], r["err"][:300]))
    check("%s: summary.connections == SYNs sent (%d)" % (label, n),
          s.get("summary", {}).get("connections") == n and
          st.get("packets") is not None,
          json.dumps(s.get("summary")))
    check("%s: every connection reported exactly once" % label,
          r["records"] == n and r["dup"] == 0 and r["missing"] == 0 and
          r["bad"] == 0, "records=%d dup=%d missing=%d unparsed=%d" %
          (r["records"], r["dup"], r["missing"], r["bad"]))
    check("%s: all %s" % (label, verdict),
          r["verdicts"] == {verdict: n} and
          s.get("summary", {}).get("verdicts") == {verdict: n},
          "%s / %s" % (r["verdicts"], s.get("summary", {}).get("verdicts")))
    want = max(0, n - max_flows)
    check("%s: stats.evicted == %d, matches the records marked evicted, "
          "peak in memory <= cap" % (label, want),
          st.get("evicted") == want and r["evicted_marked"] == want and
          st.get("peak_connections_in_memory", 1 << 62) <= max_flows,
          "evicted=%s marked=%d peak=%s" % (st.get("evicted"),
                                           r["evicted_marked"],
                                           st.get("peak_connections_in_memory"
                                                  )))


def main():
    exe, gen = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    args = sys.argv[3:]
    sanitized = "--sanitized" in args
    # Under sanitizers, half the sizes (still far past the cap, so the
    # eviction path runs): ASan makes analyze ~5x slower.
    n_syn = 1000000 if sanitized else 2000000
    n_open = 250000 if sanitized else 500000
    for i, a in enumerate(args):
        if a == "--syn":
            n_syn = int(args[i + 1])
        elif a == "--open":
            n_open = int(args[i + 1])
    tmp = tempfile.mkdtemp(prefix="mcpd-flood-")
    try:
        def make(name, mode, n):
            path = os.path.join(tmp, name)
            subprocess.run([gen, path, mode, str(n)], check=True)
            return path

        # SYN floods: half and full size, for the linearity bound.
        half = n_syn // 2
        path1 = make("syn-half.pcap", "syn", half)
        r1 = run_analyze(exe, path1, half)
        check_run("syn %d" % half, r1, half, "TIMEOUT", DEFAULT_MAX_FLOWS, 1)
        path2 = make("syn-full.pcap", "syn", n_syn)
        r2 = run_analyze(exe, path2, n_syn)
        check_run("syn %d" % n_syn, r2, n_syn, "TIMEOUT", DEFAULT_MAX_FLOWS,
                  1)
        # Timing: the tracker and reader, not 1 GB of JSONL through a
        # pipe to Python: -q text to /dev/null, best of 3 CPU times.
        # Interleaved, so a burst of load elsewhere hits both sizes.
        t1 = t2 = float("inf")
        for _ in range(3):
            t1 = min(t1, cpu_quiet(exe, path1))
            t2 = min(t2, cpu_quiet(exe, path2))
        os.unlink(path1)
        os.unlink(path2)

        path = make("open.pcap", "open", n_open)
        r3 = run_analyze(exe, path, n_open)
        check_run("open %d" % n_open, r3, n_open, "ESTABLISHED",
                  DEFAULT_MAX_FLOWS, 0)
        big = n_open + n_open // 5
        r4 = run_analyze(exe, path, n_open, ["--max-flows", str(big)])
        os.unlink(path)
        check_run("open %d --max-flows %d" % (n_open, big), r4, n_open,
                  "ESTABLISHED", big, 0)
        per_conn = (rss_mib(r4) - rss_mib(r3)) * 1048576 / \
            max(1, n_open - DEFAULT_MAX_FLOWS)
        print("  memory per connection held: ~%.0f bytes" % per_conn)

        runs = [r1, r2, r3]
        peak = max(rss_mib(r) for r in runs)
        if sanitized:
            print("  sanitizer build: peak RSS %.1f MiB reported, not "
                  "checked against %d MiB" % (peak, RSS_CAP_MIB))
        else:
            check("peak RSS %.1f MiB < %d MiB cap with --max-flows %d" %
                  (peak, RSS_CAP_MIB, DEFAULT_MAX_FLOWS),
                  peak < RSS_CAP_MIB)
            check("memory does not grow with the file: RSS %d vs %d SYNs "
                  "within 8 MiB (%.1f vs %.1f)" % (half, n_syn, rss_mib(r1),
                                                   rss_mib(r2)),
                  abs(rss_mib(r2) - rss_mib(r1)) < 8)
            check("held connections cost < 1 KiB each (%.0f bytes)" %
                  per_conn, 0 < per_conn < 1024)
        # Reported, not asserted: CPU time still moves with the load
        # beside the test (cache and memory bandwidth are shared), and
        # timing belongs to tests/bench/flood_bench.sh. The counts above
        # (each connection once, evictions exact) are what must hold.
        ratio = t2 / max(t1, 0.01)
        print("  time (reported only): cpu %.2f s / %.2f s for %d / %d "
              "SYNs = %.2fx (a quadratic tracker would give ~4x)" %
              (t2, t1, n_syn, half, ratio))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    mcpdtest.finish()


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()

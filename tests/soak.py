#!/usr/bin/env python3
"""Soak the test suite: run tests/run-all.sh N times, optionally beside a
CPU hog, and print each test's pass rate. Not a test itself: it finds the
tests whose result depends on timing or load.

usage: tests/soak.py [-n RUNS] [--hog] [--passes "normal asan"]
                     [-R REGEX] [--fuzz-seconds S] [--out FILE]

--hog starts one busy loop per core beside the suite (what a loaded CI
machine looks like). --out writes the table as Markdown (for example
tests/bench/soak.md). Exit status: 0 when every run passed, 1 otherwise.
"""
import argparse
import collections
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULT = re.compile(r"^\s*\d+/\d+ Test\s+#\d+: (\S+) \.*\s*(\*+)?"
                    r"\s*(Passed|Failed|Timeout|Not Run|Skipped|\S.*?)\s+"
                    r"[\d.]+ sec")


def hog_start():
    """One busy loop per core, in its own process group."""
    procs = []
    for _ in range(os.cpu_count() or 2):
        procs.append(subprocess.Popen(["sh", "-c", "while :; do :; done"],
                                      start_new_session=True))
    return procs


def hog_stop(procs):
    for p in procs:
        p.kill()
        p.wait()


def one_run(args, i, log_dir):
    env = dict(os.environ, MCPD_PASSES=args.passes,
               MCPD_FUZZ_SECONDS=str(args.fuzz_seconds))
    if args.R:
        env["MCPD_CTEST_ARGS"] = "-R " + args.R
    t0 = time.time()
    r = subprocess.run([os.path.join(ROOT, "tests", "run-all.sh")],
                       cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = r.stdout.decode(errors="replace")
    with open(os.path.join(log_dir, "run-%02d.log" % i), "w") as f:
        f.write(out)
    results = []   # (pass, test, status)
    current = "?"
    for line in out.splitlines():
        m = re.match(r"^=== (\S+) pass", line)
        if m:
            current = m.group(1)
            continue
        m = RESULT.match(line)
        if m:
            results.append((current, m.group(1), m.group(3)))
    return r.returncode, time.time() - t0, results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=10, help="runs (default 10)")
    ap.add_argument("--hog", action="store_true",
                    help="a busy loop per core beside the suite")
    ap.add_argument("--passes", default="normal asan")
    ap.add_argument("-R", help="only tests matching this ctest regex")
    ap.add_argument("--fuzz-seconds", type=int, default=120)
    ap.add_argument("--out", help="write the table as Markdown here")
    ap.add_argument("--logs", default="/tmp/mcpdiag-soak",
                    help="where each run's full output is kept")
    args = ap.parse_args()
    os.makedirs(args.logs, exist_ok=True)

    stats = collections.OrderedDict()
    failures = []
    runs_ok = 0
    secs = []
    hog = hog_start() if args.hog else []
    try:
        for i in range(1, args.n + 1):
            rc, dt, results = one_run(args, i, args.logs)
            secs.append(dt)
            runs_ok += rc == 0
            bad = [(p, t, s) for p, t, s in results
                   if s not in ("Passed", "Skipped", "Not Run")]
            print("run %d/%d: exit %d, %.0f s, %d results, %d failed %s" %
                  (i, args.n, rc, dt, len(results), len(bad),
                   " ".join("%s:%s(%s)" % b for b in bad)), flush=True)
            for p, t, s in results:
                st = stats.setdefault((p, t), collections.Counter())
                st[s] += 1
            failures += [(i,) + b for b in bad]
    finally:
        hog_stop(hog)

    lines = ["Soak of `tests/run-all.sh`: %d runs, passes `%s`%s%s, "
             "`ctest -j%d`." % (args.n, args.passes,
                               ", a busy loop per core beside it"
                               if args.hog else "",
                               ", tests `%s`" % args.R if args.R else "",
                               os.cpu_count() or 2),
             "",
             "Runs that passed: %d of %d; a run took %.0f-%.0f s." %
             (runs_ok, args.n, min(secs), max(secs)),
             ""]
    flaky = [(k, c) for k, c in stats.items()
             if c["Passed"] + c["Skipped"] != sum(c.values())]
    lines.append("| pass | test | passed | of |")
    lines.append("|---|---|---|---|")
    for (p, t), c in (flaky or []):
        lines.append("| %s | %s | %d | %d |" % (p, t, c["Passed"],
                                               sum(c.values())))
    if not flaky:
        lines.append("| all | every test (%d) | all | %d |" %
                     (len(stats), args.n))
    for i, p, t, s in failures:
        lines.append("")
        lines.append("- run %d, %s pass: %s %s" % (i, p, t, s))
    text = "\n".join(lines) + "\n"
    print()
    print(text, end="")
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    return 0 if runs_ok == args.n else 1


if __name__ == "__main__":
    sys.exit(main())

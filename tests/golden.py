#!/usr/bin/env python3
"""Golden test: run `mcpdiag analyze` on one capture and check the verdicts
its .expect.json file says it must give.

The expectation lists each TCP connection in order of its first packet;
every key it names must equal the key in mcpdiag's output (a subset
match, recursing into objects). The summary and the exit status must
match exactly. The same capture is also run with --jsonl and in text
mode, which must agree with the JSON document.

usage: golden.py MCPDIAG CAPTURE [EXPECT.json]
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import schema_check  # noqa: E402


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def subset(want, got, path="$"):
    """Return None if every key of want equals got's, else a message."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return "%s: want an object, got %r" % (path, got)
        for k, v in want.items():
            if k not in got:
                return "%s.%s: missing (have %s)" % (path, k, sorted(got))
            err = subset(v, got[k], path + "." + k)
            if err:
                return err
        return None
    if want != got:
        return "%s: want %r, got %r" % (path, want, got)
    return None


def cause_for(name):
    """The expected diagnosis from golden_causes.txt (longest prefix)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "golden_causes.txt")
    best = None
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) != 2 or parts[0].startswith("#"):
                continue
            if name.startswith(parts[0]) and \
                    (best is None or len(parts[0]) > len(best[0])):
                best = parts
    return best[1] if best else None


def run(argv):
    env = dict(os.environ, TZ="UTC", LC_ALL="C", NO_COLOR="1")
    p = subprocess.run(argv, capture_output=True, env=env, timeout=120)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def main():
    if len(sys.argv) < 3:
        fail(__doc__)
    exe, cap = sys.argv[1], sys.argv[2]
    exp_path = sys.argv[3] if len(sys.argv) > 3 else \
        os.path.splitext(cap)[0] + ".expect.json"
    with open(exp_path) as f:
        exp = json.load(f)
    args = exp.get("args", [])

    rc, out, err = run([exe, "analyze", cap, "--json", "--deterministic"]
                       + args)
    if rc < 0:
        fail("mcpdiag died with signal %d: %s" % (-rc, err))
    try:
        doc = json.loads(out)
    except ValueError as e:
        fail("output is not one JSON document (%s): %s" % (e, out[:400]))
    if rc != exp["exit"]:
        fail("exit status %d, want %d (stderr: %s)" % (rc, exp["exit"], err))
    errs = schema_check.validate(doc)
    if errs:
        fail("JSON does not fit report.schema.json: " + "; ".join(errs[:5]))
    e = subset(exp["summary"], doc["summary"], "$.summary")
    if e or doc["summary"]["verdicts"] != exp["summary"]["verdicts"]:
        fail(e or "verdicts %r, want %r" % (doc["summary"]["verdicts"],
                                             exp["summary"]["verdicts"]))
    conns = sorted(doc["connections"],
                   key=lambda c: (c["start"], c["client"]["port"]))
    if len(conns) != len(exp["connections"]):
        fail("%d connections, want %d" % (len(conns),
                                          len(exp["connections"])))
    for i, (want, got) in enumerate(zip(exp["connections"], conns)):
        e = subset(want, got, "$.connections[%d]" % i)
        if e:
            fail(e + "\n  got: " + json.dumps(got))
    want_cause = exp.get("cause") or cause_for(os.path.basename(cap))
    if want_cause is None:
        fail("no expected diagnosis for %s in golden_causes.txt" % cap)
    if doc["diagnosis"]["cause"] != want_cause:
        fail("diagnosis %r, want %r" % (doc["diagnosis"]["cause"],
                                        want_cause))

    # --jsonl: one object per connection, then one summary, same facts.
    rc2, out2, err2 = run([exe, "analyze", cap, "--jsonl", "--deterministic"]
                          + args)
    if rc2 != rc:
        fail("--jsonl exit %d differs from --json %d" % (rc2, rc))
    lines = [json.loads(x) for x in out2.splitlines() if x.strip()]
    if not lines or lines[-1].get("type") != "summary":
        fail("--jsonl must end with a summary object")
    jl = [x for x in lines[:-1] if x.get("type") == "connection"]
    if len(jl) != len(lines) - 1:
        fail("--jsonl has lines that are neither connection nor summary")
    if sorted(x["verdict"] for x in jl) != \
            sorted(x["verdict"] for x in conns):
        fail("--jsonl verdicts differ from --json")
    for x in lines:
        errs = schema_check.validate(x)
        if errs:
            fail("--jsonl line does not fit the schema: " + "; ".join(errs))
    if lines[-1]["summary"] != doc["summary"]:
        fail("--jsonl summary differs from --json")

    # Text: same exit status, names the diagnosis and each failed verdict.
    rc3, out3, err3 = run([exe, "analyze", cap] + args)
    if rc3 != rc:
        fail("text exit %d differs from --json %d" % (rc3, rc))
    if doc["diagnosis"]["cause"] not in out3:
        fail("text report does not name the cause %r" %
             doc["diagnosis"]["cause"])
    for v in exp["summary"]["verdicts"]:
        if v not in out3:
            fail("text report does not mention %s" % v)
    print("ok: %s: %s, diagnosis %s" % (os.path.basename(cap),
                                        doc["summary"]["verdicts"],
                                        doc["diagnosis"]["cause"]))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Every option `mcpdiag analyze|capture|probe|bundle|doctor --help` lists is documented in the man
page, and every verdict and exit code of SPEC.md is in the man page too.

usage: doc_check.py MCPDIAG MANPAGE
"""
import json
import os
import re
import subprocess
import sys


def main():
    exe, manpage = sys.argv[1], sys.argv[2]
    helptext = ""
    for cmd in ("analyze", "capture", "probe", "bundle", "doctor"):
        helptext += subprocess.run([exe, cmd, "--help"], capture_output=True,
                                   timeout=30).stdout.decode()
    with open(manpage) as f:
        man = f.read().replace("\\-", "-")
    opts = re.findall(r"--([a-z][a-z-]+)", helptext)
    missing = [o for o in opts if "--" + o not in man]
    for v in ("REFUSED", "UNREACHABLE", "TIMEOUT", "HALF_OPEN", "RESET",
              "CLOSED", "ESTABLISHED", "PARTIAL", "EXIT CODES"):
        if v not in man:
            missing.append(v)
    # One cause model: every cause of the table in analyze/verdict.c is
    # in the man page, and probe's schema lists no cause the table lacks.
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    with open(os.path.join(root, "analyze", "verdict.c")) as f:
        causes = re.findall(r'\[MCPD_C_[A-Z_]+\] = \{ "([a-z_]+)"', f.read())
    with open(os.path.join(root, "probes", "probe.schema.json")) as f:
        schema = json.load(f)
    probe_causes = schema["properties"]["diagnosis"]["properties"]["cause"][
        "enum"]
    if len(causes) < 20:
        missing.append("the cause table of analyze/verdict.c (%d rows read)"
                       % len(causes))
    missing += ["cause " + c for c in causes if c not in man]
    missing += ["probe schema cause %s in analyze/verdict.c" % c
                for c in probe_causes if c not in causes]
    if not opts:
        print("FAIL: no options found in --help")
        sys.exit(1)
    if missing:
        print("FAIL: not in %s: %s" % (manpage, ", ".join(missing)))
        print("0 passed, 1 failed")
        sys.exit(1)
    print("ok: %d options documented" % len(opts))
    print("1 passed, 0 failed")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Every option `mcpdiag analyze|capture|probe|bundle|doctor --help` lists is documented in the man
page, and every verdict and exit code of SPEC.md is in the man page too.

usage: doc_check.py MCPDIAG MANPAGE
"""
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

#!/usr/bin/env python3
"""Every capture in the public corpus (tcpdump's and Zeek's test traces,
kept beside the checkout in shared/pcaps-public) is analysed without
error: exit 0 or 1, one valid JSON document that agrees with itself, and
nothing on stderr.

usage: public_pcaps.py MCPDIAG CORPUS_DIR
Exits 77 (ctest: skipped) with a printed reason when the corpus is absent.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import schema_check  # noqa: E402


def main():
    exe, corpus = sys.argv[1], sys.argv[2]
    if not os.path.isdir(corpus):
        print("SKIP: no public capture corpus at %s" % corpus)
        sys.exit(77)
    files = []
    for root, _, names in os.walk(corpus):
        files += [os.path.join(root, n) for n in names
                  if n.endswith((".pcap", ".pcapng"))]
    failed = 0
    for path in sorted(files):
        p = subprocess.run([exe, "analyze", path, "--json"],
                           capture_output=True, timeout=120,
                           env=dict(os.environ, LC_ALL="C"))
        why = None
        if p.returncode not in (0, 1):
            why = "exit %d: %s" % (p.returncode, p.stderr.decode()[:300])
        elif p.stderr:
            why = "stderr: %s" % p.stderr.decode()[:300]
        else:
            try:
                doc = json.loads(p.stdout)
                errs = schema_check.validate(doc)
                if errs:
                    why = "schema: " + "; ".join(errs[:3])
                elif doc["summary"]["connections"] != len(doc["connections"]):
                    why = "summary count differs from connections"
            except ValueError as e:
                why = "not JSON: %s" % e
        rel = os.path.relpath(path, corpus)
        if why:
            failed += 1
            print("FAIL: %s: %s" % (rel, why))
        else:
            print("ok: %s: %s" % (rel, doc["summary"]["verdicts"]))
    print("%d passed, %d failed" % (len(files) - failed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The hosted CI's bundle check, on Windows (a runner without Npcap: the
probe and the environment only) and wherever else it is run: mcpdiag
bundle against a port that nothing holds must write the archive under
the name given, with the members its --json lists, every hash in the
manifest right, `bundle --inspect` agreeing, the probe's no_listener,
exit 1, and no temporary file left beside it.

usage: bundle_check.py MCPDIAG
"""
import hashlib
import io
import json
import os
import socket
import subprocess
import sys
import tarfile
import tempfile

# The named checks and closing count every test of the project prints.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tests"))
from mcpdtest import check, finish  # noqa: E402

def main():
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    exe = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="mcpd-bundle-ci-")

    # A port nothing holds: bound once by us, then closed.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    closed = s.getsockname()[1]
    s.close()
    r = subprocess.run([exe, "bundle", "127.0.0.1:%d" % closed, "-o",
                        "ci-bundle.tar.gz", "--json", "--timeout", "2"],
                       cwd=work, capture_output=True, timeout=300)
    err = r.stderr.decode(errors="replace")
    try:
        doc = json.loads(r.stdout)
    except ValueError:
        doc = {}
    print(err)
    check("exit 1 (nothing listens)", r.returncode == 1,
          "rc=%d" % r.returncode)
    path = os.path.join(work, "ci-bundle.tar.gz")
    check("the archive is written under the name given",
          os.path.isfile(path), os.listdir(work))
    left = [f for f in os.listdir(work) if f.startswith(".")]
    check("no temporary file left beside it", not left, left)
    if not os.path.isfile(path):
        finish()
    want = {"report.txt", "report.json", "report.html", "environment.json",
            "manifest.json"}
    if doc.get("captured"):
        want.add("capture.pcap")
    check("--json lists the members", set(doc.get("files", [])) == want,
          doc.get("files"))
    files = {}
    with tarfile.open(path, "r:gz") as t:
        names = t.getnames()
        for m in t.getmembers():
            files[m.name.split("/", 1)[-1]] = t.extractfile(m).read()
    check("members are ci-bundle/NAME", sorted(names) ==
          sorted("ci-bundle/" + n for n in want), names)
    man = json.loads(files.get("manifest.json", b"{}"))
    bad = [f["name"] for f in man.get("files", [])
           if hashlib.sha256(files.get(f["name"], b"")).hexdigest() !=
           f["sha256"]]
    check("every SHA-256 in the manifest is right",
          not bad and len(man.get("files", [])) == len(want) - 1, bad)
    rep = json.loads(files.get("report.json", b"{}"))
    cause = ((rep.get("probe") or {}).get("diagnosis") or {}).get("cause")
    check("the probe says no_listener", cause == "no_listener", cause)
    env = json.loads(files.get("environment.json", b"{}"))
    check("environment.json is collected", "os" in env, list(env)[:8])
    r = subprocess.run([exe, "bundle", "--inspect", "ci-bundle.tar.gz"],
                       cwd=work, capture_output=True, timeout=60)
    out = r.stdout.decode(errors="replace")
    check("bundle --inspect: every hash ok", r.returncode == 0 and
          out.count(" ok ") == len(want) - 1 and "MISMATCH" not in out,
          out + r.stderr.decode(errors="replace"))

    finish()


if __name__ == "__main__":
    main()

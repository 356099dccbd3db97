#!/usr/bin/env python3
"""`mcpdiag analyze` under valgrind memcheck over the golden captures
(issue 5, item 2): no invalid read or write, no use of uninitialised
memory, no definite leak.

Runs (each one valgrind process):
  - every capture in pcaps/ in one run, as one merged capture, in each
    report form (--json, --jsonl, text with -v): every decoder and link
    type, the merge, and every report writer;
  - one capture of each (link type, file format) pair on its own
    (EN10MB, NULL, LOOP, RAW, LINUX_SLL, LINUX_SLL2 x pcap little/big
    endian, micro/nanosecond, pcapng), --json;
  - the error paths: a capture cut mid-record (reported, then exit 3),
    the fuzz regressions, and a record claiming caplen > snaplen.

valgrind runs with --error-exitcode=99 rather than 1, because
`mcpdiag analyze` itself exits 1 when it finds a problem (SPEC exit
status); the ERROR SUMMARY line is checked too, and mcpdiag's own exit
status under valgrind must equal its status without valgrind.

usage: valgrind_test.py MCPDIAG PCAPS_DIR
Exits 77 (skipped) when valgrind is not installed.
"""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

import mcpdtest
from mcpdtest import check

VG_EXIT = 99
VALGRIND = ["valgrind", "--error-exitcode=%d" % VG_EXIT, "--leak-check=full",
            "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite",
            "--track-origins=yes", "--num-callers=30", "-q"]


def file_format(path):
    with open(path, "rb") as f:
        magic = f.read(4)
    return {b"\xd4\xc3\xb2\xa1": "pcap-le-us", b"\xa1\xb2\xc3\xd4":
            "pcap-be-us", b"\x4d\x3c\xb2\xa1": "pcap-le-ns",
            b"\xa1\xb2\x3c\x4d": "pcap-be-ns",
            b"\x0a\x0d\x0d\x0a": "pcapng"}.get(magic, "other")


def plain(exe, args):
    return subprocess.run([exe] + args, capture_output=True, timeout=60,
                          env=dict(os.environ, LC_ALL="C", NO_COLOR="1"))


def under_valgrind(exe, name, args, tmp):
    log = os.path.join(tmp, "vg-%d.log" % (mcpdtest.passed + len(mcpdtest.failures)))
    want = plain(exe, args).returncode
    p = subprocess.run(VALGRIND + ["--log-file=" + log, exe] + args,
                       capture_output=True, timeout=600,
                       env=dict(os.environ, LC_ALL="C", NO_COLOR="1"))
    with open(log, errors="replace") as f:
        text = f.read()
    # -q leaves the log empty when there is nothing to report.
    errors = re.findall(r"ERROR SUMMARY: (\d+) errors", text)
    clean = p.returncode != VG_EXIT and not text.strip() and \
        all(e == "0" for e in errors)
    check("valgrind: %s (exit %d as without valgrind)" % (name, want),
          clean and p.returncode == want,
          "valgrind exit %d (want %d)\n%s" % (p.returncode, want,
                                              text[-6000:]))


def main():
    exe, pcaps = os.path.abspath(sys.argv[1]), sys.argv[2]
    if shutil.which("valgrind") is None:
        print("SKIP: valgrind is not installed (tests/install-deps.sh)")
        sys.exit(77)
    tmp = tempfile.mkdtemp(prefix="mcpd-vg-")
    try:
        caps = sorted(os.path.join(pcaps, f) for f in os.listdir(pcaps)
                      if f.endswith(".pcap") or f.endswith(".pcapng"))
        for form in (["--json"], ["--jsonl"], ["-v"]):
            under_valgrind(exe, "all %d golden captures merged, %s" %
                           (len(caps), form[0]), ["analyze"] + caps + form,
                           tmp)
        # One capture of each link type and file format on its own.
        groups = {}
        for c in caps:
            p = plain(exe, ["analyze", c, "--json"])
            m = re.search(rb'"link_types":\["([A-Z0-9_]+)"', p.stdout)
            key = (m.group(1).decode() if m else "?", file_format(c))
            groups.setdefault(key, c)
        for (lt, fmt), c in sorted(groups.items()):
            under_valgrind(exe, "%s %s: %s" % (lt, fmt, os.path.basename(c)),
                           ["analyze", c, "--json"], tmp)
        linktypes = {lt for lt, _ in groups}
        check("every link type of the golden set run alone (%s)" %
              ", ".join(sorted(linktypes)), len(linktypes) >= 6,
              str(sorted(groups)))
        # Error paths: damage after good packets, hostile records.
        with open(os.path.join(pcaps, "closed-http.pcap"), "rb") as f:
            good = f.read()
        cut = os.path.join(tmp, "cut.pcap")
        with open(cut, "wb") as f:
            f.write(good[:-7])
        under_valgrind(exe, "capture cut mid-record", ["analyze", cut,
                                                       "--json"], tmp)
        huge = os.path.join(tmp, "huge.pcap")
        with open(huge, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
                    + struct.pack("<IIII", 1, 0, 300000, 300000) +
                    b"\0" * 64)
        under_valgrind(exe, "caplen beyond snaplen", ["analyze", huge], tmp)
        regress = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                               "fuzz-regressions")
        for name in sorted(os.listdir(regress)):
            if not name.endswith(".md"):
                under_valgrind(exe, "regression " + name,
                               ["analyze", os.path.join(regress, name),
                                "--json"], tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    mcpdtest.finish()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Bundles are read as bounded streams (issue 13, scope 6).

`mcpdiag analyze BUNDLE.tar.gz` and `mcpdiag bundle --inspect BUNDLE`
read the archive as a stream, never extract it to disk, and stop with
exit 3 and one line on stderr past the uncompressed-bytes cap or the
member cap, within seconds:

- an 8 MB gzip bomb (a capture.pcap member declared 8 GiB, of zeros);
- members each under the cap whose sum is over it (the cap counts what
  is inflated, not what the headers say), at an 8 MiB cap;
- 100 000 empty members.

Then a small well-formed bundle (built here) is read by analyze from
memory: its verdict and stored environment are printed, and raising
--max-archive-bytes lets the summed archive through the cap. Every run
has TMPDIR set to an empty directory that must stay empty.

usage: archive_test.py MCPDIAG
"""
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import zlib

import mcpdtest
from mcpdtest import check

EXE = None
TMP = None


def gz(data):
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    return c.compress(data) + c.flush()


def header(name, size):
    t = tarfile.TarInfo(name)
    t.size = size
    t.mode = 0o600
    return t.tobuf(format=tarfile.USTAR_FORMAT)


ZEROS_64M = None


def zeros_64m():
    """64 MiB of zeros as one gzip member (~64 KB), made once."""
    global ZEROS_64M
    if ZEROS_64M is None:
        ZEROS_64M = gz(bytes(64 << 20))
    return ZEROS_64M


def make_bomb(path):
    """A capture.pcap member declared just under 8 GiB, all zeros: gzip
    members concatenated (gzip readers read them as one stream)."""
    size = (8 << 30) - 512
    with open(path, "wb") as f:
        f.write(gz(header("b/capture.pcap", size)))
        for _ in range(size // (64 << 20)):
            f.write(zeros_64m())
        f.write(gz(bytes(size % (64 << 20) + 1024)))


def make_sum(path, n=5, size=64 << 20):
    """n members of `size` bytes each (64 MiB: every one under the
    256 MiB default cap, their sum over it)."""
    with open(path, "wb") as f:
        for i in range(n):
            f.write(gz(header("b/part%d" % i, size)))
            f.write(zeros_64m() if size == 64 << 20 else gz(bytes(size)))
        f.write(gz(bytes(1024)))


def make_many(path, n=100000):
    """n empty members: one header template, name and checksum patched."""
    tmpl = bytearray(header("b/m0000000", 0))
    out = bytearray()
    for i in range(n):
        h = bytearray(tmpl)
        name = b"b/m%07d" % i
        h[0:100] = name + bytes(100 - len(name))
        h[148:156] = b" " * 8
        h[148:156] = b"%06o\0 " % sum(h)
        out += h
    out += bytes(1024)
    with open(path, "wb") as f:
        f.write(gz(bytes(out)))


def pcap_refused():
    """One refused connection: SYN, RST-ACK (raw IPv4)."""
    def pkt(src, dst, sp, dp, flags, seq, ack):
        tcp = struct.pack("!HHIIBBHHH", sp, dp, seq, ack, 5 << 4, flags,
                          65535, 0, 0)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 1, 0x4000, 64, 6, 0,
                         bytes(src), bytes(dst))
        return ip + tcp
    c, s = [10, 0, 0, 1], [10, 0, 0, 2]
    out = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101)
    for t, data in ((0, pkt(c, s, 40000, 3000, 0x02, 100, 0)),
                    (1000, pkt(s, c, 3000, 40000, 0x14, 0, 101))):
        out += struct.pack("<IIII", 1700000000, t, len(data),
                           len(data)) + data
    return out


def make_good(path):
    env = {"collected_at": "2025-01-01T00:00:00Z",
           "os": {"hostname": "archtest-host", "distribution": "x",
                  "kernel": "6"},
           "listeners": {"sockets": []}, "proxy": {}, "firewall": {}}
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz",
                      format=tarfile.USTAR_FORMAT) as t:
        for name, data in (("capture.pcap", pcap_refused()),
                           ("environment.json",
                            json.dumps(env).encode())):
            ti = tarfile.TarInfo("good/" + name)
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
    with open(path, "wb") as f:
        f.write(buf.getvalue())


def run(args, tmpdir, timeout=30):
    e = dict(os.environ, LC_ALL="C", NO_COLOR="1", TMPDIR=tmpdir)
    t0 = time.monotonic()
    try:
        p = subprocess.run([EXE] + args, capture_output=True, env=e,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "", "timed out after %ds" % timeout, timeout
    return (p.returncode, p.stdout.decode(errors="replace"),
            p.stderr.decode(errors="replace"), time.monotonic() - t0)


def refused(name, args, want, limit):
    """exit 3, one line naming `want`, within `limit` seconds, and
    nothing written under TMPDIR."""
    tmpdir = tempfile.mkdtemp(prefix="tmpdir-", dir=TMP)
    rc, out, err, secs = run(args, tmpdir)
    left = os.listdir(tmpdir)
    check("%s: exit 3" % name, rc == 3, "rc=%s err=%s" % (rc, err[-300:]))
    lines = [l for l in err.splitlines() if l]
    check("%s: one line on stderr: %s" % (name, want),
          len(lines) == 1 and want in lines[0] and
          lines[0].startswith("mcpdiag: "), err[-400:])
    check("%s: within %d s (%.2f s)" % (name, limit, secs), secs <= limit)
    check("%s: nothing written under TMPDIR" % name, not left, left)


def main():
    global EXE, TMP
    EXE = os.path.abspath(sys.argv[1])
    if subprocess.run([EXE, "bundle", "--help"],
                      capture_output=True).returncode != 0:
        print("SKIP: this build has no 'bundle' command")
        sys.exit(77)
    TMP = tempfile.mkdtemp(prefix="mcpd-archive-")
    try:
        bomb = os.path.join(TMP, "bomb.tar.gz")
        summed = os.path.join(TMP, "sum.tar.gz")
        many = os.path.join(TMP, "many.tar.gz")
        good = os.path.join(TMP, "good.tar.gz")
        make_bomb(bomb)
        make_sum(summed)
        # The sum past a cap, tested at an 8 MiB cap: the same count as
        # at the default, without inflating 256 MiB first (which takes
        # seconds on a loaded machine, and the limit would then measure
        # the machine, not the bound).
        small = os.path.join(TMP, "sum-small.tar.gz")
        make_sum(small, 5, 2 << 20)
        make_many(many)
        make_good(good)
        check("the bomb is a small file (%d bytes)" % os.path.getsize(bomb),
              os.path.getsize(bomb) < 9 << 20)
        past = "archive expands past 256 MiB"
        for label, args in (("analyze", ["analyze"]),
                            ("bundle --inspect", ["bundle", "--inspect"])):
            refused("%s of an 8 GiB gzip bomb" % label, args + [bomb],
                    bomb + ": " + past, 3)
            refused("%s of members summing past an 8 MiB cap" % label,
                    args[:1] + ["--max-archive-bytes", "8M"] + args[1:] +
                    [small], small + ": archive expands past 8 MiB", 3)
            refused("%s of 100000 members" % label, args + [many],
                    "more than 256 members", 3)
        refused("analyze with --max-archive-bytes 1G: the summed archive "
                "passes the cap, and has no capture",
                ["analyze", "--max-archive-bytes", "1G", summed],
                "no capture.pcap inside", 15)
        tmpdir = tempfile.mkdtemp(prefix="tmpdir-", dir=TMP)
        rc, out, err, secs = run(["analyze", good], tmpdir)
        check("analyze of a well-formed bundle: verdict and environment",
              rc == 1 and "REFUSED" in out and "archtest-host" in out,
              "rc=%s out=%s err=%s" % (rc, out[-400:], err[-300:]))
        check("analyze of a well-formed bundle: nothing under TMPDIR",
              not os.listdir(tmpdir), os.listdir(tmpdir))
        rc, out, err, secs = run(["analyze", "--max-archive-bytes", "12",
                                  good], tmpdir)
        check("--max-archive-bytes below 1M: usage error (exit 2)",
              rc == 2, "rc=%s" % rc)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    mcpdtest.finish()


if __name__ == "__main__":
    main()

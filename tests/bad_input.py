#!/usr/bin/env python3
"""Bad input never crashes or hangs mcpdiag: it gets exit 3 and one line
on stderr naming the file and the problem (or exit 2 for bad usage).

Malformed captures are generated here from the golden captures (cut,
corrupted, mutated with a fixed seed), so the corpus needs no binary
files of its own.

usage: bad_input.py MCPDIAG PCAPS_DIR
"""
import os
import random
import struct
import subprocess
import sys
import tempfile

failures = 0


def run(exe, args, stdin=None):
    env = dict(os.environ, LC_ALL="C", NO_COLOR="1")
    p = subprocess.run([exe] + args, capture_output=True, env=env,
                       input=stdin, timeout=60)
    return p.returncode, p.stdout.decode(errors="replace"), \
        p.stderr.decode(errors="replace")


def check(name, ok, detail=""):
    global failures
    if ok:
        print("ok: " + name)
    else:
        failures += 1
        print("FAIL: %s %s" % (name, detail))


def expect_error(exe, name, args, code=3, mention=None, stdin=None):
    rc, out, err = run(exe, args, stdin)
    lines = [x for x in err.splitlines() if x.strip()]
    ok = rc == code and len(lines) == 1 and lines[0].startswith("mcpdiag: ")
    if ok and mention:
        ok = mention in lines[0]
    check(name, ok, "rc=%d stderr=%r" % (rc, err))


def pcap_header(linktype, snaplen=262144):
    return struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, snaplen, linktype)


def main():
    exe, pcaps = sys.argv[1], sys.argv[2]
    golden = os.path.join(pcaps, "closed-http.pcap")
    with open(golden, "rb") as f:
        good = f.read()
    tmp = tempfile.mkdtemp(prefix="mcpd-bad-")

    def write(name, data):
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    expect_error(exe, "missing file", ["analyze", os.path.join(tmp, "nope")],
                 mention="No such file")
    expect_error(exe, "directory", ["analyze", tmp], mention="directory")
    expect_error(exe, "empty file", ["analyze", write("empty.pcap", b"")],
                 mention="empty")
    expect_error(exe, "junk", ["analyze", write("junk.pcap", os.urandom(64)
                                                 if False else b"hello, "
                                                 b"this is not a capture\n"
                                                 * 4)],
                 mention="not a pcap")
    expect_error(exe, "truncated global header",
                 ["analyze", write("short.pcap", good[:10])])
    expect_error(exe, "unknown link type",
                 ["analyze", write("usr0.pcap", pcap_header(147))],
                 mention="link type")
    expect_error(exe, "junk on stdin", ["analyze", "-"], stdin=b"garbage" * 9)
    expect_error(exe, "bad flag", ["analyze", golden, "--bogus"], code=2)
    expect_error(exe, "bad port", ["analyze", golden, "--port", "70000"],
                 code=2)
    expect_error(exe, "no file", ["analyze"], code=2)
    expect_error(exe, "unknown command", ["frobnicate"], code=2)

    # A record cut in half: the packets before it are still reported,
    # the damage is named, exit 3 (as tcpdump does).
    cut = write("cut.pcap", good[:len(good) - 7])
    rc, out, err = run(exe, ["analyze", cut, "--json"])
    check("truncated record", rc == 3 and "truncated" in err and
          '"connections"' in out, "rc=%d err=%r" % (rc, err))

    # Records claiming caplen > snaplen, huge and zero lengths.
    hdr = pcap_header(1, 65535)
    rec = struct.pack("<IIII", 1, 0, 300000, 300000) + b"\0" * 64
    expect_error(exe, "caplen beyond snaplen",
                 ["analyze", write("huge.pcap", hdr + rec)])
    zero = struct.pack("<IIII", 1, 0, 0, 0)
    rc, out, err = run(exe, ["analyze", write("zero.pcap", hdr + zero * 3),
                             "--json"])
    check("zero-length records", rc in (0, 1) and '"packets":3' in out,
          "rc=%d err=%r" % (rc, err))

    # Stdin works for a good capture.
    rc, out, err = run(exe, ["analyze", "-", "--json"], stdin=good)
    check("capture on stdin", rc == 0 and '"CLOSED":1' in out,
          "rc=%d err=%r" % (rc, err))

    # Inputs that once crashed mcpdiag (tests/fuzz-regressions).
    regress = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "fuzz-regressions")
    for name in sorted(os.listdir(regress)):
        if name.endswith(".md"):
            continue
        rc, out, err = run(exe, ["analyze", os.path.join(regress, name),
                                 "--json"])
        check("regression " + name, rc in (0, 1, 3), "rc=%d" % rc)

    # Mutations of every golden capture: never a signal, never a hang,
    # always one of the documented exit codes.
    rng = random.Random(20261127)
    caps = sorted(f for f in os.listdir(pcaps)
                  if f.endswith(".pcap") or f.endswith(".pcapng"))
    crashes = 0
    runs = 0
    for name in caps:
        with open(os.path.join(pcaps, name), "rb") as f:
            data = bytearray(f.read())
        for i in range(12):
            m = bytearray(data)
            for _ in range(rng.randint(1, 16)):
                pos = rng.randrange(24, len(m)) if len(m) > 24 else 0
                m[pos] = rng.randrange(256)
            if i % 4 == 3:
                m = m[:rng.randrange(24, len(m) + 1)]
            path = write("mut.pcap", bytes(m))
            rc, out, err = run(exe, ["analyze", path, "--json"])
            runs += 1
            if rc < 0 or rc not in (0, 1, 3):
                crashes += 1
                keep = write("crash-%s-%d.pcap" % (name, i), bytes(m))
                print("  crash: rc=%d on %s: %s" % (rc, keep, err[:200]))
    check("%d mutated captures without a crash" % runs, crashes == 0)

    print("%d passed, %d failed" % (0 if failures else 1, failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""mcpdiag.exe under wine reads every capture as the native build does:
for each golden capture (pcaps/) and each file of the public corpus,
`analyze --json` gives the same exit status and the same JSON document,
apart from the fields that name the platform (PLATFORM_FIELDS), also
read from standard input for some of them. Bad
input (empty, cut, junk, a directory, a missing file) gives the same
exit status and the same one-line error.

usage: same_as_native.py WINE_RUN WIN_EXE NATIVE_EXE PCAPS [PUBLIC]
Exits 77 (skipped) with the reason when wine or the native build is
missing.
"""
import concurrent.futures
import json
import os
import random
import struct
import subprocess
import sys
import tempfile

# Fields whose value names the build, not the capture: the fix lines name
# each platform's own commands (netstat -ano where Linux says ss;
# platform/OS/fixcmd.c, checked by unit_fixcmd on each platform).
PLATFORM_FIELDS = ("fix",)

ENV = dict(os.environ, LC_ALL="C", NO_COLOR="1", TZ="UTC")


def run(argv, stdin=None):
    p = subprocess.run(argv, capture_output=True, env=ENV, timeout=120,
                       input=stdin)
    return (p.returncode, p.stdout.decode(errors="replace"),
            p.stderr.decode(errors="replace").replace("\r\n", "\n"))


def strip(doc):
    if isinstance(doc, dict):
        return {k: strip(v) for k, v in doc.items()
                if k not in PLATFORM_FIELDS}
    if isinstance(doc, list):
        return [strip(v) for v in doc]
    return doc


def first_diff(a, b, path="$"):
    if type(a) is not type(b):
        return "%s: %r != %r" % (path, a, b)
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return "%s.%s: only in %s" % (path, k,
                                              "native" if k in a else "wine")
            d = first_diff(a[k], b[k], path + "." + k)
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d items != %d" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_diff(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    return None if a == b else "%s: %r != %r" % (path, a, b)


def captures(pcaps, public):
    files = sorted(os.path.join(pcaps, f) for f in os.listdir(pcaps)
                   if f.endswith((".pcap", ".pcapng")))
    if public and os.path.isdir(public):
        for root, _, names in os.walk(public):
            files += sorted(os.path.join(root, f) for f in names
                            if f.endswith((".pcap", ".pcapng", ".cap")))
    return files


def bad_inputs(tmp, pcaps):
    """name -> path of a file that must be refused the same way."""
    good = open(os.path.join(pcaps, "abortive-close.pcap"), "rb").read()
    rng = random.Random(15)
    made = {
        "empty": b"",
        "short-header": good[:10],
        "cut-record": good[:24 + 16 + 7],
        "junk": bytes(rng.randrange(256) for _ in range(4096)),
        "bad-linktype": struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0,
                                    65535, 147),
        "pcapng-cut": bytes.fromhex("0a0d0d0a1c0000004d3c2b1a01000000"),
    }
    out = {}
    for name, data in made.items():
        path = os.path.join(tmp, name + ".pcap")
        with open(path, "wb") as f:
            f.write(data)
        out[name] = path
    out["missing"] = os.path.join(tmp, "no-such-file.pcap")
    out["directory"] = tmp
    return out


def main():
    if len(sys.argv) < 5:
        print(__doc__)
        return 2
    wine_run, win_exe, native, pcaps = sys.argv[1:5]
    public = sys.argv[5] if len(sys.argv) > 5 else None
    if not os.access(native, os.X_OK):
        print("skipped: no native mcpdiag at %s to compare with" % native)
        return 77
    rc, out, err = run([wine_run, "--boot"])
    if rc == 0:
        rc, out, err = run([wine_run, win_exe, "--version"])
    if rc == 77 or "skipped" in err:
        print(err.strip() or "skipped: wine cannot run")
        return 77
    if rc != 0:
        print("FAIL: %s --version under wine: rc=%d %s" % (win_exe, rc, err))
        return 1
    failures = 0

    def compare(path):
        n = run([native, "analyze", "--json", path])
        w = run([wine_run, win_exe, "analyze", "--json", path])
        if n[0] != w[0]:
            return "exit %d native, %d wine (%s)" % (n[0], w[0], w[2].strip())
        if n[2] != w[2]:
            return "stderr differs: %r / %r" % (n[2], w[2])
        try:
            dn = strip(json.loads(n[1]))
            dw = strip(json.loads(w[1]))
        except ValueError as e:
            return "not JSON: %s" % e
        return first_diff(dn, dw)

    def compare_stdin(path):
        """The same capture through standard input ("-"): the CRT's
        stdin is text mode until libpcap makes it binary."""
        data = open(path, "rb").read()
        n = run([native, "analyze", "--json", "-"], data)
        w = run([wine_run, win_exe, "analyze", "--json", "-"], data)
        if n[0] != w[0]:
            return "stdin: exit %d native, %d wine" % (n[0], w[0])
        try:
            return first_diff(strip(json.loads(n[1])),
                              strip(json.loads(w[1])), "stdin$")
        except ValueError as e:
            return "stdin: not JSON: %s" % e

    files = captures(pcaps, public)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for path, d in zip(files, pool.map(compare, files)):
            if d:
                failures += 1
                print("FAIL: %s: %s" % (path, d))
    print("compared %d captures" % len(files))
    # Every pcapng of pcaps/ and every fifth pcap, through stdin.
    piped = [f for i, f in enumerate(files) if f.startswith(pcaps) and
             (f.endswith(".pcapng") or i % 5 == 0)]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for path, d in zip(piped, pool.map(compare_stdin, piped)):
            if d:
                failures += 1
                print("FAIL: %s: %s" % (path, d))
    print("compared %d captures read from standard input" % len(piped))

    with tempfile.TemporaryDirectory() as tmp:
        for name, path in sorted(bad_inputs(tmp, pcaps).items()):
            n = run([native, "analyze", "--json", path])
            w = run([wine_run, win_exe, "analyze", "--json", path])
            lines = [x for x in w[2].splitlines() if x.strip()]
            ok = (n[0] == w[0] and n[0] == 3 and n[2] == w[2] and
                  len(lines) == 1 and lines[0].startswith("mcpdiag: "))
            print("%s: bad input %s: exit %d, %r" %
                  ("ok" if ok else "FAIL", name, w[0], w[2].strip()))
            if not ok:
                failures += 1
                print("   native: exit %d, %r" % (n[0], n[2].strip()))
    if failures:
        print("%d differences" % failures)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

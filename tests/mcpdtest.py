"""What the Python tests share: named checks with a closing count that
ctest's log and CI read, skips with a printed reason, and network
namespaces with servers in them.

    from mcpdtest import check, finish, skip, Netns

    with Netns("causes") as ns:
        ns.start([sys.executable, "server.py", "3000"], port=3000)
        r = ns.run(exe, "probe", "3000")
        check("probe refused", r.returncode == 1, r.stderr)
    finish()
"""
import gzip
import io
import os
import struct
import subprocess
import sys
import tarfile
import time

passed = 0
failures = []


def check(name, ok, detail=""):
    """One named assertion: 'ok: NAME', or 'FAIL: NAME DETAIL'."""
    global passed
    if ok:
        passed += 1
        print("ok: " + name)
    else:
        failures.append(name)
        print("FAIL: %s %s" % (name, detail))
    return bool(ok)


def summary():
    """The closing line: 'N passed, N failed'."""
    return "%d passed, %d failed" % (passed, len(failures))


def finish():
    """Print the closing line and exit 1 if anything failed."""
    print(summary())
    sys.exit(1 if failures else 0)


def skip(reason):
    """Skip the whole test with its reason (ctest's SKIP_RETURN_CODE)."""
    print("SKIP: " + reason)
    sys.exit(77)


def sh(ns, *cmd, check=True, **kw):
    """Run cmd in namespace ns (or here when ns is None), output kept."""
    full = ["ip", "netns", "exec", ns] + list(cmd) if ns else list(cmd)
    return subprocess.run(full, check=check, capture_output=True, **kw)


class Netns:
    """A network namespace with lo up, named after the test and the pid
    (parallel runs never share one); the servers started in it are
    killed and the namespace deleted on leaving."""
    count = 0

    def __init__(self, prefix="test"):
        Netns.count += 1
        self.name = "mcpd-%s-%d-%d" % (prefix, os.getpid(), Netns.count)
        self.procs = []

    def __enter__(self):
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        sh(self.name, "ip", "link", "set", "lo", "up")
        return self

    def run(self, *cmd, check=False, **kw):
        return sh(self.name, *cmd, check=check, **kw)

    def start(self, cmd, port=None, ready_line=False, **kw):
        """Start cmd in the namespace. With port, wait until something
        listens on it (TCP); with ready_line, until the server prints
        its first line. Nothing is slept on: a server that exits first
        fails the test at once."""
        if ready_line:
            kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stdin", subprocess.DEVNULL)
        kw.setdefault("stdout", subprocess.DEVNULL)
        kw.setdefault("stderr", subprocess.DEVNULL)
        p = subprocess.Popen(["ip", "netns", "exec", self.name] + list(cmd),
                             **kw)
        self.procs.append(p)
        if ready_line:
            p.stdout.readline()
        if port is not None:
            self.wait_listening(port, p, cmd[0])
        return p

    def wait_listening(self, port, proc=None, what="server", seconds=10):
        end = time.time() + seconds
        while time.time() < end:
            out = sh(self.name, "ss", "-Hltn", "sport = :%d" % port).stdout
            if out.strip():
                return
            if proc is not None and proc.poll() is not None:
                break
            time.sleep(0.02)
        raise SystemExit("FAIL: %s did not listen on %d" % (what, port))

    def __exit__(self, *exc):
        for p in self.procs:
            p.kill()
            p.wait()
        subprocess.run(["ip", "netns", "del", self.name])


def bundle_members(path):
    """A bundle's files as {basename: bytes}, with the raw gzip and the
    decompressed tar stream: (raw, tar, files)."""
    with open(path, "rb") as f:
        raw = f.read()
    tar = gzip.decompress(raw)
    files = {}
    with tarfile.open(fileobj=io.BytesIO(tar), mode="r:") as t:
        for m in t.getmembers():
            if m.isfile():
                files[os.path.basename(m.name)] = t.extractfile(m).read()
    return raw, tar, files


# ---- captures built byte by byte (raw IPv4, pcap) ------------------------

def tcp(sport, dport, flags, seq, ack, data=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags,
                       65535, 0, 0) + data


def ip4(src, dst, payload):
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1,
                       0x4000, 64, 6, 0, bytes(src), bytes(dst)) + payload


def exchange(sport, dport, request, response, t0):
    """A whole HTTP exchange as raw-IP packets with timestamps."""
    c, s = [10, 0, 0, 1], [10, 0, 0, 2]
    cs, ss = 1000, 5000
    pk = [(c, s, tcp(sport, dport, 0x02, cs, 0)),
          (s, c, tcp(dport, sport, 0x12, ss, cs + 1)),
          (c, s, tcp(sport, dport, 0x10, cs + 1, ss + 1)),
          (c, s, tcp(sport, dport, 0x18, cs + 1, ss + 1, request)),
          (s, c, tcp(dport, sport, 0x18, ss + 1, cs + 1 + len(request),
                     response)),
          (c, s, tcp(sport, dport, 0x11, cs + 1 + len(request),
                     ss + 1 + len(response))),
          (s, c, tcp(dport, sport, 0x11, ss + 1 + len(response),
                     cs + 2 + len(request))),
          (c, s, tcp(sport, dport, 0x10, cs + 2 + len(request),
                     ss + 2 + len(response)))]
    return [(t0 + i * 0.001, ip4(a, b, seg)) for i, (a, b, seg) in
            enumerate(pk)]


def pcap(packets):
    out = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 101)
    for t, data in sorted(packets, key=lambda x: x[0]):
        out += struct.pack("<IIII", int(t), int(round((t % 1) * 1e6)),
                           len(data), len(data)) + data
    return out

#!/usr/bin/env python3
"""No planted secret survives anywhere in a bundle (issue 13, scope 5).

As root in a network namespace, `mcpdiag bundle` runs a COMMAND that
plants secrets in every form the issue lists:

- header names split across TCP segments (Author|ization, Cookie:|,
  X-Api-|Key), sent by a python client with TCP_NODELAY, one send per
  piece; the server answers with Set-Cook|ie split the same way;
- secret headers not on any list (X-Goog-Api-Key, PRIVATE-TOKEN,
  X-Amz-Security-Token);
- JSON keys with a prefix or suffix (openai_api_key, githubToken) in the
  body, kept by --full-payload;
- NAME=value environment assignments the client prints (stdout, stderr)
  and sends;
- curl's credential arguments in COMMAND itself (NAME=value before it,
  -u, --proxy-user, -H 'Authorization: ...', --oauth2-bearer, URL
  userinfo, access_token= and sig= query parameters);
- HTTP/2 with prior knowledge (curl --http2-prior-knowledge, and a raw
  client whose HEADERS frame carries a literal value): no byte of it may
  stay in the pcap, only zeros.

Each bundle (with --full-payload, and with the default snapshot length)
is then read member by member, decompressed, and searched byte for byte
for every secret (and the base64 of the Basic credentials); so are the
tar stream, the gzip file and what mcpdiag printed. The pcap is parsed:
every TCP payload either starts an HTTP/1 message or continues one, or
is all zeros.

usage: bundle_secrets_test.py MCPDIAG
Exits 77 with a reason when not root, without `ip netns` or curl.
"""
import base64
import gzip
import io
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile

import mcpdtest
from mcpdtest import check, skip

EXE = None
TMP = None

SECRETS = ["PLANT-SPLIT-1", "PLANT-SPLIT-2", "PLANT-SPLIT-3",
           "PLANT-HDR-1", "PLANT-HDR-2", "PLANT-HDR-3",
           "PLANT-JSON-1", "PLANT-JSON-2", "PLANT-ENV-1", "PLANT-ENV-2",
           "PLANT-ENV-3", "PLANT-CMD-1", "PLANT-CMD-2", "PLANT-CMD-3",
           "PLANT-CMD-4", "PLANT-CMD-5", "PLANT-CMD-6", "PLANT-CMD-7",
           "PLANT-CMD-8", "PLANT-SRV-1", "PLANT-SRV-2", "PLANT-H2-1",
           "PLANT-H2-SRV"]
SECRETS += [base64.b64encode(b"alice:PLANT-CMD-2").decode(),
            base64.b64encode(b"carol:PLANT-CMD-6").decode()]

# What the client prints itself reaches the user's terminal as it would
# without mcpdiag (COMMAND's stderr is shown live): only the bundle and
# mcpdiag's own lines are searched for these.
OWN = {"PLANT-ENV-1", "PLANT-ENV-2"}

SERVER = r'''
import socket, sys, threading, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 3000)); s.listen(16)
print("ready", flush=True)
def send(c, pieces):
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for p in pieces:
        c.sendall(p)
        time.sleep(0.02)
def serve(c):
    try:
        data = c.recv(65536)
        if data.startswith(b"PRI * HTTP/2.0"):
            # A SETTINGS frame, then bytes no HTTP/1 rule would touch.
            send(c, [b"\x00\x00\x00\x04\x00\x00\x00\x00\x00",
                     b"\x00\x00\x0c\x00\x01\x00\x00\x00\x01PLANT-H2-SRV"])
            time.sleep(0.2)
            return
        while b"\r\n\r\n" not in data:
            more = c.recv(65536)
            if not more:
                return
            data += more
        head, body = data.split(b"\r\n\r\n", 1)
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                n = int(line.split(b":")[1])
                while len(body) < n:
                    more = c.recv(65536)
                    if not more:
                        break
                    body += more
        b = b'{"jsonrpc":"2.0","id":1,"result":{}}'
        send(c, [b"HTTP/1.1 200 OK\r\nSet-Cook",
                 b"ie: s=PLANT-SRV-1\r\nX-Amz-Secur",
                 b"ity-Token: PLANT-SRV-2\r\nContent-Type: application/json"
                 b"\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
                 % len(b) + b])
    finally:
        c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
'''

CLIENT = r'''
import socket, sys, time
print("OPENAI_API_KEY=sk-PLANT-ENV-1", flush=True)
print("GITHUB_TOKEN=PLANT-ENV-2", file=sys.stderr, flush=True)
body = (b'{"openai_api_key":"PLANT-JSON-1","githubToken":"PLANT-JSON-2",'
        b'"note":"AWS_SECRET_ACCESS_KEY=PLANT-ENV-3"}')
pieces = [b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nAuthor",
          b"ization: Bearer PLANT-SPLIT-1\r\nCookie:",
          b" sid=PLANT-SPLIT-2\r\nX-Api-",
          b"Key: PLANT-SPLIT-3\r\nX-Goog-Api-Key: PLANT-HDR-1\r\n"
          b"PRIVATE-TOKEN: PLANT-HDR-2\r\n",
          b"X-Amz-Security-Token: PLANT-HDR-3\r\nContent-Type: "
          b"application/json\r\nContent-Length: %d\r\n\r\n" % len(body),
          body]
c = socket.create_connection(("127.0.0.1", 3000))
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for p in pieces:
    c.sendall(p)
    time.sleep(0.02)
while c.recv(65536):
    pass
c.close()
# HTTP/2 with prior knowledge, by hand: a HEADERS frame whose header
# block holds literal (not Huffman) strings.
def lit(name, value):
    return bytes([0x00, len(name)]) + name + bytes([len(value)]) + value
block = (lit(b":method", b"POST") + lit(b":path", b"/mcp") +
         lit(b":scheme", b"http") + lit(b":authority", b"127.0.0.1") +
         lit(b"x-note", b"PLANT-H2-1"))
frame = struct.pack("!I", len(block))[1:] + bytes([1, 5, 0, 0, 0, 1]) + block
c = socket.create_connection(("127.0.0.1", 3000))
c.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" +
          b"\x00\x00\x00\x04\x00\x00\x00\x00\x00" + frame)
while c.recv(65536):
    pass
c.close()
'''.replace("import socket, sys, time", "import socket, struct, sys, time")


def tcp_payloads(pcap):
    """[(client_port_or_server, payload bytes)] of every TCP segment."""
    magic = struct.unpack("<I", pcap[:4])[0]
    end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    dlt = struct.unpack(end + "I", pcap[20:24])[0] & 0x0fffffff
    off, out = 24, []
    while off + 16 <= len(pcap):
        cap = struct.unpack(end + "I", pcap[off + 8:off + 12])[0]
        d = pcap[off + 16:off + 16 + cap]
        off += 16 + cap
        if dlt == 1:
            if len(d) < 14 or d[12:14] != b"\x08\x00":
                continue
            d = d[14:]
        elif dlt not in (101, 12, 228):
            continue
        if len(d) < 20 or d[0] >> 4 != 4 or d[9] != 6:
            continue
        ihl = (d[0] & 15) * 4
        t = d[ihl:]
        if len(t) < 20:
            continue
        sport, dport = struct.unpack("!HH", t[:4])
        doff = (t[12] >> 4) * 4
        pl = t[doff:]
        if pl:
            out.append(((sport, dport), pl))
    return out


def check_bundle(name, rc, out, so, se):
    check(name + ": bundle written", rc in (0, 1) and os.path.exists(out),
          "rc=%d %s" % (rc, se[-600:]))
    if not os.path.exists(out):
        return
    raw, tar, files = mcpdtest.bundle_members(out)
    for fname in ("report.txt", "report.json", "report.html",
                  "environment.json", "manifest.json", "capture.pcap"):
        check(name + ": " + fname + " present", fname in files,
              sorted(files))
    where = [(s, n) for s in SECRETS
             for n, d in list(files.items()) + [("tar", tar), ("gz", raw),
                                                ("output", (so + se)
                                                 .encode())]
             if s.encode() in d and not (n == "output" and s in OWN)]
    check(name + ": no planted secret in any member, the tar, the gzip "
          "or the output", not where, where)
    pcap = files.get("capture.pcap", b"")
    segs = tcp_payloads(pcap)
    check(name + ": the pcap holds the client's payload",
          any(p.startswith(b"POST /mcp HTTP/1.1") for _, p in segs),
          len(segs))
    check(name + ": no HTTP/2 preface left in the pcap",
          b"PRI * HTTP/2.0" not in pcap)
    # Each connection (by client port): its payload is HTTP/1 text or
    # zeros only.
    flows = {}
    for (sp, dp), p in segs:
        flows.setdefault(sp if dp == 3000 else dp, []).append(p)
    zero_flows = [k for k, ps in flows.items()
                  if all(not any(p) for p in ps)]
    check(name + ": the HTTP/2 connections keep only zero-filled payload "
          "(%d such connections)" % len(zero_flows), len(zero_flows) >= 2,
          {k: [p[:16] for p in v] for k, v in flows.items()})
    rep = files.get("report.json", b"").decode(errors="replace")
    check(name + ": report.json keeps the command's harmless words",
          '"curl"' in rep and "--oauth2-bearer" in rep and
          "127.0.0.1:3000/mcp?access_token=" in rep, rep[-800:])
    return files


def main():
    global EXE, TMP
    EXE = os.path.abspath(sys.argv[1])
    if os.geteuid() != 0:
        skip("needs root (network namespaces, capture)")
    if shutil.which("ip") is None or subprocess.run(
            ["ip", "netns", "list"], capture_output=True).returncode != 0:
        skip("no 'ip netns' here")
    if shutil.which("curl") is None:
        skip("no curl here")
    if subprocess.run([EXE, "bundle", "--help"],
                      capture_output=True).returncode != 0:
        skip("this build has no 'bundle' command")
    TMP = tempfile.mkdtemp(prefix="mcpd-bsec-")
    os.chmod(TMP, 0o755)
    ns = "mcpd-bsec-%d" % os.getpid()
    srv = None
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", ns, "ip", "link", "set", "lo",
                        "up"], check=True)
        sp = os.path.join(TMP, "server.py")
        cp = os.path.join(TMP, "client.py")
        with open(sp, "w") as f:
            f.write(SERVER)
        with open(cp, "w") as f:
            f.write(CLIENT)
        srv = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable,
                                sp], stdout=subprocess.PIPE)
        check("server ready", srv.stdout.readline().strip() == b"ready")
        script = ('%s %s; curl -s -m 3 --http2-prior-knowledge '
                  'http://127.0.0.1:3000/mcp; exec "$@"'
                  % (sys.executable, cp))
        cmd = ["env", "OPENAI_API_KEY=sk-PLANT-CMD-1", "sh", "-c", script,
               "sh", "curl", "-s", "-m", "3", "-u", "alice:PLANT-CMD-2",
               "--proxy-user", "bob:PLANT-CMD-3",
               "-H", "Authorization: Bearer PLANT-CMD-4",
               "--oauth2-bearer", "PLANT-CMD-5",
               "http://carol:PLANT-CMD-6@127.0.0.1:3000/mcp?access_token="
               "PLANT-CMD-7&sig=PLANT-CMD-8"]
        e = dict(os.environ, LC_ALL="C", NO_COLOR="1")
        for k in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                  "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"):
            e.pop(k, None)
        for name, extra in (("full payload", ["--full-payload"]),
                            ("default snaplen", [])):
            out = os.path.join(TMP, name.replace(" ", "-") + ".tar.gz")
            p = subprocess.run(["ip", "netns", "exec", ns, EXE, "bundle",
                                "http://127.0.0.1:3000/mcp", "-o", out,
                                "--timeout", "2"] + extra + ["--"] + cmd,
                               capture_output=True, env=e, timeout=120)
            check_bundle(name, p.returncode, out,
                         p.stdout.decode(errors="replace"),
                         p.stderr.decode(errors="replace"))
        # The test means something: without redaction the secrets are
        # there, split header names included.
        out = os.path.join(TMP, "raw.tar.gz")
        p = subprocess.run(["ip", "netns", "exec", ns, EXE, "bundle",
                            "http://127.0.0.1:3000/mcp", "-o", out,
                            "--timeout", "2", "--full-payload",
                            "--no-redact", "--"] + cmd,
                           capture_output=True, env=e, timeout=120)
        if os.path.exists(out):
            raw, tar, files = mcpdtest.bundle_members(out)
            pcap = files.get("capture.pcap", b"")
            segs = [pl for _, pl in tcp_payloads(pcap)]
            check("--no-redact: the secrets and the split names are there",
                  b"PLANT-SPLIT-1" in pcap and b"PLANT-H2-1" in pcap and
                  b"PLANT-CMD-2" in files.get("report.json", b"") and
                  any(s.endswith(b"Author") for s in segs) and
                  any(s.startswith(b"ization:") for s in segs),
                  [s[:20] for s in segs][:12])
        else:
            check("--no-redact: bundle written", False, p.stderr[-400:])
    finally:
        if srv:
            srv.kill()
            srv.wait()
        subprocess.run(["ip", "netns", "del", ns])
        shutil.rmtree(TMP, ignore_errors=True)
    mcpdtest.finish()


if __name__ == "__main__":
    main()

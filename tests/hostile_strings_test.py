#!/usr/bin/env python3
"""Hostile strings never reach the terminal or break the JSON (issue 13,
scope item 4): every printer sends what came from the wire, another
process, a file or the environment through the text or the JSON
sanitiser.

Every output below (stdout and stderr, each separately) must hold no C0
control other than newline and tab, no DEL, no byte 0x9b, be strict
UTF-8, and hold no U+0080..U+009F, no line/paragraph separator and no
bidi control once decoded. Every JSON output must parse with Python's
strict json (JSON Lines: every line). Each part also checks that the
hostile string did reach the output, escaped, so that a printer that
dropped the field would not pass silently.

Part 1 (any user): a capture built here (struct.pack) whose request
line, Host, User-Agent, JSON-RPC error text and serverInfo name carry
ESC, BEL, raw and UTF-8 C1, invalid UTF-8 and a bidi override, through
analyze text, -v, --json and --jsonl; a hand-built bundle .tar.gz whose
member names, manifest.json and environment.json carry the same, through
`bundle --inspect` (text and --json) and `analyze BUNDLE`.

Part 2 (root, network namespace; skipped otherwise): servers renamed
with prctl(PR_SET_NAME) to a hostile name, answering with hostile
headers, serverInfo and JSON-RPC error messages; `probe` (text, -v,
--json; the stderr fix line); `capture` (live lines, --json, --jsonl)
of a client renamed the same way that sends a hostile request line;
`bundle` of it, its report.txt (which quotes what the client printed),
report.html, report.json, environment.json and manifest.json, then
`bundle --inspect` and `analyze` of that bundle. COMMAND's own output
reaches the terminal as COMMAND wrote it (as it would without mcpdiag);
everything else on bundle's stderr is checked.

usage: hostile_strings_test.py MCPDIAG
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

import mcpdtest
from mcpdtest import check, exchange, pcap

EXE = None
TMP = None

# ESC sequence, BEL, UTF-8 C1 CSI, raw C1 CSI, invalid UTF-8 (overlong,
# surrogate, truncated), a bidi override.
HOSTILE = (b"\x1b[31m\x07\xc2\x9b1m\x9b2J\xc0\xaf\xed\xa0\x80"
           b"\xe2\x80\xaeRTL\xe2\x82")
# What the text sanitiser makes of its start.
HOSTILE_TEXT = "\\x1b[31m\\x07\\u009b1m\\x9b2J"
# A process name: at most 15 bytes.
PNAME = b"ev\x1b[31m\xc2\x9b\x9b\xff"
PNAME_TEXT = "ev\\x1b[31m\\u009b\\x9b\\xff"

BIDI = set(range(0x80, 0xa0)) | {0x061c, 0x200e, 0x200f} | \
    set(range(0x2028, 0x202f)) | set(range(0x2066, 0x206a))


def unsafe(data):
    """Why data may not reach a terminal, or None."""
    for i, b in enumerate(data):
        if (b < 0x20 and b not in (0x0a, 0x09)) or b == 0x7f or b == 0x9b:
            return "byte 0x%02x at %d: %r" % (b, i, data[max(0, i - 30):i + 10])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return "invalid UTF-8: %s" % e
    for i, ch in enumerate(text):
        if ord(ch) in BIDI:
            return "U+%04X at %d: %r" % (ord(ch), i, text[max(0, i - 30):i])
    return None


def check_safe(name, data):
    why = unsafe(data)
    check(name + ": terminal-safe", why is None, why or "")


def check_json(name, data, lines=False):
    """Strict UTF-8 and strict JSON; returns the parsed documents."""
    docs = []
    try:
        text = data.decode("utf-8")
        for part in (text.splitlines() if lines else [text]):
            if part.strip():
                docs.append(json.loads(part))
        ok = bool(docs)
        why = "" if ok else "no JSON"
    except (UnicodeDecodeError, ValueError) as e:
        ok, why = False, str(e)
    check(name + ": strict UTF-8 JSON", ok, why)
    return docs


def run(args, ns=None, timeout=120, env=None):
    e = dict(os.environ, LC_ALL="C.UTF-8", NO_COLOR="1")
    for k in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
              "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"):
        e.pop(k, None)
    e.update(env or {})
    full = (["ip", "netns", "exec", ns] if ns else []) + [EXE] + args
    p = subprocess.run(full, capture_output=True, env=e, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def run_checked(name, args, ns=None, json_out=None, timeout=120):
    """Run, check both streams; returns (rc, stdout, stderr, docs)."""
    rc, so, se = run(args, ns=ns, timeout=timeout)
    check_safe(name + " stdout", so)
    check_safe(name + " stderr", se)
    check(name + ": no sanitizer report",
          b"Sanitizer" not in se and b"runtime error" not in se,
          se[-600:])
    docs = []
    if json_out:
        docs = check_json(name, so, lines=(json_out == "lines"))
    return rc, so, se, docs


def strings_of(doc):
    """Every key and string value of a parsed JSON document."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield k
            yield from strings_of(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from strings_of(v)
    elif isinstance(doc, str):
        yield doc


# ---- part 1: a capture and a bundle built here -----------------------------

def hostile_request(target):
    body = (b'{"jsonrpc":"2.0","id":1,"method":"initialize","params":'
            b'{"clientInfo":{"name":"' + HOSTILE + b'"}}}')
    return (b"POST " + target + b" HTTP/1.1\r\nHost: " + HOSTILE +
            b"\r\nUser-Agent: " + HOSTILE + b"\r\nContent-Length: " +
            str(len(body)).encode() + b"\r\n\r\n" + body)


def hostile_response(status=b"500 " + HOSTILE):
    body = (b'{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"' +
            HOSTILE + b'"},"result":{"serverInfo":{"name":"' + HOSTILE +
            b'"}}}')
    return (b"HTTP/1.1 " + status + b"\r\nServer: " + HOSTILE +
            b"\r\nContent-Type: application/json\r\nContent-Length: " +
            str(len(body)).encode() + b"\r\n\r\n" + body)


def hostile_capture():
    # The scheme part before "://" of an absolute-form target skipped
    # the filter; an origin-form target with the same bytes must not.
    return pcap(
        exchange(40001, 3000,
                 hostile_request(b"\x1b[2J\xc2\x9b\x9bhttp://u:p@h/mcp"),
                 hostile_response(), 1700000000.0) +
        exchange(40002, 3000, hostile_request(b"/mcp" + HOSTILE),
                 hostile_response(), 1700000001.0))


def part_analyze(cap):
    rc, so, se, _ = run_checked("analyze text", ["analyze", cap])
    check("analyze text shows the request line escaped",
          b"\\x1b[2J\\u009b\\x9bhttp://" in so, so[:600])
    run_checked("analyze -v", ["analyze", "-v", cap])
    rc, so, se, docs = run_checked("analyze --json", ["analyze", "--json",
                                                      cap], json_out="doc")
    reqs = [(c.get("payload") or {}).get("http_request") for d in docs
            for c in d.get("connections", [])]
    check("analyze --json keeps the escaped request line",
          any(r and r.startswith("POST \\x1b[2J\\u009b") for r in reqs),
          repr(reqs))
    rc, so, se, docs = run_checked("analyze --jsonl", ["analyze", "--jsonl",
                                                       cap], json_out="lines")
    check("analyze --jsonl has the connections and the summary",
          len(docs) >= 3, repr(docs)[:300])


def tar_add(t, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = 1700000000
    t.addfile(info, io.BytesIO(data))


def hostile_bundle(cap_bytes, path):
    """A bundle as an attacker would craft it: escapes in every field."""
    h = HOSTILE
    esc_json = "\\u001b[31m\\u0007\\u009b1m\\u202eRTL"   # escaped in JSON
    manifest = (b'{"mcpdiag":"0.1.0","target":"' + h + b'","created":"' +
                esc_json.encode() + b'","redacted":true,"max_size":1,'
                b'"capture":{"ran":true,"packets_kept":1,'
                b'"packets_captured":1},"files":[{"name":"' + h +
                b'","sha256":"' + h + b'"}],"' + h + b'":"' + h + b'"}')
    env = (b'{"collected_at":"' + h + b'","os":{"hostname":"' + h +
           b'","distribution":"' + esc_json.encode() + b'","kernel":"' +
           h + b'"},"listeners":{"sockets":[{"addr":"' + h +
           b'","port":3000,"process":{"pid":1,"command":"' + h +
           b'"}}]},"proxy":{"' + h + b'":"' + h + b'"},'
           b'"firewall":{"' + h + b'":{"lines":["-A INPUT ' + h + b'"]}}}')
    top = "mcpdiag-bundle-x/"
    with tarfile.open(path, "w:gz", format=tarfile.USTAR_FORMAT,
                      encoding="utf-8", errors="surrogateescape") as t:
        tar_add(t, top + "manifest.json", manifest)
        tar_add(t, top + "environment.json", env)
        tar_add(t, top + "capture.pcap", cap_bytes)
        tar_add(t, top + "report.txt", h + b"\n")
        # A member whose name holds the hostile bytes.
        tar_add(t, top + h[:20].decode("utf-8", "surrogateescape"), h)


def check_bundle_readers(label, path, crafted):
    rc, so, se, _ = run_checked(label + " --inspect",
                                ["bundle", "--inspect", path])
    if crafted:
        check(label + " --inspect shows the fields escaped",
              HOSTILE_TEXT.encode() in so, so[:800])
    rc, so, se, docs = run_checked(label + " --inspect --json",
                                   ["bundle", "--inspect", path, "--json"],
                                   json_out="doc")
    if crafted and docs:
        s = list(strings_of(docs[0]))
        check(label + " --inspect --json keeps the strings, made valid",
              any(x.startswith("\x1b[31m\x07\x9b1m\ufffd2J") for x in s),
              repr(s)[:400])
    rc, so, se, _ = run_checked(label + " analyze", ["analyze", path])
    if crafted:
        check(label + " analyze shows the environment escaped",
              b"host " + HOSTILE_TEXT.encode() in so, so[-800:])
    run_checked(label + " analyze --json", ["analyze", "--json", path],
                json_out="doc")


def part_bundle_crafted(cap_bytes):
    path = os.path.join(TMP, "crafted.tar.gz")
    hostile_bundle(cap_bytes, path)
    check_bundle_readers("crafted bundle", path, True)


# ---- part 2: live, as root, in a namespace ---------------------------------

# A server that renames itself, then answers every request with hostile
# headers and JSON; mode "ok" answers initialize with a hostile
# serverInfo, mode "error" with HTTP 500 and a JSON-RPC error whose
# message is hostile.
SERVER = r'''
import ctypes, json, socket, sys, threading
H = bytes.fromhex(sys.argv[4])
ctypes.CDLL(None).prctl(15, ctypes.c_char_p(bytes.fromhex(sys.argv[5])), 0,
                         0, 0)
mode = sys.argv[3]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(16)
print("ready", flush=True)

def serve(c):
    try:
        c.settimeout(10)
        data = b""
        while b"\r\n\r\n" not in data:
            got = c.recv(65536)
            if not got:
                return
            data += got
        head, _, body = data.partition(b"\r\n\r\n")
        n = 0
        for line in head.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                n = int(v)
        while len(body) < n:
            got = c.recv(65536)
            if not got:
                break
            body += got
        try:
            rid = json.loads(body).get("id")
        except ValueError:
            rid = None
        if rid is None:
            c.sendall(b"HTTP/1.1 202 " + H + b"\r\nServer: " + H +
                      b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        if mode == "ok":
            out = (b'{"jsonrpc":"2.0","id":' + json.dumps(rid).encode() +
                   b',"result":{"protocolVersion":"2025-03-26",'
                   b'"capabilities":{},"serverInfo":{"name":"' + H +
                   b'","version":"' + H + b'"}}}')
        else:
            out = (b'{"jsonrpc":"2.0","id":' + json.dumps(rid).encode() +
                   b',"error":{"code":-32600,"message":"' + H + b'"}}')
        c.sendall(b"HTTP/1.1 " + (b"200 OK" if mode == "ok" else
                                  b"500 Oops") + b"\r\nServer: " + H +
                  b"\r\nMcp-Session-Id: " + H + b"\r\nAllow: " + H +
                  b"\r\nX-" + H +
                  b": " + H + b"\r\nContent-Type: application/json\r\n"
                  b"Content-Length: " + str(len(out)).encode() +
                  b"\r\nConnection: close\r\n\r\n" + out)
    except OSError:
        pass
    finally:
        c.close()

while True:
    conn, _ = s.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
'''

# A client that renames itself and sends a hostile request line.
CLIENT = r'''
import ctypes, socket, sys
ctypes.CDLL(None).prctl(15, ctypes.c_char_p(bytes.fromhex(sys.argv[3])), 0,
                         0, 0)
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
c.sendall(bytes.fromhex(sys.argv[2]))
while c.recv(65536):
    pass
c.close()
# What the client prints is someone else's text too (report.txt keeps
# it); the terminal gets it as the client wrote it, as without mcpdiag.
if len(sys.argv) > 4:
    sys.stdout.buffer.write(bytes.fromhex(sys.argv[4]) + b"\n")
    sys.stderr.buffer.write(bytes.fromhex(sys.argv[4]) + b"\n")
'''


class Netns(mcpdtest.Netns):
    def __init__(self):
        super().__init__("hos")

    def server(self, port, mode):
        path = os.path.join(TMP, "server.py")
        with open(path, "w") as f:
            f.write(SERVER)
        # "ready" comes after the rename and the listen.
        return self.start([sys.executable, path, "127.0.0.1", str(port),
                           mode, HOSTILE.hex(), PNAME.hex()],
                          ready_line=True)


# What the loud client prints.
LOUD = b"said " + HOSTILE


def client_cmd(port, loud=False):
    path = os.path.join(TMP, "client.py")
    with open(path, "w") as f:
        f.write(CLIENT)
    req = hostile_request(b"\x1b[2J\xc2\x9b\x9bhttp://u:p@h/mcp")
    return [sys.executable, path, str(port), req.hex(), PNAME.hex()] + \
        ([LOUD.hex()] if loud else [])


def part_probe(ns):
    url = "http://127.0.0.1:3000/mcp"
    rc, so, se, _ = run_checked("probe ok-server text", ["probe", url, "-v"],
                                ns=ns.name)
    check("probe shows the listener's name escaped",
          PNAME_TEXT.encode() in so, so[:1500])
    check("probe shows serverInfo escaped", HOSTILE_TEXT.encode() in so,
          so[:1500])
    rc, so, se, docs = run_checked("probe ok-server --json",
                                   ["probe", url, "--json"], ns=ns.name,
                                   json_out="doc")
    if docs:
        s = list(strings_of(docs[0]))
        check("probe --json carries the listener's name",
              any("ev" in x and "[31m" in x for x in s), repr(s)[:400])
    url = "http://127.0.0.1:3001/mcp"
    rc, so, se, _ = run_checked("probe error-server text",
                                ["probe", url, "-v"], ns=ns.name)
    check("probe error-server fails and says why on stderr",
          rc != 0 and se.startswith(b"mcpdiag: ") and
          HOSTILE_TEXT.encode() in so + se, (rc, se[:400]))
    run_checked("probe error-server --json", ["probe", url, "--json"],
                ns=ns.name, json_out="doc")


def part_capture(ns):
    cmd = client_cmd(3000)
    rc, so, se, _ = run_checked("capture text",
                                ["capture", "127.0.0.1:3000", "--"] + cmd,
                                ns=ns.name)
    both = so + se
    check("capture line names the client, escaped",
          PNAME_TEXT.encode() in both, both[:1500])
    rc, so, se, docs = run_checked(
        "capture --json", ["capture", "127.0.0.1:3000", "--json", "--"] +
        cmd, ns=ns.name, json_out="doc")
    names = [c["process"].get("command") for d in docs
             for c in d.get("connections", []) if c.get("process")]
    check("capture --json names the client, as valid UTF-8",
          any(n and n.startswith("ev\x1b[31m\x9b\ufffd") for n in names),
          repr(names))
    run_checked("capture --jsonl",
                ["capture", "127.0.0.1:3000", "--jsonl", "--"] + cmd,
                ns=ns.name, json_out="lines")
    # A COMMAND that cannot be run is named on stderr, escaped.
    rc, so, se, _ = run_checked(
        "capture of a hostile COMMAND name",
        ["capture", "127.0.0.1:3000", "--", "/nonexistent/ev\x1b[31m\x07"],
        ns=ns.name)
    check("a COMMAND that cannot run: exit 3, its name escaped",
          rc == 3 and b"cannot run /nonexistent/ev\\x1b[31m\\x07" in se,
          (rc, se[:300]))


def part_bundle_live(ns):
    out = os.path.join(TMP, "live.tar.gz")
    rc, so, se = run(["bundle", "http://127.0.0.1:3001/mcp", "-o", out,
                      "--"] + client_cmd(3001, loud=True), ns=ns.name,
                     timeout=180)
    check_safe("bundle stdout", so)
    check("bundle stderr shows the client's own output as it was",
          LOUD + b"\n" in se, se[-400:])
    check_safe("bundle stderr, but for the client's own lines",
               se.replace(LOUD + b"\n", b""))
    if not os.path.exists(out):
        check("bundle written", False, se[-600:])
        return
    files = {}
    with tarfile.open(out, "r:gz") as t:
        for m in t.getmembers():
            if m.isfile():
                files[os.path.basename(m.name)] = t.extractfile(m).read()
    html = files.get("report.html", b"")
    check_safe("bundle report.html", html)
    # The probe part of the page quotes the server's JSON-RPC error.
    check("report.html shows the server's error escaped",
          HOSTILE_TEXT.encode() in html, html[:200])
    txt = files.get("report.txt", b"")
    check_safe("bundle report.txt", txt)
    check("report.txt quotes the client's output, escaped",
          PNAME_TEXT.encode() in txt and
          b"said " + HOSTILE_TEXT.encode() in txt, txt[-800:])
    for name in ("report.json", "environment.json", "manifest.json"):
        check_json("bundle " + name, files.get(name, b""))
        check_safe("bundle " + name, files.get(name, b""))
    check_bundle_readers("live bundle", out, False)


def main():
    global EXE, TMP
    EXE = os.path.abspath(sys.argv[1])
    TMP = tempfile.mkdtemp(prefix="mcpd-hostile-")
    try:
        cap = os.path.join(TMP, "hostile.pcap")
        with open(cap, "wb") as f:
            f.write(hostile_capture())
        part_analyze(cap)
        with open(cap, "rb") as f:
            part_bundle_crafted(f.read())
        live = os.geteuid() == 0 and shutil.which("ip") and \
            subprocess.run(["ip", "netns", "list"],
                           capture_output=True).returncode == 0
        if live:
            with Netns() as ns:
                ns.server(3000, "ok")
                ns.server(3001, "error")
                part_probe(ns)
                part_capture(ns)
                part_bundle_live(ns)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    print(mcpdtest.summary())
    if mcpdtest.failures:
        return 1
    if not live:
        print("SKIP: live part needs root and ip netns (part 1 passed)")
        return 77
    return 0


if __name__ == "__main__":
    sys.exit(main())

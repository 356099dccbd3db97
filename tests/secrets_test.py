#!/usr/bin/env python3
"""Secrets never reach mcpdiag's output (issue 5, item 5; SPEC Security):
Authorization and Proxy-Authorization headers, cookies, tokens in query
strings, user:password@ in URLs and proxy variables are never printed on
stdout or stderr, nor put in the JSON, by analyze, capture or probe.

Every secret below is a unique marker; each output (stdout and stderr,
every report form) is searched for it, for its base64 form as sent in a
Basic header, and for the proxy's user name.

Part 1 (any user): analyze of captures built here (struct.pack) whose
HTTP requests carry the secrets in every place a client puts them:
origin-form with Authorization/Cookie/?token=, absolute-form to a proxy
with Proxy-Authorization and user:password@ in the URL, CONNECT with
Proxy-Authorization; in --json, --jsonl, text, -v and -q.

Part 2 (root, network namespace; skipped otherwise): a server on 3000 and
a stand-in proxy on 3128; `mcpdiag capture` runs curl with
`Authorization: Bearer ...` through HTTP_PROXY=http://user:pass@... and
curl -u user:pass direct, in --json, --jsonl and -v text, with -w; then
analyze of every -w file in every form; then probe with the same proxy
variables (--json and -v) and probe and capture given a target with
user:password@.

The pcap itself holds the packets as captured (as tcpdump's would); it is
not searched: only what mcpdiag derives from it.

usage: secrets_test.py MCPDIAG
"""
import base64
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import mcpdtest
from mcpdtest import check, exchange, pcap

EXE = None
TMP = None

TOKEN = "mcpdTOKENq7f3a9c"
PXUSER, PXPASS = "mcpdPXUSERk2", "mcpdPXPASS51e0"
BUSER, BPASS = "mcpdBUSERz8", "mcpdBPASS0b4d"
# Short enough that the whole password fits in what a report keeps of a
# request line (32 bytes).
URLUSER, URLPASS = "mcpdU1x", "mcpdUPASS6"
COOKIE = "mcpdCOOKIEr5"
QTOKEN = "mcpdQTOKENu9"
PROXY_URL = "http://%s:%s@127.0.0.1:3128" % (PXUSER, PXPASS)


def b64(u, p):
    return base64.b64encode(("%s:%s" % (u, p)).encode()).decode()


SECRETS = [TOKEN, PXPASS, PXUSER, BPASS, URLPASS, URLUSER, COOKIE, QTOKEN,
           b64(PXUSER, PXPASS), b64(BUSER, BPASS), b64(URLUSER, URLPASS)]


def leaks(text):
    return [s for s in SECRETS if s in text]


def expect_clean(name, text):
    found = leaks(text)
    where = ""
    for s in found:
        i = text.find(s)
        where += "\n    %s in: ...%s..." % (s, text[max(0, i - 80):i + 60]
                                          .replace("\n", "\\n"))
    check(name + ": no secret in stdout/stderr", not found, where)


def run(args, env=None, ns=None, timeout=120):
    e = dict(os.environ, LC_ALL="C", NO_COLOR="1")
    e.update(env or {})
    full = (["ip", "netns", "exec", ns] if ns else []) + [EXE] + args
    p = subprocess.run(full, capture_output=True, env=e, timeout=timeout)
    return p.returncode, p.stdout.decode(errors="replace") + \
        p.stderr.decode(errors="replace")


# ---- part 1: captures built here -----------------------------------------

def part_analyze():
    hdrs = ("Host: 10.0.0.2:3000\r\nAuthorization: Bearer %s\r\n"
            "Cookie: session=%s\r\nContent-Length: 2\r\n\r\n{}" %
            (TOKEN, COOKIE))
    cases = {
        "origin-form, Authorization, Cookie, ?token=":
            "POST /mcp?token=%s HTTP/1.1\r\n%s" % (QTOKEN, hdrs),
        "Basic auth":
            "POST /mcp HTTP/1.1\r\nAuthorization: Basic %s\r\n\r\n" %
            b64(BUSER, BPASS),
        "absolute-form to a proxy, Proxy-Authorization":
            "POST http://10.0.0.2:3000/mcp HTTP/1.1\r\n"
            "Proxy-Authorization: Basic %s\r\n%s" % (b64(PXUSER, PXPASS),
                                                     hdrs),
        "absolute-form with user:password@ in the URL":
            "GET http://%s:%s@10.0.0.2:3000/mcp HTTP/1.1\r\n%s" %
            (URLUSER, URLPASS, hdrs),
        "CONNECT with Proxy-Authorization":
            "CONNECT 10.0.0.2:443 HTTP/1.1\r\nProxy-Authorization: Basic "
            "%s\r\n\r\n" % b64(PXUSER, PXPASS),
    }
    resp = b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n"
    every = []
    for i, (name, req) in enumerate(sorted(cases.items())):
        pk = exchange(40000 + i, 3000, req.encode(), resp, 1700000000 + i)
        every += pk
        path = os.path.join(TMP, "case%d.pcap" % i)
        with open(path, "wb") as f:
            f.write(pcap(pk))
        out = ""
        for form in (["--json"], ["--jsonl"], [], ["-v"], ["-q"]):
            rc, text = run(["analyze", path] + form)
            out += text
        check("analyze %s: a report" % name, '"verdict":"CLOSED"' in out,
              out[:300])
        expect_clean("analyze %s (json, jsonl, text, -v, -q)" % name, out)
    path = os.path.join(TMP, "all.pcap")
    with open(path, "wb") as f:
        f.write(pcap(every))
    out = "".join(run(["analyze", path] + form)[1] for form in
                  (["--json"], ["--jsonl"], ["-v"]))
    expect_clean("analyze all cases in one capture", out)


# ---- part 2: live, as root -----------------------------------------------

SERVER = r'''
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
print("ready", flush=True)
while True:
    c, _ = s.accept(); c.recv(65536)
    body = b'{"jsonrpc":"2.0","id":1,"result":{}}'
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
              + body)
    c.close()
'''


def part_live():
    ns = "mcpd-sec-%d" % os.getpid()
    procs = []
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", ns, "ip", "link", "set", "lo",
                        "up"], check=True)
        srv = os.path.join(TMP, "srv.py")
        with open(srv, "w") as f:
            f.write(SERVER)
        for port in ("3000", "3128"):     # the server, a stand-in proxy
            p = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable,
                                  srv, port], stdout=subprocess.PIPE)
            procs.append(p)
            p.stdout.readline()
        env = {"HTTP_PROXY": PROXY_URL, "http_proxy": PROXY_URL,
               "HTTPS_PROXY": PROXY_URL, "ALL_PROXY": PROXY_URL}
        # A client that puts user:password@ in the absolute-form request
        # line it sends to the proxy (curl strips it; others do not).
        raw = os.path.join(TMP, "rawclient.py")
        with open(raw, "w") as f:
            f.write("import socket\n"
                    "s = socket.create_connection(('127.0.0.1', 3128))\n"
                    "s.sendall(b'GET http://%s:%s@127.0.0.1:3000/mcp "
                    "HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n')\n"
                    "s.recv(65536)\n" % (URLUSER, URLPASS))
        script = ("curl -s -m 3 -H 'Authorization: Bearer %s' "
                  "-b 'session=%s' 'http://127.0.0.1:3000/mcp?token=%s'; "
                  "curl -s -m 3 --noproxy '*' -u '%s:%s' "
                  "http://127.0.0.1:3000/mcp; %s %s; exit 0" %
                  (TOKEN, COOKIE, QTOKEN, BUSER, BPASS, sys.executable, raw))
        everything = ""
        for form in (["--json"], ["--jsonl"], ["-v"]):
            w = os.path.join(TMP, "live%s.pcap" % form[0].strip("-"))
            rc, out = run(["capture", "http://127.0.0.1:3000/mcp"] + form +
                          ["-w", w, "--", "sh", "-c", script], env=env,
                          ns=ns)
            everything += out
            check("capture %s: saw the proxied and the direct request" %
                  form[0], out.count("3128") >= 1 and rc in (0, 1),
                  "rc=%d %s" % (rc, out[-400:]))
            expect_clean("capture %s" % form[0], out)
            aout = "".join(run(["analyze", w] + f)[1] for f in
                           (["--json"], ["--jsonl"], [], ["-v"]))
            check("analyze of the -w file: the Authorization header went "
                  "on the wire (so the test means something)",
                  TOKEN.encode() in open(w, "rb").read())
            expect_clean("analyze of capture %s -w file (json, jsonl, "
                         "text, -v)" % form[0], aout)
        for form in (["--json"], ["-v"]):
            rc, out = run(["probe", "http://127.0.0.1:3000/mcp",
                           "--timeout", "2"] + form, env=env, ns=ns)
            check("probe %s: reports the proxy" % form[0],
                  "3128" in out, out[-300:])
            expect_clean("probe %s with proxy variables" % form[0], out)
        target = "http://%s:%s@127.0.0.1:3000/mcp" % (URLUSER, URLPASS)
        for cmd in (["probe", target, "--timeout", "2"],
                    ["capture", target, "--passive", "--duration", "1"]):
            rc, out = run(cmd, ns=ns)
            check("%s given user:password@ in the target: refused" %
                  cmd[0], rc in (2, 3), "rc=%d" % rc)
            expect_clean("%s given user:password@ in the target" % cmd[0],
                         out)
    finally:
        for p in procs:
            p.kill()
            p.wait()
        subprocess.run(["ip", "netns", "del", ns])


def main():
    global EXE, TMP
    EXE = os.path.abspath(sys.argv[1])
    TMP = tempfile.mkdtemp(prefix="mcpd-sec-")
    try:
        part_analyze()
        if os.geteuid() != 0:
            print("SKIP live part: needs root (network namespaces)")
        elif shutil.which("curl") is None:
            print("SKIP live part: no curl")
        elif subprocess.run(["ip", "netns", "list"],
                            capture_output=True).returncode != 0:
            print("SKIP live part: no 'ip netns' here")
        else:
            part_live()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    mcpdtest.finish()


if __name__ == "__main__":
    main()

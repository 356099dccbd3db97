#!/usr/bin/env python3
"""`mcpdiag capture` names the cause above TCP, with real peers, as root,
in network namespaces:

- curl https:// (no -k) to `openssl s_server` with a self-signed
  certificate: tls_untrusted, exit 1;
- curl http:// to a `socat` echo listener: port_in_use_by_other, exit 1;
- curl through `tinyproxy` (http_proxy) that answers 403: the 403 is in
  the record and the diagnosis names the proxy;
- curl http:// to the TLS port: wrong_protocol, exit 1;
- and, so the TLS rule cannot pass by always failing, curl -k to the same
  server: ok, exit 0; the same two with Node's built-in fetch;
- following the command: a proxy variable set by `env` in the command, a
  connection to another port than the target (and not another program's),
  and a failed command with healthy connections (exit 1).

Each time `analyze` of the -w file must give the same cause.

usage: capture_causes_test.py MCPDIAG [SCENARIO...]
Exits 77 (skipped) with a printed reason when not root, without
`ip netns`, or without curl, openssl, socat or tinyproxy.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import mcpdtest
from mcpdtest import check as expect, sh

EXE = None
TMP = None


class Netns(mcpdtest.Netns):
    def __init__(self):
        super().__init__("causes")


def capture(ns, target, cmd, env=None, witness=False):
    """capture --json -w FILE TARGET -- CMD: (rc, doc, stderr, pcap)."""
    pcap = os.path.join(TMP, "%s-%d.pcap" % (ns.name, len(os.listdir(TMP))))
    full = [EXE, "capture", target, "--json"] + \
        ([] if witness else ["--no-witness"]) + ["-w", pcap, "--"] + cmd
    e = dict(os.environ, LC_ALL="C", NO_COLOR="1")
    for k in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
              "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"):
        e.pop(k, None)
    e.update(env or {})
    p = sh(ns.name, *full, check=False, env=e, timeout=60)
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        doc = None
    return p.returncode, doc, p.stderr.decode(), pcap


def analyze(pcap):
    p = subprocess.run([EXE, "analyze", pcap, "--json"], capture_output=True,
                       timeout=60)
    try:
        return p.returncode, json.loads(p.stdout)
    except ValueError:
        return p.returncode, None


def check_cause(name, rc, doc, err, pcap, cause, want_rc=1):
    got = doc and doc["diagnosis"]["cause"]
    expect("%s: capture says %s" % (name, cause), got == cause,
           "got %r rc=%d %s" % (doc and doc["diagnosis"], rc, err[-400:]))
    expect("%s: capture exits %d" % (name, want_rc), rc == want_rc,
           "rc=%d" % rc)
    arc, adoc = analyze(pcap)
    expect("%s: analyze of -w says %s, exit %d" % (name, cause, want_rc),
           adoc and adoc["diagnosis"]["cause"] == cause and arc == want_rc,
           "got %r rc=%d" % (adoc and adoc["diagnosis"]["cause"], arc))


def make_cert():
    key, crt = os.path.join(TMP, "key.pem"), os.path.join(TMP, "crt.pem")
    if not os.path.exists(crt):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                        "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                        "-keyout", key, "-out", crt, "-days", "2",
                        "-subj", "/CN=localhost"], check=True,
                       capture_output=True)
    return key, crt


def tls_server(ns, port=3443):
    key, crt = make_cert()
    return ns.start(["openssl", "s_server", "-quiet", "-www",
                     "-accept", str(port), "-key", key, "-cert", crt], port)


CURL = ["curl", "-sS", "-m", "5", "-o", "/dev/null"]


def scenario_tls_untrusted():
    with Netns() as ns:
        tls_server(ns)
        rc, doc, err, pcap = capture(ns, "https://127.0.0.1:3443/mcp",
                                     CURL + ["https://127.0.0.1:3443/mcp"])
        check_cause("self-signed TLS", rc, doc, err, pcap, "tls_untrusted")
        expect("self-signed TLS: the summary says who is not trusted",
               doc and "certificate" in doc["diagnosis"]["summary"],
               doc and doc["diagnosis"]["summary"])


NODE_FETCH = ("fetch(process.argv[1], {signal: AbortSignal.timeout(5000)})"
              ".then(r => r.text()).then(t => console.log(t.length))"
              ".catch(e => { console.error(String(e.cause || e));"
              " process.exit(1); })")


def scenario_tls_untrusted_node():
    """Node's built-in fetch (what the MCP TypeScript SDK uses) closes
    the handshake without an alert: the same cause."""
    if shutil.which("node") is None:
        print("SKIP part: no node")
        return
    with Netns() as ns:
        tls_server(ns)
        rc, doc, err, pcap = capture(
            ns, "https://127.0.0.1:3443/mcp",
            ["node", "-e", NODE_FETCH, "https://127.0.0.1:3443/mcp"])
        check_cause("self-signed TLS, node fetch", rc, doc, err, pcap,
                    "tls_untrusted")
        # Told to trust it, the same client completes the handshake.
        rc, doc, err, pcap = capture(
            ns, "https://127.0.0.1:3443/mcp",
            ["node", "-e", NODE_FETCH, "https://127.0.0.1:3443/mcp"],
            env={"NODE_TLS_REJECT_UNAUTHORIZED": "0"})
        check_cause("TLS, node fetch told to trust it", rc, doc, err, pcap,
                    "ok", want_rc=0)


def scenario_tls_trusted():
    """The same server with curl -k: the handshake goes through, ok."""
    with Netns() as ns:
        tls_server(ns)
        rc, doc, err, pcap = capture(ns, "https://127.0.0.1:3443/mcp",
                                     CURL + ["-k",
                                             "https://127.0.0.1:3443/mcp"])
        check_cause("TLS with -k", rc, doc, err, pcap, "ok", want_rc=0)


def scenario_http_to_tls():
    with Netns() as ns:
        tls_server(ns)
        rc, doc, err, pcap = capture(ns, "http://127.0.0.1:3443/mcp",
                                     CURL + ["http://127.0.0.1:3443/mcp"])
        check_cause("plain HTTP to a TLS port", rc, doc, err, pcap,
                    "wrong_protocol")


def scenario_echo():
    with Netns() as ns:
        ns.start(["socat", "TCP-LISTEN:3000,reuseaddr,fork", "PIPE"], 3000)
        rc, doc, err, pcap = capture(ns, "http://127.0.0.1:3000/mcp",
                                     CURL + ["http://127.0.0.1:3000/mcp"])
        check_cause("socat echo", rc, doc, err, pcap, "port_in_use_by_other")
        expect("socat echo: the evidence quotes the server's bytes",
               doc and "GET /mcp" in doc["diagnosis"]["summary"],
               doc and doc["diagnosis"]["summary"])


def scenario_proxy_403():
    with Netns() as ns:
        conf = os.path.join(TMP, "tinyproxy.conf")
        with open(conf, "w") as f:
            # Only an address nobody has is allowed: 127.0.0.1 gets 403.
            f.write("Port 8888\nListen 127.0.0.1\nTimeout 10\n"
                    "Allow 192.0.2.200\nUser nobody\nGroup nogroup\n"
                    "MaxClients 4\n")
        ns.start(["tinyproxy", "-d", "-c", conf], 8888)
        env = {"http_proxy": "http://127.0.0.1:8888"}
        rc, doc, err, pcap = capture(ns, "http://127.0.0.1:3000/mcp",
                                     CURL + ["http://127.0.0.1:3000/mcp"],
                                     env=env)
        rec = [c for c in (doc or {}).get("connections", [])
               if c["server"]["port"] == 8888]
        expect("proxy 403: the record holds the proxy's 403",
               rec and rec[0]["payload"]["http_status"] == 403,
               "rc=%d %s" % (rc, rec or err[-400:]))
        d = doc and doc["diagnosis"]
        expect("proxy 403: the diagnosis names the proxy and its 403",
               d and d["cause"] == "proxy_in_path" and
               "127.0.0.1:8888" in d["summary"] and "403" in d["summary"]
               and "did not answer" not in d["summary"], d)
        expect("proxy 403: exit 1", rc == 1, "rc=%d" % rc)
        arc, adoc = analyze(pcap)
        expect("proxy 403: analyze of -w names the 403 (http_error)",
               adoc and adoc["diagnosis"]["cause"] == "http_error" and
               "403" in adoc["diagnosis"]["summary"] and arc == 1,
               adoc and adoc["diagnosis"])


HTTP_OK = r'''
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
while True:
    c, _ = s.accept(); c.recv(65536)
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
              b"Connection: close\r\n\r\n{}")
    c.close()
'''


HOLD_CLIENT = r'''
import socket, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
c.sendall(b"POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
data = b""
while b"\r\n\r\n{}" not in data:
    d = c.recv(4096)
    if not d:
        break
    data += d
time.sleep(1)
c.close()
sys.exit(0 if data.startswith(b"HTTP/1.1 200") else 1)
'''


def http_ok(ns, port):
    path = os.path.join(TMP, "http_ok.py")
    with open(path, "w") as f:
        f.write(HTTP_OK)
    return ns.start([sys.executable, path, str(port)], port)


def scenario_follow_proxy():
    """The proxy variable is set by the command (env ...), not in
    capture's own environment: the dead proxy is still found."""
    with Netns() as ns:
        http_ok(ns, 3000)
        rc, doc, err, pcap = capture(
            ns, "http://127.0.0.1:3000/mcp",
            ["env", "http_proxy=http://127.0.0.1:9"] + CURL +
            ["http://127.0.0.1:3000/mcp"])
        ports = sorted(c["server"]["port"] for c in (doc or {}).get(
            "connections", []))
        expect("follow: the command's proxy connection is captured",
               ports == [9], "ports %r rc=%d %s" % (ports, rc, err[-300:]))
        expect("follow: proxy_unreachable from the command's environment",
               doc and doc["diagnosis"]["cause"] == "proxy_unreachable" and
               rc == 1, "rc=%d %r" % (rc, doc and doc["diagnosis"]))


def scenario_follow_port():
    """A command that connects to another port than the target: its
    connection is in the report; another program's is not."""
    with Netns() as ns:
        http_ok(ns, 4000)
        pcap = os.path.join(TMP, "follow-port.pcap")
        # A grandchild (sh -> python) that holds its connection a second
        # after the answer: without the kernel witness, capture finds a
        # connection's process while its socket exists (sock_diag).
        client = os.path.join(TMP, "hold_client.py")
        with open(client, "w") as f:
            f.write(HOLD_CLIENT)
        cmd = ["sh", "-c", "sleep 0.5; %s %s 4000; sleep 0.2" % (
            sys.executable, client)]
        e = dict(os.environ, LC_ALL="C", NO_COLOR="1")
        p = subprocess.Popen(["ip", "netns", "exec", ns.name, EXE,
                              "capture", "--json", "-w",
                              pcap, "--"] + cmd, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=e)
        line = p.stderr.readline().decode()     # "mcpdiag capture on ..."
        # Another program, outside the command's tree, meanwhile.
        sh(ns.name, "curl", "-s", "-m", "2", "http://127.0.0.1:5000/",
           check=False)
        out, err = p.communicate(timeout=60)
        try:
            doc = json.loads(out)
        except ValueError:
            doc = None
        ports = sorted(c["server"]["port"] for c in (doc or {}).get(
            "connections", []))
        expect("follow: the command's connection to 4000 is reported, the "
               "other program's to 5000 is not", ports == [4000],
               "ports %r (%s) %s" % (ports, line.strip(),
                                     err.decode()[-300:]))
        expect("follow: healthy command, exit 0", p.returncode == 0,
               "rc=%d" % p.returncode)


def scenario_follow_wrong_port():
    """The server listens on the target's port, the command connects to
    another where nothing listens: that refusal is the evidence. The
    kernel witness names the connect() of a socket gone in microseconds,
    so it needs the witness; without one the reason is printed."""
    with Netns() as ns:
        http_ok(ns, 3000)
        rc, doc, err, pcap = capture(
            ns, "http://127.0.0.1:3000/mcp",
            CURL + ["http://127.0.0.1:4000/mcp"], witness=True)
        if "kernel witness unavailable" in err:
            print("SKIP follow_wrong_port: %s" % err.strip().splitlines()[0])
            return
        ports = sorted(c["server"]["port"] for c in (doc or {}).get(
            "connections", []))
        expect("follow: the command's refused connect to 4000 is reported",
               ports == [4000], "ports %r rc=%d %s" % (ports, rc, err[-300:]))
        check_cause("follow, wrong port", rc, doc, err, pcap, "no_listener")


def scenario_command_failed():
    """Every connection healthy, but the command failed: exit 1."""
    with Netns() as ns:
        http_ok(ns, 3000)
        rc, doc, err, pcap = capture(
            ns, "http://127.0.0.1:3000/mcp",
            ["sh", "-c", "curl -s -o /dev/null http://127.0.0.1:3000/mcp; "
             "exit 3"])
        expect("failed command: exit 1 though the connection is healthy",
               rc == 1 and doc and doc["diagnosis"]["cause"] == "ok" and
               "failed" in err, "rc=%d %s" % (rc, err[-300:]))


def main():
    global EXE, TMP
    EXE = os.path.abspath(sys.argv[1])
    if os.geteuid() != 0:
        print("SKIP: capture tests need root (network namespaces, capture)")
        sys.exit(77)
    if subprocess.run(["ip", "netns", "list"],
                      capture_output=True).returncode != 0:
        print("SKIP: no 'ip netns' here")
        sys.exit(77)
    for tool in ("curl", "openssl", "socat", "tinyproxy", "ss"):
        if shutil.which(tool) is None:
            print("SKIP: %s is not installed (tests/install-deps.sh)" % tool)
            sys.exit(77)
    TMP = tempfile.mkdtemp(prefix="mcpd-causes-")
    os.chmod(TMP, 0o755)
    names = sys.argv[2:] or [n[len("scenario_"):] for n in globals()
                             if n.startswith("scenario_")]
    try:
        for n in names:
            globals()["scenario_" + n]()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    mcpdtest.finish()


if __name__ == "__main__":
    main()

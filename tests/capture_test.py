#!/usr/bin/env python3
"""`mcpdiag capture` against real traffic, as root, in network namespaces.

Each scenario gets a fresh namespace with its own loopback, sets up the
situation (no listener, an iptables rule, a python server, a proxy
variable), runs `mcpdiag capture --json -w FILE -- CLIENT`, and checks
the verdicts, the processes named, the diagnosis, and that `analyze` on
the written file gives the same verdicts.

usage: capture_test.py MCPDIAG [--npm-cache=DIR] [SCENARIO...]
Exits 77 (skipped) with a printed reason when not root or without
`ip netns`.
"""
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time

import mcpdtest
from mcpdtest import check as expect, sh

EXE = None
TMP = None
NPM_CACHE = None

SERVERS = {
    # Accepts, reads the request, answers 200 with a small JSON body.
    "http_ok": r'''
import socket, sys
s = socket.socket(socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(16)
print("ready", flush=True)
while True:
    c, _ = s.accept(); c.recv(65536)
    body = b'{"jsonrpc":"2.0","id":1,"result":{}}'
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
              + body)
    c.close()
''',
    # Accepts, reads, then resets (SO_LINGER 0).
    "reset": r'''
import socket, struct, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(16)
print("ready", flush=True)
while True:
    c, _ = s.accept(); c.recv(65536)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
''',
}

CLIENT = r'''
import socket, sys
host, port = sys.argv[1], int(sys.argv[2])
try:
    c = socket.create_connection((host, port), timeout=float(sys.argv[3]))
    c.sendall(b"POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
    c.recv(65536)
    c.close()
except OSError as e:
    print("client:", e, file=sys.stderr)
    sys.exit(1)
'''


class Netns(mcpdtest.Netns):
    def __init__(self):
        super().__init__("cap")

    def server(self, kind, addr="127.0.0.1", port=3000):
        path = os.path.join(TMP, kind + ".py")
        with open(path, "w") as f:
            f.write(SERVERS[kind])
        return self.start([sys.executable, path, addr, str(port)],
                          ready_line=True)    # "ready"


def client_cmd(host="127.0.0.1", port=3000, timeout=3):
    path = os.path.join(TMP, "client.py")
    with open(path, "w") as f:
        f.write(CLIENT)
    return [sys.executable, path, host, str(port), str(timeout)]


def capture(ns, args, cmd, env=None):
    """Run capture --json -w; returns (rc, doc, stderr, pcap path)."""
    pcap = os.path.join(TMP, "%s.pcap" % ns.name)
    full = [EXE, "capture"] + args + ["--json", "-w", pcap, "--"] + cmd
    e = dict(os.environ, LC_ALL="C", NO_COLOR="1")
    e.update(env or {})
    p = sh(ns.name, *full, check=False, env=e, timeout=120)
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        doc = None
    return p.returncode, doc, p.stderr.decode(), pcap


def verdicts(doc, port=None):
    return sorted(c["verdict"] for c in doc["connections"]
                  if port is None or c["server"]["port"] == port)


def same_under_analyze(name, doc, pcap):
    p = subprocess.run([EXE, "analyze", pcap, "--json"], capture_output=True)
    try:
        adoc = json.loads(p.stdout)
    except ValueError:
        expect(name + ": -w file analyses", False, p.stderr.decode())
        return
    expect(name + ": analyze of -w gives the same verdicts",
           verdicts(adoc) == verdicts(doc) and os.stat(pcap).st_mode & 0o777
           == 0o600, "%s vs %s" % (verdicts(adoc), verdicts(doc)))


def scenario_refused():
    with Netns() as ns:
        rc, doc, err, pcap = capture(ns, ["3000"], client_cmd())
        expect("refused: exit 1 and REFUSED", rc == 1 and doc and
               verdicts(doc) == ["REFUSED"], "rc=%d %s" % (rc, err))
        expect("refused: diagnosis no_listener",
               doc and doc["diagnosis"]["cause"] == "no_listener")
        expect("refused: command status reported", "exited with status 1"
               in err, err)
        same_under_analyze("refused", doc, pcap)


def scenario_drop():
    with Netns() as ns:
        sh(ns.name, "iptables", "-A", "INPUT", "-p", "tcp", "--dport",
           "3000", "-j", "DROP")
        rc, doc, err, pcap = capture(ns, ["3000", "--syn-timeout", "1"],
                                     client_cmd(timeout=2.5))
        expect("drop: TIMEOUT", rc == 1 and doc and
               verdicts(doc) == ["TIMEOUT"], "rc=%d %s" % (rc, err))
        expect("drop: firewall_drop",
               doc and doc["diagnosis"]["cause"] == "firewall_drop")
        c = doc["connections"][0] if doc and doc["connections"] else {}
        expect("drop: client process named by pid and command",
               c.get("process") and c["process"]["command"].startswith(
                   "python"), json.dumps(c.get("process")))
        expect("drop: live TIMEOUT line before the end",
               "TIMEOUT" in err, err)
        same_under_analyze("drop", doc, pcap)


def scenario_reject():
    with Netns() as ns:
        sh(ns.name, "iptables", "-A", "INPUT", "-p", "tcp", "--dport",
           "3000", "-j", "REJECT")
        rc, doc, err, pcap = capture(ns, ["3000"], client_cmd())
        expect("reject icmp: UNREACHABLE + firewall_reject",
               doc and verdicts(doc) == ["UNREACHABLE"] and
               doc["diagnosis"]["cause"] == "firewall_reject",
               "rc=%d %s" % (rc, err))
        same_under_analyze("reject", doc, pcap)
    with Netns() as ns:
        ns.server("http_ok")
        sh(ns.name, "iptables", "-A", "INPUT", "-p", "tcp", "--dport",
           "3000", "-j", "REJECT", "--reject-with", "tcp-reset")
        rc, doc, err, pcap = capture(ns, ["3000"], client_cmd())
        expect("reject tcp-reset: REFUSED", doc and
               verdicts(doc) == ["REFUSED"], "rc=%d %s" % (rc, err))


def scenario_reset_and_ok():
    with Netns() as ns:
        srv = ns.server("reset")
        rc, doc, err, pcap = capture(ns, ["3000"], client_cmd())
        c = doc["connections"][0] if doc and doc["connections"] else {}
        expect("reset: RESET by server", c.get("verdict") == "RESET" and
               c.get("reset_by") == "server", json.dumps(c)[:300])
        expect("reset: server process named", c.get("server_process") and
               c["server_process"]["pid"] == srv.pid or
               (c.get("server_process") or {}).get("command", "")
               .startswith("python"), json.dumps(c.get("server_process")))
        expect("reset: diagnosis server_reset",
               doc and doc["diagnosis"]["cause"] == "server_reset")
    with Netns() as ns:
        ns.server("http_ok")
        rc, doc, err, pcap = capture(ns, ["3000"], client_cmd())
        expect("healthy: exit 0, CLOSED, ok", rc == 0 and doc and
               verdicts(doc) == ["CLOSED"] and
               doc["diagnosis"]["cause"] == "ok", "rc=%d %s" % (rc, err))
        same_under_analyze("healthy", doc, pcap)


def scenario_builtin_probe():
    with Netns() as ns:
        ns.server("http_ok")
        pcap = os.path.join(TMP, "builtin.pcap")
        p = sh(ns.name, EXE, "capture", "http://127.0.0.1:3000/mcp",
               "--json", check=False, timeout=60)
        doc = json.loads(p.stdout) if p.stdout else None
        expect("built-in probe: one CLOSED connection with an HTTP 200",
               p.returncode == 0 and doc and verdicts(doc) == ["CLOSED"] and
               doc["connections"][0]["payload"]["http_status"] == 200,
               p.stderr.decode())
        del pcap


def witness_available(err):
    return "kernel witness unavailable" not in err


def scenario_witness():
    """The kernel's word (tracepoints): who sent a RST and why, the
    drops of unanswered SYNs, the process of a client that lived a few
    milliseconds."""
    pidfile = os.path.join(TMP, "client.pid")
    quick = os.path.join(TMP, "quick.py")
    with open(quick, "w") as f:
        f.write("import os, socket\n"
                "open(%r, 'w').write(str(os.getpid()))\n"
                "s = socket.socket()\n"
                "try:\n    s.connect(('127.0.0.1', 3000))\n"
                "except OSError:\n    pass\n" % pidfile)
    with Netns() as ns:
        rc, doc, err, pcap = capture(ns, ["3000"], [sys.executable, quick])
        if not witness_available(err):
            print("SKIP witness: %s" % err.strip().splitlines()[0])
            return
        c = doc["connections"][0] if doc and doc["connections"] else {}
        k = c.get("kernel") or {}
        pid = open(pidfile).read().strip() if os.path.exists(pidfile) \
            else "?"
        expect("witness: refused RST sent by the host stack (NO_SOCKET)",
               k.get("rst_origin") == "host" and
               k.get("rst_reason") == "NO_SOCKET", json.dumps(k))
        expect("witness: a client that lived milliseconds is named by pid "
               "and command", (c.get("process") or {}).get("pid") ==
               int(pid) if pid.isdigit() else False,
               "%s vs %s" % (json.dumps(c.get("process")), pid))
        expect("witness: no_listener", doc["diagnosis"]["cause"] ==
               "no_listener")
    with Netns() as ns:
        ns.server("http_ok")
        sh(ns.name, "iptables", "-A", "INPUT", "-p", "tcp", "--dport",
           "3000", "-j", "REJECT", "--reject-with", "tcp-reset")
        rc, doc, err, pcap = capture(ns, ["3000"], client_cmd())
        k = (doc["connections"][0].get("kernel") or {}) if doc and \
            doc["connections"] else {}
        expect("witness: tcp-reset REJECT is not the host's RST -> "
               "firewall_reject", k.get("rst_origin") == "other" and
               doc["diagnosis"]["cause"] == "firewall_reject",
               json.dumps(k) + " " + (doc or {}).get("diagnosis", {})
               .get("cause", ""))
    with Netns() as ns:
        sh(ns.name, "iptables", "-A", "INPUT", "-p", "tcp", "--dport",
           "3000", "-j", "REJECT")
        rc, doc, err, pcap = capture(ns, ["3000"], client_cmd())
        k = (doc["connections"][0].get("kernel") or {}) if doc and \
            doc["connections"] else {}
        expect("witness: ICMP REJECT quoted with its counter",
               "-j REJECT" in (k.get("rule") or "") and
               doc["diagnosis"]["cause"] == "firewall_reject",
               json.dumps(k))
    with Netns() as ns:
        sh(ns.name, "iptables", "-A", "INPUT", "-p", "tcp", "--dport",
           "3000", "-j", "DROP")
        rc, doc, err, pcap = capture(ns, ["3000", "--syn-timeout", "1"],
                                     client_cmd(timeout=2.5))
        c = doc["connections"][0] if doc and doc["connections"] else {}
        drops = {d["reason"]: d["count"] for d in
                 (c.get("kernel") or {}).get("drops", [])}
        # Exact by mechanism, not by timing: drop events are matched to
        # SYNs by time, and a late one (a retransmission's softirq
        # deferred under load) is made up for by the DROP rule's counter,
        # which moved by exactly this connection's SYNs ("counter").
        k = c.get("kernel") or {}
        expect("witness: every SYN dropped in netfilter",
               drops.get("NETFILTER_DROP") == c.get("syn_count") and
               c.get("syn_count", 0) >= 2 and
               (k.get("matched_by") or {}).get("drops") in
               ("time", "counter"), json.dumps(k))
        rule = (c.get("kernel") or {}).get("rule") or ""
        expect("witness: the DROP rule whose counter moved is quoted",
               "--dport 3000" in rule and "-j DROP" in rule and
               "+%d packets" % c.get("syn_count", -1) in rule, rule)
        expect("witness: the diagnosis quotes the rule",
               "-j DROP" in doc["diagnosis"]["summary"],
               doc["diagnosis"]["summary"])
    if shutil.which("nft"):
        with Netns() as ns:
            sh(ns.name, "nft", "add table inet mcpd; add chain inet mcpd in "
               "{ type filter hook input priority 0; }; add rule inet mcpd "
               "in tcp dport 3000 drop")
            rc, doc, err, pcap = capture(ns, ["3000", "--syn-timeout", "1"],
                                         client_cmd(timeout=1.5))
            c = doc["connections"][0] if doc and doc["connections"] else {}
            drops = {d["reason"]: d["count"] for d in
                     (c.get("kernel") or {}).get("drops", [])}
            expect("witness: nftables drop seen as NETFILTER_DROP",
                   drops.get("NETFILTER_DROP", 0) >= 1 and
                   doc["diagnosis"]["cause"] == "firewall_drop",
                   json.dumps(c.get("kernel")))
    with Netns() as ns:
        # Nothing listens on [::1]: the host's stack resets over IPv6 too.
        rc, doc, err, pcap = capture(ns, ["[::1]:3000"],
                                     client_cmd(host="::1"))
        k = (doc["connections"][0].get("kernel") or {}) if doc and \
            doc["connections"] else {}
        expect("witness: IPv6 refused, RST from the host (NO_SOCKET)",
               k.get("rst_origin") == "host" and
               k.get("rst_reason") == "NO_SOCKET", json.dumps(k))
    with Netns() as ns:
        # A listener that never accepts, its queue (backlog 0: one waiting
        # connection) full: the
        # kernel drops the next SYN as TCP_LISTEN_OVERFLOW.
        srv = os.path.join(TMP, "full.py")
        with open(srv, "w") as f:
            f.write("import socket, time\n"
                    "s = socket.socket(); s.bind(('127.0.0.1', 3000))\n"
                    "s.listen(0)\n"
                    "held = [socket.create_connection(('127.0.0.1', 3000))"
                    " for _ in range(1)]\n"
                    "print('ready', flush=True); time.sleep(60)\n")
        p = subprocess.Popen(["ip", "netns", "exec", ns.name, sys.executable,
                              srv], stdout=subprocess.PIPE)
        ns.procs.append(p)
        p.stdout.readline()
        rc, doc, err, pcap = capture(ns, ["3000", "--syn-timeout", "1"],
                                     client_cmd(timeout=1.5))
        conns = [x for x in (doc or {}).get("connections", [])
                 if x["verdict"] == "TIMEOUT"]
        reasons = [d["reason"] for x in conns
                   for d in (x.get("kernel") or {}).get("drops", [])]
        expect("witness: full accept queue -> TCP_LISTEN_OVERFLOW, "
               "listen_queue_overflow",
               "TCP_LISTEN_OVERFLOW" in reasons and
               doc["diagnosis"]["cause"] == "listen_queue_overflow",
               "%s %s" % (reasons, (doc or {}).get("diagnosis")))
    if shutil.which("capsh") is None:
        print("SKIP witness fallback: no capsh")
        return
    with Netns() as ns:
        # Without CAP_SYS_ADMIN/CAP_PERFMON the tracepoints cannot be
        # opened: say so once, and still capture (CAP_NET_RAW kept).
        cmd = ["capsh", "--drop=cap_sys_admin,cap_perfmon,cap_bpf", "--",
               "-c", " ".join([EXE, "capture", "3000", "--json", "--"] +
                              client_cmd())]
        p = sh(ns.name, *cmd, check=False, timeout=60)
        err = p.stderr.decode()
        doc = json.loads(p.stdout) if p.stdout else None
        expect("witness unavailable: one line saying why, capture goes on",
               err.count("kernel witness unavailable") == 1 and doc and
               verdicts(doc) == ["REFUSED"], err)


def scenario_renamed_on_other_cpu():
    """A client that renames itself on one CPU and connects from another:
    the kernel's records of the two sit in two CPUs' rings. The
    connection is named by the name it had when it connected (the rename
    came first), not by the name it was started with."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        print("SKIP renamed_on_other_cpu: needs two CPUs, this has %d" %
              len(cpus))
        return
    a, b = cpus[0], cpus[1]
    client = os.path.join(TMP, "rename.py")
    with open(client, "w") as f:
        f.write("import ctypes, os, socket\n"
                "os.sched_setaffinity(0, {%d})\n"
                "ctypes.CDLL(None).prctl(15, b'renamed-cli', 0, 0, 0)\n"
                "os.sched_setaffinity(0, {%d})\n"
                "s = socket.socket()\n"
                "try:\n    s.connect(('127.0.0.1', 3000))\n"
                "except OSError:\n    pass\n" % (b, a))
    with Netns() as ns:
        # Started on CPU a: its exec's name goes to a's ring.
        rc, doc, err, pcap = capture(ns, ["3000"], ["taskset", "-c", str(a),
                                                   sys.executable, client])
        if not witness_available(err):
            print("SKIP renamed_on_other_cpu: %s" %
                  err.strip().splitlines()[0])
            return
        c = doc["connections"][0] if doc and doc["connections"] else {}
        expect("witness: a client renamed on another CPU is named by the "
               "name it connected with", (c.get("process") or {}).get(
                   "command") == "renamed-cli", json.dumps(c.get("process")))


def scenario_mcp_sdk():
    """A healthy server on the official MCP TypeScript SDK (npm): the
    built-in probe's initialize gets 200, the listener is named."""
    if NPM_CACHE is None or shutil.which("npm") is None:
        print("SKIP mcp_sdk: no npm or no cache directory given")
        return
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "probe")
    os.makedirs(NPM_CACHE, exist_ok=True)
    for f in ("package.json", "mcp_server.mjs"):
        shutil.copy(os.path.join(src, f), NPM_CACHE)
    if not os.path.isdir(os.path.join(NPM_CACHE, "node_modules",
                                      "@modelcontextprotocol", "sdk")):
        r = subprocess.run(["npm", "install", "--no-audit", "--no-fund",
                            "--loglevel=error"], cwd=NPM_CACHE,
                           capture_output=True, timeout=300)
        if r.returncode != 0:
            print("SKIP mcp_sdk: npm install failed: %s" %
                  r.stderr.decode()[-200:])
            return
    with Netns() as ns:
        p = subprocess.Popen(["ip", "netns", "exec", ns.name, "node",
                              os.path.join(NPM_CACHE, "mcp_server.mjs"),
                              "streamable", "127.0.0.1", "3000"])
        ns.procs.append(p)
        for _ in range(100):
            if sh(ns.name, sys.executable, "-c",
                  "import socket;socket.create_connection(('127.0.0.1',"
                  "3000),0.2)", check=False).returncode == 0:
                break
            time.sleep(0.1)
        r = sh(ns.name, EXE, "capture", "http://127.0.0.1:3000/mcp",
               "--json", check=False, timeout=60)
        doc = json.loads(r.stdout) if r.stdout else None
        c = doc["connections"][0] if doc and doc["connections"] else {}
        expect("mcp sdk: healthy, exit 0, initialize answered 200",
               r.returncode == 0 and doc["diagnosis"]["cause"] == "ok" and
               c.get("payload", {}).get("http_status") == 200,
               "rc=%d %s %s" % (r.returncode, r.stderr.decode()[-300:],
                                json.dumps(c)[:400]))
        expect("mcp sdk: the listener is named (node)",
               (c.get("server_process") or {}).get("command") == "node",
               json.dumps(c.get("server_process")))


def scenario_proxy():
    with Netns() as ns:
        ns.server("http_ok")
        env = {"http_proxy": "http://user:s3cret@127.0.0.1:3128",
               "HTTP_PROXY": "http://user:s3cret@127.0.0.1:3128"}
        cmd = ["curl", "-s", "-m", "3", "http://127.0.0.1:3000/mcp"]
        if shutil.which("curl") is None:
            print("SKIP part: no curl")
            return
        rc, doc, err, pcap = capture(ns, ["http://127.0.0.1:3000/mcp"], cmd,
                                     env=env)
        out = json.dumps(doc) + err
        expect("proxy: the refused proxy connection is seen",
               doc and verdicts(doc, 3128) == ["REFUSED"],
               "rc=%d %s" % (rc, err))
        expect("proxy: diagnosis proxy_unreachable",
               doc and doc["diagnosis"]["cause"] == "proxy_unreachable",
               doc and doc["diagnosis"])
        expect("proxy: the password is never printed", "s3cret" not in out)


def scenario_as_user():
    """Under sudo the capture continues as the user and runs COMMAND as
    the user: emulate sudo's SUDO_UID/SUDO_GID for a test account."""
    name = "mcpdt%d" % os.getpid()
    r = subprocess.run(["useradd", "--system", "--no-create-home",
                        "--shell", "/usr/sbin/nologin", name],
                       capture_output=True)
    if r.returncode != 0:
        print("SKIP as_user: cannot create a test user: %s" %
              r.stderr.decode().strip())
        return
    try:
        as_user(name, pwd.getpwnam(name))
    finally:
        subprocess.run(["userdel", name], capture_output=True)


def as_user(name, pw):
    os.chmod(TMP, 0o777)
    with Netns() as ns:
        probe = os.path.join(TMP, "whoami.sh")
        with open(probe, "w") as f:
            f.write("#!/bin/sh\nid -u > %s/child-uid\n"
                    "grep -E '^(Uid|CapEff)' /proc/$PPID/status > "
                    "%s/parent-status\n" % (TMP, TMP))
        os.chmod(probe, 0o755)
        env = {"SUDO_UID": str(pw.pw_uid), "SUDO_GID": str(pw.pw_gid),
               "SUDO_USER": name}
        rc, doc, err, pcap = capture(ns, ["3000"], [probe], env=env)
        child_uid = open(os.path.join(TMP, "child-uid")).read().strip() \
            if os.path.exists(os.path.join(TMP, "child-uid")) else "?"
        status = open(os.path.join(TMP, "parent-status")).read() \
            if os.path.exists(os.path.join(TMP, "parent-status")) else ""
        expect("as user: COMMAND runs as the sudo user",
               child_uid == str(pw.pw_uid), "uid %s, %s" % (child_uid, err))
        uids = [ln.split()[1:] for ln in status.splitlines()
                if ln.startswith("Uid")]
        caps = [ln.split()[1] for ln in status.splitlines()
                if ln.startswith("CapEff")]
        expect("as user: mcpdiag kept no root (real/effective/saved) and "
               "no capability",
               uids and all(u == str(pw.pw_uid) for u in uids[0][:3]) and
               caps and int(caps[0], 16) == 0, status)
        expect("as user: -w file belongs to the user, mode 0600",
               os.path.exists(pcap) and os.stat(pcap).st_uid == pw.pw_uid
               and os.stat(pcap).st_mode & 0o777 == 0o600,
               str(os.stat(pcap)) if os.path.exists(pcap) else "missing")


def scenario_refuse_symlink():
    with Netns() as ns:
        target = os.path.join(TMP, "victim")
        with open(target, "w") as f:
            f.write("keep me")
        link = os.path.join(TMP, "link.pcap")
        os.symlink(target, link)
        p = sh(ns.name, EXE, "capture", "3000", "-w", link, "--passive",
               "--duration", "1", check=False)
        expect("-w refuses a symlink", p.returncode == 3 and
               open(target).read() == "keep me", p.stderr.decode())


def scenario_no_rights():
    try:
        pw = pwd.getpwnam("nobody")
    except KeyError:
        print("SKIP no_rights: no user nobody")
        return

    def demote():
        os.setgroups([])
        os.setgid(pw.pw_gid)
        os.setuid(pw.pw_uid)
    p = subprocess.run([EXE, "capture", "3000", "--passive", "--duration",
                        "1"], capture_output=True, preexec_fn=demote)
    err = p.stderr.decode()
    expect("no capture rights: exit 3 with the fix", p.returncode == 3 and
           "capture needs CAP_NET_RAW (or root): run with sudo" in err and
           len(err.strip().splitlines()) == 1, err)


def main():
    global EXE, TMP, NPM_CACHE
    EXE = os.path.abspath(sys.argv[1])
    args = sys.argv[2:]
    if args and args[0].startswith("--npm-cache="):
        NPM_CACHE = args.pop(0).split("=", 1)[1]
    if os.geteuid() != 0:
        print("SKIP: capture tests need root (network namespaces, capture)")
        sys.exit(77)
    if subprocess.run(["ip", "netns", "list"],
                      capture_output=True).returncode != 0:
        print("SKIP: no 'ip netns' here")
        sys.exit(77)
    TMP = tempfile.mkdtemp(prefix="mcpd-cap-")
    names = args or [n[len("scenario_"):] for n in globals()
                             if n.startswith("scenario_")]
    try:
        for n in names:
            globals()["scenario_" + n]()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    mcpdtest.finish()


if __name__ == "__main__":
    main()

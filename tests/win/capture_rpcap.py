#!/usr/bin/env python3
"""capture on Windows, for real, through a remote libpcap capture:
mcpdiag.exe runs under wine in a fresh network namespace and captures
the namespace's loopback through rpcapd (libpcap's remote capture
daemon, built natively by platform/windows/build-deps.sh) with
`-i rpcap://127.0.0.1:PORT/lo`. The wpcap.dll it loads from
System32\\Npcap is our cross-built libpcap with remote capture; its
connections must get the verdicts, cause and exit status that the
native build's `capture -i lo` gives in the same namespace for the same
situation:

- nothing listens: the built-in probe's connection is REFUSED;
- the official MCP SDK server, healthy;
- an iptables DROP on its port: TIMEOUT;
- each with -w FILE: the native `analyze` of the file the .exe wrote
  gives the same verdicts and cause;
- and -i rpcap://127.0.0.1:1/lo (nothing there): exit 3, one line.

What it cannot cover: Npcap's own driver and its \\Device\\NPF_Loopback
adapter, which cannot run under wine. Everything after the handle is
opened (filter, reads with a timeout, link type, stats, the -w file,
the verdicts) is shared with that path; opening and waiting differ.

Wine has a builtin wpcap.dll (over the host's libpcap, without rpcap)
that it would load instead of any DLL of that name, even by full path:
the runs set WINEDLLOVERRIDES=wpcap=n so the file in System32\\Npcap is
the one loaded, as Npcap's is on Windows.

usage: capture_rpcap.py WINE_RUN WIN_EXE NATIVE_MCPDIAG RPCAPD PCAP_DLL
                        PROBE_TESTS_DIR NPM_CACHE WINEPREFIX
Exits 77 (skipped) with a printed reason when not root, without network
namespaces, wine, rpcapd, a native build, node/npm or iptables.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import mcpdtest  # noqa: E402
from mcpdtest import check, finish, skip  # noqa: E402

RPCAPD_PORT = 2002
SERVER_PORT = 3000
NOTHING_PORT = 3009

ENV = dict(os.environ, LC_ALL="C", NO_COLOR="1")
for k in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
          "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"):
    ENV.pop(k, None)


def npm_server(probe_tests, cache):
    """The SDK server script of the probe tests, with the SDK from npm
    installed once into cache (as tests/probe/lib.sh does)."""
    os.makedirs(cache, exist_ok=True)
    for f in ("package.json", "mcp_server.mjs"):
        shutil.copy(os.path.join(probe_tests, f), cache)
    mods = os.path.join(cache, "node_modules", "@modelcontextprotocol")
    if not (os.path.isdir(os.path.join(mods, "sdk")) and
            os.path.isdir(os.path.join(mods, "server-everything"))):
        r = subprocess.run(["npm", "install", "--no-audit", "--no-fund",
                            "--loglevel=error"], cwd=cache)
        if r.returncode != 0:
            skip("npm install failed (no registry access?)")
    return os.path.join(cache, "mcp_server.mjs")


def load(out):
    try:
        return json.loads(out)
    except ValueError:
        return None


def shape(doc):
    """What must agree between the builds: each connection's verdict and
    server end (client ports, times, processes and the interface's name
    differ), the verdict counts, the cause and the link type (lo is
    Ethernet, also through rpcapd)."""
    if doc is None:
        return None
    conns = sorted((c["verdict"], c["server"]["addr"], c["server"]["port"])
                   for c in doc["connections"])
    return {"connections": conns, "verdicts": doc["summary"]["verdicts"],
            "cause": doc["diagnosis"]["cause"],
            "link_types": doc["input"]["link_types"]}


class Bed:
    def __init__(self, ns, wine_run, exe, native, tmp):
        self.ns, self.wine_run, self.exe = ns, wine_run, exe
        self.native, self.tmp = native, tmp
        self.iface = "rpcap://127.0.0.1:%d/lo" % RPCAPD_PORT

    def capture(self, name, argv, wine):
        """capture --json -w FILE ARGV, natively on lo or under wine
        through rpcapd: (rc, doc, stderr, pcap)."""
        pcap = os.path.join(self.tmp, "%s-%s.pcap" %
                            (name.replace(" ", "-"),
                             "win" if wine else "native"))
        if wine:
            cmd = [self.wine_run, self.exe, "capture", "-i", self.iface]
        else:
            cmd = [self.native, "capture", "-i", "lo"]
        cmd += ["--json", "--no-witness", "-w", pcap] + argv
        p = self.ns.run(*cmd, env=ENV, timeout=120)
        return p.returncode, load(p.stdout), p.stderr.decode(), pcap

    def analyze(self, pcap):
        p = subprocess.run([self.native, "analyze", "--json", pcap],
                           capture_output=True, env=ENV, timeout=60)
        return p.returncode, load(p.stdout), p.stderr.decode()

    def same(self, name, argv, want_verdict, want_cause, want_rc):
        nrc, ndoc, nerr, _ = self.capture(name, argv, wine=False)
        wrc, wdoc, werr, wpcap = self.capture(name, argv, wine=True)
        # The reference itself must show the situation, or the
        # comparison proves nothing.
        check("%s: native capture: %s, %s, exit %d" %
              (name, want_verdict, want_cause, want_rc),
              ndoc is not None and nrc == want_rc and
              ndoc["diagnosis"]["cause"] == want_cause and
              want_verdict in ndoc["summary"]["verdicts"],
              "rc=%d %r %s" % (nrc, shape(ndoc), nerr[-400:]))
        check("%s: the .exe through rpcapd: %s" % (name, want_cause),
              wdoc is not None and wdoc["command"] == "capture" and
              wdoc["diagnosis"]["cause"] == want_cause,
              "rc=%d %r %s" % (wrc, shape(wdoc), werr[-600:]))
        check("%s: the same connections, verdicts and cause" % name,
              shape(wdoc) == shape(ndoc) and wdoc is not None,
              "native %r, wine %r" % (shape(ndoc), shape(wdoc)))
        check("%s: the same exit status (%d)" % (name, nrc), wrc == nrc,
              "wine rc=%d %s" % (wrc, werr[-400:]))
        arc, adoc, aerr = self.analyze(wpcap)
        check("%s: native analyze of the .exe's -w file agrees" % name,
              adoc is not None and wdoc is not None and arc == wrc and
              shape(adoc) == shape(wdoc),
              "analyze rc=%d %r %s" % (arc, shape(adoc), aerr[-300:]))


def main():
    (wine_run, exe, native, rpcapd, pcap_dll, probe_tests, npm_cache,
     prefix) = sys.argv[1:9]
    if os.geteuid() != 0:
        skip("needs root (network namespaces, iptables)")
    for tool in ("ip", "iptables", "node", "npm", "wineserver"):
        if shutil.which(tool) is None:
            skip("%s is not installed (tests/install-deps.sh)" % tool)
    if not (native and os.access(native, os.X_OK)):
        skip("no native mcpdiag at %r to compare with" % native)
    if not os.access(rpcapd, os.X_OK):
        skip("no rpcapd at %s (platform/windows/build-deps.sh builds it)"
             % rpcapd)
    server = npm_server(probe_tests, npm_cache)

    os.environ["WINEPREFIX"] = prefix
    ENV["WINEPREFIX"] = prefix
    # Npcap's path is the one loaded, never wine's builtin wpcap.
    ENV["WINEDLLOVERRIDES"] = "wpcap=n"
    # Wine's server makes the sockets: it must be the namespace's.
    subprocess.run(["wineserver", "-k"], env=ENV, capture_output=True)
    tmp = tempfile.mkdtemp(prefix="mcpd-rpcap-")
    rpcapd_proc = None
    try:
        with mcpdtest.Netns("rpcap") as ns:
            boot = ns.run(wine_run, "--boot", env=ENV, timeout=300)
            if boot.returncode != 0:
                skip("wine cannot boot a prefix in the namespace: %s" %
                     boot.stderr.decode().strip())
            npcap = os.path.join(prefix, "drive_c", "windows", "system32",
                                 "Npcap")
            os.makedirs(npcap, exist_ok=True)
            shutil.copy(pcap_dll, os.path.join(npcap, "wpcap.dll"))

            # rpcapd in the foreground (no -d), null authentication,
            # IPv4 on the namespace's loopback only. It forks a child per
            # client that outlives a SIGTERM: its own session, so that
            # the whole group is killed at the end.
            rpcapd_proc = ns.start([rpcapd, "-n", "-4", "-b", "127.0.0.1",
                                    "-p", str(RPCAPD_PORT)],
                                   port=RPCAPD_PORT, start_new_session=True)
            bed = Bed(ns, wine_run, exe, native, tmp)

            # Nothing there: exit 3 and one line naming the device.
            p = ns.run(wine_run, exe, "capture", "-i",
                       "rpcap://127.0.0.1:1/lo", "--no-witness", "--json",
                       "--timeout", "2", str(NOTHING_PORT), env=ENV,
                       timeout=120)
            lines = [x for x in p.stderr.decode().splitlines() if x.strip()]
            if p.returncode == 3 and lines and \
                    "is not in this build" in lines[0]:
                skip("this mcpdiag.exe has no capture: %s" % lines[0])
            check("no rpcapd at the address: exit 3, one line",
                  p.returncode == 3 and len(lines) == 1 and
                  lines[0].startswith("mcpdiag: ") and
                  "rpcap://127.0.0.1:1/lo" in lines[0] and not p.stdout,
                  "rc=%d %r" % (p.returncode, lines))

            bed.same("nothing listens", ["--timeout", "2",
                     "http://127.0.0.1:%d/mcp" % NOTHING_PORT],
                     "REFUSED", "no_listener", 1)

            ns.start(["node", server, "streamable", "127.0.0.1",
                      str(SERVER_PORT)], port=SERVER_PORT)
            url = "http://127.0.0.1:%d/mcp" % SERVER_PORT
            bed.same("the SDK server", ["--timeout", "2", url],
                     "CLOSED", "ok", 0)

            drop = ns.run("iptables", "-A", "INPUT", "-p", "tcp", "--dport",
                          str(SERVER_PORT), "-j", "DROP")
            if drop.returncode != 0:
                skip("cannot add an iptables rule in the namespace")
            bed.same("an iptables DROP", ["--timeout", "2", "--syn-timeout",
                                          "1", url],
                     "TIMEOUT", "firewall_drop", 1)
    finally:
        if rpcapd_proc is not None:
            try:
                os.killpg(rpcapd_proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        subprocess.run(["wineserver", "-k"], env=ENV, capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()

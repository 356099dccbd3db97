#!/usr/bin/env python3
"""bundle on Windows, with real traffic: mcpdiag.exe bundle runs under
wine in a network namespace, its capture child capturing the
namespace's loopback through wine's own wpcap.dll put in System32\\Npcap
(as capture_wine.py does), its probe child and the Windows environment
collector answering; the archive is written by the Windows code (CNG's
SHA-256, a hidden temporary moved into place, zlib1.dll).

Each situation is bundled natively too, in the same namespace:

- a refused port; a server answering HTTP to a client (COMMAND) whose
  request carries a bearer token, a cookie, a session id and a query
  token, with a proxy variable holding a password in the environment;
- the .exe's archive holds the native bundle's members (same names,
  '/'-separated under one top directory named after the file), its
  report.json the native diagnosis and probe cause, and the native
  `analyze BUNDLE` gives the native bundle's causes and verdicts;
- the native `bundle --inspect` checks the .exe's hashes, and the .exe's
  `bundle --inspect` the native bundle's; the .exe's `analyze BUNDLE`
  of the native bundle gives its causes and verdicts;
- no planted secret in any member, the tar stream, the gzip file or what
  the .exe printed, while the pcap still holds the redacted request and
  the answer (as tests/bundle_secrets_test.py checks natively);
- no temporary file or private directory is left behind;
- without Npcap (System32\\Npcap emptied), a bundle of the probe and the
  environment only, saying to install Npcap, with the native members
  but capture.pcap and the native probe cause.

usage: bundle_wine.py WINE_RUN WIN_EXE NATIVE_MCPDIAG HTTP_CLIENT_EXE
                      WINEPREFIX
Exits 77 (skipped) with the reason without root, namespaces, wine, curl
or a native build.
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import mcpdtest  # noqa: E402
import winetest  # noqa: E402
from mcpdtest import check, finish, skip  # noqa: E402
from bundle_secrets_test import tcp_payloads  # noqa: E402

WINE_RUN, WIN_EXE, NATIVE, HTTP_CLIENT, PREFIX = sys.argv[1:6]
TMP = tempfile.mkdtemp(prefix="mcpd-wbun-")
PROXY_VARS = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
              "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY")
ENV = {k: v for k, v in os.environ.items() if k not in PROXY_VARS}
ENV.update(LC_ALL="C", NO_COLOR="1", WINEPREFIX=PREFIX)

SECRETS = [b"PLANT-W-BEARER", b"PLANT-W-COOKIE", b"PLANT-W-SESSION",
           b"PLANT-W-QUERY", b"PLANT-W-PROXYPW", b"PLANT-W-SRVSESSION"]

HTTP_OK = r'''
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
print("ready", flush=True)
while True:
    c, _ = s.accept(); c.recv(65536)
    body = b'{"jsonrpc":"2.0","id":1,"result":{}}'
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
              b"Mcp-Session-Id: PLANT-W-SRVSESSION\r\n"
              b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
              + body)
    c.close()
'''


def winpath(path):
    return "Z:" + path.replace("/", "\\")


def scratch_dirs():
    """What bundles made in the prefix's temp dirs: private directories,
    temporary files of the reports."""
    temp = os.path.join(PREFIX, "drive_c", "users", "*", "Temp")
    return set(glob.glob(os.path.join(temp, "mcpdiag-bundle-*")) +
               glob.glob(os.path.join(temp, "mcp*.tmp")))


def bundle(ns, native, name, target, extra, cmd, env):
    """mcpdiag bundle --json TARGET EXTRA -- CMD in ns, natively or under
    wine: (exit status, --json document or None, stdout, stderr, path)."""
    path = os.path.join(TMP, "%s-%s.tar.gz" % (name, "native" if native
                                               else "wine"))
    if native:
        full = [NATIVE, "bundle", target, "-o", path]
    else:
        full = [WINE_RUN, WIN_EXE, "bundle", target, "-i", "lo", "-o",
                winpath(path)]
    full += ["--json"] + extra
    if cmd:
        full += ["--"] + cmd
    p = ns.run(*full, env=dict(ENV, **env), timeout=180)
    so = p.stdout.decode(errors="replace")
    se = p.stderr.decode(errors="replace")
    try:
        doc = json.loads(so)
    except ValueError:
        doc = None
    return p.returncode, doc, so, se, path


def analyze(path, exe_cmd=None):
    """analyze of a bundle, native unless exe_cmd: (causes, verdicts)."""
    p = subprocess.run((exe_cmd or [NATIVE]) + ["analyze", "--json", path],
                       env=ENV, capture_output=True, timeout=60)
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        return None, None
    causes = [doc["diagnosis"]["cause"]] + [c["cause"] for c in
                                            doc.get("causes", [])]
    return causes, sorted(c["verdict"] for c in doc["connections"])


def inspect(exe_cmd, path):
    """bundle --inspect --json with exe_cmd: (exit status, checks)."""
    p = subprocess.run(exe_cmd + ["bundle", "--inspect", path, "--json"],
                       env=ENV, capture_output=True, timeout=60)
    try:
        doc = json.loads(p.stdout)
        checks = {os.path.basename(f["name"]): f["check"]
                  for f in doc["files"]}
    except (ValueError, KeyError, TypeError):
        checks = None
    return p.returncode, checks


def diag(files, *keys):
    d = json.loads(files["report.json"])
    for k in keys:
        d = (d or {}).get(k)
    return (d or {}).get("cause")


def both(ns, name, target, extra=(), ncmd=None, wcmd=None, env=None):
    """The same situation bundled natively and by the .exe."""
    env = env or {}
    before = scratch_dirs()
    nrc, ndoc, _, nerr, npath = bundle(ns, True, name, target, list(extra),
                                       ncmd, env)
    wrc, wdoc, wout, werr, wpath = bundle(ns, False, name, target,
                                          list(extra), wcmd, env)
    if not (os.path.exists(npath) and os.path.exists(wpath)):
        check("%s: both bundles written" % name, False,
              "native rc=%d %s\nwine rc=%d %s" % (nrc, nerr[-600:], wrc,
                                                  werr[-900:]))
        return None
    check("%s: the .exe captured (-i lo through System32\\Npcap)" % name,
          wdoc is not None and wdoc.get("captured") is True,
          "%r %s" % (wdoc, werr[-600:]))
    check("%s: the .exe's exit status is the native one (%d)" % (name, nrc),
          wrc == nrc, "rc=%d %s" % (wrc, werr[-600:]))
    _, ntar, nfiles = mcpdtest.bundle_members(npath)
    wraw, wtar, wfiles = mcpdtest.bundle_members(wpath)
    check("%s: the .exe's members are the native bundle's (%s)" %
          (name, ", ".join(sorted(nfiles))),
          sorted(wfiles) == sorted(nfiles) and "capture.pcap" in wfiles,
          "%r vs %r" % (sorted(wfiles), sorted(nfiles)))
    top = os.path.basename(wpath)[:-len(".tar.gz")]
    names = [line for line in
             subprocess.run(["tar", "tzf", wpath], capture_output=True)
             .stdout.decode().split("\n") if line]
    check("%s: member names are TOP/NAME with '/' (%s/)" % (name, top),
          names and all(n.startswith(top + "/") and "\\" not in n and
                        n.count("/") == 1 for n in names), names)
    check("%s: report.json's diagnosis is the native one (%s)" %
          (name, diag(nfiles, "diagnosis")),
          diag(wfiles, "diagnosis") == diag(nfiles, "diagnosis"),
          diag(wfiles, "diagnosis"))
    check("%s: and its probe's cause (%s)" % (name,
                                              diag(nfiles, "probe",
                                                   "diagnosis")),
          diag(wfiles, "probe", "diagnosis") ==
          diag(nfiles, "probe", "diagnosis"),
          diag(wfiles, "probe", "diagnosis"))
    ncauses, nverd = analyze(npath)
    wcauses, wverd = analyze(wpath)
    check("%s: native analyze of the .exe's bundle gives the native "
          "bundle's causes %s" % (name, ncauses),
          ncauses is not None and wcauses == ncauses, "%r" % wcauses)
    check("%s: and its verdicts %s" % (name, nverd),
          nverd and wverd == nverd, "%r" % wverd)
    xcauses, xverd = analyze(winpath(npath), [WINE_RUN, WIN_EXE])
    check("%s: the .exe's analyze of the native bundle agrees" % name,
          xcauses == ncauses and xverd == nverd, "%r %r" % (xcauses, xverd))
    rc, checks = inspect([NATIVE], wpath)
    check("%s: native --inspect: the .exe's SHA-256 hashes match" % name,
          rc == 0 and checks and
          all(v in ("ok", "-") for v in checks.values()) and
          list(checks.values()).count("ok") == len(wfiles) - 1,
          "rc=%d %r" % (rc, checks))
    rc, checks = inspect([WINE_RUN, WIN_EXE], winpath(npath))
    check("%s: the .exe's --inspect of the native bundle: hashes match" %
          name, rc == 0 and checks and
          list(checks.values()).count("ok") == len(nfiles) - 1,
          "rc=%d %r" % (rc, checks))
    left = [f for f in os.listdir(TMP) if f.startswith(".")]
    check("%s: no temporary archive left" % name, not left, left)
    made = scratch_dirs() - before
    check("%s: the private capture directory and temporary files are "
          "removed" % name, not made,
          sorted(made))
    return wraw, wtar, wfiles, wout + werr


def served(ns):
    """A server that answers a client whose request carries secrets."""
    path = os.path.join(TMP, "http_ok.py")
    with open(path, "w") as f:
        f.write(HTTP_OK)
    ns.start([sys.executable, path, "3000"], ready_line=True)
    query = "/mcp?token=PLANT-W-QUERY"
    url = "http://127.0.0.1:3000" + query
    headers = ["Authorization: Bearer PLANT-W-BEARER",
               "Cookie: sid=PLANT-W-COOKIE",
               "Mcp-Session-Id: PLANT-W-SESSION"]
    ncmd = ["curl", "-s", "-m", "5"]
    wcmd = [winpath(HTTP_CLIENT), "127.0.0.1", "3000", query]
    for h in headers:
        ncmd += ["-H", h]
        wcmd += ["-H", h]
    ncmd += ["-H", "Content-Type: application/json", "-d",
             '{"jsonrpc":"2.0","id":1,"method":"initialize"}', url]
    env = {"HTTP_PROXY": "http://bob:PLANT-W-PROXYPW@127.0.0.1:3128",
           "NO_PROXY": "127.0.0.1,localhost"}
    got = both(ns, "served", url, ["--full-payload"], ncmd, wcmd, env)
    if got is None:
        return
    raw, tar, files, printed = got
    leaks = [(s.decode(), n) for s in SECRETS
             for n, d in list(files.items()) + [("tar", tar), ("gz", raw),
                                                ("output",
                                                 printed.encode())]
             if s in d]
    check("served: no planted secret in any member, the tar, the gzip or "
          "the .exe's output", not leaks, leaks)
    segs = [p for _, p in tcp_payloads(files.get("capture.pcap", b""))]
    check("served: the pcap holds the client's request, redacted in place",
          any(p.startswith(b"POST " + query.split("?")[0].encode()) and
              b"Authorization: Bearer " in p for p in segs),
          [p[:80] for p in segs])
    check("served: and the server's answer",
          any(p.startswith(b"HTTP/1.1 200 OK") for p in segs),
          [p[:40] for p in segs])
    env_json = json.loads(files["environment.json"])
    proxy = json.dumps(env_json.get("proxy", env_json))
    check("served: environment.json keeps the proxy variable, password "
          "redacted", "127.0.0.1:3128" in proxy and b"PLANT" not in
          proxy.encode(), proxy[:400])


def no_npcap(ns, npcap):
    """Npcap gone: the probe and the environment, and why."""
    shutil.rmtree(npcap)
    _, _, nfiles = mcpdtest.bundle_members(
        os.path.join(TMP, "refused-native.tar.gz"))
    rc, doc, so, se, path = bundle(ns, False, "nonpcap", "127.0.0.1:3009",
                                   [], None, {})
    check("without Npcap: exit 1 and a bundle", rc == 1 and
          os.path.exists(path), "rc=%d %s" % (rc, se[-600:]))
    if not os.path.exists(path):
        return
    _, _, files = mcpdtest.bundle_members(path)
    check("without Npcap: the native members but capture.pcap",
          sorted(files) == sorted(set(nfiles) - {"capture.pcap"}),
          sorted(files))
    check("without Npcap: it says so, and to install Npcap",
          doc is not None and doc.get("captured") is False and
          "Npcap" in se and "sudo" not in se, se[-600:])
    rep = json.loads(files["report.json"])
    check("without Npcap: report.json says why there is no capture",
          "Npcap" in json.dumps(rep.get("capture")), rep.get("capture"))
    check("without Npcap: the native probe cause (%s)" %
          diag(nfiles, "probe", "diagnosis"),
          diag(files, "probe", "diagnosis") ==
          diag(nfiles, "probe", "diagnosis"),
          diag(files, "probe", "diagnosis"))


def main():
    if os.geteuid() != 0:
        skip("needs root (network namespaces)")
    for tool in ("ip", "wineserver", "curl", "tar"):
        if not shutil.which(tool):
            skip("needs %s" % tool)
    if not os.access(NATIVE, os.X_OK):
        skip("no native mcpdiag at %r to compare with" % NATIVE)
    winetest.wine_stop(ENV)
    with mcpdtest.Netns("wbun") as ns:
        npcap = winetest.boot_with_wpcap(ns, WINE_RUN, ENV, PREFIX)
        try:
            both(ns, "refused", "127.0.0.1:3009")
            served(ns)
            no_npcap(ns, npcap)
        finally:
            winetest.wine_stop(ENV)
    shutil.rmtree(TMP, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()

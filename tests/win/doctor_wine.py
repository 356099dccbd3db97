#!/usr/bin/env python3
"""doctor on Windows: mcpdiag.exe runs under wine in a network namespace
(a prefix of its own booted there: wine's sockets are made by its
server) and reads the clients' configs where Windows keeps them, under
the prefix's user profile (%APPDATA%\\Claude, %APPDATA%\\Code\\User,
.cursor, .codeium\\windsurf, .codex). The same configs under a HOME of
their own go to the native build in the same namespace: every remote
server's cause and the exit status must be the same. Servers: the
official MCP SDK server (healthy), the same behind a token check (the
token from an environment variable: Cursor's ${env:NAME}, Codex's
bearer_token_env_var; and an entry without it), a refused port, and a
server that accepts and never answers (its probe runs for seconds, so
the argv watch sees the probe children).

The token must never be in the output, nor in any process's command
line: the probe children (wine shows a Windows program's command line
in /proc) get target and headers through a C runtime descriptor, not
argv. Local (stdio) servers are looked up as Node's spawn does on
Windows: a .exe on PATH is found, a .cmd by its bare name is not.

usage: doctor_wine.py WINE_RUN WIN_EXE NATIVE_MCPDIAG TESTS_DIR NPM_CACHE
                      WINEPREFIX
Exits 77 (skipped) with the reason without root, namespaces, wine, node
or a native build.
"""
import getpass
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import mcpdtest  # noqa: E402
from mcpdtest import check, finish, skip  # noqa: E402

WINE_RUN, WIN_EXE, NATIVE, TESTS, NPM_CACHE, PREFIX = sys.argv[1:7]
TOKEN = "PLANTED-WINDOCTOR-TOKEN-5e2a91"
TMP = tempfile.mkdtemp(prefix="mcpd-wdoc-")

CURSOR = {"mcpServers": {
    "private": {"url": "http://127.0.0.1:3005/mcp",
                "headers": {"Authorization": "Bearer ${env:DOCTOR_TOKEN}"}},
    "no-token": {"url": "http://127.0.0.1:3005/mcp"},
    "dead": {"url": "http://127.0.0.1:3009/mcp"}}}
VSCODE = {"servers": {
    "notes": {"type": "http", "url": "http://127.0.0.1:3000/mcp"}}}
WINDSURF = {"mcpServers": {
    "silent": {"serverUrl": "http://127.0.0.1:3007/mcp"}}}
CODEX = ('[mcp_servers.private]\nurl = "http://127.0.0.1:3005/mcp"\n'
         'bearer_token_env_var = "DOCTOR_TOKEN"\n')
DESKTOP = {"mcpServers": {
    "exe-tool": {"command": "mcpd-exe-tool"},
    "cmd-tool": {"command": "mcpd-cmd-tool", "args": ["--stdio"]}}}
# Every remote server, with the cause it must have (None: whatever the
# native build says, the .exe must say too).
REMOTE = {
    ("cursor", "private"): "ok",
    ("cursor", "no-token"): "auth_required",
    ("cursor", "dead"): "no_listener",
    ("vscode", "notes"): "ok",
    ("codex", "private"): "ok",
    ("windsurf", "silent"): None,
}


def write(path, content):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(content if isinstance(content, str) else
                json.dumps(content, indent=2))


def configs(home, appdata):
    """The client files under a home; appdata is where Claude Desktop
    and VS Code keep theirs relative to it."""
    write(os.path.join(home, appdata, "Claude",
                       "claude_desktop_config.json"), DESKTOP)
    write(os.path.join(home, appdata, "Code", "User", "mcp.json"), VSCODE)
    write(os.path.join(home, ".cursor", "mcp.json"), CURSOR)
    write(os.path.join(home, ".codeium", "windsurf", "mcp_config.json"),
          WINDSURF)
    write(os.path.join(home, ".codex", "config.toml"), CODEX)


class ArgvWatch(threading.Thread):
    """Every process's command line while doctor runs: the token must be
    in none; the probe children (--headers-fd) must have been seen."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop = False
        self.leaks = []
        self.children = []
        self.scans = 0

    def run(self):
        while not self.stop:
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    with open("/proc/%s/cmdline" % pid, "rb") as f:
                        cl = f.read()
                except OSError:
                    continue
                if TOKEN.encode() in cl:
                    self.leaks.append(cl)
                if b"--headers-fd" in cl and cl not in self.children:
                    self.children.append(cl)
            self.scans += 1
            time.sleep(0.01)


def doctor(ns, cmd, env, cwd):
    w = ArgvWatch()
    w.start()
    r = ns.run(*cmd, env=env, cwd=cwd, timeout=150)
    w.stop = True
    w.join()
    out = r.stdout.decode(errors="replace")
    try:
        doc = json.loads(out)
    except ValueError:
        doc = None
    return r, out, r.stderr.decode(errors="replace"), doc, w


def causes(doc):
    return {(s["client"], s["name"]): s for s in doc["servers"]} \
        if doc else {}


def install_sdk():
    os.makedirs(NPM_CACHE, exist_ok=True)
    for f in ("package.json", "mcp_server.mjs"):
        shutil.copy(os.path.join(TESTS, "probe", f), NPM_CACHE)
    shutil.copy(os.path.join(TESTS, "doctor", "token_server.mjs"),
                NPM_CACHE)
    if not os.path.isdir(os.path.join(NPM_CACHE, "node_modules",
                                      "@modelcontextprotocol", "sdk")):
        r = subprocess.run(["npm", "install", "--no-audit", "--no-fund",
                            "--loglevel=error"], cwd=NPM_CACHE,
                           capture_output=True, timeout=300)
        if r.returncode != 0:
            skip("npm install failed (no registry access?)")


def wine_stop(env):
    subprocess.run(["wineserver", "-k"], env=env, capture_output=True)


def profile_dir():
    """The prefix's user profile (drive_c/users/<user>)."""
    users = os.path.join(PREFIX, "drive_c", "users")
    names = [n for n in os.listdir(users)
             if n != "Public" and os.path.isdir(os.path.join(users, n))]
    if len(names) != 1:
        names = [n for n in names if n == getpass.getuser()]
    return os.path.join(users, names[0]) if len(names) == 1 else None


def main():
    if os.geteuid() != 0:
        skip("needs root (network namespaces)")
    for tool in ("ip", "wineserver", "node", "npm"):
        if shutil.which(tool) is None:
            skip("%s is not installed" % tool)
    if not os.access(NATIVE, os.X_OK):
        skip("no native mcpdiag at %r to compare with" % NATIVE)
    install_sdk()
    base = {k: v for k, v in os.environ.items()
            if k not in ("CODEX_HOME", "HOME", "SUDO_UID", "SUDO_GID")}
    base.update(LC_ALL="C", NO_COLOR="1", DOCTOR_TOKEN=TOKEN)
    wenv = dict(base, WINEPREFIX=PREFIX)
    wine_stop(wenv)
    with mcpdtest.Netns("wdoc") as ns:
        boot = ns.run(WINE_RUN, "--boot", env=wenv, timeout=300)
        if boot.returncode != 0:
            skip("wine cannot boot a prefix in the namespace: %s" %
                 boot.stderr.decode(errors="replace").strip())
        try:
            run_cases(ns, base, wenv)
        finally:
            wine_stop(wenv)
    shutil.rmtree(TMP, ignore_errors=True)
    finish()


def run_cases(ns, base, wenv):
    npm = os.path.join(NPM_CACHE, "%s")
    ns.start(["node", npm % "mcp_server.mjs", "streamable", "127.0.0.1",
              "3000"], port=3000)
    ns.start(["node", npm % "token_server.mjs", "127.0.0.1", "3005"],
             port=3005, env=dict(os.environ, MCP_TEST_TOKEN=TOKEN))
    ns.start([sys.executable, os.path.join(TESTS, "probe", "servers.py"),
              "silent", "127.0.0.1", "3007"], port=3007)

    # Windows: the prefix's profile, and two programs on its PATH
    # (C:\windows): a .exe, and a .cmd no client starts by its name.
    prof = profile_dir()
    if prof is None:
        skip("cannot tell the wine prefix's user profile")
    configs(prof, os.path.join("AppData", "Roaming"))
    windir = os.path.join(PREFIX, "drive_c", "windows")
    write(os.path.join(windir, "mcpd-exe-tool.exe"), "")
    write(os.path.join(windir, "mcpd-cmd-tool.cmd"), "@echo off\n")
    # Native: the same files under a HOME of its own.
    home = os.path.join(TMP, "home")
    configs(home, ".config")
    # The project directory: a repository root, so that no parent's
    # files are read.
    proj = os.path.join(TMP, "proj")
    os.makedirs(os.path.join(proj, ".git"))

    args = ["doctor", "--json", "--timeout", "2"]
    nr, nout, nerr, ndoc, nw = doctor(
        ns, [NATIVE] + args, dict(base, HOME=home), proj)
    wr, wout, werr, wdoc, ww = doctor(
        ns, [WINE_RUN, WIN_EXE] + args, wenv, proj)
    check("native doctor gives a JSON report", ndoc is not None,
          "rc=%d %s" % (nr.returncode, nerr[-500:]))
    check("the .exe gives a JSON report", wdoc is not None,
          "rc=%d %s %s" % (wr.returncode, werr[-800:], wout[:400]))
    if ndoc is None or wdoc is None:
        return
    check("both exit 1 (problems found)",
          nr.returncode == 1 and wr.returncode == 1,
          "native %d, wine %d" % (nr.returncode, wr.returncode))
    ns_, ws_ = causes(ndoc), causes(wdoc)
    for key, want in REMOTE.items():
        n, w = ns_.get(key, {}), ws_.get(key, {})
        if want is not None:
            check("native %s/%s: %s" % (key[0], key[1], want),
                  n.get("cause") == want,
                  "%s: %s" % (n.get("cause"), n.get("summary")))
        check("wine %s/%s: the native cause (%s)" % (key[0], key[1],
                                                     n.get("cause")),
              w.get("cause") is not None and
              w.get("cause") == n.get("cause"),
              "%s: %s" % (w.get("cause"), w.get("summary")))
    cp = ws_.get(("codex", "private"), {})
    check("wine: the token server's own name in the embedded probe "
          "(the header reached it)",
          (cp.get("probe") or {}).get("mcp", {}).get("server_info", {})
          .get("name") == "mcpdiag-token-server", cp.get("probe"))

    # Where Windows keeps each client's file: every one read.
    read = {f["client"]: f for f in wdoc["files"] if f["read"]}
    check("wine: the five clients' files read from the profile",
          sorted(read) == ["claude-desktop", "codex", "cursor", "vscode",
                           "windsurf"], [(f["path"], f["read"], f["error"])
                                         for f in wdoc["files"]])
    cd = read.get("claude-desktop", {}).get("path", "")
    check("wine: Claude Desktop's under AppData/Roaming/Claude",
          cd.endswith("/AppData/Roaming/Claude/claude_desktop_config.json")
          and cd[1:3] == ":/", cd)

    # Local servers, as Node's spawn finds them on Windows.
    et = ws_.get(("claude-desktop", "exe-tool"), {})
    check("wine: a .exe on PATH is found by its bare name",
          et.get("cause") == "ok" and
          "mcpd-exe-tool.exe" in et.get("summary", ""), et)
    ct = ws_.get(("claude-desktop", "cmd-tool"), {})
    check("wine: a .cmd by its bare name is not, and the fix runs it "
          "through cmd /c",
          ct.get("cause") == "command_not_found" and
          "mcpd-cmd-tool.cmd" in ct.get("summary", "") and
          '"args": ["/c", "mcpd-cmd-tool"' in ct.get("fix", ""), ct)
    check("native: a missing command's fix is to install it",
          ns_.get(("claude-desktop", "cmd-tool"), {}).get("fix", "")
          .startswith("install 'mcpd-cmd-tool'"))
    check("native: neither exists",
          ns_.get(("claude-desktop", "exe-tool"), {}).get("cause") ==
          "command_not_found")

    for what, out, err, w in (("native", nout, nerr, nw),
                              ("wine", wout, werr, ww)):
        check("%s: the token in neither stdout nor stderr" % what,
              TOKEN not in out and TOKEN not in err)
        check("%s: the token in no command line (%d scans)" %
              (what, w.scans), not w.leaks and w.scans > 0,
              w.leaks[:1])
        # The silent server keeps its probe running for seconds.
        check("%s: the probe children seen, target and headers not on "
              "their command line" % what,
              w.children and all(b"127.0.0.1" not in c and
                                 b"Authorization" not in c
                                 for c in w.children),
              w.children[:2])
        if w.children:
            print("   %s: a probe child's command line: %r" %
                  (what, w.children[0].rstrip(b"\0")))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""`mcpdiag doctor` against real servers in a network namespace.

Fixture configs for every client (tests/doctor/fixtures: Claude Desktop,
Claude Code user and project files, Cursor, VS Code settings.json and
.vscode/mcp.json with comments and trailing commas, Windsurf, Codex
TOML) under a temporary HOME and project directory. In the namespace:
the official MCP TypeScript SDK server (Streamable HTTP on 3000, legacy
SSE on 3001), the same SDK behind a token check (3005: 401 unless
"Authorization: Bearer <token>"), nothing on 3009. Checks each server's
cause and fix, the malformed file's line and column, and that the token
never appears in stdout, stderr, the JSON, or any process's argv.

usage: doctor_test.py MCPDIAG TESTS_DIR NPM_CACHE
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

EXE, TESTS, NPM_CACHE = sys.argv[1], sys.argv[2], sys.argv[3]
HERE = os.path.join(TESTS, "doctor")
TOKEN = "PLANTED-DOCTOR-TOKEN-8d1f3c"
NS = "mcpd-doc-%d" % os.getpid()
passed = failed = 0


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def expect(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok   " + name)
    else:
        failed += 1
        print("FAIL " + name + ("" if not detail else ": " + str(detail)))


def install_sdk():
    os.makedirs(NPM_CACHE, exist_ok=True)
    for f in ("package.json", "mcp_server.mjs"):
        shutil.copy(os.path.join(TESTS, "probe", f), NPM_CACHE)
    shutil.copy(os.path.join(HERE, "token_server.mjs"), NPM_CACHE)
    if not os.path.isdir(os.path.join(NPM_CACHE, "node_modules",
                                      "@modelcontextprotocol", "sdk")):
        r = subprocess.run(["npm", "install", "--no-audit", "--no-fund",
                            "--loglevel=error"], cwd=NPM_CACHE,
                           capture_output=True, timeout=300)
        if r.returncode != 0:
            skip("npm install failed (no registry access?)")


def wait_port(port):
    code = ("import socket,sys,time\n"
            "end=time.time()+15\n"
            "while time.time()<end:\n"
            "  try:\n"
            "    socket.create_connection(('127.0.0.1',%d),0.2).close()\n"
            "    sys.exit(0)\n"
            "  except OSError: time.sleep(0.05)\n"
            "sys.exit(1)\n" % port)
    r = subprocess.run(["ip", "netns", "exec", NS, sys.executable, "-c",
                        code])
    if r.returncode != 0:
        print("server on port %d never came up" % port)
        sys.exit(1)


class ArgvWatch(threading.Thread):
    """Read every process's command line while doctor runs: the token
    must never be in one (argv is world-readable)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop = False
        self.seen = []
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
                    self.seen.append(cl)
            self.scans += 1
            time.sleep(0.01)


def doctor(home, proj, args, env_extra=None):
    env = {"HOME": home, "PATH": "/usr/bin:/bin", "LC_ALL": "C",
           "NO_COLOR": "1", "DOCTOR_TOKEN": TOKEN}
    env.update(env_extra or {})
    # The environment, not argv: the token must be in no command line,
    # ours included.
    cmd = [shutil.which("ip"), "netns", "exec", NS, EXE, "doctor"] + args
    w = ArgvWatch()
    w.start()
    t0 = time.time()
    r = subprocess.run(cmd, cwd=proj, env=env, capture_output=True,
                       timeout=170)
    w.stop = True
    w.join()
    return r, time.time() - t0, w


def main():
    if os.geteuid() != 0:
        skip("needs root (network namespaces)")
    if shutil.which("ip") is None:
        skip("iproute2 (ip) is not installed")
    if shutil.which("node") is None or shutil.which("npm") is None:
        skip("node/npm are not installed")
    install_sdk()
    if subprocess.run(["ip", "netns", "add", NS]).returncode != 0:
        skip("cannot create a network namespace")
    procs = []
    tmp = tempfile.mkdtemp(prefix="mcpd-doctor-")
    try:
        subprocess.run(["ip", "-n", NS, "link", "set", "lo", "up"],
                       check=True)
        for args, env in (
                (["mcp_server.mjs", "streamable", "127.0.0.1", "3000"], {}),
                (["mcp_server.mjs", "sse", "127.0.0.1", "3001"], {}),
                (["token_server.mjs", "127.0.0.1", "3005"],
                 {"MCP_TEST_TOKEN": TOKEN})):
            procs.append(subprocess.Popen(
                ["ip", "netns", "exec", NS, "env"] +
                ["%s=%s" % kv for kv in env.items()] +
                ["node", os.path.join(NPM_CACHE, args[0])] + args[1:],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for port in (3000, 3001, 3005):
            wait_port(port)

        home = os.path.join(tmp, "home")
        proj = os.path.join(tmp, "proj")
        shutil.copytree(os.path.join(HERE, "fixtures", "home"), home)
        shutil.copytree(os.path.join(HERE, "fixtures", "project"), proj)
        os.mkdir(os.path.join(proj, ".git"))     # the repository root
        cj = os.path.join(home, ".claude.json")
        with open(cj) as f:
            text = f.read().replace("@PROJECT@", proj)
        with open(cj, "w") as f:
            f.write(text)
        # A --config file too: generic mcpServers with a literal token.
        extra = os.path.join(tmp, "extra.json")
        with open(extra, "w") as f:
            json.dump({"mcpServers": {"literal-token": {
                "url": "http://127.0.0.1:3005/mcp?api_key=" + TOKEN,
                "headers": {"Authorization": "Bearer " + TOKEN}},
                "split-header": {
                    "url": "http://127.0.0.1:3000/mcp",
                    "headers": {"X-A": "b\r\nAuthorization: x"}}}}, f)
        missing = os.path.join(tmp, "no-such.json")

        r, secs, watch = doctor(home, proj, ["--json", "--timeout", "2",
                                             "--config", extra,
                                             "--config", missing])
        out, err = r.stdout.decode(errors="replace"), \
            r.stderr.decode(errors="replace")
        expect("exit status 1 (problems found)", r.returncode == 1,
               "%d: %s" % (r.returncode, err))
        try:
            doc = json.loads(out)
        except ValueError as e:
            print(out[:2000])
            expect("JSON parses", False, e)
            return
        print("   (doctor took %.1f s)" % secs)
        srv = {(s["client"], s["name"]): s for s in doc["servers"]}
        want = {
            ("claude-code", "notes"): "ok",
            ("claude-code", "private-local"): "ok",
            ("claude-code", "project-notes"): "ok",
            ("claude-code", "needs-var"): "config_env_unset",
            ("claude-desktop", "shell-tool"): "ok",
            ("claude-desktop", "missing-tool"): "command_not_found",
            ("cursor", "private"): "ok",
            ("cursor", "notes"): "ok",
            ("vscode", "legacy-sse"): "ok",
            ("vscode", "prompted"): "config_input_prompt",
            ("vscode", "workspace-notes"): "ok",
            ("windsurf", "private-no-token"): "auth_required",
            ("windsurf", "dead"): "no_listener",
            ("windsurf", "off"): "disabled",
            ("codex", "private"): "ok",
            ("codex", "unset-header"): "config_env_unset",
            ("codex", "wrong-path"): "wrong_path",
            ("codex", "local tool"): "command_not_found",
            ("config", "literal-token"): "ok",
            ("config", "split-header"): "config_invalid",
        }
        for key, cause in want.items():
            s = srv.get(key)
            if s is None:
                expect("%s/%s listed" % key, False, sorted(srv))
                continue
            if cause is None:
                expect("%s/%s fails" % key, not s["ok"], s["cause"])
            else:
                expect("%s/%s: %s" % (key[0], key[1], cause),
                       s["cause"] == cause,
                       "%s: %s" % (s["cause"], s["summary"]))
        expect("no server of another project",
               ("claude-code", "not-this-project") not in srv)
        expect("no extra servers", len(srv) == len(want),
               sorted(set(srv) - set(want)))
        dead = srv.get(("windsurf", "dead"), {})
        expect("dead port: probe says refused/no listener",
               dead.get("probe") and
               dead["probe"]["diagnosis"]["cause"] == dead["cause"] and
               "3009" in dead.get("summary", "") + dead.get("fix", "") +
               json.dumps(dead.get("probe")), dead.get("cause"))
        wp = srv.get(("codex", "wrong-path"), {})
        expect("wrong path: the probe's 404 at the configured path, and "
               "the fix names the path that answers MCP",
               (wp.get("probe") or {}).get("mcp", {}).get("initialize", {})
               .get("status") == 404 and "/mcp" in wp.get("fix", ""),
               "%s: %s" % (wp.get("cause"), wp.get("fix")))
        nt = srv.get(("windsurf", "private-no-token"), {})
        expect("no token: the fix says to add a header",
               "headers" in nt.get("fix", "") and
               "Authorization" in nt.get("fix", ""), nt.get("fix"))
        nv = srv.get(("claude-code", "needs-var"), {})
        expect("unset variable named",
               "DOCTOR_UNSET_VAR" in nv.get("summary", "") and
               "DOCTOR_UNSET_VAR" in nv.get("fix", ""), nv)
        cu = srv.get(("codex", "unset-header"), {})
        expect("Codex env_http_headers variable named",
               "DOCTOR_UNSET_VAR" in cu.get("summary", ""), cu)
        cp = srv.get(("codex", "private"), {})
        expect("bearer_token_env_var: header named, value hidden",
               cp.get("headers") == [{"name": "Authorization",
                                       "source": "env DOCTOR_TOKEN",
                                       "set": True}], cp.get("headers"))
        expect("a healthy server's probe report is embedded",
               cp.get("probe", {}).get("mcp", {}).get("server_info", {})
               .get("name") == "mcpdiag-token-server")
        ls = srv.get(("vscode", "legacy-sse"), {})
        expect("SSE transport used for type sse",
               ls.get("probe", {}).get("mcp", {}).get("transport") == "sse")
        st = srv.get(("claude-desktop", "shell-tool"), {})
        expect("stdio server: local, command found",
               st.get("transport") == "stdio" and
               "local" in st.get("summary", "") and
               st.get("probe") is None, st)
        lt = srv.get(("config", "literal-token"), {})
        expect("query token redacted in the target",
               lt.get("url") == "http://127.0.0.1:3005/mcp?api_key=***",
               lt.get("url"))
        files = {f["path"]: f for f in doc["files"]}
        bad = files.get(os.path.join(proj, ".cursor", "mcp.json"), {})
        expect("malformed file: line and column named",
               (bad.get("error") or "").startswith("line 5, column 7"),
               bad.get("error"))
        expect("a missing --config file is named",
               files.get(missing, {}).get("error") == "no such file")
        expect("TOML file read", files.get(os.path.join(
            home, ".codex", "config.toml"), {}).get("servers") == 4)
        expect("token not in stdout", TOKEN not in out)
        expect("token not in stderr", TOKEN not in err)
        expect("token not in any argv (%d scans)" % watch.scans,
               not watch.seen and watch.scans > 0, watch.seen[:1])
        expect("stderr: one line", err.count("\n") == 1, err)

        # The text report: a table row per server, details, no secret.
        r, secs, watch = doctor(home, proj, ["--timeout", "2",
                                             "--config", extra])
        out, err = r.stdout.decode(errors="replace"), \
            r.stderr.decode(errors="replace")
        lines = out.splitlines()
        head = [i for i, l in enumerate(lines) if l.startswith("CLIENT ")]
        expect("text: table header",
               head and all(c in lines[head[0]] for c in
                            ("NAME", "TRANSPORT", "TARGET", "CAUSE", "FIX")),
               out[:500])
        rows = lines[head[0] + 1:head[0] + 1 + len(want)] if head else []
        expect("text: one row per server", len(rows) == len(want) and
               all(l.split()[0] in ("claude-code", "claude-desktop",
                                    "cursor", "vscode", "windsurf", "codex",
                                    "config") for l in rows), rows)
        expect("text: malformed file on one line with its position",
               any(l.startswith("config error: ") and
                   l.endswith("(the other files are still checked)") and
                   "line 5, column 7" in l for l in lines))
        expect("text: a detail section for the unset variable",
               any(l.startswith("config_env_unset claude-code/needs-var")
                   for l in lines))
        expect("text: header shown by name, value hidden",
               "header:  Authorization from ${DOCTOR_UNSET_VAR}, NOT set"
               in out, out)
        expect("text: token nowhere", TOKEN not in out + err and
               not watch.seen, watch.seen[:1])

        # bundle --from-config: the server list, redacted, in the bundle.
        tarball = os.path.join(tmp, "b.tar.gz")
        env = {"HOME": home, "PATH": "/usr/bin:/bin", "LC_ALL": "C",
               "NO_COLOR": "1", "DOCTOR_TOKEN": TOKEN}
        r = subprocess.run([shutil.which("ip"), "netns", "exec", NS, EXE,
                            "bundle", "127.0.0.1:3000", "-o", tarball,
                            "--from-config", "--timeout", "2"], cwd=proj,
                           env=env, capture_output=True, timeout=120)
        import tarfile
        names, blob, listed = [], b"", {}
        try:
            with tarfile.open(tarball) as tf:
                for m in tf.getmembers():
                    names.append(os.path.basename(m.name))
                    data = tf.extractfile(m).read() if m.isfile() else b""
                    blob += data
                    if m.name.endswith("/servers.json"):
                        listed = json.loads(data)
        except (OSError, tarfile.TarError, ValueError) as e:
            print("   bundle: %s %s" % (e, r.stderr[-500:]))
        expect("bundle --from-config: servers.json in the bundle",
               "servers.json" in names and
               len(listed.get("servers", [])) == len(want) - 2, names)
        cp = [x for x in listed.get("servers", [])
              if (x["client"], x["name"]) == ("codex", "private")]
        expect("bundle: headers by name only",
               cp and cp[0]["headers"][0]["set"] is True and
               cp[0]["probe"] is None, cp)
        expect("bundle: token in no file of the bundle",
               blob and TOKEN.encode() not in blob)

        # All healthy: exit 0.
        ok = os.path.join(tmp, "ok.json")
        with open(ok, "w") as f:
            f.write('{"servers": {"a": {"type": "http", '
                    '"url": "http://127.0.0.1:3000/mcp"}}}')
        empty = os.path.join(tmp, "empty")
        os.mkdir(empty)
        os.mkdir(os.path.join(empty, ".git"))
        r, secs, watch = doctor(empty, empty, ["--config", ok])
        expect("all healthy: exit 0", r.returncode == 0,
               r.stdout.decode() + r.stderr.decode())
        # Under sudo, files are read as the user who ran it: a root-only
        # file is refused, one the user may read is read.
        secret = os.path.join(tmp, "root-only.json")
        with open(secret, "w") as f:
            f.write('{"mcpServers": {"root-secret-name": '
                    '{"url": "http://127.0.0.1:3000/mcp"}}}')
        os.chmod(secret, 0o600)
        os.chmod(tmp, 0o755)
        os.chmod(ok, 0o644)
        r, secs, watch = doctor(empty, empty,
                                ["--json", "--config", secret,
                                 "--config", ok],
                                {"SUDO_UID": "65534", "SUDO_GID": "65534"})
        sd = json.loads(r.stdout or b"{}")
        sf = {f["path"]: f for f in sd.get("files", [])}
        expect("sudo: a root-only --config file is not read",
               "Permission denied" in (sf.get(secret, {}).get("error") or "")
               and b"root-secret-name" not in r.stdout, sf.get(secret))
        expect("sudo: a file the user may read is read",
               sf.get(ok, {}).get("servers") == 1, sf.get(ok))
        r, secs, watch = doctor(empty, empty, [])
        expect("nothing configured: exit 3 with one line",
               r.returncode == 3 and r.stderr.count(b"\n") == 1,
               r.stderr)
    finally:
        for p in procs:
            p.kill()
            p.wait()
        subprocess.run(["ip", "netns", "del", NS])
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)

#!/usr/bin/env python3
"""probe.exe under wine reports the system proxy of Internet Options (the
registry values `reg add` sets, as a user's settings dialog does) and who
would use it: Python's urllib when no proxy variable is set and the
exceptions do not list the host, Chromium-based clients unless the host
is loopback. Credentials in the setting are never shown. The probe's
target is a closed port on loopback; nothing is sent to the proxy.

usage: sysproxy_test.py WINE_RUN WIN_EXE PREFIX
Exits 77 (skipped) with the reason when wine cannot run.
"""
import json
import os
import socket
import subprocess
import sys

KEY = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings"
PROXY_VARS = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
              "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY")


def main():
    wine_run, exe, prefix = sys.argv[1:4]
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARS}
    env.update(WINEPREFIX=prefix, LC_ALL="C", NO_COLOR="1",
               WINEPATH="Z:" + os.path.dirname(os.path.abspath(exe)))
    boot = subprocess.run(["sh", wine_run, "--boot"], env=env,
                          capture_output=True, text=True, timeout=300)
    if boot.returncode == 77:
        print(boot.stderr.strip() or "skipped: wine cannot run")
        return 77
    if boot.returncode != 0:
        print("FAIL wineboot:", boot.stderr)
        return 1

    def reg(*args):
        r = subprocess.run(["sh", wine_run, "reg"] + list(args), env=env,
                           capture_output=True, text=True, timeout=120)
        return r.returncode

    def setting(name, kind, value):
        if reg("add", KEY, "/v", name, "/t", kind, "/d", value, "/f"):
            raise SystemExit("FAIL reg add %s" % name)

    # A closed port: bind one, close it (nothing listens there).
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()

    def probe(host, extra_env=None, text=False):
        e = dict(env, **(extra_env or {}))
        argv = ["sh", wine_run, exe, "probe"] + ([] if text else
                                                   ["--json"])
        r = subprocess.run(argv + ["http://%s:%d/mcp" % (host, port)],
                           env=e, capture_output=True, text=True,
                           timeout=120)
        if text:
            return r.stdout + r.stderr
        return json.loads(r.stdout)["proxy"]

    failed = 0

    def check(name, cond, got):
        nonlocal failed
        print("%s %s" % ("ok  " if cond else "FAIL", name))
        if not cond:
            print("   got:", json.dumps(got))
            failed += 1

    setting("ProxyEnable", "REG_DWORD", "1")
    setting("ProxyServer", "REG_SZ",
            "http=proxyuser:s3cret@127.0.0.1:3128;https=127.0.0.1:3129")
    setting("ProxyOverride", "REG_SZ", "<local>;*.corp.example")

    px = probe("127.0.0.1")
    sy = px.get("system", {})
    check("the settings are read", sy.get("read") is True, sy)
    check("the http proxy, credentials redacted",
          sy.get("http") == "***@127.0.0.1:3128" and
          sy.get("proxy") == "***@127.0.0.1:3128", sy)
    check("the https proxy", sy.get("https") == "127.0.0.1:3129", sy)
    check("the exceptions", sy.get("bypass") == "<local>;*.corp.example"
          and sy.get("bypass_simple_names") is True, sy)
    check("Python's urllib would use it for 127.0.0.1",
          sy.get("bypassed") is False and sy.get("python_urllib") is True,
          sy)
    check("Chromium sends loopback direct", sy.get("chromium") is False,
          sy)
    check("no secret in the document", "s3cret" not in json.dumps(px) and
          "proxyuser" not in json.dumps(px), px)
    check("the variables' clients are unchanged",
          not any(c["proxied"] for c in px["clients"].values()), px)

    out = probe("127.0.0.1", text=True)
    check("the text report names it",
          "system proxy ***@127.0.0.1:3128" in out and
          "used by Python's urllib" in out and "s3cret" not in out, out)

    sy = probe("localhost").get("system", {})
    check("<local> sends localhost direct",
          sy.get("bypassed") is True and sy.get("python_urllib") is False,
          sy)

    sy = probe("127.0.0.1", {"NO_PROXY": "example.com"}).get("system", {})
    check("a proxy variable turns urllib's registry look-up off",
          sy.get("python_urllib") is False and
          sy.get("proxy") == "***@127.0.0.1:3128", sy)

    setting("ProxyEnable", "REG_DWORD", "0")
    reg("delete", KEY, "/v", "ProxyServer", "/f")
    sy = probe("127.0.0.1").get("system", {})
    check("no system proxy once it is turned off",
          sy.get("read") is True and sy.get("proxy") is None and
          sy.get("python_urllib") is False, sy)
    print("%d failed" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""capture on Windows loads Npcap's wpcap.dll from System32\\Npcap at run
time. Under wine there is no Npcap: exit 3 and one line saying to
install it with loopback support. A file there that is no DLL is named
as such (exit 3, one line); a DLL that exports the libpcap API (our own
build of libpcap, copied there) is loaded, and the command goes on to
open the adapter (tests/win/capture_wine.py captures through one).

usage: capture_npcap.py WINE_RUN WIN_EXE PCAP_DLL
Exits 77 (skipped) when wine cannot run.
"""
import os
import shutil
import subprocess
import sys

failures = 0


def run(argv, **env):
    p = subprocess.run(argv, capture_output=True, timeout=120,
                       env=dict(os.environ, LC_ALL="C", NO_COLOR="1", **env))
    return p.returncode, p.stderr.decode(errors="replace")


def check(name, ok, detail=""):
    global failures
    print("%s: %s %s" % ("ok" if ok else "FAIL", name, "" if ok else detail))
    failures += 0 if ok else 1


def one_line(err):
    lines = [x for x in err.splitlines() if x.strip()]
    return lines[0] if len(lines) == 1 and \
        lines[0].startswith("mcpdiag: ") else None


def main():
    wine_run, exe, pcap_dll = sys.argv[1:4]
    rc, err = run([wine_run, "--boot"])
    if rc != 0:
        print(err.strip() or "skipped: wine cannot run")
        return 77
    npcap = os.path.join(os.environ["WINEPREFIX"], "drive_c", "windows",
                         "system32", "Npcap")
    shutil.rmtree(npcap, ignore_errors=True)
    try:
        rc, err = run([wine_run, exe, "capture", "127.0.0.1:3000"])
        line = one_line(err)
        check("no Npcap: exit 3, one line to install it with loopback",
              rc == 3 and line is not None and "install" in line and
              "npcap.com" in line and "loopback" in line,
              "rc=%d %r" % (rc, err))

        os.makedirs(npcap)
        with open(os.path.join(npcap, "wpcap.dll"), "wb") as f:
            f.write(b"not a DLL\n")
        rc, err = run([wine_run, exe, "capture", "127.0.0.1:3000"])
        line = one_line(err)
        check("a wpcap.dll that is no DLL: exit 3, cannot be loaded",
              rc == 3 and line is not None and "cannot be loaded" in line,
              "rc=%d %r" % (rc, err))

        # wine would load its own builtin wpcap.dll for that name: the
        # override makes it load the file there, our libpcap, which has
        # no capture driver (PCAP_TYPE=null): opening the adapter fails.
        shutil.copy(pcap_dll, os.path.join(npcap, "wpcap.dll"))
        rc, err = run([wine_run, exe, "capture", "127.0.0.1:3000"],
                      WINEDLLOVERRIDES="wpcap=n")
        line = one_line(err)
        check("a libpcap DLL there is loaded: past the Npcap check, the "
              "adapter cannot be opened", rc == 3 and line is not None and
              "Npcap" not in line and "NPF_Loopback" in line,
              "rc=%d %r" % (rc, err))
    finally:
        shutil.rmtree(npcap, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

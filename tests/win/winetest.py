"""What the wine tests of capture and bundle share: a wine prefix booted
inside a network namespace (wine's sockets are made by its server, so
the server must live there), with wine's own wpcap.dll (the WinPcap API
over the host's libpcap) put in System32\\Npcap, where mcpdiag.exe loads
Npcap's from.

    npcap = winetest.boot_with_wpcap(ns, WINE_RUN, ENV, PREFIX)
"""
import os
import shutil
import subprocess

from mcpdtest import skip


def wine_stop(env):
    """Stop the prefix's wine server (it must start in the namespace)."""
    subprocess.run(["wineserver", "-k"], env=env, capture_output=True)


def boot_with_wpcap(ns, wine_run, env, prefix):
    """Boot the prefix in namespace ns and copy wine's wpcap.dll into its
    System32\\Npcap; returns that directory. Skips (exit 77) with the
    reason when wine cannot boot there or has no wpcap.dll."""
    boot = ns.run(wine_run, "--boot", env=env, timeout=300)
    if boot.returncode != 0:
        skip("wine cannot boot a prefix in the namespace: %s" %
             boot.stderr.decode(errors="replace").strip())
    system32 = os.path.join(prefix, "drive_c", "windows", "system32")
    wpcap = os.path.join(system32, "wpcap.dll")
    if not os.path.exists(wpcap):
        skip("this wine has no wpcap.dll of its own")
    npcap = os.path.join(system32, "Npcap")
    os.makedirs(npcap, exist_ok=True)
    shutil.copy(wpcap, os.path.join(npcap, "wpcap.dll"))
    return npcap

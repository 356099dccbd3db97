#!/usr/bin/env python3
"""The hosted CI's probe checks, the same on Linux, macOS and Windows:
mcpdiag probe against a small MCP server on loopback (this process, so
its pid is known) must say `ok` and name this process as the listener;
against a port that nothing holds it must say `no_listener`.

usage: probe_check.py MCPDIAG
"""
import http.server
import json
import os
import socket
import subprocess
import sys
import threading

# The MCP handler the probe tests' servers share, and the named checks
# and closing count every test of the project prints.
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, "..", "..", "tests", "probe"),
                os.path.join(HERE, "..", "..", "tests")]
import mcp_handler  # noqa: E402
from mcpdtest import check, finish  # noqa: E402

Handler = mcp_handler.handler("ci-server", "2025-06-18")


def probe(exe, url):
    r = subprocess.run([exe, "probe", url, "--json", "--no-color"],
                       capture_output=True, timeout=120)
    try:
        doc = json.loads(r.stdout)
    except ValueError:
        doc = {}
    return r.returncode, doc, r.stderr.decode(errors="replace")


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    exe = sys.argv[1]

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = srv.server_address[1]
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    rc, doc, err = probe(exe, "http://127.0.0.1:%d/mcp" % port)
    cause = doc.get("diagnosis", {}).get("cause")
    check("healthy server: exit 0", rc == 0, "rc=%d %s" % (rc, err))
    check("healthy server: cause ok", cause == "ok", cause)
    conn = [a.get("connect", {}).get("result")
            for a in doc.get("addresses", [])]
    check("healthy server: connected", conn == ["connected"], conn)
    mine = [l for l in doc.get("listeners") or []
            if (l.get("process") or {}).get("pid") == os.getpid()]
    check("healthy server: the listener is this process", len(mine) == 1,
          json.dumps(doc.get("listeners")))
    srv.shutdown()
    srv.server_close()

    # A port nothing holds: bound once by us, then closed.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    closed = s.getsockname()[1]
    s.close()
    rc, doc, err = probe(exe, "http://127.0.0.1:%d/mcp" % closed)
    cause = doc.get("diagnosis", {}).get("cause")
    check("closed port: exit 1", rc == 1, "rc=%d %s" % (rc, err))
    check("closed port: no_listener", cause == "no_listener", cause)
    conn = [a.get("connect", {}).get("result")
            for a in doc.get("addresses", [])]
    check("closed port: refused", conn == ["refused"], conn)

    finish()


if __name__ == "__main__":
    main()

#!/bin/sh
# probe on Windows against Linux listeners: mcpdiag.exe runs under wine
# inside a fresh network namespace (wine's server, which makes its
# sockets, is booted there, in a prefix of its own), and must give the
# cause and exit status the native build gives there: refused (nothing
# listens), no route (EHOSTUNREACH), the official SDK server healthy,
# and an iptables DROP.
#
# usage: ns_probe.sh NATIVE_MCPDIAG WIN_EXE PROBE_TESTS_DIR NPM_CACHE
#                    WINE_RUN WINEPREFIX
# Exits 77 (skipped) when root, namespaces, wine, node or npm are missing.
NATIVE=$1
WIN_EXE=$2
WINE_RUN=$5
export WINEPREFIX=$6
PROBE_TESTS=$3
set -- "$NATIVE" "$3" "$4"
. "$PROBE_TESTS/lib.sh"

[ -x "$NATIVE" ] || skip "no native mcpdiag at $NATIVE to compare with"
command -v wineserver >/dev/null || skip "wine is not installed"
command -v node >/dev/null || skip "node is not installed"
command -v npm >/dev/null || skip "npm is not installed"
command -v iptables >/dev/null || skip "iptables is not installed"

# Wine's server of this prefix must be the namespace's: stop any other.
wine_stop() {
    WINEPREFIX=$WINEPREFIX wineserver -k >/dev/null 2>&1
}
wine_stop
trap 'wine_stop; cleanup' EXIT
ns "$WINE_RUN" --boot || skip "wine cannot boot a prefix in the namespace"

# The .exe as lib.sh's probe: a wrapper that runs it under wine.
WRAP=$(mktemp)
printf '#!/bin/sh\nexec %s %s "$@"\n' "$WINE_RUN" "$WIN_EXE" >"$WRAP"
chmod +x "$WRAP"
PROBE_ENV="$PROBE_ENV WINEPREFIX=$WINEPREFIX"

# both NAME CAUSE EXIT ARGS...: the same cause and exit natively and
# under wine (the raw SYN stage is the native build's alone).
both() {
    what=$1
    shift
    PROBE=$NATIVE
    expect "$what (native)" "$@"
    PROBE=$WRAP
    expect "$what (wine)" "$@"
}

npm_servers mcp_server.mjs
start node "$SERVER" streamable 127.0.0.1 3000
wait_port 127.0.0.1 3000

both "nothing listens: refused" no_listener 1 --no-syn --timeout 2 \
    http://127.0.0.1:3009/mcp
ns ip route add unreachable 10.99.0.0/16 ||
    skip "cannot add a route in the namespace"
both "no route to the address" firewall_reject 1 --no-syn --timeout 2 \
    http://10.99.0.1:3000/mcp
check_json '"No route to host" in d["diagnosis"]["summary"]' True
both "the SDK server, healthy" ok 0 --no-syn --timeout 2 \
    http://127.0.0.1:3000/mcp
check_json 'd["mcp"]["endpoint"]["transport"]' 'streamable-http'
ns iptables -A INPUT -p tcp --dport 3000 -j DROP ||
    skip "cannot add an iptables rule in the namespace"
both "an iptables DROP" firewall_drop 1 --no-syn --timeout 2 \
    http://127.0.0.1:3000/mcp
rm -f "$WRAP"
finish

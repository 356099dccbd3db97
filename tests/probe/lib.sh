# Shared by the probe namespace tests: a fresh network namespace, servers
# started inside it, and an assertion on the probe's cause and exit code.
# usage (sourced): . lib.sh; args of the test: PROBE_BIN SRCDIR NPM_CACHE
set -u

PROBE=$1
SRC=$2
NPM_CACHE=$3
NS=mcpdp$$
PIDS=
FAILS=0

skip() {
    echo "SKIP: $*"
    exit 77
}

cleanup() {
    for p in $PIDS; do
        kill "$p" 2>/dev/null
    done
    for p in $PIDS; do
        wait "$p" 2>/dev/null
    done
    ip netns del "$NS" 2>/dev/null
    rm -rf "/etc/netns/$NS"
}

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, raw SYN)"
command -v ip >/dev/null || skip "iproute2 (ip) is not installed"
ip netns add "$NS" 2>/dev/null || skip "cannot create a network namespace"
trap cleanup EXIT
trap 'exit 1' INT TERM
ip -n "$NS" link set lo up

ns() {
    ip netns exec "$NS" "$@"
}

# Start a server inside the namespace; remember its pid.
start() {
    # ip netns exec execs the command: $! is the server itself.
    ip netns exec "$NS" "$@" >/dev/null 2>&1 &
    PIDS="$PIDS $!"
}

stop_all() {
    for p in $PIDS; do
        kill "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    PIDS=
}

# Wait until HOST PORT accepts a connection (10 s at most).
wait_port() {
    ns python3 - "$1" "$2" <<'PY' || { echo "server on $1:$2 never came up"; exit 1; }
import socket, sys, time
end = time.time() + 10
while time.time() < end:
    try:
        socket.create_connection((sys.argv[1], int(sys.argv[2])), 0.2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY
}

# Wait until a UDP socket is bound to PORT in the namespace (10 s at
# most): a datagram sent before the bind is refused, not left unanswered.
wait_udp() {
    i=0
    while [ -z "$(ns ss -Hlun "sport = :$1" 2>/dev/null)" ]; do
        i=$((i + 1))
        [ $i -le 100 ] || { echo "nothing bound UDP port $1"; exit 1; }
        sleep 0.1
    done
}

# The MCP TypeScript SDK and the everything server from npm, installed
# once into NPM_CACHE with the test's server scripts (FILES...) copied
# beside them; SERVER is the SDK server script.
npm_servers() {
    mkdir -p "$NPM_CACHE"
    for f in package.json "$@"; do
        cp "$SRC/$f" "$NPM_CACHE/"
    done
    if [ ! -d "$NPM_CACHE/node_modules/@modelcontextprotocol/sdk" ] ||
       [ ! -d "$NPM_CACHE/node_modules/@modelcontextprotocol/server-everything" ]
    then
        (cd "$NPM_CACHE" && npm install --no-audit --no-fund --loglevel=error) ||
            skip "npm install failed (no registry access?)"
    fi
    SERVER="$NPM_CACHE/mcp_server.mjs"
}

SCHEMA_CHECK="$SRC/../schema_check.py"
PROBE_SCHEMA="$SRC/../../probes/probe.schema.json"

# schema_ok NAME FILE: the probe's JSON fits probes/probe.schema.json.
schema_ok() {
    if python3 "$SCHEMA_CHECK" --schema "$PROBE_SCHEMA" "$2" >"$2.why" 2>&1
    then
        rm -f "$2.why"
        return 0
    fi
    echo "FAIL $1: the JSON does not fit probe.schema.json:"
    sed 's/^/    /' "$2.why"
    rm -f "$2.why"
    FAILS=$((FAILS + 1))
    return 1
}

# expect NAME CAUSE EXIT [probe args...]: run the probe in the namespace
# (--json), check diagnosis.cause and the exit status, that the JSON fits
# the schema, and that stderr has one line naming the cause when the
# exit status is not 0.
expect() {
    name=$1
    cause=$2
    code=$3
    shift 3
    out=$(mktemp)
    err=$(mktemp)
    ns env $PROBE_ENV "$PROBE" probe --json "$@" >"$out" 2>"$err"
    rc=$?
    got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["diagnosis"]["cause"])' "$out" 2>/dev/null)
    ok=1
    [ "$got" = "$cause" ] || ok=0
    [ "$rc" = "$code" ] || ok=0
    if [ "$code" != 0 ]; then
        [ "$(wc -l <"$err")" = 1 ] && grep -q "$cause" "$err" || ok=0
    fi
    if [ $ok = 1 ]; then
        echo "ok   $name: $cause (exit $rc)"
        [ -n "${VERBOSE:-}" ] && cat "$out"
        :
    else
        echo "FAIL $name: want $cause exit $code, got '$got' exit $rc"
        cat "$err"
        ns env $PROBE_ENV "$PROBE" probe "$@" 2>&1 | sed 's/^/    /'
        FAILS=$((FAILS + 1))
    fi
    schema_ok "$name" "$out"
    LAST_JSON=$(cat "$out")
    rm -f "$out" "$err"
}

# A JSON field of the last probe equals a value: check_json EXPR VALUE
check_json() {
    got=$(printf '%s' "$LAST_JSON" | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)" 2>&1)
    if [ "$got" = "$2" ]; then
        echo "ok     $1 == $2"
    else
        echo "FAIL   $1: want '$2', got '$got'"
        FAILS=$((FAILS + 1))
    fi
}

PROBE_ENV="PATH=$PATH"

finish() {
    if [ "$FAILS" = 0 ]; then
        echo "all passed"
        exit 0
    fi
    echo "$FAILS failed"
    exit 1
}

#!/bin/sh
# Real MCP servers from npm, in a fresh network namespace: the official
# TypeScript SDK (Streamable HTTP, legacy HTTP+SSE, Host-header
# protection) and the reference "everything" server. A healthy server
# gives exit 0 with its name and protocol version; the others give the
# cause. Also proxy variables: a closed proxy port (proxy_unreachable), a
# proxy that answers but is not one (proxy_in_path), NO_PROXY that
# excludes the target for every client (ok).
. "$2/lib.sh"

command -v node >/dev/null || skip "node is not installed"
command -v npm >/dev/null || skip "npm is not installed"

# Install the servers once per build tree (npm registry needed once).
npm_servers mcp_server.mjs mcp_client.mjs
EVERYTHING="$NPM_CACHE/node_modules/@modelcontextprotocol/server-everything/dist/index.js"

start node "$SERVER" streamable 127.0.0.1 3000
start node "$SERVER" sse 127.0.0.1 3001
start node "$SERVER" hostcheck 127.0.0.1 3002
start python3 "$SRC/servers.py" http 127.0.0.1 3004
start env PORT=3003 node "$EVERYTHING" streamableHttp
wait_port 127.0.0.1 3000
wait_port 127.0.0.1 3001
wait_port 127.0.0.1 3002
wait_port 127.0.0.1 3003
wait_port 127.0.0.1 3004

expect "TS SDK, Streamable HTTP" ok 0 --timeout 2 http://127.0.0.1:3000/mcp
check_json 'd["mcp"]["server_info"]["name"]' mcpdiag-test-server
check_json 'd["mcp"]["server_info"]["version"]' 1.2.3
check_json 'd["mcp"]["transport"]' streamable-http
check_json 'd["mcp"]["protocol_version"]' 2025-11-25
check_json 'd["mcp"]["initialized"]["status"]' 202
check_json 'd["mcp"]["session_id"] is not None' True
check_json 'd["addresses"][0]["syn_probe"]["result"]' syn-ack

expect "TS SDK, --deep tools/list" ok 0 --timeout 2 --deep \
    http://127.0.0.1:3000/mcp
check_json 'd["mcp"]["tools"]["count"]' 1

expect "TS SDK, legacy SSE at /sse" ok 0 --timeout 2 http://127.0.0.1:3001/sse
check_json 'd["mcp"]["transport"]' sse
check_json 'd["mcp"]["protocol_version"]' 2024-11-05
check_json 'd["mcp"]["sse"]["post"]["status"]' 202

expect "SSE-only server probed at /mcp" wrong_transport 1 --timeout 2 \
    http://127.0.0.1:3001/mcp
check_json '"SSE transport" in d["diagnosis"]["fix"][0]' True

expect "Host-header protection" http_error 1 --timeout 2 \
    http://127.0.0.1:3002/mcp
check_json 'd["mcp"]["initialize"]["status"]' 403
check_json '"allowed hosts" in d["diagnosis"]["fix"][0]' True

expect "everything server, Streamable HTTP" ok 0 --timeout 3 \
    http://127.0.0.1:3003/mcp
check_json 'd["mcp"]["server_info"]["name"].startswith("mcp-servers/everything") or d["mcp"]["server_info"]["name"]' True

PROBE_ENV="PATH=$PATH HTTP_PROXY=http://user:secret@127.0.0.1:9"
expect "HTTP_PROXY on a closed port" proxy_unreachable 1 --timeout 1 \
    http://127.0.0.1:3000/mcp
check_json '"secret" in json.dumps(d)' False
check_json 'd["proxy"]["clients"]["node"]["proxied"], d["proxy"]["clients"]["curl"]["proxied"], d["proxy"]["clients"]["go"]["proxied"], d["proxy"]["clients"]["requests"]["proxied"]' 'False False False True'

# Node's fetch, as the SDK client uses it, on this machine: with a dead
# proxy in HTTP_PROXY/http_proxy and no NODE_USE_ENV_PROXY it goes direct
# and works, as probe says.
CLIENT="$NPM_CACHE/mcp_client.mjs"
if ns env HTTP_PROXY=http://127.0.0.1:9 http_proxy=http://127.0.0.1:9 \
        node "$CLIENT" http://127.0.0.1:3000/mcp; then
    echo "ok     the SDK client ignores a dead proxy without NODE_USE_ENV_PROXY"
else
    echo "FAIL   the SDK client did not ignore the dead proxy"
    FAILS=$((FAILS + 1))
fi
# With NODE_USE_ENV_PROXY=1, Node 24+ (and 22.21+) sends fetch to the
# proxy: the client fails, and probe names the proxy for node.
PROBE_ENV="PATH=$PATH http_proxy=http://127.0.0.1:9 NODE_USE_ENV_PROXY=1"
expect "NODE_USE_ENV_PROXY=1, dead proxy" proxy_unreachable 1 --timeout 1 \
    http://127.0.0.1:3000/mcp
check_json 'd["proxy"]["clients"]["node"]["proxied"]' True
nodever=$(node -p 'process.versions.node')
if node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>=24||(a===22&&b>=21)?0:1)'; then
    if ns env http_proxy=http://127.0.0.1:9 NODE_USE_ENV_PROXY=1 \
            node "$CLIENT" http://127.0.0.1:3000/mcp; then
        echo "FAIL   node $nodever: the SDK client ignored NODE_USE_ENV_PROXY=1"
        FAILS=$((FAILS + 1))
    else
        echo "ok     node $nodever: the SDK client fails at the dead proxy"
    fi
else
    echo "(node $nodever predates NODE_USE_ENV_PROXY: its client is not checked)"
fi

PROBE_ENV="PATH=$PATH http_proxy=http://127.0.0.1:3004"
expect "http_proxy is an HTTP server that is no proxy" proxy_in_path 1 \
    --timeout 2 http://127.0.0.1:3000/mcp

PROBE_ENV="PATH=$PATH HTTP_PROXY=http://127.0.0.1:9 http_proxy=http://127.0.0.1:9 NO_PROXY=localhost,127.0.0.1 no_proxy=localhost,127.0.0.1"
expect "NO_PROXY excludes the target" ok 0 --timeout 2 \
    http://127.0.0.1:3000/mcp
finish

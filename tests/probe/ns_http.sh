#!/bin/sh
# Servers that accept the connection but misbehave: silent
# (server_not_responding), reset after the request (server_reset), a
# plain HTTP server that is not MCP (port_in_use_by_other), https to a
# plain port (wrong_protocol), and a proxy variable pointing at a closed
# port (proxy_unreachable), and the Python MCP SDK's Host check (421
# "Invalid Host header" in plain text: http_error, allowed-hosts fix).
. "$2/lib.sh"

start python3 "$SRC/servers.py" silent 127.0.0.1 3001
start python3 "$SRC/servers.py" reset 127.0.0.1 3002
start python3 "$SRC/servers.py" http 127.0.0.1 3003
start python3 "$SRC/servers.py" hostcheck 127.0.0.1 3004
start python3 "$SRC/servers.py" slowfirst 127.0.0.1 3005
wait_port 127.0.0.1 3001
wait_port 127.0.0.1 3002
wait_port 127.0.0.1 3003
wait_port 127.0.0.1 3004
wait_port 127.0.0.1 3005

expect "silent server" server_not_responding 1 --timeout 1 127.0.0.1:3001
expect "reset after the request" server_reset 1 --timeout 1 127.0.0.1:3002
expect "HTML server, not MCP" port_in_use_by_other 1 --timeout 5 \
    127.0.0.1:3003
check_json 'd["http"]["health"]["status"]' 404
# A server that answers: --timeout 5, not 1, so a loaded machine does
# not turn the answer into a timeout (the case is about TLS, not time).
expect "https to a plain HTTP port" wrong_protocol 1 --timeout 5 \
    https://127.0.0.1:3003/mcp
check_json 'd["http"]["tls_mismatch"]' tls_to_plain
# The first request (health) runs into --timeout, the next ones meet
# TLS's "wrong version number": that is the evidence, not the timeout.
expect "https to a plain port busy at the first request" wrong_protocol 1 \
    --timeout 2 https://127.0.0.1:3005/mcp
check_json 'd["http"]["health"]["status"] is None' True
check_json 'd["http"]["tls_mismatch"]' tls_to_plain
expect "Python SDK Host check: 421 Invalid Host header" http_error 1 \
    --timeout 5 http://127.0.0.1:3004/mcp
check_json 'd["mcp"]["initialize"]["status"]' 421
check_json 'd["mcp"]["initialize"]["jsonrpc_error"]["message"]' \
    'Invalid Host header'
check_json '"Invalid Host header" in d["diagnosis"]["summary"]' True
check_json '"allowed hosts" in d["diagnosis"]["fix"][0] and "allowed_hosts" in d["diagnosis"]["fix"][0]' True
check_json '"127.0.0.1:3004" in d["diagnosis"]["fix"][0]' True
finish

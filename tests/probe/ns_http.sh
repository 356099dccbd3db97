#!/bin/sh
# Servers that accept the connection but misbehave: silent
# (server_not_responding), reset after the request (server_reset), a
# plain HTTP server that is not MCP (port_in_use_by_other), https to a
# plain port (wrong_protocol), and a proxy variable pointing at a closed
# port (proxy_unreachable).
. "$2/lib.sh"

start python3 "$SRC/servers.py" silent 127.0.0.1 3001
start python3 "$SRC/servers.py" reset 127.0.0.1 3002
start python3 "$SRC/servers.py" http 127.0.0.1 3003
wait_port 127.0.0.1 3001
wait_port 127.0.0.1 3002
wait_port 127.0.0.1 3003

expect "silent server" server_not_responding 1 --timeout 1 127.0.0.1:3001
expect "reset after the request" server_reset 1 --timeout 1 127.0.0.1:3002
expect "HTML server, not MCP" port_in_use_by_other 1 --timeout 1 \
    127.0.0.1:3003
check_json 'd["http"]["health"]["status"]' 404
expect "https to a plain HTTP port" wrong_protocol 1 --timeout 1 \
    https://127.0.0.1:3003/mcp
check_json 'd["http"]["tls_mismatch"]' tls_to_plain
finish

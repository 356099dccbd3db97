#!/bin/sh
# Transport-layer causes, each against a real socket in a fresh network
# namespace: no_listener, wrong_address_family (localhost -> ::1 first,
# server on 127.0.0.1 only), wrong_bind_address, firewall_drop and
# firewall_reject (iptables DROP / REJECT; told apart from no_listener by
# the raw SYN probe), and the listener's owner in the report.
. "$2/lib.sh"

command -v iptables >/dev/null || skip "iptables is not installed"

expect "nothing listening" no_listener 1 --timeout 1 http://127.0.0.1:3000/mcp
check_json 'd["addresses"][0]["connect"]["result"]' refused
check_json 'd["addresses"][0]["syn_probe"]["result"]' rst
check_json 'd["listeners"]' '[]'

# localhost resolves to ::1 first; the server listens on 127.0.0.1 only.
mkdir -p "/etc/netns/$NS"
printf '::1 localhost\n127.0.0.1 localhost\n' >"/etc/netns/$NS/hosts"
start python3 "$SRC/servers.py" http 127.0.0.1 3000
wait_port 127.0.0.1 3000
expect "localhost to ::1, server on 127.0.0.1" wrong_address_family 1 \
    --timeout 1 http://localhost:3000/mcp
check_json 'd["addresses"][0]["addr"]' ::1
check_json 'd["addresses"][1]["connect"]["result"]' connected
check_json 'd["listeners"][0]["process"]["command"]' python3

# Only [::1] is asked for; the server is on 127.0.0.1: the other family.
expect "IPv6 literal, IPv4 server" wrong_address_family 1 --timeout 1 \
    '[::1]:3000'
stop_all

# Bound to a non-loopback address only; the client uses loopback.
ip -n "$NS" link add va type veth peer name vb ||
    skip "cannot create a veth pair"
ip -n "$NS" addr add 10.77.0.1/24 dev va
ip -n "$NS" link set va up
ip -n "$NS" link set vb up
start python3 "$SRC/servers.py" http 10.77.0.1 3000
wait_port 10.77.0.1 3000
expect "bound to 10.77.0.1, probed on 127.0.0.1" wrong_bind_address 1 \
    --timeout 1 127.0.0.1:3000
stop_all

# A listener exists, but the firewall drops / rejects the SYN.
start python3 "$SRC/servers.py" http 0.0.0.0 3000
wait_port 127.0.0.1 3000
ns iptables -A INPUT -p tcp --dport 3000 -j DROP
expect "iptables DROP" firewall_drop 1 --timeout 1 127.0.0.1:3000
check_json 'd["addresses"][0]["connect"]["result"]' timeout
check_json 'd["addresses"][0]["syn_probe"]["result"]' nothing
check_json 'any("DROP" in r["rule"] or "drop" in r["rule"] for r in d["firewall"]["rules"])' True
ns iptables -F INPUT
ns iptables -A INPUT -p tcp --dport 3000 -j REJECT
expect "iptables REJECT (icmp-port-unreachable)" firewall_reject 1 \
    --timeout 1 127.0.0.1:3000
check_json '[d["addresses"][0]["syn_probe"]["icmp"][k] for k in ("type", "code")]' '[3, 3]'
ns iptables -F INPUT
ns iptables -A INPUT -p tcp --dport 3000 -j REJECT --reject-with tcp-reset
expect "iptables REJECT tcp-reset, listener present" firewall_reject 1 \
    --timeout 1 127.0.0.1:3000
check_json 'd["addresses"][0]["syn_probe"]["result"]' rst
ns iptables -F INPUT
expect "firewall removed: plain HTTP, not MCP" port_in_use_by_other 1 \
    --timeout 1 127.0.0.1:3000
stop_all
finish

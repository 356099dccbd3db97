#!/bin/sh
# Time to a diagnosis: probe against an iptables DROP in a fresh network
# namespace, for a few --timeout values, with and without the raw SYN
# probe (root), at 127.0.0.1 and at a name with two addresses (::1 and
# 127.0.0.1, both dropped). Every connect times out, so the HTTP and MCP
# stages are skipped: the probe should end within --timeout + 1 s.
#
#   sudo tests/bench/probe_bench.sh [MCPDIAG] [RUNS]
#
# Prints a Markdown table (median wall time of RUNS runs, default 3) and
# exits 1 when a median is over --timeout + 1 s.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${1:-$HERE/../../build/mcpdiag}
RUNS=${2:-3}
NS=mcpdbench$$

[ "$(id -u)" = 0 ] || { echo "probe_bench: needs root (namespaces, iptables)" >&2; exit 77; }
[ -x "$BIN" ] || { echo "probe_bench: no mcpdiag at $BIN: build it first" >&2; exit 2; }
ip netns add "$NS"
trap 'ip netns del "$NS" 2>/dev/null; rm -rf "/etc/netns/$NS"' EXIT INT TERM
ip -n "$NS" link set lo up
ip netns exec "$NS" iptables -A INPUT -p tcp --dport 3000 -j DROP
ip netns exec "$NS" ip6tables -A INPUT -p tcp --dport 3000 -j DROP
mkdir -p "/etc/netns/$NS"
printf '::1 localhost\n127.0.0.1 localhost\n' >"/etc/netns/$NS/hosts"

now_ms() { date +%s%3N; }
over=0
echo "| target | --timeout | raw SYN probe | median wall (s) | limit (s) | cause |"
echo "|---|---:|---|---:|---:|---|"
for host in 127.0.0.1 localhost; do
for t in 1 2 3; do
    for syn in yes no; do
        extra=
        [ $syn = no ] && extra=--no-syn
        walls=
        i=0
        while [ $i -lt "$RUNS" ]; do
            t0=$(now_ms)
            ip netns exec "$NS" "$BIN" probe --json --timeout $t $extra \
                "http://$host:3000/mcp" >"/tmp/$NS.json" 2>/dev/null || :
            t1=$(now_ms)
            walls="$walls $((t1 - t0))"
            i=$((i + 1))
        done
        med=$(printf '%s\n' $walls | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
        cause=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["diagnosis"]["cause"])' "/tmp/$NS.json")
        limit=$((t + 1))
        [ "$med" -le $((limit * 1000)) ] || over=1
        printf '| %s | %s | %s | %d.%03d | %d | %s |\n' $host $t $syn \
            $((med / 1000)) $((med % 1000)) $limit "$cause"
    done
done
done
rm -f "/tmp/$NS.json"
exit $over

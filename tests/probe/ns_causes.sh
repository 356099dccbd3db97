#!/bin/sh
# Causes above TCP against real peers in a fresh network namespace: the
# official TypeScript SDK server healthy, at a wrong path, behind a
# bearer-token check; a listener that speaks no HTTP; localhost resolving
# to ::1 first with a wrong path; and a DROP rule, where the probe skips
# the stages that cannot succeed (its time is the benchmark's). No fix may stop or kill a process that
# answered JSON-RPC or an MCP-style 401.
. "$2/lib.sh"

command -v node >/dev/null || skip "node is not installed"
command -v npm >/dev/null || skip "npm is not installed"
command -v iptables >/dev/null || skip "iptables is not installed"

npm_servers mcp_server.mjs

# No fix line may tell the user to stop or kill anything.
NO_KILL='not any(__import__("re").search(r"\b(kill|stop|pkill|killall)\b", f) for f in d["diagnosis"]["fix"])'

start node "$SERVER" streamable 127.0.0.1 3000
start node "$SERVER" auth 127.0.0.1 3001
start python3 "$SRC/servers.py" banner 127.0.0.1 3002
wait_port 127.0.0.1 3000
wait_port 127.0.0.1 3001
wait_port 127.0.0.1 3002

expect "SDK server, healthy" ok 0 --timeout 2 http://127.0.0.1:3000/mcp
check_json 'd["mcp"]["endpoint"]["url"], d["mcp"]["endpoint"]["transport"]' \
    'http://127.0.0.1:3000/mcp streamable-http'
check_json 'd["skipped"]' '[]'

# A wrong path: 404 there; /mcp speaks MCP and the fix names it.
expect "SDK server, wrong path" wrong_path 1 --timeout 2 \
    http://127.0.0.1:3000/api/v1
check_json 'd["mcp"]["endpoint"]["url"], d["mcp"]["endpoint"]["transport"]' \
    'http://127.0.0.1:3000/mcp streamable-http'
check_json '"http://127.0.0.1:3000/mcp" in d["diagnosis"]["fix"][0]' True
check_json "$NO_KILL" True

# A client set up for the legacy SSE transport at /sse, a Streamable
# HTTP server: the other transport, at the URL that answers.
expect "SDK Streamable server, SSE URL" wrong_transport 1 --timeout 2 \
    http://127.0.0.1:3000/sse
check_json '"Streamable HTTP at http://127.0.0.1:3000/mcp" in d["diagnosis"]["fix"][0]' True
check_json "$NO_KILL" True

# A bearer-token server: 401 with resource_metadata; the metadata names
# the authorization server. Nothing is killed, no token is printed.
expect "SDK server wanting a bearer token" auth_required 1 --timeout 2 \
    http://127.0.0.1:3001/mcp
check_json 'd["mcp"]["auth"]["status"], d["mcp"]["auth"]["scheme"]' '401 Bearer'
check_json 'd["mcp"]["auth"]["resource_metadata"]' \
    'http://127.0.0.1:3001/.well-known/oauth-protected-resource/mcp'
check_json 'd["mcp"]["auth"]["metadata_status"], d["mcp"]["auth"]["authorization_servers"]' \
    "200 ['https://auth.example.com/']"
check_json '"https://auth.example.com/" in d["diagnosis"]["summary"]' True
check_json '"test-token-123" in json.dumps(d)' False
check_json "$NO_KILL" True

# A port held by something that speaks no HTTP: the one case where the
# listener is proven not to be the MCP server.
expect "banner, no HTTP" port_in_use_by_other 1 --timeout 2 \
    http://127.0.0.1:3002/mcp
check_json '"not in HTTP" in d["diagnosis"]["summary"]' True
check_json 'd["listeners"][0]["process"]["command"]' python3

if command -v socat >/dev/null; then
    start socat TCP-LISTEN:3003,bind=127.0.0.1,reuseaddr,fork EXEC:cat
    wait_port 127.0.0.1 3003
    expect "socat echo, no HTTP" port_in_use_by_other 1 --timeout 2 \
        http://127.0.0.1:3003/mcp
    check_json 'd["listeners"][0]["process"]["command"]' socat
else
    echo "(socat not installed: the echo case is not run)"
fi

# localhost resolves to ::1 first; the server listens on 127.0.0.1 only,
# and the URL's path is wrong too: the fix must name a URL that really
# answers MCP (address that works AND the path that works).
mkdir -p "/etc/netns/$NS"
printf '::1 localhost\n127.0.0.1 localhost\n' >"/etc/netns/$NS/hosts"
expect "::1 first, wrong path" wrong_address_family 1 --timeout 2 \
    http://localhost:3000/api
check_json 'd["addresses"][0]["addr"], d["addresses"][0]["connect"]["result"]' \
    '::1 refused'
fixurl=$(printf '%s' "$LAST_JSON" | python3 -c 'import json,sys,re; d=json.load(sys.stdin); print(re.search(r"http://\S+", d["diagnosis"]["fix"][0]).group(0))')
echo "# the fix names $fixurl"
expect "the fix's URL speaks MCP" ok 0 --timeout 2 "$fixurl"
# The same with a dead proxy that every proxied client uses: it breaks
# more clients than the ::1 refusal, so it is the headline.
PROBE_SAVE=$PROBE_ENV
PROBE_ENV="$PROBE_ENV http_proxy=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9"
expect "::1 first and a dead proxy" proxy_unreachable 1 --timeout 2 \
    http://localhost:3000/mcp
check_json '"wrong_address_family" in d["diagnosis"]["summary"]' True
PROBE_ENV=$PROBE_SAVE
rm -f "/etc/netns/$NS/hosts"

# Every SYN dropped: the HTTP and MCP stages cannot succeed; they are
# skipped with a reason instead of waited out.
ns iptables -A INPUT -p tcp --dport 3000 -j DROP ||
    skip "cannot add an iptables rule in a namespace"
expect "DROP, --timeout 2" firewall_drop 1 --timeout 2 http://127.0.0.1:3000/mcp
check_json '[s["stage"] for s in d["skipped"]]' "['http', 'mcp']"
check_json '"timed out" in d["skipped"][0]["reason"]' True
# The probe alone, timed (the checks above parse its JSON).
t0=$(date +%s%N)
ns "$PROBE" probe --timeout 2 http://127.0.0.1:3000/mcp >"$NPM_CACHE/drop.txt" 2>&1
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
echo "# probe against DROP took $ms ms with --timeout 2"
if grep -q 'skipped: no address of 127.0.0.1 took a TCP connection' \
        "$NPM_CACHE/drop.txt"; then
    echo "ok     the text report says why HTTP was skipped"
else
    echo "FAIL   the text report does not say why HTTP was skipped:"
    sed 's/^/    /' "$NPM_CACHE/drop.txt"
    FAILS=$((FAILS + 1))
fi
# What holds by mechanism is asserted above: HTTP and MCP were skipped,
# not waited out. The wall time is the benchmark's to measure
# (tests/bench/probe_bench.sh: about --timeout + 0.4 s); here it only
# has to tell the mechanisms apart: waiting the stages out took ~19 s.
if [ "$ms" -le 6000 ]; then
    echo "ok     finished without waiting out HTTP and MCP (<= 6 s)"
else
    echo "FAIL   took $ms ms: the stages that cannot succeed were waited out"
    FAILS=$((FAILS + 1))
fi
# A name with an address of each IP version, both dropped: the connects
# run together (one --timeout for both), and each address gets its own
# IP version's drops from the kernel.
if ns ip6tables -A INPUT -p tcp --dport 3000 -j DROP; then
    printf '::1 localhost\n127.0.0.1 localhost\n' >"/etc/netns/$NS/hosts"
    expect "DROP on ::1 and 127.0.0.1" firewall_drop 1 --timeout 2 \
        http://localhost:3000/mcp
    check_json '[(a["addr"], a["connect"]["result"]) for a in d["addresses"]]' \
        "[('::1', 'timeout'), ('127.0.0.1', 'timeout')]"
    check_json '[s["stage"] for s in d["skipped"]]' "['syn', 'http', 'mcp']"
    if [ "$(id -u)" = 0 ] && printf '%s' "$LAST_JSON" | grep -q '"NETFILTER_DROP"'; then
        check_json 'all(a["kernel"]["drops"][0]["reason"] == "NETFILTER_DROP" and a["kernel"]["drops"][0]["count"] >= 1 for a in d["addresses"])' True
    fi
    # Together means at the same time: each connect's window (start,
    # end in the JSON) overlaps the other's. Exact, unlike a wall time.
    check_json 'len(d["connections"]) == 2 and d["connections"][0]["start"] < d["connections"][1]["end"] and d["connections"][1]["start"] < d["connections"][0]["end"]' True
    rm -f "/etc/netns/$NS/hosts"
    ns ip6tables -F INPUT
else
    echo "(no ip6tables in the namespace: the two-address DROP is not run)"
fi
ns iptables -F INPUT

finish

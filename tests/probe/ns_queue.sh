#!/bin/sh
# listen_queue_overflow against a real full accept queue: a python
# listener that never calls accept(), its queue filled by a helper that
# holds connections. On Linux a full queue (more waiting than the
# backlog: backlog 1 holds 2, backlog 0 holds 1) makes the kernel drop
# every new SYN (TcpExtListenOverflows and ListenDrops count them), so
# the client times out; net.ipv4.tcp_abort_on_overflow=1 does not change
# that: it only resets a handshake that completes into a queue that
# filled after the SYN was let in. Both settings are tested, set inside
# the namespace only, and a queue with one place left (the probe's own
# connect takes it, then its HTTP requests are dropped) too.
. "$2/lib.sh"

host_aoo=$(sysctl -n net.ipv4.tcp_abort_on_overflow 2>/dev/null)
READY=$(mktemp -u)

# fill BACKLOG HELD: a never-accepting listener on 127.0.0.1:3000 with
# HELD connections in its queue.
fill() {
    rm -f "$READY"
    start python3 "$SRC/servers.py" listen 127.0.0.1 3000 "$1"
    start python3 "$SRC/fill_queue.py" 127.0.0.1 3000 "$2" "$READY"
    i=0
    while [ ! -s "$READY" ] && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    [ -s "$READY" ] || { echo "FAIL the queue never filled"; exit 1; }
}

for aoo in 0 1; do
    ns sysctl -qw net.ipv4.tcp_abort_on_overflow=$aoo ||
        skip "cannot set tcp_abort_on_overflow in a namespace"
    echo "# net.ipv4.tcp_abort_on_overflow=$aoo (namespace only)"

    fill 1 2
    expect "backlog 1, 2 waiting: queue full" listen_queue_overflow 1 \
        --timeout 1 http://127.0.0.1:3000/mcp
    check_json 'd["listeners"][0]["backlog"], d["listeners"][0]["queued"], d["listeners"][0]["queue_full"]' '1 2 True'
    check_json 'd["listeners"][0]["process"]["command"]' python3
    check_json 'd["addresses"][0]["connect"]["result"]' timeout
    check_json 'd["addresses"][0]["syn_probe"]["result"]' nothing
    check_json 'd["connections"][0]["verdict"], d["summary"]["verdicts"]' "TIMEOUT {'TIMEOUT': 1}"
    check_json 'd["firewall"]["counters"]["after"]["ListenOverflows"] > d["firewall"]["counters"]["before"]["ListenOverflows"]' True
    check_json '"python3, pid" in d["diagnosis"]["summary"] and "backlog 1" in d["diagnosis"]["summary"]' True
    check_json 'd["diagnosis"]["stage"]' syn
    check_json '"accept()" in d["diagnosis"]["fix"][0]' True
    stop_all

    fill 0 1
    expect "backlog 0, 1 waiting: queue full" listen_queue_overflow 1 \
        --timeout 1 --no-syn 127.0.0.1:3000
    check_json 'd["listeners"][0]["backlog"], d["listeners"][0]["queued"]' '0 1'
    check_json 'd["addresses"][0]["connect"]["result"], d["diagnosis"]["stage"]' 'timeout connect'
    stop_all

    # One place left: the probe's connect completes and takes it; every
    # later SYN (raw probe, HTTP) is dropped. Not server_not_responding:
    # the server never accept()ed.
    fill 1 1
    expect "backlog 1, 1 waiting: the probe takes the last place" \
        listen_queue_overflow 1 --timeout 1 http://127.0.0.1:3000/mcp
    check_json 'd["addresses"][0]["connect"]["result"]' connected
    check_json 'd["diagnosis"]["stage"]' http
    check_json 'd["connections"][0]["verdict"]' CLOSED
    stop_all
done

# The namespace's sysctl is its own: the host's is untouched.
if [ "$(sysctl -n net.ipv4.tcp_abort_on_overflow 2>/dev/null)" = "$host_aoo" ]
then
    echo "ok   host tcp_abort_on_overflow unchanged ($host_aoo)"
else
    echo "FAIL host tcp_abort_on_overflow changed"
    FAILS=$((FAILS + 1))
fi

# A listener that never accepts but whose queue has room is not an
# overflow: the connection is queued, the request unanswered.
start python3 "$SRC/servers.py" listen 127.0.0.1 3001 16
wait_port 127.0.0.1 3001
expect "queue with room, never accepted" server_not_responding 1 \
    --timeout 1 127.0.0.1:3001
check_json '"waiting for accept()" in d["diagnosis"]["summary"]' True
rm -f "$READY"
finish

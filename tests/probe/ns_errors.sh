#!/bin/sh
# The probe when it cannot get far, or cannot run at all: a name that
# does not resolve in the namespace (dns_failure, exit 1, fast: a
# resolver that refuses, and one that never answers, bounded by
# --timeout); exit 2 and 3 with exactly one stderr line naming the cause
# and the fix; and the JSON of runs where stages did not run (no DNS,
# not root, --no-syn) still has every key of probes/probe.schema.json.
. "$2/lib.sh"

mkdir -p "/etc/netns/$NS"
# Nothing listens on 127.0.0.1:53 in the namespace: the lookup is
# refused at once.
printf 'nameserver 127.0.0.1\noptions attempts:1\n' \
    >"/etc/netns/$NS/resolv.conf"
printf '127.0.0.1 localhost\n' >"/etc/netns/$NS/hosts"

# elapsed_ok NAME START MAXSECONDS: the bounds tell mechanisms apart, not
# speed: glibc alone waits 5 s per try for a silent resolver, the probe
# gives up at --timeout (1 s here). `date +%s` counts whole seconds and a
# loaded machine starts processes slowly, so the bound sits between.
elapsed_ok() {
    t=$(( $(date +%s) - $2 ))
    if [ "$t" -le "$3" ]; then
        echo "ok     $1 took ${t}s (<= $3)"
    else
        echo "FAIL   $1 took ${t}s (> $3)"
        FAILS=$((FAILS + 1))
    fi
}

t0=$(date +%s)
expect "mcp.invalid, resolver refuses" dns_failure 1 --timeout 1 \
    http://mcp.invalid:3000/mcp
elapsed_ok "mcp.invalid, resolver refuses" "$t0" 4
check_json 'd["addresses"], d["connections"], d["summary"]["connections"]' '[] [] 0'
check_json 'd["http"]["ran"], d["http"]["health"], d["mcp"]["ran"], d["mcp"]["initialize"]' 'False None False None'
check_json 'd["diagnosis"]["stage"], d["target"]["resolve_error"] is not None' 'resolve True'
check_json '"getent ahosts mcp.invalid" in d["diagnosis"]["fix"][0]' True

# A resolver that takes the query and never answers: glibc alone would
# wait 5 s per try; the probe gives up after --timeout.
start python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
time.sleep(3600)'
wait_udp 53
t0=$(date +%s)
expect "mcp.invalid, resolver silent" dns_failure 1 --timeout 1 \
    http://mcp.invalid:3000/mcp
elapsed_ok "mcp.invalid, resolver silent" "$t0" 4
check_json 'd["target"]["resolve_timed_out"]' True
check_json 'any("resolv.conf" in f for f in d["diagnosis"]["fix"])' True
stop_all

# Stages that do not run still have their keys: not root (no SYN probe,
# no firewall rules), and --no-syn as root.
out=$(mktemp)
if command -v setpriv >/dev/null; then
    ns setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$PROBE" probe --json --timeout 1 127.0.0.1:3000 >"$out" 2>/dev/null
    rc=$?
    if [ $rc = 1 ] && schema_ok "not root" "$out"; then
        echo "ok   not root: exit 1, JSON fits the schema"
        LAST_JSON=$(cat "$out")
        check_json 'd["root"], d["addresses"][0]["syn_probe"], d["firewall"]["ran"], d["firewall"]["rules"]' 'False None False []'
        check_json 'd["diagnosis"]["cause"]' no_listener
    else
        echo "FAIL not root: exit $rc"
        FAILS=$((FAILS + 1))
    fi
fi
rm -f "$out"
expect "--no-syn as root" no_listener 1 --no-syn --timeout 1 127.0.0.1:3000
check_json 'd["addresses"][0]["syn_probe"], d["firewall"]["ran"]' 'None True'

# oneline NAME WANTEXIT PATTERN CMD...: exactly one stderr line that
# matches PATTERN (the cause) and says what to do (PATTERN2 in FIX).
oneline() {
    name=$1 want=$2 pat=$3 fix=$4
    shift 4
    err=$(mktemp)
    ns "$@" >/dev/null 2>"$err"
    rc=$?
    if [ "$rc" = "$want" ] && [ "$(wc -l <"$err")" = 1 ] &&
       grep -q -- "$pat" "$err" && grep -q -- "$fix" "$err"; then
        echo "ok   $name: exit $rc, one line: $(cat "$err")"
    else
        echo "FAIL $name: want exit $want and one line with '$pat' and" \
             "'$fix', got exit $rc:"
        sed 's/^/    /' "$err"
        FAILS=$((FAILS + 1))
    fi
    rm -f "$err"
}

oneline "unknown option" 2 "unknown option '--bogus'" "probe --help" \
    "$PROBE" probe --bogus
oneline "bad TARGET" 2 "bad TARGET 'http://\[zz'" "give PORT, HOST:PORT" \
    "$PROBE" probe 'http://[zz'
# The newline is shown escaped as \x0a ("\\\\" is one backslash to grep).
oneline "TARGET with a newline" 2 "bad TARGET 'a\\\\x0ab:3'" "give PORT" \
    "$PROBE" probe "$(printf 'a\nb:3')"
oneline "port out of range" 2 "70000" "give PORT" "$PROBE" probe 70000
oneline "two targets" 2 "one TARGET" "quote" "$PROBE" probe 1 2
oneline "--timeout without a value" 2 "needs a value" "probe --help" \
    "$PROBE" probe --timeout
oneline "--timeout not a number" 2 "seconds 0.05-600" "e.g. --timeout 3" \
    "$PROBE" probe --timeout soon
oneline "--health without /" 2 "path starting" "e.g. --health" \
    "$PROBE" probe --health x
oneline "report cannot be written" 3 "writing the report failed" "check" \
    sh -c 'exec "$0" probe --timeout 1 --no-syn 127.0.0.1:3000 >/dev/full' \
    "$PROBE"
oneline "problem found (exit 1)" 1 "no_listener" "fix: start the MCP" \
    "$PROBE" probe --timeout 1 --no-syn 127.0.0.1:3000
rm -rf "/etc/netns/$NS"
finish

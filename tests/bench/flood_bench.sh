#!/bin/sh
# Flood timing and memory of `mcpdiag analyze --jsonl` (issue 5, item 4):
# N distinct unanswered SYNs for N = 1M, 2M, 4M (and FLOOD_SIZES), and
# 500k connections open at once, each timed with /usr/bin/time -v, output
# to /dev/null. The ctest `flood` checks correctness and a loose
# linearity bound; this script is where the timing figures come from.
#   tests/bench/flood_bench.sh [MCPDIAG]
# Environment: FLOOD_SIZES="1000000 2000000 4000000", FLOOD_OPEN=500000,
# FLOOD_RUNS=3 (median wall), BENCH_WORKDIR (default /tmp/mcpdiag-bench).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mcpdiag=${1:-$here/../../build/mcpdiag}
work=${BENCH_WORKDIR:-/tmp/mcpdiag-bench}/flood
sizes=${FLOOD_SIZES:-1000000 2000000 4000000}
open_n=${FLOOD_OPEN:-500000}
runs=${FLOOD_RUNS:-3}
[ -x /usr/bin/time ] || { echo "flood_bench: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
mkdir -p "$work"
cc -O2 -std=c11 -Wall -Wextra -Werror -o "$work/flood_gen" "$here/../flood_gen.c"

one() {  # FILE ARGS... -> "wall user+sys maxrss_kib evicted" (median wall)
    f=$1; shift
    for r in $(seq "$runs"); do
        /usr/bin/time -f '%e %U %S %M' -o "$work/t" \
            "$mcpdiag" analyze "$f" --jsonl "$@" | tail -n 1 >"$work/out" || true
        ev=$(sed -n 's/.*"evicted":\([0-9]*\).*/\1/p' "$work/out")
        tail -n 1 "$work/t" | awk -v ev="$ev" '{ printf "%s %.2f %d %s\n", $1, $2 + $3, $4, ev }'
    done | sort -n | awk -v n="$runs" 'NR == int((n + 1) / 2)'
}

echo "| capture | connections | wall (s) | cpu (s) | peak RSS (MiB) | evicted | µs/connection |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for n in $sizes; do
    "$work/flood_gen" "$work/syn.pcap" syn "$n"
    cat "$work/syn.pcap" >/dev/null
    one "$work/syn.pcap" | awk -v n="$n" '{ printf "| %d unanswered SYNs | %d | %.2f | %.2f | %.1f | %s | %.2f |\n", n, n, $1, $2, $3 / 1024, $4, $1 * 1e6 / n }'
done
rm -f "$work/syn.pcap"
"$work/flood_gen" "$work/open.pcap" open "$open_n"
one "$work/open.pcap" | awk -v n="$open_n" '{ printf "| %d open at once | %d | %.2f | %.2f | %.1f | %s | %.2f |\n", n, n, $1, $2, $3 / 1024, $4, $1 * 1e6 / n }'
big=$((open_n + open_n / 5))
one "$work/open.pcap" --max-flows "$big" | awk -v n="$open_n" -v b="$big" '{ printf "| %d open, --max-flows %d | %d | %.2f | %.2f | %.1f | %s | %.2f |\n", n, b, n, $1, $2, $3 / 1024, $4, $1 * 1e6 / n }'
rm -f "$work/open.pcap" "$work/out" "$work/t"

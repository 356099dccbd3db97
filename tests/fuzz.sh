#!/bin/sh
# Run the libFuzzer target over the analyze path for a bounded time,
# seeded with the golden captures and the public corpus.
#   tests/fuzz.sh FUZZ_BINARY SECONDS
# A crash leaves its input as crash-* in the work directory (printed) and
# fails; add it to tests/fuzz-regressions/ so it is replayed forever.
set -eu
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
secs=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/mcpd-fuzz.XXXXXX")
mkdir -p "$work/corpus" "$work/seeds"
find "$here/../pcaps" "$here/../../shared/pcaps-public" "$here/fuzz-regressions" \
     -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name 'crash-*' \) \
     -size -200k 2>/dev/null |
while read -r f; do
    cp "$f" "$work/seeds/$(echo "$f" | cksum | cut -d' ' -f1)"
done
echo "fuzz: $(ls "$work/seeds" | wc -l) seeds, $secs s, work dir $work"
cd "$work"
status=0
"$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 \
       -rss_limit_mb=2048 -print_final_stats=1 corpus seeds 2>fuzz.log ||
    status=$?
grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' fuzz.log || true
if [ $status -ne 0 ]; then
    tail -40 fuzz.log
    ls crash-* leak-* timeout-* oom-* 2>/dev/null | sed "s|^|fuzz: kept $work/|"
    echo "0 passed, 1 failed"
    exit 1
fi
rm -rf "$work"
echo "1 passed, 0 failed"

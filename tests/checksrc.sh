#!/bin/sh
# Source checks that the compiler does not make: C functions that have
# bitten C network tools (unbounded copies, unchecked conversions, hidden
# state) stay out of our code, and every C file says what it is for.
set -u
cd "$(dirname "$0")/.."
status=0
files=$(ls analyze/*.[ch] capture/*.[ch] probes/*.[ch] doctor/*.[ch] mcpdiag.c \
        bundle/*.[ch] \
        platform/*.[ch] platform/*/*.[ch] \
        tests/*.c tests/doctor/*.c \
        tests/bench/*.c 2>/dev/null)

# snprintf/vsnprintf are fine; bare sprintf and friends are not.
banned='(^|[^a-z_])(sprintf|vsprintf|strcpy|strcat|strncat|gets|atoi|atol|strtok)[[:space:]]*\('
if grep -nE "$banned" $files; then
    echo "checksrc: banned function above (use snprintf, memcpy with a" \
         "checked length, strtoul/strtoull, strtok_r)"
    status=1
fi
for f in $files; do
    if ! head -1 "$f" | grep -q '^/\* \\summary: '; then
        echo "checksrc: $f: first line must be a /* \\summary: ... */ comment"
        status=1
    fi
done
n=$(echo "$files" | wc -w)
if [ $status -eq 0 ]; then
    echo "checksrc: $n files clean"
    echo "1 passed, 0 failed"
else
    echo "0 passed, 1 failed"
fi
exit $status

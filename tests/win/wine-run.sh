#!/bin/sh
# Run a Windows program under wine, headless and quiet, in a wine prefix
# of the build tree (made on first use), with a wineserver that stays up
# between runs so that each start takes milliseconds, not seconds.
#
#   WINEPREFIX=DIR wine-run.sh PROGRAM.exe ARGS...
#   WINEPREFIX=DIR wine-run.sh --boot [PROGRAM.exe ARGS...]
#
# --boot makes the prefix and starts wine's server and services with
# their output on /dev/null: started by a program instead, they would
# keep its stdout open long after it ended. A test boots once first.
# Wine's sockets are made by its server, in the server's network
# namespace: a test in a namespace boots a prefix of its own in it.
#
# Exit 77 with the reason when wine is not installed.
set -eu
wine=$(command -v wine64 || command -v wine || true)
if [ -z "$wine" ]; then
    echo "wine-run.sh: skipped: wine is not installed (tests/install-deps.sh)" >&2
    exit 77
fi
: "${WINEPREFIX:?set WINEPREFIX to a directory of the build tree}"
export WINEPREFIX WINEDEBUG=-all WINEARCH=win64
# No Mono or Gecko install prompts; no display needed.
export WINEDLLOVERRIDES="mscoree,mshtml=${WINEDLLOVERRIDES:+;$WINEDLLOVERRIDES}"
unset DISPLAY WAYLAND_DISPLAY
mkdir -p "$WINEPREFIX"
if [ "${1:-}" = --boot ]; then
    # One boot at a time per prefix (tests run in parallel).
    exec 9>"$WINEPREFIX.lock"
    flock 9
    wineboot -i </dev/null >/dev/null 2>&1 || {
        echo "wine-run.sh: skipped: wineboot failed in $WINEPREFIX" >&2
        exit 77
    }
    wineserver -p 600 </dev/null >/dev/null 2>&1 || true
    flock -u 9
    exec 9>&-
    shift
    [ $# -gt 0 ] || exit 0
fi
exec "$wine" "$@"

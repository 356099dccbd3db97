#!/bin/sh
# Install, build and run every test, twice: a normal build with warnings
# as errors, then the same suite under AddressSanitizer and
# UndefinedBehaviorSanitizer (with a libFuzzer run); then a short pass
# that builds with the `none` platform (platform/none/: no OS backend at
# all) and runs the offline tests, which proves the platform seam; then
# the Windows build under wine. Every pass always runs; each prints ctest's summary, and the
# script exits non-zero if any failed. The whole run has a budget of 15
# minutes on 2 cores.
#
#   MCPD_PASSES="normal asan none windows"   which passes (default: all)
#       windows: mcpdiag.exe cross-built with mingw-w64 (libpcap, cJSON and
#       libcurl from Debian's sources) and its tests under wine, which
#       compare it with the normal pass's build
#   MCPD_FUZZ_SECONDS=120       length of the libFuzzer run
#   MCPD_CTEST_ARGS="-R probe"  extra ctest arguments (the soak script)
set -eu
cd "$(dirname "$0")/.."

BUDGET=900
passes=${MCPD_PASSES:-normal asan none windows}
tests/install-deps.sh
# The Windows build's libraries are installed software, like the packages
# above: cross-built from Debian's sources once into build-win/deps (a few
# minutes the first time), before the suite's clock starts. 77: this
# machine cannot (no mingw-w64 or deb-src), and the pass says so.
win_deps= win_rc=0
case " $passes " in
*" windows "*)
    win_deps=$(platform/windows/build-deps.sh build-win/deps) || win_rc=$? ;;
esac
start=$(date +%s)
jobs=$(nproc 2>/dev/null || echo 2)
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
set +e
# The tests run as root and say themselves when a run is under sudo; a
# suite started with sudo must not make every command act for its user.
unset SUDO_UID SUDO_GID SUDO_USER SUDO_COMMAND
# Read only by sanitized binaries: harmless to the normal pass.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# run_pass NAME BUILD_DIR CMAKE_ARGS...: configure, build and run ctest
# (with $pass_ctest_args, then MCPD_CTEST_ARGS); leaves ctest's log in
# $logs/NAME.log and the status in $logs/NAME.rc.
run_pass() {
    name=$1
    dir=$2
    shift 2
    t0=$(date +%s)
    echo "=== $name pass: $dir"
    if ! cmake -S . -B "$dir" "$@" >"$logs/$name.cmake" 2>&1 ||
       ! cmake --build "$dir" -j "$jobs" >>"$logs/$name.cmake" 2>&1; then
        cat "$logs/$name.cmake"
        echo "$name: the build failed" >"$logs/$name.log"
        echo 1 >"$logs/$name.rc"
    else
        # shellcheck disable=SC2086
        { ctest --test-dir "$dir" --output-on-failure -j "$jobs" \
                $pass_ctest_args ${MCPD_CTEST_ARGS:-}
          echo $? >"$logs/$name.rc"; } 2>&1 |
            tee "$logs/$name.log"
    fi
    echo $(( $(date +%s) - t0 )) >"$logs/$name.secs"
}

for pass in $passes; do
    pass_ctest_args=
    case $pass in
    normal)
        run_pass normal build -DCMAKE_BUILD_TYPE=RelWithDebInfo ;;
    asan)
        run_pass asan build-asan -DCMAKE_BUILD_TYPE=Debug \
            -DCMAKE_C_COMPILER=clang -DMCPD_SANITIZERS="address;undefined" \
            -DMCPD_FUZZ=ON -DMCPD_FUZZ_SECONDS="${MCPD_FUZZ_SECONDS:-120}" ;;
    none)
        # Live tests are not registered there; -L keeps it short. The
        # portable fallbacks (what macOS builds) replace Linux's calls.
        pass_ctest_args="-L offline"
        run_pass none build-none -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            -DMCPD_PLATFORM=none -DMCPD_FORCE_PORTABLE=ON ;;
    windows)
        # The wine tests, and the offline C unit tests the cross build
        # runs under wine (the toolchain's emulator).
        pass_ctest_args="-L wine|offline"
        if [ $win_rc = 0 ]; then
            run_pass windows build-win/mcpdiag -DCMAKE_BUILD_TYPE=RelWithDebInfo \
                -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/mingw-w64-x86_64.cmake" \
                -DMCPD_WIN_PREFIX="$win_deps" \
                -DMCPD_NATIVE_MCPDIAG="$PWD/build/mcpdiag"
        elif [ $win_rc = 77 ]; then
            echo "windows: skipped: the cross-build's libraries cannot be" \
                 "built here (build-deps.sh said why above)" |
                tee "$logs/windows.skip"
            echo 0 >"$logs/windows.rc"
            echo 0 >"$logs/windows.secs"
        else
            echo "windows: the dependencies did not build (exit $win_rc)" \
                >"$logs/windows.log"
            echo 1 >"$logs/windows.rc"
            echo 0 >"$logs/windows.secs"
        fi ;;
    *)
        echo "run-all.sh: unknown pass '$pass' (normal, asan, none," \
             "windows)" >&2
        exit 2 ;;
    esac
done

# Every pass's summary, then one line over all of them.
status=0 passed=0 failed=0 skipped=0
echo
for pass in $passes; do
    if [ -f "$logs/$pass.skip" ]; then
        echo "== $pass pass: $(cat "$logs/$pass.skip")"
        skipped=$((skipped + 1))
        continue
    fi
    line=$(grep -E 'tests passed, [0-9]+ tests? failed out of' \
           "$logs/$pass.log" | tail -n 1)
    [ -n "$line" ] || line="no ctest summary ($(tail -n 1 "$logs/$pass.log"))"
    echo "== $pass pass ($(cat "$logs/$pass.secs") s): $line"
    grep -E '^[[:space:]]+[0-9]+ - .* \((Failed|Timeout|SEGFAULT|.*Exception|Not Run)\)' \
        "$logs/$pass.log" | sed "s/^/   $pass: /"
    [ "$(cat "$logs/$pass.rc")" = 0 ] || status=1
    total=$(echo "$line" | sed -n 's/.*failed out of \([0-9]*\).*/\1/p')
    nfail=$(echo "$line" | sed -n 's/.* \([0-9]*\) tests\{0,1\} failed out of.*/\1/p')
    nskip=$(grep -cE '^[[:space:]]+[0-9]+ - .* \((Skipped|Disabled)\)' \
            "$logs/$pass.log")
    if [ -n "$total" ] && [ -n "$nfail" ]; then
        passed=$((passed + total - nfail - nskip))
        failed=$((failed + nfail))
        skipped=$((skipped + nskip))
    else
        failed=$((failed + 1))
    fi
done
secs=$(( $(date +%s) - start ))
echo "time: ${secs} s of a ${BUDGET} s budget (2 cores)"
[ "$secs" -le "$BUDGET" ] ||
    echo "warning: the suite ran past its budget; see tests/bench/soak.md"
echo "suite: $passed passed, $failed failed, $skipped skipped"
exit $status

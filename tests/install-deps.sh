#!/bin/sh
# Install what building and testing mcpdiag needs on Debian/Ubuntu:
# compilers, CMake, libpcap, libnet, cJSON, and the tools the tests drive
# (tcpdump, iproute2, iptables, python3, sudo); and for the Windows
# cross-build (platform/windows/): mingw-w64, wine to run it, flex and
# bison for libpcap, and Debian's source packages (deb-src of the same
# archive) that platform/windows/build-deps.sh builds. Safe to run again.
set -eu

PKGS="build-essential cmake pkg-config libpcap-dev libnet1-dev libcjson-dev
      libcurl4-openssl-dev tcpdump iproute2 iptables nftables python3 curl
      clang libclang-rt-14-dev openssl zlib1g-dev libssl-dev chromium valgrind
      sudo socat tinyproxy nginx lsof gcc-mingw-w64-x86-64 wine wine64 flex bison
      dpkg-dev xz-utils libz-mingw-w64-dev"

SUDO=
if [ "$(id -u)" != 0 ]; then
    SUDO=sudo
fi

# deb-src for the archive the binaries come from: the same URIs, suites
# and components (deb822), in a file of its own so the system's is left
# as it is. Written once; apt-get update runs when it is new.
srcfile=/etc/apt/sources.list.d/mcpdiag-deb-src.sources
src_new=
if [ -r /etc/apt/sources.list.d/debian.sources ] && [ ! -e "$srcfile" ]; then
    sed -n 's/^Types:.*\bdeb\b.*$/Types: deb-src/p; /^Types:/!p' \
        /etc/apt/sources.list.d/debian.sources | $SUDO tee "$srcfile" >/dev/null
    src_new=1
fi

missing=
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
        missing="$missing $p"
done
# Node.js and npm (the MCP servers of the tests) may come from Debian or
# from elsewhere with npm bundled; only ask Debian when there is none.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1
then
    missing="$missing nodejs npm"
fi
if [ -z "$missing" ]; then
    [ -z "$src_new" ] || $SUDO apt-get update -qq
    exit 0
fi
echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null

#!/bin/sh
# Install what building and testing mcpdiag needs on Debian/Ubuntu:
# compilers, CMake, libpcap, libnet, cJSON, and the tools the tests drive
# (tcpdump, iproute2, iptables, python3, sudo). Safe to run again.
set -eu

PKGS="build-essential cmake pkg-config libpcap-dev libnet1-dev libcjson-dev
      libcurl4-openssl-dev tcpdump iproute2 iptables nftables python3 curl
      clang libclang-rt-14-dev openssl zlib1g-dev libssl-dev chromium valgrind
      sudo socat tinyproxy nginx lsof"

SUDO=
if [ "$(id -u)" != 0 ]; then
    SUDO=sudo
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
    exit 0
fi
echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null

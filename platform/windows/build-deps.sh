#!/bin/sh
# Cross-build what mcpdiag.exe needs from Debian's own source packages
# (deb-src of the archive the system uses; tests/install-deps.sh enables
# it): libcurl (Schannel TLS, shared), libpcap (PCAP_TYPE=null, a shared
# wpcap-compatible DLL that reads capture files and opens rpcap://
# remote devices; live capture goes through Npcap at run time) and cJSON
# (static). Sources, builds and the install prefix live under DIR (the
# build tree), so a second run only checks that they are there.
#
# It also builds, natively, rpcapd (libpcap's remote capture daemon,
# which Debian does not package) from the same libpcap source into
# DIR/rpcapd/rpcapd: the wine tests capture a namespace's loopback
# through it with the DLL above. Nothing is installed into the system.
#
#   platform/windows/build-deps.sh DIR     -> DIR/prefix
#
# Exit 77 (with the reason) when the mingw-w64 compiler or apt-get source
# is missing: the callers (tests, run-all.sh) skip on it.
set -eu

src=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:?usage: build-deps.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
prefix=$dir/prefix
toolchain=$src/cmake/mingw-w64-x86_64.cmake
jobs=$(nproc 2>/dev/null || echo 2)

skip() { echo "build-deps.sh: skipped: $*" >&2; exit 77; }

command -v x86_64-w64-mingw32-gcc-posix >/dev/null 2>&1 ||
    command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 ||
    skip "no mingw-w64 compiler (gcc-mingw-w64-x86-64; tests/install-deps.sh)"
command -v cmake >/dev/null 2>&1 || skip "no cmake"

# fetch PKG: Debian's source of PKG unpacked once into $dir/src/PKG-*.
fetch() {
    found=$(find "$dir/src" -mindepth 1 -maxdepth 1 -type d -name "$1-*" \
            2>/dev/null | head -n 1)
    if [ -z "$found" ]; then
        command -v apt-get >/dev/null 2>&1 || skip "no apt-get to fetch $1"
        command -v dpkg-source >/dev/null 2>&1 ||
            skip "no dpkg-source (dpkg-dev) to unpack $1"
        mkdir -p "$dir/src"
        (cd "$dir/src" && apt-get source -qq "$1" >/dev/null 2>&1) ||
            skip "apt-get source $1 failed (is deb-src enabled?)"
        found=$(find "$dir/src" -mindepth 1 -maxdepth 1 -type d \
                -name "$1-*" | head -n 1)
    fi
    [ -n "$found" ] || skip "no source tree for $1"
    echo "$found"
}

# build NAME SRCDIR CMAKE_ARGS...: configure, build and install into
# $prefix, unless a stamp says it was done. NAME names the stamp and the
# build directory: a change of flags that must rebuild changes NAME.
build() {
    name=$1 tree=$2
    shift 2
    [ ! -e "$dir/$name.done" ] || return 0
    echo "build-deps.sh: building $name for Windows" >&2
    # From the build tree: libpcap's flex step writes a file named
    # "NUL:" into the current directory when the target is Windows.
    cd "$dir"
    cmake -S "$tree" -B "$dir/build-$name" \
        -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_INSTALL_PREFIX="$prefix" "$@" >"$dir/$name.log" 2>&1 &&
    cmake --build "$dir/build-$name" -j "$jobs" >>"$dir/$name.log" 2>&1 &&
    cmake --install "$dir/build-$name" >>"$dir/$name.log" 2>&1 || {
        tail -n 30 "$dir/$name.log" >&2
        echo "build-deps.sh: $name failed (log: $dir/$name.log)" >&2
        exit 1
    }
    touch "$dir/$name.done"
}

# libpcap with remote capture (plain rpcap://, no TLS: OpenSSL is not
# looked for), so that pcap_open() reaches an rpcapd. The stamp and build
# directory are named for it: a tree built before (libpcap.done, without
# remote capture) builds again, and its install replaces the DLL and
# import library in the prefix.
if [ ! -e "$dir/libpcap-remote.done" ] || [ ! -e "$dir/rpcapd.done" ]; then
    command -v flex >/dev/null 2>&1 && command -v bison >/dev/null 2>&1 ||
        skip "libpcap needs flex and bison (tests/install-deps.sh)"
fi
pcap=$(fetch libpcap)
pcap_common="-DDISABLE_DBUS=ON -DDISABLE_RDMA=ON -DDISABLE_DPDK=ON
    -DDISABLE_BLUETOOTH=ON -DDISABLE_USB=ON -DDISABLE_NETMAP=ON
    -DENABLE_REMOTE=ON -DCMAKE_DISABLE_FIND_PACKAGE_OpenSSL=ON
    -DBUILD_WITH_LIBNL=OFF"
# shellcheck disable=SC2086
build libpcap-remote "$pcap" -DPCAP_TYPE=null -DBUILD_SHARED_LIBS=ON \
    $pcap_common
rm -rf "$dir/libpcap.done" "$dir/build-libpcap" "$dir/libpcap.log"
# The capture of an rpcap:// device needs pcap_open from this DLL.
objdump=x86_64-w64-mingw32-objdump
if command -v "$objdump" >/dev/null 2>&1 &&
   ! "$objdump" -p "$prefix/bin/pcap.dll" | grep -qw pcap_open; then
    rm -f "$dir/libpcap-remote.done"
    echo "build-deps.sh: $prefix/bin/pcap.dll exports no pcap_open" \
         "(log: $dir/libpcap-remote.log)" >&2
    exit 1
fi

# rpcapd for this machine, from the same tree: only its target is built
# (it links libpcap statically) and copied to $dir/rpcapd/rpcapd.
if [ ! -e "$dir/rpcapd.done" ]; then
    echo "build-deps.sh: building rpcapd (native)" >&2
    cd "$dir"
    # shellcheck disable=SC2086
    cmake -S "$pcap" -B "$dir/build-rpcapd" -DCMAKE_BUILD_TYPE=Release \
        $pcap_common >"$dir/rpcapd.log" 2>&1 &&
    cmake --build "$dir/build-rpcapd" -j "$jobs" --target rpcapd \
        >>"$dir/rpcapd.log" 2>&1 &&
    mkdir -p "$dir/rpcapd" &&
    cp "$dir/build-rpcapd/run/rpcapd" "$dir/rpcapd/rpcapd" \
        2>>"$dir/rpcapd.log" || {
        tail -n 30 "$dir/rpcapd.log" >&2
        echo "build-deps.sh: rpcapd failed (log: $dir/rpcapd.log)" >&2
        exit 1
    }
    touch "$dir/rpcapd.done"
fi
cjson=$(fetch cjson)
# C99 printf (not msvcrt's): numbers print as on Linux ("1e+20").
build cjson "$cjson" -DBUILD_SHARED_LIBS=OFF -DENABLE_CJSON_TEST=OFF \
    -DENABLE_CJSON_UTILS=OFF -DENABLE_CUSTOM_COMPILER_FLAGS=OFF \
    -DENABLE_HIDDEN_SYMBOLS=OFF -DCMAKE_C_FLAGS=-D__USE_MINGW_ANSI_STDIO=1
# libcurl for the HTTP/MCP stages of probe: TLS through Windows' own
# Schannel (no OpenSSL to build), HTTP/1.1 only, shared (libcurl.dll).
curl=$(fetch curl)
build curl "$curl" -DBUILD_SHARED_LIBS=ON -DBUILD_CURL_EXE=OFF \
    -DBUILD_TESTING=OFF -DENABLE_MANUAL=OFF -DCURL_USE_SCHANNEL=ON \
    -DCURL_USE_OPENSSL=OFF -DCURL_USE_LIBSSH2=OFF -DCURL_USE_LIBPSL=OFF \
    -DUSE_LIBIDN2=OFF -DUSE_NGHTTP2=OFF -DCURL_ZLIB=OFF \
    -DCURL_BROTLI=OFF -DCURL_ZSTD=OFF -DCURL_DISABLE_LDAP=ON
echo "$prefix"

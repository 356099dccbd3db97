#!/usr/bin/env bash
# mcpdiag performance benchmark.  See tests/bench/README.md.
#
#   tests/bench/run.sh
#
# Environment (all optional):
#   BENCH_BYTES=1G            size of the synthetic capture (k/M/G suffixes)
#   BENCH_SEED=1              generator seed
#   BENCH_CONNECTIONS=N       connections (default: 200000 per GiB)
#   BENCH_RUNS=3              timed runs per tool (the median wall time is kept)
#   BENCH_SKIP_TSHARK=1       leave tshark out
#   BENCH_TSHARK_BYTES=256M   time tshark on a prefix of the capture this big
#   BENCH_TSHARK_RUNS=1       timed runs for tshark
#   BENCH_SKIP_MCPDIAG=1      leave mcpdiag out
#   MCPDIAG=path              mcpdiag binary to time (default: build/mcpdiag;
#                             built with cmake Release if missing)
#   BENCH_RELEASE_BUILD=1     time a Release build made in $BENCH_WORKDIR
#                             instead of build/mcpdiag
#   BENCH_CHECK=0             skip the (untimed) check of mcpdiag's verdict
#                             counts against what the generator produced
#   BENCH_ENFORCE=1           exit 3 when a target is missed
#   BENCH_NO_INSTALL=1        never apt-get install anything
#   BENCH_WORKDIR=dir         binaries and captures (default /tmp/mcpdiag-bench);
#                             a capture is kept and reused while its parameters
#                             and the generator source are unchanged
#   BENCH_OUT=file            where to write the table (default
#                             tests/bench/last-results.md)
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
WORK=${BENCH_WORKDIR:-${TMPDIR:-/tmp}/mcpdiag-bench}
BYTES=${BENCH_BYTES:-1G}
SEED=${BENCH_SEED:-1}
CONNS=${BENCH_CONNECTIONS:-}
RUNS=${BENCH_RUNS:-3}
TSHARK_RUNS=${BENCH_TSHARK_RUNS:-1}
OUT=${BENCH_OUT:-$HERE/last-results.md}

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 2; }

# ----------------------------------------------------------------- tools
need_pkgs=()
command -v cc >/dev/null 2>&1 || need_pkgs+=(gcc)
command -v tcpdump >/dev/null 2>&1 || need_pkgs+=(tcpdump)
[[ -x /usr/bin/time ]] || need_pkgs+=(time)
[[ -f /usr/include/pcap/pcap.h || -f /usr/include/pcap.h ]] || need_pkgs+=(libpcap-dev)
if [[ ${BENCH_SKIP_TSHARK:-0} != 1 ]]; then
	command -v tshark >/dev/null 2>&1 || need_pkgs+=(tshark)
fi
if ((${#need_pkgs[@]})); then
	[[ ${BENCH_NO_INSTALL:-0} == 1 ]] && die "missing: ${need_pkgs[*]} (and BENCH_NO_INSTALL=1)"
	command -v apt-get >/dev/null 2>&1 || die "missing: ${need_pkgs[*]} and no apt-get"
	SUDO=
	[[ $(id -u) == 0 ]] || SUDO=sudo
	log "installing: ${need_pkgs[*]}"
	echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
	# hyperfine is optional; only nice to have for ad-hoc comparisons
	command -v hyperfine >/dev/null 2>&1 ||
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq hyperfine >/dev/null 2>&1 || true
fi

mkdir -p "$WORK/bin"

# --------------------------------------------------------- bench binaries
build_one() { # name extra-libs...
	local name=$1
	shift
	local src=$HERE/$name.c bin=$WORK/bin/$name
	if [[ ! -x $bin || $src -nt $bin ]]; then
		log "cc -O2 $name"
		cc -O2 -Wall -Wextra -Werror -o "$bin.tmp" "$src" "$@"
		mv "$bin.tmp" "$bin"
	fi
}
build_one gen_capture -lm
build_one pcaploop -lpcap
GEN=$WORK/bin/gen_capture
PCAPLOOP=$WORK/bin/pcaploop

# ----------------------------------------------------------------- mcpdiag
MCPDIAG_NOTE=
if [[ ${BENCH_SKIP_MCPDIAG:-0} == 1 ]]; then
	MCPDIAG_BIN=
	MCPDIAG_NOTE="skipped (BENCH_SKIP_MCPDIAG=1)"
elif [[ ${BENCH_RELEASE_BUILD:-0} == 1 ]]; then
	log "building a Release mcpdiag in $WORK/mcpdiag-build"
	if cmake -S "$REPO" -B "$WORK/mcpdiag-build" -DCMAKE_BUILD_TYPE=Release >"$WORK/mcpdiag-build.log" 2>&1 &&
		cmake --build "$WORK/mcpdiag-build" -j2 --target mcpdiag >>"$WORK/mcpdiag-build.log" 2>&1; then
		MCPDIAG_BIN=$WORK/mcpdiag-build/mcpdiag
	else
		MCPDIAG_BIN=
		MCPDIAG_NOTE="Release build failed (see $WORK/mcpdiag-build.log)"
	fi
else
	MCPDIAG_BIN=${MCPDIAG:-$REPO/build/mcpdiag}
	if [[ ! -x $MCPDIAG_BIN && -z ${MCPDIAG:-} ]]; then
		if [[ -f $REPO/CMakeLists.txt ]] && command -v cmake >/dev/null 2>&1; then
			log "build/mcpdiag missing: cmake -S . -B build -DCMAKE_BUILD_TYPE=Release"
			(cd "$REPO" && cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >"$WORK/mcpdiag-build.log" 2>&1 &&
				cmake --build build -j2 >>"$WORK/mcpdiag-build.log" 2>&1) ||
				log "mcpdiag build failed (see $WORK/mcpdiag-build.log)"
		fi
	fi
	if [[ ! -x $MCPDIAG_BIN ]]; then
		MCPDIAG_NOTE="not built: $MCPDIAG_BIN does not exist"
		MCPDIAG_BIN=
	fi
fi
MCPDIAG_BUILD_TYPE=
if [[ -n $MCPDIAG_BIN ]]; then
	cache=$(dirname "$MCPDIAG_BIN")/CMakeCache.txt
	if [[ -f $cache ]]; then
		MCPDIAG_BUILD_TYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$cache")
	fi
	case ${MCPDIAG_BUILD_TYPE:-unknown} in
	Release | RelWithDebInfo | MinSizeRel) ;;
	*) log "warning: $MCPDIAG_BIN is a '${MCPDIAG_BUILD_TYPE:-unknown}' build; numbers may not be representative" \
		"(BENCH_RELEASE_BUILD=1 times a Release build instead)" ;;
	esac
else
	log "mcpdiag row skipped: $MCPDIAG_NOTE"
fi

# ----------------------------------------------------------------- capture
gen_hash=$(cksum <"$HERE/gen_capture.c" | cut -d' ' -f1)
tag="b${BYTES}-s${SEED}${CONNS:+-n$CONNS}-g${gen_hash}"
tag=${tag//[^A-Za-z0-9._-]/_}
CAP=$WORK/capture-$tag.pcap
META=$CAP.json
if [[ -s $CAP && -s $META ]]; then
	log "reusing $CAP"
else
	rm -f "$WORK"/capture-*.pcap "$WORK"/capture-*.pcap.json "$WORK"/capture-*.prefix-*
	args=("$CAP.tmp" --target-bytes "$BYTES" --seed "$SEED" --quiet)
	[[ -n $CONNS ]] && args+=(--connections "$CONNS")
	log "generating $CAP ($BYTES)"
	t0=$EPOCHREALTIME
	"$GEN" "${args[@]}" >"$META.tmp"
	t1=$EPOCHREALTIME
	mv "$CAP.tmp" "$CAP"
	mv "$META.tmp" "$META"
	log "generated in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s"
fi
jget() { grep -o "\"$1\":[0-9.]*" "$META" | head -1 | cut -d: -f2; }
GEN_S=$(jget gen_s)
FILE_BYTES=$(stat -c %s "$CAP")

# Warm-up: one read so that every tool reads from the page cache.
log "warm-up read"
cat "$CAP" >/dev/null

# ----------------------------------------------------------------- timing
# measure NAME RUNS CMD... -> sets M_WALL (median s), M_RSS (max KiB), M_RC
measure() {
	local name=$1 runs=$2
	shift 2
	local walls=() rss=0 i rc t0 t1 r out
	M_RC=0
	for ((i = 0; i < runs; i++)); do
		t0=$EPOCHREALTIME
		set +e
		# Output is discarded, as tcpdump -w /dev/null does: the comparison
		# is of reading and classifying, not of the disk. pcaploop's one
		# line of counts is kept (the packet total comes from it).
		out=/dev/null
		[[ $name == pcaploop ]] && out="$WORK/stdout.txt"
		/usr/bin/time -v -o "$WORK/time.txt" "$@" >"$out" 2>"$WORK/stderr.txt"
		rc=$?
		set -e
		t1=$EPOCHREALTIME
		walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.6f", b-a}')")
		r=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$WORK/time.txt")
		((${r:-0} > rss)) && rss=$r
		if [[ $name == mcpdiag && $rc == 1 ]]; then rc=0; fi # 1 = "problems found"
		if [[ $rc != 0 ]]; then
			M_RC=$rc
			log "$name exited $rc:"
			tail -5 "$WORK/stderr.txt" >&2 || true
			break
		fi
		log "$name run $((i + 1))/$runs: ${walls[-1]} s, $((r / 1024)) MiB"
	done
	M_WALL=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
	M_RSS=$rss
}

rows=()     # "name|command|wall|packets|rss_kib|note"
add_row() { rows+=("$1|$2|$3|$4|$5|$6"); }
FAILED=0

# pcaploop: the baseline; also gives the packet count.
measure pcaploop "$RUNS" "$PCAPLOOP" "$CAP"
[[ $M_RC == 0 ]] || die "pcaploop failed"
PACKETS=$(sed -n 's/^packets=\([0-9]*\).*/\1/p' "$WORK/stdout.txt")
BASE_WALL=$M_WALL
add_row pcaploop "pcaploop F" "$M_WALL" "$PACKETS" "$M_RSS" ""

measure tcpdump "$RUNS" tcpdump -r "$CAP" -w /dev/null
if [[ $M_RC == 0 ]]; then
	add_row tcpdump "tcpdump -r F -w /dev/null" "$M_WALL" "$PACKETS" "$M_RSS" ""
else
	add_row tcpdump "tcpdump -r F -w /dev/null" "" "" "" "FAILED (exit $M_RC)"
	FAILED=1
fi

TSHARK_WALL=
TSHARK_PKTS=
TSHARK_NOTE=
if [[ ${BENCH_SKIP_TSHARK:-0} == 1 ]]; then
	add_row tshark "tshark -r F -q -z conv,tcp" "" "" "" "skipped (BENCH_SKIP_TSHARK=1)"
else
	TCAP=$CAP
	TSHARK_PKTS=$PACKETS
	if [[ -n ${BENCH_TSHARK_BYTES:-} ]]; then
		want=$(awk -v s="$BENCH_TSHARK_BYTES" 'BEGIN{
			n=s+0; u=substr(s, length(n "")+1, 1);
			if (u=="k"||u=="K") n*=1024; else if (u=="m"||u=="M") n*=1048576; else if (u=="g"||u=="G") n*=1073741824;
			printf "%d", n}')
		if ((want < FILE_BYTES)); then
			# first packets of the capture, about BENCH_TSHARK_BYTES long
			TSHARK_PKTS=$(awk -v p="$PACKETS" -v w="$want" -v f="$FILE_BYTES" 'BEGIN{printf "%d", p*w/f}')
			TCAP=$CAP.prefix-$TSHARK_PKTS.pcap
			if [[ ! -s $TCAP ]]; then
				log "writing a $TSHARK_PKTS-packet prefix for tshark"
				tcpdump -r "$CAP" -c "$TSHARK_PKTS" -w "$TCAP.tmp" 2>/dev/null
				mv "$TCAP.tmp" "$TCAP"
			fi
			cat "$TCAP" >/dev/null
			TSHARK_NOTE="first $TSHARK_PKTS packets ($(awk -v b="$(stat -c %s "$TCAP")" 'BEGIN{printf "%.0f", b/1048576}') MiB)"
		fi
	fi
	measure tshark "$TSHARK_RUNS" tshark -r "$TCAP" -q -z conv,tcp
	if [[ $M_RC == 0 ]]; then
		TSHARK_WALL=$M_WALL
		add_row tshark "tshark -r F -q -z conv,tcp" "$M_WALL" "$TSHARK_PKTS" "$M_RSS" "$TSHARK_NOTE"
	else
		add_row tshark "tshark -r F -q -z conv,tcp" "" "" "" "FAILED (exit $M_RC)"
		FAILED=1
	fi
fi

MC_WALL=
MC_RSS=
if [[ -n $MCPDIAG_BIN ]]; then
	measure mcpdiag "$RUNS" "$MCPDIAG_BIN" analyze "$CAP" --jsonl
	note=${MCPDIAG_BUILD_TYPE:+$MCPDIAG_BUILD_TYPE build}
	if [[ $M_RC == 0 ]]; then
		MC_WALL=$M_WALL
		MC_RSS=$M_RSS
		add_row mcpdiag "mcpdiag analyze F --jsonl" "$M_WALL" "$PACKETS" "$M_RSS" "$note"
	else
		add_row mcpdiag "mcpdiag analyze F --jsonl" "" "" "" "FAILED (exit $M_RC)"
		FAILED=1
	fi
else
	add_row mcpdiag "mcpdiag analyze F --jsonl" "" "" "" "$MCPDIAG_NOTE"
fi
rm -f "$WORK/stdout.txt" # the timed runs' stdout went here (mcpdiag's JSONL can be big)

# ----------------------------------------------------------------- report
BASE_PPS=$(awk -v p="$PACKETS" -v w="$BASE_WALL" 'BEGIN{printf "%.6f", p/w}')
fmt_row() {
	local IFS='|'
	local name cmd wall pk rss note
	read -r name cmd wall pk rss note <<<"$1"
	if [[ -z $wall ]]; then
		printf '| %s | `%s` | – | – | – | – | %s |\n' "$name" "$cmd" "$note"
		return
	fi
	awk -v n="$name" -v c="$cmd" -v w="$wall" -v p="$pk" -v r="$rss" -v note="$note" -v bp="$BASE_PPS" 'BEGIN{
		pps = p / w
		printf "| %s | `%s` | %.3f | %.2f M | %.1f | %.2fx | %s |\n", n, c, w, pps/1e6, r/1024, bp/pps, note }'
}

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
{
	echo "## mcpdiag benchmark — $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	awk -v b="$FILE_BYTES" -v p="$PACKETS" -v g="$GEN_S" -v s="$SEED" -v n="$(jget connections)" 'BEGIN{
		printf "Capture: %.2f GiB, %d packets, %d connections (gen_capture seed %s, generated in %.1f s).\n", b/1073741824, p, n, s, g }'
	echo "Machine: $(nproc) cores, ${cpu:-unknown CPU}, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM; file in page cache."
	echo "Wall time is the median of $RUNS runs (tshark: $TSHARK_RUNS); peak RSS is the largest of them."
	echo
	echo "| tool | command | wall (s) | packets/s | peak RSS (MiB) | vs pcaploop | note |"
	echo "|---|---|---:|---:|---:|---:|---|"
	for r in "${rows[@]}"; do fmt_row "$r"; done
	echo
	echo "\"vs pcaploop\" is time per packet relative to the bare libpcap loop (= wall-time ratio on the same file)."
	if [[ -n $MC_WALL ]]; then
		echo
		echo "Targets:"
		awk -v w="$MC_WALL" -v bw="$BASE_WALL" -v r="$MC_RSS" -v tw="$TSHARK_WALL" -v tp="$TSHARK_PKTS" -v p="$PACKETS" 'BEGIN{
			ratio = w / bw
			printf "- wall time within 2x of pcaploop: %.2fx — %s\n", ratio, (ratio <= 2 ? "met" : "MISSED")
			printf "- peak RSS under 64 MiB: %.1f MiB — %s\n", r/1024, (r < 65536 ? "met" : "MISSED")
			if (tw != "") {
				sp = (tw / tp) / (w / p)
				printf "- ~50x faster than tshark (per packet): %.1fx — %s\n", sp, (sp >= 50 ? "met" : "MISSED")
			} else print "- ~50x faster than tshark: not measured"
		}'
	fi
} >"$WORK/results.md"

# Untimed check: mcpdiag's verdict counts against what the generator made.
if [[ -n $MC_WALL && ${BENCH_CHECK:-1} != 0 ]]; then
	log "checking mcpdiag's verdicts (untimed run)"
	set +e
	"$MCPDIAG_BIN" analyze "$CAP" --jsonl 2>/dev/null | grep -o '"verdict":"[A-Z_]*"' | sort | uniq -c >"$WORK/verdicts.txt"
	set -e
	{
		echo
		echo "Verdicts (generator's expectation vs mcpdiag):"
		echo
		echo "| verdict | expected | mcpdiag |"
		echo "|---|---:|---:|"
		mism=0
		for v in CLOSED ESTABLISHED REFUSED TIMEOUT UNREACHABLE RESET HALF_OPEN PARTIAL; do
			e=$(grep -o "\"$v\":[0-9]*" "$META" | cut -d: -f2)
			g=$(awk -v v="\"verdict\":\"$v\"" '$2==v{print $1}' "$WORK/verdicts.txt")
			[[ ${e:-0} == "${g:-0}" ]] || mism=1
			echo "| $v | ${e:-0} | ${g:-0} |"
		done
		other=$(awk '$2 !~ /"(CLOSED|ESTABLISHED|REFUSED|TIMEOUT|UNREACHABLE|RESET|HALF_OPEN|PARTIAL)"$/{s+=$1} END{print s+0}' "$WORK/verdicts.txt")
		((other == 0)) || { echo "| (other) | 0 | $other |"; mism=1; }
		echo
		((mism == 0)) && echo "All verdict counts match." || echo "Verdict counts DIFFER from the generator's."
	} >>"$WORK/results.md"
fi

# Also a results file for this run to keep, and print it.
cp "$WORK/results.md" "$OUT"
cat "$OUT"

if ((FAILED)); then
	exit 1
fi
if [[ ${BENCH_ENFORCE:-0} == 1 ]] && grep -q 'MISSED\|DIFFER' "$OUT"; then
	exit 3
fi
exit 0

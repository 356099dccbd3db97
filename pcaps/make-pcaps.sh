#!/usr/bin/env bash
# make-pcaps.sh - regenerate the mcpdiag golden captures from REAL traffic.
#
# Every scenario runs in fresh network namespaces (mcpd-gold-<pid>-<n>) created here and
# deleted afterwards; traffic uses 127.0.0.1 / ::1 inside one netns, or 192.0.2.0/24
# between namespaces (VLAN cases).  tcpdump captures inside the netns; small python3
# (stdlib) servers/clients make the traffic.  Then reencode.py writes the other link
# types / file formats, every file gets NAME.expect.json (verdicts written by hand below,
# client ports filled in from the capture and cross-checked) and NAME.txt
# (tcpdump -nn -tt -r).  Run as root; re-runnable; leaves no netns, rules or processes.
#
# usage: sudo ./make-pcaps.sh           (writes into the directory of this script)
#        sudo ./make-pcaps.sh causes    (only the "causes above TCP" section; keeps the rest)
set -euo pipefail
OUT=$(cd "$(dirname "$0")" && pwd)
export LC_ALL=C TZ=UTC
write_helpers_gold_py() {
cat > "$WORK/gold.py" <<'PY'
# helper for make-pcaps.sh: tiny socket servers / clients (python3 stdlib only)
import os, sys, socket, struct, time
import http.server

def fam(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET

def touch(path):
    with open(path, "w"):
        pass

def wait_file(path, limit=10.0):
    end = time.time() + limit
    while not os.path.exists(path):
        if time.time() > end:
            sys.exit("timeout waiting for " + path)
        time.sleep(0.01)

def listener(addr, port, backlog=8):
    s = socket.socket(fam(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(backlog)
    return s

def recv_until(c, marker, limit=65536):
    buf = b""
    while marker not in buf and len(buf) < limit:
        d = c.recv(4096)
        if not d:
            break
        buf += d
    return buf

def linger0(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

def cmd_connect(addr, port, timeout="2.5"):
    """one connect attempt; report the outcome, never fail"""
    s = socket.socket(fam(addr), socket.SOCK_STREAM)
    s.settimeout(float(timeout))
    try:
        s.connect((addr, int(port)))
        print("connect: connected (unexpected)")
    except Exception as e:
        print("connect:", type(e).__name__, e)
    s.close()

def cmd_http_server(addr, port, count, ready):
    """python http.server answering COUNT requests with HTTP/1.1 200 + Content-Length"""
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def do_GET(self):
            body = b'{"status":"ok"}\n'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True
        def log_message(self, *a):
            pass
    class S(http.server.HTTPServer):
        address_family = fam(addr)
    srv = S((addr, int(port)), H)
    touch(ready)
    for _ in range(int(count)):
        srv.handle_request()
    srv.server_close()

def cmd_http_get(addr, port, path="/"):
    """plain python HTTP/1.1 client; reads to EOF then closes (normal FIN)"""
    s = socket.create_connection((addr, int(port)), timeout=3)
    host = "[%s]" % addr if ":" in addr else addr
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: mcpdiag-gold\r\n"
               "Accept: */*\r\n\r\n" % (path, host, port)).encode())
    data = b""
    while True:
        d = s.recv(4096)
        if not d:
            break
        data += d
    s.close()
    print(data.split(b"\r\n", 1)[0].decode())

def cmd_sse_server(addr, port, ready):
    """answers one GET /sse (or POST /mcp) with an open text/event-stream"""
    ls = listener(addr, int(port))
    touch(ready)
    c, _ = ls.accept()
    req = recv_until(c, b"\r\n\r\n")
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
              b"Cache-Control: no-cache\r\nConnection: keep-alive\r\n\r\n")
    c.sendall(b"event: endpoint\r\ndata: /messages?session_id=4f2a9c1e\r\n\r\n")
    time.sleep(3600)   # keep the stream open; killed by the script

def cmd_sse_client(addr, port, ready):
    s = socket.create_connection((addr, int(port)), timeout=5)
    s.sendall(b"GET /sse HTTP/1.1\r\nHost: %s:%s\r\nAccept: text/event-stream\r\n\r\n"
              % (addr.encode(), port.encode()))
    recv_until(s, b"event: endpoint")
    touch(ready)
    time.sleep(3600)   # stay connected; killed by the script

def cmd_reset_server(addr, port, ready):
    """accept, read the request, answer nothing, close with SO_LINGER {1,0} -> RST"""
    ls = listener(addr, int(port))
    touch(ready)
    c, _ = ls.accept()
    recv_until(c, b"\r\n\r\n")
    linger0(c)
    c.close()
    ls.close()

def cmd_request_wait(addr, port):
    """client for reset-server: send a request and wait for the answer (gets ECONNRESET)"""
    s = socket.create_connection((addr, int(port)), timeout=3)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    try:
        print("got", s.recv(4096))
    except Exception as e:
        print("client:", type(e).__name__, e)
    s.close()

def cmd_pong_server(addr, port, ready):
    """accept, answer PING with PONG, then read until EOF/RST"""
    ls = listener(addr, int(port))
    touch(ready)
    c, _ = ls.accept()
    recv_until(c, b"\n")
    c.sendall(b"PONG\n")
    try:
        while c.recv(4096):
            pass
    except Exception as e:
        print("server:", type(e).__name__, e)
    c.close()
    ls.close()

def cmd_reset_client(addr, port):
    """connect, PING, read PONG, close with SO_LINGER {1,0} -> RST from client"""
    s = socket.create_connection((addr, int(port)), timeout=3)
    s.sendall(b"PING\n")
    recv_until(s, b"\n")
    time.sleep(0.05)
    linger0(s)
    s.close()

def cmd_echo_server(addr, port, ready):
    """line echo; closes after the peer closes"""
    ls = listener(addr, int(port))
    touch(ready)
    c, _ = ls.accept()
    while True:
        d = c.recv(4096)
        if not d:
            break
        c.sendall(d)
    c.close()
    ls.close()

def cmd_partial_client(addr, port, ready, go):
    """exchange data, signal READY, wait for GO (tcpdump running), exchange more, FIN"""
    s = socket.create_connection((addr, int(port)), timeout=5)
    for i in range(3):
        s.sendall(b"before-capture %d\n" % i)
        recv_until(s, b"\n")
    touch(ready)
    wait_file(go)
    for i in range(3):
        s.sendall(b"during-capture %d\n" % i)
        recv_until(s, b"\n")
        time.sleep(0.02)
    s.shutdown(socket.SHUT_WR)
    while s.recv(4096):
        pass
    s.close()

def csum(data):
    if len(data) % 2:
        data += b"\0"
    t = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while t >> 16:
        t = (t & 0xFFFF) + (t >> 16)
    return (~t) & 0xFFFF

def cmd_raw_syn(src, dst, sport, dport):
    """hand-built IPv4+TCP SYN sent through an IPPROTO_RAW (IP_HDRINCL) socket"""
    sport, dport = int(sport), int(dport)
    s_ip, d_ip = socket.inet_aton(src), socket.inet_aton(dst)
    seq = 0x11223344
    # TCP header with MSS option (20 + 4 bytes)
    opts = struct.pack("!BBH", 2, 4, 1460)
    off = (20 + len(opts)) // 4
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, off << 4, 0x02, 64240, 0, 0) + opts
    pseudo = s_ip + d_ip + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0x4242, 0x4000, 64,
                     socket.IPPROTO_TCP, 0, s_ip, d_ip)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    r.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    r.sendto(ip + tcp, (dst, 0))
    r.close()

def cmd_keepalive_server(addr, port, ready):
    """answers one request with 200 + Content-Length and keeps the connection open"""
    ls = listener(addr, int(port))
    touch(ready)
    c, _ = ls.accept()
    recv_until(c, b"\r\n\r\n")
    body = b'{"jsonrpc":"2.0","id":1,"result":{}}'
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n" % len(body) + body)
    try:
        while c.recv(4096):
            pass
    except Exception as e:
        print("server:", type(e).__name__, e)
    c.close()
    ls.close()

def cmd_abortive_client(addr, port):
    """POST, read the whole response (Content-Length), then close with RST
    (SO_LINGER {1,0}), as an HTTP client pool does when it drops a connection"""
    s = socket.create_connection((addr, int(port)), timeout=3)
    s.sendall(b"POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: 2\r\n\r\n{}")
    buf = recv_until(s, b"\r\n\r\n")
    head, _, body = buf.partition(b"\r\n\r\n")
    n = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0])
    while len(body) < n:
        body += s.recv(4096)
    linger0(s)
    s.close()

def cmd_stale_server(addr, port, ready):
    """accepts connections and keeps them (the server side of a stale connection)"""
    ls = listener(addr, int(port))
    touch(ready)
    keep = []
    while True:
        c, _ = ls.accept()
        keep.append(c)

def cmd_stale_client(addr, port, sport, step):
    """step 1: connect from SPORT and vanish (its RST is dropped by the script's
    OUTPUT rule), leaving the server's end ESTABLISHED; step 2: connect again
    from SPORT: the server answers the SYN with a challenge ACK (RFC 5961), the
    client's kernel answers that with RST; give up before the SYN is retried"""
    s = socket.socket(fam(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(sport)))
    s.settimeout(0.5 if step == "2" else 3)
    try:
        s.connect((addr, int(port)))
        print("connect: connected")
    except Exception as e:
        print("connect:", type(e).__name__, e)
    if step == "1":
        linger0(s)
    s.close()

def cmd_listen(addr, port, ready):
    """plain listener that never accepts (kernel does the handshake)"""
    ls = listener(addr, int(port))
    touch(ready)
    time.sleep(3600)

if __name__ == "__main__":
    fn = globals()["cmd_" + sys.argv[1].replace("-", "_")]
    fn(*sys.argv[2:])
PY
}
write_helpers_relay_py() {
cat > "$WORK/relay.py" <<'PY'
# userspace 802.1Q / 802.1ad tagger (the kernel here has no CONFIG_VLAN_8021Q):
#   tapc (client netns) <-> [push tags] wa ==veth== wb [pop tags] <-> taps (server netns)
# usage: relay.py TAGS READYFILE   TAGS = "100" (802.1Q) or "10:20" (802.1ad 10 outer, 802.1Q 20 inner)
import os, sys, socket, struct, fcntl, select
TUNSETIFF, IFF_TAP, IFF_NO_PI = 0x400454ca, 0x0002, 0x1000
ETH_P_ALL, PACKET_OUTGOING = 0x0003, 4

def tap(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI))
    return fd

def pkt(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((ifname, 0))
    return s

ids = [int(x) for x in sys.argv[1].split(":")]
tpids = [0x8100] if len(ids) == 1 else [0x88A8, 0x8100]
tags = b"".join(struct.pack("!HH", t, v) for t, v in zip(tpids, ids))

def push(f):
    return f[:12] + tags + f[12:]

def pop(f):
    while len(f) >= 18 and f[12:14] in (b"\x81\x00", b"\x88\xa8"):
        f = f[:12] + f[16:]
    return f

tc, ts = tap("tapc"), tap("taps")
wa, wb = pkt("wa"), pkt("wb")
open(sys.argv[2], "w").close()
while True:
    r, _, _ = select.select([tc, ts, wa, wb], [], [])
    for x in r:
        try:
            if x == tc:
                wa.send(push(os.read(tc, 65536)))
            elif x == ts:
                wb.send(push(os.read(ts, 65536)))
            else:
                data, addr = x.recvfrom(65536)
                if addr[2] == PACKET_OUTGOING:
                    continue
                os.write(tc if x is wa else ts, pop(data))
        except OSError:
            pass
PY
}
write_helpers_expect_py() {
cat > "$WORK/expect.py" <<'PY'
# writes NAME.expect.json from a hand-written scenario SPEC (verdicts are NOT computed here).
# It only fills in the client address/port seen in the capture and aborts if the packets
# do not show what the SPEC claims (independent cross-check, pcap parsed with stdlib).
# usage: expect.py FILE.pcap 'SPEC-JSON'
import sys, json, struct, socket

def read_pcap(path):
    b = open(path, "rb").read()
    magic = b[:4]
    e = {b"\xd4\xc3\xb2\xa1": "<", b"\x4d\x3c\xb2\xa1": "<",
         b"\xa1\xb2\xc3\xd4": ">", b"\xa1\xb2\x3c\x4d": ">"}[magic]
    lt = struct.unpack(e + "I", b[20:24])[0] & 0x0FFFFFFF
    off, out = 24, []
    while off + 16 <= len(b):
        _, _, incl, _ = struct.unpack(e + "IIII", b[off:off + 16])
        out.append(b[off + 16:off + 16 + incl])
        off += 16 + incl
    return lt, out

def l3(lt, f):
    if lt == 1:
        et, o = struct.unpack("!H", f[12:14])[0], 14
        while et in (0x8100, 0x88A8):
            et, o = struct.unpack("!H", f[o + 2:o + 4])[0], o + 4
    elif lt == 113:
        et, o = struct.unpack("!H", f[14:16])[0], 16
    elif lt == 276:
        et, o = struct.unpack("!H", f[0:2])[0], 20
    else:
        raise SystemExit("linktype %d not handled" % lt)
    return et, f[o:]

def parse_ip(p):
    """-> (ver, src, dst, proto, l4bytes)"""
    if p[0] >> 4 == 4:
        hl = (p[0] & 15) * 4
        tot = struct.unpack("!H", p[2:4])[0]
        return 4, socket.inet_ntop(socket.AF_INET, p[12:16]), socket.inet_ntop(socket.AF_INET, p[16:20]), p[9], p[hl:tot]
    plen = struct.unpack("!H", p[4:6])[0]
    return 6, socket.inet_ntop(socket.AF_INET6, p[8:24]), socket.inet_ntop(socket.AF_INET6, p[24:40]), p[6], p[40:40 + plen]

def main():
    path, spec = sys.argv[1], json.loads(sys.argv[2])
    lt, frames = read_pcap(path)
    conns, order, gen = {}, [], {}
    def conn(a, ap, b, bp, syn=False):
        t = frozenset([(a, ap), (b, bp)])
        # a SYN after a RST on the same 4-tuple starts a new connection
        if syn and (t, gen.get(t, 0)) in conns and \
                any(x[0] == "tcp" and x[2] & 0x04 for x in conns[(t, gen[t])]["pk"]):
            gen[t] += 1
        k = (t, gen.setdefault(t, 0))
        if k not in conns:
            conns[k] = {"pk": []}
            order.append(k)
        return conns[k]
    for f in frames:
        et, p = l3(lt, f)
        if et not in (0x0800, 0x86DD):
            continue
        v, s, d, proto, l4 = parse_ip(p)
        if proto == 6:
            sp, dp, _, _, offf, fl = struct.unpack("!HHIIBB", l4[:14])
            pay = len(l4) - (offf >> 4) * 4
            conn(s, sp, d, dp, fl & 0x12 == 0x02)["pk"].append(("tcp", (s, sp), fl, pay))
        elif (v, proto) in ((4, 1), (6, 58)):
            t, c = l4[0], l4[1]
            if (v == 4 and t != 3) or (v == 6 and t != 1):
                continue
            _, qs, qd, qp, ql4 = parse_ip(l4[8:])
            assert qp == 6
            qsp, qdp = struct.unpack("!HH", ql4[:4])
            conn(qs, qsp, qd, qdp)["pk"].append(("icmp", s, t, c))
    assert len(order) == len(spec), "%s: %d connections in capture, spec has %d" % (path, len(order), len(spec))
    out = []
    for k, sp in zip(order, spec):
        pk = conns[k]["pk"]
        srv = (sp["server"]["addr"], sp["server"]["port"])
        assert srv in k[0], (path, srv, k)
        cli = [e for e in k[0] if e != srv][0]
        tcp = [x for x in pk if x[0] == "tcp"]
        fromc = lambda x: x[1] == cli
        syns = [x for x in tcp if fromc(x) and x[2] & 0x12 == 0x02]
        synack = [i for i, x in enumerate(tcp) if not fromc(x) and x[2] & 0x12 == 0x12]
        rsts = [x for x in tcp if x[2] & 0x04]
        icmp = [x for x in pk if x[0] == "icmp"]
        if syns:
            assert tcp[0] in syns, "first packet must be the client's SYN"
        hs = bool(synack) and any(fromc(x) and x[2] & 0x10 and not x[2] & 0x06 for x in tcp[synack[0]:])
        if not syns:
            v = "PARTIAL"
        elif synack and not hs:
            v = "HALF_OPEN"
        elif hs and rsts:
            v = "RESET"
        elif hs and any(x[2] & 0x01 for x in tcp):
            v = "CLOSED"
        elif hs:
            v = "ESTABLISHED"
        elif any(not fromc(x) and x[2] & 0x17 == 0x10 for x in tcp) and \
                any(fromc(x) for x in rsts):
            v = "HALF_OPEN"     # a bare ACK answered the SYN; the client reset
        elif any(not fromc(x) for x in rsts):
            v = "REFUSED"
        elif icmp:
            v = "UNREACHABLE"
        else:
            v = "TIMEOUT"
        assert v == sp["verdict"], "%s: capture shows %s, spec says %s" % (path, v, sp["verdict"])
        if "syn_count" in sp:
            assert len(syns) == sp["syn_count"], (path, "syn_count", len(syns), sp["syn_count"])
        if "reset_by" in sp:
            first = [x for x in tcp[(synack or [0])[0]:] if x[2] & 0x04][0]
            assert ("client" if fromc(first) else "server") == sp["reset_by"], (path, "reset_by")
        if "icmp" in sp:
            i = icmp[0]
            assert (i[2], i[3], i[1]) == (sp["icmp"]["type"], sp["icmp"]["code"], sp["icmp"]["from"]), (path, i)
        if "no_response" in sp:
            nr = sum(x[3] for x in tcp if fromc(x)) > 0 and sum(x[3] for x in tcp if not fromc(x)) == 0
            assert nr == sp["no_response"], (path, "no_response", nr)
        e = {"verdict": sp["verdict"], "client": {"addr": cli[0], "port": cli[1]}, "server": sp["server"]}
        for key in ("syn_count", "reset_by", "icmp", "no_response", "abortive_close"):
            if key in sp:
                e[key] = sp[key]
        out.append(e)
    verdicts = {}
    for e in out:
        verdicts[e["verdict"]] = verdicts.get(e["verdict"], 0) + 1
    # "fails": a hand-written reason why a connection healthy at the TCP level
    # failed above it (TLS, not HTTP, an HTTP error): the exit status is 1
    ok = all(e["verdict"] in ("ESTABLISHED", "CLOSED") or e.get("abortive_close")
             for e in out) and not any(sp.get("fails") for sp in spec)
    text = '{\n  "args": ["--port", "3000"],\n  "exit": %d,\n  "summary": %s,\n  "connections": [\n%s\n  ]\n}\n' % (
        0 if ok else 1, json.dumps({"connections": len(out), "verdicts": verdicts}),
        ",\n".join("    " + json.dumps(e) for e in out))
    json.loads(text)
    with open(path.rsplit(".", 1)[0] + ".expect.json", "w") as fh:
        fh.write(text)
    print("%-28s %s" % (path.rsplit("/", 1)[-1], " ".join(e["verdict"] for e in out)))

main()
PY
}
# ---------------------------------------------------------------- plumbing
need() { command -v "$1" >/dev/null || { echo "missing $1" >&2; exit 1; }; }
for t in ip tcpdump iptables ip6tables nft python3 curl openssl socat tinyproxy ss; do need "$t"; done
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }

TAG="mcpd-gold-$$"
WORK=$(mktemp -d /tmp/mcpd-gold.XXXXXX)
NSS=()          # namespaces we created
PIDS=()         # background processes we started
TD_PID=""
N=0

cleanup() {
    set +e
    local p ns
    [ -n "$TD_PID" ] && kill -INT "$TD_PID" 2>/dev/null && wait "$TD_PID" 2>/dev/null
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    for ns in "${NSS[@]}"; do ip netns del "$ns" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

newns() {               # sets NS to a fresh namespace with lo up
    N=$((N + 1))
    NS="$TAG-$N"
    ip netns add "$NS"
    NSS+=("$NS")
    ip -n "$NS" link set lo up
    # classic exponential SYN backoff (1 s, 3 s, ...): recent kernels default to 4 linear
    # 1 s retransmissions (net.ipv4.tcp_syn_linear_timeouts), which would give 3 SYNs in 2.5 s
    ip netns exec "$NS" sysctl -qw net.ipv4.tcp_syn_linear_timeouts=0 2>/dev/null || true
}
delns() {               # delns NS...: delete now (and forget them for the trap)
    local ns keep=() x
    for ns in "$@"; do ip netns del "$ns"; done
    for x in "${NSS[@]}"; do [[ " $* " == *" $x "* ]] || keep+=("$x"); done
    NSS=("${keep[@]}")
}

py()   { local ns=$1; shift; ip netns exec "$ns" python3 "$WORK/gold.py" "$@"; }
bgpy() { local ns=$1; shift; ip netns exec "$ns" python3 "$WORK/gold.py" "$@" & BG=$!; PIDS+=("$BG"); }
waitfile() {            # waitfile FILE: poll up to 10 s
    local i
    for i in $(seq 1 1000); do [ -e "$1" ] && return 0; sleep 0.01; done
    echo "timeout waiting for $1" >&2; exit 1
}
stop() { local p; for p in "$@"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }

FILTER='tcp port 3000 or icmp or icmp6'
cap_start() {           # cap_start NS FILE [tcpdump options, default: -i lo] [-- filter]
    local ns=$1 file=$2 i; shift 2
    local opts=() filter=$FILTER
    while [ $# -gt 0 ]; do
        if [ "$1" = "--" ]; then filter=$2; break; fi
        opts+=("$1"); shift
    done
    [ ${#opts[@]} -eq 0 ] && opts=(-i lo)
    rm -f "$OUT/$file"
    : > "$WORK/td.err"
    ip netns exec "$ns" tcpdump -Z root -U --immediate-mode -s 262144 "${opts[@]}" -w "$OUT/$file" "$filter" 2>"$WORK/td.err" &
    TD_PID=$!
    for i in $(seq 1 500); do
        grep -q "listening on" "$WORK/td.err" && return 0
        kill -0 "$TD_PID" 2>/dev/null || break
        sleep 0.01
    done
    cat "$WORK/td.err" >&2; echo "tcpdump did not start" >&2; exit 1
}
cap_stop() {
    sleep 0.3
    kill -INT "$TD_PID"; wait "$TD_PID" || true
    TD_PID=""
}
expect() {              # expect FILE 'SPEC-JSON'
    python3 "$WORK/expect.py" "$OUT/$1" "$2"
}
CURL=(curl --noproxy '*' -sS --max-time 3 -o /dev/null -w '%{http_code}\n')
S4='{"addr": "127.0.0.1", "port": 3000}'
S6='{"addr": "::1", "port": 3000}'
SVJ='{"addr": "192.0.2.2", "port": 3000}'

write_helpers_gold_py; write_helpers_relay_py; write_helpers_expect_py
ONLY=${1:-}
CAUSES="tls-untrusted http-to-tls echo-http proxy-403 answer-rejected abortive-close"
if [ -z "$ONLY" ]; then
# everything below is regenerated: drop the previous run's outputs first
rm -f "$OUT"/*.pcap "$OUT"/*.pcapng "$OUT"/*.expect.json "$OUT"/*.txt
else
    for b in $CAUSES; do rm -f "$OUT/$b".*; done
fi

if [ -z "$ONLY" ]; then
# ---------------------------------------------------------------- scenarios
# refused-v4 / refused-v6: nothing listens on 3000, kernel answers SYN with RST|ACK
for v in 4 6; do
    a=127.0.0.1; s=$S4; [ $v = 6 ] && { a=::1; s=$S6; }
    newns; cap_start "$NS" refused-v$v.pcap
    py "$NS" connect "$a" 3000 1
    cap_stop; delns "$NS"
    expect refused-v$v.pcap "[{\"verdict\": \"REFUSED\", \"server\": $s, \"syn_count\": 1}]"
done

# drop-v4: no listener; INPUT DROP; client connect timeout 2.5 s -> SYN + 1 retransmission
newns
ip netns exec "$NS" iptables -A INPUT -p tcp --dport 3000 -j DROP
cap_start "$NS" drop-v4.pcap
py "$NS" connect 127.0.0.1 3000 2.5
cap_stop; delns "$NS"
expect drop-v4.pcap "[{\"verdict\": \"TIMEOUT\", \"server\": $S4, \"syn_count\": 2}]"

# iptables / ip6tables REJECT variants (no listener needed; REJECT answers first)
reject() {              # reject FILE CMD ADDR SPEC-EXTRA  REJECT-ARGS...
    local file=$1 cmd=$2 addr=$3 extra=$4; shift 4
    newns
    ip netns exec "$NS" "$cmd" -A INPUT -p tcp --dport 3000 -j REJECT "$@"
    cap_start "$NS" "$file"
    # 0.5 s: Linux (6.x here) does not abort connect() on the ICMPv6 error, the SYN
    # would be retransmitted after 1 s; keep exactly one SYN in every REJECT capture
    py "$NS" connect "$addr" 3000 0.5
    cap_stop; delns "$NS"
    expect "$file" "[$extra]"
}
reject reject-icmp-port-v4.pcap iptables 127.0.0.1 \
    "{\"verdict\": \"UNREACHABLE\", \"server\": $S4, \"syn_count\": 1, \"icmp\": {\"type\": 3, \"code\": 3, \"from\": \"127.0.0.1\"}}"
reject reject-icmp-admin-v4.pcap iptables 127.0.0.1 \
    "{\"verdict\": \"UNREACHABLE\", \"server\": $S4, \"syn_count\": 1, \"icmp\": {\"type\": 3, \"code\": 13, \"from\": \"127.0.0.1\"}}" \
    --reject-with icmp-admin-prohibited
reject reject-icmp6-port.pcap ip6tables ::1 \
    "{\"verdict\": \"UNREACHABLE\", \"server\": $S6, \"syn_count\": 1, \"icmp\": {\"type\": 1, \"code\": 4, \"from\": \"::1\"}}" \
    --reject-with icmp6-port-unreachable
reject reject-icmp6-admin.pcap ip6tables ::1 \
    "{\"verdict\": \"UNREACHABLE\", \"server\": $S6, \"syn_count\": 1, \"icmp\": {\"type\": 1, \"code\": 1, \"from\": \"::1\"}}" \
    --reject-with icmp6-adm-prohibited
reject reject-tcp-reset.pcap iptables 127.0.0.1 \
    "{\"verdict\": \"REFUSED\", \"server\": $S4, \"syn_count\": 1}" \
    --reject-with tcp-reset

# reset-by-server: server reads the request, answers nothing, SO_LINGER {1,0} close
newns
bgpy "$NS" reset-server 127.0.0.1 3000 "$WORK/r1"; srv=$BG; waitfile "$WORK/r1"
cap_start "$NS" reset-by-server.pcap
py "$NS" request-wait 127.0.0.1 3000
stop "$srv"; cap_stop; delns "$NS"
expect reset-by-server.pcap "[{\"verdict\": \"RESET\", \"server\": $S4, \"syn_count\": 1, \"reset_by\": \"server\", \"no_response\": true}]"

# reset-by-client: PING -> PONG, then client closes with SO_LINGER {1,0}
newns
bgpy "$NS" pong-server 127.0.0.1 3000 "$WORK/r2"; srv=$BG; waitfile "$WORK/r2"
cap_start "$NS" reset-by-client.pcap
py "$NS" reset-client 127.0.0.1 3000
wait "$srv" || true; cap_stop; delns "$NS"
expect reset-by-client.pcap "[{\"verdict\": \"RESET\", \"server\": $S4, \"syn_count\": 1, \"reset_by\": \"client\", \"no_response\": false}]"

# closed-http (+ nanosecond variant): python http.server (HTTP/1.1, Content-Length,
# Connection: close) and curl; normal FIN close
closed_http() {         # closed_http FILE ADDR URL [tcpdump opts]
    local file=$1 addr=$2 url=$3; shift 3
    newns
    bgpy "$NS" http-server "$addr" 3000 1 "$WORK/h-$file"; srv=$BG; waitfile "$WORK/h-$file"
    cap_start "$NS" "$file" "$@"
    ip netns exec "$NS" "${CURL[@]}" "$url"
    wait "$srv" || true; cap_stop; delns "$NS"
}
closed_http closed-http.pcap 127.0.0.1 http://127.0.0.1:3000/
expect closed-http.pcap "[{\"verdict\": \"CLOSED\", \"server\": $S4, \"syn_count\": 1, \"no_response\": false}]"
closed_http closed-http-nano.pcap 127.0.0.1 http://127.0.0.1:3000/ -i lo --time-stamp-precision=nano
expect closed-http-nano.pcap "[{\"verdict\": \"CLOSED\", \"server\": $S4, \"syn_count\": 1, \"no_response\": false}]"
closed_http closed-v6.pcap ::1 'http://[::1]:3000/'
expect closed-v6.pcap "[{\"verdict\": \"CLOSED\", \"server\": $S6, \"syn_count\": 1, \"no_response\": false}]"

# sse-open: GET /sse answered with text/event-stream + "event: endpoint"; capture
# stops while both ends are still connected
newns
bgpy "$NS" sse-server 127.0.0.1 3000 "$WORK/s1"; srv=$BG; waitfile "$WORK/s1"
cap_start "$NS" sse-open.pcap
bgpy "$NS" sse-client 127.0.0.1 3000 "$WORK/s2"; cli=$BG; waitfile "$WORK/s2"
cap_stop
stop "$cli" "$srv"; delns "$NS"
expect sse-open.pcap "[{\"verdict\": \"ESTABLISHED\", \"server\": $S4, \"syn_count\": 1, \"no_response\": false}]"

# half-open-raw-syn: hand-built SYN from 127.0.0.1:40000 (raw socket) to a listener;
# the kernel answers the listener's SYN-ACK with RST (no socket owns port 40000)
newns
bgpy "$NS" listen 127.0.0.1 3000 "$WORK/l1"; srv=$BG; waitfile "$WORK/l1"
cap_start "$NS" half-open-raw-syn.pcap
py "$NS" raw-syn 127.0.0.1 127.0.0.1 40000 3000
sleep 0.2
cap_stop; stop "$srv"; delns "$NS"
expect half-open-raw-syn.pcap "[{\"verdict\": \"HALF_OPEN\", \"client\": {\"addr\": \"127.0.0.1\", \"port\": 40000}, \"server\": $S4, \"syn_count\": 1}]"

# half-open-no-ack: same, but the kernel's RST is dropped in OUTPUT (before the lo
# capture point), so the SYN-ACK is never answered; listener retransmits it after ~1 s
newns
ip netns exec "$NS" iptables -A OUTPUT -p tcp --sport 40001 --tcp-flags RST RST -j DROP
bgpy "$NS" listen 127.0.0.1 3000 "$WORK/l2"; srv=$BG; waitfile "$WORK/l2"
cap_start "$NS" half-open-no-ack.pcap
py "$NS" raw-syn 127.0.0.1 127.0.0.1 40001 3000
sleep 1.3
cap_stop; stop "$srv"; delns "$NS"
expect half-open-no-ack.pcap "[{\"verdict\": \"HALF_OPEN\", \"client\": {\"addr\": \"127.0.0.1\", \"port\": 40001}, \"server\": $S4, \"syn_count\": 1}]"

# partial-midstream: connection set up and exchanging data before tcpdump starts
newns
bgpy "$NS" echo-server 127.0.0.1 3000 "$WORK/p1"; srv=$BG; waitfile "$WORK/p1"
bgpy "$NS" partial-client 127.0.0.1 3000 "$WORK/p2" "$WORK/p3"; cli=$BG; waitfile "$WORK/p2"
cap_start "$NS" partial-midstream.pcap
touch "$WORK/p3"
wait "$cli" || true; wait "$srv" || true
cap_stop; delns "$NS"
expect partial-midstream.pcap "[{\"verdict\": \"PARTIAL\", \"server\": $S4, \"no_response\": false}]"

# timeout-then-ok: nft drops the first SYN (numgen), the retransmitted SYN gets through
newns
ip netns exec "$NS" nft -f - <<'NFT'
table inet gold {
    chain input {
        type filter hook input priority 0;
        tcp dport 3000 tcp flags & (syn | ack) == syn numgen inc mod 2 == 0 drop
    }
}
NFT
bgpy "$NS" http-server 127.0.0.1 3000 1 "$WORK/t1"; srv=$BG; waitfile "$WORK/t1"
cap_start "$NS" timeout-then-ok.pcap
py "$NS" http-get 127.0.0.1 3000 /health
wait "$srv" || true; cap_stop; delns "$NS"
expect timeout-then-ok.pcap "[{\"verdict\": \"CLOSED\", \"server\": $S4, \"syn_count\": 2, \"no_response\": false}]"

# mixed-any / mixed-any-sll: -i any capture; refused attempt, then a closed HTTP exchange
for f in mixed-any.pcap:LINUX_SLL2 mixed-any-sll.pcap:LINUX_SLL; do
    file=${f%%:*}; dlt=${f#*:}
    newns
    cap_start "$NS" "$file" -i any -y "$dlt"
    py "$NS" connect 127.0.0.1 3000 1
    bgpy "$NS" http-server 127.0.0.1 3000 1 "$WORK/m-$file"; srv=$BG; waitfile "$WORK/m-$file"
    ip netns exec "$NS" "${CURL[@]}" http://127.0.0.1:3000/mcp
    wait "$srv" || true; cap_stop; delns "$NS"
    expect "$file" "[{\"verdict\": \"REFUSED\", \"server\": $S4, \"syn_count\": 1}, {\"verdict\": \"CLOSED\", \"server\": $S4, \"syn_count\": 1, \"no_response\": false}]"
done

# vlan-closed / qinq-refused: client netns (tapc 192.0.2.1) and server netns
# (taps 192.0.2.2) joined through a tagging relay in a third netns that owns the
# veth pair wa<->wb; the capture is on wa, where every frame carries the tag(s).
vlan_setup() {          # vlan_setup TAGS -> MID CL SV
    newns; MID=$NS; newns; CL=$NS; newns; SV=$NS
    ip -n "$MID" link add wa mtu 1600 type veth peer name wb mtu 1600
    local i
    for i in wa wb; do
        ip netns exec "$MID" sysctl -qw net.ipv6.conf.$i.disable_ipv6=1
        ip -n "$MID" link set "$i" promisc on up
    done
    ip netns exec "$MID" python3 "$WORK/relay.py" "$1" "$WORK/relay-$1" & RELAY=$!; PIDS+=("$RELAY")
    waitfile "$WORK/relay-$1"
    ip -n "$MID" link set tapc netns "$CL"
    ip -n "$MID" link set taps netns "$SV"
    ip netns exec "$CL" sysctl -qw net.ipv6.conf.tapc.disable_ipv6=1
    ip netns exec "$SV" sysctl -qw net.ipv6.conf.taps.disable_ipv6=1
    ip -n "$CL" link set tapc address 02:00:00:00:00:01 up
    ip -n "$SV" link set taps address 02:00:00:00:00:02 up
    ip -n "$CL" addr add 192.0.2.1/24 dev tapc
    ip -n "$SV" addr add 192.0.2.2/24 dev taps
    ip -n "$CL" neigh replace 192.0.2.2 lladdr 02:00:00:00:00:02 dev tapc nud permanent
    ip -n "$SV" neigh replace 192.0.2.1 lladdr 02:00:00:00:00:01 dev taps nud permanent
}
vlan_teardown() { stop "$RELAY"; delns "$MID" "$CL" "$SV"; }

vlan_setup 100
bgpy "$SV" http-server 192.0.2.2 3000 1 "$WORK/v1"; srv=$BG; waitfile "$WORK/v1"
cap_start "$MID" vlan-closed.pcap -i wa -- "vlan 100 and ($FILTER)"
py "$CL" http-get 192.0.2.2 3000 /sse
wait "$srv" || true
py "$CL" connect 192.0.2.2 3000 1
cap_stop; vlan_teardown
expect vlan-closed.pcap "[{\"verdict\": \"CLOSED\", \"server\": $SVJ, \"syn_count\": 1, \"no_response\": false}, {\"verdict\": \"REFUSED\", \"server\": $SVJ, \"syn_count\": 1}]"

vlan_setup 10:20
cap_start "$MID" qinq-refused.pcap -i wa -- "vlan 10 and vlan 20 and ($FILTER)"
py "$CL" connect 192.0.2.2 3000 1
cap_stop; vlan_teardown
expect qinq-refused.pcap "[{\"verdict\": \"REFUSED\", \"server\": $SVJ, \"syn_count\": 1}]"

fi   # [ -z "$ONLY" ]

# ---------------------------------------------------------------- causes above TCP
# Real peers: openssl s_server with a self-signed certificate, curl, a socat
# echo, tinyproxy answering 403; the verdicts are TCP's (written by hand), the
# diagnosis each must give is in tests/golden_causes.txt.
listening() {           # listening NS PORT: poll up to 10 s for a listener
    local i
    for i in $(seq 1 1000); do
        [ -n "$(ip netns exec "$1" ss -Hltn "sport = :$2")" ] && return 0
        sleep 0.01
    done
    echo "nothing listens on $2 in $1" >&2; exit 1
}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$WORK/key.pem" -out "$WORK/crt.pem" -days 2 -subj /CN=localhost 2>/dev/null
tls_server() {          # tls_server NS: openssl s_server on 3000, self-signed
    ip netns exec "$1" openssl s_server -quiet -www -accept 3000 \
        -key "$WORK/key.pem" -cert "$WORK/crt.pem" </dev/null >/dev/null 2>&1 &
    BG=$!; PIDS+=("$BG"); listening "$1" 3000
}
CURLE=(curl --noproxy '*' -sS --max-time 3 -o /dev/null)

# tls-untrusted: curl https:// (no -k) to a self-signed certificate: curl sends a
# TLS alert right after the server's certificate, the server closes, curl resets
newns; tls_server "$NS"; srv=$BG
cap_start "$NS" tls-untrusted.pcap
ip netns exec "$NS" "${CURLE[@]}" https://127.0.0.1:3000/mcp || true
cap_stop; stop "$srv"; delns "$NS"
expect tls-untrusted.pcap "[{\"verdict\": \"RESET\", \"server\": $S4, \"syn_count\": 1, \"reset_by\": \"client\", \"no_response\": false}]"

# http-to-tls: curl http:// to the same TLS server
newns; tls_server "$NS"; srv=$BG
cap_start "$NS" http-to-tls.pcap
ip netns exec "$NS" "${CURLE[@]}" http://127.0.0.1:3000/mcp || true
cap_stop; stop "$srv"; delns "$NS"
expect http-to-tls.pcap "[{\"verdict\": \"CLOSED\", \"server\": $S4, \"syn_count\": 1, \"fails\": \"the TLS server closed on a plain-HTTP request\"}]"

# echo-http: a socat echo holds the port; curl's request comes back to it
newns
ip netns exec "$NS" socat TCP-LISTEN:3000,reuseaddr PIPE & srv=$!; PIDS+=("$srv"); listening "$NS" 3000
cap_start "$NS" echo-http.pcap
ip netns exec "$NS" "${CURLE[@]}" http://127.0.0.1:3000/mcp || true
cap_stop; stop "$srv"; delns "$NS"
expect echo-http.pcap "[{\"verdict\": \"CLOSED\", \"server\": $S4, \"syn_count\": 1, \"no_response\": false, \"fails\": \"the answer is the request echoed, not HTTP\"}]"

# proxy-403: tinyproxy on 3000 allows only 192.0.2.200, so curl (-x) gets 403
newns
printf 'Port 3000\nListen 127.0.0.1\nTimeout 10\nAllow 192.0.2.200\nUser nobody\nGroup nogroup\nMaxClients 4\n' > "$WORK/tinyproxy.conf"
ip netns exec "$NS" tinyproxy -d -c "$WORK/tinyproxy.conf" >/dev/null 2>&1 & srv=$!; PIDS+=("$srv"); listening "$NS" 3000
cap_start "$NS" proxy-403.pcap
ip netns exec "$NS" curl -sS --max-time 3 -o /dev/null -x http://127.0.0.1:3000 http://127.0.0.1:4000/mcp || true
cap_stop; stop "$srv"; delns "$NS"
expect proxy-403.pcap "[{\"verdict\": \"CLOSED\", \"server\": $S4, \"syn_count\": 1, \"no_response\": false, \"fails\": \"the proxy answered 403\"}]"

# answer-rejected: the server still holds a connection from 127.0.0.1:40002 (the
# client's RST was dropped in OUTPUT); a new SYN from that port gets the server's
# challenge ACK, which the client's kernel answers with RST; Linux then resends
# the SYN at once (same ISN) and that one connects: a second connection
newns
bgpy "$NS" stale-server 127.0.0.1 3000 "$WORK/st1"; srv=$BG; waitfile "$WORK/st1"
ip netns exec "$NS" iptables -A OUTPUT -p tcp --sport 40002 --tcp-flags RST RST -j DROP
py "$NS" stale-client 127.0.0.1 3000 40002 1
ip netns exec "$NS" iptables -D OUTPUT -p tcp --sport 40002 --tcp-flags RST RST -j DROP
cap_start "$NS" answer-rejected.pcap
py "$NS" stale-client 127.0.0.1 3000 40002 2
cap_stop; stop "$srv"; delns "$NS"
expect answer-rejected.pcap "[{\"verdict\": \"HALF_OPEN\", \"client\": {\"addr\": \"127.0.0.1\", \"port\": 40002}, \"server\": $S4, \"syn_count\": 1, \"reset_by\": \"client\"}, {\"verdict\": \"CLOSED\", \"client\": {\"addr\": \"127.0.0.1\", \"port\": 40002}, \"server\": $S4, \"syn_count\": 1, \"no_response\": false}]"

# abortive-close: the client reads a whole 200 response (Content-Length), then
# drops the kept-alive connection with RST: healthy
newns
bgpy "$NS" keepalive-server 127.0.0.1 3000 "$WORK/ka1"; srv=$BG; waitfile "$WORK/ka1"
cap_start "$NS" abortive-close.pcap
py "$NS" abortive-client 127.0.0.1 3000
wait "$srv" || true; cap_stop; delns "$NS"
expect abortive-close.pcap "[{\"verdict\": \"RESET\", \"server\": $S4, \"syn_count\": 1, \"reset_by\": \"client\", \"no_response\": false, \"abortive_close\": true}]"

if [ -z "$ONLY" ]; then
# ---------------------------------------------------------------- re-encodings
# same packets, other link types / file formats; expectations are identical by construction
REENC="refused-v4 closed-http reject-icmp6-port closed-v6 drop-v4"
for b in $REENC; do
    for f in $(python3 "$OUT/reencode.py" "$OUT/$b.pcap"); do
        cp "$OUT/$b.expect.json" "${f%.pcap*}.expect.json"
    done
done
for f in $(python3 "$OUT/reencode.py" "$OUT/closed-http-nano.pcap" --only be,pcapng); do
    cp "$OUT/closed-http-nano.expect.json" "${f%.pcap*}.expect.json"
done

fi   # [ -z "$ONLY" ]

# ---------------------------------------------------------------- text dumps + checks
cd "$OUT"
for f in *.pcap *.pcapng; do
    e=""; case $f in vlan-*|qinq-*|mixed-*) e=-e;; *nano*) e=--nano;; esac
    tcpdump -nn -tt $e -r "$f" > "${f%.pcap*}.txt" 2>/dev/null
    [ -f "${f%.pcap*}.expect.json" ] || { echo "no expectation for $f" >&2; exit 1; }
done
if [ -z "$ONLY" ]; then   # the re-encodings hold the same packets
for b in $REENC closed-http-nano; do
    n=$(tcpdump -r "$b.pcap" 2>/dev/null | wc -l)
    for f in "$b"-*.pcap "$b"-ng.pcapng; do
        if [ "$b" = closed-http ] && [[ $f == closed-http-nano* ]]; then continue; fi
        m=$(tcpdump -r "$f" 2>/dev/null | wc -l)
        [ "$n" = "$m" ] || { echo "$f: $m packets, $b.pcap has $n" >&2; exit 1; }
    done
done
fi
echo "done: $(ls *.pcap *.pcapng | wc -l) capture files in $OUT ($(du -sk --apparent-size . | cut -f1) KB)"

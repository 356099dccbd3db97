#!/usr/bin/env python3
"""Bad input never crashes or hangs mcpdiag: it gets exit 3 and one line
on stderr naming the file and the problem (or exit 2 for bad usage).

Malformed captures are generated here from the golden captures (cut,
corrupted, mutated with a fixed seed), so the corpus needs no binary
files of its own.

usage: bad_input.py MCPDIAG PCAPS_DIR
"""
import json
import os
import random
import struct
import subprocess
import sys
import tempfile

failures = 0


def run(exe, args, stdin=None):
    env = dict(os.environ, LC_ALL="C", NO_COLOR="1")
    p = subprocess.run([exe] + args, capture_output=True, env=env,
                       input=stdin, timeout=60)
    return p.returncode, p.stdout.decode(errors="replace"), \
        p.stderr.decode(errors="replace")


def check(name, ok, detail=""):
    global failures
    if ok:
        print("ok: " + name)
    else:
        failures += 1
        print("FAIL: %s %s" % (name, detail))


def expect_error(exe, name, args, code=3, mention=None, stdin=None):
    rc, out, err = run(exe, args, stdin)
    lines = [x for x in err.splitlines() if x.strip()]
    ok = rc == code and len(lines) == 1 and lines[0].startswith("mcpdiag: ")
    if ok and mention:
        ok = mention in lines[0]
    check(name, ok, "rc=%d stderr=%r" % (rc, err))


def pcap_header(linktype, snaplen=262144):
    return struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, snaplen, linktype)


# ---- hand-built packets for the malformed-input corpus (issue 5 item 3) --

CLI, SRV = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def tcp_hdr(sport, dport, flags, seq=1000, ack=0, doff=5, opts=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4,
                       flags, 65535, 0, 0) + opts


def ip4(payload, src=CLI, dst=SRV, proto=6, ihl=5, total=None, opts=b""):
    total = 20 + len(opts) + len(payload) if total is None else total
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total, 1, 0x4000, 64,
                    proto, 0, src, dst) + opts
    h = h[:10] + struct.pack("!H", csum(h[:20])) + h[12:]
    return h + payload


def ip6(nh, payload, src=b"\xfd" + b"\0" * 14 + b"\1",
        dst=b"\xfd" + b"\0" * 14 + b"\2", plen=None):
    plen = len(payload) if plen is None else plen
    return struct.pack("!IHBB16s16s", 0x60000000, plen, nh, 64, src,
                       dst) + payload


def eth(l3, ethertype=0x0800):
    return b"\x02\0\0\0\0\2\x02\0\0\0\0\1" + struct.pack("!H", ethertype) + l3


def pcap_file(records, snaplen=262144, linktype=1):
    """records: (frame, caplen, wire_len) or plain frames."""
    out = pcap_header(linktype, snaplen)
    for i, r in enumerate(records):
        if isinstance(r, bytes):
            r = (r, len(r), len(r))
        data, caplen, wire = r
        out += struct.pack("<IIII", 1700000000 + i // 1000, (i % 1000) * 1000,
                           caplen, wire) + data
    return out


SYN = lambda sp=40000: eth(ip4(tcp_hdr(sp, 3000, 0x02)))
RSTACK = lambda sp=40000: eth(ip4(tcp_hdr(3000, sp, 0x14, 0, 1001),
                                  src=SRV, dst=CLI))


def pcapng_block(btype, body):
    pad = b"\0" * (-len(body) % 4)
    n = 12 + len(body) + len(pad)
    return struct.pack("<II", btype, n) + body + pad + struct.pack("<I", n)


def pcapng_epb(frame, i, iface=0):
    ts = (1700000000 + i) * 1000000
    return pcapng_block(6, struct.pack("<IIIII", iface, ts >> 32,
                                       ts & 0xffffffff, len(frame),
                                       len(frame)) + frame)


def pcapng_file(blocks):
    shb = pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0,
                                               -1))
    return shb + b"".join(blocks)


def pcapng_idb(linktype, snaplen=262144):
    return pcapng_block(1, struct.pack("<HHI", linktype, 0, snaplen))


def analyze_json(exe, path):
    rc, out, err = run(exe, ["analyze", path, "--json"])
    try:
        doc = json.loads(out)
    except ValueError:
        doc = None
    return rc, doc, err


def expect_outcome(exe, name, path, verdicts=None, stats=None,
                   error_ok=False, error_mention=None):
    """A verdict (exit 0/1, a JSON report whose verdict counts and stats
    counters are as given) or, when error_ok, one clear stderr line and
    exit 3. Never a signal, never a hang."""
    rc, doc, err = analyze_json(exe, path)
    lines = [x for x in err.splitlines() if x.strip()]
    if rc == 3 and (error_ok or error_mention):
        ok = len(lines) == 1 and lines[0].startswith("mcpdiag: ") and \
            (error_mention is None or error_mention in lines[0])
        check(name + ": one-line error, exit 3", ok,
              "rc=%d stderr=%r" % (rc, err))
        return None
    ok = rc in (0, 1) and doc is not None and not lines
    got_v = doc["summary"]["verdicts"] if doc else None
    got_s = {k: doc["stats"].get(k) for k in (stats or {})} if doc else None
    if ok and verdicts is not None:
        ok = got_v == verdicts
    if ok and stats:
        ok = got_s == stats
    check(name + (": verdicts %s" % verdicts if verdicts is not None else
                  ": a verdict") + (" stats %s" % stats if stats else ""),
          ok, "rc=%d verdicts=%s stats=%s stderr=%r" % (rc, got_v, got_s,
                                                        err[:300]))
    return doc


def malformed_corpus(exe, write):
    # caplen > snaplen: libpcap keeps the first snaplen bytes; a SYN and
    # a RST cut inside the fixed TCP header are both counted truncated
    # and make no connection.
    expect_outcome(exe, "caplen > snaplen (cut in TCP)",
                   write("cap-gt-snap.pcap",
                         pcap_file([SYN(), RSTACK()], snaplen=40)),
                   verdicts={}, stats={"truncated": 2, "packets": 2})
    # snaplen 48: the 20-byte TCP header is cut after its flags, which is
    # all the tracker needs: a verdict, and tcp_options_cut says so.
    expect_outcome(exe, "caplen > snaplen (cut in TCP options)",
                   write("cap-gt-snap2.pcap",
                         pcap_file([SYN(), RSTACK()], snaplen=48)),
                   verdicts={"REFUSED": 1},
                   stats={"truncated": 0, "tcp_options_cut": 2},
                   error_ok=True)
    # caplen > len: a record claiming more bytes captured than were on
    # the wire (20, less than Ethernet + IPv4). The wire length wins: the
    # SYN is counted truncated, so the RST alone is a PARTIAL connection.
    syn = SYN()
    expect_outcome(exe, "caplen > len",
                   write("cap-gt-len.pcap",
                         pcap_file([(syn, len(syn), 20), RSTACK()])),
                   verdicts={"PARTIAL": 1},
                   stats={"truncated": 1, "packets": 2})
    # Zero-length records between real packets: counted, nothing else.
    expect_outcome(exe, "zero-length records between packets",
                   write("zero-mid.pcap",
                         pcap_file([SYN(), (b"", 0, 0), (b"", 0, 60),
                                    RSTACK()])),
                   verdicts={"REFUSED": 1},
                   stats={"packets": 4, "truncated": 2})
    # A 256 KiB record (the largest libpcap accepts for Ethernet): a SYN
    # followed by Ethernet padding, then the RST.
    big = SYN() + b"\0" * (262144 - len(SYN()))
    expect_outcome(exe, "256 KiB record",
                   write("big.pcap", pcap_file([big, RSTACK()])),
                   verdicts={"REFUSED": 1},
                   stats={"packets": 2, "truncated": 0, "invalid": 0})
    expect_outcome(exe, "256 KiB + 1 record",
                   write("big1.pcap",
                         pcap_file([big + b"\0", RSTACK()])),
                   error_ok=True)
    # IPv4 IHL < 5: invalid; IHL 15 with a total length that fits it but
    # a capture that stops first: truncated. Each with the SYN's RST
    # answering a SYN the tracker never saw -> PARTIAL.
    for ihl in (0, 4):
        bad = eth(ip4(tcp_hdr(40000, 3000, 0x02), ihl=ihl))
        expect_outcome(exe, "IPv4 IHL %d < 5" % ihl,
                       write("ihl%d.pcap" % ihl, pcap_file([bad])),
                       verdicts={}, stats={"invalid": 1, "truncated": 0})
    bad = eth(ip4(tcp_hdr(40000, 3000, 0x02), ihl=15, total=100))
    expect_outcome(exe, "IPv4 IHL beyond caplen",
                   write("ihl-long.pcap", pcap_file([bad])),
                   verdicts={}, stats={"truncated": 1, "invalid": 0})
    bad = eth(ip4(tcp_hdr(40000, 3000, 0x02), ihl=15, total=40))
    expect_outcome(exe, "IPv4 IHL beyond total length",
                   write("ihl-total.pcap", pcap_file([bad])),
                   verdicts={}, stats={"invalid": 1})
    # IPv6 extension-header loops: 20 hop-by-hop/destination-options
    # headers each naming the next (a "loop" as a decoder walking by
    # next-header sees it), and a header whose length runs past the
    # capture.
    ext = b""
    for k in range(20):
        ext += struct.pack("!BB6s", 60, 0, b"\1\4\0\0\0\0")
    loop = eth(ip6(0, ext + tcp_hdr(40000, 3000, 0x02)), 0x86dd)
    expect_outcome(exe, "IPv6 extension-header chain of 20",
                   write("v6loop.pcap", pcap_file([loop])),
                   verdicts={}, stats={"invalid": 1})
    longext = struct.pack("!BB6s", 6, 255, b"\0" * 6)
    cut6 = eth(ip6(60, longext + tcp_hdr(40000, 3000, 0x02), plen=2048),
               0x86dd)
    expect_outcome(exe, "IPv6 extension header beyond caplen",
                   write("v6long.pcap", pcap_file([cut6])),
                   verdicts={}, stats={"truncated": 1})
    # TCP data offset < 5: invalid; data offset 15 inside the IP length
    # but beyond the capture: options cut, still a verdict; data offset
    # beyond the IP length: invalid.
    for doff in (0, 4):
        bad = eth(ip4(tcp_hdr(40000, 3000, 0x02, doff=doff)))
        expect_outcome(exe, "TCP data offset %d < 5" % doff,
                       write("doff%d.pcap" % doff, pcap_file([bad])),
                       verdicts={}, stats={"invalid": 1})
    syn15 = eth(ip4(tcp_hdr(40000, 3000, 0x02, doff=15), total=80))
    expect_outcome(exe, "TCP data offset beyond caplen",
                   write("doff-cap.pcap", pcap_file([syn15, RSTACK()])),
                   verdicts={"REFUSED": 1}, stats={"tcp_options_cut": 1,
                                                  "invalid": 0})
    syn15 = eth(ip4(tcp_hdr(40000, 3000, 0x02, doff=15)))
    expect_outcome(exe, "TCP data offset beyond the IP length",
                   write("doff-ip.pcap", pcap_file([syn15])),
                   verdicts={}, stats={"invalid": 1})
    # ICMP quoting a truncated header: the quote holds the IP header and
    # the ports only (RFC 792 allows 8 bytes; some routers send less):
    # still an answer; a quote cut inside the IP header or before the
    # ports: truncated, the SYN stays unanswered.
    syn_ip = ip4(tcp_hdr(40000, 3000, 0x02))

    def icmp(quote):
        body = struct.pack("!BBHI", 3, 3, 0, 0) + quote
        body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
        return eth(ip4(body, src=SRV, dst=CLI, proto=1))
    expect_outcome(exe, "ICMP quoting IP header + ports only",
                   write("icmp-ports.pcap",
                         pcap_file([SYN(), icmp(syn_ip[:24])])),
                   verdicts={"UNREACHABLE": 1}, stats={"truncated": 0})
    for cut, what in ((10, "inside the IP header"), (22, "inside the ports")):
        expect_outcome(exe, "ICMP quoting a header cut %s" % what,
                       write("icmp-cut%d.pcap" % cut,
                             pcap_file([SYN(), icmp(syn_ip[:cut])])),
                       verdicts={"TIMEOUT": 1}, stats={"truncated": 1})
    quote6 = ip6(6, tcp_hdr(40000, 3000, 0x02))
    body6 = struct.pack("!BBHI", 1, 4, 0, 0) + quote6[:30]
    expect_outcome(exe, "ICMPv6 quoting a cut IPv6 header",
                   write("icmp6-cut.pcap",
                         pcap_file([eth(ip6(58, body6), 0x86dd)])),
                   verdicts={}, stats={"truncated": 1})
    # pcapng with unknown blocks (a made-up type, a custom block, an
    # unknown reserved type with the high bit set) between packets;
    # libpcap reads it, and so must the fallback reader, reached here by a
    # second interface of another link type.
    unknown = [pcapng_block(0x0BADC0DE, b"hello world!"),
               pcapng_block(0x00000BAD, struct.pack("<I", 32473) + b"xyzw"),
               pcapng_block(0x80000001, b"")]
    ng = pcapng_file([pcapng_idb(1)] + unknown[:1] + [pcapng_epb(SYN(), 0)]
                     + unknown[1:] + [pcapng_epb(RSTACK(), 1)])
    expect_outcome(exe, "pcapng with unknown blocks",
                   write("unknown.pcapng", ng), verdicts={"REFUSED": 1})
    raw_rst = ip4(tcp_hdr(3000, 40001, 0x14, 0, 1001), src=SRV, dst=CLI)
    ng2 = pcapng_file([pcapng_idb(1), pcapng_epb(SYN(40001), 0)] + unknown +
                      [pcapng_idb(101), pcapng_epb(raw_rst, 1, iface=1)])
    expect_outcome(exe, "pcapng with unknown blocks, two link types",
                   write("unknown2.pcapng", ng2), verdicts={"REFUSED": 1})
    # An unknown block whose length is not a multiple of 4, or shorter
    # than a block header: a one-line error after what came before.
    badlen = struct.pack("<II", 0x0BADC0DE, 13) + b"\0" * 9
    for blk, what in ((badlen, "length not a multiple of 4"),
                      (struct.pack("<II", 0x0BADC0DE, 8), "length 8")):
        path = write("badblock.pcapng",
                     pcapng_file([pcapng_idb(1), pcapng_epb(SYN(), 0), blk]))
        rc, out, err = run(exe, ["analyze", path, "--json"])
        lines = [x for x in err.splitlines() if x.strip()]
        check("pcapng unknown block with %s: report, then one-line error"
              % what, rc == 3 and len(lines) == 1 and
              lines[0].startswith("mcpdiag: ") and '"TIMEOUT":1' in out,
              "rc=%d out=%r err=%r" % (rc, out[-200:], err))


def main():
    exe, pcaps = sys.argv[1], sys.argv[2]
    golden = os.path.join(pcaps, "closed-http.pcap")
    with open(golden, "rb") as f:
        good = f.read()
    tmp = tempfile.mkdtemp(prefix="mcpd-bad-")

    def write(name, data):
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    expect_error(exe, "missing file", ["analyze", os.path.join(tmp, "nope")],
                 mention="No such file")
    expect_error(exe, "directory", ["analyze", tmp], mention="directory")
    expect_error(exe, "empty file", ["analyze", write("empty.pcap", b"")],
                 mention="empty")
    expect_error(exe, "junk", ["analyze", write("junk.pcap", os.urandom(64)
                                                 if False else b"hello, "
                                                 b"this is not a capture\n"
                                                 * 4)],
                 mention="not a pcap")
    expect_error(exe, "truncated global header",
                 ["analyze", write("short.pcap", good[:10])])
    expect_error(exe, "unknown link type",
                 ["analyze", write("usr0.pcap", pcap_header(147))],
                 mention="link type")
    expect_error(exe, "junk on stdin", ["analyze", "-"], stdin=b"garbage" * 9)
    expect_error(exe, "bad flag", ["analyze", golden, "--bogus"], code=2)
    expect_error(exe, "bad port", ["analyze", golden, "--port", "70000"],
                 code=2)
    expect_error(exe, "no file", ["analyze"], code=2)
    expect_error(exe, "unknown command", ["frobnicate"], code=2)

    # A record cut in half: the packets before it are still reported,
    # the damage is named, exit 3 (as tcpdump does).
    cut = write("cut.pcap", good[:len(good) - 7])
    rc, out, err = run(exe, ["analyze", cut, "--json"])
    check("truncated record", rc == 3 and "truncated" in err and
          '"connections"' in out, "rc=%d err=%r" % (rc, err))

    # Records claiming caplen > snaplen, huge and zero lengths.
    hdr = pcap_header(1, 65535)
    rec = struct.pack("<IIII", 1, 0, 300000, 300000) + b"\0" * 64
    expect_error(exe, "caplen beyond snaplen",
                 ["analyze", write("huge.pcap", hdr + rec)])
    zero = struct.pack("<IIII", 1, 0, 0, 0)
    rc, out, err = run(exe, ["analyze", write("zero.pcap", hdr + zero * 3),
                             "--json"])
    check("zero-length records", rc in (0, 1) and '"packets":3' in out,
          "rc=%d err=%r" % (rc, err))

    malformed_corpus(exe, write)

    # Stdin works for a good capture.
    rc, out, err = run(exe, ["analyze", "-", "--json"], stdin=good)
    check("capture on stdin", rc == 0 and '"CLOSED":1' in out,
          "rc=%d err=%r" % (rc, err))

    # Inputs that once crashed mcpdiag (tests/fuzz-regressions).
    regress = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "fuzz-regressions")
    for name in sorted(os.listdir(regress)):
        if name.endswith(".md"):
            continue
        rc, out, err = run(exe, ["analyze", os.path.join(regress, name),
                                 "--json"])
        check("regression " + name, rc in (0, 1, 3), "rc=%d" % rc)

    # Mutations of every golden capture: never a signal, never a hang,
    # always one of the documented exit codes.
    rng = random.Random(20261127)
    caps = sorted(f for f in os.listdir(pcaps)
                  if f.endswith(".pcap") or f.endswith(".pcapng"))
    crashes = 0
    runs = 0
    for name in caps:
        with open(os.path.join(pcaps, name), "rb") as f:
            data = bytearray(f.read())
        for i in range(12):
            m = bytearray(data)
            for _ in range(rng.randint(1, 16)):
                pos = rng.randrange(24, len(m)) if len(m) > 24 else 0
                m[pos] = rng.randrange(256)
            if i % 4 == 3:
                m = m[:rng.randrange(24, len(m) + 1)]
            path = write("mut.pcap", bytes(m))
            rc, out, err = run(exe, ["analyze", path, "--json"])
            runs += 1
            if rc < 0 or rc not in (0, 1, 3):
                crashes += 1
                keep = write("crash-%s-%d.pcap" % (name, i), bytes(m))
                print("  crash: rc=%d on %s: %s" % (rc, keep, err[:200]))
    check("%d mutated captures without a crash" % runs, crashes == 0)

    print("%d passed, %d failed" % (0 if failures else 1, failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

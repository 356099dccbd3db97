#!/usr/bin/env python3
"""Re-encode a LINKTYPE_ETHERNET pcap (as tcpdump writes on Linux `lo`) into other
link types / file formats carrying the very same IP packets.  python3 stdlib only.

usage: reencode.py IN.pcap [OUTDIR] [--only null-le,null-be,loop,raw,be,pcapng]

For IN = NAME.pcap it writes into OUTDIR (default: beside IN):
  NAME-null-le.pcap  LINKTYPE_NULL (0), 4-byte AF little-endian: AF_INET=2, AF_INET6=30 (macOS)
  NAME-null-be.pcap  LINKTYPE_NULL (0), 4-byte AF big-endian:   AF_INET=2, AF_INET6=24 (NetBSD/OpenBSD)
                     (file header stays little-endian: the AF byte order differs from the
                     file's, as in a capture taken on a big-endian host and converted)
  NAME-loop.pcap     LINKTYPE_LOOP (108), AF in network byte order, AF_INET6=24 (OpenBSD)
  NAME-raw.pcap      LINKTYPE_RAW (101), bare IPv4/IPv6 packets
  NAME-be.pcap       LINKTYPE_ETHERNET, file + record headers big-endian (magic a1b2c3d4 or
                     a1b23c4d for nanosecond files written big-endian)
  NAME-ng.pcapng     pcapng: SHB, IDB (if_tsresol 6 or 9), a Custom Block (type 0x00000BAD),
                     an unknown/unassigned block (type 0x0BADBAD0), then one EPB per packet.
                     libpcap skips both unknown blocks.
Timestamps, captured/original lengths (minus the removed link header) are preserved.
"""
import os, struct, sys

MAGIC_US, MAGIC_NS = 0xA1B2C3D4, 0xA1B23C4D
AF = {  # variant -> (AF_INET, AF_INET6, struct byte order of the AF word)
    "null-le": (2, 30, "<"),
    "null-be": (2, 24, ">"),
    "loop": (2, 24, ">"),
}
ALL = ["null-le", "null-be", "loop", "raw", "be", "pcapng"]


def read_pcap(path):
    data = open(path, "rb").read()
    for e in "<>":
        magic = struct.unpack(e + "I", data[:4])[0]
        if magic in (MAGIC_US, MAGIC_NS):
            break
    else:
        raise SystemExit("%s: not a pcap file" % path)
    nano = magic == MAGIC_NS
    vmaj, vmin, _, _, snaplen, lt = struct.unpack(e + "HHiIII", data[4:24])
    if lt != 1:
        raise SystemExit("%s: linktype %d, only LINKTYPE_ETHERNET (1) is handled" % (path, lt))
    recs, off = [], 24
    while off < len(data):
        if off + 16 > len(data):
            raise SystemExit("%s: truncated record header" % path)
        sec, frac, incl, orig = struct.unpack(e + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        if len(frame) != incl:
            raise SystemExit("%s: truncated record" % path)
        recs.append((sec, frac, orig, frame))
        off += 16 + incl
    return nano, snaplen, recs


def strip_ethernet(frame):
    """-> (ethertype, l3 bytes); skips 802.1Q/802.1ad tags"""
    et, o = struct.unpack("!H", frame[12:14])[0], 14
    while et in (0x8100, 0x88A8):
        et, o = struct.unpack("!H", frame[o + 2:o + 4])[0], o + 4
    if et not in (0x0800, 0x86DD):
        raise SystemExit("ethertype 0x%04x cannot be re-encoded" % et)
    return et, frame[o:], o


def pcap_file(e, nano, snaplen, lt, recs):
    out = [struct.pack(e + "IHHiIII", MAGIC_NS if nano else MAGIC_US, 2, 4, 0, 0, snaplen, lt)]
    for sec, frac, orig, pkt in recs:
        out.append(struct.pack(e + "IIII", sec, frac, len(pkt), orig) + pkt)
    return b"".join(out)


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def block(btype, body):
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def option(code, value):
    return struct.pack("<HH", code, len(value)) + pad4(value)


def pcapng_file(nano, snaplen, recs):
    shb = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)
                + option(4, b"mcpdiag reencode.py") + option(0, b""))
    idb = block(0x00000001, struct.pack("<HHI", 1, 0, snaplen)
                + option(2, b"lo") + option(9, bytes([9 if nano else 6])) + option(0, b""))
    # Custom Block (copiable): PEN 32473 (RFC 5612 documentation PEN) + opaque data
    custom = block(0x00000BAD, struct.pack("<I", 32473) + pad4(b"mcpdiag: skip me"))
    # a block type nobody defines; pcapng readers must skip it using its length
    unknown = block(0x0BADBAD0, pad4(b"unknown block, skip by length"))
    out = [shb, idb, custom, unknown]
    mult = 10**9 if nano else 10**6
    for sec, frac, orig, frame in recs:
        ts = sec * mult + frac
        out.append(block(0x00000006, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(frame), orig)
                         + pad4(frame)))
    return b"".join(out)


def main():
    args = sys.argv[1:]
    only = ALL
    if "--only" in args:
        i = args.index("--only")
        only = args[i + 1].split(",")
        del args[i:i + 2]
    if not 1 <= len(args) <= 2:
        raise SystemExit(__doc__)
    src = args[0]
    outdir = args[1] if len(args) == 2 else os.path.dirname(os.path.abspath(src))
    base = os.path.join(outdir, os.path.basename(src)[:-len(".pcap")])
    nano, snaplen, recs = read_pcap(src)
    written = []
    for v in only:
        if v in AF:
            a4, a6, e = AF[v]
            lt = 0 if v.startswith("null") else 108
            new = []
            for sec, frac, orig, frame in recs:
                et, l3, hl = strip_ethernet(frame)
                af = a4 if et == 0x0800 else a6
                new.append((sec, frac, orig - hl + 4, struct.pack(e + "I", af) + l3))
            data = pcap_file("<", nano, snaplen, lt, new)
            name = base + "-" + v + ".pcap"
        elif v == "raw":
            new = []
            for sec, frac, orig, frame in recs:
                _, l3, hl = strip_ethernet(frame)
                new.append((sec, frac, orig - hl, l3))
            data = pcap_file("<", nano, snaplen, 101, new)
            name = base + "-raw.pcap"
        elif v == "be":
            data = pcap_file(">", nano, snaplen, 1, recs)
            name = base + "-be.pcap"
        elif v == "pcapng":
            data = pcapng_file(nano, snaplen, recs)
            name = base + "-ng.pcapng"
        else:
            raise SystemExit("unknown variant " + v)
        with open(name, "wb") as fh:
            fh.write(data)
        written.append(name)
    print("\n".join(written))


if __name__ == "__main__":
    main()

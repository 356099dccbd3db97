/* \summary: unit tests of the decoders, the tracker and the verdicts */

#include <pcap/dlt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cursor.h"
#include "dec.h"
#include "flow.h"
#include "verdict.h"

#include "testhelp.h"

/* ---- packet builders ---------------------------------------------- */

static size_t
put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
    return 2;
}

static void
put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

struct seg {
    uint32_t src, dst;       /* IPv4, host order */
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t len;            /* payload bytes */
};

/* TCP header (20 bytes, no options) plus payload of 'x'. */
static size_t
build_tcp(uint8_t *p, const struct seg *s)
{
    memset(p, 0, 20);
    put16(p, s->sport);
    put16(p + 2, s->dport);
    put32(p + 4, s->seq);
    put32(p + 8, s->ack);
    p[12] = 5 << 4;
    p[13] = s->flags;
    put16(p + 14, 65535);
    memset(p + 20, 'x', s->len);
    return 20 + s->len;
}

static size_t
build_ip4(uint8_t *p, const struct seg *s, uint8_t proto, size_t l4len)
{
    memset(p, 0, 20);
    p[0] = 0x45;
    put16(p + 2, (uint16_t)(20 + l4len));
    p[8] = 64;
    p[9] = proto;
    put32(p + 12, s->src);
    put32(p + 16, s->dst);
    return 20;
}

/* Ethernet + IPv4 + TCP; returns the frame length. */
static size_t
build_eth_tcp(uint8_t *buf, const struct seg *s)
{
    size_t l4;

    memset(buf, 0, 14);
    put16(buf + 12, 0x0800);
    l4 = build_tcp(buf + 34, s);
    build_ip4(buf + 14, s, 6, l4);
    return 34 + l4;
}

#define LO 0x7f000001u

/* ---- decoder tests ------------------------------------------------ */

static void
test_cursor(void)
{
    uint8_t b[3] = { 1, 2, 3 };
    struct mcpd_cursor c;

    cur_init(&c, b, b + 3);
    test_cond("cursor reads in bounds", cur_be16(&c, 1) == 0x0203 &&
                                        !c.truncated);
    test_cond("cursor flags a read past the end",
              cur_be16(&c, 2) == 0 && c.truncated);
    cur_init(&c, b, b + 3);
    test_cond("cursor survives a huge offset",
              cur_be32(&c, (size_t)-2) == 0 && c.truncated);
}

static void
test_decode_ethernet(void)
{
    uint8_t buf[256];
    struct seg s = { LO, LO + 1, 40000, 3000, 1000, 0, MCPD_TH_SYN, 0 };
    struct mcpd_packet p;
    size_t n = build_eth_tcp(buf, &s);
    enum mcpd_dec_status st;

    memset(&p, 0, sizeof(p));
    st = mcpd_decode(DLT_EN10MB, buf, (uint32_t)n, (uint32_t)n, &p);
    test_cond("ethernet SYN decodes", st == MCPD_DEC_TCP);
    test_cond("ports and seq", p.sport == 40000 && p.dport == 3000 &&
                               p.seq == 1000 && p.flags == MCPD_TH_SYN);
    test_cond("addresses", p.src.family == 4 && p.src.a[0] == 127 &&
                           p.dst.a[3] == 2);

    /* Ethernet pads short frames to 60 bytes: padding is not payload. */
    memset(buf + n, 0xee, 60 - n);
    st = mcpd_decode(DLT_EN10MB, buf, 60, 60, &p);
    test_cond("padding ignored", st == MCPD_DEC_TCP && p.payload_len == 0);

    /* Snaplen cut inside the TCP header: fixed part still usable. */
    st = mcpd_decode(DLT_EN10MB, buf, 34 + 14, (uint32_t)n, &p);
    test_cond("tcp cut after flags still decodes", st == MCPD_DEC_TCP &&
                                                   p.hdr_cut);
    st = mcpd_decode(DLT_EN10MB, buf, 34 + 10, (uint32_t)n, &p);
    test_cond("tcp cut before flags is truncated",
              st == MCPD_DEC_TRUNCATED);
    st = mcpd_decode(DLT_EN10MB, buf, 20, (uint32_t)n, &p);
    test_cond("ip cut is truncated", st == MCPD_DEC_TRUNCATED);

    /* Data offset below 5 words is malformed. */
    buf[34 + 12] = 4 << 4;
    st = mcpd_decode(DLT_EN10MB, buf, (uint32_t)n, (uint32_t)n, &p);
    test_cond("tcp doff < 5 invalid", st == MCPD_DEC_INVALID);
    buf[34 + 12] = 15 << 4;     /* 60 bytes, more than the segment */
    st = mcpd_decode(DLT_EN10MB, buf, (uint32_t)n, (uint32_t)n, &p);
    test_cond("tcp doff beyond segment invalid", st == MCPD_DEC_INVALID);
    buf[34 + 12] = 5 << 4;

    /* IHL below 5 words is malformed; IHL beyond capture truncated. */
    buf[14] = 0x44;
    st = mcpd_decode(DLT_EN10MB, buf, (uint32_t)n, (uint32_t)n, &p);
    test_cond("ipv4 ihl < 5 invalid", st == MCPD_DEC_INVALID);
    buf[14] = 0x4f;
    st = mcpd_decode(DLT_EN10MB, buf, 14 + 40, (uint32_t)n, &p);
    test_cond("ipv4 ihl beyond capture truncated",
              st == MCPD_DEC_TRUNCATED || st == MCPD_DEC_INVALID);
    buf[14] = 0x45;

    /* Non-first fragment: no TCP header inside. */
    put16(buf + 14 + 6, 0x0010);
    st = mcpd_decode(DLT_EN10MB, buf, (uint32_t)n, (uint32_t)n, &p);
    test_cond("non-first fragment skipped", st == MCPD_DEC_FRAGMENT);
    put16(buf + 14 + 6, 0);

    /* caplen larger than the wire length is clamped. */
    st = mcpd_decode(DLT_EN10MB, buf, 200, (uint32_t)n, &p);
    test_cond("caplen > len clamped", st == MCPD_DEC_TCP);
}

static void
test_decode_vlan_and_links(void)
{
    uint8_t frame[256], buf[300];
    struct seg s = { LO, LO, 40000, 3000, 7, 0, MCPD_TH_SYN, 0 };
    struct mcpd_packet p;
    size_t n = build_eth_tcp(frame, &s), ip_len = n - 14;
    const uint8_t *ip = frame + 14;
    uint32_t afs[] = { 2, 24, 28, 30 };
    size_t i;

    /* 802.1ad outer + 802.1Q inner tag. */
    memcpy(buf, frame, 12);
    put16(buf + 12, 0x88a8);
    put16(buf + 14, 10);
    put16(buf + 16, 0x8100);
    put16(buf + 18, 20);
    put16(buf + 20, 0x0800);
    memcpy(buf + 22, ip, ip_len);
    test_cond("QinQ", mcpd_decode(DLT_EN10MB, buf, (uint32_t)(22 + ip_len),
                                  (uint32_t)(22 + ip_len), &p) ==
                          MCPD_DEC_TCP && p.dport == 3000);

    /* Too many tags is malformed, not an endless walk. */
    for (i = 0; i < 8; i++) {
        put16(buf + 12 + 4 * i, 0x8100);
        put16(buf + 14 + 4 * i, 1);
    }
    test_cond("vlan tag flood", mcpd_decode(DLT_EN10MB, buf, 60, 60, &p) ==
                                    MCPD_DEC_INVALID);

    /* BSD loopback, both byte orders, every AF_INET value. */
    for (i = 0; i < 4; i++) {
        uint32_t af = afs[i];
        buf[0] = (uint8_t)af;
        buf[1] = buf[2] = buf[3] = 0;
        memcpy(buf + 4, ip, ip_len);
        test_cond("NULL little-endian",
                  mcpd_decode(DLT_NULL, buf, (uint32_t)(4 + ip_len),
                              (uint32_t)(4 + ip_len), &p) == MCPD_DEC_TCP);
        put32(buf, af);
        test_cond("LOOP network order",
                  mcpd_decode(DLT_LOOP, buf, (uint32_t)(4 + ip_len),
                              (uint32_t)(4 + ip_len), &p) == MCPD_DEC_TCP);
    }
    put32(buf, 7);
    test_cond("NULL unknown family skipped",
              mcpd_decode(DLT_NULL, buf, (uint32_t)(4 + ip_len),
                          (uint32_t)(4 + ip_len), &p) == MCPD_DEC_SKIP);

    /* Linux cooked v1 and v2. */
    memset(buf, 0, 20);
    put16(buf + 14, 0x0800);
    memcpy(buf + 16, ip, ip_len);
    test_cond("LINUX_SLL", mcpd_decode(DLT_LINUX_SLL, buf,
                                       (uint32_t)(16 + ip_len),
                                       (uint32_t)(16 + ip_len), &p) ==
                               MCPD_DEC_TCP);
    memset(buf, 0, 20);
    put16(buf, 0x0800);
    memcpy(buf + 20, ip, ip_len);
    test_cond("LINUX_SLL2", mcpd_decode(DLT_LINUX_SLL2, buf,
                                        (uint32_t)(20 + ip_len),
                                        (uint32_t)(20 + ip_len), &p) ==
                                MCPD_DEC_TCP);
    test_cond("RAW", mcpd_decode(DLT_RAW, ip, (uint32_t)ip_len,
                                 (uint32_t)ip_len, &p) == MCPD_DEC_TCP);
    test_cond("unknown link type skipped",
              mcpd_decode(9999, ip, (uint32_t)ip_len, (uint32_t)ip_len, &p)
                  == MCPD_DEC_SKIP);
}

/* IPv6 header with next header nh and payload length plen. */
static void
build_ip6(uint8_t *p, uint8_t nh, uint16_t plen)
{
    memset(p, 0, 40);
    p[0] = 0x60;
    put16(p + 4, plen);
    p[6] = nh;
    p[7] = 64;
    p[23] = 1;      /* ::1 */
    p[39] = 1;
}

static void
test_decode_ipv6(void)
{
    uint8_t buf[512];
    struct seg s = { 0, 0, 40000, 3000, 9, 0, MCPD_TH_SYN, 0 };
    struct mcpd_packet p;
    size_t off, i;

    memset(buf, 0, sizeof(buf));
    /* Hop-by-hop (8 bytes) then destination options (16) then TCP. */
    build_ip6(buf, 0, 8 + 16 + 20);
    buf[40] = 60;
    buf[41] = 0;
    buf[48] = 6;
    buf[49] = 1;
    build_tcp(buf + 64, &s);
    test_cond("ipv6 extension chain",
              mcpd_decode(DLT_RAW, buf, 84, 84, &p) == MCPD_DEC_TCP &&
                  p.dport == 3000 && p.src.family == 6);

    /* First fragment carries TCP; a later one does not. */
    build_ip6(buf, 44, 8 + 20);
    buf[40] = 6;
    build_tcp(buf + 48, &s);
    test_cond("ipv6 first fragment", mcpd_decode(DLT_RAW, buf, 68, 68, &p) ==
                                         MCPD_DEC_TCP);
    put16(buf + 42, 8 << 3);
    test_cond("ipv6 later fragment", mcpd_decode(DLT_RAW, buf, 68, 68, &p) ==
                                         MCPD_DEC_FRAGMENT);

    /* A chain of destination-options headers longer than the limit. */
    off = 40;
    build_ip6(buf, 60, 400);
    for (i = 0; i < 40; i++, off += 8) {
        buf[off] = 60;
        buf[off + 1] = 0;
    }
    test_cond("ipv6 extension flood", mcpd_decode(DLT_RAW, buf, 440, 440, &p)
                                          == MCPD_DEC_INVALID);
    test_cond("ipv6 truncated header", mcpd_decode(DLT_RAW, buf, 30, 440, &p)
                                           == MCPD_DEC_TRUNCATED);
}

static void
test_decode_icmp(void)
{
    uint8_t buf[256];
    struct seg syn = { LO, LO, 40000, 3000, 1234, 0, MCPD_TH_SYN, 0 };
    struct seg outer = { LO, LO, 0, 0, 0, 0, 0, 0 };
    struct mcpd_packet p;
    size_t n;

    /* ICMP port unreachable quoting IPv4 header + 8 bytes of the SYN. */
    memset(buf, 0, sizeof(buf));
    buf[20] = 3;
    buf[21] = 3;
    build_ip4(buf + 28, &syn, 6, 20);
    build_tcp(buf + 48, &syn);
    n = 48 + 8;
    build_ip4(buf, &outer, 1, n - 20);
    test_cond("icmp unreachable quoting a SYN",
              mcpd_decode(DLT_RAW, buf, (uint32_t)n, (uint32_t)n, &p) ==
                  MCPD_DEC_ICMP_UNREACH && p.sport == 40000 &&
                  p.dport == 3000 && p.q_has_seq && p.q_seq == 1234 &&
                  p.icmp_code == 3);
    test_cond("icmp quoting a truncated header",
              mcpd_decode(DLT_RAW, buf, 40, 40, &p) == MCPD_DEC_TRUNCATED);
    buf[21] = 4;
    test_cond("fragmentation needed is not a rejection",
              mcpd_decode(DLT_RAW, buf, (uint32_t)n, (uint32_t)n, &p) ==
                  MCPD_DEC_SKIP);

    /* ICMPv6 destination unreachable, code 4, quoting an IPv6 SYN. */
    build_ip6(buf, 58, 8 + 40 + 20);
    memset(buf + 40, 0, 8);
    buf[40] = 1;
    buf[41] = 4;
    build_ip6(buf + 48, 6, 20);
    build_tcp(buf + 88, &syn);
    test_cond("icmpv6 unreachable", mcpd_decode(DLT_RAW, buf, 108, 108, &p)
                                        == MCPD_DEC_ICMP_UNREACH &&
                                        p.q_src.family == 6);
    buf[40] = 2;
    test_cond("packet too big is not a rejection",
              mcpd_decode(DLT_RAW, buf, 108, 108, &p) == MCPD_DEC_SKIP);
}

/* ---- tracker tests ------------------------------------------------ */

#define MAX_EMITTED 16

struct sink {
    int n;
    struct mcpd_flow flows[MAX_EMITTED];
    enum mcpd_emit_why why[MAX_EMITTED];
};

static void
sink_emit(void *ctx, struct mcpd_flow *f, enum mcpd_emit_why why)
{
    struct sink *s = ctx;

    if (s->n < MAX_EMITTED) {
        s->flows[s->n] = *f;
        s->why[s->n] = why;
    }
    s->n++;
}

static struct mcpd_flowtab *
new_tab(struct sink *s, uint32_t max_flows)
{
    struct mcpd_flow_config cfg;

    memset(s, 0, sizeof(*s));
    mcpd_flow_config_default(&cfg);
    if (max_flows)
        cfg.max_flows = max_flows;
    return mcpd_flowtab_new(&cfg, sink_emit, s);
}

/* Feed one segment at time t (ms). */
static void
feed(struct mcpd_flowtab *t, int64_t ms, uint32_t src, uint16_t sport,
     uint32_t dst, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t fl,
     uint16_t len)
{
    uint8_t buf[2048];
    struct seg s = { src, dst, sport, dport, seq, ack, fl, len };
    struct mcpd_packet p;
    size_t n = build_eth_tcp(buf, &s);
    enum mcpd_dec_status st;

    memset(&p, 0, sizeof(p));
    p.ts_ns = ms * 1000000LL;
    st = mcpd_decode(DLT_EN10MB, buf, (uint32_t)n, (uint32_t)n, &p);
    mcpd_flow_packet(t, st, &p);
}

#define C LO, 40000, LO, 3000
#define S LO, 3000, LO, 40000

static void
test_flow_refused_and_reuse(void)
{
    struct sink s;
    struct mcpd_flowtab *t = new_tab(&s, 0);

    feed(t, 0, C, 100, 0, MCPD_TH_SYN, 0);
    feed(t, 1, S, 0, 101, MCPD_TH_RST | MCPD_TH_ACK, 0);
    test_cond("REFUSED is emitted at the RST", s.n == 1 &&
              s.flows[0].verdict == MCPD_V_REFUSED &&
              s.why[0] == MCPD_EMIT_ENDED);
    /* Same 4-tuple, new SYN: a new connection. */
    feed(t, 5, C, 500, 0, MCPD_TH_SYN, 0);
    feed(t, 6, S, 0, 501, MCPD_TH_RST | MCPD_TH_ACK, 0);
    test_cond("a new SYN after the end is a new connection", s.n == 2 &&
              s.flows[1].verdict == MCPD_V_REFUSED &&
              s.flows[1].syn_count == 1);
    mcpd_flow_flush(t);
    test_cond("nothing left to flush", s.n == 2);
    mcpd_flowtab_free(t);
}

static void
test_flow_timeout(void)
{
    struct sink s;
    struct mcpd_flowtab *t = new_tab(&s, 0);

    feed(t, 0, C, 100, 0, MCPD_TH_SYN, 0);
    feed(t, 1000, C, 100, 0, MCPD_TH_SYN, 0);
    feed(t, 3000, C, 100, 0, MCPD_TH_SYN, 0);
    test_cond("TIMEOUT waits for silence", s.n == 0);
    mcpd_flow_advance(t, (3000 + 66000) * 1000000LL);
    mcpd_flow_flush(t);
    test_cond("TIMEOUT with 3 SYNs", s.n == 1 &&
              s.flows[0].verdict == MCPD_V_TIMEOUT &&
              s.flows[0].syn_count == 3);
    mcpd_flowtab_free(t);
}

static void
test_flow_closed_bytes(void)
{
    struct sink s;
    struct mcpd_flowtab *t = new_tab(&s, 0);

    feed(t, 0, C, 100, 0, MCPD_TH_SYN, 0);
    feed(t, 1, S, 900, 101, MCPD_TH_SYN | MCPD_TH_ACK, 0);
    feed(t, 2, C, 101, 901, MCPD_TH_ACK, 0);
    feed(t, 3, C, 101, 901, MCPD_TH_ACK | MCPD_TH_PSH, 50);
    feed(t, 4, C, 101, 901, MCPD_TH_ACK | MCPD_TH_PSH, 50);  /* rexmit */
    feed(t, 5, S, 901, 151, MCPD_TH_ACK | MCPD_TH_PSH, 200);
    feed(t, 6, S, 1101, 151, MCPD_TH_ACK | MCPD_TH_FIN, 0);
    feed(t, 7, C, 151, 1102, MCPD_TH_ACK | MCPD_TH_FIN, 0);
    test_cond("CLOSED at the second FIN", s.n == 1 &&
              s.flows[0].verdict == MCPD_V_CLOSED);
    test_cond("retransmission counted once", s.flows[0].cli_bytes == 50 &&
              s.flows[0].cli_retrans == 1 && s.flows[0].srv_bytes == 200);
    feed(t, 8, S, 1102, 152, MCPD_TH_ACK, 0);
    mcpd_flow_flush(t);
    test_cond("the last ACK is absorbed, not a new connection", s.n == 1);
    mcpd_flowtab_free(t);
}

static void
test_flow_one_sided(void)
{
    struct sink s;
    struct mcpd_flowtab *t = new_tab(&s, 0);

    /* Only the client's packets: SYN, ACK, request, ACK of the answer. */
    feed(t, 0, C, 100, 0, MCPD_TH_SYN, 0);
    feed(t, 1, C, 101, 901, MCPD_TH_ACK, 0);
    feed(t, 2, C, 101, 901, MCPD_TH_ACK | MCPD_TH_PSH, 40);
    feed(t, 3, C, 141, 1301, MCPD_TH_ACK, 0);
    mcpd_flow_flush(t);
    test_cond("one-sided capture is not a TIMEOUT", s.n == 1 &&
              s.flows[0].verdict == MCPD_V_ESTABLISHED);
    test_cond("server bytes inferred from ACKs",
              mcpd_flow_server_bytes(&s.flows[0]) == 400 &&
              !mcpd_flow_no_response(&s.flows[0]));
    mcpd_flowtab_free(t);
}

static void
test_flow_half_open_reset_partial(void)
{
    struct sink s;
    struct mcpd_flowtab *t = new_tab(&s, 0);

    feed(t, 0, C, 100, 0, MCPD_TH_SYN, 0);
    feed(t, 1, S, 900, 101, MCPD_TH_SYN | MCPD_TH_ACK, 0);
    feed(t, 2, C, 101, 0, MCPD_TH_RST, 0);
    test_cond("HALF_OPEN when the client answers SYN-ACK with RST",
              s.n == 1 && s.flows[0].verdict == MCPD_V_HALF_OPEN);

    feed(t, 10, LO, 40001, LO, 3000, 100, 0, MCPD_TH_SYN, 0);
    feed(t, 11, LO, 3000, LO, 40001, 900, 101, MCPD_TH_SYN | MCPD_TH_ACK, 0);
    feed(t, 12, LO, 40001, LO, 3000, 101, 901, MCPD_TH_ACK | MCPD_TH_PSH, 10);
    feed(t, 13, LO, 3000, LO, 40001, 901, 111, MCPD_TH_RST | MCPD_TH_ACK, 0);
    test_cond("RESET by server", s.n == 2 &&
              s.flows[1].verdict == MCPD_V_RESET &&
              (s.flows[1].bits & MCPD_F_SRV_RST) &&
              mcpd_flow_no_response(&s.flows[1]));
    test_cond("reset after a request without answer is server_reset",
              mcpd_flow_cause(&s.flows[1], 0) == MCPD_C_SERVER_RESET);

    /* Mid-stream: no SYN; the lower port is taken as the server. */
    feed(t, 20, LO, 3000, LO, 45000, 5000, 7000, MCPD_TH_ACK, 100);
    mcpd_flow_flush(t);
    test_cond("PARTIAL without a SYN", s.n == 3 &&
              s.flows[2].verdict == MCPD_V_PARTIAL &&
              s.flows[2].srv.port == 3000);
    mcpd_flowtab_free(t);
}

static void
test_flow_icmp_and_eviction(void)
{
    struct sink s;
    struct mcpd_flowtab *t = new_tab(&s, 2);
    struct mcpd_packet p;
    int i;

    feed(t, 0, C, 100, 0, MCPD_TH_SYN, 0);
    memset(&p, 0, sizeof(p));
    p.ts_ns = 1000000;
    p.src.family = 4;
    p.src.a[0] = 10;
    p.q_src.family = p.q_dst.family = 4;
    p.q_src.a[0] = p.q_dst.a[0] = 127;
    p.q_src.a[3] = p.q_dst.a[3] = 1;
    p.sport = 40000;
    p.dport = 3000;
    p.icmp_type = 3;
    p.icmp_code = 13;
    p.q_has_seq = 1;
    p.q_seq = 999;      /* not the SYN's ISN: must not match */
    mcpd_flow_packet(t, MCPD_DEC_ICMP_UNREACH, &p);
    p.q_seq = 100;
    mcpd_flow_packet(t, MCPD_DEC_ICMP_UNREACH, &p);
    test_cond("ICMP with a wrong seq is not matched",
              mcpd_flow_stats(t)->icmp_stray == 1);

    /* Three more SYNs into a table of two: the oldest is evicted. */
    for (i = 0; i < 3; i++)
        feed(t, 10 + i, LO, (uint16_t)(41000 + i), LO, 3000, 1, 0,
             MCPD_TH_SYN, 0);
    test_cond("eviction emits the oldest", s.n >= 1 &&
              s.flows[0].verdict == MCPD_V_UNREACHABLE &&
              (s.flows[0].bits & MCPD_F_EVICTED) &&
              mcpd_flow_cause(&s.flows[0], 0) == MCPD_C_FIREWALL_REJECT);
    mcpd_flow_flush(t);
    test_cond("every connection reported once", s.n == 4 &&
              mcpd_flow_stats(t)->evicted == 2);
    mcpd_flowtab_free(t);
}

/* One cause model: every cause has a distinct name that maps back to
 * it, and an HTTP status alone gives the cause probe would name. */
static void
test_cause_table(void)
{
    int c, d, named = 1, distinct = 1, back = 1;

    for (c = 0; c < MCPD_C_COUNT; c++) {
        const char *n = mcpd_cause_name((enum mcpd_cause)c);
        if (n == NULL || n[0] == '\0' || strcmp(n, "?") == 0)
            named = 0;
        for (d = 0; d < c; d++)
            if (strcmp(n, mcpd_cause_name((enum mcpd_cause)d)) == 0)
                distinct = 0;
        if (mcpd_cause_by_name(n) != (enum mcpd_cause)c)
            back = 0;
    }
    test_cond("every cause is named", named);
    test_cond("cause names are distinct", distinct);
    test_cond("a cause name maps back to its cause", back);
    test_cond("unknown cause name", mcpd_cause_by_name("nope") ==
              MCPD_C_COUNT);
    test_cond("a dead proxy outranks a ::1 refusal",
              mcpd_cause_rank(MCPD_C_PROXY_UNREACHABLE) >
              mcpd_cause_rank(MCPD_C_WRONG_ADDRESS_FAMILY));
    test_cond("no listener outranks an HTTP error",
              mcpd_cause_rank(MCPD_C_NO_LISTENER) >
              mcpd_cause_rank(MCPD_C_HTTP_ERROR));
    test_cond("401 is auth_required",
              mcpd_http_status_cause(401) == MCPD_C_AUTH_REQUIRED);
    test_cond("502-504 are gateway_error",
              mcpd_http_status_cause(502) == MCPD_C_GATEWAY_ERROR &&
              mcpd_http_status_cause(503) == MCPD_C_GATEWAY_ERROR &&
              mcpd_http_status_cause(504) == MCPD_C_GATEWAY_ERROR);
    test_cond("404, 403 and 500 alone are http_error",
              mcpd_http_status_cause(404) == MCPD_C_HTTP_ERROR &&
              mcpd_http_status_cause(403) == MCPD_C_HTTP_ERROR &&
              mcpd_http_status_cause(500) == MCPD_C_HTTP_ERROR);
}

int
main(void)
{
    test_cause_table();
    test_cursor();
    test_decode_ethernet();
    test_decode_vlan_and_links();
    test_decode_ipv6();
    test_decode_icmp();
    test_flow_refused_and_reuse();
    test_flow_timeout();
    test_flow_closed_bytes();
    test_flow_one_sided();
    test_flow_half_open_reset_partial();
    test_flow_icmp_and_eviction();
    return test_report();
}

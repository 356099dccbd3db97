/* \summary: unit tests of the decoders, the tracker and the verdicts */

#include <pcap/dlt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cursor.h"
#include "dec.h"
#include "flow.h"
#include "sanitize.h"
#include "verdict.h"

#include "cli.h"
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
    enum mcpd_cause cause[MAX_EMITTED];   /* computed while it lives */
};

static void
sink_emit(void *ctx, struct mcpd_flow *f, enum mcpd_emit_why why)
{
    struct sink *s = ctx;

    if (s->n < MAX_EMITTED) {
        s->flows[s->n] = *f;
        s->flows[s->n].stream = NULL;   /* the tracker frees it */
        s->why[s->n] = why;
        s->cause[s->n] = mcpd_flow_cause(f, 0);
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

/* Feed one segment carrying `data` (len bytes, all captured). */
static void
feed_data(struct mcpd_flowtab *t, int64_t ms, uint32_t src, uint16_t sport,
          uint32_t dst, uint16_t dport, uint32_t seq, uint32_t ack,
          uint8_t fl, const void *data, uint16_t len)
{
    uint8_t buf[2048];
    struct seg s = { src, dst, sport, dport, seq, ack, fl, len };
    struct mcpd_packet p;
    size_t n = build_eth_tcp(buf, &s);
    enum mcpd_dec_status st;

    memcpy(buf + 54, data, len);
    memset(&p, 0, sizeof(p));
    p.ts_ns = ms * 1000000LL;
    st = mcpd_decode(DLT_EN10MB, buf, (uint32_t)n, (uint32_t)n, &p);
    mcpd_flow_packet(t, st, &p);
}

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

/* ---- sanitisers ----------------------------------------------------- */

static const struct {
    const char *what, *in, *text, *json;
} hostile[] = {
    {"plain ASCII", "POST /mcp", "POST /mcp", "POST /mcp"},
    {"valid UTF-8", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
     "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
     "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
    {"ESC and BEL (C0)", "a\x1b[2Jb\x07", "a\\x1b[2Jb\\x07",
     "a\\u001b[2Jb\\u0007"},
    {"newline, tab, CR", "a\nb\tc\r", "a\\x0ab\\x09c\\x0d", "a\\nb\\tc\\r"},
    {"DEL", "a\x7f", "a\\x7f", "a\\u007f"},
    {"raw C1 byte", "a\x9b" "31m", "a\\x9b31m", "a\\ufffd31m"},
    {"UTF-8 C1 CSI", "a\xc2\x9b" "31m", "a\\u009b31m", "a\\u009b31m"},
    {"UTF-8 NEL and U+009F", "\xc2\x85\xc2\x9f", "\\u0085\\u009f",
     "\\u0085\\u009f"},
    {"overlong ESC", "\xc0\x9b", "\\xc0\\x9b", "\\ufffd\\ufffd"},
    {"overlong 3 bytes", "\xe0\x80\xaf", "\\xe0\\x80\\xaf",
     "\\ufffd\\ufffd\\ufffd"},
    {"surrogate", "\xed\xa0\x80", "\\xed\\xa0\\x80", "\\ufffd\\ufffd\\ufffd"},
    {"above U+10FFFF", "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80",
     "\\ufffd\\ufffd\\ufffd\\ufffd"},
    {"F5..FF lead", "\xff\xfe", "\\xff\\xfe", "\\ufffd\\ufffd"},
    {"truncated sequence", "x\xe2\x82", "x\\xe2\\x82", "x\\ufffd\\ufffd"},
    {"truncated then ASCII", "\xe2\x82" "A", "\\xe2\\x82A", "\\ufffd\\ufffdA"},
    {"line separators", "\xe2\x80\xa8\xe2\x80\xa9", "\\u2028\\u2029",
     "\\u2028\\u2029"},
    {"bidi override", "\xe2\x80\xae" "evil", "\\u202eevil", "\\u202eevil"},
    {"bidi isolates", "\xe2\x81\xa6\xe2\x81\xa9", "\\u2066\\u2069",
     "\\u2066\\u2069"},
    {"RLM and ALM", "\xe2\x80\x8f\xd8\x9c", "\\u200f\\u061c",
     "\\u200f\\u061c"},
    {"quote and backslash", "\"\\", "\"\\", "\\\"\\\\"},
};

static void
test_sanitize_table(void)
{
    char buf[256], what[128];
    size_t i, n;

    for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        n = mcpd_text_escape(buf, sizeof(buf), hostile[i].in,
                             strlen(hostile[i].in));
        snprintf(what, sizeof(what), "text: %s", hostile[i].what);
        test_cond(what, strcmp(buf, hostile[i].text) == 0 &&
                            n == strlen(buf));
        mcpd_json_escape(buf, sizeof(buf), hostile[i].in,
                         strlen(hostile[i].in));
        snprintf(what, sizeof(what), "json: %s", hostile[i].what);
        test_cond(what, strcmp(buf, hostile[i].json) == 0);
    }
}

static void
test_sanitize_edges(void)
{
    char small[8], s[16];
    char *fixed, *doc;
    FILE *f;
    char *mem = NULL;
    size_t memlen = 0;
    unsigned cp;

    /* Truncation never cuts an escape or a character in half. */
    mcpd_text_escape(small, sizeof(small), "abcd\x1b", 5);
    test_cond("text truncation keeps whole escapes",
              strcmp(small, "abcd") == 0);
    mcpd_text_escape(small, sizeof(small), "abcdef\xc3\xa9", 8);
    test_cond("text truncation keeps whole characters",
              strcmp(small, "abcdef") == 0);
    mcpd_json_escape(small, sizeof(small), "abcd\xff", 5);
    test_cond("json truncation keeps whole escapes",
              strcmp(small, "abcd") == 0);
    test_cond("zero capacity writes nothing",
              mcpd_text_escape(small, 0, "x", 1) == 0);

    /* In place, within the buffer. */
    snprintf(s, sizeof(s), "%s", "p\x1b]0;x\x07");
    mcpd_text_sanitize(s, sizeof(s));
    test_cond("in place", strcmp(s, "p\\x1b]0;x\\x07") == 0);
    snprintf(s, sizeof(s), "%s", "\x9b\x9b\x9b\x9b");
    mcpd_text_sanitize(s, 10);
    test_cond("in place, truncated to the buffer", strcmp(s, "\\x9b\\x9b") == 0);

    /* A whole cJSON-style document. */
    doc = strdup("{\"a\":\"x\xc2\x9b\x7f\xff\xe2\x80\xae\xc3\xa9\",\n\t\"b\":1}");
    fixed = mcpd_json_fix(doc);
    test_cond("json_fix rewrites what the printer left raw",
              fixed && strcmp(fixed, "{\"a\":\"x\\u009b\\u007f\\ufffd\\u202e"
                                     "\xc3\xa9\",\n\t\"b\":1}") == 0);
    free(fixed);
    test_cond("json_fix(NULL)", mcpd_json_fix(NULL) == NULL);

    /* Streams (a temporary file: Windows has no open_memstream). */
    f = tmpfile();
    if (f) {
        mcpd_text_fputs("n\x1b\xc2\x9b", f);
        fputc('|', f);
        mcpd_json_fputs("q\"\xc0", f);
        mcpd_text_fputs(NULL, f);
        rewind(f);
        mem = calloc(1, 64);
        memlen = mem ? fread(mem, 1, 63, f) : 0;
        fclose(f);
        test_cond("streams", mem && memlen == strlen(mem) &&
                  strcmp(mem, "n\\x1b\\u009b|\"q\\\"\\ufffd\"") == 0);
        free(mem);
    }

    {
        size_t bl = 0;
        char *b = mcpd_text_escape_block("a\n\x1b\tb\0c\xc2\x9b\n", 10,
                                         &bl);
        test_cond("a block keeps newlines and tabs, escapes the rest",
                  b && bl == strlen(b) &&
                  strcmp(b, "a\n\\x1b\tb\\x00c\\u009b\n") == 0);
        free(b);
    }

    test_cond("decode 4 bytes", mcpd_utf8_decode(
        (const unsigned char *)"\xf0\x9f\x98\x80", 4, &cp) == 4 &&
        cp == 0x1f600);
    test_cond("decode refuses a short buffer", mcpd_utf8_decode(
        (const unsigned char *)"\xf0\x9f\x98\x80", 3, &cp) == 0);
}

/* ---- causes above TCP (sniff.c, verdict.c) ------------------------ */

static void
test_decode_mpls(void)
{
    uint8_t frame[256], buf[300];
    struct seg s = { LO, LO, 40000, 3000, 7, 0, MCPD_TH_SYN, 0 };
    struct mcpd_packet p;
    size_t n = build_eth_tcp(frame, &s), ip_len = n - 14;
    int i;

    /* VLAN, then two MPLS labels, the second with bottom-of-stack. */
    memcpy(buf, frame, 12);
    put16(buf + 12, 0x8100);
    put16(buf + 14, 7);
    put16(buf + 16, 0x8847);
    put32(buf + 18, (100u << 12) | 64);
    put32(buf + 22, (29u << 12) | 0x100 | 64);
    memcpy(buf + 26, frame + 14, ip_len);
    test_cond("MPLS behind VLAN decodes", mcpd_decode(DLT_EN10MB, buf,
              (uint32_t)(26 + ip_len), (uint32_t)(26 + ip_len), &p) ==
              MCPD_DEC_TCP && p.dport == 3000);
    buf[26] = 0x00;     /* not IPv4/IPv6 after the stack: a pseudowire */
    test_cond("MPLS payload that is not IP skipped", mcpd_decode(DLT_EN10MB,
              buf, (uint32_t)(26 + ip_len), (uint32_t)(26 + ip_len), &p) ==
              MCPD_DEC_SKIP);
    test_cond("MPLS stack cut short", mcpd_decode(DLT_EN10MB, buf, 24, 60,
                                                  &p) == MCPD_DEC_TRUNCATED);
    put16(buf + 12, 0x8847);
    for (i = 0; i < 12; i++)
        put32(buf + 14 + 4 * i, 64);     /* never bottom of stack */
    test_cond("MPLS label flood", mcpd_decode(DLT_EN10MB, buf, 80, 80, &p) ==
                                      MCPD_DEC_INVALID);
}

/* Handshake of C/S at ms 0..2: client ISN 100, server ISN 500. */
static void
open_conn(struct mcpd_flowtab *t)
{
    feed(t, 0, C, 100, 0, MCPD_TH_SYN, 0);
    feed(t, 1, S, 500, 101, MCPD_TH_SYN | MCPD_TH_ACK, 0);
    feed(t, 2, C, 101, 501, MCPD_TH_ACK, 0);
}

#define PA (MCPD_TH_PSH | MCPD_TH_ACK)
#define FA (MCPD_TH_FIN | MCPD_TH_ACK)

static void
test_causes_tls(void)
{
    static const uint8_t hello[] = { 22, 3, 1, 0, 4, 1, 0, 0, 0 };
    static const uint8_t shello[] = { 22, 3, 3, 0, 4, 2, 0, 0, 0 };
    static const uint8_t alert[] = { 21, 3, 3, 0, 2, 2, 48 };
    uint8_t fin13[6 + 5 + 53];
    uint8_t enc12[6 + 5 + 40 + 5 + 26];
    struct sink s;
    struct mcpd_flowtab *t = new_tab(&s, 0);

    /* The client's unknown_ca alert after the server's hello. */
    open_conn(t);
    feed_data(t, 3, C, 101, 501, PA, hello, sizeof(hello));
    feed_data(t, 4, S, 501, 110, PA, shello, sizeof(shello));
    feed_data(t, 5, C, 110, 510, PA, alert, 5);        /* header ... */
    feed_data(t, 6, C, 115, 510, PA, alert + 5, 2);    /* ... then body */
    feed(t, 7, C, 117, 510, FA, 0);
    feed(t, 8, S, 510, 118, FA, 0);
    test_cond("TLS alert unknown_ca split over segments: tls_untrusted",
              s.n == 1 && s.cause[0] == MCPD_C_TLS_UNTRUSTED);

    /* TLS 1.3: change_cipher_spec and an encrypted Finished: ok. */
    memset(fin13, 0, sizeof(fin13));
    memcpy(fin13, "\x14\x03\x03\x00\x01\x01\x17\x03\x03\x00\x35", 11);
    open_conn(t);
    feed_data(t, 13, C, 101, 501, PA, hello, sizeof(hello));
    feed_data(t, 14, S, 501, 110, PA, shello, sizeof(shello));
    feed_data(t, 15, C, 110, 510, PA, fin13, sizeof(fin13));
    feed(t, 16, C, 110 + sizeof(fin13), 510, FA, 0);
    feed(t, 17, S, 510, 111 + sizeof(fin13), FA, 0);
    test_cond("TLS 1.3 Finished: ok", s.n == 2 && s.cause[1] == MCPD_C_OK);

    /* TLS 1.2: after its CCS the client's alert is encrypted, not read
     * as a plaintext one (close_notify at the end of a good session). */
    memset(enc12, 0x55, sizeof(enc12));
    memcpy(enc12, "\x14\x03\x03\x00\x01\x01\x16\x03\x03\x00\x28", 11);
    memcpy(enc12 + 11 + 40, "\x15\x03\x03\x00\x1a", 5);
    open_conn(t);
    feed_data(t, 23, C, 101, 501, PA, hello, sizeof(hello));
    feed_data(t, 24, S, 501, 110, PA, shello, sizeof(shello));
    feed_data(t, 25, C, 110, 510, PA, enc12, sizeof(enc12));
    feed(t, 26, C, 110 + sizeof(enc12), 510, FA, 0);
    feed(t, 27, S, 510, 111 + sizeof(enc12), FA, 0);
    test_cond("TLS 1.2 encrypted alert after CCS: ok", s.n == 3 &&
              s.cause[2] == MCPD_C_OK);

    /* The client closes right after the server's hello, no alert. */
    open_conn(t);
    feed_data(t, 33, C, 101, 501, PA, hello, sizeof(hello));
    feed_data(t, 34, S, 501, 110, PA, shello, sizeof(shello));
    feed(t, 35, C, 110, 510, FA, 0);
    feed(t, 36, S, 510, 111, FA, 0);
    test_cond("client closes after the certificate: tls_untrusted",
              s.n == 4 && s.cause[3] == MCPD_C_TLS_UNTRUSTED);

    /* The server closes at once on the ClientHello: wrong_protocol. */
    open_conn(t);
    feed_data(t, 43, C, 101, 501, PA, hello, sizeof(hello));
    feed(t, 44, S, 501, 110, FA, 0);
    feed(t, 45, C, 110, 502, FA, 0);
    test_cond("ClientHello answered by a FIN: wrong_protocol", s.n == 5 &&
              s.cause[4] == MCPD_C_WRONG_PROTOCOL);
    mcpd_flowtab_free(t);
}

/* One request/response exchange; `resp` then `more` from the server,
 * then the client's RST. Returns the cause. */
static enum mcpd_cause
http_exchange(const char *req, const char *resp, const char *more,
              int retransmit)
{
    struct sink s;
    struct mcpd_flowtab *t = new_tab(&s, 0);
    uint16_t rl = (uint16_t)strlen(req), pl = (uint16_t)strlen(resp);
    uint16_t ml = more ? (uint16_t)strlen(more) : 0;
    enum mcpd_cause c;

    open_conn(t);
    feed_data(t, 3, C, 101, 501, PA, req, rl);
    feed_data(t, 4, S, 501, 101 + rl, PA, resp, pl);
    if (retransmit)
        feed_data(t, 5, S, 501, 101 + rl, PA, resp, pl);
    if (more)
        feed_data(t, 6, S, 501 + pl, 101 + rl, PA, more, ml);
    feed(t, 7, C, 101 + rl, 0, MCPD_TH_RST, 0);
    c = s.n == 1 && s.flows[0].verdict == MCPD_V_RESET ? s.cause[0]
                                                       : MCPD_C_COUNT;
    mcpd_flowtab_free(t);
    return c;
}

static void
test_causes_http(void)
{
    const char *post = "POST /mcp HTTP/1.1\r\nHost: x\r\n\r\n";
    const char *get = "GET /mcp HTTP/1.1\r\nHost: x\r\n\r\n";

    test_cond("chunked response complete, client RST: abortive close, ok",
              http_exchange(post, "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
                            "chunked\r\n\r\n2\r\n{}\r\n", "0\r\n\r\n", 0) ==
                  MCPD_C_OK);
    test_cond("chunked response cut, client RST: client_reset",
              http_exchange(post, "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
                            "chunked\r\n\r\n2\r\n{}\r\n", NULL, 0) ==
                  MCPD_C_CLIENT_RESET);
    test_cond("Content-Length met over two segments and a retransmission: "
              "ok", http_exchange(post, "HTTP/1.1 200 OK\r\nContent-Length:"
                                  " 4\r\n\r\n{}", "{}", 1) == MCPD_C_OK);
    test_cond("Content-Length not met: client_reset",
              http_exchange(post, "HTTP/1.1 200 OK\r\ncontent-length: 9\r\n"
                            "\r\n{}", NULL, 0) == MCPD_C_CLIENT_RESET);
    test_cond("event stream the client ended: ok",
              http_exchange(get, "HTTP/1.1 200 OK\r\nContent-Type: "
                            "text/event-stream\r\n\r\n", "data: 1\n\n", 0)
                  == MCPD_C_OK);
    test_cond("401: auth_required",
              http_exchange(post, "HTTP/1.1 401 Unauthorized\r\n\r\n", NULL,
                            0) == MCPD_C_AUTH_REQUIRED);
    test_cond("403 with WWW-Authenticate: auth_required",
              http_exchange(post, "HTTP/1.1 403 Forbidden\r\nwww-authenticate"
                            ": Bearer error=\"insufficient_scope\"\r\n\r\n",
                            NULL, 0) == MCPD_C_AUTH_REQUIRED);
    test_cond("403 alone: http_error",
              http_exchange(post, "HTTP/1.1 403 Forbidden\r\n\r\n", NULL, 0)
                  == MCPD_C_HTTP_ERROR);
    test_cond("503: gateway_error",
              http_exchange(post, "HTTP/1.1 503 Service Unavailable\r\n\r\n",
                            NULL, 0) == MCPD_C_GATEWAY_ERROR);
    test_cond("404 to a POST: wrong_path",
              http_exchange(post, "HTTP/1.1 404 Not Found\r\n\r\n", NULL, 0)
                  == MCPD_C_WRONG_PATH);
    test_cond("405 to a GET (no standalone SSE stream, as the MCP "
              "transport allows): ok",
              http_exchange(get, "HTTP/1.1 405 Method Not Allowed\r\n"
                            "Content-Length: 0\r\n\r\n", NULL, 0) ==
                  MCPD_C_OK);
    test_cond("404 to a GET: http_error, not wrong_path",
              http_exchange(get, "HTTP/1.1 404 Not Found\r\n"
                            "Content-Length: 0\r\n\r\n", NULL, 0) ==
                  MCPD_C_HTTP_ERROR);
    test_cond("an HTTP/1.1 request answered by its echo: "
              "port_in_use_by_other",
              http_exchange(post, post, NULL, 0) ==
                  MCPD_C_PORT_IN_USE_BY_OTHER);
}

static void
test_causes_bare_ack(void)
{
    struct sink s;
    struct mcpd_flowtab *t = new_tab(&s, 0);

    /* A challenge ACK (ack of something else), then the client's RST. */
    feed(t, 0, C, 100, 0, MCPD_TH_SYN, 0);
    feed(t, 1, S, 900, 7777, MCPD_TH_ACK, 0);
    feed(t, 2, C, 7777, 0, MCPD_TH_RST, 0);
    test_cond("SYN, bare ACK, client RST: HALF_OPEN, answer_rejected",
              s.n == 1 && s.flows[0].verdict == MCPD_V_HALF_OPEN &&
              s.cause[0] == MCPD_C_ANSWER_REJECTED);
    /* The retried SYN (same ISN) connects: a new, healthy record. */
    feed(t, 3, C, 100, 0, MCPD_TH_SYN, 0);
    feed(t, 4, S, 500, 101, MCPD_TH_SYN | MCPD_TH_ACK, 0);
    feed(t, 5, C, 101, 501, MCPD_TH_ACK, 0);
    mcpd_flow_flush(t);
    test_cond("the retry is a new connection", s.n == 2 &&
              s.flows[1].verdict == MCPD_V_ESTABLISHED);
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

/* The one HTTP status table: every row is findable, carries text, and
 * agrees with the cause function probe and analyze both call. */
static void
test_http_status_table(void)
{
    static const unsigned known[] = { 400, 401, 403, 404, 405, 406, 407,
                                      415, 421, 502, 503, 504 };
    char buf[400];
    size_t i;
    int rows = 1, agree = 1;

    for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        const struct mcpd_http_status *r = mcpd_http_status_row(known[i]);
        if (r->status != known[i] || !r->reason[0] || !r->meaning[0])
            rows = 0;
        if (mcpd_http_status_cause(known[i]) != r->cause)
            agree = 0;
    }
    test_cond("http status: every known status has its own row", rows);
    test_cond("http status: the cause function reads the row", agree);
    test_cond("http status: 418 and 599 fall back to their class",
              mcpd_http_status_row(418)->status == 0 &&
              strcmp(mcpd_http_status_row(418)->reason, "Client Error")
              == 0 && mcpd_http_status_row(599)->status == 0 &&
              strcmp(mcpd_http_status_row(599)->reason, "Server Error")
              == 0);
    mcpd_http_status_text(200, buf, sizeof(buf));
    test_cond("http status: a success has no meaning", buf[0] == '\0');
    mcpd_http_status_text(404, buf, sizeof(buf));
    test_cond("http status: text is reason and meaning",
              strncmp(buf, "Not Found: no MCP endpoint", 26) == 0);
    test_cond("http status: 404 and 405 to a POST are wrong_path",
              mcpd_http_status_row(404)->cause_post == MCPD_C_WRONG_PATH &&
              mcpd_http_status_row(405)->cause_post == MCPD_C_WRONG_PATH &&
              mcpd_http_status_row(400)->cause_post == MCPD_C_HTTP_ERROR);
    test_cond("http status: 401 and 403 take a challenge, 403 and 421 "
              "are the Host check",
              mcpd_http_status_row(401)->challenge &&
              mcpd_http_status_row(403)->challenge &&
              !mcpd_http_status_row(404)->challenge &&
              mcpd_http_status_row(403)->host_check &&
              mcpd_http_status_row(421)->host_check &&
              !mcpd_http_status_row(401)->host_check);
    test_cond("http status: 406 and 415 carry their header fix",
              mcpd_http_status_row(406)->fix &&
              strstr(mcpd_http_status_row(406)->fix, "Accept:") &&
              mcpd_http_status_row(415)->fix &&
              strstr(mcpd_http_status_row(415)->fix, "Content-Type:"));
}

static void
test_parse_bytes(void)
{
    unsigned long long v = 0;

    test_cond("bytes: plain", mcpd_parse_bytes("4096", 4096, 1ULL << 40, &v)
              == 0 && v == 4096);
    test_cond("bytes: K, M, G are powers of 1024",
              mcpd_parse_bytes("3k", 1, 1ULL << 40, &v) == 0 && v == 3072 &&
              mcpd_parse_bytes("2M", 1, 1ULL << 40, &v) == 0 &&
              v == 2ULL << 20 &&
              mcpd_parse_bytes("1G", 1, 1ULL << 40, &v) == 0 &&
              v == 1ULL << 30);
    test_cond("bytes: under the minimum, over the maximum, overflow",
              mcpd_parse_bytes("4095", 4096, 1ULL << 40, &v) != 0 &&
              mcpd_parse_bytes("2048G", 1, 1ULL << 40, &v) != 0 &&
              mcpd_parse_bytes("18446744073709551615G", 1, ~0ULL, &v) != 0);
    test_cond("bytes: junk, two letters, sign, empty",
              mcpd_parse_bytes("12x", 1, ~0ULL, &v) != 0 &&
              mcpd_parse_bytes("2MB", 1, ~0ULL, &v) != 0 &&
              mcpd_parse_bytes("-1", 0, ~0ULL, &v) != 0 &&
              mcpd_parse_bytes("", 0, ~0ULL, &v) != 0);
}

/* mcpd_ip_unmap: only ::ffff:a.b.c.d becomes IPv4. */
static void
test_ip_unmap(void)
{
    static const uint8_t v4[4] = { 192, 0, 2, 7 };
    struct mcpd_ip m = { 6, { 0 } }, nat64 = { 6, { 0 } }, lo6 = { 6, { 0 } };
    struct mcpd_ip four = { 4, { 192, 0, 2, 7 } }, keep;
    static const uint8_t zero[12] = { 0 };

    m.a[10] = m.a[11] = 0xff;
    memcpy(m.a + 12, v4, 4);
    mcpd_ip_unmap(&m);
    test_cond("mapped becomes IPv4", m.family == 4 &&
              memcmp(m.a, v4, 4) == 0 && memcmp(m.a + 4, zero, 12) == 0);
    test_cond("mapped equals its IPv4", mcpd_ip_cmp(&m, &four) == 0);
    keep = four;
    mcpd_ip_unmap(&four);
    test_cond("IPv4 left alone", memcmp(&keep, &four, sizeof(four)) == 0);
    lo6.a[15] = 1;
    keep = lo6;
    mcpd_ip_unmap(&lo6);
    test_cond("::1 left alone", memcmp(&keep, &lo6, sizeof(lo6)) == 0);
    /* 64:ff9b::192.0.2.7 (NAT64) also ends in an IPv4 address. */
    nat64.a[1] = 0x64;
    nat64.a[2] = 0xff;
    nat64.a[3] = 0x9b;
    memcpy(nat64.a + 12, v4, 4);
    keep = nat64;
    mcpd_ip_unmap(&nat64);
    test_cond("NAT64 prefix left alone",
              memcmp(&keep, &nat64, sizeof(nat64)) == 0);
}

/* mcpd_endpoint_is: a mapped socket end is its IPv4 connection's end. */
static void
test_endpoint_is(void)
{
    struct mcpd_endpoint want = { { 4, { 192, 0, 2, 7 } }, 3000 };
    struct mcpd_endpoint e = { { 6, { 0 } }, 3000 };

    e.ip.a[10] = e.ip.a[11] = 0xff;
    memcpy(e.ip.a + 12, want.ip.a, 4);
    test_cond("mapped end is the IPv4 end", mcpd_endpoint_is(&e, &want));
    test_cond("IPv4 end is itself", mcpd_endpoint_is(&want, &want));
    test_cond("e left mapped", e.ip.family == 6);
    e.port = 3001;
    test_cond("other port is not", !mcpd_endpoint_is(&e, &want));
    e.port = 3000;
    e.ip.a[15] = 8;
    test_cond("other address is not", !mcpd_endpoint_is(&e, &want));
}

int
main(void)
{
    test_parse_bytes();
    test_cause_table();
    test_http_status_table();
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
    test_sanitize_table();
    test_sanitize_edges();
    test_ip_unmap();
    test_endpoint_is();
    test_decode_mpls();
    test_causes_tls();
    test_causes_http();
    test_causes_bare_ack();
    return test_report();
}

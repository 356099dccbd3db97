/* \summary: unit test of the raw-SYN stage's answer matching: frames of
 * every link type the capture device may hand over (macOS and Npcap
 * loopback DLT_NULL, OpenBSD DLT_LOOP, Ethernet, Linux cooked v1 and v2,
 * raw IP) go through the core decoder into mcpd_syn_answer */

#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include "probe_int.h"
#include "testhelp.h"

#define SPORT 61234          /* ours */
#define DPORT 3000           /* the server's */
#define SEQ   0x89abcdefu    /* our cookie */

static const uint8_t client4[4] = { 10, 0, 0, 1 };
static const uint8_t server4[4] = { 10, 0, 0, 2 };
static const uint8_t router4[4] = { 10, 0, 9, 9 };
static const uint8_t client6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0,
                                     0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t server6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0,
                                     0, 0, 0, 0, 0, 0, 0, 2 };

static void
put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v & 0xffff);
}

/* A 20-byte TCP header. */
static size_t
tcp(uint8_t *p, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
    uint8_t flags)
{
    memset(p, 0, 20);
    put16(p, sport);
    put16(p + 2, dport);
    put32(p + 4, seq);
    put32(p + 8, ack);
    p[12] = 5 << 4;
    p[13] = flags;
    return 20;
}

/* An IPv4 header before `len` bytes of `proto`. */
static size_t
ip4(uint8_t *p, const uint8_t *src, const uint8_t *dst, uint8_t proto,
    size_t len)
{
    memset(p, 0, 20);
    p[0] = 0x45;
    put16(p + 2, (uint32_t)(20 + len));
    p[8] = 64;
    p[9] = proto;
    memcpy(p + 12, src, 4);
    memcpy(p + 16, dst, 4);
    return 20;
}

static size_t
ip6(uint8_t *p, const uint8_t *src, const uint8_t *dst, uint8_t proto,
    size_t len)
{
    memset(p, 0, 40);
    p[0] = 0x60;
    put16(p + 4, (uint32_t)len);
    p[6] = proto;
    p[7] = 64;
    memcpy(p + 8, src, 16);
    memcpy(p + 24, dst, 16);
    return 40;
}

/* The server's TCP answer to our SYN, as raw IP. */
static size_t
answer4(uint8_t *p, uint32_t ack, uint8_t flags, uint16_t to_port)
{
    size_t n = ip4(p, server4, client4, 6, 20);
    return n + tcp(p + n, DPORT, to_port, 12345, ack, flags);
}

/* ICMP destination unreachable (type 3) from a router, quoting a SYN
 * of ours with sequence `seq` toward `to`. */
static size_t
unreach4(uint8_t *p, uint8_t code, uint32_t seq, const uint8_t *to)
{
    size_t n = ip4(p, router4, client4, 1, 8 + 20 + 8);
    memset(p + n, 0, 8);
    p[n] = 3;
    p[n + 1] = code;
    n += 8;
    n += ip4(p + n, client4, to, 6, 20);
    put16(p + n, SPORT);
    put16(p + n + 2, DPORT);
    put32(p + n + 4, seq);
    return n + 8;
}

/* Put the link header of `dlt` before the IP packet at ip[0..len). */
static size_t
frame(int dlt, uint8_t *out, const uint8_t *ip, size_t len, int v6)
{
    size_t h = 0;
    uint32_t af = v6 ? 30 : 2;   /* macOS AF_INET6 is 30 */

    switch (dlt) {
    case DLT_NULL:           /* host byte order (little-endian here) */
        out[0] = (uint8_t)af;
        out[1] = out[2] = out[3] = 0;
        h = 4;
        break;
    case DLT_LOOP:           /* network byte order */
        put32(out, v6 ? 24 : 2);
        h = 4;
        break;
    case DLT_EN10MB:
        memset(out, 0x02, 12);
        put16(out + 12, v6 ? 0x86dd : 0x0800);
        h = 14;
        break;
    case DLT_LINUX_SLL:
        memset(out, 0, 16);
        put16(out + 14, v6 ? 0x86dd : 0x0800);
        h = 16;
        break;
    case DLT_LINUX_SLL2:
        memset(out, 0, 20);
        put16(out, v6 ? 0x86dd : 0x0800);
        h = 20;
        break;
    default:                 /* DLT_RAW */
        break;
    }
    memcpy(out + h, ip, len);
    return h + len;
}

/* Decode one frame and match it; the match result, out filled. */
static int
match(int dlt, const uint8_t *ip, size_t len, int v6,
      struct mcpd_syn_probe *out)
{
    static const uint8_t *server[2] = { server4, server6 };
    uint8_t buf[256];
    struct mcpd_packet pk;
    struct mcpd_ip dst;
    enum mcpd_dec_status st;
    size_t n = frame(dlt, buf, ip, len, v6);

    memset(&dst, 0, sizeof(dst));
    dst.family = v6 ? 6 : 4;
    memcpy(dst.a, server[v6], v6 ? 16 : 4);
    memset(&pk, 0, sizeof(pk));
    memset(out, 0, sizeof(*out));
    st = mcpd_decode(dlt, buf, (uint32_t)n, (uint32_t)n, &pk);
    return mcpd_syn_answer(&dst, DPORT, SPORT, SEQ, st, &pk, out);
}

static void
test_link_types(void)
{
    static const int dlts[] = { DLT_NULL, DLT_LOOP, DLT_EN10MB,
                                DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW };
    struct mcpd_syn_probe out;
    uint8_t ip[128];
    size_t i, n;

    for (i = 0; i < sizeof(dlts) / sizeof(dlts[0]); i++) {
        char what[96];

        snprintf(what, sizeof(what), "%s: SYN-ACK acking our cookie",
                 pcap_datalink_val_to_name(dlts[i]));
        n = answer4(ip, SEQ + 1, MCPD_TH_SYN | MCPD_TH_ACK, SPORT);
        test_cond(what, match(dlts[i], ip, n, 0, &out) == 1 &&
                        out.result == MCPD_SYN_SYNACK);
        snprintf(what, sizeof(what), "%s: RST-ACK is a refusal",
                 pcap_datalink_val_to_name(dlts[i]));
        n = answer4(ip, SEQ + 1, MCPD_TH_RST | MCPD_TH_ACK, SPORT);
        test_cond(what, match(dlts[i], ip, n, 0, &out) == 1 &&
                        out.result == MCPD_SYN_RST);
        snprintf(what, sizeof(what), "%s: ICMP port unreachable",
                 pcap_datalink_val_to_name(dlts[i]));
        n = unreach4(ip, 3, SEQ, server4);
        test_cond(what, match(dlts[i], ip, n, 0, &out) == 1 &&
                        out.result == MCPD_SYN_ICMP &&
                        out.icmp_type == 3 && out.icmp_code == 3 &&
                        strcmp(out.icmp_from, "10.0.9.9") == 0);
    }
}

static void
test_not_ours(void)
{
    struct mcpd_syn_probe out;
    uint8_t ip[128];
    size_t n;

    n = answer4(ip, SEQ, MCPD_TH_SYN | MCPD_TH_ACK, SPORT);
    test_cond("an ack of another sequence number is not ours",
              match(DLT_NULL, ip, n, 0, &out) == 0);
    n = answer4(ip, SEQ + 1, MCPD_TH_SYN | MCPD_TH_ACK, SPORT + 1);
    test_cond("an answer to another port is not ours",
              match(DLT_EN10MB, ip, n, 0, &out) == 0);
    n = answer4(ip, SEQ + 1, MCPD_TH_ACK, SPORT);
    test_cond("a bare ACK is no answer to a SYN",
              match(DLT_RAW, ip, n, 0, &out) == 0);
    n = unreach4(ip, 1, SEQ + 7, server4);
    test_cond("an ICMP quoting another sequence number is not ours",
              match(DLT_NULL, ip, n, 0, &out) == 0);
    n = unreach4(ip, 1, SEQ, router4);
    test_cond("an ICMP quoting a SYN to another host is not ours",
              match(DLT_LINUX_SLL2, ip, n, 0, &out) == 0);
    n = unreach4(ip, 1, SEQ, server4);
    ip[20] = 11;    /* time exceeded: the decoder keeps no such answer */
    test_cond("an ICMP time exceeded is not an unreachable",
              match(DLT_RAW, ip, n, 0, &out) == 0);
}

static void
test_ipv6(void)
{
    struct mcpd_syn_probe out;
    uint8_t ip[160];
    size_t n;

    n = ip6(ip, server6, client6, 6, 20);
    n += tcp(ip + n, DPORT, SPORT, 1, SEQ + 1, MCPD_TH_RST | MCPD_TH_ACK);
    test_cond("IPv6 RST over macOS loopback (DLT_NULL, AF 30)",
              match(DLT_NULL, ip, n, 1, &out) == 1 &&
              out.result == MCPD_SYN_RST);
    /* ICMPv6 destination unreachable (type 1), code 1 (administratively
     * prohibited), quoting our SYN. */
    n = ip6(ip, server6, client6, 58, 8 + 40 + 20);
    memset(ip + n, 0, 8);
    ip[n] = 1;
    ip[n + 1] = 1;
    n += 8;
    n += ip6(ip + n, client6, server6, 6, 20);
    n += tcp(ip + n, SPORT, DPORT, SEQ, 0, MCPD_TH_SYN);
    test_cond("ICMPv6 unreachable quoting our SYN (DLT_LOOP)",
              match(DLT_LOOP, ip, n, 1, &out) == 1 &&
              out.result == MCPD_SYN_ICMP && out.icmp_type == 1 &&
              out.icmp_code == 1 && strcmp(out.icmp_from, "fd00::2") == 0);
    test_cond("an IPv6 answer is not ours when we probed IPv4",
              match(DLT_RAW, ip, n, 0, &out) == 0);
}

int
main(void)
{
    test_link_types();
    test_not_ours();
    test_ipv6();
    return test_report();
}

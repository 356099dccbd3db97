/* \summary: unit tests of the in-memory pcap walker (analyze/pcapwalk.c):
 * both byte orders, both timestamp units, link-type mapping, and every
 * way a buffer can end short or lie about a length */

#include <pcap/dlt.h>
#include <string.h>
#include "pcapwalk.h"
#include "testhelp.h"

/* A file header or record header field in the chosen byte order. */
static void
put32(uint8_t *p, uint32_t v, int big)
{
    int i;

    for (i = 0; i < 4; i++)
        p[big ? i : 3 - i] = (uint8_t)(v >> (24 - 8 * i));
}

static size_t
file_hdr(uint8_t *p, uint32_t magic, uint32_t linktype, int big)
{
    memset(p, 0, MCPD_PCAP_FILE_HDR);
    put32(p, magic, big);
    p[big ? 5 : 4] = 2;     /* version 2.4 */
    p[big ? 7 : 6] = 4;
    put32(p + 16, 65535, big);
    put32(p + 20, linktype, big);
    return MCPD_PCAP_FILE_HDR;
}

static size_t
record(uint8_t *p, uint32_t sec, uint32_t frac, uint32_t caplen,
       uint32_t wire, int big)
{
    put32(p, sec, big);
    put32(p + 4, frac, big);
    put32(p + 8, caplen, big);
    put32(p + 12, wire, big);
    memset(p + MCPD_PCAP_REC_HDR, 0xab, caplen);
    return MCPD_PCAP_REC_HDR + caplen;
}

static void
test_orders(void)
{
    static const struct { uint32_t magic; int big, nano; } v[] = {
        { 0xa1b2c3d4u, 0, 0 }, { 0xa1b2c3d4u, 1, 0 },
        { 0xa1b23c4du, 0, 1 }, { 0xa1b23c4du, 1, 1 },
    };
    uint8_t buf[256];
    struct mcpd_pcap_walk w;
    struct mcpd_pcap_rec r;
    char err[MCPD_ERR_LEN];
    size_t i, n;

    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        n = file_hdr(buf, v[i].magic, 1, v[i].big);
        n += record(buf + n, 100, 250, 10, 60, v[i].big);
        n += record(buf + n, 101, 0, 0, 0, v[i].big);
        test_cond("header accepted", mcpd_pcap_walk_init(&w, buf, n, err)
                                     == 0);
        test_cond("byte order and unit", w.big_endian == v[i].big &&
                                         w.nano == v[i].nano &&
                                         w.dlt == DLT_EN10MB);
        test_cond("first record", mcpd_pcap_walk_next(&w, &r) ==
                                  MCPD_PCAP_REC && r.hdr_off == 24 &&
                                  r.data_off == 40 && r.caplen == 10 &&
                                  r.wire_len == 60);
        test_cond("timestamp in ns", r.ts_ns == 100000000000LL +
                                     (v[i].nano ? 250 : 250000));
        test_cond("empty record", mcpd_pcap_walk_next(&w, &r) ==
                                  MCPD_PCAP_REC && r.caplen == 0 &&
                                  r.hdr_off == 50);
        test_cond("end", mcpd_pcap_walk_next(&w, &r) == MCPD_PCAP_END &&
                         mcpd_pcap_walk_next(&w, &r) == MCPD_PCAP_END);
    }
}

static void
test_link_types(void)
{
    uint8_t buf[64];
    struct mcpd_pcap_walk w;
    char err[MCPD_ERR_LEN];

    file_hdr(buf, 0xa1b2c3d4u, 101, 0);
    test_cond("LINKTYPE_RAW is DLT_RAW", mcpd_pcap_walk_init(&w, buf, 24,
                                                             err) == 0 &&
                                         w.linktype == 101 &&
                                         w.dlt == DLT_RAW);
    file_hdr(buf, 0xa1b2c3d4u, 0x10000000u | 113, 1);
    test_cond("FCS bits cleared", mcpd_pcap_walk_init(&w, buf, 24, err) ==
                                  0 && w.dlt == DLT_LINUX_SLL);
}

static void
test_damage(void)
{
    uint8_t buf[256];
    struct mcpd_pcap_walk w;
    struct mcpd_pcap_rec r;
    char err[MCPD_ERR_LEN];
    size_t n;

    n = file_hdr(buf, 0xa1b2c3d4u, 1, 0);
    test_cond("too short", mcpd_pcap_walk_init(&w, buf, 23, err) == -1 &&
                           strcmp(err, "not a pcap file (too short)") == 0);
    memcpy(buf, "\x0a\x0d\x0d\x0a", 4);
    test_cond("pcapng is not walked here",
              mcpd_pcap_walk_init(&w, buf, n, err) == -1 &&
              strcmp(err, "not a pcap file (magic 0a0d0d0a)") == 0);
    n = file_hdr(buf, 0xa1b2c3d4u, 1, 0);
    n += record(buf + n, 1, 0, 20, 20, 0);
    /* A second record claiming more than the buffer holds. */
    n += record(buf + n, 2, 0, 8, 8, 0);
    put32(buf + 60 + 8, 0xffffffffu, 0);
    test_cond("walk starts", mcpd_pcap_walk_init(&w, buf, n, err) == 0 &&
                             mcpd_pcap_walk_next(&w, &r) == MCPD_PCAP_REC);
    test_cond("a huge caplen is cut, not read",
              mcpd_pcap_walk_next(&w, &r) == MCPD_PCAP_CUT &&
              r.hdr_off == 60 && r.data_off == 76);
    test_cond("the walk stays at the cut",
              mcpd_pcap_walk_next(&w, &r) == MCPD_PCAP_CUT &&
              r.hdr_off == 60);
    /* Fewer than 16 bytes after the last record: the end. */
    test_cond("a partial record header is the end",
              mcpd_pcap_walk_init(&w, buf, 60 + 15, err) == 0 &&
              mcpd_pcap_walk_next(&w, &r) == MCPD_PCAP_REC &&
              mcpd_pcap_walk_next(&w, &r) == MCPD_PCAP_END);
    /* A record one byte short of its caplen. */
    test_cond("one byte short is cut",
              mcpd_pcap_walk_init(&w, buf, 24 + 16 + 19, err) == 0 &&
              mcpd_pcap_walk_next(&w, &r) == MCPD_PCAP_CUT &&
              r.hdr_off == 24);
}

int
main(void)
{
    test_orders();
    test_link_types();
    test_damage();
    return test_report();
}

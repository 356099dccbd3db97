/* \summary: unit tests of the pcapng reader over byte streams built in
 * memory: both byte orders, per-interface link types, timestamps, damage */

#include <pcap/dlt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pcapng.h"

#include "testhelp.h"

/* ---- stream builder ----------------------------------------------- */

#define BUF_MAX 4096

struct stream {
    uint8_t b[BUF_MAX];
    size_t n;
    int be;                  /* byte order of the current section */
};

static void
at32(struct stream *s, size_t at, uint32_t v)
{
    int i;

    for (i = 0; i < 4; i++)
        s->b[at + (size_t)i] =
            (uint8_t)(v >> (s->be ? 24 - 8 * i : 8 * i));
}

static void
p8(struct stream *s, uint8_t v)
{
    if (s->n < BUF_MAX)
        s->b[s->n++] = v;
}

static void
p16(struct stream *s, uint16_t v)
{
    p8(s, (uint8_t)(s->be ? v >> 8 : v));
    p8(s, (uint8_t)(s->be ? v : v >> 8));
}

static void
p32(struct stream *s, uint32_t v)
{
    if (s->n + 4 <= BUF_MAX) {
        at32(s, s->n, v);
        s->n += 4;
    }
}

static void
p64(struct stream *s, uint64_t v)
{
    p32(s, (uint32_t)(s->be ? v >> 32 : v));
    p32(s, (uint32_t)(s->be ? v : v >> 32));
}

static void
pbytes(struct stream *s, const void *p, size_t n)
{
    const uint8_t *q = p;

    while (n--)
        p8(s, *q++);
}

static size_t
begin(struct stream *s, uint32_t type)
{
    size_t at = s->n;

    p32(s, type);
    p32(s, 0);
    return at;
}

/* Pad the body, then write the total length at both ends. */
static void
end(struct stream *s, size_t at)
{
    while (s->n % 4)
        p8(s, 0);
    at32(s, at + 4, (uint32_t)(s->n - at + 4));
    p32(s, (uint32_t)(s->n - at + 4));
}

static void
shb(struct stream *s, int be)
{
    size_t at;

    s->be = be;
    at = begin(s, 0x0A0D0D0A);
    p32(s, 0x1A2B3C4D);
    p16(s, 1);
    p16(s, 0);
    p64(s, UINT64_MAX);      /* section length unknown */
    end(s, at);
}

/* tsresol < 0: no option; has_off: an if_tsoffset option. */
static void
idb(struct stream *s, uint16_t lt, uint32_t snap, int tsresol, int has_off,
    int64_t off)
{
    size_t at = begin(s, 1);

    p16(s, lt);
    p16(s, 0);
    p32(s, snap);
    if (tsresol >= 0) {
        p16(s, 9);
        p16(s, 1);
        p8(s, (uint8_t)tsresol);
        p8(s, 0);
        p8(s, 0);
        p8(s, 0);
    }
    if (has_off) {
        p16(s, 14);
        p16(s, 8);
        p64(s, (uint64_t)off);
    }
    p16(s, 0);
    p16(s, 0);
    end(s, at);
}

static const uint8_t payload[16] = "0123456789abcdef";

/* An EPB (pb = 0) or obsolete PB (pb = 1) carrying payload[0..caplen). */
static void
epb(struct stream *s, int pb, uint32_t id, uint64_t ts, uint32_t caplen,
    uint32_t len)
{
    size_t at = begin(s, pb ? 2 : 6);

    if (pb) {
        p16(s, (uint16_t)id);
        p16(s, 0);
    } else {
        p32(s, id);
    }
    p32(s, (uint32_t)(ts >> 32));
    p32(s, (uint32_t)ts);
    p32(s, caplen);
    p32(s, len);
    pbytes(s, payload, caplen <= sizeof(payload) ? caplen : 0);
    end(s, at);
}

static void
spb(struct stream *s, uint32_t len, size_t body)
{
    size_t at = begin(s, 3);

    p32(s, len);
    pbytes(s, payload, body);
    end(s, at);
}

/* A block of any type with `n` bytes of filler body. */
static void
other(struct stream *s, uint32_t type, size_t n)
{
    size_t at = begin(s, type);

    while (n--)
        p8(s, 0xEE);
    end(s, at);
}

/* ---- running the reader ------------------------------------------- */

#define MAX_PKTS 16

struct result {
    int open_rc, rc;         /* rc: last mcpd_pcapng_next() result */
    int again;               /* one more call after rc */
    int first_dlt;
    int n;
    struct mcpd_pcapng_packet p[MAX_PKTS];
    uint8_t head[MAX_PKTS];  /* first data byte, copied while valid */
    char err[MCPD_ERR_LEN];
};

static void
run(const struct stream *s, size_t len, struct result *res)
{
    FILE *f = fmemopen((void *)s->b, len, "rb");
    struct mcpd_pcapng *r;

    memset(res, 0, sizeof(*res));
    res->first_dlt = -2;
    if (f == NULL) {
        res->open_rc = res->rc = -9;
        return;
    }
    res->open_rc = mcpd_pcapng_open(&r, f, res->err);
    if (res->open_rc == 0) {
        res->first_dlt = mcpd_pcapng_first_dlt(r);
        for (;;) {
            struct mcpd_pcapng_packet pk;
            res->rc = mcpd_pcapng_next(r, &pk, res->err);
            if (res->rc != 1)
                break;
            if (res->n < MAX_PKTS) {
                res->head[res->n] = pk.caplen ? pk.data[0] : 0;
                res->p[res->n++] = pk;
            }
        }
        /* After the end or an error, it stays there. */
        if (res->rc != 1) {
            struct mcpd_pcapng_packet pk;
            char err2[MCPD_ERR_LEN];
            res->again = mcpd_pcapng_next(r, &pk, err2);
        }
        mcpd_pcapng_close(r);
    }
    fclose(f);
}

/* An error is one non-empty line. */
static int
one_line(const char *e)
{
    return e[0] != '\0' && strchr(e, '\n') == NULL;
}

static int
damaged(const struct stream *s, size_t len, const char *word)
{
    struct result res;

    run(s, len, &res);
    if (res.open_rc == 0 && (res.rc != -1 || res.again != -1))
        return 0;
    if (!one_line(res.err) || strstr(res.err, word) == NULL) {
        printf("  unexpected error text: %s\n", res.err);
        return 0;
    }
    return 1;
}

/* ---- tests -------------------------------------------------------- */

static void
test_byte_orders(void)
{
    int be;

    for (be = 0; be <= 1; be++) {
        struct stream s = { .n = 0 };
        struct result r;

        shb(&s, be);
        idb(&s, 1, 65535, -1, 0, 0);
        epb(&s, 0, 0, 1500000, 10, 60);    /* 1.5 s in microseconds */
        run(&s, s.n, &r);
        test_cond("open both orders", r.open_rc == 0);
        test_cond("one packet then end", r.n == 1 && r.rc == 0 &&
                  r.again == 0);
        test_cond("default resolution us",
                  r.p[0].ts_ns == 1500000000);
        test_cond("lengths", r.p[0].caplen == 10 && r.p[0].len == 60);
        test_cond("dlt and data", r.p[0].dlt == DLT_EN10MB &&
                  r.head[0] == '0' && r.first_dlt == DLT_EN10MB);
    }
}

static void
test_mixed_interfaces(void)
{
    struct stream s = { .n = 0 };
    struct result r;

    /* What libpcap 1.10 refuses: snaplen and link type differ. */
    shb(&s, 0);
    idb(&s, 1, 262144, -1, 0, 0);
    idb(&s, 101, 8192, -1, 0, 0);
    idb(&s, 108, 65535, -1, 0, 0);
    epb(&s, 0, 1, 1, 4, 4);
    epb(&s, 0, 0, 2, 4, 4);
    epb(&s, 0, 2, 3, 4, 4);
    run(&s, s.n, &r);
    test_cond("mixed interfaces read", r.open_rc == 0 && r.n == 3 &&
              r.rc == 0);
    test_cond("LINKTYPE_RAW -> DLT_RAW", r.p[0].dlt == DLT_RAW);
    test_cond("ethernet stays", r.p[1].dlt == DLT_EN10MB);
    test_cond("LINKTYPE_LOOP -> DLT_LOOP", r.p[2].dlt == DLT_LOOP);
    test_cond("first dlt is interface 0", r.first_dlt == DLT_EN10MB);
}

static void
test_timestamps(void)
{
    struct stream s = { .n = 0 };
    struct result r;

    shb(&s, 1);
    idb(&s, 1, 0, 9, 0, 0);                  /* 10^-9 */
    idb(&s, 1, 0, 0x80 | 20, 0, 0);          /* 2^-20 */
    idb(&s, 1, 0, -1, 1, 1000);              /* us, +1000 s */
    idb(&s, 1, 0, 3, 1, -5);                 /* ms, -5 s */
    idb(&s, 1, 0, 0x80 | 63, 0, 0);          /* 2^-63: no overflow */
    epb(&s, 0, 0, 1234567890123456789ull, 1, 1);
    epb(&s, 0, 1, (5ull << 20) | (1ull << 19), 1, 1);
    epb(&s, 0, 2, 7, 1, 1);
    epb(&s, 0, 3, 2500, 1, 1);
    epb(&s, 0, 4, 3ull << 62, 1, 1);
    run(&s, s.n, &r);
    test_cond("timestamps read", r.open_rc == 0 && r.n == 5 && r.rc == 0);
    test_cond("tsresol 10^-9", r.p[0].ts_ns == 1234567890123456789ll);
    test_cond("tsresol 2^-20", r.p[1].ts_ns == 5500000000ll);
    test_cond("tsoffset +1000 s", r.p[2].ts_ns == 1000000007000ll);
    test_cond("tsoffset -5 s, ms", r.p[3].ts_ns == -2500000000ll);
    test_cond("tsresol 2^-63", r.p[4].ts_ns == 1500000000ll);
}

static void
test_spb_pb_and_skipping(void)
{
    struct stream s = { .n = 0 };
    struct result r;

    shb(&s, 0);
    idb(&s, 1, 6, -1, 0, 0);
    other(&s, 4, 8);                 /* name resolution */
    epb(&s, 1, 0, 42, 3, 70);        /* obsolete packet block */
    other(&s, 0x12345678, 20);       /* unknown */
    spb(&s, 10, 12);                 /* longer than the snaplen of 6 */
    other(&s, 5, 0);                 /* interface statistics */
    other(&s, 0x0A, 4);              /* decryption secrets */
    other(&s, 0x40000BAD, 3);        /* custom */
    spb(&s, 5, 5);                   /* padded to 8 */
    run(&s, s.n, &r);
    test_cond("spb/pb read", r.open_rc == 0 && r.n == 3 && r.rc == 0);
    test_cond("pb fields", r.p[0].ts_ns == 42000 && r.p[0].caplen == 3 &&
              r.p[0].len == 70 && r.head[0] == '0');
    test_cond("spb takes previous time", r.p[1].ts_ns == 42000 &&
              r.p[2].ts_ns == 42000);
    test_cond("spb capped by snaplen", r.p[1].caplen == 6 &&
              r.p[1].len == 10);
    test_cond("spb padding is not data", r.p[2].caplen == 5);
}

static void
test_sections(void)
{
    struct stream s = { .n = 0 };
    struct result r;
    size_t second;

    shb(&s, 0);
    idb(&s, 1, 0, -1, 0, 0);
    idb(&s, 1, 0, -1, 0, 0);
    epb(&s, 0, 1, 1, 1, 1);
    second = s.n;
    shb(&s, 1);
    idb(&s, 101, 0, 9, 0, 0);
    epb(&s, 0, 0, 5, 1, 1);
    run(&s, s.n, &r);
    test_cond("two sections", r.open_rc == 0 && r.n == 2 && r.rc == 0);
    test_cond("second section big-endian, own interfaces",
              r.p[1].dlt == DLT_RAW && r.p[1].ts_ns == 5);
    test_cond("first_dlt keeps the first", r.first_dlt == DLT_EN10MB);

    /* A new section forgets the old interfaces. */
    s.n = second;
    shb(&s, 1);
    idb(&s, 101, 0, 9, 0, 0);
    epb(&s, 0, 1, 5, 1, 1);
    test_cond("interfaces reset by SHB", damaged(&s, s.n, "interface 1"));

    s.n = 0;
    shb(&s, 0);
    run(&s, s.n, &r);
    test_cond("no interface: first_dlt -1, empty", r.open_rc == 0 &&
              r.first_dlt == -1 && r.n == 0 && r.rc == 0);
}

static void
test_not_pcapng(void)
{
    static const uint8_t pcap_hdr[24] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4 };
    struct stream s = { .n = 0 };
    size_t at;

    pbytes(&s, pcap_hdr, sizeof(pcap_hdr));
    test_cond("pcap file", damaged(&s, s.n, "not a pcapng file"));
    test_cond("3 bytes", damaged(&s, 3, "not a pcapng file"));
    s.n = 0;
    shb(&s, 0);
    test_cond("truncated SHB",
              damaged(&s, 10, "truncated section header"));
    test_cond("SHB without BOM",
              damaged(&s, 6, "truncated section header"));
    s.b[8] = 0x99;
    test_cond("bad byte-order magic", damaged(&s, s.n, "byte-order"));
    s.n = 0;
    s.be = 0;
    at = begin(&s, 0x0A0D0D0A);
    p32(&s, 0x1A2B3C4D);
    p16(&s, 2);
    p16(&s, 0);
    p64(&s, 0);
    end(&s, at);
    test_cond("version 2", damaged(&s, s.n, "version"));
}

/* A valid start: SHB, IDB, one EPB. */
static void
good_start(struct stream *s)
{
    s->n = 0;
    shb(s, 0);
    idb(s, 1, 65535, -1, 0, 0);
    epb(s, 0, 0, 1, 4, 4);
}

static void
test_damage(void)
{
    struct stream s;
    size_t at;

    good_start(&s);
    epb(&s, 0, 0, 2, 16, 16);
    test_cond("truncated last block",
              damaged(&s, s.n - 10, "truncated enhanced packet block"));
    test_cond("truncated block header",
              damaged(&s, s.n - 48 + 5, "truncated block header"));

    good_start(&s);
    epb(&s, 0, 0, 2, 4, 4);
    at32(&s, s.n - 4, 40);
    test_cond("bad trailing length", damaged(&s, s.n, "trailing length"));

    good_start(&s);
    at = s.n;
    epb(&s, 0, 0, 2, 4, 4);
    at32(&s, at + 4, 0);
    test_cond("block length 0", damaged(&s, s.n, "bad length 0"));
    at32(&s, at + 4, 5);
    test_cond("block length 5", damaged(&s, s.n, "bad length 5"));
    at32(&s, at + 4, 8);
    test_cond("block length 8", damaged(&s, s.n, "bad length 8"));
    at32(&s, at + 4, 0xFFFFFFFC);
    test_cond("huge block", damaged(&s, s.n, "limit"));
    at32(&s, at + 4, MCPD_PCAPNG_MAX_BLOCK + 4);
    test_cond("just over the limit", damaged(&s, s.n, "limit"));
    at32(&s, at + 4, MCPD_PCAPNG_MAX_BLOCK);
    test_cond("at the limit: truncated, not refused",
              damaged(&s, s.n, "truncated"));

    good_start(&s);
    epb(&s, 0, 1, 2, 4, 4);
    test_cond("interface id out of range",
              damaged(&s, s.n, "names interface 1"));
    good_start(&s);
    epb(&s, 1, 7, 2, 4, 4);
    test_cond("pb interface out of range",
              damaged(&s, s.n, "names interface 7"));

    good_start(&s);
    at = s.n;
    epb(&s, 0, 0, 2, 4, 4);
    at32(&s, at + 20, 5);
    test_cond("caplen larger than the block",
              damaged(&s, s.n, "captured length 5"));
    at32(&s, at + 20, 0xFFFFFFFF);
    test_cond("caplen 2^32-1", damaged(&s, s.n, "captured length"));

    good_start(&s);
    at = s.n;
    other(&s, 6, 8);
    test_cond("EPB too short", damaged(&s, s.n, "too short"));
    s.n = at;
    other(&s, 1, 4);
    test_cond("IDB too short", damaged(&s, s.n, "too short"));

    s.n = 0;
    shb(&s, 0);
    spb(&s, 4, 4);
    test_cond("SPB before any IDB", damaged(&s, s.n, "no interface"));
    s.n = 0;
    shb(&s, 0);
    epb(&s, 0, 0, 1, 4, 4);
    test_cond("EPB before any IDB", damaged(&s, s.n, "names interface 0"));

    s.n = 0;
    shb(&s, 0);
    idb(&s, 1, 0, 20, 0, 0);
    test_cond("tsresol 10^-20", damaged(&s, s.n, "if_tsresol"));
    s.n = 0;
    shb(&s, 0);
    at = begin(&s, 1);
    p32(&s, 1);
    p32(&s, 0);
    p16(&s, 2);
    p16(&s, 400);              /* option longer than the block */
    end(&s, at);
    test_cond("option overrun", damaged(&s, s.n, "option 2 overruns"));
}

/* Every prefix of a good file ends cleanly or with an error, never worse
 * (run under -fsanitize=address,undefined). */
static void
test_every_prefix(void)
{
    struct stream s = { .n = 0 };
    struct result r;
    size_t n, bad = 0;

    shb(&s, 1);
    idb(&s, 1, 65535, 6, 1, 3);
    other(&s, 4, 12);
    epb(&s, 0, 0, 1, 16, 16);
    spb(&s, 16, 16);
    epb(&s, 1, 0, 2, 7, 9);
    for (n = 1; n < s.n; n++) {
        run(&s, n, &r);
        if (r.open_rc == 0 && r.rc == 0 && n % 4 != 0)
            bad++;
        if ((r.open_rc != 0 || r.rc != 0) && !one_line(r.err))
            bad++;
    }
    test_cond("every prefix: an error unless on a block boundary",
              bad == 0);
}

int
main(void)
{
    test_byte_orders();
    test_mixed_interfaces();
    test_timestamps();
    test_spb_pb_and_skipping();
    test_sections();
    test_not_pcapng();
    test_damage();
    test_every_prefix();
    return test_report();
}

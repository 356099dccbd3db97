/* \summary: streaming pcapng reader (draft-ietf-opsawg-pcapng): SHB, IDB,
 * EPB, SPB and the obsolete PB; every other block is skipped by length */

#include <errno.h>
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>
#include "dec.h"
#include "pcapng.h"

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 1u
#define BT_PB  2u
#define BT_SPB 3u
#define BT_NRB 4u
#define BT_ISB 5u
#define BT_EPB 6u
#define BT_DSB 0x0Au
#define BT_CB  0x00000BADu
#define BT_CB_NOCOPY 0x40000BADu

/* Smallest legal block of each kind, header and trailer included. */
#define HDR_LEN 8u               /* type, total length */
#define MIN_BLOCK 12u            /* header and trailing length */
#define SHB_MIN 28u
#define IDB_MIN 20u
#define PKT_MIN 32u              /* EPB and PB: 20 bytes of fields */
#define SPB_MIN 16u

#define OPT_ENDOFOPT 0
#define OPT_TSRESOL 9
#define OPT_TSOFFSET 14

/*
 * A PB can only name 65536 interfaces; a section claiming more is not a
 * capture, and the limit keeps a hostile file from growing the table
 * without bound.
 */
#define MAX_IFACES 65536u

#define NS_PER_S 1000000000u

struct iface {
    int dlt;
    uint32_t snaplen;
    int pow2;                /* resolution 2^-exp s, else 10^-exp s */
    unsigned exp;            /* <= 63 for pow2, <= 19 for powers of 10 */
    int64_t offset_s;        /* if_tsoffset */
};

struct mcpd_pcapng {
    FILE *f;
    uint8_t *buf;            /* the current block, header to trailer */
    size_t cap;
    uint32_t blen;           /* bytes of buf that are valid */
    uint64_t off;            /* file offset of the current block */
    uint64_t pos;            /* bytes consumed from f */
    int be;                  /* the section is big-endian */
    struct iface *ifs;       /* interfaces of the current section */
    size_t nifs, ifcap;
    int first_dlt;
    int64_t last_ts;         /* for SPBs, which carry no timestamp */
    int eof, dead;
};

static const uint8_t shb_magic[4] = { 0x0A, 0x0D, 0x0D, 0x0A };

static uint64_t
pow10u(unsigned e)
{
    uint64_t v = 1;

    while (e--)
        v *= 10;
    return v;
}

/* Field reads check the block bounds themselves: a missed length check
 * elsewhere yields 0, never a read past the buffer. */
static uint32_t
u32at(const struct mcpd_pcapng *r, size_t off)
{
    const uint8_t *p;

    if (off > r->blen || r->blen - off < 4)
        return 0;
    p = r->buf + off;
    if (r->be)
        return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
               ((uint32_t)p[2] << 8) | (uint32_t)p[3];
    return ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[1] << 8) | (uint32_t)p[0];
}

static uint16_t
u16at(const struct mcpd_pcapng *r, size_t off)
{
    const uint8_t *p;

    if (off > r->blen || r->blen - off < 2)
        return 0;
    p = r->buf + off;
    return r->be ? (uint16_t)((p[0] << 8) | p[1])
                 : (uint16_t)((p[1] << 8) | p[0]);
}

static uint64_t
u64at(const struct mcpd_pcapng *r, size_t off)
{
    uint64_t a = u32at(r, off), b = u32at(r, off + 4);

    return r->be ? (a << 32) | b : (b << 32) | a;
}

static const char *
block_name(uint32_t type)
{
    switch (type) {
    case BT_SHB: return "section header";
    case BT_IDB: return "interface description block";
    case BT_PB:  return "packet block";
    case BT_SPB: return "simple packet block";
    case BT_NRB: return "name resolution block";
    case BT_ISB: return "interface statistics block";
    case BT_EPB: return "enhanced packet block";
    case BT_DSB: return "decryption secrets block";
    case BT_CB:
    case BT_CB_NOCOPY: return "custom block";
    default:     return "block";
    }
}

static int
grow(struct mcpd_pcapng *r, size_t need, char *err)
{
    size_t ncap;
    uint8_t *nb;

    if (need <= r->cap)
        return 0;
    ncap = r->cap < 4096 ? 4096 : r->cap;
    while (ncap < need)
        ncap *= 2;
    if (ncap > MCPD_PCAPNG_MAX_BLOCK)
        ncap = MCPD_PCAPNG_MAX_BLOCK;
    nb = realloc(r->buf, ncap);
    if (nb == NULL) {
        snprintf(err, MCPD_ERR_LEN, "out of memory");
        return -1;
    }
    r->buf = nb;
    r->cap = ncap;
    return 0;
}

/* Read up to n bytes; a short count with ferror() set is a read error. */
static size_t
read_in(struct mcpd_pcapng *r, size_t at, size_t n, char *err)
{
    size_t got = fread(r->buf + at, 1, n, r->f);

    r->pos += got;
    if (got < n && ferror(r->f))
        snprintf(err, MCPD_ERR_LEN, "read error at byte %llu: %s",
                 (unsigned long long)r->pos, strerror(errno));
    return got;
}

/*
 * Read one whole block into buf and check its framing. 1: a block;
 * 0: clean end of file; -1: damage or a read error, err set.
 */
static int
read_block(struct mcpd_pcapng *r, char *err)
{
    unsigned long long at = r->off = r->pos;
    uint32_t type, len;
    size_t got, have;

    r->blen = 0;
    if (grow(r, MIN_BLOCK, err) < 0)
        return -1;
    got = read_in(r, 0, HDR_LEN, err);
    if (got == 0 && !ferror(r->f))
        return 0;
    if (got < HDR_LEN) {
        if (ferror(r->f))
            return -1;
        if (got >= 4 && memcmp(r->buf, shb_magic, 4) == 0)
            snprintf(err, MCPD_ERR_LEN, "truncated section header at "
                     "byte %llu", at);
        else
            snprintf(err, MCPD_ERR_LEN, "truncated block header at byte "
                     "%llu (%zu of 8 bytes)", at, got);
        return -1;
    }
    have = HDR_LEN;
    /* A section's byte order is known only from its byte-order magic,
     * which follows the length it governs. */
    if (memcmp(r->buf, shb_magic, 4) == 0) {
        got = read_in(r, HDR_LEN, 4, err);
        have += got;
        if (got < 4) {
            if (!ferror(r->f))
                snprintf(err, MCPD_ERR_LEN, "truncated section header at "
                         "byte %llu", at);
            return -1;
        }
        if (memcmp(r->buf + 8, "\x1A\x2B\x3C\x4D", 4) == 0)
            r->be = 1;
        else if (memcmp(r->buf + 8, "\x4D\x3C\x2B\x1A", 4) == 0)
            r->be = 0;
        else {
            snprintf(err, MCPD_ERR_LEN, "bad byte-order magic in section "
                     "header at byte %llu", at);
            return -1;
        }
    }
    r->blen = (uint32_t)have;
    type = u32at(r, 0);
    len = u32at(r, 4);
    if (len < MIN_BLOCK || len % 4 != 0) {
        snprintf(err, MCPD_ERR_LEN, "bad length %lu of %s at byte %llu",
                 (unsigned long)len, block_name(type), at);
        return -1;
    }
    if (len > MCPD_PCAPNG_MAX_BLOCK) {
        snprintf(err, MCPD_ERR_LEN, "%s at byte %llu claims %lu bytes, "
                 "more than the %u-byte limit", block_name(type), at,
                 (unsigned long)len, MCPD_PCAPNG_MAX_BLOCK);
        return -1;
    }
    if (grow(r, len, err) < 0)
        return -1;
    got = read_in(r, have, len - have, err);
    if (got < len - have) {
        if (!ferror(r->f))
            snprintf(err, MCPD_ERR_LEN, "truncated %s at byte %llu: %lu "
                     "bytes declared, %zu present", block_name(type), at,
                     (unsigned long)len, have + got);
        return -1;
    }
    r->blen = len;
    if (u32at(r, len - 4) != len) {
        snprintf(err, MCPD_ERR_LEN, "%s at byte %llu: trailing length %lu "
                 "differs from leading length %lu", block_name(type), at,
                 (unsigned long)u32at(r, len - 4), (unsigned long)len);
        return -1;
    }
    return 1;
}

static int
too_short(const struct mcpd_pcapng *r, uint32_t type, char *err)
{
    snprintf(err, MCPD_ERR_LEN, "%s at byte %llu is too short (%lu bytes)",
             block_name(type), (unsigned long long)r->off,
             (unsigned long)r->blen);
    return -1;
}

static int
handle_shb(struct mcpd_pcapng *r, char *err)
{
    uint16_t major = u16at(r, 12);

    if (r->blen < SHB_MIN)
        return too_short(r, BT_SHB, err);
    /* 1.0 and 1.2 exist in the wild and share the 1.x layout. */
    if (major != 1) {
        snprintf(err, MCPD_ERR_LEN, "unsupported pcapng version %u.%u in "
                 "section header at byte %llu", major, u16at(r, 14),
                 (unsigned long long)r->off);
        return -1;
    }
    r->nifs = 0;
    return 0;
}

static int
handle_idb(struct mcpd_pcapng *r, char *err)
{
    struct iface ifc = { 0, 0, 0, 6, 0 };
    size_t o = 16, end = r->blen - 4;

    if (r->blen < IDB_MIN)
        return too_short(r, BT_IDB, err);
    ifc.dlt = mcpd_linktype_to_dlt(u16at(r, 8));
    ifc.snaplen = u32at(r, 12);
    /* Options are optional, and so is the end-of-options marker. */
    while (end - o >= 4) {
        uint16_t code = u16at(r, o), olen = u16at(r, o + 2);
        size_t pad = ((size_t)olen + 3) & ~(size_t)3;

        o += 4;
        if (code == OPT_ENDOFOPT)
            break;
        if (olen > end - o) {
            snprintf(err, MCPD_ERR_LEN, "option %u overruns the interface "
                     "description block at byte %llu", code,
                     (unsigned long long)r->off);
            return -1;
        }
        if (code == OPT_TSRESOL && olen >= 1) {
            uint8_t v = r->buf[o];
            ifc.pow2 = (v & 0x80) != 0;
            ifc.exp = v & 0x7f;
            if (ifc.exp > (ifc.pow2 ? 63u : 19u)) {
                snprintf(err, MCPD_ERR_LEN, "unusable if_tsresol 0x%02x in "
                         "interface description block at byte %llu", v,
                         (unsigned long long)r->off);
                return -1;
            }
        } else if (code == OPT_TSOFFSET && olen >= 8) {
            /* Two's complement, without an implementation-defined cast. */
            uint64_t u = u64at(r, o);
            ifc.offset_s = u <= INT64_MAX ? (int64_t)u
                                          : -(int64_t)(~u) - 1;
        }
        o += pad < end - o ? pad : end - o;
    }
    if (r->nifs >= MAX_IFACES) {
        snprintf(err, MCPD_ERR_LEN, "more than %u interfaces in the section "
                 "at byte %llu", MAX_IFACES, (unsigned long long)r->off);
        return -1;
    }
    if (r->nifs == r->ifcap) {
        size_t ncap = r->ifcap ? r->ifcap * 2 : 4;
        struct iface *n = realloc(r->ifs, ncap * sizeof(*n));
        if (n == NULL) {
            snprintf(err, MCPD_ERR_LEN, "out of memory");
            return -1;
        }
        r->ifs = n;
        r->ifcap = ncap;
    }
    if (r->first_dlt < 0)
        r->first_dlt = ifc.dlt;
    r->ifs[r->nifs++] = ifc;
    return 0;
}

/* Saturating: a nonsense timestamp must not become undefined behaviour. */
static int64_t
sat_add(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b)
        return INT64_MIN;
    return a + b;
}

static int64_t
ts_to_ns(const struct iface *ifc, uint64_t t)
{
    uint64_t sec, frac, fns;
    int64_t ns, off;

    if (ifc->pow2) {
        sec = t >> ifc->exp;
        frac = t & ((UINT64_C(1) << ifc->exp) - 1);
        /* frac * 10^9 must stay below 2^64: drop bits finer than 1 ns. */
        if (ifc->exp <= 34)
            fns = (frac * NS_PER_S) >> ifc->exp;
        else
            fns = ((frac >> (ifc->exp - 34)) * NS_PER_S) >> 34;
    } else {
        uint64_t ups = pow10u(ifc->exp);

        sec = t / ups;
        frac = t % ups;
        fns = ifc->exp <= 9 ? frac * pow10u(9 - ifc->exp)
                            : frac / pow10u(ifc->exp - 9);
    }
    ns = sec > (uint64_t)(INT64_MAX / NS_PER_S) ? INT64_MAX
         : sat_add((int64_t)(sec * NS_PER_S), (int64_t)fns);
    if (ifc->offset_s > INT64_MAX / NS_PER_S)
        off = INT64_MAX;
    else if (ifc->offset_s < INT64_MIN / NS_PER_S)
        off = INT64_MIN;
    else
        off = ifc->offset_s * NS_PER_S;
    return sat_add(ns, off);
}

/* EPB and the obsolete PB differ only in the width of the interface id. */
static int
handle_epb(struct mcpd_pcapng *r, uint32_t type,
           struct mcpd_pcapng_packet *pkt, char *err)
{
    uint32_t id, caplen;
    uint64_t t;

    if (r->blen < PKT_MIN)
        return too_short(r, type, err);
    id = type == BT_PB ? u16at(r, 8) : u32at(r, 8);
    if (id >= r->nifs) {
        snprintf(err, MCPD_ERR_LEN, "%s at byte %llu names interface %lu, "
                 "but the section has %zu", block_name(type),
                 (unsigned long long)r->off, (unsigned long)id, r->nifs);
        return -1;
    }
    caplen = u32at(r, 20);
    if (caplen > r->blen - PKT_MIN) {
        snprintf(err, MCPD_ERR_LEN, "%s at byte %llu: captured length %lu "
                 "exceeds the block", block_name(type),
                 (unsigned long long)r->off, (unsigned long)caplen);
        return -1;
    }
    t = ((uint64_t)u32at(r, 12) << 32) | u32at(r, 16);
    pkt->ts_ns = r->last_ts = ts_to_ns(&r->ifs[id], t);
    pkt->caplen = caplen;
    pkt->len = u32at(r, 24);
    pkt->dlt = r->ifs[id].dlt;
    pkt->data = r->buf + 28;
    return 1;
}

static int
handle_spb(struct mcpd_pcapng *r, struct mcpd_pcapng_packet *pkt, char *err)
{
    uint32_t room, len;

    if (r->blen < SPB_MIN)
        return too_short(r, BT_SPB, err);
    room = r->blen - SPB_MIN;
    if (r->nifs == 0) {
        snprintf(err, MCPD_ERR_LEN, "simple packet block at byte %llu, but "
                 "the section has no interface", (unsigned long long)r->off);
        return -1;
    }
    /* No captured length: the body is the packet plus padding. */
    len = u32at(r, 8);
    pkt->caplen = len < room ? len : room;
    if (r->ifs[0].snaplen != 0 && pkt->caplen > r->ifs[0].snaplen)
        pkt->caplen = r->ifs[0].snaplen;
    pkt->len = len;
    pkt->ts_ns = r->last_ts;
    pkt->dlt = r->ifs[0].dlt;
    pkt->data = r->buf + 12;
    return 1;
}

/* Read and act on one block: 1 packet, 2 other block, 0 EOF, -1 error. */
static int
step(struct mcpd_pcapng *r, struct mcpd_pcapng_packet *pkt, char *err)
{
    int rc = read_block(r, err);
    uint32_t type;

    if (rc <= 0)
        return rc;
    type = u32at(r, 0);
    switch (type) {
    case BT_SHB:
        return handle_shb(r, err) < 0 ? -1 : 2;
    case BT_IDB:
        return handle_idb(r, err) < 0 ? -1 : 2;
    case BT_EPB:
    case BT_PB:
        return handle_epb(r, type, pkt, err);
    case BT_SPB:
        return handle_spb(r, pkt, err);
    default:
        return 2;
    }
}

int
mcpd_pcapng_next(struct mcpd_pcapng *r, struct mcpd_pcapng_packet *pkt,
                 char *err)
{
    int rc;

    if (r->dead) {
        snprintf(err, MCPD_ERR_LEN, "pcapng reader stopped at an earlier "
                 "error");
        return -1;
    }
    if (r->eof)
        return 0;
    do
        rc = step(r, pkt, err);
    while (rc == 2);
    if (rc == 0)
        r->eof = 1;
    else if (rc < 0)
        r->dead = 1;
    return rc;
}

int
mcpd_pcapng_open(struct mcpd_pcapng **out, FILE *f, char *err)
{
    struct mcpd_pcapng *r = calloc(1, sizeof(*r));
    struct mcpd_pcapng_packet pkt;
    int rc;

    *out = NULL;
    if (r == NULL) {
        snprintf(err, MCPD_ERR_LEN, "out of memory");
        return -1;
    }
    r->f = f;
    r->first_dlt = -1;
    rc = read_block(r, err);
    if (rc < 0 && (ferror(f) || r->cap == 0))
        goto fail;
    if (r->pos < 4 || memcmp(r->buf, shb_magic, 4) != 0) {
        snprintf(err, MCPD_ERR_LEN, "not a pcapng file");
        goto fail;
    }
    if (rc < 0 || handle_shb(r, err) < 0)
        goto fail;
    /* Read up to the first interface so that first_dlt is known; no
     * packet can come before it in a valid file. */
    while (r->nifs == 0) {
        rc = step(r, &pkt, err);
        if (rc == 0) {
            r->eof = 1;
            break;
        }
        if (rc < 0)
            goto fail;
    }
    *out = r;
    return 0;
fail:
    mcpd_pcapng_close(r);
    return -1;
}

void
mcpd_pcapng_close(struct mcpd_pcapng *r)
{
    if (r == NULL)
        return;
    free(r->buf);
    free(r->ifs);
    free(r);
}

int
mcpd_pcapng_first_dlt(const struct mcpd_pcapng *r)
{
    return r->first_dlt;
}

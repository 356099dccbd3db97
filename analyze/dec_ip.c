/* \summary: IPv4 (RFC 791), IPv6 (RFC 8200), TCP (RFC 9293) and ICMP
 * destination-unreachable (RFC 792, RFC 4443) decoding */

#include <string.h>
#include "cursor.h"
#include "dec.h"

#define IPPROTO_TCP_   6
#define IPPROTO_ICMP_  1
#define IPPROTO_ICMP6_ 58

/* ICMPv4 type 3 code 4 is "fragmentation needed" (a path-MTU signal,
 * not a rejection) and ICMPv6 type 2 "packet too big" likewise. */
#define ICMP4_UNREACH       3
#define ICMP4_NEEDFRAG      4
#define ICMP6_DST_UNREACH   1

#define IP6_MAX_EXT_HEADERS 16

static void
copy_ip(struct mcpd_ip *ip, int family, const uint8_t *p)
{
    memset(ip, 0, sizeof(*ip));
    ip->family = (uint8_t)family;
    memcpy(ip->a, p, family == 4 ? 4 : 16);
}

/*
 * Walk the IPv6 extension-header chain (RFC 8200 section 4) starting at
 * *off with next-header *nh. Stops at the first upper-layer protocol.
 * Returns SKIP for "no next header" or ESP, FRAGMENT for a non-first
 * fragment, TRUNCATED or INVALID; MCPD_DEC_TCP means "reached an upper
 * layer", whatever it is.
 */
static enum mcpd_dec_status
ip6_walk(struct mcpd_cursor *c, size_t *off, uint8_t *nh)
{
    int n;

    for (n = 0; n < IP6_MAX_EXT_HEADERS; n++) {
        size_t len;
        uint8_t next;

        switch (*nh) {
        case 0:     /* hop-by-hop options */
        case 43:    /* routing */
        case 60:    /* destination options */
        case 135:   /* mobility */
        case 139:   /* HIP */
        case 140:   /* shim6 */
            next = cur_u8(c, *off);
            len = ((size_t)cur_u8(c, *off + 1) + 1) * 8;
            break;
        case 51:    /* AH: length in 4-octet units minus 2 (RFC 4302) */
            next = cur_u8(c, *off);
            len = ((size_t)cur_u8(c, *off + 1) + 2) * 4;
            break;
        case 44:    /* fragment (8 bytes); only the first carries TCP */
            next = cur_u8(c, *off);
            if ((cur_be16(c, *off + 2) & 0xfff8) != 0 && !c->truncated)
                return MCPD_DEC_FRAGMENT;
            len = 8;
            break;
        case 59:    /* no next header */
        case 50:    /* ESP: the rest is encrypted */
            return MCPD_DEC_SKIP;
        default:
            return MCPD_DEC_TCP;
        }
        if (c->truncated)
            return MCPD_DEC_TRUNCATED;
        *off += len;
        *nh = next;
    }
    /* A chain this long is either hostile or broken. */
    return MCPD_DEC_INVALID;
}

/*
 * TCP header at [p, end); l4_len is its length on the wire (from the IP
 * header), which can exceed what was captured.
 */
static enum mcpd_dec_status
decode_tcp(const uint8_t *p, const uint8_t *end, uint32_t l4_len,
           struct mcpd_packet *out)
{
    struct mcpd_cursor c;
    uint32_t hdr_len;
    size_t avail;

    cur_init(&c, p, end);
    out->sport = cur_be16(&c, 0);
    out->dport = cur_be16(&c, 2);
    out->seq = cur_be32(&c, 4);
    out->ack = cur_be32(&c, 8);
    hdr_len = (uint32_t)(cur_u8(&c, 12) >> 4) * 4;
    out->flags = cur_u8(&c, 13);
    if (c.truncated)
        return MCPD_DEC_TRUNCATED;
    if (hdr_len < 20 || hdr_len > l4_len)
        return MCPD_DEC_INVALID;
    out->payload_len = l4_len - hdr_len;
    /* Snaplen may have cut the options or payload: the fixed part is all
     * the tracker needs, so keep going with what is there. */
    avail = cur_avail(&c, hdr_len);
    out->hdr_cut = cur_avail(&c, 0) < hdr_len;
    out->payload_cap = avail < out->payload_len ? (uint32_t)avail
                                                : out->payload_len;
    out->payload = out->payload_cap ? p + hdr_len : NULL;
    return MCPD_DEC_TCP;
}

/*
 * The TCP ports (and sequence number when quoted) of the packet an ICMP
 * error quotes. RFC 792 guarantees the IP header plus 8 bytes, which is
 * exactly ports + sequence number.
 */
static enum mcpd_dec_status
decode_quoted_tcp(struct mcpd_cursor *c, size_t off, struct mcpd_packet *out)
{
    out->sport = cur_be16(c, off);
    out->dport = cur_be16(c, off + 2);
    if (c->truncated)
        return MCPD_DEC_TRUNCATED;
    out->q_has_seq = cur_has(c, off + 4, 4);
    if (out->q_has_seq)
        out->q_seq = cur_be32(c, off + 4);
    c->truncated = 0;   /* a quote without seq is still a full answer */
    return MCPD_DEC_ICMP_UNREACH;
}

static enum mcpd_dec_status
decode_icmp4(const uint8_t *p, const uint8_t *end, struct mcpd_packet *out)
{
    struct mcpd_cursor c;
    uint8_t vhl;
    size_t ihl;

    cur_init(&c, p, end);
    out->icmp_type = cur_u8(&c, 0);
    out->icmp_code = cur_u8(&c, 1);
    if (c.truncated)
        return MCPD_DEC_TRUNCATED;
    if (out->icmp_type != ICMP4_UNREACH || out->icmp_code == ICMP4_NEEDFRAG)
        return MCPD_DEC_SKIP;
    /* The quoted IPv4 header starts 8 bytes in. */
    vhl = cur_u8(&c, 8);
    if (!cur_has(&c, 8, 20))
        return MCPD_DEC_TRUNCATED;
    ihl = (size_t)(vhl & 0x0f) * 4;
    if ((vhl >> 4) != 4 || ihl < 20)
        return MCPD_DEC_INVALID;
    if (cur_u8(&c, 8 + 9) != IPPROTO_TCP_)
        return MCPD_DEC_SKIP;
    copy_ip(&out->q_src, 4, c.base + 8 + 12);
    copy_ip(&out->q_dst, 4, c.base + 8 + 16);
    return decode_quoted_tcp(&c, 8 + ihl, out);
}

static enum mcpd_dec_status
decode_icmp6(const uint8_t *p, const uint8_t *end, struct mcpd_packet *out)
{
    struct mcpd_cursor c;
    enum mcpd_dec_status st;
    size_t off;
    uint8_t nh;

    cur_init(&c, p, end);
    out->icmp_type = cur_u8(&c, 0);
    out->icmp_code = cur_u8(&c, 1);
    if (c.truncated)
        return MCPD_DEC_TRUNCATED;
    if (out->icmp_type != ICMP6_DST_UNREACH)
        return MCPD_DEC_SKIP;
    /* The quoted IPv6 header starts 8 bytes in. */
    if (!cur_has(&c, 8, 40))
        return MCPD_DEC_TRUNCATED;
    if ((cur_u8(&c, 8) >> 4) != 6)
        return MCPD_DEC_INVALID;
    nh = cur_u8(&c, 8 + 6);
    copy_ip(&out->q_src, 6, c.base + 8 + 8);
    copy_ip(&out->q_dst, 6, c.base + 8 + 24);
    off = 8 + 40;
    st = ip6_walk(&c, &off, &nh);
    if (st != MCPD_DEC_TCP)
        return st;
    if (nh != IPPROTO_TCP_)
        return MCPD_DEC_SKIP;
    return decode_quoted_tcp(&c, off, out);
}

static enum mcpd_dec_status
decode_upper(uint8_t proto, const uint8_t *l4, const uint8_t *end,
             uint32_t l4_len, struct mcpd_packet *out)
{
    switch (proto) {
    case IPPROTO_TCP_:
        return decode_tcp(l4, end, l4_len, out);
    case IPPROTO_ICMP_:
        return out->src.family == 4 ? decode_icmp4(l4, end, out)
                                    : MCPD_DEC_SKIP;
    case IPPROTO_ICMP6_:
        return out->src.family == 6 ? decode_icmp6(l4, end, out)
                                    : MCPD_DEC_SKIP;
    default:
        return MCPD_DEC_SKIP;
    }
}

static enum mcpd_dec_status
decode_ip4(struct mcpd_cursor *c, uint32_t wire_left, struct mcpd_packet *out)
{
    uint8_t vhl = cur_u8(c, 0);
    uint32_t ihl = (uint32_t)(vhl & 0x0f) * 4;
    uint32_t total = cur_be16(c, 2);
    uint16_t frag = cur_be16(c, 6);
    uint8_t proto = cur_u8(c, 9);
    const uint8_t *end;

    out->ttl = cur_u8(c, 8);
    if (!cur_has(c, 0, 20))
        return MCPD_DEC_TRUNCATED;
    if (ihl < 20)
        return MCPD_DEC_INVALID;
    copy_ip(&out->src, 4, c->base + 12);
    copy_ip(&out->dst, 4, c->base + 16);
    /* A total length of 0 is what Linux records for TSO super-packets:
     * fall back to the length on the wire. */
    if (total == 0)
        total = wire_left;
    if (total < ihl)
        return MCPD_DEC_INVALID;
    if ((frag & 0x1fff) != 0)
        return MCPD_DEC_FRAGMENT;
    if (cur_avail(c, 0) < ihl)
        return MCPD_DEC_TRUNCATED;
    /* Narrow to the IP total length so Ethernet padding is not taken for
     * payload (tcpdump's nd_push_snaplen). */
    end = cur_avail(c, 0) > total ? c->base + total : c->end;
    return decode_upper(proto, c->base + ihl, end, total - ihl, out);
}

static enum mcpd_dec_status
decode_ip6(struct mcpd_cursor *c, uint32_t wire_left, struct mcpd_packet *out)
{
    uint32_t total = (uint32_t)cur_be16(c, 4) + 40;
    uint8_t nh = cur_u8(c, 6);
    enum mcpd_dec_status st;
    const uint8_t *end;
    size_t off = 40;

    out->ttl = cur_u8(c, 7);
    if (!cur_has(c, 0, 40))
        return MCPD_DEC_TRUNCATED;
    copy_ip(&out->src, 6, c->base + 8);
    copy_ip(&out->dst, 6, c->base + 24);
    /* Payload length 0: a jumbogram or a TSO packet; use the wire. */
    if (total == 40 && wire_left > 40)
        total = wire_left;
    if (cur_avail(c, 0) > total)
        c->end = c->base + total;
    st = ip6_walk(c, &off, &nh);
    if (st != MCPD_DEC_TCP)
        return st;
    if (off > total)
        return MCPD_DEC_INVALID;
    end = c->end;
    if (cur_avail(c, 0) < off)
        return MCPD_DEC_TRUNCATED;
    return decode_upper(nh, c->base + off, end, total - (uint32_t)off, out);
}

enum mcpd_dec_status
mcpd_decode_ip(const uint8_t *p, const uint8_t *end, uint32_t wire_left,
               struct mcpd_packet *out)
{
    struct mcpd_cursor c;
    uint8_t version;

    cur_init(&c, p, end);
    version = cur_u8(&c, 0) >> 4;
    if (c.truncated)
        return MCPD_DEC_TRUNCATED;
    out->hdr_cut = 0;
    out->payload = NULL;
    out->payload_len = out->payload_cap = 0;
    out->q_has_seq = 0;
    if (version == 4)
        return decode_ip4(&c, wire_left, out);
    if (version == 6)
        return decode_ip6(&c, wire_left, out);
    return MCPD_DEC_INVALID;
}

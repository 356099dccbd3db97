/* \summary: link-layer decoders: one table row per pcap link type */

#include <string.h>
#include <pcap/dlt.h>
#include "cursor.h"
#include "dec.h"

/*
 * Each link decoder finds where the IP header starts. It returns the
 * offset of the network header, or -1 when the frame carries no IP
 * (sets *status to SKIP) or is cut short (TRUNCATED).
 */
typedef long (*link_fn)(struct mcpd_cursor *c,
                        enum mcpd_dec_status *status);

#define ETHERTYPE_IPV4  0x0800
#define ETHERTYPE_IPV6  0x86dd
#define ETHERTYPE_VLAN  0x8100   /* IEEE 802.1Q */
#define ETHERTYPE_QINQ  0x88a8   /* IEEE 802.1ad service tag */
#define ETHERTYPE_QINQ_OLD 0x9100 /* pre-standard QinQ */
#define MAX_VLAN_TAGS   4
#define ETHERTYPE_MPLS  0x8847   /* RFC 3032 unicast */
#define ETHERTYPE_MPLS_MC 0x8849 /* RFC 5332 multicast */
#define MAX_MPLS_LABELS 8

/*
 * An MPLS label stack (RFC 3032 section 2.1): 4-byte entries until the
 * one with the bottom-of-stack bit. The payload type is not written
 * anywhere; the IP version nibble tells IPv4 from IPv6 (as tcpdump and
 * Wireshark guess it). Returns the offset of the IP header or -1.
 */
static long
mpls_stack(struct mcpd_cursor *c, size_t off, enum mcpd_dec_status *status)
{
    int n;

    for (n = 0; n < MAX_MPLS_LABELS; n++) {
        uint8_t bos = cur_u8(c, off + 2) & 1;
        off += 4;
        if (c->truncated) {
            *status = MCPD_DEC_TRUNCATED;
            return -1;
        }
        if (bos) {
            uint8_t v = cur_u8(c, off) >> 4;
            if (c->truncated) {
                *status = MCPD_DEC_TRUNCATED;
                return -1;
            }
            if (v != 4 && v != 6) {
                *status = MCPD_DEC_SKIP;   /* pseudowire, ... */
                return -1;
            }
            return (long)off;
        }
    }
    *status = MCPD_DEC_INVALID;
    return -1;
}

/* Ethernet II (IEEE 802.3), walking 802.1Q/802.1ad tags and MPLS
 * labels. */
static long
link_ethernet(struct mcpd_cursor *c, enum mcpd_dec_status *status)
{
    size_t off = 12;
    uint16_t type = cur_be16(c, off);
    int tags = 0;

    while (!c->truncated && (type == ETHERTYPE_VLAN ||
                             type == ETHERTYPE_QINQ ||
                             type == ETHERTYPE_QINQ_OLD)) {
        if (++tags > MAX_VLAN_TAGS) {
            *status = MCPD_DEC_INVALID;
            return -1;
        }
        off += 4;
        type = cur_be16(c, off);
    }
    if (c->truncated) {
        *status = MCPD_DEC_TRUNCATED;
        return -1;
    }
    if (type == ETHERTYPE_MPLS || type == ETHERTYPE_MPLS_MC)
        return mpls_stack(c, off + 2, status);
    if (type != ETHERTYPE_IPV4 && type != ETHERTYPE_IPV6) {
        *status = MCPD_DEC_SKIP;
        return -1;
    }
    return (long)off + 2;
}

/*
 * BSD loopback address-family values for IPv6. They differ between
 * systems: 24 (NetBSD, OpenBSD, BSD/OS), 28 (FreeBSD, DragonFly),
 * 30 (macOS); see libpcap's pcap/dlt.h comment on DLT_NULL.
 */
static int
bsd_af_is_inet6(uint32_t af)
{
    return af == 24 || af == 28 || af == 30;
}

/*
 * DLT_NULL stores the family in the capturing host's byte order, which
 * we cannot know, so accept either order; DLT_LOOP is network order but
 * we are equally lenient. Both leave IP version checking to the IP
 * decoder, which looks at the version nibble anyway.
 */
static long
link_bsd_loop(struct mcpd_cursor *c, enum mcpd_dec_status *status)
{
    uint32_t le = cur_le32(c, 0);
    uint32_t be = cur_be32(c, 0);

    if (c->truncated) {
        *status = MCPD_DEC_TRUNCATED;
        return -1;
    }
    if (le == 2 || be == 2 || bsd_af_is_inet6(le) || bsd_af_is_inet6(be))
        return 4;
    *status = MCPD_DEC_SKIP;
    return -1;
}

/* Linux cooked capture v1 (-i any on older libpcap): 16-byte header. */
static long
link_sll(struct mcpd_cursor *c, enum mcpd_dec_status *status)
{
    uint16_t proto = cur_be16(c, 14);

    if (c->truncated) {
        *status = MCPD_DEC_TRUNCATED;
        return -1;
    }
    if (proto != ETHERTYPE_IPV4 && proto != ETHERTYPE_IPV6) {
        *status = MCPD_DEC_SKIP;
        return -1;
    }
    return 16;
}

/* Linux cooked capture v2 (-i any on libpcap >= 1.10): 20 bytes. */
static long
link_sll2(struct mcpd_cursor *c, enum mcpd_dec_status *status)
{
    uint16_t proto = cur_be16(c, 0);

    if (!cur_has(c, 0, 20)) {
        *status = MCPD_DEC_TRUNCATED;
        return -1;
    }
    if (proto != ETHERTYPE_IPV4 && proto != ETHERTYPE_IPV6) {
        *status = MCPD_DEC_SKIP;
        return -1;
    }
    return 20;
}

/*
 * IP over InfiniBand (RFC 4391) as libpcap records it: a 40-byte
 * pseudo-header of link addresses, then the 2-byte protocol type and
 * 2 reserved bytes.
 */
static long
link_ipoib(struct mcpd_cursor *c, enum mcpd_dec_status *status)
{
    uint16_t proto = cur_be16(c, 40);

    if (!cur_has(c, 0, 44)) {
        *status = MCPD_DEC_TRUNCATED;
        return -1;
    }
    if (proto != ETHERTYPE_IPV4 && proto != ETHERTYPE_IPV6) {
        *status = MCPD_DEC_SKIP;
        return -1;
    }
    return 44;
}

#define NFULA_PAYLOAD 9
#define NFLOG_MAX_TLVS 64

/*
 * Linux NFLOG (the nflog:N pseudo-interface): a 4-byte header, then
 * type-length-value attributes, 4-byte aligned; the packet itself is
 * attribute NFULA_PAYLOAD. libpcap hands lengths and types over in the
 * reading host's byte order (it swaps them for foreign files).
 */
static long
link_nflog(struct mcpd_cursor *c, enum mcpd_dec_status *status)
{
    size_t off = 4;
    int n;

    for (n = 0; n < NFLOG_MAX_TLVS; n++) {
        uint16_t tlv_len, tlv_type;
        if (!cur_has(c, off, 4)) {
            *status = cur_avail(c, off) ? MCPD_DEC_TRUNCATED : MCPD_DEC_SKIP;
            return -1;
        }
        memcpy(&tlv_len, c->base + off, 2);
        memcpy(&tlv_type, c->base + off + 2, 2);
        if (tlv_len < 4) {
            *status = MCPD_DEC_INVALID;
            return -1;
        }
        if ((tlv_type & 0x7fff) == NFULA_PAYLOAD) {
            /* The payload runs to the end of the attribute. */
            if (!cur_has(c, off, tlv_len))
                c->truncated = 0;   /* snaplen cut: use what is there */
            return (long)off + 4;
        }
        off += ((size_t)tlv_len + 3) & ~(size_t)3;
    }
    *status = MCPD_DEC_INVALID;
    return -1;
}

/* Raw IP: the packet starts with the IP header. */
static long
link_raw(struct mcpd_cursor *c, enum mcpd_dec_status *status)
{
    (void)c;
    (void)status;
    return 0;
}

struct link_row {
    int dlt;                 /* pcap DLT value */
    const char *name;        /* as in pcap_datalink_val_to_name() */
    link_fn decode;          /* finds the network header */
};

/*
 * Supported link types. DLT_RAW is 12 on most systems but 14 on
 * OpenBSD; libpcap maps the file's LINKTYPE_RAW (101) to the local
 * value, so listing the macro covers both. DLT_LOOP is 108 except on
 * OpenBSD (12), where it equals DLT_RAW elsewhere: libpcap again maps.
 */
static const struct link_row link_table[] = {
    { DLT_EN10MB,     "EN10MB",      link_ethernet },
    { DLT_NULL,       "NULL",        link_bsd_loop },
    { DLT_LOOP,       "LOOP",        link_bsd_loop },
    { DLT_LINUX_SLL,  "LINUX_SLL",   link_sll },
    { DLT_LINUX_SLL2, "LINUX_SLL2",  link_sll2 },
    { DLT_RAW,        "RAW",         link_raw },
    { DLT_IPV4,       "IPV4",        link_raw },
    { DLT_IPV6,       "IPV6",        link_raw },
    { DLT_IPOIB,      "IPOIB",       link_ipoib },
    { DLT_NFLOG,      "NFLOG",       link_nflog },
};

static const struct link_row *
link_lookup(int dlt)
{
    size_t i;
    for (i = 0; i < sizeof(link_table) / sizeof(link_table[0]); i++)
        if (link_table[i].dlt == dlt)
            return &link_table[i];
    return NULL;
}

int
mcpd_dlt_supported(int dlt)
{
    return link_lookup(dlt) != NULL;
}

/* The file values whose DLT differs by OS (libpcap pcap-common.c,
 * linktype_to_dlt); every other LINKTYPE_ equals its DLT_. */
#define LINKTYPE_RAW  101
#define LINKTYPE_LOOP 108

int
mcpd_linktype_to_dlt(uint32_t linktype)
{
    if (linktype == LINKTYPE_RAW)
        return DLT_RAW;
    if (linktype == LINKTYPE_LOOP)
        return DLT_LOOP;
    return (int)linktype;
}

enum mcpd_dec_status
mcpd_decode(int dlt, const uint8_t *data, uint32_t caplen,
            uint32_t wire_len, struct mcpd_packet *out)
{
    const struct link_row *row = link_lookup(dlt);
    struct mcpd_cursor c;
    enum mcpd_dec_status status = MCPD_DEC_SKIP;
    uint32_t wire_left;
    long off;

    if (row == NULL)
        return MCPD_DEC_SKIP;
    /* A record can claim more captured than original bytes; trust the
     * smaller (p0f does the same). */
    if (caplen > wire_len)
        caplen = wire_len;
    cur_init(&c, data, data + caplen);
    off = row->decode(&c, &status);
    if (off < 0)
        return status;
    if ((size_t)off > caplen)
        return MCPD_DEC_TRUNCATED;
    out->wire_len = wire_len;
    wire_left = wire_len - (uint32_t)off;
    return mcpd_decode_ip(data + off, data + caplen, wire_left, out);
}

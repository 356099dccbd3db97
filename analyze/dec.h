/* \summary: packet decoder: link layer, IPv4/IPv6, TCP, ICMP unreachables */
#ifndef MCPD_DEC_H
#define MCPD_DEC_H

#include <stdint.h>
#include "mcpd.h"

/*
 * A bounds-checked read cursor over one captured packet. Every accessor
 * checks the read against `end` and, when it would run past it, sets the
 * sticky `truncated` flag and yields 0. Callers read a header's fields and
 * then test `truncated` once; they never trust a returned 0 as data.
 */
struct mcpd_cursor {
    const uint8_t *base;     /* first captured byte of the layer */
    const uint8_t *end;      /* one past the last usable byte */
    int truncated;           /* sticky: some read ran past `end` */
};

/* How far a packet decoded; counted separately in the report stats. */
enum mcpd_dec_status {
    MCPD_DEC_TCP,            /* a TCP segment (header fields usable) */
    MCPD_DEC_ICMP_UNREACH,   /* ICMP/ICMPv6 dest-unreachable quoting TCP */
    MCPD_DEC_SKIP,           /* valid, not of interest (ARP, UDP, ...) */
    MCPD_DEC_FRAGMENT,       /* a non-first IP fragment: no TCP header */
    MCPD_DEC_TRUNCATED,      /* capture cut before the headers we need */
    MCPD_DEC_INVALID         /* malformed: lengths that cannot be */
};

/* TCP flag bits (RFC 9293 section 3.1). */
#define MCPD_TH_FIN 0x01
#define MCPD_TH_SYN 0x02
#define MCPD_TH_RST 0x04
#define MCPD_TH_PSH 0x08
#define MCPD_TH_ACK 0x10
#define MCPD_TH_URG 0x20

/* Bytes of TCP payload kept for protocol sniffing (HTTP, TLS): enough
 * for the status line and headers of a typical HTTP response. capture
 * looks at no more, so that it and analyze of its file agree. */
#define MCPD_SNIFF_LEN 384

/* What the decoder found in one packet; valid only for the call. */
struct mcpd_packet {
    int64_t ts_ns;           /* capture timestamp, ns since the epoch */
    uint32_t wire_len;       /* original length on the wire */
    struct mcpd_ip src;      /* outer IP source */
    struct mcpd_ip dst;      /* outer IP destination */
    uint16_t sport, dport;   /* TCP ports (of the quoted packet for ICMP) */
    uint32_t seq, ack;       /* TCP sequence and acknowledgement numbers */
    uint8_t flags;           /* TCP flags (MCPD_TH_*) */
    uint32_t payload_len;    /* TCP payload length from the IP lengths */
    const uint8_t *payload;  /* captured part of the payload */
    uint32_t payload_cap;    /* bytes of payload actually captured */
    uint8_t ttl;             /* IPv4 TTL or IPv6 hop limit */
    uint8_t hdr_cut;         /* TCP header cut by the snaplen (options) */
    /* ICMP destination unreachable only: */
    uint8_t icmp_type;       /* ICMP or ICMPv6 type */
    uint8_t icmp_code;       /* its code */
    struct mcpd_ip q_src;    /* quoted packet's source (the client) */
    struct mcpd_ip q_dst;    /* quoted packet's destination (server) */
    uint32_t q_seq;          /* quoted TCP sequence number, if present */
    uint8_t q_has_seq;       /* 1 when q_seq was inside the quote */
    /* Batching (mcpd_flow_prefetch): the tuple hash, computed once. */
    uint8_t hashed;          /* `hash` is valid */
    uint32_t hash;
};

/*
 * Keep what the tracker reads of the payload inside the packet record, so
 * the record outlives the capture library's buffer (batched reading).
 */
struct mcpd_packet_copy {
    struct mcpd_packet pkt;
    enum mcpd_dec_status st;
    uint8_t payload[MCPD_SNIFF_LEN];
};

/* Link types we decode, as pcap DLT values. */
int mcpd_dlt_supported(int dlt);

/* The DLT value of a LINKTYPE_ value read from a pcap or pcapng file. */
int mcpd_linktype_to_dlt(uint32_t linktype);

/*
 * Decode one captured packet of link type `dlt`. `caplen` bytes are
 * present at `data`; `wire_len` is the length it had on the wire. Fills
 * `out` (pointers into `data`) and returns how far decoding got.
 */
enum mcpd_dec_status mcpd_decode(int dlt, const uint8_t *data,
                                 uint32_t caplen, uint32_t wire_len,
                                 struct mcpd_packet *out);

/* Internal layers, exposed for unit tests. */
enum mcpd_dec_status mcpd_decode_ip(const uint8_t *p, const uint8_t *end,
                                    uint32_t wire_left,
                                    struct mcpd_packet *out);

#endif

/* \summary: the one walker over a classic pcap file held in memory */
#ifndef MCPD_PCAPWALK_H
#define MCPD_PCAPWALK_H

/*
 * A bundle's capture.pcap is read, redacted and cut to size in memory.
 * Every one of those walks goes through here: the file header checked
 * once, every record header read through the bounds-checked cursor, a
 * record that runs past the buffer reported, never read. The format is
 * libpcap's savefile (pcap-savefile(5); draft-ietf-opsawg-pcap): a
 * 24-byte file header, then per packet a 16-byte record header and the
 * captured bytes. Streams and pcapng go through reader.c.
 */

#include <stddef.h>
#include <stdint.h>
#include "dec.h"

#define MCPD_PCAP_FILE_HDR 24    /* magic ... linktype */
#define MCPD_PCAP_REC_HDR  16    /* ts_sec, ts_frac, caplen, len */

struct mcpd_pcap_walk {
    struct mcpd_cursor cur;  /* the whole buffer */
    size_t off;              /* offset of the next record header */
    int big_endian;          /* headers in network byte order */
    int nano;                /* ns timestamps (magic a1b23c4d) */
    uint32_t linktype;       /* the file's LINKTYPE_ (FCS bits cleared) */
    int dlt;                 /* the DLT value the decoder takes for it */
};

/* One record, as offsets into the buffer (so a caller may write it). */
struct mcpd_pcap_rec {
    size_t hdr_off;          /* its 16-byte record header */
    size_t data_off;         /* its captured bytes */
    uint32_t caplen;         /* captured bytes at data_off */
    uint32_t wire_len;       /* its length on the wire */
    int64_t ts_ns;           /* timestamp, ns since the epoch */
};

enum mcpd_pcap_step {
    MCPD_PCAP_CUT = -1,      /* a record runs past the buffer (hdr_off) */
    MCPD_PCAP_END = 0,       /* no whole record header left */
    MCPD_PCAP_REC = 1        /* a record, whole */
};

/*
 * Start walking the pcap file at buf[0..len). 0, or -1 with err
 * (MCPD_ERR_LEN bytes) set to one line: "not a pcap file (too short)",
 * "not a pcap file (magic 0a0d0d0a)".
 */
int mcpd_pcap_walk_init(struct mcpd_pcap_walk *w, const void *buf,
                        size_t len, char *err);

/*
 * The next record into *r: MCPD_PCAP_REC, MCPD_PCAP_END, or
 * MCPD_PCAP_CUT when its captured length runs past the buffer (r->hdr_off
 * says where it starts; the walk stays there).
 */
enum mcpd_pcap_step mcpd_pcap_walk_next(struct mcpd_pcap_walk *w,
                                        struct mcpd_pcap_rec *r);

#endif

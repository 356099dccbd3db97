/* \summary: the one walker over a classic pcap file held in memory
 * (pcap-savefile(5), draft-ietf-opsawg-pcap) */

#include <stdio.h>
#include <string.h>
#include "cursor.h"
#include "pcapwalk.h"

#define MAGIC_US 0xa1b2c3d4u     /* microsecond timestamps */
#define MAGIC_NS 0xa1b23c4du     /* nanosecond timestamps */

/* A 32-bit header field in the file's byte order. */
static uint32_t
field32(struct mcpd_pcap_walk *w, size_t off)
{
    return w->big_endian ? cur_be32(&w->cur, off) : cur_le32(&w->cur, off);
}

int
mcpd_pcap_walk_init(struct mcpd_pcap_walk *w, const void *buf, size_t len,
                    char *err)
{
    uint32_t le, be;

    memset(w, 0, sizeof(*w));
    cur_init(&w->cur, buf, (const uint8_t *)buf + len);
    if (!cur_has(&w->cur, 0, MCPD_PCAP_FILE_HDR)) {
        snprintf(err, MCPD_ERR_LEN, "not a pcap file (too short)");
        return -1;
    }
    le = cur_le32(&w->cur, 0);
    be = cur_be32(&w->cur, 0);
    if (le == MAGIC_US || le == MAGIC_NS) {
        w->nano = le == MAGIC_NS;
    } else if (be == MAGIC_US || be == MAGIC_NS) {
        w->big_endian = 1;
        w->nano = be == MAGIC_NS;
    } else {
        snprintf(err, MCPD_ERR_LEN, "not a pcap file (magic %08x)",
                 (unsigned)le);
        return -1;
    }
    /* The upper bits of the link-type field carry the FCS length. */
    w->linktype = field32(w, 20) & 0x0fffffff;
    w->dlt = mcpd_linktype_to_dlt(w->linktype);
    w->off = MCPD_PCAP_FILE_HDR;
    return 0;
}

enum mcpd_pcap_step
mcpd_pcap_walk_next(struct mcpd_pcap_walk *w, struct mcpd_pcap_rec *r)
{
    uint32_t sec, frac;

    memset(r, 0, sizeof(*r));
    r->hdr_off = w->off;
    if (cur_avail(&w->cur, w->off) < MCPD_PCAP_REC_HDR)
        return MCPD_PCAP_END;
    sec = field32(w, w->off);
    frac = field32(w, w->off + 4);
    r->caplen = field32(w, w->off + 8);
    r->wire_len = field32(w, w->off + 12);
    r->data_off = w->off + MCPD_PCAP_REC_HDR;
    if (!cur_has(&w->cur, r->data_off, r->caplen))
        return MCPD_PCAP_CUT;
    r->ts_ns = mcpd_ts_ns((int64_t)sec, w->nano ? (int64_t)frac
                                                : (int64_t)frac * 1000);
    w->off = r->data_off + r->caplen;
    return MCPD_PCAP_REC;
}

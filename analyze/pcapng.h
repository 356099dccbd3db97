/* \summary: a small streaming pcapng reader, for files libpcap refuses */
#ifndef MCPD_PCAPNG_H
#define MCPD_PCAPNG_H

/*
 * libpcap 1.10 rejects a pcapng file whose interfaces differ in link type
 * or snapshot length. This reader accepts them: every packet carries the
 * link type of its own interface. It reads sequentially from a FILE*, so
 * it works on pipes, and keeps one block in memory at a time.
 */

#include <stdint.h>
#include <stdio.h>
#include "mcpd.h"

/* Blocks larger than this are rejected rather than allocated. */
#define MCPD_PCAPNG_MAX_BLOCK (16u * 1024 * 1024)

struct mcpd_pcapng;

struct mcpd_pcapng_packet {
    int64_t ts_ns;        /* ns since the epoch (tsresol, tsoffset applied) */
    uint32_t caplen;      /* captured bytes at data */
    uint32_t len;         /* original length */
    int dlt;              /* pcap DLT value of the packet's interface */
    const uint8_t *data;  /* valid until the next call */
};

/*
 * Start reading `f`, positioned at the start of the file. Reads the
 * Section Header Block and any blocks up to the first Interface
 * Description Block. Returns 0, or -1 with err set to one line ("not a
 * pcapng file", "truncated section header", ...). Does not close f.
 */
int mcpd_pcapng_open(struct mcpd_pcapng **out, FILE *f, char *err);

/*
 * The next packet: 1 and *pkt filled; 0 at end of file; -1 when the file
 * is damaged, with err naming the problem and its byte offset.
 */
int mcpd_pcapng_next(struct mcpd_pcapng *r, struct mcpd_pcapng_packet *pkt,
                     char *err);

/* Free the reader; does not fclose the FILE*. NULL is allowed. */
void mcpd_pcapng_close(struct mcpd_pcapng *r);

/* DLT of the file's first interface, for the report header; -1 if none. */
int mcpd_pcapng_first_dlt(const struct mcpd_pcapng *r);

#endif

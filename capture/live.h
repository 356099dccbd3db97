/* \summary: live capture with libpcap: open, filter, read, write, stats */
#ifndef MCPD_LIVE_H
#define MCPD_LIVE_H

#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include "flow.h"

struct mcpd_live {
    pcap_t *pcap;
    pcap_dumper_t *dumper;   /* -w, NULL when not writing */
    int dlt;
    int nano;                /* timestamps in nanoseconds */
    struct mcpd_flowtab *tab;
    uint64_t packets;        /* packets handed to the tracker */
};

/* Result of opening, so the caller can name the cause and the fix. */
enum mcpd_live_error {
    MCPD_LIVE_OK,
    MCPD_LIVE_PERM,          /* no capture rights */
    MCPD_LIVE_NO_IFACE,      /* no such interface */
    MCPD_LIVE_OTHER
};


/*
 * Open `iface` for capture with `filter` (BPF), in immediate mode so
 * every packet is seen as it arrives. Returns MCPD_LIVE_OK or an error
 * with err set.
 */
enum mcpd_live_error mcpd_live_open(struct mcpd_live *lv, const char *iface,
                                    const char *filter, int snaplen,
                                    char *err, size_t errlen);

/* Default snapshot length: every header and the first kilobytes of
 * payload (HTTP request lines, status lines, TLS hellos). */
#define MCPD_LIVE_SNAPLEN 4096

/* Write every packet also to the capture file on `fd` (pcap format). */
int mcpd_live_write_to(struct mcpd_live *lv, int fd, char *err,
                       size_t errlen);

/* The descriptor to poll for packets. */
int mcpd_live_fd(const struct mcpd_live *lv);

/* Read every packet waiting now (non-blocking); returns the count or -1. */
int mcpd_live_drain(struct mcpd_live *lv, char *err, size_t errlen);

/* Flush the capture file to disk. */
void mcpd_live_flush(struct mcpd_live *lv);

/* Kernel drop counters; 0 on success. */
int mcpd_live_stats(struct mcpd_live *lv, uint64_t *received,
                    uint64_t *dropped, uint64_t *if_dropped);

void mcpd_live_close(struct mcpd_live *lv);

#endif

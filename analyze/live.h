/* \summary: live capture with libpcap: open, filter, read, write, stats */
#ifndef MCPD_LIVE_H
#define MCPD_LIVE_H

/*
 * The live twin of reader.c: packets from a device go through the same
 * decoder (mcpd_decode) as packets from a file. Both `mcpdiag capture`
 * (into the flow tracker) and the probe's raw-SYN stage (into its
 * answer matcher) read through it, so one decoder knows every link
 * type for both. It is its own library (mcpd_live), next to the core
 * and not in it: the core opens no device.
 */

#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include "dec.h"
#include "flow.h"

/* Where decoded packets go when not to a flow table: every packet, with
 * how far it decoded (`pkt` is valid only for the call). */
typedef void (*mcpd_live_fn)(void *arg, enum mcpd_dec_status st,
                             const struct mcpd_packet *pkt);

struct mcpd_pcaplib;

struct mcpd_live {
    const struct mcpd_pcaplib *lib;  /* whose pcap_t this is (pcaplib.h) */
    pcap_t *pcap;
    int timed_reads;         /* reads block up to a timeout (rpcap, a
                                wpcap.dll without immediate mode) */
    pcap_t *dead;            /* the linked libpcap's, for the -w file */
    pcap_dumper_t *dumper;   /* -w, NULL when not writing */
    int dlt;
    int nano;                /* timestamps in nanoseconds */
    struct mcpd_flowtab *tab;        /* the tracker, when sink is NULL */
    mcpd_live_fn sink;       /* else every decoded packet goes here */
    void *sink_arg;          /* its first argument */
    uint64_t packets;        /* packets handed to the tracker or sink */
};

/* How to open a device (mcpd_live_open_with). */
struct mcpd_live_opts {
    const char *iface;       /* device name ("any", "lo", ...) */
    const char *filter;      /* BPF filter expression */
    int snaplen;             /* bytes kept of each packet; 0 = all */
    size_t buffer_bytes;     /* kernel ring size; 0 = libpcap's default */
    mcpd_live_fn sink;       /* NULL: the caller sets `tab` instead */
    void *sink_arg;          /* sink's first argument */
};

/* Result of opening, so the caller can name the cause and the fix. */
enum mcpd_live_error {
    MCPD_LIVE_OK,
    MCPD_LIVE_PERM,          /* no capture rights */
    MCPD_LIVE_NO_IFACE,      /* no such interface */
    MCPD_LIVE_NO_LIB,        /* no capture library (Npcap to install) */
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

/*
 * The same with every setting spelled out: the ring size (capture wants
 * room for bursts, a probe waiting for one answer does not) and where
 * packets go. Returns MCPD_LIVE_OK or an error with err set.
 */
enum mcpd_live_error mcpd_live_open_with(struct mcpd_live *lv,
                                         const struct mcpd_live_opts *o,
                                         char *err, size_t errlen);

/* Default snapshot length: every header and the first kilobytes of
 * payload (HTTP request lines, status lines, TLS hellos). */
#define MCPD_LIVE_SNAPLEN 4096

/* Write every packet also to the capture file on `fd` (pcap format). */
int mcpd_live_write_to(struct mcpd_live *lv, int fd, char *err,
                       size_t errlen);

/* Wait up to timeout_ms for packets: >0 when some may be waiting (then
 * drain), 0 on timeout, -1 on error. */
int mcpd_live_wait(struct mcpd_live *lv, int timeout_ms);

/* Read every packet waiting now (non-blocking); returns the count or -1. */
int mcpd_live_drain(struct mcpd_live *lv, char *err, size_t errlen);

/* Flush the capture file to disk. */
void mcpd_live_flush(struct mcpd_live *lv);

/* Kernel drop counters; 0 on success. */
int mcpd_live_stats(struct mcpd_live *lv, uint64_t *received,
                    uint64_t *dropped, uint64_t *if_dropped);

void mcpd_live_close(struct mcpd_live *lv);

#endif

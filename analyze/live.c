/* \summary: live capture with libpcap: open, filter, read, write, stats */

#include <errno.h>
#include <string.h>
#include "dec.h"
#include "live.h"
#include "pcaplib.h"
#include "platform.h"

/* Read timeout of a handle without immediate mode, or (remote, rpcap)
 * without a non-blocking mode: how late a packet may be handed over. */
#define READ_TIMEOUT_MS 20

/*
 * Immediate mode makes libpcap use TPACKET_V2, whose ring has one fixed
 * frame per packet sized by the snapshot length: 64 MiB of 4 KiB frames
 * holds ~15000 packets, enough for bursts of thousands of connection
 * attempts a second while the tracker catches up.
 */
#define LIVE_BUFFER_BYTES (64 * 1024 * 1024)

enum mcpd_live_error
mcpd_live_open(struct mcpd_live *lv, const char *iface, const char *filter,
               int snaplen, char *err, size_t errlen)
{
    struct mcpd_live_opts o;

    memset(&o, 0, sizeof(o));
    o.iface = iface;
    o.filter = filter;
    o.snaplen = snaplen;
    o.buffer_bytes = LIVE_BUFFER_BYTES;
    return mcpd_live_open_with(lv, &o, err, errlen);
}

/* pcap_activate's failure as a cause the caller can name. */
static enum mcpd_live_error
activate_error(struct mcpd_live *lv, int rc, const char *iface, char *err,
               size_t errlen)
{
    enum mcpd_live_error e = MCPD_LIVE_OTHER;

    if (rc == PCAP_ERROR_PERM_DENIED) {
        snprintf(err, errlen, "capture needs CAP_NET_RAW (or root): "
                 "run with sudo");
        e = MCPD_LIVE_PERM;
    } else if (rc == PCAP_ERROR_NO_SUCH_DEVICE) {
        snprintf(err, errlen, "no interface '%s' (see 'ip link')", iface);
        e = MCPD_LIVE_NO_IFACE;
    } else {
        snprintf(err, errlen, "%s: %s", iface, lv->lib->geterr(lv->pcap));
    }
    lv->lib->close(lv->pcap);
    lv->pcap = NULL;
    return e;
}

/* A local device through pcap_create: immediate mode, the ring size,
 * nanosecond timestamps. MCPD_LIVE_OK, or an error with err set. */
static enum mcpd_live_error
open_local(struct mcpd_live *lv, const struct mcpd_live_opts *o, char *err,
           size_t errlen)
{
    const struct mcpd_pcaplib *lib = lv->lib;
    char perr[PCAP_ERRBUF_SIZE], dev[512];
    int rc;

    perr[0] = '\0';
    if (lib->device == NULL)
        snprintf(dev, sizeof(dev), "%s", o->iface);
    else if (lib->device(o->iface, dev, sizeof(dev), perr) != 0) {
        snprintf(err, errlen, "%s", perr);
        return MCPD_LIVE_NO_IFACE;
    }
    lv->pcap = lib->create(dev, perr);
    if (lv->pcap == NULL) {
        snprintf(err, errlen, "%s: %s", o->iface, perr);
        return MCPD_LIVE_OTHER;
    }
    lib->set_snaplen(lv->pcap, o->snaplen > 0 ? o->snaplen : 262144);
    lib->set_promisc(lv->pcap, 0);
    /* Immediate mode: libpcap on Linux otherwise hands packets over in
     * blocks, up to a second late, and a stop can lose the last block.
     * Where the library has none, a buffer timeout of READ_TIMEOUT_MS
     * (never blocking reads: on Linux, under wine's wpcap.dll, one
     * waits for a first packet however long that takes). */
    if (lib->set_immediate_mode)
        lib->set_immediate_mode(lv->pcap, 1);
    else
        lib->set_timeout(lv->pcap, READ_TIMEOUT_MS);
    if (o->buffer_bytes > 0)
        lib->set_buffer_size(lv->pcap, (int)o->buffer_bytes);
    lib->set_tstamp_precision(lv->pcap, PCAP_TSTAMP_PRECISION_NANO);
    rc = lib->activate(lv->pcap);
    if (rc < 0)
        return activate_error(lv, rc, o->iface, err, errlen);
    if (lib->setnonblock(lv->pcap, 1, perr) != 0) {
        snprintf(err, errlen, "%s: %s", o->iface, perr);
        return MCPD_LIVE_OTHER;
    }
    return MCPD_LIVE_OK;
}

/*
 * A remote device ("rpcap://host:port/dev", served by rpcapd) through
 * pcap_open, where the library has it (Npcap). Such a handle has no
 * non-blocking mode: each read waits at most READ_TIMEOUT_MS.
 */
static enum mcpd_live_error
open_remote(struct mcpd_live *lv, const struct mcpd_live_opts *o, char *err,
            size_t errlen)
{
    char perr[PCAP_ERRBUF_SIZE];

    if (lv->lib->open_remote == NULL) {
        snprintf(err, errlen, "%s: remote capture needs a libpcap with "
                 "rpcap (%s has none)", o->iface, lv->lib->name);
        return MCPD_LIVE_NO_IFACE;
    }
    perr[0] = '\0';
    /* NOCAPTURE_RPCAP: never the capture's own rpcap connection, which
     * a filter wide enough (--passive, a command's "tcp") would take and
     * feed back to itself. */
    lv->pcap = lv->lib->open_remote(o->iface, o->snaplen > 0 ? o->snaplen
                                    : 262144, PCAP_OPENFLAG_NOCAPTURE_RPCAP,
                                    READ_TIMEOUT_MS, NULL, perr);
    if (lv->pcap == NULL) {
        snprintf(err, errlen, "%s: %s", o->iface, perr[0] ? perr :
                 "cannot be opened");
        return MCPD_LIVE_OTHER;
    }
    lv->timed_reads = 1;
    return MCPD_LIVE_OK;
}

/* Packets of the read that starts a remote capture: dropped. */
static void
on_warmup(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    (void)user;
    (void)h;
    (void)data;
}

enum mcpd_live_error
mcpd_live_open_with(struct mcpd_live *lv, const struct mcpd_live_opts *o,
                    char *err, size_t errlen)
{
    const char *iface = o->iface, *filter = o->filter;
    char perr[PCAP_ERRBUF_SIZE > MCPD_ERR_LEN ? PCAP_ERRBUF_SIZE :
              MCPD_ERR_LEN];
    struct bpf_program prog;
    enum mcpd_live_error e;

    memset(lv, 0, sizeof(*lv));
    lv->sink = o->sink;
    lv->sink_arg = o->sink_arg;
    if ((lv->lib = mcpd_plat_pcaplib(perr)) == NULL) {
        snprintf(err, errlen, "%s", perr);
        return MCPD_LIVE_NO_LIB;
    }
    e = strncmp(iface, "rpcap://", 8) == 0 ?
        open_remote(lv, o, err, errlen) : open_local(lv, o, err, errlen);
    if (e != MCPD_LIVE_OK) {
        mcpd_live_close(lv);
        return e;
    }
    lv->nano = lv->lib->get_tstamp_precision(lv->pcap) ==
               PCAP_TSTAMP_PRECISION_NANO;
    if (lv->lib->seal(lv->pcap, perr) != 0) {
        snprintf(err, errlen, "%s: %s", iface, perr);
        mcpd_live_close(lv);
        return MCPD_LIVE_OTHER;
    }
    lv->dlt = lv->lib->datalink(lv->pcap);
    if (!mcpd_dlt_supported(lv->dlt)) {
        snprintf(err, errlen, "%s: link type %s is not supported", iface,
                 pcap_datalink_val_to_name(lv->dlt));
        mcpd_live_close(lv);
        return MCPD_LIVE_OTHER;
    }
    if (lv->lib->compile(lv->pcap, &prog, filter, 1,
                         PCAP_NETMASK_UNKNOWN) != 0) {
        snprintf(err, errlen, "filter '%s': %s", filter,
                 lv->lib->geterr(lv->pcap));
        mcpd_live_close(lv);
        return MCPD_LIVE_OTHER;
    }
    if (lv->lib->setfilter(lv->pcap, &prog) != 0) {
        snprintf(err, errlen, "filter '%s': %s", filter,
                 lv->lib->geterr(lv->pcap));
        lv->lib->freecode(&prog);
        mcpd_live_close(lv);
        return MCPD_LIVE_OTHER;
    }
    lv->lib->freecode(&prog);
    /* rpcapd starts capturing at the first read, not at the open: read
     * once now (it waits READ_TIMEOUT_MS at most), before the caller
     * starts the traffic to watch. What it hands over is not counted. */
    if (lv->timed_reads &&
        lv->lib->dispatch(lv->pcap, -1, on_warmup, NULL) < 0) {
        snprintf(err, errlen, "%s: %s", iface, lv->lib->geterr(lv->pcap));
        mcpd_live_close(lv);
        return MCPD_LIVE_OTHER;
    }
    return MCPD_LIVE_OK;
}

/*
 * The file is written by the linked libpcap from a handle of its own
 * (pcap_open_dead) with the capture's link type and precision: the
 * capturing library may be another one (Npcap's DLL, with its own C
 * runtime, must never be handed our FILE).
 */
int
mcpd_live_write_to(struct mcpd_live *lv, int fd, char *err, size_t errlen)
{
    FILE *f = fdopen(fd, "wb");

    if (f == NULL) {
        snprintf(err, errlen, "fdopen: %s", strerror(errno));
        return -1;
    }
    lv->dead = pcap_open_dead_with_tstamp_precision(
        lv->dlt, 262144, lv->nano ? PCAP_TSTAMP_PRECISION_NANO
                                  : PCAP_TSTAMP_PRECISION_MICRO);
    lv->dumper = lv->dead ? pcap_dump_fopen(lv->dead, f) : NULL;
    if (lv->dumper == NULL) {
        snprintf(err, errlen, "%s", lv->dead ? pcap_geterr(lv->dead) :
                 "out of memory");
        fclose(f);
        return -1;
    }
    return 0;
}

int
mcpd_live_wait(struct mcpd_live *lv, int timeout_ms)
{
    /* A handle read with a timeout waits in its reads. */
    if (lv->timed_reads)
        return 1;
    return lv->lib->wait(lv->pcap, timeout_ms);
}

static void
on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    struct mcpd_live *lv = (struct mcpd_live *)user;
    struct mcpd_packet pkt;
    enum mcpd_dec_status st;
    int64_t frac = (int64_t)h->ts.tv_usec;

    if (lv->dumper)
        pcap_dump((u_char *)lv->dumper, h, data);
    memset(&pkt, 0, sizeof(pkt));
    pkt.ts_ns = mcpd_ts_ns((int64_t)h->ts.tv_sec,
                           lv->nano ? frac : frac * 1000);
    st = mcpd_decode(lv->dlt, data, h->caplen, h->len, &pkt);
    if (lv->sink)
        lv->sink(lv->sink_arg, st, &pkt);
    else
        mcpd_flow_packet(lv->tab, st, &pkt);
    lv->packets++;
}

int
mcpd_live_drain(struct mcpd_live *lv, char *err, size_t errlen)
{
    int total = 0, n;

    /* Non-blocking (or, remote, a short read timeout): returns 0 once
     * nothing is waiting. */
    while ((n = lv->lib->dispatch(lv->pcap, 1024, on_packet,
                                  (u_char *)lv)) > 0)
        total += n;
    if (n < 0 && n != PCAP_ERROR_BREAK) {
        snprintf(err, errlen, "%s", lv->lib->geterr(lv->pcap));
        return -1;
    }
    return total;
}

void
mcpd_live_flush(struct mcpd_live *lv)
{
    if (lv->dumper)
        pcap_dump_flush(lv->dumper);
}

int
mcpd_live_stats(struct mcpd_live *lv, uint64_t *received, uint64_t *dropped,
                uint64_t *if_dropped)
{
    struct pcap_stat ps;

    if (lv->pcap == NULL || lv->lib->stats(lv->pcap, &ps) != 0)
        return -1;
    *received = ps.ps_recv;
    *dropped = ps.ps_drop;
    *if_dropped = ps.ps_ifdrop;
    return 0;
}

void
mcpd_live_close(struct mcpd_live *lv)
{
    if (lv->dumper) {
        pcap_dump_flush(lv->dumper);
        pcap_dump_close(lv->dumper);
        lv->dumper = NULL;
    }
    if (lv->dead) {
        pcap_close(lv->dead);
        lv->dead = NULL;
    }
    if (lv->pcap) {
        lv->lib->close(lv->pcap);
        lv->pcap = NULL;
    }
}

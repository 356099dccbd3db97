/* \summary: live capture with libpcap: open, filter, read, write, stats */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "dec.h"
#include "live.h"

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
        snprintf(err, errlen, "%s: %s", iface, pcap_geterr(lv->pcap));
    }
    pcap_close(lv->pcap);
    lv->pcap = NULL;
    return e;
}

enum mcpd_live_error
mcpd_live_open_with(struct mcpd_live *lv, const struct mcpd_live_opts *o,
                    char *err, size_t errlen)
{
    const char *iface = o->iface, *filter = o->filter;
    char perr[PCAP_ERRBUF_SIZE];
    struct bpf_program prog;
    int rc;

    memset(lv, 0, sizeof(*lv));
    lv->sink = o->sink;
    lv->sink_arg = o->sink_arg;
    perr[0] = '\0';
    lv->pcap = pcap_create(iface, perr);
    if (lv->pcap == NULL) {
        snprintf(err, errlen, "%s: %s", iface, perr);
        return MCPD_LIVE_OTHER;
    }
    pcap_set_snaplen(lv->pcap, o->snaplen > 0 ? o->snaplen : 262144);
    pcap_set_promisc(lv->pcap, 0);
    /* Immediate mode: libpcap on Linux otherwise hands packets over in
     * blocks, up to a second late, and a stop can lose the last block. */
    pcap_set_immediate_mode(lv->pcap, 1);
    if (o->buffer_bytes > 0)
        pcap_set_buffer_size(lv->pcap, (int)o->buffer_bytes);
    lv->nano = pcap_set_tstamp_precision(lv->pcap,
                                         PCAP_TSTAMP_PRECISION_NANO) == 0;
    rc = pcap_activate(lv->pcap);
    if (rc < 0)
        return activate_error(lv, rc, iface, err, errlen);
    /* libpcap opens its socket without close-on-exec: COMMAND, run as
     * the user, must never inherit a root capture socket. */
    if (fcntl(pcap_fileno(lv->pcap), F_SETFD, FD_CLOEXEC) != 0) {
        snprintf(err, errlen, "%s: close-on-exec: %s", iface,
                 strerror(errno));
        mcpd_live_close(lv);
        return MCPD_LIVE_OTHER;
    }
    lv->dlt = pcap_datalink(lv->pcap);
    if (!mcpd_dlt_supported(lv->dlt)) {
        snprintf(err, errlen, "%s: link type %s is not supported", iface,
                 pcap_datalink_val_to_name(lv->dlt));
        mcpd_live_close(lv);
        return MCPD_LIVE_OTHER;
    }
    if (pcap_compile(lv->pcap, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0 ||
        pcap_setfilter(lv->pcap, &prog) != 0) {
        snprintf(err, errlen, "filter '%s': %s", filter,
                 pcap_geterr(lv->pcap));
        mcpd_live_close(lv);
        return MCPD_LIVE_OTHER;
    }
    pcap_freecode(&prog);
    if (pcap_setnonblock(lv->pcap, 1, perr) != 0) {
        snprintf(err, errlen, "%s: %s", iface, perr);
        mcpd_live_close(lv);
        return MCPD_LIVE_OTHER;
    }
    return MCPD_LIVE_OK;
}

int
mcpd_live_write_to(struct mcpd_live *lv, int fd, char *err, size_t errlen)
{
    FILE *f = fdopen(fd, "wb");

    if (f == NULL) {
        snprintf(err, errlen, "fdopen: %s", strerror(errno));
        return -1;
    }
    lv->dumper = pcap_dump_fopen(lv->pcap, f);
    if (lv->dumper == NULL) {
        snprintf(err, errlen, "%s", pcap_geterr(lv->pcap));
        fclose(f);
        return -1;
    }
    return 0;
}

int
mcpd_live_fd(const struct mcpd_live *lv)
{
    return pcap_get_selectable_fd(lv->pcap);
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

    /* Non-blocking: returns 0 once nothing is waiting. */
    while ((n = pcap_dispatch(lv->pcap, 1024, on_packet,
                              (u_char *)lv)) > 0)
        total += n;
    if (n < 0 && n != PCAP_ERROR_BREAK) {
        snprintf(err, errlen, "%s", pcap_geterr(lv->pcap));
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

    if (pcap_stats(lv->pcap, &ps) != 0)
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
    if (lv->pcap) {
        pcap_close(lv->pcap);
        lv->pcap = NULL;
    }
}

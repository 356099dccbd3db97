/* \summary: libFuzzer target: capture bytes -> reader -> decoder ->
 * tracker -> JSON report, the whole analyze path; and the in-memory
 * pcap walker */

#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "dec.h"
#include "flow.h"
#include "pcapng.h"
#include "pcapwalk.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *sink;

/* Feed one decoded packet, as the reader does. */
static void
feed(struct mcpd_flowtab *tab, int dlt, int64_t ts, const uint8_t *p,
     uint32_t caplen, uint32_t len)
{
    struct mcpd_packet pkt;
    enum mcpd_dec_status st;

    memset(&pkt, 0, sizeof(pkt));
    pkt.ts_ns = ts < 0 ? 0 : ts;
    st = mcpd_decode(dlt, p, caplen, len, &pkt);
    mcpd_flow_packet(tab, st, &pkt);
}

static void
run(const uint8_t *data, size_t size, enum mcpd_format fmt, int use_ng)
{
    struct mcpd_report_opts opts;
    struct mcpd_flow_config cfg;
    struct mcpd_report *rep;
    struct mcpd_flowtab *tab;
    char err[MCPD_ERR_LEN], perr[PCAP_ERRBUF_SIZE];
    FILE *f = fmemopen((void *)(uintptr_t)data, size, "rb");

    if (f == NULL)
        return;
    memset(&opts, 0, sizeof(opts));
    opts.format = fmt;
    opts.command = "analyze";
    opts.verbose = 1;
    mcpd_flow_config_default(&cfg);
    cfg.max_flows = 64;      /* exercise eviction too */
    rep = mcpd_report_new(&opts, sink, NULL);
    tab = mcpd_flowtab_new(&cfg, mcpd_report_flow, rep);
    mcpd_report_begin(rep);
    if (use_ng) {
        struct mcpd_pcapng *ng;
        struct mcpd_pcapng_packet pkt;
        if (mcpd_pcapng_open(&ng, f, err) == 0) {
            while (mcpd_pcapng_next(ng, &pkt, err) == 1)
                feed(tab, pkt.dlt, pkt.ts_ns, pkt.data, pkt.caplen, pkt.len);
            mcpd_pcapng_close(ng);
        }
        fclose(f);
    } else {
        pcap_t *p = pcap_fopen_offline_with_tstamp_precision(
            f, PCAP_TSTAMP_PRECISION_NANO, perr);
        if (p == NULL) {
            fclose(f);
        } else {
            struct pcap_pkthdr *h;
            const u_char *d;
            int dlt = pcap_datalink(p);
            while (pcap_next_ex(p, &h, &d) == 1)
                feed(tab, dlt, mcpd_ts_ns((int64_t)h->ts.tv_sec,
                                          (int64_t)h->ts.tv_usec),
                     d, h->caplen, h->len);
            pcap_close(p);   /* closes f */
        }
    }
    mcpd_flow_flush(tab);
    mcpd_report_finish(rep, mcpd_flow_stats(tab));
    mcpd_flowtab_free(tab);
    mcpd_report_free(rep);
}

/* The same bytes through the in-memory walker a bundle's capture takes
 * (analysis, redaction, size cut), each record decoded. */
static void
walk(const uint8_t *data, size_t size)
{
    struct mcpd_pcap_walk w;
    struct mcpd_pcap_rec r;
    char err[MCPD_ERR_LEN];

    if (mcpd_pcap_walk_init(&w, data, size, err) != 0)
        return;
    while (mcpd_pcap_walk_next(&w, &r) == MCPD_PCAP_REC) {
        struct mcpd_packet pkt;

        memset(&pkt, 0, sizeof(pkt));
        mcpd_decode(w.dlt, data + r.data_off, r.caplen, r.wire_len, &pkt);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (sink == NULL)
        sink = fopen("/dev/null", "w");
    run(data, size, size % 3 == 0 ? MCPD_FMT_TEXT
                    : size % 3 == 1 ? MCPD_FMT_JSON : MCPD_FMT_JSONL,
        0);
    if (size >= 4 && memcmp(data, "\x0a\x0d\x0d\x0a", 4) == 0)
        run(data, size, MCPD_FMT_JSON, 1);
    walk(data, size);
    return 0;
}

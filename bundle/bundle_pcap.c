/* \summary: `mcpdiag bundle`'s capture read back: redacted, classified
 * again in-process for the ladders and the analysis, cut to the budget */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <pcap/pcap.h>
#include "bundle_int.h"
#include "cli.h"
#include "dec.h"
#include "pcapwalk.h"
#include "redact.h"
#include "report.h"

struct collect {
    struct bundle *b;
    struct mcpd_report *rep;
};

static void
keep_flow(void *ctx, struct mcpd_flow *f, enum mcpd_emit_why why)
{
    struct collect *c = ctx;
    struct bundle *b = c->b;

    if (b->nflows < MAX_FLOWS_KEPT) {
        struct mcpd_flow *k = &b->flows[b->nflows++];
        memcpy(k, f, sizeof(*k));
        /* Only the ladder's fields are used; no pointer outlives f. */
        k->hnext = k->prev = k->next = NULL;
        k->client_proc = k->server_proc = NULL;
        k->kernel = NULL;
    }
    mcpd_report_flow(c->rep, f, why);
}

/* The whole of the regular file at path (24 bytes to 4 GiB) into
 * b->pcap: 0, or -1. */
static int
read_pcap(struct bundle *b, const char *path)
{
    struct stat st;
    size_t got = 0;
    int fd;

    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        st.st_size < 24 || (unsigned long long)st.st_size > (4ULL << 30)) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    b->pcap = malloc((size_t)st.st_size);
    while (b->pcap && got < (size_t)st.st_size) {
        ssize_t n = read(fd, b->pcap + got, (size_t)st.st_size - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (b->pcap == NULL || got < 24)
        return -1;
    b->pcap_len = b->pcap_kept = got;
    return 0;
}

/* Classify the (redacted) capture in b->pcap again: b->flows for the
 * ladders, the text report in b->analysis. */
static void
classify(struct bundle *b)
{
    struct mcpd_report_opts ro;
    struct mcpd_input_info info;
    struct mcpd_flow_config fcfg;
    struct mcpd_flowtab *tab;
    struct collect col;
    const char *files[1] = { "capture.pcap" };
    char err[MCPD_ERR_LEN];
    struct mcpd_pcap_walk w;
    struct mcpd_pcap_rec r;
    struct mcpd_memout mo;
    FILE *mem;
    int walk = mcpd_pcap_walk_init(&w, b->pcap, b->pcap_len, err) == 0;

    memset(&ro, 0, sizeof(ro));
    ro.format = MCPD_FMT_TEXT;
    ro.utf8 = 1;
    ro.command = "analyze";
    memset(&info, 0, sizeof(info));
    info.files = files;
    info.nfiles = 1;
    info.link_types[0] = walk ? pcap_datalink_val_to_name(w.dlt) : NULL;
    info.nlink_types = info.link_types[0] ? 1 : 0;
    mem = mcpd_memout_open(&mo);
    b->flows = calloc(MAX_FLOWS_KEPT, sizeof(*b->flows));
    col.b = b;
    col.rep = mem ? mcpd_report_new(&ro, mem, &info) : NULL;
    mcpd_flow_config_default(&fcfg);
    fcfg.seed = mcpd_random_seed();
    tab = col.rep && b->flows ? mcpd_flowtab_new(&fcfg, keep_flow, &col)
                              : NULL;
    if (tab == NULL) {
        mcpd_report_free(col.rep);
        free(mcpd_memout_close(&mo, &b->analysis_len));
        b->analysis_len = 0;
        return;
    }
    mcpd_report_begin(col.rep);
    while (walk && mcpd_pcap_walk_next(&w, &r) == MCPD_PCAP_REC) {
        struct mcpd_packet pkt;
        enum mcpd_dec_status ds;

        memset(&pkt, 0, sizeof(pkt));
        ds = mcpd_decode(w.dlt, b->pcap + r.data_off, r.caplen, r.wire_len,
                         &pkt);
        pkt.ts_ns = r.ts_ns;
        if (ds == MCPD_DEC_TCP || ds == MCPD_DEC_ICMP_UNREACH)
            mcpd_flow_packet(tab, ds, &pkt);
        else
            mcpd_flow_count(tab, ds);
        b->packets++;
    }
    mcpd_flow_flush(tab);
    mcpd_report_finish(col.rep, mcpd_flow_stats(tab));
    mcpd_flowtab_free(tab);
    mcpd_report_free(col.rep);
    b->analysis = mcpd_memout_close(&mo, &b->analysis_len);
    b->packets_kept = b->packets;
}

/*
 * Read capture.pcap (written by the capture child), redact its payloads
 * and classify it again in-process: the ladders for report.html and the
 * "analyze" section of report.txt.
 */
int
mcpd_bundle_load_pcap(struct bundle *b, const char *path)
{
    char err[MCPD_ERR_LEN];

    if (read_pcap(b, path) != 0)
        return -1;
    if (b->redact) {
        b->redactions = mcpd_redact_pcap(b->pcap, b->pcap_len, err);
        if (b->redactions < 0) {
            /* Not a pcap we can walk: nothing of it goes in the bundle
             * rather than secrets we could not find. */
            free(b->pcap);
            b->pcap = NULL;
            b->pcap_len = b->pcap_kept = 0;
            return -1;
        }
    }
    classify(b);
    return 0;
}

/* Cut the capture to whole records within `budget` bytes. */
void
mcpd_bundle_cap_pcap(struct bundle *b, size_t budget)
{
    struct mcpd_pcap_walk w;
    struct mcpd_pcap_rec r;
    char err[MCPD_ERR_LEN];
    size_t off = MCPD_PCAP_FILE_HDR;
    uint64_t kept = 0;

    if (b->pcap == NULL || b->pcap_len <= budget)
        return;
    if (mcpd_pcap_walk_init(&w, b->pcap, b->pcap_len, err) == 0)
        while (mcpd_pcap_walk_next(&w, &r) == MCPD_PCAP_REC &&
               r.data_off + r.caplen <= budget) {
            off = r.data_off + r.caplen;
            kept++;
        }
    b->pcap_kept = off;
    b->packets_kept = kept;
}

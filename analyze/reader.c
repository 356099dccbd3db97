/* \summary: read saved captures (pcap, pcapng) as one time-ordered stream */

#include <errno.h>
#include <pthread.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "dec.h"
#include "pcapng.h"
#include "reader.h"

/*
 * One input file. libpcap reads it; if libpcap gives up on a pcapng
 * file it cannot represent (1.10 refuses interfaces that differ in link
 * type or snapshot length), our own pcapng reader takes over from the
 * same packet on.
 */
struct source {
    pcap_t *pcap;            /* libpcap's reader, until it gives up */
    struct mcpd_pcapng *ng;  /* the fallback reader, once in use */
    FILE *ng_file;           /* the file the fallback reads */
    const char *name;
    const struct mcpd_reader_mem *mem;  /* read from memory, or NULL */
    int dlt;                 /* link type (libpcap: the file's) */
    off_t size;              /* bytes, 0 when unknown (a pipe) */
    uint64_t consumed;       /* packets handed out so far */
    int has_packet;          /* the fields below are valid */
    int64_t ts;              /* the waiting packet: time in ns */
    uint32_t caplen, len;    /* captured and original length */
    int pkt_dlt;             /* its link type */
    const u_char *data;
};

/* Packets decoded ahead of the tracker, see mcpd_flow_prefetch(): large
 * enough that handing a batch between the threads is rare. */
#define READ_BATCH 256

struct mcpd_reader {
    struct source *src;
    int n;
};

/* Turn libpcap's open errors into one plain sentence. */
static void
open_error(const char *name, const char *pcap_err, char *err)
{
    const char *why = pcap_err;

    if (strstr(pcap_err, "unknown file format"))
        why = "not a pcap or pcapng capture (unknown file format)";
    else if (strstr(pcap_err, "only got 0"))
        why = "empty file";
    else if (strstr(pcap_err, "truncated"))
        why = "truncated file header";
    snprintf(err, MCPD_ERR_LEN, "%s: %s", name, why);
}

static void
close_sources(struct mcpd_reader *rd)
{
    int i;

    for (i = 0; i < rd->n; i++) {
        if (rd->src[i].pcap)
            pcap_close(rd->src[i].pcap);
        mcpd_pcapng_close(rd->src[i].ng);
        if (rd->src[i].ng_file)
            fclose(rd->src[i].ng_file);
    }
    free(rd->src);
    free(rd);
}

enum mcpd_code
mcpd_reader_open(struct mcpd_reader **out, const char *const *files,
                 int nfiles, struct mcpd_input_info *info, char *err)
{
    return mcpd_reader_open_mem(out, files, NULL, nfiles, info, err);
}

enum mcpd_code
mcpd_reader_open_mem(struct mcpd_reader **out, const char *const *files,
                     const struct mcpd_reader_mem *mem, int nfiles,
                     struct mcpd_input_info *info, char *err)
{
    struct mcpd_reader *rd = calloc(1, sizeof(*rd));
    char perr[PCAP_ERRBUF_SIZE];
    int i, j;

    *out = NULL;
    if (rd == NULL || (rd->src = calloc((size_t)nfiles,
                                        sizeof(*rd->src))) == NULL) {
        free(rd);
        snprintf(err, MCPD_ERR_LEN, "out of memory");
        return MCPD_E_NOMEM;
    }
    info->files = files;
    info->nfiles = nfiles;
    info->nlink_types = 0;
    for (i = 0; i < nfiles; i++) {
        struct source *s = &rd->src[i];
        struct stat sb;

        s->name = files[i];
        s->mem = mem && mem[i].data ? &mem[i] : NULL;
        if (s->mem) {
            s->size = (off_t)s->mem->len;
        } else if (strcmp(files[i], "-") != 0) {
            if (stat(files[i], &sb) != 0) {
                snprintf(err, MCPD_ERR_LEN, "%s: %s", files[i],
                         strerror(errno));
                rd->n = i;
                close_sources(rd);
                return MCPD_E_OPEN;
            }
            if (S_ISDIR(sb.st_mode)) {
                snprintf(err, MCPD_ERR_LEN, "%s: is a directory, not a "
                         "capture file", files[i]);
                rd->n = i;
                close_sources(rd);
                return MCPD_E_OPEN;
            }
            s->size = S_ISREG(sb.st_mode) ? sb.st_size : 0;
        }
        perr[0] = '\0';
        if (s->mem) {
            /* The FILE is libpcap's once opened: pcap_close closes it. */
            FILE *f = fmemopen((void *)s->mem->data, s->mem->len, "rb");
            if (f == NULL)
                snprintf(perr, sizeof(perr), "%s", strerror(errno));
            else if ((s->pcap = pcap_fopen_offline_with_tstamp_precision(
                          f, PCAP_TSTAMP_PRECISION_NANO, perr)) == NULL)
                fclose(f);
        } else {
            s->pcap = pcap_open_offline_with_tstamp_precision(
                files[i], PCAP_TSTAMP_PRECISION_NANO, perr);
        }
        rd->n = i + 1;
        if (s->pcap == NULL) {
            open_error(files[i], perr, err);
            close_sources(rd);
            return MCPD_E_FORMAT;
        }
        s->dlt = pcap_datalink(s->pcap);
        if (!mcpd_dlt_supported(s->dlt)) {
            const char *name = pcap_datalink_val_to_name(s->dlt);
            snprintf(err, MCPD_ERR_LEN, "%s: link type %s (%d) is not "
                     "supported (mcpdiag reads Ethernet, NULL, LOOP, "
                     "LINUX_SLL, LINUX_SLL2, NFLOG, IPOIB and raw IP)",
                     files[i], name ? name : "unknown", s->dlt);
            close_sources(rd);
            return MCPD_E_LINKTYPE;
        }
        for (j = 0; j < info->nlink_types; j++)
            if (strcmp(info->link_types[j],
                       pcap_datalink_val_to_name(s->dlt)) == 0)
                break;
        if (j == info->nlink_types && j < 8)
            info->link_types[info->nlink_types++] =
                pcap_datalink_val_to_name(s->dlt);
    }
    *out = rd;
    return MCPD_OK;
}

void
mcpd_reader_close(struct mcpd_reader *rd)
{
    if (rd)
        close_sources(rd);
}

/*
 * libpcap refused a pcapng file part-way because its interfaces differ.
 * Reopen it with our reader and skip the packets libpcap already gave,
 * so the stream continues exactly where it stopped. Only for files we
 * can reopen (not standard input).
 */
static int
switch_to_pcapng(struct source *s, char *err)
{
    struct mcpd_pcapng_packet pkt;
    uint64_t skip;

    if (s->mem)
        s->ng_file = fmemopen((void *)s->mem->data, s->mem->len, "rb");
    else if (strcmp(s->name, "-") == 0)
        return -1;
    else
        s->ng_file = fopen(s->name, "rbe");
    if (s->ng_file == NULL || mcpd_pcapng_open(&s->ng, s->ng_file, err) != 0)
        return -1;
    for (skip = 0; skip < s->consumed; skip++)
        if (mcpd_pcapng_next(s->ng, &pkt, err) != 1)
            return -1;
    pcap_close(s->pcap);
    s->pcap = NULL;
    return 0;
}

/* Fetch the next packet of a source; 0 at its end, -1 on damage. */
static int
advance(struct source *s, char *err)
{
    struct pcap_pkthdr *hdr;
    int rc;

    s->has_packet = 0;
    if (s->ng) {
        struct mcpd_pcapng_packet pkt;
        char nerr[MCPD_ERR_LEN];
        rc = mcpd_pcapng_next(s->ng, &pkt, nerr);
        if (rc < 0)
            snprintf(err, MCPD_ERR_LEN, "%.40s: %.200s", s->name, nerr);
        if (rc != 1)
            return rc;
        s->ts = pkt.ts_ns < 0 ? 0 : pkt.ts_ns;
        s->caplen = pkt.caplen;
        s->len = pkt.len;
        s->pkt_dlt = pkt.dlt;
        s->data = pkt.data;
    } else {
        rc = pcap_next_ex(s->pcap, &hdr, &s->data);
        if (rc == PCAP_ERROR_BREAK)
            return 0;
        if (rc != 1) {
            const char *why = pcap_geterr(s->pcap);
            if (strstr(why, "different from") &&
                switch_to_pcapng(s, err) == 0)
                return advance(s, err);
            snprintf(err, MCPD_ERR_LEN, "%s: %s", s->name, why);
            return -1;
        }
        /* Opened with nanosecond precision: tv_usec holds ns. */
        s->ts = mcpd_ts_ns((int64_t)hdr->ts.tv_sec,
                           (int64_t)hdr->ts.tv_usec);
        s->caplen = hdr->caplen;
        s->len = hdr->len;
        s->pkt_dlt = s->dlt;
    }
    s->consumed++;
    s->has_packet = 1;
    return 1;
}

static double
now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
show_progress(struct mcpd_reader *rd, uint64_t packets)
{
    off_t done = 0, total = 0;
    int i;

    for (i = 0; i < rd->n; i++) {
        FILE *f = rd->src[i].pcap ? pcap_file(rd->src[i].pcap)
                                  : rd->src[i].ng_file;
        total += rd->src[i].size;
        if (f && rd->src[i].size)
            done += ftello(f);
        else
            done += rd->src[i].size;
    }
    if (total > 0)
        fprintf(stderr, "\rmcpdiag: %3d%%  %llu packets ",
                (int)(100.0 * (double)done / (double)total),
                (unsigned long long)packets);
    else
        fprintf(stderr, "\rmcpdiag: %llu packets ",
                (unsigned long long)packets);
}

/*
 * Two threads: this one decodes (libpcap reading, merging, decoding,
 * hashing) into batches; the caller's thread tracks and reports. They
 * meet at a ring of batches. Order is kept, so the output is the same as
 * a single thread's; memory stays bounded by the ring.
 */
#define RING_BATCHES 64

struct batch {
    struct mcpd_packet_copy pkt[READ_BATCH];
    int n;
};

struct pipeline {
    struct mcpd_reader *rd;
    int batch_max;           /* 1 for a pipe: hand over every packet */
    const struct mcpd_flowtab *tab;
    struct batch *ring;
    unsigned head, tail;     /* produced / consumed batch counters */
    int done;                /* producer finished (EOF, error, stop) */
    int quit;                /* consumer asks the producer to stop */
    enum mcpd_code rc;
    char err[MCPD_ERR_LEN];
    pthread_mutex_t lock;
    pthread_cond_t cond;
};

/* Fill one batch from the merged sources; returns its size. */
static int
fill_batch(struct pipeline *pl, struct batch *bt)
{
    struct mcpd_reader *rd = pl->rd;
    int i;

    bt->n = 0;
    while (bt->n < pl->batch_max) {
        struct source *s = NULL;
        struct mcpd_packet_copy *c = &bt->pkt[bt->n];

        /* Merge: the oldest waiting packet of all files goes next. */
        for (i = 0; i < rd->n; i++) {
            if (!rd->src[i].has_packet)
                continue;
            if (s == NULL || rd->src[i].ts < s->ts)
                s = &rd->src[i];
        }
        if (s == NULL)
            break;
        memset(&c->pkt, 0, sizeof(c->pkt));
        c->pkt.ts_ns = s->ts;
        c->st = mcpd_decode(s->pkt_dlt, s->data, s->caplen, s->len,
                            &c->pkt);
        /* The library reuses its buffer: keep the bytes we sniff. */
        if (c->pkt.payload_cap > 0) {
            if (c->pkt.payload_cap > MCPD_SNIFF_LEN)
                c->pkt.payload_cap = MCPD_SNIFF_LEN;
            memcpy(c->payload, c->pkt.payload, c->pkt.payload_cap);
            c->pkt.payload = c->payload;
        }
        mcpd_flow_hash(pl->tab, c->st, &c->pkt);
        bt->n++;
        if (advance(s, pl->err) < 0)
            pl->rc = MCPD_E_FORMAT;
    }
    return bt->n;
}

/* SIGUSR2 only interrupts a blocking read of the reading thread. */
static void
on_wakeup(int sig)
{
    (void)sig;
}

static void *
producer(void *arg)
{
    struct pipeline *pl = arg;
    sigset_t set;

    /* Ctrl-C and SIGTERM are the main thread's to handle. */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    for (;;) {
        struct batch *bt;

        pthread_mutex_lock(&pl->lock);
        while (pl->head - pl->tail >= RING_BATCHES && !pl->quit)
            pthread_cond_wait(&pl->cond, &pl->lock);
        if (pl->quit) {
            pthread_mutex_unlock(&pl->lock);
            break;
        }
        bt = &pl->ring[pl->head % RING_BATCHES];
        pthread_mutex_unlock(&pl->lock);

        fill_batch(pl, bt);     /* the slot is ours until head moves */

        pthread_mutex_lock(&pl->lock);
        if (bt->n > 0)
            pl->head++;
        else
            pl->done = 1;
        pthread_cond_broadcast(&pl->cond);
        pthread_mutex_unlock(&pl->lock);
        if (bt->n == 0)
            break;
    }
    pthread_mutex_lock(&pl->lock);
    pl->done = 1;
    pthread_cond_broadcast(&pl->cond);
    pthread_mutex_unlock(&pl->lock);
    return NULL;
}

/* Prefetch every lookup of the batch, then feed it in order. */
static void
track_batch(struct mcpd_flowtab *tab, struct batch *bt)
{
    int b;

    for (b = 0; b < bt->n; b++)
        mcpd_flow_prefetch(tab, bt->pkt[b].st, &bt->pkt[b].pkt, 0);
    for (b = 0; b < bt->n; b++)
        mcpd_flow_prefetch(tab, bt->pkt[b].st, &bt->pkt[b].pkt, 1);
    for (b = 0; b < bt->n; b++)
        mcpd_flow_packet(tab, bt->pkt[b].st, &bt->pkt[b].pkt);
}

/* The pipeline over rd's sources, each at its first packet (a source
 * whose header is bad sets pl->rc). */
static void
pipeline_init(struct pipeline *pl, struct mcpd_reader *rd,
              struct mcpd_flowtab *tab)
{
    int i;

    memset(pl, 0, sizeof(*pl));
    pl->rd = rd;
    pl->tab = tab;
    /* From a pipe (tcpdump -w - | mcpdiag analyze -), packets come as
     * they happen: do not hold them back to fill a batch. */
    pl->batch_max = READ_BATCH;
    for (i = 0; i < rd->n; i++)
        if (rd->src[i].size == 0)
            pl->batch_max = 1;
    pl->rc = MCPD_OK;
    for (i = 0; i < rd->n; i++)
        if (advance(&rd->src[i], pl->err) < 0)
            pl->rc = MCPD_E_FORMAT;
}

/* The oldest batch the reading thread filled; NULL when it is done and
 * every batch was taken, or on a stop. */
static struct batch *
wait_batch(struct pipeline *pl, volatile sig_atomic_t *stop)
{
    struct batch *bt = NULL;

    pthread_mutex_lock(&pl->lock);
    while (pl->head == pl->tail && !pl->done && !*stop) {
        /* Wake up now and then: a signal handler cannot signal the
         * condition, and a stop must not wait for more input. */
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 100000000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&pl->cond, &pl->lock, &until);
    }
    if (pl->head != pl->tail)
        bt = &pl->ring[pl->tail % RING_BATCHES];
    pthread_mutex_unlock(&pl->lock);
    return bt;
}

/* Give the batch wait_batch returned back to the reading thread. */
static void
release_batch(struct pipeline *pl)
{
    pthread_mutex_lock(&pl->lock);
    pl->tail++;
    pthread_cond_broadcast(&pl->cond);
    pthread_mutex_unlock(&pl->lock);
}

enum mcpd_code
mcpd_reader_run(struct mcpd_reader *rd, struct mcpd_flowtab *tab,
                volatile sig_atomic_t *stop, int progress, char *err)
{
    struct pipeline pl;
    pthread_t thread;
    uint64_t packets = 0;
    double next_progress = progress ? now_seconds() + 0.5 : 0;
    int shown = 0;

    pipeline_init(&pl, rd, tab);
    pl.ring = malloc(RING_BATCHES * sizeof(*pl.ring));
    if (pl.ring == NULL) {
        snprintf(err, MCPD_ERR_LEN, "out of memory");
        return MCPD_E_NOMEM;
    }
    pthread_mutex_init(&pl.lock, NULL);
    pthread_cond_init(&pl.cond, NULL);
    {
        /* No SA_RESTART: a read blocked on a pipe must give up when the
         * user stops us, or the join below would wait for more input. */
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_wakeup;
        sigaction(SIGUSR2, &sa, NULL);
    }
    if (pthread_create(&thread, NULL, producer, &pl) != 0) {
        snprintf(err, MCPD_ERR_LEN, "cannot start the reading thread");
        free(pl.ring);
        return MCPD_E_NOMEM;
    }

    while (!*stop) {
        struct batch *bt = wait_batch(&pl, stop);

        if (bt == NULL)
            break;      /* done and drained */
        track_batch(tab, bt);
        packets += (uint64_t)bt->n;
        release_batch(&pl);

        if (progress && (packets >> 16) != ((packets - (uint64_t)bt->n) >> 16)
            && now_seconds() >= next_progress) {
            show_progress(rd, packets);
            shown = 1;
            next_progress = now_seconds() + 0.5;
        }
    }
    pthread_mutex_lock(&pl.lock);
    pl.quit = 1;
    pthread_cond_broadcast(&pl.cond);
    pthread_mutex_unlock(&pl.lock);
    if (*stop)
        pthread_kill(thread, SIGUSR2);
    pthread_join(thread, NULL);
    /* Batches read before the stop still belong to the report. */
    while (pl.tail != pl.head)
        track_batch(tab, &pl.ring[pl.tail++ % RING_BATCHES]);
    pthread_mutex_destroy(&pl.lock);
    pthread_cond_destroy(&pl.cond);
    free(pl.ring);
    if (shown)
        fputs("\r\033[K", stderr);
    /* A read cut short by the stop is not damage in the file. */
    if (*stop)
        return MCPD_OK;
    if (pl.rc != MCPD_OK)
        snprintf(err, MCPD_ERR_LEN, "%s", pl.err);
    return pl.rc;
}

/* \summary: probe and the kernel witness: what the kernel says about
 * each connect and raw SYN (RST origin, drop reasons, the rule hit) */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "probe_int.h"
#include "fdutil.h"
#if HAVE_MCPD_CAPTURE
#include "kcorrelate.h"
#define MCPD_KW_FWCOUNT 1
#endif
#ifndef MCPD_KW_FWCOUNT
#define MCPD_KW_FWCOUNT 0
#endif

/* Events kept per attempt: a probe attempt makes a handful; the rest is
 * the host's other RSTs in the same moment. */
#define KW_EVENTS 8192
#define KW_RULES 16

struct mcpd_probe_kw {
#if HAVE_MCPD_CAPTURE
    struct mcpd_witness *w;          /* NULL: tracing not available */
    struct mcpd_kstore store;        /* events of the current attempt */
#endif
#if MCPD_KW_FWCOUNT
    struct mcpd_fwwatch *fw;         /* NULL: counters not available */
    struct mcpd_fwrule moved[KW_RULES];   /* as read after the last one */
    int nmoved;
#endif
    struct mcpd_kcounters kc;        /* listen counters before it */
#if MCPD_KW_FWCOUNT
    /* Attempts made together (mcpd_probe_kernel_begin with ai < 0):
     * the rule counters are read once for all of them. */
    struct mcpd_fwrule batch[KW_RULES];
    int nbatch;
#endif
    int batch_left;                  /* attempts of the batch not ended */
};

int64_t
mcpd_realtime_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Is ip one of this host's addresses? Binding to it says so without
 * sending anything: only then can "no RST from the host's stack" mean
 * a firewall rather than the remote server's own stack. */
static int
address_is_local(const struct mcpd_ip *ip)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    int fd, rc;

    memset(&ss, 0, sizeof(ss));
    if (ip->family == 4) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        memcpy(&s4->sin_addr, ip->a, 4);
        sl = sizeof(*s4);
    } else {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        memcpy(&s6->sin6_addr, ip->a, 16);
        sl = sizeof(*s6);
    }
    fd = mcpd_socket(ss.ss_family, SOCK_DGRAM, 0, 0);
    if (fd < 0)
        return 0;
    rc = bind(fd, (struct sockaddr *)&ss, sl);
    close(fd);
    return rc == 0;
}

void
mcpd_probe_kernel_open(struct mcpd_probe *p)
{
    p->kw_tried = 1;
    if (!p->is_root) {
        snprintf(p->kw_error, sizeof(p->kw_error), "needs root (sudo)");
        snprintf(p->fw_watch_error, sizeof(p->fw_watch_error),
                 "needs root (sudo)");
        return;
    }
#if !HAVE_MCPD_CAPTURE
    snprintf(p->kw_error, sizeof(p->kw_error), "this build has no "
             "capture backend (capture/)");
    snprintf(p->fw_watch_error, sizeof(p->fw_watch_error), "%s",
             p->kw_error);
#else
    {
        struct mcpd_probe_kw *kw = calloc(1, sizeof(*kw));
        uint16_t port = p->target.port;
        char err[MCPD_ERR_LEN] = "";

        if (kw == NULL || mcpd_kstore_init(&kw->store, KW_EVENTS) != 0) {
            free(kw);
            snprintf(p->kw_error, sizeof(p->kw_error), "out of memory");
            return;
        }
#if MCPD_KW_FWCOUNT
        /* The counters' helper first: it is forked, and should not hold
         * the tracepoints' descriptors. It only reads rules. */
        kw->fw = mcpd_fwwatch_start(&port, 1, err, sizeof(err));
        if (kw->fw == NULL)
            snprintf(p->fw_watch_error, sizeof(p->fw_watch_error), "%s",
                     err[0] ? err : "cannot read the rule counters");
        p->kw_fw = kw->fw != NULL;
#endif
        err[0] = '\0';
        kw->w = mcpd_witness_open(&port, 1, err, sizeof(err));
        if (kw->w == NULL)
            snprintf(p->kw_error, sizeof(p->kw_error), "%s",
                     err[0] ? err : "tracing is not available");
        p->kw = kw;
        if (kw->w == NULL && !p->kw_fw)
            mcpd_probe_kernel_close(p);
    }
#endif
}

#if HAVE_MCPD_CAPTURE
/* Events from before an attempt: counted, not kept. */
static void
skip_event(void *ctx, const struct mcpd_kevent *ev)
{
    struct mcpd_probe *p = ctx;

    (void)ev;
    p->kw_events++;
}
#endif

void
mcpd_probe_kernel_begin(struct mcpd_probe *p, int ai)
{
    struct mcpd_probe_kw *kw = p->kw;

    if (kw == NULL)
        return;
    p->kw_ai = ai;
    kw->batch_left = ai < 0 ? p->naddr : 0;
#if MCPD_KW_FWCOUNT
    kw->nbatch = -1;
#endif
#if HAVE_MCPD_CAPTURE
    /* Whatever the kernel reported before the attempt is not about it. */
    if (kw->w) {
        mcpd_witness_poll(kw->w, skip_event, p);
        mcpd_kstore_clear(&kw->store);
    }
#endif
    mcpd_sys_counters(&kw->kc);
}

#if HAVE_MCPD_CAPTURE
/*
 * Keep only what can be about the attempt: the host's other RSTs and
 * connects (another namespace's port 3000 looks the same) would fill
 * the store on a busy host. Drops carry no address: those of the
 * attempt's IP version are kept.
 */
static int
event_for(const struct mcpd_probe *p, const struct mcpd_probe_addr *a,
          const struct mcpd_kevent *ev)
{
    const struct mcpd_endpoint *e = ev->type == MCPD_KEV_RST ? &ev->src
                                                             : &ev->dst;

    if (ev->type == MCPD_KEV_DROP)
        return ev->l3proto == (a->ip.family == 6 ? 0x86dd : 0x0800);
    return e->port == p->target.port && mcpd_ip_cmp(&e->ip, &a->ip) == 0;
}

static void
keep_event(void *ctx, const struct mcpd_kevent *ev)
{
    struct mcpd_probe *p = ctx;
    int i;

    p->kw_events++;
    /* A batch (kw_ai < 0): about any of its addresses. Kept apart at
     * the end by kcorrelate: RSTs by 4-tuple, drops by IP version (a
     * batch has one address of each). */
    for (i = p->kw_ai < 0 ? 0 : p->kw_ai;
         i < (p->kw_ai < 0 ? p->naddr : p->kw_ai + 1); i++)
        if (event_for(p, &p->addr[i], ev)) {
            mcpd_kstore_add(&p->kw->store, ev);
            return;
        }
}
#endif

void
mcpd_probe_kernel_tick(void *ctx)
{
#if HAVE_MCPD_CAPTURE
    struct mcpd_probe *p = ctx;

    if (p->kw && p->kw->w)
        mcpd_witness_poll(p->kw->w, keep_event, p);
#else
    (void)ctx;
#endif
}

#if HAVE_MCPD_CAPTURE
/* Attempt `how` (MCPD_KW_*) to address a, as the correlator sees it. */
static void
make_attempt(struct mcpd_kattempt *at, const struct mcpd_probe *p,
             const struct mcpd_probe_addr *a, const char *cli_addr,
             uint16_t cli_port, int how, int nsyn)
{
    memset(at, 0, sizeof(*at));
    if (cli_addr && cli_addr[0] &&
        inet_pton(a->ip.family == 4 ? AF_INET : AF_INET6, cli_addr,
                  at->cli.ip.a) == 1)
        at->cli.ip.family = a->ip.family;
    at->cli.port = cli_port;
    at->srv.ip = a->ip;
    at->srv.port = p->target.port;
    at->pid = (int32_t)getpid();
    at->refused = (how & MCPD_KW_REFUSED) != 0;
    at->synack = !(how & MCPD_KW_FAILED);
    at->unanswered = (how & MCPD_KW_UNANSWERED) != 0;
    at->nsyn = nsyn;
}

/* The witness's events of the attempt, through the one correlator. */
static void
witness_end(struct mcpd_probe *p, const struct mcpd_kattempt *at, int how,
            struct mcpd_kernel *k)
{
    struct mcpd_probe_kw *kw = p->kw;
    int d, n = 0;

    mcpd_witness_poll(kw->w, keep_event, p);
    mcpd_kcorrelate(&kw->store, at, mcpd_witness_lost(kw->w), k);
    p->kw_lost = mcpd_witness_lost(kw->w);
    if (kw->batch_left <= 1)
        mcpd_kstore_clear(&kw->store);
    if (!(how & MCPD_KW_RAW))
        return;
    /* Every answer to the raw SYN reaches a port no socket owns, by
     * design: its NO_SOCKET drop is the answer's, not the SYN's. */
    for (d = 0; d < k->ndrops; d++)
        if (strcmp(k->drops[d].reason, "NO_SOCKET") != 0)
            k->drops[n++] = k->drops[d];
    k->ndrops = n;
    if (n == 0)
        k->drops_matched_by = NULL;
}
#endif

#if MCPD_KW_FWCOUNT
/* The rule whose counter the attempt moved (mcpd_kernel_rule), and the
 * exact count of its dropped SYNs from it. */
static void
rules_end(struct mcpd_probe_kw *kw, int how, int nsyn,
          struct mcpd_probe_kev *out)
{
    struct mcpd_fwrule moved[KW_RULES];
    uint64_t gained = 0;
    int n;

    /* A batch reads the counters once: every attempt of it is
     * compared with the same two readings. */
    if (kw->batch_left > 0 && kw->nbatch >= 0) {
        n = kw->nbatch;
        memcpy(moved, kw->batch, sizeof(moved[0]) * (size_t)n);
    } else {
        n = mcpd_fwwatch_moved(kw->fw, moved, KW_RULES);
        if (kw->batch_left > 0) {
            kw->nbatch = n;
            memcpy(kw->batch, moved, sizeof(moved[0]) * (size_t)n);
        }
    }
    /* The counters are cumulative since the watch started: the
     * attempt's share is the difference to the last read. */
    if (how & MCPD_KW_FAILED)
        gained = mcpd_kernel_rule(&out->k, kw->moved, kw->nmoved, moved, n);
    if (gained > 0) {
        out->rule_matched_by = "time";
        if (how & MCPD_KW_UNANSWERED)
            mcpd_kernel_count_rule_drops(&out->k, out->k.rule, gained,
                                         nsyn);
    }
    if (kw->batch_left <= 1) {
        memcpy(kw->moved, moved, sizeof(moved[0]) * (size_t)n);
        kw->nmoved = n;
    }
}
#endif

void
mcpd_probe_kernel_end(struct mcpd_probe *p, int ai, const char *cli_addr,
                      uint16_t cli_port, int64_t t0_ns, int64_t t1_ns,
                      int how, int nsyn, struct mcpd_probe_kev *out)
{
    struct mcpd_probe_kw *kw = p->kw;
    const struct mcpd_probe_addr *a = &p->addr[ai];

    memset(out, 0, sizeof(*out));
    out->local_target = address_is_local(&a->ip);
    if (kw == NULL)
        return;
    out->valid = 1;
#if HAVE_MCPD_CAPTURE
    {
        struct mcpd_kcounters now;
        /* Only capture/'s backend ever opens kw. */
        if (kw->w) {
            struct mcpd_kattempt at;
            make_attempt(&at, p, a, cli_addr, cli_port, how, nsyn);
            at.t0_ns = t0_ns;
            at.t1_ns = t1_ns;
            witness_end(p, &at, how, &out->k);
        }
        if ((how & MCPD_KW_UNANSWERED) && mcpd_sys_counters(&now) == 0 &&
            kw->kc.valid)
            mcpd_kernel_listen_overflow(&out->k, kw->kc.listen_overflows,
                                        now.listen_overflows);
    }
#if MCPD_KW_FWCOUNT
    if (kw->fw)
        rules_end(kw, how, nsyn, out);
#endif
    if (kw->batch_left > 0)
        kw->batch_left--;
#else
    (void)cli_addr;
    (void)cli_port;
    (void)t0_ns;
    (void)t1_ns;
    (void)how;
    (void)nsyn;
#endif
}

void
mcpd_probe_kernel_close(struct mcpd_probe *p)
{
    struct mcpd_probe_kw *kw = p->kw;

    if (kw == NULL)
        return;
#if HAVE_MCPD_CAPTURE
    if (kw->w) {
        p->kw_lost = mcpd_witness_lost(kw->w);
        mcpd_witness_close(kw->w);
    }
    mcpd_kstore_free(&kw->store);
#endif
#if MCPD_KW_FWCOUNT
    mcpd_fwwatch_stop(kw->fw);
#endif
    free(kw);
    p->kw = NULL;
}

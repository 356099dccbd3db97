/* \summary: the kernel witness's events matched to one connection
 * attempt: RST origin by 4-tuple, SYN drops by time and process */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kcorrelate.h"

/* Event clocks are converted from CLOCK_MONOTONIC at each poll, and
 * a loopback SYN is dropped on its way in, in a softirq that a busy host
 * runs milliseconds later: the one allowance between an event and the
 * packet or call it belongs to. */
#define SLACK_NS (20LL * 1000000)
/* The ring holds each CPU's events in turn: in time order only to
 * within a read interval. */
#define REORDER_NS (300LL * 1000000)
#define KSTORE_INDEX 16384       /* slots of each port-pair index */
#define PAIR_BACK 64             /* a connect's two events are this near */

int
mcpd_kstore_init(struct mcpd_kstore *s, size_t cap)
{
    memset(s, 0, sizeof(*s));
    s->ev = calloc(cap, sizeof(*s->ev));
    s->conn_idx = calloc(KSTORE_INDEX, sizeof(*s->conn_idx));
    s->rst_idx = calloc(KSTORE_INDEX, sizeof(*s->rst_idx));
    if (s->ev == NULL || s->conn_idx == NULL || s->rst_idx == NULL) {
        mcpd_kstore_free(s);
        return -1;
    }
    s->cap = cap;
    return 0;
}

void
mcpd_kstore_free(struct mcpd_kstore *s)
{
    free(s->ev);
    free(s->conn_idx);
    free(s->rst_idx);
    memset(s, 0, sizeof(*s));
}

void
mcpd_kstore_clear(struct mcpd_kstore *s)
{
    s->first = s->n;     /* index entries before it are no longer valid */
}

/* Number of the oldest event still kept. */
static uint64_t
oldest(const struct mcpd_kstore *s)
{
    uint64_t lo = s->n > s->cap ? s->n - s->cap : 0;

    return lo > s->first ? lo : s->first;
}

uint64_t
mcpd_kstore_overflow(const struct mcpd_kstore *s)
{
    return oldest(s) - s->first;
}

static unsigned
port_slot(uint16_t client_port, uint16_t server_port)
{
    return (((unsigned)client_port * 2654435761u) ^ server_port) %
           KSTORE_INDEX;
}

/* The event an index slot names, if it is still kept. */
static const struct mcpd_kevent *
indexed(const struct mcpd_kstore *s, uint64_t slot_value)
{
    uint64_t seq;

    if (slot_value == 0)
        return NULL;
    seq = slot_value - 1;
    if (seq >= s->n || seq < oldest(s))
        return NULL;
    return &s->ev[seq % s->cap];
}

/* A socket leaving SYN_SENT names its local port (entering SYN_SENT
 * happens before the port is chosen): give it to the entering event of
 * the same socket, which has the process, and index that. */
static void
name_connect_port(struct mcpd_kstore *s, const struct mcpd_kevent *ev)
{
    uint64_t i, lo = oldest(s);

    for (i = 1; i <= PAIR_BACK && s->n >= lo + i; i++) {
        uint64_t seq = s->n - i;
        struct mcpd_kevent *e = &s->ev[seq % s->cap];
        if (e->type == MCPD_KEV_CONNECT && e->newstate == 2 &&
            e->sk == ev->sk && e->src.port == 0) {
            e->src = ev->src;
            s->conn_idx[port_slot(e->src.port, e->dst.port)] = seq + 1;
            return;
        }
    }
}

void
mcpd_kstore_add(void *ctx, const struct mcpd_kevent *ev)
{
    struct mcpd_kstore *s = ctx;

    if (s->ev == NULL)
        return;
    if (ev->type == MCPD_KEV_CONNECT && ev->oldstate == 2 && ev->src.port)
        name_connect_port(s, ev);
    s->ev[s->n % s->cap] = *ev;
    if (ev->type == MCPD_KEV_RST)
        s->rst_idx[port_slot(ev->dst.port, ev->src.port)] = s->n + 1;
    s->n++;
}

static int
same_ep(const struct mcpd_endpoint *a, const struct mcpd_endpoint *b)
{
    return a->port == b->port && mcpd_ip_cmp(&a->ip, &b->ip) == 0;
}

static int
in_window(const struct mcpd_kattempt *a, int64_t ts)
{
    return ts >= a->t0_ns - SLACK_NS && ts <= a->t1_ns + SLACK_NS;
}

static int64_t
absdiff(int64_t a, int64_t b)
{
    return a > b ? a - b : b - a;
}

/* A drop near one of the attempt's SYNs (the whole attempt when their
 * times are not known): after it, or just before on the event clock. */
static int
near_syn(const struct mcpd_kattempt *a, int64_t ts)
{
    int i;

    if (a->syn_ns == NULL || a->nsyn <= 0)
        return in_window(a, ts);
    for (i = 0; i < a->nsyn; i++)
        if (ts >= a->syn_ns[i] - 1000000 &&
            ts - a->syn_ns[i] <= 2 * SLACK_NS)
            return 1;
    return 0;
}

/*
 * The events of the attempt's time, newest first: from the newest kept
 * back to one read interval before its start. `*it` starts at 0.
 */
static const struct mcpd_kevent *
next_in_window(const struct mcpd_kstore *s, const struct mcpd_kattempt *a,
               uint64_t *it)
{
    uint64_t lo = oldest(s);

    while (s->n > lo + *it) {
        const struct mcpd_kevent *e = &s->ev[(s->n - 1 - *it) % s->cap];
        ++*it;
        if (e->ts_ns < a->t0_ns - REORDER_NS)
            return NULL;        /* older than the attempt: stop */
        if (in_window(a, e->ts_ns))
            return e;
    }
    return NULL;
}

/* Could an event of the attempt's time have been overwritten? */
static int
window_complete(const struct mcpd_kstore *s, const struct mcpd_kattempt *a)
{
    uint64_t lo = oldest(s);

    return lo == s->first ||
           s->ev[lo % s->cap].ts_ns < a->t0_ns - REORDER_NS;
}

/* What the search found, and how. */
struct kmatch {
    const struct mcpd_kevent *conn, *rst;
    int conn_tuple, rst_tuple, any_rst_from_srv;
    uint16_t cport;          /* our port: the attempt's or the connect's */
};

static int
connect_of(const struct mcpd_kattempt *a, const struct mcpd_kevent *e)
{
    return e->type == MCPD_KEV_CONNECT && e->newstate == 2 &&
           same_ep(&e->dst, &a->srv) && in_window(a, e->ts_ns) &&
           (a->pid == 0 || e->pid == a->pid);
}

/* The connect() of attempt a: by tuple when its local port is the
 * attempt's; else, of those whose port is not known, the nearest in
 * time to the attempt's start. */
static void
find_connect(const struct mcpd_kstore *s, const struct mcpd_kattempt *a,
             struct kmatch *m)
{
    const struct mcpd_kevent *e;
    uint64_t it = 0;

    if (a->cli.port) {
        e = indexed(s, s->conn_idx[port_slot(a->cli.port, a->srv.port)]);
        if (e && connect_of(a, e) && e->src.port == a->cli.port) {
            m->conn = e;
            m->conn_tuple = 1;
            return;
        }
    }
    while ((e = next_in_window(s, a, &it)) != NULL) {
        if (!connect_of(a, e))
            continue;
        if (a->cli.port && e->src.port == a->cli.port) {
            m->conn = e;
            m->conn_tuple = 1;
            return;
        }
        if ((e->src.port == 0 || a->cli.port == 0) &&
            absdiff(e->ts_ns, a->t0_ns) <= SLACK_NS &&
            (m->conn == NULL || absdiff(e->ts_ns, a->t0_ns) <=
                                absdiff(m->conn->ts_ns, a->t0_ns)))
            m->conn = e;
    }
}

static int
rst_to_us(const struct mcpd_kattempt *a, const struct kmatch *m,
          const struct mcpd_kevent *e)
{
    return m->cport && e->dst.port == m->cport &&
           (a->cli.ip.family == 0 || mcpd_ip_cmp(&e->dst.ip, &a->cli.ip) == 0);
}

/* The RST the host's stack sent the attempt: by 4-tuple; without our
 * port, any from the server in the attempt's time. */
static void
find_rst(const struct mcpd_kstore *s, const struct mcpd_kattempt *a,
         struct kmatch *m)
{
    const struct mcpd_kevent *e;
    uint64_t it = 0;

    if (m->cport) {
        e = indexed(s, s->rst_idx[port_slot(m->cport, a->srv.port)]);
        if (e && same_ep(&e->src, &a->srv) && in_window(a, e->ts_ns) &&
            rst_to_us(a, m, e)) {
            m->rst = e;
            m->rst_tuple = m->any_rst_from_srv = 1;
            return;
        }
    }
    while ((e = next_in_window(s, a, &it)) != NULL) {
        if (e->type != MCPD_KEV_RST || !same_ep(&e->src, &a->srv))
            continue;
        m->any_rst_from_srv = 1;
        if (rst_to_us(a, m, e)) {
            m->rst = e;
            m->rst_tuple = 1;
            return;
        }
        if (m->cport == 0)
            m->rst = e;     /* without our port only the time can tell */
    }
}

static void
rst_origin(const struct mcpd_kstore *s, const struct mcpd_kattempt *a,
           uint64_t lost, const struct kmatch *m, struct mcpd_kernel *k)
{
    if (m->rst) {
        snprintf(k->rst_origin, sizeof(k->rst_origin), "host");
        snprintf(k->rst_reason, sizeof(k->rst_reason), "%s",
                 m->rst->reason);
        k->rst_matched_by = m->rst_tuple ? "tuple" : "time";
    } else if (lost == 0 && window_complete(s, a) &&
               (m->cport != 0 || !m->any_rst_from_srv)) {
        /* A conclusion from absence: the stack traces every RST it
         * sends, and no event of the time was lost, so this one came
         * from elsewhere (a firewall's tcp-reset, another device). */
        snprintf(k->rst_origin, sizeof(k->rst_origin), "other");
        k->rst_matched_by = m->cport ? "tuple" : "time";
    }
}

static int
drop_of(const struct mcpd_kattempt *a, const struct mcpd_kevent *e)
{
    uint16_t l3 = a->srv.ip.family == 6 ? 0x86dd : 0x0800;

    return e->type == MCPD_KEV_DROP && e->l3proto == l3 &&
           near_syn(a, e->ts_ns);
}

/* Drops of the attempt's SYNs (see mcpd_kcorrelate). */
static void
match_drops(const struct mcpd_kstore *s, const struct mcpd_kattempt *a,
            int32_t pid, struct mcpd_kernel *k)
{
    const struct mcpd_kevent *e;
    uint32_t own = 0, extra = 0;
    uint64_t it = 0;

    if (pid == 0 && (a->syn_ns == NULL || a->nsyn <= 0))
        return;         /* neither process nor SYN times: no evidence */
    while (pid && (e = next_in_window(s, a, &it)) != NULL)
        if (drop_of(a, e) && e->pid == pid) {
            mcpd_kernel_add_drop(k, e->reason, 1);
            own++;
        }
    if (pid && own == 0)
        return;
    it = 0;
    while ((e = next_in_window(s, a, &it)) != NULL) {
        if (!drop_of(a, e) || (pid && (e->pid == pid ||
                                       mcpd_kernel_drops(k, e->reason) == 0)))
            continue;
        if (a->nsyn > 0 && own + extra >= (uint32_t)a->nsyn)
            break;
        mcpd_kernel_add_drop(k, e->reason, 1);
        extra++;
    }
    if (own + extra)
        k->drops_matched_by = "time";
}

const struct mcpd_kevent *
mcpd_kcorrelate(const struct mcpd_kstore *s, const struct mcpd_kattempt *a,
                uint64_t lost, struct mcpd_kernel *k)
{
    struct kmatch m;

    memset(&m, 0, sizeof(m));
    if (s->ev == NULL)
        return NULL;
    find_connect(s, a, &m);
    if (m.conn)
        k->client_matched_by = m.conn_tuple ? "tuple" : "time";
    /* The attempt's own port, when it knows it, is the tuple. */
    m.cport = a->cli.port ? a->cli.port : m.conn ? m.conn->src.port : 0;
    if (a->refused) {
        find_rst(s, a, &m);
        rst_origin(s, a, lost, &m, k);
    }
    /* A SYN that met a SYN-ACK or a RST was not dropped. */
    if (!a->synack && !a->refused)
        match_drops(s, a, a->pid ? a->pid : m.conn ? m.conn->pid : 0, k);
    return m.conn;
}

uint64_t
mcpd_kernel_rule(struct mcpd_kernel *k, const struct mcpd_fwrule *before,
                 int nbefore, const struct mcpd_fwrule *now, int nnow)
{
    uint64_t best = 0;
    int i, j, at = -1;

    for (i = 0; i < nnow; i++) {
        uint64_t was = 0, gain;
        if (!now[i].verdict)
            continue;
        for (j = 0; j < nbefore; j++)
            if (strcmp(before[j].text, now[i].text) == 0) {
                was = before[j].packets;
                break;
            }
        gain = now[i].packets > was ? now[i].packets - was : 0;
        if (gain > best) {
            best = gain;
            at = i;
        }
    }
    if (at >= 0)
        snprintf(k->rule, sizeof(k->rule), "%s (+%llu packet%s)",
                 now[at].text, (unsigned long long)best,
                 best == 1 ? "" : "s");
    return best;
}

/* \summary: the kernel witness's events matched to one connection
 * attempt: RST origin by 4-tuple, SYN drops by time and process */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kcorrelate.h"

/* Event clocks are converted from CLOCK_MONOTONIC at each poll: allow
 * for the step between the two and for the caller's own timestamps. */
#define SLACK_NS (5LL * 1000000)

int
mcpd_kstore_init(struct mcpd_kstore *s, size_t cap)
{
    memset(s, 0, sizeof(*s));
    s->ev = calloc(cap, sizeof(*s->ev));
    if (s->ev == NULL)
        return -1;
    s->cap = cap;
    return 0;
}

void
mcpd_kstore_free(struct mcpd_kstore *s)
{
    free(s->ev);
    memset(s, 0, sizeof(*s));
}

void
mcpd_kstore_clear(struct mcpd_kstore *s)
{
    s->n = 0;
    s->overflow = 0;
}

void
mcpd_kstore_add(void *ctx, const struct mcpd_kevent *ev)
{
    struct mcpd_kstore *s = ctx;

    if (s->n < s->cap)
        s->ev[s->n++] = *ev;
    else
        s->overflow++;
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

void
mcpd_kernel_add_drop(struct mcpd_kernel *k, const char *reason,
                     uint32_t count)
{
    int d;

    for (d = 0; d < k->ndrops && d < MCPD_KDROPS; d++)
        if (strcmp(k->drops[d].reason, reason) == 0) {
            k->drops[d].count += count;
            return;
        }
    if (k->ndrops >= MCPD_KDROPS)
        return;
    snprintf(k->drops[k->ndrops].reason, sizeof(k->drops[0].reason), "%s",
             reason);
    k->drops[k->ndrops].count = count;
    k->ndrops++;
}

uint32_t
mcpd_kernel_drops(const struct mcpd_kernel *k, const char *reason)
{
    int d;

    for (d = 0; d < k->ndrops && d < MCPD_KDROPS; d++)
        if (strcmp(k->drops[d].reason, reason) == 0)
            return k->drops[d].count;
    return 0;
}

/* The local port of a socket: its first event leaving SYN_SENT names
 * it (entering SYN_SENT happens before the port is chosen). */
static uint16_t
leaving_port(const struct mcpd_kstore *s, size_t from, uint64_t sk)
{
    size_t i;

    for (i = from + 1; i < s->n; i++)
        if (s->ev[i].type == MCPD_KEV_CONNECT && s->ev[i].sk == sk &&
            s->ev[i].oldstate == 2)
            return s->ev[i].src.port;
    return 0;
}

/* The connect() of attempt a: same process, same server, its time. By
 * tuple when its local port is the attempt's, else the first by time. */
static const struct mcpd_kevent *
find_connect(const struct mcpd_kstore *s, const struct mcpd_kattempt *a,
             uint16_t *port, int *by_tuple)
{
    const struct mcpd_kevent *best = NULL;
    size_t i;

    *by_tuple = 0;
    for (i = 0; i < s->n; i++) {
        const struct mcpd_kevent *e = &s->ev[i];
        uint16_t lp;

        if (e->type != MCPD_KEV_CONNECT || e->newstate != 2 ||
            !same_ep(&e->dst, &a->srv) || !in_window(a, e->ts_ns) ||
            (a->pid && e->pid != a->pid))
            continue;
        lp = e->src.port ? e->src.port : leaving_port(s, i, e->sk);
        if (a->cli.port && lp == a->cli.port) {
            *port = lp;
            *by_tuple = 1;
            return e;
        }
        if (best == NULL) {
            best = e;
            *port = lp;
        }
    }
    return best;
}

/* Drops of the attempt's SYNs. The kfree_skb event carries no ports:
 * a drop counts when it is of the attempt's IP version and time, and
 * either fired in the attempt's own process (a SYN sent from process
 * context is routed, filtered and dropped there, loopback included) or
 * repeats a reason seen there (the timer's retransmissions run in
 * whatever process was current), never more than the SYNs sent. */
static void
match_drops(const struct mcpd_kstore *s, const struct mcpd_kattempt *a,
            struct mcpd_kernel *k)
{
    uint16_t l3 = a->srv.ip.family == 6 ? 0x86dd : 0x0800;
    uint32_t own = 0, extra = 0;
    size_t i;

    if (a->pid == 0)
        return;
    for (i = 0; i < s->n; i++) {
        const struct mcpd_kevent *e = &s->ev[i];
        if (e->type == MCPD_KEV_DROP && e->l3proto == l3 &&
            e->pid == a->pid && in_window(a, e->ts_ns)) {
            mcpd_kernel_add_drop(k, e->reason, 1);
            own++;
        }
    }
    if (own == 0)
        return;
    k->drops_matched_by = "time";
    for (i = 0; i < s->n; i++) {
        const struct mcpd_kevent *e = &s->ev[i];
        if (e->type != MCPD_KEV_DROP || e->l3proto != l3 ||
            e->pid == a->pid || !in_window(a, e->ts_ns) ||
            mcpd_kernel_drops(k, e->reason) == 0)
            continue;
        if (a->nsyn > 0 && own + extra >= (uint32_t)a->nsyn)
            break;
        mcpd_kernel_add_drop(k, e->reason, 1);
        extra++;
    }
}

const struct mcpd_kevent *
mcpd_kcorrelate(const struct mcpd_kstore *s, const struct mcpd_kattempt *a,
                uint64_t lost, struct mcpd_kernel *k)
{
    const struct mcpd_kevent *conn, *rst = NULL;
    uint16_t cport = 0;
    int by_tuple = 0, rst_tuple = 0, any_rst_from_srv = 0;
    size_t i;

    conn = find_connect(s, a, &cport, &by_tuple);
    if (conn)
        k->client_matched_by = by_tuple ? "tuple" : "time";
    /* The attempt's own port, when it knows it, is the tuple. */
    if (a->cli.port)
        cport = a->cli.port;

    if (a->refused) {
        for (i = 0; i < s->n; i++) {
            const struct mcpd_kevent *e = &s->ev[i];
            if (e->type != MCPD_KEV_RST || !same_ep(&e->src, &a->srv) ||
                !in_window(a, e->ts_ns))
                continue;
            any_rst_from_srv = 1;
            if (cport && e->dst.port == cport &&
                (a->cli.ip.family == 0 ||
                 mcpd_ip_cmp(&e->dst.ip, &a->cli.ip) == 0)) {
                rst = e;
                rst_tuple = 1;
                break;
            }
            /* Without our port only the time can tell. */
            if (cport == 0 && rst == NULL)
                rst = e;
        }
        if (rst) {
            snprintf(k->rst_origin, sizeof(k->rst_origin), "host");
            snprintf(k->rst_reason, sizeof(k->rst_reason), "%s",
                     rst->reason);
            k->rst_matched_by = rst_tuple ? "tuple" : "time";
        } else if (lost == 0 && s->overflow == 0 &&
                   (cport != 0 || !any_rst_from_srv)) {
            /* A conclusion from absence: the stack traces every RST
             * it sends, and no event was lost, so this one came from
             * elsewhere (a firewall's tcp-reset, another device). */
            snprintf(k->rst_origin, sizeof(k->rst_origin), "other");
            k->rst_matched_by = cport ? "tuple" : "time";
        }
    }
    match_drops(s, a, k);
    return conn;
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

void
mcpd_kernel_count_rule_drops(struct mcpd_kernel *k, const char *rule,
                             uint64_t gained, int nsyn)
{
    if (nsyn <= 0 || gained != (uint64_t)nsyn || strstr(rule, "REJECT"))
        return;
    if (k->ndrops == 1 &&
        mcpd_kernel_drops(k, "NETFILTER_DROP") == (uint32_t)nsyn)
        return;                 /* time matching found them all, alone */
    /* A packet is dropped once: drops of other reasons matched by time
     * were other packets' (another namespace's, the kernel does not say
     * which) and are let go. */
    memset(k->drops, 0, sizeof(k->drops));
    k->ndrops = 0;
    mcpd_kernel_add_drop(k, "NETFILTER_DROP", (uint32_t)nsyn);
    k->drops_matched_by = "counter";
}

const char *
mcpd_kdrop_meaning(const char *reason)
{
    static const struct {
        const char *reason, *meaning;
    } table[] = {
        { "NETFILTER_DROP", "a firewall rule (netfilter) dropped it" },
        { "NO_SOCKET", "no socket listens there" },
        { "TCP_LISTEN_OVERFLOW", "the listener's accept queue is full" },
        { "SOCKET_FILTER", "a socket filter (BPF) on the listener "
                           "dropped it" },
        { "SOCKET_BACKLOG", "the socket's backlog is full" },
        { "IP_RPFILTER", "reverse-path filtering (rp_filter) dropped it" },
        { "XFRM_POLICY", "an IPsec (xfrm) policy dropped it" },
        { "IP_INADDRERRORS", "the destination address is invalid here" },
        { "IP_INNOROUTES", "no route for it" },
        { "IP_OUTNOROUTES", "no route to send it" },
        { "SECURITY_HOOK", "a security module (SELinux, AppArmor) "
                           "dropped it" },
        { "BPF_CGROUP_EGRESS", "a cgroup BPF program dropped it" },
        { "TC_INGRESS", "a tc ingress filter dropped it" },
        { "TC_EGRESS", "a tc egress filter dropped it" },
        { "XDP", "an XDP program dropped it" },
        { "NEIGH_FAILED", "the next hop's link address did not resolve" },
    };
    size_t i;

    for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (strcmp(table[i].reason, reason) == 0)
            return table[i].meaning;
    return "the kernel dropped it";
}

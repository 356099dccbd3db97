/* \summary: capture's kernel evidence: the witness's events kept in
 * the one correlator's ring (kcorrelate.c), matched to each connection */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "capture_int.h"

/* Timestamps of the client's SYNs, from the ladder steps. */
static int
syn_times(const struct mcpd_flow *f, int64_t *out, int max)
{
    int i, n = 0;

    for (i = 0; i < f->nsteps && n < max; i++)
        if (f->steps[i].dir == MCPD_C2S &&
            (f->steps[i].flags & (MCPD_TH_SYN | MCPD_TH_ACK)) == MCPD_TH_SYN)
            out[n++] = f->t_first + (int64_t)f->steps[i].dt_us * 1000;
    return n;
}

/*
 * TcpExt ListenOverflows (mcpd_sys_counters: per network namespace,
 * world-readable): the kernel counts each SYN it drops because a
 * listener's accept queue is full; that drop makes no kfree_skb event.
 */
static long long
listen_overflows(void)
{
    struct mcpd_kcounters k;

    if (mcpd_sys_counters(&k) != 0)
        return -1;
    return (long long)k.listen_overflows;
}

static struct mcpd_kernel *
kernel_of(struct mcpd_flow *f)
{
    if (f->kernel == NULL)
        f->kernel = calloc(1, sizeof(*f->kernel));
    return f->kernel;
}

/* No SYN-ACK, RST or ICMP came back: every SYN was lost somewhere. */
static int
unanswered(const struct mcpd_flow *f)
{
    return !(f->bits & (MCPD_F_SYNACK | MCPD_F_SRV_RST | MCPD_F_ICMP));
}

/*
 * What the kernel said about this connection (mcpd_kcorrelate): the
 * process that called connect(), who sent a server-side RST, the drops
 * of its SYNs, a full accept queue, the firewall rule whose counter
 * moved. Read the rings first so events already in the kernel count.
 */
void
mcpd_cap_kernel_evidence(struct capture *c, struct mcpd_flow *f)
{
    int64_t syn[MCPD_LADDER_STEPS];
    const struct mcpd_kevent *e;
    struct mcpd_kattempt a;
    struct mcpd_kernel *k;

    if (c->witness == NULL)
        return;
    mcpd_witness_poll(c->witness, mcpd_kstore_add, &c->kev);
    k = kernel_of(f);
    if (k == NULL)
        return;
    memset(&a, 0, sizeof(a));
    a.cli = f->cli;
    a.srv = f->srv;
    a.t0_ns = f->t_first;
    a.t1_ns = f->t_last;
    a.refused = (f->bits & MCPD_F_SRV_RST) != 0;
    a.synack = (f->bits & MCPD_F_SYNACK) != 0;
    a.unanswered = unanswered(f);
    a.nsyn = syn_times(f, syn, MCPD_LADDER_STEPS);
    a.syn_ns = syn;
    e = mcpd_kcorrelate(&c->kev, &a, mcpd_witness_lost(c->witness), k);
    if (e && (f->client_proc == NULL || f->client_proc->pid != e->pid)) {
        struct mcpd_owner o;
        memset(&o, 0, sizeof(o));
        o.pid = e->pid;
        snprintf(o.command, sizeof(o.command), "%s", e->comm);
        free(f->client_proc);
        mcpd_cap_user_of_pid(c, e->pid, &o);
        f->client_proc = mcpd_cap_proc(&o, "kernel");
    }
    if (!a.synack && !a.refused) {
        long long now_lo = listen_overflows();
        if (c->overflows_base >= 0 && now_lo >= 0)
            mcpd_kernel_listen_overflow(k, (uint64_t)c->overflows_base,
                                        (uint64_t)now_lo);
    }
    /* A firewall at work: name the rule whose counter moved since the
     * start. Asked of the root helper at most every 200 ms. An
     * unanswered connection asks too: its drop events may all have run
     * late (mcpd_kernel_count_rule_drops). */
    if (c->fw && (k->ndrops || a.unanswered || a.refused ||
                  (f->bits & MCPD_F_ICMP))) {
        int64_t now = mcpd_cap_now_ns();
        uint64_t gained;
        if (now - c->moved_at > 200000000LL) {
            c->nmoved = mcpd_fwwatch_moved(c->fw, c->moved, 8);
            c->moved_at = now;
        }
        gained = mcpd_kernel_rule(k, NULL, 0, c->moved, c->nmoved);
        if (gained && a.unanswered)
            mcpd_kernel_count_rule_drops(k, k->rule, gained, a.nsyn);
    }
}

/*
 * Open the tracepoints and, with them, the rule counters' helper: as
 * root, before privileges are dropped. Following a command, its
 * connect() to any port is evidence (a wrong port above all): no port
 * filter in the kernel. The rule counters stay those of the target and
 * proxy ports.
 */
void
mcpd_cap_kernel_open(struct capture *c, int quiet)
{
    uint16_t ports[MCPD_PROXY_MAX_PORTS + 1];
    char werr[MCPD_ERR_LEN];
    int np = 0, i;

    c->overflows_base = listen_overflows();
    ports[np++] = c->target.port;
    for (i = 0; i < c->proxy.nports; i++)
        ports[np++] = c->proxy.ports[i];
    snprintf(werr, sizeof(werr), "out of memory");
    if (mcpd_kstore_init(&c->kev, KEV_RING) == 0)
        c->witness = mcpd_witness_open(ports, c->cmd_pid ? 0 : np, werr,
                                       sizeof(werr));
    if (c->witness == NULL && !quiet)
        mcpd_cap_errmsg("kernel witness unavailable: %s; "
                        "processes come from the socket table only\n",
                        werr);
    /* Rule counters: a helper keeps root only to run iptables-save
     * again; everything else gives root up. */
    if (c->witness)
        c->fw = mcpd_fwwatch_start(ports, np, werr, sizeof(werr));
}

/* Move the kernel's waiting events into the ring. */
void
mcpd_cap_kernel_poll(struct capture *c)
{
    if (c->witness)
        mcpd_witness_poll(c->witness, mcpd_kstore_add, &c->kev);
}

/* Say what was lost, then close the witness and the counters. */
void
mcpd_cap_kernel_close(struct capture *c)
{
    if (c->witness && mcpd_witness_lost(c->witness))
        mcpd_cap_errmsg("warning: %llu kernel events were lost "
                        "(ring full)\n",
                        (unsigned long long)mcpd_witness_lost(c->witness));
    mcpd_witness_close(c->witness);
    c->witness = NULL;
    mcpd_fwwatch_stop(c->fw);
    c->fw = NULL;
    mcpd_kstore_free(&c->kev);
}

/* \summary: connection tracker: hash table, age lists, state machine */

#include <stdlib.h>
#include <string.h>
#include "flow.h"
#include "sniff.h"

/*
 * Connections live in a chained hash table keyed by the canonical
 * 4-tuple, and on one of three age lists:
 *   PENDING  handshake not complete: expires after handshake_idle_ns;
 *   OPEN     handshake done or seen mid-stream: never expires by time
 *            (an SSE stream may be silent for minutes), only by the cap;
 *   DONE     verdict emitted; kept linger_ns to absorb trailing packets.
 * A list is ordered by when each connection joined it (t_queued), not by
 * its last packet: moving a connection on every packet would touch two
 * neighbours' cache lines per packet. Expiry looks at the head; a head
 * that has seen packets since it was queued is re-queued at the tail
 * instead (at most once per timeout period), so expiry stays O(1)
 * amortised and exact.
 */
enum { LIST_PENDING, LIST_OPEN, LIST_DONE, LIST_COUNT };

struct age_list {
    struct mcpd_flow *head;  /* least recently active */
    struct mcpd_flow *tail;  /* most recently active */
};

struct mcpd_flowtab {
    struct mcpd_flow_config cfg;
    mcpd_emit_fn emit;       /* receives each finished connection */
    void *emit_ctx;
    struct mcpd_flow **buckets;
    uint32_t nbuckets;       /* power of two */
    uint32_t nflows;         /* connections in memory */
    uint64_t next_id;
    int64_t now;             /* latest capture time seen, ns */
    struct age_list lists[LIST_COUNT];
    struct mcpd_stats stats;
    mcpd_early_fn early;     /* live: verdict known before the end */
    void *early_ctx;
    int64_t early_after_ns;
    mcpd_new_fn on_new;      /* live: a connection appeared */
    void *new_ctx;
};

void
mcpd_flowtab_set_early(struct mcpd_flowtab *t, mcpd_early_fn fn, void *ctx,
                       int64_t after_ns)
{
    t->early = fn;
    t->early_ctx = ctx;
    t->early_after_ns = after_ns;
}

void
mcpd_flowtab_set_new(struct mcpd_flowtab *t, mcpd_new_fn fn, void *ctx)
{
    t->on_new = fn;
    t->new_ctx = ctx;
}

/* Tell the live printer once, with the verdict the packets support. */
static void
announce(struct mcpd_flowtab *t, struct mcpd_flow *f)
{
    if (t->early == NULL || f->announced)
        return;
    f->announced = 1;
    t->early(t->early_ctx, f, mcpd_flow_verdict(f));
}

void
mcpd_flow_early_scan(struct mcpd_flowtab *t, int64_t now)
{
    struct mcpd_flow *f;

    if (t->early == NULL)
        return;
    for (f = t->lists[LIST_PENDING].head; f; f = f->next)
        if (!f->announced && now - f->t_last >= t->early_after_ns)
            announce(t, f);
}

void
mcpd_flow_config_default(struct mcpd_flow_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->max_flows = MCPD_MAX_FLOWS_DEFAULT;
    cfg->handshake_idle_ns = MCPD_HANDSHAKE_IDLE_NS;
    cfg->linger_ns = MCPD_LINGER_NS;
    cfg->seed = 0x6d637064u;
}

/* ---- age lists ---------------------------------------------------- */

static void
list_unlink(struct mcpd_flowtab *t, struct mcpd_flow *f)
{
    struct age_list *l = &t->lists[f->list];

    if (f->prev)
        f->prev->next = f->next;
    else
        l->head = f->next;
    if (f->next)
        f->next->prev = f->prev;
    else
        l->tail = f->prev;
    f->prev = f->next = NULL;
}

static void
list_append(struct mcpd_flowtab *t, struct mcpd_flow *f, int which)
{
    struct age_list *l = &t->lists[which];

    f->list = (uint8_t)which;
    f->next = NULL;
    f->prev = l->tail;
    if (l->tail)
        l->tail->next = f;
    else
        l->head = f;
    l->tail = f;
}

/* Put the connection on the list it belongs on (no-op if it is there). */
static void
list_touch(struct mcpd_flowtab *t, struct mcpd_flow *f, int which)
{
    if (f->list == which)
        return;
    list_unlink(t, f);
    f->t_queued = f->t_last;
    list_append(t, f, which);
}

/* The head of a list, re-queueing heads that were active since they
 * were queued, until the head is one whose last packet is older than
 * `age` (returned) or younger than it (NULL: nothing to expire). */
static struct mcpd_flow *
list_stale_head(struct mcpd_flowtab *t, int which, int64_t age)
{
    struct mcpd_flow *f;

    while ((f = t->lists[which].head) != NULL &&
           t->now - f->t_queued > age) {
        if (t->now - f->t_last > age)
            return f;
        list_unlink(t, f);
        f->t_queued = f->t_last;
        list_append(t, f, which);
    }
    return NULL;
}

/* ---- hash table --------------------------------------------------- */

static uint64_t
mix64(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdULL;
    return h ^ (h >> 33);
}

/* Hot path: compare whole words, not memcmp. IPv4 addresses keep the
 * unused 12 bytes zero (the decoder clears them), so 16 bytes compare
 * equal exactly when the addresses do. */
static inline int
endpoint_eq(const struct mcpd_endpoint *x, const struct mcpd_endpoint *y)
{
    uint64_t a[2], b[2];

    if (x->port != y->port || x->ip.family != y->ip.family)
        return 0;
    memcpy(a, x->ip.a, 16);
    memcpy(b, y->ip.a, 16);
    return a[0] == b[0] && a[1] == b[1];
}

/*
 * Hash of the unordered pair {a, b}. XOR and sum of each word are both
 * order-free and together keep the information XOR alone loses when
 * both sides share an address (loopback); then a keyed mix.
 */
static uint32_t
hash_tuple(const struct mcpd_flowtab *t, const struct mcpd_endpoint *a,
           const struct mcpd_endpoint *b)
{
    uint64_t wa[2], wb[2], h = t->cfg.seed;
    uint32_t pa = a->port, pb = b->port;

    memcpy(wa, a->ip.a, 16);
    memcpy(wb, b->ip.a, 16);
    h = mix64(h, (wa[0] ^ wb[0]) + ((wa[1] + wb[1]) << 1));
    h = mix64(h, (wa[0] + wb[0]) ^ (wa[1] ^ wb[1]));
    h = mix64(h, ((uint64_t)(pa ^ pb) << 32) | ((pa + pb) << 8) |
                     a->ip.family);
    return (uint32_t)(h ^ (h >> 32));
}

static struct mcpd_flow *
hash_find(struct mcpd_flowtab *t, uint32_t hash,
          const struct mcpd_endpoint *a, const struct mcpd_endpoint *b)
{
    struct mcpd_flow *f;

    for (f = t->buckets[hash & (t->nbuckets - 1)]; f; f = f->hnext) {
        if (f->hash != hash)
            continue;
        if ((endpoint_eq(&f->cli, a) && endpoint_eq(&f->srv, b)) ||
            (endpoint_eq(&f->cli, b) && endpoint_eq(&f->srv, a)))
            return f;
    }
    return NULL;
}

static void
hash_remove(struct mcpd_flowtab *t, struct mcpd_flow *f)
{
    struct mcpd_flow **pp = &t->buckets[f->hash & (t->nbuckets - 1)];

    while (*pp && *pp != f)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = f->hnext;
}

/* Double the bucket array; on allocation failure keep the old one
 * (chains get longer, nothing is lost). */
static void
hash_grow(struct mcpd_flowtab *t)
{
    uint32_t n = t->nbuckets * 2, i;
    struct mcpd_flow **nb = calloc(n, sizeof(*nb));

    if (nb == NULL)
        return;
    for (i = 0; i < t->nbuckets; i++) {
        struct mcpd_flow *f = t->buckets[i], *next;
        for (; f; f = next) {
            next = f->hnext;
            f->hnext = nb[f->hash & (n - 1)];
            nb[f->hash & (n - 1)] = f;
        }
    }
    free(t->buckets);
    t->buckets = nb;
    t->nbuckets = n;
}

/* ---- table life cycle --------------------------------------------- */

struct mcpd_flowtab *
mcpd_flowtab_new(const struct mcpd_flow_config *cfg, mcpd_emit_fn emit,
                 void *ctx)
{
    struct mcpd_flowtab *t = calloc(1, sizeof(*t));

    if (t == NULL)
        return NULL;
    t->cfg = *cfg;
    if (t->cfg.max_flows == 0)
        t->cfg.max_flows = MCPD_MAX_FLOWS_DEFAULT;
    t->emit = emit;
    t->emit_ctx = ctx;
    t->nbuckets = 1024;
    t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
    if (t->buckets == NULL) {
        free(t);
        return NULL;
    }
    return t;
}

static void
flow_destroy(struct mcpd_flowtab *t, struct mcpd_flow *f)
{
    list_unlink(t, f);
    hash_remove(t, f);
    t->nflows--;
    free(f->client_proc);
    free(f->server_proc);
    free(f->kernel);
    free(f->stream);
    free(f);
}

void
mcpd_flowtab_free(struct mcpd_flowtab *t)
{
    int i;

    if (t == NULL)
        return;
    for (i = 0; i < LIST_COUNT; i++)
        while (t->lists[i].head)
            flow_destroy(t, t->lists[i].head);
    free(t->buckets);
    free(t);
}

void
mcpd_flow_set_kernel_stats(struct mcpd_flowtab *t, uint64_t recv,
                           uint64_t drop, uint64_t ifdrop)
{
    t->stats.live = 1;
    t->stats.pcap_received = recv;
    t->stats.pcap_drop = drop;
    t->stats.pcap_ifdrop = ifdrop;
}

const struct mcpd_stats *
mcpd_flow_stats(const struct mcpd_flowtab *t)
{
    return &t->stats;
}

/* ---- verdict ------------------------------------------------------ */

enum mcpd_verdict
mcpd_flow_verdict(const struct mcpd_flow *f)
{
    if (!(f->bits & MCPD_F_SYN))
        return MCPD_V_PARTIAL;
    if (f->bits & MCPD_F_HS) {
        if (f->bits & (MCPD_F_CLI_RST | MCPD_F_SRV_RST))
            return MCPD_V_RESET;
        if (f->bits & (MCPD_F_CLI_FIN | MCPD_F_SRV_FIN))
            return MCPD_V_CLOSED;
        return MCPD_V_ESTABLISHED;
    }
    if (f->bits & MCPD_F_SYNACK)
        return MCPD_V_HALF_OPEN;
    if (mcpd_flow_answer_rejected(f))
        return MCPD_V_HALF_OPEN;
    if (f->bits & MCPD_F_SRV_RST)
        return MCPD_V_REFUSED;
    if (f->bits & MCPD_F_ICMP)
        return MCPD_V_UNREACHABLE;
    return MCPD_V_TIMEOUT;
}

uint64_t
mcpd_flow_server_bytes(const struct mcpd_flow *f)
{
    uint32_t acked;

    if (f->srv_pkts > 0 || !(f->bits & MCPD_F_ACK_BASE))
        return f->srv_bytes;
    /* Only the client's packets were captured: what it acknowledged is
     * what the server sent (less one for the server's FIN, if acked). */
    acked = f->cli_ack_hi - f->cli_ack_base;
    if (acked > 0 && (f->bits & MCPD_F_CLI_FIN))
        acked--;
    return acked;
}

int
mcpd_flow_no_response(const struct mcpd_flow *f)
{
    return f->cli_bytes > 0 && mcpd_flow_server_bytes(f) == 0;
}

int
mcpd_flow_abortive_close(const struct mcpd_flow *f)
{
    return (f->bits & MCPD_F_HS) && (f->bits & MCPD_F_CLI_RST) &&
           !(f->bits & MCPD_F_SRV_RST) && f->stream &&
           f->cli_sniff == MCPD_SNIFF_HTTP_REQ &&
           f->srv_sniff == MCPD_SNIFF_HTTP_RESP &&
           (f->stream->http == MCPD_HTTP_COMPLETE ||
            f->stream->http == MCPD_HTTP_STREAM);
}

int
mcpd_flow_answer_rejected(const struct mcpd_flow *f)
{
    /* RFC 9293 3.10.7.3: in SYN-SENT, an ACK that does not acknowledge
     * the SYN gets a RST (RFC 5961 4: the challenge ACK of a server
     * that still holds an older connection on the same 4-tuple). */
    return f->bad_ack && (f->bits & MCPD_F_CLI_RST) &&
           !(f->bits & (MCPD_F_SYNACK | MCPD_F_HS));
}

/* ---- emission ----------------------------------------------------- */

/* Hand the connection to the report and move it to the DONE list. */
static void
flow_emit(struct mcpd_flowtab *t, struct mcpd_flow *f,
          enum mcpd_emit_why why)
{
    f->verdict = (uint8_t)mcpd_flow_verdict(f);
    if (why == MCPD_EMIT_EVICTED) {
        f->bits |= MCPD_F_EVICTED;
        t->stats.evicted++;
    }
    if (t->cfg.port == 0 || f->srv.port == t->cfg.port) {
        t->stats.connections++;
        t->emit(t->emit_ctx, f, why);
    }
    f->bits |= MCPD_F_ENDED;
    list_touch(t, f, LIST_DONE);
}

/* Emit and free the least recently active in-progress connection. */
static void
evict_one(struct mcpd_flowtab *t)
{
    struct mcpd_flow *p = t->lists[LIST_PENDING].head;
    struct mcpd_flow *o = t->lists[LIST_OPEN].head;
    struct mcpd_flow *victim;

    if (t->lists[LIST_DONE].head) {
        flow_destroy(t, t->lists[LIST_DONE].head);
        return;
    }
    /* Roughly the least recently active: the earlier queued head. */
    victim = (p && (!o || p->t_queued <= o->t_queued)) ? p : o;
    if (victim == NULL)
        return;
    flow_emit(t, victim, MCPD_EMIT_EVICTED);
    flow_destroy(t, victim);
}

void
mcpd_flow_advance(struct mcpd_flowtab *t, int64_t now)
{
    struct mcpd_flow *f;

    if (now > t->now)
        t->now = now;
    while ((f = list_stale_head(t, LIST_PENDING,
                                t->cfg.handshake_idle_ns)) != NULL)
        flow_emit(t, f, MCPD_EMIT_IDLE);
    while ((f = list_stale_head(t, LIST_DONE, t->cfg.linger_ns)) != NULL)
        flow_destroy(t, f);
}

static int
cmp_flow_id(const void *a, const void *b)
{
    const struct mcpd_flow *x = *(const struct mcpd_flow *const *)a;
    const struct mcpd_flow *y = *(const struct mcpd_flow *const *)b;
    return x->id < y->id ? -1 : x->id > y->id;
}

void
mcpd_flow_flush(struct mcpd_flowtab *t)
{
    struct mcpd_flow **all, *f;
    uint32_t n = 0, i;
    int l;

    /* Emit in creation order so the report does not depend on hashing. */
    all = malloc(((size_t)t->nflows + 1) * sizeof(*all));
    for (l = LIST_PENDING; l <= LIST_OPEN; l++)
        for (f = t->lists[l].head; f; f = f->next)
            if (all)
                all[n++] = f;
            else
                flow_emit(t, f, MCPD_EMIT_FLUSH);
    if (all) {
        qsort(all, n, sizeof(*all), cmp_flow_id);
        for (i = 0; i < n; i++)
            flow_emit(t, all[i], MCPD_EMIT_FLUSH);
        free(all);
    }
    while (t->lists[LIST_DONE].head)
        flow_destroy(t, t->lists[LIST_DONE].head);
}

/* ---- per-packet bookkeeping --------------------------------------- */

/* RFC 1982 serial-number comparison: is a after b? */
static int
seq_after(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) > 0;
}

/*
 * Count the payload bytes a segment adds beyond what this direction has
 * already sent, so retransmissions are counted once; a segment adding
 * nothing is a retransmission.
 */
static void
count_payload(struct mcpd_flow *f, int from_client, uint32_t seq,
              uint32_t len)
{
    uint32_t *hi = from_client ? &f->cli_hi : &f->srv_hi;
    uint64_t *bytes = from_client ? &f->cli_bytes : &f->srv_bytes;
    uint16_t *retrans = from_client ? &f->cli_retrans : &f->srv_retrans;
    uint16_t seqbit = from_client ? MCPD_F_CLI_SEQ : MCPD_F_SRV_SEQ;
    uint32_t end = seq + len;

    if (!(f->bits & seqbit)) {
        f->bits |= seqbit;
        *hi = seq;
    }
    if (len == 0)
        return;
    if (seq_after(end, *hi)) {
        uint32_t from = seq_after(seq, *hi) ? seq : *hi;
        *bytes += end - from;
        if (end - from < len && *retrans < UINT16_MAX)
            (*retrans)++;
        *hi = end;
    } else if (*retrans < UINT16_MAX) {
        (*retrans)++;
    }
}

static void
add_step(struct mcpd_flow *f, int64_t ts, int dir, uint8_t flags,
         uint32_t len)
{
    struct mcpd_step *s;
    int64_t dt;

    if (f->nsteps >= MCPD_LADDER_STEPS)
        return;
    s = &f->steps[f->nsteps++];
    dt = (ts - f->t_first) / 1000;
    s->dt_us = dt < 0 ? 0 : dt > UINT32_MAX ? UINT32_MAX : (uint32_t)dt;
    s->dir = (uint8_t)dir;
    s->flags = flags;
    s->len = len > UINT16_MAX ? UINT16_MAX : (uint16_t)len;
}

static struct mcpd_flow *
flow_new(struct mcpd_flowtab *t, uint32_t hash,
         const struct mcpd_endpoint *cli, const struct mcpd_endpoint *srv,
         int64_t ts)
{
    struct mcpd_flow *f;

    while (t->nflows >= t->cfg.max_flows)
        evict_one(t);
    f = calloc(1, sizeof(*f));
    if (f == NULL)
        return NULL;
    f->id = t->next_id++;
    f->hash = hash;
    f->cli = *cli;
    f->srv = *srv;
    f->t_first = f->t_last = f->t_queued = ts;
    f->hnext = t->buckets[hash & (t->nbuckets - 1)];
    t->buckets[hash & (t->nbuckets - 1)] = f;
    t->nflows++;
    if (t->nflows > t->stats.peak_flows)
        t->stats.peak_flows = t->nflows;
    if (t->nflows > t->nbuckets)
        hash_grow(t);
    list_append(t, f, LIST_PENDING);
    if (t->on_new)
        t->on_new(t->new_ctx, f);
    return f;
}

/*
 * Which side is the server of a connection whose SYN we never saw. A
 * SYN-ACK's sender is; else the --port side; else the lower port (the
 * other one is most likely ephemeral).
 */
static int
midstream_src_is_server(const struct mcpd_flowtab *t,
                        const struct mcpd_packet *p)
{
    if ((p->flags & (MCPD_TH_SYN | MCPD_TH_ACK)) ==
        (MCPD_TH_SYN | MCPD_TH_ACK))
        return 1;
    if (t->cfg.port)
        return p->sport == t->cfg.port;
    return p->sport < p->dport;
}

/* Would the client accept this RST from the server side? Only matters
 * while its SYN is unanswered and we know its ISN. */
static int
rst_acceptable(const struct mcpd_flow *f, const struct mcpd_packet *p)
{
    if ((f->bits & (MCPD_F_SYNACK | MCPD_F_HS)) ||
        !(f->bits & MCPD_F_SYN) || (f->bits & MCPD_F_SYN_INFER))
        return 1;
    return (p->flags & MCPD_TH_ACK) && p->ack == f->cli_isn + 1;
}

/* Does this segment's data continue the stream exactly (1), repeat
 * what was seen (-1: a retransmission, nothing new), or leave a gap or
 * overlap (0)? A SYN's data is not walked. */
static int
stream_order(const struct mcpd_flow *f, const struct mcpd_packet *p,
             int from_client, int syn)
{
    uint32_t hi;

    if (syn)
        return 0;
    if (!(f->bits & (from_client ? MCPD_F_CLI_SEQ : MCPD_F_SRV_SEQ)))
        return 1;
    hi = from_client ? f->cli_hi : f->srv_hi;
    return p->seq == hi ? 1
           : !seq_after(p->seq + p->payload_len, hi) ? -1 : 0;
}

/* After a segment: a FIN noted, a RST or both FINs end the connection,
 * else it waits on the list its state belongs to. */
static void
flow_settle(struct mcpd_flowtab *t, struct mcpd_flow *f,
            const struct mcpd_packet *p, int from_client)
{
    int rst = (p->flags & MCPD_TH_RST) != 0;

    if (p->flags & MCPD_TH_FIN)
        f->bits |= from_client ? MCPD_F_CLI_FIN : MCPD_F_SRV_FIN;
    if (rst && !from_client && !rst_acceptable(f, p)) {
        /* RFC 9293 3.10.7.3: in SYN-SENT the client drops a RST whose
         * ACK does not acknowledge its SYN, so it refused nothing (an
         * injected or stale RST). Note it and keep waiting. */
        t->stats.rst_ignored++;
        list_touch(t, f, LIST_PENDING);
        return;
    }
    if (rst) {
        if (!(f->bits & (MCPD_F_CLI_FIN | MCPD_F_SRV_FIN)))
            f->bits |= MCPD_F_RST_FIRST;
        f->bits |= from_client ? MCPD_F_CLI_RST : MCPD_F_SRV_RST;
        flow_emit(t, f, MCPD_EMIT_ENDED);
        return;
    }
    if ((f->bits & MCPD_F_CLI_FIN) && (f->bits & MCPD_F_SRV_FIN)) {
        flow_emit(t, f, MCPD_EMIT_ENDED);
        return;
    }
    list_touch(t, f, (f->bits & (MCPD_F_HS | MCPD_F_SYN)) == MCPD_F_SYN
                         ? LIST_PENDING : LIST_OPEN);
}

/*
 * The state machine: one packet of an existing connection. `from_client`
 * tells its direction. Phases follow from the flow bits.
 */
static void
flow_update(struct mcpd_flowtab *t, struct mcpd_flow *f,
            const struct mcpd_packet *p, int from_client)
{
    uint8_t fl = p->flags;
    int syn = (fl & MCPD_TH_SYN) != 0, ack = (fl & MCPD_TH_ACK) != 0;
    int rst = (fl & MCPD_TH_RST) != 0, fin = (fl & MCPD_TH_FIN) != 0;
    int ended = (f->bits & MCPD_F_ENDED) != 0;
    int in_order;

    f->t_last = p->ts_ns;
    add_step(f, p->ts_ns, from_client ? MCPD_C2S : MCPD_S2C, fl,
             p->payload_len);
    if (from_client)
        f->cli_pkts++;
    else
        f->srv_pkts++;
    if (ended) {
        /* Trailing packets of a finished connection: keep it lingering. */
        list_touch(t, f, LIST_DONE);
        return;
    }

    /* Read before count_payload moves the mark. */
    in_order = stream_order(f, p, from_client, syn);
    switch (from_client * 2 + syn) {
    case 3:
        /* Client SYN: first one or a retransmission (same ISN). */
        if (!(f->bits & MCPD_F_SYNACK))
            f->t_syn_last = p->ts_ns;
        if (f->syn_count < UINT16_MAX)
            f->syn_count++;
        break;
    case 1:
        /* Server SYN-ACK (a SYN without ACK from the server side would be
         * a simultaneous open; treat it the same). */
        if (!(f->bits & MCPD_F_SYNACK)) {
            f->bits |= MCPD_F_SYNACK;
            f->t_synack = p->ts_ns;
        }
        if (f->synack_count < UINT16_MAX)
            f->synack_count++;
        f->srv_hi = p->seq + 1;
        f->bits |= MCPD_F_SRV_SEQ;
        break;
    case 2:
        /* Client segment without SYN. An ACK after the SYN means the
         * client got a SYN-ACK, captured or not (one-sided captures). */
        if (ack && !rst && !(f->bits & MCPD_F_HS) &&
            (f->bits & MCPD_F_SYN)) {
            f->bits |= MCPD_F_HS;
            if (!(f->bits & MCPD_F_SYNACK))
                f->bits |= MCPD_F_HS_INFER;
        }
        if (ack && !rst) {
            if (!(f->bits & MCPD_F_ACK_BASE)) {
                f->bits |= MCPD_F_ACK_BASE;
                f->cli_ack_base = f->cli_ack_hi = p->ack;
            } else if (seq_after(p->ack, f->cli_ack_hi)) {
                f->cli_ack_hi = p->ack;
            }
        }
        count_payload(f, 1, p->seq, p->payload_len);
        break;
    case 0:
        /* Server segment without SYN. Data or a FIN from the server after
         * its SYN-ACK means the handshake completed (the client's ACK
         * may simply not be in the capture). */
        if (!rst && (f->bits & MCPD_F_SYNACK) && !(f->bits & MCPD_F_HS) &&
            (p->payload_len > 0 || fin)) {
            f->bits |= MCPD_F_HS | MCPD_F_HS_INFER;
        }
        if (ack && !rst && !fin && p->payload_len == 0 &&
            (f->bits & MCPD_F_SYN) && !(f->bits & MCPD_F_SYN_INFER) &&
            !(f->bits & (MCPD_F_SYNACK | MCPD_F_HS)) &&
            p->ack != f->cli_isn + 1)
            f->bad_ack = 1;
        count_payload(f, 0, p->seq, p->payload_len);
        break;
    }

    if (p->payload_cap > 0)
        mcpd_sniff_payload(f, from_client, p->payload, p->payload_cap);
    if (p->payload_len > 0 || f->stream)
        mcpd_sniff_stream(f, from_client, in_order, p->ts_ns, p->payload,
                          p->payload_cap, in_order < 0 ? 0 : p->payload_len,
                          (fl & (MCPD_TH_FIN | MCPD_TH_RST)) != 0);

    flow_settle(t, f, p, from_client);
}

/*
 * The 4-tuple a packet belongs to: its own addresses and ports for TCP,
 * those of the TCP segment it quotes for an ICMP unreachable (the
 * quoted segment's sender is the client). 0 for anything else.
 */
static int
packet_tuple(enum mcpd_dec_status st, const struct mcpd_packet *p,
             struct mcpd_endpoint *a, struct mcpd_endpoint *b)
{
    if (st == MCPD_DEC_TCP) {
        a->ip = p->src;
        b->ip = p->dst;
    } else if (st == MCPD_DEC_ICMP_UNREACH) {
        a->ip = p->q_src;
        b->ip = p->q_dst;
    } else {
        return 0;
    }
    a->port = p->sport;
    b->port = p->dport;
    return 1;
}

static void
tcp_packet(struct mcpd_flowtab *t, const struct mcpd_packet *p)
{
    struct mcpd_endpoint src, dst;
    struct mcpd_flow *f;
    uint32_t hash;
    int syn_only = (p->flags & (MCPD_TH_SYN | MCPD_TH_ACK | MCPD_TH_RST)) ==
                   MCPD_TH_SYN;

    if (t->cfg.port && p->sport != t->cfg.port && p->dport != t->cfg.port) {
        t->stats.filtered++;
        return;
    }
    t->stats.tcp++;
    packet_tuple(MCPD_DEC_TCP, p, &src, &dst);
    hash = p->hashed ? p->hash : hash_tuple(t, &src, &dst);
    f = hash_find(t, hash, &src, &dst);

    if (f && syn_only && endpoint_eq(&f->cli, &src)) {
        /* A SYN on a known 4-tuple is a retransmission only while the
         * handshake is still pending with the same ISN; otherwise it
         * opens a new connection (SPEC: a new SYN after the end). */
        int same_attempt = !(f->bits & MCPD_F_ENDED) &&
                           (f->bits & MCPD_F_SYN) && p->seq == f->cli_isn;
        if (!same_attempt) {
            if (!(f->bits & MCPD_F_ENDED))
                flow_emit(t, f, MCPD_EMIT_REPLACED);
            flow_destroy(t, f);
            f = NULL;
        }
    } else if (f && syn_only) {
        /* The "server" sends a bare SYN: the old record is stale. */
        if (!(f->bits & MCPD_F_ENDED))
            flow_emit(t, f, MCPD_EMIT_REPLACED);
        flow_destroy(t, f);
        f = NULL;
    }

    if (f == NULL) {
        if (syn_only) {
            f = flow_new(t, hash, &src, &dst, p->ts_ns);
            if (f == NULL)
                return;
            f->bits |= MCPD_F_SYN | MCPD_F_CLI_SEQ;
            f->cli_isn = p->seq;
            f->cli_hi = p->seq + 1;
        } else if ((p->flags & (MCPD_TH_SYN | MCPD_TH_ACK | MCPD_TH_RST)) ==
                   (MCPD_TH_SYN | MCPD_TH_ACK)) {
            /* A SYN-ACK proves the SYN it answers: a capture of the
             * server's packets only (one-sided), not a mid-stream one. */
            f = flow_new(t, hash, &dst, &src, p->ts_ns);
            if (f == NULL)
                return;
            f->bits |= MCPD_F_SYN | MCPD_F_SYN_INFER | MCPD_F_CLI_SEQ;
            f->cli_isn = p->ack - 1;
            f->cli_hi = p->ack;
        } else if (midstream_src_is_server(t, p)) {
            f = flow_new(t, hash, &dst, &src, p->ts_ns);
        } else {
            f = flow_new(t, hash, &src, &dst, p->ts_ns);
        }
        if (f == NULL)
            return;
    }
    flow_update(t, f, p, endpoint_eq(&f->cli, &src));
}

static void
icmp_packet(struct mcpd_flowtab *t, const struct mcpd_packet *p)
{
    struct mcpd_endpoint cli, srv;
    struct mcpd_flow *f;
    uint32_t hash;

    if (t->cfg.port && p->dport != t->cfg.port) {
        t->stats.filtered++;
        return;
    }
    t->stats.icmp_unreach++;
    packet_tuple(MCPD_DEC_ICMP_UNREACH, p, &cli, &srv);
    hash = p->hashed ? p->hash : hash_tuple(t, &cli, &srv);
    f = hash_find(t, hash, &cli, &srv);
    /* It must quote a packet the client sent; when it carries the
     * sequence number, it must be the SYN's (RFC 5927 validation). */
    if (f == NULL || !endpoint_eq(&f->cli, &cli) ||
        (p->q_has_seq && (f->bits & MCPD_F_SYN) && p->q_seq != f->cli_isn &&
         !(f->bits & MCPD_F_HS))) {
        t->stats.icmp_stray++;
        return;
    }
    f->t_last = p->ts_ns;
    add_step(f, p->ts_ns, MCPD_ICMP, p->icmp_type, p->icmp_code);
    if (!(f->bits & MCPD_F_ICMP)) {
        f->bits |= MCPD_F_ICMP;
        f->icmp_type = p->icmp_type;
        f->icmp_code = p->icmp_code;
        f->icmp_from = p->src;
        if (!(f->bits & (MCPD_F_SYNACK | MCPD_F_HS)))
            announce(t, f);
    }

}

void
mcpd_flow_packet(struct mcpd_flowtab *t, enum mcpd_dec_status st,
                 const struct mcpd_packet *p)
{
    if (st != MCPD_DEC_TCP && st != MCPD_DEC_ICMP_UNREACH) {
        mcpd_flow_count(t, st);
        return;
    }
    t->stats.packets++;
    mcpd_flow_advance(t, p->ts_ns);
    if (st == MCPD_DEC_TCP) {
        if (p->hdr_cut)
            t->stats.hdr_cut++;
        tcp_packet(t, p);
    } else {
        icmp_packet(t, p);
    }
}

void
mcpd_flow_hash(const struct mcpd_flowtab *t, enum mcpd_dec_status st,
               struct mcpd_packet *p)
{
    struct mcpd_endpoint a, b;

    if (!packet_tuple(st, p, &a, &b))
        return;
    p->hash = hash_tuple(t, &a, &b);
    p->hashed = 1;
}

void
mcpd_flow_prefetch(struct mcpd_flowtab *t, enum mcpd_dec_status st,
                   struct mcpd_packet *p, int stage)
{
    struct mcpd_flow *const *slot;

    if (st != MCPD_DEC_TCP && st != MCPD_DEC_ICMP_UNREACH)
        return;
    if (!p->hashed)
        mcpd_flow_hash(t, st, p);
    slot = &t->buckets[p->hash & (t->nbuckets - 1)];
    if (stage == 0)
        __builtin_prefetch(slot);
    else if (*slot)
        __builtin_prefetch(*slot);
}

void
mcpd_flow_count(struct mcpd_flowtab *t, enum mcpd_dec_status st)
{
    t->stats.packets++;
    switch (st) {
    case MCPD_DEC_FRAGMENT:
        t->stats.fragments++;
        break;
    case MCPD_DEC_TRUNCATED:
        t->stats.truncated++;
        break;
    case MCPD_DEC_INVALID:
        t->stats.invalid++;
        break;
    default:
        t->stats.skipped++;
        break;
    }
}

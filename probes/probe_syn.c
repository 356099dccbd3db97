/* \summary: probe stage 4 (root): one crafted SYN per address with libnet,
 * the answer read by the live reader and the core decoder: SYN-ACK, RST,
 * ICMP type/code, or nothing */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <libnet.h>
#include "live.h"
#include "probe_int.h"
#include "fdutil.h"

/*
 * Source ports above Linux's default ephemeral range (32768-60999), so
 * no socket of ours or the kernel's owns them: the kernel answers the
 * SYN-ACK with a RST (there is no socket), which also frees the server's
 * half-open slot. An analyzer sees port and cookie and knows the packet
 * is ours (STYLE §13).
 */
#define SYN_SPORT_BASE  61000
#define SYN_SPORT_SPAN  1000

static uint32_t syn_key;

/* Keyed cookie over the 4-tuple (FNV-1a mixed with a per-run key, then
 * a murmur finaliser): unguessable to others, checkable by us. */
static uint32_t
syn_cookie(const struct mcpd_ip *dst, uint16_t dport, uint16_t sport)
{
    uint32_t h = 2166136261u ^ syn_key;
    size_t i, n = dst->family == 4 ? 4 : 16;

    for (i = 0; i < n; i++)
        h = (h ^ dst->a[i]) * 16777619u;
    h = (h ^ (uint32_t)(dport >> 8)) * 16777619u;
    h = (h ^ (uint32_t)(dport & 0xff)) * 16777619u;
    h = (h ^ (uint32_t)(sport >> 8)) * 16777619u;
    h = (h ^ (uint32_t)(sport & 0xff)) * 16777619u;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

/* The source address the kernel would use toward dst (UDP connect sends
 * nothing). */
static int
source_for(const struct mcpd_ip *dst, uint8_t *src)
{
    struct sockaddr_storage ss, me;
    socklen_t sl, ml = sizeof(me);
    int fd, rc;

    memset(&ss, 0, sizeof(ss));
    if (dst->family == 4) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(9);
        memcpy(&s4->sin_addr, dst->a, 4);
        sl = sizeof(*s4);
    } else {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(9);
        memcpy(&s6->sin6_addr, dst->a, 16);
        sl = sizeof(*s6);
    }
    fd = mcpd_socket(ss.ss_family, SOCK_DGRAM, 0, 0);
    if (fd < 0)
        return -1;
    rc = connect(fd, (struct sockaddr *)&ss, sl);
    if (rc == 0)
        rc = getsockname(fd, (struct sockaddr *)&me, &ml);
    close(fd);
    if (rc != 0)
        return -1;
    if (dst->family == 4)
        memcpy(src, &((struct sockaddr_in *)&me)->sin_addr, 4);
    else
        memcpy(src, &((struct sockaddr_in6 *)&me)->sin6_addr, 16);
    return 0;
}

/* What we sent, and where its answer goes: the sink of the live
 * reader. */
struct syn_ctx {
    const struct mcpd_ip *dst;       /* the probed address */
    uint16_t dport;          /* the probed port */
    uint16_t sport;          /* ours */
    uint32_t seq;            /* our cookie */
    struct mcpd_syn_probe *out;      /* filled on the first answer */
    int done;                /* an answer was classified */
};

/* A TCP segment from the target: ours if ports match and it acks our
 * cookie (RFC 9293 §3.10.7.3: an acceptable SYN-ACK or RST acks ISS+1). */
static int
answer_tcp(const struct syn_ctx *c, const struct mcpd_packet *pk)
{
    if (mcpd_ip_cmp(&pk->src, c->dst) != 0 || pk->sport != c->dport ||
        pk->dport != c->sport || pk->ack != c->seq + 1)
        return 0;
    if ((pk->flags & (MCPD_TH_SYN | MCPD_TH_ACK)) ==
        (MCPD_TH_SYN | MCPD_TH_ACK))
        c->out->result = MCPD_SYN_SYNACK;
    else if (pk->flags & MCPD_TH_RST)
        c->out->result = MCPD_SYN_RST;
    else
        return 0;
    return 1;
}

/* A destination unreachable quoting our SYN: its destination, ports and
 * sequence number (RFC 792; RFC 4443 §3.1), which the decoder read out
 * of the quote. */
static int
answer_icmp(const struct syn_ctx *c, const struct mcpd_packet *pk)
{
    if (pk->src.family != c->dst->family ||
        mcpd_ip_cmp(&pk->q_dst, c->dst) != 0 || pk->sport != c->sport ||
        pk->dport != c->dport || !pk->q_has_seq || pk->q_seq != c->seq)
        return 0;
    c->out->result = MCPD_SYN_ICMP;
    c->out->icmp_type = pk->icmp_type;
    c->out->icmp_code = pk->icmp_code;
    mcpd_ip_str(&pk->src, c->out->icmp_from, sizeof(c->out->icmp_from));
    return 1;
}

int
mcpd_syn_answer(const struct mcpd_ip *dst, uint16_t dport, uint16_t sport,
                uint32_t seq, enum mcpd_dec_status st,
                const struct mcpd_packet *pk, struct mcpd_syn_probe *out)
{
    struct syn_ctx c;

    memset(&c, 0, sizeof(c));
    c.dst = dst;
    c.dport = dport;
    c.sport = sport;
    c.seq = seq;
    c.out = out;
    if (st == MCPD_DEC_TCP)
        return answer_tcp(&c, pk);
    if (st == MCPD_DEC_ICMP_UNREACH)
        return answer_icmp(&c, pk);
    return 0;
}

/* The live reader's sink: every packet the filter lets through, decoded
 * by the core, whatever the link type of the device. */
static void
on_packet(void *arg, enum mcpd_dec_status st, const struct mcpd_packet *pk)
{
    struct syn_ctx *c = arg;

    if (!c->done)
        c->done = mcpd_syn_answer(c->dst, c->dport, c->sport, c->seq, st,
                                  pk, c->out);
}

static int
send_syn(libnet_t *l, const struct mcpd_ip *dst, const uint8_t *src,
         uint16_t sport, uint16_t dport, uint32_t seq, char *err)
{
    libnet_clear_packet(l);
    if (libnet_build_tcp(sport, dport, seq, 0, MCPD_TH_SYN, 65535, 0, 0,
                         LIBNET_TCP_H, NULL, 0, l, 0) == -1)
        goto fail;
    if (dst->family == 4) {
        uint32_t s4, d4;
        memcpy(&s4, src, 4);
        memcpy(&d4, dst->a, 4);
        if (libnet_build_ipv4(LIBNET_IPV4_H + LIBNET_TCP_H, 0,
                              (uint16_t)(seq & 0xffff), 0, 64, IPPROTO_TCP,
                              0, s4, d4, NULL, 0, l, 0) == -1)
            goto fail;
    } else {
        struct libnet_in6_addr s6, d6;
        memcpy(&s6, src, 16);
        memcpy(&d6, dst->a, 16);
        if (libnet_build_ipv6(0, 0, LIBNET_TCP_H, IPPROTO_TCP, 64, s6, d6,
                              NULL, 0, l, 0) == -1)
            goto fail;
    }
    if (libnet_write(l) == -1)
        goto fail;
    return 0;
fail:
    snprintf(err, MCPD_ERR_LEN, "libnet: %s", libnet_geterror(l));
    return -1;
}

/* Our source port and cookie for this address, and the source address
 * the kernel would use toward it. 0, or -1 with s->error set. */
static int
syn_prepare(const struct mcpd_probe *p, struct mcpd_probe_addr *a,
            uint8_t *src)
{
    struct mcpd_syn_probe *s = &a->syn;

    memset(s, 0, sizeof(*s));
    s->icmp_type = -1;
    s->icmp_code = -1;
    s->result = MCPD_SYN_ERROR;
    s->sport = (uint16_t)(SYN_SPORT_BASE +
                          (syn_cookie(&a->ip, 0, 0) + (uint32_t)getpid()) %
                          SYN_SPORT_SPAN);
    s->seq = syn_cookie(&a->ip, p->target.port, s->sport);
    if (source_for(&a->ip, src) != 0) {
        snprintf(s->error, sizeof(s->error), "no route to %s: %s", a->text,
                 strerror(errno));
        return -1;
    }
    return 0;
}

/*
 * Open the live reader on a device that sees loopback and every other
 * interface alike (so the route does not have to be worked out again
 * here), filtered to answers to us, each packet going to c. Then the
 * raw-IP injector: on loopback there is no link layer to build, and the
 * kernel routes the packet like any other (firewall included). 0, or -1
 * with s->error set and nothing left open.
 */
static int
syn_open(const struct mcpd_probe *p, struct mcpd_probe_addr *a,
         struct syn_ctx *c, struct mcpd_live *lv, libnet_t **l)
{
    struct mcpd_syn_probe *s = &a->syn;
    char lerr[LIBNET_ERRBUF_SIZE], filter[160];
    struct mcpd_live_opts o;

    if (mcpd_plat_any_iface() == NULL) {
        snprintf(s->error, sizeof(s->error), "this platform has no "
                 "capture device for every interface");
        return -1;
    }
    snprintf(filter, sizeof(filter), "(tcp and src port %u and dst port %u)"
             " or icmp or icmp6", (unsigned)p->target.port,
             (unsigned)s->sport);
    memset(&o, 0, sizeof(o));
    o.iface = mcpd_plat_any_iface();
    o.filter = filter;
    o.snaplen = 256;         /* headers and a quoted header: no payload */
    o.sink = on_packet;
    o.sink_arg = c;
    if (mcpd_live_open_with(lv, &o, s->error, sizeof(s->error)) !=
        MCPD_LIVE_OK)
        return -1;
    *l = libnet_init(a->ip.family == 4 ? LIBNET_RAW4 : LIBNET_RAW6, NULL,
                     lerr);
    if (*l == NULL) {
        snprintf(s->error, sizeof(s->error), "libnet: %.200s", lerr);
        mcpd_live_close(lv);
        return -1;
    }
    /* Close-on-exec, as every descriptor of ours: the probe runs tools
     * (iptables, nft) while these are open (the live reader sets its
     * own). */
    fcntl(libnet_getfd(*l), F_SETFD, FD_CLOEXEC);
    return 0;
}

/*
 * Send the SYN and wait for its answer until the deadline, sending it
 * once more half-way, as a client's kernel would (after 1 s on Linux),
 * in case the first was lost. The kernel witness is read as it goes.
 */
static void
syn_wait(struct mcpd_probe *p, struct mcpd_probe_addr *a,
         struct syn_ctx *c, struct mcpd_live *lv, libnet_t *l,
         const uint8_t *src)
{
    struct mcpd_syn_probe *s = &a->syn;
    char rerr[MCPD_ERR_LEN];
    double t0, half, deadline, now;
    int resent = 0;

    s->result = MCPD_SYN_NOTHING;
    t0 = mcpd_now_ms();
    s->t0_ns = mcpd_realtime_ns();
    /* When the connect to this address already waited out the whole
     * timeout, the raw SYN only confirms the silence and collects the
     * kernel's drop reason: 0.3 s does that, so that a probe
     * against a DROP rule ends soon after --timeout. */
    deadline = t0 + (a->conn == MCPD_CONN_TIMEOUT && p->opts.timeout > 0.3
                     ? 0.3 : p->opts.timeout) * 1000.0;
    half = t0 + (deadline - t0) / 2;
    if (send_syn(l, &a->ip, src, s->sport, p->target.port, s->seq,
                 s->error) != 0) {
        s->result = MCPD_SYN_ERROR;
        return;
    }
    s->sent = 1;
    while (!c->done && (now = mcpd_now_ms()) < deadline) {
        int wait = (int)(deadline - now) + 1;

        if (!resent && now >= half) {
            resent = 1;
            if (send_syn(l, &a->ip, src, s->sport, p->target.port, s->seq,
                         s->error) == 0)
                s->sent++;
        }
        if (!resent && wait > (int)(half - now) + 1)
            wait = (int)(half - now) + 1;
        if (p->kw && wait > MCPD_TICK_MS)
            wait = MCPD_TICK_MS;    /* read the witness as it goes */
        if (mcpd_live_wait(lv, wait > 0 ? wait : 1) > 0)
            mcpd_live_drain(lv, rerr, sizeof(rerr));
        mcpd_probe_kernel_tick(p);
        if (c->done)
            s->ms = mcpd_now_ms() - t0;
    }
}

/* One address: a raw SYN and what came back (a->syn). */
static void
run_one(struct mcpd_probe *p, struct mcpd_probe_addr *a)
{
    struct mcpd_syn_probe *s = &a->syn;
    struct mcpd_live lv;
    struct syn_ctx c;
    libnet_t *l = NULL;
    uint8_t src[16];

    if (syn_prepare(p, a, src) != 0)
        return;
    memset(&c, 0, sizeof(c));
    c.dst = &a->ip;
    c.dport = p->target.port;
    c.sport = s->sport;
    c.seq = s->seq;
    c.out = s;
    if (syn_open(p, a, &c, &lv, &l) != 0)
        return;
    syn_wait(p, a, &c, &lv, l, src);
    s->t1_ns = mcpd_realtime_ns();
    libnet_destroy(l);
    mcpd_live_close(&lv);
}

/* Stage 4. Needs root (raw socket, capture); says why when it cannot. */
void
mcpd_probe_syn(struct mcpd_probe *p)
{
    int i;

    if (mcpd_plat_random(&syn_key, sizeof(syn_key), 1) != 0)
        syn_key = (uint32_t)getpid() * 2654435761u;
    for (i = 0; i < p->naddr; i++) {
        struct mcpd_syn_probe *s = &p->addr[i].syn;
        int how = 0, j, before = -1;

        /* Connects that all timed out together: the first address's
         * raw SYN confirms the silence; repeating it for each of the
         * others would only add time to a DROP's diagnosis. */
        for (j = 0; j < i && p->addr[i].conn == MCPD_CONN_TIMEOUT; j++)
            if (p->addr[j].conn == MCPD_CONN_TIMEOUT &&
                p->addr[j].syn.result == MCPD_SYN_NOTHING)
                before = j;
        if (before >= 0) {
            char why[200];

            snprintf(why, sizeof(why), "raw SYN to %s: its connect timed "
                     "out like the one to %s, whose raw SYN got no answer "
                     "either", p->addr[i].text, p->addr[before].text);
            mcpd_probe_skip(p, "syn", why);
            continue;
        }
        mcpd_probe_kernel_begin(p, i);
        run_one(p, &p->addr[i]);
        /* ECONNREFUSED also follows an ICMP port unreachable: when the
         * raw SYN shows that, the connect's refusal was no RST at all. */
        if (s->result == MCPD_SYN_ICMP &&
            strcmp(p->addr[i].kconn.k.rst_origin, "other") == 0) {
            p->addr[i].kconn.k.rst_origin[0] = '\0';
            p->addr[i].kconn.k.rst_matched_by = NULL;
        }
        if (s->result == MCPD_SYN_ERROR || s->sent == 0)
            continue;   /* nothing went out: nothing to witness */
        if (s->result == MCPD_SYN_RST)
            how |= MCPD_KW_REFUSED;
        if (s->result == MCPD_SYN_NOTHING)
            how |= MCPD_KW_UNANSWERED;
        if (s->result != MCPD_SYN_SYNACK)
            how |= MCPD_KW_FAILED;
        mcpd_probe_kernel_end(p, i, "", s->sport, s->t0_ns, s->t1_ns,
                              how | MCPD_KW_RAW, s->sent, &s->kernel);
    }
}

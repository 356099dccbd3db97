/* \summary: probe stage 4 (root): one crafted SYN per address with libnet,
 * the answer read with libpcap: SYN-ACK, RST, ICMP type/code, or nothing */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <libnet.h>
#include <pcap/pcap.h>
#include "probe_int.h"

/*
 * Source ports above Linux's default ephemeral range (32768-60999), so
 * no socket of ours or the kernel's owns them: the kernel answers the
 * SYN-ACK with a RST (there is no socket), which also frees the server's
 * half-open slot. An analyzer sees port and cookie and knows the packet
 * is ours (STYLE §13).
 */
#define SYN_SPORT_BASE  61000
#define SYN_SPORT_SPAN  1000

#define TH_FIN_ 0x01
#define TH_SYN_ 0x02
#define TH_RST_ 0x04
#define TH_ACK_ 0x10

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

static uint16_t
be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | p[3];
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
    fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
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

struct syn_ctx {
    const struct mcpd_ip *dst;       /* the probed address */
    uint16_t dport;          /* the probed port */
    uint16_t sport;          /* ours */
    uint32_t seq;            /* our cookie */
    struct mcpd_syn_probe *out;      /* filled on the first answer */
    int done;                /* an answer was classified */
    int dlt;                 /* link type of the capture */
};

/* A TCP segment from the target: ours if ports match and it acks our
 * cookie (RFC 9293 §3.10.7.3: an acceptable SYN-ACK or RST acks ISS+1). */
static void
check_tcp(struct syn_ctx *c, const uint8_t *src, const uint8_t *t, size_t len)
{
    uint8_t fl;

    if (len < 20 || memcmp(src, c->dst->a, c->dst->family == 4 ? 4 : 16))
        return;
    if (be16(t) != c->dport || be16(t + 2) != c->sport)
        return;
    if (be32(t + 8) != c->seq + 1)
        return;
    fl = t[13];
    if ((fl & (TH_SYN_ | TH_ACK_)) == (TH_SYN_ | TH_ACK_))
        c->out->result = MCPD_SYN_SYNACK;
    else if (fl & TH_RST_)
        c->out->result = MCPD_SYN_RST;
    else
        return;
    c->done = 1;
}

/* An ICMP error quoting our SYN: inner header, then at least 8 bytes of
 * TCP (RFC 792; RFC 4443 §3.1) with our ports and cookie. */
static void
check_quote(struct syn_ctx *c, int type, int code, const uint8_t *from,
            const uint8_t *q, size_t len)
{
    size_t ihl;
    const uint8_t *t;

    if (c->dst->family == 4) {
        if (len < 20 || (q[0] >> 4) != 4 || q[9] != IPPROTO_TCP)
            return;
        ihl = (size_t)(q[0] & 0x0f) * 4;
        if (ihl < 20 || len < ihl + 8 || memcmp(q + 16, c->dst->a, 4))
            return;
        t = q + ihl;
    } else {
        if (len < 48 || (q[0] >> 4) != 6 || q[6] != IPPROTO_TCP ||
            memcmp(q + 24, c->dst->a, 16))
            return;
        t = q + 40;
    }
    if (be16(t) != c->sport || be16(t + 2) != c->dport ||
        be32(t + 4) != c->seq)
        return;
    c->out->result = MCPD_SYN_ICMP;
    c->out->icmp_type = type;
    c->out->icmp_code = code;
    inet_ntop(c->dst->family == 4 ? AF_INET : AF_INET6, from,
              c->out->icmp_from, sizeof(c->out->icmp_from));
    c->done = 1;
}

static void
check_ip(struct syn_ctx *c, const uint8_t *p, size_t len)
{
    if (len < 1)
        return;
    if ((p[0] >> 4) == 4 && c->dst->family == 4) {
        size_t ihl = (size_t)(p[0] & 0x0f) * 4, tot;
        if (len < 20 || ihl < 20 || len < ihl)
            return;
        tot = be16(p + 2);
        if (tot >= ihl && tot < len)
            len = tot;
        if (p[9] == IPPROTO_TCP)
            check_tcp(c, p + 12, p + ihl, len - ihl);
        else if (p[9] == IPPROTO_ICMP && len >= ihl + 8 && p[ihl] == 3)
            check_quote(c, p[ihl], p[ihl + 1], p + 12, p + ihl + 8,
                        len - ihl - 8);
    } else if ((p[0] >> 4) == 6 && c->dst->family == 6) {
        if (len < 40)
            return;
        if ((size_t)be16(p + 4) + 40 < len)
            len = (size_t)be16(p + 4) + 40;
        if (p[6] == IPPROTO_TCP)
            check_tcp(c, p + 8, p + 40, len - 40);
        else if (p[6] == IPPROTO_ICMPV6 && len >= 48 && p[40] == 1)
            check_quote(c, p[40], p[41], p + 8, p + 48, len - 48);
    }
}

static void
on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct syn_ctx *c = (struct syn_ctx *)(void *)user;
    size_t len = h->caplen < h->len ? h->caplen : h->len;
    int dlt = c->dlt;
    size_t off;
    uint16_t proto;

    if (c->done)
        return;
    switch (dlt) {
    case DLT_LINUX_SLL:      /* pcap-linux.c: 16-byte cooked header */
        if (len < 16)
            return;
        proto = be16(bytes + 14);
        off = 16;
        break;
    case DLT_LINUX_SLL2:     /* 20 bytes, protocol first */
        if (len < 20)
            return;
        proto = be16(bytes);
        off = 20;
        break;
    case DLT_EN10MB:
        if (len < 14)
            return;
        proto = be16(bytes + 12);
        off = 14;
        break;
    case DLT_RAW:
        proto = 0;
        off = 0;
        break;
    default:
        return;
    }
    if (proto && proto != 0x0800 && proto != 0x86dd)
        return;
    check_ip(c, bytes + off, len - off);
}

static int
send_syn(libnet_t *l, const struct mcpd_ip *dst, const uint8_t *src,
         uint16_t sport, uint16_t dport, uint32_t seq, char *err)
{
    libnet_clear_packet(l);
    if (libnet_build_tcp(sport, dport, seq, 0, TH_SYN_, 65535, 0, 0,
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

static void
run_one(struct mcpd_probe *p, struct mcpd_probe_addr *a)
{
    struct mcpd_syn_probe *s = &a->syn;
    char lerr[LIBNET_ERRBUF_SIZE], perr[PCAP_ERRBUF_SIZE], filter[160];
    struct bpf_program prog;
    struct syn_ctx c;
    uint8_t src[16];
    libnet_t *l = NULL;
    pcap_t *pc = NULL;
    double t0, deadline, now;
    int dlt, fd, resent = 0;

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
        return;
    }
    /* A device that sees loopback and every other interface alike, so
     * the route does not have to be worked out again here. */
    if (mcpd_plat_any_iface() == NULL) {
        snprintf(s->error, sizeof(s->error), "this platform has no "
                 "capture device for every interface");
        return;
    }
    pc = pcap_create(mcpd_plat_any_iface(), perr);
    if (pc == NULL) {
        snprintf(s->error, sizeof(s->error), "pcap: %.200s", perr);
        return;
    }
    pcap_set_snaplen(pc, 256);
    pcap_set_immediate_mode(pc, 1);
    pcap_set_timeout(pc, 10);
    if (pcap_activate(pc) < 0) {
        snprintf(s->error, sizeof(s->error), "pcap: %s", pcap_geterr(pc));
        goto out;
    }
    snprintf(filter, sizeof(filter), "(tcp and src port %u and dst port %u)"
             " or icmp or icmp6", (unsigned)p->target.port,
             (unsigned)s->sport);
    if (pcap_compile(pc, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0 ||
        pcap_setfilter(pc, &prog) != 0) {
        snprintf(s->error, sizeof(s->error), "pcap filter: %s",
                 pcap_geterr(pc));
        goto out;
    }
    pcap_freecode(&prog);
    if (pcap_setnonblock(pc, 1, perr) != 0 ||
        (fd = pcap_get_selectable_fd(pc)) < 0) {
        snprintf(s->error, sizeof(s->error), "pcap: cannot poll");
        goto out;
    }
    /* Close-on-exec, as every descriptor of ours: the probe runs tools
     * (iptables, nft) while these are open. */
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    dlt = pcap_datalink(pc);
    /* Raw-IP injection: on loopback there is no link layer to build, and
     * the kernel routes the packet like any other (firewall included). */
    l = libnet_init(a->ip.family == 4 ? LIBNET_RAW4 : LIBNET_RAW6, NULL,
                    lerr);
    if (l == NULL) {
        snprintf(s->error, sizeof(s->error), "libnet: %.200s", lerr);
        goto out;
    }
    fcntl(libnet_getfd(l), F_SETFD, FD_CLOEXEC);
    memset(&c, 0, sizeof(c));
    c.dst = &a->ip;
    c.dport = p->target.port;
    c.sport = s->sport;
    c.seq = s->seq;
    c.out = s;
    s->result = MCPD_SYN_NOTHING;
    c.dlt = dlt;
    t0 = mcpd_now_ms();
    s->t0_ns = mcpd_realtime_ns();
    /* When the connect to this address already waited out the whole
     * timeout, the raw SYN only confirms the silence and collects the
     * kernel's drop reason: 0.3 s does that, so that a probe
     * against a DROP rule ends soon after --timeout. */
    deadline = t0 + (a->conn == MCPD_CONN_TIMEOUT && p->opts.timeout > 0.3
                     ? 0.3 : p->opts.timeout) * 1000.0;
    if (send_syn(l, &a->ip, src, s->sport, p->target.port, s->seq,
                 s->error) != 0) {
        s->result = MCPD_SYN_ERROR;
        goto out;
    }
    s->sent = 1;
    while (!c.done && (now = mcpd_now_ms()) < deadline) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        int wait = (int)(deadline - now) + 1;

        /* One retransmission half-way, as a client's kernel would do
         * (after 1 s on Linux), in case the first SYN was lost. */
        if (!resent && now - t0 >= (deadline - t0) / 2) {
            resent = 1;
            if (send_syn(l, &a->ip, src, s->sport, p->target.port, s->seq,
                         s->error) == 0)
                s->sent++;
        }
        if (!resent && wait > (int)((deadline - t0) / 2 - (now - t0)) + 1)
            wait = (int)((deadline - t0) / 2 - (now - t0)) + 1;
        if (p->kw && wait > MCPD_TICK_MS)
            wait = MCPD_TICK_MS;    /* read the witness as it goes */
        if (poll(&pfd, 1, wait > 0 ? wait : 1) > 0)
            pcap_dispatch(pc, -1, on_packet, (u_char *)&c);
        mcpd_probe_kernel_tick(p);
        if (c.done)
            s->ms = mcpd_now_ms() - t0;
    }
out:
    s->t1_ns = mcpd_realtime_ns();
    if (l)
        libnet_destroy(l);
    pcap_close(pc);
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

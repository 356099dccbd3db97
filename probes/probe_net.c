/* \summary: probe stages 1-3: resolve the host, list the listeners on the
 * port with their owners, TCP connect to every address */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "probe_int.h"
#include "platform.h"
#include "fdutil.h"

double
mcpd_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

const char *
mcpd_conn_result_name(enum mcpd_conn_result r)
{
    static const char *const names[] = {
        "not_run", "connected", "refused", "timeout", "unreachable",
        "reset", "error"
    };
    return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

const char *
mcpd_syn_result_name(enum mcpd_syn_result r)
{
    static const char *const names[] = {
        "not_run", "syn-ack", "rst", "icmp", "nothing", "error"
    };
    return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

#if MCPD_HAVE_GAI_A
/*
 * getaddrinfo bounded by `timeout`: a resolver that never answers would
 * hold the probe for 10 s or more (glibc: 5 s x 2 tries per server).
 * The request block is static: a lookup still running when we give up
 * finishes later into it, not into freed memory.
 */
static int
lookup(const char *host, const char *port, const struct addrinfo *hints,
       double timeout, struct addrinfo **res, int *timed_out)
{
    static struct gaicb cb;
    static struct addrinfo h;
    static char hbuf[256], pbuf[8];
    struct gaicb *list[1] = { &cb };
    struct timespec ts;
    double end = mcpd_now_ms() + timeout * 1000.0;
    int rc;

    *timed_out = 0;
    snprintf(hbuf, sizeof(hbuf), "%s", host);
    snprintf(pbuf, sizeof(pbuf), "%s", port);
    h = *hints;
    memset(&cb, 0, sizeof(cb));
    cb.ar_name = hbuf;
    cb.ar_service = pbuf;
    cb.ar_request = &h;
    rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
    if (rc != 0)
        return getaddrinfo(host, port, hints, res);
    for (;;) {
        double left = end - mcpd_now_ms();

        rc = gai_error(&cb);
        if (rc != EAI_INPROGRESS)
            break;
        if (left <= 0) {
            gai_cancel(&cb);
            *timed_out = 1;
            return EAI_AGAIN;
        }
        ts.tv_sec = (time_t)(left / 1000.0);
        ts.tv_nsec = (long)((left - (double)ts.tv_sec * 1000.0) * 1e6);
        gai_suspend((const struct gaicb *const *)list, 1, &ts);
    }
    *res = cb.ar_result;
    cb.ar_result = NULL;
    return rc;
}
#else
static int
lookup(const char *host, const char *port, const struct addrinfo *hints,
       double timeout, struct addrinfo **res, int *timed_out)
{
    (void)timeout;
    *timed_out = 0;
    return getaddrinfo(host, port, hints, res);
}
#endif

/* Stage 1: every address, in the order the resolver returns them (that
 * is the order a client without Happy Eyeballs tries them in). */
void
mcpd_probe_resolve(struct mcpd_probe *p)
{
    struct addrinfo hints, *res = NULL, *ai;
    char port[8];
    int rc;
    double t0 = mcpd_now_ms();

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    snprintf(port, sizeof(port), "%u", (unsigned)p->target.port);
    rc = lookup(p->target.host, port, &hints, p->opts.timeout, &res,
                &p->resolve_timed_out);
    p->resolve_ms = mcpd_now_ms() - t0;
    p->resolve_rc = rc;
    if (p->resolve_timed_out) {
        snprintf(p->resolve_error, sizeof(p->resolve_error), "no answer "
                 "from the resolver within %.1f s", p->opts.timeout);
        return;
    }
    if (rc != 0) {
        snprintf(p->resolve_error, sizeof(p->resolve_error), "%s",
                 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
        return;
    }
    for (ai = res; ai && p->naddr < MCPD_PROBE_MAX_ADDRS; ai = ai->ai_next) {
        struct mcpd_probe_addr *a = &p->addr[p->naddr];
        int i, dup = 0;

        memset(a, 0, sizeof(*a));
        if (ai->ai_family == AF_INET) {
            const struct sockaddr_in *s4 = (const void *)ai->ai_addr;
            a->ip.family = 4;
            memcpy(a->ip.a, &s4->sin_addr, 4);
            inet_ntop(AF_INET, &s4->sin_addr, a->text, sizeof(a->text));
        } else if (ai->ai_family == AF_INET6) {
            const struct sockaddr_in6 *s6 = (const void *)ai->ai_addr;
            a->ip.family = 6;
            memcpy(a->ip.a, &s6->sin6_addr, 16);
            inet_ntop(AF_INET6, &s6->sin6_addr, a->text, sizeof(a->text));
        } else {
            continue;
        }
        /* glibc repeats an address once per socktype it knows about
         * when /etc/hosts lists it twice; keep the first. */
        for (i = 0; i < p->naddr; i++)
            if (mcpd_ip_cmp(&p->addr[i].ip, &a->ip) == 0)
                dup = 1;
        if (!dup)
            p->naddr++;
    }
    freeaddrinfo(res);
    if (p->naddr == 0)
        snprintf(p->resolve_error, sizeof(p->resolve_error),
                 "no IPv4 or IPv6 address");
}

/* Called between slices of a connect's wait (the connect stage only). */
static void (*conn_tick)(void *);
static void *conn_tick_ctx;

enum mcpd_conn_result
mcpd_tcp_connect(const struct mcpd_ip *ip, uint16_t port, double timeout,
                 int *err_out, double *ms_out)
{
    return mcpd_tcp_connect2(ip, port, timeout, err_out, ms_out, NULL);
}

/* Our end of the socket, and the SYNs the kernel sent for it: read
 * before close(), while the socket still holds them. */
static void
conn_detail(int fd, struct mcpd_conn_detail *d)
{
    struct sockaddr_storage ls;
    socklen_t ll = sizeof(ls);

    if (getsockname(fd, (struct sockaddr *)&ls, &ll) == 0) {
        if (ls.ss_family == AF_INET) {
            const struct sockaddr_in *s4 = (const void *)&ls;
            inet_ntop(AF_INET, &s4->sin_addr, d->local, sizeof(d->local));
            d->local_port = ntohs(s4->sin_port);
        } else if (ls.ss_family == AF_INET6) {
            const struct sockaddr_in6 *s6 = (const void *)&ls;
            inet_ntop(AF_INET6, &s6->sin6_addr, d->local, sizeof(d->local));
            d->local_port = ntohs(s6->sin6_port);
        }
    }
#if MCPD_HAVE_TCPI_TOTAL_RETRANS
    {
        struct tcp_info ti;
        socklen_t tl = sizeof(ti);

        /* Each SYN retransmission counts in total_retrans. */
        memset(&ti, 0, sizeof(ti));
        if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tl) == 0 &&
            tl >= sizeof(ti))
            d->syn_count = 1 + (int)ti.tcpi_total_retrans;
    }
#else
    /* No tcp_info with the retransmission count (macOS): syn_count
     * stays 0, unknown, and the report says null. */
#endif
}

/* What a connect's errno (0: it connected) means. */
static enum mcpd_conn_result
conn_result(int e)
{
    switch (e) {
    case 0:
        return MCPD_CONN_CONNECTED;
    case ECONNREFUSED:
        return MCPD_CONN_REFUSED;
    case ETIMEDOUT:
        return MCPD_CONN_TIMEOUT;
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EADDRNOTAVAIL:
    case EACCES:
    case EPERM:
        /* EPERM/EACCES: a local firewall rule rejected the SYN on its
         * way out; EHOSTUNREACH: an ICMP host/admin unreachable. */
        return MCPD_CONN_UNREACHABLE;
    case ECONNRESET:
        return MCPD_CONN_RESET;
    default:
        return MCPD_CONN_ERROR;
    }
}

/* A sockaddr for ip:port; its length. */
static socklen_t
sockaddr_for(const struct mcpd_ip *ip, uint16_t port,
             struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof(*ss));
    if (ip->family == 4) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        memcpy(&s4->sin_addr, ip->a, 4);
        return sizeof(*s4);
    } else {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        memcpy(&s6->sin6_addr, ip->a, 16);
        return sizeof(*s6);
    }
}

enum mcpd_conn_result
mcpd_tcp_connect2(const struct mcpd_ip *ip, uint16_t port, double timeout,
                  int *err_out, double *ms_out,
                  struct mcpd_conn_detail *detail)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    int fd, rc, e = 0;
    double t0 = mcpd_now_ms();

    sl = sockaddr_for(ip, port, &ss);
    if (detail) {
        struct timespec ts;

        memset(detail, 0, sizeof(*detail));
        clock_gettime(CLOCK_REALTIME, &ts);
        detail->start = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    }
    fd = mcpd_socket(ss.ss_family, SOCK_STREAM, IPPROTO_TCP,
                     MCPD_SOCK_NONBLOCK);
    if (fd < 0) {
        *err_out = errno;
        *ms_out = 0;
        return MCPD_CONN_ERROR;
    }
    rc = connect(fd, (struct sockaddr *)&ss, sl);
    if (rc != 0 && errno == EINPROGRESS) {
        struct pollfd pfd = { .fd = fd, .events = POLLOUT };
        double end = t0 + timeout * 1000.0, left;

        /* In slices when someone must read the kernel witness while
         * the SYNs go out: its rings hold seconds of a quiet host but
         * not of a busy one. */
        for (;;) {
            int ms;
            left = end - mcpd_now_ms();
            ms = left > 0 ? (int)left : 0;
            if (conn_tick && ms > MCPD_TICK_MS)
                ms = MCPD_TICK_MS;
            rc = poll(&pfd, 1, ms > 0 ? ms : 1);
            if (rc != 0 || mcpd_now_ms() >= end)
                break;
            if (conn_tick)
                conn_tick(conn_tick_ctx);
        }
        if (rc == 0) {
            e = ETIMEDOUT;
        } else if (rc < 0) {
            e = errno;
        } else {
            socklen_t el = sizeof(e);
            if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0)
                e = errno;
        }
    } else if (rc != 0) {
        e = errno;
    }
    *ms_out = mcpd_now_ms() - t0;
    *err_out = e;
    if (detail)
        conn_detail(fd, detail);
    close(fd);
    return conn_result(e);
}

/* One address of each IP version, and at least two: they can be tried
 * at once, and the kernel's word still told apart (drops carry only the
 * IP version). */
static int
one_per_family(const struct mcpd_probe *p)
{
    int i, n4 = 0, n6 = 0;

    for (i = 0; i < p->naddr; i++) {
        n4 += p->addr[i].ip.family == 4;
        n6 += p->addr[i].ip.family == 6;
    }
    return p->naddr >= 2 && n4 <= 1 && n6 <= 1;
}

/* How the connect ended, as the kernel witness is told (MCPD_KW_*). */
static int
kernel_how(const struct mcpd_probe_addr *a)
{
    int how = 0;

    if (a->conn == MCPD_CONN_REFUSED)
        how |= MCPD_KW_REFUSED;
    if (a->conn == MCPD_CONN_TIMEOUT)
        how |= MCPD_KW_UNANSWERED;
    if (a->conn != MCPD_CONN_CONNECTED)
        how |= MCPD_KW_FAILED;
    return how;
}

/*
 * The connects to every address at once (one per IP version): a name
 * whose addresses all drop the SYN costs one --timeout, not one each.
 * Each result is the same as a connect made alone would give.
 */
static void
connect_together(struct mcpd_probe *p)
{
    struct pollfd pfd[MCPD_PROBE_MAX_ADDRS];
    int fds[MCPD_PROBE_MAX_ADDRS];
    int64_t t0[MCPD_PROBE_MAX_ADDRS], t1[MCPD_PROBE_MAX_ADDRS];
    double s0[MCPD_PROBE_MAX_ADDRS], end;
    int err[MCPD_PROBE_MAX_ADDRS], i, pending = 0;

    mcpd_probe_kernel_begin(p, -1);
    for (i = 0; i < p->naddr; i++) {
        struct mcpd_probe_addr *a = &p->addr[i];
        struct sockaddr_storage ss;
        socklen_t sl = sockaddr_for(&a->ip, p->target.port, &ss);
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        a->conn_start = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
        t0[i] = mcpd_realtime_ns();
        s0[i] = mcpd_now_ms();
        err[i] = 0;
        pfd[i].events = POLLOUT;
        pfd[i].revents = 0;
        fds[i] = mcpd_socket(ss.ss_family, SOCK_STREAM, IPPROTO_TCP,
                             MCPD_SOCK_NONBLOCK);
        /* poll() watches only the connects still in progress: a
         * negative fd is skipped (a refused socket would report POLLERR
         * at every call). */
        pfd[i].fd = -1;
        if (fds[i] < 0) {
            err[i] = errno;
        } else if (connect(fds[i], (struct sockaddr *)&ss, sl) == 0) {
            err[i] = 0;                 /* connected at once */
        } else if (errno == EINPROGRESS) {
            pfd[i].fd = fds[i];
            pending++;
            continue;
        } else {
            err[i] = errno;
        }
        t1[i] = mcpd_realtime_ns();
        a->conn_ms = mcpd_now_ms() - s0[i];
    }
    end = mcpd_now_ms() + p->opts.timeout * 1000.0;
    while (pending > 0) {
        double left = end - mcpd_now_ms();
        int ms = left > 0 ? (int)left : 0, rc;

        if (p->kw && ms > MCPD_TICK_MS)
            ms = MCPD_TICK_MS;
        rc = poll(pfd, (nfds_t)p->naddr, ms > 0 ? ms : 1);
        for (i = 0; rc > 0 && i < p->naddr; i++) {
            socklen_t el = sizeof(err[i]);

            if (pfd[i].fd < 0 || pfd[i].revents == 0)
                continue;
            if (getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR, &err[i],
                           &el) != 0)
                err[i] = errno;
            t1[i] = mcpd_realtime_ns();
            p->addr[i].conn_ms = mcpd_now_ms() - s0[i];
            pfd[i].fd = -1;
            pending--;
        }
        if (pending > 0 && mcpd_now_ms() >= end) {
            for (i = 0; i < p->naddr; i++)
                if (pfd[i].fd >= 0) {
                    err[i] = ETIMEDOUT;
                    t1[i] = mcpd_realtime_ns();
                    p->addr[i].conn_ms = mcpd_now_ms() - s0[i];
                    pfd[i].fd = -1;
                }
            pending = 0;
        }
        if (p->kw)
            mcpd_probe_kernel_tick(p);
    }
    for (i = 0; i < p->naddr; i++) {
        struct mcpd_probe_addr *a = &p->addr[i];
        struct mcpd_conn_detail d;

        memset(&d, 0, sizeof(d));
        if (fds[i] >= 0) {
            conn_detail(fds[i], &d);
            close(fds[i]);
        }
        a->conn = conn_result(err[i]);
        a->conn_errno = err[i];
        memcpy(a->local, d.local, sizeof(a->local));
        a->local_port = d.local_port;
        a->syn_count = d.syn_count;
        mcpd_probe_kernel_end(p, i, a->local, a->local_port, t0[i], t1[i],
                              kernel_how(a), a->syn_count, &a->kconn);
    }
}

/* Stage 3. */
void
mcpd_probe_connect(struct mcpd_probe *p)
{
    int i;

    if (one_per_family(p)) {
        connect_together(p);
        return;
    }

    for (i = 0; i < p->naddr; i++) {
        struct mcpd_probe_addr *a = &p->addr[i];
        struct mcpd_conn_detail d;
        int64_t t0, t1;

        /* The kernel's word on this attempt: what it reported before
         * is set aside, what it reports during is matched to it. */
        mcpd_probe_kernel_begin(p, i);
        if (p->kw) {
            conn_tick = mcpd_probe_kernel_tick;
            conn_tick_ctx = p;
        }
        t0 = mcpd_realtime_ns();
        a->conn = mcpd_tcp_connect2(&a->ip, p->target.port, p->opts.timeout,
                                    &a->conn_errno, &a->conn_ms, &d);
        t1 = mcpd_realtime_ns();
        conn_tick = NULL;
        conn_tick_ctx = NULL;
        a->conn_start = d.start;
        memcpy(a->local, d.local, sizeof(a->local));
        a->local_port = d.local_port;
        a->syn_count = d.syn_count;
        mcpd_probe_kernel_end(p, i, a->local, a->local_port, t0, t1,
                              kernel_how(a), a->syn_count, &a->kconn);
    }
}

/* Would a listener bound to `l` take a SYN to `ip`? */
static int
listener_accepts(const struct mcpd_probe_listener *l, const struct mcpd_ip *ip)
{
    struct mcpd_ip la;
    static const uint8_t zero[16];

    memset(&la, 0, sizeof(la));
    la.family = (uint8_t)l->family;
    if (inet_pton(l->family == 4 ? AF_INET : AF_INET6, l->addr, la.a) != 1)
        return 0;
    if (l->family == 6 && ip->family == 4) {
        /* [::] takes IPv4 too unless IPV6_V6ONLY (net.ipv6.bindv6only
         * decides the default; unknown counts as dual-stack, Linux's
         * default). */
        if (memcmp(la.a, zero, 16) == 0 && l->v6only != 1)
            return 1;
        /* ::ffff:a.b.c.d */
        return memcmp(la.a, zero, 10) == 0 && la.a[10] == 0xff &&
               la.a[11] == 0xff && memcmp(la.a + 12, ip->a, 4) == 0;
    }
    if (l->family != ip->family)
        return 0;
    if (memcmp(la.a, zero, l->family == 4 ? 4 : 16) == 0)
        return 1;
    return memcmp(la.a, ip->a, l->family == 4 ? 4 : 16) == 0;
}

/* One of the platform's listeners as the probe keeps it; with_owner: its
 * process and backlog are known (the owner backend answered). */
static void
take_listener(struct mcpd_probe_listener *l, const struct mcpd_listener *s,
              int with_owner)
{
    memset(l, 0, sizeof(*l));
    mcpd_ip_str(&s->local.ip, l->addr, sizeof(l->addr));
    l->family = s->local.ip.family;
    l->v6only = s->v6only;
    l->backlog = with_owner ? s->backlog : 0;
    l->backlog_known = with_owner;
    l->queued = s->queued;
    l->pid = with_owner ? s->owner.pid : -1;
    if (with_owner)
        snprintf(l->command, sizeof(l->command), "%s", s->owner.command);
    snprintf(l->user, sizeof(l->user), "%s", s->owner.user);
}

/* Stage 2. */
void
mcpd_probe_listeners(struct mcpd_probe *p)
{
    int n = -1, i, j;

    snprintf(p->lst_visibility, sizeof(p->lst_visibility), "none");
    {
        struct mcpd_listener ls[MCPD_PROBE_MAX_LISTENERS];
        enum mcpd_visibility vis = MCPD_VIS_NONE;

        n = mcpd_owner_listeners(p->target.port, ls,
                                 MCPD_PROBE_MAX_LISTENERS, &vis,
                                 p->lst_error);
        if (n > MCPD_PROBE_MAX_LISTENERS)
            n = MCPD_PROBE_MAX_LISTENERS;
        for (i = 0; i < n; i++)
            take_listener(&p->lst[i], &ls[i], 1);
        if (n >= 0)
            snprintf(p->lst_visibility, sizeof(p->lst_visibility), "%s",
                     vis == MCPD_VIS_FULL ? "full" :
                     vis == MCPD_VIS_PARTIAL ? "partial" : "none");
    }
    if (n < 0) {
        /* No owner backend (or it failed): the kernel's table still
         * says who listens, without the process. */
        struct mcpd_listener ls[MCPD_PROBE_MAX_LISTENERS];

        n = mcpd_plat_listeners_noowner(p->target.port, ls,
                                        MCPD_PROBE_MAX_LISTENERS,
                                        p->lst_error);
        if (n > MCPD_PROBE_MAX_LISTENERS)
            n = MCPD_PROBE_MAX_LISTENERS;
        for (i = 0; i < n; i++)
            take_listener(&p->lst[i], &ls[i], 0);
        if (n >= 0)
            snprintf(p->lst_visibility, sizeof(p->lst_visibility),
                     "no-owner");
    }
    p->nlst = n;
    for (i = 0; i < (n > 0 ? n : 0); i++)
        for (j = 0; j < p->naddr; j++)
            p->lst[i].accepts[j] = listener_accepts(&p->lst[i],
                                                    &p->addr[j].ip);
}

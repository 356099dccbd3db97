/* \summary: socket owners on macOS: every process's TCP sockets through
 * libproc (proc_listpids, proc_pidinfo PROC_PIDLISTFDS, proc_pidfdinfo
 * PROC_PIDFDSOCKETINFO), as lsof's darwin/libproc dialect reads them;
 * lsof -F when libproc answers nothing; netstat -anv for the listeners
 * of processes we may not look into */

#include <errno.h>
#include <libproc.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/proc_info.h>
#include <sys/socket.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include "platform.h"
#include "native.h"

/* One TCP socket of one process. */
struct mac_sock {
    struct mcpd_endpoint local, remote;
    int state;               /* TSI_S_* (sys/proc_info.h) */
    int v6only;              /* 1: IPv6 only; 0: IPv4, or dual stack */
    uint32_t qlen, qlimit;   /* accept queue and listen() backlog */
    uint32_t uid;            /* the socket's uid */
    uint64_t so;             /* kernel socket address: its identity */
    int32_t pid;
    char command[64];
};

/* Called for each socket; returns 1 to stop the walk. */
typedef int (*sock_fn)(void *ctx, const struct mac_sock *s);

/* An address of in_sockinfo: IPv4 in the last 4 bytes of the union
 * (in4in6_addr), IPv6 in all 16 (lsof dsock.c does the same). */
static void
set_addr(struct mcpd_ip *ip, int v4, const struct in6_addr *a6,
         const struct in_addr *a4)
{
    memset(ip, 0, sizeof(*ip));
    if (v4) {
        ip->family = 4;
        memcpy(ip->a, a4, 4);
    } else {
        ip->family = 6;
        memcpy(ip->a, a6, 16);
    }
}

static void
from_fdinfo(const struct socket_fdinfo *si, struct mac_sock *s)
{
    const struct in_sockinfo *in = &si->psi.soi_proto.pri_tcp.tcpsi_ini;
    /* A socket with INI_IPV6 speaks IPv6 (and IPv4 too when INI_IPV4 is
     * also set: a dual-stack bind, netstat's tcp46); INI_IPV4 alone is
     * IPv4, also on an AF_INET6 socket connected to a mapped address. */
    int v6 = (in->insi_vflag & INI_IPV6) != 0;

    s->state = si->psi.soi_proto.pri_tcp.tcpsi_state;
    set_addr(&s->local.ip, !v6, &in->insi_laddr.ina_6,
             &in->insi_laddr.ina_46.i46a_addr4);
    set_addr(&s->remote.ip, !v6, &in->insi_faddr.ina_6,
             &in->insi_faddr.ina_46.i46a_addr4);
    s->local.port = ntohs((uint16_t)in->insi_lport);
    s->remote.port = ntohs((uint16_t)in->insi_fport);
    s->v6only = v6 && !(in->insi_vflag & INI_IPV4);
    s->qlen = si->psi.soi_qlen > 0 ? (uint32_t)si->psi.soi_qlen : 0;
    s->qlimit = si->psi.soi_qlimit > 0 ? (uint32_t)si->psi.soi_qlimit : 0;
    s->uid = si->psi.soi_stat.vst_uid;
    s->so = si->psi.soi_so;
}

/* The TCP sockets of one process. 1 when fn stopped the walk, 0, or -1
 * when its descriptors could not be read (*denied counts EPERM). */
static int
walk_pid(pid_t pid, sock_fn fn, void *ctx, int *denied)
{
    struct proc_fdinfo *fds;
    struct mac_sock s;
    int size, n, i, stop = 0;

    size = proc_pidinfo(pid, PROC_PIDLISTFDS, 0, NULL, 0);
    if (size <= 0) {
        if (errno == EPERM)
            (*denied)++;
        return -1;
    }
    /* Room for descriptors opened since the size was asked. */
    size += 32 * (int)PROC_PIDLISTFD_SIZE;
    fds = malloc((size_t)size);
    if (fds == NULL)
        return -1;
    n = proc_pidinfo(pid, PROC_PIDLISTFDS, 0, fds, size);
    if (n <= 0) {
        if (errno == EPERM)
            (*denied)++;
        free(fds);
        return -1;
    }
    n /= (int)PROC_PIDLISTFD_SIZE;
    memset(&s, 0, sizeof(s));
    s.pid = (int32_t)pid;
    if (proc_name(pid, s.command, (uint32_t)sizeof(s.command)) <= 0)
        s.command[0] = '\0';
    mcpd_mac_copy(s.command, sizeof(s.command), s.command,
                  strlen(s.command));
    for (i = 0; i < n && !stop; i++) {
        struct socket_fdinfo si;

        if (fds[i].proc_fdtype != PROX_FDTYPE_SOCKET)
            continue;
        if (proc_pidfdinfo(pid, fds[i].proc_fd, PROC_PIDFDSOCKETINFO, &si,
                           (int)sizeof(si)) < (int)sizeof(si))
            continue;        /* closed meanwhile */
        if (si.psi.soi_kind != SOCKINFO_TCP ||
            (si.psi.soi_family != AF_INET && si.psi.soi_family != AF_INET6))
            continue;
        from_fdinfo(&si, &s);
        stop = fn(ctx, &s);
    }
    free(fds);
    return stop;
}

/* Every process's TCP sockets. 0 (and *denied: processes whose
 * descriptors were refused), or -1 with err when libproc gives no list
 * of processes at all. */
static int
walk(sock_fn fn, void *ctx, int *denied, char *err)
{
    pid_t *pids;
    int size, n, i;

    *denied = 0;
    size = proc_listpids(PROC_ALL_PIDS, 0, NULL, 0);
    if (size <= 0) {
        snprintf(err, MCPD_ERR_LEN, "proc_listpids: %s", strerror(errno));
        return -1;
    }
    size += 64 * (int)sizeof(pid_t);     /* processes started since */
    pids = malloc((size_t)size);
    if (pids == NULL) {
        snprintf(err, MCPD_ERR_LEN, "out of memory for the process list");
        return -1;
    }
    n = proc_listpids(PROC_ALL_PIDS, 0, pids, size);
    if (n <= 0) {
        snprintf(err, MCPD_ERR_LEN, "proc_listpids: %s", strerror(errno));
        free(pids);
        return -1;
    }
    n /= (int)sizeof(pid_t);
    for (i = 0; i < n; i++)
        if (pids[i] > 0 && walk_pid(pids[i], fn, ctx, denied) == 1)
            break;
    free(pids);
    return 0;
}

/* ---- listeners --------------------------------------------------------- */

struct listen_ctx {
    uint16_t port;
    struct mcpd_listener *out;
    uint64_t *so;            /* identity of each kept listener */
    int max, n;
};

static void
owner_fill(struct mcpd_owner *o, int32_t pid, uint32_t uid,
           const char *command, uint64_t so)
{
    memset(o, 0, sizeof(*o));
    o->pid = pid;
    o->uid = uid;
    o->inode = so;
    snprintf(o->command, sizeof(o->command), "%s", command);
    mcpd_owner_username(uid, o->user, sizeof(o->user));
}

static int
listen_cb(void *ctx, const struct mac_sock *s)
{
    struct listen_ctx *c = ctx;
    int i;

    if (s->state != TSI_S_LISTEN || s->local.port != c->port)
        return 0;
    /* A socket shared across fork: the lowest pid names it. */
    for (i = 0; i < c->n && i < c->max; i++)
        if (c->so[i] == s->so) {
            if (s->pid < c->out[i].owner.pid)
                owner_fill(&c->out[i].owner, s->pid, s->uid, s->command,
                           s->so);
            return 0;
        }
    if (c->n < c->max) {
        struct mcpd_listener *l = &c->out[c->n];
        memset(l, 0, sizeof(*l));
        l->local = s->local;
        l->v6only = s->v6only;
        l->backlog = s->qlimit;
        l->queued = s->qlen;
        owner_fill(&l->owner, s->pid, s->uid, s->command, s->so);
        c->so[c->n] = s->so;
    }
    if (c->n < INT_MAX)
        c->n++;
    return 0;
}

/* lsof -F, when libproc gives nothing: the same sockets through lsof's
 * own reading of libproc (parse_lsof.c). */
static int
lsof_listeners(uint16_t port, struct mcpd_listener *out, int max,
               char *err)
{
    char sel[32];
    const char *argv[] = { MCPD_MAC_LSOF, "-nP", sel, "-sTCP:LISTEN",
                           "-F", "pcuLftPnT", NULL };
    struct mcpd_lsof_sock *s;
    struct mcpd_run r;
    int n, i, count = 0;

    snprintf(sel, sizeof(sel), "-iTCP:%u", (unsigned)port);
    /* lsof exits 1 when it found nothing: not an error. */
    if (mcpd_run_child(argv, 0, 20, &r) != 0 ||
        (r.status != 0 && r.status != 1)) {
        snprintf(err, MCPD_ERR_LEN, "lsof: %s",
                 r.status == 127 ? "not found" : "failed");
        mcpd_run_free(&r);
        return -1;
    }
    n = mcpd_lsof_parse(r.out, r.out_len, NULL, 0, NULL);
    s = calloc(n > 0 ? (size_t)n : 1, sizeof(*s));
    if (s == NULL) {
        mcpd_run_free(&r);
        snprintf(err, MCPD_ERR_LEN, "out of memory");
        return -1;
    }
    n = mcpd_lsof_parse(r.out, r.out_len, s, n, NULL);
    for (i = 0; i < n; i++) {
        if (!s[i].tcp || strcmp(s[i].state, "LISTEN") != 0 ||
            s[i].local.port != port)
            continue;
        if (count < max) {
            struct mcpd_listener *l = &out[count];
            memset(l, 0, sizeof(*l));
            l->local = s[i].local;
            l->v6only = -1;
            owner_fill(&l->owner, s[i].pid, s[i].uid, s[i].command, 0);
        }
        count++;
    }
    free(s);
    mcpd_run_free(&r);
    return count;
}

/* Listeners netstat sees that the walk could not (another user's
 * processes, not being root): added with the pid netstat names. */
static int
add_unseen(uint16_t port, struct mcpd_listener *out, int max, int n)
{
    char err[MCPD_ERR_LEN];
    struct mcpd_netstat_sock *s;
    int k, i, j;

    s = mcpd_mac_netstat(&k, err);
    if (s == NULL)
        return n;
    for (i = 0; i < k; i++) {
        int seen = 0;
        if (strcmp(s[i].state, "LISTEN") != 0 || s[i].local.port != port)
            continue;
        for (j = 0; j < n && j < max; j++)
            if (mcpd_ip_cmp(&out[j].local.ip, &s[i].local.ip) == 0)
                seen = 1;
        if (seen)
            continue;
        if (n < max) {
            struct mcpd_listener *l = &out[n];
            uint32_t uid = 0;
            memset(l, 0, sizeof(*l));
            l->local = s[i].local;
            l->v6only = s[i].family == 6 ? 1 : 0;
            l->owner.pid = s[i].pid;
            if (s[i].pid > 0) {
                if (proc_name(s[i].pid, l->owner.command,
                              (uint32_t)sizeof(l->owner.command)) <= 0)
                    snprintf(l->owner.command, sizeof(l->owner.command),
                             "%s", s[i].command);
                mcpd_mac_copy(l->owner.command, sizeof(l->owner.command),
                              l->owner.command, strlen(l->owner.command));
                if (mcpd_plat_pid_uid(s[i].pid, &uid) == 0) {
                    l->owner.uid = uid;
                    mcpd_owner_username(uid, l->owner.user,
                                        sizeof(l->owner.user));
                }
            }
        }
        n++;
    }
    free(s);
    return n;
}

int
mcpd_owner_listeners(uint16_t port, struct mcpd_listener *out, int max,
                     enum mcpd_visibility *vis, char *err)
{
    struct listen_ctx c;
    int denied = 0;

    memset(&c, 0, sizeof(c));
    c.port = port;
    c.out = out;
    c.max = out == NULL || max < 0 ? 0 : max;
    if (vis != NULL)
        *vis = MCPD_VIS_NONE;
    c.so = calloc(c.max > 0 ? (size_t)c.max : 1, sizeof(*c.so));
    if (c.so == NULL) {
        snprintf(err, MCPD_ERR_LEN, "out of memory");
        return -1;
    }
    if (walk(listen_cb, &c, &denied, err) != 0) {
        free(c.so);
        c.n = lsof_listeners(port, out, c.max, err);
        if (c.n >= 0 && vis != NULL)
            *vis = geteuid() == 0 ? MCPD_VIS_FULL : MCPD_VIS_PARTIAL;
        return c.n;
    }
    free(c.so);
    if (denied > 0)
        c.n = add_unseen(port, out, c.max, c.n);
    if (vis != NULL)
        *vis = denied > 0 ? MCPD_VIS_PARTIAL : MCPD_VIS_FULL;
    return c.n;
}

/* ---- one connection ---------------------------------------------------- */

struct tuple_ctx {
    struct mcpd_endpoint local, remote;  /* unmapped */
    struct mac_sock hit;
    int found;
};

static int
tuple_cb(void *ctx, const struct mac_sock *s)
{
    struct tuple_ctx *c = ctx;

    if (!mcpd_endpoint_is(&s->local, &c->local) ||
        !mcpd_endpoint_is(&s->remote, &c->remote))
        return 0;
    if (!c->found || s->pid < c->hit.pid)
        c->hit = *s;
    c->found = 1;
    return 0;                /* go on: a lower pid may share it */
}

/* The tuple among netstat's sockets, owner named by its pid column. */
static int
netstat_lookup(const struct mcpd_endpoint *local,
               const struct mcpd_endpoint *remote, struct mcpd_owner *out,
               char *err)
{
    struct mcpd_netstat_sock *s;
    int n, i, rc = 0;

    s = mcpd_mac_netstat(&n, err);
    if (s == NULL)
        return -1;
    for (i = 0; i < n && rc == 0; i++) {
        char cmd[64] = "";
        uint32_t uid = 0;

        if (!mcpd_endpoint_is(&s[i].local, local) ||
            !mcpd_endpoint_is(&s[i].remote, remote))
            continue;
        if (s[i].pid > 0 && proc_name(s[i].pid, cmd,
                                      (uint32_t)sizeof(cmd)) <= 0)
            snprintf(cmd, sizeof(cmd), "%s", s[i].command);
        mcpd_mac_copy(cmd, sizeof(cmd), cmd, strlen(cmd));
        owner_fill(out, s[i].pid > 0 ? s[i].pid : -1, 0, cmd, 0);
        if (s[i].pid > 0 && mcpd_plat_pid_uid(s[i].pid, &uid) == 0) {
            out->uid = uid;
            mcpd_owner_username(uid, out->user, sizeof(out->user));
        } else
            out->user[0] = '\0';
        rc = 1;
    }
    free(s);
    return rc;
}

int
mcpd_owner_lookup(const struct mcpd_endpoint *local,
                  const struct mcpd_endpoint *remote,
                  struct mcpd_owner *out, char *err)
{
    struct tuple_ctx c;
    int denied;

    if (local == NULL || remote == NULL || out == NULL ||
        (local->ip.family != 4 && local->ip.family != 6) ||
        (remote->ip.family != 4 && remote->ip.family != 6)) {
        snprintf(err, MCPD_ERR_LEN, "owner lookup: endpoints must be IPv4 "
                 "or IPv6");
        return -1;
    }
    memset(&c, 0, sizeof(c));
    c.local = *local;
    c.remote = *remote;
    mcpd_ip_unmap(&c.local.ip);
    mcpd_ip_unmap(&c.remote.ip);
    if (walk(tuple_cb, &c, &denied, err) != 0)
        return -1;
    if (c.found) {
        owner_fill(out, c.hit.pid, c.hit.uid, c.hit.command, c.hit.so);
        return 1;
    }
    /* Not among the processes we could look into: "no such socket" is
     * only true when netstat, which sees them all, agrees. */
    return denied > 0 ? netstat_lookup(&c.local, &c.remote, out, err) : 0;
}

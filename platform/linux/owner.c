/* \summary: socket owners on Linux: sock_diag dumps joined with a one-time
 * /proc/PID/fd inode index, as ss -p does */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include "platform.h"

/* TCP states as the kernel numbers them (include/net/tcp_states.h). */
#define TCPS_TIME_WAIT    6
#define TCPS_LISTEN       10
#define TCPS_NEW_SYN_RECV 12

/*
 * One receive buffer. The kernel sizes each dump datagram to what the
 * reader's recvmsg() has asked for, capped at 32 KiB, so a 32 KiB buffer
 * never truncates one (net/netlink/af_netlink.c netlink_dump).
 */
#define NL_BUFSIZE        32768
#define NL_RCV_TIMEOUT_S  2      /* one recvmsg() waits at most this */
#define NL_DEADLINE_S     10     /* a whole dump takes at most this */
#define NL_SEQ            0x6d637064u  /* "mcpd"; one socket per dump */

#define PROC_ROOT_DEFAULT "/proc"

/* One socket from a sock_diag dump, in our own terms. */
struct diag_sock {
    struct mcpd_endpoint local;  /* as the kernel reports it */
    struct mcpd_endpoint remote;
    uint8_t state;           /* TCPS_* */
    uint32_t rqueue;         /* LISTEN: accept queue; else unread bytes */
    uint32_t wqueue;         /* LISTEN: backlog; else unsent bytes */
    uint32_t uid;            /* socket's uid (0 for TIME_WAIT, SYN_RECV) */
    uint64_t inode;          /* 0 = no file refers to it */
    int v6only;              /* 1/0 for AF_INET6, 0 for AF_INET, -1 ? */
};

/* An inode to name: the lowest pid whose fd table holds it. */
struct want {
    uint64_t inode;          /* the socket's inode (never 0) */
    int32_t pid;             /* -1 until found */
    char command[64];        /* comm of pid, "" if unreadable */
};

static void seterr(char *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Fill the caller's err[MCPD_ERR_LEN] (which may be NULL). */
static void
seterr(char *err, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(err, MCPD_ERR_LEN, fmt, ap);
    va_end(ap);
}

/* ---- sock_diag ---------------------------------------------------- */

/*
 * NLMSG_OK/NLMSG_NEXT and RTA_OK/RTA_NEXT with unsigned lengths (the
 * <linux/netlink.h> macros compare a signed length with an unsigned
 * field). The next-functions consume the aligned length, or all that is
 * left when the last item's padding was not sent.
 */
static int
nlmsg_ok(const struct nlmsghdr *h, size_t len)
{
    return len >= sizeof(*h) && h->nlmsg_len >= sizeof(*h) &&
           h->nlmsg_len <= len;
}

static const struct nlmsghdr *
nlmsg_next(const struct nlmsghdr *h, size_t *len)
{
    size_t step = NLMSG_ALIGN(h->nlmsg_len);

    *len = step < *len ? *len - step : 0;
    return (const struct nlmsghdr *)((const char *)h + step);
}

static int
rta_ok(const struct rtattr *a, size_t len)
{
    return len >= sizeof(*a) && a->rta_len >= sizeof(*a) &&
           a->rta_len <= len;
}

static const struct rtattr *
rta_next(const struct rtattr *a, size_t *len)
{
    size_t step = RTA_ALIGN(a->rta_len);

    *len = step < *len ? *len - step : 0;
    return (const struct rtattr *)((const char *)a + step);
}

/* A kernel address (network byte order, 4 or 16 bytes) as an endpoint. */
static void
set_endpoint(struct mcpd_endpoint *e, int family, const uint32_t addr[4],
             uint16_t port_be)
{
    memset(e, 0, sizeof(*e));
    if (family == AF_INET) {
        e->ip.family = 4;
        memcpy(e->ip.a, addr, 4);
    } else {
        e->ip.family = 6;
        memcpy(e->ip.a, addr, 16);
    }
    e->port = ntohs(port_be);
}

/*
 * Decode one SOCK_DIAG_BY_FAMILY message into *s. Returns 0, or -1 when
 * the message is too short or of a family we did not ask for (skip it).
 * The caller has checked h with NLMSG_OK.
 */
static int
parse_diag_msg(const struct nlmsghdr *h, struct diag_sock *s)
{
    const struct inet_diag_msg *m = NLMSG_DATA(h);
    const struct rtattr *a;
    size_t alen;

    if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
        return -1;
    if (m->idiag_family != AF_INET && m->idiag_family != AF_INET6)
        return -1;
    set_endpoint(&s->local, m->idiag_family, m->id.idiag_src,
                 m->id.idiag_sport);
    set_endpoint(&s->remote, m->idiag_family, m->id.idiag_dst,
                 m->id.idiag_dport);
    s->state = m->idiag_state;
    s->rqueue = m->idiag_rqueue;
    s->wqueue = m->idiag_wqueue;
    s->uid = m->idiag_uid;
    s->inode = m->idiag_inode;
    /* An IPv4 socket never takes IPv6; an IPv6 one says so in an
     * attribute the kernel adds unasked (a kernel too old for it leaves
     * -1, unknown). */
    s->v6only = m->idiag_family == AF_INET ? 0 : -1;

    a = (const struct rtattr *)((const char *)m + NLMSG_ALIGN(sizeof(*m)));
    alen = h->nlmsg_len - NLMSG_LENGTH(sizeof(*m));
    for (; rta_ok(a, alen); a = rta_next(a, &alen)) {
        if ((a->rta_type & NLA_TYPE_MASK) == INET_DIAG_SKV6ONLY &&
            RTA_PAYLOAD(a) >= 1)
            s->v6only = *(const uint8_t *)RTA_DATA(a) != 0;
    }
    return 0;
}

/* Seconds on the monotonic clock, for the dump deadline. */
static time_t
mono_now(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return ts.tv_sec;
}

/* One message of a sock_diag dump: a socket goes to fn. 0: more to
 * come; 1: the dump's end; -1: the dump failed (err, *kerrno set). */
static int
diag_msg(const struct nlmsghdr *h, const char *fname,
         void (*fn)(void *, const struct diag_sock *), void *ctx, char *err,
         int *kerrno)
{
    struct diag_sock s;

    if (h->nlmsg_seq != NL_SEQ)
        return 0;
    if (h->nlmsg_type == NLMSG_DONE) {
        /* A dump that failed part-way ends with DONE carrying a
         * negative errno. */
        int e = 0;

        if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
            memcpy(&e, NLMSG_DATA(h), sizeof(e));
        if (e < 0) {
            *kerrno = -e;
            seterr(err, "sock_diag %s dump: %s", fname, strerror(-e));
            return -1;
        }
        return 1;
    }
    if (h->nlmsg_type == NLMSG_ERROR) {
        const struct nlmsgerr *ne = NLMSG_DATA(h);

        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ne))) {
            seterr(err, "sock_diag %s dump: truncated error message",
                   fname);
            return -1;
        }
        if (ne->error == 0)     /* an ACK: not an error */
            return 0;
        *kerrno = ne->error < 0 ? -ne->error : ne->error;
        seterr(err, "sock_diag %s dump: %s", fname, strerror(*kerrno));
        return -1;
    }
    if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY)
        return 0;
    /* NLM_F_DUMP_INTR (sockets came and went during the dump) is not an
     * error: the answer is a snapshot either way, as it is for ss. */
    if (parse_diag_msg(h, &s) == 0)
        fn(ctx, &s);
    return 0;
}

/*
 * Read the replies to one dump request on fd until NLMSG_DONE, calling
 * fn for every socket. Every datagram and message length is checked; a
 * silent kernel costs NL_RCV_TIMEOUT_S, a chatty one at most
 * NL_DEADLINE_S. Returns 0, or -1 with err set (*kerrno holds the
 * kernel's errno when the kernel refused the request, else 0).
 */
static int
diag_read(int fd, int family, void (*fn)(void *, const struct diag_sock *),
          void *ctx, char *err, int *kerrno)
{
    static const char *const fam[] = { "AF_INET", "AF_INET6" };
    const char *fname = fam[family == AF_INET6];
    union {
        struct nlmsghdr h;   /* aligns the buffer for the casts below */
        char b[NL_BUFSIZE];
    } buf;
    time_t deadline = mono_now() + NL_DEADLINE_S;

    *kerrno = 0;
    for (;;) {
        struct sockaddr_nl from;
        struct iovec iov = { buf.b, sizeof(buf.b) };
        struct msghdr msg;
        const struct nlmsghdr *h;
        ssize_t n;
        size_t len;

        if (mono_now() > deadline) {
            seterr(err, "sock_diag %s dump: no end after %d s", fname,
                   NL_DEADLINE_S);
            return -1;
        }
        memset(&msg, 0, sizeof(msg));
        msg.msg_name = &from;
        msg.msg_namelen = sizeof(from);
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        n = recvmsg(fd, &msg, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                seterr(err, "sock_diag %s dump: no answer from the kernel "
                       "in %d s", fname, NL_RCV_TIMEOUT_S);
            else
                seterr(err, "recvmsg(NETLINK_SOCK_DIAG): %s",
                       strerror(errno));
            return -1;
        }
        if (n == 0 || (msg.msg_flags & MSG_TRUNC)) {
            seterr(err, "sock_diag %s dump: %s reply", fname,
                   n == 0 ? "empty" : "truncated");
            return -1;
        }
        /* Only the kernel (port 0) speaks for the kernel. */
        if (msg.msg_namelen < sizeof(from) || from.nl_pid != 0)
            continue;

        len = (size_t)n;
        for (h = &buf.h; nlmsg_ok(h, len); h = nlmsg_next(h, &len)) {
            int rc = diag_msg(h, fname, fn, ctx, err, kerrno);

            if (rc != 0)
                return rc > 0 ? 0 : -1;
        }
        if (len != 0) {
            seterr(err, "sock_diag %s dump: %zu stray bytes after the "
                   "last message", fname, len);
            return -1;
        }
    }
}

/*
 * Dump every TCP socket of `family` whose state is in the `states`
 * bitmask (bit N = state N), calling fn for each. Returns 0, or -1 with
 * err set. A kernel without IPv6 has no AF_INET6 handler and refuses the
 * request; that is zero IPv6 sockets, not a failure.
 */
static int
diag_dump(int family, uint32_t states,
          void (*fn)(void *, const struct diag_sock *), void *ctx, char *err)
{
    struct {
        struct nlmsghdr nlh;
        struct inet_diag_req_v2 r;
    } req;
    struct sockaddr_nl kernel;
    struct timeval tv = { NL_RCV_TIMEOUT_S, 0 };
    int fd, rc, kerrno;

    fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0) {
        seterr(err, "socket(NETLINK_SOCK_DIAG): %s", strerror(errno));
        return -1;
    }
    /* Without a receive timeout a lost reply would hang us: refuse. */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0) {
        seterr(err, "setsockopt(SO_RCVTIMEO): %s", strerror(errno));
        close(fd);
        return -1;
    }

    memset(&req, 0, sizeof(req));
    req.nlh.nlmsg_len = NLMSG_LENGTH(sizeof(req.r));
    req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.nlh.nlmsg_seq = NL_SEQ;
    req.r.sdiag_family = (uint8_t)family;
    req.r.sdiag_protocol = IPPROTO_TCP;
    req.r.idiag_states = states;
    memset(&kernel, 0, sizeof(kernel));
    kernel.nl_family = AF_NETLINK;
    if (sendto(fd, &req, req.nlh.nlmsg_len, 0, (struct sockaddr *)&kernel,
               sizeof(kernel)) < 0) {
        seterr(err, "sendto(NETLINK_SOCK_DIAG): %s", strerror(errno));
        close(fd);
        return -1;
    }
    rc = diag_read(fd, family, fn, ctx, err, &kerrno);
    close(fd);
    if (rc < 0 && family == AF_INET6 &&
        (kerrno == ENOENT || kerrno == EAFNOSUPPORT)) {
        seterr(err, "%s", "");
        return 0;
    }
    return rc;
}

/* ---- /proc walk --------------------------------------------------- */

static int
want_cmp(const void *x, const void *y)
{
    const struct want *a = x, *b = y;

    return a->inode < b->inode ? -1 : a->inode > b->inode;
}

/* The /proc to walk: MCPD_PROC_ROOT for tests and replays (ss has
 * PROC_ROOT), ignored when we run setuid so it cannot aim us at a
 * tree of symlinks into files the caller may not read. */
static const char *
proc_root(void)
{
    const char *r = secure_getenv("MCPD_PROC_ROOT");

    return r != NULL && r[0] != '\0' ? r : PROC_ROOT_DEFAULT;
}

/* Open PROC/PID/name (no symlink followed at either step), or -1. */
static int
open_pid_entry(int rootfd, const char *pid, const char *name, int flags)
{
    int pfd, fd, saved;

    pfd = openat(rootfd, pid,
                 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (pfd < 0)
        return -1;
    fd = openat(pfd, name, flags | O_NOFOLLOW | O_CLOEXEC);
    saved = errno;
    close(pfd);
    errno = saved;
    return fd;
}

/* A directory name that is a pid (all digits, fits int32), or -1. */
static int32_t
parse_pid(const char *name)
{
    unsigned long v;
    char *end;

    if (name[0] < '0' || name[0] > '9')
        return -1;
    errno = 0;
    v = strtoul(name, &end, 10);
    if (errno != 0 || *end != '\0' || v > INT32_MAX)
        return -1;
    return (int32_t)v;
}

/* The inode of a "socket:[INODE]" link target, or 0 for anything else. */
static uint64_t
parse_socket_link(const char *t)
{
    static const char pre[] = "socket:[";
    unsigned long long v;
    char *end;

    if (strncmp(t, pre, sizeof(pre) - 1) != 0)
        return 0;
    t += sizeof(pre) - 1;
    if (*t < '0' || *t > '9')
        return 0;
    errno = 0;
    v = strtoull(t, &end, 10);
    if (errno != 0 || end[0] != ']' || end[1] != '\0')
        return 0;
    return v;
}

/* Read PROC/PID/comm into cmd (without its newline); "" on failure. */
static void
read_comm(int rootfd, int32_t pid, char *cmd, size_t len)
{
    char name[16];
    ssize_t n;
    int fd;

    cmd[0] = '\0';
    snprintf(name, sizeof(name), "%d", (int)pid);
    fd = open_pid_entry(rootfd, name, "comm", O_RDONLY);
    if (fd < 0)
        return;
    n = read(fd, cmd, len - 1);
    close(fd);
    if (n <= 0)
        return;
    cmd[n] = '\0';
    cmd[strcspn(cmd, "\n")] = '\0';
}

/*
 * Scan one process's fd table, recording pid against every wanted inode
 * it holds. Returns 0, or -1 when the table was denied to us.
 */
static int
scan_fds(int rootfd, const char *pidname, int32_t pid, struct want *w,
         size_t nw)
{
    struct dirent *de;
    DIR *d;
    int fd;

    fd = open_pid_entry(rootfd, pidname, "fd", O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        /* ENOENT/ESRCH: the process exited meanwhile; nothing hidden. */
        return errno == EACCES || errno == EPERM ? -1 : 0;
    d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return 0;
    }
    while ((de = readdir(d)) != NULL) {
        struct want key, *hit;
        char target[64];
        ssize_t n;

        if (de->d_name[0] == '.')
            continue;
        n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
        /* Socket links are short; a longer one is a file, not ours. */
        if (n <= 0 || (size_t)n >= sizeof(target) - 1)
            continue;
        target[n] = '\0';
        key.inode = parse_socket_link(target);
        if (key.inode == 0)
            continue;
        hit = bsearch(&key, w, nw, sizeof(*w), want_cmp);
        if (hit != NULL && (hit->pid < 0 || pid < hit->pid))
            hit->pid = pid;
    }
    closedir(d);
    return 0;
}

/*
 * Name the holder of each wanted inode (w sorted by inode) by walking
 * PROC/PID/fd/N once. A socket shared after fork (a pre-forking
 * server) is named by its lowest pid, usually the parent. *vis: FULL
 * when every fd table was readable, PARTIAL when some were denied, NONE
 * when PROC itself could not be read.
 */
static void
proc_walk(struct want *w, size_t nw, enum mcpd_visibility *vis)
{
    struct dirent *de;
    size_t denied = 0, i;
    DIR *d;
    int rootfd, dfd;

    rootfd = open(proc_root(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) {
        *vis = MCPD_VIS_NONE;
        return;
    }
    /* fdopendir takes the descriptor; keep rootfd for openat. */
    dfd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
    d = dfd < 0 ? NULL : fdopendir(dfd);
    if (d == NULL) {
        if (dfd >= 0)
            close(dfd);
        close(rootfd);
        *vis = MCPD_VIS_NONE;
        return;
    }
    while ((de = readdir(d)) != NULL) {
        int32_t pid = parse_pid(de->d_name);

        if (pid >= 0 && scan_fds(rootfd, de->d_name, pid, w, nw) < 0)
            denied++;
    }
    closedir(d);
    for (i = 0; i < nw; i++)
        if (w[i].pid >= 0)
            read_comm(rootfd, w[i].pid, w[i].command,
                      sizeof(w[i].command));
    close(rootfd);
    *vis = denied > 0 ? MCPD_VIS_PARTIAL : MCPD_VIS_FULL;
}

/* ---- the interface ------------------------------------------------ */

/* Start an owner from what the kernel said about the socket. */
static void
owner_from(struct mcpd_owner *o, const struct diag_sock *s)
{
    memset(o, 0, sizeof(*o));
    o->pid = -1;
    o->uid = s->uid;
    o->inode = s->inode;
    /* TIME_WAIT and SYN_RECV request sockets carry uid 0 meaning "none",
     * not root: leave the name empty rather than say "root". */
    if (s->state != TCPS_TIME_WAIT && s->state != TCPS_NEW_SYN_RECV)
        mcpd_owner_username(s->uid, o->user, sizeof(o->user));
}

/* Copy a found holder into an owner. */
static void
owner_set(struct mcpd_owner *o, const struct want *w)
{
    o->pid = w->pid;
    memcpy(o->command, w->command, sizeof(o->command));
}

struct listen_ctx {
    uint16_t port;           /* the port asked about */
    struct mcpd_listener *out;
    int max;                 /* room in out */
    int n;                   /* listeners found (may exceed max) */
};

static void
listen_cb(void *ctx, const struct diag_sock *s)
{
    struct listen_ctx *c = ctx;
    struct mcpd_listener *l;

    if (s->state != TCPS_LISTEN || s->local.port != c->port)
        return;
    if (c->n < c->max) {
        l = &c->out[c->n];
        memset(l, 0, sizeof(*l));
        l->local = s->local;
        l->v6only = s->v6only;
        /* For a listener the kernel puts the accept queue in rqueue and
         * the backlog in wqueue, which ss shows as Recv-Q and Send-Q. */
        l->queued = s->rqueue;
        l->backlog = s->wqueue;
        owner_from(&l->owner, s);
    }
    if (c->n < INT_MAX)
        c->n++;
}

int
mcpd_owner_listeners(uint16_t port, struct mcpd_listener *out, int max,
                     enum mcpd_visibility *vis, char *err)
{
    struct listen_ctx c;
    enum mcpd_visibility v = MCPD_VIS_FULL;
    struct want *w = NULL;
    size_t nw = 0;
    int i, filled;

    memset(&c, 0, sizeof(c));
    c.port = port;
    c.out = out;
    c.max = out == NULL || max < 0 ? 0 : max;
    if (vis != NULL)
        *vis = MCPD_VIS_NONE;
    if (diag_dump(AF_INET, 1u << TCPS_LISTEN, listen_cb, &c, err) < 0 ||
        diag_dump(AF_INET6, 1u << TCPS_LISTEN, listen_cb, &c, err) < 0)
        return -1;

    filled = c.n < c.max ? c.n : c.max;
    if (filled > 0) {
        w = calloc((size_t)filled, sizeof(*w));
        if (w == NULL) {
            seterr(err, "out of memory for %d listeners", filled);
            return -1;
        }
    }
    for (i = 0; i < filled; i++) {
        if (out[i].owner.inode == 0)
            continue;
        w[nw].inode = out[i].owner.inode;
        w[nw].pid = -1;
        nw++;
    }
    /* Nothing to name is nothing hidden: skip the walk. */
    if (nw > 0) {
        qsort(w, nw, sizeof(*w), want_cmp);
        proc_walk(w, nw, &v);
        for (i = 0; i < filled; i++) {
            struct want key, *hit;

            key.inode = out[i].owner.inode;
            hit = key.inode == 0 ? NULL :
                  bsearch(&key, w, nw, sizeof(*w), want_cmp);
            if (hit != NULL && hit->pid >= 0)
                owner_set(&out[i].owner, hit);
        }
    }
    free(w);
    if (vis != NULL)
        *vis = v;
    return c.n;
}

struct tuple_ctx {
    struct mcpd_endpoint local, remote;  /* unmapped */
    int found;               /* 0 none, 1 inode 0 only, 2 with inode */
    struct diag_sock hit;
};

static void
tuple_cb(void *ctx, const struct diag_sock *s)
{
    struct tuple_ctx *c = ctx;

    if (!mcpd_endpoint_is(&s->local, &c->local) ||
        !mcpd_endpoint_is(&s->remote, &c->remote))
        return;
    /* A reused 4-tuple can show a TIME_WAIT and a live socket at once:
     * the one a process holds is the answer. */
    if (c->found < 2) {
        c->hit = *s;
        c->found = s->inode != 0 ? 2 : 1;
    }
}

static int
endpoint_ok(const struct mcpd_endpoint *e)
{
    return e != NULL && (e->ip.family == 4 || e->ip.family == 6);
}

int
mcpd_owner_lookup(const struct mcpd_endpoint *local,
                  const struct mcpd_endpoint *remote,
                  struct mcpd_owner *out, char *err)
{
    struct tuple_ctx c;
    struct want w;
    enum mcpd_visibility v;

    if (!endpoint_ok(local) || !endpoint_ok(remote) || out == NULL) {
        seterr(err, "owner lookup: endpoints must be IPv4 or IPv6");
        return -1;
    }
    memset(&c, 0, sizeof(c));
    c.local = *local;
    c.remote = *remote;
    mcpd_ip_unmap(&c.local.ip);
    mcpd_ip_unmap(&c.remote.ip);
    if (c.local.ip.family != c.remote.ip.family) {
        seterr(err, "owner lookup: local and remote differ in family");
        return -1;
    }
    /* All states: the client end of a connection may be anywhere from
     * SYN_SENT to TIME_WAIT. IPv4 tuples are also looked for among
     * IPv6 sockets (mapped addresses). */
    if (c.local.ip.family == 4 &&
        diag_dump(AF_INET, 0xffffffffu, tuple_cb, &c, err) < 0)
        return -1;
    if (c.found < 2 &&
        diag_dump(AF_INET6, 0xffffffffu, tuple_cb, &c, err) < 0)
        return -1;
    if (c.found == 0)
        return 0;

    owner_from(out, &c.hit);
    if (c.hit.inode != 0) {
        memset(&w, 0, sizeof(w));
        w.inode = c.hit.inode;
        w.pid = -1;
        proc_walk(&w, 1, &v);
        if (w.pid >= 0)
            owner_set(out, &w);
    }
    return 1;
}

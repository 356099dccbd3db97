/* \summary: tests of the socket-owner backend against the live kernel and
 * a fake /proc tree */

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/netlink.h>
#include "owner.h"

#include "testhelp.h"

#define MAXL 8               /* room for listeners in one answer */

/* What the test expects of every socket it made itself. */
static char self_comm[64];   /* our comm, read from /proc directly */
static char self_user[32];   /* our euid's name, or the number */

/* ---- sockets ------------------------------------------------------ */

/* A socket the test made, as the kernel should report it. */
struct tsock {
    int fd;
    struct mcpd_endpoint local;  /* from getsockname */
    uint64_t inode;          /* from fstat: what sock_diag must say */
};

/* A sockaddr as an endpoint (IPv4 in the first 4 bytes). */
static void
to_endpoint(const struct sockaddr_storage *ss, struct mcpd_endpoint *e)
{
    memset(e, 0, sizeof(*e));
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

        e->ip.family = 4;
        memcpy(e->ip.a, &s4->sin_addr, 4);
        e->port = ntohs(s4->sin_port);
    } else {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

        e->ip.family = 6;
        memcpy(e->ip.a, &s6->sin6_addr, 16);
        e->port = ntohs(s6->sin6_port);
    }
}

/* Text to endpoint; "::ffff:127.0.0.1" stays IPv6 (family 6). */
static void
endpoint(const char *addr, uint16_t port, struct mcpd_endpoint *e)
{
    memset(e, 0, sizeof(*e));
    if (inet_pton(AF_INET, addr, e->ip.a) == 1) {
        e->ip.family = 4;
    } else if (inet_pton(AF_INET6, addr, e->ip.a) == 1) {
        e->ip.family = 6;
    }
    e->port = port;
}

static int
sock_names(struct tsock *t, struct mcpd_endpoint *peer)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    struct stat st;

    if (getsockname(t->fd, (struct sockaddr *)&ss, &sl) != 0 ||
        fstat(t->fd, &st) != 0)
        return -1;
    to_endpoint(&ss, &t->local);
    t->inode = (uint64_t)st.st_ino;
    if (peer != NULL) {
        sl = sizeof(ss);
        if (getpeername(t->fd, (struct sockaddr *)&ss, &sl) != 0)
            return -1;
        to_endpoint(&ss, peer);
    }
    return 0;
}

/* Fill a sockaddr for addr:port; returns its length, 0 on bad text. */
static socklen_t
make_sa(const char *addr, uint16_t port, struct sockaddr_storage *ss)
{
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

    memset(ss, 0, sizeof(*ss));
    if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        return sizeof(*s4);
    }
    if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        return sizeof(*s6);
    }
    return 0;
}

/*
 * Listen on addr:port (port 0: ephemeral) with this backlog; v6only -1
 * leaves the default. Returns 0 and fills *t, or -1 (errno kept).
 */
static int
listen_on(const char *addr, uint16_t port, int v6only, int backlog,
          struct tsock *t)
{
    struct sockaddr_storage ss;
    socklen_t sl = make_sa(addr, port, &ss);
    int saved;

    t->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sl == 0 || t->fd < 0)
        return -1;
    if ((v6only >= 0 &&
         setsockopt(t->fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
                    sizeof(v6only)) != 0) ||
        bind(t->fd, (struct sockaddr *)&ss, sl) != 0 ||
        (backlog >= 0 && listen(t->fd, backlog) != 0) ||
        sock_names(t, NULL) != 0) {
        saved = errno;
        close(t->fd);
        t->fd = -1;
        errno = saved;
        return -1;
    }
    return 0;
}

/* A blocking connect to addr:port; fills t and the peer endpoint. */
static int
connect_to(const char *addr, uint16_t port, struct tsock *t,
           struct mcpd_endpoint *peer)
{
    struct sockaddr_storage ss;
    socklen_t sl = make_sa(addr, port, &ss);

    t->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sl == 0 || t->fd < 0)
        return -1;
    if (connect(t->fd, (struct sockaddr *)&ss, sl) != 0 ||
        sock_names(t, peer) != 0) {
        close(t->fd);
        t->fd = -1;
        return -1;
    }
    return 0;
}

static int
accept_one(int lfd, struct tsock *t)
{
    t->fd = accept(lfd, NULL, NULL);
    if (t->fd < 0 || sock_names(t, NULL) != 0)
        return -1;
    return 0;
}

static void
close_sock(struct tsock *t)
{
    if (t->fd >= 0)
        close(t->fd);
    t->fd = -1;
}

/* The listener in out[0..n) bound to addr (text), or NULL. */
static const struct mcpd_listener *
find_listener(const struct mcpd_listener *out, int n, const char *addr)
{
    struct mcpd_endpoint e;
    int i;

    endpoint(addr, 0, &e);
    for (i = 0; i < n && i < MAXL; i++)
        if (out[i].local.ip.family == e.ip.family &&
            memcmp(out[i].local.ip.a, e.ip.a,
                   e.ip.family == 4 ? 4 : 16) == 0)
            return &out[i];
    return NULL;
}

static void
sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

/* Our own, as the owner fields of a socket we hold must read. */
static int
is_self(const struct mcpd_owner *o, const struct tsock *t)
{
    return o->pid == (int32_t)getpid() &&
           strcmp(o->command, self_comm) == 0 &&
           o->uid == (uint32_t)geteuid() &&
           strcmp(o->user, self_user) == 0 && o->inode == t->inode;
}

/* ---- the live tests ----------------------------------------------- */

/* The sockets every test below shares. */
struct fixture {
    int have6;               /* IPv6 loopback usable */
    uint16_t p, q, r;        /* ports: shared v4+v6, v6only, mapped */
    struct tsock l4;         /* 127.0.0.1:p backlog 7 */
    struct tsock l6;         /* [::1]:p v6only=0 backlog 9 */
    struct tsock l6only;     /* [::]:q v6only=1 backlog 11 */
    struct tsock lmap;       /* [::ffff:127.0.0.1]:r v6only=0 backlog 5 */
    struct tsock bound;      /* 127.0.0.1, bound, never listening */
};

/* Make the listeners; one port carries both families, so retry when
 * the IPv6 half of an ephemeral port is taken. */
static int
fixture_up(struct fixture *f)
{
    int tries;

    memset(f, 0, sizeof(*f));
    f->l4.fd = f->l6.fd = f->l6only.fd = f->lmap.fd = f->bound.fd = -1;
    f->have6 = 1;
    for (tries = 0; tries < 20; tries++) {
        if (listen_on("127.0.0.1", 0, -1, 7, &f->l4) != 0)
            return -1;
        f->p = f->l4.local.port;
        if (listen_on("::1", f->p, 0, 9, &f->l6) == 0)
            break;
        if (errno != EADDRINUSE) {
            printf("note: no IPv6 loopback (%s): IPv6 cases skipped\n",
                   strerror(errno));
            f->have6 = 0;
            break;
        }
        close_sock(&f->l4);
    }
    if (f->l4.fd < 0 || (f->have6 && f->l6.fd < 0))
        return -1;
    if (f->have6) {
        if (listen_on("::", 0, 1, 11, &f->l6only) != 0 ||
            listen_on("::ffff:127.0.0.1", 0, 0, 5, &f->lmap) != 0)
            return -1;
        f->q = f->l6only.local.port;
        f->r = f->lmap.local.port;
    }
    if (listen_on("127.0.0.1", 0, -1, -1, &f->bound) != 0)
        return -1;
    return 0;
}

static void
fixture_down(struct fixture *f)
{
    close_sock(&f->l4);
    close_sock(&f->l6);
    close_sock(&f->l6only);
    close_sock(&f->lmap);
    close_sock(&f->bound);
}

static void
test_listeners(const struct fixture *f)
{
    struct mcpd_listener out[MAXL];
    const struct mcpd_listener *a, *b;
    enum mcpd_visibility vis = MCPD_VIS_NONE;
    char err[MCPD_ERR_LEN] = "";
    int n;

    n = mcpd_owner_listeners(f->p, out, MAXL, &vis, err);
    if (n < 0)
        printf("  error: %s\n", err);
    test_cond("listeners: both families on the shared port",
              n == (f->have6 ? 2 : 1));
    /* Root normally reads every fd table; without CAP_SYS_PTRACE (a
     * container) non-dumpable processes still hide theirs, and anyone
     * else is denied other users' tables: that must say PARTIAL. The
     * fake tree and the unprivileged child below pin down each value. */
    test_cond("listeners: visibility is full or partial",
              vis == MCPD_VIS_FULL || vis == MCPD_VIS_PARTIAL);
    if (geteuid() == 0 && vis != MCPD_VIS_FULL)
        printf("note: root was denied some /proc/PID/fd "
               "(no CAP_SYS_PTRACE?)\n");

    a = find_listener(out, n, "127.0.0.1");
    test_cond("listeners: 127.0.0.1 found", a != NULL);
    if (a != NULL) {
        test_cond("listeners: 127.0.0.1 port", a->local.port == f->p);
        test_cond("listeners: 127.0.0.1 backlog 7", a->backlog == 7);
        test_cond("listeners: 127.0.0.1 nothing queued", a->queued == 0);
        test_cond("listeners: IPv4 is not v6only", a->v6only == 0);
        test_cond("listeners: 127.0.0.1 owned by this process",
                  is_self(&a->owner, &f->l4));
    }
    if (!f->have6)
        return;
    b = find_listener(out, n, "::1");
    test_cond("listeners: [::1] found", b != NULL);
    if (b != NULL) {
        test_cond("listeners: [::1] backlog 9", b->backlog == 9);
        /* Asked for 0, but a bind to one IPv6 address that is not
         * v4-mapped sets it (net/ipv6/af_inet6.c __inet6_bind): what
         * the kernel says is what we report. */
        test_cond("listeners: [::1] v6only 1", b->v6only == 1);
        test_cond("listeners: [::1] owned by this process",
                  is_self(&b->owner, &f->l6));
    }

    n = mcpd_owner_listeners(f->q, out, MAXL, &vis, err);
    a = find_listener(out, n, "::");
    test_cond("listeners: one on the v6only port", n == 1);
    test_cond("listeners: [::] v6only found", a != NULL);
    if (a != NULL) {
        test_cond("listeners: [::] v6only 1", a->v6only == 1);
        test_cond("listeners: [::] backlog 11", a->backlog == 11);
        test_cond("listeners: [::] owned by this process",
                  is_self(&a->owner, &f->l6only));
    }

    /* A v4-mapped bind is an IPv6 socket: reported as the kernel has
     * it, family 6. */
    n = mcpd_owner_listeners(f->r, out, MAXL, &vis, err);
    a = find_listener(out, n, "::ffff:127.0.0.1");
    test_cond("listeners: mapped bind reported as IPv6",
              n == 1 && a != NULL);
    if (a != NULL)
        test_cond("listeners: mapped bind backlog 5, v6only 0",
                  a->backlog == 5 && a->v6only == 0);
}

static void
test_counts(const struct fixture *f)
{
    struct mcpd_listener out[MAXL];
    enum mcpd_visibility vis = MCPD_VIS_NONE;
    char err[MCPD_ERR_LEN] = "";
    int n;

    if (!f->have6)
        return;
    /* More listeners than room: the count is the truth, the array holds
     * what fits and nothing past it is touched. */
    memset(out, 0xa5, sizeof(out));
    n = mcpd_owner_listeners(f->p, out, 1, &vis, err);
    test_cond("counts: max 1 still counts 2", n == 2);
    test_cond("counts: max 1 fills one",
              out[0].local.port == f->p && out[0].owner.pid ==
              (int32_t)getpid());
    test_cond("counts: max 1 leaves the rest alone",
              out[1].local.port == 0xa5a5);
    n = mcpd_owner_listeners(f->p, NULL, 0, &vis, err);
    test_cond("counts: NULL, 0 counts", n == 2);
}

static void
test_closed(const struct fixture *f)
{
    struct mcpd_listener out[MAXL];
    enum mcpd_visibility vis = MCPD_VIS_NONE;
    char err[MCPD_ERR_LEN] = "";
    struct mcpd_endpoint loc, rem;
    struct mcpd_owner o;
    int n;

    /* Bound but never listening: a port nobody accepts on. */
    n = mcpd_owner_listeners(f->bound.local.port, out, MAXL, &vis, err);
    test_cond("closed: bound-only port has 0 listeners", n == 0);
    test_cond("closed: nothing to name is full visibility",
              vis == MCPD_VIS_FULL);

    endpoint("127.0.0.1", f->bound.local.port, &loc);
    endpoint("127.0.0.1", f->p, &rem);
    n = mcpd_owner_lookup(&loc, &rem, &o, err);
    test_cond("closed: lookup of a tuple nobody holds is 0", n == 0);

    memset(&loc, 0, sizeof(loc));
    err[0] = '\0';
    n = mcpd_owner_lookup(&loc, &rem, &o, err);
    test_cond("closed: lookup without an address fails with a reason",
              n == -1 && err[0] != '\0');
}

static void
test_queue_and_lookup(const struct fixture *f)
{
    struct mcpd_listener out[MAXL];
    const struct mcpd_listener *a = NULL, *b = NULL;
    enum mcpd_visibility vis;
    char err[MCPD_ERR_LEN] = "";
    struct tsock cli, srv, cli6, climap, srvmap;
    struct mcpd_endpoint peer, peer6, peermap, srvloc, m;
    struct mcpd_owner o;
    int n = 0, i;

    srv.fd = cli6.fd = climap.fd = srvmap.fd = -1;
    if (connect_to("127.0.0.1", f->p, &cli, &peer) != 0) {
        test_cond("lookup: connect to 127.0.0.1", 0);
        return;
    }
    /* The kernel finishes the handshake on its own; the child reaches
     * the accept queue a moment after connect() returns. */
    for (i = 0; i < 200; i++) {
        n = mcpd_owner_listeners(f->p, out, MAXL, &vis, err);
        a = find_listener(out, n, "127.0.0.1");
        if (a != NULL && a->queued == 1)
            break;
        sleep_ms(10);
    }
    test_cond("queue: one connection waits for accept",
              a != NULL && a->queued == 1);
    if (f->have6) {
        b = find_listener(out, n, "::1");
        test_cond("queue: the IPv6 listener's queue is empty",
                  b != NULL && b->queued == 0);
    }

    /* The client end: our fd, our pid. */
    memset(&o, 0, sizeof(o));
    n = mcpd_owner_lookup(&cli.local, &peer, &o, err);
    if (n < 0)
        printf("  error: %s\n", err);
    test_cond("lookup: client tuple found", n == 1);
    test_cond("lookup: client owned by this process", is_self(&o, &cli));

    /* The server end before accept(): a full socket no file refers to,
     * so inode 0 and no pid. */
    n = mcpd_owner_lookup(&peer, &cli.local, &o, err);
    test_cond("lookup: unaccepted server end found", n == 1);
    test_cond("lookup: unaccepted server end is kernel-only",
              o.inode == 0 && o.pid == -1 && o.command[0] == '\0');

    if (accept_one(f->l4.fd, &srv) == 0) {
        n = mcpd_owner_lookup(&peer, &cli.local, &o, err);
        test_cond("lookup: accepted server end owned by this process",
                  n == 1 && is_self(&o, &srv));
    } else {
        test_cond("lookup: accept", 0);
    }

    if (f->have6) {
        if (connect_to("::1", f->p, &cli6, &peer6) == 0) {
            n = mcpd_owner_lookup(&cli6.local, &peer6, &o, err);
            test_cond("lookup: IPv6 client owned by this process",
                      n == 1 && is_self(&o, &cli6));
        } else {
            test_cond("lookup: connect to [::1]", 0);
        }
        /* IPv4 client, IPv6 dual-stack server: the server end lives in
         * an AF_INET6 socket with mapped addresses, and must be found
         * by the IPv4 tuple and by the mapped one. */
        if (connect_to("127.0.0.1", f->r, &climap, &peermap) == 0 &&
            accept_one(f->lmap.fd, &srvmap) == 0) {
            endpoint("127.0.0.1", f->r, &srvloc);
            n = mcpd_owner_lookup(&srvloc, &climap.local, &o, err);
            test_cond("lookup: IPv4 tuple finds the dual-stack socket",
                      n == 1 && is_self(&o, &srvmap));
            endpoint("::ffff:127.0.0.1", f->r, &m);
            n = mcpd_owner_lookup(&m, &climap.local, &o, err);
            test_cond("lookup: mapped tuple finds it too",
                      n == 1 && is_self(&o, &srvmap));
            n = mcpd_owner_lookup(&climap.local, &peermap, &o, err);
            test_cond("lookup: its IPv4 client end",
                      n == 1 && is_self(&o, &climap));
        } else {
            test_cond("lookup: connect to the mapped listener", 0);
        }
    }

    /* Close the client first, then the server: the client end goes to
     * TIME_WAIT, which no process holds and whose uid means nothing. */
    if (srv.fd >= 0) {
        struct mcpd_endpoint cliloc = cli.local;

        close_sock(&cli);
        close_sock(&srv);
        for (i = 0; i < 200; i++) {
            n = mcpd_owner_lookup(&cliloc, &peer, &o, err);
            if (n == 1 && o.inode == 0)
                break;
            sleep_ms(10);
        }
        test_cond("lookup: TIME_WAIT end is kernel-only, no user",
                  n == 1 && o.inode == 0 && o.pid == -1 &&
                  o.user[0] == '\0');
    }
    close_sock(&cli);
    close_sock(&srv);
    close_sock(&cli6);
    close_sock(&climap);
    close_sock(&srvmap);
}

/* ---- a fake /proc ------------------------------------------------- */

static char fake_root[64];

static int
put_file(const char *rel, const char *text)
{
    char path[256];
    FILE *fp;
    int ok;

    snprintf(path, sizeof(path), "%s/%s", fake_root, rel);
    fp = fopen(path, "w");
    if (fp == NULL)
        return -1;
    ok = fputs(text, fp) >= 0;
    return fclose(fp) == 0 && ok ? 0 : -1;
}

static int
put_dir(const char *rel, mode_t mode)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/%s", fake_root, rel);
    return mkdir(path, mode);
}

static int
put_link(const char *rel, const char *target)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/%s", fake_root, rel);
    return symlink(target, path);
}

static int
put_socket(const char *rel, uint64_t inode)
{
    char target[64];

    snprintf(target, sizeof(target), "socket:[%llu]",
             (unsigned long long)inode);
    return put_link(rel, target);
}

static int
rm_entry(const char *path, const struct stat *sb, int flag,
         struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/*
 * A tree in the shape of /proc whose fd links name the real inodes of
 * our sockets under other pids: if the answers then say those pids and
 * commands, the /proc walk is what names a process.
 *   4241  "fakemaster"  holds the 127.0.0.1 listener (a forked holder)
 *   4242  "fakesrv"     holds it too, plus the client, plus /dev/null
 *   4243               exited: no fd directory
 *   4244  "hidden"      fd/ mode 000, holds the [::1] listener
 *   4245               junk links
 *   self, notapid       not pids
 */
static int
build_fake_proc(const struct fixture *f, uint64_t client_inode)
{
    char path[256];

    snprintf(fake_root, sizeof(fake_root), "/tmp/mcpd-owner-XXXXXX");
    if (mkdtemp(fake_root) == NULL)
        return -1;
    if (put_dir("4241", 0755) || put_dir("4241/fd", 0755) ||
        put_file("4241/comm", "fakemaster\n") ||
        put_socket("4241/fd/7", f->l4.inode) ||
        put_dir("4242", 0755) || put_dir("4242/fd", 0755) ||
        put_file("4242/comm", "fakesrv\n") ||
        put_link("4242/fd/0", "/dev/null") ||
        put_socket("4242/fd/5", f->l4.inode) ||
        put_socket("4242/fd/6", client_inode) ||
        put_dir("4243", 0755) || put_file("4243/comm", "gone\n") ||
        put_dir("4244", 0755) || put_dir("4244/fd", 0755) ||
        put_file("4244/comm", "hidden\n") ||
        (f->have6 && put_socket("4244/fd/8", f->l6.inode)) ||
        put_dir("4245", 0755) || put_dir("4245/fd", 0755) ||
        put_link("4245/fd/1", "socket:[12x]") ||
        put_link("4245/fd/2", "socket:[99999999999999999999999]") ||
        put_link("4245/fd/3", "socket:[]") ||
        put_link("4245/fd/4", "pipe:[12345]") ||
        put_link("self", "4242") || put_dir("notapid", 0755))
        return -1;
    /* Last, so the link above could be made inside it. */
    snprintf(path, sizeof(path), "%s/4244/fd", fake_root);
    if (chmod(path, 0) != 0)
        return -1;
    return 0;
}

static void
test_fake_proc(const struct fixture *f)
{
    struct mcpd_listener out[MAXL];
    const struct mcpd_listener *a, *b;
    enum mcpd_visibility vis = MCPD_VIS_NONE;
    char err[MCPD_ERR_LEN] = "";
    struct tsock cli;
    struct mcpd_endpoint peer;
    struct mcpd_owner o;
    char path[256];
    int n, root = geteuid() == 0;

    if (connect_to("127.0.0.1", f->p, &cli, &peer) != 0) {
        test_cond("fake: connect", 0);
        return;
    }
    if (build_fake_proc(f, cli.inode) != 0) {
        test_cond("fake: build the tree", 0);
        close_sock(&cli);
        return;
    }
    setenv("MCPD_PROC_ROOT", fake_root, 1);

    n = mcpd_owner_listeners(f->p, out, MAXL, &vis, err);
    a = find_listener(out, n, "127.0.0.1");
    test_cond("fake: listener named by the lowest fake pid",
              a != NULL && a->owner.pid == 4241 &&
              strcmp(a->owner.command, "fakemaster") == 0);
    test_cond("fake: the inode is the kernel's",
              a != NULL && a->owner.inode == f->l4.inode);
    if (f->have6) {
        b = find_listener(out, n, "::1");
        /* Root reads a mode-000 directory; anyone else is denied, and
         * the answer must say it is partial. */
        if (root)
            test_cond("fake: root reads the 000 fd dir",
                      b != NULL && b->owner.pid == 4244 &&
                      strcmp(b->owner.command, "hidden") == 0 &&
                      vis == MCPD_VIS_FULL);
        else
            test_cond("fake: a denied fd dir makes it partial",
                      b != NULL && b->owner.pid == -1 &&
                      vis == MCPD_VIS_PARTIAL);
    }

    n = mcpd_owner_lookup(&cli.local, &peer, &o, err);
    test_cond("fake: lookup names the fake pid and command",
              n == 1 && o.pid == 4242 && strcmp(o.command, "fakesrv") == 0
              && o.inode == cli.inode && o.uid == (uint32_t)geteuid());

    /* A /proc that is not there: listeners still, no owner, NONE. */
    setenv("MCPD_PROC_ROOT", "/nonexistent/mcpd-proc", 1);
    n = mcpd_owner_listeners(f->p, out, MAXL, &vis, err);
    a = find_listener(out, n, "127.0.0.1");
    test_cond("fake: missing /proc still lists listeners",
              n == (f->have6 ? 2 : 1) && a != NULL);
    test_cond("fake: missing /proc names nobody, visibility none",
              a != NULL && a->owner.pid == -1 && vis == MCPD_VIS_NONE);

    unsetenv("MCPD_PROC_ROOT");
    /* Let a non-root remover back into the 000 directory first. */
    snprintf(path, sizeof(path), "%s/4244/fd", fake_root);
    chmod(path, 0755);
    nftw(fake_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    close_sock(&cli);
}

/*
 * As root: a child that becomes nobody can no longer read our fd
 * tables, and must say PARTIAL. It keeps itself readable
 * (PR_SET_DUMPABLE) and holds the listeners through fork, so the one
 * holder it can see, itself, is the one it must name.
 */
static void
test_unprivileged(const struct fixture *f)
{
    pid_t child;
    int status;

    if (geteuid() != 0)
        return;
    fflush(stdout);
    child = fork();
    if (child < 0) {
        test_cond("unprivileged: fork", 0);
        return;
    }
    if (child == 0) {
        struct mcpd_listener out[MAXL];
        const struct mcpd_listener *a;
        enum mcpd_visibility vis = MCPD_VIS_NONE;
        char err[MCPD_ERR_LEN] = "";
        int n, bad = 0;

        if (setgroups(0, NULL) != 0 || setgid(65534) != 0 ||
            setuid(65534) != 0 || prctl(PR_SET_DUMPABLE, 1) != 0)
            _exit(3);
        n = mcpd_owner_listeners(f->p, out, MAXL, &vis, err);
        a = find_listener(out, n, "127.0.0.1");
        if (n != (f->have6 ? 2 : 1) || a == NULL)
            bad |= 4;
        if (vis != MCPD_VIS_PARTIAL)
            bad |= 8;
        if (a != NULL && a->owner.pid != (int32_t)getpid())
            bad |= 16;
        _exit(bad);
    }
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status)) {
        test_cond("unprivileged: child ran", 0);
        return;
    }
    if (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 3)
        printf("  child status %d\n", WEXITSTATUS(status));
    if (WEXITSTATUS(status) == 3) {
        /* A user namespace without uid 65534 mapped: nothing to test. */
        printf("note: could not become nobody: unprivileged case "
               "skipped\n");
        return;
    }
    test_cond("unprivileged: still sees every listener",
              (WEXITSTATUS(status) & 4) == 0);
    test_cond("unprivileged: says partial",
              (WEXITSTATUS(status) & 8) == 0);
    test_cond("unprivileged: names the holder it can see",
              (WEXITSTATUS(status) & 16) == 0);
}

static void
test_username(void)
{
    char buf[32];
    struct passwd *pw;

    pw = getpwuid(0);
    mcpd_owner_username(0, buf, sizeof(buf));
    test_cond("username: uid 0",
              strcmp(buf, pw != NULL ? pw->pw_name : "0") == 0);
    /* A name that does not fit is given as the number, never cut. */
    mcpd_owner_username(0, buf, 3);
    test_cond("username: too small a buffer gives the number",
              strcmp(buf, "0") == 0);
    if (getpwuid(4000000000u) == NULL) {
        mcpd_owner_username(4000000000u, buf, sizeof(buf));
        test_cond("username: unknown uid gives the number",
                  strcmp(buf, "4000000000") == 0);
    }
}

/* Our comm and user name, read without the code under test. */
static int
read_self(void)
{
    struct passwd *pw;
    FILE *fp;

    fp = fopen("/proc/self/comm", "r");
    if (fp == NULL || fgets(self_comm, sizeof(self_comm), fp) == NULL) {
        if (fp != NULL)
            fclose(fp);
        return -1;
    }
    fclose(fp);
    self_comm[strcspn(self_comm, "\n")] = '\0';
    pw = getpwuid(geteuid());
    if (pw != NULL)
        snprintf(self_user, sizeof(self_user), "%s", pw->pw_name);
    else
        snprintf(self_user, sizeof(self_user), "%u",
                 (unsigned)geteuid());
    return 0;
}

int
main(void)
{
    struct fixture f;
    int nl;

    /* A sandbox without sock_diag cannot run these: skip, loudly. */
    nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (nl < 0) {
        printf("skip: no NETLINK_SOCK_DIAG here (%s)\n", strerror(errno));
        return 77;
    }
    close(nl);
    if (read_self() != 0 || fixture_up(&f) != 0) {
        printf("FAIL setting up sockets: %s\n", strerror(errno));
        return 1;
    }
    test_listeners(&f);
    test_counts(&f);
    test_closed(&f);
    test_queue_and_lookup(&f);
    test_fake_proc(&f);
    test_unprivileged(&f);
    test_username();
    fixture_down(&f);

    return test_report();
}

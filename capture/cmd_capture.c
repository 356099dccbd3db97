/* \summary: `mcpdiag capture`: watch a failing connect live, name the
 * processes, keep the evidence */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "capture.h"
#include "cli.h"
#include "kcorrelate.h"
#include "live.h"
#include "platform.h"
#include "proxyenv.h"
#include "report.h"
#include "sanitize.h"
#include "target.h"

enum {
    OPT_JSON = 256, OPT_JSONL, OPT_PASSIVE, OPT_DURATION, OPT_SYN_TIMEOUT,
    OPT_TIMEOUT, OPT_NO_COLOR, OPT_NO_WITNESS,
};

/* A line for stderr. What it quotes (COMMAND, paths, a library's or
 * the kernel's words) goes through the text sanitiser, newlines kept. */
static void errmsg(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void
errmsg(const char *fmt, ...)
{
    char buf[1024], *safe;
    size_t n;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    safe = mcpd_text_escape_block(buf, strlen(buf), &n);
    fputs("mcpdiag: ", stderr);
    fputs(safe ? safe : "(a message was lost: out of memory)\n", stderr);
    free(safe);
}

static const struct mcpd_option capture_options[] = {
    { "interface", 'i', "IFACE",
      "capture on IFACE (default: the loopback; 'any' for all)" },
    { "write", 'w', "FILE", "also write the packets to FILE (pcap, 0600)" },
    { "snaplen", 's', "BYTES",
      "bytes kept of each packet (default 4096; 0: all)" },
    { "json", OPT_JSON, NULL, "one JSON document on stdout at the end" },
    { "jsonl", OPT_JSONL, NULL,
      "one JSON object per connection as it ends, then a summary" },
    { "passive", OPT_PASSIVE, NULL,
      "no stimulus: watch until --duration or Ctrl-C" },
    { "duration", OPT_DURATION, "SECONDS", "stop after SECONDS" },
    { "syn-timeout", OPT_SYN_TIMEOUT, "SECONDS",
      "silence after a SYN that prints TIMEOUT (default 3)" },
    { "timeout", OPT_TIMEOUT, "SECONDS",
      "built-in probe: give up on a connect or answer (default 5)" },
    { "user", 'Z', "USER",
      "continue as USER after opening the capture (default: the sudo "
      "user)" },
    { "no-witness", OPT_NO_WITNESS, NULL,
      "do not read the kernel's tracepoints" },
    { "verbose", 'v', NULL, "more detail" },
    { "quiet", 'q', NULL, "only the verdict and the diagnosis" },
    { "no-color", OPT_NO_COLOR, NULL, "no colour (also when NO_COLOR is set)" },
    { "help", 'h', NULL, "this help" },
    { NULL, 0, NULL, NULL },
};

#define MAX_LISTENERS 32
#define KEV_RING 8192            /* recent kernel events kept */
#define KEV_WINDOW_NS (20LL * 1000000)   /* event-to-packet, by time */
#define KEV_REORDER_NS (300LL * 1000000) /* ring order slack across CPUs */
#define KEV_INDEX 16384          /* slots of the port-pair indexes */
#define LOOKUPS_PER_SECOND 50
#define GRACE_NS (500LL * 1000000)
#define CMD_SOCKETS 256          /* command's connections remembered */

struct capture {
    struct mcpd_target target;
    struct mcpd_report *rep;
    struct mcpd_flowtab *tab;
    struct mcpd_live live;
    FILE *live_out;          /* where verdict lines go as they happen */
    int color;
    int quiet;
    struct mcpd_listener listeners[MAX_LISTENERS];
    int nlisteners;
    enum mcpd_visibility vis;
    struct mcpd_proxy_env proxy;
    int64_t lookup_window;   /* second of the current lookup budget */
    int lookups;             /* lookups made in that second */
    uint64_t unattributed;   /* client sockets gone before the lookup */
    struct mcpd_witness *witness;   /* NULL: not available or disabled */
    struct mcpd_kevent *kev;        /* ring of recent kernel events */
    uint64_t nkev;                  /* events ever stored */
    /* Under a flood a connection must find its events without scanning
     * the ring: the last CONNECT and RST per port pair. */
    uint64_t conn_idx[KEV_INDEX];   /* event sequence + 1; 0 = empty */
    uint64_t rst_idx[KEV_INDEX];
    struct mcpd_fwwatch *fw;        /* firewall counters (root helper) */
    struct mcpd_fwrule moved[8];    /* rules whose counters moved */
    int nmoved;
    int64_t moved_at;               /* when `moved` was read, ns */
    long long overflows_base;       /* TcpExtListenOverflows at start */
    int32_t last_pid;               /* user_of_pid's one-entry cache */
    uint32_t last_uid;
    char last_user[32];
    /* -- COMMAND: follow its process tree, whatever the port. */
    pid_t cmd_pid;                  /* the command; 0: none */
    int cmd_env;                    /* proxy variables read from it */
    struct mcpd_endpoint ours[CMD_SOCKETS];  /* its client sockets */
    int nours;
    uint64_t healthy;               /* answered connections, cause ok */
};

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t child_exited;

static void
on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void
on_child(int sig)
{
    (void)sig;
    child_exited = 1;
}

static int64_t
now_ns(void)
{
    struct timespec ts;

    /* Packet timestamps are wall-clock time, so ticks must be too. */
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
capture_usage(FILE *out)
{
    fprintf(out,
            "usage: sudo mcpdiag capture [TARGET] [options] [-- COMMAND "
            "ARGS...]\n"
            "Capture loopback traffic for TARGET (default %s) while COMMAND "
            "runs\n(as the invoking user), or while the built-in probe "
            "connects, or\n(--passive) until --duration or Ctrl-C. Prints "
            "each connection's verdict\nas soon as it is known.\n\n",
            MCPD_TARGET_DEFAULT);
    mcpd_print_options(out, capture_options);
}

/* ---- attribution ---------------------------------------------------- */

static struct mcpd_proc *
proc_from_owner(const struct mcpd_owner *o, const char *how)
{
    struct mcpd_proc *p = calloc(1, sizeof(*p));

    if (p == NULL)
        return NULL;
    p->pid = o->pid;
    p->uid = o->uid;
    snprintf(p->command, sizeof(p->command), "%s", o->command);
    snprintf(p->user, sizeof(p->user), "%s", o->user);
    p->how = how;
    return p;
}

/* The listener that accepts connections to `srv`: exact address first,
 * then a wildcard of the same family (or a dual-stack [::]). */
static const struct mcpd_listener *
listener_for(const struct capture *c, const struct mcpd_endpoint *srv)
{
    static const uint8_t zero[16];
    const struct mcpd_listener *wild = NULL;
    int i;

    for (i = 0; i < c->nlisteners && i < MAX_LISTENERS; i++) {
        const struct mcpd_listener *l = &c->listeners[i];
        if (l->local.port != srv->port)
            continue;
        if (mcpd_ip_cmp(&l->local.ip, &srv->ip) == 0)
            return l;
        if (memcmp(l->local.ip.a, zero, 16) == 0 &&
            (l->local.ip.family == srv->ip.family ||
             (l->local.ip.family == 6 && l->v6only == 0)))
            wild = l;
    }
    return wild;
}

/* A new connection: name its client process while the socket exists. */
/* ---- following the command --------------------------------------- */

/* Is `pid` the command or a descendant? (Walks the parents.) */
static int
in_command_tree(const struct capture *c, long pid)
{
    int depth;

    for (depth = 0; depth < 64 && pid > 1; depth++) {
        if (pid == (long)c->cmd_pid)
            return 1;
        if ((pid = mcpd_plat_parent_pid(pid)) < 0)
            return 0;
    }
    return 0;
}

/*
 * The environment COMMAND starts with: ours, changed by a leading
 * `env [-i] [-u NAME] NAME=VALUE... PROGRAM` (the usual way to give a
 * client a proxy variable). Later changes (a shell's export) are read
 * from its environment (mcpd_plat_environ) while the command runs.
 */
static void
command_proxy_env(struct capture *c, char **argv)
{
    extern char **environ;
    char *block = NULL;
    size_t len = 0, cap = 0;
    char **a;
    int clear = 0;
    const char *base;

    if (argv == NULL || argv[0] == NULL)
        return;
    base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    if (strcmp(base, "env") != 0)
        return;
    for (a = argv + 1; *a && **a == '-'; a++) {
        if (strcmp(*a, "-i") == 0 || strcmp(*a, "-") == 0 ||
            strcmp(*a, "--ignore-environment") == 0)
            clear = 1;
        else if (strcmp(*a, "-u") == 0 && a[1])
            a++;     /* unsetting: the variable is simply not added */
    }
    {
        /* Ours (unless -i), then the assignments: a later NAME wins in
         * block_get's first-match only if it comes first, so put the
         * assignments first. */
        char **lists[2] = { a, clear ? NULL : environ };
        int l;
        for (l = 0; l < 2; l++) {
            char **v;
            for (v = lists[l]; v && *v; v++) {
                size_t n;
                if (l == 0 && strchr(*v, '=') == NULL)
                    break;       /* the program: assignments end */
                n = strlen(*v) + 1;
                if (len + n > cap) {
                    char *nb = realloc(block, (cap = (len + n) * 2));
                    if (nb == NULL) {
                        free(block);
                        return;
                    }
                    block = nb;
                }
                memcpy(block + len, *v, n);
                len += n;
            }
        }
    }
    if (block)
        mcpd_proxy_env_read_block(&c->proxy, &c->target, block, len);
    free(block);
}

static int
is_watched_port(const struct capture *c, uint16_t port)
{
    return port == c->target.port || mcpd_proxy_env_has_port(&c->proxy, port);
}

/*
 * With a command, the filter takes every TCP connection; keep the ones
 * to the target and proxy ports and the ones the command's process
 * tree made. Without one, the filter already chose.
 */
static int
flow_is_ours(const struct capture *c, const struct mcpd_flow *f)
{
    int i;

    if (c->cmd_pid == 0 || is_watched_port(c, f->srv.port))
        return 1;
    for (i = 0; i < c->nours && i < CMD_SOCKETS; i++)
        if (c->ours[i].port == f->cli.port &&
            mcpd_ip_cmp(&c->ours[i].ip, &f->cli.ip) == 0)
            return 1;
    /* The kernel witness names the caller of connect(), even one that
     * is gone by now: the command itself, or a descendant still alive. */
    return f->client_proc && f->client_proc->pid > 0 &&
           in_command_tree(c, f->client_proc->pid);
}

/* A new connection while a command runs: whose is it? Its process's
 * environment holds the proxy variables the command really used. */
static void
follow_new_flow(struct capture *c, struct mcpd_flow *f)
{
    struct mcpd_owner o;
    char err[MCPD_ERR_LEN];

    if (is_watched_port(c, f->srv.port) && c->cmd_env)
        return;
    if (mcpd_owner_lookup(&f->cli, &f->srv, &o, err) != 1 || o.pid <= 0 ||
        !in_command_tree(c, o.pid))
        return;
    if (!c->cmd_env &&
        mcpd_proxy_env_read_pid(&c->proxy, &c->target, o.pid) == 0)
        c->cmd_env = 1;
    if (!is_watched_port(c, f->srv.port))
        c->ours[c->nours++ % CMD_SOCKETS] = f->cli;
}

static void
on_new_flow(void *ctx, struct mcpd_flow *f)
{
    struct capture *c = ctx;
    const struct mcpd_listener *l = listener_for(c, &f->srv);
    struct mcpd_owner o;
    char err[MCPD_ERR_LEN];
    int64_t second = now_ns() / 1000000000;

    if (l && l->owner.pid > 0)
        f->server_proc = proc_from_owner(&l->owner, "listener");
    if (c->cmd_pid > 0)
        follow_new_flow(c, f);
    if (c->witness)
        return;     /* the kernel names every client, even short-lived */
    /* Under a flood, looking every socket up would cost more than the
     * capture itself: a budget per second, the rest counted. */
    if (second != c->lookup_window) {
        c->lookup_window = second;
        c->lookups = 0;
    }
    if (c->lookups++ >= LOOKUPS_PER_SECOND) {
        c->unattributed++;
        return;
    }
    if (mcpd_owner_lookup(&f->cli, &f->srv, &o, err) == 1 && o.pid > 0)
        f->client_proc = proc_from_owner(&o, "sock_diag");
    else
        c->unattributed++;
}

/* ---- kernel witness ------------------------------------------------- */

static unsigned
port_slot(uint16_t client_port, uint16_t server_port)
{
    return (((unsigned)client_port * 2654435761u) ^ server_port) %
           KEV_INDEX;
}

/* The event an index slot names, if it is still in the ring. */
static const struct mcpd_kevent *
indexed(const struct capture *c, uint64_t slot_value)
{
    uint64_t seq;

    if (slot_value == 0)
        return NULL;
    seq = slot_value - 1;
    if (seq >= c->nkev || c->nkev - seq > KEV_RING)
        return NULL;
    return &c->kev[seq % KEV_RING];
}

static void
on_kevent(void *ctx, const struct mcpd_kevent *ev)
{
    struct capture *c = ctx;

    if (c->kev == NULL)
        return;
    c->kev[c->nkev % KEV_RING] = *ev;
    if (ev->type == MCPD_KEV_RST)
        c->rst_idx[port_slot(ev->dst.port, ev->src.port)] = c->nkev + 1;
    /* A socket leaving SYN_SENT names its local port: give it to the
     * entering event of the same socket, which has the process. */
    if (ev->type == MCPD_KEV_CONNECT && ev->oldstate == 2 && ev->src.port) {
        uint64_t i, n = c->nkev < KEV_RING ? c->nkev : KEV_RING;
        for (i = 1; i <= n; i++) {
            struct mcpd_kevent *e = &c->kev[(c->nkev - i) % KEV_RING];
            if (e->type == MCPD_KEV_CONNECT && e->newstate == 2 &&
                e->sk == ev->sk && e->src.port == 0) {
                e->src = ev->src;
                c->conn_idx[port_slot(e->src.port, e->dst.port)] =
                    c->nkev - i + 1;
                break;
            }
            if (i > 64)
                break;  /* the pair is near: connect() just returned */
        }
    }
    c->nkev++;
}

static int
same_ep(const struct mcpd_endpoint *a, const struct mcpd_endpoint *b)
{
    return a->port == b->port && mcpd_ip_cmp(&a->ip, &b->ip) == 0;
}

static int64_t
absdiff(int64_t a, int64_t b)
{
    return a > b ? a - b : b - a;
}

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
 * The user of a process, while it exists (mcpd_plat_pid_uid). One
 * client usually makes many connections: remember the last answer.
 */
static void
user_of_pid(struct capture *c, int32_t pid, struct mcpd_owner *o)
{
    uint32_t uid;

    if (pid == c->last_pid) {
        o->uid = c->last_uid;
        snprintf(o->user, sizeof(o->user), "%s", c->last_user);
        return;
    }
    if (mcpd_plat_pid_uid(pid, &uid) != 0)
        return;
    o->uid = uid;
    mcpd_owner_username(uid, o->user, sizeof(o->user));
    c->last_pid = pid;
    c->last_uid = uid;
    snprintf(c->last_user, sizeof(c->last_user), "%s", o->user);
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
 * What the kernel said about this connection: the process that called
 * connect() (by 4-tuple, or by destination and time while the local port
 * was not yet bound), who sent a server-side RST, and the drops of its
 * SYNs. Read the rings first so events already in the kernel count.
 */
static void
witness_correlate(struct capture *c, struct mcpd_flow *f)
{
    uint64_t i, n;
    int64_t syn[MCPD_LADDER_STEPS];
    int nsyn, s;
    const struct mcpd_kevent *by_time = NULL, *by_tuple = NULL, *rst = NULL;
    struct mcpd_kernel *k;

    if (c->witness == NULL)
        return;
    mcpd_witness_poll(c->witness, on_kevent, c);
    k = kernel_of(f);
    if (k == NULL)
        return;
    {
        const struct mcpd_kevent *e;
        e = indexed(c, c->conn_idx[port_slot(f->cli.port, f->srv.port)]);
        if (e && same_ep(&e->dst, &f->srv) && e->src.port == f->cli.port &&
            absdiff(e->ts_ns, f->t_first) < 1000000000LL)
            by_tuple = e;
        e = indexed(c, c->rst_idx[port_slot(f->cli.port, f->srv.port)]);
        if (e && same_ep(&e->src, &f->srv) && same_ep(&e->dst, &f->cli) &&
            e->ts_ns >= f->t_first - KEV_WINDOW_NS)
            rst = e;
    }
    /* Connect events whose port is not known yet, and the drops of SYNs
     * nobody answered, are found by time. The ring holds each CPU's
     * events in turn, so it is in time order only to within a read
     * interval: scan back that much further than the connection's
     * start. A connection that got a SYN-ACK or RST needs no search. */
    n = c->nkev < KEV_RING ? c->nkev : KEV_RING;
    nsyn = syn_times(f, syn, MCPD_LADDER_STEPS);
    if (by_tuple && (f->bits & (MCPD_F_SYNACK | MCPD_F_SRV_RST)))
        n = 0;
    for (i = 1; i <= n; i++) {
        const struct mcpd_kevent *e = &c->kev[(c->nkev - i) % KEV_RING];
        if (e->ts_ns < f->t_first - KEV_REORDER_NS)
            break;      /* older than the connection: stop looking */
        if (e->ts_ns > f->t_last + KEV_WINDOW_NS)
            continue;
        switch (e->type) {
        case MCPD_KEV_CONNECT:
            if (by_tuple || e->newstate != 2 || e->src.port != 0 ||
                !same_ep(&e->dst, &f->srv))
                break;
            if (absdiff(e->ts_ns, f->t_first) < KEV_WINDOW_NS)
                by_time = e;
            break;
        case MCPD_KEV_RST:
            break;
        case MCPD_KEV_DROP:
            for (s = 0; s < nsyn; s++) {
                int d;
                /* A loopback SYN is dropped on its way in, after the tap
                 * saw it leave; under load softirq work can lag by
                 * milliseconds. SYNs are a second or more apart. */
                if (e->ts_ns < syn[s] - 1000000 ||
                    e->ts_ns - syn[s] > KEV_WINDOW_NS * 2)
                    continue;
                for (d = 0; d < k->ndrops; d++)
                    if (strcmp(k->drops[d].reason, e->reason) == 0)
                        break;
                if (d == k->ndrops && d < MCPD_KDROPS) {
                    snprintf(k->drops[d].reason, sizeof(k->drops[d].reason),
                             "%s", e->reason);
                    k->ndrops++;
                }
                if (d < MCPD_KDROPS)
                    k->drops[d].count++;
                k->drops_matched_by = "time";
                break;
            }
            break;
        }
    }
    if (by_tuple || by_time) {
        const struct mcpd_kevent *e = by_tuple ? by_tuple : by_time;
        struct mcpd_owner o;
        memset(&o, 0, sizeof(o));
        o.pid = e->pid;
        snprintf(o.command, sizeof(o.command), "%s", e->comm);
        if (f->client_proc == NULL || f->client_proc->pid != e->pid) {
            free(f->client_proc);
            user_of_pid(c, e->pid, &o);
            f->client_proc = proc_from_owner(&o, "kernel");
        }
        k->client_matched_by = by_tuple ? "tuple" : "time";
    }
    /* Unanswered SYNs while the listen-overflow counter rose: the
     * accept queue was full. */
    if (f->verdict == MCPD_V_TIMEOUT || (!(f->bits & MCPD_F_SYNACK) &&
                                        !(f->bits & MCPD_F_SRV_RST))) {
        long long now_lo = listen_overflows();
        if (c->overflows_base >= 0 && now_lo > c->overflows_base &&
            k->ndrops < MCPD_KDROPS) {
            snprintf(k->drops[k->ndrops].reason,
                     sizeof(k->drops[k->ndrops].reason),
                     "TCP_LISTEN_OVERFLOW");
            k->drops[k->ndrops].count = (uint32_t)(now_lo -
                                                   c->overflows_base);
            k->ndrops++;
            if (k->drops_matched_by == NULL)
                k->drops_matched_by = "counter";
        }
    }
    /* A firewall at work: name the rule whose counter moved. Asked of
     * the root helper at most every 200 ms. An unanswered connection
     * asks too: its drop events may all have run late (see below). */
    if (c->fw && (k->ndrops || unanswered(f) ||
                  (f->bits & (MCPD_F_SRV_RST | MCPD_F_ICMP)))) {
        int64_t now = now_ns();
        int r;
        if (now - c->moved_at > 200000000LL) {
            c->nmoved = mcpd_fwwatch_moved(c->fw, c->moved, 8);
            c->moved_at = now;
        }
        for (r = 0; r < c->nmoved; r++)
            if (c->moved[r].verdict) {
                snprintf(k->rule, sizeof(k->rule), "%s (+%llu packets)",
                         c->moved[r].text,
                         (unsigned long long)c->moved[r].packets);
                if (unanswered(f))
                    mcpd_kernel_count_rule_drops(k, c->moved[r].text,
                                                 c->moved[r].packets, nsyn);
                break;
            }
    }
    /* "Not from the host" is a conclusion from absence: only when no
     * event was lost can the absence be trusted. */
    if ((f->bits & MCPD_F_SRV_RST) &&
        (rst || mcpd_witness_lost(c->witness) == 0)) {
        snprintf(k->rst_origin, sizeof(k->rst_origin), rst ? "host"
                                                           : "other");
        if (rst) {
            snprintf(k->rst_reason, sizeof(k->rst_reason), "%s",
                     rst->reason);
            k->rst_matched_by = "tuple";
        }
    }
}

/* ---- live verdict lines -------------------------------------------- */

static void
live_proc(FILE *out, const char *side, const struct mcpd_proc *p)
{
    fprintf(out, "  %s: pid %d ", side, p->pid);
    mcpd_text_fputs(p->command, out);
    fputs(" (", out);
    mcpd_text_fputs(p->user, out);
    fputs(")", out);
}

static void
print_line(struct capture *c, const struct mcpd_flow *f,
           enum mcpd_verdict v)
{
    char cli[64], srv[64];
    int ok = mcpd_verdict_ok(v);

    if (c->quiet || c->live_out == NULL)
        return;
    mcpd_endpoint_str(&f->cli, cli, sizeof(cli));
    mcpd_endpoint_str(&f->srv, srv, sizeof(srv));
    fprintf(c->live_out, "%s%-11s%s %s -> %s", c->color ?
            (ok ? "\033[32m" : "\033[31m") : "", mcpd_verdict_name(v),
            c->color ? "\033[0m" : "", cli, srv);
    if (v == MCPD_V_UNREACHABLE)
        fprintf(c->live_out, "  ICMP %s",
                mcpd_icmp_name(f->icmp_from.family, f->icmp_type,
                               f->icmp_code));
    if (v == MCPD_V_TIMEOUT)
        fprintf(c->live_out, "  %u SYN%s, no answer", f->syn_count,
                f->syn_count == 1 ? "" : "s");
    if (v == MCPD_V_RESET)
        fprintf(c->live_out, "  reset by %s",
                (f->bits & MCPD_F_SRV_RST) ? "server" : "client");
    /* Process names are the process's own choice (prctl). */
    if (f->client_proc)
        live_proc(c->live_out, "client", f->client_proc);
    if (f->server_proc)
        live_proc(c->live_out, "server", f->server_proc);
    if (f->kernel && f->kernel->rst_origin[0])
        fprintf(c->live_out, "  kernel: %s",
                strcmp(f->kernel->rst_origin, "host") == 0
                    ? "the host's TCP stack sent the RST"
                    : "the RST did not come from the host's TCP stack "
                      "(a firewall rule)");
    if (f->kernel && f->kernel->rst_reason[0]) {
        fputs(" (", c->live_out);
        mcpd_text_fputs(f->kernel->rst_reason, c->live_out);
        fputs(")", c->live_out);
    }
    if (f->kernel && f->kernel->rule[0]) {
        fputs("  rule: ", c->live_out);
        mcpd_text_fputs(f->kernel->rule, c->live_out);
    }
    if (f->kernel && f->kernel->ndrops && !f->kernel->rst_origin[0])
        fprintf(c->live_out, "  kernel: %u packet%s dropped (%s)",
                f->kernel->drops[0].count,
                f->kernel->drops[0].count == 1 ? "" : "s",
                f->kernel->drops[0].reason);
    fputc('\n', c->live_out);
    fflush(c->live_out);
}

static void
on_early(void *ctx, struct mcpd_flow *f, enum mcpd_verdict v)
{
    witness_correlate(ctx, f);
    if (!flow_is_ours(ctx, f))
        return;
    print_line(ctx, f, v);
}

static void
on_final(void *ctx, struct mcpd_flow *f, enum mcpd_emit_why why)
{
    struct capture *c = ctx;

    /* The kernel's word, now that the record is final (again if it was
     * announced early: later SYNs may have been dropped since). */
    free(f->kernel);
    f->kernel = NULL;
    witness_correlate(c, f);
    if (!flow_is_ours(c, f))
        return;     /* another program's connection (following a command) */
    if ((mcpd_verdict_ok((enum mcpd_verdict)f->verdict) ||
         mcpd_flow_abortive_close(f)) && mcpd_flow_server_bytes(f) > 0 &&
        mcpd_flow_cause(f, 1) == MCPD_C_OK)
        c->healthy++;
    if (!f->announced)
        print_line(c, f, (enum mcpd_verdict)f->verdict);
    mcpd_report_flow(c->rep, f, why);
}

/* ---- stimulus ---------------------------------------------------------- */

/*
 * The built-in probe, run in the child as the user: connect to every
 * address of the target and send an MCP initialize, so the capture sees
 * the same conversation a client would start.
 */
static int
builtin_probe(const struct mcpd_target *t, int timeout_s)
{
    struct addrinfo hints, *res, *ai;
    char port[8], req[1024], buf[512];
    struct timeval tv = { timeout_s, 0 };
    int failures = 0;

    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    snprintf(port, sizeof(port), "%u", t->port);
    if (getaddrinfo(t->host, port, &hints, &res) != 0)
        return 2;
    for (ai = res; ai; ai = ai->ai_next) {
        static const char body[] =
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
            "\"params\":{\"protocolVersion\":\"2025-06-18\","
            "\"capabilities\":{},\"clientInfo\":{\"name\":\"mcpdiag\","
            "\"version\":\"" MCPD_VERSION "\"}}}";
        int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), n;
        if (fd < 0)
            continue;
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            failures++;
            close(fd);
            continue;
        }
        n = snprintf(req, sizeof(req),
                     "POST %s HTTP/1.1\r\nHost: %s:%u\r\n"
                     "Content-Type: application/json\r\n"
                     "Accept: application/json, text/event-stream\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                     t->path, t->host, t->port, sizeof(body) - 1, body);
        if (n > 0 && n < (int)sizeof(req) &&
            write(fd, req, (size_t)n) == n)
            while (read(fd, buf, sizeof(buf)) > 0)
                ;
        close(fd);
    }
    freeaddrinfo(res);
    return failures ? 1 : 0;
}

/*
 * Start the stimulus in a child that runs as the user: COMMAND (its
 * stdout sent to stderr when ours carries JSON), or the built-in probe.
 * The child keeps descriptors 0-2 only. A COMMAND that cannot be run
 * sends its errno up a close-on-exec pipe (which a successful exec
 * closes): returns -1 with *exec_errno set, the child reaped.
 */
static pid_t
start_child(char **argv, const struct mcpd_target *t, int timeout_s,
            int stdout_to_stderr, int *exec_errno)
{
    int st[2], e = 0;
    ssize_t n;
    pid_t pid;

    *exec_errno = 0;
    if (pipe2(st, O_CLOEXEC) != 0)
        return -1;
    pid = fork();
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGCHLD, SIG_DFL);
        if (stdout_to_stderr)
            dup2(STDERR_FILENO, STDOUT_FILENO);
        /* Nothing of ours reaches COMMAND: not the capture socket, not
         * the helper's pipes, not the tracepoints. */
        mcpd_close_fds_except(&st[1], 1);
        if (argv == NULL) {
            close(st[1]);
            _exit(builtin_probe(t, timeout_s));
        }
        execvp(argv[0], argv);
        e = errno;
        /* The parent reads why; without it, it still sees status 127. */
        if (write(st[1], &e, sizeof(e)) < 0)
            _exit(127);
        _exit(127);
    }
    e = errno;
    close(st[1]);
    if (pid < 0) {
        close(st[0]);
        errno = e;
        return -1;
    }
    while ((n = read(st[0], &e, sizeof(e))) < 0 && errno == EINTR)
        ;
    if (n == (ssize_t)sizeof(e)) {
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        *exec_errno = e ? e : ENOEXEC;
        pid = -1;
    }
    close(st[0]);
    return pid;
}

/* ---- the command ---------------------------------------------------- */

static int
parse_seconds(const char *opt, const char *arg, int *out)
{
    unsigned long long v;

    if (mcpd_parse_uint(arg, 1, 86400, &v) != 0)
        return mcpd_usage_error("%s wants seconds 1-86400, not '%s'", opt,
                                arg);
    *out = (int)v;
    return 0;
}

/* The BPF filter: the target port, the proxy ports, ICMP errors; with a
 * command, every TCP connection (its own are picked by process). */
static void
build_filter(const struct capture *c, char *buf, size_t len)
{
    size_t at;
    int i;

    if (c->cmd_pid) {
        snprintf(buf, len, "tcp or icmp or icmp6");
        return;
    }
    at = (size_t)snprintf(buf, len, "tcp port %u", c->target.port);
    for (i = 0; i < c->proxy.nports && at < len; i++)
        if (c->proxy.ports[i] != c->target.port)
            at += (size_t)snprintf(buf + at, len - at, " or tcp port %u",
                                   c->proxy.ports[i]);
    if (at < len)
        snprintf(buf + at, len - at, " or icmp or icmp6");
}

/*
 * Connections that went to a proxy instead of the target, and proxies
 * that did not answer: the causes only the environment can explain.
 */
static void
proxy_findings(struct capture *c)
{
    const struct mcpd_report *r = c->rep;
    uint64_t to_target = 0, to_proxy = 0, proxy_failed = 0;
    const struct mcpd_flow *answered = NULL;   /* the proxy's HTTP error */
    char summary[512], fix0[256], fix1[256];
    const char *fixes[3];
    uint32_t i;

    if (c->proxy.nports == 0)
        return;
    for (i = 0; i < r->nservers; i++) {
        const struct mcpd_server *s = &r->servers[i];
        uint64_t bad = s->total - s->verdicts[MCPD_V_CLOSED] -
                       s->verdicts[MCPD_V_ESTABLISHED];
        if (s->ep.port == c->target.port)
            to_target += s->total;
        else if (mcpd_proxy_env_has_port(&c->proxy, s->ep.port)) {
            int k;
            to_proxy += s->total;
            proxy_failed += bad;
            for (k = 0; k < MCPD_C_COUNT && answered == NULL; k++)
                if (s->example[k] && s->example[k]->http_status >= 400 &&
                    s->example[k]->srv_sniff == MCPD_SNIFF_HTTP_RESP)
                    answered = s->example[k];
        }
    }
    if (to_proxy == 0)
        return;
    snprintf(fix0, sizeof(fix0),
             "export NO_PROXY=localhost,127.0.0.1,::1 "
             "no_proxy=localhost,127.0.0.1,::1   # both cases: clients "
             "read one or the other");
    snprintf(fix1, sizeof(fix1), "or unset %s for the client",
             c->proxy.var);
    fixes[0] = fix0;
    fixes[1] = fix1;
    if (answered) {
        /* The proxy answered: its status is the evidence, not silence. */
        snprintf(summary, sizeof(summary),
                 "the client went to the proxy %.160s (from %s), and the "
                 "proxy answered %.32s with HTTP %u instead of forwarding "
                 "it to %.100s:%u", c->proxy.hostport, c->proxy.var,
                 answered->http_req[0] ? answered->http_req : "the request",
                 answered->http_status, c->target.host, c->target.port);
        mcpd_report_add_finding(c->rep, MCPD_C_PROXY_IN_PATH, to_proxy,
                                summary, fixes, 2);
    } else if (proxy_failed) {
        snprintf(summary, sizeof(summary),
                 "the client went to the proxy %.200s (from %s) and the proxy "
                 "did not answer%s", c->proxy.hostport, c->proxy.var,
                 to_target ? "" : "; it never connected to the server");
        mcpd_report_add_finding(c->rep, MCPD_C_PROXY_UNREACHABLE,
                                proxy_failed, summary, fixes, 2);
    } else if (to_target == 0) {
        snprintf(summary, sizeof(summary),
                 "the client sent its request to the proxy %.120s (from "
                 "%s) instead of connecting to %.120s:%u itself",
                 c->proxy.hostport, c->proxy.var, c->target.host,
                 c->target.port);
        mcpd_report_add_finding(c->rep, MCPD_C_PROXY_IN_PATH, to_proxy,
                                summary, fixes, 2);
    }
}

int
mcpd_cmd_capture(int argc, char **argv)
{
    struct capture c;
    struct mcpd_report_opts ropts;
    struct mcpd_flow_config fcfg;
    struct mcpd_input_info info;
    struct mcpd_user user;
    struct option longopts[32];
    struct sigaction sa;
    char err[MCPD_ERR_LEN], filter[512];
    const char *iface = NULL, *wfile = NULL, *zuser = NULL;
    const char *target_text = NULL;
    char **cmd_argv = NULL;
    int opt, passive = 0, duration = 0, syn_timeout = 3, timeout = 5;
    int no_color = 0, wfd = -1, status, child_status = -1, live_err;
    int no_witness = 0, snaplen = MCPD_LIVE_SNAPLEN, cmd_done = 0;
    int64_t end_at = 0, last_flush;
    pid_t child = 0;
    uint64_t recv = 0, drop = 0, ifdrop = 0;

    memset(&c, 0, sizeof(c));
    memset(&ropts, 0, sizeof(ropts));
    ropts.command = "capture";
    ropts.flush = 1;
    mcpd_build_longopts(capture_options, longopts, 32);
    optind = 1;
    opterr = 0;
    /* '+': stop at the first non-option so COMMAND keeps its own flags. */
    for (;;) {
        while ((opt = getopt_long(argc, argv, "+:i:w:s:Z:vqh", longopts,
                                  NULL)) != -1) {
            switch (opt) {
            case 'i': iface = optarg; break;
            case 'w': wfile = optarg; break;
            case 's': {
                unsigned long long v;
                if (strcmp(optarg, "0") == 0) {
                    snaplen = 0;
                    break;
                }
                if (mcpd_parse_uint(optarg, 128, 262144, &v) != 0)
                    return mcpd_usage_error("-s wants 0 or 128-262144 "
                                            "bytes, not '%s'", optarg);
                snaplen = (int)v;
                break;
            }
            case 'Z': zuser = optarg; break;
            case OPT_JSON: ropts.format = MCPD_FMT_JSON; break;
            case OPT_JSONL: ropts.format = MCPD_FMT_JSONL; break;
            case OPT_PASSIVE: passive = 1; break;
            case OPT_DURATION:
                if (parse_seconds("--duration", optarg, &duration))
                    return MCPD_EXIT_USAGE;
                break;
            case OPT_SYN_TIMEOUT:
                if (parse_seconds("--syn-timeout", optarg, &syn_timeout))
                    return MCPD_EXIT_USAGE;
                break;
            case OPT_TIMEOUT:
                if (parse_seconds("--timeout", optarg, &timeout))
                    return MCPD_EXIT_USAGE;
                break;
            case 'v': ropts.verbose = 1; break;
            case 'q': ropts.quiet = 1; c.quiet = 1; break;
            case OPT_NO_COLOR: no_color = 1; break;
            case OPT_NO_WITNESS: no_witness = 1; break;
            case 'h':
                capture_usage(stdout);
                return MCPD_EXIT_OK;
            case ':':
                return mcpd_usage_error("%s needs a value (see 'mcpdiag "
                                        "capture --help')",
                                        argv[optind - 1]);
            default:
                return mcpd_usage_error("unknown option '%s' (see "
                                        "'mcpdiag capture --help')",
                                        argv[optind - 1]);
            }
        }
        if (optind >= argc)
            break;
        /* '+' stops at "--" (consumed) or at a word: the TARGET. */
        if (strcmp(argv[optind - 1], "--") == 0) {
            cmd_argv = &argv[optind];
            break;
        }
        if (target_text)
            return mcpd_usage_error("unexpected '%s': put the client "
                                    "command after '--'", argv[optind]);
        target_text = argv[optind++];
    }
    if (cmd_argv && passive)
        return mcpd_usage_error("--passive and a COMMAND exclude each "
                                "other");
    if (mcpd_target_parse(target_text, &c.target, err) != 0)
        return mcpd_usage_error("target: %s", err);
    if (mcpd_user_resolve(zuser, &user, err, sizeof(err)) != 0) {
        errmsg("%s\n", err);
        return MCPD_EXIT_USAGE;
    }
    mcpd_proxy_env_read(&c.proxy, &c.target);
    if (cmd_argv) {
        c.cmd_pid = -1;     /* follow it: its pid comes with the fork */
        command_proxy_env(&c, cmd_argv);
    }

    /* Everything that needs root happens here, before the drop. */
    build_filter(&c, filter, sizeof(filter));
    if (iface == NULL)
        iface = mcpd_default_iface();
    if (iface == NULL) {
        errmsg("this platform names no default "
               "interface: give one with -i\n");
        return MCPD_EXIT_CANNOT_RUN;
    }
    live_err = mcpd_live_open(&c.live, iface, filter, snaplen, err,
                              sizeof(err));
    if (live_err != MCPD_LIVE_OK) {
        errmsg("%s\n", err);
        return MCPD_EXIT_CANNOT_RUN;
    }
    if (wfile) {
        wfd = mcpd_create_output(wfile, &user, err, sizeof(err));
        if (wfd < 0 || mcpd_live_write_to(&c.live, wfd, err,
                                          sizeof(err)) != 0) {
            errmsg("%s\n", err);
            mcpd_live_close(&c.live);
            return MCPD_EXIT_CANNOT_RUN;
        }
    }
    c.nlisteners = mcpd_owner_listeners(c.target.port, c.listeners,
                                        MAX_LISTENERS, &c.vis, err);
    c.overflows_base = listen_overflows();
    if (!no_witness) {
        uint16_t ports[MCPD_PROXY_MAX_PORTS + 1];
        int np = 0, i;
        char werr[MCPD_ERR_LEN];
        ports[np++] = c.target.port;
        for (i = 0; i < c.proxy.nports; i++)
            ports[np++] = c.proxy.ports[i];
        c.kev = calloc(KEV_RING, sizeof(*c.kev));
        /* Following a command, its connect() to any port is evidence
         * (a wrong port above all): no port filter in the kernel. The
         * rule counters stay those of the target and proxy ports. */
        c.witness = c.kev ? mcpd_witness_open(ports, c.cmd_pid ? 0 : np,
                                              werr, sizeof(werr))
                          : NULL;
        if (c.witness == NULL && !ropts.quiet)
            errmsg("kernel witness unavailable: %s; "
                   "processes come from sock_diag only\n", werr);
        /* Rule counters: a helper keeps root only to run iptables-save
         * again; everything else gives root up. */
        if (c.witness)
            c.fw = mcpd_fwwatch_start(ports, np, werr, sizeof(werr));
    }
    if (c.nlisteners < 0)
        c.nlisteners = 0;
    if (mcpd_drop_privileges(&user, err, sizeof(err)) != 0) {
        errmsg("giving up privileges: %s\n", err);
        mcpd_live_close(&c.live);
        return MCPD_EXIT_CANNOT_RUN;
    }

    memset(&info, 0, sizeof(info));
    info.link_types[0] = pcap_datalink_val_to_name(c.live.dlt);
    info.nlink_types = 1;
    c.color = mcpd_use_color(stdout, no_color);
    ropts.color = c.color;
    ropts.utf8 = mcpd_use_utf8();
    c.live_out = ropts.format == MCPD_FMT_TEXT ? stdout : stderr;
    c.rep = mcpd_report_new(&ropts, stdout, &info);
    mcpd_flow_config_default(&fcfg);
    fcfg.seed = mcpd_random_seed();
    c.tab = c.rep ? mcpd_flowtab_new(&fcfg, on_final, &c) : NULL;
    if (c.tab == NULL) {
        errmsg("out of memory\n");
        mcpd_live_close(&c.live);
        return MCPD_EXIT_CANNOT_RUN;
    }
    c.live.tab = c.tab;
    mcpd_flowtab_set_early(c.tab, on_early, &c,
                           (int64_t)syn_timeout * 1000000000LL);
    mcpd_flowtab_set_new(c.tab, on_new_flow, &c);

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    /* Restart interrupted writes: a Ctrl-C while the report is being
     * written must not cut a record (the flag alone stops the work). */
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_child;
    sigaction(SIGCHLD, &sa, NULL);

    if (!ropts.quiet)
        fprintf(c.live_out, "mcpdiag capture on %s (%s), filter '%s'%s\n",
                iface, info.link_types[0], filter,
                passive ? ", passive" : "");
    if (!passive) {
        int exec_errno;
        fflush(NULL);
        child = start_child(cmd_argv, &c.target, timeout,
                            ropts.format != MCPD_FMT_TEXT, &exec_errno);
        if (child < 0 && exec_errno) {
            /* Nothing was run, so there is nothing to report. */
            errmsg("cannot run %s: %s\n", cmd_argv[0],
                   strerror(exec_errno));
            mcpd_live_close(&c.live);
            mcpd_witness_close(c.witness);
            mcpd_fwwatch_stop(c.fw);
            free(c.kev);
            mcpd_flowtab_free(c.tab);
            mcpd_report_free(c.rep);
            return MCPD_EXIT_CANNOT_RUN;
        }
        if (child < 0) {
            errmsg("fork: %s\n", strerror(errno));
            stop_requested = 1;
        } else if (cmd_argv) {
            c.cmd_pid = child;
        }
    }
    mcpd_report_begin(c.rep);
    if (duration)
        end_at = now_ns() + (int64_t)duration * 1000000000LL;
    last_flush = now_ns();

    while (!stop_requested) {
        struct pollfd pfd = { mcpd_live_fd(&c.live), POLLIN, 0 };
        int64_t now;

        poll(&pfd, 1, 100);
        if (c.witness)
            mcpd_witness_poll(c.witness, on_kevent, &c);
        if (mcpd_live_drain(&c.live, err, sizeof(err)) < 0) {
            errmsg("capture: %s\n", err);
            break;
        }
        now = now_ns();
        mcpd_flow_early_scan(c.tab, now);
        if (now - last_flush > 1000000000LL) {
            mcpd_live_flush(&c.live);
            last_flush = now;
        }
        /* The command's own proxy variables (after its exec), until a
         * connection of its tree names the process that used them. */
        if (c.cmd_pid > 0 && child > 0 && !c.cmd_env)
            mcpd_proxy_env_read_pid(&c.proxy, &c.target, child);
        if (child > 0 && child_exited) {
            child_exited = 0;
            if (waitpid(child, &child_status, WNOHANG) == child) {
                child = 0;
                cmd_done = 1;
                end_at = now + GRACE_NS;
            }
        }
        if (end_at && now >= end_at)
            break;
    }
    /* Whatever is still in the kernel's buffer belongs to the report. */
    mcpd_live_drain(&c.live, err, sizeof(err));
    if (child > 0) {
        /* Stopped by a signal or --duration: the command goes too. */
        kill(child, SIGTERM);
        waitpid(child, &child_status, 0);
    }
    mcpd_live_stats(&c.live, &recv, &drop, &ifdrop);
    mcpd_live_close(&c.live);    /* finishes the -w file */
    mcpd_flow_flush(c.tab);
    mcpd_flow_set_kernel_stats(c.tab, recv, drop, ifdrop);
    proxy_findings(&c);
    if (!ropts.quiet) {
        fflush(stdout);
        if (cmd_argv && child_status >= 0 && WIFEXITED(child_status))
            errmsg("%s exited with status %d\n",
                   cmd_argv[0], WEXITSTATUS(child_status));
        else if (cmd_argv && child_status >= 0 && WIFSIGNALED(child_status))
            errmsg("%s was killed by signal %d\n",
                   cmd_argv[0], WTERMSIG(child_status));
    }
    status = mcpd_report_finish(c.rep, mcpd_flow_stats(c.tab));
    /* A command that failed, or that had no answered connection, is a
     * problem even when every connection seen looks healthy. */
    if (cmd_argv && cmd_done && status == 0 &&
        !(WIFEXITED(child_status) && WEXITSTATUS(child_status) == 0)) {
        status = 1;
        errmsg("exit 1: %s failed%s\n", cmd_argv[0],
               c.rep->emitted ? ", though the connections seen look "
                                "healthy" : " and made no TCP connection");
    } else if (cmd_argv && status == 0 && c.healthy == 0) {
        status = 1;
        errmsg("exit 1: %s had no answered connection "
               "(no healthy exchange seen)\n", cmd_argv[0]);
    }
    if (!ropts.quiet) {
        if (c.unattributed && ropts.verbose)
            errmsg("%llu client sockets were gone before "
                   "their process could be looked up\n",
                   (unsigned long long)c.unattributed);
        if (wfile)
            errmsg("packets written to %s\n", wfile);
    }
    if (drop || ifdrop)
        errmsg("warning: the kernel dropped %llu packets "
               "(%llu at the interface): verdicts may be incomplete\n",
               (unsigned long long)drop, (unsigned long long)ifdrop);
    if (stop_requested && !ropts.quiet)
        errmsg("stopped; the report covers everything "
               "captured\n");
    if (c.witness && mcpd_witness_lost(c.witness))
        errmsg("warning: %llu kernel events were lost "
               "(ring full)\n",
               (unsigned long long)mcpd_witness_lost(c.witness));
    mcpd_witness_close(c.witness);
    mcpd_fwwatch_stop(c.fw);
    free(c.kev);
    mcpd_flowtab_free(c.tab);
    mcpd_report_free(c.rep);
    return status;
}

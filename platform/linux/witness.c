/* \summary: the kernel witness on Linux: tracepoints read with
 * perf_event_open, field offsets and reason names from tracefs */

#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "platform.h"

#define RING_PAGES 64            /* data pages per CPU (power of two) */
#define MAX_REASONS 256
#define MAX_PIDS 4096

/* Where a field sits in the tracepoint's raw record (from `format`). */
struct field {
    int offset, size;            /* -1 when the kernel lacks the field */
};

/* One tracepoint: its id, the fields we read, its reason names. */
struct tracepoint {
    const char *path;            /* "sock/inet_sock_set_state" */
    int id;
    struct field f[10];
    char *reasons[MAX_REASONS];  /* index = enum value */
};

enum { TP_STATE, TP_RST, TP_DROP, TP_COUNT };

/* Field slots per tracepoint. */
enum { F_SKADDR, F_OLD, F_NEW, F_SPORT, F_DPORT, F_FAMILY, F_SADDR,
       F_DADDR, F_SADDR4, F_DADDR4 };
enum { R_SADDR = 0, R_DADDR, R_REASON };
enum { D_REASON = 0, D_PROTO };

struct cpu_ring {
    void *base;                  /* mmap: metadata page + data */
    size_t data_size;
    uint64_t head;               /* data_head when this poll began */
    int fds[TP_COUNT];
};

/* A process's two latest names with when they were taken (monotonic
 * ns): a connect is named by the name it had at that moment. */
struct pid_comm {
    int32_t pid;
    char comm[16];
    int64_t t;
    char prev[16];           /* the name before, "" when none known */
    int64_t prev_t;
};

struct mcpd_witness {
    struct tracepoint tp[TP_COUNT];
    int64_t mono_to_real;        /* CLOCK_REALTIME - CLOCK_MONOTONIC, ns */
    struct cpu_ring *rings;
    int ncpu;
    size_t page;
    uint64_t lost;
    struct pid_comm comms[MAX_PIDS];   /* from PERF_RECORD_COMM */
    unsigned ncomms;
    char *scratch;               /* a record that wraps the ring */
};

/* strtol without the atoi traps: leading digits, 0 when none. */
static int
atoi_safe(const char *s)
{
    long v = strtol(s, NULL, 10);

    return v < 0 || v > 1000000000 ? 0 : (int)v;
}

static const char *const tracefs_roots[] = {
    "/sys/kernel/tracing", "/sys/kernel/debug/tracing",
};

static const char *
tracefs_root(char *err, size_t errlen)
{
    char path[256];
    size_t i;

    for (i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s/events", tracefs_roots[i]);
        if (access(path, R_OK) == 0)
            return tracefs_roots[i];
    }
    /* Not mounted: mount it where the kernel expects it. */
    if (mount("nodev", tracefs_roots[0], "tracefs", 0, NULL) == 0)
        return tracefs_roots[0];
    snprintf(err, errlen, "no tracefs (mount -t tracefs nodev "
             "/sys/kernel/tracing: %s)", strerror(errno));
    return NULL;
}

static char *
read_text(const char *path)
{
    FILE *f = fopen(path, "re");
    char *buf;
    size_t n;

    if (f == NULL)
        return NULL;
    buf = malloc(65536);
    if (buf == NULL) {
        fclose(f);
        return NULL;
    }
    n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* "field:__u16 sport;\toffset:24;\tsize:2;" for field `name`. */
static struct field
find_field(const char *fmt, const char *name)
{
    struct field fl = { -1, 0 };
    const char *p = fmt;
    size_t nlen = strlen(name);

    while ((p = strstr(p, "field:")) != NULL) {
        const char *semi = strchr(p, ';'), *q;
        if (semi == NULL)
            break;
        /* The name is the last word before ';', maybe with [N]. */
        q = semi;
        while (q > p && q[-1] != ' ' && q[-1] != '\t')
            q--;
        if ((size_t)(semi - q) >= nlen && strncmp(q, name, nlen) == 0 &&
            (q[nlen] == ';' || q[nlen] == '[')) {
            const char *o = strstr(semi, "offset:");
            const char *s = strstr(semi, "size:");
            if (o && s) {
                fl.offset = atoi_safe(o + 7);
                fl.size = atoi_safe(s + 5);
            }
            return fl;
        }
        p = semi;
    }
    return fl;
}

/* Parse "__print_symbolic(REC->reason, { 0, "NOT_SPECIFIED" }, ...)". */
static void
parse_reasons(struct tracepoint *tp, const char *fmt)
{
    const char *p = strstr(fmt, "__print_symbolic(REC->reason");
    const char *end;

    if (p == NULL)
        return;
    end = strchr(p, ')');
    while (p && (p = strchr(p, '{')) != NULL && (!end || p < end)) {
        char *num_end;
        long v = strtol(p + 1, &num_end, 10);
        const char *q1 = strchr(num_end, '"'), *q2;
        if (q1 == NULL)
            break;
        q2 = strchr(q1 + 1, '"');
        if (q2 == NULL)
            break;
        if (v >= 0 && v < MAX_REASONS && tp->reasons[v] == NULL) {
            size_t n = (size_t)(q2 - q1 - 1);
            tp->reasons[v] = malloc(n + 1);
            if (tp->reasons[v]) {
                memcpy(tp->reasons[v], q1 + 1, n);
                tp->reasons[v][n] = '\0';
            }
        }
        p = q2 + 1;
    }
}

static int
load_tracepoint(struct tracepoint *tp, const char *root,
                const char *const *names, int nnames, char *err,
                size_t errlen)
{
    char path[512], *text;
    int i;

    snprintf(path, sizeof(path), "%s/events/%s/id", root, tp->path);
    text = read_text(path);
    if (text == NULL) {
        snprintf(err, errlen, "this kernel has no %s tracepoint", tp->path);
        return -1;
    }
    tp->id = atoi_safe(text);
    free(text);
    snprintf(path, sizeof(path), "%s/events/%s/format", root, tp->path);
    text = read_text(path);
    if (text == NULL) {
        snprintf(err, errlen, "cannot read %s", path);
        return -1;
    }
    for (i = 0; i < nnames; i++) {
        tp->f[i] = find_field(text, names[i]);
        if (tp->f[i].offset < 0) {
            snprintf(err, errlen, "this kernel's %s has no '%s' field",
                     tp->path, names[i]);
            free(text);
            return -1;
        }
    }
    parse_reasons(tp, text);
    free(text);
    return 0;
}

static int
perf_open(struct perf_event_attr *attr, int cpu)
{
    return (int)syscall(SYS_perf_event_open, attr, -1, cpu, -1,
                        PERF_FLAG_FD_CLOEXEC);
}

/* The value `name` has in this kernel's reason enum, -1 if none. */
static int
reason_value(const struct tracepoint *tp, const char *name)
{
    int i;

    for (i = 0; i < MAX_REASONS; i++)
        if (tp->reasons[i] && strcmp(tp->reasons[i], name) == 0)
            return i;
    return -1;
}

/*
 * Kernel-side filters, so a busy host does not flood the ring: state
 * changes of TCP sockets into or out of SYN_SENT towards our ports;
 * drops of IP packets for the reasons that explain a lost SYN. The
 * reason numbers differ between kernels, so they come from `format`.
 */
static void
build_filters(const struct mcpd_witness *w, const uint16_t *ports,
              int nports, char *state_f, size_t slen, char *drop_f,
              size_t dlen)
{
    static const char *const drop_reasons[] = {
        "NETFILTER_DROP", "NO_SOCKET", "TCP_LISTEN_OVERFLOW",
        "SOCKET_FILTER", "SOCKET_BACKLOG", "IP_RPFILTER", "XFRM_POLICY",
        "IP_INADDRERRORS", "IP_INNOROUTES", "SECURITY_HOOK",
        "BPF_CGROUP_EGRESS", "TC_INGRESS", "TC_EGRESS", "XDP",
        "NEIGH_FAILED", "IP_OUTNOROUTES",
    };
    size_t at, i;
    int n = 0;

    at = (size_t)snprintf(state_f, slen, "protocol == 6 && (newstate == 2 "
                          "|| oldstate == 2)");
    for (i = 0; i < (size_t)nports && at < slen; i++)
        at += (size_t)snprintf(state_f + at, slen - at, "%s dport == %u",
                               i == 0 ? " && (" : " ||", ports[i]);
    if (nports > 0 && at < slen)
        snprintf(state_f + at, slen - at, ")");

    at = (size_t)snprintf(drop_f, dlen, "(protocol == 2048 || protocol == "
                          "34525) && (");
    for (i = 0; i < sizeof(drop_reasons) / sizeof(drop_reasons[0]); i++) {
        int v = reason_value(&w->tp[TP_DROP], drop_reasons[i]);
        if (v < 0 || at >= dlen)
            continue;
        at += (size_t)snprintf(drop_f + at, dlen - at, "%sreason == %d",
                               n++ ? " || " : "", v);
    }
    if (at < dlen)
        snprintf(drop_f + at, dlen - at, n ? ")" : "reason == 0)");
}

static void free_witness(struct mcpd_witness *w);

/* Open tracepoint t on cpu into r->fds[t], filtered by `filter` (or
 * not), its events into the CPU's one ring (mapped with the first).
 * 0 (an offline CPU's is left at -1), or -1 with err set. */
static int
open_event(struct mcpd_witness *w, struct cpu_ring *r, int cpu, int t,
           const char *filter, char *err, size_t errlen)
{
    struct perf_event_attr attr;

    memset(&attr, 0, sizeof(attr));
    attr.type = PERF_TYPE_TRACEPOINT;
    attr.size = sizeof(attr);
    attr.config = (uint64_t)w->tp[t].id;
    attr.sample_period = 1;
    attr.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_RAW;
    /* perf offers only NMI-safe clocks (not CLOCK_REALTIME, which
     * packet timestamps use): take CLOCK_MONOTONIC and shift it by the
     * offset measured at each poll. */
    attr.use_clockid = 1;
    attr.clockid = CLOCK_MONOTONIC;
    attr.disabled = 1;
    attr.wakeup_events = 1;
    /* Process names as they exec or rename themselves, so a client
     * that lived a millisecond is still named; with the time of each
     * (sample_id_all), since a rename and the connect after it can sit
     * in two CPUs' rings. */
    attr.comm = t == 0;
    attr.sample_id_all = 1;
    r->fds[t] = perf_open(&attr, cpu);
    if (r->fds[t] < 0) {
        if (errno == ENODEV && cpu > 0)
            return 0;           /* an offline CPU */
        snprintf(err, errlen, "perf_event_open(%s): %s%s", w->tp[t].path,
                 strerror(errno), errno == EACCES || errno == EPERM
                     ? " (needs root or CAP_PERFMON)" : "");
        return -1;
    }
    if (filter &&
        ioctl(r->fds[t], PERF_EVENT_IOC_SET_FILTER, filter) != 0) {
        snprintf(err, errlen, "tracepoint filter on %s: %s",
                 w->tp[t].path, strerror(errno));
        return -1;
    }
    if (t == 0) {
        r->data_size = RING_PAGES * w->page;
        r->base = mmap(NULL, w->page + r->data_size,
                       PROT_READ | PROT_WRITE, MAP_SHARED, r->fds[0], 0);
        if (r->base == MAP_FAILED) {
            r->base = NULL;
            snprintf(err, errlen, "mmap perf ring: %s", strerror(errno));
            return -1;
        }
    } else if (r->fds[0] >= 0 &&
               ioctl(r->fds[t], PERF_EVENT_IOC_SET_OUTPUT, r->fds[0]) != 0) {
        snprintf(err, errlen, "perf ring sharing: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* Every tracepoint on every CPU, filters built from the ports, then
 * enabled: 0, or -1 with err set. */
static int
open_rings(struct mcpd_witness *w, const uint16_t *ports, int nports,
           char *err, size_t errlen)
{
    char state_f[512], drop_f[1024];
    int cpu, t;

    build_filters(w, ports, nports, state_f, sizeof(state_f), drop_f,
                  sizeof(drop_f));
    for (cpu = 0; cpu < w->ncpu; cpu++)
        for (t = 0; t < TP_COUNT; t++)
            w->rings[cpu].fds[t] = -1;
    for (cpu = 0; cpu < w->ncpu; cpu++)
        for (t = 0; t < TP_COUNT; t++)
            if (open_event(w, &w->rings[cpu], cpu, t,
                           t == TP_STATE ? state_f
                           : t == TP_DROP ? drop_f : NULL,
                           err, errlen) != 0)
                return -1;
    for (cpu = 0; cpu < w->ncpu; cpu++)
        for (t = 0; t < TP_COUNT; t++)
            if (w->rings[cpu].fds[t] >= 0 &&
                ioctl(w->rings[cpu].fds[t], PERF_EVENT_IOC_ENABLE, 0) != 0) {
                snprintf(err, errlen, "enabling %s: %s", w->tp[t].path,
                         strerror(errno));
                return -1;
            }
    return 0;
}

struct mcpd_witness *
mcpd_witness_open(const uint16_t *ports, int nports, char *err,
                  size_t errlen)
{
    static const char *const state_fields[] = {
        "skaddr", "oldstate", "newstate", "sport", "dport", "family",
        "saddr_v6", "daddr_v6", "saddr", "daddr",
    };
    static const char *const rst_fields[] = { "saddr", "daddr", "reason" };
    static const char *const drop_fields[] = { "reason", "protocol" };
    struct mcpd_witness *w = calloc(1, sizeof(*w));
    const char *root;

    if (w == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->page = (size_t)sysconf(_SC_PAGESIZE);
    w->tp[TP_STATE].path = "sock/inet_sock_set_state";
    w->tp[TP_RST].path = "tcp/tcp_send_reset";
    w->tp[TP_DROP].path = "skb/kfree_skb";
    root = tracefs_root(err, errlen);
    if (root == NULL ||
        load_tracepoint(&w->tp[TP_STATE], root, state_fields, 10, err,
                        errlen) != 0 ||
        load_tracepoint(&w->tp[TP_RST], root, rst_fields, 3, err,
                        errlen) != 0 ||
        load_tracepoint(&w->tp[TP_DROP], root, drop_fields, 2, err,
                        errlen) != 0) {
        free_witness(w);
        return NULL;
    }
    w->ncpu = (int)sysconf(_SC_NPROCESSORS_CONF);
    if (w->ncpu < 1)
        w->ncpu = 1;
    w->rings = calloc((size_t)w->ncpu, sizeof(*w->rings));
    w->scratch = malloc(65536);
    if (w->rings == NULL || w->scratch == NULL) {
        snprintf(err, errlen, "out of memory");
        free_witness(w);
        return NULL;
    }
    if (open_rings(w, ports, nports, err, errlen) != 0) {
        free_witness(w);
        return NULL;
    }
    return w;
}

static void
free_witness(struct mcpd_witness *w)
{
    int cpu, t, i;

    if (w == NULL)
        return;
    for (cpu = 0; w->rings && cpu < w->ncpu; cpu++) {
        struct cpu_ring *r = &w->rings[cpu];
        if (r->base)
            munmap(r->base, w->page + r->data_size);
        for (t = 0; t < TP_COUNT; t++)
            if (r->fds[t] >= 0)
                close(r->fds[t]);
    }
    for (t = 0; t < TP_COUNT; t++)
        for (i = 0; i < MAX_REASONS; i++)
            free(w->tp[t].reasons[i]);
    free(w->rings);
    free(w->scratch);
    free(w);
}

void
mcpd_witness_close(struct mcpd_witness *w)
{
    free_witness(w);
}

uint64_t
mcpd_witness_lost(const struct mcpd_witness *w)
{
    return w->lost;
}

/* ---- decoding records ---------------------------------------------- */

static uint64_t
raw_u(const uint8_t *raw, uint32_t len, struct field f)
{
    uint64_t v = 0;

    if (f.offset < 0 || (uint32_t)f.offset + (uint32_t)f.size > len)
        return 0;
    switch (f.size) {
    case 1: v = raw[f.offset]; break;
    case 2: { uint16_t x; memcpy(&x, raw + f.offset, 2); v = x; break; }
    case 4: { uint32_t x; memcpy(&x, raw + f.offset, 4); v = x; break; }
    case 8: memcpy(&v, raw + f.offset, 8); break;
    default: break;
    }
    return v;
}

static const char *
reason_name(const struct tracepoint *tp, uint64_t v)
{
    return v < MAX_REASONS && tp->reasons[v] ? tp->reasons[v] : "UNKNOWN";
}

/* A struct sockaddr_in/in6 copied into the tracepoint (tcp_send_reset). */
static void
sockaddr_endpoint(const uint8_t *raw, uint32_t len, struct field f,
                  struct mcpd_endpoint *e)
{
    const uint8_t *p;
    uint16_t family;

    memset(e, 0, sizeof(*e));
    if (f.offset < 0 || f.size < 28 || (uint32_t)f.offset + 28 > len)
        return;
    p = raw + f.offset;
    memcpy(&family, p, 2);
    e->port = (uint16_t)((p[2] << 8) | p[3]);
    if (family == 2) {
        e->ip.family = 4;
        memcpy(e->ip.a, p + 4, 4);
    } else if (family == 10) {
        e->ip.family = 6;
        memcpy(e->ip.a, p + 8, 16);
    }
}

/* inet_sock_set_state carries both address forms; pick by family. An
 * IPv4-mapped IPv6 socket is reported as the IPv4 address, as the
 * packets show it. */
static void
state_endpoint(const struct tracepoint *tp, const uint8_t *raw,
               uint32_t len, int which_src, uint16_t family,
               struct mcpd_endpoint *e)
{
    struct field a = tp->f[which_src ? F_SADDR : F_DADDR];
    static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                        0xff, 0xff };

    memset(e, 0, sizeof(*e));
    e->port = (uint16_t)raw_u(raw, len, tp->f[which_src ? F_SPORT
                                                        : F_DPORT]);
    if (a.offset < 0 || (uint32_t)a.offset + 16 > len)
        return;
    if (family == 2) {
        struct field v4 = tp->f[which_src ? F_SADDR4 : F_DADDR4];
        if (v4.offset >= 0 && (uint32_t)v4.offset + 4 <= len) {
            e->ip.family = 4;
            memcpy(e->ip.a, raw + v4.offset, 4);
        }
    } else if (family == 10) {
        if (memcmp(raw + a.offset, mapped, 12) == 0) {
            e->ip.family = 4;
            memcpy(e->ip.a, raw + a.offset + 12, 4);
        } else {
            e->ip.family = 6;
            memcpy(e->ip.a, raw + a.offset, 16);
        }
    }
}

/* The name pid had at monotonic time t: the newest name taken by then,
 * else the oldest known (a name from before every rename seen). */
static const char *
comm_at(const struct mcpd_witness *w, int32_t pid, int64_t t)
{
    unsigned i;

    for (i = 0; i < w->ncomms && i < MAX_PIDS; i++) {
        const struct pid_comm *c = &w->comms[i];
        if (c->pid != pid)
            continue;
        if (c->t <= t || c->prev[0] == '\0')
            return c->comm;
        return c->prev;
    }
    return NULL;
}

/* pid was named comm at monotonic time t (a rename record, or /proc at
 * a connect). Records come per CPU, not in time order: keep the two
 * latest by time, whatever order they come in. */
static void
remember_comm(struct mcpd_witness *w, int32_t pid, const char *comm,
              int64_t t)
{
    unsigned i, slot = w->ncomms % MAX_PIDS;
    struct pid_comm *c;

    for (i = 0; i < w->ncomms && i < MAX_PIDS; i++)
        if (w->comms[i].pid == pid)
            break;
    if (i < w->ncomms && i < MAX_PIDS) {
        c = &w->comms[i];
        if ((t == c->t && strcmp(comm, c->comm) == 0) ||
            (t == c->prev_t && strcmp(comm, c->prev) == 0))
            return;             /* seen already (rings are read twice) */
        if (t >= c->t) {
            memcpy(c->prev, c->comm, sizeof(c->prev));
            c->prev_t = c->t;
            snprintf(c->comm, sizeof(c->comm), "%s", comm);
            c->t = t;
        } else if (c->prev[0] == '\0' || t >= c->prev_t) {
            snprintf(c->prev, sizeof(c->prev), "%s", comm);
            c->prev_t = t;
        }
        return;
    }
    w->ncomms++;
    c = &w->comms[slot];
    memset(c, 0, sizeof(*c));
    c->pid = pid;
    snprintf(c->comm, sizeof(c->comm), "%s", comm);
    c->t = t;
}

/* The name of a process still alive, from /proc. */
static void
proc_comm(int32_t pid, char *buf, size_t len)
{
    char path[64];
    FILE *f;

    buf[0] = '\0';
    snprintf(path, sizeof(path), "/proc/%d/comm", pid);
    f = fopen(path, "re");
    if (f == NULL)
        return;
    if (fgets(buf, (int)len, f))
        buf[strcspn(buf, "\n")] = '\0';
    fclose(f);
}

static void
sample(struct mcpd_witness *w, const uint8_t *rec, uint32_t size,
       mcpd_kev_fn fn, void *ctx)
{
    const uint8_t *p = rec + sizeof(struct perf_event_header);
    const uint8_t *end = rec + size, *raw;
    struct mcpd_kevent ev;
    uint32_t pid, rawlen;
    uint64_t ts;
    uint16_t type;
    const char *c;

    /* PERF_SAMPLE_TID, _TIME, _RAW, in that order. */
    if (end - p < 16)
        return;
    memcpy(&pid, p, 4);
    memcpy(&ts, p + 8, 8);
    p += 16;
    if (end - p < 4)
        return;
    memcpy(&rawlen, p, 4);
    raw = p + 4;
    if ((size_t)(end - raw) < rawlen || rawlen < 8)
        return;
    memcpy(&type, raw, 2);

    memset(&ev, 0, sizeof(ev));
    ev.ts_ns = (int64_t)ts + w->mono_to_real;
    ev.pid = (int32_t)pid;
    if ((c = comm_at(w, ev.pid, (int64_t)ts)) != NULL)
        snprintf(ev.comm, sizeof(ev.comm), "%s", c);
    if (type == w->tp[TP_STATE].id) {
        const struct tracepoint *tp = &w->tp[TP_STATE];
        uint16_t family = (uint16_t)raw_u(raw, rawlen, tp->f[F_FAMILY]);
        ev.type = MCPD_KEV_CONNECT;
        ev.sk = raw_u(raw, rawlen, tp->f[F_SKADDR]);
        ev.oldstate = (int)raw_u(raw, rawlen, tp->f[F_OLD]);
        ev.newstate = (int)raw_u(raw, rawlen, tp->f[F_NEW]);
        state_endpoint(tp, raw, rawlen, 1, family, &ev.src);
        state_endpoint(tp, raw, rawlen, 0, family, &ev.dst);
        if (ev.comm[0] == '\0' && ev.newstate == 2) {
            /* Entering SYN_SENT runs in the caller of connect(): it is
             * alive right now, name it before it can go. */
            proc_comm(ev.pid, ev.comm, sizeof(ev.comm));
            if (ev.comm[0])
                remember_comm(w, ev.pid, ev.comm, (int64_t)ts);
        }
    } else if (type == w->tp[TP_RST].id) {
        const struct tracepoint *tp = &w->tp[TP_RST];
        ev.type = MCPD_KEV_RST;
        sockaddr_endpoint(raw, rawlen, tp->f[R_SADDR], &ev.src);
        sockaddr_endpoint(raw, rawlen, tp->f[R_DADDR], &ev.dst);
        snprintf(ev.reason, sizeof(ev.reason), "%s",
                 reason_name(tp, raw_u(raw, rawlen, tp->f[R_REASON])));
    } else if (type == w->tp[TP_DROP].id) {
        const struct tracepoint *tp = &w->tp[TP_DROP];
        ev.type = MCPD_KEV_DROP;
        ev.l3proto = (uint16_t)raw_u(raw, rawlen, tp->f[D_PROTO]);
        snprintf(ev.reason, sizeof(ev.reason), "%s",
                 reason_name(tp, raw_u(raw, rawlen, tp->f[D_REASON])));
    } else {
        return;
    }
    fn(ctx, &ev);
}

static int64_t
clock_ns(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Call fn for every record of ring r between tail and head; a record
 * that wraps the ring's end is handed over from w->scratch. Returns
 * where reading stopped (head, or a corrupt record). */
static uint64_t
ring_records(struct mcpd_witness *w, struct cpu_ring *r, uint64_t tail,
             uint64_t head,
             void (*fn)(struct mcpd_witness *w, const uint8_t *rec,
                        const struct perf_event_header *hdr, void *arg),
             void *arg)
{
    const uint8_t *data = (const uint8_t *)r->base + w->page;

    while (tail < head) {
        struct perf_event_header hdr;
        size_t off = (size_t)(tail % r->data_size);
        const uint8_t *rec;

        /* The header itself may wrap around the ring's end. */
        if (off + sizeof(hdr) <= r->data_size) {
            memcpy(&hdr, data + off, sizeof(hdr));
        } else {
            size_t first = r->data_size - off;
            memcpy(&hdr, data + off, first);
            memcpy((uint8_t *)&hdr + first, data, sizeof(hdr) - first);
        }
        if (hdr.size < sizeof(hdr) || hdr.size > head - tail)
            break;   /* corrupt: stop reading this ring */
        if (off + hdr.size <= r->data_size) {
            rec = data + off;
        } else {
            size_t first = r->data_size - off;
            memcpy(w->scratch, data + off, first);
            memcpy(w->scratch + first, data, hdr.size - first);
            rec = (const uint8_t *)w->scratch;
        }
        fn(w, rec, &hdr, arg);
        tail += hdr.size;
    }
    return tail;
}

/* PERF_RECORD_COMM: u32 pid, tid; the name (NUL-padded to 8 bytes);
 * then sample_id: u32 pid, tid; u64 time. */
static void
comm_record(struct mcpd_witness *w, const uint8_t *rec,
            const struct perf_event_header *hdr, void *arg)
{
    const size_t fixed = sizeof(*hdr) + 8, trailer = 16;
    char comm[16];
    int32_t cpid;
    int64_t t;
    size_t clen;

    (void)arg;
    if (hdr->type != PERF_RECORD_COMM || hdr->size < fixed + trailer + 1)
        return;
    memcpy(&cpid, rec + sizeof(*hdr), 4);
    memcpy(&t, rec + hdr->size - 8, 8);
    clen = strnlen((const char *)rec + fixed, hdr->size - fixed - trailer);
    if (clen > sizeof(comm) - 1)
        clen = sizeof(comm) - 1;
    memcpy(comm, rec + fixed, clen);
    comm[clen] = '\0';
    remember_comm(w, cpid, comm, t);
}

struct poll_sink {
    mcpd_kev_fn fn;
    void *ctx;
    int n;
};

/* Samples and lost-record counts (names were taken in the first pass). */
static void
event_record(struct mcpd_witness *w, const uint8_t *rec,
             const struct perf_event_header *hdr, void *arg)
{
    struct poll_sink *s = arg;

    if (hdr->type == PERF_RECORD_SAMPLE) {
        sample(w, rec, hdr->size, s->fn, s->ctx);
        s->n++;
    } else if (hdr->type == PERF_RECORD_LOST &&
               hdr->size >= sizeof(*hdr) + 16) {
        uint64_t lost;
        memcpy(&lost, rec + sizeof(*hdr) + 8, 8);
        w->lost += lost;
    }
}

/*
 * Two passes, as perf orders events across CPUs: the names first, from
 * every ring up to now, then the samples that were there before the
 * first pass began. A rename that came before a connect on another CPU
 * is then always known when the connect is named.
 */
int
mcpd_witness_poll(struct mcpd_witness *w, mcpd_kev_fn fn, void *ctx)
{
    struct poll_sink sink = { fn, ctx, 0 };
    int cpu;
    int64_t mono = clock_ns(CLOCK_MONOTONIC);

    /* Re-measured every poll, so a clock step (NTP) is followed. */
    w->mono_to_real = clock_ns(CLOCK_REALTIME) - mono;

    for (cpu = 0; cpu < w->ncpu; cpu++) {
        struct perf_event_mmap_page *meta = w->rings[cpu].base;
        w->rings[cpu].head = meta ? __atomic_load_n(&meta->data_head,
                                                    __ATOMIC_ACQUIRE) : 0;
    }
    for (cpu = 0; cpu < w->ncpu; cpu++) {
        struct cpu_ring *r = &w->rings[cpu];
        struct perf_event_mmap_page *meta = r->base;
        if (meta != NULL)
            ring_records(w, r, meta->data_tail,
                         __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE),
                         comm_record, NULL);
    }
    for (cpu = 0; cpu < w->ncpu; cpu++) {
        struct cpu_ring *r = &w->rings[cpu];
        struct perf_event_mmap_page *meta = r->base;
        uint64_t tail;
        if (meta == NULL)
            continue;
        tail = ring_records(w, r, meta->data_tail, r->head,
                            event_record, &sink);
        __atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
    }
    return sink.n;
}

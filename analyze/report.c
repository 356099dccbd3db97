/* \summary: the report: per-server aggregation and the diagnosis */

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"

static const char *const code_text[] = {
    [MCPD_OK] = "success",
    [MCPD_E_NOMEM] = "out of memory",
    [MCPD_E_OPEN] = "cannot open or read the file",
    [MCPD_E_FORMAT] = "not a pcap or pcapng capture, or a damaged one",
    [MCPD_E_LINKTYPE] = "link type not supported",
    [MCPD_E_USAGE] = "bad arguments",
};

const char *
mcpd_strerror(enum mcpd_code code)
{
    if ((unsigned)code < sizeof(code_text) / sizeof(code_text[0]))
        return code_text[code];
    return "unknown error";
}

const char *
mcpd_ip_str(const struct mcpd_ip *ip, char *buf, size_t len)
{
    if (ip->family == 0 ||
        inet_ntop(ip->family == 4 ? AF_INET : AF_INET6, ip->a, buf,
                  (socklen_t)len) == NULL)
        snprintf(buf, len, "?");
    return buf;
}

int
mcpd_ip_cmp(const struct mcpd_ip *x, const struct mcpd_ip *y)
{
    if (x->family != y->family)
        return (int)x->family - (int)y->family;
    return memcmp(x->a, y->a, x->family == 4 ? 4 : 16);
}

void
mcpd_ip_unmap(struct mcpd_ip *ip)
{
    static const uint8_t pre[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                     0xff, 0xff };

    if (ip->family == 6 && memcmp(ip->a, pre, sizeof(pre)) == 0) {
        memmove(ip->a, ip->a + 12, 4);
        memset(ip->a + 4, 0, 12);
        ip->family = 4;
    }
}

int
mcpd_endpoint_is(const struct mcpd_endpoint *e,
                 const struct mcpd_endpoint *want)
{
    struct mcpd_ip ip = e->ip;

    mcpd_ip_unmap(&ip);
    return e->port == want->port && mcpd_ip_cmp(&ip, &want->ip) == 0;
}

const char *
mcpd_hostport_str(const char *host, uint16_t port, char *buf, size_t len)
{
    snprintf(buf, len, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host,
             (unsigned)port);
    return buf;
}

const char *
mcpd_endpoint_str(const struct mcpd_endpoint *e, char *buf, size_t len)
{
    char ip[MCPD_IP_STRLEN];

    mcpd_ip_str(&e->ip, ip, sizeof(ip));
    return mcpd_hostport_str(ip, e->port, buf, len);
}

static void free_flow_copy(struct mcpd_flow *c);

struct mcpd_report *
mcpd_report_new(const struct mcpd_report_opts *opts, FILE *out,
                const struct mcpd_input_info *input)
{
    struct mcpd_report *r = calloc(1, sizeof(*r));

    if (r == NULL)
        return NULL;
    r->servers = calloc(MCPD_MAX_SERVERS, sizeof(*r->servers));
    if (r->servers == NULL) {
        free(r);
        return NULL;
    }
    r->opts = *opts;
    r->out = out;
    if (input)
        r->input = *input;
    return r;
}

void
mcpd_report_free(struct mcpd_report *r)
{
    uint32_t i;
    int c;

    if (r == NULL)
        return;
    for (i = 0; i < r->nservers; i++)
        for (c = 0; c < MCPD_C_COUNT; c++)
            free_flow_copy(r->servers[i].example[c]);
    free(r->servers);
    free(r);
}

/*
 * The server endpoint's slot. A linear scan is fine: the text report
 * needs few endpoints, and a capture touching more than
 * MCPD_MAX_SERVERS of them (a scan) lumps the rest together.
 */
static struct mcpd_server *
server_slot(struct mcpd_report *r, const struct mcpd_endpoint *ep)
{
    uint32_t i;

    for (i = 0; i < r->nservers; i++)
        if (r->servers[i].ep.port == ep->port &&
            mcpd_ip_cmp(&r->servers[i].ep.ip, &ep->ip) == 0)
            return &r->servers[i];
    if (r->nservers >= MCPD_MAX_SERVERS)
        return NULL;
    r->servers[r->nservers].ep = *ep;
    return &r->servers[r->nservers++];
}

/* A private copy of a connection, with its own copies of what it points
 * to: the tracker frees the original when it is done with it. */
static void *
dup_or_null(const void *p, size_t len)
{
    void *q;

    if (p == NULL || (q = malloc(len)) == NULL)
        return NULL;
    memcpy(q, p, len);
    return q;
}

static struct mcpd_flow *
copy_flow(const struct mcpd_flow *f)
{
    struct mcpd_flow *c = dup_or_null(f, sizeof(*f));

    if (c == NULL)
        return NULL;
    c->hnext = c->prev = c->next = NULL;
    c->client_proc = dup_or_null(f->client_proc, sizeof(*f->client_proc));
    c->server_proc = dup_or_null(f->server_proc, sizeof(*f->server_proc));
    c->kernel = dup_or_null(f->kernel, sizeof(*f->kernel));
    c->stream = dup_or_null(f->stream, sizeof(*f->stream));
    return c;
}

static void
free_flow_copy(struct mcpd_flow *c)
{
    if (c == NULL)
        return;
    free(c->client_proc);
    free(c->server_proc);
    free(c->kernel);
    free(c->stream);
    free(c);
}

void
mcpd_report_flow(void *ctx, struct mcpd_flow *f, enum mcpd_emit_why why)
{
    struct mcpd_report *r = ctx;
    struct mcpd_server *s;
    enum mcpd_cause cause;

    (void)why;
    r->emitted++;
    r->verdicts[f->verdict]++;
    if (mcpd_flow_abortive_close(f))
        r->abortive++;
    s = server_slot(r, &f->srv);
    if (s == NULL) {
        r->other_server_conns++;
    } else {
        s->total++;
        s->verdicts[f->verdict]++;
        /* The context-free cause; refined per server at the end. */
        cause = mcpd_flow_cause(f, 0);
        s->causes[cause]++;
        if (s->example[cause] == NULL)
            s->example[cause] = copy_flow(f);
    }
    if (r->opts.format == MCPD_FMT_TEXT)
        mcpd_text_flow(r, f);
    else
        mcpd_json_flow(r, f);
}

void
mcpd_report_begin(struct mcpd_report *r)
{
    if (r->opts.format != MCPD_FMT_TEXT)
        mcpd_json_begin(r);
    else
        mcpd_text_begin(r);
}

static int
server_has_success(const struct mcpd_server *s)
{
    return s->verdicts[MCPD_V_CLOSED] + s->verdicts[MCPD_V_ESTABLISHED] > 0;
}

/* Another endpoint on the same port, other IP version, that worked. */
static int
other_family_works(const struct mcpd_report *r, const struct mcpd_server *s)
{
    uint32_t i;

    for (i = 0; i < r->nservers; i++) {
        const struct mcpd_server *o = &r->servers[i];
        if (o->ep.port == s->ep.port && o->ep.ip.family != s->ep.ip.family &&
            server_has_success(o))
            return 1;
    }
    return 0;
}

/* Context the packets give beyond one connection. */
static enum mcpd_cause
refine_cause(const struct mcpd_report *r, const struct mcpd_server *s,
             enum mcpd_cause c)
{
    if (c == MCPD_C_FIREWALL_DROP && server_has_success(s))
        return MCPD_C_LISTEN_QUEUE_OVERFLOW;
    if (c == MCPD_C_NO_LISTENER && server_has_success(s))
        return MCPD_C_SERVER_NOT_READY;
    if (c == MCPD_C_NO_LISTENER && other_family_works(r, s))
        return MCPD_C_WRONG_ADDRESS_FAMILY;
    return c;
}

static void
add_finding(struct mcpd_report *r, enum mcpd_cause c, uint64_t count,
            const struct mcpd_server *s, const struct mcpd_flow *example)
{
    int i;

    for (i = 0; i < r->nfindings; i++) {
        if (r->findings[i].cause == c) {
            r->findings[i].count += count;
            return;
        }
    }
    if (r->nfindings >= MCPD_MAX_FINDINGS || example == NULL)
        return;
    r->findings[r->nfindings].cause = c;
    r->findings[r->nfindings].count = count;
    r->findings[r->nfindings].server = s;
    r->findings[r->nfindings].example = example;
    r->nfindings++;
}

/* Heavier first; equal weights by how close the cause is to the root. */
static int
cmp_finding(const void *a, const void *b)
{
    const struct mcpd_finding *x = a, *y = b;
    int xf = x->cause != MCPD_C_OK, yf = y->cause != MCPD_C_OK;

    if (xf != yf)
        return yf - xf;     /* failures before "ok" */
    if (mcpd_cause_rank(x->cause) != mcpd_cause_rank(y->cause) &&
        (x->count == y->count))
        return mcpd_cause_rank(y->cause) - mcpd_cause_rank(x->cause);
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return mcpd_cause_rank(y->cause) - mcpd_cause_rank(x->cause);
}

void
mcpd_report_add_finding(struct mcpd_report *r, enum mcpd_cause cause,
                        uint64_t count, const char *summary,
                        const char *const *fix, int nfix)
{
    struct mcpd_finding *f;
    int i;

    if (r->nextra >= (int)(sizeof(r->extra) / sizeof(r->extra[0])))
        return;
    f = &r->extra[r->nextra++];
    memset(f, 0, sizeof(*f));
    f->cause = cause;
    f->count = count;
    snprintf(f->summary, sizeof(f->summary), "%s", summary);
    for (i = 0; i < nfix && i < MCPD_MAX_FIX; i++)
        snprintf(f->fix[i], sizeof(f->fix[i]), "%s", fix[i]);
    f->nfix = i;
}

static void
diagnose(struct mcpd_report *r)
{
    uint32_t i;
    int c;

    r->nfindings = 0;
    for (c = 0; c < r->nextra && r->nfindings < MCPD_MAX_FINDINGS; c++)
        r->findings[r->nfindings++] = r->extra[c];
    for (i = 0; i < r->nservers; i++) {
        struct mcpd_server *s = &r->servers[i];
        for (c = 0; c < MCPD_C_COUNT; c++) {
            if (s->causes[c] == 0)
                continue;
            add_finding(r, refine_cause(r, s, (enum mcpd_cause)c),
                        s->causes[c], s, s->example[c]);
        }
    }
    qsort(r->findings, (size_t)r->nfindings, sizeof(r->findings[0]),
          cmp_finding);
    for (c = 0; c < r->nfindings; c++) {
        struct mcpd_finding *f = &r->findings[c];
        if (f->example == NULL)
            continue;   /* brought its own text */
        f->nfix = mcpd_cause_text(f->cause, f->example, f->summary,
                                  sizeof(f->summary), f->fix, MCPD_MAX_FIX);
    }
}

int
mcpd_report_finish(struct mcpd_report *r, const struct mcpd_stats *st)
{
    int v, healthy = 1;

    diagnose(r);
    if (r->opts.format == MCPD_FMT_TEXT)
        mcpd_text_finish(r, st);
    else
        mcpd_json_finish(r, st);
    fflush(r->out);
    for (v = 0; v < MCPD_V_COUNT; v++) {
        uint64_t n = r->verdicts[v];
        /* A client's RST after a complete exchange is an abortive
         * close, not a failure. */
        if (v == MCPD_V_RESET)
            n -= r->abortive;
        if (n && !mcpd_verdict_ok((enum mcpd_verdict)v))
            healthy = 0;
    }
    if (r->nfindings > 0 && r->findings[0].cause != MCPD_C_OK)
        healthy = 0;
    return healthy ? 0 : 1;
}

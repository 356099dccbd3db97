/* \summary: the JSON and JSON Lines report (the only user of cJSON);
 * schema in report.schema.json */

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"
#include "sanitize.h"
#include "sniff.h"

static void
add_u64(cJSON *o, const char *key, uint64_t v)
{
    char buf[32];

    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
    cJSON_AddItemToObject(o, key, cJSON_CreateRaw(buf));
}

/*
 * Connection records are the bulk of the output (one per connection,
 * hundreds of thousands for a big capture), so they are written by a
 * small fixed-schema writer: cJSON's per-number printf/sscanf round trip
 * and per-node allocation cost more than the whole packet analysis. The
 * rest of the document is small and goes through cJSON.
 */
static void
jraw_n(struct mcpd_jbuf *j, const char *s, size_t len)
{
    if (len > sizeof(j->b) - 1 - j->n)
        len = sizeof(j->b) - 1 - j->n;
    memcpy(j->b + j->n, s, len);
    j->n += len;
    j->b[j->n] = '\0';
}

static void
jraw(struct mcpd_jbuf *j, const char *s)
{
    jraw_n(j, s, strlen(s));
}

static void
jputc(struct mcpd_jbuf *j, char c)
{
    if (j->n < sizeof(j->b) - 1) {
        j->b[j->n++] = c;
        j->b[j->n] = '\0';
    }
}

/* A JSON string (RFC 8259 section 7) through the one JSON sanitiser:
 * valid UTF-8, no raw control or bidi character. */
static void
jstr(struct mcpd_jbuf *j, const char *s)
{
    jputc(j, '"');
    /* Leave room for the closing quote. */
    if (j->n + 2 < sizeof(j->b))
        j->n += mcpd_json_escape(j->b + j->n, sizeof(j->b) - j->n - 1, s,
                                 strlen(s));
    jputc(j, '"');
}

static void
jkey(struct mcpd_jbuf *j, const char *key)
{
    /* Keys are our own constants: no escaping needed. */
    if (j->n > 1 && j->b[j->n - 1] != '{')
        jputc(j, ',');
    jputc(j, '"');
    jraw(j, key);
    jraw(j, "\":");
}

/* Decimal digits of v, right-aligned to at least `width` with zeros. */
static void
jdigits(struct mcpd_jbuf *j, uint64_t v, int width)
{
    char d[24];
    int i = (int)sizeof(d) - 1;

    d[i] = '\0';
    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
        width--;
    } while ((v || width > 0) && i > 0);
    jraw(j, d + i);
}

static void
ju64(struct mcpd_jbuf *j, const char *key, uint64_t v)
{
    jkey(j, key);
    jdigits(j, v, 1);
}

/* A non-negative count of nanoseconds as seconds (6 decimals) or
 * milliseconds (3 decimals), without floating point. */
static void
jfixed(struct mcpd_jbuf *j, const char *key, int64_t ns, int ms)
{
    uint64_t v = ns < 0 ? 0 : (uint64_t)ns;

    jkey(j, key);
    if (ms) {
        jdigits(j, v / 1000000, 1);
        jputc(j, '.');
        jdigits(j, v / 1000 % 1000, 3);
    } else {
        jdigits(j, v / 1000000000, 1);
        jputc(j, '.');
        jdigits(j, v / 1000 % 1000000, 6);
    }
}

/* A double that reads back as the same double (probe's clock). */
static void
jdouble(struct mcpd_jbuf *j, const char *key, double v)
{
    char d[32];

    jkey(j, key);
    snprintf(d, sizeof(d), "%.17g", v);
    jraw(j, d);
}

static void
jstrkey(struct mcpd_jbuf *j, const char *key, const char *v)
{
    jkey(j, key);
    if (v)
        jstr(j, v);
    else
        jraw(j, "null");
}

static void
jbool(struct mcpd_jbuf *j, const char *key, int v)
{
    jkey(j, key);
    jraw(j, v ? "true" : "false");
}

/* Dotted quad without printf: called twice per connection record. */
static size_t
ip4_text(const uint8_t *a, char *out)
{
    size_t n = 0;
    int i;

    for (i = 0; i < 4; i++) {
        unsigned v = a[i];
        if (i)
            out[n++] = '.';
        if (v >= 100)
            out[n++] = (char)('0' + v / 100);
        if (v >= 10)
            out[n++] = (char)('0' + v / 10 % 10);
        out[n++] = (char)('0' + v % 10);
    }
    out[n] = '\0';
    return n;
}

static void
jendpoint(struct mcpd_jbuf *j, const char *key, const struct mcpd_endpoint *e)
{
    char ip[MCPD_IP_STRLEN];

    jkey(j, key);
    jputc(j, '{');
    jkey(j, "addr");
    jputc(j, '"');
    if (e->ip.family == 4)
        jraw_n(j, ip, ip4_text(e->ip.a, ip));
    else
        jraw(j, mcpd_ip_str(&e->ip, ip, sizeof(ip)));
    jputc(j, '"');
    ju64(j, "port", e->port);
    jputc(j, '}');
}

static const char *
sniff_name(uint8_t s)
{
    switch (s) {
    case MCPD_SNIFF_HTTP_REQ: return "http";
    case MCPD_SNIFF_HTTP_RESP: return "http";
    case MCPD_SNIFF_TLS: return "tls";
    case MCPD_SNIFF_OTHER: return "other";
    default: return NULL;
    }
}

/* A process; without a flow (probe's own), its pid, command and user
 * (null when not known) only. */
static void
jproc(struct mcpd_jbuf *j, const char *key, const struct mcpd_proc *p,
      int full)
{
    if (p == NULL) {
        jstrkey(j, key, NULL);
        return;
    }
    jkey(j, key);
    jputc(j, '{');
    ju64(j, "pid", (uint64_t)(p->pid < 0 ? 0 : p->pid));
    jstrkey(j, "command", p->command);
    jstrkey(j, "user", full || p->user[0] ? p->user : NULL);
    if (full) {
        ju64(j, "uid", p->uid);
        jstrkey(j, "found_by", p->how);
    }
    jputc(j, '}');
}

void
mcpd_json_kernel(struct mcpd_jbuf *j, const struct mcpd_kernel *k,
                 const struct mcpd_kernel_more *more)
{
    int i;

    if (k == NULL) {
        jraw(j, "null");
        return;
    }
    jputc(j, '{');
    jstrkey(j, "rst_origin", k->rst_origin[0] ? k->rst_origin : NULL);
    jstrkey(j, "rst_reason", k->rst_reason[0] ? k->rst_reason : NULL);
    jkey(j, "drops");
    jputc(j, '[');
    for (i = 0; i < k->ndrops && i < MCPD_KDROPS; i++) {
        if (i)
            jputc(j, ',');
        jputc(j, '{');
        jstrkey(j, "reason", k->drops[i].reason);
        ju64(j, "count", k->drops[i].count);
        jputc(j, '}');
    }
    jputc(j, ']');
    jstrkey(j, "rule", k->rule[0] ? k->rule : NULL);
    jkey(j, "matched_by");
    jputc(j, '{');
    jstrkey(j, "client", k->client_matched_by);
    jstrkey(j, "rst", k->rst_matched_by);
    jstrkey(j, "drops", k->drops_matched_by);
    if (more)
        jstrkey(j, "rule", more->rule_matched_by);
    jputc(j, '}');
    if (more)
        jbool(j, "local_target", more->local_target);
    jputc(j, '}');
}

static void
jpayload(struct mcpd_jbuf *j, const struct mcpd_flow *f)
{
    jkey(j, "payload");
    jraw(j, "{");
    jstrkey(j, "client", sniff_name(f->cli_sniff));
    jstrkey(j, "server", sniff_name(f->srv_sniff));
    jstrkey(j, "http_request", f->http_req[0] ? f->http_req : NULL);
    if (f->http_status)
        ju64(j, "http_status", f->http_status);
    else
        jstrkey(j, "http_status", NULL);
    if (f->stream && f->stream->alert_from) {
        jkey(j, "tls_alert");
        jraw(j, "{");
        jstrkey(j, "from", f->stream->alert_from == 1 ? "client" : "server");
        ju64(j, "level", f->stream->alert_level);
        ju64(j, "description", f->stream->alert_desc);
        jstrkey(j, "name", mcpd_tls_alert_name(f->stream->alert_desc));
        jraw(j, "}");
    } else {
        jstrkey(j, "tls_alert", NULL);
    }
    jraw(j, "}");
}

/* What only a flow knows, after "end": durations, packet counts, the
 * payload's kind. */
static void
jflow_detail(struct mcpd_jbuf *j, const struct mcpd_flow *f)
{
    jfixed(j, "duration_ms", f->t_last - f->t_first, 1);
    jkey(j, "packets");
    jraw(j, "{");
    ju64(j, "client", f->cli_pkts);
    ju64(j, "server", f->srv_pkts);
    jraw(j, "}");
    jkey(j, "retransmits");
    jraw(j, "{");
    ju64(j, "client", f->cli_retrans);
    ju64(j, "server", f->srv_retrans);
    jraw(j, "}");
    jbool(j, "one_sided", (f->bits & (MCPD_F_HS_INFER | MCPD_F_SYN_INFER)) != 0);
    jpayload(j, f);
    jbool(j, "evicted", (f->bits & MCPD_F_EVICTED) != 0);
}

static void
jendpoint_or_null(struct mcpd_jbuf *j, const char *key,
                  const struct mcpd_endpoint *e, int probe)
{
    char ip[MCPD_IP_STRLEN];

    if (!probe) {
        jendpoint(j, key, e);
        return;
    }
    /* Probe's own end may be unknown (no connection was made). */
    jkey(j, key);
    jputc(j, '{');
    jstrkey(j, "addr", e->ip.family ? mcpd_ip_str(&e->ip, ip, sizeof(ip))
                                    : NULL);
    if (e->port)
        ju64(j, "port", e->port);
    else
        jstrkey(j, "port", NULL);
    jputc(j, '}');
}

static void
jicmp(struct mcpd_jbuf *j, const struct mcpd_jconn *c)
{
    jkey(j, "icmp");
    if (!c->icmp) {
        jraw(j, "null");
        return;
    }
    jraw(j, "{");
    ju64(j, "type", c->icmp_type);
    ju64(j, "code", c->icmp_code);
    jstrkey(j, "from", c->icmp_from);
    if (c->icmp_meaning)
        jstrkey(j, "meaning", c->icmp_meaning);
    jraw(j, "}");
}

/* One connection record; key order and meaning: report.schema.json. */
void
mcpd_json_connection(struct mcpd_jbuf *j, const struct mcpd_jconn *c)
{
    const struct mcpd_flow *f = c->flow;

    j->n = 0;
    jraw(j, "{");
    if (c->typed)
        jstrkey(j, "type", "connection");
    jendpoint_or_null(j, "client", &c->cli, f == NULL);
    jendpoint(j, "server", &c->srv);
    jstrkey(j, "verdict", c->verdict);
    jstrkey(j, "reset_by", c->reset_by);
    if (f)
        jbool(j, "abortive_close", mcpd_flow_abortive_close(f));
    jicmp(j, c);
    if (c->syn_count >= 0)
        ju64(j, "syn_count", (uint64_t)c->syn_count);
    else
        jstrkey(j, "syn_count", NULL);
    if (f)
        ju64(j, "synack_count", f->synack_count);
    if (f ? c->rtt_ns < 0 : c->rtt_ms < 0)
        jstrkey(j, "rtt_ms", NULL);
    else if (f)
        jfixed(j, "rtt_ms", c->rtt_ns, 1);
    else
        jdouble(j, "rtt_ms", c->rtt_ms);
    ju64(j, "client_bytes", c->cli_bytes);
    ju64(j, "server_bytes", c->srv_bytes);
    jbool(j, "no_response", c->no_response);
    if (f) {
        jfixed(j, "start", c->start_ns, 0);
        jfixed(j, "end", c->end_ns, 0);
        jflow_detail(j, f);
    } else {
        jdouble(j, "start", c->start_s);
        jdouble(j, "end", c->end_s);
    }
    jproc(j, "process", c->proc, f != NULL);
    if (f)
        jproc(j, "server_process", f->server_proc, 1);
    if (c->stage)
        jstrkey(j, "stage", c->stage);
    jkey(j, "kernel");
    mcpd_json_kernel(j, c->kernel, c->kmore);
    jraw(j, "}");
}

void
mcpd_jconn_flow(struct mcpd_jconn *c, const struct mcpd_flow *f,
                char *icmp_from)
{
    memset(c, 0, sizeof(*c));
    c->flow = f;
    c->cli = f->cli;
    c->srv = f->srv;
    c->verdict = mcpd_verdict_name((enum mcpd_verdict)f->verdict);
    c->reset_by = (f->bits & MCPD_F_SRV_RST) ? "server"
                  : (f->bits & MCPD_F_CLI_RST) ? "client" : NULL;
    if (f->bits & MCPD_F_ICMP) {
        c->icmp = 1;
        c->icmp_type = f->icmp_type;
        c->icmp_code = f->icmp_code;
        c->icmp_from = mcpd_ip_str(&f->icmp_from, icmp_from, MCPD_IP_STRLEN);
        c->icmp_meaning = mcpd_icmp_name(f->icmp_from.family, f->icmp_type,
                                         f->icmp_code);
    }
    c->syn_count = f->syn_count;
    c->rtt_ns = (f->bits & MCPD_F_SYNACK) && !(f->bits & MCPD_F_SYN_INFER) &&
                f->t_synack >= f->t_syn_last ? f->t_synack - f->t_syn_last
                                              : -1;
    c->cli_bytes = f->cli_bytes;
    c->srv_bytes = mcpd_flow_server_bytes(f);
    c->no_response = mcpd_flow_no_response(f);
    c->start_ns = f->t_first;
    c->end_ns = f->t_last;
    c->proc = f->client_proc;
    c->kernel = f->kernel;
}

static void
print_obj(struct mcpd_report *r, cJSON *o)
{
    char *text = mcpd_json_fix(cJSON_PrintUnformatted(o));

    if (text) {
        fputs(text, r->out);
        free(text);
    }
    cJSON_Delete(o);
}

static cJSON *
head_obj(struct mcpd_report *r)
{
    cJSON *o = cJSON_CreateObject(), *in, *a;
    int i;

    cJSON_AddStringToObject(o, "mcpdiag", MCPD_VERSION);
    cJSON_AddStringToObject(o, "command", r->opts.command);
    in = cJSON_AddObjectToObject(o, "input");
    a = cJSON_AddArrayToObject(in, "files");
    for (i = 0; i < r->input.nfiles; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(r->input.files[i]));
    a = cJSON_AddArrayToObject(in, "link_types");
    for (i = 0; i < r->input.nlink_types; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(r->input.link_types[i]));
    return o;
}

void
mcpd_json_begin(struct mcpd_report *r)
{
    cJSON *o;
    char *text;
    size_t n;

    if (r->opts.format != MCPD_FMT_JSON)
        return;
    /* Stream the document: print the head without its closing brace,
     * then each connection as it ends, then the tail. Memory stays
     * bounded by the connections in flight, not by the file. */
    o = head_obj(r);
    text = mcpd_json_fix(cJSON_PrintUnformatted(o));
    cJSON_Delete(o);
    if (text == NULL)
        return;
    n = strlen(text);
    if (n > 0 && text[n - 1] == '}')
        text[n - 1] = '\0';
    fprintf(r->out, "%s,\"connections\":[", text);
    free(text);
}

void
mcpd_json_flow(struct mcpd_report *r, const struct mcpd_flow *f)
{
    struct mcpd_jbuf j;
    struct mcpd_jconn c;
    char from[MCPD_IP_STRLEN];

    mcpd_jconn_flow(&c, f, from);
    c.typed = r->opts.format == MCPD_FMT_JSONL;
    mcpd_json_connection(&j, &c);
    if (r->opts.format == MCPD_FMT_JSONL) {
        /* Lines carry their kind so a log pipeline can route them. */
        j.b[j.n] = '\n';
        fwrite(j.b, 1, j.n + 1, r->out);
        if (r->opts.flush)
            fflush(r->out);
        return;
    }
    fputs(r->emitted > 1 ? ",\n" : "\n", r->out);
    fwrite(j.b, 1, j.n, r->out);
}

static cJSON *
finding_obj(const struct mcpd_finding *f, const char *cause_name)
{
    cJSON *o = cJSON_CreateObject(), *a;
    char ep[64];
    int i;

    cJSON_AddStringToObject(o, "cause", cause_name);
    cJSON_AddStringToObject(o, "summary", f->summary);
    a = cJSON_AddArrayToObject(o, "fix");
    for (i = 0; i < f->nfix; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(f->fix[i]));
    if (f->server)
        cJSON_AddStringToObject(o, "server",
                                mcpd_endpoint_str(&f->server->ep, ep,
                                                  sizeof(ep)));
    else
        cJSON_AddNullToObject(o, "server");
    add_u64(o, "connections", f->count);
    return o;
}

/* Summary, diagnosis, causes and stats: shared by --json and --jsonl. */
static void
add_tail(struct mcpd_report *r, cJSON *o, const struct mcpd_stats *st)
{
    cJSON *sum, *v, *a, *s;
    int i;

    sum = cJSON_AddObjectToObject(o, "summary");
    add_u64(sum, "connections", r->emitted);
    v = cJSON_AddObjectToObject(sum, "verdicts");
    for (i = 0; i < MCPD_V_COUNT; i++)
        if (r->verdicts[i])
            add_u64(v, mcpd_verdict_name((enum mcpd_verdict)i),
                    r->verdicts[i]);
    if (r->nfindings > 0) {
        cJSON_AddItemToObject(o, "diagnosis",
                              finding_obj(&r->findings[0],
                                          mcpd_cause_name(
                                              r->findings[0].cause)));
    } else {
        struct mcpd_finding none;
        memset(&none, 0, sizeof(none));
        snprintf(none.summary, sizeof(none.summary),
                 "no TCP connection in the capture%s: the client never "
                 "sent a SYN here (another host or namespace, a proxy, "
                 "or the wrong port)",
                 r->input.nfiles ? "" : " yet");
        cJSON_AddItemToObject(o, "diagnosis",
                              finding_obj(&none, "no_connection"));
    }
    a = cJSON_AddArrayToObject(o, "causes");
    for (i = 0; i < r->nfindings; i++)
        cJSON_AddItemToArray(a, finding_obj(&r->findings[i],
                                            mcpd_cause_name(
                                                r->findings[i].cause)));
    s = cJSON_AddObjectToObject(o, "stats");
    add_u64(s, "packets", st->packets);
    add_u64(s, "tcp", st->tcp);
    add_u64(s, "icmp_unreachable", st->icmp_unreach);
    add_u64(s, "other", st->skipped);
    add_u64(s, "outside_port", st->filtered);
    add_u64(s, "fragments", st->fragments);
    add_u64(s, "truncated", st->truncated);
    add_u64(s, "tcp_options_cut", st->hdr_cut);
    add_u64(s, "invalid", st->invalid);
    add_u64(s, "icmp_unmatched", st->icmp_stray);
    add_u64(s, "rst_ignored", st->rst_ignored);
    add_u64(s, "evicted", st->evicted);
    add_u64(s, "peak_connections_in_memory", st->peak_flows);
    add_u64(s, "other_servers", r->other_server_conns);
    if (st->live) {
        add_u64(s, "pcap_received", st->pcap_received);
        add_u64(s, "pcap_drop", st->pcap_drop);
        add_u64(s, "pcap_ifdrop", st->pcap_ifdrop);
    } else {
        cJSON_AddNullToObject(s, "pcap_received");
        cJSON_AddNullToObject(s, "pcap_drop");
        cJSON_AddNullToObject(s, "pcap_ifdrop");
    }
}

void
mcpd_json_finish(struct mcpd_report *r, const struct mcpd_stats *st)
{
    cJSON *o;
    char *text;

    if (r->opts.format == MCPD_FMT_JSONL) {
        o = head_obj(r);
        cJSON_AddStringToObject(o, "type", "summary");
        add_tail(r, o, st);
        print_obj(r, o);
        fputc('\n', r->out);
        return;
    }
    /* Print the tail's members after the connections array. */
    o = cJSON_CreateObject();
    add_tail(r, o, st);
    text = mcpd_json_fix(cJSON_PrintUnformatted(o));
    cJSON_Delete(o);
    fputs(r->emitted ? "\n]," : "],", r->out);
    if (text) {
        /* Drop the tail object's own braces: it continues the head. */
        size_t n = strlen(text);
        if (n >= 2) {
            text[n - 1] = '\0';
            fputs(text + 1, r->out);
        }
        free(text);
    }
    fputs("}\n", r->out);
}

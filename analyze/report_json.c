/* \summary: the JSON and JSON Lines report (the only user of cJSON);
 * schema in report.schema.json */

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"

/* Numbers with a fixed number of decimals, not cJSON's %.17g. */
static void
add_fixed(cJSON *o, const char *key, double v, int decimals)
{
    char buf[64];

    snprintf(buf, sizeof(buf), "%.*f", decimals, v);
    cJSON_AddItemToObject(o, key, cJSON_CreateRaw(buf));
}

static void
add_u64(cJSON *o, const char *key, uint64_t v)
{
    char buf[32];

    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
    cJSON_AddItemToObject(o, key, cJSON_CreateRaw(buf));
}

static void
add_time(cJSON *o, const char *key, int64_t ns)
{
    char buf[48];
    int64_t s = ns / 1000000000, us = (ns % 1000000000) / 1000;

    if (ns < 0) {
        s = 0;
        us = 0;
    }
    snprintf(buf, sizeof(buf), "%lld.%06lld", (long long)s, (long long)us);
    cJSON_AddItemToObject(o, key, cJSON_CreateRaw(buf));
}

static cJSON *
endpoint_obj(const struct mcpd_endpoint *e)
{
    char ip[MCPD_IP_STRLEN];
    cJSON *o = cJSON_CreateObject();

    cJSON_AddStringToObject(o, "addr", mcpd_ip_str(&e->ip, ip, sizeof(ip)));
    cJSON_AddNumberToObject(o, "port", e->port);
    return o;
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

static cJSON *
connection_obj(const struct mcpd_flow *f)
{
    cJSON *o = cJSON_CreateObject(), *x;
    enum mcpd_verdict v = (enum mcpd_verdict)f->verdict;
    const char *s;

    cJSON_AddItemToObject(o, "client", endpoint_obj(&f->cli));
    cJSON_AddItemToObject(o, "server", endpoint_obj(&f->srv));
    cJSON_AddStringToObject(o, "verdict", mcpd_verdict_name(v));
    if (f->bits & MCPD_F_SRV_RST)
        cJSON_AddStringToObject(o, "reset_by", "server");
    else if (f->bits & MCPD_F_CLI_RST)
        cJSON_AddStringToObject(o, "reset_by", "client");
    else
        cJSON_AddNullToObject(o, "reset_by");
    if (f->bits & MCPD_F_ICMP) {
        char ip[MCPD_IP_STRLEN];
        x = cJSON_AddObjectToObject(o, "icmp");
        cJSON_AddNumberToObject(x, "type", f->icmp_type);
        cJSON_AddNumberToObject(x, "code", f->icmp_code);
        cJSON_AddStringToObject(x, "from",
                                mcpd_ip_str(&f->icmp_from, ip, sizeof(ip)));
        cJSON_AddStringToObject(x, "meaning",
                                mcpd_icmp_name(f->icmp_from.family,
                                               f->icmp_type, f->icmp_code));
    } else {
        cJSON_AddNullToObject(o, "icmp");
    }
    cJSON_AddNumberToObject(o, "syn_count", f->syn_count);
    cJSON_AddNumberToObject(o, "synack_count", f->synack_count);
    if ((f->bits & MCPD_F_SYNACK) && (f->bits & MCPD_F_SYN) &&
        f->t_synack >= f->t_syn_last)
        add_fixed(o, "rtt_ms", (double)(f->t_synack - f->t_syn_last) / 1e6,
                  3);
    else
        cJSON_AddNullToObject(o, "rtt_ms");
    add_u64(o, "client_bytes", f->cli_bytes);
    add_u64(o, "server_bytes", mcpd_flow_server_bytes(f));
    cJSON_AddBoolToObject(o, "no_response", mcpd_flow_no_response(f));
    add_time(o, "start", f->t_first);
    add_time(o, "end", f->t_last);
    add_fixed(o, "duration_ms", (double)(f->t_last - f->t_first) / 1e6, 3);
    x = cJSON_AddObjectToObject(o, "packets");
    cJSON_AddNumberToObject(x, "client", f->cli_pkts);
    cJSON_AddNumberToObject(x, "server", f->srv_pkts);
    x = cJSON_AddObjectToObject(o, "retransmits");
    cJSON_AddNumberToObject(x, "client", f->cli_retrans);
    cJSON_AddNumberToObject(x, "server", f->srv_retrans);
    cJSON_AddBoolToObject(o, "one_sided",
                          (f->bits & (MCPD_F_HS_INFER | MCPD_F_SYN_INFER))
                              != 0);
    x = cJSON_AddObjectToObject(o, "payload");
    s = sniff_name(f->cli_sniff);
    if (s)
        cJSON_AddStringToObject(x, "client", s);
    else
        cJSON_AddNullToObject(x, "client");
    s = sniff_name(f->srv_sniff);
    if (s)
        cJSON_AddStringToObject(x, "server", s);
    else
        cJSON_AddNullToObject(x, "server");
    if (f->http_req[0])
        cJSON_AddStringToObject(x, "http_request", f->http_req);
    else
        cJSON_AddNullToObject(x, "http_request");
    if (f->http_status)
        cJSON_AddNumberToObject(x, "http_status", f->http_status);
    else
        cJSON_AddNullToObject(x, "http_status");
    cJSON_AddBoolToObject(o, "evicted", (f->bits & MCPD_F_EVICTED) != 0);
    cJSON_AddNullToObject(o, "process");
    cJSON_AddNullToObject(o, "server_process");
    cJSON_AddNullToObject(o, "kernel");
    return o;
}

static void
print_obj(struct mcpd_report *r, cJSON *o)
{
    char *text = cJSON_PrintUnformatted(o);

    if (text) {
        fputs(text, r->out);
        cJSON_free(text);
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
    text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (text == NULL)
        return;
    n = strlen(text);
    if (n > 0 && text[n - 1] == '}')
        text[n - 1] = '\0';
    fprintf(r->out, "%s,\"connections\":[", text);
    cJSON_free(text);
}

void
mcpd_json_flow(struct mcpd_report *r, const struct mcpd_flow *f)
{
    cJSON *o = connection_obj(f);

    if (r->opts.format == MCPD_FMT_JSONL) {
        /* Lines carry their kind so a log pipeline can route them. */
        cJSON_AddStringToObject(o, "type", "connection");
        print_obj(r, o);
        fputc('\n', r->out);
        return;
    }
    fputs(r->emitted > 1 ? ",\n" : "\n", r->out);
    print_obj(r, o);
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
    text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    fputs(r->emitted ? "\n]," : "],", r->out);
    if (text) {
        /* Drop the tail object's own braces: it continues the head. */
        size_t n = strlen(text);
        if (n >= 2) {
            text[n - 1] = '\0';
            fputs(text + 1, r->out);
        }
        cJSON_free(text);
    }
    fputs("}\n", r->out);
}

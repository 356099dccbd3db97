/* \summary: the probe report: text for people (verdict line, stage
 * table, evidence, fix) and one JSON document (SPEC "Output") */

#include <arpa/inet.h>
#include <pwd.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "probe_int.h"
#include "report.h"

#define RED     "\033[31m"
#define GREEN   "\033[32m"
#define BOLD    "\033[1m"
#define DIM     "\033[2m"
#define RESET   "\033[0m"

enum mark { M_OK, M_FAIL, M_SKIP, M_INFO };

static void
row(const struct mcpd_probe *p, FILE *out, enum mark m, const char *stage,
    const char *text)
{
    const char *sym, *col = "";

    switch (m) {
    case M_OK:
        sym = p->opts.utf8 ? "\xe2\x9c\x93" : "ok";
        col = GREEN;
        break;
    case M_FAIL:
        sym = p->opts.utf8 ? "\xe2\x9c\x97" : "XX";
        col = RED;
        break;
    case M_INFO:
        sym = p->opts.utf8 ? "\xc2\xb7" : "..";
        break;
    default:
        sym = p->opts.utf8 ? "-" : "--";
        col = DIM;
        break;
    }
    fprintf(out, "  %s%s%s %-10s ", p->opts.color ? col : "", sym,
            p->opts.color ? RESET : "", stage);
    mcpd_text_fputs(text, out);
    fputc('\n', out);
}

/* A line of evidence: our label, then text from elsewhere, escaped. */
static void
put_line(FILE *out, const char *label, const char *text)
{
    fputs(label, out);
    mcpd_text_fputs(text, out);
    fputc('\n', out);
}

/* Append to a growing line, never past its end. */
static void
cat(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
cat(char *buf, size_t len, const char *fmt, ...)
{
    size_t at = strlen(buf);
    va_list ap;

    if (at + 1 >= len)
        return;
    va_start(ap, fmt);
    vsnprintf(buf + at, len - at, fmt, ap);
    va_end(ap);
}

static const char *
errno_name(int e)
{
    switch (e) {
    case 0: return "";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case ENETUNREACH: return "ENETUNREACH";
    case ECONNRESET: return "ECONNRESET";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    default: return "errno";
    }
}

/* Why `stage` was skipped, or NULL when it ran. */
static const char *
skip_reason(const struct mcpd_probe *p, const char *stage)
{
    int i;

    for (i = 0; i < p->nskipped; i++)
        if (strcmp(p->skipped[i].stage, stage) == 0)
            return p->skipped[i].reason;
    return NULL;
}

static void
try_text(const struct mcpd_http_try *t, char *buf, size_t len)
{
    buf[0] = '\0';
    if (!t->ran) {
        cat(buf, len, "not run");
        return;
    }
    if (t->status)
        cat(buf, len, "%s %s -> %ld%s%s", t->method, t->url, t->status,
            t->meaning[0] ? ": " : "", t->meaning);
    else
        cat(buf, len, "%s %s -> %s", t->method, t->url, t->error);
    if (t->rpc_message[0])
        cat(buf, len, " (%s%.0ld%s\"%s\")", t->rpc_code ? "" : "",
            t->rpc_code, t->rpc_code ? " " : "", t->rpc_message);
}

/* One attempt's kernel evidence in a few words, for the stage line. */
static void
kev_brief(const struct mcpd_probe_kev *kv, char *buf, size_t len)
{
    int i;

    if (!kv->valid)
        return;
    if (strcmp(kv->k.rst_origin, "host") == 0)
        cat(buf, len, " RST from the host's stack (%s)", kv->k.rst_reason);
    else if (strcmp(kv->k.rst_origin, "other") == 0)
        cat(buf, len, " RST not from the host's stack");
    for (i = 0; i < kv->k.ndrops && i < MCPD_KDROPS; i++)
        cat(buf, len, " drop %s x%u", kv->k.drops[i].reason,
            kv->k.drops[i].count);
    if (kv->k.rule[0])
        cat(buf, len, " rule moved");
}

static void
kernel_row(const struct mcpd_probe *p, FILE *out)
{
    char line[1024], a[80];
    size_t mark;
    int i;

    line[0] = '\0';
    if (!p->kw_tried) {
        row(p, out, M_SKIP, "kernel", "not run: no address");
        return;
    }
    if (p->kw_error[0]) {
        /* Said once, here; every other stage works as without it. */
        cat(line, sizeof(line), "not available: %s", p->kw_error);
        if (p->kw_fw)
            cat(line, sizeof(line), "; firewall rule counters watched");
        row(p, out, M_SKIP, "kernel", line);
        return;
    }
    for (i = 0; i < p->naddr; i++) {
        const struct mcpd_probe_addr *ad = &p->addr[i];
        mcpd_hostport_str(ad->text, p->target.port, a, sizeof(a));
        cat(line, sizeof(line), "%s%s", i ? "; " : "", a);
        mark = strlen(line);
        kev_brief(&ad->kconn, line, sizeof(line));
        if (ad->syn.kernel.valid) {
            static const char sep[] = " | raw SYN:";
            size_t before = strlen(line);
            cat(line, sizeof(line), "%s", sep);
            kev_brief(&ad->syn.kernel, line, sizeof(line));
            if (strlen(line) == before + sizeof(sep) - 1)
                line[before] = '\0';    /* nothing to say about it */
        }
        if (strlen(line) == mark)
            cat(line, sizeof(line), " nothing to report");
    }
    if (p->kw_lost)
        cat(line, sizeof(line), "; %llu events lost",
            (unsigned long long)p->kw_lost);
    if (!p->kw_fw && p->fw_watch_error[0])
        cat(line, sizeof(line), "; no rule counters: %s", p->fw_watch_error);
    row(p, out, M_INFO, "kernel", line);
}

/* Evidence lines: what the kernel said about one attempt. */
static void
kev_evidence(const struct mcpd_probe *p, FILE *out, const char *who,
             const struct mcpd_probe_kev *kv)
{
    int i;

    if (!kv->valid)
        return;
    if (strcmp(kv->k.rst_origin, "host") == 0)
        fprintf(out, "  kernel: %s: the host's TCP stack sent the RST (%s: "
                "%s; matched by %s)\n", who, kv->k.rst_reason,
                mcpd_kdrop_meaning(kv->k.rst_reason),
                kv->k.rst_matched_by ? kv->k.rst_matched_by : "?");
    else if (strcmp(kv->k.rst_origin, "other") == 0)
        fprintf(out, "  kernel: %s: the RST did not come from the host's "
                "TCP stack (no tcp_send_reset, no event lost): %s\n", who,
                kv->local_target ? "a firewall rule (REJECT --reject-with "
                "tcp-reset) sent it" : "the remote host or a device on the "
                "way sent it");
    for (i = 0; i < kv->k.ndrops && i < MCPD_KDROPS; i++)
        fprintf(out, "  kernel: %s: %u packet%s dropped, %s: %s (matched "
                "by %s)\n", who, kv->k.drops[i].count,
                kv->k.drops[i].count == 1 ? "" : "s", kv->k.drops[i].reason,
                mcpd_kdrop_meaning(kv->k.drops[i].reason),
                kv->k.drops_matched_by ? kv->k.drops_matched_by : "?");
    if (kv->k.rule[0]) {
        fprintf(out, "  kernel: %s: firewall rule whose counter moved: ",
                who);
        mcpd_text_fputs(kv->k.rule, out);
        fprintf(out, " (matched by %s)\n",
                kv->rule_matched_by ? kv->rule_matched_by : "?");
    }
    (void)p;
}

/* 1: the target's addresses. */
static void
row_resolve(const struct mcpd_probe *p, FILE *out)
{
    char line[2048];
    int i;

    line[0] = '\0';
    if (p->naddr == 0)
        cat(line, sizeof(line), "%s: %s", p->target.host, p->resolve_error);
    else
        cat(line, sizeof(line), "%s ->", p->target.host);
    for (i = 0; i < p->naddr; i++)
        cat(line, sizeof(line), "%s %s", i ? "," : "", p->addr[i].text);
    row(p, out, p->naddr ? M_OK : M_FAIL, "resolve", line);
}

/* 2: who listens on the port, and whether one accepts our address. */
static void
row_listeners(const struct mcpd_probe *p, FILE *out)
{
    char line[2048], a[80];
    enum mark m = M_FAIL;
    int i;

    line[0] = '\0';
    if (p->nlst < 0) {
        cat(line, sizeof(line), "unknown: %s", p->lst_error);
        m = M_SKIP;
    } else if (p->nlst == 0) {
        cat(line, sizeof(line), "none on port %u", (unsigned)p->target.port);
    }
    for (i = 0; i < p->nlst; i++) {
        const struct mcpd_probe_listener *l = &p->lst[i];
        mcpd_hostport_str(l->addr, p->target.port, a, sizeof(a));
        cat(line, sizeof(line), "%s%s", i ? "; " : "", a);
        if (l->pid > 0)
            cat(line, sizeof(line), " %s pid %d user %s", l->command,
                (int)l->pid, l->user);
        if (l->backlog_known)
            cat(line, sizeof(line), " queue %u/%u%s", l->queued,
                l->backlog, mcpd_listener_queue_full(l) == 1 ?
                " FULL" : "");
        else if (l->queued)
            cat(line, sizeof(line), " queue %u", l->queued);
        if (p->naddr > 0 && l->accepts[0])
            m = M_OK;
    }
    row(p, out, m, "listeners", line);
}

/* 3: our TCP connect to each address. */
static void
row_connect(const struct mcpd_probe *p, FILE *out)
{
    char line[2048], a[80];
    int i;

    line[0] = '\0';
    for (i = 0; i < p->naddr; i++) {
        const struct mcpd_probe_addr *ad = &p->addr[i];
        mcpd_hostport_str(ad->text, p->target.port, a, sizeof(a));
        cat(line, sizeof(line), "%s%s %s", i ? "; " : "", a,
            mcpd_conn_result_name(ad->conn));
        if (ad->conn_errno)
            cat(line, sizeof(line), " (%s)", errno_name(ad->conn_errno));
        cat(line, sizeof(line), " %.1f ms", ad->conn_ms);
    }
    row(p, out, p->naddr == 0 ? M_SKIP :
        p->addr[0].conn == MCPD_CONN_CONNECTED ? M_OK : M_FAIL, "connect",
        p->naddr ? line : "not run");
}

/* One raw SYN's answer, for the syn probe row. */
static void
syn_text(const struct mcpd_syn_probe *s, char *line, size_t len)
{
    if (s->result == MCPD_SYN_NOT_RUN)
        cat(line, len, "skipped (its connect timed out like the first)");
    else if (s->result == MCPD_SYN_ERROR)
        cat(line, len, "error: %s", s->error);
    else if (s->result == MCPD_SYN_ICMP)
        cat(line, len, "ICMP type %d code %d from %s %.1f ms",
            s->icmp_type, s->icmp_code, s->icmp_from, s->ms);
    else if (s->result == MCPD_SYN_NOTHING)
        cat(line, len, "nothing (%d SYNs)", s->sent);
    else
        cat(line, len, "%s %.2f ms",
            s->result == MCPD_SYN_SYNACK ? "SYN-ACK" : "RST", s->ms);
}

/* 4: the raw SYN (root). */
static void
row_syn(const struct mcpd_probe *p, FILE *out)
{
    char line[2048], a[80];
    enum mark m = M_SKIP;
    int i;

    line[0] = '\0';
    if (!p->is_root || p->opts.no_syn) {
        cat(line, sizeof(line), "not run: %s", p->opts.no_syn ?
            "--no-syn" : "needs root (sudo)");
    } else {
        for (i = 0; i < p->naddr; i++) {
            mcpd_hostport_str(p->addr[i].text, p->target.port, a, sizeof(a));
            cat(line, sizeof(line), "%s%s ", i ? "; " : "", a);
            syn_text(&p->addr[i].syn, line, sizeof(line));
        }
        if (p->naddr)
            m = p->addr[0].syn.result == MCPD_SYN_SYNACK ? M_OK : M_FAIL;
    }
    row(p, out, m, "syn probe", line);
}

/* 5: the rules that mention the port, and the listen counters. */
static void
row_firewall(const struct mcpd_probe *p, FILE *out)
{
    char line[2048];
    enum mark m = M_SKIP;
    int i, blocking = 0;

    line[0] = '\0';
    if (p->nrules < 0) {
        cat(line, sizeof(line), "not inspected: %s", p->fw_error);
    } else {
        for (i = 0; i < p->nrules; i++)
            if (strcmp(p->rules[i].action, "drop") == 0 ||
                strcmp(p->rules[i].action, "reject") == 0)
                blocking++;
        cat(line, sizeof(line), "%d rule%s mention port %u", p->nrules,
            p->nrules == 1 ? "" : "s", (unsigned)p->target.port);
        if (blocking)
            cat(line, sizeof(line), ", %d drop/reject", blocking);
        m = blocking ? M_FAIL : M_OK;
    }
    if (p->kbefore.valid && p->kafter.valid)
        cat(line, sizeof(line), "; ListenOverflows +%llu ListenDrops +%llu",
            (unsigned long long)(p->kafter.listen_overflows -
                                 p->kbefore.listen_overflows),
            (unsigned long long)(p->kafter.listen_drops -
                                 p->kbefore.listen_drops));
    row(p, out, m, "firewall", line);
}

/* The OS's proxy settings (Windows, macOS) and who would use them;
 * nothing where the OS keeps none (Linux). */
static void
sysproxy_text(const struct mcpd_probe *p, char *line, size_t len)
{
    const struct mcpd_probe_proxy *px = &p->proxy;

    if (!px->sys.has)
        return;
    if (!px->sys_read) {
        cat(line, len, "; %s", px->sys.source);
        return;
    }
    if (px->sys_proxy[0]) {
        cat(line, len, "; system proxy %s (%s): ", px->sys_proxy,
            px->sys.source);
        if (px->sys_bypassed)
            cat(line, len, "its exceptions send %s direct",
                p->target.host);
        else
            cat(line, len, "%s by Python's urllib (requests, httpx)%s, "
                "%s by Chromium-based clients (Electron)%s",
                px->sys_python ? "used" : "not used",
                px->sys_python ? "" : " (a proxy variable is set)",
                px->sys_chromium ? "used" : "not used",
                px->sys_chromium ? "" : " (loopback goes direct)");
    } else if (!px->sys.pac[0] && !px->sys.auto_detect)
        cat(line, len, "; no system proxy (%s)", px->sys.source);
    if (px->sys.pac[0] || px->sys.auto_detect)
        cat(line, len, "; the system settings %s: it decides for "
            "Chromium-based clients (not evaluated here)",
            px->sys.pac[0] ? "name a PAC script" : "detect a proxy (WPAD)");
}

/* 6: the proxy variables, and the proxy when a client would use one. */
static void
row_proxy(const struct mcpd_probe *p, FILE *out)
{
    char line[2048];
    enum mark m;
    int i;

    line[0] = '\0';
    if (!p->proxy.any_proxied) {
        cat(line, sizeof(line), "%s", p->proxy.nvars ? "set, but no client "
            "would proxy this URL" : "no proxy variable set");
        m = p->proxy.nvars ? M_OK : M_SKIP;
    } else {
        cat(line, sizeof(line), "proxied by");
        for (i = 0; i < MCPD_CLIENT_COUNT; i++)
            if (p->proxy.client[i].proxied)
                cat(line, sizeof(line), " %s", mcpd_client_name(i));
        cat(line, sizeof(line), " via %s: ", p->proxy.checked);
        if (p->proxy.reachable == 0)
            cat(line, sizeof(line), "does not answer");
        else
            cat(line, sizeof(line), "answers, initialize -> %ld",
                p->proxy.via_status);
        m = p->proxy.via_mcp_ok ? M_OK : M_FAIL;
    }
    sysproxy_text(p, line, sizeof(line));
    row(p, out, m, "proxy", line);
}

/* 7: HTTP, then MCP. */
static void
row_http(const struct mcpd_probe *p, FILE *out)
{
    const struct mcpd_probe_http *hs = &p->http;
    char line[2048];

    try_text(&hs->health, line, sizeof(line));
    if (!hs->health.ran && skip_reason(p, "http"))
        snprintf(line, sizeof(line), "skipped: %s", skip_reason(p, "http"));
    if (hs->tls_mismatch)
        cat(line, sizeof(line), "; the port speaks %s",
            hs->tls_mismatch == 1 ? "plain HTTP" : "TLS");
    if (hs->tls_untrusted && hs->tls_insecure_status)
        cat(line, sizeof(line), "; without the certificate check -> %ld",
            hs->tls_insecure_status);
    row(p, out, !hs->health.ran ? M_SKIP : hs->health.status &&
        !hs->tls_mismatch ? M_OK : M_FAIL, "http", line);
}

static void
row_mcp(const struct mcpd_probe *p, FILE *out)
{
    const struct mcpd_probe_http *hs = &p->http;
    char line[2048];

    line[0] = '\0';
    if (hs->mcp_ok) {
        cat(line, sizeof(line), "%s %s over %s, protocol %s",
            hs->server_name, hs->server_version, hs->transport,
            hs->protocol_version);
        if (hs->tools_count >= 0)
            cat(line, sizeof(line), ", %d tools", hs->tools_count);
    } else if (!hs->init.ran && skip_reason(p, "mcp")) {
        cat(line, sizeof(line), "skipped: %s", skip_reason(p, "mcp"));
    } else if (!hs->init.ran) {
        cat(line, sizeof(line), "not run: no connection");
    } else {
        cat(line, sizeof(line), "no transport worked");
    }
    row(p, out, hs->mcp_ok ? M_OK : hs->init.ran ? M_FAIL : M_SKIP, "mcp",
        line);
}

/* Evidence: the HTTP and MCP exchanges, one line each. */
static void
evidence_http(const struct mcpd_probe *p, FILE *out)
{
    const struct mcpd_probe_http *hs = &p->http;
    const struct {
        const char *label;
        const struct mcpd_http_try *t;
    } tries[] = {
        { "  discover:   ", &hs->discover },
        { "  initialize: ", &hs->init },
        { "  sse:        ", &hs->sse_get },
        { "  sse post:   ", &hs->sse_post },
    };
    char line[2048];
    size_t k;
    int i;

    for (k = 0; k < sizeof(tries) / sizeof(tries[0]); k++)
        if (tries[k].t->ran) {
            try_text(tries[k].t, line, sizeof(line));
            put_line(out, tries[k].label, line);
        }
    for (i = 0; i < hs->npaths; i++) {
        try_text(&hs->paths[i].init, line, sizeof(line));
        fprintf(out, "  path %-5s  %s%s\n", hs->paths[i].path, line,
                hs->paths[i].mcp_ok ? " (speaks MCP)" : "");
    }
    if (hs->auth.required) {
        const struct mcpd_probe_auth *au = &hs->auth;
        fprintf(out, "  auth:       %ld, %s challenge%s%s; metadata %s "
                "-> %ld", au->status, au->scheme[0] ? au->scheme :
                "no", au->resource_metadata[0] ? ", resource_metadata "
                : "", au->resource_metadata, au->metadata_url[0] ?
                au->metadata_url : "(none)", au->metadata_status);
        for (i = 0; i < au->nservers; i++)
            fprintf(out, "%s%s", i ? ", " : "; authorization server ",
                    au->servers[i]);
        fputc('\n', out);
    }
}

/* Evidence: what the kernel said about each attempt. */
static void
evidence_kernel(const struct mcpd_probe *p, FILE *out)
{
    char who[120], a[80];
    int i;

    for (i = 0; i < p->naddr; i++) {
        mcpd_hostport_str(p->addr[i].text, p->target.port, a, sizeof(a));
        snprintf(who, sizeof(who), "%s connect", a);
        kev_evidence(p, out, who, &p->addr[i].kconn);
        snprintf(who, sizeof(who), "%s raw SYN", a);
        kev_evidence(p, out, who, &p->addr[i].syn.kernel);
    }
    for (i = 0; i < p->naddr && p->is_root && !p->opts.no_syn; i++)
        if (p->addr[i].syn.result == MCPD_SYN_SYNACK) {
            fprintf(out, "  raw SYN from port %u (seq %u): the kernel "
                    "RSTs the SYN-ACK, as expected\n",
                    (unsigned)p->addr[i].syn.sport,
                    (unsigned)p->addr[i].syn.seq);
            break;
        }
}

static void
evidence(const struct mcpd_probe *p, FILE *out)
{
    int i;

    fprintf(out, "\nEvidence\n");
    for (i = 0; i < p->nrules; i++) {
        fprintf(out, "  %s: ", p->rules[i].source);
        put_line(out, "", p->rules[i].text);
    }
    for (i = 0; i < MCPD_CLIENT_COUNT && p->proxy.nvars; i++) {
        fprintf(out, "  %-8s %s: ", mcpd_client_name(i),
                p->proxy.client[i].proxied ? "proxied" : "direct");
        put_line(out, "", p->proxy.client[i].reason);
    }
    evidence_http(p, out);
    evidence_kernel(p, out);
}

void
mcpd_probe_report_text(const struct mcpd_probe *p, FILE *out)
{
    int i, ok = p->cause_id == MCPD_C_OK;

    fprintf(out, "%s%s %s%s: ", p->opts.color ? (ok ? GREEN : RED) : "",
            ok ? (p->opts.utf8 ? "\xe2\x9c\x93" : "OK") :
            (p->opts.utf8 ? "\xe2\x9c\x97" : "FAIL"), p->cause,
            p->opts.color ? RESET : "");
    put_line(out, "", p->summary);
    if (!p->opts.quiet) {
        fprintf(out, "\n%s", p->opts.color ? BOLD : "");
        mcpd_text_fputs(p->target.url, out);
        fprintf(out, "%s\n", p->opts.color ? RESET : "");
        row_resolve(p, out);
        row_listeners(p, out);
        row_connect(p, out);
        row_syn(p, out);
        kernel_row(p, out);
        row_firewall(p, out);
        row_proxy(p, out);
        row_http(p, out);
        row_mcp(p, out);
        if (p->opts.verbose || !ok)
            evidence(p, out);
    }
    if (p->nfix > 0) {
        fprintf(out, "\nFix\n");
        for (i = 0; i < p->nfix; i++)
            put_line(out, "  ", p->fix[i]);
    }
}

/* ---- JSON ---- */

static cJSON *
str_or_null(const char *s)
{
    return s && *s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *
try_json(const struct mcpd_http_try *t)
{
    cJSON *o;

    if (!t->ran)
        return cJSON_CreateNull();
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "method", t->method);
    cJSON_AddStringToObject(o, "url", t->url);
    if (t->status)
        cJSON_AddNumberToObject(o, "status", (double)t->status);
    else
        cJSON_AddNullToObject(o, "status");
    cJSON_AddItemToObject(o, "content_type", str_or_null(t->content_type));
    cJSON_AddItemToObject(o, "error", str_or_null(t->error));
    if (t->os_errno)
        cJSON_AddNumberToObject(o, "errno", t->os_errno);
    else
        cJSON_AddNullToObject(o, "errno");
    cJSON_AddNumberToObject(o, "ms", (double)(long)(t->ms * 1000) / 1000);
    if (t->rpc_code || t->rpc_message[0]) {
        cJSON *e = cJSON_AddObjectToObject(o, "jsonrpc_error");
        if (t->rpc_code)
            cJSON_AddNumberToObject(e, "code", (double)t->rpc_code);
        else
            cJSON_AddNullToObject(e, "code");
        cJSON_AddStringToObject(e, "message", t->rpc_message);
    } else {
        cJSON_AddNullToObject(o, "jsonrpc_error");
    }
    cJSON_AddItemToObject(o, "meaning", str_or_null(t->meaning));
    cJSON_AddItemToObject(o, "server", str_or_null(t->server));
    cJSON_AddItemToObject(o, "content_encoding", str_or_null(t->encoding));
    cJSON_AddItemToObject(o, "www_authenticate", str_or_null(t->www_auth));
    return o;
}

static cJSON *
counters_json(const struct mcpd_kcounters *k)
{
    cJSON *o;

    if (!k->valid)
        return cJSON_CreateNull();
    o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "ListenOverflows", (double)k->listen_overflows);
    cJSON_AddNumberToObject(o, "ListenDrops", (double)k->listen_drops);
    return o;
}

/* Text from the one JSON writer (analyze/report_json.c) as a node of
 * this document; null if it did not fit. */
static cJSON *
from_writer(const struct mcpd_jbuf *j)
{
    cJSON *o = cJSON_Parse(j->b);

    return o ? o : cJSON_CreateNull();
}

/* The kernel's word on one attempt, in capture's shape (SPEC "kernel")
 * with probe's two keys, or null when neither the witness nor the rule
 * counters watched it. */
static cJSON *
kernel_json(const struct mcpd_probe_kev *kv)
{
    struct mcpd_kernel_more more;
    struct mcpd_jbuf j;

    more.rule_matched_by = kv->rule_matched_by;
    more.local_target = kv->local_target;
    j.n = 0;
    j.b[0] = '\0';
    mcpd_json_kernel(&j, kv->valid ? &kv->k : NULL, &more);
    return from_writer(&j);
}

/* SPEC verdict of the probe's own TCP connect, or NULL when no
 * connection reached the wire (a local error: EPERM from an OUTPUT
 * rule, EADDRNOTAVAIL, no socket). */
static const char *
conn_verdict(const struct mcpd_probe_addr *a)
{
    switch (a->conn) {
    case MCPD_CONN_CONNECTED:
        return "CLOSED";     /* we close() right after the handshake */
    case MCPD_CONN_REFUSED:
        return "REFUSED";
    case MCPD_CONN_TIMEOUT:
        return "TIMEOUT";
    case MCPD_CONN_UNREACHABLE:
        return a->conn_errno == EHOSTUNREACH || a->conn_errno == ENETUNREACH ?
               "UNREACHABLE" : NULL;    /* EHOSTUNREACH, ENETUNREACH */
    case MCPD_CONN_RESET:
        return "RESET";
    default:
        return NULL;
    }
}

static cJSON *
connection_json(const struct mcpd_probe *p, const struct mcpd_probe_addr *a,
                const char *verdict, const struct mcpd_proc *me)
{
    struct mcpd_kernel_more more;
    struct mcpd_jconn c;
    struct mcpd_jbuf j;

    memset(&c, 0, sizeof(c));
    if (a->local[0] &&
        inet_pton(strchr(a->local, ':') ? AF_INET6 : AF_INET, a->local,
                  c.cli.ip.a) == 1)
        c.cli.ip.family = strchr(a->local, ':') ? 6 : 4;
    c.cli.port = a->local_port;
    c.srv.ip = a->ip;
    c.srv.port = p->target.port;
    c.verdict = verdict;
    c.reset_by = a->conn == MCPD_CONN_RESET ? "server" : NULL;
    if (strcmp(verdict, "UNREACHABLE") == 0 &&
        a->syn.result == MCPD_SYN_ICMP) {
        c.icmp = 1;
        c.icmp_type = (unsigned)a->syn.icmp_type;
        c.icmp_code = (unsigned)a->syn.icmp_code;
        c.icmp_from = a->syn.icmp_from;
    }
    c.syn_count = a->syn_count > 0 ? a->syn_count : -1;
    c.rtt_ms = a->conn == MCPD_CONN_CONNECTED ?
               (double)(long)(a->conn_ms * 1000) / 1000 : -1;
    c.start_s = a->conn_start;
    c.end_s = a->conn_start + a->conn_ms / 1e3;
    c.proc = me;
    c.stage = "connect";
    more.rule_matched_by = a->kconn.rule_matched_by;
    more.local_target = a->kconn.local_target;
    c.kernel = a->kconn.valid ? &a->kconn.k : NULL;
    c.kmore = &more;
    mcpd_json_connection(&j, &c);
    return from_writer(&j);
}

/*
 * SPEC "connections" for probe: the TCP connections of the connect stage
 * (one per resolved address), written by the same writer as capture's
 * and analyze's, so one reader handles every command. The HTTP stage's
 * connections go through libcurl and are described by "http" and "mcp".
 */
static void
connections_json(const struct mcpd_probe *p, cJSON *root)
{
    cJSON *arr = cJSON_AddArrayToObject(root, "connections");
    cJSON *sum = cJSON_AddObjectToObject(root, "summary");
    cJSON *verdicts = cJSON_CreateObject(), *cnt;
    const struct passwd *pw = getpwuid(geteuid());
    struct mcpd_proc me;
    int i, n = 0;

    memset(&me, 0, sizeof(me));
    me.pid = (int32_t)getpid();
    snprintf(me.command, sizeof(me.command), "mcpdiag");
    if (pw)
        snprintf(me.user, sizeof(me.user), "%s", pw->pw_name);
    for (i = 0; i < p->naddr; i++) {
        const char *v = conn_verdict(&p->addr[i]);

        if (v == NULL)
            continue;
        cJSON_AddItemToArray(arr, connection_json(p, &p->addr[i], v, &me));
        cnt = cJSON_GetObjectItem(verdicts, v);
        if (cnt)
            cJSON_SetNumberValue(cnt, cnt->valuedouble + 1);
        else
            cJSON_AddNumberToObject(verdicts, v, 1);
        n++;
    }
    cJSON_AddNumberToObject(sum, "connections", n);
    cJSON_AddItemToObject(sum, "verdicts", verdicts);
}

/* The top: version, command, the target and its resolution. */
static void
target_json(const struct mcpd_probe *p, cJSON *root)
{
    cJSON *o;

    cJSON_AddStringToObject(root, "mcpdiag", MCPD_VERSION);
    cJSON_AddStringToObject(root, "command", "probe");
    o = cJSON_AddObjectToObject(root, "target");
    cJSON_AddStringToObject(o, "url", p->target.url);
    cJSON_AddStringToObject(o, "scheme", p->target.scheme);
    cJSON_AddStringToObject(o, "host", p->target.host);
    cJSON_AddNumberToObject(o, "port", p->target.port);
    cJSON_AddStringToObject(o, "path", p->target.path);
    cJSON_AddItemToObject(o, "resolve_error", str_or_null(p->resolve_error));
    cJSON_AddBoolToObject(o, "resolve_timed_out", p->resolve_timed_out);
    cJSON_AddNumberToObject(o, "resolve_ms",
                            (double)(long)(p->resolve_ms * 1000) / 1000);
    cJSON_AddBoolToObject(root, "root", p->is_root);
}

/* Whether the kernel witness and the rule counters watched. */
static void
witness_json(const struct mcpd_probe *p, cJSON *root)
{
    cJSON *o;

    o = cJSON_AddObjectToObject(root, "kernel_witness");
    cJSON_AddBoolToObject(o, "ran", p->kw_tried);
    cJSON_AddBoolToObject(o, "available", p->kw_tried && !p->kw_error[0]);
    cJSON_AddItemToObject(o, "error", str_or_null(p->kw_error));
    cJSON_AddNumberToObject(o, "events", (double)p->kw_events);
    cJSON_AddNumberToObject(o, "lost", (double)p->kw_lost);
    cJSON_AddBoolToObject(o, "rule_counters", p->kw_fw);
    cJSON_AddItemToObject(o, "rule_counters_error",
                          str_or_null(p->kw_fw ? "" : p->fw_watch_error));
}

/* Each address: its connect, its raw SYN, what the kernel said. */
static void
addresses_json(const struct mcpd_probe *p, cJSON *root)
{
    cJSON *arr, *x;
    int i;

    arr = cJSON_AddArrayToObject(root, "addresses");
    for (i = 0; i < p->naddr; i++) {
        const struct mcpd_probe_addr *a = &p->addr[i];
        cJSON *c, *s;

        x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "addr", a->text);
        cJSON_AddNumberToObject(x, "family", a->ip.family);
        c = cJSON_AddObjectToObject(x, "connect");
        cJSON_AddStringToObject(c, "result", mcpd_conn_result_name(a->conn));
        if (a->conn_errno) {
            cJSON_AddNumberToObject(c, "errno", a->conn_errno);
            cJSON_AddStringToObject(c, "error", strerror(a->conn_errno));
        } else {
            cJSON_AddNullToObject(c, "errno");
            cJSON_AddNullToObject(c, "error");
        }
        cJSON_AddNumberToObject(c, "ms",
                                (double)(long)(a->conn_ms * 1000) / 1000);
        if (a->syn.result == MCPD_SYN_NOT_RUN) {
            cJSON_AddNullToObject(x, "syn_probe");
        } else {
            s = cJSON_AddObjectToObject(x, "syn_probe");
            cJSON_AddStringToObject(s, "result",
                                    mcpd_syn_result_name(a->syn.result));
            cJSON_AddNumberToObject(s, "sent", a->syn.sent);
            cJSON_AddNumberToObject(s, "ms",
                                    (double)(long)(a->syn.ms * 1000) / 1000);
            if (a->syn.result == MCPD_SYN_ICMP) {
                cJSON *ic = cJSON_AddObjectToObject(s, "icmp");
                cJSON_AddNumberToObject(ic, "type", a->syn.icmp_type);
                cJSON_AddNumberToObject(ic, "code", a->syn.icmp_code);
                cJSON_AddStringToObject(ic, "from", a->syn.icmp_from);
            } else {
                cJSON_AddNullToObject(s, "icmp");
            }
            cJSON_AddNumberToObject(s, "sport", a->syn.sport);
            cJSON_AddNumberToObject(s, "seq", a->syn.seq);
            cJSON_AddItemToObject(s, "error", str_or_null(a->syn.error));
            cJSON_AddItemToObject(s, "kernel", kernel_json(&a->syn.kernel));
        }
        cJSON_AddItemToObject(x, "kernel", kernel_json(&a->kconn));
        cJSON_AddItemToArray(arr, x);
    }
}

/* The sockets listening on the port (null: not known). */
static void
listeners_json(const struct mcpd_probe *p, cJSON *root)
{
    cJSON *arr, *x;
    int i, j;

    if (p->nlst < 0) {
        cJSON_AddNullToObject(root, "listeners");
    } else {
        arr = cJSON_AddArrayToObject(root, "listeners");
        for (i = 0; i < p->nlst; i++) {
            const struct mcpd_probe_listener *l = &p->lst[i];
            cJSON *acc;

            x = cJSON_CreateObject();
            cJSON_AddStringToObject(x, "addr", l->addr);
            cJSON_AddNumberToObject(x, "port", p->target.port);
            cJSON_AddNumberToObject(x, "family", l->family);
            if (l->v6only >= 0)
                cJSON_AddBoolToObject(x, "v6only", l->v6only);
            else
                cJSON_AddNullToObject(x, "v6only");
            if (l->backlog_known)
                cJSON_AddNumberToObject(x, "backlog", l->backlog);
            else
                cJSON_AddNullToObject(x, "backlog");
            if (mcpd_listener_queue_full(l) >= 0)
                cJSON_AddBoolToObject(x, "queue_full",
                                      mcpd_listener_queue_full(l));
            else
                cJSON_AddNullToObject(x, "queue_full");
            cJSON_AddNumberToObject(x, "queued", l->queued);
            if (l->pid > 0) {
                cJSON *pr = cJSON_AddObjectToObject(x, "process");
                cJSON_AddNumberToObject(pr, "pid", l->pid);
                cJSON_AddStringToObject(pr, "command", l->command);
                cJSON_AddStringToObject(pr, "user", l->user);
            } else {
                cJSON_AddNullToObject(x, "process");
            }
            acc = cJSON_AddArrayToObject(x, "accepts");
            for (j = 0; j < p->naddr; j++)
                if (l->accepts[j])
                    cJSON_AddItemToArray(acc,
                                         cJSON_CreateString(p->addr[j].text));
            cJSON_AddItemToArray(arr, x);
        }
    }
    cJSON_AddStringToObject(root, "listeners_visibility", p->lst_visibility);
}

/* "system": the OS's proxy settings (Windows, macOS only: the key is
 * absent where the OS keeps none). */
static void
sysproxy_json(const struct mcpd_probe *p, cJSON *o)
{
    const struct mcpd_probe_proxy *px = &p->proxy;
    const struct mcpd_sysproxy_set *s = &px->sys;
    char red[512];
    cJSON *x = cJSON_AddObjectToObject(o, "system");

    cJSON_AddBoolToObject(x, "read", px->sys_read);
    cJSON_AddStringToObject(x, "source", s->source);
    if (!px->sys_read)
        return;
    mcpd_redact_url(s->http, red, sizeof(red));
    cJSON_AddItemToObject(x, "http", str_or_null(red));
    mcpd_redact_url(s->https, red, sizeof(red));
    cJSON_AddItemToObject(x, "https", str_or_null(red));
    /* A PAC URL may carry a token in its query: not shown. */
    mcpd_redact_url(s->pac, red, sizeof(red));
    if (strcspn(red, "?#") < strlen(red)) {
        size_t q = strcspn(red, "?#");
        snprintf(red + q, sizeof(red) - q, "?***");
    }
    cJSON_AddItemToObject(x, "pac", str_or_null(red));
    cJSON_AddBoolToObject(x, "auto_detect", s->auto_detect);
    cJSON_AddItemToObject(x, "bypass", str_or_null(s->bypass));
    cJSON_AddBoolToObject(x, "bypass_simple_names", s->bypass_simple);
    mcpd_redact_url(s->winhttp, red, sizeof(red));
    cJSON_AddItemToObject(x, "winhttp", str_or_null(red));
    cJSON_AddItemToObject(x, "proxy", str_or_null(px->sys_proxy));
    cJSON_AddBoolToObject(x, "bypassed", px->sys_bypassed);
    cJSON_AddBoolToObject(x, "python_urllib", px->sys_python);
    cJSON_AddBoolToObject(x, "chromium", px->sys_chromium);
}

/* The proxy variables and what each client makes of them. */
static void
proxy_json(const struct mcpd_probe *p, cJSON *root)
{
    cJSON *o, *x;
    int i;

    o = cJSON_AddObjectToObject(root, "proxy");
    cJSON_AddBoolToObject(o, "ran", 1);    /* reads the environment */
    x = cJSON_AddObjectToObject(o, "variables");
    for (i = 0; i < p->proxy.nvars; i++) {
        char name[32];
        const char *eq = strchr(p->proxy.vars[i], '=');
        snprintf(name, sizeof(name), "%.*s",
                 (int)(eq - p->proxy.vars[i]), p->proxy.vars[i]);
        cJSON_AddStringToObject(x, name, eq + 1);
    }
    x = cJSON_AddObjectToObject(o, "clients");
    for (i = 0; i < MCPD_CLIENT_COUNT; i++) {
        const struct mcpd_proxy_choice *c = &p->proxy.client[i];
        cJSON *cl = cJSON_AddObjectToObject(x, mcpd_client_name(i));
        cJSON_AddBoolToObject(cl, "proxied", c->proxied);
        cJSON_AddItemToObject(cl, "variable", str_or_null(c->proxy_var));
        cJSON_AddItemToObject(cl, "proxy", str_or_null(c->proxy));
        cJSON_AddItemToObject(cl, "no_proxy_variable",
                              str_or_null(c->noproxy_var));
        cJSON_AddStringToObject(cl, "reason", c->reason);
    }
    cJSON_AddItemToObject(o, "checked", str_or_null(p->proxy.checked));
    if (p->proxy.reachable < 0)
        cJSON_AddNullToObject(o, "reachable");
    else
        cJSON_AddBoolToObject(o, "reachable", p->proxy.reachable);
    if (p->proxy.via_status)
        cJSON_AddNumberToObject(o, "via_status", (double)p->proxy.via_status);
    else
        cJSON_AddNullToObject(o, "via_status");
    cJSON_AddBoolToObject(o, "via_mcp_ok", p->proxy.via_mcp_ok);
    if (p->proxy.sys.has)
        sysproxy_json(p, o);
}

/* The rules that mention the port, and the listen counters. */
static void
firewall_json(const struct mcpd_probe *p, cJSON *root)
{
    cJSON *o, *arr, *x;
    int i;

    o = cJSON_AddObjectToObject(root, "firewall");
    cJSON_AddBoolToObject(o, "ran", p->nrules >= 0);
    cJSON_AddBoolToObject(o, "inspected", p->nrules >= 0);
    cJSON_AddItemToObject(o, "error", str_or_null(p->fw_error));
    arr = cJSON_AddArrayToObject(o, "rules");
    for (i = 0; i < p->nrules; i++) {
        x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "source", p->rules[i].source);
        cJSON_AddStringToObject(x, "rule", p->rules[i].text);
        cJSON_AddItemToObject(x, "action", str_or_null(p->rules[i].action));
        cJSON_AddItemToArray(arr, x);
    }
    x = cJSON_AddObjectToObject(o, "counters");
    cJSON_AddItemToObject(x, "before", counters_json(&p->kbefore));
    cJSON_AddItemToObject(x, "after", counters_json(&p->kafter));
}

/* The HTTP stage: /health, and TLS when it is in the way. */
static void
http_json(const struct mcpd_probe *p, cJSON *root)
{
    const struct mcpd_probe_http *hs = &p->http;
    cJSON *o, *x;

    o = cJSON_AddObjectToObject(root, "http");
    cJSON_AddBoolToObject(o, "ran", hs->health.ran);
    cJSON_AddItemToObject(o, "health", try_json(&hs->health));
    cJSON_AddItemToObject(o, "tls_mismatch", hs->tls_mismatch == 0 ?
                          cJSON_CreateNull() :
                          cJSON_CreateString(hs->tls_mismatch == 1 ?
                                             "tls_to_plain" :
                                             "plain_to_tls"));
    if (hs->tls_untrusted) {
        x = cJSON_AddObjectToObject(o, "tls_untrusted");
        cJSON_AddStringToObject(x, "error", hs->tls_error);
        if (hs->tls_insecure_status)
            cJSON_AddNumberToObject(x, "status_without_check",
                                    (double)hs->tls_insecure_status);
        else
            cJSON_AddNullToObject(x, "status_without_check");
    } else {
        cJSON_AddNullToObject(o, "tls_untrusted");
    }
}

/* The MCP stage, continued: paths tried, the endpoint, auth. */
static void
mcp_more_json(const struct mcpd_probe *p, cJSON *o)
{
    const struct mcpd_probe_http *hs = &p->http;
    cJSON *x;
    int i;

    x = cJSON_AddArrayToObject(o, "paths");
    for (i = 0; i < hs->npaths; i++) {
        cJSON *pt = cJSON_CreateObject();
        cJSON_AddStringToObject(pt, "path", hs->paths[i].path);
        cJSON_AddBoolToObject(pt, "mcp", hs->paths[i].mcp_ok);
        cJSON_AddItemToObject(pt, "initialize",
                              try_json(&hs->paths[i].init));
        cJSON_AddItemToArray(x, pt);
    }
    if (hs->mcp_url[0]) {
        x = cJSON_AddObjectToObject(o, "endpoint");
        cJSON_AddStringToObject(x, "url", hs->mcp_url);
        cJSON_AddStringToObject(x, "transport", hs->mcp_url_transport);
    } else {
        cJSON_AddNullToObject(o, "endpoint");
    }
    cJSON_AddBoolToObject(o, "sse_stalled", hs->sse_stalled);
    if (hs->auth.required) {
        const struct mcpd_probe_auth *au = &hs->auth;
        cJSON *as;
        x = cJSON_AddObjectToObject(o, "auth");
        cJSON_AddNumberToObject(x, "status", (double)au->status);
        cJSON_AddItemToObject(x, "scheme", str_or_null(au->scheme));
        cJSON_AddItemToObject(x, "resource_metadata",
                              str_or_null(au->resource_metadata));
        cJSON_AddItemToObject(x, "metadata_url",
                              str_or_null(au->metadata_url));
        if (au->metadata_status)
            cJSON_AddNumberToObject(x, "metadata_status",
                                    (double)au->metadata_status);
        else
            cJSON_AddNullToObject(x, "metadata_status");
        cJSON_AddItemToObject(x, "resource", str_or_null(au->resource));
        as = cJSON_AddArrayToObject(x, "authorization_servers");
        for (i = 0; i < au->nservers; i++)
            cJSON_AddItemToArray(as, cJSON_CreateString(au->servers[i]));
    } else {
        cJSON_AddNullToObject(o, "auth");
    }
}

/* The MCP stage: initialize and what followed it. */
static void
mcp_json(const struct mcpd_probe *p, cJSON *root)
{
    const struct mcpd_probe_http *hs = &p->http;
    cJSON *o, *x;

    o = cJSON_AddObjectToObject(root, "mcp");
    cJSON_AddBoolToObject(o, "ran", hs->init.ran || hs->discover.ran ||
                          hs->sse_get.ran);
    cJSON_AddBoolToObject(o, "ok", hs->mcp_ok);
    cJSON_AddItemToObject(o, "transport", str_or_null(hs->transport));
    cJSON_AddItemToObject(o, "protocol_version",
                          str_or_null(hs->protocol_version));
    if (hs->mcp_ok) {
        x = cJSON_AddObjectToObject(o, "server_info");
        cJSON_AddItemToObject(x, "name", str_or_null(hs->server_name));
        cJSON_AddItemToObject(x, "version", str_or_null(hs->server_version));
    } else {
        cJSON_AddNullToObject(o, "server_info");
    }
    /* The session id authenticates requests in the session: show only
     * that there was one, and its first characters. */
    if (hs->session_id[0]) {
        char sid[32];
        snprintf(sid, sizeof(sid), "%.8s...", hs->session_id);
        cJSON_AddStringToObject(o, "session_id", sid);
    } else {
        cJSON_AddNullToObject(o, "session_id");
    }
    cJSON_AddItemToObject(o, "discover", try_json(&hs->discover));
    cJSON_AddItemToObject(o, "initialize", try_json(&hs->init));
    cJSON_AddItemToObject(o, "initialized", try_json(&hs->initialized));
    x = cJSON_AddObjectToObject(o, "sse");
    cJSON_AddItemToObject(x, "get", try_json(&hs->sse_get));
    cJSON_AddItemToObject(x, "endpoint", str_or_null(hs->sse_endpoint));
    cJSON_AddItemToObject(x, "post", try_json(&hs->sse_post));
    if (hs->tools.ran) {
        x = cJSON_AddObjectToObject(o, "tools");
        cJSON_AddItemToObject(x, "list", try_json(&hs->tools));
        if (hs->tools_count >= 0)
            cJSON_AddNumberToObject(x, "count", hs->tools_count);
        else
            cJSON_AddNullToObject(x, "count");
    } else {
        cJSON_AddNullToObject(o, "tools");
    }
    mcp_more_json(p, o);
}

/* Stages not run, and why. */
static void
skipped_json(const struct mcpd_probe *p, cJSON *root)
{
    cJSON *arr, *x;
    int i;

    arr = cJSON_AddArrayToObject(root, "skipped");
    for (i = 0; i < p->nskipped; i++) {
        x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "stage", p->skipped[i].stage);
        cJSON_AddStringToObject(x, "reason", p->skipped[i].reason);
        cJSON_AddItemToArray(arr, x);
    }
}

/* The cause, its summary and its fix. */
static void
diagnosis_json(const struct mcpd_probe *p, cJSON *root)
{
    cJSON *o, *arr;
    int i;

    o = cJSON_AddObjectToObject(root, "diagnosis");
    cJSON_AddStringToObject(o, "cause", p->cause);
    cJSON_AddStringToObject(o, "summary", p->summary);
    arr = cJSON_AddArrayToObject(o, "fix");
    for (i = 0; i < p->nfix; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(p->fix[i]));
    cJSON_AddItemToObject(o, "stage", str_or_null(p->failed_stage));
}

int
mcpd_probe_report_json(const struct mcpd_probe *p, FILE *out)
{
    cJSON *root = cJSON_CreateObject();

    target_json(p, root);
    connections_json(p, root);
    witness_json(p, root);
    addresses_json(p, root);
    listeners_json(p, root);
    proxy_json(p, root);
    firewall_json(p, root);
    http_json(p, root);
    mcp_json(p, root);
    skipped_json(p, root);
    diagnosis_json(p, root);
    /* Valid UTF-8, no raw control or bidi character, whatever the
     * strings above came from. */
    return mcpd_json_print(root, out);
}

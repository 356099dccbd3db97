/* \summary: probe verdict: the first layer that fails, its SPEC cause,
 * the evidence in one sentence, and the fix as commands */

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include "probe_int.h"

static void
verdict(struct mcpd_probe *p, const char *stage, enum mcpd_cause cause,
        const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The cause comes from the one table (analyze/verdict.c): its name and
 * rank are the ones capture and analyze use. */
static void
verdict(struct mcpd_probe *p, const char *stage, enum mcpd_cause cause,
        const char *fmt, ...)
{
    va_list ap;

    snprintf(p->failed_stage, sizeof(p->failed_stage), "%s", stage);
    p->cause_id = cause;
    snprintf(p->cause, sizeof(p->cause), "%s", mcpd_cause_name(cause));
    va_start(ap, fmt);
    vsnprintf(p->summary, sizeof(p->summary), fmt, ap);
    va_end(ap);
}

static void
fix(struct mcpd_probe *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
fix(struct mcpd_probe *p, const char *fmt, ...)
{
    va_list ap;

    if (p->nfix >= MCPD_PROBE_MAX_FIX)
        return;
    va_start(ap, fmt);
    vsnprintf(p->fix[p->nfix++], sizeof(p->fix[0]), fmt, ap);
    va_end(ap);
}

/* tmpl with this OS's commands (platform/fixcmd.h) and the target's
 * port filled in; "" when it names a command this OS lacks. */
static const char *
fixcmd_text(struct mcpd_probe *p, const char *tmpl, int with_port)
{
    static char line[sizeof(p->fix[0])];

    mcpd_fixcmd_fill(tmpl, with_port ? p->target.port : 0, line,
                     sizeof(line));
    return line;
}

/* A fix line naming this OS's commands; left out where it has none. */
static void
fix_os(struct mcpd_probe *p, const char *tmpl)
{
    const char *line = fixcmd_text(p, tmpl, 1);

    if (line[0])
        fix(p, "%s", line);
}

/* The path of the URL that speaks MCP when the HTTP stage found one
 * (the given path may be wrong too), else the given path. */
static const char *
mcp_path(const struct mcpd_probe *p)
{
    const char *u = p->http.mcp_url, *s;

    if (u[0] && (s = strstr(u, "://")) != NULL && (s = strchr(s + 3, '/')))
        return s;
    return p->target.path;
}

/* The target URL with another host (an address that works), at the
 * path that speaks MCP. */
static void
url_with(const struct mcpd_probe *p, const char *addr, char *buf, size_t len)
{
    struct mcpd_target t = p->target;

    snprintf(t.host, sizeof(t.host), "%s", addr);
    t.is_ipv6_literal = strchr(addr, ':') != NULL;
    mcpd_target_url_for(&t, mcp_path(p), buf, len);
}

/*
 * The known reverse proxy in front of the port, by the listener's
 * process name or a Server header, as "nginx (pid 42)" in who; 1 when
 * there is one. Such a process is never the one to stop.
 */
static int
reverse_proxy(const struct mcpd_probe *p, char *who, size_t len)
{
    static const char *const names[] = {
        "nginx", "haproxy", "envoy", "caddy", "traefik", "docker-proxy",
        "openresty", "apache2", "httpd",
    };
    const struct mcpd_probe_http *hs = &p->http;
    const char *hdr[5];
    size_t i, j;

    hdr[0] = hs->init.server;
    hdr[1] = hs->discover.server;
    hdr[2] = hs->health.server;
    hdr[3] = hs->sse_get.server;
    hdr[4] = hs->npaths > 0 ? hs->paths[0].init.server : "";
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        size_t nl = strlen(names[i]);
        if (p->nlst > 0 && strncmp(p->lst[0].command, names[i], nl) == 0) {
            if (p->lst[0].pid > 0)
                snprintf(who, len, "%s (pid %d)", p->lst[0].command,
                         (int)p->lst[0].pid);
            else
                snprintf(who, len, "%s", p->lst[0].command);
            return 1;
        }
        for (j = 0; j < sizeof(hdr) / sizeof(hdr[0]); j++)
            if (strncasecmp(hdr[j], names[i], nl) == 0) {
                snprintf(who, len, "%s (Server: %s)", names[i], hdr[j]);
                return 1;
            }
    }
    return 0;
}

/* Some answer from this port was JSON-RPC, or an MCP-style challenge:
 * the listener is an MCP server (or fronts one), whatever else fails. */
static int
mcp_evidence(const struct mcpd_probe *p)
{
    const struct mcpd_probe_http *hs = &p->http;
    int i;

    if (hs->mcp_ok || hs->discover.is_jsonrpc || hs->init.is_jsonrpc ||
        hs->sse_post.is_jsonrpc || hs->auth.required ||
        hs->init.www_auth[0] || hs->discover.www_auth[0])
        return 1;
    if (hs->sse_get.status == 200 &&
        strstr(hs->sse_get.content_type, "text/event-stream"))
        return 1;
    for (i = 0; i < hs->npaths; i++)
        if (hs->paths[i].mcp_ok || hs->paths[i].init.is_jsonrpc ||
            hs->paths[i].init.www_auth[0])
            return 1;
    return 0;
}

/* The listener's owner as "node (pid 42, user app)", or a fallback. */
static void
owner_text(const struct mcpd_probe *p, char *who, size_t len)
{
    const struct mcpd_probe_listener *l = p->nlst > 0 ? &p->lst[0] : NULL;

    if (l && l->command[0] && l->pid > 0)
        snprintf(who, len, "%s (pid %d, user %s)", l->command, (int)l->pid,
                 l->user);
    else
        snprintf(who, len, "a process we cannot see (run as root to name "
                 "it)");
}

static int
has_listener_for(const struct mcpd_probe *p, int ai)
{
    int i;

    for (i = 0; i < p->nlst; i++)
        if (p->lst[i].accepts[ai])
            return 1;
    return 0;
}

int
mcpd_listener_queue_full(const struct mcpd_probe_listener *l)
{
    /* The kernel's sk_acceptq_is_full(): more waiting than the backlog
     * (a backlog of 1 holds 2). Past that it drops every new SYN, and
     * with net.ipv4.tcp_abort_on_overflow=1 resets a handshake that
     * completes into the full queue. */
    if (!l->backlog_known)
        return -1;
    return l->queued > l->backlog;
}

/* ListenOverflows moved during the probe (the counter is per network
 * namespace: any listener of this host may have moved it). */
static unsigned long long
overflow_delta(const struct mcpd_probe *p)
{
    if (!p->kbefore.valid || !p->kafter.valid ||
        p->kafter.listen_overflows < p->kbefore.listen_overflows)
        return 0;
    return (unsigned long long)(p->kafter.listen_overflows -
                                p->kbefore.listen_overflows);
}

/*
 * The listener that takes connections to address ai and whose accept
 * queue is full or at its backlog, or -1. `strict` asks for full by the
 * kernel's rule; otherwise a queue at its backlog counts when the
 * overflow counter moved too.
 */
static int
full_listener(const struct mcpd_probe *p, int ai, int strict)
{
    int i;

    for (i = 0; i < p->nlst; i++) {
        const struct mcpd_probe_listener *l = &p->lst[i];
        if (!l->accepts[ai])
            continue;
        if (mcpd_listener_queue_full(l) == 1)
            return i;
        if (!strict && l->backlog_known && l->queued >= l->backlog &&
            overflow_delta(p) > 0)
            return i;
    }
    return -1;
}

static int
queue_overflowing(const struct mcpd_probe *p, int ai)
{
    return full_listener(p, ai, 0) >= 0 || overflow_delta(p) > 0;
}

/* "127.0.0.1:3000 (python3, pid 42) holds 2 connections waiting for
 * accept(), backlog 1" for the listener of address ai. */
static void
queue_evidence(const struct mcpd_probe *p, int ai, char *buf, size_t len)
{
    int li = full_listener(p, ai, 0);
    const struct mcpd_probe_listener *l;
    char lhp[80], who[100] = "owner not visible";
    int i;

    if (li < 0)
        for (i = 0; i < p->nlst && li < 0; i++)
            if (p->lst[i].accepts[ai])
                li = i;
    if (li < 0) {
        snprintf(buf, len, "no listener");
        return;
    }
    l = &p->lst[li];
    mcpd_hostport_str(l->addr, p->target.port, lhp, sizeof(lhp));
    if (l->pid > 0)
        snprintf(who, sizeof(who), "%s, pid %d", l->command, (int)l->pid);
    if (l->backlog_known)
        snprintf(buf, len, "the listener %s (%s) has %u connection%s "
                 "waiting for accept() with backlog %u%s", lhp, who,
                 l->queued, l->queued == 1 ? "" : "s", l->backlog,
                 mcpd_listener_queue_full(l) == 1 ? ": its accept queue "
                 "is full" : "");
    else
        snprintf(buf, len, "the listener %s (%s) has %u connection%s "
                 "waiting for accept()", lhp, who, l->queued,
                 l->queued == 1 ? "" : "s");
}

static void
queue_fixes(struct mcpd_probe *p)
{
    int li = full_listener(p, 0, 0);

    if (li >= 0 && p->lst[li].pid > 0)
        fix(p, "the server (%s, pid %d) does not call accept() fast enough, "
               "or at all: look for a blocked event loop or a stuck "
               "worker (e.g. py-spy dump --pid %d, or kill -QUIT for a "
               "JVM)", p->lst[li].command, (int)p->lst[li].pid,
            (int)p->lst[li].pid);
    else
        fix(p, "the server does not call accept() fast enough, or at all: "
               "look for a blocked event loop or a stuck worker");
    fix_os(p, "{queue_line_p}");
    fix(p, "give the server a larger listen() backlog (Node: server.listen("
           "{port, backlog: 511}); Python: sock.listen(511))%s",
        fixcmd_text(p, "{somaxconn_set}", 0));
    fix_os(p, "{counters_line}   # grows with every dropped SYN");
}

/* Fixes for a firewall rule we quoted: the iptables rule's delete form. */
static void
firewall_fixes(struct mcpd_probe *p, const char *action)
{
    int i, n = 0;

    for (i = 0; i < p->nrules; i++) {
        const struct mcpd_fw_rule *r = &p->rules[i];
        if (strcmp(r->action, action) != 0)
            continue;
        if (strncmp(r->text, "-A ", 3) == 0 && n < 2) {
            fix(p, "sudo %s -D %s   # remove the rule that %ss port %u",
                strcmp(r->source, "ip6tables") == 0 ? "ip6tables" :
                "iptables", r->text + 3, action, (unsigned)p->target.port);
            n++;
        }
    }
    fix_os(p, "{fw_rules_cmd}   # rules on port {port}");
    fix_os(p, "{fw_rules2_p}");
}

static void
no_proxy_fix(struct mcpd_probe *p)
{
    fix(p, "export NO_PROXY=localhost,127.0.0.1,::1 "
           "no_proxy=localhost,127.0.0.1,::1   # both cases: clients "
           "differ");
    fix(p, "or: unset HTTP_PROXY http_proxy HTTPS_PROXY https_proxy "
           "ALL_PROXY all_proxy   # in the client's environment");
}

/* ---- the kernel's word (probe_kernel.c) ---- */

/* The attempt on address ai whose RST origin the kernel told: the
 * connect first (what a client meets), else the raw SYN. */
static const struct mcpd_probe_kev *
kernel_rst(const struct mcpd_probe *p, int ai)
{
    const struct mcpd_probe_addr *a = &p->addr[ai];

    if (a->kconn.valid && a->kconn.k.rst_origin[0])
        return &a->kconn;
    if (a->syn.kernel.valid && a->syn.kernel.k.rst_origin[0])
        return &a->syn.kernel;
    return NULL;
}

/* The attempt on address ai with the most drops of `reason` (the
 * connect on a tie: what a client meets), or NULL; *count its drops. */
static const struct mcpd_probe_kev *
kernel_dropped(const struct mcpd_probe *p, int ai, const char *reason,
               uint32_t *count)
{
    const struct mcpd_probe_addr *a = &p->addr[ai];
    const struct mcpd_probe_kev *kv[2], *best = NULL;
    uint32_t n;
    int j;

    kv[0] = &a->kconn;
    kv[1] = &a->syn.kernel;
    *count = 0;
    for (j = 0; j < 2; j++) {
        n = kv[j]->valid ? mcpd_kernel_drops(&kv[j]->k, reason) : 0;
        if (n > *count) {
            *count = n;
            best = kv[j];
        }
    }
    return best;
}

static uint32_t
kernel_drops(const struct mcpd_probe *p, int ai, const char *reason)
{
    uint32_t n;

    kernel_dropped(p, ai, reason, &n);
    return n;
}

/* The kernel drop reasons this file reads on their own: a netfilter
 * drop and a full accept queue turn into causes; NO_SOCKET is the
 * kernel's own refusal (nothing listens), which the RST shows. */
static const char *const known_drops[] = {
    "NETFILTER_DROP", "TCP_LISTEN_OVERFLOW", "NO_SOCKET",
};

static int
known_drop(const char *reason)
{
    size_t i;

    for (i = 0; i < sizeof(known_drops) / sizeof(known_drops[0]); i++)
        if (strcmp(reason, known_drops[i]) == 0)
            return 1;
    return 0;
}

/* The first drop reason for address ai that is none of those, or
 * NULL. */
static const char *
kernel_other_drop(const struct mcpd_probe *p, int ai)
{
    const struct mcpd_probe_kev *kv[2];
    int i, j;

    kv[0] = &p->addr[ai].kconn;
    kv[1] = &p->addr[ai].syn.kernel;
    for (j = 0; j < 2; j++)
        for (i = 0; kv[j]->valid && i < kv[j]->k.ndrops; i++)
            if (!known_drop(kv[j]->k.drops[i].reason))
                return kv[j]->k.drops[i].reason;
    return NULL;
}

/* The firewall rule whose counter moved during attempt kv (or, when
 * NULL, address ai's connect, else its raw SYN), as "; rule `...` (+N
 * packets)" for a summary, or "". */
static void
kernel_rule(const struct mcpd_probe *p, int ai,
            const struct mcpd_probe_kev *kv, char *buf, size_t len)
{
    const struct mcpd_probe_addr *a = &p->addr[ai];
    const char *r, *paren;

    if (kv && kv->valid && kv->k.rule[0])
        r = kv->k.rule;
    else if (a->kconn.valid && a->kconn.k.rule[0])
        r = a->kconn.k.rule;
    else if (a->syn.kernel.valid && a->syn.kernel.k.rule[0])
        r = a->syn.kernel.k.rule;
    else
        r = NULL;
    buf[0] = '\0';
    if (r == NULL)
        return;
    /* "filter: -A INPUT ... -j DROP (+3 packets)": the rule in
     * backquotes, its count after. */
    paren = strstr(r, " (+");
    if (paren)
        snprintf(buf, len, "; rule `%.*s`%s", (int)(paren - r), r, paren);
    else
        snprintf(buf, len, "; rule `%s`", r);
}

/* What the transport steps share: the first address a client tries,
 * as HOST:PORT, the firewall rule whose counter moved, and the first
 * address that connected (-1 for none). */
struct tstep {
    struct mcpd_probe *p;
    const struct mcpd_probe_addr *a;   /* p->addr[0] */
    char hp[80];                       /* its HOST:PORT */
    char rule[300];                    /* "; rule `...`", or "" */
    int first_ok;                      /* first address that connected */
};

/* The stage that saw a silent SYN: the raw SYN probe, else connect. */
static const char *
silent_stage(const struct tstep *s)
{
    return s->a->syn.result == MCPD_SYN_NOTHING ? "syn" : "connect";
}

/* The SYN got no answer: a firewall drop, or a full accept queue, by
 * the kernel's word where it gave one. */
static void
transport_silent(struct tstep *s)
{
    struct mcpd_probe *p = s->p;
    const struct mcpd_probe_addr *a = s->a;
    uint32_t nf;
    const struct mcpd_probe_kev *nkv = kernel_dropped(p, 0,
                                                      "NETFILTER_DROP",
                                                      &nf);
    uint32_t lo = kernel_drops(p, 0, "TCP_LISTEN_OVERFLOW");
    const char *other = kernel_other_drop(p, 0);

    if (nf) {
        /* The kernel itself says a netfilter rule dropped the SYN:
         * whatever the listener's queue looks like. The count and
         * the rule's packets are of the same attempt. */
        kernel_rule(p, 0, nkv, s->rule, sizeof(s->rule));
        verdict(p, silent_stage(s), MCPD_C_FIREWALL_DROP, "the kernel "
                "dropped %u SYN%s to %s in netfilter (NETFILTER_DROP): a "
                "firewall rule drops it%s",
                nf, nf == 1 ? "" : "s", s->hp, s->rule[0] ? s->rule :
                p->nrules > 0 ? " (rules quoted below)" : "");
        firewall_fixes(p, "drop");
        return;
    }
    if (lo && !has_listener_for(p, 0)) {
        /* The counter moved but the listener is not visible (another
         * namespace's view, or no owner backend). */
        verdict(p, silent_stage(s), MCPD_C_LISTEN_QUEUE_OVERFLOW, "the "
                "kernel dropped the SYN to %s because the listener's "
                "accept queue is full (TCP_LISTEN_OVERFLOW, "
                "ListenOverflows +%u)", s->hp, lo);
        queue_fixes(p);
        return;
    }
    if (has_listener_for(p, 0) && (queue_overflowing(p, 0) || lo)) {
        char ev[300];

        queue_evidence(p, 0, ev, sizeof(ev));
        verdict(p, silent_stage(s), MCPD_C_LISTEN_QUEUE_OVERFLOW, "the SYN "
                "to %s went unanswered although %s (ListenOverflows "
                "+%llu): the kernel drops new SYNs while the accept queue "
                "is full", s->hp, ev, overflow_delta(p));
        queue_fixes(p);
        return;
    }
    if (other) {
        verdict(p, silent_stage(s), MCPD_C_FIREWALL_DROP, "the SYN to %s "
                "got no answer: the kernel dropped it (%s: %s)%s", s->hp,
                other, mcpd_kdrop_meaning(other), s->rule);
        firewall_fixes(p, "drop");
        return;
    }
    verdict(p, silent_stage(s), MCPD_C_FIREWALL_DROP, "the SYN to %s got no "
            "answer at all%s: a firewall drops it%s", s->hp,
            a->syn.result == MCPD_SYN_NOTHING ?
            " (raw SYN probe: nothing on the wire)" : " (connect "
            "timed out)", s->rule[0] ? s->rule : p->nrules > 0 ?
            " (rules quoted below)" : "");
    firewall_fixes(p, "drop");
}

/* An ICMP error answered the SYN, or connect failed unreachable. */
static void
transport_icmp(struct tstep *s)
{
    struct mcpd_probe *p = s->p;
    const struct mcpd_probe_addr *a = s->a;

    if (a->syn.result == MCPD_SYN_ICMP)
        verdict(p, "syn", MCPD_C_FIREWALL_REJECT, "the SYN to %s was "
                "answered by ICMP%s type %d code %d from %s: a firewall "
                "rejects it%s", s->hp, a->ip.family == 6 ? "v6" : "",
                a->syn.icmp_type, a->syn.icmp_code, a->syn.icmp_from,
                s->rule);
    else
        verdict(p, "connect", MCPD_C_FIREWALL_REJECT, "connect to %s "
                "failed with %s: a firewall rule (or a missing route) "
                "rejects it%s", s->hp, strerror(a->conn_errno), s->rule);
    firewall_fixes(p, "reject");
}

/* A refusal that is a firewall's: the kernel says its stack sent no
 * RST, or a listener is bound there. 1 when it named the cause. */
static int
refused_by_firewall(struct tstep *s, const struct mcpd_probe_kev *kv,
                    int host_rst)
{
    struct mcpd_probe *p = s->p;
    const struct mcpd_probe_addr *a = s->a;

    /* Only for an address of this host: a remote server's own
     * stack is "not the host's" too, and proves no firewall. */
    if (kv && strcmp(kv->k.rst_origin, "other") == 0 && kv->local_target) {
        int raw = kv == &a->syn.kernel || a->syn.result == MCPD_SYN_RST;

        kernel_rule(p, 0, kv, s->rule, sizeof(s->rule));
        verdict(p, kv == &a->kconn ? "connect" : "syn",
                MCPD_C_FIREWALL_REJECT, "the %s answering the SYN to %s did "
                "not come from this host's TCP stack (the kernel sent "
                "no RST, no event lost): a firewall rule rejects the "
                "SYN%s%s%s", raw ? "RST" : "refusal", s->hp,
                raw ? " with tcp-reset" : " (tcp-reset or ICMP)",
                has_listener_for(p, 0) ? ", although a listener is "
                "bound there" : "", s->rule);
        firewall_fixes(p, "reject");
        return 1;
    }
    if (has_listener_for(p, 0) && !host_rst) {
        verdict(p, a->syn.result == MCPD_SYN_RST ? "syn" : "connect",
                MCPD_C_FIREWALL_REJECT, "%s answers the SYN with RST "
                "although a listener is bound there: a firewall rule "
                "rejects with tcp-reset", s->hp);
        firewall_fixes(p, "reject");
        return 1;
    }
    return 0;
}

/* Refused at the first address, but another address connected: the
 * server listens on one address (family) only. */
static void
refused_first_address(struct tstep *s)
{
    struct mcpd_probe *p = s->p;
    const char *ok = p->addr[s->first_ok].text;
    int fam = p->addr[s->first_ok].ip.family != s->a->ip.family;
    char good[1400];

    url_with(p, ok, good, sizeof(good));
    verdict(p, "listeners", fam ? MCPD_C_WRONG_ADDRESS_FAMILY :
            MCPD_C_WRONG_BIND_ADDRESS, "%s resolves to %s first, where "
            "nothing listens (refused); the server listens on %s "
            "only. Clients that use the first address (Node "
            "without autoSelectFamily, many SDKs) fail",
            p->target.host, s->a->text, ok);
    fix(p, "use %s in the client   # the address that works", good);
    fix(p, "or bind the server to %s too (dual-stack '::' with "
           "IPV6_V6ONLY off, or both loopbacks)", s->a->text);
    if (fam)
        fix(p, "or for Node clients: node --dns-result-order=%s",
            p->addr[s->first_ok].ip.family == 4 ? "ipv4first" :
            "ipv6first");
}

/* Refused everywhere, but a listener holds the port on an address the
 * name does not resolve to. */
static void
refused_listener_elsewhere(struct tstep *s)
{
    struct mcpd_probe *p = s->p;
    int other_family = 1, i, j;
    char lhp[80], good[1400], who[100] = "owner not visible";

    for (i = 0; i < p->nlst; i++)
        for (j = 0; j < p->naddr; j++)
            if (p->lst[i].family == p->addr[j].ip.family)
                other_family = 0;
    if (p->lst[0].pid > 0)
        snprintf(who, sizeof(who), "%s, pid %d", p->lst[0].command,
                 (int)p->lst[0].pid);
    mcpd_hostport_str(p->lst[0].addr, p->target.port, lhp, sizeof(lhp));
    url_with(p, p->lst[0].addr, good, sizeof(good));
    verdict(p, "listeners", other_family ? MCPD_C_WRONG_ADDRESS_FAMILY :
            MCPD_C_WRONG_BIND_ADDRESS, "connections to %s are refused: "
            "the server listens on %s (%s), not on any address "
            "%s resolves to", s->hp, lhp, who, p->target.host);
    fix(p, "use %s in the client", good);
    fix(p, "or bind the server to %s (or a wildcard address)", s->a->text);
}

/* The SYN was answered by RST (connect refused). */
static void
transport_refused(struct tstep *s)
{
    struct mcpd_probe *p = s->p;
    const struct mcpd_probe_kev *kv = kernel_rst(p, 0);
    int host_rst = kv && strcmp(kv->k.rst_origin, "host") == 0;

    if (refused_by_firewall(s, kv, host_rst))
        return;
    if (s->first_ok > 0) {
        refused_first_address(s);
        return;
    }
    if (p->nlst > 0) {
        refused_listener_elsewhere(s);
        return;
    }
    verdict(p, "listeners", MCPD_C_NO_LISTENER, "nothing listens on port "
            "%u at %s: %s refused%s%s%s%s", (unsigned)p->target.port,
            p->target.host, s->hp,
            p->naddr > 1 ? " (and every other address)" : "",
            host_rst ? "; the kernel sent the RST itself (" : "",
            host_rst ? kv->k.rst_reason : "",
            host_rst ? ")" : "");
    fix(p, "start the MCP server, and check its log for the address and "
           "port it bound");
    fix_os(p, "{listeners_cmd}   # is anything listening?");
    fix(p, "check the port in the client's URL (%s)", p->target.url);
}

/* The transport layer (stages 1-5) for the first address a client
 * tries. Returns 1 when it named a cause. */
static int
diagnose_transport(struct mcpd_probe *p)
{
    struct tstep s;
    const struct mcpd_probe_addr *a = &p->addr[0];
    int i;

    memset(&s, 0, sizeof(s));
    s.p = p;
    s.a = a;
    s.first_ok = -1;
    for (i = 0; i < p->naddr && s.first_ok < 0; i++)
        if (p->addr[i].conn == MCPD_CONN_CONNECTED)
            s.first_ok = i;
    if (s.first_ok == 0)
        return 0;
    mcpd_hostport_str(a->text, p->target.port, s.hp, sizeof(s.hp));
    kernel_rule(p, 0, NULL, s.rule, sizeof(s.rule));
    if (a->conn == MCPD_CONN_TIMEOUT || a->syn.result == MCPD_SYN_NOTHING)
        transport_silent(&s);
    else if (a->syn.result == MCPD_SYN_ICMP ||
             a->conn == MCPD_CONN_UNREACHABLE)
        transport_icmp(&s);
    else if (a->conn == MCPD_CONN_REFUSED || a->syn.result == MCPD_SYN_RST)
        transport_refused(&s);
    else if (a->conn == MCPD_CONN_RESET) {
        verdict(p, "connect", MCPD_C_SERVER_RESET, "the handshake with %s "
                "was reset", s.hp);
        fix(p, "check the server's log; a proxy (docker-proxy?) in front "
               "of it may have no backend");
    } else {
        verdict(p, "connect", MCPD_C_NO_LISTENER, "connect to %s failed: "
                "%s", s.hp, strerror(a->conn_errno));
        fix_os(p, "{listeners_cmd}");
    }
    return 1;
}

static const struct mcpd_http_try *
first_answer(const struct mcpd_probe_http *hs)
{
    if (hs->init.status)
        return &hs->init;
    if (hs->discover.status)
        return &hs->discover;
    if (hs->sse_get.status)
        return &hs->sse_get;
    return &hs->init;
}

/* auth_required: the challenge, the metadata, the authorization
 * servers; never a credential (we send none). */
static void
diagnose_auth(struct mcpd_probe *p)
{
    const struct mcpd_probe_auth *a = &p->http.auth;
    const struct mcpd_http_try *t = p->http.init.status ? &p->http.init :
                                    &p->http.discover;
    char as[800] = "";
    int i;

    for (i = 0; i < a->nservers; i++) {
        size_t at = strlen(as);
        snprintf(as + at, sizeof(as) - at, "%s%s", i ? ", " : "",
                 a->servers[i]);
    }
    verdict(p, "mcp", MCPD_C_AUTH_REQUIRED, "%s %s answered %ld%s%s%s: the "
            "MCP server wants credentials%s%s%s%s", t->method, t->url,
            a->status, a->scheme[0] ? " with a " : "", a->scheme,
            a->scheme[0] ? " challenge" : " without WWW-Authenticate",
            as[0] ? "; authorization server" : "",
            a->nservers > 1 ? "s " : as[0] ? " " : "", as,
            as[0] ? "" : a->metadata_url[0] ? " (no protected-resource "
            "metadata found)" : "");
    if (as[0])
        fix(p, "sign in with the client's OAuth flow: it gets a token from "
               "%s (named by %s)", as, a->metadata_url);
    else if (a->metadata_url[0])
        fix(p, "the server publishes no OAuth protected-resource metadata "
               "(%s answered %ld): ask its operator how to get a token",
            a->metadata_url, a->metadata_status);
    fix(p, "or give the client a token in its headers: \"Authorization\": "
           "\"Bearer $TOKEN\" (keep the token out of shared configs and "
           "logs)");
    if (a->metadata_url[0])
        fix(p, "curl -s %s   # the protected-resource metadata",
            a->metadata_url);
}

/* What the HTTP rules share: the first answer and its status row, the
 * health check's, HOST:PORT, and what the answers show of the server. */
struct hstep {
    struct mcpd_probe *p;
    const struct mcpd_probe_http *hs;  /* &p->http */
    const struct mcpd_http_try *t;     /* the first answer */
    const struct mcpd_http_try *h;     /* the health check */
    const struct mcpd_http_status *row;  /* t's status in the table */
    char hp[80];                       /* first address, HOST:PORT */
    char proxy[160];                   /* the reverse proxy in front */
    int is_proxy;                      /* there is one */
    int saw_mcp;                       /* some answer was MCP's */
};

/* The certificate fails verification. */
static int
http_tls_untrusted(struct hstep *s)
{
    struct mcpd_probe *p = s->p;

    if (!s->hs->tls_untrusted)
        return 0;
    verdict(p, "http", MCPD_C_TLS_UNTRUSTED, "%s speaks TLS but its "
            "certificate fails verification (%s)%s", s->hp,
            s->hs->tls_error, s->hs->tls_insecure_status ? "; without the "
            "check it answers HTTP, so only the certificate stands in the "
            "way" : "");
    fix(p, "Node clients: NODE_EXTRA_CA_CERTS=/path/to/ca.pem (the "
           "server's certificate or its CA)");
    fix(p, "Python clients: SSL_CERT_FILE=/path/to/ca.pem (requests: "
           "REQUESTS_CA_BUNDLE=/path/to/ca.pem)");
    fix(p, "curl --cacert /path/to/ca.pem %s   # check with that CA",
        p->target.url);
    fix(p, "openssl s_client -connect %s -showcerts </dev/null   # see "
           "the certificate: its issuer and names", s->hp);
    fix(p, "or give the server a certificate from a CA the clients "
           "trust (mkcert for local development), with this host name "
           "(%s) in its subjectAltName", p->target.host);
    return 1;
}

/* https to a plain-HTTP server, or http to a TLS one. */
static int
http_tls_mismatch(struct hstep *s)
{
    struct mcpd_probe *p = s->p;
    int m = s->hs->tls_mismatch;
    struct mcpd_target x = p->target;
    char alt[1400];

    if (!m)
        return 0;
    snprintf(x.scheme, sizeof(x.scheme), "%s", m == 1 ? "http" : "https");
    mcpd_target_url_for(&x, x.path, alt, sizeof(alt));
    verdict(p, "http", MCPD_C_WRONG_PROTOCOL, m == 1 ?
            "the URL says https but %s speaks plain HTTP (TLS 'wrong "
            "version number')" : "the URL says http but %s speaks TLS",
            s->hp);
    fix(p, "use %s in the client", alt);
    if (m == 2)
        fix(p, "curl -v %s   # the same request over TLS%s", alt,
            "; add --cacert CA.pem if its certificate is private");
    return 1;
}

/* No answer at all, and the listener's accept queue is full. */
static int
http_queue_full(struct hstep *s)
{
    struct mcpd_probe *p = s->p;
    const struct mcpd_http_try *e = s->h->curl_code ? s->h : s->t;
    int li = full_listener(p, 0, 0);
    char ev[300];

    if (s->t->status != 0 || s->h->status != 0 || li < 0)
        return 0;
    /* Our connect took a place in the queue (or the kernel let the
     * handshake complete and then found the queue full): later
     * connections are dropped, or reset when tcp_abort_on_overflow
     * is set; either way no request is served. */
    queue_evidence(p, 0, ev, sizeof(ev));
    verdict(p, "http", MCPD_C_LISTEN_QUEUE_OVERFLOW, "%s%s: no HTTP "
            "request got an answer (%s; ListenOverflows +%llu)", ev,
            mcpd_listener_queue_full(&p->lst[li]) == 1 ? "" :
            " (before our connect, which filled it)", e->error,
            overflow_delta(p));
    queue_fixes(p);
    return 1;
}

/* Bytes came back, and they are not HTTP: positive proof that no MCP
 * server (HTTP) holds the port. */
static void
http_not_http(struct hstep *s, const struct mcpd_http_try *e)
{
    struct mcpd_probe *p = s->p;
    char who[160];

    owner_text(p, who, sizeof(who));
    verdict(p, "http", MCPD_C_PORT_IN_USE_BY_OTHER, "%s answers, but not "
            "in HTTP (%s): the port is held by %s, which is not an MCP "
            "server", s->hp, e->error, who);
    if (p->nlst > 0 && p->lst[0].pid > 0)
        fix(p, "stop %s (pid %d) if it should not hold port %u, then "
               "start the MCP server", p->lst[0].command,
            (int)p->lst[0].pid, (unsigned)p->target.port);
    fix(p, "or run the MCP server on a free port and use that port in "
           "the client");
    fix_os(p, "{listeners_cmd}   # the program on the port");
}

/* The connection was accepted, and no answer came in time. */
static void
http_silent(struct hstep *s, const struct mcpd_http_try *e)
{
    struct mcpd_probe *p = s->p;
    char ev[300] = "";
    int i;

    /* Connections waiting in the accept queue: the kernel did the
     * handshake, the server never took them. */
    for (i = 0; i < p->nlst; i++)
        if (p->lst[i].accepts[0] && p->lst[i].queued > 0)
            queue_evidence(p, 0, ev, sizeof(ev));
    verdict(p, "http", MCPD_C_SERVER_NOT_RESPONDING, "%s accepts the "
            "connection but sent no HTTP answer within %.1f s (%s)%s%s",
            s->hp, p->opts.timeout, e->url, ev[0] ? "; " : "", ev);
    fix(p, "the server process is stuck or is not an HTTP server: "
           "check its log, or restart it");
    fix(p, "curl -v --max-time 10 %s", p->target.url);
}

/* No HTTP status came back: by libcurl's error, not HTTP, silence, a
 * reset or close, or something else. */
static int
http_no_answer(struct hstep *s)
{
    struct mcpd_probe *p = s->p;
    const struct mcpd_http_try *e = s->h->curl_code ? s->h : s->t;

    if (s->t->status != 0)
        return 0;
    /* libcurl: WEIRD_SERVER_REPLY for a bad status line,
     * UNSUPPORTED_PROTOCOL for "HTTP/0.9" (bytes with no status line
     * at all: a banner, an echo). */
    if ((e->curl_code == CURLE_WEIRD_SERVER_REPLY ||
         e->curl_code == CURLE_UNSUPPORTED_PROTOCOL) &&
        !s->saw_mcp && !s->is_proxy) {
        http_not_http(s, e);
    } else if (e->curl_code == CURLE_OPERATION_TIMEDOUT) {
        http_silent(s, e);
    } else if (e->curl_code == CURLE_RECV_ERROR ||
               e->curl_code == CURLE_GOT_NOTHING ||
               e->curl_code == CURLE_SEND_ERROR) {
        verdict(p, "http", MCPD_C_SERVER_RESET, "%s accepted the "
                "connection, then %s without an HTTP answer (%s)", s->hp,
                e->os_errno == ECONNRESET ? "reset it" : "closed it",
                e->error);
        fix(p, "check the server's log for a crash or a rejected "
               "request; a container proxy with no backend does this "
               "too");
        fix(p, "curl -v %s", p->target.url);
    } else {
        verdict(p, "http", MCPD_C_HTTP_ERROR, "no HTTP answer from %s: %s",
                s->hp, e->error);
        fix(p, "curl -v %s", p->target.url);
    }
    return 1;
}

/* An authentication challenge (401, or 403 with WWW-Authenticate). */
static int
http_auth(struct hstep *s)
{
    if (!s->hs->auth.required)
        return 0;
    diagnose_auth(s->p);
    return 1;
}

/* The Host (or Origin) allowlist said no: 403 or 421. */
static int
http_host_check(struct hstep *s)
{
    struct mcpd_probe *p = s->p;
    const struct mcpd_http_try *t = s->t;

    if (!s->row->host_check)
        return 0;
    verdict(p, "mcp", MCPD_C_HTTP_ERROR, "%s %s answered %ld: %s%s%s%s",
            t->method, t->url, t->status, t->meaning,
            t->rpc_message[0] ? " (\"" : "", t->rpc_message,
            t->rpc_message[0] ? "\")" : "");
    fix(p, "add '%s:%u' to the server's allowed hosts (TS SDK: "
           "allowedHosts; Python: TransportSecuritySettings("
           "allowed_hosts=[...]), 'host:*' for any port)",
        p->target.host, (unsigned)p->target.port);
    fix(p, "or connect with a Host the server allows, e.g. %s",
        "http://127.0.0.1:PORT/... or http://localhost:PORT/...");
    return 1;
}

/* A gateway's 502-504: the server behind it does not answer. */
static int
http_gateway(struct hstep *s)
{
    struct mcpd_probe *p = s->p;
    const struct mcpd_http_try *t = s->t;
    char who[200], own[160];

    if (s->row->cause != MCPD_C_GATEWAY_ERROR)
        return 0;
    if (s->is_proxy) {
        snprintf(who, sizeof(who), "the reverse proxy %s", s->proxy);
    } else {
        owner_text(p, own, sizeof(own));
        snprintf(who, sizeof(who), "the gateway, %s,", own);
    }
    verdict(p, "mcp", MCPD_C_GATEWAY_ERROR, "%s %s answered %ld: %s on "
            "port %u could not get an answer from the MCP server behind "
            "it (its upstream)%s%s%s", t->method, t->url, t->status, who,
            (unsigned)p->target.port,
            t->rpc_message[0] ? " (\"" : "", t->rpc_message,
            t->rpc_message[0] ? "\")" : "");
    fix(p, "start the MCP server %s forwards to, or fix the upstream "
           "address in its configuration (nginx: proxy_pass; haproxy: "
           "server; caddy: reverse_proxy)", s->is_proxy ? s->proxy :
           "the gateway");
    fix(p, "read the proxy's error log for the upstream it tried "
           "(nginx: /var/log/nginx/error.log, \"connect() failed ... "
           "upstream: ...\")");
    fix(p, "then check the upstream directly: mcpdiag probe "
           "http://UPSTREAM_HOST:PORT%s", p->target.path);
    return 1;
}

/* The event stream opened (or not) but no event came through. */
static int
http_sse_stalled(struct hstep *s)
{
    struct mcpd_probe *p = s->p;
    const struct mcpd_http_try *g = &s->hs->sse_get;
    char got[200];

    if (!s->hs->sse_stalled || s->hs->mcp_ok)
        return 0;
    if (g->status)
        snprintf(got, sizeof(got), "opened an event stream (%ld %s%s%s) "
                 "but no event came", g->status, g->content_type,
                 g->encoding[0] ? ", Content-Encoding " : "",
                 g->encoding);
    else
        snprintf(got, sizeof(got), "got no answer at all (not even "
                 "headers), while plain requests to the port were "
                 "answered at once");
    verdict(p, "mcp", MCPD_C_SERVER_NOT_RESPONDING, "GET %s (Accept: "
            "text/event-stream, Accept-Encoding: gzip, deflate, as "
            "Node's fetch sends) %s within %.1f s%s%s: a proxy that "
            "buffers or compresses text/event-stream holds the events "
            "back, and SDK clients stall the same way", g->url, got,
            p->opts.timeout * 2, s->is_proxy ? "; in front: " : "",
            s->is_proxy ? s->proxy : "");
    fix(p, "nginx: in the location for %s set 'proxy_buffering off;' "
           "and 'gzip off;' (or drop text/event-stream from gzip_types)",
        p->target.path);
    fix(p, "or have the server send 'X-Accel-Buffering: no' with the "
           "stream; other proxies: turn off response buffering and "
           "compression for text/event-stream");
    fix(p, "curl -N -H 'Accept: text/event-stream' -H 'Accept-Encoding: "
           "gzip, deflate' --compressed %s   # see whether events "
           "arrive", g->url);
    return 1;
}

/* Another URL of this server speaks MCP: the path or the transport the
 * client was given is wrong. */
static int
http_mcp_elsewhere(struct hstep *s)
{
    struct mcpd_probe *p = s->p;
    const struct mcpd_probe_http *hs = s->hs;
    const struct mcpd_http_try *t = s->t;
    size_t tl = strlen(p->target.path);
    int client_sse;

    if (hs->mcp_ok || !hs->mcp_url[0])
        return 0;
    client_sse = tl >= 4 && strcmp(p->target.path + tl - 4, "/sse") == 0;
    verdict(p, "mcp", client_sse ? MCPD_C_WRONG_TRANSPORT :
            MCPD_C_WRONG_PATH, "%s %s answered %ld (%s), but %s speaks MCP "
            "(%s)%s", t->method, t->url, t->status,
            t->meaning[0] ? t->meaning : "not MCP", hs->mcp_url,
            hs->mcp_url_transport, client_sse ? ": a client set up for "
            "the legacy SSE transport at this URL meets a Streamable "
            "HTTP server" : "");
    if (client_sse)
        fix(p, "configure the client for Streamable HTTP at %s (e.g. "
               "\"type\": \"http\", \"url\": \"%s\")", hs->mcp_url,
            hs->mcp_url);
    else
        fix(p, "use %s in the client   # it answers MCP's initialize",
            hs->mcp_url);
    return 1;
}

/* HTTP at the given path and at every usual MCP path, no JSON-RPC, no
 * challenge, no proxy in front: positive evidence of another server. */
static int
http_not_mcp(struct hstep *s)
{
    struct mcpd_probe *p = s->p;
    const struct mcpd_probe_http *hs = s->hs;
    const struct mcpd_http_try *t = s->t;
    char who[160], tried[300] = "";
    int i;

    if (s->saw_mcp || s->is_proxy || !t->status)
        return 0;
    owner_text(p, who, sizeof(who));
    for (i = 0; i < hs->npaths; i++) {
        size_t at = strlen(tried);
        snprintf(tried + at, sizeof(tried) - at, "%s%s %ld",
                 i ? ", " : "", hs->paths[i].path,
                 hs->paths[i].init.status);
    }
    verdict(p, "mcp", MCPD_C_PORT_IN_USE_BY_OTHER, "port %u answers HTTP "
            "but nothing there speaks MCP: %s %ld%s%s%s, no JSON-RPC and "
            "no authentication challenge at any usual MCP path; it is "
            "held by %s", (unsigned)p->target.port, t->url, t->status,
            tried[0] ? " (and " : "", tried, tried[0] ? ")" : "", who);
    if (p->nlst > 0 && p->lst[0].pid > 0)
        fix(p, "stop %s (pid %d) if it should not hold port %u, then "
               "start the MCP server", p->lst[0].command,
            (int)p->lst[0].pid, (unsigned)p->target.port);
    fix(p, "or run the MCP server on a free port and use that port in "
           "the client");
    fix_os(p, "{listeners_cmd}");
    return 1;
}

/* initialize answered 200 with a JSON-RPC error. */
static int
http_rpc_error(struct hstep *s)
{
    if (s->t->status != 200 || !s->t->rpc_code)
        return 0;
    verdict(s->p, "mcp", MCPD_C_MCP_ERROR, "initialize failed: JSON-RPC "
            "error %ld: %s", s->t->rpc_code, s->t->rpc_message);
    fix(s->p, "check the server's log for the request it rejected");
    return 1;
}

/* Any other status: its meaning and fix from the status table. */
static int
http_error(struct hstep *s)
{
    struct mcpd_probe *p = s->p;
    const struct mcpd_http_try *t = s->t;
    char alt[1400];

    verdict(p, "mcp", MCPD_C_HTTP_ERROR, "%s %s answered %ld: %s%s%s%s",
            t->method, t->url, t->status,
            t->meaning[0] ? t->meaning : "not MCP",
            t->rpc_message[0] ? " (\"" : "", t->rpc_message,
            t->rpc_message[0] ? "\")" : "");
    if (s->row->cause_post == MCPD_C_WRONG_PATH) {
        struct mcpd_target x = p->target;
        mcpd_target_url_for(&x, "/mcp", alt, sizeof(alt));
        fix(p, "use the server's MCP path and transport: Streamable "
               "HTTP usually at %s, legacy SSE at /sse", alt);
        if (s->hs->sse_post.is_jsonrpc)
            fix(p, "this server speaks the legacy SSE transport: "
                   "configure the client for SSE at /sse");
    } else if (s->row->fix) {
        fix(p, "%s", s->row->fix);
    } else {
        fix(p, "curl -v -X POST -H 'Content-Type: application/json' -H "
               "'Accept: application/json, text/event-stream' %s",
            p->target.url);
    }
    return 1;
}

/* The HTTP and MCP rules, read top to bottom: the first that holds
 * names the cause. The last always holds. */
static int (*const http_rules[])(struct hstep *) = {
    http_tls_untrusted,
    http_tls_mismatch,
    http_queue_full,
    http_no_answer,
    http_auth,
    http_host_check,
    http_gateway,
    http_sse_stalled,
    http_mcp_elsewhere,
    http_not_mcp,
    http_rpc_error,
    http_error,
};

static void
diagnose_http(struct mcpd_probe *p)
{
    struct hstep s;
    size_t i;

    memset(&s, 0, sizeof(s));
    s.p = p;
    s.hs = &p->http;
    s.t = first_answer(s.hs);
    s.h = &s.hs->health;
    s.row = mcpd_http_status_row(s.t->status > 0 ? (unsigned)s.t->status
                                                 : 0);
    mcpd_hostport_str(p->addr[0].text, p->target.port, s.hp, sizeof(s.hp));
    s.saw_mcp = mcp_evidence(p);
    s.is_proxy = reverse_proxy(p, s.proxy, sizeof(s.proxy));
    for (i = 0; i < sizeof(http_rules) / sizeof(http_rules[0]); i++)
        if (http_rules[i](&s))
            return;
}

/* The name did not resolve. */
static void
diagnose_resolve(struct mcpd_probe *p)
{
    verdict(p, "resolve", MCPD_C_DNS_FAILURE, "%s does not resolve: %s",
            p->target.host, p->resolve_error);
    fix(p, "getent ahosts %s   # what the resolver says", p->target.host);
    if (p->resolve_timed_out || p->resolve_rc == EAI_AGAIN)
        fix(p, "the resolver did not answer: check the nameserver "
               "lines of /etc/resolv.conf and that it is reachable "
               "(resolvectl status)");
    else
        fix(p, "check the host name in the client's URL (typo? a name "
               "only another machine or container knows?)");
    fix(p, "or use an IP address (http://127.0.0.1:%u%s) or add the "
           "name to /etc/hosts", (unsigned)p->target.port,
        p->target.path);
}

/* After a transport cause: a dead proxy outranks it when some address
 * connected. A refusal on some addresses only (::1 first, the server
 * on 127.0.0.1) breaks the clients without a fallback; a dead proxy
 * breaks every client that uses it: the wider one wins. */
static void
dead_proxy_outranks(struct mcpd_probe *p)
{
    const struct mcpd_probe_proxy *px = &p->proxy;
    enum mcpd_cause tc = p->cause_id;
    int i, some = 0;

    for (i = 0; i < p->naddr; i++)
        some |= p->addr[i].conn == MCPD_CONN_CONNECTED;
    if (!(some && px->any_proxied && px->reachable == 0 &&
          mcpd_cause_rank(MCPD_C_PROXY_UNREACHABLE) > mcpd_cause_rank(tc)))
        return;
    p->nfix = 0;
    verdict(p, "proxy", MCPD_C_PROXY_UNREACHABLE, "clients that honour "
            "the proxy variables would send %s to %s, which does not "
            "answer (%s); clients that go direct meet %s as well",
            p->target.url, px->checked, px->reach_errno ?
            strerror(px->reach_errno) : px->via_error,
            mcpd_cause_name(tc));
    no_proxy_fix(p);
}

/* The proxy that clients honouring the variables use: dead, or in the
 * way of an MCP that works direct. 1 when it named a cause. */
static int
diagnose_proxy(struct mcpd_probe *p)
{
    const struct mcpd_probe_proxy *px = &p->proxy;

    if (px->any_proxied && px->reachable == 0) {
        verdict(p, "proxy", MCPD_C_PROXY_UNREACHABLE, "clients that honour "
                "the proxy variables would send %s to %s, which does not "
                "answer (%s)", p->target.url, px->checked,
                px->reach_errno ? strerror(px->reach_errno) :
                px->via_error);
        no_proxy_fix(p);
        return 1;
    }
    if (px->any_proxied && p->http.mcp_ok && !px->via_mcp_ok) {
        verdict(p, "proxy", MCPD_C_PROXY_IN_PATH, "direct MCP works, but "
                "clients that honour the proxy variables send %s to %s, "
                "which answers %ld%s%s", p->target.url, px->checked,
                px->via_status, px->via_error[0] ? ": " : "",
                px->via_error);
        no_proxy_fix(p);
        return 1;
    }
    return 0;
}

/* MCP answered: only the legacy transport, at another URL, or the
 * tools failed (--deep); else it works. */
static void
diagnose_mcp_ok(struct mcpd_probe *p)
{
    if (strcmp(p->http.transport, "sse") == 0 &&
        strcmp(p->http.sse_get.url, p->target.url) != 0) {
        /* Only the legacy transport answered, at another URL: a client
         * given this URL (Streamable HTTP) fails. */
        verdict(p, "mcp", MCPD_C_WRONG_TRANSPORT, "%s is not an MCP endpoint "
                "(POST answered %ld), but %s serves the legacy HTTP+SSE "
                "transport (%s %s%s%s)", p->target.url, p->http.init.status,
                p->http.sse_get.url, p->http.server_name,
                p->http.server_version, p->http.protocol_version[0] ?
                ", protocol " : "", p->http.protocol_version);
        fix(p, "configure the client for the SSE transport at %s (e.g. "
               "\"type\": \"sse\", \"url\": \"%s\")",
            p->http.sse_get.url, p->http.sse_get.url);
        fix(p, "or run the server with its Streamable HTTP transport");
        return;
    }
    if (p->opts.deep && p->http.tools.ran && p->http.tools_count < 0) {
        verdict(p, "mcp", MCPD_C_MCP_ERROR, "initialize works but tools/list "
                "failed: %ld %s", p->http.tools.status,
                p->http.tools.rpc_message[0] ? p->http.tools.rpc_message :
                p->http.tools.error);
        fix(p, "check the server's log for the tools/list error");
        return;
    }
    p->cause_id = MCPD_C_OK;
    snprintf(p->cause, sizeof(p->cause), "%s", mcpd_cause_name(MCPD_C_OK));
    snprintf(p->summary, sizeof(p->summary), "MCP works: %s%s%s over %s, "
             "protocol %s", p->http.server_name[0] ? p->http.server_name :
             "(unnamed server)", p->http.server_version[0] ? " " : "",
             p->http.server_version, p->http.transport,
             p->http.protocol_version);
}

void
mcpd_probe_diagnose(struct mcpd_probe *p)
{
    p->nfix = 0;
    if (p->naddr == 0)
        diagnose_resolve(p);
    else if (diagnose_transport(p))
        dead_proxy_outranks(p);
    else if (diagnose_proxy(p))
        return;
    else if (!p->http.mcp_ok)
        diagnose_http(p);
    else
        diagnose_mcp_ok(p);
}

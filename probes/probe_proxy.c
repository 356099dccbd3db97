/* \summary: probe stage 6: the proxy variables in effect, which clients
 * would send this URL to a proxy, and whether that proxy answers */

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include "probe_int.h"

static const char *const proxy_vars[] = {
    "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
    "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY", NULL
};

static const char *
env_get(const char *name)
{
    return getenv(name);
}

/* A loopback name or address, which Chromium never sends to a proxy
 * (unless the exceptions say "<-loopback>"). */
static int
is_loopback(const char *host)
{
    size_t n = strlen(host);

    return strcmp(host, "localhost") == 0 ||
           (n > 10 && strcmp(host + n - 10, ".localhost") == 0) ||
           strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0 ||
           strcmp(host, "[::1]") == 0;
}

/*
 * The OS's proxy settings, and who would use them for this URL: Python's
 * urllib (requests, httpx) when no proxy variable is set at all, unless
 * the exceptions list the host; Chromium-based clients (Electron apps)
 * unless the exceptions list the host or it is a loopback address. A PAC
 * script or WPAD decides for itself: that is reported, not evaluated.
 */
static void
system_proxy(struct mcpd_probe *p)
{
    struct mcpd_probe_proxy *px = &p->proxy;
    const char *which;

    px->sys_read = mcpd_plat_sysproxy(&px->sys) == 0;
    if (!px->sys_read)
        return;
    which = strcmp(p->target.scheme, "https") == 0 ? px->sys.https
                                                   : px->sys.http;
    if (which[0] == '\0')
        return;
    mcpd_redact_url(which, px->sys_proxy, sizeof(px->sys_proxy));
    px->sys_bypassed = mcpd_plat_sysproxy_bypassed(&px->sys,
                                                   p->target.host);
    px->sys_python = !px->sys_bypassed && px->nvars == 0;
    px->sys_chromium = !px->sys_bypassed && !is_loopback(p->target.host);
}

/* Stage 6. */
void
mcpd_probe_proxy(struct mcpd_probe *p)
{
    struct mcpd_probe_proxy *px = &p->proxy;
    const char *raw = NULL;
    char host[256];
    uint16_t port;
    int i;

    px->reachable = -1;
    for (i = 0; proxy_vars[i] && px->nvars < 12; i++) {
        const char *v = getenv(proxy_vars[i]);
        char red[256];
        if (v == NULL)
            continue;
        mcpd_redact_url(v, red, sizeof(red));
        snprintf(px->vars[px->nvars++], sizeof(px->vars[0]), "%s=%s",
                 proxy_vars[i], red);
    }
    system_proxy(p);
    for (i = 0; i < MCPD_CLIENT_COUNT; i++) {
        struct mcpd_proxy_choice *c = &px->client[i];
        mcpd_proxy_decide((enum mcpd_client_kind)i, p->target.scheme,
                          p->target.host, p->target.port, env_get, c);
        if (c->proxied && raw == NULL) {
            raw = getenv(c->proxy_var);
            px->any_proxied = 1;
        }
    }
    if (raw == NULL)
        return;
    /* Does the proxy (the first client's that would use one) answer? */
    mcpd_redact_url(raw, px->checked, sizeof(px->checked));
    if (mcpd_proxy_hostport(raw, host, sizeof(host), &port) != 0) {
        px->reachable = 0;
        snprintf(px->via_error, sizeof(px->via_error), "cannot parse the "
                 "proxy URL");
        return;
    }
    {
        struct addrinfo hints, *res = NULL;
        char ps[8];
        struct mcpd_ip ip;
        double ms;

        memset(&hints, 0, sizeof(hints));
        hints.ai_socktype = SOCK_STREAM;
        snprintf(ps, sizeof(ps), "%u", (unsigned)port);
        if (getaddrinfo(host, ps, &hints, &res) != 0 || res == NULL) {
            px->reachable = 0;
            snprintf(px->via_error, sizeof(px->via_error), "the proxy "
                     "host %s does not resolve", host);
            return;
        }
        memset(&ip, 0, sizeof(ip));
        if (res->ai_family == AF_INET) {
            ip.family = 4;
            memcpy(ip.a, &((struct sockaddr_in *)(void *)res->ai_addr)
                   ->sin_addr, 4);
        } else {
            ip.family = 6;
            memcpy(ip.a, &((struct sockaddr_in6 *)(void *)res->ai_addr)
                   ->sin6_addr, 16);
        }
        freeaddrinfo(res);
        px->reachable = mcpd_tcp_connect(&ip, port, p->opts.timeout,
                                         &px->reach_errno, &ms) ==
                        MCPD_CONN_CONNECTED;
    }
    if (px->reachable) {
        /* As the client would: the MCP initialize through the proxy. */
        struct mcpd_http_try t;
        px->via_mcp_ok = mcpd_http_init_via(p, raw, &t);
        px->via_status = t.status;
        snprintf(px->via_error, sizeof(px->via_error), "%s",
                 t.error[0] ? t.error : t.meaning);
    }
}

/* \summary: probe targets: PORT, HOST:PORT, [V6]:PORT and http(s) URLs */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "cli.h"
#include "mcpd.h"
#include "target.h"

#define DEFAULT_HOST "localhost"
#define DEFAULT_PORT 3000
#define DEFAULT_PATH "/mcp"

static int
all_digits(const char *s, size_t n)
{
    size_t i;

    if (n == 0)
        return 0;
    for (i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* Port text of n bytes to a number 1-65535; -1 when it is not one. */
static int
port_of(const char *s, size_t n, uint16_t *port)
{
    char buf[8];

    if (!all_digits(s, n) || n >= sizeof(buf))
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return mcpd_parse_port(buf, port);
}

static int
set_host(struct mcpd_target *t, const char *s, size_t n, char *err)
{
    struct in6_addr a6;

    if (n == 0 || n >= sizeof(t->host)) {
        snprintf(err, MCPD_ERR_LEN, "the host is %s",
                 n ? "too long" : "empty");
        return -1;
    }
    memcpy(t->host, s, n);
    t->host[n] = '\0';
    t->is_ipv6_literal = inet_pton(AF_INET6, t->host, &a6) == 1;
    return 0;
}

/*
 * host[:port] or [v6]:port, as the authority of RFC 3986 §3.2 (without
 * userinfo, which an MCP URL never needs and which we must not print).
 */
static int
parse_authority(struct mcpd_target *t, const char *s, size_t n,
                int port_required, char *err)
{
    const char *colon;

    if (memchr(s, '@', n)) {
        snprintf(err, MCPD_ERR_LEN, "user:password@ in the target is not "
                 "supported (and would be printed): remove it");
        return -1;
    }
    if (n > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        size_t rest;

        if (close == NULL) {
            snprintf(err, MCPD_ERR_LEN, "missing ']' after the IPv6 "
                     "address");
            return -1;
        }
        if (set_host(t, s + 1, (size_t)(close - s - 1), err) != 0)
            return -1;
        if (!t->is_ipv6_literal) {
            snprintf(err, MCPD_ERR_LEN, "'%.200s' is not an IPv6 address",
                     t->host);
            return -1;
        }
        rest = n - (size_t)(close + 1 - s);
        if (rest == 0) {
            if (port_required) {
                snprintf(err, MCPD_ERR_LEN, "[V6ADDR] needs a :PORT");
                return -1;
            }
            return 0;
        }
        if (close[1] != ':' ||
            port_of(close + 2, rest - 1, &t->port) != 0) {
            snprintf(err, MCPD_ERR_LEN, "expected :PORT (1-65535) after "
                     "']'");
            return -1;
        }
        return 0;
    }
    colon = memchr(s, ':', n);
    if (colon && memchr(colon + 1, ':', n - (size_t)(colon + 1 - s))) {
        snprintf(err, MCPD_ERR_LEN, "an IPv6 address needs brackets: "
                 "[::1]:3000");
        return -1;
    }
    if (colon == NULL) {
        if (port_required) {
            snprintf(err, MCPD_ERR_LEN, "expected PORT, HOST:PORT, "
                     "[V6]:PORT or a URL");
            return -1;
        }
        return set_host(t, s, n, err);
    }
    if (set_host(t, s, (size_t)(colon - s), err) != 0)
        return -1;
    if (port_of(colon + 1, n - (size_t)(colon + 1 - s), &t->port) != 0) {
        snprintf(err, MCPD_ERR_LEN, "the port must be a number 1-65535");
        return -1;
    }
    return 0;
}

int
mcpd_target_parse(const char *s, struct mcpd_target *t, char *err)
{
    size_t n;
    const char *p;

    memset(t, 0, sizeof(*t));
    snprintf(t->scheme, sizeof(t->scheme), "http");
    snprintf(t->host, sizeof(t->host), DEFAULT_HOST);
    snprintf(t->path, sizeof(t->path), DEFAULT_PATH);
    t->port = DEFAULT_PORT;
    err[0] = '\0';

    if (s == NULL)
        goto done;
    if (*s == '\0') {
        /* `probe ""`: an empty word is a mistake, not the default. */
        snprintf(err, MCPD_ERR_LEN, "the target is empty");
        return -1;
    }
    n = strlen(s);
    if (n > 1200) {
        snprintf(err, MCPD_ERR_LEN, "the target is too long");
        return -1;
    }
    for (p = s; *p; p++) {
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
            snprintf(err, MCPD_ERR_LEN, "the target contains a space or "
                     "control character");
            return -1;
        }
    }
    if (all_digits(s, n)) {
        if (port_of(s, n, &t->port) != 0) {
            snprintf(err, MCPD_ERR_LEN, "the port must be a number "
                     "1-65535, not '%s'", s);
            return -1;
        }
        goto done;
    }
    p = strstr(s, "://");
    if (p) {
        const char *auth = p + 3, *slash;
        size_t slen = (size_t)(p - s);

        if (slen == 4 && strncasecmp(s, "http", 4) == 0) {
            t->port = 80;
        } else if (slen == 5 && strncasecmp(s, "https", 5) == 0) {
            snprintf(t->scheme, sizeof(t->scheme), "https");
            t->port = 443;
        } else {
            snprintf(err, MCPD_ERR_LEN, "only http:// and https:// URLs "
                     "can be probed");
            return -1;
        }
        slash = strpbrk(auth, "/?#");
        if (parse_authority(t, auth,
                            slash ? (size_t)(slash - auth) : strlen(auth), 0,
                            err) != 0)
            return -1;
        if (slash && *slash == '/') {
            size_t plen = strcspn(slash, "#");
            if (plen >= sizeof(t->path)) {
                snprintf(err, MCPD_ERR_LEN, "the path is too long");
                return -1;
            }
            memcpy(t->path, slash, plen);
            t->path[plen] = '\0';
        } else if (slash && *slash == '?') {
            snprintf(t->path, sizeof(t->path), "/%.*s",
                     (int)strcspn(slash, "#"), slash);
        } else {
            /* "http://host:3000" names no path: MCP clients then POST
             * to "/", which is what we probe too. */
            snprintf(t->path, sizeof(t->path), "/");
        }
        goto done;
    }
    if (parse_authority(t, s, n, 1, err) != 0)
        return -1;
done:
    mcpd_target_url_for(t, t->path, t->url, sizeof(t->url));
    return 0;
}

void
mcpd_target_url_for(const struct mcpd_target *t, const char *path,
                    char *buf, size_t len)
{
    snprintf(buf, len, "%s://%s%s%s:%u%s", t->scheme,
             t->is_ipv6_literal ? "[" : "", t->host,
             t->is_ipv6_literal ? "]" : "", (unsigned)t->port,
             path[0] == '/' ? path : "/");
}

void
mcpd_target_redact(const char *text, char *out, size_t len)
{
    const char *auth = strstr(text, "://"), *at = NULL, *p;
    size_t end;

    if (len == 0)
        return;
    if (auth == NULL) {
        /* "user:pw@host:port" without a scheme: same rule. */
        auth = text;
    } else {
        auth += 3;
    }
    end = strcspn(auth, "/?#");
    for (p = auth; p < auth + end; p++)
        if (*p == '@')
            at = p;
    if (at == NULL) {
        snprintf(out, len, "%s", text);
        return;
    }
    snprintf(out, len, "%.*s***%s", (int)(auth - text), text, at);
}

/* ---- proxy URLs ---------------------------------------------------- */

/* client -1: the scheme's port, curl's 1080 for a bare host. */
static int
proxy_hostport(int client, const char *url, char *host, size_t hlen,
               uint16_t *port)
{
    const char *p = strstr(url, "://"), *end, *at, *colon;
    unsigned long v = 0;
    int socks = 0, https = 0;
    size_t n;

    if (p) {
        socks = strncasecmp(url, "socks", 5) == 0;
        https = strncasecmp(url, "https:", 6) == 0;
        p += 3;
    } else {
        p = url;
    }
    end = p + strcspn(p, "/?#");
    at = memchr(p, '@', (size_t)(end - p));
    if (at)
        p = at + 1;
    if (*p == '[') {
        const char *close = memchr(p, ']', (size_t)(end - p));
        if (close == NULL)
            return -1;
        n = (size_t)(close - p - 1);
        colon = close[1] == ':' ? close + 1 : NULL;
        p++;
    } else {
        colon = memchr(p, ':', (size_t)(end - p));
        n = colon ? (size_t)(colon - p) : (size_t)(end - p);
    }
    if (n == 0 || n >= hlen)
        return -1;
    memcpy(host, p, n);
    host[n] = '\0';
    if (colon && colon + 1 < end) {
        char *e;
        v = strtoul(colon + 1, &e, 10);
        if (e != end || v == 0 || v > 65535)
            return -1;
    } else if (socks) {
        v = 1080;
    } else if (https) {
        v = 443;
    } else if (client == MCPD_CLIENT_CURL) {
        v = 1080;           /* curl's default proxy port, any scheme */
    } else if (client < 0) {
        v = p == url ? 1080 : 80;   /* a bare host:port is curl's */
    } else {
        v = 80;             /* http://, as a bare host is to them */
    }
    *port = (uint16_t)v;
    return 0;
}

int
mcpd_proxy_hostport(const char *url, char *host, size_t hlen,
                    uint16_t *port)
{
    return proxy_hostport(-1, url, host, hlen, port);
}

int
mcpd_proxy_hostport_client(enum mcpd_client_kind client, const char *url,
                           char *host, size_t hlen, uint16_t *port)
{
    return proxy_hostport((int)client, url, host, hlen, port);
}

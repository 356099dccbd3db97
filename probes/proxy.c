/* \summary: which proxy each common HTTP client would use for a URL:
 * curl, Node (undici), Python requests and httpx, Go (research §1a) */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "probe_int.h"

static const char *const client_names[MCPD_CLIENT_COUNT] = {
    "curl", "node", "requests", "httpx", "go"
};

const char *
mcpd_client_name(enum mcpd_client_kind client)
{
    return (unsigned)client < MCPD_CLIENT_COUNT ? client_names[client] : "?";
}

/* An address literal: 4 or 6 in *fam and its bytes, else 0. */
static int
ip_literal(const char *s, uint8_t *a, int *fam)
{
    char buf[64];
    size_t n = strlen(s);

    if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
        if (n - 2 >= sizeof(buf))
            return 0;
        memcpy(buf, s + 1, n - 2);
        buf[n - 2] = '\0';
    } else {
        if (n >= sizeof(buf))
            return 0;
        memcpy(buf, s, n + 1);
    }
    if (inet_pton(AF_INET, buf, a) == 1) {
        *fam = 4;
        return 1;
    }
    if (inet_pton(AF_INET6, buf, a) == 1) {
        *fam = 6;
        return 1;
    }
    return 0;
}

static int
is_loopback(const char *host)
{
    uint8_t a[16];
    int fam;
    static const uint8_t lo6[16] = { [15] = 1 };

    if (strcasecmp(host, "localhost") == 0)
        return 1;
    if (!ip_literal(host, a, &fam))
        return 0;
    return fam == 4 ? a[0] == 127 : memcmp(a, lo6, 16) == 0;
}

/* "a.b/8" within "a.b.c.d"? entry as text; 1 match, 0 not, -1 no CIDR. */
static int
cidr_match(const char *entry, const char *host)
{
    char net[64];
    const char *slash = strchr(entry, '/');
    uint8_t na[16], ha[16];
    int nf, hf;
    unsigned long bits;
    char *end;
    size_t i;

    if (slash == NULL || (size_t)(slash - entry) >= sizeof(net))
        return -1;
    memcpy(net, entry, (size_t)(slash - entry));
    net[slash - entry] = '\0';
    if (!ip_literal(net, na, &nf) || !ip_literal(host, ha, &hf))
        return -1;
    bits = strtoul(slash + 1, &end, 10);
    if (*end != '\0' || slash[1] == '\0' || bits > (nf == 4 ? 32u : 128u))
        return -1;
    if (nf != hf)
        return 0;
    for (i = 0; i < bits / 8; i++)
        if (na[i] != ha[i])
            return 0;
    if (bits % 8) {
        uint8_t m = (uint8_t)(0xff << (8 - bits % 8));
        if ((na[i] & m) != (ha[i] & m))
            return 0;
    }
    return 1;
}

/* Does `name` end with `suffix` (case-insensitive)? */
static int
ends_with(const char *name, const char *suffix)
{
    size_t n = strlen(name), s = strlen(suffix);

    return s <= n && strcasecmp(name + n - s, suffix) == 0;
}

/* name == dom, or name ends with "." dom. */
static int
domain_or_sub(const char *name, const char *dom)
{
    size_t n = strlen(name), d = strlen(dom);

    if (strcasecmp(name, dom) == 0)
        return 1;
    return d > 0 && d < n && name[n - d - 1] == '.' &&
           strcasecmp(name + n - d, dom) == 0;
}

/* Split "host:port" (or "[v6]:port"); port 0 when none. */
static void
split_port(const char *tok, char *host, size_t hlen, unsigned *port)
{
    const char *colon = NULL;
    size_t n;

    *port = 0;
    if (tok[0] == '[') {
        const char *close = strchr(tok, ']');
        if (close && close[1] == ':')
            colon = close + 1;
    } else {
        colon = strchr(tok, ':');
        if (colon && strchr(colon + 1, ':'))
            colon = NULL;   /* bare IPv6 address */
    }
    n = colon ? (size_t)(colon - tok) : strlen(tok);
    if (n >= hlen)
        n = hlen - 1;
    memcpy(host, tok, n);
    host[n] = '\0';
    if (colon)
        *port = (unsigned)strtoul(colon + 1, NULL, 10);
    /* Brackets go: every client compares the bare address. */
    n = strlen(host);
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
        memmove(host, host + 1, n - 2);
        host[n - 2] = '\0';
    }
}

/* Both are IP literals of the same family and address. */
static int
same_ip(const char *x, const char *y)
{
    uint8_t a[16], b[16];
    int fa, fb;

    return ip_literal(x, a, &fa) && ip_literal(y, b, &fb) && fa == fb &&
           memcmp(a, b, fa == 4 ? 4 : 16) == 0;
}

static int
is_ip(const char *s, int *fam)
{
    uint8_t a[16];

    return ip_literal(s, a, fam);
}

/* lib/noproxy.c: no port handling; CIDR for addresses; a name matches
 * itself or a tail on a label boundary, leading dot ignored. */
static int
match_curl(const char *tok, const char *host, uint16_t port)
{
    char th[300];
    size_t n;
    int c, fa;

    (void)port;
    snprintf(th, sizeof(th), "%s", tok);
    n = strlen(th);
    if (n >= 2 && th[0] == '[' && th[n - 1] == ']') {
        memmove(th, th + 1, n - 2);
        th[n - 2] = '\0';
    }
    c = cidr_match(th, host);
    if (c >= 0)
        return c;
    if (is_ip(host, &fa))
        return same_ip(host, th);
    return domain_or_sub(host, th[0] == '.' ? th + 1 : th);
}

/* undici EnvHttpProxyAgent: "host[:port]", "*." or "." stripped, exact
 * or ".suffix"; no CIDR; the port must match if given. */
static int
match_node(const char *tok, const char *host, uint16_t port)
{
    char th[300];
    const char *d = th;
    unsigned tport;

    split_port(tok, th, sizeof(th), &tport);
    if (tport && tport != port)
        return 0;
    if (strncmp(d, "*.", 2) == 0)
        d += 2;
    else if (d[0] == '.')
        d += 1;
    return domain_or_sub(host, d);
}

/* requests.utils.should_bypass_proxies: an IPv4 host is matched by CIDR
 * or equality; a name by a raw endswith on host or host:port (so
 * "example.com" also covers "notexample.com"). */
static int
match_requests(const char *tok, const char *host, uint16_t port)
{
    char hp[320];
    int c, fa;

    if (is_ip(host, &fa) && fa == 4) {
        c = cidr_match(tok, host);
        if (c >= 0)
            return c;
        return strcmp(tok, host) == 0;
    }
    snprintf(hp, sizeof(hp), "%s:%u", host, (unsigned)port);
    c = cidr_match(tok, host);
    if (c >= 0)
        return c;
    /* urllib's proxy_bypass_environment strips a leading dot and also
     * matches; endswith already covers it. */
    if (ends_with(host, tok) || ends_with(hp, tok))
        return 1;
    return tok[0] == '.' && strcasecmp(host, tok + 1) == 0;
}

/* httpx get_environment_proxies: an IP literal becomes "all://IP"
 * (exact; "/8" turns into a path, so no ranges); "localhost" exact; a
 * name N becomes "all://" "*N" (N or its subdomains), ".N" "*.N"
 * (subdomains only). */
static int
match_httpx(const char *tok, const char *host, uint16_t port)
{
    char th[300], net[64];
    unsigned tport;
    const char *slash;
    size_t n;
    int fb;

    split_port(tok, th, sizeof(th), &tport);
    if (tport && tport != port)
        return 0;
    slash = strchr(th, '/');
    n = slash ? (size_t)(slash - th) : strlen(th);
    if (n < sizeof(net)) {
        memcpy(net, th, n);
        net[n] = '\0';
        if (is_ip(net, &fb))
            return same_ip(host, net);
    }
    if (strcasecmp(th, "localhost") == 0)
        return strcasecmp(host, "localhost") == 0;
    if (th[0] == '.')
        return ends_with(host, th) && strlen(host) > strlen(th);
    return domain_or_sub(host, th);
}

/* x/net/http/httpproxy: CIDR, exact IP, "*.d"/".d" subdomains only, "d"
 * itself and subdomains; port must match if given. */
static int
match_go(const char *tok, const char *host, uint16_t port)
{
    char th[300];
    unsigned tport;
    int c, fb;

    c = cidr_match(tok, host);
    if (c >= 0)
        return c;
    split_port(tok, th, sizeof(th), &tport);
    if (tport && tport != port)
        return 0;
    if (is_ip(th, &fb))
        return same_ip(host, th);
    if (strncmp(th, "*.", 2) == 0)
        return ends_with(host, th + 1);
    if (th[0] == '.')
        return ends_with(host, th);
    return domain_or_sub(host, th);
}

/* Each client's NO_PROXY token rule (enum mcpd_client_kind order). */
static int (*const token_rules[MCPD_CLIENT_COUNT])(const char *,
                                                   const char *,
                                                   uint16_t) = {
    [MCPD_CLIENT_CURL] = match_curl,
    [MCPD_CLIENT_NODE] = match_node,
    [MCPD_CLIENT_REQUESTS] = match_requests,
    [MCPD_CLIENT_HTTPX] = match_httpx,
    [MCPD_CLIENT_GO] = match_go,
};

/* One NO_PROXY token against host:port under `client`'s rules. */
static int
token_match(enum mcpd_client_kind client, const char *tok, const char *host,
            uint16_t port)
{
    if ((unsigned)client >= MCPD_CLIENT_COUNT)
        return 0;
    return token_rules[client](tok, host, port);
}

int
mcpd_noproxy_match(enum mcpd_client_kind client, const char *noproxy,
                   const char *host, uint16_t port)
{
    char buf[4096], *save = NULL, *tok;
    const char *seps = client == MCPD_CLIENT_CURL ||
                       client == MCPD_CLIENT_NODE ? ", \t" : ",";
    char h[300];
    size_t n;

    if (noproxy == NULL || *noproxy == '\0')
        return 0;
    /* The host as the URL parser leaves it, without brackets. */
    snprintf(h, sizeof(h), "%s", host);
    n = strlen(h);
    if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
        memmove(h, h + 1, n - 2);
        h[n - 2] = '\0';
    }
    snprintf(buf, sizeof(buf), "%s", noproxy);
    /* A lone "*" excludes everything in every client; httpx also takes
     * a "*" anywhere in the list. */
    for (tok = strtok_r(buf, seps, &save); tok;
         tok = strtok_r(NULL, seps, &save)) {
        while (*tok == ' ' || *tok == '\t')
            tok++;
        n = strlen(tok);
        while (n > 0 && (tok[n - 1] == ' ' || tok[n - 1] == '\t'))
            tok[--n] = '\0';
        if (n == 0)
            continue;
        if (strcmp(tok, "*") == 0) {
            if (client == MCPD_CLIENT_HTTPX || client == MCPD_CLIENT_GO)
                return 1;
            if (strcmp(noproxy, "*") == 0)
                return 1;
            continue;
        }
        if (token_match(client, tok, h, port))
            return 1;
    }
    return 0;
}

void
mcpd_redact_url(const char *in, char *out, size_t len)
{
    const char *start = strstr(in, "://");
    const char *at, *end;

    start = start ? start + 3 : in;
    end = start + strcspn(start, "/?#");
    at = memchr(start, '@', (size_t)(end - start));
    if (at == NULL) {
        snprintf(out, len, "%s", in);
        return;
    }
    /* Keep the user name out too: it is often half of the secret. */
    snprintf(out, len, "%.*s***@%s", (int)(start - in), in, at + 1);
}

/* First set and non-empty of a, b (either may be NULL). */
static const char *
first_env(mcpd_env_fn env, const char *a, const char *b, const char **which)
{
    const char *v;

    if (a && (v = env(a)) != NULL && *v) {
        *which = a;
        return v;
    }
    if (b && (v = env(b)) != NULL && *v) {
        *which = b;
        return v;
    }
    *which = NULL;
    return NULL;
}

/* Node uses the proxy variables for fetch: NODE_USE_ENV_PROXY=1, or
 * --use-env-proxy in NODE_OPTIONS (the flag wins when both are set). */
static int
node_env_proxy(mcpd_env_fn env)
{
    const char *v = env("NODE_USE_ENV_PROXY");
    const char *o = env("NODE_OPTIONS");

    if (o && strstr(o, "--no-use-env-proxy"))
        return 0;
    if (o && strstr(o, "--use-env-proxy"))
        return 1;
    return v && strcmp(v, "1") == 0;
}

void
mcpd_proxy_decide(enum mcpd_client_kind client, const char *scheme,
                  const char *host, uint16_t port, mcpd_env_fn env,
                  struct mcpd_proxy_choice *out)
{
    int https = strcmp(scheme, "https") == 0;
    const char *pv = NULL, *pvar = NULL, *np = NULL, *npvar = NULL;

    memset(out, 0, sizeof(*out));
    switch (client) {
    case MCPD_CLIENT_CURL:
        /* libcurl-env(3): http_proxy lower case only (HTTP_PROXY could
         * come from a CGI request header); others either case, lower
         * first; ALL_PROXY when no protocol variable is set. */
        pv = https ? first_env(env, "https_proxy", "HTTPS_PROXY", &pvar)
                   : first_env(env, "http_proxy", NULL, &pvar);
        if (pv == NULL)
            pv = first_env(env, "all_proxy", "ALL_PROXY", &pvar);
        np = first_env(env, "no_proxy", "NO_PROXY", &npvar);
        break;
    case MCPD_CLIENT_NODE:
        /* With NODE_USE_ENV_PROXY=1, undici's EnvHttpProxyAgent: lower
         * ?? upper; https falls back to the http proxy; no ALL_PROXY. */
        pv = first_env(env, "http_proxy", "HTTP_PROXY", &pvar);
        if (https) {
            const char *hv, *hvar;
            hv = first_env(env, "https_proxy", "HTTPS_PROXY", &hvar);
            if (hv) {
                pv = hv;
                pvar = hvar;
            }
        }
        np = first_env(env, "no_proxy", "NO_PROXY", &npvar);
        break;
    case MCPD_CLIENT_REQUESTS:
    case MCPD_CLIENT_HTTPX:
        /* urllib getproxies_environment: either case, lower wins; the
         * scheme's own variable, else all_proxy. */
        pv = https ? first_env(env, "https_proxy", "HTTPS_PROXY", &pvar)
                   : first_env(env, "http_proxy", "HTTP_PROXY", &pvar);
        if (pv == NULL)
            pv = first_env(env, "all_proxy", "ALL_PROXY", &pvar);
        np = first_env(env, "no_proxy", "NO_PROXY", &npvar);
        break;
    case MCPD_CLIENT_GO:
        /* httpproxy.FromEnvironment: UPPER case first; no ALL_PROXY;
         * https does not fall back to HTTP_PROXY. */
        pv = https ? first_env(env, "HTTPS_PROXY", "https_proxy", &pvar)
                   : first_env(env, "HTTP_PROXY", "http_proxy", &pvar);
        np = first_env(env, "NO_PROXY", "no_proxy", &npvar);
        break;
    case MCPD_CLIENT_COUNT:
        return;
    }
    if (npvar)
        snprintf(out->noproxy_var, sizeof(out->noproxy_var), "%s", npvar);
    if (pv == NULL) {
        snprintf(out->reason, sizeof(out->reason), "no proxy variable "
                 "for %s is set", scheme);
        return;
    }
    snprintf(out->proxy_var, sizeof(out->proxy_var), "%s", pvar);
    mcpd_redact_url(pv, out->proxy, sizeof(out->proxy));
    if (client == MCPD_CLIENT_NODE && !node_env_proxy(env)) {
        /* Node's built-in fetch (undici's global dispatcher), which the
         * MCP SDK's client uses, reads no proxy variable unless told to:
         * NODE_USE_ENV_PROXY=1 or --use-env-proxy (Node 24+, 22.21+).
         * Node 20 ignores them altogether. */
        snprintf(out->reason, sizeof(out->reason), "%s is set, but Node's "
                 "fetch (the MCP SDK's client) ignores it without "
                 "NODE_USE_ENV_PROXY=1 (Node 24+, 22.21+)", pvar);
        return;
    }
    if (client == MCPD_CLIENT_GO && is_loopback(host)) {
        snprintf(out->reason, sizeof(out->reason), "Go never proxies "
                 "localhost or a loopback address");
        return;
    }
    if (np && mcpd_noproxy_match(client, np, host, port)) {
        snprintf(out->reason, sizeof(out->reason), "%s=%s excludes %s",
                 npvar, np, host);
        return;
    }
    out->proxied = 1;
    if (np)
        snprintf(out->reason, sizeof(out->reason), "%s is set and %s "
                 "does not exclude %s under %s's rules", pvar, npvar, host,
                 mcpd_client_name(client));
    else
        snprintf(out->reason, sizeof(out->reason), "%s is set and no "
                 "NO_PROXY/no_proxy excludes %s", pvar, host);
}

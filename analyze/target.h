/* \summary: a TARGET: PORT, HOST:PORT, [V6ADDR]:PORT or an http(s) URL */
#ifndef MCPD_TARGET_H
#define MCPD_TARGET_H

#include <stddef.h>
#include <stdint.h>

#define MCPD_TARGET_DEFAULT "http://localhost:3000/mcp"

/* What the user asked to reach (SPEC "TARGET"). */
struct mcpd_target {
    char scheme[8];          /* "http" or "https" */
    char host[256];          /* name or literal, without [] */
    uint16_t port;           /* host byte order */
    char path[1024];         /* starts with '/' */
    int is_ipv6_literal;     /* host is an IPv6 address */
    char url[1400];          /* canonical URL, [] around IPv6 */
};

/*
 * Parse PORT, HOST:PORT, [V6]:PORT or http[s]://HOST[:PORT][/PATH]
 * (RFC 3986 authority syntax, no userinfo). NULL or "" gives the default
 * http://localhost:3000/mcp. Returns 0, or -1 with err (MCPD_ERR_LEN
 * bytes) set to one line.
 */
int mcpd_target_parse(const char *s, struct mcpd_target *t, char *err);

/* URL of `path` on the target's authority ("http://[::1]:3000/sse"). */
void mcpd_target_url_for(const struct mcpd_target *t, const char *path,
                         char *buf, size_t len);

/* The clients whose proxy rules mcpdiag knows (probes/proxy.c). */
enum mcpd_client_kind {
    MCPD_CLIENT_CURL, MCPD_CLIENT_NODE, MCPD_CLIENT_REQUESTS,
    MCPD_CLIENT_HTTPX, MCPD_CLIENT_GO, MCPD_CLIENT_COUNT
};

/*
 * The one proxy-URL parser: "http://user:pw@px:3128/", "px:3128",
 * "socks5://[::1]" into host (without [] or credentials) and port.
 * Without a port: 1080 for socks, 443 for https, 1080 for a bare host
 * (curl's default), else 80. Returns 0 or -1.
 */
int mcpd_proxy_hostport(const char *url, char *host, size_t hlen,
                        uint16_t *port);

/*
 * The same as `client` reads it: without a port curl takes 1080 for
 * http:// as for a bare host, the others the scheme's port (80), a bare
 * host being http:// to them. Returns 0 or -1.
 */
int mcpd_proxy_hostport_client(enum mcpd_client_kind client,
                               const char *url, char *host, size_t hlen,
                               uint16_t *port);

/*
 * `text` for messages, with any userinfo ("user:password@") after "://"
 * replaced by "***@": a target that fails to parse is echoed without the
 * credentials it may carry.
 */
void mcpd_target_redact(const char *text, char *out, size_t len);

#endif

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

/*
 * `text` for messages, with any userinfo ("user:password@") after "://"
 * replaced by "***@": a target that fails to parse is echoed without the
 * credentials it may carry.
 */
void mcpd_target_redact(const char *text, char *out, size_t len);

#endif

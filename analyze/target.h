/* \summary: parse a TARGET: PORT, HOST:PORT, [V6ADDR]:PORT or a URL */
#ifndef MCPD_TARGET_H
#define MCPD_TARGET_H

#include <stddef.h>
#include <stdint.h>

#define MCPD_TARGET_DEFAULT "http://localhost:3000/mcp"

/* What the user asked to reach. */
struct mcpd_target {
    char scheme[8];          /* "http" or "https" */
    char host[256];          /* name or address, brackets removed */
    uint16_t port;           /* 1..65535 */
    char path[512];          /* URL path ("/mcp"), query dropped */
    int is_url;              /* given as a URL */
};

/*
 * Parse `text` (NULL or "" means MCPD_TARGET_DEFAULT). A bare PORT means
 * localhost; a URL without a port gets 80 or 443. Userinfo and query
 * strings are dropped, so credentials are never kept. Returns 0, or -1
 * with a one-line reason in err.
 */
int mcpd_target_parse(const char *text, struct mcpd_target *t, char *err,
                      size_t errlen);

#endif

/* \summary: parse a TARGET: PORT, HOST:PORT, [V6ADDR]:PORT or a URL */

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "target.h"

/* Copy [s, s+n) into dst (size len); fails when it does not fit. */
static int
copy_part(char *dst, size_t len, const char *s, size_t n)
{
    if (n >= len)
        return -1;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return 0;
}

static int
parse_port(const char *s, size_t n, uint16_t *port)
{
    unsigned long v = 0;
    size_t i;

    if (n == 0 || n > 5)
        return -1;
    for (i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    if (v == 0 || v > 65535)
        return -1;
    *port = (uint16_t)v;
    return 0;
}

/*
 * HOST, HOST:PORT, [V6]:PORT or [V6] in [s, s+n). A bare IPv6 address
 * (two or more colons, no brackets) is taken whole, as curl does.
 */
static int
parse_authority(struct mcpd_target *t, const char *s, size_t n,
                char *err, size_t errlen)
{
    const char *colon;

    if (n > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (close == NULL) {
            snprintf(err, errlen, "missing ']' after the IPv6 address");
            return -1;
        }
        if (copy_part(t->host, sizeof(t->host), s + 1,
                      (size_t)(close - s - 1)) != 0 || t->host[0] == '\0') {
            snprintf(err, errlen, "bad IPv6 address in brackets");
            return -1;
        }
        n -= (size_t)(close - s) + 1;
        s = close + 1;
        if (n == 0)
            return 0;
        if (s[0] != ':' || parse_port(s + 1, n - 1, &t->port) != 0) {
            snprintf(err, errlen, "bad port after the IPv6 address");
            return -1;
        }
        return 0;
    }
    colon = memchr(s, ':', n);
    if (colon && memchr(colon + 1, ':', n - (size_t)(colon + 1 - s))) {
        /* Bare IPv6 literal: no port possible. */
        return copy_part(t->host, sizeof(t->host), s, n) == 0 ? 0 : -1;
    }
    if (colon) {
        if (parse_port(colon + 1, n - (size_t)(colon + 1 - s), &t->port)) {
            snprintf(err, errlen, "bad port '%.*s'",
                     (int)(n - (size_t)(colon + 1 - s)), colon + 1);
            return -1;
        }
        n = (size_t)(colon - s);
    }
    if (n == 0 || copy_part(t->host, sizeof(t->host), s, n) != 0) {
        snprintf(err, errlen, "bad host name");
        return -1;
    }
    return 0;
}

int
mcpd_target_parse(const char *text, struct mcpd_target *t, char *err,
                  size_t errlen)
{
    const char *p = text, *rest;
    size_t n;

    memset(t, 0, sizeof(*t));
    if (text == NULL || *text == '\0')
        text = p = MCPD_TARGET_DEFAULT;
    snprintf(t->scheme, sizeof(t->scheme), "http");
    snprintf(t->path, sizeof(t->path), "/mcp");

    /* PORT alone. */
    if (parse_port(p, strlen(p), &t->port) == 0) {
        snprintf(t->host, sizeof(t->host), "localhost");
        return 0;
    }
    if (strncmp(p, "http://", 7) == 0 || strncmp(p, "https://", 8) == 0) {
        t->is_url = 1;
        if (p[4] == 's') {
            snprintf(t->scheme, sizeof(t->scheme), "https");
            p += 8;
        } else {
            p += 7;
        }
        n = strcspn(p, "/?#");
        rest = p + n;
        /* Userinfo is dropped: credentials are never kept. */
        {
            const char *at = memchr(p, '@', n);
            if (at) {
                n -= (size_t)(at + 1 - p);
                p = at + 1;
            }
        }
        if (parse_authority(t, p, n, err, errlen) != 0)
            return -1;
        if (t->port == 0)
            t->port = t->scheme[4] == 's' ? 443 : 80;
        if (*rest == '/') {
            size_t pl = strcspn(rest, "?#");
            if (copy_part(t->path, sizeof(t->path), rest, pl) != 0) {
                snprintf(err, errlen, "URL path too long");
                return -1;
            }
        } else {
            snprintf(t->path, sizeof(t->path), "/");
        }
        return 0;
    }
    if (strstr(p, "://")) {
        snprintf(err, errlen, "only http:// and https:// URLs are "
                 "supported");
        return -1;
    }
    if (parse_authority(t, p, strlen(p), err, errlen) != 0)
        return -1;
    if (t->port == 0) {
        snprintf(err, errlen, "'%s' has no port (use HOST:PORT or a URL)",
                 text);
        return -1;
    }
    return 0;
}

/* \summary: the proxy variables a client command would see */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mcpd.h"
#include "platform.h"
#include "proxyenv.h"

/* Does "user:pw@host:port/path" name a port? */
static int
authority_has_port(const char *a)
{
    size_t n = strcspn(a, "/?#");
    const char *at = NULL, *q, *close;

    for (q = a; q < a + n; q++)
        if (*q == '@')
            at = q;
    if (at) {
        n -= (size_t)(at + 1 - a);
        a = at + 1;
    }
    close = memchr(a, ']', n);
    if (close)
        return close + 1 < a + n && close[1] == ':';
    return memchr(a, ':', n) != NULL;
}

/* "http://user:pw@proxy:3128/" -> host "proxy", port 3128. */
static int
proxy_hostport(const char *url, char *host, size_t hlen, uint16_t *port)
{
    struct mcpd_target t;
    char err[MCPD_ERR_LEN], buf[600];
    const char *p, *auth = strstr(url, "://"), *at, *end;

    /* A proxy given as host:port (no scheme) is common; curl treats it
     * as http://, and so does every client this tool knows. The scheme
     * (socks5://...) does not change host and port; userinfo is cut
     * off here so credentials go no further. */
    auth = auth ? auth + 3 : url;
    end = auth + strcspn(auth, "/?#");
    at = NULL;
    for (p = auth; p < end; p++)
        if (*p == '@')
            at = p;
    snprintf(buf, sizeof(buf), "http://%.*s", (int)(end - (at ? at + 1 : auth)),
             at ? at + 1 : auth);
    p = buf;
    if (mcpd_target_parse(p, &t, err) != 0)
        return -1;
    if (!authority_has_port(strstr(p, "://") + 3))
        t.port = 1080;      /* curl's default proxy port, not 80 */
    snprintf(host, hlen, "%s", t.host);
    *port = t.port;
    return 0;
}

int
mcpd_proxy_env_has_port(const struct mcpd_proxy_env *p, uint16_t port)
{
    int i;

    for (i = 0; i < p->nports; i++)
        if (p->ports[i] == port)
            return 1;
    return 0;
}

/* One variable of an environment block "A=1\0B=2\0...", or NULL. */
static const char *
block_get(const char *block, size_t len, const char *name)
{
    size_t n = strlen(name), at = 0;

    while (at < len) {
        const char *e = block + at;
        size_t el = strnlen(e, len - at);
        if (el > n && memcmp(e, name, n) == 0 && e[n] == '=')
            return e + n + 1;
        at += el + 1;
    }
    return NULL;
}

/* From `block` when given (a process's environment), else ours. */
static void
env_read(struct mcpd_proxy_env *p, const struct mcpd_target *t,
         const char *block, size_t blen)
{
    static const char *const all[] = {
        "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
        "all_proxy", "ALL_PROXY",
    };
    const char *order_http[] = { "http_proxy", "HTTP_PROXY", "all_proxy",
                                 "ALL_PROXY" };
    const char *order_https[] = { "https_proxy", "HTTPS_PROXY", "all_proxy",
                                  "ALL_PROXY" };
    const char *const *order = strcmp(t->scheme, "https") == 0 ? order_https
                                                             : order_http;
    char host[256];
    uint16_t port;
    size_t i;

    memset(p, 0, sizeof(*p));
    for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        const char *v = block ? block_get(block, blen, all[i])
                              : getenv(all[i]);
        if (v && *v && proxy_hostport(v, host, sizeof(host), &port) == 0 &&
            !mcpd_proxy_env_has_port(p, port) &&
            p->nports < MCPD_PROXY_MAX_PORTS)
            p->ports[p->nports++] = port;
    }
    for (i = 0; i < 4; i++) {
        const char *v = block ? block_get(block, blen, order[i])
                              : getenv(order[i]);
        if (v && *v && proxy_hostport(v, host, sizeof(host), &port) == 0) {
            snprintf(p->var, sizeof(p->var), "%s", order[i]);
            snprintf(p->hostport, sizeof(p->hostport),
                     strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port);
            break;
        }
    }
}

void
mcpd_proxy_env_read(struct mcpd_proxy_env *p, const struct mcpd_target *t)
{
    env_read(p, t, NULL, 0);
}

void
mcpd_proxy_env_read_block(struct mcpd_proxy_env *p,
                          const struct mcpd_target *t, const char *block,
                          size_t len)
{
    env_read(p, t, block, len);
}

int
mcpd_proxy_env_read_pid(struct mcpd_proxy_env *p,
                        const struct mcpd_target *t, long pid)
{
    size_t len = 0;
    char *block = mcpd_plat_environ(pid, &len);

    if (block == NULL)
        return -1;
    env_read(p, t, block, len);
    free(block);
    return 0;
}

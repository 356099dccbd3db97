/* \summary: the proxy variables a client command would see */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mcpd.h"
#include "platform.h"
#include "proxyenv.h"

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
        int c;

        /* Without a port the clients disagree (curl 1080, the others
         * 80): watch every port one of them would use. */
        for (c = 0; v && *v && c < MCPD_CLIENT_COUNT; c++)
            if (mcpd_proxy_hostport_client((enum mcpd_client_kind)c, v,
                                           host, sizeof(host),
                                           &port) == 0 &&
                !mcpd_proxy_env_has_port(p, port) &&
                p->nports < MCPD_PROXY_MAX_PORTS)
                p->ports[p->nports++] = port;
    }
    for (i = 0; i < 4; i++) {
        const char *v = block ? block_get(block, blen, order[i])
                              : getenv(order[i]);
        if (v && *v &&
            mcpd_proxy_hostport_client(MCPD_CLIENT_CURL, v, host,
                                       sizeof(host), &port) == 0) {
            snprintf(p->var, sizeof(p->var), "%s", order[i]);
            mcpd_hostport_str(host, port, p->hostport,
                              sizeof(p->hostport));
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

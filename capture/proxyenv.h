/* \summary: the proxy variables a client command would see */
#ifndef MCPD_PROXYENV_H
#define MCPD_PROXYENV_H

#include <stddef.h>
#include <stdint.h>
#include "target.h"

#define MCPD_PROXY_MAX_PORTS 12

struct mcpd_proxy_env {
    char var[16];            /* the variable that applies to the target */
    char hostport[300];      /* its proxy as host:port, no credentials */
    uint16_t ports[MCPD_PROXY_MAX_PORTS];  /* every proxy port set */
    int nports;
};

/*
 * Read http_proxy, HTTP_PROXY, https_proxy, HTTPS_PROXY, all_proxy and
 * ALL_PROXY from the environment: every proxy port (so the capture
 * watches them), and which variable a client would use for `t` first
 * (curl's order: the scheme's lower-case variable, upper-case for https,
 * then all_proxy). Credentials in the URLs are never kept.
 */
void mcpd_proxy_env_read(struct mcpd_proxy_env *p,
                         const struct mcpd_target *t);

/*
 * The same, from the environment of process `pid` (mcpd_plat_environ):
 * what a command the capture runs really sees. -1 when it
 * cannot be read (gone, another user's); `p` is then left alone.
 */
int mcpd_proxy_env_read_pid(struct mcpd_proxy_env *p,
                            const struct mcpd_target *t, long pid);

/* The same, from an environment block "A=1\0B=2\0..." of `len` bytes. */
void mcpd_proxy_env_read_block(struct mcpd_proxy_env *p,
                               const struct mcpd_target *t,
                               const char *block, size_t len);

int mcpd_proxy_env_has_port(const struct mcpd_proxy_env *p, uint16_t port);

#endif

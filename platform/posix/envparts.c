/* \summary: the parts of environment.json every POSIX system answers
 * the same way (getaddrinfo, /etc/resolv.conf and /etc/hosts,
 * getifaddrs, the environment, the owner and counter interfaces),
 * shared by the Linux and macOS collectors (posix.h) */

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include "platform.h"
#include "posix.h"

#define MAX_LISTENERS 32

void
mcpd_env_add_str(cJSON *o, const char *key, const char *v)
{
    cJSON_AddItemToObject(o, key, v ? cJSON_CreateString(v)
                                    : cJSON_CreateNull());
}

cJSON *
mcpd_env_resolver(const struct mcpd_target *t)
{
    cJSON *o = cJSON_CreateObject(), *addrs = cJSON_CreateArray();
    cJSON *ns = cJSON_CreateArray(), *hosts = cJSON_CreateArray();
    struct addrinfo hints, *res = NULL, *ai;
    char port[8], line[512];
    int rc;
    FILE *f;

    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    snprintf(port, sizeof(port), "%u", t->port);
    mcpd_env_add_str(o, "host", t->host);
    /* The order getaddrinfo gives is the order clients try. */
    rc = getaddrinfo(t->host, port, &hints, &res);
    for (ai = rc == 0 ? res : NULL; ai; ai = ai->ai_next) {
        char a[INET6_ADDRSTRLEN] = "";
        if (ai->ai_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)
                                 ai->ai_addr)->sin_addr, a, sizeof(a));
        else if (ai->ai_family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)
                                  ai->ai_addr)->sin6_addr, a, sizeof(a));
        if (a[0])
            cJSON_AddItemToArray(addrs, cJSON_CreateString(a));
    }
    if (res)
        freeaddrinfo(res);
    cJSON_AddItemToObject(o, "addresses", addrs);
    mcpd_env_add_str(o, "error", rc == 0 ? NULL : gai_strerror(rc));
    f = fopen("/etc/resolv.conf", "re");
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "nameserver", 10) == 0 ||
            strncmp(line, "search", 6) == 0 ||
            strncmp(line, "options", 7) == 0) {
            line[strcspn(line, "\n")] = '\0';
            cJSON_AddItemToArray(ns, cJSON_CreateString(line));
        }
    if (f)
        fclose(f);
    cJSON_AddItemToObject(o, "resolv_conf", ns);
    /* /etc/hosts lines that name the host decide "localhost" first. */
    f = fopen("/etc/hosts", "re");
    while (f && fgets(line, sizeof(line), f)) {
        char copy[512], *tok, *save = NULL;
        int hit = 0;
        line[strcspn(line, "\n#")] = '\0';
        snprintf(copy, sizeof(copy), "%s", line);
        for (tok = strtok_r(copy, " \t", &save); tok;
             tok = strtok_r(NULL, " \t", &save))
            if (strcasecmp(tok, t->host) == 0)
                hit = 1;
        if (hit)
            cJSON_AddItemToArray(hosts, cJSON_CreateString(line));
    }
    if (f)
        fclose(f);
    cJSON_AddItemToObject(o, "etc_hosts", hosts);
    return o;
}

cJSON *
mcpd_env_listeners(uint16_t port)
{
    struct mcpd_listener l[MAX_LISTENERS];
    enum mcpd_visibility vis = MCPD_VIS_NONE;
    char err[MCPD_ERR_LEN] = "", a[MCPD_IP_STRLEN];
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray();
    int n, i;

    n = mcpd_owner_listeners(port, l, MAX_LISTENERS, &vis, err);
    cJSON_AddNumberToObject(o, "port", port);
    mcpd_env_add_str(o, "owners_visible", vis == MCPD_VIS_FULL ? "all" :
                                 vis == MCPD_VIS_PARTIAL ? "partial"
                                                         : "none");
    for (i = 0; i < n && i < MAX_LISTENERS; i++) {
        cJSON *s = cJSON_CreateObject();
        mcpd_ip_str(&l[i].local.ip, a, sizeof(a));
        mcpd_env_add_str(s, "addr", a);
        cJSON_AddNumberToObject(s, "port", l[i].local.port);
        cJSON_AddNumberToObject(s, "v6only", l[i].v6only);
        cJSON_AddNumberToObject(s, "backlog", l[i].backlog);
        cJSON_AddNumberToObject(s, "queued", l[i].queued);
        if (l[i].owner.pid > 0) {
            cJSON *p = cJSON_CreateObject();
            cJSON_AddNumberToObject(p, "pid", l[i].owner.pid);
            mcpd_env_add_str(p, "command", l[i].owner.command);
            mcpd_env_add_str(p, "user", l[i].owner.user);
            cJSON_AddItemToObject(s, "process", p);
        }
        cJSON_AddItemToArray(arr, s);
    }
    cJSON_AddItemToObject(o, "sockets", arr);
    mcpd_env_add_str(o, "error", n < 0 ? err : NULL);
    return o;
}

cJSON *
mcpd_env_proxy_vars(size_t (*redact_value)(char *))
{
    static const char *const vars[] = {
        "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
        "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY", NULL,
    };
    cJSON *o = cJSON_CreateObject();
    int i;

    for (i = 0; vars[i]; i++) {
        const char *v = getenv(vars[i]);
        char *copy;
        if (v == NULL)
            continue;
        copy = strdup(v);
        if (copy == NULL)
            continue;
        if (redact_value != NULL)
            redact_value(copy);
        mcpd_env_add_str(o, vars[i], copy);
        free(copy);
    }
    return o;
}

/* TcpExt ListenOverflows and ListenDrops (mcpd_sys_counters). */
cJSON *
mcpd_env_counters(void)
{
    cJSON *o = cJSON_CreateObject();
    struct mcpd_kcounters k;

    if (mcpd_sys_counters(&k) == 0) {
        cJSON_AddNumberToObject(o, "TcpExtListenOverflows",
                                (double)k.listen_overflows);
        cJSON_AddNumberToObject(o, "TcpExtListenDrops",
                                (double)k.listen_drops);
    }
    return o;
}

cJSON *
mcpd_env_interfaces(void)
{
    cJSON *o = cJSON_CreateArray();
    struct ifaddrs *ifa = NULL, *i;
    cJSON *byname[64];
    char names[64][IF_NAMESIZE + 1];
    int n = 0, k;

    if (getifaddrs(&ifa) != 0)
        return o;
    for (i = ifa; i; i = i->ifa_next) {
        char a[INET6_ADDRSTRLEN] = "";
        cJSON *it = NULL, *addrs;
        for (k = 0; k < n; k++)
            if (strcmp(names[k], i->ifa_name) == 0)
                it = byname[k];
        if (it == NULL) {
            if (n >= 64)
                continue;
            it = cJSON_CreateObject();
            mcpd_env_add_str(it, "name", i->ifa_name);
            cJSON_AddBoolToObject(it, "loopback",
                                  (i->ifa_flags & IFF_LOOPBACK) != 0);
            cJSON_AddBoolToObject(it, "up", (i->ifa_flags & IFF_UP) != 0);
            cJSON_AddItemToObject(it, "addresses", cJSON_CreateArray());
            cJSON_AddItemToArray(o, it);
            snprintf(names[n], sizeof(names[n]), "%s", i->ifa_name);
            byname[n++] = it;
        }
        if (i->ifa_addr == NULL)
            continue;
        /* Addresses of the loopback interfaces: what localhost means
         * here. Other interfaces are listed by name only. */
        if (!(i->ifa_flags & IFF_LOOPBACK))
            continue;
        if (i->ifa_addr->sa_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)
                                 i->ifa_addr)->sin_addr, a, sizeof(a));
        else if (i->ifa_addr->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)
                                  i->ifa_addr)->sin6_addr, a, sizeof(a));
        addrs = cJSON_GetObjectItem(it, "addresses");
        if (a[0] && addrs)
            cJSON_AddItemToArray(addrs, cJSON_CreateString(a));
    }
    freeifaddrs(ifa);
    return o;
}

/* \summary: environment.json on Linux: the machine's state that bears on
 * a failed connect, read only (uname, resolver, listeners, proxy
 * variables, firewall rules, counters, loopback, sysctls) */

#include <arpa/inet.h>
#include <ctype.h>
#include <glob.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <pcap/pcap.h>
#include <zlib.h>
#include "platform.h"
#include "linux.h"

#define MAX_LISTENERS 32

static void
add_str(cJSON *o, const char *key, const char *v)
{
    cJSON_AddItemToObject(o, key, v ? cJSON_CreateString(v)
                                    : cJSON_CreateNull());
}

/* One line of a small /proc or /etc file, or NULL. */
static char *
read_small(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "re");
    size_t n;

    if (f == NULL)
        return NULL;
    n = fread(buf, 1, len - 1, f);
    fclose(f);
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    return buf;
}

static cJSON *
os_info(void)
{
    cJSON *o = cJSON_CreateObject();
    struct utsname u;
    char line[512];
    FILE *f;

    if (uname(&u) == 0) {
        add_str(o, "sysname", u.sysname);
        add_str(o, "hostname", u.nodename);
        add_str(o, "kernel", u.release);
        add_str(o, "kernel_version", u.version);
        add_str(o, "machine", u.machine);
    }
    f = fopen("/etc/os-release", "re");
    if (f) {
        while (fgets(line, sizeof(line), f))
            if (strncmp(line, "PRETTY_NAME=", 12) == 0) {
                char *v = line + 12, *e;
                if (*v == '"')
                    v++;
                e = v + strcspn(v, "\"\n");
                *e = '\0';
                add_str(o, "distribution", v);
            }
        fclose(f);
    }
    return o;
}

static cJSON *
versions(void)
{
    cJSON *o = cJSON_CreateObject();

    add_str(o, "mcpdiag", MCPD_VERSION);
    add_str(o, "libpcap", pcap_lib_version());
    add_str(o, "cjson", cJSON_Version());
    add_str(o, "zlib", zlibVersion());
    add_str(o, "libcrypto", OpenSSL_version(OPENSSL_VERSION));
    return o;
}

static cJSON *
resolver(const struct mcpd_target *t)
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
    add_str(o, "host", t->host);
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
    add_str(o, "error", rc == 0 ? NULL : gai_strerror(rc));
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

static cJSON *
listeners(uint16_t port)
{
    struct mcpd_listener l[MAX_LISTENERS];
    enum mcpd_visibility vis = MCPD_VIS_NONE;
    char err[MCPD_ERR_LEN] = "", a[MCPD_IP_STRLEN];
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray();
    int n, i;

    n = mcpd_owner_listeners(port, l, MAX_LISTENERS, &vis, err);
    cJSON_AddNumberToObject(o, "port", port);
    add_str(o, "owners_visible", vis == MCPD_VIS_FULL ? "all" :
                                 vis == MCPD_VIS_PARTIAL ? "partial"
                                                         : "none");
    for (i = 0; i < n && i < MAX_LISTENERS; i++) {
        cJSON *s = cJSON_CreateObject();
        mcpd_ip_str(&l[i].local.ip, a, sizeof(a));
        add_str(s, "addr", a);
        cJSON_AddNumberToObject(s, "port", l[i].local.port);
        cJSON_AddNumberToObject(s, "v6only", l[i].v6only);
        cJSON_AddNumberToObject(s, "backlog", l[i].backlog);
        cJSON_AddNumberToObject(s, "queued", l[i].queued);
        if (l[i].owner.pid > 0) {
            cJSON *p = cJSON_CreateObject();
            cJSON_AddNumberToObject(p, "pid", l[i].owner.pid);
            add_str(p, "command", l[i].owner.command);
            add_str(p, "user", l[i].owner.user);
            cJSON_AddItemToObject(s, "process", p);
        }
        cJSON_AddItemToArray(arr, s);
    }
    cJSON_AddItemToObject(o, "sockets", arr);
    add_str(o, "error", n < 0 ? err : NULL);
    return o;
}

static cJSON *
proxy_vars(size_t (*redact_value)(char *))
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
        add_str(o, vars[i], copy);
        free(copy);
    }
    return o;
}

/* Rules from one read-only dump: those naming the port as a destination
 * (mcpd_fw_rule_has_dport), and the chain policies and headers that give
 * them context. */
static cJSON *
firewall_dump(const char *const argv[], uint16_t port, int nft)
{
    cJSON *o = cJSON_CreateObject(), *rules = cJSON_CreateArray();
    struct mcpd_run r;
    char *line, *save = NULL;

    add_str(o, "command", argv[0]);
    if (mcpd_run_child(argv, 0, 10, &r) != 0 || r.status != 0) {
        cJSON_AddFalseToObject(o, "available");
        add_str(o, "error", r.status == 127 ? "not installed" :
                            r.err && r.err[0] ? r.err : "failed");
        cJSON_Delete(rules);
        mcpd_run_free(&r);
        return o;
    }
    cJSON_AddTrueToObject(o, "available");
    for (line = strtok_r(r.out, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        int keep = mcpd_fw_rule_has_dport(line, port);
        if (!nft && (line[0] == '*' || line[0] == ':'))
            keep = 1;
        if (nft && (strstr(line, "table ") || strstr(line, "chain ") ||
                    strstr(line, "policy ")))
            keep = 1;
        if (keep)
            cJSON_AddItemToArray(rules, cJSON_CreateString(line));
    }
    cJSON_AddItemToObject(o, "lines", rules);
    mcpd_run_free(&r);
    return o;
}

static cJSON *
firewall(uint16_t port)
{
    static const char *const ipt[] = { "iptables-save", NULL };
    static const char *const ip6t[] = { "ip6tables-save", NULL };
    static const char *const nft[] = { "nft", "list", "ruleset", NULL };
    cJSON *o = cJSON_CreateObject();

    if (geteuid() != 0) {
        add_str(o, "error", "not root: firewall rules not readable");
        return o;
    }
    cJSON_AddItemToObject(o, "iptables", firewall_dump(ipt, port, 0));
    cJSON_AddItemToObject(o, "ip6tables", firewall_dump(ip6t, port, 0));
    cJSON_AddItemToObject(o, "nftables", firewall_dump(nft, port, 1));
    return o;
}

/* TcpExt ListenOverflows and ListenDrops (mcpd_sys_counters). */
static cJSON *
counters(void)
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

static cJSON *
interfaces(void)
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
            add_str(it, "name", i->ifa_name);
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

static void
add_sysctl(cJSON *o, const char *path)
{
    char buf[256], key[256];
    size_t i;

    if (read_small(path, buf, sizeof(buf)) == NULL)
        return;
    /* /proc/sys/net/ipv4/x -> net.ipv4.x */
    snprintf(key, sizeof(key), "%s", path + strlen("/proc/sys/"));
    for (i = 0; key[i]; i++)
        if (key[i] == '/')
            key[i] = '.';
    for (i = 0; buf[i]; i++)
        if (buf[i] == '\t')
            buf[i] = ' ';
    add_str(o, key, buf);
}

static cJSON *
sysctls(void)
{
    static const char *const files[] = {
        "/proc/sys/net/ipv4/tcp_syn_retries",
        "/proc/sys/net/ipv4/tcp_synack_retries",
        "/proc/sys/net/ipv4/tcp_abort_on_overflow",
        "/proc/sys/net/ipv4/tcp_max_syn_backlog",
        "/proc/sys/net/ipv4/tcp_syncookies",
        "/proc/sys/net/ipv4/tcp_fastopen",
        "/proc/sys/net/ipv4/ip_local_port_range",
        "/proc/sys/net/ipv4/ip_unprivileged_port_start",
        "/proc/sys/net/core/somaxconn",
        "/proc/sys/net/ipv6/bindv6only",
        NULL,
    };
    cJSON *o = cJSON_CreateObject();
    glob_t g;
    size_t i;

    for (i = 0; files[i]; i++)
        add_sysctl(o, files[i]);
    memset(&g, 0, sizeof(g));
    if (glob("/proc/sys/net/ipv6/conf/*/disable_ipv6", 0, NULL, &g) == 0)
        for (i = 0; i < g.gl_pathc && i < 64; i++)
            add_sysctl(o, g.gl_pathv[i]);
    globfree(&g);
    return o;
}

cJSON *
mcpd_environment_collect(const struct mcpd_target *t,
                         size_t (*redact_value)(char *))
{
    cJSON *env = cJSON_CreateObject(), *tj, *user;
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    const char *sudo_user = getenv("SUDO_USER");

    if (env == NULL)
        return NULL;
    gmtime_r(&now, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    add_str(env, "collected_at", when);
    cJSON_AddItemToObject(env, "os", os_info());
    cJSON_AddItemToObject(env, "versions", versions());
    user = cJSON_CreateObject();
    cJSON_AddNumberToObject(user, "uid", getuid());
    cJSON_AddNumberToObject(user, "euid", geteuid());
    add_str(user, "sudo_user", sudo_user);
    cJSON_AddItemToObject(env, "user", user);
    tj = cJSON_CreateObject();
    add_str(tj, "url", t->url);
    add_str(tj, "host", t->host);
    cJSON_AddNumberToObject(tj, "port", t->port);
    cJSON_AddItemToObject(env, "target", tj);
    cJSON_AddItemToObject(env, "resolver", resolver(t));
    cJSON_AddItemToObject(env, "listeners", listeners(t->port));
    cJSON_AddItemToObject(env, "proxy", proxy_vars(redact_value));
    cJSON_AddItemToObject(env, "firewall", firewall(t->port));
    cJSON_AddItemToObject(env, "counters", counters());
    cJSON_AddItemToObject(env, "interfaces", interfaces());
    cJSON_AddItemToObject(env, "sysctls", sysctls());
    return env;
}

/* \summary: environment.json on Linux: the machine's state that bears on
 * a failed connect, read only (uname, resolver, listeners, proxy
 * variables, firewall rules, counters, loopback, sysctls) */

#include <ctype.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <pcap/pcap.h>
#include <zlib.h>
#include "platform.h"
#include "linux.h"
#include "posix.h"

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
        mcpd_env_add_str(o, "sysname", u.sysname);
        mcpd_env_add_str(o, "hostname", u.nodename);
        mcpd_env_add_str(o, "kernel", u.release);
        mcpd_env_add_str(o, "kernel_version", u.version);
        mcpd_env_add_str(o, "machine", u.machine);
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
                mcpd_env_add_str(o, "distribution", v);
            }
        fclose(f);
    }
    return o;
}

static cJSON *
versions(void)
{
    cJSON *o = cJSON_CreateObject();

    mcpd_env_add_str(o, "mcpdiag", MCPD_VERSION);
    mcpd_env_add_str(o, "libpcap", pcap_lib_version());
    mcpd_env_add_str(o, "cjson", cJSON_Version());
    mcpd_env_add_str(o, "zlib", zlibVersion());
    mcpd_env_add_str(o, "libcrypto", OpenSSL_version(OPENSSL_VERSION));
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

    mcpd_env_add_str(o, "command", argv[0]);
    if (mcpd_run_child(argv, 0, 10, &r) != 0 || r.status != 0) {
        cJSON_AddFalseToObject(o, "available");
        mcpd_env_add_str(o, "error", r.status == 127 ? "not installed" :
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
        mcpd_env_add_str(o, "error", "not root: firewall rules not readable");
        return o;
    }
    cJSON_AddItemToObject(o, "iptables", firewall_dump(ipt, port, 0));
    cJSON_AddItemToObject(o, "ip6tables", firewall_dump(ip6t, port, 0));
    cJSON_AddItemToObject(o, "nftables", firewall_dump(nft, port, 1));
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
    mcpd_env_add_str(o, key, buf);
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
    mcpd_env_add_str(env, "collected_at", when);
    cJSON_AddItemToObject(env, "os", os_info());
    cJSON_AddItemToObject(env, "versions", versions());
    user = cJSON_CreateObject();
    cJSON_AddNumberToObject(user, "uid", getuid());
    cJSON_AddNumberToObject(user, "euid", geteuid());
    mcpd_env_add_str(user, "sudo_user", sudo_user);
    cJSON_AddItemToObject(env, "user", user);
    tj = cJSON_CreateObject();
    mcpd_env_add_str(tj, "url", t->url);
    mcpd_env_add_str(tj, "host", t->host);
    cJSON_AddNumberToObject(tj, "port", t->port);
    cJSON_AddItemToObject(env, "target", tj);
    cJSON_AddItemToObject(env, "resolver", mcpd_env_resolver(t));
    cJSON_AddItemToObject(env, "listeners", mcpd_env_listeners(t->port));
    cJSON_AddItemToObject(env, "proxy", mcpd_env_proxy_vars(redact_value));
    cJSON_AddItemToObject(env, "firewall", firewall(t->port));
    cJSON_AddItemToObject(env, "counters", mcpd_env_counters());
    cJSON_AddItemToObject(env, "interfaces", mcpd_env_interfaces());
    cJSON_AddItemToObject(env, "sysctls", sysctls());
    return env;
}

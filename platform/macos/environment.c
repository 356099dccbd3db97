/* \summary: environment.json on macOS: the machine's state that bears on
 * a failed connect, read only (uname and the product version, resolver,
 * listeners, proxy variables and the system proxies, pf rules and the
 * Application Firewall, counters, loopback, sysctls) */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysctl.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <pcap/pcap.h>
#include "platform.h"
#include "posix.h"
#include "native.h"

static cJSON *
os_info(void)
{
    cJSON *o = cJSON_CreateObject();
    char product[64];
    size_t len = sizeof(product);
    struct utsname u;

    if (uname(&u) == 0) {
        mcpd_env_add_str(o, "sysname", u.sysname);
        mcpd_env_add_str(o, "hostname", u.nodename);
        mcpd_env_add_str(o, "kernel", u.release);
        mcpd_env_add_str(o, "kernel_version", u.version);
        mcpd_env_add_str(o, "machine", u.machine);
    }
    /* "14.4.1": what sw_vers -productVersion prints. */
    if (sysctlbyname("kern.osproductversion", product, &len, NULL, 0) == 0 &&
        len > 0 && len <= sizeof(product)) {
        product[len - 1] = '\0';
        mcpd_env_add_str(o, "distribution", product);
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
    return o;
}

static cJSON *
proxy_one(const struct mcpd_sysproxy_one *p)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddBoolToObject(o, "enabled", p->enabled);
    mcpd_env_add_str(o, "host", p->host[0] ? p->host : NULL);
    cJSON_AddNumberToObject(o, "port", p->port);
    return o;
}

/* The system proxies (System Settings > Network > Proxies): Python's
 * urllib and requests read them on macOS when no variable is set. */
static cJSON *
system_proxy(size_t (*redact_value)(char *))
{
    cJSON *o = cJSON_CreateObject(), *ex;
    struct mcpd_sysproxy px;
    int i;

    if (mcpd_mac_sysproxy(&px) != 0) {
        mcpd_env_add_str(o, "error", "the system proxy settings could not "
                         "be read");
        return o;
    }
    cJSON_AddItemToObject(o, "http", proxy_one(&px.http));
    cJSON_AddItemToObject(o, "https", proxy_one(&px.https));
    cJSON_AddItemToObject(o, "socks", proxy_one(&px.socks));
    cJSON_AddBoolToObject(o, "pac_enabled", px.pac_enabled);
    /* A PAC URL may carry a token in its query, as a proxy variable may
     * carry a password: the same redaction. */
    if (redact_value != NULL && px.pac_url[0])
        redact_value(px.pac_url);
    mcpd_env_add_str(o, "pac_url", px.pac_url[0] ? px.pac_url : NULL);
    cJSON_AddBoolToObject(o, "auto_discovery", px.wpad_enabled);
    cJSON_AddBoolToObject(o, "exclude_simple_hostnames", px.exclude_simple);
    ex = cJSON_CreateArray();
    for (i = 0; i < px.nexceptions && i < MCPD_SYSPROXY_EXCEPTIONS; i++)
        cJSON_AddItemToArray(ex, cJSON_CreateString(px.exceptions[i]));
    cJSON_AddItemToObject(o, "exceptions", ex);
    return o;
}

/* pf's rules for the port and the Application Firewall, as root. */
static cJSON *
firewall(uint16_t port)
{
    struct mcpd_fw_rule rules[64];
    char err[MCPD_ERR_LEN] = "";
    cJSON *o = cJSON_CreateObject(), *lines;
    int n, i;

    if (geteuid() != 0) {
        mcpd_env_add_str(o, "error", "not root: firewall rules not "
                         "readable");
        return o;
    }
    n = mcpd_sys_firewall(port, rules, 64, err);
    if (n < 0) {
        mcpd_env_add_str(o, "error", err);
        return o;
    }
    lines = cJSON_CreateArray();
    for (i = 0; i < n; i++) {
        cJSON *r = cJSON_CreateObject();
        mcpd_env_add_str(r, "source", rules[i].source);
        mcpd_env_add_str(r, "rule", rules[i].text);
        mcpd_env_add_str(r, "action", rules[i].action);
        cJSON_AddItemToArray(lines, r);
    }
    cJSON_AddItemToObject(o, "rules", lines);
    return o;
}

static cJSON *
sysctls(void)
{
    static const char *const names[] = {
        "kern.ipc.somaxconn",
        "net.inet.tcp.blackhole",
        "net.inet.tcp.keepinit",
        "net.inet.ip.portrange.first",
        "net.inet.ip.portrange.last",
        "net.inet6.ip6.v6only",
        NULL,
    };
    cJSON *o = cJSON_CreateObject();
    int i;

    for (i = 0; names[i]; i++) {
        int v;
        size_t len = sizeof(v);
        if (sysctlbyname(names[i], &v, &len, NULL, 0) == 0 &&
            len == sizeof(v))
            cJSON_AddNumberToObject(o, names[i], v);
    }
    return o;
}

cJSON *
mcpd_environment_collect(const struct mcpd_target *t,
                         size_t (*redact_value)(char *))
{
    cJSON *env = cJSON_CreateObject(), *tj, *user, *proxy;
    char when[32];
    time_t now = time(NULL);
    struct tm tm;

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
    mcpd_env_add_str(user, "sudo_user", getenv("SUDO_USER"));
    cJSON_AddItemToObject(env, "user", user);
    tj = cJSON_CreateObject();
    mcpd_env_add_str(tj, "url", t->url);
    mcpd_env_add_str(tj, "host", t->host);
    cJSON_AddNumberToObject(tj, "port", t->port);
    cJSON_AddItemToObject(env, "target", tj);
    cJSON_AddItemToObject(env, "resolver", mcpd_env_resolver(t));
    cJSON_AddItemToObject(env, "listeners", mcpd_env_listeners(t->port));
    proxy = mcpd_env_proxy_vars(redact_value);
    cJSON_AddItemToObject(env, "proxy", proxy);
    cJSON_AddItemToObject(env, "system_proxy", system_proxy(redact_value));
    cJSON_AddItemToObject(env, "firewall", firewall(t->port));
    cJSON_AddItemToObject(env, "counters", mcpd_env_counters());
    cJSON_AddItemToObject(env, "interfaces", mcpd_env_interfaces());
    cJSON_AddItemToObject(env, "sysctls", sysctls());
    return env;
}

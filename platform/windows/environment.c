/* \summary: environment.json on Windows: the OS version, the resolver's
 * answers and the hosts file, listeners with their processes, proxies
 * from the environment and from WinHTTP/IE settings, Windows Firewall
 * rules for the port (read only) */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pcap/pcap.h>
#include "win.h"
#include <winhttp.h>

#define MAX_LISTENERS 32
#define MAX_RULES 32

static void
add_str(cJSON *o, const char *key, const char *v)
{
    cJSON_AddItemToObject(o, key, v ? cJSON_CreateString(v)
                                    : cJSON_CreateNull());
}

/* A wide string from WinHTTP as UTF-8 (null for NULL), through redact
 * when given: proxy settings may carry credentials. */
static void
add_wide(cJSON *o, const char *key, const wchar_t *w,
         size_t (*redact_value)(char *))
{
    char buf[2048];

    if (w == NULL ||
        WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, sizeof(buf), NULL,
                            NULL) == 0) {
        add_str(o, key, NULL);
        return;
    }
    if (redact_value != NULL)
        redact_value(buf);
    add_str(o, key, buf);
}

static cJSON *
os_info(void)
{
    typedef LONG (WINAPI *rtl_get_version_fn)(OSVERSIONINFOW *);
    cJSON *o = cJSON_CreateObject();
    OSVERSIONINFOW v;
    rtl_get_version_fn get;
    char host[MAX_COMPUTERNAME_LENGTH + 1], text[64];
    DWORD n = sizeof(host);
    SYSTEM_INFO si;

    add_str(o, "sysname", "Windows");
    if (GetComputerNameA(host, &n))
        add_str(o, "hostname", host);
    /* GetVersionEx lies to programs without a manifest; ntdll does not. */
    memset(&v, 0, sizeof(v));
    v.dwOSVersionInfoSize = sizeof(v);
    get = (rtl_get_version_fn)(void (*)(void))GetProcAddress(
        GetModuleHandleA("ntdll.dll"), "RtlGetVersion");
    if (get != NULL && get(&v) == 0) {
        snprintf(text, sizeof(text), "%lu.%lu.%lu",
                 (unsigned long)v.dwMajorVersion,
                 (unsigned long)v.dwMinorVersion,
                 (unsigned long)v.dwBuildNumber);
        add_str(o, "kernel", text);
    }
    GetNativeSystemInfo(&si);
    add_str(o, "machine",
            si.wProcessorArchitecture == PROCESSOR_ARCHITECTURE_AMD64 ?
            "x86_64" : si.wProcessorArchitecture ==
            PROCESSOR_ARCHITECTURE_ARM64 ? "arm64" : "other");
    /* wine says so in ntdll: worth knowing when reading a bundle. */
    if (GetProcAddress(GetModuleHandleA("ntdll.dll"), "wine_get_version"))
        add_str(o, "distribution", "wine");
    return o;
}

static cJSON *
versions(void)
{
    cJSON *o = cJSON_CreateObject();

    add_str(o, "mcpdiag", MCPD_VERSION);
    add_str(o, "libpcap", pcap_lib_version());
    add_str(o, "cjson", cJSON_Version());
    return o;
}

static cJSON *
resolver(const struct mcpd_target *t)
{
    cJSON *o = cJSON_CreateObject(), *addrs = cJSON_CreateArray();
    cJSON *hosts = cJSON_CreateArray();
    struct addrinfo hints, *res = NULL, *ai;
    char port[8], line[512], path[MAX_PATH + 40];
    const char *root = getenv("SystemRoot");
    WSADATA wsa;
    int rc;
    FILE *f;

    WSAStartup(MAKEWORD(2, 2), &wsa);
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    snprintf(port, sizeof(port), "%u", t->port);
    add_str(o, "host", t->host);
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
    /* The hosts file's lines that name the host. */
    snprintf(path, sizeof(path), "%s\\System32\\drivers\\etc\\hosts",
             root ? root : "C:\\Windows");
    f = fopen(path, "r");
    while (f && fgets(line, sizeof(line), f)) {
        char copy[512], *tok, *save = NULL;
        int hit = 0;
        line[strcspn(line, "\r\n#")] = '\0';
        snprintf(copy, sizeof(copy), "%s", line);
        for (tok = strtok_s(copy, " \t", &save); tok;
             tok = strtok_s(NULL, " \t", &save))
            if (_stricmp(tok, t->host) == 0)
                hit = 1;
        if (hit)
            cJSON_AddItemToArray(hosts, cJSON_CreateString(line));
    }
    if (f)
        fclose(f);
    cJSON_AddItemToObject(o, "hosts_file", hosts);
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
        if (l[i].owner.pid >= 0) {
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

/* The environment's proxy variables, then what WinHTTP and the
 * Internet Options say (as `netsh winhttp show proxy` and the IE/Edge
 * settings dialog show them). */
static cJSON *
proxies(size_t (*redact_value)(char *))
{
    static const char *const vars[] = {
        "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
        "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY", NULL,
    };
    WINHTTP_CURRENT_USER_IE_PROXY_CONFIG ie;
    WINHTTP_PROXY_INFO def;
    cJSON *o = cJSON_CreateObject(), *w;
    int i;

    for (i = 0; vars[i]; i++) {
        const char *v = getenv(vars[i]);
        char *copy;
        if (v == NULL || (copy = _strdup(v)) == NULL)
            continue;
        if (redact_value != NULL)
            redact_value(copy);
        add_str(o, vars[i], copy);
        free(copy);
    }
    memset(&ie, 0, sizeof(ie));
    if (WinHttpGetIEProxyConfigForCurrentUser(&ie)) {
        w = cJSON_CreateObject();
        cJSON_AddBoolToObject(w, "auto_detect", ie.fAutoDetect != 0);
        add_wide(w, "auto_config_url", ie.lpszAutoConfigUrl, redact_value);
        add_wide(w, "proxy", ie.lpszProxy, redact_value);
        add_wide(w, "bypass", ie.lpszProxyBypass, NULL);
        cJSON_AddItemToObject(o, "ie_settings", w);
        GlobalFree(ie.lpszAutoConfigUrl);
        GlobalFree(ie.lpszProxy);
        GlobalFree(ie.lpszProxyBypass);
    }
    memset(&def, 0, sizeof(def));
    if (WinHttpGetDefaultProxyConfiguration(&def)) {
        w = cJSON_CreateObject();
        add_str(w, "access", def.dwAccessType == WINHTTP_ACCESS_TYPE_NAMED_PROXY
                ? "named proxy" : "direct");
        add_wide(w, "proxy", def.lpszProxy, redact_value);
        add_wide(w, "bypass", def.lpszProxyBypass, NULL);
        cJSON_AddItemToObject(o, "winhttp", w);
        GlobalFree(def.lpszProxy);
        GlobalFree(def.lpszProxyBypass);
    }
    return o;
}

static cJSON *
firewall(uint16_t port)
{
    struct mcpd_fw_rule r[MAX_RULES];
    char err[MCPD_ERR_LEN] = "";
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray();
    int n = mcpd_sys_firewall(port, r, MAX_RULES, err), i;

    for (i = 0; i < n && i < MAX_RULES; i++) {
        cJSON *x = cJSON_CreateObject();
        add_str(x, "rule", r[i].text);
        add_str(x, "action", r[i].action);
        cJSON_AddItemToArray(arr, x);
    }
    cJSON_AddItemToObject(o, "windows_firewall", arr);
    add_str(o, "error", n < 0 ? err : NULL);
    return o;
}

cJSON *
mcpd_environment_collect(const struct mcpd_target *t,
                         size_t (*redact_value)(char *))
{
    cJSON *env = cJSON_CreateObject(), *tj, *user;
    char when[32], name[64] = "";
    DWORD n = sizeof(name);
    time_t now = time(NULL);
    struct tm tm;

    if (env == NULL)
        return NULL;
    gmtime_s(&tm, &now);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    add_str(env, "collected_at", when);
    cJSON_AddItemToObject(env, "os", os_info());
    cJSON_AddItemToObject(env, "versions", versions());
    user = cJSON_CreateObject();
    GetUserNameA(name, &n);
    add_str(user, "name", name);
    cJSON_AddBoolToObject(user, "administrator", mcpd_win_elevated());
    cJSON_AddItemToObject(env, "user", user);
    tj = cJSON_CreateObject();
    add_str(tj, "url", t->url);
    add_str(tj, "host", t->host);
    cJSON_AddNumberToObject(tj, "port", t->port);
    cJSON_AddItemToObject(env, "target", tj);
    cJSON_AddItemToObject(env, "resolver", resolver(t));
    cJSON_AddItemToObject(env, "listeners", listeners(t->port));
    cJSON_AddItemToObject(env, "proxy", proxies(redact_value));
    cJSON_AddItemToObject(env, "firewall", firewall(t->port));
    cJSON_AddItemToObject(env, "kernel_witness",
                          cJSON_CreateString("none on Windows"));
    return env;
}

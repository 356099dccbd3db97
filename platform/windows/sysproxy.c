/* \summary: Windows' system proxy settings: Internet Options as
 * WinHttpGetIEProxyConfigForCurrentUser gives them (what Chromium-based
 * clients read), the registry values Python's urllib reads where that
 * call leaves a field empty, and WinHTTP's default proxy (netsh winhttp) */

#include <stdio.h>
#include <string.h>
#include "win.h"
#include <winhttp.h>
#include <shlwapi.h>

#define INET_KEY "Software\\Microsoft\\Windows\\CurrentVersion\\" \
                 "Internet Settings"

static void
wide(char *out, size_t len, const wchar_t *w)
{
    out[0] = '\0';
    if (w == NULL ||
        WideCharToMultiByte(CP_UTF8, 0, w, -1, out, (int)len, NULL,
                            NULL) == 0)
        out[0] = '\0';
}

/* A string value of the Internet Settings key, "" when absent. */
static void
reg_str(const char *name, char *out, size_t len)
{
    DWORD n = (DWORD)len;

    if (RegGetValueA(HKEY_CURRENT_USER, INET_KEY, name, RRF_RT_REG_SZ,
                     NULL, out, &n) != ERROR_SUCCESS)
        out[0] = '\0';
}

static DWORD
reg_dword(const char *name)
{
    DWORD v = 0, n = sizeof(v);

    if (RegGetValueA(HKEY_CURRENT_USER, INET_KEY, name, RRF_RT_REG_DWORD,
                     NULL, &v, &n) != ERROR_SUCCESS)
        return 0;
    return v;
}

/*
 * "host:port" for every scheme, or "http=h:p;https=h:p;..." one per
 * scheme (as Internet Options and Python's urllib read it): the proxy of
 * `scheme` into out, "" when none.
 */
static void
proxy_for(const char *list, const char *scheme, char *out, size_t len)
{
    size_t sl = strlen(scheme);
    const char *p = list;

    out[0] = '\0';
    if (strchr(list, '=') == NULL) {
        snprintf(out, len, "%.*s", (int)strcspn(list, ";"), list);
        return;
    }
    while (*p) {
        size_t n = strcspn(p, ";");
        if (n > sl + 1 && _strnicmp(p, scheme, sl) == 0 && p[sl] == '=') {
            snprintf(out, len, "%.*s", (int)(n - sl - 1), p + sl + 1);
            return;
        }
        p += n;
        while (*p == ';' || *p == ' ')
            p++;
    }
}

int
mcpd_plat_sysproxy(struct mcpd_sysproxy_set *out)
{
    WINHTTP_CURRENT_USER_IE_PROXY_CONFIG ie;
    WINHTTP_PROXY_INFO def;
    char list[512] = "", s[512];
    int from_call = 0;

    memset(out, 0, sizeof(*out));
    out->has = 1;
    memset(&ie, 0, sizeof(ie));
    if (WinHttpGetIEProxyConfigForCurrentUser(&ie)) {
        from_call = 1;
        out->auto_detect = ie.fAutoDetect != 0;
        wide(out->pac, sizeof(out->pac), ie.lpszAutoConfigUrl);
        wide(list, sizeof(list), ie.lpszProxy);
        wide(out->bypass, sizeof(out->bypass), ie.lpszProxyBypass);
        GlobalFree(ie.lpszAutoConfigUrl);
        GlobalFree(ie.lpszProxy);
        GlobalFree(ie.lpszProxyBypass);
    }
    /* The values themselves, as Python's urllib reads them (ProxyServer
     * counts only with ProxyEnable 1). */
    if (list[0] == '\0' && reg_dword("ProxyEnable") == 1) {
        reg_str("ProxyServer", list, sizeof(list));
        from_call = list[0] == '\0' && from_call;
    }
    if (out->bypass[0] == '\0')
        reg_str("ProxyOverride", out->bypass, sizeof(out->bypass));
    if (out->pac[0] == '\0')
        reg_str("AutoConfigURL", out->pac, sizeof(out->pac));
    proxy_for(list, "http", out->http, sizeof(out->http));
    proxy_for(list, "https", out->https, sizeof(out->https));
    snprintf(s, sizeof(s), ";%s;", out->bypass);
    out->bypass_simple = strstr(s, ";<local>;") != NULL;
    memset(&def, 0, sizeof(def));
    if (WinHttpGetDefaultProxyConfiguration(&def)) {
        if (def.dwAccessType == WINHTTP_ACCESS_TYPE_NAMED_PROXY)
            wide(out->winhttp, sizeof(out->winhttp), def.lpszProxy);
        GlobalFree(def.lpszProxy);
        GlobalFree(def.lpszProxyBypass);
    }
    snprintf(out->source, sizeof(out->source), "%s",
             from_call ? "Internet Options (WinHttpGetIEProxyConfigFor"
                         "CurrentUser)"
                       : "Internet Options (the registry's ProxyServer)");
    return 0;
}

int
mcpd_plat_sysproxy_bypassed(const struct mcpd_sysproxy_set *s,
                            const char *host)
{
    const char *p = s->bypass;
    char one[256];

    if (s->bypass_simple && strchr(host, '.') == NULL &&
        strchr(host, ':') == NULL)
        return 1;
    while (*p) {
        size_t n = strcspn(p, ";");
        snprintf(one, sizeof(one), "%.*s", (int)n, p);
        /* Shell wildcards, case-insensitive, as urllib's fnmatch-like
         * match of ProxyOverride entries. */
        if (one[0] && strcmp(one, "<local>") != 0 &&
            PathMatchSpecA(host, one))
            return 1;
        p += n;
        while (*p == ';' || *p == ' ')
            p++;
    }
    return 0;
}

/* \summary: macOS's system proxy settings (SCDynamicStoreCopyProxies, or
 * scutil --proxy: native.h), in the seam's terms */

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include "platform.h"
#include "native.h"

static void
one(const struct mcpd_sysproxy_one *p, char *out, size_t len)
{
    out[0] = '\0';
    if (p->enabled && p->host[0])
        snprintf(out, len, "%s:%u", p->host, p->port ? p->port : 80u);
}

int
mcpd_plat_sysproxy(struct mcpd_sysproxy_set *out)
{
    struct mcpd_sysproxy px;
    size_t at = 0;
    int i;

    memset(out, 0, sizeof(*out));
    out->has = 1;
    if (mcpd_mac_sysproxy(&px) != 0) {
        snprintf(out->source, sizeof(out->source), "the system proxy "
                 "settings could not be read (SCDynamicStoreCopyProxies, "
                 "scutil --proxy)");
        return -1;
    }
    snprintf(out->source, sizeof(out->source), "the network settings "
             "(SCDynamicStoreCopyProxies)");
    one(&px.http, out->http, sizeof(out->http));
    one(&px.https, out->https, sizeof(out->https));
    if (px.pac_enabled)
        snprintf(out->pac, sizeof(out->pac), "%s", px.pac_url);
    out->auto_detect = px.wpad_enabled;
    out->bypass_simple = px.exclude_simple;
    for (i = 0; i < px.nexceptions && i < MCPD_SYSPROXY_EXCEPTIONS; i++) {
        int n = snprintf(out->bypass + at, sizeof(out->bypass) - at, "%s%s",
                         at ? ";" : "", px.exceptions[i]);
        if (n < 0 || (size_t)n >= sizeof(out->bypass) - at)
            break;
        at += (size_t)n;
    }
    return 0;
}

int
mcpd_plat_sysproxy_bypassed(const struct mcpd_sysproxy_set *s,
                            const char *host)
{
    const char *p = s->bypass;
    char one_pat[256];

    if (s->bypass_simple && strchr(host, '.') == NULL &&
        strchr(host, ':') == NULL)
        return 1;
    while (*p) {
        size_t n = strcspn(p, ";");
        snprintf(one_pat, sizeof(one_pat), "%.*s", (int)n, p);
        /* As urllib's _proxy_bypass_macosx_sysconf: fnmatch on the
         * host (its address/mask entries are not compared here). */
        if (one_pat[0] && fnmatch(one_pat, host, FNM_CASEFOLD) == 0)
            return 1;
        p += n;
        while (*p == ';')
            p++;
    }
    return 0;
}

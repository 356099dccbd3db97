/* \summary: the macOS tools the backend reads (netstat, scutil,
 * socketfilterfw) run through the child runner, their output handed to
 * the pure parsers; system proxies from SCDynamicStoreCopyProxies */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CoreFoundation/CoreFoundation.h>
#include <SystemConfiguration/SystemConfiguration.h>
#include "platform.h"
#include "native.h"

/* Run argv; its stdout in *r when it exited 0. 0, or -1 with err. */
static int
run_tool(const char *const argv[], struct mcpd_run *r, char *err)
{
    if (mcpd_run_child(argv, 0, 10, r) == 0 && r->status == 0)
        return 0;
    snprintf(err, MCPD_ERR_LEN, "%s: %s", argv[0],
             r->status == 127 ? "not found" :
             r->timed_out ? "timed out" : "failed");
    mcpd_run_free(r);
    return -1;
}

struct mcpd_netstat_sock *
mcpd_mac_netstat(int *n, char *err)
{
    static const char *const argv[] = { MCPD_MAC_NETSTAT, "-anv", "-p",
                                        "tcp", NULL };
    struct mcpd_netstat_sock *s;
    struct mcpd_run r;
    int count;

    *n = 0;
    if (run_tool(argv, &r, err) != 0)
        return NULL;
    /* Count, then fill: a busy machine has thousands of sockets. */
    count = mcpd_netstat_parse(r.out, r.out_len, NULL, 0, NULL);
    s = calloc(count > 0 ? (size_t)count : 1, sizeof(*s));
    if (s == NULL) {
        snprintf(err, MCPD_ERR_LEN, "out of memory for %d sockets", count);
        mcpd_run_free(&r);
        return NULL;
    }
    *n = mcpd_netstat_parse(r.out, r.out_len, s, count, NULL);
    if (*n > count)
        *n = count;
    mcpd_run_free(&r);
    return s;
}

/* ---- system proxies -------------------------------------------------- */

/* A string value of the proxies dictionary, control characters as '?'. */
static void
cf_string(CFDictionaryRef d, CFStringRef key, char *buf, size_t len)
{
    CFTypeRef v = CFDictionaryGetValue(d, key);

    buf[0] = '\0';
    if (v != NULL && CFGetTypeID(v) == CFStringGetTypeID() &&
        CFStringGetCString((CFStringRef)v, buf, (CFIndex)len,
                           kCFStringEncodingUTF8))
        mcpd_mac_copy(buf, len, buf, strlen(buf));
}

/* A number value (the xxxEnable flags and ports), 0 when absent. */
static int
cf_int(CFDictionaryRef d, CFStringRef key)
{
    CFTypeRef v = CFDictionaryGetValue(d, key);
    int x = 0;

    if (v != NULL && CFGetTypeID(v) == CFNumberGetTypeID() &&
        CFNumberGetValue((CFNumberRef)v, kCFNumberIntType, &x))
        return x;
    return 0;
}

static void
one_proxy(CFDictionaryRef d, CFStringRef en, CFStringRef host,
          CFStringRef port, struct mcpd_sysproxy_one *o)
{
    int p = cf_int(d, port);

    o->enabled = cf_int(d, en) != 0;
    cf_string(d, host, o->host, sizeof(o->host));
    o->port = p > 0 && p <= 65535 ? (uint16_t)p : 0;
}

/* SCDynamicStoreCopyProxies (Apple Technical Q&A QA1234), read into the
 * same struct the scutil --proxy parser fills. */
static int
sc_proxies(struct mcpd_sysproxy *out)
{
    CFDictionaryRef d = SCDynamicStoreCopyProxies(NULL);
    CFTypeRef ex;

    memset(out, 0, sizeof(*out));
    if (d == NULL)
        return -1;
    out->valid = 1;
    one_proxy(d, kSCPropNetProxiesHTTPEnable, kSCPropNetProxiesHTTPProxy,
              kSCPropNetProxiesHTTPPort, &out->http);
    one_proxy(d, kSCPropNetProxiesHTTPSEnable, kSCPropNetProxiesHTTPSProxy,
              kSCPropNetProxiesHTTPSPort, &out->https);
    one_proxy(d, kSCPropNetProxiesSOCKSEnable, kSCPropNetProxiesSOCKSProxy,
              kSCPropNetProxiesSOCKSPort, &out->socks);
    out->pac_enabled = cf_int(d, kSCPropNetProxiesProxyAutoConfigEnable) != 0;
    cf_string(d, kSCPropNetProxiesProxyAutoConfigURLString, out->pac_url,
              sizeof(out->pac_url));
    out->wpad_enabled =
        cf_int(d, kSCPropNetProxiesProxyAutoDiscoveryEnable) != 0;
    out->exclude_simple =
        cf_int(d, kSCPropNetProxiesExcludeSimpleHostnames) != 0;
    ex = CFDictionaryGetValue(d, kSCPropNetProxiesExceptionsList);
    if (ex != NULL && CFGetTypeID(ex) == CFArrayGetTypeID()) {
        CFIndex i, n = CFArrayGetCount((CFArrayRef)ex);
        for (i = 0; i < n; i++) {
            CFTypeRef e = CFArrayGetValueAtIndex((CFArrayRef)ex, i);
            char *dst;
            if (out->nexceptions >= MCPD_SYSPROXY_EXCEPTIONS) {
                out->nexceptions++;
                continue;
            }
            dst = out->exceptions[out->nexceptions];
            if (e != NULL && CFGetTypeID(e) == CFStringGetTypeID() &&
                CFStringGetCString((CFStringRef)e, dst,
                                   (CFIndex)sizeof(out->exceptions[0]),
                                   kCFStringEncodingUTF8)) {
                mcpd_mac_copy(dst, sizeof(out->exceptions[0]), dst,
                              strlen(dst));
                out->nexceptions++;
            }
        }
    }
    CFRelease(d);
    return 0;
}

int
mcpd_mac_sysproxy(struct mcpd_sysproxy *out)
{
    static const char *const argv[] = { MCPD_MAC_SCUTIL, "--proxy", NULL };
    char err[MCPD_ERR_LEN];
    struct mcpd_run r;
    int rc;

    if (sc_proxies(out) == 0)
        return 0;
    /* The store did not answer (configd not reachable): what scutil
     * prints from it, if it can. */
    if (run_tool(argv, &r, err) != 0)
        return -1;
    rc = mcpd_scutil_proxy_parse(r.out, r.out_len, out, NULL);
    mcpd_run_free(&r);
    return rc;
}

/* ---- the Application Firewall ----------------------------------------- */

int
mcpd_mac_alf(struct mcpd_alf *out, char *err)
{
    static const char *const argv[] = {
        MCPD_MAC_ALF, "--getglobalstate", "--getblockall",
        "--getstealthmode", "--listapps", NULL
    };
    struct mcpd_run r;

    memset(out, 0, sizeof(*out));
    if (run_tool(argv, &r, err) != 0)
        return -1;
    mcpd_alf_parse(r.out, r.out_len, out, NULL);
    mcpd_run_free(&r);
    return 0;
}

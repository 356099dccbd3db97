/* \summary: the system proxy settings as scutil --proxy prints them
 * (scutil(8); the keys of SCDynamicStoreCopyProxies, SCSchemaDefinitions
 * kSCPropNetProxies*) */

#include <string.h>
#include "macos.h"

/* Leading and trailing blanks off [*s, *s + *n). */
static void
trim(const char **s, size_t *n)
{
    while (*n > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

static int
is(const char *s, size_t n, const char *word)
{
    return n == strlen(word) && memcmp(s, word, n) == 0;
}

/* A flag or a port: decimal, at most 65535; -1 otherwise. */
static long
small_number(const char *s, size_t n)
{
    long x = 0;
    size_t i;

    if (n == 0 || n > 5)
        return -1;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        x = x * 10 + (s[i] - '0');
    }
    return x <= 65535 ? x : -1;
}

/* The three proxies by the prefix of their keys. */
static struct mcpd_sysproxy_one *
which(struct mcpd_sysproxy *o, const char *k, size_t n, size_t *plen)
{
    static const char *const prefix[3] = { "HTTPS", "HTTP", "SOCKS" };
    int i;

    for (i = 0; i < 3; i++) {
        size_t l = strlen(prefix[i]);
        if (n > l && memcmp(k, prefix[i], l) == 0) {
            *plen = l;
            return i == 0 ? &o->https : i == 1 ? &o->http : &o->socks;
        }
    }
    return NULL;
}

/* One "Key : value" line of the top dictionary. */
static void
key_value(struct mcpd_sysproxy *o, const char *k, size_t kn, const char *v,
          size_t vn, int *bad)
{
    struct mcpd_sysproxy_one *one;
    int *flag;
    size_t pl;
    long x;

    if (is(k, kn, "ProxyAutoConfigURLString")) {
        mcpd_mac_copy(o->pac_url, sizeof(o->pac_url), v, vn);
        return;
    }
    flag = is(k, kn, "ProxyAutoConfigEnable") ? &o->pac_enabled :
           is(k, kn, "ProxyAutoDiscoveryEnable") ? &o->wpad_enabled :
           is(k, kn, "ExcludeSimpleHostnames") ? &o->exclude_simple : NULL;
    if (flag != NULL) {
        x = small_number(v, vn);
        if (x < 0)
            (*bad)++;
        else
            *flag = x != 0;
        return;
    }
    if ((one = which(o, k, kn, &pl)) == NULL)
        return;     /* FTP, Gopher, RTSP, FTPPassive, ...: not ours */
    k += pl;
    kn -= pl;
    if (is(k, kn, "Proxy")) {
        mcpd_mac_copy(one->host, sizeof(one->host), v, vn);
    } else if (is(k, kn, "Enable") || is(k, kn, "Port")) {
        x = small_number(v, vn);
        if (x < 0)
            (*bad)++;
        else if (k[0] == 'E')
            one->enabled = x != 0;
        else
            one->port = (uint16_t)x;
    }
}

int
mcpd_scutil_proxy_parse(const char *buf, size_t len,
                        struct mcpd_sysproxy *out, int *bad)
{
    const char *p = buf, *end = buf + len, *line;
    int depth = 0, in_exceptions = 0, nbad = 0;
    size_t n;

    memset(out, 0, sizeof(*out));
    while (mcpd_mac_next_line(&p, end, &line, &n)) {
        const char *k, *v, *sep = NULL;
        size_t kn, vn, i;

        trim(&line, &n);
        if (n == 0)
            continue;
        if (depth == 0) {
            /* Before the dictionary: "<dictionary> {" opens it. */
            if (n >= 14 && memcmp(line, "<dictionary> {", 14) == 0) {
                out->valid = 1;
                depth = 1;
            } else
                nbad++;
            continue;
        }
        if (is(line, n, "}")) {
            depth--;
            in_exceptions = 0;
            if (depth == 0)
                break;
            continue;
        }
        for (i = 0; i + 2 < n; i++)
            if (line[i] == ' ' && line[i + 1] == ':' && line[i + 2] == ' ') {
                sep = line + i;
                break;
            }
        if (sep == NULL) {
            nbad++;
            continue;
        }
        k = line;
        kn = (size_t)(sep - line);
        v = sep + 3;
        vn = n - kn - 3;
        trim(&k, &kn);
        trim(&v, &vn);
        if (vn >= 1 && v[vn - 1] == '{') {
            /* A nested <array> or <dictionary>: only ExceptionsList's
             * items are read. */
            depth++;
            in_exceptions = depth == 2 && is(k, kn, "ExceptionsList");
            continue;
        }
        if (in_exceptions) {
            if (out->nexceptions < MCPD_SYSPROXY_EXCEPTIONS)
                mcpd_mac_copy(out->exceptions[out->nexceptions],
                              sizeof(out->exceptions[0]), v, vn);
            out->nexceptions++;
        } else if (depth == 1)
            key_value(out, k, kn, v, vn, &nbad);
    }
    if (bad != NULL)
        *bad = nbad;
    return out->valid ? 0 : -1;
}

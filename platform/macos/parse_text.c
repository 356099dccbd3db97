/* \summary: what the macOS tool-output parsers share: lines of a
 * buffer, bounded copies without control characters, addresses */

#include <arpa/inet.h>
#include <string.h>
#include "macos.h"

int
mcpd_mac_next_line(const char **p, const char *end, const char **line,
                   size_t *len)
{
    const char *s = *p, *e;

    if (s == NULL || s >= end)
        return 0;
    for (e = s; e < end && *e != '\n' && *e != '\0'; e++)
        ;
    *line = s;
    *len = (size_t)(e - s);
    /* A CR before the NL (a file passed through another system) is not
     * part of the line. */
    if (*len > 0 && s[*len - 1] == '\r')
        (*len)--;
    *p = e < end ? e + 1 : end;
    return 1;
}

char *
mcpd_mac_copy(char *dst, size_t cap, const char *src, size_t n)
{
    size_t i;

    if (cap == 0)
        return dst;
    if (n > cap - 1)
        n = cap - 1;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    dst[n] = '\0';
    return dst;
}

int
mcpd_mac_parse_addr(const char *s, size_t n, int family, struct mcpd_ip *ip)
{
    char buf[64];
    size_t k;

    memset(ip, 0, sizeof(*ip));
    if (n == 1 && s[0] == '*') {
        /* Every address: 0.0.0.0 or ::, all zeros either way. */
        if (family != 4 && family != 6)
            return -1;
        ip->family = (uint8_t)family;
        return 0;
    }
    if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
        s++;
        n -= 2;
    }
    if (n == 0 || n >= sizeof(buf))
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    /* A scope ("fe80::1%lo0") names the interface, not the address. */
    for (k = 0; k < n; k++)
        if (buf[k] == '%')
            buf[k] = '\0';
    if (inet_pton(AF_INET, buf, ip->a) == 1) {
        ip->family = 4;
        return 0;
    }
    if (inet_pton(AF_INET6, buf, ip->a) == 1) {
        ip->family = 6;
        return 0;
    }
    memset(ip, 0, sizeof(*ip));
    return -1;
}

/* \summary: lsof field output (-F pcuLftPnT, lsof(8) "OUTPUT FOR OTHER
 * PROGRAMS"): processes and their TCP sockets, as the owner fallback */

#include <stdlib.h>
#include <string.h>
#include "macos.h"

/* A decimal number of n bytes; 0 and *v, or -1. */
static int
number(const char *s, size_t n, int64_t *v)
{
    int64_t x = 0;
    size_t i;

    if (n == 0 || n > 18)
        return -1;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return 0;
}

/* "HOST:PORT" (HOST "*", "a.b.c.d" or "[v6]") into *ep. 0, or -1. */
static int
endpoint(const char *s, size_t n, int family, struct mcpd_endpoint *ep,
         int *any)
{
    const char *colon = NULL;
    int64_t port;
    size_t i;

    for (i = n; i > 0; i--)
        if (s[i - 1] == ':') {
            colon = s + i - 1;
            break;
        }
    if (colon == NULL ||
        number(colon + 1, n - (size_t)(colon + 1 - s), &port) != 0 ||
        port > 65535)
        return -1;
    if (any != NULL)
        *any = colon - s == 1 && s[0] == '*';
    if (mcpd_mac_parse_addr(s, (size_t)(colon - s), family, &ep->ip) != 0)
        return -1;
    ep->port = (uint16_t)port;
    return 0;
}

/* Field n of a socket: "L", "L->R", or something else (a path). */
static int
name_field(struct mcpd_lsof_sock *f, const char *v, size_t n)
{
    const char *arrow = NULL;
    size_t i;

    for (i = 0; i + 1 < n; i++)
        if (v[i] == '-' && v[i + 1] == '>') {
            arrow = v + i;
            break;
        }
    if (arrow == NULL)
        return endpoint(v, n, f->family, &f->local, &f->local_any);
    if (endpoint(v, (size_t)(arrow - v), f->family, &f->local,
                 &f->local_any) != 0)
        return -1;
    return endpoint(arrow + 2, n - (size_t)(arrow + 2 - v), f->family,
                    &f->remote, NULL);
}

/* Field T: "ST=LISTEN", "QR=0", "QS=0" (others ignored). */
static void
tcp_field(struct mcpd_lsof_sock *f, const char *v, size_t n)
{
    int64_t x;

    if (n > 3 && memcmp(v, "ST=", 3) == 0)
        mcpd_mac_copy(f->state, sizeof(f->state), v + 3, n - 3);
    else if (n > 3 && memcmp(v, "QR=", 3) == 0 &&
             number(v + 3, n - 3, &x) == 0)
        f->queue_recv = x;
    else if (n > 3 && memcmp(v, "QS=", 3) == 0 &&
             number(v + 3, n - 3, &x) == 0)
        f->queue_send = x;
}

int
mcpd_lsof_parse(const char *buf, size_t len, struct mcpd_lsof_sock *out,
                int max, int *bad)
{
    const char *p = buf, *end = buf + len, *line;
    struct mcpd_lsof_sock proc, file;
    int have_file = 0, named = 0, count = 0, nbad = 0;
    size_t n;

    memset(&proc, 0, sizeof(proc));
    proc.pid = -1;
    memset(&file, 0, sizeof(file));
    /* A file set is kept when its n field named an endpoint: at the next
     * f or p field, and at the end. */
#define FLUSH()                                                        \
    do {                                                               \
        if (have_file && named) {                                      \
            if (count < max)                                           \
                out[count] = file;                                     \
            count++;                                                   \
        }                                                              \
        have_file = named = 0;                                         \
    } while (0)
    while (mcpd_mac_next_line(&p, end, &line, &n)) {
        const char *v = line + 1;
        size_t vn = n ? n - 1 : 0;
        int64_t x;

        if (n == 0)
            continue;
        switch (line[0]) {
        case 'p':          /* a new process set */
            FLUSH();
            memset(&proc, 0, sizeof(proc));
            proc.pid = -1;
            if (number(v, vn, &x) != 0 || x > INT32_MAX) {
                nbad++;
                break;
            }
            proc.pid = (int32_t)x;
            break;
        case 'c':
            mcpd_mac_copy(proc.command, sizeof(proc.command), v, vn);
            break;
        case 'u':
            if (number(v, vn, &x) == 0 && x <= UINT32_MAX) {
                proc.uid = (uint32_t)x;
                proc.has_uid = 1;
            } else
                nbad++;
            break;
        case 'L':
            mcpd_mac_copy(proc.user, sizeof(proc.user), v, vn);
            break;
        case 'f':          /* a new file set of this process */
            FLUSH();
            if (proc.pid < 0) {
                nbad++;    /* a file before any process */
                break;
            }
            file = proc;
            file.fd = number(v, vn, &x) == 0 && x <= INT32_MAX ? (int)x
                                                               : -1;
            file.queue_recv = file.queue_send = -1;
            have_file = 1;
            break;
        case 't':
            if (have_file)
                file.family = vn == 4 && memcmp(v, "IPv4", 4) == 0 ? 4 :
                              vn == 4 && memcmp(v, "IPv6", 4) == 0 ? 6 : 0;
            break;
        case 'P':
            if (have_file)
                file.tcp = vn == 3 && memcmp(v, "TCP", 3) == 0;
            break;
        case 'n':
            if (!have_file)
                break;
            if (file.family != 0 && name_field(&file, v, vn) == 0)
                named = 1;
            else if (file.family != 0)
                nbad++;
            break;
        case 'T':
            if (have_file)
                tcp_field(&file, v, vn);
            break;
        default:           /* fields not asked for, or unknown */
            break;
        }
    }
    FLUSH();
#undef FLUSH
    if (bad != NULL)
        *bad = nbad;
    return count;
}

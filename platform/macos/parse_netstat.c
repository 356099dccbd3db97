/* \summary: TCP sockets as macOS netstat -anv -p tcp prints them
 * (netstat(1); network_cmds netstat.tproj inet.c): addresses, state and
 * the owning pid, with the columns found by the header line */

#include <string.h>
#include "macos.h"

#define MAX_TOKENS 48

struct tokens {
    const char *s[MAX_TOKENS];
    size_t n[MAX_TOKENS];
    int count;               /* may be > MAX_TOKENS: the rest are lost */
};

static void
split(const char *line, size_t len, struct tokens *t)
{
    size_t i = 0;

    t->count = 0;
    while (i < len) {
        size_t start;
        while (i < len && (line[i] == ' ' || line[i] == '\t'))
            i++;
        if (i >= len)
            break;
        start = i;
        while (i < len && line[i] != ' ' && line[i] != '\t')
            i++;
        if (t->count < MAX_TOKENS) {
            t->s[t->count] = line + start;
            t->n[t->count] = i - start;
        }
        t->count++;
    }
}

static int
tok_is(const struct tokens *t, int i, const char *word)
{
    return i < t->count && i < MAX_TOKENS &&
           t->n[i] == strlen(word) && memcmp(t->s[i], word, t->n[i]) == 0;
}

static int
number(const char *s, size_t n, long *v)
{
    long x = 0;
    size_t i;

    if (n == 0 || n > 10)
        return -1;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return 0;
}

/* "127.0.0.1.3000", "::1.3000", "*.3000", "*.*": the port after the
 * last dot. 0 (ep->ip.family 0 for "*.*"), or -1. */
static int
endpoint(const char *s, size_t n, int family, struct mcpd_endpoint *ep)
{
    size_t dot;
    long port;

    memset(ep, 0, sizeof(*ep));
    if (n == 3 && memcmp(s, "*.*", 3) == 0)
        return 0;
    for (dot = n; dot > 0 && s[dot - 1] != '.'; dot--)
        ;
    if (dot == 0 || number(s + dot, n - dot, &port) != 0 || port > 65535)
        return -1;
    if (mcpd_mac_parse_addr(s, dot - 1, family, &ep->ip) != 0)
        return -1;
    ep->port = (uint16_t)port;
    return 0;
}

/* Where the columns after "(state)" are: the pid's and whether it is
 * "process:pid". */
struct layout {
    int pid_col;             /* index among the data tokens, -1 none */
    int with_name;           /* "process:pid" */
    int ncols;               /* tokens a line has by the header */
};

static void
header(const struct tokens *t, struct layout *l)
{
    int i, st = -1;

    l->pid_col = -1;
    l->with_name = 0;
    l->ncols = 0;
    for (i = 0; i < t->count && i < MAX_TOKENS; i++)
        if (tok_is(t, i, "(state)"))
            st = i;
    if (st < 0)
        return;
    /* Data: proto recv-q send-q local foreign state, then one token per
     * header word after "(state)". */
    l->ncols = 6 + (t->count - st - 1);
    for (i = st + 1; i < t->count && i < MAX_TOKENS; i++)
        if (tok_is(t, i, "pid") || tok_is(t, i, "process:pid")) {
            l->pid_col = 6 + (i - st - 1);
            l->with_name = tok_is(t, i, "process:pid");
            return;
        }
}

/* The pid (and process name) of a data line. */
static void
owner(const struct tokens *t, const struct layout *l,
      struct mcpd_netstat_sock *s)
{
    int extra = t->count - l->ncols, last;
    const char *v, *colon = NULL;
    size_t vn, i;
    long pid;

    s->pid = -1;
    s->command[0] = '\0';
    if (l->pid_col < 0 || l->pid_col >= MAX_TOKENS)
        return;
    if (!l->with_name) {
        if (l->pid_col < t->count && number(t->s[l->pid_col],
                                            t->n[l->pid_col], &pid) == 0 &&
            pid <= INT32_MAX)
            s->pid = (int32_t)pid;
        return;
    }
    /* "process:pid": a name with blanks ("Google Chrome H:812") spans
     * more tokens than the header has words. */
    last = l->pid_col + (extra > 0 ? extra : 0);
    if (last >= t->count || last >= MAX_TOKENS)
        return;
    v = t->s[l->pid_col];
    vn = (size_t)(t->s[last] + t->n[last] - v);
    for (i = vn; i > 0; i--)
        if (v[i - 1] == ':') {
            colon = v + i - 1;
            break;
        }
    if (colon == NULL ||
        number(colon + 1, vn - (size_t)(colon + 1 - v), &pid) != 0 ||
        pid > INT32_MAX)
        return;
    s->pid = (int32_t)pid;
    mcpd_mac_copy(s->command, sizeof(s->command), v, (size_t)(colon - v));
}

int
mcpd_netstat_parse(const char *buf, size_t len,
                   struct mcpd_netstat_sock *out, int max, int *bad)
{
    const char *p = buf, *end = buf + len, *line;
    struct layout lay = { -1, 0, 0 };
    int count = 0, nbad = 0;
    size_t n;

    while (mcpd_mac_next_line(&p, end, &line, &n)) {
        struct mcpd_netstat_sock s;
        struct tokens t;
        long rq, sq;
        int fam;

        split(line, n, &t);
        if (t.count == 0)
            continue;
        if (tok_is(&t, 0, "Proto")) {
            header(&t, &lay);
            continue;
        }
        fam = tok_is(&t, 0, "tcp4") ? 4 : tok_is(&t, 0, "tcp6") ? 6 :
              tok_is(&t, 0, "tcp46") ? 46 : 0;
        if (fam == 0)
            continue;      /* udp, unix, titles: not ours */
        memset(&s, 0, sizeof(s));
        s.family = fam;
        if (t.count < 6 || number(t.s[1], t.n[1], &rq) != 0 ||
            number(t.s[2], t.n[2], &sq) != 0 ||
            endpoint(t.s[3], t.n[3], fam == 4 ? 4 : 6, &s.local) != 0 ||
            endpoint(t.s[4], t.n[4], fam == 4 ? 4 : 6, &s.remote) != 0) {
            nbad++;
            continue;
        }
        s.recv_q = (uint32_t)rq;
        s.send_q = (uint32_t)sq;
        mcpd_mac_copy(s.state, sizeof(s.state), t.s[5], t.n[5]);
        owner(&t, &lay, &s);
        if (count < max)
            out[count] = s;
        count++;
    }
    if (bad != NULL)
        *bad = nbad;
    return count;
}

int
mcpd_netstat_listen_overflows(const char *buf, size_t len, uint64_t *n)
{
    static const char key[] = "listen queue overflow";
    const char *p = buf, *end = buf + len, *line;
    size_t ln;

    while (mcpd_mac_next_line(&p, end, &line, &ln)) {
        size_t i = 0, k;
        uint64_t x = 0;
        int digits = 0;

        while (i < ln && (line[i] == ' ' || line[i] == '\t'))
            i++;
        while (i < ln && line[i] >= '0' && line[i] <= '9' && digits < 19) {
            x = x * 10 + (uint64_t)(line[i++] - '0');
            digits++;
        }
        if (digits == 0 || i >= ln || line[i] != ' ')
            continue;
        i++;
        k = sizeof(key) - 1;
        if (ln - i >= k && memcmp(line + i, key, k) == 0) {
            *n = x;
            return 0;
        }
    }
    return -1;
}

/* \summary: pf rules as pfctl -sr prints them (pf.conf(5) "PARAMETERS":
 * port operators; pfctl expands { lists } into one rule each): which
 * rules decide the fate of a destination port */

#include <string.h>
#include "macos.h"

/* The first "word" (bounded by blanks or the ends) at or after `from`,
 * or NULL. */
static const char *
find_word(const char *s, const char *end, const char *from,
          const char *word)
{
    size_t w = strlen(word);
    const char *q;

    for (q = from; q + w <= end; q++)
        if (memcmp(q, word, w) == 0 && (q == s || q[-1] == ' ') &&
            (q + w == end || q[w] == ' '))
            return q;
    return NULL;
}

/* A port at *q: digits, or a service name when `service` knows it.
 * Moves *q past it. 0 and *v, or -1. */
static int
port_value(const char **q, const char *end, mcpd_pf_service_fn service,
           long *v)
{
    const char *s = *q;
    char name[64];
    size_t n = 0;
    uint16_t p;
    long x = 0;

    if (s < end && *s >= '0' && *s <= '9') {
        while (s < end && *s >= '0' && *s <= '9' && x <= 65535)
            x = x * 10 + (*s++ - '0');
        if (x > 65535)
            return -1;
        *q = s;
        *v = x;
        return 0;
    }
    while (s + n < end && s[n] != ' ' && s[n] != ':' && s[n] != ',' &&
           s[n] != '}' && n < sizeof(name) - 1)
        n++;
    if (n == 0 || service == NULL)
        return -1;
    memcpy(name, s, n);
    name[n] = '\0';
    if (service(name, &p) != 0)
        return -1;
    *q = s + n;
    *v = p;
    return 0;
}

static const char *
skip_blanks(const char *q, const char *end)
{
    while (q < end && *q == ' ')
        q++;
    return q;
}

/* One port item at *q ("= 80", "80:90", "1 >< 9", "80"); 1 when `port`
 * is in it, 0 when not, -1 unreadable. */
static int
port_item(const char **q, const char *end, uint16_t port,
          mcpd_pf_service_fn service)
{
    static const char *const ops[] = { "!=", "<=", ">=", "=", "<", ">",
                                       NULL };
    const char *s = skip_blanks(*q, end);
    long a, b;
    int i;

    for (i = 0; ops[i]; i++) {
        size_t l = strlen(ops[i]);
        if ((size_t)(end - s) > l && memcmp(s, ops[i], l) == 0 &&
            s[l] == ' ') {
            s = skip_blanks(s + l, end);
            if (port_value(&s, end, service, &a) != 0)
                return -1;
            *q = s;
            switch (i) {
            case 0: return port != a;
            case 1: return port <= a;
            case 2: return port >= a;
            case 3: return port == a;
            case 4: return port < a;
            default: return port > a;
            }
        }
    }
    if (port_value(&s, end, service, &a) != 0)
        return -1;
    if (s < end && *s == ':') {          /* a:b, both included */
        s++;
        if (port_value(&s, end, service, &b) != 0)
            return -1;
        *q = s;
        return port >= a && port <= b;
    }
    {
        const char *t = skip_blanks(s, end);
        if (end - t > 3 && (memcmp(t, "><", 2) == 0 ||
                            memcmp(t, "<>", 2) == 0) && t[2] == ' ') {
            int inside = t[0] == '>';
            t = skip_blanks(t + 3, end);
            if (port_value(&t, end, service, &b) != 0)
                return -1;
            *q = t;
            return inside ? port > a && port < b : port < a || port > b;
        }
    }
    *q = s;
    return port == a;
}

int
mcpd_pf_rule_has_dport(const char *rule, size_t len, uint16_t port,
                       mcpd_pf_service_fn service)
{
    const char *end = rule + len, *from, *to, *q;

    /* "... from SRC [port P] to DST [port P] ...": the port after "to". */
    from = find_word(rule, end, rule, "from");
    if (from == NULL)
        return 0;
    to = find_word(rule, end, from, "to");
    if (to == NULL)
        return 0;
    q = find_word(rule, end, to, "port");
    if (q == NULL)
        return 0;
    q = skip_blanks(q + 4, end);
    if (q < end && *q == '{') {
        q++;
        for (;;) {
            int r;
            q = skip_blanks(q, end);
            if (q < end && *q == ',')
                q = skip_blanks(q + 1, end);
            if (q >= end || *q == '}')
                return 0;
            r = port_item(&q, end, port, service);
            if (r != 0)
                return r > 0;
        }
    }
    return port_item(&q, end, port, service) == 1;
}

const char *
mcpd_pf_rule_action(const char *rule, size_t len)
{
    if (len >= 4 && memcmp(rule, "pass", 4) == 0 &&
        (len == 4 || rule[4] == ' '))
        return "accept";
    if (len < 5 || memcmp(rule, "block", 5) != 0 ||
        (len > 5 && rule[5] != ' '))
        return "";
    /* "block return", "block return-rst", "block return-icmp(...)" */
    if (len >= 12 && memcmp(rule + 6, "return", 6) == 0)
        return "reject";
    /* "block drop", and plain "block" under the default block-policy
     * (drop, pf.conf(5) "set block-policy") */
    return "drop";
}

/* Is the line a rule pfctl -sr prints (its first word)? */
static int
is_rule(const char *line, size_t n)
{
    static const char *const kinds[] = {
        "pass", "block", "match", "anchor", "scrub", "scrub-anchor",
        "nat-anchor", "rdr-anchor", "dummynet-anchor", "antispoof",
        "load", NULL
    };
    int i;

    for (i = 0; kinds[i]; i++) {
        size_t l = strlen(kinds[i]);
        if (n >= l && memcmp(line, kinds[i], l) == 0 &&
            (n == l || line[l] == ' '))
            return 1;
    }
    return 0;
}

/* Does the rule name any port at all (source or destination)? */
static int
names_a_port(const char *rule, size_t len)
{
    return find_word(rule, rule + len, rule, "port") != NULL;
}

int
mcpd_pfctl_parse(const char *buf, size_t len, uint16_t port,
                 mcpd_pf_service_fn service, struct mcpd_pf_rule *out,
                 int max, int *bad)
{
    const char *p = buf, *end = buf + len, *line;
    int count = 0, nbad = 0;
    size_t n;

    while (mcpd_mac_next_line(&p, end, &line, &n)) {
        const char *action;
        int any = 0;

        while (n > 0 && (*line == ' ' || *line == '\t')) {
            line++;
            n--;
        }
        if (n == 0)
            continue;
        if (!is_rule(line, n)) {
            nbad++;
            continue;
        }
        action = mcpd_pf_rule_action(line, n);
        if (!mcpd_pf_rule_has_dport(line, n, port, service)) {
            /* A block rule that names no port blocks this one too; an
             * anchor, scrub or pass rule without one says nothing. */
            if (strcmp(action, "accept") == 0 || action[0] == '\0' ||
                names_a_port(line, n))
                continue;
            any = 1;
        }
        if (count < max) {
            struct mcpd_pf_rule *r = &out[count];
            mcpd_mac_copy(r->text, sizeof(r->text), line, n);
            mcpd_mac_copy(r->action, sizeof(r->action), action,
                          strlen(action));
            r->any_port = any;
        }
        count++;
    }
    if (bad != NULL)
        *bad = nbad;
    return count;
}

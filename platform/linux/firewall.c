/* \summary: Linux firewall rules for a port (nftables, iptables) and the
 * kernel's listen-queue counters, read-only */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "platform.h"
#include "linux.h"

/* Walks every "dport"/"dports" and the value after it: a number, a list,
 * a range, or a { set } (linux.h). */
int
mcpd_fw_rule_has_dport(const char *line, uint16_t port)
{
    const char *p = line;

    while ((p = strstr(p, "dport")) != NULL) {
        const char *q = p + 5;
        int depth = 0;

        if (*q == 's')
            q++;
        while (*q == ' ')
            q++;
        /* Walk the value: a number, a list, a range, or a { set }. */
        for (;;) {
            unsigned long lo, hi;
            char *end;

            if (*q == '{') {
                depth++;
                q++;
                continue;
            }
            if (*q == ' ' || *q == ',') {
                q++;
                continue;
            }
            if (*q == '}') {
                depth--;
                q++;
                if (depth <= 0)
                    break;
                continue;
            }
            if (!isdigit((unsigned char)*q))
                break;
            lo = strtoul(q, &end, 10);
            hi = lo;
            if (*end == ':' || *end == '-')
                hi = strtoul(end + 1, &end, 10);
            if (port >= lo && port <= hi)
                return 1;
            q = end;
            if (depth == 0 && *q != ',')
                break;
        }
        p += 5;
    }
    return 0;
}

static void
rule_action(const char *text, char *action, size_t len)
{
    if (strstr(text, "-j DROP") || strstr(text, " drop"))
        snprintf(action, len, "drop");
    else if (strstr(text, "-j REJECT") || strstr(text, " reject"))
        snprintf(action, len, "reject");
    else if (strstr(text, "-j ACCEPT") || strstr(text, " accept"))
        snprintf(action, len, "accept");
    else
        action[0] = '\0';
}

/* Bounds on one listing: a ruleset that takes longer is not read. */
#define LIST_TIMEOUT_S 10.0

/* Keep a rule line that mentions the port. */
static int
keep_rule(const char *source, char *s, uint16_t port,
          struct mcpd_fw_rule *out, int n, int max)
{
    size_t l;

    while (*s == ' ' || *s == '\t')
        s++;
    l = strlen(s);
    while (l > 0 && s[l - 1] == '\r')
        s[--l] = '\0';
    if (n >= max || !mcpd_fw_rule_has_dport(s, port))
        return n;
    snprintf(out[n].source, sizeof(out[n].source), "%s", source);
    snprintf(out[n].text, sizeof(out[n].text), "%s", s);
    rule_action(s, out[n].action, sizeof(out[n].action));
    return n + 1;
}

/* Run a fixed read-only command (argv, no shell; mcpd_run_child bounds
 * its time and output) and keep the lines that mention the port. */
static int
collect(const char *source, const char *const argv[], uint16_t port,
        struct mcpd_fw_rule *out, int n, int max, int *ran)
{
    struct mcpd_run r;
    char *line, *next;

    if (mcpd_run_child(argv, 0, LIST_TIMEOUT_S, &r) != 0)
        return n;
    for (line = r.out; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        n = keep_rule(source, line, port, out, n, max);
    }
    if (r.status == 0 && !r.timed_out)
        (*ran)++;
    mcpd_run_free(&r);
    return n;
}

int
mcpd_sys_firewall(uint16_t port, struct mcpd_fw_rule *out, int max,
                  char *err)
{
    static const char *const nft[] = { "nft", "list", "ruleset", NULL };
    static const char *const ipt[] = { "iptables-save", NULL };
    static const char *const ip6t[] = { "ip6tables-save", NULL };
    int n = 0, ran = 0;

    if (geteuid() != 0) {
        snprintf(err, MCPD_ERR_LEN, "reading firewall rules needs root");
        return -1;
    }
    /* Debian's iptables is iptables-nft: the same rule shows in both
     * listings; both are quoted, each under its own tool's name. */
    n = collect("nft", nft, port, out, n, max, &ran);
    n = collect("iptables", ipt, port, out, n, max, &ran);
    n = collect("ip6tables", ip6t, port, out, n, max, &ran);
    if (ran == 0) {
        snprintf(err, MCPD_ERR_LEN, "neither nft nor iptables-save ran "
                 "(not installed?)");
        return -1;
    }
    return n;
}

int
mcpd_sys_counters(struct mcpd_kcounters *out)
{
    FILE *fp = fopen("/proc/net/netstat", "re");
    char names[4096], values[4096];

    memset(out, 0, sizeof(*out));
    if (fp == NULL)
        return -1;
    /* Pairs of lines: "TcpExt: Name1 Name2 ..." then the values. */
    while (fgets(names, sizeof(names), fp) &&
           fgets(values, sizeof(values), fp)) {
        char *ns = NULL, *vs = NULL, *n, *v;

        if (strncmp(names, "TcpExt:", 7) != 0)
            continue;
        n = strtok_r(names, " \n", &ns);
        v = strtok_r(values, " \n", &vs);
        while (n && v) {
            if (strcmp(n, "ListenOverflows") == 0)
                out->listen_overflows = strtoull(v, NULL, 10);
            else if (strcmp(n, "ListenDrops") == 0)
                out->listen_drops = strtoull(v, NULL, 10);
            n = strtok_r(NULL, " \n", &ns);
            v = strtok_r(NULL, " \n", &vs);
        }
        out->valid = 1;
    }
    fclose(fp);
    return out->valid ? 0 : -1;
}

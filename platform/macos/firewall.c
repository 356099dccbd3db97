/* \summary: macOS firewall rules for a port (pf: pfctl -sr; the
 * Application Firewall: socketfilterfw), read only and as root, and
 * the listen-queue overflow counter (netstat -s -p tcp) */

#include <netdb.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "platform.h"
#include "native.h"

#define MAX_PF_RULES 64

/* Service names pfctl prints for ports (/etc/services). */
static int
service_port(const char *name, uint16_t *port)
{
    struct servent *se = getservbyname(name, "tcp");

    if (se == NULL)
        return -1;
    *port = ntohs((uint16_t)se->s_port);
    return 0;
}

static void
add_rule(struct mcpd_fw_rule *out, int max, int *n, const char *source,
         const char *text, const char *action)
{
    if (*n < max) {
        snprintf(out[*n].source, sizeof(out[*n].source), "%s", source);
        snprintf(out[*n].text, sizeof(out[*n].text), "%s", text);
        snprintf(out[*n].action, sizeof(out[*n].action), "%s", action);
    }
    (*n)++;
}

/* The Application Firewall filters connections from other hosts by
 * application; it is quoted when it blocks, never guessed at. */
static int
alf_rules(struct mcpd_fw_rule *out, int max, int *n, char *err)
{
    struct mcpd_alf a;
    char text[512];
    int i;

    if (mcpd_mac_alf(&a, err) != 0)
        return -1;
    if (a.state >= 1 && (a.block_all == 1 || a.state == 2))
        add_rule(out, max, n, "alf", "Application Firewall: block all "
                 "incoming connections (from other hosts)", "drop");
    for (i = 0; a.state >= 1 && i < a.napps && i < MCPD_ALF_APPS; i++)
        if (a.apps[i].allow == 0) {
            snprintf(text, sizeof(text), "Application Firewall: block "
                     "incoming connections to %s", a.apps[i].path);
            add_rule(out, max, n, "alf", text, "drop");
        }
    return 0;
}

static int
pf_rules(uint16_t port, struct mcpd_fw_rule *out, int max, int *n,
         char *err)
{
    static const char *const argv[] = { MCPD_MAC_PFCTL, "-sr", NULL };
    struct mcpd_pf_rule r[MAX_PF_RULES];
    struct mcpd_run run;
    int k, i;

    if (mcpd_run_child(argv, 0, 10, &run) != 0 || run.status != 0) {
        snprintf(err, MCPD_ERR_LEN, "pfctl -sr: %s",
                 run.status == 127 ? "not found" : "failed");
        mcpd_run_free(&run);
        return -1;
    }
    k = mcpd_pfctl_parse(run.out, run.out_len, port, service_port, r,
                         MAX_PF_RULES, NULL);
    for (i = 0; i < k && i < MAX_PF_RULES; i++)
        add_rule(out, max, n, "pf", r[i].text, r[i].action);
    mcpd_run_free(&run);
    return 0;
}

int
mcpd_sys_firewall(uint16_t port, struct mcpd_fw_rule *out, int max,
                  char *err)
{
    char aerr[MCPD_ERR_LEN] = "", perr[MCPD_ERR_LEN] = "";
    int n = 0, alf, pf;

    if (geteuid() != 0) {
        snprintf(err, MCPD_ERR_LEN, "not root: pf rules and the "
                 "Application Firewall are read as root");
        return -1;
    }
    alf = alf_rules(out, max, &n, aerr);
    pf = pf_rules(port, out, max, &n, perr);
    if (alf != 0 && pf != 0) {
        /* Both said why: the first half of each. */
        snprintf(err, MCPD_ERR_LEN, "%.120s; %.120s", aerr, perr);
        return -1;
    }
    return n < max ? n : max;
}

int
mcpd_sys_counters(struct mcpd_kcounters *out)
{
    static const char *const argv[] = { MCPD_MAC_NETSTAT, "-s", "-p", "tcp",
                                        NULL };
    struct mcpd_run r;
    uint64_t n;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (mcpd_run_child(argv, 0, 10, &r) == 0 && r.status == 0 &&
        mcpd_netstat_listen_overflows(r.out, r.out_len, &n) == 0) {
        /* XNU counts one thing (tcps_listendrop) where Linux counts
         * overflows and drops: both fields carry it. */
        out->listen_overflows = n;
        out->listen_drops = n;
        out->valid = 1;
        rc = 0;
    }
    mcpd_run_free(&r);
    return rc;
}

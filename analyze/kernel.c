/* \summary: the kernel evidence model: drops merged by reason, counted
 * from counters, and what each drop reason means */

#include <stdio.h>
#include <string.h>
#include "kernel.h"

void
mcpd_kernel_add_drop(struct mcpd_kernel *k, const char *reason,
                     uint32_t count)
{
    int d;

    for (d = 0; d < k->ndrops && d < MCPD_KDROPS; d++)
        if (strcmp(k->drops[d].reason, reason) == 0) {
            k->drops[d].count += count;
            return;
        }
    if (k->ndrops >= MCPD_KDROPS)
        return;
    snprintf(k->drops[k->ndrops].reason, sizeof(k->drops[0].reason), "%s",
             reason);
    k->drops[k->ndrops].count = count;
    k->ndrops++;
}

uint32_t
mcpd_kernel_drops(const struct mcpd_kernel *k, const char *reason)
{
    int d;

    for (d = 0; d < k->ndrops && d < MCPD_KDROPS; d++)
        if (strcmp(k->drops[d].reason, reason) == 0)
            return k->drops[d].count;
    return 0;
}

void
mcpd_kernel_listen_overflow(struct mcpd_kernel *k, uint64_t before,
                            uint64_t now)
{
    if (now <= before || mcpd_kernel_drops(k, "TCP_LISTEN_OVERFLOW"))
        return;
    mcpd_kernel_add_drop(k, "TCP_LISTEN_OVERFLOW", (uint32_t)(now - before));
    if (k->drops_matched_by == NULL)
        k->drops_matched_by = "counter";
}

void
mcpd_kernel_count_rule_drops(struct mcpd_kernel *k, const char *rule,
                             uint64_t gained, int nsyn)
{
    if (nsyn <= 0 || gained != (uint64_t)nsyn || strstr(rule, "REJECT"))
        return;
    if (k->ndrops == 1 &&
        mcpd_kernel_drops(k, "NETFILTER_DROP") == (uint32_t)nsyn)
        return;                 /* time matching found them all, alone */
    /* A packet is dropped once: drops of other reasons matched by time
     * were other packets' (another namespace's, the kernel does not say
     * which) and are let go. */
    memset(k->drops, 0, sizeof(k->drops));
    k->ndrops = 0;
    mcpd_kernel_add_drop(k, "NETFILTER_DROP", (uint32_t)nsyn);
    k->drops_matched_by = "counter";
}

const char *
mcpd_kdrop_meaning(const char *reason)
{
    static const struct {
        const char *reason, *meaning;
    } table[] = {
        { "NETFILTER_DROP", "a firewall rule (netfilter) dropped it" },
        { "NO_SOCKET", "no socket listens there" },
        { "TCP_LISTEN_OVERFLOW", "the listener's accept queue is full" },
        { "SOCKET_FILTER", "a socket filter (BPF) on the listener "
                           "dropped it" },
        { "SOCKET_BACKLOG", "the socket's backlog is full" },
        { "IP_RPFILTER", "reverse-path filtering (rp_filter) dropped it" },
        { "XFRM_POLICY", "an IPsec (xfrm) policy dropped it" },
        { "IP_INADDRERRORS", "the destination address is invalid here" },
        { "IP_INNOROUTES", "no route for it" },
        { "IP_OUTNOROUTES", "no route to send it" },
        { "SECURITY_HOOK", "a security module (SELinux, AppArmor) "
                           "dropped it" },
        { "BPF_CGROUP_EGRESS", "a cgroup BPF program dropped it" },
        { "TC_INGRESS", "a tc ingress filter dropped it" },
        { "TC_EGRESS", "a tc egress filter dropped it" },
        { "XDP", "an XDP program dropped it" },
        { "NEIGH_FAILED", "the next hop's link address did not resolve" },
    };
    size_t i;

    for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (strcmp(table[i].reason, reason) == 0)
            return table[i].meaning;
    return "the kernel dropped it";
}

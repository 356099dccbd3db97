/* \summary: the kernel's evidence about one connection (RST origin, drop
 * reasons, the firewall rule that moved) and the pure functions over it */
#ifndef MCPD_KERNEL_H
#define MCPD_KERNEL_H

#include <stdint.h>

/*
 * What the kernel said about a connection: filled by capture's and
 * probe's kernel witness (Linux, root), read by the verdict rules and the
 * report writers. Only data and pure functions live here: the witness
 * and the correlator that fill it are in capture/kcorrelate.c.
 */
#define MCPD_KDROPS 4
struct mcpd_kernel {
    char rst_origin[8];      /* "host", "other" or "" (no server RST) */
    char rst_reason[32];     /* the stack's reason, e.g. "NO_SOCKET" */
    const char *rst_matched_by;     /* "tuple" */
    struct {
        char reason[32];     /* e.g. "NETFILTER_DROP" */
        uint32_t count;
    } drops[MCPD_KDROPS];
    int ndrops;
    const char *drops_matched_by;   /* "time" */
    const char *client_matched_by;  /* "tuple" or "time" */
    char rule[240];          /* firewall rule whose counter moved */
};

/* Count `count` more drops of `reason` in k (merged by name; a reason
 * beyond the MCPD_KDROPS first is not kept). */
void mcpd_kernel_add_drop(struct mcpd_kernel *k, const char *reason,
                          uint32_t count);

/* Does k hold a drop of `reason`? Its count, 0 when not. */
uint32_t mcpd_kernel_drops(const struct mcpd_kernel *k, const char *reason);

/*
 * A full accept queue drops a SYN without a kfree_skb event on most
 * kernels; TcpExt ListenOverflows moves instead. For an unanswered
 * attempt: when the counter rose from `before` to `now`, and no event
 * named it, add the rise as TCP_LISTEN_OVERFLOW (matched by "counter").
 */
void mcpd_kernel_listen_overflow(struct mcpd_kernel *k, uint64_t before,
                                 uint64_t now);

/*
 * Make an unanswered attempt's NETFILTER_DROP count exact from a rule's
 * counter. kfree_skb carries no 4-tuple, so drops are matched to SYNs by
 * time, and a retransmitted SYN is sent from a timer: its drop runs in a
 * softirq that a busy host defers to ksoftirqd, sometimes past the
 * matching window. A rule's packet counter is exact: when the DROP rule
 * `rule` (not a REJECT) gained exactly the attempt's `nsyn` SYNs, those
 * packets were its SYNs (another sender's packets would have moved it
 * further): the drops become exactly nsyn NETFILTER_DROP, matched by
 * "counter", and drops of other reasons that time matching picked up
 * (unrelated packets dropped at the same moment) are let go.
 */
void mcpd_kernel_count_rule_drops(struct mcpd_kernel *k, const char *rule,
                                  uint64_t gained, int nsyn);

/* What a drop reason means, for people ("a firewall rule (netfilter)
 * dropped it"); a generic phrase for reasons not listed. */
const char *mcpd_kdrop_meaning(const char *reason);

#endif

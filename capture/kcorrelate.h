/* \summary: the kernel witness's events matched to one connection
 * attempt: RST origin, drop reasons, the firewall rule that moved */
#ifndef MCPD_KCORRELATE_H
#define MCPD_KCORRELATE_H

#include <stddef.h>
#include <stdint.h>
#include "flow.h"
#include "fwcount.h"
#include "witness.h"

/*
 * The events read from the witness while an attempt ran. A plain
 * array, not a ring: whoever polls knows when an attempt starts and
 * clears it then; events past the capacity are counted as overflow,
 * which forbids conclusions from absence just as a lost event does.
 */
struct mcpd_kstore {
    struct mcpd_kevent *ev;
    size_t cap, n;
    uint64_t overflow;       /* events that did not fit */
};

/* One connection attempt, as its maker saw it. */
struct mcpd_kattempt {
    struct mcpd_endpoint cli;    /* our end; port 0 when not known */
    struct mcpd_endpoint srv;    /* the server it was sent to */
    int64_t t0_ns, t1_ns;        /* CLOCK_REALTIME: first SYN, result */
    int32_t pid;                 /* process that sent the SYNs, 0 unknown */
    int refused;                 /* the server side answered with RST */
    int unanswered;              /* no SYN-ACK, RST or ICMP came back */
    int nsyn;                    /* SYNs sent, 0 unknown */
};

int mcpd_kstore_init(struct mcpd_kstore *s, size_t cap);
void mcpd_kstore_free(struct mcpd_kstore *s);
void mcpd_kstore_clear(struct mcpd_kstore *s);

/* An mcpd_kev_fn: ctx is the struct mcpd_kstore. */
void mcpd_kstore_add(void *ctx, const struct mcpd_kevent *ev);

/*
 * Fill k with what the kernel said about attempt a: who sent a RST
 * (the host's stack, by 4-tuple, or "other" when the witness saw every
 * event and none was it), and the drops of its SYNs (by time). `lost`
 * is what the witness lost so far (mcpd_witness_lost). Returns the
 * event of the connect() that made it (pid and command), or NULL.
 */
const struct mcpd_kevent *mcpd_kcorrelate(const struct mcpd_kstore *s,
                                          const struct mcpd_kattempt *a,
                                          uint64_t lost,
                                          struct mcpd_kernel *k);

/* Count `count` more drops of `reason` in k (merged by name). */
void mcpd_kernel_add_drop(struct mcpd_kernel *k, const char *reason,
                          uint32_t count);

/* Does k hold a drop of `reason`? Its count, 0 when not. */
uint32_t mcpd_kernel_drops(const struct mcpd_kernel *k, const char *reason);

/*
 * The drop or reject rule whose packet counter moved between two reads
 * of mcpd_fwwatch_moved (`before` may be empty: the watch's start),
 * into k->rule as "filter: -A INPUT ... -j DROP (+3 packets)". Returns
 * the packets it gained, 0 when no such rule moved.
 */
uint64_t mcpd_kernel_rule(struct mcpd_kernel *k,
                          const struct mcpd_fwrule *before, int nbefore,
                          const struct mcpd_fwrule *now, int nnow);

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

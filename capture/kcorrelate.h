/* \summary: the one correlator of kernel-witness events, for capture and
 * probe: RST origin, drop reasons, the firewall rule that moved */
#ifndef MCPD_KCORRELATE_H
#define MCPD_KCORRELATE_H

#include <stddef.h>
#include <stdint.h>
#include "fwcount.h"
#include "kernel.h"
#include "mcpd.h"
#include "witness.h"

/*
 * The events read from the witness: a bounded ring. A long capture keeps
 * the most recent `cap`; a probe clears it when an attempt starts. Two
 * indexes by port pair (the last connect and the last RST of each pair)
 * let a connection find its own events without a search under a flood.
 * Events are numbered from 0 since the store was made; those before
 * `first` (a clear) or overwritten are gone.
 */
struct mcpd_kstore {
    struct mcpd_kevent *ev;
    size_t cap;
    uint64_t n;              /* events ever added */
    uint64_t first;          /* number of the first since the last clear */
    uint64_t *conn_idx;      /* KSTORE_INDEX slots: number + 1, 0 empty */
    uint64_t *rst_idx;
};

/* One connection attempt, as its maker or the wire saw it. */
struct mcpd_kattempt {
    struct mcpd_endpoint cli;    /* our end; port 0 when not known */
    struct mcpd_endpoint srv;    /* the server it was sent to */
    int64_t t0_ns, t1_ns;        /* CLOCK_REALTIME: first SYN, result */
    int32_t pid;                 /* process that sent the SYNs, 0 unknown */
    int refused;                 /* the server side answered with RST */
    int synack;                  /* a SYN-ACK came back */
    int unanswered;              /* no SYN-ACK, RST or ICMP came back */
    int nsyn;                    /* SYNs sent, 0 unknown */
    const int64_t *syn_ns;       /* when each was sent (nsyn), or NULL */
};

int mcpd_kstore_init(struct mcpd_kstore *s, size_t cap);
void mcpd_kstore_free(struct mcpd_kstore *s);
void mcpd_kstore_clear(struct mcpd_kstore *s);

/* Events added since the last clear that are no longer kept. */
uint64_t mcpd_kstore_overflow(const struct mcpd_kstore *s);

/* An mcpd_kev_fn: ctx is the struct mcpd_kstore. A socket's event
 * leaving SYN_SENT names the local port of its connect(), which is
 * then indexed. */
void mcpd_kstore_add(void *ctx, const struct mcpd_kevent *ev);

/*
 * Fill k with what the kernel said about attempt a:
 * - the connect() that made it: by 4-tuple (its local port), else by
 *   destination and time when the port is not known yet;
 * - who sent a RST: the host's stack, by 4-tuple, or "other" when the
 *   witness kept every event of the attempt's time and none was it;
 * - the drops of its SYNs: kfree_skb carries no 4-tuple, so by IP
 *   version and time (near each SYN when their times are known); a drop
 *   in the attempt's own process counts, one elsewhere only when it
 *   repeats a reason seen there (retransmissions run from a timer, in
 *   whatever process is current), never more than the SYNs sent. With
 *   no process known, the drops near its SYNs count, as many as SYNs.
 * `lost` is what the witness lost so far (mcpd_witness_lost). Returns
 * the event of the connect() (pid and command), or NULL.
 */
const struct mcpd_kevent *mcpd_kcorrelate(const struct mcpd_kstore *s,
                                          const struct mcpd_kattempt *a,
                                          uint64_t lost,
                                          struct mcpd_kernel *k);

/*
 * The drop or reject rule whose packet counter gained the most between
 * two reads of mcpd_fwwatch_moved (`before` may be empty: the watch's
 * start), into k->rule as "filter: -A INPUT ... -j DROP (+3 packets)".
 * Returns the packets it gained, 0 when no such rule moved.
 */
uint64_t mcpd_kernel_rule(struct mcpd_kernel *k,
                          const struct mcpd_fwrule *before, int nbefore,
                          const struct mcpd_fwrule *now, int nnow);

#endif

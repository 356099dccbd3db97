/* \summary: the kernel witness: what the kernel itself says about each
 * connection attempt (one file per OS: witness_linux.c, witness_none.c) */
#ifndef MCPD_WITNESS_H
#define MCPD_WITNESS_H

#include <stddef.h>
#include <stdint.h>
#include "mcpd.h"

enum mcpd_kev_type {
    MCPD_KEV_CONNECT,        /* a socket entered or left SYN_SENT */
    MCPD_KEV_RST,            /* the TCP stack sent a RST, and why */
    MCPD_KEV_DROP            /* the kernel dropped a packet, and why */
};

/* One event, with its time on the same clock as packet timestamps. */
struct mcpd_kevent {
    enum mcpd_kev_type type;
    int64_t ts_ns;           /* CLOCK_REALTIME, ns */
    int32_t pid;             /* process in whose context it fired */
    char comm[16];           /* that process's name, "" if unknown */
    uint64_t sk;             /* socket address (CONNECT: pairs events) */
    struct mcpd_endpoint src;   /* CONNECT: local; RST: RST sender */
    struct mcpd_endpoint dst;   /* CONNECT: remote; RST: RST receiver */
    int oldstate, newstate;  /* CONNECT: TCP states (2 = SYN_SENT) */
    char reason[32];         /* RST/DROP: the kernel's reason name */
    uint16_t l3proto;        /* DROP: 0x0800 or 0x86dd */
};

struct mcpd_witness;

typedef void (*mcpd_kev_fn)(void *ctx, const struct mcpd_kevent *ev);

/*
 * Open the tracepoints (needs root or CAP_PERFMON + tracefs access):
 * connect state changes for `port` (0: any), RSTs the stack sends, and
 * packet drops with a reason. Returns NULL with err naming the missing
 * piece ("no tracefs", "perf_event_open: Permission denied", "this
 * kernel has no tcp_send_reset reason field") when it is not available.
 */
struct mcpd_witness *mcpd_witness_open(const uint16_t *ports, int nports,
                                       char *err, size_t errlen);

/* Read every event waiting now and pass each to fn. Returns the count. */
int mcpd_witness_poll(struct mcpd_witness *w, mcpd_kev_fn fn, void *ctx);

/* Events the kernel could not hand over (ring full). */
uint64_t mcpd_witness_lost(const struct mcpd_witness *w);

void mcpd_witness_close(struct mcpd_witness *w);

#endif

/* \summary: the kernel witness on macOS: there is none (no tracepoints
 * for TCP state changes, RSTs and drops that a program may read), and
 * it says so */

#include <stdio.h>
#include "platform.h"

struct mcpd_witness *
mcpd_witness_open(const uint16_t *ports, int nports, char *err,
                  size_t errlen)
{
    (void)ports;
    (void)nports;
    snprintf(err, errlen, "macOS has no kernel witness (no TCP "
             "tracepoints): the verdicts rest on the wire and the socket "
             "table");
    return NULL;
}

int
mcpd_witness_poll(struct mcpd_witness *w, mcpd_kev_fn fn, void *ctx)
{
    (void)w;
    (void)fn;
    (void)ctx;
    return 0;
}

uint64_t
mcpd_witness_lost(const struct mcpd_witness *w)
{
    (void)w;
    return 0;
}

void
mcpd_witness_close(struct mcpd_witness *w)
{
    (void)w;
}

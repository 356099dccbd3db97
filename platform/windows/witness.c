/* \summary: the kernel witness on Windows: there is none, and it says so */

#include <stdio.h>
#include "platform.h"

struct mcpd_witness *
mcpd_witness_open(const uint16_t *ports, int nports, char *err,
                  size_t errlen)
{
    (void)ports;
    (void)nports;
    /* TCP/IP ETW events would be the counterpart; they are not read. */
    snprintf(err, errlen, "there is no kernel witness on Windows (the "
             "kernel's own reasons are not read)");
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

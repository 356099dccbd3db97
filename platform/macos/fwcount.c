/* \summary: firewall rule counters on macOS: not read (pf keeps
 * per-rule counters, pfctl -vsr, but no helper reads them yet), and it
 * says so */

#include <stdio.h>
#include "platform.h"

struct mcpd_fwwatch *
mcpd_fwwatch_start(const uint16_t *ports, int nports, char *err,
                   size_t errlen)
{
    (void)ports;
    (void)nports;
    snprintf(err, errlen, "pf rule counters are not read on macOS: the "
             "rules themselves are listed (pfctl -sr)");
    return NULL;
}

int
mcpd_fwwatch_moved(struct mcpd_fwwatch *w, struct mcpd_fwrule *out, int max)
{
    (void)w;
    (void)out;
    (void)max;
    return 0;
}

void
mcpd_fwwatch_stop(struct mcpd_fwwatch *w)
{
    (void)w;
}

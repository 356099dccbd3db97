/* \summary: firewall rule counters on Windows: Windows Firewall keeps no
 * per-rule packet counters, so there are none to watch */

#include <stdio.h>
#include "platform.h"

struct mcpd_fwwatch *
mcpd_fwwatch_start(const uint16_t *ports, int nports, char *err,
                   size_t errlen)
{
    (void)ports;
    (void)nports;
    snprintf(err, errlen, "Windows Firewall keeps no per-rule counters "
             "(its rules are listed read only in the environment)");
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

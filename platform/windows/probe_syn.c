/* \summary: the raw SYN stage on Windows: Windows lets no program send
 * TCP on a raw socket (nor libnet without WinPcap's driver), so the
 * stage is skipped and says so; the connect stage still runs */

#include <stdio.h>
#include "probe_int.h"

void
mcpd_probe_syn(struct mcpd_probe *p)
{
    mcpd_probe_skip(p, "syn", "Windows sends no raw TCP segments (raw "
                    "sockets refuse TCP there): the connect's answer "
                    "stands alone");
}

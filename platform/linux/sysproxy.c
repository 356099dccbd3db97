/* \summary: system proxy settings where the OS keeps none: Linux's
 * desktop settings reach clients through the proxy variables */

#include <stdio.h>
#include <string.h>
#include "platform.h"

int
mcpd_plat_sysproxy(struct mcpd_sysproxy_set *out)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->source, sizeof(out->source), "%s",
             "Linux keeps no system proxy settings: clients "
             "read the proxy variables");
    return -1;
}

int
mcpd_plat_sysproxy_bypassed(const struct mcpd_sysproxy_set *s,
                            const char *host)
{
    (void)s;
    (void)host;
    return 0;
}

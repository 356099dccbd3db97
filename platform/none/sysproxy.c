/* \summary: system proxy settings where the OS keeps none: this
 * build names no OS */

#include <stdio.h>
#include <string.h>
#include "platform.h"

int
mcpd_plat_sysproxy(struct mcpd_sysproxy_set *out)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->source, sizeof(out->source), "%s",
             "this build has no OS backend to read system "
             "proxy settings from");
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

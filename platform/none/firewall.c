/* \summary: firewall and kernel counters where no backend exists yet */

#include <stdio.h>
#include <string.h>
#include "platform.h"

int
mcpd_sys_firewall(uint16_t port, struct mcpd_fw_rule *out, int max,
                  char *err)
{
    (void)port;
    (void)out;
    (void)max;
    snprintf(err, MCPD_ERR_LEN, "firewall inspection is not implemented "
             "on this platform");
    return -1;
}

int
mcpd_sys_counters(struct mcpd_kcounters *out)
{
    memset(out, 0, sizeof(*out));
    return -1;
}

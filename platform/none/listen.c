/* \summary: the kernel's socket table where no backend exists */

#include <stdio.h>
#include "platform.h"

int
mcpd_plat_listeners_noowner(uint16_t port, struct mcpd_listener *out,
                            int max, char *err)
{
    (void)port;
    (void)out;
    (void)max;
    snprintf(err, MCPD_ERR_LEN, "the socket table is not available on "
             "this platform");
    return -1;
}

/* \summary: live capture where no backend exists: none */

#include <stdio.h>
#include "platform.h"
#include "pcaplib.h"

const struct mcpd_pcaplib *
mcpd_plat_pcaplib(char *err)
{
    snprintf(err, MCPD_ERR_LEN, "live capture is not available on this "
             "platform");
    return NULL;
}

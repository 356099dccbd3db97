/* \summary: capture devices where no backend exists: none is named */

#include <stddef.h>
#include <stdio.h>
#include "platform.h"

const char *
mcpd_default_iface(void)
{
    return NULL;
}

const char *
mcpd_plat_any_iface(void)
{
    return NULL;
}

/* \summary: capture devices on Windows: Npcap's loopback adapter (the
 * library itself, Npcap's wpcap.dll, is loaded in pcaplib.c) */

#include <stdio.h>
#include "win.h"

const char *
mcpd_default_iface(void)
{
    /* Npcap installed with "Support loopback traffic" (the default)
     * names its adapter so; its packets are DLT_NULL. */
    return "\\Device\\NPF_Loopback";
}

const char *
mcpd_plat_any_iface(void)
{
    return NULL;    /* Npcap has no "any" device */
}

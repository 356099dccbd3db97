/* \summary: capture devices on macOS: the loopback lo0 by default (BPF,
 * link type DLT_NULL); libpcap has no "any" device here */

#include <stddef.h>
#include "platform.h"

const char *
mcpd_default_iface(void)
{
    return "lo0";
}

/* libpcap's "any" exists only on Linux (pcap-linux.c): on macOS each
 * interface is opened on its own. */
const char *
mcpd_plat_any_iface(void)
{
    return NULL;
}

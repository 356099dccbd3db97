/* \summary: capture devices on Linux: the loopback by default, and
 * libpcap's "any" for every interface at once */

#include <stddef.h>
#include "platform.h"

/* MCP servers under test listen on loopback; Linux names it "lo" (macOS
 * "lo0", in platform/macos/ when that port is made). */
const char *
mcpd_default_iface(void)
{
    return "lo";
}

/* The cooked "any" device sees loopback and every other interface alike
 * (Linux only in libpcap). */
const char *
mcpd_plat_any_iface(void)
{
    return "any";
}

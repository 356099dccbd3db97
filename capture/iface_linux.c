/* \summary: the default capture interface on Linux: the loopback */

#include "live.h"

/* MCP servers under test listen on loopback; Linux names it "lo" (macOS
 * "lo0", in iface_darwin.c when that port is made). */
const char *
mcpd_default_iface(void)
{
    return "lo";
}

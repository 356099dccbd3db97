/* \summary: fix lines where the platform is not known (fixcmd.h): what
 * to look at, in words, naming no tool */

#include <stddef.h>
#include "fixcmd.h"

static const struct mcpd_fixcmd table[] = {
    { "listeners_cmd", "list the programs listening on TCP port {port}" },
    { "addrs_cmd", "list the addresses listening on TCP port {port}" },
    { "conns_cmd", "list the TCP connections on port {port}" },
    { "queue_line", NULL },
    { "queue_line_p", NULL },
    { "overflow_line", NULL },
    { "counters_line", NULL },
    { "somaxconn", " and the system's cap on it" },
    { "somaxconn_set", " and the system's cap on it" },
    { "fw_rules_cmd", "list the firewall rules" },
    { "fw_rules2_cmd", NULL },
    { "fw_rules2_p", NULL },
    { "fw_reject_line", "look for a firewall rule that answers port {port} "
      "with a reset" },
    { "fw_reject_word", "reject" },
    { "fw_drop_line", "look for a firewall rule that drops port {port}" },
    { "route_cmd", "look up the route to {addr}" },
    { "neigh_line", NULL },
    { "root", "" },
    { "root_note", "   # as root" },
    { NULL, NULL },
};

const struct mcpd_fixcmd *
mcpd_plat_fixcmds(void)
{
    return table;
}

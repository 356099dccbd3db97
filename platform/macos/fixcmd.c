/* \summary: the commands fix lines name on macOS (fixcmd.h): lsof and
 * netstat for sockets, pf and the Application Firewall */

#include <stddef.h>
#include "fixcmd.h"

static const struct mcpd_fixcmd table[] = {
    { "listeners_cmd", "lsof -nP -iTCP:{port} -sTCP:LISTEN" },
    { "addrs_cmd", "lsof -nP -iTCP:{port} -sTCP:LISTEN" },
    { "conns_cmd", "netstat -an -p tcp | grep '\\.{port} '" },
    { "queue_line", "netstat -Lan -p tcp | grep '\\.{port} '   # qlen at "
      "maxqlen means the accept queue is full" },
    { "queue_line_p", "netstat -Lan -p tcp | grep '\\.{port} '   # qlen at "
      "maxqlen: the accept queue is full" },
    { "overflow_line", "netstat -s -p tcp | grep -i 'listen queue'" },
    { "counters_line", "netstat -s -p tcp | grep -i 'listen queue'" },
    { "somaxconn", " and kern.ipc.somaxconn" },
    { "somaxconn_set", " and raise the cap: sudo sysctl -w "
      "kern.ipc.somaxconn=4096" },
    { "fw_rules_cmd", "sudo pfctl -sr" },
    { "fw_rules2_cmd", "/usr/libexec/ApplicationFirewall/socketfilterfw "
      "--listapps   # the apps the Application Firewall blocks" },
    { "fw_rules2_p", "/usr/libexec/ApplicationFirewall/socketfilterfw "
      "--listapps   # the apps the Application Firewall blocks" },
    { "fw_reject_line", "sudo pfctl -sr | grep -w {port}   # rule out a pf "
      "'block return' rule" },
    { "fw_reject_word", "'block return'" },
    { "fw_drop_line", "sudo pfctl -vsr | grep -A2 -w {port}   # a block "
      "rule whose counter moves" },
    { "route_cmd", "route -n get {addr}" },
    { "neigh_line", "arp -an; ndp -an   # incomplete entries mean no host "
      "answers ARP/ND" },
    { "root", "sudo " },
    { "root_note", "" },
    { NULL, NULL },
};

const struct mcpd_fixcmd *
mcpd_plat_fixcmds(void)
{
    return table;
}

/* \summary: the commands fix lines name on Windows (fixcmd.h): netstat,
 * netsh and PowerShell, and "Run as administrator" where POSIX says
 * sudo. Windows has no listen-queue counters to name. */

#include <stddef.h>
#include "fixcmd.h"

static const struct mcpd_fixcmd table[] = {
    { "listeners_cmd", "netstat -ano | findstr :{port}" },
    { "addrs_cmd", "netstat -an | findstr :{port}" },
    { "conns_cmd", "netstat -ano | findstr :{port}" },
    { "queue_line", NULL },
    { "queue_line_p", NULL },
    { "overflow_line", NULL },
    { "counters_line", NULL },
    { "somaxconn", "" },
    { "somaxconn_set", "" },
    { "fw_rules_cmd", "netsh advfirewall firewall show rule name=all "
      "dir=in" },
    { "fw_rules2_cmd", "powershell \"Get-NetFirewallPortFilter -Protocol "
      "TCP | Where-Object LocalPort -eq {port} | Get-NetFirewallRule\"" },
    { "fw_rules2_p", "powershell \"Get-NetFirewallPortFilter -Protocol "
      "TCP | Where-Object LocalPort -eq {port} | Get-NetFirewallRule\"" },
    /* Windows Firewall drops what it blocks: a RST is from no rule. */
    { "fw_reject_line", NULL },
    { "fw_reject_word", "Block" },
    { "fw_drop_line", "netsh advfirewall firewall show rule name=all "
      "dir=in   # a Block rule on LocalPort {port} (Run as administrator)" },
    { "route_cmd", "route print" },
    { "neigh_line", "arp -a   # no entry for the address: no host answers "
      "ARP" },
    { "root", "" },
    { "root_note", "   # in a terminal opened with Run as administrator" },
    { NULL, NULL },
};

const struct mcpd_fixcmd *
mcpd_plat_fixcmds(void)
{
    return table;
}

/* \summary: the commands fix lines name on Linux (fixcmd.h) */

#include <stddef.h>
#include "fixcmd.h"

static const struct mcpd_fixcmd table[] = {
    { "listeners_cmd", "ss -ltnp 'sport = :{port}'" },
    { "addrs_cmd", "ss -ltn 'sport = :{port}'" },
    { "conns_cmd", "ss -tan 'dport = :{port} or sport = :{port}'" },
    { "queue_line", "ss -ltn 'sport = :{port}'   # Recv-Q at Send-Q means "
      "the accept queue is full" },
    { "queue_line_p", "ss -ltnp 'sport = :{port}'   # Recv-Q above Send-Q: "
      "the accept queue is full" },
    { "overflow_line", "sysctl net.ipv4.tcp_abort_on_overflow; nstat -az "
      "TcpExtListenOverflows" },
    { "counters_line", "nstat -az TcpExtListenOverflows TcpExtListenDrops" },
    { "somaxconn", " and net.core.somaxconn" },
    { "somaxconn_set", " and raise the cap: sudo sysctl -w "
      "net.core.somaxconn=4096" },
    { "fw_rules_cmd", "sudo iptables -S; sudo ip6tables -S" },
    { "fw_rules2_cmd", "sudo nft list ruleset | grep -n 'dport {port}'" },
    { "fw_rules2_p", "sudo nft -a list ruleset | grep -n 'dport {port}'" },
    { "fw_reject_line", "sudo iptables -S | grep -- '--dport {port}'   # "
      "rule out a tcp-reset REJECT" },
    { "fw_reject_word", "REJECT" },
    { "fw_drop_line", "sudo iptables -L -v -n | grep -w {port}   # a DROP "
      "rule whose counter moves" },
    { "route_cmd", "ip route get {addr}" },
    { "neigh_line", "ip neigh show   # FAILED entries mean no host answers "
      "ARP/ND" },
    { "root", "sudo " },
    { "root_note", "" },
    { NULL, NULL },
};

const struct mcpd_fixcmd *
mcpd_plat_fixcmds(void)
{
    return table;
}

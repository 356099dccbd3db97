/* \summary: the commands a fix line names, per platform: the few jobs
 * whose tool differs by OS (the listeners of a port, the firewall rules,
 * "as root"), one table per OS in platform/OS/fixcmd.c */
#ifndef MCPD_FIXCMD_H
#define MCPD_FIXCMD_H

#include <stddef.h>

/*
 * One row of an OS's table: a placeholder name ("listeners_cmd", written
 * {listeners_cmd} in a fix template) and its text on this OS, itself a
 * template that may hold {port} and {addr} (the caller fills them).
 * text NULL: this OS has no such command, and a fix line that names it
 * is left out. The keys (every OS has the same):
 *   listeners_cmd   the listeners of TCP port {port} and their processes
 *   addrs_cmd       the addresses listening on port {port}
 *   conns_cmd       the TCP connections on port {port}, any state
 *   queue_line      a whole line: the accept queue of the listener
 *   queue_line_p    the same, as probe words it (it has the process)
 *   overflow_line   a whole line: the listen-queue overflow counters and
 *                   the setting that turns an overflow into a RST
 *   counters_line   a whole line: the listen-queue overflow counters
 *   somaxconn       " and <the system's cap on a listen backlog>"
 *   somaxconn_set   " and raise the cap: <the command that raises it>"
 *   fw_rules_cmd    the firewall rules that may touch a port
 *   fw_rules2_cmd   a second place firewall rules live (nft; the
 *                   Application Firewall), with {port}
 *   fw_rules2_p     the same, as probe words it
 *   fw_reject_line  a whole line: rule out a firewall that answers RST
 *   fw_reject_word  what a rejecting rule is called ("REJECT")
 *   fw_drop_line    a whole line: a dropping rule whose counter moves
 *   route_cmd       the route to {addr}
 *   neigh_line      a whole line: the neighbour (ARP/ND) table
 *   root            the prefix that runs a command as root ("sudo ")
 *   root_note       what follows such a command where no prefix can
 *                   ("   # Run as administrator")
 */
struct mcpd_fixcmd {
    const char *key;
    const char *text;
};

/* This OS's table, ended by a row whose key is NULL. */
const struct mcpd_fixcmd *mcpd_plat_fixcmds(void);

/* This OS's text for key (NULL: none here), *known set to whether the
 * key is in the table at all. */
const char *mcpd_plat_fixcmd(const char *key, size_t keylen, int *known);

/*
 * Fill this OS's placeholders in tmpl into out (len bytes, always
 * NUL-terminated), and {port} too when port is not 0; any other {name}
 * is left as it is. Returns 1, or 0 when tmpl names a command this OS
 * does not have (out is then ""): leave that fix line out.
 */
int mcpd_fixcmd_fill(const char *tmpl, unsigned port, char *out,
                     size_t len);

#endif

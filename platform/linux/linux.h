/* \summary: what the Linux backend's files share among themselves (not
 * part of the platform interface) */
#ifndef MCPD_PLATFORM_LINUX_H
#define MCPD_PLATFORM_LINUX_H

#include <stdint.h>

/*
 * The one firewall-rule matcher: does the rule text name `port` as a
 * destination port, exactly, in a list or in a range (iptables
 * "--dport 3000", "-m multiport --dports 80,3000", "--dport 3000:3010";
 * nft "dport 3000", "dport { 80, 3000 }", "dport 3000-3010")? A port
 * that merely contains the digits ("--dports 30000" for 3000) does not
 * count. 1 or 0.
 */
int mcpd_fw_rule_has_dport(const char *rule, uint16_t port);

#endif

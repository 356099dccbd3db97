/* \summary: unit test of the one firewall-rule matcher (exact ports,
 * lists, ranges, multiport, nft sets) */

#include <stdio.h>
#include "linux.h"
#include "testhelp.h"

#define MATCH(cond) test_cond(#cond, cond)

int
main(void)
{
    /* iptables-save forms */
    MATCH(mcpd_fw_rule_has_dport("-A INPUT -p tcp -m tcp --dport 3000 "
                                 "-j DROP", 3000));
    MATCH(!mcpd_fw_rule_has_dport("-A INPUT -p tcp -m tcp --dport 30000 "
                                  "-j DROP", 3000));
    MATCH(!mcpd_fw_rule_has_dport("-A INPUT -p tcp -m tcp --dport 300 "
                                  "-j DROP", 3000));
    /* multiport: a port that only contains the digits is not ours */
    MATCH(!mcpd_fw_rule_has_dport("-A INPUT -p tcp -m multiport --dports "
                                  "30000 -j DROP", 3000));
    MATCH(!mcpd_fw_rule_has_dport("-A INPUT -p tcp -m multiport --dports "
                                  "80,13000,30001 -j DROP", 3000));
    MATCH(mcpd_fw_rule_has_dport("-A INPUT -p tcp -m multiport --dports "
                                 "80,3000 -j REJECT", 3000));
    MATCH(mcpd_fw_rule_has_dport("-A INPUT -p tcp -m multiport --dports "
                                 "80,2990:3010 -j DROP", 3000));
    MATCH(mcpd_fw_rule_has_dport("-A INPUT -p tcp --dport 2999:3000 "
                                 "-j DROP", 3000));
    MATCH(!mcpd_fw_rule_has_dport("-A INPUT -p tcp --dport 3001:3010 "
                                  "-j DROP", 3000));
    /* a source port or another number is not a destination port */
    MATCH(!mcpd_fw_rule_has_dport("-A OUTPUT -p tcp --sport 3000 -j DROP",
                                  3000));
    MATCH(!mcpd_fw_rule_has_dport("-A INPUT -s 10.0.30.0/24 -m comment "
                                  "--comment 3000 -j DROP", 3000));
    /* nft forms */
    MATCH(mcpd_fw_rule_has_dport("tcp dport 3000 drop", 3000));
    MATCH(mcpd_fw_rule_has_dport("tcp dport { 80, 3000 } drop", 3000));
    MATCH(!mcpd_fw_rule_has_dport("tcp dport { 80, 30000 } drop", 3000));
    MATCH(mcpd_fw_rule_has_dport("tcp dport 2000-4000 reject", 3000));
    MATCH(!mcpd_fw_rule_has_dport("tcp dport 3001-4000 reject", 3000));
    /* later dport after a non-matching one */
    MATCH(mcpd_fw_rule_has_dport("tcp dport 80 accept; tcp dport 3000 drop",
                                 3000));
    return test_report();
}

/* \summary: the commands fix lines name, per platform (fixcmd.h): every
 * table has every key, the cause texts name this OS's tools and no other
 * OS's, Linux's lines are the ones they always were, and a line naming a
 * command this OS lacks is left out */

#include <stdio.h>
#include <string.h>
#include "fixcmd.h"
#include "flow.h"
#include "verdict.h"
#include "testhelp.h"

#ifndef MCPD_FIXCMD_OS
#error "MCPD_FIXCMD_OS: the platform directory this test checks"
#endif

static const char *const keys[] = {
    "listeners_cmd", "addrs_cmd", "conns_cmd", "queue_line", "queue_line_p",
    "overflow_line", "counters_line", "somaxconn", "somaxconn_set",
    "fw_rules_cmd", "fw_rules2_cmd", "fw_rules2_p", "fw_reject_line",
    "fw_reject_word", "fw_drop_line", "route_cmd", "neigh_line", "root",
    "root_note",
};

static struct mcpd_flow flow;
static char fix[MCPD_MAX_FIX][MCPD_FIX_LEN];

/* The fix lines of cause c for 127.0.0.1:3000; how many. */
static int
fixes(enum mcpd_cause c)
{
    char summary[1024];

    return mcpd_cause_text(c, &flow, summary, sizeof(summary), fix,
                           MCPD_MAX_FIX);
}

/* Is needle in one of cause c's fix lines? */
static int
names(enum mcpd_cause c, const char *needle)
{
    int i, n = fixes(c);

    for (i = 0; i < n; i++)
        if (strstr(fix[i], needle))
            return 1;
    return 0;
}

/* Does any cause's fix line contain needle? */
static int
any_names(const char *needle)
{
    int c;

    for (c = 0; c < MCPD_C_COUNT; c++)
        if (names((enum mcpd_cause)c, needle))
            return 1;
    return 0;
}

static void
test_table(void)
{
    const struct mcpd_fixcmd *r;
    size_t i;
    int n = 0, known;

    for (r = mcpd_plat_fixcmds(); r->key; r++)
        n++;
    test_cond("the table has one row per key",
              n == (int)(sizeof(keys) / sizeof(keys[0])));
    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        mcpd_plat_fixcmd(keys[i], strlen(keys[i]), &known);
        if (!known)
            printf("missing key %s\n", keys[i]);
        test_cond("every key is in the table", known);
    }
    mcpd_plat_fixcmd("nosuch", 6, &known);
    test_cond("an unknown key is not known", !known);
    test_cond("listeners_cmd names the port",
              strstr(mcpd_plat_fixcmd("listeners_cmd", 13, &known),
                     "{port}") != NULL);
}

static void
test_fill(void)
{
    char out[256];
    const char *t;
    int known;

    test_cond("fill: the port and the command",
              mcpd_fixcmd_fill("{listeners_cmd} # {port} {addr} {x",
                               8080, out, sizeof(out)) == 1 &&
              strstr(out, "8080 {addr} {x") && !strstr(out, "{port}") &&
              !strstr(out, "listeners_cmd"));
    test_cond("fill: port 0 leaves {port}",
              mcpd_fixcmd_fill("{addrs_cmd}", 0, out, sizeof(out)) == 1 &&
              strstr(out, "{port}"));
    test_cond("fill: a short buffer is cut and ended",
              mcpd_fixcmd_fill("{listeners_cmd}", 3000, out, 6) == 1 &&
              strlen(out) == 5);
    t = mcpd_plat_fixcmd("queue_line", 10, &known);
    test_cond("fill: a line naming a command this OS lacks is left out",
              t != NULL || (mcpd_fixcmd_fill("x {queue_line}", 1, out,
                                             sizeof(out)) == 0 &&
                            out[0] == '\0'));
}

static void
test_os(void)
{
    const char *os = MCPD_FIXCMD_OS;
    int n;

    if (strcmp(os, "linux") == 0) {
        /* Byte for byte what the Linux build has always printed. */
        n = fixes(MCPD_C_NO_LISTENER);
        test_cond("linux: no_listener",
                  n == 3 && strcmp(fix[0], "ss -ltnp 'sport = :3000'   # is "
                                   "anything listening, on which address?")
                  == 0 && strcmp(fix[2], "sudo iptables -S | grep -- "
                                 "'--dport 3000'   # rule out a tcp-reset "
                                 "REJECT") == 0);
        n = fixes(MCPD_C_FIREWALL_REJECT);
        test_cond("linux: firewall_reject",
                  n == 3 && strcmp(fix[0], "sudo iptables -S; sudo "
                                   "ip6tables -S   # look for REJECT rules "
                                   "on port 3000") == 0 &&
                  strcmp(fix[1], "sudo nft list ruleset | grep -n 'dport "
                         "3000'") == 0);
        n = fixes(MCPD_C_FIREWALL_DROP);
        test_cond("linux: firewall_drop",
                  n == 3 && strcmp(fix[0], "sudo iptables -L -v -n | grep "
                                   "-w 3000   # a DROP rule whose counter "
                                   "moves") == 0 &&
                  strcmp(fix[2], "ip route get 127.0.0.1   # is the address "
                         "routed where you expect?") == 0);
        n = fixes(MCPD_C_LISTEN_QUEUE_OVERFLOW);
        test_cond("linux: listen_queue_overflow",
                  n == 3 && strcmp(fix[0], "ss -ltn 'sport = :3000'   # "
                                   "Recv-Q at Send-Q means the accept queue "
                                   "is full") == 0 &&
                  strcmp(fix[1], "nstat -az TcpExtListenOverflows "
                         "TcpExtListenDrops") == 0 &&
                  strcmp(fix[2], "unblock the server's accept loop; raise "
                         "its listen backlog and net.core.somaxconn") == 0);
        n = fixes(MCPD_C_HOST_UNREACHABLE);
        test_cond("linux: host_unreachable",
                  n == 2 && strcmp(fix[1], "ip neigh show   # FAILED "
                                   "entries mean no host answers ARP/ND")
                  == 0);
        n = fixes(MCPD_C_ANSWER_REJECTED);
        test_cond("linux: answer_rejected",
                  n == 2 && strcmp(fix[0], "ss -tan 'dport = :3000 or "
                                   "sport = :3000'   # an old connection on "
                                   "that 4-tuple") == 0);
        n = fixes(MCPD_C_NO_TRAFFIC);
        test_cond("linux: incomplete_capture",
                  n == 1 && strcmp(fix[0], "sudo mcpdiag capture "
                                   "127.0.0.1:3000 -- <your client "
                                   "command>") == 0);
        return;
    }
    /* Elsewhere no line names a Linux tool. */
    test_cond("no iptables", !any_names("iptables"));
    test_cond("no nft", !any_names("nft "));
    test_cond("no ss", !any_names("ss -"));
    test_cond("no nstat", !any_names("nstat"));
    test_cond("no ip route", !any_names("ip route"));
    test_cond("no net.core", !any_names("net.core") &&
              !any_names("net.ipv4"));
    if (strcmp(os, "windows") == 0) {
        test_cond("windows: no_listener names netstat -ano",
                  fixes(MCPD_C_NO_LISTENER) == 2 &&
                  strcmp(fix[0], "netstat -ano | findstr :3000   # is "
                         "anything listening, on which address?") == 0);
        test_cond("windows: firewall_drop names netsh",
                  names(MCPD_C_FIREWALL_DROP, "netsh advfirewall firewall "
                        "show rule name=all dir=in"));
        test_cond("windows: firewall_reject names Get-NetFirewallRule",
                  names(MCPD_C_FIREWALL_REJECT, "LocalPort -eq 3000"));
        test_cond("windows: no sudo", !any_names("sudo"));
        test_cond("windows: capture as administrator",
                  fixes(MCPD_C_NO_TRAFFIC) == 1 &&
                  strncmp(fix[0], "mcpdiag capture 127.0.0.1:3000", 30) == 0
                  && strstr(fix[0], "Run as administrator"));
        test_cond("windows: no listen-queue counters",
                  fixes(MCPD_C_LISTEN_QUEUE_OVERFLOW) == 1);
    } else if (strcmp(os, "macos") == 0) {
        test_cond("macos: no_listener names lsof",
                  names(MCPD_C_NO_LISTENER, "lsof -nP -iTCP:3000 "
                        "-sTCP:LISTEN"));
        test_cond("macos: firewall_reject names pfctl and socketfilterfw",
                  names(MCPD_C_FIREWALL_REJECT, "sudo pfctl -sr") &&
                  names(MCPD_C_FIREWALL_REJECT, "socketfilterfw --listapps"));
        test_cond("macos: route -n get",
                  names(MCPD_C_FIREWALL_DROP, "route -n get 127.0.0.1"));
    } else {
        /* none: words, no tool and no sudo. */
        test_cond("none: no sudo", !any_names("sudo"));
        test_cond("none: no netstat, lsof or netsh", !any_names("netstat") &&
                  !any_names("lsof") && !any_names("netsh"));
        test_cond("none: no_listener says what to list",
                  names(MCPD_C_NO_LISTENER, "list the programs listening on "
                        "TCP port 3000"));
    }
}

int
main(void)
{
    flow.srv.ip.family = 4;
    flow.srv.ip.a[0] = 127;
    flow.srv.ip.a[3] = 1;
    flow.srv.port = 3000;
    printf("fix commands of platform %s\n", MCPD_FIXCMD_OS);
    test_table();
    test_fill();
    test_os();
    return test_report();
}

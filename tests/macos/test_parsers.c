/* \summary: the macOS tool-output parsers (platform/macos/parse_*.c)
 * against fixtures in the tools' documented formats, and against
 * hostile output: every truncation, control characters, long lines */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "macos.h"
#include "testhelp.h"

static const char *fixdir;

/* A fixture's bytes (malloc'd) and length; exits when missing. */
static char *
fixture(const char *name, size_t *len)
{
    char path[1024];
    FILE *f;
    char *buf;
    long n;

    snprintf(path, sizeof(path), "%s/%s", fixdir, name);
    f = fopen(path, "rb");
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
        printf("cannot read %s\n", path);
        exit(1);
    }
    rewind(f);
    buf = malloc((size_t)n + 1);
    if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n)
        exit(1);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static int
ip_is(const struct mcpd_ip *ip, const char *text)
{
    char b[MCPD_IP_STRLEN];
    return strcmp(mcpd_ip_str(ip, b, sizeof(b)), text) == 0;
}

static void
test_lsof(void)
{
    struct mcpd_lsof_sock s[8];
    size_t len;
    char *buf = fixture("lsof-listen.txt", &len);
    int bad = -1, n = mcpd_lsof_parse(buf, len, s, 8, &bad);

    test_cond("lsof: five sockets", n == 5);
    test_cond("lsof: nothing unreadable", bad == 0);
    test_cond("lsof: pid, command, user", s[0].pid == 812 &&
              strcmp(s[0].command, "node") == 0 && s[0].uid == 501 &&
              s[0].has_uid && strcmp(s[0].user, "alice") == 0);
    test_cond("lsof: v4 listener", s[0].family == 4 && s[0].tcp &&
              s[0].fd == 23 && ip_is(&s[0].local.ip, "127.0.0.1") &&
              s[0].local.port == 3000 && s[0].remote.ip.family == 0 &&
              strcmp(s[0].state, "LISTEN") == 0 && s[0].queue_recv == 0);
    test_cond("lsof: [::1]", s[1].family == 6 &&
              ip_is(&s[1].local.ip, "::1") && s[1].local.port == 3000);
    test_cond("lsof: connection", ip_is(&s[2].remote.ip, "127.0.0.1") &&
              s[2].remote.port == 52144 &&
              strcmp(s[2].state, "ESTABLISHED") == 0);
    test_cond("lsof: name with a blank, wildcard v6",
              s[3].pid == 9041 &&
              strcmp(s[3].command, "Google Chrome H") == 0 &&
              s[3].local_any && s[3].local.ip.family == 6 &&
              ip_is(&s[3].local.ip, "::") && s[3].local.port == 3000);
    test_cond("lsof: no T queue fields",
              strcmp(s[4].state, "SYN_SENT") == 0 &&
              s[4].queue_recv == -1 && s[4].remote.port == 443);
    /* Too small an array: counted, not written past. */
    n = mcpd_lsof_parse(buf, len, s, 2, NULL);
    test_cond("lsof: counts past max", n == 5);
    free(buf);
}

static void
test_lsof_hostile(void)
{
    static const char nul[] = "p77\0cevil\0u0\0f3\0tIPv4\0PTCP\0"
                              "n127.0.0.1:8080\0";
    static const char ctl[] = "p5\nc\x1b[31mred\x07\nf1\ntIPv4\nPTCP\n"
                              "n127.0.0.1:70000\nf2\ntIPv4\nPTCP\n"
                              "n1.2.3.4:22\nf9\ntIPv4\nn1.2.3.4\n";
    struct mcpd_lsof_sock s[4];
    char *big;
    int bad, n;
    size_t i;

    /* -F0: NUL ends each field. */
    n = mcpd_lsof_parse(nul, sizeof(nul) - 1, s, 4, &bad);
    test_cond("lsof -F0: one socket", n == 1 && s[0].pid == 77 &&
              strcmp(s[0].command, "evil") == 0 && s[0].local.port == 8080);
    n = mcpd_lsof_parse(ctl, sizeof(ctl) - 1, s, 4, &bad);
    test_cond("lsof: port 70000 and a bare host refused", n == 1 &&
              bad == 2 && s[0].local.port == 22);
    test_cond("lsof: control characters shown as ?",
              strcmp(s[0].command, "?[31mred?") == 0);
    /* A 1 MiB command name: cut to the field. */
    big = malloc((1u << 20) + 64);
    if (big == NULL)
        exit(1);
    memcpy(big, "p1\nc", 4);
    memset(big + 4, 'A', 1u << 20);
    memcpy(big + 4 + (1u << 20), "\nf1\ntIPv4\nn127.0.0.1:1\n", 23);
    n = mcpd_lsof_parse(big, 4 + (1u << 20) + 23, s, 4, &bad);
    test_cond("lsof: a huge field is cut", n == 1 &&
              strlen(s[0].command) == sizeof(s[0].command) - 1);
    /* Every truncation of the output parses to a prefix of the answer. */
    {
        size_t len;
        char *buf = fixture("lsof-listen.txt", &len);
        int ok = 1;
        for (i = 0; i <= len; i++) {
            char *cut = malloc(i ? i : 1);
            if (cut == NULL)
                exit(1);
            memcpy(cut, buf, i);
            n = mcpd_lsof_parse(cut, i, s, 4, &bad);
            if (n < 0 || n > 5)
                ok = 0;
            free(cut);
        }
        test_cond("lsof: every truncation reads", ok);
        free(buf);
    }
    free(big);
}

static void
test_scutil(void)
{
    struct mcpd_sysproxy px;
    size_t len;
    char *buf = fixture("scutil-proxy.txt", &len);
    int bad = -1;

    test_cond("scutil: a dictionary",
              mcpd_scutil_proxy_parse(buf, len, &px, &bad) == 0 && px.valid);
    test_cond("scutil: nothing unreadable", bad == 0);
    test_cond("scutil: HTTP", px.http.enabled && px.http.port == 3128 &&
              strcmp(px.http.host, "proxy.corp.example") == 0);
    test_cond("scutil: HTTPS not mixed with HTTP", px.https.enabled &&
              px.https.port == 3129 && strcmp(px.https.host, "10.1.2.3") == 0);
    test_cond("scutil: SOCKS off", !px.socks.enabled &&
              px.socks.port == 1080);
    test_cond("scutil: PAC", !px.pac_enabled && strcmp(px.pac_url,
              "http://wpad.corp.example/proxy.pac") == 0);
    test_cond("scutil: exceptions", px.nexceptions == 3 &&
              strcmp(px.exceptions[0], "*.local") == 0 &&
              strcmp(px.exceptions[2], "localhost") == 0 &&
              px.exclude_simple);
    free(buf);
    buf = fixture("scutil-proxy-none.txt", &len);
    test_cond("scutil: no proxy",
              mcpd_scutil_proxy_parse(buf, len, &px, NULL) == 0 &&
              !px.http.enabled && !px.https.enabled &&
              px.http.host[0] == '\0' && px.nexceptions == 2);
    free(buf);
    {
        static const char junk[] = "No proxy\x1b]0;x\x07\n";
        static const char hostile[] =
            "<dictionary> {\n  HTTPEnable : 99999999\n"
            "  HTTPProxy : evil\x1b[2J.example\n  HTTPPort : 65536\n"
            "  ExceptionsList : <array> {\n    0 : a\n";
        test_cond("scutil: no dictionary",
                  mcpd_scutil_proxy_parse(junk, sizeof(junk) - 1, &px,
                                          &bad) == -1 && !px.valid);
        test_cond("scutil: hostile values refused, truncated list kept",
                  mcpd_scutil_proxy_parse(hostile, sizeof(hostile) - 1,
                                          &px, &bad) == 0 && bad == 2 &&
                  !px.http.enabled && px.http.port == 0 &&
                  strcmp(px.http.host, "evil?[2J.example") == 0 &&
                  px.nexceptions == 1);
    }
}

static void
test_alf(void)
{
    struct mcpd_alf a;
    size_t len;
    char *buf = fixture("socketfilterfw-older.txt", &len);
    int bad = -1;

    mcpd_alf_parse(buf, len, &a, &bad);
    test_cond("alf older: state, block all, stealth", a.state == 1 &&
              a.block_all == 0 && a.stealth == 1 && bad == 0);
    test_cond("alf older: apps", a.napps_total == 3 && a.napps == 3 &&
              strcmp(a.apps[0].path,
                     "/Applications/Visual Studio Code.app") == 0 &&
              a.apps[0].allow == 1 &&
              strcmp(a.apps[1].path, "/usr/local/bin/node") == 0 &&
              a.apps[1].allow == 0 && a.apps[2].allow == 1);
    free(buf);
    buf = fixture("socketfilterfw-newer.txt", &len);
    mcpd_alf_parse(buf, len, &a, &bad);
    test_cond("alf newer wording", a.state == 2 && a.block_all == 1 &&
              a.stealth == 0 && a.napps == 1 && a.apps[0].allow == 0 &&
              bad == 0);
    free(buf);
    buf = fixture("socketfilterfw-off.txt", &len);
    mcpd_alf_parse(buf, len, &a, &bad);
    test_cond("alf off", a.state == 0 && a.block_all == 0 &&
              a.stealth == 0 && a.napps_total == 0 && a.napps == 0);
    free(buf);
    mcpd_alf_parse("", 0, &a, &bad);
    test_cond("alf: nothing printed is unknown, not off", a.state == -1 &&
              a.block_all == -1 && a.stealth == -1 && a.napps_total == -1);
    {
        char many[200 * 40];
        size_t k = 0;
        int i;
        for (i = 0; i < 100; i++)
            k += (size_t)snprintf(many + k, sizeof(many) - k,
                                  "%d : /x/\x1b%d\n ( Allow incoming "
                                  "connections )\n", i + 1, i);
        mcpd_alf_parse(many, k, &a, &bad);
        test_cond("alf: 100 apps counted, 64 kept, controls as ?",
                  a.napps == 100 && strcmp(a.apps[63].path, "/x/?63") == 0 &&
                  a.apps[63].allow == 1);
    }
}

static int
fake_services(const char *name, uint16_t *port)
{
    if (strcmp(name, "hbci") == 0) {
        *port = 3000;
        return 0;
    }
    return -1;
}

static void
test_pfctl(void)
{
    struct mcpd_pf_rule r[16];
    size_t len;
    char *buf = fixture("pfctl-sr.txt", &len);
    int bad = -1, n;

    n = mcpd_pfctl_parse(buf, len, 3000, fake_services, r, 16, &bad);
    test_cond("pf: seven rules bear on 3000", n == 7 && bad == 0);
    test_cond("pf: exact port, drop", n > 0 &&
              strstr(r[0].text, "127.0.0.1 port = 3000") &&
              strcmp(r[0].action, "drop") == 0 && !r[0].any_port);
    test_cond("pf: range, return", n > 1 && strstr(r[1].text, "3000:3010") &&
              strcmp(r[1].action, "reject") == 0);
    test_cond("pf: >< and !=", n > 3 && strstr(r[2].text, "><") &&
              strcmp(r[2].action, "accept") == 0 &&
              strstr(r[3].text, "!= 22"));
    test_cond("pf: a service name", n > 4 && strstr(r[4].text, "hbci") &&
              strcmp(r[4].action, "reject") == 0);
    test_cond("pf: a block rule without a port", n > 5 &&
              r[5].any_port && strstr(r[5].text, "on en0 all"));
    test_cond("pf: a { list }", n > 6 && strstr(r[6].text, "{ 80 3000 }"));
    n = mcpd_pfctl_parse(buf, len, 3000, NULL, r, 16, &bad);
    test_cond("pf: without a service lookup, names do not match", n == 6);
    n = mcpd_pfctl_parse(buf, len, 30000, NULL, r, 16, &bad);
    test_cond("pf: 30000 is not 3000", n == 3 &&
              strstr(r[0].text, "port = 30000") &&
              strstr(r[1].text, "!= 22") && r[2].any_port);
    test_cond("pf: a source port is not a destination",
              !mcpd_pf_rule_has_dport("block drop in proto tcp from any "
                                      "port = 3000 to any", 51, 3000, NULL));
    test_cond("pf: <> excludes", !mcpd_pf_rule_has_dport(
              "pass in from any to any port 2000 <> 4000", 41, 3000, NULL) &&
              mcpd_pf_rule_has_dport(
              "pass in from any to any port 2000 <> 4000", 41, 4001, NULL));
    test_cond("pf: <= and >", mcpd_pf_rule_has_dport(
              "block in from any to any port <= 3000", 37, 3000, NULL) &&
              !mcpd_pf_rule_has_dport(
              "block in from any to any port > 3000", 36, 3000, NULL));
    test_cond("pf: plain block drops",
              strcmp(mcpd_pf_rule_action("block in all", 12), "drop") == 0 &&
              strcmp(mcpd_pf_rule_action("block return", 12), "reject") == 0);
    {
        static const char hostile[] = "block drop in from any to any "
                                      "port = 3000 label \"\x1b[2J\"\n"
                                      "No ALTQ support in kernel\n"
                                      "block drop in from any to any port {";
        n = mcpd_pfctl_parse(hostile, sizeof(hostile) - 1, 3000, NULL, r,
                             16, &bad);
        test_cond("pf: hostile lines", n == 1 && bad == 1 &&
                  strstr(r[0].text, "\"?[2J\""));
    }
    free(buf);
}

static void
test_netstat(void)
{
    struct mcpd_netstat_sock s[8];
    size_t len;
    char *buf = fixture("netstat-anv-older.txt", &len);
    int bad = -1, n = mcpd_netstat_parse(buf, len, s, 8, &bad);

    test_cond("netstat older: six TCP lines", n == 6 && bad == 0);
    test_cond("netstat older: connection with pid", s[0].family == 4 &&
              ip_is(&s[0].local.ip, "127.0.0.1") && s[0].local.port == 3000 &&
              s[0].remote.port == 52144 && s[0].pid == 812 &&
              strcmp(s[0].state, "ESTABLISHED") == 0 && !s[0].command[0]);
    test_cond("netstat older: listeners", strcmp(s[2].state, "LISTEN") == 0 &&
              s[2].remote.ip.family == 0 && s[3].family == 6 &&
              ip_is(&s[3].local.ip, "::1") && s[3].pid == 812);
    test_cond("netstat older: tcp46 wildcard", s[4].family == 46 &&
              s[4].local.ip.family == 6 && ip_is(&s[4].local.ip, "::") &&
              s[4].local.port == 8080 && s[4].pid == 377);
    test_cond("netstat older: scoped address", ip_is(&s[5].local.ip,
              "fe80::1") && s[5].local.port == 3000);
    free(buf);
    buf = fixture("netstat-anv-newer.txt", &len);
    n = mcpd_netstat_parse(buf, len, s, 8, &bad);
    test_cond("netstat newer: three TCP lines", n == 3 && bad == 0);
    test_cond("netstat newer: process:pid", s[0].pid == 812 &&
              strcmp(s[0].command, "node") == 0);
    test_cond("netstat newer: a name with blanks",
              s[1].pid == 9041 && strcmp(s[1].command, "Google Chrome H") == 0);
    test_cond("netstat newer: SYN_SENT", strcmp(s[2].state, "SYN_SENT") == 0 &&
              s[2].pid == 5511 && s[2].send_q == 0);
    /* Without the header no pid is guessed. */
    {
        const char *nl = strchr(buf, '\n');
        const char *nl2 = nl ? strchr(nl + 1, '\n') : NULL;
        if (nl2 != NULL) {
            n = mcpd_netstat_parse(nl2 + 1, len - (size_t)(nl2 + 1 - buf),
                                   s, 8, &bad);
            test_cond("netstat: no header, no pid", n == 3 &&
                      s[0].pid == -1 && s[0].local.port == 3000);
        }
    }
    {
        static const char hostile[] =
            "Proto Recv-Q Send-Q Local Address Foreign Address (state) pid\n"
            "tcp4 0 0 127.0.0.1.99999 *.* LISTEN 1\n"
            "tcp4 0 0 300.0.0.1.80 *.* LISTEN 1\n"
            "tcp4 x 0 127.0.0.1.80 *.* LISTEN 1\n"
            "tcp4 0 0 127.0.0.1.80 *.* LIS\x1bTEN 99999999999\n"
            "tcp6 0 0 ::1";
        n = mcpd_netstat_parse(hostile, sizeof(hostile) - 1, s, 8, &bad);
        test_cond("netstat: hostile lines", n == 1 && bad == 4 &&
                  strcmp(s[0].state, "LIS?TEN") == 0 && s[0].pid == -1);
    }
    free(buf);
}

/* --lsof: parse lsof -F output on stdin and print one line per socket
 * (pid, uid, command, family, local address, port, state) for the live
 * test to check against what it started. */
static int
lsof_stdin(void)
{
    static char buf[1 << 20];
    struct mcpd_lsof_sock s[64];
    size_t len = fread(buf, 1, sizeof(buf), stdin);
    int bad, n = mcpd_lsof_parse(buf, len, s, 64, &bad), i;

    for (i = 0; i < n && i < 64; i++) {
        char a[MCPD_IP_STRLEN];
        printf("%d %u %s %d %s %u %s\n", (int)s[i].pid, (unsigned)s[i].uid,
               s[i].command, s[i].family,
               mcpd_ip_str(&s[i].local.ip, a, sizeof(a)),
               (unsigned)s[i].local.port, s[i].state[0] ? s[i].state : "-");
    }
    printf("bad %d\n", bad);
    return 0;
}

static void
test_netstat_s(void)
{
    static const char out[] =
        "tcp:\n\t4213 packets sent\n\t\t0 bad connection attempts\n"
        "\t\t17 listen queue overflows\n\t\t1 ignored RSTs in the "
        "windows\n";
    static const char one[] = "\t1 listen queue overflow\n";
    static const char none[] = "tcp:\n\tlisten queue overflows\n"
                               "\tx listen queue overflows\n";
    uint64_t n = 0;

    test_cond("netstat -s: overflows", mcpd_netstat_listen_overflows(
              out, sizeof(out) - 1, &n) == 0 && n == 17);
    test_cond("netstat -s: singular", mcpd_netstat_listen_overflows(
              one, sizeof(one) - 1, &n) == 0 && n == 1);
    test_cond("netstat -s: no number, no answer",
              mcpd_netstat_listen_overflows(none, sizeof(none) - 1, &n) ==
              -1);
}

int
main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--lsof") == 0)
        return lsof_stdin();
    if (argc != 2) {
        fprintf(stderr, "usage: %s FIXTURE-DIR | --lsof\n", argv[0]);
        return 2;
    }
    fixdir = argv[1];
    test_lsof();
    test_lsof_hostile();
    test_scutil();
    test_alf();
    test_pfctl();
    test_netstat();
    test_netstat_s();
    return test_report();
}

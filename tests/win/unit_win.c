/* \summary: the Windows platform backend (platform/windows/) under wine:
 * owners from the TCP table, the child runner, the firewall rule reader,
 * output files, random bytes, this process's environment, Npcap's check */

#include "win.h"
#include "pcaplib.h"
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testhelp.h"

static int under_wine;

/* Child mode: print each argument on a line, "to stderr" on stderr,
 * exit 7; or sleep (the runner's timeout must end it). */
static int
child(int argc, char **argv)
{
    int i;

    if (strcmp(argv[1], "--sleep") == 0) {
        Sleep(60000);
        return 0;
    }
    for (i = 2; i < argc; i++)
        printf("[%s]\n", argv[i]);
    fprintf(stderr, "to stderr\n");
    return 7;
}

static void
test_owners(void)
{
    struct sockaddr_in sa, ca;
    int sl = sizeof(sa), cl = sizeof(ca), n;
    SOCKET ls, cs, as;
    struct mcpd_listener l[4];
    struct mcpd_endpoint local, remote;
    struct mcpd_owner o;
    enum mcpd_visibility vis = MCPD_VIS_NONE;
    char err[MCPD_ERR_LEN] = "";

    ls = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    test_cond("bind and listen on 127.0.0.1",
              bind(ls, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
              listen(ls, 4) == 0 &&
              getsockname(ls, (struct sockaddr *)&sa, &sl) == 0);
    n = mcpd_owner_listeners(ntohs(sa.sin_port), l, 4, &vis, err);
    if (n < 0)
        printf("mcpd_owner_listeners: %s\n", err);
    test_cond("one listener on the port", n == 1);
    if (under_wine) {
        /* wine's server holds every socket: the table says pid 0, which
         * means no owner (as TIME_WAIT's on Windows). */
        test_cond("under wine: no owner, no name",
                  n >= 1 && l[0].owner.pid == -1 &&
                  l[0].owner.command[0] == '\0');
    } else {
        test_cond("owned by this process", n >= 1 &&
                  l[0].owner.pid == (int32_t)GetCurrentProcessId());
        test_cond("named by its image", n >= 1 &&
                  _stricmp(l[0].owner.command, "unit_win.exe") == 0);
    }
    test_cond("at 127.0.0.1", n >= 1 && l[0].local.ip.family == 4 &&
              memcmp(l[0].local.ip.a, "\x7f\0\0\x01", 4) == 0);
    test_cond("every owner visible", vis == MCPD_VIS_FULL);
    n = mcpd_plat_listeners_noowner(ntohs(sa.sin_port), l, 4, err);
    test_cond("the table alone: the same listener, no owner",
              n == 1 && l[0].owner.pid == -1);

    cs = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    test_cond("connect to it",
              connect(cs, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
              getsockname(cs, (struct sockaddr *)&ca, &cl) == 0);
    as = accept(ls, NULL, NULL);
    memset(&local, 0, sizeof(local));
    memset(&remote, 0, sizeof(remote));
    local.ip.family = remote.ip.family = 4;
    memcpy(local.ip.a, &ca.sin_addr, 4);
    memcpy(remote.ip.a, &sa.sin_addr, 4);
    local.port = ntohs(ca.sin_port);
    remote.port = ntohs(sa.sin_port);
    test_cond("the client socket is found",
              mcpd_owner_lookup(&local, &remote, &o, err) == 1 &&
              o.pid == (under_wine ? -1 : (int32_t)GetCurrentProcessId()));
    remote.port ^= 1;
    test_cond("a tuple nobody holds is not found",
              mcpd_owner_lookup(&local, &remote, &o, err) == 0 &&
              o.pid == -1);
    closesocket(as);
    closesocket(cs);
    closesocket(ls);
    n = mcpd_owner_listeners(ntohs(sa.sin_port), l, 4, &vis, err);
    test_cond("no listener once closed", n == 0);
}

static void
test_run(void)
{
    const char *self = mcpd_plat_self_exe(NULL);
    const char *echo[] = { self, "--echo", "a b", "q\"x", "back\\",
                           "tail\\\\\"", "", NULL };
    const char *sleep_[] = { self, "--sleep", NULL };
    const char *none[] = { "no-such-program-here.exe", NULL };
    struct mcpd_run r;

    test_cond("self_exe names unit_win.exe", self != NULL &&
              strstr(self, "unit_win.exe") != NULL);
    test_cond("a child runs", mcpd_run_child(echo, 0, 30, &r) == 0);
    test_cond("its arguments arrive whole",
              r.out != NULL && strcmp(r.out, "[a b]\r\n[q\"x]\r\n[back\\]\r\n"
                                      "[tail\\\\\"]\r\n[]\r\n") == 0);
    if (r.out != NULL && strcmp(r.out, "[a b]\r\n[q\"x]\r\n[back\\]\r\n"
                                "[tail\\\\\"]\r\n[]\r\n") != 0)
        printf("child printed: %s\n", r.out);
    test_cond("its stderr apart", r.err != NULL &&
              strcmp(r.err, "to stderr\r\n") == 0);
    test_cond("its exit status", r.status == 7 && !r.timed_out);
    mcpd_run_free(&r);
    test_cond("a child past its timeout",
              mcpd_run_child(sleep_, 0, 0.5, &r) == 0);
    test_cond("is ended and says so", r.timed_out && r.status == 128 + 9);
    mcpd_run_free(&r);
    test_cond("a program that does not exist cannot be started",
              mcpd_run_child(none, 0, 5, &r) == -1 && r.status == -1);
}

static void
test_firewall(void)
{
    char text[] =
        "\r\nRule Name:                            MCP dev server\r\n"
        "----------------------------------------------------------\r\n"
        "Enabled:                              Yes\r\n"
        "Direction:                            In\r\n"
        "Protocol:                             TCP\r\n"
        "LocalPort:                            3000\r\n"
        "Action:                               Allow\r\n"
        "\r\nRule Name:                            Block web\r\n"
        "Enabled:                              Yes\r\n"
        "Protocol:                             TCP\r\n"
        "LocalPort:                            80,443,2990-3010\r\n"
        "Action:                               Block\r\n"
        "\r\nRule Name:                            Disabled one\r\n"
        "Enabled:                              No\r\n"
        "Protocol:                             TCP\r\n"
        "LocalPort:                            3000\r\n"
        "Action:                               Block\r\n"
        "\r\nRule Name:                            UDP one\r\n"
        "Enabled:                              Yes\r\n"
        "Protocol:                             UDP\r\n"
        "LocalPort:                            3000\r\n"
        "Action:                               Block\r\n"
        "\r\nRule Name:                            Near miss\r\n"
        "Enabled:                              Yes\r\n"
        "Protocol:                             TCP\r\n"
        "LocalPort:                            30000,300\r\n"
        "Action:                               Block\r\n"
        "\r\nRule Name:                            Everything\r\n"
        "Enabled:                              Yes\r\n"
        "Protocol:                             Any\r\n"
        "LocalPort:                            Any\r\n"
        "Action:                               Allow\r\n";
    struct mcpd_fw_rule r[8];
    int n = mcpd_win_fw_parse(text, 3000, r, 8);

    test_cond("three rules cover TCP port 3000", n == 3);
    test_cond("the exact port, allowed", n >= 1 &&
              strncmp(r[0].text, "MCP dev server:", 15) == 0 &&
              strcmp(r[0].action, "accept") == 0);
    test_cond("a range in a list, blocked", n >= 2 &&
              strncmp(r[1].text, "Block web:", 10) == 0 &&
              strcmp(r[1].action, "drop") == 0);
    test_cond("Any", n >= 3 && strncmp(r[2].text, "Everything:", 11) == 0);
    test_cond("the source is netsh", n >= 1 &&
              strcmp(r[0].source, "netsh") == 0);
}

static void
test_misc(void)
{
    char path[MAX_PATH], dir[MAX_PATH], err[MCPD_ERR_LEN];
    unsigned char a[16], b[16];
    size_t len;
    char *env;
    int fd;

    GetTempPathA(sizeof(dir), dir);
    snprintf(path, sizeof(path), "%sunit_win_%lu.out", dir,
             (unsigned long)GetCurrentProcessId());
    fd = mcpd_create_output(path, NULL, err, sizeof(err));
    test_cond("an output file is created", fd >= 0);
    if (fd >= 0)
        _close(fd);
    DeleteFileA(path);
    test_cond("a directory is refused as output",
              mcpd_create_output(dir, NULL, err, sizeof(err)) == -1);
    test_cond("random bytes", mcpd_plat_random(a, sizeof(a), 0) == 0 &&
              mcpd_plat_random(b, sizeof(b), 0) == 0 &&
              memcmp(a, b, sizeof(a)) != 0);
    env = mcpd_plat_environ((long)GetCurrentProcessId(), &len);
    test_cond("this process's environment", env != NULL && len > 0 &&
              strchr(env, '=') != NULL);
    free(env);
    test_cond("no other process's", mcpd_plat_environ(4, &len) == NULL);
    /* Started from a Unix shell, a wine process has no Windows parent. */
    test_cond("a parent, or none under wine", mcpd_plat_parent_pid(
                  (long)GetCurrentProcessId()) >= (under_wine ? 0 : 1));
    test_cond("no parent for a pid that does not exist",
              mcpd_plat_parent_pid(0x7ffffff0L) == -1);
    test_cond("no Npcap under wine: capture says to install it",
              mcpd_plat_pcaplib(err) == NULL && strstr(err, "Npcap"));
    test_cond("no kernel witness, said",
              mcpd_witness_open(NULL, 0, err, sizeof(err)) == NULL &&
              strstr(err, "Windows") != NULL);
    test_cond("the loopback adapter by default",
              strcmp(mcpd_default_iface(), "\\Device\\NPF_Loopback") == 0);
}

/* redact_value stand-in: blanks the value (it is long enough) and
 * counts the calls. */
static int redacted;
static size_t
redact_mark(char *v)
{
    size_t n = strlen(v);

    redacted++;
    if (n >= 8)
        memcpy(v, "REDACTED", 9);
    return strlen(v);
}

static void
test_environment(void)
{
    struct mcpd_target t;
    cJSON *env, *os, *proxy, *l, *fw;
    char *text;

    memset(&t, 0, sizeof(t));
    snprintf(t.scheme, sizeof(t.scheme), "http");
    snprintf(t.host, sizeof(t.host), "localhost");
    t.port = 3000;
    snprintf(t.url, sizeof(t.url), "http://localhost:3000/mcp");
    _putenv("HTTPS_PROXY=http://user:secret@proxy.example:8080");
    env = mcpd_environment_collect(&t, redact_mark);
    test_cond("environment.json is made", env != NULL);
    if (env == NULL)
        return;
    os = cJSON_GetObjectItem(env, "os");
    test_cond("it names Windows", cJSON_IsString(
                  cJSON_GetObjectItem(os, "sysname")) && strcmp(
                  cJSON_GetObjectItem(os, "sysname")->valuestring,
                  "Windows") == 0);
    test_cond("and its version", cJSON_IsString(
                  cJSON_GetObjectItem(os, "kernel")));
    proxy = cJSON_GetObjectItem(env, "proxy");
    test_cond("the proxy variable, redacted",
              cJSON_IsString(cJSON_GetObjectItem(proxy, "HTTPS_PROXY")) &&
              redacted > 0);
    test_cond("WinHTTP's own proxy settings",
              cJSON_IsObject(cJSON_GetObjectItem(proxy, "winhttp")));
    l = cJSON_GetObjectItem(env, "listeners");
    test_cond("listeners on the port, owners seen",
              cJSON_IsArray(cJSON_GetObjectItem(l, "sockets")) &&
              cJSON_IsString(cJSON_GetObjectItem(l, "owners_visible")));
    fw = cJSON_GetObjectItem(env, "firewall");
    test_cond("the firewall: rules, or why there are none",
              cJSON_IsArray(cJSON_GetObjectItem(fw, "windows_firewall")) &&
              (cJSON_GetArraySize(cJSON_GetObjectItem(fw,
                                  "windows_firewall")) > 0 ||
               cJSON_IsString(cJSON_GetObjectItem(fw, "error"))));
    test_cond("no kernel witness, said", cJSON_IsString(
                  cJSON_GetObjectItem(env, "kernel_witness")));
    text = cJSON_PrintUnformatted(env);
    test_cond("no proxy password in it", text != NULL &&
              strstr(text, "secret") == NULL);
    free(text);
    cJSON_Delete(env);
    _putenv("HTTPS_PROXY=");
}

int
main(int argc, char **argv)
{
    WSADATA wsa;

    if (argc > 1)
        return child(argc, argv);
    WSAStartup(MAKEWORD(2, 2), &wsa);
    under_wine = GetProcAddress(GetModuleHandleA("ntdll.dll"),
                                "wine_get_version") != NULL;
    test_owners();
    test_run();
    test_firewall();
    test_misc();
    test_environment();
    return test_report();
}

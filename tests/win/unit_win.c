/* \summary: the Windows platform backend (platform/windows/) under wine:
 * owners from the TCP table, the child runner, the firewall rule reader,
 * output files, random bytes, this process's environment, Npcap's check,
 * the bundle's files (written whole, scratch directories, memory
 * streams, SHA-256, binary open) */

#include "win.h"
#include "fdutil.h"
#include "pcaplib.h"
#include <fcntl.h>
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

/* The whole of a file, NUL-terminated (free), or NULL. */
static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = f ? calloc(1, 4096) : NULL;

    *len = buf ? fread(buf, 1, 4095, f) : 0;
    if (f)
        fclose(f);
    return buf;
}

static void
test_files(void)
{
    static const char bin[] = "a\r\nb\x1a\nc\0d";
    char dir[MAX_PATH], path[MAX_PATH], tmp[MAX_PATH + 64], hex[65];
    char err[MCPD_ERR_LEN], scratch[MAX_PATH + 64], *got;
    struct mcpd_sha256 *h;
    struct mcpd_memout mo;
    FILE *f;
    int64_t size = -1;
    size_t len;
    int fd, dup;

    /* SHA-256 (FIPS 180-2's examples), in one piece and in two. */
    h = mcpd_sha256_begin();
    mcpd_sha256_add(h, "abc", 3);
    test_cond("SHA-256 of abc", mcpd_sha256_end(h, hex) == 0 &&
              strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9c"
                     "b410ff61f20015ad") == 0);
    h = mcpd_sha256_begin();
    mcpd_sha256_add(h, "abcdbcdecdefdefgefghfghighijhi", 30);
    mcpd_sha256_add(h, "jkijkljklmklmnlmnomnopnopq", 26);
    test_cond("SHA-256 of a message added in two parts",
              mcpd_sha256_end(h, hex) == 0 &&
              strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167"
                     "f6ecedd419db06c1") == 0);
    h = mcpd_sha256_begin();
    test_cond("SHA-256 of nothing", mcpd_sha256_end(h, hex) == 0 &&
              strncmp(hex, "e3b0c44298fc1c149afbf4c8996fb924", 32) == 0);
    test_cond("no hash, no digest", mcpd_sha256_end(NULL, hex) == -1 &&
              hex[0] == '\0');

    test_cond("path base after '\\', '/' and a drive",
              strcmp(mcpd_path_base("C:\\a\\b.tar.gz"), "b.tar.gz") == 0 &&
              strcmp(mcpd_path_base("Z:x.tgz"), "x.tgz") == 0 &&
              strcmp(mcpd_path_base("d/e\\f"), "f") == 0 &&
              strcmp(mcpd_path_base("plain"), "plain") == 0);
    test_cond("paths joined with a backslash",
              mcpd_path_join("C:\\a", "b.pcap", tmp, sizeof(tmp)) == 0 &&
              strcmp(tmp, "C:\\a\\b.pcap") == 0 &&
              mcpd_path_join("C:\\a", "b.pcap", tmp, 8) == -1);

    /* A file written whole: it replaces the old one, and the temporary
     * beside it (in the same directory) is gone. */
    GetTempPathA(sizeof(dir), dir);
    snprintf(path, sizeof(path), "%sunit_win_%lu.tar.gz", dir,
             (unsigned long)GetCurrentProcessId());
    f = fopen(path, "wb");
    if (f) {
        fputs("old contents", f);
        fclose(f);
    }
    fd = mcpd_file_temp_beside(path, tmp, sizeof(tmp), err);
    test_cond("a temporary beside the destination",
              fd >= 0 && strncmp(tmp, dir, strlen(dir)) == 0 &&
              strchr(tmp + strlen(dir), '\\') == NULL &&
              GetFileAttributesA(tmp) != INVALID_FILE_ATTRIBUTES);
    if (fd < 0)
        printf("mcpd_file_temp_beside: %s\n", err);
    dup = fd >= 0 ? mcpd_dup_cloexec(fd) : -1;
    test_cond("a duplicate of it", dup >= 0);
    if (dup >= 0) {
        /* Binary through both: CR LF and ^Z kept. */
        _write(dup, bin, 6);
        _close(dup);
    }
    if (fd >= 0)
        _write(fd, bin + 6, sizeof(bin) - 1 - 6);
    test_cond("committed over the old file",
              fd >= 0 && mcpd_file_commit(fd, tmp, path, &size, err) == 0 &&
              size == (int64_t)sizeof(bin) - 1);
    got = slurp(path, &len);
    test_cond("with every byte as written (binary)", got &&
              len == sizeof(bin) - 1 && memcmp(got, bin, len) == 0);
    free(got);
    test_cond("and no temporary left",
              GetFileAttributesA(tmp) == INVALID_FILE_ATTRIBUTES);
    /* open() is binary too (what analyze and --inspect read with). */
    fd = open(path, O_RDONLY | O_CLOEXEC);
    got = calloc(1, 64);
    test_cond("open() reads CR LF and ^Z as they are", fd >= 0 && got &&
              _read(fd, got, 64) == (int)sizeof(bin) - 1 &&
              memcmp(got, bin, sizeof(bin) - 1) == 0);
    free(got);
    if (fd >= 0)
        _close(fd);
    fd = mcpd_file_temp_beside(path, tmp, sizeof(tmp), err);
    mcpd_file_discard(fd, tmp);
    test_cond("a discarded temporary is removed", fd >= 0 &&
              GetFileAttributesA(tmp) == INVALID_FILE_ATTRIBUTES);
    DeleteFileA(path);
    dir[strlen(dir) - 1] = '\0';   /* GetTempPath's trailing backslash */
    test_cond("a directory is never replaced",
              mcpd_file_temp_beside(dir, tmp, sizeof(tmp), err) == -1 &&
              strstr(err, "not a regular file") != NULL);

    test_cond("a private scratch directory",
              mcpd_private_dir(NULL, scratch, sizeof(scratch), err) == 0 &&
              (GetFileAttributesA(scratch) & FILE_ATTRIBUTE_DIRECTORY) &&
              strstr(scratch, "mcpdiag-bundle-") != NULL);
    RemoveDirectoryA(scratch);

    f = mcpd_memout_open(&mo);
    if (f) {
        fputs("line one\n", f);
        fwrite(bin, 1, sizeof(bin) - 1, f);
    }
    got = mcpd_memout_close(&mo, &len);
    test_cond("a stream into memory", got && len == 9 + sizeof(bin) - 1 &&
              memcmp(got, "line one\n", 9) == 0 &&
              memcmp(got + 9, bin, sizeof(bin) - 1) == 0 && got[len] == 0);
    free(got);
    test_cond("the host name", mcpd_plat_hostname(scratch, 64) == 0 &&
              scratch[0] != '\0');
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
    test_files();
    return test_report();
}

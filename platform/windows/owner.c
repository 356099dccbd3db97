/* \summary: socket owners on Windows: GetExtendedTcpTable with owner
 * pids (both families, resized until it fits), then each process's
 * image name and account, as `netstat -ano` and Task Manager show them */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "win.h"
#include <iphlpapi.h>
#include <psapi.h>

void
mcpd_win_error(char *err, size_t len, const char *call, DWORD code)
{
    char msg[160] = "";
    size_t n;

    FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                   NULL, code, 0, msg, sizeof(msg), NULL);
    n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r' ||
                     msg[n - 1] == ' ' || msg[n - 1] == '.'))
        msg[--n] = '\0';
    snprintf(err, len, "%s: %s (%lu)", call, msg[0] ? msg : "failed",
             (unsigned long)code);
}

/* GetExtendedTcpTable for one family, grown until the table fits. */
static void *
get_table(ULONG family, char *err)
{
    DWORD size = 16384, rc;
    void *buf = NULL;
    int tries;

    for (tries = 0; tries < 8; tries++) {
        void *nb = realloc(buf, size);
        if (nb == NULL) {
            free(buf);
            snprintf(err, MCPD_ERR_LEN, "out of memory");
            return NULL;
        }
        buf = nb;
        rc = GetExtendedTcpTable(buf, &size, FALSE, family,
                                 TCP_TABLE_OWNER_PID_ALL, 0);
        if (rc == NO_ERROR)
            return buf;
        if (rc != ERROR_INSUFFICIENT_BUFFER) {
            free(buf);
            mcpd_win_error(err, MCPD_ERR_LEN, "GetExtendedTcpTable", rc);
            return NULL;
        }
        size += size / 4;   /* sockets come and go between the calls */
    }
    free(buf);
    snprintf(err, MCPD_ERR_LEN, "GetExtendedTcpTable: the table kept "
             "growing");
    return NULL;
}

int
mcpd_win_tcp_table(struct mcpd_win_tcp **rows, char *err)
{
    MIB_TCPTABLE_OWNER_PID *t4;
    MIB_TCP6TABLE_OWNER_PID *t6;
    struct mcpd_win_tcp *r;
    DWORD i;
    int n = 0;

    *rows = NULL;
    if ((t4 = get_table(AF_INET, err)) == NULL)
        return -1;
    t6 = get_table(AF_INET6, err);   /* no IPv6 stack: IPv4 alone */
    r = calloc((size_t)t4->dwNumEntries +
               (t6 ? t6->dwNumEntries : 0) + 1, sizeof(*r));
    if (r == NULL) {
        free(t4);
        free(t6);
        snprintf(err, MCPD_ERR_LEN, "out of memory");
        return -1;
    }
    for (i = 0; i < t4->dwNumEntries; i++, n++) {
        const MIB_TCPROW_OWNER_PID *e = &t4->table[i];
        r[n].local.ip.family = r[n].remote.ip.family = 4;
        memcpy(r[n].local.ip.a, &e->dwLocalAddr, 4);
        memcpy(r[n].remote.ip.a, &e->dwRemoteAddr, 4);
        /* The port sits in network order in the low 16 bits. */
        r[n].local.port = ntohs((u_short)e->dwLocalPort);
        r[n].remote.port = ntohs((u_short)e->dwRemotePort);
        r[n].listening = e->dwState == MIB_TCP_STATE_LISTEN;
        r[n].pid = e->dwOwningPid;
    }
    for (i = 0; t6 != NULL && i < t6->dwNumEntries; i++, n++) {
        const MIB_TCP6ROW_OWNER_PID *e = &t6->table[i];
        r[n].local.ip.family = r[n].remote.ip.family = 6;
        memcpy(r[n].local.ip.a, e->ucLocalAddr, 16);
        memcpy(r[n].remote.ip.a, e->ucRemoteAddr, 16);
        r[n].local.port = ntohs((u_short)e->dwLocalPort);
        r[n].remote.port = ntohs((u_short)e->dwRemotePort);
        r[n].listening = e->dwState == MIB_TCP_STATE_LISTEN;
        r[n].pid = e->dwOwningPid;
    }
    free(t4);
    free(t6);
    *rows = r;
    return n;
}

int
mcpd_win_process_name(uint32_t pid, char *buf, size_t len)
{
    char path[MAX_PATH * 2];
    DWORD n = sizeof(path);
    const char *base;
    HANDLE h;

    buf[0] = '\0';
    if (pid == 4) {         /* the kernel (HTTP.sys listeners) */
        snprintf(buf, len, "System");
        return 0;
    }
    h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
    if (h == NULL)
        return -1;
    if (!QueryFullProcessImageNameA(h, 0, path, &n)) {
        CloseHandle(h);
        return -1;
    }
    CloseHandle(h);
    base = strrchr(path, '\\');
    snprintf(buf, len, "%s", base ? base + 1 : path);
    return 0;
}

void
mcpd_win_process_user(uint32_t pid, char *buf, size_t len)
{
    HANDLE h, tok = NULL;
    union { TOKEN_USER tu; char raw[256]; } info;
    char name[64], dom[64];
    DWORD n = sizeof(info), nn = sizeof(name), nd = sizeof(dom);
    SID_NAME_USE use;

    buf[0] = '\0';
    h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
    if (h == NULL)
        return;
    if (OpenProcessToken(h, TOKEN_QUERY, &tok) &&
        GetTokenInformation(tok, TokenUser, &info, n, &n) &&
        LookupAccountSidA(NULL, info.tu.User.Sid, name, &nn, dom, &nd, &use))
        snprintf(buf, len, "%s%s%s", dom, dom[0] ? "\\" : "", name);
    if (tok != NULL)
        CloseHandle(tok);
    CloseHandle(h);
}

static void
fill_owner(struct mcpd_owner *o, uint32_t pid, int *hidden)
{
    memset(o, 0, sizeof(*o));
    /* Pid 0 owns what no process does (TIME_WAIT; and every socket
     * under wine, whose server holds them): no owner, as a Linux socket
     * with inode 0. Pid 4 ("System") is the kernel's own listeners,
     * HTTP.sys's among them: named. */
    if (pid == 0) {
        o->pid = -1;
        return;
    }
    o->pid = (int32_t)pid;
    if (mcpd_win_process_name(pid, o->command, sizeof(o->command)) != 0)
        (*hidden)++;        /* the pid is still the kernel's word */
    mcpd_win_process_user(pid, o->user, sizeof(o->user));
}

int
mcpd_owner_listeners(uint16_t port, struct mcpd_listener *out, int max,
                     enum mcpd_visibility *vis, char *err)
{
    struct mcpd_win_tcp *rows;
    int n, i, found = 0, hidden = 0;

    if (vis != NULL)
        *vis = MCPD_VIS_NONE;
    if ((n = mcpd_win_tcp_table(&rows, err)) < 0)
        return -1;
    for (i = 0; i < n; i++) {
        struct mcpd_listener *l;

        if (!rows[i].listening || rows[i].local.port != port)
            continue;
        if (found++ >= max)
            continue;
        l = &out[found - 1];
        memset(l, 0, sizeof(*l));
        l->local = rows[i].local;
        /* Windows keeps the two families apart unless a program clears
         * IPV6_V6ONLY, which the table does not say. */
        l->v6only = rows[i].local.ip.family == 6 ? -1 : 0;
        fill_owner(&l->owner, rows[i].pid, &hidden);
    }
    free(rows);
    if (vis != NULL)
        *vis = hidden ? MCPD_VIS_PARTIAL : MCPD_VIS_FULL;
    return found;
}

/* a and b the same address, an IPv4 one matching its ::ffff: form. */
static int
same_ip(const struct mcpd_ip *a, const struct mcpd_ip *b)
{
    static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                        0xff, 0xff };

    if (a->family == b->family)
        return memcmp(a->a, b->a, a->family == 4 ? 4 : 16) == 0;
    if (a->family == 6)
        return memcmp(a->a, mapped, 12) == 0 && memcmp(a->a + 12, b->a, 4) == 0;
    return memcmp(b->a, mapped, 12) == 0 && memcmp(b->a + 12, a->a, 4) == 0;
}

int
mcpd_owner_lookup(const struct mcpd_endpoint *local,
                  const struct mcpd_endpoint *remote,
                  struct mcpd_owner *out, char *err)
{
    struct mcpd_win_tcp *rows;
    int n, i, hidden = 0;

    memset(out, 0, sizeof(*out));
    out->pid = -1;
    if ((n = mcpd_win_tcp_table(&rows, err)) < 0)
        return -1;
    for (i = 0; i < n; i++) {
        if (rows[i].listening || rows[i].local.port != local->port ||
            rows[i].remote.port != remote->port ||
            !same_ip(&rows[i].local.ip, &local->ip) ||
            !same_ip(&rows[i].remote.ip, &remote->ip))
            continue;
        fill_owner(out, rows[i].pid, &hidden);
        free(rows);
        return 1;
    }
    free(rows);
    return 0;
}

void
mcpd_owner_username(uint32_t uid, char *buf, size_t len)
{
    /* Windows names accounts by SID, not by number: the number is all
     * there is to say. */
    if (buf != NULL && len > 0)
        snprintf(buf, len, "%u", (unsigned)uid);
}

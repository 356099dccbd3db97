/* \summary: Windows Firewall rules for a port, read only: the output of
 * `netsh advfirewall firewall show rule name=all dir=in verbose` (what an
 * administrator would read), enabled TCP rules whose LocalPort names
 * the port exactly, in a list or in a range */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "win.h"

/* 1 when a LocalPort value ("Any", "3000", "80,443", "3000-3010",
 * "RPC") covers port. */
static int
port_listed(const char *v, uint16_t port)
{
    if (_stricmp(v, "Any") == 0)
        return 1;
    while (*v) {
        char *end;
        unsigned long lo = strtoul(v, &end, 10), hi = lo;
        if (end == v) {             /* a keyword (RPC, IPHTTPS...) */
            v = strchr(v, ',');
            if (v == NULL)
                break;
            v++;
            continue;
        }
        if (*end == '-')
            hi = strtoul(end + 1, &end, 10);
        if (port >= lo && port <= hi)
            return 1;
        while (*end == ' ')
            end++;
        if (*end != ',')
            break;
        v = end + 1;
    }
    return 0;
}

struct fw_block {
    char name[200], enabled[16], protocol[16], localport[128], action[16];
};

/* "Key:   value" into the block's field of that key. */
static void
take_line(struct fw_block *b, char *line)
{
    static const struct { const char *key; size_t off, len; } keys[] = {
        { "Rule Name", offsetof(struct fw_block, name), 200 },
        { "Enabled", offsetof(struct fw_block, enabled), 16 },
        { "Protocol", offsetof(struct fw_block, protocol), 16 },
        { "LocalPort", offsetof(struct fw_block, localport), 128 },
        { "Action", offsetof(struct fw_block, action), 16 },
    };
    char *colon = strchr(line, ':'), *v;
    size_t i, n;

    if (colon == NULL)
        return;
    *colon = '\0';
    for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
        ;
    n = strlen(v);
    while (n > 0 && isspace((unsigned char)v[n - 1]))
        v[--n] = '\0';
    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strcmp(line, keys[i].key) == 0)
            snprintf((char *)b + keys[i].off, keys[i].len, "%s", v);
}

/* Add the finished block when it is an enabled TCP rule for port. */
static void
keep_block(const struct fw_block *b, uint16_t port,
           struct mcpd_fw_rule *out, int max, int *n)
{
    struct mcpd_fw_rule *r;

    if (b->name[0] == '\0' || _stricmp(b->enabled, "Yes") != 0 ||
        (_stricmp(b->protocol, "TCP") != 0 &&
         _stricmp(b->protocol, "Any") != 0) ||
        !port_listed(b->localport, port))
        return;
    if ((*n)++ >= max)
        return;
    r = &out[*n - 1];
    memset(r, 0, sizeof(*r));
    snprintf(r->source, sizeof(r->source), "netsh");
    snprintf(r->text, sizeof(r->text), "%s: %s %s LocalPort %s", b->name,
             b->action, b->protocol, b->localport);
    snprintf(r->action, sizeof(r->action), "%s",
             _stricmp(b->action, "Block") == 0 ? "drop" :
             _stricmp(b->action, "Allow") == 0 ? "accept" : "");
}

int
mcpd_win_fw_parse(char *text, uint16_t port, struct mcpd_fw_rule *out,
                  int max)
{
    struct fw_block b;
    char *line, *next;
    int n = 0;

    memset(&b, 0, sizeof(b));
    for (line = text; line != NULL; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        if (strncmp(line, "Rule Name:", 10) == 0) {
            keep_block(&b, port, out, max, &n);
            memset(&b, 0, sizeof(b));
        }
        take_line(&b, line);
    }
    keep_block(&b, port, out, max, &n);
    return n;
}

int
mcpd_sys_firewall(uint16_t port, struct mcpd_fw_rule *out, int max,
                  char *err)
{
    static const char *const argv[] = { "netsh", "advfirewall", "firewall",
        "show", "rule", "name=all", "dir=in", "verbose", NULL };
    struct mcpd_run run;
    int n;

    if (mcpd_run_child(argv, 0, 20, &run) != 0) {
        mcpd_win_error(err, MCPD_ERR_LEN, "netsh", GetLastError());
        return -1;
    }
    if (run.status != 0 || strstr(run.out, "Rule Name") == NULL) {
        snprintf(err, MCPD_ERR_LEN, "netsh advfirewall listed no rules "
                 "(exit %d)", run.status);
        mcpd_run_free(&run);
        return -1;
    }
    n = mcpd_win_fw_parse(run.out, port, out, max);
    mcpd_run_free(&run);
    return n;
}

int
mcpd_sys_counters(struct mcpd_kcounters *out)
{
    /* Windows counts no listen-queue overflows where a program can read
     * them. */
    memset(out, 0, sizeof(*out));
    return -1;
}

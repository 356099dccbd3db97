/* \summary: what the Windows parts share: the TCP tables with owner
 * pids, process names, wide-string conversion, Npcap's location */
#ifndef MCPD_WIN_H
#define MCPD_WIN_H

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <stddef.h>
#include <stdint.h>
#include "platform.h"

/* One row of GetExtendedTcpTable (TCP_TABLE_OWNER_PID_ALL), either family. */
struct mcpd_win_tcp {
    struct mcpd_endpoint local, remote;
    int listening;           /* MIB_TCP_STATE_LISTEN */
    uint32_t pid;
};

/*
 * Every TCP socket of both families, with its owner pid. *rows is
 * malloc'd (free it); returns the count, or -1 with err (MCPD_ERR_LEN)
 * naming the call that failed.
 */
int mcpd_win_tcp_table(struct mcpd_win_tcp **rows, char *err);

/* The image name of process `pid` ("node.exe"), "" when it cannot be
 * opened (another user's, protected, gone). 0 when named. */
int mcpd_win_process_name(uint32_t pid, char *buf, size_t len);

/* The account that runs process `pid` ("DOMAIN\\user"), "" when unknown. */
void mcpd_win_process_user(uint32_t pid, char *buf, size_t len);

/* A Win32 error as one line: "NAME: the system's message (CODE)". */
void mcpd_win_error(char *err, size_t len, const char *call, DWORD code);

/* The rules of `netsh advfirewall firewall show rule ... verbose`
 * output (text, modified) that are enabled, TCP and cover port; returns
 * how many (may be more than max). */
int mcpd_win_fw_parse(char *text, uint16_t port, struct mcpd_fw_rule *out,
                      int max);

/* True when this process runs elevated ("Run as administrator"). */
int mcpd_win_elevated(void);

#endif

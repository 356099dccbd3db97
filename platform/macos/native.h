/* \summary: what the macOS backend's native files share among
 * themselves: the tools they run and the system proxy settings (not part
 * of the platform interface; macOS only) */
#ifndef MCPD_PLATFORM_MACOS_NATIVE_H
#define MCPD_PLATFORM_MACOS_NATIVE_H

#include <stdint.h>
#include "macos.h"

/* Absolute paths: the tools are run as root by a program that may be
 * under sudo, so PATH is not searched. */
#define MCPD_MAC_LSOF     "/usr/sbin/lsof"
#define MCPD_MAC_NETSTAT  "/usr/sbin/netstat"
#define MCPD_MAC_PFCTL    "/sbin/pfctl"
#define MCPD_MAC_SCUTIL   "/usr/sbin/scutil"
#define MCPD_MAC_ALF      "/usr/libexec/ApplicationFirewall/socketfilterfw"

/*
 * The TCP sockets of netstat -anv -p tcp (every socket of the system,
 * whoever owns it): a malloc'd array of *n, or NULL with err
 * (MCPD_ERR_LEN) set.
 */
struct mcpd_netstat_sock *mcpd_mac_netstat(int *n, char *err);

/*
 * The system proxy settings: SCDynamicStoreCopyProxies, or scutil
 * --proxy when the store does not answer. 0, or -1 (out->valid 0).
 */
int mcpd_mac_sysproxy(struct mcpd_sysproxy *out);

/* The Application Firewall's settings (socketfilterfw; root only). 0, or
 * -1 with err set. */
int mcpd_mac_alf(struct mcpd_alf *out, char *err);

#endif

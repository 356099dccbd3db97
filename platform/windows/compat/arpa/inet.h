/* \summary: <arpa/inet.h> on Windows: inet_ntop, inet_pton and the byte
 * order functions come from Winsock */
#ifndef MCPD_COMPAT_ARPA_INET_H
#define MCPD_COMPAT_ARPA_INET_H
#include <winsock2.h>
#include <ws2tcpip.h>
#endif

/* \summary: <netinet/tcp.h> on Windows: Winsock, with the POSIX socket calls
 * of sys/socket.h */
#ifndef MCPD_COMPAT_NETINET_TCP_H
#define MCPD_COMPAT_NETINET_TCP_H
#include <sys/socket.h>
#endif

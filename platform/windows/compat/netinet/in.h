/* \summary: <netinet/in.h> on Windows: Winsock, with the POSIX socket calls
 * of sys/socket.h */
#ifndef MCPD_COMPAT_NETINET_IN_H
#define MCPD_COMPAT_NETINET_IN_H
#include <sys/socket.h>
#endif

/* \summary: <netdb.h> on Windows: Winsock, with the POSIX socket calls
 * of sys/socket.h */
#ifndef MCPD_COMPAT_NETDB_H
#define MCPD_COMPAT_NETDB_H
#include <sys/socket.h>
#endif

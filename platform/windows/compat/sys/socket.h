/* \summary: <sys/socket.h> on Windows: Winsock, with the POSIX calls the
 * generic code makes (socket with SOCK_NONBLOCK, connect's EINPROGRESS,
 * SO_ERROR and poll's errors as errno values, close of a socket) mapped
 * onto it in platform/windows/sock.c. A socket is an int here, as in
 * libpcap's and curl's Windows code: Winsock handles fit in one. */
#ifndef MCPD_COMPAT_SYS_SOCKET_H
#define MCPD_COMPAT_SYS_SOCKET_H
#include <winsock2.h>
#include <ws2tcpip.h>
#include <errno.h>

#define SOCK_NONBLOCK 0x800
#define SOCK_CLOEXEC 0x80000
#ifndef EAI_SYSTEM
#define EAI_SYSTEM (-11)    /* never returned by Winsock's getaddrinfo */
#endif

int mcpd_win_socket(int domain, int type, int protocol);
int mcpd_win_connect(int fd, const struct sockaddr *sa, int len);
int mcpd_win_getsockopt(int fd, int level, int name, void *val, int *len);
int mcpd_win_close(int fd);
int mcpd_win_errno(int wsa_error);

#define socket(d, t, p) mcpd_win_socket((d), (t), (p))
#define connect(f, a, l) mcpd_win_connect((f), (a), (int)(l))
#define getsockopt(f, l, n, v, s) \
    mcpd_win_getsockopt((f), (l), (n), (v), (int *)(s))
#endif

/* \summary: <poll.h> on Windows: WSAPoll behind poll(). Winsock's
 * struct pollfd holds an unsigned SOCKET, where POSIX code marks a slot
 * unused with fd -1 and tests fd < 0: the generic code's struct pollfd
 * is ours (platform/windows/sock.c copies it to Winsock's). */
#ifndef MCPD_COMPAT_POLL_H
#define MCPD_COMPAT_POLL_H
#include <sys/socket.h>

struct mcpd_pollfd {
    int fd;
    short events;
    short revents;
};
typedef unsigned long nfds_t;
#define pollfd mcpd_pollfd

int mcpd_win_poll(struct mcpd_pollfd *fds, nfds_t n, int timeout_ms);
#define poll(f, n, t) mcpd_win_poll((f), (n), (t))
#endif

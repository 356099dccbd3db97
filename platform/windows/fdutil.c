/* \summary: close-on-exec sockets and pipes on Windows: a Winsock
 * handle is never inherited unless asked (windows/sock.c), a CRT pipe
 * made with _O_NOINHERIT is not either */

#include <fcntl.h>
#include <io.h>
#include <sys/socket.h>
#include "fdutil.h"

int
mcpd_socket(int domain, int type, int protocol, int flags)
{
    return mcpd_win_socket(domain, type |
                           ((flags & MCPD_SOCK_NONBLOCK) ? SOCK_NONBLOCK : 0),
                           protocol);
}

int
mcpd_pipe_cloexec(int fds[2])
{
    return _pipe(fds, 65536, _O_BINARY | _O_NOINHERIT);
}

/* \summary: close-on-exec sockets, pipes and duplicates on Windows: a
 * Winsock handle is never inherited unless asked (windows/sock.c), a
 * CRT pipe made with _O_NOINHERIT is not either, nor a handle duplicated
 * without inheritance */

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <sys/socket.h>
#include "fdutil.h"
#include "win.h"

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

int
mcpd_dup_cloexec(int fd)
{
    /* The CRT's _dup makes an inheritable handle: one that is not. */
    HANDLE h = (HANDLE)_get_osfhandle(fd), d;
    int nfd;

    if (h == INVALID_HANDLE_VALUE ||
        !DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &d, 0,
                         FALSE, DUPLICATE_SAME_ACCESS)) {
        errno = EBADF;
        return -1;
    }
    if ((nfd = _open_osfhandle((intptr_t)d, _O_BINARY)) < 0) {
        CloseHandle(d);
        errno = EMFILE;
    }
    return nfd;
}

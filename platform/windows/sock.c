/* \summary: POSIX sockets on Winsock for the generic code (declared in
 * compat/sys/socket.h): Winsock started once, its errors as errno
 * values, SOCK_NONBLOCK, EINPROGRESS, SO_ERROR, poll and close */

#include <sys/types.h>
#include <sys/socket.h>
#include <poll.h>
#include <unistd.h>
#include <io.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#undef socket
#undef connect
#undef getsockopt
#undef poll
#undef pollfd
#undef close

static INIT_ONCE wsa_once = INIT_ONCE_STATIC_INIT;

static BOOL CALLBACK
wsa_start(PINIT_ONCE once, PVOID arg, PVOID *ctx)
{
    WSADATA wsa;

    (void)once;
    (void)arg;
    (void)ctx;
    return WSAStartup(MAKEWORD(2, 2), &wsa) == 0;
}

/* A Winsock error as the errno a POSIX connect would give. */
int
mcpd_win_errno(int wsa_error)
{
    switch (wsa_error) {
    case 0: return 0;
    case WSAECONNREFUSED: return ECONNREFUSED;
    case WSAETIMEDOUT: return ETIMEDOUT;
    case WSAEHOSTUNREACH: return EHOSTUNREACH;
    case WSAENETUNREACH: return ENETUNREACH;
    case WSAECONNRESET: return ECONNRESET;
    case WSAECONNABORTED: return ECONNABORTED;
    case WSAEADDRNOTAVAIL: return EADDRNOTAVAIL;
    case WSAEADDRINUSE: return EADDRINUSE;
    case WSAEACCES: return EACCES;
    case WSAEAFNOSUPPORT: return EAFNOSUPPORT;
    case WSAEWOULDBLOCK: return EWOULDBLOCK;
    case WSAEINPROGRESS: return EINPROGRESS;
    case WSAEINVAL: return EINVAL;
    case WSAENOTSOCK: return ENOTSOCK;
    case WSAEMFILE: return EMFILE;
    case WSAENOBUFS: return ENOBUFS;
    default: return EIO;
    }
}

int
mcpd_win_socket(int domain, int type, int protocol)
{
    u_long on = 1;
    SOCKET s;

    InitOnceExecuteOnce(&wsa_once, wsa_start, NULL, NULL);
    /* Winsock sockets are not inherited unless asked: CLOEXEC is free. */
    s = WSASocketW(domain, type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC), protocol,
                   NULL, 0, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    if (s == INVALID_SOCKET) {
        errno = mcpd_win_errno(WSAGetLastError());
        return -1;
    }
    if ((type & SOCK_NONBLOCK) && ioctlsocket(s, FIONBIO, &on) != 0) {
        errno = mcpd_win_errno(WSAGetLastError());
        closesocket(s);
        return -1;
    }
    return (int)s;
}

int
mcpd_win_connect(int fd, const struct sockaddr *sa, int len)
{
    int e;

    if (connect((SOCKET)fd, sa, len) == 0)
        return 0;
    e = WSAGetLastError();
    /* A non-blocking connect under way says "would block" here. */
    errno = e == WSAEWOULDBLOCK ? EINPROGRESS : mcpd_win_errno(e);
    return -1;
}

int
mcpd_win_getsockopt(int fd, int level, int name, void *val, int *len)
{
    if (getsockopt((SOCKET)fd, level, name, val, len) != 0) {
        errno = mcpd_win_errno(WSAGetLastError());
        return -1;
    }
    if (level == SOL_SOCKET && name == SO_ERROR && *len >= (int)sizeof(int))
        *(int *)val = mcpd_win_errno(*(int *)val);
    return 0;
}

int
mcpd_win_poll(struct mcpd_pollfd *fds, nfds_t n, int timeout_ms)
{
    WSAPOLLFD *w;
    nfds_t i;
    int rc, any = 0;

    if (n == 0) {
        Sleep(timeout_ms > 0 ? (DWORD)timeout_ms : 0);
        return 0;
    }
    if ((w = calloc(n, sizeof(*w))) == NULL) {
        errno = ENOMEM;
        return -1;
    }
    for (i = 0; i < n; i++) {
        /* WSAPoll ignores INVALID_SOCKET slots, as poll does fd < 0. */
        w[i].fd = fds[i].fd < 0 ? INVALID_SOCKET : (SOCKET)fds[i].fd;
        w[i].events = fds[i].events & (POLLRDNORM | POLLWRNORM);
        if (fds[i].events & POLLIN)
            w[i].events |= POLLRDNORM;
        if (fds[i].events & POLLOUT)
            w[i].events |= POLLWRNORM;
        any |= fds[i].fd >= 0;
    }
    if (!any) {
        free(w);
        Sleep(timeout_ms > 0 ? (DWORD)timeout_ms : 0);
        return 0;
    }
    rc = WSAPoll(w, (ULONG)n, timeout_ms);
    if (rc < 0)
        errno = mcpd_win_errno(WSAGetLastError());
    for (i = 0; i < n; i++)
        fds[i].revents = rc > 0 ? w[i].revents : 0;
    free(w);
    return rc;
}

int
mcpd_win_close(int fd)
{
    /* A socket, else a CRT descriptor. */
    if (fd < 0) {
        errno = EBADF;
        return -1;
    }
    if (fd > 2 && closesocket((SOCKET)fd) == 0)
        return 0;
    return _close(fd);
}

uid_t
mcpd_win_uid(void)
{
    HANDLE tok;
    TOKEN_ELEVATION el;
    DWORD n = sizeof(el);
    int yes = 0;

    if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok)) {
        if (GetTokenInformation(tok, TokenElevation, &el, n, &n))
            yes = el.TokenIsElevated != 0;
        CloseHandle(tok);
    }
    return yes ? 0 : 1000;
}

/* \summary: close-on-exec sockets and pipes on POSIX systems: the
 * atomic flags (SOCK_CLOEXEC, SOCK_NONBLOCK, pipe2) where CMake found
 * them, fcntl right after creation elsewhere (macOS) */

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "fdutil.h"

/* The top-level CMakeLists.txt decides (feature checks, or
 * MCPD_FORCE_PORTABLE, which builds the fallbacks on Linux too). */
#ifndef MCPD_HAVE_SOCK_CLOEXEC
#define MCPD_HAVE_SOCK_CLOEXEC 0
#endif
#ifndef MCPD_HAVE_PIPE2
#define MCPD_HAVE_PIPE2 0
#endif

/* FD_CLOEXEC, and O_NONBLOCK when asked, on a new descriptor: 0, or -1
 * with errno set and fd closed. */
static int
set_flags(int fd, int nonblock)
{
    int fl, e;

    if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0)
        goto fail;
    if (nonblock) {
        fl = fcntl(fd, F_GETFL);
        if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0)
            goto fail;
    }
    return 0;
fail:
    e = errno;
    close(fd);
    errno = e;
    return -1;
}

/*
 * Without SOCK_CLOEXEC there is a window between socket() and fcntl()
 * in which a fork+exec from another thread would inherit the socket.
 * mcpdiag forks its children (COMMAND, tools) from the thread that
 * opens these sockets; its only other thread (analyze's file reader)
 * neither forks nor opens sockets, so no child starts in that window.
 */
int
mcpd_socket(int domain, int type, int protocol, int flags)
{
    int fd;

#if MCPD_HAVE_SOCK_CLOEXEC
    fd = socket(domain, type | SOCK_CLOEXEC |
                ((flags & MCPD_SOCK_NONBLOCK) ? SOCK_NONBLOCK : 0),
                protocol);
    if (fd >= 0 || errno != EINVAL)
        return fd;
    /* A kernel older than its headers takes the flags for an unknown
     * type (EINVAL): the portable way then. */
    fd = socket(domain, type, protocol);
#else
    fd = socket(domain, type, protocol);
#endif
    if (fd < 0)
        return -1;
    if (set_flags(fd, flags & MCPD_SOCK_NONBLOCK) != 0)
        return -1;
    return fd;
}

int
mcpd_pipe_cloexec(int fds[2])
{
#if MCPD_HAVE_PIPE2
    return pipe2(fds, O_CLOEXEC);
#else
    int e;

    if (pipe(fds) != 0)
        return -1;
    if (set_flags(fds[0], 0) != 0) {
        e = errno;
        close(fds[1]);
        errno = e;
        return -1;
    }
    if (set_flags(fds[1], 0) != 0) {
        e = errno;
        close(fds[0]);
        errno = e;
        return -1;
    }
    return 0;
#endif
}

int
mcpd_dup_cloexec(int fd)
{
#ifdef F_DUPFD_CLOEXEC
    return fcntl(fd, F_DUPFD_CLOEXEC, 0);
#else
    /* (POSIX.1-2008's flag hidden by the feature macros in force.) */
    int d = fcntl(fd, F_DUPFD, 0);

    return d < 0 ? -1 : (set_flags(d, 0) == 0 ? d : -1);
#endif
}

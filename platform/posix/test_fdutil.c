/* \summary: unit tests of the close-on-exec sockets, pipes and
 * duplicates (posix/fdutil.c): the flags each descriptor has, that a
 * child's exec does not inherit it, and nothing left open on failure;
 * built twice, once as configured and once with the fallbacks macOS
 * uses (that build also hides F_DUPFD_CLOEXEC: F_DUPFD, then
 * FD_CLOEXEC) */

#ifdef MCPD_TEST_PORTABLE
/* The fallbacks (fcntl after socket and pipe) whatever this system has:
 * fdutil.c itself, compiled here without the atomic flags. */
#undef MCPD_HAVE_SOCK_CLOEXEC
#define MCPD_HAVE_SOCK_CLOEXEC 0
#undef MCPD_HAVE_PIPE2
#define MCPD_HAVE_PIPE2 0
#include "fdutil.c"
#endif

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "fdutil.h"
#include "testhelp.h"

static int
cloexec(int fd)
{
    int fl = fcntl(fd, F_GETFD);
    return fl >= 0 && (fl & FD_CLOEXEC);
}

static int
nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl >= 0 && (fl & O_NONBLOCK);
}

/* Whether a child that execs sh still has fd open: sh's redirection to
 * it fails when it was closed by the exec. 1 open, 0 closed, -1 error. */
static int
open_after_exec(int fd)
{
    char script[64];
    pid_t pid;
    int st;

    snprintf(script, sizeof(script), "exec 2>/dev/null; : >&%d", fd);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", script, (char *)NULL);
        _exit(127);
    }
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
        WEXITSTATUS(st) == 127)
        return -1;
    return WEXITSTATUS(st) == 0;
}

/* The lowest free descriptor: what the next socket() would get. */
static int
next_fd(void)
{
    int fd = dup(0);
    if (fd >= 0)
        close(fd);
    return fd;
}

static void
test_socket(void)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof(sin);
    int fd, type = 0, before;
    socklen_t tl = sizeof(type);
    char c;

    /* The control: a plain descriptor does reach the child, so a 0
     * below means the exec closed it. */
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    test_cond("plain socket survives exec", open_after_exec(fd) == 1);
    close(fd);

    fd = mcpd_socket(AF_INET, SOCK_STREAM, 0, 0);
    test_cond("stream socket opens", fd >= 0);
    test_cond("stream socket close-on-exec", cloexec(fd));
    test_cond("stream socket blocking unless asked", !nonblock(fd));
    test_cond("stream socket is SOCK_STREAM, no flag bits in its type",
              getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 &&
              type == SOCK_STREAM);
    test_cond("stream socket not inherited", open_after_exec(fd) == 0);
    close(fd);

    fd = mcpd_socket(AF_INET, SOCK_DGRAM, 0, MCPD_SOCK_NONBLOCK);
    test_cond("non-blocking socket opens", fd >= 0);
    test_cond("non-blocking socket close-on-exec", cloexec(fd));
    test_cond("non-blocking socket O_NONBLOCK", nonblock(fd));
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* Nothing to read: a non-blocking socket says so at once. */
    test_cond("non-blocking recv returns EAGAIN at once",
              bind(fd, (struct sockaddr *)&sin, sl) == 0 &&
              recv(fd, &c, 1, 0) < 0 &&
              (errno == EAGAIN || errno == EWOULDBLOCK));
    test_cond("non-blocking socket not inherited",
              open_after_exec(fd) == 0);
    close(fd);

    before = next_fd();
    errno = 0;
    fd = mcpd_socket(-1, SOCK_STREAM, 0, MCPD_SOCK_NONBLOCK);
    test_cond("bad family fails with errno", fd < 0 && errno != 0);
    test_cond("bad family leaves nothing open", next_fd() == before);
}

static void
test_pipe(void)
{
    int p[2] = { -1, -1 };
    char buf[8] = "";

    test_cond("pipe opens", mcpd_pipe_cloexec(p) == 0);
    test_cond("pipe read end close-on-exec", cloexec(p[0]));
    test_cond("pipe write end close-on-exec", cloexec(p[1]));
    test_cond("pipe ends blocking", !nonblock(p[0]) && !nonblock(p[1]));
    test_cond("pipe carries bytes",
              write(p[1], "ok", 2) == 2 && read(p[0], buf, 2) == 2 &&
              memcmp(buf, "ok", 2) == 0);
    test_cond("pipe read end not inherited", open_after_exec(p[0]) == 0);
    test_cond("pipe write end not inherited", open_after_exec(p[1]) == 0);
    close(p[0]);
    close(p[1]);
}

static void
test_dup(void)
{
    int p[2] = { -1, -1 }, d;
    char buf[8] = "";

    if (pipe(p) != 0) {
        test_cond("a plain pipe to duplicate", 0);
        return;
    }
    d = mcpd_dup_cloexec(p[1]);
    test_cond("duplicate opens", d >= 0 && d != p[1]);
    test_cond("duplicate close-on-exec (the original was not)",
              cloexec(d) && !cloexec(p[1]));
    test_cond("duplicate writes to the same pipe",
              write(d, "ok", 2) == 2 && read(p[0], buf, 2) == 2 &&
              memcmp(buf, "ok", 2) == 0);
    test_cond("duplicate not inherited", open_after_exec(d) == 0);
    test_cond("a bad descriptor fails", mcpd_dup_cloexec(-1) == -1);
    close(d);
    close(p[0]);
    close(p[1]);
}

int
main(void)
{
#ifdef MCPD_TEST_PORTABLE
    test_cond("the fallbacks are the ones compiled",
              !MCPD_HAVE_SOCK_CLOEXEC && !MCPD_HAVE_PIPE2);
    printf("fdutil: portable fallbacks (fcntl after creation)\n");
#else
    printf("fdutil: as configured\n");
#endif
    test_socket();
    test_pipe();
    test_dup();
    return test_report();
}

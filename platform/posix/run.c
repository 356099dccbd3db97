/* \summary: running a child with its output collected (POSIX: fork,
 * pipes, poll; shared by the Linux and macOS backends) */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "platform.h"

#define RUN_CAP (16u << 20)

static void
append(char **buf, size_t *len, size_t *cap, const char *p, size_t n)
{
    if (*len + n + 1 > RUN_CAP)
        n = *len + 1 >= RUN_CAP ? 0 : RUN_CAP - *len - 1;
    if (*len + n + 1 > *cap) {
        size_t nc = *cap ? *cap : 4096;
        char *nb;
        while (nc < *len + n + 1)
            nc *= 2;
        nb = realloc(*buf, nc);
        if (nb == NULL)
            return;
        *buf = nb;
        *cap = nc;
    }
    memcpy(*buf + *len, p, n);
    *len += n;
    (*buf)[*len] = '\0';
}

/* pipe2(O_CLOEXEC) where there is none (macOS): the flag is set right
 * after. Only mcpd_run_child forks, from one thread, so no child can
 * inherit the ends in between. */
static int
cloexec_pipe(int fds[2])
{
    if (pipe(fds) != 0)
        return -1;
    if (fcntl(fds[0], F_SETFD, FD_CLOEXEC) != 0 ||
        fcntl(fds[1], F_SETFD, FD_CLOEXEC) != 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    return 0;
}

static double
mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
mcpd_run_child(const char *const argv[], int flags, double timeout_s,
               struct mcpd_run *r)
{
    int po[2], pe[2], st = 0, open_fds = 2, killed = 0;
    size_t ocap = 0, ecap = 0;
    double deadline = timeout_s > 0 ? mono() + timeout_s : 0;
    pid_t pid;

    memset(r, 0, sizeof(*r));
    r->status = -1;
    if (cloexec_pipe(po) != 0)
        return -1;
    if (cloexec_pipe(pe) != 0) {
        close(po[0]);
        close(po[1]);
        return -1;
    }
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        close(po[0]); close(po[1]); close(pe[0]); close(pe[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(po[1], STDOUT_FILENO);
        dup2(pe[1], STDERR_FILENO);
        if (!(flags & MCPD_RUN_STDIN)) {
            int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
            if (nul >= 0)
                dup2(nul, STDIN_FILENO);
        }
        /* Descriptors 0-2 only, whatever the program. */
        mcpd_close_fds_except(NULL, 0);
        /* execvp's prototype predates const; it does not write. */
        execvp(argv[0], (char *const *)argv);
        fprintf(stderr, "mcpdiag: cannot run %s: %s\n", argv[0],
                strerror(errno));
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    append(&r->out, &r->out_len, &ocap, "", 0);
    append(&r->err, &r->err_len, &ecap, "", 0);
    while (open_fds > 0) {
        struct pollfd p[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };
        char buf[8192];
        int i, ms = 200;

        if (po[0] < 0)
            p[0].fd = -1;
        if (pe[0] < 0)
            p[1].fd = -1;
        if (poll(p, 2, ms) < 0 && errno != EINTR)
            break;
        for (i = 0; i < 2; i++) {
            ssize_t n;
            if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP |
                                                 POLLERR)))
                continue;
            n = read(p[i].fd, buf, sizeof(buf));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                close(p[i].fd);
                if (i == 0)
                    po[0] = -1;
                else
                    pe[0] = -1;
                open_fds--;
                continue;
            }
            if (i == 0)
                append(&r->out, &r->out_len, &ocap, buf, (size_t)n);
            else {
                append(&r->err, &r->err_len, &ecap, buf, (size_t)n);
                if ((flags & MCPD_RUN_TEE_STDERR) &&
                    write(STDERR_FILENO, buf, (size_t)n) < 0)
                    flags &= ~MCPD_RUN_TEE_STDERR;
            }
        }
        if (deadline && mono() > deadline) {
            /* TERM first, so a capture child still finishes its file;
             * KILL when it does not go. */
            kill(pid, killed ? SIGKILL : SIGTERM);
            killed = 1;
            r->timed_out = 1;
            deadline = mono() + 3;
        }
    }
    if (po[0] >= 0)
        close(po[0]);
    if (pe[0] >= 0)
        close(pe[0]);
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) :
                WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
    return 0;
}

void
mcpd_run_free(struct mcpd_run *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

/* Move fd above 9 (either pipe end may be 1 or 3, and dup2 onto itself
 * would keep its close-on-exec flag), then onto `to`. 0, or -1. */
static int
place_fd(int fd, int to)
{
    int high = fcntl(fd, F_DUPFD, 10);

    return high < 0 || dup2(high, to) < 0 ? -1 : 0;
}

int
mcpd_child_start(const char *path, const char *const argv[], int flags,
                 int feed_fd, struct mcpd_child *c)
{
    int out[2], in[2] = { -1, -1 };
    pid_t pid;

    c->pid = -1;
    c->out = c->feed = -1;
    c->proc = NULL;
    if (cloexec_pipe(out) != 0)
        return -1;
    if (feed_fd > 2 && cloexec_pipe(in) != 0) {
        close(out[0]);
        close(out[1]);
        return -1;
    }
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        int e = errno;
        close(out[0]); close(out[1]);
        if (in[0] >= 0) {
            close(in[0]); close(in[1]);
        }
        errno = e;
        return -1;
    }
    if (pid == 0) {
        int nul, keep = feed_fd;

        if (place_fd(out[1], STDOUT_FILENO) != 0 ||
            (in[0] >= 0 && place_fd(in[0], feed_fd) != 0))
            _exit(127);
        /* Opened after the pipes are in place, so it takes neither of
         * their descriptors; above 2 it is closed below. */
        nul = open("/dev/null", O_RDWR);
        if (nul >= 0 && !(flags & MCPD_RUN_STDIN))
            dup2(nul, STDIN_FILENO);
        if (nul >= 0 && (flags & MCPD_RUN_NULL_STDERR))
            dup2(nul, STDERR_FILENO);
        mcpd_close_fds_except(&keep, in[0] >= 0 ? 1 : 0);
        signal(SIGPIPE, SIG_DFL);
        /* execv's prototype predates const; it does not write. */
        if (path)
            execv(path, (char *const *)argv);
        else
            execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(out[1]);
    if (in[0] >= 0)
        close(in[0]);
    c->pid = pid;
    c->out = out[0];
    c->feed = in[1];
    return 0;
}

int
mcpd_child_poll(struct mcpd_child *const c[], int n, int timeout_ms,
                int ready[])
{
    struct pollfd p[64];
    int i, r;

    if (n < 0 || n > 64) {
        errno = EINVAL;
        return -1;
    }
    for (i = 0; i < n; i++) {
        p[i].fd = c[i]->out;
        p[i].events = POLLIN;
        p[i].revents = 0;
    }
    r = poll(p, (nfds_t)n, timeout_ms);
    if (r < 0)
        return -1;
    for (i = 0; i < n; i++)
        ready[i] = p[i].revents != 0;
    return r;
}

int
mcpd_child_end(struct mcpd_child *c, int kill_it)
{
    int st = 0;

    if (c->out >= 0)
        close(c->out);
    if (c->feed >= 0)
        close(c->feed);
    c->out = c->feed = -1;
    if (c->pid <= 0)
        return -1;
    if (kill_it)
        kill((pid_t)c->pid, SIGKILL);
    while (waitpid((pid_t)c->pid, &st, 0) < 0)
        if (errno != EINTR) {
            c->pid = -1;
            return -1;
        }
    c->pid = -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) :
           WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
}

long
mcpd_child_spawn(char *const argv[], int (*fn)(void *), void *arg,
                 int flags, int *exec_errno)
{
    int st[2], e = 0;
    ssize_t n;
    pid_t pid;

    *exec_errno = 0;
    /* A close-on-exec pipe: a successful exec closes it, a failed one
     * sends its errno up it. */
    if (cloexec_pipe(st) != 0)
        return -1;
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGCHLD, SIG_DFL);
        if (flags & MCPD_RUN_STDOUT_TO_STDERR)
            dup2(STDERR_FILENO, STDOUT_FILENO);
        /* Nothing of ours reaches the child: not a capture socket, not
         * a helper's pipes, not the tracepoints. */
        mcpd_close_fds_except(&st[1], 1);
        if (argv == NULL) {
            close(st[1]);
            _exit(fn(arg));
        }
        execvp(argv[0], argv);
        e = errno;
        /* The parent reads why; without it, it still sees status 127. */
        if (write(st[1], &e, sizeof(e)) < 0)
            _exit(127);
        _exit(127);
    }
    e = errno;
    close(st[1]);
    if (pid < 0) {
        close(st[0]);
        errno = e;
        return -1;
    }
    while ((n = read(st[0], &e, sizeof(e))) < 0 && errno == EINTR)
        ;
    if (n == (ssize_t)sizeof(e)) {
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        *exec_errno = e ? e : ENOEXEC;
        pid = -1;
    }
    close(st[0]);
    return (long)pid;
}

int
mcpd_child_reap(long pid, int stop, struct mcpd_child_exit *how)
{
    pid_t r;
    int st = 0;

    if (pid <= 0)
        return -1;
    if (stop)
        kill((pid_t)pid, SIGTERM);
    while ((r = waitpid((pid_t)pid, &st, stop ? 0 : WNOHANG)) < 0 &&
           errno == EINTR)
        ;
    if (r <= 0)
        return r == 0 ? 0 : -1;
    how->signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
    how->code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return 1;
}

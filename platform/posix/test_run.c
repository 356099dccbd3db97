/* \summary: unit tests of the one child runner (posix/run.c): collected
 * output, the feed pipe, descriptors kept, exit and signal statuses */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "platform.h"
#include "testhelp.h"

/* Everything c writes on its stdout, until it closes it. */
static size_t
read_all(int fd, char *buf, size_t len)
{
    size_t got = 0;
    ssize_t n;

    while (got + 1 < len) {
        n = read(fd, buf + got, len - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    buf[got] = '\0';
    return got;
}

static void
test_feed(void)
{
    const char *argv[] = { "sh", "-c", "cat <&3; echo done", NULL };
    struct mcpd_child c;
    char out[256];
    int st;

    test_cond("child: starts with a feed on 3",
              mcpd_child_start(NULL, argv, 0, 3, &c) == 0 && c.out >= 0 &&
              c.feed >= 0 && c.pid > 0);
    test_cond("child: the feed takes bytes",
              write(c.feed, "hello\n", 6) == 6);
    close(c.feed);
    c.feed = -1;
    read_all(c.out, out, sizeof(out));
    st = mcpd_child_end(&c, 0);
    test_cond("child: reads its feed on 3, writes to our pipe",
              strcmp(out, "hello\ndone\n") == 0);
    test_cond("child: exit 0", st == 0);
    test_cond("child: ended, pipes closed", c.pid == -1 && c.out == -1 &&
              c.feed == -1);
}

static void
test_descriptors(void)
{
    /* Not close-on-exec, and above the feed's 3: the runner must close
     * it all the same. */
    int nul = open("/dev/null", O_RDONLY);
    int leak = nul >= 0 ? fcntl(nul, F_DUPFD, 10) : -1;
    char script[200], out[256];
    const char *argv[] = { "sh", "-c", script, NULL };
    struct mcpd_child c;

    snprintf(script, sizeof(script), "[ -e /proc/$$/fd/%d ] && echo "
             "leaked; [ -e /proc/$$/fd/3 ] && echo feed; echo end", leak);
    if (nul >= 0)
        close(nul);
    test_cond("child: a descriptor of ours to leak", leak >= 10);
    if (mcpd_child_start(NULL, argv, 0, 3, &c) != 0) {
        test_cond("child: starts", 0);
        close(leak);
        return;
    }
    close(c.feed);
    c.feed = -1;
    read_all(c.out, out, sizeof(out));
    test_cond("child: keeps 0-2 and its feed only",
              strcmp(out, "feed\nend\n") == 0);
    test_cond("child: exit 0 after the checks", mcpd_child_end(&c, 0) == 0);
    close(leak);
}

static void
test_statuses(void)
{
    const char *exit3[] = { "sh", "-c", "exit 3", NULL };
    const char *sleeper[] = { "sleep", "30", NULL };
    const char *pipe_self[] = { "sh", "-c", "kill -PIPE $$; echo alive",
                                NULL };
    const char *none[] = { "mcpdiag-no-such-program", NULL };
    struct mcpd_child c;
    char out[64];

    test_cond("child: its exit status",
              mcpd_child_start(NULL, exit3, 0, -1, &c) == 0 &&
              c.feed == -1 && mcpd_child_end(&c, 0) == 3);
    test_cond("child: killed on request is 128+SIGKILL",
              mcpd_child_start(NULL, sleeper, 0, -1, &c) == 0 &&
              mcpd_child_end(&c, 1) == 128 + SIGKILL);
    /* We ignore SIGPIPE (doctor does); the child gets it back. */
    signal(SIGPIPE, SIG_IGN);
    if (mcpd_child_start(NULL, pipe_self, 0, -1, &c) == 0) {
        read_all(c.out, out, sizeof(out));
        test_cond("child: SIGPIPE is back to its default",
                  mcpd_child_end(&c, 0) == 128 + SIGPIPE &&
                  out[0] == '\0');
    } else {
        test_cond("child: starts", 0);
    }
    signal(SIGPIPE, SIG_DFL);
    test_cond("child: a program that is not there exits 127",
              mcpd_child_start("/nonexistent/mcpdiag", none, 0, -1, &c) ==
              0 && mcpd_child_end(&c, 0) == 127);
}

static void
test_run_child(void)
{
    const char *both[] = { "sh", "-c", "echo out; echo err >&2; exit 2",
                           NULL };
    const char *sleeper[] = { "sleep", "30", NULL };
    struct mcpd_run r;

    test_cond("run: ran", mcpd_run_child(both, 0, 0, &r) == 0);
    test_cond("run: stdout and stderr apart, and the status",
              r.out && strcmp(r.out, "out\n") == 0 && r.err &&
              strcmp(r.err, "err\n") == 0 && r.status == 2 &&
              !r.timed_out);
    mcpd_run_free(&r);
    test_cond("run: ran past its timeout",
              mcpd_run_child(sleeper, 0, 0.2, &r) == 0);
    test_cond("run: stopped with SIGTERM, marked timed out",
              r.timed_out && r.status == 128 + SIGTERM);
    mcpd_run_free(&r);
}

static int
seven(void *arg)
{
    return *(int *)arg;
}

/* capture's subject: a program, or a function in a child; an exec that
 * fails is told apart from a program that ran and failed. */
static void
test_spawn(void)
{
    static char prog[] = "/nonexistent/mcpd-no-such-program", sh[] = "sh",
                c[] = "-c", script[] = "exit 127";
    char *missing[] = { prog, NULL };
    char *fails[] = { sh, c, script, NULL };
    int e, st = -1, arg = 7;
    long pid;

    pid = mcpd_child_spawn(missing, NULL, NULL, 0, &e);
    test_cond("spawn: a program that cannot run: -1 and its errno",
              pid == -1 && e == ENOENT);
    pid = mcpd_child_spawn(fails, NULL, NULL, 0, &e);
    test_cond("spawn: a program that ran and exited 127 is no exec error",
              pid > 0 && e == 0 && waitpid((pid_t)pid, &st, 0) == pid &&
              WIFEXITED(st) && WEXITSTATUS(st) == 127);
    pid = mcpd_child_spawn(NULL, seven, &arg, 0, &e);
    test_cond("spawn: a function's return value is the child's status",
              pid > 0 && e == 0 && waitpid((pid_t)pid, &st, 0) == pid &&
              WIFEXITED(st) && WEXITSTATUS(st) == 7);
}

int
main(void)
{
    test_spawn();
    test_feed();
    test_descriptors();
    test_statuses();
    test_run_child();
    return test_report();
}

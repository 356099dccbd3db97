/* \summary: doctor's child runner on Windows (mcpd_child_start, _poll,
 * _end in platform/windows/run.c) under wine: the feed on a C runtime
 * descriptor of the child, no other handle of ours inherited, nothing
 * secret on its command line, exit statuses, the wait's timeout, a kill */

#include "win.h"
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testhelp.h"

#define SECRET "Authorization: Bearer canary-7f3e"
#define CANARY "leak-canary"

/* Child: read descriptor argv[2] to its end and say what came; then is
 * the handle named on the feed's second line one of ours (a pipe with
 * the parent's canary bytes waiting in it)? */
static int
child(char **argv)
{
    char buf[4096], *nl;
    int fd = atoi(argv[2]), i, n, len = 0;
    unsigned long long hv = 0;
    DWORD avail = 0;
    HANDLE h;

    while (len < (int)sizeof(buf) - 1 &&
           (n = _read(fd, buf + len, (unsigned)(sizeof(buf) - 1 - len))) > 0)
        len += n;
    buf[len] = '\0';
    nl = strchr(buf, '\n');
    if (nl != NULL) {
        *nl = '\0';
        hv = strtoull(nl + 1, NULL, 16);
    }
    printf("feed=%s\n", buf);
    h = (HANDLE)(uintptr_t)hv;
    printf("leak=%s\n", hv != 0 && GetFileType(h) == FILE_TYPE_PIPE &&
           PeekNamedPipe(h, NULL, 0, NULL, &avail, NULL) &&
           avail == strlen(CANARY) ? "yes" : "none");
    /* The descriptors between 2 and the feed are not open. */
    for (i = 3; i < fd; i++)
        if (_get_osfhandle(i) != -1)
            printf("open=%d\n", i);
    printf("cmdline=%s\n", GetCommandLineA());
    fprintf(stderr, "to stderr\n");
    return 7;
}

/* All of c's output, through the poll and read doctor uses. */
static int
collect(struct mcpd_child *c, char *out, int cap)
{
    struct mcpd_child *cs[1] = { c };
    int ready[1], len = 0, n;

    for (;;) {
        if (mcpd_child_poll(cs, 1, 10000, ready) <= 0)
            return -1;
        n = _read(c->out, out + len, (unsigned)(cap - 1 - len));
        if (n <= 0)
            break;
        len += n;
        if (len >= cap - 1)
            break;
    }
    out[len] = '\0';
    return len;
}

int
main(int argc, char **argv)
{
    SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };
    const char *self = mcpd_plat_self_exe(NULL);
    const char *args[] = { "unit_winchild", "--child", "5", NULL };
    const char *sleeper[] = { "unit_winchild", "--sleep", NULL };
    struct mcpd_child c, s;
    struct mcpd_child *cs[1];
    HANDLE canary_r, canary_w;
    DWORD wrote;
    char feed[256], out[8192];
    const char *cmdline;
    int ready[1], st, n;

    if (argc > 2 && strcmp(argv[1], "--child") == 0)
        return child(argv);
    if (argc > 1 && strcmp(argv[1], "--sleep") == 0) {
        Sleep(60000);
        return 0;
    }
    /* An inheritable handle of ours, as a library may leave one: the
     * child must not get it. */
    test_cond("canary pipe", CreatePipe(&canary_r, &canary_w, &sa, 0) &&
              WriteFile(canary_w, CANARY, (DWORD)strlen(CANARY), &wrote,
                        NULL));
    test_cond("self path", self != NULL);
    test_cond("start with a feed on descriptor 5",
              mcpd_child_start(self, args, MCPD_RUN_NULL_STDERR, 5, &c) == 0
              && c.out >= 0 && c.feed >= 0 && c.pid > 0);
    n = snprintf(feed, sizeof(feed), "%s\n%llx\n", SECRET,
                 (unsigned long long)(uintptr_t)canary_r);
    test_cond("feed written", _write(c.feed, feed, (unsigned)n) == n);
    _close(c.feed);
    c.feed = -1;
    test_cond("output read to its end", collect(&c, out, sizeof(out)) > 0);
    st = mcpd_child_end(&c, 0);
    test_cond("exit status 7", st == 7);
    test_cond("the feed arrived on descriptor 5",
              strstr(out, "feed=" SECRET "\n") != NULL);
    test_cond("no other handle of ours inherited",
              strstr(out, "leak=none\n") != NULL);
    test_cond("descriptors 3 and 4 not open in the child",
              strstr(out, "open=") == NULL);
    cmdline = strstr(out, "cmdline=");
    test_cond("the command line as given, no secret in it",
              cmdline != NULL && strstr(cmdline, "--child 5") != NULL &&
              strstr(cmdline, "canary") == NULL);
    test_cond("its stderr went nowhere", strstr(out, "to stderr") == NULL);
    if (strstr(out, "leak=none") == NULL || strstr(out, "feed=") == NULL)
        printf("child said:\n%s\n", out);

    /* The wait's timeout, then a kill: 128+9, as POSIX's SIGKILL. */
    test_cond("start a child that hangs",
              mcpd_child_start(self, sleeper, MCPD_RUN_NULL_STDERR, -1, &s)
              == 0 && s.feed == -1);
    cs[0] = &s;
    test_cond("nothing ready within the timeout",
              mcpd_child_poll(cs, 1, 200, ready) == 0 && ready[0] == 0);
    test_cond("killed: 137", mcpd_child_end(&s, 1) == 137);
    test_cond("a program that does not exist: -1",
              mcpd_child_start("Z:\\no\\such\\program.exe", sleeper, 0, 3,
                               &s) == -1 && s.out == -1 && s.feed == -1);
    CloseHandle(canary_r);
    CloseHandle(canary_w);
    return test_report();
}

/* \summary: the child runner where no backend exists: nothing is run */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "platform.h"

int
mcpd_run_child(const char *const argv[], int flags, double timeout_s,
               struct mcpd_run *r)
{
    (void)argv;
    (void)flags;
    (void)timeout_s;
    memset(r, 0, sizeof(*r));
    r->status = -1;
    errno = ENOSYS;
    return -1;
}

void
mcpd_run_free(struct mcpd_run *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

int
mcpd_child_start(const char *path, const char *const argv[], int flags,
                 int feed_fd, struct mcpd_child *c)
{
    (void)path;
    (void)argv;
    (void)flags;
    (void)feed_fd;
    c->pid = -1;
    c->out = c->feed = -1;
    c->proc = NULL;
    errno = ENOSYS;
    return -1;
}

int
mcpd_child_poll(struct mcpd_child *const c[], int n, int timeout_ms,
                int ready[])
{
    (void)c;
    (void)n;
    (void)timeout_ms;
    (void)ready;
    errno = ENOSYS;
    return -1;
}

int
mcpd_child_end(struct mcpd_child *c, int kill_it)
{
    (void)kill_it;
    c->pid = -1;
    c->out = c->feed = -1;
    return -1;
}

long
mcpd_child_spawn(char *const argv[], int (*fn)(void *), void *arg,
                 int flags, int *exec_errno)
{
    (void)argv;
    (void)fn;
    (void)arg;
    (void)flags;
    *exec_errno = 0;
    errno = ENOSYS;
    return -1;
}

int
mcpd_child_reap(long pid, int stop, struct mcpd_child_exit *how)
{
    /* mcpd_child_spawn starts nothing here: there is no child to reap. */
    (void)pid;
    (void)stop;
    (void)how;
    errno = ENOSYS;
    return -1;
}

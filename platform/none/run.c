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

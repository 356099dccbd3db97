/* \summary: privileges where no backend exists: say so, guess nothing */

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "platform.h"

static const char no_backend[] =
    "privileges are not handled on this platform";

int
mcpd_user_resolve(const char *name, struct mcpd_user *u, char *err,
                  size_t errlen)
{
    (void)name;
    (void)u;
    snprintf(err, errlen, "%s", no_backend);
    return -1;
}

int
mcpd_drop_privileges(const struct mcpd_user *u, char *err, size_t errlen)
{
    (void)u;
    snprintf(err, errlen, "%s", no_backend);
    return -1;
}

int
mcpd_create_output(const char *path, const struct mcpd_user *u, char *err,
                   size_t errlen)
{
    (void)path;
    (void)u;
    snprintf(err, errlen, "%s: cannot create output files safely",
             no_backend);
    return -1;
}

void
mcpd_close_fds_except(const int *keep, int nkeep)
{
    /* Nothing is started as a child here (mcpd_run_child fails). */
    (void)keep;
    (void)nkeep;
}

int
mcpd_leave_sudo_root(char *err, size_t errlen)
{
    /* Without sudo nothing changes; under sudo this platform cannot give
     * root up for good, so the caller must stop. */
    if (getenv("SUDO_UID") == NULL)
        return 0;
    snprintf(err, errlen, "%s: cannot leave sudo's root", no_backend);
    return -1;
}

int
mcpd_still_privileged(void)
{
    /* Capabilities cannot be asked about: only the ids are known. */
    return geteuid() == 0 || getuid() == 0;
}

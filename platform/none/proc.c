/* \summary: processes where no backend exists: nothing is known about
 * other processes, and this program cannot start itself again */

#include <stddef.h>
#include "platform.h"

long
mcpd_plat_parent_pid(long pid)
{
    (void)pid;
    return -1;
}

int
mcpd_plat_pid_uid(long pid, uint32_t *uid)
{
    (void)pid;
    (void)uid;
    return -1;
}

const char *
mcpd_plat_self_exe(const char **fix)
{
    if (fix != NULL)
        *fix = "this platform has no way to name it";
    return NULL;
}

int
mcpd_plat_can_capture(void)
{
    return 0;
}

int
mcpd_plat_random(void *buf, size_t len, int may_block)
{
    (void)buf;
    (void)len;
    (void)may_block;
    return -1;
}

char *
mcpd_plat_environ(long pid, size_t *len)
{
    (void)pid;
    *len = 0;
    return NULL;
}

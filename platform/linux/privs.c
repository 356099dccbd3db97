/* \summary: privileges on Linux: the id calls behind posix/user.c
 * (setresuid), capabilities, and closing descriptors (close_range) */

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "platform.h"
#include "posix.h"

int
mcpd_posix_set_ids(const struct mcpd_user *u, char *err, size_t errlen)
{
    if (setresgid(u->gid, u->gid, u->gid) != 0) {
        snprintf(err, errlen, "setresgid(%lu): %s", (unsigned long)u->gid,
                 strerror(errno));
        return -1;
    }
    if (setresuid(u->uid, u->uid, u->uid) != 0) {
        snprintf(err, errlen, "setresuid(%lu): %s", (unsigned long)u->uid,
                 strerror(errno));
        return -1;
    }
    return 0;
}

int
mcpd_posix_get_uids(uid_t *r, uid_t *e, uid_t *s)
{
    return getresuid(r, e, s);
}

void
mcpd_close_fds_except(const int *keep, int nkeep)
{
    unsigned int from = 3;
    int i;

    for (;;) {
        unsigned int next = ~0U;
        /* The lowest kept descriptor at or above `from`. */
        for (i = 0; i < nkeep; i++)
            if (keep[i] >= (int)from && (unsigned int)keep[i] < next)
                next = (unsigned int)keep[i];
        if (next > from) {
            unsigned int to = next == ~0U ? ~0U : next - 1;
#ifdef SYS_close_range
            if (syscall(SYS_close_range, from, to, 0) != 0)
#endif
            {
                /* Kernels before 5.9: one at a time, up to the limit. */
                struct rlimit rl;
                unsigned int fd, max = 65536;
                if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
                    rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < max)
                    max = (unsigned int)rl.rlim_cur;
                for (fd = from; fd <= to && fd < max; fd++)
                    close((int)fd);
            }
        }
        if (next == ~0U)
            break;
        from = next + 1;
    }
}

int
mcpd_still_privileged(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    char line[256];
    int priv = geteuid() == 0 || getuid() == 0;

    if (f == NULL)
        return priv;
    while (fgets(line, sizeof(line), f)) {
        unsigned long long caps;
        if ((strncmp(line, "CapEff:", 7) == 0 ||
             strncmp(line, "CapPrm:", 7) == 0) &&
            sscanf(line + 7, "%llx", &caps) == 1 && caps != 0)
            priv = 1;
    }
    fclose(f);
    return priv;
}


/* \summary: privileges on macOS: the id calls behind posix/user.c (no
 * setresuid here: setgid and setuid as root set all three ids), and
 * closing descriptors one by one (no close_range) */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "platform.h"
#include "posix.h"

/* As root, setgid(2) and setuid(2) set the real, effective and saved
 * ids together (POSIX "appropriate privileges"; macOS setuid(2)). */
int
mcpd_posix_set_ids(const struct mcpd_user *u, char *err, size_t errlen)
{
    if (setgid(u->gid) != 0) {
        snprintf(err, errlen, "setgid(%lu): %s", (unsigned long)u->gid,
                 strerror(errno));
        return -1;
    }
    if (setuid(u->uid) != 0) {
        snprintf(err, errlen, "setuid(%lu): %s", (unsigned long)u->uid,
                 strerror(errno));
        return -1;
    }
    return 0;
}

/* macOS cannot read the saved uid (no getresuid): it is reported as the
 * effective one, and posix/user.c's check that seteuid(0) now fails is
 * what proves the saved uid is not root either. */
int
mcpd_posix_get_uids(uid_t *r, uid_t *e, uid_t *s)
{
    *r = getuid();
    *e = geteuid();
    *s = *e;
    return 0;
}

void
mcpd_close_fds_except(const int *keep, int nkeep)
{
    struct rlimit rl;
    int fd, i, max = 65536;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur < (rlim_t)max)
        max = (int)rl.rlim_cur;
    for (fd = 3; fd < max; fd++) {
        int kept = 0;
        for (i = 0; i < nkeep; i++)
            if (keep[i] == fd)
                kept = 1;
        if (!kept)
            close(fd);
    }
}

/* No capabilities on macOS: root is the only privilege. */
int
mcpd_still_privileged(void)
{
    return geteuid() == 0 || getuid() == 0;
}

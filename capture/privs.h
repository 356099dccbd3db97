/* \summary: privileges: whom to become after opening the capture, how to
 * create output files safely, how to run the user's command as the user
 * (one file per OS: privs_linux.c) */
#ifndef MCPD_PRIVS_H
#define MCPD_PRIVS_H

#include <stddef.h>
#include <sys/types.h>

/* The unprivileged identity the capture continues as. */
struct mcpd_user {
    uid_t uid;
    gid_t gid;
    char name[64];           /* login name */
    char home[256];          /* home directory, "" if unknown */
    int from_sudo;           /* taken from SUDO_UID/SUDO_GID */
};

/*
 * Decide whom to become: `name` if given (-Z USER), else the user who
 * ran sudo (SUDO_UID/SUDO_GID), else the current real user. Returns 0,
 * or -1 with err set.
 */
int mcpd_user_resolve(const char *name, struct mcpd_user *u, char *err,
                      size_t errlen);

/*
 * Give up root for good: supplementary groups, then gid, then uid (real,
 * effective and saved), and check that it cannot be undone. A process
 * not running as root only checks it is already `u`. Returns 0, or -1
 * with err set (the caller must stop: continuing as root is not an
 * option).
 */
int mcpd_drop_privileges(const struct mcpd_user *u, char *err,
                         size_t errlen);

/*
 * Create `path` for writing as user `u` would: never through a symlink,
 * never truncating a file that belongs to someone else, mode 0600 when
 * new. Returns a file descriptor, or -1 with err set.
 */
int mcpd_create_output(const char *path, const struct mcpd_user *u,
                       char *err, size_t errlen);

/* True when the process still holds root or any capability. */
int mcpd_still_privileged(void);

#endif

/* \summary: privileges: whom to become after opening the capture, how to
 * create output files safely, how to run the user's command as the user
 * (one file per OS: privs_linux.c) */
#ifndef MCPD_PRIVS_H
#define MCPD_PRIVS_H

#include <stddef.h>
#include <sys/types.h>

#define MCPD_USER_GROUPS 64  /* supplementary groups kept for the user */

/* The unprivileged identity the capture continues as. */
struct mcpd_user {
    uid_t uid;
    gid_t gid;
    gid_t groups[MCPD_USER_GROUPS];  /* the user's groups (initgroups) */
    int ngroups;
    char name[64];           /* login name */
    char home[256];          /* home directory, "" if unknown */
    int from_sudo;           /* taken from SUDO_UID/SUDO_GID */
};

/*
 * Decide whom to become: `name` if given (-Z USER), else the user who
 * ran sudo (SUDO_UID/SUDO_GID), else the current real user. Under sudo
 * `name` may only be the user who ran sudo: a sudoers rule for mcpdiag
 * must not become a way to run COMMAND as root or as someone else.
 * Returns 0, or -1 with err set (a usage error).
 */
int mcpd_user_resolve(const char *name, struct mcpd_user *u, char *err,
                      size_t errlen);

/*
 * Give up root for good: the user's own supplementary groups, then gid,
 * then uid (real, effective and saved), and check that it cannot be
 * undone. A process not running as root only checks it is already `u`.
 * Returns 0, or -1 with err set (the caller must stop: continuing as
 * root is not an option).
 */
int mcpd_drop_privileges(const struct mcpd_user *u, char *err,
                         size_t errlen);

/*
 * Create `path` for writing as user `u` would, with the user's groups as
 * well as uid and gid: never through a symlink, never blocking on or
 * writing to anything but a regular file, never truncating a file that
 * belongs to someone else, mode 0600 (an existing file of the user's is
 * set to 0600 too). Returns a close-on-exec file descriptor, or -1 with
 * err set.
 */
int mcpd_create_output(const char *path, const struct mcpd_user *u,
                       char *err, size_t errlen);

/*
 * Close every descriptor from 3 up except the `nkeep` in `keep`: what a
 * child does before it runs a program, so that nothing of ours (capture
 * socket, pipes, tracepoints) reaches it.
 */
void mcpd_close_fds_except(const int *keep, int nkeep);

/*
 * Under sudo, become the user who ran sudo for good (as
 * mcpd_drop_privileges does), for commands that need no privilege at
 * all: reading a capture or a bundle must not let a sudoers rule for
 * mcpdiag read root's files. Without sudo nothing changes. Returns 0,
 * or -1 with err set (the caller must stop).
 */
int mcpd_leave_sudo_root(char *err, size_t errlen);

/* True when the process still holds root or any capability. */
int mcpd_still_privileged(void);

#endif

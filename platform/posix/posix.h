/* \summary: what the POSIX backends (linux/, macos/) share: the calls
 * posix/user.c needs from each OS's privs.c (not part of the platform
 * interface) */
#ifndef MCPD_PLATFORM_POSIX_H
#define MCPD_PLATFORM_POSIX_H

#include <stddef.h>
#include <sys/types.h>
#include "privs.h"

/*
 * As root, after setgroups: set the real, effective and saved gid, then
 * the same three uids, to u's, so that none of them is root any more.
 * Returns 0, or -1 with err naming the call that failed and why.
 */
int mcpd_posix_set_ids(const struct mcpd_user *u, char *err,
                       size_t errlen);

/* The real, effective and saved uid of this process (the saved one as
 * well as the OS can tell). 0, or -1 when they cannot be read. */
int mcpd_posix_get_uids(uid_t *r, uid_t *e, uid_t *s);

#endif

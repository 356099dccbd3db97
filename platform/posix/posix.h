/* \summary: what the POSIX backends (linux/, macos/) share: the calls
 * posix/user.c needs from each OS's privs.c (not part of the platform
 * interface) */
#ifndef MCPD_PLATFORM_POSIX_H
#define MCPD_PLATFORM_POSIX_H

#include <stddef.h>
#include <sys/types.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "privs.h"
#include "target.h"

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

/* ---- environment.json parts (posix/envparts.c) ---------------------- */

/* o[key] = v, or null when v is NULL. */
void mcpd_env_add_str(cJSON *o, const char *key, const char *v);

/* The resolver's answers for the target's host, in the order clients
 * try them, with resolv.conf and the /etc/hosts lines naming it. */
cJSON *mcpd_env_resolver(const struct mcpd_target *t);

/* The listeners on the port with their processes (owner.h). */
cJSON *mcpd_env_listeners(uint16_t port);

/* The proxy variables of this process, each value through redact_value
 * when it is not NULL. */
cJSON *mcpd_env_proxy_vars(size_t (*redact_value)(char *));

/* The listen-queue counters (mcpd_sys_counters). */
cJSON *mcpd_env_counters(void);

/* Every interface by name, with the loopback ones' addresses. */
cJSON *mcpd_env_interfaces(void);

#endif

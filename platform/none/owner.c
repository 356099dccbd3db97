/* \summary: socket owners where no backend exists: say so, guess nothing */

#include <stdio.h>
#include "platform.h"

/*
 * A platform without a backend (see owner_linux.c for what one does)
 * still links and runs: callers get MCPD_VIS_NONE and a sentence they
 * can show, never an empty answer dressed up as "no listener".
 */
static const char no_backend[] =
    "socket owners are not available on this platform";

static void
say_none(char *err)
{
    if (err != NULL)
        snprintf(err, MCPD_ERR_LEN, "%s", no_backend);
}

int
mcpd_owner_listeners(uint16_t port, struct mcpd_listener *out, int max,
                     enum mcpd_visibility *vis, char *err)
{
    (void)port;
    (void)out;
    (void)max;
    if (vis != NULL)
        *vis = MCPD_VIS_NONE;
    /* "No listener" would be a claim we cannot back: fail instead. */
    say_none(err);
    return -1;
}

int
mcpd_owner_lookup(const struct mcpd_endpoint *local,
                  const struct mcpd_endpoint *remote,
                  struct mcpd_owner *out, char *err)
{
    (void)local;
    (void)remote;
    if (out != NULL) {
        out->pid = -1;
        out->uid = 0;
        out->command[0] = '\0';
        out->user[0] = '\0';
        out->inode = 0;
    }
    /* "No such socket" would be a claim we cannot back: fail instead. */
    say_none(err);
    return -1;
}

void
mcpd_owner_username(uint32_t uid, char *buf, size_t len)
{
    /* No portable user database to ask: the number is still true. */
    if (buf != NULL && len > 0)
        snprintf(buf, len, "%u", (unsigned)uid);
}

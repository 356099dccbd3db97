/* \summary: listeners from netstat -anv when the owner walk cannot see
 * them: addresses and state of every process's sockets, no owner */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "platform.h"
#include "native.h"

int
mcpd_plat_listeners_noowner(uint16_t port, struct mcpd_listener *out,
                            int max, char *err)
{
    struct mcpd_netstat_sock *s;
    int n, i, count = 0;

    s = mcpd_mac_netstat(&n, err);
    if (s == NULL)
        return -1;
    for (i = 0; i < n; i++) {
        struct mcpd_listener *l;

        if (strcmp(s[i].state, "LISTEN") != 0 || s[i].local.port != port)
            continue;
        if (count < max) {
            l = &out[count];
            memset(l, 0, sizeof(*l));
            l->local = s[i].local;
            /* tcp6 refuses IPv4, tcp46 takes both (netstat's naming). */
            l->v6only = s[i].family == 6 ? 1 : 0;
            l->backlog = 0;      /* not in this table: unknown */
            l->queued = 0;       /* Recv-Q of a BSD listener is not its
                                    accept queue: unknown */
            l->owner.pid = -1;
        }
        count++;
    }
    free(s);
    return count;
}

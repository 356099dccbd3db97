/* \summary: listeners without owners on Windows: the same TCP table,
 * addresses only (mcpd_owner_listeners names the processes) */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "win.h"

int
mcpd_plat_listeners_noowner(uint16_t port, struct mcpd_listener *out,
                            int max, char *err)
{
    struct mcpd_win_tcp *rows;
    int n, i, found = 0;

    if ((n = mcpd_win_tcp_table(&rows, err)) < 0)
        return -1;
    for (i = 0; i < n; i++) {
        struct mcpd_listener *l;

        if (!rows[i].listening || rows[i].local.port != port)
            continue;
        if (found++ >= max)
            continue;
        l = &out[found - 1];
        memset(l, 0, sizeof(*l));
        l->local = rows[i].local;
        l->v6only = rows[i].local.ip.family == 6 ? -1 : 0;
        l->owner.pid = -1;  /* this table has no accept queue either */
    }
    free(rows);
    return found;
}

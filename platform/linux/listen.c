/* \summary: listeners from /proc/net/tcp{,6} when the owner backend
 * cannot answer: addresses and queue, no process */

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "platform.h"


/*
 * Listening sockets on `port` from the kernel's text tables (the format
 * of net/ipv4/tcp_ipv4.c get_tcp4_sock: hex address in host-order words,
 * state 0A = LISTEN, tx_queue = backlog, rx_queue = accept queue).
 * Returns how many were found, or -1 with err set.
 */
int
mcpd_plat_listeners_noowner(uint16_t port, struct mcpd_listener *out,
                            int max, char *err)
{
    static const char *const files[2] = { "/proc/net/tcp", "/proc/net/tcp6" };
    int f, n = 0, opened = 0;

    for (f = 0; f < 2; f++) {
        FILE *fp = fopen(files[f], "re");
        char line[512];

        if (fp == NULL)
            continue;
        opened++;
        if (fgets(line, sizeof(line), fp) == NULL) {
            fclose(fp);
            continue;
        }
        while (fgets(line, sizeof(line), fp)) {
            char local[40], remote[40];
            unsigned lport, st, txq, rxq, uid;
            struct mcpd_listener *l;
            uint8_t a[16];
            int i;

            if (sscanf(line, " %*u: %39[0-9A-Fa-f]:%x %39[0-9A-Fa-f]:%*x "
                       "%x %x:%x %*x:%*x %*x %u", local, &lport, remote, &st,
                       &txq, &rxq, &uid) != 7)
                continue;
            if (st != 0x0A || lport != port)
                continue;
            if (n >= max) {
                n++;
                continue;
            }
            /* Each 32-bit word is printed in host order. */
            for (i = 0; i < (f ? 4 : 1); i++) {
                unsigned w;
                if (sscanf(local + i * 8, "%8x", &w) != 1)
                    w = 0;
                memcpy(a + i * 4, &w, 4);
            }
            l = &out[n++];
            memset(l, 0, sizeof(*l));
            l->local.ip.family = f ? 6 : 4;
            memcpy(l->local.ip.a, a, f ? 16 : 4);
            l->local.port = port;
            l->v6only = -1;
            (void)txq;      /* write queue: 0 on a listener */
            l->backlog = 0; /* not in this table: unknown */
            l->queued = rxq;
            l->owner.pid = -1;
            l->owner.uid = uid;
            snprintf(l->owner.user, sizeof(l->owner.user), "%u", uid);
        }
        fclose(fp);
    }
    if (opened == 0) {
        snprintf(err, MCPD_ERR_LEN, "cannot read /proc/net/tcp");
        return -1;
    }
    return n;
}

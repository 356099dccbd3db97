/* \summary: who owns a TCP socket: the platform interface (one file per
 * OS: owner_linux.c; owner_none.c where no backend exists) */
#ifndef MCPD_OWNER_H
#define MCPD_OWNER_H

#include <stdint.h>
#include "mcpd.h"

/* A process that holds a socket. */
struct mcpd_owner {
    int32_t pid;             /* -1 when not found */
    uint32_t uid;            /* owner uid of the socket */
    char command[64];        /* process name (comm), "" if unknown */
    char user[32];           /* user name for uid, or the number */
    uint64_t inode;          /* socket inode; 0 = kernel-only socket */
};

/* How much of the system we could see when answering. */
enum mcpd_visibility {
    MCPD_VIS_FULL,           /* every process's sockets were readable */
    MCPD_VIS_PARTIAL,        /* some /proc/PID/fd were denied (not root) */
    MCPD_VIS_NONE            /* no backend on this platform */
};

/* A listening TCP socket on the port asked about. */
struct mcpd_listener {
    struct mcpd_endpoint local;  /* bound address and port */
    int v6only;              /* IPv6 socket that refuses IPv4 (-1 unknown) */
    uint32_t backlog;        /* listen() backlog (ss Send-Q) */
    uint32_t queued;         /* connections waiting for accept (Recv-Q) */
    struct mcpd_owner owner; /* pid -1 when the owner is not visible */
};

/*
 * Every TCP socket listening on `port`, any address and family, with its
 * owner. Fills up to `max` entries; returns how many there are (may be
 * more than max), or -1 with err set. *vis says how complete the owner
 * information is.
 */
int mcpd_owner_listeners(uint16_t port, struct mcpd_listener *out, int max,
                         enum mcpd_visibility *vis, char *err);

/*
 * The owner of the TCP socket with this local and remote endpoint (any
 * state). Returns 1 and fills *out when found, 0 when no such socket
 * exists now, -1 with err set on failure.
 */
int mcpd_owner_lookup(const struct mcpd_endpoint *local,
                      const struct mcpd_endpoint *remote,
                      struct mcpd_owner *out, char *err);

/* The user name for a uid ("alice"), or its number as text. */
void mcpd_owner_username(uint32_t uid, char *buf, size_t len);

#endif

/* \summary: who owns a TCP socket: the platform interface (one file per
 * OS: owner_linux.c; owner_none.c where no backend exists) */
#ifndef MCPD_OWNER_H
#define MCPD_OWNER_H

#include <stdint.h>
#include "mcpd.h"

/*
 * A process that holds a socket. When several do (a socket inherited
 * across fork, as in a pre-forking server), the lowest visible pid is
 * named, usually the parent.
 */
struct mcpd_owner {
    int32_t pid;             /* -1 when not found or not visible */
    uint32_t uid;            /* owner uid of the socket */
    char command[64];        /* process name (comm), "" if unknown */
    char user[32];           /* user name for uid, or the number; ""
                                when the kernel gives no owner
                                (TIME_WAIT, SYN_RECV) */
    uint64_t inode;          /* socket inode; 0 = kernel-only socket
                                (TIME_WAIT, or a connection not yet
                                accept()ed): pid is then -1 */
};

/* How much of the system we could see when naming owners. The sockets
 * themselves are always complete (for this network namespace). */
enum mcpd_visibility {
    MCPD_VIS_FULL,           /* every process's sockets were readable */
    MCPD_VIS_PARTIAL,        /* some /proc/PID/fd were denied (not root) */
    MCPD_VIS_NONE            /* no backend on this platform, or no
                                /proc to read: no owner is named */
};

/* A listening TCP socket on the port asked about. */
struct mcpd_listener {
    struct mcpd_endpoint local;  /* bound address and port, as the
                                    kernel has it: a v4-mapped bind
                                    (::ffff:a.b.c.d) stays family 6 */
    int v6only;              /* IPv6 socket that refuses IPv4 (-1
                                unknown, 0 for IPv4 sockets); Linux sets
                                it on any bind to one non-mapped IPv6
                                address, e.g. [::1] */
    uint32_t backlog;        /* listen() backlog (ss Send-Q) */
    uint32_t queued;         /* connections waiting for accept (Recv-Q) */
    struct mcpd_owner owner; /* pid -1 when the owner is not visible */
};

/*
 * Every TCP socket listening on `port`, any address and family, with its
 * owner. Fills up to `max` entries (out may be NULL when max is 0);
 * returns how many there are (may be more than max), or -1 with err
 * set. *vis says how complete the owner information is. err is a
 * caller-owned char[MCPD_ERR_LEN]. On Linux the /proc walked is
 * $MCPD_PROC_ROOT when set (tests), else /proc.
 */
int mcpd_owner_listeners(uint16_t port, struct mcpd_listener *out, int max,
                         enum mcpd_visibility *vis, char *err);

/*
 * The owner of the TCP socket with this local and remote endpoint (any
 * state). An IPv4 tuple also matches a dual-stack IPv6 socket holding
 * it as ::ffff:a.b.c.d, and the mapped form matches an IPv4 socket.
 * Returns 1 and fills *out when found, 0 when no such socket exists
 * now, -1 with err set on failure (and where no backend exists).
 */
int mcpd_owner_lookup(const struct mcpd_endpoint *local,
                      const struct mcpd_endpoint *remote,
                      struct mcpd_owner *out, char *err);

/* The user name for a uid ("alice"), or its number as text. */
void mcpd_owner_username(uint32_t uid, char *buf, size_t len);

#endif

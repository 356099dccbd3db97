/* \summary: common types of the mcpdiag core: addresses, result codes */
#ifndef MCPD_H
#define MCPD_H

#include <stddef.h>
#include <stdint.h>

#define MCPD_VERSION "0.1.0"
#define MCPD_ERR_LEN 256

/*
 * Result codes of library functions. Functions fill a caller-owned
 * err[MCPD_ERR_LEN] with the detail; they never print and never exit.
 */
enum mcpd_code {
    MCPD_OK = 0,
    MCPD_E_NOMEM,            /* allocation failed */
    MCPD_E_OPEN,             /* a file could not be opened or read */
    MCPD_E_FORMAT,           /* not a capture, or a malformed one */
    MCPD_E_LINKTYPE,         /* a link type we cannot decode */
    MCPD_E_USAGE             /* bad arguments */
};

const char *mcpd_strerror(enum mcpd_code code);

/* An IPv4 or IPv6 address. IPv4 lives in the first 4 bytes of a[]. */
struct mcpd_ip {
    uint8_t family;          /* 4 or 6; 0 = unset */
    uint8_t a[16];           /* network byte order */
};

/* One side of a TCP connection. */
struct mcpd_endpoint {
    struct mcpd_ip ip;       /* address */
    uint16_t port;           /* host byte order */
};

/* Format an address as text ("127.0.0.1", "::1"). buf >= 46 bytes. */
const char *mcpd_ip_str(const struct mcpd_ip *ip, char *buf, size_t len);

/* The one endpoint formatter: "127.0.0.1:3000", "[::1]:3000" (brackets
 * when the host text holds a ':'), "localhost:3000". Returns buf. */
const char *mcpd_hostport_str(const char *host, uint16_t port, char *buf,
                              size_t len);

/* Compare two addresses; 0 when equal. */
int mcpd_ip_cmp(const struct mcpd_ip *x, const struct mcpd_ip *y);

/* An IPv4-mapped address (::ffff:a.b.c.d) becomes the IPv4 one it
 * stands for; any other address is left as it is. A dual-stack IPv6
 * socket talks to IPv4 peers through these, so an IPv4 4-tuple may
 * belong to an AF_INET6 socket. */
void mcpd_ip_unmap(struct mcpd_ip *ip);

/* 1 when e, its address IPv4-mapped or not, is want (whose address is
 * already unmapped): a socket's end matched against a connection. */
int mcpd_endpoint_is(const struct mcpd_endpoint *e,
                     const struct mcpd_endpoint *want);

#define MCPD_IP_STRLEN 46

/*
 * A capture timestamp in nanoseconds, clamped to what int64 holds
 * (1970..2262): pcapng carries 64-bit times, and a hostile one must not
 * overflow the arithmetic done on it later.
 */
static inline int64_t
mcpd_ts_ns(int64_t sec, int64_t ns)
{
    if (sec > 9223372035LL)
        sec = 9223372035LL;
    if (sec < 0)
        sec = 0;
    if (ns < 0 || ns > 999999999)
        ns = 0;
    return sec * 1000000000 + ns;
}

#endif

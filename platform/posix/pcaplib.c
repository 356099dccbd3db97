/* \summary: live capture on POSIX systems: the linked libpcap itself */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include "platform.h"
#include "pcaplib.h"

static int
wait_selectable(pcap_t *p, int timeout_ms)
{
    struct pollfd pfd = { .fd = pcap_get_selectable_fd(p), .events = POLLIN };
    int n;

    if (pfd.fd < 0)
        return 1;           /* nothing to poll: let dispatch look */
    n = poll(&pfd, 1, timeout_ms);
    return n < 0 && errno == EINTR ? 0 : n;
}

/* libpcap opens its socket without close-on-exec: COMMAND, run as the
 * user, must never inherit a root capture socket. */
static int
seal_cloexec(pcap_t *p, char *errbuf)
{
    int fd = pcap_fileno(p);

    if (fd >= 0 && fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
        snprintf(errbuf, PCAP_ERRBUF_SIZE, "close-on-exec: %s",
                 strerror(errno));
        return -1;
    }
    return 0;
}

static const struct mcpd_pcaplib linked = {
    .name = "libpcap",
    .create = pcap_create,
    .open_remote = NULL,     /* Debian's and Apple's have no rpcap */
    .set_snaplen = pcap_set_snaplen,
    .set_promisc = pcap_set_promisc,
    .set_immediate_mode = pcap_set_immediate_mode,
    .set_timeout = pcap_set_timeout,
    .set_buffer_size = pcap_set_buffer_size,
    .set_tstamp_precision = pcap_set_tstamp_precision,
    .get_tstamp_precision = pcap_get_tstamp_precision,
    .activate = pcap_activate,
    .geterr = pcap_geterr,
    .close = pcap_close,
    .datalink = pcap_datalink,
    .compile = pcap_compile,
    .setfilter = pcap_setfilter,
    .freecode = pcap_freecode,
    .setnonblock = pcap_setnonblock,
    .dispatch = pcap_dispatch,
    .stats = pcap_stats,
    .wait = wait_selectable,
    .seal = seal_cloexec,
};

const struct mcpd_pcaplib *
mcpd_plat_pcaplib(char *err)
{
    (void)err;
    return &linked;
}

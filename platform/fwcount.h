/* \summary: firewall rule counters, read by a small privileged helper
 * process (one file per OS: fwcount_linux.c) */
#ifndef MCPD_FWCOUNT_H
#define MCPD_FWCOUNT_H

#include <stddef.h>
#include <stdint.h>

struct mcpd_fwwatch;

/* A rule whose packet counter moved since the watch started. */
struct mcpd_fwrule {
    char text[200];          /* "filter: -A INPUT -p tcp ... -j DROP" */
    uint64_t packets;        /* packets it matched since the start */
    int verdict;             /* 1 when it drops or rejects */
};

/*
 * As root, before privileges are dropped: read the counters of the rules
 * that mention one of `ports` (and chain policies), then fork a helper
 * that keeps root only to read them again on request. Only reads: no
 * rule is ever changed. NULL with err set when it cannot run.
 */
struct mcpd_fwwatch *mcpd_fwwatch_start(const uint16_t *ports, int nports,
                                        char *err, size_t errlen);

/* Rules whose counters moved so far (asks the helper); returns count. */
int mcpd_fwwatch_moved(struct mcpd_fwwatch *w, struct mcpd_fwrule *out,
                       int max);

/* Stop the helper. */
void mcpd_fwwatch_stop(struct mcpd_fwwatch *w);

#endif

/* \summary: what the capture command's modules share: the running
 * capture's state, and each module's entry points */
#ifndef MCPD_CAPTURE_INT_H
#define MCPD_CAPTURE_INT_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "kcorrelate.h"
#include "live.h"
#include "platform.h"
#include "proxyenv.h"
#include "report.h"
#include "target.h"

#define MAX_LISTENERS 32
#define KEV_RING 8192            /* recent kernel events kept */
#define LOOKUPS_PER_SECOND 50
#define GRACE_NS (500LL * 1000000)
#define CMD_SOCKETS 256          /* command's connections remembered */

/* What the command line asked for (capture_opts.c). */
struct capture_args {
    struct mcpd_report_opts ropts;   /* format, verbose, quiet */
    const char *iface, *wfile, *zuser, *target_text;
    char **cmd_argv;                 /* after "--"; NULL: none */
    int passive, duration, syn_timeout, timeout;
    int no_color, no_witness, snaplen;
};

struct capture {
    struct mcpd_target target;
    struct mcpd_report *rep;
    struct mcpd_flowtab *tab;
    struct mcpd_live live;
    FILE *live_out;          /* where verdict lines go as they happen */
    int color;
    int quiet;
    struct mcpd_listener listeners[MAX_LISTENERS];
    int nlisteners;
    enum mcpd_visibility vis;
    struct mcpd_proxy_env proxy;
    int64_t lookup_window;   /* second of the current lookup budget */
    int lookups;             /* lookups made in that second */
    uint64_t unattributed;   /* client sockets gone before the lookup */
    struct mcpd_witness *witness;   /* NULL: not available or disabled */
    struct mcpd_kstore kev;         /* ring of recent kernel events */
    struct mcpd_fwwatch *fw;        /* firewall counters (root helper) */
    struct mcpd_fwrule moved[8];    /* rules whose counters moved */
    int nmoved;
    int64_t moved_at;               /* when `moved` was read, ns */
    long long overflows_base;       /* TcpExtListenOverflows at start */
    int32_t last_pid;               /* user_of_pid's one-entry cache */
    uint32_t last_uid;
    char last_user[32];
    /* -- COMMAND: follow its process tree, whatever the port. */
    pid_t cmd_pid;                  /* the command; 0: none */
    int cmd_env;                    /* proxy variables read from it */
    struct mcpd_endpoint ours[CMD_SOCKETS];  /* its client sockets */
    int nours;
    uint64_t healthy;               /* answered connections, cause ok */
};

/* cmd_capture.c: a line for stderr. What it quotes (COMMAND, paths, a
 * library's or the kernel's words) goes through the text sanitiser. */
void mcpd_cap_errmsg(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
/* Packet timestamps are wall-clock time, so ticks must be too. */
int64_t mcpd_cap_now_ns(void);

/* capture_opts.c: fill `a` from argv. Returns -1 to go on, else the
 * exit status (--help, a usage error). */
int mcpd_cap_parse_args(int argc, char **argv, struct capture_args *a);

/* attribute.c: whose connections these are. */
struct mcpd_proc *mcpd_cap_proc(const struct mcpd_owner *o, const char *how);
void mcpd_cap_user_of_pid(struct capture *c, int32_t pid,
                          struct mcpd_owner *o);
void mcpd_cap_command_env(struct capture *c, char **argv);
int mcpd_cap_watched_port(const struct capture *c, uint16_t port);
int mcpd_cap_flow_is_ours(const struct capture *c, const struct mcpd_flow *f);
void mcpd_cap_on_new_flow(void *ctx, struct mcpd_flow *f);

/* kevidence.c: the kernel witness and the rule counters. */
void mcpd_cap_kernel_open(struct capture *c, int quiet);
void mcpd_cap_kernel_poll(struct capture *c);
void mcpd_cap_kernel_evidence(struct capture *c, struct mcpd_flow *f);
void mcpd_cap_kernel_close(struct capture *c);

/* live_out.c: each connection's line as soon as it is known, and its
 * record in the report. */
void mcpd_cap_on_early(void *ctx, struct mcpd_flow *f, enum mcpd_verdict v);
void mcpd_cap_on_final(void *ctx, struct mcpd_flow *f,
                       enum mcpd_emit_why why);

/* stimulus.c: what the capture stirs and watches, and the proxy rule. */
long mcpd_cap_start_child(char **argv, const struct mcpd_target *t,
                           int timeout_s, int stdout_to_stderr,
                           int *exec_errno);
void mcpd_cap_build_filter(const struct capture *c, char *buf, size_t len);
void mcpd_cap_proxy_findings(struct capture *c);

#endif

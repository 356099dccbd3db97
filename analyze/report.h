/* \summary: the report: per-server aggregation, diagnosis, output forms */
#ifndef MCPD_REPORT_H
#define MCPD_REPORT_H

#include <stdio.h>
#include "flow.h"
#include "verdict.h"

enum mcpd_format { MCPD_FMT_TEXT, MCPD_FMT_JSON, MCPD_FMT_JSONL };

struct mcpd_report_opts {
    enum mcpd_format format;
    int color;               /* ANSI colour in text output */
    int utf8;                /* box-drawing arrows in ladders */
    int verbose;             /* text: list every connection */
    int quiet;               /* text: verdict line and fix only */
    const char *command;     /* "analyze", "capture", ... */
    int flush;               /* live: flush each --jsonl record */
};

/* What the input was, for the report header. */
struct mcpd_input_info {
    const char *const *files;   /* capture files (NULL for live) */
    int nfiles;
    const char *link_types[8];  /* distinct link type names */
    int nlink_types;
};

/* One server endpoint seen in the capture, and what happened to it. */
struct mcpd_server {
    struct mcpd_endpoint ep;
    uint64_t total;
    uint64_t verdicts[MCPD_V_COUNT];
    uint64_t causes[MCPD_C_COUNT];
    struct mcpd_flow *example[MCPD_C_COUNT];  /* first of each cause */
};

/* A cause found in the capture, with its weight and an example. */
struct mcpd_finding {
    enum mcpd_cause cause;
    uint64_t count;          /* connections that support it */
    const struct mcpd_server *server;
    const struct mcpd_flow *example;
    char summary[512];
    char fix[MCPD_MAX_FIX][MCPD_FIX_LEN];
    int nfix;
};

#define MCPD_MAX_FINDINGS 16

struct mcpd_report {
    struct mcpd_report_opts opts;
    FILE *out;
    struct mcpd_input_info input;
    uint64_t emitted;
    uint64_t verdicts[MCPD_V_COUNT];
    uint64_t abortive;             /* RESETs that are abortive closes */
    struct mcpd_server *servers;   /* MCPD_MAX_SERVERS slots */
    uint32_t nservers;
    uint64_t other_server_conns;   /* beyond MCPD_MAX_SERVERS */
    struct mcpd_finding findings[MCPD_MAX_FINDINGS];
    int nfindings;
    struct mcpd_finding extra[4];  /* findings from outside the packets */
    int nextra;
};

/*
 * A finding that needs more than the packets (live capture: the proxy
 * variables in effect). It ranks with the others by weight.
 */
void mcpd_report_add_finding(struct mcpd_report *r, enum mcpd_cause cause,
                             uint64_t count, const char *summary,
                             const char *const *fix, int nfix);

struct mcpd_report *mcpd_report_new(const struct mcpd_report_opts *opts,
                                    FILE *out,
                                    const struct mcpd_input_info *input);
void mcpd_report_free(struct mcpd_report *r);

/* The tracker's emit callback: ctx is the report. */
void mcpd_report_flow(void *ctx, struct mcpd_flow *f,
                      enum mcpd_emit_why why);

/* Print the head of the report (before any connection). */
void mcpd_report_begin(struct mcpd_report *r);

/*
 * Work out the diagnosis and print the rest of the report. Returns the
 * exit status SPEC.md gives: 0 healthy, 1 a problem was found.
 */
int mcpd_report_finish(struct mcpd_report *r, const struct mcpd_stats *st);

/* Output forms (report_json.c, report_text.c). */
void mcpd_json_begin(struct mcpd_report *r);
void mcpd_json_flow(struct mcpd_report *r, const struct mcpd_flow *f);
void mcpd_json_finish(struct mcpd_report *r, const struct mcpd_stats *st);
void mcpd_text_begin(struct mcpd_report *r);
void mcpd_text_flow(struct mcpd_report *r, const struct mcpd_flow *f);
void mcpd_text_finish(struct mcpd_report *r, const struct mcpd_stats *st);

/*
 * The one writer of the JSON connection and kernel objects (SPEC
 * "connections"): analyze's and capture's records, and probe's. Text,
 * not a tree: connection records are the bulk of a big capture's output.
 */
struct mcpd_jbuf {
    char b[2048];
    size_t n;
};

/* What probe adds to the kernel object: how the rule was matched, and
 * whether the target is one of this host's addresses. */
struct mcpd_kernel_more {
    const char *rule_matched_by;
    int local_target;
};

/*
 * A connection as the writer sees it. From a flow (mcpd_jconn_flow),
 * every key; without one (probe's connect), the SPEC keys only, where
 * an unknown client address or port, SYN count or RTT is null.
 */
struct mcpd_jconn {
    const struct mcpd_flow *flow;    /* NULL: probe's connect */
    int typed;                       /* JSON Lines: "type" first */
    struct mcpd_endpoint cli, srv;   /* family 0: address unknown */
    const char *verdict;
    const char *reset_by;            /* NULL: null */
    int icmp;                        /* an ICMP error came back */
    unsigned icmp_type, icmp_code;
    const char *icmp_from;
    const char *icmp_meaning;        /* NULL: key left out */
    int64_t syn_count;               /* -1: null */
    uint64_t cli_bytes, srv_bytes;
    int no_response;
    /* Times: a flow's from packet timestamps (ns, printed exactly);
     * probe's from its clock, as seconds and milliseconds. */
    int64_t rtt_ns;                  /* -1: null */
    int64_t start_ns, end_ns;
    double rtt_ms;                   /* probe; < 0: null */
    double start_s, end_s;           /* probe */
    const struct mcpd_proc *proc;    /* NULL: null */
    const char *stage;               /* NULL: key left out */
    const struct mcpd_kernel *kernel;        /* NULL: null */
    const struct mcpd_kernel_more *kmore;    /* NULL: keys left out */
};

/* Fill c from flow f; icmp_from needs a buffer of MCPD_IP_STRLEN. */
void mcpd_jconn_flow(struct mcpd_jconn *c, const struct mcpd_flow *f,
                     char *icmp_from);
/* The connection object into j (from its start). */
void mcpd_json_connection(struct mcpd_jbuf *j, const struct mcpd_jconn *c);
/* The kernel object, or null, appended to j. */
void mcpd_json_kernel(struct mcpd_jbuf *j, const struct mcpd_kernel *k,
                      const struct mcpd_kernel_more *more);

/* "127.0.0.1:3000" or "[::1]:3000". */
const char *mcpd_endpoint_str(const struct mcpd_endpoint *e, char *buf,
                              size_t len);

#endif

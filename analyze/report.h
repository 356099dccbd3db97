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

/* "127.0.0.1:3000" or "[::1]:3000". */
const char *mcpd_endpoint_str(const struct mcpd_endpoint *e, char *buf,
                              size_t len);

#endif

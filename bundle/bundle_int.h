/* \summary: what the parts of `mcpdiag bundle` share: the bundle's
 * state and each part's entry point */
#ifndef MCPD_BUNDLE_INT_H
#define MCPD_BUNDLE_INT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <cjson/cJSON.h>
#include "flow.h"
#include "platform.h"
#include "target.h"

/* Link + IPv6/IPv4 with options + TCP with options: the headers, then
 * about 200 bytes of payload (an HTTP request line and its headers). */
#define SNAP_HEADERS 336
#define DEFAULT_MAX_SIZE (50ULL << 20)

#define MAX_FLOWS_KEPT 256
#define NFILES 7

/* The parser's answer when the command goes on (any other value is the
 * exit code to return). */
#define MCPD_BUNDLE_GO (-1)

struct bfile {
    const char *name;        /* member name under the top directory */
    char *data;              /* its bytes (owned, except capture.pcap) */
    size_t len;              /* their length */
    char sha[65];            /* SHA-256, hex */
};

struct bundle {
    /* options (bundle_opts.c) */
    struct mcpd_target target;
    const char *target_text; /* TARGET as given, or NULL */
    char **cmd_argv;         /* COMMAND after --, or NULL */
    int redact, full_payload, quiet, verbose, json;
    unsigned long long max_size;   /* --max-size */
    double timeout;          /* --timeout, 0 for the children's default */
    const char *out_opt;     /* -o FILE, or NULL */
    const char *iface;       /* -i IFACE for the capture, or NULL */
    const char *inspect_path;      /* --inspect FILE, or NULL */
    unsigned long long max_archive; /* --max-archive-bytes */
    int from_config;         /* --from-config */
    /* where it goes */
    char created[32];        /* 2025-01-02T03:04:05Z */
    char host[64];
    char outpath[4096];      /* the archive */
    char topdir[128];        /* its member directory */
    char dir[256];           /* private directory for the capture, or "" */
    char pcap_path[300];     /* the capture's -w file, or "" */
    /* capture */
    int capture_ran;
    char capture_reason[256];
    struct mcpd_run cap;
    struct mcpd_run cmdrun;  /* COMMAND run without capture rights */
    int cmd_ran;
    int capture_interrupted;
    uint8_t *pcap;
    size_t pcap_len;
    size_t pcap_kept;
    uint64_t packets, packets_kept;
    long redactions;
    struct mcpd_flow *flows;
    int nflows;
    char *analysis;          /* text of the re-analysis */
    size_t analysis_len;
    /* probe */
    struct mcpd_run probe;
    int probe_ran;
    cJSON *report;
    cJSON *env;
    struct bfile files[NFILES];
    int nfiles;
};

/* Set by SIGINT/SIGTERM while the bundle is made (bundle_run.c). */
extern volatile sig_atomic_t mcpd_bundle_interrupted;

/* ---- bundle_opts.c: the command line ---- */

extern const char mcpd_bundle_no_redact_warning[];

/* Fill b's options from argv: MCPD_BUNDLE_GO, or the exit code (after
 * --help, or a usage error already printed). */
int mcpd_bundle_options(struct bundle *b, int argc, char **argv);

/* ---- bundle_run.c: the children (through the platform runner) ---- */

/* Catch SIGINT and SIGTERM into mcpd_bundle_interrupted. */
void mcpd_bundle_catch_signals(void);

/* Capture (as root) while COMMAND or the probe runs, or run COMMAND
 * alone without capture rights; then the probe and the environment.
 * 0, or -1 when interrupted or the private directory cannot be made
 * (the reason printed). */
int mcpd_bundle_gather(struct bundle *b, const struct mcpd_user *user);

/* ---- bundle_pcap.c: the capture read back, redacted, re-analysed ---- */

/* Read capture.pcap, redact it and classify it again in-process (the
 * ladders for report.html, the analysis in report.txt). 0, or -1. */
int mcpd_bundle_load_pcap(struct bundle *b, const char *path);

/* Cut the capture to whole records within `budget` bytes. */
void mcpd_bundle_cap_pcap(struct bundle *b, size_t budget);

/* ---- bundle_report.c: report.json (the children's JSON spliced),
 * report.txt, report.html ---- */

cJSON *mcpd_bundle_build_report(struct bundle *b);
char *mcpd_bundle_build_text(struct bundle *b, size_t *len);
char *mcpd_bundle_build_html(struct bundle *b, size_t *len);

/* A bundle file's JSON text, valid UTF-8, newline-terminated. */
char *mcpd_bundle_json_text(cJSON *j, size_t *len);

/* ---- bundle_manifest.c: the members, manifest.json, the archive ---- */

void mcpd_bundle_add_file(struct bundle *b, const char *name, char *data,
                          size_t len);

/* Every member into b->files, the capture cut to what --max-size
 * leaves, the manifest last. */
void mcpd_bundle_assemble(struct bundle *b);

/* Write b's members into path atomically (temporary, rename); 0, or -1
 * with err (MCPD_ERR_LEN) set. */
int mcpd_bundle_write_archive(struct bundle *b, const char *path,
                              const char *topdir, off_t *size, char *err);

/* ---- bundle_inspect.c: reading a bundle back ---- */

/* `bundle --inspect`: list members, check hashes; an exit code. */
int mcpd_bundle_inspect(const char *path, int json, uint64_t max_bytes);

/* Escape every key and string of j for a terminal. 0, or -1. */
int mcpd_bundle_text_tree(cJSON *j);

#endif

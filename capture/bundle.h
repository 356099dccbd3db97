/* \summary: the bundle command (`mcpdiag bundle`), and what its parts
 * share: running a child and keeping its output, the environment */
#ifndef MCPD_BUNDLE_H
#define MCPD_BUNDLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cjson/cJSON.h>
#include "target.h"

/* `mcpdiag bundle [TARGET] [options] [-- COMMAND ARGS]` and
 * `mcpdiag bundle --inspect FILE` */
int mcpd_cmd_bundle(int argc, char **argv);

/* What a child printed, and how it ended. */
struct mcpd_run {
    char *out;               /* its stdout, NUL-terminated (free) */
    size_t out_len;
    char *err;               /* its stderr, NUL-terminated (free) */
    size_t err_len;
    int status;              /* exit status; 128+N when killed by N;
                                -1 when it could not be started */
    int timed_out;           /* killed after the timeout */
};

#define MCPD_RUN_TEE_STDERR 0x1  /* also copy its stderr to ours */
#define MCPD_RUN_STDIN      0x2  /* let it read our stdin (else null) */

/*
 * Run argv (PATH searched) with output collected (at most 16 MiB of
 * each), for at most timeout_s seconds (0: no limit). Returns 0 when it
 * ran (see r->status), -1 when it could not be started.
 */
int mcpd_bundle_run(const char *const argv[], int flags,
                    double timeout_s, struct mcpd_run *r);
void mcpd_run_free(struct mcpd_run *r);

/*
 * environment.json (environment_linux.c): OS and kernel, versions, the
 * resolver's answers for the target, its listeners with processes,
 * proxy variables, the firewall rules that touch the port (read only),
 * listen-queue counters, loopback interfaces and addresses, sysctls.
 * Secrets are redacted when `redact` is set. NULL only without memory.
 */
cJSON *mcpd_environment_collect(const struct mcpd_target *t, int redact);

/*
 * `mcpdiag analyze BUNDLE.tar.gz`: print the environment stored in the
 * bundle, in a few lines, after the verdicts; the archive is read with
 * at most max_bytes uncompressed. 0, or -1 with err (MCPD_ERR_LEN) set.
 */
int mcpd_bundle_print_environment(const char *path, uint64_t max_bytes,
                                  FILE *out, char *err);

#endif

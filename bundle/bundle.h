/* \summary: the bundle command (`mcpdiag bundle`), and what its parts
 * share: the environment stored in a bundle */
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

/*
 * `mcpdiag analyze BUNDLE.tar.gz`: print the environment stored in the
 * bundle, in a few lines, after the verdicts; the archive is read with
 * at most max_bytes uncompressed. 0, or -1 with err (MCPD_ERR_LEN) set.
 */
int mcpd_bundle_print_environment(const char *path, uint64_t max_bytes,
                                  FILE *out, char *err);

#endif

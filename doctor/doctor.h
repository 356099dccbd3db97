/* \summary: `mcpdiag doctor`: the command's entry point */
#ifndef MCPD_DOCTOR_H
#define MCPD_DOCTOR_H

/*
 * `mcpdiag doctor [--config FILE]... [options]`: every MCP server the
 * user's clients are configured for, each checked as that client would
 * reach it. argv[0] is "doctor". Returns the process exit status (0 all
 * healthy, 1 a problem was found, 2 usage error, 3 could not run).
 */
int mcpd_cmd_doctor(int argc, char **argv);

#include <stddef.h>

/*
 * The servers of every client's config, as `doctor --json` lists them
 * but without probing (stdio commands are looked up; unset variables
 * named): for `bundle --from-config`. Header and variable values are
 * never in it; URLs are redacted. Returns a malloc'd JSON document and
 * its length in *len, or NULL when out of memory.
 */
char *mcpd_doctor_list_json(size_t *len);

#endif

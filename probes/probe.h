/* \summary: `mcpdiag probe`: the command's entry point */
#ifndef MCPD_PROBE_H
#define MCPD_PROBE_H

/*
 * `mcpdiag probe [TARGET] [options]`: active, layer-by-layer diagnosis of
 * one MCP endpoint. argv[0] is "probe". Returns the process exit status
 * (0 healthy, 1 problem found, 2 usage error, 3 could not run).
 */
int mcpd_cmd_probe(int argc, char **argv);

#endif

/* \summary: the capture command's entry point */
#ifndef MCPD_CAPTURE_H
#define MCPD_CAPTURE_H

/* `mcpdiag capture [TARGET] [options] [-- COMMAND ARGS]` */
int mcpd_cmd_capture(int argc, char **argv);

#endif

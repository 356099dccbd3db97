/* \summary: what every mcpdiag command shares: exit codes, option tables */
#ifndef MCPD_CLI_H
#define MCPD_CLI_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

/* Process exit status (SPEC.md; documented in mcpdiag.1). */
#define MCPD_EXIT_OK          0  /* healthy */
#define MCPD_EXIT_PROBLEM     1  /* a problem was found */
#define MCPD_EXIT_USAGE       2  /* usage error */
#define MCPD_EXIT_CANNOT_RUN  3  /* no rights, bad file, no interface */

/* An option, declared once: name, getopt value, argument, help. */
struct mcpd_option {
    const char *name;        /* long name, without "--" */
    int val;                 /* short letter, or an enum >= 256 */
    const char *arg;         /* argument name, NULL for a flag */
    const char *help;        /* one line */
};

void mcpd_build_longopts(const struct mcpd_option *opts,
                         struct option *out, int max);
void mcpd_print_options(FILE *out, const struct mcpd_option *opts);

/* Print "mcpdiag: <message>" on stderr; returns MCPD_EXIT_USAGE. */
int mcpd_usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

int mcpd_parse_port(const char *s, uint16_t *port);
int mcpd_parse_uint(const char *s, unsigned long long min,
                    unsigned long long max, unsigned long long *out);

/* A byte count: "300000000", "256M", "1G" (K, M, G: powers of 1024),
 * between min and max. 0, or -1. */
int mcpd_parse_bytes(const char *s, unsigned long long min,
                     unsigned long long max, unsigned long long *out);

/* Colour only on a terminal, never with --no-color or NO_COLOR set. */
int mcpd_use_color(FILE *out, int no_color_flag);
int mcpd_use_utf8(void);

uint32_t mcpd_random_seed(void);

/* SIGINT and SIGTERM (Ctrl-C, kill) call on_stop, which only sets the
 * command's flag. restart: interrupted calls resume (SA_RESTART), so a
 * Ctrl-C while the report is being written cannot cut a record; 0: an
 * interrupted call fails with EINTR. */
void mcpd_catch_stop(void (*on_stop)(int), int restart);

int mcpd_cmd_analyze(int argc, char **argv);

#endif

/* \summary: capture's command line: the option table, its help, and
 * the parse into struct capture_args */

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "capture_int.h"
#include "cli.h"

enum {
    OPT_JSON = 256, OPT_JSONL, OPT_PASSIVE, OPT_DURATION, OPT_SYN_TIMEOUT,
    OPT_TIMEOUT, OPT_NO_COLOR, OPT_NO_WITNESS,
};

static const struct mcpd_option capture_options[] = {
    { "interface", 'i', "IFACE",
      "capture on IFACE (default: the loopback; 'any' for all)" },
    { "write", 'w', "FILE", "also write the packets to FILE (pcap, 0600)" },
    { "snaplen", 's', "BYTES",
      "bytes kept of each packet (default 4096; 0: all)" },
    { "json", OPT_JSON, NULL, "one JSON document on stdout at the end" },
    { "jsonl", OPT_JSONL, NULL,
      "one JSON object per connection as it ends, then a summary" },
    { "passive", OPT_PASSIVE, NULL,
      "no stimulus: watch until --duration or Ctrl-C" },
    { "duration", OPT_DURATION, "SECONDS", "stop after SECONDS" },
    { "syn-timeout", OPT_SYN_TIMEOUT, "SECONDS",
      "silence after a SYN that prints TIMEOUT (default 3)" },
    { "timeout", OPT_TIMEOUT, "SECONDS",
      "built-in probe: give up on a connect or answer (default 5)" },
    { "user", 'Z', "USER",
      "continue as USER after opening the capture (default: the sudo "
      "user)" },
    { "no-witness", OPT_NO_WITNESS, NULL,
      "do not read the kernel's tracepoints" },
    { "verbose", 'v', NULL, "more detail" },
    { "quiet", 'q', NULL, "only the verdict and the diagnosis" },
    { "no-color", OPT_NO_COLOR, NULL, "no colour (also when NO_COLOR is set)" },
    { "help", 'h', NULL, "this help" },
    { NULL, 0, NULL, NULL },
};

/* What each option does to struct capture_args: set a string, set a
 * flag, read seconds, choose the output format. */
enum act { A_STR, A_FLAG, A_SECONDS, A_FORMAT, A_SNAPLEN, A_QUIET };

static const struct {
    int val;
    enum act act;
    size_t off;              /* the field in struct capture_args */
    int value;               /* A_FLAG and A_FORMAT: what to store */
} actions[] = {
    { 'i', A_STR, offsetof(struct capture_args, iface), 0 },
    { 'w', A_STR, offsetof(struct capture_args, wfile), 0 },
    { 'Z', A_STR, offsetof(struct capture_args, zuser), 0 },
    { 's', A_SNAPLEN, offsetof(struct capture_args, snaplen), 0 },
    { OPT_JSON, A_FORMAT, 0, MCPD_FMT_JSON },
    { OPT_JSONL, A_FORMAT, 0, MCPD_FMT_JSONL },
    { OPT_PASSIVE, A_FLAG, offsetof(struct capture_args, passive), 1 },
    { OPT_DURATION, A_SECONDS, offsetof(struct capture_args, duration), 0 },
    { OPT_SYN_TIMEOUT, A_SECONDS,
      offsetof(struct capture_args, syn_timeout), 0 },
    { OPT_TIMEOUT, A_SECONDS, offsetof(struct capture_args, timeout), 0 },
    { 'v', A_FLAG, offsetof(struct capture_args, ropts.verbose), 1 },
    { 'q', A_QUIET, 0, 0 },
    { OPT_NO_COLOR, A_FLAG, offsetof(struct capture_args, no_color), 1 },
    { OPT_NO_WITNESS, A_FLAG, offsetof(struct capture_args, no_witness), 1 },
};

static void
capture_usage(FILE *out)
{
    fprintf(out,
            "usage: sudo mcpdiag capture [TARGET] [options] [-- COMMAND "
            "ARGS...]\n"
            "Capture loopback traffic for TARGET (default %s) while COMMAND "
            "runs\n(as the invoking user), or while the built-in probe "
            "connects, or\n(--passive) until --duration or Ctrl-C. Prints "
            "each connection's verdict\nas soon as it is known.\n\n",
            MCPD_TARGET_DEFAULT);
    mcpd_print_options(out, capture_options);
}

static int
parse_seconds(const char *opt, const char *arg, int *out)
{
    unsigned long long v;

    if (mcpd_parse_uint(arg, 1, 86400, &v) != 0)
        return mcpd_usage_error("%s wants seconds 1-86400, not '%s'", opt,
                                arg);
    *out = (int)v;
    return 0;
}

static const char *
long_name(int val)
{
    int i;

    for (i = 0; capture_options[i].name; i++)
        if (capture_options[i].val == val)
            return capture_options[i].name;
    return "?";
}

/* One option's effect; 0, or the exit status of a usage error. */
static int
apply(struct capture_args *a, int opt, const char *arg)
{
    size_t i;
    char name[40];

    for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
        void *field = (char *)a + actions[i].off;
        unsigned long long v;
        if (actions[i].val != opt)
            continue;
        switch (actions[i].act) {
        case A_STR: *(const char **)field = arg; return 0;
        case A_FLAG: *(int *)field = actions[i].value; return 0;
        case A_FORMAT: a->ropts.format = actions[i].value; return 0;
        case A_QUIET: a->ropts.quiet = 1; return 0;
        case A_SECONDS:
            snprintf(name, sizeof(name), "--%s", long_name(opt));
            return parse_seconds(name, arg, (int *)field) ? MCPD_EXIT_USAGE
                                                          : 0;
        case A_SNAPLEN:
            if (strcmp(arg, "0") == 0) {
                *(int *)field = 0;
                return 0;
            }
            if (mcpd_parse_uint(arg, 128, 262144, &v) != 0)
                return mcpd_usage_error("-s wants 0 or 128-262144 "
                                        "bytes, not '%s'", arg);
            *(int *)field = (int)v;
            return 0;
        }
    }
    return -1;
}

int
mcpd_cap_parse_args(int argc, char **argv, struct capture_args *a)
{
    struct option longopts[32];
    int opt, rc;

    memset(a, 0, sizeof(*a));
    a->ropts.command = "capture";
    a->ropts.flush = 1;
    a->syn_timeout = 3;
    a->timeout = 5;
    a->snaplen = MCPD_LIVE_SNAPLEN;
    mcpd_build_longopts(capture_options, longopts, 32);
    optind = 1;
    opterr = 0;
    /* '+': stop at the first non-option so COMMAND keeps its own flags. */
    for (;;) {
        while ((opt = getopt_long(argc, argv, "+:i:w:s:Z:vqh", longopts,
                                  NULL)) != -1) {
            if (opt == 'h') {
                capture_usage(stdout);
                return MCPD_EXIT_OK;
            }
            if (opt == ':')
                return mcpd_usage_error("%s needs a value (see 'mcpdiag "
                                        "capture --help')",
                                        argv[optind - 1]);
            if ((rc = apply(a, opt, optarg)) > 0)
                return rc;
            if (rc < 0)
                return mcpd_usage_error("unknown option '%s' (see "
                                        "'mcpdiag capture --help')",
                                        argv[optind - 1]);
        }
        if (optind >= argc)
            break;
        /* '+' stops at "--" (consumed) or at a word: the TARGET. */
        if (strcmp(argv[optind - 1], "--") == 0) {
            a->cmd_argv = &argv[optind];
            break;
        }
        if (a->target_text)
            return mcpd_usage_error("unexpected '%s': put the client "
                                    "command after '--'", argv[optind]);
        a->target_text = argv[optind++];
    }
    if (a->cmd_argv && a->passive)
        return mcpd_usage_error("--passive and a COMMAND exclude each "
                                "other");
    return -1;
}

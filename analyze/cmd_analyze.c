/* \summary: `mcpdiag analyze FILE...`: classify every TCP connection */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "reader.h"
#include "sanitize.h"
#ifdef HAVE_MCPD_BUNDLE
#include "bundle.h"
#include "tarball.h"
#endif
#include "report.h"

/* Every option, once: getopt's table and --help are built from it. */
enum {
    OPT_JSON = 256, OPT_JSONL, OPT_PORT, OPT_NO_COLOR, OPT_MAX_FLOWS,
    OPT_DETERMINISTIC, OPT_HANDSHAKE_TIMEOUT, OPT_MAX_ARCHIVE,
};

static const struct mcpd_option analyze_options[] = {
    { "json", OPT_JSON, NULL, "one JSON document on stdout" },
    { "jsonl", OPT_JSONL, NULL,
      "one JSON object per connection as soon as it ends, then a summary" },
    { "port", OPT_PORT, "P",
      "only connections whose server port is P (default: all TCP)" },
    { "verbose", 'v', NULL, "list every connection" },
    { "quiet", 'q', NULL, "only the verdict and the diagnosis" },
    { "no-color", OPT_NO_COLOR, NULL, "no colour (also when NO_COLOR is set)" },
    { "max-flows", OPT_MAX_FLOWS, "N",
      "connections kept in memory at once (default 150000)" },
    { "handshake-timeout", OPT_HANDSHAKE_TIMEOUT, "SECONDS",
      "silence after which an unanswered handshake is final (default 65)" },
    { "max-archive-bytes", OPT_MAX_ARCHIVE, "BYTES",
      "refuse a bundle that expands past BYTES (K, M, G; default 256M)" },
    { "deterministic", OPT_DETERMINISTIC, NULL,
      "fixed hash seed (for reproducible test output)" },
    { "help", 'h', NULL, "this help" },
    { NULL, 0, NULL, NULL },
};

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void
analyze_usage(FILE *out)
{
    fprintf(out,
            "usage: mcpdiag analyze FILE... [options]\n"
            "Classify every TCP connection in saved captures (pcap or "
            "pcapng; '-' is\nstandard input). Several files are read as "
            "one capture.\n\n");
    mcpd_print_options(out, analyze_options);
}

#define MAX_BUNDLES 8

/* An error names files, archive members and what they hold: escaped. */
static void
print_err(const char *err)
{
    fputs("mcpdiag: ", stderr);
    mcpd_text_fputs(err, stderr);
    fputc('\n', stderr);
}

/* The bundles' captures, read into memory. */
static void
free_mem(struct mcpd_reader_mem *mem, int n)
{
    int i;

    for (i = 0; mem && i < n; i++)
        free((void *)mem[i].data);
    free(mem);
}

int
mcpd_cmd_analyze(int argc, char **argv)
{
    struct mcpd_report_opts ropts;
    struct mcpd_flow_config fcfg;
    struct mcpd_input_info info;
    struct option longopts[32];
    struct mcpd_reader *rd = NULL;
    struct mcpd_report *rep;
    struct mcpd_flowtab *tab;
    char err[MCPD_ERR_LEN];
    enum mcpd_code rc;
    int c, no_color = 0, status, progress;
    struct sigaction sa;
    struct mcpd_reader_mem *mem = NULL;
#ifdef HAVE_MCPD_BUNDLE
    const char *bundle_name[MAX_BUNDLES];
    int nbundles = 0;
    unsigned long long max_archive = MCPD_TAR_DEFAULT_MAX_BYTES;
#endif

    memset(&ropts, 0, sizeof(ropts));
    ropts.command = "analyze";
    mcpd_flow_config_default(&fcfg);
    fcfg.seed = mcpd_random_seed();
    mcpd_build_longopts(analyze_options, longopts, 32);
    optind = 1;
    opterr = 0;     /* our own one-line messages, not getopt's */
    while ((c = getopt_long(argc, argv, ":vqh", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_JSON:
            ropts.format = MCPD_FMT_JSON;
            break;
        case OPT_JSONL:
            ropts.format = MCPD_FMT_JSONL;
            break;
        case OPT_PORT:
            if (mcpd_parse_port(optarg, &fcfg.port) != 0)
                return mcpd_usage_error("--port wants a port number "
                                        "1-65535, not '%s'", optarg);
            break;
        case 'v':
            ropts.verbose = 1;
            break;
        case 'q':
            ropts.quiet = 1;
            break;
        case OPT_NO_COLOR:
            no_color = 1;
            break;
        case OPT_MAX_FLOWS: {
            unsigned long long n;
            if (mcpd_parse_uint(optarg, 1, 100000000, &n) != 0)
                return mcpd_usage_error("--max-flows wants a number "
                                        "1-100000000, not '%s'", optarg);
            fcfg.max_flows = (uint32_t)n;
            break;
        }
        case OPT_HANDSHAKE_TIMEOUT: {
            unsigned long long n;
            if (mcpd_parse_uint(optarg, 1, 86400, &n) != 0)
                return mcpd_usage_error("--handshake-timeout wants "
                                        "seconds 1-86400, not '%s'",
                                        optarg);
            fcfg.handshake_idle_ns = (int64_t)n * 1000000000LL;
            break;
        }
        case OPT_DETERMINISTIC:
            fcfg.seed = 0x6d637064u;
            break;
        case OPT_MAX_ARCHIVE:
#ifdef HAVE_MCPD_BUNDLE
            if (mcpd_parse_bytes(optarg, MCPD_TAR_MIN_MAX_BYTES,
                                 MCPD_TAR_MAX_MAX_BYTES, &max_archive) != 0)
#endif
                return mcpd_usage_error("--max-archive-bytes wants bytes, "
                                        "at least 1M (K, M, G suffixes), "
                                        "not '%s'", optarg);
            break;
        case 'h':
            analyze_usage(stdout);
            return MCPD_EXIT_OK;
        case ':':
            return mcpd_usage_error("%s needs a value (see 'mcpdiag "
                                    "analyze --help')", argv[optind - 1]);
        default:
            return mcpd_usage_error("unknown option '%s' (see 'mcpdiag "
                                    "analyze --help')", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return mcpd_usage_error("analyze needs a capture file (or '-' "
                                "for standard input)");

#ifdef HAVE_MCPD_BUNDLE
    /* A support bundle is read through the capture.pcap inside it, into
     * memory by a bounded walk of the archive: nothing is written. */
    mem = calloc((size_t)(argc - optind), sizeof(*mem));
    if (mem == NULL) {
        fprintf(stderr, "mcpdiag: out of memory\n");
        return MCPD_EXIT_CANNOT_RUN;
    }
    for (c = optind; c < argc; c++) {
        char *data = NULL;
        size_t len = 0;
        if (strcmp(argv[c], "-") == 0 || !mcpd_bundle_is_archive(argv[c]))
            continue;
        if (nbundles == MAX_BUNDLES) {
            free_mem(mem, argc - optind);
            return mcpd_usage_error("at most %d bundles at once",
                                    MAX_BUNDLES);
        }
        if (mcpd_bundle_load_capture(argv[c], max_archive, &data, &len,
                                     err) != 0) {
            print_err(err);
            free_mem(mem, argc - optind);
            return MCPD_EXIT_CANNOT_RUN;
        }
        mem[c - optind].data = data;
        mem[c - optind].len = len;
        bundle_name[nbundles++] = argv[c];
    }
#endif
    rc = mcpd_reader_open_mem(&rd, (const char *const *)&argv[optind], mem,
                              argc - optind, &info, err);
    if (rc != MCPD_OK) {
        print_err(err);
        free_mem(mem, argc - optind);
        return MCPD_EXIT_CANNOT_RUN;
    }
    ropts.color = mcpd_use_color(stdout, no_color);
    ropts.utf8 = mcpd_use_utf8();
    rep = mcpd_report_new(&ropts, stdout, &info);
    tab = rep ? mcpd_flowtab_new(&fcfg, mcpd_report_flow, rep) : NULL;
    if (tab == NULL) {
        fprintf(stderr, "mcpdiag: out of memory\n");
        mcpd_report_free(rep);
        mcpd_reader_close(rd);
        free_mem(mem, argc - optind);
        return MCPD_EXIT_CANNOT_RUN;
    }

    /* Ctrl-C or SIGTERM ends the reading, not the report. */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    /* Restart interrupted writes: a Ctrl-C while the report is being
     * written must not cut a record (the flag alone stops the work). */
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    progress = isatty(STDERR_FILENO);
    mcpd_report_begin(rep);
    rc = mcpd_reader_run(rd, tab, &stop_requested, progress, err);
    mcpd_flow_flush(tab);
    status = mcpd_report_finish(rep, mcpd_flow_stats(tab));
#ifdef HAVE_MCPD_BUNDLE
    /* Next to the verdicts: the machine as it was when the bundle was
     * made (text only: JSON output stays one document). */
    for (c = 0; c < nbundles && ropts.format == MCPD_FMT_TEXT &&
                !ropts.quiet; c++) {
        char eerr[MCPD_ERR_LEN];
        fputc('\n', stdout);
        if (mcpd_bundle_print_environment(bundle_name[c], max_archive,
                                          stdout, eerr) != 0)
            print_err(eerr);
    }
#endif
    if (stop_requested)
        fprintf(stderr, "mcpdiag: interrupted after %llu packets; the "
                        "report covers them\n",
                (unsigned long long)mcpd_flow_stats(tab)->packets);
    if (rc != MCPD_OK) {
        /* As tcpdump does: everything before the damage is reported,
         * then the damage is named and the exit status says so. */
        print_err(err);
        status = MCPD_EXIT_CANNOT_RUN;
    }
    mcpd_flowtab_free(tab);
    mcpd_report_free(rep);
    mcpd_reader_close(rd);
    free_mem(mem, argc - optind);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "mcpdiag: writing the report: %s\n",
                strerror(errno));
        return MCPD_EXIT_CANNOT_RUN;
    }
    return status;
}

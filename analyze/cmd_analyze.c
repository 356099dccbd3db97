/* \summary: `mcpdiag analyze FILE...`: classify every TCP connection */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "input.h"
#include "reader.h"
#include "report.h"
#include "sanitize.h"

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

/*
 * The output formats, one row each (zmap's output modules): the option
 * that picks it, and whether what the inputs hold besides packets (a
 * bundle's environment) follows the report; JSON output stays one
 * document. The first row is the default.
 */
static const struct format_row {
    int opt;                 /* option choosing it; 0 for the default */
    enum mcpd_format format;
    int describe_inputs;     /* the sources' describe() after the report */
} formats[] = {
    { 0, MCPD_FMT_TEXT, 1 },
    { OPT_JSON, MCPD_FMT_JSON, 0 },
    { OPT_JSONL, MCPD_FMT_JSONL, 0 },
};

#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

/* Files a registered source reads into memory, at most, in one run. */
#define MAX_LOADED 8

/* What the steps below return to say "no exit yet": every exit code
 * (MCPD_EXIT_*) is 0 or more. */
#define GO_ON (-1)

/* One run of the command: its options and its inputs. */
struct analyze {
    struct mcpd_report_opts ropts;
    struct mcpd_flow_config fcfg;
    struct mcpd_input_opts iopts;
    const struct format_row *fmt;    /* the chosen row of formats[] */
    int no_color;            /* --no-color */
    const char *const *files;        /* the FILE arguments */
    int nfiles;
    struct mcpd_reader_mem *mem;     /* per file: its capture, if loaded */
    const struct mcpd_input_source **src;    /* per file: who loaded it */
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

/* An error names files, archive members and what they hold: escaped. */
static void
print_err(const char *err)
{
    fputs("mcpdiag: ", stderr);
    mcpd_text_fputs(err, stderr);
    fputc('\n', stderr);
}

/* The options that take a number. GO_ON when taken, else the exit code
 * of the usage error. */
static int
number_option(struct analyze *a, int c, const char *arg)
{
    unsigned long long n;

    switch (c) {
    case OPT_PORT:
        if (mcpd_parse_port(arg, &a->fcfg.port) != 0)
            return mcpd_usage_error("--port wants a port number "
                                    "1-65535, not '%s'", arg);
        return GO_ON;
    case OPT_MAX_FLOWS:
        if (mcpd_parse_uint(arg, 1, 100000000, &n) != 0)
            return mcpd_usage_error("--max-flows wants a number "
                                    "1-100000000, not '%s'", arg);
        a->fcfg.max_flows = (uint32_t)n;
        return GO_ON;
    case OPT_HANDSHAKE_TIMEOUT:
        if (mcpd_parse_uint(arg, 1, 86400, &n) != 0)
            return mcpd_usage_error("--handshake-timeout wants "
                                    "seconds 1-86400, not '%s'", arg);
        a->fcfg.handshake_idle_ns = (int64_t)n * 1000000000LL;
        return GO_ON;
    default:        /* OPT_MAX_ARCHIVE */
        if (mcpd_parse_bytes(arg, MCPD_INPUT_ARCHIVE_MIN,
                             MCPD_INPUT_ARCHIVE_MAX, &n) != 0)
            return mcpd_usage_error("--max-archive-bytes wants bytes, "
                                    "at least 1M (K, M, G suffixes), "
                                    "not '%s'", arg);
        a->iopts.max_archive_bytes = n;
        return GO_ON;
    }
}

/* One option. GO_ON, else the exit code (help, usage error). */
static int
apply_option(struct analyze *a, int c, char **argv)
{
    size_t i;

    for (i = 1; i < NFORMATS; i++)
        if (formats[i].opt == c) {
            a->fmt = &formats[i];
            a->ropts.format = formats[i].format;
            return GO_ON;
        }
    switch (c) {
    case 'v': a->ropts.verbose = 1; return GO_ON;
    case 'q': a->ropts.quiet = 1; return GO_ON;
    case OPT_NO_COLOR: a->no_color = 1; return GO_ON;
    case OPT_DETERMINISTIC: a->fcfg.seed = 0x6d637064u; return GO_ON;
    case OPT_PORT: case OPT_MAX_FLOWS: case OPT_HANDSHAKE_TIMEOUT:
    case OPT_MAX_ARCHIVE:
        return number_option(a, c, optarg);
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

/* The defaults, then the command line. GO_ON, else the exit code. */
static int
parse_args(struct analyze *a, int argc, char **argv)
{
    struct option longopts[32];
    int c, rc;

    memset(a, 0, sizeof(*a));
    a->fmt = &formats[0];
    a->ropts.format = formats[0].format;
    a->ropts.command = "analyze";
    a->iopts.max_archive_bytes = MCPD_INPUT_ARCHIVE_DEFAULT;
    mcpd_flow_config_default(&a->fcfg);
    a->fcfg.seed = mcpd_random_seed();
    mcpd_build_longopts(analyze_options, longopts, 32);
    optind = 1;
    opterr = 0;     /* our own one-line messages, not getopt's */
    while ((c = getopt_long(argc, argv, ":vqh", longopts, NULL)) != -1) {
        rc = apply_option(a, c, argv);
        if (rc != GO_ON)
            return rc;
    }
    if (optind >= argc)
        return mcpd_usage_error("analyze needs a capture file (or '-' "
                                "for standard input)");
    a->files = (const char *const *)&argv[optind];
    a->nfiles = argc - optind;
    return GO_ON;
}

/*
 * The source a file is of, from its first bytes. Only regular files are
 * looked at: reading the head of a pipe would take it from the reader.
 */
static const struct mcpd_input_source *
identify(const char *path)
{
    uint8_t head[MCPD_INPUT_HEAD];
    struct stat st;
    ssize_t n = -1;
    int fd;

    if (strcmp(path, "-") == 0)
        return NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        n = read(fd, head, sizeof(head));
    close(fd);
    return n > 0 ? mcpd_input_identify(head, (size_t)n) : NULL;
}

static void
free_inputs(struct analyze *a)
{
    int i;

    for (i = 0; a->mem && i < a->nfiles; i++)
        free((void *)a->mem[i].data);
    free(a->mem);
    free(a->src);
}

/*
 * Files of a source that reads them into memory (a bundle: its
 * capture.pcap, by a bounded walk of the archive; nothing is written).
 * GO_ON, else the exit code, with everything freed.
 */
static int
load_inputs(struct analyze *a)
{
    char err[MCPD_ERR_LEN];
    int i, nloaded = 0;

    a->mem = calloc((size_t)a->nfiles, sizeof(*a->mem));
    a->src = calloc((size_t)a->nfiles, sizeof(*a->src));
    if (a->mem == NULL || a->src == NULL) {
        free_inputs(a);
        fprintf(stderr, "mcpdiag: out of memory\n");
        return MCPD_EXIT_CANNOT_RUN;
    }
    for (i = 0; i < a->nfiles; i++) {
        const struct mcpd_input_source *s = identify(a->files[i]);
        char *data = NULL;
        size_t len = 0;

        if (s == NULL || s->load == NULL)
            continue;
        if (nloaded++ == MAX_LOADED) {
            free_inputs(a);
            return mcpd_usage_error("at most %d %ss at once", MAX_LOADED,
                                    s->name);
        }
        if (s->load(a->files[i], &a->iopts, &data, &len, err) != 0) {
            print_err(err);
            free_inputs(a);
            return MCPD_EXIT_CANNOT_RUN;
        }
        a->mem[i].data = data;
        a->mem[i].len = len;
        a->src[i] = s;
    }
    return GO_ON;
}

/* Next to the verdicts: what the inputs hold besides packets (the
 * machine as it was when a bundle was made). */
static void
describe_inputs(const struct analyze *a)
{
    char err[MCPD_ERR_LEN];
    int i;

    if (!a->fmt->describe_inputs || a->ropts.quiet)
        return;
    for (i = 0; i < a->nfiles; i++) {
        if (a->src[i] == NULL || a->src[i]->describe == NULL)
            continue;
        fputc('\n', stdout);
        if (a->src[i]->describe(a->files[i], &a->iopts, stdout, err) != 0)
            print_err(err);
    }
}

/* Read every packet into the tracker and write the report; the exit
 * status. */
static int
run_report(struct analyze *a, struct mcpd_reader *rd,
           const struct mcpd_input_info *info)
{
    struct mcpd_report *rep;
    struct mcpd_flowtab *tab;
    char err[MCPD_ERR_LEN];
    enum mcpd_code rc;
    int status;

    a->ropts.color = mcpd_use_color(stdout, a->no_color);
    a->ropts.utf8 = mcpd_use_utf8();
    rep = mcpd_report_new(&a->ropts, stdout, info);
    tab = rep ? mcpd_flowtab_new(&a->fcfg, mcpd_report_flow, rep) : NULL;
    if (tab == NULL) {
        fprintf(stderr, "mcpdiag: out of memory\n");
        mcpd_report_free(rep);
        return MCPD_EXIT_CANNOT_RUN;
    }
    /* Ctrl-C or SIGTERM ends the reading, not the report. */
    mcpd_catch_stop(on_signal, 1);
    mcpd_report_begin(rep);
    rc = mcpd_reader_run(rd, tab, &stop_requested, isatty(STDERR_FILENO),
                         err);
    mcpd_flow_flush(tab);
    status = mcpd_report_finish(rep, mcpd_flow_stats(tab));
    describe_inputs(a);
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
    return status;
}

int
mcpd_cmd_analyze(int argc, char **argv)
{
    struct mcpd_input_info info;
    struct mcpd_reader *rd = NULL;
    struct analyze a;
    char err[MCPD_ERR_LEN];
    int status;

    status = parse_args(&a, argc, argv);
    if (status == GO_ON)
        status = load_inputs(&a);
    if (status != GO_ON)
        return status;
    if (mcpd_reader_open_mem(&rd, a.files, a.mem, a.nfiles, &info, err) !=
        MCPD_OK) {
        print_err(err);
        free_inputs(&a);
        return MCPD_EXIT_CANNOT_RUN;
    }
    status = run_report(&a, rd, &info);
    mcpd_reader_close(rd);
    free_inputs(&a);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "mcpdiag: writing the report: %s\n",
                strerror(errno));
        return MCPD_EXIT_CANNOT_RUN;
    }
    return status;
}

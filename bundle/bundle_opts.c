/* \summary: `mcpdiag bundle`'s command line: the option table, the
 * usage text and the parser */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bundle_int.h"
#include "cli.h"
#include "tarball.h"

enum {
    OPT_FULL = 256, OPT_NO_REDACT, OPT_MAX_SIZE, OPT_INSPECT, OPT_TIMEOUT,
    OPT_NO_COLOR, OPT_JSON, OPT_MAX_ARCHIVE, OPT_FROM_CONFIG,
};

static const struct mcpd_option bundle_options[] = {
    { "output", 'o', "FILE",
      "write the bundle to FILE (default mcpdiag-bundle-HOST-TIME.tar.gz)" },
    { "interface", 'i', "IFACE",
      "capture on IFACE, as capture -i takes it (default: the loopback)" },
    { "full-payload", OPT_FULL, NULL,
      "keep whole packets (default: headers and ~200 payload bytes)" },
    { "no-redact", OPT_NO_REDACT, NULL,
      "keep secrets (tokens, cookies, passwords) as seen: not for tickets" },
    { "max-size", OPT_MAX_SIZE, "BYTES",
      "cap the bundle at BYTES (K, M, G suffixes; default 50M): the "
      "capture is cut" },
    { "inspect", OPT_INSPECT, "FILE",
      "list what a bundle holds and check its hashes, without extracting" },
    { "max-archive-bytes", OPT_MAX_ARCHIVE, "BYTES",
      "--inspect: refuse an archive that expands past BYTES (K, M, G; "
      "default 256M)" },
    { "timeout", OPT_TIMEOUT, "SECONDS",
      "probe: for each connect and answer (default 3)" },
    { "json", OPT_JSON, NULL, "one JSON document on stdout at the end" },
#ifdef HAVE_MCPD_DOCTOR
    { "from-config", OPT_FROM_CONFIG, NULL,
      "add servers.json: the MCP servers of your clients' configs, as "
      "doctor lists them (no header or variable values)" },
#endif
    { "verbose", 'v', NULL, "more detail" },
    { "quiet", 'q', NULL, "only the verdict and the bundle's name" },
    { "no-color", OPT_NO_COLOR, NULL,
      "no colour (also when NO_COLOR is set)" },
    { "help", 'h', NULL, "this help" },
    { NULL, 0, NULL, NULL },
};

const char mcpd_bundle_no_redact_warning[] =
    "mcpdiag: WARNING: --no-redact: this bundle KEEPS Authorization and "
    "Proxy-Authorization\nheaders, cookies, bearer tokens, Mcp-Session-Id "
    "values, passwords in URLs and proxy\nvariables, and tokens in URL "
    "queries, exactly as seen, in every file including\nthe packets. Do "
    "not attach it to a ticket others can read.\n";

static void
bundle_usage(FILE *out)
{
    fprintf(out,
            "usage: sudo mcpdiag bundle [TARGET] [options] [-- COMMAND "
            "ARGS...]\n"
            "       mcpdiag bundle --inspect FILE\n"
            "One .tar.gz for a support ticket: report.txt, report.json, "
            "report.html,\ncapture.pcap (while COMMAND, or the built-in "
            "probe, runs), environment.json\nand manifest.json with "
            "SHA-256 hashes. Secrets are redacted. Without root\nthere is "
            "no capture: the probe and the environment only.\n"
            "TARGET: PORT, HOST:PORT, [V6ADDR]:PORT or "
            "http[s]://HOST[:PORT][/PATH]\n        (default %s)\n\n",
            MCPD_TARGET_DEFAULT);
    mcpd_print_options(out, bundle_options);
}

/* --timeout: seconds 0.05-600. 0, or -1. */
static int
parse_timeout(const char *s, double *out)
{
    char *end;

    errno = 0;
    *out = strtod(s, &end);
    if (errno || *end || end == s || !(*out >= 0.05 && *out <= 600))
        return -1;
    return 0;
}

/* One option of the table: MCPD_BUNDLE_GO, or the exit code. */
static int
take_option(struct bundle *b, int opt, char **argv)
{
    switch (opt) {
    case 'o': b->out_opt = optarg; break;
    case 'i': b->iface = optarg; break;
    case OPT_FULL: b->full_payload = 1; break;
    case OPT_NO_REDACT: b->redact = 0; break;
    case OPT_MAX_SIZE:
        if (mcpd_parse_bytes(optarg, 4096, 1ULL << 40, &b->max_size) != 0)
            return mcpd_usage_error("--max-size wants bytes, at least "
                                    "4096 (K, M, G suffixes), not '%s': "
                                    "e.g. --max-size 20M", optarg);
        break;
    case OPT_INSPECT: b->inspect_path = optarg; break;
    case OPT_MAX_ARCHIVE:
        if (mcpd_parse_bytes(optarg, MCPD_TAR_MIN_MAX_BYTES,
                             MCPD_TAR_MAX_MAX_BYTES, &b->max_archive) != 0)
            return mcpd_usage_error("--max-archive-bytes wants bytes, at "
                                    "least 1M (K, M, G suffixes), not "
                                    "'%s'", optarg);
        break;
    case OPT_TIMEOUT:
        if (parse_timeout(optarg, &b->timeout) != 0)
            return mcpd_usage_error("--timeout wants seconds 0.05-600, "
                                    "not '%s'", optarg);
        break;
    case OPT_JSON: b->json = 1; break;
    case OPT_FROM_CONFIG: b->from_config = 1; break;
    case OPT_NO_COLOR:
        break;  /* nothing of ours is coloured; children get it */
    case 'v': b->verbose = 1; break;
    case 'q': b->quiet = 1; break;
    case 'h':
        bundle_usage(stdout);
        return MCPD_EXIT_OK;
    case ':':
        return mcpd_usage_error("%s needs a value (see 'mcpdiag bundle "
                                "--help')", argv[optind - 1]);
    default:
        return mcpd_usage_error("unknown option '%s' (see 'mcpdiag "
                                "bundle --help')", argv[optind - 1]);
    }
    return MCPD_BUNDLE_GO;
}

int
mcpd_bundle_options(struct bundle *b, int argc, char **argv)
{
    struct option longopts[24];
    int opt, rc;

    b->redact = 1;
    b->max_size = DEFAULT_MAX_SIZE;
    b->max_archive = MCPD_TAR_DEFAULT_MAX_BYTES;
    mcpd_build_longopts(bundle_options, longopts, 24);
    optind = 1;
    opterr = 0;
    for (;;) {
        while ((opt = getopt_long(argc, argv, "+:o:i:vqh", longopts,
                                  NULL)) != -1)
            if ((rc = take_option(b, opt, argv)) != MCPD_BUNDLE_GO)
                return rc;
        if (optind >= argc)
            break;
        if (strcmp(argv[optind - 1], "--") == 0) {
            b->cmd_argv = &argv[optind];
            break;
        }
        if (b->target_text)
            return mcpd_usage_error("unexpected '%s': put the client "
                                    "command after '--'", argv[optind]);
        b->target_text = argv[optind++];
    }
    if (b->inspect_path && (b->target_text || b->cmd_argv))
        return mcpd_usage_error("--inspect takes only the bundle to read");
    return MCPD_BUNDLE_GO;
}

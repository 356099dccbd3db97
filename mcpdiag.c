/* \summary: mcpdiag: why can't my MCP client reach its server? */

#include <stdio.h>
#include <string.h>
#include <pcap/pcap.h>
#include <cjson/cJSON.h>
#include "analyze/cli.h"
#include "analyze/mcpd.h"
#include "pcaplib.h"
#include "platform.h"
#ifdef HAVE_MCPD_CAPTURE
#include "capture/capture.h"
#endif
#ifdef HAVE_MCPD_PROBES
#include "probes/probe.h"
#endif
#ifdef HAVE_MCPD_BUNDLE
#include "bundle/bundle.h"
#include "bundle/tarball.h"
#endif
#ifdef HAVE_MCPD_DOCTOR
#include "doctor/doctor.h"
#endif

/* Under sudo, analyze reads files as the user who ran it, never as
 * root: reading needs no privilege. */
static int
run_analyze(int argc, char **argv)
{
#ifdef HAVE_MCPD_CAPTURE
    char err[256];

    if (mcpd_leave_sudo_root(err, sizeof(err)) != 0) {
        fprintf(stderr, "mcpdiag: %s\n", err);
        return MCPD_EXIT_CANNOT_RUN;
    }
#endif
#ifdef HAVE_MCPD_BUNDLE
    /* Files analyze reads besides pcap and pcapng: support bundles. */
    mcpd_input_register(&mcpd_bundle_input);
#endif
    return mcpd_cmd_analyze(argc, argv);
}

#ifdef HAVE_MCPD_PROBES
#define RUN_PROBE mcpd_cmd_probe
#else
#define RUN_PROBE NULL
#endif
#ifdef HAVE_MCPD_CAPTURE
#define RUN_CAPTURE mcpd_cmd_capture
#else
/* A build without the capture command (Windows so far) still says
 * first what live capture needs on this platform (Npcap). */
static int
capture_missing(int argc, char **argv)
{
    char err[MCPD_ERR_LEN];

    (void)argc;
    (void)argv;
    if (mcpd_plat_pcaplib(err) == NULL)
        fprintf(stderr, "mcpdiag: %s\n", err);
    else
        fprintf(stderr, "mcpdiag: 'capture' is not in this build; "
                        "'mcpdiag analyze FILE' works everywhere\n");
    return MCPD_EXIT_CANNOT_RUN;
}
#define RUN_CAPTURE capture_missing
#endif
#ifdef HAVE_MCPD_BUNDLE
#define RUN_BUNDLE mcpd_cmd_bundle
#else
#define RUN_BUNDLE NULL
#endif
#if defined(HAVE_MCPD_DOCTOR) && defined(HAVE_MCPD_PROBES)
#define RUN_DOCTOR mcpd_cmd_doctor
#else
#define RUN_DOCTOR NULL
#endif

/*
 * The commands, one row each (as zmap registers its modules): the usage
 * text and the dispatch both come from here. A command this build lacks
 * keeps its row with no function, so it is named as missing, not taken
 * for a typo. Each function gets argv from the command's name on.
 */
static const struct command {
    const char *name, *args, *help;
    int (*run)(int argc, char **argv);
} commands[] = {
    { "analyze", "FILE...", "classify every TCP connection in saved "
                            "captures", run_analyze },
    { "probe", "[TARGET]", "layer-by-layer diagnosis of one endpoint",
      RUN_PROBE },
    { "capture", "[TARGET]", "watch a failing client live (needs sudo)",
      RUN_CAPTURE },
    { "bundle", "[TARGET]", "a support bundle: capture, probe and "
                            "environment", RUN_BUNDLE },
    { "doctor", "", "check every MCP server your clients are configured "
                    "for", RUN_DOCTOR },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *out)
{
    size_t i;

    fprintf(out, "usage: mcpdiag COMMAND [options]\n"
                 "Tells why an MCP client cannot reach an MCP server over "
                 "TCP.\n\ncommands:\n");
    for (i = 0; i < NCOMMANDS; i++) {
        char lead[32];
        snprintf(lead, sizeof(lead), "%s%s%s", commands[i].name,
                 commands[i].args[0] ? " " : "", commands[i].args);
        fprintf(out, "  %-18s%s\n", lead, commands[i].help);
    }
    fprintf(out, "\n  mcpdiag COMMAND --help   options of one command\n"
                 "  mcpdiag --version\n\n"
                 "exit status: 0 healthy, 1 a problem was found, 2 usage "
                 "error,\n3 could not run (unreadable or malformed file, "
                 "no rights).\n");
}

static int
show_help(void)
{
    usage(stdout);
    return MCPD_EXIT_OK;
}

static int
show_version(void)
{
    printf("mcpdiag %s\n%s\ncJSON %s\n", MCPD_VERSION,
           pcap_lib_version(), cJSON_Version());
    return MCPD_EXIT_OK;
}

/* The words that are not commands, one row each. */
static const struct word {
    const char *names[3];    /* its spellings (unused ones NULL) */
    int (*run)(void);
} words[] = {
    { { "--help", "-h", "help" }, show_help },
    { { "--version", "-V", NULL }, show_version },
};

int
main(int argc, char **argv)
{
    const char *cmd;
    size_t i, k;

    if (argc < 2) {
        usage(stderr);
        return MCPD_EXIT_USAGE;
    }
    cmd = argv[1];
    for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        for (k = 0; k < 3 && words[i].names[k]; k++)
            if (strcmp(cmd, words[i].names[k]) == 0)
                return words[i].run();
    for (i = 0; i < NCOMMANDS; i++) {
        if (strcmp(cmd, commands[i].name) != 0)
            continue;
        if (commands[i].run == NULL) {
            fprintf(stderr, "mcpdiag: '%s' is not in this build; "
                            "'mcpdiag analyze FILE' works everywhere\n",
                    cmd);
            return MCPD_EXIT_CANNOT_RUN;
        }
        return commands[i].run(argc - 1, argv + 1);
    }
    return mcpd_usage_error("unknown command '%s' (try 'mcpdiag --help')",
                            cmd);
}

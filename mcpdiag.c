/* \summary: mcpdiag: why can't my MCP client reach its server? */

#include <stdio.h>
#include <string.h>
#include <pcap/pcap.h>
#include <cjson/cJSON.h>
#include "analyze/cli.h"
#include "analyze/mcpd.h"
#ifdef HAVE_MCPD_CAPTURE
#include "capture/capture.h"
#include "capture/bundle.h"
#include "platform.h"
#endif
#ifdef HAVE_MCPD_PROBES
#include "probes/probe.h"
#endif
#ifdef HAVE_MCPD_DOCTOR
#include "doctor/doctor.h"
#endif

static void
usage(FILE *out)
{
    fprintf(out,
        "usage: mcpdiag COMMAND [options]\n"
        "Tells why an MCP client cannot reach an MCP server over TCP.\n\n"
        "commands:\n"
        "  analyze FILE...   classify every TCP connection in saved "
        "captures\n"
        "  probe [TARGET]    layer-by-layer diagnosis of one endpoint\n"
        "  capture [TARGET]  watch a failing client live (needs sudo)\n"
        "  bundle [TARGET]   a support bundle: capture, probe and "
        "environment\n"
        "  doctor            check every MCP server your clients are "
        "configured for\n\n"
        "  mcpdiag COMMAND --help   options of one command\n"
        "  mcpdiag --version\n\n"
        "exit status: 0 healthy, 1 a problem was found, 2 usage error,\n"
        "3 could not run (unreadable or malformed file, no rights).\n");
}

int
main(int argc, char **argv)
{
    const char *cmd;

    if (argc < 2) {
        usage(stderr);
        return MCPD_EXIT_USAGE;
    }
    cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
        strcmp(cmd, "help") == 0) {
        usage(stdout);
        return MCPD_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("mcpdiag %s\n%s\ncJSON %s\n", MCPD_VERSION,
               pcap_lib_version(), cJSON_Version());
        return MCPD_EXIT_OK;
    }
    if (strcmp(cmd, "analyze") == 0) {
#ifdef HAVE_MCPD_CAPTURE
        /* Reading files needs no privilege: under sudo, read them as
         * the user who ran it, never as root. */
        char err[256];
        if (mcpd_leave_sudo_root(err, sizeof(err)) != 0) {
            fprintf(stderr, "mcpdiag: %s\n", err);
            return MCPD_EXIT_CANNOT_RUN;
        }
#endif
        return mcpd_cmd_analyze(argc - 1, argv + 1);
    }
#ifdef HAVE_MCPD_PROBES
    if (strcmp(cmd, "probe") == 0)
        return mcpd_cmd_probe(argc - 1, argv + 1);
#endif
#if defined(HAVE_MCPD_DOCTOR) && defined(HAVE_MCPD_PROBES)
    if (strcmp(cmd, "doctor") == 0)
        return mcpd_cmd_doctor(argc - 1, argv + 1);
#endif
#ifdef HAVE_MCPD_CAPTURE
    if (strcmp(cmd, "capture") == 0)
        return mcpd_cmd_capture(argc - 1, argv + 1);
    if (strcmp(cmd, "bundle") == 0)
        return mcpd_cmd_bundle(argc - 1, argv + 1);
#endif
    if (strcmp(cmd, "probe") == 0 || strcmp(cmd, "capture") == 0 ||
        strcmp(cmd, "bundle") == 0 || strcmp(cmd, "doctor") == 0) {
        fprintf(stderr, "mcpdiag: '%s' is not in this build yet; "
                        "'mcpdiag analyze FILE' works today\n", cmd);
        return MCPD_EXIT_CANNOT_RUN;
    }
    return mcpd_usage_error("unknown command '%s' (try 'mcpdiag --help')",
                            cmd);
}

/* \summary: `mcpdiag bundle`'s children: the capture (with COMMAND or
 * the built-in probe), COMMAND alone, the probe; all through the
 * platform's child runner */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bundle_int.h"
#include "cli.h"
#include "pcaplib.h"
#include "redact.h"

volatile sig_atomic_t mcpd_bundle_interrupted;

static void
on_signal(int sig)
{
    (void)sig;
    mcpd_bundle_interrupted = 1;
}

void
mcpd_bundle_catch_signals(void)
{
    mcpd_catch_stop(on_signal, 0);
}

static void
run_capture(struct bundle *b, const char *pcap)
{
    const char **argv;
    char snap[16], tmo[32];
    int n = 0, i, ncmd = 0;

    while (b->cmd_argv && b->cmd_argv[ncmd])
        ncmd++;
    /* Every one of COMMAND's arguments, after ours. */
    argv = calloc((size_t)ncmd + 18, sizeof(*argv));
    if (argv == NULL) {
        snprintf(b->capture_reason, sizeof(b->capture_reason),
                 "cannot start the capture: out of memory");
        return;
    }
    argv[n++] = mcpd_plat_self_exe(NULL);
    if (argv[0] == NULL) {
        free(argv);
        snprintf(b->capture_reason, sizeof(b->capture_reason),
                 "cannot start the capture: this platform cannot run "
                 "mcpdiag again");
        return;
    }
    argv[n++] = "capture";
    argv[n++] = b->target.url;
    argv[n++] = "--json";
    argv[n++] = "--no-color";
    argv[n++] = "-w";
    argv[n++] = pcap;
    if (b->iface) {
        argv[n++] = "-i";
        argv[n++] = b->iface;
    }
    argv[n++] = "-s";
    snprintf(snap, sizeof(snap), "%d", b->full_payload ? 0 : SNAP_HEADERS);
    argv[n++] = snap;
    if (b->timeout > 0) {
        snprintf(tmo, sizeof(tmo), "%d", (int)(b->timeout + 0.999));
        argv[n++] = "--timeout";
        argv[n++] = tmo;
    }
    if (b->cmd_argv) {
        argv[n++] = "--";
        for (i = 0; i < ncmd; i++)
            argv[n++] = b->cmd_argv[i];
    }
    argv[n] = NULL;
    i = mcpd_run_child(argv, MCPD_RUN_TEE_STDERR | MCPD_RUN_STDIN, 0,
                       &b->cap);
    ncmd = errno;
    free(argv);
    if (i != 0) {
        snprintf(b->capture_reason, sizeof(b->capture_reason),
                 "cannot start the capture: %s", strerror(ncmd));
        return;
    }
    b->capture_interrupted = mcpd_bundle_interrupted;
    mcpd_bundle_interrupted = 0;
    if (b->cap.status == MCPD_EXIT_CANNOT_RUN || b->cap.out_len == 0) {
        /* Its one line on stderr says why (no interface, no rights). */
        const char *why = b->cap.err ? b->cap.err : "";
        const char *last = why, *p;
        for (p = why; *p; p++)
            if (*p == '\n' && p[1])
                last = p + 1;
        snprintf(b->capture_reason, sizeof(b->capture_reason),
                 "capture could not run: %.*s", (int)strcspn(last, "\n"),
                 last);
        return;
    }
    b->capture_ran = 1;
}

static void
run_probe(struct bundle *b)
{
    const char *argv[12];
    char tmo[32];
    int n = 0;

    argv[n++] = mcpd_plat_self_exe(NULL);
    if (argv[0] == NULL)
        return;
    argv[n++] = "probe";
    argv[n++] = b->target.url;
    argv[n++] = "--json";
    argv[n++] = "--no-color";
    if (b->timeout > 0) {
        snprintf(tmo, sizeof(tmo), "%g", b->timeout);
        argv[n++] = "--timeout";
        argv[n++] = tmo;
    }
    argv[n] = NULL;
    if (mcpd_run_child(argv, 0, 600, &b->probe) == 0 &&
        b->probe.out_len > 0)
        b->probe_ran = 1;
}

/* A private directory for the capture's file, the capture's own user
 * able to write it. 0, or -1 (said on stderr). */
static int
private_dir(struct bundle *b, const struct mcpd_user *user)
{
    char err[MCPD_ERR_LEN];

    if (mcpd_private_dir(user, b->dir, sizeof(b->dir), err) != 0) {
        fprintf(stderr, "mcpdiag: %s\n", err);
        b->dir[0] = '\0';
        return -1;
    }
    if (mcpd_path_join(b->dir, "capture.pcap", b->pcap_path,
                       sizeof(b->pcap_path)) != 0) {
        fprintf(stderr, "mcpdiag: %s: path too long\n", b->dir);
        rmdir(b->dir);
        b->dir[0] = '\0';
        b->pcap_path[0] = '\0';
        return -1;
    }
    return 0;
}

/* With capture rights: the capture, around COMMAND or the probe. */
static int
capture(struct bundle *b, const struct mcpd_user *user)
{
    if (private_dir(b, user) != 0)
        return -1;
    if (!b->quiet)
        fprintf(stderr, "mcpdiag: bundle: capturing while %s runs\n",
                b->cmd_argv ? b->cmd_argv[0] : "the built-in probe");
    run_capture(b, b->pcap_path);
    if (!b->capture_ran)
        fprintf(stderr, "mcpdiag: bundle: %s; the bundle holds the "
                "probe and the environment only\n", b->capture_reason);
    return 0;
}

/* Without capture rights (or, on Windows, without Npcap): COMMAND
 * alone, its output kept. */
static void
command_alone(struct bundle *b)
{
    char why[MCPD_ERR_LEN] = "", again[160];

    if (mcpd_plat_pcaplib(why) == NULL) {
        /* No capture library at all: what to install says it all. */
        snprintf(b->capture_reason, sizeof(b->capture_reason), "%s", why);
        fprintf(stderr, "mcpdiag: bundle: no capture: %s; the bundle "
                "holds the probe and the environment only\n", why);
    } else {
        snprintf(b->capture_reason, sizeof(b->capture_reason),
                 "no capture rights (not root, no CAP_NET_RAW)");
        if (!mcpd_fixcmd_fill("{root}mcpdiag bundle ...{root_note}", 0,
                              again, sizeof(again)))
            snprintf(again, sizeof(again), "mcpdiag bundle ...");
        fprintf(stderr, "mcpdiag: bundle: no capture rights: the bundle "
                "holds the probe and the environment only; for the "
                "packets run: %s\n", again);
    }
    if (b->cmd_argv) {
        if (mcpd_run_child((const char *const *)b->cmd_argv,
                           MCPD_RUN_TEE_STDERR | MCPD_RUN_STDIN, 0,
                           &b->cmdrun) == 0)
            b->cmd_ran = 1;
        mcpd_bundle_interrupted = 0;
    }
}

int
mcpd_bundle_gather(struct bundle *b, const struct mcpd_user *user)
{
    if (mcpd_plat_can_capture()) {
        if (capture(b, user) != 0)
            return -1;
    } else {
        command_alone(b);
    }
    if (!mcpd_bundle_interrupted) {
        if (!b->quiet) {
            char shown[sizeof(b->target.url)];
            snprintf(shown, sizeof(shown), "%s", b->target.url);
            if (b->redact)
                mcpd_redact_str(shown);
            fprintf(stderr, "mcpdiag: bundle: probing %s\n", shown);
        }
        run_probe(b);
    }
    if (!mcpd_bundle_interrupted)
        b->env = mcpd_environment_collect(&b->target, b->redact ?
                                          mcpd_redact_proxy_value : NULL);
    if (b->env != NULL && b->redact)
        mcpd_redact_json(b->env);
    if (mcpd_bundle_interrupted) {
        fprintf(stderr, "mcpdiag: interrupted: no bundle written\n");
        return -1;
    }
    return 0;
}

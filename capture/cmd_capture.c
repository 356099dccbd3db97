/* \summary: `mcpdiag capture`: watch a failing connect live, name the
 * processes, keep the evidence. This file runs the command; its parts
 * are capture_opts.c, attribute.c, kevidence.c, live_out.c, stimulus.c */

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "capture.h"
#include "capture_int.h"
#include "cli.h"
#include "sanitize.h"

static volatile sig_atomic_t stop_requested;

/* What the run leaves for the end. */
struct run {
    char filter[512];
    const char *iface;
    struct mcpd_input_info info;
    long child;              /* the stimulus while it runs; 0: none */
    int child_ended;         /* child_exit is how it ended */
    struct mcpd_child_exit child_exit;
    int cmd_done;            /* COMMAND ended by itself */
};

void
mcpd_cap_errmsg(const char *fmt, ...)
{
    char buf[1024], *safe;
    size_t n;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    safe = mcpd_text_escape_block(buf, strlen(buf), &n);
    fputs("mcpdiag: ", stderr);
    fputs(safe ? safe : "(a message was lost: out of memory)\n", stderr);
    free(safe);
}

int64_t
mcpd_cap_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}


/* Everything that needs root, then the drop. 0, or an exit status. */
static int
open_as_root(struct capture *c, const struct capture_args *a,
             struct mcpd_user *user, struct run *r)
{
    char err[MCPD_ERR_LEN];
    int wfd;

    mcpd_cap_build_filter(c, r->filter, sizeof(r->filter));
    r->iface = a->iface ? a->iface : mcpd_default_iface();
    if (r->iface == NULL) {
        mcpd_cap_errmsg("this platform names no default "
                        "interface: give one with -i\n");
        return MCPD_EXIT_CANNOT_RUN;
    }
    if (mcpd_live_open(&c->live, r->iface, r->filter, a->snaplen, err,
                       sizeof(err)) != MCPD_LIVE_OK) {
        mcpd_cap_errmsg("%s\n", err);
        return MCPD_EXIT_CANNOT_RUN;
    }
    if (a->wfile) {
        wfd = mcpd_create_output(a->wfile, user, err, sizeof(err));
        if (wfd < 0 || mcpd_live_write_to(&c->live, wfd, err,
                                          sizeof(err)) != 0) {
            mcpd_cap_errmsg("%s\n", err);
            mcpd_live_close(&c->live);
            return MCPD_EXIT_CANNOT_RUN;
        }
    }
    c->nlisteners = mcpd_owner_listeners(c->target.port, c->listeners,
                                         MAX_LISTENERS, &c->vis, err);
    if (!a->no_witness)
        mcpd_cap_kernel_open(c, a->ropts.quiet);
    if (c->nlisteners < 0)
        c->nlisteners = 0;
    if (mcpd_drop_privileges(user, err, sizeof(err)) != 0) {
        mcpd_cap_errmsg("giving up privileges: %s\n", err);
        mcpd_live_close(&c->live);
        return MCPD_EXIT_CANNOT_RUN;
    }
    return 0;
}

/* The report and the flow table that feeds it. 0, or an exit status. */
static int
open_report(struct capture *c, struct capture_args *a, struct run *r)
{
    struct mcpd_flow_config fcfg;

    memset(&r->info, 0, sizeof(r->info));
    r->info.link_types[0] = pcap_datalink_val_to_name(c->live.dlt);
    r->info.nlink_types = 1;
    c->color = mcpd_use_color(stdout, a->no_color);
    a->ropts.color = c->color;
    a->ropts.utf8 = mcpd_use_utf8();
    c->live_out = a->ropts.format == MCPD_FMT_TEXT ? stdout : stderr;
    c->rep = mcpd_report_new(&a->ropts, stdout, &r->info);
    mcpd_flow_config_default(&fcfg);
    fcfg.seed = mcpd_random_seed();
    c->tab = c->rep ? mcpd_flowtab_new(&fcfg, mcpd_cap_on_final, c) : NULL;
    if (c->tab == NULL) {
        mcpd_cap_errmsg("out of memory\n");
        mcpd_live_close(&c->live);
        return MCPD_EXIT_CANNOT_RUN;
    }
    c->live.tab = c->tab;
    mcpd_flowtab_set_early(c->tab, mcpd_cap_on_early, c,
                           (int64_t)a->syn_timeout * 1000000000LL);
    mcpd_flowtab_set_new(c->tab, mcpd_cap_on_new_flow, c);
    return 0;
}

/* The command or the built-in probe, as the user. 0, or an exit
 * status when COMMAND cannot be run (nothing to report then). */
static int
start_stimulus(struct capture *c, const struct capture_args *a,
               struct run *r)
{
    int exec_errno;

    fflush(NULL);
    r->child = mcpd_cap_start_child(a->cmd_argv, &c->target, a->timeout,
                                    a->ropts.format != MCPD_FMT_TEXT,
                                    &exec_errno);
    if (r->child < 0 && exec_errno) {
        mcpd_cap_errmsg("cannot run %s: %s\n", a->cmd_argv[0],
                        strerror(exec_errno));
        return MCPD_EXIT_CANNOT_RUN;
    }
    if (r->child < 0) {
        mcpd_cap_errmsg("fork: %s\n", strerror(errno));
        stop_requested = 1;
        r->child = 0;
    } else if (a->cmd_argv) {
        c->cmd_pid = r->child;
    }
    return 0;
}

/* Until Ctrl-C, --duration, or the command's end and a grace time. */
static void
watch(struct capture *c, const struct capture_args *a, struct run *r)
{
    char err[MCPD_ERR_LEN];
    int64_t end_at = 0, last_flush = mcpd_cap_now_ns(), now;

    if (a->duration)
        end_at = mcpd_cap_now_ns() + (int64_t)a->duration * 1000000000LL;
    while (!stop_requested) {
        mcpd_live_wait(&c->live, 100);
        mcpd_cap_kernel_poll(c);
        if (mcpd_live_drain(&c->live, err, sizeof(err)) < 0) {
            mcpd_cap_errmsg("capture: %s\n", err);
            break;
        }
        now = mcpd_cap_now_ns();
        mcpd_flow_early_scan(c->tab, now);
        if (now - last_flush > 1000000000LL) {
            mcpd_live_flush(&c->live);
            last_flush = now;
        }
        /* The command's own proxy variables (after its exec), until a
         * connection of its tree names the process that used them. */
        if (c->cmd_pid > 0 && r->child > 0 && !c->cmd_env)
            mcpd_proxy_env_read_pid(&c->proxy, &c->target, r->child);
        /* The stimulus's end, looked at each tick (no SIGCHLD: the
         * same on every platform). */
        if (r->child > 0 &&
            mcpd_child_reap(r->child, 0, &r->child_exit) == 1) {
            r->child = 0;
            r->child_ended = 1;
            r->cmd_done = 1;
            end_at = now + GRACE_NS;
        }
        if (end_at && now >= end_at)
            break;
    }
}

/* The command's end, for people. */
static void
say_command_end(const struct capture_args *a, const struct run *r)
{
    const char *cmd = a->cmd_argv ? a->cmd_argv[0] : NULL;
    const struct mcpd_child_exit *x = &r->child_exit;

    if (cmd == NULL || a->ropts.quiet || !r->child_ended)
        return;
    if (x->signal)
        mcpd_cap_errmsg("%s was killed by signal %d\n", cmd, x->signal);
    else
        mcpd_cap_errmsg("%s exited with status %d\n", cmd, x->code);
}

/* Stop, finish the report and say what it cannot show. */
static int
finish(struct capture *c, const struct capture_args *a, struct run *r)
{
    uint64_t recv = 0, drop = 0, ifdrop = 0;
    char err[MCPD_ERR_LEN];
    const char *cmd = a->cmd_argv ? a->cmd_argv[0] : NULL;
    int status;

    /* Whatever is still in the kernel's buffer belongs to the report. */
    mcpd_live_drain(&c->live, err, sizeof(err));
    if (r->child > 0) {
        /* Stopped by a signal or --duration: the command goes too. */
        r->child_ended = mcpd_child_reap(r->child, 1, &r->child_exit) == 1;
    }
    mcpd_live_stats(&c->live, &recv, &drop, &ifdrop);
    mcpd_live_close(&c->live);    /* finishes the -w file */
    mcpd_flow_flush(c->tab);
    mcpd_flow_set_kernel_stats(c->tab, recv, drop, ifdrop);
    mcpd_cap_proxy_findings(c);
    if (!a->ropts.quiet)
        fflush(stdout);
    say_command_end(a, r);
    status = mcpd_report_finish(c->rep, mcpd_flow_stats(c->tab));
    /* A command that failed, or that had no answered connection, is a
     * problem even when every connection seen looks healthy. */
    if (cmd && r->cmd_done && status == 0 &&
        !(r->child_exit.signal == 0 && r->child_exit.code == 0)) {
        status = 1;
        mcpd_cap_errmsg("exit 1: %s failed%s\n", cmd, c->rep->emitted ?
                        ", though the connections seen look healthy" :
                        " and made no TCP connection");
    } else if (cmd && status == 0 && c->healthy == 0) {
        status = 1;
        mcpd_cap_errmsg("exit 1: %s had no answered connection "
                        "(no healthy exchange seen)\n", cmd);
    }
    if (!a->ropts.quiet && c->unattributed && a->ropts.verbose)
        mcpd_cap_errmsg("%llu client sockets were gone before their "
                        "process could be looked up\n",
                        (unsigned long long)c->unattributed);
    if (!a->ropts.quiet && a->wfile)
        mcpd_cap_errmsg("packets written to %s\n", a->wfile);
    if (drop || ifdrop)
        mcpd_cap_errmsg("warning: the kernel dropped %llu packets "
                        "(%llu at the interface): verdicts may be "
                        "incomplete\n", (unsigned long long)drop,
                        (unsigned long long)ifdrop);
    if (stop_requested && !a->ropts.quiet)
        mcpd_cap_errmsg("stopped; the report covers everything "
                        "captured\n");
    return status;
}

int
mcpd_cmd_capture(int argc, char **argv)
{
    struct capture c;
    struct capture_args a;
    struct mcpd_user user;
    struct run r;
    char err[MCPD_ERR_LEN];
    int status;

    if ((status = mcpd_cap_parse_args(argc, argv, &a)) >= 0)
        return status;
    memset(&c, 0, sizeof(c));
    memset(&r, 0, sizeof(r));
    c.quiet = a.ropts.quiet;
    if (mcpd_target_parse(a.target_text, &c.target, err) != 0)
        return mcpd_usage_error("target: %s", err);
    if (mcpd_user_resolve(a.zuser, &user, err, sizeof(err)) != 0) {
        mcpd_cap_errmsg("%s\n", err);
        return MCPD_EXIT_USAGE;
    }
    mcpd_proxy_env_read(&c.proxy, &c.target);
    if (a.cmd_argv) {
        c.cmd_pid = -1;     /* follow it: its pid comes with the fork */
        mcpd_cap_command_env(&c, a.cmd_argv);
    }
    if ((status = open_as_root(&c, &a, &user, &r)) != 0 ||
        (status = open_report(&c, &a, &r)) != 0) {
        mcpd_cap_kernel_close(&c);
        return status;
    }
    mcpd_catch_stop(on_signal, 1);
    if (!a.ropts.quiet)
        fprintf(c.live_out, "mcpdiag capture on %s (%s), filter '%s'%s\n",
                r.iface, r.info.link_types[0], r.filter,
                a.passive ? ", passive" : "");
    if (!a.passive && (status = start_stimulus(&c, &a, &r)) != 0) {
        mcpd_live_close(&c.live);
        mcpd_cap_kernel_close(&c);
        mcpd_flowtab_free(c.tab);
        mcpd_report_free(c.rep);
        return status;
    }
    mcpd_report_begin(c.rep);
    watch(&c, &a, &r);
    status = finish(&c, &a, &r);
    mcpd_cap_kernel_close(&c);
    mcpd_flowtab_free(c.tab);
    mcpd_report_free(c.rep);
    return status;
}

/* \summary: capture's live output: a verdict line for each connection
 * as soon as it is known, then its record in the report */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "capture_int.h"
#include "sanitize.h"

static void
live_proc(FILE *out, const char *side, const struct mcpd_proc *p)
{
    fprintf(out, "  %s: pid %d ", side, p->pid);
    mcpd_text_fputs(p->command, out);
    fputs(" (", out);
    mcpd_text_fputs(p->user, out);
    fputs(")", out);
}

static void
print_line(struct capture *c, const struct mcpd_flow *f,
           enum mcpd_verdict v)
{
    char cli[64], srv[64];
    int ok = mcpd_verdict_ok(v);

    if (c->quiet || c->live_out == NULL)
        return;
    mcpd_endpoint_str(&f->cli, cli, sizeof(cli));
    mcpd_endpoint_str(&f->srv, srv, sizeof(srv));
    fprintf(c->live_out, "%s%-11s%s %s -> %s", c->color ?
            (ok ? "\033[32m" : "\033[31m") : "", mcpd_verdict_name(v),
            c->color ? "\033[0m" : "", cli, srv);
    if (v == MCPD_V_UNREACHABLE)
        fprintf(c->live_out, "  ICMP %s",
                mcpd_icmp_name(f->icmp_from.family, f->icmp_type,
                               f->icmp_code));
    if (v == MCPD_V_TIMEOUT)
        fprintf(c->live_out, "  %u SYN%s, no answer", f->syn_count,
                f->syn_count == 1 ? "" : "s");
    if (v == MCPD_V_RESET)
        fprintf(c->live_out, "  reset by %s",
                (f->bits & MCPD_F_SRV_RST) ? "server" : "client");
    /* Process names are the process's own choice (prctl). */
    if (f->client_proc)
        live_proc(c->live_out, "client", f->client_proc);
    if (f->server_proc)
        live_proc(c->live_out, "server", f->server_proc);
    if (f->kernel && f->kernel->rst_origin[0])
        fprintf(c->live_out, "  kernel: %s",
                strcmp(f->kernel->rst_origin, "host") == 0
                    ? "the host's TCP stack sent the RST"
                    : "the RST did not come from the host's TCP stack "
                      "(a firewall rule)");
    if (f->kernel && f->kernel->rst_reason[0]) {
        fputs(" (", c->live_out);
        mcpd_text_fputs(f->kernel->rst_reason, c->live_out);
        fputs(")", c->live_out);
    }
    if (f->kernel && f->kernel->rule[0]) {
        fputs("  rule: ", c->live_out);
        mcpd_text_fputs(f->kernel->rule, c->live_out);
    }
    if (f->kernel && f->kernel->ndrops && !f->kernel->rst_origin[0])
        fprintf(c->live_out, "  kernel: %u packet%s dropped (%s)",
                f->kernel->drops[0].count,
                f->kernel->drops[0].count == 1 ? "" : "s",
                f->kernel->drops[0].reason);
    fputc('\n', c->live_out);
    fflush(c->live_out);
}

void
mcpd_cap_on_early(void *ctx, struct mcpd_flow *f, enum mcpd_verdict v)
{
    mcpd_cap_kernel_evidence(ctx, f);
    if (!mcpd_cap_flow_is_ours(ctx, f))
        return;
    print_line(ctx, f, v);
}

void
mcpd_cap_on_final(void *ctx, struct mcpd_flow *f, enum mcpd_emit_why why)
{
    struct capture *c = ctx;

    /* The kernel's word, now that the record is final (again if it was
     * announced early: later SYNs may have been dropped since). */
    free(f->kernel);
    f->kernel = NULL;
    mcpd_cap_kernel_evidence(c, f);
    if (!mcpd_cap_flow_is_ours(c, f))
        return;     /* another program's connection (following a command) */
    if ((mcpd_verdict_ok((enum mcpd_verdict)f->verdict) ||
         mcpd_flow_abortive_close(f)) && mcpd_flow_server_bytes(f) > 0 &&
        mcpd_flow_cause(f, 1) == MCPD_C_OK)
        c->healthy++;
    if (!f->announced)
        print_line(c, f, (enum mcpd_verdict)f->verdict);
    mcpd_report_flow(c->rep, f, why);
}

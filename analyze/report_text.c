/* \summary: the report for people: headlines, ladder diagrams, fixes */

#include <inttypes.h>
#include <string.h>
#include <time.h>
#include "report.h"
#include "sanitize.h"

#define LADDER_WIDTH 44

static const char *
col(const struct mcpd_report *r, const char *ansi)
{
    return r->opts.color ? ansi : "";
}

#define RED     "\033[31m"
#define GREEN   "\033[32m"
#define YELLOW  "\033[33m"
#define BOLD    "\033[1m"
#define DIM     "\033[2m"
#define RESET   "\033[0m"

/* "SYN,ACK" from the flag bits, in the order tcpdump prints them. */
static void
flag_text(uint8_t fl, char *buf, size_t len)
{
    static const struct { uint8_t bit; const char *name; } names[] = {
        { MCPD_TH_SYN, "SYN" }, { MCPD_TH_FIN, "FIN" },
        { MCPD_TH_RST, "RST" }, { MCPD_TH_PSH, "PSH" },
        { MCPD_TH_ACK, "ACK" }, { MCPD_TH_URG, "URG" },
    };
    size_t i, at = 0;

    buf[0] = '\0';
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!(fl & names[i].bit))
            continue;
        at += (size_t)snprintf(buf + at, at < len ? len - at : 0, "%s%s",
                               at ? "," : "", names[i].name);
        if (at >= len)
            break;
    }
    if (buf[0] == '\0')
        snprintf(buf, len, "none");
}

/* Print n copies of the horizontal line glyph. */
static void
hline(struct mcpd_report *r, int n)
{
    while (n-- > 0)
        fputs(r->opts.utf8 ? "\u2500" : "-", r->out);
}

/* One arrow of the ladder, `label` centred on a line LADDER_WIDTH wide. */
static void
arrow(struct mcpd_report *r, int to_server, const char *label)
{
    int len = (int)strlen(label), fill = LADDER_WIDTH - len - 5;

    if (fill < 1)
        fill = 1;
    if (to_server) {
        hline(r, 2);
        fprintf(r->out, " %s ", label);
        hline(r, fill);
        fputs(r->opts.utf8 ? "\u25b6" : ">", r->out);
    } else {
        fputs(r->opts.utf8 ? "\u25c0" : "<", r->out);
        hline(r, fill);
        fprintf(r->out, " %s ", label);
        hline(r, 2);
    }
}

/* The kernel's word next to the packet it explains (live capture). */
static void
kernel_note(struct mcpd_report *r, const struct mcpd_flow *f,
            const struct mcpd_step *s)
{
    const struct mcpd_kernel *k = f->kernel;

    if (k == NULL)
        return;
    if (s->dir == MCPD_S2C && (s->flags & MCPD_TH_RST) && k->rst_origin[0])
        fprintf(r->out, "  %skernel: %s%s%s%s", col(r, DIM),
                strcmp(k->rst_origin, "host") == 0 ? "RST by the host stack"
                                                   : "RST not from the host "
                                                     "stack (firewall)",
                k->rst_reason[0] ? " (" : "", k->rst_reason,
                k->rst_reason[0] ? ")" : "");
    else if (s->dir == MCPD_C2S &&
             (s->flags & (MCPD_TH_SYN | MCPD_TH_ACK)) == MCPD_TH_SYN &&
             k->ndrops && !(f->bits & (MCPD_F_SYNACK | MCPD_F_SRV_RST)))
        fprintf(r->out, "  %skernel: dropped (%s)", col(r, DIM),
                k->drops[0].reason);
    else
        return;
    fputs(col(r, RESET), r->out);
}

static void
ladder(struct mcpd_report *r, const struct mcpd_flow *f)
{
    char cli[64], srv[64], label[64], fl[32];
    int i;

    mcpd_endpoint_str(&f->cli, cli, sizeof(cli));
    mcpd_endpoint_str(&f->srv, srv, sizeof(srv));
    /* Column heads: client at the arrow's tail, server at its head. */
    {
        int gap = LADDER_WIDTH - 7 - (int)strlen(cli) - 7 - (int)strlen(srv);
        fprintf(r->out, "%19s%sclient %s%*sserver %s%s\n", "", col(r, DIM),
                cli, gap < 2 ? 2 : gap, "", srv, col(r, RESET));
    }
    for (i = 0; i < f->nsteps; i++) {
        const struct mcpd_step *s = &f->steps[i];
        fprintf(r->out, "    %+11.3f ms ", (double)s->dt_us / 1000.0);
        if (s->dir == MCPD_ICMP) {
            snprintf(label, sizeof(label), "ICMP %s",
                     mcpd_icmp_name(f->icmp_from.family, s->flags,
                                    (uint8_t)s->len));
            arrow(r, 0, label);
        } else {
            flag_text(s->flags, fl, sizeof(fl));
            if (s->len)
                snprintf(label, sizeof(label), "%s %uB", fl, s->len);
            else
                snprintf(label, sizeof(label), "%s", fl);
            arrow(r, s->dir == MCPD_C2S, label);
            kernel_note(r, f, s);
        }
        fputc('\n', r->out);
    }
    if (f->cli_pkts + f->srv_pkts > f->nsteps)
        fprintf(r->out, "    %s(%u more packets)%s\n", col(r, DIM),
                f->cli_pkts + f->srv_pkts - f->nsteps, col(r, RESET));
}

static void
clock_text(int64_t ns, char *buf, size_t len)
{
    time_t secs = (time_t)(ns / 1000000000);
    struct tm tm;

    if (gmtime_r(&secs, &tm) == NULL) {
        snprintf(buf, len, "?");
        return;
    }
    snprintf(buf, len, "%02d:%02d:%02d.%06d", tm.tm_hour, tm.tm_min,
             tm.tm_sec, (int)((ns % 1000000000) / 1000));
}

void
mcpd_text_begin(struct mcpd_report *r)
{
    /* Live capture prints its own header (interface and filter). */
    if (r->opts.quiet || r->input.nfiles == 0)
        return;
    fprintf(r->out, "%smcpdiag %s%s", col(r, BOLD), r->opts.command,
            col(r, RESET));
    if (r->input.nfiles == 1) {
        fputc(' ', r->out);
        mcpd_text_fputs(r->input.files[0], r->out);
    } else if (r->input.nfiles > 1) {
        fprintf(r->out, " of %d files as one capture", r->input.nfiles);
    }
    if (r->input.nlink_types)
        fprintf(r->out, " (%s)", r->input.link_types[0]);
    fputc('\n', r->out);
}

void
mcpd_text_flow(struct mcpd_report *r, const struct mcpd_flow *f)
{
    char cli[64], srv[64], when[32];
    enum mcpd_verdict v = (enum mcpd_verdict)f->verdict;

    if (!r->opts.verbose)
        return;
    if (r->emitted == 1)
        fprintf(r->out, "%sTIME (UTC)       CLIENT -> SERVER%*sVERDICT      "
                        "SYN  BYTES c/s%s\n", col(r, BOLD), 30, "",
                col(r, RESET));
    mcpd_endpoint_str(&f->cli, cli, sizeof(cli));
    mcpd_endpoint_str(&f->srv, srv, sizeof(srv));
    clock_text(f->t_first, when, sizeof(when));
    fprintf(r->out, "%s  %-22s -> %-22s %s%-12s%s %3u  %" PRIu64 "/%" PRIu64
                    "%s\n",
            when, cli, srv, col(r, mcpd_verdict_ok(v) ? GREEN : RED),
            mcpd_verdict_name(v), col(r, RESET), f->syn_count, f->cli_bytes,
            mcpd_flow_server_bytes(f),
            mcpd_flow_no_response(f) ? "  no response" : "");
}

/* "2 CLOSED, 1 REFUSED" */
static void
verdict_list(struct mcpd_report *r, const uint64_t *counts)
{
    int v, first = 1;

    for (v = 0; v < MCPD_V_COUNT; v++) {
        if (!counts[v])
            continue;
        fprintf(r->out, "%s%s%" PRIu64 " %s%s", first ? "" : ", ",
                col(r, mcpd_verdict_ok((enum mcpd_verdict)v) ? GREEN : RED),
                counts[v], mcpd_verdict_name((enum mcpd_verdict)v),
                col(r, RESET));
        first = 0;
    }
}

/* The example of the server's heaviest failing cause, for its ladder. */
static const struct mcpd_flow *
failed_example(const struct mcpd_server *s)
{
    const struct mcpd_flow *best = NULL;
    uint64_t n = 0;
    int c;

    for (c = 0; c < MCPD_C_COUNT; c++)
        if (c != MCPD_C_OK && s->causes[c] > n && s->example[c]) {
            best = s->example[c];
            n = s->causes[c];
        }
    return best;
}

static void
server_headlines(struct mcpd_report *r)
{
    char ep[64];
    uint32_t i;

    for (i = 0; i < r->nservers; i++) {
        const struct mcpd_server *s = &r->servers[i];
        const struct mcpd_flow *ex = failed_example(s);
        if (ex == NULL)
            continue;
        fprintf(r->out, "\n%s%s %s%s  ", col(r, RED),
                r->opts.utf8 ? "\u2717" : "x",
                mcpd_endpoint_str(&s->ep, ep, sizeof(ep)), col(r, RESET));
        verdict_list(r, s->verdicts);
        fprintf(r->out, "\n  %s%s: %s%s\n", col(r, DIM),
                mcpd_verdict_name((enum mcpd_verdict)ex->verdict),
                mcpd_verdict_explain((enum mcpd_verdict)ex->verdict),
                col(r, RESET));
        if (!r->opts.quiet) {
            fputc('\n', r->out);
            ladder(r, ex);
        }
    }
}

static void
server_table(struct mcpd_report *r)
{
    char ep[64];
    uint32_t i;

    fprintf(r->out, "\n%sConnections by server%s\n", col(r, BOLD),
            col(r, RESET));
    for (i = 0; i < r->nservers; i++) {
        const struct mcpd_server *s = &r->servers[i];
        fprintf(r->out, "  %-28s %6" PRIu64 "   ",
                mcpd_endpoint_str(&s->ep, ep, sizeof(ep)), s->total);
        verdict_list(r, s->verdicts);
        fputc('\n', r->out);
    }
    if (r->other_server_conns)
        fprintf(r->out, "  %-28s %6" PRIu64 "\n", "(other servers)",
                r->other_server_conns);
    if (r->abortive)
        fprintf(r->out, "  %" PRIu64 " RESET%s by the client after a "
                "complete HTTP exchange: abortive close%s, healthy\n",
                r->abortive, r->abortive == 1 ? "" : "s",
                r->abortive == 1 ? "" : "s");
}

static void
print_finding(struct mcpd_report *r, const struct mcpd_finding *f, int main)
{
    int i;

    fprintf(r->out, "%s%s%s%s (%" PRIu64 " connection%s)\n  %s\n",
            main ? "\nDiagnosis: " : "\nAlso: ",
            col(r, f->cause == MCPD_C_OK ? GREEN : RED),
            mcpd_cause_name(f->cause), col(r, RESET), f->count,
            f->count == 1 ? "" : "s", f->summary);
    if (f->nfix > 0 && (main || r->opts.verbose)) {
        fprintf(r->out, "%sFix:%s\n", col(r, BOLD), col(r, RESET));
        for (i = 0; i < f->nfix; i++)
            fprintf(r->out, "  %s\n", f->fix[i]);
    }
}

void
mcpd_text_finish(struct mcpd_report *r, const struct mcpd_stats *st)
{
    int i;

    if (!r->opts.quiet)
        fprintf(r->out, "%s%" PRIu64 " packets, %" PRIu64
                        " TCP connection%s%s\n",
                r->opts.verbose && r->emitted ? "\n" : "", st->packets,
                r->emitted, r->emitted == 1 ? "" : "s",
                r->opts.command[0] == 'a' ? "" : " seen");
    server_headlines(r);
    if (!r->opts.quiet && r->nservers)
        server_table(r);
    if (r->nfindings == 0) {
        fprintf(r->out, "\nDiagnosis: %sno_connection%s\n  no TCP "
                        "connection in the capture: the client never sent a "
                        "SYN here (another host or namespace, a proxy, or the "
                        "wrong port)\n",
                col(r, RED), col(r, RESET));
    }
    for (i = 0; i < r->nfindings; i++) {
        if (i > 0 && r->opts.quiet)
            break;
        if (i > 0 && r->findings[i].cause == MCPD_C_OK)
            continue;
        print_finding(r, &r->findings[i], i == 0);
    }
    if (!r->opts.quiet && (st->truncated || st->invalid || st->evicted)) {
        fprintf(r->out, "\n%sNote:%s %" PRIu64 " packets cut short by the "
                        "snaplen, %" PRIu64 " malformed, %" PRIu64
                        " connections evicted to bound memory\n",
                col(r, YELLOW), col(r, RESET), st->truncated, st->invalid,
                st->evicted);
    }
}

/* \summary: report.html for the support bundle: verdict, evidence table
 * and an SVG ladder of each failed attempt, in one self-contained page */

#include <stdio.h>
#include <string.h>
#include "report.h"
#include "report_html.h"
#include "sanitize.h"
#include "verdict.h"

static void
esc_ascii(FILE *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: fputc(*s, out);
        }
    }
}

/* Text into HTML (element content and quoted attributes alike): first
 * the text sanitiser (a report.json from a bundle is anybody's), then
 * the HTML entities. Newlines are kept. */
static void
esc(FILE *out, const char *s)
{
    char buf[1024];
    size_t n, done;

    while (s && *s) {
        n = strcspn(s, "\n");
        for (done = 0; done < n;) {
            /* Each pass takes at most a quarter of buf from s, so the
             * escaped form always fits. */
            size_t take = n - done < sizeof(buf) / 4 - 2
                              ? n - done : sizeof(buf) / 4 - 2;
            /* Do not split a UTF-8 sequence between passes. */
            while (take < n - done && take > 0 &&
                   ((unsigned char)s[done + take] & 0xc0) == 0x80)
                take--;
            if (take == 0)
                take = n - done < sizeof(buf) / 4 - 2
                           ? n - done : sizeof(buf) / 4 - 2;
            mcpd_text_escape(buf, sizeof(buf), s + done, take);
            esc_ascii(out, buf);
            done += take;
        }
        s += n;
        if (*s == '\n') {
            fputc('\n', out);
            s++;
        }
    }
}

static const char *
jstr(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void
endpoint_cell(FILE *out, const cJSON *ep)
{
    const char *a = jstr(ep, "addr");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(ep, "port");

    if (a && strchr(a, ':'))
        fprintf(out, "[");
    esc(out, a ? a : "?");
    if (a && strchr(a, ':'))
        fprintf(out, "]");
    if (cJSON_IsNumber(p))
        fprintf(out, ":%d", p->valueint);
}

static void
diagnosis_block(FILE *out, const char *title, const cJSON *d)
{
    const char *cause = jstr(d, "cause"), *sum = jstr(d, "summary");
    const cJSON *fix = cJSON_GetObjectItemCaseSensitive(d, "fix"), *f;
    int ok = cause && strcmp(cause, "ok") == 0;

    if (d == NULL)
        return;
    fprintf(out, "<div class=\"verdict %s\"><div class=\"what\">",
            ok ? "good" : "bad");
    esc(out, title);
    fprintf(out, "</div><div class=\"cause\">%s ", ok ? "&#10003;"
                                                     : "&#10007;");
    esc(out, cause ? cause : "unknown");
    fprintf(out, "</div>\n<p>");
    esc(out, sum ? sum : "");
    fprintf(out, "</p>\n");
    if (cJSON_IsArray(fix) && cJSON_GetArraySize(fix) > 0) {
        fprintf(out, "<div class=\"fixh\">Fix</div><pre class=\"fix\">");
        cJSON_ArrayForEach(f, fix)
            if (cJSON_IsString(f)) {
                esc(out, f->valuestring);
                fputc('\n', out);
            }
        fprintf(out, "</pre>\n");
    }
    fprintf(out, "</div>\n");
}

static void
evidence_table(FILE *out, const cJSON *conns)
{
    const cJSON *c;
    int row = 0;

    fprintf(out, "<h2>Evidence: connections on the wire</h2>\n");
    if (!cJSON_IsArray(conns) || cJSON_GetArraySize(conns) == 0) {
        fprintf(out, "<p>No TCP connection was captured.</p>\n");
        return;
    }
    fprintf(out, "<table><tr><th>#</th><th>client</th><th>server</th>"
                 "<th>verdict</th><th>SYNs</th><th>rtt ms</th>"
                 "<th>bytes c&rarr;s / s&rarr;c</th><th>process</th>"
                 "<th>kernel</th></tr>\n");
    cJSON_ArrayForEach(c, conns) {
        const char *v = jstr(c, "verdict");
        const cJSON *n, *proc = cJSON_GetObjectItemCaseSensitive(c,
                                                                 "process");
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(c, "kernel");
        int good = v && (strcmp(v, "CLOSED") == 0 ||
                         strcmp(v, "ESTABLISHED") == 0);

        fprintf(out, "<tr><td>%d</td><td>", ++row);
        endpoint_cell(out, cJSON_GetObjectItemCaseSensitive(c, "client"));
        fprintf(out, "</td><td>");
        endpoint_cell(out, cJSON_GetObjectItemCaseSensitive(c, "server"));
        fprintf(out, "</td><td class=\"%s\">", good ? "good" : "bad");
        esc(out, v ? v : "?");
        if (jstr(c, "reset_by")) {
            fprintf(out, " by ");
            esc(out, jstr(c, "reset_by"));
        }
        n = cJSON_GetObjectItemCaseSensitive(c, "syn_count");
        fprintf(out, "</td><td>%d</td><td>", cJSON_IsNumber(n) ?
                                              n->valueint : 0);
        n = cJSON_GetObjectItemCaseSensitive(c, "rtt_ms");
        if (cJSON_IsNumber(n))
            fprintf(out, "%.3f", n->valuedouble);
        n = cJSON_GetObjectItemCaseSensitive(c, "client_bytes");
        fprintf(out, "</td><td>%.0f / ", cJSON_IsNumber(n) ?
                                          n->valuedouble : 0.0);
        n = cJSON_GetObjectItemCaseSensitive(c, "server_bytes");
        fprintf(out, "%.0f</td><td>", cJSON_IsNumber(n) ? n->valuedouble
                                                         : 0.0);
        if (proc) {
            n = cJSON_GetObjectItemCaseSensitive(proc, "pid");
            fprintf(out, "pid %d ", cJSON_IsNumber(n) ? n->valueint : 0);
            esc(out, jstr(proc, "command"));
        }
        fprintf(out, "</td><td>");
        if (k) {
            const cJSON *d = cJSON_GetObjectItemCaseSensitive(k, "drops");
            const cJSON *e;
            if (jstr(k, "rst_reason")) {
                fprintf(out, "RST from ");
                esc(out, jstr(k, "rst_origin"));
                fprintf(out, " (");
                esc(out, jstr(k, "rst_reason"));
                fprintf(out, ") ");
            }
            cJSON_ArrayForEach(e, d) {
                const cJSON *cnt = cJSON_GetObjectItemCaseSensitive(e,
                                                                  "count");
                esc(out, jstr(e, "reason"));
                fprintf(out, " &times;%d ", cJSON_IsNumber(cnt) ?
                                            cnt->valueint : 0);
            }
            if (jstr(k, "rule")) {
                fprintf(out, "<code>");
                esc(out, jstr(k, "rule"));
                fprintf(out, "</code>");
            }
        }
        fprintf(out, "</td></tr>\n");
    }
    fprintf(out, "</table>\n");
}

static void
step_label(const struct mcpd_flow *f, const struct mcpd_step *s, char *buf,
           size_t len)
{
    static const struct { uint8_t bit; const char *name; } names[] = {
        { MCPD_TH_SYN, "SYN" }, { MCPD_TH_RST, "RST" },
        { MCPD_TH_FIN, "FIN" }, { MCPD_TH_PSH, "PSH" },
        { MCPD_TH_ACK, "ACK" },
    };
    size_t at = 0, i;

    if (s->dir == MCPD_ICMP) {
        snprintf(buf, len, "ICMP %s", mcpd_icmp_name(f->srv.ip.family,
                                                     s->flags,
                                                     (uint8_t)s->len));
        return;
    }
    buf[0] = '\0';
    for (i = 0; i < sizeof(names) / sizeof(names[0]) && at < len; i++)
        if (s->flags & names[i].bit)
            at += (size_t)snprintf(buf + at, len - at, "%s%s",
                                   at ? "-" : "", names[i].name);
    if (at == 0 && at < len)
        at += (size_t)snprintf(buf, len, "(no flags)");
    if (s->len && at < len)
        snprintf(buf + at, len - at, " %u bytes", s->len);
}

/* One ladder: client on the left, server on the right, an arrow per
 * packet, time down the page. */
static void
ladder(FILE *out, const struct mcpd_flow *f)
{
    const int w = 640, left = 150, right = 490, top = 58, gap = 40;
    int h = top + gap * (f->nsteps ? f->nsteps : 1) + 20, i;
    char c[64], s[64], lab[96];
    enum mcpd_verdict v = (enum mcpd_verdict)f->verdict;

    mcpd_endpoint_str(&f->cli, c, sizeof(c));
    mcpd_endpoint_str(&f->srv, s, sizeof(s));
    fprintf(out, "<figure><figcaption>%s: ", mcpd_verdict_name(v));
    esc(out, c);
    fprintf(out, " &rarr; ");
    esc(out, s);
    fprintf(out, "</figcaption>\n<svg class=\"ladder\" "
                 "xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
                 "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
                 "aria-label=\"ladder diagram, %s\">\n",
            w, h, w, h, mcpd_verdict_name(v));
    fprintf(out, "<defs><marker id=\"ah\" markerWidth=\"10\" "
                 "markerHeight=\"8\" refX=\"9\" refY=\"4\" orient=\"auto\">"
                 "<path d=\"M0,0 L10,4 L0,8 z\" fill=\"#333\"/></marker>"
                 "<marker id=\"ahr\" markerWidth=\"10\" markerHeight=\"8\" "
                 "refX=\"9\" refY=\"4\" orient=\"auto\"><path d=\"M0,0 "
                 "L10,4 L0,8 z\" fill=\"#c0392b\"/></marker></defs>\n");
    fprintf(out, "<text x=\"%d\" y=\"18\" text-anchor=\"middle\" "
                 "class=\"who\">client ", left);
    esc(out, c);
    fprintf(out, "</text><text x=\"%d\" y=\"18\" text-anchor=\"middle\" "
                 "class=\"who\">server ", right);
    esc(out, s);
    fprintf(out, "</text>\n<line x1=\"%d\" y1=\"28\" x2=\"%d\" y2=\"%d\" "
                 "stroke=\"#555\" stroke-width=\"3\"/>"
                 "<line x1=\"%d\" y1=\"28\" x2=\"%d\" y2=\"%d\" "
                 "stroke=\"#555\" stroke-width=\"3\"/>\n",
            left, left, h - 8, right, right, h - 8);
    for (i = 0; i < f->nsteps && i < MCPD_LADDER_STEPS; i++) {
        const struct mcpd_step *st = &f->steps[i];
        int y = top + gap * i;
        int bad = st->dir == MCPD_ICMP || (st->flags & MCPD_TH_RST);
        int x1 = st->dir == MCPD_C2S ? left : right;
        int x2 = st->dir == MCPD_C2S ? right : left;

        step_label(f, st, lab, sizeof(lab));
        fprintf(out, "<text x=\"8\" y=\"%d\" class=\"t\">+%.3f ms</text>",
                y + 4, st->dt_us / 1000.0);
        fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
                     "stroke=\"%s\" stroke-width=\"2\"%s "
                     "marker-end=\"url(#%s)\"/>",
                x1, y, x2 + (x2 > x1 ? -2 : 2), y + 14,
                bad ? "#c0392b" : "#333",
                st->dir == MCPD_ICMP ? " stroke-dasharray=\"6 4\"" : "",
                bad ? "ahr" : "ah");
        fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
                     "class=\"f%s\">", (left + right) / 2, y,
                bad ? " bad" : "");
        esc(out, lab);
        fprintf(out, "</text>\n");
    }
    if (f->nsteps == 0 || v == MCPD_V_TIMEOUT)
        fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
                     "class=\"f bad\">%s</text>\n", (left + right) / 2,
                h - 12, v == MCPD_V_TIMEOUT ? "... no answer from the "
                                              "server side" : "no packets");
    fprintf(out, "</svg></figure>\n");
}

int
mcpd_html_report(FILE *out, const cJSON *report,
                 const struct mcpd_flow *flows, int nflows)
{
    const cJSON *probe = cJSON_GetObjectItemCaseSensitive(report, "probe");
    const cJSON *cap = cJSON_GetObjectItemCaseSensitive(report, "capture");
    const cJSON *ran = cJSON_GetObjectItemCaseSensitive(cap, "ran");
    const char *target = jstr(report, "target");
    const char *created = jstr(report, "created");
    int i, drawn = 0;

    fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
                 "<meta charset=\"utf-8\">\n<title>mcpdiag bundle: ");
    esc(out, target ? target : "");
    fprintf(out, "</title>\n<style>\n"
            "body{font:15px/1.45 system-ui,sans-serif;margin:24px;"
            "color:#222;background:#fff;max-width:1100px}\n"
            "h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;"
            "margin-top:28px;border-bottom:1px solid #ddd}\n"
            ".meta{color:#666}\n"
            ".verdict{border-left:8px solid;padding:8px 14px;margin:14px 0;"
            "background:#fafafa}\n"
            ".verdict.bad{border-color:#c0392b}.verdict.good{border-color:"
            "#27ae60}\n.what{color:#666;font-size:13px}\n"
            ".cause{font-size:24px;font-weight:700}\n"
            ".bad .cause,td.bad{color:#c0392b}.good .cause,td.good{color:"
            "#1e8449}\n.fixh{font-weight:600}pre.fix{background:#f0f0f0;"
            "padding:8px;white-space:pre-wrap}\n"
            "table{border-collapse:collapse;font-size:13px}td,th{border:"
            "1px solid #ccc;padding:3px 7px;text-align:left}"
            "th{background:#eee}\n"
            "figure{margin:16px 0}figcaption{font-weight:600}\n"
            "svg.ladder{background:#fcfcfc;border:1px solid #ddd}\n"
            "svg .who{font:600 13px monospace}svg .t{font:12px monospace;"
            "fill:#555}\nsvg .f{font:13px monospace;fill:#222}"
            "svg .f.bad{fill:#c0392b;font-weight:700}\n"
            "</style></head><body>\n<h1>mcpdiag support bundle</h1>\n"
            "<div class=\"meta\">target <b>");
    esc(out, target ? target : "?");
    fprintf(out, "</b>");
    if (created) {
        fprintf(out, " &middot; made ");
        esc(out, created);
    }
    fprintf(out, " &middot; mcpdiag ");
    esc(out, jstr(report, "mcpdiag"));
    fprintf(out, "</div>\n<h2>Verdict</h2>\n");
    if (cJSON_IsTrue(ran))
        diagnosis_block(out, "from the captured packets",
                        cJSON_GetObjectItemCaseSensitive(report,
                                                         "diagnosis"));
    else {
        fprintf(out, "<p class=\"meta\">No packet capture: ");
        esc(out, jstr(cap, "reason") ? jstr(cap, "reason") : "not run");
        fprintf(out, "</p>\n");
    }
    if (probe)
        diagnosis_block(out, "from the active probe",
                        cJSON_GetObjectItemCaseSensitive(probe,
                                                         "diagnosis"));
    evidence_table(out, cJSON_GetObjectItemCaseSensitive(report,
                                                         "connections"));
    fprintf(out, "<h2>Ladder diagrams of the failed attempts</h2>\n");
    for (i = 0; i < nflows; i++) {
        enum mcpd_verdict v = (enum mcpd_verdict)flows[i].verdict;
        if (v == MCPD_V_CLOSED || v == MCPD_V_ESTABLISHED)
            continue;
        ladder(out, &flows[i]);
        drawn++;
    }
    if (drawn == 0)
        fprintf(out, "<p>No failed attempt was captured.</p>\n");
    fprintf(out, "<p class=\"meta\">Secrets (Authorization, cookies, "
                 "tokens, session ids, proxy passwords) are %s in this "
                 "bundle.</p>\n</body></html>\n",
            cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(report,
                                                           "redacted"))
                ? "<b>NOT redacted</b>" : "redacted");
    return ferror(out) ? -1 : 0;
}

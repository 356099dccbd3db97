/* \summary: `mcpdiag bundle`'s reports: report.json spliced from the
 * capture's and the probe's JSON, report.txt, report.html */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bundle_int.h"
#include "cli.h"
#include "redact.h"
#include "report_html.h"
#include "sanitize.h"

static cJSON *
parse_child_json(const struct mcpd_run *r)
{
    return r->out && r->out_len ? cJSON_Parse(r->out) : NULL;
}

cJSON *
mcpd_bundle_build_report(struct bundle *b)
{
    cJSON *rep = cJSON_CreateObject(), *cap = NULL, *probe = NULL, *c;
    cJSON *capture_obj;
    int i;

    cJSON_AddStringToObject(rep, "mcpdiag", MCPD_VERSION);
    cJSON_AddStringToObject(rep, "command", "bundle");
    cJSON_AddStringToObject(rep, "created", b->created);
    cJSON_AddStringToObject(rep, "target", b->target.url);
    cJSON_AddBoolToObject(rep, "redacted", b->redact);
    if (b->capture_ran)
        cap = parse_child_json(&b->cap);
    if (b->probe_ran)
        probe = parse_child_json(&b->probe);
    if (cap) {
        static const char *const top[] = { "connections", "summary",
                                           "diagnosis" };
        for (i = 0; i < 3; i++) {
            c = cJSON_DetachItemFromObjectCaseSensitive(cap, top[i]);
            if (c)
                cJSON_AddItemToObject(rep, top[i], c);
        }
        capture_obj = cap;
        cJSON_DeleteItemFromObjectCaseSensitive(capture_obj, "mcpdiag");
        cJSON_DeleteItemFromObjectCaseSensitive(capture_obj, "command");
        cJSON_AddTrueToObject(capture_obj, "ran");
    } else {
        cJSON *sum = cJSON_CreateObject();
        cJSON_AddItemToObject(rep, "connections", cJSON_CreateArray());
        cJSON_AddNumberToObject(sum, "connections", 0);
        cJSON_AddItemToObject(sum, "verdicts", cJSON_CreateObject());
        cJSON_AddItemToObject(rep, "summary", sum);
        if (probe && cJSON_GetObjectItem(probe, "diagnosis"))
            cJSON_AddItemToObject(rep, "diagnosis",
                                  cJSON_Duplicate(cJSON_GetObjectItem(
                                      probe, "diagnosis"), 1));
        capture_obj = cJSON_CreateObject();
        cJSON_AddFalseToObject(capture_obj, "ran");
        cJSON_AddStringToObject(capture_obj, "reason", b->capture_reason);
    }
    if (b->capture_ran)
        cJSON_AddNumberToObject(capture_obj, "exit_status", b->cap.status);
    cJSON_AddNumberToObject(capture_obj, "snaplen",
                            b->full_payload ? 0 : SNAP_HEADERS);
    cJSON_AddBoolToObject(capture_obj, "full_payload", b->full_payload);
    cJSON_AddBoolToObject(capture_obj, "stopped_by_user",
                          b->capture_interrupted);
    if (b->cmd_argv) {
        cJSON *a = cJSON_CreateArray();
        for (i = 0; b->cmd_argv[i]; i++)
            cJSON_AddItemToArray(a, cJSON_CreateString(b->cmd_argv[i]));
        if (b->redact)
            mcpd_redact_command(a);
        cJSON_AddItemToObject(capture_obj, "client_command", a);
        if (b->cmd_ran)
            cJSON_AddNumberToObject(capture_obj, "client_status",
                                    b->cmdrun.status);
    }
    cJSON_AddItemToObject(rep, "capture", capture_obj);
    if (probe) {
        cJSON_AddNumberToObject(probe, "exit_status", b->probe.status);
        cJSON_AddItemToObject(rep, "probe", probe);
    } else {
        cJSON_AddNullToObject(rep, "probe");
    }
    if (b->redact)
        mcpd_redact_json(rep);
    return rep;
}

static void
text_diag(FILE *out, const char *what, const cJSON *d)
{
    const cJSON *cause = cJSON_GetObjectItem(d, "cause");
    const cJSON *sum = cJSON_GetObjectItem(d, "summary");
    const cJSON *fix = cJSON_GetObjectItem(d, "fix"), *f;
    int ok;

    if (!cJSON_IsString(cause))
        return;
    ok = strcmp(cause->valuestring, "ok") == 0;
    fprintf(out, "%-8s %s %s: %s\n", what, ok ? "\u2713" : "\u2717",
            cause->valuestring, cJSON_IsString(sum) ? sum->valuestring
                                                     : "");
    cJSON_ArrayForEach(f, fix)
        if (cJSON_IsString(f))
            fprintf(out, "           %s\n", f->valuestring);
}

static void
text_probe(FILE *out, const cJSON *p)
{
    const cJSON *a, *addrs = cJSON_GetObjectItem(p, "addresses");
    const cJSON *ls = cJSON_GetObjectItem(p, "listeners");

    cJSON_ArrayForEach(a, addrs) {
        const cJSON *addr = cJSON_GetObjectItem(a, "addr");
        const cJSON *con = cJSON_GetObjectItem(a, "connect");
        const cJSON *syn = cJSON_GetObjectItem(a, "syn_probe");
        const cJSON *res = cJSON_GetObjectItem(con, "result");
        const cJSON *sres = cJSON_GetObjectItem(syn, "result");
        fprintf(out, "  connect  %s: %s", cJSON_IsString(addr) ?
                addr->valuestring : "?", cJSON_IsString(res) ?
                res->valuestring : "?");
        if (cJSON_IsString(sres))
            fprintf(out, "; raw SYN: %s", sres->valuestring);
        fputc('\n', out);
    }
    fprintf(out, "  listeners on the port: %d\n",
            cJSON_IsArray(ls) ? cJSON_GetArraySize(ls) : 0);
}

char *
mcpd_bundle_build_text(struct bundle *b, size_t *len)
{
    struct mcpd_memout mo;
    char *buf;
    FILE *out = mcpd_memout_open(&mo);
    const cJSON *probe = cJSON_GetObjectItem(b->report, "probe");

    if (out == NULL)
        return NULL;
    fprintf(out, "mcpdiag bundle for %s, made %s on %s (mcpdiag %s)\n",
            b->target.url, b->created, b->host, MCPD_VERSION);
    fprintf(out, "redaction: %s\n\n", b->redact ? "on (credential "
            "headers, cookies, tokens (bearer, query), session ids, API "
            "keys, URL and proxy passwords, the command's credentials; "
            "payload that is not HTTP/1 zero-filled)"
            : "NOT REDACTED (--no-redact)");
    fprintf(out, "== Diagnosis ==\n");
    if (b->capture_ran)
        text_diag(out, "capture", cJSON_GetObjectItem(b->report,
                                                      "diagnosis"));
    else
        fprintf(out, "capture  not run: %s\n", b->capture_reason);
    if (cJSON_IsObject(probe))
        text_diag(out, "probe", cJSON_GetObjectItem(probe, "diagnosis"));
    if (b->capture_ran) {
        fprintf(out, "\n== What the capture printed, live ==\n");
        fwrite(b->cap.err, 1, b->cap.err_len, out);
        if (b->capture_interrupted)
            fprintf(out, "(capture stopped with Ctrl-C)\n");
        fprintf(out, "\n== The packets: mcpdiag analyze capture.pcap ==\n");
        if (b->analysis)
            fwrite(b->analysis, 1, b->analysis_len, out);
        if (b->pcap_kept < b->pcap_len)
            fprintf(out, "(capture.pcap in this bundle is cut to %llu of "
                    "%llu packets by --max-size)\n",
                    (unsigned long long)b->packets_kept,
                    (unsigned long long)b->packets);
    } else if (b->cmd_ran) {
        fprintf(out, "\n== What the client command printed (exit %d) ==\n",
                b->cmdrun.status);
        fwrite(b->cmdrun.out, 1, b->cmdrun.out_len, out);
        fwrite(b->cmdrun.err, 1, b->cmdrun.err_len, out);
    }
    if (cJSON_IsObject(probe)) {
        fprintf(out, "\n== Probe ==\n");
        text_probe(out, probe);
        if (b->probe.err_len) {
            fprintf(out, "  probe said: ");
            fwrite(b->probe.err, 1, b->probe.err_len, out);
        }
    }
    buf = mcpd_memout_close(&mo, len);
    if (b->redact && buf)
        mcpd_redact((uint8_t *)buf, *len);
    /* What the command, the capture and the probe printed is someone
     * else's text: whoever reads the bundle gets it escaped. */
    if (buf) {
        size_t n;
        char *t = mcpd_text_escape_block(buf, *len, &n);
        free(buf);
        buf = t;
        *len = t ? n : 0;
    }
    return buf;
}

/* A bundle file's JSON: valid UTF-8, no raw control or bidi character,
 * whatever the wire, the command or the environment put in it. */
char *
mcpd_bundle_json_text(cJSON *j, size_t *len)
{
    char *s = mcpd_json_fix(cJSON_Print(j));
    char *t;

    if (s == NULL)
        return NULL;
    *len = strlen(s);
    t = realloc(s, *len + 2);
    if (t == NULL)
        return s;
    t[(*len)++] = '\n';
    t[*len] = '\0';
    return t;
}


/* report.html: the report and the ladders of the connections kept. */
char *
mcpd_bundle_build_html(struct bundle *b, size_t *len)
{
    struct mcpd_memout mo;
    char *html;
    FILE *hf = mcpd_memout_open(&mo);

    if (hf == NULL)
        return NULL;
    mcpd_html_report(hf, b->report, b->flows, b->nflows);
    html = mcpd_memout_close(&mo, len);
    if (b->redact && html)
        mcpd_redact((uint8_t *)html, *len);
    return html;
}

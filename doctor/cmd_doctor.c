/* \summary: `mcpdiag doctor`: find every configured MCP server, probe
 * the remote ones concurrently (each a `mcpdiag probe` child that gets
 * its headers through a pipe), look up the local ones, report */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "cli.h"
#include "mcpd.h"
#include "platform.h"
#include "sanitize.h"
#include "doctor.h"
#include "doctor_int.h"

#define DOCTOR_JOBS        4            /* probes at a time */
#define PROBE_OUT_MAX      (4u << 20)   /* bytes of one probe's report */
#define MAX_CONFIGS        32           /* --config files */

enum {
    OPT_JSON = 256, OPT_TIMEOUT, OPT_CONFIG, OPT_NO_COLOR, OPT_JOBS,
};

static const struct mcpd_option doctor_options[] = {
    { "config", OPT_CONFIG, "FILE",
      "also check this config file (JSON or TOML; repeatable)" },
    { "json", OPT_JSON, NULL,
      "one JSON document on stdout, with every server's probe report" },
    { "timeout", OPT_TIMEOUT, "SECONDS",
      "per step of each probe (default 3), as for probe" },
    { "jobs", OPT_JOBS, "N", "servers probed at a time (1-16, default 4)" },
    { "verbose", 'v', NULL, "details for every server, healthy ones too" },
    { "quiet", 'q', NULL, "the table only, no details" },
    { "no-color", OPT_NO_COLOR, NULL,
      "no colour (also when NO_COLOR is set)" },
    { "help", 'h', NULL, "this help" },
    { NULL, 0, NULL, NULL },
};

static void
doctor_usage(FILE *out)
{
    fprintf(out,
            "usage: mcpdiag doctor [--config FILE]... [options]\n"
            "Every MCP server your clients are configured for (Claude "
            "Desktop, Claude Code,\nCursor, VS Code, Windsurf, Codex; "
            "user and project files), each checked the way\nthat client "
            "reaches it: remote servers probed with the configured URL, "
            "transport\nand headers; local (stdio) servers' commands "
            "looked up on PATH. Header and\nenvironment values are used, "
            "never shown.\n\n");
    mcpd_print_options(out, doctor_options);
    fprintf(out, "\nexit status: 0 every server is healthy, 1 a problem "
                 "was found, 2 usage error,\n3 could not run (no "
                 "configuration found).\n");
}

static const char *
getenv_fn(const char *name)
{
    return getenv(name);
}

static const char *
transport_name(enum mcpd_dtransport t)
{
    static const char *const names[] = { "?", "stdio", "http", "sse" };
    return names[t];
}

/* ---- running the probes ---- */

struct job {
    struct mcpd_dserver *s;
    struct mcpd_child c;     /* the probe; c.out its stdout */
    char *buf;               /* what it wrote */
    size_t len, cap;
    int overflow;            /* more than PROBE_OUT_MAX */
    double started;          /* seconds */
};

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Write all of buf to fd (a pipe the child reads first). */
static void
write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;             /* the child is gone: its report says */
        buf += n;
        len -= (size_t)n;
    }
}

/*
 * Start `mcpdiag probe --json - --headers-fd 3` for s: the target and
 * the headers go through a pipe, never on the command line (argv can be
 * read by every user in /proc). Returns 0, or -1 with s's cause set.
 */
static int
job_start(struct job *j, struct mcpd_dserver *s, const char *exe,
          const char *timeout)
{
    const char *argv[] = { "mcpdiag", "probe", "--json", "--timeout",
                           timeout, "--headers-fd", "3", "-", NULL };

    memset(j, 0, sizeof(*j));
    j->s = s;
    /* Its one-line verdict is in the JSON: its stderr goes nowhere. */
    if (mcpd_child_start(exe, argv, MCPD_RUN_STDIN | MCPD_RUN_NULL_STDERR,
                         3, &j->c) != 0)
        goto fail;
    {
        /* The child reads this before anything else. */
        size_t cap = 1400 + (size_t)s->nhdr * (128 + MCPD_DOC_VAL_MAX + 4);
        char *req = malloc(cap);
        size_t n = 0;
        int h;
        if (req != NULL) {
            n = (size_t)snprintf(req, cap, "%s\n", s->url);
            for (h = 0; h < s->nhdr && n < cap; h++)
                if (s->hdr[h].value)
                    n += (size_t)snprintf(req + n, cap - n, "%s: %s\n",
                                          s->hdr[h].name, s->hdr[h].value);
            if (n > cap)
                n = cap;
            write_all(j->c.feed, req, n);
            memset(req, 0, cap);
            free(req);
        }
        close(j->c.feed);
        j->c.feed = -1;
    }
    j->started = now_s();
    return 0;
fail:
    snprintf(s->cause, sizeof(s->cause), "probe_failed");
    snprintf(s->summary, sizeof(s->summary), "could not start the probe: "
             "%s", strerror(errno));
    snprintf(s->fix, sizeof(s->fix), "retry; check 'ulimit -u' and "
             "'ulimit -n'");
    return -1;
}

/* Replace every occurrence of secret in text (in place) by "***". */
static void
scrub(char *text, const char *secret)
{
    size_t sl = secret ? strlen(secret) : 0;
    char *p;

    if (sl < 4 || text == NULL)
        return;                 /* "***" is 3: never grows the text */
    p = strstr(text, secret);
    while (p != NULL) {
        memcpy(p, "***", 3);
        memmove(p + 3, p + sl, strlen(p + sl) + 1);
        p = strstr(p + 3, secret);
    }
}

/* Every secret s carries: header values (and the token after a
 * scheme word), the URL's query values and userinfo. */
static void
scrub_server(struct mcpd_dserver *s, char *text)
{
    int h;

    for (h = 0; h < s->nhdr; h++) {
        const char *v = s->hdr[h].value, *sp;
        if (v == NULL)
            continue;
        scrub(text, v);
        sp = strchr(v, ' ');
        if (sp)
            scrub(text, sp + 1);
    }
    if (s->url) {
        char *copy = strdup(s->url), *q, *k;
        if (copy == NULL)
            return;
        q = strchr(copy, '?');
        for (k = q ? q + 1 : NULL; k && *k;) {
            char *amp = strchr(k, '&'), *eq;
            if (amp)
                *amp = '\0';
            eq = strchr(k, '=');
            if (eq)
                scrub(text, eq + 1);
            k = amp ? amp + 1 : NULL;
        }
        q = strstr(copy, "://");
        if (q) {
            char *at = strchr(q + 3, '@'), *colon;
            char *slash = strchr(q + 3, '/');
            if (at && (slash == NULL || at < slash)) {
                *at = '\0';
                colon = strchr(q + 3, ':');
                scrub(text, colon ? colon + 1 : q + 3);
            }
        }
        memset(copy, 0, strlen(copy));
        free(copy);
    }
}

static const char *
json_str(const cJSON *o, const char *a, const char *b)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);
    if (b)
        v = cJSON_GetObjectItemCaseSensitive(v, b);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Has s a header that carries credentials? */
static const struct mcpd_dheader *
auth_header(const struct mcpd_dserver *s)
{
    static const char *const names[] = {
        "authorization", "x-api-key", "api-key", "x-auth-token",
        "cookie",
    };
    int h;
    size_t k;

    for (h = 0; h < s->nhdr; h++)
        for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
            if (strcasecmp(s->hdr[h].name, names[k]) == 0)
                return &s->hdr[h];
    return NULL;
}

/* Did the MCP endpoint itself answer 401 (to initialize or to
 * server/discover)? */
static int
answered_401(const cJSON *doc)
{
    static const char *const tries[] = { "initialize", "discover" };
    const cJSON *mcp = cJSON_GetObjectItemCaseSensitive(doc, "mcp");
    size_t k;

    for (k = 0; k < sizeof(tries) / sizeof(tries[0]); k++) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(mcp, tries[k]);
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(t, "status");
        if (cJSON_IsNumber(st) && st->valueint == 401)
            return 1;
    }
    return 0;
}

/* How a token is written in this client's file. */
static const char *
token_example(const char *client)
{
    static const struct { const char *client, *example; } ex[] = {
        { "codex", "bearer_token_env_var = \"MY_TOKEN\" under "
                   "[mcp_servers.NAME]" },
        { "claude-code", "\"headers\": {\"Authorization\": \"Bearer "
                         "${MY_TOKEN}\"}" },
        { "claude-desktop", "\"headers\": {\"Authorization\": \"Bearer "
                            "${MY_TOKEN}\"}" },
        { "vscode", "\"headers\": {\"Authorization\": \"Bearer "
                    "${input:my-token}\"} (or ${env:MY_TOKEN})" },
    };
    size_t k;

    for (k = 0; k < sizeof(ex) / sizeof(ex[0]); k++)
        if (strcmp(ex[k].client, client) == 0)
            return ex[k].example;
    return "\"headers\": {\"Authorization\": \"Bearer ${env:MY_TOKEN}\"}";
}

/* The probe's report (its JSON, secrets scrubbed) into s: cause,
 * summary, first fix and the transport it spoke. NULL when there is
 * no report (s then says so); else the parsed document. */
static cJSON *
take_report(struct job *j, int status)
{
    struct mcpd_dserver *s = j->s;
    const cJSON *fix;
    const char *cause, *summary, *tr;
    cJSON *doc;

    /* The runner's 128+N for a signal: no exit status of its own. */
    s->probe_rc = status >= 0 && status < 128 ? status : -1;
    if (j->buf)
        j->buf[j->len] = '\0';
    scrub_server(s, j->buf);
    doc = j->buf && !j->overflow ? cJSON_Parse(j->buf) : NULL;
    if (doc == NULL) {
        free(j->buf);
        j->buf = NULL;
        snprintf(s->cause, sizeof(s->cause), "probe_failed");
        snprintf(s->summary, sizeof(s->summary), "the probe gave no "
                 "report (exit status %d)", s->probe_rc);
        snprintf(s->fix, sizeof(s->fix), "run it by hand: mcpdiag probe "
                 "'%s'", s->url_shown);
        return NULL;
    }
    s->probe_json = j->buf;
    j->buf = NULL;
    cause = json_str(doc, "diagnosis", "cause");
    summary = json_str(doc, "diagnosis", "summary");
    fix = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(doc, "diagnosis"), "fix");
    fix = cJSON_GetArrayItem(fix, 0);
    tr = json_str(doc, "mcp", "transport");
    snprintf(s->mcp_transport, sizeof(s->mcp_transport), "%s",
             tr ? tr : "");
    snprintf(s->cause, sizeof(s->cause), "%s", cause ? cause : "?");
    snprintf(s->summary, sizeof(s->summary), "%s", summary ? summary : "");
    snprintf(s->fix, sizeof(s->fix), "%s",
             cJSON_IsString(fix) ? fix->valuestring : "");
    return doc;
}

/* MCP works, but over the other transport than the config names. 1
 * when it said so. */
static int
transport_mismatch(struct mcpd_dserver *s)
{
    if (strcmp(s->cause, "ok") != 0)
        return 0;
    if (s->transport == MCPD_DT_SSE && strcmp(s->mcp_transport, "sse") != 0) {
        snprintf(s->cause, sizeof(s->cause), "wrong_transport");
        snprintf(s->summary, sizeof(s->summary), "the config says SSE "
                 "(the legacy transport), but this URL speaks %s",
                 s->mcp_transport[0] ? s->mcp_transport : "Streamable HTTP");
        snprintf(s->fix, sizeof(s->fix), "set \"type\": \"http\" for this "
                 "server in %s", s->file);
        return 1;
    }
    if (s->transport == MCPD_DT_HTTP && strcmp(s->mcp_transport, "sse") == 0) {
        snprintf(s->cause, sizeof(s->cause), "wrong_transport");
        snprintf(s->summary, sizeof(s->summary), "the config says "
                 "Streamable HTTP, but this URL speaks only the legacy SSE "
                 "transport");
        snprintf(s->fix, sizeof(s->fix), "%s",
                 strcmp(s->client, "codex") == 0
                 ? "Codex speaks only Streamable HTTP: point url at the "
                   "server's Streamable HTTP endpoint (often /mcp)"
                 : "set \"type\": \"sse\" for this server, or use its "
                   "Streamable HTTP endpoint (often /mcp)");
        return 1;
    }
    return 0;
}

/* auth_required, told for this entry: no credentials sent, or the
 * ones sent refused. */
static void
auth_detail(struct mcpd_dserver *s)
{
    const struct mcpd_dheader *a = auth_header(s);

    if (a == NULL) {
        snprintf(s->summary, sizeof(s->summary), "the server wants "
                 "credentials (401) and this entry sends none");
        snprintf(s->fix, sizeof(s->fix), "add the token to this "
                 "server in %s: %s", s->file, token_example(s->client));
    } else {
        snprintf(s->summary, sizeof(s->summary), "the server refused "
                 "the credentials in header %s (from %s)", a->name,
                 a->source);
        snprintf(s->fix, sizeof(s->fix), "check the token's value, "
                 "expiry and scope (%s); the header is sent as "
                 "configured", a->source);
    }
}

/* The probe's report in, the server's verdict out. */
static void
job_finish(struct job *j, int status)
{
    struct mcpd_dserver *s = j->s;
    char pre_cause[40], pre_summary[512], pre_fix[512];
    cJSON *doc;

    /* A cause found in the config (a header's variable unset) stays
     * first unless the server cannot be reached at all. */
    snprintf(pre_cause, sizeof(pre_cause), "%s", s->cause);
    snprintf(pre_summary, sizeof(pre_summary), "%s", s->summary);
    snprintf(pre_fix, sizeof(pre_fix), "%s", s->fix);
    doc = take_report(j, status);
    if (doc == NULL)
        return;
    if (strcmp(s->cause, "auth_required") != 0 && answered_401(doc)) {
        /* SPEC: 401 is auth_required, whatever else the probe made of
         * the port (its HTTP causes are being reworked). */
        snprintf(s->cause, sizeof(s->cause), "auth_required");
    }
    cJSON_Delete(doc);
    mcpd_text_sanitize(s->summary, sizeof(s->summary));
    mcpd_text_sanitize(s->fix, sizeof(s->fix));

    if (pre_cause[0] && (strcmp(s->cause, "ok") == 0 ||
                         strcmp(s->cause, "auth_required") == 0)) {
        snprintf(s->cause, sizeof(s->cause), "%s", pre_cause);
        snprintf(s->summary, sizeof(s->summary), "%s", pre_summary);
        snprintf(s->fix, sizeof(s->fix), "%s", pre_fix);
        return;
    }
    if (transport_mismatch(s)) {
        /* said */
    } else if (strcmp(s->cause, "auth_required") == 0) {
        auth_detail(s);
    } else if (pre_cause[0]) {
        /* Unreachable anyway: the probe's cause first, the config's
         * problem after it. */
        size_t n = strlen(s->summary);
        snprintf(s->summary + n, sizeof(s->summary) - n, " (also: %s)",
                 pre_summary);
    }
    mcpd_text_sanitize(s->summary, sizeof(s->summary));
}

/* A control byte in the URL or a header would split a request line (no
 * client sends that either): say so instead of probing. */
static int
has_ctl(const char *v)
{
    for (; v && *v; v++)
        if (((unsigned char)*v < ' ' && *v != '\t') || *v == 0x7f)
            return 1;
    return 0;
}

static int
sendable(struct mcpd_dserver *s)
{
    int h;
    const char *bad = has_ctl(s->url) ? "the URL" : NULL;

    for (h = 0; bad == NULL && h < s->nhdr; h++)
        if (has_ctl(s->hdr[h].name) || has_ctl(s->hdr[h].value) ||
            strchr(s->hdr[h].name, ':') || s->hdr[h].name[0] == '\0')
            bad = "a header";
    if (bad == NULL)
        return 1;
    snprintf(s->cause, sizeof(s->cause), "config_invalid");
    snprintf(s->summary, sizeof(s->summary), "%s holds a control "
             "character (a line break?) or a bad header name: no HTTP "
             "request can carry it", bad);
    snprintf(s->fix, sizeof(s->fix), "remove the line break or control "
             "character from the entry in %s", s->file);
    return 0;
}

/* Probe every remote server, `jobs` at a time. */
static void
run_probes(struct mcpd_doctor *d, const char *exe, const char *timeout,
           double limit, int jobs)
{
    struct job run[16];
    struct mcpd_child *outs[16];
    int ready[16];
    int next = 0, nrun = 0, i;

    for (;;) {
        while (nrun < jobs && next < d->nsrv) {
            struct mcpd_dserver *s = &d->srv[next++];
            if (s->disabled || s->transport == MCPD_DT_STDIO ||
                s->url == NULL || !sendable(s))
                continue;
            if (job_start(&run[nrun], s, exe, timeout) == 0)
                nrun++;
        }
        if (nrun == 0 && next >= d->nsrv)
            break;
        for (i = 0; i < nrun; i++)
            outs[i] = &run[i].c;
        if (mcpd_child_poll(outs, nrun, 500, ready) < 0) {
            if (errno != EINTR)
                break;
            memset(ready, 0, sizeof(ready));
        }
        for (i = 0; i < nrun; i++) {
            struct job *j = &run[i];
            int done = 0, kill_it = 0;
            if (ready[i]) {
                char tmp[16384];
                ssize_t n = read(j->c.out, tmp, sizeof(tmp));
                if (n < 0 && (errno == EINTR || errno == EAGAIN))
                    continue;
                if (n <= 0) {
                    done = 1;
                } else if (j->len + (size_t)n > PROBE_OUT_MAX) {
                    j->overflow = 1;
                } else {
                    if (j->len + (size_t)n + 1 > j->cap) {
                        size_t cap = (j->len + (size_t)n + 1) * 2;
                        char *nb = realloc(j->buf, cap);
                        if (nb == NULL) {
                            j->overflow = 1;
                            continue;
                        }
                        j->buf = nb;
                        j->cap = cap;
                    }
                    memcpy(j->buf + j->len, tmp, (size_t)n);
                    j->len += (size_t)n;
                }
            }
            if (!done && now_s() - j->started > limit) {
                /* A probe past every timeout it has: stop it. */
                kill_it = done = 1;
            }
            if (!done)
                continue;
            job_finish(j, mcpd_child_end(&j->c, kill_it));
            free(j->buf);
            run[i] = run[--nrun];
            ready[i] = ready[nrun];
            i--;
        }
    }
}

/* Local servers: is the command there, as the client's PATH finds it? */
static void
check_stdio(struct mcpd_doctor *d, struct mcpd_dserver *s)
{
    char found[2048], cmd[1100];

    if (s->cause[0] || s->disabled)
        return;
    snprintf(cmd, sizeof(cmd), "%s", s->command);
    mcpd_text_sanitize(cmd, sizeof(cmd));
    if (mcpd_doc_which(s->command, s->path_env, d->cwd, found,
                       sizeof(found))) {
        mcpd_text_sanitize(found, sizeof(found));
        snprintf(s->cause, sizeof(s->cause), "ok");
        snprintf(s->summary, sizeof(s->summary), "local (stdio: no network "
                 "transport); the client starts %s", found);
        return;
    }
    snprintf(s->cause, sizeof(s->cause), "command_not_found");
    if (found[0]) {
        /* Windows: npx is npx.cmd, which only a shell starts. */
        mcpd_text_sanitize(found, sizeof(found));
        snprintf(s->summary, sizeof(s->summary), "local (stdio) server: "
                 "its command '%s' is a batch file (%s), which a client "
                 "starts only through a shell", cmd, found);
        snprintf(s->fix, sizeof(s->fix), "start it through cmd.exe: "
                 "\"command\": \"cmd\", \"args\": [\"/c\", \"%s\", "
                 "...its arguments]", cmd);
        return;
    }
    snprintf(s->summary, sizeof(s->summary), "local (stdio) server: its "
             "command '%s' is not %s", cmd,
             strpbrk(s->command, "/\\") ? "an executable file"
                                        : "on the client's PATH");
    snprintf(s->fix, sizeof(s->fix), "install '%s', or give its full path "
             "in \"command\" (GUI clients do not read your shell's PATH)",
             cmd);
}

static int
failing(const struct mcpd_dserver *s)
{
    return strcmp(s->cause, "ok") != 0 && strcmp(s->cause, "disabled") != 0;
}

/* ---- reports ---- */

static void
cell(FILE *out, const char *s, int width, int last)
{
    char buf[1100];
    size_t n;

    mcpd_text_escape(buf, sizeof(buf), s, strlen(s));
    n = strlen(buf);
    if (!last && width > 1 && n > (size_t)width) {
        /* Cut (the detail has all of it), never inside a character. */
        size_t cut = (size_t)width - 1;
        while (cut > 0 && ((unsigned char)buf[cut] & 0xc0) == 0x80)
            cut--;
        buf[cut] = '~';
        buf[cut + 1] = '\0';
        n = cut + 1;
    }
    fputs(buf, out);
    if (!last)
        fprintf(out, "%*s", (int)((size_t)width - n + 2), "");
}

static const char *
target_of(const struct mcpd_dserver *s)
{
    if (s->transport == MCPD_DT_STDIO)
        return s->command[0] ? s->command : "-";
    return s->url_shown[0] ? s->url_shown : "-";
}

static void
report_text(const struct mcpd_doctor *d, FILE *out, int color,
            int verbosity)
{
    static const int cap[5] = { 14, 24, 9, 48, 22 };
    int w[5] = { 6, 4, 9, 6, 5 }, i, k, nfail = 0;
    const char *bad = color ? "\033[31m" : "", *good = color ? "\033[32m"
                                                             : "";
    const char *off = color ? "\033[0m" : "";

    for (i = 0; i < d->nfile; i++)
        if (d->file[i].error[0]) {
            fprintf(out, "config error: ");
            mcpd_text_fputs(d->file[i].path, out);
            fprintf(out, ": %s (the other files are still checked)\n",
                    d->file[i].error);
        }
    for (i = 0; i < d->nsrv; i++) {
        const struct mcpd_dserver *s = &d->srv[i];
        const char *c[5] = { s->client, s->name, transport_name(
                                 s->transport), target_of(s), s->cause };
        for (k = 0; k < 5; k++) {
            int l = (int)strlen(c[k]);
            if (l > w[k])
                w[k] = l < cap[k] ? l : cap[k];
        }
    }
    if (d->nsrv > 0) {
        cell(out, "CLIENT", w[0], 0);
        cell(out, "NAME", w[1], 0);
        cell(out, "TRANSPORT", w[2], 0);
        cell(out, "TARGET", w[3], 0);
        cell(out, "CAUSE", w[4], 0);
        cell(out, "FIX", 0, 1);
        fputc('\n', out);
    }
    for (i = 0; i < d->nsrv; i++) {
        const struct mcpd_dserver *s = &d->srv[i];
        int f = failing(s);
        cell(out, s->client, w[0], 0);
        cell(out, s->name, w[1], 0);
        cell(out, transport_name(s->transport), w[2], 0);
        cell(out, target_of(s), w[3], 0);
        fputs(f ? bad : good, out);
        cell(out, s->cause, w[4], 0);
        fputs(off, out);
        cell(out, s->fix[0] ? s->fix : "-", 0, 1);
        fputc('\n', out);
        nfail += f;
    }
    if (d->skipped)
        fprintf(out, "(%d more servers not checked: at most %d per run)\n",
                d->skipped, MCPD_DOC_MAX_SERVERS);
    for (i = 0; i < d->nsrv && verbosity >= 0; i++) {
        const struct mcpd_dserver *s = &d->srv[i];
        if (!failing(s) && verbosity < 1)
            continue;
        fputc('\n', out);
        fprintf(out, "%s%s%s ", failing(s) ? bad : good, s->cause, off);
        mcpd_text_fputs(s->client, out);
        fputc('/', out);
        mcpd_text_fputs(s->name, out);
        fputs(" (", out);
        mcpd_text_fputs(s->file, out);
        fputs(")\n  target:  ", out);
        mcpd_text_fputs(target_of(s), out);
        fprintf(out, " (%s)\n", transport_name(s->transport));
        for (k = 0; k < s->nhdr; k++) {
            fputs("  header:  ", out);
            mcpd_text_fputs(s->hdr[k].name, out);
            fputs(" from ", out);
            mcpd_text_fputs(s->hdr[k].source, out);
            fprintf(out, ", %s\n", s->hdr[k].value ? "set (value not shown)"
                                                   : "NOT set");
        }
        fputs("  summary: ", out);
        mcpd_text_fputs(s->summary, out);
        fputc('\n', out);
        if (failing(s)) {
            fputs("  fix:     ", out);
            mcpd_text_fputs(s->fix[0] ? s->fix : "see the summary", out);
            fputc('\n', out);
        }
    }
    fprintf(out, "\n%d server%s, %d healthy, %d with a problem\n", d->nsrv,
            d->nsrv == 1 ? "" : "s", d->nsrv - nfail, nfail);
}

/* The JSON report's tree; NULL without memory. */
static cJSON *
report_tree(const struct mcpd_doctor *d)
{
    cJSON *root = cJSON_CreateObject(), *files, *servers, *sum;
    int i, k, nfail = 0;

    if (root == NULL)
        return NULL;
    cJSON_AddStringToObject(root, "mcpdiag", MCPD_VERSION);
    cJSON_AddStringToObject(root, "command", "doctor");
    files = cJSON_AddArrayToObject(root, "files");
    for (i = 0; i < d->nfile; i++) {
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "client", d->file[i].client);
        cJSON_AddStringToObject(f, "path", d->file[i].path);
        cJSON_AddBoolToObject(f, "read", d->file[i].found &&
                                         !d->file[i].error[0]);
        cJSON_AddNumberToObject(f, "servers", d->file[i].nservers);
        if (d->file[i].error[0])
            cJSON_AddStringToObject(f, "error", d->file[i].error);
        else
            cJSON_AddNullToObject(f, "error");
        cJSON_AddItemToArray(files, f);
    }
    servers = cJSON_AddArrayToObject(root, "servers");
    for (i = 0; i < d->nsrv; i++) {
        const struct mcpd_dserver *s = &d->srv[i];
        cJSON *o = cJSON_CreateObject(), *ha, *p;
        cJSON_AddStringToObject(o, "client", s->client);
        cJSON_AddStringToObject(o, "name", s->name);
        cJSON_AddStringToObject(o, "file", s->file);
        cJSON_AddStringToObject(o, "transport",
                                transport_name(s->transport));
        if (s->transport == MCPD_DT_STDIO) {
            cJSON_AddNullToObject(o, "url");
            cJSON_AddStringToObject(o, "command", s->command);
        } else {
            cJSON_AddStringToObject(o, "url", s->url_shown);
            cJSON_AddNullToObject(o, "command");
        }
        cJSON_AddBoolToObject(o, "disabled", s->disabled);
        ha = cJSON_AddArrayToObject(o, "headers");
        for (k = 0; k < s->nhdr; k++) {
            cJSON *h = cJSON_CreateObject();
            cJSON_AddStringToObject(h, "name", s->hdr[k].name);
            cJSON_AddStringToObject(h, "source", s->hdr[k].source);
            cJSON_AddBoolToObject(h, "set", s->hdr[k].value != NULL);
            cJSON_AddItemToArray(ha, h);
        }
        cJSON_AddStringToObject(o, "cause", s->cause);
        cJSON_AddStringToObject(o, "summary", s->summary);
        cJSON_AddStringToObject(o, "fix", s->fix);
        cJSON_AddBoolToObject(o, "ok", !failing(s));
        p = s->probe_json ? cJSON_Parse(s->probe_json) : NULL;
        if (p)
            cJSON_AddItemToObject(o, "probe", p);
        else
            cJSON_AddNullToObject(o, "probe");
        cJSON_AddItemToArray(servers, o);
        nfail += failing(s);
    }
    sum = cJSON_AddObjectToObject(root, "summary");
    cJSON_AddNumberToObject(sum, "servers", d->nsrv);
    cJSON_AddNumberToObject(sum, "healthy", d->nsrv - nfail);
    cJSON_AddNumberToObject(sum, "failing", nfail);
    cJSON_AddNumberToObject(sum, "not_checked", d->skipped);
    return root;
}

static int
report_json(const struct mcpd_doctor *d, FILE *out)
{
    cJSON *root = report_tree(d);

    return root ? mcpd_json_print(root, out) : -1;
}

/* Discovery, and every check that needs no network. */
static void
prepare(struct mcpd_doctor *d, char **configs, int nconfigs)
{
    int i;

    mcpd_doc_discover(d, configs, nconfigs, getenv_fn);
    for (i = 0; i < d->nsrv; i++) {
        struct mcpd_dserver *s = &d->srv[i];
        if (s->disabled && !s->cause[0]) {
            snprintf(s->cause, sizeof(s->cause), "disabled");
            snprintf(s->summary, sizeof(s->summary), "turned off in the "
                     "config: not checked");
        } else if (s->transport == MCPD_DT_STDIO) {
            check_stdio(d, s);
        }
    }
}

char *
mcpd_doctor_list_json(size_t *len)
{
    struct mcpd_doctor *d = calloc(1, sizeof(*d));
    char *text = NULL;
    size_t tl = 0;
    cJSON *root;

    if (d)
        d->srv = calloc(MCPD_DOC_MAX_SERVERS, sizeof(*d->srv));
    if (d == NULL || d->srv == NULL) {
        free(d);
        return NULL;
    }
    prepare(d, NULL, 0);
    /* As report_json prints it: made safe, then a newline. */
    root = report_tree(d);
    if (root != NULL) {
        text = mcpd_json_fix(cJSON_Print(root));
        cJSON_Delete(root);
    }
    mcpd_doc_free(d);
    free(d);
    if (text != NULL) {
        char *nl;
        tl = strlen(text);
        nl = realloc(text, tl + 2);
        if (nl == NULL) {
            free(text);
            return NULL;
        }
        text = nl;
        memcpy(text + tl, "\n", 2);
        *len = tl + 1;
    }
    return text;
}

/* The parser's answer when the command goes on (any other value is the
 * exit code to return). */
#define DOCTOR_GO (-1)

/* What the command line gives. */
struct doctor_cli {
    char *configs[MAX_CONFIGS];  /* --config files */
    int nconfigs;
    int json, no_color, jobs;
    int verbosity;           /* -1 quiet, 0, 1 verbose */
    double t;                /* --timeout */
    char timeout[32];        /* ... as the probes get it */
};

/* One option of the table: DOCTOR_GO, or the exit code. */
static int
take_option(struct doctor_cli *cl, int c)
{
    unsigned long long n;
    char *end;

    switch (c) {
    case OPT_CONFIG:
        if (cl->nconfigs >= MAX_CONFIGS)
            return mcpd_usage_error("at most %d --config files",
                                    MAX_CONFIGS);
        cl->configs[cl->nconfigs++] = optarg;
        break;
    case OPT_JSON: cl->json = 1; break;
    case OPT_TIMEOUT:
        errno = 0;
        cl->t = strtod(optarg, &end);
        if (errno || *end || end == optarg ||
            !(cl->t >= 0.05 && cl->t <= 600))
            return mcpd_usage_error("--timeout wants seconds 0.05-600:"
                                    " e.g. --timeout 3");
        snprintf(cl->timeout, sizeof(cl->timeout), "%g", cl->t);
        break;
    case OPT_JOBS:
        if (mcpd_parse_uint(optarg, 1, 16, &n) != 0)
            return mcpd_usage_error("--jobs wants 1-16: e.g. --jobs 4");
        cl->jobs = (int)n;
        break;
    case OPT_NO_COLOR: cl->no_color = 1; break;
    case 'v': cl->verbosity = 1; break;
    case 'q': cl->verbosity = -1; break;
    case 'h':
        doctor_usage(stdout);
        return MCPD_EXIT_OK;
    case ':':
        return mcpd_usage_error("an option needs a value (see "
                                "'mcpdiag doctor --help')");
    default:
        return mcpd_usage_error("unknown option (see 'mcpdiag doctor "
                                "--help')");
    }
    return DOCTOR_GO;
}

static int
parse_options(struct doctor_cli *cl, int argc, char **argv)
{
    struct option longopts[16];
    int c, rc;

    memset(cl, 0, sizeof(*cl));
    cl->jobs = DOCTOR_JOBS;
    cl->t = 3.0;
    snprintf(cl->timeout, sizeof(cl->timeout), "3");
    mcpd_build_longopts(doctor_options, longopts, 16);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":vqh", longopts, NULL)) != -1)
        if ((rc = take_option(cl, c)) != DOCTOR_GO)
            return rc;
    if (optind < argc)
        return mcpd_usage_error("doctor takes no TARGET: it reads the "
                                "clients' configs (give a file with "
                                "--config FILE)");
    return DOCTOR_GO;
}

/* This program's own path, for the probe children (Linux's names the
 * running binary even when its file was replaced). 0, or -1 (said). */
static int
find_self(char *exe, size_t len)
{
    const char *self, *fix = "";

    self = mcpd_plat_self_exe(&fix);
    if (self == NULL || strlen(self) >= len) {
        fprintf(stderr, "mcpdiag: cannot find its own executable "
                        "(%s): cannot start the probes; %s\n",
                self ? "path too long" : "no path", fix);
        return -1;
    }
    snprintf(exe, len, "%s", self);
    return 0;
}

/* The report, the one-line summary on stderr; the exit status. */
static int
report(const struct mcpd_doctor *d, const struct doctor_cli *cl,
       int file_errors)
{
    int i, nfail = 0, status;

    if (cl->json) {
        if (report_json(d, stdout) != 0) {
            fprintf(stderr, "mcpdiag: out of memory building the JSON "
                            "report: free some memory and retry\n");
            return MCPD_EXIT_CANNOT_RUN;
        }
    } else {
        report_text(d, stdout, mcpd_use_color(stdout, cl->no_color),
                    cl->verbosity);
    }
    for (i = 0; i < d->nsrv; i++)
        nfail += failing(&d->srv[i]);
    status = nfail || file_errors ? MCPD_EXIT_PROBLEM : MCPD_EXIT_OK;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "mcpdiag: writing the report failed: %s; check "
                "the output file or pipe\n", strerror(errno));
        status = MCPD_EXIT_CANNOT_RUN;
    } else if (status != MCPD_EXIT_OK) {
        if (file_errors)
            fprintf(stderr, "mcpdiag: %d of %d servers with a problem, "
                    "%d config file%s unreadable; see the report above\n",
                    nfail, d->nsrv, file_errors,
                    file_errors == 1 ? "" : "s");
        else
            fprintf(stderr, "mcpdiag: %d of %d servers with a problem; "
                    "see the report above\n", nfail, d->nsrv);
    }
    return status;
}

int
mcpd_cmd_doctor(int argc, char **argv)
{
    struct doctor_cli cl;
    struct mcpd_doctor *d;
    char exe[4096];
    int i, status, file_errors = 0;

    if ((status = parse_options(&cl, argc, argv)) != DOCTOR_GO)
        return status;
    if (find_self(exe, sizeof(exe)) != 0)
        return MCPD_EXIT_CANNOT_RUN;
    d = calloc(1, sizeof(*d));
    if (d)
        d->srv = calloc(MCPD_DOC_MAX_SERVERS, sizeof(*d->srv));
    if (d == NULL || d->srv == NULL) {
        free(d);
        fprintf(stderr, "mcpdiag: out of memory: free some memory and "
                        "retry\n");
        return MCPD_EXIT_CANNOT_RUN;
    }
    {
        /* A probe child that dies early must not kill us with SIGPIPE
         * (Windows has none: the write fails). */
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = SIG_IGN;
        sigaction(SIGPIPE, &sa, NULL);
    }
    prepare(d, cl.configs, cl.nconfigs);
    /* Every probe step has its timeout; a whole probe is a few dozen
     * of them at most. */
    run_probes(d, exe, cl.timeout, 30.0 * cl.t + 30.0, cl.jobs);
    for (i = 0; i < d->nfile; i++)
        file_errors += d->file[i].error[0] != '\0';
    if (d->nsrv == 0 && file_errors == 0) {
        fprintf(stderr, "mcpdiag: no MCP server is configured in any "
                        "client's config under %s or in this project; "
                        "give a file with --config FILE\n", d->home);
        status = MCPD_EXIT_CANNOT_RUN;
    } else {
        status = report(d, &cl, file_errors);
    }
    mcpd_doc_free(d);
    free(d);
    return status;
}

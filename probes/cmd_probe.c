/* \summary: `mcpdiag probe [TARGET]`: options, the stages in order, the
 * report and the exit status */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <curl/curl.h>
#include "cli.h"
#include "target.h"
#include "probe.h"
#include "probe_int.h"

enum {
    OPT_JSON = 256, OPT_TIMEOUT, OPT_HEALTH, OPT_DEEP, OPT_NO_COLOR,
    OPT_NO_SYN, OPT_HEADERS_FD,
};

static const struct mcpd_option probe_options[] = {
    { "json", OPT_JSON, NULL, "one JSON document on stdout" },
    { "timeout", OPT_TIMEOUT, "SECONDS",
      "for the name lookup and each connect, SYN probe and HTTP request "
      "(default 3)" },
    { "health", OPT_HEALTH, "PATH", "health path to GET (default /health)" },
    { "deep", OPT_DEEP, NULL,
      "go on to tools/list, and try the legacy SSE transport too" },
    { "no-syn", OPT_NO_SYN, NULL, "skip the raw SYN probe (root only)" },
    { "verbose", 'v', NULL, "show all the evidence, also when healthy" },
    { "quiet", 'q', NULL, "only the verdict and the fix" },
    { "no-color", OPT_NO_COLOR, NULL,
      "no colour (also when NO_COLOR is set)" },
    { "help", 'h', NULL, "this help" },
    { NULL, 0, NULL, NULL },
};

#define SEE_HELP "(see 'mcpdiag probe --help')"

/* The hidden --headers-fd N (what `mcpdiag doctor` uses): extra request
 * headers, one "Name: value" per line, read from descriptor N so that
 * no secret sits in argv (world-readable in /proc). With TARGET "-",
 * the first line is the target URL (it may carry a token in its
 * query). Bounded: 64 KiB, 64 headers. Returns 0, or -1 with err set;
 * err never quotes a value. */
#define HEADERS_FD_MAX  65536
#define HEADERS_FD_LINES   64

static int
read_headers_fd(int fd, int want_target, char *target, size_t tlen,
                struct curl_slist **out, char *err, size_t elen)
{
    char *buf = malloc(HEADERS_FD_MAX + 1), *line, *next;
    size_t len = 0;
    ssize_t n;
    int lineno = 0, nh = 0;

    if (buf == NULL) {
        snprintf(err, elen, "out of memory reading --headers-fd");
        return -1;
    }
    for (;;) {
        n = read(fd, buf + len, HEADERS_FD_MAX - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, elen, "cannot read --headers-fd %d: %s", fd,
                     strerror(errno));
            free(buf);
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == HEADERS_FD_MAX) {
            snprintf(err, elen, "--headers-fd: more than %d bytes",
                     HEADERS_FD_MAX);
            free(buf);
            return -1;
        }
    }
    close(fd);
    buf[len] = '\0';
    for (line = buf; line && *line; line = next) {
        const char *c;
        struct curl_slist *l;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        if (line[0] == '\0')
            continue;
        if (want_target && lineno == 1) {
            if (strlen(line) >= tlen) {
                snprintf(err, elen, "--headers-fd: target too long");
                free(buf);
                return -1;
            }
            snprintf(target, tlen, "%s", line);
            continue;
        }
        /* A token, a colon, a value without control bytes: nothing
         * that could split one header into two. */
        for (c = line; *c && *c != ':'; c++)
            if (*c <= ' ' || *c == 0x7f)
                break;
        if (*c != ':' || c == line || nh >= HEADERS_FD_LINES) {
            snprintf(err, elen, "--headers-fd: line %d is not a "
                     "\"Name: value\" header", lineno);
            free(buf);
            return -1;
        }
        for (; *c; c++)
            if (((unsigned char)*c < ' ' && *c != '\t') || *c == 0x7f)
                break;
        if (*c) {
            snprintf(err, elen, "--headers-fd: line %d holds a control "
                     "character", lineno);
            free(buf);
            return -1;
        }
        l = curl_slist_append(*out, line);
        if (l == NULL) {
            snprintf(err, elen, "out of memory reading --headers-fd");
            free(buf);
            return -1;
        }
        *out = l;
        nh++;
    }
    /* The values are secrets: leave no copy behind in freed memory. */
    memset(buf, 0, len);
    free(buf);
    return 0;
}

/* An argument echoed in a one-line message: control bytes (a newline in
 * a pasted URL) would split the line, so they become '?'. */
static const char *
oneline(const char *in, char *buf, size_t len)
{
    snprintf(buf, len, "%s", in ? in : "");
    mcpd_text_sanitize(buf, len);
    return buf;
}

static void
probe_usage(FILE *out)
{
    fprintf(out,
            "usage: mcpdiag probe [TARGET] [options]\n"
            "Active diagnosis of one MCP endpoint, layer by layer: "
            "resolve, listeners,\nTCP connect, raw SYN (root), firewall "
            "and listen queue (root), proxy, HTTP,\nMCP. Names the first "
            "layer that fails, the cause and the fix.\n\n"
            "TARGET: PORT, HOST:PORT, [V6ADDR]:PORT or "
            "http[s]://HOST[:PORT][/PATH]\n"
            "        (default http://localhost:3000/mcp)\n\n");
    mcpd_print_options(out, probe_options);
    fprintf(out, "\nexit status: 0 MCP works end to end, 1 a problem was "
                 "found, 2 usage error,\n3 could not run.\n");
}

void
mcpd_probe_skip(struct mcpd_probe *p, const char *stage, const char *reason)
{
    if (p->nskipped >= MCPD_PROBE_MAX_SKIPS)
        return;
    snprintf(p->skipped[p->nskipped].stage,
             sizeof(p->skipped[0].stage), "%s", stage);
    snprintf(p->skipped[p->nskipped].reason,
             sizeof(p->skipped[0].reason), "%s", reason);
    p->nskipped++;
}

/*
 * When no address took the connection (each timed out, was refused or
 * unreachable), HTTP and MCP cannot succeed directly: skip them, say
 * why, and reach the diagnosis within --timeout of the connect (each
 * request would otherwise wait out its own timeout against a DROP).
 * Returns 1 when skipped.
 */
static int
skip_http(struct mcpd_probe *p)
{
    char why[200];
    int i, timeouts = 0;

    for (i = 0; i < p->naddr; i++) {
        if (p->addr[i].conn == MCPD_CONN_CONNECTED ||
            p->addr[i].conn == MCPD_CONN_NOT_RUN)
            return 0;
        timeouts += p->addr[i].conn == MCPD_CONN_TIMEOUT;
    }
    snprintf(why, sizeof(why), "no address of %s took a TCP connection "
             "(%s): no HTTP request can reach the server", p->target.host,
             timeouts == p->naddr ? "every connect timed out" :
             timeouts ? "each connect timed out or failed" :
             "every connect was refused or unreachable");
    mcpd_probe_skip(p, "http", why);
    mcpd_probe_skip(p, "mcp", "HTTP did not run: MCP needs an HTTP answer");
    return 1;
}

/* The parser's answer when the command goes on (any other value is the
 * exit code to return). */
#define PROBE_GO (-1)

/* What the command line gives besides p->opts. */
struct probe_cli {
    const char *target;      /* TARGET, or NULL for the default */
    int headers_fd;          /* --headers-fd, or -1 */
    int no_color;            /* --no-color */
    char fd_target[1400];    /* TARGET read from --headers-fd */
};

/* One option of the table: PROBE_GO, or the exit code. */
static int
take_option(struct mcpd_probe *p, struct probe_cli *cl, int c, char **argv)
{
    char arg[200];
    unsigned long long fd;
    char *end;
    double t;

    switch (c) {
    case OPT_JSON: p->opts.json = 1; break;
    case OPT_TIMEOUT:
        errno = 0;
        t = strtod(optarg, &end);
        if (errno || *end || end == optarg || !(t >= 0.05 && t <= 600))
            return mcpd_usage_error("--timeout wants seconds 0.05-600, "
                                    "not '%s': e.g. --timeout 3",
                                    oneline(optarg, arg, sizeof(arg)));
        p->opts.timeout = t;
        break;
    case OPT_HEALTH:
        if (optarg[0] != '/' || strlen(optarg) >= sizeof(p->opts.health)
            || strpbrk(optarg, " \t\r\n"))
            return mcpd_usage_error("--health wants a path starting with "
                                    "'/', not '%s': e.g. --health "
                                    "/healthz",
                                    oneline(optarg, arg, sizeof(arg)));
        snprintf(p->opts.health, sizeof(p->opts.health), "%s", optarg);
        break;
    case OPT_DEEP: p->opts.deep = 1; break;
    case OPT_NO_SYN: p->opts.no_syn = 1; break;
    case OPT_HEADERS_FD:
        if (mcpd_parse_uint(optarg, 3, 1023, &fd) != 0)
            return mcpd_usage_error("--headers-fd wants a descriptor "
                                    "3-1023, not '%s'",
                                    oneline(optarg, arg, sizeof(arg)));
        cl->headers_fd = (int)fd;
        break;
    case 'v': p->opts.verbose = 1; break;
    case 'q': p->opts.quiet = 1; break;
    case OPT_NO_COLOR: cl->no_color = 1; break;
    case 'h':
        probe_usage(stdout);
        return MCPD_EXIT_OK;
    case ':':
        return mcpd_usage_error("%s needs a value " SEE_HELP,
                                oneline(argv[optind - 1], arg,
                                        sizeof(arg)));
    default:
        return mcpd_usage_error("unknown option '%s' " SEE_HELP,
                                oneline(argv[optind - 1], arg,
                                        sizeof(arg)));
    }
    return PROBE_GO;
}

/* The options and the one TARGET: PROBE_GO, or the exit code. */
static int
parse_options(struct mcpd_probe *p, struct probe_cli *cl, int argc,
              char **argv)
{
    struct option longopts[16];
    char arg[200];
    size_t nlong;
    int c, rc;

    p->opts.timeout = 3.0;
    snprintf(p->opts.health, sizeof(p->opts.health), "/health");
    cl->headers_fd = -1;
    mcpd_build_longopts(probe_options, longopts, 15);
    for (nlong = 0; longopts[nlong].name; nlong++)
        ;
    /* Hidden: for `mcpdiag doctor`, not for people. */
    longopts[nlong].name = "headers-fd";
    longopts[nlong].has_arg = required_argument;
    longopts[nlong].flag = NULL;
    longopts[nlong].val = OPT_HEADERS_FD;
    memset(&longopts[nlong + 1], 0, sizeof(longopts[0]));
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":vqh", longopts, NULL)) != -1)
        if ((rc = take_option(p, cl, c, argv)) != PROBE_GO)
            return rc;
    if (optind < argc)
        cl->target = argv[optind++];
    if (optind < argc)
        return mcpd_usage_error("probe takes one TARGET, not '%s' too: "
                                "quote a URL that holds spaces or '&'",
                                oneline(argv[optind], arg, sizeof(arg)));
    return PROBE_GO;
}

/* The headers (and TARGET "-") from --headers-fd, then TARGET parsed:
 * PROBE_GO, or the exit code. */
static int
take_target(struct mcpd_probe *p, struct probe_cli *cl)
{
    char err[MCPD_ERR_LEN], arg[200], shown[200];

    if (cl->headers_fd >= 0) {
        int want = cl->target != NULL && strcmp(cl->target, "-") == 0;
        cl->fd_target[0] = '\0';
        if (read_headers_fd(cl->headers_fd, want, cl->fd_target,
                            sizeof(cl->fd_target), &p->opts.extra_headers,
                            err, sizeof(err)) != 0)
            return mcpd_usage_error("%s", err);
        if (want)
            cl->target = cl->fd_target;
    }
    if (mcpd_target_parse(cl->target, &p->target, err) != 0) {
        mcpd_text_sanitize(err, sizeof(err));
        /* Echo the target without a password it may carry. */
        mcpd_target_redact(cl->target, shown, sizeof(shown));
        return mcpd_usage_error("bad TARGET '%s': %s; give PORT, HOST:PORT, "
                                "[V6ADDR]:PORT or http[s]://HOST[:PORT]"
                                "[/PATH]", oneline(shown, arg, sizeof(arg)),
                                err);
    }
    return PROBE_GO;
}

/* Every stage runs, in the order a client meets the layers. */
static void
run_stages(struct mcpd_probe *p)
{
    mcpd_sys_counters(&p->kbefore);
    mcpd_probe_resolve(p);
    mcpd_probe_listeners(p);
    /* The kernel's own word (root): opened before the first SYN,
     * closed before HTTP, whose connections it does not judge. */
    if (p->naddr > 0)
        mcpd_probe_kernel_open(p);
    mcpd_probe_connect(p);
    if (p->is_root && !p->opts.no_syn)
        mcpd_probe_syn(p);
    mcpd_probe_kernel_close(p);
    p->nrules = mcpd_sys_firewall(p->target.port, p->rules,
                                  MCPD_PROBE_MAX_RULES, p->fw_error);
    if (p->nrules >= 0)
        p->fw_error[0] = '\0';
    mcpd_probe_proxy(p);
    if (p->naddr > 0 && !skip_http(p))
        mcpd_probe_http(p);
    mcpd_sys_counters(&p->kafter);
    mcpd_probe_diagnose(p);
}

static int
write_text(const struct mcpd_probe *p, FILE *out)
{
    mcpd_probe_report_text(p, out);
    return 0;
}

/* The report's formats, one row each: a writer returns 0, or -1 when
 * it could not build the report (out of memory). */
static const struct probe_output {
    const char *what;        /* for the message when it fails */
    int (*write)(const struct mcpd_probe *p, FILE *out);
} probe_outputs[] = {
    { "text", write_text },
    { "JSON", mcpd_probe_report_json },
};

/* The report on stdout, the one-line verdict on stderr; the exit
 * status. */
static int
report(struct mcpd_probe *p)
{
    const struct probe_output *o = &probe_outputs[p->opts.json ? 1 : 0];
    int status = p->cause_id == MCPD_C_OK ? MCPD_EXIT_OK
                                          : MCPD_EXIT_PROBLEM;

    if (o->write(p, stdout) != 0) {
        fprintf(stderr, "mcpdiag: out of memory building the %s report: "
                "free some memory and retry, or drop --json\n", o->what);
        return MCPD_EXIT_CANNOT_RUN;
    }
    /* The report first: if it cannot be written, that is the one line
     * on stderr (exit 3), not the verdict nobody saw. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "mcpdiag: writing the report failed: %s; check "
                "the output file or pipe (disk full? reader gone?)\n",
                strerror(errno));
        status = MCPD_EXIT_CANNOT_RUN;
    } else if (status != MCPD_EXIT_OK) {
        /* One line: the cause, the evidence, and the first fix. */
        fprintf(stderr, "mcpdiag: %s: ", p->cause);
        mcpd_text_fputs(p->summary, stderr);
        fputs("; fix: ", stderr);
        mcpd_text_fputs(p->nfix > 0 ? p->fix[0] : "see the report above",
                        stderr);
        fputc('\n', stderr);
    }
    return status;
}

int
mcpd_cmd_probe(int argc, char **argv)
{
    struct mcpd_probe *p = calloc(1, sizeof(*p));
    struct probe_cli cl;
    int status;

    if (p == NULL) {
        fprintf(stderr, "mcpdiag: out of memory: cannot probe; free some "
                        "memory and retry\n");
        return MCPD_EXIT_CANNOT_RUN;
    }
    memset(&cl, 0, sizeof(cl));
    if ((status = parse_options(p, &cl, argc, argv)) == PROBE_GO &&
        (status = take_target(p, &cl)) == PROBE_GO &&
        curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "mcpdiag: libcurl failed to initialise: cannot "
                        "probe; check the libcurl installation "
                        "(ldd $(command -v mcpdiag))\n");
        status = MCPD_EXIT_CANNOT_RUN;
    } else if (status == PROBE_GO) {
        p->opts.color = mcpd_use_color(stdout, cl.no_color);
        p->opts.utf8 = mcpd_use_utf8();
        p->is_root = geteuid() == 0;
        run_stages(p);
        status = report(p);
        curl_global_cleanup();
    }
    curl_slist_free_all(p->opts.extra_headers);
    free(p);
    return status;
}

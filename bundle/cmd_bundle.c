/* \summary: `mcpdiag bundle`: capture + probe + environment in one
 * redacted .tar.gz for a support ticket, and `bundle --inspect` */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <pcap/pcap.h>
#include "bundle.h"
#ifdef HAVE_MCPD_DOCTOR
#include "doctor.h"
#endif
#include "cli.h"
#include "dec.h"
#include "flow.h"
#include "pcapwalk.h"
#include "platform.h"
#include "redact.h"
#include "report.h"
#include "report_html.h"
#include "sanitize.h"
#include "tarball.h"

enum {
    OPT_FULL = 256, OPT_NO_REDACT, OPT_MAX_SIZE, OPT_INSPECT, OPT_TIMEOUT,
    OPT_NO_COLOR, OPT_JSON, OPT_MAX_ARCHIVE, OPT_FROM_CONFIG,
};

static const struct mcpd_option bundle_options[] = {
    { "output", 'o', "FILE",
      "write the bundle to FILE (default mcpdiag-bundle-HOST-TIME.tar.gz)" },
    { "full-payload", OPT_FULL, NULL,
      "keep whole packets (default: headers and ~200 payload bytes)" },
    { "no-redact", OPT_NO_REDACT, NULL,
      "keep secrets (tokens, cookies, passwords) as seen: not for tickets" },
    { "max-size", OPT_MAX_SIZE, "BYTES",
      "cap the bundle at BYTES (K, M, G suffixes; default 50M): the "
      "capture is cut" },
    { "inspect", OPT_INSPECT, "FILE",
      "list what a bundle holds and check its hashes, without extracting" },
    { "max-archive-bytes", OPT_MAX_ARCHIVE, "BYTES",
      "--inspect: refuse an archive that expands past BYTES (K, M, G; "
      "default 256M)" },
    { "timeout", OPT_TIMEOUT, "SECONDS",
      "probe: for each connect and answer (default 3)" },
    { "json", OPT_JSON, NULL, "one JSON document on stdout at the end" },
#ifdef HAVE_MCPD_DOCTOR
    { "from-config", OPT_FROM_CONFIG, NULL,
      "add servers.json: the MCP servers of your clients' configs, as "
      "doctor lists them (no header or variable values)" },
#endif
    { "verbose", 'v', NULL, "more detail" },
    { "quiet", 'q', NULL, "only the verdict and the bundle's name" },
    { "no-color", OPT_NO_COLOR, NULL,
      "no colour (also when NO_COLOR is set)" },
    { "help", 'h', NULL, "this help" },
    { NULL, 0, NULL, NULL },
};

/* Link + IPv6/IPv4 with options + TCP with options: the headers, then
 * about 200 bytes of payload (an HTTP request line and its headers). */
#define SNAP_HEADERS 336
#define DEFAULT_MAX_SIZE (50ULL << 20)

#define MAX_FLOWS_KEPT 256
#define NFILES 7

static const char no_redact_warning[] =
    "mcpdiag: WARNING: --no-redact: this bundle KEEPS Authorization and "
    "Proxy-Authorization\nheaders, cookies, bearer tokens, Mcp-Session-Id "
    "values, passwords in URLs and proxy\nvariables, and tokens in URL "
    "queries, exactly as seen, in every file including\nthe packets. Do "
    "not attach it to a ticket others can read.\n";

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void
bundle_usage(FILE *out)
{
    fprintf(out,
            "usage: sudo mcpdiag bundle [TARGET] [options] [-- COMMAND "
            "ARGS...]\n"
            "       mcpdiag bundle --inspect FILE\n"
            "One .tar.gz for a support ticket: report.txt, report.json, "
            "report.html,\ncapture.pcap (while COMMAND, or the built-in "
            "probe, runs), environment.json\nand manifest.json with "
            "SHA-256 hashes. Secrets are redacted. Without root\nthere is "
            "no capture: the probe and the environment only.\n"
            "TARGET: PORT, HOST:PORT, [V6ADDR]:PORT or "
            "http[s]://HOST[:PORT][/PATH]\n        (default %s)\n\n",
            MCPD_TARGET_DEFAULT);
    mcpd_print_options(out, bundle_options);
}

/* ---- the bundle's state ----------------------------------------------- */

struct bfile {
    const char *name;
    char *data;
    size_t len;
    char sha[65];
};

struct bundle {
    struct mcpd_target target;
    const char *target_text;
    char **cmd_argv;
    int redact, full_payload, quiet, verbose, json;
    unsigned long long max_size;
    double timeout;
    char created[32];        /* 2025-01-02T03:04:05Z */
    char host[64];
    /* capture */
    int capture_ran;
    char capture_reason[256];
    struct mcpd_run cap;
    struct mcpd_run cmdrun;  /* COMMAND run without capture rights */
    int cmd_ran;
    int capture_interrupted;
    uint8_t *pcap;
    size_t pcap_len;
    size_t pcap_kept;
    uint64_t packets, packets_kept;
    long redactions;
    struct mcpd_flow *flows;
    int nflows;
    char *analysis;          /* text of the re-analysis */
    size_t analysis_len;
    /* probe */
    struct mcpd_run probe;
    int probe_ran;
    cJSON *report;
    cJSON *env;
    struct bfile files[NFILES];
    int nfiles;
};

static void
sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0, i;

    out[0] = '\0';
    if (EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) != 1)
        return;
    for (i = 0; i < n && i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* ---- the capture's packets -------------------------------------------- */

struct collect {
    struct bundle *b;
    struct mcpd_report *rep;
};

static void
keep_flow(void *ctx, struct mcpd_flow *f, enum mcpd_emit_why why)
{
    struct collect *c = ctx;
    struct bundle *b = c->b;

    if (b->nflows < MAX_FLOWS_KEPT) {
        struct mcpd_flow *k = &b->flows[b->nflows++];
        memcpy(k, f, sizeof(*k));
        /* Only the ladder's fields are used; no pointer outlives f. */
        k->hnext = k->prev = k->next = NULL;
        k->client_proc = k->server_proc = NULL;
        k->kernel = NULL;
    }
    mcpd_report_flow(c->rep, f, why);
}

/*
 * Read capture.pcap (written by the capture child), redact its payloads
 * and classify it again in-process: the ladders for report.html and the
 * "analyze" section of report.txt.
 */
static int
load_pcap(struct bundle *b, const char *path)
{
    struct mcpd_report_opts ro;
    struct mcpd_input_info info;
    struct mcpd_flow_config fcfg;
    struct mcpd_flowtab *tab;
    struct collect col;
    const char *files[1] = { "capture.pcap" };
    char err[MCPD_ERR_LEN];
    struct stat st;
    struct mcpd_pcap_walk w;
    struct mcpd_pcap_rec r;
    FILE *mem;
    size_t got = 0;
    int fd, walk;

    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        st.st_size < 24 || (unsigned long long)st.st_size > (4ULL << 30)) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    b->pcap = malloc((size_t)st.st_size);
    while (b->pcap && got < (size_t)st.st_size) {
        ssize_t n = read(fd, b->pcap + got, (size_t)st.st_size - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (b->pcap == NULL || got < 24)
        return -1;
    b->pcap_len = b->pcap_kept = got;
    if (b->redact) {
        b->redactions = mcpd_redact_pcap(b->pcap, got, err);
        if (b->redactions < 0) {
            /* Not a pcap we can walk: nothing of it goes in the bundle
             * rather than secrets we could not find. */
            free(b->pcap);
            b->pcap = NULL;
            b->pcap_len = b->pcap_kept = 0;
            return -1;
        }
    }
    walk = mcpd_pcap_walk_init(&w, b->pcap, got, err) == 0;

    memset(&ro, 0, sizeof(ro));
    ro.format = MCPD_FMT_TEXT;
    ro.utf8 = 1;
    ro.command = "analyze";
    memset(&info, 0, sizeof(info));
    info.files = files;
    info.nfiles = 1;
    info.link_types[0] = walk ? pcap_datalink_val_to_name(w.dlt) : NULL;
    info.nlink_types = info.link_types[0] ? 1 : 0;
    mem = open_memstream(&b->analysis, &b->analysis_len);
    b->flows = calloc(MAX_FLOWS_KEPT, sizeof(*b->flows));
    col.b = b;
    col.rep = mem ? mcpd_report_new(&ro, mem, &info) : NULL;
    mcpd_flow_config_default(&fcfg);
    fcfg.seed = mcpd_random_seed();
    tab = col.rep && b->flows ? mcpd_flowtab_new(&fcfg, keep_flow, &col)
                              : NULL;
    if (tab == NULL) {
        mcpd_report_free(col.rep);
        if (mem)
            fclose(mem);
        return 0;
    }
    mcpd_report_begin(col.rep);
    while (walk && mcpd_pcap_walk_next(&w, &r) == MCPD_PCAP_REC) {
        struct mcpd_packet pkt;
        enum mcpd_dec_status ds;

        memset(&pkt, 0, sizeof(pkt));
        ds = mcpd_decode(w.dlt, b->pcap + r.data_off, r.caplen, r.wire_len,
                         &pkt);
        pkt.ts_ns = r.ts_ns;
        if (ds == MCPD_DEC_TCP || ds == MCPD_DEC_ICMP_UNREACH)
            mcpd_flow_packet(tab, ds, &pkt);
        else
            mcpd_flow_count(tab, ds);
        b->packets++;
    }
    mcpd_flow_flush(tab);
    mcpd_report_finish(col.rep, mcpd_flow_stats(tab));
    mcpd_flowtab_free(tab);
    mcpd_report_free(col.rep);
    fclose(mem);
    b->packets_kept = b->packets;
    return 0;
}

/* Cut the capture to whole records within `budget` bytes. */
static void
cap_pcap(struct bundle *b, size_t budget)
{
    struct mcpd_pcap_walk w;
    struct mcpd_pcap_rec r;
    char err[MCPD_ERR_LEN];
    size_t off = MCPD_PCAP_FILE_HDR;
    uint64_t kept = 0;

    if (b->pcap == NULL || b->pcap_len <= budget)
        return;
    if (mcpd_pcap_walk_init(&w, b->pcap, b->pcap_len, err) == 0)
        while (mcpd_pcap_walk_next(&w, &r) == MCPD_PCAP_REC &&
               r.data_off + r.caplen <= budget) {
            off = r.data_off + r.caplen;
            kept++;
        }
    b->pcap_kept = off;
    b->packets_kept = kept;
}

/* ---- report.json, report.txt ------------------------------------------- */

static cJSON *
parse_child_json(const struct mcpd_run *r)
{
    return r->out && r->out_len ? cJSON_Parse(r->out) : NULL;
}

static cJSON *
build_report(struct bundle *b)
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

static char *
build_text(struct bundle *b, size_t *len)
{
    char *buf = NULL;
    FILE *out = open_memstream(&buf, len);
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
    fclose(out);
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
static char *
json_text(cJSON *j, size_t *len)
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

static void
add_file(struct bundle *b, const char *name, char *data, size_t len)
{
    struct bfile *f = &b->files[b->nfiles++];

    f->name = name;
    f->data = data;
    f->len = len;
    sha256_hex(data ? data : "", len, f->sha);
}

static char *
build_manifest(struct bundle *b, size_t *len, unsigned long long budget)
{
    cJSON *m = cJSON_CreateObject(), *files = cJSON_CreateArray(), *cap;
    char *s;
    int i;

    cJSON_AddStringToObject(m, "mcpdiag", MCPD_VERSION);
    cJSON_AddStringToObject(m, "created", b->created);
    cJSON_AddStringToObject(m, "host", b->host);
    cJSON_AddStringToObject(m, "target", b->target.url);
    cJSON_AddBoolToObject(m, "redacted", b->redact);
    if (!b->redact)
        cJSON_AddStringToObject(m, "warning", "--no-redact: secrets are "
                                "kept as seen in every file");
    else
        cJSON_AddNumberToObject(m, "pcap_redactions",
                                (double)(b->redactions > 0 ? b->redactions
                                                           : 0));
    cJSON_AddNumberToObject(m, "max_size", (double)b->max_size);
    cap = cJSON_CreateObject();
    cJSON_AddBoolToObject(cap, "ran", b->capture_ran);
    cJSON_AddNumberToObject(cap, "snaplen",
                            b->full_payload ? 0 : SNAP_HEADERS);
    cJSON_AddNumberToObject(cap, "bytes_captured", (double)b->pcap_len);
    cJSON_AddNumberToObject(cap, "bytes_kept", (double)b->pcap_kept);
    cJSON_AddNumberToObject(cap, "packets_captured", (double)b->packets);
    cJSON_AddNumberToObject(cap, "packets_kept", (double)b->packets_kept);
    cJSON_AddBoolToObject(cap, "cut_by_max_size",
                          b->pcap_kept < b->pcap_len);
    cJSON_AddNumberToObject(cap, "budget_bytes", (double)budget);
    cJSON_AddItemToObject(m, "capture", cap);
    for (i = 0; i < b->nfiles; i++) {
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "name", b->files[i].name);
        cJSON_AddNumberToObject(f, "size", (double)b->files[i].len);
        cJSON_AddStringToObject(f, "sha256", b->files[i].sha);
        cJSON_AddItemToArray(files, f);
    }
    cJSON_AddItemToObject(m, "files", files);
    if (b->redact)
        mcpd_redact_json(m);
    s = json_text(m, len);
    cJSON_Delete(m);
    return s;
}

/* ---- writing the archive ---------------------------------------------- */

static int
write_archive(struct bundle *b, const char *path, const char *topdir,
              off_t *size, char *err)
{
    char tmp[4200], dir[4096], name[512];
    struct mcpd_tar_writer *w;
    const char *slash = strrchr(path, '/');
    struct stat st;
    time_t now = time(NULL);
    int fd, i, dfd;

    if (slash)
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    else
        snprintf(dir, sizeof(dir), ".");
    if (dir[0] == '\0')
        snprintf(dir, sizeof(dir), "/");
    /* A hidden temporary in the same directory, renamed into place when
     * complete: Ctrl-C or a crash never leaves a half-written bundle
     * under the real name. mkstemp creates it 0600, O_EXCL. */
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir,
                         slash ? slash + 1 : path) >= sizeof(tmp)) {
        snprintf(err, MCPD_ERR_LEN, "%.100s: path too long", path);
        return -1;
    }
    /* The archive replaces a regular file only: never a FIFO, a device
     * or a symlink's target (rename itself follows no link). */
    if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        snprintf(err, MCPD_ERR_LEN, "%.100s exists and is not a regular "
                 "file: not replacing it", path);
        return -1;
    }
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, MCPD_ERR_LEN, "cannot create %.90s in %.90s: %.50s",
                 path,
                 dir, strerror(errno));
        return -1;
    }
    fchmod(fd, 0600);
    w = mcpd_tar_writer_new(fd, err);
    for (i = 0; w && i < b->nfiles && !interrupted; i++) {
        snprintf(name, sizeof(name), "%s/%s", topdir, b->files[i].name);
        if (mcpd_tar_add(w, name, b->files[i].data ? b->files[i].data : "",
                         b->files[i].len, 0600, now, err) != 0)
            break;
    }
    if (w == NULL || i < b->nfiles || interrupted) {
        mcpd_tar_abort(w);
        goto fail;
    }
    if (mcpd_tar_finish(w, err) != 0)
        goto fail;
    if (fsync(fd) != 0) {
        snprintf(err, MCPD_ERR_LEN, "%.100s: fsync: %.100s", tmp,
                 strerror(errno));
        goto fail;
    }
    if (interrupted)
        goto fail;
    if (rename(tmp, path) != 0) {
        snprintf(err, MCPD_ERR_LEN, "cannot rename to %.100s: %.100s", path,
                 strerror(errno));
        goto fail;
    }
    if (fstat(fd, &st) == 0)
        *size = st.st_size;
    close(fd);
    /* The rename itself is durable once the directory is synced. */
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
fail:
    if (interrupted)
        snprintf(err, MCPD_ERR_LEN, "interrupted: no bundle written");
    close(fd);
    unlink(tmp);
    return -1;
}

/* ---- --inspect -------------------------------------------------------- */

/* Pass every key and string of a parsed bundle file through the text
 * sanitiser, for printing: a crafted bundle's fields may hold terminal
 * escapes. 0, or -1 when out of memory. */
static int
text_tree(cJSON *j)
{
    cJSON *c;
    char *t;
    size_t n;

    if (j == NULL)
        return 0;
    if (j->string && !(j->type & cJSON_StringIsConst)) {
        n = strlen(j->string);
        if ((t = malloc(4 * n + 1)) == NULL)
            return -1;
        mcpd_text_escape(t, 4 * n + 1, j->string, n);
        cJSON_free(j->string);
        j->string = t;
    }
    if (cJSON_IsString(j) && j->valuestring) {
        n = strlen(j->valuestring);
        if ((t = malloc(4 * n + 1)) == NULL)
            return -1;
        mcpd_text_escape(t, 4 * n + 1, j->valuestring, n);
        cJSON_free(j->valuestring);
        j->valuestring = t;
    }
    for (c = j->child; c; c = c->next)
        if (text_tree(c) != 0)
            return -1;
    return 0;
}

struct member {
    char name[MCPD_TAR_NAME_LEN];
    char base[64];
    uint64_t size;
    unsigned mode;
    int64_t mtime;
    char sha[65];
};

struct inspect {
    struct member m[64];
    int n, more;
    char *manifest;
    size_t manifest_len;
};

static int
inspect_one(void *ctx, struct mcpd_tar_entry *e)
{
    struct inspect *in = ctx;
    struct member *m;
    EVP_MD_CTX *md;
    unsigned char buf[65536], dg[EVP_MAX_MD_SIZE];
    unsigned int dn = 0, i;
    long got;

    if (in->n >= 64) {
        in->more++;
        return 0;
    }
    m = &in->m[in->n++];
    snprintf(m->name, sizeof(m->name), "%s", e->name);
    snprintf(m->base, sizeof(m->base), "%s", e->base);
    m->size = e->size;
    m->mode = e->mode;
    m->mtime = e->mtime;
    md = EVP_MD_CTX_new();
    if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(md);
        return 0;
    }
    if (strcmp(e->base, "manifest.json") == 0 && e->size < (1u << 20))
        in->manifest = calloc(1, (size_t)e->size + 1);
    while ((got = mcpd_tar_entry_read(e, buf, sizeof(buf))) > 0) {
        EVP_DigestUpdate(md, buf, (size_t)got);
        if (in->manifest && strcmp(e->base, "manifest.json") == 0 &&
            in->manifest_len + (size_t)got <= e->size) {
            memcpy(in->manifest + in->manifest_len, buf, (size_t)got);
            in->manifest_len += (size_t)got;
        }
    }
    if (EVP_DigestFinal_ex(md, dg, &dn) == 1)
        for (i = 0; i < dn && i < 32; i++)
            snprintf(m->sha + 2 * i, 3, "%02x", dg[i]);
    EVP_MD_CTX_free(md);
    return got < 0 ? 2 : 0;     /* 2: cut short inside this member */
}

static const char *
manifest_sha(const cJSON *man, const char *base)
{
    const cJSON *f;

    cJSON_ArrayForEach(f, cJSON_GetObjectItem(man, "files")) {
        const cJSON *n = cJSON_GetObjectItem(f, "name");
        const cJSON *s = cJSON_GetObjectItem(f, "sha256");
        if (cJSON_IsString(n) && cJSON_IsString(s) &&
            strcmp(n->valuestring, base) == 0)
            return s->valuestring;
    }
    return NULL;
}

static int
inspect(const char *path, int json, uint64_t max_bytes)
{
    struct inspect *in = calloc(1, sizeof(*in));
    char err[MCPD_ERR_LEN];
    cJSON *man = NULL, *out = NULL, *arr = NULL;
    int i, bad = 0, rc;
    struct stat st;

    if (in == NULL)
        return MCPD_EXIT_CANNOT_RUN;
    rc = mcpd_tar_walk(path, max_bytes, inspect_one, in, err);
    if (rc != 0) {
        if (rc < 0) {
            fputs("mcpdiag: ", stderr);
            mcpd_text_fputs(err, stderr);
        } else {
            fputs("mcpdiag: ", stderr);
            mcpd_text_fputs(path, stderr);
            fputs(": archive cut short (damaged or truncated download)",
                  stderr);
        }
        fputc('\n', stderr);
        free(in->manifest);
        free(in);
        return MCPD_EXIT_CANNOT_RUN;
    }
    if (in->manifest)
        man = cJSON_Parse(in->manifest);
    if (json) {
        out = cJSON_CreateObject();
        cJSON_AddStringToObject(out, "bundle", path);
        arr = cJSON_AddArrayToObject(out, "files");
    } else {
        mcpd_text_fputs(path, stdout);
        printf(": %lld bytes, %d files\n",
               stat(path, &st) == 0 ? (long long)st.st_size : -1LL, in->n);
        printf("  %-6s %10s  %-8s %s\n", "mode", "bytes", "sha256",
               "name");
    }
    for (i = 0; i < in->n; i++) {
        struct member *m = &in->m[i];
        const char *want = man ? manifest_sha(man, m->base) : NULL;
        const char *check = strcmp(m->base, "manifest.json") == 0 ? "-" :
                            want == NULL ? "unlisted" :
                            strcmp(want, m->sha) == 0 ? "ok" : "MISMATCH";
        if (strcmp(check, "ok") != 0 && strcmp(check, "-") != 0)
            bad++;
        if (json) {
            cJSON *f = cJSON_CreateObject();
            cJSON_AddStringToObject(f, "name", m->name);
            cJSON_AddNumberToObject(f, "size", (double)m->size);
            cJSON_AddStringToObject(f, "sha256", m->sha);
            cJSON_AddStringToObject(f, "check", check);
            cJSON_AddItemToArray(arr, f);
        } else {
            printf("  %04o %12llu  %-8s ", m->mode,
                   (unsigned long long)m->size, check);
            mcpd_text_fputs(m->name, stdout);
            fputc('\n', stdout);
        }
    }
    if (man == NULL)
        bad++;
    if (json) {
        cJSON_AddItemToObject(out, "manifest", man ? man
                                                   : cJSON_CreateNull());
        man = NULL;
        cJSON_AddBoolToObject(out, "hashes_ok", bad == 0);
        {
            /* Valid UTF-8 and no raw control, whatever the archive
             * holds. */
            char *s = mcpd_json_fix(cJSON_Print(out));
            if (s)
                printf("%s\n", s);
            free(s);
        }
        cJSON_Delete(out);
    } else if (man && text_tree(man) == 0) {
        const cJSON *cap = cJSON_GetObjectItem(man, "capture");
        const cJSON *v;
        v = cJSON_GetObjectItem(man, "target");
        printf("target %s, made %s\n", cJSON_IsString(v) ? v->valuestring
               : "?", cJSON_IsString(cJSON_GetObjectItem(man, "created"))
               ? cJSON_GetObjectItem(man, "created")->valuestring : "?");
        printf("secrets %s; max size %.0f bytes",
               cJSON_IsTrue(cJSON_GetObjectItem(man, "redacted"))
               ? "redacted" : "NOT REDACTED",
               cJSON_IsNumber(cJSON_GetObjectItem(man, "max_size")) ?
               cJSON_GetObjectItem(man, "max_size")->valuedouble : 0.0);
        if (cJSON_IsTrue(cJSON_GetObjectItem(cap, "ran")))
            printf("; capture %.0f of %.0f packets kept%s\n",
                   cJSON_GetNumberValue(cJSON_GetObjectItem(cap,
                                                    "packets_kept")),
                   cJSON_GetNumberValue(cJSON_GetObjectItem(cap,
                                                    "packets_captured")),
                   cJSON_IsTrue(cJSON_GetObjectItem(cap,
                                                    "cut_by_max_size"))
                   ? " (cut by --max-size)" : "");
        else
            printf("; no capture (probe only)\n");
    }
    if (!json) {
        if (in->more)
            printf("  ... and %d more members\n", in->more);
        if (bad)
            printf("%d file%s do not match the manifest%s\n", bad,
                   bad == 1 ? "" : "s", man ? "" : " (no manifest)");
    }
    cJSON_Delete(man);
    free(in->manifest);
    free(in);
    return bad ? MCPD_EXIT_PROBLEM : MCPD_EXIT_OK;
}

/* ---- `mcpdiag analyze BUNDLE.tar.gz`: the stored environment --------- */

/* Print the environment stored in a bundle, in a few lines, next to
 * the verdicts of its capture. 0, or -1 with err set. */
int
mcpd_bundle_print_environment(const char *path, uint64_t max_bytes,
                              FILE *out, char *err)
{
    char *data = NULL;
    size_t len = 0;
    cJSON *env, *os, *l, *it, *fw;
    int n = 0;

    if (mcpd_tar_slurp(path, "environment.json", &data, &len, 8u << 20,
                       max_bytes, err) != 0)
        return -1;
    env = cJSON_Parse(data);
    free(data);
    if (text_tree(env) != 0) {
        cJSON_Delete(env);
        env = NULL;
    }
    if (env == NULL) {
        snprintf(err, MCPD_ERR_LEN, "%.100s: environment.json is not JSON",
                 path);
        return -1;
    }
    os = cJSON_GetObjectItem(env, "os");
    fprintf(out, "Environment stored in the bundle (%s):\n",
            cJSON_IsString(cJSON_GetObjectItem(env, "collected_at")) ?
            cJSON_GetObjectItem(env, "collected_at")->valuestring : "?");
    fprintf(out, "  host %s, %s, kernel %s\n",
            cJSON_IsString(cJSON_GetObjectItem(os, "hostname")) ?
            cJSON_GetObjectItem(os, "hostname")->valuestring : "?",
            cJSON_IsString(cJSON_GetObjectItem(os, "distribution")) ?
            cJSON_GetObjectItem(os, "distribution")->valuestring : "?",
            cJSON_IsString(cJSON_GetObjectItem(os, "kernel")) ?
            cJSON_GetObjectItem(os, "kernel")->valuestring : "?");
    l = cJSON_GetObjectItem(cJSON_GetObjectItem(env, "listeners"),
                            "sockets");
    fprintf(out, "  listeners:");
    cJSON_ArrayForEach(it, l) {
        const cJSON *p = cJSON_GetObjectItem(it, "process");
        fprintf(out, " %s:%d", cJSON_IsString(cJSON_GetObjectItem(it,
                "addr")) ? cJSON_GetObjectItem(it, "addr")->valuestring
                         : "?",
                (int)cJSON_GetNumberValue(cJSON_GetObjectItem(it, "port")));
        if (p)
            fprintf(out, " (pid %d %s)",
                    (int)cJSON_GetNumberValue(cJSON_GetObjectItem(p,
                                                                  "pid")),
                    cJSON_IsString(cJSON_GetObjectItem(p, "command")) ?
                    cJSON_GetObjectItem(p, "command")->valuestring : "?");
        n++;
    }
    fprintf(out, "%s\n", n ? "" : " none");
    fprintf(out, "  proxy variables:");
    n = 0;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(env, "proxy"))
        if (cJSON_IsString(it)) {
            fprintf(out, " %s=%s", it->string, it->valuestring);
            n++;
        }
    fprintf(out, "%s\n", n ? "" : " none");
    fw = cJSON_GetObjectItem(env, "firewall");
    cJSON_ArrayForEach(it, fw) {
        const cJSON *line;
        cJSON_ArrayForEach(line, cJSON_GetObjectItem(it, "lines"))
            if (cJSON_IsString(line) && line->valuestring[0] != '*' &&
                line->valuestring[0] != ':' &&
                !strstr(line->valuestring, "table ") &&
                !strstr(line->valuestring, "chain ") &&
                !strstr(line->valuestring, "policy "))
                fprintf(out, "  firewall (%s): %s\n", it->string,
                        line->valuestring);
    }
    cJSON_Delete(env);
    return 0;
}

/* ---- the command ------------------------------------------------------ */

static void
name_default(struct bundle *b, char *out, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;
    char stamp[32];
    size_t i;

    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    for (i = 0; b->host[i]; i++)
        if (!((b->host[i] >= 'a' && b->host[i] <= 'z') ||
              (b->host[i] >= 'A' && b->host[i] <= 'Z') ||
              (b->host[i] >= '0' && b->host[i] <= '9') ||
              b->host[i] == '-' || b->host[i] == '.'))
            b->host[i] = '_';
    snprintf(out, len, "mcpdiag-bundle-%s-%s.tar.gz", b->host, stamp);
}

/* The member directory: the archive's name without .tar.gz. */
static void
top_dir(const char *path, char *out, size_t len)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    size_t n = strlen(base);

    if (n > 7 && strcmp(base + n - 7, ".tar.gz") == 0)
        n -= 7;
    else if (n > 4 && strcmp(base + n - 4, ".tgz") == 0)
        n -= 4;
    if (n == 0 || n > 100) {
        snprintf(out, len, "mcpdiag-bundle");
        return;
    }
    snprintf(out, len, "%.*s", (int)n, base);
}

static void
run_capture(struct bundle *b, const char *dir, const char *pcap)
{
    const char **argv;
    char snap[16], tmo[32];
    int n = 0, i, ncmd = 0;

    (void)dir;
    while (b->cmd_argv && b->cmd_argv[ncmd])
        ncmd++;
    /* Every one of COMMAND's arguments, after ours. */
    argv = calloc((size_t)ncmd + 16, sizeof(*argv));
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
    b->capture_interrupted = interrupted;
    interrupted = 0;
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

static void
cleanup(struct bundle *b, const char *dir, const char *pcap)
{
    int i;

    if (pcap[0])
        unlink(pcap);
    if (dir[0])
        rmdir(dir);
    mcpd_run_free(&b->cap);
    mcpd_run_free(&b->cmdrun);
    mcpd_run_free(&b->probe);
    for (i = 0; i < b->nfiles; i++)
        if (b->files[i].data != (char *)b->pcap)
            free(b->files[i].data);
    free(b->pcap);
    free(b->flows);
    free(b->analysis);
    cJSON_Delete(b->report);
    cJSON_Delete(b->env);
}

static const char *
diag_cause(const cJSON *d)
{
    const cJSON *c = cJSON_GetObjectItem(d, "cause");

    return cJSON_IsString(c) ? c->valuestring : NULL;
}

int
mcpd_cmd_bundle(int argc, char **argv)
{
    struct bundle *b;
    struct mcpd_user user;
    struct option longopts[24];
    struct sigaction sa;
    char err[MCPD_ERR_LEN], dir[256] = "", pcap[300] = "";
    char outpath[4096], topdir[128];
    const char *out_opt = NULL, *inspect_path = NULL;
    unsigned long long max_archive = MCPD_TAR_DEFAULT_MAX_BYTES;
    int opt, status = MCPD_EXIT_OK, i, no_color = 0, from_config = 0;
    size_t len, others = 0;
    unsigned long long budget;
    off_t size = 0;
    const cJSON *probe;
    const char *cause;
    char *data;

    b = calloc(1, sizeof(*b));
    if (b == NULL) {
        fprintf(stderr, "mcpdiag: out of memory\n");
        return MCPD_EXIT_CANNOT_RUN;
    }
    b->redact = 1;
    b->max_size = DEFAULT_MAX_SIZE;
    mcpd_build_longopts(bundle_options, longopts, 24);
    optind = 1;
    opterr = 0;
    for (;;) {
        while ((opt = getopt_long(argc, argv, "+:o:vqh", longopts,
                                  NULL)) != -1) {
            switch (opt) {
            case 'o': out_opt = optarg; break;
            case OPT_FULL: b->full_payload = 1; break;
            case OPT_NO_REDACT: b->redact = 0; break;
            case OPT_MAX_SIZE:
                if (mcpd_parse_bytes(optarg, 4096, 1ULL << 40,
                                     &b->max_size) != 0) {
                    free(b);
                    return mcpd_usage_error("--max-size wants bytes, at "
                                            "least 4096 (K, M, G "
                                            "suffixes), not '%s': e.g. "
                                            "--max-size 20M", optarg);
                }
                break;
            case OPT_INSPECT: inspect_path = optarg; break;
            case OPT_MAX_ARCHIVE:
                if (mcpd_parse_bytes(optarg, MCPD_TAR_MIN_MAX_BYTES,
                                     MCPD_TAR_MAX_MAX_BYTES,
                                     &max_archive) != 0) {
                    free(b);
                    return mcpd_usage_error("--max-archive-bytes wants "
                                            "bytes, at least 1M (K, M, G "
                                            "suffixes), not '%s'", optarg);
                }
                break;
            case OPT_TIMEOUT: {
                char *end;
                errno = 0;
                b->timeout = strtod(optarg, &end);
                if (errno || *end || end == optarg ||
                    !(b->timeout >= 0.05 && b->timeout <= 600)) {
                    free(b);
                    return mcpd_usage_error("--timeout wants seconds "
                                            "0.05-600, not '%s'", optarg);
                }
                break;
            }
            case OPT_JSON: b->json = 1; break;
            case OPT_FROM_CONFIG: from_config = 1; break;
            case OPT_NO_COLOR: no_color = 1; break;
            case 'v': b->verbose = 1; break;
            case 'q': b->quiet = 1; break;
            case 'h':
                bundle_usage(stdout);
                free(b);
                return MCPD_EXIT_OK;
            case ':':
                free(b);
                return mcpd_usage_error("%s needs a value (see 'mcpdiag "
                                        "bundle --help')",
                                        argv[optind - 1]);
            default:
                free(b);
                return mcpd_usage_error("unknown option '%s' (see "
                                        "'mcpdiag bundle --help')",
                                        argv[optind - 1]);
            }
        }
        if (optind >= argc)
            break;
        if (strcmp(argv[optind - 1], "--") == 0) {
            b->cmd_argv = &argv[optind];
            break;
        }
        if (b->target_text) {
            free(b);
            return mcpd_usage_error("unexpected '%s': put the client "
                                    "command after '--'", argv[optind]);
        }
        b->target_text = argv[optind++];
    }
    (void)no_color;     /* nothing of ours is coloured; children get it */
    if (inspect_path) {
        int json = b->json, extra = b->target_text || b->cmd_argv;
        free(b);
        if (extra)
            return mcpd_usage_error("--inspect takes only the bundle to "
                                    "read");
        if (mcpd_leave_sudo_root(err, sizeof(err)) != 0) {
            fprintf(stderr, "mcpdiag: %s\n", err);
            return MCPD_EXIT_CANNOT_RUN;
        }
        return inspect(inspect_path, json, max_archive);
    }
    if (mcpd_target_parse(b->target_text, &b->target, err) != 0) {
        free(b);
        return mcpd_usage_error("target: %s", err);
    }
    if (mcpd_user_resolve(NULL, &user, err, sizeof(err)) != 0) {
        fprintf(stderr, "mcpdiag: %s\n", err);
        free(b);
        return MCPD_EXIT_CANNOT_RUN;
    }
    {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(b->created, sizeof(b->created), "%Y-%m-%dT%H:%M:%SZ",
                 &tm);
        if (gethostname(b->host, sizeof(b->host)) != 0 || !b->host[0])
            snprintf(b->host, sizeof(b->host), "host");
        b->host[sizeof(b->host) - 1] = '\0';
    }
    if (out_opt)
        snprintf(outpath, sizeof(outpath), "%s", out_opt);
    else
        name_default(b, outpath, sizeof(outpath));
    top_dir(outpath, topdir, sizeof(topdir));
    if (!b->redact)
        fputs(no_redact_warning, stderr);

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    if (mcpd_plat_can_capture()) {
        const char *tmp = getenv("TMPDIR");
        /* Under sudo TMPDIR is the user's to choose, and root must not
         * follow it: /tmp, with a private directory. */
        if (geteuid() == 0 || tmp == NULL || tmp[0] != '/')
            tmp = "/tmp";
        snprintf(dir, sizeof(dir), "%s/mcpdiag-bundle-XXXXXX", tmp);
        if (mkdtemp(dir) == NULL) {
            fprintf(stderr, "mcpdiag: cannot create a private directory "
                    "in %s: %s\n", tmp, strerror(errno));
            free(b);
            return MCPD_EXIT_CANNOT_RUN;
        }
        /* The capture writes its -w file as the user it drops to. */
        if (geteuid() == 0 && user.uid != 0 &&
            chown(dir, user.uid, user.gid) != 0) {
            fprintf(stderr, "mcpdiag: %s: chown: %s\n", dir,
                    strerror(errno));
            rmdir(dir);
            free(b);
            return MCPD_EXIT_CANNOT_RUN;
        }
        snprintf(pcap, sizeof(pcap), "%s/capture.pcap", dir);
        if (!b->quiet)
            fprintf(stderr, "mcpdiag: bundle: capturing while %s runs\n",
                    b->cmd_argv ? b->cmd_argv[0] : "the built-in probe");
        run_capture(b, dir, pcap);
        if (!b->capture_ran)
            fprintf(stderr, "mcpdiag: bundle: %s; the bundle holds the "
                    "probe and the environment only\n", b->capture_reason);
    } else {
        snprintf(b->capture_reason, sizeof(b->capture_reason),
                 "no capture rights (not root, no CAP_NET_RAW)");
        fprintf(stderr, "mcpdiag: bundle: no capture rights: the bundle "
                "holds the probe and the environment only; for the "
                "packets run: sudo mcpdiag bundle ...\n");
        if (b->cmd_argv) {
            if (mcpd_run_child((const char *const *)b->cmd_argv,
                               MCPD_RUN_TEE_STDERR |
                               MCPD_RUN_STDIN, 0, &b->cmdrun) == 0)
                b->cmd_ran = 1;
            interrupted = 0;
        }
    }
    if (!interrupted) {
        if (!b->quiet) {
            char shown[sizeof(b->target.url)];
            snprintf(shown, sizeof(shown), "%s", b->target.url);
            if (b->redact)
                mcpd_redact_str(shown);
            fprintf(stderr, "mcpdiag: bundle: probing %s\n", shown);
        }
        run_probe(b);
    }
    if (!interrupted)
        b->env = mcpd_environment_collect(&b->target, b->redact ?
                                          mcpd_redact_proxy_value : NULL);
    if (b->env != NULL && b->redact)
        mcpd_redact_json(b->env);
    if (interrupted) {
        fprintf(stderr, "mcpdiag: interrupted: no bundle written\n");
        cleanup(b, dir, pcap);
        free(b);
        return MCPD_EXIT_CANNOT_RUN;
    }
    /* Root was for the capture, the SYN probe and the firewall; the
     * archive is written as the user, where the user may write. */
    if (geteuid() == 0 && user.uid != 0 &&
        mcpd_drop_privileges(&user, err, sizeof(err)) != 0) {
        fprintf(stderr, "mcpdiag: giving up privileges: %s\n", err);
        cleanup(b, dir, pcap);
        free(b);
        return MCPD_EXIT_CANNOT_RUN;
    }
    if (b->capture_ran && load_pcap(b, pcap) != 0)
        fprintf(stderr, "mcpdiag: bundle: the capture file could not be "
                "read back; it is left out\n");

    b->report = build_report(b);
    data = build_text(b, &len);
    add_file(b, "report.txt", data, data ? len : 0);
    data = json_text(b->report, &len);
    add_file(b, "report.json", data, data ? len : 0);
    {
        char *html = NULL;
        size_t hl = 0;
        FILE *hf = open_memstream(&html, &hl);
        if (hf) {
            mcpd_html_report(hf, b->report, b->flows, b->nflows);
            fclose(hf);
            if (b->redact && html)
                mcpd_redact((uint8_t *)html, hl);
            add_file(b, "report.html", html, hl);
        }
    }
    data = b->env ? json_text(b->env, &len) : NULL;
    add_file(b, "environment.json", data, data ? len : 0);
#ifdef HAVE_MCPD_DOCTOR
    if (from_config) {
        /* Read as the user (privileges are gone by now); values of
         * headers and variables are never in it. */
        len = 0;
        data = mcpd_doctor_list_json(&len);
        if (data == NULL)
            fprintf(stderr, "mcpdiag: bundle: the server list could not "
                    "be built (out of memory); it is left out\n");
        else
            add_file(b, "servers.json", data, len);
    }
#else
    (void)from_config;
#endif
    /* The cap: what the other files and the archive's own overhead
     * leave is the capture's budget (compression only shrinks text). */
    for (i = 0; i < b->nfiles; i++)
        others += b->files[i].len + 512;
    others += 8192 + 4096;      /* manifest, tar end, gzip framing */
    budget = b->max_size > others ? b->max_size - others : 0;
    budget -= budget / 64;      /* deflate's worst case on noise */
    if (b->pcap) {
        cap_pcap(b, budget > 24 ? (size_t)budget : 24);
        if (b->pcap_kept < b->pcap_len)
            fprintf(stderr, "mcpdiag: bundle: capture cut to %llu of %llu "
                    "packets to stay under --max-size %llu\n",
                    (unsigned long long)b->packets_kept,
                    (unsigned long long)b->packets, b->max_size);
        add_file(b, "capture.pcap", (char *)b->pcap, b->pcap_kept);
    }
    data = build_manifest(b, &len, budget);
    add_file(b, "manifest.json", data, data ? len : 0);

    if (write_archive(b, outpath, topdir, &size, err) != 0) {
        fprintf(stderr, "mcpdiag: %s\n", err);
        cleanup(b, dir, pcap);
        free(b);
        return MCPD_EXIT_CANNOT_RUN;
    }

    probe = cJSON_GetObjectItem(b->report, "probe");
    cause = diag_cause(cJSON_GetObjectItem(b->report, "diagnosis"));
    if ((cause && strcmp(cause, "ok") != 0) ||
        ((cause = diag_cause(cJSON_GetObjectItem(probe, "diagnosis"))) &&
         strcmp(cause, "ok") != 0))
        status = MCPD_EXIT_PROBLEM;
    if (b->json) {
        cJSON *o = cJSON_CreateObject(), *f = cJSON_CreateArray();
        char *s;
        cJSON_AddStringToObject(o, "mcpdiag", MCPD_VERSION);
        cJSON_AddStringToObject(o, "command", "bundle");
        cJSON_AddStringToObject(o, "bundle", outpath);
        cJSON_AddNumberToObject(o, "size", (double)size);
        cJSON_AddBoolToObject(o, "redacted", b->redact);
        cJSON_AddBoolToObject(o, "captured", b->capture_ran);
        for (i = 0; i < b->nfiles; i++)
            cJSON_AddItemToArray(f, cJSON_CreateString(b->files[i].name));
        cJSON_AddItemToObject(o, "files", f);
        {
            cJSON *d = cJSON_GetObjectItem(b->report, "diagnosis");
            cJSON_AddItemToObject(o, "diagnosis", d ? cJSON_Duplicate(d, 1)
                                                    : cJSON_CreateNull());
        }
        s = mcpd_json_fix(cJSON_Print(o));
        if (s)
            printf("%s\n", s);
        free(s);
        cJSON_Delete(o);
    } else {
        const cJSON *d = cJSON_GetObjectItem(b->report, "diagnosis");
        const cJSON *sum = cJSON_GetObjectItem(d, "summary");
        cause = diag_cause(d);
        if (cause && !b->quiet) {
            printf("%s ", strcmp(cause, "ok") ? "\u2717" : "\u2713");
            mcpd_text_fputs(cause, stdout);
            fputs(": ", stdout);
            mcpd_text_fputs(cJSON_IsString(sum) ? sum->valuestring : "",
                            stdout);
            fputc('\n', stdout);
        }
        printf("bundle: %s (%lld bytes: ", outpath, (long long)size);
        for (i = 0; i < b->nfiles; i++)
            printf("%s%s", i ? ", " : "", b->files[i].name);
        printf(")\n");
        if (!b->capture_ran)
            printf("no packets in it: %s\n", b->capture_reason);
    }
    if (!b->redact)
        fputs(no_redact_warning, stderr);
    cleanup(b, dir, pcap);
    free(b);
    return status;
}

/* \summary: `mcpdiag bundle`: capture + probe + environment in one
 * redacted .tar.gz for a support ticket, and `bundle --inspect`. The
 * steps live beside it: bundle_opts.c (the command line), bundle_run.c
 * (the children), bundle_pcap.c (re-analysis), bundle_report.c and
 * bundle_manifest.c (the members and the archive), bundle_inspect.c,
 * bundle_env.c */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "bundle.h"
#include "bundle_int.h"
#include "cli.h"
#include "platform.h"
#include "sanitize.h"

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
    const char *base = mcpd_path_base(path);
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

/* When it is made, on which host, and where it goes. */
static void
name_it(struct bundle *b)
{
    time_t now = time(NULL);
    struct tm tm;

    gmtime_r(&now, &tm);
    strftime(b->created, sizeof(b->created), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (mcpd_plat_hostname(b->host, sizeof(b->host)) != 0 || !b->host[0])
        snprintf(b->host, sizeof(b->host), "host");
    b->host[sizeof(b->host) - 1] = '\0';
    if (b->out_opt)
        snprintf(b->outpath, sizeof(b->outpath), "%s", b->out_opt);
    else
        name_default(b, b->outpath, sizeof(b->outpath));
    top_dir(b->outpath, b->topdir, sizeof(b->topdir));
}

static void
cleanup(struct bundle *b)
{
    int i;

    if (b->pcap_path[0])
        unlink(b->pcap_path);
    if (b->dir[0])
        rmdir(b->dir);
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
    free(b);
}

static const char *
diag_cause(const cJSON *d)
{
    const cJSON *c = cJSON_GetObjectItem(d, "cause");

    return cJSON_IsString(c) ? c->valuestring : NULL;
}

/* A problem when the capture's diagnosis, else the probe's, is not ok. */
static int
exit_status(const struct bundle *b)
{
    const cJSON *probe = cJSON_GetObjectItem(b->report, "probe");
    const char *cause;

    cause = diag_cause(cJSON_GetObjectItem(b->report, "diagnosis"));
    if ((cause && strcmp(cause, "ok") != 0) ||
        ((cause = diag_cause(cJSON_GetObjectItem(probe, "diagnosis"))) &&
         strcmp(cause, "ok") != 0))
        return MCPD_EXIT_PROBLEM;
    return MCPD_EXIT_OK;
}

/* --json: one document naming the bundle, its files and diagnosis. */
static void
print_json(const struct bundle *b, off_t size)
{
    cJSON *o = cJSON_CreateObject(), *f = cJSON_CreateArray();
    const cJSON *d = cJSON_GetObjectItem(b->report, "diagnosis");
    int i;

    cJSON_AddStringToObject(o, "mcpdiag", MCPD_VERSION);
    cJSON_AddStringToObject(o, "command", "bundle");
    cJSON_AddStringToObject(o, "bundle", b->outpath);
    cJSON_AddNumberToObject(o, "size", (double)size);
    cJSON_AddBoolToObject(o, "redacted", b->redact);
    cJSON_AddBoolToObject(o, "captured", b->capture_ran);
    for (i = 0; i < b->nfiles; i++)
        cJSON_AddItemToArray(f, cJSON_CreateString(b->files[i].name));
    cJSON_AddItemToObject(o, "files", f);
    cJSON_AddItemToObject(o, "diagnosis", d ? cJSON_Duplicate(d, 1)
                                            : cJSON_CreateNull());
    mcpd_json_print(o, stdout);
}

/* The verdict line and the bundle's name and members. */
static void
print_text(const struct bundle *b, off_t size)
{
    const cJSON *d = cJSON_GetObjectItem(b->report, "diagnosis");
    const cJSON *sum = cJSON_GetObjectItem(d, "summary");
    const char *cause = diag_cause(d);
    int i;

    if (cause && !b->quiet) {
        printf("%s ", strcmp(cause, "ok") ? "\u2717" : "\u2713");
        mcpd_text_fputs(cause, stdout);
        fputs(": ", stdout);
        mcpd_text_fputs(cJSON_IsString(sum) ? sum->valuestring : "",
                        stdout);
        fputc('\n', stdout);
    }
    printf("bundle: %s (%lld bytes: ", b->outpath, (long long)size);
    for (i = 0; i < b->nfiles; i++)
        printf("%s%s", i ? ", " : "", b->files[i].name);
    printf(")\n");
    if (!b->capture_ran)
        printf("no packets in it: %s\n", b->capture_reason);
}

/* What the command prints at the end, one row per format. */
static void (*const bundle_outputs[])(const struct bundle *, off_t) = {
    print_text,              /* 0: text */
    print_json,              /* 1: --json */
};

/* --inspect FILE: read as the user, never as root. */
static int
inspect_only(struct bundle *b)
{
    char err[MCPD_ERR_LEN];
    const char *path = b->inspect_path;
    unsigned long long max_archive = b->max_archive;
    int json = b->json;

    free(b);
    if (mcpd_leave_sudo_root(err, sizeof(err)) != 0) {
        fprintf(stderr, "mcpdiag: %s\n", err);
        return MCPD_EXIT_CANNOT_RUN;
    }
    return mcpd_bundle_inspect(path, json, max_archive);
}

int
mcpd_cmd_bundle(int argc, char **argv)
{
    struct bundle *b = calloc(1, sizeof(*b));
    struct mcpd_user user;
    char err[MCPD_ERR_LEN];
    off_t size = 0;
    int rc;

    if (b == NULL) {
        fprintf(stderr, "mcpdiag: out of memory\n");
        return MCPD_EXIT_CANNOT_RUN;
    }
    if ((rc = mcpd_bundle_options(b, argc, argv)) != MCPD_BUNDLE_GO) {
        free(b);
        return rc;
    }
    if (b->inspect_path)
        return inspect_only(b);
    if (mcpd_target_parse(b->target_text, &b->target, err) != 0) {
        free(b);
        return mcpd_usage_error("target: %s", err);
    }
    if (mcpd_user_resolve(NULL, &user, err, sizeof(err)) != 0) {
        fprintf(stderr, "mcpdiag: %s\n", err);
        free(b);
        return MCPD_EXIT_CANNOT_RUN;
    }
    name_it(b);
    if (!b->redact)
        fputs(mcpd_bundle_no_redact_warning, stderr);
    mcpd_bundle_catch_signals();
    if (mcpd_bundle_gather(b, &user) != 0) {
        cleanup(b);
        return MCPD_EXIT_CANNOT_RUN;
    }
    /* Root was for the capture, the SYN probe and the firewall; the
     * archive is written as the user, where the user may write. */
    if (geteuid() == 0 && user.uid != 0 &&
        mcpd_drop_privileges(&user, err, sizeof(err)) != 0) {
        fprintf(stderr, "mcpdiag: giving up privileges: %s\n", err);
        cleanup(b);
        return MCPD_EXIT_CANNOT_RUN;
    }
    if (b->capture_ran && mcpd_bundle_load_pcap(b, b->pcap_path) != 0)
        fprintf(stderr, "mcpdiag: bundle: the capture file could not be "
                "read back; it is left out\n");
    mcpd_bundle_assemble(b);
    if (mcpd_bundle_write_archive(b, b->outpath, b->topdir, &size,
                                  err) != 0) {
        fprintf(stderr, "mcpdiag: %s\n", err);
        cleanup(b);
        return MCPD_EXIT_CANNOT_RUN;
    }
    rc = exit_status(b);
    bundle_outputs[b->json ? 1 : 0](b, size);
    if (!b->redact)
        fputs(mcpd_bundle_no_redact_warning, stderr);
    cleanup(b);
    return rc;
}

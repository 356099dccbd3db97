/* \summary: `mcpdiag bundle`'s members: each file with its SHA-256,
 * manifest.json, the capture cut to --max-size, and the archive written
 * atomically */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bundle_int.h"
#include "cli.h"
#ifdef HAVE_MCPD_DOCTOR
#include "doctor.h"
#endif
#include "redact.h"
#include "tarball.h"

static void
sha256_hex(const void *data, size_t len, char out[65])
{
    struct mcpd_sha256 *h = mcpd_sha256_begin();

    mcpd_sha256_add(h, data, len);
    mcpd_sha256_end(h, out);
}

void
mcpd_bundle_add_file(struct bundle *b, const char *name, char *data,
                     size_t len)
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
    s = mcpd_bundle_json_text(m, len);
    cJSON_Delete(m);
    return s;
}

/* servers.json (--from-config): read as the user (privileges are gone
 * by now); values of headers and variables are never in it. */
static void
add_servers(struct bundle *b)
{
#ifdef HAVE_MCPD_DOCTOR
    size_t len = 0;
    char *data;

    if (!b->from_config)
        return;
    data = mcpd_doctor_list_json(&len);
    if (data == NULL)
        fprintf(stderr, "mcpdiag: bundle: the server list could not be "
                "built (out of memory); it is left out\n");
    else
        mcpd_bundle_add_file(b, "servers.json", data, len);
#else
    (void)b;
#endif
}

/* The capture's budget: what the other files and the archive's own
 * overhead leave of --max-size (compression only shrinks text). */
static unsigned long long
capture_budget(const struct bundle *b)
{
    unsigned long long budget;
    size_t others = 0;
    int i;

    for (i = 0; i < b->nfiles; i++)
        others += b->files[i].len + 512;
    others += 8192 + 4096;      /* manifest, tar end, gzip framing */
    budget = b->max_size > others ? b->max_size - others : 0;
    budget -= budget / 64;      /* deflate's worst case on noise */
    return budget;
}

void
mcpd_bundle_assemble(struct bundle *b)
{
    unsigned long long budget;
    size_t len;
    char *data;

    b->report = mcpd_bundle_build_report(b);
    data = mcpd_bundle_build_text(b, &len);
    mcpd_bundle_add_file(b, "report.txt", data, data ? len : 0);
    data = mcpd_bundle_json_text(b->report, &len);
    mcpd_bundle_add_file(b, "report.json", data, data ? len : 0);
    len = 0;
    data = mcpd_bundle_build_html(b, &len);
    if (data)
        mcpd_bundle_add_file(b, "report.html", data, len);
    data = b->env ? mcpd_bundle_json_text(b->env, &len) : NULL;
    mcpd_bundle_add_file(b, "environment.json", data, data ? len : 0);
    add_servers(b);
    budget = capture_budget(b);
    if (b->pcap) {
        mcpd_bundle_cap_pcap(b, budget > 24 ? (size_t)budget : 24);
        if (b->pcap_kept < b->pcap_len)
            fprintf(stderr, "mcpdiag: bundle: capture cut to %llu of %llu "
                    "packets to stay under --max-size %llu\n",
                    (unsigned long long)b->packets_kept,
                    (unsigned long long)b->packets, b->max_size);
        mcpd_bundle_add_file(b, "capture.pcap", (char *)b->pcap,
                             b->pcap_kept);
    }
    data = build_manifest(b, &len, budget);
    mcpd_bundle_add_file(b, "manifest.json", data, data ? len : 0);
}

int
mcpd_bundle_write_archive(struct bundle *b, const char *path,
                          const char *topdir, off_t *size, char *err)
{
    char tmp[4200], name[512];
    struct mcpd_tar_writer *w;
    time_t now = time(NULL);
    int64_t sz = 0;
    int fd, i;

    /* A hidden temporary in the same directory, renamed into place when
     * complete (platform/files.h): Ctrl-C or a crash never leaves a
     * half-written bundle under the real name. Member names use '/'
     * on every OS. */
    fd = mcpd_file_temp_beside(path, tmp, sizeof(tmp), err);
    if (fd < 0)
        return -1;
    w = mcpd_tar_writer_new(fd, err);
    for (i = 0; w && i < b->nfiles && !mcpd_bundle_interrupted; i++) {
        snprintf(name, sizeof(name), "%s/%s", topdir, b->files[i].name);
        if (mcpd_tar_add(w, name, b->files[i].data ? b->files[i].data : "",
                         b->files[i].len, 0600, now, err) != 0)
            break;
    }
    if (w == NULL || i < b->nfiles || mcpd_bundle_interrupted) {
        mcpd_tar_abort(w);
        goto fail;
    }
    if (mcpd_tar_finish(w, err) != 0 || mcpd_bundle_interrupted)
        goto fail;
    if (mcpd_file_commit(fd, tmp, path, &sz, err) != 0)
        return -1;
    *size = (off_t)sz;
    return 0;
fail:
    if (mcpd_bundle_interrupted)
        snprintf(err, MCPD_ERR_LEN, "interrupted: no bundle written");
    mcpd_file_discard(fd, tmp);
    return -1;
}

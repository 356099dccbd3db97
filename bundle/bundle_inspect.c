/* \summary: `mcpdiag bundle --inspect`: a bundle's members and their
 * hashes checked against its manifest, without extracting */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "bundle_int.h"
#include "cli.h"
#include "sanitize.h"
#include "tarball.h"

/* Pass every key and string of a parsed bundle file through the text
 * sanitiser, for printing: a crafted bundle's fields may hold terminal
 * escapes. 0, or -1 when out of memory. */
int
mcpd_bundle_text_tree(cJSON *j)
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
        if (mcpd_bundle_text_tree(c) != 0)
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
    const char *check;       /* ok, MISMATCH, unlisted, - (the manifest) */
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
    struct mcpd_sha256 *md;
    unsigned char buf[65536];
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
    if ((md = mcpd_sha256_begin()) == NULL)
        return 0;
    if (strcmp(e->base, "manifest.json") == 0 && e->size < (1u << 20))
        in->manifest = calloc(1, (size_t)e->size + 1);
    while ((got = mcpd_tar_entry_read(e, buf, sizeof(buf))) > 0) {
        mcpd_sha256_add(md, buf, (size_t)got);
        if (in->manifest && strcmp(e->base, "manifest.json") == 0 &&
            in->manifest_len + (size_t)got <= e->size) {
            memcpy(in->manifest + in->manifest_len, buf, (size_t)got);
            in->manifest_len += (size_t)got;
        }
    }
    mcpd_sha256_end(md, m->sha);
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

/* Each member's hash against the manifest's; how many fail (a missing
 * manifest counts as one). */
static int
check_members(struct inspect *in, const cJSON *man)
{
    int i, bad = man == NULL;

    for (i = 0; i < in->n; i++) {
        struct member *m = &in->m[i];
        const char *want = man ? manifest_sha(man, m->base) : NULL;
        m->check = strcmp(m->base, "manifest.json") == 0 ? "-" :
                   want == NULL ? "unlisted" :
                   strcmp(want, m->sha) == 0 ? "ok" : "MISMATCH";
        if (strcmp(m->check, "ok") != 0 && strcmp(m->check, "-") != 0)
            bad++;
    }
    return bad;
}

/* --json: the members, the manifest as stored, and the verdict. */
static void
inspect_json(const char *path, const struct inspect *in, cJSON *man,
             int bad)
{
    cJSON *out = cJSON_CreateObject(), *arr;
    int i;

    cJSON_AddStringToObject(out, "bundle", path);
    arr = cJSON_AddArrayToObject(out, "files");
    for (i = 0; i < in->n; i++) {
        const struct member *m = &in->m[i];
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "name", m->name);
        cJSON_AddNumberToObject(f, "size", (double)m->size);
        cJSON_AddStringToObject(f, "sha256", m->sha);
        cJSON_AddStringToObject(f, "check", m->check);
        cJSON_AddItemToArray(arr, f);
    }
    cJSON_AddItemToObject(out, "manifest", man ? man : cJSON_CreateNull());
    cJSON_AddBoolToObject(out, "hashes_ok", bad == 0);
    /* Valid UTF-8 and no raw control, whatever the archive holds. */
    mcpd_json_print(out, stdout);
}

/* The manifest's target, date, redaction and capture, escaped. */
static void
manifest_text(const cJSON *man)
{
    const cJSON *cap = cJSON_GetObjectItem(man, "capture");
    const cJSON *v = cJSON_GetObjectItem(man, "target");

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
               cJSON_IsTrue(cJSON_GetObjectItem(cap, "cut_by_max_size"))
               ? " (cut by --max-size)" : "");
    else
        printf("; no capture (probe only)\n");
}

/* The listing for people. */
static void
inspect_text(const char *path, const struct inspect *in, cJSON *man,
             int bad)
{
    struct stat st;
    int i;

    mcpd_text_fputs(path, stdout);
    printf(": %lld bytes, %d files\n",
           stat(path, &st) == 0 ? (long long)st.st_size : -1LL, in->n);
    printf("  %-6s %10s  %-8s %s\n", "mode", "bytes", "sha256", "name");
    for (i = 0; i < in->n; i++) {
        const struct member *m = &in->m[i];
        printf("  %04o %12llu  %-8s ", m->mode,
               (unsigned long long)m->size, m->check);
        mcpd_text_fputs(m->name, stdout);
        fputc('\n', stdout);
    }
    if (man && mcpd_bundle_text_tree(man) == 0)
        manifest_text(man);
    if (in->more)
        printf("  ... and %d more members\n", in->more);
    if (bad)
        printf("%d file%s do not match the manifest%s\n", bad,
               bad == 1 ? "" : "s", man ? "" : " (no manifest)");
    cJSON_Delete(man);
}

/* The output formats of --inspect, one row each (the manifest is the
 * writer's to free). */
static void (*const inspect_outputs[])(const char *, const struct inspect *,
                                       cJSON *, int) = {
    inspect_text,            /* 0: text */
    inspect_json,            /* 1: --json */
};

int
mcpd_bundle_inspect(const char *path, int json, uint64_t max_bytes)
{
    struct inspect *in = calloc(1, sizeof(*in));
    char err[MCPD_ERR_LEN];
    cJSON *man = NULL;
    int bad, rc;

    if (in == NULL)
        return MCPD_EXIT_CANNOT_RUN;
    rc = mcpd_tar_walk(path, max_bytes, inspect_one, in, err);
    if (rc != 0) {
        fputs("mcpdiag: ", stderr);
        if (rc < 0) {
            mcpd_text_fputs(err, stderr);
        } else {
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
    bad = check_members(in, man);
    inspect_outputs[json ? 1 : 0](path, in, man, bad);
    free(in->manifest);
    free(in);
    return bad ? MCPD_EXIT_PROBLEM : MCPD_EXIT_OK;
}

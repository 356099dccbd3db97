/* \summary: a small ustar archive writer and reader over zlib's gzip
 * streams: what the support bundle is written in and read back from */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "bundle.h"
#include "fdutil.h"
#include "mcpd.h"
#include "tarball.h"

#define BLOCK 512

struct mcpd_tar_writer {
    gzFile gz;
};

/* The reader's state behind struct mcpd_tar_entry.priv. */
struct tar_reader {
    gzFile gz;
    uint64_t left;           /* data bytes of the entry not yet read */
    uint64_t pad;            /* zero bytes after it, to the block */
    uint64_t budget;         /* uncompressed bytes it may still read */
    int damaged;
    int over;                /* the budget ran out: a bomb, not damage */
};

static void
octal(char *field, size_t width, uint64_t v)
{
    /* width-1 digits and a NUL, as ustar wants them. */
    size_t i = width - 1;

    field[i] = '\0';
    while (i > 0) {
        field[--i] = (char)('0' + (v & 7));
        v >>= 3;
    }
}

static unsigned
header_sum(const unsigned char *h)
{
    unsigned sum = 0;
    size_t i;

    for (i = 0; i < BLOCK; i++)
        sum += (i >= 148 && i < 156) ? ' ' : h[i];
    return sum;
}

struct mcpd_tar_writer *
mcpd_tar_writer_new(int fd, char *err)
{
    struct mcpd_tar_writer *w = calloc(1, sizeof(*w));
    int dfd;

    if (w == NULL) {
        snprintf(err, MCPD_ERR_LEN, "out of memory");
        return NULL;
    }
    /* gzclose closes what it was given; the caller still needs fd to
     * fsync before the rename, so zlib gets a duplicate. */
    dfd = mcpd_dup_cloexec(fd);
    w->gz = dfd >= 0 ? gzdopen(dfd, "wb9") : NULL;
    if (w->gz == NULL) {
        snprintf(err, MCPD_ERR_LEN, "cannot start gzip stream: %.100s",
                 strerror(errno ? errno : ENOMEM));
        if (dfd >= 0)
            close(dfd);
        free(w);
        return NULL;
    }
    return w;
}

static int
gz_put(struct mcpd_tar_writer *w, const void *p, size_t n, char *err)
{
    const unsigned char *b = p;

    while (n > 0) {
        unsigned chunk = n > (1u << 30) ? (1u << 30) : (unsigned)n;
        int wrote = gzwrite(w->gz, b, chunk);
        if (wrote <= 0) {
            int zerr;
            const char *msg = gzerror(w->gz, &zerr);
            snprintf(err, MCPD_ERR_LEN, "writing the archive: %.100s",
                     zerr == Z_ERRNO ? strerror(errno) : msg);
            return -1;
        }
        b += wrote;
        n -= (size_t)wrote;
    }
    return 0;
}

int
mcpd_tar_add(struct mcpd_tar_writer *w, const char *name, const void *data,
             size_t len, unsigned mode, time_t mtime, char *err)
{
    unsigned char h[BLOCK];
    static const unsigned char zero[BLOCK];
    size_t nl = strlen(name), cut = 0;

    memset(h, 0, sizeof(h));
    if (nl > 100) {
        /* ustar: prefix (155) '/' name (100), split at a slash. */
        const char *s;
        for (s = name + nl - 1; s > name; s--)
            if (*s == '/' && (size_t)(s - name) <= 155 &&
                nl - (size_t)(s - name) - 1 <= 100 &&
                nl - (size_t)(s - name) - 1 > 0) {
                cut = (size_t)(s - name);
                break;
            }
        if (cut == 0) {
            snprintf(err, MCPD_ERR_LEN, "archive member name too long: %.100s",
                     name);
            return -1;
        }
        memcpy(h + 345, name, cut);
        memcpy(h, name + cut + 1, nl - cut - 1);
    } else {
        memcpy(h, name, nl);
    }
    octal((char *)h + 100, 8, mode & 07777);
    octal((char *)h + 108, 8, 0);
    octal((char *)h + 116, 8, 0);
    octal((char *)h + 124, 12, (uint64_t)len);
    octal((char *)h + 136, 12, mtime > 0 ? (uint64_t)mtime : 0);
    h[156] = '0';
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    /* Owner names say nothing useful to the reader of a bundle and
     * would leak local account names: fixed values. */
    memcpy(h + 265, "mcpdiag", 7);
    memcpy(h + 297, "mcpdiag", 7);
    octal((char *)h + 148, 7, header_sum(h));
    h[155] = ' ';
    if (gz_put(w, h, BLOCK, err) != 0 || gz_put(w, data, len, err) != 0)
        return -1;
    if (len % BLOCK && gz_put(w, zero, BLOCK - len % BLOCK, err) != 0)
        return -1;
    return 0;
}

int
mcpd_tar_finish(struct mcpd_tar_writer *w, char *err)
{
    static const unsigned char zero[2 * BLOCK];
    int rc = gz_put(w, zero, sizeof(zero), err), zrc;

    zrc = gzclose(w->gz);
    free(w);
    if (rc == 0 && zrc != Z_OK) {
        snprintf(err, MCPD_ERR_LEN, "finishing the archive: %.100s",
                 zrc == Z_ERRNO ? strerror(errno) : "gzip error");
        return -1;
    }
    return rc;
}

void
mcpd_tar_abort(struct mcpd_tar_writer *w)
{
    if (w) {
        gzclose(w->gz);
        free(w);
    }
}

/* ---- reading ---------------------------------------------------------- */

static int
parse_octal(const unsigned char *f, size_t width, uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;

    while (i < width && f[i] == ' ')
        i++;
    for (; i < width && f[i] >= '0' && f[i] <= '7'; i++) {
        if (v >> 60)
            return -1;
        v = v * 8 + (uint64_t)(f[i] - '0');
    }
    /* Only NUL or space may end the digits (base-256 sizes refused). */
    if (i < width && f[i] != '\0' && f[i] != ' ')
        return -1;
    *out = v;
    return 0;
}

static void
printable(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = '?';
}

/* Every uncompressed byte read is counted against the budget, so no
 * archive makes us inflate more than it allows, whatever it says. */
static int
gz_get(struct tar_reader *r, void *buf, size_t n)
{
    int got;

    if (n > r->budget) {
        r->over = 1;
        return -1;
    }
    got = gzread(r->gz, buf, (unsigned)n);
    if (got > 0)
        r->budget -= (uint64_t)got;
    return got == (int)n ? 0 : -1;
}

static int
skip_bytes(struct tar_reader *r, uint64_t n)
{
    unsigned char buf[65536];

    while (n > 0) {
        size_t chunk = n > sizeof(buf) ? sizeof(buf) : (size_t)n;
        if (gz_get(r, buf, chunk) != 0)
            return -1;
        n -= chunk;
    }
    return 0;
}

long
mcpd_tar_entry_read(struct mcpd_tar_entry *e, void *buf, size_t n)
{
    struct tar_reader *r = e->priv;
    int got;

    if (r->left == 0)
        return 0;
    if (n > r->left)
        n = (size_t)r->left;
    if (n > (1u << 30))
        n = 1u << 30;
    if (n > r->budget) {
        r->over = 1;
        r->damaged = 1;
        return -1;
    }
    got = gzread(r->gz, buf, (unsigned)n);
    if (got <= 0) {
        r->damaged = 1;
        return -1;
    }
    r->left -= (uint64_t)got;
    r->budget -= (uint64_t)got;
    return got;
}

static void
over_budget(const char *path, uint64_t max, char *err)
{
    snprintf(err, MCPD_ERR_LEN, "%.100s: archive expands past %llu MiB: "
             "not an mcpdiag bundle, or a compression bomb "
             "(--max-archive-bytes raises the limit)", path,
             (unsigned long long)(max >> 20));
}


/* The member that header h (member n of path) describes, into *e, and
 * how many data bytes follow it (links and directories carry none,
 * whatever their size says): 0, or -1 with err set. */
static int
header_entry(const unsigned char *h, int n, const char *path,
             struct mcpd_tar_entry *e, uint64_t *data, char *err)
{
    uint64_t size, mode, mtime, sum;
    char nm[101], pre[156];

    if (parse_octal(h + 148, 8, &sum) != 0 || sum != header_sum(h) ||
        parse_octal(h + 124, 12, &size) != 0 ||
        parse_octal(h + 100, 8, &mode) != 0 ||
        parse_octal(h + 136, 12, &mtime) != 0) {
        snprintf(err, MCPD_ERR_LEN, "%.100s: %.100s", path, n ? "damaged "
                 "archive member header" : "not a tar.gz archive");
        return -1;
    }
    memset(e, 0, sizeof(*e));
    memcpy(nm, h, 100);
    nm[100] = '\0';
    memcpy(pre, h + 345, 155);
    pre[155] = '\0';
    if (memcmp(h + 257, "ustar", 5) == 0 && pre[0])
        snprintf(e->name, sizeof(e->name), "%s/%s", pre, nm);
    else
        snprintf(e->name, sizeof(e->name), "%s", nm);
    printable(e->name);
    e->base = strrchr(e->name, '/') ? strrchr(e->name, '/') + 1 : e->name;
    e->size = size;
    e->mode = (unsigned)(mode & 07777);
    e->mtime = (int64_t)mtime;
    e->type = h[156] ? (char)h[156] : '0';
    if (e->type != '0' && e->type != '7')
        size = e->type == '1' || e->type == '2' || e->type == '5' ? 0
                                                                : size;
    *data = size;
    return 0;
}

/* The next member's header into h (member n): 1, 0 at the end-of-archive
 * block, or -1 with err set. */
static int
next_header(struct tar_reader *r, unsigned char *h, int n, const char *path,
            uint64_t max_bytes, char *err)
{
    static const unsigned char zero[BLOCK];

    if (n >= MCPD_TAR_MAX_ENTRIES) {
        snprintf(err, MCPD_ERR_LEN, "%.100s: archive has more than %d "
                 "members: not an mcpdiag bundle", path,
                 MCPD_TAR_MAX_ENTRIES);
        return -1;
    }
    if (gz_get(r, h, BLOCK) != 0) {
        if (r->over)
            over_budget(path, max_bytes, err);
        else
            snprintf(err, MCPD_ERR_LEN, "%.100s: %.100s", path,
                     n ? "archive cut short (truncated download?)"
                       : "not a tar.gz archive");
        return -1;
    }
    return memcmp(h, zero, BLOCK) != 0;
}

int
mcpd_tar_walk(const char *path, uint64_t max_bytes, mcpd_tar_fn fn,
              void *ctx, char *err)
{
    struct tar_reader r;
    unsigned char h[BLOCK];
    struct mcpd_tar_entry e;
    int fd, n, rc = 0, more;

    memset(&r, 0, sizeof(r));
    r.budget = max_bytes;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, MCPD_ERR_LEN, "%.100s: %.100s", path, strerror(errno));
        return -1;
    }
    r.gz = gzdopen(fd, "rb");
    if (r.gz == NULL) {
        close(fd);
        snprintf(err, MCPD_ERR_LEN, "%.100s: cannot read", path);
        return -1;
    }
    gzbuffer(r.gz, 128 * 1024);
    for (n = 0;; n++) {
        uint64_t size;

        more = next_header(&r, h, n, path, max_bytes, err);
        if (more <= 0) {
            rc = more;
            break;
        }
        if (header_entry(h, n, path, &e, &size, err) != 0) {
            rc = -1;
            break;
        }
        r.left = size;
        r.pad = size % BLOCK ? BLOCK - size % BLOCK : 0;
        /* A member bigger than what is left is refused before a byte
         * of it is inflated. */
        if (size + r.pad > r.budget) {
            over_budget(path, max_bytes, err);
            rc = -1;
            break;
        }
        e.priv = &r;
        rc = fn(ctx, &e);
        if (r.over) {
            over_budget(path, max_bytes, err);
            rc = -1;
            break;
        }
        if (rc != 0)
            break;
        if (r.damaged || skip_bytes(&r, r.left + r.pad) != 0) {
            if (r.over)
                over_budget(path, max_bytes, err);
            else
                snprintf(err, MCPD_ERR_LEN,
                         "%.100s: archive cut short inside %.100s",
                         path, e.name);
            rc = -1;
            break;
        }
    }
    gzclose(r.gz);
    return rc;
}

struct slurp {
    const char *base;
    size_t max;
    char *data;
    size_t len;
    int found;
    char msg[MCPD_ERR_LEN];
};

static int
slurp_one(void *ctx, struct mcpd_tar_entry *e)
{
    struct slurp *s = ctx;
    long got;

    if (e->type != '0' || strcmp(e->base, s->base) != 0)
        return 0;
    s->found = 1;
    if (e->size > s->max) {
        snprintf(s->msg, sizeof(s->msg), "%.100s is %llu bytes, more than "
                 "the %zu allowed", e->name, (unsigned long long)e->size,
                 s->max);
        return 2;
    }
    s->data = malloc((size_t)e->size + 1);
    if (s->data == NULL) {
        snprintf(s->msg, sizeof(s->msg), "out of memory");
        return 2;
    }
    while ((got = mcpd_tar_entry_read(e, s->data + s->len,
                                      (size_t)e->size - s->len)) > 0)
        s->len += (size_t)got;
    s->data[s->len] = '\0';
    if (s->len != e->size) {
        snprintf(s->msg, sizeof(s->msg), "%.100s: cut short", e->name);
        return 2;
    }
    return 1;
}

int
mcpd_tar_slurp(const char *path, const char *base, char **data,
               size_t *len, size_t max, uint64_t max_bytes, char *err)
{
    struct slurp s;
    int rc;

    memset(&s, 0, sizeof(s));
    s.base = base;
    s.max = max;
    rc = mcpd_tar_walk(path, max_bytes, slurp_one, &s, err);
    if (rc == 1) {
        *data = s.data;
        *len = s.len;
        return 0;
    }
    free(s.data);
    if (rc == 2)
        snprintf(err, MCPD_ERR_LEN, "%.100s: %.100s", path, s.msg);
    else if (rc == 0)
        snprintf(err, MCPD_ERR_LEN, "%.100s: no %.100s inside: not an mcpdiag "
                 "bundle", path, base);
    return -1;
}

int
mcpd_bundle_load_capture(const char *path, uint64_t max_bytes, char **data,
                         size_t *len, char *err)
{
    if (mcpd_tar_slurp(path, "capture.pcap", data, len,
                       max_bytes > SIZE_MAX - 1 ? SIZE_MAX - 1
                                                : (size_t)max_bytes,
                       max_bytes, err) == 0)
        return 0;
    if (strstr(err, "no capture.pcap inside"))
        snprintf(err, MCPD_ERR_LEN, "%.100s: no capture.pcap inside: not an "
                 "mcpdiag bundle (the probe-only bundles made without "
                 "root have none)", path);
    return -1;
}

/* ---- the bundle as an input source of `mcpdiag analyze` --------------- */

/* A gzip member starts with ID1 ID2 = 1f 8b (RFC 1952 section 2.3.1). */
static int
bundle_claims(const uint8_t *head, size_t n)
{
    return n >= 2 && head[0] == 0x1f && head[1] == 0x8b;
}

static int
bundle_load(const char *path, const struct mcpd_input_opts *o, char **data,
            size_t *len, char *err)
{
    return mcpd_bundle_load_capture(path, o->max_archive_bytes, data, len,
                                    err);
}

static int
bundle_describe(const char *path, const struct mcpd_input_opts *o,
                FILE *out, char *err)
{
    return mcpd_bundle_print_environment(path, o->max_archive_bytes, out,
                                         err);
}

const struct mcpd_input_source mcpd_bundle_input = {
    "bundle", bundle_claims, bundle_load, bundle_describe,
};

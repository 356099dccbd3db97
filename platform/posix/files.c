/* \summary: files written whole, private scratch directories and
 * SHA-256 on POSIX systems (linux, macos, none): mkostemp beside the
 * destination, fsync, rename, the directory synced; mkdtemp; libcrypto */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "files.h"
#include "mcpd.h"

/* The directory part of path ("." without one, "/" for "/x"). */
static void
dir_of(const char *path, char *dir, size_t len)
{
    const char *slash = strrchr(path, '/');

    if (slash == NULL)
        snprintf(dir, len, ".");
    else if (slash == path)
        snprintf(dir, len, "/");
    else
        snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

int
mcpd_file_temp_beside(const char *path, char *tmp, size_t tmplen, char *err)
{
    char dir[4096];
    struct stat st;
    int fd;

    dir_of(path, dir, sizeof(dir));
    if ((size_t)snprintf(tmp, tmplen, "%s/.%s.XXXXXX",
                         strcmp(dir, "/") ? dir : "",
                         mcpd_path_base(path)) >= tmplen) {
        snprintf(err, MCPD_ERR_LEN, "%.100s: path too long", path);
        return -1;
    }
    /* The file replaces a regular file only: never a FIFO, a device or
     * a symlink's target (rename itself follows no link). */
    if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        snprintf(err, MCPD_ERR_LEN, "%.100s exists and is not a regular "
                 "file: not replacing it", path);
        return -1;
    }
    /* mkostemp creates it 0600, O_EXCL. */
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, MCPD_ERR_LEN, "cannot create %.90s in %.90s: %.50s",
                 path, dir, strerror(errno));
        return -1;
    }
    fchmod(fd, 0600);
    return fd;
}

int
mcpd_file_commit(int fd, const char *tmp, const char *path, int64_t *size,
                 char *err)
{
    char dir[4096];
    struct stat st;
    int dfd;

    if (fsync(fd) != 0) {
        snprintf(err, MCPD_ERR_LEN, "%.100s: fsync: %.100s", tmp,
                 strerror(errno));
        mcpd_file_discard(fd, tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        snprintf(err, MCPD_ERR_LEN, "cannot rename to %.100s: %.100s", path,
                 strerror(errno));
        mcpd_file_discard(fd, tmp);
        return -1;
    }
    if (size != NULL && fstat(fd, &st) == 0)
        *size = (int64_t)st.st_size;
    close(fd);
    /* The rename itself is durable once the directory is synced. */
    dir_of(path, dir, sizeof(dir));
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

void
mcpd_file_discard(int fd, const char *tmp)
{
    if (fd >= 0)
        close(fd);
    unlink(tmp);
}

int
mcpd_private_dir(const struct mcpd_user *u, char *dir, size_t len,
                 char *err)
{
    const char *tmp = getenv("TMPDIR");

    /* Under sudo TMPDIR is the user's to choose, and root must not
     * follow it: /tmp, with a private directory. */
    if (geteuid() == 0 || tmp == NULL || tmp[0] != '/')
        tmp = "/tmp";
    snprintf(dir, len, "%s/mcpdiag-bundle-XXXXXX", tmp);
    if (mkdtemp(dir) == NULL) {
        snprintf(err, MCPD_ERR_LEN, "cannot create a private directory "
                 "in %.100s: %.100s", tmp, strerror(errno));
        dir[0] = '\0';
        return -1;
    }
    /* The capture writes its -w file as the user it drops to. */
    if (geteuid() == 0 && u->uid != 0 && chown(dir, u->uid, u->gid) != 0) {
        snprintf(err, MCPD_ERR_LEN, "%.100s: chown: %.100s", dir,
                 strerror(errno));
        rmdir(dir);
        dir[0] = '\0';
        return -1;
    }
    return 0;
}

const char *
mcpd_path_base(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

int
mcpd_path_join(const char *dir, const char *name, char *out, size_t len)
{
    return (size_t)snprintf(out, len, "%s/%s", dir, name) < len ? 0 : -1;
}

int
mcpd_plat_hostname(char *buf, size_t len)
{
    if (len == 0 || gethostname(buf, len) != 0)
        return -1;
    buf[len - 1] = '\0';
    return 0;
}

FILE *
mcpd_memout_open(struct mcpd_memout *m)
{
    m->buf = NULL;
    m->len = 0;
    m->f = open_memstream(&m->buf, &m->len);
    return m->f;
}

char *
mcpd_memout_close(struct mcpd_memout *m, size_t *len)
{
    char *buf;

    *len = 0;
    if (m->f == NULL)
        return NULL;
    fclose(m->f);
    m->f = NULL;
    buf = m->buf;
    m->buf = NULL;
    if (buf != NULL)
        *len = m->len;
    return buf;
}

/* ---- SHA-256: libcrypto ---------------------------------------------- */

struct mcpd_sha256 {
    EVP_MD_CTX *md;
};

struct mcpd_sha256 *
mcpd_sha256_begin(void)
{
    struct mcpd_sha256 *h = calloc(1, sizeof(*h));

    if (h == NULL)
        return NULL;
    h->md = EVP_MD_CTX_new();
    if (h->md == NULL || EVP_DigestInit_ex(h->md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(h->md);
        free(h);
        return NULL;
    }
    return h;
}

void
mcpd_sha256_add(struct mcpd_sha256 *h, const void *data, size_t len)
{
    if (h != NULL && len > 0)
        EVP_DigestUpdate(h->md, data, len);
}

int
mcpd_sha256_end(struct mcpd_sha256 *h, char hex[65])
{
    unsigned char dg[EVP_MAX_MD_SIZE];
    unsigned int n = 0, i;
    int rc = -1;

    hex[0] = '\0';
    if (h == NULL)
        return -1;
    if (EVP_DigestFinal_ex(h->md, dg, &n) == 1 && n == 32) {
        for (i = 0; i < n; i++)
            snprintf(hex + 2 * i, 3, "%02x", dg[i]);
        rc = 0;
    }
    EVP_MD_CTX_free(h->md);
    free(h);
    return rc;
}

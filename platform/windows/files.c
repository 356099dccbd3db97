/* \summary: files written whole, private scratch directories and
 * SHA-256 on Windows: a temporary created new beside the destination,
 * flushed, moved over it (MoveFileEx, write-through); a directory with
 * a random name in the user's temp directory; CNG (BCrypt) */

#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "win.h"
#include <bcrypt.h>

/* Where the directory part of path ends: after its last '\\', '/' or a
 * drive's ':' (path itself when it has none). */
const char *
mcpd_path_base(const char *path)
{
    const char *base = path, *p;

    for (p = path; *p; p++)
        if (*p == '/' || *p == '\\' || (*p == ':' && p == path + 1))
            base = p + 1;
    return base;
}

int
mcpd_path_join(const char *dir, const char *name, char *out, size_t len)
{
    return (size_t)snprintf(out, len, "%s\\%s", dir, name) < len ? 0 : -1;
}

/* Twelve random hex digits (a name no other process guesses). */
static int
random_name(char out[13])
{
    unsigned char r[6];
    int i;

    if (mcpd_plat_random(r, sizeof(r), 0) != 0)
        return -1;
    for (i = 0; i < 6; i++)
        snprintf(out + 2 * i, 3, "%02x", r[i]);
    return 0;
}

int
mcpd_file_temp_beside(const char *path, char *tmp, size_t tmplen, char *err)
{
    const char *base = mcpd_path_base(path);
    DWORD attr = GetFileAttributesA(path);
    char rnd[13];
    HANDLE h = INVALID_HANDLE_VALUE;
    int fd, tries;

    /* Replace a regular file only: never a directory, a device or a
     * reparse point (a symbolic link, a junction). */
    if (attr != INVALID_FILE_ATTRIBUTES &&
        (attr & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT |
                 FILE_ATTRIBUTE_DEVICE))) {
        snprintf(err, MCPD_ERR_LEN, "%.100s exists and is not a regular "
                 "file: not replacing it", path);
        return -1;
    }
    for (tries = 0; tries < 16 && h == INVALID_HANDLE_VALUE; tries++) {
        if (random_name(rnd) != 0) {
            snprintf(err, MCPD_ERR_LEN, "no random bytes for a name");
            return -1;
        }
        if ((size_t)snprintf(tmp, tmplen, "%.*s.%s.%s", (int)(base - path),
                             path, base, rnd) >= tmplen) {
            snprintf(err, MCPD_ERR_LEN, "%.100s: path too long", path);
            return -1;
        }
        /* CREATE_NEW: never an existing file or what a link names. The
         * default security of the directory applies (the user's profile
         * keeps other users out of its temp and documents). */
        h = CreateFileA(tmp, GENERIC_WRITE, 0, NULL, CREATE_NEW,
                        FILE_ATTRIBUTE_HIDDEN, NULL);
        if (h == INVALID_HANDLE_VALUE &&
            GetLastError() != ERROR_FILE_EXISTS) {
            char why[MCPD_ERR_LEN];
            mcpd_win_error(why, sizeof(why), "CreateFile", GetLastError());
            snprintf(err, MCPD_ERR_LEN, "cannot create %.90s: %.100s", path,
                     why);
            return -1;
        }
    }
    if (h == INVALID_HANDLE_VALUE) {
        snprintf(err, MCPD_ERR_LEN, "cannot create %.100s: no free "
                 "temporary name", path);
        return -1;
    }
    fd = _open_osfhandle((intptr_t)h, _O_WRONLY | _O_BINARY);
    if (fd < 0) {
        CloseHandle(h);
        DeleteFileA(tmp);
        snprintf(err, MCPD_ERR_LEN, "%.100s: cannot make a descriptor of "
                 "it", tmp);
        return -1;
    }
    return fd;
}

int
mcpd_file_commit(int fd, const char *tmp, const char *path, int64_t *size,
                 char *err)
{
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    LARGE_INTEGER sz;
    char why[MCPD_ERR_LEN];

    if (h == INVALID_HANDLE_VALUE || !FlushFileBuffers(h)) {
        mcpd_win_error(why, sizeof(why), "FlushFileBuffers", GetLastError());
        snprintf(err, MCPD_ERR_LEN, "%.100s: %.100s", tmp, why);
        mcpd_file_discard(fd, tmp);
        return -1;
    }
    if (size != NULL && GetFileSizeEx(h, &sz))
        *size = (int64_t)sz.QuadPart;
    _close(fd);
    /* The name shown is the destination's: not hidden. */
    SetFileAttributesA(tmp, FILE_ATTRIBUTE_NORMAL);
    if (!MoveFileExA(tmp, path, MOVEFILE_REPLACE_EXISTING |
                                MOVEFILE_WRITE_THROUGH)) {
        mcpd_win_error(why, sizeof(why), "MoveFileEx", GetLastError());
        snprintf(err, MCPD_ERR_LEN, "cannot rename to %.100s: %.100s", path,
                 why);
        DeleteFileA(tmp);
        return -1;
    }
    return 0;
}

void
mcpd_file_discard(int fd, const char *tmp)
{
    if (fd >= 0)
        _close(fd);
    DeleteFileA(tmp);
}

int
mcpd_private_dir(const struct mcpd_user *u, char *dir, size_t len,
                 char *err)
{
    char base[MAX_PATH], rnd[13];
    DWORD n = GetTempPathA(sizeof(base), base);
    int tries;

    /* The capture runs as this same account (Windows has no dropping
     * to another user), so the directory needs no owner of its own. */
    (void)u;
    if (n == 0 || n >= sizeof(base)) {
        snprintf(err, MCPD_ERR_LEN, "no temporary directory (GetTempPath)");
        return -1;
    }
    for (tries = 0; tries < 16; tries++) {
        if (random_name(rnd) != 0)
            break;
        /* GetTempPath's answer ends with a backslash. */
        if ((size_t)snprintf(dir, len, "%smcpdiag-bundle-%s", base, rnd) >=
            len)
            break;
        if (CreateDirectoryA(dir, NULL))
            return 0;
        if (GetLastError() != ERROR_ALREADY_EXISTS) {
            char why[MCPD_ERR_LEN];
            mcpd_win_error(why, sizeof(why), "CreateDirectory",
                           GetLastError());
            snprintf(err, MCPD_ERR_LEN, "cannot create a private directory "
                     "in %.100s: %.100s", base, why);
            dir[0] = '\0';
            return -1;
        }
    }
    snprintf(err, MCPD_ERR_LEN, "cannot create a private directory in "
             "%.100s", base);
    dir[0] = '\0';
    return -1;
}

int
mcpd_plat_hostname(char *buf, size_t len)
{
    /* The DNS host name, as gethostname gives it (no Winsock needed). */
    DWORD n = len > 0xffff ? 0xffff : (DWORD)len;

    if (len == 0 || !GetComputerNameExA(ComputerNameDnsHostname, buf, &n))
        return -1;
    return 0;
}

FILE *
mcpd_memout_open(struct mcpd_memout *m)
{
    char dir[MAX_PATH], path[MAX_PATH];
    HANDLE h;
    int fd;

    memset(m, 0, sizeof(*m));
    /* In the user's temp directory (msvcrt's tmpfile() writes to the
     * drive's root, which users may not), gone when closed. */
    if (GetTempPathA(sizeof(dir), dir) == 0 ||
        GetTempFileNameA(dir, "mcp", 0, path) == 0)
        return NULL;
    h = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL,
                    CREATE_ALWAYS, FILE_ATTRIBUTE_TEMPORARY |
                    FILE_FLAG_DELETE_ON_CLOSE, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        DeleteFileA(path);
        return NULL;
    }
    if ((fd = _open_osfhandle((intptr_t)h, _O_RDWR | _O_BINARY)) < 0) {
        CloseHandle(h);
        return NULL;
    }
    if ((m->f = _fdopen(fd, "w+b")) == NULL)
        _close(fd);
    return m->f;
}

char *
mcpd_memout_close(struct mcpd_memout *m, size_t *len)
{
    char *buf = NULL;
    long end;

    *len = 0;
    if (m->f == NULL)
        return NULL;
    if (fflush(m->f) == 0 && fseek(m->f, 0, SEEK_END) == 0 &&
        (end = ftell(m->f)) >= 0 && fseek(m->f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)end + 1)) != NULL) {
        if (fread(buf, 1, (size_t)end, m->f) == (size_t)end) {
            buf[end] = '\0';
            *len = (size_t)end;
        } else {
            free(buf);
            buf = NULL;
        }
    }
    fclose(m->f);
    m->f = NULL;
    return buf;
}

/* ---- SHA-256: CNG ----------------------------------------------------- */

struct mcpd_sha256 {
    BCRYPT_ALG_HANDLE alg;
    BCRYPT_HASH_HANDLE hash;
    int failed;
};

struct mcpd_sha256 *
mcpd_sha256_begin(void)
{
    struct mcpd_sha256 *h = calloc(1, sizeof(*h));

    if (h == NULL)
        return NULL;
    if (!BCRYPT_SUCCESS(BCryptOpenAlgorithmProvider(
            &h->alg, BCRYPT_SHA256_ALGORITHM, NULL, 0))) {
        free(h);
        return NULL;
    }
    /* The hash object's memory is CNG's own (NULL, 0). */
    if (!BCRYPT_SUCCESS(BCryptCreateHash(h->alg, &h->hash, NULL, 0, NULL,
                                         0, 0))) {
        BCryptCloseAlgorithmProvider(h->alg, 0);
        free(h);
        return NULL;
    }
    return h;
}

void
mcpd_sha256_add(struct mcpd_sha256 *h, const void *data, size_t len)
{
    const unsigned char *p = data;

    while (h != NULL && !h->failed && len > 0) {
        ULONG n = len > (1u << 30) ? (1u << 30) : (ULONG)len;
        if (!BCRYPT_SUCCESS(BCryptHashData(h->hash, (PUCHAR)p, n, 0)))
            h->failed = 1;
        p += n;
        len -= n;
    }
}

int
mcpd_sha256_end(struct mcpd_sha256 *h, char hex[65])
{
    unsigned char dg[32];
    int rc = -1, i;

    hex[0] = '\0';
    if (h == NULL)
        return -1;
    if (!h->failed &&
        BCRYPT_SUCCESS(BCryptFinishHash(h->hash, dg, sizeof(dg), 0))) {
        for (i = 0; i < 32; i++)
            snprintf(hex + 2 * i, 3, "%02x", dg[i]);
        rc = 0;
    }
    BCryptDestroyHash(h->hash);
    BCryptCloseAlgorithmProvider(h->alg, 0);
    free(h);
    return rc;
}

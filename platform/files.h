/* \summary: what the bundle needs of the system to write its archive:
 * files written whole or not at all (a hidden temporary beside the
 * destination, renamed over it when complete), private scratch
 * directories, the last component of a path, the machine's name,
 * streams into memory, and SHA-256 (the member hashes); posix/files.c,
 * windows/files.c */
#ifndef MCPD_PLATFORM_FILES_H
#define MCPD_PLATFORM_FILES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "privs.h"

/*
 * A new hidden temporary file in the directory of `path`, created
 * exclusively, readable by its owner only, for writing (binary); its
 * name into tmp. Refused when path exists and is not a regular file
 * (never replacing a FIFO, a device, a link or a directory). Returns a
 * close-on-exec descriptor, or -1 with err (MCPD_ERR_LEN) set.
 */
int mcpd_file_temp_beside(const char *path, char *tmp, size_t tmplen,
                          char *err);

/*
 * Put the file written on fd (created at tmp by mcpd_file_temp_beside)
 * in place of `path` in one step, made durable first (and the directory
 * after, where the OS can). fd is closed either way; tmp is removed on
 * failure. *size (when not NULL) is the file's size. 0, or -1 with err
 * (MCPD_ERR_LEN) set.
 */
int mcpd_file_commit(int fd, const char *tmp, const char *path,
                     int64_t *size, char *err);

/* Give up such a file: fd closed (when >= 0), tmp removed. */
void mcpd_file_discard(int fd, const char *tmp);

/*
 * A new private directory for scratch files (the capture's -w file) in
 * the system's temporary directory, one that user u (who the capture
 * continues as) may write; its path into dir. 0, or -1 with err
 * (MCPD_ERR_LEN) set.
 */
int mcpd_private_dir(const struct mcpd_user *u, char *dir, size_t len,
                     char *err);

/* The last component of a path ("a/b.tar.gz" -> "b.tar.gz"; on Windows
 * '\\' and a drive's ':' separate as well). */
const char *mcpd_path_base(const char *path);

/* dir and name joined by this OS's separator into out ('/'; '\\' on
 * Windows). 0, or -1 when it does not fit. */
int mcpd_path_join(const char *dir, const char *name, char *out,
                   size_t len);

/* This machine's host name into buf (NUL-terminated, cut to len). 0, or
 * -1 when it has none to give. */
int mcpd_plat_hostname(char *buf, size_t len);

/* ---- streams into memory -------------------------------------------- */

/* A stream whose bytes end up in memory: open_memstream on POSIX, a
 * temporary file deleted on close on Windows (which has none). */
struct mcpd_memout {
    FILE *f;
    char *buf;
    size_t len;
};

/* Start one: its stream, or NULL (no memory, no temporary file). */
FILE *mcpd_memout_open(struct mcpd_memout *m);

/* Close the stream; everything written, NUL-terminated (free it), its
 * length in *len; NULL (and *len 0) when it cannot be had. */
char *mcpd_memout_close(struct mcpd_memout *m, size_t *len);

/* ---- SHA-256 ---------------------------------------------------------- */

struct mcpd_sha256;

/* A new hash, or NULL (no memory, or the library refuses). */
struct mcpd_sha256 *mcpd_sha256_begin(void);

/* Hash len more bytes (h may be NULL: nothing happens). */
void mcpd_sha256_add(struct mcpd_sha256 *h, const void *data, size_t len);

/* The digest as 64 lowercase hex digits into hex, h freed. 0, or -1
 * with hex "" (h NULL, or the library failed). */
int mcpd_sha256_end(struct mcpd_sha256 *h, char hex[65]);

#endif

/* \summary: a small ustar archive writer and reader, gzip-compressed with
 * zlib: the support bundle's container */
#ifndef MCPD_TARBALL_H
#define MCPD_TARBALL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "input.h"

/* Limits a hostile archive cannot push us past: members, and (by
 * default; --max-archive-bytes) uncompressed bytes read, a few times
 * the largest bundle mcpdiag writes by default (50 MiB). */
#define MCPD_TAR_MAX_ENTRIES 256
#define MCPD_TAR_DEFAULT_MAX_BYTES MCPD_INPUT_ARCHIVE_DEFAULT
#define MCPD_TAR_NAME_LEN 257    /* prefix + '/' + name + NUL */

struct mcpd_tar_writer;

/*
 * Start a gzip-compressed ustar stream on `fd` (which stays open and
 * the caller's: it fsyncs and closes it after mcpd_tar_finish). NULL
 * with err (MCPD_ERR_LEN bytes) set on failure.
 */
struct mcpd_tar_writer *mcpd_tar_writer_new(int fd, char *err);

/* One regular file. Names longer than 100 bytes use the ustar prefix. */
int mcpd_tar_add(struct mcpd_tar_writer *w, const char *name,
                 const void *data, size_t len, unsigned mode,
                 time_t mtime, char *err);

/* The two zero blocks, the gzip trailer; frees w. 0 or -1 with err. */
int mcpd_tar_finish(struct mcpd_tar_writer *w, char *err);

/* Drop a half-written stream (on Ctrl-C); frees w. */
void mcpd_tar_abort(struct mcpd_tar_writer *w);

/* One member as the reader sees it. */
struct mcpd_tar_entry {
    char name[MCPD_TAR_NAME_LEN];   /* control bytes replaced by '?' */
    const char *base;        /* last path component of name */
    uint64_t size;
    unsigned mode;
    int64_t mtime;
    char type;               /* '0' regular, '5' directory, ... */
    void *priv;              /* reader state */
};

/*
 * Read up to n bytes of the entry's data; returns bytes read, 0 at its
 * end, -1 on a damaged archive. What the callback leaves unread is
 * skipped.
 */
long mcpd_tar_entry_read(struct mcpd_tar_entry *e, void *buf, size_t n);

/* Return 0 to go on, non-zero to stop (that value is returned). */
typedef int (*mcpd_tar_fn)(void *ctx, struct mcpd_tar_entry *e);

/*
 * Walk every member of a .tar.gz (or plain .tar), as a stream: nothing
 * is written anywhere. At most max_bytes uncompressed bytes are read
 * (headers, data and what is skipped) and MCPD_TAR_MAX_ENTRIES members.
 * Returns 0 at the end of the archive, the callback's non-zero value
 * when it stopped, or -1 with err set when the file is unreadable, not
 * a tar archive or past a limit ("FILE: archive expands past N MiB:
 * ...").
 */
int mcpd_tar_walk(const char *path, uint64_t max_bytes, mcpd_tar_fn fn,
                  void *ctx, char *err);

/* The bounds of --max-archive-bytes: at least 1 MiB, at most 4 TiB. */
#define MCPD_TAR_MIN_MAX_BYTES MCPD_INPUT_ARCHIVE_MIN
#define MCPD_TAR_MAX_MAX_BYTES MCPD_INPUT_ARCHIVE_MAX

/*
 * The member whose last path component is `base`, read into a new
 * NUL-terminated buffer (free it) of at most `max` bytes, the walk
 * bounded by max_bytes. 0, or -1 with err set (missing, too big,
 * damaged).
 */
int mcpd_tar_slurp(const char *path, const char *base, char **data,
                   size_t *len, size_t max, uint64_t max_bytes, char *err);


/*
 * `mcpdiag analyze BUNDLE.tar.gz`: the bundle's capture.pcap, read into
 * memory (free it) by a walk bounded by max_bytes; never written to
 * disk. 0, or -1 with err (MCPD_ERR_LEN) set to one line.
 */
int mcpd_bundle_load_capture(const char *path, uint64_t max_bytes,
                             char **data, size_t *len, char *err);

/*
 * The bundle as a source of `mcpdiag analyze` (input.h): a gzip file is
 * read through its capture.pcap, and the environment it recorded is
 * printed after a text report. mcpdiag registers it at start-up.
 */
extern const struct mcpd_input_source mcpd_bundle_input;

#endif

/* \summary: the kinds of file `mcpdiag analyze` reads: pcap and pcapng,
 * and sources other parts register (a support bundle's archive) */
#ifndef MCPD_INPUT_H
#define MCPD_INPUT_H

/*
 * A table of input sources, like zmap's module registries: analyze looks
 * at the first bytes of each file and asks each row in turn whether the
 * file is of its kind. pcap and pcapng are built in and read by
 * reader.c straight from the file. Other sources (the support bundle)
 * are registered by their own code at start-up, so the core names none
 * of them and depends on none: they depend on it.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* --max-archive-bytes: what an archive source may expand to. At least
 * 1 MiB, at most 4 TiB; by default a few times the largest bundle
 * mcpdiag writes (50 MiB). */
#define MCPD_INPUT_ARCHIVE_DEFAULT (256ULL << 20)
#define MCPD_INPUT_ARCHIVE_MIN     (1ULL << 20)
#define MCPD_INPUT_ARCHIVE_MAX     (1ULL << 42)

/* Limits the command line sets for every source. */
struct mcpd_input_opts {
    uint64_t max_archive_bytes;      /* uncompressed bytes read at most */
};

/* Bytes of a file's start a source gets to recognise it by. */
#define MCPD_INPUT_HEAD 8

struct mcpd_input_source {
    const char *name;        /* "pcap", "pcapng", "bundle" */
    /* Whether a file starting with head[0..n) is of this kind. */
    int (*claims)(const uint8_t *head, size_t n);
    /* NULL: reader.c reads the file itself. Else the capture inside
     * the file, read into memory (*data: free it). 0, or -1 with err
     * (MCPD_ERR_LEN) set to one line. */
    int (*load)(const char *path, const struct mcpd_input_opts *o,
                char **data, size_t *len, char *err);
    /* NULL, or what the file holds besides packets, printed after a
     * text report. 0, or -1 with err set. */
    int (*describe)(const char *path, const struct mcpd_input_opts *o,
                    FILE *out, char *err);
};

/* Registered sources at most (besides pcap and pcapng). */
#define MCPD_INPUT_MAX_SOURCES 8

/* Add a source, asked after those before it. 0, or -1 when the table is
 * full. Registering the same row twice adds it once. */
int mcpd_input_register(const struct mcpd_input_source *src);

/* The source whose kind a file starting with head[0..n) is; NULL when
 * none claims it (the reader then names the problem). */
const struct mcpd_input_source *mcpd_input_identify(const uint8_t *head,
                                                    size_t n);

#endif

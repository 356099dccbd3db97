/* \summary: read saved captures (pcap, pcapng) as one time-ordered stream */
#ifndef MCPD_READER_H
#define MCPD_READER_H

#include <signal.h>
#include "flow.h"
#include "mcpd.h"
#include "report.h"

struct mcpd_reader;

/*
 * Open every file ("-" is standard input). On failure returns a code and
 * err names the file and the problem in one line; nothing stays open.
 * `info` receives the file names and link types for the report.
 */
enum mcpd_code mcpd_reader_open(struct mcpd_reader **out,
                                const char *const *files, int nfiles,
                                struct mcpd_input_info *info, char *err);

/*
 * Feed every packet, oldest first across files, to the tracker. Stops
 * early when *stop becomes non-zero. Returns MCPD_OK, or MCPD_E_FORMAT
 * with err set when a file turned out damaged part-way (the packets
 * before the damage have been fed). `progress` shows a progress line on
 * stderr for long inputs.
 */
enum mcpd_code mcpd_reader_run(struct mcpd_reader *rd,
                               struct mcpd_flowtab *tab,
                               volatile sig_atomic_t *stop, int progress,
                               char *err);

/*
 * The same, where some files are already in memory (a bundle's
 * capture.pcap, read from its archive): mem[i].data, when not NULL, is
 * read in place of opening files[i], which names it in messages. The
 * memory must outlive the reader.
 */
struct mcpd_reader_mem {
    const void *data;
    size_t len;
};
enum mcpd_code mcpd_reader_open_mem(struct mcpd_reader **out,
                                    const char *const *files,
                                    const struct mcpd_reader_mem *mem,
                                    int nfiles,
                                    struct mcpd_input_info *info,
                                    char *err);

void mcpd_reader_close(struct mcpd_reader *rd);

#endif

/* \summary: every size and time limit of the core, in one place */
#ifndef MCPD_LIMITS_H
#define MCPD_LIMITS_H

/*
 * Connections held in memory at once. Each costs about 300 bytes, so the
 * default keeps the table near 45 MiB; past it the connection idle the
 * longest is emitted early and counted as evicted in the report.
 */
#define MCPD_MAX_FLOWS_DEFAULT 150000u

/*
 * How long an unanswered or unfinished handshake may stay silent before
 * its verdict is final. SYN retransmissions back off up to 32 s apart on
 * Linux and macOS (1, 2, 4, 8, 16, 32 s), so 65 s of silence means the
 * client has given up; a shorter value would split one connect() into
 * several connections.
 */
#define MCPD_HANDSHAKE_IDLE_NS (65LL * 1000000000LL)

/*
 * After a RST or the second FIN, keep the connection this long so the
 * last ACK or a retransmitted FIN is not taken for a new connection.
 */
#define MCPD_LINGER_NS (2LL * 1000000000LL)

/* Packets of each connection kept for its ladder diagram. */
#define MCPD_LADDER_STEPS 8

/* Distinct server endpoints tracked for the text report. */
#define MCPD_MAX_SERVERS 1024

#endif

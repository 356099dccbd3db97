/* \summary: recognise the first bytes of a TCP stream (HTTP, TLS) */
#ifndef MCPD_SNIFF_H
#define MCPD_SNIFF_H

#include <stdint.h>

struct mcpd_flow;

/*
 * Look at the first captured payload of one side of a connection, once
 * per side: HTTP request line (method and path, query dropped so tokens
 * in URLs are never stored), HTTP status code, or a TLS record.
 */
void mcpd_sniff_payload(struct mcpd_flow *f, int from_client,
                        const uint8_t *data, uint32_t len);

/*
 * Follow one side of the stream beyond its first bytes (every segment):
 * TLS records (handshake progress, plaintext alerts) and HTTP responses
 * (complete or not). `in_order` says the segment continues the stream
 * exactly (0: after a gap; a retransmission is passed with len 0); `len`
 * is its payload length, `cap` of which were captured;
 * `closing` says it carries FIN or RST.
 */
void mcpd_sniff_stream(struct mcpd_flow *f, int from_client, int in_order,
                       int64_t ts_ns, const uint8_t *data, uint32_t cap,
                       uint32_t len, int closing);

/* The name of a TLS alert description (RFC 8446 section 6). */
const char *mcpd_tls_alert_name(uint8_t desc);

/* A client alert that rejects the server's certificate. */
int mcpd_tls_alert_is_cert(uint8_t desc);

#endif

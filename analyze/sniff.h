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

#endif

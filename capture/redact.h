/* \summary: redaction of secrets (credentials, tokens, session ids) in
 * text, JSON and captured packet payloads, lengths kept */
#ifndef MCPD_REDACT_H
#define MCPD_REDACT_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

/* The byte secrets are overwritten with: lengths stay, so a packet's
 * TCP and IP lengths still hold and the capture stays valid. */
#define MCPD_REDACT_CHAR 'x'

/*
 * Overwrite, in place, every secret in buf[0..len): the values of
 * Authorization, Proxy-Authorization, Cookie, Set-Cookie,
 * Mcp-Session-Id, X-Api-Key and similar headers (or key=value / "key":
 * "value" forms), bearer tokens, the userinfo of URLs
 * (scheme://user:pass@host), and the values of query parameters whose
 * names say token, key, secret, password, auth, session, sig or code.
 * A value cut by the end of the buffer (a packet cut by the snaplen) is
 * redacted up to the end. Returns the number of secrets overwritten.
 */
size_t mcpd_redact(uint8_t *buf, size_t len);

/* A NUL-terminated string; same rules. */
size_t mcpd_redact_str(char *s);

/*
 * A proxy variable's value (http_proxy and friends), which may lack a
 * scheme ("user:pw@proxy:3128"): userinfo overwritten as well.
 */
size_t mcpd_redact_proxy_value(char *s);

/*
 * Every string in a JSON tree: the rules above, and the whole value of
 * a member whose key names a secret ("authorization", "cookie",
 * "session_id", "token", "password", ...). Returns the count.
 */
size_t mcpd_redact_json(cJSON *node);

/*
 * A classic pcap file image in memory (as mcpdiag capture writes it):
 * the TCP payload of every packet, in place. Packets are decoded with
 * the core's decoder so no header byte is touched. A secret header
 * whose value continues into the next segment of the same connection
 * is followed there. Returns the count, or -1 when buf is not a pcap
 * image (err set, MCPD_ERR_LEN).
 */
long mcpd_redact_pcap(uint8_t *buf, size_t len, char *err);

#endif

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
 * True when a name (an HTTP header, a JSON key, an environment variable,
 * an option) says its value is a secret: it holds auth, token, secret,
 * passw(or)d, api key (any separator), session, cookie, credential,
 * private or signature, in any case ("X-Goog-Api-Key", "githubToken",
 * "OPENAI_API_KEY"), or is one of a few short names (key, pass, pwd,
 * jwt, sid). The one place that decides.
 */
int mcpd_secret_name(const char *name, size_t len);

/*
 * Overwrite, in place, every secret in buf[0..len): the value of every
 * secret name (above) written "Name: value", "NAME=value" or
 * "\"name\": \"value\"", bearer tokens, the userinfo of URLs
 * (scheme://user:pass@host), and the values of query parameters whose
 * names say token, key, secret, password, auth, session, sig or code.
 * The scheme of an Authorization value ("Bearer") is kept. Returns the
 * number of secrets overwritten.
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
 * a member whose key is a secret name (every string under it). Returns
 * the count.
 */
size_t mcpd_redact_json(cJSON *node);

/*
 * A command line (a JSON array of its arguments), in place: the values
 * of curl's -u/--user, -U/--proxy-user, -b/--cookie, --oauth2-bearer
 * and of any --NAME whose name is secret, then the rules above in each
 * argument (-H 'Authorization: ...', NAME=value, URL userinfo, query
 * secrets). An argument that is a shell command ("sh -c '...'") is
 * read word by word. Returns the count.
 */
size_t mcpd_redact_command(cJSON *args);

/*
 * A classic pcap file image in memory (as mcpdiag capture writes it):
 * the TCP payload of every packet, in place, lengths kept. Packets are
 * decoded with the core's decoder so no header byte is touched. Each
 * direction of a connection is reassembled (by sequence number) before
 * it is redacted, so a header name or value split across segments is
 * found. A stream that is not HTTP/1 (TLS, HTTP/2 including h2c, any
 * other protocol), and what follows a CONNECT, an Upgrade or an
 * HTTP/2 preface, keeps no byte: zero-filled (a TLS stream keeps its
 * first record header, 5 bytes of type, version and length, so it is
 * still recognised as TLS). Returns the count, or -1
 * when buf is not a pcap image (err set, MCPD_ERR_LEN).
 */
long mcpd_redact_pcap(uint8_t *buf, size_t len, char *err);

#endif

/* \summary: recognise the first bytes of a TCP stream (HTTP, TLS) */

#include <string.h>
#include "flow.h"
#include "sanitize.h"
#include "sniff.h"

/* RFC 9110 methods an MCP client or a proxy sends. */
static const char *const http_methods[] = {
    "GET ", "POST ", "PUT ", "DELETE ", "HEAD ", "OPTIONS ", "PATCH ",
    "CONNECT ",
};

static int
is_tls_record(const uint8_t *d, uint32_t len)
{
    /* RFC 8446 section 5.1: content type 20..23 (change_cipher_spec,
     * alert, handshake, application_data), then version 3.x. */
    return len >= 3 && d[0] >= 20 && d[0] <= 23 && d[1] == 3 && d[2] <= 4;
}

static int
digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* Copy "METHOD /path" into f->http_req, stopping at '?', '#' or space
 * so credentials in query strings are never kept. */
static void
keep_request_line(struct mcpd_flow *f, const uint8_t *d, uint32_t len,
                  size_t mlen)
{
    size_t o = 0, i, skip_to = 0;

    /* An absolute-form target (to a proxy) may carry user:password@
     * after "://": find the last '@' before the path and skip it. */
    for (i = mlen; i + 2 < len && d[i] != ' ' && d[i] != '/'; i++)
        if (d[i] == ':' && d[i + 1] == '/' && d[i + 2] == '/') {
            size_t j;
            for (j = i + 3; j < len && d[j] != '/' && d[j] != ' ' &&
                            d[j] != '?' && d[j] != '#'; j++)
                if (d[j] == '@')
                    skip_to = j + 1;
            if (skip_to) {
                /* Keep "GET http://", drop "user:pw@". */
                for (j = 0; j < i + 3 && o + 1 < sizeof(f->http_req); j++)
                    f->http_req[o++] = (char)d[j];
            }
            break;
        }
    for (i = skip_to; i < len && o + 1 < sizeof(f->http_req); i++) {
        uint8_t c = d[i];
        if (i >= mlen && (c == ' ' || c == '?' || c == '#'))
            break;
        if (c < 0x20 || c > 0x7e)
            break;
        f->http_req[o++] = (char)c;
    }
    f->http_req[o] = '\0';
    /* The scheme part before "://" was copied as it came. */
    mcpd_text_sanitize(f->http_req, sizeof(f->http_req));
}

void
mcpd_sniff_payload(struct mcpd_flow *f, int from_client, const uint8_t *d,
                   uint32_t len)
{
    uint8_t *slot = from_client ? &f->cli_sniff : &f->srv_sniff;
    size_t i;

    if (*slot != MCPD_SNIFF_NONE || len == 0)
        return;
    *slot = MCPD_SNIFF_OTHER;
    if (is_tls_record(d, len)) {
        *slot = MCPD_SNIFF_TLS;
        return;
    }
    if (from_client) {
        for (i = 0; i < sizeof(http_methods) / sizeof(http_methods[0]);
             i++) {
            size_t ml = strlen(http_methods[i]);
            if (len >= ml && memcmp(d, http_methods[i], ml) == 0) {
                *slot = MCPD_SNIFF_HTTP_REQ;
                keep_request_line(f, d, len, ml);
                return;
            }
        }
        return;
    }
    /* "HTTP/1.1 404 " : status at offset 9. */
    if (len >= 12 && memcmp(d, "HTTP/", 5) == 0 && d[8] == ' ' &&
        digit(d[9]) && digit(d[10]) && digit(d[11])) {
        *slot = MCPD_SNIFF_HTTP_RESP;
        f->http_status = (uint16_t)((d[9] - '0') * 100 + (d[10] - '0') * 10 +
                                    (d[11] - '0'));
    }
}

/* \summary: recognise the first bytes of a TCP stream (HTTP, TLS) */

#include <stdlib.h>
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

/* ---- beyond the first bytes: TLS records and HTTP responses --------- */

#define TLS_CCS 20
#define TLS_ALERT 21
#define TLS_HANDSHAKE 22
#define TLS_APPDATA 23
#define TLS_MAX_RECORD (16384 + 2048)  /* RFC 5246 6.2.3 ciphertext bound */
/* An encrypted TLS 1.3 alert: 2 bytes, the inner type, a 16-byte tag. */
#define TLS13_ALERT_LEN 19

const char *
mcpd_tls_alert_name(uint8_t desc)
{
    switch (desc) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 22: return "record_overflow";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
    default: return "alert";
    }
}

int
mcpd_tls_alert_is_cert(uint8_t desc)
{
    return desc == 42 || desc == 43 || desc == 44 || desc == 45 ||
           desc == 46 || desc == 48;
}

static struct mcpd_stream *
stream_of(struct mcpd_flow *f)
{
    if (f->stream == NULL)
        f->stream = calloc(1, sizeof(*f->stream));
    return f->stream;
}

/* One record's header `h` (and up to two body bytes) from one side. */
static void
tls_record(struct mcpd_stream *s, int from_client, const uint8_t *h,
           uint16_t rlen)
{
    struct mcpd_tls_dir *d = &s->tls[from_client ? 0 : 1];

    switch (h[0]) {
    case TLS_CCS:
        d->ccs = 1;
        break;
    case TLS_ALERT:
        /* Before its change_cipher_spec a side's alerts are plaintext;
         * after it they are encrypted (TLS 1.2) and unreadable. */
        if (!d->ccs && rlen >= 2 && s->alert_from == 0) {
            s->alert_from = from_client ? 1 : 2;
            s->alert_level = h[5];
            s->alert_desc = h[6];
        }
        break;
    case TLS_HANDSHAKE:
        if (d->first_hs == 0 && rlen >= 1)
            d->first_hs = (uint8_t)(h[5] + 1);
        if (d->ccs)
            d->finished = 1;
        break;
    case TLS_APPDATA:
        if (d->app < UINT8_MAX)
            d->app++;
        if (rlen != TLS13_ALERT_LEN && d->app_long < UINT8_MAX)
            d->app_long++;
        break;
    }
}

static int
tls_header_ok(const uint8_t *h)
{
    return h[0] >= TLS_CCS && h[0] <= TLS_APPDATA && h[1] == 3 && h[2] <= 4 &&
           (((uint32_t)h[3] << 8) | h[4]) <= TLS_MAX_RECORD;
}

/*
 * Walk the records of one segment. Record bodies are skipped by their
 * length, so a cut payload only matters where a header falls in the cut;
 * the walk then waits for a segment that starts with a record header
 * (TLS stacks write whole records).
 */
static void
tls_walk(struct mcpd_stream *s, int from_client, int in_order,
         const uint8_t *data, uint32_t cap, uint32_t len)
{
    struct mcpd_tls_dir *d = &s->tls[from_client ? 0 : 1];
    uint32_t off = 0;

    if (!in_order) {
        d->lost = 1;
        return;
    }
    if (d->lost) {
        if (cap < 5 || !tls_header_ok(data))
            return;
        d->lost = 0;
        d->skip = 0;
        d->have = 0;
    }
    while (off < len) {
        uint32_t n;
        if (d->skip) {
            n = len - off < d->skip ? len - off : d->skip;
            d->skip = (uint16_t)(d->skip - n);
            off += n;
            continue;
        }
        if (off >= cap) {
            d->lost = 1;
            return;
        }
        /* Gather the 5-byte header, then up to 2 body bytes. */
        while (d->have < 5 && off < cap && off < len)
            d->hdr[d->have++] = data[off++];
        if (d->have < 5) {
            if (off < len)
                d->lost = 1;
            return;
        }
        if (!tls_header_ok(d->hdr)) {
            d->lost = 1;
            return;
        }
        {
            uint16_t rlen = (uint16_t)((d->hdr[3] << 8) | d->hdr[4]);
            uint16_t want = rlen < 2 ? rlen : 2;
            while (d->have < 5 + want && off < cap && off < len)
                d->hdr[d->have++] = data[off++];
            if (d->have < 5 + want) {
                if (off < len)
                    d->lost = 1;   /* body bytes cut off */
                return;            /* else: continues in the next one */
            }
            tls_record(s, from_client, d->hdr, rlen);
            d->skip = (uint16_t)(rlen - want);
            d->have = 0;
        }
    }
}

/* Case-insensitive search for header `name` (with its colon) in the
 * header block [p, end); returns its value or NULL. */
static const uint8_t *
find_header(const uint8_t *p, const uint8_t *end, const char *name)
{
    size_t n = strlen(name);
    const uint8_t *q;

    for (q = p; q + 2 + n <= end; q++) {
        size_t i;
        if (q[0] != '\r' || q[1] != '\n')
            continue;
        for (i = 0; i < n; i++) {
            uint8_t c = q[2 + i];
            if (c >= 'A' && c <= 'Z')
                c = (uint8_t)(c + 32);
            if (c != (uint8_t)name[i])
                break;
        }
        if (i == n) {
            q += 2 + n;
            while (q < end && (*q == ' ' || *q == '\t'))
                q++;
            return q;
        }
    }
    return NULL;
}

static int
value_has(const uint8_t *v, const uint8_t *end, const char *word)
{
    size_t n = strlen(word), i;

    for (; v + n <= end && *v != '\r'; v++) {
        for (i = 0; i < n; i++) {
            uint8_t c = v[i];
            if (c >= 'A' && c <= 'Z')
                c = (uint8_t)(c + 32);
            if (c != (uint8_t)word[i])
                break;
        }
        if (i == n)
            return 1;
    }
    return 0;
}

/*
 * A segment starting a response: read its headers (they must be in the
 * captured bytes) and set how its end will show.
 * A body that starts in the same segment counts.
 */
static void
http_response(struct mcpd_stream *s, const uint8_t *data, uint32_t cap,
              uint32_t len)
{
    const uint8_t *end = data + cap, *hend = NULL, *v;
    const uint8_t *q;
    unsigned status = (unsigned)((data[9] - '0') * 100 +
                                 (data[10] - '0') * 10 + (data[11] - '0'));
    uint32_t body;

    for (q = data; q + 4 <= end; q++)
        if (memcmp(q, "\r\n\r\n", 4) == 0) {
            hend = q + 4;
            break;
        }
    if (hend == NULL) {
        s->http = MCPD_HTTP_UNKNOWN;
        return;
    }
    if (find_header(data, hend, "www-authenticate:"))
        s->www_auth = 1;
    body = len - (uint32_t)(hend - data);
    if (status < 200) {
        s->http = MCPD_HTTP_IDLE;     /* 100 Continue: the real one follows */
        return;
    }
    if (status == 204 || status == 304) {
        s->http = MCPD_HTTP_COMPLETE;
        return;
    }
    if ((v = find_header(data, hend, "content-type:")) &&
        value_has(v, hend, "text/event-stream")) {
        s->http = MCPD_HTTP_STREAM;
        return;
    }
    if ((v = find_header(data, hend, "transfer-encoding:")) &&
        value_has(v, hend, "chunked")) {
        s->http = MCPD_HTTP_CHUNKED;
        return;
    }
    if ((v = find_header(data, hend, "content-length:"))) {
        uint64_t n = 0;
        while (v < hend && *v >= '0' && *v <= '9' && n < UINT32_MAX)
            n = n * 10 + (uint64_t)(*v++ - '0');
        if (n > UINT32_MAX)
            n = UINT32_MAX;
        if (body >= n) {
            s->http = MCPD_HTTP_COMPLETE;
        } else {
            s->http = MCPD_HTTP_BODY;
            s->body_left = (uint32_t)n - body;
        }
        return;
    }
    s->http = MCPD_HTTP_UNTIL_CLOSE;
}

static int
is_status_line(const uint8_t *d, uint32_t cap)
{
    return cap >= 12 && memcmp(d, "HTTP/1.", 7) == 0 && d[8] == ' ' &&
           digit(d[9]) && digit(d[10]) && digit(d[11]);
}

/* The server's side of a plain-HTTP exchange. */
static void
http_walk(struct mcpd_stream *s, int in_order, const uint8_t *data,
          uint32_t cap, uint32_t len)
{
    if (!in_order) {
        if (s->http != MCPD_HTTP_COMPLETE && s->http != MCPD_HTTP_STREAM)
            s->http = MCPD_HTTP_UNKNOWN;
        return;
    }
    switch (s->http) {
    case MCPD_HTTP_IDLE:
    case MCPD_HTTP_COMPLETE:
    case MCPD_HTTP_UNKNOWN:
        if (is_status_line(data, cap))
            http_response(s, data, cap, len);
        else if (s->http == MCPD_HTTP_COMPLETE)
            s->http = MCPD_HTTP_UNKNOWN;    /* bytes after the end */
        break;
    case MCPD_HTTP_BODY:
        if (len >= s->body_left) {
            s->http = MCPD_HTTP_COMPLETE;
            s->body_left = 0;
        } else {
            s->body_left -= len;
        }
        break;
    case MCPD_HTTP_CHUNKED:
        /* The last-chunk and the empty trailer end the body
         * (RFC 9112 7.1); only visible when the segment's end was
         * captured. */
        if (cap == len) {
            if (len >= 5)
                memcpy(s->tail, data + len - 5, 5);
            else {
                memmove(s->tail, s->tail + len, 5 - len);
                memcpy(s->tail + 5 - len, data, len);
            }
            if (memcmp(s->tail, "0\r\n\r\n", 5) == 0)
                s->http = MCPD_HTTP_COMPLETE;
        } else {
            memset(s->tail, 0, sizeof(s->tail));
        }
        break;
    default:
        break;
    }
}

/* Printable start of the server's first bytes, for the evidence; stops
 * at a line end or a '?' (no query strings in reports). */
static void
keep_first(struct mcpd_stream *s, const uint8_t *d, uint32_t cap)
{
    size_t o = 0, i;

    for (i = 0; i < cap && o + 1 < sizeof(s->srv_first); i++) {
        uint8_t c = d[i];
        if (c == '\r' || c == '\n' || c == '?')
            break;
        s->srv_first[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '.';
    }
    s->srv_first[o] = '\0';
}

void
mcpd_sniff_stream(struct mcpd_flow *f, int from_client, int in_order,
                  int64_t ts_ns, const uint8_t *data, uint32_t cap,
                  uint32_t len, int closing)
{
    struct mcpd_stream *s = stream_of(f);
    int64_t us = (ts_ns - f->t_first) / 1000;
    uint32_t at = us <= 0 ? 1 : us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;

    if (s == NULL)
        return;
    if (cap > MCPD_SNIFF_LEN)
        cap = MCPD_SNIFF_LEN;
    if (cap > len)
        cap = len;
    if (!from_client && closing && s->srv_close_us == 0)
        s->srv_close_us = at;
    if (len == 0)
        return;
    if (from_client && s->cli_data_us == 0) {
        uint32_t i;
        s->cli_data_us = at;
        /* "GET / HTTP/1.1": an HTTP/0.9 request ("GET /") gets a
         * response without a status line. */
        for (i = 0; i + 7 <= cap && data[i] != '\r' && data[i] != '\n'; i++)
            if (memcmp(data + i, " HTTP/1", 7) == 0) {
                s->req_http1 = 1;
                break;
            }
    }
    if (!from_client && s->srv_first[0] == '\0' && f->srv_bytes == len)
        keep_first(s, data, cap);
    if ((from_client ? f->cli_sniff : f->srv_sniff) == MCPD_SNIFF_TLS ||
        (!from_client && f->cli_sniff == MCPD_SNIFF_TLS)) {
        tls_walk(s, from_client, in_order, data, cap, len);
        return;
    }
    if (f->cli_sniff != MCPD_SNIFF_HTTP_REQ)
        return;
    if (from_client) {
        /* A new request: its answer is pending again. */
        if (in_order && s->http == MCPD_HTTP_COMPLETE)
            s->http = MCPD_HTTP_IDLE;
        return;
    }
    if (f->srv_sniff == MCPD_SNIFF_HTTP_RESP)
        http_walk(s, in_order, data, cap, len);
}

/* \summary: tests of the bundle's redaction: secret names, text, JSON,
 * command lines, and pcap images with headers split across segments */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "redact.h"

#include "testhelp.h"

/* ---- a pcap image, built here ------------------------------------- */

struct img {
    uint8_t *b;
    size_t len, cap;
};

static void
put(struct img *m, const void *p, size_t n)
{
    if (m->len + n > m->cap) {
        m->cap = (m->len + n) * 2;
        m->b = realloc(m->b, m->cap);
        if (m->b == NULL)
            abort();
    }
    memcpy(m->b + m->len, p, n);
    m->len += n;
}

static void
le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void
pcap_start(struct img *m)
{
    uint8_t h[24] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0 };

    le32(h + 16, 65535);
    le32(h + 20, 101);       /* raw IP */
    m->len = 0;
    put(m, h, sizeof(h));
}

/*
 * One IPv4 TCP segment from 10.0.0.1:40000 (client, dir 0) or
 * 10.0.0.2:3000 (server, dir 1); `snap` cuts the captured payload.
 */
static void
segment(struct img *m, int dir, uint8_t flags, uint32_t seq,
        const void *payload, size_t n, size_t snap)
{
    uint8_t rec[16], ip[20] = { 0x45, 0 }, tcp[20] = { 0 };
    size_t capn = n < snap ? n : snap;
    uint16_t tot = (uint16_t)(40 + n);

    ip[2] = (uint8_t)(tot >> 8);
    ip[3] = (uint8_t)tot;
    ip[8] = 64;
    ip[9] = 6;
    ip[12] = 10; ip[15] = dir ? 2 : 1;
    ip[16] = 10; ip[19] = dir ? 1 : 2;
    tcp[0] = dir ? 3000 >> 8 : 40000 >> 8;
    tcp[1] = dir ? 3000 & 0xff : 40000 & 0xff;
    tcp[2] = dir ? 40000 >> 8 : 3000 >> 8;
    tcp[3] = dir ? 40000 & 0xff : 3000 & 0xff;
    tcp[4] = (uint8_t)(seq >> 24);
    tcp[5] = (uint8_t)(seq >> 16);
    tcp[6] = (uint8_t)(seq >> 8);
    tcp[7] = (uint8_t)seq;
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    tcp[14] = 0xff;
    le32(rec, 1700000000);
    le32(rec + 4, 0);
    le32(rec + 8, (uint32_t)(40 + capn));
    le32(rec + 12, (uint32_t)(40 + n));
    put(m, rec, 16);
    put(m, ip, 20);
    put(m, tcp, 20);
    put(m, payload, capn);
}

/* A stream sent in the pieces given (NULL-terminated), after a SYN. */
static uint32_t
stream(struct img *m, int dir, uint32_t isn, const char *const *pieces,
       size_t snap)
{
    uint32_t seq = isn + 1;
    int i;

    segment(m, dir, 0x02, isn, "", 0, snap);
    for (i = 0; pieces[i]; i++) {
        size_t n = strlen(pieces[i]);
        segment(m, dir, 0x18, seq, pieces[i], n, snap);
        seq += (uint32_t)n;
    }
    return seq;
}

static int
contains(const uint8_t *b, size_t len, const char *s)
{
    size_t n = strlen(s), i;

    for (i = 0; i + n <= len; i++)
        if (memcmp(b + i, s, n) == 0)
            return 1;
    return 0;
}

static void
test_names(void)
{
    static const char *const yes[] = {
        "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie",
        "X-Goog-Api-Key", "PRIVATE-TOKEN", "X-Amz-Security-Token",
        "openai_api_key", "githubToken", "ApiKey", "api-key", "API_KEY",
        "Mcp-Session-Id", "client_secret", "PGPASSWORD", "passwd",
        "X-Amz-Signature", "credentials", "private_key", "key", NULL,
    };
    static const char *const no[] = {
        "Host", "Content-Type", "Content-Length", "PATH", "HOME",
        "keyboard", "connections", "verdict", "monkey", "User-Agent",
        "Unauthorized", "WWW-Authenticate", NULL,
    };
    int i;

    for (i = 0; yes[i]; i++)
        test_cond(yes[i], mcpd_secret_name(yes[i], strlen(yes[i])));
    for (i = 0; no[i]; i++)
        test_cond(no[i], !mcpd_secret_name(no[i], strlen(no[i])));
}

static void
test_text(void)
{
    char s[512];

    snprintf(s, sizeof(s), "X-Goog-Api-Key: GOOGSECRET1\r\n"
             "PRIVATE-TOKEN: GLSECRET2\r\nHost: example\r\n");
    mcpd_redact_str(s);
    test_cond("text: unlisted secret headers",
              !strstr(s, "GOOGSECRET1") && !strstr(s, "GLSECRET2") &&
              strstr(s, "Host: example"));
    snprintf(s, sizeof(s), "export OPENAI_API_KEY=sk-ENVSECRET3 PATH=/bin");
    mcpd_redact_str(s);
    test_cond("text: NAME=value", !strstr(s, "ENVSECRET3") &&
              strstr(s, "PATH=/bin"));
    snprintf(s, sizeof(s), "{\"openai_api_key\": \"JSONSECRET4\", "
             "\"githubToken\":\"JSONSECRET5\", \"n\": 1}");
    mcpd_redact_str(s);
    test_cond("text: JSON keys with prefix and suffix",
              !strstr(s, "JSONSECRET4") && !strstr(s, "JSONSECRET5") &&
              strstr(s, "\"n\": 1}"));
    snprintf(s, sizeof(s), "Authorization: Bearer BEARERSECRET6");
    mcpd_redact_str(s);
    test_cond("text: the Authorization scheme is kept",
              !strstr(s, "BEARERSECRET6") && strstr(s, "Bearer x"));
}

static void
test_json(void)
{
    cJSON *j = cJSON_Parse("{\"env\":{\"X_PRIVATE_TOKEN\":\"JS1\","
                           "\"credentials\":{\"user\":\"JS2\",\"pw\":"
                           "[\"JS3\"]},\"note\":\"MY_SECRET=JS4 ok\"},"
                           "\"target\":\"http://127.0.0.1:3000/mcp\"}");
    char *s;

    mcpd_redact_json(j);
    s = cJSON_PrintUnformatted(j);
    test_cond("json: secret keys, secret objects, NAME=value",
              s && !strstr(s, "JS1") && !strstr(s, "JS2") &&
              !strstr(s, "JS3") && !strstr(s, "JS4") &&
              strstr(s, "http://127.0.0.1:3000/mcp") && strstr(s, " ok"));
    free(s);
    cJSON_Delete(j);
}

static void
test_command(void)
{
    const char *argv[] = {
        "env", "OPENAI_API_KEY=sk-CMD1", "curl", "-s", "-u", "alice:CMD2",
        "--proxy-user", "bob:CMD3", "-U", "carol:CMD4", "-H",
        "Authorization: Bearer CMD5", "--header", "X-Goog-Api-Key: CMD6",
        "--oauth2-bearer", "CMD7", "-uCMD8", "--user=dave:CMD9",
        "-H", "Content-Type: application/json",
        "http://eve:CMD10@127.0.0.1:3000/mcp?access_token=CMD11&sig=CMD12"
        "&x=1",
        "sh", "-c", "curl -su frank:CMD13 -H 'PRIVATE-TOKEN: CMD14' "
        "http://127.0.0.1/?key=CMD15", "python3", "-u", "client.py",
        "--api-key", "CMD16", NULL,
    };
    cJSON *a = cJSON_CreateArray();
    char *s;
    int i;

    for (i = 0; argv[i]; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(argv[i]));
    mcpd_redact_command(a);
    s = cJSON_PrintUnformatted(a);
    test_cond("command: printed", s != NULL);
    for (i = 1; s && i <= 16; i++) {
        char name[64], marker[16];
        snprintf(marker, sizeof(marker), "CMD%d\"", i);
        snprintf(name, sizeof(name), "command: secret %d", i);
        /* CMD1 must not match CMD10: look for the marker followed by a
         * non-digit. */
        {
            char *p = s;
            int found = 0;
            snprintf(marker, sizeof(marker), "CMD%d", i);
            while ((p = strstr(p, marker)) != NULL) {
                p += strlen(marker);
                if (*p < '0' || *p > '9')
                    found = 1;
            }
            test_cond(name, !found);
        }
    }
    test_cond("command: harmless arguments kept",
              s && strstr(s, "\"curl\"") && strstr(s, "\"client.py\"") &&
              strstr(s, "Content-Type: application/json") &&
              strstr(s, "@127.0.0.1:3000/mcp?access_token="));
    free(s);
    cJSON_Delete(a);
}

static void
test_pcap_split(void)
{
    static const char *const cli[] = {
        "POST /mcp HTTP/1.1\r\nHost: 10.0.0.2\r\nAuthor", "ization: Bea",
        "rer SPLIT1\r\nCookie:", " sid=SPLIT2\r\nX-Api-", "Key: SPLIT3\r\n"
        "X-Goog-Api-Key: SPLIT4\r\nPRIVATE-TOKEN: SPLIT5\r\n"
        "Content-Length: 40\r\n\r\n",
        "{\"openai_api_key\":\"SPLIT6\",\"githubT", "oken\":\"SPLIT7\"}",
        NULL,
    };
    static const char *const srv[] = {
        "HTTP/1.1 200 OK\r\nSet-Cook", "ie: s=SPLIT8\r\n\r\n"
        "OPENAI_API_KEY=SPLIT9\n", NULL,
    };
    struct img m = { 0 };
    char err[256];
    size_t before;
    long n;
    int i;

    pcap_start(&m);
    stream(&m, 0, 1000, cli, 65535);
    stream(&m, 1, 5000, srv, 65535);
    before = m.len;
    n = mcpd_redact_pcap(m.b, m.len, err);
    test_cond("pcap split: redacted", n > 0);
    test_cond("pcap split: length kept", m.len == before);
    for (i = 1; i <= 9; i++) {
        char s[16];
        snprintf(s, sizeof(s), "SPLIT%d", i);
        test_cond(s, !contains(m.b, m.len, s));
    }
    test_cond("pcap split: request line and Host kept",
              contains(m.b, m.len, "POST /mcp HTTP/1.1\r\nHost: 10.0.0.2") &&
              contains(m.b, m.len, "HTTP/1.1 200 OK"));
    free(m.b);
}

static void
test_pcap_not_http1(void)
{
    static const char *const h2c[] = {
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "\x00\x00\x12\x01\x05"
        "authorization: H2SECRET1", NULL,
    };
    static const char *const h2srv[] = { "\x00\x00\x00\x04\x00"
                                         "x-token H2SECRET2", NULL };
    static const char *const up[] = {
        "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\n\r\n",
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\nH2SECRET3", NULL,
    };
    static const char *const upsrv[] = {
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n",
        "H2SECRET4 in a frame", NULL,
    };
    struct img m = { 0 };
    char err[256];
    size_t i;
    long n;

    pcap_start(&m);
    stream(&m, 0, 1000, h2c, 65535);
    stream(&m, 1, 5000, h2srv, 65535);
    n = mcpd_redact_pcap(m.b, m.len, err);
    test_cond("h2c prior knowledge: no byte kept", n > 0 &&
              !contains(m.b, m.len, "H2SECRET") &&
              !contains(m.b, m.len, "PRI *"));
    /* Every payload byte is zero: past the 24-byte header, 16-byte
     * records and 40-byte headers, only zeros. */
    {
        size_t off = 24, bad = 0;
        while (off + 16 <= m.len) {
            uint32_t cl = (uint32_t)m.b[off + 8] | (uint32_t)m.b[off + 9]
                          << 8;
            for (i = 40; i < cl; i++)
                bad += m.b[off + 16 + i] != 0;
            off += 16 + cl;
        }
        test_cond("h2c prior knowledge: zero-filled", bad == 0);
    }
    pcap_start(&m);
    stream(&m, 0, 1000, up, 65535);
    stream(&m, 1, 5000, upsrv, 65535);
    mcpd_redact_pcap(m.b, m.len, err);
    test_cond("h2c upgrade: what follows 101 and the preface is gone",
              !contains(m.b, m.len, "H2SECRET") &&
              contains(m.b, m.len, "HTTP/1.1 101"));
    free(m.b);
}

static void
test_pcap_tls(void)
{
    static const char *const hello[] = {
        "\x16\x03\x01\x00\x30\x01\x00\x00\x2cTLSSECRET1.sni.example",
        "\x17\x03\x03\x00\x10TLSSECRET2", NULL,
    };
    struct img m = { 0 };
    char err[256];

    pcap_start(&m);
    stream(&m, 0, 1000, hello, 65535);
    mcpd_redact_pcap(m.b, m.len, err);
    test_cond("tls: nothing of the records kept",
              !contains(m.b, m.len, "TLSSECRET"));
    test_cond("tls: the first record header kept (still TLS)",
              contains(m.b, m.len, "\x16\x03\x01\x00\x30") &&
              !contains(m.b, m.len, "\x17\x03\x03"));
    free(m.b);
}

static void
test_pcap_connect(void)
{
    static const char *const cli[] = {
        "CONNECT 10.0.0.2:443 HTTP/1.1\r\nProxy-Authorization: Basic "
        "PXSECRET1\r\n\r\n", "TUNNELSECRET1 printable, in the tunnel",
        NULL,
    };
    static const char *const srv[] = {
        "HTTP/1.1 200 Connection established\r\n\r\n",
        "TUNNELSECRET2 printable, in the tunnel", NULL,
    };
    struct img m = { 0 };
    char err[256];

    /* The server's side first in the file: it is still read knowing
     * its client asked for a CONNECT. */
    pcap_start(&m);
    stream(&m, 1, 5000, srv, 65535);
    stream(&m, 0, 1000, cli, 65535);
    mcpd_redact_pcap(m.b, m.len, err);
    test_cond("connect: the tunnel keeps no byte, either way",
              !contains(m.b, m.len, "SECRET") &&
              contains(m.b, m.len, "CONNECT 10.0.0.2:443") &&
              contains(m.b, m.len, "HTTP/1.1 200 Connection"));
    free(m.b);
}

static void
test_pcap_snaplen(void)
{
    /* The first segment is cut by the snaplen in the middle of its
     * headers; the next one starts inside a secret value. */
    static const char *const cli[] = {
        "POST /mcp HTTP/1.1\r\nHost: a\r\nX-Pad: 0123456789012345678901"
        "23456789\r\nAuthorization: Bearer SNAPSECRET1-part-one",
        "SNAPSECRET2-rest\r\nCookie: c=SNAPSECRET3\r\n\r\n", NULL,
    };
    struct img m = { 0 };
    char err[256];

    pcap_start(&m);
    stream(&m, 0, 1000, cli, 60);
    mcpd_redact_pcap(m.b, m.len, err);
    test_cond("snaplen gap: the continuation after it is wiped",
              !contains(m.b, m.len, "SNAPSECRET"));
    free(m.b);
}

/* Bytes after the last whole record, too few for a record header, are
 * no record: wiped whole, the length kept. */
static void
test_pcap_partial_header(void)
{
    static const char *const cli[] = {
        "GET /mcp HTTP/1.1\r\nHost: a\r\n\r\n", NULL,
    };
    struct img m = { 0 };
    char err[256];
    size_t before;
    long n;

    pcap_start(&m);
    stream(&m, 0, 1000, cli, 65535);
    put(&m, "TAILSECRET12345", 15);
    before = m.len;
    n = mcpd_redact_pcap(m.b, m.len, err);
    test_cond("partial record header: counted", n >= 1);
    test_cond("partial record header: wiped",
              !contains(m.b, m.len, "TAILSECRET"));
    test_cond("partial record header: length kept", m.len == before);
    test_cond("partial record header: the record before it kept",
              contains(m.b, m.len, "GET /mcp HTTP/1.1"));
    free(m.b);
}

/* Damaged images (bytes, lengths, sequence numbers changed at random):
 * the redactor stays inside the buffer (run under ASan) and never
 * changes its length. */
static void
test_pcap_damaged(void)
{
    static const char *const cli[] = {
        "POST /mcp HTTP/1.1\r\nAuthor", "ization: Bearer DMG1\r\n\r\n",
        "GET / HTTP/1.1\r\nUpgrade: h2c\r\n\r\n", NULL,
    };
    static const char *const srv[] = {
        "HTTP/1.1 101 Switching\r\n\r\n", "\x16\x03\x01\x00\x05hello",
        NULL,
    };
    struct img base = { 0 }, m = { 0 };
    uint32_t x = 12345;
    char err[256];
    int it, k, ok = 1;

    pcap_start(&base);
    stream(&base, 0, 1000, cli, 65535);
    stream(&base, 1, 0xfffffff0u, srv, 65535);   /* wraps */
    m.b = malloc(base.len);
    if (m.b == NULL)
        abort();
    for (it = 0; it < 3000; it++) {
        memcpy(m.b, base.b, base.len);
        m.len = base.len - (it % 7 == 0 ? (size_t)(x % 64) : 0);
        for (k = 0; k < 1 + it % 5; k++) {
            x = x * 1103515245u + 12345u;
            m.b[24 + (x >> 8) % (m.len - 24)] = (uint8_t)(x >> 24);
        }
        if (mcpd_redact_pcap(m.b, m.len, err) < 0)
            ok = 0;
    }
    test_cond("damaged images: redacted, within bounds", ok);
    free(m.b);
    free(base.b);
}

int
main(void)
{
    test_names();
    test_text();
    test_json();
    test_command();
    test_pcap_split();
    test_pcap_not_http1();
    test_pcap_tls();
    test_pcap_connect();
    test_pcap_snaplen();
    test_pcap_partial_header();
    test_pcap_damaged();
    return test_report();
}

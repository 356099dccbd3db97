/* \summary: redaction of secrets in text, JSON and packet payloads:
 * credentials and tokens overwritten in place, lengths kept */

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "dec.h"
#include "mcpd.h"
#include "redact.h"

/*
 * Names whose value is a secret, as an HTTP header ("Cookie: ..."), a
 * key=value pair or a JSON member. Longer names first, so that
 * "proxy-authorization" is not seen as "authorization" with a prefix.
 */
static const char *const secret_names[] = {
    "proxy-authorization", "authorization", "set-cookie", "cookie",
    "mcp-session-id", "x-api-key", "api-key", "api_key", "apikey",
    "x-auth-token", "auth-token", "auth_token", "access_token",
    "refresh_token", "id_token", "client_secret", "password", "passwd",
    "secret", "token", "session-id", "session_id", "sessionid",
    NULL,
};

/* Fragments that make a query parameter's value a secret. */
static const char *const secret_query[] = {
    "token", "key", "secret", "pass", "pwd", "auth", "session", "sig",
    "code", "jwt", "cred", NULL,
};

static int
is_word(uint8_t c)
{
    return isalnum(c) || c == '_' || c == '-';
}

static int
at_name(const uint8_t *b, size_t len, size_t i, const char *name)
{
    size_t n = strlen(name), k;

    if (len - i < n)
        return 0;
    for (k = 0; k < n; k++)
        if (tolower(b[i + k]) != (uint8_t)name[k])
            return 0;
    return 1;
}

static void
wipe(uint8_t *b, size_t from, size_t to)
{
    for (; from < to; from++)
        b[from] = MCPD_REDACT_CHAR;
}

/* End of a header-like value starting at j: the line's end, or the
 * closing quote when it was quoted. */
static size_t
value_end(const uint8_t *b, size_t len, size_t j, uint8_t quote)
{
    for (; j < len; j++) {
        uint8_t c = b[j];
        if (c == '\r' || c == '\n' || c == '\0')
            break;
        if (quote && (c == quote || c == '\\'))
            break;
    }
    return j;
}

/*
 * "Name: value", "name=value", "\"name\": \"value\"" at i. Returns the
 * index after what it redacted (0 when nothing matched); *open tells
 * whether the value ran to the end of the buffer.
 */
static size_t
redact_named(uint8_t *b, size_t len, size_t i, int *open)
{
    const char *const *nm;
    size_t j, end;
    uint8_t quote = 0;

    if (i > 0 && is_word(b[i - 1]))
        return 0;
    for (nm = secret_names; *nm; nm++)
        if (at_name(b, len, i, *nm))
            break;
    if (*nm == NULL)
        return 0;
    j = i + strlen(*nm);
    if (j < len && (b[j] == '\\'))
        j++;
    if (j < len && (b[j] == '"' || b[j] == '\''))
        j++;
    while (j < len && (b[j] == ' ' || b[j] == '\t'))
        j++;
    if (j >= len || (b[j] != ':' && b[j] != '='))
        return 0;
    j++;
    while (j < len && (b[j] == ' ' || b[j] == '\t'))
        j++;
    if (j < len && b[j] == '\\')
        j++;
    if (j < len && (b[j] == '"' || b[j] == '\'')) {
        quote = b[j];
        j++;
    }
    /* Keep the scheme of an Authorization value ("Bearer", "Basic"):
     * it tells the support engineer what kind of credential was sent. */
    if (strstr(*nm, "authorization")) {
        size_t k = j;
        while (k < len && isalpha(b[k]) && k - j < 24)
            k++;
        if (k < len && k > j && b[k] == ' ')
            j = k + 1;
    }
    end = value_end(b, len, j, quote);
    if (end == j)
        return 0;
    wipe(b, j, end);
    *open = end == len;
    return end;
}

/* "Bearer TOKEN" anywhere (a log line, an error message). */
static size_t
redact_bearer(uint8_t *b, size_t len, size_t i, int *open)
{
    size_t j, end;

    if ((i > 0 && is_word(b[i - 1])) || !at_name(b, len, i, "bearer"))
        return 0;
    j = i + 6;
    if (j >= len || (b[j] != ' ' && b[j] != '\t'))
        return 0;
    while (j < len && (b[j] == ' ' || b[j] == '\t'))
        j++;
    for (end = j; end < len; end++)
        if (!(isalnum(b[end]) || strchr("-._~+/=", b[end])) ||
            b[end] == '\0')
            break;
    if (end == j)
        return 0;
    wipe(b, j, end);
    *open = end == len;
    return end;
}

static int
url_stop(uint8_t c)
{
    return c == '/' || c == '?' || c == '#' || c == '"' || c == '\'' ||
           c == '<' || c == '>' || c == '\\' || c == '\0' || isspace(c);
}

/* scheme://userinfo@host: the userinfo. i points at "://". */
static size_t
redact_userinfo(uint8_t *b, size_t len, size_t i)
{
    size_t j = i + 3, k, at = 0;

    for (k = j; k < len && !url_stop(b[k]); k++)
        if (b[k] == '@')
            at = k;
    if (at == 0 || at == j)
        return 0;
    wipe(b, j, at);
    return at;
}

static int
query_stop(uint8_t c)
{
    return c == '&' || c == '#' || c == '"' || c == '\'' || c == '<' ||
           c == '>' || c == '\\' || c == '\0' || c == ';' || c == ')' ||
           isspace(c);
}

/* ?name=value or &name=value whose name says it is a secret. */
static size_t
redact_query(uint8_t *b, size_t len, size_t i, int *open)
{
    size_t j = i + 1, k, end;
    char name[48];
    const char *const *q;

    for (k = j; k < len && k - j < sizeof(name) - 1 &&
                (isalnum(b[k]) || b[k] == '_' || b[k] == '-' ||
                 b[k] == '.'); k++)
        name[k - j] = (char)tolower(b[k]);
    name[k - j] = '\0';
    if (k == j || k >= len || b[k] != '=')
        return 0;
    for (q = secret_query; *q; q++)
        if (strstr(name, *q))
            break;
    if (*q == NULL)
        return 0;
    for (end = k + 1; end < len && !query_stop(b[end]); end++)
        ;
    if (end == k + 1)
        return 0;
    wipe(b, k + 1, end);
    *open = end == len;
    return end;
}

/*
 * The scanner. `carry`: the buffer continues a secret value cut at the
 * end of the previous segment. *open_out: a value runs to the end.
 */
static size_t
redact_buf(uint8_t *b, size_t len, int carry, int *open_out)
{
    size_t i = 0, count = 0, next;
    int open = 0;

    if (carry) {
        size_t end = value_end(b, len, 0, 0);
        if (end > 0) {
            wipe(b, 0, end);
            count++;
        }
        open = end == len;
        i = end;
    }
    while (i < len) {
        uint8_t c = b[i];
        next = 0;
        open = 0;
        if (isalpha(c)) {
            next = redact_named(b, len, i, &open);
            if (next == 0 && (c == 'b' || c == 'B'))
                next = redact_bearer(b, len, i, &open);
        } else if (c == ':' && i + 2 < len && b[i + 1] == '/' &&
                   b[i + 2] == '/') {
            next = redact_userinfo(b, len, i);
        } else if (c == '?' || c == '&') {
            next = redact_query(b, len, i, &open);
        }
        if (next > i) {
            count++;
            i = next;
        } else {
            open = 0;
            i++;
        }
    }
    if (open_out)
        *open_out = open;
    return count;
}

size_t
mcpd_redact(uint8_t *buf, size_t len)
{
    return redact_buf(buf, len, 0, NULL);
}

size_t
mcpd_redact_str(char *s)
{
    return s ? mcpd_redact((uint8_t *)s, strlen(s)) : 0;
}

size_t
mcpd_redact_proxy_value(char *s)
{
    char *at, *slash;

    if (s == NULL)
        return 0;
    /* "user:pw@proxy:3128" is accepted by curl without a scheme. */
    if (strstr(s, "://") == NULL && (at = strrchr(s, '@')) != NULL) {
        slash = strchr(s, '/');
        if (slash == NULL || slash > at) {
            wipe((uint8_t *)s, 0, (size_t)(at - s));
            return 1 + mcpd_redact_str(at);
        }
    }
    return mcpd_redact_str(s);
}

static int
secret_key(const char *key)
{
    static const char *const keys[] = {
        "authorization", "cookie", "session_id", "sessionid",
        "session-id", "token", "password", "passwd", "secret", "api_key",
        "apikey", "credential", NULL,
    };
    char low[64];
    size_t i;

    if (key == NULL)
        return 0;
    for (i = 0; key[i] && i < sizeof(low) - 1; i++)
        low[i] = (char)tolower((unsigned char)key[i]);
    low[i] = '\0';
    for (i = 0; keys[i]; i++)
        if (strstr(low, keys[i]))
            return 1;
    return 0;
}

size_t
mcpd_redact_json(cJSON *node)
{
    size_t count = 0;
    cJSON *c;

    if (node == NULL)
        return 0;
    if (cJSON_IsString(node) && node->valuestring) {
        if (secret_key(node->string) && node->valuestring[0]) {
            wipe((uint8_t *)node->valuestring, 0,
                 strlen(node->valuestring));
            return 1;
        }
        return mcpd_redact_str(node->valuestring);
    }
    for (c = node->child; c; c = c->next)
        count += mcpd_redact_json(c);
    return count;
}

/* ---- pcap ------------------------------------------------------------ */

#define CARRY_SLOTS 512

/* A direction of a connection whose last segment ended inside a secret
 * value: the next one starts inside it. */
struct carry {
    struct mcpd_ip src, dst;
    uint16_t sport, dport;
    uint8_t used, open;
};

static uint32_t
rd32(const uint8_t *p, int swap)
{
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
                 (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    if (swap)
        v = (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) |
            (v << 24);
    return v;
}

static struct carry *
carry_slot(struct carry *tab, const struct mcpd_packet *p)
{
    uint32_t h = 2166136261u;
    size_t i, k;

    for (i = 0; i < 16; i++)
        h = (h ^ p->src.a[i] ^ (uint32_t)p->dst.a[i] << 8) * 16777619u;
    h = (h ^ p->sport ^ (uint32_t)p->dport << 16) * 16777619u;
    for (k = 0; k < CARRY_SLOTS; k++) {
        struct carry *c = &tab[(h + k) % CARRY_SLOTS];
        if (!c->used) {
            c->used = 1;
            c->src = p->src;
            c->dst = p->dst;
            c->sport = p->sport;
            c->dport = p->dport;
            c->open = 0;
            return c;
        }
        if (c->sport == p->sport && c->dport == p->dport &&
            mcpd_ip_cmp(&c->src, &p->src) == 0 &&
            mcpd_ip_cmp(&c->dst, &p->dst) == 0)
            return c;
    }
    return NULL;    /* full: no carry for this one, still redacted */
}

long
mcpd_redact_pcap(uint8_t *buf, size_t len, char *err)
{
    static struct carry tab[CARRY_SLOTS];
    uint32_t magic;
    int swap, dlt;
    size_t off = 24;
    long count = 0;

    memset(tab, 0, sizeof(tab));
    if (len < 24) {
        snprintf(err, MCPD_ERR_LEN, "not a pcap file (too short)");
        return -1;
    }
    magic = rd32(buf, 0);
    if (magic == 0xa1b2c3d4u || magic == 0xa1b23c4du)
        swap = 0;
    else if (magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u)
        swap = 1;
    else {
        snprintf(err, MCPD_ERR_LEN, "not a pcap file (magic %08x)",
                 (unsigned)magic);
        return -1;
    }
    dlt = (int)(rd32(buf + 20, swap) & 0x0fffffff);
    while (len - off >= 16) {
        uint32_t caplen = rd32(buf + off + 8, swap);
        uint32_t wire = rd32(buf + off + 12, swap);
        struct mcpd_packet pkt;
        uint8_t *data = buf + off + 16;
        struct carry *c;
        int open = 0;

        if (caplen > len - off - 16) {
            /* A cut-short last record: its bytes are wiped whole, so
             * nothing unparsed can leak. */
            wipe(buf, off + 16, len);
            count++;
            break;
        }
        memset(&pkt, 0, sizeof(pkt));
        if (mcpd_decode(dlt, data, caplen, wire, &pkt) == MCPD_DEC_TCP &&
            pkt.payload && pkt.payload_cap > 0 &&
            pkt.payload >= data && pkt.payload + pkt.payload_cap <=
                                   data + caplen) {
            uint8_t *pl = data + (pkt.payload - data);
            c = carry_slot(tab, &pkt);
            count += (long)redact_buf(pl, pkt.payload_cap,
                                      c ? c->open : 0, &open);
            /* Only a value cut by the segment's real end continues in
             * the next one; a cut by the snaplen says nothing. */
            if (c)
                c->open = open && pkt.payload_cap == pkt.payload_len;
        } else {
            /* ICMP errors quote the packet they answer, payload and
             * all: scanned whole (the patterns are text, which binary
             * headers do not spell). */
            count += (long)redact_buf(data, caplen, 0, NULL);
        }
        off += 16 + (size_t)caplen;
    }
    return count;
}

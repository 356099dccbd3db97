/* \summary: redaction of secrets in text, JSON and packet payloads:
 * credentials and tokens overwritten in place, lengths kept */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/dlt.h>
#include "dec.h"
#include "mcpd.h"
#include "pcapwalk.h"
#include "redact.h"

/* Fragments that make a name (header, JSON key, environment variable,
 * option) a secret's, once lower-cased with separators dropped: so
 * "X-Goog-Api-Key", "openai_api_key", "githubToken", "PRIVATE-TOKEN"
 * and "X-Amz-Security-Token" are all caught. */
static const char *const secret_fragments[] = {
    "auth", "token", "secret", "passw", "apikey", "session", "cookie",
    "credential", "private", "signature", NULL,
};

/* Short names that are secrets only when they are the whole name. */
static const char *const secret_exact[] = {
    "pass", "pwd", "jwt", "key", "sid", NULL,
};

/* Names the fragments catch that carry no secret: a status phrase
 * ("Unauthorized: the server wants credentials") and the challenges a
 * server sends, which say what it wants, not what anyone holds. */
static const char *const not_secret[] = {
    "unauthorized", "wwwauthenticate", "proxyauthenticate", NULL,
};

/* Fragments that make a query parameter's value a secret. */
static const char *const secret_query[] = {
    "token", "key", "secret", "pass", "pwd", "auth", "session", "sig",
    "code", "jwt", "cred", NULL,
};

int
mcpd_secret_name(const char *name, size_t len)
{
    char low[128];
    size_t i, n = 0;

    for (i = 0; i < len && n < sizeof(low) - 1; i++) {
        unsigned char c = (unsigned char)name[i];
        if (isalnum(c))
            low[n++] = (char)tolower(c);
    }
    low[n] = '\0';
    if (n == 0)
        return 0;
    for (i = 0; not_secret[i]; i++)
        if (strcmp(low, not_secret[i]) == 0)
            return 0;
    for (i = 0; secret_fragments[i]; i++)
        if (strstr(low, secret_fragments[i]))
            return 1;
    for (i = 0; secret_exact[i]; i++)
        if (strcmp(low, secret_exact[i]) == 0)
            return 1;
    return 0;
}

/* A byte of a name: header names, JSON keys, variables, options. */
static int
is_word(uint8_t c)
{
    return isalnum(c) || c == '_' || c == '-' || c == '.';
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

/* End of a value starting at j: the closing quote when it was quoted;
 * else the line's end after ':' ("Name: value"), and the first blank,
 * '&' or ';' after '=' ("NAME=value"). */
static size_t
value_end(const uint8_t *b, size_t len, size_t j, uint8_t quote,
          uint8_t sep)
{
    for (; j < len; j++) {
        uint8_t c = b[j];
        if (c == '\r' || c == '\n' || c == '\0')
            break;
        if (quote && (c == quote || c == '\\'))
            break;
        if (!quote && sep == '=' &&
            (c == ' ' || c == '\t' || c == '&' || c == ';'))
            break;
    }
    return j;
}

/*
 * "Name: value", "NAME=value", "\"name\": \"value\"" at i, the name
 * secret by mcpd_secret_name(). Returns the index after what it
 * redacted (0 when nothing matched).
 */
static size_t
redact_named(uint8_t *b, size_t len, size_t i)
{
    size_t j, end, n;
    uint8_t quote = 0, sep, named_quote = 0, pre_quote = 0;

    if (i > 0 && is_word(b[i - 1]))
        return 0;
    /* 'Name: value' quoted whole (a shell word): the value ends at the
     * closing quote. */
    if (i > 0 && (b[i - 1] == '\'' || b[i - 1] == '"'))
        pre_quote = b[i - 1];
    for (j = i; j < len && is_word(b[j]) && j - i < 128; j++)
        ;
    n = j - i;
    if (n == 0 || (j < len && is_word(b[j])))
        return 0;
    if (j < len && b[j] == '\\')
        j++;
    if (j < len && (b[j] == '"' || b[j] == '\'')) {
        named_quote = 1;
        j++;
    }
    while (j < len && (b[j] == ' ' || b[j] == '\t'))
        j++;
    if (j >= len || (b[j] != ':' && b[j] != '='))
        return 0;
    sep = b[j];
    /* "a==b", "::" and "://" are no assignments. */
    if (j + 1 < len && (b[j + 1] == sep || b[j + 1] == '/'))
        return 0;
    if (!mcpd_secret_name((const char *)b + i, n))
        return 0;
    j++;
    while (j < len && (b[j] == ' ' || b[j] == '\t'))
        j++;
    if (j < len && b[j] == '\\')
        j++;
    if (j < len && (b[j] == '"' || b[j] == '\'')) {
        quote = b[j];
        j++;
    } else if (named_quote) {
        /* A JSON member whose value is not a string: a number, true,
         * an object. Numbers and words are wiped; '{' and '[' are
         * left to the scan, which finds their members. */
        for (end = j; end < len && (isalnum(b[end]) || b[end] == '.' ||
                                    b[end] == '-' || b[end] == '+');
             end++)
            ;
        if (end == j)
            return 0;
        wipe(b, j, end);
        return end;
    }
    /* Keep the scheme of an Authorization value ("Bearer", "Basic"):
     * it tells the support engineer what kind of credential was sent. */
    if (n >= 13 && at_name(b, len, i + n - 13, "authorization")) {
        size_t k = j;
        while (k < len && isalpha(b[k]) && k - j < 24)
            k++;
        if (k < len && k > j && b[k] == ' ')
            j = k + 1;
    }
    if (!quote)
        quote = pre_quote;
    end = value_end(b, len, j, quote, quote ? 0 : sep);
    if (end == j)
        return 0;
    wipe(b, j, end);
    return end;
}

/* "Bearer TOKEN" anywhere (a log line, an error message). */
static size_t
redact_bearer(uint8_t *b, size_t len, size_t i)
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
redact_query(uint8_t *b, size_t len, size_t i)
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
    return end;
}

/* The scanner: every rule at every place it can start. */
static size_t
redact_buf(uint8_t *b, size_t len)
{
    size_t i = 0, count = 0, next;

    while (i < len) {
        uint8_t c = b[i];
        next = 0;
        if (is_word(c) && (i == 0 || !is_word(b[i - 1]))) {
            next = redact_named(b, len, i);
            if (next == 0 && (c == 'b' || c == 'B'))
                next = redact_bearer(b, len, i);
        } else if (c == ':' && i + 2 < len && b[i + 1] == '/' &&
                   b[i + 2] == '/') {
            next = redact_userinfo(b, len, i);
        } else if (c == '?' || c == '&') {
            next = redact_query(b, len, i);
        }
        if (next > i) {
            count++;
            i = next;
        } else {
            i++;
        }
    }
    return count;
}

size_t
mcpd_redact(uint8_t *buf, size_t len)
{
    return redact_buf(buf, len);
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

/* Every string under node, wiped whole: the value of a secret member,
 * whatever its shape. */
static size_t
wipe_json(cJSON *node)
{
    size_t count = 0;
    cJSON *c;

    if (cJSON_IsString(node) && node->valuestring) {
        if (!node->valuestring[0])
            return 0;
        wipe((uint8_t *)node->valuestring, 0, strlen(node->valuestring));
        return 1;
    }
    for (c = node->child; c; c = c->next)
        count += wipe_json(c);
    return count;
}

size_t
mcpd_redact_json(cJSON *node)
{
    size_t count = 0;
    cJSON *c;

    if (node == NULL)
        return 0;
    if (node->string && mcpd_secret_name(node->string,
                                         strlen(node->string)))
        return wipe_json(node);
    if (cJSON_IsString(node) && node->valuestring)
        return mcpd_redact_str(node->valuestring);
    for (c = node->child; c; c = c->next)
        count += mcpd_redact_json(c);
    return count;
}

/* ---- a command line ---------------------------------------------------- */

/* One word of a command: a whole argument, or a word of an argument
 * that is itself a shell command ("sh -c 'curl -u a:b ...'"). */
struct word {
    char *p;
    size_t n;
};

#define MAX_WORDS 4096

/* Split s into shell-like words, in place (nothing is written). */
static int
split_words(char *s, struct word *w, int n, int max)
{
    size_t i = 0, len = strlen(s);

    if (strpbrk(s, " \t\n") == NULL) {
        if (n < max) {
            w[n].p = s;
            w[n++].n = len;
        }
        return n;
    }
    while (i < len && n < max) {
        size_t start;
        char q = 0;

        while (i < len && isspace((unsigned char)s[i]))
            i++;
        if (i >= len)
            break;
        if (s[i] == '\'' || s[i] == '"')
            q = s[i++];
        start = i;
        while (i < len && (q ? s[i] != q : !isspace((unsigned char)s[i])))
            i++;
        w[n].p = s + start;
        w[n++].n = i - start;
        if (q && i < len)
            i++;
    }
    return n;
}

/* Long options whose value is a credential, beyond the secret names. */
static const char *const cred_long[] = {
    "user", "proxy-user", "oauth2-bearer", "cookie", "proxy-pass",
    "pass", "aws-sigv4", NULL,
};

/* curl's short options that take a value (so a cluster stops there). */
static const char curl_takes_value[] = "AbcCdDeEFHKmoPQrTtuUwxXyYz";

static int
is_curl(const struct word *w)
{
    const char *base = w->p, *q;

    for (q = w->p; q < w->p + w->n; q++)
        if (*q == '/')
            base = q + 1;
    return (size_t)(w->p + w->n - base) >= 4 && strncmp(base, "curl", 4) == 0;
}

/* Words after which curl's short options no longer apply: a shell's
 * separators and the usual launchers of an MCP client. */
static int
is_other_command(const struct word *w)
{
    static const char *const other[] = {
        ";", "&&", "||", "|", "sh", "bash", "env", "python", "python3",
        "node", "npx", "uv", "uvx", "deno", "bun", "docker", "java", NULL,
    };
    const char *base = w->p, *q;
    size_t n;
    int i;

    for (q = w->p; q < w->p + w->n; q++)
        if (*q == '/')
            base = q + 1;
    n = (size_t)(w->p + w->n - base);
    for (i = 0; other[i]; i++)
        if (strlen(other[i]) == n && strncmp(base, other[i], n) == 0)
            return 1;
    return 0;
}

static size_t
wipe_word(struct word *w, size_t from)
{
    if (from >= w->n)
        return 0;
    wipe((uint8_t *)w->p, from, w->n);
    return 1;
}

size_t
mcpd_redact_command(cJSON *args)
{
    struct word *w;
    cJSON *a;
    size_t count = 0;
    int n = 0, k, curl = 0;

    if (!cJSON_IsArray(args))
        return 0;
    w = malloc(MAX_WORDS * sizeof(*w));
    if (w == NULL) {
        /* Without memory for the words: every argument wiped. */
        return wipe_json(args);
    }
    cJSON_ArrayForEach(a, args)
        if (cJSON_IsString(a) && a->valuestring)
            n = split_words(a->valuestring, w, n, MAX_WORDS);
    for (k = 0; k < n; k++) {
        struct word *t = &w[k], *next = k + 1 < n ? &w[k + 1] : NULL;
        const char *eq;
        size_t i;

        if (is_curl(t)) {
            curl = 1;
            continue;
        }
        if (is_other_command(t)) {
            curl = 0;
            continue;
        }
        if (t->n > 2 && t->p[0] == '-' && t->p[1] == '-') {
            /* --name VALUE or --name=VALUE */
            const char *name = t->p + 2;
            size_t nl;
            int cred = 0;
            eq = memchr(t->p, '=', t->n);
            nl = (size_t)((eq ? eq : t->p + t->n) - name);
            for (i = 0; cred_long[i]; i++)
                if (strlen(cred_long[i]) == nl &&
                    strncmp(name, cred_long[i], nl) == 0)
                    cred = 1;
            if (!cred && !mcpd_secret_name(name, nl))
                continue;
            if (eq)
                count += wipe_word(t, (size_t)(eq - t->p) + 1);
            else if (next) {
                count += wipe_word(next, 0);
                k++;
            }
            continue;
        }
        if (t->n < 2 || t->p[0] != '-' || !isalpha((unsigned char)t->p[1]))
            continue;
        if (!curl) {
            /* -u/-U outside curl mean other things ("python -u"): only
             * a value that looks like user:password goes. */
            if (t->n == 2 && (t->p[1] == 'u' || t->p[1] == 'U') && next &&
                memchr(next->p, ':', next->n)) {
                count += wipe_word(next, 0);
                k++;
            }
            continue;
        }
        /* curl: -u user:pw, -U, -b cookie, also in a cluster (-su a:b)
         * or attached (-uuser:pw). */
        for (i = 1; i < t->n && isalnum((unsigned char)t->p[i]); i++) {
            char o = t->p[i];
            if (strchr(curl_takes_value, o) == NULL)
                continue;
            if (o == 'u' || o == 'U' || o == 'b') {
                if (i + 1 < t->n)
                    count += wipe_word(t, i + 1);
                else if (next)
                    count += wipe_word(next, 0);
            }
            if (i + 1 >= t->n && next)
                k++;    /* the value is the next word */
            break;
        }
    }
    free(w);
    /* Then the text rules on each argument: NAME=value, "Name: value"
     * (-H), URL userinfo and query secrets, bearer tokens. */
    cJSON_ArrayForEach(a, args)
        if (cJSON_IsString(a) && a->valuestring)
            count += mcpd_redact_str(a->valuestring);
    return count;
}

/* ---- pcap ------------------------------------------------------------ */

/* One direction of a TCP connection. */
struct dir {
    struct mcpd_ip src, dst;
    uint16_t sport, dport;
    uint32_t base;           /* sequence number of stream offset 0 */
    uint8_t has_base;
    uint8_t tunnel;          /* sent CONNECT or Upgrade: what follows
                                the header block is not HTTP/1 */
};

/* One captured TCP payload. */
struct seg {
    size_t off;              /* payload's offset in the pcap image */
    uint32_t cap;            /* captured bytes of it */
    uint32_t dir;
    uint32_t order;          /* capture order */
    int64_t rel;             /* stream offset */
};

struct dirtab {
    struct dir *d;
    uint32_t n, cap;
    uint32_t *slot;          /* index + 1, 0 free */
    uint32_t nslots;         /* power of two */
};

static uint32_t
dir_hash(const struct mcpd_ip *src, const struct mcpd_ip *dst,
         uint16_t sport, uint16_t dport)
{
    uint32_t h = 2166136261u;
    size_t i;

    for (i = 0; i < 16; i++)
        h = (h ^ src->a[i] ^ (uint32_t)dst->a[i] << 8) * 16777619u;
    return (h ^ sport ^ (uint32_t)dport << 16) * 16777619u;
}

static int
dir_is(const struct dir *d, const struct mcpd_ip *src,
       const struct mcpd_ip *dst, uint16_t sport, uint16_t dport)
{
    return d->sport == sport && d->dport == dport &&
           mcpd_ip_cmp(&d->src, src) == 0 && mcpd_ip_cmp(&d->dst, dst) == 0;
}

/* The direction's index; created when `create`. -1 when absent or out
 * of memory. */
static long
dir_find(struct dirtab *t, const struct mcpd_ip *src,
         const struct mcpd_ip *dst, uint16_t sport, uint16_t dport,
         int create)
{
    uint32_t h, k;

    if (t->nslots == 0 || (create && (t->n + 1) * 2 > t->nslots)) {
        uint32_t ns = t->nslots ? t->nslots * 2 : 256, i;
        uint32_t *nsl;
        if (!create)
            return -1;
        nsl = calloc(ns, sizeof(*nsl));
        if (nsl == NULL)
            return -1;
        for (i = 0; i < t->n; i++) {
            struct dir *d = &t->d[i];
            k = dir_hash(&d->src, &d->dst, d->sport, d->dport) & (ns - 1);
            while (nsl[k])
                k = (k + 1) & (ns - 1);
            nsl[k] = i + 1;
        }
        free(t->slot);
        t->slot = nsl;
        t->nslots = ns;
    }
    h = dir_hash(src, dst, sport, dport);
    for (k = h & (t->nslots - 1); t->slot[k]; k = (k + 1) & (t->nslots - 1))
        if (dir_is(&t->d[t->slot[k] - 1], src, dst, sport, dport))
            return (long)t->slot[k] - 1;
    if (!create)
        return -1;
    if (t->n == t->cap) {
        uint32_t nc = t->cap ? t->cap * 2 : 64;
        struct dir *nd = realloc(t->d, nc * sizeof(*nd));
        if (nd == NULL)
            return -1;
        t->d = nd;
        t->cap = nc;
    }
    memset(&t->d[t->n], 0, sizeof(t->d[0]));
    t->d[t->n].src = *src;
    t->d[t->n].dst = *dst;
    t->d[t->n].sport = sport;
    t->d[t->n].dport = dport;
    t->slot[k] = t->n + 1;
    return (long)t->n++;
}

static int
seg_cmp(const void *x, const void *y)
{
    const struct seg *a = x, *b = y;

    if (a->dir != b->dir)
        return a->dir < b->dir ? -1 : 1;
    if (a->rel != b->rel)
        return a->rel < b->rel ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

static int
starts_with(const uint8_t *b, size_t len, const char *what)
{
    size_t n = strlen(what);

    return len >= n && memcmp(b, what, n) == 0;
}

/* The first line of an HTTP/1 message: a request ("POST ") or a status
 * line ("HTTP/1.1 200"). The request line need not be whole (a long URL
 * cut by the snaplen). */
static int
http1_start(const uint8_t *b, size_t len)
{
    static const char *const methods[] = {
        "GET ", "POST ", "PUT ", "DELETE ", "HEAD ", "OPTIONS ", "PATCH ",
        "CONNECT ", "TRACE ", NULL,
    };
    int i;

    if (starts_with(b, len, "HTTP/1."))
        return 1;
    for (i = 0; methods[i]; i++)
        if (starts_with(b, len, methods[i]))
            return 1;
    return 0;
}

/* End of the header block whose line starts at i: after its blank line,
 * or len when it runs out first. */
static size_t
block_end(const uint8_t *b, size_t len, size_t i)
{
    for (; i + 1 < len; i++) {
        if (b[i] == '\n' && b[i + 1] == '\n')
            return i + 2;
        if (b[i] == '\n' && b[i + 1] == '\r' && i + 2 < len &&
            b[i + 2] == '\n')
            return i + 3;
    }
    return len;
}

/*
 * Where an HTTP/1 stream stops being HTTP/1: an HTTP/2 preface (h2c
 * prior knowledge), after a 101 Switching Protocols, after a request
 * that asks for CONNECT or an Upgrade (which the server may grant), and
 * on the server side after the answer to a CONNECT.
 */
static size_t
http1_cut(const uint8_t *b, size_t len, int peer_tunnel, int *tunnel)
{
    size_t i, line_start = 0;
    int in_request = 0;

    if (peer_tunnel)
        return block_end(b, len, 0);
    for (i = 0; i < len; i = line_start) {
        const uint8_t *l = b + i;
        size_t rest = len - i;
        const uint8_t *nl = memchr(l, '\n', rest);

        line_start = nl ? (size_t)(nl - b) + 1 : len;
        if (starts_with(l, rest, "PRI * HTTP/2"))
            return i;
        if (starts_with(l, rest, "HTTP/1.")) {
            in_request = 0;
            if (rest >= 12 && memcmp(l + 8, " 101", 4) == 0)
                return block_end(b, len, i);
        } else if (http1_start(l, rest)) {
            in_request = 1;
            if (starts_with(l, rest, "CONNECT ")) {
                *tunnel = 1;
                return block_end(b, len, i);
            }
        } else if (in_request && rest >= 8 && at_name(l, rest, 0,
                                                      "upgrade:")) {
            *tunnel = 1;
            return block_end(b, len, i);
        }
    }
    return len;
}

/* A line holding control bytes is not text (compressed or encrypted
 * bodies, a tunnel): zeroed whole. */
static size_t
zero_binary_lines(uint8_t *b, size_t len)
{
    size_t i = 0, count = 0;

    while (i < len) {
        size_t j = i, bad = 0;
        for (; j < len && b[j] != '\n'; j++)
            if ((b[j] < 0x20 && b[j] != '\t' && b[j] != '\r') ||
                b[j] == 0x7f)
                bad = 1;
        if (bad) {
            memset(b + i, 0, j - i);
            count++;
        }
        i = j + 1;
    }
    return count;
}

/*
 * One direction's stream: its segments (sorted by stream offset) copied
 * into one buffer, where a header name or value split across segments
 * is whole again. A gap (bytes not captured, by the snaplen or a loss)
 * or an overlap (a retransmission) becomes a line break, and the first
 * line after it, whose start is unknown, is wiped unless it starts an
 * HTTP message. What is not HTTP/1 keeps no byte (but a TLS record
 * header): zeroed, lengths kept.
 */
static long
redact_stream(uint8_t *buf, struct seg *s, size_t n, struct dirtab *t)
{
    struct dir *d = &t->d[s[0].dir];
    uint8_t *st;
    size_t *at, i, len = 0, total = 0, cut;
    int64_t end = 0;
    long count = 0, peer;
    int tunnel = 0, peer_tunnel = 0;

    for (i = 0; i < n; i++)
        total += s[i].cap + 1;
    st = malloc(total);
    at = malloc(n * sizeof(*at));
    if (st == NULL || at == NULL) {
        /* No memory to look: nothing kept. */
        for (i = 0; i < n; i++)
            memset(buf + s[i].off, 0, s[i].cap);
        free(st);
        free(at);
        return 1;
    }
    for (i = 0; i < n; i++) {
        if (i > 0 && s[i].rel != end)
            st[len++] = '\n';    /* a gap or an overlap */
        at[i] = len;
        memcpy(st + len, buf + s[i].off, s[i].cap);
        len += s[i].cap;
        if (i == 0 || s[i].rel + (int64_t)s[i].cap > end)
            end = s[i].rel + (int64_t)s[i].cap;
    }
    peer = dir_find(t, &d->dst, &d->src, d->dport, d->sport, 0);
    if (peer >= 0)
        peer_tunnel = t->d[peer].tunnel;
    if (!http1_start(st, len)) {
        /* Not HTTP/1: zero-filled. The header of a first TLS record
         * (type, version, length) stays, so the capture still shows
         * that TLS was spoken (a wrong_protocol cause), nothing of
         * what it carried. */
        cut = len >= 5 && st[0] >= 20 && st[0] <= 23 && st[1] == 3 &&
              st[2] <= 4 ? 5 : 0;
    } else {
        cut = http1_cut(st, len, peer_tunnel, &tunnel);
        d->tunnel = (uint8_t)tunnel;
        count += (long)zero_binary_lines(st, cut);
        count += (long)redact_buf(st, cut);
        for (i = 1; i < n; i++) {
            size_t p = at[i], q;
            if (at[i] == at[i - 1] + s[i - 1].cap || p >= cut ||
                http1_start(st + p, cut - p))
                continue;
            for (q = p; q < cut && st[q] != '\r' && st[q] != '\n'; q++)
                if (st[q])
                    st[q] = MCPD_REDACT_CHAR;
            count += q > p;
        }
    }
    if (cut < len) {
        memset(st + cut, 0, len - cut);
        count++;
    }
    for (i = 0; i < n; i++)
        memcpy(buf + s[i].off, st + at[i], s[i].cap);
    free(st);
    free(at);
    return count;
}

/* The TCP payloads of a capture, to be reassembled per direction. */
struct seglist {
    struct seg *v;
    size_t n, cap;
};

/* Payload lies inside the record's captured bytes (what the decoder
 * promises; checked, since the bytes are about to be written). */
static int
payload_inside(const struct mcpd_packet *pkt, const uint8_t *data,
               uint32_t caplen)
{
    return pkt->payload && pkt->payload_cap > 0 && pkt->payload >= data &&
           pkt->payload + pkt->payload_cap <= data + caplen;
}

/* Keep a payload of direction di for reassembly; one that cannot be
 * kept (no memory) keeps no byte. */
static void
seg_push(struct seglist *sl, uint8_t *buf, const struct mcpd_packet *pkt,
         long di, const struct dir *d)
{
    uint32_t syn = (pkt->flags & MCPD_TH_SYN) ? 1 : 0;
    struct seg *sg;

    if (sl->n == sl->cap) {
        size_t nc = sl->cap ? sl->cap * 2 : 1024;
        struct seg *ns = realloc(sl->v, nc * sizeof(*ns));
        if (ns == NULL) {
            memset(buf + (pkt->payload - buf), 0, pkt->payload_cap);
            return;
        }
        sl->v = ns;
        sl->cap = nc;
    }
    sg = &sl->v[sl->n];
    sg->off = (size_t)(pkt->payload - buf);
    sg->cap = pkt->payload_cap;
    sg->dir = (uint32_t)di;
    sg->order = (uint32_t)sl->n;
    sg->rel = (int32_t)(pkt->seq + syn - d->base);
    sl->n++;
}

/* A TCP segment: its payload queued under its direction (whose stream
 * starts after the SYN, or at the first segment seen); a payload whose
 * direction cannot be tracked keeps no byte. */
static void
tcp_segment(struct dirtab *tab, struct seglist *sl, uint8_t *buf,
            const struct mcpd_packet *pkt, uint8_t *data, uint32_t caplen)
{
    uint32_t syn = (pkt->flags & MCPD_TH_SYN) ? 1 : 0;
    int inside = payload_inside(pkt, data, caplen);
    long di;

    if (!syn && !(pkt->payload && pkt->payload_cap > 0))
        return;
    di = dir_find(tab, &pkt->src, &pkt->dst, pkt->sport, pkt->dport, 1);
    if (di < 0 || !inside) {
        if (di < 0 && inside)
            memset(data + (pkt->payload - data), 0, pkt->payload_cap);
        if (di >= 0 && syn && !tab->d[di].has_base) {
            tab->d[di].base = pkt->seq + 1;
            tab->d[di].has_base = 1;
        }
        return;
    }
    if (!tab->d[di].has_base) {
        tab->d[di].base = pkt->seq + syn;
        tab->d[di].has_base = 1;
    }
    seg_push(sl, buf, pkt, di, &tab->d[di]);
}

/* One record: an undecodable link keeps no byte, a packet that is not
 * TCP (ICMP errors quote the packet they answer, payload and all) is
 * scanned whole (the patterns are text, which binary headers do not
 * spell), a TCP payload is queued. Returns what was redacted now. */
static long
redact_record(uint8_t *buf, int dlt, int unknown_link,
              const struct mcpd_pcap_rec *r, struct dirtab *tab,
              struct seglist *sl)
{
    uint8_t *data = buf + r->data_off;
    struct mcpd_packet pkt;

    if (unknown_link) {
        memset(data, 0, r->caplen);
        return 1;
    }
    memset(&pkt, 0, sizeof(pkt));
    if (mcpd_decode(dlt, data, r->caplen, r->wire_len, &pkt) !=
        MCPD_DEC_TCP)
        return (long)redact_buf(data, r->caplen);
    tcp_segment(tab, sl, buf, &pkt, data, r->caplen);
    return 0;
}

/* Each direction's stream, requests first: a server's side is read
 * knowing whether its client asked for a CONNECT or an Upgrade. */
static long
redact_streams(uint8_t *buf, struct seglist *sl, struct dirtab *tab)
{
    struct seg *segs = sl->v;
    size_t i, j, nseg = sl->n;
    long count = 0;
    int round;

    if (nseg > 0)
        qsort(segs, nseg, sizeof(*segs), seg_cmp);
    for (round = 0; round < 2; round++)
        for (i = 0; i < nseg; i = j) {
            int request;
            for (j = i + 1; j < nseg && segs[j].dir == segs[i].dir; j++)
                ;
            request = http1_start(buf + segs[i].off, segs[i].cap) &&
                      !starts_with(buf + segs[i].off, segs[i].cap,
                                   "HTTP/");
            if (request == (round == 0))
                count += redact_stream(buf, segs + i, j - i, tab);
        }
    return count;
}

long
mcpd_redact_pcap(uint8_t *buf, size_t len, char *err)
{
    struct dirtab tab;
    struct seglist sl;
    struct mcpd_pcap_walk w;
    struct mcpd_pcap_rec r;
    enum mcpd_pcap_step step;
    int unknown_link;
    long count = 0;

    if (mcpd_pcap_walk_init(&w, buf, len, err) != 0)
        return -1;
    memset(&tab, 0, sizeof(tab));
    memset(&sl, 0, sizeof(sl));
    unknown_link = !mcpd_dlt_supported(w.dlt);
    while ((step = mcpd_pcap_walk_next(&w, &r)) == MCPD_PCAP_REC)
        count += redact_record(buf, w.dlt, unknown_link, &r, &tab, &sl);
    /* What follows the last whole record is wiped, so nothing unparsed
     * can leak: a cut-short record's bytes (its header kept), or a
     * partial record header (fewer than 16 bytes) whole. */
    if (step == MCPD_PCAP_CUT || r.hdr_off < len) {
        wipe(buf, step == MCPD_PCAP_CUT ? r.data_off : r.hdr_off, len);
        count++;
    }
    count += redact_streams(buf, &sl, &tab);
    free(sl.v);
    free(tab.d);
    free(tab.slot);
    return count;
}

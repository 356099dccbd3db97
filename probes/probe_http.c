/* \summary: probe stage 7: HTTP and MCP through libcurl: health, the
 * modern server/discover, Streamable HTTP initialize, legacy HTTP+SSE */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include <cjson/cJSON.h>
#include "probe_int.h"

#define BODY_MAX        (256 * 1024)
#define MODERN_VERSION  "2026-07-28"
#define LEGACY_VERSION  "2025-11-25"
#define SSE_VERSION     "2024-11-05"

/* A response being received. */
struct resp {
    char *body;              /* NUL-terminated */
    size_t len;              /* bytes in body */
    int truncated;           /* more than BODY_MAX arrived */
    char content_type[128];  /* Content-Type */
    char session[128];       /* Mcp-Session-Id */
    char allow[64];          /* Allow */
    char www_auth[512];      /* WWW-Authenticate */
    char server[64];         /* Server */
    char encoding[32];       /* Content-Encoding */
    const char *want_id;     /* stop once an SSE message answers this */
    int done;                /* stopped on purpose (not an error) */
    struct curl_slist *hdrs; /* this request's headers with the extra
                              * ones (--headers-fd) appended; owned */
};

static void
resp_free(struct resp *r)
{
    free(r->body);
    curl_slist_free_all(r->hdrs);
    memset(r, 0, sizeof(*r));
}

/* The JSON-RPC message answering `id` in an SSE body: events are
 * separated by a blank line, "data:" lines joined (WHATWG HTML
 * §9.2.6); empty priming events are skipped. Caller frees. */
static cJSON *
sse_find(const char *body, const char *want_id, char *endpoint, size_t elen)
{
    const char *p = body;
    char data[BODY_MAX / 4], event[64];
    size_t dl = 0;

    event[0] = '\0';
    data[0] = '\0';
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t n;

        if (eol == NULL)
            break;   /* incomplete line: wait for more */
        n = (size_t)(eol - p);
        if (n > 0 && p[n - 1] == '\r')
            n--;
        if (n == 0) {
            /* dispatch */
            if (endpoint && strcmp(event, "endpoint") == 0 && dl > 0) {
                snprintf(endpoint, elen, "%s", data);
                return cJSON_CreateTrue();
            }
            if (dl > 0 && want_id) {
                cJSON *j = cJSON_Parse(data);
                cJSON *id = j ? cJSON_GetObjectItem(j, "id") : NULL;
                char idbuf[32];
                const char *ids = NULL;

                if (cJSON_IsString(id)) {
                    ids = id->valuestring;
                } else if (cJSON_IsNumber(id)) {
                    snprintf(idbuf, sizeof(idbuf), "%d", id->valueint);
                    ids = idbuf;
                }
                if (ids && strcmp(ids, want_id) == 0 &&
                    (cJSON_GetObjectItem(j, "result") ||
                     cJSON_GetObjectItem(j, "error")))
                    return j;
                cJSON_Delete(j);
            }
            dl = 0;
            data[0] = '\0';
            event[0] = '\0';
        } else if (n >= 5 && strncmp(p, "data:", 5) == 0) {
            const char *v = p + 5;
            size_t vl = n - 5;
            if (vl && *v == ' ') {
                v++;
                vl--;
            }
            if (dl && dl + 1 < sizeof(data))
                data[dl++] = '\n';
            if (dl + vl >= sizeof(data))
                vl = sizeof(data) - dl - 1;
            memcpy(data + dl, v, vl);
            dl += vl;
            data[dl] = '\0';
        } else if (n >= 6 && strncmp(p, "event:", 6) == 0) {
            const char *v = p + 6;
            size_t vl = n - 6;
            if (vl && *v == ' ') {
                v++;
                vl--;
            }
            if (vl >= sizeof(event))
                vl = sizeof(event) - 1;
            memcpy(event, v, vl);
            event[vl] = '\0';
        }
        p = eol + 1;
    }
    return NULL;
}

static size_t
on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct resp *r = ud;
    size_t n = size * nmemb, take = n;

    if (r->len + take > BODY_MAX) {
        take = BODY_MAX - r->len;
        r->truncated = 1;
    }
    if (take) {
        char *nb = realloc(r->body, r->len + take + 1);
        if (nb == NULL)
            return 0;
        r->body = nb;
        memcpy(r->body + r->len, ptr, take);
        r->len += take;
        r->body[r->len] = '\0';
    }
    /* An SSE response to a POST stays open while the server has more
     * to say; we stop reading once our answer is in. (The legacy GET
     * stream has no want_id: its reader decides when to stop.) */
    if (r->body && r->want_id &&
        strstr(r->content_type, "text/event-stream")) {
        cJSON *j = sse_find(r->body, r->want_id, NULL, 0);
        if (j) {
            cJSON_Delete(j);
            r->done = 1;
            return 0;
        }
    }
    if (r->truncated) {
        r->done = 1;
        return 0;
    }
    return n;
}

static void
header_value(const char *line, size_t n, const char *name, char *out,
             size_t olen)
{
    size_t nl = strlen(name);

    if (n <= nl + 1 || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
        return;
    line += nl + 1;
    n -= nl + 1;
    while (n && (*line == ' ' || *line == '\t')) {
        line++;
        n--;
    }
    while (n && (line[n - 1] == '\r' || line[n - 1] == '\n' ||
                 line[n - 1] == ' '))
        n--;
    if (n >= olen)
        n = olen - 1;
    memcpy(out, line, n);
    out[n] = '\0';
}

static size_t
on_header(char *buf, size_t size, size_t nitems, void *ud)
{
    struct resp *r = ud;
    size_t n = size * nitems;

    /* A new status line (after a 100 Continue) starts a new set. */
    if (n > 5 && strncmp(buf, "HTTP/", 5) == 0) {
        r->content_type[0] = '\0';
        r->session[0] = '\0';
        r->allow[0] = '\0';
        r->www_auth[0] = '\0';
        r->server[0] = '\0';
        r->encoding[0] = '\0';
    }
    header_value(buf, n, "www-authenticate", r->www_auth,
                 sizeof(r->www_auth));
    header_value(buf, n, "server", r->server, sizeof(r->server));
    header_value(buf, n, "content-encoding", r->encoding,
                 sizeof(r->encoding));
    header_value(buf, n, "content-type", r->content_type,
                 sizeof(r->content_type));
    header_value(buf, n, "mcp-session-id", r->session, sizeof(r->session));
    header_value(buf, n, "allow", r->allow, sizeof(r->allow));
    return n;
}

/* The Accept-Encoding Node's fetch sends for `url`, less what this
 * libcurl cannot decode. */
static const char *
accept_encoding(const char *url)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    int br = v && (v->features & CURL_VERSION_BROTLI);

    if (br && strncmp(url, "https:", 6) == 0)
        return "gzip, deflate, br";
    return "gzip, deflate";
}

/* A configured easy handle for `url`; `proxy` NULL goes direct. */
static CURL *
easy_new(const struct mcpd_probe *p, const char *url, const char *proxy,
         struct resp *r, struct curl_slist *hdrs, char *errbuf)
{
    CURL *h = curl_easy_init();
    long ms = (long)(p->opts.timeout * 1000.0);

    if (h == NULL)
        return NULL;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    /* Direct unless asked: the proxy stage tests the proxy path. */
    curl_easy_setopt(h, CURLOPT_PROXY, proxy ? proxy : "");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ms > 0 ? ms : 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, ms > 0 ? ms : 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "mcpdiag/" MCPD_VERSION);
    /* Ask like the SDK's client: Node's fetch (undici) sends
     * "gzip, deflate" over http and adds "br" over https. A proxy that
     * compresses text/event-stream stalls such a client, and so us. */
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, accept_encoding(url));
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (p->opts.extra_headers) {
        /* The configured headers (doctor: a client's token) go on every
         * request, as the client sends them; the merged copy lives as
         * long as r (freed by resp_free, after the handle). Never
         * printed: no request header is. */
        const struct curl_slist *s;
        struct curl_slist *m = NULL, *n;
        int pass;
        for (pass = 0; pass < 2; pass++) {
            for (s = pass ? p->opts.extra_headers : hdrs; s; s = s->next) {
                n = curl_slist_append(m, s->data);
                if (n != NULL)
                    m = n;
            }
        }
        curl_slist_free_all(r->hdrs);
        r->hdrs = m;
        hdrs = m;
    }
    if (hdrs)
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    errbuf[0] = '\0';
    return h;
}

/* The HTTP status, its meaning for an MCP client: the core's table
 * (analyze/verdict.c), which capture and analyze read too. */
static void
status_meaning(long st, char *out, size_t len)
{
    mcpd_http_status_text(st > 0 ? (unsigned)st : 0, out, len);
}

/* Fill t's error fields from a JSON-RPC message or a plain body. */
static void
note_rpc_error(struct mcpd_http_try *t, cJSON *msg, const struct resp *r)
{
    cJSON *err = msg ? cJSON_GetObjectItem(msg, "error") : NULL;

    if (msg && cJSON_GetObjectItem(msg, "jsonrpc"))
        t->is_jsonrpc = 1;
    if (cJSON_IsObject(err)) {
        cJSON *c = cJSON_GetObjectItem(err, "code");
        cJSON *m = cJSON_GetObjectItem(err, "message");
        t->rpc_code = cJSON_IsNumber(c) ? (long)c->valuedouble : 0;
        if (cJSON_IsString(m))
            snprintf(t->rpc_message, sizeof(t->rpc_message), "%s",
                     m->valuestring);
        mcpd_text_sanitize(t->rpc_message, sizeof(t->rpc_message));
    } else if (msg == NULL && r->body && t->status >= 300) {
        /* A plain-text error (Python's "Invalid Host header"): keep its
         * first line, printable bytes only. An HTML page (nginx's "502
         * Bad Gateway"): its title. */
        const char *b = r->body, *title = strcasestr(b, "<title>");
        size_t i, o = 0;
        char stop = '\n';

        while (*b == ' ' || *b == '\r' || *b == '\n' || *b == '\t')
            b++;
        if (*b == '<') {
            if (title == NULL)
                return;
            b = title + 7;
            stop = '<';
        }
        for (i = 0; b[i] && b[i] != stop && b[i] != '\n' &&
                    o + 1 < sizeof(t->rpc_message) && i < 200; i++)
            if ((unsigned char)b[i] >= 0x20 && (unsigned char)b[i] < 0x7f)
                t->rpc_message[o++] = b[i];
        t->rpc_message[o] = '\0';
    }
}

/* The JSON-RPC answer to `id` in a finished response, JSON or SSE. */
static cJSON *
parse_answer(const struct resp *r, const char *id)
{
    if (r->body == NULL)
        return NULL;
    if (strstr(r->content_type, "text/event-stream"))
        return sse_find(r->body, id, NULL, 0);
    return cJSON_Parse(r->body);
}

/* A new attempt's record: what was asked of which URL, nothing heard. */
static void
try_start(struct mcpd_http_try *t, const char *method, const char *url)
{
    memset(t, 0, sizeof(*t));
    t->ran = 1;
    snprintf(t->method, sizeof(t->method), "%s", method);
    snprintf(t->url, sizeof(t->url), "%s", url);
}

/*
 * One request. `body` NULL makes a GET (or `method`). Fills t and r;
 * returns the libcurl code.
 */
static CURLcode
request(const struct mcpd_probe *p, struct mcpd_http_try *t,
        const char *method, const char *url, const char *proxy,
        struct curl_slist *hdrs, const char *body, struct resp *r)
{
    char errbuf[CURL_ERROR_SIZE];
    CURL *h = easy_new(p, url, proxy, r, hdrs, errbuf);
    CURLcode rc;
    long os_errno = 0;
    double total = 0;
    char *ct = NULL;

    try_start(t, method, url);
    if (h == NULL) {
        snprintf(t->error, sizeof(t->error), "libcurl: cannot start");
        t->curl_code = CURLE_FAILED_INIT;
        return CURLE_FAILED_INIT;
    }
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    rc = curl_easy_perform(h);
    if (rc == CURLE_WRITE_ERROR && r->done)
        rc = CURLE_OK;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &t->status);
    curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
    curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, &total);
    if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
        snprintf(t->content_type, sizeof(t->content_type), "%s", ct);
    t->ms = total * 1000.0;
    t->curl_code = (int)rc;
    t->os_errno = (int)os_errno;
    if (rc != CURLE_OK)
        snprintf(t->error, sizeof(t->error), "%s",
                 errbuf[0] ? errbuf : curl_easy_strerror(rc));
    snprintf(t->www_auth, sizeof(t->www_auth), "%s", r->www_auth);
    snprintf(t->server, sizeof(t->server), "%s", r->server);
    snprintf(t->encoding, sizeof(t->encoding), "%s", r->encoding);
    mcpd_text_sanitize(t->www_auth, sizeof(t->www_auth));
    mcpd_text_sanitize(t->server, sizeof(t->server));
    mcpd_text_sanitize(t->encoding, sizeof(t->encoding));
    mcpd_text_sanitize(t->content_type, sizeof(t->content_type));
    mcpd_text_sanitize(t->error, sizeof(t->error));
    status_meaning(t->status, t->meaning, sizeof(t->meaning));
    curl_easy_cleanup(h);
    return rc;
}

static struct curl_slist *
mcp_headers(const char *accept, const char *version, const char *method,
            const char *session)
{
    struct curl_slist *l = NULL;
    char buf[256];

    l = curl_slist_append(l, "Content-Type: application/json");
    snprintf(buf, sizeof(buf), "Accept: %s", accept);
    l = curl_slist_append(l, buf);
    if (version) {
        snprintf(buf, sizeof(buf), "MCP-Protocol-Version: %s", version);
        l = curl_slist_append(l, buf);
    }
    if (method) {
        snprintf(buf, sizeof(buf), "Mcp-Method: %s", method);
        l = curl_slist_append(l, buf);
    }
    if (session && *session) {
        snprintf(buf, sizeof(buf), "Mcp-Session-Id: %s", session);
        l = curl_slist_append(l, buf);
    }
    /* No "Expect: 100-continue" round trip on small bodies. */
    l = curl_slist_append(l, "Expect:");
    return l;
}

static const char init_body[] =
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
    "{\"protocolVersion\":\"" LEGACY_VERSION "\",\"capabilities\":{},"
    "\"clientInfo\":{\"name\":\"mcpdiag\",\"version\":\"" MCPD_VERSION
    "\"}}}";

static const char sse_init_body[] =
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
    "{\"protocolVersion\":\"" SSE_VERSION "\",\"capabilities\":{},"
    "\"clientInfo\":{\"name\":\"mcpdiag\",\"version\":\"" MCPD_VERSION
    "\"}}}";

/* A serverInfo object's name and version, made fit for a terminal and
 * one-line messages (they are the server's own words). */
static void
take_server_info(struct mcpd_probe_http *hs, const cJSON *si)
{
    const cJSON *n = si ? cJSON_GetObjectItem(si, "name") : NULL;
    const cJSON *v = si ? cJSON_GetObjectItem(si, "version") : NULL;

    if (cJSON_IsString(n))
        snprintf(hs->server_name, sizeof(hs->server_name), "%s",
                 n->valuestring);
    if (cJSON_IsString(v))
        snprintf(hs->server_version, sizeof(hs->server_version), "%s",
                 v->valuestring);
    mcpd_text_sanitize(hs->server_name, sizeof(hs->server_name));
    mcpd_text_sanitize(hs->server_version, sizeof(hs->server_version));
}

/* Pull protocolVersion and serverInfo out of an InitializeResult. */
static int
take_init_result(struct mcpd_probe_http *hs, cJSON *msg)
{
    cJSON *res = msg ? cJSON_GetObjectItem(msg, "result") : NULL;
    cJSON *pv, *si;

    if (!cJSON_IsObject(res))
        return 0;
    pv = cJSON_GetObjectItem(res, "protocolVersion");
    si = cJSON_GetObjectItem(res, "serverInfo");
    if (!cJSON_IsString(pv))
        return 0;
    snprintf(hs->protocol_version, sizeof(hs->protocol_version), "%s",
             pv->valuestring);
    take_server_info(hs, cJSON_IsObject(si) ? si : NULL);
    mcpd_text_sanitize(hs->protocol_version, sizeof(hs->protocol_version));
    return 1;
}

/* Streamable HTTP initialize (research §2.4). Returns 1 on success. */
static int
try_initialize(const struct mcpd_probe *p, const char *url,
               const char *proxy, struct mcpd_http_try *t,
               struct mcpd_probe_http *hs, char *session, size_t slen)
{
    struct curl_slist *h = mcp_headers("application/json, "
                                       "text/event-stream", NULL, NULL,
                                       NULL);
    struct resp r;
    cJSON *msg;
    int ok = 0;

    memset(&r, 0, sizeof(r));
    r.want_id = "1";
    request(p, t, "POST", url, proxy, h, init_body, &r);
    curl_slist_free_all(h);
    msg = parse_answer(&r, "1");
    note_rpc_error(t, msg, &r);
    if (t->status == 200 && hs && take_init_result(hs, msg)) {
        ok = 1;
        if (session)
            snprintf(session, slen, "%s", r.session);
    } else if (t->status == 200 && t->meaning[0] == '\0') {
        snprintf(t->meaning, sizeof(t->meaning), "%s",
                 t->rpc_code ? "the server answered initialize with a "
                 "JSON-RPC error" : "200 but no InitializeResult: not an "
                 "MCP endpoint");
    }
    cJSON_Delete(msg);
    resp_free(&r);
    return ok;
}

int
mcpd_http_init_via(struct mcpd_probe *p, const char *proxy,
                   struct mcpd_http_try *t)
{
    struct mcpd_probe_http scratch;

    memset(&scratch, 0, sizeof(scratch));
    return try_initialize(p, p->target.url, proxy, t, &scratch, NULL, 0);
}

static void
stage_discover(struct mcpd_probe *p)
{
    static const char body[] =
        "{\"jsonrpc\":\"2.0\",\"id\":\"mcpdiag-discover-1\",\"method\":"
        "\"server/discover\",\"params\":{\"_meta\":{"
        "\"io.modelcontextprotocol/protocolVersion\":\"" MODERN_VERSION "\","
        "\"io.modelcontextprotocol/clientInfo\":{\"name\":\"mcpdiag\","
        "\"version\":\"" MCPD_VERSION "\"},"
        "\"io.modelcontextprotocol/clientCapabilities\":{}}}}";
    struct mcpd_probe_http *hs = &p->http;
    struct mcpd_http_try *t = &hs->discover;
    struct curl_slist *h = mcp_headers("application/json, text/event-stream",
                                       MODERN_VERSION, "server/discover",
                                       NULL);
    struct resp r;
    cJSON *msg, *res;

    memset(&r, 0, sizeof(r));
    r.want_id = "mcpdiag-discover-1";
    request(p, t, "POST", p->target.url, NULL, h, body, &r);
    curl_slist_free_all(h);
    msg = parse_answer(&r, "mcpdiag-discover-1");
    note_rpc_error(t, msg, &r);
    res = msg ? cJSON_GetObjectItem(msg, "result") : NULL;
    if (t->status == 200 && cJSON_IsObject(res) &&
        cJSON_IsArray(cJSON_GetObjectItem(res, "supportedVersions"))) {
        cJSON *meta = cJSON_GetObjectItem(res, "_meta");
        cJSON *si = meta ? cJSON_GetObjectItem(meta,
                           "io.modelcontextprotocol/serverInfo") : NULL;

        hs->mcp_ok = 1;
        snprintf(hs->transport, sizeof(hs->transport), "modern");
        snprintf(hs->protocol_version, sizeof(hs->protocol_version),
                 MODERN_VERSION);
        take_server_info(hs, si);
        snprintf(t->meaning, sizeof(t->meaning), "a %s server",
                 MODERN_VERSION);
    } else if (t->rpc_code == -32022 || t->rpc_code == -32020) {
        snprintf(t->meaning, sizeof(t->meaning), "a modern server that "
                 "refused our protocol version");
    } else if (t->status == 400 || t->status == 404 || t->status == 405 ||
               (t->status == 200 && t->rpc_code == -32601)) {
        snprintf(t->meaning, sizeof(t->meaning), "not a %s server: try the "
                 "2025 initialize handshake", MODERN_VERSION);
    }
    cJSON_Delete(msg);
    resp_free(&r);
}

static void
stage_initialize(struct mcpd_probe *p)
{
    struct mcpd_probe_http *hs = &p->http;
    struct curl_slist *h;
    struct resp r;
    char session[128] = "";
    struct mcpd_probe_http got;

    memset(&got, 0, sizeof(got));
    if (!try_initialize(p, p->target.url, NULL, &hs->init, &got, session,
                        sizeof(session)))
        return;
    if (!hs->mcp_ok) {
        hs->mcp_ok = 1;
        snprintf(hs->transport, sizeof(hs->transport), "streamable-http");
        memcpy(hs->protocol_version, got.protocol_version,
               sizeof(hs->protocol_version));
        memcpy(hs->server_name, got.server_name, sizeof(hs->server_name));
        memcpy(hs->server_version, got.server_version,
               sizeof(hs->server_version));
    }
    snprintf(hs->session_id, sizeof(hs->session_id), "%s", session);

    /* The handshake ends with the client's notification (202). */
    h = mcp_headers("application/json, text/event-stream",
                    got.protocol_version, NULL, session);
    memset(&r, 0, sizeof(r));
    request(p, &hs->initialized, "POST", p->target.url, NULL, h,
            "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/"
            "initialized\"}", &r);
    resp_free(&r);
    if (p->opts.deep) {
        cJSON *msg, *res, *tools;
        memset(&r, 0, sizeof(r));
        r.want_id = "2";
        request(p, &hs->tools, "POST", p->target.url, NULL, h,
                "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\","
                "\"params\":{}}", &r);
        msg = parse_answer(&r, "2");
        note_rpc_error(&hs->tools, msg, &r);
        res = msg ? cJSON_GetObjectItem(msg, "result") : NULL;
        tools = res ? cJSON_GetObjectItem(res, "tools") : NULL;
        hs->tools_count = cJSON_IsArray(tools) ? cJSON_GetArraySize(tools)
                                               : -1;
        cJSON_Delete(msg);
        resp_free(&r);
    }
    curl_slist_free_all(h);
    if (session[0]) {
        /* Leave no session behind on the server. */
        struct mcpd_http_try del;
        h = mcp_headers("application/json, text/event-stream",
                        got.protocol_version, NULL, session);
        memset(&r, 0, sizeof(r));
        request(p, &del, "DELETE", p->target.url, NULL, h, NULL, &r);
        resp_free(&r);
        curl_slist_free_all(h);
    }
}

/* Resolve the endpoint event's data against the SSE URL (RFC 3986 §5.2,
 * the cases servers use: absolute URL, absolute path, relative path). */
static void
resolve_endpoint(const struct mcpd_target *t, const char *sse_path,
                 const char *data, char *out, size_t len)
{
    char path[1024];

    if (strncmp(data, "http://", 7) == 0 ||
        strncmp(data, "https://", 8) == 0) {
        snprintf(out, len, "%s", data);
        return;
    }
    if (data[0] == '/') {
        mcpd_target_url_for(t, data, out, len);
        return;
    }
    snprintf(path, sizeof(path), "%s", sse_path);
    if (strrchr(path, '/'))
        strrchr(path, '/')[1] = '\0';
    if (strlen(path) + strlen(data) < sizeof(path))
        memcpy(path + strlen(path), data, strlen(data) + 1);
    mcpd_target_url_for(t, path, out, len);
}

/* Where the legacy transport's exchange stands. */
enum sse_phase {
    SSE_GONE = -1,           /* the stream failed or ended first */
    SSE_WAIT_ENDPOINT = 0,   /* GET open, waiting for the endpoint */
    SSE_POSTED = 2,          /* initialize POSTed to the endpoint */
    SSE_ACCEPTED = 3,        /* the POST was accepted (2xx) */
    SSE_ENDED = 4,           /* the stream ended before the answer */
    SSE_REFUSED = 5,         /* the POST was refused */
};

/* The legacy HTTP+SSE exchange: GET the stream, wait for its endpoint
 * event, POST initialize there, read the answer on the stream. */
struct sse_run {
    struct mcpd_probe *p;
    struct mcpd_probe_http *hs;
    char sse_path[1024];     /* the stream's path */
    char url[1400];          /* the stream's URL, then the endpoint's */
    char errbuf[CURL_ERROR_SIZE];    /* the GET's error */
    char post_err[CURL_ERROR_SIZE];  /* the POST's error */
    struct curl_slist *gh, *ph;      /* their headers */
    struct resp gr, pr;      /* their answers */
    CURL *g, *post;          /* their handles (post NULL until sent) */
    CURLM *m;
    int phase;               /* enum sse_phase */
    cJSON *msg;              /* the answer to initialize, or NULL */
};

/* Open the GET of the stream: the user's path when it names the SSE
 * endpoint, else /sse. 0, or -1. */
static int
sse_open(struct sse_run *s)
{
    struct mcpd_probe_http *hs = s->hs;
    const char *tp = s->p->target.path;
    size_t tl = strlen(tp);

    if (tl >= 4 && strcmp(tp + tl - 4, "/sse") == 0)
        snprintf(s->sse_path, sizeof(s->sse_path), "%s", tp);
    else
        snprintf(s->sse_path, sizeof(s->sse_path), "/sse");
    mcpd_target_url_for(&s->p->target, s->sse_path, s->url, sizeof(s->url));
    try_start(&hs->sse_get, "GET", s->url);
    s->gh = curl_slist_append(NULL, "Accept: text/event-stream");
    s->gh = curl_slist_append(s->gh, "Cache-Control: no-cache");
    s->g = easy_new(s->p, s->url, NULL, &s->gr, s->gh, s->errbuf);
    s->m = curl_multi_init();
    if (s->g == NULL || s->m == NULL)
        return -1;
    /* The stream stays open: only the overall deadline ends it. */
    curl_easy_setopt(s->g, CURLOPT_TIMEOUT_MS, 0L);
    curl_multi_add_handle(s->m, s->g);
    return 0;
}

/* One transfer finished: the stream (it ended), or the POST. */
static void
sse_done(struct sse_run *s, CURLMsg *cm)
{
    struct mcpd_probe_http *hs = s->hs;

    if (cm->easy_handle == s->g) {
        CURLcode rc = cm->data.result;
        curl_easy_getinfo(s->g, CURLINFO_RESPONSE_CODE,
                          &hs->sse_get.status);
        if (!(rc == CURLE_WRITE_ERROR && s->gr.done)) {
            hs->sse_get.curl_code = (int)rc;
            if (rc != CURLE_OK)
                snprintf(hs->sse_get.error, sizeof(hs->sse_get.error),
                         "%s", s->errbuf[0] ? s->errbuf :
                         curl_easy_strerror(rc));
        }
        s->phase = s->phase < 1 ? SSE_GONE : s->phase;
        if (s->phase == SSE_POSTED || s->phase == SSE_ACCEPTED)
            s->phase = SSE_ENDED;
    } else if (cm->easy_handle == s->post) {
        curl_easy_getinfo(s->post, CURLINFO_RESPONSE_CODE,
                          &hs->sse_post.status);
        hs->sse_post.curl_code = (int)cm->data.result;
        if (cm->data.result != CURLE_OK)
            snprintf(hs->sse_post.error, sizeof(hs->sse_post.error),
                     "%s", s->post_err[0] ? s->post_err :
                     curl_easy_strerror(cm->data.result));
        status_meaning(hs->sse_post.status, hs->sse_post.meaning,
                       sizeof(hs->sse_post.meaning));
        note_rpc_error(&hs->sse_post, NULL, &s->pr);
        if (s->phase == SSE_POSTED)
            s->phase = hs->sse_post.status / 100 == 2 ? SSE_ACCEPTED
                                                      : SSE_REFUSED;
    }
}

/* The endpoint event came: POST initialize to it. 0, or -1. */
static int
sse_post_init(struct sse_run *s, const char *ep)
{
    struct mcpd_probe_http *hs = s->hs;

    snprintf(hs->sse_endpoint, sizeof(hs->sse_endpoint), "%s", ep);
    mcpd_text_sanitize(hs->sse_endpoint, sizeof(hs->sse_endpoint));
    /* From now on the stream carries the answer. */
    if (s->gr.len) {
        s->gr.len = 0;
        s->gr.body[0] = '\0';
    }
    resolve_endpoint(&s->p->target, s->sse_path, ep, s->url,
                     sizeof(s->url));
    try_start(&hs->sse_post, "POST", s->url);
    s->ph = curl_slist_append(NULL, "Content-Type: application/json");
    s->ph = curl_slist_append(s->ph, "Expect:");
    s->post = easy_new(s->p, s->url, NULL, &s->pr, s->ph, s->post_err);
    if (s->post == NULL)
        return -1;
    curl_easy_setopt(s->post, CURLOPT_POSTFIELDS, sse_init_body);
    curl_multi_add_handle(s->m, s->post);
    s->phase = SSE_POSTED;
    return 0;
}

/* One turn of the exchange after the transfers moved. 1 to go on, 0
 * when it is over. */
static int
sse_step(struct sse_run *s)
{
    struct mcpd_probe_http *hs = s->hs;

    if (s->phase < 0 || s->phase >= SSE_ENDED)
        return 0;
    curl_easy_getinfo(s->g, CURLINFO_RESPONSE_CODE, &hs->sse_get.status);
    if (s->phase == SSE_WAIT_ENDPOINT && hs->sse_get.status &&
        hs->sse_get.status != 200) {
        s->phase = SSE_GONE;
    } else if (s->phase == SSE_WAIT_ENDPOINT && s->gr.body) {
        char ep[512];
        cJSON *j = sse_find(s->gr.body, NULL, ep, sizeof(ep));
        if (j) {
            cJSON_Delete(j);
            if (sse_post_init(s, ep) != 0)
                return 0;
        }
    }
    if (s->phase >= SSE_POSTED && s->gr.body) {
        s->msg = sse_find(s->gr.body, "1", NULL, 0);
        if (s->msg)
            return 0;
    }
    return 1;
}

/* Run the transfers until the answer, the end, or twice the timeout. */
static void
sse_exchange(struct sse_run *s)
{
    double deadline = mcpd_now_ms() + s->p->opts.timeout * 1000.0 * 2;
    int running = 1;

    while (mcpd_now_ms() < deadline) {
        CURLMsg *cm;
        int left;

        curl_multi_perform(s->m, &running);
        while ((cm = curl_multi_info_read(s->m, &left)) != NULL)
            if (cm->msg == CURLMSG_DONE)
                sse_done(s, cm);
        if (!sse_step(s))
            break;
        curl_multi_poll(s->m, NULL, 0, 50, NULL);
    }
}

/* What the exchange showed: MCP over SSE, a stalled stream, or a POST
 * whose answer never came; and the stream's headers. */
static void
sse_record(struct sse_run *s)
{
    struct mcpd_probe_http *hs = s->hs;
    struct mcpd_http_try *gt = &hs->sse_get;

    if (s->msg) {
        struct mcpd_probe_http got;
        memset(&got, 0, sizeof(got));
        note_rpc_error(&hs->sse_post, s->msg, &s->gr);
        if (take_init_result(&got, s->msg) && !hs->mcp_ok) {
            hs->mcp_ok = 1;
            snprintf(hs->transport, sizeof(hs->transport), "sse");
            memcpy(hs->protocol_version, got.protocol_version,
                   sizeof(hs->protocol_version));
            memcpy(hs->server_name, got.server_name,
                   sizeof(hs->server_name));
            memcpy(hs->server_version, got.server_version,
                   sizeof(hs->server_version));
        }
        hs->sse_post.is_jsonrpc = 1;
    } else if (s->phase == SSE_WAIT_ENDPOINT && (gt->status == 200 ||
                                                 gt->status == 0)) {
        /* Still open, and no first event (not even the headers, when a
         * proxy's gzip holds them with the body) within twice the
         * timeout: a proxy that buffers or compresses the stream, or a
         * server that waits. */
        hs->sse_stalled = 1;
        snprintf(gt->meaning, sizeof(gt->meaning),
                 "the stream %s no endpoint event in %.1f s",
                 gt->status ? "opened but sent" :
                 "sent no headers and", s->p->opts.timeout * 2);
    } else if (s->phase == SSE_ACCEPTED || s->phase == SSE_ENDED) {
        hs->sse_stalled = s->phase == SSE_ACCEPTED;
        snprintf(hs->sse_post.meaning, sizeof(hs->sse_post.meaning),
                 "the POST was accepted but no answer came on the stream "
                 "(buffering proxy or dropped stream?)");
    }
    snprintf(gt->content_type, sizeof(gt->content_type), "%s",
             s->gr.content_type);
    snprintf(gt->server, sizeof(gt->server), "%s", s->gr.server);
    snprintf(gt->encoding, sizeof(gt->encoding), "%s", s->gr.encoding);
    snprintf(gt->www_auth, sizeof(gt->www_auth), "%s", s->gr.www_auth);
    mcpd_text_sanitize(gt->content_type, sizeof(gt->content_type));
    mcpd_text_sanitize(gt->server, sizeof(gt->server));
    mcpd_text_sanitize(gt->encoding, sizeof(gt->encoding));
    mcpd_text_sanitize(gt->www_auth, sizeof(gt->www_auth));
    status_meaning(gt->status, s->errbuf, sizeof(s->errbuf));
    if (gt->meaning[0] == '\0')
        snprintf(gt->meaning, sizeof(gt->meaning), "%s", s->errbuf);
}

static void
sse_close(struct sse_run *s)
{
    cJSON_Delete(s->msg);
    if (s->post) {
        curl_multi_remove_handle(s->m, s->post);
        curl_easy_cleanup(s->post);
    }
    if (s->g) {
        if (s->m)
            curl_multi_remove_handle(s->m, s->g);
        curl_easy_cleanup(s->g);
    }
    if (s->m)
        curl_multi_cleanup(s->m);
    curl_slist_free_all(s->gh);
    curl_slist_free_all(s->ph);
    resp_free(&s->gr);
    resp_free(&s->pr);
}

/* Stage 7c: the legacy HTTP+SSE transport (research §2.5). */
static void
stage_sse(struct mcpd_probe *p)
{
    struct sse_run *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return;
    s->p = p;
    s->hs = &p->http;
    s->phase = SSE_WAIT_ENDPOINT;
    if (sse_open(s) == 0) {
        sse_exchange(s);
        sse_record(s);
    }
    sse_close(s);
    free(s);
}

/*
 * The request whose failure says most about TLS: the first of health,
 * discover and initialize that got no HTTP answer for a TLS reason. A
 * loaded server can let the first request run past --timeout while the
 * next ones fail at once with TLS's "wrong version number": that
 * failure is the evidence, the timeout is not.
 */
static int
tls_reason(int https, int code)
{
    if (https)
        return code == CURLE_SSL_CONNECT_ERROR ||
               code == CURLE_PEER_FAILED_VERIFICATION;
    return code == CURLE_WEIRD_SERVER_REPLY || code == CURLE_GOT_NOTHING ||
           code == CURLE_UNSUPPORTED_PROTOCOL || code == CURLE_RECV_ERROR;
}

static const struct mcpd_http_try *
tls_evidence(const struct mcpd_probe *p)
{
    const struct mcpd_probe_http *hs = &p->http;
    const struct mcpd_http_try *tries[] = { &hs->health, &hs->discover,
                                            &hs->init };
    int https = strcmp(p->target.scheme, "https") == 0;
    size_t i;

    for (i = 0; i < sizeof(tries) / sizeof(tries[0]); i++)
        if (tries[i]->ran && tries[i]->status == 0 &&
            tls_reason(https, tries[i]->curl_code))
            return tries[i];
    return &hs->health;
}

/* TLS and plain HTTP spoken past each other (research §1 row 19). */
static void
check_tls_mismatch(struct mcpd_probe *p)
{
    struct mcpd_probe_http *hs = &p->http;
    const struct mcpd_http_try *h = tls_evidence(p);
    struct mcpd_target alt = p->target;
    struct mcpd_http_try t;
    struct resp r;
    char errbuf[CURL_ERROR_SIZE];
    CURL *c;

    if (h->status != 0)
        return;
    if (strcmp(p->target.scheme, "https") == 0 &&
        h->curl_code == CURLE_PEER_FAILED_VERIFICATION) {
        /* TLS on both sides, but the certificate is not one this client
         * trusts for this name (self-signed, private CA, wrong name).
         * Ask once without the check whether HTTP is behind it: then
         * the certificate is the only problem. */
        hs->tls_untrusted = 1;
        snprintf(hs->tls_error, sizeof(hs->tls_error), "%s", h->error);
        memset(&r, 0, sizeof(r));
        c = easy_new(p, h->url, NULL, &r, NULL, errbuf);
        if (c == NULL)
            return;
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
        if (curl_easy_perform(c) == CURLE_OK)
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE,
                              &hs->tls_insecure_status);
        curl_easy_cleanup(c);
        resp_free(&r);
        return;
    }
    if (strcmp(p->target.scheme, "https") == 0 &&
        h->curl_code == CURLE_SSL_CONNECT_ERROR) {
        /* Does the port answer plain HTTP? */
        snprintf(alt.scheme, sizeof(alt.scheme), "http");
        mcpd_target_url_for(&alt, "/", alt.url, sizeof(alt.url));
        memset(&r, 0, sizeof(r));
        request(p, &t, "GET", alt.url, NULL, NULL, NULL, &r);
        resp_free(&r);
        if (t.status)
            hs->tls_mismatch = 1;
        return;
    }
    if (strcmp(p->target.scheme, "http") != 0 ||
        (h->curl_code != CURLE_WEIRD_SERVER_REPLY &&
         h->curl_code != CURLE_GOT_NOTHING &&
         h->curl_code != CURLE_UNSUPPORTED_PROTOCOL &&
         h->curl_code != CURLE_RECV_ERROR))
        return;
    /* Does the port complete a TLS handshake? (No certificate check: we
     * only ask what it speaks.) */
    snprintf(alt.scheme, sizeof(alt.scheme), "https");
    mcpd_target_url_for(&alt, "/", alt.url, sizeof(alt.url));
    memset(&r, 0, sizeof(r));
    c = easy_new(p, alt.url, NULL, &r, NULL, errbuf);
    if (c == NULL)
        return;
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
    if (curl_easy_perform(c) == CURLE_OK)
        hs->tls_mismatch = 2;
    curl_easy_cleanup(c);
    resp_free(&r);
}

/* DELETE an MCP session we opened at `url`: leave nothing behind. */
static void
end_session(const struct mcpd_probe *p, const char *url,
            const char *version, const char *session)
{
    struct curl_slist *h;
    struct mcpd_http_try del;
    struct resp r;

    if (session[0] == '\0')
        return;
    h = mcp_headers("application/json, text/event-stream", version, NULL,
                    session);
    memset(&r, 0, sizeof(r));
    request(p, &del, "DELETE", url, NULL, h, NULL, &r);
    resp_free(&r);
    curl_slist_free_all(h);
}

/*
 * The given path did not speak MCP: try the usual ones (Streamable HTTP
 * initialize at each) and remember the first that does. The answers at
 * all of them are also the evidence that the listener is, or is not, an
 * MCP server at all.
 */
static void
scan_paths(struct mcpd_probe *p)
{
    static const char *const usual[] = { "/mcp", "/mcp/", "/sse", "/" };
    struct mcpd_probe_http *hs = &p->http;
    size_t i;

    for (i = 0; i < sizeof(usual) / sizeof(usual[0]) &&
                hs->npaths < MCPD_PROBE_MAX_PATHS; i++) {
        struct mcpd_path_try *pt = &hs->paths[hs->npaths];
        struct mcpd_probe_http got;
        char url[1400], session[128] = "";

        if (strcmp(usual[i], p->target.path) == 0)
            continue;
        memset(pt, 0, sizeof(*pt));
        memset(&got, 0, sizeof(got));
        snprintf(pt->path, sizeof(pt->path), "%s", usual[i]);
        mcpd_target_url_for(&p->target, usual[i], url, sizeof(url));
        pt->mcp_ok = try_initialize(p, url, NULL, &pt->init, &got, session,
                                    sizeof(session));
        hs->npaths++;
        if (pt->mcp_ok) {
            end_session(p, url, got.protocol_version, session);
            if (hs->mcp_url[0] == '\0') {
                snprintf(hs->mcp_url, sizeof(hs->mcp_url), "%s", url);
                snprintf(hs->mcp_url_transport,
                         sizeof(hs->mcp_url_transport), "streamable-http");
            }
            break;
        }
        /* Nothing answers HTTP there at all: the other paths will not. */
        if (pt->init.status == 0)
            break;
    }
}

/* The value of `param` in an HTTP challenge (RFC 9110 §11.2:
 * auth-param = token "=" ( token / quoted-string )), or "". */
static void
challenge_param(const char *hdr, const char *param, char *out, size_t len)
{
    size_t pl = strlen(param), o = 0;
    const char *s = hdr;

    out[0] = '\0';
    while ((s = strcasestr(s, param)) != NULL) {
        const char *v = s + pl;
        int at_start = s == hdr || s[-1] == ' ' || s[-1] == ',' ||
                       s[-1] == '\t';

        s = v;
        while (*v == ' ')
            v++;
        if (!at_start || *v != '=')
            continue;
        v++;
        while (*v == ' ')
            v++;
        if (*v == '"') {
            for (v++; *v && *v != '"' && o + 1 < len; v++) {
                if (*v == '\\' && v[1])
                    v++;
                out[o++] = *v;
            }
        } else {
            for (; *v && *v != ',' && *v != ' ' && o + 1 < len; v++)
                out[o++] = *v;
        }
        out[o] = '\0';
        return;
    }
}

/* GET a protected-resource metadata document; 1 when it parsed. */
static int
read_resource_metadata(const struct mcpd_probe *p, const char *url,
                       struct mcpd_probe_auth *a)
{
    struct mcpd_http_try t;
    struct curl_slist *h = curl_slist_append(NULL,
                                             "Accept: application/json");
    struct resp r;
    cJSON *doc, *res, *as;
    int i, ok = 0;

    memset(&r, 0, sizeof(r));
    request(p, &t, "GET", url, NULL, h, NULL, &r);
    curl_slist_free_all(h);
    snprintf(a->metadata_url, sizeof(a->metadata_url), "%s", url);
    a->metadata_status = t.status;
    doc = t.status == 200 && r.body ? cJSON_Parse(r.body) : NULL;
    res = doc ? cJSON_GetObjectItem(doc, "resource") : NULL;
    as = doc ? cJSON_GetObjectItem(doc, "authorization_servers") : NULL;
    if (cJSON_IsString(res))
        snprintf(a->resource, sizeof(a->resource), "%s", res->valuestring);
    if (cJSON_IsArray(as)) {
        ok = 1;
        a->nservers = 0;
        for (i = 0; i < cJSON_GetArraySize(as) &&
                    a->nservers < MCPD_PROBE_MAX_AS; i++) {
            cJSON *e = cJSON_GetArrayItem(as, i);
            if (cJSON_IsString(e)) {
                snprintf(a->servers[a->nservers], sizeof(a->servers[0]),
                         "%s", e->valuestring);
                mcpd_text_sanitize(a->servers[a->nservers],
                                   sizeof(a->servers[0]));
                a->nservers++;
            }
        }
    }
    mcpd_text_sanitize(a->resource, sizeof(a->resource));
    cJSON_Delete(doc);
    resp_free(&r);
    return ok;
}

/*
 * MCP authorization (spec 2025-06-18 and later, RFC 9728): the server's
 * 401 names its protected-resource metadata in WWW-Authenticate
 * (resource_metadata=...), else the client looks at the well-known URI,
 * path-suffixed first; the metadata names the authorization servers.
 * We send no credential and print none.
 */
static void
stage_auth(struct mcpd_probe *p, const struct mcpd_http_try *t)
{
    struct mcpd_probe_auth *a = &p->http.auth;
    char url[1400], path[1100];
    const char *sp;

    a->required = 1;
    a->status = t->status;
    sp = t->www_auth;
    while (*sp == ' ')
        sp++;
    snprintf(a->scheme, sizeof(a->scheme), "%.*s",
             (int)strcspn(sp, " ,"), sp);
    challenge_param(t->www_auth, "resource_metadata", a->resource_metadata,
                    sizeof(a->resource_metadata));
    mcpd_text_sanitize(a->resource_metadata, sizeof(a->resource_metadata));
    if (a->resource_metadata[0] &&
        (strncmp(a->resource_metadata, "http://", 7) == 0 ||
         strncmp(a->resource_metadata, "https://", 8) == 0) &&
        read_resource_metadata(p, a->resource_metadata, a))
        return;
    if (strcmp(p->target.path, "/") != 0 && p->target.path[0]) {
        snprintf(path, sizeof(path), "/.well-known/oauth-protected-resource"
                 "%s", p->target.path);
        mcpd_target_url_for(&p->target, path, url, sizeof(url));
        if (read_resource_metadata(p, url, a))
            return;
    }
    mcpd_target_url_for(&p->target, "/.well-known/oauth-protected-resource",
                        url, sizeof(url));
    read_resource_metadata(p, url, a);
}

/* An MCP-style authentication challenge: 401, or 403 that carries
 * WWW-Authenticate (the status table's challenge rows). */
static int
wants_auth(const struct mcpd_http_try *t)
{
    const struct mcpd_http_status *r = mcpd_http_status_row(t->status > 0 ?
                                                     (unsigned)t->status : 0);

    return r->cause == MCPD_C_AUTH_REQUIRED ||
           (r->challenge && t->www_auth[0]);
}

/* Stage 7. */
void
mcpd_probe_http(struct mcpd_probe *p)
{
    struct mcpd_probe_http *hs = &p->http;
    char url[1400];
    struct resp r;

    hs->tools_count = -1;
    mcpd_target_url_for(&p->target, p->opts.health, url, sizeof(url));
    memset(&r, 0, sizeof(r));
    request(p, &hs->health, "GET", url, NULL, NULL, NULL, &r);
    if (hs->health.status == 404)
        snprintf(hs->health.meaning, sizeof(hs->health.meaning),
                 "no health route (neutral: not part of MCP)");
    resp_free(&r);
    stage_discover(p);
    stage_initialize(p);
    check_tls_mismatch(p);
    /* The legacy transport is the fallback: asked for only when the
     * current ones did not answer, or with --deep. */
    if (!hs->mcp_ok || p->opts.deep)
        stage_sse(p);
    if (wants_auth(&hs->init) || wants_auth(&hs->discover)) {
        stage_auth(p, wants_auth(&hs->init) ? &hs->init : &hs->discover);
        return;
    }
    if (hs->mcp_ok && strcmp(hs->transport, "sse") == 0) {
        snprintf(hs->mcp_url, sizeof(hs->mcp_url), "%s", hs->sse_get.url);
        snprintf(hs->mcp_url_transport, sizeof(hs->mcp_url_transport),
                 "sse");
    } else if (hs->mcp_ok) {
        snprintf(hs->mcp_url, sizeof(hs->mcp_url), "%s", p->target.url);
        snprintf(hs->mcp_url_transport, sizeof(hs->mcp_url_transport),
                 "%s", hs->transport);
    }
    /* Where the given URL spoke HTTP but not MCP (and not for a reason
     * every path shares: the Host check, a gateway; nor with JSON-RPC,
     * which says the endpoint is there), try the usual paths. */
    if (!hs->mcp_ok && hs->init.status != 0 && !hs->tls_untrusted &&
        !hs->init.is_jsonrpc && !hs->discover.is_jsonrpc &&
        !hs->tls_mismatch &&
        !mcpd_http_status_row((unsigned)hs->init.status)->host_check &&
        hs->init.status / 100 != 5)
        scan_paths(p);
}
